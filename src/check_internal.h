/* Inside a live check: shared by check.c (the run), report.c (rendering)
 * and login.c (the login after it). */
#ifndef XCV_CHECK_INTERNAL_H
#define XCV_CHECK_INTERNAL_H

#include "dane.h"
#include "discovery.h"
#include "login.h"
#include "posh.h"
#include "result_internal.h"

struct xcv_check {
	char *target_text;
	struct xcv_target target;
	enum xcv_service service;
	bool direct_tls;
	int64_t deadline;            /* the whole check's (xcv_now_ms()), or 0 */
	struct xcv_tls_ctx *tls;     /* shared by its connections, while it runs */
	char *domain_input;          /* the caller's name for a given domain */
	struct xcv_endpoints eps;
	const struct xcv_endpoint *used;
	struct xcv_discovery disc;
	bool tls_done;
	char *version, *cipher, *sni, *alpn;
	char *http_status;           /* HTTPS: the answer to HEAD / */
	struct xcv_chain *chain;
	unsigned char *staple;       /* the stapled OCSP response, or NULL */
	size_t staple_len;
	int timeout_ms;              /* each phase's, and each fetch's */
	struct xcv_result *res;
	struct xcv_failure failure;  /* no certificate: where it stopped */
	struct xcv_strv advice;      /* for a failure */
	struct xcv_login login;
	/* The stream before STARTTLS that settled the domain: what anyone on
	 * the path is offered in the clear, and what that is worth. */
	bool clear_seen;             /* its features were read */
	bool starttls_offered, starttls_required;
	struct xcv_strv clear_mechanisms;
	/* With posture (posture.c): TLS 1.0 to 1.3, each 1 accepted, 0
	 * refused, -1 not known (the connection failed before the
	 * handshake). */
	bool posture_asked, posture; /* asked for; run (a connection and a
	                              * domain were there to ask with) */
	int64_t posture_deadline;    /* when the posture's questions end */
	int tls_versions[4];
	/* For each version accepted, the ciphers the server accepts, in the
	 * order it chose them, and whether it imposes its own order. */
	struct xcv_posture_suites {
		struct xcv_posture_cipher {
			char *name, *kx;        /* kx: its ephemeral key, or NULL */
			int bits, kx_bits;
			bool fs;                /* forward secrecy */
			const char *weak;       /* why it is weak (static), or NULL */
		} *v;
		size_t n;
		bool complete;          /* ended by the server's refusal */
		int server_order;       /* 1 its own, 0 the client's, -1 not
		                         * known (fewer than two ciphers) */
	} suites[4];
	struct xcv_strv groups;      /* key exchange groups, as chosen */
	/* Client profiles that no accepted version lets connect, and why. */
	struct xcv_strv version_clients, version_whys;
	int groups_minor;            /* the version they were asked with, or -1 */
	bool groups_complete;
	/* The stream over TLS (XMPP): what a client is offered after STARTTLS,
	 * or over direct TLS. */
	bool tls_stream_seen;
	int tls_stream_minor;        /* the TLS version it was read over */
	struct xcv_strv tls_mechanisms, channel_bindings, compression;
	bool dialback;
	/* With s2s_auth (federation.c): what the peer did with us as the
	 * initiating server. */
	bool s2s_auth_asked, s2s_auth;  /* asked for; run */
	struct xcv_tls_ctx *s2s_tls;    /* its connection's, while it runs */
	struct xcv_s2s_auth {
		char *as;                    /* our name (from=) */
		bool client_cert;            /* one was configured */
		bool tls_done, cert_requested;
		bool features;               /* read over TLS */
		struct xcv_strv offered;     /* SASL mechanisms over TLS */
		bool dialback;
		const char *external;        /* "success", "failure",
		                              * "not-offered", "not-tried" (no
		                              * certificate), or NULL (no
		                              * answer: see error) */
		char *condition, *text;      /* a SASL failure's */
		char *error;                 /* where the connection failed */
	} s2s;
	/* With dane and posh (federation.c): the other ways to
	 * authenticate the server. */
	bool dane_asked, dane_run, posh_asked, posh_run;
	struct xcv_dane dane;
	struct xcv_posh posh;
	/* Findings on the connection, not the certificate. */
	struct xcv_check_finding {
		const char *code, *severity;   /* static: error, warning, note */
		char *message;
		const char *fix;               /* static */
		bool tls;                      /* on TLS, else the clear stream */
	} findings[12];
	size_t n_findings;
};

/* The posture probes on the endpoint and domain the check used: TLS
 * versions, ciphers, groups, the stream over TLS, and the findings on
 * them (posture.c). 0 or XCV_ENOMEM. */
int xcv_posture_run(struct xcv_check *c, const struct xcv_check_params *p);
void xcv_posture_clear(struct xcv_check *c);

/* s2s: one more connection as the initiating server p->from, presenting
 * p->client_cert where given: the features over TLS, SASL EXTERNAL tried
 * where offered (federation.c). 0, XCV_EINPUT (a certificate or key that
 * cannot be used) or XCV_ENOMEM. */
int xcv_s2s_auth_run(struct xcv_check *c, const struct xcv_check_params *p);
/* DANE (RFC 7673) and POSH (RFC 7711) for the chain the check verified,
 * where p asks: their answers, and what they change in the verdict. 0,
 * XCV_EINPUT (a trust anchor or resolver that cannot be used) or
 * XCV_ENOMEM. */
int xcv_federation_auth(struct xcv_check *c, struct xcv_config *cfg,
	const struct xcv_check_params *p);
/* What the DANE and POSH answers already obtained change in c->res (after
 * a verification again, as when the user accepted the certificate). */
void xcv_federation_judge(struct xcv_check *c);

/* Before any connection: the context of that connection, with the
 * certificate and key read (XCV_EINPUT: they cannot be used). */
int xcv_s2s_auth_prepare(struct xcv_check *c,
	const struct xcv_check_params *p);
void xcv_s2s_auth_clear(struct xcv_s2s_auth *a);

#endif
