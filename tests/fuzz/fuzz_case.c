/*
 * libFuzzer harness for captured cases: any bytes as a case, loaded from
 * memory (xcv_case_load_mem), configured and replayed as `xmppcv replay`
 * does (to the verdict, compared with the record), with and without a
 * chain cache, and with jansson reading every case.json (which the plain
 * reader of case.json must agree with): none may change the outcome or
 * the message.
 *
 * Input: case.json, then optionally "\n=====\n" and chain.pem, then
 * optionally "\n=====\n" and anchors.pem. Alone, case.json is replayed
 * with a chain and anchors from $FIXTURES/captures/san-domain-on, so that
 * inputs that are only JSON go the whole way too. A case is verified
 * without the system's anchors whatever it says (loading them for each
 * input would be all the harness did).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_internal.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SEP "\n=====\n"

static unsigned char *fixture_chain, *fixture_anchors;
static size_t fixture_chain_len, fixture_anchors_len;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fixtures = getenv("FIXTURES");
	char path[4096];

	(void)argc;
	(void)argv;
	if (fixtures == NULL)
		fixtures = "fixtures";
	snprintf(path, sizeof(path), "%s/captures/san-domain-on/chain.pem",
		fixtures);
	if (xcv_read_file(&fixture_chain, &fixture_chain_len, path, 1 << 20) < 0)
		fixture_chain = NULL;
	snprintf(path, sizeof(path), "%s/captures/san-domain-on/anchors.pem",
		fixtures);
	if (xcv_read_file(&fixture_anchors, &fixture_anchors_len, path,
	    1 << 20) < 0)
		fixture_anchors = NULL;
	return 0;
}

/* The next part of [*p, end) up to SEP (or the end); advances *p. */
static size_t
part(const uint8_t **p, const uint8_t *end, const uint8_t **start)
{
	const uint8_t *s = memmem(*p, (size_t)(end - *p), SEP, strlen(SEP));
	size_t n = s ? (size_t)(s - *p) : (size_t)(end - *p);

	*start = *p;
	*p = s ? s + strlen(SEP) : end;
	return n;
}

/* Replay c as `xmppcv replay` does: its outcome, -1 unreadable, 0 same,
 * 1 changed. */
static int
replay(const struct xcv_case *c, char **said)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_result *res = NULL;
	char *diff = NULL;
	int outcome = -1;

	*said = NULL;
	if (cfg == NULL)
		abort();
	if (xcv_case_configure(c, cfg) == 0) {
		xcv_config_set_system_ca(cfg, false);
		xcv_config_set_time(cfg, xcv_case_captured(c));
		if (xcv_verify_verdict(&res, cfg, xcv_case_chain(c),
		    xcv_case_domain(c)) == 0 &&
		    xcv_case_diff(&diff, c, res) == 0) {
			outcome = diff != NULL;
			*said = diff ? diff : xcv_strdup(xcv_case_recorded(c));
		}
	}
	if (outcome < 0)
		*said = xcv_strdup(xcv_error_last());
	xcv_result_free(res);
	xcv_config_free(cfg);
	return outcome;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct xcv_case_files f = { .name = "fuzz" };
	struct xcv_chain_cache *cache = xcv_chain_cache_new(false);
	struct xcv_case *plain = NULL, *cached = NULL, *viaj = NULL;
	char msg[1024];     /* xcv_error_last() */
	const uint8_t *s;
	char *said1 = NULL, *said2 = NULL;
	int rc1, rc2;

	f.json_len = part(&p, end, &s);
	f.json = s;
	if (p == end && (s + f.json_len == end)) {
		/* case.json alone */
		f.chain = fixture_chain;
		f.chain_len = fixture_chain_len;
		f.anchors = fixture_anchors;
		f.anchors_len = fixture_anchors_len;
	} else {
		f.chain_len = part(&p, end, &s);
		f.chain = s;
		if (p != end || s + f.chain_len != end) {
			f.anchors_len = part(&p, end, &s);
			f.anchors = s;
		}
	}
	rc1 = xcv_case_load_mem(&plain, &f, NULL);
	snprintf(msg, sizeof(msg), "%s", xcv_error_last());
	/* jansson reads case.json as the plain reader does. */
	rc2 = xcv_case_load_mem_jansson(&viaj, &f);
	if (rc1 != rc2 || (rc1 < 0 && strcmp(msg, xcv_error_last()) != 0) ||
	    (rc1 == 0 && (strcmp(xcv_case_recorded(plain),
	    xcv_case_recorded(viaj)) != 0 || strcmp(xcv_case_trust_key(plain),
	    xcv_case_trust_key(viaj)) != 0 || strcmp(xcv_case_domain(plain),
	    xcv_case_domain(viaj)) != 0 || xcv_case_captured(plain) !=
	    xcv_case_captured(viaj))))
		abort();
	rc2 = cache ? xcv_case_load_mem(&cached, &f, cache) : rc1;
	if (rc1 != rc2)
		abort();
	if (rc1 == 0) {
		(void)xcv_case_trust_key(plain);
		if (strcmp(xcv_case_trust_key(plain), xcv_case_trust_key(cached)))
			abort();
		/* The cache changes nothing a replay says. */
		if (replay(plain, &said1) != replay(cached, &said2) ||
		    strcmp(said1, said2) != 0)
			abort();
	}
	free(said1);
	free(said2);
	xcv_case_free(plain);
	xcv_case_free(viaj);
	xcv_case_free(cached);
	xcv_chain_cache_free(cache);
	return 0;
}
