/* The probe state machine (see probe.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "tls.h"

static const struct xcv_stream_limits stream_limits = XCV_STREAM_LIMITS;

/* Where a probe is; each state has its own deadline. The states before
 * ST_DONE are the active ones, which the loop polls (active()). */
enum state {
	ST_CONNECT, ST_HEADER, ST_FEATURES, ST_PROCEED, ST_HANDSHAKE,
	ST_CONFIRM, ST_HTTP,
	ST_AUTH,       /* SASL EXTERNAL sent over TLS, its answer awaited */
	ST_DONE, ST_FAILED,
	ST_HELD,       /* features came, STARTTLS not sent: out of the loop */
	ST_CANCELLED,  /* ended by xcv_probe_cancel(): nothing to read */
};

struct xcv_probe {
	struct xcv_probe_params p;
	char *to, *from;
	char *ciphers, *groups;      /* offered alone, or NULL */
	int fd;
	enum state state;
	int64_t deadline;
	struct xcv_stream *stream;
	struct xcv_tls *tls;
	int tls_want;                /* XCV_TLS_WANT_READ or _WRITE */
	char out[2048];
	size_t outlen, outoff;
	char *sni;
	struct xcv_chain *chain;
	bool tls_done;
	char version[32], cipher[96], alpn[64];
	char kx[64];                 /* the server's ephemeral key, or "" */
	char group[32];              /* the group negotiated, or "" */
	bool cert_requested;         /* the server asked for a client
	                              * certificate */
	int cipher_bits;             /* the negotiated cipher's worth */
	bool cipher_fs;
	const char *cipher_weak;
	int kx_bits;
	unsigned char *staple;       /* the stapled OCSP response (DER) */
	size_t staple_len;
	char http[256];              /* HTTPS: the status line */
	size_t httplen;
	int alert;
	bool started;                /* the loop has begun it */
	enum xcv_phase fail_phase;
	char *fail_message;
	bool timed_out;
};

/* The phase a failure in state ph belongs to. */
static enum xcv_phase
phase_of(enum state ph)
{
	switch (ph) {
	case ST_CONNECT:
		return XCV_PHASE_CONNECT;
	case ST_PROCEED:
		return XCV_PHASE_STARTTLS;
	case ST_HANDSHAKE:
		return XCV_PHASE_TLS;
	default:
		return XCV_PHASE_STREAM;
	}
}

static const char *
waiting_for(enum state ph)
{
	switch (ph) {
	case ST_CONNECT:
		return "the TCP connection";
	case ST_HEADER:
		return "the stream header";
	case ST_FEATURES:
		return "the stream features";
	case ST_PROCEED:
		return "the answer to STARTTLS";
	case ST_HANDSHAKE:
		return "the TLS handshake";
	case ST_HTTP:
		return "an answer to HEAD /";
	case ST_AUTH:
		return "the answer to SASL EXTERNAL";
	default:
		return "a stream header over TLS";
	}
}

XCV_PRINTF(2, 3) static void
fail(struct xcv_probe *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->state == ST_FAILED)
		return;
	pr->fail_phase = phase_of(pr->state);
	va_start(ap, fmt);
	pr->fail_message = xcv_vasprintf(fmt, ap);
	va_end(ap);
	pr->state = ST_FAILED;
	if (pr->fd >= 0) {
		close(pr->fd);
		pr->fd = -1;
	}
}

static void
enter(struct xcv_probe *pr, enum state ph)
{
	pr->state = ph;
	pr->deadline = xcv_now_ms() + pr->p.timeout_ms;
	if (pr->p.deadline > 0 && pr->p.deadline < pr->deadline)
		pr->deadline = pr->p.deadline;
	if ((ph == ST_DONE) && pr->fd >= 0) {
		close(pr->fd);
		pr->fd = -1;
	}
}

/* Append text with XML attribute escaping. */
static void
put_escaped(struct xcv_probe *pr, const char *s)
{
	for (; *s && pr->outlen + 6 < sizeof(pr->out); s++) {
		const char *e = NULL;
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '\'': e = "&apos;"; break;
		case '"': e = "&quot;"; break;
		default: break;
		}
		if (e) {
			memcpy(pr->out + pr->outlen, e, strlen(e));
			pr->outlen += strlen(e);
		} else {
			pr->out[pr->outlen++] = *s;
		}
	}
}

static void
put(struct xcv_probe *pr, const char *s)
{
	size_t n = strlen(s);

	if (pr->outlen + n < sizeof(pr->out)) {
		memcpy(pr->out + pr->outlen, s, n);
		pr->outlen += n;
	}
}

static void
queue_header(struct xcv_probe *pr)
{
	bool s2s = pr->p.service == XCV_SERVICE_S2S;

	put(pr, "<?xml version='1.0'?><stream:stream xmlns='");
	put(pr, s2s ? "jabber:server' xmlns:db='jabber:server:dialback" :
		"jabber:client");
	put(pr, "' xmlns:stream='http://etherx.jabber.org/streams' to='");
	put_escaped(pr, pr->to);
	if (s2s) {
		put(pr, "' from='");
		put_escaped(pr, pr->from);
	}
	put(pr, "' version='1.0' xml:lang='en'>");
}

int
xcv_probe_new(struct xcv_probe **out, const struct xcv_probe_params *p)
{
	struct xcv_probe *pr = calloc(1, sizeof(*pr));

	*out = NULL;
	if (pr == NULL)
		return xcv_oom();
	pr->p = *p;
	pr->fd = -1;
	pr->to = xcv_strdup(p->to);
	pr->from = xcv_strdup(p->from ? p->from : "xmppcv.invalid");
	pr->ciphers = p->ciphers ? xcv_strdup(p->ciphers) : NULL;
	pr->groups = p->groups ? xcv_strdup(p->groups) : NULL;
	if (pr->to == NULL || pr->from == NULL ||
	    (p->ciphers && pr->ciphers == NULL) ||
	    (p->groups && pr->groups == NULL) ||
	    xcv_stream_new(&pr->stream, &stream_limits) < 0) {
		xcv_probe_free(pr);
		return xcv_oom();
	}
	pr->p.to = pr->to;
	pr->p.from = pr->from;
	pr->p.ciphers = pr->ciphers;
	pr->p.groups = pr->groups;
	*out = pr;
	return 0;
}

void
xcv_probe_free(struct xcv_probe *pr)
{
	if (pr == NULL)
		return;
	if (pr->fd >= 0)
		close(pr->fd);
	xcv_tls_free(pr->tls);
	xcv_stream_free(pr->stream);
	xcv_chain_free(pr->chain);
	free(pr->to);
	free(pr->from);
	free(pr->ciphers);
	free(pr->groups);
	free(pr->sni);
	free(pr->fail_message);
	free(pr->staple);
	free(pr);
}

static void start_tls(struct xcv_probe *pr);
static void handshake(struct xcv_probe *pr);

static bool
is_https(const struct xcv_probe *pr)
{
	return pr->p.service == XCV_SERVICE_HTTPS;
}

static void
connected(struct xcv_probe *pr)
{
	if (pr->p.direct_tls || is_https(pr)) {
		start_tls(pr);
		return;
	}
	queue_header(pr);
	enter(pr, ST_HEADER);
}

static void
start(struct xcv_probe *pr)
{
	const struct xcv_endpoint *ep = pr->p.ep;
	int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		SOCK_CLOEXEC, 0);

	enter(pr, ST_CONNECT);
	if (fd < 0) {
		fail(pr, "cannot create a socket: %s", strerror(errno));
		return;
	}
	pr->fd = fd;
	if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) == 0) {
		connected(pr);
		return;
	}
	/* Interrupted by a signal, the connection goes on in the background
	 * (POSIX connect()): wait for it as for EINPROGRESS. */
	if (errno != EINPROGRESS && errno != EINTR)
		fail(pr, "cannot connect to %s: %s", ep->addrtext, strerror(errno));
}

/* What the stream has told us so far decides the next state. */
static void
advance(struct xcv_probe *pr)
{
	const struct xcv_stream_state *st = xcv_stream_state(pr->stream);

	if (pr->state == ST_HEADER && st->header)
		enter(pr, ST_FEATURES);
	if (pr->state == ST_AUTH) {
		if (st->sasl_success || st->sasl_failure || st->error)
			enter(pr, ST_DONE);
		else if (st->closed)
			fail(pr, "the server closed the stream instead of "
				"answering SASL EXTERNAL");
		return;
	}
	if (pr->state == ST_FEATURES || pr->state == ST_CONFIRM) {
		if (st->error) {
			/* A stream error is an answer, not a failure: discovery
			 * reads host-unknown from it. */
			enter(pr, ST_DONE);
			return;
		}
		if (st->closed) {
			fail(pr, "the server closed the stream without features "
				"or an error");
			return;
		}
		if (!st->features)
			return;
		if (pr->state == ST_CONFIRM && pr->p.external &&
		    xcv_strv_contains(&st->mechanisms, "EXTERNAL")) {
			/* XEP-0178 §3: no authorization identity ("="): the
			 * stream's from names us. */
			put(pr, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
				"mechanism='EXTERNAL'>=</auth>");
			pr->tls_want = XCV_TLS_WANT_WRITE;
			enter(pr, ST_AUTH);
			return;
		}
		if (pr->state == ST_CONFIRM) {
			enter(pr, ST_DONE);
			return;
		}
		if (!st->starttls) {
			pr->state = ST_PROCEED;
			fail(pr, "the server does not offer STARTTLS: it sent "
				"stream features without <starttls/>");
			return;
		}
		if (pr->p.hold) {
			pr->state = ST_HELD;
			return;
		}
		put(pr, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		enter(pr, ST_PROCEED);
		return;
	}
	if (pr->state == ST_PROCEED) {
		if (st->proceed) {
			start_tls(pr);
		} else if (st->failure) {
			fail(pr, "the server answered STARTTLS with <failure/>");
		} else if (st->error) {
			fail(pr, "the server answered STARTTLS with the stream "
				"error <%s/>", st->error_condition ?
				st->error_condition : "?");
		} else if (st->closed) {
			fail(pr, "the server closed the stream instead of "
				"answering STARTTLS");
		}
	}
}

static void
start_tls(struct xcv_probe *pr)
{
	const struct xcv_stream_state *st = xcv_stream_state(pr->stream);
	const char *name = pr->to;
	bool is_ip = strspn(name, "0123456789.") == strlen(name) ||
		strchr(name, ':') != NULL;

	/* SNI is the XMPP domain (RFC 7590 §3.1): the one the server
	 * announced, if it announced one, else the one we asked for. For
	 * HTTPS, the host name. */
	if (!pr->p.direct_tls && !is_https(pr) && st->from && *st->from)
		name = st->from;
	free(pr->sni);
	pr->sni = is_ip ? NULL : xcv_strdup(name);
	enter(pr, ST_HANDSHAKE);
	if (!is_ip && pr->sni == NULL) {
		/* Never a handshake without the SNI it should carry. */
		xcv_oom();
		fail(pr, "out of memory");
		return;
	}
	if (xcv_tls_new(&pr->tls, pr->p.tls, pr->fd, pr->sni, is_https(pr) ?
	    "http/1.1" : pr->p.direct_tls ? (pr->p.service == XCV_SERVICE_S2S ?
	    "xmpp-server" : "xmpp-client") : NULL) < 0 || ((pr->ciphers ||
	    pr->groups) && xcv_tls_offer(pr->tls, pr->ciphers,
	    pr->groups) < 0)) {
		fail(pr, "%s", xcv_error_last());
		return;
	}
	handshake(pr);
}

/* A copy of the stapled OCSP response: the TLS state goes with the
 * connection. false when the probe failed for want of memory. */
static bool
take_staple(struct xcv_probe *pr)
{
	const unsigned char *der;
	size_t n = xcv_tls_staple(pr->tls, &der);

	if (n == 0)
		return true;
	if ((pr->staple = malloc(n)) == NULL) {
		xcv_oom();
		fail(pr, "out of memory");
		return false;
	}
	memcpy(pr->staple, der, n);
	pr->staple_len = n;
	return true;
}

static void
handshake(struct xcv_probe *pr)
{
	int rc = xcv_tls_handshake(pr->tls);

	if (rc == XCV_TLS_WANT_READ || rc == XCV_TLS_WANT_WRITE) {
		pr->tls_want = rc;
		return;
	}
	if (rc != XCV_TLS_DONE) {
		pr->alert = xcv_tls_alert_code(pr->tls);
		fail(pr, "%s", rc == XCV_TLS_CLOSED ? "the server closed TLS "
			"during the handshake" : xcv_error_last());
		return;
	}
	pr->tls_done = true;
	snprintf(pr->version, sizeof(pr->version), "%s", xcv_tls_version(pr->tls));
	snprintf(pr->cipher, sizeof(pr->cipher), "%s", xcv_tls_cipher(pr->tls));
	if (xcv_tls_alpn(pr->tls, pr->alpn) == NULL)
		pr->alpn[0] = '\0';
	xcv_tls_kx(pr->tls, pr->kx, sizeof(pr->kx), &pr->kx_bits);
	pr->cert_requested = xcv_tls_cert_requested(pr->tls);
	xcv_tls_cipher_judge(pr->tls, &pr->cipher_bits, &pr->cipher_fs,
		&pr->cipher_weak);
	snprintf(pr->group, sizeof(pr->group), "%s", xcv_tls_group(pr->tls) ?
		xcv_tls_group(pr->tls) : "");
	if (!take_staple(pr))
		return;
	if (xcv_tls_chain(pr->tls, &pr->chain) < 0) {
		fail(pr, "%s", xcv_error_last());
		return;
	}
	if (is_https(pr)) {
		/* A certificate alone does not say an HTTP server is there. */
		put(pr, "HEAD / HTTP/1.1\r\nHost: ");
		put(pr, pr->to);
		put(pr, "\r\nUser-Agent: xmppcv/" XCV_VERSION "\r\n"
			"Connection: close\r\n\r\n");
		pr->tls_want = XCV_TLS_WANT_WRITE;
		enter(pr, ST_HTTP);
		return;
	}
	if (!pr->p.direct_tls && !pr->p.after_tls) {
		enter(pr, ST_DONE);
		return;
	}
	/* Direct TLS: a certificate alone proves nothing; an HTTPS server
	 * would have one too. Open a stream over TLS and wait for its
	 * features (XEP-0368). After STARTTLS, where asked: the features a
	 * client is offered over TLS (RFC 6120 §5.4.3.3). */
	if (xcv_stream_restart(pr->stream) < 0) {
		fail(pr, "out of memory");
		return;
	}
	queue_header(pr);
	pr->tls_want = XCV_TLS_WANT_WRITE;
	enter(pr, ST_CONFIRM);
}

static void
feed(struct xcv_probe *pr, const char *buf, size_t n)
{
	if (xcv_stream_feed(pr->stream, buf, n) < 0) {
		fail(pr, "%s%s", pr->state == ST_CONFIRM ?
			"no XMPP stream opened over TLS: " : "", xcv_error_last());
		return;
	}
	advance(pr);
}

static void
plain_io(struct xcv_probe *pr, short revents)
{
	char buf[4096];
	ssize_t n;

	if ((revents & POLLOUT) && pr->outoff < pr->outlen) {
		n = send(pr->fd, pr->out + pr->outoff, pr->outlen - pr->outoff,
			MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			fail(pr, "sending to %s failed: %s", pr->p.ep->addrtext,
				strerror(errno));
			return;
		}
		if (n > 0)
			pr->outoff += (size_t)n;
		if (pr->outoff == pr->outlen)
			pr->outoff = pr->outlen = 0;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = recv(pr->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail(pr, "reading from %s failed while waiting for %s: %s",
				pr->p.ep->addrtext, waiting_for(pr->state),
				strerror(errno));
		return;
	}
	if (n == 0) {
		fail(pr, "the server closed the connection while we waited for "
			"%s", waiting_for(pr->state));
		return;
	}
	feed(pr, buf, (size_t)n);
}

/* HTTPS: the status line of the answer to HEAD / (RFC 9112 §4). */
static void
http_answer(struct xcv_probe *pr, const char *buf, size_t n, bool closed)
{
	size_t room = sizeof(pr->http) - 1 - pr->httplen;
	char *eol;

	memcpy(pr->http + pr->httplen, buf, n < room ? n : room);
	pr->httplen += n < room ? n : room;
	pr->http[pr->httplen] = '\0';
	eol = strstr(pr->http, "\r\n");
	if (eol == NULL && !closed && pr->httplen < sizeof(pr->http) - 1)
		return;
	if (eol)
		*eol = '\0';
	if (strncmp(pr->http, "HTTP/", 5) != 0) {
		pr->http[0] = '\0';
		fail(pr, "no HTTP server answered over TLS: %s", closed ?
			"the server closed TLS without an answer to HEAD /" :
			"the answer to HEAD / is not HTTP");
		return;
	}
	enter(pr, ST_DONE);
}

static void
tls_io(struct xcv_probe *pr)
{
	char buf[4096];
	size_t got = 0, put_n = 0;
	int rc;

	if (pr->outoff < pr->outlen) {
		rc = xcv_tls_write(pr->tls, pr->out + pr->outoff,
			pr->outlen - pr->outoff, &put_n);
		if (rc < 0) {
			fail(pr, "%s: %s", pr->state == ST_HTTP ?
				"no HTTP server answered over TLS" :
				"no XMPP stream opened over TLS", xcv_error_last());
			return;
		}
		pr->outoff += put_n;
		if (pr->outoff == pr->outlen)
			pr->outoff = pr->outlen = 0;
		if (rc == XCV_TLS_WANT_WRITE) {
			pr->tls_want = rc;
			return;
		}
	}
	for (int i = 0; i < 64 && (pr->state == ST_CONFIRM ||
	     pr->state == ST_AUTH || pr->state == ST_HTTP); i++) {
		rc = xcv_tls_read(pr->tls, buf, sizeof(buf), &got);
		if (rc == XCV_TLS_WANT_READ || rc == XCV_TLS_WANT_WRITE) {
			pr->tls_want = rc;
			return;
		}
		if (pr->state == ST_HTTP) {
			http_answer(pr, buf, rc == XCV_TLS_DONE ? got : 0,
				rc != XCV_TLS_DONE);
			continue;
		}
		if (rc == XCV_TLS_CLOSED) {
			fail(pr, "no XMPP stream opened over TLS: the server "
				"closed TLS while we waited for %s",
				waiting_for(pr->state));
			return;
		}
		if (rc < 0) {
			fail(pr, "no XMPP stream opened over TLS: %s",
				xcv_error_last());
			return;
		}
		feed(pr, buf, got);
		/* What the answer made us send (SASL EXTERNAL) goes first. */
		if (pr->outoff < pr->outlen) {
			pr->tls_want = XCV_TLS_WANT_WRITE;
			return;
		}
	}
}

static short
events(const struct xcv_probe *pr)
{
	switch (pr->state) {
	case ST_CONNECT:
		return POLLOUT;
	case ST_HANDSHAKE:
	case ST_CONFIRM:
	case ST_AUTH:
	case ST_HTTP:
		return pr->tls_want == XCV_TLS_WANT_WRITE ? POLLOUT : POLLIN;
	case ST_DONE:
	case ST_FAILED:
		return 0;
	default:
		return (short)(POLLIN | (pr->outoff < pr->outlen ? POLLOUT : 0));
	}
}

static void
step(struct xcv_probe *pr, short revents)
{
	int err = 0, one = 1;
	socklen_t len = sizeof(err);

	/* Acknowledge at once what the server sent: over TLS 1.3 a server
	 * that sent session tickets may hold its next answer until our ACK,
	 * which delayed ACKs put off by some 40 ms. The kernel leaves quick
	 * ACK mode by itself, so this is set again after every read. */
	if ((revents & POLLIN) && pr->fd >= 0 && pr->state != ST_CONNECT)
		setsockopt(pr->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	switch (pr->state) {
	case ST_CONNECT:
		if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0)
			fail(pr, "cannot connect to %s: %s", pr->p.ep->addrtext,
				strerror(err));
		else
			connected(pr);
		break;
	case ST_HANDSHAKE:
		handshake(pr);
		break;
	case ST_CONFIRM:
	case ST_AUTH:
	case ST_HTTP:
		tls_io(pr);
		break;
	case ST_HEADER:
	case ST_FEATURES:
	case ST_PROCEED:
		plain_io(pr, revents);
		break;
	default:
		break;
	}
}

static bool
active(const struct xcv_probe *pr)
{
	return pr->state < ST_DONE;
}

bool
xcv_probe_held(const struct xcv_probe *pr)
{
	return pr->state == ST_HELD;
}

bool
xcv_probe_running(const struct xcv_probe *pr)
{
	return active(pr);
}

void
xcv_probe_go_on(struct xcv_probe *pr)
{
	if (pr->state != ST_HELD)
		return;
	pr->p.hold = false;
	pr->state = ST_FEATURES;
	advance(pr);
}

void
xcv_probe_cancel(struct xcv_probe *pr)
{
	static const char end[] = "</stream:stream>";

	if (pr->state == ST_DONE || pr->state == ST_FAILED ||
	    pr->state == ST_CANCELLED)
		return;
	/* A stream we opened in full is closed as a client would, so that
	 * the server logs an ordinary end, not a dropped connection. */
	if (pr->fd >= 0 && pr->outlen == 0 && (pr->state == ST_HELD ||
	    pr->state == ST_HEADER || pr->state == ST_FEATURES))
		(void)send(pr->fd, end, sizeof(end) - 1,
			MSG_NOSIGNAL | MSG_DONTWAIT);
	if (pr->fd >= 0) {
		close(pr->fd);
		pr->fd = -1;
	}
	pr->state = ST_CANCELLED;
}

bool
xcv_probe_cancelled(const struct xcv_probe *pr)
{
	return pr->state == ST_CANCELLED;
}

/* The loop takes a probe in: a new one connects; one that goes on after
 * its hold (xcv_probe_go_on() sent STARTTLS) is polled as it is; a
 * cancelled one is over at once. */
static void
begin(struct xcv_probe *pr)
{
	if (pr->started)
		return;
	pr->started = true;
	if (pr->state != ST_CANCELLED)
		start(pr);
}

struct xcv_loop {
	size_t parallel;
	struct job {
		struct xcv_probe *pr;
		xcv_probe_done done;
		void *ud;
	} *queued, *running;
	size_t n_queued, cap_queued, head, n_running;
	struct pollfd *pfd;
};

int
xcv_loop_new(struct xcv_loop **out, size_t parallel)
{
	struct xcv_loop *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL)
		return xcv_oom();
	l->parallel = parallel ? parallel : 1;
	l->running = calloc(l->parallel, sizeof(*l->running));
	l->pfd = calloc(l->parallel, sizeof(*l->pfd));
	if (l->running == NULL || l->pfd == NULL) {
		xcv_loop_free(l);
		return xcv_oom();
	}
	*out = l;
	return 0;
}

void
xcv_loop_free(struct xcv_loop *l)
{
	if (l == NULL)
		return;
	free(l->queued);
	free(l->running);
	free(l->pfd);
	free(l);
}

int
xcv_loop_add(struct xcv_loop *l, struct xcv_probe *pr, xcv_probe_done done,
	void *ud)
{
	if (l->n_queued == l->cap_queued) {
		size_t cap = l->cap_queued ? l->cap_queued * 2 : 16;
		struct job *v = realloc(l->queued, cap * sizeof(*v));
		if (v == NULL)
			return xcv_oom();
		l->queued = v;
		l->cap_queued = cap;
	}
	if (pr->state == ST_PROCEED && l->head == 0) {
		/* A probe that goes on after its hold has a connection open:
		 * it comes before the probes that have none yet. */
		memmove(l->queued + 1, l->queued, l->n_queued * sizeof(*l->queued));
		l->n_queued++;
		l->queued[0] = (struct job){ pr, done, ud };
	} else if (pr->state == ST_PROCEED) {
		l->queued[--l->head] = (struct job){ pr, done, ud };
	} else {
		l->queued[l->n_queued++] = (struct job){ pr, done, ud };
	}
	return 0;
}

size_t
xcv_loop_pending(const struct xcv_loop *l)
{
	return l->n_queued - l->head + l->n_running;
}

/* Finished jobs leave the running set; their callbacks may queue more. */
static int
reap(struct xcv_loop *l)
{
	for (size_t i = 0; i < l->n_running;) {
		struct job j = l->running[i];
		if (active(j.pr)) {
			i++;
			continue;
		}
		l->running[i] = l->running[--l->n_running];
		if (j.done && j.done(j.ud, j.pr) < 0)
			return XCV_ENOMEM;
	}
	return 0;
}

int
xcv_loop_run(struct xcv_loop *l)
{
	int rc = 0;

	for (;;) {
		int64_t now, next = INT64_MAX;
		int r;

		/* Start what fits; a start may finish at once (a refusal). */
		while (l->n_running < l->parallel && l->head < l->n_queued) {
			l->running[l->n_running++] = l->queued[l->head++];
			begin(l->running[l->n_running - 1].pr);
		}
		if (l->head == l->n_queued)
			l->head = l->n_queued = 0;
		if ((rc = reap(l)) < 0)
			return rc;
		if (l->n_running == 0 && l->head == l->n_queued)
			return 0;
		if (l->n_running < l->parallel && l->head < l->n_queued)
			continue;
		now = xcv_now_ms();
		for (size_t i = 0; i < l->n_running; i++) {
			struct xcv_probe *pr = l->running[i].pr;
			if (now >= pr->deadline) {
				pr->timed_out = true;
				if (pr->p.deadline > 0 && now >= pr->p.deadline)
					fail(pr, "the time allowed for the whole run "
						"ran out waiting for %s",
						waiting_for(pr->state));
				else
					fail(pr, "timed out after %d s waiting for %s",
						pr->p.timeout_ms / 1000,
						waiting_for(pr->state));
			}
			l->pfd[i].fd = active(pr) ? pr->fd : -1;
			l->pfd[i].events = active(pr) ? events(pr) : 0;
			l->pfd[i].revents = 0;
			if (active(pr) && pr->deadline < next)
				next = pr->deadline;
		}
		if (next != INT64_MAX) {
			r = poll(l->pfd, (nfds_t)l->n_running, (int)(next - now));
			if (r < 0 && errno != EINTR)
				return xcv_set_error(XCV_ERROR, "poll: %s",
					strerror(errno));
			for (size_t i = 0; r > 0 && i < l->n_running; i++)
				if (l->pfd[i].fd >= 0 && l->pfd[i].revents &&
				    active(l->running[i].pr))
					step(l->running[i].pr, l->pfd[i].revents);
		}
	}
}

int
xcv_probes_run(struct xcv_probe **v, size_t n)
{
	struct xcv_loop *l = NULL;
	int rc = xcv_loop_new(&l, n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = xcv_loop_add(l, v[i], NULL, NULL);
	if (rc == 0)
		rc = xcv_loop_run(l);
	xcv_loop_free(l);
	return rc;
}

const struct xcv_stream_state *
xcv_probe_stream(const struct xcv_probe *pr)
{
	return xcv_stream_state(pr->stream);
}

bool
xcv_probe_failed(const struct xcv_probe *pr)
{
	return pr->state == ST_FAILED;
}

enum xcv_phase
xcv_probe_fail_phase(const struct xcv_probe *pr)
{
	return pr->fail_phase;
}

const char *
xcv_probe_fail_message(const struct xcv_probe *pr)
{
	return pr->fail_message ? pr->fail_message : "out of memory";
}

bool
xcv_probe_timed_out(const struct xcv_probe *pr)
{
	return pr->timed_out;
}

struct xcv_chain *
xcv_probe_take_chain(struct xcv_probe *pr)
{
	struct xcv_chain *c = pr->chain;

	pr->chain = NULL;
	return c;
}

bool
xcv_probe_tls_done(const struct xcv_probe *pr)
{
	return pr->tls_done;
}

const char *
xcv_probe_tls_version(const struct xcv_probe *pr)
{
	return pr->version;
}

const char *
xcv_probe_tls_cipher(const struct xcv_probe *pr)
{
	return pr->cipher;
}

const char *
xcv_probe_tls_alpn(const struct xcv_probe *pr)
{
	return pr->alpn[0] ? pr->alpn : NULL;
}

const char *
xcv_probe_http_status(const struct xcv_probe *pr)
{
	return pr->http[0] ? pr->http : NULL;
}

const char *
xcv_probe_sni(const struct xcv_probe *pr)
{
	return pr->sni;
}

int
xcv_probe_tls_alert(const struct xcv_probe *pr)
{
	return pr->alert;
}

bool
xcv_probe_refused_offer(const struct xcv_probe *pr)
{
	static const char *const answers[] = { "closed", "reset",
		"unsupported protocol", "wrong version number",
		"no shared cipher", "handshake failure" };

	if (!xcv_probe_failed(pr) || xcv_probe_fail_phase(pr) != XCV_PHASE_TLS ||
	    pr->timed_out)
		return false;
	if (pr->alert > 0)
		return true;
	for (size_t i = 0; i < sizeof(answers) / sizeof(*answers); i++)
		if (strstr(xcv_probe_fail_message(pr), answers[i]) != NULL)
			return true;
	return false;
}

const char *
xcv_probe_tls_kx(const struct xcv_probe *pr, int *bits)
{
	*bits = pr->kx_bits;
	return pr->kx[0] ? pr->kx : NULL;
}

const char *
xcv_probe_tls_cipher_worth(const struct xcv_probe *pr, int *bits, bool *fs)
{
	*bits = pr->cipher_bits;
	*fs = pr->cipher_fs;
	return pr->cipher_weak;
}

bool
xcv_probe_cert_requested(const struct xcv_probe *pr)
{
	return pr->cert_requested;
}

const char *
xcv_probe_tls_group(const struct xcv_probe *pr)
{
	return pr->group[0] ? pr->group : NULL;
}

unsigned char *
xcv_probe_take_staple(struct xcv_probe *pr, size_t *len)
{
	unsigned char *der = pr->staple;

	*len = pr->staple_len;
	pr->staple = NULL;
	pr->staple_len = 0;
	return der;
}
