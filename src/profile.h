/*
 * Profile checks: defects of RFC 5280 and the CA/Browser Forum Baseline
 * Requirements that OpenSSL's default verification lets through. Each is a
 * finding with a fixed code; by default a warning, with --strict a
 * failure. No I/O. Rules and their fixtures: tests/cli_strict.py.
 */
#ifndef XCV_PROFILE_H
#define XCV_PROFILE_H

#include <openssl/x509.h>

#include "internal.h"

struct xcv_finding {
	const char *code;      /* "aki-missing", ...; static */
	int depth;             /* in the chain as built: 0 is the leaf */
	char *name;            /* the certificate's short name */
	char *text;            /* what is wrong and the rule, in words */
	bool anchor;           /* on the trust anchor's own certificate:
				* information, never a defect */
};

struct xcv_findings {
	struct xcv_finding *v;
	size_t n;
	size_t n_anchor;       /* of them, on the trust anchor */
};

/*
 * Check a chain as built: the leaf first, then its issuers as far as they
 * were found. A self-signed certificate above the leaf is a root (a trust
 * anchor's own signature is not judged). anchor_depth is the depth of the
 * trust anchor the path ends at, or -1 when the path reached none: RFC 5280
 * §6.1.1 (d) takes an anchor as a name and a key, so the encoding of its
 * certificate is no part of the path, and its findings are information
 * (anchor set), never defects. Appends to out; 0 or XCV_ENOMEM.
 */
int xcv_profile_check(struct xcv_findings *out, STACK_OF(X509) *chain,
	int anchor_depth);

/* The findings that are defects: those not on the trust anchor. */
size_t xcv_findings_defects(const struct xcv_findings *f);
void xcv_findings_clear(struct xcv_findings *f);

#endif
