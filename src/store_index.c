/*
 * The accepted-certificate store's index: bytes to entries, each entry
 * checked, and what is not valid said (see store_internal.h). No I/O.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "store_internal.h"

bool
xcv_index_is_fp(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void
xcv_index_entry_clear(struct xcv_index_entry *e)
{
	free(e->subject);
	free(e->host);
	free(e->accepted);
	xcv_strv_clear(&e->domains);
}

void
xcv_index_clear(struct xcv_index *idx)
{
	for (size_t i = 0; i < idx->n; i++)
		xcv_index_entry_clear(&idx->v[i]);
	free(idx->v);
	idx->v = NULL;
	idx->n = 0;
	xcv_strv_clear(&idx->named);
	xcv_strv_clear(&idx->notes);
	idx->other_format = false;
}

char *
xcv_index_shown(const char *key)
{
	size_t n = strlen(key);
	char *e = xcv_escape((const unsigned char *)key, n > 72 ? 72 : n), *t;

	if (e == NULL || n <= 72)
		return e;
	t = xcv_asprintf("%s...", e);
	free(e);
	return t;
}

/* An informative field: "" when absent; control characters, which a
 * terminal would act on, shown as '?'. NULL for memory, or with a note
 * when the field is there but not a string. */
static char *
text_field(struct xcv_index *idx, const char *key, json_t *o,
	const char *field)
{
	json_t *v = json_object_get(o, field);
	char *t;

	if (v != NULL && !json_is_string(v)) {
		xcv_strv_pushf(&idx->notes, "the index entry %s has a '%s' that "
			"is not text; it is shown empty", key, field);
		v = NULL;
	}
	t = xcv_strdup(v ? json_string_value(v) : "");
	for (char *p = t; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

/* The domains of one entry: each a domain as xmppcv writes it. */
static int
entry_domains(struct xcv_index *idx, struct xcv_index_entry *e, json_t *doms)
{
	for (size_t i = 0; i < json_array_size(doms); i++) {
		json_t *d = json_array_get(doms, i);
		const char *v = json_string_value(d);
		char *norm = NULL, *shown;
		bool ip;
		int rc;

		if (!json_is_string(d)) {
			xcv_strv_pushf(&idx->notes, "the index entry %s lists a "
				"domain that is not text; that one is ignored",
				e->sha256);
			continue;
		}
		rc = xcv_reference_normalize(&norm, &ip, v);
		if (rc == XCV_ENOMEM)
			return rc;
		if (rc == 0 && strcmp(norm, v) == 0) {
			if (!xcv_strv_contains(&e->domains, norm))
				xcv_strv_push(&e->domains, norm);
		} else {
			shown = xcv_escape((const unsigned char *)v, strlen(v));
			xcv_strv_pushf(&idx->notes, "the index entry %s lists '%s', "
				"which is not a domain as xmppcv writes it; that one "
				"is ignored", e->sha256, shown ? shown : "?");
			free(shown);
		}
		free(norm);
	}
	return xcv_strv_ok(&e->domains);
}

/* One entry of "certificates": a valid one joins idx->v, anything else
 * is a note. */
static int
index_entry(struct xcv_index *idx, const char *key, json_t *val)
{
	json_t *doms = json_object_get(val, "domains");
	struct xcv_index_entry *v, *e;
	char *shown;

	if (!xcv_index_is_fp(key, strlen(key))) {
		shown = xcv_index_shown(key);
		xcv_strv_pushf(&idx->notes, "the index entry '%s' is not valid "
			"(its name is not a SHA-256 fingerprint); ignored",
			shown ? shown : "?");
		free(shown);
		return 0;
	}
	xcv_strv_push(&idx->named, key);
	if (!json_is_object(val) || !json_is_array(doms)) {
		xcv_strv_pushf(&idx->notes, "the index entry %s is not valid (it "
			"has no list of domains); ignored", key);
		return 0;
	}
	v = realloc(idx->v, (idx->n + 1) * sizeof(*v));
	if (v == NULL)
		return xcv_oom();
	idx->v = v;
	e = &v[idx->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->sha256, key, 65);
	e->subject = text_field(idx, key, val, "subject");
	e->host = text_field(idx, key, val, "host");
	e->accepted = text_field(idx, key, val, "accepted");
	if (e->subject == NULL || e->host == NULL || e->accepted == NULL)
		return xcv_oom();
	return entry_domains(idx, e, doms);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
by_fp(const void *a, const void *b)
{
	return strcmp(((const struct xcv_index_entry *)a)->sha256,
		((const struct xcv_index_entry *)b)->sha256);
}

int
xcv_index_parse_json(struct xcv_index *idx, json_t **root,
	const unsigned char *data, size_t len, const char *name)
{
	json_error_t err;
	json_t *r, *certs, *fmt, *val;
	const char *key;
	int rc = 0;

	memset(idx, 0, sizeof(*idx));
	*root = NULL;
	if (len > XCV_INDEX_MAX)
		return xcv_set_error(XCV_EINPUT, "%s is damaged (over %u bytes, "
			"too large for an index)", name, XCV_INDEX_MAX);
	/* Memory that ran out does not make a sound index damaged. */
	if ((rc = xcv_json_loadb(&r, data, len, JSON_REJECT_DUPLICATES,
	    &err)) < 0)
		return rc;
	if (r == NULL) {
		/* jansson quotes the bytes it stopped at: escape them, as
		 * they may be anything a terminal acts on. */
		char *why = xcv_escape((const unsigned char *)err.text,
			strlen(err.text));
		if (why == NULL)
			return xcv_oom();
		rc = xcv_set_error(XCV_EINPUT, "%s is damaged (%s, line %d)",
			name, why, err.line);
		free(why);
		return rc;
	}
	fmt = json_object_get(r, "format");
	certs = json_object_get(r, "certificates");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt),
	    XCV_INDEX_FORMAT) != 0) {
		if (json_is_string(fmt) && strncmp(json_string_value(fmt),
		    "xmppcv-accepted/", 16) == 0) {
			char *shown = xcv_index_shown(json_string_value(fmt));
			idx->other_format = true;
			rc = xcv_set_error(XCV_EINPUT, "%s is in the format %s, "
				"which this version of xmppcv does not know (it "
				"knows %s)", name, shown ? shown : "?",
				XCV_INDEX_FORMAT);
			free(shown);
		} else {
			rc = xcv_set_error(XCV_EINPUT, "%s is not an xmppcv index "
				"(it does not say \"format\": \"%s\")", name,
				XCV_INDEX_FORMAT);
		}
		goto out;
	}
	if (!json_is_object(certs)) {
		rc = xcv_set_error(XCV_EINPUT, "%s is damaged (its "
			"\"certificates\" is not an object)", name);
		goto out;
	}
	json_object_foreach(certs, key, val) {
		if ((rc = index_entry(idx, key, val)) < 0)
			goto out;
	}
	if ((rc = xcv_strv_ok(&idx->named)) < 0 ||
	    (rc = xcv_strv_ok(&idx->notes)) < 0)
		goto out;
	if (idx->n > 1)
		qsort(idx->v, idx->n, sizeof(*idx->v), by_fp);
	if (idx->named.n > 1)
		qsort(idx->named.v, idx->named.n, sizeof(*idx->named.v),
			by_name);
out:
	if (rc < 0) {
		bool other = idx->other_format;
		json_decref(r);
		xcv_index_clear(idx);
		idx->other_format = other;
		return rc;
	}
	*root = r;
	return 0;
}

int
xcv_index_parse(struct xcv_index *out, const unsigned char *data, size_t len,
	const char *name)
{
	json_t *root;
	int rc = xcv_index_parse_json(out, &root, data, len, name);

	json_decref(root);
	return rc;
}
