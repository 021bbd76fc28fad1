/* Profile checks on parsed certificates (profile.h). */
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "chain_internal.h"
#include "profile.h"

struct ctx {
	struct xcv_findings *out;
	X509 *x;
	int depth;
	const char *name;
	bool anchor;
	bool oom;
};

XCV_PRINTF(3, 4) static void
find(struct ctx *c, const char *code, const char *fmt, ...)
{
	struct xcv_finding *v;
	va_list ap;
	char *text, *name;

	va_start(ap, fmt);
	text = xcv_vasprintf(fmt, ap);
	va_end(ap);
	name = xcv_strdup(c->name);
	v = text && name ? realloc(c->out->v, (c->out->n + 1) * sizeof(*v)) :
		NULL;
	if (v == NULL) {
		free(text);
		free(name);
		c->oom = true;
		return;
	}
	c->out->v = v;
	v[c->out->n++] = (struct xcv_finding){ .code = code, .depth = c->depth,
		.name = name, .text = text, .anchor = c->anchor };
	c->out->n_anchor += c->anchor;
}

/* The extension with nid: its index, or -1; *critical set when found. */
static int
ext(X509 *x, int nid, bool *critical)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	*critical = i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i));
	return i;
}

/* RFC 5280 §4.2.1.1, §4.2.1.2: key identifiers link a certificate to its
 * issuer. */
static void
key_ids(struct ctx *c, bool ca, bool self_issued)
{
	bool crit;

	if (!self_issued && ext(c->x, NID_authority_key_identifier, &crit) < 0)
		find(c, "aki-missing", "\"%s\" has no authority key identifier; "
			"RFC 5280 §4.2.1.1 requires one in every certificate that "
			"is not self-issued, so that clients find the right issuer",
			c->name);
	else if (!self_issued && X509_get0_authority_key_id(c->x) == NULL)
		find(c, "aki-no-keyid", "the authority key identifier of \"%s\" "
			"has no keyIdentifier; RFC 5280 §4.2.1.1 requires it",
			c->name);
	if (ca && ext(c->x, NID_subject_key_identifier, &crit) < 0)
		find(c, "ski-missing", "the CA certificate \"%s\" has no subject "
			"key identifier; RFC 5280 §4.2.1.2 requires one in every CA "
			"certificate", c->name);
}

/* RFC 5280 §4.2.1.9, §4.2.1.3; CA/Browser Forum BR §7.1.2. */
static void
constraints(struct ctx *c, bool ca)
{
	uint32_t flags = X509_get_extension_flags(c->x);
	bool crit;
	int bc = ext(c->x, NID_basic_constraints, &crit);

	if (ca && bc < 0)
		find(c, "bc-missing", "the CA certificate \"%s\" has no basic "
			"constraints; RFC 5280 §4.2.1.9 requires them, marked "
			"critical, with cA true", c->name);
	else if (ca && !crit)
		find(c, "bc-not-critical", "the basic constraints of the CA "
			"certificate \"%s\" are not marked critical; RFC 5280 "
			"§4.2.1.9 requires it", c->name);
	if (!ca && (flags & EXFLAG_CA))
		find(c, "leaf-ca", "the server certificate \"%s\" says cA=TRUE: "
			"it could issue certificates; RFC 5280 §4.2.1.9 and the "
			"Baseline Requirements (§7.1.2.7.8) want cA false in a "
			"server certificate", c->name);
	if (!ca && (flags & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(c->x) & KU_KEY_CERT_SIGN))
		find(c, "leaf-keycertsign", "the server certificate \"%s\" has "
			"keyCertSign in its key usage; RFC 5280 §4.2.1.3 allows it "
			"only in CA certificates", c->name);
	if (!ca && ext(c->x, NID_name_constraints, &crit) >= 0)
		find(c, "leaf-name-constraints", "the server certificate \"%s\" "
			"has name constraints; RFC 5280 §4.2.1.10 allows them only "
			"in CA certificates", c->name);
}

/* RFC 5280 §4.1.2.6 and §4.2.1.6: an empty subject needs a critical
 * subjectAltName; a subject otherwise means it is not critical. */
static void
names(struct ctx *c)
{
	bool crit, empty = X509_NAME_entry_count(X509_get_subject_name(c->x)) == 0;

	if (ext(c->x, NID_subject_alt_name, &crit) < 0)
		return;
	if (empty && !crit)
		find(c, "empty-subject-san-not-critical", "\"%s\" has an empty "
			"subject and a subjectAltName not marked critical; RFC "
			"5280 §4.2.1.6 requires it critical then", c->name);
	else if (!empty && crit)
		find(c, "san-critical", "\"%s\" has a subject and a critical "
			"subjectAltName; RFC 5280 §4.2.1.6 and the Baseline "
			"Requirements (§7.1.2.7.12) want it not critical then",
			c->name);
}

/* RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. */
static void
serial(struct ctx *c)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(c->x);
	int der = i2d_ASN1_INTEGER(s, NULL), len = ASN1_STRING_length(s);
	const unsigned char *p = ASN1_STRING_get0_data(s);
	bool zero = true;

	for (int i = 0; i < len; i++)
		zero &= p[i] == 0;
	if (zero)
		find(c, "serial-zero", "the serial number of \"%s\" is zero; RFC "
			"5280 §4.1.2.2 requires a positive integer", c->name);
	else if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
		find(c, "serial-negative", "the serial number of \"%s\" is "
			"negative; RFC 5280 §4.1.2.2 requires a positive integer",
			c->name);
	/* The DER length minus the tag and a one-byte length. */
	if (der - 2 > 20)
		find(c, "serial-too-long", "the serial number of \"%s\" takes %d "
			"octets; RFC 5280 §4.1.2.2 allows at most 20", c->name,
			der - 2);
}

/* RFC 5280 §4.2.2.1: an extension present must decode. */
static void
info_access(struct ctx *c)
{
	AUTHORITY_INFO_ACCESS *aia;
	bool crit;

	if (ext(c->x, NID_info_access, &crit) < 0)
		return;
	aia = X509_get_ext_d2i(c->x, NID_info_access, NULL, NULL);
	if (aia == NULL)
		find(c, "aia-malformed", "the authority information access "
			"extension of \"%s\" does not decode; RFC 5280 §4.2.2.1 "
			"defines it as a sequence of access descriptions", c->name);
	AUTHORITY_INFO_ACCESS_free(aia);
}

/* Baseline Requirements §7.1.2.1 (roots) and §7.1.2.7.10 (servers). */
static void
key_usages(struct ctx *c, bool leaf, bool root)
{
	uint32_t flags = X509_get_extension_flags(c->x);
	bool crit;

	if (root && ext(c->x, NID_ext_key_usage, &crit) >= 0)
		find(c, "root-eku", "the root CA \"%s\" has an extended key "
			"usage; the Baseline Requirements (§7.1.2.1) forbid it in a "
			"root", c->name);
	if (leaf && (flags & EXFLAG_XKUSAGE) &&
	    (X509_get_extended_key_usage(c->x) & XKU_ANYEKU))
		find(c, "leaf-any-eku", "the server certificate \"%s\" allows "
			"anyExtendedKeyUsage; the Baseline Requirements "
			"(§7.1.2.7.10) forbid it: list serverAuth alone", c->name);
}

/* Baseline Requirements §6.1.5 and §7.1.3: RSA of 2048 bits or more, or
 * ECDSA on P-256, P-384 or P-521; no MD5 or SHA-1 signatures. */
static void
strength(struct ctx *c, bool own_signature_counts)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->x);
	int id = pk ? EVP_PKEY_get_base_id(pk) : NID_undef, md = NID_undef;
	char group[64];
	size_t glen = 0;

	if (id == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) < 2048)
		find(c, "rsa-too-small", "\"%s\" has an RSA key of %d bits; the "
			"Baseline Requirements (§6.1.5) require at least 2048",
			c->name, EVP_PKEY_get_bits(pk));
	else if (id == EVP_PKEY_DSA)
		find(c, "dsa-key", "\"%s\" has a DSA key; the Baseline "
			"Requirements (§6.1.5) allow RSA and ECDSA only", c->name);
	else if (id == EVP_PKEY_EC) {
		int nid = NID_undef;
		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof(group), &glen))
			nid = OBJ_sn2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 &&
		    nid != NID_secp521r1)
			find(c, "ec-curve", "\"%s\" has an EC key on %s; the "
				"Baseline Requirements (§6.1.5) allow P-256, P-384 "
				"and P-521 only", c->name, glen ? group :
				"an unnamed curve");
	} else if (id != EVP_PKEY_RSA) {
		find(c, "key-type", "\"%s\" has a %s key; the Baseline "
			"Requirements (§6.1.5) allow RSA and ECDSA only", c->name,
			id == NID_undef ? "unknown" : OBJ_nid2sn(id));
	}
	if (own_signature_counts &&
	    OBJ_find_sigid_algs(X509_get_signature_nid(c->x), &md, NULL) &&
	    (md == NID_md5 || md == NID_sha1))
		find(c, "weak-signature", "\"%s\" is signed with %s; the Baseline "
			"Requirements (§7.1.3.2) forbid MD5 and SHA-1 signatures",
			c->name, OBJ_nid2sn(md));
}

int
xcv_profile_check(struct xcv_findings *out, STACK_OF(X509) *chain,
	int anchor_depth)
{
	int n = chain ? sk_X509_num(chain) : 0;

	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, i);
		char *name = xcv_cert_short_name(x);
		struct ctx c = { .out = out, .x = x, .depth = i, .name = name,
			.anchor = i == anchor_depth };
		uint32_t flags = X509_get_extension_flags(x);
		bool leaf = i == 0, self_signed = (flags & EXFLAG_SS) != 0;
		bool root = !leaf && self_signed;

		if (name == NULL)
			return xcv_oom();
		/* A v1 or v2 certificate has no extensions to judge. */
		if (leaf && X509_get_version(x) < X509_VERSION_3)
			find(&c, "leaf-version", "the server certificate \"%s\" is "
				"version %ld; extensions such as subjectAltName need "
				"version 3 (RFC 5280 §4.1.2.1)", c.name,
				X509_get_version(x) + 1);
		else {
			key_ids(&c, !leaf, (flags & EXFLAG_SI) != 0);
			constraints(&c, !leaf);
			names(&c);
			info_access(&c);
			key_usages(&c, leaf, root);
		}
		serial(&c);
		strength(&c, !root);
		free(name);
		if (c.oom)
			return xcv_oom();
	}
	return 0;
}

void
xcv_findings_clear(struct xcv_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].text);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
	f->n_anchor = 0;
}

size_t
xcv_findings_defects(const struct xcv_findings *f)
{
	return f->n - f->n_anchor;
}
