/*
 * The verified-intermediate shortcut must never change a verdict: every
 * case here is verified with it and without it, and the results compared.
 * Certificates are built in memory: a root (2020-2040), an intermediate
 * that expires before its leaves (2020-2030), leaves (2020-2035), a forged
 * leaf (the intermediate's name, another key), and a root with name
 * constraints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "result_internal.h"

static int64_t
at(int year)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mday = 1 };

	return (int64_t)timegm(&tm);
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static X509 *
make(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca,
	int from, int to, const char *constraints)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	static long serial = 1;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)at(from));
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)at(to));
	X509_set_pubkey(x, key);
	ext(x, issuer ? issuer : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ext(x, issuer ? issuer : x, NID_key_usage, ca ?
		"critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (!ca) {
		ext(x, issuer, NID_ext_key_usage, "serverAuth");
		ext(x, issuer, NID_subject_alt_name, "DNS:corp.example");
	}
	if (constraints)
		ext(x, x, NID_name_constraints, constraints);
	assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static struct xcv_chain *
chain_of(X509 *leaf, X509 *inter)
{
	struct xcv_chain *c = xcv_chain_new();

	assert_non_null(c);
	X509_up_ref(leaf);
	sk_X509_push(c->certs, leaf);
	X509_up_ref(inter);
	sk_X509_push(c->certs, inter);
	return c;
}

struct world {
	EVP_PKEY *rk, *ik, *lk, *fk, *ck;
	X509 *root, *inter, *a, *b, *forged, *croot, *cinter, *cleaf;
	X509 *sroot, *sinter, *sa, *sb;
	X509 *twin;      /* another "Root", another key */
};

static struct world w;

static int
setup(void **state)
{
	(void)state;
	w.rk = EVP_EC_gen("P-256");
	w.ik = EVP_EC_gen("P-256");
	w.lk = EVP_EC_gen("P-256");
	w.fk = EVP_EC_gen("P-256");
	w.ck = EVP_EC_gen("P-256");
	w.root = make("Root", w.rk, NULL, NULL, true, 2020, 2040, NULL);
	w.inter = make("Inter", w.ik, w.root, w.rk, true, 2020, 2030, NULL);
	w.a = make("a.corp.example", w.lk, w.inter, w.ik, false, 2020, 2035, NULL);
	w.b = make("b.corp.example", w.lk, w.inter, w.ik, false, 2020, 2035, NULL);
	/* Claims the intermediate as issuer, signed by another key. */
	w.forged = make("f.corp.example", w.lk, w.inter, w.fk, false, 2020, 2035,
		NULL);
	w.croot = make("CRoot", w.ck, NULL, NULL, true, 2020, 2040,
		"critical,permitted;DNS:corp.example");
	w.cinter = make("CInter", w.ik, w.croot, w.ck, true, 2020, 2030, NULL);
	w.cleaf = make("c.corp.example", w.lk, w.cinter, w.ik, false, 2020, 2035,
		NULL);
	/* A root that expires before the intermediate it signed. */
	w.sroot = make("SRoot", w.rk, NULL, NULL, true, 2020, 2028, NULL);
	w.sinter = make("SInter", w.ik, w.sroot, w.rk, true, 2020, 2030, NULL);
	w.sa = make("sa.corp.example", w.lk, w.sinter, w.ik, false, 2020, 2035, NULL);
	w.sb = make("sb.corp.example", w.lk, w.sinter, w.ik, false, 2020, 2035, NULL);
	w.twin = make("Root", w.ck, NULL, NULL, true, 2020, 2040, NULL);
	return 0;
}

static int
teardown(void **state)
{
	X509 *xs[] = { w.root, w.inter, w.a, w.b, w.forged, w.croot, w.cinter,
		w.cleaf, w.sroot, w.sinter, w.sa, w.sb, w.twin };
	EVP_PKEY *ks[] = { w.rk, w.ik, w.lk, w.fk, w.ck };

	(void)state;
	for (size_t i = 0; i < sizeof(xs) / sizeof(*xs); i++)
		X509_free(xs[i]);
	for (size_t i = 0; i < sizeof(ks) / sizeof(*ks); i++)
		EVP_PKEY_free(ks[i]);
	return 0;
}

static struct xcv_config *
config(X509 *root, bool cache)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_chain *c = xcv_chain_new();

	X509_up_ref(root);
	sk_X509_push(c->certs, root);
	xcv_config_set_system_ca(cfg, false);
	assert_int_equal(xcv_config_add_ca_chain(cfg, c), 0);
	cfg->no_verified_cache = !cache;
	xcv_chain_free(c);
	return cfg;
}

/* Verify with and without the shortcut; the results must agree. */
static void
same_verdict(struct xcv_config *cached, struct xcv_config *full, X509 *leaf,
	X509 *inter, int year, bool want_trusted)
{
	struct xcv_chain *c = chain_of(leaf, inter);
	struct xcv_result *r1 = NULL, *r2 = NULL;

	xcv_config_set_time(cached, at(year));
	xcv_config_set_time(full, at(year));
	assert_int_equal(xcv_verify(&r1, cached, c, "corp.example"), 0);
	assert_int_equal(xcv_verify(&r2, full, c, "corp.example"), 0);
	assert_int_equal(r1->trusted, want_trusted);
	assert_int_equal(r1->trusted, r2->trusted);
	assert_int_equal(r1->n_errors, r2->n_errors);
	for (size_t i = 0; i < r1->n_errors; i++) {
		assert_int_equal(r1->errors[i].code, r2->errors[i].code);
		assert_int_equal(r1->errors[i].depth, r2->errors[i].depth);
	}
	assert_int_equal(r1->n_built, r2->n_built);
	for (size_t i = 0; i < r1->n_built; i++)
		assert_string_equal(r1->built[i].sha256, r2->built[i].sha256);
	xcv_result_free(r1);
	xcv_result_free(r2);
	xcv_chain_free(c);
}

static void
shortcut_agrees_and_is_used(void **state)
{
	struct xcv_config *cached = config(w.root, true), *full = config(w.root, false);

	(void)state;
	same_verdict(cached, full, w.a, w.inter, 2025, true);
	assert_int_equal(cached->n_verified, 1);
	assert_int_equal(full->n_verified, 0);
	/* b goes through the shortcut: same result, the root still listed. */
	same_verdict(cached, full, w.b, w.inter, 2025, true);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
expired_intermediate_is_not_excused(void **state)
{
	struct xcv_config *cached = config(w.root, true), *full = config(w.root, false);

	(void)state;
	same_verdict(cached, full, w.a, w.inter, 2025, true);
	/* 2032: the leaf is valid, the intermediate expired in 2030. */
	same_verdict(cached, full, w.b, w.inter, 2032, false);
	same_verdict(cached, full, w.b, w.inter, 2019, false);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
expired_root_above_is_not_excused(void **state)
{
	struct xcv_config *cached = config(w.sroot, true), *full = config(w.sroot, false);

	(void)state;
	same_verdict(cached, full, w.sa, w.sinter, 2025, true);
	assert_int_equal(cached->n_verified, 1);
	/* 2029: leaf and intermediate valid, the root above expired. */
	same_verdict(cached, full, w.sb, w.sinter, 2029, false);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
forged_leaf_fails_its_signature(void **state)
{
	struct xcv_config *cached = config(w.root, true), *full = config(w.root, false);

	(void)state;
	same_verdict(cached, full, w.a, w.inter, 2025, true);
	same_verdict(cached, full, w.forged, w.inter, 2025, false);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
name_constraints_above_are_never_skipped(void **state)
{
	struct xcv_config *cached = config(w.croot, true), *full = config(w.croot, false);

	(void)state;
	same_verdict(cached, full, w.cleaf, w.cinter, 2025, true);
	assert_int_equal(cached->n_verified, 0);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
new_anchors_forget_the_shortcut(void **state)
{
	struct xcv_config *cached = config(w.root, true);
	struct xcv_chain *c = chain_of(w.a, w.inter);
	struct xcv_result *r = NULL;

	(void)state;
	xcv_config_set_time(cached, at(2025));
	assert_int_equal(xcv_verify(&r, cached, c, "corp.example"), 0);
	xcv_result_free(r);
	assert_int_equal(cached->n_verified, 1);
	assert_int_equal(xcv_config_add_ca_chain(cached, c), 0);
	assert_int_equal(cached->n_verified, 0);
	xcv_chain_free(c);
	xcv_config_free(cached);
}

static void
push(struct xcv_chain *c, X509 *x)
{
	X509_up_ref(x);
	sk_X509_push(c->certs, x);
}

/* Verify c under both configurations; the results must agree. */
static void
same_result(struct xcv_config *cached, struct xcv_config *full,
	struct xcv_chain *c, int year)
{
	struct xcv_result *r1 = NULL, *r2 = NULL;

	xcv_config_set_time(cached, at(year));
	xcv_config_set_time(full, at(year));
	assert_int_equal(xcv_verify(&r1, cached, c, "corp.example"), 0);
	assert_int_equal(xcv_verify(&r2, full, c, "corp.example"), 0);
	assert_int_equal(r1->trusted, r2->trusted);
	assert_int_equal(r1->n_built, r2->n_built);
	for (size_t i = 0; i < r1->n_built; i++)
		assert_string_equal(r1->built[i].sha256, r2->built[i].sha256);
	xcv_result_free(r1);
	xcv_result_free(r2);
}

static void
an_anchor_twin_keeps_full_verification(void **state)
{
	struct xcv_config *cached = config(w.root, true), *full = config(w.root, false);
	struct xcv_chain *twin = xcv_chain_new();

	(void)state;
	/* Two anchors named "Root": which one a path takes could depend on
	 * the time, so no path through that name is remembered. */
	push(twin, w.twin);
	assert_int_equal(xcv_config_add_ca_chain(cached, twin), 0);
	assert_int_equal(xcv_config_add_ca_chain(full, twin), 0);
	same_verdict(cached, full, w.a, w.inter, 2025, true);
	assert_int_equal(cached->n_verified, 0);
	same_verdict(cached, full, w.b, w.inter, 2025, true);
	xcv_chain_free(twin);
	xcv_config_free(cached);
	xcv_config_free(full);
}

static void
the_shortcut_needs_the_same_certificates_sent(void **state)
{
	struct xcv_config *cached = config(w.root, true), *full = config(w.root, false);
	struct xcv_chain *with_root = xcv_chain_new();

	(void)state;
	same_verdict(cached, full, w.a, w.inter, 2025, true);
	assert_int_equal(cached->n_verified, 1);
	/* b sent with the root as well: not what was remembered. */
	push(with_root, w.b);
	push(with_root, w.inter);
	push(with_root, w.root);
	same_result(cached, full, with_root, 2025);
	assert_int_equal(cached->n_verified, 2);
	same_result(cached, full, with_root, 2026);
	xcv_chain_free(with_root);
	xcv_config_free(cached);
	xcv_config_free(full);
}

/* xcv_verify_verdict says what xcv_verify says about the verdict. */
static void
the_verdict_alone_agrees(void **state)
{
	static const int years[] = { 2019, 2025, 2029, 2032 };
	X509 *leaves[] = { w.a, w.b, w.forged, w.sa };
	X509 *inters[] = { w.inter, w.inter, w.inter, w.sinter };
	struct xcv_config *cfg = config(w.root, true);
	struct xcv_chain *sroot = xcv_chain_new();

	(void)state;
	push(sroot, w.sroot);
	assert_int_equal(xcv_config_add_ca_chain(cfg, sroot), 0);
	for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
			struct xcv_chain *c = chain_of(leaves[i], inters[i]);
			struct xcv_result *r1 = NULL, *r2 = NULL;
			xcv_config_set_time(cfg, at(years[y]));
			assert_int_equal(xcv_verify_verdict(&r1, cfg, c,
				"corp.example"), 0);
			assert_int_equal(xcv_verify(&r2, cfg, c, "corp.example"), 0);
			assert_int_equal(r1->verdict, r2->verdict);
			assert_int_equal(r1->trusted, r2->trusted);
			assert_int_equal(r1->id.matched, r2->id.matched);
			assert_int_equal(r1->n_errors, r2->n_errors);
			if (r1->n_errors)
				assert_string_equal(r1->errors[0].text,
					r2->errors[0].text);
			assert_int_equal(r1->n_presented, 0);
			assert_int_equal(r2->n_presented, 2);
			xcv_result_free(r1);
			xcv_result_free(r2);
			xcv_chain_free(c);
		}
	}
	xcv_chain_free(sroot);
	xcv_config_free(cfg);
}

/* A time from the API outside the years 0000-9999 is refused, named;
 * differences of times saturate rather than overflow. */
static void
an_impossible_time_is_refused(void **state)
{
	struct xcv_config *cfg = config(w.root, true);
	struct xcv_chain *c = chain_of(w.a, w.inter);
	struct xcv_result *r = NULL;

	(void)state;
	xcv_config_set_time(cfg, INT64_MIN);
	assert_int_equal(xcv_verify(&r, cfg, c, "corp.example"), XCV_EINPUT);
	assert_null(r);
	assert_string_equal(xcv_error_last(), "invalid time "
		"@-9223372036854775808: a verification time lies between the "
		"years 0000 and 9999");
	xcv_config_set_time(cfg, XCV_TIME_MAX + 1);
	assert_int_equal(xcv_verify_verdict(&r, cfg, c, "corp.example"),
		XCV_EINPUT);
	xcv_config_set_time(cfg, XCV_TIME_MAX);
	assert_int_equal(xcv_verify(&r, cfg, c, "corp.example"), 0);
	assert_int_equal(r->verdict, XCV_VERDICT_NOT_VERIFIED);
	xcv_result_free(r);
	assert_true(xcv_time_diff(INT64_MAX, -1) == INT64_MAX);
	assert_true(xcv_time_diff(INT64_MIN, 1) == INT64_MIN);
	assert_true(xcv_time_diff(XCV_TIME_MAX, XCV_TIME_MIN) ==
		XCV_TIME_MAX - XCV_TIME_MIN);
	xcv_chain_free(c);
	xcv_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shortcut_agrees_and_is_used),
		cmocka_unit_test(expired_intermediate_is_not_excused),
		cmocka_unit_test(expired_root_above_is_not_excused),
		cmocka_unit_test(forged_leaf_fails_its_signature),
		cmocka_unit_test(name_constraints_above_are_never_skipped),
		cmocka_unit_test(new_anchors_forget_the_shortcut),
		cmocka_unit_test(an_anchor_twin_keeps_full_verification),
		cmocka_unit_test(the_shortcut_needs_the_same_certificates_sent),
		cmocka_unit_test(the_verdict_alone_agrees),
		cmocka_unit_test(an_impossible_time_is_refused),
	};

	return cmocka_run_group_tests_name("chain", tests, setup, teardown);
}
