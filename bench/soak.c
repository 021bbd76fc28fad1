/*
 * Soak: many checks in one process through the library API, against the
 * scripted peers given as ADDRESS:PORT arguments in turn, with one
 * configuration for the whole run (as a long-lived exporter or a big scan
 * keeps it). Prints the resident set size after every thousand checks,
 * so that growth shows as a slope.
 *
 *   soak N CA-FILE DOMAIN ADDRESS:PORT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmppcv.h"

/* Resident set size in KiB, from /proc/self/statm. */
static long
rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
	struct xcv_config *cfg;
	long n, counts[5] = {0};
	int errors = 0;

	if (argc < 5 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: soak N CA-FILE DOMAIN ADDRESS:PORT...\n");
		return 2;
	}
	if ((cfg = xcv_config_new()) == NULL)
		return 4;
	xcv_config_set_system_ca(cfg, false);
	if (xcv_config_add_ca_file(cfg, argv[2]) < 0) {
		fprintf(stderr, "soak: %s\n", xcv_error_last());
		return 2;
	}
	printf("checks        rss_kib\n");
	for (long i = 0; i < n; i++) {
		struct xcv_check_params p = XCV_CHECK_PARAMS_INIT;
		struct xcv_check *check = NULL;
		int rc;

		p.target = argv[4 + i % (argc - 4)];
		p.domain = argv[3];
		p.timeout_ms = 2000;
		rc = xcv_check_run(&check, cfg, &p);
		if (rc < 0)
			errors++;
		else
			counts[xcv_check_verdict(check)]++;
		xcv_check_free(check);
		if ((i + 1) % 1000 == 0) {
			printf("%6ld-%-6ld %8ld\n", i - 998, i + 1, rss_kib());
			fflush(stdout);
		}
	}
	printf("verdicts: verified %ld, accepted %ld, not-verified %ld, "
		"no-certificate %ld, closed %ld; errors %d\n", counts[0],
		counts[1], counts[2], counts[3], counts[4], errors);
	xcv_config_free(cfg);
	return 0;
}
