/*
 * The stream reader against transcripts of what servers send, as observed
 * on Prosody and ejabberd (shared facts) and as hostile peers might. Each
 * row names its transcript in fixtures/streams/ (the fuzzer's seeds too)
 * and is fed it whole and then one byte at a time; both must agree.
 *
 * Run: test_stream [FIXTURES]   (the fixtures directory; default $FIXTURES)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

struct row {
	const char *why;
	const char *file;        /* the transcript, under fixtures/streams/ */
	bool header, features, starttls, required, proceed, failure, error, closed;
	const char *from;
	const char *ns;
	const char *condition;
	const char *text;
	int mechanisms;
	const char *fail;        /* expected failure message substring */
};

static const struct row rows[] = {
	{ "Prosody accepts a served host: header, then STARTTLS required",
	  "prosody-starttls-required.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "attribute order does not matter (ejabberd orders them differently)",
	  "ejabberd-attribute-order.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "a different stream prefix is the same stream",
	  "other-stream-prefix.xml",
	  .header = true, .features = true, .starttls = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "Prosody rejects an unknown host with host-unknown and text",
	  "prosody-host-unknown.xml",
	  .header = true, .error = true, .closed = true, .from = "cup1.corp.example",
	  .ns = "jabber:client", .condition = "host-unknown",
	  .text = "This server does not serve cup1.corp.example" },
	{ "ejabberd's bare host-unknown without text",
	  "ejabberd-host-unknown.xml",
	  .header = true, .error = true, .from = "cup1.corp.example",
	  .ns = "jabber:client", .condition = "host-unknown" },
	{ "missing 'to' gets improper-addressing, with an escaped apostrophe",
	  "improper-addressing.xml",
	  .header = true, .error = true, .closed = true, .ns = "jabber:client",
	  .condition = "improper-addressing", .text = "A 'to' attribute is required" },
	{ "a server announcing its own domain (Cisco IM and Presence)",
	  "own-domain.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "features without STARTTLS but with SASL mechanisms",
	  "sasl-only.xml",
	  .header = true, .features = true, .from = "corp.example",
	  .ns = "jabber:client", .mechanisms = 2 },
	{ "STARTTLS proceed",
	  "starttls-proceed.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .proceed = true, .from = "corp.example", .ns = "jabber:client" },
	{ "STARTTLS failure",
	  "starttls-failure.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .failure = true, .closed = true, .from = "corp.example", .ns = "jabber:client" },
	{ "proceed in the wrong namespace is not proceed",
	  "proceed-wrong-namespace.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "starttls outside features does not count as offered",
	  "starttls-outside-features.xml",
	  .header = true, .from = "corp.example", .ns = "jabber:client" },
	{ "s2s header with dialback namespace",
	  "s2s-dialback.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:server" },
	{ "see-other-host names the other host",
	  "see-other-host-name.xml",
	  .header = true, .error = true, .from = "corp.example", .ns = "jabber:client",
	  .condition = "see-other-host" },
	{ "an HTTP reply is not an XMPP stream",
	  "http-reply.txt",
	  .fail = "not well-formed" },
	{ "an HTML page is not an XMPP stream",
	  "html-page.html",
	  .fail = "did not open an XMPP stream" },
	{ "garbage bytes are not well-formed",
	  "tls-record.bin",
	  .fail = "not well-formed" },
	{ "DOCTYPE is refused at once (RFC 6120 11.1)",
	  "doctype-entity.xml",
	  .fail = "DOCTYPE" },
	{ "billion laughs is refused before any expansion",
	  "billion-laughs.xml",
	  .fail = "DOCTYPE" },
	{ "a comment is restricted XML",
	  "comment.xml",
	  .header = true, .from = "corp.example", .ns = "jabber:client", .fail = "comment" },
	{ "a processing instruction after the header is restricted XML",
	  "processing-instruction.xml",
	  .header = true, .from = "corp.example", .ns = "jabber:client", .fail = "processing instruction" },
	{ "an undeclared entity reference is not well-formed",
	  "undeclared-entity.xml",
	  .fail = "not well-formed" },
	{ "a header larger than the limit is refused",
	  "header-too-large.xml",
	  .fail = "stream header over the size limit" },
	{ "an element larger than the limit is refused",
	  "element-too-large.xml",
	  .header = true, .from = "corp.example", .ns = "jabber:client",
	  .fail = "larger than" },
	{ "nesting deeper than the limit is refused",
	  "nesting-too-deep.xml",
	  .header = true, .ns = "jabber:client", .fail = "nested too deeply" },
	{ "whitespace keepalives between elements are fine",
	  "whitespace-keepalive.xml",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "a stream error's text is capped, not unbounded",
	  "undefined-condition.xml",
	  .header = true, .error = true, .ns = "jabber:client",
	  .condition = "undefined-condition" },
};

static const struct xcv_stream_limits limits = {
	.header_bytes = 256, .element_bytes = 200, .depth = 8,
};

/* The fixtures directory (holding streams/), from argv[1] or $FIXTURES. */
static const char *fixtures;

/* The exact bytes of fixtures/streams/NAME; the caller frees them. */
static char *
load(const char *name, size_t *len)
{
	char path[4096], *buf = NULL;
	size_t cap = 0, n;
	FILE *f;

	*len = 0;
	assert_true(snprintf(path, sizeof(path), "%s/streams/%s", fixtures,
		name) < (int)sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	assert_false(ferror(f));
	fclose(f);
	/* An empty transcript would test nothing. */
	assert_true(*len > 0);
	return buf;
}

static void
check(const struct row *r, const char *in, size_t len, bool bytewise)
{
	struct xcv_stream *s;
	const struct xcv_stream_state *st;
	int rc = 0;

	assert_int_equal(xcv_stream_new(&s, &limits), 0);
	if (bytewise) {
		for (size_t i = 0; i < len && rc == 0; i++)
			rc = xcv_stream_feed(s, in + i, 1);
	} else {
		rc = xcv_stream_feed(s, in, len);
	}
	st = xcv_stream_state(s);
	if (r->fail) {
		assert_int_equal(rc, XCV_EINPUT);
		if (strstr(xcv_error_last(), r->fail) == NULL)
			print_error("message: %s\n", xcv_error_last());
		assert_non_null(strstr(xcv_error_last(), r->fail));
		/* Once failed, the stream stays failed. */
		assert_int_equal(xcv_stream_feed(s, " ", 1), XCV_EINPUT);
	} else {
		if (rc != 0)
			print_error("unexpected failure: %s\n", xcv_error_last());
		assert_int_equal(rc, 0);
	}
	assert_int_equal(st->header, r->header);
	assert_int_equal(st->features, r->features);
	assert_int_equal(st->starttls, r->starttls);
	assert_int_equal(st->starttls_required, r->required);
	assert_int_equal(st->proceed, r->proceed);
	assert_int_equal(st->failure, r->failure);
	assert_int_equal(st->error, r->error);
	assert_int_equal(st->closed, r->closed);
	assert_int_equal((int)st->mechanisms.n, r->mechanisms);
	if (r->from)
		assert_string_equal(st->from, r->from);
	else
		assert_null(st->from);
	if (r->ns)
		assert_string_equal(st->ns, r->ns);
	if (r->condition)
		assert_string_equal(st->error_condition, r->condition);
	else
		assert_null(st->error_condition);
	if (r->text)
		assert_string_equal(st->error_text, r->text);
	xcv_stream_free(s);
}

static void
run_row(void **state)
{
	const struct row *r = *state;
	size_t len;
	char *in = load(r->file, &len);

	check(r, in, len, false);
	check(r, in, len, true);
	free(in);
}

static void
restart_after_starttls(void **state)
{
	struct xcv_stream *s;
	size_t alen, blen;
	char *a = load("starttls-proceed.xml", &alen);
	char *b = load("restarted-stream.xml", &blen);

	(void)state;
	assert_int_equal(xcv_stream_new(&s, &(struct xcv_stream_limits){
		4096, 4096, 16 }), 0);
	assert_int_equal(xcv_stream_feed(s, a, alen), 0);
	assert_true(xcv_stream_state(s)->proceed);
	assert_int_equal(xcv_stream_restart(s), 0);
	assert_false(xcv_stream_state(s)->header);
	assert_int_equal(xcv_stream_feed(s, b, blen), 0);
	assert_true(xcv_stream_state(s)->header);
	assert_true(xcv_stream_state(s)->features);
	assert_false(xcv_stream_state(s)->starttls);
	assert_string_equal(xcv_stream_state(s)->id, "2");
	xcv_stream_free(s);
	free(a);
	free(b);
}

/* The limits a check runs with: 8 KiB of header, 64 KiB per element. */
static void
default_limits(void **state)
{
	static const struct xcv_stream_limits lim = XCV_STREAM_LIMITS;
	static const struct { const char *file, *fail; } cases[] = {
		{ "element-past-64k.xml", "larger than 65536 bytes" },
		{ "header-past-8k.xml", "stream header over the size limit" },
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *in = load(cases[i].file, &len);
		for (size_t chunk = 4096; chunk <= len; chunk = len) {
			struct xcv_stream *s;
			int rc = 0;
			assert_int_equal(xcv_stream_new(&s, &lim), 0);
			for (size_t off = 0; off < len && rc == 0; off += chunk)
				rc = xcv_stream_feed(s, in + off, len - off < chunk ?
					len - off : chunk);
			assert_int_equal(rc, XCV_EINPUT);
			assert_non_null(strstr(xcv_error_last(), cases[i].fail));
			xcv_stream_free(s);
			if (chunk == len)
				break;
		}
		free(in);
	}
}

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

int
main(int argc, char **argv)
{
	static struct CMUnitTest tests[N_ROWS + 2];

	fixtures = argc > 1 ? argv[1] : getenv("FIXTURES");
	if (fixtures == NULL || *fixtures == '\0') {
		fprintf(stderr, "usage: test_stream FIXTURES (or set $FIXTURES "
			"to the fixtures directory)\n");
		return 1;
	}
	for (size_t i = 0; i < N_ROWS; i++) {
		tests[i].name = rows[i].why;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	tests[N_ROWS].name = "the stream restarts cleanly after STARTTLS";
	tests[N_ROWS].test_func = restart_after_starttls;
	tests[N_ROWS + 1].name = "the default limits: 64 KiB an element, 8 KiB "
		"the header";
	tests[N_ROWS + 1].test_func = default_limits;
	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
