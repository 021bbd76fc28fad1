/*
 * prosody-s2s: Prosody 0.12 verifying a federating peer. The chain is
 * LuaSec's getpeerverification() with the s2s settings of
 * core/certmanager.lua and mod_s2s (verify peer, lsec_continue,
 * lsec_ignore_purpose); the name is util/x509.lua verify_identity(host,
 * "xmpp-server", cert), as plugins/mod_s2s_auth_certs.lua calls it.
 * Checked against Prosody's own code (tests/clients/prosody_decide.lua).
 */
#include "client.h"

static const char *const stands_for[] = { "Prosody 0.12", NULL };

const struct xcv_client_rules xcv_client_prosody_s2s = {
	.profile = {
		.id = "prosody-s2s",
		.stands_for = stands_for,
		.models = "Prosody 0.12.3 with LuaSec 1.2.0 and OpenSSL "
			"3.0.22 (Debian 12)",
		.rules = "SRVName _xmpp-server and dNSName; xmppAddr is never "
			"compared at run time (the service name lacks its "
			"'_') but stops the CN fallback; the CN only without "
			"an xmppAddr, SRVName, dNSName or URI, and only when "
			"there is exactly one; '*.' over one label (*.test "
			"accepted); the domain in A-labels; OpenSSL's chain "
			"at security level 2; a failure leaves dialback "
			"(s2s_secure_auth is off by default)",
		.trust_store = "/etc/ssl/certs, or ssl.cafile",
		.s2s = true,
	},
	/* util/x509.lua verify_identity(): xmppAddr only when service is
	 * "_xmpp-client" or "_xmpp-server", but mod_s2s_auth_certs passes
	 * "xmpp-server"; compare_srvname() adds the '_'. */
	.reads = READS_SRV_SERVER | READS_DNS,
	/* had_supported_altnames: xmppAddr, SRVName, dNSName or URI; then
	 * the CN, none when there are several. */
	.cn = CN_FALLBACK,
	.cn_blockers = SAN_XMPPADDR | SAN_SRV | SAN_DNS | SAN_URI,
	.cn_pick = CN_ONLY_ONE,
	/* compare_dnsname(): "*." and everything after the first label. */
	.wild = { .style = WILD_LABEL, .min_labels = 2 },
	.srv_wildcard = true,
	/* idna_to_ascii(host):lower(). */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ULABEL,
	/* LuaSec over OpenSSL at security level 2 (measured: the purpose is
	 * still reported, lsec_ignore_purpose notwithstanding). */
	.checks_eku = true, .checks_ku = true, .refuses_sha1 = true,
	.min_rsa_bits = 2048,
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "Prosody does not authenticate the peer by certificate "
		"and falls back to dialback where it is enabled",
	/* core/certmanager.lua: tls_profile defaults to "intermediate"
	 * (mozilla_ssl_configs.intermediate): protocol "tlsv1_2+", ECDHE and
	 * DHE AEAD cipher suites only (forward secrecy), outgoing s2s too. */
	.min_tls_minor = 2,
	.tls_note = "Prosody's default tls_profile \"intermediate\": TLS 1.2 "
		"or later, ECDHE or DHE with AES-GCM or ChaCha20 (forward "
		"secrecy)",
};
