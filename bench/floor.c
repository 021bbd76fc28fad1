/*
 * The floor under replay on this OpenSSL: for each case, decode its leaf
 * (d2i_X509, which in OpenSSL 3.0 builds a decoder for the public key and
 * costs more than the signature) and verify the leaf's signature with its
 * issuer's key, nothing else. Issuers are decoded once, before timing, as
 * replay's cache does.
 *
 * usage: floor THREADS FILE...
 * Each FILE is a chain (PEM: leaf, then its issuer). The leaves are split
 * among THREADS threads; more than one thread each have an OpenSSL library
 * context of their own (as replay's workers have), one alone uses the
 * default one (as replay --jobs 1 does). Prints "CASES SECONDS" for the
 * whole set.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct leaf {
	unsigned char *der;
	int len;
	int issuer;           /* index into issuers */
};

static struct leaf *leaves;
static int n_leaves;
static X509 *issuers[16];
static int n_issuers;
static int threads;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
issuer_of(X509 *x)
{
	for (int i = 0; i < n_issuers; i++)
		if (X509_cmp(issuers[i], x) == 0)
			return i;
	if (n_issuers == (int)(sizeof(issuers) / sizeof(issuers[0]))) {
		fprintf(stderr, "floor: more than 16 issuers\n");
		exit(2);
	}
	if (!X509_up_ref(x))
		exit(2);
	issuers[n_issuers] = x;
	return n_issuers++;
}

static void
load(const char *path, struct leaf *l)
{
	FILE *f = fopen(path, "r");
	X509 *leaf, *issuer;

	if (f == NULL || (leaf = PEM_read_X509(f, NULL, NULL, NULL)) == NULL ||
	    (issuer = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "floor: %s: not a leaf and its issuer\n", path);
		exit(2);
	}
	fclose(f);
	l->der = NULL;
	l->len = i2d_X509(leaf, &l->der);
	l->issuer = issuer_of(issuer);
	X509_free(leaf);
	X509_free(issuer);
}

static void *
work(void *arg)
{
	int t = (int)(size_t)arg;
	OSSL_LIB_CTX *ctx = NULL;
	OSSL_PROVIDER *prov = NULL;
	EVP_PKEY *keys[16];
	long bad = 0;

	if (threads > 1 && ((ctx = OSSL_LIB_CTX_new()) == NULL ||
	    (prov = OSSL_PROVIDER_load(ctx, "default")) == NULL))
		exit(2);
	/* The issuers' keys in this thread's context, decoded beforehand. */
	for (int i = 0; i < n_issuers; i++) {
		unsigned char *der = NULL;
		const unsigned char *p;
		int len = i2d_X509(issuers[i], &der);
		X509 *x = X509_new_ex(ctx, NULL);
		p = der;
		if (len <= 0 || x == NULL || d2i_X509(&x, &p, len) == NULL)
			exit(2);
		keys[i] = X509_get_pubkey(x);
		X509_free(x);
		OPENSSL_free(der);
	}
	for (int i = t; i < n_leaves; i += threads) {
		const unsigned char *p = leaves[i].der;
		X509 *x = X509_new_ex(ctx, NULL);
		if (x == NULL || d2i_X509(&x, &p, leaves[i].len) == NULL ||
		    X509_verify(x, keys[leaves[i].issuer]) != 1)
			bad++;
		X509_free(x);
	}
	for (int i = 0; i < n_issuers; i++)
		EVP_PKEY_free(keys[i]);
	OSSL_PROVIDER_unload(prov);
	OSSL_LIB_CTX_free(ctx);
	return (void *)bad;
}

int
main(int argc, char **argv)
{
	pthread_t tid[256];
	double start, end;
	long bad = 0;

	if (argc < 3 || (threads = atoi(argv[1])) < 1 || threads > 256) {
		fprintf(stderr, "usage: floor THREADS FILE...\n");
		return 2;
	}
	n_leaves = argc - 2;
	leaves = calloc((size_t)n_leaves, sizeof(*leaves));
	if (leaves == NULL)
		return 2;
	for (int i = 0; i < n_leaves; i++)
		load(argv[i + 2], &leaves[i]);
	start = now();
	for (int t = 0; t < threads; t++)
		if (pthread_create(&tid[t], NULL, work, (void *)(size_t)t) != 0)
			return 2;
	for (int t = 0; t < threads; t++) {
		void *r;
		pthread_join(tid[t], &r);
		bad += (long)r;
	}
	end = now();
	if (bad) {
		fprintf(stderr, "floor: %ld leaves did not verify\n", bad);
		return 1;
	}
	printf("%d %.6f\n", n_leaves, end - start);
	return 0;
}
