/* xmppcv capture and xmppcv replay. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int
anchors_of(struct xcv_chain **out, const struct opts *o)
{
	struct xcv_chain *all = xcv_chain_new();

	*out = NULL;
	if (all == NULL)
		return XCV_ERROR;
	for (size_t i = 0; i < o->ca_files.n; i++) {
		struct xcv_chain *c = NULL;
		if (xcv_chain_load_file(&c, o->ca_files.v[i]) < 0 ||
		    xcv_chain_append(all, c) < 0) {
			xcv_chain_free(c);
			xcv_chain_free(all);
			return XCV_EINPUT;
		}
		xcv_chain_free(c);
	}
	*out = all;
	return 0;
}

int
cli_capture(struct opts *o, int argc, char **argv)
{
	struct xcv_config *cfg = NULL;
	struct xcv_chain *anchors = NULL, *chain = NULL;
	struct xcv_check *check = NULL;
	struct xcv_result *own = NULL;
	const struct xcv_result *res;
	struct xcv_case_meta meta = { .system_ca = !o->no_system_ca };
	char *sum = NULL;
	int status = EXIT_USAGE;

	if (o->out == NULL)
		return cli_usage_error("capture: --out DIR is required: the case "
			"directory to create");
	if (o->from_file ? optind != argc : optind != argc - 1)
		return cli_usage_error("capture: give one TARGET, or --from-file "
			"FILE --domain D");
	if (o->from_file && o->domain == NULL)
		return cli_usage_error("capture --from-file: --domain is required");
	if (make_config(&cfg, o) < 0 || anchors_of(&anchors, o) < 0) {
		if (anchors == NULL && cfg != NULL)
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		goto out;
	}
	if (o->ca_paths.n)
		fprintf(stderr, "xmppcv: note: anchors from --ca-path are not "
			"stored in the case; give them to replay as well\n");
	if (o->from_file) {
		if (xcv_chain_load_file(&chain, o->from_file) < 0 ||
		    xcv_verify(&own, cfg, chain, o->domain) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			goto out;
		}
		res = own;
		meta.target = o->from_file;
		meta.domain_source = "given";
	} else {
		struct xcv_check_params p = {
			.target = argv[optind], .domain = o->domain, .from = o->from,
			.direct_tls = o->direct_tls, .resolve = o->resolve.v,
			.n_resolve = o->resolve.n, .dns_server = o->dns_server,
			.timeout_ms = o->timeout_s * 1000,
			.max_attempts = o->max_attempts,
		};
		if (xcv_check_run(&check, cfg, &p) < 0) {
			fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
			goto out;
		}
		res = xcv_check_result(check);
		if (res == NULL) {
			fprintf(stderr, "xmppcv: %s: no certificate to capture "
				"(%s): %s\n", argv[optind],
				xcv_check_error_phase(check),
				xcv_check_error_message(check));
			status = EXIT_NO_CERT;
			goto out;
		}
		meta.target = argv[optind];
		meta.address = xcv_check_address(check);
		meta.domain_source = xcv_check_domain_source(check);
	}
	if (xcv_case_write(o->out, &meta, own ? chain : xcv_check_chain(check),
	    res, anchors) < 0) {
		fprintf(stderr, "xmppcv: %s\n", xcv_error_last());
		goto out;
	}
	sum = xcv_result_summary(res);
	printf("captured %s into %s: %s\n", meta.target, o->out,
		sum ? sum : "?");
	status = EXIT_VERIFIED;
out:
	free(sum);
	xcv_result_free(own);
	xcv_chain_free(chain);
	xcv_chain_free(anchors);
	xcv_check_free(check);
	xcv_config_free(cfg);
	return status;
}

struct paths {
	char **v;
	size_t n;
};

/* Case directories under dir (dir itself if it is one), sorted. */
static int
find_cases(struct paths *out, const char *dir, int depth)
{
	struct dirent **names = NULL;
	char *probe = NULL;
	struct stat st;
	int n, rc = 0;

	if (depth > 16)
		return 0;
	probe = malloc(strlen(dir) + 12);
	if (probe == NULL)
		return -1;
	sprintf(probe, "%s/case.json", dir);
	if (stat(probe, &st) == 0) {
		free(probe);
		char *copy = strdup(dir);
		if (copy == NULL)
			return -1;
		char **v = realloc(out->v, (out->n + 1) * sizeof(*v));
		if (v == NULL) {
			free(copy);
			return -1;
		}
		out->v = v;
		v[out->n++] = copy;
		return 0;
	}
	free(probe);
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *sub;
		if (names[i]->d_name[0] != '.' &&
		    (sub = malloc(strlen(dir) + strlen(names[i]->d_name) + 2))) {
			sprintf(sub, "%s/%s", dir, names[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
			    find_cases(out, sub, depth + 1) < 0)
				rc = -1;
			free(sub);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

struct cfg_slot {
	char *key;
	struct xcv_config *cfg;
};

int
cli_replay(struct opts *o, int argc, char **argv)
{
	struct paths cases = {0};
	struct cfg_slot *slots = NULL;
	size_t n_slots = 0, same = 0, changed = 0, broken = 0;
	int status = EXIT_VERIFIED;

	for (int i = optind; i < argc; i++) {
		size_t before = cases.n;
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xmppcv: replay: %s is not a directory\n",
				argv[i]);
			status = EXIT_USAGE;
			continue;
		}
		if (find_cases(&cases, argv[i], 0) < 0)
			return EXIT_USAGE;
		if (cases.n == before) {
			fprintf(stderr, "xmppcv: replay: no case (a directory with "
				"case.json) under %s\n", argv[i]);
			status = EXIT_USAGE;
		}
	}
	if (o->tap)
		printf("TAP version 13\n1..%zu\n", cases.n);
	for (size_t i = 0; i < cases.n; i++) {
		const char *dir = cases.v[i];
		struct xcv_case *c = NULL;
		struct xcv_result *res = NULL;
		struct xcv_config *cfg = NULL;
		char *diff = NULL;
		const char *key;

		if (xcv_case_load(&c, dir) < 0)
			goto broken;
		key = xcv_case_trust_key(c);
		for (size_t k = 0; k < n_slots && cfg == NULL; k++)
			if (strcmp(slots[k].key, key) == 0)
				cfg = slots[k].cfg;
		if (cfg == NULL) {
			struct cfg_slot *v = realloc(slots, (n_slots + 1) *
				sizeof(*v));
			if (v == NULL || make_config(&cfg, o) < 0) {
				xcv_case_free(c);
				return EXIT_USAGE;
			}
			slots = v;
			if (xcv_case_configure(c, cfg) < 0) {
				xcv_config_free(cfg);
				goto broken;
			}
			if (o->have_policy)
				xcv_config_set_policy(cfg, o->policy);
			slots[n_slots].key = strdup(key);
			slots[n_slots++].cfg = cfg;
		}
		if (o->at_mode == AT_CAPTURED)
			xcv_config_set_time(cfg, xcv_case_captured(c));
		if (xcv_verify(&res, cfg, xcv_case_chain(c), xcv_case_domain(c)) < 0)
			goto broken;
		diff = xcv_case_diff(c, res);
		if (diff == NULL) {
			same++;
			if (o->tap)
				printf("ok %zu - %s: unchanged (%s)\n", i + 1, dir,
					xcv_case_recorded(c));
			else
				printf("same     %s: %s\n", dir, xcv_case_recorded(c));
		} else {
			changed++;
			if (o->tap)
				printf("not ok %zu - %s: %s\n", i + 1, dir, diff);
			else
				printf("CHANGED  %s: %s\n", dir, diff);
			if (status < EXIT_NOT_VERIFIED)
				status = EXIT_NOT_VERIFIED;
		}
		free(diff);
		xcv_result_free(res);
		xcv_case_free(c);
		continue;
broken:
		broken++;
		if (o->tap)
			printf("not ok %zu - %s: unreadable case: %s\n", i + 1, dir,
				xcv_error_last());
		else
			printf("BROKEN   %s: %s\n", dir, xcv_error_last());
		fprintf(stderr, "xmppcv: unreadable case %s: %s\n", dir,
			xcv_error_last());
		status = EXIT_USAGE;
		xcv_result_free(res);
		xcv_case_free(c);
	}
	if (!o->tap)
		printf("%zu case%s: %zu same, %zu changed, %zu unreadable\n",
			cases.n, cases.n == 1 ? "" : "s", same, changed, broken);
	else
		printf("# %zu same, %zu changed, %zu unreadable\n", same, changed,
			broken);
	for (size_t k = 0; k < n_slots; k++) {
		free(slots[k].key);
		xcv_config_free(slots[k].cfg);
	}
	free(slots);
	for (size_t i = 0; i < cases.n; i++)
		free(cases.v[i]);
	free(cases.v);
	return status;
}
