/* Bounded HTTP and HTTPS fetches (http.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain_internal.h"
#include "http.h"

/*
 * The connection under OpenSSL's HTTP client: a socket BIO that sends
 * with MSG_NOSIGNAL (a closed peer is EPIPE, never SIGPIPE in the calling
 * program) and waits for each byte no later than the fetch's deadline, in
 * milliseconds. OpenSSL's own timeouts count whole seconds, and its
 * socket BIO writes with write().
 */
struct conn {
	int fd;
	int64_t deadline;            /* xcv_now_ms() time */
	bool timed_out, eof;
	int err;                     /* errno of a failed read, write, poll */
};

static int
conn_wait(struct conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };

	for (;;) {
		int64_t left = c->deadline - xcv_now_ms();
		int n;
		if (left <= 0) {
			c->timed_out = true;
			return -1;
		}
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			c->err = errno;
			return -1;
		}
	}
}

static int
conn_send(BIO *b, const char *buf, size_t len, size_t *put)
{
	struct conn *c = BIO_get_data(b);
	ssize_t n;

	*put = 0;
	for (;;) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			*put = (size_t)n;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->err = errno;
			return 0;
		}
		if (conn_wait(c, POLLOUT) < 0)
			return 0;
	}
}

static int
conn_recv(struct conn *c, char *buf, size_t len, size_t *got)
{
	ssize_t n;

	*got = 0;
	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n > 0) {
			*got = (size_t)n;
			return 1;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->err = errno;
			return 0;
		}
		if (conn_wait(c, POLLIN) < 0)
			return 0;
	}
}

static int
conn_read(BIO *b, char *buf, size_t len, size_t *got)
{
	return conn_recv(BIO_get_data(b), buf, len, got);
}

/* One line, a byte at a time: nothing after it leaves the socket. */
static int
conn_gets(BIO *b, char *buf, int size)
{
	struct conn *c = BIO_get_data(b);
	size_t got;
	int n = 0;

	if (size <= 0)
		return 0;
	while (n < size - 1 && conn_recv(c, buf + n, 1, &got))
		if (buf[n++] == '\n')
			break;
	buf[n] = '\0';
	return n;
}

static long
conn_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct conn *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return c != NULL && c->eof;
	default:
		return 0;
	}
}

static BIO_METHOD *conn_method;

/* The method, made on first use (again after a failure); it lives as long
 * as the process, as OpenSSL's own do. */
static BIO_METHOD *
conn_method_get(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	BIO_METHOD *m;
	int type;

	pthread_mutex_lock(&lock);
	if (conn_method == NULL && (type = BIO_get_new_index()) != -1) {
		m = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK, "xmppcv http");
		if (m != NULL && (!BIO_meth_set_write_ex(m, conn_send) ||
		    !BIO_meth_set_read_ex(m, conn_read) ||
		    !BIO_meth_set_gets(m, conn_gets) ||
		    !BIO_meth_set_ctrl(m, conn_ctrl))) {
			BIO_meth_free(m);
			m = NULL;
		}
		conn_method = m;
	}
	m = conn_method;
	pthread_mutex_unlock(&lock);
	return m;
}

/* Connect c to host:port before c->deadline: 0 with c->fd, or 0 with
 * *why; XCV_ENOMEM. A pin counts for its host and port alone, as curl's
 * --resolve does. */
static int
conn_open(struct conn *c, const char *host, int port, char **why,
	const struct xcv_http_req *q)
{
	struct xcv_endpoints eps = { 0 };
	const char *hosts[1] = { host };
	int64_t left = c->deadline - xcv_now_ms();
	struct xcv_pin *pins = NULL;
	size_t n_pins = 0;
	int rc, last = 0;

	c->fd = -1;
	if (left <= 0) {
		*why = xcv_strdup("no time left to connect");
		return *why ? 0 : XCV_ENOMEM;
	}
	if (q->n_pins > 0 && (pins = calloc(q->n_pins, sizeof(*pins))) == NULL)
		return xcv_oom();
	for (size_t i = 0; i < q->n_pins; i++)
		if (q->pins[i].port == port &&
		    xcv_ascii_ncasecmp(q->pins[i].host, host, SIZE_MAX) == 0)
			pins[n_pins++] = q->pins[i];
	rc = xcv_resolve_hosts(&eps, hosts, 1, pins, n_pins, q->dns_server,
		left > INT_MAX ? INT_MAX : (int)left);
	if (rc == XCV_ENOMEM)
		goto out;
	if (rc < 0 || eps.n == 0) {
		*why = xcv_asprintf("cannot resolve %s: %s", host, rc < 0 ?
			xcv_error_last() : eps.records.n ?
			eps.records.v[eps.records.n - 1] : "no address");
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < eps.n && c->fd < 0 && !c->timed_out; i++) {
		struct sockaddr_storage ss = eps.v[i].addr;
		int e = 0;
		socklen_t elen = sizeof(e);
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		else if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port =
				htons((uint16_t)port);
		c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			last = errno;
			continue;
		}
		if (connect(c->fd, (struct sockaddr *)&ss, eps.v[i].addrlen) == 0)
			break;
		if (errno == EINPROGRESS && conn_wait(c, POLLOUT) == 0 &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == 0 &&
		    e == 0)
			break;
		last = e ? e : c->err ? c->err : errno;
		close(c->fd);
		c->fd = -1;
	}
	rc = 0;
	if (c->fd < 0)
		*why = c->timed_out ? xcv_asprintf("no connection to %s port %d "
			"within the time allowed", host, port) :
			xcv_asprintf("cannot connect to %s port %d: %s", host,
			port, strerror(last));
out:
	xcv_endpoints_clear(&eps);
	free(pins);
	/* xcv_asprintf() said so already. */
	if (rc == 0 && c->fd < 0 && *why == NULL)
		rc = XCV_ENOMEM;
	return rc;
}

/* HTTP errors that only say that another one happened. */
static bool
generic_http_error(int reason)
{
	return reason == HTTP_R_ERROR_RECEIVING ||
		reason == HTTP_R_ERROR_SENDING ||
		reason == HTTP_R_FAILED_READING_DATA;
}

/* OpenSSL's HTTP errors in words, where its own are terse. */
static const struct {
	int reason;
	const char *text;
} http_texts[] = {
	{ HTTP_R_RECEIVED_ERROR, "the server answered with an HTTP error" },
	{ HTTP_R_STATUS_CODE_UNSUPPORTED, "the server answered with an "
		"HTTP status that is not taken" },
	{ HTTP_R_MISSING_ASN1_ENCODING, "the answer is not DER (ASN.1)" },
	{ HTTP_R_ERROR_PARSING_ASN1_LENGTH, "the answer is not DER (ASN.1)" },
	{ HTTP_R_UNEXPECTED_CONTENT_TYPE, "the answer has another content "
		"type" },
	{ HTTP_R_MISSING_CONTENT_TYPE, "the answer has no content type" },
	{ HTTP_R_REDIRECTION_NOT_ENABLED, "the server redirects a POST, "
		"which is not followed" },
	{ HTTP_R_RESPONSE_LINE_TOO_LONG, "a header line of the answer is too "
		"long" },
};

/* Why an exchange failed, from the connection and OpenSSL's queue (which
 * this empties); *status: the HTTP error status the server answered
 * with, or 0. NULL when out of memory. */
static char *
http_why(const struct conn *c, const struct xcv_http_req *q, int *status)
{
	unsigned long e, pick = 0;
	const char *data, *what, *code;
	char *detail = NULL, *text;
	bool oom = false;
	int flags;

	*status = 0;
	while ((e = ERR_peek_error_data(&data, &flags)) != 0) {
		if (pick == 0 && ERR_GET_LIB(e) == ERR_LIB_HTTP &&
		    !generic_http_error(ERR_GET_REASON(e))) {
			pick = e;
			if ((flags & ERR_TXT_STRING) && data != NULL && *data &&
			    (detail = xcv_escape((const unsigned char *)data,
			    strlen(data))) == NULL)
				oom = true;
			/* OpenSSL says "code=404,reason=Not Found". */
			if (ERR_GET_REASON(e) == HTTP_R_RECEIVED_ERROR &&
			    (flags & ERR_TXT_STRING) && data != NULL &&
			    (code = strstr(data, "code=")) != NULL)
				*status = atoi(code + 5);
		}
		ERR_get_error();
	}
	if (oom)
		return NULL;
	if (c->timed_out)
		text = xcv_asprintf("no complete answer within %d ms",
			q->timeout_ms);
	else if (pick != 0 && (ERR_GET_REASON(pick) ==
	    HTTP_R_MAX_RESP_LEN_EXCEEDED || ERR_GET_REASON(pick) ==
	    HTTP_R_ASN1_LEN_EXCEEDS_MAX_RESP_LEN))
		text = xcv_asprintf("the answer is larger than the limit of "
			"%zu bytes%s%s%s", q->max, detail ? " (" : "",
			detail ? detail : "", detail ? ")" : "");
	else if (pick != 0) {
		what = ERR_reason_error_string(pick);
		for (size_t i = 0; i < sizeof(http_texts) /
		     sizeof(http_texts[0]); i++)
			if (http_texts[i].reason == ERR_GET_REASON(pick))
				what = http_texts[i].text;
		text = xcv_asprintf("%s%s%s%s", what ? what : "HTTP error",
			detail ? " (" : "", detail ? detail : "",
			detail ? ")" : "");
	} else if (c->eof || c->err == ECONNRESET || c->err == EPIPE)
		text = xcv_strdup("the server closed the connection before "
			"a complete answer");
	else if (c->err != 0)
		text = xcv_asprintf("%s", strerror(c->err));
	else
		text = xcv_strdup("the HTTP exchange failed");
	free(detail);
	return text;
}

/*
 * TLS over the connection bio (taken, also on failure): the server's
 * certificate verified by PKIX for host (SNI, and the name checks of
 * OpenSSL's X509_check_host) at q->tls->at. *out, the TLS BIO over it;
 * else *why. 0 or XCV_ENOMEM.
 */

/* SNI: OpenSSL's macro takes a char *. */
static int
set_sni(SSL *ssl, const char *host)
{
	char name[256];

	if (strlen(host) >= sizeof(name))
		return 0;
	memcpy(name, host, strlen(host) + 1);
	return (int)SSL_set_tlsext_host_name(ssl, name);
}

static int
tls_open(BIO **out, char **why, BIO *bio, const struct conn *c,
	const char *host, const struct xcv_http_req *q)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	BIO *top = NULL;
	X509_VERIFY_PARAM *vp;
	bool ip = xcv_addr_parse(&ss, &sslen, host, 0) == 0;
	unsigned long e;
	long vr;
	int rc = 0;

	*out = NULL;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL) {
		BIO_free(bio);
		rc = xcv_oom();
		goto out;
	}
	SSL_set_bio(ssl, bio, bio);
	if ((top = BIO_new(BIO_f_ssl())) == NULL) {
		SSL_free(ssl);
		rc = xcv_oom();
		goto out;
	}
	BIO_set_ssl(top, ssl, BIO_CLOSE);
	vp = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_time(vp, (time_t)q->tls->at);
	if (!SSL_set_min_proto_version(ssl, TLS1_2_VERSION) ||
	    !SSL_set1_verify_cert_store(ssl, q->tls->store) ||
	    (ip ? !X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
	    (!set_sni(ssl, host) ||
	    !SSL_set1_host(ssl, host)))) {
		rc = xcv_oom();
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	ERR_clear_error();
	if (SSL_connect(ssl) == 1) {
		*out = top;
		top = NULL;
		goto out;
	}
	vr = SSL_get_verify_result(ssl);
	e = ERR_peek_error();
	if (vr != X509_V_OK)
		*why = xcv_asprintf("the certificate of %s does not verify: %s",
			host, X509_verify_cert_error_string(vr));
	else if (c->timed_out)
		*why = xcv_asprintf("no TLS handshake with %s within %d ms",
			host, q->timeout_ms);
	else if (c->eof || c->err == ECONNRESET || c->err == EPIPE)
		*why = xcv_asprintf("%s closed the connection during the TLS "
			"handshake", host);
	else
		*why = xcv_asprintf("the TLS handshake with %s failed: %s", host,
			e != 0 && ERR_reason_error_string(e) ?
			ERR_reason_error_string(e) : c->err ? strerror(c->err) :
			"no reason given");
	if (*why == NULL)
		rc = XCV_ENOMEM;
out:
	ERR_clear_error();
	/* The TLS BIO holds a reference to the connection under it too. */
	BIO_free_all(top);
	SSL_CTX_free(ctx);
	return rc;
}

/* The body of a streamed answer from b to its end (the server closes an
 * HTTP/1.0 exchange), at most q->max bytes: into *data, else *why. A TLS
 * connection closed without close_notify ends it as well: a JSON text
 * cut short does not parse. 0 or XCV_ENOMEM. */
static int
read_body(unsigned char **data, size_t *len, char **why, BIO *b,
	const struct conn *c, const struct xcv_http_req *q)
{
	unsigned char *buf = NULL, *nbuf;
	size_t n = 0, cap = 0;
	int got;

	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > q->max + 1)
				cap = q->max + 1;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				return xcv_oom();
			}
			buf = nbuf;
		}
		got = BIO_read(b, buf + n, (int)(cap - n < INT_MAX ? cap - n :
			INT_MAX));
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n > q->max) {
			free(buf);
			*why = xcv_asprintf("the answer is larger than the limit "
				"of %zu bytes", q->max);
			return *why ? 0 : XCV_ENOMEM;
		}
	}
	ERR_clear_error();
	if (c->timed_out || (c->err != 0 && c->err != ECONNRESET)) {
		free(buf);
		*why = c->timed_out ? xcv_asprintf("no complete answer within "
			"%d ms", q->timeout_ms) : xcv_asprintf("%s",
			strerror(c->err));
		return *why ? 0 : XCV_ENOMEM;
	}
	*data = buf;
	*len = n;
	return 0;
}

/*
 * One request to url (parsed by OpenSSL), of the scheme q asks for.
 * Sets one of: a->data (the answer's body), *next (a redirect, absolute,
 * escaped for display as xcv_escape() does: the server chose it, and it
 * ends up in messages), a->why (with a->status for an HTTP error). 0 or
 * XCV_ENOMEM, as xcv_oom() said once.
 */
static int
http_once(struct xcv_http_answer *a, char **next, const char *url,
	const struct xcv_http_req *q, int64_t deadline)
{
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *target = NULL, *hosthdr = NULL, *redir = NULL;
	struct conn c = { .fd = -1, .deadline = deadline };
	STACK_OF(CONF_VALUE) *headers = NULL;
	OSSL_HTTP_REQ_CTX *rctx = NULL;
	BIO *bio = NULL, *top = NULL, *req = NULL, *resp = NULL;
	BIO_METHOD *m;
	int ssl = 0, portnum = 0, rc = 0;

	ERR_clear_error();
	if (!OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, &portnum,
	    &path, &query, NULL) || ssl != (q->tls != NULL)) {
		ERR_clear_error();
		a->why = xcv_asprintf("%s is not an %s URL xmppcv can fetch",
			url, q->tls ? "https://" : "http://");
		rc = a->why ? 0 : XCV_ENOMEM;
		goto out;
	}
	target = query ? xcv_asprintf("%s?%s", path, query) :
		xcv_strdup(path);
	/* OpenSSL's own Host header leaves out the port. */
	hosthdr = xcv_asprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
		portnum);
	if (target == NULL || hosthdr == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	if ((rc = conn_open(&c, host, portnum, &a->why, q)) < 0 ||
	    a->why != NULL)
		goto out;
	m = conn_method_get();
	bio = m ? BIO_new(m) : NULL;
	headers = sk_CONF_VALUE_new_null();
	if (q->body != NULL)
		req = BIO_new_mem_buf(q->body, (int)q->body_len);
	if (bio == NULL || headers == NULL || (q->body != NULL && req == NULL) ||
	    !X509V3_add_value("Host", hosthdr, &headers)) {
		rc = xcv_oom();
		goto out;
	}
	BIO_set_data(bio, &c);
	BIO_set_init(bio, 1);
	if (q->tls != NULL) {
		rc = tls_open(&top, &a->why, bio, &c, host, q);
		bio = NULL;
		if (rc < 0 || a->why != NULL)
			goto out;
	} else {
		top = bio;
		bio = NULL;
	}
	/* The connection is made, and TLS over it: top is both ways, no
	 * connect, no proxy; no timeout of OpenSSL's (the connection keeps
	 * the deadline). */
	rctx = OSSL_HTTP_open(host, port, NULL, NULL, 0, top, top, NULL, NULL,
		0, 0);
	if (rctx == NULL || !OSSL_HTTP_set1_request(rctx, target, headers,
	    q->content_type, req, q->expect_type, q->asn1, q->max, 0, 0)) {
		a->why = http_why(&c, q, &a->status);
		rc = a->why ? 0 : XCV_ENOMEM;
		goto out;
	}
	resp = OSSL_HTTP_exchange(rctx, &redir);
	if (resp != NULL && !q->asn1) {
		rc = read_body(&a->data, &a->len, &a->why, resp, &c, q);
	} else if (resp != NULL) {
		char *p;
		long n = BIO_get_mem_data(resp, &p);
		a->data = malloc(n > 0 ? (size_t)n : 1);
		if (a->data == NULL) {
			rc = xcv_oom();
			goto out;
		}
		memcpy(a->data, p, n > 0 ? (size_t)n : 0);
		a->len = n > 0 ? (size_t)n : 0;
	} else if (redir != NULL) {
		/* A path alone stays on this server. */
		char *to = redir[0] == '/' ? xcv_asprintf("%s://%s%s", q->tls ?
			"https" : "http", hosthdr, redir) : xcv_strdup(redir);
		*next = to ? xcv_escape((const unsigned char *)to,
			strlen(to)) : NULL;
		free(to);
		if (*next == NULL)
			rc = XCV_ENOMEM;
	} else {
		a->why = http_why(&c, q, &a->status);
		if (a->why == NULL)
			rc = XCV_ENOMEM;
	}
out:
	ERR_clear_error();
	OSSL_HTTP_close(rctx, resp != NULL);
	BIO_free(resp);
	OPENSSL_free(redir);
	BIO_free(req);
	BIO_free_all(top);
	BIO_free(bio);
	if (c.fd >= 0)
		close(c.fd);
	sk_CONF_VALUE_pop_free(headers, X509V3_conf_free);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	OPENSSL_free(query);
	free(target);
	free(hosthdr);
	return rc;
}

int
xcv_http_fetch(struct xcv_http_answer *out, const char *url,
	const struct xcv_http_req *q)
{
	int64_t deadline = xcv_now_ms() + q->timeout_ms;
	const char *scheme = q->tls ? "https://" : "http://";
	size_t slen = strlen(scheme);
	char *cur = xcv_strdup(url), *next = NULL;
	int rc = cur ? 0 : XCV_ENOMEM;

	memset(out, 0, sizeof(*out));
	if (q->deadline != 0 && q->deadline < deadline)
		deadline = q->deadline;
	for (int hops = 0; rc == 0; hops++) {
		if (xcv_ascii_ncasecmp(cur, scheme, slen) != 0) {
			out->why = hops == 0 ? xcv_asprintf("%s is not an %s "
				"URL", cur, scheme) : xcv_asprintf("redirected "
				"to %s, which is not %s", cur, scheme);
			break;
		}
		rc = http_once(out, &next, cur, q, deadline);
		if (rc < 0 || next == NULL)
			break;
		if (hops == q->max_redirects) {
			out->why = xcv_asprintf("more than %d redirect%s (the "
				"last to %s)", q->max_redirects,
				q->max_redirects == 1 ? "" : "s", next);
			break;
		}
		free(cur);
		cur = next;
		next = NULL;
	}
	if (rc == 0 && out->data != NULL) {
		out->url = cur;
		cur = NULL;
	}
	free(cur);
	free(next);
	/* Without an answer or a why, an xcv_asprintf() ran out (and said
	 * so). */
	if (rc == 0 && out->data == NULL && out->why == NULL)
		rc = XCV_ENOMEM;
	if (rc < 0)
		xcv_http_answer_clear(out);
	return rc;
}

void
xcv_http_answer_clear(struct xcv_http_answer *a)
{
	if (a == NULL)
		return;
	free(a->data);
	free(a->url);
	free(a->why);
	memset(a, 0, sizeof(*a));
}

/* The cache file of key, or its temporary stem ("." before it). */
static char *
cache_name(const char *dir, const char *key, const char *ext,
	const char *prefix)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL)) {
		ERR_clear_error();
		xcv_oom();
		return NULL;
	}
	xcv_hex(hex, md, n);
	return xcv_asprintf("%s/%s%s.%s", dir, prefix, hex, ext);
}

char *
xcv_cache_path(const char *dir, const char *key, const char *ext)
{
	return cache_name(dir, key, ext, "");
}

int
xcv_cache_write(const char *dir, const char *key, const char *ext,
	const void *data, size_t len, const char **step, int *err)
{
	char *path = NULL, *stem = NULL, *tmp = NULL;
	int fd, rc;

	if ((rc = xcv_make_parents(dir)) == XCV_ENOMEM)
		return rc;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*step = "mkdir";
		*err = errno;
		return XCV_ERROR;
	}
	path = cache_name(dir, key, ext, "");
	stem = cache_name(dir, key, ext, ".");
	tmp = stem ? xcv_asprintf("%s.XXXXXX", stem) : NULL;
	rc = path && tmp ? 0 : XCV_ENOMEM;
	if (rc == 0 && (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		*step = "create";
		*err = errno;
		rc = XCV_ERROR;
	} else if (rc == 0 && (xcv_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0)) {
		*step = "write";
		*err = errno;
		close(fd);
		unlink(tmp);
		rc = XCV_ERROR;
	} else if (rc == 0 && (close(fd) < 0 || rename(tmp, path) < 0)) {
		*step = "rename";
		*err = errno;
		unlink(tmp);
		rc = XCV_ERROR;
	}
	free(path);
	free(stem);
	free(tmp);
	return rc;
}
