/*
 * xmppcv: the command-line tool over libxmppcv. Uses the public API only.
 *
 * Exit status (README.md, doc/xmppcv.1.scd):
 *   0  everything verified
 *   1  checked and not verified (untrusted, mismatch, expired, declined)
 *   2  usage error, or unreadable or malformed input
 *   3  could not obtain a certificate from a server
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <termios.h>
#include <unistd.h>

#include "cli.h"

/* Map a library return code to the documented exit status. */
static int
exit_for(int rc)
{
	switch (rc) {
	case XCV_OK:
		return EXIT_VERIFIED;
	case XCV_ECONNECT:
		return EXIT_NO_CERT;
	default:
		return EXIT_USAGE;
	}
}

static int
worst(int a, int b)
{
	return a > b ? a : b;
}

static int
list_add(struct list *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	v[l->n++] = s;
	l->v = v;
	return 0;
}

static const char usage_text[] =
	"usage: xmppcv verify --domain D [--service c2s|s2s|https]\n"
	"              [--policy rfc6125|rfc9525] [--ca-file F]... [--ca-path DIR]...\n"
	"              [--no-system-ca] [--at TIME] [--warn-days N] [--json] FILE...\n"
	"       xmppcv check [--domain D] [--service c2s|s2s] [--direct-tls]\n"
	"              [--resolve HOST:PORT:ADDRESS]... [--dns-server ADDRESS[:PORT]]\n"
	"              [--timeout SECONDS] [--max-attempts N] [--from NAME]\n"
	"              [trust and policy options as for verify] [--store DIR]\n"
	"              [--no-prompt] [--login JID] [--json] TARGET...\n"
	"       xmppcv trust list|show FP|remove FP [--store DIR] [--json]\n"
	"       xmppcv trust add FILE --domain D [--host H] [--store DIR]\n"
	"       xmppcv capture TARGET --out DIR [check options]\n"
	"       xmppcv capture --from-file FILE --domain D --out DIR [trust options]\n"
	"       xmppcv replay [--at captured|now|TIME] [--tap] [trust options] DIR...\n"
	"       xmppcv --version | --help\n"
	"\n"
	"verify  judge certificate chain files (leaf first, PEM, or one DER\n"
	"        certificate) for an XMPP domain, as a careful XMPP client does\n"
	"check   connect to an XMPP server (host[:port], [v6]:port, address, JID or\n"
	"        domain), learn its XMPP domain from the stream, obtain its\n"
	"        certificate over STARTTLS (or direct TLS) and verify it\n"
	"\n"
	"Exit status: 0 verified, 1 not verified, 2 usage error or bad input,\n"
	"3 no certificate could be obtained. See man xmppcv(1).\n";

/* Accepted certificates; opened once for check. */
static struct xcv_store *store;

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xmppcv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'xmppcv --help'.\n");
	return EXIT_USAGE;
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

void
print_notes_config(const struct xcv_config *cfg)
{
	for (size_t i = 0; i < xcv_config_note_count(cfg); i++)
		fprintf(stderr, "xmppcv: note: %s\n", xcv_config_note(cfg, i));
}

/* Apply the trust and policy options to a new configuration. */
int
make_config(struct xcv_config **out, const struct opts *o)
{
	struct xcv_config *cfg = xcv_config_new();

	*out = NULL;
	if (cfg == NULL) {
		fprintf(stderr, "xmppcv: out of memory\n");
		return XCV_ERROR;
	}
	xcv_config_set_service(cfg, o->service);
	xcv_config_set_policy(cfg, o->policy);
	xcv_config_set_system_ca(cfg, !o->no_system_ca);
	xcv_config_set_warn_days(cfg, o->warn_days);
	if (o->have_at)
		xcv_config_set_time(cfg, o->at);
	for (size_t i = 0; i < o->ca_files.n; i++) {
		if (xcv_config_add_ca_file(cfg, o->ca_files.v[i]) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			xcv_config_free(cfg);
			return XCV_EINPUT;
		}
	}
	for (size_t i = 0; i < o->ca_paths.n; i++) {
		if (xcv_config_add_ca_path(cfg, o->ca_paths.v[i]) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			xcv_config_free(cfg);
			return XCV_EINPUT;
		}
	}
	print_notes_config(cfg);
	*out = cfg;
	return 0;
}

void
cli_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Print a JSON line for an input that could not be judged. The public API
 * has no JSON helpers, and a file name may hold any byte. */
static void
json_input_error(const char *key, const char *name, const char *message)
{
	printf("{\"%s\":", key);
	cli_json_string(stdout, name);
	printf(",\"ok\":false,\"error\":{\"phase\":\"input\",\"message\":");
	cli_json_string(stdout, message);
	printf("}}\n");
}

static int
verify_one(struct xcv_config *cfg, const struct opts *o, const char *file,
	bool first)
{
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	char *out = NULL;
	int status, rc;

	rc = xcv_chain_load_file(&chain, file);
	if (rc == 0) {
		for (size_t i = 0; i < xcv_chain_note_count(chain); i++)
			fprintf(stderr, "xmppcv: note: %s\n",
				xcv_chain_note(chain, i));
		rc = xcv_verify(&res, cfg, chain, o->domain);
	}
	if (rc < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		if (o->json)
			json_input_error("file", file, xcv_error_last());
		status = exit_for(rc);
		goto out;
	}
	out = o->json ? xcv_result_to_json(res, file) :
		xcv_result_to_text(res, file);
	if (out == NULL) {
		fprintf(stderr, "xmppcv: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (o->json)
		printf("%s\n", out);
	else
		printf("%s%s", first ? "" : "\n", out);
	status = xcv_result_ok(res) ? EXIT_VERIFIED : EXIT_NOT_VERIFIED;
out:
	fflush(stdout);
	free(out);
	xcv_result_free(res);
	xcv_chain_free(chain);
	return status;
}

/* The password: XMPPCV_PASSWORD, else asked on the terminal without echo;
 * never from argv. */
static char *
read_password(const char *jid)
{
	const char *env = getenv("XMPPCV_PASSWORD");
	struct termios old, quiet;
	char buf[512];
	FILE *tty;
	bool ok;

	if (env != NULL)
		return strdup(env);
	tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		fprintf(stderr, "xmppcv: --login needs a password: set "
			"XMPPCV_PASSWORD or run on a terminal\n");
		return NULL;
	}
	/* Echo off before the prompt, and without discarding input: a
	 * password typed or pasted as soon as the prompt shows must count. */
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tcsetattr(fileno(tty), TCSANOW, &quiet);
	fprintf(tty, "Password for %s: ", jid);
	fflush(tty);
	ok = fgets(buf, sizeof(buf), tty) != NULL;
	tcsetattr(fileno(tty), TCSANOW, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (!ok) {
		fprintf(stderr, "xmppcv: no password given\n");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

static int
login(struct xcv_check *check, struct xcv_config *cfg, struct opts *o)
{
	if (o->password == NULL && (o->password = read_password(o->login)) == NULL)
		return -1;
	if (xcv_check_login(check, cfg, o->login, o->password,
	    o->timeout_s * 1000) < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		return -1;
	}
	return 0;
}

/*
 * An untrusted certificate: on a terminal, ask as the client does; else
 * fail closed and say how to trust it.
 */
static int
untrusted(struct xcv_check *check, struct xcv_config *cfg,
	const struct opts *o, const char *target)
{
	const struct xcv_result *res = xcv_check_result(check);
	int answer;

	fflush(stdout);
	if (o->no_prompt || o->json || store == NULL || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "xmppcv: %s: the certificate is not trusted for %s. "
			"To trust it, pass the CA that issued it with --ca-file, or "
			"run xmppcv check on a terminal without --no-prompt and "
			"accept it (it is then kept in %s)\n", target,
			xcv_result_domain(res), store ? xcv_store_path(store) :
			"the store");
		return EXIT_NOT_VERIFIED;
	}
	answer = cli_prompt(check, store, target, stdin, stdout);
	if (answer == 0) {
		printf("Declined: nothing was saved, and xmppcv goes no further "
			"with %s. The next run will ask again.\n", target);
		return EXIT_NOT_VERIFIED;
	}
	if (answer < 0)
		return EXIT_NOT_VERIFIED;
	if (xcv_check_reverify(check, cfg) < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		return EXIT_USAGE;
	}
	res = xcv_check_result(check);
	printf("%s: %s for XMPP domain %s\n", target, xcv_result_ok(res) ?
		"VERIFIED (accepted certificate)" : "NOT VERIFIED",
		xcv_result_domain(res));
	return xcv_result_ok(res) ? EXIT_VERIFIED : EXIT_NOT_VERIFIED;
}

static int
check_one(struct xcv_config *cfg, struct opts *o, const char *target,
	bool first)
{
	struct xcv_check_params p = {
		.target = target, .domain = o->domain, .from = o->from,
		.direct_tls = o->direct_tls, .resolve = o->resolve.v,
		.n_resolve = o->resolve.n, .dns_server = o->dns_server,
		.timeout_ms = o->timeout_s * 1000, .max_attempts = o->max_attempts,
	};
	struct xcv_check *check = NULL;
	const struct xcv_result *res;
	char *out = NULL;
	int status, rc;

	rc = xcv_check_run(&check, cfg, &p);
	if (rc < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		if (o->json)
			json_input_error("target", target, xcv_error_last());
		return exit_for(rc);
	}
	/* Log in (a further protocol step) only after a verified check;
	 * with a prompt, after the user accepted. */
	res = xcv_check_result(check);
	if (o->login && res && xcv_result_ok(res) &&
	    login(check, cfg, o) < 0) {
		xcv_check_free(check);
		return EXIT_USAGE;
	}
	out = o->json ? xcv_check_to_json(check) : xcv_check_to_text(check);
	if (out == NULL) {
		fprintf(stderr, "xmppcv: out of memory\n");
		xcv_check_free(check);
		return EXIT_USAGE;
	}
	printf(o->json ? "%s\n" : "%s%s", o->json ? out : (first ? "" : "\n"),
		o->json ? "" : out);
	res = xcv_check_result(check);
	if (res == NULL) {
		fprintf(stderr, "xmppcv: %s: no certificate (%s): %s\n", target,
			xcv_check_error_phase(check),
			xcv_check_error_message(check));
		status = EXIT_NO_CERT;
	} else if (xcv_result_ok(res)) {
		status = EXIT_VERIFIED;
	} else {
		status = untrusted(check, cfg, o, target);
		if (status == EXIT_VERIFIED && o->login) {
			char *more;
			if (login(check, cfg, o) < 0) {
				status = EXIT_USAGE;
			} else if ((more = xcv_check_to_text(check)) != NULL) {
				const char *l = strstr(more, "\nlogin ");
				printf("%s", l ? l + 1 : "");
				free(more);
			}
		}
	}
	if (o->login && res != NULL && status == EXIT_VERIFIED &&
	    xcv_check_login_status(check) != 1)
		status = EXIT_NOT_VERIFIED;
	if (o->login && res != NULL && !xcv_result_ok(xcv_check_result(check)))
		fprintf(stderr, "xmppcv: %s: not logging in as %s: the certificate "
			"was not verified\n", target, o->login);
	fflush(stdout);
	free(out);
	xcv_check_free(check);
	return status;
}

enum {
	OPT_DOMAIN = 256, OPT_SERVICE, OPT_POLICY, OPT_CA_FILE, OPT_CA_PATH,
	OPT_NO_SYSTEM_CA, OPT_AT, OPT_WARN_DAYS, OPT_JSON, OPT_HELP,
	OPT_DIRECT_TLS, OPT_RESOLVE, OPT_TIMEOUT, OPT_MAX_ATTEMPTS, OPT_FROM,
	OPT_DNS_SERVER, OPT_STORE, OPT_NO_PROMPT, OPT_LOGIN, OPT_OUT,
	OPT_FROM_FILE, OPT_TAP,
};

/* Each option with the commands that take it. */
static const struct {
	struct option opt;
	unsigned cmds;
} options[] = {
#define LIVE (CMD_CHECK | CMD_CAPTURE)
#define ALL (CMD_VERIFY | CMD_CHECK | CMD_CAPTURE | CMD_REPLAY)
	{ { "domain", required_argument, NULL, OPT_DOMAIN }, CMD_VERIFY | LIVE },
	{ { "service", required_argument, NULL, OPT_SERVICE }, CMD_VERIFY | LIVE },
	{ { "policy", required_argument, NULL, OPT_POLICY }, ALL },
	{ { "ca-file", required_argument, NULL, OPT_CA_FILE }, ALL },
	{ { "ca-path", required_argument, NULL, OPT_CA_PATH }, ALL },
	{ { "no-system-ca", no_argument, NULL, OPT_NO_SYSTEM_CA }, ALL },
	{ { "at", required_argument, NULL, OPT_AT }, ALL },
	{ { "warn-days", required_argument, NULL, OPT_WARN_DAYS }, ALL },
	{ { "json", no_argument, NULL, OPT_JSON }, CMD_VERIFY | CMD_CHECK },
	{ { "help", no_argument, NULL, OPT_HELP }, ALL },
	{ { "direct-tls", no_argument, NULL, OPT_DIRECT_TLS }, LIVE },
	{ { "resolve", required_argument, NULL, OPT_RESOLVE }, LIVE },
	{ { "timeout", required_argument, NULL, OPT_TIMEOUT }, LIVE },
	{ { "max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS }, LIVE },
	{ { "from", required_argument, NULL, OPT_FROM }, LIVE },
	{ { "dns-server", required_argument, NULL, OPT_DNS_SERVER }, LIVE },
	{ { "out", required_argument, NULL, OPT_OUT }, CMD_CAPTURE },
	{ { "from-file", required_argument, NULL, OPT_FROM_FILE }, CMD_CAPTURE },
	{ { "tap", no_argument, NULL, OPT_TAP }, CMD_REPLAY },
	{ { "store", required_argument, NULL, OPT_STORE }, CMD_CHECK },
	{ { "no-prompt", no_argument, NULL, OPT_NO_PROMPT }, CMD_CHECK },
	{ { "login", required_argument, NULL, OPT_LOGIN }, CMD_CHECK },
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char *
cmd_name(enum cmd c)
{
	switch (c) {
	case CMD_VERIFY: return "verify";
	case CMD_CHECK: return "check";
	case CMD_CAPTURE: return "capture";
	default: return "replay";
	}
}

/* Parse argv into o; returns -1 to go on, or an exit status. */
static int
parse(struct opts *o, int argc, char **argv)
{
	struct option longopts[N_OPTIONS + 1];
	int c, idx;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < N_OPTIONS; i++)
		longopts[i] = options[i].opt;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
		if (c >= OPT_DOMAIN && !(options[idx].cmds & o->cmd))
			return cli_usage_error("option '--%s' does not apply to %s",
				options[idx].opt.name, cmd_name(o->cmd));
		switch (c) {
		case OPT_DOMAIN:
			o->domain = optarg;
			break;
		case OPT_SERVICE:
			if (xcv_service_parse(&o->service, optarg) < 0)
				return cli_usage_error("%s", xcv_error_last());
			break;
		case OPT_POLICY:
			if (xcv_policy_parse(&o->policy, optarg) < 0)
				return cli_usage_error("%s", xcv_error_last());
			o->have_policy = true;
			break;
		case OPT_CA_FILE:
			if (list_add(&o->ca_files, optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_CA_PATH:
			if (list_add(&o->ca_paths, optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_RESOLVE:
			if (list_add(&o->resolve, optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_NO_SYSTEM_CA:
			o->no_system_ca = true;
			break;
		case OPT_AT:
			if (strcmp(optarg, "now") == 0) {
				o->at_mode = AT_NOW;
				o->have_at = false;
			} else if (strcmp(optarg, "captured") == 0 &&
			    o->cmd == CMD_REPLAY) {
				o->at_mode = AT_CAPTURED;
			} else {
				if (xcv_time_parse(&o->at, optarg) < 0)
					return cli_usage_error("--at: %s",
						xcv_error_last());
				o->have_at = true;
				o->at_mode = AT_TIME;
			}
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_FROM_FILE:
			o->from_file = optarg;
			break;
		case OPT_TAP:
			o->tap = true;
			break;
		case OPT_WARN_DAYS:
			if (parse_int(optarg, 0, 36500, &o->warn_days) < 0)
				return cli_usage_error("--warn-days wants a number of "
					"days (0-36500), not '%s'", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_int(optarg, 1, 3600, &o->timeout_s) < 0)
				return cli_usage_error("--timeout wants seconds "
					"(1-3600), not '%s'", optarg);
			break;
		case OPT_MAX_ATTEMPTS:
			if (parse_int(optarg, 1, 100, &o->max_attempts) < 0)
				return cli_usage_error("--max-attempts wants a number "
					"(1-100), not '%s'", optarg);
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_DNS_SERVER:
			o->dns_server = optarg;
			break;
		case OPT_DIRECT_TLS:
			o->direct_tls = true;
			break;
		case OPT_STORE:
			o->store = optarg;
			break;
		case OPT_NO_PROMPT:
			o->no_prompt = true;
			break;
		case OPT_LOGIN:
			o->login = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return EXIT_VERIFIED;
		case ':':
			return cli_usage_error("option '%s' needs a value",
				argv[optind - 1]);
		default:
			return cli_usage_error("unknown option '%s' for %s",
				argv[optind - 1], cmd_name(o->cmd));
		}
	}
	return -1;
}

static int
run(enum cmd cmd, int argc, char **argv)
{
	struct opts o = { .cmd = cmd, .warn_days = 30, .timeout_s = 10,
		.max_attempts = 5 };
	struct xcv_config *cfg = NULL;
	int status;

	status = parse(&o, argc, argv);
	if (status >= 0)
		goto out;
	status = EXIT_VERIFIED;
	if (cmd == CMD_CAPTURE) {
		status = cli_capture(&o, argc, argv);
		goto out;
	}
	if (cmd == CMD_REPLAY) {
		if (optind >= argc)
			status = cli_usage_error("replay: no DIR given: name "
				"directories of captured cases");
		else
			status = cli_replay(&o, argc, argv);
		goto out;
	}
	if (optind >= argc) {
		status = cli_usage_error("%s: no %s given", cmd_name(cmd),
			cmd == CMD_VERIFY ? "FILE: name one or more chain files "
			"(leaf first)" : "TARGET: name a server (host, host:port, "
			"JID or domain)");
		goto out;
	}
	if (cmd == CMD_VERIFY && o.domain == NULL) {
		status = cli_usage_error("%s", "verify: --domain is required: the XMPP "
			"domain that clients use (for --service https, the host "
			"name)");
		goto out;
	}
	if (cmd == CMD_CHECK && o.service == XCV_SERVICE_HTTPS) {
		status = cli_usage_error("%s", "check: --service https does not apply: "
			"check speaks XMPP (c2s or s2s); use verify for HTTPS "
			"certificates");
		goto out;
	}
	if (make_config(&cfg, &o) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (cmd == CMD_CHECK) {
		if (xcv_store_open(&store, o.store) < 0) {
			fprintf(stderr, "xmppcv: accepted certificates are not "
				"available: %s\n", xcv_error_last());
		} else {
			cli_store_notes(store);
			xcv_config_set_store(cfg, store);
		}
	}
	for (int i = optind; i < argc; i++)
		status = worst(status, cmd == CMD_VERIFY ?
			verify_one(cfg, &o, argv[i], i == optind) :
			check_one(cfg, &o, argv[i], i == optind));
out:
	xcv_config_free(cfg);
	xcv_store_free(store);
	store = NULL;
	free(o.ca_files.v);
	free(o.ca_paths.v);
	free(o.resolve.v);
	if (o.password) {
		explicit_bzero(o.password, strlen(o.password));
		free(o.password);
	}
	return status;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("%s", "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_VERIFIED;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("xmppcv %s\n", xcv_version());
		return EXIT_VERIFIED;
	}
	if (strcmp(argv[1], "verify") == 0)
		return run(CMD_VERIFY, argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return run(CMD_CHECK, argc - 1, argv + 1);
	if (strcmp(argv[1], "trust") == 0)
		return cli_trust(argc - 1, argv + 1);
	if (strcmp(argv[1], "capture") == 0)
		return run(CMD_CAPTURE, argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return run(CMD_REPLAY, argc - 1, argv + 1);
	return cli_usage_error("unknown command '%s'", argv[1]);
}
