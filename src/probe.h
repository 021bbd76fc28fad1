/*
 * A probe: one connection to one endpoint as a state machine. It opens an
 * XMPP stream to a candidate domain, reads the reply, negotiates STARTTLS
 * (or starts with TLS, then confirms a stream opens over it) and captures
 * the chain. Each phase has its own deadline. Probes share one poll loop.
 */
#ifndef XCV_PROBE_H
#define XCV_PROBE_H

#include "net.h"
#include "stream.h"
#include "tls.h"

struct xcv_probe_params {
	const struct xcv_endpoint *ep;
	const char *to;              /* the candidate domain */
	const char *from;            /* s2s: our own name */
	enum xcv_service service;    /* https: TLS, then HEAD / */
	bool direct_tls;
	int timeout_ms;              /* for each phase */
	int64_t deadline;            /* the whole run's (xcv_now_ms()), or 0 */
	struct xcv_tls_ctx *tls;     /* the run's TLS context, or NULL */
	bool hold;                   /* stop before STARTTLS (discovery's race) */
	bool after_tls;              /* STARTTLS: read the features over TLS */
	bool external;               /* ... then try SASL EXTERNAL where
	                              * offered (s2s, XEP-0178) */
	const char *ciphers, *groups;  /* offer only these (xcv_tls_offer);
	                              * copied */
};

struct xcv_probe;

int xcv_probe_new(struct xcv_probe **out, const struct xcv_probe_params *p);
void xcv_probe_free(struct xcv_probe *pr);

/* Run probes to completion in one poll() loop. */
int xcv_probes_run(struct xcv_probe **v, size_t n);

/*
 * A poll loop that runs queued probes, at most `parallel` at a time (each
 * an open connection). When one finishes, done(ud, pr) is called; it may
 * queue more probes; the loop does not free probes. done returns 0, or
 * XCV_ENOMEM to stop the loop.
 */
struct xcv_loop;
typedef int (*xcv_probe_done)(void *ud, struct xcv_probe *pr);
int xcv_loop_new(struct xcv_loop **out, size_t parallel);
void xcv_loop_free(struct xcv_loop *l);
int xcv_loop_add(struct xcv_loop *l, struct xcv_probe *pr,
	xcv_probe_done done, void *ud);
/* Run until nothing is queued or running. */
int xcv_loop_run(struct xcv_loop *l);
/* Probes queued or running. */
size_t xcv_loop_pending(const struct xcv_loop *l);

/* Probes made with hold stop, out of the loop, once the server offers
 * STARTTLS: xcv_probe_go_on() lets one send it (queue it on the loop
 * again); xcv_probe_cancel() ends a probe that is held, queued or
 * running, closing its stream first where it opened one. A cancelled
 * probe is neither failed nor done: nothing is read from it. */
bool xcv_probe_held(const struct xcv_probe *pr);
bool xcv_probe_running(const struct xcv_probe *pr);
void xcv_probe_go_on(struct xcv_probe *pr);
void xcv_probe_cancel(struct xcv_probe *pr);
bool xcv_probe_cancelled(const struct xcv_probe *pr);

/* The reply stream (before TLS for STARTTLS, over TLS for direct TLS and
 * with after_tls). */
const struct xcv_stream_state *xcv_probe_stream(const struct xcv_probe *pr);
bool xcv_probe_failed(const struct xcv_probe *pr);
/* XCV_PHASE_CONNECT, _STREAM, _STARTTLS or _TLS; and the message. */
enum xcv_phase xcv_probe_fail_phase(const struct xcv_probe *pr);
const char *xcv_probe_fail_message(const struct xcv_probe *pr);
bool xcv_probe_timed_out(const struct xcv_probe *pr);
/* HTTPS: the status line of the answer to HEAD /, or NULL. */
const char *xcv_probe_http_status(const struct xcv_probe *pr);
/* After a handshake: the chain (ownership passes to the caller). */
struct xcv_chain *xcv_probe_take_chain(struct xcv_probe *pr);
bool xcv_probe_tls_done(const struct xcv_probe *pr);
const char *xcv_probe_tls_version(const struct xcv_probe *pr);
const char *xcv_probe_tls_cipher(const struct xcv_probe *pr);
const char *xcv_probe_tls_alpn(const struct xcv_probe *pr);
const char *xcv_probe_sni(const struct xcv_probe *pr);
int xcv_probe_tls_alert(const struct xcv_probe *pr);
/* Did the server turn down what the ClientHello offered: an alert, the
 * connection closed or reset, another version in its answer, no shared
 * cipher? A timeout, or a failure before the ClientHello left, says
 * nothing about it. */
bool xcv_probe_refused_offer(const struct xcv_probe *pr);
/* The server's ephemeral key ("X25519", "DH 1024") and its bits, or NULL
 * (none, or no handshake). */
const char *xcv_probe_tls_kx(const struct xcv_probe *pr, int *bits);
/* What the negotiated cipher is worth: its key bits, forward secrecy, and
 * why it is weak (NULL: it is not). */
const char *xcv_probe_tls_cipher_worth(const struct xcv_probe *pr, int *bits,
	bool *fs);
/* Whether the server asked for a client certificate in the handshake. */
bool xcv_probe_cert_requested(const struct xcv_probe *pr);
/* The key exchange group negotiated ("x25519"), or NULL. */
const char *xcv_probe_tls_group(const struct xcv_probe *pr);
/* The stapled OCSP response (DER) and its length, or NULL (none);
 * ownership passes to the caller. */
unsigned char *xcv_probe_take_staple(struct xcv_probe *pr, size_t *len);

#endif
