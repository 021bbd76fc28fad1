/*
 * danecheck: the DANE core (src/dane.c) on a chain file, for
 * tests/cli_dane.py: the SRV and TLSA lookups through a validating
 * resolver, then the chain matched against the records; the result as one
 * JSON line.
 *
 *   danecheck [--service c2s|s2s] [--host H] [--port P] [--resolver ADDR]
 *             [--anchor FILE] [--ca-file FILE] [--at EPOCH] [--timeout MS]
 *             CHAIN DOMAIN
 *
 * Exit 0 with the JSON line, 2 for usage or bad input, 4 out of memory.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_internal.h"
#include "config_internal.h"
#include "dane.h"

static int
usage(void)
{
	fprintf(stderr, "usage: danecheck [--service c2s|s2s] [--host H] "
		"[--port P] [--resolver ADDR] [--anchor FILE] [--ca-file FILE] "
		"[--at EPOCH] [--timeout MS] CHAIN DOMAIN\n");
	return 2;
}

static json_t *
strings(const struct xcv_strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static int
print(const struct xcv_dane *d, double ms)
{
	json_t *o = json_object();
	char *line;

	if (o == NULL)
		return 4;
	json_object_set_new(o, "state", json_string(xcv_dane_state_name(
		d->state)));
	json_object_set_new(o, "why", d->why ? json_string(d->why) :
		json_null());
	json_object_set_new(o, "tlsa_name", d->tlsa_name ?
		json_string(d->tlsa_name) : json_null());
	json_object_set_new(o, "records", strings(&d->records));
	json_object_set_new(o, "matched", d->matched ? json_string(d->matched) :
		json_null());
	json_object_set_new(o, "matched_depth", json_integer(d->matched_depth));
	json_object_set_new(o, "usable", json_boolean(d->usable));
	json_object_set_new(o, "ok", json_boolean(d->ok));
	json_object_set_new(o, "name_checked", json_boolean(d->name_checked));
	json_object_set_new(o, "notes", strings(&d->notes));
	json_object_set_new(o, "ms", json_real(ms));
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
	struct xcv_dane_params p = { .at = (int64_t)time(NULL) };
	struct xcv_dane d = { 0 };
	struct xcv_config *cfg = NULL;
	struct xcv_chain *chain = NULL;
	const char *ca_file = NULL;
	int64_t t0;
	int i, rc, status = 2;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];
		if (i + 1 >= argc)
			return usage();
		if (strcmp(o, "--service") == 0) {
			if (xcv_service_parse(&p.service, argv[++i]) < 0)
				return usage();
		} else if (strcmp(o, "--host") == 0) {
			p.host = argv[++i];
		} else if (strcmp(o, "--port") == 0) {
			p.port = atoi(argv[++i]);
		} else if (strcmp(o, "--resolver") == 0) {
			p.resolver = argv[++i];
		} else if (strcmp(o, "--anchor") == 0) {
			p.anchor_file = argv[++i];
		} else if (strcmp(o, "--ca-file") == 0) {
			ca_file = argv[++i];
		} else if (strcmp(o, "--at") == 0) {
			p.at = strtoll(argv[++i], NULL, 10);
		} else if (strcmp(o, "--timeout") == 0) {
			p.timeout_ms = atoi(argv[++i]);
		} else {
			return usage();
		}
	}
	if (argc - i != 2)
		return usage();
	p.domain = argv[i + 1];
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	if ((ca_file != NULL && (rc = xcv_config_add_ca_file(cfg, ca_file)) < 0) ||
	    (rc = xcv_chain_load_file(&chain, argv[i])) < 0 ||
	    (rc = xcv_config_store(cfg, &p.store)) < 0) {
		fprintf(stderr, "danecheck: %s\n", xcv_error_last());
		status = rc == XCV_ENOMEM ? 4 : 2;
		goto out;
	}
	p.chain = chain->certs;
	t0 = xcv_now_ms();
	if ((rc = xcv_dane_check(&d, &p)) < 0) {
		fprintf(stderr, "danecheck: %s\n", xcv_error_last());
		status = rc == XCV_ENOMEM ? 4 : 2;
		goto out;
	}
	status = print(&d, (double)(xcv_now_ms() - t0));
out:
	xcv_dane_clear(&d);
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	return status;
}
