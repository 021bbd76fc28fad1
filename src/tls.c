/* TLS client for probes. Only this file uses libssl. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chain_internal.h"
#include "tls.h"

struct xcv_tls_ctx {
	SSL_CTX *ctx;
};

struct xcv_tls {
	SSL_CTX *ctx;                /* a reference of its own */
	SSL *ssl;
	char alert[64];
	int alert_code;
	bool cert_requested;         /* the server sent a CertificateRequest */
	char sni[256];   /* OpenSSL's macro takes a non-const name */
};

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct xcv_tls *t = SSL_get_app_data(ssl);

	/* Alerts the server sent: SSL_CB_READ_ALERT is two bits, and one of
	 * them alone is an alert we send. */
	if (t != NULL && (where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT) {
		snprintf(t->alert, sizeof(t->alert), "%s",
			SSL_alert_desc_string_long(ret));
		t->alert_code = ret & 0xff;
	}
}

/* Handshake messages the server sent: a CertificateRequest (RFC 8446
 * §4.3.2, RFC 5246 §7.4.4) says it asks for a client certificate. */
static void
msg_cb(int write_p, int version, int content_type, const void *buf,
	size_t len, SSL *ssl, void *arg)
{
	struct xcv_tls *t = SSL_get_app_data(ssl);

	(void)version;
	(void)arg;
	if (t != NULL && !write_p && content_type == SSL3_RT_HANDSHAKE &&
	    len > 0 && ((const unsigned char *)buf)[0] ==
	    SSL3_MT_CERTIFICATE_REQUEST)
		t->cert_requested = true;
}

/*
 * The socket under TLS. OpenSSL's own socket BIO writes with write(),
 * which raises SIGPIPE once the peer has closed: that would kill the
 * calling program, and a library must neither die of it nor change the
 * program's signal handling. This BIO writes with send(MSG_NOSIGNAL), so
 * a closed peer is EPIPE, an error like any other (send(2), Linux).
 * BIO_set_fd()/BIO_get_fd() work as on a socket BIO, so SSL_get_fd() does.
 */
static BIO_METHOD *socket_method;

/* The descriptor is the BIO's data itself (no allocation); the probe owns
 * and closes it. */
static int
bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int
sock_write(BIO *b, const char *buf, size_t len, size_t *put)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	*put = 0;
	do
		n = send(bio_fd(b), buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			BIO_set_retry_write(b);
		return 0;
	}
	*put = (size_t)n;
	return 1;
}

static int
sock_read(BIO *b, char *buf, size_t len, size_t *got)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	*got = 0;
	do
		n = recv(bio_fd(b), buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			BIO_set_retry_read(b);
		return 0;
	}
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
	*got = (size_t)n;
	return n > 0;
}

static long
sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_C_SET_FD:
		BIO_set_data(b, (void *)(intptr_t)*(int *)ptr);
		BIO_set_init(b, 1);
		return 1;
	case BIO_C_GET_FD:
		if (!BIO_get_init(b))
			return -1;
		if (ptr != NULL)
			*(int *)ptr = bio_fd(b);
		return bio_fd(b);
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	case BIO_CTRL_FLUSH:
	case BIO_CTRL_DUP:
		return 1;
	default:
		return 0;
	}
}

/* The method, made on first use (again after a failure: out of memory is
 * not forever); it lives as long as the process, as OpenSSL's own do. */
static BIO_METHOD *
socket_method_get(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	BIO_METHOD *m;
	int type;

	pthread_mutex_lock(&lock);
	if (socket_method == NULL && (type = BIO_get_new_index()) != -1) {
		m = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK |
			BIO_TYPE_DESCRIPTOR, "xmppcv socket");
		if (m != NULL && (!BIO_meth_set_write_ex(m, sock_write) ||
		    !BIO_meth_set_read_ex(m, sock_read) ||
		    !BIO_meth_set_ctrl(m, sock_ctrl))) {
			BIO_meth_free(m);
			m = NULL;
		}
		socket_method = m;
	}
	m = socket_method;
	pthread_mutex_unlock(&lock);
	return m;
}

/* A BIO on fd that never raises SIGPIPE; NULL when out of memory. */
static BIO *
socket_bio(int fd)
{
	BIO_METHOD *m = socket_method_get();
	BIO *b = m ? BIO_new(m) : NULL;

	if (b != NULL && BIO_set_fd(b, fd, BIO_NOCLOSE) != 1) {
		BIO_free(b);
		b = NULL;
	}
	return b;
}

/* A client context that leaves the chain to xcv_verify, not to the
 * handshake. */
static SSL_CTX *
client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

int
xcv_tls_ctx_new(struct xcv_tls_ctx **out)
{
	struct xcv_tls_ctx *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL || (c->ctx = client_ctx()) == NULL) {
		free(c);
		ERR_clear_error();
		return xcv_oom();
	}
	*out = c;
	return 0;
}

/* Every TLS 1.3 suite OpenSSL has: its default list leaves out the CCM
 * ones, which a server may still accept (RFC 8446 §B.4). */
#define TLS13_ALL "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:" \
	"TLS_AES_128_CCM_8_SHA256"

int
xcv_tls_ctx_new_offer(struct xcv_tls_ctx **out, int minor,
	const char *ciphers, const char *groups)
{
	static const int versions[] = { TLS1_VERSION, TLS1_1_VERSION,
		TLS1_2_VERSION, TLS1_3_VERSION };
	int version = versions[minor & 3];
	int rc = xcv_tls_ctx_new(out);
	char *list = NULL, *g = NULL;   /* OpenSSL's macros take char * */

	if (rc < 0)
		return rc;
	/* Security level 0 and every cipher: this context asks the server
	 * what it accepts, whatever OpenSSL's defaults would refuse to
	 * offer. It never judges a certificate. */
	if ((version < TLS1_3_VERSION && (list = xcv_asprintf("%s:@SECLEVEL=0",
	    ciphers ? ciphers : "ALL:COMPLEMENTOFALL")) == NULL) ||
	    (groups != NULL && (g = xcv_strdup(groups)) == NULL)) {
		free(list);
		xcv_tls_ctx_free(*out);
		*out = NULL;
		return xcv_oom();
	}
	SSL_CTX_set_security_level((*out)->ctx, 0);
	if (!SSL_CTX_set_min_proto_version((*out)->ctx, version) ||
	    !SSL_CTX_set_max_proto_version((*out)->ctx, version) ||
	    (list != NULL && !SSL_CTX_set_cipher_list((*out)->ctx, list)) ||
	    (version == TLS1_3_VERSION && !SSL_CTX_set_ciphersuites(
	    (*out)->ctx, ciphers ? ciphers : TLS13_ALL)) ||
	    (g != NULL && !SSL_CTX_set1_groups_list((*out)->ctx, g))) {
		free(list);
		free(g);
		xcv_tls_ctx_free(*out);
		*out = NULL;
		ERR_clear_error();
		return xcv_set_error(XCV_ERROR, "this OpenSSL cannot offer "
			"TLS 1.%d with %s%s%s", minor & 3, ciphers ? ciphers :
			"every cipher", groups ? " and groups " : "",
			groups ? groups : "");
	}
	free(list);
	free(g);
	return 0;
}

int
xcv_tls_ctx_set_client_cert(struct xcv_tls_ctx *c, const char *cert,
	const char *key)
{
	bool no_cert = access(cert, R_OK) != 0;
	unsigned long e;

	if (key == NULL)
		key = cert;
	if (no_cert || access(key, R_OK) != 0)
		return xcv_set_error(XCV_EINPUT, "cannot read the client %s %s: "
			"%s", no_cert ? "certificate" : "key", no_cert ? cert : key,
			strerror(errno));
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1) {
		ERR_clear_error();
		return xcv_set_error(XCV_EINPUT, "%s: not a PEM certificate "
			"chain", cert);
	}
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL 3 refuses a key of another certificate here. */
		e = ERR_peek_last_error();
		ERR_clear_error();
		if (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			return xcv_set_error(XCV_EINPUT, "%s: the key does not "
				"belong to the certificate %s", key, cert);
		return xcv_set_error(XCV_EINPUT, "%s: not a PEM private key",
			key);
	}
	if (SSL_CTX_check_private_key(c->ctx) != 1) {
		ERR_clear_error();
		return xcv_set_error(XCV_EINPUT, "%s: the key does not belong to "
			"the certificate %s", key, cert);
	}
	return 0;
}

int
xcv_tls_offer(struct xcv_tls *t, const char *ciphers, const char *groups)
{
	char *list = NULL, *g = NULL;   /* OpenSSL's macros take char * */
	bool tls13 = SSL_get_min_proto_version(t->ssl) == TLS1_3_VERSION;
	int ok;

	if ((ciphers && !tls13 && (list = xcv_asprintf("%s:@SECLEVEL=0",
	    ciphers)) == NULL) || (groups && (g = xcv_strdup(groups)) ==
	    NULL)) {
		free(list);
		return XCV_ENOMEM;
	}
	ok = (ciphers == NULL || (tls13 ? SSL_set_ciphersuites(t->ssl,
	    ciphers) : SSL_set_cipher_list(t->ssl, list))) &&
	    (g == NULL || SSL_set1_groups_list(t->ssl, g));
	free(list);
	free(g);
	ERR_clear_error();
	return ok ? 0 : xcv_set_error(XCV_ERROR, "this OpenSSL cannot offer "
		"%s%s%s", ciphers ? ciphers : "", ciphers && groups ? " with " :
		"", groups ? groups : "");
}

int
xcv_tls_ctx_new_version(struct xcv_tls_ctx **out, int minor)
{
	return xcv_tls_ctx_new_offer(out, minor, NULL, NULL);
}

int
xcv_tls_ctx_ciphers(const struct xcv_tls_ctx *c, struct xcv_strv *out)
{
	unsigned long failures = xcv_alloc_failures();
	SSL *ssl = SSL_new(c->ctx);
	STACK_OF(SSL_CIPHER) *sk = ssl ? SSL_get1_supported_ciphers(ssl) : NULL;

	for (int i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++)
		xcv_strv_push(out, SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk,
			i)));
	sk_SSL_CIPHER_free(sk);
	SSL_free(ssl);
	ERR_clear_error();
	if (ssl == NULL)
		return xcv_oom();
	/* No stack without a failed allocation: no cipher to offer. */
	if (sk == NULL)
		return xcv_alloc_failures() != failures ? xcv_oom() :
			xcv_set_error(XCV_ERROR, "this OpenSSL has no cipher to "
			"offer with this version");
	return xcv_strv_ok(out);
}

int
xcv_tls_groups_offerable(const char *const *names, size_t n,
	struct xcv_strv *out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char name[64];

	if (ctx == NULL) {
		ERR_clear_error();
		return xcv_oom();
	}
	for (size_t i = 0; i < n; i++) {
		/* OpenSSL's macro takes a char *. */
		snprintf(name, sizeof(name), "%s", names[i]);
		if (SSL_CTX_set1_groups_list(ctx, name) == 1)
			xcv_strv_push(out, names[i]);
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return xcv_strv_ok(out);
}

void
xcv_tls_cipher_judge(const struct xcv_tls *t, int *bits, bool *fs,
	const char **weak)
{
	static const struct { int nid; const char *why; } broken[] = {
		{ NID_rc4, "RC4 (RFC 7465)" },
		{ NID_des_ede3_cbc, "3DES (64-bit blocks: Sweet32)" },
		{ NID_des_cbc, "single DES" },
	};
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
	int kx, cnid;

	*bits = 0;
	*fs = false;
	*weak = NULL;
	if (c == NULL)
		return;
	*bits = SSL_CIPHER_get_bits(c, NULL);
	kx = SSL_CIPHER_get_kx_nid(c);
	cnid = SSL_CIPHER_get_cipher_nid(c);
	/* TLS 1.3 suites name no key exchange (NID_kx_any): all ephemeral
	 * (RFC 8446 §2). */
	*fs = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any ||
		kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;
	if (cnid == NID_undef)
		*weak = "no encryption (NULL cipher)";
	else if (SSL_CIPHER_get_auth_nid(c) == NID_auth_null)
		*weak = "no server authentication (anonymous)";
	for (size_t i = 0; *weak == NULL && i < sizeof(broken) /
	    sizeof(*broken); i++)
		if (cnid == broken[i].nid)
			*weak = broken[i].why;
	if (*weak == NULL && SSL_CIPHER_get_digest_nid(c) == NID_md5)
		*weak = "MD5 MAC";
	if (*weak == NULL && *bits < 128)
		*weak = "fewer than 128 bits of key";
}

void
xcv_tls_ctx_free(struct xcv_tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

int
xcv_tls_new(struct xcv_tls **out, struct xcv_tls_ctx *shared, int fd,
	const char *sni, const char *alpn)
{
	struct xcv_tls *t = calloc(1, sizeof(*t));
	unsigned char proto[64];
	size_t n = alpn ? strlen(alpn) : 0;
	BIO *bio = NULL;
	int rc = XCV_ENOMEM;

	*out = NULL;
	if (t == NULL)
		return xcv_oom();
	if (shared != NULL && SSL_CTX_up_ref(shared->ctx))
		t->ctx = shared->ctx;
	else if (shared == NULL)
		t->ctx = client_ctx();
	/* Up to here only an allocation can fail. */
	if (t->ctx == NULL || (t->ssl = SSL_new(t->ctx)) == NULL ||
	    (bio = socket_bio(fd)) == NULL)
		goto out;
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_app_data(t->ssl, t);
	SSL_set_info_callback(t->ssl, info_cb);
	SSL_set_msg_callback(t->ssl, msg_cb);
	SSL_set_connect_state(t->ssl);
	rc = XCV_ERROR;
	/* Ask for a stapled OCSP answer (RFC 6066 §8): revocation reads it,
	 * and a must-staple certificate without one is an error. */
	if (!SSL_set_tlsext_status_type(t->ssl, TLSEXT_STATUSTYPE_ocsp))
		goto out;
	if (sni != NULL) {
		if (strlen(sni) >= sizeof(t->sni))
			goto out;
		strcpy(t->sni, sni);
		if (!SSL_set_tlsext_host_name(t->ssl, t->sni))
			goto out;
	}
	if (alpn != NULL) {
		if (n == 0 || n >= sizeof(proto))
			goto out;
		proto[0] = (unsigned char)n;
		memcpy(proto + 1, alpn, n);
		if (SSL_set_alpn_protos(t->ssl, proto, (unsigned)n + 1) != 0)
			goto out;
	}
	*out = t;
	return 0;
out:
	xcv_tls_free(t);
	ERR_clear_error();
	return rc == XCV_ENOMEM ? xcv_oom() : xcv_set_error(XCV_ERROR,
		"cannot set up TLS");
}

void
xcv_tls_free(struct xcv_tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

static int
tls_error(struct xcv_tls *t, int ret, const char *what)
{
	int e = SSL_get_error(t->ssl, ret);
	unsigned long err = ERR_peek_last_error();
	const char *reason = err ? ERR_reason_error_string(err) : NULL;
	int rc;

	if (e == SSL_ERROR_WANT_READ)
		return XCV_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return XCV_TLS_WANT_WRITE;
	if (e == SSL_ERROR_ZERO_RETURN)
		return XCV_TLS_CLOSED;
	if (t->alert[0])
		rc = xcv_set_error(XCV_ECONNECT, "%s: the server sent the TLS "
			"alert \"%s\"", what, t->alert);
	else if ((e == SSL_ERROR_SYSCALL && err == 0) ||
	    (ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		rc = xcv_set_error(XCV_ECONNECT, "%s: the server closed the "
			"connection", what);
	else
		rc = xcv_set_error(XCV_ECONNECT, "%s: %s", what,
			reason ? reason : "TLS error");
	ERR_clear_error();
	return rc;
}

int
xcv_tls_handshake(struct xcv_tls *t)
{
	int ret;

	ERR_clear_error();
	ret = SSL_do_handshake(t->ssl);
	if (ret == 1)
		return XCV_TLS_DONE;
	return tls_error(t, ret, "TLS handshake failed");
}

int
xcv_tls_read(struct xcv_tls *t, void *buf, size_t len, size_t *got)
{
	ERR_clear_error();
	*got = 0;
	if (SSL_read_ex(t->ssl, buf, len, got) == 1)
		return XCV_TLS_DONE;
	return tls_error(t, 0, "reading over TLS failed");
}

int
xcv_tls_write(struct xcv_tls *t, const void *buf, size_t len, size_t *put)
{
	ERR_clear_error();
	*put = 0;
	if (SSL_write_ex(t->ssl, buf, len, put) == 1)
		return XCV_TLS_DONE;
	return tls_error(t, 0, "writing over TLS failed");
}

int
xcv_tls_chain(struct xcv_tls *t, struct xcv_chain **out)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(t->ssl);
	struct xcv_chain *c;

	*out = NULL;
	if (sk == NULL || sk_X509_num(sk) == 0)
		return xcv_set_error(XCV_ECONNECT, "the server presented no "
			"certificate");
	c = xcv_chain_new();
	if (c == NULL)
		return xcv_oom();
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);
		if (!X509_up_ref(x)) {
			xcv_chain_free(c);
			return xcv_oom();
		}
		if (sk_X509_push(c->certs, x) <= 0) {
			X509_free(x);   /* the reference just taken */
			xcv_chain_free(c);
			return xcv_oom();
		}
	}
	*out = c;
	return 0;
}

const char *
xcv_tls_version(const struct xcv_tls *t)
{
	return SSL_get_version(t->ssl);
}

const char *
xcv_tls_cipher(const struct xcv_tls *t)
{
	return SSL_get_cipher_name(t->ssl);
}

const char *
xcv_tls_alpn(struct xcv_tls *t, char buf[64])
{
	const unsigned char *p = NULL;
	unsigned n = 0;

	SSL_get0_alpn_selected(t->ssl, &p, &n);
	if (p == NULL || n == 0 || n > 63)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

const char *
xcv_tls_kx(const struct xcv_tls *t, char *buf, size_t size, int *bits)
{
	EVP_PKEY *pk = NULL;
	char group[64];
	size_t n = 0;

	*bits = 0;
	buf[0] = '\0';
	if (!SSL_get_peer_tmp_key(t->ssl, &pk)) {
		ERR_clear_error();
		return NULL;
	}
	*bits = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "DH"))
		snprintf(buf, size, "DH %d", *bits);
	else if (EVP_PKEY_is_a(pk, "EC") && EVP_PKEY_get_utf8_string_param(pk,
	    "group", group, sizeof(group), &n))
		snprintf(buf, size, "ECDH %s", group);
	else
		snprintf(buf, size, "%s", EVP_PKEY_get0_type_name(pk));
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return buf;
}

const char *
xcv_tls_group(const struct xcv_tls *t)
{
	int nid = SSL_get_negotiated_group(t->ssl);
	const char *name = nid > 0 ? SSL_group_to_name(t->ssl, nid) : NULL;

	ERR_clear_error();
	return name;
}

size_t
xcv_tls_staple(const struct xcv_tls *t, const unsigned char **der)
{
	long n = SSL_get_tlsext_status_ocsp_resp(t->ssl, der);

	if (n <= 0 || *der == NULL) {
		*der = NULL;
		return 0;
	}
	return (size_t)n;
}

bool
xcv_tls_cert_requested(const struct xcv_tls *t)
{
	return t->cert_requested;
}

const char *
xcv_tls_alert(const struct xcv_tls *t)
{
	return t->alert[0] ? t->alert : NULL;
}

int
xcv_tls_alert_code(const struct xcv_tls *t)
{
	return t->alert_code;
}
