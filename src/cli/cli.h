/*
 * Shared by the tool's source files: the command table, options, and the
 * helpers in common.c. The tool uses libxmppcv's public API only.
 */
#ifndef XCV_CLI_H
#define XCV_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xmppcv.h"

/* Exit status (README.md, doc/xmppcv.1.scd). */
enum {
	EXIT_VERIFIED = 0,      /* everything verified */
	EXIT_NOT_VERIFIED = 1,  /* checked and not verified */
	EXIT_USAGE = 2,         /* usage error, bad input, unwritable output */
	EXIT_NO_CERT = 3,       /* no certificate could be obtained */
	EXIT_INTERNAL = 4,      /* out of memory */
};

/* Options, by what they do; each command lists the ones it takes. */
enum opt_id {
	OPT_END = 0,
	OPT_DOMAIN = 256, OPT_SERVICE, OPT_POLICY, OPT_CA_FILE, OPT_CA_PATH,
	OPT_NO_SYSTEM_CA, OPT_AT, OPT_WARN_DAYS, OPT_JSON, OPT_HELP,
	OPT_DIRECT_TLS, OPT_RESOLVE, OPT_TIMEOUT, OPT_MAX_ATTEMPTS, OPT_FROM,
	OPT_DNS_SERVER, OPT_STORE, OPT_NO_PROMPT, OPT_LOGIN, OPT_OUT,
	OPT_FROM_FILE, OPT_TAP, OPT_HOST, OPT_STRICT, OPT_NO_STORE,
	OPT_SERVICES, OPT_PORT, OPT_PARALLEL, OPT_NODES_FILE, OPT_VERBOSE,
	OPT_KIND, OPT_NODES, OPT_MIN_RSA_BITS, OPT_MAX_RSA_BITS, OPT_FORBID,
	OPT_FORMAT, OPT_CRIT_DAYS, OPT_CONFIG, OPT_LISTEN, OPT_MAX_PROBES,
	OPT_JOBS, OPT_CLIENTS, OPT_REQUIRE_CLIENTS, OPT_TRUST_PLAN, OPT_FORCE,
	OPT_SYSTEM_STORE, OPT_POSTURE, OPT_CRL, OPT_NO_FETCH, OPT_OCSP,
	OPT_REQUIRE_REVOCATION, OPT_AS, OPT_CLIENT_CERT, OPT_CLIENT_KEY,
	OPT_DANE, OPT_DNSSEC_ANCHOR, OPT_POSH, OPT_USAGE, OPT_SELECTOR,
	OPT_TYPE, OPT_EXPIRES,
};

/* What --format asks for (--json is --format json). */
enum format {
	FORMAT_TEXT = 0, FORMAT_JSON, FORMAT_NAGIOS, FORMAT_PROMETHEUS,
};

/* An option a command takes; help (and arg, the value's name) NULL mean
 * the option's own. */
struct cmd_opt {
	enum opt_id id;
	const char *help;
	const char *arg;
};

struct list {
	const char **v;
	size_t n;
};

/* Everything the options say, filled by cli_parse(). */
struct opts {
	const struct cli_cmd *cmd;
	const char *domain;
	enum xcv_service service;
	enum xcv_policy policy;
	bool have_policy;
	struct list ca_files, ca_paths, resolve;
	bool no_system_ca;
	enum { AT_DEFAULT, AT_CAPTURED, AT_NOW, AT_TIME } at_mode;
	int64_t at;
	int warn_days, crit_days;
	enum format format;
	bool json;                /* format is FORMAT_JSON */
	bool direct_tls;
	bool posture;
	struct list crls;         /* --crl */
	bool no_fetch, ocsp, require_revocation;
	const char *as;           /* --as: s2s, the initiating server's name */
	const char *client_cert, *client_key;
	bool dane, posh;          /* --dane, --posh */
	const char *dnssec_anchor;
	int tlsa_usage, tlsa_selector, tlsa_type;  /* tlsa: -1 unless given */
	long long expires;        /* posh --expires; -1 unless given */
	int timeout_s;
	int max_attempts;
	const char *from;
	const char *dns_server;
	const char *store;
	bool no_store;
	bool strict;
	bool no_prompt;
	const char *login;
	const char *out;
	const char *from_file;
	const char *host;
	bool tap;
	unsigned services;           /* scan: XCV_SCAN_* bits, 0 default */
	int ports[XCV_SCAN_SERVICES];
	int parallel;
	const char *nodes_file;
	bool verbose;
	enum xcv_csr_kind kind;
	struct list nodes;        /* --nodes as given: comma lists */
	int min_rsa_bits, max_rsa_bits;   /* 0: the library's default */
	const char *forbid;
	const char *config;       /* exporter */
	const char *listen;
	int max_probes;
	char **raw_argv;          /* the command's arguments as given to
				     cli_parse (reordered), NULL-terminated */
	int jobs;                 /* --jobs; 0: cli_jobs() decides */
	const char *clients;      /* --clients: NULL (all, a summary line) */
	const char *require_clients;  /* --require-clients */
	const char *trust_plan;   /* --trust-plan DIR */
	bool force;
	const char *system_store;
	uint64_t given;           /* bit (id - OPT_DOMAIN): option given */
};

/* Add s (not copied) to l; -1 when out of memory. */
int cli_list_add(struct list *l, const char *s);

/* The XCV_REVOCATION_* bits the options ask for. */
unsigned cli_revocation(const struct opts *o);

/* Was option id given on the command line? */
bool cli_given(const struct opts *o, enum opt_id id);

struct cli_cmd {
	const char *name;
	const char *synopsis;     /* after "xmppcv NAME " */
	const char *summary;      /* one line, for the list of commands */
	const char *description;  /* for its own help */
	const struct cmd_opt *opts;   /* ends with OPT_END */
	/* args: what is left after the options (argc, argv without them) */
	int (*run)(struct opts *o, int argc, char **argv);
};

extern const struct cli_cmd cmd_verify, cmd_check, cmd_capture, cmd_replay,
	cmd_trust, cmd_scan, cmd_csr, cmd_clients, cmd_posh, cmd_exporter;
extern const struct cli_cmd cmd_tlsa;

/* Parse argv (argv[0] is the command's name) into o; on success the
 * positional arguments are left in *argc and *argv. Returns -1 to go on, or
 * an exit status (after --help, or a usage error). */
int cli_parse(struct opts *o, const struct cli_cmd *cmd, int *argc,
	char ***argv);
void cli_opts_clear(struct opts *o);

/* xmppcv CMD --help and xmppcv help CMD. */
void cli_help(const struct cli_cmd *cmd, FILE *f);

/* "xmppcv: ..." and "Try 'xmppcv CMD --help'." on stderr; EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report the library's last error ("xmppcv: PREFIXmessage") and map
 * its code to the exit status: out of memory to EXIT_INTERNAL, no
 * certificate to EXIT_NO_CERT, the rest (bad input, unwritable output) to
 * EXIT_USAGE. */
int cli_fail(int rc, const char *prefix);
int cli_exit_for(int rc);
/* The tool itself ran out of memory: say so; EXIT_INTERNAL. */
int cli_oom(void);

/* The configuration the trust and policy options describe, with the
 * tool's own names for what advice asks for ("--ca-file", ...). NULL
 * after reporting why, with *status set. */
struct xcv_config *cli_config(const struct opts *o, int *status);

/*
 * Output of one unit of work (a case, a file), to stdout and stderr: with
 * keep false written at once, else kept in order, to be written later by
 * the thread that keeps the order of units. A sink of {0} writes at once.
 */
struct sink {
	struct sink_part {
		FILE *f;
		char *text;
	} *v;
	size_t n;
	bool keep;
	bool oom;      /* a part was lost: sink_write says so */
};
void sink_printf(struct sink *s, FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Write the kept parts in order (and leave them kept). */
void sink_write(const struct sink *s);
void sink_clear(struct sink *s);
/* cli_fail into a sink. */
int sink_fail(struct sink *s, int rc, const char *prefix);

/* cli_config, its notes and errors written to out. */
struct xcv_config *cli_config_to(const struct opts *o, int *status,
	struct sink *out);

/* Threads for --jobs: as given, else the online CPUs this process may
 * run on. */
#define CLI_MAX_JOBS 256
int cli_jobs(const struct opts *o);

/*
 * Units 0..n-1 done on up to jobs threads and written in order, as one
 * thread doing them one by one would write them. Each thread makes its
 * own state (start; NULL when out of memory) and does units with it
 * (work, which returns a result; NULL when out of memory). deliver runs on
 * the calling thread, for each unit in order; it writes and frees the
 * result, and returns true to stop: later units are then not delivered
 * (discard frees those already done). Returns 0, or an exit status.
 */
struct cli_pool_ops {
	void *(*start)(void *arg);
	void (*stop)(void *state);
	void *(*work)(void *state, size_t i);
	bool (*deliver)(void *arg, size_t i, void *result);
	void (*discard)(void *result);
};
int cli_pool_run(size_t n, int jobs, const struct cli_pool_ops *ops,
	void *arg);

/* The live-check parameters the options describe, for one target. */
struct xcv_check_params cli_check_params(const struct opts *o,
	const char *target);

void cli_fingerprint(FILE *f, const char *hex);
void cli_store_notes(const struct xcv_store *store);
/* What the last add or remove did besides its change, on stderr. */
void cli_store_actions(const struct xcv_store *store);

/*
 * A monitoring plugin's run (--format nagios): whatever happens, stdout
 * gets a status line and the exit status is the plugin's. cli_plugin_begin
 * notes the format before the options are parsed (so that a usage error is
 * reported as UNKNOWN too); a command that printed its plugin output says
 * so with cli_plugin_printed; cli_plugin_end turns any other ending into
 * "XMPPCV UNKNOWN - the last error" and status 3.
 */
void cli_plugin_begin(int argc, char **argv);
void cli_plugin_printed(void);
int cli_plugin_end(int status);

/* The monitor parameters the options describe. */
struct xcv_monitor_params cli_monitor_params(const struct opts *o);

/* The n bytes at s for an error message: printable ASCII as it is, other
 * bytes as \xHH, cut with "..." to fit buf; returns buf. */
const char *cli_shown(char *buf, size_t cap, const char *s, size_t n);

/* --trust-plan: a plan for the options' store and time, to be written to
 * dir (NULL after saying why, with *status set: the store cannot be read,
 * or the plan could not be written to dir, see xcv_plan_check_folder);
 * then write it and say what it holds (on stderr), returning 0 or an exit
 * status. A plan of no endpoint is said and not written: EXIT_USAGE when
 * required (trust plan), else 0 (the check's own status stands). */
struct xcv_plan *cli_plan_new(const struct opts *o, const char *dir,
	int *status);
int cli_plan_write(const struct opts *o, struct xcv_plan *plan,
	const char *dir, bool required);

/* The exit status for a verdict: 0 verified, 3 no certificate, else 1. */
int cli_exit_for_verdict(enum xcv_verdict verdict);

/* Ask on the terminal (in, out) whether to accept the certificate of a
 * check that did not verify. Returns 1 accepted (and saved), 0 declined,
 * -1 could not save. */
int cli_prompt(struct xcv_check *check, struct xcv_store *store,
	const char *target, FILE *in, FILE *out);

/* The password for --login: XMPPCV_PASSWORD, else asked on the terminal
 * without echo; never from argv. NULL after saying why. */
char *cli_read_password(const char *jid);

#endif
