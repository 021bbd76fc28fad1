/*
 * The monitoring renderings on checks built in memory (verify results of
 * fixture chains, at fixed times): the plugin status and its ranking, the
 * days left around notAfter, thresholds, text that must not break the
 * plugin grammar, label escaping in the exposition format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_internal.h"
#include "xmppcv/monitor.h"

/* The fixtures' leaves end on 2036-01-01T00:00:00Z; the issuing CA later. */
#define LEAF_END 2082758400

static const char *fixtures;

/* A check as a live run leaves it: the chain of fixture NAME verified for
 * corp.example at time at, with the fixtures' root as the anchor. */
static struct xcv_check *
check_of(const char *name, int64_t at)
{
	struct xcv_check *c = calloc(1, sizeof(*c));
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_chain *chain = NULL;
	char path[4096];

	assert_non_null(c);
	assert_non_null(cfg);
	xcv_config_set_system_ca(cfg, false);
	xcv_config_set_time(cfg, at);
	snprintf(path, sizeof(path), "%s/certs/root-ca.crt", fixtures);
	assert_int_equal(xcv_config_add_ca_file(cfg, path), 0);
	snprintf(path, sizeof(path), "%s/certs/%s.chain.pem", fixtures, name);
	assert_int_equal(xcv_chain_load_file(&chain, path), 0);
	assert_int_equal(xcv_verify(&c->res, cfg, chain, "corp.example"), 0);
	c->service = XCV_SERVICE_C2S;
	c->disc.domain = strdup("corp.example");
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	return c;
}

static struct xcv_monitor *
monitor_at(int64_t at, int warn, int crit)
{
	struct xcv_monitor_params p = XCV_MONITOR_PARAMS_INIT;
	struct xcv_monitor *m = NULL;

	p.at = at;
	p.warn_days = warn;
	p.crit_days = crit;
	assert_int_equal(xcv_monitor_new(&m, &p), 0);
	return m;
}

static void
add(struct xcv_monitor *m, const char *fixture, int64_t at, const char *node)
{
	struct xcv_check *c = check_of(fixture, at);

	assert_int_equal(xcv_monitor_add_check(m, c, node), 0);
	xcv_check_free(c);
}

/* The first line of the plugin output. */
static char *
status_line(const struct xcv_monitor *m)
{
	char *out = xcv_monitor_to_nagios(m), *nl;

	assert_non_null(out);
	nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	return out;
}

static void
days_left_rounds_down(void **state)
{
	struct xcv_monitor *m;
	char *out;

	(void)state;
	/* A second before notAfter: 0 whole days left, and critical. */
	m = monitor_at(LEAF_END - 1, 30, 14);
	add(m, "domain-san", LEAF_END - 1, "cup1");
	out = xcv_monitor_to_nagios(m);
	assert_non_null(strstr(out, "'cup1 c2s days_left'=0;30:;14:;;"));
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_CRITICAL);
	assert_true(xcv_monitor_success(m));
	free(out);
	xcv_monitor_free(m);
	/* Exactly 14 days before: not below 14, a warning. */
	m = monitor_at(LEAF_END - 14 * 86400, 30, 14);
	add(m, "domain-san", LEAF_END - 14 * 86400, "cup1");
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_WARNING);
	xcv_monitor_free(m);
	/* Days counted from a later time than the verification's: negative,
	 * rounded down (a second past notAfter is day -1). */
	m = monitor_at(LEAF_END + 1, 30, 14);
	add(m, "domain-san", LEAF_END - 86400, "cup1");
	out = xcv_monitor_to_nagios(m);
	assert_non_null(strstr(out, "'cup1 c2s days_left'=-1;"));
	free(out);
	xcv_monitor_free(m);
}

static void
thresholds_off(void **state)
{
	struct xcv_monitor *m = monitor_at(LEAF_END - 86400, -1, -1);
	char *out;

	(void)state;
	add(m, "domain-san", LEAF_END - 86400, "cup1");
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_OK);
	out = xcv_monitor_to_nagios(m);
	assert_non_null(strstr(out, "'cup1 c2s days_left'=1;;;;"));
	free(out);
	xcv_monitor_free(m);
}

static void
ranking(void **state)
{
	const int64_t at = LEAF_END - 365 * 86400;
	struct xcv_monitor *m;
	char *line;

	(void)state;
	/* Nothing at all is unknown. */
	m = monitor_at(at, 30, 14);
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_UNKNOWN);
	assert_false(xcv_monitor_success(m));
	xcv_monitor_free(m);
	/* A target not checked outranks a verified one... */
	m = monitor_at(at, 30, 14);
	add(m, "domain-san", at, "cup1");
	assert_int_equal(xcv_monitor_add_error(m, "cup9", "c2s", "no such "
		"host"), 0);
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_UNKNOWN);
	/* ...and a known failure outranks both. */
	add(m, "fqdn-only", at, "cup3");
	assert_int_equal(xcv_monitor_status(m), XCV_MONITOR_CRITICAL);
	line = status_line(m);
	assert_string_equal(line, "XMPPCV CRITICAL - corp.example: 1 of 3 nodes "
		"verified; cup3 c2s: certificate does not name corp.example "
		"(and 1 more) | 'cup1 c2s days_left'=365;30:;14:;; 'cup3 c2s "
		"days_left'=365;30:;14:;; time=0.000s;;;0; verified=1;;;0;3 "
		"not_verified=1;;;0;3 no_certificate=1;;;0;3");
	free(line);
	xcv_monitor_free(m);
}

static void
plugin_text_stays_in_its_grammar(void **state)
{
	struct xcv_monitor *m = monitor_at(LEAF_END - 86400 * 100, 30, 14);
	char *out, *perf, *p;

	(void)state;
	assert_int_equal(xcv_monitor_add_error(m, "a|b'c=d", "c2s", "pipe | "
		"and\nnew line"), 0);
	out = xcv_monitor_to_nagios(m);
	assert_non_null(out);
	/* One ' | ', between the status and the performance data. */
	perf = strstr(out, " | ");
	assert_non_null(perf);
	assert_null(memchr(out, '|', (size_t)(perf - out)));
	assert_null(strchr(perf + 3, '|'));
	/* The long text: no '|'; the message's line break is gone. */
	p = strchr(out, '\n');
	assert_non_null(p);
	assert_null(strstr(p, "\nnew line"));
	assert_non_null(strstr(out, "pipe / and new line"));
	free(out);
	xcv_monitor_free(m);
}

static void
prometheus_labels_escaped(void **state)
{
	struct xcv_monitor *m = monitor_at(LEAF_END - 86400 * 100, 30, 14);
	char *out;

	(void)state;
	add(m, "domain-san", LEAF_END - 86400 * 100, "a\"b\\c\nd");
	out = xcv_monitor_to_prometheus(m);
	assert_non_null(out);
	assert_non_null(strstr(out, "xmppcv_verified{node=\"a\\\"b\\\\c\\nd\","
		"service=\"c2s\",domain=\"corp.example\"} 1\n"));
	assert_non_null(strstr(out, "probe_ssl_earliest_cert_expiry 2082758400\n"));
	assert_non_null(strstr(out, "probe_success 1\n"));
	/* No raw line feed inside a sample. */
	for (char *l = out; (l = strchr(l, '\n')) != NULL; l++)
		assert_true(l[1] == '\0' || l[1] == '#' || l[1] == 'p' ||
			l[1] == 'x');
	free(out);
	xcv_monitor_free(m);
}

/* The reason label of the first xmppcv_failure_info sample, or NULL. */
static char *
reason_of(struct xcv_monitor *m)
{
	char *out = xcv_monitor_to_prometheus(m), *p, *end, *r = NULL;

	assert_non_null(out);
	p = strstr(out, "\nxmppcv_failure_info{");
	if (p != NULL && (p = strstr(p, "reason=\"")) != NULL &&
	    (end = strstr(p, "\"} 1\n")) != NULL)
		r = strndup(p + 8, (size_t)(end - p - 8));
	free(out);
	return r;
}

static void
prometheus_reason_stable_and_bounded(void **state)
{
	struct xcv_monitor *m1 = monitor_at(LEAF_END, 30, 14);
	struct xcv_monitor *m2 = monitor_at(LEAF_END, 30, 14);
	struct xcv_monitor *m3 = monitor_at(LEAF_END, 30, 14);
	struct xcv_check *c1 = check_of("expired", LEAF_END - 86400);
	struct xcv_check *c2 = check_of("expired", LEAF_END - 2 * 86400);
	char long_text[600], *r1, *r2, *r3;

	(void)state;
	/* The same expired certificate checked at two times: one series. */
	assert_int_equal(xcv_monitor_add_check(m1, c1, "cup1"), 0);
	assert_int_equal(xcv_monitor_add_check(m2, c2, "cup1"), 0);
	r1 = reason_of(m1);
	r2 = reason_of(m2);
	assert_non_null(r1);
	assert_non_null(strstr(r1, "expired on"));
	assert_null(strstr(r1, "checked as at"));
	assert_string_equal(r1, r2);
	/* A server's text of any length: at most 200 bytes, whole
	 * characters (a 2-byte one across the cut is dropped entire). */
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	memcpy(long_text + 186, "\xc3\xa9", 2);
	assert_int_equal(xcv_monitor_add_error(m3, "cup1", "c2s", long_text), 0);
	r3 = reason_of(m3);
	assert_non_null(r3);
	assert_true(strlen(r3) <= 200);
	assert_int_equal(strncmp(r3, "not checked: xxx", 16), 0);
	/* 13 + 186 bytes; the character across byte 200 is dropped. */
	assert_int_equal(strlen(r3), 199);
	free(r1);
	free(r2);
	free(r3);
	xcv_check_free(c1);
	xcv_check_free(c2);
	xcv_monitor_free(m1);
	xcv_monitor_free(m2);
	xcv_monitor_free(m3);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(days_left_rounds_down),
		cmocka_unit_test(thresholds_off),
		cmocka_unit_test(ranking),
		cmocka_unit_test(plugin_text_stays_in_its_grammar),
		cmocka_unit_test(prometheus_labels_escaped),
		cmocka_unit_test(prometheus_reason_stable_and_bounded),
	};

	fixtures = argc > 1 ? argv[1] : getenv("FIXTURES");
	if (fixtures == NULL || *fixtures == '\0') {
		fprintf(stderr, "usage: test_monitor FIXTURES (or set $FIXTURES)\n");
		return 1;
	}
	return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
