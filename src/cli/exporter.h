/*
 * xmppcv exporter: its configuration (exporter_config.c) and the HTTP side
 * (cmd_exporter.c). The configuration lists the only targets the exporter
 * will probe; nothing in a request can name another.
 */
#ifndef XCV_EXPORTER_H
#define XCV_EXPORTER_H

#include "cli.h"

/* The modules of /probe?module=, as bits. */
enum exp_module {
	MOD_SCAN = 1u << 0,
	MOD_C2S = 1u << 1,
	MOD_S2S = 1u << 2,
	MOD_XMPPS = 1u << 3,
	MOD_HTTPS = 1u << 4,
};
#define EXP_MODULES 5
/* "scan", "c2s", "s2s", "xmpps", "https" by bit position. */
extern const char *const exp_module_names[EXP_MODULES];
int exp_module_parse(const char *name);

struct exp_target {
	const char *name;            /* ?target=; for single services, the
					host[:port] to connect to */
	const char *domain;          /* the XMPP domain, or NULL */
	struct list nodes;           /* scan: the nodes (none: SRV) */
	unsigned modules;            /* allowed (MOD_* bits) */
	unsigned services;           /* scan: XCV_SCAN_* bits, 0 default */
	int ports[XCV_SCAN_SERVICES];
	struct list resolve, ca_files, ca_paths;
	const char *dns_server, *from;
	bool system_ca, strict;
	enum xcv_policy policy;
	int timeout_s;               /* each phase */
	int warn_days, crit_days;
	int parallel;                /* scan: open connections at most */
};

struct exp_config {
	const char *listen;          /* ADDRESS:PORT */
	int max_probes;              /* running at once */
	double max_seconds;          /* a probe without a scrape timeout */
	struct exp_target *targets;
	size_t n_targets;
	void *json;                  /* the parsed file, which the strings
					point into */
};

/* Read and check FILE. Returns 0, or an exit status after saying what is
 * wrong, and where. */
int exp_config_load(struct exp_config *cfg, const char *file);
void exp_config_clear(struct exp_config *cfg);
const struct exp_target *exp_config_find(const struct exp_config *cfg,
	const char *name);

/* The exporter (exporter_http.c): serves until SIGTERM or SIGINT. */
int exporter_run(struct opts *o, int argc, char **argv);

/* The library configuration a target's trust options describe. Returns 0,
 * or the library's error code (with xcv_error_last() saying why). */
int exp_target_config(struct xcv_config **out, const struct exp_target *t,
	enum xcv_service service);

#endif
