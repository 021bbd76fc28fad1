/* Targets, name resolution and probes (live checks). */
#ifndef XCV_NET_H
#define XCV_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "internal.h"

/* TARGET as the user wrote it. */
struct xcv_target {
	char *host;          /* A-label name, or IP text without brackets */
	bool host_is_ip;
	int port;            /* 0: none given */
	char *jid_domain;    /* domain of user@domain[/resource], or NULL */
};

/* Parse host, host:port, [v6]:port, v4, v6, user@domain[/res]. */
int xcv_target_parse(struct xcv_target *t, const char *text);
void xcv_target_clear(struct xcv_target *t);

/* One address to connect to, and how it was found. */
struct xcv_endpoint {
	char *host;                      /* the name it belongs to */
	int port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char addrtext[INET6_ADDRSTRLEN + 8];   /* "127.0.0.2:5222" / "[::1]:5222" */
	const char *how;                 /* "pinned", "SRV", "A/AAAA", "address" */
};

struct xcv_endpoints {
	struct xcv_endpoint *v;
	size_t n;
	struct xcv_strv records;         /* what DNS said, for the report */
};
void xcv_endpoints_clear(struct xcv_endpoints *e);

/* A --resolve HOST:PORT:ADDR pin. */
struct xcv_pin {
	char host[256];
	int port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};
int xcv_pin_parse(struct xcv_pin *pin, const char *text);

struct xcv_resolve_params {
	const struct xcv_target *target;
	enum xcv_service service;
	bool direct_tls;
	const struct xcv_pin *pins;
	size_t n_pins;
	const char *dns_server;          /* "ADDR[:PORT]" or NULL for the system's */
	int timeout_ms;
};

/*
 * Turn a target into endpoints: a literal address; or --resolve pins; or
 * SRV records (_xmpp-client/_xmpp-server, _xmpps-* for direct TLS) in
 * RFC 2782 order with A/AAAA for each; or A/AAAA on the default port.
 * XCV_ECONNECT with a message when nothing can be found.
 */
int xcv_resolve(struct xcv_endpoints *out, const struct xcv_resolve_params *p);

/* The SRV records of a domain's four XMPP services, in RFC 2782 order. */
enum { XCV_SRV_C2S, XCV_SRV_S2S, XCV_SRV_C2S_TLS, XCV_SRV_S2S_TLS,
	XCV_SRV_COUNT };
struct xcv_srv_target {
	char *host;                      /* lower-case, as the record names it */
	int port;
};
struct xcv_srv_set {
	struct xcv_srv_target *v[XCV_SRV_COUNT];
	size_t n[XCV_SRV_COUNT];
	bool none[XCV_SRV_COUNT];        /* target ".": no such service */
};
/* Ask for all four at once; what DNS said goes into records. A name
 * without records is not an error. */
int xcv_resolve_srv_set(struct xcv_srv_set *set, struct xcv_strv *records,
	const char *domain, const char *dns_server, int timeout_ms);
void xcv_srv_set_clear(struct xcv_srv_set *set);

/* The addresses of n hosts at once: out[i] for hosts[i], port 0. A pin or
 * an address literal answers without DNS; a host without address has an
 * empty out[i] whose records say why. */
int xcv_resolve_hosts(struct xcv_endpoints *out, const char *const *hosts,
	size_t n, const struct xcv_pin *pins, size_t n_pins,
	const char *dns_server, int timeout_ms);

/* Parse an IPv4 or IPv6 address ([brackets] allowed) with a port. */
int xcv_addr_parse(struct sockaddr_storage *ss, socklen_t *len,
	const char *text, int port);

/* Format addr as "1.2.3.4:5" or "[::1]:5". */
void xcv_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* c-ares, set up now with the allocator that counts failures
 * (xcv_allocators()); without this call it is set up plainly on first
 * use. */
void xcv_resolve_allocator(void);

#endif
