/* Inside a scan: shared by scan.c (the run, the findings) and report.c
 * (rendering). */
#ifndef XCV_SCAN_INTERNAL_H
#define XCV_SCAN_INTERNAL_H

#include "discovery.h"
#include "result_internal.h"
#include "xmppcv/scan.h"

struct xcv_scan_node {
	char *name;                  /* lower-case A-labels, or address text */
	bool is_ip;
	int srv_port[XCV_SCAN_SERVICES];  /* from SRV records; 0 if none */
	struct xcv_endpoints addrs;
	char *domain;                /* the XMPP domain it serves, if known */
	char *answered;              /* a different domain it answered as */
	struct xcv_discovery disc;   /* learning the domain from the node */
	size_t disc_open;            /* discovery probes still running */
	struct xcv_probe **disc_probes;
	struct xcv_race race;        /* only the winner goes on to TLS */
	bool early;                  /* the other XMPP services were queued
	                              * once the race had a winner */
	char *no_address;            /* why the node has no address */
};

struct xcv_scan_ep {
	size_t node;                 /* index into nodes */
	unsigned service;            /* one XCV_SCAN_* bit */
	int port;
	char address[INET6_ADDRSTRLEN + 8];
	struct xcv_endpoint where;   /* address and port to connect to */
	bool have_address, required, closed;
	struct xcv_probe *pr;        /* while it runs */
	struct xcv_failure failure;  /* no certificate: why */
	struct xcv_chain *chain;
	struct xcv_result *res;
	char *tls_version, *cipher, *http;
	struct xcv_strv notes;       /* what else the endpoint showed */
	int tls_versions[4];         /* with posture, as in the view */
	struct xcv_scan_vp {         /* a version probe's own */
		struct xcv_scan_ep *e;
		int minor;
	} vp[4];
	struct xcv_scan_endpoint view;
};

struct xcv_scan_fnd {
	const char *code, *severity;
	char *message;
	struct xcv_strv nodes, services;
	struct xcv_scan_finding view;
};

struct xcv_scan {
	char *domain;                /* given or the SRV domain; NULL: each */
	struct xcv_scan_node *nodes;
	size_t n_nodes;
	struct xcv_scan_ep *eps;
	size_t n_eps;
	struct xcv_scan_fnd *findings;
	size_t n_findings;
	unsigned services;           /* the columns */
	bool posture;                /* TLS versions were asked */
	struct xcv_strv records;     /* what DNS said */
	int64_t at;
	int warn_days;
	size_t done;                 /* endpoints finished, for progress */
	int64_t deadline;            /* the whole scan's (xcv_now_ms()), or 0 */
	struct xcv_tls_ctx *tls;     /* shared by its connections, while it runs */
	struct xcv_tls_ctx *version_tls[4];  /* posture: TLS 1.x alone */
	struct xcv_chain_cache *certs;  /* one copy of each certificate seen,
	                                 * while it runs */
	/* the run's parameters, while it runs */
	const struct xcv_scan_params *p;
	struct xcv_config *cfg;
	struct xcv_loop *loop;
};

/* Bit position of one XCV_SCAN_* service. */
int xcv_scan_index(unsigned service);

#endif
