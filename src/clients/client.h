/*
 * Client profiles: one row of rules per client stack (one file each in
 * this folder), and one matcher that applies any row (match.c). A row says
 * which identity fields the client reads, when it falls back to the CN and
 * to which CN, its wildcard style, the form of the domain it compares, what
 * its chain check refuses beyond PKIX, and what it does on failure. Each
 * rule's comment names the client's source file and function; each row is
 * checked against the real library where Debian ships it
 * (tests/cli_clients.py, doc/clients.md). No I/O.
 */
#ifndef XCV_CLIENT_H
#define XCV_CLIENT_H

#include "result_internal.h"
#include "xmppcv/clients.h"

/* Identity fields a client reads (bits). */
enum {
	READS_XMPPADDR = 1u << 0,
	READS_SRV_CLIENT = 1u << 1,  /* SRVName _xmpp-client.D */
	READS_SRV_SERVER = 1u << 2,  /* SRVName _xmpp-server.D */
	READS_DNS = 1u << 3,
};

/* subjectAltName kinds present (bits), for what stops the CN fallback. */
enum {
	SAN_DNS = 1u << 0,
	SAN_IP = 1u << 1,
	SAN_URI = 1u << 2,
	SAN_SRV = 1u << 3,
	SAN_XMPPADDR = 1u << 4,
};

enum cn_use {
	CN_NEVER = 0,
	CN_FALLBACK,     /* only when no SAN of the kinds in cn_blockers */
	CN_ALWAYS,       /* beside the subjectAltNames */
};

enum cn_pick {
	CN_ANY = 0,      /* every CN is tried */
	CN_FIRST,        /* the first in the subject (DER order) */
	CN_LAST,         /* the last (the most specific) */
	CN_ONLY_ONE,     /* none when there are several */
};

enum wild_style {
	WILD_NONE = 0,   /* '*' is a plain character */
	WILD_LABEL,      /* '*' as the whole leftmost label */
	WILD_PREFIX,     /* ... or ending the leftmost label: x*.dom */
	WILD_SUFFIX,     /* ... or starting it: *x.dom */
	WILD_GLOB,       /* '*' anywhere in any label, as a shell glob */
};

struct wild_rules {
	enum wild_style style;
	bool bare;           /* *.dom matches dom itself */
	bool deep;           /* *.dom matches a.b.dom */
	int min_labels;      /* labels the pattern needs (2: *.test, 3) */
	bool not_last_two;   /* GLOB: never in the last two labels */
	bool partial_idn;    /* a partial wildcard may match an xn-- label */
};

/* The form of the domain a client compares presented names with. */
enum ref_form {
	REF_ALABEL = 0,  /* IDNA A-labels (xn--...) */
	REF_ULABEL,      /* Unicode, as users write the JID */
};

enum on_fail {
	FAIL_HARD = 0,
	FAIL_PROMPT,
};

struct xcv_client_rules {
	struct xcv_client_profile profile;   /* id, stands_for, models, ... */
	/* Names */
	unsigned reads;              /* READS_* */
	enum cn_use cn;
	unsigned cn_blockers;        /* SAN_* that stop the CN fallback */
	enum cn_pick cn_pick;
	bool cn_needs_server_eku;    /* no CN when the EKU lacks serverAuth */
	bool cn_uncertain;           /* CN beside subjectAltNames: not known */
	struct wild_rules wild;      /* dNSName, CN and SRVName */
	enum ref_form dns_ref;       /* for dNSName, CN, SRVName */
	enum ref_form xmpp_ref;      /* for xmppAddr */
	bool case_sensitive_dns;     /* dNSNames compared byte for byte */
	bool case_sensitive;         /* every name compared byte for byte */
	bool trailing_dot_ok;        /* one trailing dot on a name ignored */
	bool ascii_names_only;       /* names outside [a-z0-9.*-] never match */
	bool xmppaddr_fails;         /* an xmppAddr of a bare domain ends the
				      * check in error */
	bool xmppaddr_wildcard;      /* xmppAddr takes wildcards */
	bool srv_wildcard;           /* SRVName's name part takes wildcards */
	bool self_signed_cn;         /* a self-signed leaf with one CN that
				      * names the domain passes */
	/* Chain, beyond PKIX path validation with the anchors */
	bool checks_eku;             /* an EKU must allow serverAuth */
	bool needs_eku;              /* ... and must be there */
	bool checks_ku;              /* a key usage must allow TLS */
	bool refuses_ca_leaf;        /* a CA certificate as server's */
	bool refuses_sha1;           /* SHA-1 or MD5 signatures below a root */
	int min_rsa_bits;            /* 0: any */
	int64_t not_before_slop;     /* seconds a notBefore may lie ahead */
	/* Failure */
	enum on_fail untrusted, mismatch;
	const char *prompt_note;     /* what a prompt leads to, or NULL */
	const char *fail_note;       /* what happens instead, or NULL */
	/* Connection */
	int min_tls_minor;           /* the lowest TLS 1.x it negotiates as
				      * shipped: 0 TLS 1.0 ... 3 TLS 1.3 */
	const char *tls_note;        /* why, and what else it needs, in words */
};

/* The profiles, in report order (clients.c). */
/* At most this many profiles: a configuration keeps them as bits of a
 * uint32_t, and per-profile arrays are this long. */
#define XCV_CLIENTS_MAX 32
extern const struct xcv_client_rules *const xcv_client_rules_all[];
extern const size_t xcv_client_rules_count;

/* One profile's judgement, owned by the result. */
struct xcv_client_judgement {
	struct xcv_client_info info;  /* the public view; strings below */
	char *name, *why;
};

/*
 * Judge res (verified or not, with its chain as built and its identity)
 * with the rules of c: fills j. domain_u is the domain in Unicode (NULL:
 * as res's reference). 0, or XCV_ENOMEM with j cleared.
 */
int xcv_client_judge(struct xcv_client_judgement *j,
	const struct xcv_client_rules *c, const struct xcv_result *res,
	const char *domain_u);
void xcv_client_judgement_clear(struct xcv_client_judgement *j);

/* The words for several clients with this reason code ("ignore
 * xmppAddr"). */
const char *xcv_client_reason_plural(const char *code);
/* What change satisfies a client with this reason: 0 a dNSName for the
 * domain, 1 none (the client compares Unicode), 2 leaving xmppAddr out, 3
 * the chain (*remedy: what), 4 the server's TLS configuration (no
 * certificate does). */
enum { XCV_FIX_DNSNAME = 0, XCV_FIX_NONE, XCV_FIX_NO_XMPPADDR, XCV_FIX_CHAIN,
	XCV_FIX_TLS };
/* The reason code of a profile that needs a newer TLS version than the
 * server accepts (xcv_clients_judge_versions). */
#define XCV_CLIENT_REASON_TLS_VERSION "tls-version"
int xcv_client_reason_fix(const char *code, const char **remedy);
/* What to change for clients with this reason, in words ("add a dNSName
 * subjectAltName corp.example, in lower case"); NULL when out of memory.
 * The caller frees it. */
char *xcv_client_fix_text(const char *code, const char *domain);

/* Does c judge this service? */
bool xcv_client_serves(const struct xcv_client_rules *c,
	enum xcv_service service);

#endif
