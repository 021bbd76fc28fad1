/*
 * qca: Psi and Psi+ (iris over QCA). Psi's name check is iris's own
 * src/xmpp/xmpp-core/tlshandler.cpp QCATLSHandler::certMatchesHostname():
 * every dNSName and every CN through cert_match_domain() (the same
 * function as QCA's src/qca_cert.cpp), then xmppAddr compared as a JID;
 * the chain is QCA's (qca-ossl) for a TLS server. The dNSName and CN part
 * and the chain are checked against QCA itself
 * (tests/clients/qca_decide.cpp); the xmppAddr part, iris's, from source.
 */
#include "client.h"

static const char *const stands_for[] = { "Psi", "Psi+", NULL };

const struct xcv_client_rules xcv_client_qca = {
	.profile = {
		.id = "qca",
		.stands_for = stands_for,
		.models = "QCA 2.3.5 (qca-ossl) as iris calls it (Debian 12), "
			"iris certMatchesHostname()",
		.rules = "dNSName and every CN, always; xmppAddr compared as "
			"a JID; SRVName ignored; '*' anywhere in a label as a "
			"glob, never in the last two labels, equal label "
			"counts; names outside [a-z0-9.*-] never match; one "
			"trailing dot ignored; the chain needs an EKU with "
			"serverAuth; Psi asks, and can trust the certificate "
			"or the CN as a domain",
		.trust_store = "QCA's system store and Psi's certificate "
			"directories",
		.c2s = true,
	},
	/* iris certMatchesHostname(): dNSNames and CNs, then
	 * subjectInfo().values(QCA::XMPP) compared with Jid::compare(). */
	.reads = READS_XMPPADDR | READS_DNS,
	.cn = CN_ALWAYS, .cn_pick = CN_ANY,
	/* cert_match_domain(): trimmed, one trailing dot dropped, lower
	 * case, only [a-z0-9.*-]; '*' a wildcard glob per label, not in the
	 * last two labels, equal label counts. */
	.wild = { .style = WILD_GLOB, .not_last_two = true, .min_labels = 3,
		.partial_idn = true },
	.trailing_dot_ok = true, .ascii_names_only = true,
	/* The reference through QUrl::toAce(); xmppAddr as a JID (Unicode). */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ULABEL,
	/* qca-ossl validate_chain() for UsageTLSServer: the EKU must hold
	 * serverAuth (measured: a certificate without EKU is refused). */
	.needs_eku = true,
	/* psi src/Certificates/CertificateHelpers.cpp checkCertificate():
	 * CertificateErrorDialog: connect anyway, trust this certificate
	 * (pinned), or trust the CN as a domain. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_PROMPT,
	.prompt_note = "Psi asks; it can pin the certificate or trust its CN "
		"as the domain",
	/* qca-ossl plugins/qca-ossl/qca-ossl.cpp MyTLSContext
	 * priv_startClient() and init(): SSL_CTX_new(SSLv23_client_method()),
	 * no version or security level of its own: OpenSSL 3 at Debian's
	 * default level 2 refuses TLS 1.0 and 1.1's handshake signatures
	 * (ssl/t1_lib.c): TLS 1.2. */
	.min_tls_minor = 2,
	.tls_note = "OpenSSL 3 (qca-ossl) at security level 2 refuses the "
		"handshake signatures of TLS 1.0 and 1.1",
};
