/* xmppcv trust list | show FP | remove FP | add FILE --domain D */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
cli_store_notes(const struct xcv_store *store)
{
	size_t n = xcv_store_note_count(store);

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "xmppcv: store: %s\n", xcv_store_note(store, i));
	if (n)
		fprintf(stderr, "xmppcv: store: going on with the %zu certificate%s "
			"that could be read\n", xcv_store_count(store),
			xcv_store_count(store) == 1 ? "" : "s");
}

static void
entry_json(const struct xcv_store *s, size_t i, bool pem)
{
	const char *fp, *subject, *host, *at;
	size_t nd;

	xcv_store_entry(s, i, &fp, &subject, &host, &at, &nd);
	printf("{\"sha256\":");
	cli_json_string(stdout, fp);
	printf(",\"subject\":");
	cli_json_string(stdout, subject);
	printf(",\"host\":");
	cli_json_string(stdout, host);
	printf(",\"accepted\":");
	cli_json_string(stdout, at);
	printf(",\"domains\":[");
	for (size_t j = 0; j < nd; j++) {
		printf(j ? "," : "");
		cli_json_string(stdout, xcv_store_entry_domain(s, i, j));
	}
	printf("]");
	if (pem) {
		printf(",\"pem\":");
		cli_json_string(stdout, xcv_store_entry_pem(s, i));
	}
	printf("}");
}

static void
entry_text(const struct xcv_store *s, size_t i, bool pem)
{
	const char *fp, *subject, *host, *at;
	size_t nd;

	xcv_store_entry(s, i, &fp, &subject, &host, &at, &nd);
	printf("%s\n  subject   %s\n  sha256    ", fp, subject);
	cli_fingerprint(stdout, fp);
	printf("\n  domains  ");
	for (size_t j = 0; j < nd; j++)
		printf(" %s", xcv_store_entry_domain(s, i, j));
	printf("\n  accepted  %s%s%s\n", at, *host ? " from " : "", host);
	if (pem)
		printf("%s", xcv_store_entry_pem(s, i));
}

static void
notes_json(const struct xcv_store *s)
{
	printf(",\"notes\":[");
	for (size_t i = 0; i < xcv_store_note_count(s); i++) {
		printf(i ? "," : "");
		cli_json_string(stdout, xcv_store_note(s, i));
	}
	printf("]}\n");
}

enum { T_STORE = 256, T_JSON, T_DOMAIN, T_HOST, T_HELP };

int
cli_trust(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, T_STORE },
		{ "json", no_argument, NULL, T_JSON },
		{ "domain", required_argument, NULL, T_DOMAIN },
		{ "host", required_argument, NULL, T_HOST },
		{ "help", no_argument, NULL, T_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *domain = NULL, *host = NULL, *sub;
	struct xcv_store *s = NULL;
	struct xcv_chain *chain = NULL;
	bool json = false;
	int c, status = EXIT_VERIFIED, i;

	if (argc < 2)
		return cli_usage_error("trust: say list, show FP, remove FP or "
			"add FILE --domain D");
	sub = argv[1];
	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case T_STORE: dir = optarg; break;
		case T_JSON: json = true; break;
		case T_DOMAIN: domain = optarg; break;
		case T_HOST: host = optarg; break;
		case T_HELP:
			printf("usage: xmppcv trust list|show FP|remove FP "
				"[--store DIR] [--json]\n"
				"       xmppcv trust add FILE --domain D [--host H] "
				"[--store DIR]\n");
			return EXIT_VERIFIED;
		case ':':
			return cli_usage_error("option '%s' needs a value",
				argv[optind - 1]);
		default:
			return cli_usage_error("unknown option '%s' for trust",
				argv[optind - 1]);
		}
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "remove") != 0 && strcmp(sub, "add") != 0)
		return cli_usage_error("trust: unknown subcommand '%s'", sub);
	if (strcmp(sub, "list") != 0 && optind != argc - 1)
		return cli_usage_error("trust %s: give exactly one %s", sub,
			strcmp(sub, "add") == 0 ? "FILE" : "fingerprint");
	if (strcmp(sub, "add") == 0 && domain == NULL)
		return cli_usage_error("trust add: --domain is required: the XMPP "
			"domain to trust the certificate for");
	if (xcv_store_open(&s, dir) < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		return EXIT_USAGE;
	}
	cli_store_notes(s);
	if (strcmp(sub, "list") == 0) {
		if (json) {
			printf("{\"store\":");
			cli_json_string(stdout, xcv_store_path(s));
			printf(",\"certificates\":[");
			for (size_t k = 0; k < xcv_store_count(s); k++) {
				printf(k ? "," : "");
				entry_json(s, k, false);
			}
			printf("]");
			notes_json(s);
		} else {
			printf("%zu accepted certificate%s in %s\n",
				xcv_store_count(s), xcv_store_count(s) == 1 ? "" : "s",
				xcv_store_path(s));
			for (size_t k = 0; k < xcv_store_count(s); k++)
				entry_text(s, k, false);
		}
		goto out;
	}
	if (strcmp(sub, "add") == 0) {
		char *norm_domain = NULL;
		if (xcv_chain_load_file(&chain, argv[optind]) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			status = EXIT_USAGE;
			goto out;
		}
		{
			/* Normalise the domain as verification will. */
			struct xcv_config *cfg = xcv_config_new();
			struct xcv_result *res = NULL;
			if (cfg == NULL || xcv_verify(&res, cfg, chain, domain) < 0) {
				fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
				xcv_config_free(cfg);
				status = EXIT_USAGE;
				goto out;
			}
			norm_domain = strdup(xcv_result_domain(res));
			xcv_result_free(res);
			xcv_config_free(cfg);
		}
		if (norm_domain == NULL ||
		    xcv_store_add(s, chain, norm_domain, host) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			status = EXIT_USAGE;
		} else {
			char fp[65];
			xcv_chain_sha256(chain, 0, fp);
			printf("accepted %s for %s in %s\n", fp, norm_domain,
				xcv_store_path(s));
		}
		free(norm_domain);
		goto out;
	}
	i = xcv_store_find(s, argv[optind]);
	if (i < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		status = i == XCV_ENOTFOUND ? EXIT_NOT_VERIFIED : EXIT_USAGE;
		goto out;
	}
	if (strcmp(sub, "show") == 0) {
		if (json) {
			entry_json(s, (size_t)i, true);
			printf("\n");
		} else {
			entry_text(s, (size_t)i, true);
		}
	} else {
		const char *fp;
		char keep[65];
		xcv_store_entry(s, (size_t)i, &fp, NULL, NULL, NULL, NULL);
		strcpy(keep, fp);
		if (xcv_store_remove(s, keep) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			status = EXIT_USAGE;
		} else {
			printf("removed %s from %s\n", keep, xcv_store_path(s));
		}
	}
out:
	xcv_chain_free(chain);
	xcv_store_free(s);
	return status;
}
