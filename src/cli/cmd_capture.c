/* xmppcv capture: record a server's chain and verdict as a case. */
#include <stdlib.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_OUT }, { .id = OPT_FROM_FILE },
	{ .id = OPT_DOMAIN, .help = "the XMPP domain (required with "
	  "--from-file)" },
	{ .id = OPT_SERVICE, .help = "c2s or s2s (live), or https "
	  "(--from-file); default c2s" },
	{ .id = OPT_DIRECT_TLS }, { .id = OPT_RESOLVE }, { .id = OPT_DNS_SERVER },
	{ .id = OPT_TIMEOUT }, { .id = OPT_MAX_ATTEMPTS }, { .id = OPT_FROM },
	{ .id = OPT_POLICY },
	{ .id = OPT_CA_FILE, .help = "trust the certificates in F; they are "
	  "stored in the case (anchors.pem); repeatable" },
	{ .id = OPT_CA_PATH, .help = "trust every certificate file in DIR "
	  "(not stored in the case); repeatable" },
	{ .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT }, { .id = OPT_WARN_DAYS },
	{ .id = OPT_STRICT },
	{ .id = OPT_END },
};

/* The anchors the case keeps: every --ca-file. */
static int
anchors_of(struct xcv_chain **out, const struct opts *o)
{
	struct xcv_chain *all = xcv_chain_new();
	int rc = all ? 0 : XCV_ENOMEM;

	for (size_t i = 0; rc == 0 && i < o->ca_files.n; i++) {
		struct xcv_chain *c = NULL;
		rc = xcv_chain_load_anchors(&c, o->ca_files.v[i]);
		if (rc == 0)
			rc = xcv_chain_append(all, c);
		xcv_chain_free(c);
	}
	if (rc < 0) {
		xcv_chain_free(all);
		return cli_fail(rc, rc == XCV_ENOMEM ? NULL : "--ca-file ");
	}
	*out = all;
	return -1;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct xcv_config *cfg = NULL;
	struct xcv_chain *anchors = NULL, *chain = NULL;
	struct xcv_check *check = NULL;
	struct xcv_result *own = NULL;
	const struct xcv_result *res;
	struct xcv_case_meta meta = { .system_ca = !o->no_system_ca };
	char *sum = NULL;
	int status = EXIT_USAGE, rc;

	if (o->out == NULL)
		return cli_usage_error(&cmd_capture, "capture: --out DIR is "
			"required: the case directory to create");
	if (o->from_file ? argc != 0 : argc != 1)
		return cli_usage_error(&cmd_capture, "capture: give one TARGET, "
			"or --from-file FILE --domain D");
	if (o->from_file && o->domain == NULL)
		return cli_usage_error(&cmd_capture, "capture --from-file: --domain "
			"is required");
	if ((cfg = cli_config(o, &status)) == NULL ||
	    (status = anchors_of(&anchors, o)) >= 0)
		goto out;
	if (o->ca_paths.n)
		fprintf(stderr, "xmppcv: note: anchors from --ca-path are not "
			"stored in the case; give them to replay as well\n");
	if (o->from_file) {
		rc = xcv_chain_load_file(&chain, o->from_file);
		if (rc == 0)
			rc = xcv_verify(&own, cfg, chain, o->domain);
		if (rc < 0) {
			status = cli_fail(rc, NULL);
			goto out;
		}
		res = own;
		meta.target = o->from_file;
		meta.domain_source = XCV_DOMAIN_GIVEN;
	} else {
		struct xcv_check_params p = cli_check_params(o, argv[0]);
		if ((rc = xcv_check_run(&check, cfg, &p)) < 0) {
			status = cli_fail(rc, NULL);
			goto out;
		}
		res = xcv_check_result(check);
		if (res == NULL) {
			fprintf(stderr, "xmppcv: %s: no certificate to capture "
				"(%s): %s\n", argv[0],
				xcv_phase_name(xcv_check_error_phase(check)),
				xcv_check_error_message(check));
			status = EXIT_NO_CERT;
			goto out;
		}
		meta.target = argv[0];
		meta.address = xcv_check_address(check);
		meta.domain_source = xcv_check_domain_source(check);
	}
	/* The line to print is made first: once the case is written, the
	 * command has nothing left that can fail. */
	sum = xcv_result_summary(res);
	if (sum == NULL) {
		status = cli_oom();
		goto out;
	}
	rc = xcv_case_write(o->out, &meta, own ? chain : xcv_check_chain(check),
		res, anchors);
	if (rc < 0) {
		status = cli_fail(rc, NULL);
		goto out;
	}
	printf("captured %s into %s: %s\n", meta.target, o->out, sum);
	status = EXIT_VERIFIED;
out:
	free(sum);
	xcv_result_free(own);
	xcv_chain_free(chain);
	xcv_chain_free(anchors);
	xcv_check_free(check);
	xcv_config_free(cfg);
	return status;
}

const struct cli_cmd cmd_capture = {
	.name = "capture",
	.synopsis = "TARGET --out DIR [check options]\n"
		"       xmppcv capture --from-file FILE --domain D --out DIR "
		"[trust options]",
	.summary = "record a server's chain and verdict as a replayable case",
	.description =
		"Check TARGET as 'xmppcv check' does (or take the chain from\n"
		"FILE) and write one case directory: chain.pem, the chain as\n"
		"presented; case.json, what was checked and the verdict; and\n"
		"anchors.pem with the --ca-file anchors. A case appears whole or\n"
		"not at all; an existing directory is never overwritten.",
	.opts = options,
	.run = run,
};
