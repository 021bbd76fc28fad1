/*
 * The trust plan (plan.h): the certificates to deploy to client computers
 * so that no client asks, the fixes no deployment makes, and the prompts
 * users meet before and after. Cisco's "Set Up Certificate Verification"
 * says where each goes: a private CA's root to Trusted Root Certification
 * Authorities, a self-signed certificate to Enterprise Trust; deployed
 * with the Certificate Import Wizard, CertMgr.exe or a Group Policy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_internal.h"
#include "clients/client.h"
#include "plan_internal.h"
#include "report.h"
#include "scan_internal.h"

int
xcv_plan_new(struct xcv_plan **out, const struct xcv_plan_params *p)
{
	struct xcv_plan *plan = calloc(1, sizeof(*plan));
	const char *path = p && p->system_store ? p->system_store :
		XCV_PLAN_DEFAULT_STORE;
	int rc;

	*out = NULL;
	if (plan == NULL)
		return xcv_oom();
	plan->at = p && p->have_time ? p->at : (int64_t)time(NULL);
	if ((plan->store_path = xcv_strdup(path)) == NULL) {
		xcv_plan_free(plan);
		return XCV_ENOMEM;
	}
	rc = xcv_chain_load_anchors(&plan->store, path);
	if (rc < 0) {
		rc = xcv_wrap_error(rc, "the clients' trust store %s", path);
		xcv_plan_free(plan);
		return rc;
	}
	*out = plan;
	return 0;
}

/* Forget what judging found: the certificates and the fixes. */
static void
clear_judgement(struct xcv_plan *plan)
{
	for (size_t i = 0; i < plan->n_certs; i++) {
		X509_free(plan->certs[i].x);
		free(plan->certs[i].subject);
		free(plan->certs[i].file);
		xcv_strv_clear(&plan->certs[i].covers);
	}
	for (size_t i = 0; i < plan->n_fixes; i++) {
		free(plan->fixes[i].node);
		free(plan->fixes[i].service);
		free(plan->fixes[i].problem);
		free(plan->fixes[i].fix);
	}
	free(plan->certs);
	free(plan->fixes);
	plan->certs = NULL;
	plan->fixes = NULL;
	plan->n_certs = plan->n_fixes = 0;
	for (size_t i = 0; i < plan->n_eps; i++)
		plan->eps[i].cert = -1;
}

void
xcv_plan_free(struct xcv_plan *plan)
{
	if (plan == NULL)
		return;
	for (size_t i = 0; i < plan->n_eps; i++) {
		free(plan->eps[i].node);
		free(plan->eps[i].service);
		free(plan->eps[i].name);
		xcv_chain_free(plan->eps[i].chain);
		xcv_chain_free(plan->eps[i].sent);
	}
	clear_judgement(plan);
	free(plan->eps);
	xcv_chain_free(plan->store);
	free(plan->store_path);
	free(plan->leftover);
	xcv_strv_clear(&plan->no_cert);
	xcv_chain_cache_free(plan->cache);
	free(plan);
}

/* The SHA-256 of x as lower-case hex, as JSON and certinfo give it. */
static int
sha256_hex(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned n = 0;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		return xcv_oom();
	xcv_hex(out, md, n);
	return 0;
}

static bool
in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && strcasecmp(v[i], s) == 0)
			return true;
	return false;
}

int
xcv_plan_add(struct xcv_plan *plan, const struct xcv_plan_endpoint *p)
{
	const struct xcv_chain *built = p->built;
	struct xcv_plan_ep *v, *e;
	int rc = 0;

	/* Federating servers judge s2s certificates, not users' clients. */
	if (strcmp(p->service, "s2s") == 0) {
		plan->skipped_s2s++;
		return 0;
	}
	if (built == NULL || xcv_chain_count(built) == 0 || p->name == NULL)
		return 0;
	v = realloc(plan->eps, (plan->n_eps + 1) * sizeof(*v));
	if (v == NULL)
		return xcv_oom();
	plan->eps = v;
	e = &v[plan->n_eps++];
	memset(e, 0, sizeof(*e));
	plan->judged = false;
	e->named = p->named;
	e->cert = -1;
	e->node = xcv_strdup(p->node);
	e->service = xcv_strdup(p->service);
	e->name = xcv_strdup(p->name);
	e->chain = xcv_chain_new();
	e->sent = xcv_chain_new();
	if (e->node == NULL || e->service == NULL || e->name == NULL ||
	    e->chain == NULL || e->sent == NULL)
		return xcv_oom();
	if ((rc = xcv_chain_append(e->chain, built)) < 0 ||
	    (rc = xcv_refs_add(&e->sent->libs, &built->libs)) < 0)
		return rc;
	/* What the server sent of the path: what a client is given. */
	for (int i = 0; i < sk_X509_num(built->certs); i++) {
		X509 *x = sk_X509_value(built->certs, i);
		char fp[65];

		if (p->sent != NULL) {
			if ((rc = sha256_hex(x, fp)) < 0)
				return rc;
			if (!in_list(p->sent, p->n_sent, fp))
				continue;
		}
		if (!X509_up_ref(x))
			return xcv_oom();
		if (sk_X509_push(e->sent->certs, x) <= 0) {
			X509_free(x);
			return xcv_oom();
		}
	}
	return 0;
}

/* An endpoint that gave no certificate: named in the plan, left out. */
static int
without_certificate(struct xcv_plan *plan, const char *node,
	const char *service)
{
	if (strcmp(service, "s2s") == 0)
		return 0;
	return xcv_strv_pushf(&plan->no_cert, "%s %s", node, service) < 0 ?
		xcv_oom() : 0;
}

/* A result's chain as built, and the fingerprints of what was sent. */
static int
add_result(struct xcv_plan *plan, const char *node, const char *service,
	const struct xcv_result *res)
{
	struct xcv_plan_endpoint ep = { .node = node, .service = service };
	const char **sent = NULL;
	struct xcv_chain *built;
	int rc = 0;

	if (res == NULL || res->path == NULL)
		return without_certificate(plan, node, service);
	if ((built = xcv_chain_new()) == NULL)
		return xcv_oom();
	if (res->n_presented > 0 &&
	    (sent = calloc(res->n_presented, sizeof(*sent))) == NULL)
		rc = xcv_oom();
	/* The path's certificates may live in a cache's library context. */
	if (rc == 0)
		rc = xcv_refs_add(&built->libs, &res->libs);
	for (int i = 0; rc == 0 && i < sk_X509_num(res->path); i++) {
		X509 *x = sk_X509_value(res->path, i);
		if (!X509_up_ref(x))
			rc = xcv_oom();
		else if (sk_X509_push(built->certs, x) <= 0) {
			X509_free(x);
			rc = xcv_oom();
		}
	}
	for (size_t i = 0; rc == 0 && i < res->n_presented; i++)
		sent[i] = res->presented[i].sha256;
	if (rc == 0) {
		ep.name = res->id.reference;
		ep.named = res->id.matched;
		ep.built = built;
		ep.sent = sent;
		ep.n_sent = res->n_presented;
		rc = xcv_plan_add(plan, &ep);
	}
	free(sent);
	xcv_chain_free(built);
	return rc;
}

int
xcv_plan_add_check(struct xcv_plan *plan, const struct xcv_check *check,
	const char *target)
{
	const struct xcv_result *res = xcv_check_result(check);

	if (res == NULL)
		return 0;
	return add_result(plan, target, res->service == XCV_SERVICE_HTTPS ?
		"https" : check->direct_tls ? "xmpps" :
		xcv_service_name(res->service), res);
}

int
xcv_plan_add_scan(struct xcv_plan *plan, const struct xcv_scan *scan)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < scan->n_eps; i++)
		rc = add_result(plan, scan->nodes[scan->eps[i].node].name,
			xcv_scan_service_name(scan->eps[i].service),
			scan->eps[i].res);
	return rc;
}

/* The certificates of a JSON "built" array, from their PEM, read as one
 * chain so that the CA certificates endpoints share come from the plan's
 * cache, parsed once. */
static int
json_chain(struct xcv_plan *plan, struct xcv_chain **out, json_t *built,
	const char *node, const char *service)
{
	struct xcv_text pem = {0};
	size_t i;
	json_t *c;
	int rc = 0;

	json_array_foreach(built, i, c) {
		const char *one = json_string_value(json_object_get(c, "pem"));

		if (one == NULL) {
			free(pem.s);
			return xcv_set_error(XCV_EINPUT, "a certificate of %s %s "
				"without its PEM: save the JSON with this version of "
				"xmppcv", node, service);
		}
		xcv_text_put(&pem, "%s", one);
	}
	if (pem.oom) {
		free(pem.s);
		return xcv_oom();
	}
	if (plan->cache == NULL && (plan->cache = xcv_chain_cache_new(false)) ==
	    NULL)
		rc = xcv_oom();
	if (rc == 0)
		rc = xcv_chain_load_mem_cached(out, pem.s, pem.len, "the JSON line",
			plan->cache);
	free(pem.s);
	return rc;
}

int
xcv_plan_add_json(struct xcv_plan *plan, const char *line, size_t len)
{
	struct xcv_plan_endpoint ep = {0};
	struct xcv_chain *chain = NULL;
	json_t *o = NULL, *built, *certs, *c;
	const char **sent = NULL;
	const char *mode;
	json_error_t err;
	size_t i;
	int rc = xcv_json_loadb(&o, line, len, 0, &err);

	if (rc < 0)
		return rc;
	if (!json_is_object(o)) {
		rc = xcv_set_error(XCV_EINPUT, "not a JSON object from check, "
			"scan or verify --json");
		goto out;
	}
	/* scan names the node, check the target, verify the file. */
	ep.node = json_string_value(json_object_get(o, "node"));
	if (ep.node == NULL)
		ep.node = json_string_value(json_object_get(o, "target"));
	if (ep.node == NULL)
		ep.node = json_string_value(json_object_get(o, "file"));
	ep.service = json_string_value(json_object_get(o, "service"));
	/* check says direct TLS in its tls mode; scan in its service. */
	mode = json_string_value(json_object_get(json_object_get(o, "tls"),
		"mode"));
	if (ep.service && strcmp(ep.service, "c2s") == 0 && mode &&
	    strcmp(mode, "direct") == 0)
		ep.service = "xmpps";
	/* The name the certificate must carry: XMPP, the domain; HTTPS, the
	 * host (a scan's expected_name says which). */
	ep.name = json_string_value(json_object_get(o, "expected_name"));
	if (ep.name == NULL)
		ep.name = json_string_value(json_object_get(o, "domain"));
	ep.named = json_is_true(json_object_get(json_object_get(o, "identity"),
		"matched"));
	built = json_object_get(json_object_get(o, "chain"), "built");
	certs = json_object_get(json_object_get(o, "chain"), "certs");
	if (json_object_get(o, "summary"))
		goto out;
	/* Every endpoint line of check, scan and verify has a verdict. */
	if (json_object_get(o, "verdict") == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "not a line of check, scan or "
			"verify --json (it has no verdict)");
		goto out;
	}
	if (!json_is_array(built) || json_array_size(built) == 0) {
		if (ep.node && ep.service)
			rc = without_certificate(plan, ep.node, ep.service);
		goto out;
	}
	if (ep.node == NULL || ep.service == NULL || ep.name == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "a JSON line without its node, "
			"service or name: not from check, scan or verify --json");
		goto out;
	}
	if ((rc = json_chain(plan, &chain, built, ep.node, ep.service)) < 0)
		goto out;
	/* What the server sent, by fingerprint; without the list, all of
	 * the path is taken as sent. */
	if (json_is_array(certs) && json_array_size(certs) > 0) {
		if ((sent = calloc(json_array_size(certs), sizeof(*sent))) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		json_array_foreach(certs, i, c)
			sent[i] = json_string_value(json_object_get(c, "sha256"));
		ep.sent = sent;
		ep.n_sent = json_array_size(certs);
	}
	ep.built = chain;
	rc = xcv_plan_add(plan, &ep);
out:
	free(sent);
	xcv_chain_free(chain);
	json_decref(o);
	return rc;
}

/* --- the plan --- */

static bool
in_store(const struct xcv_plan *plan, X509 *x)
{
	for (size_t i = 0; i < xcv_chain_count(plan->store); i++) {
		X509 *s = sk_X509_value(plan->store->certs, (int)i);
		/* The same certificate, or the same name and key. */
		if (X509_cmp(s, x) == 0 || (X509_NAME_cmp(X509_get_subject_name(s),
		    X509_get_subject_name(x)) == 0 && EVP_PKEY_eq(
		    X509_get0_pubkey(s), X509_get0_pubkey(x)) == 1))
			return true;
	}
	return false;
}

/* A certificate of the store that issued x (a public root the server
 * need not send), or NULL. */
static X509 *
store_issuer(const struct xcv_plan *plan, X509 *x)
{
	for (size_t i = 0; i < xcv_chain_count(plan->store); i++) {
		X509 *s = sk_X509_value(plan->store->certs, (int)i);
		if (X509_check_issued(s, x) == X509_V_OK)
			return s;
	}
	return NULL;
}

/* "Corp-Root-CA-1a2b3c4d": the CN (else "certificate") in letters, digits,
 * dots and dashes, and the fingerprint's start. */
static char *
file_stem(X509 *x, const char *sha256)
{
	char *cn = xcv_cert_short_name(x), *s;

	if (cn == NULL)
		return NULL;
	for (char *p = cn; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	if (strlen(cn) > 48)
		cn[48] = '\0';
	s = xcv_asprintf("%s-%.8s", cn[0] ? cn : "certificate", sha256);
	free(cn);
	return s;
}

/* The plan's entry for x (made on first sight), covering the endpoint. */
static int
take_cert(struct xcv_plan *plan, X509 *x, enum xcv_plan_kind kind, struct xcv_plan_ep *e)
{
	struct xcv_plan_cert *c = NULL, *v;
	unsigned char md[32];
	unsigned n = 0;
	char *where;

	if (!X509_digest(x, EVP_sha256(), md, &n))
		return xcv_oom();
	for (size_t i = 0; i < plan->n_certs && c == NULL; i++)
		if (X509_cmp(plan->certs[i].x, x) == 0)
			c = &plan->certs[i];
	if (c == NULL) {
		v = realloc(plan->certs, (plan->n_certs + 1) * sizeof(*v));
		if (v == NULL)
			return xcv_oom();
		plan->certs = v;
		c = &v[plan->n_certs];
		memset(c, 0, sizeof(*c));
		if (!X509_up_ref(x))
			return xcv_oom();
		c->x = x;
		plan->n_certs++;
		c->kind = kind;
		for (unsigned i = 0; i < n; i++)
			snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
		c->subject = xcv_name_text(X509_get_subject_name(x));
		c->file = file_stem(x, c->sha256);
		if (c->subject == NULL || c->file == NULL)
			return XCV_ENOMEM;
	}
	e->cert = (long)(c - plan->certs);
	where = xcv_asprintf("%s %s", e->node, e->service);
	if (where == NULL)
		return XCV_ENOMEM;
	if (!xcv_strv_contains(&c->covers, where))
		xcv_strv_push(&c->covers, where);
	free(where);
	return xcv_strv_ok(&c->covers);
}

XCV_PRINTF(5, 6) static int
take_fix(struct xcv_plan *plan, const struct xcv_plan_ep *e, const char *problem,
	const char *fix_text, const char *fmt, ...)
{
	struct xcv_plan_fix *v = realloc(plan->fixes, (plan->n_fixes + 1) * sizeof(*v));
	va_list ap;
	char *detail;

	if (v == NULL)
		return xcv_oom();
	plan->fixes = v;
	va_start(ap, fmt);
	detail = xcv_vasprintf(fmt, ap);
	va_end(ap);
	v[plan->n_fixes] = (struct xcv_plan_fix){ .node = xcv_strdup(e->node),
		.service = xcv_strdup(e->service), .problem = xcv_strdup(problem),
		.fix = detail ? xcv_asprintf("%s: %s", detail, fix_text) : NULL };
	plan->n_fixes++;
	free(detail);
	return v[plan->n_fixes - 1].node && v[plan->n_fixes - 1].service &&
		v[plan->n_fixes - 1].problem && v[plan->n_fixes - 1].fix ? 0 :
		XCV_ENOMEM;
}

/* 0 when x is valid at at, -1 when not yet, 1 when expired. */
static int
validity(X509 *x, int64_t at)
{
	time_t t = (time_t)at;

	if (X509_cmp_time(X509_get0_notBefore(x), &t) >= 0)
		return -1;
	return X509_cmp_time(X509_get0_notAfter(x), &t) > 0 ? 0 : 1;
}

/* Whether the server sent x (of its path as built). */
static bool
was_sent(const struct xcv_plan_ep *e, X509 *x)
{
	for (int i = 0; i < sk_X509_num(e->sent->certs); i++)
		if (X509_cmp(sk_X509_value(e->sent->certs, i), x) == 0)
			return true;
	return false;
}

/* What one endpoint asks of the plan: a root, a self-signed certificate,
 * nothing (a public root), and the fixes no deployment makes. */
static int
classify(struct xcv_plan *plan, struct xcv_plan_ep *e)
{
	STACK_OF(X509) *sk = e->chain->certs;
	int n = sk_X509_num(sk), rc = 0;
	X509 *leaf = sk_X509_value(sk, 0), *top = sk_X509_value(sk, n - 1);
	bool top_root = (X509_get_extension_flags(top) & EXFLAG_SS) != 0;
	char *name;

	if (!e->named)
		rc = take_fix(plan, e, "mismatch", "have it re-issued naming it "
			"(on Cisco IM and Presence: the SAN-domain setting); until "
			"then a client asks or refuses whatever is deployed",
			"the certificate does not name %s", e->name);
	for (int i = 0; rc == 0 && i < n; i++) {
		X509 *x = sk_X509_value(sk, i);
		int when = validity(x, plan->at);

		if (when == 0)
			continue;
		if ((name = xcv_cert_short_name(x)) == NULL)
			return xcv_oom();
		rc = when > 0 ? take_fix(plan, e, "expired", "renew it", "\"%s\" "
			"has expired", name) : take_fix(plan, e, "not-yet-valid",
			"check the server's clock and the certificate's dates; "
			"re-issue it if they are wrong", "\"%s\" is not valid yet",
			name);
		free(name);
	}
	/* Below the top: a CA certificate of the path the server did not
	 * send (xmppcv found it among its anchors), which clients lack. */
	for (int i = 1; rc == 0 && i < n; i++) {
		X509 *x = sk_X509_value(sk, i);

		if (was_sent(e, x) || (i == n - 1 && top_root))
			continue;
		if ((name = xcv_name_text(X509_get_subject_name(x))) == NULL)
			return xcv_oom();
		rc = take_fix(plan, e, "missing-intermediate", "install the "
			"intermediate CA certificate on the server, to be sent with "
			"its own", "the server does not send the intermediate CA "
			"certificate %s (xmppcv had it among its trust anchors)",
			name);
		free(name);
	}
	if (rc < 0)
		return rc;
	if (n == 1 && top_root) {
		/* A self-signed server certificate: Enterprise Trust, where
		 * it names what it must (else it would still prompt). */
		if (in_store(plan, leaf) || !e->named)
			return 0;
		return take_cert(plan, leaf, XCV_PLAN_ENTERPRISE, e);
	}
	if (top_root)
		return take_cert(plan, top, in_store(plan, top) ? XCV_PLAN_PUBLIC : XCV_PLAN_ROOT, e);
	/* The path stops below a root: the clients' store may hold the one
	 * that issued its top; else something is missing. */
	if (store_issuer(plan, top))
		return take_cert(plan, store_issuer(plan, top), XCV_PLAN_PUBLIC, e);
	name = xcv_name_text(X509_get_issuer_name(top));
	if (name == NULL)
		return XCV_ENOMEM;
	if (n == 1)
		rc = take_fix(plan, e, "missing-intermediate", "install the "
			"intermediate CA certificate on the server, to be sent with "
			"its own; if that issuer is a root, give it to xmppcv as a "
			"trust anchor to put it in the plan", "the server sends no "
			"issuer of its certificate (%s)", name);
	else
		rc = take_fix(plan, e, "root-unknown", "give that root to xmppcv "
			"as a trust anchor to put it in the plan, or install a "
			"missing intermediate on the server", "the CA that issued "
			"the top of the chain (%s) is neither sent nor known here",
			name);
	free(name);
	return rc;
}

/*
 * Two certificates to deploy with the same subject and different keys (a
 * node's self-signed XMPP and HTTPS certificates of one CN): a store finds
 * an anchor by its subject, and OpenSSL takes the first of that name, so a
 * client trusts one of them and still asks about the other. The fix is on
 * the server: a different CN for one of them.
 */
static int
same_subjects(struct xcv_plan *plan)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < plan->n_eps; i++) {
		const struct xcv_plan_ep *e = &plan->eps[i];
		const struct xcv_plan_cert *mine, *other = NULL;

		if (e->cert < 0 || plan->certs[e->cert].kind == XCV_PLAN_PUBLIC)
			continue;
		mine = &plan->certs[e->cert];
		for (long k = 0; k < e->cert && other == NULL; k++)
			if (plan->certs[k].kind != XCV_PLAN_PUBLIC && X509_NAME_cmp(
			    X509_get_subject_name(plan->certs[k].x),
			    X509_get_subject_name(mine->x)) == 0 && EVP_PKEY_eq(
			    X509_get0_pubkey(plan->certs[k].x),
			    X509_get0_pubkey(mine->x)) != 1)
				other = &plan->certs[k];
		if (other == NULL)
			continue;
		rc = take_fix(plan, e, "same-subject", "regenerate one of them "
			"with a different CN (or have both signed by a CA)", "its "
			"certificate has the subject (%s) of another one the plan "
			"deploys (%s.cer); OpenSSL finds a trust anchor by its "
			"subject, so clients built on it trust only one of the two",
			mine->subject, other->file);
	}
	return rc;
}

/* The profiles that can prompt at all. */
static bool
prompts(size_t i)
{
	const struct xcv_client_rules *c = xcv_client_rules_all[i];

	return c->untrusted == FAIL_PROMPT || c->mismatch == FAIL_PROMPT;
}

/* Count, for every profile that prompts, the distinct server certificates
 * it would ask about with the anchors of cfg, and those it would refuse
 * (when refused is not NULL). */
static int
count_prompts(struct xcv_plan *plan, struct xcv_config *cfg, long *counts,
	long *refused)
{
	struct xcv_strv seen[XCV_CLIENTS_MAX] = {{0}};
	struct xcv_strv gone[XCV_CLIENTS_MAX] = {{0}};
	int rc = 0;

	for (size_t k = 0; k < xcv_client_rules_count; k++) {
		counts[k] = prompts(k) ? 0 : -1;
		if (refused)
			refused[k] = counts[k];
	}
	for (size_t i = 0; rc == 0 && i < plan->n_eps; i++) {
		const struct xcv_plan_ep *e = &plan->eps[i];
		struct xcv_result *res = NULL;
		char fp[65];

		/* What a client is given: the certificates the server sent. */
		rc = xcv_verify_as(&res, cfg, e->sent, e->name, strcmp(
			e->service, "https") == 0 ? XCV_SERVICE_HTTPS :
			XCV_SERVICE_C2S);
		if (rc == 0)
			rc = xcv_chain_sha256(e->chain, 0, fp);
		for (size_t k = 0; rc == 0 && k < res->n_clients; k++) {
			const struct xcv_client_info *c = &res->clients[k].info;
			size_t at = 0;
			while (at < xcv_client_rules_count &&
			    xcv_client_rules_all[at]->profile.id != c->client)
				at++;
			if (at == xcv_client_rules_count || counts[at] < 0)
				continue;
			if (c->verdict == XCV_CLIENT_PROMPTS &&
			    !xcv_strv_contains(&seen[at], fp)) {
				xcv_strv_push(&seen[at], fp);
				counts[at]++;
			}
			if (refused && c->verdict == XCV_CLIENT_FAILS &&
			    !xcv_strv_contains(&gone[at], fp)) {
				xcv_strv_push(&gone[at], fp);
				refused[at]++;
			}
		}
		xcv_result_free(res);
	}
	for (size_t k = 0; k < xcv_client_rules_count; k++) {
		if (rc == 0)
			rc = xcv_strv_ok(&seen[k]);
		if (rc == 0)
			rc = xcv_strv_ok(&gone[k]);
		xcv_strv_clear(&seen[k]);
		xcv_strv_clear(&gone[k]);
	}
	return rc;
}

/* The anchors a client has: the store, and with after the plan's. */
static int
client_config(struct xcv_config **out, const struct xcv_plan *plan,
	bool after)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_chain *deployed = NULL;
	int rc = 0;

	*out = NULL;
	if (cfg == NULL)
		return XCV_ENOMEM;
	xcv_config_set_system_ca(cfg, false);
	xcv_config_set_time(cfg, plan->at);
	rc = xcv_config_add_ca_chain(cfg, plan->store);
	if (rc == 0 && after) {
		if ((deployed = xcv_chain_new()) == NULL)
			rc = XCV_ENOMEM;
		for (size_t i = 0; rc == 0 && i < plan->n_certs; i++) {
			X509 *x = plan->certs[i].x;
			if (plan->certs[i].kind == XCV_PLAN_PUBLIC)
				continue;
			if (!X509_up_ref(x) || sk_X509_push(deployed->certs, x) <= 0) {
				X509_free(x);
				rc = xcv_oom();
			}
		}
		if (rc == 0 && xcv_chain_count(deployed) > 0)
			rc = xcv_config_add_ca_chain(cfg, deployed);
		xcv_chain_free(deployed);
	}
	if (rc < 0) {
		xcv_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

/* Classify every endpoint and count the prompts: once. */
int
xcv_plan_judge(struct xcv_plan *plan)
{
	struct xcv_config *cfg = NULL;
	unsigned long failures = xcv_alloc_failures();
	int rc = 0;

	if (plan->judged)
		return 0;
	/* Endpoints added after a judgement, or one that failed: afresh. */
	clear_judgement(plan);
	for (size_t i = 0; rc == 0 && i < plan->n_eps; i++)
		rc = classify(plan, &plan->eps[i]);
	if (rc == 0)
		rc = same_subjects(plan);
	if (rc == 0 && (rc = client_config(&cfg, plan, false)) == 0)
		rc = count_prompts(plan, cfg, plan->before, NULL);
	xcv_config_free(cfg);
	cfg = NULL;
	if (rc == 0 && (rc = client_config(&cfg, plan, true)) == 0)
		rc = count_prompts(plan, cfg, plan->after, plan->refused);
	xcv_config_free(cfg);
	/* Memory that ran out inside OpenSSL's verification reads as an
	 * untrusted chain there: never a count. */
	if (rc == 0 && xcv_alloc_failures() != failures)
		rc = xcv_oom();
	plan->judged = rc == 0;
	return rc;
}

/* --- the folder --- */

/* Whether the folder dir holds anything; -1 (errno set) when it cannot
 * be read. */
static int
folder_used(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int used = 0;

	if (d == NULL)
		return -1;
	while (!used && (e = readdir(d)) != NULL)
		used = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return used;
}

/* The new folder tmp in place of dir: an existing dir (a plan, with
 * force) is swapped with it in one step where the system can, so that dir
 * always exists whole; tmp then holds the old plan. */
static int
put_in_place(const char *tmp, const char *dir, bool exists)
{
	if (exists && renameat2(AT_FDCWD, tmp, AT_FDCWD, dir,
	    RENAME_EXCHANGE) == 0)
		return 1;
	if (exists && errno != EINVAL && errno != ENOSYS)
		return xcv_set_error(XCV_EINPUT, "cannot replace %s: %s; nothing "
			"was changed", dir, strerror(errno));
	/* No exchange here (or nothing to replace): the old aside first. */
	if (exists) {
		char *aside = xcv_asprintf("%s.old", tmp);
		int rc = 1;
		if (aside == NULL)
			return XCV_ENOMEM;
		if (rename(dir, aside) < 0)
			rc = xcv_set_error(XCV_EINPUT, "cannot move %s aside: %s; "
				"nothing was changed", dir, strerror(errno));
		else if (rename(tmp, dir) < 0) {
			rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", dir,
				strerror(errno));
			if (rename(aside, dir) < 0)
				rc = xcv_set_error(XCV_EINPUT, "cannot create %s, and "
					"the old plan is left as %s", dir, aside);
		} else if (rename(aside, tmp) < 0)
			rc = xcv_set_error(XCV_EINPUT, "%s is written; the old "
				"plan is left as %s", dir, aside);
		free(aside);
		return rc;
	}
	if (rename(tmp, dir) < 0)
		return xcv_set_error(XCV_EINPUT, "cannot create %s: %s", dir,
			strerror(errno));
	return 0;
}

/* "plan/" is the folder plan: dir without its trailing slashes. */
static char *
folder_path(const char *dir)
{
	char *path = xcv_strdup(dir);

	for (size_t len = path ? strlen(path) : 0; len > 1 &&
	    path[len - 1] == '/'; len--)
		path[len - 1] = '\0';
	return path;
}

/* What a plan folder holds, as xcv_plan_files_write makes it. */
static const char *const plan_paths[] = { "PLAN.md", "plan.json", "roots",
	"roots/*.cer", "enterprise-trust", "enterprise-trust/*.cer", "windows",
	"windows/*.ps1", "windows/*.cmd", "windows/*.txt", "linux",
	"linux/install.sh", "linux/certs", "linux/certs/*.crt", "java",
	"java/keytool.sh", "macos", "macos/install.sh" };

/* XCV_EINPUT naming the first entry under top/rel that a plan does not
 * hold (or a symbolic link), so that force never removes it. */
static int
only_plan_files(const char *top, const char *rel, int depth)
{
	char *dir = xcv_asprintf("%s%s%s", top, *rel ? "/" : "", rel);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		rc = dir ? xcv_set_error(XCV_EINPUT, "%s: cannot read: %s; nothing "
			"was overwritten", dir, strerror(errno)) : XCV_ENOMEM;
		free(dir);
		return rc;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *sub, *full;
		struct stat st;
		bool known = false;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = xcv_asprintf("%s%s%s", rel, *rel ? "/" : "", e->d_name);
		full = sub ? xcv_asprintf("%s/%s", top, sub) : NULL;
		if (full == NULL || lstat(full, &st) < 0) {
			rc = full ? xcv_set_error(XCV_EINPUT, "%s: %s; nothing was "
				"overwritten", full, strerror(errno)) : XCV_ENOMEM;
		} else {
			for (size_t i = 0; i < sizeof(plan_paths) /
			    sizeof(*plan_paths) && !known; i++)
				known = fnmatch(plan_paths[i], sub, FNM_PATHNAME) == 0;
			if (!known || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
				rc = xcv_set_error(XCV_EINPUT, "%s holds %s, which a "
					"trust plan does not; nothing was overwritten", top,
					sub);
			else if (S_ISDIR(st.st_mode) && depth < 2)
				rc = only_plan_files(top, sub, depth + 1);
		}
		free(full);
		free(sub);
	}
	closedir(d);
	free(dir);
	return rc;
}

/* Whether the plan may go to path (see xcv_plan_check_folder); *exists
 * says whether something is to be replaced. */
static int
check_folder(const char *path, bool force, bool *exists)
{
	struct stat st;
	char *json;
	int used = 0, rc = 0;

	*exists = lstat(path, &st) == 0;
	if (!*exists)
		return errno == ENOENT ? 0 : xcv_set_error(XCV_EINPUT, "%s: %s; "
			"nothing was written", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xcv_set_error(XCV_EINPUT, "%s exists and is not a "
			"folder%s; nothing was written", path, S_ISLNK(st.st_mode) ?
			" (a symbolic link)" : "");
	if ((used = folder_used(path)) < 0)
		return xcv_set_error(XCV_EINPUT, "%s: cannot read: %s; nothing "
			"was written", path, strerror(errno));
	if (used && !force)
		return xcv_set_error(XCV_EINPUT, "%s is not empty; nothing was "
			"written", path);
	/* force replaces a plan, never a folder of something else, nor a
	 * plan someone has added files to. */
	if (used) {
		unsigned char *data = NULL;
		json_t *o = NULL;
		size_t len = 0;
		json_error_t err;

		if ((json = xcv_asprintf("%s/plan.json", path)) == NULL)
			return XCV_ENOMEM;
		rc = xcv_read_file(&data, &len, json, 1u << 24);
		if (rc == 0)
			rc = xcv_json_loadb(&o, (const char *)data, len, 0, &err);
		if (rc != XCV_ENOMEM && (rc < 0 || !json_is_array(json_object_get(o,
		    "roots")) || !json_is_object(json_object_get(o,
		    "prompts_before"))))
			rc = xcv_set_error(XCV_EINPUT, "%s is not a trust plan (it "
				"has no plan.json that xmppcv wrote); nothing was "
				"overwritten", path);
		json_decref(o);
		free(data);
		free(json);
		if (rc == 0)
			rc = only_plan_files(path, "", 0);
	}
	return rc;
}

int
xcv_plan_check_folder(const char *dir, bool force)
{
	char *path = folder_path(dir);
	bool exists;
	int rc;

	if (path == NULL)
		return XCV_ENOMEM;
	rc = check_folder(path, force, &exists);
	free(path);
	return rc;
}

int
xcv_plan_write(struct xcv_plan *plan, const char *dir, bool force)
{
	char *path = folder_path(dir), *tmp = NULL, *parent = NULL;
	bool exists;
	int rc, fd;

	if (path == NULL)
		return XCV_ENOMEM;
	if ((rc = xcv_plan_judge(plan)) < 0 ||
	    (rc = check_folder(path, force, &exists)) < 0 ||
	    (rc = xcv_make_parents(path)) < 0)
		goto out;
	if ((tmp = xcv_asprintf("%s.tmp-XXXXXX", path)) == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	if (mkdtemp(tmp) == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", tmp,
			strerror(errno));
		goto out;
	}
	/* What a plan holds is for others to read: not mkdtemp's 0700. */
	if (chmod(tmp, 0755) < 0)
		rc = xcv_set_error(XCV_EINPUT, "cannot write %s: %s", tmp,
			strerror(errno));
	if (rc == 0)
		rc = xcv_plan_files_write(plan, tmp);
	if (rc == 0)
		rc = put_in_place(tmp, path, exists);
	if (rc < 0) {
		xcv_plan_files_remove(tmp);
		goto out;
	}
	/* The rename made durable; then the old plan goes. */
	if ((parent = xcv_strdup(path)) != NULL && (fd = open(dirname(parent),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	if (rc == 1 && xcv_plan_files_remove(tmp) < 0 && plan->leftover == NULL)
		plan->leftover = xcv_strdup(tmp);
	rc = 0;
out:
	free(parent);
	free(tmp);
	free(path);
	return rc;
}
