/* Revocation of a built path: CRLs first, then OCSP (revocation.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain_internal.h"
#include "http.h"
#include "revocation.h"

#define DEFAULT_TIMEOUT_MS 10000     /* a fetch, when the caller gives none */
#define MAX_CRLS_A_FILE 64           /* CRLs read from one PEM file */

/* The "why" of a must-staple leaf whose server sent no staple when asked:
 * RFC 7633 §4.2 makes that a failed connection. */
#define MUST_STAPLE_WHY \
	"must-staple certificate without a stapled OCSP response"

/* Where a CRL came from. */
struct crl_item {
	X509_CRL *crl;
	char *from;                  /* "http://...", "the cache of http://...",
				      * "file F" */
};

/* What is known of one certificate of the path (not the anchor). */
struct cert_state {
	X509 *x;
	char *name;
	enum xcv_revocation_state crl, ocsp;
	const struct crl_item *crl_by;   /* the CRL that judged it */
	char *crl_why;                   /* CRL unknown: why */
	struct xcv_strv ocsp_why;        /* OCSP unknown: why */
	const char *ocsp_source;         /* "ocsp", "ocsp-staple" */
	char *ocsp_text;                 /* OCSP good/revoked: what it said */
	char *reason;                    /* revoked: reason (CRL, else OCSP) */
	int64_t revoked_at;              /* 0: not known */
	const char *revoked_by;          /* "crl", "ocsp", "ocsp-staple" */
	struct xcv_strv fetch_why;       /* why distribution points gave none */
	bool has_dp;                     /* names a CRL distribution point */
};

struct run {
	const struct xcv_revocation_params *p;
	struct xcv_revocation *out;
	struct cert_state *c;
	int n;                           /* certificates in the path */
	int m;                           /* of them judged: all but the anchor */
	struct crl_item *crls;
	size_t n_crls;
	struct xcv_strv asked;           /* URLs asked in this check */
	struct xcv_strv failed;          /* of them, those that gave no CRL */
	struct xcv_strv failed_why;      /* ... and why, one for each */
	int fetches;
	int timeout_ms;
	bool cache_noted;
};

static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise",
};

/* A CRLReason (RFC 5280 §5.3.1) as RFC 5280 names it; NULL when out of
 * memory. */
static char *
reason_text(long code)
{
	if (code >= 0 && code < (long)(sizeof(reason_names) /
	    sizeof(reason_names[0])) && reason_names[code] != NULL)
		return xcv_strdup(reason_names[code]);
	return xcv_asprintf("reason code %ld", code);
}

static void
time_text(const ASN1_TIME *t, char buf[32])
{
	int64_t s;

	if (xcv_asn1_seconds(t, &s))
		xcv_time_format(s, buf);
	else
		snprintf(buf, 32, "%s", t ? "(unreadable time)" : "none");
}

const char *
xcv_revocation_state_name(enum xcv_revocation_state s)
{
	switch (s) {
	case XCV_REV_GOOD:
		return "good";
	case XCV_REV_REVOKED:
		return "revoked";
	default:
		return "unknown";
	}
}

/* Is there time for another fetch before the caller's deadline? */
static bool
time_left(const struct run *r)
{
	return r->p->deadline == 0 || xcv_now_ms() < r->p->deadline;
}

/* Fetch url (http://, through http.c) within r's time for one fetch and
 * the caller's deadline: the answer in *data (malloc'd), else a reason in
 * *why (escaped for display, a redirect's Location too). 0 or
 * XCV_ENOMEM. */
static int
http_fetch(unsigned char **data, size_t *len, char **why, const char *url,
	struct xcv_http_req *q, const struct run *r)
{
	struct xcv_http_answer a;
	int rc;

	q->timeout_ms = xcv_budget_ms(r->p->deadline, r->timeout_ms);
	q->deadline = r->p->deadline;
	rc = xcv_http_fetch(&a, url, q);
	*data = a.data;
	*len = a.len;
	*why = a.why;
	free(a.url);
	return rc;
}

/* CRLs. */

/* Add crl (taken) from where; XCV_ENOMEM (crl freed). */
static int
add_crl(struct run *r, X509_CRL *crl, const char *from)
{
	struct crl_item *v = realloc(r->crls, (r->n_crls + 1) * sizeof(*v));
	char *f = xcv_strdup(from);

	if (v == NULL || f == NULL) {
		if (v != NULL)
			r->crls = v;
		free(f);
		X509_CRL_free(crl);
		return xcv_oom();
	}
	r->crls = v;
	v[r->n_crls].crl = crl;
	v[r->n_crls].from = f;
	r->n_crls++;
	return 0;
}

/* Every CRL of data (PEM blocks, else one DER CRL) into r; *count says
 * how many. 0 or XCV_ENOMEM. */
static int
load_crls(struct run *r, const unsigned char *data, size_t len,
	const char *from, int *count)
{
	X509_CRL *crl;
	BIO *b;
	int rc = 0;

	*count = 0;
	if (len > INT_MAX)
		return 0;
	if (len >= 11 && memmem(data, len, "-----BEGIN", 10) != NULL) {
		if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
			return xcv_oom();
		while (rc == 0 && *count < MAX_CRLS_A_FILE &&
		    (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL)
			if ((rc = add_crl(r, crl, from)) == 0)
				(*count)++;
		BIO_free(b);
	} else {
		const unsigned char *p = data;
		if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL &&
		    (rc = add_crl(r, crl, from)) == 0)
			(*count)++;
	}
	ERR_clear_error();
	return rc;
}

static int
load_crl_files(struct run *r)
{
	const struct xcv_revocation_params *p = r->p;
	unsigned char *data;
	size_t len;
	char *from;
	int rc = 0, count;

	for (size_t i = 0; rc == 0 && i < p->n_crl_files; i++) {
		rc = xcv_read_file(&data, &len, p->crl_files[i], XCV_REV_MAX_CRL);
		if (rc == XCV_ENOMEM)
			break;
		if (rc < 0) {
			rc = xcv_strv_pushf(&r->out->notes, "CRL file %s",
				xcv_error_last());
			continue;
		}
		from = xcv_asprintf("file %s", p->crl_files[i]);
		rc = from ? load_crls(r, data, len, from, &count) : xcv_oom();
		if (rc == 0 && count == 0)
			rc = xcv_strv_pushf(&r->out->notes, "CRL file %s: holds "
				"no CRL (PEM or DER)", p->crl_files[i]);
		free(from);
		free(data);
	}
	return rc;
}

/* Is crl from the issuer of depth d (its name, its key) and current? */
static bool
crl_covers(const struct run *r, X509_CRL *crl, int d, bool current)
{
	X509 *x = r->c[d].x, *issuer = sk_X509_value(r->p->path, d + 1);
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	int64_t last, next;
	bool ok;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)))
		return false;
	ok = key != NULL && X509_CRL_verify(crl, key) == 1;
	ERR_clear_error();
	if (!ok || !current)
		return ok;
	/* Without a nextUpdate (RFC 5280 §5.1.2.5 wants one) OpenSSL takes
	 * it as current, and so does this. */
	return xcv_asn1_seconds(X509_CRL_get0_lastUpdate(crl), &last) &&
		last <= r->p->at && (X509_CRL_get0_nextUpdate(crl) == NULL ||
		(xcv_asn1_seconds(X509_CRL_get0_nextUpdate(crl), &next) &&
		r->p->at < next));
}

static const struct crl_item *
covering(const struct run *r, int d)
{
	for (size_t i = 0; i < r->n_crls; i++)
		if (crl_covers(r, r->crls[i].crl, d, true))
			return &r->crls[i];
	return NULL;
}

/* A cached CRL for url, into r, if it verifies with the key of depth d's
 * issuer and is current at p->at; *used says whether there was one. One
 * that does not verify is passed over (a note), and the URL fetched
 * again. 0 or XCV_ENOMEM. */
static int
cache_load(struct run *r, int d, const char *url, bool *used)
{
	unsigned char *data = NULL;
	const unsigned char *q;
	char *path, *from = NULL;
	X509_CRL *crl = NULL;
	int64_t last, next;
	size_t len;
	int rc;

	*used = false;
	if (r->p->cache_dir == NULL)
		return 0;
	if ((path = xcv_cache_path(r->p->cache_dir, url, "crl")) == NULL)
		return XCV_ENOMEM;
	rc = xcv_read_file(&data, &len, path, XCV_REV_MAX_CRL);
	if (rc < 0) {
		free(path);
		return rc == XCV_ENOMEM ? rc : 0;
	}
	q = data;
	crl = len <= LONG_MAX ? d2i_X509_CRL(NULL, &q, (long)len) : NULL;
	ERR_clear_error();
	if (crl != NULL && !crl_covers(r, crl, d, false)) {
		rc = xcv_strv_pushf(&r->out->notes, "CRL %s: the cached copy "
			"does not verify with the key of its issuer; not used",
			url);
		X509_CRL_free(crl);
		crl = NULL;
	}
	/* Reused while it is current (RFC 5280 §5.1.2.5: nextUpdate). */
	if (crl != NULL &&
	    xcv_asn1_seconds(X509_CRL_get0_lastUpdate(crl), &last) &&
	    xcv_asn1_seconds(X509_CRL_get0_nextUpdate(crl), &next) &&
	    last <= r->p->at && r->p->at < next) {
		from = xcv_asprintf("the cache of %s", url);
		rc = from ? add_crl(r, crl, from) : xcv_oom();
		crl = NULL;
		*used = rc == 0;
	}
	X509_CRL_free(crl);
	free(from);
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
	return xcv_strv_pushf(&r->out->notes, "the CRL cache %s cannot be "
		"written (%s: %s); CRLs are fetched again next time",
		r->p->cache_dir, what, strerror(e));
}

/* Keep crl (fetched from url, and verified) in the cache, as DER:
 * written beside its place, synced, renamed in. A cache that cannot be
 * written is a note. */
static int
cache_save(struct run *r, const char *url, X509_CRL *crl)
{
	unsigned char *data = NULL;
	const char *step = NULL;
	int len, e = 0, rc;

	if (r->p->cache_dir == NULL)
		return 0;
	if ((len = i2d_X509_CRL(crl, &data)) <= 0) {
		ERR_clear_error();
		return xcv_oom();
	}
	rc = xcv_cache_write(r->p->cache_dir, url, "crl", data, (size_t)len,
		&step, &e);
	OPENSSL_free(data);
	return rc == XCV_ERROR ? cache_note(r, step, e) : rc;
}

/* The CRL at url for depth d: from the cache, else fetched. *got says
 * whether a CRL came. 0 or XCV_ENOMEM. */
static int
crl_fetch(struct run *r, int d, const char *url, bool *got)
{
	struct cert_state *cs = &r->c[d];
	/* Read as it comes, not as DER only: RFC 5280 §4.2.1.13 wants DER,
	 * yet servers answer PEM too, and load_crls() takes both. */
	struct xcv_http_req q = { .max = XCV_REV_MAX_CRL,
		.max_redirects = XCV_REV_MAX_REDIRECTS };
	unsigned char *data = NULL;
	char *why = NULL;
	size_t len, first;
	int rc, count = 0;

	*got = false;
	if ((rc = cache_load(r, d, url, got)) < 0)
		return rc;
	if (*got)
		return xcv_strv_pushf(&r->out->notes, "CRL %s: from the cache",
			url);
	if (!r->p->fetch_crl)
		return xcv_strv_pushf(&cs->fetch_why, "%s: not fetched "
			"(fetching is off)", url);
	if (r->fetches >= XCV_REV_MAX_FETCHES)
		return xcv_strv_pushf(&cs->fetch_why, "%s: not fetched (%d "
			"fetches already in this check)", url,
			XCV_REV_MAX_FETCHES);
	if (!time_left(r))
		return xcv_strv_pushf(&cs->fetch_why, "%s: not fetched: no "
			"time left", url);
	r->fetches++;
	if ((rc = http_fetch(&data, &len, &why, url, &q, r)) < 0)
		return rc;
	if (why != NULL) {
		rc = xcv_strv_pushf(&cs->fetch_why, "%s: %s", url, why);
		free(why);
		return rc;
	}
	first = r->n_crls;
	if ((rc = load_crls(r, data, len, url, &count)) == 0 && count == 0)
		rc = xcv_strv_pushf(&cs->fetch_why, "%s: the answer (%zu bytes) "
			"is not a CRL", url, len);
	if (rc == 0 && count > 0) {
		*got = true;
		rc = xcv_strv_pushf(&r->out->notes, "CRL %s: fetched (%zu "
			"bytes)", url, len);
	}
	/* Cached only when its issuer signed it: over plain HTTP anyone on
	 * the path could answer, and a forged CRL must not outlive this
	 * check. */
	for (size_t i = first; rc == 0 && i < r->n_crls; i++)
		if (crl_covers(r, r->crls[i].crl, d, false)) {
			rc = cache_save(r, url, r->crls[i].crl);
			break;
		}
	free(data);
	return rc;
}

/* The CRL at url for depth d, asked once a check: a URL another
 * certificate's distribution point named gave its CRL then (r->crls
 * holds it), or failed, and says why again. *got says whether a CRL came
 * now. 0 or XCV_ENOMEM. */
static int
crl_from_url(struct run *r, int d, const char *url, bool *got)
{
	struct cert_state *cs = &r->c[d];
	size_t before = cs->fetch_why.n;
	int rc;

	*got = false;
	if (xcv_strv_contains(&r->asked, url)) {
		for (size_t i = 0; i < r->failed.n; i++)
			if (strcmp(r->failed.v[i], url) == 0 &&
			    !xcv_strv_contains(&cs->fetch_why,
			    r->failed_why.v[i]))
				return xcv_strv_push(&cs->fetch_why,
					r->failed_why.v[i]);
		return 0;
	}
	if ((rc = xcv_strv_push(&r->asked, url)) < 0 ||
	    (rc = crl_fetch(r, d, url, got)) < 0)
		return rc;
	if (!*got && cs->fetch_why.n > before &&
	    ((rc = xcv_strv_push(&r->failed, url)) < 0 ||
	    (rc = xcv_strv_push(&r->failed_why,
	    cs->fetch_why.v[cs->fetch_why.n - 1])) < 0))
		return rc;
	return 0;
}

/* The CRLs of depth d's distribution points (RFC 5280 §4.2.1.13): the
 * http:// URIs of each point's full name, the first that gives one. None
 * when the CRLs given already cover it. 0 or XCV_ENOMEM. */
static int
fetch_crls(struct run *r, int d)
{
	struct cert_state *cs = &r->c[d];
	STACK_OF(DIST_POINT) *dps;
	int rc = 0;

	if (covering(r, d) != NULL)
		return 0;
	dps = X509_get_ext_d2i(cs->x, NID_crl_distribution_points, NULL, NULL);
	ERR_clear_error();
	for (int i = 0; rc == 0 && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names;
		bool got = false;
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		names = dp->distpoint->name.fullname;
		for (int k = 0; rc == 0 && !got &&
		     k < sk_GENERAL_NAME_num(names); k++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
			const ASN1_IA5STRING *s;
			char *url;
			if (g->type != GEN_URI)
				continue;
			cs->has_dp = true;
			s = g->d.uniformResourceIdentifier;
			url = xcv_escape(s->data, (size_t)s->length);
			if (url == NULL) {
				rc = XCV_ENOMEM;
				break;
			}
			if (memchr(s->data, '\0', (size_t)s->length) != NULL)
				rc = xcv_strv_pushf(&cs->fetch_why, "%s: a NUL "
					"byte in the URI, probably a malicious "
					"certificate", url);
			else if (xcv_ascii_ncasecmp(url, "http://", 7) != 0)
				rc = xcv_strv_pushf(&cs->fetch_why, "%s: not "
					"fetched (only http:// is)", url);
			else
				rc = crl_from_url(r, d, url, &got);
			free(url);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return rc;
}

/* OpenSSL's CRL checking, as its verify callback sees it. */
struct judge {
	int m;
	int *err;                    /* first CRL error at each depth */
	X509_CRL **err_crl;          /* ... and the CRL it was about */
	bool *untrusted;             /* a CRL there did not verify */
	X509_CRL **revoked;          /* the CRL that revoked it, or NULL */
	X509_REVOKED **entry;        /* ... and its entry (a copy), or NULL */
	bool oom;
};

static bool
crl_error(int code)
{
	switch (code) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
	case X509_V_ERR_CERT_REVOKED:
		return true;
	default:
		return false;
	}
}

/* Errors after which the CRL's word is not its issuer's. */
static bool
crl_untrusted(int code)
{
	return code == X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE ||
		code == X509_V_ERR_CRL_SIGNATURE_FAILURE ||
		code == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER ||
		code == X509_V_ERR_KEYUSAGE_NO_CRL_SIGN ||
		code == X509_V_ERR_CRL_PATH_VALIDATION_ERROR ||
		code == X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY;
}

static int
judge_cb(int ok, X509_STORE_CTX *ctx)
{
	struct judge *j = X509_STORE_CTX_get_app_data(ctx);
	int code = X509_STORE_CTX_get_error(ctx);
	int d = X509_STORE_CTX_get_error_depth(ctx);

	if (j == NULL)
		return 0;
	if (ok)
		return 1;
	if (code == X509_V_ERR_OUT_OF_MEM) {
		j->oom = true;
		return 0;
	}
	/* The rest of the path was verified before: only the CRLs count
	 * here. Go on past every error, to judge every certificate. */
	if (d < 0 || d >= j->m || !crl_error(code))
		return 1;
	if (code == X509_V_ERR_CERT_REVOKED) {
		X509_CRL *crl = X509_STORE_CTX_get0_current_crl(ctx);
		X509_REVOKED *rev = NULL;
		if (j->untrusted[d] || j->revoked[d] != NULL || crl == NULL)
			return 1;
		j->revoked[d] = crl;
		/* The entry is read now: a CRL of the trust store's own
		 * lookups is freed once OpenSSL moves on. */
		if (X509_CRL_get0_by_cert(crl, &rev,
		    X509_STORE_CTX_get_current_cert(ctx)) == 1 && rev != NULL &&
		    (j->entry[d] = X509_REVOKED_dup(rev)) == NULL) {
			j->oom = true;
			return 0;
		}
		ERR_clear_error();
		return 1;
	}
	if (crl_untrusted(code))
		j->untrusted[d] = true;
	if (j->err[d] == 0) {
		j->err[d] = code;
		j->err_crl[d] = X509_STORE_CTX_get0_current_crl(ctx);
	}
	return 1;
}

/* The item of crl, one this check gathered; NULL for any other (compared,
 * never read: OpenSSL may have freed a CRL of its own lookups). */
static const struct crl_item *
crl_item(const struct run *r, const X509_CRL *crl)
{
	for (size_t i = 0; crl != NULL && i < r->n_crls; i++)
		if (r->crls[i].crl == crl)
			return &r->crls[i];
	return NULL;
}

/* Why depth d has no CRL judgement, from OpenSSL's error. */
static char *
crl_why(const struct run *r, int d, int code, const X509_CRL *seen)
{
	const struct cert_state *cs = &r->c[d];
	const struct crl_item *it = crl_item(r, seen);
	const char *from = it ? it->from : "a CRL of the trust store";
	const X509_CRL *crl = it ? it->crl : NULL;
	char at[32], t[32];
	char *issuer, *text, *tried;

	xcv_time_format(r->p->at, at);
	switch (code) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		/* OpenSSL passes over a CRL of the issuer's name whose
		 * authority key identifier is another key's: say so. */
		for (size_t i = 0; i < r->n_crls; i++) {
			if (X509_NAME_cmp(X509_CRL_get_issuer(r->crls[i].crl),
			    X509_get_issuer_name(cs->x)) != 0 ||
			    crl_covers(r, r->crls[i].crl, d, false))
				continue;
			issuer = xcv_cert_short_name(sk_X509_value(r->p->path,
				d + 1));
			text = issuer ? xcv_asprintf("the CRL from %s names "
				"\"%s\" as its issuer but does not verify with "
				"its key: a wrong or forged CRL",
				r->crls[i].from, issuer) : NULL;
			free(issuer);
			return text;
		}
		if (cs->fetch_why.n > 0) {
			if ((tried = xcv_strv_join(&cs->fetch_why, "; ")) == NULL)
				return NULL;
			text = xcv_asprintf("no CRL: %s", tried);
			free(tried);
			return text;
		}
		if (!cs->has_dp)
			return xcv_strdup("it names no CRL distribution point "
				"and no CRL given is from its issuer");
		return xcv_strdup("its CRL distribution points gave no CRL "
			"from its issuer");
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
		issuer = xcv_cert_short_name(sk_X509_value(r->p->path, d + 1));
		text = issuer ? xcv_asprintf("the CRL from %s does not verify "
			"with the key of \"%s\": a wrong or forged CRL", from,
			issuer) : NULL;
		free(issuer);
		return text;
	case X509_V_ERR_CRL_HAS_EXPIRED:
		time_text(crl ? X509_CRL_get0_nextUpdate(crl) : NULL, t);
		return xcv_asprintf("the CRL from %s expired on %s (its next "
			"update; checked as at %s)", from, t, at);
	case X509_V_ERR_CRL_NOT_YET_VALID:
		time_text(crl ? X509_CRL_get0_lastUpdate(crl) : NULL, t);
		return xcv_asprintf("the CRL from %s is not valid before %s "
			"(checked as at %s)", from, t, at);
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
		return xcv_asprintf("the issuer may not sign CRLs (its key "
			"usage lacks cRLSign), yet signed the CRL from %s", from);
	default:
		return xcv_asprintf("the CRL from %s: %s", from,
			X509_verify_cert_error_string(code));
	}
}

/* A revoked entry's reason and date (none for rev NULL). */
static int
revoked_entry(struct cert_state *cs, const X509_REVOKED *rev)
{
	ASN1_ENUMERATED *reason;
	int crit;

	free(cs->reason);
	cs->reason = NULL;
	cs->revoked_at = 0;
	if (rev == NULL)
		return 0;
	(void)xcv_asn1_seconds(X509_REVOKED_get0_revocationDate(rev),
		&cs->revoked_at);
	reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (reason != NULL) {
		cs->reason = reason_text(ASN1_ENUMERATED_get(reason));
		ASN1_ENUMERATED_free(reason);
		if (cs->reason == NULL)
			return XCV_ENOMEM;
	}
	ERR_clear_error();
	return 0;
}

/* Say why every certificate has no CRL judgement. */
static int
crl_all_unknown(struct run *r, const char *why)
{
	for (int d = 0; d < r->m; d++)
		if ((r->c[d].crl_why = xcv_strdup(why)) == NULL)
			return XCV_ENOMEM;
	return 0;
}

/*
 * OpenSSL's CRL checking of the whole path (X509_V_FLAG_CRL_CHECK_ALL) at
 * p->at, with the CRLs gathered: the path as built again from its
 * intermediates to its anchor alone.
 */
static int
judge_crls(struct run *r)
{
	const struct xcv_revocation_params *p = r->p;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	STACK_OF(X509) *trusted = sk_X509_new_null();
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	STACK_OF(X509) *built;
	struct judge j = { .m = r->m };
	int rc = 0, ok;

	j.err = calloc((size_t)r->m, sizeof(*j.err));
	j.err_crl = calloc((size_t)r->m, sizeof(*j.err_crl));
	j.untrusted = calloc((size_t)r->m, sizeof(*j.untrusted));
	j.revoked = calloc((size_t)r->m, sizeof(*j.revoked));
	j.entry = calloc((size_t)r->m, sizeof(*j.entry));
	if (ctx == NULL || untrusted == NULL || trusted == NULL ||
	    crls == NULL || !j.err || !j.err_crl || !j.untrusted || !j.revoked ||
	    !j.entry ||
	    sk_X509_push(trusted, sk_X509_value(p->path, r->n - 1)) <= 0)
		goto oom;
	for (int i = 1; i < r->n - 1; i++)
		if (sk_X509_push(untrusted, sk_X509_value(p->path, i)) <= 0)
			goto oom;
	for (size_t i = 0; i < r->n_crls; i++)
		if (sk_X509_CRL_push(crls, r->crls[i].crl) <= 0)
			goto oom;
	if (!X509_STORE_CTX_init(ctx, p->store, r->c[0].x, untrusted) ||
	    !X509_STORE_CTX_set_app_data(ctx, &j))
		goto oom;
	X509_STORE_CTX_set0_trusted_stack(ctx, trusted);
	X509_STORE_CTX_set0_crls(ctx, crls);
	X509_STORE_CTX_set_verify_cb(ctx, judge_cb);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
		X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		(time_t)p->at);
	ERR_clear_error();
	ok = X509_verify_cert(ctx);
	if (j.oom)
		goto oom;
	built = X509_STORE_CTX_get0_chain(ctx);
	if (ok < 0 || sk_X509_num(built) != r->n) {
		rc = crl_all_unknown(r, "OpenSSL did not build the path again "
			"for its CRL checking");
		goto out;
	}
	for (int i = 0; i < r->n; i++)
		if (X509_cmp(sk_X509_value(built, i),
		    sk_X509_value(p->path, i)) != 0) {
			rc = crl_all_unknown(r, "OpenSSL built another path "
				"for its CRL checking");
			goto out;
		}
	for (int d = 0; rc == 0 && d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		if (j.revoked[d] != NULL) {
			cs->crl = XCV_REV_REVOKED;
			cs->crl_by = crl_item(r, j.revoked[d]);
			cs->revoked_by = "crl";
			rc = revoked_entry(cs, j.entry[d]);
		} else if (j.err[d] != 0) {
			cs->crl_why = crl_why(r, d, j.err[d], j.err_crl[d]);
			rc = cs->crl_why ? 0 : XCV_ENOMEM;
		} else if ((cs->crl_by = covering(r, d)) != NULL) {
			cs->crl = XCV_REV_GOOD;
		} else {
			/* OpenSSL saw no fault, yet no CRL gathered here
			 * covers it: not judged, as far as this file knows. */
			cs->crl_why = xcv_strdup("no CRL gathered covers it");
			rc = cs->crl_why ? 0 : XCV_ENOMEM;
		}
	}
	goto out;
oom:
	rc = xcv_oom();
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	sk_X509_free(trusted);
	sk_X509_CRL_free(crls);
	free(j.err);
	free(j.err_crl);
	free(j.untrusted);
	free(j.revoked);
	for (int d = 0; j.entry != NULL && d < r->m; d++)
		X509_REVOKED_free(j.entry[d]);
	free(j.entry);
	return rc;
}

/* OCSP. */

struct ocsp_answer {
	const char *state;           /* "good", "revoked", "stale", "invalid" */
	char *text;                  /* what it said, or why it is not taken */
	char *reason;                /* revoked */
	int64_t revoked_at;
};

/* The status of the leaf in a basic response: SHA-1 CertIDs as most
 * responders use, else SHA-256. */
static bool
find_status(OCSP_BASICRESP *bs, X509 *leaf, X509 *issuer, int *status,
	int *reason, ASN1_GENERALIZEDTIME **rev, ASN1_GENERALIZEDTIME **thisu,
	ASN1_GENERALIZEDTIME **nextu)
{
	const EVP_MD *mds[2] = { EVP_sha1(), EVP_sha256() };
	bool found = false;

	for (int i = 0; i < 2 && !found; i++) {
		OCSP_CERTID *id = OCSP_cert_to_id(mds[i], leaf, issuer);
		found = id != NULL && OCSP_resp_find_status(bs, id, status,
			reason, rev, thisu, nextu) == 1;
		OCSP_CERTID_free(id);
	}
	ERR_clear_error();
	return found;
}

/* The last OpenSSL error's reason, for a message; empties the queue. */
static const char *
ossl_reason(void)
{
	unsigned long e = 0, last;
	const char *s;

	while ((last = ERR_get_error()) != 0)
		e = last;
	s = e ? ERR_reason_error_string(e) : NULL;
	return s ? s : "OpenSSL error";
}

/*
 * Judge an OCSP response for the leaf (RFC 6960 §3.2): it parses, is
 * successful, verifies (OCSP_basic_verify: signed by the leaf's CA or a
 * responder it authorized, at p->at, under the path's anchor), holds the
 * leaf's status, and is fresh: thisUpdate not after p->at and nextUpdate
 * not before it, XCV_REV_OCSP_SLACK either way. req: the request, whose
 * nonce an answer must echo when it has one. 0 or XCV_ENOMEM.
 */
static int
ocsp_judge(struct ocsp_answer *a, const struct run *r,
	const unsigned char *der, size_t len, OCSP_REQUEST *req)
{
	const struct xcv_revocation_params *p = r->p;
	const unsigned char *q = der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	X509_STORE *st = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
	X509 *leaf = r->c[0].x, *issuer = sk_X509_value(p->path, 1);
	int64_t t_this = 0, t_next = 0;
	char s_this[32], s_next[32];
	int status, reason = -1, n, rc = 0;

	memset(a, 0, sizeof(*a));
	a->state = "invalid";
	resp = len <= LONG_MAX ? d2i_OCSP_RESPONSE(NULL, &q, (long)len) : NULL;
	ERR_clear_error();
	if (resp == NULL) {
		a->text = xcv_strdup("it does not parse as an OCSP response");
		goto out;
	}
	if ((n = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		a->text = xcv_asprintf("the responder answered \"%s\"",
			OCSP_response_status_str(n));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		ERR_clear_error();
		a->text = xcv_strdup("it holds no basic OCSP response");
		goto out;
	}
	if (req != NULL && OCSP_check_nonce(req, bs) == 0) {
		a->text = xcv_strdup("its nonce is not the request's: an "
			"answer to another request");
		goto out;
	}
	/* A store of the path's anchor alone, at the verification time: the
	 * caller's store is shared, and must not change. */
	if ((st = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(st, sk_X509_value(p->path, r->n - 1))) {
		rc = xcv_oom();
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), (time_t)p->at);
	ERR_clear_error();
	if (OCSP_basic_verify(bs, p->path, st, 0) <= 0) {
		a->text = xcv_asprintf("it does not verify: not signed by the "
			"CA of the certificate or a responder it authorized "
			"(%s)", ossl_reason());
		goto out;
	}
	if (!find_status(bs, leaf, issuer, &status, &reason, &rev, &thisu,
	    &nextu)) {
		a->text = xcv_strdup("it holds no status for the certificate");
		goto out;
	}
	time_text(thisu, s_this);
	if (nextu != NULL)
		time_text(nextu, s_next);
	else
		snprintf(s_next, sizeof(s_next), "none");
	if (!xcv_asn1_seconds(thisu, &t_this) ||
	    (nextu != NULL && !xcv_asn1_seconds(nextu, &t_next))) {
		a->text = xcv_strdup("its times do not parse");
		goto out;
	}
	switch (status) {
	case V_OCSP_CERTSTATUS_REVOKED:
		/* Revocation is for good: a stale answer still says so. */
		a->state = "revoked";
		(void)xcv_asn1_seconds(rev, &a->revoked_at);
		if (reason >= 0 && (a->reason = reason_text(reason)) == NULL) {
			rc = XCV_ENOMEM;
			goto out;
		}
		a->text = xcv_asprintf("revoked (%s), this update %s, next "
			"update %s", a->reason ? a->reason : "no reason given",
			s_this, s_next);
		break;
	case V_OCSP_CERTSTATUS_GOOD:
		if (t_this > p->at + XCV_REV_OCSP_SLACK) {
			a->state = "stale";
			a->text = xcv_asprintf("good, but issued after the "
				"verification time (this update %s)", s_this);
		} else if (nextu != NULL && t_next < p->at - XCV_REV_OCSP_SLACK) {
			a->state = "stale";
			a->text = xcv_asprintf("good, but stale: its next update "
				"was %s (this update %s)", s_next, s_this);
		} else {
			a->state = "good";
			a->text = xcv_asprintf("good, this update %s, next "
				"update %s", s_this, s_next);
		}
		break;
	default:
		a->text = xcv_strdup("the responder does not know the "
			"certificate (status unknown)");
		break;
	}
out:
	if (rc == 0 && a->text == NULL)
		rc = xcv_oom();
	if (rc < 0) {
		free(a->text);
		free(a->reason);
		a->text = a->reason = NULL;
	}
	ERR_clear_error();
	X509_STORE_free(st);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return rc;
}

/* Take an answer for the leaf from source; a->reason and a->text pass to
 * the leaf's state. */
static int
take_ocsp(struct run *r, struct ocsp_answer *a, const char *source,
	const char *what)
{
	struct cert_state *leaf = &r->c[0];
	int rc = xcv_strv_pushf(&r->out->notes, "\"%s\": %s: %s", leaf->name,
		what, a->text);

	if (strcmp(a->state, "revoked") == 0) {
		if (leaf->ocsp != XCV_REV_REVOKED) {
			leaf->ocsp = XCV_REV_REVOKED;
			leaf->ocsp_source = source;
			free(leaf->ocsp_text);
			leaf->ocsp_text = a->text;
			a->text = NULL;
			if (leaf->crl != XCV_REV_REVOKED) {
				free(leaf->reason);
				leaf->reason = a->reason;
				a->reason = NULL;
				leaf->revoked_at = a->revoked_at;
				leaf->revoked_by = source;
			}
		}
	} else if (strcmp(a->state, "good") == 0) {
		if (leaf->ocsp == XCV_REV_UNKNOWN) {
			leaf->ocsp = XCV_REV_GOOD;
			leaf->ocsp_source = source;
			leaf->ocsp_text = a->text;
			a->text = NULL;
		}
	} else if (rc == 0) {
		rc = xcv_strv_pushf(&leaf->ocsp_why, "%s: %s: %s", what,
			a->state, a->text);
	}
	free(a->text);
	free(a->reason);
	return rc;
}

/* The stapled response (RFC 6066 §8), or its absence when asked for. */
static int
judge_staple(struct run *r)
{
	const struct xcv_revocation_params *p = r->p;
	struct ocsp_answer a;
	int rc;

	if (p->staple == NULL) {
		if (p->staple_asked) {
			r->out->staple = "absent";
			return xcv_strv_pushf(&r->out->notes, "\"%s\": no stapled "
				"OCSP response%s", r->c[0].name,
				r->out->must_staple ? " (the certificate "
				"requires one: must-staple)" : "");
		}
		return 0;
	}
	if ((rc = ocsp_judge(&a, r, p->staple, p->staple_len, NULL)) < 0)
		return rc;
	r->out->staple = a.state;
	return take_ocsp(r, &a, "ocsp-staple", "stapled OCSP response");
}

/* The first http:// OCSP responder of the leaf's AIA, or NULL (*oom). */
static char *
ocsp_url(X509 *leaf, bool *oom)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(leaf);
	char *url = NULL;

	*oom = false;
	for (int i = 0; url == NULL && i < sk_OPENSSL_STRING_num(urls); i++) {
		const char *u = sk_OPENSSL_STRING_value(urls, i);
		if (xcv_ascii_ncasecmp(u, "http://", 7) == 0 &&
		    (url = xcv_escape((const unsigned char *)u,
		    strlen(u))) == NULL)
			*oom = true;
	}
	X509_email_free(urls);
	ERR_clear_error();
	return url;
}

/* Ask the leaf's responder (RFC 6960 appendix A.1: POST), with a nonce. */
static int
ask_ocsp(struct run *r)
{
	const struct xcv_revocation_params *p = r->p;
	struct cert_state *leaf = &r->c[0];
	struct xcv_http_req q = { .content_type = "application/ocsp-request",
		.expect_type = "application/ocsp-response", .asn1 = true,
		.max = XCV_REV_MAX_OCSP, .max_redirects = XCV_REV_MAX_REDIRECTS };
	struct ocsp_answer a;
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *id = NULL;
	unsigned char *der = NULL, *data = NULL;
	char *url, *why = NULL;
	size_t len;
	int n, rc = 0;
	bool oom;

	if (!p->ocsp)
		return 0;
	if ((url = ocsp_url(leaf->x, &oom)) == NULL)
		return oom ? xcv_oom() : xcv_strv_pushf(&leaf->ocsp_why,
			"it names no http:// OCSP responder (AIA)");
	if (r->fetches >= XCV_REV_MAX_FETCHES) {
		rc = xcv_strv_pushf(&leaf->ocsp_why, "OCSP %s: not asked (%d "
			"fetches already in this check)", url,
			XCV_REV_MAX_FETCHES);
		goto out;
	}
	if (!time_left(r)) {
		rc = xcv_strv_pushf(&leaf->ocsp_why, "OCSP %s: not fetched: no "
			"time left", url);
		goto out;
	}
	r->fetches++;
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(NULL, leaf->x, sk_X509_value(p->path, 1));
	if (req == NULL || id == NULL || OCSP_request_add0_id(req, id) == NULL) {
		OCSP_CERTID_free(id);
		rc = xcv_oom();
		goto out;
	}
	if (!OCSP_request_add1_nonce(req, NULL, -1) ||
	    (n = i2d_OCSP_REQUEST(req, &der)) <= 0) {
		rc = xcv_oom();
		goto out;
	}
	q.body = der;
	q.body_len = (size_t)n;
	if ((rc = http_fetch(&data, &len, &why, url, &q, r)) < 0)
		goto out;
	if (why != NULL) {
		rc = xcv_strv_pushf(&leaf->ocsp_why, "OCSP %s: %s", url, why) < 0 ?
			XCV_ENOMEM : xcv_strv_pushf(&r->out->notes, "\"%s\": OCSP "
			"%s: %s", leaf->name, url, why);
		goto out;
	}
	if ((rc = ocsp_judge(&a, r, data, len, req)) == 0) {
		char *what = xcv_asprintf("OCSP %s", url);
		if (what == NULL) {
			free(a.text);
			free(a.reason);
			rc = XCV_ENOMEM;
			goto out;
		}
		rc = take_ocsp(r, &a, "ocsp", what);
		free(what);
	}
out:
	ERR_clear_error();
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	free(data);
	free(why);
	free(url);
	return rc;
}

/* Does x carry the TLS feature status_request (RFC 7633 §4, value 5)? */
static bool
must_staple(X509 *x)
{
	TLS_FEATURE *f = X509_get_ext_d2i(x, NID_tlsfeature, NULL, NULL);
	bool yes = false;

	for (int i = 0; i < sk_ASN1_INTEGER_num(f) && !yes; i++)
		yes = ASN1_INTEGER_get(sk_ASN1_INTEGER_value(f, i)) == 5;
	TLS_FEATURE_free(f);
	ERR_clear_error();
	return yes;
}

/* "on 2026-05-01T12:00:00Z", or "on an unknown date" for 0 (an entry
 * that was not read, a date that does not parse). */
static void
revoked_on(int64_t at, char buf[48])
{
	char t[32];

	if (at == 0) {
		snprintf(buf, 48, "on an unknown date");
		return;
	}
	xcv_time_format(at, t);
	snprintf(buf, 48, "on %s", t);
}

/* The verdict, its why, and a note for each certificate. */
static int
conclude(struct run *r)
{
	struct xcv_revocation *out = r->out;
	struct xcv_strv why = { 0 };
	bool unknown = false;
	char t[32], on[48];
	int rc = 0;

	for (int d = 0; d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		if (cs->crl == XCV_REV_GOOD) {
			time_text(X509_CRL_get0_nextUpdate(cs->crl_by->crl), t);
			xcv_strv_pushf(&out->notes, "\"%s\": good, by the CRL "
				"from %s (next update %s)", cs->name,
				cs->crl_by->from, t);
		} else if (cs->crl == XCV_REV_REVOKED) {
			revoked_on(cs->revoked_at, on);
			xcv_strv_pushf(&out->notes, "\"%s\": revoked %s (%s), "
				"by the CRL from %s", cs->name, on, cs->reason ?
				cs->reason : "no reason given", cs->crl_by ?
				cs->crl_by->from : "a CRL of the trust store");
		} else {
			xcv_strv_pushf(&out->notes, "\"%s\": no CRL judgement: "
				"%s", cs->name, cs->crl_why);
		}
		if (cs->crl_by != NULL && cs->crl != XCV_REV_UNKNOWN) {
			int64_t next;
			if (xcv_asn1_seconds(X509_CRL_get0_nextUpdate(
			    cs->crl_by->crl), &next) &&
			    (out->crl_next_update == 0 ||
			    next < out->crl_next_update))
				out->crl_next_update = next;
		}
	}
	/* RFC 7633 §4.2: a must-staple certificate without its staple
	 * fails the connection, whatever else is known. */
	out->staple_missing = out->must_staple && r->p->staple_asked &&
		r->p->staple == NULL;
	/* Revoked > unknown > good, the lowest revoked certificate first. */
	for (int d = 0; d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		if (cs->crl != XCV_REV_REVOKED && cs->ocsp != XCV_REV_REVOKED)
			continue;
		out->state = XCV_REV_REVOKED;
		out->depth = d;
		out->revoked_at = cs->revoked_at;
		out->source = cs->revoked_by;
		out->reason = cs->reason;
		cs->reason = NULL;
		revoked_on(cs->revoked_at, on);
		out->why = xcv_asprintf("\"%s\" was revoked %s (%s), says "
			"%s%s", cs->name, on, out->reason ? out->reason :
			"no reason given", cs->crl != XCV_REV_REVOKED ? "" :
			cs->crl_by ? "the CRL from " : "a CRL of the trust store",
			cs->crl != XCV_REV_REVOKED ?
			(strcmp(cs->ocsp_source, "ocsp") == 0 ?
			"its OCSP responder" : "the stapled OCSP response") :
			cs->crl_by ? cs->crl_by->from : "");
		goto out;
	}
	for (int d = 0; d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		char *ocsp;
		if (cs->crl == XCV_REV_GOOD || cs->ocsp == XCV_REV_GOOD)
			continue;
		unknown = true;
		ocsp = cs->ocsp_why.n ? xcv_strv_join(&cs->ocsp_why, "; ") : NULL;
		xcv_strv_pushf(&why, "\"%s\": %s%s%s", cs->name, cs->crl_why,
			ocsp ? "; " : "", ocsp ? ocsp : "");
		free(ocsp);
	}
	if (out->staple_missing || unknown) {
		out->state = XCV_REV_UNKNOWN;
		out->why = out->staple_missing ? xcv_strdup(MUST_STAPLE_WHY) :
			xcv_strv_join(&why, "; ");
		goto out;
	}
	out->state = XCV_REV_GOOD;
	for (int d = 0; d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		if (cs->ocsp == XCV_REV_GOOD && cs->crl != XCV_REV_GOOD)
			xcv_strv_pushf(&why, "\"%s\" by %s", cs->name,
				strcmp(cs->ocsp_source, "ocsp") == 0 ?
				"its OCSP responder" :
				"the stapled OCSP response");
		else
			xcv_strv_pushf(&why, "\"%s\" by the CRL from %s",
				cs->name, cs->crl_by->from);
	}
	out->source = r->c[0].crl == XCV_REV_GOOD ? "crl" : r->c[0].ocsp_source;
	out->why = xcv_strv_join(&why, "; ");
out:
	if (out->why == NULL || xcv_strv_ok(&out->notes) < 0)
		rc = xcv_oom();
	xcv_strv_clear(&why);
	return rc;
}

static void
run_clear(struct run *r)
{
	for (int d = 0; r->c != NULL && d < r->m; d++) {
		struct cert_state *cs = &r->c[d];
		free(cs->name);
		free(cs->crl_why);
		free(cs->ocsp_text);
		free(cs->reason);
		xcv_strv_clear(&cs->ocsp_why);
		xcv_strv_clear(&cs->fetch_why);
	}
	free(r->c);
	for (size_t i = 0; i < r->n_crls; i++) {
		X509_CRL_free(r->crls[i].crl);
		free(r->crls[i].from);
	}
	free(r->crls);
	xcv_strv_clear(&r->asked);
	xcv_strv_clear(&r->failed);
	xcv_strv_clear(&r->failed_why);
}

int
xcv_revocation_check(struct xcv_revocation *out,
	const struct xcv_revocation_params *p)
{
	unsigned long failures = xcv_alloc_failures();
	struct run r = { .p = p, .out = out };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->depth = -1;
	r.n = p->path ? sk_X509_num(p->path) : 0;
	r.m = r.n - 1;
	r.timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (r.n <= 0 || p->store == NULL) {
		out->why = xcv_strdup("no verified path to check");
		rc = out->why ? 0 : xcv_oom();
		goto out;
	}
	out->must_staple = must_staple(sk_X509_value(p->path, 0));
	if (r.m == 0) {
		out->why = xcv_strdup("the certificate is itself the trust "
			"anchor: no CRL or OCSP answer applies to it");
		if (out->why == NULL)
			rc = xcv_oom();
		if (rc == 0 && p->staple_asked && p->staple == NULL)
			out->staple = "absent";
		goto out;
	}
	if ((r.c = calloc((size_t)r.m, sizeof(*r.c))) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	for (int d = 0; d < r.m; d++) {
		r.c[d].x = sk_X509_value(p->path, d);
		r.c[d].revoked_at = 0;
		if ((r.c[d].name = xcv_cert_short_name(r.c[d].x)) == NULL) {
			r.m = d;
			rc = xcv_oom();
			goto out;
		}
	}
	if ((rc = load_crl_files(&r)) < 0 || (rc = judge_staple(&r)) < 0 ||
	    (rc = ask_ocsp(&r)) < 0)
		goto out;
	for (int d = 0; d < r.m; d++)
		if ((rc = fetch_crls(&r, d)) < 0)
			goto out;
	if ((rc = judge_crls(&r)) < 0)
		goto out;
	rc = conclude(&r);
out:
	/* OpenSSL may go on without memory it could not get, and reach
	 * another judgement: none then. */
	if (rc == 0 && (xcv_alloc_failures() != failures ||
	    xcv_strv_ok(&out->notes) < 0))
		rc = xcv_oom();
	run_clear(&r);
	ERR_clear_error();
	if (rc < 0)
		xcv_revocation_clear(out);
	return rc;
}

void
xcv_revocation_clear(struct xcv_revocation *r)
{
	if (r == NULL)
		return;
	free(r->why);
	free(r->reason);
	xcv_strv_clear(&r->notes);
	memset(r, 0, sizeof(*r));
	r->depth = -1;
}
