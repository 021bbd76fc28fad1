/* xmppcv verify: judge certificate chain files. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_DOMAIN, .help = "the XMPP domain (for --service https, "
	  "the host name or address); required" },
	{ .id = OPT_SERVICE }, { .id = OPT_POLICY }, { .id = OPT_CA_FILE },
	{ .id = OPT_CA_PATH }, { .id = OPT_NO_SYSTEM_CA }, { .id = OPT_AT },
	{ .id = OPT_WARN_DAYS },
	{ .id = OPT_STRICT }, { .id = OPT_CLIENTS },
	{ .id = OPT_REQUIRE_CLIENTS }, { .id = OPT_CRL, .help = "judge "
	  "revocation with this CRL (PEM or DER); repeatable. verify fetches "
	  "no CRL itself" }, { .id = OPT_OCSP, .help = "judge revocation, "
	  "asking the OCSP responder the certificate names" },
	{ .id = OPT_REQUIRE_REVOCATION },
	{ .id = OPT_JSON, .help = "one JSON object per file, one per line" },
	{ .id = OPT_JOBS },
	{ .id = OPT_END },
};

/*
 * "-": the chain on standard input, as Unix tools read it. Reads at most
 * one byte more than a chain may hold, so that the library names what is
 * too large. Returns -1 to go on, or an exit status.
 */
static int
read_stdin(unsigned char **out, size_t *len)
{
	const size_t limit = (4u << 20) + 1;
	size_t cap = 1 << 16, got;
	unsigned char *buf = malloc(cap), *more;

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return cli_oom();
	while (*len < limit &&
	    (got = fread(buf + *len, 1, cap - *len, stdin)) > 0) {
		*len += got;
		if (*len == cap && cap < limit) {
			cap = cap * 2 < limit ? cap * 2 : limit;
			if ((more = realloc(buf, cap)) == NULL) {
				free(buf);
				return cli_oom();
			}
			buf = more;
		}
	}
	if (ferror(stdin)) {
		free(buf);
		fprintf(stderr, "xmppcv: standard input: cannot read it\n");
		return EXIT_USAGE;
	}
	*out = buf;
	return -1;
}

/* Judge one file (the first if first) into out; its exit status. */
static int
verify_one(struct xcv_config *cfg, struct xcv_chain_cache *cache,
	const struct opts *o, const char *file, bool first, struct sink *out)
{
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	unsigned char *data = NULL;
	char *text = NULL;
	size_t len;
	int status, rc;

	if (strcmp(file, "-") == 0) {
		if ((status = read_stdin(&data, &len)) >= 0)
			goto out;
		rc = xcv_chain_load_mem_cached(&chain, data, len,
			"standard input", cache);
	} else {
		rc = xcv_chain_load_file_cached(&chain, file, cache);
	}
	if (rc == 0) {
		for (size_t i = 0; i < xcv_chain_note_count(chain); i++)
			sink_printf(out, stderr, "xmppcv: note: %s\n",
				xcv_chain_note(chain, i));
		rc = xcv_verify(&res, cfg, chain, o->domain);
	}
	if (rc < 0) {
		status = sink_fail(out, rc, NULL);
		if (o->json && status != EXIT_INTERNAL &&
		    (text = xcv_input_error_to_json("file", file,
		    xcv_error_last())) != NULL)
			sink_printf(out, stdout, "%s\n", text);
		goto out;
	}
	text = o->json ? xcv_result_to_json(res, file) :
		xcv_result_to_text(res, file);
	if (text == NULL) {
		status = sink_fail(out, XCV_ENOMEM, NULL);
		goto out;
	}
	if (o->json)
		sink_printf(out, stdout, "%s\n", text);
	else
		sink_printf(out, stdout, "%s%s", first ? "" : "\n", text);
	status = cli_exit_for_verdict(xcv_result_verdict(res));
out:
	free(data);
	free(text);
	xcv_result_free(res);
	xcv_chain_free(chain);
	return status;
}

/* Files on threads: each its own configuration (a copy) and cache. */
struct files {
	const struct opts *o;
	const struct xcv_config *cfg;
	char **argv;
	int status;
};

struct verifier {
	const struct files *f;
	struct xcv_config *cfg;
	struct xcv_chain_cache *cache;
};

struct verified {
	struct sink out;
	int status;
};

static void *
worker_start(void *arg)
{
	struct verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->f = arg;
	v->cfg = xcv_config_dup(v->f->cfg);
	v->cache = xcv_chain_cache_new(true);
	if (v->cfg == NULL || v->cache == NULL) {
		xcv_config_free(v->cfg);
		xcv_chain_cache_free(v->cache);
		free(v);
		return NULL;
	}
	return v;
}

static void
worker_stop(void *state)
{
	struct verifier *v = state;

	xcv_config_free(v->cfg);
	xcv_chain_cache_free(v->cache);
	free(v);
}

static void *
worker_work(void *state, size_t i)
{
	struct verifier *v = state;
	struct verified *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->out.keep = true;
	d->status = verify_one(v->cfg, v->cache, v->f->o, v->f->argv[i], i == 0,
		&d->out);
	return d;
}

static void
verified_free(void *p)
{
	struct verified *d = p;

	if (d != NULL)
		sink_clear(&d->out);
	free(d);
}

static bool
deliver(void *arg, size_t i, void *result)
{
	struct files *f = arg;
	struct verified *d = result;
	int status = d ? d->status : cli_oom();

	(void)i;
	if (d != NULL)
		sink_write(&d->out);
	fflush(stdout);
	if (status > f->status)
		f->status = status;
	verified_free(d);
	return false;
}

static int
run(struct opts *o, int argc, char **argv)
{
	static const struct cli_pool_ops ops = {
		.start = worker_start, .stop = worker_stop, .work = worker_work,
		.deliver = deliver, .discard = verified_free,
	};
	struct files f = { .o = o, .argv = argv, .status = EXIT_VERIFIED };
	struct xcv_chain_cache *cache = NULL;
	struct xcv_config *cfg;
	bool stdin_too = false;
	int jobs = cli_jobs(o);

	if (argc == 0)
		return cli_usage_error(&cmd_verify, "verify: no FILE given: name "
			"one or more chain files (leaf first)");
	if (o->domain == NULL)
		return cli_usage_error(&cmd_verify, "verify: --domain is "
			"required: the XMPP domain that clients use (for --service "
			"https, the host name)");
	cfg = cli_config(o, &f.status);
	if (cfg == NULL)
		return f.status;
	f.cfg = cfg;
	for (int i = 0; i < argc; i++)
		stdin_too |= strcmp(argv[i], "-") == 0;
	/* Standard input is read where it comes in the order: one thread. */
	if (jobs > 1 && argc > 1 && !stdin_too) {
		int s = cli_pool_run((size_t)argc, jobs, &ops, &f);
		if (s > f.status)
			f.status = s;
	} else if ((cache = xcv_chain_cache_new(false)) == NULL) {
		f.status = cli_oom();
	} else {
		for (int i = 0; i < argc; i++) {
			int s = verify_one(cfg, cache, o, argv[i], i == 0,
				&(struct sink){0});
			fflush(stdout);
			if (s > f.status)
				f.status = s;
		}
	}
	xcv_chain_cache_free(cache);
	xcv_config_free(cfg);
	return f.status;
}

const struct cli_cmd cmd_verify = {
	.name = "verify",
	.synopsis = "--domain D [options] FILE...",
	.summary = "judge certificate chain files for an XMPP domain",
	.description =
		"Judge each FILE ('-' for standard input), a certificate chain as\n"
		"a server presents it (PEM certificates, the server's own first,\n"
		"or one DER certificate), for the XMPP domain D, as a careful XMPP\n"
		"client does: chain trust, then the identity (xmppAddr, SRVName,\n"
		"dNSName, Subject CN as a fallback). Each file gets its own\n"
		"report: the verdict first, then why, then what to do. Files are\n"
		"judged on --jobs threads; the output is that of one.",
	.opts = options,
	.run = run,
};
