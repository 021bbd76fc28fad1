/* xmppcv trust list | show FP | remove FP | add FILE --domain D */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_STORE },
	{ .id = OPT_FROM, .help = "plan: the saved output of check, scan or "
	  "verify --json ('-' for standard input)", .arg = "FILE" },
	{ .id = OPT_FORCE }, { .id = OPT_SYSTEM_STORE },
	{ .id = OPT_AT, .help = "plan: judge as at TIME (default now)" },
	{ .id = OPT_DOMAIN, .help = "add: the XMPP domain to trust the "
	  "certificate for" },
	{ .id = OPT_HOST },
	{ .id = OPT_JSON, .help = "list, show: JSON" },
	{ .id = OPT_END },
};

static void
entry_text(const struct xcv_store_entry *e, bool pem)
{
	printf("%s\n  subject   %s\n  sha256    ", e->sha256, e->subject);
	cli_fingerprint(stdout, e->sha256);
	printf("\n  domains  ");
	for (size_t j = 0; j < e->n_domains; j++)
		printf(" %s", e->domains[j]);
	printf("\n  accepted  %s%s%s\n", e->accepted_at, *e->host ? " from " : "",
		e->host);
	if (pem)
		printf("%s", e->pem);
}

/* Print a library-made line, or say that memory ran out. */
static int
print_line(char *s)
{
	if (s == NULL)
		return cli_oom();
	printf("%s\n", s);
	free(s);
	return EXIT_VERIFIED;
}

static int
list(const struct opts *o, struct xcv_store *s)
{
	if (o->json)
		return print_line(xcv_store_to_json(s));
	printf("%zu accepted certificate%s in %s\n", xcv_store_count(s),
		xcv_store_count(s) == 1 ? "" : "s", xcv_store_path(s));
	for (size_t k = 0; k < xcv_store_count(s); k++)
		entry_text(xcv_store_entry(s, k), false);
	return EXIT_VERIFIED;
}

/*
 * An acceptance stands in for chain trust only. When the certificate does
 * not name the domain, *warning says so, for the caller to print once the
 * acceptance is made. Decided before anything is written: running out of
 * memory here changes nothing. Errors other than memory are left for the
 * store to report.
 */
static int
mismatch_warning(char **warning, const char *file,
	const struct xcv_chain *chain, const char *domain)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_result *res = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc;

	*warning = NULL;
	if (cfg == NULL)
		return XCV_ENOMEM;
	rc = xcv_verify(&res, cfg, chain, domain);
	if (rc < 0 || xcv_result_identity_matched(res))
		goto out;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	fprintf(f, "xmppcv: warning: %s does not name %s (it names", file,
		xcv_result_domain(res));
	for (size_t i = 0; i < xcv_result_presented_count(res); i++)
		fprintf(f, "%s %s", i ? "," : ":",
			xcv_result_presented(res, i)->value);
	fprintf(f, "%s). Accepting it lets a client connect to a server "
		"presenting it, but checks report it as ACCEPTED BY YOU, NOT "
		"VERIFIED (exit 1) until the server has a certificate that names "
		"%s.\n", xcv_result_presented_count(res) ? "" : " nothing",
		xcv_result_domain(res));
	if (ferror(f) | fclose(f)) {
		free(buf);
		rc = XCV_ENOMEM;
		goto out;
	}
	*warning = buf;
out:
	xcv_result_free(res);
	xcv_config_free(cfg);
	return rc == XCV_ENOMEM ? rc : 0;
}

static int
add(const struct opts *o, struct xcv_store *s, const char *file)
{
	const struct xcv_store_entry *e;
	struct xcv_chain *chain = NULL;
	char fp[65], *warning = NULL;
	int rc, i;

	rc = xcv_chain_load_file(&chain, file);
	if (rc == 0)
		rc = xcv_chain_sha256(chain, 0, fp);
	if (rc == 0)
		rc = mismatch_warning(&warning, file, chain, o->domain);
	if (rc == 0) {
		rc = xcv_store_add(s, chain, o->domain, o->host);
		cli_store_actions(s);
	}
	if (rc == 0 && warning != NULL)
		fputs(warning, stderr);
	free(warning);
	xcv_chain_free(chain);
	if (rc < 0)
		return cli_fail(rc, NULL);
	i = xcv_store_find(s, fp);
	e = i >= 0 ? xcv_store_entry(s, (size_t)i) : NULL;
	printf("accepted %s in %s; trusted for", fp, xcv_store_path(s));
	for (size_t j = 0; e && j < e->n_domains; j++)
		printf(" %s", e->domains[j]);
	printf("\n");
	return EXIT_VERIFIED;
}

/* Which entry FP names is decided under the store's lock: when another
 * process removed it first, there is no such entry (1). */
static int
remove_entry(struct xcv_store *s, const char *fp)
{
	char removed[65];
	int rc = xcv_store_remove(removed, s, fp);

	cli_store_actions(s);
	if (rc == XCV_ENOTFOUND) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		return EXIT_NOT_VERIFIED;
	}
	if (rc < 0)
		return cli_fail(rc, NULL);
	printf("removed %s from %s\n", removed, xcv_store_path(s));
	return EXIT_VERIFIED;
}

/*
 * trust plan --from FILE DIR: the plan for the certificates a saved check
 * or scan --json found. Each line is added; a line that is not such JSON
 * is an error naming its number.
 */
static int
plan(const struct opts *o, const char *dir)
{
	FILE *f = strcmp(o->from, "-") == 0 ? stdin : fopen(o->from, "r");
	struct xcv_plan *p;
	char *line = NULL;
	size_t cap = 0, number = 0;
	ssize_t len;
	int status = EXIT_VERIFIED, rc = 0;

	if (f == NULL) {
		fprintf(stderr, "xmppcv: trust plan: %s: cannot read: %s\n",
			o->from, strerror(errno));
		return EXIT_USAGE;
	}
	if ((p = cli_plan_new(o, dir, &status)) != NULL) {
		while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
			number++;
			if (len > 1)
				rc = xcv_plan_add_json(p, line, (size_t)len);
		}
		if (rc < 0) {
			fprintf(stderr, "xmppcv: trust plan: %s, line %zu: %s\n",
				o->from, number, xcv_error_last());
			status = cli_exit_for(rc);
		} else if (ferror(f)) {
			fprintf(stderr, "xmppcv: trust plan: %s: cannot read: %s\n",
				o->from, strerror(errno));
			status = EXIT_USAGE;
		} else if (number == 0) {
			status = cli_usage_error(&cmd_trust, "trust plan: %s is "
				"empty", o->from);
		} else {
			status = cli_plan_write(o, p, dir, true);
		}
	}
	free(line);
	xcv_plan_free(p);
	if (f != stdin)
		fclose(f);
	return status;
}

static int
run(struct opts *o, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : NULL;
	struct xcv_store *s = NULL;
	int status, i, rc;

	if (sub == NULL)
		return cli_usage_error(&cmd_trust, "trust: say list, show FP, "
			"remove FP, add FILE --domain D or plan --from FILE DIR");
	if (strcmp(sub, "plan") == 0) {
		if (o->from == NULL || argc != 2)
			return cli_usage_error(&cmd_trust, "trust plan: give --from "
				"FILE (a saved check, scan or verify --json) and the "
				"folder");
		return plan(o, argv[1]);
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "remove") != 0 && strcmp(sub, "add") != 0)
		return cli_usage_error(&cmd_trust, "trust: unknown subcommand '%s'",
			sub);
	if (strcmp(sub, "list") == 0 ? argc != 1 : argc != 2)
		return cli_usage_error(&cmd_trust, "trust %s: give exactly one %s",
			sub, strcmp(sub, "add") == 0 ? "FILE" : "fingerprint");
	if (strcmp(sub, "add") == 0 && o->domain == NULL)
		return cli_usage_error(&cmd_trust, "trust add: --domain is "
			"required: the XMPP domain to trust the certificate for");
	if ((rc = xcv_store_open(&s, o->store)) < 0)
		return cli_fail(rc, NULL);
	cli_store_notes(s);
	if (strcmp(sub, "list") == 0) {
		status = list(o, s);
	} else if (strcmp(sub, "add") == 0) {
		status = add(o, s, argv[1]);
	} else if (strcmp(sub, "remove") == 0) {
		status = remove_entry(s, argv[1]);
	} else if ((i = xcv_store_find(s, argv[1])) < 0) {
		/* No such entry is an answer (1); a bad fingerprint is not. */
		status = cli_fail(i, NULL);
		if (i == XCV_ENOTFOUND)
			status = EXIT_NOT_VERIFIED;
	} else if (o->json) {
		status = print_line(xcv_store_entry_to_json(s, (size_t)i));
	} else {
		entry_text(xcv_store_entry(s, (size_t)i), true);
		status = EXIT_VERIFIED;
	}
	xcv_store_free(s);
	return status;
}

const struct cli_cmd cmd_trust = {
	.name = "trust",
	.synopsis = "list|show FP|remove FP [--store DIR] [--json]\n"
		"       xmppcv trust add FILE --domain D [--host H] [--store DIR]\n"
		"       xmppcv trust plan --from FILE [--system-store FILE] "
		"[--force] [--at TIME] DIR",
	.summary = "list, show, remove or add accepted certificates; plan "
		"what to deploy",
	.description =
		"The store of certificates accepted at check's prompt (or added\n"
		"here), each trusted only as that exact certificate and only for\n"
		"its domains. FP is a SHA-256 fingerprint, or 8 or more of its\n"
		"first hex digits (colons ignored). Exits 1 when FP names no\n"
		"accepted certificate. 'trust plan' writes what to deploy to\n"
		"client computers, from a saved check, scan or verify --json\n"
		"(see --trust-plan of check and scan).",
	.opts = options,
	.run = run,
};
