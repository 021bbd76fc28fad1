/*
 * xcv_allocators(): the allocators of the libraries under xmppcv (OpenSSL,
 * jansson, c-ares), routed through the counting ones of util.c. A layer of
 * its own above them, so that the low-level helpers never call up into
 * DNS.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>

#include "internal.h"
#include "net.h"

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return xcv_counted_malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return xcv_counted_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

int
xcv_allocators(void)
{
	bool ossl = CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc,
		ossl_free);

	json_set_alloc_funcs(xcv_counted_malloc, free);
	xcv_resolve_allocator();
	if (!ossl)
		return xcv_set_error(XCV_ERROR, "OpenSSL has allocated memory "
			"already; its allocator can no longer be set");
	return 0;
}
