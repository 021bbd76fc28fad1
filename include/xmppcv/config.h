#ifndef XMPPCV_CONFIG_H
#define XMPPCV_CONFIG_H

#include <xmppcv/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What to verify against: trust anchors, service, policy and time.
 * A configuration may be shared by many xcv_verify() calls; anchors are
 * loaded once.
 */
struct xcv_config;

struct xcv_config *xcv_config_new(void);
void xcv_config_free(struct xcv_config *cfg);

/*
 * A new configuration with cfg's settings, anchors, input names, notes and
 * store, and nothing cfg built or remembered while verifying. A
 * configuration serves one thread at a time; a copy gives another thread
 * its own. NULL when out of memory.
 */
struct xcv_config *xcv_config_dup(const struct xcv_config *cfg);

void xcv_config_set_service(struct xcv_config *cfg, enum xcv_service service);
void xcv_config_set_policy(struct xcv_config *cfg, enum xcv_policy policy);

/* Use the operating system's trust anchors (default: yes). */
void xcv_config_set_system_ca(struct xcv_config *cfg, bool use);

/*
 * Add trust anchors from a PEM bundle or a DER certificate, or from every
 * certificate file in a directory. Returns XCV_EINPUT if the file cannot be
 * read or holds no certificate. Files in a directory that hold no
 * certificate are skipped and listed by xcv_config_note().
 */
int xcv_config_add_ca_file(struct xcv_config *cfg, const char *path);
int xcv_config_add_ca_path(struct xcv_config *cfg, const char *dir);

/* Add every certificate of chain as a trust anchor. */
struct xcv_chain;
int xcv_config_add_ca_chain(struct xcv_config *cfg,
	const struct xcv_chain *chain);

/* Verify as at this moment (unix seconds). Default: the time of each call. */
void xcv_config_set_time(struct xcv_config *cfg, int64_t at);

/* Fail the verdict on RFC 5280 and CA/Browser Forum profile defects,
 * which are otherwise warnings (default: no). */
void xcv_config_set_strict(struct xcv_config *cfg, bool strict);

/*
 * Revocation, as XCV_REVOCATION_* bits (default: none, xcv_verify judges
 * no revocation). CHECK: judge it for a trusted path, from CRLs (the
 * files added, the cache) and a stapled OCSP response, with no network
 * use of its own. Each of the others allows one kind of network use:
 * FETCH_CRL: fetch the CRLs named in the certificates over HTTP, and
 * cache them; OCSP: ask the leaf's OCSP responder over HTTP (no CRL is
 * fetched for it). REQUIRE: a revocation that stays unknown fails the
 * verdict. A revoked certificate always does.
 */
enum {
	XCV_REVOCATION_CHECK = 1u << 0,
	XCV_REVOCATION_FETCH_CRL = 1u << 1,
	XCV_REVOCATION_OCSP = 1u << 2,
	XCV_REVOCATION_REQUIRE = 1u << 3,
};
void xcv_config_set_revocation(struct xcv_config *cfg, unsigned flags);
/* A CRL file (PEM or DER) to judge revocation with; XCV_EINPUT when it
 * cannot be read. */
int xcv_config_add_crl(struct xcv_config *cfg, const char *path);

/* Warn when a certificate expires within this many days (default 30). */
void xcv_config_set_warn_days(struct xcv_config *cfg, int days);

/*
 * What advice may ask the user to supply. A tool names each input the way
 * its users give it (for xmppcv's own: "--ca-file", "--domain", ...), and
 * advice says "pass it with --ca-file"; unnamed, advice describes it in
 * words ("add it as a trust anchor"). name is copied; NULL forgets it.
 */
enum xcv_input {
	XCV_INPUT_TRUST_ANCHOR = 0, /* a CA or certificate file to trust */
	XCV_INPUT_DOMAIN,           /* the XMPP domain */
	XCV_INPUT_ADDRESS,          /* the address to use for a name */
	XCV_INPUT_DIRECT_TLS,       /* TLS from the first byte (XEP-0368) */
	XCV_INPUT_COUNT
};
int xcv_config_name_input(struct xcv_config *cfg, enum xcv_input what,
	const char *name);

/*
 * Let verification trust certificates the user accepted in store, each
 * for its domains only. The store is borrowed and must outlive cfg's use.
 */
struct xcv_store;
void xcv_config_set_store(struct xcv_config *cfg, struct xcv_store *store);

/* Notes gathered while loading anchors ("skipped README: no certificate"). */
size_t xcv_config_note_count(const struct xcv_config *cfg);
/* Owned by cfg; do not free. */
const char *xcv_config_note(const struct xcv_config *cfg, size_t i);

#ifdef __cplusplus
}
#endif
#endif
