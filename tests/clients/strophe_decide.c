/*
 * libstrophe's certificate decision, as profanity and other libstrophe
 * clients meet it: for each DOMAIN, connect as probe@DOMAIN to HOST:PORT
 * with mandatory TLS and CAFILE, and record every error libstrophe's
 * certfail handler is given (OpenSSL's verification, including its own
 * host name check against the JID's domain). The handler returns 1 so
 * that every error of one handshake is seen; nothing logs in.
 *
 *   strophe_decide CAFILE HOST PORT DOMAIN...
 *
 * CAFILE may be a directory of hashed certificates (an /etc/ssl/certs
 * that update-ca-certificates made), given as the CA path instead.
 *
 * One line per domain: DOMAIN, a tab, then "ok" or the errors joined by
 * "; " ("tls-failed: ..." when no TLS session came up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <sys/stat.h>

struct probe {
	char errors[2048];
	int done;
	int secured;
};

/* One connection at a time: the handler's probe. */
static struct probe *current;

static int
certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
	struct probe *p = current;
	size_t n;

	(void)cert;
	if (p == NULL)
		return 0;
	n = strlen(p->errors);
	if (strstr(p->errors, errormsg) == NULL)
		snprintf(p->errors + n, sizeof(p->errors) - n, "%s%s",
			n ? "; " : "", errormsg);
	return 1;
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
	xmpp_stream_error_t *serr, void *ud)
{
	struct probe *p = ud;

	(void)serr;
	(void)error;
	p->secured |= xmpp_conn_is_secured(conn);
	if (ev == XMPP_CONN_CONNECT)
		xmpp_disconnect(conn);
	else
		p->done = 1;
}

int
main(int argc, char **argv)
{
	struct stat st;

	if (argc < 5) {
		fprintf(stderr, "usage: strophe_decide CAFILE HOST PORT DOMAIN...\n");
		return 2;
	}
	if (stat(argv[1], &st) != 0) {
		perror(argv[1]);
		return 2;
	}
	xmpp_initialize();
	for (int i = 4; i < argc; i++) {
		struct probe p = { .errors = "" };
		xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
		xmpp_conn_t *conn = xmpp_conn_new(ctx);
		char jid[512];

		current = &p;
		snprintf(jid, sizeof(jid), "probe@%s", argv[i]);
		xmpp_conn_set_jid(conn, jid);
		xmpp_conn_set_pass(conn, "no password");
		xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS);
		if (S_ISDIR(st.st_mode))
			xmpp_conn_set_capath(conn, argv[1]);
		else
			xmpp_conn_set_cafile(conn, argv[1]);
		xmpp_conn_set_certfail_handler(conn, certfail);
		if (xmpp_connect_client(conn, argv[2],
		    (unsigned short)atoi(argv[3]), on_conn, &p) != XMPP_EOK) {
			printf("%s\ttls-failed: cannot connect\n", argv[i]);
		} else {
			/* Bounded: 100 rounds of at most 50 ms. */
			for (int r = 0; r < 100 && !p.done; r++) {
				p.secured |= xmpp_conn_is_secured(conn);
				xmpp_run_once(ctx, 50);
			}
			if (!p.done)
				xmpp_disconnect(conn);
			for (int r = 0; r < 20 && !p.done; r++)
				xmpp_run_once(ctx, 50);
			if (p.errors[0])
				printf("%s\t%s\n", argv[i], p.errors);
			else
				printf("%s\t%s\n", argv[i], p.secured ? "ok" :
					"tls-failed: no TLS session");
		}
		fflush(stdout);
		xmpp_conn_release(conn);
		xmpp_ctx_free(ctx);
	}
	xmpp_shutdown();
	return 0;
}
