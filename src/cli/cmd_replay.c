/* xmppcv replay: verify captured cases again and compare the verdicts. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	{ .id = OPT_STRICT },
	{ .id = OPT_END },
};

struct paths {
	char **v;
	size_t n;
};

/* Case directories under dir (dir itself if it is one), sorted. */
static int
find_cases(struct paths *out, const char *dir, int depth)
{
	struct dirent **names = NULL;
	struct stat st;
	char *probe;
	int n, rc = 0;

	if (depth > 16)
		return 0;
	if ((probe = malloc(strlen(dir) + 12)) == NULL)
		return XCV_ENOMEM;
	sprintf(probe, "%s/case.json", dir);
	if (stat(probe, &st) == 0) {
		char **v = realloc(out->v, (out->n + 1) * sizeof(*v));
		free(probe);
		if (v == NULL)
			return XCV_ENOMEM;
		out->v = v;
		if ((v[out->n] = strdup(dir)) == NULL)
			return XCV_ENOMEM;
		out->n++;
		return 0;
	}
	free(probe);
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *sub = NULL;
		if (rc == 0 && names[i]->d_name[0] != '.') {
			sub = malloc(strlen(dir) + strlen(names[i]->d_name) + 2);
			if (sub == NULL)
				rc = XCV_ENOMEM;
			else
				sprintf(sub, "%s/%s", dir, names[i]->d_name);
		}
		if (sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc = find_cases(out, sub, depth + 1);
		free(sub);
		free(names[i]);
	}
	free(names);
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
 * The configuration for case c: shared, or made now. NULL with *status set
 * when nothing can go on (out of memory, bad trust options); NULL alone
 * when this case cannot be configured (the library's message says why).
 */
static struct xcv_config *
config_for(struct slots *s, const struct opts *o, const struct xcv_case *c,
	int *status)
{
	const char *key = xcv_case_trust_key(c);
	struct xcv_config *cfg;
	struct slot *v;
	char *k;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return s->v[i].cfg;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL) {
		*status = cli_oom();
		return NULL;
	}
	s->v = v;
	if ((cfg = cli_config(o, status)) == NULL)
		return NULL;
	if (xcv_case_configure(c, cfg) < 0) {
		xcv_config_free(cfg);
		return NULL;     /* *status untouched: this case is unreadable */
	}
	if (o->have_policy)
		xcv_config_set_policy(cfg, o->policy);
	if ((k = strdup(key)) == NULL) {
		xcv_config_free(cfg);
		*status = cli_oom();
		return NULL;
	}
	v[s->n++] = (struct slot){ k, cfg };
	return cfg;
}

struct tally {
	size_t same, changed, broken;
};

/* Replay case number i (from 1) in dir; the exit status it calls for.
 * *fatal: nothing can go on. */
static int
replay_one(struct slots *slots, const struct opts *o, size_t i,
	const char *dir, struct tally *t, bool *fatal)
{
	struct xcv_case *c = NULL;
	struct xcv_result *res = NULL;
	struct xcv_config *cfg = NULL;
	char *diff = NULL;
	int status = -1, rc;

	rc = xcv_case_load(&c, dir);
	if (rc == 0 && (cfg = config_for(slots, o, c, &status)) == NULL &&
	    status >= 0) {
		*fatal = true;
		goto out;
	}
	if (rc == 0 && cfg != NULL) {
		if (o->at_mode == AT_CAPTURED || o->at_mode == AT_DEFAULT)
			xcv_config_set_time(cfg, xcv_case_captured(c));
		rc = xcv_verify(&res, cfg, xcv_case_chain(c), xcv_case_domain(c));
	} else if (rc == 0) {
		rc = XCV_EINPUT;
	}
	if (rc == XCV_ENOMEM) {
		status = cli_fail(rc, NULL);
		*fatal = true;
		goto out;
	}
	if (rc < 0) {
		t->broken++;
		if (o->tap)
			printf("not ok %zu - %s: unreadable case: %s\n", i, dir,
				xcv_error_last());
		else
			printf("BROKEN   %s: %s\n", dir, xcv_error_last());
		fprintf(stderr, "xmppcv: unreadable case %s: %s\n", dir,
			xcv_error_last());
		status = EXIT_USAGE;
		goto out;
	}
	diff = xcv_case_diff(c, res);
	if (diff == NULL) {
		t->same++;
		if (o->tap)
			printf("ok %zu - %s: unchanged (%s)\n", i, dir,
				xcv_case_recorded(c));
		else
			printf("same     %s: %s\n", dir, xcv_case_recorded(c));
		status = EXIT_VERIFIED;
	} else {
		t->changed++;
		if (o->tap)
			printf("not ok %zu - %s: %s\n", i, dir, diff);
		else
			printf("CHANGED  %s: %s\n", dir, diff);
		status = EXIT_NOT_VERIFIED;
	}
out:
	free(diff);
	xcv_result_free(res);
	xcv_case_free(c);
	return status;
}

static int
run(struct opts *o, int argc, char **argv)
{
	struct paths cases = {0};
	struct slots slots = {0};
	struct tally t = {0};
	int status = EXIT_VERIFIED;

	if (argc == 0)
		return cli_usage_error(&cmd_replay, "replay: no DIR given: name "
			"directories of captured cases");
	for (int i = 0; i < argc; i++) {
		size_t before = cases.n;
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xmppcv: replay: %s is not a directory\n",
				argv[i]);
			status = EXIT_USAGE;
			continue;
		}
		if (find_cases(&cases, argv[i], 0) < 0) {
			status = cli_oom();
			goto out;
		}
		if (cases.n == before) {
			fprintf(stderr, "xmppcv: replay: no case (a directory with "
				"case.json) under %s\n", argv[i]);
			status = EXIT_USAGE;
		}
	}
	if (o->tap)
		printf("TAP version 13\n1..%zu\n", cases.n);
	for (size_t i = 0; i < cases.n; i++) {
		bool fatal = false;
		int s = replay_one(&slots, o, i + 1, cases.v[i], &t, &fatal);
		if (s > status)
			status = s;
		if (fatal)
			goto out;
	}
	if (!o->tap)
		printf("%zu case%s: %zu same, %zu changed, %zu unreadable\n",
			cases.n, cases.n == 1 ? "" : "s", t.same, t.changed,
			t.broken);
	else
		printf("# %zu same, %zu changed, %zu unreadable\n", t.same,
			t.changed, t.broken);
out:
	slots_clear(&slots);
	for (size_t i = 0; i < cases.n; i++)
		free(cases.v[i]);
	free(cases.v);
	return status;
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
		"verdict changed, 2 when a case cannot be read (it is named).",
	.opts = options,
	.run = run,
};
