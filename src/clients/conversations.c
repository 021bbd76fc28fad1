/*
 * conversations: Conversations and its forks (Quicksy, blabber.im, ...).
 * Modelled from source, with cases taken from it (no library in Debian):
 * src/main/java/eu/siacs/conversations/crypto/XmppDomainVerifier.java
 * verify(), parseValidDomains(), matchDomain(); the chain through
 * services/MemorizingTrustManager.java checkCertTrusted().
 */
#include "client.h"

static const char *const stands_for[] = { "Conversations", "Quicksy",
	"blabber.im", NULL };

const struct xcv_client_rules xcv_client_conversations = {
	.profile = {
		.id = "conversations",
		.stands_for = stands_for,
		.models = "Conversations 2.12 (XmppDomainVerifier, "
			"MemorizingTrustManager), from source",
		.rules = "xmppAddr (exact), SRVName _xmpp-client (exact), "
			"dNSName; the CN only without any of them, and a "
			"self-signed certificate whose one CN names the "
			"domain passes; '*.' matches any depth but not the "
			"domain itself; the domain in A-labels; Android's "
			"trust store and the app's own; an untrusted chain "
			"asks (once or always), a wrong name fails",
		.trust_store = "the app's keystore, Android's system and user "
			"CAs, then POSH",
		.c2s = true,
	},
	/* parseValidDomains(): otherName xmppAddr and SRVName, dNSName. */
	.reads = READS_XMPPADDR | READS_SRV_CLIENT | READS_DNS,
	/* ... the CNs only when there is no xmppAddr, SRVName or dNSName. */
	.cn = CN_FALLBACK, .cn_blockers = SAN_XMPPADDR | SAN_SRV | SAN_DNS,
	.cn_pick = CN_ANY,
	/* verify(): self-signed (its own key verifies it) with exactly one
	 * CN that matches: accepted first. */
	.self_signed_cn = true,
	/* matchDomain(): "*.x" matches any name ending in ".x" (any depth),
	 * never x itself; no partial wildcards; none in xmppAddr or SRVName. */
	.wild = { .style = WILD_LABEL, .deep = true, .min_labels = 2 },
	/* IDN.toASCII(domain); xmppAddr and SRVName values lower-cased but
	 * not converted. */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* Android's TrustManager: the serverAuth EKU; RSA below 1024 bits is
	 * refused (Conscrypt ChainStrengthAnalyzer). */
	.checks_eku = true, .min_rsa_bits = 1024,
	/* MemorizingTrustManager: prompt (once / always); the domain check
	 * failing is TLS_ERROR_DOMAIN, never prompted. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_HARD,
	.prompt_note = "Conversations asks to trust it once or always",
	.fail_note = "a wrong name is never asked about (TLS_ERROR_DOMAIN)",
	/* utils/SSLSockets.java setSecurity(): every protocol the socket
	 * supports but SSLv3; the bundled Conscrypt 2.5.2 (build.gradle)
	 * supports TLSv1 to TLSv1.3 (NativeCrypto.SUPPORTED_PROTOCOLS); the
	 * cipher suites are Config.ENABLED_CIPHERS first, then the platform's,
	 * less Config.WEAK_CIPHER_PATTERNS (CryptoHelper
	 * getOrderedCipherSuites()). */
	.min_tls_minor = 0,
	.tls_note = "SSLSockets.setSecurity() enables every protocol "
		"Conscrypt supports but SSLv3, TLS 1.0 included",
};
