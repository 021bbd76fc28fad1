/*
 * Domain discovery: which XMPP domain a server serves (DESIGN.md).
 *
 * The candidates, in order: the given domain; else the JID's domain; else
 * the host name and its parent domains while two or more labels remain.
 * Each candidate gets a fresh connection (a probe). Recording an attempt
 * reads what the server answered; judging it decides whether the domain
 * is settled, the next candidate is due, or the check must stop.
 */
#ifndef XCV_DISCOVERY_H
#define XCV_DISCOVERY_H

#include "net.h"
#include "probe.h"

/* Where something stopped, and why in words. */
struct xcv_failure {
	enum xcv_phase phase;  /* XCV_PHASE_NONE: no failure */
	char *message;
};
/* Set f (the arguments may include its old message); 0 or XCV_ENOMEM. */
int xcv_failure_set(struct xcv_failure *f, enum xcv_phase phase,
	const char *fmt, ...) XCV_PRINTF(3, 4);
void xcv_failure_clear(struct xcv_failure *f);

/* What one connection for one candidate got. */
enum xcv_answer {
	XCV_ANSWER_ACCEPTED,       /* features followed; 'from' is the candidate */
	XCV_ANSWER_ANNOUNCED,      /* features followed; 'from' names another */
	XCV_ANSWER_NOT_SERVED,     /* host-unknown, host-gone, TLS alert 112 */
	XCV_ANSWER_STREAM_ERROR,   /* any other stream error */
	XCV_ANSWER_CONNECT_FAILED, /* this address refused; try the next one */
	XCV_ANSWER_WRONG_SERVICE,  /* a c2s stream on an s2s check, or back */
	XCV_ANSWER_FAILED,         /* no usable reply */
};

struct xcv_attempt {
	enum xcv_answer answer;
	char *to;              /* the candidate */
	char *from;            /* the reply header's from, if any */
	char *address;
	char *outcome;         /* for reports: "accepted", "host-unknown", ... */
	char *detail;          /* a stream error's text, or the failure */
	char *see_other_host;  /* a redirect's target */
	enum xcv_phase fail_phase; /* the probe failed here (or NONE) */
	char *fail_message;
};

enum xcv_next {
	XCV_NEXT_CANDIDATE,    /* not served: try the next candidate */
	XCV_NEXT_STOP,         /* settled, or nothing more to learn */
};

struct xcv_discovery {
	struct xcv_strv candidates;
	char *given;           /* normalised given domain, or NULL */
	struct xcv_attempt *v;
	size_t n;
	char *domain;          /* settled, or NULL */
	enum xcv_domain_source source;
	struct xcv_failure why;    /* not settled, or the probe stopped */
	struct xcv_strv warnings;
};

/* Candidates for target; given (may be NULL) is normalised. An IP target
 * without a given domain has none. XCV_EINPUT for a bad given domain. */
int xcv_discovery_init(struct xcv_discovery *d, const struct xcv_target *t,
	const char *given);
void xcv_discovery_clear(struct xcv_discovery *d);

/* Record what the probe for candidate to at address got; service and
 * direct_tls say what was asked for. */
int xcv_discovery_record(struct xcv_discovery *d, const struct xcv_probe *pr,
	const char *to, const char *address, enum xcv_service service,
	bool direct_tls);

/* Record an address that refused the connection. */
int xcv_discovery_record_refused(struct xcv_discovery *d, const char *to,
	const char *address, const char *message);

/* Judge attempt i: settle the domain or set why not, and say what next. */
int xcv_discovery_judge(struct xcv_discovery *d, size_t i, enum xcv_next *next);

/*
 * The candidates' probes race on one loop: all connect at once, each made
 * with hold (it stops before STARTTLS). Call xcv_discovery_race() each
 * time one of them leaves the loop (from its done callback). It reads the
 * answers in the candidates' order: a candidate not served (and, with
 * connect_passes, one whose connection failed) leaves the domain to the
 * next; the first other answer decides, as xcv_discovery_judge() will.
 * If that probe is held, it goes on to STARTTLS and TLS (queued again on
 * loop, with done and ud); the probes after it are cancelled, so a server
 * that answers every candidate does one TLS handshake, not one per
 * candidate. Once every probe is finished or cancelled, the caller records
 * and judges them in order as usual. Direct TLS has no hold: each
 * candidate's handshake is its question.
 */
struct xcv_race {
	struct xcv_probe **v;       /* one per candidate, in order */
	const char *const *to;      /* the candidates */
	size_t n;
	enum xcv_service service;
	bool direct_tls;
	bool connect_passes;        /* as the caller's judgement has it */
	struct xcv_loop *loop;
	xcv_probe_done done;
	void *ud;
	size_t requeued;            /* probes queued again (each one more done) */
	size_t winner;              /* the probe that went on, once one has */
};
int xcv_discovery_race(struct xcv_race *r);

/* *domain: the domain that the held probe for candidate to will settle
 * when it is judged (to, or the given domain, or the valid domain it
 * announced), or NULL for any other answer. 0 or XCV_ENOMEM; the caller
 * frees *domain. */
int xcv_discovery_foresee(char **domain, const struct xcv_discovery *d,
	const struct xcv_probe *pr, const char *to, enum xcv_service service,
	bool direct_tls);

#endif
