/*
 * The one matcher every client profile runs: a profile is a row of rules
 * (client.h), and this file applies any row to a result's identities and
 * chain. Presented names are compared as the certificate holds them (no
 * client converts a presented U-label), with the domain in the form the
 * row says. No I/O.
 */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

/* What keeps a profile from connecting silently: a fixed code (JSON
 * "reason"), the words reports use for one client and for several, and
 * what certificate change would satisfy it. */
struct reason {
	const char *code;
	const char *words;      /* "ignores xmppAddr" */
	const char *plural;     /* "ignore xmppAddr" */
	int fix;                /* XCV_FIX_* (client.h) */
	const char *remedy;     /* XCV_FIX_CHAIN: what to change */
};

#define REASON(name, code, words, plural, fix, remedy) \
	static const struct reason name = { code, words, plural, fix, remedy }
REASON(R_MISMATCH, "mismatch",
	"finds no identity it reads that names the domain",
	"find no identity they read that names the domain",
	XCV_FIX_DNSNAME, NULL);
REASON(R_IGNORES_X, "ignores-xmppaddr", "ignores xmppAddr", "ignore xmppAddr",
	XCV_FIX_DNSNAME, NULL);
REASON(R_IGNORES_S, "ignores-srvname", "ignores SRVName", "ignore SRVName",
	XCV_FIX_DNSNAME, NULL);
REASON(R_SRV_SERVICE, "srvname-service",
	"reads SRVName only for its own service",
	"read SRVName only for their own service", XCV_FIX_DNSNAME, NULL);
REASON(R_CN_NEVER, "no-cn", "never uses the CN", "never use the CN",
	XCV_FIX_DNSNAME, NULL);
REASON(R_CN_BLOCKED, "cn-blocked",
	"uses the CN only without certain subjectAltNames",
	"use the CN only without certain subjectAltNames",
	XCV_FIX_DNSNAME, NULL);
REASON(R_CN_SEVERAL, "cn-several",
	"uses the CN only when there is exactly one",
	"use the CN only when there is exactly one", XCV_FIX_DNSNAME, NULL);
REASON(R_CN_PICK, "cn-other", "reads another of several CNs",
	"read another of several CNs", XCV_FIX_DNSNAME, NULL);
REASON(R_CN_EKU, "cn-eku", "uses the CN only with the serverAuth EKU or none",
	"use the CN only with the serverAuth EKU or none",
	XCV_FIX_DNSNAME, NULL);
REASON(R_CN_UNCERTAIN, "cn-uncertain",
	"may not use the CN beside subjectAltNames (uncertain: not documented)",
	"may not use the CN beside subjectAltNames (uncertain)",
	XCV_FIX_DNSNAME,
	NULL);
REASON(R_WILDCARD, "wildcard", "does not accept this wildcard",
	"do not accept this wildcard", XCV_FIX_DNSNAME, NULL);
REASON(R_IDN_U, "idn-unicode",
	"compares the Unicode form of the domain with names in A-labels",
	"compare the Unicode form of the domain with names in A-labels",
	XCV_FIX_NONE, NULL);
REASON(R_IDN_A, "idn-ascii",
	"compares the A-label (xn--) form of the domain with names in Unicode",
	"compare the A-label (xn--) form of the domain with names in Unicode",
	XCV_FIX_DNSNAME, NULL);
REASON(R_CASE, "case", "compares names case-sensitively",
	"compare names case-sensitively", XCV_FIX_DNSNAME, NULL);
REASON(R_DOT, "trailing-dot", "does not accept a trailing dot",
	"do not accept a trailing dot", XCV_FIX_DNSNAME, NULL);
REASON(R_X_FAILS, "xmppaddr-fails", "fails on an xmppAddr in the certificate",
	"fail on an xmppAddr in the certificate", XCV_FIX_NO_XMPPADDR, NULL);
/* The chain */
REASON(R_UNTRUSTED, "untrusted", "does not trust the chain",
	"do not trust the chain", XCV_FIX_CHAIN,
	"a chain to an anchor the clients hold");
REASON(R_EKU, "eku", "needs the serverAuth extended key usage",
	"need the serverAuth extended key usage", XCV_FIX_CHAIN,
	"the serverAuth extended key usage");
REASON(R_NO_EKU, "no-eku", "needs an extended key usage with serverAuth",
	"need an extended key usage with serverAuth", XCV_FIX_CHAIN,
	"an extended key usage with serverAuth");
REASON(R_KU, "key-usage", "needs a key usage that allows TLS",
	"need a key usage that allows TLS", XCV_FIX_CHAIN,
	"keyUsage digitalSignature (and keyEncipherment for RSA)");
REASON(R_CA_LEAF, "ca-leaf", "refuses a CA certificate as a server's",
	"refuse a CA certificate as a server's", XCV_FIX_CHAIN,
	"a server certificate that is not a CA (cA FALSE)");
REASON(R_SHA1, "weak-signature", "refuses SHA-1 and MD5 signatures",
	"refuse SHA-1 and MD5 signatures", XCV_FIX_CHAIN, "SHA-256 signatures");
REASON(R_RSA, "rsa-size", "refuses RSA keys under 2048 bits",
	"refuse RSA keys under 2048 bits", XCV_FIX_CHAIN,
	"RSA keys of 2048 bits or more (or ECDSA P-256)");
/* The connection: no certificate helps (xcv_clients_judge_versions). */
REASON(R_TLS_VERSION, XCV_CLIENT_REASON_TLS_VERSION,
	"needs a newer TLS version than the server accepts",
	"need a newer TLS version than the server accepts", XCV_FIX_TLS,
	NULL);

static const struct reason *const reasons[] = {
	&R_MISMATCH, &R_IGNORES_X, &R_IGNORES_S, &R_SRV_SERVICE, &R_CN_NEVER,
	&R_CN_BLOCKED, &R_CN_SEVERAL, &R_CN_PICK, &R_CN_EKU, &R_CN_UNCERTAIN,
	&R_WILDCARD, &R_IDN_U, &R_IDN_A, &R_CASE, &R_DOT, &R_X_FAILS,
	&R_UNTRUSTED, &R_EKU, &R_NO_EKU, &R_KU, &R_CA_LEAF, &R_SHA1, &R_RSA,
	&R_TLS_VERSION,
};

static const struct reason *
reason_find(const char *code)
{
	for (size_t i = 0; code && i < sizeof(reasons) / sizeof(*reasons); i++)
		if (strcmp(reasons[i]->code, code) == 0)
			return reasons[i];
	return NULL;
}

const char *
xcv_client_reason_plural(const char *code)
{
	const struct reason *r = reason_find(code);

	return r ? r->plural : code;
}

int
xcv_client_reason_fix(const char *code, const char **remedy)
{
	const struct reason *r = reason_find(code);

	*remedy = r ? r->remedy : NULL;
	return r ? r->fix : XCV_FIX_CHAIN;
}

char *
xcv_client_fix_text(const char *code, const char *domain)
{
	const char *remedy;

	switch (xcv_client_reason_fix(code, &remedy)) {
	case XCV_FIX_DNSNAME:
		return xcv_asprintf("add a dNSName subjectAltName %s, in lower "
			"case", domain);
	case XCV_FIX_NONE:
		return xcv_strdup("no certificate satisfies them for an IDN "
			"domain: they compare its Unicode form; their users can "
			"write the domain in A-labels");
	case XCV_FIX_NO_XMPPADDR:
		return xcv_strdup("leave xmppAddr out, or upgrade the server");
	case XCV_FIX_TLS:
		return xcv_strdup("enable TLS 1.2 and 1.3 in the server's TLS "
			"settings (no certificate change helps)");
	default:
		return remedy ? xcv_asprintf("issue it with %s", remedy) :
			xcv_strdup("mend the chain");
	}
}

bool
xcv_client_serves(const struct xcv_client_rules *c, enum xcv_service service)
{
	switch (service) {
	case XCV_SERVICE_C2S:
		return c->profile.c2s;
	case XCV_SERVICE_S2S:
		return c->profile.s2s;
	case XCV_SERVICE_HTTPS:
		return c->profile.https;
	}
	return false;
}

/* --- names --- */

/* Names fold A-Z only, whatever the locale (RFC 4343). */
static bool
same(const char *a, const char *b, bool cs)
{
	return cs ? strcmp(a, b) == 0 : xcv_ascii_ncasecmp(a, b, SIZE_MAX) == 0;
}

static bool
same_n(const char *a, const char *b, size_t n, bool cs)
{
	return cs ? strncmp(a, b, n) == 0 : xcv_ascii_ncasecmp(a, b, n) == 0;
}

static size_t
labels(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* s ends with tail, ASCII case folded unless cs. */
static bool
ends_with(const char *s, const char *tail, bool cs)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && same(s + n - t, tail, cs);
}

static bool
same_char(char a, char b, bool cs)
{
	return cs ? a == b : xcv_ascii_lower((unsigned char)a) ==
		xcv_ascii_lower((unsigned char)b);
}

/* A shell glob of one label: '*' matches any run, possibly empty. One
 * place to go back to (the last '*'), so a hostile pattern of many stars
 * costs pn x sn steps at most, never an exponential search. */
static bool
glob_label(const char *p, size_t pn, const char *s, size_t sn, bool cs)
{
	size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;

	while (j < sn) {
		if (i < pn && p[i] == '*') {
			star = i++;
			mark = j;
		} else if (i < pn && same_char(p[i], s[j], cs)) {
			i++;
			j++;
		} else if (star != SIZE_MAX) {
			i = star + 1;
			j = ++mark;
		} else {
			return false;
		}
	}
	while (i < pn && p[i] == '*')
		i++;
	return i == pn;
}

/* GLOB style: equal label counts, each label a glob. */
static bool
glob_name(const struct wild_rules *w, const char *pat, const char *ref,
	bool cs)
{
	size_t np = labels(pat);

	if (np != labels(ref))
		return false;
	for (size_t i = 0; i < np; i++) {
		const char *pe = strchr(pat, '.'), *re = strchr(ref, '.');
		size_t pn = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t rn = re ? (size_t)(re - ref) : strlen(ref);

		if (w->not_last_two && i + 2 >= np && memchr(pat, '*', pn))
			return false;
		if (!glob_label(pat, pn, ref, rn, cs))
			return false;
		pat += pn + (pe != NULL);
		ref += rn + (re != NULL);
	}
	return true;
}

/*
 * Does pattern name ref under rules w? The wildcard forms (client.h):
 * '*' as the whole leftmost label, or ending it (x*) or starting it (*x),
 * or a glob anywhere; with the row's bare, deep and minimum-label rules.
 */
static bool
wild_match(const struct wild_rules *w, const char *pat, const char *ref,
	bool cs)
{
	const char *star = strchr(pat, '*'), *dot, *rdot, *rest;
	size_t first, rfirst;

	if (star == NULL || w->style == WILD_NONE)
		return same(pat, ref, cs);
	if (labels(pat) < (size_t)w->min_labels)
		return false;
	if (w->style == WILD_GLOB)
		return glob_name(w, pat, ref, cs);
	dot = strchr(pat, '.');
	if (dot == NULL || star > dot || strchr(star + 1, '*') != NULL)
		return false;
	rest = dot + 1;
	first = (size_t)(dot - pat);
	/* The whole label, or a partial one of the row's kind. */
	if (first > 1 && !((w->style == WILD_PREFIX && star == dot - 1) ||
	    (w->style == WILD_SUFFIX && star == pat)))
		return false;
	if (first == 1 && w->bare && same(rest, ref, cs))
		return true;
	rdot = strchr(ref, '.');
	if (rdot == NULL || rdot == ref)
		return false;
	rfirst = (size_t)(rdot - ref);
	if (first == 1)
		return same(rdot + 1, rest, cs) ||
			(w->deep && ends_with(rdot + 1, dot, cs));
	if (!same(rdot + 1, rest, cs))
		return false;
	/* A partial wildcard never covers an IDN label of the domain (NSS
	 * cert_TestHostName(), OpenSSL wildcard_match()). */
	if (!w->partial_idn && same_n(ref, "xn--", 4, false))
		return false;
	if (star == pat)   /* *x: the label ends with x */
		return rfirst >= first - 1 && same_n(ref + rfirst - (first - 1),
			pat + 1, first - 1, cs);
	return rfirst >= first - 1 &&  /* x*: it starts with x */
		same_n(ref, pat, first - 1, cs);
}

/* Every character a host name may hold, and '*'. */
static bool
ascii_name(const char *s)
{
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '.' && *s != '*' &&
		    *s != '-')
			return false;
	return true;
}

struct refs {
	const char *a;          /* A-labels, lower case */
	const char *u;          /* Unicode */
};

/* The loose reading: does name (a presented name or an SRVName's name
 * part) name the domain in any client's eyes? Then a profile that
 * refuses it has a reason worth saying. */
static bool
loose(const char *raw, const char *norm, const struct refs *r)
{
	static const struct wild_rules any = { .style = WILD_GLOB,
		.min_labels = 1 };
	char buf[256];
	size_t n = strlen(raw);

	if (n > 0 && n < sizeof(buf) && raw[n - 1] == '.') {
		memcpy(buf, raw, n - 1);
		buf[n - 1] = '\0';
		raw = buf;
	}
	if (same(raw, r->a, false) || same(raw, r->u, false) ||
	    (norm && same(norm, r->a, false)))
		return true;
	if (strchr(raw, '*') == NULL || r->a[0] == '\0')
		return false;
	/* A wildcard of any form over one label or more. */
	for (const char *s = r->a; s; s = strchr(s + 1, '.'))
		if (glob_name(&any, raw, *s == '.' ? s + 1 : s, false) ||
		    (strncmp(raw, "*.", 2) == 0 && ends_with(r->a, raw + 1,
		    false)))
			return true;
	return false;
}

/* How c reads one DNS-like name (dNSName, CN, an SRVName's name part):
 * NULL when it names the domain, else the reason it does not. */
static const struct reason *
name_check(const struct xcv_client_rules *c, const char *raw,
	const char *norm, const struct refs *r, bool is_dns)
{
	bool cs = c->case_sensitive || (is_dns && c->case_sensitive_dns);
	const char *ref = c->dns_ref == REF_ULABEL ? r->u : r->a;
	char buf[256];
	size_t n = strlen(raw);

	if (c->trailing_dot_ok && n > 1 && n < sizeof(buf) &&
	    raw[n - 1] == '.') {
		memcpy(buf, raw, n - 1);
		buf[n - 1] = '\0';
		raw = buf;
	}
	if (c->ascii_names_only && !ascii_name(raw))
		return loose(raw, norm, r) ? &R_IDN_A : &R_MISMATCH;
	if (wild_match(&c->wild, raw, ref, cs))
		return NULL;
	/* Not a match: say why, when the name names the domain at all. */
	if (!loose(raw, norm, r))
		return &R_MISMATCH;
	if (n > 0 && raw[n - 1] == '.' && !c->trailing_dot_ok)
		return &R_DOT;
	if (strchr(raw, '*') != NULL && !wild_match(&c->wild, raw, ref, false))
		return &R_WILDCARD;
	if (cs && same(raw, ref, false))
		return &R_CASE;
	if (strcmp(r->a, r->u) != 0)
		return c->dns_ref == REF_ULABEL ? &R_IDN_U : &R_IDN_A;
	return &R_WILDCARD;
}

/* The kinds of subjectAltName the leaf holds (SAN_*). */
static unsigned
san_kinds(const struct xcv_identity *id)
{
	unsigned k = 0;

	for (size_t i = 0; i < id->n_presented; i++) {
		switch (id->presented[i].field) {
		case XCV_FIELD_DNSNAME:
			k |= SAN_DNS;
			break;
		case XCV_FIELD_IPADDRESS:
			k |= SAN_IP;
			break;
		case XCV_FIELD_URI:
			k |= SAN_URI;
			break;
		case XCV_FIELD_SRVNAME:
			k |= SAN_SRV;
			break;
		case XCV_FIELD_XMPPADDR:
			k |= SAN_XMPPADDR;
			break;
		default:
			break;
		}
	}
	return k;
}

/* The leaf's EKU: 0 absent, 1 allows serverAuth (or any), -1 not. */
static int
eku_server(X509 *x)
{
	uint32_t f = X509_get_extension_flags(x);

	if (!(f & EXFLAG_XKUSAGE))
		return 0;
	return X509_get_extended_key_usage(x) & (XKU_SSL_SERVER | XKU_ANYEKU) ?
		1 : -1;
}

static bool
self_signed(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);

	return pk != NULL && X509_verify(x, pk) == 1;
}

/* Judging the names: the identity that satisfies c (index into
 * presented, or -1) and otherwise the most telling reason. */
struct names {
	long match;
	const struct reason *why;
	long why_at;            /* the identity the reason is about, or -1 */
};

static void
consider(struct names *nm, const struct reason *why, size_t i)
{
	if (why == NULL) {
		if (nm->match < 0)
			nm->match = (long)i;
		return;
	}
	/* The first reason about an identity that names the domain wins;
	 * a plain mismatch only when nothing better is known. */
	if (nm->why == NULL || (nm->why == &R_MISMATCH && why != &R_MISMATCH)) {
		nm->why = why;
		nm->why_at = why == &R_MISMATCH ? -1 : (long)i;
	}
}

/* An xmppAddr, compared as the certificate holds it (Unicode or
 * A-labels) with the domain in the row's form. */
static const struct reason *
xmppaddr_check(const struct xcv_client_rules *c, unsigned reads,
	const struct xcv_presented *p, const struct refs *r)
{
	const char *ref = c->xmpp_ref == REF_ULABEL ? r->u : r->a;
	bool wanted = same(p->norm, r->a, false);

	if (!(reads & READS_XMPPADDR))
		return wanted ? &R_IGNORES_X : &R_MISMATCH;
	if (c->xmppaddr_wildcard ? wild_match(&c->wild, p->value, ref,
	    c->case_sensitive) : same(p->value, ref, c->case_sensitive))
		return NULL;
	if (!wanted)
		return &R_MISMATCH;
	if (c->case_sensitive && same(p->value, ref, false))
		return &R_CASE;
	return c->xmpp_ref == REF_ULABEL ? &R_IDN_U : &R_IDN_A;
}

/* An SRVName: its service must be one the row reads, then its name part
 * is read as a DNS name (with the row's wildcards where it takes them). */
static const struct reason *
srvname_check(const struct xcv_client_rules *c, unsigned reads,
	const struct xcv_presented *p, const struct refs *r)
{
	unsigned need = 0;
	const char *dot = strchr(p->value, '.'), *name;
	bool wanted;

	if (dot == NULL)
		return &R_MISMATCH;
	name = dot + 1;
	wanted = loose(name, p->norm, r);

	if (p->service && strcmp(p->service, "xmpp-client") == 0)
		need = READS_SRV_CLIENT;
	else if (p->service && strcmp(p->service, "xmpp-server") == 0)
		need = READS_SRV_SERVER;
	if (!wanted || need == 0)
		return &R_MISMATCH;
	if (!(reads & (READS_SRV_CLIENT | READS_SRV_SERVER)))
		return &R_IGNORES_S;
	if (!(reads & need))
		return &R_SRV_SERVICE;
	if (!c->srv_wildcard)
		return same(name, c->dns_ref == REF_ULABEL ? r->u : r->a,
			c->case_sensitive) ? NULL : &R_WILDCARD;
	return name_check(c, name, p->norm, r, false);
}

static void
judge_names(struct names *nm, const struct xcv_client_rules *c,
	const struct xcv_result *res, const struct refs *r)
{
	static const enum xcv_field order[] = { XCV_FIELD_XMPPADDR,
		XCV_FIELD_SRVNAME, XCV_FIELD_DNSNAME, XCV_FIELD_CN };
	const struct xcv_identity *id = &res->id;
	X509 *leaf = sk_X509_value(res->path, 0);
	unsigned kinds = san_kinds(id);
	/* HTTPS: host names only (Cisco's guide: dnsNames and the CN). */
	unsigned reads = res->service == XCV_SERVICE_HTTPS ?
		c->reads & READS_DNS : c->reads;
	size_t n_cn = 0, k_cn = 0;
	bool cn_ok = c->cn != CN_NEVER;
	const struct reason *cn_why = cn_ok ? NULL : &R_CN_NEVER;

	nm->match = nm->why_at = -1;
	nm->why = NULL;
	for (size_t i = 0; i < id->n_presented; i++)
		n_cn += id->presented[i].field == XCV_FIELD_CN;
	/* p1_xmpp 1.6.1 raises in get_cert_domains/1 on an xmppAddr that
	 * decodes as a bare domain (one with a localpart or a resource it
	 * passes over; identity.c sets norm only for a bare domain). */
	for (size_t i = 0; c->xmppaddr_fails && i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->field == XCV_FIELD_XMPPADDR && p->norm) {
			nm->why = &R_X_FAILS;
			nm->why_at = (long)i;
			return;
		}
	}
	if (cn_ok && c->cn == CN_FALLBACK && (kinds & c->cn_blockers)) {
		cn_ok = false;
		cn_why = &R_CN_BLOCKED;
	}
	if (cn_ok && c->cn_needs_server_eku && leaf && eku_server(leaf) < 0) {
		cn_ok = false;
		cn_why = &R_CN_EKU;
	}
	if (cn_ok && c->cn_pick == CN_ONLY_ONE && n_cn > 1) {
		cn_ok = false;
		cn_why = &R_CN_SEVERAL;
	}
	for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++) {
		k_cn = 0;
		for (size_t i = 0; i < id->n_presented; i++) {
			const struct xcv_presented *p = &id->presented[i];
			const struct reason *why;

			if (p->field != order[o])
				continue;
			switch (p->field) {
			case XCV_FIELD_XMPPADDR:
				if (p->norm != NULL)
					consider(nm, xmppaddr_check(c, reads, p, r),
						i);
				break;
			case XCV_FIELD_SRVNAME:
				if (p->norm != NULL)
					consider(nm, srvname_check(c, reads, p, r),
						i);
				break;
			case XCV_FIELD_DNSNAME:
				if (p->norm == NULL)
					break;
				consider(nm, name_check(c, p->value, p->norm, r,
					true), i);
				break;
			case XCV_FIELD_CN:
				k_cn++;
				if (p->norm == NULL && p->value[0] == '\0')
					break;
				why = name_check(c, p->value, p->norm, r, false);
				if (why == NULL && !cn_ok)
					why = cn_why;
				else if (why == NULL &&
				    ((c->cn_pick == CN_FIRST && k_cn != 1) ||
				    (c->cn_pick == CN_LAST && k_cn != n_cn)))
					why = &R_CN_PICK;
				else if (why == NULL && c->cn_uncertain &&
				    (kinds & (SAN_DNS | SAN_SRV | SAN_XMPPADDR)))
					why = &R_CN_UNCERTAIN;
				consider(nm, why, i);
				break;
			default:
				break;
			}
		}
	}
	/* A self-signed certificate with exactly one CN that names the
	 * domain passes whatever else it holds (row flag). */
	if (nm->match < 0 && c->self_signed_cn && n_cn == 1 && leaf &&
	    self_signed(leaf)) {
		for (size_t i = 0; i < id->n_presented; i++)
			if (id->presented[i].field == XCV_FIELD_CN &&
			    name_check(c, id->presented[i].value,
			    id->presented[i].norm, r, false) == NULL)
				nm->match = (long)i;
	}
}

/* --- the chain --- */

/* Why c refuses the chain, or NULL when it trusts it. */
static const struct reason *
judge_chain(const struct xcv_client_rules *c, const struct xcv_result *res,
	const char **detail)
{
	X509 *leaf = sk_X509_value(res->path, 0);
	int n = sk_X509_num(res->path);
	uint32_t ku;

	*detail = NULL;
	/* PKIX with the anchors, less what the client does not check. */
	for (size_t i = 0; !res->trusted && i < res->n_errors; i++) {
		const struct xcv_chain_error *e = &res->errors[i];
		X509 *x = e->depth < n ? sk_X509_value(res->path, e->depth) :
			NULL;
		struct tm tm;

		if (e->code == X509_V_ERR_INVALID_PURPOSE)
			continue;   /* judged below, by the client's rules */
		if (e->code == X509_V_ERR_CERT_NOT_YET_VALID && x &&
		    c->not_before_slop > 0 &&
		    ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) &&
		    (int64_t)timegm(&tm) - res->at <= c->not_before_slop)
			continue;
		*detail = e->text;
		return &R_UNTRUSTED;
	}
	if (leaf == NULL)
		return &R_UNTRUSTED;
	if (c->needs_eku && eku_server(leaf) == 0)
		return &R_NO_EKU;
	if ((c->checks_eku || c->needs_eku) && eku_server(leaf) < 0)
		return &R_EKU;
	/* Intermediates that exclude serverAuth fail the path as well. */
	for (int i = 1; c->checks_eku && i < n - 1; i++)
		if (eku_server(sk_X509_value(res->path, i)) < 0)
			return &R_EKU;
	ku = X509_get_key_usage(leaf);
	if (c->checks_ku && ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE |
	    KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)))
		return &R_KU;
	if (c->refuses_ca_leaf && (X509_get_extension_flags(leaf) & EXFLAG_CA))
		return &R_CA_LEAF;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(res->path, i);
		EVP_PKEY *pk = X509_get0_pubkey(x);
		int md = NID_undef, pknid;
		bool root = i == n - 1 && (X509_get_extension_flags(x) &
			EXFLAG_SS);

		if (c->refuses_sha1 && !root &&
		    OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pknid) &&
		    (md == NID_sha1 || md == NID_md5))
			return &R_SHA1;
		if (c->min_rsa_bits && pk && EVP_PKEY_get_base_id(pk) ==
		    EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) < c->min_rsa_bits)
			return &R_RSA;
	}
	return NULL;
}

/* --- the judgement --- */

int
xcv_client_judge(struct xcv_client_judgement *j,
	const struct xcv_client_rules *c, const struct xcv_result *res,
	const char *domain_u)
{
	struct refs r = { res->id.reference, domain_u ? domain_u :
		res->id.reference };
	const struct reason *chain_why, *name_why;
	const char *chain_detail;
	struct names nm;
	struct xcv_strv why = {0};
	bool named;
	int rc = XCV_ENOMEM;

	memset(j, 0, sizeof(*j));
	j->info.client = c->profile.id;
	j->info.profile = &c->profile;
	judge_names(&nm, c, res, &r);
	chain_why = judge_chain(c, res, &chain_detail);
	named = nm.match >= 0;
	name_why = nm.why ? nm.why : &R_MISMATCH;
	j->info.trusted = chain_why == NULL;
	if (named) {
		const struct xcv_presented *p = &res->id.presented[nm.match];
		if ((j->name = xcv_asprintf("%s %s", xcv_field_name(p->field),
		    p->value)) == NULL)
			goto out;
		xcv_strv_push(&why, j->name);
	} else if (nm.why_at >= 0) {
		xcv_strv_pushf(&why, "%s (%s %s)", name_why->words,
			xcv_field_name(res->id.presented[nm.why_at].field),
			res->id.presented[nm.why_at].value);
	} else {
		xcv_strv_pushf(&why, "%s %s", name_why->words, r.a);
	}
	if (chain_why != NULL && chain_detail)
		xcv_strv_pushf(&why, "%s: %s", chain_why->words, chain_detail);
	else if (chain_why != NULL)
		xcv_strv_push(&why, chain_why->words);
	/* The reason: the name's, else the chain's. */
	j->info.reason = !named ? name_why->code : chain_why ? chain_why->code :
		NULL;
	if (named && chain_why == NULL)
		j->info.verdict = XCV_CLIENT_CONNECTS;
	else if ((!named && c->mismatch == FAIL_HARD) ||
	    (chain_why != NULL && c->untrusted == FAIL_HARD))
		j->info.verdict = XCV_CLIENT_FAILS;
	else
		j->info.verdict = XCV_CLIENT_PROMPTS;
	if (j->info.verdict == XCV_CLIENT_PROMPTS && c->prompt_note)
		xcv_strv_push(&why, c->prompt_note);
	if (j->info.verdict == XCV_CLIENT_FAILS && c->fail_note)
		xcv_strv_push(&why, c->fail_note);
	if ((j->why = xcv_strv_join(&why, "; ")) == NULL)
		goto out;
	j->info.name = j->name;
	j->info.why = j->why;
	rc = 0;
out:
	xcv_strv_clear(&why);
	if (rc < 0)
		xcv_client_judgement_clear(j);
	return rc;
}

void
xcv_client_judgement_clear(struct xcv_client_judgement *j)
{
	free(j->name);
	free(j->why);
	memset(j, 0, sizeof(*j));
}
