/* Captured cases: writing, loading, comparing (see xmppcv/case.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain_internal.h"
#include "report.h"
#include "xmppcv/case.h"

#define CASE_FORMAT "xmppcv-case/1"

struct xcv_case {
	char *dir;
	struct xcv_chain *chain, *anchors;
	char *domain, *service, *policy;
	bool system_ca, strict;
	int64_t captured;
	bool ok, trusted;
	char *verdict, *field, *value, *error;
	char *recorded;
	char *key;
};

static int
write_file(const char *dir, const char *name, const char *data)
{
	char *path = xcv_asprintf("%s/%s", dir, name);
	int fd, rc = -1;

	if (path == NULL)
		return xcv_oom();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0 && xcv_write_all(fd, data, strlen(data)) == 0 &&
	    fsync(fd) == 0) {
		rc = close(fd);
		fd = -1;
	}
	if (rc < 0) {
		rc = xcv_set_error(XCV_EINPUT, "cannot write %s: %s", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	free(path);
	return rc;
}

/* Create the directories above dir (not dir itself), as mkdir -p. */
static int
make_parents(const char *dir)
{
	char *p = xcv_strdup(dir);
	int rc = 0;

	if (p == NULL)
		return xcv_oom();
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", p,
				strerror(errno));
		*q = '/';
		if (rc < 0)
			break;
	}
	free(p);
	return rc;
}

static void
remove_tree(const char *dir)
{
	static const char *const names[] = { "chain.pem", "case.json",
		"anchors.pem" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xcv_asprintf("%s/%s", dir, names[i]);
		if (p)
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

int
xcv_case_write(const char *dir, const struct xcv_case_meta *meta,
	const struct xcv_chain *chain, const struct xcv_result *res,
	const struct xcv_chain *anchors)
{
	const struct xcv_presented *m = res->id.matched ?
		&res->id.presented[res->id.match] : NULL;
	char *tmp = NULL, *pem = NULL, *apem = NULL, *json = NULL, *parent;
	char captured[32];
	struct stat st;
	json_t *o;
	int fd, rc = XCV_EINPUT;

	if (stat(dir, &st) == 0 && !(S_ISDIR(st.st_mode) && rmdir(dir) == 0))
		return xcv_set_error(XCV_EINPUT, "%s already exists; nothing was "
			"overwritten: choose another directory", dir);
	if ((rc = make_parents(dir)) < 0)
		return rc;
	rc = XCV_EINPUT;
	tmp = xcv_asprintf("%s.tmp-XXXXXX", dir);
	if (tmp == NULL || mkdtemp(tmp) == NULL) {
		rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", dir,
			strerror(errno));
		free(tmp);
		return rc;
	}
	xcv_time_format(res->at, captured);
	o = json_pack("{s:s,s:s?,s:s?,s:s,s:s?,s:s,s:s,s:b,s:b,s:s,s:s,"
		"s:{s:s,s:b,s:b,s:s?,s:s?,s:s?}}",
		"format", CASE_FORMAT,
		"target", meta->target, "address", meta->address,
		"domain", res->id.reference, "domain_source",
		  meta->domain_source ? xcv_domain_source_name(meta->domain_source) :
		  NULL,
		"service", xcv_service_name(res->service),
		"policy", xcv_policy_name(res->id.policy),
		"system_ca", meta->system_ca, "strict", res->strict,
		"captured", captured,
		"xmppcv", xcv_version(),
		"verdict", "name", xcv_verdict_name(res->verdict),
		  "ok", res->ok, "chain_trusted",
		  res->trusted || res->accepted_trusted,
		  "matched_field", m ? xcv_field_name(m->field) : NULL,
		  "matched_value", m ? m->value : NULL,
		  "error", res->n_errors ? res->errors[0].text : NULL);
	json = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (json != NULL) {
		char *nl = xcv_asprintf("%s\n", json);
		free(json);
		json = nl;
	}
	json_decref(o);
	pem = xcv_chain_to_pem(chain);
	apem = anchors && xcv_chain_count(anchors) ? xcv_chain_to_pem(anchors) :
		NULL;
	if (json == NULL || pem == NULL || (anchors &&
	    xcv_chain_count(anchors) && apem == NULL)) {
		rc = xcv_oom();
		goto out;
	}
	rc = write_file(tmp, "chain.pem", pem);
	if (rc == 0)
		rc = write_file(tmp, "case.json", json);
	if (rc == 0 && apem)
		rc = write_file(tmp, "anchors.pem", apem);
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s; nothing was "
			"overwritten", dir, strerror(errno));
	if (rc < 0)
		goto out;
	/* Make the new name durable. */
	parent = dirname(tmp);
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
out:
	if (rc < 0)
		remove_tree(tmp);
	free(tmp);
	free(pem);
	free(apem);
	free(json);
	return rc;
}

void
xcv_case_free(struct xcv_case *c)
{
	if (c == NULL)
		return;
	free(c->dir);
	xcv_chain_free(c->chain);
	xcv_chain_free(c->anchors);
	free(c->domain);
	free(c->service);
	free(c->policy);
	free(c->verdict);
	free(c->field);
	free(c->value);
	free(c->error);
	free(c->recorded);
	free(c->key);
	free(c);
}

static char *
jstr_dup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xcv_strdup(json_string_value(v)) : NULL;
}

/* A string, null or absent. */
static bool
jstr_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v == NULL || json_is_null(v) || json_is_string(v);
}

/* What case.json says, into c; XCV_EINPUT naming what is wrong. */
static int
parse_json(struct xcv_case *c, const char *name, const void *data,
	size_t len)
{
	static const char *const optional[] = { "matched_field",
		"matched_value", "error", "name" };
	char *captured = NULL;
	json_t *o, *v;
	json_error_t err;
	enum xcv_service svc;
	enum xcv_policy pol;
	int rc = XCV_EINPUT;

	o = json_loadb(data, len, 0, &err);
	if (o == NULL)
		return xcv_set_error(XCV_EINPUT, "%s/case.json: cannot read: %s "
			"(line %d)", name, err.text, err.line);
	v = json_object_get(o, "verdict");
	c->domain = jstr_dup(o, "domain");
	c->service = jstr_dup(o, "service");
	c->policy = jstr_dup(o, "policy");
	captured = jstr_dup(o, "captured");
	if (!json_is_string(json_object_get(o, "format")) ||
	    strcmp(json_string_value(json_object_get(o, "format")), CASE_FORMAT) ||
	    !json_is_object(v) || c->domain == NULL || c->service == NULL ||
	    c->policy == NULL || captured == NULL ||
	    xcv_service_parse(&svc, c->service) < 0 ||
	    xcv_policy_parse(&pol, c->policy) < 0 ||
	    !json_is_boolean(json_object_get(v, "ok")) ||
	    !json_is_boolean(json_object_get(v, "chain_trusted"))) {
		xcv_set_error(XCV_EINPUT, "%s/case.json: not an %s case file (a "
			"field is missing or wrong)", name, CASE_FORMAT);
		goto out;
	}
	/* Refused, not clamped: an out-of-range time would make every
	 * certificate look damaged and every verdict look changed. */
	if (xcv_time_parse(&c->captured, captured) < 0) {
		xcv_wrap_error(XCV_EINPUT, "%s/case.json: captured", name);
		goto out;
	}
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		if (!jstr_or_null(v, optional[i])) {
			xcv_set_error(XCV_EINPUT, "%s/case.json: verdict.%s is "
				"neither a string nor null", name, optional[i]);
			goto out;
		}
	}
	c->system_ca = !json_is_false(json_object_get(o, "system_ca"));
	c->strict = json_is_true(json_object_get(o, "strict"));
	c->ok = json_is_true(json_object_get(v, "ok"));
	c->trusted = json_is_true(json_object_get(v, "chain_trusted"));
	c->verdict = jstr_dup(v, "name");     /* absent before verdicts */
	c->field = jstr_dup(v, "matched_field");
	c->value = jstr_dup(v, "matched_value");
	c->error = jstr_dup(v, "error");
	/* A match is recorded as its field and its value, or not at all. */
	if ((c->field == NULL) != (c->value == NULL)) {
		xcv_set_error(XCV_EINPUT, "%s/case.json: verdict.%s is recorded "
			"without verdict.%s", name, c->field ? "matched_field" :
			"matched_value", c->field ? "matched_value" :
			"matched_field");
		goto out;
	}
	c->recorded = xcv_summary_text(c->ok, c->trusted, c->field, c->value,
		c->error);
	if (c->recorded == NULL) {
		rc = xcv_oom();
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	free(captured);
	return rc;
}

int
xcv_case_load_mem(struct xcv_case **out, const struct xcv_case_files *f,
	struct xcv_chain_cache *cache)
{
	struct xcv_case *c = calloc(1, sizeof(*c));
	const char *name = f->name ? f->name : "case";
	char *part = NULL;
	int rc;

	*out = NULL;
	if (c == NULL)
		return xcv_oom();
	if ((c->dir = xcv_strdup(name)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if ((rc = parse_json(c, name, f->json, f->json_len)) < 0)
		goto out;
	if ((part = xcv_asprintf("%s/chain.pem", name)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if ((rc = xcv_chain_parse(&c->chain, f->chain, f->chain_len, part,
	    cache, false)) < 0)
		goto out;
	free(part);
	if ((part = xcv_asprintf("%s/anchors.pem", name)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	/* Cases share anchors: every one of them comes through the cache. */
	if (f->anchors != NULL && (rc = xcv_chain_parse(&c->anchors,
	    f->anchors, f->anchors_len, part, cache, true)) < 0)
		goto out;
	/* Cases with the same service, policy and anchors share a
	 * configuration when replayed. */
	c->key = xcv_asprintf("%s|%s|%d|%d", c->service, c->policy,
		c->system_ca, c->strict);
	for (size_t i = 0; c->key && c->anchors &&
	     i < xcv_chain_count(c->anchors); i++) {
		char fp[65], *k;
		if ((rc = xcv_chain_sha256(c->anchors, i, fp)) < 0)
			goto out;
		k = xcv_asprintf("%s|%s", c->key, fp);
		free(c->key);
		c->key = k;
	}
	rc = c->key ? 0 : xcv_oom();
out:
	free(part);
	if (rc < 0) {
		xcv_case_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* Read name in the case directory (dirfd, named dir) whole; *data NULL
 * when it does not exist and need not (anchors.pem). */
static int
read_part(unsigned char **data, size_t *len, int dirfd, const char *dir,
	const char *name, bool optional)
{
	char *path = xcv_asprintf("%s/%s", dir, name);
	int rc;

	*data = NULL;
	*len = 0;
	if (path == NULL)
		return xcv_oom();
	errno = 0;
	rc = xcv_read_file_at(data, len, dirfd, dirfd == AT_FDCWD ? path : name,
		path, XCV_MAX_FILE);
	if (rc < 0 && optional && errno == ENOENT)
		rc = 0;
	free(path);
	return rc;
}

int
xcv_case_load_cached(struct xcv_case **out, const char *dir,
	struct xcv_chain_cache *cache)
{
	unsigned char *json = NULL, *chain = NULL, *anchors = NULL;
	struct xcv_case_files f = { .name = dir };
	/* Each file by its name in the directory: one walk of the path. */
	int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), rc;

	*out = NULL;
	if (dirfd < 0)
		dirfd = AT_FDCWD;
	if ((rc = read_part(&json, &f.json_len, dirfd, dir, "case.json",
	    false)) < 0 ||
	    (rc = read_part(&chain, &f.chain_len, dirfd, dir, "chain.pem",
	    false)) < 0 ||
	    (rc = read_part(&anchors, &f.anchors_len, dirfd, dir, "anchors.pem",
	    true)) < 0)
		goto out;
	f.json = json;
	f.chain = chain;
	f.anchors = anchors;
	rc = xcv_case_load_mem(out, &f, cache);
out:
	if (dirfd != AT_FDCWD)
		close(dirfd);
	free(json);
	free(chain);
	free(anchors);
	return rc;
}

int
xcv_case_load(struct xcv_case **out, const char *dir)
{
	return xcv_case_load_cached(out, dir, NULL);
}

const struct xcv_chain *
xcv_case_chain(const struct xcv_case *c)
{
	return c->chain;
}

const char *
xcv_case_domain(const struct xcv_case *c)
{
	return c->domain;
}

int64_t
xcv_case_captured(const struct xcv_case *c)
{
	return c->captured;
}

const char *
xcv_case_trust_key(const struct xcv_case *c)
{
	return c->key ? c->key : "";
}

const char *
xcv_case_recorded(const struct xcv_case *c)
{
	return c->recorded;
}

int
xcv_case_configure(const struct xcv_case *c, struct xcv_config *cfg)
{
	enum xcv_service svc;
	enum xcv_policy pol;

	if (xcv_service_parse(&svc, c->service) < 0 ||
	    xcv_policy_parse(&pol, c->policy) < 0)
		return XCV_EINPUT;
	xcv_config_set_service(cfg, svc);
	xcv_config_set_policy(cfg, pol);
	if (!c->system_ca)
		xcv_config_set_system_ca(cfg, false);
	if (c->strict)
		xcv_config_set_strict(cfg, true);
	if (c->anchors)
		return xcv_config_add_ca_chain(cfg, c->anchors);
	return 0;
}

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

char *
xcv_case_diff(const struct xcv_case *c, const struct xcv_result *res)
{
	const struct xcv_presented *m = res->id.matched ?
		&res->id.presented[res->id.match] : NULL;
	char *now;

	if (c->ok == res->ok &&
	    c->trusted == (res->trusted || res->accepted_trusted) &&
	    (c->verdict == NULL ||
	     strcmp(c->verdict, xcv_verdict_name(res->verdict)) == 0) &&
	    same(c->field, m ? xcv_field_name(m->field) : NULL) &&
	    same(c->value, m ? m->value : NULL))
		return NULL;
	now = xcv_result_summary(res);
	if (now == NULL)
		return NULL;
	{
		char *d = xcv_asprintf("was %s; now %s", c->recorded, now);
		free(now);
		return d;
	}
}
