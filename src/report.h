/* Rendering results (report.c). */
#ifndef XCV_REPORT_H
#define XCV_REPORT_H

#include <jansson.h>

#include "result_internal.h"

/* The JSON object for res, without the input label. Caller decrefs. */
json_t *xcv_report_json(const struct xcv_result *res);

/* A growable text buffer; oom is set (and text dropped) on failure. */
struct xcv_text {
	char *s;
	size_t len, cap;
	bool oom;
};
void xcv_text_put(struct xcv_text *t, const char *fmt, ...) XCV_PRINTF(2, 3);

/* The words of xcv_result_summary() for a verdict (case.c records them). */
char *xcv_summary_text(bool ok, bool trusted, const char *field,
	const char *value, const char *error);

/* The text report of res; context lines go right after the verdict. */
void xcv_report_text(struct xcv_text *t, const struct xcv_result *res,
	const char *label, const struct xcv_strv *context);

#endif
