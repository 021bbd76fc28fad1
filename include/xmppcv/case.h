#ifndef XMPPCV_CASE_H
#define XMPPCV_CASE_H

#include <xmppcv/common.h>
#include <xmppcv/chain.h>
#include <xmppcv/config.h>
#include <xmppcv/check.h>
#include <xmppcv/result.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A captured case: a directory holding the chain a server presented
 * (chain.pem), what was known when it was captured and the verdict then
 * (case.json), and optionally the case's own trust anchors (anchors.pem).
 * Replaying verifies the chain again, by default as at the capture time, and
 * compares the verdict.
 */
struct xcv_case;

/* What a capture records besides the chain and the verdict. */
struct xcv_case_meta {
	const char *target;       /* what was checked, or the source file */
	const char *address;      /* "ADDRESS:PORT", or NULL */
	enum xcv_domain_source domain_source;
	bool system_ca;           /* were the system's anchors trusted */
};

/*
 * Write a case into dir, which must not exist yet (nothing is ever
 * overwritten); it appears whole or not at all. anchors may be NULL.
 */
int xcv_case_write(const char *dir, const struct xcv_case_meta *meta,
	const struct xcv_chain *chain, const struct xcv_result *res,
	const struct xcv_chain *anchors);

/* Load a case; XCV_EINPUT with a message naming the directory and what is
 * wrong with it. */
int xcv_case_load(struct xcv_case **out, const char *dir);

/* The same, taking the certificates that cases share (intermediates and
 * anchors) from cache, and keeping them there; cache may be NULL. */
int xcv_case_load_cached(struct xcv_case **out, const char *dir,
	struct xcv_chain_cache *cache);

/* A case's files in memory, as xcv_case_load reads them. */
struct xcv_case_files {
	const char *name;            /* its directory, for messages */
	const void *json;            /* case.json */
	size_t json_len;
	const void *chain;           /* chain.pem */
	size_t chain_len;
	const void *anchors;         /* anchors.pem; NULL: the case has none */
	size_t anchors_len;
};

/* Load a case from memory (xcv_case_load reads the files, then calls
 * this); messages name NAME/case.json, NAME/chain.pem, NAME/anchors.pem. */
int xcv_case_load_mem(struct xcv_case **out, const struct xcv_case_files *files,
	struct xcv_chain_cache *cache);
void xcv_case_free(struct xcv_case *c);

const struct xcv_chain *xcv_case_chain(const struct xcv_case *c);
const char *xcv_case_domain(const struct xcv_case *c);
int64_t xcv_case_captured(const struct xcv_case *c);

/* Apply the case's service, policy and anchors to cfg (made for it). */
int xcv_case_configure(const struct xcv_case *c, struct xcv_config *cfg);

/* A string equal for cases that need the same configuration. Owned by c. */
const char *xcv_case_trust_key(const struct xcv_case *c);

/* The recorded verdict in words, e.g. "ok via dnsName corp.example". */
const char *xcv_case_recorded(const struct xcv_case *c);

/* How res differs from the recorded verdict, in words ("was ok via
 * dnsName corp.example, now mismatch: ..."), in *diff for the caller to
 * free; *diff is NULL when it does not differ. Returns 0, or XCV_ENOMEM
 * (never taken for "unchanged"). */
int xcv_case_diff(char **diff, const struct xcv_case *c,
	const struct xcv_result *res);

#ifdef __cplusplus
}
#endif
#endif
