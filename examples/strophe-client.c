/*
 * A libstrophe client that lets xmppcv judge the server certificate.
 *
 *   strophe-client [--no-xmppcv] [--cafile FILE] [--domain D] JID HOST PORT
 *
 * The password comes from XMPPCV_PASSWORD. Logs in (SASL, resource
 * binding), prints the bound JID and exits 0; exits 1 if the session
 * cannot be established. With --no-xmppcv it runs as plain libstrophe,
 * whose host-name check does not know xmppAddr or SRVName.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include <xmppcv.h>
#include <xmppcv/strophe.h>

static int result = 1;

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
	xmpp_stream_error_t *serr, void *ud)
{
	xmpp_ctx_t *ctx = ud;

	(void)error;
	(void)serr;
	if (ev == XMPP_CONN_CONNECT) {
		printf("connected as %s\n", xmpp_conn_get_bound_jid(conn));
		result = 0;
		xmpp_disconnect(conn);
	} else {
		if (result != 0)
			printf("no session\n");
		xmpp_stop(ctx);
	}
}

int
main(int argc, char **argv)
{
	const char *cafile = NULL, *domain = NULL, *password;
	int i = 1, use_xmppcv = 1;
	struct xcv_config *cfg = NULL;
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-xmppcv") == 0)
			use_xmppcv = 0;
		else if (strcmp(argv[i], "--cafile") == 0 && i + 1 < argc)
			cafile = argv[++i];
		else if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc)
			domain = argv[++i];
		else
			break;
	}
	password = getenv("XMPPCV_PASSWORD");
	if (argc - i != 3 || password == NULL) {
		fprintf(stderr, "usage: XMPPCV_PASSWORD=... strophe-client "
			"[--no-xmppcv] [--cafile FILE] [--domain D] JID HOST PORT\n");
		return 2;
	}
	if (domain == NULL) {
		domain = strchr(argv[i], '@');
		domain = domain ? domain + 1 : argv[i];
	}
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	conn = xmpp_conn_new(ctx);
	xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS);
	xmpp_conn_set_jid(conn, argv[i]);
	xmpp_conn_set_pass(conn, password);
	if (cafile)
		xmpp_conn_set_cafile(conn, cafile);
	if (use_xmppcv) {
		cfg = xcv_config_new();
		if (cfg == NULL || xcv_strophe_attach(conn, cfg, domain) < 0) {
			fprintf(stderr, "strophe-client: %s\n", xcv_error_last());
			return 2;
		}
	}
	if (xmpp_connect_client(conn, argv[i + 1],
	    (unsigned short)atoi(argv[i + 2]), on_conn, ctx) == XMPP_EOK)
		xmpp_run(ctx);
	if (use_xmppcv)
		xcv_strophe_detach(conn);
	xmpp_conn_release(conn);
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	xcv_config_free(cfg);
	return result;
}
