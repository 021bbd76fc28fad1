/*
 * The trust plan (plan.h): the certificates to deploy to client computers
 * so that no client asks, the fixes no deployment makes, and the prompts
 * users meet before and after. Cisco's "Set Up Certificate Verification"
 * says where each goes: a private CA's root to Trusted Root Certification
 * Authorities, a self-signed certificate to Enterprise Trust; deployed
 * with the Certificate Import Wizard, CertMgr.exe or a Group Policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_internal.h"
#include "clients/client.h"
#include "plan_internal.h"
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
	}
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
	free(plan->eps);
	free(plan->certs);
	free(plan->fixes);
	xcv_chain_free(plan->store);
	free(plan->store_path);
	free(plan);
}

int
xcv_plan_add(struct xcv_plan *plan, const char *node, const char *service,
	const char *name, bool named, const struct xcv_chain *built)
{
	struct plan_ep *v, *e;

	/* Federating servers judge s2s certificates, not users' clients. */
	if (strcmp(service, "s2s") == 0) {
		plan->skipped_s2s++;
		return 0;
	}
	if (built == NULL || xcv_chain_count(built) == 0 || name == NULL)
		return 0;
	v = realloc(plan->eps, (plan->n_eps + 1) * sizeof(*v));
	if (v == NULL)
		return xcv_oom();
	plan->eps = v;
	e = &v[plan->n_eps];
	memset(e, 0, sizeof(*e));
	e->named = named;
	e->cert = -1;
	e->node = xcv_strdup(node);
	e->service = xcv_strdup(service);
	e->name = xcv_strdup(name);
	e->chain = xcv_chain_new();
	plan->n_eps++;
	if (e->node == NULL || e->service == NULL || e->name == NULL ||
	    e->chain == NULL)
		return XCV_ENOMEM;
	return xcv_chain_append(e->chain, built);
}

/* The chain as built of a result, as a chain. */
static int
add_result(struct xcv_plan *plan, const char *node, const char *service,
	const struct xcv_result *res)
{
	struct xcv_chain *built;
	int rc = 0;

	if (res == NULL || res->path == NULL)
		return 0;
	if ((built = xcv_chain_new()) == NULL)
		return XCV_ENOMEM;
	/* The path's certificates may live in a cache's library context. */
	rc = xcv_refs_add(&built->libs, &res->libs);
	for (int i = 0; rc == 0 && i < sk_X509_num(res->path); i++) {
		X509 *x = sk_X509_value(res->path, i);
		if (!X509_up_ref(x) || sk_X509_push(built->certs, x) <= 0) {
			X509_free(x);
			rc = xcv_oom();
		}
	}
	if (rc == 0)
		rc = xcv_plan_add(plan, node, service, res->id.reference,
			res->id.matched, built);
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

int
xcv_plan_add_json(struct xcv_plan *plan, const char *line, size_t len)
{
	json_t *o = NULL, *built, *c;
	json_error_t err;
	struct xcv_chain *chain = NULL;
	const char *node, *service, *name;
	size_t i;
	int rc = xcv_json_loadb(&o, line, len, 0, &err);

	if (rc < 0)
		return rc;
	if (!json_is_object(o)) {
		json_decref(o);
		return xcv_set_error(XCV_EINPUT, "not a JSON object from check or "
			"scan --json (%s)", err.text);
	}
	node = json_string_value(json_object_get(o, "node"));
	if (node == NULL)
		node = json_string_value(json_object_get(o, "target"));
	service = json_string_value(json_object_get(o, "service"));
	/* The name the certificate must carry: XMPP, the domain; HTTPS, the
	 * host (a scan's expected_name says which). */
	name = json_string_value(json_object_get(o, "expected_name"));
	if (name == NULL)
		name = json_string_value(json_object_get(o, "domain"));
	built = json_object_get(json_object_get(o, "chain"), "built");
	if (json_object_get(o, "summary") || !json_is_array(built) ||
	    json_array_size(built) == 0) {
		json_decref(o);
		return 0;   /* a summary, or no certificate */
	}
	if (node == NULL || service == NULL || name == NULL) {
		json_decref(o);
		return xcv_set_error(XCV_EINPUT, "a JSON line without its node, "
			"service or name: not from check or scan --json");
	}
	if ((chain = xcv_chain_new()) == NULL)
		rc = XCV_ENOMEM;
	json_array_foreach(built, i, c) {
		const char *pem = json_string_value(json_object_get(c, "pem"));
		struct xcv_chain *one = NULL;

		if (rc < 0)
			break;
		if (pem == NULL) {
			rc = xcv_set_error(XCV_EINPUT, "a certificate of %s %s "
				"without its PEM: save the scan with this version's "
				"--json", node, service);
			break;
		}
		rc = xcv_chain_load_mem(&one, pem, strlen(pem), "the JSON line");
		if (rc == 0)
			rc = xcv_chain_append(chain, one);
		xcv_chain_free(one);
	}
	if (rc == 0)
		rc = xcv_plan_add(plan, node, service, name, json_is_true(
			json_object_get(json_object_get(o, "identity"), "matched")),
			chain);
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
take_cert(struct xcv_plan *plan, X509 *x, enum plan_kind kind, struct plan_ep *e)
{
	struct plan_cert *c = NULL, *v;
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
take_fix(struct xcv_plan *plan, const struct plan_ep *e, const char *problem,
	const char *fix_text, const char *fmt, ...)
{
	struct plan_fix *v = realloc(plan->fixes, (plan->n_fixes + 1) * sizeof(*v));
	va_list ap;
	char *detail;

	if (v == NULL)
		return xcv_oom();
	plan->fixes = v;
	va_start(ap, fmt);
	detail = xcv_vasprintf(fmt, ap);
	va_end(ap);
	v[plan->n_fixes] = (struct plan_fix){ .node = xcv_strdup(e->node),
		.service = xcv_strdup(e->service), .problem = xcv_strdup(problem),
		.fix = detail ? xcv_asprintf("%s: %s", detail, fix_text) : NULL };
	plan->n_fixes++;
	free(detail);
	return v[plan->n_fixes - 1].node && v[plan->n_fixes - 1].service &&
		v[plan->n_fixes - 1].problem && v[plan->n_fixes - 1].fix ? 0 :
		XCV_ENOMEM;
}

static bool
valid_now(X509 *x, int64_t at)
{
	time_t t = (time_t)at;

	return X509_cmp_time(X509_get0_notBefore(x), &t) < 0 &&
		X509_cmp_time(X509_get0_notAfter(x), &t) > 0;
}

/* What one endpoint asks of the plan: a root, a self-signed certificate,
 * nothing (a public root), and the fixes no deployment makes. */
static int
classify(struct xcv_plan *plan, struct plan_ep *e)
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
		if (valid_now(x, plan->at))
			continue;
		name = xcv_cert_short_name(x);
		rc = name ? take_fix(plan, e, "expired", "renew it", "\"%s\" is "
			"not valid now", name) : XCV_ENOMEM;
		free(name);
	}
	if (rc < 0)
		return rc;
	if (n == 1 && top_root) {
		/* A self-signed server certificate: Enterprise Trust, where
		 * it names what it must (else it would still prompt). */
		if (in_store(plan, leaf) || !e->named)
			return 0;
		return take_cert(plan, leaf, PLAN_ENTERPRISE, e);
	}
	if (top_root)
		return take_cert(plan, top, in_store(plan, top) ? PLAN_PUBLIC : PLAN_ROOT, e);
	/* The path stops below a root: the clients' store may hold the one
	 * that issued its top; else something is missing. */
	if (store_issuer(plan, top))
		return take_cert(plan, store_issuer(plan, top), PLAN_PUBLIC, e);
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
		const struct plan_ep *e = &plan->eps[i];
		const struct plan_cert *mine, *other = NULL;

		if (e->cert < 0 || plan->certs[e->cert].kind == PLAN_PUBLIC)
			continue;
		mine = &plan->certs[e->cert];
		for (long k = 0; k < e->cert && other == NULL; k++)
			if (plan->certs[k].kind != PLAN_PUBLIC && X509_NAME_cmp(
			    X509_get_subject_name(plan->certs[k].x),
			    X509_get_subject_name(mine->x)) == 0)
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
	struct xcv_strv seen[32] = {{0}}, gone[32] = {{0}};
	int rc = 0;

	for (size_t k = 0; k < xcv_client_rules_count; k++) {
		counts[k] = prompts(k) ? 0 : -1;
		if (refused)
			refused[k] = counts[k];
	}
	for (size_t i = 0; rc == 0 && i < plan->n_eps; i++) {
		const struct plan_ep *e = &plan->eps[i];
		struct xcv_result *res = NULL;
		char fp[65];

		rc = xcv_verify_as(&res, cfg, e->chain, e->name, strcmp(
			e->service, "https") == 0 ? XCV_SERVICE_HTTPS :
			XCV_SERVICE_C2S);
		if (rc == 0)
			rc = xcv_chain_sha256(e->chain, 0, fp);
		for (size_t k = 0; rc == 0 && k < res->n_clients; k++) {
			const struct xcv_client_info *c = &res->clients[k].info;
			size_t at = 0;
			while (xcv_client_rules_all[at]->profile.id != c->client)
				at++;
			if (counts[at] < 0)
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
			if (plan->certs[i].kind == PLAN_PUBLIC)
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

int
xcv_plan_write(struct xcv_plan *plan, const char *dir, bool force)
{
	char *tmp = NULL, *old = NULL;
	struct stat st;
	bool exists, empty = true;
	int rc;

	if ((rc = xcv_plan_judge(plan)) < 0)
		return rc;
	exists = stat(dir, &st) == 0;
	if (exists && !S_ISDIR(st.st_mode))
		return xcv_set_error(XCV_EINPUT, "%s exists and is not a folder; "
			"nothing was written", dir);
	if (exists && rmdir(dir) < 0) {
		empty = false;
		if (!force)
			return xcv_set_error(XCV_EINPUT, "%s is not empty; nothing was "
				"overwritten (force replaces it)", dir);
	}
	if ((rc = xcv_make_parents(dir)) < 0)
		return rc;
	if ((tmp = xcv_asprintf("%s.tmp-XXXXXX", dir)) == NULL)
		return XCV_ENOMEM;
	if (mkdtemp(tmp) == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", tmp,
			strerror(errno));
		free(tmp);
		return rc;
	}
	rc = xcv_plan_files_write(plan, tmp);
	/* Replacing: the old folder aside first, then the new one in. */
	if (rc == 0 && exists && !empty) {
		if ((old = xcv_asprintf("%s.old-XXXXXX", dir)) == NULL)
			rc = XCV_ENOMEM;
		else if (mkdtemp(old) == NULL || rmdir(old) < 0 ||
		    rename(dir, old) < 0)
			rc = xcv_set_error(XCV_EINPUT, "cannot move %s aside: %s; "
				"nothing was changed", dir, strerror(errno));
	}
	if (rc == 0 && rename(tmp, dir) < 0) {
		rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", dir,
			strerror(errno));
		if (old)
			(void)rename(old, dir);
	}
	if (rc == 0) {
		int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		if (old)
			xcv_plan_files_remove(old);
	} else {
		xcv_plan_files_remove(tmp);
	}
	free(tmp);
	free(old);
	return rc;
}
