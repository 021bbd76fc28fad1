#ifndef XMPPCV_STROPHE_H
#define XMPPCV_STROPHE_H

/*
 * xmppcv's verdict for libstrophe clients.
 *
 * libstrophe checks the server's name with OpenSSL's host-name check, which
 * knows dNSName and CN but not xmppAddr or SRVName (RFC 6120 §13.7.1.2), so
 * a server whose certificate names its XMPP domain only in an xmppAddr is
 * refused with "hostname mismatch". Attach xmppcv to the connection and its
 * certfail handler decides instead:
 *
 *  - "hostname mismatch" is overridden only when xmppcv finds that this
 *    exact certificate names the domain (xmppAddr, SRVName, dNSName, CN as
 *    a fallback), or the user accepted it for the domain;
 *  - any other error (untrusted chain, expiry, ...) is overridden only for
 *    a certificate the user accepted for the domain, or one that
 *    xcv_strophe_trust_chain() vouched for.
 *
 * Everything else is refused, as without a handler.
 *
 * libstrophe 0.12 does not tell the handler which connection a certificate
 * came from, only its context; give each attached connection its own
 * xmpp_ctx_t, or the adapter cannot tell them apart and refuses.
 *
 *     xmpp_conn_t *conn = xmpp_conn_new(ctx);
 *     struct xcv_config *cfg = xcv_config_new();
 *     xmpp_conn_set_jid(conn, "alice@corp.example");
 *     xmpp_conn_set_pass(conn, password);
 *     if (xcv_strophe_attach(conn, cfg, "corp.example") < 0)
 *             errx(1, "%s", xcv_error_last());
 *     xmpp_connect_client(conn, NULL, 0, conn_handler, NULL);
 *     xmpp_run(ctx);
 *     xcv_strophe_detach(conn);
 *
 * See examples/strophe-client.c for a whole program.
 */
#include <strophe.h>

#include <xmppcv/chain.h>
#include <xmppcv/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Install xmppcv's certfail handler on conn for the XMPP domain. cfg
 * (policy, service, accepted-certificate store) is borrowed until
 * xcv_strophe_detach(). Thread-safe.
 */
int xcv_strophe_attach(xmpp_conn_t *conn, struct xcv_config *cfg,
	const char *domain);

/* Vouch for the certificates of a chain xmppcv has verified for conn's
 * domain (e.g. by xcv_check_run), so that libstrophe's own chain errors on
 * exactly these certificates are overridden. */
int xcv_strophe_trust_chain(xmpp_conn_t *conn, const struct xcv_chain *chain);

void xcv_strophe_detach(xmpp_conn_t *conn);

/* The handler itself, as libstrophe calls it. */
int xcv_strophe_certfail(const xmpp_tlscert_t *cert, const char *errormsg);

/* What the handler decided for conn, for reports: how many errors it
 * overrode and refused. */
void xcv_strophe_counts(xmpp_conn_t *conn, int *overridden, int *refused);

#ifdef __cplusplus
}
#endif
#endif
