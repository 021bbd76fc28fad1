/* xmppcv replay: verify captured cases again and compare the verdicts. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd_opt options[] = {
	{ .id = OPT_AT, .arg = "captured|now|TIME", .help = "verify as at each "
	  "case's capture time (the default), now, or TIME" },
	{ .id = OPT_POLICY, .help = "replay under this policy instead of each "
	  "case's own" },
	{ .id = OPT_TAP },
	{ .id = OPT_CA_FILE, .help = "trust the certificates in F too; "
	  "repeatable" },
	{ .id = OPT_CA_PATH, .help = "trust every certificate file in DIR too; "
	  "repeatable" },
	{ .id = OPT_NO_SYSTEM_CA }, { .id = OPT_WARN_DAYS },
	{ .id = OPT_STRICT }, { .id = OPT_JOBS },
	{ .id = OPT_END },
};

struct paths {
	char **v;
	size_t n;
};

static int
add_case(struct paths *out, char *dir)
{
	char **v = realloc(out->v, (out->n + 1) * sizeof(*v));

	if (v == NULL) {
		free(dir);
		return XCV_ENOMEM;
	}
	out->v = v;
	v[out->n++] = dir;
	return 0;
}

/*
 * Case directories under dir (dir itself if it is one), sorted, at most
 * 16 levels down. Each subdirectory is looked at from its parent's file
 * descriptor, and only through a stat() when the directory entry does not
 * say what it is: finding cases is the part of replay that no thread
 * shares.
 */
static int
find_cases(struct paths *out, const char *dir, int depth)
{
	struct dirent **names = NULL;
	struct stat st;
	char *path;
	int n, fd, rc = 0;

	if (depth > 16)
		return 0;
	if ((path = malloc(strlen(dir) + 12)) == NULL)
		return XCV_ENOMEM;
	sprintf(path, "%s/case.json", dir);
	if (stat(path, &st) == 0) {
		free(path);
		return (path = strdup(dir)) ? add_case(out, path) : XCV_ENOMEM;
	}
	free(path);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	n = fd < 0 ? -1 : scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const struct dirent *e = names[i];
		char probe[sizeof(e->d_name) + 12];
		bool is_dir = e->d_type == DT_DIR;
		if (rc < 0 || e->d_name[0] == '.')
			goto next;
		if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK)
			is_dir = fstatat(fd, e->d_name, &st, 0) == 0 &&
				S_ISDIR(st.st_mode);
		if (!is_dir)
			goto next;
		path = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (path == NULL) {
			rc = XCV_ENOMEM;
			goto next;
		}
		sprintf(path, "%s/%s", dir, e->d_name);
		snprintf(probe, sizeof(probe), "%s/case.json", e->d_name);
		if (depth + 1 <= 16 && fstatat(fd, probe, &st, 0) == 0)
			rc = add_case(out, path);
		else {
			rc = find_cases(out, path, depth + 1);
			free(path);
		}
next:
		free(names[i]);
	}
	free(names);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Configurations by trust key: cases that share anchors share one. */
struct slots {
	struct slot {
		char *key;
		struct xcv_config *cfg;
	} *v;
	size_t n;
};

static void
slots_clear(struct slots *s)
{
	for (size_t k = 0; k < s->n; k++) {
		free(s->v[k].key);
		xcv_config_free(s->v[k].cfg);
	}
	free(s->v);
}

/*
 * What one thread replays with: its configurations and its certificate
 * cache. Alone, it makes each configuration from the options, as needed
 * (cli_config, which writes its notes then); among threads, each copies
 * the one made from the options beforehand (tmpl; NULL if that failed),
 * and the thread that writes the output in order writes its notes (see
 * deliver()).
 */
struct replayer {
	const struct opts *o;
	const struct paths *cases;
	struct slots slots;
	struct xcv_chain_cache *cache;
	bool threads;
	const struct xcv_config *tmpl;
	int tmpl_status;
};

static int
sink_oom(struct sink *out)
{
	sink_printf(out, stderr, "xmppcv: out of memory\n");
	return EXIT_INTERNAL;
}

/*
 * The configuration for case c: shared, or made now. NULL with *status set
 * when nothing can go on (out of memory, bad trust options); NULL alone
 * when this case cannot be configured (the library's message says why).
 */
static struct xcv_config *
config_for(struct replayer *r, const struct xcv_case *c, int *status,
	struct sink *out)
{
	struct slots *s = &r->slots;
	const char *key = xcv_case_trust_key(c);
	struct xcv_config *cfg;
	struct slot *v;
	int rc;
	char *k;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return s->v[i].cfg;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL) {
		*status = sink_oom(out);
		return NULL;
	}
	s->v = v;
	if (!r->threads) {
		if ((cfg = cli_config_to(r->o, status, out)) == NULL)
			return NULL;
	} else if (r->tmpl == NULL) {
		*status = r->tmpl_status;   /* deliver() writes why */
		return NULL;
	} else if ((cfg = xcv_config_dup(r->tmpl)) == NULL) {
		*status = sink_oom(out);
		return NULL;
	}
	if ((rc = xcv_case_configure(c, cfg)) < 0) {
		xcv_config_free(cfg);
		if (rc == XCV_ENOMEM)
			*status = sink_oom(out);
		return NULL;     /* else *status untouched: the case is unreadable */
	}
	if (r->o->have_policy)
		xcv_config_set_policy(cfg, r->o->policy);
	if ((k = strdup(key)) == NULL) {
		xcv_config_free(cfg);
		*status = sink_oom(out);
		return NULL;
	}
	v[s->n++] = (struct slot){ k, cfg };
	return cfg;
}

/* One case replayed: what it writes and what it adds up to. */
struct replayed {
	struct sink out;
	int status;          /* the exit status it calls for, or -1 */
	bool fatal;          /* nothing can go on */
	enum { NONE, SAME, CHANGED, BROKEN } kind;
	char *key;           /* threads: the trust key of a case that loaded */
	bool configured;     /* ... whose configuration was made */
};

static void
replayed_free(void *p)
{
	struct replayed *d = p;

	if (d == NULL)
		return;
	sink_clear(&d->out);
	free(d->key);
	free(d);
}

/* Replay case number i (from 1) in dir into d. */
static void
replay_one(struct replayer *r, size_t i, const char *dir, struct replayed *d)
{
	const struct opts *o = r->o;
	struct sink *out = &d->out;
	struct xcv_case *c = NULL;
	struct xcv_result *res = NULL;
	struct xcv_config *cfg = NULL;
	char *diff = NULL;
	int status = -1, rc;

	rc = xcv_case_load_cached(&c, dir, r->cache);
	if (rc == 0 && r->threads &&
	    (d->key = strdup(xcv_case_trust_key(c))) == NULL) {
		status = sink_oom(out);
		d->fatal = true;
		goto out;
	}
	if (rc == 0 && (cfg = config_for(r, c, &status, out)) == NULL &&
	    status >= 0) {
		d->fatal = true;
		goto out;
	}
	d->configured = cfg != NULL;
	if (rc == 0 && cfg != NULL) {
		if (o->at_mode == AT_CAPTURED || o->at_mode == AT_DEFAULT)
			xcv_config_set_time(cfg, xcv_case_captured(c));
		/* Only the verdict is compared: no descriptions. */
		rc = xcv_verify_verdict(&res, cfg, xcv_case_chain(c),
			xcv_case_domain(c));
	} else if (rc == 0) {
		rc = XCV_EINPUT;
	}
	if (rc == XCV_ENOMEM) {
		status = sink_fail(out, rc, NULL);
		d->fatal = true;
		goto out;
	}
	if (rc < 0) {
		d->kind = BROKEN;
		if (o->tap)
			sink_printf(out, stdout, "not ok %zu - %s: unreadable case: "
				"%s\n", i, dir, xcv_error_last());
		else
			sink_printf(out, stdout, "BROKEN   %s: %s\n", dir,
				xcv_error_last());
		sink_printf(out, stderr, "xmppcv: unreadable case %s: %s\n", dir,
			xcv_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	if (xcv_case_diff(&diff, c, res) < 0) {
		status = sink_fail(out, XCV_ENOMEM, NULL);
		d->fatal = true;
		goto out;
	}
	if (diff == NULL) {
		d->kind = SAME;
		if (o->tap)
			sink_printf(out, stdout, "ok %zu - %s: unchanged (%s)\n", i,
				dir, xcv_case_recorded(c));
		else
			sink_printf(out, stdout, "same     %s: %s\n", dir,
				xcv_case_recorded(c));
		status = EXIT_VERIFIED;
	} else {
		d->kind = CHANGED;
		if (o->tap)
			sink_printf(out, stdout, "not ok %zu - %s: %s\n", i, dir,
				diff);
		else
			sink_printf(out, stdout, "CHANGED  %s: %s\n", dir, diff);
		status = EXIT_NOT_VERIFIED;
	}
out:
	d->status = status;
	free(diff);
	xcv_result_free(res);
	xcv_case_free(c);
}

/* The whole run: the cases, and what has been written. */
struct run {
	const struct opts *o;
	struct paths cases;
	size_t same, changed, broken;
	int status;
	/* Threads: the configuration every one copies, what making it
	 * wrote (its notes, or why it failed), and the trust keys whose
	 * configuration a case has needed so far, in the cases' order. */
	struct xcv_config *tmpl;
	int tmpl_status;
	struct sink tmpl_out;
	struct slots seen;
	bool stopped;        /* a case said nothing can go on */
};

/* Add up one replayed case; true when nothing can go on. */
static bool
count(struct run *run, const struct replayed *d)
{
	run->same += d->kind == SAME;
	run->changed += d->kind == CHANGED;
	run->broken += d->kind == BROKEN;
	if (d->status > run->status)
		run->status = d->status;
	return d->fatal;
}

static void *
worker_start(void *arg)
{
	struct run *run = arg;
	struct replayer *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->o = run->o;
	r->cases = &run->cases;
	r->threads = true;
	r->tmpl = run->tmpl;
	r->tmpl_status = run->tmpl_status;
	/* A context of its own: threads do not wait on OpenSSL's locks. */
	if ((r->cache = xcv_chain_cache_new(true)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
worker_stop(void *state)
{
	struct replayer *r = state;

	slots_clear(&r->slots);
	xcv_chain_cache_free(r->cache);
	free(r);
}

static void *
worker_work(void *state, size_t i)
{
	struct replayer *r = state;
	struct replayed *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->out.keep = true;
	replay_one(r, i + 1, r->cases->v[i], d);
	return d;
}

/*
 * In the cases' order: what a case wrote, after the notes on its
 * configuration when it is the first to need that trust key, as one
 * thread alone writes them when it makes that configuration.
 */
static bool
deliver(void *arg, size_t i, void *result)
{
	struct run *run = arg;
	struct replayed *d = result;
	bool seen = false;

	(void)i;
	if (d == NULL) {
		if (cli_oom() > run->status)
			run->status = EXIT_INTERNAL;
		run->stopped = true;
		return true;
	}
	for (size_t k = 0; d->key && k < run->seen.n && !seen; k++)
		seen = strcmp(run->seen.v[k].key, d->key) == 0;
	if (d->key && !seen) {
		sink_write(&run->tmpl_out);
		if (run->tmpl == NULL) {
			if (run->tmpl_status > run->status)
				run->status = run->tmpl_status;
			run->stopped = true;
		} else if (d->configured) {
			struct slot *v = realloc(run->seen.v, (run->seen.n + 1) *
				sizeof(*v));
			if (v == NULL) {
				run->status = cli_oom();
				run->stopped = true;
			} else {
				run->seen.v = v;
				v[run->seen.n++] = (struct slot){ d->key, NULL };
				d->key = NULL;
			}
		}
	}
	if (!run->stopped) {
		sink_write(&d->out);
		run->stopped = count(run, d);
	}
	replayed_free(d);
	return run->stopped;
}

static void
replay_threads(struct run *run, int jobs)
{
	static const struct cli_pool_ops ops = {
		.start = worker_start, .stop = worker_stop, .work = worker_work,
		.deliver = deliver, .discard = replayed_free,
	};
	int status;

	run->tmpl_out.keep = true;
	run->tmpl = cli_config_to(run->o, &run->tmpl_status, &run->tmpl_out);
	status = cli_pool_run(run->cases.n, jobs, &ops, run);
	if (status > run->status)
		run->status = status;
	xcv_config_free(run->tmpl);
	sink_clear(&run->tmpl_out);
	slots_clear(&run->seen);
}

/* One thread, one case after another: the configurations made as they
 * are needed, everything written as it happens. */
static bool
replay_alone(struct run *run)
{
	struct replayer r = { .o = run->o };
	bool fatal = false;

	if ((r.cache = xcv_chain_cache_new(false)) == NULL) {
		run->status = cli_oom();
		return true;
	}
	for (size_t i = 0; i < run->cases.n && !fatal; i++) {
		struct replayed d = {0};
		replay_one(&r, i + 1, run->cases.v[i], &d);
		fatal = count(run, &d);
		free(d.key);
	}
	slots_clear(&r.slots);
	xcv_chain_cache_free(r.cache);
	return fatal;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct run run = { .o = o, .status = EXIT_VERIFIED };
	struct paths *cases = &run.cases;
	int jobs = cli_jobs(o);
	bool fatal = false;

	if (argc == 0)
		return cli_usage_error(&cmd_replay, "replay: no DIR given: name "
			"directories of captured cases");
	for (int i = 0; i < argc; i++) {
		size_t before = cases->n;
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xmppcv: replay: %s is not a directory\n",
				argv[i]);
			run.status = EXIT_USAGE;
			continue;
		}
		if (find_cases(cases, argv[i], 0) < 0) {
			run.status = cli_oom();
			goto out;
		}
		if (cases->n == before) {
			fprintf(stderr, "xmppcv: replay: no case (a directory with "
				"case.json) under %s\n", argv[i]);
			run.status = EXIT_USAGE;
		}
	}
	if (o->tap)
		printf("TAP version 13\n1..%zu\n", cases->n);
	if (jobs > 1 && cases->n > 1) {
		replay_threads(&run, jobs);
		fatal = run.stopped;
	} else {
		fatal = replay_alone(&run);
	}
	if (fatal)
		goto out;
	if (!o->tap)
		printf("%zu case%s: %zu same, %zu changed, %zu unreadable\n",
			cases->n, cases->n == 1 ? "" : "s", run.same, run.changed,
			run.broken);
	else
		printf("# %zu same, %zu changed, %zu unreadable\n", run.same,
			run.changed, run.broken);
out:
	for (size_t i = 0; i < cases->n; i++)
		free(cases->v[i]);
	free(cases->v);
	return run.status;
}

const struct cli_cmd cmd_replay = {
	.name = "replay",
	.synopsis = "[--at captured|now|TIME] [--policy P] [--tap] "
		"[trust options] DIR...",
	.summary = "verify captured cases again and report any changed verdict",
	.description =
		"Find every case under each DIR (a directory holding case.json),\n"
		"verify its chain again with its own anchors plus any trust\n"
		"options, as at its capture time unless --at says otherwise, and\n"
		"compare the verdict with the one recorded. Exits 1 when any\n"
		"verdict changed, 2 when a case cannot be read (it is named).\n"
		"Cases are replayed on --jobs threads; the output is that of one.",
	.opts = options,
	.run = run,
};
