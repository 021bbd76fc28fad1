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
 *
 *   nss_decide --connect HOST PORT DOMAIN...
 *
 * The TLS versions NSS negotiates as libpurple's ssl-nss sets it up
 * (ssl_nss_connect(): SSL_ImportFD on the connected socket, the default
 * version range, SSL_SetURL, and an auth hook that defers the certificate
 * to libpurple's verifier, which runs after the handshake): STARTTLS with
 * HOST:PORT as DOMAIN, then the handshake. One line per domain: DOMAIN, a
 * tab, and {"connected", "version", "detail"}.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cert.h>
#include <certdb.h>
#include <nss.h>
#include <nssb64.h>
#include <prerror.h>
#include <secerr.h>
#include <ssl.h>
#include <sslproto.h>

/* NSPR's private/pprio.h, declared here as libpurple's ssl-nss.c does. */
NSPR_API(PRFileDesc *) PR_ImportTCPSocket(PRInt32 osfd);

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

/* Read from fd until marker has been seen (5 s a read); 0 or -1. */
static int
read_until(int fd, const char *marker)
{
	char buf[8192];
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, marker))
			return 0;
		if (n == sizeof(buf) - 1)
			return -1;
	}
}

/* A TCP connection to host:port on which the server has answered
 * <proceed/> for domain, or -1. */
static int
starttls(const char *host, int port, const char *domain)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((unsigned short)port) };
	struct timeval tv = { .tv_sec = 5 };
	char hdr[1024];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	snprintf(hdr, sizeof(hdr), "<?xml version='1.0'?><stream:stream "
		"to='%s' version='1.0' xmlns='jabber:client' xmlns:stream="
		"'http://etherx.jabber.org/streams'>", domain);
	if (write(fd, hdr, strlen(hdr)) < 0 ||
	    read_until(fd, "</stream:features>") != 0)
		goto fail;
	strcpy(hdr, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
	if (write(fd, hdr, strlen(hdr)) < 0 || read_until(fd, "proceed") != 0)
		goto fail;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* libpurple's ssl_auth_cert(): the certificate is judged after the
 * handshake, by libpurple's verifier. */
static SECStatus
defer_cert(void *arg, PRFileDesc *fd, PRBool checksig, PRBool is_server)
{
	(void)arg;
	(void)fd;
	(void)checksig;
	(void)is_server;
	return SECSuccess;
}

static int
connect_mode(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: nss_decide --connect HOST PORT DOMAIN...\n");
		return 2;
	}
	if (NSS_NoDB_Init(NULL) != SECSuccess)
		return 2;
	for (int a = 4; a < argc; a++) {
		const char *domain = argv[a];
		int fd = starttls(argv[2], atoi(argv[3]), domain);
		PRFileDesc *tcp, *tls = NULL;
		SSLChannelInfo info;
		char buf[32];

		if (fd < 0) {
			printf("%s\t{\"error\": \"no STARTTLS\"}\n", domain);
			continue;
		}
		tcp = PR_ImportTCPSocket(fd);
		if (tcp)
			tls = SSL_ImportFD(NULL, tcp);
		if (tls == NULL) {
			printf("%s\t{\"error\": \"SSL_ImportFD\"}\n", domain);
			if (tcp)
				PR_Close(tcp);
			else
				close(fd);
			continue;
		}
		SSL_OptionSet(tls, SSL_SECURITY, PR_TRUE);
		SSL_OptionSet(tls, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
		SSL_AuthCertificateHook(tls, defer_cert, NULL);
		SSL_SetURL(tls, domain);
		SSL_ResetHandshake(tls, PR_FALSE);
		if (SSL_ForceHandshake(tls) != SECSuccess) {
			printf("%s\t{\"connected\": false, \"version\": null, "
				"\"detail\": \"%s\"}\n", domain, error_name(buf));
		} else if (SSL_GetChannelInfo(tls, &info, sizeof(info)) ==
		    SECSuccess) {
			printf("%s\t{\"connected\": true, \"version\": \"TLS "
				"1.%d\", \"detail\": \"ok\"}\n", domain,
				(info.protocolVersion & 0xff) - 1);
		} else {
			printf("%s\t{\"error\": \"SSL_GetChannelInfo\"}\n",
				domain);
		}
		fflush(stdout);
		PR_Close(tls);
	}
	NSS_Shutdown();
	return 0;
}

int
main(int argc, char **argv)
{
	CERTCertDBHandle *db;
	SECItem roots[MAX_CERTS];
	int nroots;

	if (argc > 1 && strcmp(argv[1], "--connect") == 0)
		return connect_mode(argc, argv);
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
