/* The accepted-certificate store's index, parsed from bytes (store.c). */
#ifndef XCV_STORE_INTERNAL_H
#define XCV_STORE_INTERNAL_H

#include <jansson.h>

#include "internal.h"

/* The index's format name: anything else is not this version's index. */
#define XCV_INDEX_FORMAT "xmppcv-accepted/1"
/* Larger is not an index (about 50,000 acceptances). */
#define XCV_INDEX_MAX (16u << 20)

/* One valid entry of the index, before its certificate file is read. */
struct xcv_index_entry {
	char sha256[65];                 /* lower-case hex */
	char *subject, *host, *accepted; /* "" when absent; control
	                                    characters shown as '?' */
	struct xcv_strv domains;         /* normalised, each once */
};

struct xcv_index {
	struct xcv_index_entry *v;       /* valid entries, by fingerprint */
	size_t n;
	struct xcv_strv named;           /* every fingerprint the index names,
	                                    valid entry or not */
	struct xcv_strv notes;           /* what in it is not valid, each
	                                    ignored and said */
	bool other_format;               /* set with XCV_EINPUT: a format of
	                                    another xmppcv version */
};

/*
 * Parse the bytes of an index file named name (for messages). Returns 0
 * with the entries; XCV_EINPUT when the bytes are not this version's index
 * (the message says why; other_format says whether it is a later format
 * rather than damage); XCV_ENOMEM. out is emptied first and is always
 * safe to clear.
 */
int xcv_index_parse(struct xcv_index *out, const unsigned char *data,
	size_t len, const char *name);
void xcv_index_clear(struct xcv_index *idx);
void xcv_index_entry_clear(struct xcv_index_entry *e);

/* The same, keeping the index as JSON in *root for a writer to change
 * (NULL on error; the caller decrefs it). */
int xcv_index_parse_json(struct xcv_index *out, json_t **root,
	const unsigned char *data, size_t len, const char *name);

/* Is s (len bytes) a SHA-256 fingerprint as the store names files: 64
 * lower-case hex digits? */
bool xcv_index_is_fp(const char *s, size_t len);

/* Text from the index or a user as a message may show it: escaped, and
 * cut after 72 bytes. NULL for memory. */
char *xcv_index_shown(const char *text);

#endif
