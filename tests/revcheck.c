/*
 * revcheck: the revocation core (src/revocation.c) on a chain file, for
 * tests/cli_revocation.py. Verifies the chain against the CA file as the
 * library does (xcv_verify), then judges the path it built, and prints
 * the result as one JSON line.
 *
 *   revcheck [--crl FILE]... [--no-fetch] [--ocsp] [--staple FILE]
 *            [--staple-asked] [--at EPOCH] [--cache DIR] [--timeout MS]
 *            [--deadline MS] [--store-crl FILE] CHAIN CAFILE
 *
 * --no-fetch fetches no CRL; --ocsp asks the leaf's responder (even so).
 * --staple FILE is a DER OCSP response, as if the server stapled it (and
 * so asked for); --staple-asked alone: asked, and none came. --deadline
 * MS: the caller's overall deadline, MS from the start of the check (0 or
 * less: already passed). --store-crl FILE: a DER CRL put in the trust
 * store, where OpenSSL finds it itself. Exit 0 with
 * the JSON line, 2 for usage, 3 when the chain is not trusted (nothing to
 * judge), 4 out of memory.
 */
#include <jansson.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_internal.h"
#include "result_internal.h"
#include "revocation.h"

#define MAX_CRLS 16

static int
usage(void)
{
	fprintf(stderr, "usage: revcheck [--crl FILE]... [--no-fetch] "
		"[--ocsp] [--staple FILE] [--staple-asked] [--at EPOCH] "
		"[--cache DIR] [--timeout MS] [--deadline MS] "
		"[--store-crl FILE] CHAIN CAFILE\n");
	return 2;
}

static json_t *
text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
print(const struct xcv_revocation *rv)
{
	json_t *o = json_object(), *notes = json_array();
	char *line;

	if (o == NULL || notes == NULL)
		return 4;
	for (size_t i = 0; i < rv->notes.n; i++)
		json_array_append_new(notes, json_string(rv->notes.v[i]));
	json_object_set_new(o, "state", json_string(
		xcv_revocation_state_name(rv->state)));
	json_object_set_new(o, "why", text_or_null(rv->why));
	json_object_set_new(o, "reason", text_or_null(rv->reason));
	json_object_set_new(o, "revoked_at", rv->state == XCV_REV_REVOKED ?
		json_integer(rv->revoked_at) : json_null());
	json_object_set_new(o, "depth", json_integer(rv->depth));
	json_object_set_new(o, "source", text_or_null(rv->source));
	json_object_set_new(o, "crl_next_update", rv->crl_next_update ?
		json_integer(rv->crl_next_update) : json_null());
	json_object_set_new(o, "must_staple", json_boolean(rv->must_staple));
	json_object_set_new(o, "staple_missing",
		json_boolean(rv->staple_missing));
	json_object_set_new(o, "staple", text_or_null(rv->staple));
	json_object_set_new(o, "notes", notes);
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line == NULL)
		return 4;
	printf("%s\n", line);
	free(line);
	return 0;
}

int
main(int argc, char **argv)
{
	struct xcv_revocation_params p = { .fetch_crl = true,
		.timeout_ms = 5000 };
	struct xcv_revocation rv = { 0 };
	struct xcv_config *cfg = NULL;
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	const char *crls[MAX_CRLS], *staple = NULL, *store_crl = NULL;
	bool have_deadline = false;
	long deadline_ms = 0;
	unsigned char *staple_data = NULL;
	size_t staple_len = 0;
	int64_t at = (int64_t)time(NULL);
	size_t n_crls = 0;
	int i, rc, status = 3;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];
		bool arg = strcmp(o, "--crl") == 0 || strcmp(o, "--staple") == 0 ||
			strcmp(o, "--at") == 0 || strcmp(o, "--cache") == 0 ||
			strcmp(o, "--timeout") == 0 ||
			strcmp(o, "--deadline") == 0 ||
			strcmp(o, "--store-crl") == 0;
		if (arg && i + 1 >= argc)
			return usage();
		if (strcmp(o, "--crl") == 0 && n_crls < MAX_CRLS)
			crls[n_crls++] = argv[++i];
		else if (strcmp(o, "--staple") == 0)
			staple = argv[++i];
		else if (strcmp(o, "--at") == 0)
			at = strtoll(argv[++i], NULL, 10);
		else if (strcmp(o, "--cache") == 0)
			p.cache_dir = argv[++i];
		else if (strcmp(o, "--timeout") == 0)
			p.timeout_ms = atoi(argv[++i]);
		else if (strcmp(o, "--deadline") == 0) {
			have_deadline = true;
			deadline_ms = strtol(argv[++i], NULL, 10);
		} else if (strcmp(o, "--store-crl") == 0)
			store_crl = argv[++i];
		else if (strcmp(o, "--no-fetch") == 0)
			p.fetch_crl = false;
		else if (strcmp(o, "--ocsp") == 0)
			p.ocsp = true;
		else if (strcmp(o, "--staple-asked") == 0)
			p.staple_asked = true;
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	xcv_config_set_time(cfg, at);
	if ((rc = xcv_config_add_ca_file(cfg, argv[i + 1])) < 0 ||
	    (rc = xcv_chain_load_file(&chain, argv[i])) < 0 ||
	    (staple != NULL && (rc = xcv_read_file(&staple_data, &staple_len,
	    staple, XCV_REV_MAX_OCSP)) < 0) ||
	    (rc = xcv_verify(&res, cfg, chain, "revocation.test")) < 0 ||
	    (rc = xcv_config_store(cfg, &p.store)) < 0) {
		fprintf(stderr, "revcheck: %s\n", xcv_error_last());
		status = rc == XCV_ENOMEM ? 4 : 3;
		goto out;
	}
	if (!res->trusted) {
		fprintf(stderr, "revcheck: the chain is not trusted: %s\n",
			xcv_result_chain_error(res));
		goto out;
	}
	p.path = res->path;
	p.at = at;
	p.crl_files = crls;
	p.n_crl_files = n_crls;
	p.staple = staple_data;
	p.staple_len = staple_len;
	p.staple_asked = p.staple_asked || staple != NULL;
	if (store_crl != NULL) {
		FILE *f = fopen(store_crl, "rb");
		X509_CRL *crl = f ? d2i_X509_CRL_fp(f, NULL) : NULL;
		if (f != NULL)
			fclose(f);
		if (crl == NULL || !X509_STORE_add_crl(p.store, crl)) {
			fprintf(stderr, "revcheck: cannot add %s to the store\n",
				store_crl);
			X509_CRL_free(crl);
			goto out;
		}
		X509_CRL_free(crl);
	}
	/* 1 ms before now for a deadline already passed. */
	if (have_deadline)
		p.deadline = xcv_now_ms() + (deadline_ms > 0 ? deadline_ms : -1);
	if ((rc = xcv_revocation_check(&rv, &p)) < 0) {
		fprintf(stderr, "revcheck: %s\n", xcv_error_last());
		status = 4;
		goto out;
	}
	status = print(&rv);
out:
	xcv_revocation_clear(&rv);
	xcv_result_free(res);
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	free(staple_data);
	return status;
}
