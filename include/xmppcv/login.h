#ifndef XMPPCV_LOGIN_H
#define XMPPCV_LOGIN_H

#include <xmppcv/check.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * After a check, log a real account in through libstrophe at the same node
 * (SASL and resource binding), with xmppcv's certfail adapter deciding on
 * certificate errors: the chain the check verified (or the user accepted)
 * is trusted, nothing else. The outcome goes into the check's report
 * (mechanisms offered and used, success and the bound JID, or the SASL
 * failure condition). Returns 0 when the login was attempted, whatever its
 * outcome; XCV_EINPUT for a bad JID; XCV_ENOTFOUND if the check obtained
 * no certificate.
 */
int xcv_check_login(struct xcv_check *check, struct xcv_config *cfg,
	const char *jid, const char *password, int timeout_ms);

/* 1 logged in, 0 failed, -1 not attempted. */
int xcv_check_login_status(const struct xcv_check *check);

#ifdef __cplusplus
}
#endif
#endif
