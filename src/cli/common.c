/*
 * What the commands share: the option table (which also writes each
 * command's --help), parsing, the configuration and check parameters the
 * options describe, and error reporting with the documented exit status.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Every option once: its name, its value's name, what it does. */
static const struct opt_def {
	enum opt_id id;
	const char *name;
	const char *arg;          /* NULL for a flag */
	const char *help;
} defs[] = {
	{ OPT_DOMAIN, "domain", "D", "the XMPP domain" },
	{ OPT_SERVICE, "service", "c2s|s2s|https",
	  "which identities apply (default c2s)" },
	{ OPT_POLICY, "policy", "rfc6125|rfc9525",
	  "rfc9525 never uses the Subject CN (default rfc6125)" },
	{ OPT_CA_FILE, "ca-file", "F", "trust the certificates in F "
	  "(PEM bundle or DER); repeatable" },
	{ OPT_CA_PATH, "ca-path", "DIR", "trust every certificate file in DIR; "
	  "repeatable" },
	{ OPT_NO_SYSTEM_CA, "no-system-ca", NULL, "do not trust the system's "
	  "anchors" },
	{ OPT_AT, "at", "TIME", "verify as at TIME (ISO 8601 UTC, e.g. "
	  "2026-06-01T00:00:00Z, or @unix-seconds)" },
	{ OPT_WARN_DAYS, "warn-days", "N", "warn about expiry within N days "
	  "(default 30)" },
	{ OPT_CRIT_DAYS, "crit-days", "N", "--format nagios: CRITICAL when a "
	  "certificate expires within N days (default 14)" },
	{ OPT_JSON, "json", NULL, "one JSON object per line (--format json)" },
	{ OPT_FORMAT, "format", "text|json|nagios|prometheus", "text for people, "
	  "json (as --json), nagios (a Nagios/Icinga plugin's output and exit "
	  "status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or prometheus (text "
	  "exposition, as for node_exporter's textfile collector)" },
	{ OPT_CONFIG, "config", "FILE", "the exporter's configuration: the "
	  "targets it may probe (JSON; see xmppcv(1))" },
	{ OPT_LISTEN, "listen", "ADDRESS:PORT", "where to listen (default "
	  "127.0.0.1:9577, or the configuration's)" },
	{ OPT_MAX_PROBES, "max-probes", "N", "probes running at once at most; "
	  "more wait their turn (default 4, or the configuration's)" },
	{ OPT_DIRECT_TLS, "direct-tls", NULL, "TLS first (XEP-0368: port "
	  "5223, _xmpps-client), not STARTTLS" },
	{ OPT_POSTURE, "posture", NULL, "also ask which TLS versions, "
	  "ciphers and groups the server accepts, and what its stream offers "
	  "over TLS (a connection for each question)" },
	{ OPT_CRL, "crl", "FILE", "judge revocation with this CRL too (PEM or "
	  "DER); repeatable" },
	{ OPT_NO_FETCH, "no-fetch", NULL, "fetch no CRL or OCSP answer over "
	  "the network: only --crl files, the cache and a stapled answer" },
	{ OPT_OCSP, "ocsp", NULL, "also ask the OCSP responder the server's "
	  "certificate names" },
	{ OPT_REQUIRE_REVOCATION, "require-revocation", NULL, "fail the "
	  "verdict (not-verified, exit 1) when revocation cannot be judged" },
	{ OPT_AS, "as", "NAME", "s2s: connect as the server NAME (from=NAME) "
	  "and report how the peer would authenticate it" },
	{ OPT_CLIENT_CERT, "client-cert", "FILE", "s2s with --as: present "
	  "this certificate (PEM, with its chain) as the initiating server" },
	{ OPT_CLIENT_KEY, "client-key", "FILE", "the key of --client-cert "
	  "(PEM; default: in the same file)" },
	{ OPT_DANE, "dane", NULL, "also judge the DANE TLSA records of the "
	  "SRV target (RFC 7673), through a validating resolver" },
	{ OPT_DNSSEC_ANCHOR, "dnssec-anchor", "FILE", "the DNSSEC trust anchor "
	  "(default /usr/share/dns/root.key)" },
	{ OPT_POSH, "posh", NULL, "also fetch the domain's POSH fingerprints "
	  "(RFC 7711) over HTTPS and compare them" },
	{ OPT_USAGE, "usage", "N", "TLSA certificate usage: 0 PKIX-TA, 1 "
	  "PKIX-EE, 2 DANE-TA or 3 DANE-EE (default 3)" },
	{ OPT_SELECTOR, "selector", "N", "TLSA selector: 0 the certificate, 1 "
	  "its public key (default 1)" },
	{ OPT_TYPE, "type", "N", "TLSA matching type: 0 exact, 1 SHA-256, 2 "
	  "SHA-512 (default 1)" },
	{ OPT_EXPIRES, "expires", "SECONDS", "how long others may cache the "
	  "POSH file (default 86400)" },
	{ OPT_RESOLVE, "resolve", "HOST:PORT:ADDRESS", "use ADDRESS for "
	  "HOST:PORT, without DNS; repeatable" },
	{ OPT_TIMEOUT, "timeout", "SECONDS", "deadline for each phase: "
	  "connect, stream header, features, STARTTLS, handshake (default 10)" },
	{ OPT_MAX_ATTEMPTS, "max-attempts", "N", "connections for domain "
	  "discovery (default 5)" },
	{ OPT_FROM, "from", "NAME", "s2s: our name in the stream header "
	  "(default xmppcv.invalid)" },
	{ OPT_DNS_SERVER, "dns-server", "ADDRESS[:PORT]", "ask this DNS "
	  "server instead of the system's" },
	{ OPT_STORE, "store", "DIR", "the accepted-certificate store (default "
	  "$XMPPCV_STORE, else ~/.local/share/xmppcv/accepted)" },
	{ OPT_NO_PROMPT, "no-prompt", NULL, "never ask to accept a certificate" },
	{ OPT_LOGIN, "login", "JID", "after a verified check, log JID in "
	  "(password from XMPPCV_PASSWORD or the terminal)" },
	{ OPT_OUT, "out", "DIR", "the case directory to create (must not "
	  "exist)" },
	{ OPT_FROM_FILE, "from-file", "FILE", "make the case from a chain "
	  "file instead of a server" },
	{ OPT_TAP, "tap", NULL, "print TAP (Test Anything Protocol)" },
	{ OPT_HOST, "host", "H", "where the certificate came from, for the "
	  "record" },
	{ OPT_STRICT, "strict", NULL, "fail RFC 5280 and CA/Browser Forum "
	  "profile defects, which are otherwise warnings" },
	{ OPT_NO_STORE, "no-store", NULL, "ignore the accepted certificates "
	  "(for validation runs and CI); never prompt" },
	{ OPT_SERVICES, "services", "LIST", "the services to scan, of c2s, s2s, "
	  "xmpps, https (default c2s,s2s,https, and xmpps where an SRV record "
	  "has it)" },
	{ OPT_PORT, "port", "SERVICE=PORT", "the port of a service (default: "
	  "the SRV record's, else 5222, 5269, 5223, 8443); repeatable" },
	{ OPT_PARALLEL, "parallel", "N", "open connections at most (default "
	  "100)" },
	{ OPT_NODES_FILE, "nodes-file", "FILE", "the nodes, one per line (# "
	  "starts a comment)" },
	{ OPT_VERBOSE, "verbose", NULL, "every endpoint's report after the "
	  "matrix" },
	{ OPT_KIND, "kind", "xmpp|https", "which certificate a CSR is for: xmpp "
	  "(Cisco's cup-xmpp, cup-xmpp-s2s) or https (Cisco's tomcat); default "
	  "xmpp" },
	{ OPT_NODES, "nodes", "FQDN,...", "node FQDNs every CSR must name (a "
	  "multi-server SAN CSR names them all); repeatable" },
	{ OPT_MIN_RSA_BITS, "min-rsa-bits", "N", "the smallest RSA key accepted "
	  "(default 2048)" },
	{ OPT_MAX_RSA_BITS, "max-rsa-bits", "N", "the largest RSA key the "
	  "servers take (default 4096)" },
	{ OPT_FORBID, "forbid", "CHARS", "characters refused in subject fields "
	  "(default @&!; '' refuses none)" },
	{ OPT_JOBS, "jobs", "N", "verify on N threads at once; the output is "
	  "that of one (default: the number of online CPUs)" },
	{ OPT_CLIENTS, "clients", "LIST|all|none", "what these client profiles "
	  "would do (ids, comma-separated; xmppcv clients lists them): a table "
	  "in text, the clients array in JSON (default: all, one summary line "
	  "in text)" },
	{ OPT_REQUIRE_CLIENTS, "require-clients", "LIST|all", "fail the verdict "
	  "(not-verified, exit 1) when any of these client profiles would not "
	  "connect without asking" },
	{ OPT_TRUST_PLAN, "trust-plan", "DIR", "write what to deploy to client "
	  "computers so that nobody is prompted (roots, Enterprise Trust, "
	  "scripts, PLAN.md, plan.json) into DIR" },
	{ OPT_FORCE, "force", NULL, "replace the plan's folder when it holds "
	  "an earlier plan (and nothing else)" },
	{ OPT_SYSTEM_STORE, "system-store", "FILE", "the clients' store before "
	  "the plan (default Debian's /etc/ssl/certs/ca-certificates.crt)" },
	{ OPT_HELP, "help", NULL, "this help" },
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))

static const struct opt_def *
def_of(enum opt_id id)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (defs[i].id == id)
			return &defs[i];
	return NULL;
}

static const struct cmd_opt *
cmd_takes(const struct cli_cmd *cmd, enum opt_id id)
{
	static const struct cmd_opt help = { .id = OPT_HELP };

	if (id == OPT_HELP)
		return &help;
	for (const struct cmd_opt *o = cmd->opts; o->id != OPT_END; o++)
		if (o->id == id)
			return o;
	return NULL;
}

/* Text from column 26, wrapped before column 80. */
static void
put_wrapped(FILE *f, const char *text, size_t col)
{
	const size_t indent = 26, width = 79;

	while (*text) {
		size_t room = width - col, n = strlen(text);
		if (n > room) {
			n = room;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(text, " ");
		}
		fprintf(f, "%.*s\n", (int)n, text);
		text += n;
		text += strspn(text, " ");
		if (*text)
			fprintf(f, "%*s", (int)indent, "");
		col = indent;
	}
}

void
cli_help(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: xmppcv %s %s\n\n%s\n\noptions:\n", cmd->name,
		cmd->synopsis, cmd->description);
	for (const struct cmd_opt *o = cmd->opts; ; o++) {
		/* --help, which every command takes, ends the list. */
		enum opt_id id = o->id == OPT_END ? OPT_HELP : o->id;
		const struct opt_def *d = def_of(id);
		const char *help = o->id != OPT_END && o->help ? o->help : NULL;
		const char *arg = o->id != OPT_END && o->arg ? o->arg : NULL;
		char left[64];

		if (d != NULL) {
			arg = arg ? arg : d->arg;
			snprintf(left, sizeof(left), "--%s%s%s", d->name,
				arg ? " " : "", arg ? arg : "");
			/* A long option name gets a line of its own. */
			if (strlen(left) > 22)
				fprintf(f, "  %s\n%26s", left, "");
			else
				fprintf(f, "  %-22s  ", left);
			put_wrapped(f, help ? help : d->help, 26);
		}
		if (o->id == OPT_END)
			break;
	}
	fprintf(f, "\nSee xmppcv(1) for the exit status and the JSON fields.\n");
}

/* A plugin run (--format nagios), and the last error said, for its
 * status line. */
static struct {
	bool on, printed;
	char error[512];
} plugin;

void
cli_plugin_begin(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--format=nagios") == 0 ||
		    (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "nagios") == 0))
			plugin.on = true;
	}
}

void
cli_plugin_printed(void)
{
	plugin.printed = true;
}

int
cli_plugin_end(int status)
{
	if (!plugin.on || plugin.printed)
		return status;
	/* The guidelines keep '|' for performance data. */
	for (char *p = plugin.error; *p; p++)
		if (*p == '|' || *p == '\n')
			*p = ' ';
	printf("XMPPCV UNKNOWN - %s\n", plugin.error[0] ? plugin.error :
		"no result");
	fflush(stdout);
	return 3;
}

static void
note_error(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void
note_error(const char *fmt, va_list ap)
{
	vsnprintf(plugin.error, sizeof(plugin.error), fmt, ap);
}

int
cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xmppcv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	note_error(fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\nTry 'xmppcv %s --help'.\n", cmd->name);
	else
		fprintf(stderr, "\nTry 'xmppcv --help'.\n");
	return EXIT_USAGE;
}

int
cli_exit_for(int rc)
{
	switch (rc) {
	case XCV_OK:
		return EXIT_VERIFIED;
	case XCV_ECONNECT:
		return EXIT_NO_CERT;
	case XCV_ENOMEM:
		return EXIT_INTERNAL;
	default:
		return EXIT_USAGE;
	}
}

int
cli_exit_for_verdict(enum xcv_verdict verdict)
{
	switch (verdict) {
	case XCV_VERDICT_VERIFIED:
		return EXIT_VERIFIED;
	case XCV_VERDICT_NO_CERTIFICATE:
		return EXIT_NO_CERT;
	default:
		return EXIT_NOT_VERIFIED;
	}
}

int
cli_fail(int rc, const char *prefix)
{
	return sink_fail(&(struct sink){0}, rc, prefix);
}

int
sink_fail(struct sink *s, int rc, const char *prefix)
{
	/* Memory that ran out is always said in these words, whatever the
	 * path left as the last error. */
	const char *why = rc == XCV_ENOMEM &&
		strstr(xcv_error_last(), "out of memory") == NULL ?
		"out of memory" : xcv_error_last();

	sink_printf(s, stderr, "xmppcv: %s%s\n", prefix ? prefix : "", why);
	snprintf(plugin.error, sizeof(plugin.error), "%s%s", prefix ? prefix :
		"", why);
	return cli_exit_for(rc);
}

int
cli_oom(void)
{
	fprintf(stderr, "xmppcv: out of memory\n");
	snprintf(plugin.error, sizeof(plugin.error), "out of memory");
	return EXIT_INTERNAL;
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int
cli_list_add(struct list *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	v[l->n++] = s;
	l->v = v;
	return 0;
}

void
cli_opts_clear(struct opts *o)
{
	free(o->ca_files.v);
	free(o->ca_paths.v);
	free(o->resolve.v);
	free(o->crls.v);
	free(o->nodes.v);
	memset(&o->nodes, 0, sizeof(o->nodes));
	memset(&o->ca_files, 0, sizeof(o->ca_files));
	memset(&o->ca_paths, 0, sizeof(o->ca_paths));
	memset(&o->resolve, 0, sizeof(o->resolve));
}

const char *
cli_shown(char *buf, size_t cap, const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		len += (size_t)snprintf(buf + len, cap - len, c >= 0x20 &&
			c < 0x7f ? "%c" : "\\x%02x", c);
	}
	if (len + 8 >= cap && n > 0)
		snprintf(buf + len, cap - len, "...");
	buf[cap - 1] = '\0';
	return buf;
}

/* --clients and --require-clients: all, none, or known profile ids
 * separated by commas. */
static int
check_clients(const struct cli_cmd *cmd, const char *opt, const char *arg,
	bool words)
{
	const char *p = arg;
	char id[64];

	if (words && (strcmp(arg, "all") == 0 || strcmp(arg, "none") == 0))
		return 0;
	do {
		size_t n = strcspn(p, ",");

		snprintf(id, sizeof(id), "%.*s", (int)n, p);
		if (n == 0 || n >= sizeof(id) ||
		    xcv_client_profile_find(id) == NULL) {
			cli_usage_error(cmd, "%s: no client profile '%s'; "
				"'xmppcv clients' lists them%s", opt,
				cli_shown(id, sizeof(id), p, n),
				words ? " (or all, none)" : "");
			return -1;
		}
		p += n;
	} while (*p++ == ',');
	return 0;
}

/* Every profile named in list judges o->service: -1, else a usage
 * error's status. */
static int
clients_serve(const struct cli_cmd *cmd, const struct opts *o,
	const char *list)
{
	const char *p = list;
	char id[64];

	if (list == NULL || strcmp(list, "all") == 0 ||
	    strcmp(list, "none") == 0)
		return -1;
	do {
		size_t n = strcspn(p, ",");
		const struct xcv_client_profile *c;

		snprintf(id, sizeof(id), "%.*s", (int)n, p);
		c = xcv_client_profile_find(id);
		if (c && !(o->service == XCV_SERVICE_C2S ? c->c2s :
		    o->service == XCV_SERVICE_S2S ? c->s2s : c->https))
			return cli_usage_error(cmd, "client profile '%s' judges "
				"%s, not %s: choose the service with --service", id,
				c->s2s ? "s2s" : c->https ? "c2s and https" : "c2s",
				xcv_service_name(o->service));
		p += n;
	} while (*p++ == ',');
	return -1;
}

/* --port SERVICE=PORT */
static int
take_port(struct opts *o, const struct cli_cmd *cmd, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned svc;
	char name[16];
	int port;

	if (eq == NULL || (size_t)(eq - arg) >= sizeof(name) ||
	    parse_int(eq + 1, 1, 65535, &port) < 0)
		return cli_usage_error(cmd, "--port wants SERVICE=PORT (e.g. "
			"https=443), not '%s'", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (xcv_scan_services_parse(&svc, name) < 0 || (svc & (svc - 1)) != 0)
		return cli_usage_error(cmd, "--port: unknown service '%s': use "
			"c2s, s2s, xmpps or https", name);
	for (int i = 0; i < XCV_SCAN_SERVICES; i++)
		if (svc == 1u << i)
			o->ports[i] = port;
	return -1;
}

/* One option's value into o; -1 to go on, or an exit status. */
static int
take(struct opts *o, const struct cli_cmd *cmd, enum opt_id id,
	const char *arg)
{
	switch (id) {
	case OPT_DOMAIN: o->domain = arg; break;
	case OPT_SERVICE:
		if (xcv_service_parse(&o->service, arg) < 0)
			return cli_usage_error(cmd, "%s", xcv_error_last());
		break;
	case OPT_POLICY:
		if (xcv_policy_parse(&o->policy, arg) < 0)
			return cli_usage_error(cmd, "%s", xcv_error_last());
		o->have_policy = true;
		break;
	case OPT_CA_FILE:
	case OPT_CA_PATH:
	case OPT_RESOLVE:
		if (cli_list_add(id == OPT_CA_FILE ? &o->ca_files :
		    id == OPT_CA_PATH ? &o->ca_paths : &o->resolve, arg) < 0)
			return cli_oom();
		break;
	case OPT_NO_SYSTEM_CA: o->no_system_ca = true; break;
	case OPT_AT:
		if (strcmp(arg, "now") == 0) {
			o->at_mode = AT_NOW;
		} else if (strcmp(arg, "captured") == 0 &&
		    strcmp(cmd->name, "replay") == 0) {
			o->at_mode = AT_CAPTURED;
		} else if (xcv_time_parse(&o->at, arg) < 0) {
			return cli_usage_error(cmd, "--at: %s", xcv_error_last());
		} else {
			o->at_mode = AT_TIME;
		}
		break;
	case OPT_WARN_DAYS:
		if (parse_int(arg, 0, 36500, &o->warn_days) < 0)
			return cli_usage_error(cmd, "--warn-days wants a number of "
				"days (0-36500), not '%s'", arg);
		break;
	case OPT_TIMEOUT:
		if (parse_int(arg, 1, 3600, &o->timeout_s) < 0)
			return cli_usage_error(cmd, "--timeout wants seconds "
				"(1-3600), not '%s'", arg);
		break;
	case OPT_MAX_ATTEMPTS:
		if (parse_int(arg, 1, 100, &o->max_attempts) < 0)
			return cli_usage_error(cmd, "--max-attempts wants a number "
				"(1-100), not '%s'", arg);
		break;
	case OPT_CRIT_DAYS:
		if (parse_int(arg, 0, 36500, &o->crit_days) < 0)
			return cli_usage_error(cmd, "--crit-days wants a number of "
				"days (0-36500), not '%s'", arg);
		break;
	case OPT_JSON:
		o->format = FORMAT_JSON;
		o->json = true;
		break;
	case OPT_FORMAT: {
		static const char *const names[] = { "text", "json", "nagios",
			"prometheus" };
		size_t i = 0;
		while (i < 4 && strcmp(arg, names[i]) != 0)
			i++;
		if (i == 4)
			return cli_usage_error(cmd, "--format wants text, json, "
				"nagios or prometheus, not '%s'", arg);
		o->format = (enum format)i;
		o->json = o->format == FORMAT_JSON;
		break;
	}
	case OPT_CONFIG: o->config = arg; break;
	case OPT_LISTEN: o->listen = arg; break;
	case OPT_MAX_PROBES:
		if (parse_int(arg, 1, 1000, &o->max_probes) < 0)
			return cli_usage_error(cmd, "--max-probes wants a number "
				"(1-1000), not '%s'", arg);
		break;
	case OPT_DIRECT_TLS: o->direct_tls = true; break;
	case OPT_POSTURE: o->posture = true; break;
	case OPT_CRL:
		if (cli_list_add(&o->crls, arg) < 0)
			return cli_oom();
		break;
	case OPT_NO_FETCH: o->no_fetch = true; break;
	case OPT_OCSP: o->ocsp = true; break;
	case OPT_REQUIRE_REVOCATION: o->require_revocation = true; break;
	case OPT_AS: o->as = arg; break;
	case OPT_CLIENT_CERT: o->client_cert = arg; break;
	case OPT_CLIENT_KEY: o->client_key = arg; break;
	case OPT_DANE: o->dane = true; break;
	case OPT_DNSSEC_ANCHOR: o->dnssec_anchor = arg; break;
	case OPT_POSH: o->posh = true; break;
	case OPT_USAGE:
	case OPT_SELECTOR:
	case OPT_TYPE:
		if (parse_int(arg, 0, id == OPT_USAGE ? 3 : id == OPT_SELECTOR ?
		    1 : 2, id == OPT_USAGE ? &o->tlsa_usage : id == OPT_SELECTOR ?
		    &o->tlsa_selector : &o->tlsa_type) < 0)
			return cli_usage_error(cmd, "--%s wants %s, not '%s'",
				id == OPT_USAGE ? "usage" : id == OPT_SELECTOR ?
				"selector" : "type", id == OPT_USAGE ? "0 to 3" :
				id == OPT_SELECTOR ? "0 or 1" : "0, 1 or 2", arg);
		break;
	case OPT_EXPIRES: {
		int secs;
		if (parse_int(arg, 0, 31536000, &secs) < 0)
			return cli_usage_error(cmd, "--expires wants seconds "
				"(0-31536000), not '%s'", arg);
		o->expires = secs;
		break;
	}
	case OPT_FROM: o->from = arg; break;
	case OPT_DNS_SERVER: o->dns_server = arg; break;
	case OPT_STORE: o->store = arg; break;
	case OPT_NO_PROMPT: o->no_prompt = true; break;
	case OPT_NO_STORE: o->no_store = true; break;
	case OPT_STRICT: o->strict = true; break;
	case OPT_LOGIN: o->login = arg; break;
	case OPT_OUT: o->out = arg; break;
	case OPT_FROM_FILE: o->from_file = arg; break;
	case OPT_HOST: o->host = arg; break;
	case OPT_SERVICES:
		if (xcv_scan_services_parse(&o->services, arg) < 0)
			return cli_usage_error(cmd, "--services: %s",
				xcv_error_last());
		break;
	case OPT_PORT:
		return take_port(o, cmd, arg);
	case OPT_PARALLEL:
		if (parse_int(arg, 1, 10000, &o->parallel) < 0)
			return cli_usage_error(cmd, "--parallel wants a number "
				"(1-10000), not '%s'", arg);
		break;
	case OPT_NODES_FILE: o->nodes_file = arg; break;
	case OPT_VERBOSE: o->verbose = true; break;
	case OPT_TAP: o->tap = true; break;
	case OPT_KIND:
		if (xcv_csr_kind_parse(&o->kind, arg) < 0)
			return cli_usage_error(cmd, "%s", xcv_error_last());
		break;
	case OPT_NODES:
		if (cli_list_add(&o->nodes, arg) < 0)
			return cli_oom();
		break;
	case OPT_MIN_RSA_BITS:
	case OPT_MAX_RSA_BITS:
		if (parse_int(arg, 512, 16384, id == OPT_MIN_RSA_BITS ?
		    &o->min_rsa_bits : &o->max_rsa_bits) < 0)
			return cli_usage_error(cmd, "--%s wants a number of bits "
				"(512-16384), not '%s'", id == OPT_MIN_RSA_BITS ?
				"min-rsa-bits" : "max-rsa-bits", arg);
		break;
	case OPT_FORBID: o->forbid = arg; break;
	case OPT_TRUST_PLAN: o->trust_plan = arg; break;
	case OPT_FORCE: o->force = true; break;
	case OPT_SYSTEM_STORE: o->system_store = arg; break;
	case OPT_CLIENTS:
	case OPT_REQUIRE_CLIENTS:
		if (check_clients(cmd, id == OPT_CLIENTS ? "--clients" :
		    "--require-clients", arg, true) < 0)
			return EXIT_USAGE;
		*(id == OPT_CLIENTS ? &o->clients : &o->require_clients) = arg;
		break;
	case OPT_JOBS:
		if (parse_int(arg, 1, CLI_MAX_JOBS, &o->jobs) < 0)
			return cli_usage_error(cmd, "--jobs wants a number of "
				"threads (1-%d), not '%s'", CLI_MAX_JOBS, arg);
		break;
	case OPT_HELP:
		cli_help(cmd, stdout);
		cli_plugin_printed();
		return EXIT_VERIFIED;
	case OPT_END:
		break;
	}
	return -1;
}

int
cli_parse(struct opts *o, const struct cli_cmd *cmd, int *argc, char ***argv)
{
	struct option longopts[N_DEFS + 1];
	int c, idx, status = -1;

	*o = (struct opts){ .cmd = cmd, .warn_days = 30, .crit_days = 14,
		.timeout_s = 10, .max_attempts = 5, .raw_argv = *argv,
		.tlsa_usage = -1, .tlsa_selector = -1, .tlsa_type = -1,
		.expires = -1 };
	memset(longopts, 0, sizeof(longopts));
	/* Every option is known, so that one another command takes is
	 * named as such rather than as unknown. */
	for (size_t i = 0; i < N_DEFS; i++)
		longopts[i] = (struct option){ defs[i].name, defs[i].arg ?
			required_argument : no_argument, NULL, (int)defs[i].id };
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(*argc, *argv, ":h", longopts, &idx)) != -1) {
		if (c == 'h')   /* -h, as most tools take it */
			c = OPT_HELP;
		if (c == ':')
			return cli_usage_error(cmd, "option '%s' needs a value",
				(*argv)[optind - 1]);
		if (c == '?' || c < OPT_DOMAIN)
			return cli_usage_error(cmd, "unknown option '%s' for %s",
				(*argv)[optind - 1], cmd->name);
		if (cmd_takes(cmd, (enum opt_id)c) == NULL)
			return cli_usage_error(cmd, "option '--%s' does not apply "
				"to %s", longopts[idx].name, cmd->name);
		o->given |= 1ull << (c - OPT_DOMAIN);
		status = take(o, cmd, (enum opt_id)c, optarg);
		if (status >= 0)
			return status;
	}
	/* A command of one service: a named client profile must judge it. */
	if (cmd_takes(cmd, OPT_SERVICES) == NULL &&
	    (status = clients_serve(cmd, o, o->clients)) < 0)
		status = clients_serve(cmd, o, o->require_clients);
	else if (cmd_takes(cmd, OPT_SERVICES) != NULL)
		status = -1;
	if (status >= 0)
		return status;
	*argc -= optind;
	*argv += optind;
	return -1;
}

bool
cli_given(const struct opts *o, enum opt_id id)
{
	return id >= OPT_DOMAIN && (o->given & (1ull << (id - OPT_DOMAIN)));
}

/*
 * What revocation the options ask for. A live check judges it always and
 * fetches CRLs; other commands judge files, perhaps at a pinned time, and
 * judge revocation only when an option asks for it, from --crl files and
 * the cache, and fetch no CRL. --ocsp asks the leaf's OCSP responder and
 * fetches nothing else; --no-fetch: neither CRLs nor OCSP answers.
 */
unsigned
cli_revocation(const struct opts *o)
{
	bool live = o->cmd != NULL && strcmp(o->cmd->name, "check") == 0;
	unsigned r = 0;

	if (live || o->crls.n || o->ocsp || o->require_revocation)
		r |= XCV_REVOCATION_CHECK;
	if (live && !o->no_fetch)
		r |= XCV_REVOCATION_FETCH_CRL;
	if (o->ocsp && !o->no_fetch)
		r |= XCV_REVOCATION_OCSP;
	if (o->require_revocation)
		r |= XCV_REVOCATION_REQUIRE;
	return r;
}

struct xcv_config *
cli_config(const struct opts *o, int *status)
{
	return cli_config_to(o, status, &(struct sink){0});
}

struct xcv_config *
cli_config_to(const struct opts *o, int *status, struct sink *out)
{
	static const struct { enum xcv_input what; const char *name; } names[] = {
		{ XCV_INPUT_TRUST_ANCHOR, "--ca-file" },
		{ XCV_INPUT_DOMAIN, "--domain" },
		{ XCV_INPUT_ADDRESS, "--resolve HOST:PORT:ADDRESS" },
		{ XCV_INPUT_DIRECT_TLS, "--direct-tls" },
	};
	struct xcv_config *cfg = xcv_config_new();
	int rc = 0;

	if (cfg == NULL) {
		*status = sink_fail(out, XCV_ENOMEM, NULL);
		return NULL;
	}
	xcv_config_set_service(cfg, o->service);
	xcv_config_set_policy(cfg, o->policy);
	xcv_config_set_system_ca(cfg, !o->no_system_ca);
	xcv_config_set_warn_days(cfg, o->warn_days);
	xcv_config_set_strict(cfg, o->strict);
	if (o->clients && (rc = xcv_config_set_clients(cfg, o->clients)) < 0)
		*status = sink_fail(out, rc, "--clients: ");
	else if (o->require_clients &&
	    (rc = xcv_config_require_clients(cfg, o->require_clients)) < 0)
		*status = sink_fail(out, rc, "--require-clients: ");
	if (rc < 0) {
		xcv_config_free(cfg);
		return NULL;
	}
	if (o->at_mode == AT_TIME)
		xcv_config_set_time(cfg, o->at);
	for (size_t i = 0; rc == 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if ((rc = xcv_config_name_input(cfg, names[i].what,
		    names[i].name)) < 0)
			*status = sink_fail(out, rc, NULL);
	for (size_t i = 0; rc == 0 && i < o->ca_files.n; i++)
		if ((rc = xcv_config_add_ca_file(cfg, o->ca_files.v[i])) < 0)
			*status = sink_fail(out, rc, "--ca-file ");
	for (size_t i = 0; rc == 0 && i < o->ca_paths.n; i++)
		if ((rc = xcv_config_add_ca_path(cfg, o->ca_paths.v[i])) < 0)
			*status = sink_fail(out, rc, "--ca-path ");
	for (size_t i = 0; rc == 0 && i < o->crls.n; i++)
		if ((rc = xcv_config_add_crl(cfg, o->crls.v[i])) < 0)
			*status = sink_fail(out, rc, "--crl ");
	xcv_config_set_revocation(cfg, cli_revocation(o));
	if (rc < 0) {
		xcv_config_free(cfg);
		return NULL;
	}
	for (size_t i = 0; i < xcv_config_note_count(cfg); i++)
		sink_printf(out, stderr, "xmppcv: note: %s\n",
			xcv_config_note(cfg, i));
	return cfg;
}

struct xcv_check_params
cli_check_params(const struct opts *o, const char *target)
{
	struct xcv_check_params p = XCV_CHECK_PARAMS_INIT;

	p.target = target;
	p.domain = o->domain;
	p.from = o->from;
	p.direct_tls = o->direct_tls;
	p.resolve = o->resolve.v;
	p.n_resolve = o->resolve.n;
	p.dns_server = o->dns_server;
	p.timeout_ms = o->timeout_s * 1000;
	p.max_attempts = o->max_attempts;
	p.posture = o->posture;
	p.dane = o->dane;
	p.dnssec_anchor = o->dnssec_anchor;
	p.posh = o->posh;
	if (o->as != NULL) {
		p.from = o->as;
		p.s2s_auth = true;
		p.client_cert = o->client_cert;
		p.client_key = o->client_key;
	}
	return p;
}

struct xcv_monitor_params
cli_monitor_params(const struct opts *o)
{
	struct xcv_monitor_params p = XCV_MONITOR_PARAMS_INIT;

	p.warn_days = o->warn_days;
	p.crit_days = o->crit_days;
	if (o->at_mode == AT_TIME)
		p.at = o->at;
	return p;
}

void
cli_fingerprint(FILE *f, const char *hex)
{
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
		fprintf(f, "%s%c%c", i ? ":" : "", toupper((unsigned char)hex[i]),
			toupper((unsigned char)hex[i + 1]));
}

void
cli_store_notes(const struct xcv_store *store)
{
	size_t n = xcv_store_note_count(store);

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "xmppcv: store: %s\n", xcv_store_note(store, i));
	if (n)
		fprintf(stderr, "xmppcv: store: going on with the %zu certificate%s "
			"that could be read\n", xcv_store_count(store),
			xcv_store_count(store) == 1 ? "" : "s");
}

void
cli_store_actions(const struct xcv_store *store)
{
	for (size_t i = 0; i < xcv_store_action_count(store); i++)
		fprintf(stderr, "xmppcv: store: %s\n", xcv_store_action(store, i));
}

/* Output, written at once or kept in order (struct sink, cli.h). */

void
sink_printf(struct sink *s, FILE *f, const char *fmt, ...)
{
	struct sink_part *v;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (!s->keep) {
		vfprintf(f, fmt, ap);
		va_end(ap);
		return;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	v = text ? realloc(s->v, (s->n + 1) * sizeof(*v)) : NULL;
	if (v == NULL) {
		free(text);
		s->oom = true;
		return;
	}
	s->v = v;
	v[s->n++] = (struct sink_part){ f, text };
}

void
sink_write(const struct sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		fputs(s->v[i].text, s->v[i].f);
	if (s->oom)
		fprintf(stderr, "xmppcv: out of memory\n");
}

void
sink_clear(struct sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	s->v = NULL;
	s->n = 0;
	s->oom = false;
}

int
cli_jobs(const struct opts *o)
{
	cpu_set_t set;
	long online;
	int n;

	if (o->jobs > 0)
		return o->jobs;
	online = sysconf(_SC_NPROCESSORS_ONLN);
	n = online > 0 ? (int)(online < CLI_MAX_JOBS ? online : CLI_MAX_JOBS) : 1;
	/* Of those, the ones this process may run on (taskset). */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0 &&
	    CPU_COUNT(&set) < n)
		n = CPU_COUNT(&set);
	return n;
}

/*
 * The pool: workers take units in order of their number, at most WINDOW
 * ahead of the one the calling thread writes next, so that results wait
 * in a bounded ring however many units there are. The writer is woken
 * every few milliseconds, or when the workers run out of units or of
 * room, and writes whatever is done by then: waking it for each unit
 * would take a core's time from the workers on a small machine.
 */
#define WINDOW 1024
#define WRITER_NAP_NS 5000000L

struct pool {
	const struct cli_pool_ops *ops;
	void *arg;
	size_t n, next, written;
	bool stop;
	struct pool_slot {
		void *result;
		bool done;
	} ring[WINDOW];
	pthread_mutex_t lock;
	pthread_cond_t done, room;
};

static void *
pool_worker(void *p_)
{
	struct pool *p = p_;
	void *state = p->ops->start(p->arg);

	for (;;) {
		size_t i;
		void *r;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && p->next < p->n && p->next >= p->written + WINDOW)
			pthread_cond_wait(&p->room, &p->lock);
		if (p->stop || p->next >= p->n) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		/* No state (out of memory): a NULL result says so in order. */
		r = state ? p->ops->work(state, i) : NULL;
		pthread_mutex_lock(&p->lock);
		p->ring[i % WINDOW].result = r;
		p->ring[i % WINDOW].done = true;
		/* The end is near, or the ring is full: the writer is due. */
		if (p->next >= p->n || p->next >= p->written + WINDOW)
			pthread_cond_broadcast(&p->done);
		pthread_mutex_unlock(&p->lock);
	}
	if (state)
		p->ops->stop(state);
	return NULL;
}

int
cli_pool_run(size_t n, int jobs, const struct cli_pool_ops *ops, void *arg)
{
	struct pool *p = calloc(1, sizeof(*p));
	pthread_t tid[CLI_MAX_JOBS];
	void *here = NULL;
	int started = 0;

	if (p == NULL)
		return cli_oom();
	p->ops = ops;
	p->arg = arg;
	p->n = n;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->room, NULL);
	if (jobs > CLI_MAX_JOBS)
		jobs = CLI_MAX_JOBS;
	if ((size_t)jobs > n)
		jobs = (int)n;
	for (int k = 0; k < jobs; k++)
		if (pthread_create(&tid[started], NULL, pool_worker, p) == 0)
			started++;
	/* No thread could start: do the work here, in order. */
	if (started == 0)
		here = ops->start(arg);
	for (size_t i = 0; i < n; i++) {
		struct pool_slot *slot = &p->ring[i % WINDOW];
		void *r;
		bool stop;

		if (started == 0) {
			r = here ? ops->work(here, i) : NULL;
		} else {
			pthread_mutex_lock(&p->lock);
			while (!slot->done) {
				struct timespec t;
				clock_gettime(CLOCK_REALTIME, &t);
				t.tv_nsec += WRITER_NAP_NS;
				if (t.tv_nsec >= 1000000000L) {
					t.tv_sec++;
					t.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&p->done, &p->lock, &t);
			}
			r = slot->result;
			slot->result = NULL;
			slot->done = false;
			p->written = i + 1;
			pthread_cond_broadcast(&p->room);
			pthread_mutex_unlock(&p->lock);
		}
		stop = ops->deliver(arg, i, r);
		if (stop) {
			pthread_mutex_lock(&p->lock);
			p->stop = true;
			pthread_cond_broadcast(&p->room);
			pthread_mutex_unlock(&p->lock);
			break;
		}
	}
	for (int k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	if (here)
		ops->stop(here);
	/* After a stop: what was done beyond it is never written. */
	for (size_t k = 0; k < WINDOW; k++)
		if (p->ring[k].done)
			ops->discard(p->ring[k].result);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return 0;
}

struct xcv_plan *
cli_plan_new(const struct opts *o, const char *dir, int *status)
{
	struct xcv_plan_params p = { .system_store = o->system_store,
		.have_time = o->at_mode == AT_TIME, .at = o->at };
	struct xcv_plan *plan = NULL;
	int rc;

	if ((rc = xcv_plan_check_folder(dir, o->force)) < 0) {
		*status = cli_fail(rc, "trust plan: ");
		if (rc == XCV_EINPUT && !o->force && strstr(xcv_error_last(),
		    "not empty") != NULL)
			fprintf(stderr, "xmppcv: --force replaces an earlier plan\n");
		return NULL;
	}
	rc = xcv_plan_new(&plan, &p);
	if (rc < 0) {
		*status = cli_fail(rc, o->system_store ? "--system-store: " : NULL);
		return NULL;
	}
	return plan;
}

int
cli_plan_write(const struct opts *o, struct xcv_plan *plan, const char *dir,
	bool required)
{
	char *text;
	int rc;

	if (xcv_plan_endpoint_count(plan) == 0) {
		fprintf(stderr, "xmppcv: trust plan: nothing to plan for: no c2s, "
			"xmpps or https endpoint gave a certificate; nothing was "
			"written to %s\n", dir);
		return required ? EXIT_USAGE : 0;
	}
	if ((rc = xcv_plan_write(plan, dir, o->force)) < 0)
		return cli_fail(rc, "trust plan: ");
	if ((text = xcv_plan_summary(plan)) == NULL)
		return cli_oom();
	fprintf(stderr, "xmppcv: trust plan written to %s%s (see PLAN.md there):"
		"\n%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", text);
	free(text);
	return 0;
}
