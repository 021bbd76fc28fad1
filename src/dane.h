/*
 * DANE for XMPP (RFC 7673): the SRV answer for the domain and the TLSA
 * records at the SRV target (_PORT._tcp.TARGET), each with its DNSSEC
 * status as a validating resolver library (libunbound) judges it, then the
 * presented chain matched against the records by OpenSSL's DANE support
 * (RFC 7671: usages 0-3, selectors 0 and 1, matching types 0-2). The
 * lookups are bounded by one deadline.
 */
#ifndef XCV_DANE_H
#define XCV_DANE_H

#include <openssl/x509.h>

#include "internal.h"
#include "xmppcv/dane.h"

#define XCV_DANE_ROOT_KEY "/usr/share/dns/root.key"  /* dns-root-data */
#define XCV_DANE_MAX_RECORDS 64     /* TLSA records judged at most */
#define XCV_DANE_TIMEOUT_MS 10000   /* the whole lookup, when none given */

struct xcv_dane_params {
	const char *domain;          /* the XMPP domain: the SRV owner is
				      * _xmpp-client._tcp.DOMAIN (c2s) or
				      * _xmpp-server._tcp.DOMAIN (s2s) */
	enum xcv_service service;    /* c2s or s2s */
	enum xcv_policy policy;      /* for the name check of usages 0-2 */
	const char *host;            /* the SRV target connected to; NULL:
				      * the SRV answer's first target (or
				      * the domain itself when there is
				      * none) */
	int port;                    /* its port; 0: the SRV answer's, else
				      * 5222 (c2s) or 5269 (s2s) */
	STACK_OF(X509) *chain;       /* as presented, leaf first */
	X509_STORE *store;           /* PKIX anchors for usages 0 and 1 (read,
				      * never changed); NULL: none */
	const char *anchor_file;     /* DNSSEC trust anchor (DS or DNSKEY
				      * records, zone-file form); NULL:
				      * XCV_DANE_ROOT_KEY */
	const char *resolver;        /* "ADDRESS[:PORT]" ("[V6]:PORT") of a
				      * recursive resolver to forward to;
				      * NULL: those of /etc/resolv.conf */
	int64_t at;                  /* verification time of the chain (the
				      * DNSSEC signatures are judged now) */
	int timeout_ms;              /* all lookups; 0: XCV_DANE_TIMEOUT_MS */
};

/*
 * The security status of the answers (RFC 4035 §4.3), the weakest of the
 * SRV's and the TLSA's: an insecure SRV answer leaves the TLSA records
 * without meaning (RFC 7673 §3.1), whatever their own status.
 */
enum xcv_dane_state {
	XCV_DANE_INSECURE = 0,       /* not signed: DANE does not apply */
	XCV_DANE_SECURE,             /* validated (records or their absence) */
	XCV_DANE_BOGUS,              /* signed, and validation failed */
	XCV_DANE_INDETERMINATE,      /* no answer: the lookup failed or
				      * timed out (treated as bogus: RFC
				      * 7673 §3 forbids connecting) */
};

struct xcv_dane {
	enum xcv_dane_state state;
	char *why;                   /* the state and the outcome, in words */
	char *tlsa_name;             /* "_5269._tcp.TARGET", or NULL when no
				      * TLSA lookup was made */
	struct xcv_strv records;     /* "3 1 1 <hex>", as found */
	char *matched;               /* the record that authenticated the
				      * chain, or NULL */
	int matched_depth;           /* the certificate it matched (0 the
				      * leaf); -1 */
	bool usable;                 /* secure, with a usable record (RFC
				      * 7671 §4.1): DANE decides */
	bool ok;                     /* usable, a record matched, and the
				      * name check (when one applies) passed;
				      * usable && !ok is an error */
	bool name_checked;           /* usages 0-2: the certificate names the
				      * domain or the SRV target (RFC 7673
				      * §4.1); DANE-EE: no name check (RFC
				      * 7671 §5.1) */
	struct xcv_strv notes;       /* records not usable, what the names
				      * were checked against, ... */
};

/*
 * Look up and judge p->chain's DANE records. A lookup that fails is a
 * state (indeterminate), not an error. Never waits past p->timeout_ms.
 * 0; XCV_EINPUT for a trust anchor file that cannot be read or a
 * resolver address that does not parse (message names it); XCV_ENOMEM.
 * out is cleared on entry and on failure.
 */
int xcv_dane_check(struct xcv_dane *out, const struct xcv_dane_params *p);
void xcv_dane_clear(struct xcv_dane *d);

/* "insecure", "secure", "bogus", "indeterminate". */
const char *xcv_dane_state_name(enum xcv_dane_state s);

#endif
