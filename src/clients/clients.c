/*
 * The client profiles as a whole: their list, the configuration's choice
 * of them, and their judgements on a result (each by match.c).
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

extern const struct xcv_client_rules xcv_client_cisco_jabber,
	xcv_client_libstrophe, xcv_client_gio, xcv_client_nss,
	xcv_client_python_ssl, xcv_client_qca, xcv_client_conversations,
	xcv_client_smack, xcv_client_go, xcv_client_apple,
	xcv_client_prosody_s2s, xcv_client_ejabberd_s2s,
	xcv_client_openfire_s2s;

/* The order reports list them in: Cisco's client, the clients whose
 * library Debian ships, those modelled from source, then servers. */
const struct xcv_client_rules *const xcv_client_rules_all[] = {
	&xcv_client_cisco_jabber, &xcv_client_libstrophe, &xcv_client_gio,
	&xcv_client_nss, &xcv_client_python_ssl, &xcv_client_qca,
	&xcv_client_conversations, &xcv_client_smack, &xcv_client_go,
	&xcv_client_apple, &xcv_client_prosody_s2s,
	&xcv_client_ejabberd_s2s, &xcv_client_openfire_s2s,
};
const size_t xcv_client_rules_count = sizeof(xcv_client_rules_all) /
	sizeof(*xcv_client_rules_all);

const char *
xcv_client_verdict_name(enum xcv_client_verdict v)
{
	static const char *const names[] = { "connects", "prompts", "fails" };

	return (unsigned)v < 3 ? names[v] : "?";
}

size_t
xcv_client_profile_count(void)
{
	return xcv_client_rules_count;
}

const struct xcv_client_profile *
xcv_client_profile(size_t i)
{
	return i < xcv_client_rules_count ? &xcv_client_rules_all[i]->profile :
		NULL;
}

const struct xcv_client_profile *
xcv_client_profile_find(const char *id)
{
	for (size_t i = 0; id && i < xcv_client_rules_count; i++)
		if (strcmp(xcv_client_rules_all[i]->profile.id, id) == 0)
			return &xcv_client_rules_all[i]->profile;
	return NULL;
}

/* XCV_EINPUT for an unknown profile id (n bytes at p), with the ids. */
static int
unknown(const char *p, size_t n)
{
	struct xcv_strv ids = {0};
	char *bad = xcv_escape((const unsigned char *)p, n < 64 ? n : 64);
	char *known;
	int rc;

	for (size_t i = 0; i < xcv_client_rules_count; i++)
		xcv_strv_push(&ids, xcv_client_rules_all[i]->profile.id);
	known = xcv_strv_join(&ids, ", ");
	rc = bad && known ? xcv_set_error(XCV_EINPUT, "no client profile '%s' "
		"(known: all, none, %s)", bad, known) : xcv_oom();
	free(bad);
	free(known);
	xcv_strv_clear(&ids);
	return rc;
}

/* One bit a profile. */
_Static_assert(sizeof(xcv_client_rules_all) / sizeof(*xcv_client_rules_all) <=
	XCV_CLIENTS_MAX, "the configuration keeps the profiles as bits of a "
	"uint32_t");

/* "all", "none" or ids separated by commas, as bits into *out, which is
 * left as it was unless the whole list is good; XCV_EINPUT names an
 * unknown id and lists the known ones. */
static int
parse_list(uint32_t *out, const char *list)
{
	const char *p = list;
	uint32_t bits = 0;

	if (list == NULL || strcmp(list, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (strcmp(list, "all") == 0) {
		*out = UINT32_MAX;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < xcv_client_rules_count; i++) {
			const char *id = xcv_client_rules_all[i]->profile.id;
			if (strlen(id) == n && strncmp(p, id, n) == 0)
				break;
		}
		if (i == xcv_client_rules_count)
			return unknown(p, n);
		bits |= 1u << i;
		p += n + (p[n] == ',');
	}
	*out = bits;
	return 0;
}

int
xcv_config_set_clients(struct xcv_config *cfg, const char *list)
{
	int rc = parse_list(&cfg->clients, list ? list : "all");

	cfg->clients_shown = rc == 0 && list != NULL;
	return rc;
}

int
xcv_config_require_clients(struct xcv_config *cfg, const char *list)
{
	return parse_list(&cfg->require_clients, list);
}

/* The domain in Unicode, as users write it in their JIDs: NULL when it is
 * the same as the A-label form (or cannot be converted). */
static char *
unicode_form(const char *alabel)
{
	char *u = NULL;

	if (strstr(alabel, "xn--") == NULL)
		return NULL;
	if (idn2_to_unicode_8z8z(alabel, &u, 0) != IDN2_OK) {
		idn2_free(u);
		return NULL;
	}
	return u;
}

int
xcv_clients_judge_result(struct xcv_result *res, const struct xcv_config *cfg,
	bool all)
{
	uint32_t want = (all ? cfg->clients : 0) | cfg->require_clients;
	char *u;
	int rc = 0;

	res->clients_shown = cfg->clients_shown;
	if (want == 0 || res->path == NULL || sk_X509_num(res->path) == 0)
		return 0;
	res->clients = calloc(xcv_client_rules_count, sizeof(*res->clients));
	if (res->clients == NULL)
		return xcv_oom();
	u = unicode_form(res->id.reference);
	for (size_t i = 0; rc == 0 && i < xcv_client_rules_count; i++) {
		const struct xcv_client_rules *c = xcv_client_rules_all[i];
		struct xcv_client_judgement *j = &res->clients[res->n_clients];

		if (!(want & (1u << i)) || !xcv_client_serves(c, res->service))
			continue;
		rc = xcv_client_judge(j, c, res, u);
		j->info.required = (cfg->require_clients >> i) & 1;
		res->n_clients++;
		if (rc == 0 && j->info.required &&
		    j->info.verdict != XCV_CLIENT_CONNECTS)
			res->clients_failed = true;
	}
	idn2_free(u);
	return rc;
}

void
xcv_clients_clear(struct xcv_result *res)
{
	for (size_t i = 0; i < res->n_clients; i++)
		xcv_client_judgement_clear(&res->clients[i]);
	free(res->clients);
	res->clients = NULL;
	res->n_clients = 0;
}

size_t
xcv_result_client_count(const struct xcv_result *res)
{
	return res->n_clients;
}

const struct xcv_client_info *
xcv_result_client(const struct xcv_result *res, size_t i)
{
	return i < res->n_clients ? &res->clients[i].info : NULL;
}

/* The judged profiles that would not connect silently. */
static size_t
not_silent(const struct xcv_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n_clients; i++)
		n += res->clients[i].info.verdict != XCV_CLIENT_CONNECTS;
	return n;
}

/* Does profile c belong to the group: its reason is code, or (code NULL)
 * its reason's fix is fix, with this remedy when remedy is not NULL? */
static bool
in_group(const struct xcv_client_info *c, const char *code, int fix,
	const char *remedy)
{
	const char *r = NULL;

	if (c->verdict == XCV_CLIENT_CONNECTS || c->reason == NULL)
		return false;
	if (code)
		return strcmp(c->reason, code) == 0;
	return xcv_client_reason_fix(c->reason, &r) == fix &&
		(remedy == NULL || (r && strcmp(r, remedy) == 0));
}

/* "a, b, c": the ids of the group into *out (NULL when the group is
 * empty). 0 or XCV_ENOMEM. */
static int
group_ids(char **out, const struct xcv_result *res, const char *code,
	int fix, const char *remedy)
{
	struct xcv_strv ids = {0};
	bool empty;

	*out = NULL;
	for (size_t i = 0; i < res->n_clients; i++)
		if (in_group(&res->clients[i].info, code, fix, remedy))
			xcv_strv_push(&ids, res->clients[i].info.client);
	empty = ids.n == 0 && !ids.oom;
	if (!empty)
		*out = xcv_strv_join(&ids, ", ");
	xcv_strv_clear(&ids);
	return empty || *out != NULL ? 0 : XCV_ENOMEM;
}

int
xcv_clients_summary(char **out, const struct xcv_result *res)
{
	struct xcv_strv groups = {0}, seen = {0};
	size_t bad = not_silent(res);
	char *ids = NULL, *list = NULL;
	int rc = 0;

	*out = NULL;
	if (bad == 0)
		return 0;
	for (size_t i = 0; rc == 0 && i < res->n_clients; i++) {
		const struct xcv_client_info *c = &res->clients[i].info;

		if (!in_group(c, c->reason, 0, NULL) ||
		    xcv_strv_contains(&seen, c->reason))
			continue;
		xcv_strv_push(&seen, c->reason);
		rc = group_ids(&ids, res, c->reason, 0, NULL);
		if (ids)
			xcv_strv_pushf(&groups, "they %s (%s)",
				xcv_client_reason_plural(c->reason), ids);
		free(ids);
	}
	if (rc == 0 && (rc = xcv_strv_ok(&seen)) == 0 &&
	    (list = xcv_strv_join(&groups, "; ")) != NULL)
		*out = xcv_asprintf("%zu of %zu client profiles would not "
			"connect silently: %s", bad, res->n_clients, list);
	if (rc == 0 && *out == NULL)
		rc = XCV_ENOMEM;
	free(list);
	xcv_strv_clear(&groups);
	xcv_strv_clear(&seen);
	return rc;
}

/* One fix for the group (fix, remedy) into fixes, naming its profiles. */
static int
add_fix(struct xcv_strv *fixes, const struct xcv_result *res,
	const char *code, int fix, const char *remedy)
{
	char *ids = NULL, *text = NULL;
	int rc = group_ids(&ids, res, NULL, fix, remedy);

	if (rc == 0 && ids != NULL) {
		text = xcv_client_fix_text(code, res->id.reference);
		rc = text ? xcv_strv_pushf(fixes, "%s (for %s)", text, ids) :
			XCV_ENOMEM;
	}
	free(ids);
	free(text);
	return rc;
}

int
xcv_clients_advise(const struct xcv_result *res, struct xcv_strv *advice)
{
	static const int fixes_in_order[] = { XCV_FIX_TLS, XCV_FIX_DNSNAME,
		XCV_FIX_NO_XMPPADDR, XCV_FIX_CHAIN, XCV_FIX_NONE };
	struct xcv_strv fixes = {0}, remedies = {0};
	char *text = NULL;
	int rc = 0;

	for (size_t f = 0; rc == 0 && f < sizeof(fixes_in_order) /
	    sizeof(*fixes_in_order); f++) {
		for (size_t i = 0; rc == 0 && i < res->n_clients; i++) {
			const struct xcv_client_info *c = &res->clients[i].info;
			const char *r = NULL;

			if (c->verdict == XCV_CLIENT_CONNECTS || !c->reason ||
			    xcv_client_reason_fix(c->reason, &r) !=
			    fixes_in_order[f])
				continue;
			/* xmppcv's own advice covers a chain it does not
			 * trust; one entry a fix (a remedy, for the chain). */
			if (strcmp(c->reason, "untrusted") == 0 && !res->trusted)
				continue;
			if (xcv_strv_contains(&remedies, r ? r : c->reason))
				continue;
			xcv_strv_push(&remedies, r ? r : c->reason);
			rc = add_fix(&fixes, res, c->reason, fixes_in_order[f],
				fixes_in_order[f] == XCV_FIX_CHAIN ? r : NULL);
			if (fixes_in_order[f] != XCV_FIX_CHAIN)
				break;
		}
	}
	if (rc == 0)
		rc = xcv_strv_ok(&remedies);
	if (rc == 0 && fixes.n > 0) {
		text = xcv_strv_join(&fixes, "; ");
		rc = text ? xcv_strv_pushf(advice, "So that every client connects "
			"without asking: %s.", text) : XCV_ENOMEM;
	}
	free(text);
	xcv_strv_clear(&fixes);
	xcv_strv_clear(&remedies);
	return rc;
}

/* The rules whose profile j judged for. */
static const struct xcv_client_rules *
rules_of(const struct xcv_client_judgement *j)
{
	for (size_t i = 0; i < xcv_client_rules_count; i++)
		if (&xcv_client_rules_all[i]->profile == j->info.profile)
			return xcv_client_rules_all[i];
	return NULL;
}

/* "TLS 1.0", "TLS 1.0 and 1.1", "TLS 1.0, 1.1 and 1.3": the versions the
 * server accepts (tls_versions[i] == 1), NULL when none is known. */
static char *
accepted_text(const int tls_versions[4])
{
	struct xcv_strv v = {0};
	char *last = NULL, *head = NULL, *out = NULL;

	for (int i = 0; i < 4; i++)
		if (tls_versions[i] == 1)
			xcv_strv_pushf(&v, "1.%d", i);
	if (xcv_strv_ok(&v) < 0 || v.n == 0)
		goto out;
	last = v.v[--v.n];
	head = v.n ? xcv_strv_join(&v, ", ") : NULL;
	out = v.n ? (head ? xcv_asprintf("TLS %s and %s", head, last) : NULL) :
		xcv_asprintf("TLS %s", last);
	v.n++;
out:
	free(head);
	xcv_strv_clear(&v);
	return out;
}

int
xcv_clients_version_failures(struct xcv_strv *ids, struct xcv_strv *whys,
	enum xcv_service service, const int tls_versions[4])
{
	char *offers = accepted_text(tls_versions);
	bool any = false;

	for (int v = 0; v < 4; v++)
		any |= tls_versions[v] == 1;
	if (any && offers == NULL)
		return xcv_oom();
	for (size_t i = 0; i < xcv_client_rules_count; i++) {
		const struct xcv_client_rules *c = xcv_client_rules_all[i];
		const struct xcv_client_profile *p = &c->profile;
		bool refused = service == XCV_SERVICE_C2S ? p->c2s :
			service == XCV_SERVICE_S2S ? p->s2s : p->https;
		for (int v = c->min_tls_minor; refused && v < 4; v++)
			refused = tls_versions[v] == 0;
		if (!refused)
			continue;
		xcv_strv_push(ids, p->id);
		xcv_strv_pushf(whys, "%s%s; %s needs TLS 1.%d or later",
			offers ? "the server offers only " : "the server accepts "
			"no TLS version", offers ? offers : "", p->stands_for &&
			p->stands_for[0] ? p->stands_for[0] : p->id,
			c->min_tls_minor);
	}
	free(offers);
	if (xcv_strv_ok(ids) < 0)
		return XCV_ENOMEM;
	return xcv_strv_ok(whys);
}

int
xcv_clients_judge_versions(struct xcv_result *res, const int tls_versions[4])
{
	bool failed = false, any = false;
	char *offers = accepted_text(tls_versions), *ids = NULL;
	int rc = 0;

	for (int v = 0; v < 4; v++)
		any |= tls_versions[v] == 1;
	if (any && offers == NULL)
		return xcv_oom();

	for (size_t i = 0; rc == 0 && i < res->n_clients; i++) {
		struct xcv_client_judgement *j = &res->clients[i];
		const struct xcv_client_rules *c = rules_of(j);
		const char *who;
		char *why;
		bool refused = c != NULL;

		/* Only a minimum the server is known to refuse, every version
		 * from it up: an unknown version may be the one it takes. */
		for (int v = c ? c->min_tls_minor : 4; refused && v < 4; v++)
			refused = tls_versions[v] == 0;
		if (!refused || (j->info.reason &&
		    strcmp(j->info.reason, XCV_CLIENT_REASON_TLS_VERSION) == 0))
			continue;
		who = c->profile.stands_for && c->profile.stands_for[0] ?
			c->profile.stands_for[0] : c->profile.id;
		why = xcv_asprintf("%s%s; %s needs TLS 1.%d or later%s%s",
			offers ? "the server offers only " : "the server accepts "
			"no TLS version", offers ? offers : "", who,
			c->min_tls_minor,
			j->info.verdict != XCV_CLIENT_CONNECTS ?
			"; and the certificate: " : "",
			j->info.verdict != XCV_CLIENT_CONNECTS ? j->why : "");
		if (why == NULL) {
			rc = xcv_oom();
			break;
		}
		free(j->why);
		j->why = why;
		j->info.why = why;
		j->info.verdict = XCV_CLIENT_FAILS;
		j->info.reason = XCV_CLIENT_REASON_TLS_VERSION;
		failed = true;
		if (j->info.required)
			res->clients_failed = true;
	}
	/* As xcv_verify ends: a required profile that would not connect
	 * fails a verdict that is otherwise verified; the advice names the
	 * fix, the server's TLS settings. */
	if (rc == 0 && res->clients_failed &&
	    res->verdict == XCV_VERDICT_VERIFIED)
		res->verdict = XCV_VERDICT_NOT_VERIFIED;
	res->ok = res->verdict == XCV_VERDICT_VERIFIED;
	if (rc == 0 && failed && res->described) {
		char *fix = xcv_client_fix_text(XCV_CLIENT_REASON_TLS_VERSION,
			res->id.reference);

		rc = group_ids(&ids, res, XCV_CLIENT_REASON_TLS_VERSION, 0,
			NULL);
		if (rc == 0 && (fix == NULL || ids == NULL))
			rc = xcv_oom();
		if (rc == 0)
			rc = xcv_strv_pushf(&res->advice, "So that every client "
				"can connect: %s (for %s).", fix, ids);
		free(fix);
	}
	free(ids);
	free(offers);
	return rc;
}
