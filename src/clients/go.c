/*
 * go: Go clients on crypto/tls (mellium and others). mellium dial/dial.go
 * (*Dialer).dial: tls.Config{ServerName: addr.Domainpart()}, the domain in
 * Unicode (jid/jid.go); crypto/tls verifies with crypto/x509
 * Certificate.Verify(VerifyOptions{DNSName: ServerName}). Checked against
 * Go's standard library itself (tests/clients/go_decide.go).
 */
#include "client.h"

static const char *const stands_for[] = { "mellium", "Go clients", NULL };

const struct xcv_client_rules xcv_client_go = {
	.profile = {
		.id = "go",
		.stands_for = stands_for,
		.models = "Go 1.19.8 crypto/x509 (Debian 12), as mellium "
			"calls it",
		.rules = "dNSName only; never the CN; '*' as the whole "
			"leftmost label over one label (*.com accepted); "
			"compares the JID's domain as written, in Unicode; "
			"the serverAuth EKU, no SHA-1 signatures, no key "
			"usage check; a failure ends the connection",
		.trust_store = "the system roots (/etc/ssl/certs), or the "
			"Config's",
		.c2s = true,
	},
	/* crypto/x509/verify.go VerifyHostname(): dNSNames only; the legacy
	 * Common Name field is ignored (Go 1.15, and for good in 1.17). */
	.reads = READS_DNS,
	.cn = CN_NEVER,
	/* matchHostnames(): '*' the whole leftmost label, same label count;
	 * two labels suffice. */
	.wild = { .style = WILD_LABEL, .min_labels = 2 },
	.dns_ref = REF_ULABEL, .xmpp_ref = REF_ULABEL,
	/* Verify(): ExtKeyUsageServerAuth by default; SHA-1 signatures are
	 * insecure (Go 1.18); key usage is not checked. */
	.checks_eku = true, .refuses_sha1 = true,
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "the handshake fails",
	/* crypto/tls/common.go (*Config).supportedVersions(): a client with
	 * no MinVersion (mellium sets none) offers TLS 1.2 and 1.3 only, since
	 * Go 1.18. */
	.min_tls_minor = 2,
	.tls_note = "crypto/tls clients offer TLS 1.2 and 1.3 by default "
		"(Go 1.18)",
};
