/* Internal declarations shared by the modules of libxmppcv. */
#ifndef XCV_INTERNAL_H
#define XCV_INTERNAL_H

#include <stdarg.h>
#include <time.h>

#include "xmppcv.h"

#define XCV_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Error reporting: set the thread's last error and return code. */
int xcv_set_error(int code, const char *fmt, ...) XCV_PRINTF(2, 3);

/* The last error with a prefix in front: "PREFIX: message". The message
 * is copied first, so it may be passed among the arguments too. */
int xcv_wrap_error(int code, const char *fmt, ...) XCV_PRINTF(2, 3);

/* XCV_ENOMEM with the message "out of memory". */
int xcv_oom(void);
/* After an OpenSSL call failed: did an allocation fail on the way? Takes
 * the whole error queue; returns the most recent error (0: none) in
 * *last, for a message when it did not. */
bool xcv_ossl_oom(unsigned long *last);
/* Allocations that failed in this thread so far: xmppcv's own (every
 * xcv_oom()), expat's (stream.c's memory suite), and once xcv_allocators()
 * is in place OpenSSL's, jansson's and c-ares'. Take one before some
 * work, compare after: any change means the work ran short of memory. */
unsigned long xcv_alloc_failures(void);
/* json_dumps() of a json_t, NULL (out of memory) if it failed or if any
 * allocation failed since `since` (from xcv_alloc_failures() before the
 * document was built): a document built short of memory lacks parts. */
struct json_t;
struct json_error_t;
char *xcv_json_dumps(const struct json_t *json, size_t flags,
	unsigned long since);
/* json_loadb() into *out (NULL when the text does not parse, as error
 * says); XCV_ENOMEM instead when an allocation failed on the way, since
 * jansson then leaves parts out or calls the text malformed. */
int xcv_json_loadb(struct json_t **out, const void *data, size_t len,
	size_t flags, struct json_error_t *error);
/* malloc() and realloc() that count their failures, for libraries that
 * take an allocator. */
void *xcv_counted_malloc(size_t n);
void *xcv_counted_realloc(void *p, size_t n);

/*
 * A growable vector of owned strings. A failed push sets oom, which stays
 * set until the vector is cleared: callers may push many times and check
 * once with xcv_strv_ok().
 */
struct xcv_strv {
	char **v;
	size_t n, cap;
	bool oom;
};
int xcv_strv_push(struct xcv_strv *sv, const char *s);
int xcv_strv_pushf(struct xcv_strv *sv, const char *fmt, ...) XCV_PRINTF(2, 3);
bool xcv_strv_contains(const struct xcv_strv *sv, const char *s);
void xcv_strv_clear(struct xcv_strv *sv);
/* The strings of sv joined by sep, as one new string; NULL when out of
 * memory (also when a push into sv failed), as xcv_oom() says. */
char *xcv_strv_join(const struct xcv_strv *sv, const char *sep);

/* ASCII case folding whatever the locale: names in certificates and
 * domains fold A-Z only (RFC 4343). */
int xcv_ascii_lower(int c);
int xcv_ascii_ncasecmp(const char *a, const char *b, size_t n);
/* 0, or XCV_ENOMEM (with the message set) if a push failed. */
int xcv_strv_ok(const struct xcv_strv *sv);

/* free() for a pointer held as const by a public view. */
void xcv_free_const(const void *p);

/* strdup() and asprintf(): NULL when memory ran out, as xcv_oom() says
 * (and counts; see xcv_alloc_failures()). xcv_strdup(NULL) is NULL. */
char *xcv_strdup(const char *s);
char *xcv_asprintf(const char *fmt, ...) XCV_PRINTF(1, 2);
char *xcv_vasprintf(const char *fmt, va_list ap) XCV_PRINTF(1, 0);

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one:
 * overlong forms, surrogates, code points beyond U+10FFFF and the C1
 * controls are refused. left: bytes available at p (at least 1). */
size_t xcv_utf8_len(const unsigned char *p, size_t left);

/*
 * Copy bytes for display: printable ASCII and valid UTF-8 stay, anything
 * else (NUL, control bytes, invalid UTF-8) becomes \xHH. Never fails except
 * for memory (NULL, as xcv_oom() says).
 */
char *xcv_escape(const unsigned char *p, size_t len);

/* ISO 8601 UTC text for t: "2026-05-01T12:00:00Z". */
void xcv_time_format(int64_t t, char buf[32]);

/* Seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: certificate
 * times (RFC 5280 §4.1.2.5) lie between, and so must any time xmppcv
 * verifies at. */
#define XCV_TIME_MIN (-62167219200LL)
#define XCV_TIME_MAX 253402300799LL

/* 0 for a time within XCV_TIME_MIN..XCV_TIME_MAX, else XCV_EINPUT naming
 * it. */
int xcv_time_check(int64_t t);

/* a - b, saturated at the ends of int64_t rather than overflowing. */
int64_t xcv_time_diff(int64_t a, int64_t b);

/* Milliseconds on a monotonic clock. */
int64_t xcv_now_ms(void);
/* timeout_ms, or less when deadline (xcv_now_ms() time; 0: none) comes
 * first; at least 1. */
int xcv_budget_ms(int64_t deadline, int timeout_ms);
/* The deadline total_ms from now (0 for none). */
int64_t xcv_deadline_after(int total_ms);

/* Write all of data to fd, retrying short writes; -1 with errno set. */
int xcv_write_all(int fd, const void *data, size_t len);

/* Write len bytes as the new file dir/name (never an existing one) with
 * mode, and fsync it. XCV_EINPUT naming the path, or XCV_ENOMEM. */
int xcv_write_new_file(const char *dir, const char *name, const void *data,
	size_t len, int mode);
/* Create the directories above dir (not dir itself), as mkdir -p. */
int xcv_make_parents(const char *dir);

/* Read a whole file (at most limit bytes). XCV_EINPUT with a message. */
int xcv_read_file(unsigned char **out, size_t *outlen, const char *path,
	size_t limit);
/* The same for name under the directory dirfd (or AT_FDCWD); messages
 * say path. When the file cannot be opened, errno says why. */
int xcv_read_file_at(unsigned char **out, size_t *outlen, int dirfd,
	const char *name, const char *path, size_t limit);

#endif
