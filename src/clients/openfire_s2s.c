/*
 * openfire-s2s: Openfire 5.1 verifying a federating peer. Modelled from
 * source (no package in Debian): xmppserver/.../util/CertificateManager.java
 * getServerIdentities(), util/cert/SANCertificateIdentityMapping.java
 * mapIdentity(), openfire/net/SASLAuthentication.java verifyCertificate();
 * OF-3122 (commit 293e9ace, 5.1.0) turned the CN mapping off.
 */
#include "client.h"

static const char *const stands_for[] = { "Openfire 5.1", NULL };

const struct xcv_client_rules xcv_client_openfire_s2s = {
	.profile = {
		.id = "openfire-s2s",
		.stands_for = stands_for,
		.models = "Openfire 5.1 (SANCertificateIdentityMapping, "
			"SASLAuthentication.verifyCertificate), from source",
		.rules = "xmppAddr, SRVName (_xmpp-server or _xmpp-client), "
			"dNSName; never the CN (since 5.1.0); every name "
			"compared case-sensitively, with '*.' matching the "
			"domain itself and any depth; no IDN conversion; a "
			"failure closes the connection (strict validation, "
			"the default)",
		.trust_store = "Openfire's s2s trust store",
		.s2s = true,
	},
	/* mapIdentity(): xmppAddr, SRVName with either prefix stripped,
	 * dNSName (URI kept whole, so never a domain). */
	.reads = READS_XMPPADDR | READS_SRV_CLIENT | READS_SRV_SERVER |
		READS_DNS,
	.cn = CN_NEVER,
	/* verifyCertificate(): identity.startsWith("*.") and hostname ends
	 * with, or equals, the rest; else equals; String.equals throughout. */
	.wild = { .style = WILD_LABEL, .bare = true, .deep = true,
		.min_labels = 2 },
	.xmppaddr_wildcard = true, .srv_wildcard = true,
	.case_sensitive = true, .case_sensitive_dns = true,
	.dns_ref = REF_ULABEL, .xmpp_ref = REF_ULABEL,
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "Openfire closes the connection (strict validation), or "
		"uses dialback when that is turned off",
	/* spi/EncryptionArtifactFactory.java createClientModeSSLEngine():
	 * the engine's enabled protocols less SSLv2Hello; ConnectionListener
	 * getEncryptionProtocols() defaults to the JRE's
	 * (getDefaultProtocols()), where jdk.tls.disabledAlgorithms has
	 * disabled TLSv1 and TLSv1.1 since JDK 11.0.11 (JDK-8202343); Openfire
	 * 5 needs Java 17. */
	.min_tls_minor = 2,
	.tls_note = "the JRE's default protocols: jdk.tls.disabledAlgorithms "
		"disables TLS 1.0 and 1.1",
};
