/*
 * apple: Monal and other iOS and macOS clients on Apple's trust
 * evaluation. Modelled from source and Apple's documentation (no library
 * in Debian): Monal/Classes/MLStream.m connectWithSNIDomain (the JID's
 * domain as server name, no verify block), Apple Security
 * SecPolicyLeafCallbacks.c SecPolicyCheckCertSSLHostname() and
 * SecDNSMatch(); Apple support article 103769 (HT210176), "Requirements
 * for trusted certificates in iOS 13 and macOS 10.15".
 */
#include "client.h"

static const char *const stands_for[] = { "Monal", "iOS and macOS clients",
	NULL };

const struct xcv_client_rules xcv_client_apple = {
	.profile = {
		.id = "apple",
		.stands_for = stands_for,
		.models = "Apple's SSL trust policy (iOS 13, macOS 10.15 and "
			"later), from source and documentation",
		.rules = "dNSName only; never the CN; '*' as the whole "
			"leftmost label over one label, three labels at least "
			"(and not on a public suffix, which is not modelled); "
			"the serverAuth EKU, SHA-2 signatures and RSA 2048 "
			"bits or more; whether a Unicode domain is converted "
			"to A-labels is not known; a failure ends the "
			"connection",
		.trust_store = "the system keychain and user- or "
			"MDM-installed roots",
		.c2s = true,
	},
	/* SecPolicyCheckCertSSLHostname(): SecCertificateCopyDNSNamesFromSAN
	 * only; "DNS names in the CommonName of a certificate are no longer
	 * trusted" (HT210176). */
	.reads = READS_DNS,
	.cn = CN_NEVER,
	/* SecDNSMatch(): '*' only as the entire leftmost label, same label
	 * count, more than two labels. */
	.wild = { .style = WILD_LABEL, .min_labels = 3 },
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* HT210176: serverAuth EKU, SHA-2 signatures, RSA of 2048 bits or
	 * more. */
	.checks_eku = true, .refuses_sha1 = true, .min_rsa_bits = 2048,
	/* Monal xmpp.m: errSSLHostNameMismatch and the like end the
	 * connection; no prompt. */
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "Monal reports a TLS error and reconnects",
	/* MLStream.m connectWithSNIDomain (configure_tls_block):
	 * sec_protocol_options_set_min_tls_protocol_version(options,
	 * tls_protocol_version_TLSv12), and the ATS cipher suite group
	 * (forward secrecy: ECDHE only). */
	.min_tls_minor = 2,
	.tls_note = "Monal sets TLS 1.2 as the minimum and ATS's cipher "
		"suites (ECDHE: forward secrecy)",
};
