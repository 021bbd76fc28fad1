/*
 * xmppcv: the command-line tool over libxmppcv. main() only dispatches:
 * each command lives in its own cmd_NAME.c with its option table, and
 * common.c holds what they share.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd *const commands[] = {
	&cmd_check, &cmd_scan, &cmd_verify, &cmd_capture, &cmd_replay,
	&cmd_trust, &cmd_csr, &cmd_clients, &cmd_posh, &cmd_exporter,
	&cmd_tlsa,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *
find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "%s xmppcv %s %s\n", i ? "      " : "usage:",
			commands[i]->name, commands[i]->synopsis);
	fprintf(f, "       xmppcv help COMMAND | --help | --version\n\n"
		"xmppcv checks an XMPP server's TLS certificate the way a careful "
		"XMPP client\ndoes: against the XMPP domain the server serves, "
		"not the host name.\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s  %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n'xmppcv COMMAND --help' shows a command's options.\n"
		"Exit status: 0 verified, 1 not verified, 2 usage error or bad "
		"input,\n3 no certificate could be obtained, 4 out of memory.\n"
		"See xmppcv(1).\n");
}

static int
run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct opts o;
	int status = cli_parse(&o, cmd, &argc, &argv);

	if (status < 0)
		status = cmd->run(&o, argc, argv);
	cli_opts_clear(&o);
	return cli_plugin_end(status);
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	/* Before anything allocates through OpenSSL (see xmppcv.h). */
	(void)xcv_allocators();
	if (argc < 2)
		return cli_usage_error(NULL, "%s", "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		usage(stdout);
		return EXIT_VERIFIED;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("xmppcv %s\n", xcv_version());
		return EXIT_VERIFIED;
	}
	if (strcmp(argv[1], "help") == 0) {
		if ((cmd = find(argv[2])) == NULL)
			return cli_usage_error(NULL, "no command '%s' to help with",
				argv[2]);
		cli_help(cmd, stdout);
		return EXIT_VERIFIED;
	}
	if ((cmd = find(argv[1])) == NULL)
		return cli_usage_error(NULL, argv[1][0] == '-' ? "unknown option "
			"'%s' (a command comes first)" : "unknown command '%s'",
			argv[1]);
	cli_plugin_begin(argc - 1, argv + 1);
	return run(cmd, argc - 1, argv + 1);
}
