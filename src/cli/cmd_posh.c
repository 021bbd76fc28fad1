/* xmppcv posh: the POSH file (RFC 7711) to publish for certificates. */
#include <stdlib.h>

#include <xmppcv/posh.h>

#include "cli.h"

#define DEFAULT_EXPIRES 86400        /* a day, when --expires is not given */

static const struct cmd_opt options[] = {
	{ .id = OPT_EXPIRES },
	{ .id = OPT_END },
};

static int
run(struct opts *o, int argc, char **argv)
{
	struct xcv_chain **chains;
	char *doc = NULL;
	int rc = 0, status = EXIT_VERIFIED;

	if (argc == 0)
		return cli_usage_error(&cmd_posh, "no certificate given");
	if ((chains = calloc((size_t)argc, sizeof(*chains))) == NULL)
		return cli_oom();
	for (int i = 0; i < argc && status == EXIT_VERIFIED; i++) {
		if ((rc = xcv_chain_load_file(&chains[i], argv[i])) < 0)
			status = cli_fail(rc, NULL);
		else if (xcv_chain_count(chains[i]) > 1)
			fprintf(stderr, "xmppcv: %s: the first certificate of %zu "
				"(the server's own) is published; the others are "
				"its chain\n", argv[i], xcv_chain_count(chains[i]));
	}
	if (status == EXIT_VERIFIED && (rc = xcv_posh_document(&doc,
	    (const struct xcv_chain *const *)chains, (size_t)argc,
	    o->expires >= 0 ? o->expires : DEFAULT_EXPIRES)) < 0)
		status = cli_fail(rc, NULL);
	if (doc != NULL)
		fputs(doc, stdout);
	free(doc);
	for (int i = 0; i < argc; i++)
		xcv_chain_free(chains[i]);
	free(chains);
	return status;
}

const struct cli_cmd cmd_posh = {
	.name = "posh",
	.synopsis = "[--expires SECONDS] CERT...",
	.summary = "print the POSH file (RFC 7711) to publish for certificates",
	.description =
		"Prints the JSON a domain hosted elsewhere publishes so that\n"
		"clients and servers accept its XMPP service's certificate (one\n"
		"that names the provider, not the domain): the SHA-256 and\n"
		"SHA-512 fingerprints of each CERT (PEM or DER; of a chain, the\n"
		"first certificate), and how long others may cache them. Serve it\n"
		"as https://DOMAIN/.well-known/posh/xmpp-client.json (c2s) and\n"
		"xmpp-server.json (s2s), with a certificate for DOMAIN; publish\n"
		"the next certificate's fingerprints before it is deployed.",
	.opts = options,
	.run = run,
};
