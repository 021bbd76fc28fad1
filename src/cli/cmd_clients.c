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

/* Is id one of the comma-separated words of list? */
static bool
in_list(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 :
	    NULL)
		if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static int
run(struct opts *o, int argc, char **argv)
{
	char id[64];

	/* IDs as arguments, or comma-separated as --clients takes them. */
	for (int i = 0; i < argc; i++) {
		for (const char *p = argv[i];; p++) {
			size_t n = strcspn(p, ",");
			snprintf(id, sizeof(id), "%.*s", (int)n, p);
			if (n == 0 || n >= sizeof(id) ||
			    xcv_client_profile_find(id) == NULL)
				return cli_usage_error(&cmd_clients, "no client "
					"profile '%s'", cli_shown(id, sizeof(id), p, n));
			p += n;
			if (*p == '\0')
				break;
		}
	}
	for (size_t i = 0; i < xcv_client_profile_count(); i++) {
		const struct xcv_client_profile *p = xcv_client_profile(i);
		bool named = argc == 0;
		char *line;

		for (int k = 0; k < argc && !named; k++)
			named = in_list(argv[k], p->id);
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
	return EXIT_VERIFIED;
}

const struct cli_cmd cmd_clients = {
	.name = "clients",
	.synopsis = "[--json] [ID...]",
	.summary = "list the client profiles and what each one models",
	.description =
		"Lists the client profiles that --clients and --require-clients\n"
		"name (all, or the IDs given, separately or comma-separated): the\n"
		"clients each stands for, the library versions it models, its\n"
		"rules (the fields read, the CN, wildcards, IDN, the chain, what a\n"
		"failure does) and the trust store it uses.",
	.opts = options,
	.run = run,
};
