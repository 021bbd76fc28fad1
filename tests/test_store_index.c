/*
 * The store's index parser on the files of fixtures/store-index: one row
 * per file, what it must give (entries, fingerprints named, notes, or a
 * refusal), and for some a field as it must be shown. The same files seed
 * the fuzzer (tests/fuzz/fuzz_store.c); its findings are rows here too.
 *
 * Run: test_store_index [FIXTURES]   (default $FIXTURES)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define FP1 "47c834e59ba85fb54c09eb14b6fcd02fc337f433399efb2763da5f241ff1ec69"
#define FP2 "d1e4803cc20b3a8d3feeee61b447467559f434cda21f0b8dc5ca060cf35307cd"

struct row {
	const char *file, *why;
	int rc;                  /* 0 or XCV_EINPUT */
	bool other_format;       /* refused as another version's format */
	size_t entries, named, notes;
	const char *message;     /* in the refusal, or in one of the notes */
	const char *fp, *host, *domains;   /* one entry as it must be */
};

static const struct row rows[] = {
	/* What xmppcv writes: every field, IDN A-labels, IP addresses. */
	{ "valid.json", "a written index gives every entry", 0, false, 2, 2, 0,
	  NULL, FP1, "cup1.corp.example:5222",
	  "corp.example xn--bcher-kva.example 127.0.0.2 ::1" },
	{ "empty.json", "an empty index gives nothing to say", 0, false, 0, 0,
	  0, NULL, NULL, NULL, NULL },
	/* Names that are not fingerprints (also upper case), entries without
	 * a list of domains, fields that are not text, domains not as xmppcv
	 * writes them (case, trailing dot, empty label, a number), a
	 * duplicate; the escape sequence in host is shown defused. */
	{ "invalid-entries.json", "each invalid part is said and ignored", 0,
	  false, 1, 3, 10, "lists 'Corp.Example', which is not a domain",
	  FP2, "a?[31mred", "corp.example" },
	{ "unicode.json", "a U-label is not as xmppcv writes a domain", 0,
	  false, 1, 1, 1, "lists 'b\xc3\xbc" "cher.example'", NULL, NULL,
	  NULL },
	{ "damaged.json", "a cut-off index is damaged", XCV_EINPUT, false, 0,
	  0, 0, "fixtures/index.json is damaged (", NULL, NULL, NULL },
	{ "later-format.json", "another version's format is not damage",
	  XCV_EINPUT, true, 0, 0, 0, "in the format xmppcv-accepted/2", NULL,
	  NULL, NULL },
	{ "not-an-index.json", "JSON that is not an index", XCV_EINPUT, false,
	  0, 0, 0, "is not an xmppcv index", NULL, NULL, NULL },
	{ "duplicate-key.json", "a fingerprint twice is damage", XCV_EINPUT,
	  false, 0, 0, 0, "duplicate object key", NULL, NULL, NULL },
	{ "nul-in-domain.json", "a NUL in a string is damage", XCV_EINPUT,
	  false, 0, 0, 0, "\\\\u0000 is not allowed", NULL, NULL, NULL },
	/* Fuzzer finding: jansson quotes the byte it stopped at (here 0x1f)
	 * in its message, which went to the terminal raw. */
	{ "finding-control-byte-in-error.json", "the damage message shows no "
	  "control byte", XCV_EINPUT, false, 0, 0, 0, "near '\\x1f'", NULL,
	  NULL, NULL },
};

static const char *fixtures;

static unsigned char *
load(const char *name, size_t *len)
{
	char path[4096];
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	FILE *f;

	*len = 0;
	assert_true(snprintf(path, sizeof(path), "%s/store-index/%s", fixtures,
		name) < (int)sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	assert_false(ferror(f));
	fclose(f);
	return buf;
}

static bool
shows_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void
run_row(void **state)
{
	const struct row *r = *state;
	struct xcv_index idx;
	size_t len;
	unsigned char *data = load(r->file, &len);
	int rc = xcv_index_parse(&idx, data, len, "fixtures/index.json");
	bool said = r->message == NULL, found = false;

	assert_int_equal(rc, r->rc);
	assert_int_equal(idx.other_format, r->other_format);
	assert_int_equal(idx.n, r->entries);
	assert_int_equal(idx.named.n, r->named);
	assert_int_equal(idx.notes.n, r->notes);
	if (rc < 0) {
		assert_true(shows_clean(xcv_error_last()));
		said = r->message && strstr(xcv_error_last(), r->message);
	}
	for (size_t i = 0; i < idx.notes.n; i++) {
		assert_true(shows_clean(idx.notes.v[i]));
		said |= r->message && strstr(idx.notes.v[i], r->message);
	}
	if (!said)
		fail_msg("'%s' was not said (%s)", r->message, xcv_error_last());
	for (size_t i = 0; r->fp && i < idx.n; i++) {
		char doms[512] = "";
		if (strcmp(idx.v[i].sha256, r->fp) != 0)
			continue;
		assert_string_equal(idx.v[i].host, r->host);
		for (size_t j = 0; j < idx.v[i].domains.n; j++)
			snprintf(doms + strlen(doms), sizeof(doms) - strlen(doms),
				"%s%s", j ? " " : "", idx.v[i].domains.v[j]);
		assert_string_equal(doms, r->domains);
		found = true;
	}
	assert_int_equal(found, r->fp != NULL);
	xcv_index_clear(&idx);
	free(data);
}

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

int
main(int argc, char **argv)
{
	static struct CMUnitTest tests[N_ROWS];

	fixtures = argc > 1 ? argv[1] : getenv("FIXTURES");
	if (fixtures == NULL || *fixtures == '\0') {
		fprintf(stderr, "usage: test_store_index FIXTURES (or set "
			"$FIXTURES to the fixtures directory)\n");
		return 1;
	}
	for (size_t i = 0; i < N_ROWS; i++) {
		tests[i].name = rows[i].why;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	return cmocka_run_group_tests_name("store-index", tests, NULL, NULL);
}
