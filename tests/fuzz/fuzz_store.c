/*
 * libFuzzer harness for the store's index parser: any bytes must end in
 * entries or a clean refusal, never a crash, a leak or unbounded growth;
 * and what it accepts must hold the index's rules:
 *
 * - entries in strict order of fingerprint, each 64 lower-case hex digits
 *   and among the fingerprints the index names;
 * - no control character in any field a terminal shows, or in a note;
 * - every domain once, and as xmppcv writes it (normalised);
 * - the entries, written back as an index, parse to the same entries with
 *   nothing to say (the writer's output is always valid input).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static bool
shows_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void
check_entries(const struct xcv_index *idx)
{
	for (size_t i = 0; i < idx->n; i++) {
		const struct xcv_index_entry *e = &idx->v[i];
		CHECK(xcv_index_is_fp(e->sha256, strlen(e->sha256)));
		CHECK(i == 0 || strcmp(idx->v[i - 1].sha256, e->sha256) < 0);
		CHECK(xcv_strv_contains(&idx->named, e->sha256));
		CHECK(shows_clean(e->subject) && shows_clean(e->host) &&
			shows_clean(e->accepted));
		for (size_t j = 0; j < e->domains.n; j++) {
			char *norm = NULL;
			bool ip;
			CHECK(xcv_reference_normalize(&norm, &ip,
				e->domains.v[j]) == 0);
			CHECK(strcmp(norm, e->domains.v[j]) == 0);
			free(norm);
			for (size_t k = 0; k < j; k++)
				CHECK(strcmp(e->domains.v[k], e->domains.v[j]));
		}
	}
	CHECK(idx->n <= idx->named.n);
	for (size_t i = 0; i < idx->named.n; i++)
		CHECK(xcv_index_is_fp(idx->named.v[i], strlen(idx->named.v[i])));
	for (size_t i = 0; i < idx->notes.n; i++)
		CHECK(*idx->notes.v[i] && shows_clean(idx->notes.v[i]));
}

/* The entries as the writer would write them. */
static char *
write_back(const struct xcv_index *idx)
{
	json_t *root = json_pack("{s:s,s:{}}", "format", XCV_INDEX_FORMAT,
		"certificates");
	json_t *certs = json_object_get(root, "certificates");
	char *text;

	CHECK(root != NULL);
	for (size_t i = 0; i < idx->n; i++) {
		const struct xcv_index_entry *e = &idx->v[i];
		json_t *doms = json_array();
		for (size_t j = 0; j < e->domains.n; j++)
			json_array_append_new(doms, json_string(e->domains.v[j]));
		CHECK(json_object_set_new(certs, e->sha256, json_pack(
			"{s:s,s:s,s:s,s:o}", "subject", e->subject, "host",
			e->host, "accepted", e->accepted, "domains", doms)) == 0);
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	CHECK(text != NULL);
	return text;
}

static void
check_same(const struct xcv_index *a, const struct xcv_index *b)
{
	CHECK(a->n == b->n && b->notes.n == 0 && b->named.n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct xcv_index_entry *x = &a->v[i], *y = &b->v[i];
		CHECK(strcmp(x->sha256, y->sha256) == 0);
		CHECK(strcmp(x->subject, y->subject) == 0);
		CHECK(strcmp(x->host, y->host) == 0);
		CHECK(strcmp(x->accepted, y->accepted) == 0);
		CHECK(x->domains.n == y->domains.n);
		for (size_t j = 0; j < x->domains.n; j++)
			CHECK(strcmp(x->domains.v[j], y->domains.v[j]) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xcv_index idx, again;
	char *text;
	int rc = xcv_index_parse(&idx, data, size, "fuzz/index.json");

	CHECK(rc == 0 || rc == XCV_EINPUT || rc == XCV_ENOMEM);
	if (rc < 0) {
		CHECK(idx.n == 0 && idx.named.n == 0 && idx.notes.n == 0);
		CHECK(rc != XCV_EINPUT || shows_clean(xcv_error_last()));
		xcv_index_clear(&idx);
		return 0;
	}
	check_entries(&idx);
	text = write_back(&idx);
	CHECK(xcv_index_parse(&again, (const unsigned char *)text,
		strlen(text), "fuzz/again.json") == 0);
	check_same(&idx, &again);
	xcv_index_clear(&again);
	xcv_index_clear(&idx);
	free(text);
	return 0;
}
