/* Domain discovery: candidates, attempts and their judgement (discovery.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "identity.h"

int
xcv_failure_set(struct xcv_failure *f, enum xcv_phase phase,
	const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* Format first: the arguments may include the old message. */
	va_start(ap, fmt);
	msg = xcv_vasprintf(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		return xcv_oom();
	free(f->message);
	f->message = msg;
	f->phase = phase;
	return 0;
}

void
xcv_failure_clear(struct xcv_failure *f)
{
	free(f->message);
	f->message = NULL;
	f->phase = XCV_PHASE_NONE;
}

int
xcv_discovery_init(struct xcv_discovery *d, const struct xcv_target *t,
	const char *given)
{
	bool ip;
	int rc;

	memset(d, 0, sizeof(*d));
	if (given != NULL) {
		rc = xcv_reference_normalize(&d->given, &ip, given);
		if (rc < 0)
			return rc;
		return xcv_strv_push(&d->candidates, d->given);
	}
	if (t->jid_domain != NULL)
		return xcv_strv_push(&d->candidates, t->jid_domain);
	if (t->host_is_ip)
		return 0;
	xcv_strv_push(&d->candidates, t->host);
	/* Parent domains while two or more labels remain. */
	for (const char *h = strchr(t->host, '.'); h && strchr(h + 1, '.');
	     h = strchr(h + 1, '.'))
		if (!xcv_strv_contains(&d->candidates, h + 1))
			xcv_strv_push(&d->candidates, h + 1);
	return xcv_strv_ok(&d->candidates);
}

static void
attempt_clear(struct xcv_attempt *a)
{
	free(a->to);
	free(a->from);
	free(a->address);
	free(a->outcome);
	free(a->detail);
	free(a->see_other_host);
	free(a->fail_message);
}

void
xcv_discovery_clear(struct xcv_discovery *d)
{
	xcv_strv_clear(&d->candidates);
	free(d->given);
	for (size_t i = 0; i < d->n; i++)
		attempt_clear(&d->v[i]);
	free(d->v);
	free(d->domain);
	xcv_failure_clear(&d->why);
	xcv_strv_clear(&d->warnings);
	memset(d, 0, sizeof(*d));
}

/* A new attempt at the end, or NULL. Strings are copied. */
static struct xcv_attempt *
add(struct xcv_discovery *d, enum xcv_answer answer, const char *to,
	const char *from, const char *address, const char *outcome,
	const char *detail)
{
	struct xcv_attempt *v = realloc(d->v, (d->n + 1) * sizeof(*v)), *a;

	if (v == NULL)
		return NULL;
	d->v = v;
	a = &v[d->n];
	memset(a, 0, sizeof(*a));
	a->answer = answer;
	a->to = xcv_strdup(to);
	a->from = xcv_strdup(from);
	a->address = xcv_strdup(address);
	a->outcome = xcv_strdup(outcome);
	a->detail = xcv_strdup(detail);
	if (a->to == NULL || a->address == NULL || a->outcome == NULL ||
	    (from && a->from == NULL) || (detail && a->detail == NULL)) {
		attempt_clear(a);
		return NULL;
	}
	d->n++;
	return a;
}

int
xcv_discovery_record_refused(struct xcv_discovery *d, const char *to,
	const char *address, const char *message)
{
	enum xcv_next next;

	if (add(d, XCV_ANSWER_CONNECT_FAILED, to, NULL, address,
	    "connect failed", message) == NULL)
		return xcv_oom();
	return xcv_discovery_judge(d, d->n - 1, &next);
}

/* What the probe for 'to' got, as discovery reads it. */
static enum xcv_answer
classify(const struct xcv_probe *pr, const char *to, enum xcv_service service,
	bool direct_tls)
{
	const struct xcv_stream_state *st = xcv_probe_stream(pr);
	const char *cond = st->error_condition;
	const char *want = service == XCV_SERVICE_S2S ? "jabber:server" :
		"jabber:client";
	bool failed = xcv_probe_failed(pr);

	/* RFC 6120 §4.8.2: the reply's default namespace says which port
	 * this is, whatever the server let us ask for. */
	if (st->header && st->ns && strcmp(st->ns, want) != 0 &&
	    (strcmp(st->ns, "jabber:client") == 0 ||
	     strcmp(st->ns, "jabber:server") == 0))
		return XCV_ANSWER_WRONG_SERVICE;
	/* RFC 6120 §4.9.3.6/§4.9.3.5: this server does not serve 'to'. */
	if (st->header && st->error)
		return cond && (strcmp(cond, "host-unknown") == 0 ||
			strcmp(cond, "host-gone") == 0) ? XCV_ANSWER_NOT_SERVED :
			XCV_ANSWER_STREAM_ERROR;
	/* Direct TLS picks the certificate by SNI: an unknown name gets
	 * alert 112, which is this server's "host-unknown". */
	if (failed && direct_tls && xcv_probe_tls_alert(pr) == 112)
		return XCV_ANSWER_NOT_SERVED;
	if (!st->header || (!st->features && failed))
		return XCV_ANSWER_FAILED;
	return st->from == NULL || *st->from == '\0' ||
		xcv_same_domain(st->from, to) ? XCV_ANSWER_ACCEPTED :
		XCV_ANSWER_ANNOUNCED;
}

int
xcv_discovery_record(struct xcv_discovery *d, const struct xcv_probe *pr,
	const char *to, const char *address, enum xcv_service service,
	bool direct_tls)
{
	const struct xcv_stream_state *st = xcv_probe_stream(pr);
	enum xcv_answer answer = classify(pr, to, service, direct_tls);
	bool failed = xcv_probe_failed(pr);
	struct xcv_attempt *a = NULL;

	switch (answer) {
	case XCV_ANSWER_WRONG_SERVICE:
		a = add(d, answer, to, st->from, address, "wrong service", st->ns);
		break;
	case XCV_ANSWER_NOT_SERVED:
	case XCV_ANSWER_STREAM_ERROR:
		if (!st->error) {
			a = add(d, answer, to, NULL, address,
				"unrecognized-name", "TLS alert 112 for SNI");
			break;
		}
		a = add(d, answer, to, st->from, address, st->error_condition ?
			st->error_condition : "stream error", st->error_text);
		if (a && st->see_other_host &&
		    (a->see_other_host = xcv_strdup(st->see_other_host)) == NULL)
			return xcv_oom();
		break;
	case XCV_ANSWER_FAILED:
		a = add(d, answer, to, st->from, address, "failed",
			failed ? xcv_probe_fail_message(pr) : "no reply");
		break;
	case XCV_ANSWER_ACCEPTED:
	case XCV_ANSWER_ANNOUNCED:
		a = add(d, answer, to, st->from, address,
			answer == XCV_ANSWER_ACCEPTED ? "accepted" : "announced",
			NULL);
		break;
	case XCV_ANSWER_CONNECT_FAILED:
		/* Not a reading of a probe: xcv_discovery_record_refused(). */
		break;
	}
	if (a == NULL)
		return xcv_oom();
	if (failed) {
		a->fail_phase = xcv_probe_fail_phase(pr);
		a->fail_message = xcv_strdup(xcv_probe_fail_message(pr));
		if (a->fail_message == NULL)
			return xcv_oom();
	}
	return 0;
}

/* Does the probe for candidate k leave the domain to the next one? Not
 * served; or, where the caller's judgement goes on after one, no
 * connection at all. */
static bool
passes(const struct xcv_race *r, size_t k)
{
	const struct xcv_probe *pr = r->v[k];

	if (xcv_probe_failed(pr) &&
	    xcv_probe_fail_phase(pr) == XCV_PHASE_CONNECT)
		return r->connect_passes;
	return classify(pr, r->to[k], r->service, r->direct_tls) ==
		XCV_ANSWER_NOT_SERVED;
}

int
xcv_discovery_foresee(char **domain, const struct xcv_discovery *d,
	const struct xcv_probe *pr, const char *to, enum xcv_service service,
	bool direct_tls)
{
	const struct xcv_stream_state *st = xcv_probe_stream(pr);
	bool ip;

	*domain = NULL;
	switch (classify(pr, to, service, direct_tls)) {
	case XCV_ANSWER_ACCEPTED:
		*domain = xcv_strdup(d->given ? d->given : to);
		return *domain ? 0 : xcv_oom();
	case XCV_ANSWER_ANNOUNCED:
		if (d->given) {
			*domain = xcv_strdup(d->given);
			return *domain ? 0 : xcv_oom();
		}
		/* Not a valid domain: settle() fails it; no domain. */
		if (xcv_reference_normalize(domain, &ip, st->from) == XCV_ENOMEM)
			return XCV_ENOMEM;
		return 0;
	default:
		return 0;
	}
}

int
xcv_discovery_race(struct xcv_race *r)
{
	size_t k;
	int rc = 0;

	for (k = 0; k < r->n; k++) {
		struct xcv_probe *pr = r->v[k];
		if (xcv_probe_running(pr))
			return 0;        /* its answer comes first: wait */
		if (xcv_probe_held(pr) || !passes(r, k))
			break;
	}
	/* Candidate k decides (or none is left): those after it are not
	 * needed, and never reach STARTTLS. */
	for (size_t j = k + 1; j < r->n; j++)
		xcv_probe_cancel(r->v[j]);
	if (k < r->n && xcv_probe_held(r->v[k])) {
		r->winner = k;
		xcv_probe_go_on(r->v[k]);
		rc = xcv_loop_add(r->loop, r->v[k], r->done, r->ud);
		r->requeued += rc == 0;
		return rc;
	}
	return 0;
}

/* Header and features: the domain is settled, given or learned. */
static int
settle(struct xcv_discovery *d, const struct xcv_attempt *a)
{
	if (a->answer == XCV_ANSWER_ACCEPTED) {
		d->source = d->given ? XCV_DOMAIN_GIVEN : XCV_DOMAIN_ACCEPTED;
		d->domain = xcv_strdup(d->given ? d->given : a->to);
		if (a->from == NULL || *a->from == '\0')
			xcv_strv_pushf(&d->warnings, "the server's stream header "
				"has no 'from'; RFC 6120 §4.7.1 requires it");
	} else if (d->given) {
		d->source = XCV_DOMAIN_GIVEN;
		d->domain = xcv_strdup(d->given);
		xcv_strv_pushf(&d->warnings, "the server answered as '%s' "
			"although it was asked for %s; verifying against %s as "
			"given", a->from, d->given, d->given);
	} else {
		bool ip;
		if (xcv_reference_normalize(&d->domain, &ip, a->from) < 0)
			return xcv_failure_set(&d->why, XCV_PHASE_STREAM, "the "
				"server announced the domain '%s', which is not a "
				"valid domain", a->from);
		d->source = XCV_DOMAIN_ANNOUNCED;
	}
	if (d->domain == NULL)
		return xcv_oom();
	if (xcv_strv_ok(&d->warnings) < 0)
		return XCV_ENOMEM;
	/* Settled, but the probe may still have failed later (STARTTLS,
	 * the handshake). */
	if (a->fail_phase != XCV_PHASE_NONE)
		return xcv_failure_set(&d->why, a->fail_phase, "%s",
			a->fail_message);
	xcv_failure_clear(&d->why);
	return 0;
}

/* The port serves the other service: say which, and where to look. */
static int
wrong_service(struct xcv_failure *why, bool client_port)
{
	if (client_port)
		return xcv_failure_set(why, XCV_PHASE_STREAM, "the server answered "
			"with a client stream (jabber:client): this port serves "
			"clients (c2s), not servers (s2s); check the "
			"server-to-server port (5269), or check this one as c2s");
	return xcv_failure_set(why, XCV_PHASE_STREAM, "the server answered with "
		"a server stream (jabber:server): this port serves servers (s2s), "
		"not clients (c2s); check the client port (5222), or check this "
		"one as s2s");
}

int
xcv_discovery_judge(struct xcv_discovery *d, size_t i, enum xcv_next *next)
{
	const struct xcv_attempt *a = &d->v[i];
	struct xcv_failure *why = &d->why;

	*next = XCV_NEXT_STOP;
	switch (a->answer) {
	case XCV_ANSWER_NOT_SERVED:
		*next = XCV_NEXT_CANDIDATE;
		if (strcmp(a->outcome, "unrecognized-name") == 0)
			return xcv_failure_set(why, XCV_PHASE_DISCOVERY, "the server "
				"has no certificate for %s (TLS alert unrecognized "
				"name)", a->to);
		return xcv_failure_set(why, XCV_PHASE_DISCOVERY, "the server does "
			"not serve %s (%s)", a->to, a->outcome);
	case XCV_ANSWER_CONNECT_FAILED:
		*next = XCV_NEXT_CANDIDATE;
		return xcv_failure_set(why, XCV_PHASE_CONNECT, "%s", a->detail);
	case XCV_ANSWER_STREAM_ERROR:
		if (strcmp(a->outcome, "see-other-host") == 0)
			return xcv_failure_set(why, XCV_PHASE_STREAM, "the server "
				"redirects to %s (see-other-host): check that host "
				"instead", a->see_other_host ? a->see_other_host : "?");
		return xcv_failure_set(why, XCV_PHASE_STREAM, "the server closed "
			"the stream with the error <%s/>%s%s",
			strcmp(a->outcome, "stream error") ? a->outcome : "?",
			a->detail ? ": " : "", a->detail ? a->detail : "");
	case XCV_ANSWER_FAILED:
		return xcv_failure_set(why, a->fail_phase != XCV_PHASE_NONE ?
			a->fail_phase : XCV_PHASE_STREAM, "%s", a->detail);
	case XCV_ANSWER_WRONG_SERVICE:
		return wrong_service(why, strcmp(a->detail, "jabber:client") == 0);
	case XCV_ANSWER_ACCEPTED:
	case XCV_ANSWER_ANNOUNCED:
		return settle(d, a);
	}
	return 0;
}
