/*
 * The stream reader against transcripts of what servers send, as observed
 * on Prosody and ejabberd (shared facts) and as hostile peers might. Each
 * row is fed whole and then one byte at a time; both must agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

#define HDR_C "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
	"xmlns:stream='http://etherx.jabber.org/streams' "
#define TLS_REQ "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>" \
	"<required/></starttls></stream:features>"

struct row {
	const char *why;
	const char *in;
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
	  HDR_C "from='corp.example' id='a1' xml:lang='en' version='1.0'>" TLS_REQ,
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "attribute order does not matter (ejabberd orders them differently)",
	  "<stream:stream version='1.0' id='x' from='corp.example' "
	  "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>" TLS_REQ,
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "a different stream prefix is the same stream",
	  "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client' "
	  "from='corp.example' version='1.0'><s:features><starttls "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></s:features>",
	  .header = true, .features = true, .starttls = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "Prosody rejects an unknown host with host-unknown and text",
	  HDR_C "from='cup1.corp.example' id='b' version='1.0'><stream:error>"
	  "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
	  "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not "
	  "serve cup1.corp.example</text></stream:error></stream:stream>",
	  .header = true, .error = true, .closed = true, .from = "cup1.corp.example",
	  .ns = "jabber:client", .condition = "host-unknown",
	  .text = "This server does not serve cup1.corp.example" },
	{ "ejabberd's bare host-unknown without text",
	  HDR_C "from='cup1.corp.example' version='1.0'><stream:error>"
	  "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
	  .header = true, .error = true, .from = "cup1.corp.example",
	  .ns = "jabber:client", .condition = "host-unknown" },
	{ "missing 'to' gets improper-addressing, with an escaped apostrophe",
	  HDR_C "id=''><stream:error><improper-addressing "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>A &apos;to&apos; attribute "
	  "is required</text></stream:error></stream:stream>",
	  .header = true, .error = true, .closed = true, .ns = "jabber:client",
	  .condition = "improper-addressing", .text = "A 'to' attribute is required" },
	{ "a server announcing its own domain (Cisco IM and Presence)",
	  HDR_C "from='corp.example' to='ignored' version='1.0'>" TLS_REQ,
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "features without STARTTLS but with SASL mechanisms",
	  HDR_C "from='corp.example' version='1.0'><stream:features><mechanisms "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
	  "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>",
	  .header = true, .features = true, .from = "corp.example",
	  .ns = "jabber:client", .mechanisms = 2 },
	{ "STARTTLS proceed",
	  HDR_C "from='corp.example' version='1.0'>" TLS_REQ
	  "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .proceed = true, .from = "corp.example", .ns = "jabber:client" },
	{ "STARTTLS failure",
	  HDR_C "from='corp.example' version='1.0'>" TLS_REQ
	  "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .failure = true, .closed = true, .from = "corp.example", .ns = "jabber:client" },
	{ "proceed in the wrong namespace is not proceed",
	  HDR_C "from='corp.example' version='1.0'>" TLS_REQ "<proceed/>",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "starttls outside features does not count as offered",
	  HDR_C "from='corp.example' version='1.0'><starttls "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	  .header = true, .from = "corp.example", .ns = "jabber:client" },
	{ "s2s header with dialback namespace",
	  "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
	  "xmlns:stream='http://etherx.jabber.org/streams' from='corp.example' "
	  "to='xmppcv.invalid' version='1.0'>" TLS_REQ,
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:server" },
	{ "see-other-host names the other host",
	  HDR_C "from='corp.example' version='1.0'><stream:error><see-other-host "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>cup2.corp.example"
	  "</see-other-host></stream:error>",
	  .header = true, .error = true, .from = "corp.example", .ns = "jabber:client",
	  .condition = "see-other-host" },
	{ "an HTTP reply is not an XMPP stream",
	  "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
	  .fail = "not well-formed" },
	{ "an HTML page is not an XMPP stream",
	  "<html><body>hello</body></html>", .fail = "did not open an XMPP stream" },
	{ "garbage bytes are not well-formed",
	  "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", .fail = "not well-formed" },
	{ "DOCTYPE is refused at once (RFC 6120 11.1)",
	  "<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY a 'aaaa'>]>",
	  .fail = "DOCTYPE" },
	{ "billion laughs is refused before any expansion",
	  "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 "
	  "'&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]><stream:stream "
	  "xmlns:stream='http://etherx.jabber.org/streams'>&lol2;",
	  .fail = "DOCTYPE" },
	{ "a comment is restricted XML",
	  HDR_C "from='corp.example' version='1.0'><!-- hi -->", .header = true,
	  .from = "corp.example", .ns = "jabber:client", .fail = "comment" },
	{ "a processing instruction after the header is restricted XML",
	  HDR_C "from='corp.example' version='1.0'><?evil x?>", .header = true,
	  .from = "corp.example", .ns = "jabber:client", .fail = "processing instruction" },
	{ "an undeclared entity reference is not well-formed",
	  HDR_C "from='&foo;' version='1.0'>", .fail = "not well-formed" },
	{ "a header larger than the limit is refused",
	  "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' from='"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'>",
	  .fail = "stream header over the size limit" },
	{ "an element larger than the limit is refused",
	  HDR_C "from='corp.example' version='1.0'><stream:features><x>"
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb</x>",
	  .header = true, .from = "corp.example", .ns = "jabber:client",
	  .fail = "larger than" },
	{ "nesting deeper than the limit is refused",
	  HDR_C "version='1.0'><a><b><c><d><e><f><g><h><i><j><k>",
	  .header = true, .ns = "jabber:client", .fail = "nested too deeply" },
	{ "whitespace keepalives between elements are fine",
	  HDR_C "from='corp.example' version='1.0'>\n \n" TLS_REQ " ",
	  .header = true, .features = true, .starttls = true, .required = true,
	  .from = "corp.example", .ns = "jabber:client" },
	{ "a stream error's text is capped, not unbounded",
	  HDR_C "version='1.0'><stream:error><undefined-condition "
	  "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
	  .header = true, .error = true, .ns = "jabber:client",
	  .condition = "undefined-condition" },
};

static const struct xcv_stream_limits limits = {
	.header_bytes = 256, .element_bytes = 200, .depth = 8,
};

static void
check(const struct row *r, bool bytewise)
{
	struct xcv_stream *s;
	const struct xcv_stream_state *st;
	size_t len = strlen(r->in);
	int rc = 0;

	assert_int_equal(xcv_stream_new(&s, &limits), 0);
	if (bytewise) {
		for (size_t i = 0; i < len && rc == 0; i++)
			rc = xcv_stream_feed(s, r->in + i, 1);
	} else {
		rc = xcv_stream_feed(s, r->in, len);
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
	check(*state, false);
	check(*state, true);
}

static void
restart_after_starttls(void **state)
{
	struct xcv_stream *s;
	const char *a = HDR_C "from='corp.example' version='1.0'>" TLS_REQ
		"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
	const char *b = HDR_C "from='corp.example' id='2' version='1.0'>"
		"<stream:features/>";

	(void)state;
	assert_int_equal(xcv_stream_new(&s, &(struct xcv_stream_limits){
		4096, 4096, 16 }), 0);
	assert_int_equal(xcv_stream_feed(s, a, strlen(a)), 0);
	assert_true(xcv_stream_state(s)->proceed);
	assert_int_equal(xcv_stream_restart(s), 0);
	assert_false(xcv_stream_state(s)->header);
	assert_int_equal(xcv_stream_feed(s, b, strlen(b)), 0);
	assert_true(xcv_stream_state(s)->header);
	assert_true(xcv_stream_state(s)->features);
	assert_false(xcv_stream_state(s)->starttls);
	assert_string_equal(xcv_stream_state(s)->id, "2");
	xcv_stream_free(s);
}

int
main(void)
{
	size_t n = sizeof(rows) / sizeof(rows[0]);
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	int rc;

	for (size_t i = 0; i < n; i++) {
		tests[i].name = rows[i].why;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	tests[n].name = "the stream restarts cleanly after STARTTLS";
	tests[n].test_func = restart_after_starttls;
	rc = _cmocka_run_group_tests("stream", tests, n + 1, NULL, NULL);
	free(tests);
	return rc;
}
