#ifndef XMPPCV_POSH_H
#define XMPPCV_POSH_H

#include <xmppcv/chain.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * POSH (RFC 7711): a domain hosted elsewhere publishes, over HTTPS with a
 * certificate of its own, the fingerprints of the certificate its XMPP
 * service presents, at https://DOMAIN/.well-known/posh/xmpp-client.json
 * (c2s) and xmpp-server.json (s2s).
 *
 * The file to publish for these certificates (RFC 7711 §3.1): the first
 * certificate of each chain (the server's own; a chain's intermediates
 * are not what a POSH client compares), each by its SHA-256 and SHA-512
 * fingerprint, and expires (seconds others may cache it, 0 to 31536000).
 * JSON text ending in a newline into *out, freed with free(). XCV_EINPUT
 * for no chain, an empty chain or expires out of range.
 */
#define XCV_POSH_MAX_EXPIRES 31536000LL
int xcv_posh_document(char **out, const struct xcv_chain *const *chains,
	size_t n, long long expires);

#ifdef __cplusplus
}
#endif
#endif
