/*
 * TARGET and HOST:PORT:ADDRESS pins as the user writes them, one row per
 * case: the return code, every field of the result and, for a refusal, a
 * fragment of the message.
 *
 * Run: test_target [GROUP]   (groups: host port ip jid bad pin)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L61 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NAME253 L63 "." L63 "." L63 "." L61
_Static_assert(sizeof(L63) - 1 == 63, "L63 is one 63-octet label");
_Static_assert(sizeof(NAME253) - 1 == 253, "NAME253 is 253 octets");

struct target_row {
	const char *group;
	const char *why;          /* the case, and the rule it pins */
	const char *in;
	int rc;                   /* 0 or XCV_EINPUT */
	const char *host;         /* expected host; NULL when refused */
	bool ip;                  /* expected host_is_ip */
	int port;                 /* expected port; 0: none given */
	const char *jid;          /* expected jid_domain, or NULL */
	const char *err;          /* fragment of xcv_error_last() when refused */
};

static const struct target_row targets[] = {
	/* --- host names: lower-case A-labels (RFC 5890), one trailing dot dropped --- */
	{ "host", "a plain host name is kept, with no port and no JID",
	  "corp.example", .host = "corp.example" },
	{ "host", "a one-label name is a host name",
	  "localhost", .host = "localhost" },
	{ "host", "upper case is folded to lower case",
	  "Corp.EXAMPLE", .host = "corp.example" },
	{ "host", "a U-label becomes its A-label (RFC 5891 4.4)",
	  "b\xc3\xbc" "cher.example", .host = "xn--bcher-kva.example" },
	{ "host", "an upper-case U-label becomes the lower-case A-label",
	  "B\xc3\x9c" "CHER.Example", .host = "xn--bcher-kva.example" },
	{ "host", "an A-label is kept as written, lower-cased",
	  "XN--BCHER-KVA.example", .host = "xn--bcher-kva.example" },
	{ "host", "one trailing dot is dropped (RFC 6125 6.2.1)",
	  "corp.example.", .host = "corp.example" },
	{ "host", "a 63-octet label is allowed (RFC 1035 2.3.4)",
	  L63 ".example", .host = L63 ".example" },
	{ "host", "a 253-octet name is allowed (RFC 1035 2.3.4)",
	  NAME253, .host = NAME253 },
	{ "host", "a 253-octet name with its trailing dot is allowed",
	  NAME253 ".", .host = NAME253 },

	/* --- host:port --- */
	{ "port", "host:port gives the port",
	  "corp.example:5223", .host = "corp.example", .port = 5223 },
	{ "port", "port 1 is the lowest",
	  "corp.example:1", .host = "corp.example", .port = 1 },
	{ "port", "port 65535 is the highest",
	  "corp.example:65535", .host = "corp.example", .port = 65535 },
	{ "port", "a port after a trailing dot",
	  "Corp.Example.:5269", .host = "corp.example", .port = 5269 },
	{ "port", "leading zeros are still a decimal port",
	  "corp.example:05222", .host = "corp.example", .port = 5222 },
	{ "port", "port 0 is refused",
	  "corp.example:0", XCV_EINPUT, .err = "bad port '0'" },
	{ "port", "port 65536 is refused",
	  "corp.example:65536", XCV_EINPUT, .err = "bad port '65536'" },
	{ "port", "port 99999 is refused",
	  "corp.example:99999", XCV_EINPUT, .err = "bad port '99999'" },
	{ "port", "a port that overflows a long is refused",
	  "corp.example:99999999999999999999", XCV_EINPUT, .err = "bad port" },
	{ "port", "an empty port after ':' is refused",
	  "corp.example:", XCV_EINPUT, .err = "bad port ''" },
	{ "port", "a service name is not a port",
	  "corp.example:xmpp", XCV_EINPUT, .err = "bad port 'xmpp'" },
	{ "port", "digits followed by text are not a port",
	  "corp.example:5222x", XCV_EINPUT, .err = "bad port '5222x'" },
	{ "port", "a port is digits only: no sign",
	  "corp.example:+5222", XCV_EINPUT, .err = "bad port '+5222'" },

	/* --- IP literals: host_is_ip, RFC 5952 text, [v6]:port --- */
	{ "ip", "an IPv4 address is an IP, with no port",
	  "127.0.0.2", .host = "127.0.0.2", .ip = true },
	{ "ip", "IPv4:port gives the port",
	  "127.0.0.2:5222", .host = "127.0.0.2", .ip = true, .port = 5222 },
	{ "ip", "IPv4 with a bad port is refused",
	  "127.0.0.2:0", XCV_EINPUT, .err = "bad port '0'" },
	{ "ip", "a bare IPv6 address is an IP, with no port",
	  "2001:db8::1", .host = "2001:db8::1", .ip = true },
	{ "ip", "IPv6 is shown in its RFC 5952 form (lower case, shortest)",
	  "2001:DB8:0:0::1", .host = "2001:db8::1", .ip = true },
	{ "ip", "the IPv6 loopback",
	  "::1", .host = "::1", .ip = true },
	{ "ip", "a bare IPv6 address keeps its last group: a port needs brackets",
	  "2001:db8::1:5222", .host = "2001:db8::1:5222", .ip = true },
	{ "ip", "[v6] without a port is the address, no brackets kept",
	  "[::1]", .host = "::1", .ip = true },
	{ "ip", "[v6]:port gives the address and the port (RFC 3986 3.2.2)",
	  "[2001:db8::1]:5222", .host = "2001:db8::1", .ip = true, .port = 5222 },
	{ "ip", "[v6]:port is normalised like a bare v6",
	  "[2001:DB8:0::1]:5269", .host = "2001:db8::1", .ip = true, .port = 5269 },
	{ "ip", "[v6] with port 0 is refused",
	  "[::1]:0", XCV_EINPUT, .err = "bad port" },
	{ "ip", "[v6] with port 65536 is refused",
	  "[::1]:65536", XCV_EINPUT, .err = "bad port" },
	{ "ip", "[v6] with an empty port is refused",
	  "[::1]:", XCV_EINPUT, .err = "bad port" },
	{ "ip", "'[' without ']' is refused",
	  "[::1", XCV_EINPUT, .err = "missing ']'" },
	{ "ip", "'[' without ']' is refused, even with a port-like tail",
	  "[2001:db8::1:5222", XCV_EINPUT, .err = "missing ']'" },
	{ "ip", "text after ']' other than ':port' is refused",
	  "[::1]5222", XCV_EINPUT, .err = "unexpected text after ']'" },
	{ "ip", "a second bracket after ']' is refused",
	  "[::1]]", XCV_EINPUT, .err = "unexpected text after ']'" },
	{ "ip", "brackets hold an IPv6 address, not a name",
	  "[corp.example]:5222", XCV_EINPUT, .err = "IPv6" },

	/* --- JIDs: user@domain[/resource] (RFC 7622 3.1); the domain is the host --- */
	{ "jid", "a bare JID gives its domain as host and JID domain",
	  "alice@corp.example", .host = "corp.example", .jid = "corp.example" },
	{ "jid", "the resource of a full JID is dropped",
	  "alice@corp.example/phone", .host = "corp.example",
	  .jid = "corp.example" },
	{ "jid", "the JID domain is lower-cased like a host",
	  "Alice@Corp.EXAMPLE/Phone", .host = "corp.example",
	  .jid = "corp.example" },
	{ "jid", "a U-label JID domain becomes its A-label",
	  "alice@b\xc3\xbc" "cher.example", .host = "xn--bcher-kva.example",
	  .jid = "xn--bcher-kva.example" },
	{ "jid", "a JID domain loses one trailing dot",
	  "alice@corp.example.", .host = "corp.example", .jid = "corp.example" },
	{ "jid", "port-like text in the resource is not a port",
	  "alice@corp.example/laptop:5222", .host = "corp.example",
	  .jid = "corp.example" },
	{ "jid", "a port after the domain is taken as the port",
	  "alice@corp.example:5223", .host = "corp.example", .port = 5223,
	  .jid = "corp.example" },
	{ "jid", "a port after the domain, before the resource",
	  "alice@corp.example:5223/phone", .host = "corp.example", .port = 5223,
	  .jid = "corp.example" },
	{ "jid", "a bad port after a JID domain is refused",
	  "alice@corp.example:0", XCV_EINPUT, .err = "bad port '0'" },
	{ "jid", "'@' in the resource does not move the domain (RFC 7622 3.1)",
	  "alice@corp.example/phone@home", .host = "corp.example",
	  .jid = "corp.example" },
	{ "jid", "'@' with no localpart is not a JID",
	  "@corp.example", XCV_EINPUT, .err = "not a JID with a domain" },
	{ "jid", "'@' with no domain is refused",
	  "alice@", XCV_EINPUT, .err = "the domain is empty" },
	{ "jid", "a JID whose domain is an IPv4 address is refused",
	  "alice@127.0.0.1", XCV_EINPUT, .err = "not a JID with a domain" },
	{ "jid", "a JID whose domain is a bracketed IPv6 address is refused",
	  "alice@[::1]", XCV_EINPUT, .err = "not a JID with a domain" },
	{ "jid", "a JID whose domain is a bare IPv6 address is refused",
	  "alice@::1", XCV_EINPUT, .err = "not a JID with a domain" },
	{ "jid", "a JID domain with an empty label is refused",
	  "alice@corp..example", XCV_EINPUT, .err = "empty label" },

	/* --- what is not a TARGET --- */
	{ "bad", "an empty TARGET is refused",
	  "", XCV_EINPUT, .err = "empty TARGET" },
	{ "bad", "no TARGET at all (NULL) is refused",
	  NULL, XCV_EINPUT, .err = "empty TARGET" },
	{ "bad", "an empty label inside is refused",
	  "corp..example", XCV_EINPUT, .err = "has an empty label" },
	{ "bad", "an empty first label is refused",
	  ".corp.example", XCV_EINPUT, .err = "has an empty label" },
	{ "bad", "a lone dot is refused",
	  ".", XCV_EINPUT, .err = "empty" },
	{ "bad", "only one trailing dot is dropped",
	  "corp.example..", XCV_EINPUT, .err = "ends with a dot" },
	{ "bad", "an empty label before the port is refused",
	  "corp..example:5222", XCV_EINPUT, .err = "has an empty label" },
	{ "bad", "a 64-octet label is refused (RFC 1035 2.3.4)",
	  L63 "a.example", XCV_EINPUT, .err = "label longer than 63" },
	{ "bad", "a 254-octet name is refused (RFC 1035 2.3.4)",
	  NAME253 "b", XCV_EINPUT, .err = "longer than 253" },
	{ "bad", "a space is not allowed in a host name",
	  "corp example", XCV_EINPUT, .err = "not allowed in a host name" },
	{ "bad", "two colons after a name are neither a port nor IPv6",
	  "corp.example:5222:5223", XCV_EINPUT,
	  .err = "not allowed in a host name" },
	{ "bad", "a URL is not a TARGET",
	  "xmpp://corp.example", XCV_EINPUT, .err = "is a URL" },
	{ "bad", "a wildcard is not a TARGET",
	  "*.corp.example", XCV_EINPUT, .err = "wildcard" },
};

struct pin_row {
	const char *why;          /* the case, and the rule it pins */
	const char *in;
	int rc;                   /* 0 or XCV_EINPUT */
	const char *host;         /* expected host */
	int port;                 /* expected port, also in the address */
	int family;               /* AF_INET or AF_INET6 */
	const char *addr;         /* expected address, as inet_ntop() writes it */
	const char *err;          /* fragment of xcv_error_last() when refused */
};

static const struct pin_row pins[] = {
	{ "HOST:PORT:IPv4 pins the host and port to the address",
	  "corp.example:5222:127.0.0.2", .host = "corp.example", .port = 5222,
	  .family = AF_INET, .addr = "127.0.0.2" },
	{ "the pin's host is lower-cased",
	  "CORP.Example:5269:127.0.0.2", .host = "corp.example", .port = 5269,
	  .family = AF_INET, .addr = "127.0.0.2" },
	{ "HOST:PORT:IPv6, unbracketed (everything after the second ':')",
	  "corp.example:5222:::1", .host = "corp.example", .port = 5222,
	  .family = AF_INET6, .addr = "::1" },
	{ "HOST:PORT:[IPv6], bracketed",
	  "corp.example:5222:[::1]", .host = "corp.example", .port = 5222,
	  .family = AF_INET6, .addr = "::1" },
	{ "a longer IPv6 address, bracketed",
	  "corp.example:5269:[2001:DB8::1]", .host = "corp.example", .port = 5269,
	  .family = AF_INET6, .addr = "2001:db8::1" },
	{ "port 65535 is the highest",
	  "corp.example:65535:127.0.0.2", .host = "corp.example", .port = 65535,
	  .family = AF_INET, .addr = "127.0.0.2" },
	{ "a U-label host becomes its A-label, as in TARGET",
	  "b\xc3\xbc" "cher.example:5222:127.0.0.2",
	  .host = "xn--bcher-kva.example", .port = 5222, .family = AF_INET,
	  .addr = "127.0.0.2" },
	{ "one trailing dot on the host is dropped, as in TARGET",
	  "corp.example.:5222:127.0.0.2", .host = "corp.example", .port = 5222,
	  .family = AF_INET, .addr = "127.0.0.2" },
	{ "port 0 is refused",
	  "corp.example:0:127.0.0.2", XCV_EINPUT, .err = "bad port" },
	{ "port 65536 is refused",
	  "corp.example:65536:127.0.0.2", XCV_EINPUT, .err = "bad port" },
	{ "an empty port is refused",
	  "corp.example::127.0.0.2", XCV_EINPUT, .err = "bad port" },
	{ "a service name is not a port",
	  "corp.example:xmpp:127.0.0.2", XCV_EINPUT, .err = "bad port" },
	{ "a name is not an address",
	  "corp.example:5222:corp.example", XCV_EINPUT,
	  .err = "'corp.example' is not an IP address" },
	{ "an IPv4 octet over 255 is not an address",
	  "corp.example:5222:256.1.1.1", XCV_EINPUT,
	  .err = "'256.1.1.1' is not an IP address" },
	{ "'[' without ']' is not an address",
	  "corp.example:5222:[::1", XCV_EINPUT, .err = "is not an IP address" },
	{ "an empty address is refused",
	  "corp.example:5222:", XCV_EINPUT, .err = "is not an IP address" },
	{ "HOST:PORT without an address is refused",
	  "corp.example:5222", XCV_EINPUT, .err = "HOST:PORT:ADDRESS" },
	{ "a bare host is refused",
	  "corp.example", XCV_EINPUT, .err = "HOST:PORT:ADDRESS" },
	{ "an empty host is refused",
	  ":5222:127.0.0.2", XCV_EINPUT, .err = "HOST:PORT:ADDRESS" },
	{ "an empty pin is refused",
	  "", XCV_EINPUT, .err = "HOST:PORT:ADDRESS" },
	{ "a host of 256 octets does not fit and is refused",
	  NAME253 "bbb:5222:127.0.0.2", XCV_EINPUT, .err = "HOST:PORT:ADDRESS" },
};

#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))
#define N_PINS (sizeof(pins) / sizeof(pins[0]))

static bool
message_has(const char *fragment)
{
	return fragment == NULL || strstr(xcv_error_last(), fragment) != NULL;
}

static void
run_target(void **state)
{
	const struct target_row *r = *state;
	struct xcv_target t;
	int rc = xcv_target_parse(&t, r->in);

	if (rc != r->rc)
		print_error("rc %d: %s\n", rc, rc ? xcv_error_last() : "");
	assert_int_equal(rc, r->rc);
	if (r->host != NULL)
		assert_string_equal(t.host, r->host);
	else
		assert_null(t.host);
	assert_int_equal(t.host_is_ip, r->ip);
	assert_int_equal(t.port, r->port);
	if (r->jid != NULL)
		assert_string_equal(t.jid_domain, r->jid);
	else
		assert_null(t.jid_domain);
	if (rc != 0) {
		if (!message_has(r->err))
			print_error("message: %s\n", xcv_error_last());
		assert_non_null(r->err);
		assert_true(message_has(r->err));
	}
	xcv_target_clear(&t);
}

/* The pin's address as text, and its port; false unless of this family. */
static bool
pin_address(const struct xcv_pin *pin, int family, char *text, size_t len,
	int *port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&pin->addr;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&pin->addr;

	if (pin->addr.ss_family != family)
		return false;
	if (family == AF_INET) {
		*port = ntohs(s4->sin_port);
		return pin->addrlen == sizeof(*s4) &&
		    inet_ntop(AF_INET, &s4->sin_addr, text, (socklen_t)len);
	}
	*port = ntohs(s6->sin6_port);
	return pin->addrlen == sizeof(*s6) &&
	    inet_ntop(AF_INET6, &s6->sin6_addr, text, (socklen_t)len);
}

static void
run_pin(void **state)
{
	const struct pin_row *r = *state;
	struct xcv_pin pin;
	char text[INET6_ADDRSTRLEN] = "";
	int rc = xcv_pin_parse(&pin, r->in), port = 0;

	if (rc != r->rc)
		print_error("rc %d: %s\n", rc, rc ? xcv_error_last() : "");
	assert_int_equal(rc, r->rc);
	if (rc != 0) {
		/* Only the message counts: a refused pin is not used. */
		if (!message_has(r->err))
			print_error("message: %s\n", xcv_error_last());
		assert_non_null(r->err);
		assert_true(message_has(r->err));
		return;
	}
	assert_string_equal(pin.host, r->host);
	assert_int_equal(pin.port, r->port);
	assert_int_equal(pin.addr.ss_family, r->family);
	assert_true(pin_address(&pin, r->family, text, sizeof(text), &port));
	assert_string_equal(text, r->addr);
	assert_int_equal(port, r->port);
}

int
main(int argc, char **argv)
{
	/* Every row, named "group: why"; a group is picked by cmocka's filter. */
	static struct CMUnitTest tests[N_TARGETS + N_PINS];
	static char names[N_TARGETS + N_PINS][160];
	static char filter[sizeof(names[0])];
	const char *group = argc > 1 ? argv[1] : NULL;
	size_t k = 0;

	for (size_t i = 0; i < N_TARGETS + N_PINS; i++) {
		bool pin = i >= N_TARGETS;
		const char *g = pin ? "pin" : targets[i].group;
		const char *why = pin ? pins[i - N_TARGETS].why : targets[i].why;
		int n = snprintf(names[i], sizeof(names[i]), "%s: %s", g, why);

		if (n < 0 || (size_t)n >= sizeof(names[i])) {
			fprintf(stderr, "row name too long: %s\n", why);
			return 1;
		}
		tests[i].name = names[i];
		tests[i].test_func = pin ? run_pin : run_target;
		tests[i].initial_state = pin ?
			(void *)(uintptr_t)&pins[i - N_TARGETS] :
			(void *)(uintptr_t)&targets[i];
		k += group == NULL || strcmp(group, g) == 0;
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
	return cmocka_run_group_tests_name(group ? group : "target", tests,
		NULL, NULL);
}
