/*
 * Federation as the initiating server: a receiving server authenticates
 * the server that connects to it by its certificate (SASL EXTERNAL,
 * XEP-0178) or by dialback (XEP-0220). One connection, as the domain
 * --as names, presenting the certificate given: what the peer offered
 * over TLS, whether it asked for a client certificate, and what it
 * answered to EXTERNAL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"


void
xcv_s2s_auth_clear(struct xcv_s2s_auth *a)
{
	free(a->as);
	xcv_strv_clear(&a->offered);
	free(a->condition);
	free(a->text);
	free(a->error);
	memset(a, 0, sizeof(*a));
}

/* What the probe saw, into c->s2s. */
static int
take(struct xcv_check *c, const struct xcv_probe *pr)
{
	struct xcv_s2s_auth *a = &c->s2s;
	const struct xcv_stream_state *st = xcv_probe_stream(pr);

	a->tls_done = xcv_probe_tls_done(pr);
	a->cert_requested = xcv_probe_cert_requested(pr);
	if (xcv_probe_failed(pr) && (a->error = xcv_strdup(
	    xcv_probe_fail_message(pr))) == NULL)
		return XCV_ENOMEM;
	if (a->tls_done && !st->features && st->error && a->error == NULL &&
	    (a->error = xcv_asprintf("the server ended the stream over TLS "
	    "with <%s/>%s%s", st->error_condition ? st->error_condition : "?",
	    st->error_text ? ": " : "", st->error_text ? st->error_text :
	    "")) == NULL)
		return XCV_ENOMEM;
	/* Refused before any feature, for the certificate presented (Prosody
	 * with s2s_secure_auth): what EXTERNAL would have answered. */
	if (a->tls_done && !st->features && st->error && a->client_cert) {
		a->external = "failure";
		if ((st->error_condition && (a->condition = xcv_strdup(
		    st->error_condition)) == NULL) || (st->error_text &&
		    (a->text = xcv_strdup(st->error_text)) == NULL))
			return XCV_ENOMEM;
	}
	if (!a->tls_done || !st->features)
		return 0;
	a->features = true;
	a->dialback = st->dialback;
	for (size_t i = 0; i < st->mechanisms.n; i++)
		xcv_strv_push(&a->offered, st->mechanisms.v[i]);
	if (xcv_strv_ok(&a->offered) < 0)
		return XCV_ENOMEM;
	if (!xcv_strv_contains(&st->mechanisms, "EXTERNAL"))
		a->external = "not-offered";
	else if (!a->client_cert)
		a->external = "not-tried";
	else if (st->sasl_success)
		a->external = "success";
	else if (st->sasl_failure || st->error) {
		a->external = "failure";
		if ((st->sasl_condition && (a->condition = xcv_strdup(
		    st->sasl_condition)) == NULL) || (st->sasl_text &&
		    (a->text = xcv_strdup(st->sasl_text)) == NULL) ||
		    (!st->sasl_failure && st->error_condition && (a->condition =
		    xcv_strdup(st->error_condition)) == NULL))
			return XCV_ENOMEM;
	}
	return 0;
}

int
xcv_s2s_auth_prepare(struct xcv_check *c, const struct xcv_check_params *p)
{
	int rc = xcv_tls_ctx_new(&c->s2s_tls);

	if (rc == 0 && p->client_cert)
		rc = xcv_tls_ctx_set_client_cert(c->s2s_tls, p->client_cert,
			p->client_key);
	return rc;
}

int
xcv_s2s_auth_run(struct xcv_check *c, const struct xcv_check_params *p)
{
	struct xcv_tls_ctx *ctx = c->s2s_tls;
	struct xcv_probe *pr = NULL;
	int rc = 0;

	c->s2s_auth = true;
	c->s2s.client_cert = p->client_cert != NULL;
	if ((c->s2s.as = xcv_strdup(p->from)) == NULL)
		return XCV_ENOMEM;
	if (rc == 0) {
		struct xcv_probe_params pp = {
			.ep = c->used, .to = c->disc.domain, .from = p->from,
			.service = XCV_SERVICE_S2S, .direct_tls = c->direct_tls,
			.timeout_ms = p->timeout_ms, .deadline = c->deadline,
			.tls = ctx, .after_tls = true, .external = true,
		};
		rc = xcv_probe_new(&pr, &pp);
	}
	if (rc == 0)
		rc = xcv_probes_run(&pr, 1);
	if (rc == 0)
		rc = take(c, pr);
	xcv_probe_free(pr);
	return rc;
}

/* Where POSH files are kept for their expires: $XDG_CACHE_HOME/xmppcv/posh,
 * else ~/.cache/xmppcv/posh; *out NULL (no cache) without either as an
 * absolute path. 0 or XCV_ENOMEM. */
static int
posh_cache(char **out)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	*out = NULL;
	if (xdg != NULL && xdg[0] == '/')
		*out = xcv_asprintf("%s/xmppcv/posh", xdg);
	else if (home != NULL && home[0] == '/')
		*out = xcv_asprintf("%s/.cache/xmppcv/posh", home);
	else
		return 0;
	return *out ? 0 : XCV_ENOMEM;
}

/*
 * What DANE and POSH change. A DNSSEC-secure TLSA set decides (RFC 7673
 * §3, RFC 7671 §4.1): a match authenticates the server (DANE-EE with no
 * name check), and no match, or a bogus or failed answer, is an error.
 * Insecure is a note. A POSH file that names the certificate
 * authenticates it for the domain (RFC 7711 §4): a hosting provider's
 * certificate that does not name the domain is then verified, by POSH.
 * Neither lifts an expired, revoked or otherwise invalid chain.
 */
void
xcv_federation_judge(struct xcv_check *c)
{
	struct xcv_result *res = c->res;
	unsigned p = xcv_result_problems(res);
	unsigned lifted = XCV_PROBLEM_MISMATCH | XCV_PROBLEM_UNTRUSTED;
	bool only_lifted = p != 0 && (p & ~lifted) == 0;

	if (c->dane_run && (c->dane.state == XCV_DANE_BOGUS ||
	    c->dane.state == XCV_DANE_INDETERMINATE ||
	    (c->dane.usable && !c->dane.ok))) {
		res->dane_fails = true;
		res->verdict = XCV_VERDICT_NOT_VERIFIED;
	} else if (c->dane_run && c->dane.ok && only_lifted) {
		res->verified_by = "dane";
	} else if (c->posh_run && c->posh.state == XCV_POSH_MATCHED &&
	    only_lifted) {
		res->verified_by = "posh";
	}
	if (res->verified_by != NULL)
		res->verdict = XCV_VERDICT_VERIFIED;
	res->ok = res->verdict == XCV_VERDICT_VERIFIED;
}

int
xcv_federation_auth(struct xcv_check *c, struct xcv_config *cfg,
	const struct xcv_check_params *p)
{
	X509_STORE *store = NULL;
	int rc;

	c->dane_asked = p->dane && c->service != XCV_SERVICE_HTTPS;
	c->posh_asked = p->posh && c->service != XCV_SERVICE_HTTPS;
	if ((!c->dane_asked && !c->posh_asked) || c->res == NULL ||
	    c->chain == NULL)
		return 0;
	if ((rc = xcv_config_store(cfg, &store)) < 0)
		return rc;
	if (c->dane_asked) {
		struct xcv_dane_params dp = {
			.domain = c->disc.domain, .service = c->service,
			.policy = c->res->id.policy, .host = c->used ?
			c->used->host : NULL, .port = c->used ? c->used->port : 0,
			.chain = c->chain->certs, .store = store,
			.anchor_file = p->dnssec_anchor, .resolver = p->dns_server,
			.at = c->res->at, .timeout_ms = xcv_budget_ms(c->deadline,
			p->timeout_ms),
		};
		if ((rc = xcv_dane_check(&c->dane, &dp)) < 0)
			return rc;
		c->dane_run = true;
	}
	if (c->posh_asked) {
		struct xcv_posh_params pp = {
			.domain = c->disc.domain, .service = c->service,
			.leaf = sk_X509_value(c->chain->certs, 0), .store = store,
			.pins = p->resolve, .n_pins = p->n_resolve,
			.dns_server = p->dns_server, .at = c->res->at,
			.timeout_ms = xcv_budget_ms(c->deadline, p->timeout_ms),
		};
		char *cache = NULL;
		if ((rc = posh_cache(&cache)) < 0)
			return rc;
		pp.cache_dir = cache;
		rc = xcv_posh_check(&c->posh, &pp);
		free(cache);
		if (rc < 0)
			return rc;
		c->posh_run = true;
	}
	xcv_federation_judge(c);
	return 0;
}
