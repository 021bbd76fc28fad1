#ifndef XMPPCV_MONITOR_H
#define XMPPCV_MONITOR_H

#include <xmppcv/check.h>
#include <xmppcv/common.h>
#include <xmppcv/scan.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Checks and scans for monitoring systems: a Nagios/Icinga plugin's output
 * and status, and Prometheus' text exposition format. A monitor gathers
 * endpoints (from checks, a scan, or targets that could not be checked)
 * and copies what it needs, so the checks and scans may be freed after
 * they are added.
 */

/* The plugin status (the monitoring plugins guidelines' return codes). */
enum xcv_monitor_status {
	XCV_MONITOR_OK = 0,
	XCV_MONITOR_WARNING = 1,
	XCV_MONITOR_CRITICAL = 2,
	XCV_MONITOR_UNKNOWN = 3,
};
/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *xcv_monitor_status_name(enum xcv_monitor_status status);

#define XCV_MONITOR_PARAMS_VERSION 1
struct xcv_monitor_params {
	unsigned version;        /* XCV_MONITOR_PARAMS_VERSION */
	int warn_days;           /* WARNING when a certificate expires within
				    this many days (default 30; -1: never) */
	int crit_days;           /* CRITICAL within this many (default 14;
				    -1: never) */
	int64_t at;              /* unix seconds the days are counted from;
				    0: now */
};
#define XCV_MONITOR_PARAMS_INIT { .version = XCV_MONITOR_PARAMS_VERSION, \
	.warn_days = 30, .crit_days = 14 }

struct xcv_monitor;

int xcv_monitor_new(struct xcv_monitor **out,
	const struct xcv_monitor_params *params);
void xcv_monitor_free(struct xcv_monitor *m);

/* One checked target (its node is target's host). */
int xcv_monitor_add_check(struct xcv_monitor *m, const struct xcv_check *check,
	const char *target);
/* Every endpoint and finding of a scan. */
int xcv_monitor_add_scan(struct xcv_monitor *m, const struct xcv_scan *scan);
/* A target that could not be checked at all (bad input, nothing to
 * connect to): UNKNOWN, with message saying why. */
int xcv_monitor_add_error(struct xcv_monitor *m, const char *target,
	const char *service, const char *message);
/* How long the checks took (for time and probe_duration_seconds). */
void xcv_monitor_set_duration(struct xcv_monitor *m, double seconds);

/*
 * The status: CRITICAL when an endpoint is not verified (accepted by the
 * user included), a certificate expires within crit_days, or a finding is
 * an error; else UNKNOWN when a certificate could not be obtained (an
 * endpoint without one, a required service closed, a target that could
 * not be checked); else WARNING when a certificate expires within
 * warn_days or anything gave a warning (a finding across nodes, a profile
 * defect); else OK. A known failure outranks a node that could not be
 * read, which outranks a warning.
 */
enum xcv_monitor_status xcv_monitor_status(const struct xcv_monitor *m);

/* probe_success: every counted endpoint verified and no error finding
 * (expiry within the thresholds does not count against it). */
bool xcv_monitor_success(const struct xcv_monitor *m);

/*
 * Plugin output: "XMPPCV STATUS - NAME: N of M nodes verified; the first
 * problem | perfdata", then one line per endpoint and per finding. The
 * perfdata: days_left of each endpoint's earliest-expiring certificate
 * (with warn and crit thresholds), time in seconds, and the counts of
 * verified and not verified endpoints. The caller frees.
 */
char *xcv_monitor_to_nagios(const struct xcv_monitor *m);

/*
 * Prometheus text exposition: probe_success, probe_duration_seconds and
 * probe_ssl_earliest_cert_expiry (the probe as a whole), and per endpoint
 * (labels node, service, domain) xmppcv_verified, xmppcv_verdict,
 * xmppcv_identity_match, xmppcv_cert_not_after_seconds; xmppcv_findings by
 * code and severity. The caller frees.
 */
char *xcv_monitor_to_prometheus(const struct xcv_monitor *m);

#ifdef __cplusplus
}
#endif
#endif
