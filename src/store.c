/* The accepted-certificate store (see include/xmppcv/store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chain_internal.h"
#include "identity.h"
#include "store_internal.h"

#define INDEX "index.json"
#define LOCK ".lock"
#define ASIDE INDEX ".damaged-"
#define TMP ".tmp."
#define PEM_MAX 65536

struct entry {
	struct xcv_index_entry ie;
	char *pem;
	struct xcv_store_entry view;   /* what xcv_store_entry() shows */
};

struct xcv_store {
	char *dir;
	struct entry *v;
	size_t n;
	struct xcv_strv notes;     /* what the last read found */
	struct xcv_strv actions;   /* what the last write did besides its change */
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

/* Names in the store. */

/* FP.pem: a certificate file. */
static bool
is_fp_name(const char *name)
{
	size_t n = strlen(name);

	return n == 68 && strcmp(name + 64, ".pem") == 0 && xcv_index_is_fp(name, 64);
}

/* FP.pem.tmp.PID or index.json.tmp.PID: what write_atomic() writes first. */
static bool
is_temp_name(const char *name)
{
	const char *t = strstr(name, TMP);
	size_t k;

	if (t == NULL)
		return false;
	k = (size_t)(t - name);
	if (!(k == strlen(INDEX) && strncmp(name, INDEX, k) == 0) &&
	    !(k == 68 && strncmp(name + 64, ".pem", 4) == 0 &&
	    xcv_index_is_fp(name, 64)))
		return false;
	t += strlen(TMP);
	if (*t == '\0')
		return false;
	for (; *t; t++)
		if (*t < '0' || *t > '9')
			return false;
	return true;
}

static char *
path_of(const struct xcv_store *s, const char *name)
{
	return xcv_asprintf("%s/%s", s->dir, name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_strv(struct xcv_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), by_name);
}

/* Files. */

/*
 * Read dir/name whole, up to limit + 1 bytes (more than limit means too
 * large), NUL-terminated. XCV_ENOTFOUND if it does not exist; XCV_ERROR
 * with a message if it cannot be read: that is never damage.
 */
static int
read_in(const struct xcv_store *s, const char *name, size_t limit,
	unsigned char **out, size_t *len)
{
	char *path = path_of(s, name);
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	int fd = -1, rc = 0;

	*out = NULL;
	*len = 0;
	if (path == NULL)
		return xcv_oom();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? XCV_ENOTFOUND : xcv_set_error(XCV_ERROR,
			"cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t got;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > limit + 1)
				cap = limit + 1;
			if (n == cap)
				break;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = xcv_oom();
				goto out;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = xcv_set_error(XCV_ERROR, "cannot read %s: %s", path,
				strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rc;
}

/* What the directory holds, by kind, each sorted. */
struct listing {
	struct xcv_strv pems, temps, asides, other;
};

static void
listing_clear(struct listing *l)
{
	xcv_strv_clear(&l->pems);
	xcv_strv_clear(&l->temps);
	xcv_strv_clear(&l->asides);
	xcv_strv_clear(&l->other);
}

/* XCV_ENOTFOUND if the directory does not exist; XCV_ERROR. */
static int
list_dir(const struct xcv_store *s, struct listing *l)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;
	int rc;

	memset(l, 0, sizeof(*l));
	if (d == NULL)
		return errno == ENOENT ? XCV_ENOTFOUND : xcv_set_error(XCV_ERROR,
			"cannot read the store %s: %s", s->dir, strerror(errno));
	for (;;) {
		const char *n;
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		n = de->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    strcmp(n, INDEX) == 0 || strcmp(n, LOCK) == 0)
			continue;
		if (is_fp_name(n))
			xcv_strv_push(&l->pems, n);
		else if (is_temp_name(n))
			xcv_strv_push(&l->temps, n);
		else if (strncmp(n, ASIDE, strlen(ASIDE)) == 0)
			xcv_strv_push(&l->asides, n);
		else
			xcv_strv_push(&l->other, n);
	}
	rc = errno ? xcv_set_error(XCV_ERROR, "cannot read the store %s: %s",
		s->dir, strerror(errno)) : 0;
	closedir(d);
	if (rc == 0 && (l->pems.oom || l->temps.oom || l->asides.oom ||
	    l->other.oom))
		rc = xcv_oom();
	if (rc < 0) {
		listing_clear(l);
		return rc;
	}
	sort_strv(&l->pems);
	sort_strv(&l->temps);
	sort_strv(&l->asides);
	sort_strv(&l->other);
	return 0;
}

/* Make renames and new names in dir durable; -1 with errno. */
static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/*
 * mkdir -p with mode 0700 for what it creates, each new directory's name
 * made durable in its parent (fsync of the parent); -1 with errno.
 */
static int
make_dirs(const char *dir)
{
	char *p = xcv_strdup(dir);
	int rc = 0;

	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (char *q = p + 1; rc == 0; q++) {
		char c = *q, *slash;
		if (c != '/' && c != '\0')
			continue;
		if (q[-1] != '/') {
			*q = '\0';
			if (mkdir(p, 0700) == 0) {
				slash = strrchr(p, '/');
				if (slash == NULL) {
					rc = fsync_dir(".");
				} else if (slash == p) {
					rc = fsync_dir("/");
				} else {
					*slash = '\0';
					rc = fsync_dir(p);
					*slash = '/';
				}
			} else if (errno != EEXIST) {
				rc = -1;
			}
			*q = c;
		}
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* Locks. Readers share the lock, a writer holds it alone: no reader sees
 * a write in progress, and what a writer finds in the store under its lock
 * is left by writers that are gone. */

static int
flock_retry(int fd, int how)
{
	int rc;

	while ((rc = flock(fd, how)) < 0 && errno == EINTR)
		;
	return rc;
}

/*
 * A reader's lock: *fd, or -1 where no writer can be at work (the store
 * has no lock file and this user cannot make one; the file system cannot
 * lock, so no writer can either). XCV_ENOTFOUND if there is no store.
 */
static int
lock_shared(const struct xcv_store *s, int *fd)
{
	char *path = path_of(s, LOCK);
	int rc = 0;

	*fd = -1;
	if (path == NULL)
		return xcv_oom();
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		*fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		if (errno == ENOENT)
			rc = XCV_ENOTFOUND;
		else if (errno != EACCES && errno != EPERM && errno != EROFS)
			rc = xcv_set_error(XCV_ERROR, "cannot read the store %s: "
				"%s", s->dir, strerror(errno));
	} else if (flock_retry(*fd, LOCK_SH) < 0) {
		if (errno != ENOLCK && errno != EOPNOTSUPP && errno != EINVAL)
			rc = xcv_set_error(XCV_ERROR, "cannot lock the store %s: "
				"%s", s->dir, strerror(errno));
		close(*fd);
		*fd = -1;
	}
	free(path);
	return rc;
}

/* A writer's lock, the directory made first. */
static int
lock_exclusive(const struct xcv_store *s)
{
	char *path;
	int fd;

	if (make_dirs(s->dir) < 0) {
		if (errno == ENOMEM)
			return xcv_oom();
		return xcv_set_error(XCV_ERROR, "cannot create the store %s: %s",
			s->dir, strerror(errno));
	}
	path = path_of(s, LOCK);
	if (path == NULL)
		return xcv_oom();
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return xcv_set_error(XCV_ERROR, "cannot write to the store %s: %s; "
			"nothing was changed", s->dir, strerror(errno));
	if (flock_retry(fd, LOCK_EX) < 0) {
		int e = errno;
		close(fd);
		return xcv_set_error(XCV_ERROR, "cannot lock the store %s: %s; "
			"nothing was changed", s->dir, strerror(e));
	}
	return fd;
}

/* Reading. */

static void
clear_entries(struct xcv_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		xcv_index_entry_clear(&s->v[i].ie);
		free(s->v[i].pem);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/*
 * The certificate file of an index entry: *out is its PEM, or NULL with a
 * note when the file is missing or does not hold that certificate.
 * XCV_ERROR when it cannot be read.
 */
static int
load_pem(struct xcv_store *s, const char *fp, char **out)
{
	char name[80], fp2[65], *path;
	unsigned char *data = NULL;
	size_t len;
	struct xcv_chain *c = NULL;
	int rc;

	*out = NULL;
	snprintf(name, sizeof(name), "%s.pem", fp);
	rc = read_in(s, name, PEM_MAX, &data, &len);
	if (rc == XCV_ENOTFOUND) {
		xcv_strv_pushf(&s->notes, "the index names %s but its certificate "
			"file is missing; ignored", fp);
		return 0;
	}
	if (rc < 0)
		return rc;
	if ((path = path_of(s, name)) == NULL) {
		rc = xcv_oom();
	} else if (len > PEM_MAX) {
		xcv_strv_pushf(&s->notes, "%s is damaged (over %d bytes); ignored "
			"and kept", path, PEM_MAX);
	} else if ((rc = xcv_chain_load_mem(&c, data, len, path)) < 0 ||
	    xcv_chain_count(c) != 1) {
		if (rc != XCV_ENOMEM)
			rc = xcv_strv_pushf(&s->notes, "%s is damaged (%s); ignored "
				"and kept", path, c ? "more than one certificate" :
				xcv_error_last());
	} else if ((rc = xcv_chain_sha256(c, 0, fp2)) == 0 &&
	    strcmp(fp2, fp) != 0) {
		xcv_strv_pushf(&s->notes, "%s holds a certificate whose SHA-256 "
			"is not its name; ignored and kept", path);
	} else if (rc == 0 && (*out = xcv_chain_to_pem(c)) == NULL) {
		rc = xcv_oom();
	}
	xcv_chain_free(c);
	free(data);
	free(path);
	return rc < 0 ? rc : xcv_strv_ok(&s->notes);
}

/* The entries of a parsed index whose certificate files hold them. */
static int
load_entries(struct xcv_store *s, struct xcv_index *idx)
{
	int rc = 0;

	s->v = calloc(idx->n ? idx->n : 1, sizeof(*s->v));
	if (s->v == NULL)
		return xcv_oom();
	for (size_t i = 0; i < idx->n; i++) {
		struct entry *e = &s->v[s->n];
		if ((rc = load_pem(s, idx->v[i].sha256, &e->pem)) < 0)
			return rc;
		if (e->pem == NULL)
			continue;
		e->ie = idx->v[i];   /* moved: idx keeps an empty copy */
		memset(&idx->v[i], 0, sizeof(idx->v[i]));
		s->n++;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct entry *e = &s->v[i];
		e->view = (struct xcv_store_entry){ .sha256 = e->ie.sha256,
			.subject = e->ie.subject, .host = e->ie.host,
			.accepted_at = e->ie.accepted,
			.domains = (const char *const *)e->ie.domains.v,
			.n_domains = e->ie.domains.n, .pem = e->pem };
	}
	return 0;
}

/* What a reader says about the files that are not entries. */
static void
note_files(struct xcv_store *s, const struct listing *l,
	const struct xcv_index *idx, bool index_ok)
{
	for (size_t i = 0; i < l->other.n; i++)
		xcv_strv_pushf(&s->notes, "%s/%s is not part of the store; "
			"ignored and kept", s->dir, l->other.v[i]);
	for (size_t i = 0; i < l->temps.n; i++)
		xcv_strv_pushf(&s->notes, "%s/%s is left over from an "
			"interrupted write; ignored, and removed by the next "
			"change to the store", s->dir, l->temps.v[i]);
	for (size_t i = 0; i < l->asides.n; i++)
		xcv_strv_pushf(&s->notes, "%s/%s is a damaged index kept aside; "
			"ignored", s->dir, l->asides.v[i]);
	if (!index_ok) {
		if (l->pems.n)
			xcv_strv_pushf(&s->notes, "%zu certificate file%s kept, "
				"but without a readable index no acceptance is used",
				l->pems.n, l->pems.n == 1 ? " is" : "s are");
		return;
	}
	for (size_t i = 0; i < l->pems.n; i++) {
		char fp[65];
		memcpy(fp, l->pems.v[i], 64);
		fp[64] = '\0';
		if (xcv_strv_contains(&idx->named, fp))
			continue;
		if (l->asides.n)
			xcv_strv_pushf(&s->notes, "%s/%s is not in the index; "
				"ignored, and kept while a damaged index is kept "
				"aside (accept it again to use it)", s->dir,
				l->pems.v[i]);
		else
			xcv_strv_pushf(&s->notes, "%s/%s is not in the index (left "
				"over from an interrupted write); ignored, and "
				"removed by the next change to the store", s->dir,
				l->pems.v[i]);
	}
}

/* (Re)read the whole store; under the shared lock unless the caller holds
 * the exclusive one. */
static int
load(struct xcv_store *s, bool locked)
{
	struct listing l = {0};
	struct xcv_index idx = {0};
	unsigned char *data = NULL;
	size_t len = 0;
	json_t *root = NULL;
	char *path = NULL;
	bool index_ok = true;
	int fd = -1, rc;

	clear_entries(s);
	xcv_strv_clear(&s->notes);
	if (!locked && (rc = lock_shared(s, &fd)) < 0)
		goto out;
	if ((rc = list_dir(s, &l)) < 0)
		goto out;
	rc = read_in(s, INDEX, XCV_INDEX_MAX, &data, &len);
	if (rc == XCV_ENOTFOUND)
		rc = 0;
	else if (rc < 0)
		goto out;
	else if ((path = path_of(s, INDEX)) == NULL)
		rc = xcv_oom();
	else if ((rc = xcv_index_parse_json(&idx, &root, data, len,
	    path)) == XCV_EINPUT) {
		index_ok = false;
		rc = xcv_strv_pushf(&s->notes, idx.other_format ? "%s; its "
			"entries are not used, and the file is kept" : "%s; its "
			"entries are ignored and the file is kept",
			xcv_error_last());
	}
	if (rc < 0)
		goto out;
	note_files(s, &l, &idx, index_ok);
	if ((rc = load_entries(s, &idx)) < 0)
		goto out;
	for (size_t i = 0; i < idx.notes.n; i++)
		xcv_strv_push(&s->notes, idx.notes.v[i]);
	rc = xcv_strv_ok(&s->notes);
out:
	if (fd >= 0)
		close(fd);
	/* No directory yet: an empty store. */
	if (rc == XCV_ENOTFOUND)
		rc = 0;
	json_decref(root);
	xcv_index_clear(&idx);
	listing_clear(&l);
	free(data);
	free(path);
	if (rc < 0) {
		clear_entries(s);
		xcv_strv_clear(&s->notes);
	}
	return rc;
}

void
xcv_store_free(struct xcv_store *s)
{
	if (s == NULL)
		return;
	clear_entries(s);
	xcv_strv_clear(&s->notes);
	xcv_strv_clear(&s->actions);
	free(s->dir);
	free(s);
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
	rc = s->dir ? load(s, false) : xcv_oom();
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
xcv_store_action_count(const struct xcv_store *s)
{
	return s->actions.n;
}

const char *
xcv_store_action(const struct xcv_store *s, size_t i)
{
	return i < s->actions.n ? s->actions.v[i] : NULL;
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

/* A fingerprint or its first 8 or more hex digits, colons ignored, as
 * lower-case hex into want. */
static int
fp_prefix(char want[65], const char *fp)
{
	size_t n = 0;
	const char *p;

	for (p = fp; *p && n < 64; p++) {
		char c = *p >= 'A' && *p <= 'F' ? (char)(*p + 32) : *p;
		if (c == ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			char *shown = xcv_index_shown(fp);
			int rc = xcv_set_error(XCV_EINPUT, "'%s' is not a SHA-256 "
				"fingerprint", shown ? shown : "?");
			free(shown);
			return rc;
		}
		want[n++] = c;
	}
	want[n] = '\0';
	if (n < 8 || *p)
		return xcv_set_error(XCV_EINPUT, "give at least 8 hex digits of "
			"the SHA-256 fingerprint");
	return 0;
}

int
xcv_store_find(const struct xcv_store *s, const char *fp)
{
	char want[65];
	size_t n;
	int found = XCV_ENOTFOUND, rc;

	if ((rc = fp_prefix(want, fp)) < 0)
		return rc;
	n = strlen(want);
	for (size_t i = 0; i < s->n; i++) {
		if (strncmp(s->v[i].ie.sha256, want, n) != 0)
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
		if (strcmp(s->v[i].ie.sha256, sha256) == 0)
			return xcv_strv_contains(&s->v[i].ie.domains, domain);
	return false;
}

size_t
xcv_store_others(const struct xcv_store *s, const char *domain,
	const char *sha256, const char **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n && k < max; i++)
		if (strcmp(s->v[i].ie.sha256, sha256) != 0 &&
		    xcv_strv_contains(&s->v[i].ie.domains, domain))
			out[k++] = s->v[i].ie.sha256;
	return k;
}

/* Writing. */

/*
 * Write data to dir/name through a temp file: write, fsync, rename. -1
 * with *err set (XCV_ENOMEM for memory); *left names a temp file that
 * could not be removed again.
 */
static int
write_atomic(struct xcv_store *s, const char *name, const char *data,
	size_t len, const char *point, int *err, char **left)
{
	char *path = path_of(s, name);
	char *tmp = xcv_asprintf("%s/%s" TMP "%ld", s->dir, name, (long)getpid());
	int fd = -1, rc = -1;

	*err = 0;
	*left = NULL;
	if (path == NULL || tmp == NULL) {
		rc = xcv_oom();
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = errno;
		goto out;
	}
	if (xcv_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		*err = errno;
		goto out;
	}
	fault(point);
	rc = close(fd);
	fd = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0)
		*err = errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc == -1 && tmp != NULL && unlink(tmp) < 0 && errno != ENOENT) {
		*left = tmp;
		tmp = NULL;
	}
	free(path);
	free(tmp);
	return rc;
}

/* The last error, and that nothing was changed. */
static int
nothing_changed(int rc)
{
	char msg[1024];

	if (rc == XCV_ENOMEM)
		return rc;
	snprintf(msg, sizeof(msg), "%s", xcv_error_last());
	return xcv_set_error(rc, "%s; nothing was changed", msg);
}

/* What a writer found under its lock. */
struct writing {
	struct listing l;
	struct xcv_index idx;
	json_t *root;        /* the index to change */
	bool changed;        /* the store changed before the change asked for */
};

static void
writing_clear(struct writing *w)
{
	listing_clear(&w->l);
	xcv_index_clear(&w->idx);
	json_decref(w->root);
}

/* Move a damaged index aside, never overwriting it. */
static int
move_aside(struct xcv_store *s, struct writing *w)
{
	char *from = path_of(s, INDEX);
	char *to = xcv_asprintf("%s/" ASIDE "%lld-%ld", s->dir,
		(long long)time(NULL), (long)getpid());
	int rc = 0;

	if (from == NULL || to == NULL) {
		rc = xcv_oom();
	} else if (rename(from, to) < 0) {
		rc = xcv_set_error(XCV_ERROR, "cannot move the damaged index %s "
			"aside to %s: %s; nothing was changed", from, to,
			strerror(errno));
	} else {
		w->changed = true;
		xcv_strv_pushf(&s->actions, "moved the damaged index aside to %s "
			"(nothing deleted); its acceptances must be given again",
			to);
		if (fsync_dir(s->dir) < 0)
			rc = xcv_set_error(XCV_ERROR, "cannot sync the store %s: "
				"%s; the damaged index was moved aside to %s, and "
				"nothing else was changed", s->dir, strerror(errno),
				to);
	}
	free(from);
	free(to);
	return rc < 0 ? rc : xcv_strv_ok(&s->actions);
}

/*
 * Under the exclusive lock nobody else writes, so what is left of a write
 * was left by a writer that is gone: temp files, and certificate files no
 * index entry names (unless a damaged index kept aside might name them).
 * Remove them, and say so once.
 */
static int
clean_leftovers(struct xcv_store *s, struct writing *w, bool pems_too)
{
	struct xcv_strv gone = {0};
	char *list = NULL;
	int rc = 0;

	for (size_t i = 0; i < w->l.temps.n + w->l.pems.n; i++) {
		bool temp = i < w->l.temps.n;
		const char *n = temp ? w->l.temps.v[i] :
			w->l.pems.v[i - w->l.temps.n];
		char fp[65], *path;
		if (!temp) {
			memcpy(fp, n, 64);
			fp[64] = '\0';
			if (!pems_too || xcv_strv_contains(&w->idx.named, fp))
				continue;
		}
		if ((path = path_of(s, n)) == NULL) {
			rc = xcv_oom();
			goto out;
		}
		if (unlink(path) == 0)
			xcv_strv_push(&gone, n);
		else if (errno != ENOENT)
			xcv_strv_pushf(&s->actions, "could not remove %s, left over "
				"from an interrupted write: %s", path,
				strerror(errno));
		free(path);
	}
	if ((rc = xcv_strv_ok(&gone)) < 0 || gone.n == 0)
		goto out;
	w->changed = true;
	sort_strv(&gone);
	for (size_t i = 0; i < gone.n; i++) {
		char *next = xcv_asprintf("%s%s%s", list ? list : "",
			i ? ", " : "", gone.v[i]);
		free(list);
		if ((list = next) == NULL) {
			rc = xcv_oom();
			goto out;
		}
	}
	xcv_strv_pushf(&s->actions, "removed %zu file%s left over from "
		"interrupted writes: %s", gone.n, gone.n == 1 ? "" : "s", list);
out:
	xcv_strv_clear(&gone);
	free(list);
	return rc < 0 ? rc : xcv_strv_ok(&s->actions);
}

/*
 * Under the exclusive lock: the store as on disk, read errors stopping
 * everything. A damaged index is moved aside (aside) or stops the write.
 */
static int
begin_write(struct xcv_store *s, struct writing *w, bool aside)
{
	unsigned char *data = NULL;
	size_t len = 0;
	char *path = NULL;
	bool damaged = false;
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = list_dir(s, &w->l)) < 0) {
		if (rc == XCV_ENOTFOUND)
			rc = xcv_set_error(XCV_ERROR, "the store %s went away",
				s->dir);
		return nothing_changed(rc);
	}
	rc = read_in(s, INDEX, XCV_INDEX_MAX, &data, &len);
	if (rc == XCV_ENOTFOUND) {
		rc = 0;
	} else if (rc < 0) {
		rc = nothing_changed(rc);
		goto out;
	} else if ((path = path_of(s, INDEX)) == NULL) {
		rc = xcv_oom();
		goto out;
	} else if ((rc = xcv_index_parse_json(&w->idx, &w->root, data, len, path)) ==
	    XCV_EINPUT) {
		if (w->idx.other_format || !aside) {
			rc = nothing_changed(XCV_ERROR);
			goto out;
		}
		damaged = true;
		if ((rc = move_aside(s, w)) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (w->root == NULL && (w->root = json_pack("{s:s,s:{}}", "format",
	    XCV_INDEX_FORMAT, "certificates")) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	rc = clean_leftovers(s, w, !damaged && w->l.asides.n == 0);
out:
	free(data);
	free(path);
	return rc;
}

/* After a write: read the store again under the lock, then let go. */
static int
finish_write(struct xcv_store *s, int fd, int rc)
{
	char msg[1024];
	int again;

	if (fd < 0)
		return rc;
	snprintf(msg, sizeof(msg), "%s", xcv_error_last());
	again = load(s, true);
	close(fd);   /* releases the lock */
	if (rc < 0)
		return xcv_set_error(rc, "%s", msg);
	if (again < 0)
		return xcv_wrap_error(again, "the change was made, but reading "
			"the store again failed");
	return 0;
}

/* Is dir/name already these bytes? */
static bool
same_file(const struct xcv_store *s, const char *name, const char *text)
{
	unsigned char *data = NULL;
	size_t len = 0;
	bool same = read_in(s, name, PEM_MAX, &data, &len) == 0 &&
		len == strlen(text) && memcmp(data, text, len) == 0;

	free(data);
	return same;
}

/*
 * After a failed add: take back the certificate file the add created, and
 * set the error: "WHAT: ERR; " and what the store is left with.
 */
static int
add_failed(struct xcv_store *s, const struct writing *w, const char *what,
	int err, const char *name, bool created, const char *left)
{
	char *path = created ? path_of(s, name) : NULL;
	char tail[600];
	int n;

	if (created && path != NULL && (unlink(path) == 0 || errno == ENOENT)) {
		(void)fsync_dir(s->dir);
		created = false;
	}
	if (created)
		n = snprintf(tail, sizeof(tail), "the certificate was not "
			"accepted, and its file %s was left without an index "
			"entry (the next change to the store removes it)", name);
	else if (w->changed || left)
		n = snprintf(tail, sizeof(tail), "the certificate was not "
			"accepted");
	else
		n = snprintf(tail, sizeof(tail), "the store is unchanged");
	if (left && n > 0 && (size_t)n < sizeof(tail))
		snprintf(tail + n, sizeof(tail) - (size_t)n, "; the temp file "
			"%s was left (the next change to the store removes it)",
			left);
	free(path);
	return xcv_set_error(XCV_ERROR, "%s: %s; %s", what, strerror(err), tail);
}

/* Accept domain in the index for fp: a new entry, or one more domain. */
static int
index_add(struct xcv_store *s, json_t *root, const struct xcv_certinfo *ci,
	const char *domain, const char *host, bool *have)
{
	json_t *certs = json_object_get(root, "certificates"), *e, *doms;
	char now[32];

	*have = false;
	e = json_object_get(certs, ci->sha256);
	doms = json_object_get(e, "domains");
	if (e != NULL && !(json_is_object(e) && json_is_array(doms)))
		xcv_strv_pushf(&s->actions, "replaced the index entry %s, which "
			"was not valid", ci->sha256);
	if (!json_is_object(e) || !json_is_array(doms)) {
		xcv_time_format((int64_t)time(NULL), now);
		e = json_pack("{s:s,s:s,s:s,s:[]}", "subject", ci->subject,
			"host", host ? host : "", "accepted", now, "domains");
		if (e == NULL || json_object_set_new(certs, ci->sha256, e) < 0)
			return xcv_oom();
		doms = json_object_get(e, "domains");
	}
	for (size_t i = 0; i < json_array_size(doms); i++)
		*have |= json_is_string(json_array_get(doms, i)) &&
			strcmp(json_string_value(json_array_get(doms, i)),
			domain) == 0;
	if (!*have && json_array_append_new(doms, json_string(domain)) < 0)
		return xcv_oom();
	return xcv_strv_ok(&s->actions);
}

int
xcv_store_add(struct xcv_store *s, const struct xcv_chain *chain,
	const char *domain, const char *host)
{
	X509 *leaf;
	struct xcv_certinfo ci = {0};
	struct writing w = {0};
	char name[80], *pem = NULL, *norm = NULL, *text = NULL, *left = NULL;
	bool ip, created = false, have;
	int fd = -1, rc, err;
	unsigned long since = xcv_alloc_failures();

	xcv_strv_clear(&s->actions);
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
	if (pem == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if ((fd = lock_exclusive(s)) < 0) {
		rc = fd;
		goto out;
	}
	if ((rc = begin_write(s, &w, true)) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.pem", ci.sha256);
	if (!same_file(s, name, pem)) {
		bool existed = xcv_strv_contains(&w.l.pems, name);
		rc = write_atomic(s, name, pem, strlen(pem), "after-pem-fsync",
			&err, &left);
		if (rc == XCV_ENOMEM)
			goto out;
		if (rc < 0) {
			char *what = xcv_asprintf("cannot write %s in the store %s",
				name, s->dir);
			rc = what ? add_failed(s, &w, what, err, name, false, left) :
				xcv_oom();
			free(what);
			goto out;
		}
		created = !existed;
		w.changed |= existed;   /* rewritten, as the same certificate */
		fault("after-pem-rename");
		/* The certificate's name is durable before the index names it. */
		if (fsync_dir(s->dir) < 0) {
			char *what = xcv_asprintf("cannot sync the store %s", s->dir);
			rc = what ? add_failed(s, &w, what, errno, name, created,
				NULL) : xcv_oom();
			free(what);
			goto out;
		}
	}
	if ((rc = index_add(s, w.root, &ci, domain, host, &have)) < 0)
		goto out;
	if (have)
		goto out;   /* already accepted for domain: nothing to write */
	/* The index as read, changed, and written out whole, or nothing. */
	text = xcv_json_dumps(w.root, JSON_INDENT(1) | JSON_SORT_KEYS, since);
	if (text == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	rc = write_atomic(s, INDEX, text, strlen(text), "after-index-fsync", &err,
		&left);
	if (rc == XCV_ENOMEM)
		goto out;
	if (rc < 0) {
		char *what = xcv_asprintf("cannot write " INDEX " in the store %s",
			s->dir);
		rc = what ? add_failed(s, &w, what, err, name, created, left) :
			xcv_oom();
		free(what);
		goto out;
	}
	fault("before-dir-fsync");
	if (fsync_dir(s->dir) < 0) {
		rc = xcv_set_error(XCV_ERROR, "cannot sync the store %s: %s; the "
			"certificate is accepted for %s, but that may not survive "
			"a power loss", s->dir, strerror(errno), domain);
		goto out;
	}
	rc = 0;
out:
	if (rc == XCV_ENOMEM && created) {
		char *path = path_of(s, name);
		if (path != NULL)
			unlink(path);
		free(path);
		xcv_oom();
	}
	rc = finish_write(s, fd, rc);
	writing_clear(&w);
	xcv_certinfo_clear(&ci);
	free(left);
	free(text);
	free(pem);
	free(norm);
	return rc;
}

int
xcv_store_remove(char *removed, struct xcv_store *s, const char *fp)
{
	struct writing w = {0};
	char want[65], name[80], *text = NULL, *left = NULL, *path = NULL;
	const char *found = NULL;
	size_t n;
	int fd = -1, rc, err;
	unsigned long since = xcv_alloc_failures();

	if (removed != NULL)
		*removed = '\0';
	xcv_strv_clear(&s->actions);
	if ((rc = fp_prefix(want, fp)) < 0)
		return rc;
	n = strlen(want);
	if ((fd = lock_exclusive(s)) < 0)
		return fd;
	/* Decided under the lock: what another writer removed meanwhile is
	 * not there. */
	if ((rc = begin_write(s, &w, false)) < 0)
		goto out;
	for (size_t i = 0; i < w.idx.named.n; i++) {
		if (strncmp(w.idx.named.v[i], want, n) != 0)
			continue;
		if (found != NULL) {
			rc = xcv_set_error(XCV_EINPUT, "'%s' matches more than one "
				"certificate; give more digits", want);
			goto out;
		}
		found = w.idx.named.v[i];
	}
	if (found == NULL) {
		rc = xcv_set_error(XCV_ENOTFOUND, "no accepted certificate with "
			"fingerprint %s in %s", want, s->dir);
		goto out;
	}
	json_object_del(json_object_get(w.root, "certificates"), found);
	/* The index as read, changed, and written out whole, or nothing. */
	text = xcv_json_dumps(w.root, JSON_INDENT(1) | JSON_SORT_KEYS, since);
	if (text == NULL) {
		rc = XCV_ENOMEM;
		goto out;
	}
	/* Index first: a crash then leaves an unindexed file (removed by the
	 * next change), never an index entry without its certificate. */
	rc = write_atomic(s, INDEX, text, strlen(text), "after-index-fsync", &err,
		&left);
	if (rc == XCV_ENOMEM)
		goto out;
	if (rc < 0) {
		rc = xcv_set_error(XCV_ERROR, "cannot write " INDEX " in the store "
			"%s: %s; %s is still accepted%s%s%s", s->dir, strerror(err),
			found, left ? " (the temp file " : "", left ? left : "",
			left ? " was left; the next change to the store removes "
			"it)" : "");
		goto out;
	}
	if (fsync_dir(s->dir) < 0) {
		rc = xcv_set_error(XCV_ERROR, "cannot sync the store %s: %s; %s was "
			"removed from the index, but that may not survive a power "
			"loss", s->dir, strerror(errno), found);
		goto out;
	}
	snprintf(name, sizeof(name), "%s.pem", found);
	if ((path = path_of(s, name)) == NULL) {
		rc = xcv_oom();
		goto out;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		xcv_strv_pushf(&s->actions, "%s is no longer accepted, but its "
			"file %s could not be deleted: %s; the next change to the "
			"store removes it", found, path, strerror(errno));
	else
		(void)fsync_dir(s->dir);
	if (removed != NULL)
		memcpy(removed, found, 65);
	rc = xcv_strv_ok(&s->actions);
out:
	rc = finish_write(s, fd, rc);
	writing_clear(&w);
	free(path);
	free(left);
	free(text);
	return rc;
}
