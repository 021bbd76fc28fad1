/*
 * The exporter's configuration file (JSON, read with jansson): where to
 * listen, how many probes at once, and the targets it may probe, each with
 * its XMPP domain, nodes, modules and trust options. Every key is checked:
 * a misspelt one is an error that names it, not a silent default.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"

const char *const exp_module_names[EXP_MODULES] = {
	"scan", "c2s", "s2s", "xmpps", "https",
};

int
exp_module_parse(const char *name)
{
	for (int i = 0; i < EXP_MODULES; i++)
		if (strcmp(name, exp_module_names[i]) == 0)
			return 1 << i;
	return -1;
}

/* "FILE: targets.corp.example.ca_file: what" on stderr; EXIT_USAGE. */
static int
bad(const char *file, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(const char *file, const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xmppcv: %s: %s%s", file, where ? where : "",
		where ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

/* A string, or an array of strings, into l. */
static int
strings(struct list *l, json_t *v, const char *file, const char *where)
{
	size_t i;
	json_t *e;

	if (json_is_string(v))
		return cli_list_add(l, json_string_value(v)) < 0 ? cli_oom() : 0;
	if (!json_is_array(v))
		return bad(file, where, "%s", "wants a string or a list of them");
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return bad(file, where, "%s", "wants strings only");
		if (cli_list_add(l, json_string_value(e)) < 0)
			return cli_oom();
	}
	return 0;
}

/* An integer in [min, max] into *out. */
static int
integer(int *out, json_t *v, int min, int max, const char *file,
	const char *where)
{
	char range[64];

	snprintf(range, sizeof(range), "wants a whole number from %d to %d",
		min, max);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return bad(file, where, "%s", range);
	*out = (int)json_integer_value(v);
	return 0;
}

static int
boolean(bool *out, json_t *v, const char *file, const char *where)
{
	if (!json_is_boolean(v))
		return bad(file, where, "%s", "wants true or false");
	*out = json_is_true(v);
	return 0;
}

/* "ports": { "c2s": 5222, ... } */
static int
ports(struct exp_target *t, json_t *v, const char *file, const char *where)
{
	const char *k;
	json_t *e;

	if (!json_is_object(v))
		return bad(file, where, "%s", "wants an object of SERVICE: PORT");
	json_object_foreach(v, k, e) {
		unsigned svc = 0;
		int rc;
		if (xcv_scan_services_parse(&svc, k) < 0 || (svc & (svc - 1)))
			return bad(file, where, "unknown service '%s': use c2s, "
				"s2s, xmpps or https", k);
		for (int i = 0; i < XCV_SCAN_SERVICES; i++)
			if (svc == 1u << i &&
			    (rc = integer(&t->ports[i], e, 1, 65535, file, where)))
				return rc;
	}
	return 0;
}

static int
modules(struct exp_target *t, json_t *v, const char *file, const char *where)
{
	struct list l = {0};
	int rc = strings(&l, v, file, where);

	t->modules = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		int m = exp_module_parse(l.v[i]);
		if (m < 0)
			rc = bad(file, where, "unknown module '%s': use scan, c2s, "
				"s2s, xmpps or https", l.v[i]);
		else
			t->modules |= (unsigned)m;
	}
	free(l.v);
	return rc;
}

/* One target's object. */
static int
target(struct exp_target *t, const char *name, json_t *obj, const char *file)
{
	char where[300];
	const char *k;
	json_t *v;
	int rc = 0;

	*t = (struct exp_target){ .name = name, .modules = (1u <<
		EXP_MODULES) - 1, .system_ca = true, .timeout_s = 10,
		.warn_days = 30, .crit_days = 14 };
	if (!json_is_object(obj))
		return bad(file, "targets", "'%s' wants an object", name);
	json_object_foreach(obj, k, v) {
		snprintf(where, sizeof(where), "targets.%.200s.%.40s", name, k);
		if (strcmp(k, "domain") == 0 && json_is_string(v))
			t->domain = json_string_value(v);
		else if (strcmp(k, "dns_server") == 0 && json_is_string(v))
			t->dns_server = json_string_value(v);
		else if (strcmp(k, "from") == 0 && json_is_string(v))
			t->from = json_string_value(v);
		else if (strcmp(k, "domain") == 0 || strcmp(k, "dns_server") == 0 ||
		    strcmp(k, "from") == 0)
			rc = bad(file, where, "%s", "wants a string");
		else if (strcmp(k, "nodes") == 0)
			rc = strings(&t->nodes, v, file, where);
		else if (strcmp(k, "resolve") == 0)
			rc = strings(&t->resolve, v, file, where);
		else if (strcmp(k, "ca_file") == 0)
			rc = strings(&t->ca_files, v, file, where);
		else if (strcmp(k, "ca_path") == 0)
			rc = strings(&t->ca_paths, v, file, where);
		else if (strcmp(k, "modules") == 0)
			rc = modules(t, v, file, where);
		else if (strcmp(k, "services") == 0 && json_is_string(v)) {
			if (xcv_scan_services_parse(&t->services,
			    json_string_value(v)) < 0)
				rc = bad(file, where, "%s", xcv_error_last());
		} else if (strcmp(k, "services") == 0)
			rc = bad(file, where, "%s", "wants a list like \"c2s,https\"");
		else if (strcmp(k, "ports") == 0)
			rc = ports(t, v, file, where);
		else if (strcmp(k, "system_ca") == 0)
			rc = boolean(&t->system_ca, v, file, where);
		else if (strcmp(k, "strict") == 0)
			rc = boolean(&t->strict, v, file, where);
		else if (strcmp(k, "policy") == 0 && json_is_string(v)) {
			if (xcv_policy_parse(&t->policy, json_string_value(v)) < 0)
				rc = bad(file, where, "%s", xcv_error_last());
		} else if (strcmp(k, "policy") == 0)
			rc = bad(file, where, "%s", "wants rfc6125 or rfc9525");
		else if (strcmp(k, "timeout") == 0)
			rc = integer(&t->timeout_s, v, 1, 3600, file, where);
		else if (strcmp(k, "warn_days") == 0)
			rc = integer(&t->warn_days, v, 0, 36500, file, where);
		else if (strcmp(k, "crit_days") == 0)
			rc = integer(&t->crit_days, v, 0, 36500, file, where);
		else if (strcmp(k, "parallel") == 0)
			rc = integer(&t->parallel, v, 1, 10000, file, where);
		else
			rc = bad(file, where, "%s", "unknown key (see xmppcv(1), "
				"EXPORTER)");
		if (rc)
			return rc;
	}
	if (t->modules == 0)
		return bad(file, name, "%s", "no module is allowed");
	return 0;
}

/* Every trust option of every target loads, so that a missing CA file
 * stops the exporter at start rather than failing each probe. */
static int
check_trust(const struct exp_config *cfg, const char *file)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		struct xcv_config *c = NULL;
		char where[300];
		int rc = exp_target_config(&c, &cfg->targets[i], XCV_SERVICE_C2S);
		if (rc == XCV_ENOMEM)
			return cli_oom();
		if (rc < 0) {
			snprintf(where, sizeof(where), "targets.%.200s",
				cfg->targets[i].name);
			return bad(file, where, "%s", xcv_error_last());
		}
		xcv_config_free(c);
	}
	return 0;
}

int
exp_config_load(struct exp_config *cfg, const char *file)
{
	json_error_t err;
	const char *k;
	json_t *v, *targets = NULL, *loaded;
	int rc = 0;
	char line[32];

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_probes = 4;
	cfg->max_seconds = 30;
	/* Kept: every string of the configuration points into it. */
	cfg->json = loaded = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
	if (loaded == NULL && err.line < 1)
		/* Not opened: jansson's text would name the file again. */
		return bad(file, NULL, "cannot read: %s", strerror(errno));
	if (loaded == NULL) {
		snprintf(line, sizeof(line), "line %d", err.line);
		return bad(file, line, "%s", err.text);
	}
	if (!json_is_object(loaded))
		return bad(file, NULL, "%s", "wants a JSON object");
	json_object_foreach(loaded, k, v) {
		if (strcmp(k, "listen") == 0 && json_is_string(v))
			cfg->listen = json_string_value(v);
		else if (strcmp(k, "listen") == 0)
			rc = bad(file, k, "%s", "wants \"ADDRESS:PORT\"");
		else if (strcmp(k, "max_probes") == 0)
			rc = integer(&cfg->max_probes, v, 1, 1000, file, k);
		else if (strcmp(k, "max_seconds") == 0 && json_is_number(v) &&
		    json_number_value(v) >= 1 && json_number_value(v) <= 3600)
			cfg->max_seconds = json_number_value(v);
		else if (strcmp(k, "max_seconds") == 0)
			rc = bad(file, k, "%s", "wants seconds from 1 to 3600");
		else if (strcmp(k, "targets") == 0)
			targets = v;
		else
			rc = bad(file, k, "%s", "unknown key (see xmppcv(1), "
				"EXPORTER)");
		if (rc)
			return rc;
	}
	if (!json_is_object(targets) || json_object_size(targets) == 0)
		return bad(file, "targets", "%s", "wants an object naming at least "
			"one target: the exporter probes those only");
	cfg->targets = calloc(json_object_size(targets), sizeof(*cfg->targets));
	if (cfg->targets == NULL)
		return cli_oom();
	json_object_foreach(targets, k, v) {
		if ((rc = target(&cfg->targets[cfg->n_targets], k, v, file)))
			return rc;
		cfg->n_targets++;
	}
	return check_trust(cfg, file);
}

void
exp_config_clear(struct exp_config *cfg)
{
	for (size_t i = 0; i < cfg->n_targets; i++) {
		struct exp_target *t = &cfg->targets[i];
		free(t->nodes.v);
		free(t->resolve.v);
		free(t->ca_files.v);
		free(t->ca_paths.v);
	}
	free(cfg->targets);
	json_decref(cfg->json);
	memset(cfg, 0, sizeof(*cfg));
}

const struct exp_target *
exp_config_find(const struct exp_config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_targets; i++)
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	return NULL;
}

int
exp_target_config(struct xcv_config **out, const struct exp_target *t,
	enum xcv_service service)
{
	struct xcv_config *c = xcv_config_new();
	int rc = 0;

	*out = NULL;
	if (c == NULL)
		return XCV_ENOMEM;
	xcv_config_set_service(c, service);
	xcv_config_set_policy(c, t->policy);
	xcv_config_set_system_ca(c, t->system_ca);
	xcv_config_set_warn_days(c, t->warn_days);
	xcv_config_set_strict(c, t->strict);
	/* A probe is a live check: revocation from the CRLs the certificates
	 * name (cached) and the staple. */
	xcv_config_set_revocation(c, XCV_REVOCATION_CHECK |
		XCV_REVOCATION_FETCH_CRL);
	for (size_t i = 0; rc == 0 && i < t->ca_files.n; i++)
		rc = xcv_config_add_ca_file(c, t->ca_files.v[i]);
	for (size_t i = 0; rc == 0 && i < t->ca_paths.n; i++)
		rc = xcv_config_add_ca_path(c, t->ca_paths.v[i]);
	if (rc < 0) {
		xcv_config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
