/* Names of enumerations as they appear in reports, JSON and options. */
#include <string.h>

#include "internal.h"

static const char *const services[] = { "c2s", "s2s", "https" };
static const char *const policies[] = { "rfc6125", "rfc9525" };
static const char *const fields[] = {
	"xmppAddr", "srvName", "dnsName", "ipAddress", "cn", "uri",
};
static const char *const phases[] = {
	"none", "dns", "connect", "stream", "discovery", "starttls", "tls",
};
static const char *const verdicts[] = {
	"verified", "accepted", "not-verified", "no-certificate", "closed",
};
static const char *const sources[] = {
	"none", "given", "accepted", "announced",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *
xcv_service_name(enum xcv_service s)
{
	return (unsigned)s < COUNT(services) ? services[s] : "?";
}

const char *
xcv_policy_name(enum xcv_policy p)
{
	return (unsigned)p < COUNT(policies) ? policies[p] : "?";
}

const char *
xcv_field_name(enum xcv_field f)
{
	return (unsigned)f < COUNT(fields) ? fields[f] : "?";
}

const char *
xcv_phase_name(enum xcv_phase p)
{
	return (unsigned)p < COUNT(phases) ? phases[p] : "?";
}

const char *
xcv_verdict_name(enum xcv_verdict v)
{
	return (unsigned)v < COUNT(verdicts) ? verdicts[v] : "?";
}

const char *
xcv_problem_name(enum xcv_problem p)
{
	static const char *const problems[] = {
		"mismatch", "untrusted", "expired", "invalid", "profile",
		"clients", "revoked", "dane",
	};

	for (unsigned i = 0; i < COUNT(problems); i++)
		if ((unsigned)p == 1u << i)
			return problems[i];
	return "?";
}

const char *
xcv_domain_source_name(enum xcv_domain_source s)
{
	return (unsigned)s < COUNT(sources) ? sources[s] : "?";
}

int
xcv_service_parse(enum xcv_service *out, const char *name)
{
	for (unsigned i = 0; i < COUNT(services); i++) {
		if (strcmp(name, services[i]) == 0) {
			*out = (enum xcv_service)i;
			return 0;
		}
	}
	return xcv_set_error(XCV_EINPUT,
		"unknown service '%s': use c2s, s2s or https", name);
}

int
xcv_policy_parse(enum xcv_policy *out, const char *name)
{
	for (unsigned i = 0; i < COUNT(policies); i++) {
		if (strcmp(name, policies[i]) == 0) {
			*out = (enum xcv_policy)i;
			return 0;
		}
	}
	return xcv_set_error(XCV_EINPUT,
		"unknown policy '%s': use rfc6125 or rfc9525", name);
}
