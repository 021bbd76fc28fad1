/*
 * Certificate signing requests (PKCS #10, RFC 2986): loading them as they
 * are saved (PEM, DER, PEM in UTF-16), linting them for what public CAs and
 * the presence servers refuse, alone and together, and matching the
 * certificate a CA issued against its CSR. No I/O but reading the file;
 * never prints. Rules and their fixtures: tests/cli_csr.py.
 */
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "chain_internal.h"
#include "csr_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kinds[] = { "xmpp", "https" };
static const char *const encodings[] = { "pem", "der", "pem-utf16" };
static const char *const severities[] = { "error", "warning", "note" };

const char *
xcv_csr_kind_name(enum xcv_csr_kind k)
{
	return (unsigned)k < COUNT(kinds) ? kinds[k] : "?";
}

const char *
xcv_csr_encoding_name(enum xcv_csr_encoding e)
{
	return (unsigned)e < COUNT(encodings) ? encodings[e] : "?";
}

const char *
xcv_severity_name(enum xcv_severity s)
{
	return (unsigned)s < COUNT(severities) ? severities[s] : "?";
}

int
xcv_csr_kind_parse(enum xcv_csr_kind *out, const char *name)
{
	for (unsigned i = 0; i < COUNT(kinds); i++) {
		if (strcmp(name, kinds[i]) == 0) {
			*out = (enum xcv_csr_kind)i;
			return 0;
		}
	}
	return xcv_set_error(XCV_EINPUT, "unknown kind '%s': use xmpp (Cisco's "
		"cup-xmpp and cup-xmpp-s2s) or https (Cisco's tomcat)", name);
}

/* Findings. */

void
xcv_csr_findings_clear(struct xcv_csr_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		xcv_free_const(f->v[i].field);
		xcv_free_const(f->v[i].text);
		for (size_t k = 0; k < f->v[i].n_files; k++)
			xcv_free_const(f->v[i].files[k]);
		xcv_free_const(f->v[i].files);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Append a finding about files; a failure sets f->oom. */
XCV_PRINTF(7, 8) static void
add(struct xcv_csr_findings *f, const char *code, enum xcv_severity sev,
	const char *field, const char *const *files, size_t n_files,
	const char *fmt, ...)
{
	struct xcv_csr_finding *v = NULL;
	const char **fv = calloc(n_files ? n_files : 1, sizeof(*fv));
	char *text, *fld = xcv_strdup(field);
	bool ok = fv && fld;
	va_list ap;

	va_start(ap, fmt);
	text = xcv_vasprintf(fmt, ap);
	va_end(ap);
	for (size_t i = 0; ok && i < n_files; i++)
		ok = (fv[i] = xcv_strdup(files[i])) != NULL;
	if (ok && text)
		v = realloc(f->v, (f->n + 1) * sizeof(*v));
	if (v == NULL) {
		for (size_t i = 0; fv && i < n_files; i++)
			xcv_free_const(fv[i]);
		free(fv);
		free(text);
		free(fld);
		f->oom = true;
		return;
	}
	f->v = v;
	v[f->n++] = (struct xcv_csr_finding){ .code = code, .severity = sev,
		.field = fld, .text = text, .files = fv, .n_files = n_files };
}

/* Errors first, then warnings, then notes; the rules' order within. */
static void
sort_findings(struct xcv_csr_findings *f)
{
	for (size_t i = 1; i < f->n; i++) {
		struct xcv_csr_finding x = f->v[i];
		size_t k = i;
		while (k > 0 && f->v[k - 1].severity > x.severity) {
			f->v[k] = f->v[k - 1];
			k--;
		}
		f->v[k] = x;
	}
}

static bool
any_error(const struct xcv_csr_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity == XCV_SEVERITY_ERROR)
			return true;
	return false;
}

/* Loading. */

static const char *
openssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown reason";
}

static bool
is_req_block(const char *type)
{
	return strcmp(type, "CERTIFICATE REQUEST") == 0 ||
		strcmp(type, "NEW CERTIFICATE REQUEST") == 0;
}

static bool
is_cert_block(const char *type)
{
	return strcmp(type, "CERTIFICATE") == 0 ||
		strcmp(type, "X509 CERTIFICATE") == 0 ||
		strcmp(type, "TRUSTED CERTIFICATE") == 0;
}

/* The one request of a DER encoding, with nothing after it. */
static int
parse_der(X509_REQ **out, const unsigned char *der, size_t len,
	const char *name, const char *what)
{
	const unsigned char *p = der;
	X509_REQ *req;

	ERR_clear_error();
	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req == NULL)
		return xcv_set_error(XCV_EINPUT, "%s: %s does not parse as a "
			"certificate signing request (PKCS #10: %s)", name, what,
			openssl_reason());
	if (p != der + len) {
		X509_REQ_free(req);
		return xcv_set_error(XCV_EINPUT, "%s: %zu stray bytes after the "
			"certificate signing request in %s", name,
			len - (size_t)(p - der), what);
	}
	*out = req;
	return 0;
}

static int
load_pem(struct xcv_csr *c, const unsigned char *data, size_t len)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	unsigned char *req_der = NULL;
	long req_len = 0;
	size_t blocks = 0, reqs = 0, certs = 0, keys = 0;
	int rc = 0;

	if (bio == NULL)
		return xcv_oom();
	for (;;) {
		char *type = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;

		ERR_clear_error();
		if (!PEM_read_bio(bio, &type, &header, &der, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;
			rc = xcv_set_error(XCV_EINPUT, "%s: PEM block %zu is "
				"truncated or damaged (%s)", c->name, blocks + 1,
				openssl_reason());
			break;
		}
		blocks++;
		if (is_req_block(type) && reqs++ == 0) {
			req_der = der;
			req_len = dlen;
			der = NULL;
		}
		certs += is_cert_block(type);
		keys += strstr(type, "PRIVATE KEY") != NULL;
		OPENSSL_free(type);
		OPENSSL_free(header);
		OPENSSL_free(der);
	}
	BIO_free(bio);
	if (rc < 0)
		goto out;
	if (reqs > 1)
		rc = xcv_set_error(XCV_EINPUT, "%s: holds %zu certificate "
			"signing requests; a CA takes one per file: put each in "
			"a file of its own", c->name, reqs);
	else if (reqs == 0 && certs > 0)
		rc = xcv_set_error(XCV_EINPUT, "%s: holds a certificate, not a "
			"certificate signing request", c->name);
	else if (reqs == 0 && keys > 0)
		rc = xcv_set_error(XCV_EINPUT, "%s: holds a private key but no "
			"certificate signing request", c->name);
	else if (reqs == 0)
		rc = xcv_set_error(XCV_EINPUT, "%s: no certificate signing "
			"request in this PEM file (no -----BEGIN CERTIFICATE "
			"REQUEST----- block)", c->name);
	else
		rc = parse_der(&c->req, req_der, (size_t)req_len, c->name,
			"the PEM block");
	c->private_key = keys > 0;
out:
	OPENSSL_free(req_der);
	ERR_clear_error();
	return rc;
}

static int
load_der(struct xcv_csr *c, const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *q = data;
	long olen = 0;
	int tag = 0, cls = 0, r;
	X509 *x;

	c->encoding = XCV_CSR_DER;
	if (data[0] != 0x30)
		return xcv_set_error(XCV_EINPUT, "%s: not a certificate signing "
			"request: neither PEM (no '-----BEGIN' line) nor DER",
			c->name);
	ERR_clear_error();
	x = d2i_X509(NULL, &p, (long)len);
	X509_free(x);
	if (x != NULL)
		return xcv_set_error(XCV_EINPUT, "%s: holds a DER certificate, "
			"not a certificate signing request", c->name);
	r = ASN1_get_object(&q, &olen, &tag, &cls, (long)len);
	ERR_clear_error();
	if ((r & 0x80) && (size_t)(q - data) + (size_t)olen > len)
		return xcv_set_error(XCV_EINPUT, "%s: truncated DER: the "
			"request needs %zu bytes, the file has %zu", c->name,
			(size_t)(q - data) + (size_t)olen, len);
	return parse_der(&c->req, data, len, c->name, "the DER data");
}

/*
 * PEM text saved as UTF-16 with a byte-order mark (Windows PowerShell's
 * redirection does this): its ASCII into *out (NUL-terminated).
 */
static int
from_utf16(unsigned char **out, size_t *outlen, const unsigned char *data,
	size_t len, const char *name)
{
	bool le = data[0] == 0xff;
	unsigned char *a;
	size_t n = 0;

	*out = NULL;
	if (len % 2 != 0)
		return xcv_set_error(XCV_EINPUT, "%s: UTF-16 text of an odd "
			"number of bytes: truncated", name);
	if ((a = malloc(len / 2 + 1)) == NULL)
		return xcv_oom();
	for (size_t i = 2; i + 1 < len; i += 2) {
		unsigned char lo = le ? data[i] : data[i + 1];
		unsigned char hi = le ? data[i + 1] : data[i];
		if (hi != 0 || lo == 0 || lo >= 0x80) {
			free(a);
			return xcv_set_error(XCV_EINPUT, "%s: UTF-16 text with "
				"characters that are not ASCII: not a certificate "
				"signing request", name);
		}
		a[n++] = lo;
	}
	a[n] = '\0';
	*out = a;
	*outlen = n;
	return 0;
}

/* What is known of a request without judging it. */
static int
describe(struct xcv_csr *c)
{
	EVP_PKEY *pk = X509_REQ_get0_pubkey(c->req);
	X509_PUBKEY *spki = X509_REQ_get_X509_PUBKEY(c->req);
	STACK_OF(X509_EXTENSION) *exts = NULL;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	int sig = X509_REQ_get_signature_nid(c->req), dlen, rc = 0;
	size_t k = 0;

	if (pk == NULL || spki == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "%s: the public key in the "
			"certificate signing request cannot be decoded (%s)",
			c->name, openssl_reason());
		goto out;
	}
	dlen = i2d_X509_PUBKEY(spki, &der);
	if (dlen <= 0 || !EVP_Digest(der, (size_t)dlen, md, &mdlen,
	    EVP_sha256(), NULL)) {
		rc = xcv_set_error(XCV_ERROR, "%s: cannot hash the public key",
			c->name);
		goto out;
	}
	xcv_hex(hex, md, mdlen);
	c->key_sha256 = xcv_strdup(hex);
	c->key = xcv_key_text(pk);
	c->subject = xcv_name_text(X509_REQ_get_subject_name(c->req));
	c->signature = xcv_strdup(sig != NID_undef ? OBJ_nid2ln(sig) :
		"unknown");
	if (!OBJ_find_sigid_algs(sig, &c->sig_md, NULL))
		c->sig_md = NID_undef;
	c->sig_valid = X509_REQ_verify(c->req, pk) == 1;
	ERR_clear_error();
	if (!c->key_sha256 || !c->key || !c->subject || !c->signature) {
		rc = xcv_oom();
		goto out;
	}
	exts = X509_REQ_get_extensions(c->req);
	c->ext_broken = exts == NULL &&
		X509_REQ_get_attr_by_NID(c->req, NID_ext_req, -1) >= 0;
	ERR_clear_error();
	if ((rc = xcv_identity_collect(&c->id, exts,
	    X509_REQ_get_subject_name(c->req))) < 0)
		goto out;
	c->san_view = calloc(c->id.n_presented + 1, sizeof(*c->san_view));
	if (c->san_view == NULL) {
		rc = xcv_oom();
		goto out;
	}
	for (size_t i = 0; i < c->id.n_presented; i++) {
		const struct xcv_presented *p = &c->id.presented[i];
		if (p->field == XCV_FIELD_CN)
			continue;
		c->san_view[k++] = (struct xcv_presented_id){ .field = p->field,
			.value = p->value, .valid = p->valid,
			.reason = p->reason };
	}
	c->n_san = k;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	OPENSSL_free(der);
	return rc;
}

int
xcv_csr_load_mem(struct xcv_csr **out, const void *data, size_t len,
	const char *name)
{
	const unsigned char *d = data;
	unsigned char *ascii = NULL;
	struct xcv_csr *c = NULL;
	size_t alen = 0;
	int rc;

	*out = NULL;
	if (name == NULL)
		name = "input";
	if (len == 0)
		return xcv_set_error(XCV_EINPUT, "%s: empty file", name);
	if (len > XCV_MAX_CSR_FILE)
		return xcv_set_error(XCV_EINPUT, "%s: too large (over %u bytes) "
			"for a certificate signing request", name,
			XCV_MAX_CSR_FILE);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->name = xcv_strdup(name)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if (len >= 2 && ((d[0] == 0xff && d[1] == 0xfe) ||
	    (d[0] == 0xfe && d[1] == 0xff))) {
		c->encoding = XCV_CSR_PEM_UTF16;
		if ((rc = from_utf16(&ascii, &alen, d, len, name)) < 0)
			goto out;
		if (memmem(ascii, alen, "-----BEGIN", 10) == NULL) {
			rc = xcv_set_error(XCV_EINPUT, "%s: UTF-16 text without a "
				"-----BEGIN line: not a certificate signing request",
				name);
			goto out;
		}
		rc = load_pem(c, ascii, alen);
	} else if (memmem(d, len, "-----BEGIN", 10) != NULL) {
		c->encoding = XCV_CSR_PEM;
		rc = load_pem(c, d, len);
	} else {
		rc = load_der(c, d, len);
	}
	if (rc == 0)
		rc = describe(c);
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
out:
	free(ascii);
	xcv_csr_free(c);
	return rc;
}

int
xcv_csr_load_file(struct xcv_csr **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = xcv_read_file(&data, &len, path, XCV_MAX_CSR_FILE);
	if (rc == 0)
		rc = xcv_csr_load_mem(out, data, len, path);
	free(data);
	return rc;
}

void
xcv_csr_free(struct xcv_csr *c)
{
	if (c == NULL)
		return;
	free(c->name);
	X509_REQ_free(c->req);
	free(c->subject);
	free(c->key);
	free(c->key_sha256);
	free(c->signature);
	xcv_identity_clear(&c->id);
	free(c->san_view);
	free(c->domain);
	xcv_csr_findings_clear(&c->findings);
	free(c);
}

const char *
xcv_csr_name(const struct xcv_csr *c)
{
	return c->name;
}

enum xcv_csr_encoding
xcv_csr_encoding(const struct xcv_csr *c)
{
	return c->encoding;
}

const char *
xcv_csr_subject(const struct xcv_csr *c)
{
	return c->subject;
}

const char *
xcv_csr_key(const struct xcv_csr *c)
{
	return c->key;
}

const char *
xcv_csr_key_sha256(const struct xcv_csr *c)
{
	return c->key_sha256;
}

const char *
xcv_csr_signature(const struct xcv_csr *c)
{
	return c->signature;
}

bool
xcv_csr_signature_valid(const struct xcv_csr *c)
{
	return c->sig_valid;
}

size_t
xcv_csr_san_count(const struct xcv_csr *c)
{
	return c->n_san;
}

const struct xcv_presented_id *
xcv_csr_san(const struct xcv_csr *c, size_t i)
{
	return i < c->n_san ? &c->san_view[i] : NULL;
}

size_t
xcv_csr_finding_count(const struct xcv_csr *c)
{
	return c->findings.n;
}

const struct xcv_csr_finding *
xcv_csr_finding(const struct xcv_csr *c, size_t i)
{
	return i < c->findings.n ? &c->findings.v[i] : NULL;
}

bool
xcv_csr_ok(const struct xcv_csr *c)
{
	return !any_error(&c->findings);
}

/* Parameters, normalised. */

struct norm {
	enum xcv_csr_kind kind;
	char *domain;              /* XMPP only; A-labels */
	struct xcv_strv nodes;     /* A-labels; HTTPS: the domain too */
	int min_bits, max_bits;
	const char *forbid;
};

static void
norm_clear(struct norm *n)
{
	free(n->domain);
	xcv_strv_clear(&n->nodes);
	memset(n, 0, sizeof(*n));
}

/* A node's FQDN into nodes (once); XCV_EINPUT for a bad name. */
static int
add_node(struct xcv_strv *nodes, const char *name, const char *what)
{
	char *n = NULL;
	bool ip = false;
	int rc = xcv_reference_normalize(&n, &ip, name);

	if (rc == XCV_ENOMEM)
		goto out;
	if (rc < 0) {
		rc = xcv_wrap_error(rc, "%s", what);
		goto out;
	}
	if (ip) {
		rc = xcv_set_error(XCV_EINPUT, "%s %s is an IP address; public "
			"CAs want the node's fully qualified domain name", what, n);
		goto out;
	}
	if (strchr(n, '.') == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "%s '%s' is not fully qualified; "
			"give the node's whole name, such as %s.corp.example",
			what, n, n);
		goto out;
	}
	if (!xcv_strv_contains(nodes, n))
		rc = xcv_strv_push(nodes, n);
out:
	free(n);
	return rc;
}

static int
norm_params(struct norm *n, const struct xcv_csr_params *p)
{
	static const struct xcv_csr_params defaults = XCV_CSR_PARAMS_INIT;
	bool ip = false;
	int rc = 0;

	memset(n, 0, sizeof(*n));
	if (p == NULL)
		p = &defaults;
	if (p->version != XCV_CSR_PARAMS_VERSION)
		return xcv_set_error(XCV_EINPUT, "CSR parameters of version %u; "
			"this library knows version %d (use XCV_CSR_PARAMS_INIT)",
			p->version, XCV_CSR_PARAMS_VERSION);
	if ((unsigned)p->kind >= COUNT(kinds))
		return xcv_set_error(XCV_EINPUT, "unknown CSR kind %d", p->kind);
	n->kind = p->kind;
	n->min_bits = p->min_rsa_bits ? p->min_rsa_bits : 2048;
	n->max_bits = p->max_rsa_bits ? p->max_rsa_bits : 4096;
	n->forbid = p->forbid ? p->forbid : "@&!";
	if (n->min_bits < 512 || n->min_bits > 16384 || n->max_bits < 512 ||
	    n->max_bits > 16384) {
		rc = xcv_set_error(XCV_EINPUT, "RSA key sizes from 512 to 16384 "
			"bits make sense, not %d", n->min_bits < 512 ||
			n->min_bits > 16384 ? n->min_bits : n->max_bits);
		goto out;
	}
	if (n->min_bits > n->max_bits) {
		rc = xcv_set_error(XCV_EINPUT, "the smallest RSA key allowed, %d "
			"bits, is larger than the largest, %d bits", n->min_bits,
			n->max_bits);
		goto out;
	}
	for (const char *c = n->forbid; *c; c++) {
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
			rc = xcv_set_error(XCV_EINPUT, "the characters to refuse "
				"must be printable ASCII, not byte 0x%02x",
				(unsigned char)*c);
			goto out;
		}
	}
	if (p->domain != NULL && n->kind == XCV_CSR_HTTPS) {
		rc = add_node(&n->nodes, p->domain, "the node");
	} else if (p->domain != NULL) {
		rc = xcv_reference_normalize(&n->domain, &ip, p->domain);
		if (rc == 0 && ip)
			rc = xcv_set_error(XCV_EINPUT, "the XMPP domain %s is an IP "
				"address; clients identify an XMPP server by its "
				"domain name", n->domain);
		else if (rc < 0 && rc != XCV_ENOMEM)
			rc = xcv_wrap_error(rc, "the XMPP domain");
	}
	for (size_t i = 0; rc == 0 && i < p->n_nodes; i++)
		rc = add_node(&n->nodes, p->nodes[i], "the node");
out:
	if (rc < 0)
		norm_clear(n);
	return rc;
}

int
xcv_csr_params_check(const struct xcv_csr_params *p)
{
	struct norm n;
	int rc = norm_params(&n, p);

	norm_clear(&n);
	return rc;
}

/* Linting one CSR. */

struct lint {
	struct xcv_csr *c;
	const struct norm *p;
	const char *files[1];
};

#define FIND(l, code, sev, field, ...) \
	add(&(l)->c->findings, code, sev, field, (l)->files, 1, __VA_ARGS__)

static bool
is_ip_text(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A valid dNSName of the CSR equal to name (A-labels, exact). */
static bool
has_dns(const struct xcv_identity *id, const char *name)
{
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->field == XCV_FIELD_DNSNAME && p->valid &&
		    strcmp(p->norm, name) == 0)
			return true;
	}
	return false;
}

static void
lint_file(struct lint *l)
{
	const char *n = l->c->name;

	/* The seed: public CAs take only Base64-encoded (PEM) CSRs. */
	if (l->c->encoding == XCV_CSR_DER)
		FIND(l, "not-base64", XCV_SEVERITY_ERROR, "encoding", "%s is "
			"binary DER; CAs take the Base64 PEM form (-----BEGIN "
			"CERTIFICATE REQUEST-----): convert it with \"openssl req "
			"-inform DER -in %s -out %s.pem\" and submit that", n, n, n);
	else if (l->c->encoding == XCV_CSR_PEM_UTF16)
		FIND(l, "not-base64", XCV_SEVERITY_ERROR, "encoding", "%s is PEM "
			"text saved in UTF-16 (as Windows PowerShell's > writes "
			"it); CAs take it in plain ASCII: convert it with \"iconv "
			"-f UTF-16 -t ASCII %s > %s.pem\" (in PowerShell: "
			"Get-Content %s | Set-Content -Encoding ascii %s.pem)",
			n, n, n, n, n);
	if (l->c->private_key)
		FIND(l, "private-key-present", XCV_SEVERITY_ERROR, "file",
			"%s also holds a private key, which must never leave the "
			"server: submit only the CERTIFICATE REQUEST block, and "
			"keep the key out of any file you send", n);
	if (!l->c->sig_valid)
		FIND(l, "bad-signature", XCV_SEVERITY_ERROR, "signature", "the "
			"CSR's signature does not verify with its own public key: "
			"the file was damaged or edited after the CSR was made, "
			"and a CA will refuse it; generate the CSR again on the "
			"server and never edit it");
}

static void
lint_rsa(struct lint *l, const EVP_PKEY *pk)
{
	BIGNUM *e = NULL;
	char *dec = NULL;
	int bits = EVP_PKEY_get_bits(pk);

	/* Baseline Requirements §6.1.5: at least 2048 bits, a multiple of
	 * 8. */
	if (bits < l->p->min_bits)
		FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the RSA key has "
			"%d bits; CAs require at least %d (Baseline Requirements "
			"§6.1.5): generate a new key of %d bits or more, and a new "
			"CSR", bits, l->p->min_bits, l->p->min_bits);
	else if (bits % 8 != 0)
		FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the RSA key has "
			"%d bits, not a multiple of 8 as the Baseline Requirements "
			"(§6.1.5) require: generate a new key of 2048, 3072 or "
			"4096 bits, and a new CSR", bits);
	if (bits > l->p->max_bits)
		FIND(l, "key-too-large", XCV_SEVERITY_WARNING, "key", "the RSA "
			"key has %d bits, more than the %d the servers it is for "
			"take%s: generate a new key of %d bits or fewer, and a new "
			"CSR", bits, l->p->max_bits, l->p->max_bits == 4096 ?
			" (Cisco IM and Presence and Unified CM take RSA keys of "
			"up to 4096 bits)" : "", l->p->max_bits);
	/* Baseline Requirements §6.1.6: an odd exponent, at least 3, and
	 * SHOULD be 2^16+1 or more (NIST SP 800-89). */
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
	    (dec = BN_bn2dec(e)) == NULL) {
		ERR_clear_error();
		goto out;
	}
	if (!BN_is_odd(e))
		FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the RSA public "
			"exponent %s is even, which no working RSA key has "
			"(Baseline Requirements §6.1.6): generate a new key with "
			"the usual exponent 65537, and a new CSR", dec);
	else if (BN_num_bits(e) < 17)
		FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the RSA public "
			"exponent %s is small; CAs want at least 65537 (Baseline "
			"Requirements §6.1.6, NIST SP 800-89): generate a new key "
			"with the usual exponent 65537, and a new CSR", dec);
out:
	OPENSSL_free(dec);
	BN_free(e);
}

static void
lint_key(struct lint *l)
{
	const EVP_PKEY *pk = X509_REQ_get0_pubkey(l->c->req);
	int id = EVP_PKEY_get_base_id(pk);
	char group[64];
	size_t glen = 0;

	if (id == EVP_PKEY_RSA) {
		lint_rsa(l, pk);
	} else if (id == EVP_PKEY_EC) {
		int nid = NID_undef;
		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof(group), &glen))
			nid = OBJ_sn2nid(group);
		ERR_clear_error();
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
			FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the key is "
				"ECDSA on %s; CAs and these servers take the curves "
				"P-256 and P-384: generate a new key on P-256 or "
				"P-384 (or RSA), and a new CSR", glen ? group :
				"an unnamed curve");
	} else {
		FIND(l, "weak-key", XCV_SEVERITY_ERROR, "key", "the key is %s; "
			"CAs issue TLS server certificates for RSA and ECDSA keys "
			"only (Baseline Requirements §6.1.5): generate a new RSA "
			"key (2048 bits or more), and a new CSR", id == EVP_PKEY_DSA ?
			"DSA" : l->c->key);
	}
	/* Public CAs refuse requests signed with a broken digest. */
	if (l->c->sig_md == NID_md5 || l->c->sig_md == NID_sha1 ||
	    l->c->sig_md == NID_md4 || l->c->sig_md == NID_md2)
		FIND(l, "weak-hash", XCV_SEVERITY_ERROR, "signature", "the CSR is "
			"signed with %s (%s); CAs refuse MD5 and SHA-1 signatures, "
			"which the Baseline Requirements (§7.1.3.2) forbid: "
			"generate the CSR again with SHA-256", OBJ_nid2sn(
			l->c->sig_md), l->c->signature);
}

/* The characters of forbid found in s, as "'&' and '!'", or NULL. */
static char *
forbidden_in(const char *s, const char *forbid)
{
	char found[96] = "", *text;
	size_t n = 0, k = 0;

	for (const char *c = s; *c && n < sizeof(found) - 1; c++)
		if (strchr(forbid, *c) && !memchr(found, *c, n))
			found[n++] = *c;
	if (n == 0)
		return NULL;
	text = malloc(n * 8 + 1);
	if (text == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(text + k, "%s'%c'", i == 0 ? "" :
			i + 1 == n ? " and " : ", ", found[i]);
	return text;
}

/* One attribute of the subject. */
static void
lint_entry(struct lint *l, const X509_NAME_ENTRY *e)
{
	int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : "an attribute";
	unsigned char *utf8 = NULL;
	int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	char *field = xcv_asprintf("subject %s", sn), *shown = NULL;
	char *bad = NULL;
	bool ascii = true;

	ERR_clear_error();
	if (field == NULL || (len >= 0 && (shown = xcv_escape(utf8,
	    (size_t)len)) == NULL)) {
		l->c->findings.oom = true;
		goto out;
	}
	if (len < 0) {
		FIND(l, "non-ascii", XCV_SEVERITY_WARNING, field, "the subject's "
			"%s cannot be decoded as text; CAs refuse it: enter it "
			"again in plain ASCII", sn);
		goto out;
	}
	for (int k = 0; k < len; k++)
		ascii &= utf8[k] >= 0x20 && utf8[k] <= 0x7e;
	/* The seed: public CAs refuse characters such as @&! in the
	 * Organization, OU and other fields. */
	if (memchr(utf8, '\0', (size_t)len) == NULL &&
	    (bad = forbidden_in((const char *)utf8, l->p->forbid)) != NULL)
		FIND(l, "forbidden-char", XCV_SEVERITY_ERROR, field, "the "
			"subject's %s \"%s\" has %s, which public CAs refuse in "
			"subject fields: enter it without %s%s", sn, shown, bad,
			strstr(bad, " and ") ? "them" : "it",
			nid == NID_pkcs9_emailAddress ? " (better, leave "
			"emailAddress out: TLS certificates do not carry it)" : "");
	if (!ascii)
		FIND(l, "non-ascii", XCV_SEVERITY_WARNING, field, "the subject's "
			"%s \"%s\" has characters outside printable ASCII; many "
			"CAs refuse them or write them otherwise: spell it in "
			"plain ASCII", sn, shown);
	/* CA/Browser Forum ballot SC47: no OU in TLS certificates since
	 * 1 September 2022. */
	if (nid == NID_organizationalUnitName)
		FIND(l, "ou-present", XCV_SEVERITY_WARNING, field, "the subject "
			"has OU \"%s\"; public CAs have put no OU in TLS "
			"certificates since September 2022 (CA/Browser Forum ballot "
			"SC47) and refuse or drop it: leave OU empty", shown);
out:
	free(bad);
	free(shown);
	free(field);
	OPENSSL_free(utf8);
}

static void
lint_subject(struct lint *l)
{
	const X509_NAME *name = X509_REQ_get_subject_name(l->c->req);

	for (int i = 0; i < X509_NAME_entry_count(name); i++)
		lint_entry(l, X509_NAME_get_entry(name, i));
}

/* The CN, and whether it is the one fully qualified name it should be;
 * the valid CN's index in id, or -1. */
static int
lint_cn(struct lint *l)
{
	const struct xcv_identity *id = &l->c->id;
	int good = -1;

	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->field != XCV_FIELD_CN)
			continue;
		/* The seed: public CAs want an FQDN, not an IP address. */
		if (is_ip_text(p->value))
			FIND(l, "cn-ip", XCV_SEVERITY_ERROR, "subject CN", "the CN "
				"is the IP address %s; public CAs want the server's "
				"fully qualified domain name, and clients that connect "
				"by address cannot verify it: put the node's FQDN in "
				"the CN", p->value);
		else if (!p->valid)
			FIND(l, "cn-not-fqdn", XCV_SEVERITY_ERROR, "subject CN", "the "
				"CN \"%s\" is not a fully qualified domain name: it %s; "
				"put the node's FQDN (such as cup1.corp.example) in "
				"the CN", p->value, p->reason ? p->reason : "is invalid");
		else if (strchr(p->norm, '.') == NULL)
			FIND(l, "cn-not-fqdn", XCV_SEVERITY_ERROR, "subject CN", "the "
				"CN \"%s\" is a short host name, not a fully qualified "
				"domain name; public CAs refuse such internal names: "
				"put the node's FQDN (such as %s.corp.example) in the "
				"CN", p->value, p->norm);
		else
			good = (int)i;
	}
	return good;
}

/* A comma list of the names a CSR should ask for, for no-san. */
static char *
wanted_names(const struct lint *l, int cn)
{
	const char *first[2] = {
		cn >= 0 ? l->c->id.presented[cn].norm : NULL, l->p->domain,
	};
	char *t = xcv_strdup(""), *s;

	for (size_t i = 0; t && i < 2 + l->p->nodes.n; i++) {
		const char *n = i < 2 ? first[i] : l->p->nodes.v[i - 2];
		if (n == NULL || (i > 0 && first[0] && strcmp(n, first[0]) == 0))
			continue;
		s = xcv_asprintf("%s%s%s", t, *t ? ", " : "", n);
		free(t);
		t = s;
	}
	if (t && *t == '\0') {
		free(t);
		t = xcv_strdup("the server's fully qualified names");
	}
	return t;
}

static void
lint_names(struct lint *l, int cn)
{
	const struct xcv_identity *id = &l->c->id;
	const struct xcv_presented *cnp = cn >= 0 ? &id->presented[cn] : NULL;
	char *want;

	if (!id->has_san || id->san_broken || l->c->ext_broken) {
		if ((want = wanted_names(l, cn)) == NULL) {
			l->c->findings.oom = true;
			return;
		}
		FIND(l, "no-san", XCV_SEVERITY_ERROR, "subjectAltName", "%s; CAs "
			"and clients take a server's names from the "
			"subjectAltName, not from the CN (RFC 6125, RFC 9525): "
			"generate the CSR again with dNSName entries for %s",
			!id->has_san && !l->c->ext_broken ? "the CSR asks for no "
			"subjectAltName" : "the CSR's subjectAltName cannot be "
			"decoded (or appears twice)", want);
		free(want);
		/* Wildcards still matter; names cannot be missing from
		 * nothing. */
		if (cnp && cnp->norm[0] == '*')
			FIND(l, "wildcard", XCV_SEVERITY_WARNING, "subject CN",
				"the CN %s is a wildcard; the presence servers (Cisco "
				"IM and Presence, Unified CM) do not take wildcard "
				"certificates as their own: name the XMPP domain and "
				"each node instead", cnp->value);
		return;
	}
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->field == XCV_FIELD_DNSNAME && !p->valid)
			FIND(l, "san-not-fqdn", XCV_SEVERITY_ERROR, "subjectAltName",
				"the dNSName \"%s\" is not a valid host name: it %s; "
				"a CA refuses the CSR: generate it again with fully "
				"qualified names only", p->value, p->reason ?
				p->reason : "is invalid");
		else if (p->field == XCV_FIELD_DNSNAME &&
		    strchr(p->norm, '.') == NULL)
			FIND(l, "san-not-fqdn", XCV_SEVERITY_ERROR, "subjectAltName",
				"the dNSName \"%s\" is a short host name; public CAs "
				"refuse internal names: ask for the fully qualified "
				"name (such as %s.corp.example) instead", p->value,
				p->norm);
		else if (p->field == XCV_FIELD_DNSNAME && p->norm[0] == '*')
			FIND(l, "wildcard", XCV_SEVERITY_WARNING, "subjectAltName",
				"the dNSName %s is a wildcard; the presence servers "
				"(Cisco IM and Presence, Unified CM) do not take "
				"wildcard certificates as their own: name the XMPP "
				"domain and each node instead", p->value);
		else if (p->field == XCV_FIELD_IPADDRESS)
			FIND(l, "san-ip", XCV_SEVERITY_WARNING, "subjectAltName",
				"the subjectAltName asks for the IP address %s; public "
				"CAs refuse IP addresses and want FQDNs, and clients "
				"should connect by name: leave it out and use the "
				"node's FQDN throughout", p->value[0] ? p->value :
				"(malformed)");
	}
	if (cnp && cnp->norm[0] == '*' && !has_dns(id, cnp->norm))
		FIND(l, "wildcard", XCV_SEVERITY_WARNING, "subject CN", "the CN "
			"%s is a wildcard; the presence servers (Cisco IM and "
			"Presence, Unified CM) do not take wildcard certificates "
			"as their own: name the XMPP domain and each node instead",
			cnp->value);
	/* Baseline Requirements §7.1.4.3: the CN is one of the
	 * subjectAltNames. */
	if (cnp && !has_dns(id, cnp->norm))
		FIND(l, "cn-not-in-san", XCV_SEVERITY_WARNING, "subject CN", "the "
			"CN %s is not among the subjectAltNames; CAs either add it "
			"or refuse the CSR (the Baseline Requirements want the CN "
			"to be one of them): ask for a dNSName %s too", cnp->value,
			cnp->norm);
}

/* The XMPP domain: given, or the one an xmppAddr or SRVName names. */
static void
settle_domain(struct lint *l)
{
	const struct xcv_identity *id = &l->c->id;
	const char *from = NULL, *d = NULL;

	if (l->p->domain != NULL) {
		d = l->p->domain;
		from = "given";
	}
	for (size_t i = 0; d == NULL && i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->valid && p->field == XCV_FIELD_XMPPADDR) {
			d = p->norm;
			from = "xmppAddr";
		}
	}
	for (size_t i = 0; d == NULL && i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->valid && p->field == XCV_FIELD_SRVNAME &&
		    p->norm[0] != '*') {
			d = p->norm;
			from = "srvName";
		}
	}
	if (d != NULL && (l->c->domain = xcv_strdup(d)) == NULL)
		l->c->findings.oom = true;
	l->c->domain_source = l->c->domain ? from : NULL;
}

static void
lint_domain(struct lint *l)
{
	const struct xcv_identity *id = &l->c->id;
	const char *d;
	char *relied = NULL, *s;

	settle_domain(l);
	d = l->c->domain;
	if (d == NULL) {
		FIND(l, "domain-not-checked", XCV_SEVERITY_WARNING,
			"subjectAltName", "no XMPP domain was given, and the CSR "
			"names none in an xmppAddr or SRVName, so whether it asks "
			"for the domain was not checked; XMPP clients check the "
			"certificate against the XMPP domain, not the node's name: "
			"give the domain");
		return;
	}
	if (!id->has_san || id->san_broken || l->c->ext_broken ||
	    has_dns(id, d))
		return;
	FIND(l, "domain-missing", XCV_SEVERITY_ERROR, "subjectAltName", "the "
		"XMPP domain %s is in no dNSName; XMPP clients check the "
		"certificate against the domain, not the node's name: ask for a "
		"dNSName %s (on Cisco IM and Presence, enable \"Use Domain Name "
		"for XMPP Certificate Subject Alternative Name\" and generate the "
		"CSR again)", d, d);
	/* An xmppAddr or SRVName naming the domain is what the CSR relies
	 * on then; public CAs do not carry otherName entries over. */
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (!p->valid || strcmp(p->norm ? p->norm : "", d) != 0 ||
		    (p->field != XCV_FIELD_XMPPADDR &&
		     p->field != XCV_FIELD_SRVNAME))
			continue;
		s = xcv_asprintf("%s%s%s %s", relied ? relied : "", relied ?
			" and " : "", xcv_field_name(p->field), p->value);
		free(relied);
		if ((relied = s) == NULL) {
			l->c->findings.oom = true;
			return;
		}
	}
	if (relied)
		FIND(l, "othername-dropped-by-public-ca", XCV_SEVERITY_WARNING,
			"subjectAltName", "the CSR names %s only in %s; public CAs "
			"drop otherName entries such as xmppAddr and SRVName, so a "
			"certificate from one would not name the domain at all: "
			"ask for a dNSName %s too (a private CA may keep them)", d,
			relied, d);
	free(relied);
}

static void
lint_nodes(struct lint *l)
{
	const struct xcv_identity *id = &l->c->id;

	if (!id->has_san || id->san_broken || l->c->ext_broken)
		return;
	for (size_t i = 0; i < l->p->nodes.n; i++)
		if (!has_dns(id, l->p->nodes.v[i]))
			FIND(l, "node-missing", XCV_SEVERITY_ERROR,
				"subjectAltName", "the node %s is in no dNSName; a "
				"certificate is only good on the nodes it names (a "
				"multi-server SAN certificate must name every node of "
				"the cluster): generate the CSR again with %s in it",
				l->p->nodes.v[i], l->p->nodes.v[i]);
}

/* The purpose a CSR asks for is not what public CAs issue: they stopped
 * putting clientAuth in server certificates in 2026 (Let's Encrypt from
 * 2026-02-11), and an XMPP server presents its certificate as a client
 * when it connects out to federate (XEP-0178). */
static void
lint_purpose(struct lint *l)
{
	unsigned long failures = xcv_alloc_failures();
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(l->c->req);
	EXTENDED_KEY_USAGE *eku = exts ? X509V3_get_d2i(exts,
		NID_ext_key_usage, NULL, NULL) : NULL;
	bool client = false;

	for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		client |= OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) ==
			NID_client_auth;
	EXTENDED_KEY_USAGE_free(eku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ERR_clear_error();
	/* Out of memory reading it: no lint (a missing note is no answer). */
	if (xcv_alloc_failures() != failures)
		l->c->findings.oom = true;
	/* A CSR that asks for clientAuth expects what it will not get. */
	if (!client)
		return;
	FIND(l, "client-auth-not-issued", XCV_SEVERITY_NOTE,
		"extendedKeyUsage", "the CSR asks for clientAuth, which public "
		"CAs no longer put in the certificates they issue: servers "
		"that authenticate federating servers by certificate and check "
		"its purpose then refuse this one when it connects out (measured: "
		"ejabberd 23.01 refuses, Prosody 0.12.3 accepts; doc/federation.md)"
		"; keep dialback on, or have a CA that issues clientAuth sign it, "
		"and check with xmppcv check --service s2s --as");
}

static int
lint_one(struct xcv_csr *c, const struct norm *p)
{
	struct lint l = { .c = c, .p = p, .files = { c->name } };
	int cn;

	xcv_csr_findings_clear(&c->findings);
	free(c->domain);
	c->domain = NULL;
	c->domain_source = NULL;
	c->kind = p->kind;
	c->linted = true;
	lint_file(&l);
	lint_key(&l);
	lint_subject(&l);
	cn = lint_cn(&l);
	lint_names(&l, cn);
	if (p->kind == XCV_CSR_XMPP) {
		lint_domain(&l);
		lint_purpose(&l);
	}
	lint_nodes(&l);
	if (c->findings.oom) {
		xcv_csr_findings_clear(&c->findings);
		return xcv_oom();
	}
	sort_findings(&c->findings);
	return 0;
}

int
xcv_csr_lint(struct xcv_csr *c, const struct xcv_csr_params *params)
{
	struct norm n;
	int rc = norm_params(&n, params);

	if (rc == 0)
		rc = lint_one(c, &n);
	norm_clear(&n);
	return rc;
}

/* Across CSRs. */

/* "a", "a and b", "a, b and c". */
static char *
join_files(const char *const *files, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(files[i]) + 5;
	if ((s = malloc(len)) == NULL)
		return NULL;
	*s = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, i + 1 == n ? " and " : ", ");
		strcat(s, files[i]);
	}
	return s;
}

/* The subject's values of nid, joined with " + "; NULL when absent. */
static char *
subject_value(const struct xcv_csr *c, int nid, bool *oom)
{
	const X509_NAME *name = X509_REQ_get_subject_name(c->req);
	char *v = NULL;
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0) {
		unsigned char *utf8 = NULL;
		int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
			X509_NAME_get_entry(name, i)));
		char *e = len >= 0 ? xcv_escape(utf8, (size_t)len) :
			xcv_strdup("(undecodable)");
		char *s = e ? xcv_asprintf("%s%s%s", v ? v : "", v ? " + " : "",
			e) : NULL;

		OPENSSL_free(utf8);
		free(e);
		free(v);
		if ((v = s) == NULL) {
			*oom = true;
			return NULL;
		}
	}
	ERR_clear_error();
	return v;
}

/* The seed: a CA may require the information to be consistent in the
 * CSRs of several nodes. */
static void
across_subjects(struct xcv_csr_summary *s, struct xcv_csr *const *csrs,
	size_t n, const char *const *files)
{
	static const int nids[] = {
		NID_organizationName, NID_localityName,
		NID_stateOrProvinceName, NID_countryName,
	};

	for (size_t f = 0; f < COUNT(nids); f++) {
		char **v = calloc(n, sizeof(*v)), *list = xcv_strdup(""), *t;
		bool differ = false, oom = v == NULL || list == NULL;

		for (size_t i = 0; !oom && i < n; i++) {
			v[i] = subject_value(csrs[i], nids[f], &oom);
			if (i > 0 && (v[i] == NULL) != (v[0] == NULL))
				differ = true;
			else if (i > 0 && v[i] && strcmp(v[i], v[0]) != 0)
				differ = true;
		}
		for (size_t i = 0; !oom && differ && i < n; i++) {
			t = xcv_asprintf("%s%s%s%s%s in %s", list, i ? ", " : "",
				v[i] ? "\"" : "", v[i] ? v[i] : "none", v[i] ? "\"" :
				"", files[i]);
			free(list);
			oom = (list = t) == NULL;
		}
		if (!oom && differ) {
			const char *sn = OBJ_nid2sn(nids[f]);
			char *field = xcv_asprintf("subject %s", sn);
			if (field == NULL)
				oom = true;
			else
				add(&s->findings, "inconsistent-subject",
					XCV_SEVERITY_ERROR, field, files, n, "the %s "
					"differs between the CSRs given together: %s; a "
					"CA that checks the organization wants the same "
					"%s in every CSR of the cluster: generate them "
					"again with one value", sn, list, sn);
			free(field);
		}
		for (size_t i = 0; v && i < n; i++)
			free(v[i]);
		free(v);
		free(list);
		if (oom)
			s->findings.oom = true;
	}
}

/* The FQDNs a CSR asks for: valid dNSNames and a valid CN. */
static bool
asks_for(const struct xcv_csr *c, const char *name)
{
	for (size_t i = 0; i < c->id.n_presented; i++) {
		const struct xcv_presented *p = &c->id.presented[i];
		if ((p->field == XCV_FIELD_DNSNAME || p->field == XCV_FIELD_CN) &&
		    p->valid && strcmp(p->norm, name) == 0 &&
		    (p->field != XCV_FIELD_CN || !is_ip_text(p->value)))
			return true;
	}
	return false;
}

/* The seed: some public CAs sign only one certificate per FQDN. */
static void
across_fqdns(struct xcv_csr_summary *s, struct xcv_csr *const *csrs,
	size_t n, const char *const *files)
{
	struct xcv_strv seen = {0};
	const char **who = calloc(n, sizeof(*who));

	if (who == NULL) {
		s->findings.oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xcv_identity *id = &csrs[i]->id;
		for (size_t k = 0; k < id->n_presented; k++) {
			const char *name = id->presented[k].norm;
			size_t m = 0;
			char *list;

			if (!asks_for(csrs[i], name ? name : "") ||
			    xcv_strv_contains(&seen, name))
				continue;
			if (xcv_strv_push(&seen, name) < 0)
				break;
			for (size_t j = i; j < n; j++)
				if (asks_for(csrs[j], name))
					who[m++] = files[j];
			if (m < 2)
				continue;
			if ((list = join_files(who, m)) == NULL) {
				s->findings.oom = true;
				break;
			}
			if (s->domain && strcmp(name, s->domain) == 0)
				add(&s->findings, "duplicate-fqdn",
					XCV_SEVERITY_WARNING, "subjectAltName", who, m,
					"%s, the XMPP domain, is asked for by %s; a CA that "
					"signs only one certificate per FQDN will refuse "
					"all but the first: ask for one multi-server SAN "
					"certificate for the cluster, or use a CA that "
					"signs several for one name", name, list);
			else
				add(&s->findings, "duplicate-fqdn",
					XCV_SEVERITY_WARNING, "subjectAltName", who, m,
					"%s is asked for by %s; a CA that signs only one "
					"certificate per FQDN will refuse all but the first "
					"(the XMPP and HTTPS CSRs of one node, say): submit "
					"them to different CAs, or make sure yours signs "
					"several", name, list);
			free(list);
		}
	}
	if (seen.oom)
		s->findings.oom = true;
	xcv_strv_clear(&seen);
	free(who);
}

static void
across_keys(struct xcv_csr_summary *s, struct xcv_csr *const *csrs,
	size_t n, const char *const *files)
{
	const char **who = calloc(n, sizeof(*who));

	if (who == NULL) {
		s->findings.oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t m = 0;
		bool earlier = false;
		char *list;

		for (size_t j = 0; j < i; j++)
			earlier |= strcmp(csrs[j]->key_sha256,
				csrs[i]->key_sha256) == 0;
		for (size_t j = i; !earlier && j < n; j++)
			if (strcmp(csrs[j]->key_sha256, csrs[i]->key_sha256) == 0)
				who[m++] = files[j];
		if (m < 2)
			continue;
		if ((list = join_files(who, m)) == NULL) {
			s->findings.oom = true;
			break;
		}
		add(&s->findings, "shared-key", XCV_SEVERITY_ERROR, "key", who, m,
			"%s carry the same public key (%s, SHA-256 %.16s...); each "
			"certificate needs a key of its own, so that one stolen or "
			"replaced key does not take the others with it, and CAs may "
			"refuse a key they have seen before: generate a new key and "
			"CSR for all but one", list, csrs[i]->key, csrs[i]->key_sha256);
		free(list);
	}
	free(who);
}

static void
count(struct xcv_csr_summary *s, const struct xcv_csr_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		s->errors += f->v[i].severity == XCV_SEVERITY_ERROR;
		s->warnings += f->v[i].severity == XCV_SEVERITY_WARNING;
		s->notes += f->v[i].severity == XCV_SEVERITY_NOTE;
	}
}

int
xcv_csr_lint_all(struct xcv_csr_summary **out, struct xcv_csr *const *csrs,
	size_t n, const struct xcv_csr_params *params)
{
	struct xcv_csr_summary *s = NULL;
	const char **files = NULL;
	struct norm p;
	int rc;

	*out = NULL;
	if ((rc = norm_params(&p, params)) < 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (files = calloc(n + 1, sizeof(*files))) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	s->kind = p.kind;
	s->n_csrs = n;
	if (p.domain && (s->domain = xcv_strdup(p.domain)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	for (size_t i = 0; i < p.nodes.n; i++)
		xcv_strv_push(&s->nodes, p.nodes.v[i]);
	if ((rc = xcv_strv_ok(&s->nodes)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = lint_one(csrs[i], &p)) < 0)
			goto out;
		files[i] = csrs[i]->name;
		count(s, &csrs[i]->findings);
	}
	if (n > 1) {
		across_subjects(s, csrs, n, files);
		across_fqdns(s, csrs, n, files);
		across_keys(s, csrs, n, files);
	}
	if (s->findings.oom) {
		rc = xcv_oom();
		goto out;
	}
	sort_findings(&s->findings);
	count(s, &s->findings);
	*out = s;
	s = NULL;
out:
	free(files);
	xcv_csr_summary_free(s);
	norm_clear(&p);
	return rc;
}

void
xcv_csr_summary_free(struct xcv_csr_summary *s)
{
	if (s == NULL)
		return;
	free(s->domain);
	xcv_strv_clear(&s->nodes);
	xcv_csr_findings_clear(&s->findings);
	xcv_strv_clear(&s->unreadable);
	xcv_strv_clear(&s->unreadable_why);
	free(s);
}

int
xcv_csr_summary_add_unreadable(struct xcv_csr_summary *s, const char *name,
	const char *message)
{
	xcv_strv_push(&s->unreadable, name);
	xcv_strv_push(&s->unreadable_why, message);
	if (s->unreadable.oom || s->unreadable_why.oom) {
		/* Keep the two lists in step. */
		xcv_strv_clear(&s->unreadable);
		xcv_strv_clear(&s->unreadable_why);
		return xcv_oom();
	}
	return 0;
}

size_t
xcv_csr_summary_finding_count(const struct xcv_csr_summary *s)
{
	return s->findings.n;
}

const struct xcv_csr_finding *
xcv_csr_summary_finding(const struct xcv_csr_summary *s, size_t i)
{
	return i < s->findings.n ? &s->findings.v[i] : NULL;
}

bool
xcv_csr_summary_ok(const struct xcv_csr_summary *s)
{
	return s->errors == 0 && s->unreadable.n == 0;
}

/* Matching the issued certificate. */

/* Is presented identity a (a CSR's) among cert's? */
static bool
kept(const struct xcv_presented *a, const struct xcv_identity *cert)
{
	for (size_t i = 0; i < cert->n_presented; i++) {
		const struct xcv_presented *b = &cert->presented[i];
		if (b->field != a->field)
			continue;
		if (a->field == XCV_FIELD_IPADDRESS) {
			if (a->iplen == b->iplen && memcmp(a->ip, b->ip,
			    a->iplen) == 0)
				return true;
		} else if (a->field == XCV_FIELD_SRVNAME && a->valid && b->valid) {
			if (strcmp(a->service, b->service) == 0 &&
			    strcmp(a->norm, b->norm) == 0)
				return true;
		} else if (a->norm && b->norm) {
			if (strcmp(a->norm, b->norm) == 0)
				return true;
		} else if (strcmp(a->value, b->value) == 0) {
			return true;
		}
	}
	return false;
}

/* The reference to verify the certificate for, taken from the CSR. */
static const char *
reference_of(const struct xcv_csr *c, enum xcv_csr_kind kind,
	const char **source)
{
	const struct xcv_identity *id = &c->id;
	const char *cn = NULL;

	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (p->field == XCV_FIELD_CN && p->valid && p->norm[0] != '*' &&
		    strchr(p->norm, '.') && !is_ip_text(p->value))
			cn = p->norm;
	}
	if (kind == XCV_CSR_HTTPS && cn) {
		*source = "cn";
		return cn;
	}
	for (size_t i = 0; kind == XCV_CSR_XMPP && i < id->n_presented; i++)
		if (id->presented[i].field == XCV_FIELD_XMPPADDR &&
		    id->presented[i].valid) {
			*source = "xmppAddr";
			return id->presented[i].norm;
		}
	for (size_t i = 0; kind == XCV_CSR_XMPP && i < id->n_presented; i++)
		if (id->presented[i].field == XCV_FIELD_SRVNAME &&
		    id->presented[i].valid && id->presented[i].norm[0] != '*') {
			*source = "srvName";
			return id->presented[i].norm;
		}
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		size_t n, d;
		if (p->field != XCV_FIELD_DNSNAME || !p->valid ||
		    p->norm[0] == '*' || !strchr(p->norm, '.'))
			continue;
		if (kind == XCV_CSR_HTTPS) {
			*source = "dnsName";
			return p->norm;
		}
		/* The SAN-domain shape: CN cup1.corp.example, dNSName
		 * corp.example. */
		n = cn ? strlen(cn) : 0;
		d = strlen(p->norm);
		if (n > d + 1 && cn[n - d - 1] == '.' &&
		    strcmp(cn + n - d, p->norm) == 0) {
			*source = "dnsName";
			return p->norm;
		}
	}
	return NULL;
}

static int
spki_sha256(X509 *x, char hex[65])
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der), rc = 0;

	if (len <= 0 || !EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(),
	    NULL) || mdlen != 32)
		rc = xcv_set_error(XCV_ERROR, "cannot hash the certificate's key");
	else
		xcv_hex(hex, md, mdlen);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

static int
match_findings(struct xcv_csr_match *m, X509 *leaf, const char *reference)
{
	const struct xcv_csr *c = m->csr;
	const char *files[1] = { c->name };
	struct xcv_identity cert = {0};
	char hex[65], *asked = NULL, *got = NULL;
	int rc;

	if ((rc = xcv_identity_collect(&cert, X509_get0_extensions(leaf),
	    X509_get_subject_name(leaf))) < 0 ||
	    (rc = spki_sha256(leaf, hex)) < 0)
		goto out;
	if ((m->cert_key = xcv_key_text(X509_get0_pubkey(leaf))) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if (EVP_PKEY_eq(X509_REQ_get0_pubkey(c->req),
	    X509_get0_pubkey(leaf)) != 1)
		add(&m->findings, "key-mismatch", XCV_SEVERITY_ERROR, "key", files,
			1, "the certificate's public key (%s, SHA-256 %.16s...) is "
			"not the CSR's (%s, SHA-256 %.16s...): it was issued for "
			"another CSR, or the server has made a new CSR and key "
			"since; a server can use only the certificate of its own "
			"key: upload it where its CSR came from, or submit the "
			"server's current CSR", m->cert_key, hex, c->key,
			c->key_sha256);
	ERR_clear_error();
	for (size_t i = 0; i < c->id.n_presented; i++) {
		const struct xcv_presented *p = &c->id.presented[i];
		bool other = p->field == XCV_FIELD_XMPPADDR ||
			p->field == XCV_FIELD_SRVNAME;
		if (p->field == XCV_FIELD_CN || kept(p, &cert))
			continue;
		add(&m->findings, "san-dropped", XCV_SEVERITY_ERROR,
			"subjectAltName", files, 1, "the CA dropped the %s %s, which "
			"the CSR asked for%s%s: ask the CA to issue the certificate "
			"again with it%s", xcv_field_name(p->field), p->value[0] ?
			p->value : "(empty)", p->norm && reference &&
			strcmp(p->norm, reference) == 0 && m->kind != XCV_CSR_HTTPS ?
			"; it names the XMPP domain, which clients check the "
			"certificate against" : "", other ? " (public CAs drop "
			"otherName entries)" : "", other ? ", or from a CA that "
			"keeps otherName entries (a private CA), and make sure a "
			"dNSName names the domain" : "");
	}
	if (X509_NAME_cmp(X509_REQ_get_subject_name(c->req),
	    X509_get_subject_name(leaf)) != 0) {
		asked = xcv_name_text(X509_REQ_get_subject_name(c->req));
		got = xcv_name_text(X509_get_subject_name(leaf));
		if (asked && got)
			add(&m->findings, "subject-changed", XCV_SEVERITY_NOTE,
				"subject", files, 1, "the CA changed the subject: the "
				"CSR asked for \"%s\", the certificate has \"%s\"; CAs "
				"drop or rewrite the fields they do not validate (OU "
				"above all), and clients do not use them: nothing to "
				"do unless something of yours relies on one", asked,
				got);
		else
			m->findings.oom = true;
	}
	rc = m->findings.oom ? xcv_oom() : 0;
	sort_findings(&m->findings);
out:
	free(asked);
	free(got);
	xcv_identity_clear(&cert);
	return rc;
}

int
xcv_csr_match(struct xcv_csr_match **out, struct xcv_config *cfg,
	const struct xcv_csr *c, const struct xcv_chain *chain,
	const struct xcv_csr_params *params)
{
	struct xcv_csr_match *m = NULL;
	const char *reference = NULL, *source = "given";
	char *given = NULL;
	bool ip = false;
	struct norm p;
	int rc;

	*out = NULL;
	if ((rc = norm_params(&p, params)) < 0)
		return rc;
	if (xcv_chain_count(chain) == 0) {
		rc = xcv_set_error(XCV_EINPUT, "no certificate to match %s "
			"against", c->name);
		goto out;
	}
	if ((p.kind == XCV_CSR_HTTPS) != (cfg->service == XCV_SERVICE_HTTPS)) {
		rc = xcv_set_error(XCV_EINPUT, "a CSR of kind %s is verified as "
			"%s, not as %s", xcv_csr_kind_name(p.kind), p.kind ==
			XCV_CSR_HTTPS ? "https" : "c2s or s2s",
			xcv_service_name(cfg->service));
		goto out;
	}
	if (params && params->domain) {
		if ((rc = xcv_reference_normalize(&given, &ip, params->domain)) < 0)
			goto out;
		reference = given;
	} else if ((reference = reference_of(c, p.kind, &source)) == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "%s: the CSR does not say which %s "
			"it is for (%s): name it to verify the certificate for",
			c->name, p.kind == XCV_CSR_HTTPS ? "host" : "XMPP domain",
			p.kind == XCV_CSR_HTTPS ? "no CN or dNSName that is a fully "
			"qualified name" : "no xmppAddr, no SRVName, no dNSName "
			"that is a parent domain of its CN");
		goto out;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	m->csr = c;
	m->kind = p.kind;
	m->domain_source = source;
	if ((rc = xcv_verify(&m->res, cfg, chain, reference)) < 0 ||
	    (rc = match_findings(m, sk_X509_value(chain->certs, 0),
	    reference)) < 0)
		goto out;
	m->ok = xcv_result_ok(m->res) && !any_error(&m->findings);
	*out = m;
	m = NULL;
out:
	xcv_csr_match_free(m);
	free(given);
	norm_clear(&p);
	return rc;
}

void
xcv_csr_match_free(struct xcv_csr_match *m)
{
	if (m == NULL)
		return;
	xcv_result_free(m->res);
	free(m->cert_key);
	xcv_csr_findings_clear(&m->findings);
	free(m);
}

size_t
xcv_csr_match_finding_count(const struct xcv_csr_match *m)
{
	return m->findings.n;
}

const struct xcv_csr_finding *
xcv_csr_match_finding(const struct xcv_csr_match *m, size_t i)
{
	return i < m->findings.n ? &m->findings.v[i] : NULL;
}

const struct xcv_result *
xcv_csr_match_result(const struct xcv_csr_match *m)
{
	return m->res;
}

const char *
xcv_csr_match_domain_source(const struct xcv_csr_match *m)
{
	return m->domain_source;
}

bool
xcv_csr_match_ok(const struct xcv_csr_match *m)
{
	return m->ok;
}
