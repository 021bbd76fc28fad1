/* The XMPP stream reader over expat (see stream.h). */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

#define TEXT_MAX 1024   /* bytes kept of a stream error's <text/> */

struct xcv_stream {
	XML_Parser parser;
	struct xcv_stream_limits lim;
	struct xcv_stream_state st;
	int depth;
	size_t mark;             /* bytes fed at the last top-level boundary
				  * (header read, element begun or ended) */
	bool failed;
	bool oom;                /* a copy failed: the state is incomplete */
	char *why;               /* set by handlers that stop the parser */
	/* Where character data goes: a mechanism name or error text. */
	enum { CAPTURE_NONE, CAPTURE_MECH, CAPTURE_TEXT, CAPTURE_SOH,
		CAPTURE_METHOD, CAPTURE_SASL_TEXT } capture;
	char buf[TEXT_MAX + 1];
	size_t buflen;
	/* Where we are inside a top-level element. */
	enum { TOP_NONE, TOP_FEATURES, TOP_ERROR, TOP_SASL_FAILURE,
		TOP_OTHER } top;
	bool in_starttls;
};

static void
stop(struct xcv_stream *s, const char *why)
{
	if (s->why == NULL)
		s->why = xcv_strdup(why);
	XML_StopParser(s->parser, XML_FALSE);
}

/* With XML_ParserCreateNS(, ' '), names are "uri local" or just "local". */
static bool
is(const char *name, const char *ns, const char *local)
{
	size_t n = strlen(ns);

	return strncmp(name, ns, n) == 0 && name[n] == ' ' &&
		strcmp(name + n + 1, local) == 0;
}

static const char *
local_name(const char *name)
{
	const char *sp = strrchr(name, ' ');

	return sp ? sp + 1 : name;
}

static void
set(struct xcv_stream *s, char **dst, const char *v)
{
	free(*dst);
	*dst = xcv_strdup(v);
	if (v != NULL && *dst == NULL)
		s->oom = true;
}

/* Byte offset just after the tag being reported. */
static size_t
event_end(struct xcv_stream *s)
{
	return (size_t)XML_GetCurrentByteIndex(s->parser) +
		(size_t)XML_GetCurrentByteCount(s->parser);
}

static void
header(struct xcv_stream *s, const char **attr)
{
	for (size_t i = 0; attr[i]; i += 2) {
		const char *k = attr[i], *v = attr[i + 1];
		if (strcmp(k, "from") == 0)
			set(s, &s->st.from, v);
		else if (strcmp(k, "to") == 0)
			set(s, &s->st.to, v);
		else if (strcmp(k, "id") == 0)
			set(s, &s->st.id, v);
		else if (strcmp(k, "version") == 0)
			set(s, &s->st.version, v);
		else if (strcmp(k, "http://www.w3.org/XML/1998/namespace lang") == 0)
			set(s, &s->st.lang, v);
	}
	s->st.header = true;
}

static void XMLCALL
on_start(void *ud, const char *name, const char **attr)
{
	struct xcv_stream *s = ud;

	s->depth++;
	if (s->depth > s->lim.depth) {
		stop(s, "elements nested too deeply");
		return;
	}
	if (s->depth == 1) {
		if (!is(name, XCV_NS_STREAM, "stream")) {
			stop(s, "the peer did not open an XMPP stream "
				"(expected <stream:stream>)");
			return;
		}
		s->mark = event_end(s);
		if (s->mark > s->lim.header_bytes) {
			stop(s, "the peer sent a stream header over the size "
				"limit");
			return;
		}
		header(s, attr);
		return;
	}
	if (s->depth == 2) {
		s->mark = (size_t)XML_GetCurrentByteIndex(s->parser);
		if (is(name, XCV_NS_STREAM, "features"))
			s->top = TOP_FEATURES;
		else if (is(name, XCV_NS_STREAM, "error"))
			s->top = TOP_ERROR;
		else if (is(name, XCV_NS_SASL, "failure"))
			s->top = TOP_SASL_FAILURE;
		else
			s->top = TOP_OTHER;
		if (is(name, XCV_NS_SASL, "success"))
			s->st.sasl_success = true;
		if (is(name, XCV_NS_TLS, "proceed"))
			s->st.proceed = true;
		else if (is(name, XCV_NS_TLS, "failure"))
			s->st.failure = true;
		return;
	}
	if (s->top == TOP_FEATURES && s->depth == 3 &&
	    is(name, XCV_NS_TLS, "starttls")) {
		s->st.starttls = true;
		s->in_starttls = true;
	} else if (s->top == TOP_FEATURES && s->in_starttls &&
	    is(name, XCV_NS_TLS, "required")) {
		s->st.starttls_required = true;
	} else if (s->top == TOP_FEATURES && is(name, XCV_NS_SASL, "mechanism")) {
		s->capture = CAPTURE_MECH;
		s->buflen = 0;
	} else if (s->top == TOP_FEATURES && is(name, XCV_NS_COMPRESS,
	    "method")) {
		s->capture = CAPTURE_METHOD;
		s->buflen = 0;
	} else if (s->top == TOP_FEATURES && s->depth == 3 &&
	    is(name, XCV_NS_DIALBACK, "dialback")) {
		s->st.dialback = true;
	} else if (s->top == TOP_FEATURES && is(name, XCV_NS_SASL_CB,
	    "channel-binding")) {
		for (size_t i = 0; attr[i] != NULL; i += 2)
			if (strcmp(attr[i], "type") == 0 && xcv_strv_push(
			    &s->st.channel_bindings, attr[i + 1]) < 0)
				s->oom = true;
	} else if (s->top == TOP_SASL_FAILURE && s->depth == 3) {
		/* RFC 6120 §6.5: a condition, and perhaps a <text/>. */
		if (is(name, XCV_NS_SASL, "text")) {
			s->capture = CAPTURE_SASL_TEXT;
			s->buflen = 0;
		} else if (strncmp(name, XCV_NS_SASL " ", strlen(XCV_NS_SASL) +
		    1) == 0 && s->st.sasl_condition == NULL) {
			set(s, &s->st.sasl_condition, local_name(name));
		}
	} else if (s->top == TOP_ERROR && s->depth == 3) {
		if (is(name, XCV_NS_STREAMS_ERR, "text")) {
			s->capture = CAPTURE_TEXT;
			s->buflen = 0;
		} else if (strncmp(name, XCV_NS_STREAMS_ERR " ",
		    strlen(XCV_NS_STREAMS_ERR) + 1) == 0 &&
		    s->st.error_condition == NULL) {
			set(s, &s->st.error_condition, local_name(name));
			if (strcmp(local_name(name), "see-other-host") == 0) {
				s->capture = CAPTURE_SOH;
				s->buflen = 0;
			}
		}
	}
}

static void XMLCALL
on_end(void *ud, const char *name)
{
	struct xcv_stream *s = ud;

	if (s->capture != CAPTURE_NONE) {
		s->buf[s->buflen] = '\0';
		if (s->capture == CAPTURE_MECH &&
		    xcv_strv_push(&s->st.mechanisms, s->buf) < 0)
			s->oom = true;
		else if (s->capture == CAPTURE_METHOD &&
		    xcv_strv_push(&s->st.compression, s->buf) < 0)
			s->oom = true;
		else if (s->capture == CAPTURE_TEXT)
			set(s, &s->st.error_text, s->buf);
		else if (s->capture == CAPTURE_SASL_TEXT)
			set(s, &s->st.sasl_text, s->buf);
		else
			set(s, &s->st.see_other_host, s->buf);
		s->capture = CAPTURE_NONE;
	}
	if (s->depth == 3 && is(name, XCV_NS_TLS, "starttls"))
		s->in_starttls = false;
	if (s->depth == 2) {
		/* An element that ended within the piece that took it past the
		 * limit: the check after each piece saw it complete. */
		if (event_end(s) - s->mark > s->lim.element_bytes) {
			char why[80];
			snprintf(why, sizeof(why), "the peer sent an element larger "
				"than %zu bytes", s->lim.element_bytes);
			stop(s, why);
			s->depth--;
			return;
		}
		if (s->top == TOP_FEATURES)
			s->st.features = true;
		else if (s->top == TOP_ERROR)
			s->st.error = true;
		else if (s->top == TOP_SASL_FAILURE)
			s->st.sasl_failure = true;
		s->top = TOP_NONE;
		s->mark = event_end(s);
	}
	if (s->depth == 1)
		s->st.closed = true;
	s->depth--;
}

static void XMLCALL
on_text(void *ud, const char *text, int len)
{
	struct xcv_stream *s = ud;
	size_t room;

	if (s->capture == CAPTURE_NONE || len <= 0)
		return;
	room = TEXT_MAX - s->buflen;
	if ((size_t)len > room)
		len = (int)room;
	memcpy(s->buf + s->buflen, text, (size_t)len);
	s->buflen += (size_t)len;
}

static void XMLCALL
on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
	int has_internal_subset)
{
	stop(ud, "the peer sent a DOCTYPE, which XMPP forbids (RFC 6120 "
		"§11.1); refusing it (entity expansion attack?)");
}

static void XMLCALL
on_comment(void *ud, const char *data)
{
	stop(ud, "the peer sent an XML comment, which XMPP forbids (RFC 6120 "
		"§11.1)");
}

static void XMLCALL
on_pi(void *ud, const char *target, const char *data)
{
	stop(ud, "the peer sent an XML processing instruction, which XMPP "
		"forbids (RFC 6120 §11.1)");
}

static void XMLCALL
on_nsdecl(void *ud, const char *prefix, const char *uri)
{
	struct xcv_stream *s = ud;

	if (s->depth == 0 && prefix == NULL && uri != NULL)
		set(s, &s->st.ns, uri);
}

static void
clear_state(struct xcv_stream_state *st)
{
	free(st->from);
	free(st->to);
	free(st->id);
	free(st->version);
	free(st->lang);
	free(st->ns);
	free(st->error_condition);
	free(st->error_text);
	free(st->see_other_host);
	free(st->sasl_condition);
	free(st->sasl_text);
	xcv_strv_clear(&st->mechanisms);
	xcv_strv_clear(&st->channel_bindings);
	xcv_strv_clear(&st->compression);
	memset(st, 0, sizeof(*st));
}

/* expat's allocations count their failures (xcv_alloc_failures()). */
static const XML_Memory_Handling_Suite memory = { xcv_counted_malloc,
	xcv_counted_realloc, free };

static int
make_parser(struct xcv_stream *s)
{
	XML_Parser p = XML_ParserCreate_MM(NULL, &memory, " ");

	if (p == NULL)
		return xcv_oom();
	XML_SetUserData(p, s);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	/* Entities can be declared only inside a DTD, and the DOCTYPE that
	 * opens one stops the parser: no entity handler is needed. */
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetCommentHandler(p, on_comment);
	XML_SetProcessingInstructionHandler(p, on_pi);
	XML_SetStartNamespaceDeclHandler(p, on_nsdecl);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	s->parser = p;
	return 0;
}

int
xcv_stream_new(struct xcv_stream **out, const struct xcv_stream_limits *lim)
{
	struct xcv_stream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return xcv_oom();
	s->lim = *lim;
	if (make_parser(s) < 0) {
		free(s);
		return XCV_ENOMEM;
	}
	*out = s;
	return 0;
}

void
xcv_stream_free(struct xcv_stream *s)
{
	if (s == NULL)
		return;
	if (s->parser)
		XML_ParserFree(s->parser);
	clear_state(&s->st);
	free(s->why);
	free(s);
}

int
xcv_stream_restart(struct xcv_stream *s)
{
	XML_ParserFree(s->parser);
	s->parser = NULL;
	clear_state(&s->st);
	free(s->why);
	s->why = NULL;
	s->depth = 0;
	s->failed = false;
	s->mark = 0;
	s->capture = CAPTURE_NONE;
	s->top = TOP_NONE;
	s->in_starttls = false;
	return make_parser(s);
}

const struct xcv_stream_state *
xcv_stream_state(const struct xcv_stream *s)
{
	return &s->st;
}

int
xcv_stream_feed(struct xcv_stream *s, const void *data, size_t len)
{
	const char *p = data;

	if (s->failed)
		return xcv_set_error(XCV_EINPUT, "%s", s->why ? s->why :
			"the stream already failed");
	/* Feed in pieces so that limits are checked as bytes arrive, not
	 * after expat has buffered a whole oversized token. */
	while (len > 0) {
		size_t n = len < 4096 ? len : 4096;
		if (XML_Parse(s->parser, p, (int)n, XML_FALSE) == XML_STATUS_ERROR) {
			enum XML_Error e = XML_GetErrorCode(s->parser);
			s->failed = true;
			if (s->why == NULL)
				s->why = xcv_asprintf("the peer sent XML that is "
					"not well-formed: %s (byte %ld)",
					XML_ErrorString(e),
					(long)XML_GetCurrentByteIndex(s->parser));
			return xcv_set_error(XCV_EINPUT, "%s", s->why ?
				s->why : "bad XML");
		}
		if (s->oom) {
			s->failed = true;
			return xcv_oom();
		}
		s->st.bytes += n;
		p += n;
		len -= n;
		if (!s->st.header && s->st.bytes > s->lim.header_bytes) {
			s->failed = true;
			s->why = xcv_asprintf("the peer sent a stream header over "
				"the size limit (%zu bytes without completing it)",
				s->lim.header_bytes);
			return xcv_set_error(XCV_EINPUT, "%s", s->why ? s->why :
				"header too large");
		}
		/* Measured from the last boundary, so that one huge start tag,
		 * which expat buffers whole, is caught too. */
		if (s->st.header && s->st.bytes - s->mark > s->lim.element_bytes) {
			s->failed = true;
			s->why = xcv_asprintf("the peer sent an element larger than "
				"%zu bytes", s->lim.element_bytes);
			return xcv_set_error(XCV_EINPUT, "%s", s->why ? s->why :
				"element too large");
		}
	}
	return 0;
}
