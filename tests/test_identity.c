/*
 * The identity policy, one row per case. Each row builds a certificate in
 * memory (so hostile encodings are possible), checks it against a
 * reference domain, and states the expected field, value and the number of
 * presented identities that must be flagged invalid.
 *
 * Run: test_identity [GROUP]   (groups: xmppaddr srvname dnsname wildcard
 * cn hostile service reference)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

enum kind { K_NONE = 0, K_DNS, K_XMPP, K_SRV, K_URI, K_IP };
enum expect { NOMATCH = -1, BADREF = -2 };

struct bytes {
	int kind;
	int type;
	const char *s;
	size_t len;
};

#define DNS(x) { K_DNS, V_ASN1_IA5STRING, x, sizeof(x) - 1 }
#define XMPP(x) { K_XMPP, V_ASN1_UTF8STRING, x, sizeof(x) - 1 }
#define XMPPT(t, x) { K_XMPP, t, x, sizeof(x) - 1 }
#define SRV(x) { K_SRV, V_ASN1_IA5STRING, x, sizeof(x) - 1 }
#define SRVT(t, x) { K_SRV, t, x, sizeof(x) - 1 }
#define URI(x) { K_URI, V_ASN1_IA5STRING, x, sizeof(x) - 1 }
#define IP(x) { K_IP, 0, x, sizeof(x) - 1 }
#define CN(x) { 0, V_ASN1_UTF8STRING, x, sizeof(x) - 1 }

struct row {
	const char *group;
	const char *why;          /* the case, and the rule it pins */
	const char *domain;
	enum xcv_service service;
	enum xcv_policy policy;
	struct bytes cn[3];
	struct bytes san[4];
	bool bad_san;             /* add a subjectAltName of garbage DER */
	bool dup_san;             /* add the subjectAltName extension twice */
	int expect;               /* enum xcv_field, NOMATCH or BADREF */
	const char *value;        /* expected matching value (display form) */
	int invalid;              /* presented identities flagged invalid */
	const char *warn;         /* substring expected in a warning */
};

#define C2S XCV_SERVICE_C2S
#define S2S XCV_SERVICE_S2S
#define HTTPS XCV_SERVICE_HTTPS
#define R6125 XCV_POLICY_RFC6125
#define R9525 XCV_POLICY_RFC9525
#define F_XMPP XCV_FIELD_XMPPADDR
#define F_SRV XCV_FIELD_SRVNAME
#define F_DNS XCV_FIELD_DNSNAME
#define F_IP XCV_FIELD_IPADDRESS
#define F_CN XCV_FIELD_CN

static const char long_label[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example";

static const struct row rows[] = {
	/* --- xmppAddr: RFC 6120 §13.7.1.4 --- */
	{ "xmppaddr", "xmppAddr equal to the domain matches (RFC 6120 13.7.1.4)",
	  "corp.example", C2S, R6125, .san = { XMPP("corp.example") },
	  .expect = F_XMPP, .value = "corp.example" },
	{ "xmppaddr", "xmppAddr compares case-insensitively (RFC 6125 6.4.1)",
	  "corp.example", C2S, R6125, .san = { XMPP("Corp.EXAMPLE") },
	  .expect = F_XMPP, .value = "Corp.EXAMPLE" },
	{ "xmppaddr", "xmppAddr with a localpart is a JID, not a server identity",
	  "corp.example", C2S, R6125, .san = { XMPP("admin@corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "localpart" },
	{ "xmppaddr", "xmppAddr with a resource is not a bare domain",
	  "corp.example", C2S, R6125, .san = { XMPP("corp.example/node1") },
	  .expect = NOMATCH, .invalid = 1, .warn = "resource" },
	{ "xmppaddr", "xmppAddr never holds wildcards (RFC 6120 13.7.1.4)",
	  "cup1.corp.example", C2S, R6125, .san = { XMPP("*.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "wildcard" },
	{ "xmppaddr", "xmppAddr of another domain does not match and is valid",
	  "corp.example", C2S, R6125, .san = { XMPP("other.example") },
	  .expect = NOMATCH },
	{ "xmppaddr", "xmppAddr is reported before a matching dNSName (seed order)",
	  "corp.example", C2S, R6125,
	  .san = { DNS("corp.example"), XMPP("corp.example") },
	  .expect = F_XMPP, .value = "corp.example" },
	{ "xmppaddr", "presented xmppAddr with a trailing dot does not match",
	  "corp.example", C2S, R6125, .san = { XMPP("corp.example.") },
	  .expect = NOMATCH, .invalid = 1, .warn = "dot" },
	{ "xmppaddr", "reference trailing dot is dropped (RFC 6125 6.2.1)",
	  "corp.example.", C2S, R6125, .san = { XMPP("corp.example") },
	  .expect = F_XMPP, .value = "corp.example" },
	{ "xmppaddr", "xmppAddr of the parent domain does not match",
	  "corp.example", C2S, R6125, .san = { XMPP("example") },
	  .expect = NOMATCH },
	{ "xmppaddr", "U-label xmppAddr is compared as its A-label (RFC 6120 13.7.1.4)",
	  "xn--bcher-kva.example", C2S, R6125, .san = { XMPP("b\xc3\xbc" "cher.example") },
	  .expect = F_XMPP, .value = "b\xc3\xbc" "cher.example" },
	{ "xmppaddr", "A-label xmppAddr matches a U-label reference",
	  "b\xc3\xbc" "cher.example", C2S, R6125, .san = { XMPP("xn--bcher-kva.example") },
	  .expect = F_XMPP, .value = "xn--bcher-kva.example" },
	{ "xmppaddr", "xmppAddr is used for s2s as for c2s",
	  "corp.example", S2S, R6125, .san = { XMPP("corp.example") },
	  .expect = F_XMPP, .value = "corp.example" },

	/* --- SRVName: RFC 4985, RFC 6120 13.7.1.2 --- */
	{ "srvname", "_xmpp-client SRV-ID matches for c2s",
	  "corp.example", C2S, R6125, .san = { SRV("_xmpp-client.corp.example") },
	  .expect = F_SRV, .value = "_xmpp-client.corp.example" },
	{ "srvname", "service and name compare case-insensitively (RFC 6125 6.4.1)",
	  "corp.example", C2S, R6125, .san = { SRV("_XMPP-Client.CORP.example") },
	  .expect = F_SRV, .value = "_XMPP-Client.CORP.example" },
	{ "srvname", "_xmpp-server SRV-ID does not serve c2s",
	  "corp.example", C2S, R6125, .san = { SRV("_xmpp-server.corp.example") },
	  .expect = NOMATCH },
	{ "srvname", "_xmpp-server SRV-ID matches for s2s",
	  "corp.example", S2S, R6125, .san = { SRV("_xmpp-server.corp.example") },
	  .expect = F_SRV, .value = "_xmpp-server.corp.example" },
	{ "srvname", "_xmpp-client SRV-ID does not serve s2s",
	  "corp.example", S2S, R6125, .san = { SRV("_xmpp-client.corp.example") },
	  .expect = NOMATCH },
	{ "srvname", "SRV name part follows the DNS-ID wildcard rule",
	  "cup1.corp.example", C2S, R6125, .san = { SRV("_xmpp-client.*.corp.example") },
	  .expect = F_SRV, .value = "_xmpp-client.*.corp.example" },
	{ "srvname", "SRVName without a leading underscore is malformed (RFC 4985 2)",
	  "corp.example", C2S, R6125, .san = { SRV("xmpp-client.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "_service.name" },
	{ "srvname", "SRVName with no name part is malformed",
	  "corp.example", C2S, R6125, .san = { SRV("_xmpp-client") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "srvname", "SRVName with an empty service label is malformed",
	  "corp.example", C2S, R6125, .san = { SRV("_.corp.example") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "srvname", "SRVName is reported before a matching dNSName (seed order)",
	  "corp.example", C2S, R6125,
	  .san = { DNS("corp.example"), SRV("_xmpp-client.corp.example") },
	  .expect = F_SRV, .value = "_xmpp-client.corp.example" },
	{ "srvname", "_xmpps-client (XEP-0368) is a different service label",
	  "corp.example", C2S, R6125, .san = { SRV("_xmpps-client.corp.example") },
	  .expect = NOMATCH },

	/* --- dNSName: RFC 6125 6.4.1 --- */
	{ "dnsname", "dNSName equal to the domain matches",
	  "corp.example", C2S, R6125, .san = { DNS("corp.example") },
	  .expect = F_DNS, .value = "corp.example" },
	{ "dnsname", "dNSName compares case-insensitively",
	  "corp.example", C2S, R6125, .san = { DNS("CORP.EXAMPLE") },
	  .expect = F_DNS, .value = "CORP.EXAMPLE" },
	{ "dnsname", "node FQDN only: the SAN-domain option is off (seed)",
	  "corp.example", C2S, R6125, .san = { DNS("cup1.corp.example") },
	  .expect = NOMATCH },
	{ "dnsname", "the parent domain does not match",
	  "corp.example", C2S, R6125, .san = { DNS("example") },
	  .expect = NOMATCH },
	{ "dnsname", "the second of several dNSNames matches",
	  "corp.example", C2S, R6125,
	  .san = { DNS("cup1.corp.example"), DNS("corp.example") },
	  .expect = F_DNS, .value = "corp.example" },
	{ "dnsname", "presented dNSName with a trailing dot does not match",
	  "corp.example", C2S, R6125, .san = { DNS("corp.example.") },
	  .expect = NOMATCH, .invalid = 1, .warn = "dot" },
	{ "dnsname", "reference trailing dot is dropped before comparing",
	  "corp.example.", C2S, R6125, .san = { DNS("corp.example") },
	  .expect = F_DNS, .value = "corp.example" },
	{ "dnsname", "empty dNSName is invalid",
	  "corp.example", C2S, R6125, .san = { DNS("") },
	  .expect = NOMATCH, .invalid = 1, .warn = "empty" },
	{ "dnsname", "dNSName with an empty label is invalid",
	  "corp.example", C2S, R6125, .san = { DNS("corp..example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "empty label" },
	{ "dnsname", "dNSName label over 63 octets is invalid (RFC 1035 2.3.4)",
	  "corp.example", C2S, R6125, .san = { DNS(long_label) },
	  .expect = NOMATCH, .invalid = 1, .warn = "63" },
	{ "dnsname", "dNSName with a space is not a host name",
	  "corp.example", C2S, R6125, .san = { DNS("corp example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "not allowed" },
	{ "dnsname", "a suffix of a label is not a match (evilcorp.example)",
	  "corp.example", C2S, R6125, .san = { DNS("evilcorp.example") },
	  .expect = NOMATCH },
	{ "dnsname", "the domain as a prefix is not a match",
	  "corp.example", C2S, R6125, .san = { DNS("corp.example.evil") },
	  .expect = NOMATCH },
	{ "dnsname", "dNSName is used for s2s",
	  "corp.example", S2S, R6125, .san = { DNS("corp.example") },
	  .expect = F_DNS, .value = "corp.example" },

	/* --- wildcards: RFC 6125 6.4.3, RFC 9525 6.3 --- */
	{ "wildcard", "*.corp.example matches one label below it",
	  "cup1.corp.example", C2S, R6125, .san = { DNS("*.corp.example") },
	  .expect = F_DNS, .value = "*.corp.example" },
	{ "wildcard", "a wildcard never matches the bare parent domain",
	  "corp.example", C2S, R6125, .san = { DNS("*.corp.example") },
	  .expect = NOMATCH },
	{ "wildcard", "a wildcard matches exactly one label, not two",
	  "a.cup1.corp.example", C2S, R6125, .san = { DNS("*.corp.example") },
	  .expect = NOMATCH },
	{ "wildcard", "*.example has one label after it: too broad, invalid",
	  "corp.example", C2S, R6125, .san = { DNS("*.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "two labels" },
	{ "wildcard", "a lone * is invalid",
	  "corp.example", C2S, R6125, .san = { DNS("*") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "wildcard", "partial wildcard i*.corp.example never matches",
	  "im.corp.example", C2S, R6125, .san = { DNS("i*.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "partial" },
	{ "wildcard", "partial wildcard *oo.corp.example never matches",
	  "foo.corp.example", C2S, R6125, .san = { DNS("*oo.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "partial" },
	{ "wildcard", "a wildcard outside the leftmost label is invalid",
	  "cup1.corp.example", C2S, R6125, .san = { DNS("cup1.*.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "leftmost" },
	{ "wildcard", "two wildcards are invalid",
	  "a.b.example", C2S, R6125, .san = { DNS("*.*.example") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "wildcard", "wildcard comparison is case-insensitive",
	  "Cup1.corp.EXAMPLE", C2S, R6125, .san = { DNS("*.CORP.example") },
	  .expect = F_DNS, .value = "*.CORP.example" },
	{ "wildcard", "a wildcard inside an A-label prefix is partial, invalid",
	  "xn--bcher-kva.corp.example", C2S, R6125, .san = { DNS("xn--*.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "partial" },
	{ "wildcard", "a wildcard does not match an empty leftmost label",
	  ".corp.example", C2S, R6125, .san = { DNS("*.corp.example") },
	  .expect = BADREF },

	/* --- Subject CN: RFC 6125 6.4.4, RFC 9525 --- */
	{ "cn", "CN is the fallback when there is no subjectAltName, with a warning",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example") },
	  .expect = F_CN, .value = "corp.example", .warn = "RFC 9525" },
	{ "cn", "policy rfc9525 never uses the CN",
	  "corp.example", C2S, R9525, .cn = { CN("corp.example") },
	  .expect = NOMATCH },
	{ "cn", "CN is not used when a dNSName is present",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example") },
	  .san = { DNS("cup1.corp.example") }, .expect = NOMATCH },
	{ "cn", "wildcard CN as the leftmost label matches a node (seed)",
	  "cup1.corp.example", HTTPS, R6125, .cn = { CN("*.corp.example") },
	  .expect = F_CN, .value = "*.corp.example" },
	{ "cn", "wildcard CN does not cover the XMPP domain itself",
	  "corp.example", C2S, R6125, .cn = { CN("*.corp.example") },
	  .expect = NOMATCH },
	{ "cn", "several CNs are ambiguous; none is used",
	  "corp.example", C2S, R6125,
	  .cn = { CN("corp.example"), CN("other.example") },
	  .expect = NOMATCH, .invalid = 2, .warn = "several CNs" },
	{ "cn", "a CN that is not a host name is invalid",
	  "corp.example", C2S, R6125, .cn = { CN("Cisco Unified Presence") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "cn", "a URI SAN also rules out the CN (RFC 6125 6.4.4)",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example") },
	  .san = { URI("https://corp.example/") }, .expect = NOMATCH },
	{ "cn", "an xmppAddr rules out the CN, even of another domain",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example") },
	  .san = { XMPP("other.example") }, .expect = NOMATCH },
	{ "cn", "an undecodable subjectAltName rules out the CN (fail closed)",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example") },
	  .bad_san = true, .expect = NOMATCH, .warn = "cannot be decoded" },
	{ "cn", "CN with a trailing dot is invalid",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example.") },
	  .expect = NOMATCH, .invalid = 1 },
	{ "cn", "U-label CN compares as its A-label",
	  "xn--bcher-kva.example", C2S, R6125, .cn = { CN("b\xc3\xbc" "cher.example") },
	  .expect = F_CN, .value = "b\xc3\xbc" "cher.example" },
	{ "cn", "an iPAddress SAN alone does not rule out the CN",
	  "cup1.corp.example", HTTPS, R6125, .cn = { CN("cup1.corp.example") },
	  .san = { IP("\x7f\x00\x00\x02") }, .expect = F_CN,
	  .value = "cup1.corp.example" },

	/* --- hostile encodings: each is named and never matches --- */
	{ "hostile", "NUL inside a dNSName (the 2009 NUL-prefix attack)",
	  "corp.example", C2S, R6125, .san = { DNS("corp.example\0.evil.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "NUL byte" },
	{ "hostile", "NUL inside an xmppAddr",
	  "corp.example", C2S, R6125, .san = { XMPP("corp.example\0evil") },
	  .expect = NOMATCH, .invalid = 1, .warn = "malicious" },
	{ "hostile", "NUL inside an SRVName",
	  "corp.example", C2S, R6125,
	  .san = { SRV("_xmpp-client.corp.example\0.evil") },
	  .expect = NOMATCH, .invalid = 1, .warn = "NUL byte" },
	{ "hostile", "NUL inside the only CN",
	  "corp.example", C2S, R6125, .cn = { CN("corp.example\0.evil.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "NUL byte" },
	{ "hostile", "non-IA5 (UTF-8) bytes in a dNSName",
	  "xn--caf-dma.example", C2S, R6125, .san = { DNS("caf\xc3\xa9.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "IA5" },
	{ "hostile", "xmppAddr as IA5String, not UTF8String",
	  "corp.example", C2S, R6125,
	  .san = { XMPPT(V_ASN1_IA5STRING, "corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "not a UTF8String" },
	{ "hostile", "xmppAddr as OCTET STRING",
	  "corp.example", C2S, R6125,
	  .san = { XMPPT(V_ASN1_OCTET_STRING, "corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "not a UTF8String" },
	{ "hostile", "xmppAddr as NULL",
	  "corp.example", C2S, R6125, .san = { XMPPT(V_ASN1_NULL, "") },
	  .expect = NOMATCH, .invalid = 1, .warn = "not a UTF8String" },
	{ "hostile", "SRVName as UTF8String, not IA5String",
	  "corp.example", C2S, R6125,
	  .san = { SRVT(V_ASN1_UTF8STRING, "_xmpp-client.corp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "not an IA5String" },
	{ "hostile", "undecodable subjectAltName DER: nothing in it is used",
	  "corp.example", C2S, R6125, .bad_san = true,
	  .expect = NOMATCH, .warn = "malformed DER" },
	{ "hostile", "two subjectAltName extensions: none is used",
	  "corp.example", C2S, R6125, .san = { DNS("corp.example") },
	  .dup_san = true, .expect = NOMATCH, .warn = "more than one" },
	{ "hostile", "terminal escape sequence in a dNSName",
	  "corp.example", C2S, R6125, .san = { DNS("\x1b[31mcorp.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "\\x1b" },
	{ "hostile", "xmppAddr that is not valid UTF-8",
	  "corp.example", C2S, R6125, .san = { XMPP("\xff\xfe.example") },
	  .expect = NOMATCH, .invalid = 1, .warn = "UTF-8" },
	{ "hostile", "an invalid xmppAddr does not hide a valid dNSName",
	  "corp.example", C2S, R6125,
	  .san = { XMPPT(V_ASN1_IA5STRING, "corp.example"), DNS("corp.example") },
	  .expect = F_DNS, .value = "corp.example", .invalid = 1 },
	{ "hostile", "iPAddress of 5 bytes is invalid",
	  "127.0.0.2", HTTPS, R6125, .san = { IP("\x7f\x00\x00\x02\x00") },
	  .expect = NOMATCH, .invalid = 1, .warn = "4 nor 16" },
	{ "hostile", "U+2024 ONE DOT LEADER is not a dot in a U-label CN",
	  "corp.example", C2S, R6125, .cn = { CN("corp\xe2\x80\xa4" "example") },
	  .expect = NOMATCH, .invalid = 1 },

	/* --- services: https (Tomcat) and IP references --- */
	{ "service", "https: dNSName equal to the host FQDN matches",
	  "cup1.corp.example", HTTPS, R6125, .san = { DNS("cup1.corp.example") },
	  .expect = F_DNS, .value = "cup1.corp.example" },
	{ "service", "https: xmppAddr is not an HTTPS identity",
	  "corp.example", HTTPS, R6125, .san = { XMPP("corp.example") },
	  .expect = NOMATCH },
	{ "service", "https: SRV-ID is not an HTTPS identity",
	  "corp.example", HTTPS, R6125, .san = { SRV("_xmpp-client.corp.example") },
	  .expect = NOMATCH },
	{ "service", "https: IP reference matches an iPAddress SAN (RFC 6125 1.7.2)",
	  "127.0.0.2", HTTPS, R6125, .san = { IP("\x7f\x00\x00\x02") },
	  .expect = F_IP, .value = "127.0.0.2" },
	{ "service", "https: IP reference never matches a dNSName spelling it",
	  "127.0.0.2", HTTPS, R6125, .san = { DNS("127.0.0.2") },
	  .expect = NOMATCH },
	{ "service", "c2s: an IP address is not an XMPP domain (seed: use FQDNs)",
	  "127.0.0.2", C2S, R6125, .san = { IP("\x7f\x00\x00\x02") },
	  .expect = NOMATCH },
	{ "service", "https: bracketed IPv6 reference matches an IPv6 SAN",
	  "[::1]", HTTPS, R6125,
	  .san = { IP("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01") },
	  .expect = F_IP, .value = "::1" },
	{ "service", "https: another IP address does not match",
	  "127.0.0.3", HTTPS, R6125, .san = { IP("\x7f\x00\x00\x02") },
	  .expect = NOMATCH },

	/* --- reference identifiers --- */
	{ "reference", "an empty domain is refused",
	  "", C2S, R6125, .san = { DNS("corp.example") }, .expect = BADREF },
	{ "reference", "a domain with an empty label is refused",
	  "corp..example", C2S, R6125, .san = { DNS("corp.example") },
	  .expect = BADREF },
	{ "reference", "a wildcard reference is refused",
	  "*.corp.example", C2S, R6125, .san = { DNS("*.corp.example") },
	  .expect = BADREF },
	{ "reference", "two trailing dots are refused",
	  "corp.example..", C2S, R6125, .san = { DNS("corp.example") },
	  .expect = BADREF },
	{ "reference", "upper-case U-label reference maps to the A-label",
	  "B\xc3\x9c" "CHER.example", C2S, R6125, .san = { DNS("xn--bcher-kva.example") },
	  .expect = F_DNS, .value = "xn--bcher-kva.example" },
	{ "reference", "ASCII names with '--' are kept, not run through IDNA",
	  "ex--ample.com", C2S, R6125, .san = { DNS("ex--ample.com") },
	  .expect = F_DNS, .value = "ex--ample.com" },
	{ "reference", "a domain with a NUL-free but invalid character is refused",
	  "corp_example!", C2S, R6125, .san = { DNS("corp.example") },
	  .expect = BADREF },
};

static ASN1_STRING *
str(int type, const struct bytes *b)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	assert_non_null(s);
	assert_int_equal(ASN1_STRING_set(s, b->s, (int)b->len), 1);
	return s;
}

static GENERAL_NAME *
general_name(const struct bytes *b)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_TYPE *v;

	assert_non_null(g);
	switch (b->kind) {
	case K_DNS:
		GENERAL_NAME_set0_value(g, GEN_DNS, str(V_ASN1_IA5STRING, b));
		break;
	case K_URI:
		GENERAL_NAME_set0_value(g, GEN_URI, str(V_ASN1_IA5STRING, b));
		break;
	case K_IP:
		GENERAL_NAME_set0_value(g, GEN_IPADD, str(V_ASN1_OCTET_STRING, b));
		break;
	case K_XMPP:
	case K_SRV:
		v = ASN1_TYPE_new();
		assert_non_null(v);
		if (b->type == V_ASN1_NULL)
			ASN1_TYPE_set(v, V_ASN1_NULL, NULL);
		else
			ASN1_TYPE_set(v, b->type, str(b->type, b));
		assert_int_equal(GENERAL_NAME_set0_othername(g,
			OBJ_nid2obj(b->kind == K_XMPP ? NID_XmppAddr : NID_SRVName),
			v), 1);
		break;
	default:
		fail();
	}
	return g;
}

static X509 *
build(const struct row *r)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	int n = 0;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	for (size_t i = 0; i < 3 && r->cn[i].s; i++)
		assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName,
			V_ASN1_UTF8STRING, (const unsigned char *)r->cn[i].s,
			(int)r->cn[i].len, -1, 0), 1);
	for (size_t i = 0; i < 4 && r->san[i].kind; i++, n++)
		sk_GENERAL_NAME_push(names, general_name(&r->san[i]));
	for (int k = 0; n > 0 && k < (r->dup_san ? 2 : 1); k++)
		assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, names,
			0, X509V3_ADD_APPEND), 1);
	if (r->bad_san) {
		/* A SEQUENCE claiming 16 bytes with 3 present, then a stray tag. */
		static const unsigned char junk[] = { 0x30, 0x10, 0x82, 0x01, 0x61, 0xff };
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext;
		assert_int_equal(ASN1_OCTET_STRING_set(os, junk, sizeof(junk)), 1);
		ext = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name, 0, os);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
	}
	GENERAL_NAMES_free(names);
	return x;
}

static void
run_row(void **state)
{
	const struct row *r = *state;
	struct xcv_identity id;
	X509 *x = build(r);
	int rc, invalid = 0;

	rc = xcv_identity_check(&id, x, r->domain, r->service, r->policy);
	X509_free(x);
	if (r->expect == BADREF) {
		assert_int_equal(rc, XCV_EINPUT);
		return;
	}
	assert_int_equal(rc, 0);
	for (size_t i = 0; i < id.n_presented; i++)
		invalid += !id.presented[i].valid;
	if (r->expect == NOMATCH) {
		if (id.matched)
			print_error("unexpected match: %s %s\n",
				xcv_field_name(id.presented[id.match].field),
				id.presented[id.match].value);
		assert_false(id.matched);
	} else {
		assert_true(id.matched);
		assert_string_equal(xcv_field_name(id.presented[id.match].field),
			xcv_field_name((enum xcv_field)r->expect));
		assert_string_equal(id.presented[id.match].value, r->value);
	}
	assert_int_equal(invalid, r->invalid);
	if (r->warn != NULL) {
		bool found = false;
		for (size_t i = 0; i < id.warnings.n; i++)
			found |= strstr(id.warnings.v[i], r->warn) != NULL;
		if (!found)
			print_error("no warning contains '%s'\n", r->warn);
		assert_true(found);
	}
	xcv_identity_clear(&id);
}

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

int
main(int argc, char **argv)
{
	/* Every row, named "group: why"; a group is picked by cmocka's filter. */
	static struct CMUnitTest tests[N_ROWS];
	static char names[N_ROWS][160];
	static char filter[sizeof(names[0])];
	const char *group = argc > 1 ? argv[1] : NULL;
	size_t k = 0;

	for (size_t i = 0; i < N_ROWS; i++) {
		int n = snprintf(names[i], sizeof(names[i]), "%s: %s",
			rows[i].group, rows[i].why);
		if (n < 0 || (size_t)n >= sizeof(names[i])) {
			fprintf(stderr, "row name too long: %s\n", rows[i].why);
			return 1;
		}
		tests[i].name = names[i];
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
		k += group == NULL || strcmp(group, rows[i].group) == 0;
	}
	if (k == 0) {
		fprintf(stderr, "no rows in group '%s'\n", group ? group : "");
		return 1;
	}
	if (group != NULL) {
		/* Shorter than the names it prefixes, so it fits. */
		snprintf(filter, sizeof(filter), "%s: *", group);
		cmocka_set_test_filter(filter);
	}
	return cmocka_run_group_tests_name(group ? group : "identity", tests,
		NULL, NULL);
}
