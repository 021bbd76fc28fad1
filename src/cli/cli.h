/* Shared by the tool's source files. */
#ifndef XCV_CLI_H
#define XCV_CLI_H

#include <stdio.h>

#include "xmppcv.h"

enum { EXIT_VERIFIED = 0, EXIT_NOT_VERIFIED = 1, EXIT_USAGE = 2,
	EXIT_NO_CERT = 3 };

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
