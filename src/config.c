/* Verification settings and trust anchors. */
#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"

struct xcv_config *
xcv_config_new(void)
{
	struct xcv_config *cfg = calloc(1, sizeof(*cfg));

	xcv_openssl_prepare();
	if (cfg == NULL) {
		xcv_oom();
		return NULL;
	}
	cfg->system_ca = true;
	cfg->warn_days = 30;
	cfg->clients = UINT32_MAX;   /* every client profile */
	cfg->anchors = sk_X509_new_null();
	if (cfg->anchors == NULL) {
		free(cfg);
		xcv_oom();
		return NULL;
	}
	return cfg;
}

void
xcv_config_free(struct xcv_config *cfg)
{
	if (cfg == NULL)
		return;
	sk_X509_pop_free(cfg->anchors, X509_free);
	X509_STORE_free(cfg->store);
	X509_STORE_free(cfg->empty);
	xcv_config_forget_verified(cfg);
	xcv_strv_clear(&cfg->notes);
	xcv_strv_clear(&cfg->crl_files);
	for (size_t i = 0; i < XCV_INPUT_COUNT; i++)
		xcv_free_const(cfg->input_name[i]);
	/* Last: the certificates above may live in these contexts. */
	xcv_refs_clear(&cfg->libs);
	free(cfg);
}

struct xcv_config *
xcv_config_dup(const struct xcv_config *cfg)
{
	struct xcv_config *c = xcv_config_new();

	if (c == NULL)
		return NULL;
	c->service = cfg->service;
	c->policy = cfg->policy;
	c->system_ca = cfg->system_ca;
	c->have_time = cfg->have_time;
	c->at = cfg->at;
	c->warn_days = cfg->warn_days;
	c->strict = cfg->strict;
	c->clients = cfg->clients;
	c->require_clients = cfg->require_clients;
	c->clients_shown = cfg->clients_shown;
	c->accepted = cfg->accepted;
	c->no_verified_cache = cfg->no_verified_cache;
	if (xcv_refs_add(&c->libs, &cfg->libs) < 0)
		goto fail;
	for (int i = 0; i < sk_X509_num(cfg->anchors); i++) {
		X509 *x = sk_X509_value(cfg->anchors, i);
		if (!X509_up_ref(x))
			goto fail;
		if (sk_X509_push(c->anchors, x) <= 0) {
			X509_free(x);
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->notes.n; i++)
		xcv_strv_push(&c->notes, cfg->notes.v[i]);
	if (xcv_strv_ok(&c->notes) < 0)
		goto fail;
	for (size_t i = 0; i < XCV_INPUT_COUNT; i++)
		if (cfg->input_name[i] != NULL &&
		    (c->input_name[i] = xcv_strdup(cfg->input_name[i])) == NULL)
			goto fail;
	return c;
fail:
	xcv_config_free(c);
	return NULL;
}

void
xcv_config_forget_verified(struct xcv_config *cfg)
{
	for (size_t i = 0; i < cfg->n_verified; i++) {
		sk_X509_pop_free(cfg->verified[i].sent, X509_free);
		sk_X509_pop_free(cfg->verified[i].above, X509_free);
	}
	free(cfg->verified);
	cfg->verified = NULL;
	cfg->n_verified = 0;
}

static void
invalidate(struct xcv_config *cfg)
{
	X509_STORE_free(cfg->store);
	cfg->store = NULL;
	xcv_config_forget_verified(cfg);
}

void
xcv_config_set_service(struct xcv_config *cfg, enum xcv_service s)
{
	cfg->service = s;
}

void
xcv_config_set_policy(struct xcv_config *cfg, enum xcv_policy p)
{
	cfg->policy = p;
}

void
xcv_config_set_system_ca(struct xcv_config *cfg, bool use)
{
	if (cfg->system_ca != use)
		invalidate(cfg);
	cfg->system_ca = use;
}

void
xcv_config_set_time(struct xcv_config *cfg, int64_t at)
{
	cfg->have_time = true;
	cfg->at = at;
}

void
xcv_config_set_strict(struct xcv_config *cfg, bool strict)
{
	cfg->strict = strict;
}

void
xcv_config_set_revocation(struct xcv_config *cfg, unsigned flags)
{
	cfg->revocation = flags;
}

int
xcv_config_add_crl(struct xcv_config *cfg, const char *path)
{
	/* Read when used; a file that cannot be read is refused now. */
	if (access(path, R_OK) != 0)
		return xcv_set_error(XCV_EINPUT, "%s: %s", path, strerror(errno));
	if (xcv_strv_push(&cfg->crl_files, path) < 0)
		return XCV_ENOMEM;
	return 0;
}

void
xcv_config_set_warn_days(struct xcv_config *cfg, int days)
{
	cfg->warn_days = days < 0 ? 0 : days;
}

void
xcv_config_set_store(struct xcv_config *cfg, struct xcv_store *store)
{
	cfg->accepted = store;
}

int
xcv_config_name_input(struct xcv_config *cfg, enum xcv_input what,
	const char *name)
{
	char *copy = NULL;

	if ((unsigned)what >= XCV_INPUT_COUNT)
		return xcv_set_error(XCV_EINPUT, "no such input %d", (int)what);
	if (name != NULL && (copy = xcv_strdup(name)) == NULL)
		return xcv_oom();
	xcv_free_const(cfg->input_name[what]);
	cfg->input_name[what] = copy;
	return 0;
}

const char *
xcv_config_input(const struct xcv_config *cfg, enum xcv_input what)
{
	return cfg && (unsigned)what < XCV_INPUT_COUNT ?
		cfg->input_name[what] : NULL;
}

size_t
xcv_config_note_count(const struct xcv_config *cfg)
{
	return cfg->notes.n;
}

const char *
xcv_config_note(const struct xcv_config *cfg, size_t i)
{
	return i < cfg->notes.n ? cfg->notes.v[i] : NULL;
}

static int
take_anchors(struct xcv_config *cfg, struct xcv_chain *c)
{
	if (xcv_refs_add(&cfg->libs, &c->libs) < 0)
		return XCV_ENOMEM;
	while (sk_X509_num(c->certs) > 0) {
		X509 *x = sk_X509_shift(c->certs);
		if (sk_X509_push(cfg->anchors, x) <= 0) {
			X509_free(x);
			return xcv_oom();
		}
	}
	for (size_t i = 0; i < c->notes.n; i++)
		if (xcv_strv_push(&cfg->notes, c->notes.v[i]) < 0)
			return xcv_oom();
	invalidate(cfg);
	return 0;
}

int
xcv_config_add_ca_chain(struct xcv_config *cfg, const struct xcv_chain *c)
{
	if (xcv_refs_add(&cfg->libs, &c->libs) < 0)
		return XCV_ENOMEM;
	for (int i = 0; i < sk_X509_num(c->certs); i++) {
		X509 *x = sk_X509_value(c->certs, i);
		if (!X509_up_ref(x))
			return xcv_oom();
		if (sk_X509_push(cfg->anchors, x) <= 0) {
			X509_free(x);
			return xcv_oom();
		}
	}
	invalidate(cfg);
	return 0;
}

int
xcv_config_add_ca_file(struct xcv_config *cfg, const char *path)
{
	struct xcv_chain *c = NULL;
	int rc = xcv_chain_load_anchors(&c, path);

	/* The message names the file already. */
	if (rc < 0)
		return rc;
	rc = take_anchors(cfg, c);
	xcv_chain_free(c);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
xcv_config_add_ca_path(struct xcv_config *cfg, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct xcv_strv names = {0};
	size_t loaded = 0;
	int rc = 0;

	if (d == NULL)
		return xcv_set_error(XCV_EINPUT, "%s: cannot open: %s",
			dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		xcv_strv_push(&names, e->d_name);
	}
	if ((rc = xcv_strv_ok(&names)) < 0)
		goto out;
	/* Sorted, so that notes and anchor order do not depend on readdir. */
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), by_name);
	for (size_t i = 0; i < names.n; i++) {
		char *path = xcv_asprintf("%s/%s", dir, names.v[i]);
		struct xcv_chain *c = NULL;
		struct stat st;

		if (path == NULL) {
			rc = xcv_oom();
			goto out;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (xcv_chain_load_anchors(&c, path) < 0) {
			rc = xcv_strv_pushf(&cfg->notes, "skipped %s",
				xcv_error_last());
		} else {
			rc = take_anchors(cfg, c);
			loaded++;
		}
		xcv_chain_free(c);
		free(path);
		if (rc < 0)
			goto out;
	}
	if (loaded == 0)
		rc = xcv_set_error(XCV_EINPUT,
			"%s: no certificate file in this directory", dir);
out:
	xcv_strv_clear(&names);
	closedir(d);
	return rc;
}

int
xcv_config_store(struct xcv_config *cfg, X509_STORE **out)
{
	unsigned long failures = xcv_alloc_failures();
	X509_STORE *st;
	bool ok;

	*out = cfg->store;
	if (cfg->store != NULL)
		return 0;
	st = X509_STORE_new();
	ok = st != NULL && (!cfg->system_ca || X509_STORE_set_default_paths(st));
	for (int i = 0; ok && i < sk_X509_num(cfg->anchors); i++)
		ok = X509_STORE_add_cert(st, sk_X509_value(cfg->anchors, i));
	/* A store missing an anchor it had no memory for is not kept: every
	 * later verification would take it for the whole. */
	if (!ok || xcv_alloc_failures() != failures) {
		bool oom = xcv_ossl_oom(NULL) || xcv_alloc_failures() != failures;
		X509_STORE_free(st);
		return oom || st == NULL ? xcv_oom() : xcv_set_error(XCV_ERROR,
			"cannot set up the trust store");
	}
	cfg->store = *out = st;
	return 0;
}
