/* Loading chains as presented (PEM or DER), and describing certificates. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "chain_internal.h"

/*
 * Parsed certificates, shared by DER. A fleet's chains repeat a few
 * intermediates; decoding one (its key above all) costs more than
 * verifying a signature, so a cache decodes each distinct one once. The
 * cache belongs to its caller (one thread at a time) and is bounded: a
 * slot holds one certificate, and a newcomer replaces it.
 */
#define CACHE_SLOTS 1024

struct cached {
	unsigned char *der;
	long len;
	uint64_t hash;
	X509 *x;
};

/*
 * An OpenSSL library context of xmppcv's own. Certificates parsed in it
 * refer to it, so it lives as long as any object holding them: each such
 * object holds a reference (struct xcv_refs).
 */
struct xcv_libctx {
	OSSL_LIB_CTX *ctx;
	OSSL_PROVIDER *prov[8];      /* loaded into it, unloaded with it */
	int n_prov;
	atomic_int refs;
};

static void
libctx_free(struct xcv_libctx *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < l->n_prov; i++)
		OSSL_PROVIDER_unload(l->prov[i]);
	OSSL_LIB_CTX_free(l->ctx);
	free(l);
}

static void
libctx_unref(struct xcv_libctx *l)
{
	if (l != NULL && atomic_fetch_sub(&l->refs, 1) == 1)
		libctx_free(l);
}

static int
load_like_default(OSSL_PROVIDER *p, void *arg)
{
	struct xcv_libctx *l = arg;

	if (l->n_prov == (int)(sizeof(l->prov) / sizeof(l->prov[0])))
		return 0;
	l->prov[l->n_prov] = OSSL_PROVIDER_load(l->ctx,
		OSSL_PROVIDER_get0_name(p));
	return l->prov[l->n_prov++] != NULL;
}

/* A context with the providers (and the FIPS property) of OpenSSL's
 * default one; NULL when it cannot be had. */
static struct xcv_libctx *
libctx_new(void)
{
	struct xcv_libctx *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if ((l->ctx = OSSL_LIB_CTX_new()) == NULL ||
	    !OSSL_PROVIDER_do_all(NULL, load_like_default, l) ||
	    (EVP_default_properties_is_fips_enabled(NULL) &&
	    !EVP_default_properties_enable_fips(l->ctx, 1))) {
		/* A provider that failed to load is not to be unloaded. */
		if (l->n_prov > 0 && l->prov[l->n_prov - 1] == NULL)
			l->n_prov--;
		libctx_free(l);
		ERR_clear_error();
		return NULL;
	}
	atomic_init(&l->refs, 1);
	return l;
}

int
xcv_refs_add(struct xcv_refs *dst, const struct xcv_refs *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct xcv_libctx **v;
		bool have = false;
		for (size_t k = 0; k < dst->n && !have; k++)
			have = dst->v[k] == src->v[i];
		if (have)
			continue;
		if ((v = realloc(dst->v, (dst->n + 1) * sizeof(*v))) == NULL)
			return xcv_oom();
		dst->v = v;
		atomic_fetch_add(&src->v[i]->refs, 1);
		v[dst->n++] = src->v[i];
	}
	return 0;
}

void
xcv_refs_clear(struct xcv_refs *r)
{
	for (size_t i = 0; i < r->n; i++)
		libctx_unref(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/*
 * OpenSSL 3.0 fills its table of algorithm names on first use, and a
 * thread that looks a name up meanwhile can find it missing: two missing
 * names compare equal, and X509_digest() then takes SHA-256 for SHA-1 and
 * answers with 20 bytes. Filled once, here, before any thread of ours
 * asks.
 */
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void
fill_names(void)
{
	(void)EVP_MD_is_a(EVP_sha256(), SN_sha1);
}

void
xcv_openssl_prepare(void)
{
	pthread_once(&names_once, fill_names);
}

struct xcv_chain_cache {
	struct xcv_refs lib;          /* its own context, if it has one */
	struct cached slot[CACHE_SLOTS];
};

struct xcv_chain_cache *
xcv_chain_cache_new(bool own_context)
{
	struct xcv_chain_cache *cache = calloc(1, sizeof(*cache));
	struct xcv_libctx *l;

	xcv_openssl_prepare();
	if (cache == NULL || !own_context)
		return cache;
	/* Without a context of its own, it parses in the default one. */
	if ((l = libctx_new()) != NULL) {
		cache->lib.v = malloc(sizeof(*cache->lib.v));
		if (cache->lib.v == NULL) {
			libctx_unref(l);
			free(cache);
			return NULL;
		}
		cache->lib.v[0] = l;
		cache->lib.n = 1;
	}
	return cache;
}

void
xcv_chain_cache_free(struct xcv_chain_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		X509_free(cache->slot[i].x);
		free(cache->slot[i].der);
	}
	xcv_refs_clear(&cache->lib);
	free(cache);
}

/* A certificate to parse into: in the cache's context, if it has one. */
static X509 *
new_cert(const struct xcv_chain_cache *cache)
{
	return X509_new_ex(cache && cache->lib.n ? cache->lib.v[0]->ctx : NULL,
		NULL);
}

static uint64_t
fnv1a(const unsigned char *p, long len)
{
	uint64_t h = 1469598103934665603ull;

	for (long i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* A new reference to the cached certificate for der, or NULL. */
static X509 *
cache_get(struct xcv_chain_cache *cache, const unsigned char *der, long len,
	uint64_t h)
{
	struct cached *c = &cache->slot[h % CACHE_SLOTS];

	if (c->x && c->hash == h && c->len == len && memcmp(c->der, der,
	    (size_t)len) == 0 && X509_up_ref(c->x))
		return c->x;
	return NULL;
}

static void
cache_put(struct xcv_chain_cache *cache, const unsigned char *der, long len,
	uint64_t h, X509 *x)
{
	struct cached *c = &cache->slot[h % CACHE_SLOTS];
	unsigned char *copy = malloc((size_t)len);

	if (copy == NULL || !X509_up_ref(x)) {
		free(copy);
		return;
	}
	memcpy(copy, der, (size_t)len);
	X509_free(c->x);
	free(c->der);
	c->der = copy;
	c->len = len;
	c->hash = h;
	c->x = x;
}

int
xcv_chain_intern(struct xcv_chain *c, struct xcv_chain_cache *cache)
{
	for (int i = 0; i < sk_X509_num(c->certs); i++) {
		X509 *x = sk_X509_value(c->certs, i), *same;
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		uint64_t h;

		if (len <= 0)
			return xcv_oom();
		h = fnv1a(der, len);
		same = cache_get(cache, der, len, h);
		if (same == NULL) {
			cache_put(cache, der, len, h, x);
		} else if (same != x) {
			(void)sk_X509_set(c->certs, i, same);
			X509_free(x);
		} else {
			X509_free(same);    /* the reference cache_get took */
		}
		OPENSSL_free(der);
	}
	return 0;
}

struct xcv_chain *
xcv_chain_new(void)
{
	struct xcv_chain *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->certs = sk_X509_new_null();
	if (c->certs == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
xcv_chain_free(struct xcv_chain *c)
{
	if (c == NULL)
		return;
	sk_X509_pop_free(c->certs, X509_free);
	xcv_strv_clear(&c->notes);
	xcv_refs_clear(&c->libs);
	free(c);
}

size_t
xcv_chain_count(const struct xcv_chain *c)
{
	return (size_t)sk_X509_num(c->certs);
}

size_t
xcv_chain_note_count(const struct xcv_chain *c)
{
	return c->notes.n;
}

const char *
xcv_chain_note(const struct xcv_chain *c, size_t i)
{
	return i < c->notes.n ? c->notes.v[i] : NULL;
}

/* OpenSSL's reason for error e, in words. */
static const char *
openssl_reason(unsigned long e)
{
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown reason";
}

static int
push_cert(struct xcv_chain *c, X509 *x, const char *name)
{
	int max = c->max > 0 ? c->max : XCV_MAX_CHAIN;

	if (sk_X509_num(c->certs) >= max) {
		X509_free(x);
		return xcv_set_error(XCV_EINPUT, max == XCV_MAX_CHAIN ?
			"%s: more than %d certificates; that is not a chain a "
			"server presents" : "%s: more than %d certificates",
			name, max);
	}
	if (sk_X509_push(c->certs, x) <= 0) {
		X509_free(x);
		return xcv_oom();
	}
	return 0;
}

int
xcv_chain_append(struct xcv_chain *dst, const struct xcv_chain *src)
{
	int rc;

	if (xcv_refs_add(&dst->libs, &src->libs) < 0)
		return XCV_ENOMEM;
	if (src->max > dst->max)
		dst->max = src->max;    /* anchors gathered from files */
	for (int i = 0; i < sk_X509_num(src->certs); i++) {
		X509 *x = sk_X509_value(src->certs, i);
		if (!X509_up_ref(x))
			return xcv_oom();
		if ((rc = push_cert(dst, x, "chain")) < 0)
			return rc;
	}
	return 0;
}

int
xcv_chain_add_der(struct xcv_chain *c, const void *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (x == NULL || p != (const unsigned char *)der + len) {
		X509_free(x);
		return xcv_set_error(XCV_EINPUT,
			"certificate does not parse as X.509 DER");
	}
	return push_cert(c, x, "chain");
}

static bool
is_cert_block(const char *type)
{
	return strcmp(type, "CERTIFICATE") == 0 ||
		strcmp(type, "X509 CERTIFICATE") == 0 ||
		strcmp(type, "TRUSTED CERTIFICATE") == 0;
}

/* Where a chain's certificates may come from: a cache (NULL: none), for
 * every certificate or every one but the first (a server's own, which
 * chains do not share). */
struct source {
	struct xcv_chain_cache *cache;
	bool cache_first;
	bool openssl_pem;     /* tests: OpenSSL's PEM reader for every block */
};

/* One CERTIFICATE block's DER: taken from the cache or parsed (and then
 * cached) when the source has one and the block may be shared, else
 * parsed here. */
static int
add_pem_cert(struct xcv_chain *c, const unsigned char *der, long dlen,
	bool trusted, const char *name, const struct source *src)
{
	bool shared = src->cache && !trusted &&
		(src->cache_first || sk_X509_num(c->certs) > 0);
	uint64_t h = shared ? fnv1a(der, dlen) : 0;
	const unsigned char *p = der;
	X509 *x = shared ? cache_get(src->cache, der, dlen, h) : NULL;
	unsigned long failures = xcv_alloc_failures();

	if (x != NULL)
		return push_cert(c, x, name);
	if ((x = new_cert(src->cache)) == NULL)
		return xcv_oom();
	ERR_clear_error();
	x = trusted ? d2i_X509_AUX(&x, &p, dlen) : d2i_X509(&x, &p, dlen);
	/* Decoded without memory it asked for (its name's encoding, say):
	 * neither kept nor cached. */
	if (x != NULL && xcv_alloc_failures() != failures) {
		X509_free(x);
		return xcv_oom();
	}
	if (x == NULL) {
		unsigned long e;
		if (xcv_ossl_oom(&e) || xcv_alloc_failures() != failures)
			return xcv_oom();
		return xcv_set_error(XCV_EINPUT, "%s: certificate %d does not "
			"parse as X.509 (%s)", name, sk_X509_num(c->certs) + 1,
			openssl_reason(e));
	}
	if (p != der + dlen) {
		X509_free(x);
		return xcv_set_error(XCV_EINPUT, "%s: certificate %d has %ld "
			"stray bytes after it inside its PEM block", name,
			sk_X509_num(c->certs) + 1, dlen - (long)(p - der));
	}
	if (shared)
		cache_put(src->cache, der, dlen, h, x);
	return push_cert(c, x, name);
}

/*
 * The common PEM certificate block, read here rather than by OpenSSL's PEM
 * reader (which costs as much as a tenth of replaying a case): a line
 * "-----BEGIN CERTIFICATE-----", lines of at most 76 base64 characters,
 * "=" padding only at the very end and a length that is a multiple of 4,
 * then "-----END CERTIFICATE-----", every line ended by "\n" or "\r\n"
 * (the last one by the end of the data too). OpenSSL decodes such a block
 * to the same bytes. *p is where the block's BEGIN line starts; on
 * success *p moves past the END line and *der (malloc'd) holds the bytes.
 * 0 when the block is not of that form: OpenSSL's reader takes it then.
 */
static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

/* Each base64 digit's value plus one by character; PAD for '=', 0 for
 * anything else. */
enum { BAD = 0, PAD = 65 };
static const unsigned char b64[256] = {
	['A'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 26,
	['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
	43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
	['0'] = 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
	['+'] = 63, ['/'] = 64, ['='] = PAD,
};

/* Past an end of line at *p ("\n" or "\r\n"); false if there is none. */
static bool
eol(const unsigned char **p, const unsigned char *end)
{
	if (*p < end && **p == '\n') {
		(*p)++;
		return true;
	}
	if (end - *p >= 2 && (*p)[0] == '\r' && (*p)[1] == '\n') {
		*p += 2;
		return true;
	}
	return false;
}

static long
plain_pem_block(const unsigned char **pp, const unsigned char *end,
	unsigned char **der)
{
	const size_t blen = sizeof(pem_begin) - 1, elen = sizeof(pem_end) - 1;
	const unsigned char *p = *pp;
	unsigned char *out, *o;
	uint32_t acc = 0;
	size_t chars = 0, pad = 0;

	*der = NULL;
	if ((size_t)(end - p) < blen || memcmp(p, pem_begin, blen) != 0)
		return 0;
	p += blen;
	if (!eol(&p, end))
		return 0;
	/* At most this much: three bytes for every four characters. */
	if ((out = malloc((size_t)(end - p) / 4 * 3 + 3)) == NULL)
		return -1;
	o = out;
	for (;;) {
		const unsigned char *line = p;
		if ((size_t)(end - p) >= elen && memcmp(p, pem_end, elen) == 0)
			break;
		/* Padding ends the last line. */
		if (pad > 0)
			goto not_plain;
		for (; p < end && p - line <= 76; p++) {
			unsigned v = b64[*p];
			if (v == PAD) {
				pad++;
			} else if (v == BAD || pad > 0) {
				break;
			} else {
				acc = acc << 6 | (v - 1);
				if ((++chars & 3) == 0) {
					*o++ = (unsigned char)(acc >> 16);
					*o++ = (unsigned char)(acc >> 8);
					*o++ = (unsigned char)acc;
				}
			}
		}
		if (p == line || p - line > 76 || !eol(&p, end))
			goto not_plain;
	}
	chars += pad;
	p += elen;
	if (!(p == end || eol(&p, end)) || chars == 0 || chars % 4 != 0 ||
	    pad > 2)
		goto not_plain;
	/* The last group's padding: its digits give 3 - pad bytes. */
	if (pad == 1) {
		*o++ = (unsigned char)(acc >> 10);
		*o++ = (unsigned char)(acc >> 2);
	} else if (pad == 2) {
		*o++ = (unsigned char)(acc >> 4);
	}
	*pp = p;
	*der = out;
	return (long)(o - out);
not_plain:
	free(out);
	return 0;
}

static int
load_pem(struct xcv_chain *c, const unsigned char *data, size_t len,
	const char *name, const struct source *src)
{
	const unsigned char *pos = data, *end = data + len;
	int rc = 0;
	size_t blocks = 0;

	for (;;) {
		const unsigned char *begin = memmem(pos, (size_t)(end - pos),
			"-----BEGIN", 10);
		char *type = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		BIO *bio;
		char *rest;

		if (begin == NULL)
			break;
		/* A BEGIN line that starts a line, in the plain form. */
		if (!src->openssl_pem && (begin == data || begin[-1] == '\n') &&
		    (dlen = plain_pem_block(&begin, end, &der)) != 0) {
			if (dlen < 0) {
				rc = xcv_oom();
				break;
			}
			blocks++;
			rc = add_pem_cert(c, der, dlen, false, name, src);
			free(der);
			pos = begin;
			if (rc < 0)
				break;
			continue;
		}
		/* Anything else, from here on, block by block: OpenSSL's. */
		if ((bio = BIO_new_mem_buf(pos, (int)(end - pos))) == NULL) {
			rc = xcv_oom();
			break;
		}
		ERR_clear_error();
		if (!PEM_read_bio(bio, &type, &header, &der, &dlen)) {
			unsigned long e;
			bool oom = xcv_ossl_oom(&e);
			BIO_free(bio);
			if (oom) {
				rc = xcv_oom();
				break;
			}
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;
			rc = xcv_set_error(XCV_EINPUT,
				"%s: PEM block %zu is truncated or damaged (%s)",
				name, blocks + 1, openssl_reason(e));
			break;
		}
		/* What OpenSSL has not read yet is where the next block is. */
		pos = end - BIO_get_mem_data(bio, &rest);
		BIO_free(bio);
		blocks++;
		if (!is_cert_block(type)) {
			rc = xcv_strv_pushf(&c->notes, "%s: ignored a %s block%s",
				name, type, strstr(type, "PRIVATE KEY") ?
				"; keep private keys out of chain files" : "");
		} else {
			rc = add_pem_cert(c, der, dlen, strcmp(type,
				"TRUSTED CERTIFICATE") == 0, name, src);
		}
		OPENSSL_free(type);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (rc < 0)
			break;
	}
	ERR_clear_error();
	if (rc == 0 && sk_X509_num(c->certs) == 0)
		rc = xcv_set_error(XCV_EINPUT,
			"%s: no certificate in this PEM file", name);
	return rc;
}

static int
load_der(struct xcv_chain *c, const unsigned char *data, size_t len,
	const char *name, const struct source *src)
{
	const unsigned char *p = data, *q = data;
	unsigned long failures = xcv_alloc_failures();
	long olen = 0;
	int tag = 0, cls = 0, r;
	X509 *x;

	ERR_clear_error();
	if ((x = new_cert(src->cache)) == NULL)
		return xcv_oom();
	x = d2i_X509(&x, &p, (long)len);
	if (x != NULL && xcv_alloc_failures() != failures) {
		X509_free(x);
		return xcv_oom();
	}
	if (x != NULL) {
		if (p != data + len) {
			X509_free(x);
			return xcv_set_error(XCV_EINPUT,
				"%s: %zu stray bytes after the DER certificate; "
				"a DER file holds one certificate", name,
				len - (size_t)(p - data));
		}
		return push_cert(c, x, name);
	}
	if (xcv_ossl_oom(NULL) || xcv_alloc_failures() != failures)
		return xcv_oom();
	if (data[0] != 0x30)
		return xcv_set_error(XCV_EINPUT,
			"%s: not a certificate: neither PEM (no '-----BEGIN' "
			"line) nor DER", name);
	r = ASN1_get_object(&q, &olen, &tag, &cls, (long)len);
	ERR_clear_error();
	if ((r & 0x80) && (size_t)(q - data) + (size_t)olen > len)
		return xcv_set_error(XCV_EINPUT,
			"%s: truncated DER: the certificate needs %zu bytes, the "
			"file has %zu", name, (size_t)(q - data) + (size_t)olen,
			len);
	return xcv_set_error(XCV_EINPUT,
		"%s: DER data does not parse as an X.509 certificate", name);
}

static int
parse(struct xcv_chain **out, const void *data, size_t len, const char *name,
	const struct source src)
{
	struct xcv_chain *c;
	unsigned long failures;
	int rc;

	*out = NULL;
	if (name == NULL)
		name = "input";
	if (len == 0)
		return xcv_set_error(XCV_EINPUT, "%s: empty file", name);
	if (len > XCV_MAX_FILE)
		return xcv_set_error(XCV_EINPUT, "%s: too large for a chain", name);
	c = xcv_chain_new();
	if (c == NULL)
		return xcv_oom();
	/* A file of anchors may be a whole CA bundle. */
	c->max = src.cache_first ? XCV_MAX_ANCHORS : XCV_MAX_CHAIN;
	failures = xcv_alloc_failures();
	/* Its certificates keep the cache's context alive. */
	if (src.cache != NULL && xcv_refs_add(&c->libs, &src.cache->lib) < 0)
		rc = XCV_ENOMEM;
	else if (memmem(data, len, "-----BEGIN", 10) != NULL)
		rc = load_pem(c, data, len, name, &src);
	else
		rc = load_der(c, data, len, name, &src);
	if (rc != XCV_ENOMEM && xcv_alloc_failures() != failures)
		rc = xcv_oom();
	if (rc < 0) {
		xcv_chain_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
xcv_chain_parse(struct xcv_chain **out, const void *data, size_t len,
	const char *name, struct xcv_chain_cache *cache, bool cache_first)
{
	return parse(out, data, len, name, (struct source){ cache, cache_first,
		false });
}

int
xcv_chain_parse_openssl(struct xcv_chain **out, const void *data, size_t len,
	const char *name)
{
	return parse(out, data, len, name, (struct source){ NULL, false, true });
}

int
xcv_chain_load_mem(struct xcv_chain **out, const void *data, size_t len,
	const char *name)
{
	return xcv_chain_parse(out, data, len, name, NULL, false);
}

int
xcv_chain_load_mem_cached(struct xcv_chain **out, const void *data,
	size_t len, const char *name, struct xcv_chain_cache *cache)
{
	return xcv_chain_parse(out, data, len, name, cache, false);
}

/* A file as a chain, or (anchors) as a file of trust anchors. */
static int
load_file(struct xcv_chain **out, const char *path,
	struct xcv_chain_cache *cache, bool anchors)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = xcv_read_file(&data, &len, path, XCV_MAX_FILE);
	if (rc == 0)
		rc = xcv_chain_parse(out, data, len, path, cache, anchors);
	free(data);
	return rc;
}

int
xcv_chain_load_file_cached(struct xcv_chain **out, const char *path,
	struct xcv_chain_cache *cache)
{
	return load_file(out, path, cache, false);
}

int
xcv_chain_load_file(struct xcv_chain **out, const char *path)
{
	return load_file(out, path, NULL, false);
}

int
xcv_chain_load_anchors(struct xcv_chain **out, const char *path)
{
	return load_file(out, path, NULL, true);
}

void
xcv_hex(char *out, const unsigned char *md, unsigned n)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
cert_sha256(X509 *x, char buf[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	unsigned long since = xcv_alloc_failures();

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32) {
		if (xcv_alloc_failures() != since || xcv_ossl_oom(NULL))
			return xcv_oom();
		return xcv_set_error(XCV_ERROR, "cannot hash certificate");
	}
	xcv_hex(buf, md, n);
	return 0;
}

int
xcv_chain_sha256(const struct xcv_chain *c, size_t i, char buf[65])
{
	if (i >= xcv_chain_count(c))
		return xcv_set_error(XCV_EINPUT, "no certificate %zu", i);
	return cert_sha256(sk_X509_value(c->certs, (int)i), buf);
}

char *
xcv_chain_to_pem(const struct xcv_chain *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *text = NULL, *p;
	long n;

	if (bio == NULL)
		return NULL;
	for (int i = 0; i < sk_X509_num(c->certs); i++)
		if (!PEM_write_bio_X509(bio, sk_X509_value(c->certs, i)))
			goto out;
	n = BIO_get_mem_data(bio, &p);
	text = malloc((size_t)n + 1);
	if (text != NULL) {
		memcpy(text, p, (size_t)n);
		text[n] = '\0';
	}
out:
	BIO_free(bio);
	return text;
}

char *
xcv_name_text(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *text = NULL;
	long n;

	if (bio == NULL)
		return NULL;
	/* RFC 2253 order and escaping, but keep UTF-8 readable. */
	if (X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(bio, &p);
		text = xcv_escape((const unsigned char *)p, (size_t)n);
	}
	BIO_free(bio);
	return text;
}

char *
xcv_cert_short_name(X509 *x)
{
	X509_NAME *n = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	GENERAL_NAMES *sans;
	unsigned char *utf8 = NULL;
	char *text = NULL;
	int len;

	if (i >= 0) {
		len = ASN1_STRING_to_UTF8(&utf8,
			X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
		if (len >= 0) {
			text = xcv_escape(utf8, (size_t)len);
			OPENSSL_free(utf8);
			return text;
		}
	}
	if (X509_NAME_entry_count(n) > 0)
		return xcv_name_text(n);
	/* An empty subject: the first dNSName says which certificate. */
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int k = 0; sans && text == NULL && k < sk_GENERAL_NAME_num(sans);
	     k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, k);
		if (g->type == GEN_DNS)
			text = xcv_escape(ASN1_STRING_get0_data(g->d.dNSName),
				(size_t)ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return text ? text : xcv_strdup("(empty subject)");
}

char *
xcv_key_text(const EVP_PKEY *pk)
{
	char group[64];
	size_t glen = 0;
	int id;

	if (pk == NULL)
		return xcv_strdup("unknown key");
	id = EVP_PKEY_get_base_id(pk);
	if (id == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen)) {
		const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		return xcv_asprintf("EC %s", nist ? nist : group);
	}
	if (id == EVP_PKEY_ED25519)
		return xcv_strdup("Ed25519");
	if (id == EVP_PKEY_ED448)
		return xcv_strdup("Ed448");
	return xcv_asprintf("%s %d", id == EVP_PKEY_RSA ? "RSA" :
		OBJ_nid2sn(id), EVP_PKEY_get_bits(pk));
}

bool
xcv_asn1_seconds(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

static int64_t
asn1_time(const ASN1_TIME *t, char buf[32])
{
	int64_t v;

	if (!xcv_asn1_seconds(t, &v)) {
		strcpy(buf, "invalid");
		return 0;
	}
	xcv_time_format(v, buf);
	return v;
}

int
xcv_certinfo_fill(struct xcv_certinfo *ci, X509 *x)
{
	char nb[32], na[32], fp[65];
	int sig = X509_get_signature_nid(x);

	memset(ci, 0, sizeof(*ci));
	ci->nb = asn1_time(X509_get0_notBefore(x), nb);
	ci->na = asn1_time(X509_get0_notAfter(x), na);
	ci->subject = xcv_name_text(X509_get_subject_name(x));
	ci->issuer = xcv_name_text(X509_get_issuer_name(x));
	ci->name = xcv_cert_short_name(x);
	ci->not_before = xcv_strdup(nb);
	ci->not_after = xcv_strdup(na);
	ci->sha256 = cert_sha256(x, fp) == 0 ? xcv_strdup(fp) : NULL;
	ci->key = xcv_key_text(X509_get0_pubkey(x));
	ci->signature = xcv_strdup(sig != NID_undef ? OBJ_nid2ln(sig) :
		"unknown");
	ci->self_issued = X509_check_issued(x, x) == X509_V_OK;
	ci->is_ca = X509_check_ca(x) != 0;
	ERR_clear_error();
	if (!ci->subject || !ci->issuer || !ci->name || !ci->not_before ||
	    !ci->not_after || !ci->sha256 || !ci->key || !ci->signature) {
		xcv_certinfo_clear(ci);
		return xcv_oom();
	}
	return 0;
}

void
xcv_certinfo_clear(struct xcv_certinfo *ci)
{
	free(ci->subject);
	free(ci->issuer);
	free(ci->name);
	free(ci->not_before);
	free(ci->not_after);
	free(ci->sha256);
	free(ci->key);
	free(ci->signature);
	memset(ci, 0, sizeof(*ci));
}
