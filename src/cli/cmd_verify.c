/* xmppcv verify: judge certificate chain files. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_DOMAIN, .help = "the XMPP domain (for --service https, "
	  "the host name or address); required" },
	{ .id = OPT_SERVICE }, { .id = OPT_POLICY }, { .id = OPT_CA_FILE },
	{ .id = OPT_CA_PATH }, { .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT },
	{ .id = OPT_WARN_DAYS },
	{ .id = OPT_STRICT },
	{ .id = OPT_JSON, .help = "one JSON object per file, one per line" },
	{ .id = OPT_END },
};

/*
 * "-": the chain on standard input, as Unix tools read it. Reads at most
 * one byte more than a chain may hold, so that the library names what is
 * too large. Returns -1 to go on, or an exit status.
 */
static int
read_stdin(unsigned char **out, size_t *len)
{
	const size_t limit = (4u << 20) + 1;
	size_t cap = 1 << 16, got;
	unsigned char *buf = malloc(cap), *more;

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return cli_oom();
	while (*len < limit &&
	    (got = fread(buf + *len, 1, cap - *len, stdin)) > 0) {
		*len += got;
		if (*len == cap && cap < limit) {
			cap = cap * 2 < limit ? cap * 2 : limit;
			if ((more = realloc(buf, cap)) == NULL) {
				free(buf);
				return cli_oom();
			}
			buf = more;
		}
	}
	if (ferror(stdin)) {
		free(buf);
		fprintf(stderr, "xmppcv: standard input: cannot read it\n");
		return EXIT_USAGE;
	}
	*out = buf;
	return -1;
}

static int
verify_one(struct xcv_config *cfg, const struct opts *o, const char *file,
	bool first)
{
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	unsigned char *data = NULL;
	char *out = NULL;
	size_t len;
	int status, rc;

	if (strcmp(file, "-") == 0) {
		if ((status = read_stdin(&data, &len)) >= 0)
			goto out;
		rc = xcv_chain_load_mem(&chain, data, len, "standard input");
	} else {
		rc = xcv_chain_load_file(&chain, file);
	}
	if (rc == 0) {
		for (size_t i = 0; i < xcv_chain_note_count(chain); i++)
			fprintf(stderr, "xmppcv: note: %s\n",
				xcv_chain_note(chain, i));
		rc = xcv_verify(&res, cfg, chain, o->domain);
	}
	if (rc < 0) {
		status = cli_fail(rc, NULL);
		if (o->json && status != EXIT_INTERNAL &&
		    (out = xcv_input_error_to_json("file", file,
		    xcv_error_last())) != NULL)
			printf("%s\n", out);
		goto out;
	}
	out = o->json ? xcv_result_to_json(res, file) :
		xcv_result_to_text(res, file);
	if (out == NULL) {
		status = cli_fail(XCV_ENOMEM, NULL);
		goto out;
	}
	if (o->json)
		printf("%s\n", out);
	else
		printf("%s%s", first ? "" : "\n", out);
	status = cli_exit_for_verdict(xcv_result_verdict(res));
out:
	fflush(stdout);
	free(data);
	free(out);
	xcv_result_free(res);
	xcv_chain_free(chain);
	return status;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct xcv_config *cfg;
	int status = EXIT_VERIFIED;

	if (argc == 0)
		return cli_usage_error(&cmd_verify, "verify: no FILE given: name "
			"one or more chain files (leaf first)");
	if (o->domain == NULL)
		return cli_usage_error(&cmd_verify, "verify: --domain is "
			"required: the XMPP domain that clients use (for --service "
			"https, the host name)");
	cfg = cli_config(o, &status);
	if (cfg == NULL)
		return status;
	for (int i = 0; i < argc; i++) {
		int s = verify_one(cfg, o, argv[i], i == 0);
		if (s > status)
			status = s;
	}
	xcv_config_free(cfg);
	return status;
}

const struct cli_cmd cmd_verify = {
	.name = "verify",
	.synopsis = "--domain D [options] FILE...",
	.summary = "judge certificate chain files for an XMPP domain",
	.description =
		"Judge each FILE ('-' for standard input), a certificate chain as\n"
		"a server presents it (PEM certificates, the server's own first,\n"
		"or one DER certificate), for the XMPP domain D, as a careful XMPP\n"
		"client\n"
		"does: chain trust, then the identity (xmppAddr, SRVName,\n"
		"dNSName, Subject CN as a fallback). Each file gets its own\n"
		"report: the verdict first, then why, then what to do.",
	.opts = options,
	.run = run,
};
