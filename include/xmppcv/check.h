#ifndef XMPPCV_CHECK_H
#define XMPPCV_CHECK_H

#include <xmppcv/common.h>
#include <xmppcv/config.h>
#include <xmppcv/chain.h>
#include <xmppcv/result.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What to check live. Start from XCV_CHECK_PARAMS_INIT, so that the
 * structure can grow without breaking callers: fields added later keep
 * their defaults. Zero values mean the defaults.
 */
#define XCV_CHECK_PARAMS_VERSION 4
struct xcv_check_params {
	unsigned version;        /* XCV_CHECK_PARAMS_VERSION */
	const char *target;      /* host[:port], [v6]:port, address, JID, domain */
	const char *domain;      /* the XMPP domain, or NULL to discover it */
	const char *from;        /* s2s: our own name (default xmppcv.invalid) */
	bool direct_tls;         /* TLS first (XEP-0368), not STARTTLS */
	const char *const *resolve; /* "HOST:PORT:ADDRESS" pins */
	size_t n_resolve;
	const char *dns_server;  /* "ADDRESS[:PORT]" instead of the system's */
	int timeout_ms;          /* each phase (default 10000) */
	int max_attempts;        /* discovery connections (default 5) */
	/* Version 2: */
	int total_timeout_ms;    /* the whole check, DNS included, ends within
				    this (default 0: only each phase's) */
	/* Version 3: */
	bool posture;            /* also ask which TLS versions the server
				    accepts: one connection each */
	/* Version 4: */
	bool s2s_auth;           /* s2s: also connect as the initiating
				    server 'from' and report how the peer
				    would authenticate it (XEP-0178, 0220) */
	const char *client_cert; /* ... presenting this certificate chain
				    (PEM), or none */
	const char *client_key;  /* its key (PEM); NULL: in client_cert */
	bool dane;               /* judge the SRV target's TLSA records
				    (RFC 7673) through a validating resolver */
	const char *dnssec_anchor;  /* its trust anchor; NULL: the system's */
	bool posh;               /* fetch the domain's POSH file (RFC 7711)
				    and compare it */
};
#define XCV_CHECK_PARAMS_INIT { .version = XCV_CHECK_PARAMS_VERSION }

/* How the XMPP domain was settled. */
enum xcv_domain_source {
	XCV_DOMAIN_NONE = 0,   /* not settled */
	XCV_DOMAIN_GIVEN,      /* given by the caller, and served */
	XCV_DOMAIN_ACCEPTED,   /* a candidate the server accepted */
	XCV_DOMAIN_ANNOUNCED,  /* the server announced it in its header */
};
/* "none", "given", "accepted", "announced". */
const char *xcv_domain_source_name(enum xcv_domain_source source);

/* A live check: how the certificate was obtained, and the verdict. */
struct xcv_check;

/*
 * Connect to the target, settle the XMPP domain, obtain the certificate
 * chain and verify it with cfg (service c2s or s2s). Returns 0 and a check
 * whether or not a certificate was obtained (see xcv_check_error_phase),
 * XCV_EINPUT for a bad target or parameters, XCV_ENOMEM, or XCV_ERROR.
 */
int xcv_check_run(struct xcv_check **out, struct xcv_config *cfg,
	const struct xcv_check_params *params);
void xcv_check_free(struct xcv_check *check);

/* The verdict: the result's, or no-certificate. */
enum xcv_verdict xcv_check_verdict(const struct xcv_check *check);

/* The verdict on the obtained chain, or NULL if none was obtained. Owned
 * by check. */
const struct xcv_result *xcv_check_result(const struct xcv_check *check);
/* The chain the server presented, or NULL. Owned by check. */
const struct xcv_chain *xcv_check_chain(const struct xcv_check *check);
/* The settled XMPP domain, or NULL. */
const char *xcv_check_domain(const struct xcv_check *check);
enum xcv_domain_source xcv_check_domain_source(const struct xcv_check *check);
/* "ADDRESS:PORT" connected to, or NULL. */
const char *xcv_check_address(const struct xcv_check *check);
/* When no certificate was obtained: the phase that failed and a message;
 * else XCV_PHASE_NONE and NULL. */
enum xcv_phase xcv_check_error_phase(const struct xcv_check *check);
const char *xcv_check_error_message(const struct xcv_check *check);

/* Verify the obtained chain again with cfg (say, after the user accepted
 * it into the store). XCV_ENOTFOUND if no chain was obtained. */
int xcv_check_reverify(struct xcv_check *check, struct xcv_config *cfg);

/* Render, like xcv_result_to_json/_text; the caller frees. */
char *xcv_check_to_json(const struct xcv_check *check);
char *xcv_check_to_text(const struct xcv_check *check);

#ifdef __cplusplus
}
#endif
#endif
