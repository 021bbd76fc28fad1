#ifndef XMPPCV_COMMON_H
#define XMPPCV_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. Anything not listed is XCV_ERROR with a message. */
enum {
	XCV_OK = 0,
	XCV_ERROR = -1,  /* unexpected failure (a system or library error) */
	XCV_EINPUT = -2, /* unreadable or malformed input, or a bad argument */
	XCV_ECONNECT = -3, /* no certificate could be obtained from a server */
	XCV_ENOTFOUND = -4, /* no such entry (e.g. in the store) */
	XCV_ENOMEM = -5, /* out of memory; nothing was changed */
};

/* Which reference identities a certificate is checked against. */
enum xcv_service {
	XCV_SERVICE_C2S = 0, /* client-to-server: _xmpp-client SRV-ID */
	XCV_SERVICE_S2S,     /* server-to-server: _xmpp-server SRV-ID */
	XCV_SERVICE_HTTPS,   /* HTTPS (Tomcat): DNS-ID or IP-ID of the host */
};

/* Identity matching policy. */
enum xcv_policy {
	XCV_POLICY_RFC6125 = 0, /* CN-ID as a last resort, with a warning */
	XCV_POLICY_RFC9525,     /* CN is never used */
};

/* Fields a presented identity can come from, in the order they are tried. */
enum xcv_field {
	XCV_FIELD_XMPPADDR = 0,
	XCV_FIELD_SRVNAME,
	XCV_FIELD_DNSNAME,
	XCV_FIELD_IPADDRESS,
	XCV_FIELD_CN,
	XCV_FIELD_URI,
};

/*
 * The verdict, one vocabulary for every command ("verified", ...):
 *  - verified: the chain is trusted (by the anchors, or because the user
 *    accepted this very certificate, self-signed or from a private CA)
 *    and an identity names the domain;
 *  - accepted: a client would connect only because the user accepted
 *    this certificate, and something is still wrong (no identity names
 *    the domain, it expired, a defect under --strict);
 *  - not-verified: a client would refuse it, or prompt;
 *  - no-certificate: a live check obtained none;
 *  - closed: a scanned service refused the connection.
 */
enum xcv_verdict {
	XCV_VERDICT_VERIFIED = 0,
	XCV_VERDICT_ACCEPTED,
	XCV_VERDICT_NOT_VERIFIED,
	XCV_VERDICT_NO_CERTIFICATE,
	XCV_VERDICT_CLOSED,
};

/*
 * Where a live check stopped before it had a certificate to judge. The
 * names ("dns", "connect", ...) appear in reports and JSON.
 */
enum xcv_phase {
	XCV_PHASE_NONE = 0,  /* no failure */
	XCV_PHASE_DNS,       /* the name did not resolve */
	XCV_PHASE_CONNECT,   /* no address accepted a connection */
	XCV_PHASE_STREAM,    /* the peer did not speak XMPP as expected */
	XCV_PHASE_DISCOVERY, /* the server served none of the domains tried */
	XCV_PHASE_STARTTLS,  /* STARTTLS was not offered or refused */
	XCV_PHASE_TLS,       /* the TLS handshake failed */
};

/*
 * The message for the last failure on the calling thread. Owned by the
 * library; valid until the next failing call on this thread. Never NULL.
 */
const char *xcv_error_last(void);

/* Library version, e.g. "0.1.0". */
const char *xcv_version(void);

/* Names used in reports and JSON: "c2s", "rfc6125", "xmppAddr", ... */
const char *xcv_service_name(enum xcv_service service);
const char *xcv_policy_name(enum xcv_policy policy);
const char *xcv_field_name(enum xcv_field field);
const char *xcv_phase_name(enum xcv_phase phase);
const char *xcv_verdict_name(enum xcv_verdict verdict);
int xcv_service_parse(enum xcv_service *out, const char *name);
int xcv_policy_parse(enum xcv_policy *out, const char *name);

/*
 * Optional, first thing in main(), before anything uses OpenSSL, jansson
 * or c-ares: route their allocations through xmppcv, which notes the ones
 * that fail. Then a check, scan, verification or load during which any of
 * them could not allocate returns XCV_ENOMEM, instead of what they reached
 * without that memory (an issuer OpenSSL could not look up reads as
 * missing, a handshake it could not finish as the server's fault).
 * Without it, xmppcv goes by the libraries' own error reports, which some
 * failures bypass. Returns 0, or XCV_ERROR when OpenSSL has allocated
 * already (the others are set all the same).
 */
int xcv_allocators(void);

/*
 * Parse a point in time given as ISO 8601 UTC: "2026-05-01",
 * "2026-05-01T12:00Z", "2026-05-01T12:00:00Z", or "@<unix seconds>".
 * Returns XCV_EINPUT if the text is not one of these.
 */
int xcv_time_parse(int64_t *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif
