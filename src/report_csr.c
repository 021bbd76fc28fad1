/*
 * What a user reads about CSRs: lint findings per CSR and across them, and
 * the match of an issued certificate, as JSON for programs and text for
 * people. Never prints.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "csr_internal.h"
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

/* A name given by the user (a file name may hold any byte), escaped. */
static json_t *
jlabel(const char *label)
{
	char *e = label ? xcv_escape((const unsigned char *)label,
		strlen(label)) : NULL;
	json_t *j = jstr(e);

	free(e);
	return j;
}

/* One compact line; NULL if o is NULL or on failure. Takes o. */
static char *
dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return s;
}

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
	json_t *o = jcsr_body(c, c->linted ? xcv_csr_kind_name(c->kind) : NULL);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "domain", jstr(c->domain));
	json_object_set_new(o, "domain_source", jstr(c->domain_source));
	json_object_set_new(o, "findings", jfindings(&c->findings));
	json_object_set_new(o, "ok", json_boolean(xcv_csr_ok(c)));
	return dump(o);
}

char *
xcv_csr_summary_to_json(const struct xcv_csr_summary *s)
{
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
		"findings", jfindings(&s->findings)));
}

char *
xcv_csr_match_to_json(const struct xcv_csr_match *m, const char *cert_label)
{
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
	out = dump(o);
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
