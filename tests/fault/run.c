/*
 * The fault harness: runs one xmppcv command in this process, then again
 * with its first allocation failing, its second, ... up to its last, and
 * judges every run. A run may absorb the failure (the same exit status and
 * standard output as without it) or report it (exit 4, "out of memory");
 * anything else -- another status, another message, a crash -- is a
 * violation. Leaks show in LeakSanitizer's report when the process ends.
 *
 *   fault_run [--fresh DIR] [--store DIR] [--from N] [--max N] [--only N]
 *             [--every K] -- COMMAND ARG...
 *
 * --fresh DIR: removed before every run (a case directory to create).
 * --store DIR: a store that must stay readable, without notes of damage,
 *              after every run (its entries may or may not include the
 *              one being added).
 * --from N:    begin with allocation N (default: 1).
 * --max N:     end with allocation N at the latest (default: all).
 * --only N:    fail allocation N alone, and show that run whole.
 * --every K:   fail every K-th allocation only (N, N+K, ...): for paths
 *              of a hundred thousand allocations (a posture's dozens of
 *              handshakes), whose every allocation would take hours; a
 *              K prime to the path's repeats reaches every part of it.
 * The first run, without failures, warms up one-time state (OpenSSL's
 * initialisation); failing those allocations is not part of the path.
 */
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "failalloc.h"
#include "xmppcv.h"

int xcv_cli_main(int argc, char **argv);
/* The library's (internal) setter of the last error: each run starts from
 * "no error", so that a run which fails without saying why cannot pass
 * for one that said "out of memory" because the run before did. */
int xcv_set_error(int code, const char *fmt, ...);
/* LeakSanitizer, when linked in: a leak check that does not end the
 * process (FAULT_LEAKS: after every run, to name the first that leaks). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

struct outcome {
	int status;
	char *out, *err;
	unsigned long allocations;   /* counted during the run */
	bool failed;                 /* one of them was made to fail */
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	if (dir != NULL)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Everything written to memfd fd, as a string. */
static char *
slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)len + 1);
	ssize_t got = 0;

	if (s == NULL)
		abort();
	lseek(fd, 0, SEEK_SET);
	while (got < len) {
		ssize_t n = read(fd, s + got, (size_t)(len - got));
		if (n <= 0)
			abort();
		got += n;
	}
	s[len] = '\0';
	return s;
}

/* One run of the command, fail_at armed, standard output and error
 * captured. The streams are swapped, not the descriptors: a sanitizer's
 * report still reaches the real standard error. */
static struct outcome
run(int argc, char **argv, unsigned long fail_at)
{
	struct outcome o;
	int out = memfd_create("out", 0), err = memfd_create("err", 0);
	FILE *save_out = stdout, *save_err = stderr, *fout, *ferr;
	char **args = calloc((size_t)argc + 2, sizeof(*args));

	if (out < 0 || err < 0 || args == NULL ||
	    (fout = fdopen(dup(out), "w")) == NULL ||
	    (ferr = fdopen(dup(err), "w")) == NULL)
		abort();
	args[0] = "xmppcv";
	memcpy(args + 1, argv, (size_t)argc * sizeof(*args));
	stdout = fout;
	stderr = ferr;
	xcv_set_error(0, "%s", "no error");
	failalloc_arm(fail_at);
	o.status = xcv_cli_main(argc + 1, args);
	o.allocations = failalloc_count();
	o.failed = failalloc_failed() > 0;
	failalloc_arm(0);
	stdout = save_out;
	stderr = save_err;
	fclose(fout);
	fclose(ferr);
	o.out = slurp(out);
	o.err = slurp(err);
	close(out);
	close(err);
	free(args);
	return o;
}

/* The store at dir loads cleanly. */
static int
store_sound(const char *dir, char *why, size_t len)
{
	struct xcv_store *s = NULL;
	int rc = xcv_store_open(&s, dir);

	if (rc < 0) {
		snprintf(why, len, "the store does not open: %s", xcv_error_last());
		return 0;
	}
	if (xcv_store_note_count(s) > 0) {
		snprintf(why, len, "the store has notes: %s", xcv_store_note(s, 0));
		xcv_store_free(s);
		return 0;
	}
	xcv_store_free(s);
	return 1;
}

static const char *
first_line(const char *s, char *buf, size_t len)
{
	size_t n = strcspn(s, "\n");

	snprintf(buf, len, "%.*s", (int)(n < len - 1 ? n : len - 1), s);
	return buf;
}

int
main(int argc, char **argv)
{
	const char *fresh = NULL, *store = NULL;
	unsigned long from = 1, max = 0, only = 0, total, reported = 0, absorbed = 0;
	unsigned long bad = 0, n, every = 1, runs = 0;
	struct outcome base, o;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--fresh") == 0 && i + 1 < argc)
			fresh = argv[++i];
		else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
			store = argv[++i];
		else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
			max = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
			every = strtoul(argv[++i], NULL, 10);
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
		fprintf(stderr, "usage: fault_run [--fresh DIR] [--store DIR] "
			"[--from N] [--max N] [--only N] [--every K] -- COMMAND "
			"ARG...\n");
		return 2;
	}
	argv += i + 1;
	argc -= i + 1;
	/* Warm up, then the run every other is judged against. */
	rm_tree(fresh);
	o = run(argc, argv, 0);
	free(o.out);
	free(o.err);
	rm_tree(fresh);
	base = run(argc, argv, 0);
	total = base.allocations;
	if (max == 0 || max > total)
		max = total;
	if (only > 0) {
		/* One run, shown whole beside the run without failures:
		 * for a look at one violation. */
		rm_tree(fresh);
		o = run(argc, argv, only);
		printf("without failures: exit %d\n--- stdout\n%s--- stderr\n%s"
			"allocation %lu of %lu: exit %d\n--- stdout\n%s--- stderr\n"
			"%s", base.status, base.out, base.err, only, total, o.status,
			o.out, o.err);
		free(o.out);
		free(o.err);
		free(base.out);
		free(base.err);
		return 0;
	}
	if (from == 0)
		from = 1;
	if (every == 0)
		every = 1;
	for (n = from; n <= max; n += every) {
		char why[512] = "", line[200];
		runs++;
		rm_tree(fresh);
		o = run(argc, argv, n);
		if (getenv("FAULT_PROGRESS") != NULL && n % 500 == 0)
			fprintf(stderr, "fault_run: %lu of %lu\n", n, max);
		if (!o.failed && o.status == base.status) {
			/* This run allocated less than n times: done. */
			free(o.out);
			free(o.err);
			runs--;
			break;
		}
		if (o.status == 4 && strstr(o.err, "out of memory") != NULL)
			reported++;
		else if (o.status == base.status && strcmp(o.out, base.out) == 0 &&
		    strcmp(o.err, base.err) == 0) {
			absorbed++;
			if (getenv("FAULT_ABSORBED") != NULL)
				printf("absorbed %lu\n", n);
		}
		else
			snprintf(why, sizeof(why), "exit %d (without failures %d): "
				"%s", o.status, base.status, first_line(*o.err ? o.err :
				o.out, line, sizeof(line)));
		if (!*why && store != NULL)
			store_sound(store, why, sizeof(why));
		if (!*why && getenv("FAULT_LEAKS") != NULL &&
		    __lsan_do_recoverable_leak_check &&
		    __lsan_do_recoverable_leak_check() != 0)
			snprintf(why, sizeof(why), "leaks (the report above)");
		if (*why) {
			bad++;
			if (bad <= 30 || getenv("FAULT_ALL") != NULL) {
				printf("allocation %lu: %s\n", n, why);
				fflush(stdout);
			}
		}
		free(o.out);
		free(o.err);
	}
	printf("%s: %lu allocations, %lu failed: %lu reported as out of "
		"memory, %lu absorbed, %lu violations\n", argv[0], total, runs,
		reported, absorbed, bad);
	/* Before LeakSanitizer's report, which ends the process. */
	fflush(stdout);
	free(base.out);
	free(base.err);
	rm_tree(fresh);
	return bad ? 1 : 0;
}
