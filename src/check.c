/*
 * The live check: target -> resolve -> discovery (one probe per candidate)
 * -> the chain the last probe captured -> xcv_verify(), the same verdict
 * as for offline files. Rendering is report.c's; the login is login.c's.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

/* What TLS gave the probe, kept for the report and for verification. */
static int
take_tls(struct xcv_check *c, struct xcv_probe *pr)
{
	c->tls_done = xcv_probe_tls_done(pr);
	if (!c->tls_done)
		return 0;
	c->version = xcv_strdup(xcv_probe_tls_version(pr));
	c->cipher = xcv_strdup(xcv_probe_tls_cipher(pr));
	c->sni = xcv_strdup(xcv_probe_sni(pr));
	c->alpn = xcv_strdup(xcv_probe_tls_alpn(pr));
	c->chain = xcv_probe_take_chain(pr);
	free(c->staple);
	c->staple = xcv_probe_take_staple(pr, &c->staple_len);
	/* Each copy, or none where there was nothing to copy. */
	return c->version && c->cipher &&
		(c->sni || !xcv_probe_sni(pr)) &&
		(c->alpn || !xcv_probe_tls_alpn(pr)) ? 0 : xcv_oom();
}

static bool
refused(const struct xcv_probe *pr)
{
	return xcv_probe_failed(pr) &&
		xcv_probe_fail_phase(pr) == XCV_PHASE_CONNECT;
}

/* What the stream offered before STARTTLS (RFC 6120 §5.3.1, §6.4.1). */
static int
take_clear(struct xcv_check *c, struct xcv_probe *pr)
{
	const struct xcv_stream_state *st = xcv_probe_stream(pr);

	if (!st->features)
		return 0;
	c->clear_seen = true;
	c->starttls_offered = st->starttls;
	c->starttls_required = st->starttls_required;
	for (size_t i = 0; i < st->mechanisms.n; i++)
		xcv_strv_push(&c->clear_mechanisms, st->mechanisms.v[i]);
	return xcv_strv_ok(&c->clear_mechanisms);
}

/* Findings on the clear stream: a downgrade, a password in the clear. */
static int
judge_clear(struct xcv_check *c)
{
	bool s2s = c->service == XCV_SERVICE_S2S;
	struct xcv_check_finding *f;
	char *clear = NULL;

	for (size_t i = 0; i < c->clear_mechanisms.n; i++) {
		const char *m = c->clear_mechanisms.v[i];
		char *more;
		if (strcmp(m, "PLAIN") != 0 && strcmp(m, "LOGIN") != 0)
			continue;
		more = xcv_asprintf("%s%s%s", clear ? clear : "",
			clear ? " and " : "", m);
		free(clear);
		if ((clear = more) == NULL)
			return xcv_oom();
	}
	if (clear != NULL) {
		f = &c->findings[c->n_findings++];
		*f = (struct xcv_check_finding){ "plaintext-auth", "error",
			xcv_asprintf("the server offers %s before TLS: a client "
			"that takes it sends the password in the clear", clear),
			s2s ? "offer SASL to other servers only over TLS: Prosody "
			"s2s_require_encryption = true; ejabberd s2s_use_starttls: "
			"required" : "offer password mechanisms only over TLS: "
			"Prosody allow_unencrypted_plain_auth = false (its default) "
			"and c2s_require_encryption = true; ejabberd "
			"starttls_required: true on the listener", false };
		free(clear);
		if (f->message == NULL)
			return xcv_oom();
	}
	/* No STARTTLS at all fails the check itself (phase starttls). */
	if (c->starttls_offered && !c->starttls_required) {
		f = &c->findings[c->n_findings++];
		*f = (struct xcv_check_finding){ "starttls-optional", "warning",
			xcv_strdup("the server offers STARTTLS without <required/>: "
			"a client may go on without TLS, and anyone on the path "
			"can remove the offer (a downgrade)"),
			s2s ? "require TLS on the port: Prosody "
			"s2s_require_encryption = true; ejabberd "
			"s2s_use_starttls: required" : "require TLS on the port: "
			"Prosody c2s_require_encryption = true; ejabberd "
			"starttls_required: true on the listener", false };
		if (f->message == NULL)
			return xcv_oom();
	}
	return 0;
}

/* Verify the chain the check obtained, with its stapled OCSP answer; with
 * the posture, the client profiles learn which TLS versions the server
 * accepts (a client whose minimum it refuses cannot connect at all). */
static int
verify_live(struct xcv_result **out, const struct xcv_check *c,
	struct xcv_config *cfg)
{
	struct xcv_live live = { .staple = c->staple, .staple_len =
		c->staple_len, .staple_asked = true, .timeout_ms = c->timeout_ms,
		.deadline = c->deadline };
	int rc = xcv_verify_live(out, cfg, c->chain, c->disc.domain, c->service,
		&live);

	if (rc == 0 && c->posture)
		rc = xcv_clients_judge_versions(*out, c->tls_versions);
	if (rc < 0) {
		xcv_result_free(*out);
		*out = NULL;
	}
	return rc;
}

/* A candidate's probe left the loop: the race goes on or is over. */
static int
raced(void *ud, struct xcv_probe *pr)
{
	(void)pr;
	return xcv_discovery_race(ud);
}

/*
 * One connection per candidate, all at once, on endpoint ep; then judge
 * the answers in the order of the candidates: the first that settles the
 * domain wins. Discovery so costs one round trip, not one per candidate,
 * and the race (discovery.h) lets only the winner go on to TLS.
 * *connected tells whether any connection was made.
 */
static int
discover_at(struct xcv_check *c, const struct xcv_check_params *p,
	const struct xcv_endpoint *ep, bool *connected)
{
	struct xcv_discovery *d = &c->disc;
	size_t n = d->candidates.n < (size_t)p->max_attempts ?
		d->candidates.n : (size_t)p->max_attempts;
	struct xcv_probe **pr = calloc(n ? n : 1, sizeof(*pr));
	struct xcv_race race = {
		.v = pr, .to = (const char *const *)d->candidates.v, .n = n,
		.service = c->service, .direct_tls = c->direct_tls,
		.connect_passes = true, .done = raced, .ud = &race,
	};
	int rc = pr ? xcv_loop_new(&race.loop, n ? n : 1) : xcv_oom();

	*connected = false;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct xcv_probe_params pp = {
			.ep = ep, .to = d->candidates.v[i], .from = p->from,
			.service = c->service, .direct_tls = c->direct_tls,
			.timeout_ms = p->timeout_ms, .deadline = c->deadline,
			.tls = c->tls, .hold = n > 1 && !c->direct_tls,
		};
		rc = xcv_probe_new(&pr[i], &pp);
		if (rc == 0)
			rc = xcv_loop_add(race.loop, pr[i], raced, &race);
	}
	if (rc == 0)
		rc = xcv_loop_run(race.loop);
	for (size_t i = 0; rc == 0 && i < n; i++)
		*connected |= !refused(pr[i]) && !xcv_probe_cancelled(pr[i]);
	if (rc == 0 && !*connected && n > 0)
		rc = xcv_discovery_record_refused(d, d->candidates.v[0],
			ep->addrtext, xcv_probe_fail_message(pr[0]));
	for (size_t i = 0; rc == 0 && *connected && i < n; i++) {
		enum xcv_next next = XCV_NEXT_STOP;
		if (xcv_probe_cancelled(pr[i]))
			break;
		if (refused(pr[i])) {
			rc = xcv_discovery_record_refused(d, d->candidates.v[i],
				ep->addrtext, xcv_probe_fail_message(pr[i]));
			continue;
		}
		rc = xcv_discovery_record(d, pr[i], d->candidates.v[i],
			ep->addrtext, c->service, c->direct_tls);
		if (rc == 0)
			rc = xcv_discovery_judge(d, d->n - 1, &next);
		if (rc == 0 && next == XCV_NEXT_STOP) {
			if (d->v[d->n - 1].answer != XCV_ANSWER_STREAM_ERROR)
				rc = take_tls(c, pr[i]);
			if (rc == 0 && !c->direct_tls)
				rc = take_clear(c, pr[i]);
			break;
		}
	}
	for (size_t i = 0; pr && i < n; i++)
		xcv_probe_free(pr[i]);
	free(pr);
	xcv_loop_free(race.loop);
	return rc;
}

/* The first address that takes a connection settles the domain, or not. */
static int
discover(struct xcv_check *c, const struct xcv_check_params *p)
{
	struct xcv_discovery *d = &c->disc;
	bool connected = false;
	int rc = 0;

	for (size_t i = 0; rc == 0 && !connected && i < c->eps.n; i++) {
		rc = discover_at(c, p, &c->eps.v[i], &connected);
		if (connected)
			c->used = &c->eps.v[i];
	}
	if (rc < 0)
		return rc;
	if (d->domain == NULL && d->why.phase == XCV_PHASE_DISCOVERY &&
	    d->n > 1)
		return xcv_failure_set(&c->failure, XCV_PHASE_DISCOVERY, "the "
			"server accepted none of the %zu domains tried; the last: "
			"%s", d->n, d->why.message);
	if (d->why.phase != XCV_PHASE_NONE)
		return xcv_failure_set(&c->failure, d->why.phase, "%s",
			d->why.message);
	return 0;
}

/*
 * HTTPS (the Tomcat certificate of a node): TLS with SNI and ALPN
 * http/1.1, then HEAD / to see that an HTTP server answers. The reference
 * identity is the host name (or the domain given).
 */
static int
check_https(struct xcv_check *c, struct xcv_config *cfg,
	const struct xcv_check_params *p)
{
	const char *name = c->disc.given ? c->disc.given : c->target.host;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->eps.n && c->used == NULL; i++) {
		struct xcv_probe_params pp = { .ep = &c->eps.v[i],
			.to = c->target.host, .service = XCV_SERVICE_HTTPS,
			.timeout_ms = p->timeout_ms, .deadline = c->deadline,
			.tls = c->tls };
		struct xcv_probe *pr = NULL;

		rc = xcv_probe_new(&pr, &pp);
		if (rc == 0)
			rc = xcv_probes_run(&pr, 1);
		if (rc == 0 && refused(pr)) {
			rc = xcv_failure_set(&c->failure, XCV_PHASE_CONNECT, "%s",
				xcv_probe_fail_message(pr));
		} else if (rc == 0) {
			c->used = &c->eps.v[i];
			rc = take_tls(c, pr);
			if (rc == 0 && xcv_probe_http_status(pr))
				c->http_status = xcv_strdup(xcv_probe_http_status(pr));
			if (rc == 0 && xcv_probe_failed(pr) && c->chain)
				rc = xcv_strv_pushf(&c->disc.warnings, "%s",
					xcv_probe_fail_message(pr));
			else if (rc == 0 && xcv_probe_failed(pr))
				rc = xcv_failure_set(&c->failure,
					xcv_probe_fail_phase(pr), "%s",
					xcv_probe_fail_message(pr));
			else if (rc == 0)
				xcv_failure_clear(&c->failure);
		}
		xcv_probe_free(pr);
	}
	if (rc == 0 && c->chain != NULL) {
		c->disc.domain = xcv_strdup(name);
		rc = c->disc.domain ? verify_live(&c->res, c, cfg) : xcv_oom();
	}
	return rc;
}

int
xcv_check_run(struct xcv_check **out, struct xcv_config *cfg,
	const struct xcv_check_params *params)
{
	unsigned long failures = xcv_alloc_failures();
	struct xcv_check_params p = {0};
	struct xcv_pin *pins = NULL;
	struct xcv_check *c = NULL;
	int rc;

	*out = NULL;
	/* Version 1 ends before total_timeout_ms, version 2 before posture,
	 * version 3 before s2s_auth. */
	if (params->version == 1)
		memcpy(&p, params, offsetof(struct xcv_check_params,
			total_timeout_ms));
	else if (params->version == 2)
		memcpy(&p, params, offsetof(struct xcv_check_params, posture));
	else if (params->version == 3)
		memcpy(&p, params, offsetof(struct xcv_check_params, s2s_auth));
	else if (params->version == XCV_CHECK_PARAMS_VERSION)
		p = *params;
	else
		return xcv_set_error(XCV_EINPUT, "check parameters of version %u; "
			"this library knows versions 1 to %d (use "
			"XCV_CHECK_PARAMS_INIT)", params->version,
			XCV_CHECK_PARAMS_VERSION);
	if (p.timeout_ms <= 0)
		p.timeout_ms = 10000;
	if (p.max_attempts <= 0)
		p.max_attempts = 5;
	c = calloc(1, sizeof(*c));
	pins = calloc(p.n_resolve ? p.n_resolve : 1, sizeof(*pins));
	if (c == NULL || pins == NULL) {
		rc = xcv_oom();
		goto out;
	}
	c->deadline = xcv_deadline_after(p.total_timeout_ms);
	c->timeout_ms = p.timeout_ms;
	c->service = cfg->service;
	c->direct_tls = p.direct_tls;
	c->target_text = xcv_strdup(p.target);
	if (xcv_config_input(cfg, XCV_INPUT_DOMAIN) != NULL)
		c->domain_input = xcv_strdup(xcv_config_input(cfg,
			XCV_INPUT_DOMAIN));
	if (c->target_text == NULL || (c->domain_input == NULL &&
	    xcv_config_input(cfg, XCV_INPUT_DOMAIN) != NULL)) {
		rc = xcv_oom();
		goto out;
	}
	rc = xcv_target_parse(&c->target, p.target);
	/* The certificate to present is read before any connection: bad
	 * input is said at once. */
	if (rc == 0 && p.s2s_auth && cfg->service == XCV_SERVICE_S2S)
		rc = xcv_s2s_auth_prepare(c, &p);
	for (size_t i = 0; rc == 0 && i < p.n_resolve; i++)
		rc = xcv_pin_parse(&pins[i], p.resolve[i]);
	if (rc == 0)
		rc = xcv_discovery_init(&c->disc, &c->target, p.domain);
	if (rc == 0 && cfg->service == XCV_SERVICE_HTTPS &&
	    c->target.jid_domain != NULL)
		rc = xcv_set_error(XCV_EINPUT, "an HTTPS check takes a host name "
			"or an address, not a JID");
	if (rc < 0)
		goto out;
	if (c->disc.candidates.n == 0 && cfg->service != XCV_SERVICE_HTTPS) {
		rc = xcv_failure_set(&c->failure, XCV_PHASE_DISCOVERY, "%s is an "
			"IP address, so there is no XMPP domain to try",
			c->target.host);
		goto out;
	}
	{
		struct xcv_resolve_params rp = {
			.target = &c->target, .service = c->service,
			.direct_tls = p.direct_tls, .pins = pins,
			.n_pins = p.n_resolve, .dns_server = p.dns_server,
			.timeout_ms = xcv_budget_ms(c->deadline, p.timeout_ms),
		};
		rc = xcv_resolve(&c->eps, &rp);
		if (rc == XCV_ECONNECT) {
			rc = xcv_failure_set(&c->failure, XCV_PHASE_DNS, "%s",
				xcv_error_last());
			goto out;
		}
		if (rc < 0)
			goto out;
	}
	if ((rc = xcv_tls_ctx_new(&c->tls)) < 0)
		goto out;
	rc = cfg->service == XCV_SERVICE_HTTPS ? check_https(c, cfg, &p) :
		discover(c, &p);
	if (rc == 0 && c->clear_seen)
		rc = judge_clear(c);
	/* Also, and above all, when the check's own handshake failed: a
	 * server that speaks only TLS 1.0 is why a client cannot connect. */
	c->posture_asked = p.posture;
	if (rc == 0 && p.posture && c->used != NULL && (c->disc.domain ||
	    c->service == XCV_SERVICE_HTTPS))
		rc = xcv_posture_run(c, &p);
	c->s2s_auth_asked = p.s2s_auth && c->service == XCV_SERVICE_S2S;
	if (rc == 0 && c->s2s_auth_asked && c->used != NULL && c->disc.domain)
		rc = xcv_s2s_auth_run(c, &p);
	if (rc < 0 || c->res != NULL)
		goto out;
	if (c->failure.phase == XCV_PHASE_NONE && c->chain != NULL)
		rc = verify_live(&c->res, c, cfg);
	if (rc == 0 && c->res != NULL)
		rc = xcv_federation_auth(c, cfg, &p);
	else if (c->failure.phase == XCV_PHASE_NONE)
		rc = xcv_failure_set(&c->failure, XCV_PHASE_STREAM, "no "
			"certificate was obtained");
out:
	if (c != NULL) {
		xcv_tls_ctx_free(c->tls);
		c->tls = NULL;
		xcv_tls_ctx_free(c->s2s_tls);
		c->s2s_tls = NULL;
	}
	/* No certificate: say what to do about the phase that failed. */
	if (rc == 0 && c->failure.phase != XCV_PHASE_NONE)
		rc = xcv_advise_failure(&c->advice, cfg, c->failure.phase,
			c->service, c->direct_tls, c->disc.domain);
	free(pins);
	/* Whatever ran short of memory on the way (a handshake, a parser,
	 * OpenSSL inside them) makes no result of its own: no check. */
	if (rc != XCV_ENOMEM && xcv_alloc_failures() != failures)
		rc = xcv_oom();
	if (rc < 0) {
		xcv_check_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
xcv_check_free(struct xcv_check *c)
{
	if (c == NULL)
		return;
	free(c->target_text);
	free(c->domain_input);
	xcv_target_clear(&c->target);
	xcv_endpoints_clear(&c->eps);
	xcv_discovery_clear(&c->disc);
	free(c->version);
	free(c->cipher);
	free(c->sni);
	free(c->alpn);
	free(c->http_status);
	xcv_chain_free(c->chain);
	free(c->staple);
	xcv_result_free(c->res);
	xcv_failure_clear(&c->failure);
	xcv_strv_clear(&c->advice);
	xcv_login_clear(&c->login);
	xcv_strv_clear(&c->clear_mechanisms);
	xcv_posture_clear(c);
	xcv_s2s_auth_clear(&c->s2s);
	xcv_dane_clear(&c->dane);
	xcv_posh_clear(&c->posh);
	for (size_t i = 0; i < c->n_findings; i++)
		free(c->findings[i].message);
	free(c);
}

int
xcv_check_reverify(struct xcv_check *c, struct xcv_config *cfg)
{
	struct xcv_result *res = NULL;
	int rc;

	if (c->chain == NULL || c->disc.domain == NULL || c->res == NULL)
		return xcv_set_error(XCV_ENOTFOUND, "no certificate was obtained");
	rc = verify_live(&res, c, cfg);
	if (rc < 0)
		return rc;
	xcv_result_free(c->res);
	c->res = res;
	/* DANE's and POSH's answers stand for the new verification too. */
	if (c->dane_run || c->posh_run)
		xcv_federation_judge(c);
	return 0;
}

const struct xcv_result *
xcv_check_result(const struct xcv_check *c)
{
	return c->res;
}

const struct xcv_chain *
xcv_check_chain(const struct xcv_check *c)
{
	return c->chain;
}

const char *
xcv_check_domain(const struct xcv_check *c)
{
	return c->disc.domain;
}

enum xcv_domain_source
xcv_check_domain_source(const struct xcv_check *c)
{
	return c->disc.source;
}

const char *
xcv_check_address(const struct xcv_check *c)
{
	return c->used ? c->used->addrtext : NULL;
}

enum xcv_verdict
xcv_check_verdict(const struct xcv_check *c)
{
	return c->res ? c->res->verdict : XCV_VERDICT_NO_CERTIFICATE;
}

enum xcv_phase
xcv_check_error_phase(const struct xcv_check *c)
{
	return c->res ? XCV_PHASE_NONE : c->failure.phase;
}

const char *
xcv_check_error_message(const struct xcv_check *c)
{
	return c->res ? NULL : c->failure.message;
}
