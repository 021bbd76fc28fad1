/*
 * nss: Pidgin and other libpurple 2.14 clients with the NSS SSL plugin
 * (Debian's build). libpurple/plugins/ssl/ssl-nss.c x509_verify_cert():
 * CERT_VerifyCert(..., certUsageSSLServer, ...) for the chain, then
 * CERT_VerifyCertName(cert, name) for the name, the "Connect server" if
 * set, else the JID's domain (libpurple/protocols/jabber/jabber.c
 * jabber_login()). Checked against NSS itself (tests/clients/nss_decide.c).
 */
#include "client.h"

static const char *const stands_for[] = { "Pidgin", "libpurple clients",
	NULL };

const struct xcv_client_rules xcv_client_nss = {
	.profile = {
		.id = "nss",
		.stands_for = stands_for,
		.models = "NSS 3.87.1-1+deb12u4 as libpurple 2.14 calls it "
			"(Debian 12)",
		.rules = "dNSName only; the last CN when there is no dNSName; "
			"'*' as the last character of the leftmost label "
			"(*.dom, x*.dom, never *x.dom or over an xn-- label), "
			"three labels at least; compares the domain as "
			"written, in Unicode; the chain for an SSL server "
			"(EKU, key usage, no CA certificate as the server's), "
			"a notBefore up to a day ahead accepted; Pidgin asks, "
			"and an accepted certificate later skips every check",
		.trust_store = "libpurple's CA directory, loaded into NSS",
		.c2s = true,
	},
	/* certdb.c cert_VerifySubjectAltName(): dNSName and iPAddress; no
	 * otherName is read. */
	.reads = READS_DNS,
	/* NSS lib/certdb/certdb.c CERT_VerifyCertName(): the subjectAltName
	 * first, the CN (CERT_GetCommonName: the last one) only when it
	 * holds no dNSName. */
	.cn = CN_FALLBACK, .cn_blockers = SAN_DNS, .cn_pick = CN_LAST,
	/* certdb.c cert_TestHostName(): one '*', ending the first label,
	 * three labels at least, not over an xn-- label. */
	.wild = { .style = WILD_PREFIX, .min_labels = 3 },
	/* libpurple keeps the JID's domain in Unicode (jutil.c
	 * jabber_id_new()). */
	.dns_ref = REF_ULABEL, .xmpp_ref = REF_ULABEL,
	/* certUsageSSLServer: EKU and key usage; a CA certificate is
	 * SEC_ERROR_INADEQUATE_CERT_TYPE; CERT_CheckCertValidTimes() allows
	 * a notBefore one day ahead (pendingSlop). */
	.checks_eku = true, .checks_ku = true, .refuses_ca_leaf = true,
	.not_before_slop = 86400,
	/* libpurple/certificate.c x509_tls_cached: "Accept certificate for
	 * %s?"; an accepted certificate is cached in tls_peers and an
	 * identical one later passes without the chain or name checks. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_PROMPT,
	.prompt_note = "Pidgin asks; once accepted, the same certificate "
		"skips every check",
	/* libpurple/plugins/ssl/ssl-nss.c ssl_nss_init_nss() only logs
	 * NSS's default version range (SSL_VersionRangeGetDefault), and
	 * ssl_nss_connect() keeps it; NSS lib/ssl/sslsock.c
	 * versions_defaults_stream is TLS 1.2 to 1.3 (measured with NSS
	 * 3.87: SSL_ERROR_PROTOCOL_VERSION_ALERT from a TLS 1.0 server). */
	.min_tls_minor = 2,
	.tls_note = "NSS's default version range, TLS 1.2 to 1.3",
};
