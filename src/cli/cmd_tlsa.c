/* xmppcv tlsa: the TLSA records to publish for a certificate and the next
 * one (RFC 7673, RFC 7671 §8.1 on rollover). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_USAGE },
	{ .id = OPT_SELECTOR },
	{ .id = OPT_TYPE },
	{ .id = OPT_HOST, .help = "the SRV target the records are for: print "
	  "whole zone-file lines (_PORT._tcp.H. IN TLSA ...)" },
	{ .id = OPT_SERVICE, .arg = "c2s|s2s", .help = "with --host, the port "
	  "5222 (c2s, the default) or 5269 (s2s)" },
	{ .id = OPT_PORT, .help = "with --host, another port: c2s=PORT or "
	  "s2s=PORT, as the SRV record says" },
	{ .id = OPT_END },
};

static int
port_of(const struct opts *o)
{
	/* --port takes SERVICE=PORT; o->ports is by scan service bit. */
	int i = o->service == XCV_SERVICE_S2S ? 1 : 0;
	return o->ports[i] ? o->ports[i] : i ? 5269 : 5222;
}

/* The record for file into r; an exit status. */
static int
record(const struct opts *o, const char *file, struct xcv_tlsa_record *r)
{
	struct xcv_chain *chain = NULL;
	char prefix[512];
	int rc;

	if ((rc = xcv_chain_load_file(&chain, file)) < 0)
		return cli_fail(rc, "");
	rc = xcv_tlsa_record(r, chain, o->tlsa_usage < 0 ? 3 : o->tlsa_usage,
		o->tlsa_selector < 0 ? 1 : o->tlsa_selector,
		o->tlsa_type < 0 ? 1 : o->tlsa_type);
	xcv_chain_free(chain);
	if (rc < 0) {
		snprintf(prefix, sizeof(prefix), "%s: ", file);
		return cli_fail(rc, prefix);
	}
	return EXIT_VERIFIED;
}

static void
print(const struct opts *o, const char *file, const char *what,
	const struct xcv_tlsa_record *r, bool again)
{
	char until[32] = "?";
	time_t t = (time_t)r->not_after;
	struct tm tm;

	if (r->not_after && gmtime_r(&t, &tm) != NULL)
		strftime(until, sizeof(until), "%Y-%m-%d", &tm);
	printf("; %s certificate%s: %s (%s, expires %s)\n", what,
		r->index ? ", its CA" : "", r->subject, file, until);
	if (again)
		printf("; the same record as above: the next certificate keeps "
			"what it names\n");
	else if (o->host)
		printf("_%d._tcp.%s%s IN TLSA %s\n", port_of(o), o->host,
			o->host[strlen(o->host) - 1] == '.' ? "" : ".", r->data);
	else
		printf("%s\n", r->data);
}

static int
run(struct opts *o, int argc, char **argv)
{
	static const char *const what[] = { "current", "next" };
	struct xcv_tlsa_record r[2] = { { 0 }, { 0 } };
	int status = EXIT_VERIFIED;

	if (argc < 1 || argc > 2)
		return cli_usage_error(&cmd_tlsa, "want CERT, and optionally "
			"NEXT_CERT");
	if (o->service == XCV_SERVICE_HTTPS)
		return cli_usage_error(&cmd_tlsa, "--service wants c2s or s2s");
	if (o->host != NULL && o->host[0] == '\0')
		return cli_usage_error(&cmd_tlsa, "--host wants a name");
	/* Said, not ignored: the port names the record only with a host. */
	if (o->host == NULL && (cli_given(o, OPT_PORT) ||
	    cli_given(o, OPT_SERVICE)))
		return cli_usage_error(&cmd_tlsa, "--%s names the record's port: "
			"give --host too", cli_given(o, OPT_PORT) ? "port" :
			"service");
	/* Every file read before anything is printed. */
	for (int i = 0; i < argc && status == EXIT_VERIFIED; i++)
		status = record(o, argv[i], &r[i]);
	if (status != EXIT_VERIFIED)
		goto out;
	for (int i = 0; i < argc; i++)
		print(o, argv[i], what[i], &r[i], i == 1 &&
			strcmp(r[0].data, r[1].data) == 0);
	if (o->host == NULL)
		printf("; publish as _PORT._tcp.HOST. IN TLSA <record> for each "
			"SRV target HOST and PORT of the domain (RFC 7673), in a "
			"DNSSEC-signed zone\n");
	if (argc == 2)
		printf("; publish both before the server presents the next "
			"certificate, and remove the current one's after (RFC 7671 "
			"§8.1)\n");
out:
	xcv_tlsa_record_clear(&r[0]);
	xcv_tlsa_record_clear(&r[1]);
	return status;
}

const struct cli_cmd cmd_tlsa = {
	.name = "tlsa",
	.synopsis = "[--usage N --selector N --type N] [--host H [--service "
		"c2s|s2s] [--port SERVICE=PORT]] CERT [NEXT_CERT]",
	.summary = "print the DANE TLSA records to publish for a certificate",
	.description =
		"Prints the TLSA record (RFC 6698) that publishes CERT for DANE\n"
		"(RFC 7673), and that of NEXT_CERT when given: publish both before\n"
		"the server switches to the next certificate. Usage 3 (DANE-EE, the\n"
		"default) and 1 name the server's own certificate; 2 (DANE-TA) and 0\n"
		"name the last CA certificate of the file, which must hold the chain\n"
		"the server sends. Without --host the record data is printed, with a\n"
		"comment saying how to name it: _PORT._tcp.HOST for each SRV target.\n"
		"Lines starting with ';' are zone-file comments.",
	.opts = options,
	.run = run,
};
