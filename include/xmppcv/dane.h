#ifndef XMPPCV_DANE_H
#define XMPPCV_DANE_H

#include <xmppcv/chain.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TLSA certificate usages (RFC 6698 §2.1.1, names of RFC 7218). */
enum xcv_tlsa_usage {
	XCV_TLSA_PKIX_TA = 0,
	XCV_TLSA_PKIX_EE = 1,
	XCV_TLSA_DANE_TA = 2,
	XCV_TLSA_DANE_EE = 3,
};

/* A TLSA record to publish for a chain. */
struct xcv_tlsa_record {
	char *data;          /* "3 1 1 <hex>", as a zone file writes it */
	size_t index;        /* the certificate of the chain it names */
	char *subject;       /* that certificate's subject (RFC 2253) */
	int64_t not_after;   /* and its expiry, Unix seconds */
};

/*
 * The TLSA record data (RFC 6698 §2.1) of usage, selector (0 the whole
 * certificate, 1 its SubjectPublicKeyInfo) and matching type (0 exact,
 * 1 SHA-256, 2 SHA-512) for chain (leaf first): an end-entity usage (1,
 * 3) names the leaf; a trust-anchor usage (0, 2) the last CA certificate
 * of the chain, which RFC 7671 §5.2 requires the server to send.
 * XCV_EINPUT for a value out of range or a chain without a CA certificate
 * after the leaf for a trust-anchor usage; XCV_ENOMEM. Free with
 * xcv_tlsa_record_clear().
 */
int xcv_tlsa_record(struct xcv_tlsa_record *out, const struct xcv_chain *chain,
	int usage, int selector, int mtype);
void xcv_tlsa_record_clear(struct xcv_tlsa_record *r);

#ifdef __cplusplus
}
#endif
#endif
