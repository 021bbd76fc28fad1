/*
 * XMPP stream reader: the few elements a certificate check needs, parsed
 * with expat from bytes as they arrive. Refuses what RFC 6120 §11.1 calls
 * restricted XML (DOCTYPE, entity declarations, comments, processing
 * instructions) and anything over its size or depth limits.
 */
#ifndef XCV_STREAM_H
#define XCV_STREAM_H

#include "internal.h"

#define XCV_NS_STREAM "http://etherx.jabber.org/streams"
#define XCV_NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define XCV_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define XCV_NS_STREAMS_ERR "urn:ietf:params:xml:ns:xmpp-streams"
#define XCV_NS_SASL_CB "urn:xmpp:sasl-cb:0"                 /* XEP-0440 */
#define XCV_NS_COMPRESS "http://jabber.org/features/compress" /* XEP-0138 */
#define XCV_NS_DIALBACK "urn:xmpp:features:dialback"         /* XEP-0220 */

struct xcv_stream;

/* What has been read so far. Strings are owned by the stream. */
struct xcv_stream_state {
	bool header;             /* <stream:stream> start tag read */
	char *from, *to, *id, *version, *lang, *ns;  /* ns: default namespace */
	bool features;           /* </stream:features> read */
	bool starttls, starttls_required;
	struct xcv_strv mechanisms;
	struct xcv_strv channel_bindings;  /* XEP-0440 types offered */
	struct xcv_strv compression;       /* XEP-0138 methods offered */
	bool dialback;                     /* XEP-0220 offered */
	bool proceed, failure;   /* urn:ietf:params:xml:ns:xmpp-tls */
	bool sasl_success, sasl_failure;   /* the answer to <auth/> */
	char *sasl_condition;    /* e.g. "not-authorized" */
	char *sasl_text;
	bool error;              /* </stream:error> read */
	char *error_condition;   /* e.g. "host-unknown" */
	char *error_text;
	char *see_other_host;
	bool closed;             /* </stream:stream> read */
	size_t bytes;            /* bytes fed in total */
};

/* Limits: bytes before the header completes, bytes in one top-level
 * element, nesting depth. */
struct xcv_stream_limits {
	size_t header_bytes;
	size_t element_bytes;
	int depth;
};

/* The limits live checks use: real servers send a few hundred bytes of
 * header and a few KiB of features; RFC 6120 sets no bound. */
#define XCV_STREAM_LIMITS { .header_bytes = 8192, .element_bytes = 65536, \
	.depth = 16 }

int xcv_stream_new(struct xcv_stream **out, const struct xcv_stream_limits *lim);
void xcv_stream_free(struct xcv_stream *s);

/*
 * Feed received bytes. Returns 0, or XCV_EINPUT with a message when the
 * peer sent something the stream must be closed for (not well-formed,
 * restricted XML, over a limit). After an error the stream stays failed.
 */
int xcv_stream_feed(struct xcv_stream *s, const void *data, size_t len);

const struct xcv_stream_state *xcv_stream_state(const struct xcv_stream *s);

/* Forget everything and expect a new stream header (after STARTTLS). */
int xcv_stream_restart(struct xcv_stream *s);

#endif
