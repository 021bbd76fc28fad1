/*
 * Allocation-failure injection for the fault harness: linked with
 * -Wl,--wrap for the allocation functions xmppcv's own code calls. OpenSSL,
 * jansson, c-ares and expat allocate through xmppcv's own functions (see
 * xcv_allocators(), which the tool's main calls), so every allocation on
 * a path is counted and the n-th can be made to fail. Single-threaded, as
 * the paths it runs.
 *
 * Not covered: allocations inside libc itself (getaddrinfo, stdio
 * buffers) and inside libidn2, which take no allocator.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"

static unsigned long counted, fail_at, failed;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__real_open_memstream(char **buf, size_t *len);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__wrap_open_memstream(char **buf, size_t *len);

/* Under the sanitizers: where the failed allocation was asked for. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

/* Is this the allocation to fail? */
static int
fail_now(void)
{
	if (++counted != fail_at)
		return 0;
	failed++;
	if (getenv("FAULT_TRACE") != NULL && __sanitizer_print_stack_trace)
		__sanitizer_print_stack_trace();
	errno = ENOMEM;
	return 1;
}

void
failalloc_arm(unsigned long n)
{
	counted = 0;
	failed = 0;
	fail_at = n;
}

unsigned long
failalloc_count(void)
{
	return counted;
}

unsigned long
failalloc_failed(void)
{
	return failed;
}

void *
__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

int
__wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (fail_now()) {
		*out = NULL;
		return -1;
	}
	return __real_vasprintf(out, fmt, ap);
}

int
__wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	return fail_now() ? NULL : __real_fopen(path, mode);
}

FILE *
__wrap_open_memstream(char **buf, size_t *len)
{
	return fail_now() ? NULL : __real_open_memstream(buf, len);
}
