/* Parsing TARGET and --resolve. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "net.h"

void
xcv_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%d", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%d", ip, ntohs(s4->sin_port));
	}
}

/* A port: 1 to 65535 in decimal digits, nothing else (no sign, no
 * blanks). */
static int
parse_port(const char *s, int *out)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	v = strtol(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

void
xcv_target_clear(struct xcv_target *t)
{
	free(t->host);
	free(t->jid_domain);
	memset(t, 0, sizeof(*t));
}

int
xcv_target_parse(struct xcv_target *t, const char *text)
{
	char *copy = NULL, *host, *at, *slash, *colon;
	bool jid;
	int rc = XCV_EINPUT;

	memset(t, 0, sizeof(*t));
	if (text == NULL || *text == '\0')
		return xcv_set_error(XCV_EINPUT, "empty TARGET");
	if (strstr(text, "://") != NULL)
		return xcv_set_error(XCV_EINPUT, "'%s' is a URL; give host[:port], "
			"[v6]:port, a JID or a domain", text);
	copy = xcv_strdup(text);
	if (copy == NULL)
		return xcv_oom();
	host = copy;
	/* A JID: [localpart@]domainpart[/resourcepart]; only the domain
	 * matters. The resource is everything after the first '/' and may
	 * hold '@'; the localpart may not (RFC 7622 §3). */
	slash = strchr(host, '/');
	if (slash != NULL)
		*slash = '\0';
	at = strchr(host, '@');
	jid = at != NULL || slash != NULL;
	if (at != NULL)
		host = at + 1;
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (close == NULL) {
			xcv_set_error(XCV_EINPUT, "'%s': missing ']'", text);
			goto out;
		}
		*close = '\0';
		if (close[1] == ':') {
			if (parse_port(close + 2, &t->port) < 0) {
				xcv_set_error(XCV_EINPUT, "'%s': bad port", text);
				goto out;
			}
		} else if (close[1] != '\0') {
			xcv_set_error(XCV_EINPUT, "'%s': unexpected text after ']'",
				text);
			goto out;
		}
		host++;
		/* Brackets hold an IPv6 address (RFC 3986 §3.2.2). */
		if (!strchr(host, ':')) {
			xcv_set_error(XCV_EINPUT, "'%s': brackets hold an IPv6 "
				"address, not '%s'", text, host);
			goto out;
		}
	} else if ((colon = strchr(host, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		if (parse_port(colon + 1, &t->port) < 0) {
			xcv_set_error(XCV_EINPUT, "'%s': bad port '%s'", text,
				colon + 1);
			goto out;
		}
	}
	if ((rc = xcv_reference_normalize(&t->host, &t->host_is_ip, host)) < 0) {
		if (rc == XCV_EINPUT)
			xcv_wrap_error(rc, "target");
		goto out;
	}
	rc = XCV_EINPUT;
	if (jid) {
		if (t->host_is_ip || at == copy) {
			xcv_set_error(XCV_EINPUT, "'%s' is not a JID with a domain",
				text);
			goto out;
		}
		t->jid_domain = xcv_strdup(t->host);
		if (t->jid_domain == NULL) {
			rc = xcv_oom();
			goto out;
		}
	}
	rc = 0;
out:
	free(copy);
	if (rc < 0)
		xcv_target_clear(t);
	return rc;
}

static int
addr_parse(struct sockaddr_storage *ss, socklen_t *len, const char *text,
	int port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(text);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (n >= sizeof(buf))
		return -1;
	if (text[0] == '[' && text[n - 1] == ']') {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
	} else {
		memcpy(buf, text, n + 1);
	}
	if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

int
xcv_pin_parse(struct xcv_pin *pin, const char *text)
{
	const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char host[256], port[8], *norm = NULL;
	bool ip;
	int rc;

	memset(pin, 0, sizeof(*pin));
	if (c1 == NULL || c2 == NULL || c1 == text ||
	    (size_t)(c1 - text) >= sizeof(host) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(port))
		return xcv_set_error(XCV_EINPUT, "address pin '%s': expected "
			"HOST:PORT:ADDRESS", text);
	memcpy(host, text, (size_t)(c1 - text));
	host[c1 - text] = '\0';
	memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
	port[c2 - c1 - 1] = '\0';
	if (parse_port(port, &pin->port) < 0)
		return xcv_set_error(XCV_EINPUT, "address pin '%s': bad port", text);
	if (addr_parse(&pin->addr, &pin->addrlen, c2 + 1, pin->port) < 0)
		return xcv_set_error(XCV_EINPUT, "address pin '%s': '%s' is not an "
			"IP address", text, c2 + 1);
	/* The host as a target names it: lower-case A-labels, no trailing
	 * dot, so that a pin matches however either is written. */
	rc = xcv_reference_normalize(&norm, &ip, host);
	if (rc < 0)
		return rc == XCV_EINPUT ? xcv_wrap_error(rc, "address pin '%s'",
			text) : rc;
	if (strlen(norm) >= sizeof(pin->host)) {
		free(norm);
		return xcv_set_error(XCV_EINPUT, "address pin '%s': host name too "
			"long", text);
	}
	strcpy(pin->host, norm);
	free(norm);
	return 0;
}

int
xcv_addr_parse(struct sockaddr_storage *ss, socklen_t *len, const char *text,
	int port)
{
	return addr_parse(ss, len, text, port);
}
