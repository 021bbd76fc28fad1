/* xmppcv csr lint CSR... | csr match CSR CERT */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_KIND },
	{ .id = OPT_DOMAIN, .help = "xmpp: the XMPP domain every CSR must name "
	  "in a dNSName (default: the one its xmppAddr or SRVName names); "
	  "https: the node FQDN. match: what to verify the certificate for "
	  "(default: taken from the CSR)" },
	{ .id = OPT_NODES, .help = "lint: node FQDNs every CSR must name (a "
	  "multi-server SAN CSR names them all); comma-separated, repeatable" },
	{ .id = OPT_MIN_RSA_BITS, .help = "lint: the smallest RSA key accepted "
	  "(default 2048)" },
	{ .id = OPT_MAX_RSA_BITS, .help = "lint: the largest RSA key the servers "
	  "take (default 4096, Cisco IM and Presence's limit)" },
	{ .id = OPT_FORBID, .help = "lint: characters refused in subject fields "
	  "(default @&!; '' refuses none)" },
	{ .id = OPT_CA_FILE, .help = "match: trust the certificates in F (PEM "
	  "bundle or DER); repeatable" },
	{ .id = OPT_CA_PATH, .help = "match: trust every certificate file in "
	  "DIR; repeatable" },
	{ .id = OPT_NO_SYSTEM_CA, .help = "match: do not trust the system's "
	  "anchors" },
	{ .id = OPT_AT, .help = "match: verify as at TIME (ISO 8601 UTC, e.g. "
	  "2026-06-01T00:00:00Z, or @unix-seconds)" },
	{ .id = OPT_WARN_DAYS, .help = "match: warn about expiry within N days "
	  "(default 30)" },
	{ .id = OPT_POLICY, .help = "match: rfc9525 never uses the Subject CN "
	  "(default rfc6125)" },
	{ .id = OPT_STRICT, .help = "match: fail RFC 5280 and CA/Browser Forum "
	  "profile defects of the certificate" },
	{ .id = OPT_JSON, .help = "lint: one JSON object per CSR, then a "
	  "summary object; match: one JSON object" },
	{ .id = OPT_END },
};

/* Options that only one subcommand takes. */
static const enum opt_id lint_only[] = {
	OPT_NODES, OPT_MIN_RSA_BITS, OPT_MAX_RSA_BITS, OPT_FORBID,
};
static const enum opt_id match_only[] = {
	OPT_CA_FILE, OPT_CA_PATH, OPT_NO_SYSTEM_CA, OPT_AT, OPT_WARN_DAYS,
	OPT_POLICY, OPT_STRICT,
};
static const char *const opt_names[] = {
	[OPT_NODES - OPT_DOMAIN] = "--nodes",
	[OPT_MIN_RSA_BITS - OPT_DOMAIN] = "--min-rsa-bits",
	[OPT_MAX_RSA_BITS - OPT_DOMAIN] = "--max-rsa-bits",
	[OPT_FORBID - OPT_DOMAIN] = "--forbid",
	[OPT_CA_FILE - OPT_DOMAIN] = "--ca-file",
	[OPT_CA_PATH - OPT_DOMAIN] = "--ca-path",
	[OPT_NO_SYSTEM_CA - OPT_DOMAIN] = "--no-system-ca",
	[OPT_AT - OPT_DOMAIN] = "--at",
	[OPT_WARN_DAYS - OPT_DOMAIN] = "--warn-days",
	[OPT_POLICY - OPT_DOMAIN] = "--policy",
	[OPT_STRICT - OPT_DOMAIN] = "--strict",
};

/* The node names of every --nodes, split at commas, into *out; false
 * when out of memory. */
static bool
split_nodes(char ***out, size_t *n, const struct list *l)
{
	char **v = calloc(1, sizeof(*v)), **nv;
	bool ok = v != NULL;

	*n = 0;
	for (size_t i = 0; ok && i < l->n; i++) {
		for (const char *p = l->v[i]; ok && *p; ) {
			size_t len = strcspn(p, ",");
			if (len > 0) {
				nv = realloc(v, (*n + 2) * sizeof(*v));
				if (nv != NULL)
					v = nv;
				ok = nv != NULL && (v[*n] = strndup(p, len)) != NULL;
				*n += ok;
			}
			p += len + (p[len] == ',');
		}
	}
	if (!ok) {
		for (size_t i = 0; v && i < *n; i++)
			free(v[i]);
		free(v);
		v = NULL;
		*n = 0;
	}
	*out = v;
	return ok;
}

static void
free_nodes(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Print a library-made text or line; false when it is NULL (memory). */
static bool
print(char *s, bool json)
{
	if (s == NULL)
		return false;
	printf(json ? "%s\n" : "%s", s);
	free(s);
	return true;
}

/* One line or report per argument, in their order: a CSR, or why its
 * file could not be read (JSON; stderr had it already). */
static int
lint_output(const struct opts *o, struct xcv_csr *const *byarg,
	char *const *why, int argc, char **argv)
{
	bool first = true;
	char *s;

	for (int i = 0; i < argc; i++) {
		if (byarg[i] == NULL && !o->json)
			continue;
		if (byarg[i] == NULL)
			s = xcv_input_error_to_json("file", argv[i], why[i]);
		else
			s = o->json ? xcv_csr_to_json(byarg[i]) :
				xcv_csr_to_text(byarg[i]);
		if (!o->json && !first)
			printf("\n");
		if (!print(s, o->json))
			return cli_oom();
		first = false;
	}
	if (!o->json && !first)
		printf("\n");
	return -1;
}

static int
lint(const struct opts *o, const struct xcv_csr_params *params, int argc,
	char **argv)
{
	struct xcv_csr **byarg = calloc((size_t)argc, sizeof(*byarg));
	struct xcv_csr **csrs = calloc((size_t)argc, sizeof(*csrs));
	char **why = calloc((size_t)argc, sizeof(*why));  /* unreadable: why */
	struct xcv_csr_summary *s = NULL;
	size_t n = 0;
	int status = EXIT_VERIFIED, rc;

	if (byarg == NULL || csrs == NULL || why == NULL) {
		status = cli_oom();
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		rc = xcv_csr_load_file(&byarg[i], argv[i]);
		if (rc == 0) {
			csrs[n++] = byarg[i];
			continue;
		}
		/* Named on stderr (and in the JSON); the others go on. */
		status = cli_fail(rc, NULL);
		if (rc == XCV_ENOMEM)
			goto out;
		if ((why[i] = strdup(xcv_error_last())) == NULL) {
			status = cli_oom();
			goto out;
		}
	}
	if ((rc = xcv_csr_lint_all(&s, csrs, n, params)) < 0) {
		status = cli_fail(rc, "csr lint: ");
		goto out;
	}
	for (int i = 0; i < argc; i++)
		if (why[i] && (rc = xcv_csr_summary_add_unreadable(s, argv[i],
		    why[i])) < 0) {
			status = cli_fail(rc, NULL);
			goto out;
		}
	if ((rc = lint_output(o, byarg, why, argc, argv)) >= 0) {
		status = rc;
		goto out;
	}
	if (!print(o->json ? xcv_csr_summary_to_json(s) :
	    xcv_csr_summary_to_text(s), o->json)) {
		status = cli_oom();
		goto out;
	}
	/* Any error finding, in a CSR or across them. */
	if (!xcv_csr_summary_ok(s) && status < EXIT_NOT_VERIFIED)
		status = EXIT_NOT_VERIFIED;
out:
	fflush(stdout);
	xcv_csr_summary_free(s);
	for (int i = 0; byarg && i < argc; i++)
		xcv_csr_free(byarg[i]);
	free(byarg);
	free(csrs);
	for (int i = 0; why && i < argc; i++)
		free(why[i]);
	free(why);
	return status;
}

static int
match(struct opts *o, const struct xcv_csr_params *params, const char *file,
	const char *cert)
{
	struct xcv_csr *csr = NULL;
	struct xcv_chain *chain = NULL;
	struct xcv_config *cfg = NULL;
	struct xcv_csr_match *m = NULL;
	const char *failed = file;
	int status, rc;

	rc = xcv_csr_load_file(&csr, file);
	if (rc == 0) {
		failed = cert;
		rc = xcv_chain_load_file(&chain, cert);
	}
	if (rc < 0) {
		status = cli_fail(rc, NULL);
		if (o->json && status != EXIT_INTERNAL &&
		    !print(xcv_input_error_to_json("file", failed,
		    xcv_error_last()), true))
			status = cli_oom();
		goto out;
	}
	for (size_t i = 0; i < xcv_chain_note_count(chain); i++)
		fprintf(stderr, "xmppcv: note: %s\n", xcv_chain_note(chain, i));
	/* An HTTPS CSR's certificate is verified for its node's name. */
	o->service = o->kind == XCV_CSR_HTTPS ? XCV_SERVICE_HTTPS :
		XCV_SERVICE_C2S;
	if ((cfg = cli_config(o, &status)) == NULL)
		goto out;
	rc = xcv_csr_match(&m, cfg, csr, chain, params);
	if (rc == XCV_EINPUT && o->domain == NULL) {
		status = cli_usage_error(&cmd_csr, "csr match: %s (--domain)",
			xcv_error_last());
		goto out;
	}
	if (rc < 0) {
		status = cli_fail(rc, "csr match: ");
		goto out;
	}
	if (!print(o->json ? xcv_csr_match_to_json(m, cert) :
	    xcv_csr_match_to_text(m, cert), o->json)) {
		status = cli_oom();
		goto out;
	}
	status = xcv_csr_match_ok(m) ? EXIT_VERIFIED : EXIT_NOT_VERIFIED;
out:
	fflush(stdout);
	xcv_csr_match_free(m);
	xcv_config_free(cfg);
	xcv_chain_free(chain);
	xcv_csr_free(csr);
	return status;
}

/* An option the other subcommand takes: say so. */
static int
refuse(const struct opts *o, const char *sub, const enum opt_id *ids,
	size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cli_given(o, ids[i]))
			return cli_usage_error(&cmd_csr, "option '%s' does not "
				"apply to csr %s", opt_names[ids[i] - OPT_DOMAIN],
				sub);
	return -1;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct xcv_csr_params params = XCV_CSR_PARAMS_INIT;
	const char *sub = argc > 0 ? argv[0] : NULL;
	char **nodes = NULL;
	size_t n_nodes = 0;
	int status;

	if (sub == NULL)
		return cli_usage_error(&cmd_csr, "csr: say lint CSR... or match "
			"CSR CERT");
	if (strcmp(sub, "lint") == 0)
		status = refuse(o, sub, match_only, sizeof(match_only) /
			sizeof(match_only[0]));
	else if (strcmp(sub, "match") == 0)
		status = refuse(o, sub, lint_only, sizeof(lint_only) /
			sizeof(lint_only[0]));
	else
		return cli_usage_error(&cmd_csr, "csr: unknown subcommand '%s'",
			sub);
	if (status >= 0)
		return status;
	if (strcmp(sub, "lint") == 0 && argc < 2)
		return cli_usage_error(&cmd_csr, "csr lint: no CSR given: name "
			"one or more CSR files, the ones submitted together");
	if (strcmp(sub, "match") == 0 && argc != 3)
		return cli_usage_error(&cmd_csr, "csr match: give the CSR and "
			"the certificate the CA issued for it, in that order");
	if (!split_nodes(&nodes, &n_nodes, &o->nodes))
		return cli_oom();
	params.kind = o->kind;
	params.domain = o->domain;
	params.nodes = (const char *const *)nodes;
	params.n_nodes = n_nodes;
	params.min_rsa_bits = o->min_rsa_bits;
	params.max_rsa_bits = o->max_rsa_bits;
	params.forbid = o->forbid;
	if ((status = xcv_csr_params_check(&params)) == XCV_ENOMEM)
		status = cli_oom();
	else if (status < 0)
		status = cli_usage_error(&cmd_csr, "csr %s: %s", sub,
			xcv_error_last());
	else if (strcmp(sub, "lint") == 0)
		status = lint(o, &params, argc - 1, argv + 1);
	else
		status = match(o, &params, argv[1], argv[2]);
	free_nodes(nodes, n_nodes);
	return status;
}

const struct cli_cmd cmd_csr = {
	.name = "csr",
	.synopsis = "lint [--kind xmpp|https] [--domain D] [--nodes LIST] "
		"[--json] CSR...\n"
		"       xmppcv csr match [--kind xmpp|https] [--domain D] "
		"[trust options] [--json] CSR CERT",
	.summary = "lint CSRs before the CA sees them; match what it issued",
	.description =
		"lint reads certificate signing requests (PEM or DER), each on\n"
		"its own and all together as they would go to one CA, and names\n"
		"what public CAs and the presence servers refuse: the encoding,\n"
		"a broken signature, keys, digests, characters in the subject,\n"
		"the CN, missing subjectAltNames (the XMPP domain, the nodes),\n"
		"wildcards, OU; across CSRs, subjects that differ, one FQDN asked\n"
		"for twice, one key in two CSRs. Exits 1 on any error finding.\n"
		"\n"
		"match checks that the certificate CERT (PEM chain or DER) the CA\n"
		"issued for CSR carries its key and every name it asked for, then\n"
		"verifies it as verify does, for the XMPP domain (https: the node\n"
		"FQDN). Exits 0 only when it is ready to upload.",
	.opts = options,
	.run = run,
};
