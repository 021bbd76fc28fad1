/* Inside case loading (case.c), for the tests that compare its readers. */
#ifndef XCV_CASE_INTERNAL_H
#define XCV_CASE_INTERNAL_H

#include "xmppcv/case.h"

/* xcv_case_load_mem with jansson reading every case.json and no cache:
 * what the plain reader of case.json must agree with (fuzz_case). */
int xcv_case_load_mem_jansson(struct xcv_case **out,
	const struct xcv_case_files *files);

/* 1 when the plain reader reads this case.json itself, 0 when it leaves
 * it to jansson. */
int xcv_case_json_is_plain(const void *data, size_t len);

#endif
