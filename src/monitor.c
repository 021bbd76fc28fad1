/*
 * Checks and scans for monitoring systems: a Nagios/Icinga plugin's status
 * and output (the monitoring plugins development guidelines: one status
 * line, performance data 'label'=value[UOM];warn;crit;min;max, long text
 * after it) and Prometheus' text exposition format (HELP and TYPE for each
 * family, label values escaped).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_internal.h"
#include "report.h"
#include "xmppcv/monitor.h"

#define put xcv_text_put

/* One endpoint, copied from a check or a scan. */
struct mon_ep {
	char *node, *service, *domain, *address;
	enum xcv_verdict verdict;
	bool required;               /* a closed port counts */
	unsigned problems;
	int matched;                 /* enum xcv_field, or -1 */
	char *matched_value;
	bool have_cert;
	int64_t leaf_not_after, earliest_not_after;
	const char *revocation;      /* "good", "revoked", "unknown" or NULL */
	int64_t crl_next_update;     /* 0: no CRL judged */
	char *why;                   /* not verified, closed or no
					certificate: why, after the verdict */
	size_t warnings;             /* profile defects, as warnings */
	struct mon_client {          /* the client profiles judged */
		char *id, *why;
		bool connects;
	} *clients;
	size_t n_clients;
};

struct mon_finding {
	char *code, *severity, *domain, *message;
};

struct xcv_monitor {
	struct xcv_monitor_params p;
	struct mon_ep *eps;
	size_t n_eps;
	struct mon_finding *findings;
	size_t n_findings;
	char *scan_domain;           /* the scan's, for the status line */
	double seconds;
	bool oom;                    /* a copy failed: render nothing */
};

static const char *const status_names[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN",
};

const char *
xcv_monitor_status_name(enum xcv_monitor_status status)
{
	return (unsigned)status < 4 ? status_names[status] : "UNKNOWN";
}

int
xcv_monitor_new(struct xcv_monitor **out,
	const struct xcv_monitor_params *params)
{
	struct xcv_monitor *m;

	*out = NULL;
	if (params == NULL || params->version != XCV_MONITOR_PARAMS_VERSION)
		return xcv_set_error(XCV_EINPUT, "monitor parameters of another "
			"version; use XCV_MONITOR_PARAMS_INIT");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return xcv_oom();
	m->p = *params;
	if (m->p.at == 0)
		m->p.at = (int64_t)time(NULL);
	*out = m;
	return 0;
}

static void
ep_clear(struct mon_ep *e)
{
	free(e->node);
	free(e->service);
	free(e->domain);
	free(e->address);
	free(e->matched_value);
	free(e->why);
	for (size_t i = 0; i < e->n_clients; i++) {
		free(e->clients[i].id);
		free(e->clients[i].why);
	}
	free(e->clients);
}

void
xcv_monitor_free(struct xcv_monitor *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_eps; i++)
		ep_clear(&m->eps[i]);
	for (size_t i = 0; i < m->n_findings; i++) {
		free(m->findings[i].code);
		free(m->findings[i].severity);
		free(m->findings[i].domain);
		free(m->findings[i].message);
	}
	free(m->eps);
	free(m->findings);
	free(m->scan_domain);
	free(m);
}

void
xcv_monitor_set_duration(struct xcv_monitor *m, double seconds)
{
	m->seconds = seconds;
}

/* A copy that may be of NULL; sets oom when the copy fails. */
static char *
dup_or_null(struct xcv_monitor *m, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		m->oom = true;
	return d;
}

static struct mon_ep *
new_ep(struct xcv_monitor *m)
{
	struct mon_ep *v = realloc(m->eps, (m->n_eps + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	m->eps = v;
	v = &m->eps[m->n_eps++];
	memset(v, 0, sizeof(*v));
	v->matched = -1;
	return v;
}

static int
add_finding(struct xcv_monitor *m, const char *code, const char *severity,
	const char *domain, const char *message)
{
	struct mon_finding *v = realloc(m->findings,
		(m->n_findings + 1) * sizeof(*v));

	if (v == NULL)
		return xcv_oom();
	m->findings = v;
	v = &m->findings[m->n_findings++];
	v->code = dup_or_null(m, code);
	v->severity = dup_or_null(m, severity);
	v->domain = dup_or_null(m, domain ? domain : "");
	v->message = dup_or_null(m, message);
	return m->oom ? xcv_oom() : 0;
}

/* Why a result is not verified, in a few words. */
static char *
why_not(const struct xcv_result *res)
{
	unsigned p = xcv_result_problems(res);
	struct xcv_text t = {0};
	const char *sep = "";
	const char *err = xcv_result_chain_error(res);

	if (xcv_result_verdict(res) == XCV_VERDICT_ACCEPTED) {
		put(&t, "accepted by you, not verified");
		sep = "; ";
	}
	if (p & XCV_PROBLEM_MISMATCH) {
		put(&t, "%scertificate does not name %s", sep,
			xcv_result_domain(res));
		sep = "; ";
	}
	if ((p & XCV_PROBLEM_UNTRUSTED) &&
	    xcv_result_verdict(res) != XCV_VERDICT_ACCEPTED) {
		put(&t, "%scertificate is not trusted%s%s", sep, err ? ": " : "",
			err ? err : "");
		sep = "; ";
	}
	if (p & (XCV_PROBLEM_EXPIRED | XCV_PROBLEM_INVALID)) {
		put(&t, "%s%s", sep, err ? err : "the chain is not valid");
		sep = "; ";
	}
	if (p & XCV_PROBLEM_PROFILE) {
		put(&t, "%sprofile defects (strict)", sep);
		sep = "; ";
	}
	if (p & XCV_PROBLEM_REVOKED) {
		const char *why, *state = xcv_result_revocation(res, &why);
		put(&t, "%srevocation %s: %s", sep, state ? state : "?",
			why ? why : "no reason given");
		sep = "; ";
	}
	if (*sep == '\0')
		put(&t, "not verified");
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* What a result says, into e. */
static void
take_result(struct xcv_monitor *m, struct mon_ep *e,
	const struct xcv_result *res)
{
	size_t n = xcv_result_cert_count(res);

	e->problems = xcv_result_problems(res);
	if (xcv_result_identity_matched(res)) {
		e->matched = (int)xcv_result_identity_field(res);
		e->matched_value = dup_or_null(m, xcv_result_identity_value(res));
	}
	e->have_cert = n > 0;
	e->revocation = xcv_result_revocation(res, NULL);
	e->crl_next_update = res->rev_checked ? res->rev.crl_next_update : 0;
	for (size_t i = 0; i < n; i++) {
		const struct xcv_cert_info *c = xcv_result_cert(res, i);
		if (i == 0)
			e->leaf_not_after = c->not_after_time;
		if (i == 0 || c->not_after_time < e->earliest_not_after)
			e->earliest_not_after = c->not_after_time;
	}
	if (e->verdict != XCV_VERDICT_VERIFIED && (e->why = why_not(res)) == NULL)
		m->oom = true;
	if (!(e->problems & XCV_PROBLEM_PROFILE))
		for (size_t i = 0; i < xcv_result_finding_count(res); i++)
			e->warnings += !xcv_result_finding(res, i)->anchor;
	n = xcv_result_client_count(res);
	if (n > 0 && (e->clients = calloc(n, sizeof(*e->clients))) == NULL)
		m->oom = true;
	for (size_t i = 0; e->clients && i < n; i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		e->clients[i].id = dup_or_null(m, c->client);
		e->clients[i].why = dup_or_null(m, c->why);
		e->clients[i].connects = c->verdict == XCV_CLIENT_CONNECTS;
		e->n_clients++;
	}
}

/* A check's client profiles that would not connect silently to what
 * xmppcv verified, as one finding (a scan has its own). */
static int
take_clients(struct xcv_monitor *m, const struct mon_ep *e,
	const struct xcv_result *res)
{
	struct xcv_strv who = {0};
	char *list = NULL, *msg = NULL;
	bool required = false;
	int rc = 0;

	if (!xcv_result_identity_matched(res) || !xcv_result_chain_trusted(res))
		return 0;
	for (size_t i = 0; i < xcv_result_client_count(res); i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		if (c->verdict == XCV_CLIENT_CONNECTS)
			continue;
		required |= c->required;
		xcv_strv_pushf(&who, "%s (%s)", c->client,
			xcv_client_verdict_name(c->verdict));
	}
	if (who.n > 0 || who.oom) {
		if ((list = xcv_strv_join(&who, ", ")) != NULL)
			msg = xcv_asprintf("%s %s: %s would not connect silently",
				e->node, e->service, list);
		rc = msg ? add_finding(m, "client-incompatible", required ?
			"error" : "warning", e->domain, msg) : XCV_ENOMEM;
	}
	free(list);
	free(msg);
	xcv_strv_clear(&who);
	return rc;
}

/* The profile defects of a result, as findings of the endpoint. */
static int
take_profile(struct xcv_monitor *m, const struct mon_ep *e,
	const struct xcv_result *res)
{
	const char *sev = (e->problems & XCV_PROBLEM_PROFILE) ? "error" :
		"warning";
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < xcv_result_finding_count(res); i++) {
		const struct xcv_finding_info *f = xcv_result_finding(res, i);
		char *msg;

		/* The trust anchor's own certificate is information. */
		if (f->anchor)
			continue;
		msg = xcv_asprintf("%s %s: %s", e->node, e->service, f->text);
		rc = msg ? add_finding(m, f->code, sev, e->domain, msg) :
			xcv_oom();
		free(msg);
	}
	/* What it is fit for: a warning for federation, say. */
	for (size_t i = 0; rc == 0 && i < res->n_notices; i++) {
		char *msg = xcv_asprintf("%s %s: %s", e->node, e->service,
			res->notices[i].text);
		rc = msg ? add_finding(m, res->notices[i].code,
			res->notices[i].severity, e->domain, msg) : xcv_oom();
		free(msg);
	}
	return rc;
}

int
xcv_monitor_add_check(struct xcv_monitor *m, const struct xcv_check *check,
	const char *target)
{
	const struct xcv_result *res = xcv_check_result(check);
	struct mon_ep *e = new_ep(m);

	if (e == NULL)
		return xcv_oom();
	e->node = dup_or_null(m, target);
	e->service = dup_or_null(m, check->service == XCV_SERVICE_HTTPS ?
		"https" : check->direct_tls ? "xmpps" :
		xcv_service_name(check->service));
	/* The domain settled, else the one given. */
	e->domain = dup_or_null(m, xcv_check_domain(check) ?
		xcv_check_domain(check) : check->disc.given ? check->disc.given :
		"");
	e->address = dup_or_null(m, xcv_check_address(check));
	e->verdict = xcv_check_verdict(check);
	e->required = true;
	/* The connection's findings, whatever the certificate: a password
	 * offered in the clear, or TLS 1.0 alone, fails the probe. */
	for (size_t i = 0; !m->oom && i < check->n_findings; i++) {
		const struct xcv_check_finding *f = &check->findings[i];
		char *msg = xcv_asprintf("%s %s: %s", e->node, e->service,
			f->message);
		if (msg == NULL || add_finding(m, f->code, f->severity,
		    e->domain, msg) < 0)
			m->oom = true;
		free(msg);
	}
	if (res != NULL) {
		take_result(m, e, res);
		if (!m->oom && (take_profile(m, e, res) < 0 ||
		    take_clients(m, e, res) < 0))
			return XCV_ENOMEM;
	} else {
		e->why = xcv_asprintf("%s: %s",
			xcv_phase_name(xcv_check_error_phase(check)),
			xcv_check_error_message(check));
		m->oom |= e->why == NULL;
	}
	return m->oom ? xcv_oom() : 0;
}

int
xcv_monitor_add_scan(struct xcv_monitor *m, const struct xcv_scan *scan)
{
	const char *sd = xcv_scan_domain(scan);
	size_t n = xcv_scan_endpoint_count(scan);

	if (sd != NULL && m->scan_domain == NULL)
		m->scan_domain = dup_or_null(m, sd);
	for (size_t i = 0; i < n && !m->oom; i++) {
		const struct xcv_scan_endpoint *v = xcv_scan_endpoint(scan, i);
		struct mon_ep *e = new_ep(m);
		if (e == NULL)
			return xcv_oom();
		e->node = dup_or_null(m, v->node);
		e->service = dup_or_null(m, xcv_scan_service_name(v->service));
		e->domain = dup_or_null(m, v->domain ? v->domain : sd ? sd : "");
		e->address = dup_or_null(m, v->address);
		e->verdict = v->verdict;
		e->required = v->required;
		if (v->result != NULL) {
			take_result(m, e, v->result);
			if (!m->oom && take_profile(m, e, v->result) < 0)
				return XCV_ENOMEM;
		} else if (v->verdict == XCV_VERDICT_CLOSED) {
			e->why = xcv_strdup(v->message ? v->message :
				"nothing listens");
			m->oom |= e->why == NULL;
		} else {
			e->why = xcv_asprintf("%s: %s", xcv_phase_name(v->phase),
				v->message ? v->message : "none was obtained");
			m->oom |= e->why == NULL;
		}
	}
	for (size_t i = 0; i < xcv_scan_finding_count(scan) && !m->oom; i++) {
		const struct xcv_scan_finding *f = xcv_scan_finding(scan, i);
		if (add_finding(m, f->code, f->severity, sd, f->message) < 0)
			return XCV_ENOMEM;
	}
	return m->oom ? xcv_oom() : 0;
}

int
xcv_monitor_add_error(struct xcv_monitor *m, const char *target,
	const char *service, const char *message)
{
	struct mon_ep *e = new_ep(m);

	if (e == NULL)
		return xcv_oom();
	e->node = dup_or_null(m, target ? target : "");
	e->service = dup_or_null(m, service ? service : "");
	e->domain = dup_or_null(m, "");
	e->verdict = XCV_VERDICT_NO_CERTIFICATE;
	e->required = true;
	e->why = xcv_asprintf("not checked: %s", message ? message : "bad input");
	m->oom |= e->why == NULL;
	return m->oom ? xcv_oom() : 0;
}

/* Whole days from the monitor's time to t, rounded down. */
static int64_t
days_left(const struct xcv_monitor *m, int64_t t)
{
	int64_t d = t - m->p.at, q = d / 86400;

	return d % 86400 < 0 ? q - 1 : q;
}

/* Does a closed port count? Only where the service is required. */
static bool
counted(const struct mon_ep *e)
{
	return e->verdict != XCV_VERDICT_CLOSED || e->required;
}

/* The status one endpoint gives. */
static enum xcv_monitor_status
ep_status(const struct xcv_monitor *m, const struct mon_ep *e)
{
	int64_t left;

	if (!counted(e))
		return XCV_MONITOR_OK;
	switch (e->verdict) {
	case XCV_VERDICT_VERIFIED:
		break;
	case XCV_VERDICT_NO_CERTIFICATE:
	case XCV_VERDICT_CLOSED:
		return XCV_MONITOR_UNKNOWN;
	default:
		return XCV_MONITOR_CRITICAL;
	}
	left = days_left(m, e->earliest_not_after);
	if (m->p.crit_days >= 0 && left < m->p.crit_days)
		return XCV_MONITOR_CRITICAL;
	if ((m->p.warn_days >= 0 && left < m->p.warn_days) || e->warnings)
		return XCV_MONITOR_WARNING;
	return XCV_MONITOR_OK;
}

/* A node that gave no certificate at all is unknown, not failed: its
 * endpoints say so already. */
static enum xcv_monitor_status
finding_status(const struct mon_finding *f)
{
	if (strcmp(f->code, "node-unreachable") == 0)
		return XCV_MONITOR_UNKNOWN;
	/* A note says what could be better; nothing is wrong. */
	if (strcmp(f->severity, "note") == 0)
		return XCV_MONITOR_OK;
	return strcmp(f->severity, "error") == 0 ? XCV_MONITOR_CRITICAL :
		XCV_MONITOR_WARNING;
}

/* CRITICAL > UNKNOWN > WARNING > OK. */
static int
rank(enum xcv_monitor_status s)
{
	static const int r[] = { 0, 1, 3, 2 };

	return r[s];
}

static enum xcv_monitor_status
worse(enum xcv_monitor_status a, enum xcv_monitor_status b)
{
	return rank(b) > rank(a) ? b : a;
}

enum xcv_monitor_status
xcv_monitor_status(const struct xcv_monitor *m)
{
	enum xcv_monitor_status s = XCV_MONITOR_OK;

	if (m->n_eps == 0)
		return XCV_MONITOR_UNKNOWN;
	for (size_t i = 0; i < m->n_eps; i++)
		s = worse(s, ep_status(m, &m->eps[i]));
	for (size_t i = 0; i < m->n_findings; i++) {
		/* Profile defects of a verified endpoint are already its
		 * warning; a scan's expiry warning follows warn_days. */
		s = worse(s, finding_status(&m->findings[i]));
	}
	return s;
}

bool
xcv_monitor_success(const struct xcv_monitor *m)
{
	bool success = m->n_eps > 0;

	for (size_t i = 0; i < m->n_eps; i++)
		if (counted(&m->eps[i]) &&
		    m->eps[i].verdict != XCV_VERDICT_VERIFIED)
			success = false;
	for (size_t i = 0; i < m->n_findings; i++)
		if (strcmp(m->findings[i].severity, "error") == 0)
			success = false;
	return success;
}

/* Plugin text on one line: no '|' (it starts the performance data), no
 * line breaks. */
static void
put_plain(struct xcv_text *t, const char *s)
{
	for (; s && *s; s++)
		put(t, "%c", *s == '|' ? '/' : *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* A perfdata label: quoted, without ' and =. */
static void
put_label(struct xcv_text *t, const char *node, const char *service,
	const char *what)
{
	put(t, "'");
	for (const char *s = node; *s; s++)
		put(t, "%c", *s == '\'' || *s == '=' || *s == '|' ? '_' : *s);
	put(t, " %s %s'", service, what);
}

/* What one endpoint's problem is, for the status line and its own line. */
static void
put_problem(struct xcv_text *t, const struct xcv_monitor *m,
	const struct mon_ep *e)
{
	char date[32];

	if (e->why != NULL) {
		if (e->verdict == XCV_VERDICT_CLOSED)
			put(t, "closed: ");
		else if (e->verdict == XCV_VERDICT_NO_CERTIFICATE)
			put(t, "no certificate: ");
		put_plain(t, e->why);
		return;
	}
	xcv_time_format(e->earliest_not_after, date);
	date[10] = '\0';
	if (e->warnings && days_left(m, e->earliest_not_after) >=
	    m->p.warn_days)
		put(t, "%zu profile defect%s (see the findings)", e->warnings,
			e->warnings == 1 ? "" : "s");
	else
		put(t, "certificate expires in %lld days, on %s",
			(long long)days_left(m, e->earliest_not_after), date);
}

/* The name on the status line: the scan's domain, else the one domain
 * every endpoint has, else how many. */
static const char *
headline(const struct xcv_monitor *m, char *buf, size_t len)
{
	const char *d = NULL;
	size_t n = 0;

	if (m->scan_domain != NULL)
		return m->scan_domain;
	for (size_t i = 0; i < m->n_eps; i++) {
		const char *e = m->eps[i].domain;
		if (e == NULL || *e == '\0')
			continue;
		if (d == NULL || strcmp(d, e) != 0)
			n++;
		if (d == NULL)
			d = e;
	}
	if (n <= 1)
		return d ? d : m->n_eps ? m->eps[0].node : "xmppcv";
	snprintf(buf, len, "%zu XMPP domains", n);
	return buf;
}

/* Nodes all of whose counted endpoints verified, of nodes. */
static void
count_nodes(const struct xcv_monitor *m, size_t *ok, size_t *all)
{
	*ok = *all = 0;
	for (size_t i = 0; i < m->n_eps; i++) {
		bool seen = false, good = true;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(m->eps[j].node, m->eps[i].node) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < m->n_eps; j++)
			if (strcmp(m->eps[j].node, m->eps[i].node) == 0 &&
			    counted(&m->eps[j]))
				good &= m->eps[j].verdict == XCV_VERDICT_VERIFIED;
		(*all)++;
		*ok += good;
	}
}

/* The status line's problems: the worst first, then "(and N more)". */
static void
put_worst(struct xcv_text *t, const struct xcv_monitor *m,
	enum xcv_monitor_status status)
{
	size_t more = 0;
	bool first = true;
	int64_t earliest = INT64_MAX;
	char date[32];

	for (size_t i = 0; i < m->n_eps; i++) {
		const struct mon_ep *e = &m->eps[i];
		enum xcv_monitor_status s = ep_status(m, e);
		if (e->have_cert && e->earliest_not_after < earliest)
			earliest = e->earliest_not_after;
		if (s == XCV_MONITOR_OK)
			continue;
		if (!first || s != status) {
			more++;
			continue;
		}
		put(t, "; ");
		put_plain(t, e->node);
		put(t, " %s: ", e->service);
		put_problem(t, m, e);
		first = false;
	}
	for (size_t i = 0; i < m->n_findings; i++) {
		const struct mon_finding *f = &m->findings[i];
		if (!first || finding_status(f) != status) {
			more++;
			continue;
		}
		put(t, "; %s: ", f->code);
		put_plain(t, f->message);
		first = false;
	}
	if (!first && more)
		put(t, " (and %zu more)", more);
	if (status == XCV_MONITOR_OK && earliest != INT64_MAX) {
		xcv_time_format(earliest, date);
		date[10] = '\0';
		put(t, "; the first certificate expires in %lld days, on %s",
			(long long)days_left(m, earliest), date);
	}
}

static void
put_threshold(struct xcv_text *t, int days)
{
	if (days >= 0)
		put(t, "%d:", days);
	put(t, ";");
}

char *
xcv_monitor_to_nagios(const struct xcv_monitor *m)
{
	enum xcv_monitor_status status = xcv_monitor_status(m);
	struct xcv_text t = {0};
	size_t ok, all, verified = 0, failed = 0, nocert = 0, counted_n = 0;
	char buf[64];

	if (m->oom) {
		xcv_oom();
		return NULL;
	}
	count_nodes(m, &ok, &all);
	put(&t, "XMPPCV %s - ", xcv_monitor_status_name(status));
	put_plain(&t, headline(m, buf, sizeof(buf)));
	put(&t, ": %zu of %zu node%s verified", ok, all, all == 1 ? "" : "s");
	put_worst(&t, m, status);
	/* Performance data. */
	put(&t, " |");
	for (size_t i = 0; i < m->n_eps; i++) {
		const struct mon_ep *e = &m->eps[i];
		if (!counted(e))
			continue;
		counted_n++;
		verified += e->verdict == XCV_VERDICT_VERIFIED;
		failed += e->verdict == XCV_VERDICT_NOT_VERIFIED ||
			e->verdict == XCV_VERDICT_ACCEPTED;
		nocert += e->verdict == XCV_VERDICT_NO_CERTIFICATE ||
			e->verdict == XCV_VERDICT_CLOSED;
		if (!e->have_cert)
			continue;
		put(&t, " ");
		put_label(&t, e->node, e->service, "days_left");
		put(&t, "=%lld;", (long long)days_left(m, e->earliest_not_after));
		put_threshold(&t, m->p.warn_days);
		put_threshold(&t, m->p.crit_days);
		put(&t, ";");
	}
	put(&t, " time=%.3fs;;;0; verified=%zu;;;0;%zu not_verified=%zu;;;0;%zu"
		" no_certificate=%zu;;;0;%zu\n", m->seconds, verified, counted_n,
		failed, counted_n, nocert, counted_n);
	/* The long text: every endpoint, then every finding. */
	for (size_t i = 0; i < m->n_eps; i++) {
		const struct mon_ep *e = &m->eps[i];
		put_plain(&t, e->node);
		put(&t, " %s", e->service);
		if (e->address) {
			put(&t, " (");
			put_plain(&t, e->address);
			put(&t, ")");
		}
		put(&t, ": %s", xcv_verdict_name(e->verdict));
		if (e->matched >= 0) {
			put(&t, " via %s ", xcv_field_name((enum xcv_field)e->matched));
			put_plain(&t, e->matched_value);
		}
		if (e->why) {
			put(&t, ": ");
			put_plain(&t, e->why);
		}
		if (e->have_cert) {
			xcv_time_format(e->earliest_not_after, buf);
			buf[10] = '\0';
			put(&t, "; expires in %lld days, on %s",
				(long long)days_left(m, e->earliest_not_after), buf);
		}
		put(&t, "\n");
		/* The client profiles that would not connect silently. */
		for (size_t k = 0; k < e->n_clients; k++) {
			if (e->clients[k].connects)
				continue;
			put(&t, "  client %s: ", e->clients[k].id);
			put_plain(&t, e->clients[k].why);
			put(&t, "\n");
		}
	}
	for (size_t i = 0; i < m->n_findings; i++) {
		const struct mon_finding *f = &m->findings[i];
		put(&t, "%s %s: ", strcmp(f->severity, "error") == 0 ? "ERROR" :
			strcmp(f->severity, "note") == 0 ? "NOTE" :
			"WARNING", f->code);
		put_plain(&t, f->message);
		put(&t, "\n");
	}
	if (t.oom) {
		free(t.s);
		xcv_oom();
		return NULL;
	}
	return t.s;
}

/* A label value: backslash, double quote and line feed escaped. */
static void
put_value(struct xcv_text *t, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			put(t, "\\%c", *s);
		else if (*s == '\n')
			put(t, "\\n");
		else
			put(t, "%c", *s);
	}
}

static void
put_family(struct xcv_text *t, const char *name, const char *type,
	const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{node="",service="",domain=""[,extra="value"]} */
static void
put_ep_sample(struct xcv_text *t, const char *name, const struct mon_ep *e,
	const char *extra, const char *value)
{
	put(t, "%s{node=\"", name);
	put_value(t, e->node);
	put(t, "\",service=\"");
	put_value(t, e->service);
	put(t, "\",domain=\"");
	put_value(t, e->domain);
	put(t, "\"");
	if (extra) {
		put(t, ",%s=\"", extra);
		put_value(t, value);
		put(t, "\"");
	}
	put(t, "}");
}

/*
 * why as a label value that stays the same from one scrape to the next:
 * without the time of the check ("(checked as at ...)", which would make
 * a new series every time), and at most REASON_MAX bytes (a server's
 * stream error text has no bound), cut on a character boundary.
 */
#define REASON_MAX 200
static void
reason_label(char *out, size_t size, const char *why)
{
	static const char at[] = " (checked as at ";
	const char *cut = strstr(why, at), *close, *p;
	size_t n = 0;

	for (p = why; *p && n + 1 < size && n < REASON_MAX; p++) {
		if (p == cut && (close = strchr(p, ')')) != NULL) {
			p = close;
			continue;
		}
		out[n++] = *p;
	}
	/* Never half a UTF-8 sequence: if the cut fell inside one, drop
	 * its continuation bytes and the lead byte they belonged to. */
	if (*p != '\0' && n > 0 && ((unsigned char)*p & 0xC0) == 0x80) {
		size_t k = n;
		while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xC0)
			n = k - 1;
	}
	out[n] = '\0';
}

char *
xcv_monitor_to_prometheus(const struct xcv_monitor *m)
{
	static const enum xcv_verdict verdicts[] = {
		XCV_VERDICT_VERIFIED, XCV_VERDICT_ACCEPTED,
		XCV_VERDICT_NOT_VERIFIED, XCV_VERDICT_NO_CERTIFICATE,
		XCV_VERDICT_CLOSED,
	};
	static const enum xcv_field fields[] = {
		XCV_FIELD_XMPPADDR, XCV_FIELD_SRVNAME, XCV_FIELD_DNSNAME,
		XCV_FIELD_CN,
	};
	struct xcv_text t = {0};
	int64_t earliest = INT64_MAX;
	bool success = xcv_monitor_success(m);
	char reason[REASON_MAX + 1];

	if (m->oom) {
		xcv_oom();
		return NULL;
	}
	for (size_t i = 0; i < m->n_eps; i++) {
		const struct mon_ep *e = &m->eps[i];
		if (e->have_cert && e->earliest_not_after < earliest)
			earliest = e->earliest_not_after;
	}
	put_family(&t, "probe_success", "gauge", "Whether the probe succeeded: "
		"every endpoint verified for its name, and no error finding.");
	put(&t, "probe_success %d\n", success);
	put_family(&t, "probe_duration_seconds", "gauge", "How long the probe "
		"took, in seconds.");
	put(&t, "probe_duration_seconds %.6f\n", m->seconds);
	if (earliest != INT64_MAX) {
		put_family(&t, "probe_ssl_earliest_cert_expiry", "gauge", "The "
			"earliest notAfter of the certificates presented, in unix "
			"seconds.");
		put(&t, "probe_ssl_earliest_cert_expiry %lld\n",
			(long long)earliest);
	}
	put_family(&t, "xmppcv_verified", "gauge", "Whether the endpoint's "
		"certificate verified for its XMPP domain (HTTPS: its host).");
	for (size_t i = 0; i < m->n_eps; i++) {
		if (!counted(&m->eps[i]))
			continue;
		put_ep_sample(&t, "xmppcv_verified", &m->eps[i], NULL, NULL);
		put(&t, " %d\n", m->eps[i].verdict == XCV_VERDICT_VERIFIED);
	}
	put_family(&t, "xmppcv_failure_info", "gauge", "Why the endpoint failed, "
		"in words (the reason label): 1 for each endpoint that is not "
		"verified, or was not checked.");
	for (size_t i = 0; i < m->n_eps; i++) {
		if (!counted(&m->eps[i]) || m->eps[i].why == NULL)
			continue;
		reason_label(reason, sizeof(reason), m->eps[i].why);
		put_ep_sample(&t, "xmppcv_failure_info", &m->eps[i], "reason",
			reason);
		put(&t, " 1\n");
	}
	put_family(&t, "xmppcv_verdict", "gauge", "The endpoint's verdict: 1 "
		"for the one it has, 0 for the others.");
	for (size_t i = 0; i < m->n_eps; i++)
		for (size_t v = 0; v < sizeof(verdicts) / sizeof(*verdicts); v++) {
			put_ep_sample(&t, "xmppcv_verdict", &m->eps[i], "verdict",
				xcv_verdict_name(verdicts[v]));
			put(&t, " %d\n", m->eps[i].verdict == verdicts[v]);
		}
	put_family(&t, "xmppcv_identity_match", "gauge", "Which identity field "
		"of the certificate named the domain: 1 for the one that matched.");
	for (size_t i = 0; i < m->n_eps; i++) {
		if (!m->eps[i].have_cert)
			continue;
		for (size_t f = 0; f < sizeof(fields) / sizeof(*fields); f++) {
			put_ep_sample(&t, "xmppcv_identity_match", &m->eps[i],
				"field", xcv_field_name(fields[f]));
			put(&t, " %d\n", m->eps[i].matched == (int)fields[f]);
		}
	}
	put_family(&t, "xmppcv_cert_not_after_seconds", "gauge", "The notAfter "
		"of the endpoint's certificate, in unix seconds.");
	for (size_t i = 0; i < m->n_eps; i++) {
		if (!m->eps[i].have_cert)
			continue;
		put_ep_sample(&t, "xmppcv_cert_not_after_seconds", &m->eps[i],
			NULL, NULL);
		put(&t, " %lld\n", (long long)m->eps[i].leaf_not_after);
	}
	put_family(&t, "xmppcv_revocation", "gauge", "The revocation state of "
		"the endpoint's certificates: 1 for the one they have (good, "
		"revoked, unknown), 0 for the others.");
	for (size_t i = 0; i < m->n_eps; i++)
		for (size_t s = 0; m->eps[i].revocation && s < 3; s++) {
			static const char *const states[] = { "good", "revoked",
				"unknown" };
			put_ep_sample(&t, "xmppcv_revocation", &m->eps[i], "state",
				states[s]);
			put(&t, " %d\n", strcmp(m->eps[i].revocation,
				states[s]) == 0);
		}
	put_family(&t, "xmppcv_crl_next_update_seconds", "gauge", "The "
		"earliest nextUpdate of the CRLs that judged the endpoint's "
		"certificates, in unix seconds: a CRL that is not renewed by "
		"then leaves revocation unknown.");
	for (size_t i = 0; i < m->n_eps; i++) {
		if (m->eps[i].crl_next_update == 0)
			continue;
		put_ep_sample(&t, "xmppcv_crl_next_update_seconds", &m->eps[i],
			NULL, NULL);
		put(&t, " %lld\n", (long long)m->eps[i].crl_next_update);
	}
	put_family(&t, "xmppcv_client_connects", "gauge", "Whether a client "
		"profile would connect to the endpoint without asking: 1 yes, 0 "
		"it would prompt or fail.");
	for (size_t i = 0; i < m->n_eps; i++)
		for (size_t k = 0; k < m->eps[i].n_clients; k++) {
			put_ep_sample(&t, "xmppcv_client_connects", &m->eps[i],
				"client", m->eps[i].clients[k].id);
			put(&t, " %d\n", m->eps[i].clients[k].connects);
		}
	put_family(&t, "xmppcv_findings", "gauge", "Findings by code and "
		"severity: across nodes, and profile defects of certificates.");
	for (size_t i = 0; i < m->n_findings; i++) {
		const struct mon_finding *f = &m->findings[i];
		size_t n = 0;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(m->findings[j].code, f->code) == 0 &&
				strcmp(m->findings[j].severity, f->severity) == 0 &&
				strcmp(m->findings[j].domain, f->domain) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < m->n_findings; j++)
			n += strcmp(m->findings[j].code, f->code) == 0 &&
				strcmp(m->findings[j].severity, f->severity) == 0 &&
				strcmp(m->findings[j].domain, f->domain) == 0;
		put(&t, "xmppcv_findings{domain=\"");
		put_value(&t, f->domain);
		put(&t, "\",code=\"");
		put_value(&t, f->code);
		put(&t, "\",severity=\"");
		put_value(&t, f->severity);
		put(&t, "\"} %zu\n", n);
	}
	if (t.oom) {
		free(t.s);
		xcv_oom();
		return NULL;
	}
	return t.s;
}
