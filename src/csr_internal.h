/* Inside CSRs, lint summaries and matches (csr.c; rendered by
 * report.c). */
#ifndef XCV_CSR_INTERNAL_H
#define XCV_CSR_INTERNAL_H

#include <openssl/x509.h>

#include "xmppcv/csr.h"
#include "identity.h"
#include "result_internal.h"

#define XCV_MAX_CSR_FILE (1u << 20)   /* bytes in one CSR file */

/* Findings with owned strings; oom is set by a failed add. */
struct xcv_csr_findings {
	struct xcv_csr_finding *v;
	size_t n;
	bool oom;
};
void xcv_csr_findings_clear(struct xcv_csr_findings *f);

struct xcv_csr {
	char *name;
	enum xcv_csr_encoding encoding;
	bool private_key;            /* the file also held a private key */
	X509_REQ *req;
	char *subject, *key, *key_sha256, *signature;
	bool sig_valid;
	int sig_md;                  /* NID of the signature's digest */
	bool ext_broken;             /* the extension request does not decode */
	struct xcv_identity id;      /* subjectAltNames and CNs (collected) */
	struct xcv_presented_id *san_view;   /* id's entries but the CNs */
	size_t n_san;
	/* Set by xcv_csr_lint(). */
	bool linted;
	enum xcv_csr_kind kind;
	char *domain;                /* the XMPP domain checked, or NULL */
	const char *domain_source;   /* "given", "xmppAddr", "srvName"; static */
	struct xcv_csr_findings findings;
};

struct xcv_csr_summary {
	enum xcv_csr_kind kind;
	char *domain;                /* as given, normalised; or NULL */
	struct xcv_strv nodes;
	size_t n_csrs;
	size_t errors, warnings, notes;   /* every CSR's and across them */
	struct xcv_csr_findings findings; /* across CSRs */
	struct xcv_strv unreadable, unreadable_why;
};

struct xcv_csr_match {
	const struct xcv_csr *csr;   /* borrowed */
	enum xcv_csr_kind kind;
	struct xcv_result *res;
	const char *domain_source;   /* static */
	char *cert_key;              /* the certificate's key, described */
	struct xcv_csr_findings findings;
	bool ok;
};

#endif
