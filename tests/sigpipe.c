/*
 * A program that embeds libxmppcv keeps its own SIGPIPE handling: a check
 * and a login (libstrophe) against a server that hangs up leave the
 * disposition of SIGPIPE (the default: terminate) and the signal mask as
 * they were, and nothing pending. Exits 0 when they are unchanged, 1 when
 * not, and dies of SIGPIPE if the library let one through.
 *
 *   sigpipe N ADDRESS:PORT DOMAIN CA-FILE JID
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmppcv.h"

int
main(int argc, char **argv)
{
	struct sigaction before, after;
	sigset_t mask_before, mask_after, pending;
	struct xcv_config *cfg;
	int64_t at;
	long n, logins = 0;
	int bad = 0;

	if (argc != 6 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: sigpipe N ADDRESS:PORT DOMAIN CA-FILE JID\n");
		return 2;
	}
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	if (xcv_config_add_ca_file(cfg, argv[4]) < 0) {
		fprintf(stderr, "sigpipe: %s\n", xcv_error_last());
		return 2;
	}
	/* The fixture certificates are pinned to a time, as everywhere. */
	if (xcv_time_parse(&at, "2026-06-01") == 0)
		xcv_config_set_time(cfg, at);
	signal(SIGPIPE, SIG_DFL);
	sigaction(SIGPIPE, NULL, &before);
	sigprocmask(SIG_SETMASK, NULL, &mask_before);
	for (long i = 0; i < n; i++) {
		struct xcv_check_params p = XCV_CHECK_PARAMS_INIT;
		struct xcv_check *check = NULL;

		p.target = argv[2];
		p.domain = argv[3];
		p.timeout_ms = 5000;
		if (xcv_check_run(&check, cfg, &p) == 0 &&
		    xcv_check_login(check, cfg, argv[5], "secret", 5000) == 0 &&
		    xcv_check_login_status(check) == 0)
			logins++;
		xcv_check_free(check);
	}
	sigaction(SIGPIPE, NULL, &after);
	sigprocmask(SIG_SETMASK, NULL, &mask_after);
	sigpending(&pending);
	if (after.sa_handler != before.sa_handler) {
		printf("the disposition of SIGPIPE changed\n");
		bad = 1;
	}
	for (int sig = 1; sig < 32; sig++) {
		if (sigismember(&mask_before, sig) != sigismember(&mask_after, sig)) {
			printf("the signal mask changed (signal %d)\n", sig);
			bad = 1;
		}
		if (sigismember(&pending, sig) == 1) {
			printf("signal %d is pending\n", sig);
			bad = 1;
		}
	}
	printf("%ld of %ld logins attempted and refused\n", logins, n);
	xcv_config_free(cfg);
	return bad || logins != n;
}
