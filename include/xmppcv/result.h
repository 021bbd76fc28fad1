#ifndef XMPPCV_RESULT_H
#define XMPPCV_RESULT_H

#include <xmppcv/common.h>
#include <xmppcv/config.h>
#include <xmppcv/chain.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The verdict on one chain for one XMPP domain, with the reasons. */
struct xcv_result;

/*
 * Verify chain for domain (the XMPP domain; for XCV_SERVICE_HTTPS the host
 * name or IP address). Returns 0 and a result whether or not the chain
 * verified; XCV_EINPUT if domain is not a valid domain name or the chain is
 * empty; XCV_ERROR if the check could not be made.
 */
int xcv_verify(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain);

/* The same for a service other than the configuration's (a scan verifies
 * c2s, s2s and https endpoints with one configuration). */
int xcv_verify_as(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain,
	enum xcv_service service);

/*
 * Verify as xcv_verify does, as far as the verdict only: the result's
 * verdict, chain trust and first chain error, and the identity match and
 * presented identities are those xcv_verify gives; certificate
 * descriptions, warnings, advice and (unless the configuration is strict)
 * profile findings are left out. For comparing verdicts, not for reports.
 */
int xcv_verify_verdict(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain);

void xcv_result_free(struct xcv_result *res);

/* The verdict (common.h); xcv_result_ok() is verdict == verified. */
enum xcv_verdict xcv_result_verdict(const struct xcv_result *res);
bool xcv_result_ok(const struct xcv_result *res);
/* The domain verified against: lower-case A-labels. Owned by res. */
const char *xcv_result_domain(const struct xcv_result *res);
enum xcv_service xcv_result_service(const struct xcv_result *res);

/* What keeps a result from verified, as a set of these bits. */
enum xcv_problem {
	XCV_PROBLEM_MISMATCH = 1u << 0,  /* no identity names the domain */
	XCV_PROBLEM_UNTRUSTED = 1u << 1, /* no anchor vouches for the chain:
					  * self-signed, a private CA, a
					  * missing intermediate */
	XCV_PROBLEM_EXPIRED = 1u << 2,   /* a certificate is expired or not
					  * valid yet */
	XCV_PROBLEM_INVALID = 1u << 3,   /* otherwise invalid: purpose,
					  * signature, constraints */
	XCV_PROBLEM_PROFILE = 1u << 4,   /* profile defects, under strict */
	XCV_PROBLEM_CLIENTS = 1u << 5,   /* a client profile the
					  * configuration requires would not
					  * connect silently */
	XCV_PROBLEM_REVOKED = 1u << 6,   /* a certificate is revoked, a
					  * must-staple one came without a
					  * staple, or revocation is unknown
					  * where it is required */
	XCV_PROBLEM_DANE = 1u << 7,      /* DNSSEC-secure TLSA records that
					  * the chain does not match, or a
					  * bogus or failed DNSSEC answer */
};
/* The problems of res; 0 when verified. An acceptance covers
 * XCV_PROBLEM_UNTRUSTED, nothing else. */
unsigned xcv_result_problems(const struct xcv_result *res);
/* "mismatch", "untrusted", "expired", "invalid", "profile", "clients",
 * "revoked", "dane". */
const char *xcv_problem_name(enum xcv_problem problem);

/* Revocation, where it was judged (xcv_config_set_revocation): "good",
 * "revoked" or "unknown", and in *why (may be NULL) what said so or why
 * it is not known; NULL when it was not judged. Owned by res. */
const char *xcv_result_revocation(const struct xcv_result *res,
	const char **why);

/* Trusted through the anchors, or because the user accepted the leaf
 * (which then verifies as its own anchor: in its validity period, fit for
 * a TLS server). */
bool xcv_result_chain_trusted(const struct xcv_result *res);
/* The user accepted this certificate for the domain (the store), and the
 * verdict rests on that acceptance. */
bool xcv_result_accepted(const struct xcv_result *res);
/* Lower-case hex SHA-256 of the leaf. Owned by res. */
const char *xcv_result_sha256(const struct xcv_result *res);
/* Why the chain is not trusted, in words; NULL if trusted. Owned by res. */
const char *xcv_result_chain_error(const struct xcv_result *res);

bool xcv_result_identity_matched(const struct xcv_result *res);
/* Field and value that matched; valid only when matched. Owned by res. */
enum xcv_field xcv_result_identity_field(const struct xcv_result *res);
const char *xcv_result_identity_value(const struct xcv_result *res);

/* One identity the leaf presents. */
struct xcv_presented_id {
	enum xcv_field field;
	const char *value;     /* as presented, escaped for display */
	bool valid;            /* syntactically valid and of the right type */
	const char *reason;    /* why invalid, or why not used; or NULL */
};

/* Every identity the leaf presents: identity i, or NULL past the end.
 * Owned by res; do not free. */
size_t xcv_result_presented_count(const struct xcv_result *res);
const struct xcv_presented_id *xcv_result_presented(
	const struct xcv_result *res, size_t i);

/* One certificate as presented. */
struct xcv_cert_info {
	const char *subject, *issuer;        /* RFC 2253 text */
	const char *not_before, *not_after;  /* ISO 8601 UTC */
	int64_t not_before_time, not_after_time; /* unix seconds */
	const char *sha256;                  /* lower-case hex */
	const char *key;                     /* "RSA 2048", "EC P-256", ... */
	const char *signature;               /* signature algorithm */
};

/* Certificate i as presented (0 is the leaf), or NULL past the end.
 * Owned by res; do not free. */
size_t xcv_result_cert_count(const struct xcv_result *res);
const struct xcv_cert_info *xcv_result_cert(const struct xcv_result *res,
	size_t i);

/*
 * A defect of RFC 5280 or the CA/Browser Forum Baseline Requirements that
 * OpenSSL's default verification lets through: a warning, or a failure of
 * the verdict under xcv_config_set_strict(). On the certificate of the
 * trust anchor the path ends at (anchor), it is information only: RFC 5280
 * §6.1.1 (d) takes an anchor as a name and a key, whatever its encoding.
 */
struct xcv_finding_info {
	const char *code;      /* fixed: "aki-missing", "weak-signature", ... */
	int depth;             /* in the chain as built: 0 is the leaf */
	const char *name;      /* the certificate's name */
	const char *text;      /* what is wrong, and the rule, in words */
	bool anchor;           /* on the trust anchor: never fails the verdict */
};
size_t xcv_result_finding_count(const struct xcv_result *res);
const struct xcv_finding_info *xcv_result_finding(const struct xcv_result *res,
	size_t i);

size_t xcv_result_warning_count(const struct xcv_result *res);
const char *xcv_result_warning(const struct xcv_result *res, size_t i);
size_t xcv_result_advice_count(const struct xcv_result *res);
const char *xcv_result_advice(const struct xcv_result *res, size_t i);

/*
 * Render the result. label names the input (a file name, a target) and may
 * be NULL. The caller frees the string with free(). JSON is one line
 * without a trailing newline; text is for people and ends with a newline.
 */
char *xcv_result_to_json(const struct xcv_result *res, const char *label);
char *xcv_result_to_text(const struct xcv_result *res, const char *label);

/* A JSON line for an input that could not be judged at all (an unreadable
 * file, a bad target): {KEY: label, "verdict": null, "ok": false,
 * "error": {"phase": "input", "message": message}}. The caller frees it. */
char *xcv_input_error_to_json(const char *key, const char *label,
	const char *message);

/* The verdict in a few words, e.g. "ok via dnsName corp.example" or "not
 * ok: mismatch, chain trusted"; as captured cases record it. The caller
 * frees it. */
char *xcv_result_summary(const struct xcv_result *res);

#ifdef __cplusplus
}
#endif
#endif
