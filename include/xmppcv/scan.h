#ifndef XMPPCV_SCAN_H
#define XMPPCV_SCAN_H

#include <xmppcv/common.h>
#include <xmppcv/config.h>
#include <xmppcv/result.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A scan: every node of a cluster, on every service, at once, verified as
 * check and verify do, with findings across the nodes (the node where the
 * SAN-domain setting was not applied, an HTTPS certificate copied from
 * another node, mixed issuers...).
 */
enum xcv_scan_service {
	XCV_SCAN_C2S = 1u << 0,   /* STARTTLS, port 5222 */
	XCV_SCAN_S2S = 1u << 1,   /* STARTTLS, port 5269 */
	XCV_SCAN_XMPPS = 1u << 2, /* direct TLS (XEP-0368), port 5223 */
	XCV_SCAN_HTTPS = 1u << 3, /* TLS, then HEAD / (the Tomcat port 8443) */
};
#define XCV_SCAN_SERVICES 4

/* "c2s", "s2s", "xmpps", "https". */
const char *xcv_scan_service_name(enum xcv_scan_service service);
/* A comma-separated list ("c2s,https") into a set of bits. */
int xcv_scan_services_parse(unsigned *out, const char *list);

/*
 * What to scan. Start from XCV_SCAN_PARAMS_INIT.
 *  - domain set, nodes given: those nodes serve that XMPP domain;
 *  - domain set, no nodes: the nodes are the targets of the domain's SRV
 *    records (_xmpp-client, _xmpp-server, _xmpps-client, _xmpps-server),
 *    each once with the ports the records give; without any record, the
 *    domain's own addresses are the one node;
 *  - no domain, one node: that name is the domain, as above;
 *  - no domain, several nodes: each node's domain is learned from it.
 */
#define XCV_SCAN_PARAMS_VERSION 3
struct xcv_scan_params {
	unsigned version;            /* XCV_SCAN_PARAMS_VERSION */
	const char *domain;
	const char *const *nodes;    /* names or addresses */
	size_t n_nodes;
	unsigned services;           /* XCV_SCAN_* bits; 0: c2s, s2s, https,
					and xmpps where an SRV record has it */
	int ports[XCV_SCAN_SERVICES];/* by bit position; 0: the SRV record's
					port, else 5222, 5269, 5223, 8443 */
	const char *const *resolve;  /* "HOST:PORT:ADDRESS" pins (any port) */
	size_t n_resolve;
	const char *dns_server;
	const char *from;            /* s2s: our own name */
	int timeout_ms;              /* each phase (default 10000) */
	int max_attempts;            /* discovery connections (default 5) */
	size_t parallel;             /* open connections at most (100) */
	/* Called as endpoints finish: done of total, and how many are open
	 * (connections in flight). May be NULL. */
	void (*progress)(void *ud, size_t done, size_t total, size_t open);
	void *progress_ud;
	/* Version 2: */
	int total_timeout_ms;        /* the whole scan ends within this
					(default 0: only each phase's) */
	/* Version 3: */
	bool posture;                /* also ask each endpoint which TLS
					versions it accepts */
};
#define XCV_SCAN_PARAMS_INIT { .version = XCV_SCAN_PARAMS_VERSION }

struct xcv_scan;

/* Returns 0 and the scan (whatever the nodes answered); XCV_EINPUT for
 * bad parameters, XCV_ECONNECT when the domain's nodes cannot be found. */
int xcv_scan_run(struct xcv_scan **out, struct xcv_config *cfg,
	const struct xcv_scan_params *params);
void xcv_scan_free(struct xcv_scan *scan);

/* The XMPP domain scanned, or NULL when each node had its own. */
const char *xcv_scan_domain(const struct xcv_scan *scan);

/* One node on one service. */
struct xcv_scan_endpoint {
	const char *node;
	const char *address;         /* "ADDRESS:PORT", or NULL */
	enum xcv_scan_service service;
	int port;
	enum xcv_verdict verdict;    /* or XCV_VERDICT_CLOSED */
	bool required;               /* closed counts as a failure */
	const char *domain;          /* XMPP services: the node's domain */
	const char *expected;        /* the name verified against */
	enum xcv_phase phase;        /* no certificate: where it stopped */
	const char *message;
	const struct xcv_result *result;  /* NULL without a certificate */
	/* With posture: TLS 1.0 to 1.3, each 1 accepted, 0 refused, -1 not
	 * known (or not asked). */
	int tls_versions[4];
};
size_t xcv_scan_endpoint_count(const struct xcv_scan *scan);
const struct xcv_scan_endpoint *xcv_scan_endpoint(const struct xcv_scan *scan,
	size_t i);

/* A finding across nodes. */
struct xcv_scan_finding {
	const char *code;            /* "domain-san-missing", ... */
	const char *severity;        /* "error" or "warning" */
	const char *message;
	const char *const *nodes;
	size_t n_nodes;
	const char *const *services;
	size_t n_services;
};
size_t xcv_scan_finding_count(const struct xcv_scan *scan);
const struct xcv_scan_finding *xcv_scan_finding(const struct xcv_scan *scan,
	size_t i);

/*
 * The exit status a tool gives: 1 when an endpoint is not verified or
 * accepted, a required service is closed, or a finding is an error; else
 * 3 when an endpoint gave no certificate; else 0.
 */
int xcv_scan_status(const struct xcv_scan *scan);

/* Rendering; the caller frees. JSON: one line per endpoint, then the
 * summary line. Text: the matrix, the findings, one last line; with
 * verbose, every endpoint's report. */
char *xcv_scan_endpoint_to_json(const struct xcv_scan *scan, size_t i);
char *xcv_scan_summary_to_json(const struct xcv_scan *scan);
char *xcv_scan_to_text(const struct xcv_scan *scan, bool verbose);

#ifdef __cplusplus
}
#endif
#endif
