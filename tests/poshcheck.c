/*
 * poshcheck: the POSH core (src/posh.c) for tests/cli_posh.py. Checks
 * the first certificate of LEAF (the one an XMPP server presented)
 * against DOMAIN's POSH file, fetched over HTTPS verified by the anchors
 * of CAFILE alone, and prints the result as one JSON line.
 *
 *   poshcheck [--service c2s|s2s] [--at EPOCH] [--cache DIR]
 *             [--timeout MS] [--resolve HOST:PORT:ADDRESS]...
 *             DOMAIN LEAF CAFILE
 *
 * Exit 0 with the JSON line, 2 for usage or unreadable input, 4 out of
 * memory.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_internal.h"
#include "config_internal.h"
#include "posh.h"

#define MAX_PINS 64

static int
usage(void)
{
	fprintf(stderr, "usage: poshcheck [--service c2s|s2s] [--at EPOCH] "
		"[--cache DIR] [--timeout MS] [--resolve HOST:PORT:ADDRESS]... "
		"DOMAIN LEAF CAFILE\n");
	return 2;
}

static json_t *
text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
print(const struct xcv_posh *r)
{
	json_t *o = json_object(), *notes = json_array();
	char *line;

	if (o == NULL || notes == NULL)
		return 4;
	for (size_t i = 0; i < r->notes.n; i++)
		json_array_append_new(notes, json_string(r->notes.v[i]));
	json_object_set_new(o, "state", json_string(
		xcv_posh_state_name(r->state)));
	json_object_set_new(o, "url", text_or_null(r->url));
	json_object_set_new(o, "why", text_or_null(r->why));
	json_object_set_new(o, "expires_at", r->expires_at ?
		json_integer(r->expires_at) : json_null());
	json_object_set_new(o, "cached", json_boolean(r->cached));
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
	struct xcv_posh_params p = { .service = XCV_SERVICE_C2S,
		.timeout_ms = 5000 };
	struct xcv_posh r = { 0 };
	struct xcv_config *cfg = NULL;
	struct xcv_chain *chain = NULL;
	const char *pins[MAX_PINS];
	int64_t at = (int64_t)time(NULL);
	size_t n_pins = 0;
	int i, rc, status = 2;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i];
		if (i + 1 >= argc)
			return usage();
		if (strcmp(o, "--service") == 0) {
			if (xcv_service_parse(&p.service, argv[++i]) < 0)
				return usage();
		} else if (strcmp(o, "--at") == 0)
			at = strtoll(argv[++i], NULL, 10);
		else if (strcmp(o, "--cache") == 0)
			p.cache_dir = argv[++i];
		else if (strcmp(o, "--timeout") == 0)
			p.timeout_ms = atoi(argv[++i]);
		else if (strcmp(o, "--resolve") == 0 && n_pins < MAX_PINS)
			pins[n_pins++] = argv[++i];
		else
			return usage();
	}
	if (argc - i != 3)
		return usage();
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	xcv_config_set_time(cfg, at);
	if ((rc = xcv_config_add_ca_file(cfg, argv[i + 2])) < 0 ||
	    (rc = xcv_chain_load_file(&chain, argv[i + 1])) < 0 ||
	    (rc = xcv_config_store(cfg, &p.store)) < 0) {
		fprintf(stderr, "poshcheck: %s\n", xcv_error_last());
		status = rc == XCV_ENOMEM ? 4 : 2;
		goto out;
	}
	p.domain = argv[i];
	p.leaf = sk_X509_value(chain->certs, 0);
	p.pins = pins;
	p.n_pins = n_pins;
	p.at = at;
	if ((rc = xcv_posh_check(&r, &p)) < 0) {
		fprintf(stderr, "poshcheck: %s\n", xcv_error_last());
		status = 4;
		goto out;
	}
	status = print(&r);
out:
	xcv_posh_clear(&r);
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	return status;
}
