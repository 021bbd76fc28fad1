/*
 * xmppcv-exporter, which 'xmppcv exporter' runs: a Prometheus exporter in
 * the multi-target pattern.
 * GET /probe?target=T&module=M checks T (a target of the configuration,
 * and only those) and answers with its metrics; GET /metrics answers with
 * the exporter's own. HTTP is libmicrohttpd's, one thread per connection,
 * with bounds on connections, request size and idle time; probes run at
 * most max_probes at once and end within Prometheus' scrape timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "exporter.h"


/* Prometheus' text exposition format. */
#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"

/* Seconds Prometheus' scrape timeout leaves for the answer to travel:
 * half a second, or a quarter of a shorter timeout. */
#define SCRAPE_MARGIN 0.5

/* A probe given less than this is not started: the answer says why. */
#define PROBE_MIN 0.05

/* The status codes the exporter answers with, for its own metrics. */
static const unsigned codes[] = { 200, 400, 404, 405, 500, 503 };
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

struct exporter {
	struct exp_config cfg;
	bool verbose;
	pthread_mutex_t lock;
	pthread_cond_t slot;         /* a probe finished */
	int running;                 /* probes in flight */
	int waiting;                 /* probes waiting for a slot */
	int active;                  /* requests not yet answered in full */
	pthread_cond_t idle;         /* active went to 0 */
	/* The exporter's own metrics, under lock. */
	uint64_t probes[EXP_MODULES][2];  /* [module][succeeded] */
	double probe_seconds[EXP_MODULES];
	uint64_t requests[N_CODES];
	uint64_t busy;               /* probes refused: no slot in time */
	time_t started;
};

static void
logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logf_(const char *fmt, ...)
{
	va_list ap;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	va_start(ap, fmt);
	fprintf(stderr, "xmppcv exporter: %s ", when);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* libmicrohttpd's messages, with the exporter's prefix. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	logf_("http: %s", msg);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Text a client sent, safe to echo: printable ASCII, at most 80 bytes. */
static void
printable(char *out, size_t len, const char *in)
{
	size_t i = 0;

	for (; in && *in && i + 4 < len && i < 80; in++)
		out[i++] = *in >= 0x20 && *in < 0x7f ? *in : '?';
	if (in && *in)
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
}

static enum MHD_Result
answer(struct exporter *x, struct MHD_Connection *c, unsigned code,
	const char *type, char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body,
		MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	pthread_mutex_lock(&x->lock);
	for (size_t i = 0; i < N_CODES; i++)
		x->requests[i] += codes[i] == code;
	pthread_mutex_unlock(&x->lock);
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result
answer_text(struct exporter *x, struct MHD_Connection *c, unsigned code,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result
answer_text(struct exporter *x, struct MHD_Connection *c, unsigned code,
	const char *fmt, ...)
{
	va_list ap;
	char *body = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	return answer(x, c, code, "text/plain; charset=utf-8",
		n < 0 ? NULL : body);
}

/* How long this probe may take: Prometheus' scrape timeout less a margin,
 * or max_seconds without one. */
static double
budget(const struct exporter *x, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"X-Prometheus-Scrape-Timeout-Seconds");
	double b = x->cfg.max_seconds, v;
	char *end;

	if (h != NULL) {
		errno = 0;
		v = strtod(h, &end);
		if (errno == 0 && end != h && *end == '\0' && v > 0 && v < 1e6)
			b = v - (v > 4 * SCRAPE_MARGIN ? SCRAPE_MARGIN : v / 4);
	}
	return b > x->cfg.max_seconds ? x->cfg.max_seconds : b;
}

/* Wait for a slot until deadline (CLOCK_MONOTONIC seconds). */
static bool
take_slot(struct exporter *x, double deadline)
{
	struct timespec ts;
	bool got;

	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	pthread_mutex_lock(&x->lock);
	x->waiting++;
	while (x->running >= x->cfg.max_probes &&
	    pthread_cond_timedwait(&x->slot, &x->lock, &ts) != ETIMEDOUT)
		;
	got = x->running < x->cfg.max_probes;
	x->running += got;
	x->waiting--;
	x->busy += !got;
	pthread_mutex_unlock(&x->lock);
	return got;
}

static void
give_slot(struct exporter *x, int module, bool success, double seconds)
{
	pthread_mutex_lock(&x->lock);
	x->running--;
	x->probes[module][success]++;
	x->probe_seconds[module] += seconds;
	pthread_cond_signal(&x->slot);
	pthread_mutex_unlock(&x->lock);
}

/* Scan the target's nodes (or its domain's SRV targets). */
static int
probe_scan(struct xcv_monitor *m, const struct exp_target *t, int ms)
{
	struct xcv_scan_params p = XCV_SCAN_PARAMS_INIT;
	struct xcv_config *cfg = NULL;
	struct xcv_scan *scan = NULL;
	const char *self[1] = { t->name };
	int rc = exp_target_config(&cfg, t, XCV_SERVICE_C2S);

	if (rc < 0)
		return rc;
	p.domain = t->domain;
	if (t->nodes.n > 0) {
		p.nodes = t->nodes.v;
		p.n_nodes = t->nodes.n;
	} else if (t->domain == NULL) {
		/* The target names the domain, as in 'xmppcv scan DOMAIN'. */
		p.nodes = self;
		p.n_nodes = 1;
	}
	p.services = t->services;
	memcpy(p.ports, t->ports, sizeof(p.ports));
	p.resolve = t->resolve.v;
	p.n_resolve = t->resolve.n;
	p.dns_server = t->dns_server;
	p.from = t->from;
	p.timeout_ms = t->timeout_s * 1000 < ms ? t->timeout_s * 1000 : ms;
	p.total_timeout_ms = ms;
	p.parallel = (size_t)t->parallel;
	rc = xcv_scan_run(&scan, cfg, &p);
	if (rc == 0)
		rc = xcv_monitor_add_scan(m, scan);
	xcv_scan_free(scan);
	xcv_config_free(cfg);
	return rc;
}

/* Check one service of the target. */
static int
probe_check(struct xcv_monitor *m, const struct exp_target *t, int module,
	int ms)
{
	struct xcv_check_params p = XCV_CHECK_PARAMS_INIT;
	enum xcv_service svc = module == 4 ? XCV_SERVICE_HTTPS :
		module == 2 ? XCV_SERVICE_S2S : XCV_SERVICE_C2S;
	struct xcv_config *cfg = NULL;
	struct xcv_check *check = NULL;
	int rc = exp_target_config(&cfg, t, svc);

	if (rc < 0)
		return rc;
	p.target = t->name;
	p.domain = svc == XCV_SERVICE_HTTPS ? NULL : t->domain;
	p.from = t->from;
	p.direct_tls = module == 3;
	p.resolve = t->resolve.v;
	p.n_resolve = t->resolve.n;
	p.dns_server = t->dns_server;
	p.timeout_ms = t->timeout_s * 1000 < ms ? t->timeout_s * 1000 : ms;
	p.total_timeout_ms = ms;
	rc = xcv_check_run(&check, cfg, &p);
	if (rc == 0)
		rc = xcv_monitor_add_check(m, check, t->name);
	xcv_check_free(check);
	xcv_config_free(cfg);
	return rc;
}

static enum MHD_Result
probe(struct exporter *x, struct MHD_Connection *c)
{
	const char *name = MHD_lookup_connection_value(c,
		MHD_GET_ARGUMENT_KIND, "target");
	const char *mod = MHD_lookup_connection_value(c,
		MHD_GET_ARGUMENT_KIND, "module");
	const struct exp_target *t = exp_config_find(&x->cfg, name);
	struct xcv_monitor_params mp = XCV_MONITOR_PARAMS_INIT;
	struct xcv_monitor *m = NULL;
	double start = now_s(), limit = budget(x, c);
	char shown[96], *out;
	int bit, module, rc;
	bool success, slot = false;

	printable(shown, sizeof(shown), name);
	if (name == NULL || *name == '\0')
		return answer_text(x, c, 400, "target is missing: "
			"/probe?target=NAME&module=MODULE\n");
	if (t == NULL)
		return answer_text(x, c, 400, "unknown target '%s': the exporter "
			"probes only the targets of its configuration\n", shown);
	bit = exp_module_parse(mod ? mod : "scan");
	if (bit < 0) {
		printable(shown, sizeof(shown), mod);
		return answer_text(x, c, 400, "unknown module '%s': use scan, "
			"c2s, s2s, xmpps or https\n", shown);
	}
	if (!(t->modules & (unsigned)bit))
		return answer_text(x, c, 400, "module '%s' is not enabled for "
			"target '%s'\n", mod ? mod : "scan", shown);
	for (module = 0; (1 << module) != bit; module++)
		;
	mp.warn_days = t->warn_days;
	mp.crit_days = t->crit_days;
	rc = xcv_monitor_new(&m, &mp);
	/* Past the scrape timeout Prometheus has gone: the answer comes
	 * before it, a failed probe that says why if need be. */
	slot = rc == 0 && take_slot(x, start + limit - PROBE_MIN);
	/* What is left of the budget after waiting for the slot. */
	limit -= now_s() - start;
	if (rc == 0 && !slot)
		rc = xcv_monitor_add_error(m, t->name, exp_module_names[module],
			x->cfg.max_probes == 1 ? "the one probe this exporter runs "
			"at once was running until the scrape timeout" : "the "
			"probes this exporter runs at once were all running until "
			"the scrape timeout");
	else if (rc == 0 && limit < PROBE_MIN)
		rc = xcv_monitor_add_error(m, t->name, exp_module_names[module],
			"the scrape timeout left no time for the probe");
	else if (rc == 0 && bit == MOD_SCAN)
		rc = probe_scan(m, t, (int)(limit * 1000));
	else if (rc == 0)
		rc = probe_check(m, t, module, (int)(limit * 1000));
	if (rc < 0 && rc != XCV_ENOMEM) {
		/* Not checked (no node found, a bad pin): a failed probe. */
		logf_("probe %s %s: %s", shown, exp_module_names[module],
			xcv_error_last());
		rc = xcv_monitor_add_error(m, t->name, exp_module_names[module],
			xcv_error_last());
	}
	if (m != NULL)
		xcv_monitor_set_duration(m, now_s() - start);
	out = rc == 0 ? xcv_monitor_to_prometheus(m) : NULL;
	success = rc == 0 && xcv_monitor_success(m);
	if (slot)
		give_slot(x, module, success, now_s() - start);
	if (x->verbose)
		logf_("probe %s %s: success %d in %.3f s%s", shown,
			exp_module_names[module], success, now_s() - start,
			slot ? "" : " (no free probe slot)");
	xcv_monitor_free(m);
	if (out == NULL)
		return answer_text(x, c, 500, "out of memory\n");
	return answer(x, c, 200, EXPOSITION, out);
}

/* Answer with what was written to f, a memory stream over *out. */
static enum MHD_Result
answer_stream(struct exporter *x, struct MHD_Connection *c, FILE *f,
	char **out, const char *type)
{
	if (fclose(f) != 0) {
		free(*out);
		return answer_text(x, c, 500, "out of memory\n");
	}
	return answer(x, c, 200, type, *out);
}

/* The exporter's own metrics. */
static enum MHD_Result
metrics(struct exporter *x, struct MHD_Connection *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return answer_text(x, c, 500, "out of memory\n");
	pthread_mutex_lock(&x->lock);
	fprintf(f, "# HELP xmppcv_exporter_build_info The running xmppcv.\n"
		"# TYPE xmppcv_exporter_build_info gauge\n"
		"xmppcv_exporter_build_info{version=\"%s\"} 1\n", xcv_version());
	fprintf(f, "# HELP xmppcv_exporter_start_time_seconds When the exporter "
		"started, in unix seconds.\n"
		"# TYPE xmppcv_exporter_start_time_seconds gauge\n"
		"xmppcv_exporter_start_time_seconds %lld\n",
		(long long)x->started);
	fprintf(f, "# HELP xmppcv_exporter_probes_total Probes run, by module "
		"and result.\n# TYPE xmppcv_exporter_probes_total counter\n");
	for (int m = 0; m < EXP_MODULES; m++)
		fprintf(f, "xmppcv_exporter_probes_total{module=\"%s\","
			"result=\"success\"} %llu\n"
			"xmppcv_exporter_probes_total{module=\"%s\","
			"result=\"failure\"} %llu\n", exp_module_names[m],
			(unsigned long long)x->probes[m][1], exp_module_names[m],
			(unsigned long long)x->probes[m][0]);
	fprintf(f, "# HELP xmppcv_exporter_probe_duration_seconds How long "
		"probes took, by module.\n"
		"# TYPE xmppcv_exporter_probe_duration_seconds summary\n");
	for (int m = 0; m < EXP_MODULES; m++)
		fprintf(f, "xmppcv_exporter_probe_duration_seconds_sum{module="
			"\"%s\"} %.6f\nxmppcv_exporter_probe_duration_seconds_count{"
			"module=\"%s\"} %llu\n", exp_module_names[m],
			x->probe_seconds[m], exp_module_names[m],
			(unsigned long long)(x->probes[m][0] + x->probes[m][1]));
	fprintf(f, "# HELP xmppcv_exporter_probes_in_flight Probes running "
		"now.\n# TYPE xmppcv_exporter_probes_in_flight gauge\n"
		"xmppcv_exporter_probes_in_flight %d\n", x->running);
	fprintf(f, "# HELP xmppcv_exporter_probes_refused_total Probes not "
		"run (answered as failed) because max_probes were running until "
		"the scrape's time ran out.\n"
		"# TYPE xmppcv_exporter_probes_refused_total counter\n"
		"xmppcv_exporter_probes_refused_total %llu\n",
		(unsigned long long)x->busy);
	fprintf(f, "# HELP xmppcv_exporter_requests_total HTTP requests "
		"answered, by status code.\n"
		"# TYPE xmppcv_exporter_requests_total counter\n");
	for (size_t i = 0; i < N_CODES; i++)
		fprintf(f, "xmppcv_exporter_requests_total{code=\"%u\"} %llu\n",
			codes[i], (unsigned long long)x->requests[i]);
	pthread_mutex_unlock(&x->lock);
	return answer_stream(x, c, f, &out, EXPOSITION);
}

static enum MHD_Result
index_page(struct exporter *x, struct MHD_Connection *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return answer_text(x, c, 500, "out of memory\n");
	fprintf(f, "xmppcv exporter %s\n\n/probe?target=NAME&module=MODULE  "
		"the metrics of one probe\n/metrics                           "
		"the exporter's own\n\ntargets:\n", xcv_version());
	for (size_t i = 0; i < x->cfg.n_targets; i++) {
		const struct exp_target *t = &x->cfg.targets[i];
		fprintf(f, "  %s (%s):", t->name, t->domain ? t->domain :
			"domain learned");
		for (int m = 0; m < EXP_MODULES; m++)
			if (t->modules & (1u << m))
				fprintf(f, " %s", exp_module_names[m]);
		fprintf(f, "\n");
	}
	return answer_stream(x, c, f, &out, "text/plain; charset=utf-8");
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload,
	size_t *upload_size, void **state)
{
	struct exporter *x = cls;

	/* Answered on the first call, after the headers: a body, if any, is
	 * never read. Counted until sent, for a clean stop. */
	(void)version;
	(void)upload;
	(void)upload_size;
	if (*state == NULL) {
		*state = x;
		pthread_mutex_lock(&x->lock);
		x->active++;
		pthread_mutex_unlock(&x->lock);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(x, c, 405, "only GET and HEAD\n");
	if (strcmp(url, "/probe") == 0)
		return probe(x, c);
	if (strcmp(url, "/metrics") == 0)
		return metrics(x, c);
	if (strcmp(url, "/") == 0)
		return index_page(x, c);
	return answer_text(x, c, 404, "not found: use /probe or /metrics\n");
}

/* A request is over (its answer sent, or the connection gone). */
static void
completed(void *cls, struct MHD_Connection *c, void **state,
	enum MHD_RequestTerminationCode why)
{
	struct exporter *x = cls;

	(void)c;
	(void)why;
	if (*state == NULL)
		return;
	*state = NULL;
	pthread_mutex_lock(&x->lock);
	if (--x->active == 0)
		pthread_cond_broadcast(&x->idle);
	pthread_mutex_unlock(&x->lock);
}

/* After SIGTERM: no new connections; the requests in flight are answered
 * (each ends within its probe's budget), then the daemon stops. */
static void
drain(struct exporter *x, struct MHD_Daemon *d)
{
	struct timespec until;

	MHD_quiesce_daemon(d);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)x->cfg.max_seconds + 5;
	pthread_mutex_lock(&x->lock);
	while (x->active > 0 &&
	    pthread_cond_timedwait(&x->idle, &x->lock, &until) != ETIMEDOUT)
		;
	if (x->active > 0)
		logf_("%d request%s still open; closing", x->active,
			x->active == 1 ? "" : "s");
	pthread_mutex_unlock(&x->lock);
	MHD_stop_daemon(d);
}

/* ADDRESS:PORT or [ADDRESS]:PORT, numeric. */
static int
parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
		AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	size_t n;

	if (colon == NULL || colon == text || colon[1] == '\0')
		return -1;
	n = (size_t)(colon - text);
	if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
serve(struct exporter *x, const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t stop;
	int sig = 0;
	char where[INET6_ADDRSTRLEN + 8];

	if (parse_listen(listen, &ss, &sslen) < 0)
		return cli_usage_error(&cmd_exporter, "--listen wants a numeric "
			"ADDRESS:PORT or [ADDRESS]:PORT, not '%s'", listen);
	/* Every thread MHD starts inherits the mask: only sigwait() below
	 * sees these signals. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG | MHD_USE_ITC |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
		handle, x,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, completed, x,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		/* One Prometheus scrapes all its targets from one address,
		 * many at once; half the connections stay for the others. */
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)128,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
		MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "xmppcv: exporter: cannot listen on %s%s%s\n",
			listen, errno ? ": " : "", errno ? strerror(errno) : "");
		return EXIT_USAGE;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	strncpy(where, listen, sizeof(where) - 1);
	where[sizeof(where) - 1] = '\0';
	if (info != NULL && strrchr(where, ':') != NULL)
		snprintf(strrchr(where, ':') + 1, 8, "%u",
			(unsigned)info->port);
	logf_("listening on %s, %zu target%s, %d probe%s at once", where,
		x->cfg.n_targets, x->cfg.n_targets == 1 ? "" : "s",
		x->cfg.max_probes, x->cfg.max_probes == 1 ? "" : "s");
	while (sigwait(&stop, &sig) != 0)
		;
	logf_("stopping on %s: finishing the probes in flight",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	drain(x, d);
	logf_("stopped");
	return EXIT_VERIFIED;
}

int
exporter_run(struct opts *o, int argc, char **argv)
{
	struct exporter x = { .verbose = o->verbose };
	pthread_condattr_t ca;
	int status;

	(void)argv;
	if (argc > 0)
		return cli_usage_error(&cmd_exporter, "exporter takes no "
			"arguments: its targets are in --config FILE");
	if (o->config == NULL)
		return cli_usage_error(&cmd_exporter, "exporter: --config FILE is "
			"needed: the exporter probes only the targets it lists");
	if ((status = exp_config_load(&x.cfg, o->config)) != 0) {
		exp_config_clear(&x.cfg);
		return status;
	}
	if (o->max_probes > 0)
		x.cfg.max_probes = o->max_probes;
	x.started = time(NULL);
	pthread_mutex_init(&x.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x.slot, &ca);
	pthread_cond_init(&x.idle, &ca);
	pthread_condattr_destroy(&ca);
	status = serve(&x, o->listen ? o->listen : x.cfg.listen ?
		x.cfg.listen : "127.0.0.1:9577");
	pthread_cond_destroy(&x.slot);
	pthread_cond_destroy(&x.idle);
	pthread_mutex_destroy(&x.lock);
	exp_config_clear(&x.cfg);
	return status;
}
