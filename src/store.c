/* The accepted-certificate store (see include/xmppcv/store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain_internal.h"
#include "identity.h"

#define INDEX "index.json"
#define LOCK ".lock"
#define FORMAT "xmppcv-accepted/1"

struct entry {
	char sha256[65];
	char *subject, *host, *accepted, *pem;
	struct xcv_strv domains;
	struct xcv_store_entry view;   /* what xcv_store_entry() shows */
};

struct xcv_store {
	char *dir;
	struct entry *v;
	size_t n;
	struct xcv_strv notes;
};

/*
 * Crash points for tests: XMPPCV_FAULT=store:NAME makes a writer die there
 * as if killed, to prove that every point leaves a readable store.
 */
static void
fault(const char *point)
{
	const char *f = getenv("XMPPCV_FAULT");

	if (f != NULL && strncmp(f, "store:", 6) == 0 && strcmp(f + 6, point) == 0)
		_exit(99);
}

static void
clear_entries(struct xcv_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].subject);
		free(s->v[i].host);
		free(s->v[i].accepted);
		free(s->v[i].pem);
		xcv_strv_clear(&s->v[i].domains);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
xcv_store_free(struct xcv_store *s)
{
	if (s == NULL)
		return;
	clear_entries(s);
	xcv_strv_clear(&s->notes);
	free(s->dir);
	free(s);
}

static bool
is_fp_name(const char *name)
{
	size_t n = strlen(name);

	if (n != 68 || strcmp(name + 64, ".pem") != 0)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static char *
path_of(const struct xcv_store *s, const char *name)
{
	return xcv_asprintf("%s/%s", s->dir, name);
}

/* Read the index; NULL with *damaged set (and a note) if it is not ours. */
static json_t *
read_index(struct xcv_store *s, bool *damaged)
{
	char *path = path_of(s, INDEX);
	json_error_t err;
	json_t *root, *certs;

	*damaged = false;
	if (path == NULL)
		return NULL;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			free(path);
			return json_pack("{s:s,s:{}}", "format", FORMAT,
				"certificates");
		}
		*damaged = true;
		xcv_strv_pushf(&s->notes, "%s is damaged (%s, line %d); its "
			"entries are ignored and the file is kept", path,
			err.text, err.line);
		free(path);
		return NULL;
	}
	certs = json_object_get(root, "certificates");
	if (!json_is_object(certs) ||
	    !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), FORMAT)) {
		*damaged = true;
		xcv_strv_pushf(&s->notes, "%s is not an xmppcv index (%s); its "
			"entries are ignored and the file is kept", path, FORMAT);
		json_decref(root);
		free(path);
		return NULL;
	}
	free(path);
	return root;
}

static char *
jdup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return xcv_strdup(json_is_string(v) ? json_string_value(v) : "");
}

static int
by_fp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->sha256,
		((const struct entry *)b)->sha256);
}

/* Load one certificate file; returns its PEM or NULL with a note. */
static char *
load_pem(struct xcv_store *s, const char *name)
{
	char *path = path_of(s, name), *text = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	struct xcv_chain *c = NULL;
	char fp[65];

	if (path == NULL)
		return NULL;
	if (xcv_read_file(&data, &len, path, 65536) < 0) {
		xcv_strv_pushf(&s->notes, "%s: ignored", xcv_error_last());
	} else if (xcv_chain_load_mem(&c, data, len, path) < 0 ||
	    xcv_chain_count(c) != 1) {
		xcv_strv_pushf(&s->notes, "%s is damaged (%s); ignored and kept",
			path, c ? "more than one certificate" : xcv_error_last());
	} else if (xcv_chain_sha256(c, 0, fp) < 0 || strncmp(fp, name, 64) != 0) {
		xcv_strv_pushf(&s->notes, "%s holds a certificate whose SHA-256 "
			"is not its name; ignored and kept", path);
	} else {
		text = (char *)data;
		data = NULL;
	}
	xcv_chain_free(c);
	free(data);
	free(path);
	return text;
}

/* (Re)read the whole store from disk. */
static int
load(struct xcv_store *s)
{
	DIR *d;
	struct dirent *de;
	struct xcv_strv pems = {0};
	json_t *root = NULL, *certs, *val;
	const char *key;
	bool damaged;
	int rc = 0;

	clear_entries(s);
	xcv_strv_clear(&s->notes);
	d = opendir(s->dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return xcv_set_error(XCV_ERROR, "cannot read the store %s: %s",
			s->dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    strcmp(n, INDEX) == 0 || strcmp(n, LOCK) == 0)
			continue;
		if (is_fp_name(n))
			xcv_strv_push(&pems, n);
		else if (strstr(n, ".tmp.") != NULL)
			xcv_strv_pushf(&s->notes, "%s/%s is left over from an "
				"interrupted write; ignored", s->dir, n);
		else if (strncmp(n, INDEX ".damaged-", strlen(INDEX) + 9) == 0)
			xcv_strv_pushf(&s->notes, "%s/%s is a damaged index kept "
				"aside; ignored", s->dir, n);
		else
			xcv_strv_pushf(&s->notes, "%s/%s is not part of the store; "
				"ignored and kept", s->dir, n);
	}
	closedir(d);
	if ((rc = xcv_strv_ok(&pems)) < 0)
		goto out;
	root = read_index(s, &damaged);
	certs = root ? json_object_get(root, "certificates") : NULL;
	json_object_foreach(certs, key, val) {
		char name[80];
		struct entry *e, *v;
		json_t *doms = json_object_get(val, "domains");

		snprintf(name, sizeof(name), "%s.pem", key);
		if (!is_fp_name(name) || !json_is_object(val) ||
		    !json_is_array(doms)) {
			xcv_strv_pushf(&s->notes, "the index entry '%s' is not "
				"valid; ignored", key);
			continue;
		}
		if (!xcv_strv_contains(&pems, name)) {
			xcv_strv_pushf(&s->notes, "the index names %s but its "
				"certificate file is missing; ignored", key);
			continue;
		}
		v = realloc(s->v, (s->n + 1) * sizeof(*v));
		if (v == NULL) {
			rc = xcv_oom();
			goto out;
		}
		s->v = v;
		e = &v[s->n];
		memset(e, 0, sizeof(*e));
		e->pem = load_pem(s, name);
		if (e->pem == NULL)
			continue;
		memcpy(e->sha256, key, 64);
		e->subject = jdup(val, "subject");
		e->host = jdup(val, "host");
		e->accepted = jdup(val, "accepted");
		s->n++;
		for (size_t i = 0; i < json_array_size(doms); i++)
			if (json_is_string(json_array_get(doms, i)))
				xcv_strv_push(&e->domains,
					json_string_value(json_array_get(doms, i)));
		if (!e->subject || !e->host || !e->accepted ||
		    xcv_strv_ok(&e->domains) < 0) {
			rc = xcv_oom();
			goto out;
		}
	}
	for (size_t i = 0; i < pems.n; i++) {
		char fp[65];
		memcpy(fp, pems.v[i], 64);
		fp[64] = '\0';
		if (!damaged && json_object_get(certs, fp) == NULL)
			xcv_strv_pushf(&s->notes, "%s/%s is not in the index; "
				"ignored (accept it again to use it)", s->dir,
				pems.v[i]);
	}
	if (damaged && pems.n)
		xcv_strv_pushf(&s->notes, "%zu certificate file%s kept, but "
			"without a readable index no acceptance is used",
			pems.n, pems.n == 1 ? " is" : "s are");
	if ((rc = xcv_strv_ok(&s->notes)) < 0)
		goto out;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_fp);
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = &s->v[i];
		e->view = (struct xcv_store_entry){ .sha256 = e->sha256,
			.subject = e->subject, .host = e->host,
			.accepted_at = e->accepted,
			.domains = (const char *const *)e->domains.v,
			.n_domains = e->domains.n, .pem = e->pem };
	}
out:
	json_decref(root);
	xcv_strv_clear(&pems);
	if (rc < 0)
		clear_entries(s);
	return rc;
}

int
xcv_store_open(struct xcv_store **out, const char *dir)
{
	struct xcv_store *s;
	const char *env = getenv("XMPPCV_STORE"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return xcv_oom();
	if (dir != NULL && *dir)
		s->dir = xcv_strdup(dir);
	else if (env != NULL && *env)
		s->dir = xcv_strdup(env);
	else if (xdg != NULL && *xdg == '/')
		s->dir = xcv_asprintf("%s/xmppcv/accepted", xdg);
	else if (home != NULL && *home)
		s->dir = xcv_asprintf("%s/.local/share/xmppcv/accepted", home);
	else {
		free(s);
		return xcv_set_error(XCV_EINPUT, "no store directory: set HOME "
			"or XMPPCV_STORE, or name a directory");
	}
	rc = s->dir ? load(s) : xcv_oom();
	if (rc < 0) {
		xcv_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *
xcv_store_path(const struct xcv_store *s)
{
	return s->dir;
}

size_t
xcv_store_note_count(const struct xcv_store *s)
{
	return s->notes.n;
}

const char *
xcv_store_note(const struct xcv_store *s, size_t i)
{
	return i < s->notes.n ? s->notes.v[i] : NULL;
}

size_t
xcv_store_count(const struct xcv_store *s)
{
	return s->n;
}

const struct xcv_store_entry *
xcv_store_entry(const struct xcv_store *s, size_t i)
{
	return i < s->n ? &s->v[i].view : NULL;
}

int
xcv_store_find(const struct xcv_store *s, const char *fp)
{
	char want[65];
	size_t n = 0;
	int found = XCV_ENOTFOUND;

	for (; *fp && n < 64; fp++) {
		char c = *fp >= 'A' && *fp <= 'F' ? (char)(*fp + 32) : *fp;
		if (c == ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return xcv_set_error(XCV_EINPUT, "'%s' is not a SHA-256 "
				"fingerprint", fp);
		want[n++] = c;
	}
	want[n] = '\0';
	if (n < 8 || *fp)
		return xcv_set_error(XCV_EINPUT, "give at least 8 hex digits of "
			"the SHA-256 fingerprint");
	for (size_t i = 0; i < s->n; i++) {
		if (strncmp(s->v[i].sha256, want, n) != 0)
			continue;
		if (found >= 0)
			return xcv_set_error(XCV_EINPUT, "'%s' matches more than "
				"one certificate; give more digits", want);
		found = (int)i;
	}
	if (found < 0)
		return xcv_set_error(XCV_ENOTFOUND, "no accepted certificate "
			"with fingerprint %s in %s", want, s->dir);
	return found;
}

bool
xcv_store_accepted(const struct xcv_store *s, const char *sha256,
	const char *domain)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].sha256, sha256) == 0)
			return xcv_strv_contains(&s->v[i].domains, domain);
	return false;
}

size_t
xcv_store_others(const struct xcv_store *s, const char *domain,
	const char *sha256, const char **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n && k < max; i++)
		if (strcmp(s->v[i].sha256, sha256) != 0 &&
		    xcv_strv_contains(&s->v[i].domains, domain))
			out[k++] = s->v[i].sha256;
	return k;
}

/* mkdir -p with mode 0700 for what it creates. */
static int
make_dirs(const char *dir)
{
	char *p = xcv_strdup(dir);
	int rc = 0;

	if (p == NULL)
		return -1;
	for (char *q = p + 1; ; q++) {
		if (*q == '/' || *q == '\0') {
			char c = *q;
			*q = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*q = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

/* Make renames in the store durable; XCV_ERROR with a message. */
static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	rc = fd < 0 ? -1 : fsync(fd);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		return xcv_set_error(XCV_ERROR, "cannot sync the store %s: %s",
			dir, strerror(errno));
	return 0;
}

/* Write data to dir/name through a temp file, fsync and rename. */
static int
write_atomic(struct xcv_store *s, const char *name, const char *data,
	size_t len, const char *point)
{
	char *path = path_of(s, name);
	char *tmp = xcv_asprintf("%s/%s.tmp.%ld", s->dir, name, (long)getpid());
	int fd = -1, rc = XCV_ERROR;

	if (path == NULL || tmp == NULL) {
		rc = xcv_oom();
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || xcv_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto out;
	fault(point);
	rc = close(fd);
	fd = -1;
	if (rc == 0)
		rc = rename(tmp, path);
out:
	if (rc == -1) {
		rc = xcv_set_error(XCV_ERROR, "cannot write %s in the store %s: "
			"%s; the store is unchanged", name, s->dir,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(path);
	free(tmp);
	return rc;
}

static int
lock_store(struct xcv_store *s)
{
	char *path;
	int fd;

	if (make_dirs(s->dir) < 0)
		return xcv_set_error(XCV_ERROR, "cannot create the store %s: %s",
			s->dir, strerror(errno));
	path = path_of(s, LOCK);
	if (path == NULL)
		return xcv_oom();
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return xcv_set_error(XCV_ERROR, "cannot write to the store %s: %s; "
			"nothing was changed", s->dir, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return xcv_set_error(XCV_ERROR, "cannot lock the store %s: "
				"%s", s->dir, strerror(errno));
		}
	}
	return fd;
}

/* Under the lock: the index as on disk, a damaged one moved aside. */
static json_t *
locked_index(struct xcv_store *s)
{
	bool damaged;
	json_t *root = read_index(s, &damaged);

	if (root == NULL && damaged) {
		char *from = path_of(s, INDEX);
		char *to = xcv_asprintf("%s/" INDEX ".damaged-%lld-%ld", s->dir,
			(long long)time(NULL), (long)getpid());
		if (from && to && rename(from, to) == 0)
			xcv_strv_pushf(&s->notes, "moved the damaged index aside to "
				"%s (nothing deleted); its acceptances must be "
				"given again", to);
		free(from);
		free(to);
		root = json_pack("{s:s,s:{}}", "format", FORMAT, "certificates");
	}
	return root;
}

static int
save_index(struct xcv_store *s, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;

	if (text == NULL)
		return xcv_oom();
	rc = write_atomic(s, INDEX, text, strlen(text), "after-index-fsync");
	free(text);
	return rc;
}

int
xcv_store_add(struct xcv_store *s, const struct xcv_chain *chain,
	const char *domain, const char *host)
{
	X509 *leaf;
	struct xcv_certinfo ci = {0};
	char name[80], now[32], *pem = NULL, *norm = NULL;
	json_t *root = NULL, *certs, *e, *doms;
	struct xcv_strv keep = {0};
	bool ip;
	int fd = -1, rc;

	if (xcv_chain_count(chain) == 0)
		return xcv_set_error(XCV_EINPUT, "no certificate to accept");
	/* The domain as verification compares it. */
	rc = xcv_reference_normalize(&norm, &ip, domain);
	if (rc < 0)
		return rc;
	domain = norm;
	leaf = sk_X509_value(chain->certs, 0);
	if ((rc = xcv_certinfo_fill(&ci, leaf)) < 0)
		goto out;
	{
		struct xcv_chain one = { .certs = sk_X509_new_null() };
		if (one.certs && sk_X509_push(one.certs, leaf) > 0)
			pem = xcv_chain_to_pem(&one);
		sk_X509_free(one.certs);
	}
	rc = XCV_ERROR;
	if (pem == NULL) {
		rc = xcv_oom();
		goto out;
	}
	fd = lock_store(s);
	if (fd < 0)
		goto out;
	/* Notes from moving a damaged index aside must survive reload(). */
	root = locked_index(s);
	for (size_t i = 0; i < s->notes.n; i++)
		xcv_strv_push(&keep, s->notes.v[i]);
	if (root == NULL)
		goto out;
	snprintf(name, sizeof(name), "%s.pem", ci.sha256);
	if (write_atomic(s, name, pem, strlen(pem), "after-pem-fsync") < 0)
		goto out;
	fault("after-pem-rename");
	certs = json_object_get(root, "certificates");
	e = json_object_get(certs, ci.sha256);
	xcv_time_format((int64_t)time(NULL), now);
	if (!json_is_object(e)) {
		e = json_pack("{s:s,s:s,s:s,s:[]}", "subject", ci.subject, "host",
			host ? host : "", "accepted", now, "domains");
		json_object_set_new(certs, ci.sha256, e);
	}
	doms = json_object_get(e, "domains");
	if (!json_is_array(doms)) {
		doms = json_array();
		json_object_set_new(e, "domains", doms);
	}
	{
		bool have = false;
		for (size_t i = 0; i < json_array_size(doms); i++)
			have |= json_is_string(json_array_get(doms, i)) &&
				strcmp(json_string_value(json_array_get(doms, i)),
				domain) == 0;
		if (!have)
			json_array_append_new(doms, json_string(domain));
	}
	if (save_index(s, root) < 0)
		goto out;
	fault("before-dir-fsync");
	if (fsync_dir(s->dir) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	if (fd >= 0) {
		int keep_rc = rc;
		load(s);
		for (size_t i = 0; i < keep.n; i++)
			if (!xcv_strv_contains(&s->notes, keep.v[i]))
				xcv_strv_push(&s->notes, keep.v[i]);
		close(fd);   /* releases the lock */
		rc = keep_rc;
	}
	xcv_strv_clear(&keep);
	xcv_certinfo_clear(&ci);
	free(pem);
	free(norm);
	return rc;
}

int
xcv_store_remove(struct xcv_store *s, const char *sha256)
{
	json_t *root = NULL, *certs;
	char name[80], *path = NULL;
	int fd, rc = XCV_ERROR;

	fd = lock_store(s);
	if (fd < 0)
		return XCV_ERROR;
	root = locked_index(s);
	if (root == NULL)
		goto out;
	certs = json_object_get(root, "certificates");
	if (json_object_get(certs, sha256) == NULL) {
		rc = xcv_set_error(XCV_ENOTFOUND, "no accepted certificate %s in "
			"%s", sha256, s->dir);
		goto out;
	}
	json_object_del(certs, sha256);
	/* Index first: a crash then leaves an unindexed file (reported),
	 * never an index entry without its certificate. */
	if (save_index(s, root) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.pem", sha256);
	path = path_of(s, name);
	if (path == NULL || (unlink(path) < 0 && errno != ENOENT)) {
		xcv_set_error(XCV_ERROR, "cannot remove %s: %s", name,
			strerror(errno));
		goto out;
	}
	if (fsync_dir(s->dir) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	free(path);
	load(s);
	close(fd);
	return rc;
}
