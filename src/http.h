/*
 * Bounded HTTP fetches: OpenSSL's HTTP client speaks the protocol
 * (request, status, headers, redirects, the length of an answer); the
 * connection under it is this module's own: a socket that sends with
 * MSG_NOSIGNAL and waits for each byte no later than the fetch's
 * deadline, in milliseconds, and for https:// TLS over it whose server
 * certificate is verified by PKIX for the URL's host. Redirects are
 * counted here, each to the same scheme.
 */
#ifndef XCV_HTTP_H
#define XCV_HTTP_H

#include <openssl/x509.h>

#include "internal.h"
#include "net.h"

/* https:// fetches: how the server's certificate is judged. */
struct xcv_http_tls {
	X509_STORE *store;           /* the anchors (read, never changed) */
	int64_t at;                  /* the verification time */
};

/* What a fetch asks and allows. */
struct xcv_http_req {
	const char *content_type;    /* POST: the body's type; NULL: GET */
	const unsigned char *body;
	size_t body_len;
	const char *expect_type;     /* the answer's, or NULL: any */
	bool asn1;                   /* the answer is DER, read to its length */
	size_t max;                  /* bytes of the answer */
	int timeout_ms;              /* the whole fetch, redirects and all */
	int64_t deadline;            /* xcv_now_ms() time the fetch ends by at
				      * the latest, or 0: timeout_ms alone */
	int max_redirects;           /* followed */
	const struct xcv_http_tls *tls;  /* non-NULL: https:// only, else
					  * http:// only */
	const struct xcv_pin *pins;  /* HOST:PORT:ADDRESS, each for its host
				      * and port alone */
	size_t n_pins;
	const char *dns_server;      /* "ADDR[:PORT]" or NULL: the system's */
};

/* One answer: data (the body) and url (the URL that gave it, after
 * redirects); else why, and status when the server answered with an
 * HTTP error (404), else 0. */
struct xcv_http_answer {
	unsigned char *data;
	size_t len;
	char *url;
	char *why;
	int status;
};

/*
 * Fetch url (http:// or, with q->tls, https://) within q->timeout_ms (and
 * by q->deadline), following at most q->max_redirects redirects of the
 * same scheme. 0 (the answer, or why not, in *out) or XCV_ENOMEM (out
 * cleared).
 */
int xcv_http_fetch(struct xcv_http_answer *out, const char *url,
	const struct xcv_http_req *q);
void xcv_http_answer_clear(struct xcv_http_answer *a);

/*
 * What fetches keep for later (CRLs until their nextUpdate, POSH files
 * until their expires): one file per key (a URL), named DIR/HEX.EXT after
 * the SHA-256 of the key. xcv_cache_path: that name, or NULL when out of
 * memory. xcv_cache_write: data written beside it and renamed in, the
 * directory made (0700) where missing; 0, XCV_ENOMEM, or XCV_ERROR with
 * the step that failed ("mkdir", "create", "write", "rename") in *step
 * and its errno in *err: a cache that cannot be written is the caller's
 * note, not a failure.
 */
char *xcv_cache_path(const char *dir, const char *key, const char *ext);
int xcv_cache_write(const char *dir, const char *key, const char *ext,
	const void *data, size_t len, const char **step, int *err);

#endif
