/*
 * smack: Smack-based Java clients on Java SE. Modelled from source, with
 * cases taken from it (no library in Debian): smack-java11
 * org/jivesoftware/smack/java7/XmppHostnameVerifier.java verify(),
 * matchDns(), matchesPerRfc2818(), matchWildCards(); called by
 * XMPPTCPConnection.proceedTLSReceived() with the service domain in
 * A-labels (DnsName.ace).
 */
#include "client.h"

static const char *const stands_for[] = { "Smack clients (Java SE)",
	"Spark", NULL };

const struct xcv_client_rules xcv_client_smack = {
	.profile = {
		.id = "smack",
		.stands_for = stands_for,
		.models = "Smack 4.4 XmppHostnameVerifier on Java 17, from "
			"source",
		.rules = "dNSName only (xmppAddr and SRVName ignored, despite "
			"the name); the first CN when there is no dNSName; "
			"'*' anywhere in any label as a glob, equal label "
			"counts; the domain in A-labels; JSSE's trust store, "
			"the serverAuth EKU and key usage; a failure ends the "
			"connection",
		.trust_store = "the JDK's cacerts or the application's "
			"TrustManager",
		.c2s = true,
	},
	/* verify(): matchDns() for a name, matchIp() for an address: no
	 * otherName is read. */
	.reads = READS_DNS,
	/* matchDns(): the CN only without dNSNames; the first CN of
	 * LdapName.getRdns() (the first in DER order). */
	.cn = CN_FALLBACK, .cn_blockers = SAN_DNS, .cn_pick = CN_FIRST,
	/* matchesPerRfc2818(): equal label counts, each label a glob. */
	.wild = { .style = WILD_GLOB, .min_labels = 1, .partial_idn = true },
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* SunJSSE EndEntityChecker for a TLS server: EKU and key usage;
	 * jdk.certpath.disabledAlgorithms: RSA below 1024 bits. */
	.checks_eku = true, .checks_ku = true, .min_rsa_bits = 1024,
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "Smack throws a CertificateException",
	/* XMPPTCPConnection.proceedTLSReceived(): SSLContext "TLS"
	 * (ConnectionConfiguration), protocols only when the application
	 * sets them (TLSUtils.setEnabledProtocolsAndCiphers()): the JRE's
	 * defaults, and jdk.tls.disabledAlgorithms in conf/security/
	 * java.security has disabled TLSv1 and TLSv1.1 since JDK 11.0.11,
	 * 8u291 and 16 (JDK-8202343). */
	.min_tls_minor = 2,
	.tls_note = "the JRE's jdk.tls.disabledAlgorithms disables TLS 1.0 "
		"and 1.1 (JDK 11.0.11, 8u291)",
};
