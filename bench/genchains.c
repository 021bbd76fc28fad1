/*
 * Generate a fleet of chains for benchmarks: one EC root, an RSA-2048 and an
 * EC P-256 intermediate, and N leaves alternating between them, each leaf
 * naming DOMAIN as a dNSName. Leaf keys come from a small pool (key
 * generation is not what is measured; verification cost does not depend on
 * key reuse).
 *
 * usage: genchains OUTDIR N DOMAIN [cases]
 * writes OUTDIR/root.pem, OUTDIR/intermediates.pem, OUTDIR/chains/NNNNN.pem,
 * and with "cases" also OUTDIR/cases/NNNNN/{chain.pem,case.json}: captured
 * cases as `xmppcv capture` writes them, verified ok via dnsName DOMAIN as
 * at 2026-06-01 under OUTDIR/root.pem.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static EVP_PKEY *
key(int rsa)
{
	return rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL || !X509_add_ext(x, e, -1)) {
		fprintf(stderr, "genchains: extension %d failed\n", nid);
		exit(1);
	}
	X509_EXTENSION_free(e);
}

static X509 *
cert(const char *cn, EVP_PKEY *pk, X509 *issuer, EVP_PKEY *ipk, int ca,
	const char *san, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	/* 2026-01-01 .. 2036-01-01: benchmarks pin --at 2026-06-01. */
	ASN1_TIME_set(X509_getm_notBefore(x), 1767225600);
	ASN1_TIME_set(X509_getm_notAfter(x), 2082758400);
	X509_set_pubkey(x, pk);
	ext(x, issuer ? issuer : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ext(x, issuer ? issuer : x, NID_key_usage, ca ?
		"critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (!ca)
		ext(x, issuer, NID_ext_key_usage, "serverAuth");
	if (san)
		ext(x, issuer, NID_subject_alt_name, san);
	if (!X509_sign(x, ipk ? ipk : pk, EVP_sha256())) {
		fprintf(stderr, "genchains: signing failed\n");
		exit(1);
	}
	return x;
}

static void
write_pem(const char *path, X509 *a, X509 *b)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || !PEM_write_X509(f, a) || (b && !PEM_write_X509(f, b)) ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	enum { POOL = 4 };
	EVP_PKEY *rootk, *ik[2], *pool[2][POOL];
	X509 *root, *inter[2];
	char path[4096], san[512], cn[64];
	long n;

	int cases = argc == 5 && strcmp(argv[4], "cases") == 0;

	if ((argc != 4 && !cases) || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: genchains OUTDIR N DOMAIN [cases]\n");
		return 2;
	}
	if (cases) {
		snprintf(path, sizeof(path), "%s/cases", argv[1]);
		mkdir(argv[1], 0755);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/chains", argv[1]);
	mkdir(argv[1], 0755);
	mkdir(path, 0755);
	rootk = key(0);
	root = cert("Bench Root CA", rootk, NULL, NULL, 1, NULL, 1);
	for (int t = 0; t < 2; t++) {
		ik[t] = key(t == 0);
		inter[t] = cert(t == 0 ? "Bench RSA CA" : "Bench EC CA", ik[t],
			root, rootk, 1, NULL, 2 + t);
		for (int k = 0; k < POOL; k++)
			pool[t][k] = key(t == 0);
	}
	snprintf(path, sizeof(path), "%s/root.pem", argv[1]);
	write_pem(path, root, NULL);
	snprintf(path, sizeof(path), "%s/intermediates.pem", argv[1]);
	write_pem(path, inter[0], inter[1]);
	for (long i = 0; i < n; i++) {
		int t = (int)(i % 2);
		X509 *leaf;
		snprintf(cn, sizeof(cn), "node%ld.%s", i, argv[3]);
		snprintf(san, sizeof(san), "DNS:%s,DNS:%s", argv[3], cn);
		leaf = cert(cn, pool[t][(i / 2) % POOL], inter[t], ik[t], 0, san,
			100 + i);
		snprintf(path, sizeof(path), "%s/chains/%05ld.pem", argv[1], i);
		write_pem(path, leaf, inter[t]);
		if (cases) {
			FILE *f;
			snprintf(path, sizeof(path), "%s/cases/%05ld", argv[1], i);
			mkdir(path, 0755);
			snprintf(path, sizeof(path), "%s/cases/%05ld/chain.pem",
				argv[1], i);
			write_pem(path, leaf, inter[t]);
			snprintf(path, sizeof(path), "%s/cases/%05ld/case.json",
				argv[1], i);
			f = fopen(path, "w");
			if (f == NULL || fprintf(f, "{\"format\": \"xmppcv-case/1\", "
			    "\"target\": \"%s\", \"domain\": \"%s\", "
			    "\"domain_source\": \"accepted\", \"service\": \"c2s\", "
			    "\"policy\": \"rfc6125\", \"system_ca\": false, "
			    "\"captured\": \"2026-06-01T00:00:00Z\", "
			    "\"xmppcv\": \"bench\", \"verdict\": {\"ok\": true, "
			    "\"chain_trusted\": true, \"matched_field\": \"dnsName\", "
			    "\"matched_value\": \"%s\", \"error\": null}}\n", cn,
			    argv[3], argv[3]) < 0 || fclose(f) != 0) {
				perror(path);
				return 1;
			}
		}
		X509_free(leaf);
	}
	printf("genchains: %ld chains in %s/chains\n", n, argv[1]);
	/* Freed, so that a sanitizer build (the tests run it) sees no leak. */
	for (int t = 0; t < 2; t++) {
		X509_free(inter[t]);
		EVP_PKEY_free(ik[t]);
		for (int k = 0; k < POOL; k++)
			EVP_PKEY_free(pool[t][k]);
	}
	X509_free(root);
	EVP_PKEY_free(rootk);
	return 0;
}
