/*
 * libFuzzer harness for what the user types as a place to connect: TARGET
 * (host, host:port, [v6]:port, addresses, JIDs), a --resolve
 * HOST:PORT:ADDRESS pin, and the candidate domains discovery derives from
 * a target and a given domain. The first byte picks which; the rest is
 * the text. Whatever parses must hold what its structure promises.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A name as the parsers keep it: non-empty, printable ASCII, no blanks. */
static void
check_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 1024)
		abort();
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			abort();
}

static void
target(const char *text, const char *given)
{
	struct xcv_target t = {0};
	struct xcv_discovery d = {0};

	if (xcv_target_parse(&t, text) != 0) {
		xcv_target_clear(&t);
		return;
	}
	check_name(t.host);
	if (t.port < 0 || t.port > 65535)
		abort();
	if (t.host_is_ip) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, t.host, buf) != 1 &&
		    inet_pton(AF_INET6, t.host, buf) != 1)
			abort();
	}
	if (t.jid_domain != NULL)
		check_name(t.jid_domain);
	if (xcv_discovery_init(&d, &t, given) == 0) {
		for (size_t i = 0; i < d.candidates.n; i++)
			check_name(d.candidates.v[i]);
		if (d.given != NULL && (d.candidates.n == 0 ||
		    strcmp(d.candidates.v[0], d.given) != 0))
			abort();
	}
	xcv_discovery_clear(&d);
	xcv_target_clear(&t);
}

static void
pin(const char *text)
{
	struct xcv_pin p;

	memset(&p, 0, sizeof(p));
	if (xcv_pin_parse(&p, text) != 0)
		return;
	if (p.host[0] == '\0' || memchr(p.host, '\0', sizeof(p.host)) == NULL)
		abort();
	if (p.port <= 0 || p.port > 65535)
		abort();
	if (p.addrlen == 0 || p.addrlen > sizeof(p.addr) ||
	    (p.addr.ss_family != AF_INET && p.addr.ss_family != AF_INET6))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *given = NULL;

	if (size < 1 || size > 4096)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		target(text, NULL);
		break;
	case 1:
		/* "TARGET GIVEN": a target and a given domain. */
		if ((given = strchr(text, ' ')) != NULL)
			*given++ = '\0';
		target(text, given);
		break;
	default:
		pin(text);
		break;
	}
	free(text);
	return 0;
}
