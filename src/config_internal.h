/* Inside a configuration (config.c; the verified-intermediate cache is
 * verify.c's). */
#ifndef XCV_CONFIG_INTERNAL_H
#define XCV_CONFIG_INTERNAL_H

#include "chain_internal.h"

struct xcv_config {
	enum xcv_service service;
	enum xcv_policy policy;
	bool system_ca;
	bool have_time;
	int64_t at;
	int warn_days;
	bool strict;                 /* profile defects fail the verdict */
	uint32_t clients;            /* client profiles judged (bit i: the
				      * i-th of xcv_client_profile()) */
	uint32_t require_clients;    /* ... that must connect silently */
	bool clients_shown;          /* chosen by name: text shows a table */
	STACK_OF(X509) *anchors;
	X509_STORE *store;           /* built on first use */
	struct xcv_strv notes;
	struct xcv_store *accepted;  /* borrowed; may be NULL */
	/* Paths a full verification under this configuration built, each
	 * under what was sent after the leaf (verify.c); bounded, freed with
	 * the configuration, and never a cause of another verdict or path. */
	struct xcv_verified {
		STACK_OF(X509) *sent;    /* after the leaf: the intermediate first */
		STACK_OF(X509) *above;   /* issuers above it, up to the anchor */
		int64_t from, until;     /* when all of them are valid */
	} *verified;
	size_t n_verified;
	bool no_verified_cache;      /* tests: always verify in full */
	X509_STORE *empty;           /* no anchors: for partial chains */
	struct xcv_refs libs;        /* contexts of anchors and remembered paths */
	const char *input_name[XCV_INPUT_COUNT];   /* owned; NULL: in words */
	unsigned revocation;         /* XCV_REVOCATION_* */
	struct xcv_strv crl_files;
};

/* Forget the verified intermediates (when the anchors change). */
void xcv_config_forget_verified(struct xcv_config *cfg);

/* Trust store for cfg, built once; owned by cfg. NULL with error set. */
int xcv_config_store(struct xcv_config *cfg, X509_STORE **out);

/* The caller's name for an input (xcv_config_name_input), or NULL: advice
 * then describes it in words. */
const char *xcv_config_input(const struct xcv_config *cfg, enum xcv_input what);

#endif
