/*
 * python-ssl: slixmpp and aioxmpp on Python's ssl module. slixmpp 1.8.3
 * xmlstream/xmlstream.py: ssl.create_default_context(), check_hostname =
 * True, server_hostname = the domain; Python encodes it to A-labels and
 * OpenSSL's X509_check_host() checks it with
 * X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS (Modules/_ssl.c). Checked against
 * Debian's Python (tests/clients/py_decide.py ssl).
 */
#include "client.h"

static const char *const stands_for[] = { "slixmpp", "aioxmpp", NULL };

const struct xcv_client_rules xcv_client_python_ssl = {
	.profile = {
		.id = "python-ssl",
		.stands_for = stands_for,
		.models = "Python 3.11 ssl with OpenSSL 3.0.22 (Debian 12)",
		.rules = "dNSName only; the CN when there is no dNSName; '*' "
			"as the whole leftmost label over one label, three "
			"labels at least; the domain in A-labels; OpenSSL's "
			"chain at security level 2 (no SHA-1, RSA 2048 bits "
			"or more, the serverAuth purpose); a failure ends the "
			"connection",
		.trust_store = "OpenSSL's default paths, or the client's CA "
			"file",
		.c2s = true,
	},
	/* Modules/_ssl.c _ssl_configure_hostname(): X509_VERIFY_PARAM_set1_host,
	 * hostflags X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS; OpenSSL reads
	 * GEN_DNS, then any CN when there is none. */
	.reads = READS_DNS,
	.cn = CN_FALLBACK, .cn_blockers = SAN_DNS, .cn_pick = CN_ANY,
	.wild = { .style = WILD_LABEL, .min_labels = 3 },
	/* server_hostname is IDNA-encoded (Lib/ssl.py _encode_hostname). */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	.checks_eku = true, .checks_ku = true, .refuses_sha1 = true,
	.min_rsa_bits = 2048,
	/* slixmpp: the ssl_invalid_chain event, by default a disconnect;
	 * aioxmpp security_layer.py: an error. */
	.untrusted = FAIL_HARD, .mismatch = FAIL_HARD,
	.fail_note = "slixmpp disconnects (ssl_invalid_chain), aioxmpp raises",
	/* ssl.create_default_context() (Lib/ssl.py) sets no minimum version
	 * on Debian's Python 3.11 (minimum_version is MINIMUM_SUPPORTED);
	 * OpenSSL 3 at Debian's default security level 2 refuses the
	 * handshake signatures of TLS 1.0 and 1.1 (ssl/t1_lib.c): TLS 1.2
	 * (measured: "legacy sigalg disallowed or unsupported"). */
	.min_tls_minor = 2,
	.tls_note = "OpenSSL 3 at security level 2 refuses the handshake "
		"signatures of TLS 1.0 and 1.1",
};
