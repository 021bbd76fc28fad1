/*
 * xmppcv check: connect, learn the XMPP domain from the stream, obtain the
 * certificate and verify it; on a terminal, ask about an untrusted one as
 * the client does; optionally log in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_DOMAIN, .help = "the XMPP domain; the server must serve "
	  "it (default: learned from the server)" },
	{ .id = OPT_SERVICE, .help = "client (c2s, port 5222), federation (s2s, "
	  "port 5269), or a node's HTTPS (https, port 443: TLS, then HEAD /, "
	  "checked for the host name); default c2s" },
	{ .id = OPT_DIRECT_TLS }, { .id = OPT_POSTURE }, { .id = OPT_CRL },
	{ .id = OPT_NO_FETCH }, { .id = OPT_OCSP },
	{ .id = OPT_REQUIRE_REVOCATION }, { .id = OPT_AS },
	{ .id = OPT_CLIENT_CERT }, { .id = OPT_CLIENT_KEY }, { .id = OPT_DANE },
	{ .id = OPT_DNSSEC_ANCHOR }, { .id = OPT_POSH }, { .id = OPT_RESOLVE },
	{ .id = OPT_DNS_SERVER },
	{ .id = OPT_TIMEOUT }, { .id = OPT_MAX_ATTEMPTS }, { .id = OPT_FROM },
	{ .id = OPT_POLICY }, { .id = OPT_CA_FILE }, { .id = OPT_CA_PATH },
	{ .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT },
	{ .id = OPT_WARN_DAYS, .help = "warn about expiry within N days "
	  "(default 30; --format nagios: WARNING)" },
	{ .id = OPT_STRICT }, { .id = OPT_CLIENTS },
	{ .id = OPT_REQUIRE_CLIENTS }, { .id = OPT_STORE }, { .id = OPT_NO_STORE },
	{ .id = OPT_NO_PROMPT }, { .id = OPT_LOGIN }, { .id = OPT_TRUST_PLAN },
	{ .id = OPT_FORCE }, { .id = OPT_SYSTEM_STORE },
	{ .id = OPT_JSON, .help = "one JSON object per target, one per line" },
	{ .id = OPT_FORMAT }, { .id = OPT_CRIT_DAYS },
	{ .id = OPT_END },
};

/* What every target of one run shares. */
struct run {
	struct opts *o;
	struct xcv_config *cfg;
	struct xcv_store *store;     /* accepted certificates, or NULL */
	char *password;              /* for --login, asked once */
	/* Across targets, for the last line: verified ones, the domains
	 * settled, and which certificates named their domain. */
	size_t verified, targets;
	char *domain;                /* the first domain settled */
	bool domains_differ;
	struct { const char *target; bool named; } *named;
	size_t n_named;
	struct xcv_monitor *mon;     /* --format nagios or prometheus */
	struct xcv_plan *plan;       /* --trust-plan */
};

static int
login(struct run *r, struct xcv_check *check)
{
	int rc;

	if (r->password == NULL &&
	    (r->password = cli_read_password(r->o->login)) == NULL)
		return EXIT_USAGE;
	rc = xcv_check_login(check, r->cfg, r->o->login, r->password,
		r->o->timeout_s * 1000);
	return rc < 0 ? cli_fail(rc, "--login: ") : EXIT_VERIFIED;
}

/* The terminal to ask on: standard input is one, and the controlling
 * terminal opens. NULL when there is none. */
static FILE *
terminal(void)
{
	return isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL;
}

/*
 * Why the certificate did not verify, on stderr, naming the actual cause
 * and what changes it: the server's certificate for a name mismatch or
 * expiry (no trust option and no acceptance fixes those), trust options
 * or an acceptance for an untrusted chain.
 */
static void
hint(const struct run *r, const struct xcv_check *check, const char *target,
	bool have_terminal)
{
	const struct xcv_result *res = xcv_check_result(check);
	const char *d = xcv_result_domain(res);
	unsigned p = xcv_result_problems(res);

	if (xcv_result_verdict(res) == XCV_VERDICT_ACCEPTED)
		fprintf(stderr, "xmppcv: %s: you accepted this certificate for %s, "
			"so a client would connect, but it is not verified: "
			"accepting does not fix the server.\n", target, d);
	if ((p & XCV_PROBLEM_MISMATCH) &&
	    xcv_result_service(res) == XCV_SERVICE_HTTPS)
		fprintf(stderr, "xmppcv: %s: the HTTPS certificate does not name "
			"the host %s; the node needs its own certificate (see 'what "
			"to do').\n", target, d);
	else if (p & XCV_PROBLEM_MISMATCH)
		fprintf(stderr, "xmppcv: %s: the certificate does not name the "
			"XMPP domain %s; the server needs one that does (see "
			"'what to do': the SAN-domain setting, then re-sign).\n",
			target, d);
	if (p & XCV_PROBLEM_EXPIRED)
		fprintf(stderr, "xmppcv: %s: %s: renew the certificate.\n", target,
			xcv_result_chain_error(res));
	if (p & XCV_PROBLEM_INVALID)
		fprintf(stderr, "xmppcv: %s: the chain is not valid: %s.\n",
			target, xcv_result_chain_error(res));
	if (p & XCV_PROBLEM_PROFILE)
		fprintf(stderr, "xmppcv: %s: the certificate has profile defects, "
			"which --strict fails (see the report).\n", target);
	if (p & XCV_PROBLEM_CLIENTS)
		fprintf(stderr, "xmppcv: %s: a client named in --require-clients "
			"would not connect without asking (see 'clients' and 'what "
			"to do').\n", target);
	if (p & XCV_PROBLEM_REVOKED) {
		const char *why, *state = xcv_result_revocation(res, &why);
		fprintf(stderr, "xmppcv: %s: revocation %s: %s.\n", target,
			state ? state : "?", why ? why : "no reason given");
	}
	if (!(p & XCV_PROBLEM_UNTRUSTED))
		return;
	fprintf(stderr, "xmppcv: %s: the certificate is not trusted for %s. To "
		"trust it, pass the CA that issued it with --ca-file", target, d);
	if (r->store == NULL)
		fprintf(stderr, ".\n");
	else if (r->o->no_prompt || !have_terminal)
		fprintf(stderr, ", or accept it at the prompt (run xmppcv check%s%s; "
			"it is then kept in %s).\n", have_terminal ? "" :
			" on a terminal", r->o->no_prompt ? " without --no-prompt" :
			"", xcv_store_path(r->store));
	else
		fprintf(stderr, ", or accept it when asked.\n");
}

/*
 * A certificate a client would not take as it is (its chain untrusted, or
 * no name matches): on a terminal, ask as the client does; accept saves
 * it and the check goes on with it, decline saves nothing.
 */
static int
ask(struct run *r, struct xcv_check *check, const char *target, FILE *tty)
{
	int answer = cli_prompt(check, r->store, target, tty, tty), rc;

	if (answer == 0) {
		fprintf(tty, "Declined: nothing was saved, and xmppcv goes no "
			"further with %s. The next run will ask again.\n", target);
		fflush(tty);
		return -1;
	}
	if (answer < 0)
		return -1;
	if ((rc = xcv_check_reverify(check, r->cfg)) < 0)
		return cli_fail(rc, NULL);
	return 0;
}

/* What the last line needs of one target. */
static void
tally(struct run *r, const struct xcv_check *check, const char *target)
{
	const struct xcv_result *res = xcv_check_result(check);
	const char *d = xcv_check_domain(check);
	void *v;

	r->targets++;
	r->verified += xcv_check_verdict(check) == XCV_VERDICT_VERIFIED;
	if (d != NULL && r->domain == NULL)
		r->domain = strdup(d);
	else if (d != NULL && strcmp(d, r->domain) != 0)
		r->domains_differ = true;
	if (res == NULL || xcv_result_service(res) == XCV_SERVICE_HTTPS)
		return;
	v = realloc(r->named, (r->n_named + 1) * sizeof(*r->named));
	if (v == NULL)
		return;
	r->named = v;
	r->named[r->n_named].target = target;
	r->named[r->n_named++].named = xcv_result_identity_matched(res);
}

/*
 * After several targets, as scan ends: what differs between them (some
 * certificates name the domain and others not; different domains), and
 * one line.
 */
static void
summary(const struct run *r)
{
	size_t findings = 0, named = 0;

	for (size_t i = 0; i < r->n_named; i++)
		named += r->named[i].named;
	if (named > 0 && named < r->n_named) {
		printf("\nfindings:\n  ERROR    domain-san-missing: the XMPP "
			"certificate of");
		for (size_t i = 0, k = 0; i < r->n_named; i++)
			if (!r->named[i].named)
				printf("%s %s", k++ ? "," : "", r->named[i].target);
		printf(" does not name the XMPP domain, as that of the others "
			"does: the SAN-domain setting was not applied there\n");
		findings++;
	}
	if (r->domains_differ) {
		printf("%s  ERROR    domain-differs: the targets serve different "
			"XMPP domains\n", findings ? "" : "\nfindings:\n");
		findings++;
	}
	printf("%s%s: %zu of %zu endpoints verified, %zu finding%s\n",
		findings ? "" : "\n", r->domain && !r->domains_differ ?
		r->domain : "check", r->verified, r->targets, findings,
		findings == 1 ? "" : "s");
}

static int
check_one(struct run *r, const char *target, bool first)
{
	const struct opts *o = r->o;
	struct xcv_check_params p = cli_check_params(o, target);
	struct xcv_check *check = NULL;
	const struct xcv_result *res;
	bool declined = false;
	FILE *tty = NULL;
	char *out = NULL;
	int status, rc;

	rc = xcv_check_run(&check, r->cfg, &p);
	if (rc < 0 && r->mon != NULL && rc != XCV_ENOMEM) {
		/* Reported with the others, as a target not checked. */
		fprintf(stderr, "xmppcv: %s: %s\n", target, xcv_error_last());
		if (xcv_monitor_add_error(r->mon, target, o->direct_tls ? "xmpps" :
		    xcv_service_name(o->service), xcv_error_last()) < 0)
			return cli_oom();
		return cli_exit_for(rc);
	}
	if (rc < 0) {
		status = cli_fail(rc, NULL);
		if (o->json && status != EXIT_INTERNAL &&
		    (out = xcv_input_error_to_json("target", target,
		    xcv_error_last())) != NULL)
			printf("%s\n", out);
		free(out);
		return status;
	}
	res = xcv_check_result(check);
	/* The client prompts when it would not take the certificate as it
	 * is; not for one the user accepted before, nor for --strict. */
	if (res != NULL && xcv_result_verdict(res) == XCV_VERDICT_NOT_VERIFIED &&
	    (xcv_result_problems(res) & (XCV_PROBLEM_MISMATCH |
	    XCV_PROBLEM_UNTRUSTED)) && r->store != NULL && !o->no_prompt &&
	    r->mon == NULL && (tty = terminal()) != NULL) {
		rc = ask(r, check, target, tty);
		if (rc > 0) {
			fclose(tty);
			xcv_check_free(check);
			return rc;
		}
		declined = rc < 0;
		res = xcv_check_result(check);
	}
	status = cli_exit_for_verdict(xcv_check_verdict(check));
	/* Log in (a further protocol step) only where a client would
	 * connect: verified, or accepted by the user. */
	if (o->login && (xcv_check_verdict(check) == XCV_VERDICT_VERIFIED ||
	    xcv_check_verdict(check) == XCV_VERDICT_ACCEPTED)) {
		int s = login(r, check);
		if (s != EXIT_VERIFIED)
			status = s;
		else if (xcv_check_login_status(check) != 1)
			status = EXIT_NOT_VERIFIED;
	} else if (o->login && res != NULL) {
		fprintf(stderr, "xmppcv: %s: not logging in as %s: %s\n", target,
			o->login, declined ? "the certificate was not accepted" :
			"a client would not take this certificate");
	}
	tally(r, check, target);
	if (r->plan != NULL && (rc = xcv_plan_add_check(r->plan, check,
	    target)) < 0)
		status = cli_fail(rc, "trust plan: ");
	if (r->mon != NULL) {
		/* Rendered with the others at the end. */
		if (xcv_monitor_add_check(r->mon, check, target) < 0)
			status = cli_oom();
		xcv_check_free(check);
		return status;
	}
	/* Rendered once, from everything the check now knows. */
	out = o->json ? xcv_check_to_json(check) : xcv_check_to_text(check);
	if (out == NULL) {
		status = cli_fail(XCV_ENOMEM, NULL);
	} else if (o->json) {
		printf("%s\n", out);
	} else {
		printf("%s%s", first ? "" : "\n", out);
	}
	fflush(stdout);
	if (res == NULL)
		fprintf(stderr, "xmppcv: %s: no certificate (%s): %s\n", target,
			xcv_phase_name(xcv_check_error_phase(check)),
			xcv_check_error_message(check));
	else if (!xcv_result_ok(res) && !declined)
		hint(r, check, target, isatty(STDIN_FILENO));
	if (tty)
		fclose(tty);
	free(out);
	xcv_check_free(check);
	return status;
}

/*
 * --format nagios or prometheus: every target's check, rendered at once.
 * Nagios gets the plugin status; Prometheus the usual exit status.
 */
static int
report_monitor(struct run *r, int status, const struct timespec *start)
{
	struct timespec end;
	char *out;

	clock_gettime(CLOCK_MONOTONIC, &end);
	xcv_monitor_set_duration(r->mon, (double)(end.tv_sec - start->tv_sec) +
		(double)(end.tv_nsec - start->tv_nsec) / 1e9);
	out = r->o->format == FORMAT_NAGIOS ? xcv_monitor_to_nagios(r->mon) :
		xcv_monitor_to_prometheus(r->mon);
	if (out == NULL)
		return cli_oom();
	fputs(out, stdout);
	free(out);
	if (r->o->format != FORMAT_NAGIOS)
		return status;
	cli_plugin_printed();
	return (int)xcv_monitor_status(r->mon);
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct run r = { .o = o };
	int status = EXIT_VERIFIED, rc;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (argc == 0)
		return cli_usage_error(&cmd_check, "check: no TARGET given: name a "
			"server (host, host:port, JID or domain)");
	if (o->service == XCV_SERVICE_HTTPS && (o->login || o->direct_tls))
		return cli_usage_error(&cmd_check, "check --service https: %s does "
			"not apply to HTTPS", o->login ? "--login" : "--direct-tls");
	if (o->as && o->service != XCV_SERVICE_S2S)
		return cli_usage_error(&cmd_check, "check --as is for federation: "
			"add --service s2s");
	if ((o->client_cert || o->client_key) && !o->as)
		return cli_usage_error(&cmd_check, "check --%s: name the server "
			"it is for with --as NAME", o->client_cert ? "client-cert" :
			"client-key");
	if (o->as && o->from)
		return cli_usage_error(&cmd_check, "check: --as NAME is the "
			"name sent as 'from'; leave out --from");
	if (o->login && (o->format == FORMAT_NAGIOS ||
	    o->format == FORMAT_PROMETHEUS))
		return cli_usage_error(&cmd_check, "check --login does not apply "
			"with --format %s", o->format == FORMAT_NAGIOS ? "nagios" :
			"prometheus");
	if (o->trust_plan && (o->format == FORMAT_NAGIOS ||
	    o->format == FORMAT_PROMETHEUS))
		return cli_usage_error(&cmd_check, "check --trust-plan does not "
			"apply with --format %s", o->format == FORMAT_NAGIOS ?
			"nagios" : "prometheus");
	if (o->format == FORMAT_NAGIOS || o->format == FORMAT_PROMETHEUS) {
		struct xcv_monitor_params mp = cli_monitor_params(o);
		if (xcv_monitor_new(&r.mon, &mp) < 0)
			return cli_fail(XCV_ENOMEM, NULL);
	}
	r.cfg = cli_config(o, &status);
	if (r.cfg != NULL && o->trust_plan && (r.plan = cli_plan_new(o,
	    o->trust_plan, &status)) == NULL) {
		xcv_config_free(r.cfg);
		r.cfg = NULL;
	}
	if (r.cfg == NULL) {
		xcv_monitor_free(r.mon);
		return status;
	}
	rc = o->no_store ? 0 : xcv_store_open(&r.store, o->store);
	if (rc < 0) {
		fprintf(stderr, "xmppcv: accepted certificates are not available: "
			"%s\n", xcv_error_last());
	} else if (r.store != NULL) {
		cli_store_notes(r.store);
		xcv_config_set_store(r.cfg, r.store);
	}
	for (int i = 0; i < argc; i++) {
		int s = check_one(&r, argv[i], i == 0);
		if (s > status)
			status = s;
	}
	if (r.mon != NULL && status != EXIT_INTERNAL)
		status = report_monitor(&r, status, &start);
	else if (argc > 1 && !o->json)
		summary(&r);
	if (r.plan != NULL && status != EXIT_INTERNAL) {
		fflush(stdout);
		if ((rc = cli_plan_write(o, r.plan, o->trust_plan, false)) != 0)
			status = rc;
	}
	xcv_plan_free(r.plan);
	xcv_monitor_free(r.mon);
	free(r.domain);
	free(r.named);
	xcv_config_free(r.cfg);
	xcv_store_free(r.store);
	if (r.password) {
		explicit_bzero(r.password, strlen(r.password));
		free(r.password);
	}
	return status;
}

const struct cli_cmd cmd_check = {
	.name = "check",
	.synopsis = "[options] TARGET...",
	.summary = "check a live XMPP server's certificate for its XMPP domain",
	.description =
		"Connect to each TARGET (host[:port], [v6]:port, address, JID or\n"
		"domain; without a port, through its SRV records), open an XMPP\n"
		"stream and learn the XMPP domain the server serves, obtain the\n"
		"certificate over STARTTLS (or direct TLS) and verify it. On a\n"
		"terminal, a certificate a client would not take may be accepted\n"
		"or declined, as the client asks; accepted ones are kept in the\n"
		"store. An acceptance stands in for chain trust only: a name\n"
		"mismatch or an expired certificate stays ACCEPTED BY YOU, NOT\n"
		"VERIFIED (exit 1).",
	.opts = options,
	.run = run,
};
