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

#include "case_internal.h"
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
	unsigned long since = xcv_alloc_failures();

	if (stat(dir, &st) == 0 && !(S_ISDIR(st.st_mode) && rmdir(dir) == 0))
		return xcv_set_error(XCV_EINPUT, "%s already exists; nothing was "
			"overwritten: choose another directory", dir);
	if ((rc = xcv_make_parents(dir)) < 0)
		return rc;
	rc = XCV_EINPUT;
	tmp = xcv_asprintf("%s.tmp-XXXXXX", dir);
	if (tmp == NULL)
		return XCV_ENOMEM;
	if (mkdtemp(tmp) == NULL) {
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
	json = xcv_json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER, since);
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
	rc = xcv_write_new_file(tmp, "chain.pem", pem, strlen(pem), 0644);
	if (rc == 0)
		rc = xcv_write_new_file(tmp, "case.json", json, strlen(json),
			0644);
	if (rc == 0 && apem)
		rc = xcv_write_new_file(tmp, "anchors.pem", apem, strlen(apem),
			0644);
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

/*
 * What case.json says, as far as loading a case needs: each member by its
 * JSON type, a string's value copied. Filled by jansson, or by the reader
 * below for the form capture writes; checked once (check_fields).
 */
enum jtype { J_ABSENT, J_NULL, J_FALSE, J_TRUE, J_STRING, J_OTHER };

struct jval {
	enum jtype type;
	char *s;            /* J_STRING */
};

enum {
	F_FORMAT, F_DOMAIN, F_SERVICE, F_POLICY, F_CAPTURED, F_SYSTEM_CA,
	F_STRICT, F_VERDICT,
	V_OK, V_TRUSTED, V_NAME, V_FIELD, V_VALUE, V_ERROR,
	N_FIELDS
};
static const char *const field_names[N_FIELDS] = {
	"format", "domain", "service", "policy", "captured", "system_ca",
	"strict", "verdict",
	"ok", "chain_trusted", "name", "matched_field", "matched_value", "error",
};
#define FIRST_VERDICT V_OK

struct fields {
	struct jval v[N_FIELDS];   /* F_VERDICT: J_OTHER when an object */
};

static void
fields_clear(struct fields *f)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		free(f->v[i].s);
}

/* json_t into jval; XCV_ENOMEM. */
static int
from_jansson(struct jval *v, json_t *j)
{
	v->type = j == NULL ? J_ABSENT : json_is_null(j) ? J_NULL :
		json_is_false(j) ? J_FALSE : json_is_true(j) ? J_TRUE :
		json_is_string(j) ? J_STRING : J_OTHER;
	if (v->type == J_STRING &&
	    (v->s = xcv_strdup(json_string_value(j))) == NULL)
		return xcv_oom();
	return 0;
}

/* case.json through jansson: any JSON, and jansson's words for what is
 * wrong with it. */
static int
read_jansson(struct fields *f, const char *name, const void *data,
	size_t len)
{
	json_error_t err;
	json_t *o, *verdict;
	int rc = xcv_json_loadb(&o, data, len, 0, &err);

	if (rc < 0)
		return rc;
	if (o == NULL)
		return xcv_set_error(XCV_EINPUT, "%s/case.json: cannot read: %s "
			"(line %d)", name, err.text, err.line);
	verdict = json_object_get(o, "verdict");
	for (size_t i = 0; rc == 0 && i < N_FIELDS; i++)
		rc = from_jansson(&f->v[i], i < FIRST_VERDICT ?
			json_object_get(o, field_names[i]) :
			json_object_get(verdict, field_names[i]));
	json_decref(o);
	return rc;
}

/*
 * case.json in the form capture writes it, read without building a tree:
 * an object whose members are strings, true, false or null, and a
 * "verdict" object of the same; strings of printable ASCII and UTF-8 (as
 * xcv_utf8_len checks it) with no escape but \" \\ \/; each member
 * xmppcv reads given once; nothing after the object but white space. Such text means to jansson what it means here.
 * Returns 1 when read, 0 when the text is not of that form (jansson reads
 * it then), or XCV_ENOMEM.
 */
struct reader {
	const unsigned char *p, *end;
};

static void
skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* A string at r->p; its value, malloc'd, or NULL (*oom when memory ran
 * out). */
static char *
plain_string(struct reader *r, bool *oom)
{
	const unsigned char *start;
	char *out, *o;

	if (r->p >= r->end || *r->p != '"')
		return NULL;
	start = ++r->p;
	while (r->p < r->end && *r->p != '"') {
		/* UTF-8 as xmppcv checks it refuses all jansson refuses. */
		if (*r->p >= 0x80) {
			size_t n = xcv_utf8_len(r->p, (size_t)(r->end - r->p));
			if (n == 0)
				return NULL;
			r->p += n;
			continue;
		}
		if (*r->p < 0x20 || *r->p == 0x7f)
			return NULL;
		if (*r->p == '\\') {
			if (r->end - r->p < 2 || (r->p[1] != '"' &&
			    r->p[1] != '\\' && r->p[1] != '/'))
				return NULL;
			r->p++;
		}
		r->p++;
	}
	if (r->p >= r->end)
		return NULL;
	if ((out = malloc((size_t)(r->p - start) + 1)) == NULL) {
		*oom = true;
		return NULL;
	}
	for (o = out; start < r->p; start++) {
		if (*start == '\\')
			start++;
		*o++ = (char)*start;
	}
	*o = '\0';
	r->p++;
	return out;
}

/* The word at r->p, and r->p past it; else r->p where it was. */
static bool
literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	const unsigned char *after = r->p + n;

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	/* "truex" is not true, nor is "falsenull" false, then null. */
	if (after < r->end && ((*after >= 'a' && *after <= 'z') ||
	    (*after >= 'A' && *after <= 'Z') || (*after >= '0' &&
	    *after <= '9')))
		return false;
	r->p = after;
	return true;
}

/* One object's members into f (fields first..last), verdict: the
 * verdict object is read at its member. */
static int
plain_object(struct reader *r, struct fields *f, size_t first, size_t last)
{
	bool oom = false;

	skip_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return 0;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 1;
	}
	for (;;) {
		struct jval v = { J_ABSENT, NULL };
		size_t k = N_FIELDS;
		char *key;
		int rc;

		skip_ws(r);
		if ((key = plain_string(r, &oom)) == NULL)
			return oom ? xcv_oom() : 0;
		for (size_t i = first; i <= last && k == N_FIELDS; i++)
			if (strcmp(key, field_names[i]) == 0)
				k = i;
		free(key);
		/* Given twice: jansson keeps the last; leave it to jansson. */
		if (k != N_FIELDS && f->v[k].type != J_ABSENT)
			return 0;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return 0;
		r->p++;
		skip_ws(r);
		if (k == F_VERDICT && r->p < r->end && *r->p == '{') {
			f->v[k].type = J_OTHER;
			if ((rc = plain_object(r, f, FIRST_VERDICT,
			    N_FIELDS - 1)) <= 0)
				return rc;
		} else if (r->p < r->end && *r->p == '"') {
			if ((v.s = plain_string(r, &oom)) == NULL)
				return oom ? xcv_oom() : 0;
			v.type = J_STRING;
		} else if (literal(r, "true")) {
			v.type = J_TRUE;
		} else if (literal(r, "false")) {
			v.type = J_FALSE;
		} else if (literal(r, "null")) {
			v.type = J_NULL;
		} else {
			return 0;
		}
		if (k == F_VERDICT && f->v[k].type == J_ABSENT) {
			f->v[k].type = v.type;     /* not an object */
			free(v.s);
		} else if (k != N_FIELDS && k != F_VERDICT) {
			f->v[k] = v;
		} else {
			free(v.s);
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return 1;
		}
		return 0;
	}
}

static int
read_plain(struct fields *f, const void *data, size_t len)
{
	struct reader r = { data, (const unsigned char *)data + len };
	int rc = plain_object(&r, f, 0, FIRST_VERDICT - 1);

	if (rc <= 0)
		return rc;
	skip_ws(&r);
	return r.p == r.end;
}

/* Check what case.json says and take it into c; XCV_EINPUT naming what
 * is wrong. */
static int
check_fields(struct xcv_case *c, const char *name, struct fields *f)
{
	static const size_t optional[] = { V_FIELD, V_VALUE, V_ERROR, V_NAME };
	struct jval *v = f->v;
	enum xcv_service svc;
	enum xcv_policy pol;

	if (v[F_FORMAT].type != J_STRING ||
	    strcmp(v[F_FORMAT].s, CASE_FORMAT) != 0 ||
	    v[F_VERDICT].type != J_OTHER || v[F_DOMAIN].type != J_STRING ||
	    v[F_SERVICE].type != J_STRING || v[F_POLICY].type != J_STRING ||
	    v[F_CAPTURED].type != J_STRING ||
	    xcv_service_parse(&svc, v[F_SERVICE].s) < 0 ||
	    xcv_policy_parse(&pol, v[F_POLICY].s) < 0 ||
	    (v[V_OK].type != J_TRUE && v[V_OK].type != J_FALSE) ||
	    (v[V_TRUSTED].type != J_TRUE && v[V_TRUSTED].type != J_FALSE))
		return xcv_set_error(XCV_EINPUT, "%s/case.json: not an %s case "
			"file (a field is missing or wrong)", name, CASE_FORMAT);
	/* Refused, not clamped: an out-of-range time would make every
	 * certificate look damaged and every verdict look changed. */
	if (xcv_time_parse(&c->captured, v[F_CAPTURED].s) < 0)
		return xcv_wrap_error(XCV_EINPUT, "%s/case.json: captured", name);
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (v[optional[i]].type != J_ABSENT &&
		    v[optional[i]].type != J_NULL &&
		    v[optional[i]].type != J_STRING)
			return xcv_set_error(XCV_EINPUT, "%s/case.json: verdict.%s "
				"is neither a string nor null", name,
				field_names[optional[i]]);
	/* A match is recorded as its field and its value, or not at all. */
	if ((v[V_FIELD].s == NULL) != (v[V_VALUE].s == NULL))
		return xcv_set_error(XCV_EINPUT, "%s/case.json: verdict.%s is "
			"recorded without verdict.%s", name, v[V_FIELD].s ?
			"matched_field" : "matched_value", v[V_FIELD].s ?
			"matched_value" : "matched_field");
	c->system_ca = v[F_SYSTEM_CA].type != J_FALSE;
	c->strict = v[F_STRICT].type == J_TRUE;
	c->ok = v[V_OK].type == J_TRUE;
	c->trusted = v[V_TRUSTED].type == J_TRUE;
	/* Taken over from f. */
	c->domain = v[F_DOMAIN].s;
	c->service = v[F_SERVICE].s;
	c->policy = v[F_POLICY].s;
	c->verdict = v[V_NAME].s;     /* absent before verdicts */
	c->field = v[V_FIELD].s;
	c->value = v[V_VALUE].s;
	c->error = v[V_ERROR].s;
	v[F_DOMAIN].s = v[F_SERVICE].s = v[F_POLICY].s = NULL;
	v[V_NAME].s = v[V_FIELD].s = v[V_VALUE].s = v[V_ERROR].s = NULL;
	c->recorded = xcv_summary_text(c->ok, c->trusted, c->field, c->value,
		c->error);
	return c->recorded ? 0 : xcv_oom();
}

/* What case.json says, into c. plain: the plain reader first. */
static int
parse_json(struct xcv_case *c, const char *name, const void *data,
	size_t len, bool plain)
{
	struct fields f = {0};
	int rc = plain ? read_plain(&f, data, len) : 0;

	if (rc == 0) {
		/* Not in the plain form: jansson reads it. */
		fields_clear(&f);
		memset(&f, 0, sizeof(f));
		rc = read_jansson(&f, name, data, len);
	} else if (rc > 0) {
		rc = 0;
	}
	if (rc == 0)
		rc = check_fields(c, name, &f);
	fields_clear(&f);
	return rc;
}

int
xcv_case_json_is_plain(const void *data, size_t len)
{
	struct fields f = {0};
	int rc = read_plain(&f, data, len);

	fields_clear(&f);
	return rc;
}

static int load_mem(struct xcv_case **out, const struct xcv_case_files *f,
	struct xcv_chain_cache *cache, bool plain);

int
xcv_case_load_mem(struct xcv_case **out, const struct xcv_case_files *f,
	struct xcv_chain_cache *cache)
{
	return load_mem(out, f, cache, true);
}

int
xcv_case_load_mem_jansson(struct xcv_case **out,
	const struct xcv_case_files *f)
{
	return load_mem(out, f, NULL, false);
}

static int
load_mem(struct xcv_case **out, const struct xcv_case_files *f,
	struct xcv_chain_cache *cache, bool plain)
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
	if ((rc = parse_json(c, name, f->json, f->json_len, plain)) < 0)
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

int
xcv_case_diff(char **diff, const struct xcv_case *c,
	const struct xcv_result *res)
{
	const struct xcv_presented *m = res->id.matched ?
		&res->id.presented[res->id.match] : NULL;
	char *now;

	*diff = NULL;
	if (c->ok == res->ok &&
	    c->trusted == (res->trusted || res->accepted_trusted) &&
	    (c->verdict == NULL ||
	     strcmp(c->verdict, xcv_verdict_name(res->verdict)) == 0) &&
	    same(c->field, m ? xcv_field_name(m->field) : NULL) &&
	    same(c->value, m ? m->value : NULL))
		return 0;
	now = xcv_result_summary(res);
	if (now != NULL)
		*diff = xcv_asprintf("was %s; now %s", c->recorded, now);
	free(now);
	return *diff ? 0 : xcv_oom();
}
