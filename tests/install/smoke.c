/*
 * A program built against the installed libxmppcv, through pkg-config
 * only (scripts/install-check): verify a chain for a domain, as a user's
 * program would.
 *
 *   smoke CHAIN DOMAIN ANCHORS TIME
 */
#include <stdio.h>
#include <xmppcv.h>
#include <xmppcv/strophe.h>

int
main(int argc, char **argv)
{
	struct xcv_config *cfg = xcv_config_new();
	struct xcv_chain *chain = NULL;
	struct xcv_result *res = NULL;
	int64_t at = 0;
	int rc;

	if (argc != 5 || cfg == NULL)
		return 2;
	xcv_config_set_system_ca(cfg, false);
	rc = xcv_config_add_ca_file(cfg, argv[3]);
	if (rc == 0)
		rc = xcv_time_parse(&at, argv[4]);
	if (rc == 0) {
		xcv_config_set_time(cfg, at);
		rc = xcv_chain_load_file(&chain, argv[1]);
	}
	if (rc == 0)
		rc = xcv_verify(&res, cfg, chain, argv[2]);
	if (rc < 0) {
		fprintf(stderr, "smoke: %s\n", xcv_error_last());
		return 2;
	}
	printf("libxmppcv %s: %s for %s\n", xcv_version(),
		xcv_verdict_name(xcv_result_verdict(res)), xcv_result_domain(res));
	rc = xcv_result_ok(res) ? 0 : 1;
	xcv_result_free(res);
	xcv_chain_free(chain);
	xcv_config_free(cfg);
	return rc;
}
