/*
 * Revocation of a built path: CRLs (RFC 5280 §6.3) first, as the field
 * now does since public CAs dropped OCSP, then OCSP (RFC 6960): a stapled
 * response (RFC 6066 §8) and, when asked, the leaf's responder. OpenSSL
 * judges: its CRL checking for the whole path, OCSP_basic_verify for
 * answers. Fetches go through OpenSSL's HTTP client over a connection of
 * xmppcv's own (MSG_NOSIGNAL, a deadline for each fetch), http only.
 */
#ifndef XCV_REVOCATION_H
#define XCV_REVOCATION_H

#include <openssl/x509.h>

#include "internal.h"

#define XCV_REV_MAX_CRL (10u << 20)  /* bytes of one CRL, fetched or read */
#define XCV_REV_MAX_OCSP (1u << 20)  /* bytes of one OCSP response */
#define XCV_REV_MAX_REDIRECTS 3      /* followed for one fetch */
#define XCV_REV_MAX_FETCHES 8        /* HTTP fetches in one check */
#define XCV_REV_OCSP_SLACK 300       /* seconds of clock skew allowed on
				      * OCSP thisUpdate/nextUpdate */

struct xcv_revocation_params {
	STACK_OF(X509) *path;        /* as a verification that trusted it
				      * built it: leaf first, anchor last */
	X509_STORE *store;           /* the anchors (read, never changed) */
	int64_t at;                  /* the verification time */
	const char *const *crl_files;  /* CRLs given by the caller (PEM or
					* DER, one or more a file) */
	size_t n_crl_files;
	bool fetch_crl;              /* may fetch the CRLs the certificates
				      * name, over HTTP */
	bool ocsp;                   /* may ask the leaf's AIA OCSP
				      * responder, over HTTP */
	const unsigned char *staple; /* stapled OCSP response, or NULL */
	size_t staple_len;
	bool staple_asked;           /* live TLS where status_request was sent */
	const char *cache_dir;       /* CRL cache, NULL: none */
	int timeout_ms;              /* each fetch, whole (resolving, connect,
				      * redirects, to the last byte) */
	int64_t deadline;            /* no fetch lasts past it, none starts
				      * after it (xcv_now_ms() time; 0: none) */
};

enum xcv_revocation_state {
	XCV_REV_UNKNOWN = 0,
	XCV_REV_GOOD,
	XCV_REV_REVOKED,
};

struct xcv_revocation {
	enum xcv_revocation_state state;  /* revoked > unknown > good */
	char *why;                   /* unknown: why; good/revoked: from what */
	char *reason;                /* revoked: the CRL or OCSP reason
				      * ("keyCompromise"), or NULL */
	int64_t revoked_at;          /* revoked: when; 0: not known */
	int depth;                   /* revoked: the certificate's depth in
				      * the path; otherwise -1 */
	const char *source;          /* revoked: what said so; good: what
				      * judged the leaf: "crl", "ocsp",
				      * "ocsp-staple"; unknown: NULL */
	int64_t crl_next_update;     /* earliest nextUpdate of the CRLs that
				      * judged a certificate; 0: none */
	bool must_staple;            /* the leaf has the TLS feature
				      * status_request (RFC 7633) */
	bool staple_missing;         /* ... and the server sent no staple
				      * when asked: a failed connection
				      * (RFC 7633 §4.2) whatever the CRLs
				      * say; state unknown, or revoked */
	const char *staple;          /* "good", "revoked", "stale", "invalid",
				      * "absent"; NULL when none was asked for
				      * or given */
	struct xcv_strv notes;       /* one line per certificate and source:
				      * what was found */
};

/*
 * Judge the revocation of every certificate of p->path but its anchor.
 * Every failure to learn the state (no distribution point, a fetch that
 * failed, a CRL that does not verify or is not current, an OCSP answer
 * that does not verify, no time left before p->deadline) is state
 * unknown and says why; a cache that cannot be written is a note. Never
 * waits past p->timeout_ms for one fetch nor past p->deadline, asks no
 * URL twice, and fetches no more than XCV_REV_MAX_FETCHES times. Only a
 * CRL that verifies with its issuer's key is cached, and only such a
 * cached CRL is used. 0, or XCV_ENOMEM (out cleared).
 */
int xcv_revocation_check(struct xcv_revocation *out,
	const struct xcv_revocation_params *p);
void xcv_revocation_clear(struct xcv_revocation *r);

/* "good", "revoked", "unknown". */
const char *xcv_revocation_state_name(enum xcv_revocation_state s);

#endif
