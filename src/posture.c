/*
 * The connection's posture, beyond the certificate: which TLS versions,
 * ciphers and groups the server accepts, what its stream offers over TLS,
 * and what that is worth. Every question is a connection of its own to
 * the endpoint and domain the check used, offering only what is asked
 * about, at security level 0: the question is what the server accepts,
 * whatever this OpenSSL would refuse. The check's own connection never
 * lowers its security.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_internal.h"

/* The groups asked about, in the order offered: those of RFC 8446 §4.2.7
 * that OpenSSL 3 speaks. TLS 1.2 negotiates only the elliptic ones. */
static const char *const all_groups[] = { "x25519", "secp256r1", "x448",
	"secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072", "ffdhe4096",
	"ffdhe6144", "ffdhe8192" };
enum { EC_GROUPS = 5, ROUNDS_MAX = 256 };
/* Connections at once at most, tasks and order questions together; and
 * tasks in all, slices included. */
enum { PROBES_MAX = 12, TASKS_MAX = 48 };
/* The posture as a whole ends within this many of the check's timeouts
 * (a server that answers each handshake slowly gets incomplete lists,
 * said so, not an endless check). */
enum { POSTURE_TIMEOUTS = 6 };

/* What the posture's questions share: a context for each TLS version
 * alone (one SSL_CTX each for the whole posture: each connection narrows
 * its own offer). */
struct ask {
	struct xcv_check *c;
	const struct xcv_check_params *p;
	struct xcv_tls_ctx *tls[4];  /* NULL: this OpenSSL lacks it */
	/* Each version's own probe: it offered every cipher of the version,
	 * as the first round of the enumeration would. */
	struct xcv_probe *first[4];
};

/* A posture probe offering TLS 1.minor alone, with these ciphers and
 * groups (NULL: every one), as the check's own connection went; with
 * features, it reads the stream's features over TLS too. */
static int
probe_new(struct xcv_probe **pr, const struct ask *a, int minor,
	const char *ciphers, const char *groups, bool features)
{
	struct xcv_check *c = a->c;
	struct xcv_probe_params pp = {
		.ep = c->used, .to = c->service == XCV_SERVICE_HTTPS ?
		c->target.host : c->disc.domain, .from = a->p->from,
		.service = c->service, .direct_tls = c->direct_tls,
		.timeout_ms = a->p->timeout_ms, .deadline = c->posture_deadline,
		.tls = a->tls[minor], .after_tls = features &&
		c->service != XCV_SERVICE_HTTPS, .ciphers = ciphers,
		.groups = groups,
	};
	return xcv_probe_new(pr, &pp);
}

static int
add_finding(struct xcv_check *c, const char *code, const char *severity,
	char *message, const char *fix, bool tls)
{
	if (message == NULL)
		return xcv_oom();
	if (c->n_findings == sizeof(c->findings) / sizeof(*c->findings)) {
		free(message);
		return 0;
	}
	c->findings[c->n_findings++] = (struct xcv_check_finding){ code,
		severity, message, fix, tls };
	return 0;
}

/* "a, b and c" of the names picked by keep, or NULL when none is. */
static char *
list_of(const struct xcv_check *c, bool (*keep)(const struct
	xcv_posture_cipher *), bool *oom)
{
	char *s = NULL, *more;
	size_t n = 0, total = 0;

	for (int v = 0; v < 4; v++)
		for (size_t i = 0; i < c->suites[v].n; i++)
			total += keep(&c->suites[v].v[i]);
	for (int v = 0; v < 4; v++)
		for (size_t i = 0; i < c->suites[v].n; i++) {
			const struct xcv_posture_cipher *x = &c->suites[v].v[i];
			if (!keep(x))
				continue;
			n++;
			more = xcv_asprintf("%s%s%s (TLS 1.%d%s%s)", s ? s : "",
				!s ? "" : n == total ? " and " : ", ", x->name, v,
				x->weak ? ": " : "", x->weak ? x->weak : "");
			free(s);
			if ((s = more) == NULL) {
				*oom = true;
				return NULL;
			}
		}
	return s;
}

static bool
is_weak(const struct xcv_posture_cipher *x)
{
	return x->weak != NULL;
}

static bool
no_fs(const struct xcv_posture_cipher *x)
{
	return !x->fs && x->weak == NULL;
}

/* Findings on TLS versions (RFC 8996: TLS 1.0 and 1.1 are deprecated),
 * each fix in the terms of the service's server. */
static int
judge_versions(struct xcv_check *c)
{
	const char *fix = c->service == XCV_SERVICE_HTTPS ? "allow TLS 1.2 "
		"and 1.3 only in the HTTPS server's TLS settings (nginx: "
		"ssl_protocols TLSv1.2 TLSv1.3)" :
		c->service == XCV_SERVICE_S2S ? "accept TLS 1.2 and 1.3 only: "
		"Prosody ssl = { protocol = \"tlsv1_2+\" } (its default); "
		"ejabberd: add no_tlsv1 and no_tlsv1_1 to s2s_protocol_options" :
		"accept TLS 1.2 and 1.3 only: Prosody ssl = { protocol = "
		"\"tlsv1_2+\" } (its default); ejabberd: add no_tlsv1 and "
		"no_tlsv1_1 to the listener's protocol_options";
	const int *t = c->tls_versions;
	bool legacy = t[0] == 1 || t[1] == 1;
	char *old = xcv_asprintf("%s%s%s", t[0] == 1 ? "TLS 1.0" : "",
		t[0] == 1 && t[1] == 1 ? " and " : "", t[1] == 1 ? "TLS 1.1" : "");
	int rc = 0;

	if (old == NULL)
		return xcv_oom();
	/* Only is only when 1.2 and 1.3 were both turned down. */
	if (legacy && t[2] == 0 && t[3] == 0)
		rc = add_finding(c, "tls-legacy-only", "error", xcv_asprintf(
			"the server accepts only %s, which RFC 8996 deprecates: "
			"clients that require TLS 1.2, as most do today, cannot "
			"connect", old), fix, true);
	else if (legacy)
		rc = add_finding(c, "tls-legacy-offered", "warning",
			xcv_asprintf("the server still accepts %s, which RFC "
			"8996 deprecates", old), fix, true);
	free(old);
	if (rc == 0 && t[2] == 1 && t[3] == 0)
		rc = add_finding(c, "no-tls13", "warning", xcv_strdup("the "
			"server does not accept TLS 1.3 (RFC 8446)"),
			c->service == XCV_SERVICE_HTTPS ? "enable TLS 1.3 in the "
			"HTTPS server's TLS settings" : "enable TLS 1.3: Prosody "
			"needs LuaSec 0.8 or later, no \"no_tlsv1_3\" in "
			"ssl.options and no protocol pinned below it; ejabberd: no "
			"no_tlsv1_3 in its protocol options", true);
	return rc;
}

/* Findings on ciphers and on finite-field DH (RFC 7525 §4; Logjam). */
static int
judge_ciphers(struct xcv_check *c)
{
	bool https = c->service == XCV_SERVICE_HTTPS, oom = false;
	char *weak = list_of(c, is_weak, &oom), *plain = NULL;
	int dh = 0, rc = 0;

	if (weak == NULL && !oom)
		plain = list_of(c, no_fs, &oom);
	if (oom)
		return xcv_oom();
	if (weak != NULL || plain != NULL)
		rc = add_finding(c, "weak-cipher", weak ? "error" : "warning",
			xcv_asprintf("the server accepts %s%s", weak ? weak : plain,
			weak ? "" : ": static RSA key exchange, without forward "
			"secrecy"), https ? "offer only ECDHE or DHE with AEAD "
			"ciphers (nginx: ssl_ciphers, e.g. Mozilla's intermediate "
			"list)" : "offer only ECDHE or DHE with AEAD ciphers: "
			"Prosody ssl = { ciphers = \"HIGH+kEECDH:HIGH+kEDH:!aNULL:"
			"!3DES\" } (its default); ejabberd: c2s_ciphers and "
			"s2s_ciphers", true);
	free(weak);
	free(plain);
	for (int v = 0; rc == 0 && v < 3; v++)
		for (size_t i = 0; i < c->suites[v].n; i++) {
			const struct xcv_posture_cipher *x = &c->suites[v].v[i];
			if (x->kx && strncmp(x->kx, "DH ", 3) == 0 &&
			    (dh == 0 || x->kx_bits < dh))
				dh = x->kx_bits;
		}
	if (rc == 0 && dh > 0 && dh < 2048)
		rc = add_finding(c, "weak-dh", dh < 1024 ? "error" : "warning",
			xcv_asprintf("the server's DHE ciphers use a %d-bit "
			"finite-field group: %s (RFC 7919 starts at 2048)", dh,
			dh < 1024 ? "broken by precomputation (Logjam)" : "within "
			"reach of precomputation by a state (Logjam)"), https ?
			"use a group of 2048 bits or more (nginx: ssl_dhparam with "
			"openssl dhparam 2048, or the ffdhe2048 group of RFC 7919), "
			"or drop the DHE ciphers" : "use a group of 2048 bits or "
			"more: Prosody ssl = { dhparam = \"/etc/prosody/certs/"
			"dh-2048.pem\" }; ejabberd: dhfile; or drop the DHE "
			"ciphers", true);
	return rc;
}

/* Channel binding (RFC 5929, RFC 9266, XEP-0440): a client that binds its
 * login to the TLS channel notices a man in the middle that holds a
 * trusted certificate. */
static int
judge_stream(struct xcv_check *c)
{
	const struct xcv_strv *m = &c->tls_mechanisms;
	bool plus = false, password = false;

	if (!c->tls_stream_seen || c->service != XCV_SERVICE_C2S)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		size_t n = strlen(m->v[i]);
		plus |= n > 5 && strcmp(m->v[i] + n - 5, "-PLUS") == 0;
		password |= strncmp(m->v[i], "SCRAM-", 6) == 0 ||
			strcmp(m->v[i], "PLAIN") == 0;
	}
	if (plus || !password)
		return 0;
	return add_finding(c, "no-channel-binding", "note", xcv_asprintf(
		"over TLS 1.%d the server offers no -PLUS SASL mechanism: logins "
		"are not bound to the TLS channel (RFC 5929, RFC 9266), so a man "
		"in the middle who holds a certificate the client trusts goes "
		"unnoticed", c->tls_stream_minor), "offer SCRAM with channel "
		"binding for every TLS version: Prosody 0.12 binds with "
		"tls-unique only, which TLS 1.3 does not define "
		"(util/sasl/scram.lua), so it needs a release with tls-exporter "
		"(RFC 9266); ejabberd: a release that offers SCRAM-SHA-*-PLUS",
		true);
}

/* Keep what the probe of the highest version accepted saw over TLS. */
static int
take_tls_stream(struct xcv_check *c, const struct xcv_probe *x, int minor)
{
	const struct xcv_stream_state *st = xcv_probe_stream(x);

	if (c->service == XCV_SERVICE_HTTPS || !st->features)
		return 0;
	xcv_strv_clear(&c->tls_mechanisms);
	xcv_strv_clear(&c->channel_bindings);
	xcv_strv_clear(&c->compression);
	c->tls_stream_seen = true;
	c->tls_stream_minor = minor;
	c->dialback = st->dialback;
	for (size_t i = 0; i < st->mechanisms.n; i++)
		xcv_strv_push(&c->tls_mechanisms, st->mechanisms.v[i]);
	for (size_t i = 0; i < st->channel_bindings.n; i++)
		xcv_strv_push(&c->channel_bindings, st->channel_bindings.v[i]);
	for (size_t i = 0; i < st->compression.n; i++)
		xcv_strv_push(&c->compression, st->compression.v[i]);
	if (xcv_strv_ok(&c->tls_mechanisms) < 0 ||
	    xcv_strv_ok(&c->channel_bindings) < 0)
		return XCV_ENOMEM;
	return xcv_strv_ok(&c->compression);
}

/* Run the probes of pr (NULL: nothing to ask), PROBES_MAX at most, at
 * once. */
static int
run_all(struct xcv_probe **pr, size_t n)
{
	struct xcv_probe *run[PROBES_MAX];
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof(run) / sizeof(*run); i++)
		if (pr[i] != NULL)
			run[k++] = pr[i];
	return k ? xcv_probes_run(run, k) : 0;
}

/* TLS 1.0 to 1.3: one connection each, all at once, each offering that
 * version alone. The probes stay in a->first for the enumeration. */
static int
versions(struct ask *a)
{
	struct xcv_check *c = a->c;
	struct xcv_probe **pr = a->first;
	int rc = 0;

	for (int v = 0; rc == 0 && v < 4; v++) {
		c->tls_versions[v] = -1;
		/* An OpenSSL built without the version: not known. */
		if (a->tls[v] != NULL)
			rc = probe_new(&pr[v], a, v, NULL, NULL, true);
	}
	if (rc == 0)
		rc = run_all(pr, 4);
	for (int v = 0; rc == 0 && v < 4; v++) {
		const struct xcv_probe *x = pr[v];
		if (x == NULL)
			continue;
		if (xcv_probe_tls_done(x))
			c->tls_versions[v] = 1;
		else if (xcv_probe_refused_offer(x))
			c->tls_versions[v] = 0;
		if (c->tls_versions[v] == 1)
			rc = take_tls_stream(c, x, v);
	}
	return rc;
}

/*
 * One question asked again and again: offer what is left, and take away
 * what the server chose, until it refuses what is left (then the list is
 * complete) or nothing is left. A task per version for ciphers, one for
 * groups, all at once, round by round.
 *
 * Beside a list's second round, one more connection offers what is left
 * with the first choice last: a server that imposes its order chooses
 * that one again; one that follows the client's chooses the first of the
 * rest it accepts. That says the server's order for ciphers. It also
 * says, for ciphers and groups alike, whether what is left can be cut
 * into slices, each a task of its own, asked side by side and put back
 * in the order offered: the same list in fewer rounds. A server that
 * imposes its order keeps one task, which alone can say its order.
 */
struct task {
	int k;                       /* 0 to 3: TLS 1.k's ciphers; 4: groups */
	int minor;
	struct xcv_strv left;        /* still to offer, in order */
	struct xcv_strv got;         /* what the server chose, in order */
	bool done, complete;
	struct xcv_probe *pr;
};
#define GROUPS 4

static int
task_offer(struct task *t, const struct ask *a)
{
	char *list = xcv_strv_join(&t->left, ":");
	int rc;

	if (list == NULL)
		return xcv_oom();
	rc = probe_new(&t->pr, a, t->minor, t->k == GROUPS ? NULL : list,
		t->k == GROUPS ? list : NULL, false);
	free(list);
	return rc;
}

static const char *
chosen(const struct task *t, const struct xcv_probe *x)
{
	if (!xcv_probe_tls_done(x))
		return NULL;
	return t->k == GROUPS ? xcv_probe_tls_group(x) :
		xcv_probe_tls_cipher(x);
}

/* The answer of probe x: what the server chose goes from left to got.
 * With seed, x is the version's own probe, which offered all of left:
 * an answer that does not fit leaves the task to its first round. */
static int
task_take(struct task *t, const struct xcv_probe *x, struct xcv_check *c,
	bool seed)
{
	const char *chose = chosen(t, x);
	size_t i;

	/* Refused: the list is complete. Anything else (a timeout; what is
	 * left cannot be offered by this OpenSSL) leaves it open. */
	if (!xcv_probe_tls_done(x)) {
		t->done = !seed;
		t->complete = !seed && xcv_probe_refused_offer(x);
		return 0;
	}
	for (i = 0; chose != NULL && i < t->left.n; i++)
		if (strcasecmp(t->left.v[i], chose) == 0)
			break;
	/* Not what was offered (a group the client cannot name): stop. */
	if (chose == NULL || i == t->left.n) {
		t->done = !seed;
		return 0;
	}
	if (t->k != GROUPS) {
		struct xcv_posture_suites *s = &c->suites[t->k];
		struct xcv_posture_cipher *more = realloc(s->v, (s->n + 1) *
			sizeof(*s->v)), *n;
		int kx_bits;
		const char *kx = xcv_probe_tls_kx(x, &kx_bits);
		if (more == NULL)
			return xcv_oom();
		s->v = more;
		n = &s->v[s->n];
		*n = (struct xcv_posture_cipher){ .name = xcv_strdup(chose),
			.kx = kx ? xcv_strdup(kx) : NULL, .kx_bits = kx_bits };
		if (n->name == NULL || (kx && n->kx == NULL)) {
			free(n->name);
			free(n->kx);
			return xcv_oom();
		}
		s->n++;
		n->weak = xcv_probe_tls_cipher_worth(x, &n->bits, &n->fs);
	}
	if (xcv_strv_push(&t->got, t->left.v[i]) < 0)
		return XCV_ENOMEM;
	free(t->left.v[i]);
	memmove(&t->left.v[i], &t->left.v[i + 1], (t->left.n - i - 1) *
		sizeof(*t->left.v));
	t->left.n--;
	if (t->left.n == 0)
		t->done = t->complete = true;
	return 0;
}

/* The order question: what is left, then the first choice. */
static int
order_offer(struct xcv_probe **pr, const struct ask *a, const struct task *t)
{
	char *rest = xcv_strv_join(&t->left, ":"), *list = rest ?
		xcv_asprintf("%s:%s", rest, t->got.v[0]) : NULL;
	int rc;

	free(rest);
	if (list == NULL)
		return xcv_oom();
	rc = probe_new(pr, a, t->minor, t->k == GROUPS ? NULL : list,
		t->k == GROUPS ? list : NULL, false);
	free(list);
	return rc;
}

/* 1: the server chose its first choice again (its own order); 0: another
 * (the client's order); -1: no answer. */
static int
order_take(const struct task *t, const struct xcv_probe *x)
{
	const char *chose = chosen(t, x);

	if (chose == NULL)
		return -1;
	return strcasecmp(chose, t->got.v[0]) == 0;
}

/* Cut what task i has left in two: the second half becomes task n. */
static int
halve(struct task *t, size_t i, size_t n)
{
	size_t from = t[i].left.n / 2;

	t[n] = (struct task){ .k = t[i].k, .minor = t[i].minor };
	for (size_t j = from; j < t[i].left.n; j++)
		if (xcv_strv_push(&t[n].left, t[i].left.v[j]) < 0)
			return XCV_ENOMEM;
	for (size_t j = from; j < t[i].left.n; j++)
		free(t[i].left.v[j]);
	t[i].left.n = from;
	return 0;
}

/* While fewer than budget tasks are running, halve the longest that may
 * be cut (its list in the client's order). Returns the new n. */
static size_t
rebalance(struct task *t, size_t n, const int *order, bool *sliced,
	size_t budget, int *rc)
{
	size_t running = 0;

	for (size_t i = 0; i < n; i++)
		running += !t[i].done;
	while (*rc == 0 && n < TASKS_MAX && running < budget) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!t[i].done && order[t[i].k] == 0 &&
			    t[i].left.n >= 2 && (best == n ||
			    t[i].left.n > t[best].left.n))
				best = i;
		if (best == n)
			break;
		*rc = halve(t, best, n);
		/* The new task is cleared with the others, even half made. */
		n++;
		running++;
		sliced[t[best].k] = true;
	}
	return n;
}

/* Where name stands in all (as offered). */
static size_t
rank_of(const struct xcv_strv *all, const char *name)
{
	size_t r = 0;

	while (r < all->n && strcasecmp(all->v[r], name) != 0)
		r++;
	return r;
}

/* Put the ciphers of s back in the order of all. */
static void
sort_suites(struct xcv_posture_suites *s, const struct xcv_strv *all)
{
	for (size_t i = 1; i < s->n; i++)
		for (size_t j = i; j > 0 && rank_of(all, s->v[j - 1].name) >
		    rank_of(all, s->v[j].name); j--) {
			struct xcv_posture_cipher x = s->v[j];
			s->v[j] = s->v[j - 1];
			s->v[j - 1] = x;
		}
}

/* Put the names of v back in the order of all. */
static void
sort_names(struct xcv_strv *v, const struct xcv_strv *all)
{
	for (size_t i = 1; i < v->n; i++)
		for (size_t j = i; j > 0 && rank_of(all, v->v[j - 1]) >
		    rank_of(all, v->v[j]); j--) {
			char *x = v->v[j];
			v->v[j] = v->v[j - 1];
			v->v[j - 1] = x;
		}
}

static int
enumerate(const struct ask *a)
{
	struct xcv_check *c = a->c;
	struct task t[TASKS_MAX] = {0};
	struct xcv_strv all[5] = {0};   /* each list as first offered */
	size_t n = 5;
	int order[5] = { -1, -1, -1, -1, -1 };
	bool asked[5] = {0}, sliced[5] = {0};
	int rc = 0, top = c->tls_versions[3] == 1 ? 3 :
		c->tls_versions[2] == 1 ? 2 : -1;

	c->groups_minor = top;
	for (int k = 0; k < 5; k++) {
		t[k].k = k;
		t[k].minor = k < GROUPS ? k : top;
		t[k].done = k < GROUPS ? c->tls_versions[k] != 1 : top < 0;
	}
	for (int k = 0; rc == 0 && k < GROUPS; k++) {
		if (t[k].done || a->tls[k] == NULL)
			continue;
		if ((rc = xcv_tls_ctx_ciphers(a->tls[k], &t[k].left)) ==
		    XCV_ERROR) {
			rc = 0;
			t[k].done = true;
		}
	}
	if (rc == 0 && top >= 0)
		rc = xcv_tls_groups_offerable(all_groups, top == 3 ?
			sizeof(all_groups) / sizeof(*all_groups) : EC_GROUPS,
			&t[GROUPS].left);
	for (int k = 0; rc == 0 && k < 5; k++)
		for (size_t i = 0; rc == 0 && i < t[k].left.n; i++)
			rc = xcv_strv_push(&all[k], t[k].left.v[i]);
	/* Each version's first answer is its own probe's. */
	for (int k = 0; rc == 0 && k < GROUPS; k++)
		if (!t[k].done && a->first[k] != NULL)
			rc = task_take(&t[k], a->first[k], c, true);
	for (int round = 0; rc == 0 && round < ROUNDS_MAX &&
	    xcv_now_ms() < c->posture_deadline; round++) {
		/* The tasks' probes, then the order probes. */
		struct xcv_probe *pr[TASKS_MAX + 5] = {0}, **op = pr +
			TASKS_MAX;
		bool any = false;
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (!t[i].done)
				rc = task_offer(&t[i], a);
		for (int k = 0; rc == 0 && k < 5; k++)
			if (!asked[k] && !t[k].done && t[k].got.n == 1) {
				asked[k] = true;
				rc = order_offer(&op[k], a, &t[k]);
			}
		for (size_t i = 0; i < n; i++)
			pr[i] = t[i].pr;
		for (size_t i = 0; i < TASKS_MAX + 5; i++)
			any |= pr[i] != NULL;
		if (rc == 0 && !any)
			break;
		if (rc == 0)
			rc = run_all(pr, TASKS_MAX + 5);
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (t[i].pr != NULL)
				rc = task_take(&t[i], t[i].pr, c, false);
		for (int k = 0; rc == 0 && k < 5; k++)
			if (op[k] != NULL)
				order[k] = order_take(&t[k], op[k]);
		for (size_t i = 0; i < TASKS_MAX + 5; i++)
			xcv_probe_free(pr[i]);
		for (size_t i = 0; i < n; i++)
			t[i].pr = NULL;
		/* Room for more connections: lists in the client's order are
		 * cut, the longest first. Order questions still to come keep
		 * their room. */
		if (rc == 0) {
			size_t pending = 0;
			for (int k = 0; k < 5; k++)
				pending += !asked[k] && !t[k].done;
			n = rebalance(t, n, order, sliced, PROBES_MAX - pending,
				&rc);
		}
	}
	for (int k = 0; k < GROUPS; k++) {
		c->suites[k].complete = t[k].complete;
		/* Fewer than two ciphers: no order to see. */
		c->suites[k].server_order = c->suites[k].n < 2 ? -1 : order[k];
	}
	c->groups_complete = t[GROUPS].complete;
	for (size_t i = 5; i < n; i++) {
		if (t[i].k == GROUPS)
			c->groups_complete &= t[i].complete;
		else
			c->suites[t[i].k].complete &= t[i].complete;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; rc == 0 && t[i].k == GROUPS &&
		    j < t[i].got.n; j++)
			rc = xcv_strv_push(&c->groups, t[i].got.v[j]);
	for (int k = 0; rc == 0 && k < GROUPS; k++)
		if (sliced[k])
			sort_suites(&c->suites[k], &all[k]);
	if (rc == 0 && sliced[GROUPS])
		sort_names(&c->groups, &all[GROUPS]);
	for (size_t i = 0; i < n; i++) {
		xcv_strv_clear(&t[i].left);
		xcv_strv_clear(&t[i].got);
	}
	for (int k = 0; k < 5; k++)
		xcv_strv_clear(&all[k]);
	return rc;
}

int
xcv_posture_run(struct xcv_check *c, const struct xcv_check_params *p)
{
	struct ask a = { .c = c, .p = p };
	int64_t budget = (int64_t)POSTURE_TIMEOUTS * p->timeout_ms;
	int rc = 0;

	c->posture = true;
	c->groups_minor = -1;
	c->posture_deadline = xcv_deadline_after(budget > INT32_MAX ?
		INT32_MAX : (int)budget);
	if (c->deadline != 0 && c->deadline < c->posture_deadline)
		c->posture_deadline = c->deadline;
	/* An OpenSSL built without a version: that one is not known. */
	for (int v = 0; rc == 0 && v < 4; v++)
		if (xcv_tls_ctx_new_version(&a.tls[v], v) == XCV_ENOMEM)
			rc = XCV_ENOMEM;
	if (rc == 0)
		rc = versions(&a);
	if (rc == 0)
		rc = enumerate(&a);
	for (int v = 0; v < 4; v++) {
		xcv_probe_free(a.first[v]);
		xcv_tls_ctx_free(a.tls[v]);
	}
	if (rc == 0)
		rc = xcv_clients_version_failures(&c->version_clients,
			&c->version_whys, c->service, c->tls_versions);
	if (rc == 0)
		rc = judge_versions(c);
	if (rc == 0)
		rc = judge_ciphers(c);
	if (rc == 0)
		rc = judge_stream(c);
	return rc;
}

void
xcv_posture_clear(struct xcv_check *c)
{
	for (int v = 0; v < 4; v++) {
		for (size_t i = 0; i < c->suites[v].n; i++) {
			free(c->suites[v].v[i].name);
			free(c->suites[v].v[i].kx);
		}
		free(c->suites[v].v);
	}
	xcv_strv_clear(&c->groups);
	xcv_strv_clear(&c->version_clients);
	xcv_strv_clear(&c->version_whys);
	xcv_strv_clear(&c->tls_mechanisms);
	xcv_strv_clear(&c->channel_bindings);
	xcv_strv_clear(&c->compression);
}
