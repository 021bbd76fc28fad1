/*
 * libFuzzer harness for chains: any bytes loaded as a chain (PEM or DER),
 * with and without a chain cache, and with OpenSSL's PEM reader for every
 * block (which xmppcv's reader of plain certificate blocks must agree
 * with: the same certificates, notes and message), verified for a fixed domain and time as
 * each service, in full and to the verdict alone, twice (the second time
 * through the verified-intermediate shortcut when the first remembered a
 * path), and rendered. The verdicts must agree, and nothing may crash,
 * leak or grow. Anchors: the fixtures' root ($FIXTURES/certs/root-ca.crt,
 * when there is one), and then the chain's own last certificate too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_internal.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define DOMAIN "corp.example"
#define AT 1780272000   /* 2026-06-01T00:00:00Z */

static struct xcv_chain *root;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fixtures = getenv("FIXTURES");
	char path[4096];

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/certs/root-ca.crt",
		fixtures ? fixtures : "fixtures");
	if (xcv_chain_load_file(&root, path) < 0)
		root = NULL;
	return 0;
}

/* Two loads of the same bytes: the same outcome, byte for byte. */
static void
same_load(int rc1, const struct xcv_chain *a, const char *msg1, int rc2,
	const struct xcv_chain *b, const char *msg2)
{
	if (rc1 != rc2 || (rc1 < 0 && strcmp(msg1, msg2) != 0))
		abort();
	if (rc1 < 0)
		return;
	if (xcv_chain_count(a) != xcv_chain_count(b) ||
	    xcv_chain_note_count(a) != xcv_chain_note_count(b))
		abort();
	for (size_t i = 0; i < xcv_chain_count(a); i++)
		if (X509_cmp(sk_X509_value(a->certs, (int)i),
		    sk_X509_value(b->certs, (int)i)) != 0)
			abort();
	for (size_t i = 0; i < xcv_chain_note_count(a); i++)
		if (strcmp(xcv_chain_note(a, i), xcv_chain_note(b, i)) != 0)
			abort();
}

static bool
same_path(const struct xcv_result *a, const struct xcv_result *b)
{
	int n = sk_X509_num(a->path);

	if (n != sk_X509_num(b->path))
		return false;
	for (int i = 0; i < n; i++)
		if (X509_cmp(sk_X509_value(a->path, i), sk_X509_value(b->path, i)))
			return false;
	return true;
}

/* Verify c as svc for name under cfg every way; they must agree. */
static void
verify_all(struct xcv_config *cfg, const struct xcv_chain *c,
	enum xcv_service svc, const char *name)
{
	struct xcv_result *full = NULL, *again = NULL, *verdict = NULL;

	xcv_config_set_service(cfg, svc);
	if (xcv_verify(&full, cfg, c, name) < 0)
		return;
	if (xcv_verify(&again, cfg, c, name) < 0 ||
	    xcv_verify_verdict(&verdict, cfg, c, name) < 0)
		abort();
	/* The shortcut and the verdict alone change nothing. */
	if (full->verdict != again->verdict || full->trusted != again->trusted ||
	    !same_path(full, again) || full->verdict != verdict->verdict ||
	    full->trusted != verdict->trusted ||
	    full->id.matched != verdict->id.matched ||
	    full->n_errors != verdict->n_errors)
		abort();
	free(xcv_result_to_json(full, "fuzz.pem"));
	free(xcv_result_to_text(full, "fuzz.pem"));
	free(xcv_result_summary(verdict));
	xcv_result_free(full);
	xcv_result_free(again);
	xcv_result_free(verdict);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xcv_chain_cache *cache = xcv_chain_cache_new(false);
	struct xcv_chain *c = NULL, *cached = NULL, *last = NULL;
	struct xcv_config *cfg = NULL;
	struct xcv_chain *ossl = NULL;
	char msg[1024];     /* xcv_error_last() */
	size_t n;
	int rc, rc2;
	X509 *x;

	rc = xcv_chain_load_mem(&c, data, size, "fuzz.pem");
	snprintf(msg, sizeof(msg), "%s", xcv_error_last());
	rc2 = xcv_chain_parse_openssl(&ossl, data, size, "fuzz.pem");
	same_load(rc, c, msg, rc2, ossl, xcv_error_last());
	xcv_chain_free(ossl);
	/* The cache must load the same input the same way. */
	if (cache == NULL)
		goto out;
	rc2 = xcv_chain_load_mem_cached(&cached, data, size, "fuzz.pem", cache);
	same_load(rc, c, msg, rc2, cached, xcv_error_last());
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < xcv_chain_note_count(c); i++)
		(void)xcv_chain_note(c, i);
	free(xcv_chain_to_pem(c));
	if ((cfg = xcv_config_new()) == NULL)
		goto out;
	xcv_config_set_system_ca(cfg, false);
	xcv_config_set_time(cfg, AT);
	if (root)
		xcv_config_add_ca_chain(cfg, root);
	verify_all(cfg, c, XCV_SERVICE_C2S, DOMAIN);
	verify_all(cfg, cached, XCV_SERVICE_S2S, DOMAIN);
	verify_all(cfg, c, XCV_SERVICE_HTTPS, "cup1." DOMAIN);
	/* The chain's last certificate as an anchor too: paths that end. */
	n = xcv_chain_count(c);
	if ((last = xcv_chain_new()) == NULL)
		goto out;
	x = sk_X509_value(c->certs, (int)n - 1);
	if (X509_up_ref(x) && sk_X509_push(last->certs, x) <= 0)
		X509_free(x);
	if (xcv_chain_count(last) == 1 && xcv_config_add_ca_chain(cfg, last) == 0) {
		xcv_config_set_strict(cfg, true);
		verify_all(cfg, cached, XCV_SERVICE_C2S, DOMAIN);
		verify_all(cfg, c, XCV_SERVICE_HTTPS, "192.0.2.1");
	}
out:
	xcv_chain_free(last);
	xcv_chain_free(cached);
	xcv_chain_free(c);
	xcv_config_free(cfg);
	xcv_chain_cache_free(cache);
	return 0;
}
