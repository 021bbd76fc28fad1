/*
 * The accept/decline prompt for an untrusted certificate, as the client
 * shows it: the certificate first, then the question. Accept saves it to
 * the store; decline saves nothing.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"

void
cli_fingerprint(FILE *f, const char *hex)
{
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
		fprintf(f, "%s%c%c", i ? ":" : "", toupper((unsigned char)hex[i]),
			toupper((unsigned char)hex[i + 1]));
}

static void
show(const struct xcv_result *res, const struct xcv_store *store,
	const char *target, FILE *out)
{
	const char *subject, *issuer, *nb, *na, *fp, *others[8];
	const char *domain = xcv_result_domain(res);
	size_t n;

	xcv_result_cert(res, 0, &subject, &issuer, &nb, &na, &fp);
	n = xcv_store_others(store, domain, fp, others, 8);
	if (n > 0) {
		fprintf(out, "\nWARNING: THE CERTIFICATE FOR %s HAS CHANGED.\n"
			"It may have been renewed, or someone may be "
			"intercepting the connection.\n", domain);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "  previously accepted: SHA256 ");
			cli_fingerprint(out, others[i]);
			fprintf(out, "\n");
		}
		fprintf(out, "  presented now:       SHA256 ");
		cli_fingerprint(out, fp);
		fprintf(out, "\n");
	}
	fprintf(out, "\nThe server %s presented a certificate that is not "
		"trusted for %s:\n", target, domain);
	fprintf(out, "  subject     %s\n  issuer      %s\n", subject, issuer);
	fprintf(out, "  valid       %s to %s\n  SHA-256     ", nb, na);
	cli_fingerprint(out, fp);
	fprintf(out, "\n  identities");
	for (size_t i = 0; i < xcv_result_presented_count(res); i++) {
		enum xcv_field field;
		const char *value;
		bool valid, match;
		xcv_result_presented(res, i, &field, &value, &valid, NULL);
		match = valid && xcv_result_identity_matched(res) &&
			field == xcv_result_identity_field(res) &&
			strcmp(value, xcv_result_identity_value(res)) == 0;
		fprintf(out, "%s%s %s%s%s", i ? "\n             " : " ",
			xcv_field_name(field), value, !valid ? " (invalid)" : "",
			match ? "  <- names the XMPP domain" : "");
	}
	if (xcv_result_presented_count(res) == 0)
		fprintf(out, " (none)");
	fprintf(out, "\n  why         %s\n",
		!xcv_result_chain_trusted(res) ? xcv_result_chain_error(res) :
		"no identity in it names the XMPP domain");
	if (!xcv_result_identity_matched(res) && !xcv_result_chain_trusted(res))
		fprintf(out, "              and no identity in it names %s\n",
			domain);
}

int
cli_prompt(struct xcv_check *check, struct xcv_store *store,
	const char *target, FILE *in, FILE *out)
{
	const struct xcv_result *res = xcv_check_result(check);
	char line[256];

	show(res, store, target, out);
	for (;;) {
		char *p;
		fprintf(out, "Accept this certificate for %s? [a]ccept / "
			"[d]ecline: ", xcv_result_domain(res));
		fflush(out);
		if (fgets(line, sizeof(line), in) == NULL) {
			fprintf(out, "\n");
			return 0;   /* end of input declines */
		}
		for (p = line; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		line[strcspn(line, "\r\n")] = '\0';
		p = line + strspn(line, " \t");
		if (!strcmp(p, "a") || !strcmp(p, "accept") || !strcmp(p, "y") ||
		    !strcmp(p, "yes"))
			break;
		if (!strcmp(p, "d") || !strcmp(p, "decline") || !strcmp(p, "n") ||
		    !strcmp(p, "no"))
			return 0;
		fprintf(out, "Please answer accept (a) or decline (d).\n");
	}
	if (xcv_store_add(store, xcv_check_chain(check), xcv_result_domain(res),
	    target) < 0) {
		fprintf(stderr, "xmppcv: could not save the certificate: %s\n",
			xcv_error_last());
		return -1;
	}
	fprintf(out, "Accepted: saved to %s/%s.pem for %s.\n",
		xcv_store_path(store), xcv_result_sha256(res),
		xcv_result_domain(res));
	return 1;
}
