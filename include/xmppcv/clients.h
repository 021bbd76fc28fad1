#ifndef XMPPCV_CLIENTS_H
#define XMPPCV_CLIENTS_H

#include <xmppcv/result.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Client profiles: what one real client stack (Gajim and Dino on GIO,
 * profanity on libstrophe, Pidgin on NSS, ...) would do with a chain, by
 * that client's own rules for names, wildcards, the CN, IDN and the chain.
 * xmppcv's own verdict (xcv_result_verdict) answers for an RFC 6125
 * client; the profiles answer for the clients users run. Each profile is
 * checked against the real library where Debian ships it.
 */
enum xcv_client_verdict {
	XCV_CLIENT_CONNECTS = 0,  /* connects without asking */
	XCV_CLIENT_PROMPTS,       /* asks the user (and may remember) */
	XCV_CLIENT_FAILS,         /* refuses the connection */
};
/* "connects", "prompts", "fails". */
const char *xcv_client_verdict_name(enum xcv_client_verdict v);

/* One profile, as the library knows it. Owned by the library. */
struct xcv_client_profile {
	const char *id;             /* "gio", "libstrophe", ... (the contract) */
	const char *const *stands_for; /* the clients, NULL-terminated */
	const char *models;         /* the versions modelled, in words */
	const char *rules;          /* the rules modelled, in words */
	const char *trust_store;    /* the anchors it trusts, in words */
	bool c2s, s2s, https;       /* the services it judges */
};
/* Every profile, in the order reports list them; NULL past the end. */
size_t xcv_client_profile_count(void);
const struct xcv_client_profile *xcv_client_profile(size_t i);
/* The profile with this id, or NULL. */
const struct xcv_client_profile *xcv_client_profile_find(const char *id);
/* {"client", "stands_for", "models", "rules", "trust_store", "services"}
 * on one line;
 * NULL when out of memory. The caller frees it. */
char *xcv_client_profile_to_json(const struct xcv_client_profile *p);

/*
 * Which profiles a result judges: a comma-separated list of ids, "all"
 * (the default) or "none". Profiles that do not judge a result's service
 * are left out of it. XCV_EINPUT names an unknown id.
 */
int xcv_config_set_clients(struct xcv_config *cfg, const char *list);
/*
 * Profiles that must connect without asking: any of them that would
 * prompt or fail makes the verdict not-verified (XCV_PROBLEM_CLIENTS),
 * naming it. They are judged whatever xcv_config_set_clients() says.
 * "none" (the default) clears the list; XCV_EINPUT names an unknown id.
 */
int xcv_config_require_clients(struct xcv_config *cfg, const char *list);

/* What one profile would do with a result's chain. */
struct xcv_client_info {
	const char *client;         /* the profile's id */
	enum xcv_client_verdict verdict;
	const char *name;           /* the identity that satisfied the
				       client's name check ("dnsName
				       corp.example"), or NULL when it fails */
	bool trusted;               /* the client's chain decision with the
				       configured anchors */
	const char *why;            /* in words: what matched, or what fails
				       and why */
	const char *reason;         /* a fixed code for what keeps it from
				       connecting silently ("ignores-xmppaddr",
				       "untrusted", ...), NULL when it
				       connects */
	bool required;              /* named by xcv_config_require_clients */
	const struct xcv_client_profile *profile;
};
/* The profiles judged for res, in the library's order. Owned by res. */
size_t xcv_result_client_count(const struct xcv_result *res);
const struct xcv_client_info *xcv_result_client(const struct xcv_result *res,
	size_t i);

#ifdef __cplusplus
}
#endif
#endif
