/* Rendering a result: JSON for programs, text for people. Never prints. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

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

static json_t *
jstrv(const struct xcv_strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < sv->n; i++)
		json_array_append_new(a, jstr(sv->v[i]));
	return a;
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

json_t *
xcv_report_json(const struct xcv_result *res)
{
	const struct xcv_identity *id = &res->id;
	const struct xcv_presented *m = id->matched ? &id->presented[id->match] :
		NULL;
	json_t *presented = json_array(), *errors = json_array();
	char at[32];

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
	return json_pack("{s:o,s:s,s:b,s:s,s:{s:b,s:o,s:o,s:s,s:o},"
		"s:{s:b,s:b,s:o,s:o,s:o,s:o,s:o},s:o,s:o}",
		"domain", jstr(res->id.reference),
		"service", xcv_service_name(res->service),
		"ok", res->ok,
		"at", at,
		"identity",
		  "matched", id->matched,
		  "field", m ? jstr(xcv_field_name(m->field)) : json_null(),
		  "value", m ? jstr(m->value) : json_null(),
		  "policy", xcv_policy_name(id->policy),
		  "presented", presented,
		"chain",
		  "trusted", res->trusted || res->accepted,
		  "accepted", res->accepted,
		  "error", res->n_errors ? jstr(res->errors[0].text) : json_null(),
		  "error_depth", res->n_errors ?
			json_integer(res->errors[0].depth) : json_null(),
		  "errors", errors,
		  "certs", jcerts(res->presented, res->n_presented),
		  "built", jcerts(res->built, res->n_built),
		"warnings", jstrv(&res->warnings),
		"advice", jstrv(&res->advice));
}

char *
xcv_result_to_json(const struct xcv_result *res, const char *label)
{
	json_t *o = xcv_report_json(res), *top;
	char *s;

	if (o == NULL)
		return NULL;
	top = label ? json_pack("{s:s}", "file", label) : json_object();
	if (top == NULL || json_object_update(top, o) < 0) {
		json_decref(o);
		json_decref(top);
		return NULL;
	}
	json_decref(o);
	s = json_dumps(top, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(top);
	return s;
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
	put(t, "%s for %s %s (%s, policy %s, as at %s)\n",
		res->ok ? "VERIFIED" : "NOT VERIFIED", what, id->reference,
		xcv_service_name(res->service), xcv_policy_name(id->policy), at);
	if (id->matched)
		put(t, "  identity   match: %s %s\n",
			xcv_field_name(id->presented[id->match].field),
			id->presented[id->match].value);
	else
		put(t, "  identity   MISMATCH: no valid presented identity names "
			"%s\n", id->reference);
	if (res->accepted)
		put(t, "  chain      trusted because you accepted this certificate "
			"for %s\n", id->reference);
	else if (res->trusted)
		put(t, "  chain      trusted\n");
	else
		put(t, "  chain      NOT TRUSTED: %s\n", res->n_errors ?
			res->errors[0].text : "unknown reason");
	for (size_t i = 1; i < res->n_errors; i++)
		put(t, "             also: %s\n", res->errors[i].text);
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
}
