/*
 * xcv_clients_judge_versions(): what the TLS versions a server accepts do
 * to the client profiles' judgements of a good chain (fixtures/certs
 * domain-san for corp.example, root-ca as the anchor). One row a case:
 * the versions (1 accepted, 0 refused, -1 not known), the profiles
 * required, and what must follow.
 *
 * Run: test_versions [FIXTURES]   (default $FIXTURES)
 *      test_versions --minimums   each profile's id, minimum TLS 1.x and
 *                                 note, a line each, tab-separated (for
 *                                 tests/cli_clients.py Versions)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients/client.h"
#include "xmppcv/chain.h"
#include "xmppcv/config.h"

static const char *fixtures;

struct row {
	const char *about;
	int versions[4];
	const char *require;      /* profiles required, or NULL */
	const char *fails;        /* profiles failing for the version, by id */
	bool verified;            /* the verdict after */
};

static const struct row rows[] = {
	/* The case: TLS 1.0 and 1.1 only. */
	{ "legacy only", { 1, 1, 0, 0 }, NULL, "libstrophe,nss,python-ssl,"
	  "qca,smack,go,apple", true },
	{ "TLS 1.0 only", { 1, 0, 0, 0 }, NULL, "libstrophe,nss,python-ssl,"
	  "qca,smack,go,apple", true },
	/* A required profile that fails fails the verdict. */
	{ "required", { 1, 1, 0, 0 }, "go", "libstrophe,nss,python-ssl,qca,"
	  "smack,go,apple", false },
	/* A required profile that still connects leaves it. */
	{ "required, fine", { 1, 1, 0, 0 }, "gio,conversations",
	  "libstrophe,nss,python-ssl,qca,smack,go,apple", true },
	/* Nothing is predicted from a version not known. */
	{ "1.3 unknown", { 1, 1, 0, -1 }, "go", "", true },
	{ "nothing known", { -1, -1, -1, -1 }, NULL, "", true },
	{ "modern", { 0, 0, 1, 1 }, "all", "", true },
	{ "1.3 only", { 0, 0, 0, 1 }, "all", "", true },
};

static bool
in_list(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p,
	    ",")] == ',')) {
		if (strcspn(p, ",") == n && strncmp(p, id, n) == 0)
			return true;
	}
	return false;
}

static struct xcv_result *
judge(const struct row *r)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	char path[4096];

	assert_non_null(cfg);
	xcv_config_set_system_ca(cfg, false);
	snprintf(path, sizeof(path), "%s/certs/root-ca.crt", fixtures);
	assert_int_equal(xcv_config_add_ca_file(cfg, path), 0);
	assert_int_equal(xcv_config_set_clients(cfg, "all"), 0);
	if (r->require)
		assert_int_equal(xcv_config_require_clients(cfg, r->require), 0);
	snprintf(path, sizeof(path), "%s/certs/domain-san.chain.pem", fixtures);
	assert_int_equal(xcv_chain_load_file(&chain, path), 0);
	assert_int_equal(xcv_verify(&res, cfg, chain, "corp.example"), 0);
	assert_true(res->ok);
	assert_int_equal(xcv_clients_judge_versions(res, r->versions), 0);
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	return res;
}

static void
test_rows(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(rows) / sizeof(*rows); k++) {
		const struct row *r = &rows[k];
		struct xcv_result *res = judge(r);
		size_t failing = 0;

		for (size_t i = 0; i < xcv_result_client_count(res); i++) {
			const struct xcv_client_info *c = xcv_result_client(res, i);
			bool version = c->reason && strcmp(c->reason,
				"tls-version") == 0;

			if (in_list(r->fails, c->client) != version)
				fail_msg("%s: %s: reason %s (%s)", r->about,
					c->client, c->reason ? c->reason : "none",
					c->why);
			if (version) {
				failing++;
				assert_int_equal(c->verdict, XCV_CLIENT_FAILS);
			} else {
				assert_int_equal(c->verdict, XCV_CLIENT_CONNECTS);
			}
		}
		if (res->ok != r->verified)
			fail_msg("%s: ok %d", r->about, res->ok);
		assert_int_equal(res->clients_failed, !r->verified);
		/* The advice names the server's TLS settings, once. */
		size_t advice = 0;
		for (size_t i = 0; i < res->advice.n; i++)
			advice += strstr(res->advice.v[i], "enable TLS 1.2") != NULL;
		assert_int_equal(advice, failing > 0);
		/* Again changes nothing. */
		assert_int_equal(xcv_clients_judge_versions(res, r->versions), 0);
		size_t again = 0;
		for (size_t i = 0; i < res->advice.n; i++)
			again += strstr(res->advice.v[i], "enable TLS 1.2") != NULL;
		assert_int_equal(again, advice);
		xcv_result_free(res);
	}
}

static void
test_words(void **state)
{
	const struct row r = { "words", { 1, 1, 0, 0 }, NULL, NULL, true };
	struct xcv_result *res = judge(&r);
	char *line = NULL;

	(void)state;
	for (size_t i = 0; i < xcv_result_client_count(res); i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		if (strcmp(c->client, "go") == 0)
			assert_string_equal(c->why, "the server offers only TLS "
				"1.0 and 1.1; mellium needs TLS 1.2 or later");
	}
	assert_int_equal(xcv_clients_summary(&line, res), 0);
	assert_non_null(line);
	assert_non_null(strstr(line, "they need a newer TLS version than the "
		"server accepts (libstrophe, nss, python-ssl, qca, smack, go, "
		"apple)"));
	free(line);
	assert_int_equal(xcv_clients_advise(res, &res->advice), 0);
	assert_non_null(strstr(res->advice.v[res->advice.n - 1], "So that "
		"every client connects without asking: enable TLS 1.2 and 1.3 "
		"in the server's TLS settings"));
	xcv_result_free(res);
}

/* "enable TLS 1.2 and 1.3" holds for every profile: none needs 1.3. */
static void
test_minimums(void **state)
{
	(void)state;
	for (size_t i = 0; i < xcv_client_rules_count; i++) {
		const struct xcv_client_rules *c = xcv_client_rules_all[i];
		assert_in_range(c->min_tls_minor, 0, 2);
		assert_non_null(c->tls_note);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_minimums),
	};

	if (argc > 1 && strcmp(argv[1], "--minimums") == 0) {
		for (size_t i = 0; i < xcv_client_rules_count; i++)
			printf("%s\t%d\t%s\n", xcv_client_rules_all[i]->profile.id,
				xcv_client_rules_all[i]->min_tls_minor,
				xcv_client_rules_all[i]->tls_note);
		return 0;
	}
	fixtures = argc > 1 ? argv[1] : getenv("FIXTURES");
	if (fixtures == NULL)
		fixtures = "fixtures";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
