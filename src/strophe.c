/* The libstrophe certfail adapter (see include/xmppcv/strophe.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "chain_internal.h"
#include "result_internal.h"
#include "xmppcv/store.h"
#include "xmppcv/strophe.h"

struct binding {
	xmpp_conn_t *conn;
	xmpp_ctx_t *ctx;
	struct xcv_config *cfg;
	char *domain;
	struct xcv_strv vouched;   /* SHA-256 of certificates xmppcv verified */
	int overridden, refused;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct binding *bindings;
static size_t n_bindings;

static struct binding *
find(const xmpp_conn_t *conn)
{
	for (size_t i = 0; i < n_bindings; i++)
		if (bindings[i].conn == conn)
			return &bindings[i];
	return NULL;
}

int
xcv_strophe_attach(xmpp_conn_t *conn, struct xcv_config *cfg,
	const char *domain)
{
	struct binding *b, *v;
	char *norm = NULL;
	bool ip;
	int rc;

	rc = xcv_reference_normalize(&norm, &ip, domain);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&lock);
	b = find(conn);
	if (b == NULL) {
		v = realloc(bindings, (n_bindings + 1) * sizeof(*v));
		if (v == NULL) {
			pthread_mutex_unlock(&lock);
			free(norm);
			return xcv_oom();
		}
		bindings = v;
		b = &v[n_bindings++];
		memset(b, 0, sizeof(*b));
		b->conn = conn;
		b->ctx = xmpp_conn_get_context(conn);
	} else {
		free(b->domain);
	}
	b->cfg = cfg;
	b->domain = norm;
	pthread_mutex_unlock(&lock);
	xmpp_conn_set_certfail_handler(conn, xcv_strophe_certfail);
	return 0;
}

int
xcv_strophe_trust_chain(xmpp_conn_t *conn, const struct xcv_chain *chain)
{
	struct binding *b;
	char fp[65];
	int rc = 0;

	pthread_mutex_lock(&lock);
	b = find(conn);
	if (b == NULL)
		rc = xcv_set_error(XCV_EINPUT, "xcv_strophe_attach() first");
	for (size_t i = 0; b && rc == 0 && i < xcv_chain_count(chain); i++)
		if (xcv_chain_sha256(chain, i, fp) < 0 ||
		    xcv_strv_push(&b->vouched, fp) < 0)
			rc = XCV_ERROR;
	pthread_mutex_unlock(&lock);
	return rc;
}

void
xcv_strophe_detach(xmpp_conn_t *conn)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_bindings; i++) {
		if (bindings[i].conn != conn)
			continue;
		free(bindings[i].domain);
		xcv_strv_clear(&bindings[i].vouched);
		bindings[i] = bindings[--n_bindings];
		break;
	}
	if (n_bindings == 0) {
		free(bindings);
		bindings = NULL;
	}
	pthread_mutex_unlock(&lock);
}

void
xcv_strophe_counts(xmpp_conn_t *conn, int *overridden, int *refused)
{
	struct binding *b;

	pthread_mutex_lock(&lock);
	b = find(conn);
	*overridden = b ? b->overridden : 0;
	*refused = b ? b->refused : 0;
	pthread_mutex_unlock(&lock);
}

/* Does this exact certificate name the domain, by xmppcv's policy? */
static bool
names_domain(struct xcv_config *cfg, X509 *x, const char *domain)
{
	struct xcv_identity id;
	bool ok;

	if (xcv_identity_check(&id, x, domain, cfg->service, cfg->policy) < 0)
		return false;
	ok = id.matched;
	xcv_identity_clear(&id);
	return ok;
}

/*
 * libstrophe 0.12 builds the certificate it hands to the handler without
 * its connection (xmpp_tlscert_get_conn() is NULL), but with its context:
 * fall back to the one binding on that context. Several bindings on one
 * context cannot be told apart, so none is used (the error is refused).
 */
static struct binding *
find_for(const xmpp_tlscert_t *cert)
{
	xmpp_conn_t *conn = xmpp_tlscert_get_conn(cert);
	xmpp_ctx_t *ctx = xmpp_tlscert_get_ctx(cert);
	struct binding *found = NULL;

	if (conn != NULL)
		return find(conn);
	for (size_t i = 0; i < n_bindings; i++) {
		if (bindings[i].ctx != ctx)
			continue;
		if (found != NULL)
			return NULL;
		found = &bindings[i];
	}
	return found;
}

int
xcv_strophe_certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
	const char *pem = xmpp_tlscert_get_pem(cert);
	struct xcv_chain *chain = NULL;
	struct binding *b;
	char fp[65];
	bool accept = false;

	if (pem == NULL || xcv_chain_load_mem(&chain, pem, strlen(pem),
	    "server certificate") < 0 || xcv_chain_sha256(chain, 0, fp) < 0) {
		xcv_chain_free(chain);
		return 0;
	}
	pthread_mutex_lock(&lock);
	b = find_for(cert);
	if (b != NULL) {
		bool accepted = b->cfg->accepted != NULL &&
			xcv_store_accepted(b->cfg->accepted, fp, b->domain);
		if (errormsg != NULL && strstr(errormsg, "hostname mismatch"))
			accept = accepted || names_domain(b->cfg,
				sk_X509_value(chain->certs, 0), b->domain);
		else
			accept = accepted || xcv_strv_contains(&b->vouched, fp);
		if (accept)
			b->overridden++;
		else
			b->refused++;
	}
	pthread_mutex_unlock(&lock);
	xcv_chain_free(chain);
	return accept ? 1 : 0;
}
