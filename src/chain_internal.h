/* Internal view of chains, configurations and certificate descriptions. */
#ifndef XCV_CHAIN_INTERNAL_H
#define XCV_CHAIN_INTERNAL_H

#include <openssl/x509.h>

#include "internal.h"

#define XCV_MAX_CHAIN 64            /* certificates in one file */
#define XCV_MAX_FILE (4u << 20)     /* bytes in one certificate file */

struct xcv_chain {
	STACK_OF(X509) *certs;
	struct xcv_strv notes;
};

struct xcv_config {
	enum xcv_service service;
	enum xcv_policy policy;
	bool system_ca;
	bool have_time;
	int64_t at;
	int warn_days;
	STACK_OF(X509) *anchors;
	X509_STORE *store;           /* built on first use */
	struct xcv_strv notes;
	struct xcv_store *accepted;  /* borrowed; may be NULL */
	/* Intermediates a full verification under this configuration found
	 * to chain to an anchor, with the path above them (verify.c). */
	struct xcv_verified {
		X509 *inter;
		STACK_OF(X509) *above;   /* issuers up to the anchor */
	} *verified;
	size_t n_verified;
	bool no_verified_cache;      /* tests: always verify in full */
};

/* Forget the verified intermediates (when the anchors change). */
void xcv_config_forget_verified(struct xcv_config *cfg);

/* Trust store for cfg, built once; owned by cfg. NULL with error set. */
X509_STORE *xcv_config_store(struct xcv_config *cfg);

/* A human description of one certificate. */
struct xcv_certinfo {
	char *subject, *issuer, *name;   /* name: CN, else the subject */
	char *not_before, *not_after, *sha256, *key, *signature;
	int64_t nb, na;
	bool self_issued, is_ca;
};
int xcv_certinfo_fill(struct xcv_certinfo *ci, X509 *x);
void xcv_certinfo_clear(struct xcv_certinfo *ci);

#endif
