/* POSH (RFC 7711): fetch, cache and compare (posh.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain_internal.h"
#include "http.h"
#include "net.h"
#include "posh.h"

#define DEFAULT_TIMEOUT_MS 10000     /* the whole check, when none given */
#define CACHE_FORMAT 1               /* of the cache files this writes */

/* The hashes compared: RFC 7711 §3.1 names them by the IANA "Hash
 * Function Textual Names" registry. */
static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
	size_t len;
} hashes[] = {
	{ "sha-256", EVP_sha256, 32 },
	{ "sha-512", EVP_sha512, 64 },
};
#define N_HASHES (sizeof(hashes) / sizeof(hashes[0]))

/* One check. */
struct run {
	const struct xcv_posh_params *p;
	struct xcv_posh *out;
	struct xcv_pin *pins;
	size_t n_pins;
	int64_t deadline;
	int timeout_ms;
	bool cache_noted;
};

/* What a POSH file says, read. */
struct doc {
	json_t *fingerprints;        /* the array, or NULL */
	char *reference;             /* "url", or NULL */
	long long expires;           /* seconds; 0 when absent */
	bool has_expires;
};

const char *
xcv_posh_state_name(enum xcv_posh_state s)
{
	switch (s) {
	case XCV_POSH_MATCHED:
		return "matched";
	case XCV_POSH_MISMATCH:
		return "mismatch";
	case XCV_POSH_ERROR:
		return "error";
	default:
		return "absent";
	}
}

char *
xcv_posh_url(const char *domain, enum xcv_service service)
{
	/* RFC 7712 §3: the POSH service names of XMPP. */
	return xcv_asprintf("https://%s/.well-known/posh/%s.json", domain,
		service == XCV_SERVICE_C2S ? "xmpp-client" : "xmpp-server");
}

/* Base64 (RFC 4648 §4), padded or not, into out (cap bytes): the length,
 * or -1 when text is not base64 or decodes to more than cap. */
static long
base64_decode(unsigned char *out, size_t cap, const char *text)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(text), len = 0;
	unsigned long acc = 0;
	int bits = 0;

	while (n > 0 && text[n - 1] == '=')
		n--;
	if (strlen(text) - n > 2 || (strlen(text) % 4 != 0 && n !=
	    strlen(text)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *c = text[i] ? strchr(alphabet, text[i]) : NULL;
		if (c == NULL)
			return -1;
		acc = (acc << 6) | (unsigned long)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len == cap)
				return -1;
			out[len++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	/* Bits left over must be zero padding (RFC 4648 §3.5). */
	if (bits >= 6 || acc != 0)
		return -1;
	return (long)len;
}

/* The fingerprint of x by hashes[h]; false when out of memory. */
static bool
fingerprint(X509 *x, size_t h, unsigned char md[EVP_MAX_MD_SIZE])
{
	unsigned int n;

	if (!X509_digest(x, hashes[h].md(), md, &n)) {
		ERR_clear_error();
		return false;
	}
	return true;
}

static char *
base64(const unsigned char *md, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);

	if (s != NULL)
		EVP_EncodeBlock((unsigned char *)s, md, (int)len);
	else
		xcv_oom();
	return s;
}

int
xcv_posh_document(char **out, const struct xcv_chain *const *chains,
	size_t n, long long expires)
{
	unsigned long failures = xcv_alloc_failures();
	unsigned char md[EVP_MAX_MD_SIZE];
	json_t *doc = NULL, *fps = NULL, *fp;
	char *text = NULL, *b64;
	int rc = 0;

	*out = NULL;
	if (n == 0)
		return xcv_set_error(XCV_EINPUT, "no certificate to publish");
	if (expires < 0 || expires > XCV_POSH_MAX_EXPIRES)
		return xcv_set_error(XCV_EINPUT, "expires %lld is not 0 to %lld "
			"seconds", expires, XCV_POSH_MAX_EXPIRES);
	for (size_t i = 0; i < n; i++)
		if (chains[i] == NULL || sk_X509_num(chains[i]->certs) < 1)
			return xcv_set_error(XCV_EINPUT, "certificate %zu of %zu: "
				"the chain is empty", i + 1, n);
	if ((doc = json_object()) == NULL || (fps = json_array()) == NULL ||
	    json_object_set(doc, "fingerprints", fps) < 0) {
		rc = xcv_oom();
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chains[i]->certs, 0);
		if ((fp = json_object()) == NULL ||
		    json_array_append_new(fps, fp) < 0) {
			rc = xcv_oom();
			goto out;
		}
		for (size_t h = 0; h < N_HASHES; h++) {
			if (!fingerprint(x, h, md) || (b64 = base64(md,
			    hashes[h].len)) == NULL) {
				rc = xcv_oom();
				goto out;
			}
			rc = json_object_set_new(fp, hashes[h].name,
				json_string(b64)) < 0 ? xcv_oom() : 0;
			free(b64);
			if (rc < 0)
				goto out;
		}
	}
	if (json_object_set_new(doc, "expires", json_integer(expires)) < 0) {
		rc = xcv_oom();
		goto out;
	}
	if ((text = xcv_json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER,
	    failures)) == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	if ((*out = xcv_asprintf("%s\n", text)) == NULL)
		rc = XCV_ENOMEM;
out:
	free(text);
	json_decref(fps);
	json_decref(doc);
	return rc;
}

static void
doc_clear(struct doc *d)
{
	json_decref(d->fingerprints);
	free(d->reference);
	memset(d, 0, sizeof(*d));
}

/*
 * Read a POSH file's text (RFC 7711 §3.1: "fingerprints" and "expires";
 * §3.2: "url" and "expires"): into *d, else *why says what is wrong. 0 or
 * XCV_ENOMEM.
 */
static int
doc_parse(struct doc *d, char **why, const unsigned char *data, size_t len)
{
	json_t *root = NULL, *fps, *url, *exp;
	json_error_t err;
	int rc;

	memset(d, 0, sizeof(*d));
	*why = NULL;
	if ((rc = xcv_json_loadb(&root, data, len, JSON_REJECT_DUPLICATES,
	    &err)) < 0)
		return rc;
	if (root == NULL) {
		*why = xcv_asprintf("is not JSON (line %d: %s)", err.line,
			err.text);
		goto out;
	}
	if (!json_is_object(root)) {
		*why = xcv_strdup("is not a JSON object");
		goto out;
	}
	fps = json_object_get(root, "fingerprints");
	url = json_object_get(root, "url");
	exp = json_object_get(root, "expires");
	if (fps != NULL && url != NULL)
		*why = xcv_strdup("has both \"fingerprints\" and \"url\": a POSH "
			"file holds one or the other (RFC 7711 §3)");
	else if (fps == NULL && url == NULL)
		*why = xcv_strdup("has neither \"fingerprints\" nor \"url\"");
	else if (fps != NULL && !json_is_array(fps))
		*why = xcv_strdup("has \"fingerprints\" that is not an array");
	else if (fps != NULL && json_array_size(fps) == 0)
		*why = xcv_strdup("has no fingerprint (\"fingerprints\" is "
			"empty)");
	else if (url != NULL && !json_is_string(url))
		*why = xcv_strdup("has \"url\" that is not a string");
	else if (exp != NULL && (!json_is_integer(exp) ||
	    json_integer_value(exp) < 0))
		*why = xcv_strdup("has \"expires\" that is not a whole number "
			"of seconds, 0 or more");
	if (*why != NULL)
		goto out;
	d->has_expires = exp != NULL;
	d->expires = exp ? json_integer_value(exp) : 0;
	if (d->expires > XCV_POSH_MAX_EXPIRES)
		d->expires = XCV_POSH_MAX_EXPIRES;
	if (fps != NULL)
		d->fingerprints = json_incref(fps);
	else if ((d->reference = xcv_escape((const unsigned char *)
	    json_string_value(url), json_string_length(url))) == NULL)
		rc = XCV_ENOMEM;
out:
	json_decref(root);
	if (rc == 0 && *why == NULL && d->fingerprints == NULL &&
	    d->reference == NULL)
		rc = xcv_oom();
	if (rc < 0) {
		free(*why);
		*why = NULL;
		doc_clear(d);
	}
	return rc;
}

/* The earlier of two expiry times (0: none). */
static int64_t
earlier(int64_t a, int64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* Notes on a document's expires: how long it holds. */
static int
expires_note(struct run *r, const char *url, const struct doc *d)
{
	if (d->expires > 0)
		return 0;
	return xcv_strv_pushf(&r->out->notes, "%s: \"expires\" is %s: the "
		"file is not cached, and clients that need a positive expires "
		"(Conversations) do not use it", url, d->has_expires ? "0" :
		"absent");
}

/*
 * Compare the fingerprints (RFC 7711 §3.3: the hash of the whole
 * certificate, base64) with the leaf's: the state and why into out.
 * Entries with another hash, or values that are not base64 of a hash's
 * length, are notes. 0 or XCV_ENOMEM.
 */
static int
compare(struct run *r, json_t *fps, const char *url)
{
	unsigned char md[N_HASHES][EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	struct xcv_posh *out = r->out;
	size_t usable = 0, i;
	const char *key;
	json_t *fp, *v;
	bool matched = false;
	char *mine = NULL;
	int rc = 0;

	for (size_t h = 0; h < N_HASHES; h++)
		if (!fingerprint(r->p->leaf, h, md[h]))
			return xcv_oom();
	json_array_foreach(fps, i, fp) {
		if (i >= XCV_POSH_MAX_FINGERPRINTS) {
			rc = xcv_strv_pushf(&out->notes, "%s: fingerprints after "
				"the first %d not read", url,
				XCV_POSH_MAX_FINGERPRINTS);
			break;
		}
		if (!json_is_object(fp)) {
			rc = xcv_strv_pushf(&out->notes, "%s: fingerprint %zu is "
				"not an object", url, i + 1);
			continue;
		}
		json_object_foreach(fp, key, v) {
			size_t h;
			long n;
			for (h = 0; h < N_HASHES; h++)
				if (strcmp(key, hashes[h].name) == 0)
					break;
			if (h == N_HASHES) {
				char *k = xcv_escape((const unsigned char *)key,
					strlen(key));
				rc = k ? xcv_strv_pushf(&out->notes, "%s: "
					"fingerprint %zu: \"%s\" is not a hash "
					"xmppcv compares (sha-256, sha-512)", url,
					i + 1, k) : XCV_ENOMEM;
				free(k);
			} else if (!json_is_string(v) || (n = base64_decode(got,
			    sizeof(got), json_string_value(v))) !=
			    (long)hashes[h].len) {
				rc = xcv_strv_pushf(&out->notes, "%s: fingerprint "
					"%zu: \"%s\" is not the base64 of a %s hash",
					url, i + 1, key, key);
			} else {
				usable++;
				if (memcmp(got, md[h], hashes[h].len) == 0)
					matched = true;
			}
			if (rc < 0)
				return rc;
		}
	}
	if (rc < 0)
		return rc;
	if ((mine = base64(md[0], hashes[0].len)) == NULL)
		return XCV_ENOMEM;
	if (usable == 0) {
		out->state = XCV_POSH_ERROR;
		out->why = xcv_asprintf("%s lists no sha-256 or sha-512 "
			"fingerprint xmppcv can compare", url);
	} else if (matched) {
		out->state = XCV_POSH_MATCHED;
		out->why = xcv_asprintf("%s lists the certificate's fingerprint "
			"(sha-256 %s)", url, mine);
	} else {
		out->state = XCV_POSH_MISMATCH;
		out->why = xcv_asprintf("%s lists %zu fingerprint%s, none of "
			"them the certificate's (sha-256 %s)", url, usable,
			usable == 1 ? "" : "s", mine);
	}
	free(mine);
	return out->why ? 0 : xcv_oom();
}

/*
 * The fingerprints cached for source, if they hold at p->at (fetched at
 * or before it, and not expired: RFC 7711 §3.1 "expires"): *fps, *url,
 * *expires_at. A file that cannot be read or is not this module's is
 * passed over. 0 or XCV_ENOMEM.
 */
static int
cache_load(struct run *r, const char *source, json_t **fps, char **url,
	int64_t *expires_at)
{
	unsigned char *data = NULL;
	json_t *root = NULL, *f;
	json_error_t err;
	char *path;
	size_t len;
	int rc;

	*fps = NULL;
	*url = NULL;
	if (r->p->cache_dir == NULL)
		return 0;
	if ((path = xcv_cache_path(r->p->cache_dir, source, "json")) == NULL)
		return XCV_ENOMEM;
	rc = xcv_read_file(&data, &len, path, 2 * XCV_POSH_MAX_JSON);
	if (rc < 0) {
		free(path);
		return rc == XCV_ENOMEM ? rc : 0;
	}
	if ((rc = xcv_json_loadb(&root, data, len, 0, &err)) < 0)
		goto out;
	if (root == NULL || json_integer_value(json_object_get(root,
	    "format")) != CACHE_FORMAT || !json_is_string(json_object_get(root,
	    "source")) || strcmp(json_string_value(json_object_get(root,
	    "source")), source) != 0 || !json_is_string(json_object_get(root,
	    "url")) || !json_is_integer(json_object_get(root, "fetched")) ||
	    !json_is_integer(json_object_get(root, "expires_at")) ||
	    !json_is_array(f = json_object_get(root, "fingerprints"))) {
		rc = xcv_strv_pushf(&r->out->notes, "the POSH cache file %s is "
			"not one xmppcv wrote: fetched again", path);
		goto out;
	}
	*expires_at = json_integer_value(json_object_get(root, "expires_at"));
	if (json_integer_value(json_object_get(root, "fetched")) > r->p->at ||
	    r->p->at >= *expires_at) {
		char t[32];
		xcv_time_format(*expires_at, t);
		rc = r->p->at >= *expires_at ? xcv_strv_pushf(&r->out->notes,
			"%s: the cached copy expired at %s: fetched again",
			source, t) : xcv_strv_pushf(&r->out->notes, "%s: the "
			"cached copy is from a later time: fetched again",
			source);
		goto out;
	}
	if ((*url = xcv_strdup(json_string_value(json_object_get(root,
	    "url")))) == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	*fps = json_incref(f);
out:
	json_decref(root);
	free(data);
	free(path);
	return rc;
}

/* A note, once a check, that the cache cannot be written. */
static int
cache_note(struct run *r, const char *what, int e)
{
	if (r->cache_noted)
		return 0;
	r->cache_noted = true;
	return xcv_strv_pushf(&r->out->notes, "the POSH cache %s cannot be "
		"written (%s: %s); the file is fetched again next time",
		r->p->cache_dir, what, strerror(e));
}

/* Keep the fingerprints of source (from url) until expires_at: written
 * beside its place, synced, renamed in. A cache that cannot be written is
 * a note. 0 or XCV_ENOMEM. */
static int
cache_save(struct run *r, const char *source, const char *url, json_t *fps,
	int64_t expires_at)
{
	unsigned long failures = xcv_alloc_failures();
	const char *dir = r->p->cache_dir, *step = NULL;
	char *text = NULL;
	json_t *root = NULL;
	int rc = 0, e = 0;

	if (dir == NULL)
		return 0;
	root = json_pack("{s:i, s:s, s:s, s:I, s:I, s:O}", "format",
		CACHE_FORMAT, "source", source, "url", url, "fetched",
		(json_int_t)r->p->at, "expires_at", (json_int_t)expires_at,
		"fingerprints", fps);
	if (root == NULL || (text = xcv_json_dumps(root, JSON_COMPACT,
	    failures)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	rc = xcv_cache_write(dir, source, "json", text, strlen(text), &step,
		&e);
	if (rc == XCV_ERROR)
		rc = cache_note(r, step, e);
out:
	json_decref(root);
	free(text);
	return rc;
}

/* *t escaped for display, in place; XCV_ENOMEM (*t then NULL). */
static int
escape_in_place(char **t)
{
	char *s;

	if (*t == NULL)
		return 0;
	s = xcv_escape((const unsigned char *)*t, strlen(*t));
	free(*t);
	*t = s;
	return s ? 0 : XCV_ENOMEM;
}

/* Fetch one POSH file over HTTPS, PKIX-verified for its host. */
static int
fetch(struct run *r, struct xcv_http_answer *a, const char *url)
{
	struct xcv_http_tls tls = { .store = r->p->store, .at = r->p->at };
	struct xcv_http_req q = { .max = XCV_POSH_MAX_JSON,
		.timeout_ms = r->timeout_ms, .deadline = r->deadline,
		.max_redirects = XCV_POSH_MAX_REDIRECTS, .tls = &tls,
		.pins = r->pins, .n_pins = r->n_pins,
		.dns_server = r->p->dns_server };
	int rc;

	/* Where redirects ended, and a reason that may quote a Location, are
	 * the server's choice: escaped for display. */
	if ((rc = xcv_http_fetch(a, url, &q)) < 0 ||
	    (rc = escape_in_place(&a->url)) < 0 ||
	    (rc = escape_in_place(&a->why)) < 0)
		return rc;
	if (a->data != NULL)
		rc = xcv_strv_pushf(&r->out->notes, "%s: fetched (%zu bytes)%s%s",
			url, a->len, strcmp(a->url, url) ? " from " : "",
			strcmp(a->url, url) ? a->url : "");
	return rc;
}

/* A failure to judge: state error, why "what reason" (reason begins
 * with a verb, or ": "). */
static int
fail(struct xcv_posh *out, const char *what, const char *reason)
{
	out->state = XCV_POSH_ERROR;
	out->why = xcv_asprintf("%s%s%s", what, reason[0] == ':' ? "" : " ",
		reason);
	return out->why ? 0 : xcv_oom();
}

/*
 * The domain's file, fetched (and cached), and at most one reference it
 * makes: the fingerprints, the URL that gave them and until when they
 * hold; else out says why not. 0 or XCV_ENOMEM.
 */
static int
fetch_fingerprints(struct run *r, const char *source, json_t **fps,
	char **url, int64_t *expires_at)
{
	struct xcv_posh *out = r->out;
	struct xcv_http_answer a = { 0 }, b = { 0 };
	struct doc d = { 0 }, e = { 0 };
	char *why = NULL;
	int rc;

	*fps = NULL;
	*url = NULL;
	if ((rc = fetch(r, &a, source)) < 0)
		goto out;
	if (a.data == NULL && a.status == 404) {
		out->state = XCV_POSH_ABSENT;
		out->why = xcv_asprintf("%s answers HTTP 404: the domain "
			"publishes no POSH file", source);
		rc = out->why ? 0 : xcv_oom();
		goto out;
	}
	if (a.data == NULL) {
		why = xcv_asprintf(": %s", a.why);
		rc = why ? fail(out, source, why) : XCV_ENOMEM;
		goto out;
	}
	if ((rc = doc_parse(&d, &why, a.data, a.len)) < 0)
		goto out;
	if (why != NULL) {
		rc = fail(out, a.url, why);
		goto out;
	}
	if ((rc = expires_note(r, a.url, &d)) < 0)
		goto out;
	*expires_at = d.expires > 0 ? r->p->at + d.expires : 0;
	if (d.fingerprints != NULL) {
		*fps = json_incref(d.fingerprints);
		*url = a.url;
		a.url = NULL;
		goto out;
	}
	/* RFC 7711 §3.2: a reference, to an https URL (one hop alone). */
	if (xcv_ascii_ncasecmp(d.reference, "https://", 8) != 0) {
		why = xcv_asprintf("refers to %s, which is not an https:// URL "
			"(RFC 7711 §3.2): not followed", d.reference);
		rc = why ? fail(out, a.url, why) : XCV_ENOMEM;
		goto out;
	}
	if ((rc = xcv_strv_pushf(&out->notes, "%s: refers to %s", a.url,
	    d.reference)) < 0 || (rc = fetch(r, &b, d.reference)) < 0)
		goto out;
	if (b.data == NULL) {
		why = xcv_asprintf("refers to %s: %s", d.reference, b.why);
		rc = why ? fail(out, a.url, why) : XCV_ENOMEM;
		goto out;
	}
	if ((rc = doc_parse(&e, &why, b.data, b.len)) < 0)
		goto out;
	if (why != NULL) {
		rc = fail(out, b.url, why);
		goto out;
	}
	if (e.reference != NULL) {
		why = xcv_asprintf("refers again, to %s: a POSH client follows "
			"%d reference (RFC 7711 §3.2), so this is a loop or a "
			"chain it does not follow", e.reference,
			XCV_POSH_MAX_REFERENCES);
		rc = why ? fail(out, b.url, why) : XCV_ENOMEM;
		goto out;
	}
	if ((rc = expires_note(r, b.url, &e)) < 0)
		goto out;
	/* Both hold for their expires: the pair for the earlier. */
	*expires_at = d.expires > 0 && e.expires > 0 ? earlier(*expires_at,
		r->p->at + e.expires) : 0;
	*fps = json_incref(e.fingerprints);
	*url = b.url;
	b.url = NULL;
out:
	free(why);
	doc_clear(&d);
	doc_clear(&e);
	xcv_http_answer_clear(&a);
	xcv_http_answer_clear(&b);
	return rc;
}

/* The pins of p, parsed; a pin that does not parse is a note. */
static int
parse_pins(struct run *r)
{
	const struct xcv_posh_params *p = r->p;
	int rc = 0;

	if (p->n_pins == 0)
		return 0;
	if ((r->pins = calloc(p->n_pins, sizeof(*r->pins))) == NULL)
		return xcv_oom();
	for (size_t i = 0; rc == 0 && i < p->n_pins; i++) {
		rc = xcv_pin_parse(&r->pins[r->n_pins], p->pins[i]);
		if (rc == 0)
			r->n_pins++;
		else if (rc != XCV_ENOMEM)
			rc = xcv_strv_pushf(&r->out->notes, "%s",
				xcv_error_last());
	}
	return rc;
}

int
xcv_posh_check(struct xcv_posh *out, const struct xcv_posh_params *p)
{
	unsigned long failures = xcv_alloc_failures();
	struct run r = { .p = p, .out = out };
	json_t *fps = NULL;
	char *source = NULL, *url = NULL;
	int64_t expires_at = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	r.timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
	r.deadline = xcv_now_ms() + r.timeout_ms;
	if (p->service == XCV_SERVICE_HTTPS) {
		rc = fail(out, "POSH", "is defined for XMPP (xmpp-client, "
			"xmpp-server), not for HTTPS");
		goto out;
	}
	if (p->leaf == NULL || p->domain == NULL || p->store == NULL) {
		rc = fail(out, "POSH", "has no certificate, domain or trust "
			"anchors to check");
		goto out;
	}
	if ((source = xcv_posh_url(p->domain, p->service)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if ((rc = parse_pins(&r)) < 0 ||
	    (rc = cache_load(&r, source, &fps, &url, &expires_at)) < 0)
		goto out;
	if (fps != NULL) {
		out->cached = true;
		rc = xcv_strv_pushf(&out->notes, "%s: from the cache (from %s)",
			source, url);
	} else {
		rc = fetch_fingerprints(&r, source, &fps, &url, &expires_at);
		if (rc == 0 && fps != NULL && expires_at > p->at)
			rc = cache_save(&r, source, url, fps, expires_at);
	}
	if (rc < 0 || fps == NULL)
		goto out;
	out->url = url;
	url = NULL;
	out->expires_at = expires_at;
	rc = compare(&r, fps, out->url);
out:
	/* OpenSSL or jansson may go on without memory they could not get,
	 * and reach another judgement: none then. */
	if (rc == 0 && (xcv_alloc_failures() != failures ||
	    xcv_strv_ok(&out->notes) < 0))
		rc = xcv_oom();
	json_decref(fps);
	free(source);
	free(url);
	free(r.pins);
	ERR_clear_error();
	if (rc < 0)
		xcv_posh_clear(out);
	return rc;
}

void
xcv_posh_clear(struct xcv_posh *p)
{
	if (p == NULL)
		return;
	free(p->url);
	free(p->why);
	xcv_strv_clear(&p->notes);
	memset(p, 0, sizeof(*p));
}
