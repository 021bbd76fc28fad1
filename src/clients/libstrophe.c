/*
 * libstrophe: profanity and other clients on libstrophe 0.12 built with
 * OpenSSL (Debian's). The name check is OpenSSL's X509_check_host through
 * X509_VERIFY_PARAM_set1_host(param, conn->domain, 0) with
 * X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS (libstrophe src/tls_openssl.c,
 * tls_start()); the chain is OpenSSL's at its default security level 2.
 * Checked against libstrophe itself (tests/clients/strophe_decide.c).
 */
#include "client.h"

static const char *const stands_for[] = { "profanity", "libstrophe clients",
	NULL };

const struct xcv_client_rules xcv_client_libstrophe = {
	.profile = {
		.id = "libstrophe",
		.stands_for = stands_for,
		.models = "libstrophe 0.12.2 with OpenSSL 3.0.22 (Debian 12)",
		.rules = "dNSName only (xmppAddr and SRVName ignored); the CN "
			"when there is no dNSName, any of several; '*' as the "
			"whole leftmost label over one label, three labels at "
			"least; compares the JID's domain as written, in "
			"Unicode, so an IDN domain never matches an A-label "
			"dNSName; OpenSSL's chain at security level 2 (no "
			"SHA-1, RSA 2048 bits or more, the serverAuth "
			"purpose); the certfail handler decides: profanity "
			"asks",
		.trust_store = "OpenSSL's default paths (/etc/ssl/certs) and "
			"the client's CA file",
		.c2s = true,
	},
	/* tls_openssl.c tls_start(): X509_VERIFY_PARAM_set1_host(param,
	 * conn->domain, 0): OpenSSL's do_x509_check() reads GEN_DNS only. */
	.reads = READS_DNS,
	/* OpenSSL crypto/x509/v3_utl.c do_x509_check(): the subject CN only
	 * when no dNSName is present; every CN entry is tried. */
	.cn = CN_FALLBACK, .cn_blockers = SAN_DNS, .cn_pick = CN_ANY,
	/* v3_utl.c valid_star(): the leftmost label, at least two labels
	 * after it; NO_PARTIAL_WILDCARDS: only the whole label. */
	.wild = { .style = WILD_LABEL, .min_labels = 3 },
	/* conn->domain is the JID's domain as given: not converted to
	 * A-labels (profanity issue #2049). */
	.dns_ref = REF_ULABEL, .xmpp_ref = REF_ULABEL,
	/* X509_PURPOSE_SSL_SERVER (ssl/ssl_cert.c ssl_verify_cert_chain()),
	 * security level 2 (crypto/x509/x509_vfy.c check_key_level(),
	 * check_sig_level()). */
	.checks_eku = true, .checks_ku = true, .refuses_sha1 = true,
	.min_rsa_bits = 2048,
	/* profanity src/event/server_events.c sv_ev_certfail(): allow once,
	 * always (saved, and trusted without checks after), or deny. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_PROMPT,
	.prompt_note = "profanity asks; 'always' saves the certificate, which "
		"is then trusted without further checks",
	/* tls_openssl.c tls_new(): SSL_OP_NO_SSLv2, SSLv3 and TLSv1, no
	 * security level of its own: Debian's OpenSSL 3 default, level 2,
	 * where the MD5-SHA1 and SHA-1 handshake signatures TLS 1.0 and 1.1
	 * need are too weak (OpenSSL commit aba03ae, ssl/t1_lib.c
	 * tls12_sigalg_allowed()): TLS 1.2 (measured: no TLS session). */
	.min_tls_minor = 2,
	.tls_note = "libstrophe turns TLS 1.0 off; OpenSSL 3 at security "
		"level 2 refuses TLS 1.1's handshake signatures",
};
