/*
 * Captured cases loaded from memory (xcv_case_load_mem), as fuzzers and the
 * directory loader use it: what a case.json may say and what it may not,
 * the names in messages, and the chain cache that cases share. Each row
 * edits a captured case from fixtures/captures (found through $FIXTURES).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_internal.h"
#include "chain_internal.h"
#include "report.h"
#include "xmppcv/case.h"

static char *fixtures;

static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/captures/%s/%s", fixtures, dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Replace the first occurrence of from in text by to (a new string). */
static char *
edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* Load case dir with its case.json edited; the return code, and the
 * message in *msg. */
static int
load_edited(struct xcv_case **out, const char *dir, const char *from,
	const char *to, struct xcv_chain_cache *cache)
{
	struct xcv_case_files f = { .name = "cases/x" };
	char *json, *edited, *chain, *anchors;
	size_t jlen, clen, alen;
	int rc;

	json = slurp(dir, "case.json", &jlen);
	edited = from ? edit(json, from, to) : json;
	chain = slurp(dir, "chain.pem", &clen);
	anchors = slurp(dir, "anchors.pem", &alen);
	f.json = edited;
	f.json_len = strlen(edited);
	f.chain = chain;
	f.chain_len = clen;
	f.anchors = anchors;
	f.anchors_len = alen;
	rc = xcv_case_load_mem(out, &f, cache);
	if (edited != json)
		free(edited);
	free(json);
	free(chain);
	free(anchors);
	return rc;
}

static void
whole_case_loads(void **state)
{
	struct xcv_case *c = NULL;

	(void)state;
	assert_int_equal(load_edited(&c, "san-domain-on", NULL, NULL, NULL), 0);
	assert_string_equal(xcv_case_domain(c), "corp.example");
	assert_string_equal(xcv_case_recorded(c), "ok via dnsName corp.example");
	assert_int_equal(xcv_case_captured(c), 1780272000);   /* 2026-06-01 */
	assert_int_equal(xcv_chain_count(xcv_case_chain(c)), 2);
	xcv_case_free(c);
}

/* What case.json may not say: each row an edit and the message. */
static const struct refusal {
	const char *from, *to, *message;
} refusals[] = {
	/* Times outside the years 0000 to 9999, named. */
	{ "\"2026-06-01T00:00:00Z\"", "\"@-9223372036854775808\"",
	  "cases/x/case.json: captured: invalid time '@-9223372036854775808'" },
	{ "\"2026-06-01T00:00:00Z\"", "\"@253402300800\"",
	  "cases/x/case.json: captured: invalid time '@253402300800'" },
	{ "\"2026-06-01T00:00:00Z\"", "\"10000-01-01T00:00:00Z\"",
	  "cases/x/case.json: captured: invalid time '10000-01-01T00:00:00Z'" },
	/* A match is its field and its value, or nothing. */
	{ "\"matched_value\": \"corp.example\"", "\"matched_value\": null",
	  "cases/x/case.json: verdict.matched_field is recorded without "
	  "verdict.matched_value" },
	{ "\"matched_field\": \"dnsName\"", "\"matched_field\": null",
	  "cases/x/case.json: verdict.matched_value is recorded without "
	  "verdict.matched_field" },
	{ "\"matched_field\": \"dnsName\"", "\"matched_field\": [1]",
	  "cases/x/case.json: verdict.matched_field is neither a string nor "
	  "null" },
	{ "\"error\": null", "\"error\": false",
	  "cases/x/case.json: verdict.error is neither a string nor null" },
	/* Missing or wrong required fields. */
	{ "\"xmppcv-case/1\"", "\"xmppcv-case/2\"",
	  "cases/x/case.json: not an xmppcv-case/1 case file" },
	{ "\"service\": \"c2s\"", "\"service\": \"smtp\"",
	  "cases/x/case.json: not an xmppcv-case/1 case file" },
	{ "\"ok\": true", "\"ok\": \"yes\"",
	  "cases/x/case.json: not an xmppcv-case/1 case file" },
	{ "{", "[", "cases/x/case.json: cannot read:" },
};

static void
refusals_name_the_problem(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct xcv_case *c = (struct xcv_case *)&c;
		int rc = load_edited(&c, "san-domain-on", refusals[i].from,
			refusals[i].to, NULL);
		if (rc != XCV_EINPUT || c != NULL ||
		    strstr(xcv_error_last(), refusals[i].message) == NULL)
			fail_msg("row %zu: rc %d, message '%s'", i, rc,
				xcv_error_last());
	}
}

static void
damaged_certificates_are_named(void **state)
{
	struct xcv_case_files f = { .name = "cases/x" };
	struct xcv_case *c = NULL;
	size_t jlen, clen;
	char *json = slurp("san-domain-on", "case.json", &jlen);
	char *chain = slurp("san-domain-on", "chain.pem", &clen);

	(void)state;
	f.json = json;
	f.json_len = jlen;
	f.chain = chain;
	f.chain_len = clen / 2;
	assert_int_equal(xcv_case_load_mem(&c, &f, NULL), XCV_EINPUT);
	assert_non_null(strstr(xcv_error_last(), "cases/x/chain.pem: PEM block"));
	f.chain_len = clen;
	f.anchors = "junk";
	f.anchors_len = 4;
	assert_int_equal(xcv_case_load_mem(&c, &f, NULL), XCV_EINPUT);
	assert_non_null(strstr(xcv_error_last(), "cases/x/anchors.pem: not a "
		"certificate"));
	f.anchors = NULL;
	f.chain_len = 0;
	assert_int_equal(xcv_case_load_mem(&c, &f, NULL), XCV_EINPUT);
	assert_string_equal(xcv_error_last(), "cases/x/chain.pem: empty file");
	free(json);
	free(chain);
}

/* Cases loaded through one cache share its intermediates and anchors. */
static void
cases_share_the_cache(void **state)
{
	struct xcv_chain_cache *cache = xcv_chain_cache_new(false);
	struct xcv_case *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	assert_int_equal(load_edited(&a, "san-domain-on", NULL, NULL, cache), 0);
	assert_int_equal(load_edited(&b, "san-domain-on", NULL, NULL, cache), 0);
	assert_int_equal(load_edited(&c, "san-domain-on", NULL, NULL, NULL), 0);
	/* The intermediate: one object through the cache, another without. */
	assert_ptr_equal(sk_X509_value(xcv_case_chain(a)->certs, 1),
		sk_X509_value(xcv_case_chain(b)->certs, 1));
	assert_ptr_not_equal(sk_X509_value(xcv_case_chain(a)->certs, 1),
		sk_X509_value(xcv_case_chain(c)->certs, 1));
	/* Leaves are never shared. */
	assert_ptr_not_equal(sk_X509_value(xcv_case_chain(a)->certs, 0),
		sk_X509_value(xcv_case_chain(b)->certs, 0));
	assert_string_equal(xcv_case_trust_key(a), xcv_case_trust_key(c));
	xcv_case_free(a);
	xcv_case_free(b);
	xcv_case_free(c);
	xcv_chain_cache_free(cache);
}

/* A case whose cache (and its OpenSSL context) is gone still verifies,
 * in full and to the verdict alike: its certificates keep the context
 * alive, and so do the configuration and the results that hold them. */
static void
cases_outlive_their_cache(void **state)
{
	struct xcv_chain_cache *cache = xcv_chain_cache_new(true);
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_result *full = NULL, *verdict = NULL;
	struct xcv_case *c = NULL;

	(void)state;
	assert_int_equal(load_edited(&c, "san-domain-on", NULL, NULL, cache), 0);
	xcv_chain_cache_free(cache);
	xcv_config_set_system_ca(cfg, false);
	assert_int_equal(xcv_case_configure(c, cfg), 0);
	xcv_config_set_time(cfg, xcv_case_captured(c));
	assert_int_equal(xcv_verify(&full, cfg, xcv_case_chain(c),
		xcv_case_domain(c)), 0);
	assert_int_equal(xcv_verify_verdict(&verdict, cfg, xcv_case_chain(c),
		xcv_case_domain(c)), 0);
	xcv_case_free(c);
	xcv_config_free(cfg);
	assert_int_equal(xcv_result_verdict(full), XCV_VERDICT_VERIFIED);
	assert_int_equal(xcv_result_verdict(verdict), XCV_VERDICT_VERIFIED);
	assert_string_equal(xcv_result_identity_value(verdict), "corp.example");
	/* Only the full result describes the certificates. */
	assert_int_equal(xcv_result_cert_count(full), 2);
	assert_int_equal(xcv_result_cert_count(verdict), 0);
	xcv_result_free(verdict);
	xcv_result_free(full);
}

/* Every captured case (fixtures/captures) is in the form the plain reader
 * of case.json reads, and it reads each as jansson does; text in other
 * forms goes to jansson, with the same outcome. */
static void
both_readers_agree(void **state)
{
	/* Not plain: jansson reads them, and both loads agree. */
	static const struct { const char *from, *to; } others[] = {
		{ "\"xmppcv\": \"0.1.0\"", "\"xmppcv\": 1" },
		{ "\"target\": ", "\"list\": [1, 2], \"target\": " },
		{ "\"domain\": \"corp.example\"", "\"domain\": \"corp\\u002eexample\"" },
		{ "\"service\": \"c2s\"", "\"service\": \"c2s\", \"service\": \"s2s\"" },
		{ "{", "\xef\xbb\xbf{" },
		{ "\"ok\": true", "\"ok\": truex" },
		/* fuzz_case: the plain reader once took this for null. */
		{ "\"error\": null", "\"error\": falsenull" },
		{ "\"ok\": true", "\"ok\": truefalse" },
	};

	char path[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	(void)state;
	snprintf(path, sizeof(path), "%s/captures", fixtures);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)) != NULL) {
		struct xcv_case_files f = { .name = e->d_name };
		struct xcv_case *a = NULL, *b = NULL;
		size_t jlen, clen, alen = 0;
		char *json, *chain, *anchors = NULL;
		if (e->d_name[0] == '.')
			continue;
		json = slurp(e->d_name, "case.json", &jlen);
		chain = slurp(e->d_name, "chain.pem", &clen);
		snprintf(path, sizeof(path), "%s/captures/%s/anchors.pem",
			fixtures, e->d_name);
		if (access(path, F_OK) == 0)
			anchors = slurp(e->d_name, "anchors.pem", &alen);
		if (xcv_case_json_is_plain(json, jlen) != 1)
			fail_msg("%s: not read by the plain reader", e->d_name);
		f.json = json;
		f.json_len = jlen;
		f.chain = chain;
		f.chain_len = clen;
		f.anchors = anchors;
		f.anchors_len = alen;
		assert_int_equal(xcv_case_load_mem(&a, &f, NULL), 0);
		assert_int_equal(xcv_case_load_mem_jansson(&b, &f), 0);
		assert_string_equal(xcv_case_recorded(a), xcv_case_recorded(b));
		assert_string_equal(xcv_case_trust_key(a), xcv_case_trust_key(b));
		assert_string_equal(xcv_case_domain(a), xcv_case_domain(b));
		assert_true(xcv_case_captured(a) == xcv_case_captured(b));
		xcv_case_free(a);
		xcv_case_free(b);
		free(json);
		free(chain);
		free(anchors);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 29);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct xcv_case_files f = { .name = "cases/x" };
		struct xcv_case *a = NULL, *b = NULL;
		size_t jlen, clen;
		char *json = slurp("san-domain-on", "case.json", &jlen);
		char *edited = edit(json, others[i].from, others[i].to);
		char *chain = slurp("san-domain-on", "chain.pem", &clen);
		int rc1, rc2;
		char msg[1024];

		f.json = edited;
		f.json_len = strlen(edited);
		f.chain = chain;
		f.chain_len = clen;
		if (xcv_case_json_is_plain(edited, strlen(edited)) != 0)
			fail_msg("row %zu: taken as plain", i);
		rc1 = xcv_case_load_mem(&a, &f, NULL);
		snprintf(msg, sizeof(msg), "%s", xcv_error_last());
		rc2 = xcv_case_load_mem_jansson(&b, &f);
		assert_int_equal(rc1, rc2);
		if (rc1 < 0)
			assert_string_equal(msg, xcv_error_last());
		else
			assert_string_equal(xcv_case_recorded(a),
				xcv_case_recorded(b));
		xcv_case_free(a);
		xcv_case_free(b);
		free(json);
		free(edited);
		free(chain);
	}
}

/* The recorded verdict in words never prints a missing part as "(null)". */
static void
summary_leaves_out_what_is_missing(void **state)
{
	static const struct {
		bool ok, trusted;
		const char *field, *value, *error, *want;
	} rows[] = {
		{ true, true, "dnsName", "corp.example", NULL,
		  "ok via dnsName corp.example" },
		{ false, true, NULL, NULL, NULL, "not ok: mismatch, chain trusted" },
		{ false, false, "dnsName", "corp.example", "expired",
		  "not ok: matched via dnsName corp.example, chain untrusted: "
		  "expired" },
		/* Half a match (the loader refuses such cases). */
		{ false, true, "dnsName", NULL, NULL,
		  "not ok: matched via dnsName ?, chain trusted" },
		{ true, true, "dnsName", NULL, NULL, "ok via dnsName ?" },
		{ true, true, NULL, "corp.example", NULL, "ok via ? corp.example" },
		{ true, true, NULL, NULL, NULL, "ok via ? ?" },
		{ false, false, NULL, NULL, NULL,
		  "not ok: mismatch, chain untrusted" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = xcv_summary_text(rows[i].ok, rows[i].trusted,
			rows[i].field, rows[i].value, rows[i].error);
		assert_non_null(s);
		assert_string_equal(s, rows[i].want);
		free(s);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_case_loads),
		cmocka_unit_test(refusals_name_the_problem),
		cmocka_unit_test(damaged_certificates_are_named),
		cmocka_unit_test(cases_share_the_cache),
		cmocka_unit_test(cases_outlive_their_cache),
		cmocka_unit_test(summary_leaves_out_what_is_missing),
		cmocka_unit_test(both_readers_agree),
	};

	fixtures = argc > 1 ? argv[1] : getenv("FIXTURES");
	if (fixtures == NULL)
		fixtures = "fixtures";
	return cmocka_run_group_tests_name("case", tests, NULL, NULL);
}
