/* DANE for XMPP: SRV and TLSA through libunbound, matched by OpenSSL
 * (dane.h). */
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

#include "chain_internal.h"
#include "dane.h"
#include "identity.h"

#define RR_SRV 33
#define RR_TLSA 52
#define RR_CLASS_IN 1
#define RCODE_NXDOMAIN 3
#define MAX_NAME 1025            /* a domain name as text, escaped */

/* One lookup through libunbound's worker thread. */
struct query {
	const char *name;
	int id;                  /* ub_resolve_async's */
	bool started, done, timed_out;
	int err;                 /* libunbound's error code, 0 */
	struct ub_result *res;
};

/* An SRV record (RFC 2782). */
struct srv {
	int priority, weight, port;
	char target[MAX_NAME];
};

const char *
xcv_dane_state_name(enum xcv_dane_state s)
{
	switch (s) {
	case XCV_DANE_SECURE:
		return "secure";
	case XCV_DANE_BOGUS:
		return "bogus";
	case XCV_DANE_INDETERMINATE:
		return "indeterminate";
	default:
		return "insecure";
	}
}

void
xcv_dane_clear(struct xcv_dane *d)
{
	if (d == NULL)
		return;
	free(d->why);
	free(d->tlsa_name);
	free(d->matched);
	xcv_strv_clear(&d->records);
	xcv_strv_clear(&d->notes);
	memset(d, 0, sizeof(*d));
	d->matched_depth = -1;
}

static void
answered(void *arg, int err, struct ub_result *res)
{
	struct query *q = arg;

	q->done = true;
	q->err = err;
	q->res = res;
}

static void
start(struct ub_ctx *ctx, struct query *q, const char *name, int type)
{
	q->name = name;
	q->started = true;
	q->err = ub_resolve_async(ctx, name, type, RR_CLASS_IN, q, answered,
		&q->id);
	if (q->err != 0)
		q->done = true;
}

/* Drive libunbound until every started query is answered or the deadline
 * passes; those left are cancelled and marked timed out. */
static void
wait_all(struct ub_ctx *ctx, struct query *const *qs, size_t n,
	int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = ub_fd(ctx), .events = POLLIN };
		bool pending = false;
		int64_t left;
		int r;

		for (size_t i = 0; i < n; i++)
			pending = pending || (qs[i]->started && !qs[i]->done);
		if (!pending)
			return;
		if ((left = deadline - xcv_now_ms()) <= 0)
			break;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && ub_process(ctx) != 0)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		if (qs[i]->started && !qs[i]->done) {
			ub_cancel(ctx, qs[i]->id);
			qs[i]->done = qs[i]->timed_out = true;
		}
	}
}

/* The DNSSEC status of one answer (RFC 4035 §4.3). */
static enum xcv_dane_state
query_state(const struct query *q)
{
	if (q->timed_out || q->err != 0 || q->res == NULL)
		return XCV_DANE_INDETERMINATE;
	if (q->res->bogus)
		return XCV_DANE_BOGUS;
	if (q->res->rcode != 0 && q->res->rcode != RCODE_NXDOMAIN)
		return XCV_DANE_INDETERMINATE;
	return q->res->secure ? XCV_DANE_SECURE : XCV_DANE_INSECURE;
}

static const char *
rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED" };
	return rcode >= 0 && rcode < 6 ? names[rcode] : "an error";
}

/* Why a lookup has no usable status, or failed validation; NULL when out
 * of memory. */
static char *
query_trouble(const struct query *q, int timeout_ms)
{
	if (q->timed_out)
		return xcv_asprintf("no answer within %d ms", timeout_ms);
	if (q->err != 0 || q->res == NULL)
		return xcv_asprintf("the lookup failed: %s", ub_strerror(q->err));
	if (q->res->bogus)
		return xcv_asprintf("DNSSEC validation failed: %s",
			q->res->why_bogus ? q->res->why_bogus : "no reason given");
	return xcv_asprintf("the resolver answered %s", rcode_name(
		q->res->rcode));
}

/* A domain name in wire form (RFC 1035 §3.1, uncompressed as RDATA of SRV
 * must be: RFC 2782) as text, lower-case, without the final dot (the root
 * is "."), bytes other than letters, digits, '-' and '_' as \DDD. Returns
 * the bytes read, or 0 when it is malformed. */
static size_t
wire_name(const unsigned char *p, size_t n, char out[MAX_NAME])
{
	size_t at = 0, o = 0;

	for (;;) {
		unsigned len;
		if (at >= n || (len = p[at]) > 63 || at + 1 + len > n)
			return 0;
		at++;
		if (len == 0)
			break;
		if (o > 0)
			out[o++] = '.';
		for (unsigned k = 0; k < len; k++) {
			unsigned char c = p[at + k];
			if (o + 5 >= MAX_NAME)
				return 0;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_')
				out[o++] = (char)c;
			else if (c >= 'A' && c <= 'Z')
				out[o++] = (char)(c - 'A' + 'a');
			else
				o += (size_t)snprintf(out + o, 5, "\\%03u", c);
		}
		at += len;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return at;
}

/* The SRV records of an answer; the malformed are left out. */
static size_t
srv_records(const struct ub_result *res, struct srv *v, size_t cap)
{
	size_t n = 0;

	for (int i = 0; res->havedata && res->data[i] && n < cap; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		size_t len = (size_t)res->len[i];
		if (len < 7 || wire_name(d + 6, len - 6, v[n].target) != len - 6)
			continue;
		v[n].priority = d[0] << 8 | d[1];
		v[n].weight = d[2] << 8 | d[3];
		v[n].port = d[4] << 8 | d[5];
		n++;
	}
	return n;
}

/* "ADDRESS", "ADDRESS:PORT", "[V6]:PORT" or a bare IPv6 address as
 * libunbound's "ADDRESS@PORT"; NULL when it does not parse. */
static char *
forwarder(const char *s)
{
	const char *addr = s, *port = NULL, *colon = strchr(s, ':');
	size_t alen = strlen(s);
	char *end;
	long pn;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return NULL;
		addr = s + 1;
		alen = (size_t)(close - addr);
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		alen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (alen == 0 || strpbrk(s, "@ ") != NULL)
		return NULL;
	if (port == NULL)
		return xcv_asprintf("%.*s", (int)alen, addr);
	errno = 0;
	pn = strtol(port, &end, 10);
	if (*port < '0' || *port > '9' || *end != '\0' || errno != 0 ||
	    pn < 1 || pn > 65535)
		return NULL;
	return xcv_asprintf("%.*s@%ld", (int)alen, addr, pn);
}

/* A libunbound context that validates with the anchor and asks the
 * resolver (or those of /etc/resolv.conf), answering on a thread of its
 * own. */
static int
open_ctx(struct ub_ctx **out, const struct xcv_dane_params *p,
	struct xcv_strv *notes)
{
	const char *anchor = p->anchor_file ? p->anchor_file : XCV_DANE_ROOT_KEY;
	struct ub_ctx *ctx;
	char *fwd = NULL;
	FILE *f;
	int rc = 0, e;

	*out = NULL;
	/* libunbound reads the anchor on the first lookup, and then says
	 * only that it could not start: name the file now. */
	if ((f = fopen(anchor, "r")) == NULL)
		return xcv_set_error(XCV_EINPUT, "DNSSEC trust anchor %s: %s",
			anchor, strerror(errno));
	fclose(f);
	if ((ctx = ub_ctx_create()) == NULL)
		return xcv_oom();
	/* The library never prints: libunbound would log to stderr. */
	ub_ctx_debugout(ctx, NULL);
	if ((e = ub_ctx_async(ctx, 1)) != 0 ||
	    (e = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0 ||
	    (e = ub_ctx_add_ta_file(ctx, anchor)) != 0) {
		rc = xcv_set_error(XCV_ERROR, "libunbound: %s", ub_strerror(e));
		goto out;
	}
	if (p->resolver != NULL) {
		if ((fwd = forwarder(p->resolver)) == NULL ||
		    ub_ctx_set_fwd(ctx, fwd) != 0) {
			rc = xcv_set_error(XCV_EINPUT, "DNS server '%s': want "
				"ADDRESS, ADDRESS:PORT or [IPV6]:PORT",
				p->resolver);
			goto out;
		}
	} else if ((e = ub_ctx_resolvconf(ctx, NULL)) != 0) {
		rc = xcv_strv_pushf(notes, "the resolvers of /etc/resolv.conf "
			"could not be read (%s): resolving from the root servers",
			ub_strerror(e));
	}
out:
	free(fwd);
	if (rc < 0)
		ub_ctx_delete(ctx);
	else
		*out = ctx;
	return rc;
}

static int
set_why(struct xcv_dane *d, char *why)
{
	free(d->why);
	d->why = why;
	return why ? 0 : xcv_oom();
}

/* The TLSA records of an answer, as text, into d->records. */
static int
tlsa_records(struct xcv_dane *d, const struct ub_result *res)
{
	for (int i = 0; res->havedata && res->data[i] &&
	    d->records.n < XCV_DANE_MAX_RECORDS; i++) {
		const unsigned char *r = (const unsigned char *)res->data[i];
		size_t len = (size_t)res->len[i];
		char *hex;
		if (len < 3) {
			xcv_strv_pushf(&d->notes, "a TLSA record of %zu bytes, "
				"too short to read", len);
			continue;
		}
		if ((hex = malloc(2 * (len - 3) + 1)) == NULL)
			return xcv_oom();
		xcv_hex(hex, r + 3, (unsigned)(len - 3));
		xcv_strv_pushf(&d->records, "%u %u %u %s", r[0], r[1], r[2], hex);
		free(hex);
	}
	return xcv_strv_ok(&d->records) < 0 ? XCV_ENOMEM :
		xcv_strv_ok(&d->notes);
}

/* The name check of RFC 7673 §4.1 for usages 0-2: the certificate names
 * the service domain (by the XMPP rules) or the SRV target (a DNS-ID). */
static int
check_names(struct xcv_dane *d, const struct xcv_dane_params *p, X509 *leaf,
	const char *target, bool *named)
{
	struct xcv_identity id = { 0 };
	int rc;

	*named = false;
	rc = xcv_identity_check(&id, leaf, p->domain, p->service, p->policy);
	if (rc == XCV_ENOMEM)
		goto out;
	*named = rc == 0 && id.matched;
	xcv_identity_clear(&id);
	if (!*named && target != NULL) {
		rc = xcv_identity_check(&id, leaf, target, XCV_SERVICE_HTTPS,
			p->policy);
		if (rc == XCV_ENOMEM)
			goto out;
		*named = rc == 0 && id.matched;
		xcv_identity_clear(&id);
	}
	rc = xcv_strv_pushf(&d->notes, "the certificate names %s %s %s %s "
		"(RFC 7673 §4.1: the name check of a DANE-TA or PKIX record)",
		*named ? "the domain" : "neither the domain", p->domain,
		*named ? "or the SRV target" : "nor the SRV target", target);
out:
	xcv_identity_clear(&id);
	return rc;
}

static const char *const usage_names[] = {
	"PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE",
};

/* Match the chain against d->records with OpenSSL's DANE verification
 * (RFC 7671), then check names unless DANE-EE matched. */
static int
match(struct xcv_dane *d, const struct xcv_dane_params *p, const char *target)
{
	STACK_OF(X509) *chain = p->chain;
	X509 *leaf = sk_X509_value(chain, 0);
	X509_STORE *empty = NULL, *store = p->store;
	X509_STORE_CTX *sc = NULL;
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
	size_t usable = 0;
	int rc = 0, depth, err;
	uint8_t u, s, m;
	const unsigned char *data;
	size_t dlen;
	bool named;

	if ((sctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_dane_enable(sctx) <= 0 || (ssl = SSL_new(sctx)) == NULL ||
	    SSL_dane_enable(ssl, target) <= 0 ||
	    (store == NULL && (store = empty = X509_STORE_new()) == NULL) ||
	    (sc = X509_STORE_CTX_new()) == NULL) {
		rc = xcv_ossl_oom(NULL) ? xcv_oom() : xcv_set_error(XCV_ERROR,
			"OpenSSL could not set up DANE matching");
		goto out;
	}
	for (size_t i = 0; i < d->records.n; i++) {
		const char *text = d->records.v[i];
		unsigned cu, cs, cm;
		int off = 0, r;
		size_t hexlen;
		unsigned char *bin = NULL;
		if (sscanf(text, "%u %u %u %n", &cu, &cs, &cm, &off) != 3)
			continue;
		hexlen = strlen(text + off);
		if ((bin = malloc(hexlen / 2 + 1)) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		for (size_t k = 0; k < hexlen / 2; k++)
			sscanf(text + off + 2 * k, "%2hhx", &bin[k]);
		r = SSL_dane_tlsa_add(ssl, (uint8_t)cu, (uint8_t)cs, (uint8_t)cm,
			bin, hexlen / 2);
		free(bin);
		if (r > 0) {
			usable++;
			continue;
		}
		if (xcv_ossl_oom(NULL)) {
			rc = xcv_oom();
			goto out;
		}
		/* RFC 7671 §4.1: unknown parameters, or data of the wrong
		 * length or form, make a record unusable, not an error. */
		xcv_strv_pushf(&d->notes, "TLSA record %s is not usable: %s",
			text, r == 0 ? "a usage, selector or matching type "
			"unknown to OpenSSL" : "its data does not fit its "
			"selector and matching type");
	}
	if ((rc = xcv_strv_ok(&d->notes)) < 0)
		goto out;
	if (usable == 0) {
		rc = set_why(d, xcv_asprintf("none of the %zu TLSA records at %s "
			"is usable (RFC 7671 §4.1): DANE does not apply",
			d->records.n, d->tlsa_name));
		goto out;
	}
	d->usable = true;
	if (!X509_STORE_CTX_init(sc, store, leaf, chain) ||
	    !X509_STORE_CTX_set_default(sc, "ssl_server")) {
		rc = xcv_ossl_oom(NULL) ? xcv_oom() : xcv_set_error(XCV_ERROR,
			"OpenSSL could not set up DANE matching");
		goto out;
	}
	X509_STORE_CTX_set_time(sc, 0, (time_t)p->at);
	X509_STORE_CTX_set0_dane(sc, SSL_get0_dane(ssl));
	if (X509_verify_cert(sc) != 1) {
		err = X509_STORE_CTX_get_error(sc);
		ERR_clear_error();
		if (err == X509_V_ERR_DANE_NO_MATCH)
			rc = set_why(d, xcv_asprintf("none of the %zu usable TLSA "
				"records at %s matches the server's chain",
				usable, d->tlsa_name));
		else
			rc = set_why(d, xcv_asprintf("the chain does not verify "
				"with the TLSA records at %s: %s (at depth %d)",
				d->tlsa_name, X509_verify_cert_error_string(err),
				X509_STORE_CTX_get_error_depth(sc)));
		goto out;
	}
	depth = SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &dlen);
	if (depth < 0 || u > 3) {
		rc = set_why(d, xcv_asprintf("OpenSSL verified the chain but named "
			"no matching TLSA record"));
		goto out;
	}
	{
		char *hex = malloc(2 * dlen + 1);
		if (hex == NULL) {
			rc = xcv_oom();
			goto out;
		}
		xcv_hex(hex, data, (unsigned)dlen);
		d->matched = xcv_asprintf("%u %u %u %s", u, s, m, hex);
		free(hex);
		if (d->matched == NULL) {
			rc = xcv_oom();
			goto out;
		}
	}
	d->matched_depth = depth;
	if (u == XCV_TLSA_DANE_EE) {
		/* RFC 7671 §5.1: a DANE-EE match authenticates the key; the
		 * certificate's names and dates are not checked. */
		d->ok = true;
		rc = set_why(d, xcv_asprintf("TLSA record %.*s... (DANE-EE) at %s "
			"matches the server's certificate; its names and dates "
			"are not checked (RFC 7671 §5.1)", 16, d->matched,
			d->tlsa_name));
		goto out;
	}
	d->name_checked = true;
	if ((rc = check_names(d, p, leaf, target, &named)) < 0)
		goto out;
	d->ok = named;
	rc = set_why(d, named ? xcv_asprintf("TLSA record %.*s... (%s) at %s "
		"matches the chain at depth %d, and the certificate names the "
		"domain or the SRV target", 16, d->matched, usage_names[u],
		d->tlsa_name, depth) : xcv_asprintf("TLSA record %.*s... (%s) at "
		"%s matches the chain, but the certificate names neither %s nor "
		"%s (RFC 7673 §4.1)", 16, d->matched, usage_names[u],
		d->tlsa_name, p->domain, target));
out:
	X509_STORE_CTX_free(sc);
	X509_STORE_free(empty);
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	return rc;
}

/* The SRV target and port to use: the caller's, else the SRV answer's
 * first by priority, then weight (RFC 2782), else the domain itself. */
static void
choose_target(const struct xcv_dane_params *p, const struct srv *v, size_t n,
	const char **host, int *port)
{
	const struct srv *best = NULL;
	int fallback = p->service == XCV_SERVICE_S2S ? 5269 : 5222;

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].target, ".") != 0 && (best == NULL ||
		    v[i].priority < best->priority ||
		    (v[i].priority == best->priority &&
		    v[i].weight > best->weight)))
			best = &v[i];
	*host = p->host ? p->host : best ? best->target : p->domain;
	*port = p->port > 0 ? p->port : p->host == NULL && best ? best->port :
		fallback;
	if (p->host != NULL && p->port <= 0) {
		for (size_t i = 0; i < n; i++)
			if (xcv_same_domain(v[i].target, p->host)) {
				*port = v[i].port;
				break;
			}
	}
}

/* Is host:port a target of the SRV answer (or, without SRV records, the
 * domain at its default port: RFC 6120 §3.2.2)? */
static bool
srv_names(const struct xcv_dane_params *p, const struct srv *v, size_t n,
	const char *host, int port)
{
	if (n == 0)
		return xcv_same_domain(host, p->domain);
	for (size_t i = 0; i < n; i++)
		if (xcv_same_domain(v[i].target, host) && v[i].port == port)
			return true;
	return false;
}

int
xcv_dane_check(struct xcv_dane *out, const struct xcv_dane_params *p)
{
	struct query srvq = { 0 }, tlsaq = { 0 };
	struct query *both[2] = { &srvq, &tlsaq };
	struct ub_ctx *ctx = NULL;
	struct srv srvs[32];
	size_t n_srv = 0;
	enum xcv_dane_state srv_state, tlsa_state;
	int timeout = p->timeout_ms > 0 ? p->timeout_ms : XCV_DANE_TIMEOUT_MS;
	int64_t deadline = xcv_now_ms() + timeout;
	char *srv_name = NULL, *why = NULL;   /* out->why, but from match() */
	const char *host;
	int port, rc;

	memset(out, 0, sizeof(*out));
	out->matched_depth = -1;
	if (p->domain == NULL || p->chain == NULL || sk_X509_num(p->chain) < 1)
		return xcv_set_error(XCV_EINPUT, "DANE: no domain or no chain");
	if ((rc = open_ctx(&ctx, p, &out->notes)) < 0)
		goto out;
	srv_name = xcv_asprintf("_xmpp-%s._tcp.%s", p->service ==
		XCV_SERVICE_S2S ? "server" : "client", p->domain);
	if (srv_name == NULL) {
		rc = xcv_oom();
		goto out;
	}
	start(ctx, &srvq, srv_name, RR_SRV);
	if (srvq.err == UB_INITFAIL) {
		rc = xcv_set_error(XCV_EINPUT, "DNSSEC trust anchor %s: "
			"libunbound cannot use it (%s)", p->anchor_file ?
			p->anchor_file : XCV_DANE_ROOT_KEY, ub_strerror(srvq.err));
		goto out;
	}
	/* With the target and port known, both lookups at once. */
	if (p->host != NULL && p->port > 0) {
		choose_target(p, NULL, 0, &host, &port);
		if ((out->tlsa_name = xcv_asprintf("_%d._tcp.%s", port,
		    host)) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		start(ctx, &tlsaq, out->tlsa_name, RR_TLSA);
	}
	wait_all(ctx, both, 2, deadline);
	srv_state = query_state(&srvq);
	if (srvq.res != NULL && srv_state != XCV_DANE_INDETERMINATE &&
	    srv_state != XCV_DANE_BOGUS)
		n_srv = srv_records(srvq.res, srvs, sizeof(srvs) / sizeof(srvs[0]));
	choose_target(p, srvs, n_srv, &host, &port);
	if (!tlsaq.started && srv_state != XCV_DANE_INDETERMINATE &&
	    srv_state != XCV_DANE_BOGUS) {
		if ((out->tlsa_name = xcv_asprintf("_%d._tcp.%s", port,
		    host)) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		start(ctx, &tlsaq, out->tlsa_name, RR_TLSA);
		wait_all(ctx, both, 2, deadline);
	}
	if (tlsaq.res != NULL && (rc = tlsa_records(out, tlsaq.res)) < 0)
		goto out;
	tlsa_state = tlsaq.started ? query_state(&tlsaq) :
		XCV_DANE_INDETERMINATE;

	/* RFC 7673 §3.1: a bogus or failed SRV lookup stops the connection;
	 * an insecure one leaves DANE out, whatever the TLSA answer is. */
	if (srv_state == XCV_DANE_BOGUS || srv_state == XCV_DANE_INDETERMINATE) {
		char *t = query_trouble(&srvq, timeout);
		out->state = srv_state;
		why = t ? xcv_asprintf("the SRV lookup of %s is %s: %s (RFC 7673 "
			"§3.1: do not connect)", srv_name, xcv_dane_state_name(
			srv_state), t) : NULL;
		free(t);
	} else if (srv_state == XCV_DANE_INSECURE) {
		out->state = XCV_DANE_INSECURE;
		why = xcv_asprintf("the SRV answer for %s is not signed "
			"(insecure), so %s TLSA record%s at %s count%s for "
			"nothing (RFC 7673 §3.1): DANE does not apply",
			srv_name, out->records.n ? "the" : "no",
			out->records.n == 1 ? "" : "s", out->tlsa_name,
			out->records.n == 1 ? "s" : "");
	} else if (!srv_names(p, srvs, n_srv, host, port)) {
		out->state = XCV_DANE_INSECURE;
		why = xcv_asprintf("%s port %d is not a target of the signed SRV "
			"answer for %s, so DNSSEC does not bind its TLSA records "
			"to %s (RFC 7673 §3): DANE does not apply", host, port,
			srv_name, p->domain);
	} else if (tlsa_state == XCV_DANE_BOGUS ||
	    tlsa_state == XCV_DANE_INDETERMINATE) {
		char *t = query_trouble(&tlsaq, timeout);
		out->state = tlsa_state;
		why = t ? xcv_asprintf("the TLSA lookup of %s is %s: %s (RFC 7673 "
			"§3.3: do not connect)", out->tlsa_name,
			xcv_dane_state_name(tlsa_state), t) : NULL;
		free(t);
	} else if (tlsa_state == XCV_DANE_INSECURE) {
		out->state = XCV_DANE_INSECURE;
		why = xcv_asprintf("the TLSA answer for %s is not signed "
			"(insecure): DANE does not apply", out->tlsa_name);
	} else if (out->records.n == 0) {
		out->state = XCV_DANE_SECURE;
		why = xcv_asprintf("no TLSA records at %s (a signed denial): "
			"DANE is not in use", out->tlsa_name);
	} else {
		/* match() says why. */
		out->state = XCV_DANE_SECURE;
		if ((rc = match(out, p, host)) < 0)
			goto out;
	}
	if (out->why == NULL && (rc = set_why(out, why)) < 0)
		goto out;
	rc = xcv_strv_ok(&out->notes);
out:
	if (srvq.res)
		ub_resolve_free(srvq.res);
	if (tlsaq.res)
		ub_resolve_free(tlsaq.res);
	if (ctx != NULL)
		ub_ctx_delete(ctx);
	free(srv_name);
	if (rc < 0)
		xcv_dane_clear(out);
	return rc;
}

/* The public record maker (xmppcv/dane.h). */
int
xcv_tlsa_record(struct xcv_tlsa_record *out, const struct xcv_chain *chain,
	int usage, int selector, int mtype)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	const unsigned char *data;
	unsigned mdlen = 0;
	char *hex = NULL;
	X509 *x = NULL;
	int n = chain ? sk_X509_num(chain->certs) : 0, len, rc = 0;
	size_t index = 0;
	struct tm tm;

	memset(out, 0, sizeof(*out));
	if (usage < 0 || usage > 3 || selector < 0 || selector > 1 ||
	    mtype < 0 || mtype > 2)
		return xcv_set_error(XCV_EINPUT, "TLSA %d %d %d: usage 0-3, "
			"selector 0-1 and matching type 0-2", usage, selector,
			mtype);
	if (n < 1)
		return xcv_set_error(XCV_EINPUT, "no certificate");
	if (usage == XCV_TLSA_PKIX_TA || usage == XCV_TLSA_DANE_TA) {
		/* The last CA certificate after the leaf. */
		for (int i = n - 1; i >= 1 && x == NULL; i--)
			if (X509_check_ca(sk_X509_value(chain->certs, i)) > 0) {
				x = sk_X509_value(chain->certs, i);
				index = (size_t)i;
			}
		if (x == NULL)
			return xcv_set_error(XCV_EINPUT, "usage %d (%s) names a "
				"CA certificate the server sends, and the file "
				"has none after the server's own: give the chain "
				"(leaf, then its issuing CA)", usage,
				usage_names[usage]);
	} else {
		x = sk_X509_value(chain->certs, 0);
	}
	len = selector == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(
		X509_get_X509_PUBKEY(x), &der);
	if (len <= 0) {
		rc = xcv_ossl_oom(NULL) ? xcv_oom() : xcv_set_error(XCV_EINPUT,
			"the certificate cannot be encoded");
		goto out;
	}
	data = der;
	if (mtype != 0) {
		if (!EVP_Digest(der, (size_t)len, md, &mdlen, mtype == 1 ?
		    EVP_sha256() : EVP_sha512(), NULL)) {
			rc = xcv_ossl_oom(NULL) ? xcv_oom() : xcv_set_error(
				XCV_ERROR, "OpenSSL could not hash the certificate");
			goto out;
		}
		data = md;
		len = (int)mdlen;
	}
	if ((hex = malloc(2 * (size_t)len + 1)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	xcv_hex(hex, data, (unsigned)len);
	out->data = xcv_asprintf("%d %d %d %s", usage, selector, mtype, hex);
	out->subject = xcv_name_text(X509_get_subject_name(x));
	out->index = index;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		out->not_after = (int64_t)timegm(&tm);
	if (out->data == NULL || out->subject == NULL)
		rc = xcv_oom();
out:
	OPENSSL_free(der);
	free(hex);
	if (rc < 0)
		xcv_tlsa_record_clear(out);
	return rc;
}

void
xcv_tlsa_record_clear(struct xcv_tlsa_record *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->subject);
	memset(r, 0, sizeof(*r));
}
