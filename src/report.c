/*
 * Everything a user reads: results, live checks, scans, the store, CSR
 * lint and match, as JSON for programs and text for people. Never prints.
 */
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "csr_internal.h"
#include "report.h"
#include "scan_internal.h"
#include "xmppcv/login.h"
#include "xmppcv/store.h"

#define put xcv_text_put

/* Strings reaching here are escaped, so valid UTF-8; be safe anyway. */
static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	return j ? j : json_string("(text not valid UTF-8)");
}

/* The strings of a and then of b (either may be NULL) as one array. */
static json_t *
jstrv2(const struct xcv_strv *a, const struct xcv_strv *b)
{
	json_t *v = json_array();

	for (size_t i = 0; v && a && i < a->n; i++)
		json_array_append_new(v, jstr(a->v[i]));
	for (size_t i = 0; v && b && i < b->n; i++)
		json_array_append_new(v, jstr(b->v[i]));
	return v;
}

static json_t *
jstrv(const struct xcv_strv *sv)
{
	return jstrv2(sv, NULL);
}

/* A name given by the user (a file name may hold any byte), escaped for
 * display as valid UTF-8. */
static json_t *
jlabel(const char *label)
{
	char *e = label ? xcv_escape((const unsigned char *)label,
		strlen(label)) : NULL;
	json_t *j = jstr(e);

	free(e);
	return j;
}

/* One compact line; NULL if o is NULL or on failure, or if memory ran
 * short since `since`, when building o began. Takes o. */
static char *
dump(json_t *o, unsigned long since)
{
	char *s = xcv_json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER, since);

	json_decref(o);
	return s;
}

static json_t *
jcert(const struct xcv_certinfo *ci)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"subject", jstr(ci->subject), "issuer", jstr(ci->issuer),
		"not_before", jstr(ci->not_before),
		"not_after", jstr(ci->not_after), "sha256", jstr(ci->sha256),
		"key", jstr(ci->key), "signature", jstr(ci->signature));
}

static json_t *
jcerts(const struct xcv_certinfo *ci, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, jcert(&ci[i]));
	return a;
}

/* The chain as built, each certificate with its PEM: what a trust plan
 * made later from saved JSON deploys (xcv_plan_add_json). */
static json_t *
jbuilt(const struct xcv_result *res)
{
	json_t *a = jcerts(res->built, res->n_built);

	for (size_t i = 0; a && i < res->n_built && res->path &&
	    i < (size_t)sk_X509_num(res->path); i++) {
		BIO *b = BIO_new(BIO_s_mem());
		BUF_MEM *mem;

		if (b && PEM_write_bio_X509(b, sk_X509_value(res->path, (int)i))) {
			BIO_get_mem_ptr(b, &mem);
			json_object_set_new(json_array_get(a, i), "pem",
				json_stringn(mem->data, mem->length));
		} else {
			json_decref(a);
			a = NULL;
		}
		BIO_free(b);
	}
	return a;
}

/* The clients a profile stands for, as a JSON array. */
static json_t *
jstands_for(const struct xcv_client_profile *p)
{
	json_t *a = json_array();

	for (size_t k = 0; a && p->stands_for[k]; k++)
		json_array_append_new(a, json_string(p->stands_for[k]));
	return a;
}

char *
xcv_client_profile_to_json(const struct xcv_client_profile *p)
{
	unsigned long since = xcv_alloc_failures();
	json_t *services = json_array();

	if (services && p->c2s)
		json_array_append_new(services, json_string("c2s"));
	if (services && p->s2s)
		json_array_append_new(services, json_string("s2s"));
	if (services && p->https)
		json_array_append_new(services, json_string("https"));
	return dump(json_pack("{s:s,s:o,s:s,s:s,s:s,s:o}", "client", p->id,
		"stands_for", jstands_for(p), "models", p->models, "rules",
		p->rules, "trust_store", p->trust_store, "services", services),
		since);
}

/* What each client profile judged would do (clients/clients.c). */
static json_t *
jclients(const struct xcv_result *res)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < xcv_result_client_count(res); i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		json_t *who = jstands_for(c->profile);

		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:b,s:o,s:o,"
			"s:o,s:b}", "client", c->client, "verdict",
			xcv_client_verdict_name(c->verdict), "name", jstr(c->name),
			"trusted", c->trusted, "why", jstr(c->why), "stands_for",
			who, "reason", jstr(c->reason), "required", c->required));
	}
	return a;
}

/* What the certificate is fit for, beyond the verdict. */
static json_t *
jnotices(const struct xcv_result *res)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < res->n_notices; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "code",
			res->notices[i].code, "severity", res->notices[i].severity,
			"text", jstr(res->notices[i].text)));
	return a;
}

/* Revocation as judged, or null. */
static json_t *
jrevocation(const struct xcv_result *res)
{
	const struct xcv_revocation *r = &res->rev;
	char when[32], next[32];

	if (!res->rev_checked)
		return json_null();
	if (r->revoked_at)
		xcv_time_format(r->revoked_at, when);
	if (r->crl_next_update)
		xcv_time_format(r->crl_next_update, next);
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:b,s:o}",
		"state", xcv_revocation_state_name(r->state),
		"source", jstr(r->source), "why", jstr(r->why),
		"reason", jstr(r->reason),
		"revoked_at", r->revoked_at ? json_string(when) : json_null(),
		"depth", r->state == XCV_REV_REVOKED ? json_integer(r->depth) :
		json_null(),
		"crl_next_update", r->crl_next_update ? json_string(next) :
		json_null(),
		"must_staple", r->must_staple, "staple", jstr(r->staple),
		"fails", res->rev_fails, "notes", jstrv(&r->notes));
}

json_t *
xcv_report_json(const struct xcv_result *res)
{
	const struct xcv_identity *id = &res->id;
	const struct xcv_presented *m = id->matched ? &id->presented[id->match] :
		NULL;
	json_t *presented = json_array(), *errors = json_array();
	json_t *findings = json_array(), *problems = json_array();
	unsigned bits = xcv_result_problems(res);
	char at[32];

	for (unsigned b = 1; problems && b <= XCV_PROBLEM_DANE; b <<= 1)
		if (bits & b)
			json_array_append_new(problems,
				json_string(xcv_problem_name(b)));
	xcv_time_format(res->at, at);
	for (size_t i = 0; presented && i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		json_t *o = json_pack("{s:s,s:o,s:b}", "field",
			xcv_field_name(p->field), "value", jstr(p->value),
			"valid", p->valid);
		if (o && p->reason)
			json_object_set_new(o, "reason", jstr(p->reason));
		json_array_append_new(presented, o);
	}
	for (size_t i = 0; errors && i < res->n_errors; i++)
		json_array_append_new(errors, json_pack("{s:i,s:i,s:o}",
			"depth", res->errors[i].depth, "code",
			res->errors[i].code, "text", jstr(res->errors[i].text)));
	for (size_t i = 0; findings && i < res->findings.n; i++) {
		const struct xcv_finding *f = &res->findings.v[i];
		json_array_append_new(findings, json_pack("{s:s,s:i,s:o,s:o,s:b}",
			"code", f->code, "depth", f->depth, "certificate",
			jstr(f->name), "text", jstr(f->text), "anchor", f->anchor));
	}
	return json_pack("{s:o,s:s,s:s,s:b,s:o,s:s,s:{s:b,s:o,s:o,s:s,s:o},"
		"s:{s:b,s:b,s:o,s:o,s:o,s:o,s:o},s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o}",
		"domain", jstr(res->id.reference),
		"service", xcv_service_name(res->service),
		"verdict", xcv_verdict_name(res->verdict),
		"ok", res->ok,
		"problems", problems,
		"at", at,
		"identity",
		  "matched", id->matched,
		  "field", m ? jstr(xcv_field_name(m->field)) : json_null(),
		  "value", m ? jstr(m->value) : json_null(),
		  "policy", xcv_policy_name(id->policy),
		  "presented", presented,
		"chain",
		  "trusted", res->trusted || res->accepted_trusted,
		  "accepted", res->accepted,
		  "error", res->n_errors ? jstr(res->errors[0].text) : json_null(),
		  "error_depth", res->n_errors ?
			json_integer(res->errors[0].depth) : json_null(),
		  "errors", errors,
		  "certs", jcerts(res->presented, res->n_presented),
		  "built", jbuilt(res),
		"findings", findings,
		"strict", res->strict,
		"warnings", jstrv(&res->warnings),
		"advice", jstrv(&res->advice),
		"clients", jclients(res),
		"revocation", jrevocation(res),
		"notices", jnotices(res),
		"verified_by", jstr(res->verified_by));
}

char *
xcv_result_to_json(const struct xcv_result *res, const char *label)
{
	unsigned long since = xcv_alloc_failures();
	json_t *o = xcv_report_json(res), *top;

	if (o == NULL)
		return NULL;
	top = label ? json_pack("{s:o}", "file", jlabel(label)) : json_object();
	if (top == NULL || json_object_update(top, o) < 0) {
		json_decref(o);
		json_decref(top);
		return NULL;
	}
	json_decref(o);
	return dump(top, since);
}

char *
xcv_input_error_to_json(const char *key, const char *label,
	const char *message)
{
	unsigned long since = xcv_alloc_failures();
	return dump(json_pack("{s:o,s:n,s:b,s:{s:s,s:o}}", key, jlabel(label),
		"verdict", "ok", false, "error", "phase", "input", "message",
		jstr(message)), since);
}

void
xcv_text_put(struct xcv_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);
		if (s == NULL) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
}

static const char *
verdict_words(const struct xcv_result *res)
{
	switch (res->verdict) {
	case XCV_VERDICT_VERIFIED:
		if (res->verified_by != NULL)
			return strcmp(res->verified_by, "dane") == 0 ?
				"VERIFIED BY DANE" : "VERIFIED BY POSH";
		return res->accepted ? "VERIFIED (accepted certificate)" :
			"VERIFIED";
	case XCV_VERDICT_ACCEPTED:
		return "ACCEPTED BY YOU, NOT VERIFIED";
	default:
		return "NOT VERIFIED";
	}
}

/* After the verdict: ": why", the problems a client would meet. */
static void
why_not(struct xcv_text *t, const struct xcv_result *res)
{
	size_t defects = xcv_findings_defects(&res->findings);
	const char *sep = ": ";

	if (res->ok)
		return;
	if (!res->id.matched) {
		put(t, "%sno identity in the certificate names %s", sep,
			res->id.reference);
		sep = "; ";
	}
	if (!res->trusted && !res->accepted_trusted) {
		put(t, "%s%s", sep, res->n_errors ? res->errors[0].text :
			"the chain is not trusted");
		sep = "; ";
	}
	if (res->strict && defects) {
		put(t, "%s%zu profile defect%s (strict checking)", sep, defects,
			defects == 1 ? "" : "s");
		sep = "; ";
	}
	for (size_t i = 0; i < xcv_result_client_count(res); i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		if (c->required && c->verdict != XCV_CLIENT_CONNECTS) {
			put(t, "%s%s %s (a required client)", sep, c->client,
				c->verdict == XCV_CLIENT_PROMPTS ? "would prompt" :
				"would fail");
			sep = "; ";
		}
	}
}

static void
put_fingerprint(struct xcv_text *t, const char *hex)
{
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
		put(t, "%s%c%c", i ? ":" : "", hex[i] >= 'a' ? hex[i] - 32 :
			hex[i], hex[i + 1] >= 'a' ? hex[i + 1] - 32 : hex[i + 1]);
}

static void
put_cert(struct xcv_text *t, size_t i, const struct xcv_certinfo *ci)
{
	put(t, "  [%zu] %s\n", i, ci->subject);
	put(t, "      issuer     %s\n", ci->issuer);
	put(t, "      valid      %s to %s\n", ci->not_before, ci->not_after);
	put(t, "      sha256     ");
	put_fingerprint(t, ci->sha256);
	put(t, "\n      key        %s, signed with %s\n", ci->key,
		ci->signature);
}

/* The client profiles' table: asked for by name, or with required ones. */
static void
put_clients(struct xcv_text *t, const struct xcv_result *res)
{
	size_t n = xcv_result_client_count(res);
	bool required = false;

	for (size_t i = 0; i < n; i++)
		required |= xcv_result_client(res, i)->required;
	if (n == 0 || (!res->clients_shown && !required))
		return;
	put(t, "clients    what each client stack would do:\n");
	for (size_t i = 0; i < n; i++) {
		const struct xcv_client_info *c = xcv_result_client(res, i);
		const char *const *who = c->profile->stands_for;

		if (!res->clients_shown && !c->required)
			continue;
		put(t, "  %-13s %-8s  %s  [", c->client,
			xcv_client_verdict_name(c->verdict), c->why);
		for (size_t k = 0; who[k]; k++)
			put(t, "%s%s", k ? ", " : "", who[k]);
		put(t, "]%s\n", c->required ? " (required)" : "");
	}
}

char *
xcv_result_to_text(const struct xcv_result *res, const char *label)
{
	struct xcv_text t = {0};

	xcv_report_text(&t, res, label, NULL);
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

void
xcv_report_text(struct xcv_text *t, const struct xcv_result *res,
	const char *label, const struct xcv_strv *context)
{
	const struct xcv_identity *id = &res->id;
	const char *what = res->service == XCV_SERVICE_HTTPS ? "host" :
		"XMPP domain";
	char at[32];

	xcv_time_format(res->at, at);
	if (label)
		put(t, "%s: ", label);
	put(t, "%s for %s %s (%s, policy %s, as at %s)", verdict_words(res),
		what, id->reference, xcv_service_name(res->service),
		xcv_policy_name(id->policy), at);
	why_not(t, res);
	put(t, "\n");
	if (id->matched)
		put(t, "  identity   match: %s %s\n",
			xcv_field_name(id->presented[id->match].field),
			id->presented[id->match].value);
	else
		put(t, "  identity   MISMATCH: no valid presented identity names "
			"%s\n", id->reference);
	if (res->trusted)
		put(t, "  chain      trusted\n");
	else if (res->accepted_trusted)
		put(t, "  chain      trusted because you accepted this certificate "
			"for %s\n", id->reference);
	else
		put(t, "  chain      NOT TRUSTED: %s%s\n", res->n_errors ?
			res->errors[0].text : "unknown reason", res->accepted ?
			" (you accepted this certificate, which does not change "
			"that)" : "");
	for (size_t i = 1; i < res->n_errors; i++)
		put(t, "             also: %s\n", res->errors[i].text);
	if (res->rev_checked)
		put(t, "  revocation %s%s%s%s: %s%s\n", res->rev.state ==
			XCV_REV_REVOKED ? "REVOKED" : xcv_revocation_state_name(
			res->rev.state), res->rev.source ? " (" : "",
			res->rev.source ? res->rev.source : "",
			res->rev.source ? ")" : "", res->rev.why ? res->rev.why :
			"no reason given", res->rev_fails &&
			res->rev.state == XCV_REV_UNKNOWN ? " (this fails the "
			"verdict)" : "");
	for (size_t i = 0; i < res->n_notices; i++)
		put(t, "  %-10s %s %s: %s\n", i ? "" : "notice",
			strcmp(res->notices[i].severity, "warning") == 0 ?
			"WARNING" : "NOTE", res->notices[i].code,
			res->notices[i].text);
	put_clients(t, res);
	for (size_t i = 0; context && i < context->n; i++)
		put(t, "%s\n", context->v[i]);
	put(t, "presented identities:\n");
	if (id->n_presented == 0)
		put(t, "  (none)\n");
	for (size_t i = 0; i < id->n_presented; i++) {
		const struct xcv_presented *p = &id->presented[i];
		put(t, "  %-10s %s", xcv_field_name(p->field),
			p->value[0] ? p->value : "(empty)");
		if (id->matched && id->match == i)
			put(t, "  <- matches");
		if (!p->valid)
			put(t, "  INVALID: it %s", p->reason);
		else if (p->reason)
			put(t, "  (%s)", p->reason);
		put(t, "\n");
	}
	put(t, "certificates presented (%zu):\n", res->n_presented);
	for (size_t i = 0; i < res->n_presented; i++)
		put_cert(t, i, &res->presented[i]);
	if (res->n_built > 0) {
		put(t, "chain as built:");
		for (size_t i = 0; i < res->n_built; i++)
			put(t, "%s%s", i ? " <- " : " ", res->built[i].name);
		put(t, "\n");
	}
	if (xcv_findings_defects(&res->findings)) {
		put(t, "profile defects (RFC 5280, CA/Browser Forum)%s:\n",
			res->strict ? ", failed by strict checking" : "; strict "
			"checking fails them");
		for (size_t i = 0; i < res->findings.n; i++)
			if (!res->findings.v[i].anchor)
				put(t, "  - %s: %s\n", res->findings.v[i].code,
					res->findings.v[i].text);
	}
	if (res->findings.n_anchor) {
		put(t, "the trust anchor's own certificate (information: an "
			"anchor is its name and key, RFC 5280 §6.1.1 (d)):\n");
		for (size_t i = 0; i < res->findings.n; i++)
			if (res->findings.v[i].anchor)
				put(t, "  - %s: %s\n", res->findings.v[i].code,
					res->findings.v[i].text);
	}
	if (res->warnings.n) {
		put(t, "warnings:\n");
		for (size_t i = 0; i < res->warnings.n; i++)
			put(t, "  - %s\n", res->warnings.v[i]);
	}
	if (res->advice.n) {
		put(t, "what to do:\n");
		for (size_t i = 0; i < res->advice.n; i++)
			put(t, "  - %s\n", res->advice.v[i]);
	}
	/* No table asked for: one line, when xmppcv verified what some
	 * client would not take silently. */
	if (!res->clients_shown && res->ok) {
		char *line = NULL;
		if (xcv_clients_summary(&line, res) < 0)
			t->oom = true;
		else if (line)
			put(t, "clients: %s\n", line);
		free(line);
	}
}

char *
xcv_summary_text(bool ok, bool trusted, const char *field, const char *value,
	const char *error)
{
	/* Never a NULL for %s: "?" for what a match lacks. */
	if (ok)
		return xcv_asprintf("ok via %s %s", field ? field : "?",
			value ? value : "?");
	return xcv_asprintf("not ok: %s%s%s%s, %s%s%s",
		field ? "matched via " : "mismatch", field ? field : "",
		field ? " " : "", field ? (value ? value : "?") : "",
		trusted ? "chain trusted" : "chain untrusted",
		!trusted && error ? ": " : "", !trusted && error ? error : "");
}

char *
xcv_result_summary(const struct xcv_result *res)
{
	const struct xcv_presented *m = res->id.matched ?
		&res->id.presented[res->id.match] : NULL;

	return xcv_summary_text(res->ok, res->trusted || res->accepted_trusted,
		m ? xcv_field_name(m->field) : NULL, m ? m->value : NULL,
		res->n_errors ? res->errors[0].text : NULL);
}

/* A live check: how the certificate was obtained, then the verdict. */

static json_t *
jattempts(const struct xcv_discovery *d)
{
	json_t *v = json_array();

	for (size_t i = 0; v && i < d->n; i++) {
		const struct xcv_attempt *a = &d->v[i];
		json_t *e = json_pack("{s:o,s:o,s:o,s:o}", "to", jstr(a->to),
			"from", jstr(a->from), "address", jstr(a->address),
			"outcome", jstr(a->outcome));
		if (e && a->detail)
			json_object_set_new(e, "detail", jstr(a->detail));
		json_array_append_new(v, e);
	}
	return v;
}

static json_t *
jlogin(const struct xcv_login *l)
{
	return json_pack("{s:o,s:b,s:o,s:o,s:o,s:o,s:o}", "jid", jstr(l->jid),
		"ok", l->ok, "mechanisms", jstrv(&l->offered), "mechanism",
		jstr(l->mechanism), "bound_jid", jstr(l->bound_jid),
		"sasl_condition", jstr(l->condition), "error", jstr(l->error));
}

/* The check's findings on TLS versions (tls) or on the stream. */
static json_t *
jcfindings(const struct xcv_check *c, bool tls)
{
	json_t *f = json_array();

	for (size_t i = 0; f && i < c->n_findings; i++) {
		const struct xcv_check_finding *x = &c->findings[i];
		if (x->tls == tls)
			json_array_append_new(f, json_pack("{s:s,s:s,s:o,s:s}",
				"code", x->code, "severity", x->severity,
				"message", jstr(x->message), "fix", x->fix));
	}
	return f;
}

/* What the peer did with us as the initiating server, or null. */
static json_t *
js2s_auth(const struct xcv_check *c)
{
	const struct xcv_s2s_auth *a = &c->s2s;

	if (!c->s2s_auth)
		return json_null();
	return json_pack("{s:s,s:b,s:b,s:b,s:o,s:o,s:o,s:o,s:b,s:o}",
		"as", a->as, "client_cert", a->client_cert,
		"client_cert_requested", a->cert_requested, "tls", a->tls_done,
		"offered", a->features ? jstrv(&a->offered) : json_null(),
		"external", jstr(a->external), "condition", jstr(a->condition),
		"text", jstr(a->text), "dialback", a->dialback,
		"error", jstr(a->error));
}

/* The stream before STARTTLS, or null (direct TLS, HTTPS, no features). */
static json_t *
jclear(const struct xcv_check *c)
{
	if (!c->clear_seen)
		return json_null();
	return json_pack("{s:s,s:o,s:o*}", "starttls", !c->starttls_offered ?
		"none" : c->starttls_required ? "required" : "optional",
		"mechanisms_before_tls",
		jstrv(&c->clear_mechanisms), "findings", jcfindings(c, false));
}

/* The ciphers accepted with one TLS version. */
static json_t *
jsuites(const struct xcv_posture_suites *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n; i++) {
		const struct xcv_posture_cipher *x = &s->v[i];
		json_array_append_new(a, json_pack("{s:s,s:i,s:o,s:o,s:b,s:o}",
			"name", x->name, "bits", x->bits, "kx", jstr(x->kx),
			"kx_bits", x->kx_bits ? json_integer(x->kx_bits) :
			json_null(), "forward_secrecy", x->fs, "weak",
			jstr(x->weak)));
	}
	return json_pack("{s:o*,s:b,s:o*}", "accepted", a, "complete",
		s->complete, "server_order", s->server_order < 0 ? json_null() :
		json_boolean(s->server_order));
}

static const char *const tls_names[] = { "1.0", "1.1", "1.2", "1.3" };

/* Each TLS version: accepted (true), refused (false), not known (null);
 * what each accepted version offers; the stream over TLS. */
static json_t *
jposture(const struct xcv_check *c)
{
	json_t *v = json_object(), *ciphers = json_object(), *groups, *st;
	json_t *clients = json_array();

	for (int i = 0; v && i < 4; i++)
		json_object_set_new(v, tls_names[i], c->tls_versions[i] < 0 ?
			json_null() : json_boolean(c->tls_versions[i]));
	for (int i = 0; ciphers && i < 4; i++)
		if (c->tls_versions[i] == 1)
			json_object_set_new(ciphers, tls_names[i],
				jsuites(&c->suites[i]));
	groups = c->groups_minor < 0 ? json_null() : json_pack("{s:s,s:o,s:b}",
		"tls_version", tls_names[c->groups_minor], "accepted",
		jstrv(&c->groups), "complete", c->groups_complete);
	st = !c->tls_stream_seen ? json_null() : json_pack("{s:o,s:o,s:o,s:b}",
		"mechanisms", jstrv(&c->tls_mechanisms), "channel_binding",
		jstrv(&c->channel_bindings), "compression", jstrv(&c->compression),
		"dialback", c->dialback);
	for (size_t i = 0; clients && i < c->version_clients.n; i++)
		json_array_append_new(clients, json_pack("{s:s,s:s}", "client",
			c->version_clients.v[i], "why", c->version_whys.v[i]));
	return json_pack("{s:o*,s:o*,s:o*,s:o*,s:o*,s:o*}", "tls_versions", v,
		"ciphers", ciphers, "groups", groups, "tls_stream", st,
		"clients_refused", clients, "findings", jcfindings(c, true));
}

char *
xcv_check_to_json(const struct xcv_check *c)
{
	unsigned long since = xcv_alloc_failures();
	const struct xcv_discovery *d = &c->disc;
	json_t *o, *tls, *r;

	tls = c->tls_done ? json_pack("{s:s,s:o,s:o,s:o,s:o}", "mode",
		c->service == XCV_SERVICE_HTTPS ? "https" : c->direct_tls ?
		"direct" : "starttls", "version", jstr(c->version),
		"cipher", jstr(c->cipher), "sni", jstr(c->sni), "alpn",
		jstr(c->alpn)) : json_null();
	if (tls && c->service == XCV_SERVICE_HTTPS)
		json_object_set_new(tls, "http", jstr(c->http_status));
	o = json_pack("{s:o,s:o,s:o,s:s,s:s,s:b,s:{s:o,s:o,s:o},s:o}",
		"target", jlabel(c->target_text),
		"address", jstr(xcv_check_address(c)),
		/* The domain verified against, or asked for. */
		"domain", jstr(d->domain ? d->domain : d->given),
		"service", xcv_service_name(c->service),
		"verdict", xcv_verdict_name(xcv_check_verdict(c)),
		"ok", c->res ? c->res->ok : false,
		"discovery", "source", d->source ? jstr(xcv_domain_source_name(
		  d->source)) : json_null(),
		  "attempts", jattempts(d), "records", jstrv(&c->eps.records),
		"tls", tls);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "stream", jclear(c));
	if (c->s2s_auth_asked)
		json_object_set_new(o, "s2s_auth", js2s_auth(c));
	if (c->dane_asked)
		json_object_set_new(o, "dane", !c->dane_run ? json_null() :
			json_pack("{s:s,s:o,s:o,s:o,s:o,s:b,s:b,s:o}", "state",
			xcv_dane_state_name(c->dane.state), "why", jstr(c->dane.why),
			"tlsa_name", jstr(c->dane.tlsa_name), "records",
			jstrv(&c->dane.records), "matched", jstr(c->dane.matched),
			"usable", c->dane.usable, "name_checked",
			c->dane.name_checked, "notes", jstrv(&c->dane.notes)));
	if (c->posh_asked)
		json_object_set_new(o, "posh", !c->posh_run ? json_null() :
			json_pack("{s:s,s:o,s:o,s:o}", "state",
			xcv_posh_state_name(c->posh.state), "url", jstr(c->posh.url),
			"why", jstr(c->posh.why), "notes", jstrv(&c->posh.notes)));
	/* Asked for but not run (no connection, no domain): null. */
	if (c->posture_asked)
		json_object_set_new(o, "posture", c->posture ? jposture(c) :
			json_null());
	if (c->res) {
		r = xcv_report_json(c->res);
		if (r == NULL || json_object_update(o, r) < 0) {
			json_decref(r);
			json_decref(o);
			return NULL;
		}
		json_decref(r);
		json_object_set_new(o, "warnings", jstrv2(&d->warnings,
			&c->res->warnings));
		json_object_set_new(o, "advice", jstrv(&c->res->advice));
	} else {
		json_object_set_new(o, "identity", json_null());
		json_object_set_new(o, "chain", json_null());
		json_object_set_new(o, "warnings", jstrv(&d->warnings));
		json_object_set_new(o, "advice", jstrv(&c->advice));
		json_object_set_new(o, "error", json_pack("{s:s,s:o}", "phase",
			xcv_phase_name(c->failure.phase), "message",
			jstr(c->failure.message)));
	}
	if (c->login.attempted) {
		json_object_set_new(o, "login", jlogin(&c->login));
		/* ok: everything asked for went well, the login too. */
		if (!c->login.ok)
			json_object_set_new(o, "ok", json_false());
	}
	return dump(o, since);
}

/* The lines that say how the certificate was obtained. */

/* Ciphers per version, groups and the stream over TLS, a line each. */
static void
posture_text(struct xcv_strv *ctx, const struct xcv_check *c)
{
	for (int v = 3; v >= 0; v--) {
		const struct xcv_posture_suites *s = &c->suites[v];
		char *list = NULL, *more;
		for (size_t i = 0; i < s->n; i++) {
			const struct xcv_posture_cipher *x = &s->v[i];
			more = xcv_asprintf("%s%s%s%s%s%s", list ? list : "",
				list ? ", " : "", x->name, x->kx ? " (" : "",
				x->kx ? x->kx : "", x->kx ? ")" : "");
			free(list);
			if ((list = more) == NULL) {
				ctx->oom = true;
				return;
			}
		}
		if (c->tls_versions[v] == 1)
			xcv_strv_pushf(ctx, "  TLS 1.%d    %s%s%s", v, list ? list :
				"no cipher known", s->server_order > 0 ? "; the "
				"server's order" : s->server_order == 0 ? "; the "
				"client's order" : "", s->complete ? "" :
				"; the list may be incomplete");
		free(list);
	}
	if (c->groups_minor >= 0) {
		char *g = xcv_strv_join(&c->groups, ", ");
		xcv_strv_pushf(ctx, "  groups     %s (TLS 1.%d)%s", g && *g ? g :
			"none known", c->groups_minor, c->groups_complete ? "" :
			"; the list may be incomplete");
		if (g == NULL)
			ctx->oom = true;
		free(g);
	}
	for (size_t i = 0; i < c->version_clients.n; i++)
		xcv_strv_pushf(ctx, "  %-10s %s fails: %s", i ? "" : "clients",
			c->version_clients.v[i], c->version_whys.v[i]);
	if (c->tls_stream_seen) {
		char *m = xcv_strv_join(&c->tls_mechanisms, ", ");
		char *cb = xcv_strv_join(&c->channel_bindings, ", ");
		char *z = xcv_strv_join(&c->compression, ", ");
		xcv_strv_pushf(ctx, "  over TLS   SASL %s; channel binding %s; "
			"stream compression %s%s", m && *m ? m : "none",
			cb && *cb ? cb : "none announced", z && *z ? z : "none",
			c->service == XCV_SERVICE_S2S ? c->dialback ?
			"; dialback offered" : "; no dialback" : "");
		if (!m || !cb || !z)
			ctx->oom = true;
		free(m);
		free(cb);
		free(z);
	}
}

static void
context_lines(const struct xcv_check *c, struct xcv_strv *ctx)
{
	const struct xcv_discovery *d = &c->disc;

	if (c->service == XCV_SERVICE_HTTPS && d->domain)
		xcv_strv_pushf(ctx, "  host       %s", d->domain);
	else if (d->domain && d->source == XCV_DOMAIN_GIVEN)
		xcv_strv_pushf(ctx, "  domain     %s (given%s%s)", d->domain,
			c->domain_input ? " with " : "",
			c->domain_input ? c->domain_input : "");
	else if (d->domain)
		xcv_strv_pushf(ctx, "  domain     %s (%s)", d->domain,
			d->source == XCV_DOMAIN_ANNOUNCED ?
			"announced by the server in its stream header" :
			"accepted by the server");
	for (size_t i = 0; i < d->n; i++) {
		const struct xcv_attempt *a = &d->v[i];
		bool announced = a->answer == XCV_ANSWER_ANNOUNCED;
		xcv_strv_pushf(ctx, "  %-10s to=%s -> %s%s%s%s%s%s",
			i ? "" : "attempts", a->to, a->outcome,
			announced ? " " : "", announced ? a->from : "",
			a->detail ? " (" : "", a->detail ? a->detail : "",
			a->detail ? ")" : "");
	}
	if (c->used)
		xcv_strv_pushf(ctx, "  address    %s (%s %s)", c->used->addrtext,
			c->used->how, c->used->host);
	for (size_t i = 0; i < c->eps.records.n; i++)
		xcv_strv_pushf(ctx, "  %-10s %s", i ? "" : "dns",
			c->eps.records.v[i]);
	if (c->tls_done)
		xcv_strv_pushf(ctx, "  tls        %s, %s, %s, SNI %s%s%s",
			c->service == XCV_SERVICE_HTTPS ? "HTTPS" : c->direct_tls ?
			"direct TLS" : "STARTTLS", c->version, c->cipher,
			c->sni ? c->sni : "(none)", c->alpn ? ", ALPN " : "",
			c->alpn ? c->alpn : "");
	if (c->http_status)
		xcv_strv_pushf(ctx, "  http       HEAD / -> %s", c->http_status);
	if (c->clear_seen) {
		const struct xcv_strv *m = &c->clear_mechanisms;
		char *list = m->n ? xcv_strv_join(m, ", ") : NULL;
		xcv_strv_pushf(ctx, "  stream     STARTTLS %s; before TLS %s%s",
			!c->starttls_offered ? "not offered" :
			c->starttls_required ? "required" : "optional (not "
			"required)", list ? "offered " : "no SASL mechanism",
			list ? list : "");
		if (m->n && list == NULL)
			ctx->oom = true;
		free(list);
	}
	if (c->dane_run)
		xcv_strv_pushf(ctx, "  dane       %s%s%s: %s", c->dane.state ==
			XCV_DANE_SECURE ? "secure" : c->dane.state ==
			XCV_DANE_INSECURE ? "insecure" : c->dane.state ==
			XCV_DANE_BOGUS ? "BOGUS" : "INDETERMINATE",
			c->dane.matched ? ", matched " : "", c->dane.matched ?
			c->dane.matched : "", c->dane.why ? c->dane.why : "");
	if (c->posh_run)
		xcv_strv_pushf(ctx, "  posh       %s%s%s: %s", c->posh.state ==
			XCV_POSH_MATCHED ? "matched" : c->posh.state ==
			XCV_POSH_MISMATCH ? "MISMATCH" : c->posh.state ==
			XCV_POSH_ABSENT ? "absent" : "ERROR", c->posh.url ? " " : "",
			c->posh.url ? c->posh.url : "", c->posh.why ? c->posh.why :
			"");
	if (c->s2s_auth) {
		const struct xcv_s2s_auth *a = &c->s2s;
		char *m = xcv_strv_join(&a->offered, ", ");
		xcv_strv_pushf(ctx, "  as %-7s %s%s; the peer %s a client "
			"certificate", a->as, a->client_cert ? "presenting "
			"--client-cert" : "without a certificate", a->tls_done ? "" :
			" (no TLS)", a->cert_requested ? "asked for" :
			"did not ask for");
		if (a->features)
			xcv_strv_pushf(ctx, "  s2s auth   offered SASL %s; dialback "
				"%s; EXTERNAL %s%s%s%s%s", m && *m ? m : "none",
				a->dialback ? "offered" : "not offered",
				a->external, a->condition ? ": " : "",
				a->condition ? a->condition : "", a->text ? " - " :
				"", a->text ? a->text : "");
		else
			xcv_strv_pushf(ctx, "  s2s auth   no answer: %s", a->error ?
				a->error : "no features over TLS");
		if (m == NULL)
			ctx->oom = true;
		free(m);
	} else if (c->s2s_auth_asked) {
		xcv_strv_pushf(ctx, "  s2s auth   not asked: no connection was "
			"made, or no domain settled");
	}
	if (c->posture_asked && !c->posture)
		xcv_strv_pushf(ctx, "  versions   not asked: no connection was "
			"made%s", c->service == XCV_SERVICE_HTTPS ? "" :
			", or no domain settled");
	if (c->posture) {
		const int *t = c->tls_versions;
		xcv_strv_pushf(ctx, "  versions   TLS 1.3 %s, 1.2 %s, 1.1 %s, 1.0 %s",
			t[3] > 0 ? "yes" : t[3] ? "?" : "no",
			t[2] > 0 ? "yes" : t[2] ? "?" : "no",
			t[1] > 0 ? "yes" : t[1] ? "?" : "no",
			t[0] > 0 ? "yes" : t[0] ? "?" : "no");
		posture_text(ctx, c);
	}
	for (size_t i = 0; i < c->n_findings; i++) {
		const struct xcv_check_finding *f = &c->findings[i];
		xcv_strv_pushf(ctx, "  %-10s %s %s: %s; fix: %s",
			i ? "" : "findings", strcmp(f->severity, "error") == 0 ?
			"ERROR" : strcmp(f->severity, "note") == 0 ? "NOTE" :
			"WARNING", f->code, f->message, f->fix);
	}
}

static void
login_text(struct xcv_text *t, const struct xcv_login *l)
{
	put(t, "login %s: %s\n", l->jid, l->ok ? "LOGGED IN" : "FAILED");
	put(t, "  offered    %s", l->offered.n ? "" : "(unknown)");
	for (size_t i = 0; i < l->offered.n; i++)
		put(t, "%s%s", i ? ", " : "", l->offered.v[i]);
	put(t, "\n  mechanism  %s\n", l->mechanism ? l->mechanism : "(none)");
	if (l->ok)
		put(t, "  bound      %s\n", l->bound_jid ? l->bound_jid :
			"(unknown)");
	else
		put(t, "  error      %s\n", l->error ? l->error : "unknown");
	if (l->overridden)
		put(t, "  adapter    overrode %d certificate error%s libstrophe "
			"raised, for the certificate xmppcv verified\n",
			l->overridden, l->overridden == 1 ? "" : "s");
}

char *
xcv_check_to_text(const struct xcv_check *c)
{
	const struct xcv_strv *notes = &c->disc.warnings;
	struct xcv_text t = {0};
	struct xcv_strv ctx = {0};

	context_lines(c, &ctx);
	if (c->res) {
		xcv_report_text(&t, c->res, c->target_text, &ctx);
		if (notes->n)
			put(&t, "check notes:\n");
		for (size_t i = 0; i < notes->n; i++)
			put(&t, "  - %s\n", notes->v[i]);
	} else {
		put(&t, "%s: NO CERTIFICATE obtained (%s failed)\n",
			c->target_text, xcv_phase_name(c->failure.phase));
		put(&t, "  error      %s\n", c->failure.message ? c->failure.message :
			"unknown");
		for (size_t i = 0; i < ctx.n; i++)
			put(&t, "%s\n", ctx.v[i]);
		for (size_t i = 0; i < notes->n; i++)
			put(&t, "  note       %s\n", notes->v[i]);
		if (c->advice.n)
			put(&t, "what to do:\n");
		for (size_t i = 0; i < c->advice.n; i++)
			put(&t, "  - %s\n", c->advice.v[i]);
	}
	if (c->login.attempted)
		login_text(&t, &c->login);
	if (ctx.oom)
		t.oom = true;
	xcv_strv_clear(&ctx);
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* The accepted-certificate store. */

static json_t *
jentry(const struct xcv_store_entry *e, bool pem)
{
	json_t *doms = json_array(), *o;

	for (size_t j = 0; doms && j < e->n_domains; j++)
		json_array_append_new(doms, jstr(e->domains[j]));
	o = json_pack("{s:o,s:o,s:o,s:o,s:o}", "sha256", jstr(e->sha256),
		"subject", jstr(e->subject), "host", jstr(e->host),
		"accepted", jstr(e->accepted_at), "domains", doms);
	if (o && pem)
		json_object_set_new(o, "pem", jstr(e->pem));
	return o;
}

char *
xcv_store_entry_to_json(const struct xcv_store *s, size_t i)
{
	unsigned long since = xcv_alloc_failures();
	const struct xcv_store_entry *e = xcv_store_entry(s, i);

	return e ? dump(jentry(e, true), since) : NULL;
}

char *
xcv_store_to_json(const struct xcv_store *s)
{
	unsigned long since = xcv_alloc_failures();
	json_t *certs = json_array(), *notes = json_array();

	for (size_t i = 0; certs && i < xcv_store_count(s); i++)
		json_array_append_new(certs, jentry(xcv_store_entry(s, i), false));
	for (size_t i = 0; notes && i < xcv_store_note_count(s); i++)
		json_array_append_new(notes, jstr(xcv_store_note(s, i)));
	return dump(json_pack("{s:o,s:o,s:o}", "store",
		jlabel(xcv_store_path(s)), "certificates", certs, "notes", notes),
		since);
}

/* A scan: one object per endpoint, a summary; a matrix for people. */

char *
xcv_scan_endpoint_to_json(const struct xcv_scan *s, size_t i)
{
	unsigned long since = xcv_alloc_failures();
	const struct xcv_scan_ep *e;
	const struct xcv_scan_endpoint *v;
	json_t *o, *r;

	if (i >= s->n_eps)
		return NULL;
	e = &s->eps[i];
	v = &e->view;
	o = json_pack("{s:o,s:o,s:s,s:i,s:s,s:b,s:o,s:o}",
		"node", jlabel(v->node), "address", jstr(v->address),
		"service", xcv_scan_service_name(v->service), "port", v->port,
		"verdict", xcv_verdict_name(v->verdict), "required", v->required,
		"domain", jstr(v->domain), "expected_name", jstr(v->expected));
	if (o == NULL)
		return NULL;
	if (e->res) {
		const struct xcv_cert_info *leaf = xcv_result_cert(e->res, 0);
		r = xcv_report_json(e->res);
		/* The scan's own service name and domain stay. */
		json_object_del(r, "domain");
		json_object_del(r, "service");
		json_object_del(r, "verdict");
		if (r == NULL || json_object_update(o, r) < 0) {
			json_decref(r);
			json_decref(o);
			return NULL;
		}
		json_decref(r);
		json_object_set_new(o, "sha256", jstr(leaf->sha256));
		json_object_set_new(o, "not_after", jstr(leaf->not_after));
		json_object_set_new(o, "days_left", json_integer(
			xcv_time_diff(leaf->not_after_time, s->at) / 86400));
		json_object_set_new(o, "tls", json_pack("{s:o,s:o,s:o}",
			"version", jstr(e->tls_version), "cipher", jstr(e->cipher),
			"http", jstr(e->http)));
	} else {
		json_object_set_new(o, "ok", json_false());
		json_object_set_new(o, "error", v->verdict == XCV_VERDICT_CLOSED &&
			v->message == NULL ? json_null() : json_pack("{s:s,s:o}",
			"phase", xcv_phase_name(v->phase), "message",
			jstr(v->message)));
	}
	json_object_set_new(o, "notes", jstrv(&e->notes));
	if (s->posture) {
		json_t *t = json_object();
		for (int k = 0; t && k < 4; k++)
			json_object_set_new(t, tls_names[k], v->tls_versions[k] < 0 ?
				json_null() : json_boolean(v->tls_versions[k]));
		json_object_set_new(o, "tls_versions", t);
	}
	return dump(o, since);
}

/* Endpoints by verdict: [verified, accepted, not, none, closed]. */
static void
count_verdicts(const struct xcv_scan *s, size_t n[5])
{
	memset(n, 0, 5 * sizeof(*n));
	for (size_t i = 0; i < s->n_eps; i++)
		n[s->eps[i].view.verdict]++;
}

char *
xcv_scan_summary_to_json(const struct xcv_scan *s)
{
	unsigned long since = xcv_alloc_failures();
	json_t *findings = json_array();
	size_t n[5];

	count_verdicts(s, n);
	for (size_t i = 0; findings && i < s->n_findings; i++) {
		const struct xcv_scan_fnd *f = &s->findings[i];
		json_array_append_new(findings, json_pack("{s:s,s:s,s:o,s:o,s:o}",
			"code", f->code, "severity", f->severity, "nodes",
			jstrv(&f->nodes), "services", jstrv(&f->services),
			"message", jstr(f->message)));
	}
	return dump(json_pack("{s:{s:o,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},s:o}",
		"summary", "domain", jstr(s->domain),
		"nodes", (json_int_t)s->n_nodes, "endpoints", (json_int_t)s->n_eps,
		"verified", (json_int_t)n[XCV_VERDICT_VERIFIED],
		"accepted", (json_int_t)n[XCV_VERDICT_ACCEPTED],
		"not_verified", (json_int_t)n[XCV_VERDICT_NOT_VERIFIED],
		"no_certificate", (json_int_t)n[XCV_VERDICT_NO_CERTIFICATE],
		"closed", (json_int_t)n[XCV_VERDICT_CLOSED],
		"status", xcv_scan_status(s),
		"findings", findings), since);
}

/* A matrix cell: the verdict in a few words. */
static void
cell(char *buf, size_t len, const struct xcv_scan_endpoint *e)
{
	unsigned p;
	size_t n;

	switch (e->verdict) {
	case XCV_VERDICT_VERIFIED:
		snprintf(buf, len, "VERIFIED");
		return;
	case XCV_VERDICT_CLOSED:
		snprintf(buf, len, "closed");
		return;
	case XCV_VERDICT_NO_CERTIFICATE:
		snprintf(buf, len, "NO CERT (%s)", xcv_phase_name(e->phase));
		return;
	default:
		break;
	}
	n = (size_t)snprintf(buf, len, "%s (", e->verdict ==
		XCV_VERDICT_ACCEPTED ? "ACCEPTED" : "NOT VERIFIED");
	p = xcv_result_problems(e->result);
	for (unsigned b = 1; b <= XCV_PROBLEM_DANE && n < len; b <<= 1)
		if (p & b)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
				buf[n - 1] == '(' ? "" : ",", xcv_problem_name(b));
	if (n < len)
		snprintf(buf + n, len - n, ")");
}

/* With posture, a cell ends with the TLS versions the endpoint accepts:
 * " [1.3 1.2]"; " [none]" when it refused all four; " [?]" when none was
 * accepted and some are not known; nothing when none was asked. */
static void
cell_versions(char *buf, size_t len, const struct xcv_scan_endpoint *e)
{
	size_t n = strlen(buf);
	bool known = false, any = false, unknown = false;

	for (int v = 0; v < 4; v++) {
		known |= e->tls_versions[v] >= 0;
		unknown |= e->tls_versions[v] < 0;
	}
	if (!known || n + 3 >= len)
		return;
	n += (size_t)snprintf(buf + n, len - n, " [");
	for (int v = 3; v >= 0 && n < len; v--)
		if (e->tls_versions[v] == 1) {
			n += (size_t)snprintf(buf + n, len - n, "%s1.%d", any ?
				" " : "", v);
			any = true;
		}
	if (n < len)
		snprintf(buf + n, len - n, "%s]", any ? "" : unknown ? "?" :
			"none");
}

static const char *
scan_name(const struct xcv_scan *s)
{
	return s->domain ? s->domain : "scan";
}

/* Profile p's judgement on an endpoint, or NULL. */
static const struct xcv_client_info *
ep_client(const struct xcv_scan_ep *e, const struct xcv_client_profile *p)
{
	for (size_t k = 0; e->res && k < xcv_result_client_count(e->res); k++)
		if (xcv_result_client(e->res, k)->profile == p)
			return xcv_result_client(e->res, k);
	return NULL;
}

/*
 * Under the matrix: per client profile, the nodes it would connect to
 * silently on every service it judges ("gio  2 of 3 nodes"), when the
 * profiles were named; else one line for those that miss a node.
 */
static void
put_scan_clients(struct xcv_text *t, const struct xcv_scan *s)
{
	bool shown = false, any = false, header = false;
	size_t missing = 0;

	for (size_t i = 0; i < s->n_eps; i++)
		if (s->eps[i].res) {
			shown |= s->eps[i].res->clients_shown;
			any |= xcv_result_client_count(s->eps[i].res) > 0;
		}
	for (size_t c = 0; any && c < xcv_client_profile_count(); c++) {
		const struct xcv_client_profile *p = xcv_client_profile(c);
		size_t judged = 0, ok = 0;
		const char *sep = "; not ";

		for (size_t r = 0; r < s->n_nodes; r++) {
			bool seen = false, good = true;
			for (size_t i = 0; i < s->n_eps; i++) {
				const struct xcv_client_info *ci;
				/* The one line speaks of what xmppcv verified. */
				if (s->eps[i].node != r ||
				    (ci = ep_client(&s->eps[i], p)) == NULL ||
				    (!shown && !xcv_result_ok(s->eps[i].res)))
					continue;
				seen = true;
				good &= ci->verdict == XCV_CLIENT_CONNECTS;
			}
			judged += seen;
			ok += seen && good;
		}
		if (judged == 0 || (!shown && ok == judged))
			continue;
		if (!shown) {
			put(t, "%s%s", missing++ ? ", " : "clients: would not "
				"connect silently to every node: ", p->id);
			continue;
		}
		if (!header)
			put(t, "clients (nodes each client stack connects to "
				"silently):\n");
		header = true;
		put(t, "  %-13s %zu of %zu node%s", p->id, ok, judged,
			judged == 1 ? "" : "s");
		for (size_t r = 0; ok < judged && r < s->n_nodes; r++) {
			bool bad = false;
			for (size_t i = 0; i < s->n_eps; i++) {
				const struct xcv_client_info *ci;
				if (s->eps[i].node == r &&
				    (ci = ep_client(&s->eps[i], p)) != NULL &&
				    ci->verdict != XCV_CLIENT_CONNECTS)
					bad = true;
			}
			if (bad) {
				put(t, "%s%s", sep, s->nodes[r].name);
				sep = ", ";
			}
		}
		put(t, "\n");
	}
	if (missing)
		put(t, "\n");
}

char *
xcv_scan_to_text(const struct xcv_scan *s, bool verbose)
{
	struct xcv_text t = {0};
	size_t width[XCV_SCAN_SERVICES] = {0}, namew = 4, n[5];
	int last = 0;
	char buf[96];

	count_verdicts(s, n);
	for (size_t i = 0; i < s->n_nodes; i++)
		if (strlen(s->nodes[i].name) > namew)
			namew = strlen(s->nodes[i].name);
	for (int k = 0; k < XCV_SCAN_SERVICES; k++)
		width[k] = strlen(xcv_scan_service_name(1u << k));
	for (size_t i = 0; i < s->n_eps; i++) {
		int k = xcv_scan_index(s->eps[i].service);
		cell(buf, sizeof(buf), &s->eps[i].view);
		cell_versions(buf, sizeof(buf), &s->eps[i].view);
		if (strlen(buf) > width[k])
			width[k] = strlen(buf);
	}
	/* The last column is not padded: no trailing blanks. */
	for (int k = 0; k < XCV_SCAN_SERVICES; k++)
		if (s->services & (1u << k))
			last = k;
	put(&t, "%-*s", (int)namew, "node");
	for (int k = 0; k < XCV_SCAN_SERVICES; k++)
		if (s->services & (1u << k))
			put(&t, "  %-*s", k == last ? 0 : (int)width[k],
				xcv_scan_service_name(1u << k));
	put(&t, "\n");
	for (size_t r = 0; r < s->n_nodes; r++) {
		put(&t, "%-*s", (int)namew, s->nodes[r].name);
		for (int k = 0; k < XCV_SCAN_SERVICES; k++) {
			const char *shown = "-";
			if (!(s->services & (1u << k)))
				continue;
			for (size_t i = 0; i < s->n_eps; i++) {
				if (s->eps[i].node == r && s->eps[i].service ==
				    1u << k) {
					cell(buf, sizeof(buf), &s->eps[i].view);
					cell_versions(buf, sizeof(buf),
						&s->eps[i].view);
					shown = buf;
				}
			}
			put(&t, "  %-*s", k == last ? 0 : (int)width[k], shown);
		}
		put(&t, "\n");
	}
	put_scan_clients(&t, s);
	if (s->n_findings)
		put(&t, "findings:\n");
	for (size_t i = 0; i < s->n_findings; i++)
		put(&t, "  %-7s  %s: %s\n", strcmp(s->findings[i].severity,
			"error") == 0 ? "ERROR" : "WARNING", s->findings[i].code,
			s->findings[i].message);
	for (size_t i = 0; verbose && i < s->n_eps; i++) {
		const struct xcv_scan_ep *e = &s->eps[i];
		const struct xcv_scan_endpoint *v = &e->view;
		snprintf(buf, sizeof(buf), "%s %s", v->node,
			xcv_scan_service_name(v->service));
		put(&t, "\n");
		if (e->res)
			xcv_report_text(&t, e->res, buf, NULL);
		else
			put(&t, "%s: %s (%s): %s\n", buf, v->verdict ==
				XCV_VERDICT_CLOSED ? "CLOSED" : "NO CERTIFICATE",
				xcv_phase_name(v->phase), v->message ? v->message :
				"no answer");
		if (v->address)
			put(&t, "  address    %s\n", v->address);
		if (e->http)
			put(&t, "  http       HEAD / -> %s\n", e->http);
		for (size_t k = 0; k < e->notes.n; k++)
			put(&t, "  note       %s\n", e->notes.v[k]);
	}
	put(&t, "%s%s: %zu of %zu endpoints verified, %zu finding%s\n",
		verbose ? "\n" : "", scan_name(s), n[XCV_VERDICT_VERIFIED],
		s->n_eps, s->n_findings, s->n_findings == 1 ? "" : "s");
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* CSRs: lint findings per CSR and across them, the match of an issued
 * certificate. */

static json_t *
jfinding(const struct xcv_csr_finding *f)
{
	json_t *files = json_array();

	for (size_t i = 0; files && i < f->n_files; i++)
		json_array_append_new(files, jlabel(f->files[i]));
	return json_pack("{s:s,s:s,s:o,s:o,s:o}", "code", f->code, "severity",
		xcv_severity_name(f->severity), "field", jstr(f->field),
		"files", files, "text", jstr(f->text));
}

static json_t *
jfindings(const struct xcv_csr_findings *f)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < f->n; i++)
		json_array_append_new(a, jfinding(&f->v[i]));
	return a;
}

static json_t *
jsans(const struct xcv_csr *c)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < c->n_san; i++) {
		const struct xcv_presented_id *p = &c->san_view[i];
		json_t *o = json_pack("{s:s,s:o,s:b}", "field",
			xcv_field_name(p->field), "value", jstr(p->value),
			"valid", p->valid);
		if (o && p->reason)
			json_object_set_new(o, "reason", jstr(p->reason));
		json_array_append_new(a, o);
	}
	return a;
}

/* What the CSR holds, with file and kind first. */
static json_t *
jcsr_body(const struct xcv_csr *c, const char *kind)
{
	return json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:b,s:o}",
		"file", jlabel(c->name), "kind", jstr(kind),
		"encoding", xcv_csr_encoding_name(c->encoding),
		"subject", jstr(c->subject), "key", jstr(c->key),
		"key_sha256", jstr(c->key_sha256),
		"signature", jstr(c->signature),
		"signature_valid", c->sig_valid,
		"sans", jsans(c));
}

char *
xcv_csr_to_json(const struct xcv_csr *c)
{
	unsigned long since = xcv_alloc_failures();
	json_t *o = jcsr_body(c, c->linted ? xcv_csr_kind_name(c->kind) : NULL);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "domain", jstr(c->domain));
	json_object_set_new(o, "domain_source", jstr(c->domain_source));
	json_object_set_new(o, "findings", jfindings(&c->findings));
	json_object_set_new(o, "ok", json_boolean(xcv_csr_ok(c)));
	return dump(o, since);
}

char *
xcv_csr_summary_to_json(const struct xcv_csr_summary *s)
{
	unsigned long since = xcv_alloc_failures();
	json_t *nodes = json_array(), *unreadable = json_array();

	for (size_t i = 0; nodes && i < s->nodes.n; i++)
		json_array_append_new(nodes, jstr(s->nodes.v[i]));
	for (size_t i = 0; unreadable && i < s->unreadable.n; i++)
		json_array_append_new(unreadable, json_pack("{s:o,s:o}", "file",
			jlabel(s->unreadable.v[i]), "message",
			jstr(s->unreadable_why.v[i])));
	return dump(json_pack("{s:{s:s,s:o,s:o,s:I,s:o,s:I,s:I,s:I,s:b},s:o}",
		"summary",
		  "kind", xcv_csr_kind_name(s->kind),
		  "domain", jstr(s->domain),
		  "nodes", nodes,
		  "csrs", (json_int_t)s->n_csrs,
		  "unreadable", unreadable,
		  "errors", (json_int_t)s->errors,
		  "warnings", (json_int_t)s->warnings,
		  "notes", (json_int_t)s->notes,
		  "ok", xcv_csr_summary_ok(s),
		"findings", jfindings(&s->findings)), since);
}

char *
xcv_csr_match_to_json(const struct xcv_csr_match *m, const char *cert_label)
{
	unsigned long since = xcv_alloc_failures();
	json_t *o = jcsr_body(m->csr, xcv_csr_kind_name(m->kind)), *r = NULL;
	char *out = NULL;

	if (o == NULL)
		return NULL;
	/* The CSR's file and what it holds, the match's findings, then the
	 * verification's fields; its profile findings keep their own name. */
	json_object_set_new(o, "certificate", jlabel(cert_label));
	json_object_set_new(o, "findings", jfindings(&m->findings));
	r = xcv_report_json(m->res);
	if (r == NULL)
		goto out;
	json_object_set(r, "profile_findings", json_object_get(r, "findings"));
	json_object_del(r, "findings");
	if (json_object_update(o, r) < 0)
		goto out;
	json_object_set_new(o, "domain_source", jstr(m->domain_source));
	/* Ready to upload: verified, and nothing dropped or mismatched. */
	json_object_set_new(o, "ok", json_boolean(m->ok));
	out = dump(o, since);
	o = NULL;
out:
	json_decref(r);
	json_decref(o);
	return out;
}

/* Text. */

static void
put_counts(struct xcv_text *t, size_t e, size_t w, size_t n)
{
	const char *sep = "";

	if (e) {
		put(t, "%zu error%s", e, e == 1 ? "" : "s");
		sep = ", ";
	}
	if (w) {
		put(t, "%s%zu warning%s", sep, w, w == 1 ? "" : "s");
		sep = ", ";
	}
	if (n)
		put(t, "%s%zu note%s", sep, n, n == 1 ? "" : "s");
}

static void
counts_of(const struct xcv_csr_findings *f, size_t *e, size_t *w, size_t *n)
{
	*e = *w = *n = 0;
	for (size_t i = 0; i < f->n; i++) {
		*e += f->v[i].severity == XCV_SEVERITY_ERROR;
		*w += f->v[i].severity == XCV_SEVERITY_WARNING;
		*n += f->v[i].severity == XCV_SEVERITY_NOTE;
	}
}

/* How the domain was settled, in words. */
static const char *
source_words(const char *source)
{
	static const struct { const char *source, *words; } w[] = {
		{ "given", "given" },
		{ "xmppAddr", "from the CSR's xmppAddr" },
		{ "srvName", "from the CSR's SRVName" },
		{ "dnsName", "from the CSR's dNSName" },
		{ "cn", "from the CSR's CN" },
	};

	for (size_t i = 0; source && i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(source, w[i].source) == 0)
			return w[i].words;
	return "?";
}

/* One line per finding: severity, code, text. */
static void
put_findings(struct xcv_text *t, const struct xcv_csr_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		put(t, "  %-8s %s: %s\n", xcv_severity_name(f->v[i].severity),
			f->v[i].code, f->v[i].text);
}

static void
put_contents(struct xcv_text *t, const struct xcv_csr *c)
{
	static const char *const enc[] = { "PEM (Base64)", "DER (binary)",
		"PEM text in UTF-16" };

	put(t, "  encoding   %s\n", enc[c->encoding]);
	put(t, "  subject    %s\n", c->subject[0] ? c->subject : "(empty)");
	put(t, "  key        %s, SHA-256 %s\n", c->key, c->key_sha256);
	put(t, "  signature  %s, %s\n", c->signature, c->sig_valid ? "valid" :
		"DOES NOT VERIFY");
	put(t, "  names     ");
	if (c->n_san == 0)
		put(t, " (no subjectAltName)\n");
	for (size_t i = 0; i < c->n_san; i++) {
		const struct xcv_presented_id *p = &c->san_view[i];
		put(t, "%s %-9s %s", i ? "            " : "",
			xcv_field_name(p->field), p->value[0] ? p->value :
			"(empty)");
		if (!p->valid)
			put(t, "  INVALID: it %s", p->reason);
		put(t, "\n");
	}
}

char *
xcv_csr_to_text(const struct xcv_csr *c)
{
	struct xcv_text t = {0};
	size_t e, w, n;

	counts_of(&c->findings, &e, &w, &n);
	put(&t, "%s: %s", c->name, e ? "NOT READY TO SUBMIT: " :
		"READY TO SUBMIT");
	if (e)
		put_counts(&t, e, w, n);
	else if (w || n) {
		put(&t, " (");
		put_counts(&t, e, w, n);
		put(&t, ")");
	}
	put(&t, "\n");
	put_findings(&t, &c->findings);
	if (c->linted && c->kind == XCV_CSR_XMPP && c->domain)
		put(&t, "  kind       xmpp, for the XMPP domain %s (%s)\n",
			c->domain, source_words(c->domain_source));
	else if (c->linted)
		put(&t, "  kind       %s%s\n", xcv_csr_kind_name(c->kind),
			c->kind == XCV_CSR_XMPP ? ", XMPP domain not known" : "");
	put_contents(&t, c);
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

char *
xcv_csr_summary_to_text(const struct xcv_csr_summary *s)
{
	struct xcv_text t = {0};

	if (s->findings.n) {
		put(&t, "across the %zu CSRs:\n", s->n_csrs);
		put_findings(&t, &s->findings);
	}
	for (size_t i = 0; i < s->unreadable.n; i++)
		put(&t, "unreadable: %s\n", s->unreadable_why.v[i]);
	put(&t, "%zu CSR%s", s->n_csrs, s->n_csrs == 1 ? "" : "s");
	if (s->unreadable.n)
		put(&t, " and %zu unreadable file%s", s->unreadable.n,
			s->unreadable.n == 1 ? "" : "s");
	if (xcv_csr_summary_ok(s)) {
		put(&t, ": READY TO SUBMIT");
		if (s->warnings || s->notes) {
			put(&t, " (");
			put_counts(&t, 0, s->warnings, s->notes);
			put(&t, " in all)");
		}
	} else {
		put(&t, ": NOT READY TO SUBMIT");
		if (s->errors) {
			put(&t, ": ");
			put_counts(&t, s->errors, s->warnings, s->notes);
			put(&t, " in all");
		}
	}
	put(&t, "\n");
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

char *
xcv_csr_match_to_text(const struct xcv_csr_match *m, const char *cert_label)
{
	const struct xcv_result *res = m->res;
	struct xcv_text t = {0};
	size_t e, w, n;

	counts_of(&m->findings, &e, &w, &n);
	put(&t, "%s -> %s: %s", m->csr->name, cert_label ? cert_label :
		"certificate", m->ok ? "READY TO UPLOAD" : "NOT READY TO UPLOAD");
	if (e) {
		put(&t, ": ");
		put_counts(&t, e, 0, 0);
	}
	if (!xcv_result_ok(res))
		put(&t, "%sthe certificate is %s for %s %s", e ? "; " : ": ",
			xcv_result_verdict(res) == XCV_VERDICT_ACCEPTED ?
			"only accepted, not verified," : "NOT VERIFIED",
			m->kind == XCV_CSR_HTTPS ? "host" : "XMPP domain",
			res->id.reference);
	else
		put(&t, "%sthe certificate verifies for %s", e ? "; " : " (",
			res->id.reference);
	put(&t, "%s\n", !e && xcv_result_ok(res) ? ")" : "");
	put_findings(&t, &m->findings);
	put(&t, "  %s %s (%s)\n", m->kind == XCV_CSR_HTTPS ? "host      " :
		"domain    ", res->id.reference, source_words(m->domain_source));
	put(&t, "the CSR, %s:\n", m->csr->name);
	put_contents(&t, m->csr);
	put(&t, "the certificate:\n");
	xcv_report_text(&t, res, cert_label, NULL);
	if (t.oom) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
