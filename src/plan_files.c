/*
 * The trust plan's folder: the certificates (DER for Windows, Java and
 * macOS, PEM for Linux), a script for each way to deploy them, PLAN.md for
 * people and plan.json for programs. Store names and tools as Cisco's "Set
 * Up Certificate Verification" gives them: Trusted Root Certification
 * Authorities and Enterprise Trust; the Certificate Import Wizard,
 * CertMgr.exe (not CertMgr.msc) and a Group Policy object.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients/client.h"
#include "plan_internal.h"
#include "report.h"

#define put xcv_text_put

/* The folders a plan writes, in the order they are made. */
static const char *const folders[] = { "roots", "enterprise-trust",
	"windows", "linux", "linux/certs", "java", "macos" };

static const char *
store_name(enum xcv_plan_kind k)
{
	return k == XCV_PLAN_ROOT ? "Trusted Root Certification Authorities" :
		k == XCV_PLAN_ENTERPRISE ? "Enterprise Trust" :
		"already in the clients' store";
}

/* Where a kind's files go: "roots", "enterprise-trust". */
static const char *
folder(enum xcv_plan_kind k)
{
	return k == XCV_PLAN_ROOT ? "roots" : "enterprise-trust";
}

static size_t
count(const struct xcv_plan *plan, enum xcv_plan_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_certs; i++)
		n += plan->certs[i].kind == k;
	return n;
}

static int
write_text(const char *dir, const char *name, struct xcv_text *t, int mode)
{
	int rc = t->oom ? xcv_oom() : xcv_write_new_file(dir, name,
		t->s ? t->s : "", t->len, mode);

	/* Freed here either way: the caller's own free is then a no-op. */
	free(t->s);
	memset(t, 0, sizeof(*t));
	return rc;
}

/* Each certificate to deploy: DER in its folder, PEM for Linux. */
static int
write_certs(const struct xcv_plan *plan, const char *dir)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < plan->n_certs; i++) {
		const struct xcv_plan_cert *c = &plan->certs[i];
		unsigned char *der = NULL;
		char *name = NULL;
		BIO *b = NULL;
		BUF_MEM *mem;
		int n;

		if (c->kind == XCV_PLAN_PUBLIC)
			continue;
		rc = XCV_ENOMEM;
		if ((n = i2d_X509(c->x, &der)) <= 0 ||
		    (name = xcv_asprintf("%s/%s.cer", folder(c->kind),
		    c->file)) == NULL)
			goto next;
		if ((rc = xcv_write_new_file(dir, name, der, (size_t)n,
		    0644)) < 0)
			goto next;
		free(name);
		rc = XCV_ENOMEM;
		if ((name = xcv_asprintf("linux/certs/%s.crt", c->file)) == NULL ||
		    (b = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_X509(b, c->x))
			goto next;
		BIO_get_mem_ptr(b, &mem);
		rc = xcv_write_new_file(dir, name, mem->data, mem->length, 0644);
next:
		if (rc == XCV_ENOMEM && !xcv_ossl_oom(NULL))
			rc = xcv_oom();
		OPENSSL_free(der);
		BIO_free(b);
		free(name);
	}
	return rc;
}

/* Windows: PowerShell, CertMgr.exe, certutil and the Group Policy steps.
 * Their lines end in CR LF. */
static int
write_windows(const struct xcv_plan *plan, const char *dir)
{
	struct xcv_text ps = {0}, cm = {0}, cu = {0}, gpo = {0};
	int rc;

	put(&ps, "# Trust plan by xmppcv: run in an elevated PowerShell on a "
		"client computer\r\n# (or deploy with GPO.txt). Roots go to "
		"Trusted Root Certification\r\n# Authorities (Cert:\\LocalMachine"
		"\\Root), self-signed server certificates\r\n# to Enterprise Trust "
		"(Cert:\\LocalMachine\\Trust).\r\n$ErrorActionPreference = 'Stop'"
		"\r\n$plan = Split-Path -Parent $PSScriptRoot\r\n");
	put(&cm, "@echo off\r\nrem Trust plan by xmppcv: CertMgr.exe, the "
		"Certificate Manager tool (not\r\nrem CertMgr.msc), as an "
		"administrator on a client computer.\r\npushd \"%%~dp0..\" || "
		"exit /b 1\r\n");
	put(&cu, "@echo off\r\nrem Trust plan by xmppcv: certutil, as an "
		"administrator on a client computer.\r\npushd \"%%~dp0..\" || "
		"exit /b 1\r\n");
	put(&gpo, "Trust plan by xmppcv: deploying it with a Group Policy "
		"object\r\n\r\nOn a domain controller, in Group Policy Management, "
		"edit (or create and\r\nlink) a GPO for the client computers, "
		"then under Computer Configuration >\r\nPolicies > Windows "
		"Settings > Security Settings > Public Key Policies:\r\n\r\n");
	for (int k = XCV_PLAN_ROOT; k <= XCV_PLAN_ENTERPRISE; k++) {
		const char *store = k == XCV_PLAN_ROOT ? "Root" : "Trust";
		bool any = false;

		for (size_t i = 0; i < plan->n_certs; i++) {
			const struct xcv_plan_cert *c = &plan->certs[i];
			if ((int)c->kind != k)
				continue;
			if (!any)
				put(&gpo, "- %s: right-click, Import, and import:\r\n",
					store_name(c->kind));
			any = true;
			put(&ps, "Import-Certificate -FilePath (Join-Path $plan "
				"'%s\\%s.cer') -CertStoreLocation "
				"'Cert:\\LocalMachine\\%s' | Out-Null\r\n",
				folder(c->kind), c->file, store);
			put(&cm, "CertMgr.exe /add %s\\%s.cer /s /r localMachine "
				"%s || exit /b 1\r\n", folder(c->kind), c->file,
				k == XCV_PLAN_ROOT ? "root" : "trust");
			put(&cu, "certutil -addstore -f %s %s\\%s.cer || exit /b 1"
				"\r\n", store, folder(c->kind), c->file);
			put(&gpo, "    %s\\%s.cer (%s)\r\n", folder(c->kind), c->file,
				c->subject);
		}
	}
	put(&gpo, "\r\nThe computers take the certificates at their next "
		"policy refresh (gpupdate /force\r\nhastens it). The Certificate "
		"Import Wizard does the same by hand: open each\r\n.cer file, "
		"Install Certificate, Local Machine, and place it in the store\r\n"
		"named above.\r\n");
	rc = write_text(dir, "windows/Import-XmppTrust.ps1", &ps, 0644);
	if (rc == 0)
		rc = write_text(dir, "windows/certmgr.cmd", &cm, 0644);
	if (rc == 0)
		rc = write_text(dir, "windows/certutil.cmd", &cu, 0644);
	if (rc == 0)
		rc = write_text(dir, "windows/GPO.txt", &gpo, 0644);
	free(ps.s);
	free(cm.s);
	free(cu.s);
	free(gpo.s);
	return rc;
}

static const char linux_sh[] =
	"#!/bin/sh\n"
	"# Trust plan by xmppcv: the plan's certificates as trust anchors, on\n"
	"# Debian and Ubuntu (update-ca-certificates) or Fedora and RHEL\n"
	"# (update-ca-trust). Run as root; running it again changes nothing.\n"
	"#   XMPPCV_CA_DIR       where the certificates go (default\n"
	"#                       /usr/local/share/ca-certificates/xmppcv, or\n"
	"#                       /etc/pki/ca-trust/source/anchors)\n"
	"#   XMPPCV_UPDATE_ARGS  arguments for update-ca-certificates (for a\n"
	"#                       scratch store: --certsconf, --certsdir,\n"
	"#                       --localcertsdir, --etccertsdir, --hooksdir)\n"
	"set -eu\n"
	"here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
	"if command -v update-ca-certificates >/dev/null 2>&1; then\n"
	"\tdir=${XMPPCV_CA_DIR:-/usr/local/share/ca-certificates/xmppcv}\n"
	"\tupdate=\"update-ca-certificates ${XMPPCV_UPDATE_ARGS:-}\"\n"
	"elif command -v update-ca-trust >/dev/null 2>&1; then\n"
	"\tdir=${XMPPCV_CA_DIR:-/etc/pki/ca-trust/source/anchors}\n"
	"\tupdate=\"update-ca-trust extract\"\n"
	"else\n"
	"\techo \"install.sh: found neither update-ca-certificates nor "
	"update-ca-trust\" >&2\n"
	"\texit 1\n"
	"fi\n"
	"mkdir -p \"$dir\"\n"
	"# Set before the first copy and cleared after the update, so that a\n"
	"# run that stopped half way is finished by the next one.\n"
	"case $dir in\n"
	"/etc/pki/*) pending=/etc/pki/ca-trust/.xmppcv-update-pending ;;\n"
	"*) pending=$dir/.xmppcv-update-pending ;;\n"
	"esac\n"
	"for f in \"$here\"/certs/*.crt; do\n"
	"\t[ -e \"$f\" ] || continue\n"
	"\tto=$dir/xmppcv-$(basename \"$f\")\n"
	"\tcmp -s \"$f\" \"$to\" && continue\n"
	"\t: > \"$pending\"\n"
	"\tcp \"$f\" \"$to.new\"\n"
	"\tmv \"$to.new\" \"$to\"\n"
	"done\n"
	"if [ -e \"$pending\" ]; then\n"
	"\t# shellcheck disable=SC2086\n"
	"\tif ! $update; then\n"
	"\t\techo \"install.sh: $update failed; run this again\" >&2\n"
	"\t\texit 1\n"
	"\tfi\n"
	"\trm -f \"$pending\"\n"
	"\techo \"install.sh: the plan's certificates are installed in $dir\"\n"
	"else\n"
	"\techo \"install.sh: already installed in $dir; nothing changed\"\n"
	"fi\n";

static int
write_unix(const struct xcv_plan *plan, const char *dir)
{
	struct xcv_text java = {0}, mac = {0};
	int rc;

	put(&java, "#!/bin/sh\n# Trust plan by xmppcv: the plan's certificates "
		"in a Java client's cacerts\n# (keytool, from the JDK). Running it "
		"again changes nothing.\n#   CACERTS    the keystore (default "
		"$JAVA_HOME/lib/security/cacerts, or\n#              "
		"$JAVA_HOME/jre/lib/security/cacerts before Java 9)\n#   "
		"STOREPASS  its password (default changeit; passed to keytool "
		"through\n#              the environment, not the command line)\n"
		"set -eu\nhere=$(cd \"$(dirname \"$0\")/..\" && pwd)\n"
		"java=${JAVA_HOME:-/usr/lib/jvm/default-java}\n"
		"ks=${CACERTS:-$java/lib/security/cacerts}\n"
		"[ -n \"${CACERTS:-}\" ] || [ -f \"$ks\" ] || "
		"ks=$java/jre/lib/security/cacerts\n"
		"STOREPASS=${STOREPASS:-changeit}\nexport STOREPASS\n"
		"add() {\n\tif keytool -list -keystore \"$ks\" -storepass:env "
		"STOREPASS -alias \"$1\" \\\n\t    >/dev/null 2>&1; then\n"
		"\t\techo \"keytool.sh: $1 is there already\"\n\telse\n"
		"\t\tkeytool -importcert -noprompt -trustcacerts -alias \"$1\" "
		"\\\n\t\t\t-file \"$here/$2\" -keystore \"$ks\" "
		"-storepass:env STOREPASS\n\tfi\n}\n");
	put(&mac, "#!/bin/sh\n# Trust plan by xmppcv: the plan's certificates "
		"as trusted roots in the System\n# keychain of a Mac (run with "
		"sudo). Running it again sets the same trust again\n# and adds "
		"nothing.\nset -eu\nhere=$(cd \"$(dirname \"$0\")/..\" && pwd)\n"
		"kc=/Library/Keychains/System.keychain\n");
	for (size_t i = 0; i < plan->n_certs; i++) {
		const struct xcv_plan_cert *c = &plan->certs[i];

		if (c->kind == XCV_PLAN_PUBLIC)
			continue;
		put(&java, "add xmppcv-%s %s/%s.cer\n", c->file, folder(c->kind),
			c->file);
		put(&mac, "security add-trusted-cert -d -r trustRoot -k \"$kc\" "
			"\"$here/%s/%s.cer\"\n", folder(c->kind), c->file);
	}
	rc = xcv_write_new_file(dir, "linux/install.sh", linux_sh,
		sizeof(linux_sh) - 1, 0755);
	if (rc == 0)
		rc = write_text(dir, "java/keytool.sh", &java, 0755);
	if (rc == 0)
		rc = write_text(dir, "macos/install.sh", &mac, 0755);
	free(java.s);
	free(mac.s);
	return rc;
}

/* s in a Markdown table's cell: a | or a line break would end it. */
static void
put_cell(struct xcv_text *t, const char *s)
{
	for (; *s; s++)
		put(t, *s == '|' ? "\\|" : *s == '\n' || *s == '\r' ? " " :
			"%c", *s);
}

/* "a, b and c" of the entries of v; as table cells when cell. */
static void
put_list(struct xcv_text *t, const struct xcv_strv *v, bool cell)
{
	for (size_t i = 0; i < v->n; i++) {
		put(t, "%s", i == 0 ? "" : i + 1 == v->n ? " and " : ", ");
		if (cell)
			put_cell(t, v->v[i]);
		else
			put(t, "%s", v->v[i]);
	}
}

static void
put_prompts(struct xcv_text *t, const struct xcv_plan *plan)
{
	put(t, "| client profile | stands for | prompts today | after the plan "
		"| refused after the plan |\n|---|---|---|---|---|\n");
	for (size_t k = 0; k < xcv_client_rules_count; k++) {
		const struct xcv_client_profile *p =
			&xcv_client_rules_all[k]->profile;
		if (plan->before[k] < 0)
			continue;
		put(t, "| %s | ", p->id);
		for (size_t i = 0; p->stands_for[i]; i++)
			put(t, "%s%s", i ? ", " : "", p->stands_for[i]);
		put(t, " | %ld | %ld | %ld |\n", plan->before[k], plan->after[k],
			plan->refused[k]);
	}
}

static int
write_plan_md(const struct xcv_plan *plan, const char *dir)
{
	struct xcv_text t = {0};
	struct xcv_strv nodes = {0};
	char when[32];

	xcv_time_format(plan->at, when);
	for (size_t i = 0; i < plan->n_eps; i++)
		if (!xcv_strv_contains(&nodes, plan->eps[i].node))
			xcv_strv_push(&nodes, plan->eps[i].node);
	put(&t, "# Trust plan\n\nWhat to deploy to users' computers so that no "
		"client asks about a server\ncertificate.\n\n- made by xmppcv %s, "
		"as at %s\n- from %zu endpoint%s of ", xcv_version(), when,
		plan->n_eps, plan->n_eps == 1 ? "" : "s");
	put_list(&t, &nodes, false);
	put(&t, "\n- the clients' store before the plan: %s (%zu "
		"certificates)\n", plan->store_path, xcv_chain_count(plan->store));
	if (plan->skipped_s2s)
		put(&t, "- server-to-server certificates: left out; federating "
			"servers judge them, not\n  users' clients\n");
	if (plan->no_cert.n) {
		put(&t, "- left out, for they gave no certificate: ");
		put_list(&t, &plan->no_cert, false);
		put(&t, "\n");
	}
	put(&t, "\n## Deploy\n\n");
	for (int k = XCV_PLAN_ROOT; k <= XCV_PLAN_PUBLIC; k++) {
		put(&t, "### %s%s\n\n", k == XCV_PLAN_PUBLIC ? "Not deployed: " : "",
			k == XCV_PLAN_PUBLIC ? "already in the clients' store" :
			store_name(k));
		put(&t, "%s", k == XCV_PLAN_ROOT ? "The root CAs the servers' chains "
			"lead to (never an intermediate).\n\n" : k == XCV_PLAN_ENTERPRISE ?
			"Self-signed server certificates, each trusted as itself.\n\n" :
			"Public roots the clients trust already.\n\n");
		if (count(plan, k) == 0) {
			put(&t, "None.\n\n");
			continue;
		}
		put(&t, "| file | certificate | sha256 | covers |\n|---|---|---|---|\n");
		for (size_t i = 0; i < plan->n_certs; i++) {
			const struct xcv_plan_cert *c = &plan->certs[i];
			if ((int)c->kind != k)
				continue;
			if (k == XCV_PLAN_PUBLIC)
				put(&t, "| - ");
			else
				put(&t, "| %s/%s.cer ", folder(c->kind), c->file);
			put(&t, "| ");
			put_cell(&t, c->subject);
			put(&t, " | %s | ", c->sha256);
			put_list(&t, &c->covers, true);
			put(&t, " |\n");
		}
		put(&t, "\n");
	}
	put(&t, "## What users see\n\nThe prompts one user meets, for each "
		"client profile that prompts: one for each\nserver certificate, "
		"XMPP and HTTPS alike, that the client cannot trust silently\n"
		"(its chain reaches no root the client trusts, or its name does "
		"not match). Cisco\nJabber asks once for each; a declined "
		"certificate is asked about again after a\nrestart.\n\n");
	put_prompts(&t, plan);
	put(&t, "\nRefused: the server certificates a client still will not "
		"connect to after the\nplan, without asking (a name it does not "
		"accept, an intermediate the server\ndoes not send): the fixes "
		"below.\n");
	put(&t, "\n## What the plan cannot fix\n\n");
	if (plan->n_fixes == 0)
		put(&t, "Nothing: every certificate names its server and reaches "
			"a root.\n");
	for (size_t i = 0; i < plan->n_fixes; i++)
		put(&t, "- %s %s (%s): %s\n", plan->fixes[i].node,
			plan->fixes[i].service, plan->fixes[i].problem,
			plan->fixes[i].fix);
	put(&t, "\n## How to deploy\n\n- Windows: windows/Import-XmppTrust.ps1 "
		"(PowerShell, elevated; where the\n  execution policy blocks "
		"scripts: powershell -ExecutionPolicy Bypass -File\n  "
		"windows\\Import-XmppTrust.ps1), windows/certutil.cmd (certutil "
		"comes with\n  Windows), windows/certmgr.cmd (CertMgr.exe, the "
		"Certificate Manager tool of\n  the Windows SDK, not CertMgr.msc), "
		"or a Group Policy object as\n  windows/GPO.txt describes. xmppcv "
		"writes these; it cannot run them.\n- Linux: linux/install.sh as root (Debian, Ubuntu: "
		"update-ca-certificates;\n  Fedora, RHEL: update-ca-trust).\n- "
		"Java clients: java/keytool.sh (keytool -importcert into "
		"cacerts).\n- macOS: macos/install.sh (security add-trusted-cert, "
		"System keychain).\n");
	if (xcv_strv_ok(&nodes) < 0)
		t.oom = true;
	xcv_strv_clear(&nodes);
	return write_text(dir, "PLAN.md", &t, 0644);
}

static json_t *
jcerts(const struct xcv_plan *plan, enum xcv_plan_kind k)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < plan->n_certs; i++) {
		const struct xcv_plan_cert *c = &plan->certs[i];
		json_t *nodes, *services;
		char *file = NULL;

		if (c->kind != k)
			continue;
		nodes = json_array();
		services = json_array();
		for (size_t j = 0; nodes && services && j < c->covers.n; j++) {
			const char *sp = strrchr(c->covers.v[j], ' ');
			json_t *node = json_stringn(c->covers.v[j],
				(size_t)(sp - c->covers.v[j]));
			json_t *svc = json_string(sp + 1);
			bool have = false;
			for (size_t x = 0; x < json_array_size(nodes); x++)
				have |= json_equal(json_array_get(nodes, x), node);
			if (!have)
				json_array_append(nodes, node);
			have = false;
			for (size_t x = 0; x < json_array_size(services); x++)
				have |= json_equal(json_array_get(services, x), svc);
			if (!have)
				json_array_append(services, svc);
			json_decref(node);
			json_decref(svc);
		}
		if (k != XCV_PLAN_PUBLIC)
			file = xcv_asprintf("%s/%s.cer", folder(k), c->file);
		json_array_append_new(a, json_pack("{s:s,s:s,s:s?,s:s,s:o,s:o}",
			"sha256", c->sha256, "subject", c->subject, "file", file,
			"store", store_name(k), "nodes", nodes, "services",
			services));
		free(file);
	}
	return a;
}

static json_t *
jprompts(const long *counts)
{
	json_t *o = json_object();

	for (size_t k = 0; o && k < xcv_client_rules_count; k++)
		if (counts[k] >= 0)
			json_object_set_new(o, xcv_client_rules_all[k]->profile.id,
				json_integer(counts[k]));
	return o;
}

static int
write_plan_json(const struct xcv_plan *plan, const char *dir)
{
	unsigned long since = xcv_alloc_failures();
	json_t *fixes = json_array(), *o;
	char *text, *line;
	int rc;

	for (size_t i = 0; fixes && i < plan->n_fixes; i++)
		json_array_append_new(fixes, json_pack("{s:s,s:s,s:s,s:s}",
			"node", plan->fixes[i].node, "service",
			plan->fixes[i].service, "problem", plan->fixes[i].problem,
			"fix", plan->fixes[i].fix));
	o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "store", plan->store_path,
		"roots", jcerts(plan, XCV_PLAN_ROOT), "enterprise_trust",
		jcerts(plan, XCV_PLAN_ENTERPRISE), "public_roots",
		jcerts(plan, XCV_PLAN_PUBLIC), "server_fixes", fixes, "prompts_before",
		jprompts(plan->before), "prompts_after", jprompts(plan->after),
		"refused_after", jprompts(plan->refused));
	text = xcv_json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER, since);
	json_decref(o);
	if (text == NULL)
		return XCV_ENOMEM;
	line = xcv_asprintf("%s\n", text);
	free(text);
	if (line == NULL)
		return XCV_ENOMEM;
	rc = xcv_write_new_file(dir, "plan.json", line, strlen(line), 0644);
	free(line);
	return rc;
}

int
xcv_plan_files_write(const struct xcv_plan *plan, const char *dir)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(folders) / sizeof(*folders);
	    i++) {
		char *p = xcv_asprintf("%s/%s", dir, folders[i]);
		if (p == NULL)
			return XCV_ENOMEM;
		if (mkdir(p, 0755) < 0)
			rc = xcv_set_error(XCV_EINPUT, "cannot create %s: %s", p,
				strerror(errno));
		free(p);
	}
	if (rc == 0)
		rc = write_certs(plan, dir);
	if (rc == 0)
		rc = write_windows(plan, dir);
	if (rc == 0)
		rc = write_unix(plan, dir);
	if (rc == 0)
		rc = write_plan_md(plan, dir);
	if (rc == 0)
		rc = write_plan_json(plan, dir);
	return rc;
}

/* Remove what the folder open as fd holds, depth folders deep at most;
 * -1 when something is left. Symbolic links are removed, not followed. */
static int
remove_in(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = -1;
			continue;
		}
		sub = depth > 0 ? openat(dirfd(d), e->d_name, O_RDONLY |
			O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		if (sub < 0 || remove_in(sub, depth - 1) < 0 ||
		    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
xcv_plan_files_remove(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (remove_in(fd, 16) < 0)
		return -1;
	return rmdir(dir) == 0 ? 0 : -1;
}

size_t
xcv_plan_endpoint_count(const struct xcv_plan *plan)
{
	return plan->n_eps;
}

char *
xcv_plan_summary(const struct xcv_plan *plan)
{
	struct xcv_text t = {0};

	put(&t, "  deploy %zu root%s to Trusted Root Certification "
		"Authorities, %zu self-signed\n  certificate%s to Enterprise Trust; "
		"%zu public root%s already in the clients' store;\n  %zu fix%s on the "
		"servers\n", count(plan, XCV_PLAN_ROOT), count(plan, XCV_PLAN_ROOT) == 1 ?
		"" : "s", count(plan, XCV_PLAN_ENTERPRISE), count(plan,
		XCV_PLAN_ENTERPRISE) == 1 ? "" : "s", count(plan, XCV_PLAN_PUBLIC),
		count(plan, XCV_PLAN_PUBLIC) == 1 ? "" : "s", plan->n_fixes,
		plan->n_fixes == 1 ? "" : "es");
	for (size_t k = 0; k < xcv_client_rules_count; k++) {
		if (plan->before[k] <= 0)
			continue;
		put(&t, "  %-13s %ld prompt%s today, %ld after the plan",
			xcv_client_rules_all[k]->profile.id, plan->before[k],
			plan->before[k] == 1 ? "" : "s", plan->after[k]);
		if (plan->refused[k] > 0)
			put(&t, "; still refuses %ld", plan->refused[k]);
		put(&t, "\n");
	}
	if (plan->no_cert.n)
		put(&t, "  left out: %zu endpoint%s that gave no certificate (PLAN.md "
			"names them)\n", plan->no_cert.n, plan->no_cert.n == 1 ? "" :
			"s");
	if (plan->leftover)
		put(&t, "  the plan it replaced could not be removed: %s\n",
			plan->leftover);
	if (t.oom) {
		free(t.s);
		xcv_oom();
		return NULL;
	}
	return t.s;
}
