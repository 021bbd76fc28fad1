/* One code path for every verdict: chain validation plus identity. */
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "result_internal.h"
#include "xmppcv/store.h"

struct collect {
	struct xcv_result *res;
	int fail;       /* an error that names no certificate */
	int oom;        /* an allocation failed, here or in OpenSSL */
};

static char *
error_text(int code, int depth, const char *name, const char *issuer,
	X509 *cur, int64_t at)
{
	char when[32], limit[32];
	const ASN1_TIME *t;
	int64_t secs;

	xcv_time_format(at, when);
	switch (code) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return xcv_asprintf("\"%s\" is self-signed and is not among the "
			"trust anchors", name);
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return xcv_asprintf("the chain ends at the root CA \"%s\", which "
			"is not among the trust anchors", name);
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		/* Above an intermediate the server sent, the missing issuer
		 * is a root: servers need not send roots (RFC 8446 §4.4.2). */
		if (depth > 0 && X509_check_ca(cur))
			return xcv_asprintf("the root CA %s, which issued \"%s\", "
				"is not among the trust anchors", issuer, name);
		return xcv_asprintf("the issuer of \"%s\" (%s) is missing: the "
			"server did not send it and no trust anchor provides it",
			name, issuer);
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		t = code == X509_V_ERR_CERT_HAS_EXPIRED ?
			X509_get0_notAfter(cur) : X509_get0_notBefore(cur);
		if (!xcv_asn1_seconds(t, &secs))
			strcpy(limit, "?");
		else
			xcv_time_format(secs, limit);
		return code == X509_V_ERR_CERT_HAS_EXPIRED ?
			xcv_asprintf("\"%s\" expired on %s (checked as at %s)",
				name, limit, when) :
			xcv_asprintf("\"%s\" is not valid before %s (checked as "
				"at %s)", name, limit, when);
	case X509_V_ERR_INVALID_PURPOSE:
		return xcv_asprintf("\"%s\" is not valid for a TLS server: its "
			"key usage or extended key usage does not allow it", name);
	case X509_V_ERR_INVALID_CA:
		return xcv_asprintf("\"%s\" issues certificates but is not a CA "
			"certificate (basicConstraints)", name);
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return xcv_asprintf("the signature on \"%s\" does not verify "
			"with its issuer's key", name);
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return xcv_asprintf("\"%s\" is beyond its issuer's path length "
			"limit", name);
	default:
		return xcv_asprintf("\"%s\": %s", name,
			X509_verify_cert_error_string(code));
	}
}

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct collect *col = X509_STORE_CTX_get_app_data(ctx);
	struct xcv_result *res;
	struct xcv_chain_error *e, *v;
	int code = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char *name, *issuer;

	/* Nowhere to record what is wrong: stop, failed. */
	if (col == NULL)
		return 0;
	if (ok)
		return 1;
	res = col->res;
	/* An allocation OpenSSL could not make is not a defect of the
	 * certificate: the check itself failed. */
	if (code == X509_V_ERR_OUT_OF_MEM || xcv_ossl_oom(NULL)) {
		col->oom = 1;
		return 0;
	}
	for (size_t i = 0; i < res->n_errors; i++)
		if (res->errors[i].code == code && res->errors[i].depth == depth)
			return 1;
	if (cur == NULL) {
		col->fail = 1;
		return 0;
	}
	/* What the error names; the rest of a description waits for a
	 * report. */
	name = xcv_cert_short_name(cur);
	issuer = xcv_name_text(X509_get_issuer_name(cur));
	ERR_clear_error();
	v = name && issuer ? realloc(res->errors, (res->n_errors + 1) *
		sizeof(*v)) : NULL;
	if (v == NULL) {
		free(name);
		free(issuer);
		col->oom = 1;
		return 0;
	}
	res->errors = v;
	e = &v[res->n_errors];
	e->code = code;
	e->depth = depth;
	e->name = name;
	e->issuer = issuer;
	e->text = error_text(code, depth, e->name, e->issuer, cur, res->at);
	e->root_missing = depth > 0 && X509_check_ca(cur) &&
		(code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
		 code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	if (e->text == NULL) {
		free(e->name);
		free(e->issuer);
		col->oom = 1;
		return 0;
	}
	/* OpenSSL can report one missing issuer twice (not found locally,
	 * cannot verify the leaf's signature): say it once. */
	for (size_t i = 0; i < res->n_errors; i++) {
		if (res->errors[i].depth == depth &&
		    strcmp(res->errors[i].text, e->text) == 0) {
			free(e->name);
			free(e->issuer);
			free(e->text);
			return 1;
		}
	}
	res->n_errors++;
	/* Go on, so that every problem in the chain is reported; the verdict
	 * is "not trusted" as soon as one error was recorded. */
	return 1;
}

static int
describe(struct xcv_certinfo **out, size_t *n, STACK_OF(X509) *sk)
{
	int count = sk ? sk_X509_num(sk) : 0;

	*out = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	*out = calloc((size_t)count, sizeof(**out));
	if (*out == NULL)
		return xcv_oom();
	for (int i = 0; i < count; i++) {
		int rc = xcv_certinfo_fill(&(*out)[i], sk_X509_value(sk, i));
		if (rc < 0)
			return rc;
		(*n)++;
	}
	return 0;
}

#define MAX_VERIFIED 64

/* Constraints that reach below a CA to the leaf; a path holding any is
 * always verified in full. */
static bool
constrains_below(X509 *x)
{
	return X509_get_ext_by_NID(x, NID_name_constraints, -1) >= 0 ||
		X509_get_ext_by_NID(x, NID_policy_constraints, -1) >= 0 ||
		X509_get_ext_by_NID(x, NID_inhibit_any_policy, -1) >= 0;
}

/*
 * When every certificate of sk is valid: from *from until before *until,
 * as OpenSSL judges a time (valid at t when notBefore <= t < notAfter).
 * false if a time does not parse.
 */
static bool
validity(STACK_OF(X509) *sk, int64_t *from, int64_t *until)
{
	*from = INT64_MIN;
	*until = INT64_MAX;
	for (int i = 0; i < sk_X509_num(sk); i++) {
		int64_t nb, na;
		X509 *x = sk_X509_value(sk, i);
		if (!xcv_asn1_seconds(X509_get0_notBefore(x), &nb) ||
		    !xcv_asn1_seconds(X509_get0_notAfter(x), &na))
			return false;
		if (nb > *from)
			*from = nb;
		if (na < *until)
			*until = na;
	}
	return true;
}

/* Were the certificates sent after the chain's leaf exactly sent? */
static bool
same_sent(STACK_OF(X509) *sent, const struct xcv_chain *chain)
{
	int n = sk_X509_num(chain->certs);

	if (sk_X509_num(sent) != n - 1)
		return false;
	for (int k = 0; k < n - 1; k++)
		if (X509_cmp(sk_X509_value(sent, k),
		    sk_X509_value(chain->certs, k + 1)) != 0)
			return false;
	return true;
}

/* Certificates that could issue under name: the anchors' (store) and the
 * sent ones, each distinct certificate counted once. */
static int
candidates(X509_STORE_CTX *ctx, STACK_OF(X509) *sent, const X509_NAME *name)
{
	STACK_OF(X509) *anchors = X509_STORE_CTX_get1_certs(ctx, name);
	int n = anchors ? sk_X509_num(anchors) : 0;

	ERR_clear_error();
	for (int i = 0; i < sk_X509_num(sent); i++) {
		X509 *x = sk_X509_value(sent, i);
		bool known = false;
		if (X509_NAME_cmp(X509_get_subject_name(x), name) != 0)
			continue;
		for (int k = 0; k < sk_X509_num(anchors) && !known; k++)
			known = X509_cmp(x, sk_X509_value(anchors, k)) == 0;
		for (int k = 0; k < i && !known; k++)
			known = X509_cmp(x, sk_X509_value(sent, k)) == 0 &&
				X509_NAME_cmp(X509_get_subject_name(
				sk_X509_value(sent, k)), name) == 0;
		n += !known;
	}
	sk_X509_pop_free(anchors, X509_free);
	return n;
}

/*
 * After a full verification that trusted the chain: remember the path
 * above the intermediate under what was sent after the leaf, when any
 * other leaf under that intermediate, sent with the same certificates,
 * must be given this very path by a full verification at any time. That
 * holds when no constraint above reaches down to the leaf, the
 * intermediate is the one sent first, and each issuer on the path was the
 * only certificate of its name among the anchors and the sent ones (so
 * that no choice could go another way at another time).
 */
static void
remember(struct xcv_config *cfg, X509_STORE_CTX *ctx,
	const struct xcv_chain *chain)
{
	STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
	STACK_OF(X509) *sent = NULL, *above = NULL;
	struct xcv_verified *v;
	int n = sk_X509_num(built);

	/* A leaf sent alone, its issuer among the anchors, is none of it. */
	if (cfg->no_verified_cache || n < 3 || cfg->n_verified >= MAX_VERIFIED ||
	    sk_X509_num(chain->certs) < 2 ||
	    X509_cmp(sk_X509_value(built, 1), sk_X509_value(chain->certs, 1)))
		return;
	/* The configuration keeps what it remembers, and its context. */
	if (xcv_refs_add(&cfg->libs, &chain->libs) < 0) {
		ERR_clear_error();
		return;
	}
	for (int i = 2; i < n; i++)
		if (constrains_below(sk_X509_value(built, i)))
			return;
	sent = sk_X509_dup(chain->certs);
	if (sent == NULL)
		return;
	(void)sk_X509_shift(sent);
	for (size_t i = 0; i < cfg->n_verified; i++)
		if (same_sent(cfg->verified[i].sent, chain))
			goto out;
	for (int i = 1; i < n; i++)
		if (candidates(ctx, sent, X509_get_subject_name(
		    sk_X509_value(built, i))) != 1)
			goto out;
	above = sk_X509_new_null();
	v = realloc(cfg->verified, (cfg->n_verified + 1) * sizeof(*v));
	if (v != NULL)
		cfg->verified = v;
	if (above == NULL || v == NULL)
		goto out;
	/* Everything above the leaf: its validity is all that is left to
	 * check another time. */
	for (int i = 1; i < n; i++)
		if (sk_X509_push(above, sk_X509_value(built, i)) <= 0)
			goto out;
	if (!validity(above, &v[cfg->n_verified].from,
	    &v[cfg->n_verified].until))
		goto out;
	(void)sk_X509_shift(above);
	v[cfg->n_verified].sent = X509_chain_up_ref(sent);
	v[cfg->n_verified].above = X509_chain_up_ref(above);
	if (v[cfg->n_verified].sent == NULL || v[cfg->n_verified].above == NULL) {
		sk_X509_pop_free(v[cfg->n_verified].sent, X509_free);
		sk_X509_pop_free(v[cfg->n_verified].above, X509_free);
		goto out;
	}
	cfg->n_verified++;
out:
	sk_X509_free(sent);
	sk_X509_free(above);
}


static void
clear_errors(struct xcv_result *res)
{
	for (size_t i = 0; i < res->n_errors; i++) {
		free(res->errors[i].name);
		free(res->errors[i].issuer);
		free(res->errors[i].text);
	}
	res->n_errors = 0;
}

/*
 * The shortcut for a chain sent with the same certificates after its leaf
 * as one whose path a full verification under this configuration
 * remembered: everything above the leaf is then a time-independent fact
 * already checked, except validity periods. So verify the leaf against the
 * intermediate alone (partial chain) and check the validity period of
 * every certificate above. Returns 1 when that verified the chain, with
 * the path a full verification builds; 0 to verify in full.
 */
static int
check_known(struct xcv_result *res, struct xcv_config *cfg,
	const struct xcv_chain *chain)
{
	const struct xcv_verified *known = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *trusted = NULL, *built = NULL;
	struct collect col = { res, 0, 0 };
	X509 *inter;
	int ok = 0, n = sk_X509_num(chain->certs);

	if (cfg->no_verified_cache || n < 2 || cfg->n_verified == 0)
		return 0;
	for (size_t i = 0; i < cfg->n_verified && known == NULL; i++)
		if (same_sent(cfg->verified[i].sent, chain))
			known = &cfg->verified[i];
	if (known == NULL)
		return 0;
	inter = sk_X509_value(known->sent, 0);
	if (res->at < known->from || res->at >= known->until)
		return 0;
	if (cfg->empty == NULL && (cfg->empty = X509_STORE_new()) == NULL)
		return 0;
	ctx = X509_STORE_CTX_new();
	trusted = sk_X509_new_null();
	if (ctx == NULL || trusted == NULL ||
	    sk_X509_push(trusted, inter) <= 0 ||
	    !X509_STORE_CTX_init(ctx, cfg->empty,
	    sk_X509_value(chain->certs, 0), NULL))
		goto out;
	X509_STORE_CTX_set0_trusted_stack(ctx, trusted);
	if (!X509_STORE_CTX_set_app_data(ctx, &col))
		goto out;
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
		X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		(time_t)res->at);
	if (X509_verify_cert(ctx) != 1 || col.fail || col.oom ||
	    res->n_errors != 0 ||
	    sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) != 2)
		goto out;
	/* Report the whole path: leaf, intermediate, and what is above. */
	built = sk_X509_dup(X509_STORE_CTX_get0_chain(ctx));
	for (int i = 0; built && i < sk_X509_num(known->above); i++)
		if (sk_X509_push(built, sk_X509_value(known->above, i)) <= 0) {
			sk_X509_free(built);
			built = NULL;
		}
	/* A copy holding a reference to each certificate. */
	if (built == NULL || (res->path = X509_chain_up_ref(built)) == NULL)
		goto out;
	ok = 1;
out:
	ERR_clear_error();
	if (!ok)
		clear_errors(res);
	sk_X509_free(built);
	sk_X509_free(trusted);
	X509_STORE_CTX_free(ctx);
	return ok;
}

static int
check_chain(struct xcv_result *res, struct xcv_config *cfg,
	const struct xcv_chain *chain)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	struct collect col = { res, 0, 0 };
	int ok, rc = xcv_config_store(cfg, &store);

	if (rc < 0)
		return rc;
	rc = XCV_ERROR;
	if (check_known(res, cfg, chain)) {
		res->trusted = true;
		return 0;
	}
	ctx = X509_STORE_CTX_new();
	untrusted = sk_X509_dup(chain->certs);
	if (ctx == NULL || untrusted == NULL)
		goto out;
	/* The leaf is certs[0]; everything the server sent may serve as an
	 * untrusted intermediate (RFC 8446 §4.4.2 allows any order). */
	if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(chain->certs, 0),
	    untrusted))
		goto out;
	if (!X509_STORE_CTX_set_app_data(ctx, &col))
		goto out;
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		(time_t)res->at);
	/* What OpenSSL queues from here on is this verification's alone. */
	ERR_clear_error();
	ok = X509_verify_cert(ctx);
	if (col.fail || col.oom || ok < 0)
		goto out;
	res->trusted = ok == 1 && res->n_errors == 0;
	if (res->trusted)
		remember(cfg, ctx, chain);
	res->path = X509_STORE_CTX_get1_chain(ctx);
	if (res->path == NULL) {
		col.oom = 1;
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		unsigned long e;
		if (xcv_ossl_oom(&e) || col.oom)
			rc = xcv_oom();
		else
			rc = xcv_set_error(XCV_ERROR, "cannot validate the chain: "
				"%s", e && ERR_reason_error_string(e) ?
				ERR_reason_error_string(e) : "OpenSSL error");
	}
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	return rc;
}

/*
 * A certificate the user accepted for this domain stands in for chain
 * trust, as the client's Enterprise Trust store does: it is an anchor for
 * itself alone, so its validity period and purpose still count (that is
 * accepted_trusted). It never makes a name match: the verdict says so.
 */
static void
check_accepted(struct xcv_result *res, struct xcv_config *cfg,
	const struct xcv_chain *chain)
{
	X509 *leaf = sk_X509_value(chain->certs, 0);
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *empty = NULL;
	STACK_OF(X509) *trusted = NULL;
	char fp[65];

	if (cfg->accepted == NULL || xcv_chain_sha256(chain, 0, fp) < 0 ||
	    !xcv_store_accepted(cfg->accepted, fp, res->id.reference))
		return;
	res->accepted = true;
	ctx = X509_STORE_CTX_new();
	empty = X509_STORE_new();
	trusted = sk_X509_new_null();
	if (ctx == NULL || empty == NULL || trusted == NULL ||
	    sk_X509_push(trusted, leaf) <= 0 ||
	    !X509_STORE_CTX_init(ctx, empty, leaf, NULL))
		goto out;
	X509_STORE_CTX_set0_trusted_stack(ctx, trusted);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
		X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		(time_t)res->at);
	res->accepted_trusted = X509_verify_cert(ctx) == 1;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(empty);
	sk_X509_free(trusted);
}

/*
 * The verdict. A client connects when the chain is trusted and a name
 * matches; then --strict still fails profile defects. Otherwise it
 * connects only if the user accepted the certificate: verified when the
 * acceptance is all that was missing, "accepted" while anything else is
 * wrong (a name mismatch, expiry, a defect under --strict).
 */
static enum xcv_verdict
verdict(const struct xcv_result *res, bool strict)
{
	bool defects = strict && xcv_findings_defects(&res->findings) > 0;

	if (res->trusted && res->id.matched)
		return defects ? XCV_VERDICT_NOT_VERIFIED : XCV_VERDICT_VERIFIED;
	if (!res->accepted)
		return XCV_VERDICT_NOT_VERIFIED;
	return res->accepted_trusted && res->id.matched && !defects ?
		XCV_VERDICT_VERIFIED : XCV_VERDICT_ACCEPTED;
}

/* Where the path as built reaches a trust anchor above the leaf: its last
 * certificate, when the anchors trust the chain; else -1. A self-signed
 * server certificate given as an anchor stays the server's own, judged as
 * such. */
static int
anchor_depth(const struct xcv_result *res)
{
	int n = res->path ? sk_X509_num(res->path) : 0;

	return res->trusted && n > 1 ? n - 1 : -1;
}

static void
expiry_warnings(struct xcv_result *res, int warn_days)
{
	const struct xcv_certinfo *ci = res->n_built ? res->built : res->presented;
	size_t n = res->n_built ? res->n_built : res->n_presented;

	for (size_t i = 0; i < n; i++) {
		int64_t left = xcv_time_diff(ci[i].na, res->at);
		if (left < 0 || left > (int64_t)warn_days * 86400)
			continue;
		xcv_strv_pushf(&res->warnings, "\"%s\" expires in %lld day%s, "
			"on %s", ci[i].name, (long long)(left / 86400),
			left / 86400 == 1 ? "" : "s", ci[i].not_after);
	}
}

/* The public getters' views of the identities and certificates. */
static int
build_views(struct xcv_result *res)
{
	res->id_view = calloc(res->id.n_presented + 1, sizeof(*res->id_view));
	res->cert_view = calloc(res->n_presented + 1, sizeof(*res->cert_view));
	if (res->id_view == NULL || res->cert_view == NULL)
		return xcv_oom();
	for (size_t i = 0; i < res->id.n_presented; i++) {
		const struct xcv_presented *p = &res->id.presented[i];
		res->id_view[i] = (struct xcv_presented_id){ .field = p->field,
			.value = p->value, .valid = p->valid,
			.reason = p->reason };
	}
	res->finding_view = calloc(res->findings.n + 1,
		sizeof(*res->finding_view));
	if (res->finding_view == NULL)
		return xcv_oom();
	for (size_t i = 0; i < res->findings.n; i++) {
		const struct xcv_finding *f = &res->findings.v[i];
		res->finding_view[i] = (struct xcv_finding_info){
			.code = f->code, .depth = f->depth, .name = f->name,
			.text = f->text, .anchor = f->anchor };
	}
	for (size_t i = 0; i < res->n_presented; i++) {
		const struct xcv_certinfo *ci = &res->presented[i];
		res->cert_view[i] = (struct xcv_cert_info){
			.subject = ci->subject, .issuer = ci->issuer,
			.not_before = ci->not_before, .not_after = ci->not_after,
			.not_before_time = ci->nb, .not_after_time = ci->na,
			.sha256 = ci->sha256, .key = ci->key,
			.signature = ci->signature };
	}
	return 0;
}

/*
 * Verify chain for domain as service. describe: everything a report shows
 * (certificate descriptions, warnings, advice, profile findings); without
 * it, only what the verdict rests on, which is what comparing verdicts
 * needs (profile findings only under strict, where they count).
 */
/* What a certificate without clientAuth means for federation, as
 * measured (doc/federation.md) and as published. */
#define XCV_S2S_NO_CLIENTAUTH_TEXT "the certificate's extended key usage " \
	"lacks clientAuth, which this server presents when it connects to " \
	"other servers: receiving servers that check it refuse SASL " \
	"EXTERNAL (XEP-0178), and where dialback is off federation stops. " \
	"Measured (doc/federation.md): Prosody 0.12.3 with " \
	"s2s_secure_auth = true accepts it; ejabberd 23.01 refuses it for SASL EXTERNAL " \
	"(not-authorized: \"unsupported certificate purpose\"). " \
	"Published: ejabberd needs 25.08 or later (fast_tls); Openfire needs " \
	"an update. Dialback (XEP-0220), where enabled, still works. Public " \
	"CAs no longer issue clientAuth (Let's Encrypt from 2026-02-11)"

/*
 * The purpose of an s2s certificate. A server presents the same
 * certificate when it receives (serverAuth) and when it connects out, as
 * a TLS client (clientAuth: RFC 5280 §4.2.1.12, XEP-0178 §3). Public CAs
 * stop putting clientAuth in server certificates in 2026; which receiving
 * servers then refuse SASL EXTERNAL is measured in doc/federation.md.
 */
int
xcv_s2s_purpose_notice(struct xcv_result *res, X509 *leaf)
{
	uint32_t eku = X509_get_extended_key_usage(leaf);
	struct xcv_notice *v;

	/* No extension (UINT32_MAX), anyExtendedKeyUsage, or clientAuth. */
	if (res->service != XCV_SERVICE_S2S ||
	    (eku & (XKU_SSL_CLIENT | XKU_ANYEKU)))
		return 0;
	if ((v = realloc(res->notices, (res->n_notices + 1) *
	    sizeof(*v))) == NULL)
		return xcv_oom();
	res->notices = v;
	v = &res->notices[res->n_notices];
	v->code = "s2s-no-clientauth";
	v->severity = "warning";
	v->text = xcv_strdup(XCV_S2S_NO_CLIENTAUTH_TEXT);
	if (v->text == NULL)
		return XCV_ENOMEM;
	res->n_notices++;
	return 0;
}

void
xcv_notices_clear(struct xcv_result *res)
{
	for (size_t i = 0; i < res->n_notices; i++)
		free(res->notices[i].text);
	free(res->notices);
	res->notices = NULL;
	res->n_notices = 0;
}

/* Where fetched CRLs are kept, into *out: $XDG_CACHE_HOME/xmppcv/crl,
 * else ~/.cache/xmppcv/crl; NULL (no cache) when neither is an absolute
 * path (the XDG Base Directory Specification ignores a relative one).
 * 0 or XCV_ENOMEM. */
static int
crl_cache(char **out)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	*out = NULL;
	if (xdg != NULL && xdg[0] == '/')
		*out = xcv_asprintf("%s/xmppcv/crl", xdg);
	else if (home != NULL && home[0] == '/')
		*out = xcv_asprintf("%s/.cache/xmppcv/crl", home);
	else
		return 0;
	return *out ? 0 : XCV_ENOMEM;
}

/* Revocation of the trusted path; whether it fails the verdict: revoked,
 * a must-staple leaf without its staple, or unknown where required. */
static int
check_revocation(struct xcv_result *res, struct xcv_config *cfg,
	const struct xcv_live *live)
{
	X509_STORE *store = NULL;
	char *cache = NULL;
	int rc = xcv_config_store(cfg, &store);
	struct xcv_revocation *r = &res->rev;

	if (rc < 0)
		return rc;
	/* The cache is read whenever revocation is judged (also without
	 * fetching); written only after a fetch. */
	if ((rc = crl_cache(&cache)) < 0)
		return rc;
	{
		struct xcv_revocation_params p = {
			.path = res->path, .store = store, .at = res->at,
			.crl_files = (const char *const *)cfg->crl_files.v,
			.n_crl_files = cfg->crl_files.n,
			.fetch_crl = cfg->revocation & XCV_REVOCATION_FETCH_CRL,
			.ocsp = cfg->revocation & XCV_REVOCATION_OCSP,
			.staple = live ? live->staple : NULL,
			.staple_len = live ? live->staple_len : 0,
			.staple_asked = live && live->staple_asked,
			.cache_dir = cache,
			.timeout_ms = live ? live->timeout_ms : 0,
			.deadline = live ? live->deadline : 0,
		};
		rc = xcv_revocation_check(r, &p);
	}
	free(cache);
	if (rc < 0)
		return rc;
	res->rev_checked = true;
	res->rev_fails = r->state == XCV_REV_REVOKED ||
		(r->state == XCV_REV_UNKNOWN && ((cfg->revocation &
		XCV_REVOCATION_REQUIRE) || r->staple_missing));
	return 0;
}

static int
verify(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain,
	enum xcv_service service, bool describe_all,
	const struct xcv_live *live)
{
	struct xcv_result *res = NULL;
	unsigned long failures = xcv_alloc_failures();
	int rc;

	*out = NULL;
	if (chain == NULL || xcv_chain_count(chain) == 0)
		return xcv_set_error(XCV_EINPUT, "the chain is empty");
	if (cfg->have_time && (rc = xcv_time_check(cfg->at)) < 0)
		return rc;
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return xcv_oom();
	res->service = service;
	res->at = cfg->have_time ? cfg->at : (int64_t)time(NULL);
	res->described = describe_all;
	/* The path (res->path) holds certificates of the chain and of cfg. */
	if ((rc = xcv_refs_add(&res->libs, &chain->libs)) < 0 ||
	    (rc = xcv_refs_add(&res->libs, &cfg->libs)) < 0)
		goto out;
	if (domain == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "no domain to verify against");
		goto out;
	}
	rc = xcv_identity_check(&res->id, sk_X509_value(chain->certs, 0),
		domain, service, cfg->policy);
	if (rc == 0 && describe_all)
		rc = describe(&res->presented, &res->n_presented, chain->certs);
	if (rc == 0)
		rc = check_chain(res, cfg, chain);
	if (rc < 0)
		goto out;
	if (describe_all) {
		if (res->n_presented > 1 && res->presented[0].is_ca)
			xcv_strv_pushf(&res->warnings, "the first certificate "
				"(\"%s\") is a CA certificate; a chain lists the "
				"server's own certificate first",
				res->presented[0].name);
		for (size_t i = 0; i < res->id.warnings.n; i++)
			xcv_strv_push(&res->warnings, res->id.warnings.v[i]);
	}
	if (res->trusted && (cfg->revocation & XCV_REVOCATION_CHECK) &&
	    (rc = check_revocation(res, cfg, live)) < 0)
		goto out;
	if (!res->trusted || !res->id.matched)
		check_accepted(res, cfg, chain);
	if (describe_all && (rc = xcv_s2s_purpose_notice(res,
	    sk_X509_value(chain->certs, 0))) < 0)
		goto out;
	if (describe_all) {
		expiry_warnings(res, cfg->warn_days);
		if ((rc = xcv_strv_ok(&res->warnings)) < 0 ||
		    (rc = describe(&res->built, &res->n_built, res->path)) < 0)
			goto out;
	}
	if ((describe_all || cfg->strict) &&
	    (rc = xcv_profile_check(&res->findings, res->path,
	    anchor_depth(res))) < 0)
		goto out;
	res->strict = cfg->strict;
	res->verdict = verdict(res, cfg->strict);
	/* What the clients would do; a required one that would not connect
	 * silently fails a verdict that is otherwise verified. */
	if ((rc = xcv_clients_judge_result(res, cfg, describe_all)) < 0)
		goto out;
	if ((res->clients_failed || res->rev_fails) &&
	    res->verdict == XCV_VERDICT_VERIFIED)
		res->verdict = XCV_VERDICT_NOT_VERIFIED;
	res->ok = res->verdict == XCV_VERDICT_VERIFIED;
	if ((describe_all && (rc = xcv_advise(res, cfg)) < 0) ||
	    (describe_all && (res->ok || res->clients_failed) &&
	    (rc = xcv_clients_advise(res, &res->advice)) < 0) ||
	    (rc = build_views(res)) < 0)
		goto out;
out:
	/* OpenSSL may go on without memory it could not get, and reach
	 * another verdict (an issuer it could not look up reads as missing):
	 * no verdict then. */
	if (rc != XCV_ENOMEM && xcv_alloc_failures() != failures)
		rc = xcv_oom();
	if (rc < 0) {
		xcv_result_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

int
xcv_verify(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain)
{
	return verify(out, cfg, chain, domain, cfg->service, true, NULL);
}

int
xcv_verify_live(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain,
	enum xcv_service service, const struct xcv_live *live)
{
	return verify(out, cfg, chain, domain, service, true, live);
}

int
xcv_verify_as(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain,
	enum xcv_service service)
{
	return verify(out, cfg, chain, domain, service, true, NULL);
}

int
xcv_verify_verdict(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain)
{
	return verify(out, cfg, chain, domain, cfg->service, false, NULL);
}

void
xcv_result_free(struct xcv_result *res)
{
	if (res == NULL)
		return;
	xcv_identity_clear(&res->id);
	for (size_t i = 0; i < res->n_errors; i++) {
		free(res->errors[i].name);
		free(res->errors[i].issuer);
		free(res->errors[i].text);
	}
	free(res->errors);
	for (size_t i = 0; i < res->n_presented; i++)
		xcv_certinfo_clear(&res->presented[i]);
	free(res->presented);
	for (size_t i = 0; i < res->n_built; i++)
		xcv_certinfo_clear(&res->built[i]);
	free(res->built);
	xcv_strv_clear(&res->warnings);
	xcv_strv_clear(&res->advice);
	free(res->id_view);
	free(res->cert_view);
	sk_X509_pop_free(res->path, X509_free);
	xcv_findings_clear(&res->findings);
	free(res->finding_view);
	xcv_clients_clear(res);
	xcv_notices_clear(res);
	xcv_revocation_clear(&res->rev);
	xcv_refs_clear(&res->libs);
	free(res);
}

bool
xcv_result_ok(const struct xcv_result *res)
{
	return res->ok;
}

const char *
xcv_result_domain(const struct xcv_result *res)
{
	return res->id.reference;
}

enum xcv_service
xcv_result_service(const struct xcv_result *res)
{
	return res->service;
}

bool
xcv_result_chain_trusted(const struct xcv_result *res)
{
	return res->trusted || res->accepted_trusted;
}

enum xcv_verdict
xcv_result_verdict(const struct xcv_result *res)
{
	return res->verdict;
}

bool
xcv_result_accepted(const struct xcv_result *res)
{
	return res->accepted;
}

const char *
xcv_result_sha256(const struct xcv_result *res)
{
	return res->n_presented ? res->presented[0].sha256 : NULL;
}

const char *
xcv_result_chain_error(const struct xcv_result *res)
{
	return res->n_errors ? res->errors[0].text : NULL;
}

bool
xcv_result_identity_matched(const struct xcv_result *res)
{
	return res->id.matched;
}

enum xcv_field
xcv_result_identity_field(const struct xcv_result *res)
{
	return res->id.matched ? res->id.presented[res->id.match].field :
		XCV_FIELD_DNSNAME;
}

const char *
xcv_result_identity_value(const struct xcv_result *res)
{
	return res->id.matched ? res->id.presented[res->id.match].value : NULL;
}

size_t
xcv_result_presented_count(const struct xcv_result *res)
{
	return res->id.n_presented;
}

const struct xcv_presented_id *
xcv_result_presented(const struct xcv_result *res, size_t i)
{
	return i < res->id.n_presented ? &res->id_view[i] : NULL;
}

size_t
xcv_result_warning_count(const struct xcv_result *res)
{
	return res->warnings.n;
}

const char *
xcv_result_warning(const struct xcv_result *res, size_t i)
{
	return i < res->warnings.n ? res->warnings.v[i] : NULL;
}

size_t
xcv_result_advice_count(const struct xcv_result *res)
{
	return res->advice.n;
}

const char *
xcv_result_advice(const struct xcv_result *res, size_t i)
{
	return i < res->advice.n ? res->advice.v[i] : NULL;
}

size_t
xcv_result_cert_count(const struct xcv_result *res)
{
	return res->n_presented;
}

const struct xcv_cert_info *
xcv_result_cert(const struct xcv_result *res, size_t i)
{
	return i < res->n_presented ? &res->cert_view[i] : NULL;
}

size_t
xcv_result_finding_count(const struct xcv_result *res)
{
	return res->findings.n;
}

const struct xcv_finding_info *
xcv_result_finding(const struct xcv_result *res, size_t i)
{
	return i < res->findings.n ? &res->finding_view[i] : NULL;
}

const char *
xcv_result_revocation(const struct xcv_result *res, const char **why)
{
	if (why != NULL)
		*why = res->rev_checked ? res->rev.why : NULL;
	return res->rev_checked ? xcv_revocation_state_name(res->rev.state) :
		NULL;
}

unsigned
xcv_result_problems(const struct xcv_result *res)
{
	unsigned p = 0;

	if (!res->id.matched)
		p |= XCV_PROBLEM_MISMATCH;
	if (res->strict && xcv_findings_defects(&res->findings))
		p |= XCV_PROBLEM_PROFILE;
	if (res->clients_failed)
		p |= XCV_PROBLEM_CLIENTS;
	if (res->rev_fails)
		p |= XCV_PROBLEM_REVOKED;
	if (res->dane_fails)
		p |= XCV_PROBLEM_DANE;
	/* What DANE or POSH vouched for stands in for the anchors and the
	 * name (RFC 7673 §4, RFC 7711 §4). */
	if (res->verified_by != NULL)
		return p & ~(XCV_PROBLEM_MISMATCH | XCV_PROBLEM_UNTRUSTED);
	if (res->trusted || res->accepted_trusted)
		return p;
	for (size_t i = 0; i < res->n_errors; i++) {
		switch (res->errors[i].code) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
			p |= XCV_PROBLEM_EXPIRED;
			break;
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
			/* What the user's acceptance stands in for. */
			if (!res->accepted)
				p |= XCV_PROBLEM_UNTRUSTED;
			break;
		default:
			p |= XCV_PROBLEM_INVALID;
			break;
		}
	}
	return p;
}
