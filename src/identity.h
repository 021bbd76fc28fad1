/*
 * Identity module: which identities a certificate presents, and whether one
 * names the reference domain. No I/O. Rules: RFC 6120 §13.7.1.2,
 * RFC 6125 §6, RFC 9525 §6; see tests/test_identity.c for the table.
 */
#ifndef XCV_IDENTITY_H
#define XCV_IDENTITY_H

#include <openssl/x509.h>

#include "internal.h"

struct xcv_presented {
	enum xcv_field field;
	char *value;      /* for display: escaped, as presented */
	char *norm;       /* lower-case A-label form used to compare, or NULL */
	char *service;    /* SRVName only: service without '_', lower-case */
	bool valid;       /* syntactically valid and of the right type */
	char *reason;     /* why invalid, or why not used; NULL if neither */
	unsigned char ip[16];
	size_t iplen;
};

struct xcv_identity {
	enum xcv_service service;
	enum xcv_policy policy;
	char *reference;  /* A-label, lower-case, no trailing dot (or IP text) */
	bool reference_is_ip;
	struct xcv_presented *presented;
	size_t n_presented;
	bool matched;
	size_t match;      /* index into presented when matched */
	bool cn_used;      /* CN-ID was eligible under the policy */
	bool has_san;      /* a subjectAltName extension is present */
	bool san_broken;   /* subjectAltName could not be decoded */
	struct xcv_strv warnings;
};

/*
 * Normalise a reference domain: drop one trailing dot, lower-case, convert
 * U-labels to A-labels. *is_ip is set for an IPv4/IPv6 literal (brackets
 * allowed). Returns XCV_EINPUT with a message if it is not a domain name.
 */
int xcv_reference_normalize(char **out, bool *is_ip, const char *domain);

/*
 * Check cert against domain. Returns 0 and fills id (matched or not), or
 * XCV_EINPUT if domain is not a valid reference. Free with
 * xcv_identity_clear().
 */
int xcv_identity_check(struct xcv_identity *id, X509 *cert, const char *domain,
	enum xcv_service service, enum xcv_policy policy);
void xcv_identity_clear(struct xcv_identity *id);

/*
 * Only collect the identities of a subjectAltName extension among exts
 * and the CNs of subject, each judged valid or not as a certificate's, into
 * id (zeroed by the caller); no reference, no matching. A certificate
 * signing request carries both without being a certificate. 0 or
 * XCV_ENOMEM; free with xcv_identity_clear().
 */
int xcv_identity_collect(struct xcv_identity *id,
	const STACK_OF(X509_EXTENSION) *exts, const X509_NAME *subject);

/* The same domain, ignoring case, U-label/A-label form and one trailing
 * dot; texts that are not domains are compared as they are. */
bool xcv_same_domain(const char *a, const char *b);

/* RFC 6125 §6.4 comparison of a normalised presented DNS name. */
bool xcv_dns_match(const char *presented, const char *reference);

#endif
