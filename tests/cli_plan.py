#!/usr/bin/env python3
"""The trust plan (`scan --trust-plan`, `check --trust-plan`, `trust plan`)
against real servers, and applied to a scratch trust store that real
clients then use.

Usage: cli_plan.py CLASS   (XMPPCV, FIXTURES and STROPHE_DECIDE come from
the environment)

Cluster: three Prosody nodes and nginx as their HTTPS port, on loopback.
- cup1: XMPP from Corp Root CA through Corp Issuing CA (sent); HTTPS from
  a second private root, Other Root CA, directly.
- cup2: self-signed XMPP and HTTPS certificates, of the same subject.
- cup3: XMPP certificate naming only the node's FQDN (Corp Root CA);
  HTTPS certificate sent without its intermediate CA.
Every server is started here and stopped by its PID; every wait is bounded.
"""
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "clients"))
from servers import Nginx, Prosody, cert  # noqa: E402
from py_decide import starttls_socket  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
STROPHE_DECIDE = os.environ.get("STROPHE_DECIDE", "build/tests/clients/strophe_decide")
AT = "2026-06-01T00:00:00Z"
NET = "127.0.130."
NODES = ["cup%d.corp.example" % i for i in (1, 2, 3)]
SYSTEM_STORE = "/etc/ssl/certs/ca-certificates.crt"
TRUST = ["--no-store", "--no-system-ca", "--ca-file", cert("root-ca.crt"),
         "--ca-file", cert("other-root-ca.crt"), "--at", AT]
ROOT_STORE = "Trusted Root Certification Authorities"


def run(*args, timeout=120, env=None, preexec_fn=None):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env, preexec_fn=preexec_fn)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def scan_args():
    args = [*TRUST, "--port", "c2s=15222", "--port", "xmpps=15223", "--port",
            "https=18443", "--services", "c2s,xmpps,https", "--timeout", "5",
            "--domain", "corp.example"]
    for i, node in enumerate(NODES, 1):
        args += ["--resolve", "%s:15222:%s%d" % (node, NET, i)]
    return args + NODES


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def der_sha256(name):
    """The SHA-256 of a fixture certificate's DER."""
    der = ssl.PEM_cert_to_DER_cert(read(cert(name + ".crt")))
    return hashlib.sha256(der).hexdigest()


def subject_of_der(path):
    p = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", path, "-noout",
                        "-subject", "-nameopt", "RFC2253"], capture_output=True,
                       text=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError("%s is not DER: %s" % (path, p.stderr))
    return p.stdout.strip().split("=", 1)[1]


def tree(top):
    """Every file under top: {relative path: bytes}."""
    out = {}
    for d, _, files in os.walk(top):
        for f in files:
            path = os.path.join(d, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, top)] = fh.read()
    return out


def snapshot(top):
    """Files, links (with their targets) and modification times under top."""
    out = {}
    for d, dirs, files in os.walk(top):
        for f in dirs + files:
            path = os.path.join(d, f)
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif os.path.isfile(path):
                with open(path, "rb") as fh:
                    out[rel] = ("file", fh.read(), st.st_mtime_ns)
            else:
                out[rel] = ("dir",)
    return out


def limit_file_size(kill):
    """For a child: files of at most 2 KiB; past that SIGXFSZ kills it
    (kill) or write fails with EFBIG."""
    def setup():
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL if kill else signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
    return setup


class Cluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        n = NET
        cls.servers = []
        cls.tmp = tempfile.mkdtemp(prefix="xmppcv-plan-")
        try:
            cls.servers += [
                Prosody(n + "1", "domain-san", s2s=None),
                Prosody(n + "2", "self-signed-cup2", s2s=None),
                Prosody(n + "3", "tomcat-cup3", s2s=None),
                Nginx([(n + "1", 18443, "plan-https-cup1"),
                       (n + "2", 18443, "self-signed-tomcat-cup2"),
                       (n + "3", 18443, "plan-no-inter-cup3")]),
            ]
        except Exception:
            cls.tearDownClass()
            raise
        cls.plan = os.path.join(cls.tmp, "plan")
        cls.code, cls.out, cls.err = run("scan", *scan_args(), "--trust-plan", cls.plan)
        code, out, err = run("scan", "--json", *scan_args())
        assert code == 1, err
        cls.saved = os.path.join(cls.tmp, "scan.json")
        with open(cls.saved, "w") as f:
            f.write(out)
        with open(os.path.join(cls.plan, "plan.json")) as f:
            cls.json = json.load(f)

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, name):
        path = os.path.join(self.tmp, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    # --- the plan ---

    def test_scan_writes_the_plan_and_says_what_it_holds(self):
        self.assertEqual(self.code, 1, self.err)   # the scan's own verdict
        self.assertIn("trust plan written to %s/" % self.plan, self.err)
        self.assertIn("  deploy 2 roots to Trusted Root Certification Authorities, "
                      "2 self-signed\n  certificates to Enterprise Trust; 0 public "
                      "roots already in the clients' store;\n  4 fixes on the servers\n",
                      self.err)
        self.assertRegex(self.err, r"cisco-jabber +6 prompts today, 3 after the plan")

    def test_files_hold_each_certificate_once_in_its_store(self):
        files = sorted(tree(self.plan))
        roots = [f for f in files if f.startswith("roots/")]
        trust = [f for f in files if f.startswith("enterprise-trust/")]
        self.assertEqual(len(roots), 2, files)
        self.assertEqual(len(trust), 2, files)
        self.assertEqual(sorted(subject_of_der(os.path.join(self.plan, f)) for f in roots),
                         ["CN=Corp Root CA,O=Corp Example", "CN=Other Root CA,O=Elsewhere"])
        self.assertEqual({subject_of_der(os.path.join(self.plan, f)) for f in trust},
                         {"CN=cup2.corp.example,O=Corp Example"})
        # Each DER file's fingerprint is the fixture's: the roots, and
        # the two self-signed certificates (never an intermediate).
        got = {hashlib.sha256(read(os.path.join(self.plan, f), "rb")).hexdigest()
               for f in roots + trust}
        self.assertEqual(got, {der_sha256("root-ca"), der_sha256("other-root-ca"),
                               der_sha256("self-signed-cup2"),
                               der_sha256("self-signed-tomcat-cup2")})
        self.assertNotIn(der_sha256("issuing-ca"), got)
        # Linux takes the same certificates as PEM, one file each.
        pems = [f for f in files if f.startswith("linux/certs/")]
        self.assertEqual(sorted(os.path.basename(f)[:-4] for f in pems),
                         sorted(os.path.basename(f)[:-4] for f in roots + trust))
        for f in pems:
            der = ssl.PEM_cert_to_DER_cert(read(os.path.join(self.plan, f)))
            self.assertIn(hashlib.sha256(der).hexdigest(), got)
        self.assertEqual(set(files) - set(roots + trust + pems), {
            "PLAN.md", "plan.json", "linux/install.sh", "java/keytool.sh",
            "macos/install.sh", "windows/Import-XmppTrust.ps1", "windows/certmgr.cmd",
            "windows/certutil.cmd", "windows/GPO.txt"})
        # Nothing beside the plan: no temporary or old folder left.
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith("plan.")], [])

    def test_plan_json_field_by_field(self):
        j = self.json
        self.assertEqual(j["store"], SYSTEM_STORE)
        by = {r["sha256"]: r for r in j["roots"]}
        self.assertEqual(set(by), {der_sha256("root-ca"), der_sha256("other-root-ca")})
        corp, other = by[der_sha256("root-ca")], by[der_sha256("other-root-ca")]
        self.assertEqual(corp["subject"], "CN=Corp Root CA,O=Corp Example")
        self.assertRegex(corp["file"], r"^roots/Corp-Root-CA-[0-9a-f]{8}\.cer$")
        self.assertEqual(corp["store"], ROOT_STORE)
        self.assertEqual(corp["nodes"], ["cup1.corp.example", "cup3.corp.example"])
        self.assertEqual(sorted(corp["services"]), ["c2s", "xmpps"])
        self.assertEqual(other["subject"], "CN=Other Root CA,O=Elsewhere")
        self.assertRegex(other["file"], r"^roots/Other-Root-CA-[0-9a-f]{8}\.cer$")
        self.assertEqual(other["store"], ROOT_STORE)
        self.assertEqual(other["nodes"], ["cup1.corp.example"])
        self.assertEqual(other["services"], ["https"])
        et = {e["sha256"]: e for e in j["enterprise_trust"]}
        self.assertEqual(set(et), {der_sha256("self-signed-cup2"),
                                   der_sha256("self-signed-tomcat-cup2")})
        xmpp, https = et[der_sha256("self-signed-cup2")], et[der_sha256("self-signed-tomcat-cup2")]
        for e in (xmpp, https):
            self.assertEqual(e["store"], "Enterprise Trust")
            self.assertEqual(e["subject"], "CN=cup2.corp.example,O=Corp Example")
            self.assertEqual(e["nodes"], ["cup2.corp.example"])
            self.assertRegex(e["file"], r"^enterprise-trust/cup2\.corp\.example-[0-9a-f]{8}\.cer$")
            self.assertTrue(e["file"].endswith(e["sha256"][:8] + ".cer"))
            self.assertTrue(os.path.isfile(os.path.join(self.plan, e["file"])))
        self.assertEqual(sorted(xmpp["services"]), ["c2s", "xmpps"])
        self.assertEqual(https["services"], ["https"])
        self.assertEqual(j["public_roots"], [])
        fixes = {(f["node"], f["service"], f["problem"]) for f in j["server_fixes"]}
        self.assertEqual(fixes - {f for f in fixes if f[2] == "same-subject"}, {
            ("cup3.corp.example", "c2s", "mismatch"),
            ("cup3.corp.example", "xmpps", "mismatch"),
            ("cup3.corp.example", "https", "missing-intermediate")})
        same = [f for f in j["server_fixes"] if f["problem"] == "same-subject"]
        # The second of cup2's certificates: its endpoints are named.
        self.assertTrue(same)
        self.assertEqual({f["node"] for f in same}, {"cup2.corp.example"})
        services = {f["service"] for f in same}
        self.assertIn(services, ({"https"}, {"c2s", "xmpps"}))
        for f in j["server_fixes"]:
            self.assertTrue(f["fix"])
        missing = next(f for f in j["server_fixes"] if f["problem"] == "missing-intermediate")
        self.assertIn("CN=Corp Issuing CA,O=Corp Example", missing["fix"])
        self.assertIn("install the intermediate CA certificate on the server", missing["fix"])

    def verdicts(self, bundle, verdict="prompts"):
        """{client: distinct server certificates it prompts about (or
        another verdict)} with bundle as the clients' store, from `verify
        --clients all` of each certificate the servers presented."""
        counts, seen = {}, set()
        lines = [json.loads(line) for line in read(self.saved).splitlines()]
        for e in lines:
            if "summary" in e or not e.get("chain", {}).get("built"):
                continue
            pem = "".join(c["pem"] for c in e["chain"]["built"])
            leaf = e["chain"]["built"][0]["pem"]
            if leaf in seen:
                continue
            seen.add(leaf)
            path = os.path.join(self.tmp, "endpoint.pem")
            with open(path, "w") as f:
                f.write(pem)
            service = ["--service", "https", "--domain", e["node"]] \
                if e["service"] == "https" else ["--domain", "corp.example"]
            code, out, err = run("verify", "--json", "--at", AT,
                                 "--no-system-ca", "--ca-file", bundle, "--clients",
                                 "all", *service, path)
            self.assertIn(code, (0, 1), err)
            for c in json.loads(out.splitlines()[0])["clients"]:
                counts.setdefault(c["client"], 0)
                counts[c["client"]] += c["verdict"] == verdict
        return counts

    def test_prompt_counts_before_and_after(self):
        before, after = self.json["prompts_before"], self.json["prompts_after"]
        # The seed's client asks about each of the six server certificates
        # today; after the plan, about cup3's two (a name, an
        # intermediate: server fixes) and one of cup2's same-subject pair.
        self.assertEqual(before["cisco-jabber"], 6)
        self.assertEqual(after["cisco-jabber"], 3)
        # Every profile's counts are those of verifying each distinct
        # certificate with the store before, and with the plan's
        # certificates added (in the plan's order).
        # Profiles that never prompt are left out of both.
        self.assertEqual(set(after), set(before))
        got = self.verdicts(SYSTEM_STORE)
        self.assertEqual(before, {k: n for k, n in got.items() if k in before})
        self.assertEqual({k: n for k, n in got.items() if k not in before and n},
                         {})
        prompting = set(before)
        bundle = os.path.join(self.tmp, "after.pem")
        with open(bundle, "w") as out:
            out.write(read(SYSTEM_STORE))
            for e in self.json["roots"] + self.json["enterprise_trust"]:
                der = read(os.path.join(self.plan, e["file"]), "rb")
                out.write(ssl.DER_cert_to_PEM_cert(der))
        got = self.verdicts(bundle)
        self.assertEqual(after, {k: got[k] for k in prompting})
        got = self.verdicts(bundle, "fails")
        self.assertEqual(self.json["refused_after"], {k: got[k] for k in prompting})
        # cup3's name: clients that refuse a mismatch outright still do.
        self.assertGreater(sum(self.json["refused_after"].values()), 0)
        for k in prompting:
            self.assertLessEqual(after[k], before[k], k)

    def test_plan_md_for_people(self):
        md = read(os.path.join(self.plan, "PLAN.md"))
        for e in self.json["roots"] + self.json["enterprise_trust"]:
            self.assertIn("| %s | %s | %s |" % (e["file"], e["subject"], e["sha256"]), md)
        self.assertIn("| cisco-jabber | Cisco Jabber, Cisco UC Integration for IBM "
                      "Sametime | 6 | 3 |", md)
        self.assertIn("## What the plan cannot fix", md)
        self.assertIn("- cup3.corp.example c2s (mismatch): the certificate does not "
                      "name corp.example", md)
        self.assertIn("- cup3.corp.example https (missing-intermediate)", md)
        self.assertIn("### Not deployed: already in the clients' store\n\n"
                      "Public roots the clients trust already.\n\nNone.", md)

    def test_windows_files_name_the_stores_and_files(self):
        roots = [e["file"] for e in self.json["roots"]]
        trust = [e["file"] for e in self.json["enterprise_trust"]]
        win = {n: read(os.path.join(self.plan, "windows", n), "rb").decode()
               for n in ("Import-XmppTrust.ps1", "certmgr.cmd", "certutil.cmd", "GPO.txt")}
        for text in win.values():
            self.assertNotIn("\n", text.replace("\r\n", ""), "every line ends in CR LF")

        def lines(name, pattern):
            return re.findall(pattern, win[name])

        self.assertEqual(sorted(lines("Import-XmppTrust.ps1",
                                      r"Import-Certificate -FilePath \(Join-Path \$plan "
                                      r"'([^']+)'\) -CertStoreLocation "
                                      r"'Cert:\\LocalMachine\\(\w+)'")),
                         sorted([(f.replace("/", "\\"), "Root") for f in roots] +
                                [(f.replace("/", "\\"), "Trust") for f in trust]))
        self.assertEqual(sorted(lines("certmgr.cmd", r"CertMgr\.exe /add (\S+) /s /r "
                                      r"localMachine (\w+) \|\| exit /b 1\r\n")),
                         sorted([(f.replace("/", "\\"), "root") for f in roots] +
                                [(f.replace("/", "\\"), "trust") for f in trust]))
        self.assertEqual(sorted(lines("certutil.cmd",
                                      r"certutil -addstore -f (\w+) (\S+) \|\| exit /b 1\r\n")),
                         sorted([("Root", f.replace("/", "\\")) for f in roots] +
                                [("Trust", f.replace("/", "\\")) for f in trust]))
        self.assertIn("CertMgr.msc", win["certmgr.cmd"])   # says it is not that one
        gpo = win["GPO.txt"]
        self.assertIn("Computer Configuration >\r\nPolicies > Windows Settings > "
                      "Security Settings > Public Key Policies", gpo)
        root_at = gpo.index("- Trusted Root Certification Authorities:")
        trust_at = gpo.index("- Enterprise Trust:")
        for f in roots:
            self.assertTrue(root_at < gpo.index(f.replace("/", "\\")) < trust_at, f)
        for f in trust:
            self.assertGreater(gpo.index(f.replace("/", "\\")), trust_at, f)
        # No intermediate, and nothing a scan left out, anywhere.
        for text in win.values():
            self.assertNotIn("Issuing", text)

    def test_unix_scripts(self):
        for name in ("linux/install.sh", "java/keytool.sh", "macos/install.sh"):
            path = os.path.join(self.plan, name)
            self.assertTrue(os.access(path, os.X_OK), name)
            p = subprocess.run(["sh", "-n", path], capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
        files = [e["file"] for e in self.json["roots"] + self.json["enterprise_trust"]]
        java = read(os.path.join(self.plan, "java/keytool.sh"))
        self.assertIn("keytool -importcert -noprompt -trustcacerts", java)
        self.assertIn("-storepass:env STOREPASS", java)
        self.assertNotIn("-storepass \"", java)   # never on the command line
        self.assertEqual(sorted(re.findall(r"^add xmppcv-\S+ (\S+)$", java, re.M)), sorted(files))
        mac = read(os.path.join(self.plan, "macos/install.sh"))
        self.assertEqual(sorted(re.findall(r'^security add-trusted-cert -d -r trustRoot -k '
                                           r'"\$kc" "\$here/(\S+)"$', mac, re.M)),
                         sorted(files))

    # --- other ways to the plan ---

    def plan_from(self, text, name):
        """`trust plan --from` the JSON lines text (saved as NAME.json)
        into a fresh folder NAME: (folder, its plan.json, stderr)."""
        saved = os.path.join(self.tmp, name + ".json")
        with open(saved, "w") as f:
            f.write(text)
        plan = self.fresh(name)
        code, _, err = run("trust", "plan", "--from", saved, "--at", AT, plan)
        self.assertEqual(code, 0, err)
        return plan, json.loads(read(os.path.join(plan, "plan.json"))), err

    def test_from_a_saved_scan_the_same_plan(self):
        again = self.fresh("again")
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT, again)
        self.assertEqual(code, 0, err)
        self.assertEqual(tree(again), tree(self.plan))

    def test_from_standard_input(self):
        again = self.fresh("stdin")
        with open(self.saved, "rb") as f:
            p = subprocess.run([XMPPCV, "trust", "plan", "--from", "-", "--at", AT, again],
                               stdin=f, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(tree(again), tree(self.plan))

    def test_from_verified_files(self):
        files = [cert("domain-san.chain.pem"), cert("self-signed-cup2.chain.pem")]
        code, out, err = run("verify", "--json", "--at", AT, "--no-system-ca", "--ca-file",
                             cert("root-ca.crt"), "--domain", "corp.example", *files)
        self.assertEqual(code, 1, err)
        _, j, _ = self.plan_from(out, "verified")
        self.assertEqual([(r["sha256"], r["nodes"], r["services"]) for r in j["roots"]],
                         [(der_sha256("root-ca"), [files[0]], ["c2s"])])
        self.assertEqual([(e["sha256"], e["nodes"]) for e in j["enterprise_trust"]],
                         [(der_sha256("self-signed-cup2"), [files[1]])])
        self.assertEqual(j["prompts_before"]["cisco-jabber"], 2)
        self.assertEqual(j["prompts_after"]["cisco-jabber"], 0)

    def test_accepted_certificates_do_not_change_the_plan(self):
        store = self.fresh("store")
        for name in ("self-signed-cup2", "plan-no-inter-cup3", "tomcat-cup3"):
            code, _, err = run("trust", "add", cert(name + ".crt"), "--domain",
                               "corp.example", "--store", store)
            self.assertEqual(code, 0, err)
        accepted = self.fresh("accepted")
        args = [a for a in scan_args() if a != "--no-store"]
        code, out, err = run("scan", "--store", store, *args, "--trust-plan", accepted)
        self.assertIn(code, (0, 1), err)
        self.assertEqual(json.loads(read(os.path.join(accepted, "plan.json"))), self.json)

    def test_endpoints_without_a_certificate_are_named(self):
        closed = json.dumps({"node": "cup4.corp.example", "service": "c2s",
                             "verdict": "closed", "ok": False})
        plan, _, err = self.plan_from(read(self.saved) + closed + "\n", "closed")
        self.assertIn("left out: 1 endpoint that gave no certificate", err)
        self.assertIn("- left out, for they gave no certificate: cup4.corp.example c2s\n",
                      read(os.path.join(plan, "PLAN.md")))

    def test_server_to_server_is_left_out(self):
        lines = [json.loads(line) for line in read(self.saved).splitlines()]
        for o in lines:
            if o.get("service") == "c2s":
                o["service"] = "s2s"
        plan, j, _ = self.plan_from("".join(json.dumps(o) + "\n" for o in lines), "s2s")
        for e in j["roots"] + j["enterprise_trust"]:
            self.assertNotIn("s2s", e["services"])
        self.assertNotIn("c2s", {f["service"] for f in j["server_fixes"]})
        self.assertIn("- server-to-server certificates: left out; federating servers "
                      "judge them, not\n  users' clients\n",
                      read(os.path.join(plan, "PLAN.md")))

    def test_an_intermediate_among_the_anchors_is_still_missing(self):
        # With the intermediate given to xmppcv, cup3's HTTPS chain is
        # built to the root; its server still does not send it.
        code, out, err = run("scan", "--json", *scan_args(), "--ca-file",
                             cert("issuing-ca.crt"))
        self.assertEqual(code, 1, err)
        _, j, _ = self.plan_from(out, "with-intermediate")
        missing = [f for f in j["server_fixes"] if f["problem"] == "missing-intermediate"]
        self.assertEqual([(f["node"], f["service"]) for f in missing],
                         [("cup3.corp.example", "https")])
        self.assertIn("CN=Corp Issuing CA,O=Corp Example", missing[0]["fix"])
        # The root is planned for it too; the intermediate never is.
        corp = next(r for r in j["roots"] if r["sha256"] == der_sha256("root-ca"))
        self.assertIn("cup3.corp.example", corp["nodes"])
        self.assertIn("https", corp["services"])
        for e in j["roots"] + j["enterprise_trust"]:
            self.assertNotEqual(e["sha256"], der_sha256("issuing-ca"))
        # Clients are still asked about it after the plan: same counts.
        self.assertEqual(j["prompts_after"], self.json["prompts_after"])
        self.assertEqual(j["refused_after"], self.json["refused_after"])

    def test_direct_tls_the_same_live_and_saved(self):
        live = self.fresh("direct-live")
        args = [*TRUST, "--direct-tls", "--domain", "corp.example", NET + "1:15223"]
        code, out, err = run("check", *args, "--trust-plan", live)
        self.assertEqual(code, 0, err)
        code, out, err = run("check", "--json", *args)
        again, _, _ = self.plan_from(out, "direct-saved")
        j = json.loads(read(os.path.join(live, "plan.json")))
        self.assertEqual(j["roots"][0]["services"], ["xmpps"])
        self.assertEqual(tree(live), tree(again))

    def test_dates_not_yet_valid_are_named_as_such(self):
        early = self.fresh("early")
        code, _, err = run("trust", "plan", "--from", self.saved, "--at",
                           "2025-12-01T00:00:00Z", early)
        self.assertEqual(code, 0, err)
        j = json.loads(read(os.path.join(early, "plan.json")))
        problems = {f["problem"] for f in j["server_fixes"]}
        self.assertIn("not-yet-valid", problems)
        self.assertNotIn("expired", problems)

    def test_check_writes_a_plan_for_its_node(self):
        one = self.fresh("check")
        code, out, err = run("check", *TRUST, "--domain", "corp.example", "--trust-plan",
                             one, NET + "1:15222")
        self.assertEqual(code, 0, err)
        j = json.loads(read(os.path.join(one, "plan.json")))
        self.assertEqual([r["sha256"] for r in j["roots"]], [der_sha256("root-ca")])
        self.assertEqual(j["roots"][0]["nodes"], [NET + "1:15222"])
        self.assertEqual(j["enterprise_trust"], [])
        self.assertEqual(j["prompts_before"]["cisco-jabber"], 1)
        self.assertEqual(j["prompts_after"]["cisco-jabber"], 0)

    def test_a_public_root_is_left_to_the_store(self):
        bundle = os.path.join(self.tmp, "with-corp-root.pem")
        with open(bundle, "w") as f:
            f.write(read(SYSTEM_STORE) + read(cert("root-ca.crt")))
        public = self.fresh("public")
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT,
                             "--system-store", bundle, public)
        self.assertEqual(code, 0, err)
        j = json.loads(read(os.path.join(public, "plan.json")))
        self.assertEqual([r["sha256"] for r in j["roots"]], [der_sha256("other-root-ca")])
        self.assertEqual([r["sha256"] for r in j["public_roots"]], [der_sha256("root-ca")])
        self.assertEqual(j["public_roots"][0]["store"], "already in the clients' store")
        self.assertIsNone(j["public_roots"][0]["file"])
        self.assertFalse([f for f in os.listdir(os.path.join(public, "roots"))
                          if f.startswith("Corp-Root")])
        md = read(os.path.join(public, "PLAN.md"))
        self.assertIn("### Not deployed: already in the clients' store", md)
        self.assertIn("| - | CN=Corp Root CA,O=Corp Example | %s |" % der_sha256("root-ca"), md)
        # cup1's XMPP certificate no longer prompts today.
        self.assertEqual(j["prompts_before"]["cisco-jabber"], 5)

    # --- the folder: never half-written, never overwritten unasked ---

    def test_a_folder_that_is_not_empty_is_kept(self):
        keep = self.fresh("keep")
        os.makedirs(keep)
        with open(os.path.join(keep, "notes.txt"), "w") as f:
            f.write("mine\n")
        code, out, err = run("trust", "plan", "--from", self.saved, keep)
        self.assertEqual(code, 2)
        self.assertIn("xmppcv: trust plan: %s is not empty; nothing was written\n"
                      "xmppcv: --force replaces an earlier plan\n" % keep, err)
        self.assertEqual(tree(keep), {"notes.txt": b"mine\n"})
        # scan says so before it scans.
        code, out, err = run("scan", *scan_args(), "--trust-plan", keep)
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertIn("--force", err)
        # --force replaces an earlier plan, never a folder of something else.
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT,
                             "--force", keep)
        self.assertEqual(code, 2)
        self.assertIn("%s is not a trust plan (it has no plan.json that xmppcv "
                      "wrote); nothing was overwritten" % keep, err)
        self.assertEqual(tree(keep), {"notes.txt": b"mine\n"})
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith("keep.")], [])

    def test_force_replaces_an_earlier_plan_whole(self):
        old = self.fresh("old")
        shutil.copytree(self.plan, old)
        os.remove(os.path.join(old, "PLAN.md"))
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT,
                             "--force", old)
        self.assertEqual(code, 0, err)
        self.assertEqual(tree(old), tree(self.plan))
        self.assertEqual(os.stat(old).st_mode & 0o777, 0o755)
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith("old.")], [])

    def test_force_never_removes_what_a_plan_does_not_hold(self):
        # A plan someone added to, and a folder with another tool's
        # plan.json: kept whole.
        added = self.fresh("added")
        shutil.copytree(self.plan, added)
        os.makedirs(os.path.join(added, "roots", "mine"))
        with open(os.path.join(added, "roots", "mine", "notes.txt"), "w") as f:
            f.write("mine\n")
        other = self.fresh("other-tool")
        os.makedirs(other)
        with open(os.path.join(other, "plan.json"), "w") as f:
            f.write('{"format_version": "1.2"}\n')
        with open(os.path.join(other, "main.tf"), "w") as f:
            f.write("resource\n")
        for folder, said in ((added, "%s holds roots/mine, which a trust plan does "
                              "not; nothing was overwritten" % added),
                             (other, "%s is not a trust plan (it has no plan.json that "
                              "xmppcv wrote); nothing was overwritten" % other)):
            before = tree(folder)
            code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT,
                                 "--force", folder)
            self.assertEqual(code, 2, err)
            self.assertIn(said, err)
            self.assertEqual(tree(folder), before)

    def test_a_trailing_slash_names_the_same_folder(self):
        slash = self.fresh("slash")
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT,
                             slash + "/")
        self.assertEqual(code, 0, err)
        self.assertEqual(tree(slash), tree(self.plan))
        self.assertEqual(os.stat(slash).st_mode & 0o777, 0o755)

    def test_a_symbolic_link_is_not_followed(self):
        target = self.fresh("target")
        shutil.copytree(self.plan, target)
        link = os.path.join(self.tmp, "link")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(target, link)
        for extra in ([], ["--force"]):
            code, out, err = run("trust", "plan", "--from", self.saved, *extra, link)
            self.assertEqual(code, 2, err)
            self.assertIn("exists and is not a folder (a symbolic link)", err)
        self.assertEqual(tree(target), tree(self.plan))
        self.assertTrue(os.path.islink(link))

    def test_an_empty_folder_is_used(self):
        empty = self.fresh("empty")
        os.makedirs(empty)
        code, out, err = run("trust", "plan", "--from", self.saved, "--at", AT, empty)
        self.assertEqual(code, 0, err)
        self.assertEqual(tree(empty), tree(self.plan))

    def test_a_killed_run_leaves_the_old_plan_whole(self):
        old = self.fresh("killed")
        shutil.copytree(self.plan, old)
        before = tree(old)
        p = subprocess.run([XMPPCV, "trust", "plan", "--from", self.saved, "--force",
                            "--system-store", cert("root-ca.crt"), old],
                           capture_output=True, timeout=60, preexec_fn=limit_file_size(True))
        self.assertEqual(p.returncode, -signal.SIGXFSZ, p.stderr)
        self.assertEqual(tree(old), before)
        # What it began lies beside, named as a temporary folder.
        for n in os.listdir(self.tmp):
            if n.startswith("killed."):
                self.assertRegex(n, r"^killed\.tmp-\w{6}$")
                shutil.rmtree(os.path.join(self.tmp, n))
        fresh = self.fresh("killed-new")
        p = subprocess.run([XMPPCV, "trust", "plan", "--from", self.saved, fresh],
                           capture_output=True, timeout=60, preexec_fn=limit_file_size(True))
        self.assertEqual(p.returncode, -signal.SIGXFSZ)
        self.assertFalse(os.path.exists(fresh))
        for n in os.listdir(self.tmp):
            if n.startswith("killed-new."):
                shutil.rmtree(os.path.join(self.tmp, n))

    def test_a_full_disk_is_an_error_and_leaves_nothing(self):
        full = self.fresh("full")
        p = subprocess.run([XMPPCV, "trust", "plan", "--from", self.saved, full],
                           capture_output=True, timeout=60, preexec_fn=limit_file_size(False))
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 2, err)
        self.assertIn("File too large", err)
        self.assertFalse(os.path.exists(full))
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith("full.")], [])

    def test_bad_input(self):
        bad = os.path.join(self.tmp, "bad.json")
        lines = read(self.saved).splitlines()
        with open(bad, "w") as f:
            f.write(lines[0] + "\n{not json\n")
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("xmppcv: trust plan: %s, line 2: " % bad, err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad")))
        # A scan saved without the certificates' PEM.
        o = json.loads(lines[0])
        for c in o["chain"]["built"]:
            del c["pem"]
        with open(bad, "w") as f:
            f.write(json.dumps(o) + "\n")
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("without its PEM", err)
        # Lines without a server certificate to plan for (s2s only).
        o = json.loads(lines[0])
        o["service"] = "s2s"
        with open(bad, "w") as f:
            f.write(json.dumps(o) + "\n")
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("nothing to plan for: no c2s, xmpps or https endpoint gave a "
                      "certificate", err)
        # Objects that are not xmppcv's output are errors, never passed over.
        with open(bad, "w") as f:
            f.write(lines[0] + "\n" + '{"a": 1}\n')
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("line 2: not a line of check, scan or verify --json (it has no "
                      "verdict)", err)
        with open(bad, "w") as f:
            f.write("[1, 2]\n")
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("xmppcv: trust plan: %s, line 1: not a JSON object from check, "
                      "scan or verify --json\n" % bad, err)
        open(bad, "w").close()
        code, out, err = run("trust", "plan", "--from", bad, self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("is empty", err)
        code, out, err = run("trust", "plan", "--from", os.path.join(self.tmp, "nothing"),
                             self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("cannot read", err)
        code, out, err = run("trust", "plan", "--from", self.saved, "--system-store",
                             os.path.join(self.tmp, "nothing"), self.fresh("bad"))
        self.assertEqual(code, 2)
        self.assertIn("--system-store", err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad")))

    # --- applied on Linux: real clients through the scratch store ---

    def scratch_store(self):
        """A trust store of its own: Debian's certificates (as
        ca-certificates.conf selects them) in an /etc/ssl/certs of its
        own, made by update-ca-certificates; no hooks run."""
        top = self.fresh("scratch")
        for d in ("local", "etc", "hooks"):
            os.makedirs(os.path.join(top, d))
        shutil.copy("/etc/ca-certificates.conf", os.path.join(top, "certs.conf"))
        args = "--certsconf %s/certs.conf --certsdir /usr/share/ca-certificates " \
               "--localcertsdir %s/local --etccertsdir %s/etc --hooksdir %s/hooks" % \
               (top, top, top, top)
        p = subprocess.run("update-ca-certificates " + args, shell=True,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        env = dict(os.environ, XMPPCV_CA_DIR=os.path.join(top, "local", "xmppcv"),
                   XMPPCV_UPDATE_ARGS=args)
        return top, os.path.join(top, "etc"), env

    def s_client(self, capath, ip, port, name, xmpp):
        argv = ["openssl", "s_client", "-connect", "%s:%d" % (ip, port), "-CApath", capath,
                "-no-CAfile", "-no-CAstore", "-verify_return_error",
                "-verify_hostname", name]
        if xmpp:
            argv += ["-starttls", "xmpp", "-xmpphost", name]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=30)
        m = re.search(r"Verify return code: (\d+)", p.stdout)
        return p.returncode == 0 and m is not None and m.group(1) == "0"

    def python_ssl(self, capath, ip, port, name, xmpp):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)   # no default store
        ctx.load_verify_locations(capath=capath)
        s = starttls_socket(ip, port, name) if xmpp else \
            socket.create_connection((ip, port), timeout=10)
        try:
            with ctx.wrap_socket(s, server_hostname=name):
                return True
        except ssl.SSLCertVerificationError:
            return False
        finally:
            s.close()

    def strophe(self, capath, ip):
        p = subprocess.run([STROPHE_DECIDE, capath, ip, "15222", "corp.example"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip().split("\t", 1)[1] == "ok"

    def clients(self, capath):
        """{(node, service, client): connects without a trust error}."""
        out = {}
        for i, node in enumerate(NODES, 1):
            ip = NET + str(i)
            out[node, "c2s", "openssl"] = self.s_client(capath, ip, 15222, "corp.example", True)
            out[node, "c2s", "python"] = self.python_ssl(capath, ip, 15222, "corp.example", True)
            out[node, "c2s", "libstrophe"] = self.strophe(capath, ip)
            out[node, "https", "openssl"] = self.s_client(capath, ip, 18443, node, False)
            out[node, "https", "python"] = self.python_ssl(capath, ip, 18443, node, False)
        return out

    def test_linux_install_into_a_scratch_store(self):
        top, capath, env = self.scratch_store()
        before = self.clients(capath)
        self.assertEqual([k for k, ok in before.items() if ok], [],
                         "before the plan, no client trusts any of these servers")
        script = os.path.join(self.plan, "linux", "install.sh")
        p = subprocess.run([script], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("installed in %s/local/xmppcv" % top, p.stdout)
        after = self.clients(capath)
        for client in ("openssl", "python", "libstrophe"):
            self.assertTrue(after["cup1.corp.example", "c2s", client], client)
            # What the plan cannot fix fails as PLAN.md says.
            self.assertFalse(after["cup3.corp.example", "c2s", client], client)
        for client in ("openssl", "python"):
            self.assertTrue(after["cup1.corp.example", "https", client], client)
            self.assertFalse(after["cup3.corp.example", "https", client], client)
            # cup2's two self-signed certificates share a subject: the
            # store trusts one of them, and the plan names the other as
            # a server fix.
            self.assertEqual(after["cup2.corp.example", "c2s", client] +
                             after["cup2.corp.example", "https", client], 1, client)
        # Idempotent: the second run changes nothing at all.
        self.assertFalse([n for n in os.listdir(os.path.join(top, "local", "xmppcv"))
                          if n.startswith(".")], "the pending mark is cleared")
        state = snapshot(top)
        time.sleep(0.05)
        p = subprocess.run([script], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nothing changed", p.stdout)
        self.assertEqual(snapshot(top), state)
        self.assertEqual(self.clients(capath), after)


    def test_linux_install_finishes_a_failed_update_on_the_next_run(self):
        top, capath, env = self.scratch_store()
        script = os.path.join(self.plan, "linux", "install.sh")
        # An update that fails: its /etc/ssl/certs is missing.
        broken = dict(env, XMPPCV_UPDATE_ARGS=env["XMPPCV_UPDATE_ARGS"].replace(
            "--etccertsdir %s/etc" % top, "--etccertsdir %s/missing" % top))
        p = subprocess.run([script], env=broken, capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("failed; run this again", p.stderr)
        self.assertFalse(self.s_client(capath, NET + "1", 15222, "corp.example", True))
        # The certificates are in place; the next run updates all the same.
        p = subprocess.run([script], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("installed in", p.stdout)
        self.assertTrue(self.s_client(capath, NET + "1", 15222, "corp.example", True))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
