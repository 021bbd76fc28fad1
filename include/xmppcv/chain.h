#ifndef XMPPCV_CHAIN_H
#define XMPPCV_CHAIN_H

#include <xmppcv/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A certificate chain as a server presented it: leaf first. */
struct xcv_chain;

/*
 * Load a chain from a file holding PEM certificates (leaf first) or a single
 * DER certificate. Returns XCV_EINPUT, with a message naming the file and
 * the problem (empty, not PEM or DER, truncated, does not parse), for
 * anything else.
 */
int xcv_chain_load_file(struct xcv_chain **out, const char *path);

/* As xcv_chain_load_file, for a file of trust anchors: a CA bundle such as
 * Debian's ca-certificates.crt, of more certificates (up to 16384) than a
 * server's chain may have (64). A chain that anchors are appended to may
 * then hold as many. */
int xcv_chain_load_anchors(struct xcv_chain **out, const char *path);

/* The same from memory; name is used in messages. */
int xcv_chain_load_mem(struct xcv_chain **out, const void *data, size_t len,
	const char *name);

/*
 * Parsed certificates by their DER, for loading many chains that share
 * intermediates: decoding a certificate (its public key above all) costs
 * more than verifying a signature, and a fleet's chains repeat a few
 * intermediates. Bounded (a newcomer replaces the certificate in its slot)
 * and freed with the cache; results never depend on it. One cache serves
 * one thread at a time: give each thread its own.
 *
 * With own_context, the certificates loaded through the cache are parsed
 * in an OpenSSL library context of its own, with the providers of the
 * default one, so that threads that each have a cache do not wait for
 * each other inside OpenSSL. Whatever holds such certificates (chains,
 * configurations, results) keeps that context alive, after the cache too.
 */
struct xcv_chain_cache;
struct xcv_chain_cache *xcv_chain_cache_new(bool own_context);
void xcv_chain_cache_free(struct xcv_chain_cache *cache);

/* As xcv_chain_load_file and xcv_chain_load_mem, taking every certificate
 * but the first (the server's own, which chains do not share) from cache,
 * and keeping it there. cache may be NULL. */
int xcv_chain_load_file_cached(struct xcv_chain **out, const char *path,
	struct xcv_chain_cache *cache);
int xcv_chain_load_mem_cached(struct xcv_chain **out, const void *data,
	size_t len, const char *name, struct xcv_chain_cache *cache);

/* Append one DER certificate. */
int xcv_chain_add_der(struct xcv_chain *chain, const void *der, size_t len);

/* Append every certificate of src to dst. */
int xcv_chain_append(struct xcv_chain *dst, const struct xcv_chain *src);

struct xcv_chain *xcv_chain_new(void);
void xcv_chain_free(struct xcv_chain *chain);
size_t xcv_chain_count(const struct xcv_chain *chain);

/* Lower-case hex SHA-256 of certificate i (64 chars + NUL) into buf. */
int xcv_chain_sha256(const struct xcv_chain *chain, size_t i, char buf[65]);

/* PEM text of the whole chain; the caller frees it with free(). */
char *xcv_chain_to_pem(const struct xcv_chain *chain);

/* Non-fatal notes from loading ("ignored a PRIVATE KEY block"). */
size_t xcv_chain_note_count(const struct xcv_chain *chain);
/* Owned by chain; do not free. */
const char *xcv_chain_note(const struct xcv_chain *chain, size_t i);

#ifdef __cplusplus
}
#endif
#endif
