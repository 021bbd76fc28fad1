/* Inside a trust plan: shared by plan.c (what it holds, the judgement)
 * and plan_files.c (the folder it writes). */
#ifndef XCV_PLAN_INTERNAL_H
#define XCV_PLAN_INTERNAL_H

#include "chain_internal.h"
#include "clients/client.h"
#include "xmppcv/plan.h"

#define XCV_PLAN_DEFAULT_STORE "/etc/ssl/certs/ca-certificates.crt"

enum xcv_plan_kind { XCV_PLAN_ROOT = 0, XCV_PLAN_ENTERPRISE, XCV_PLAN_PUBLIC };

/* A certificate the plan deploys (or leaves to the clients' store). */
struct xcv_plan_cert {
	X509 *x;                     /* a reference */
	enum xcv_plan_kind kind;
	char sha256[65];
	char *subject, *file;        /* file: the stem, "Corp-Root-CA-1a2b3c4d" */
	struct xcv_strv covers;      /* "NODE SERVICE" */
};

/* What no deployment fixes, on one endpoint. */
struct xcv_plan_fix {
	char *node, *service, *problem, *fix;
};

/* One endpoint the plan speaks for. */
struct xcv_plan_ep {
	char *node, *service, *name;
	bool named;
	struct xcv_chain *chain;     /* as built */
	struct xcv_chain *sent;      /* what the server sent of it */
	long cert;                   /* what it deploys: certs[cert], or -1 */
};

struct xcv_plan {
	struct xcv_chain *store;     /* the clients' store before the plan */
	char *store_path;
	int64_t at;
	struct xcv_plan_ep *eps;
	size_t n_eps;
	struct xcv_plan_cert *certs;
	size_t n_certs;
	struct xcv_plan_fix *fixes;
	size_t n_fixes;
	size_t skipped_s2s;
	struct xcv_strv no_cert;     /* "NODE SERVICE" that gave none */
	/* Per client profile: distinct server certificates it prompts
	 * about, before the plan and after it, and refuses after it; -1:
	 * it never prompts. */
	long before[XCV_CLIENTS_MAX], after[XCV_CLIENTS_MAX];
	long refused[XCV_CLIENTS_MAX];
	bool judged;
	char *leftover;              /* an old plan that could not be removed */
	struct xcv_chain_cache *cache;  /* CA certificates of saved JSON */
};

/* Classify every endpoint and count the prompts, once. 0 or XCV_ENOMEM. */
int xcv_plan_judge(struct xcv_plan *plan);

/* Write the plan's files into the new, empty folder dir (plan_files.c). */
int xcv_plan_files_write(const struct xcv_plan *plan, const char *dir);
/* Remove the folder dir and all it holds, following no symbolic link;
 * -1 when something is left. */
int xcv_plan_files_remove(const char *dir);

#endif
