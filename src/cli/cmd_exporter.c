/*
 * xmppcv exporter: the command as xmppcv lists it (options, help). The
 * exporter itself is the program xmppcv-exporter (exporter_http.c), kept
 * apart so that libmicrohttpd and what it loads (GnuTLS and more) are not
 * loaded by every other command: they cost each run about 1.5 ms of start.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_CONFIG }, { .id = OPT_LISTEN }, { .id = OPT_MAX_PROBES },
	{ .id = OPT_VERBOSE, .help = "log every probe on stderr" },
	{ .id = OPT_END },
};

/* xmppcv-exporter beside this program (the build tree), in
 * ../libexec/xmppcv from it (an installed tree, wherever it was moved),
 * else where this build installs it. */
static int
find_exporter(char *path, size_t len)
{
	static const char *const near[] = { "/xmppcv-exporter",
		"/../libexec/xmppcv/xmppcv-exporter" };
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			for (size_t i = 0; i < 2; i++) {
				if (strlen(self) + strlen(near[i]) >= len)
					continue;
				strcpy(path, self);
				strcat(path, near[i]);
				if (access(path, X_OK) == 0)
					return 0;
			}
		}
	}
	snprintf(path, len, "%s/xmppcv/xmppcv-exporter", XCV_LIBEXECDIR);
	return access(path, X_OK) == 0 ? 0 : -1;
}

static int
run(struct opts *o, int argc, char **argv)
{
	char path[PATH_MAX + 32];

	(void)argc;
	(void)argv;
	if (find_exporter(path, sizeof(path)) < 0) {
		fprintf(stderr, "xmppcv: exporter: %s is missing: the exporter is "
			"a program of its own, installed with xmppcv\n", path);
		return EXIT_USAGE;
	}
	fflush(stdout);
	/* The same arguments; it parses them as this command does. */
	o->raw_argv[0] = "xmppcv-exporter";
	execv(path, o->raw_argv);
	fprintf(stderr, "xmppcv: exporter: cannot run %s: %s\n", path,
		strerror(errno));
	return EXIT_USAGE;
}

const struct cli_cmd cmd_exporter = {
	.name = "exporter",
	.synopsis = "--config FILE [options]",
	.summary = "serve checks and scans to Prometheus (multi-target)",
	.description =
		"Serve Prometheus on HTTP, in the multi-target pattern:\n"
		"GET /probe?target=NAME&module=MODULE checks the target (module\n"
		"scan: every node and service; c2s, s2s, xmpps, https: one) and\n"
		"answers with probe_success, probe_duration_seconds,\n"
		"probe_ssl_earliest_cert_expiry and xmppcv's own metrics; GET\n"
		"/metrics answers with the exporter's. Only the targets of the\n"
		"configuration file are probed: the exporter is no open proxy.\n"
		"Probes run at most --max-probes at once and end within\n"
		"Prometheus' scrape timeout. Listens on 127.0.0.1:9577 unless\n"
		"told otherwise; stops on SIGTERM after the probes in flight.",
	.opts = options,
	.run = run,
};
