/*
 * Logging in through libstrophe: SASL and resource binding against the
 * node the check reached, with the certfail adapter deciding certificate
 * errors. libstrophe's debug log carries the stanzas it sends and receives;
 * from them come the mechanisms offered and used and a SASL failure.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "check_internal.h"
#include "stream.h"
#include "xmppcv/strophe.h"

struct state {
	struct xcv_login *l;
	bool done;
};

/* Mechanisms from a <stream:features/> stanza, read by the stream reader. */
static void
offered(struct xcv_login *l, const char *stanza)
{
	static const struct xcv_stream_limits lim = XCV_STREAM_LIMITS;
	static const char open[] = "<stream:stream xmlns='jabber:client' "
		"xmlns:stream='http://etherx.jabber.org/streams'>";
	const struct xcv_stream_state *st;
	struct xcv_stream *s = NULL;

	if (xcv_stream_new(&s, &lim) < 0)
		return;
	if (xcv_stream_feed(s, open, strlen(open)) == 0 &&
	    xcv_stream_feed(s, stanza, strlen(stanza)) == 0) {
		st = xcv_stream_state(s);
		if (st->features && st->mechanisms.n > 0) {
			xcv_strv_clear(&l->offered);
			for (size_t i = 0; i < st->mechanisms.n; i++)
				xcv_strv_push(&l->offered, st->mechanisms.v[i]);
			/* Partly copied is not what was offered. */
			if (xcv_strv_ok(&l->offered) < 0)
				xcv_strv_clear(&l->offered);
		}
	}
	xcv_stream_free(s);
}

/* The value of attribute name in the first tag of xml, either quote. */
static char *
attr(const char *xml, const char *name)
{
	const char *p = strstr(xml, name), *end;
	char q;

	if (p == NULL || p[strlen(name)] != '=')
		return NULL;
	p += strlen(name) + 1;
	q = *p++;
	if (q != '\'' && q != '"')
		return NULL;
	end = strchr(p, q);
	if (end == NULL)
		return NULL;
	return strndup(p, (size_t)(end - p));
}

/* The first child element's name inside <failure xmlns=...sasl>. */
static char *
sasl_condition(const char *xml)
{
	const char *p = strchr(xml + 1, '<');
	size_t n;

	if (p == NULL || p[1] == '/')
		return NULL;
	p++;
	n = strcspn(p, " />");
	return n ? strndup(p, n) : NULL;
}

static void
on_log(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
	struct xcv_login *l = ud;
	const char *xml;

	(void)level;
	(void)area;
	if (strncmp(msg, "RECV: ", 6) == 0) {
		xml = msg + 6;
		/* libstrophe logs the features stanza with its namespace
		 * declared: <features xmlns="http://etherx...">. */
		if ((strncmp(xml, "<features", 9) == 0 ||
		     strncmp(xml, "<stream:features", 16) == 0) &&
		    strstr(xml, "xmpp-sasl"))
			offered(l, xml);
		else if (strncmp(xml, "<failure", 8) == 0 &&
		    strstr(xml, "urn:ietf:params:xml:ns:xmpp-sasl") &&
		    l->condition == NULL)
			l->condition = sasl_condition(xml);
	} else if (strncmp(msg, "SENT: ", 6) == 0) {
		xml = msg + 6;
		if (strncmp(xml, "<auth", 5) == 0 &&
		    strstr(xml, "urn:ietf:params:xml:ns:xmpp-sasl")) {
			free(l->mechanism);
			l->mechanism = attr(xml, "mechanism");
		}
	}
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
	xmpp_stream_error_t *serr, void *ud)
{
	struct state *st = ud;

	if (ev == XMPP_CONN_CONNECT) {
		st->l->ok = true;
		st->l->bound_jid = xcv_strdup(xmpp_conn_get_bound_jid(conn));
		xmpp_disconnect(conn);
		return;
	}
	if (!st->l->ok && st->l->error == NULL) {
		if (st->l->condition)
			st->l->error = xcv_asprintf("authentication failed: SASL "
				"<%s/>", st->l->condition);
		else if (serr && serr->text)
			st->l->error = xcv_asprintf("stream error: %s", serr->text);
		else if (error)
			st->l->error = xcv_asprintf("connection failed: %s",
				strerror(error));
		else
			st->l->error = xcv_strdup("the server closed the session "
				"before it was established");
	}
	st->done = true;
}

/*
 * libstrophe's OpenSSL build writes to its socket with write(), which
 * raises SIGPIPE once the server has closed. While it runs, SIGPIPE is
 * blocked in this thread alone, so such a write fails with EPIPE; a
 * SIGPIPE raised meanwhile is then taken off (unless one was pending
 * before) and the caller's mask restored. The program's own handling of
 * SIGPIPE is never touched.
 */
struct pipe_guard {
	sigset_t old;
	bool was_pending;
};

static void
pipe_guard_on(struct pipe_guard *g)
{
	sigset_t pipe, pending;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	g->was_pending = sigpending(&pending) == 0 &&
		sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void
pipe_guard_off(struct pipe_guard *g)
{
	static const struct timespec now = { 0, 0 };
	sigset_t pipe, pending;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	if (!g->was_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		(void)sigtimedwait(&pipe, NULL, &now);
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

int
xcv_login_run(struct xcv_login *l, struct xcv_config *cfg,
	const struct xcv_login_params *p)
{
	/* Our logger sees every level; debug is where the stanzas are. */
	xmpp_log_t log = { .handler = on_log, .userdata = l };
	xmpp_ctx_t *ctx = NULL;
	xmpp_conn_t *conn = NULL;
	struct state st = { .l = l };
	int64_t deadline = xcv_now_ms() + p->timeout_ms;
	struct pipe_guard guard;
	int rc = XCV_ERROR;

	memset(l, 0, sizeof(*l));
	l->attempted = true;
	l->jid = xcv_strdup(p->jid);
	pipe_guard_on(&guard);
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, &log);
	if (ctx == NULL)
		goto out;
	conn = xmpp_conn_new(ctx);
	if (conn == NULL)
		goto out;
	xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS);
	xmpp_conn_set_jid(conn, p->jid);
	xmpp_conn_set_pass(conn, p->password);
	if (xcv_strophe_attach(conn, cfg, p->domain) < 0 ||
	    (p->chain && xcv_strophe_trust_chain(conn, p->chain) < 0))
		goto out;
	if (xmpp_connect_client(conn, p->host, (unsigned short)p->port, on_conn,
	    &st) != XMPP_EOK) {
		l->error = xcv_asprintf("libstrophe could not connect to %s:%d",
			p->host, p->port);
		rc = 0;
		goto out;
	}
	while (!st.done && xcv_now_ms() < deadline)
		xmpp_run_once(ctx, 100);
	if (!st.done) {
		l->error = xcv_asprintf("no session within %d s", p->timeout_ms / 1000);
		xmpp_disconnect(conn);
		for (int i = 0; i < 20 && !st.done; i++)
			xmpp_run_once(ctx, 50);
	}
	xcv_strophe_counts(conn, &l->overridden, &l->refused);
	if (!l->ok && l->refused > 0 && l->condition == NULL) {
		free(l->error);
		l->error = xcv_strdup("the certificate was refused: xmppcv did not "
			"verify it for this domain");
	}
	rc = 0;
out:
	if (conn) {
		xcv_strophe_detach(conn);
		xmpp_conn_release(conn);
	}
	if (ctx)
		xmpp_ctx_free(ctx);
	xmpp_shutdown();
	pipe_guard_off(&guard);
	if (rc < 0)
		xcv_set_error(XCV_ERROR, "cannot set up libstrophe");
	return rc;
}

void
xcv_login_clear(struct xcv_login *l)
{
	free(l->jid);
	free(l->bound_jid);
	free(l->mechanism);
	free(l->condition);
	free(l->error);
	xcv_strv_clear(&l->offered);
	memset(l, 0, sizeof(*l));
}

int
xcv_check_login(struct xcv_check *c, struct xcv_config *cfg, const char *jid,
	const char *password, int timeout_ms)
{
	struct xcv_target t;
	struct xcv_login_params p = { .jid = jid, .password = password,
		.timeout_ms = timeout_ms > 0 ? timeout_ms : 10000 };
	const struct sockaddr *sa;
	char host[INET6_ADDRSTRLEN];
	bool same;
	int rc;

	if (c->res == NULL || c->used == NULL)
		return xcv_set_error(XCV_ENOTFOUND, "no certificate was obtained, "
			"so there is no server to log in to");
	rc = xcv_target_parse(&t, jid);
	if (rc < 0)
		return rc;
	same = t.jid_domain != NULL && strcmp(t.jid_domain, c->disc.domain) == 0;
	xcv_target_clear(&t);
	if (!same)
		return xcv_set_error(XCV_EINPUT, "the account to log in must be in "
			"the server's domain (user@%s), not '%s'", c->disc.domain,
			jid);
	sa = (const struct sockaddr *)&c->used->addr;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			host, sizeof(host));
	p.host = host;
	p.port = c->used->port;
	p.domain = c->disc.domain;
	/* Vouch for the chain only if xmppcv verified it; an accepted
	 * certificate is found in the store by the adapter itself. */
	p.chain = c->res->trusted && c->res->id.matched ? c->chain : NULL;
	xcv_login_clear(&c->login);
	return xcv_login_run(&c->login, cfg, &p);
}

int
xcv_check_login_status(const struct xcv_check *c)
{
	return c->login.attempted ? c->login.ok : -1;
}
