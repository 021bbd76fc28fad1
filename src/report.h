/* Rendering results (report.c). */
#ifndef XCV_REPORT_H
#define XCV_REPORT_H

#include <jansson.h>

#include "result_internal.h"

/* The JSON object for res, without the input label. Caller decrefs. */
json_t *xcv_report_json(const struct xcv_result *res);

#endif
