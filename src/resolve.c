/* Name resolution with c-ares: SRV (RFC 2782, RFC 6120 §3.2) and A/AAAA. */
#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct lookup {
	bool done;
	int status;
	struct ares_srv_reply *srv;
	struct ares_addrinfo *ai;
};

static void
srv_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct lookup *l = arg;

	(void)timeouts;
	l->done = true;
	l->status = status;
	if (status == ARES_SUCCESS)
		l->status = ares_parse_srv_reply(abuf, alen, &l->srv);
}

static void
ai_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup *l = arg;

	(void)timeouts;
	l->done = true;
	l->status = status;
	l->ai = res;
}

static bool
all_done(struct lookup *const *ls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ls[i]->done)
			return false;
	return true;
}

/* Drive c-ares until every lookup is answered or the deadline passes;
 * the unanswered ones are then marked timed out. */
static void
wait_all(ares_channel ch, struct lookup *const *ls, size_t n, int64_t deadline)
{
	while (!all_done(ls, n)) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval maxtv, tv, *tvp;
		int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM), k = 0, r;
		int64_t left = deadline - xcv_now_ms();

		if (left <= 0) {
			ares_cancel(ch);   /* calls back with ARES_ECANCELLED */
			for (size_t i = 0; i < n; i++) {
				if (!ls[i]->done || ls[i]->status == ARES_ECANCELLED) {
					ls[i]->done = true;
					ls[i]->status = ARES_ETIMEOUT;
				}
			}
			return;
		}
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			/* c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 by
			 * up to 31 bits; test the bits unsigned instead. */
			unsigned ubits = (unsigned)bits;
			short ev = 0;
			if (ubits & (1u << i))
				ev |= POLLIN;
			if (ubits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev) {
				pfd[k].fd = socks[i];
				pfd[k].events = ev;
				pfd[k].revents = 0;
				k++;
			}
		}
		maxtv.tv_sec = (time_t)(left / 1000);
		maxtv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		tvp = ares_timeout(ch, &maxtv, &tv);
		r = poll(pfd, (nfds_t)k, (int)(tvp->tv_sec * 1000 +
			tvp->tv_usec / 1000));
		if (r <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (int i = 0; i < k; i++) {
			if (pfd[i].revents == 0)
				continue;
			ares_process_fd(ch,
				pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
				pfd[i].fd : ARES_SOCKET_BAD,
				pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
		}
	}
}

static void
wait_for(ares_channel ch, struct lookup *l, int64_t deadline)
{
	wait_all(ch, &l, 1, deadline);
}

static int
push(struct xcv_endpoints *e, const char *host, int port,
	const struct sockaddr *sa, socklen_t len, const char *how)
{
	struct xcv_endpoint *v, *p;

	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].addrlen == len && memcmp(&e->v[i].addr, sa, len) == 0)
			return 0;   /* the same address twice is tried once */
	v = realloc(e->v, (e->n + 1) * sizeof(*v));
	if (v == NULL)
		return xcv_oom();
	e->v = v;
	p = &v[e->n];
	memset(p, 0, sizeof(*p));
	p->host = xcv_strdup(host);
	if (p->host == NULL)
		return xcv_oom();
	p->port = port;
	memcpy(&p->addr, sa, len);
	p->addrlen = len;
	p->how = how;
	xcv_addr_format(sa, p->addrtext, sizeof(p->addrtext));
	e->n++;
	return 0;
}

void
xcv_endpoints_clear(struct xcv_endpoints *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].host);
	free(e->v);
	xcv_strv_clear(&e->records);
	memset(e, 0, sizeof(*e));
}

static const struct xcv_pin *
find_pin(const struct xcv_resolve_params *p, const char *host, int port)
{
	for (size_t i = 0; i < p->n_pins; i++)
		if (strcmp(p->pins[i].host, host) == 0 &&
		    (port == 0 || p->pins[i].port == port))
			return &p->pins[i];
	return NULL;
}

/* A/AAAA for host:port, unless a pin answers. */
static int
lookup_host(struct xcv_endpoints *e, ares_channel ch,
	const struct xcv_resolve_params *p, const char *host, int port,
	const char *how, int64_t deadline)
{
	const struct xcv_pin *pin = find_pin(p, host, port);
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM };
	struct lookup l = {0};
	char service[8];
	size_t before = e->n;
	int rc = 0;

	if (pin != NULL)
		return push(e, host, pin->port, (const struct sockaddr *)&pin->addr,
			pin->addrlen, "pinned");
	snprintf(service, sizeof(service), "%d", port);
	ares_getaddrinfo(ch, host, service, &hints, ai_cb, &l);
	wait_for(ch, &l, deadline);
	if (l.status != ARES_SUCCESS || l.ai == NULL) {
		rc = xcv_strv_pushf(&e->records, "A/AAAA %s: %s", host,
			l.status == ARES_ETIMEOUT ? "timed out" :
			ares_strerror(l.status));
		goto out;
	}
	for (struct ares_addrinfo_node *n = l.ai->nodes; n && rc == 0; n = n->ai_next) {
		char text[INET6_ADDRSTRLEN + 8];
		xcv_addr_format(n->ai_addr, text, sizeof(text));
		rc = push(e, host, port, n->ai_addr, (socklen_t)n->ai_addrlen, how);
		if (rc == 0)
			rc = xcv_strv_pushf(&e->records, "A/AAAA %s: %s", host, text);
	}
	if (rc == 0 && e->n == before)
		rc = xcv_strv_pushf(&e->records, "A/AAAA %s: no address", host);
out:
	if (l.ai)
		ares_freeaddrinfo(l.ai);
	return rc;
}

struct srv { char *target; int prio, weight, port; };

static int
by_priority(const void *a, const void *b)
{
	const struct srv *x = a, *y = b;

	return x->prio - y->prio;
}

/* RFC 2782: among v[i..end) of one priority, the next one to try: a
 * random point on the running sum of the weights. */
static size_t
pick_weighted(const struct srv *v, size_t i, size_t end)
{
	unsigned total = 0, run = 0, pick;

	for (size_t j = i; j < end; j++)
		total += (unsigned)v[j].weight;
	pick = total ? arc4random_uniform(total + 1) : 0;
	for (size_t j = i; j < end; j++) {
		run += (unsigned)v[j].weight;
		if (run >= pick)
			return j;
	}
	return end - 1;
}

/* RFC 2782: by priority; within one, weighted random order. */
static void
srv_order(struct srv *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_priority);
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && v[end].prio == v[start].prio)
			end++;
		/* end > start: the last of a priority stays where it is. */
		for (size_t i = start; i < end - 1; i++) {
			size_t j = pick_weighted(v, i, end);
			struct srv t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
		start = end;
	}
}

/* c-ares' library state, set up once for the process: its reference
 * count is not safe to change from several threads (the exporter's
 * probes), and there is nothing to release on Linux. */
static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_status;
static bool ares_counted;    /* xcv_allocators() asked for it first */

static void
init_ares(void)
{
	ares_init_status = ares_counted ? ares_library_init_mem(
		ARES_LIB_INIT_ALL, xcv_counted_malloc, free,
		xcv_counted_realloc) : ares_library_init(ARES_LIB_INIT_ALL);
}

void
xcv_resolve_allocator(void)
{
	ares_counted = true;
	pthread_once(&ares_once, init_ares);
}

/* A c-ares channel for one run of lookups, asking dns_server (or the
 * system's servers). */
static int
open_channel(ares_channel *ch, const char *dns_server, int timeout_ms)
{
	struct ares_options opts = {0};

	*ch = NULL;
	pthread_once(&ares_once, init_ares);
	if (ares_init_status != ARES_SUCCESS)
		return xcv_set_error(XCV_ERROR, "cannot initialise c-ares");
	opts.timeout = timeout_ms < 2000 ? timeout_ms : 2000;
	opts.tries = 2;
	if (ares_init_options(ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) !=
	    ARES_SUCCESS) {
		*ch = NULL;
		return xcv_set_error(XCV_ECONNECT, "cannot set up DNS resolution "
			"(is /etc/resolv.conf readable?)");
	}
	if (dns_server != NULL &&
	    ares_set_servers_ports_csv(*ch, dns_server) != ARES_SUCCESS) {
		ares_destroy(*ch);
		*ch = NULL;
		return xcv_set_error(XCV_EINPUT, "DNS server '%s': expected "
			"ADDRESS or ADDRESS:PORT", dns_server);
	}
	return 0;
}

static void
close_channel(ares_channel ch)
{
	if (ch == NULL)
		return;
	ares_destroy(ch);
}

static int
default_port(const struct xcv_resolve_params *p)
{
	if (p->service == XCV_SERVICE_HTTPS)
		return 443;
	if (p->service == XCV_SERVICE_S2S)
		return p->direct_tls ? 5270 : 5269;
	return p->direct_tls ? 5223 : 5222;
}

/*
 * SRV records for the target (RFC 6120 §3.2.1), in RFC 2782 order, with
 * the A/AAAA of each; with none, the target's own A/AAAA on the default
 * port (§3.2.2).
 */
static int
by_srv(struct xcv_endpoints *out, ares_channel ch,
	const struct xcv_resolve_params *p, int port, int64_t deadline)
{
	const struct xcv_target *t = p->target;
	struct lookup l = {0};
	struct srv *srv = NULL;
	size_t nsrv = 0, i = 0;
	char name[300];
	const char *svc;
	int rc = 0;

	if (p->service == XCV_SERVICE_S2S)
		svc = p->direct_tls ? "_xmpps-server" : "_xmpp-server";
	else
		svc = p->direct_tls ? "_xmpps-client" : "_xmpp-client";
	snprintf(name, sizeof(name), "%s._tcp.%s", svc, t->host);
	ares_query(ch, name, ns_c_in, ns_t_srv, srv_cb, &l);
	wait_for(ch, &l, deadline);
	for (struct ares_srv_reply *r = l.srv; r; r = r->next)
		nsrv++;
	if (nsrv == 0) {
		xcv_strv_pushf(&out->records, "SRV %s: %s; using A/AAAA of %s on "
			"port %d (RFC 6120 §3.2.2)", name,
			l.status == ARES_ETIMEOUT ? "timed out" :
			l.status == ARES_SUCCESS ? "no records" :
			ares_strerror(l.status), t->host, port);
		rc = xcv_strv_ok(&out->records);
		if (rc == 0)
			rc = lookup_host(out, ch, p, t->host, port, "A/AAAA",
				deadline);
		goto out;
	}
	srv = calloc(nsrv, sizeof(*srv));
	if (srv == NULL) {
		rc = xcv_oom();
		goto out;
	}
	for (struct ares_srv_reply *r = l.srv; r && i < nsrv; r = r->next, i++) {
		srv[i] = (struct srv){ .target = r->host, .prio = r->priority,
			.weight = r->weight, .port = r->port };
		xcv_strv_pushf(&out->records, "SRV %s: priority %d weight %d "
			"port %d target %s", name, r->priority, r->weight,
			r->port, r->host);
	}
	if ((rc = xcv_strv_ok(&out->records)) < 0)
		goto out;
	/* RFC 2782: a single "." target means no such service. */
	if (nsrv == 1 && (srv[0].target[0] == '\0' ||
	    strcmp(srv[0].target, ".") == 0)) {
		rc = xcv_set_error(XCV_ECONNECT, "%s says this domain offers no "
			"such service (SRV target '.')", name);
		goto out;
	}
	srv_order(srv, nsrv);
	for (i = 0; i < nsrv && rc == 0; i++) {
		char host[256];
		snprintf(host, sizeof(host), "%s", srv[i].target);
		for (char *c = host; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		rc = lookup_host(out, ch, p, host, srv[i].port, "SRV", deadline);
	}
out:
	free(srv);
	if (l.srv)
		ares_free_data(l.srv);
	return rc;
}

int
xcv_resolve(struct xcv_endpoints *out, const struct xcv_resolve_params *p)
{
	const struct xcv_target *t = p->target;
	const struct xcv_pin *pin = find_pin(p, t->host, t->port);
	ares_channel ch = NULL;
	int64_t deadline = xcv_now_ms() + p->timeout_ms;
	int port = t->port ? t->port : default_port(p), rc = 0;

	memset(out, 0, sizeof(*out));
	if (t->host_is_ip) {
		struct sockaddr_storage ss;
		socklen_t len;
		if (xcv_addr_parse(&ss, &len, t->host, port) < 0)
			return xcv_set_error(XCV_EINPUT, "bad address %s", t->host);
		return push(out, t->host, port, (struct sockaddr *)&ss, len,
			"address");
	}
	/* A pinned host needs no DNS at all. */
	if (pin != NULL)
		return push(out, t->host, pin->port,
			(const struct sockaddr *)&pin->addr, pin->addrlen,
			"pinned");
	if ((rc = open_channel(&ch, p->dns_server, p->timeout_ms)) < 0)
		return rc;
	/* A port given with the target means no SRV lookup; HTTPS has none
	 * (RFC 9110 §4.3.2 uses the host's addresses). */
	rc = t->port || p->service == XCV_SERVICE_HTTPS ?
		lookup_host(out, ch, p, t->host, port, "A/AAAA", deadline) :
		by_srv(out, ch, p, port, deadline);
	if (rc == 0 && out->n == 0)
		rc = xcv_set_error(XCV_ECONNECT, "could not resolve %s: %s",
			t->host, out->records.n ?
			out->records.v[out->records.n - 1] : "no answer");
	close_channel(ch);
	return rc;
}

static const char *const srv_services[XCV_SRV_COUNT] = {
	"_xmpp-client", "_xmpp-server", "_xmpps-client", "_xmpps-server",
};

void
xcv_srv_set_clear(struct xcv_srv_set *set)
{
	for (size_t k = 0; k < XCV_SRV_COUNT; k++) {
		for (size_t i = 0; i < set->n[k]; i++)
			free(set->v[k][i].host);
		free(set->v[k]);
	}
	memset(set, 0, sizeof(*set));
}

/* One SRV answer into set->v[k], in RFC 2782 order. */
static int
take_srv(struct xcv_srv_set *set, size_t k, struct lookup *l,
	struct xcv_strv *records, const char *name)
{
	struct srv *srv = NULL;
	size_t n = 0, i = 0;
	int rc = 0;

	for (struct ares_srv_reply *r = l->srv; r; r = r->next)
		n++;
	if (n == 0) {
		xcv_strv_pushf(records, "SRV %s: %s", name,
			l->status == ARES_ETIMEOUT ? "timed out" :
			l->status == ARES_SUCCESS ? "no records" :
			ares_strerror(l->status));
		return xcv_strv_ok(records);
	}
	srv = calloc(n, sizeof(*srv));
	set->v[k] = calloc(n, sizeof(*set->v[k]));
	if (srv == NULL || set->v[k] == NULL) {
		free(srv);
		return xcv_oom();
	}
	for (struct ares_srv_reply *r = l->srv; r && i < n; r = r->next, i++) {
		srv[i] = (struct srv){ .target = r->host, .prio = r->priority,
			.weight = r->weight, .port = r->port };
		xcv_strv_pushf(records, "SRV %s: priority %d weight %d port %d "
			"target %s", name, r->priority, r->weight, r->port, r->host);
	}
	/* RFC 2782: a single "." target means no such service. */
	if (n == 1 && (srv[0].target[0] == '\0' ||
	    strcmp(srv[0].target, ".") == 0)) {
		set->none[k] = true;
		n = 0;
	}
	srv_order(srv, n);
	for (i = 0; i < n; i++) {
		char *h = xcv_strdup(srv[i].target);
		if (h == NULL) {
			rc = xcv_oom();
			break;
		}
		for (char *c = h; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		set->v[k][set->n[k]++] = (struct xcv_srv_target){ h, srv[i].port };
	}
	free(srv);
	return rc ? rc : xcv_strv_ok(records);
}

int
xcv_resolve_srv_set(struct xcv_srv_set *set, struct xcv_strv *records,
	const char *domain, const char *dns_server, int timeout_ms)
{
	struct lookup l[XCV_SRV_COUNT] = {{0}};
	struct lookup *ls[XCV_SRV_COUNT];
	char names[XCV_SRV_COUNT][300];
	ares_channel ch = NULL;
	int rc;

	memset(set, 0, sizeof(*set));
	if ((rc = open_channel(&ch, dns_server, timeout_ms)) < 0)
		return rc;
	/* All four at once: the answers take one round trip, not four. */
	for (size_t k = 0; k < XCV_SRV_COUNT; k++) {
		snprintf(names[k], sizeof(names[k]), "%s._tcp.%s",
			srv_services[k], domain);
		ls[k] = &l[k];
		ares_query(ch, names[k], ns_c_in, ns_t_srv, srv_cb, &l[k]);
	}
	wait_all(ch, ls, XCV_SRV_COUNT, xcv_now_ms() + timeout_ms);
	for (size_t k = 0; rc == 0 && k < XCV_SRV_COUNT; k++)
		rc = take_srv(set, k, &l[k], records, names[k]);
	for (size_t k = 0; k < XCV_SRV_COUNT; k++)
		if (l[k].srv)
			ares_free_data(l[k].srv);
	close_channel(ch);
	if (rc < 0)
		xcv_srv_set_clear(set);
	return rc;
}

int
xcv_resolve_hosts(struct xcv_endpoints *out, const char *const *hosts,
	size_t n, const struct xcv_pin *pins, size_t n_pins,
	const char *dns_server, int timeout_ms)
{
	struct xcv_resolve_params p = { .pins = pins, .n_pins = n_pins };
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM };
	struct lookup *l = calloc(n ? n : 1, sizeof(*l));
	struct lookup **ls = calloc(n ? n : 1, sizeof(*ls));
	ares_channel ch = NULL;
	size_t asked = 0;
	int rc = l && ls ? 0 : xcv_oom();

	memset(out, 0, n * sizeof(*out));
	/* Literal addresses and pins first: they need no DNS. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct xcv_pin *pin = find_pin(&p, hosts[i], 0);
		struct sockaddr_storage ss;
		socklen_t len;
		if (pin != NULL)
			rc = push(&out[i], hosts[i], 0,
				(const struct sockaddr *)&pin->addr, pin->addrlen,
				"pinned");
		else if (xcv_addr_parse(&ss, &len, hosts[i], 0) == 0)
			rc = push(&out[i], hosts[i], 0, (struct sockaddr *)&ss, len,
				"address");
		else
			asked++;
	}
	if (rc == 0 && asked > 0)
		rc = open_channel(&ch, dns_server, timeout_ms);
	for (size_t i = 0; rc == 0 && ch && i < n; i++) {
		ls[i] = &l[i];
		if (out[i].n > 0)
			l[i].done = true;
		else
			ares_getaddrinfo(ch, hosts[i], NULL, &hints, ai_cb, &l[i]);
	}
	if (rc == 0 && ch)
		wait_all(ch, ls, n, xcv_now_ms() + timeout_ms);
	for (size_t i = 0; rc == 0 && ch && i < n; i++) {
		if (out[i].n > 0)
			continue;
		if (l[i].status != ARES_SUCCESS || l[i].ai == NULL) {
			xcv_strv_pushf(&out[i].records, "A/AAAA %s: %s", hosts[i],
				l[i].status == ARES_ETIMEOUT ? "timed out" :
				ares_strerror(l[i].status));
			rc = xcv_strv_ok(&out[i].records);
			continue;
		}
		for (struct ares_addrinfo_node *a = l[i].ai->nodes; a && rc == 0;
		     a = a->ai_next) {
			char text[INET6_ADDRSTRLEN + 8];
			xcv_addr_format(a->ai_addr, text, sizeof(text));
			rc = push(&out[i], hosts[i], 0, a->ai_addr,
				(socklen_t)a->ai_addrlen, "A/AAAA");
			if (rc == 0)
				rc = xcv_strv_pushf(&out[i].records, "A/AAAA %s: %s",
					hosts[i], text);
		}
	}
	for (size_t i = 0; l && i < n; i++)
		if (l[i].ai)
			ares_freeaddrinfo(l[i].ai);
	close_channel(ch);
	free(l);
	free(ls);
	if (rc < 0)
		for (size_t i = 0; i < n; i++)
			xcv_endpoints_clear(&out[i]);
	return rc;
}
