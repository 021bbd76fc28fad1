/*
 * The advice catalogue: what an administrator should change, in the terms
 * of the deployment guide for presence/IM clusters (XMPP certificates on
 * every node, private CAs, the SAN-domain setting, client trust stores).
 */
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

#include "result_internal.h"

/* " with NAME" when the caller named the input, else "". */
static const char *
with(const struct xcv_config *cfg, enum xcv_input what, char buf[128])
{
	const char *name = xcv_config_input(cfg, what);

	if (name == NULL)
		return "";
	snprintf(buf, 128, " with %s", name);
	return buf;
}

/* Is name a host below domain (node.domain), not a wildcard? */
static bool
is_node_of(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	return name[0] != '*' && n > d + 1 && name[n - d - 1] == '.' &&
		strcmp(name + n - d, domain) == 0;
}

static const char *
cert_kind(enum xcv_service s)
{
	switch (s) {
	case XCV_SERVICE_S2S:
		return "XMPP server-to-server certificate (cup-xmpp-s2s on Cisco "
		       "IM and Presence)";
	case XCV_SERVICE_HTTPS:
		return "HTTPS certificate (tomcat)";
	default:
		return "XMPP certificate (cup-xmpp on Cisco IM and Presence)";
	}
}

/* Pushes onto res->advice; a failed push is kept in its oom flag. */
static int
identity_advice(struct xcv_result *res, const struct xcv_config *cfg)
{
	const struct xcv_identity *id = &res->id;
	char how[128];
	const char *d = id->reference;
	char nodes[512] = "";
	bool wildcard = false, cn_only = false, other_srv = false;
	const char *bad_field = NULL, *bad_reason = NULL;

	if (id->matched) {
		if (id->presented[id->match].field == XCV_FIELD_CN)
			return xcv_strv_pushf(&res->advice, "re-issue the %s with "
				"%s as a dNSName subjectAltName before clients "
				"that ignore the CN stop connecting",
				cert_kind(res->service), d);
		return 0;
	}
	if (id->reference_is_ip) {
		if (res->service == XCV_SERVICE_HTTPS)
			return xcv_strv_pushf(&res->advice, "you connected by IP "
				"address %s; the certificate identifies the server "
				"by name: use the server's FQDN throughout your "
				"environment", d);
		return xcv_strv_pushf(&res->advice, "you gave the IP address %s; "
			"clients identify an XMPP server by its XMPP domain, never "
			"by address: give the XMPP domain%s, and use FQDNs "
			"throughout your environment", d,
			with(cfg, XCV_INPUT_DOMAIN, how));
	}
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		if (!p->valid || p->norm == NULL) {
			if (p->norm && strcmp(p->norm, d) == 0 && !bad_field) {
				bad_field = xcv_field_name(p->field);
				bad_reason = p->reason;
			}
			continue;
		}
		if ((p->field == XCV_FIELD_DNSNAME || p->field == XCV_FIELD_CN) &&
		    is_node_of(p->norm, d) &&
		    strlen(nodes) + strlen(p->norm) + 3 < sizeof(nodes) &&
		    strstr(nodes, p->norm) == NULL) {
			if (nodes[0])
				strcat(nodes, ", ");
			strcat(nodes, p->norm);
		}
		if ((p->field == XCV_FIELD_DNSNAME || p->field == XCV_FIELD_CN) &&
		    p->norm[0] == '*' && strcmp(p->norm + 2, d) == 0)
			wildcard = true;
		if (p->field == XCV_FIELD_CN && xcv_dns_match(p->norm, d))
			cn_only = true;
		if (p->field == XCV_FIELD_SRVNAME && xcv_dns_match(p->norm, d))
			other_srv = true;
	}
	if (bad_field != NULL)
		xcv_strv_pushf(&res->advice, "the certificate's %s naming %s is "
			"invalid (it %s): re-issue the certificate", bad_field, d,
			bad_reason);
	if (other_srv)
		xcv_strv_pushf(&res->advice, "the certificate names %s only as "
			"an SRVName for %s; %s needs _%s.%s, a dNSName or an "
			"xmppAddr", d, res->service == XCV_SERVICE_C2S ?
			"server-to-server (s2s) use" : "client (c2s) use",
			xcv_service_name(res->service),
			res->service == XCV_SERVICE_C2S ? "xmpp-client" :
			"xmpp-server", d);
	if (wildcard)
		xcv_strv_pushf(&res->advice, "*.%s covers the hosts under %s but "
			"not %s itself: add %s as a dNSName of its own", d, d, d, d);
	if (cn_only)
		xcv_strv_pushf(&res->advice, "%s is only in the Subject CN, which "
			"%s: add %s as a dNSName subjectAltName", d,
			id->policy == XCV_POLICY_RFC9525 ?
			"policy rfc9525 never uses" :
			"is ignored because the certificate has subjectAltNames", d);
	if (nodes[0] && res->service != XCV_SERVICE_HTTPS)
		return xcv_strv_pushf(&res->advice, "the certificate names only "
			"%s; clients identify this server by the XMPP domain %s: "
			"put %s in a subjectAltName of the %s. On Cisco IM and "
			"Presence: System > Security > Settings, set the domain "
			"for the XMPP certificate SAN to %s, enable 'Use Domain "
			"Name for XMPP Certificate Subject Alternative Name', "
			"then regenerate and re-sign the certificate on every "
			"node", nodes, d, d, cert_kind(res->service), d);
	if (bad_field || other_srv || wildcard || cn_only)
		return 0;
	return xcv_strv_pushf(&res->advice, "no identity in the certificate "
		"names %s: re-issue the %s with %s in a dNSName subjectAltName%s",
		d, cert_kind(res->service), d,
		res->service == XCV_SERVICE_HTTPS ? "" :
		" (an xmppAddr or SRVName may be added as well)");
}

static void
chain_advice(struct xcv_result *res, const struct xcv_config *cfg)
{
	char how[128];
	const char *anchor = with(cfg, XCV_INPUT_TRUST_ANCHOR, how);

	for (size_t i = 0; i < res->n_errors; i++) {
		const struct xcv_chain_error *e = &res->errors[i];

		switch (e->code) {
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			xcv_strv_pushf(&res->advice, "this certificate is "
				"self-signed: import it on clients (Windows: the "
				"Enterprise Trust store), or better, have it signed "
				"by a CA that clients trust; to trust it here, add "
				"it as a trust anchor%s", anchor);
			break;
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			xcv_strv_pushf(&res->advice, "if \"%s\" is your "
				"private CA, import its certificate on clients "
				"(Windows: Trusted Root Certification Authorities); "
				"to trust it here, add it as a trust anchor%s",
				e->name, anchor);
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
			if (e->root_missing) {
				xcv_strv_pushf(&res->advice, "if %s is your "
					"private CA, import its certificate on clients "
					"(Windows: Trusted Root Certification "
					"Authorities); to trust it here, add it as a "
					"trust anchor%s", e->issuer, anchor);
				break;
			}
			xcv_strv_pushf(&res->advice, "the server did not send "
				"the certificate of %s: if it is an intermediate CA, "
				"upload it to the server so that it is sent with the "
				"server certificate; if it is your private root CA, "
				"import it on clients, and add it as a trust anchor "
				"here%s", e->issuer, anchor);
			break;
		case X509_V_ERR_CERT_HAS_EXPIRED:
			xcv_strv_pushf(&res->advice, "renew \"%s\" and upload "
				"the new certificate to every node", e->name);
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			xcv_strv_pushf(&res->advice, "\"%s\" is not valid yet: "
				"check the clocks of the CA, the server and this "
				"machine", e->name);
			break;
		case X509_V_ERR_INVALID_PURPOSE:
			xcv_strv_pushf(&res->advice, "re-issue \"%s\" with "
				"extendedKeyUsage serverAuth", e->name);
			break;
		default:
			break;
		}
	}
}

int
xcv_advise(struct xcv_result *res, const struct xcv_config *cfg)
{
	identity_advice(res, cfg);
	chain_advice(res, cfg);
	return xcv_strv_ok(&res->advice);
}

int
xcv_advise_failure(struct xcv_strv *advice, const struct xcv_config *cfg,
	enum xcv_phase phase, enum xcv_service service, bool direct_tls,
	const char *domain)
{
	char how[128];

	switch (phase) {
	case XCV_PHASE_DNS:
		xcv_strv_pushf(advice, "check the name, or give the server's "
			"address%s", with(cfg, XCV_INPUT_ADDRESS, how));
		break;
	case XCV_PHASE_CONNECT:
		xcv_strv_pushf(advice, "check that the server listens there "
			"(c2s 5222, s2s 5269, direct TLS 5223) and that no "
			"firewall is in the way");
		break;
	case XCV_PHASE_DISCOVERY:
		xcv_strv_pushf(advice, "give the XMPP domain this server serves "
			"(the part after @ in users' addresses)%s",
			with(cfg, XCV_INPUT_DOMAIN, how));
		break;
	case XCV_PHASE_STARTTLS:
		xcv_strv_pushf(advice, "the server did not start TLS: check that "
			"TLS is enabled for clients and that the server can read "
			"its certificate and key; if it serves TLS on a dedicated "
			"port, try direct TLS (XEP-0368)%s",
			with(cfg, XCV_INPUT_DIRECT_TLS, how));
		break;
	case XCV_PHASE_TLS:
		xcv_strv_pushf(advice, "the TLS handshake failed: check the "
			"server's TLS settings and that it has a certificate for "
			"%s", domain ? domain : "the domain");
		break;
	case XCV_PHASE_STREAM:
		xcv_strv_pushf(advice, "the peer did not speak XMPP as expected: "
			"check that this is the XMPP %s port%s",
			service == XCV_SERVICE_S2S ? "server-to-server" : "client",
			direct_tls ? " for direct TLS" : "");
		break;
	case XCV_PHASE_NONE:
		break;
	}
	return xcv_strv_ok(advice);
}
