#ifndef XMPPCV_STORE_H
#define XMPPCV_STORE_H

#include <xmppcv/common.h>
#include <xmppcv/chain.h>
#include <xmppcv/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The store of certificates a user accepted, like a client's "Enterprise
 * Trust": one PEM per certificate, named by its SHA-256, and an index of
 * the domains each was accepted for. An accepted certificate is trusted
 * only as that exact certificate and only for those domains.
 *
 * Writes are atomic (temp file, fsync, rename, fsync of the directory; a
 * certificate file is durable before the index names it) and hold the
 * store's lock alone, so concurrent writers lose nothing and a killed
 * writer leaves a readable store. Readers share the lock, so none sees a
 * write in progress. Damage (an index that does not parse, foreign files)
 * is reported by xcv_store_note(), never silently dropped; a file that
 * cannot be read is an error (XCV_ERROR), never taken for damage.
 */
struct xcv_store;

/*
 * Open the store in dir; NULL means $XMPPCV_STORE, else
 * $XDG_DATA_HOME/xmppcv/accepted, else ~/.local/share/xmppcv/accepted.
 * A missing directory is an empty store (created on the first write).
 */
int xcv_store_open(struct xcv_store **out, const char *dir);
void xcv_store_free(struct xcv_store *store);

/* The directory. Owned by store. */
const char *xcv_store_path(const struct xcv_store *store);

/* What was found damaged, foreign or left over while reading. Owned by
 * store. */
size_t xcv_store_note_count(const struct xcv_store *store);
const char *xcv_store_note(const struct xcv_store *store, size_t i);

/*
 * What the last xcv_store_add() or xcv_store_remove() did besides the
 * change asked for, whether or not that change was made: a damaged index
 * moved aside, files left over from interrupted writes removed. Owned by
 * store; valid until the next add or remove.
 */
size_t xcv_store_action_count(const struct xcv_store *store);
const char *xcv_store_action(const struct xcv_store *store, size_t i);

/* One accepted certificate. */
struct xcv_store_entry {
	const char *sha256;        /* lower-case hex */
	const char *subject;
	const char *host;          /* where it was accepted from, or "" */
	const char *accepted_at;   /* ISO 8601 UTC */
	const char *const *domains;/* the domains it is trusted for */
	size_t n_domains;
	const char *pem;           /* the certificate */
};

/* Entries, in order of fingerprint: entry i, or NULL past the end. Owned
 * by store; valid until the store changes. */
size_t xcv_store_count(const struct xcv_store *store);
const struct xcv_store_entry *xcv_store_entry(const struct xcv_store *store,
	size_t i);

/* The store as JSON: {"store", "certificates": [{"sha256", "subject",
 * "host", "accepted", "domains"}...], "notes"}; one entry with its "pem".
 * One line each; the caller frees it. */
char *xcv_store_to_json(const struct xcv_store *store);
char *xcv_store_entry_to_json(const struct xcv_store *store, size_t i);

/* Index of the entry whose fingerprint is fp or starts with it (at least
 * 8 hex digits, colons ignored); XCV_ENOTFOUND, or XCV_EINPUT if the prefix
 * is ambiguous or not hex. */
int xcv_store_find(const struct xcv_store *store, const char *fp);

/* Was the certificate with this SHA-256 accepted for domain? */
bool xcv_store_accepted(const struct xcv_store *store, const char *sha256,
	const char *domain);

/* Fingerprints accepted for domain other than sha256 (a changed
 * certificate); up to max into out, owned by store. Returns the count. */
size_t xcv_store_others(const struct xcv_store *store, const char *domain,
	const char *sha256, const char **out, size_t max);

/*
 * Accept chain's first certificate for domain (host is informative). The
 * domain is normalised as verification does (lower-case A-labels, no
 * trailing dot): XCV_EINPUT if it is not a domain. XCV_ERROR with a
 * message naming the directory and saying what is left when the store
 * cannot be read or written; a damaged index is moved aside first (see
 * xcv_store_action()), and when that fails nothing is written.
 */
int xcv_store_add(struct xcv_store *store, const struct xcv_chain *chain,
	const char *domain, const char *host);

/*
 * Forget the accepted certificate whose fingerprint is fp or starts with
 * it (as xcv_store_find() takes it), decided under the store's lock; its
 * whole fingerprint goes to removed (65 bytes) unless that is NULL.
 * XCV_ENOTFOUND if no entry has it (another process may have removed it
 * first); XCV_EINPUT if fp is not hex or is ambiguous; XCV_ERROR, naming
 * what is left, when the store cannot be read or written.
 */
int xcv_store_remove(char *removed, struct xcv_store *store, const char *fp);

#ifdef __cplusplus
}
#endif
#endif
