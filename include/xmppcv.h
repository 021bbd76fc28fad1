/*
 * libxmppcv: verify an XMPP server's certificate the way a careful XMPP
 * client does, against the XMPP domain rather than the host name.
 *
 * Conventions (see src/README.md):
 *  - objects are opaque; every xcv_X_new() has an xcv_X_free(), and
 *    xcv_X_free(NULL) does nothing;
 *  - functions return 0 on success or a negative XCV_E* code; the message
 *    for the last failure on this thread is xcv_error_last();
 *  - a certificate that does not verify is a result (xcv_result_ok() is
 *    false), not an error: errors mean the check could not be made.
 */
#ifndef XMPPCV_H
#define XMPPCV_H

#include <xmppcv/common.h>
#include <xmppcv/config.h>
#include <xmppcv/chain.h>
#include <xmppcv/result.h>
#include <xmppcv/clients.h>
#include <xmppcv/check.h>
#include <xmppcv/store.h>
#include <xmppcv/login.h>
#include <xmppcv/case.h>
#include <xmppcv/scan.h>
#include <xmppcv/csr.h>
#include <xmppcv/monitor.h>
#include <xmppcv/plan.h>
#include <xmppcv/dane.h>

#endif
