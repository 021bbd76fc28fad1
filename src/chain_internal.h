/* Internal view of chains, configurations and certificate descriptions. */
#ifndef XCV_CHAIN_INTERNAL_H
#define XCV_CHAIN_INTERNAL_H

#include <openssl/x509.h>

#include "internal.h"

#define XCV_MAX_CHAIN 64            /* certificates in one file */
#define XCV_MAX_ANCHORS 16384       /* certificates in one file of anchors */
#define XCV_MAX_FILE (4u << 20)     /* bytes in one certificate file */

/*
 * References to the OpenSSL library contexts (of chain caches) that an
 * object's certificates were parsed in: such a context lives while any
 * object holds a reference. Each context once.
 */
struct xcv_libctx;
struct xcv_refs {
	struct xcv_libctx **v;
	size_t n;
};
/* Add src's contexts to dst's; XCV_ENOMEM. */
int xcv_refs_add(struct xcv_refs *dst, const struct xcv_refs *src);
void xcv_refs_clear(struct xcv_refs *r);

struct xcv_chain {
	STACK_OF(X509) *certs;
	int max;                    /* certificates it may hold */
	struct xcv_strv notes;
	struct xcv_refs libs;
};

/* Make OpenSSL's shared tables safe for threads to read (once). */
void xcv_openssl_prepare(void);

/* Parse a chain (PEM or DER) from memory, name in messages. Certificates
 * come through cache when it is not NULL: every one but the first, or
 * every one too when cache_first (a file of anchors). */
int xcv_chain_parse(struct xcv_chain **out, const void *data, size_t len,
	const char *name, struct xcv_chain_cache *cache, bool cache_first);

/* Put in c, for each certificate the cache holds (the same DER), the
 * cache's copy in place of its own; give the cache the others. A scan's
 * endpoints so share one parsed copy of a node's certificate and of its
 * CAs', where each handshake parsed its own. 0 or XCV_ENOMEM. */
int xcv_chain_intern(struct xcv_chain *c, struct xcv_chain_cache *cache);

/* The same with OpenSSL's PEM reader for every block and no cache: what
 * the plain-block reader must agree with (tests, fuzz_chain). */
int xcv_chain_parse_openssl(struct xcv_chain **out, const void *data,
	size_t len, const char *name);

/* A human description of one certificate. */
struct xcv_certinfo {
	char *subject, *issuer, *name;   /* name: CN, else the subject */
	char *not_before, *not_after, *sha256, *key, *signature;
	int64_t nb, na;
	bool self_issued, is_ca;
};
int xcv_certinfo_fill(struct xcv_certinfo *ci, X509 *x);
/* The subject's CN, else the whole subject, escaped for display. */
char *xcv_cert_short_name(X509 *x);
void xcv_certinfo_clear(struct xcv_certinfo *ci);

/* A name in RFC 2253 order and escaping, UTF-8 kept, escaped for display;
 * NULL when out of memory. */
char *xcv_name_text(const X509_NAME *name);
/* "RSA 2048", "EC P-256", "Ed25519", ...; "unknown key" for NULL. */
char *xcv_key_text(const EVP_PKEY *pk);
/* Seconds of t (UTCTime or GeneralizedTime) into *out; false if t is
 * NULL or does not parse. */
bool xcv_asn1_seconds(const ASN1_TIME *t, int64_t *out);
/* Lower-case hex of n bytes into out (2n + 1 chars). */
void xcv_hex(char *out, const unsigned char *md, unsigned n);

#endif
