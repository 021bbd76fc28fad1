/*
 * POSH (RFC 7711): the fingerprints a domain publishes over HTTPS for the
 * certificate its XMPP service presents, compared with the one presented.
 * The file is fetched from https://DOMAIN/.well-known/posh/SERVICE.json
 * (SERVICE xmpp-client or xmpp-server, RFC 7712 §3), its server verified
 * by PKIX for DOMAIN; one "url" reference (§3.2) is followed, to https://
 * alone; what a file says is kept for its "expires" seconds, and never
 * used after them.
 */
#ifndef XCV_POSH_H
#define XCV_POSH_H

#include <openssl/x509.h>

#include "internal.h"
#include "xmppcv/posh.h"

#define XCV_POSH_MAX_JSON (64u << 10)   /* bytes of one POSH file */
#define XCV_POSH_MAX_REDIRECTS 3        /* HTTP redirects, each fetch */
#define XCV_POSH_MAX_REFERENCES 1       /* "url" references followed */
#define XCV_POSH_MAX_FINGERPRINTS 64    /* entries of "fingerprints" read */

struct xcv_posh_params {
	const char *domain;          /* the XMPP domain (A-labels) */
	enum xcv_service service;    /* c2s: xmpp-client.json, s2s:
				      * xmpp-server.json (https: an error,
				      * POSH is not defined for it) */
	X509 *leaf;                  /* the certificate presented */
	X509_STORE *store;           /* anchors for the HTTPS fetches (read,
				      * never changed) */
	const char *const *pins;     /* "HOST:PORT:ADDRESS", as --resolve;
				      * each for its host and port alone */
	size_t n_pins;
	const char *dns_server;      /* "ADDR[:PORT]" or NULL: the system's */
	int64_t at;                  /* the time: expires, and the HTTPS
				      * certificates' validity */
	int timeout_ms;              /* the whole of it: both fetches,
				      * redirects included (0: 10 s) */
	const char *cache_dir;       /* files kept for "expires"; NULL: none */
};

enum xcv_posh_state {
	XCV_POSH_ABSENT = 0,         /* the domain publishes no file (404) */
	XCV_POSH_MATCHED,            /* a fingerprint is the certificate's */
	XCV_POSH_MISMATCH,           /* none is */
	XCV_POSH_ERROR,              /* no judgement: why says why */
};

struct xcv_posh {
	enum xcv_posh_state state;
	char *url;                   /* the file that gave the fingerprints
				      * (after a reference or redirects);
				      * NULL when none did */
	char *why;                   /* what was found, or why none */
	int64_t expires_at;          /* until when the fingerprints hold
				      * (the earlier of the file's and the
				      * reference's expires); 0: none */
	bool cached;                 /* read from the cache, not fetched */
	struct xcv_strv notes;       /* what was fetched, read, skipped */
};

/*
 * Fetch (or read from the cache) the domain's POSH file for p->service
 * and compare its fingerprints with p->leaf's (RFC 7711 §3.3: of the
 * whole certificate, sha-256 and sha-512). A mismatch, an absent file
 * and every failure to judge (a server that does not verify, an HTTP
 * error, a malformed, oversized or looping file, the time running out)
 * are results, with why. 0, or XCV_ENOMEM (out cleared).
 */
int xcv_posh_check(struct xcv_posh *out, const struct xcv_posh_params *p);
void xcv_posh_clear(struct xcv_posh *p);

/* "absent", "matched", "mismatch", "error". */
const char *xcv_posh_state_name(enum xcv_posh_state s);

/* The well-known URL of domain's file for service; NULL when out of
 * memory. */
char *xcv_posh_url(const char *domain, enum xcv_service service);

#endif
