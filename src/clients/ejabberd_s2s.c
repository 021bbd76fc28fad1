/*
 * ejabberd-s2s: ejabberd 23.01 (p1_xmpp 1.6.1, fast_tls 1.1.16) verifying
 * a federating peer: src/xmpp_stream_pkix.erl authenticate/2 as
 * xmpp_stream_out's process_cert_verification/1 calls it, after the
 * STARTTLS of xmpp_stream_out starttls/2 with ejabberd_s2s:tls_options/3.
 * Checked against ejabberd's own code (tests/clients/ejabberd_decide.erl).
 */
#include "client.h"

static const char *const stands_for[] = { "ejabberd 23.01", NULL };

const struct xcv_client_rules xcv_client_ejabberd_s2s = {
	.profile = {
		.id = "ejabberd-s2s",
		.stands_for = stands_for,
		.models = "ejabberd 23.01 with p1_xmpp 1.6.1, fast_tls 1.1.16 "
			"and OpenSSL 3.0.22 (Debian 12)",
		.rules = "the first CN (always) and dNSName; SRVName ignored; "
			"an xmppAddr of a bare domain makes "
			"get_cert_domains/1 raise (p1_xmpp 1.6.1) and the "
			"check fail; dNSNames compared case-sensitively; '*.' "
			"over one label; the domain in A-labels; OpenSSL's "
			"chain at security level 2; a failure refuses SASL "
			"EXTERNAL (dialback where enabled)",
		.trust_store = "ca_file, else /etc/ssl/certs",
		.s2s = true,
	},
	/* get_cert_domains/1: get_domain_from_subject/1 (the first CN, as a
	 * JID domain) ++ get_domains_from_san/1 (dNSName; xmppAddr). */
	.reads = READS_XMPPADDR | READS_DNS,
	.cn = CN_ALWAYS, .cn_pick = CN_FIRST,
	/* The xmppAddr branch of get_domains_from_san/1 returns a binary to
	 * lists:flatmap/2, which raises badarg. */
	.xmppaddr_fails = true,
	/* match_domain/2: equal binaries, or "*." and the part after the
	 * first dot; dNSName bytes as sent (the CN was nameprep'd). */
	.wild = { .style = WILD_LABEL, .min_labels = 2 },
	.case_sensitive_dns = true,
	/* idna:utf8_to_ascii(Server). */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* fast_tls: OpenSSL's verify result, security level 2. */
	.checks_eku = true, .checks_ku = true, .refuses_sha1 = true,
	.min_rsa_bits = 2048,
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "ejabberd refuses SASL EXTERNAL ('Certificate host name "
		"mismatch'); dialback where enabled",
	/* ejabberd_s2s:tls_options/3 passes s2s_protocol_options (default
	 * no_sslv2, no_sslv3, cipher_server_preference, no_compression:
	 * ejabberd_options.erl); fast_tls (c_src/fast_tls.c) sets no security
	 * level: OpenSSL 3 at Debian's level 2 refuses TLS 1.0 and 1.1's
	 * handshake signatures (measured: "legacy sigalg disallowed"). */
	.min_tls_minor = 2,
	.tls_note = "fast_tls on OpenSSL 3 at security level 2 refuses the "
		"handshake signatures of TLS 1.0 and 1.1",
};
