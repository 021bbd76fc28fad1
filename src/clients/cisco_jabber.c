/*
 * cisco-jabber: Cisco Jabber and Cisco UC Integration for IBM Sametime, by
 * their documented rules; they are closed source, so every rule cites the
 * document: "Set Up Certificate Verification", Cisco UC Integration with
 * IBM Sametime Integration Guide 9.5(2) (the guide), and Cisco technote
 * 116917. The rules no document states are marked.
 */
#include "client.h"

static const char *const stands_for[] = { "Cisco Jabber",
	"Cisco UC Integration for IBM Sametime", NULL };

const struct xcv_client_rules xcv_client_cisco_jabber = {
	.profile = {
		.id = "cisco-jabber",
		.stands_for = stands_for,
		.models = "Cisco's documented rules (\"Set Up Certificate "
			"Verification\", UC Integration for IBM Sametime "
			"Integration Guide 9.5(2); technote 116917); no "
			"library to test",
		.rules = "XMPP: xmppAddr, SRVName _xmpp-client, dNSName and "
			"the Subject CN (the guide's \"Identifier Fields\"), "
			"against the XMPP domain the server provides; HTTPS: "
			"dNSName and the CN, against the FQDN. Whether the CN "
			"counts beside subjectAltNames is not documented: a "
			"match through the CN alone is 'uncertain'. Wildcard: "
			"'*' as the leftmost character (CN; Windows' SSL "
			"policy also takes w*.dom). Windows certificate "
			"store; an untrusted chain or a mismatch prompts, and "
			"an accepted certificate goes to Enterprise Trust",
		.trust_store = "the Windows certificate store (Trusted Root "
			"Certification Authorities, Enterprise Trust)",
		.c2s = true, .https = true,
	},
	/* The guide, "Identifier Fields": XMPP certificates are checked in
	 * SubjectAltName\OtherName\xmppAddr, ...\srvName, dnsNames and the
	 * Subject CN; HTTP certificates in dnsNames and the CN (the matcher
	 * reads only dNSName and CN for https). */
	.reads = READS_XMPPADDR | READS_SRV_CLIENT | READS_DNS,
	/* Not documented whether the CN counts beside a SAN: uncertain. */
	.cn = CN_ALWAYS, .cn_pick = CN_ANY, .cn_uncertain = true,
	/* The guide: "The Subject CN field can contain a wildcard (*) as the
	 * leftmost character"; Windows CERT_CHAIN_POLICY_SSL (KB258858)
	 * takes *.dom and w*.dom, not *w.dom or *.com. */
	.wild = { .style = WILD_PREFIX, .min_labels = 3 },
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* Windows' SSL chain policy: the serverAuth EKU. */
	.checks_eku = true,
	/* The guide, "Prevent Identity Mismatch" and "Import Root
	 * Certificates": a certificate not in the trust store, or whose
	 * identity does not match, prompts; accept saves it to Enterprise
	 * Trust, decline does not connect and asks again after a restart. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_PROMPT,
	.prompt_note = "Jabber asks; accepting puts the certificate in "
		"Enterprise Trust, declining asks again after a restart",
	/* Not documented: Cisco's guides name TLS 1.2 as supported and the
	 * server's minimum as the administrator's setting (Unified CM
	 * "Minimum TLS Version"), not the client's; uncertain, so TLS 1.0
	 * (a failure is never predicted from a guess). */
	.min_tls_minor = 0,
	.tls_note = "uncertain: Cisco documents no minimum for the client",
};
