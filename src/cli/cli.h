/* Shared by the tool's source files. */
#ifndef XCV_CLI_H
#define XCV_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xmppcv.h"

enum { EXIT_VERIFIED = 0, EXIT_NOT_VERIFIED = 1, EXIT_USAGE = 2,
	EXIT_NO_CERT = 3 };

struct list {
	const char **v;
	size_t n;
};

enum cmd { CMD_VERIFY = 1, CMD_CHECK = 2, CMD_CAPTURE = 4, CMD_REPLAY = 8 };

struct opts {
	enum cmd cmd;
	const char *domain;
	enum xcv_service service;
	enum xcv_policy policy;
	struct list ca_files, ca_paths, resolve;
	bool no_system_ca;
	bool have_at;
	int64_t at;
	int warn_days;
	bool json;
	bool direct_tls;
	int timeout_s;
	int max_attempts;
	const char *from;
	const char *dns_server;
	const char *store;
	bool no_prompt;
	const char *login;
	char *password;
	const char *out;
	const char *from_file;
	bool tap;
	bool have_policy;
	enum { AT_CAPTURED, AT_NOW, AT_TIME } at_mode;
};


int make_config(struct xcv_config **out, const struct opts *o);
void print_notes_config(const struct xcv_config *cfg);
int cli_capture(struct opts *o, int argc, char **argv);
int cli_replay(struct opts *o, int argc, char **argv);

int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_json_string(FILE *f, const char *s);
void cli_fingerprint(FILE *f, const char *hex);
void cli_store_notes(const struct xcv_store *store);

/* xmppcv trust ... */
int cli_trust(int argc, char **argv);

/*
 * Ask whether to accept the certificate of an untrusted check result.
 * Returns 1 accepted (and saved), 0 declined, -1 could not save.
 */
int cli_prompt(struct xcv_check *check, struct xcv_store *store,
	const char *target, FILE *in, FILE *out);

#endif
