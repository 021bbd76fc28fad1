/* Errors, strings and time helpers used by every module. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "internal.h"

static _Thread_local char last_error[1024] = "no error";

const char *
xcv_error_last(void)
{
	return last_error;
}

int
xcv_set_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return code;
}

int
xcv_wrap_error(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(last_error)];
	va_list ap;
	size_t n, len;

	memcpy(old, last_error, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* "prefix: old", cut at the buffer's end. */
	n = (size_t)snprintf(last_error, sizeof(last_error), "%s: ", prefix);
	if (n >= sizeof(last_error))
		return code;
	len = strnlen(old, sizeof(last_error) - n - 1);
	memcpy(last_error + n, old, len);
	last_error[n + len] = '\0';
	return code;
}

/* Allocations that failed in this thread (xcv_alloc_failures()). */
static _Thread_local unsigned long alloc_failed;

int
xcv_oom(void)
{
	alloc_failed++;
	return xcv_set_error(XCV_ENOMEM, "out of memory");
}

void *
xcv_counted_malloc(size_t n)
{
	void *p = malloc(n);

	alloc_failed += p == NULL && n > 0;
	return p;
}

void *
xcv_counted_realloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	alloc_failed += q == NULL && n > 0;
	return q;
}

unsigned long
xcv_alloc_failures(void)
{
	return alloc_failed;
}

int
xcv_json_loadb(json_t **out, const void *data, size_t len, size_t flags,
	json_error_t *error)
{
	unsigned long since = xcv_alloc_failures();
	json_t *j = json_loadb(data, len, flags, error);

	/* jansson drops what it cannot allocate room for, or gives up with
	 * a parse error: either way not the text's fault. */
	if (xcv_alloc_failures() != since) {
		json_decref(j);
		*out = NULL;
		return xcv_oom();
	}
	*out = j;
	return 0;
}

char *
xcv_json_dumps(const json_t *json, size_t flags, unsigned long since)
{
	char *s = json ? json_dumps(json, flags) : NULL;

	/* jansson may leave out what it could not allocate room for, and
	 * return the rest: text written while memory ran short is not the
	 * document. */
	if (s != NULL && xcv_alloc_failures() != since) {
		free(s);
		s = NULL;
	}
	if (s == NULL)
		xcv_oom();
	return s;
}

void
xcv_free_const(const void *p)
{
	union { const void *c; void *m; } u = { .c = p };

	free(u.m);
}

const char *
xcv_version(void)
{
	return XCV_VERSION;
}

bool
xcv_ossl_oom(unsigned long *last)
{
	unsigned long e;
	bool oom = false;

	if (last != NULL)
		*last = ERR_peek_last_error();
	while ((e = ERR_get_error()) != 0)
		oom |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
	return oom;
}

char *
xcv_strdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		xcv_oom();
	return d;
}

char *
xcv_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		xcv_oom();
		return NULL;
	}
	return s;
}

char *
xcv_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xcv_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static int
strv_take(struct xcv_strv *sv, char *s)
{
	if (s == NULL) {
		sv->oom = true;
		return xcv_oom();
	}
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			sv->oom = true;
			return xcv_oom();
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return 0;
}

int
xcv_strv_push(struct xcv_strv *sv, const char *s)
{
	return strv_take(sv, xcv_strdup(s ? s : ""));
}

int
xcv_strv_ok(const struct xcv_strv *sv)
{
	return sv->oom ? xcv_oom() : 0;
}

int
xcv_strv_pushf(struct xcv_strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xcv_vasprintf(fmt, ap);
	va_end(ap);
	return strv_take(sv, s);
}

bool
xcv_strv_contains(const struct xcv_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

char *
xcv_strv_join(const struct xcv_strv *sv, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *s, *p;

	if (xcv_strv_ok(sv) < 0)
		return NULL;
	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + (i ? seplen : 0);
	if ((s = malloc(len)) == NULL) {
		xcv_oom();
		return NULL;
	}
	p = s;
	for (size_t i = 0; i < sv->n; i++) {
		size_t n = strlen(sv->v[i]);
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, sv->v[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

int
xcv_ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
xcv_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = xcv_ascii_lower((unsigned char)a[i]);
		int cb = xcv_ascii_lower((unsigned char)b[i]);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

void
xcv_strv_clear(struct xcv_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
	sv->oom = false;
}

size_t
xcv_utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and out-of-range code points. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return n;
}

char *
xcv_escape(const unsigned char *p, size_t len)
{
	char *out = malloc(len * 4 + 1), *o = out;

	if (out == NULL) {
		xcv_oom();
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		size_t n = xcv_utf8_len(p + i, len - i);
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\'))
			n = 0;
		if (n == 0) {
			if (p[i] == '\\') {
				*o++ = '\\';
				*o++ = '\\';
			} else {
				o += sprintf(o, "\\x%02x", p[i]);
			}
			i++;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return out;
}

void
xcv_time_format(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* Four digits for the year, as ISO 8601 writes 0001 to 9999. */
	if (t < XCV_TIME_MIN || t > XCV_TIME_MAX || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, 32, "@%lld", (long long)t);
	else
		snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ",
			(unsigned)(tm.tm_year + 1900) % 10000u,
			(unsigned)tm.tm_mon % 12u + 1, (unsigned)tm.tm_mday % 32u,
			(unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u,
			(unsigned)tm.tm_sec % 61u);
}

static bool
digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static int
days_in(int y, int mo)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

int
xcv_time_check(int64_t t)
{
	if (t < XCV_TIME_MIN || t > XCV_TIME_MAX)
		return xcv_set_error(XCV_EINPUT, "invalid time @%lld: a "
			"verification time lies between the years 0000 and 9999",
			(long long)t);
	return 0;
}

int64_t
xcv_time_diff(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return d;
}

int
xcv_time_parse(int64_t *out, const char *text)
{
	const char *t = text;
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, s = 0;
	long long v;
	char *end;

	*out = 0;
	if (t == NULL || *t == '\0')
		return xcv_set_error(XCV_EINPUT, "invalid time: it is empty");
	if (t[0] == '@') {
		errno = 0;
		v = strtoll(t + 1, &end, 10);
		if (errno || end == t + 1 || *end != '\0' || v < XCV_TIME_MIN ||
		    v > XCV_TIME_MAX)
			return xcv_set_error(XCV_EINPUT, "invalid time '%s': "
				"@SECONDS wants a whole number of seconds between "
				"the years 0000 and 9999", text);
		*out = v;
		return 0;
	}
	/* YYYY-MM-DD, then THH:MM, :SS and Z or +00:00 as they come. */
	if (strlen(t) < 10 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) ||
	    t[7] != '-' || !digits(t + 8, 2))
		goto out;
	y = atoi(t);
	mo = atoi(t + 5);
	d = atoi(t + 8);
	t += 10;
	if (*t == 'T' || *t == ' ') {
		if (!digits(t + 1, 2) || t[3] != ':' || !digits(t + 4, 2))
			goto out;
		h = atoi(t + 1);
		mi = atoi(t + 4);
		t += 6;
		if (*t == ':') {
			if (!digits(t + 1, 2))
				goto out;
			s = atoi(t + 1);
			t += 3;
		}
		if (*t == 'Z')
			t++;
		else if (strcmp(t, "+00:00") == 0)
			t += 6;
	}
	if (*t != '\0')
		goto out;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
		return xcv_set_error(XCV_EINPUT, "invalid time '%s': there is no "
			"such date", text);
	if (h > 23 || mi > 59 || s > 60)
		return xcv_set_error(XCV_EINPUT, "invalid time '%s': there is no "
			"such time of day", text);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = (int64_t)timegm(&tm);
	return 0;
out:
	return xcv_set_error(XCV_EINPUT, "invalid time '%s': expected ISO 8601 "
		"UTC such as 2026-05-01T12:00:00Z, or @<unix seconds>", text);
}

int
xcv_read_file_at(unsigned char **out, size_t *outlen, int dirfd,
	const char *name, const char *path, size_t limit)
{
	unsigned char *buf = NULL, *nb;
	struct stat st;
	size_t len = 0, cap;
	int fd, rc = XCV_EINPUT;

	*out = NULL;
	*outlen = 0;
	if (path == NULL)
		path = name;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		xcv_set_error(XCV_EINPUT, "%s: cannot read: %s", path,
			strerror(e));
		errno = e;
		return XCV_EINPUT;
	}
	if (fstat(fd, &st) < 0) {
		xcv_set_error(XCV_EINPUT, "%s: cannot read: %s", path,
			strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		xcv_set_error(XCV_EINPUT, "%s: is a directory, not a file", path);
		goto out;
	}
	/* Its size, as the file says, and one byte more: a file that says
	 * nothing (a pipe, /proc) grows the buffer as it comes. */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 &&
		(uintmax_t)st.st_size <= limit ? (size_t)st.st_size + 1 : 16384;
	for (;;) {
		ssize_t got;
		if (len == cap) {
			cap *= 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = xcv_oom();
				goto out;
			}
			buf = nb;
		} else if (buf == NULL && (buf = malloc(cap + 1)) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			xcv_set_error(XCV_EINPUT, "%s: read error: %s", path,
				strerror(errno));
			goto out;
		}
		len += (size_t)got;
		if (len > limit) {
			xcv_set_error(XCV_EINPUT,
				"%s: too large (over %zu bytes) for a certificate file",
				path, limit);
			goto out;
		}
		/* A regular file ends where its size said when it was
		 * opened. */
		if (got == 0 || (S_ISREG(st.st_mode) && st.st_size > 0 &&
		    len >= (size_t)st.st_size))
			break;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int
xcv_read_file(unsigned char **out, size_t *outlen, const char *path,
	size_t limit)
{
	return xcv_read_file_at(out, outlen, AT_FDCWD, path, path, limit);
}

int
xcv_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int64_t
xcv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
xcv_budget_ms(int64_t deadline, int timeout_ms)
{
	int64_t left;

	if (deadline <= 0)
		return timeout_ms;
	left = deadline - xcv_now_ms();
	if (left < 1)
		return 1;
	return left < timeout_ms ? (int)left : timeout_ms;
}

int64_t
xcv_deadline_after(int total_ms)
{
	return total_ms > 0 ? xcv_now_ms() + total_ms : 0;
}

int
xcv_write_new_file(const char *dir, const char *name, const void *data,
	size_t len, int mode)
{
	char *path = xcv_asprintf("%s/%s", dir, name);
	int fd, rc = -1;

	if (path == NULL)
		return XCV_ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd >= 0 && xcv_write_all(fd, data, len) == 0 && fsync(fd) == 0) {
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

int
xcv_make_parents(const char *dir)
{
	char *p = xcv_strdup(dir);
	int rc = 0;

	if (p == NULL)
		return XCV_ENOMEM;
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
