/*
 * gio: Gajim (nbxmpp) and Dino on GLib's GIO with glib-networking and
 * GnuTLS. The name check is gnutls_x509_crt_check_hostname(), with no
 * flags, called from glib-networking tls/gnutls/gtlscertificate-gnutls.c
 * g_tls_certificate_gnutls_verify_identity(); the chain is
 * gnutls_x509_trust_list_verify_crt() with flags 0 (gtlsdatabase-gnutls.c
 * verify_chain()). Checked against GIO itself (tests/clients/py_decide.py
 * gio).
 */
#include "client.h"

static const char *const stands_for[] = { "Gajim", "Dino", NULL };

const struct xcv_client_rules xcv_client_gio = {
	.profile = {
		.id = "gio",
		.stands_for = stands_for,
		.models = "glib-networking 2.74.0 with GnuTLS 3.7.9-2+deb12u7 "
			"(Debian 12)",
		.rules = "dNSName only (xmppAddr and SRVName ignored); the CN "
			"only without a dNSName, iPAddress, URI or SRVName "
			"subjectAltName, only when there is exactly one, and "
			"only when the EKU is absent or allows serverAuth; "
			"'*' starting the leftmost label (*.dom, *x.dom; "
			"never x*.dom); the domain in A-labels; no purpose "
			"check on the chain, no SHA-1; Gajim asks about an "
			"untrusted chain and refuses a wrong name, Dino "
			"refuses both",
		.trust_store = "GnuTLS' system trust "
			"(/etc/ssl/certs/ca-certificates.crt)",
		.c2s = true,
	},
	.reads = READS_DNS,
	/* GnuTLS lib/x509/hostname-verify.c gnutls_x509_crt_check_hostname2():
	 * CN only when no dNSName or iPAddress (3.6.0), and no URI or
	 * SRVName (the CVE-2026-42012 fix, in Debian's 3.7.9-2+deb12u7); an
	 * xmppAddr does not stop it. */
	.cn = CN_FALLBACK,
	.cn_blockers = SAN_DNS | SAN_IP | SAN_URI | SAN_SRV,
	/* ... exactly one CN, and _gnutls_check_key_purpose(cert,
	 * GNUTLS_KP_TLS_WWW_SERVER, 0): no EKU, or one with serverAuth. */
	.cn_pick = CN_ONLY_ONE, .cn_needs_server_eku = true,
	/* lib/str.c _gnutls_hostname_compare(): a name starting with '*'
	 * with two dots or more; '*' covers part of the first label only. */
	.wild = { .style = WILD_SUFFIX, .min_labels = 3, .partial_idn = true },
	/* gnutls_idna_map(): the reference in A-labels. */
	.dns_ref = REF_ALABEL, .xmpp_ref = REF_ALABEL,
	/* No key purpose at chain level (flags 0); SHA-1 signatures are
	 * insecure for certificates (G_TLS_CERTIFICATE_INSECURE). */
	.refuses_sha1 = true,
	/* nbxmpp / Gajim: an unknown CA can be added to the trusted
	 * certificates; a wrong name has no connect button. Dino refuses. */
	.untrusted = FAIL_PROMPT, .mismatch = FAIL_HARD,
	.prompt_note = "Gajim asks to add it to the trusted certificates; "
		"Dino refuses it",
	.fail_note = "Gajim offers no way to connect; Dino refuses it",
	/* glib-networking 2.74 tls/gnutls/gtlsconnection-gnutls.c
	 * initialize_gnutls_priority(): GnuTLS's default priority with
	 * "%COMPAT" appended (G_TLS_GNUTLS_PRIORITY overrides it); Debian's
	 * GnuTLS 3.7.9 has no system policy (/etc/gnutls/config) and its
	 * NORMAL priority keeps TLS 1.0 and 1.1 (lib/priority.c
	 * _protocol_priority_normal): measured, GIO connects over TLS 1.0. */
	.min_tls_minor = 0,
	.tls_note = "GnuTLS's default priority, which keeps TLS 1.0 and 1.1",
};
