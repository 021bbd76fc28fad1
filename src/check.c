/*
 * The live check: resolve the target, settle the XMPP domain with one
 * fresh connection per candidate, obtain the chain, and verify it through
 * the same xcv_verify() as offline files.
 *
 * Candidates (in this order, deduplicated, at most max_attempts):
 *   --domain; else the JID's domain; else the host name and its parent
 *   domains while two or more labels remain. A server settles the domain
 *   by accepting a candidate (its reply header is followed by features),
 *   or by announcing another domain in 'from'.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chain_internal.h"
#include "identity.h"
#include "login.h"
#include "probe.h"
#include "report.h"

struct attempt {
	char *to;
	char *from;       /* the reply header's from, if any */
	char *address;
	char *outcome;    /* accepted, announced, host-unknown, ... */
	char *detail;     /* text of a stream error, or a failure message */
};

struct xcv_check {
	char *target_text;
	struct xcv_target target;
	enum xcv_service service;
	bool direct_tls;
	struct xcv_endpoints eps;
	const struct xcv_endpoint *used;
	struct attempt *attempts;
	size_t n_attempts;
	char *domain;
	const char *source;          /* given, accepted, announced */
	bool tls_done;
	char *version, *cipher, *sni, *alpn;
	struct xcv_chain *chain;
	struct xcv_result *res;
	const char *err_phase;
	char *err_message;
	struct xcv_strv warnings, advice;
	struct xcv_login login;
};

static int
oom(void)
{
	return xcv_set_error(XCV_ERROR, "out of memory");
}

static int
add_attempt(struct xcv_check *c, const char *to, const char *from,
	const char *address, const char *outcome, const char *detail)
{
	struct attempt *v = realloc(c->attempts,
		(c->n_attempts + 1) * sizeof(*v));
	struct attempt *a;

	if (v == NULL)
		return oom();
	c->attempts = v;
	a = &v[c->n_attempts++];
	a->to = xcv_strdup(to);
	a->from = xcv_strdup(from);
	a->address = xcv_strdup(address);
	a->outcome = xcv_strdup(outcome);
	a->detail = xcv_strdup(detail);
	return 0;
}

XCV_PRINTF(3, 4) static void
set_failure(struct xcv_check *c, const char *phase, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* Format first: the arguments may include the old message. */
	va_start(ap, fmt);
	msg = xcv_vasprintf(fmt, ap);
	va_end(ap);
	c->err_phase = phase;
	free(c->err_message);
	c->err_message = msg;
}

static int
candidates(struct xcv_strv *out, const struct xcv_check *c, const char *domain)
{
	const char *h;

	if (domain != NULL)
		return xcv_strv_push(out, domain);
	if (c->target.jid_domain != NULL)
		return xcv_strv_push(out, c->target.jid_domain);
	if (c->target.host_is_ip)
		return 0;
	if (xcv_strv_push(out, c->target.host) < 0)
		return XCV_ERROR;
	/* Parent domains while two or more labels remain. */
	for (h = strchr(c->target.host, '.'); h && strchr(h + 1, '.');
	     h = strchr(h + 1, '.'))
		if (!xcv_strv_contains(out, h + 1) &&
		    xcv_strv_push(out, h + 1) < 0)
			return XCV_ERROR;
	return 0;
}

/* Same domain, ignoring case and one trailing dot. */
static bool
same_domain(const char *a, const char *b)
{
	char *na = NULL, *nb = NULL;
	bool ipa, ipb, same;

	if (xcv_reference_normalize(&na, &ipa, a) < 0 ||
	    xcv_reference_normalize(&nb, &ipb, b) < 0) {
		free(na);
		free(nb);
		return strcmp(a, b) == 0;
	}
	same = strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return same;
}

static void
advise_failure(struct xcv_check *c)
{
	const char *p = c->err_phase;

	if (strcmp(p, "dns") == 0)
		xcv_strv_pushf(&c->advice, "check the name, or give the address "
			"with --resolve HOST:PORT:ADDRESS (or TARGET as "
			"ADDRESS:PORT with --domain)");
	else if (strcmp(p, "connect") == 0)
		xcv_strv_pushf(&c->advice, "check that the server listens there "
			"(c2s 5222, s2s 5269, direct TLS 5223) and that no "
			"firewall is in the way");
	else if (strcmp(p, "discovery") == 0)
		xcv_strv_pushf(&c->advice, "pass --domain with the XMPP domain "
			"this server serves (the part after @ in users' "
			"addresses)");
	else if (strcmp(p, "starttls") == 0)
		xcv_strv_pushf(&c->advice, "the server did not start TLS: check "
			"that TLS is enabled for clients and that the server can "
			"read its certificate and key; if it serves TLS on a "
			"dedicated port, try --direct-tls");
	else if (strcmp(p, "tls") == 0)
		xcv_strv_pushf(&c->advice, "the TLS handshake failed: check the "
			"server's TLS settings and that it has a certificate for "
			"%s", c->domain ? c->domain : "the domain");
	else if (strcmp(p, "stream") == 0)
		xcv_strv_pushf(&c->advice, "the peer did not speak XMPP as "
			"expected: check that this is the XMPP %s port%s",
			c->service == XCV_SERVICE_S2S ? "server-to-server" : "client",
			c->direct_tls ? " for direct TLS" : "");
}

/* One attempt for one candidate: the first endpoint that connects. */
static int
attempt(struct xcv_check *c, const struct xcv_check_params *p,
	const char *to, struct xcv_probe **out)
{
	*out = NULL;
	for (size_t i = 0; i < c->eps.n; i++) {
		const struct xcv_endpoint *ep = &c->eps.v[i];
		struct xcv_probe_params pp = {
			.ep = ep, .to = to, .from = p->from, .service = c->service,
			.direct_tls = c->direct_tls, .timeout_ms = p->timeout_ms,
		};
		struct xcv_probe *pr = NULL;

		if (c->used != NULL && c->used != ep)
			continue;   /* stay on the endpoint that answered */
		if (xcv_probe_new(&pr, &pp) < 0 || xcv_probes_run(&pr, 1) < 0) {
			xcv_probe_free(pr);
			return XCV_ERROR;
		}
		if (xcv_probe_failed(pr) &&
		    strcmp(xcv_probe_fail_phase(pr), "connect") == 0) {
			if (add_attempt(c, to, NULL, ep->addrtext, "connect failed",
			    xcv_probe_fail_message(pr)) < 0) {
				xcv_probe_free(pr);
				return XCV_ERROR;
			}
			set_failure(c, "connect", "%s", xcv_probe_fail_message(pr));
			xcv_probe_free(pr);
			continue;
		}
		c->used = ep;
		*out = pr;
		return 0;
	}
	return 0;
}

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
	return c->version && c->cipher ? 0 : oom();
}

/*
 * Read one attempt. Returns 1 when the domain is settled (or the check
 * must stop), 0 to try the next candidate, < 0 on error.
 */
static int
judge(struct xcv_check *c, struct xcv_probe *pr, const char *to,
	const char *given)
{
	const struct xcv_stream_state *st = xcv_probe_stream(pr);
	const char *addr = c->used->addrtext;
	const char *cond = st->error_condition;
	bool failed = xcv_probe_failed(pr);

	if (st->header && st->error) {
		if (add_attempt(c, to, st->from, addr, cond ? cond : "stream error",
		    st->error_text) < 0)
			return XCV_ERROR;
		/* RFC 6120 §4.9.3.6/§4.9.3.5: this server does not serve 'to'. */
		if (cond && (strcmp(cond, "host-unknown") == 0 ||
		    strcmp(cond, "host-gone") == 0)) {
			set_failure(c, "discovery", "the server does not serve %s "
				"(%s)", to, cond);
			return 0;
		}
		if (cond && strcmp(cond, "see-other-host") == 0)
			set_failure(c, "stream", "the server redirects to %s "
				"(see-other-host): check that host instead",
				st->see_other_host ? st->see_other_host : "?");
		else
			set_failure(c, "stream", "the server closed the stream "
				"with the error <%s/>%s%s", cond ? cond : "?",
				st->error_text ? ": " : "",
				st->error_text ? st->error_text : "");
		return 1;
	}
	/* Direct TLS picks the certificate by SNI: an unknown name gets
	 * alert 112, which is this server's "host-unknown". */
	if (failed && c->direct_tls && xcv_probe_tls_alert(pr) == 112) {
		if (add_attempt(c, to, NULL, addr, "unrecognized-name",
		    "TLS alert 112 for SNI") < 0)
			return XCV_ERROR;
		set_failure(c, "discovery", "the server has no certificate for "
			"%s (TLS alert unrecognized name)", to);
		return 0;
	}
	if (!st->header || (!st->features && failed)) {
		if (add_attempt(c, to, st->from, addr, "failed",
		    failed ? xcv_probe_fail_message(pr) : "no reply") < 0)
			return XCV_ERROR;
		set_failure(c, failed ? xcv_probe_fail_phase(pr) : "stream", "%s",
			failed ? xcv_probe_fail_message(pr) : "no reply");
		if (take_tls(c, pr) < 0)
			return XCV_ERROR;
		return 1;
	}
	/* Header and features: settled. */
	if (st->from == NULL || *st->from == '\0' || same_domain(st->from, to)) {
		c->source = given ? "given" : "accepted";
		c->domain = xcv_strdup(given ? given : to);
		if (add_attempt(c, to, st->from, addr, "accepted", NULL) < 0)
			return XCV_ERROR;
		if ((st->from == NULL || *st->from == '\0') &&
		    xcv_strv_pushf(&c->warnings, "the server's stream header "
		    "has no 'from'; RFC 6120 §4.7.1 requires it") < 0)
			return XCV_ERROR;
	} else {
		if (add_attempt(c, to, st->from, addr, "announced", NULL) < 0)
			return XCV_ERROR;
		if (given) {
			c->source = "given";
			c->domain = xcv_strdup(given);
			if (xcv_strv_pushf(&c->warnings, "the server answered as "
			    "'%s' although it was asked for %s; verifying "
			    "against %s as given", st->from, given, given) < 0)
				return XCV_ERROR;
		} else {
			char *norm = NULL;
			bool ip;
			if (xcv_reference_normalize(&norm, &ip, st->from) < 0) {
				set_failure(c, "stream", "the server announced the "
					"domain '%s', which is not a valid domain",
					st->from);
				return 1;
			}
			c->source = "announced";
			c->domain = norm;
		}
	}
	if (c->domain == NULL)
		return oom();
	if (failed)
		set_failure(c, xcv_probe_fail_phase(pr), "%s",
			xcv_probe_fail_message(pr));
	else
		c->err_phase = NULL;
	if (take_tls(c, pr) < 0)
		return XCV_ERROR;
	return 1;
}

int
xcv_check_run(struct xcv_check **out, struct xcv_config *cfg,
	const struct xcv_check_params *params)
{
	struct xcv_check_params p = *params;
	struct xcv_check *c = NULL;
	struct xcv_pin *pins = NULL;
	struct xcv_strv cands = {0};
	char *given = NULL;
	bool ip;
	int rc = XCV_ERROR;

	*out = NULL;
	if (p.timeout_ms <= 0)
		p.timeout_ms = 10000;
	if (p.max_attempts <= 0)
		p.max_attempts = 5;
	if (cfg->service == XCV_SERVICE_HTTPS)
		return xcv_set_error(XCV_EINPUT, "check speaks XMPP: use "
			"--service c2s or s2s (https applies to verify)");
	c = calloc(1, sizeof(*c));
	pins = calloc(p.n_resolve ? p.n_resolve : 1, sizeof(*pins));
	if (c == NULL || pins == NULL) {
		rc = oom();
		goto out;
	}
	c->service = cfg->service;
	c->direct_tls = p.direct_tls;
	c->target_text = xcv_strdup(p.target);
	rc = xcv_target_parse(&c->target, p.target);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < p.n_resolve; i++)
		if ((rc = xcv_pin_parse(&pins[i], p.resolve[i])) < 0)
			goto out;
	if (p.domain != NULL) {
		rc = xcv_reference_normalize(&given, &ip, p.domain);
		if (rc < 0)
			goto out;
	}
	rc = XCV_ERROR;
	if (candidates(&cands, c, given) < 0)
		goto out;
	if (cands.n == 0) {
		set_failure(c, "discovery", "%s is an IP address, so there is no "
			"XMPP domain to try", c->target.host);
		advise_failure(c);
		rc = 0;
		goto out;
	}
	{
		struct xcv_resolve_params rp = {
			.target = &c->target, .service = c->service,
			.direct_tls = p.direct_tls, .pins = pins,
			.n_pins = p.n_resolve, .dns_server = p.dns_server,
			.timeout_ms = p.timeout_ms,
		};
		rc = xcv_resolve(&c->eps, &rp);
		if (rc == XCV_EINPUT || rc == XCV_ERROR)
			goto out;
		if (rc < 0) {
			set_failure(c, "dns", "%s", xcv_error_last());
			advise_failure(c);
			rc = 0;
			goto out;
		}
	}
	for (size_t i = 0; i < cands.n && i < (size_t)p.max_attempts; i++) {
		struct xcv_probe *pr = NULL;
		int j;

		if (attempt(c, &p, cands.v[i], &pr) < 0)
			goto out;
		if (pr == NULL)
			break;   /* no endpoint connects */
		j = judge(c, pr, cands.v[i], given);
		xcv_probe_free(pr);
		if (j < 0)
			goto out;
		if (j > 0)
			break;
	}
	if (c->domain == NULL && c->err_phase != NULL &&
	    strcmp(c->err_phase, "discovery") == 0)
		set_failure(c, "discovery", "the server accepted none of the %zu "
			"domain%s tried; the last: %s", c->n_attempts,
			c->n_attempts == 1 ? "" : "s", c->err_message ?
			c->err_message : "");
	if (c->chain != NULL && c->domain != NULL && c->err_phase == NULL) {
		rc = xcv_verify(&c->res, cfg, c->chain, c->domain);
		if (rc < 0)
			goto out;
	} else if (c->err_phase == NULL) {
		set_failure(c, "stream", "no certificate was obtained");
	}
	if (c->err_phase != NULL)
		advise_failure(c);
	rc = 0;
out:
	xcv_strv_clear(&cands);
	free(given);
	free(pins);
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
	xcv_target_clear(&c->target);
	xcv_endpoints_clear(&c->eps);
	for (size_t i = 0; i < c->n_attempts; i++) {
		free(c->attempts[i].to);
		free(c->attempts[i].from);
		free(c->attempts[i].address);
		free(c->attempts[i].outcome);
		free(c->attempts[i].detail);
	}
	free(c->attempts);
	free(c->domain);
	free(c->version);
	free(c->cipher);
	free(c->sni);
	free(c->alpn);
	xcv_chain_free(c->chain);
	xcv_result_free(c->res);
	free(c->err_message);
	xcv_strv_clear(&c->warnings);
	xcv_strv_clear(&c->advice);
	xcv_login_clear(&c->login);
	free(c);
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
	int rc;

	if (c->res == NULL || c->used == NULL)
		return xcv_set_error(XCV_ENOTFOUND, "no certificate was obtained, "
			"so there is no server to log in to");
	rc = xcv_target_parse(&t, jid);
	if (rc < 0)
		return rc;
	if (t.jid_domain == NULL || strcmp(t.jid_domain, c->domain) != 0) {
		rc = xcv_set_error(XCV_EINPUT, "--login wants a JID in the "
			"server's domain (user@%s), not '%s'", c->domain, jid);
		xcv_target_clear(&t);
		return rc;
	}
	xcv_target_clear(&t);
	sa = (const struct sockaddr *)&c->used->addr;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			host, sizeof(host));
	p.host = host;
	p.port = c->used->port;
	p.domain = c->domain;
	/* Vouch for the chain only if xmppcv verified it; an accepted
	 * certificate is found in the store by the adapter itself. */
	p.chain = c->res->ok && !c->res->accepted ? c->chain : NULL;
	xcv_login_clear(&c->login);
	return xcv_login_run(&c->login, cfg, &p);
}

int
xcv_check_login_status(const struct xcv_check *c)
{
	return c->login.attempted ? c->login.ok : -1;
}

int
xcv_check_reverify(struct xcv_check *c, struct xcv_config *cfg)
{
	struct xcv_result *res = NULL;
	int rc;

	if (c->chain == NULL || c->domain == NULL || c->res == NULL)
		return xcv_set_error(XCV_ENOTFOUND, "no certificate was obtained");
	rc = xcv_verify(&res, cfg, c->chain, c->domain);
	if (rc < 0)
		return rc;
	xcv_result_free(c->res);
	c->res = res;
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
	return c->domain;
}

const char *
xcv_check_domain_source(const struct xcv_check *c)
{
	return c->source;
}

const char *
xcv_check_address(const struct xcv_check *c)
{
	return c->used ? c->used->addrtext : NULL;
}

const char *
xcv_check_error_phase(const struct xcv_check *c)
{
	return c->res ? NULL : c->err_phase;
}

const char *
xcv_check_error_message(const struct xcv_check *c)
{
	return c->res ? NULL : c->err_message;
}

static json_t *
jstr(const char *s)
{
	json_t *j = s ? json_string(s) : json_null();

	return j ? j : json_string("(text not valid UTF-8)");
}

static json_t *
jstrv(const struct xcv_strv *a, const struct xcv_strv *b)
{
	json_t *v = json_array();

	for (size_t i = 0; v && a && i < a->n; i++)
		json_array_append_new(v, jstr(a->v[i]));
	for (size_t i = 0; v && b && i < b->n; i++)
		json_array_append_new(v, jstr(b->v[i]));
	return v;
}

char *
xcv_check_to_json(const struct xcv_check *c)
{
	json_t *o, *attempts = json_array(), *tls, *r = NULL;
	char *s;

	for (size_t i = 0; attempts && i < c->n_attempts; i++) {
		const struct attempt *a = &c->attempts[i];
		json_t *e = json_pack("{s:o,s:o,s:o,s:o}", "to", jstr(a->to),
			"from", jstr(a->from), "address", jstr(a->address),
			"outcome", jstr(a->outcome));
		if (e && a->detail)
			json_object_set_new(e, "detail", jstr(a->detail));
		json_array_append_new(attempts, e);
	}
	tls = c->tls_done ? json_pack("{s:s,s:o,s:o,s:o,s:o}", "mode",
		c->direct_tls ? "direct" : "starttls", "version", jstr(c->version),
		"cipher", jstr(c->cipher), "sni", jstr(c->sni), "alpn",
		jstr(c->alpn)) : json_null();
	o = json_pack("{s:o,s:o,s:o,s:s,s:b,s:{s:o,s:o,s:o}}",
		"target", jstr(c->target_text),
		"address", jstr(xcv_check_address(c)),
		"domain", jstr(c->domain),
		"service", xcv_service_name(c->service),
		"ok", c->res ? c->res->ok : false,
		"discovery", "source", jstr(c->source),
		  "attempts", attempts, "records", jstrv(&c->eps.records, NULL));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "tls", tls);
	if (c->res) {
		r = xcv_report_json(c->res);
		if (r == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_update(o, r);
		json_object_set_new(o, "warnings", jstrv(&c->warnings,
			&c->res->warnings));
		json_object_set_new(o, "advice", jstrv(&c->advice,
			&c->res->advice));
		json_decref(r);
	} else {
		json_object_set_new(o, "identity", json_null());
		json_object_set_new(o, "chain", json_null());
		json_object_set_new(o, "warnings", jstrv(&c->warnings, NULL));
		json_object_set_new(o, "advice", jstrv(&c->advice, NULL));
		json_object_set_new(o, "error", json_pack("{s:o,s:o}", "phase",
			jstr(c->err_phase), "message", jstr(c->err_message)));
	}
	if (c->login.attempted)
		json_object_set_new(o, "login", json_pack("{s:o,s:b,s:o,s:o,s:o,"
			"s:o,s:o}", "jid", jstr(c->login.jid), "ok", c->login.ok,
			"mechanisms", jstrv(&c->login.offered, NULL), "mechanism",
			jstr(c->login.mechanism), "bound_jid", jstr(c->login.bound_jid),
			"sasl_condition", jstr(c->login.condition), "error",
			jstr(c->login.error)));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int
context_lines(const struct xcv_check *c, struct xcv_strv *ctx)
{
	if (c->domain)
		xcv_strv_pushf(ctx, "  domain     %s (%s)", c->domain,
			strcmp(c->source, "given") == 0 ? "given with --domain" :
			strcmp(c->source, "announced") == 0 ?
			"announced by the server in its stream header" :
			"accepted by the server");
	for (size_t i = 0; i < c->n_attempts; i++) {
		const struct attempt *a = &c->attempts[i];
		xcv_strv_pushf(ctx, "  %-10s to=%s -> %s%s%s%s%s%s",
			i ? "" : "attempts", a->to, a->outcome,
			strcmp(a->outcome, "announced") == 0 ? " " : "",
			strcmp(a->outcome, "announced") == 0 ? a->from : "",
			a->detail ? " (" : "", a->detail ? a->detail : "",
			a->detail ? ")" : "");
	}
	if (c->used)
		xcv_strv_pushf(ctx, "  address    %s (%s %s)", c->used->addrtext,
			c->used->how, c->used->host);
	for (size_t i = 0; i < c->eps.records.n; i++)
		xcv_strv_pushf(ctx, "  %-10s %s", i ? "" : "dns",
			c->eps.records.v[i]);
	if (c->tls_done)
		xcv_strv_pushf(ctx, "  tls        %s, %s, %s, SNI %s%s%s",
			c->direct_tls ? "direct TLS" : "STARTTLS", c->version,
			c->cipher, c->sni ? c->sni : "(none)",
			c->alpn ? ", ALPN " : "", c->alpn ? c->alpn : "");
	return 0;
}

char *
xcv_check_to_text(const struct xcv_check *c)
{
	struct xcv_text t = {0};
	struct xcv_strv ctx = {0};

	context_lines(c, &ctx);
	if (c->res) {
		xcv_report_text(&t, c->res, c->target_text, &ctx);
		if (c->warnings.n) {
			xcv_text_put(&t, "check notes:\n");
			for (size_t i = 0; i < c->warnings.n; i++)
				xcv_text_put(&t, "  - %s\n", c->warnings.v[i]);
		}
	} else {
		xcv_text_put(&t, "%s: NO CERTIFICATE obtained (%s failed)\n",
			c->target_text, c->err_phase ? c->err_phase : "check");
		xcv_text_put(&t, "  error      %s\n", c->err_message ?
			c->err_message : "unknown");
		for (size_t i = 0; i < ctx.n; i++)
			xcv_text_put(&t, "%s\n", ctx.v[i]);
		for (size_t i = 0; i < c->warnings.n; i++)
			xcv_text_put(&t, "  note       %s\n", c->warnings.v[i]);
		if (c->advice.n) {
			xcv_text_put(&t, "what to do:\n");
			for (size_t i = 0; i < c->advice.n; i++)
				xcv_text_put(&t, "  - %s\n", c->advice.v[i]);
		}
	}
	if (c->login.attempted) {
		const struct xcv_login *l = &c->login;
		xcv_text_put(&t, "login %s: %s\n", l->jid, l->ok ?
			"LOGGED IN" : "FAILED");
		xcv_text_put(&t, "  offered    %s", l->offered.n ? "" : "(unknown)");
		for (size_t i = 0; i < l->offered.n; i++)
			xcv_text_put(&t, "%s%s", i ? ", " : "", l->offered.v[i]);
		xcv_text_put(&t, "\n  mechanism  %s\n", l->mechanism ?
			l->mechanism : "(none)");
		if (l->ok)
			xcv_text_put(&t, "  bound      %s\n", l->bound_jid ?
				l->bound_jid : "(unknown)");
		else
			xcv_text_put(&t, "  error      %s\n", l->error ?
				l->error : "unknown");
		if (l->overridden)
			xcv_text_put(&t, "  adapter    overrode %d certificate "
				"error%s libstrophe raised, for the certificate "
				"xmppcv verified\n", l->overridden,
				l->overridden == 1 ? "" : "s");
	}
	xcv_strv_clear(&ctx);
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
