/*
 * Presented identities and the matching policy.
 *
 * Reference identifiers for domain D (RFC 6120 §13.7.1.2, RFC 6125 §6):
 *   c2s: xmppAddr D, SRV-ID _xmpp-client.D, DNS-ID D, CN-ID D (fallback)
 *   s2s: xmppAddr D, SRV-ID _xmpp-server.D, DNS-ID D, CN-ID D (fallback)
 *   https: DNS-ID or IP-ID of the host, CN-ID (fallback)
 * The first match in that field order is reported.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

static void
lower_ascii(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool
all_ascii(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] >= 0x80)
			return false;
	return true;
}

/*
 * Syntax of a lower-case ASCII host name as a presented or reference
 * identifier. Returns NULL when acceptable, else the reason.
 */
static const char *
dns_syntax(const char *s, bool wildcard_ok)
{
	size_t len = strlen(s), lab = 0, labels = 1;
	const char *star = strchr(s, '*'), *dot = strchr(s, '.');

	if (len == 0)
		return "empty name";
	if (s[len - 1] == '.')
		return "ends with a dot; a presented name must not be absolute";
	if (len > 253)
		return "longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' || c == '\0') {
			if (lab == 0)
				return "has an empty label";
			if (lab > 63)
				return "has a label longer than 63 characters";
			labels += c == '.';
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_' && c != '*')
			return "has a character that is not allowed in a host name";
		lab++;
	}
	if (star == NULL)
		return NULL;
	if (!wildcard_ok)
		return "has a wildcard, which this field does not allow";
	/* RFC 6125 §6.4.3, RFC 9525 §6.3: only '*' as the whole leftmost label. */
	if (dot != NULL && star > dot)
		return "has a wildcard outside the leftmost label";
	if (s[1] != '.')
		return "has a partial wildcard label, which is never matched";
	if (strchr(s + 1, '*') != NULL)
		return "has more than one wildcard";
	if (labels < 3)
		return "has a wildcard with fewer than two labels after it";
	return NULL;
}

/* to_alabel()'s answer when memory ran out: not a reason the name is
 * wrong, and callers tell it apart by its address. */
static const char out_of_memory[] = "out of memory";

/*
 * Convert presented or reference text to a lower-case A-label name.
 * Returns NULL on success (and *out set), out_of_memory, else the reason.
 */
static const char *
to_alabel(char **out, const unsigned char *p, size_t len, bool wildcard_ok)
{
	char *text = NULL, *alabel = NULL;
	const char *rest;
	int rc;

	*out = NULL;
	if (memchr(p, '\0', len) != NULL)
		return "has a NUL byte, probably a malicious certificate";
	text = malloc(len + 1);
	if (text == NULL)
		return out_of_memory;
	memcpy(text, p, len);
	text[len] = '\0';
	if (all_ascii(p, len)) {
		lower_ascii(text);
		*out = text;
		return NULL;
	}
	/* Keep a leading "*." out of IDNA; it is judged by dns_syntax(). */
	rest = text;
	if (wildcard_ok && text[0] == '*' && text[1] == '.')
		rest = text + 2;
	rc = idn2_to_ascii_8z(rest, &alabel, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		free(text);
		if (rc == IDN2_MALLOC)
			return out_of_memory;
		return rc == IDN2_ENCODING_ERROR ?
			"is not valid UTF-8" :
			"is not a valid internationalised domain name";
	}
	*out = xcv_asprintf("%s%s", rest == text ? "" : "*.", alabel);
	idn2_free(alabel);
	free(text);
	if (*out == NULL)
		return out_of_memory;
	lower_ascii(*out);
	return NULL;
}

int
xcv_reference_normalize(char **out, bool *is_ip, const char *domain)
{
	unsigned char ip[16];
	char buf[INET6_ADDRSTRLEN + 2], *name = NULL;
	const char *why;
	size_t len;

	*out = NULL;
	*is_ip = false;
	if (domain == NULL || *domain == '\0')
		return xcv_set_error(XCV_EINPUT, "the domain is empty");
	len = strlen(domain);
	if (len < sizeof(buf) && domain[0] == '[' && domain[len - 1] == ']') {
		memcpy(buf, domain + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, ip) != 1)
			return xcv_set_error(XCV_EINPUT,
				"'%s' is not a valid IPv6 address", domain);
		*is_ip = true;
	} else if (inet_pton(AF_INET, domain, ip) == 1 ||
	    inet_pton(AF_INET6, domain, ip) == 1) {
		*is_ip = true;
	}
	if (*is_ip) {
		int af = strchr(domain, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, domain[0] == '[' ? buf : domain, ip) != 1 ||
		    inet_ntop(af, ip, buf, sizeof(buf)) == NULL)
			return xcv_set_error(XCV_EINPUT, "bad address '%s'", domain);
		*out = xcv_strdup(buf);
		return *out ? 0 : xcv_oom();
	}
	/* A trailing dot on the reference is dropped (RFC 6125 §6.2.1). */
	if (domain[len - 1] == '.')
		len--;
	why = to_alabel(&name, (const unsigned char *)domain, len, false);
	if (why == out_of_memory)
		return xcv_oom();
	if (why == NULL)
		why = dns_syntax(name, false);
	if (why != NULL) {
		char *shown = xcv_escape((const unsigned char *)domain,
			strlen(domain));
		int rc = xcv_set_error(XCV_EINPUT,
			"'%s' is not a valid domain name: it %s",
			shown ? shown : "?", why);
		free(shown);
		free(name);
		return rc;
	}
	*out = name;
	return 0;
}

bool
xcv_dns_match(const char *presented, const char *reference)
{
	const char *dot;

	if (presented[0] == '*' && presented[1] == '.') {
		/* RFC 6125 §6.4.3: '*' matches exactly one whole label,
		 * never an empty one, so never the bare parent domain. */
		dot = strchr(reference, '.');
		if (dot == NULL || dot == reference)
			return false;
		return strcmp(dot + 1, presented + 2) == 0;
	}
	return strcmp(presented, reference) == 0;
}

static struct xcv_presented *
add(struct xcv_identity *id, enum xcv_field field, const unsigned char *raw,
	size_t len)
{
	struct xcv_presented *v, *p;

	v = realloc(id->presented, (id->n_presented + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	id->presented = v;
	p = &v[id->n_presented];
	memset(p, 0, sizeof(*p));
	p->field = field;
	p->value = xcv_escape(raw, len);
	if (p->value == NULL)
		return NULL;
	id->n_presented++;
	return p;
}

static int
set_invalid(struct xcv_presented *p, const char *reason)
{
	p->valid = false;
	free(p->reason);
	p->reason = xcv_strdup(reason);
	return p->reason ? 0 : xcv_oom();
}

/* dNSName and SRVName are IA5Strings: ASCII, no NUL (RFC 5280 §4.2.1.6). */
static const char *
ia5_check(const unsigned char *p, size_t len)
{
	if (memchr(p, '\0', len) != NULL)
		return "has a NUL byte, probably a malicious certificate";
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return "has a byte that is not IA5 (ASCII), probably a "
			       "malicious certificate";
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "has a control character";
	}
	return NULL;
}

static int
add_dns(struct xcv_identity *id, const ASN1_IA5STRING *s)
{
	const unsigned char *raw = ASN1_STRING_get0_data(s);
	size_t len = (size_t)ASN1_STRING_length(s);
	struct xcv_presented *p = add(id, XCV_FIELD_DNSNAME, raw, len);
	const char *why;

	if (p == NULL)
		return xcv_oom();
	why = ia5_check(raw, len);
	if (why == NULL)
		why = to_alabel(&p->norm, raw, len, true);
	if (why == out_of_memory)
		return xcv_oom();
	if (why == NULL)
		why = dns_syntax(p->norm, true);
	if (why != NULL)
		return set_invalid(p, why);
	p->valid = true;
	return 0;
}

static int
add_xmppaddr(struct xcv_identity *id, const ASN1_TYPE *v)
{
	const ASN1_STRING *s = NULL;
	struct xcv_presented *p;
	const unsigned char *raw = (const unsigned char *)"";
	size_t len = 0;
	const char *why = NULL;

	if (v->type == V_ASN1_BOOLEAN || v->type == V_ASN1_NULL ||
	    v->type == V_ASN1_OBJECT) {
		s = NULL;
	} else {
		s = v->value.asn1_string;
	}
	if (s != NULL) {
		raw = ASN1_STRING_get0_data(s);
		len = (size_t)ASN1_STRING_length(s);
	}
	p = add(id, XCV_FIELD_XMPPADDR, raw, len);
	if (p == NULL)
		return xcv_oom();
	/* RFC 6120 §13.7.1.4: id-on-xmppAddr is a UTF8String. */
	if (v->type != V_ASN1_UTF8STRING) {
		char *r = xcv_asprintf("is a %s, not a UTF8String as RFC 6120 "
			"§13.7.1.4 requires", ASN1_tag2str(v->type));
		int rc = set_invalid(p, r ? r : "has the wrong ASN.1 type");
		free(r);
		return rc;
	}
	if (memchr(raw, '\0', len) != NULL)
		return set_invalid(p, "has a NUL byte, probably a malicious "
			"certificate");
	if (memchr(raw, '@', len) != NULL)
		return set_invalid(p, "is a JID with a localpart, not a bare "
			"domain");
	if (memchr(raw, '/', len) != NULL)
		return set_invalid(p, "is a JID with a resource, not a bare "
			"domain");
	why = to_alabel(&p->norm, raw, len, false);
	if (why == out_of_memory)
		return xcv_oom();
	if (why == NULL)
		why = dns_syntax(p->norm, false);
	if (why != NULL)
		return set_invalid(p, why);
	p->valid = true;
	return 0;
}

static int
add_srvname(struct xcv_identity *id, const ASN1_TYPE *v)
{
	const ASN1_STRING *s = NULL;
	struct xcv_presented *p;
	const unsigned char *raw = (const unsigned char *)"", *dot;
	size_t len = 0;
	const char *why;

	if (v->type != V_ASN1_BOOLEAN && v->type != V_ASN1_NULL &&
	    v->type != V_ASN1_OBJECT)
		s = v->value.asn1_string;
	if (s != NULL) {
		raw = ASN1_STRING_get0_data(s);
		len = (size_t)ASN1_STRING_length(s);
	}
	p = add(id, XCV_FIELD_SRVNAME, raw, len);
	if (p == NULL)
		return xcv_oom();
	/* RFC 4985 §2: SRVName ::= IA5String (SIZE (1..MAX)). */
	if (v->type != V_ASN1_IA5STRING) {
		char *r = xcv_asprintf("is a %s, not an IA5String as RFC 4985 "
			"requires", ASN1_tag2str(v->type));
		int rc = set_invalid(p, r ? r : "has the wrong ASN.1 type");
		free(r);
		return rc;
	}
	why = ia5_check(raw, len);
	if (why != NULL)
		return set_invalid(p, why);
	dot = memchr(raw, '.', len);
	if (len < 4 || raw[0] != '_' || dot == NULL || dot == raw + 1)
		return set_invalid(p, "is not of the form _service.name");
	p->service = malloc((size_t)(dot - raw));
	if (p->service == NULL)
		return xcv_oom();
	memcpy(p->service, raw + 1, (size_t)(dot - raw) - 1);
	p->service[dot - raw - 1] = '\0';
	lower_ascii(p->service);
	why = to_alabel(&p->norm, dot + 1, len - (size_t)(dot + 1 - raw), true);
	if (why == out_of_memory)
		return xcv_oom();
	if (why == NULL)
		why = dns_syntax(p->norm, true);
	if (why != NULL)
		return set_invalid(p, why);
	p->valid = true;
	return 0;
}

static int
add_ip(struct xcv_identity *id, const ASN1_OCTET_STRING *s)
{
	const unsigned char *raw = ASN1_STRING_get0_data(s);
	size_t len = (size_t)ASN1_STRING_length(s);
	char buf[INET6_ADDRSTRLEN];
	struct xcv_presented *p;

	if (len == 4 || len == 16) {
		inet_ntop(len == 4 ? AF_INET : AF_INET6, raw, buf, sizeof(buf));
		p = add(id, XCV_FIELD_IPADDRESS, (const unsigned char *)buf,
			strlen(buf));
		if (p == NULL)
			return xcv_oom();
		memcpy(p->ip, raw, len);
		p->iplen = len;
		p->valid = true;
		return 0;
	}
	p = add(id, XCV_FIELD_IPADDRESS, (const unsigned char *)"", 0);
	if (p == NULL)
		return xcv_oom();
	return set_invalid(p, "is neither 4 nor 16 bytes long");
}

static int
add_uri(struct xcv_identity *id, const ASN1_IA5STRING *s)
{
	const unsigned char *raw = ASN1_STRING_get0_data(s);
	size_t len = (size_t)ASN1_STRING_length(s);
	struct xcv_presented *p = add(id, XCV_FIELD_URI, raw, len);
	const char *why;

	if (p == NULL)
		return xcv_oom();
	why = ia5_check(raw, len);
	if (why != NULL)
		return set_invalid(p, why);
	/* URI-IDs are listed; XMPP does not use them (RFC 6120 §13.7.1.2). */
	p->valid = true;
	p->reason = xcv_strdup("not used to identify XMPP or HTTPS servers here");
	return p->reason ? 0 : xcv_oom();
}

static int
collect_san(struct xcv_identity *id, const STACK_OF(X509_EXTENSION) *exts)
{
	int loc = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
	GENERAL_NAMES *names = NULL;
	int rc = 0;

	if (loc < 0)
		return 0;
	id->has_san = true;
	if (X509v3_get_ext_by_NID(exts, NID_subject_alt_name, loc) >= 0) {
		id->san_broken = true;
		return xcv_strv_push(&id->warnings,
			"the certificate has more than one subjectAltName "
			"extension, probably a malicious certificate; none of "
			"its subjectAltNames are used");
	}
	names = X509V3_EXT_d2i(X509v3_get_ext(exts, loc));
	if (names == NULL) {
		id->san_broken = true;
		return xcv_strv_push(&id->warnings,
			"the subjectAltName extension cannot be decoded "
			"(malformed DER); none of its names are used, and the "
			"Subject CN is not used either");
	}
	for (int i = 0; rc == 0 && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		int nid;

		switch (g->type) {
		case GEN_DNS:
			rc = add_dns(id, g->d.dNSName);
			break;
		case GEN_IPADD:
			rc = add_ip(id, g->d.iPAddress);
			break;
		case GEN_URI:
			rc = add_uri(id, g->d.uniformResourceIdentifier);
			break;
		case GEN_OTHERNAME:
			nid = OBJ_obj2nid(g->d.otherName->type_id);
			if (nid == NID_XmppAddr)
				rc = add_xmppaddr(id, g->d.otherName->value);
			else if (nid == NID_SRVName)
				rc = add_srvname(id, g->d.otherName->value);
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(names);
	return rc;
}

static int
collect_cn(struct xcv_identity *id, const X509_NAME *subject)
{
	int count = 0, i = -1;

	while ((i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0)
		count++;
	while ((i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0) {
		ASN1_STRING *data = X509_NAME_ENTRY_get_data(
			X509_NAME_get_entry(subject, i));
		unsigned char *utf8 = NULL;
		int len = ASN1_STRING_to_UTF8(&utf8, data);
		struct xcv_presented *p;
		const char *why;
		int rc;

		if (len < 0) {
			p = add(id, XCV_FIELD_CN, (const unsigned char *)"", 0);
			if (p == NULL)
				return xcv_oom();
			if (set_invalid(p, "cannot be decoded as text") < 0)
				return xcv_oom();
			continue;
		}
		p = add(id, XCV_FIELD_CN, utf8, (size_t)len);
		if (p == NULL) {
			OPENSSL_free(utf8);
			return xcv_oom();
		}
		why = to_alabel(&p->norm, utf8, (size_t)len, true);
		OPENSSL_free(utf8);
		if (why == out_of_memory)
			return xcv_oom();
		if (why == NULL)
			why = dns_syntax(p->norm, true);
		/* RFC 6125 §6.4.4 relies on one CN; several are ambiguous. */
		if (why == NULL && count > 1)
			why = "is one of several CNs in the subject, which is "
			      "ambiguous; no CN is used";
		rc = why ? set_invalid(p, why) : 0;
		if (rc < 0)
			return rc;
		p->valid = why == NULL;
	}
	return 0;
}

int
xcv_identity_collect(struct xcv_identity *id,
	const STACK_OF(X509_EXTENSION) *exts, const X509_NAME *subject)
{
	if (collect_san(id, exts) < 0 || collect_cn(id, subject) < 0)
		return xcv_oom();
	return 0;
}

static bool
applies(const struct xcv_identity *id, const struct xcv_presented *p)
{
	unsigned char ip[16];

	if (!p->valid)
		return false;
	if (id->reference_is_ip) {
		/* IP-ID: only iPAddress SANs, and only for https
		 * (RFC 6125 §1.7.2, RFC 9525 §6.5). */
		if (p->field != XCV_FIELD_IPADDRESS ||
		    id->service != XCV_SERVICE_HTTPS)
			return false;
		if (p->iplen == 4)
			return inet_pton(AF_INET, id->reference, ip) == 1 &&
				memcmp(ip, p->ip, 4) == 0;
		return inet_pton(AF_INET6, id->reference, ip) == 1 &&
			memcmp(ip, p->ip, 16) == 0;
	}
	switch (p->field) {
	case XCV_FIELD_XMPPADDR:
		return id->service != XCV_SERVICE_HTTPS &&
			strcmp(p->norm, id->reference) == 0;
	case XCV_FIELD_SRVNAME:
		if (id->service == XCV_SERVICE_HTTPS)
			return false;
		if (strcmp(p->service, id->service == XCV_SERVICE_C2S ?
		    "xmpp-client" : "xmpp-server") != 0)
			return false;
		return xcv_dns_match(p->norm, id->reference);
	case XCV_FIELD_DNSNAME:
		return xcv_dns_match(p->norm, id->reference);
	case XCV_FIELD_CN:
		return id->cn_used && xcv_dns_match(p->norm, id->reference);
	default:
		return false;
	}
}

static const char *
field_label(enum xcv_field f)
{
	return xcv_field_name(f);
}

static int
explain(struct xcv_identity *id)
{
	bool has_san_id = false;

	for (size_t i = 0; i < id->n_presented; i++) {
		enum xcv_field f = id->presented[i].field;
		if (f == XCV_FIELD_XMPPADDR || f == XCV_FIELD_SRVNAME ||
		    f == XCV_FIELD_DNSNAME || f == XCV_FIELD_URI)
			has_san_id = true;
	}
	/* RFC 6125 §6.4.4: CN-ID only without DNS/SRV/URI/app-specific IDs;
	 * RFC 9525 §6.3: never. */
	id->cn_used = id->policy == XCV_POLICY_RFC6125 && !has_san_id &&
		!id->san_broken;
	for (size_t i = 0; i < id->n_presented; i++) {
		struct xcv_presented *p = &id->presented[i];
		const char *note = NULL;

		if (!p->valid) {
			if (xcv_strv_pushf(&id->warnings, "ignored %s \"%s\": it %s",
			    field_label(p->field), p->value, p->reason) < 0)
				return xcv_oom();
			continue;
		}
		if (p->field == XCV_FIELD_CN && !id->cn_used)
			note = id->policy == XCV_POLICY_RFC9525 ?
				"not used: policy rfc9525 never uses the CN" :
				"not used: the certificate has subjectAltNames "
				"(RFC 6125 §6.4.4)";
		else if (id->service == XCV_SERVICE_HTTPS &&
		    (p->field == XCV_FIELD_XMPPADDR ||
		     p->field == XCV_FIELD_SRVNAME))
			note = "not used for https";
		if (note != NULL && p->reason == NULL) {
			p->reason = xcv_strdup(note);
			if (p->reason == NULL)
				return xcv_oom();
		}
	}
	return 0;
}

int
xcv_identity_check(struct xcv_identity *id, X509 *cert, const char *domain,
	enum xcv_service service, enum xcv_policy policy)
{
	static const enum xcv_field order[] = {
		XCV_FIELD_XMPPADDR, XCV_FIELD_SRVNAME, XCV_FIELD_DNSNAME,
		XCV_FIELD_IPADDRESS, XCV_FIELD_CN,
	};
	int rc;

	memset(id, 0, sizeof(*id));
	id->service = service;
	id->policy = policy;
	rc = xcv_reference_normalize(&id->reference, &id->reference_is_ip, domain);
	if (rc < 0)
		return rc;
	if (xcv_identity_collect(id, X509_get0_extensions(cert),
	    X509_get_subject_name(cert)) < 0 || explain(id) < 0) {
		xcv_identity_clear(id);
		return xcv_oom();
	}
	for (size_t o = 0; !id->matched && o < sizeof(order) / sizeof(*order); o++) {
		for (size_t i = 0; i < id->n_presented; i++) {
			if (id->presented[i].field == order[o] &&
			    applies(id, &id->presented[i])) {
				id->matched = true;
				id->match = i;
				break;
			}
		}
	}
	if (id->matched && id->presented[id->match].field == XCV_FIELD_CN &&
	    xcv_strv_pushf(&id->warnings, "%s matched only through the Subject "
	    "CN; RFC 9525 and current clients (Go, pyca/cryptography, "
	    "Prosody 13) no longer accept that: put %s in a dNSName "
	    "subjectAltName", id->reference, id->reference) < 0) {
		xcv_identity_clear(id);
		return xcv_oom();
	}
	return 0;
}

void
xcv_identity_clear(struct xcv_identity *id)
{
	for (size_t i = 0; i < id->n_presented; i++) {
		free(id->presented[i].value);
		free(id->presented[i].norm);
		free(id->presented[i].service);
		free(id->presented[i].reason);
	}
	free(id->presented);
	free(id->reference);
	xcv_strv_clear(&id->warnings);
	memset(id, 0, sizeof(*id));
}

bool
xcv_same_domain(const char *a, const char *b)
{
	char *na = NULL, *nb = NULL;
	bool ipa, ipb, same;

	if (xcv_reference_normalize(&na, &ipa, a) < 0 ||
	    xcv_reference_normalize(&nb, &ipb, b) < 0) {
		free(na);
		free(nb);
		return strcmp(a, b) == 0;
	}
	same = strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return same;
}
