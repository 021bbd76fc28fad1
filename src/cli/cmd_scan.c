/*
 * xmppcv scan: every node of a cluster, on every service, at once; a
 * matrix, the findings across nodes, one last line.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_DOMAIN, .help = "the XMPP domain the nodes serve; the "
	  "arguments are then the nodes (none: the domain's SRV targets)" },
	{ .id = OPT_NODES_FILE }, { .id = OPT_SERVICES }, { .id = OPT_PORT },
	{ .id = OPT_PARALLEL }, { .id = OPT_RESOLVE }, { .id = OPT_DNS_SERVER },
	{ .id = OPT_TIMEOUT }, { .id = OPT_MAX_ATTEMPTS }, { .id = OPT_FROM },
	{ .id = OPT_POSTURE, .help = "also ask each endpoint which TLS versions "
	  "it accepts (1.0 to 1.3, one connection each): shown in each cell, "
	  "and findings across nodes" },
	{ .id = OPT_POLICY }, { .id = OPT_CA_FILE }, { .id = OPT_CA_PATH },
	{ .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT },
	{ .id = OPT_WARN_DAYS, .help = "warn about expiry within N days "
	  "(default 30; --format nagios: WARNING)" },
	{ .id = OPT_STRICT }, { .id = OPT_CLIENTS },
	{ .id = OPT_REQUIRE_CLIENTS }, { .id = OPT_STORE }, { .id = OPT_NO_STORE },
	{ .id = OPT_VERBOSE }, { .id = OPT_TRUST_PLAN }, { .id = OPT_FORCE },
	{ .id = OPT_SYSTEM_STORE },
	{ .id = OPT_JSON, .help = "one JSON object per endpoint, then a summary "
	  "object, one per line" },
	{ .id = OPT_FORMAT }, { .id = OPT_CRIT_DAYS },
	{ .id = OPT_END },
};

/* Progress on a terminal, for scans that take more than a second. */
struct meter {
	struct timespec start;
	bool shown;
};

static void
show_progress(void *ud, size_t done, size_t total, size_t open)
{
	struct meter *m = ud;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - m->start.tv_sec < 1 || done == total)
		return;
	fprintf(stderr, "\rscan: %zu of %zu endpoints done, %zu in flight ",
		done, total, open);
	m->shown = true;
}

/* The nodes of --nodes-file: one per line, '#' starts a comment. */
static int
read_nodes(const char *file, char ***out, size_t *n)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char line[1024];
	int status = -1;

	if (f == NULL) {
		fprintf(stderr, "xmppcv: --nodes-file %s: cannot read it\n", file);
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, **v;
		line[strcspn(line, "#\r\n")] = '\0';
		p += strspn(p, " \t");
		p[strcspn(p, " \t")] = '\0';
		if (*p == '\0')
			continue;
		if ((v = realloc(*out, (*n + 1) * sizeof(*v))) == NULL ||
		    (v[*n] = strdup(p)) == NULL) {
			if (v)
				*out = v;
			status = cli_oom();
			break;
		}
		*out = v;
		(*n)++;
	}
	if (f != stdin)
		fclose(f);
	return status;
}

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
		(double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * --format nagios or prometheus: the scan (or why there is none, rc < 0)
 * for a monitoring system. Nagios gets the plugin status; Prometheus the
 * usual exit status.
 */
static int
report_monitor(const struct opts *o, const struct xcv_scan *scan, int rc,
	int status, const struct timespec *start)
{
	struct xcv_monitor_params mp = cli_monitor_params(o);
	struct xcv_monitor *m = NULL;
	char *out = NULL;

	if (xcv_monitor_new(&m, &mp) < 0)
		return cli_oom();
	if (scan != NULL)
		rc = xcv_monitor_add_scan(m, scan);
	else
		rc = xcv_monitor_add_error(m, o->domain ? o->domain : "scan",
			"scan", xcv_error_last());
	xcv_monitor_set_duration(m, seconds_since(start));
	if (rc == 0)
		out = o->format == FORMAT_NAGIOS ? xcv_monitor_to_nagios(m) :
			xcv_monitor_to_prometheus(m);
	if (out == NULL) {
		xcv_monitor_free(m);
		return cli_oom();
	}
	fputs(out, stdout);
	free(out);
	if (o->format == FORMAT_NAGIOS) {
		cli_plugin_printed();
		status = (int)xcv_monitor_status(m);
	}
	xcv_monitor_free(m);
	return status;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct xcv_scan_params p = XCV_SCAN_PARAMS_INIT;
	struct meter meter = {0};
	struct xcv_config *cfg = NULL;
	struct xcv_store *store = NULL;
	struct xcv_scan *scan = NULL;
	struct xcv_plan *plan = NULL;
	char **nodes = NULL, *out;
	size_t n = 0;
	int status = -1, rc;
	bool monitor = o->format == FORMAT_NAGIOS ||
		o->format == FORMAT_PROMETHEUS;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (argc == 0 && o->domain == NULL && o->nodes_file == NULL)
		return cli_usage_error(&cmd_scan, "scan: name the XMPP domain (its "
			"SRV records say the nodes), or --domain D and the nodes");
	if (o->trust_plan && monitor)
		return cli_usage_error(&cmd_scan, "scan --trust-plan does not "
			"apply with --format %s", o->format == FORMAT_NAGIOS ?
			"nagios" : "prometheus");
	for (int i = 0; i < argc; i++) {
		char **v = realloc(nodes, (n + 1) * sizeof(*v));
		if (v == NULL || (v[n] = strdup(argv[i])) == NULL) {
			nodes = v ? v : nodes;
			status = cli_oom();
			goto out;
		}
		nodes = v;
		n++;
	}
	if (o->nodes_file && (status = read_nodes(o->nodes_file, &nodes, &n)) >= 0)
		goto out;
	if ((cfg = cli_config(o, &status)) == NULL)
		goto out;
	/* Before the scan: a folder it may not write is said at once. */
	if (o->trust_plan && (plan = cli_plan_new(o, o->trust_plan,
	    &status)) == NULL)
		goto out;
	rc = o->no_store ? 0 : xcv_store_open(&store, o->store);
	if (rc < 0)
		fprintf(stderr, "xmppcv: accepted certificates are not available: "
			"%s\n", xcv_error_last());
	else if (store != NULL)
		xcv_config_set_store(cfg, store);
	p.domain = o->domain;
	p.nodes = (const char *const *)nodes;
	p.n_nodes = n;
	p.services = o->services;
	memcpy(p.ports, o->ports, sizeof(p.ports));
	p.resolve = o->resolve.v;
	p.n_resolve = o->resolve.n;
	p.dns_server = o->dns_server;
	p.from = o->from;
	p.timeout_ms = o->timeout_s * 1000;
	p.max_attempts = o->max_attempts;
	p.posture = o->posture;
	p.parallel = (size_t)o->parallel;
	if (isatty(STDERR_FILENO) && !monitor) {
		clock_gettime(CLOCK_MONOTONIC, &meter.start);
		p.progress = show_progress;
		p.progress_ud = &meter;
	}
	rc = xcv_scan_run(&scan, cfg, &p);
	if (meter.shown)
		fprintf(stderr, "\r%*s\r", 60, "");
	if (rc < 0 && monitor && rc != XCV_ENOMEM) {
		fprintf(stderr, "xmppcv: scan: %s\n", xcv_error_last());
		status = report_monitor(o, NULL, rc, cli_exit_for(rc), &start);
		goto out;
	}
	if (rc < 0) {
		status = cli_fail(rc, "scan: ");
		goto out;
	}
	status = xcv_scan_status(scan);
	if (monitor) {
		status = report_monitor(o, scan, 0, status, &start);
		goto out;
	}
	for (size_t i = 0; o->json && i < xcv_scan_endpoint_count(scan); i++) {
		if ((out = xcv_scan_endpoint_to_json(scan, i)) == NULL) {
			status = cli_oom();
			goto out;
		}
		printf("%s\n", out);
		free(out);
	}
	out = o->json ? xcv_scan_summary_to_json(scan) :
		xcv_scan_to_text(scan, o->verbose);
	if (out == NULL) {
		status = cli_oom();
		goto out;
	}
	printf(o->json ? "%s\n" : "%s", out);
	free(out);
	if (plan != NULL) {
		fflush(stdout);
		if ((rc = xcv_plan_add_scan(plan, scan)) < 0)
			status = cli_fail(rc, "trust plan: ");
		else if ((rc = cli_plan_write(o, plan, o->trust_plan,
		    false)) != 0)
			status = rc;
	}
out:
	fflush(stdout);
	xcv_plan_free(plan);
	xcv_scan_free(scan);
	xcv_config_free(cfg);
	xcv_store_free(store);
	for (size_t i = 0; i < n; i++)
		free(nodes[i]);
	free(nodes);
	return status;
}

const struct cli_cmd cmd_scan = {
	.name = "scan",
	.synopsis = "[options] DOMAIN | [--domain D] [options] NODE...",
	.summary = "check every node of a cluster on every service at once",
	.description =
		"Check every node of a cluster, on every service (c2s, s2s,\n"
		"direct TLS, and the HTTPS port of each node), at once: the nodes\n"
		"are the targets of DOMAIN's SRV records, or given (or in\n"
		"--nodes-file); without --domain, each node's XMPP domain is\n"
		"learned from it. XMPP services are verified for the XMPP domain,\n"
		"HTTPS for each node's own name. Prints a matrix of the\n"
		"verdicts, then what differs between nodes (the node where the\n"
		"SAN-domain setting was not applied, a copied HTTPS certificate,\n"
		"mixed issuers...), then one line. Exits 1 when an endpoint is not\n"
		"verified, a required service is closed, or a finding is an\n"
		"error; else 3 when an endpoint gave no certificate.",
	.opts = options,
	.run = run,
};
