/* The verdict on one chain, shared by verify, advice and report. */
#ifndef XCV_RESULT_INTERNAL_H
#define XCV_RESULT_INTERNAL_H

#include "config_internal.h"
#include "identity.h"
#include "profile.h"
#include "revocation.h"

struct xcv_client_judgement;

/* One problem found while validating the chain. */
struct xcv_chain_error {
	int code;        /* X509_V_ERR_* */
	int depth;
	char *name;      /* short name of the certificate at that depth */
	char *issuer;    /* its issuer's DN */
	char *text;      /* the problem in words */
	bool root_missing; /* the issuer missing above a sent CA is a root */
};

struct xcv_result {
	enum xcv_service service;
	int64_t at;              /* verification time */
	bool ok;
	struct xcv_identity id;
	enum xcv_verdict verdict;
	bool strict;             /* profile defects count (xcv_config_set_strict) */
	bool described;          /* descriptions, warnings, advice (not
	                          * xcv_verify_verdict) */
	bool trusted;            /* by the anchors */
	bool accepted;           /* the user accepted the leaf for the domain */
	bool accepted_trusted;   /* ... and it verifies as its own anchor */
	struct xcv_chain_error *errors;
	size_t n_errors;
	struct xcv_certinfo *presented;
	size_t n_presented;
	struct xcv_certinfo *built;
	size_t n_built;
	STACK_OF(X509) *path;    /* the chain as built (references) */
	struct xcv_refs libs;    /* the contexts path's certificates live in */
	struct xcv_findings findings;   /* profile defects (profile.c) */
	struct xcv_strv warnings;
	struct xcv_strv advice;
	/* Client profiles' judgements (clients/clients.c). */
	struct xcv_client_judgement *clients;
	size_t n_clients;
	bool clients_failed;     /* a required profile would not connect */
	bool clients_shown;      /* text: a table, not one summary line */
	/* Revocation (revocation.c), when the configuration asks for it and
	 * the path is trusted; rev_fails: it fails the verdict. */
	bool rev_checked, rev_fails;
	struct xcv_revocation rev;
	/* Authenticated beyond PKIX and the name (federation.c): "dane"
	 * (a DANE-EE record, or DANE-TA with its name check) or "posh" (the
	 * domain's POSH file names the certificate); NULL. dane_fails: a
	 * secure TLSA set the chain does not match, or a bogus answer. */
	const char *verified_by;
	bool dane_fails;
	/* Notes on what the certificate is fit for beyond the verdict
	 * (verify.c): s2s-no-clientauth. */
	struct xcv_notice {
		const char *code, *severity;   /* static */
		char *text;
	} *notices;
	size_t n_notices;
	/* What the public getters show, built at the end of xcv_verify. */
	struct xcv_presented_id *id_view;
	struct xcv_cert_info *cert_view;
	struct xcv_finding_info *finding_view;
};

/* s2s: a leaf whose extended key usage leaves out clientAuth cannot
 * authenticate its server when it connects out (SASL EXTERNAL, XEP-0178)
 * to receiving servers that require it: a notice on res. 0 or
 * XCV_ENOMEM. */
int xcv_s2s_purpose_notice(struct xcv_result *res, X509 *leaf);
void xcv_notices_clear(struct xcv_result *res);

/* What a live connection adds to a verification: the stapled OCSP
 * response (and whether one was asked for), how long one fetch of a CRL
 * or an OCSP answer may take (0: the default), and the caller's overall
 * deadline, which no fetch outlasts (xcv_now_ms() time; 0: none). */
struct xcv_live {
	const unsigned char *staple;
	size_t staple_len;
	bool staple_asked;
	int timeout_ms;
	int64_t deadline;
};
/* xcv_verify_as() with what the connection gave. */
int xcv_verify_live(struct xcv_result **out, struct xcv_config *cfg,
	const struct xcv_chain *chain, const char *domain,
	enum xcv_service service, const struct xcv_live *live);

/* Judge res with the client profiles cfg selects (all: those chosen for
 * reports too; else only the required ones). 0 or XCV_ENOMEM. */
int xcv_clients_judge_result(struct xcv_result *res,
	const struct xcv_config *cfg, bool all);
void xcv_clients_clear(struct xcv_result *res);
/* "5 of 10 client profiles would not connect silently: they ignore
 * xmppAddr (gio, ...); ..." into *out, NULL when every one connects. 0 or
 * XCV_ENOMEM; the caller frees *out. */
int xcv_clients_summary(char **out, const struct xcv_result *res);
/* The certificate change that satisfies every profile judged, as one
 * piece of advice; nothing when every one connects. 0 or XCV_ENOMEM. */
int xcv_clients_advise(const struct xcv_result *res, struct xcv_strv *advice);
/* What the TLS versions the server accepts do to res's judgements
 * (tls_versions[i] for TLS 1.i: 1 accepted, 0 refused, -1 not known):
 * each profile whose minimum and every version above it the server
 * refuses fails (reason "tls-version"), a required one fails the verdict
 * (clients_failed, verdict, ok), and a described result gains the advice
 * to enable them. Call it after xcv_verify; again is harmless. 0 or
 * XCV_ENOMEM (the judgements stay consistent). */
int xcv_clients_judge_versions(struct xcv_result *res,
	const int tls_versions[4]);
/* The client profiles of service that no version the server accepts
 * (tls_versions, as above) lets connect: their ids and, in words, why
 * ("the server offers only TLS 1.0; libstrophe needs TLS 1.2 or later").
 * Whatever the certificate: the posture's own answer. 0 or XCV_ENOMEM. */
int xcv_clients_version_failures(struct xcv_strv *ids, struct xcv_strv *whys,
	enum xcv_service service, const int tls_versions[4]);

/* Fill res->advice from the rest of res (advice.c); cfg names inputs. */
int xcv_advise(struct xcv_result *res, const struct xcv_config *cfg);

/* What to do when a live check obtained no certificate (advice.c). */
int xcv_advise_failure(struct xcv_strv *advice, const struct xcv_config *cfg,
	enum xcv_phase phase, enum xcv_service service, bool direct_tls,
	const char *domain);

#endif
