/* TLS for probes: non-blocking handshake and chain capture (libssl). */
#ifndef XCV_TLS_H
#define XCV_TLS_H

#include "internal.h"

struct xcv_tls;

/*
 * What the connections of one run share: an SSL_CTX (its setup costs far
 * more than a connection's own state). Freed by whoever made it; the
 * connections made from it keep what they need.
 */
struct xcv_tls_ctx;
int xcv_tls_ctx_new(struct xcv_tls_ctx **out);
/* A context for the posture probes: TLS 1.minor only (0 to 3), at
 * security level 0, every cipher offered. */
int xcv_tls_ctx_new_version(struct xcv_tls_ctx **out, int minor);
/* The same with these ciphers (a list of OpenSSL names, in the order of
 * preference: a cipher list for 1.0 to 1.2, TLS 1.3 suites for 1.3; NULL:
 * every one) and groups (NULL: OpenSSL's default). XCV_ERROR when this
 * OpenSSL cannot offer them. */
int xcv_tls_ctx_new_offer(struct xcv_tls_ctx **out, int minor,
	const char *ciphers, const char *groups);
/* Present this certificate chain (PEM, leaf first) and key (PEM; NULL:
 * in the certificate's file) when a server asks for one: s2s as the
 * initiating server. XCV_EINPUT with why. */
int xcv_tls_ctx_set_client_cert(struct xcv_tls_ctx *c, const char *cert,
	const char *key);
/* Offer only these on connection t, before its handshake: ciphers (in
 * the order of preference: a cipher list for TLS 1.0 to 1.2, suites for
 * a TLS 1.3 context), groups; NULL: the context's. XCV_ERROR when this
 * OpenSSL cannot offer them. */
int xcv_tls_offer(struct xcv_tls *t, const char *ciphers, const char *groups);
/* The ciphers a context offers, in its order, appended to out. */
int xcv_tls_ctx_ciphers(const struct xcv_tls_ctx *c, struct xcv_strv *out);
/* Of these key exchange groups, those this OpenSSL can offer, appended to
 * out in their order (a FIPS or no-ecx build lacks some). */
int xcv_tls_groups_offerable(const char *const *names, size_t n,
	struct xcv_strv *out);
/* After the handshake, what the negotiated cipher is worth: its key
 * bits, forward secrecy, and why it is weak (static; NULL: it is not). */
void xcv_tls_cipher_judge(const struct xcv_tls *t, int *bits, bool *fs,
	const char **weak);
void xcv_tls_ctx_free(struct xcv_tls_ctx *ctx);

enum { XCV_TLS_DONE = 0, XCV_TLS_WANT_READ = 1, XCV_TLS_WANT_WRITE = 2,
	XCV_TLS_CLOSED = 3 };

/*
 * A client connection over socket fd, from ctx (NULL: a context of its
 * own). sni may be NULL (not sent for IP addresses); alpn is a protocol
 * name such as "xmpp-client" or NULL. Certificates are not judged here:
 * the chain is captured for xcv_verify.
 */
int xcv_tls_new(struct xcv_tls **out, struct xcv_tls_ctx *ctx, int fd,
	const char *sni, const char *alpn);
void xcv_tls_free(struct xcv_tls *t);

/* XCV_TLS_DONE, _WANT_READ, _WANT_WRITE, or XCV_ECONNECT with a message. */
int xcv_tls_handshake(struct xcv_tls *t);

/* XCV_TLS_DONE with the byte count in got or put, XCV_TLS_WANT_*, XCV_TLS_CLOSED
 * (the peer closed TLS), or XCV_ECONNECT with a message. */
int xcv_tls_read(struct xcv_tls *t, void *buf, size_t len, size_t *got);
int xcv_tls_write(struct xcv_tls *t, const void *buf, size_t len,
	size_t *put);

/* After the handshake: the chain the server presented (leaf first). */
int xcv_tls_chain(struct xcv_tls *t, struct xcv_chain **out);
const char *xcv_tls_version(const struct xcv_tls *t);
const char *xcv_tls_cipher(const struct xcv_tls *t);
const char *xcv_tls_alpn(struct xcv_tls *t, char buf[64]);
/* After the handshake: the server's ephemeral key ("X25519", "ECDH
 * prime256v1", "DH 2048") into buf, and its bits; NULL when there was
 * none (RSA key exchange). */
const char *xcv_tls_kx(const struct xcv_tls *t, char *buf, size_t size,
	int *bits);
/* The key exchange group negotiated ("x25519", "secp256r1",
 * "ffdhe2048"), or NULL (none: TLS 1.2 with RSA or DHE). */
const char *xcv_tls_group(const struct xcv_tls *t);
/* Whether the server asked for a client certificate. */
bool xcv_tls_cert_requested(const struct xcv_tls *t);
/* The stapled OCSP response (DER) and its length; 0 when none came. */
size_t xcv_tls_staple(const struct xcv_tls *t, const unsigned char **der);
/* The alert the server sent, e.g. "unrecognized name", or NULL. */
const char *xcv_tls_alert(const struct xcv_tls *t);
int xcv_tls_alert_code(const struct xcv_tls *t);

#endif
