#ifndef XMPPCV_CSR_H
#define XMPPCV_CSR_H

#include <xmppcv/common.h>
#include <xmppcv/config.h>
#include <xmppcv/chain.h>
#include <xmppcv/result.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Certificate signing requests, before and after the CA: lint what public
 * CAs reject (encoding, characters, keys, names) before a CSR is submitted,
 * and check that the certificate a CA issued carries the CSR's key and
 * every name it asked for.
 */

/* Which certificate a CSR is for. */
enum xcv_csr_kind {
	XCV_CSR_XMPP = 0,  /* XMPP (Cisco: cup-xmpp, cup-xmpp-s2s): names the
			    * XMPP domain */
	XCV_CSR_HTTPS,     /* HTTPS (Cisco: tomcat): names the node FQDN */
};
/* "xmpp", "https". */
const char *xcv_csr_kind_name(enum xcv_csr_kind kind);
int xcv_csr_kind_parse(enum xcv_csr_kind *out, const char *name);

/* How the file holding a CSR was encoded. */
enum xcv_csr_encoding {
	XCV_CSR_PEM = 0,   /* Base64 PEM, as CAs take it */
	XCV_CSR_DER,       /* binary DER */
	XCV_CSR_PEM_UTF16, /* PEM text in UTF-16 (Windows PowerShell's >) */
};
/* "pem", "der", "pem-utf16". */
const char *xcv_csr_encoding_name(enum xcv_csr_encoding encoding);

/* How much a finding matters: an error makes the CSR not ready. */
enum xcv_severity {
	XCV_SEVERITY_ERROR = 0,
	XCV_SEVERITY_WARNING,
	XCV_SEVERITY_NOTE,
};
/* "error", "warning", "note". */
const char *xcv_severity_name(enum xcv_severity severity);

/*
 * What to lint against. Start from XCV_CSR_PARAMS_INIT, so that the
 * structure can grow without breaking callers; zero values mean the
 * defaults.
 */
#define XCV_CSR_PARAMS_VERSION 1
struct xcv_csr_params {
	unsigned version;          /* XCV_CSR_PARAMS_VERSION */
	enum xcv_csr_kind kind;    /* default XCV_CSR_XMPP */
	/* XMPP: the XMPP domain every CSR must name in a dNSName; NULL: the
	 * one a CSR's xmppAddr or SRVName names, else not checked. HTTPS:
	 * the node FQDN (as a node below). */
	const char *domain;
	const char *const *nodes;  /* node FQDNs every CSR must name (a
				    * multi-server SAN CSR covers them all) */
	size_t n_nodes;
	int min_rsa_bits;          /* default 2048 */
	int max_rsa_bits;          /* default 4096, the most Cisco IM and
				    * Presence and Unified CM take */
	const char *forbid;        /* characters refused in subject fields;
				    * NULL: "@&!"; "": none */
};
#define XCV_CSR_PARAMS_INIT { .version = XCV_CSR_PARAMS_VERSION }

/* Check params: names (IDNA), key size limits, characters. XCV_EINPUT
 * with a message naming the bad value. */
int xcv_csr_params_check(const struct xcv_csr_params *params);

/* One finding, with a fixed code ("weak-key", "domain-missing", ...). */
struct xcv_csr_finding {
	const char *code;
	enum xcv_severity severity;
	const char *field;         /* what it is about: "subject O",
				    * "subjectAltName", "key", "signature",
				    * "encoding", "file"; never NULL */
	const char *text;          /* what is wrong and what to do, in words */
	const char *const *files;  /* the CSR it belongs to, or the CSRs
				    * (several, across CSRs) */
	size_t n_files;
};

/* One certificate signing request as read from a file. */
struct xcv_csr;

/*
 * Parse a CSR: PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"),
 * DER, or PEM text in UTF-16; name is used in messages and findings.
 * Returns XCV_EINPUT, with a message naming the input and what it holds
 * instead (nothing, a certificate, a private key, several requests,
 * damaged data), for anything else.
 */
int xcv_csr_load_mem(struct xcv_csr **out, const void *data, size_t len,
	const char *name);
/* The same from a file (XCV_EINPUT also when it cannot be read). */
int xcv_csr_load_file(struct xcv_csr **out, const char *path);
void xcv_csr_free(struct xcv_csr *csr);

/* What the CSR holds. Strings are owned by csr; do not free. */
const char *xcv_csr_name(const struct xcv_csr *csr);
enum xcv_csr_encoding xcv_csr_encoding(const struct xcv_csr *csr);
const char *xcv_csr_subject(const struct xcv_csr *csr); /* RFC 2253 */
const char *xcv_csr_key(const struct xcv_csr *csr);     /* "RSA 2048" */
/* Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
const char *xcv_csr_key_sha256(const struct xcv_csr *csr);
const char *xcv_csr_signature(const struct xcv_csr *csr); /* algorithm */
/* The CSR's signature verifies with its own public key. */
bool xcv_csr_signature_valid(const struct xcv_csr *csr);
/* The subjectAltNames asked for, judged as a certificate's would be. */
size_t xcv_csr_san_count(const struct xcv_csr *csr);
const struct xcv_presented_id *xcv_csr_san(const struct xcv_csr *csr,
	size_t i);

/*
 * Lint one CSR on its own; its findings replace those of an earlier lint.
 * Returns 0 whatever it finds; XCV_EINPUT for bad params; XCV_ENOMEM.
 */
int xcv_csr_lint(struct xcv_csr *csr, const struct xcv_csr_params *params);
/* Findings, errors first. Owned by csr; do not free. */
size_t xcv_csr_finding_count(const struct xcv_csr *csr);
const struct xcv_csr_finding *xcv_csr_finding(const struct xcv_csr *csr,
	size_t i);
/* No error finding (warnings and notes allowed). */
bool xcv_csr_ok(const struct xcv_csr *csr);

/* CSRs linted together: the findings across them, and the totals. */
struct xcv_csr_summary;

/*
 * Lint each of csrs (as xcv_csr_lint) and then the CSRs together, as they
 * would be submitted to one CA: subjects that differ, one FQDN asked for
 * twice, one key in two CSRs. The summary keeps no reference to csrs.
 */
int xcv_csr_lint_all(struct xcv_csr_summary **out,
	struct xcv_csr *const *csrs, size_t n,
	const struct xcv_csr_params *params);
void xcv_csr_summary_free(struct xcv_csr_summary *s);
/* Record a file that could not be read (the summary is then not ok). */
int xcv_csr_summary_add_unreadable(struct xcv_csr_summary *s,
	const char *name, const char *message);
/* Findings across CSRs. Owned by s; do not free. */
size_t xcv_csr_summary_finding_count(const struct xcv_csr_summary *s);
const struct xcv_csr_finding *xcv_csr_summary_finding(
	const struct xcv_csr_summary *s, size_t i);
/* No error finding in any CSR or across them, and no unreadable file. */
bool xcv_csr_summary_ok(const struct xcv_csr_summary *s);

/* A certificate a CA issued, against the CSR it was issued for. */
struct xcv_csr_match;

/*
 * Does chain's first certificate carry csr's public key and every
 * subjectAltName csr asked for, and does it verify (xcv_verify with cfg)?
 * The reference verified is params->domain; when NULL, for XMPP the domain
 * the CSR names (its xmppAddr, else SRVName, else a dNSName that is a
 * parent of its CN), for HTTPS the node FQDN (its CN, else first dNSName).
 * cfg's service must be https for XCV_CSR_HTTPS and c2s or s2s otherwise.
 * csr is borrowed and must outlive the match. Returns 0 whatever is found;
 * XCV_EINPUT when no reference can be settled or params are bad.
 */
int xcv_csr_match(struct xcv_csr_match **out, struct xcv_config *cfg,
	const struct xcv_csr *csr, const struct xcv_chain *chain,
	const struct xcv_csr_params *params);
void xcv_csr_match_free(struct xcv_csr_match *m);
/* key-mismatch, san-dropped, subject-changed. Owned by m. */
size_t xcv_csr_match_finding_count(const struct xcv_csr_match *m);
const struct xcv_csr_finding *xcv_csr_match_finding(
	const struct xcv_csr_match *m, size_t i);
/* The verification of the certificate. Owned by m; do not free. */
const struct xcv_result *xcv_csr_match_result(const struct xcv_csr_match *m);
/* Where the reference came from: "given", "xmppAddr", "srvName",
 * "dnsName", "cn". */
const char *xcv_csr_match_domain_source(const struct xcv_csr_match *m);
/* Ready to upload: verified, and no error finding. */
bool xcv_csr_match_ok(const struct xcv_csr_match *m);

/*
 * Render (the caller frees with free(); NULL when out of memory). JSON is
 * one line without a trailing newline; text is for people and ends with a
 * newline. cert_label names the certificate file and may be NULL.
 */
char *xcv_csr_to_json(const struct xcv_csr *csr);
char *xcv_csr_to_text(const struct xcv_csr *csr);
char *xcv_csr_summary_to_json(const struct xcv_csr_summary *s);
char *xcv_csr_summary_to_text(const struct xcv_csr_summary *s);
char *xcv_csr_match_to_json(const struct xcv_csr_match *m,
	const char *cert_label);
char *xcv_csr_match_to_text(const struct xcv_csr_match *m,
	const char *cert_label);

#ifdef __cplusplus
}
#endif
#endif
