/*
 * A tight parallel TLS client, to measure how many handshakes per second
 * the servers of a benchmark can complete on this machine: the limit a
 * scan of the same endpoints can reach at best.
 *
 * usage: handshakes FILE PARALLEL SECONDS [once]
 *
 * FILE has one endpoint a line: "MODE ADDRESS PORT NAME", MODE one of tls
 * (TLS at once), c2s or s2s (an XMPP stream to NAME, STARTTLS, then TLS).
 * NAME is also the SNI. PARALLEL connections are kept open at once, cycling
 * through the endpoints; each does one full handshake (no session
 * resumption, no certificate verification: only the servers' side is
 * measured) and is closed. After SECONDS, prints
 *   "handshakes N seconds S failures F"
 * counting the handshakes completed before the deadline. Exits 1 when no
 * handshake completed.
 *
 * With "once", each endpoint gets one handshake and the program ends when
 * all are done (or SECONDS have passed): the reference a scan of the same
 * endpoints is held against (scan-latency).
 *
 * The XMPP exchange is the least a server needs before STARTTLS: the stream
 * header, the features (up to their end tag), <starttls/>, <proceed/>.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { M_TLS, M_C2S, M_S2S };
enum state { S_IDLE, S_CONNECT, S_SEND, S_FEATURES, S_PROCEED, S_TLS };

struct endpoint {
	enum mode mode;
	struct sockaddr_in addr;
	char name[256];
};

struct conn {
	enum state state, after;   /* after: what follows a send */
	int fd;
	SSL *ssl;
	const struct endpoint *ep;
	char out[512];
	size_t out_len, out_off;
	char in[8192];
	size_t in_len;
	short want;
};

static SSL_CTX *ctx;
static struct endpoint *eps;
static size_t n_eps, next_ep;
static long done, failed;
static int once;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
load(const char *file)
{
	FILE *f = fopen(file, "r");
	char mode[8], addr[64], name[256];
	int port;

	if (f == NULL) {
		perror(file);
		exit(2);
	}
	while (fscanf(f, "%7s %63s %d %255s", mode, addr, &port, name) == 4) {
		struct endpoint *v = realloc(eps, (n_eps + 1) * sizeof(*v)), *e;
		if (v == NULL) {
			fprintf(stderr, "handshakes: out of memory\n");
			exit(2);
		}
		eps = v;
		e = &eps[n_eps++];
		memset(e, 0, sizeof(*e));
		e->mode = strcmp(mode, "c2s") == 0 ? M_C2S :
			strcmp(mode, "s2s") == 0 ? M_S2S : M_TLS;
		e->addr.sin_family = AF_INET;
		e->addr.sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, addr, &e->addr.sin_addr) != 1) {
			fprintf(stderr, "handshakes: bad address %s\n", addr);
			exit(2);
		}
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	fclose(f);
	if (n_eps == 0) {
		fprintf(stderr, "handshakes: no endpoint in %s\n", file);
		exit(2);
	}
}

static void
finish(struct conn *c, int ok)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->state = S_IDLE;
	if (ok)
		done++;
	else
		failed++;
	ERR_clear_error();
}

static void
start_tls(struct conn *c)
{
	char sni[256];   /* OpenSSL's macro takes a non-const name */

	snprintf(sni, sizeof(sni), "%s", c->ep->name);
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || !SSL_set_fd(c->ssl, c->fd) ||
	    !SSL_set_tlsext_host_name(c->ssl, sni)) {
		finish(c, 0);
		return;
	}
	SSL_set_connect_state(c->ssl);
	c->state = S_TLS;
	c->want = POLLOUT;
}

static void
queue(struct conn *c, const char *s, enum state after)
{
	c->out_len = strlen(s);
	memcpy(c->out, s, c->out_len);
	c->out_off = 0;
	c->in_len = 0;
	c->state = S_SEND;
	c->want = POLLOUT;
	c->after = after;
}

static void
begin(struct conn *c)
{
	const struct endpoint *e;

	if (once && next_ep >= n_eps)
		return;
	e = &eps[next_ep++ % n_eps];
	c->ep = e;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		finish(c, 0);
		return;
	}
	if (connect(c->fd, (const struct sockaddr *)&e->addr, sizeof(e->addr)) < 0 &&
	    errno != EINPROGRESS) {
		finish(c, 0);
		return;
	}
	c->state = S_CONNECT;
	c->want = POLLOUT;
}

static void
connected(struct conn *c)
{
	char hdr[512];
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		finish(c, 0);
		return;
	}
	if (c->ep->mode == M_TLS) {
		start_tls(c);
		return;
	}
	snprintf(hdr, sizeof(hdr), "<?xml version='1.0'?><stream:stream "
		"xmlns='%s' xmlns:stream='http://etherx.jabber.org/streams' "
		"%sto='%s' version='1.0'>", c->ep->mode == M_C2S ?
		"jabber:client" : "jabber:server", c->ep->mode == M_S2S ?
		"from='bench.invalid' " : "", c->ep->name);
	queue(c, hdr, S_FEATURES);
}

/* Reads what the server sends until `tag` arrives; then goes on. */
static void
await(struct conn *c, const char *tag)
{
	ssize_t r = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		finish(c, 0);
		return;
	}
	c->in_len += (size_t)r;
	c->in[c->in_len] = '\0';
	if (strstr(c->in, tag) == NULL) {
		if (c->in_len >= sizeof(c->in) - 1)
			finish(c, 0);
		return;
	}
	if (c->state == S_FEATURES)
		queue(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
			S_PROCEED);
	else
		start_tls(c);
}

static void
step(struct conn *c)
{
	ssize_t w;
	int r;

	switch (c->state) {
	case S_CONNECT:
		connected(c);
		break;
	case S_SEND:
		w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w <= 0) {
			finish(c, 0);
			break;
		}
		c->out_off += (size_t)w;
		if (c->out_off == c->out_len) {
			c->state = c->after;
			c->in_len = 0;
			c->want = POLLIN;
		}
		break;
	case S_FEATURES:
		await(c, "</stream:features>");
		break;
	case S_PROCEED:
		await(c, "<proceed");
		break;
	case S_TLS:
		r = SSL_do_handshake(c->ssl);
		if (r == 1) {
			finish(c, 1);
			break;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			c->want = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			c->want = POLLOUT;
			break;
		default:
			finish(c, 0);
		}
		break;
	case S_IDLE:
		break;
	}
}

int
main(int argc, char **argv)
{
	struct conn *conns;
	struct pollfd *pfd;
	double start, end, t;
	long parallel;

	once = argc == 5 && strcmp(argv[4], "once") == 0;
	if ((argc != 4 && !once) || (parallel = atol(argv[2])) <= 0 ||
	    atof(argv[3]) <= 0) {
		fprintf(stderr, "usage: handshakes FILE PARALLEL SECONDS [once]\n");
		return 2;
	}
	load(argv[1]);
	ctx = SSL_CTX_new(TLS_client_method());
	conns = calloc((size_t)parallel, sizeof(*conns));
	pfd = calloc((size_t)parallel, sizeof(*pfd));
	if (ctx == NULL || conns == NULL || pfd == NULL) {
		fprintf(stderr, "handshakes: cannot set up\n");
		return 2;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	for (long i = 0; i < parallel; i++)
		conns[i].fd = -1;
	start = now();
	end = start + atof(argv[3]);
	while ((t = now()) < end) {
		long busy = 0;
		for (long i = 0; i < parallel; i++) {
			if (conns[i].state == S_IDLE)
				begin(&conns[i]);
			/* A refused connect finishes at once; try the next. */
			pfd[i].fd = conns[i].state == S_IDLE ? -1 : conns[i].fd;
			pfd[i].events = conns[i].want;
			pfd[i].revents = 0;
			busy += conns[i].state != S_IDLE;
		}
		if (once && busy == 0 && next_ep >= n_eps)
			break;
		if (poll(pfd, (nfds_t)parallel, (int)((end - t) * 1000) + 1) < 0 &&
		    errno != EINTR) {
			perror("poll");
			return 2;
		}
		if (now() >= end)
			break;
		for (long i = 0; i < parallel; i++)
			if (pfd[i].revents && conns[i].state != S_IDLE)
				step(&conns[i]);
	}
	printf("handshakes %ld seconds %.3f failures %ld\n", done, now() - start,
		failed);
	for (long i = 0; i < parallel; i++)
		if (conns[i].state != S_IDLE) {
			SSL_free(conns[i].ssl);
			close(conns[i].fd);
		}
	SSL_CTX_free(ctx);
	free(conns);
	free(pfd);
	free(eps);
	return done > 0 ? 0 : 1;
}
