/* Inside a live check: shared by check.c (the run), report.c (rendering)
 * and login.c (the login after it). */
#ifndef XCV_CHECK_INTERNAL_H
#define XCV_CHECK_INTERNAL_H

#include "discovery.h"
#include "login.h"
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
	struct xcv_result *res;
	struct xcv_failure failure;  /* no certificate: where it stopped */
	struct xcv_strv advice;      /* for a failure */
	struct xcv_login login;
	/* The stream before STARTTLS that settled the domain: what anyone on
	 * the path is offered in the clear, and what that is worth. */
	bool clear_seen;             /* its features were read */
	bool starttls_offered, starttls_required;
	struct xcv_strv clear_mechanisms;
	/* With posture: TLS 1.0 to 1.3, each 1 accepted, 0 refused, -1 not
	 * known (the connection failed before the handshake). */
	bool posture_asked, posture; /* asked for; run (a connection and a
	                              * domain were there to ask with) */
	int tls_versions[4];
	/* Findings on the connection, not the certificate. */
	struct xcv_check_finding {
		const char *code, *severity;   /* static */
		char *message;
		const char *fix;               /* static */
		bool tls;                      /* on TLS versions, else the stream */
	} findings[6];
	size_t n_findings;
};

#endif
