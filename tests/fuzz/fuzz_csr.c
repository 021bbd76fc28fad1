/*
 * libFuzzer harness for the CSR reader and its rules: any bytes loaded as a
 * CSR (PEM, DER, UTF-16) must end in a CSR or a clean error, and a CSR must
 * lint for a fixed domain and node, alone and against itself, and render,
 * never crash, leak or grow without bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xmppcv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nodes[] = { "cup1.corp.example" };
	struct xcv_csr_params p = XCV_CSR_PARAMS_INIT;
	struct xcv_csr *csr = NULL;
	struct xcv_csr_summary *s = NULL;
	struct xcv_csr *both[2];

	if (xcv_csr_load_mem(&csr, data, size, "fuzz.csr") < 0)
		return 0;
	p.domain = "corp.example";
	p.nodes = nodes;
	p.n_nodes = 1;
	/* The CSR twice: every rule across CSRs fires on it. */
	both[0] = both[1] = csr;
	if (xcv_csr_lint_all(&s, both, 2, &p) == 0) {
		free(xcv_csr_to_json(csr));
		free(xcv_csr_to_text(csr));
		free(xcv_csr_summary_to_json(s));
		free(xcv_csr_summary_to_text(s));
	}
	xcv_csr_summary_free(s);
	p.kind = XCV_CSR_HTTPS;
	p.domain = NULL;
	(void)xcv_csr_lint(csr, &p);
	xcv_csr_free(csr);
	return 0;
}
