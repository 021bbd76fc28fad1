/* xmppcv clients: the client profiles, and what each one models. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_JSON, .help = "one JSON object per profile, one per line" },
	{ .id = OPT_END },
};

static void
text(const struct xcv_client_profile *p)
{
	printf("%s (%s%s%s%s%s)\n  stands for  ", p->id, p->c2s ? "c2s" : "",
		p->c2s && (p->s2s || p->https) ? ", " : "", p->s2s ? "s2s" : "",
		p->s2s && p->https ? ", " : "", p->https ? "https" : "");
	for (size_t k = 0; p->stands_for[k]; k++)
		printf("%s%s", k ? ", " : "", p->stands_for[k]);
	printf("\n  models      %s\n  rules       %s\n  trusts      %s\n",
		p->models, p->rules, p->trust_store);
}

static int
run(struct opts *o, int argc, char **argv)
{
	int status = EXIT_VERIFIED;

	for (int i = 0; i < argc; i++)
		if (xcv_client_profile_find(argv[i]) == NULL)
			return cli_usage_error(&cmd_clients, "no client profile "
				"'%s'", argv[i]);
	for (size_t i = 0; i < xcv_client_profile_count(); i++) {
		const struct xcv_client_profile *p = xcv_client_profile(i);
		bool named = argc == 0;
		char *line;

		for (int k = 0; k < argc && !named; k++)
			named = strcmp(argv[k], p->id) == 0;
		if (!named)
			continue;
		if (!o->json) {
			text(p);
			continue;
		}
		if ((line = xcv_client_profile_to_json(p)) == NULL)
			return cli_oom();
		printf("%s\n", line);
		free(line);
	}
	return status;
}

const struct cli_cmd cmd_clients = {
	.name = "clients",
	.synopsis = "[--json] [ID...]",
	.summary = "list the client profiles and what each one models",
	.description = "Lists the client profiles that --clients and "
		"--require-clients name: the clients each stands for, the "
		"library versions it models, and its rules (the fields read, the "
		"CN, wildcards, IDN, the chain, and what a failure does).",
	.opts = options,
	.run = run,
};
