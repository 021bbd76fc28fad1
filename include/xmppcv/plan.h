#ifndef XMPPCV_PLAN_H
#define XMPPCV_PLAN_H

#include <xmppcv/check.h>
#include <xmppcv/scan.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A trust plan: what to deploy to users' computers so that no client asks
 * about a server certificate. A private root the presented chains lead to
 * goes to the clients' trusted roots (Windows: Trusted Root Certification
 * Authorities), a self-signed server certificate to Enterprise Trust; a
 * public root the clients' store already holds is left out; what no
 * deployment fixes (a name mismatch, a missing intermediate, an expired
 * certificate) is named as a fix on the server. The plan counts the
 * prompts each client profile that prompts would show a user, before the
 * plan and after it. Server-to-server certificates are not the clients'
 * concern and are left out.
 */
struct xcv_plan;

struct xcv_plan_params {
	/* The clients' store before the plan: a PEM bundle (default
	 * Debian's /etc/ssl/certs/ca-certificates.crt). */
	const char *system_store;
	/* Judge as at this time (unix seconds) when have_time. */
	bool have_time;
	int64_t at;
};

/* XCV_EINPUT when the store cannot be read or holds no certificate. */
int xcv_plan_new(struct xcv_plan **out, const struct xcv_plan_params *p);
void xcv_plan_free(struct xcv_plan *plan);

/*
 * What an endpoint presented: node, service ("c2s", "xmpps", "https";
 * "s2s" is left out), the name its certificate must carry, whether it
 * did, the chain as built for it (the server's certificate first, up to
 * the root where one was found), and the SHA-256 (hex) of each
 * certificate the server sent: a certificate of the path it did not send
 * (an intermediate found among the trust anchors) is one a client lacks.
 * sent NULL: the server sent the whole path. Copies what it keeps.
 */
struct xcv_plan_endpoint {
	const char *node, *service, *name;
	bool named;
	const struct xcv_chain *built;
	const char *const *sent;
	size_t n_sent;
};
int xcv_plan_add(struct xcv_plan *plan, const struct xcv_plan_endpoint *ep);
/* The same for a check's or a scan's certificates. */
int xcv_plan_add_check(struct xcv_plan *plan, const struct xcv_check *check,
	const char *target);
int xcv_plan_add_scan(struct xcv_plan *plan, const struct xcv_scan *scan);
/* One line of 'check --json', 'scan --json' or 'verify --json' (the node
 * is the scan's node, the check's target or the verified file; summary
 * lines and lines without a certificate are passed over). XCV_EINPUT for
 * a line that is not such JSON. */
int xcv_plan_add_json(struct xcv_plan *plan, const char *line, size_t len);

/*
 * Write the plan into dir: roots/, enterprise-trust/, windows/, linux/,
 * java/, macos/, PLAN.md and plan.json. Written into a new folder beside
 * dir and renamed in (an earlier plan swapped out in one step where the
 * system can, then removed), so an interrupted run leaves dir as it was.
 * An existing dir that is not empty is replaced only when force, and only
 * when it holds a plan (else XCV_EINPUT, nothing changed).
 */
int xcv_plan_write(struct xcv_plan *plan, const char *dir, bool force);

/* Whether xcv_plan_write could write dir now: XCV_EINPUT when dir is
 * not a folder (or a symbolic link), cannot be read, or is not empty and
 * force is not given, or holds something other than a plan (no
 * plan.json). For a caller about to scan before it writes. */
int xcv_plan_check_folder(const char *dir, bool force);

/* How many endpoints the plan speaks for (s2s ones are left out). */
size_t xcv_plan_endpoint_count(const struct xcv_plan *plan);

/* What the plan holds, in a few lines for people (after write). The
 * caller frees it. */
char *xcv_plan_summary(const struct xcv_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
