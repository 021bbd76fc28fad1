/*
 * Questions on the terminal: the accept/decline prompt for an untrusted
 * certificate, as the client shows it (the certificate first, then the
 * question; accept saves it to the store, decline saves nothing), and the
 * password for --login.
 */
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "cli.h"

static void
show(const struct xcv_result *res, const struct xcv_store *store,
	const char *target, FILE *out)
{
	const struct xcv_cert_info *leaf = xcv_result_cert(res, 0);
	const char *domain = xcv_result_domain(res), *others[8];
	size_t n = xcv_store_others(store, domain, leaf->sha256, others, 8);

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
		cli_fingerprint(out, leaf->sha256);
		fprintf(out, "\n");
	}
	fprintf(out, "\nThe server %s presented a certificate that is not "
		"trusted for %s:\n", target, domain);
	fprintf(out, "  subject     %s\n  issuer      %s\n", leaf->subject,
		leaf->issuer);
	fprintf(out, "  valid       %s to %s\n  SHA-256     ", leaf->not_before,
		leaf->not_after);
	cli_fingerprint(out, leaf->sha256);
	fprintf(out, "\n  identities");
	for (size_t i = 0; i < xcv_result_presented_count(res); i++) {
		const struct xcv_presented_id *p = xcv_result_presented(res, i);
		bool match = p->valid && xcv_result_identity_matched(res) &&
			p->field == xcv_result_identity_field(res) &&
			strcmp(p->value, xcv_result_identity_value(res)) == 0;
		fprintf(out, "%s%s %s%s%s", i ? "\n             " : " ",
			xcv_field_name(p->field), p->value,
			!p->valid ? " (invalid)" : "",
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
		cli_store_actions(store);
		fprintf(stderr, "xmppcv: could not save the certificate: %s\n",
			xcv_error_last());
		return -1;
	}
	cli_store_actions(store);
	fprintf(out, "Accepted: saved to %s/%s.pem for %s.\n",
		xcv_store_path(store), xcv_result_sha256(res),
		xcv_result_domain(res));
	return 1;
}

/* While echo is off: the terminal to give it back to on Ctrl-C. */
static int echo_fd = -1;
static struct termios echo_saved;

static void
restore_echo(int sig)
{
	if (echo_fd >= 0)
		tcsetattr(echo_fd, TCSANOW, &echo_saved);
	/* Die of the signal, as the shell expects (exit status 130). */
	signal(sig, SIG_DFL);
	raise(sig);
}

char *
cli_read_password(const char *jid)
{
	const char *env = getenv("XMPPCV_PASSWORD");
	struct termios old, quiet;
	char buf[512], *pw;
	FILE *tty;
	bool ok;

	if (env != NULL) {
		if ((pw = strdup(env)) == NULL)
			cli_oom();
		return pw;
	}
	tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		fprintf(stderr, "xmppcv: --login needs a password: set "
			"XMPPCV_PASSWORD or run on a terminal\n");
		return NULL;
	}
	/* Echo off before the prompt, and without discarding input: a
	 * password typed or pasted as soon as the prompt shows must count. */
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	echo_saved = old;
	echo_fd = fileno(tty);
	signal(SIGINT, restore_echo);
	signal(SIGTERM, restore_echo);
	tcsetattr(fileno(tty), TCSANOW, &quiet);
	fprintf(tty, "Password for %s: ", jid);
	fflush(tty);
	ok = fgets(buf, sizeof(buf), tty) != NULL;
	tcsetattr(fileno(tty), TCSANOW, &old);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	echo_fd = -1;
	fprintf(tty, "\n");
	fclose(tty);
	if (!ok) {
		fprintf(stderr, "xmppcv: no password given\n");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	pw = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (pw == NULL)
		cli_oom();
	return pw;
}
