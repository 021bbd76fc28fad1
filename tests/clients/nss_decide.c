/*
 * The certificate decision of NSS as Pidgin/libpurple's ssl-nss plugin
 * makes it: the chain through CERT_VerifyCertificate for an SSL server
 * (certificateUsageSSLServer, now) with the CA file's certificates as the
 * only trusted CAs (NSS without a database: no built-in roots), the
 * certificates the server sent after its own as temporary intermediates;
 * and the name through CERT_VerifyCertName against the domain. Offline:
 * the same functions on the same certificates.
 *
 *   nss_decide CAFILE DOMAIN=CHAIN.pem...
 *
 * One line per domain: DOMAIN, a tab, and {"name", "trusted", "detail"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cert.h>
#include <certdb.h>
#include <nss.h>
#include <nssb64.h>
#include <prerror.h>
#include <secerr.h>

#define MAX_CERTS 8

/* The PEM certificates of path, DER, at most MAX_CERTS; their count. */
static int
load(const char *path, SECItem *der)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t len;
	int n = 0;
	char *p;

	if (f == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = buf;
	while (n < MAX_CERTS && (p = strstr(p, "-----BEGIN CERTIFICATE-----"))) {
		char *b = p + strlen("-----BEGIN CERTIFICATE-----");
		char *e = strstr(b, "-----END CERTIFICATE-----");
		SECItem *item;

		if (e == NULL)
			break;
		item = NSSBase64_DecodeBuffer(NULL, NULL, b, (unsigned)(e - b));
		if (item == NULL)
			break;
		der[n++] = *item;
		PORT_Free(item);   /* the struct; its data is der[n - 1]'s */
		p = e;
	}
	return n;
}

/* The name of the last NSS error, or its number. */
static const char *
error_name(char buf[32])
{
	PRErrorCode e = PR_GetError();
	const char *name = PR_ErrorToName(e);

	if (name != NULL)
		return name;
	snprintf(buf, 32, "NSS error %d", (int)e);
	return buf;
}

static CERTCertificate *
temp(CERTCertDBHandle *db, SECItem *der)
{
	return CERT_NewTempCertificate(db, der, NULL, PR_FALSE, PR_TRUE);
}

int
main(int argc, char **argv)
{
	CERTCertDBHandle *db;
	SECItem roots[MAX_CERTS];
	int nroots;

	if (argc < 3) {
		fprintf(stderr, "usage: nss_decide CAFILE DOMAIN=CHAIN.pem...\n");
		return 2;
	}
	if (NSS_NoDB_Init(NULL) != SECSuccess)
		return 2;
	db = CERT_GetDefaultCertDB();
	nroots = load(argv[1], roots);
	for (int i = 0; i < nroots; i++) {
		CERTCertificate *ca = temp(db, &roots[i]);
		CERTCertTrust trust = { 0 };

		if (ca == NULL)
			return 2;
		trust.sslFlags = CERTDB_TRUSTED_CA | CERTDB_VALID_CA;
		if (CERT_ChangeCertTrust(db, ca, &trust) != SECSuccess)
			return 2;
	}
	for (int a = 2; a < argc; a++) {
		char *domain = strdup(argv[a]), *path = strchr(domain, '=');
		CERTCertificate *certs[MAX_CERTS] = { NULL };
		SECItem der[MAX_CERTS];
		SECCertificateUsage usage = 0;
		int n, name_ok, trusted;
		const char *chain_err = "", *name_err = "";
		char chain_buf[32], name_buf[32];

		if (path == NULL)
			return 2;
		*path++ = '\0';
		n = load(path, der);
		for (int i = 0; i < n; i++)
			certs[i] = temp(db, &der[i]);
		if (n == 0 || certs[0] == NULL) {
			printf("%s\t{\"error\": \"cannot read %s\"}\n", domain, path);
			continue;
		}
		trusted = CERT_VerifyCertificate(db, certs[0], PR_TRUE,
			certificateUsageSSLServer, PR_Now(), NULL, NULL, &usage) ==
			SECSuccess;
		if (!trusted)
			chain_err = error_name(chain_buf);
		name_ok = CERT_VerifyCertName(certs[0], domain) == SECSuccess;
		if (!name_ok)
			name_err = error_name(name_buf);
		printf("%s\t{\"name\": %s, \"trusted\": %s, \"detail\": \"%s%s%s\"}\n",
			domain, name_ok ? "true" : "false", trusted ? "true" : "false",
			chain_err, *chain_err && *name_err ? "; " : "",
			*chain_err || *name_err ? name_err : "ok");
		fflush(stdout);
		for (int i = 0; i < n; i++) {
			if (certs[i])
				CERT_DestroyCertificate(certs[i]);
			SECITEM_FreeItem(&der[i], PR_FALSE);
		}
		free(domain);
	}
	NSS_Shutdown();
	return 0;
}
