/*
 * A scan: nodes (given, or the targets of the domain's SRV records) x
 * services (c2s, s2s, xmpps, https), every probe in one poll loop at most
 * `parallel` connections at a time, each endpoint verified as check does,
 * then findings across the nodes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "identity.h"
#include "scan_internal.h"
#include "clients/client.h"

static const char *const service_names[XCV_SCAN_SERVICES] = {
	"c2s", "s2s", "xmpps", "https",
};
static const int default_ports[XCV_SCAN_SERVICES] = { 5222, 5269, 5223, 8443 };
/* The SRV names that advertise each service (net.h). */
static const int srv_of[XCV_SCAN_SERVICES] = {
	XCV_SRV_C2S, XCV_SRV_S2S, XCV_SRV_C2S_TLS, -1,
};

int
xcv_scan_index(unsigned service)
{
	for (int i = 0; i < XCV_SCAN_SERVICES; i++)
		if (service == 1u << i)
			return i;
	return 0;
}

const char *
xcv_scan_service_name(enum xcv_scan_service s)
{
	for (int i = 0; i < XCV_SCAN_SERVICES; i++)
		if ((unsigned)s == 1u << i)
			return service_names[i];
	return "?";
}

int
xcv_scan_services_parse(unsigned *out, const char *list)
{
	const char *p = list;

	*out = 0;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		int i;
		for (i = 0; i < XCV_SCAN_SERVICES; i++)
			if (strlen(service_names[i]) == n &&
			    strncmp(p, service_names[i], n) == 0)
				break;
		if (i == XCV_SCAN_SERVICES)
			return xcv_set_error(XCV_EINPUT, "unknown service '%.*s' in "
				"'%s': use c2s, s2s, xmpps and https", (int)n, p, list);
		*out |= 1u << i;
		p += n;
		p += *p == ',';
	}
	if (*out == 0)
		return xcv_set_error(XCV_EINPUT, "no service in '%s'", list);
	return 0;
}

static enum xcv_service
verify_service(unsigned svc)
{
	return svc == XCV_SCAN_S2S ? XCV_SERVICE_S2S : svc == XCV_SCAN_HTTPS ?
		XCV_SERVICE_HTTPS : XCV_SERVICE_C2S;
}

static bool
is_xmpp(unsigned svc)
{
	return svc != XCV_SCAN_HTTPS;
}

/* --- nodes --- */

static int
add_node(struct xcv_scan *s, const char *name, size_t *index)
{
	struct xcv_scan_node *v;
	char *norm = NULL;
	bool ip;
	int rc;

	if ((rc = xcv_reference_normalize(&norm, &ip, name)) < 0)
		return rc == XCV_EINPUT ? xcv_wrap_error(rc, "node '%s'", name) :
			rc;
	for (size_t i = 0; i < s->n_nodes; i++) {
		if (strcmp(s->nodes[i].name, norm) == 0) {
			free(norm);
			*index = i;
			return 0;
		}
	}
	v = realloc(s->nodes, (s->n_nodes + 1) * sizeof(*v));
	if (v == NULL) {
		free(norm);
		return xcv_oom();
	}
	s->nodes = v;
	memset(&v[s->n_nodes], 0, sizeof(*v));
	v[s->n_nodes].name = norm;
	v[s->n_nodes].is_ip = ip;
	*index = s->n_nodes++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct xcv_scan_node *)a)->name,
		((const struct xcv_scan_node *)b)->name);
}

/* The nodes of domain: every SRV target, once, with the ports of its
 * records. *any says whether there was a record. */
static int
nodes_from_srv(struct xcv_scan *s, const struct xcv_scan_params *p,
	const char *domain, bool *any)
{
	struct xcv_srv_set set;
	int rc = xcv_resolve_srv_set(&set, &s->records, domain, p->dns_server,
		xcv_budget_ms(s->deadline, p->timeout_ms));

	*any = false;
	for (int i = 0; rc == 0 && i < XCV_SCAN_SERVICES; i++) {
		if (srv_of[i] < 0)
			continue;
		for (size_t k = 0; rc == 0 && k < set.n[srv_of[i]]; k++) {
			size_t n;
			rc = add_node(s, set.v[srv_of[i]][k].host, &n);
			if (rc == 0 && s->nodes[n].srv_port[i] == 0)
				s->nodes[n].srv_port[i] = set.v[srv_of[i]][k].port;
			*any = true;
		}
	}
	/* _xmpps-server: direct-TLS federation, not a column of its own;
	 * its targets are nodes too. */
	for (size_t k = 0; rc == 0 && k < set.n[XCV_SRV_S2S_TLS]; k++) {
		size_t n;
		rc = add_node(s, set.v[XCV_SRV_S2S_TLS][k].host, &n);
		*any = true;
	}
	xcv_srv_set_clear(&set);
	/* By name: the same cluster gives the same matrix every time (SRV
	 * order within a priority is random). */
	if (rc == 0 && s->n_nodes > 1)
		qsort(s->nodes, s->n_nodes, sizeof(*s->nodes), by_name);
	return rc;
}

/* --- endpoints --- */

static int
add_ep(struct xcv_scan *s, size_t node, unsigned svc,
	const struct xcv_scan_params *p)
{
	struct xcv_scan_node *n = &s->nodes[node];
	int i = xcv_scan_index(svc);
	struct xcv_scan_ep *v = realloc(s->eps, (s->n_eps + 1) * sizeof(*v)), *e;

	if (v == NULL)
		return xcv_oom();
	s->eps = v;
	e = &v[s->n_eps++];
	memset(e, 0, sizeof(*e));
	for (int k = 0; k < 4; k++)
		e->tls_versions[k] = -1;
	e->node = node;
	e->service = svc;
	e->port = p->ports[i] ? p->ports[i] : n->srv_port[i] ? n->srv_port[i] :
		default_ports[i];
	/* A closed client or HTTPS port is a failure; s2s and direct TLS
	 * only when an SRV record says the node offers them, or the caller
	 * named them among the services to scan. */
	e->required = svc == XCV_SCAN_C2S || svc == XCV_SCAN_HTTPS ||
		n->srv_port[i] != 0 || (p->services & svc) != 0;
	if (n->addrs.n > 0) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&e->where.addr;
		struct sockaddr_in *s4 = (struct sockaddr_in *)&e->where.addr;
		e->where = n->addrs.v[0];
		e->where.host = n->name;
		if (e->where.addr.ss_family == AF_INET6)
			s6->sin6_port = htons((uint16_t)e->port);
		else
			s4->sin_port = htons((uint16_t)e->port);
		e->where.port = e->port;
		xcv_addr_format((struct sockaddr *)&e->where.addr, e->address,
			sizeof(e->address));
		snprintf(e->where.addrtext, sizeof(e->where.addrtext), "%s",
			e->address);
		e->have_address = true;
	}
	return 0;
}

static void
progress(struct xcv_scan *s)
{
	if (s->p->progress)
		s->p->progress(s->p->progress_ud, s->done, s->n_eps,
			xcv_loop_pending(s->loop));
}

static bool
refused(const struct xcv_probe *pr)
{
	return xcv_probe_failed(pr) &&
		xcv_probe_fail_phase(pr) == XCV_PHASE_CONNECT &&
		strstr(xcv_probe_fail_message(pr), "refused") != NULL;
}

/* What TLS gave the endpoint. */
static int
take_tls(struct xcv_scan *s, struct xcv_scan_ep *e, struct xcv_probe *pr)
{
	if (!xcv_probe_tls_done(pr))
		return 0;
	e->tls_version = xcv_strdup(xcv_probe_tls_version(pr));
	e->cipher = xcv_strdup(xcv_probe_tls_cipher(pr));
	e->chain = xcv_probe_take_chain(pr);
	if (e->chain && xcv_chain_intern(e->chain, s->certs) < 0)
		return XCV_ENOMEM;
	if (e->service == XCV_SCAN_HTTPS && xcv_probe_http_status(pr))
		e->http = xcv_strdup(xcv_probe_http_status(pr));
	return e->tls_version && e->cipher ? 0 : xcv_oom();
}

/* An XMPP endpoint's probe, read as discovery reads one attempt for the
 * node's domain. */
static int
read_xmpp(struct xcv_scan *s, struct xcv_scan_ep *e, struct xcv_probe *pr)
{
	struct xcv_scan_node *n = &s->nodes[e->node];
	struct xcv_target none = {0};
	struct xcv_discovery d;
	enum xcv_next next;
	int rc = xcv_discovery_init(&d, &none, n->domain);

	if (rc == 0)
		rc = xcv_discovery_record(&d, pr, d.given, e->address,
			verify_service(e->service), e->service == XCV_SCAN_XMPPS);
	if (rc == 0)
		rc = xcv_discovery_judge(&d, 0, &next);
	if (rc == 0 && d.v[0].answer == XCV_ANSWER_ANNOUNCED && !n->answered)
		n->answered = xcv_asprintf("%s answers as %s", n->name,
			d.v[0].from);
	if (rc == 0 && d.v[0].answer == XCV_ANSWER_NOT_SERVED && !n->answered)
		n->answered = xcv_asprintf("%s does not serve %s (%s)", n->name,
			n->domain, d.v[0].outcome);
	if (rc == 0 && d.why.phase != XCV_PHASE_NONE)
		rc = xcv_failure_set(&e->failure, d.why.phase, "%s",
			d.why.message);
	for (size_t i = 0; rc == 0 && i < d.warnings.n; i++)
		rc = xcv_strv_push(&e->notes, d.warnings.v[i]);
	if (rc == 0 && d.v[0].answer != XCV_ANSWER_STREAM_ERROR &&
	    d.v[0].answer != XCV_ANSWER_NOT_SERVED)
		rc = take_tls(s, e, pr);
	xcv_discovery_clear(&d);
	return rc;
}

static int ep_done(void *ud, struct xcv_probe *pr);
static int version_done(void *ud, struct xcv_probe *pr);

/* With posture: once an endpoint answered (a handshake, or a TLS
 * failure), one connection for each TLS version, each offering it alone,
 * in the loop with the rest. */
static int
queue_versions(struct xcv_scan *s, struct xcv_scan_ep *e, bool answered)
{
	struct xcv_scan_node *n = &s->nodes[e->node];
	const char *to = is_xmpp(e->service) ? n->domain : n->name;
	int rc = 0;

	if (!s->p->posture || to == NULL || !answered)
		return 0;
	for (int v = 0; rc == 0 && v < 4; v++) {
		struct xcv_probe *pr = NULL;
		struct xcv_probe_params pp = {
			.ep = &e->where, .service = verify_service(e->service),
			.direct_tls = e->service == XCV_SCAN_XMPPS, .to = to,
			.from = s->p->from, .timeout_ms = s->p->timeout_ms,
			.deadline = s->deadline, .tls = s->version_tls[v],
		};
		if (pp.tls == NULL)
			continue;
		e->vp[v] = (struct xcv_scan_vp){ e, v };
		rc = xcv_probe_new(&pr, &pp);
		if (rc == 0 && (rc = xcv_loop_add(s->loop, pr, version_done,
		    &e->vp[v])) < 0)
			xcv_probe_free(pr);
	}
	return rc;
}

static int
queue_ep(struct xcv_scan *s, struct xcv_scan_ep *e)
{
	struct xcv_scan_node *n = &s->nodes[e->node];
	struct xcv_probe_params pp = {
		.ep = &e->where, .service = verify_service(e->service),
		.direct_tls = e->service == XCV_SCAN_XMPPS,
		.to = is_xmpp(e->service) ? n->domain : n->name,
		.from = s->p->from, .timeout_ms = s->p->timeout_ms,
		.deadline = s->deadline, .tls = s->tls,
	};
	int rc = xcv_probe_new(&e->pr, &pp);

	return rc < 0 ? rc : xcv_loop_add(s->loop, e->pr, ep_done, e);
}

/* The scan the probe callbacks belong to. A scan runs in its caller's
 * thread, and several may run at once in others (the exporter's
 * probes): one per thread. */
static _Thread_local struct xcv_scan *current;

static int
ep_done(void *ud, struct xcv_probe *pr)
{
	struct xcv_scan_ep *e = ud;
	struct xcv_scan *s = current;
	/* A handshake, or TLS that failed: there is a TLS server to ask. */
	bool answered = xcv_probe_tls_done(pr) || (xcv_probe_failed(pr) &&
		xcv_probe_fail_phase(pr) == XCV_PHASE_TLS);
	int rc = 0;

	if (refused(pr)) {
		e->closed = true;
		rc = xcv_failure_set(&e->failure, XCV_PHASE_CONNECT, "%s",
			xcv_probe_fail_message(pr));
	} else if (is_xmpp(e->service)) {
		rc = read_xmpp(s, e, pr);
	} else {
		rc = take_tls(s, e, pr);
		if (rc == 0 && xcv_probe_failed(pr) && e->chain)
			rc = xcv_strv_push(&e->notes, xcv_probe_fail_message(pr));
		else if (rc == 0 && xcv_probe_failed(pr))
			rc = xcv_failure_set(&e->failure, xcv_probe_fail_phase(pr),
				"%s", xcv_probe_fail_message(pr));
	}
	xcv_probe_free(pr);
	e->pr = NULL;
	s->done++;
	progress(s);
	if (rc == 0)
		rc = queue_versions(s, e, answered);
	return rc;
}

static int
version_done(void *ud, struct xcv_probe *pr)
{
	struct xcv_scan_vp *vp = ud;

	if (xcv_probe_tls_done(pr))
		vp->e->tls_versions[vp->minor] = 1;
	else if (xcv_probe_refused_offer(pr))
		vp->e->tls_versions[vp->minor] = 0;
	xcv_probe_free(pr);
	return 0;
}

/* --- learning a node's domain: its candidates at once --- */

/* The race has a winner, which went on to TLS: the domain it will settle
 * is known, so the node's other XMPP services start now, not after its
 * handshake. */
static int
queue_early(struct xcv_scan *s, struct xcv_scan_node *n,
	const struct xcv_scan_ep *c2s)
{
	struct xcv_discovery *d = &n->disc;
	size_t k = n->race.winner;
	int rc = 0;

	rc = xcv_discovery_foresee(&n->domain, d, n->disc_probes[k],
		d->candidates.v[k], verify_service(c2s->service),
		c2s->service == XCV_SCAN_XMPPS);
	/* Not a domain: the services wait for the judgement. */
	if (rc < 0 || n->domain == NULL)
		return rc;
	n->early = true;
	for (size_t i = 0; rc == 0 && i < s->n_eps; i++) {
		struct xcv_scan_ep *e = &s->eps[i];
		if (&s->nodes[e->node] == n && is_xmpp(e->service) && e != c2s)
			rc = queue_ep(s, e);
	}
	return rc;
}

static int
disc_done(void *ud, struct xcv_probe *pr)
{
	struct xcv_scan_node *n = ud;
	struct xcv_scan *s = current;
	struct xcv_discovery *d = &n->disc;
	struct xcv_scan_ep *c2s = NULL;
	size_t k;
	int rc = 0;

	(void)pr;
	for (size_t i = 0; i < s->n_eps; i++)
		if (&s->nodes[s->eps[i].node] == n && is_xmpp(s->eps[i].service) &&
		    c2s == NULL)
			c2s = &s->eps[i];
	n->race.requeued = 0;
	if ((rc = xcv_discovery_race(&n->race)) < 0)
		return rc;
	n->disc_open += n->race.requeued;
	if (n->race.requeued && !n->early)
		rc = queue_early(s, n, c2s);
	if (rc < 0 || --n->disc_open > 0)
		return rc;
	/* Judge in the candidates' order: the first to settle wins. */
	for (k = 0; rc == 0 && k < d->candidates.n; k++) {
		struct xcv_probe *p = n->disc_probes[k];
		enum xcv_next next = XCV_NEXT_STOP;
		if (p == NULL || xcv_probe_cancelled(p))
			break;
		if (refused(p)) {
			rc = xcv_discovery_record_refused(d, d->candidates.v[k],
				c2s->address, xcv_probe_fail_message(p));
			break;
		}
		rc = xcv_discovery_record(d, p, d->candidates.v[k], c2s->address,
			verify_service(c2s->service),
			c2s->service == XCV_SCAN_XMPPS);
		if (rc == 0)
			rc = xcv_discovery_judge(d, d->n - 1, &next);
		if (rc == 0 && next == XCV_NEXT_STOP) {
			if (d->domain && d->v[d->n - 1].answer !=
			    XCV_ANSWER_STREAM_ERROR)
				rc = take_tls(s, c2s, p);
			break;
		}
	}
	if (rc == 0 && d->domain != NULL && n->domain == NULL &&
	    (n->domain = xcv_strdup(d->domain)) == NULL)
		rc = xcv_oom();
	/* The probe that settled is the endpoint's answer; the node's other
	 * XMPP services follow, now that its domain is known. */
	for (size_t i = 0; rc == 0 && i < s->n_eps; i++) {
		struct xcv_scan_ep *e = &s->eps[i];
		if (&s->nodes[e->node] != n || !is_xmpp(e->service) ||
		    (n->early && e != c2s))
			continue;
		if (e == c2s && (d->domain == NULL || c2s->chain != NULL ||
		    d->why.phase != XCV_PHASE_NONE)) {
			if (d->why.phase != XCV_PHASE_NONE)
				rc = xcv_failure_set(&e->failure, d->why.phase,
					"%s", d->why.message);
			if (d->why.phase == XCV_PHASE_CONNECT)
				e->closed = strstr(d->why.message, "refused") !=
					NULL;
			s->done++;
		} else if (d->domain == NULL) {
			rc = xcv_failure_set(&e->failure, XCV_PHASE_DISCOVERY,
				"the node's XMPP domain is not known: %s",
				d->why.message ? d->why.message : "no answer");
			s->done++;
		} else {
			rc = queue_ep(s, e);
		}
	}
	for (k = 0; k < d->candidates.n; k++) {
		xcv_probe_free(n->disc_probes[k]);
		n->disc_probes[k] = NULL;
	}
	progress(s);
	return rc;
}

static int
queue_discovery(struct xcv_scan *s, struct xcv_scan_node *n,
	const struct xcv_scan_ep *first)
{
	struct xcv_target t;
	size_t max;
	int rc = xcv_target_parse(&t, n->name);

	if (rc == 0)
		rc = xcv_discovery_init(&n->disc, &t, NULL);
	xcv_target_clear(&t);
	if (rc < 0)
		return rc;
	max = n->disc.candidates.n < (size_t)s->p->max_attempts ?
		n->disc.candidates.n : (size_t)s->p->max_attempts;
	n->disc.candidates.n = max;   /* the rest is never tried */
	n->disc_probes = calloc(max ? max : 1, sizeof(*n->disc_probes));
	if (n->disc_probes == NULL)
		return xcv_oom();
	/* A refused connection ends the node's discovery (disc_done). */
	n->race = (struct xcv_race){ .v = n->disc_probes,
		.to = (const char *const *)n->disc.candidates.v, .n = max,
		.service = verify_service(first->service),
		.direct_tls = first->service == XCV_SCAN_XMPPS, .loop = s->loop,
		.done = disc_done, .ud = n };
	for (size_t k = 0; rc == 0 && k < max; k++) {
		struct xcv_probe_params pp = {
			.ep = &first->where, .to = n->disc.candidates.v[k],
			.service = verify_service(first->service),
			.direct_tls = first->service == XCV_SCAN_XMPPS,
			.from = s->p->from, .timeout_ms = s->p->timeout_ms,
			.deadline = s->deadline, .tls = s->tls,
			.hold = max > 1 && first->service != XCV_SCAN_XMPPS,
		};
		rc = xcv_probe_new(&n->disc_probes[k], &pp);
		if (rc == 0)
			rc = xcv_loop_add(s->loop, n->disc_probes[k], disc_done, n);
		if (rc == 0)
			n->disc_open++;
	}
	return rc;
}

/* --- verification and findings --- */

static int
verify_eps(struct xcv_scan *s)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < s->n_eps; i++) {
		struct xcv_scan_ep *e = &s->eps[i];
		struct xcv_scan_node *n = &s->nodes[e->node];
		const char *expected = is_xmpp(e->service) ? n->domain : n->name;
		if (e->chain == NULL || expected == NULL)
			continue;
		/* Revocation fetches end with the scan (the exporter's
		 * scrape budget). */
		rc = xcv_verify_live(&e->res, s->cfg, e->chain, expected,
			verify_service(e->service), &(struct xcv_live){
			.timeout_ms = s->p->timeout_ms, .deadline = s->deadline });
		/* The result holds what the report needs (its path holds
		 * the certificates it names); a certificate sent but not
		 * used goes now. */
		xcv_chain_free(e->chain);
		e->chain = NULL;
		if (rc == 0 && is_xmpp(e->service) && n->is_ip == false &&
		    e->failure.phase != XCV_PHASE_NONE)
			xcv_failure_clear(&e->failure);
	}
	return rc;
}

XCV_PRINTF(4, 5) static struct xcv_scan_fnd *
finding(struct xcv_scan *s, const char *code, const char *severity,
	const char *fmt, ...)
{
	struct xcv_scan_fnd *v = realloc(s->findings,
		(s->n_findings + 1) * sizeof(*v)), *f;
	va_list ap;

	if (v == NULL)
		return NULL;
	s->findings = v;
	f = &v[s->n_findings];
	memset(f, 0, sizeof(*f));
	f->code = code;
	f->severity = severity;
	va_start(ap, fmt);
	f->message = xcv_vasprintf(fmt, ap);
	va_end(ap);
	if (f->message == NULL)
		return NULL;
	s->n_findings++;
	return f;
}

static void
add_unique(struct xcv_strv *v, const char *s)
{
	if (!xcv_strv_contains(v, s))
		xcv_strv_push(v, s);
}

/* "a, b and c" of v, in a static buffer (findings are few). */
static const char *
listed(const struct xcv_strv *v)
{
	static _Thread_local char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->n && len < sizeof(buf) - 1; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
			i == 0 ? "" : i + 1 == v->n ? " and " : ", ", v->v[i]);
	return buf;
}

static const struct xcv_cert_info *
leaf(const struct xcv_scan_ep *e)
{
	return e->res ? xcv_result_cert(e->res, 0) : NULL;
}

/* The XMPP certificate of some nodes names the domain, of others not. */
static int
find_domain_san(struct xcv_scan *s)
{
	struct xcv_strv bad = {0}, good = {0}, svcs = {0};
	struct xcv_scan_fnd *f;
	int rc = 0;

	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_scan_ep *e = &s->eps[i];
		if (!is_xmpp(e->service) || e->res == NULL)
			continue;
		if (xcv_result_identity_matched(e->res)) {
			add_unique(&good, s->nodes[e->node].name);
			continue;
		}
		add_unique(&bad, s->nodes[e->node].name);
		add_unique(&svcs, xcv_scan_service_name(e->service));
	}
	if (bad.n > 0) {
		bool s2s = xcv_strv_contains(&svcs, "s2s");
		f = finding(s, "domain-san-missing", "error", "the XMPP "
			"certificate of %s does not name the XMPP domain%s%s: "
			"enable 'Use Domain Name for XMPP Certificate Subject "
			"Alternative Name' (System > Security > Settings on Cisco "
			"IM and Presence), then regenerate and re-sign %s on %s",
			listed(&bad), good.n ? ", as that of " : "",
			good.n ? "other nodes does" : "",
			s2s ? "cup-xmpp and cup-xmpp-s2s" : "cup-xmpp", bad.n == 1 ?
			"that node" : "those nodes");
		rc = f ? 0 : xcv_oom();
		if (f) {
			for (size_t i = 0; i < bad.n; i++)
				xcv_strv_push(&f->nodes, bad.v[i]);
			for (size_t i = 0; i < svcs.n; i++)
				xcv_strv_push(&f->services, svcs.v[i]);
		}
	}
	xcv_strv_clear(&bad);
	xcv_strv_clear(&good);
	xcv_strv_clear(&svcs);
	return rc;
}

/* Nodes that serve (or answer as) different XMPP domains. */
static int
find_domain_differs(struct xcv_scan *s)
{
	struct xcv_strv domains = {0}, odd = {0};
	struct xcv_scan_fnd *f;

	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct xcv_scan_node *n = &s->nodes[i];
		if (n->answered)
			add_unique(&odd, n->name);
		if (n->domain && !(s->domain && n->answered))
			add_unique(&domains, n->domain);
	}
	if (odd.n == 0 && domains.n <= 1) {
		xcv_strv_clear(&domains);
		xcv_strv_clear(&odd);
		return 0;
	}
	if (odd.n > 0 && s->domain) {
		struct xcv_strv what = {0};
		for (size_t i = 0; i < s->n_nodes; i++)
			if (s->nodes[i].answered)
				xcv_strv_push(&what, s->nodes[i].answered);
		f = finding(s, "domain-differs", "error", "%s, unlike the other "
			"nodes: check the XMPP domain each node is configured for",
			listed(&what));
		xcv_strv_clear(&what);
	} else {
		f = finding(s, "domain-differs", "error", "the nodes serve "
			"different XMPP domains (%s): a cluster serves one",
			listed(&domains));
	}
	for (size_t i = 0; f && i < s->n_nodes; i++)
		if (s->nodes[i].answered || (!s->domain && s->nodes[i].domain))
			xcv_strv_push(&f->nodes, s->nodes[i].name);
	xcv_strv_clear(&domains);
	xcv_strv_clear(&odd);
	return f ? 0 : xcv_oom();
}

/* A service whose certificates come from different issuers. */
static int
find_issuers(struct xcv_scan *s)
{
	for (int k = 0; k < XCV_SCAN_SERVICES; k++) {
		struct xcv_strv issuers = {0}, nodes = {0};
		struct xcv_scan_fnd *f = NULL;
		bool many;
		for (size_t i = 0; i < s->n_eps; i++) {
			const struct xcv_scan_ep *e = &s->eps[i];
			const struct xcv_cert_info *l = leaf(e);
			if (e->service != 1u << k || l == NULL)
				continue;
			add_unique(&issuers, l->issuer);
			add_unique(&nodes, s->nodes[e->node].name);
		}
		many = issuers.n > 1;
		if (many) {
			f = finding(s, "issuer-differs", "warning", "the %s "
				"certificates come from %zu issuers (%s): nodes of "
				"one cluster are usually signed alike; one may still "
				"be self-signed", service_names[k], issuers.n,
				listed(&issuers));
			for (size_t i = 0; f && i < nodes.n; i++)
				xcv_strv_push(&f->nodes, nodes.v[i]);
			if (f)
				xcv_strv_push(&f->services, service_names[k]);
		}
		xcv_strv_clear(&issuers);
		xcv_strv_clear(&nodes);
		if (many && f == NULL)
			return xcv_oom();
	}
	return 0;
}

/* Which node, if any, an HTTPS certificate names instead. */
static const char *
named_node(const struct xcv_scan *s, const struct xcv_result *res,
	size_t except)
{
	for (size_t i = 0; i < s->n_nodes; i++) {
		if (i == except)
			continue;
		for (size_t k = 0; k < xcv_result_presented_count(res); k++) {
			const struct xcv_presented_id *p = xcv_result_presented(res,
				k);
			if (p->valid && strcasecmp(p->value, s->nodes[i].name) == 0)
				return s->nodes[i].name;
		}
	}
	return NULL;
}

static int
find_https(struct xcv_scan *s)
{
	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_scan_ep *e = &s->eps[i];
		const struct xcv_scan_node *n = &s->nodes[e->node];
		struct xcv_scan_fnd *f;
		const char *other;
		if (e->service != XCV_SCAN_HTTPS || e->res == NULL ||
		    xcv_result_identity_matched(e->res))
			continue;
		other = named_node(s, e->res, e->node);
		if (n->is_ip)
			f = finding(s, "https-name-mismatch", "error", "the HTTPS "
				"certificate of %s does not name that address; "
				"clients reach nodes by name: use the node's FQDN "
				"throughout your environment", n->name);
		else
			f = finding(s, "https-name-mismatch", "error", "the HTTPS "
				"certificate of %s does not name it%s%s%s: "
				"generate the tomcat certificate on %s itself and "
				"have it signed for %s", n->name, other ?
				"; it names " : "", other ? other : "", other ?
				", as if copied from that node" : "", n->name,
				n->name);
		if (f == NULL)
			return xcv_oom();
		xcv_strv_push(&f->nodes, n->name);
		xcv_strv_push(&f->services, "https");
	}
	return 0;
}

/* Self-signed XMPP and HTTPS certificates of one node with one CN: some
 * clients cannot tell them apart. */
static int
find_same_cn(struct xcv_scan *s)
{
	for (size_t n = 0; n < s->n_nodes; n++) {
		const struct xcv_cert_info *x = NULL, *h = NULL;
		for (size_t i = 0; i < s->n_eps; i++) {
			const struct xcv_scan_ep *e = &s->eps[i];
			const struct xcv_cert_info *l = leaf(e);
			if (e->node != n || l == NULL ||
			    strcmp(l->subject, l->issuer) != 0)
				continue;
			if (e->service == XCV_SCAN_HTTPS)
				h = l;
			else if (x == NULL)
				x = l;
		}
		if (x && h && strcmp(x->subject, h->subject) == 0) {
			struct xcv_scan_fnd *f = finding(s, "self-signed-same-cn",
				"warning", "the self-signed XMPP and HTTPS "
				"certificates of %s carry the same subject (%s); some "
				"clients cannot tell them apart: regenerate one with "
				"a different CN, or have both signed by a CA",
				s->nodes[n].name, x->subject);
			if (f == NULL)
				return xcv_oom();
			xcv_strv_push(&f->nodes, s->nodes[n].name);
		}
	}
	return 0;
}

static int
find_expiry(struct xcv_scan *s)
{
	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_scan_ep *e = &s->eps[i];
		size_t n = e->res ? xcv_result_cert_count(e->res) : 0;
		for (size_t k = 0; k < n; k++) {
			const struct xcv_cert_info *c = xcv_result_cert(e->res, k);
			int64_t left = xcv_time_diff(c->not_after_time, s->at);
			struct xcv_scan_fnd *f;
			if (left < 0 || left > (int64_t)s->warn_days * 86400)
				continue;
			f = finding(s, "expiry-soon", "warning", "\"%s\" of %s %s "
				"expires in %lld day%s, on %s: renew it", c->subject,
				s->nodes[e->node].name, service_names[
				xcv_scan_index(e->service)], (long long)(left / 86400),
				left / 86400 == 1 ? "" : "s", c->not_after);
			if (f == NULL)
				return xcv_oom();
			xcv_strv_push(&f->nodes, s->nodes[e->node].name);
			xcv_strv_push(&f->services,
				service_names[xcv_scan_index(e->service)]);
			break;
		}
	}
	return 0;
}

/* A certificate xmppcv itself verifies for its name and trusts: the
 * endpoints whose client profiles say something new. */
static bool
sound(const struct xcv_result *res)
{
	return res && xcv_result_identity_matched(res) &&
		xcv_result_chain_trusted(res);
}

/*
 * Client profiles that would not connect silently to a certificate that
 * xmppcv verifies: one finding per reason, naming the profiles, the nodes
 * and the services; an error when a profile is required (the endpoint is
 * then not verified either), else a warning.
 */
static int
find_clients(struct xcv_scan *s)
{
	struct xcv_strv reasons = {0};
	int rc = 0;

	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_result *res = s->eps[i].res;
		for (size_t k = 0; sound(res) && k < xcv_result_client_count(res);
		    k++)
			if (xcv_result_client(res, k)->reason)
				add_unique(&reasons, xcv_result_client(res,
					k)->reason);
	}
	for (size_t r = 0; rc == 0 && r < reasons.n; r++) {
		struct xcv_strv ids = {0}, nodes = {0}, svcs = {0};
		struct xcv_scan_fnd *f = NULL;
		bool required = false;
		char *ids_text, *nodes_text, *fix;

		for (size_t i = 0; i < s->n_eps; i++) {
			const struct xcv_scan_ep *e = &s->eps[i];
			for (size_t k = 0; sound(e->res) &&
			    k < xcv_result_client_count(e->res); k++) {
				const struct xcv_client_info *c =
					xcv_result_client(e->res, k);
				if (c->reason == NULL ||
				    strcmp(c->reason, reasons.v[r]) != 0)
					continue;
				add_unique(&ids, c->client);
				add_unique(&nodes, s->nodes[e->node].name);
				add_unique(&svcs, xcv_scan_service_name(e->service));
				required |= c->required;
			}
		}
		/* listed() has one buffer: a copy of each list. */
		ids_text = xcv_strdup(listed(&ids));
		nodes_text = xcv_strdup(listed(&nodes));
		fix = xcv_client_fix_text(reasons.v[r], s->domain ? s->domain :
			"for the domain");
		if (ids_text && nodes_text && fix)
			f = finding(s, "client-incompatible", required ? "error" :
				"warning", "%s would not connect silently to %s (%s): "
				"they %s; %s", ids_text, nodes_text, listed(&svcs),
				xcv_client_reason_plural(reasons.v[r]), fix);
		if (f == NULL) {
			rc = xcv_oom();
		} else {
			for (size_t k = 0; k < nodes.n; k++)
				xcv_strv_push(&f->nodes, nodes.v[k]);
			for (size_t k = 0; k < svcs.n; k++)
				xcv_strv_push(&f->services, svcs.v[k]);
		}
		free(ids_text);
		free(nodes_text);
		free(fix);
		xcv_strv_clear(&ids);
		xcv_strv_clear(&nodes);
		xcv_strv_clear(&svcs);
	}
	if (rc == 0)
		rc = xcv_strv_ok(&reasons);
	xcv_strv_clear(&reasons);
	return rc;
}

static int
find_unreachable(struct xcv_scan *s)
{
	for (size_t n = 0; n < s->n_nodes; n++) {
		bool any = false, none = true;
		for (size_t i = 0; i < s->n_eps; i++) {
			if (s->eps[i].node != n)
				continue;
			none = false;
			any |= s->eps[i].res != NULL || s->eps[i].chain != NULL;
		}
		if (!any && !none) {
			struct xcv_scan_fnd *f = finding(s, "node-unreachable",
				"error", "no service of %s gave a certificate (all "
				"closed, silent or failing): check that the node is "
				"up and reachable from here", s->nodes[n].name);
			if (f == NULL)
				return xcv_oom();
			xcv_strv_push(&f->nodes, s->nodes[n].name);
		}
	}
	return 0;
}

/* Which s2s endpoints present a certificate without clientAuth
 * (federation.c's notice): all of them, or some and not others (the
 * nodes then federate differently, with servers that check it). */
static int
find_client_auth(struct xcv_scan *s)
{
	struct xcv_strv lack = {0}, have = {0};
	struct xcv_scan_fnd *f = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_scan_ep *e = &s->eps[i];
		bool no = false;
		if (e->service != XCV_SCAN_S2S || e->res == NULL)
			continue;
		for (size_t k = 0; k < e->res->n_notices; k++)
			no |= strcmp(e->res->notices[k].code,
				"s2s-no-clientauth") == 0;
		add_unique(no ? &lack : &have, s->nodes[e->node].name);
	}
	if (lack.n > 0) {
		char *l = xcv_strv_join(&lack, ", "), *h = have.n ?
			xcv_strv_join(&have, ", ") : NULL;
		if (l != NULL && (have.n == 0 || h != NULL))
			f = finding(s, have.n ? "s2s-clientauth-differs" :
				"s2s-no-clientauth", "warning", "the s2s certificate"
				"%s of %s lack%s clientAuth%s%s%s: receiving servers "
				"that check the purpose refuse %s for SASL EXTERNAL "
				"(ejabberd 23.01 does, measured; doc/federation.md), "
				"and federation rests on dialback there", lack.n > 1 ?
				"s" : "", l, lack.n > 1 ? "" : "s", have.n ?
				", while those of " : "", have.n ? h : "", have.n ?
				" have it" : "", lack.n > 1 ? "them" : "it");
		if (f == NULL)
			rc = xcv_oom();
		for (size_t i = 0; f != NULL && i < lack.n; i++)
			add_unique(&f->nodes, lack.v[i]);
		if (f != NULL)
			add_unique(&f->services, "s2s");
		free(l);
		free(h);
	}
	xcv_strv_clear(&lack);
	xcv_strv_clear(&have);
	return rc;
}

/* Per TLS-version finding, the endpoints it applies to: legacy only
 * (RFC 8996), legacy beside 1.2 or 1.3, no TLS 1.3. */
static int
find_versions(struct xcv_scan *s)
{
	static const struct { const char *code, *severity, *message; } f[] = {
		{ "tls-legacy-only", "error", "these endpoints accept only TLS "
		  "1.0 or 1.1, which RFC 8996 deprecates: clients that require "
		  "TLS 1.2 cannot connect" },
		{ "tls-legacy-offered", "warning", "these endpoints still accept "
		  "TLS 1.0 or 1.1, which RFC 8996 deprecates" },
		{ "no-tls13", "warning", "these endpoints do not accept TLS 1.3" },
	};

	for (size_t k = 0; s->p->posture && k < 3; k++) {
		struct xcv_scan_fnd *x = NULL;
		for (size_t i = 0; i < s->n_eps; i++) {
			const int *t = s->eps[i].tls_versions;
			bool legacy = t[0] == 1 || t[1] == 1;
			bool hit = k == 0 ? legacy && t[2] == 0 && t[3] == 0 :
				k == 1 ? legacy && (t[2] == 1 || t[3] == 1) :
				t[2] == 1 && t[3] == 0;
			if (!hit)
				continue;
			if (x == NULL && (x = finding(s, f[k].code, f[k].severity,
			    "%s (check --posture says more)", f[k].message)) ==
			    NULL)
				return xcv_oom();
			add_unique(&x->nodes, s->nodes[s->eps[i].node].name);
			add_unique(&x->services, xcv_scan_service_name(
				s->eps[i].service));
		}
	}
	return 0;
}

static int
findings(struct xcv_scan *s)
{
	int rc = find_domain_san(s);

	if (rc == 0)
		rc = find_domain_differs(s);
	if (rc == 0)
		rc = find_https(s);
	if (rc == 0)
		rc = find_unreachable(s);
	if (rc == 0)
		rc = find_issuers(s);
	if (rc == 0)
		rc = find_same_cn(s);
	if (rc == 0)
		rc = find_expiry(s);
	if (rc == 0)
		rc = find_clients(s);
	if (rc == 0)
		rc = find_versions(s);
	if (rc == 0)
		rc = find_client_auth(s);
	for (size_t i = 0; rc == 0 && i < s->n_findings; i++) {
		struct xcv_scan_fnd *f = &s->findings[i];
		if ((rc = xcv_strv_ok(&f->nodes)) < 0 ||
		    (rc = xcv_strv_ok(&f->services)) < 0)
			break;
		f->view = (struct xcv_scan_finding){ .code = f->code,
			.severity = f->severity, .message = f->message,
			.nodes = (const char *const *)f->nodes.v,
			.n_nodes = f->nodes.n,
			.services = (const char *const *)f->services.v,
			.n_services = f->services.n };
	}
	return rc;
}

static void
views(struct xcv_scan *s)
{
	for (size_t i = 0; i < s->n_eps; i++) {
		struct xcv_scan_ep *e = &s->eps[i];
		const struct xcv_scan_node *n = &s->nodes[e->node];
		enum xcv_verdict v = e->res ? xcv_result_verdict(e->res) :
			e->closed ? XCV_VERDICT_CLOSED : XCV_VERDICT_NO_CERTIFICATE;
		e->view = (struct xcv_scan_endpoint){ .node = n->name,
			.address = e->have_address ? e->address : NULL,
			.service = e->service, .port = e->port, .verdict = v,
			.required = e->required,
			.domain = is_xmpp(e->service) ? n->domain : NULL,
			.expected = is_xmpp(e->service) ? n->domain : n->name,
			.phase = e->res ? XCV_PHASE_NONE : e->failure.phase,
			.message = e->res ? NULL : e->failure.message,
			.result = e->res };
		memcpy(e->view.tls_versions, e->tls_versions,
			sizeof(e->tls_versions));
	}
}

/* --- the run --- */

/*
 * The nodes and the domain: a domain given is the domain, and its SRV
 * targets the nodes unless they are given; one name alone is a domain
 * when it has SRV records, else a node; several names are nodes, each
 * with the domain it serves.
 */
static int
plan(struct xcv_scan *s, const struct xcv_scan_params *p)
{
	bool any = false, ip = false;
	size_t n;
	int rc = 0;

	if (p->domain != NULL) {
		rc = xcv_reference_normalize(&s->domain, &ip, p->domain);
		if (rc == 0 && ip)
			rc = xcv_set_error(XCV_EINPUT, "the XMPP domain '%s' is an "
				"address: name the domain", p->domain);
		if (rc < 0)
			return rc;
		if (p->n_nodes == 0) {
			rc = nodes_from_srv(s, p, s->domain, &any);
			if (rc == 0 && !any)
				rc = add_node(s, s->domain, &n);
			return rc;
		}
	} else if (p->n_nodes == 1) {
		char *name = NULL;
		rc = xcv_reference_normalize(&name, &ip, p->nodes[0]);
		if (rc == 0 && !ip)
			rc = nodes_from_srv(s, p, name, &any);
		if (rc == 0 && any)
			s->domain = name;
		else
			free(name);
		if (rc < 0 || any)
			return rc;
	} else if (p->n_nodes == 0) {
		return xcv_set_error(XCV_EINPUT, "no node and no domain to scan");
	}
	for (size_t i = 0; rc == 0 && i < p->n_nodes; i++)
		rc = add_node(s, p->nodes[i], &n);
	return rc;
}

static int
resolve_nodes(struct xcv_scan *s, const struct xcv_scan_params *p)
{
	const char **names = calloc(s->n_nodes ? s->n_nodes : 1, sizeof(*names));
	struct xcv_endpoints *addrs = calloc(s->n_nodes ? s->n_nodes : 1,
		sizeof(*addrs));
	struct xcv_pin *pins = calloc(p->n_resolve ? p->n_resolve : 1,
		sizeof(*pins));
	int rc = names && addrs && pins ? 0 : xcv_oom();

	for (size_t i = 0; rc == 0 && i < p->n_resolve; i++)
		rc = xcv_pin_parse(&pins[i], p->resolve[i]);
	for (size_t i = 0; rc == 0 && i < s->n_nodes; i++)
		names[i] = s->nodes[i].name;
	if (rc == 0)
		rc = xcv_resolve_hosts(addrs, names, s->n_nodes, pins,
			p->n_resolve, p->dns_server,
			xcv_budget_ms(s->deadline, p->timeout_ms));
	for (size_t i = 0; rc == 0 && i < s->n_nodes; i++) {
		struct xcv_scan_node *n = &s->nodes[i];
		n->addrs = addrs[i];
		for (size_t k = 0; k < addrs[i].records.n; k++)
			xcv_strv_push(&s->records, addrs[i].records.v[k]);
		if (n->addrs.n == 0)
			n->no_address = xcv_strdup(addrs[i].records.n ?
				addrs[i].records.v[addrs[i].records.n - 1] :
				"no address");
		memset(&addrs[i], 0, sizeof(addrs[i]));
	}
	free(names);
	free(addrs);
	free(pins);
	return rc ? rc : xcv_strv_ok(&s->records);
}

static int
run(struct xcv_scan *s, const struct xcv_scan_params *p)
{
	int rc;

	/* The endpoints, node by node in the order of the services. */
	for (size_t n = 0; n < s->n_nodes; n++) {
		if (s->domain && !s->nodes[n].domain &&
		    (s->nodes[n].domain = xcv_strdup(s->domain)) == NULL)
			return xcv_oom();
		for (int k = 0; k < XCV_SCAN_SERVICES; k++) {
			unsigned svc = 1u << k;
			bool want = p->services ? (p->services & svc) != 0 :
				svc != XCV_SCAN_XMPPS || s->nodes[n].srv_port[k];
			if (want && (rc = add_ep(s, n, svc, p)) < 0)
				return rc;
			if (want)
				s->services |= svc;
		}
	}
	if ((rc = xcv_loop_new(&s->loop, p->parallel)) < 0)
		return rc;
	current = s;
	for (size_t n = 0; rc == 0 && n < s->n_nodes; n++) {
		struct xcv_scan_node *node = &s->nodes[n];
		const struct xcv_scan_ep *first_xmpp = NULL;
		for (size_t i = 0; rc == 0 && i < s->n_eps; i++) {
			struct xcv_scan_ep *e = &s->eps[i];
			if (e->node != n)
				continue;
			if (!e->have_address) {
				rc = xcv_failure_set(&e->failure, XCV_PHASE_DNS,
					"%s", node->no_address ? node->no_address :
					"no address");
				s->done++;
			} else if (is_xmpp(e->service) && node->domain == NULL) {
				if (node->is_ip)
					rc = xcv_failure_set(&e->failure,
						XCV_PHASE_DISCOVERY, "%s is an "
						"address, so it has no XMPP domain "
						"to try: name the domain", node->name);
				else if (first_xmpp == NULL)
					first_xmpp = e;
				if (node->is_ip)
					s->done++;
			} else {
				rc = queue_ep(s, e);
			}
		}
		if (rc == 0 && first_xmpp)
			rc = queue_discovery(s, node, first_xmpp);
	}
	if (rc == 0)
		rc = xcv_loop_run(s->loop);
	current = NULL;
	return rc;
}

/* Nodes that each learned the same domain are that domain's cluster. */
static int
common_domain(struct xcv_scan *s)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].domain == NULL ||
		    strcmp(s->nodes[i].domain, s->nodes[0].domain) != 0)
			return 0;
	s->domain = xcv_strdup(s->nodes[0].domain);
	return s->domain ? 0 : xcv_oom();
}

int
xcv_scan_run(struct xcv_scan **out, struct xcv_config *cfg,
	const struct xcv_scan_params *params)
{
	unsigned long failures = xcv_alloc_failures();
	struct xcv_scan_params p = {0};
	struct xcv_scan *s;
	int rc;

	*out = NULL;
	/* Version 1 ends before total_timeout_ms, version 2 before
	 * posture. */
	if (params->version == 1)
		memcpy(&p, params, offsetof(struct xcv_scan_params,
			total_timeout_ms));
	else if (params->version == 2)
		memcpy(&p, params, offsetof(struct xcv_scan_params, posture));
	else if (params->version == XCV_SCAN_PARAMS_VERSION)
		p = *params;
	else
		return xcv_set_error(XCV_EINPUT, "scan parameters of version %u; "
			"this library knows versions 1 to %d (use "
			"XCV_SCAN_PARAMS_INIT)", params->version,
			XCV_SCAN_PARAMS_VERSION);
	if (p.timeout_ms <= 0)
		p.timeout_ms = 10000;
	if (p.max_attempts <= 0)
		p.max_attempts = 5;
	if (p.parallel == 0)
		p.parallel = 100;
	if (cfg->have_time && (rc = xcv_time_check(cfg->at)) < 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return xcv_oom();
	s->p = &p;
	s->posture = p.posture;
	s->deadline = xcv_deadline_after(p.total_timeout_ms);
	s->cfg = cfg;
	s->at = cfg->have_time ? cfg->at : (int64_t)time(NULL);
	s->warn_days = cfg->warn_days;
	rc = xcv_tls_ctx_new(&s->tls);
	/* An OpenSSL that cannot offer a version alone: not known. */
	for (int v = 0; rc == 0 && p.posture && v < 4; v++)
		if (xcv_tls_ctx_new_version(&s->version_tls[v], v) ==
		    XCV_ENOMEM)
			rc = XCV_ENOMEM;
	if (rc == 0 && (s->certs = xcv_chain_cache_new(false)) == NULL)
		rc = xcv_oom();
	if (rc == 0)
		rc = plan(s, &p);
	if (rc == 0 && s->n_nodes == 0)
		rc = xcv_set_error(XCV_ECONNECT, "no node to scan");
	if (rc == 0)
		rc = resolve_nodes(s, &p);
	if (rc == 0)
		rc = run(s, &p);
	if (rc == 0 && s->domain == NULL)
		rc = common_domain(s);
	if (rc == 0)
		rc = verify_eps(s);
	if (rc == 0)
		rc = findings(s);
	xcv_loop_free(s->loop);
	s->loop = NULL;
	xcv_tls_ctx_free(s->tls);
	s->tls = NULL;
	for (int v = 0; v < 4; v++) {
		xcv_tls_ctx_free(s->version_tls[v]);
		s->version_tls[v] = NULL;
	}
	xcv_chain_cache_free(s->certs);
	s->certs = NULL;
	s->p = NULL;
	/* An endpoint that ran short of memory reads as failed: no scan. */
	if (rc != XCV_ENOMEM && xcv_alloc_failures() != failures)
		rc = xcv_oom();
	if (rc < 0) {
		xcv_scan_free(s);
		return rc;
	}
	views(s);
	*out = s;
	return 0;
}

void
xcv_scan_free(struct xcv_scan *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_nodes; i++) {
		struct xcv_scan_node *n = &s->nodes[i];
		for (size_t k = 0; n->disc_probes && k < n->disc.candidates.n; k++)
			xcv_probe_free(n->disc_probes[k]);
		free(n->disc_probes);
		xcv_discovery_clear(&n->disc);
		xcv_endpoints_clear(&n->addrs);
		free(n->name);
		free(n->domain);
		free(n->answered);
		free(n->no_address);
	}
	free(s->nodes);
	for (size_t i = 0; i < s->n_eps; i++) {
		struct xcv_scan_ep *e = &s->eps[i];
		xcv_probe_free(e->pr);
		xcv_failure_clear(&e->failure);
		xcv_chain_free(e->chain);
		xcv_result_free(e->res);
		free(e->tls_version);
		free(e->cipher);
		free(e->http);
		xcv_strv_clear(&e->notes);
	}
	free(s->eps);
	for (size_t i = 0; i < s->n_findings; i++) {
		free(s->findings[i].message);
		xcv_strv_clear(&s->findings[i].nodes);
		xcv_strv_clear(&s->findings[i].services);
	}
	free(s->findings);
	xcv_strv_clear(&s->records);
	xcv_loop_free(s->loop);
	free(s->domain);
	free(s);
}

const char *
xcv_scan_domain(const struct xcv_scan *s)
{
	return s->domain;
}

size_t
xcv_scan_endpoint_count(const struct xcv_scan *s)
{
	return s->n_eps;
}

const struct xcv_scan_endpoint *
xcv_scan_endpoint(const struct xcv_scan *s, size_t i)
{
	return i < s->n_eps ? &s->eps[i].view : NULL;
}

size_t
xcv_scan_finding_count(const struct xcv_scan *s)
{
	return s->n_findings;
}

const struct xcv_scan_finding *
xcv_scan_finding(const struct xcv_scan *s, size_t i)
{
	return i < s->n_findings ? &s->findings[i].view : NULL;
}

int
xcv_scan_status(const struct xcv_scan *s)
{
	bool failed = false, nocert = false;

	for (size_t i = 0; i < s->n_eps; i++) {
		const struct xcv_scan_endpoint *e = &s->eps[i].view;
		failed |= e->verdict == XCV_VERDICT_NOT_VERIFIED ||
			e->verdict == XCV_VERDICT_ACCEPTED ||
			(e->verdict == XCV_VERDICT_CLOSED && e->required);
		nocert |= e->verdict == XCV_VERDICT_NO_CERTIFICATE;
	}
	for (size_t i = 0; i < s->n_findings; i++)
		failed |= strcmp(s->findings[i].severity, "error") == 0;
	return failed ? 1 : nocert ? 3 : 0;
}
