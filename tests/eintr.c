/*
 * Signals that interrupt system calls (a handler without SA_RESTART, as a
 * program embedding libxmppcv may install) must change nothing: N checks
 * against a peer and N store writes, each add then remove, with SIGALRM
 * every 200 microseconds. Prints what it did and how many signals landed;
 * exits 1 on any difference from an undisturbed run.
 *
 *   eintr N ADDRESS:PORT DOMAIN CA-FILE STORE-DIR CERT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "xmppcv.h"

static volatile sig_atomic_t delivered;

static void
on_alarm(int sig)
{
	(void)sig;
	delivered++;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval every = { { 0, 200 }, { 0, 200 } };
	struct xcv_config *cfg;
	struct xcv_chain *cert = NULL;
	long n, verified = 0, written = 0;
	int bad = 0;

	if (argc != 7 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: eintr N ADDRESS:PORT DOMAIN CA-FILE "
			"STORE-DIR CERT\n");
		return 2;
	}
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	if (xcv_config_add_ca_file(cfg, argv[4]) < 0 ||
	    xcv_chain_load_file(&cert, argv[6]) < 0) {
		fprintf(stderr, "eintr: %s\n", xcv_error_last());
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;   /* no SA_RESTART: system calls fail with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	for (long i = 0; i < n; i++) {
		struct xcv_check_params p = XCV_CHECK_PARAMS_INIT;
		struct xcv_check *check = NULL;
		struct xcv_store *store = NULL;
		char removed[65];
		int rc;

		p.target = argv[2];
		p.domain = argv[3];
		p.timeout_ms = 10000;
		rc = xcv_check_run(&check, cfg, &p);
		if (rc == 0 && xcv_check_verdict(check) == XCV_VERDICT_VERIFIED)
			verified++;
		else if (bad++ < 10)
			printf("check %ld: %s\n", i, rc < 0 ? xcv_error_last() :
				xcv_check_error_message(check) ?
				xcv_check_error_message(check) : "not verified");
		xcv_check_free(check);
		rc = xcv_store_open(&store, argv[5]);
		if (rc == 0)
			rc = xcv_store_add(store, cert, argv[3], "eintr");
		if (rc == 0 && (xcv_store_note_count(store) > 0 ||
		    xcv_store_count(store) != 1))
			rc = -1;
		if (rc == 0)
			rc = xcv_store_remove(removed, store,
				xcv_store_entry(store, 0)->sha256);
		if (rc == 0 && xcv_store_count(store) == 0)
			written++;
		else if (bad++ < 10)
			printf("store %ld: %s\n", i, rc < 0 ? xcv_error_last() :
				"entries left");
		xcv_store_free(store);
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	printf("%ld of %ld checks verified, %ld of %ld store writes, %ld "
		"signals\n", verified, n, written, n, (long)delivered);
	xcv_chain_free(cert);
	xcv_config_free(cfg);
	return bad ? 1 : 0;
}
