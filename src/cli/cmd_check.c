/*
 * xmppcv check: connect, learn the XMPP domain from the stream, obtain the
 * certificate and verify it; on a terminal, ask about an untrusted one as
 * the client does; optionally log in.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_DOMAIN, .help = "the XMPP domain; the server must serve "
	  "it (default: learned from the server)" },
	{ .id = OPT_SERVICE, .arg = "c2s|s2s", .help = "client (c2s, port "
	  "5222) or federation (s2s, port 5269); default c2s" },
	{ .id = OPT_DIRECT_TLS }, { .id = OPT_RESOLVE }, { .id = OPT_DNS_SERVER },
	{ .id = OPT_TIMEOUT }, { .id = OPT_MAX_ATTEMPTS }, { .id = OPT_FROM },
	{ .id = OPT_POLICY }, { .id = OPT_CA_FILE }, { .id = OPT_CA_PATH },
	{ .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT }, { .id = OPT_WARN_DAYS },
	{ .id = OPT_STORE }, { .id = OPT_NO_PROMPT }, { .id = OPT_LOGIN },
	{ .id = OPT_JSON, .help = "one JSON object per target, one per line" },
	{ .id = OPT_END },
};

/* What every target of one run shares. */
struct run {
	struct opts *o;
	struct xcv_config *cfg;
	struct xcv_store *store;     /* accepted certificates, or NULL */
	char *password;              /* for --login, asked once */
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

/*
 * A certificate that did not verify: on a terminal, ask as the client
 * does (accept saves it, and the check goes on with it); else fail closed
 * and say how to trust it.
 */
static int
untrusted(struct run *r, struct xcv_check *check, const char *target)
{
	const struct xcv_result *res = xcv_check_result(check);
	int answer, rc;

	fflush(stdout);
	if (r->o->no_prompt || r->o->json || r->store == NULL ||
	    !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "xmppcv: %s: the certificate is not trusted for %s. "
			"To trust it, pass the CA that issued it with --ca-file, or "
			"run xmppcv check on a terminal without --no-prompt and "
			"accept it (it is then kept in %s)\n", target,
			xcv_result_domain(res), r->store ?
			xcv_store_path(r->store) : "the store");
		return EXIT_NOT_VERIFIED;
	}
	answer = cli_prompt(check, r->store, target, stdin, stdout);
	if (answer == 0) {
		printf("Declined: nothing was saved, and xmppcv goes no further "
			"with %s. The next run will ask again.\n", target);
		return EXIT_NOT_VERIFIED;
	}
	if (answer < 0)
		return EXIT_NOT_VERIFIED;
	if ((rc = xcv_check_reverify(check, r->cfg)) < 0)
		return cli_fail(rc, NULL);
	return xcv_result_ok(xcv_check_result(check)) ? EXIT_VERIFIED :
		EXIT_NOT_VERIFIED;
}

static int
check_one(struct run *r, const char *target, bool first)
{
	const struct opts *o = r->o;
	struct xcv_check_params p = cli_check_params(o, target);
	struct xcv_check *check = NULL;
	const struct xcv_result *res;
	char *out = NULL;
	int status, rc;

	rc = xcv_check_run(&check, r->cfg, &p);
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
	if (res == NULL)
		status = EXIT_NO_CERT;
	else if (xcv_result_ok(res))
		status = EXIT_VERIFIED;
	else
		status = untrusted(r, check, target);
	/* Log in (a further protocol step) only after a verified check or
	 * an acceptance. */
	if (o->login && status == EXIT_VERIFIED) {
		status = login(r, check);
		if (status == EXIT_VERIFIED && xcv_check_login_status(check) != 1)
			status = EXIT_NOT_VERIFIED;
	} else if (o->login && res != NULL) {
		fprintf(stderr, "xmppcv: %s: not logging in as %s: the certificate "
			"was not verified\n", target, o->login);
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
	if (res == NULL)
		fprintf(stderr, "xmppcv: %s: no certificate (%s): %s\n", target,
			xcv_phase_name(xcv_check_error_phase(check)),
			xcv_check_error_message(check));
	fflush(stdout);
	free(out);
	xcv_check_free(check);
	return status;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct run r = { .o = o };
	int status = EXIT_VERIFIED, rc;

	if (argc == 0)
		return cli_usage_error(&cmd_check, "check: no TARGET given: name a "
			"server (host, host:port, JID or domain)");
	if (o->service == XCV_SERVICE_HTTPS)
		return cli_usage_error(&cmd_check, "check: --service https does not "
			"apply: check speaks XMPP (c2s or s2s); use verify for HTTPS "
			"certificates");
	r.cfg = cli_config(o, &status);
	if (r.cfg == NULL)
		return status;
	rc = xcv_store_open(&r.store, o->store);
	if (rc < 0) {
		fprintf(stderr, "xmppcv: accepted certificates are not available: "
			"%s\n", xcv_error_last());
	} else {
		cli_store_notes(r.store);
		xcv_config_set_store(r.cfg, r.store);
	}
	for (int i = 0; i < argc; i++) {
		int s = check_one(&r, argv[i], i == 0);
		if (s > status)
			status = s;
	}
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
		"terminal, a certificate that does not verify may be accepted or\n"
		"declined, as the client asks; accepted ones are kept in the store.",
	.opts = options,
	.run = run,
};
