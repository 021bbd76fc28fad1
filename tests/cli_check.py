#!/usr/bin/env python3
"""`xmppcv check` against real Prosody and scripted peers on loopback.

Usage: cli_check.py CLASS   (XMPPCV and FIXTURES come from the environment)
Every server is started here and stopped by its PID; every wait is bounded.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import shutil
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Nginx, Peer, Prosody, cert, closed_port, stop_pid  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
AT = "2026-06-01T00:00:00Z"
TRUST = ["--no-system-ca", "--ca-file", cert("root-ca.crt"), "--at", AT]


def run(*args, timeout=60):
    """Run xmppcv; return (exit, stdout, stderr, seconds, peak RSS KiB)."""
    start = time.monotonic()
    p = subprocess.Popen([XMPPCV, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_pid(p)
        raise AssertionError("xmppcv did not finish within %d s: %r" % (timeout, args))
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN,
    # so measure RSS with a second, identical run only where a test asks.
    err = err.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    if p.returncode < 0:
        raise AssertionError("xmppcv killed by signal %d: %r" % (-p.returncode, args))
    return p.returncode, out.decode("utf-8", "replace"), err, time.monotonic() - start


def peak_rss(*args, timeout=60):
    """Peak RSS (KiB) of one xmppcv run, measured by GNU time (wait4() on a
    child forked from Python would count Python's pages from before exec)."""
    with tempfile.NamedTemporaryFile() as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name, XMPPCV, *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        return int(open(f.name).read().split()[-1])


def check_json(*args, timeout=60):
    code, out, err, secs = run("check", "--json", *args, timeout=timeout)
    lines = [l for l in out.splitlines() if l.strip()]
    if len(lines) != 1:
        raise AssertionError("expected one JSON line, got %r (stderr %s)" % (out, err))
    return code, json.loads(lines[0]), err, secs


class ProsodyLive(unittest.TestCase):
    """Real Prosody from Debian, one instance per certificate situation."""

    NODES = {
        "domain-san": "127.0.10.1", "fqdn-only": "127.0.10.2",
        "self-signed": "127.0.10.3", "xmppaddr-only": "127.0.10.4",
        "srvname-only": "127.0.10.5", "s2s-srvname": "127.0.10.6",
        "expired": "127.0.10.7",
    }

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            for name, ip in cls.NODES.items():
                cls.servers.append(Prosody(ip, name))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def node(self, name, port=15222, *extra, host="cup1.corp.example"):
        ip = self.NODES[name]
        return check_json(*TRUST, "--resolve", "%s:%d:%s" % (host, port, ip), *extra,
                          "%s:%d" % (host, port))

    def test_domain_named_discovered_through_host_unknown(self):
        code, o, err, _ = self.node("domain-san")
        self.assertEqual(code, 0, err)
        self.assertTrue(o["ok"])
        self.assertEqual(o["domain"], "corp.example")
        d = o["discovery"]
        self.assertEqual(d["source"], "accepted")
        self.assertEqual([(a["to"], a["outcome"]) for a in d["attempts"]],
                         [("cup1.corp.example", "host-unknown"), ("corp.example", "accepted")])
        self.assertIn("does not serve cup1.corp.example", d["attempts"][0]["detail"])
        self.assertEqual(o["tls"]["mode"], "starttls")
        self.assertEqual(o["tls"]["sni"], "corp.example")
        self.assertRegex(o["tls"]["version"], r"^TLSv1\.[23]$")
        self.assertTrue(o["tls"]["cipher"])
        self.assertEqual(o["address"], "127.0.10.1:15222")
        self.assertEqual(o["identity"]["field"], "dnsName")
        self.assertEqual(len(o["chain"]["certs"]), 2)

    def test_fqdn_only_is_a_mismatch_with_advice(self):
        code, o, _, _ = self.node("fqdn-only")
        self.assertEqual(code, 1)
        self.assertEqual(o["domain"], "corp.example")
        self.assertFalse(o["identity"]["matched"])
        self.assertTrue(o["chain"]["trusted"])
        self.assertIn("Use Domain Name for XMPP Certificate Subject Alternative Name",
                      " ".join(o["advice"]))

    def test_private_ca_with_intermediate(self):
        ip = self.NODES["domain-san"]
        code, o, _, _ = check_json("--no-system-ca", "--at", AT, "--resolve",
                                   "cup1.corp.example:15222:" + ip, "cup1.corp.example:15222")
        self.assertEqual(code, 1)
        self.assertFalse(o["chain"]["trusted"])
        self.assertIn("Corp Root CA", o["chain"]["error"])
        self.assertIn("Trusted Root Certification Authorities", " ".join(o["advice"]))
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(cert("root-ca.crt"), d)
            code, o, _, _ = check_json("--no-system-ca", "--at", AT, "--ca-path", d,
                                       "--resolve", "cup1.corp.example:15222:" + ip,
                                       "cup1.corp.example:15222")
            self.assertEqual(code, 0)
            self.assertEqual([c["subject"] for c in o["chain"]["built"]][-1],
                             "CN=Corp Root CA,O=Corp Example")

    def test_self_signed(self):
        code, o, _, _ = self.node("self-signed")
        self.assertEqual(code, 1)
        self.assertIn("self-signed", o["chain"]["error"])
        self.assertTrue(o["identity"]["matched"])

    def test_xmppaddr_only(self):
        code, o, _, _ = self.node("xmppaddr-only")
        self.assertEqual(code, 0)
        self.assertEqual((o["identity"]["field"], o["identity"]["value"]),
                         ("xmppAddr", "corp.example"))

    def test_srvname_only(self):
        code, o, _, _ = self.node("srvname-only")
        self.assertEqual(code, 0)
        self.assertEqual((o["identity"]["field"], o["identity"]["value"]),
                         ("srvName", "_xmpp-client.corp.example"))

    def test_s2s(self):
        code, o, err, _ = self.node("s2s-srvname", 15269, "--service", "s2s")
        self.assertEqual(code, 0, err)
        self.assertEqual(o["service"], "s2s")
        self.assertEqual(o["identity"]["value"], "_xmpp-server.corp.example")
        # The same certificate does not serve clients.
        code, o, _, _ = self.node("s2s-srvname")
        self.assertEqual(code, 1)

    def test_expired_at_pinned_time(self):
        code, o, _, _ = self.node("expired")
        self.assertEqual(code, 1)
        self.assertIn("expired on 2026-03-01", o["chain"]["error"])

    def test_direct_tls_discovers_by_sni(self):
        code, o, err, _ = self.node("domain-san", 15223, "--direct-tls")
        self.assertEqual(code, 0, err)
        self.assertEqual(o["tls"]["mode"], "direct")
        self.assertEqual([a["outcome"] for a in o["discovery"]["attempts"]],
                         ["unrecognized-name", "accepted"])

    def test_jid_target_uses_the_jid_domain(self):
        ip = self.NODES["domain-san"]
        code, o, _, _ = check_json(*TRUST, "--resolve", "corp.example:15222:" + ip,
                                   "alice@corp.example/phone")
        self.assertEqual(code, 0)
        self.assertEqual([a["to"] for a in o["discovery"]["attempts"]], ["corp.example"])

    def test_given_domain_must_be_served(self):
        ip = self.NODES["domain-san"]
        code, o, _, _ = check_json(*TRUST, "--domain", "other.example", ip + ":15222")
        self.assertEqual(code, 3)
        self.assertEqual(o["error"]["phase"], "discovery")
        # The domain asked for, though the server does not serve it.
        self.assertEqual(o["domain"], "other.example")
        self.assertEqual(o["error"]["message"],
                         "the server does not serve other.example (host-unknown)")
        code, o, _, _ = check_json(*TRUST, "--domain", "CORP.example.", ip + ":15222")
        self.assertEqual(code, 0)
        self.assertEqual(o["discovery"]["source"], "given")

    def test_max_attempts_bounds_discovery(self):
        code, o, _, _ = self.node("domain-san", 15222, "--max-attempts", "1")
        self.assertEqual(code, 3)
        self.assertEqual(len(o["discovery"]["attempts"]), 1)
        self.assertEqual(o["error"]["phase"], "discovery")
        self.assertEqual(o["error"]["message"],
                         "the server does not serve cup1.corp.example (host-unknown)")
        code, o, _, _ = self.node("domain-san", 15222, "--max-attempts", "2", "--domain",
                                  "other.example")
        self.assertNotIn("none of the 1", o["error"]["message"])

    def test_the_wrong_service_for_the_port_is_named(self):
        # Prosody answers a jabber:server header on its c2s port with a
        # jabber:client stream, and goes on: without this, VERIFIED.
        code, o, err, _ = self.node("domain-san", 15222, "--service", "s2s")
        self.assertEqual(code, 3, err)
        self.assertEqual(o["error"]["phase"], "stream")
        self.assertIn("this port serves clients (c2s), not servers (s2s)",
                      o["error"]["message"])
        self.assertIn("5269", o["error"]["message"])
        code, o, err, _ = self.node("s2s-srvname", 15269)
        self.assertEqual(code, 3, err)
        self.assertIn("this port serves servers (s2s), not clients (c2s)",
                      o["error"]["message"])

    def test_text_report_order(self):
        ip = self.NODES["fqdn-only"]
        code, out, _, _ = run("check", *TRUST, "--resolve", "cup1.corp.example:15222:" + ip,
                              "cup1.corp.example:15222")
        lines = out.splitlines()
        self.assertEqual(code, 1)
        self.assertIn("NOT VERIFIED", lines[0])
        self.assertIn("MISMATCH", lines[1])
        # The fixtures name no CRL: revocation is not known, a note.
        self.assertTrue(lines[3].startswith("  revocation unknown: "), lines[3])
        self.assertTrue(lines[4].startswith("  domain     corp.example"))
        self.assertLess(out.index("tls        STARTTLS"), out.index("presented identities"))
        self.assertLess(out.index("presented identities"), out.index("what to do"))

    def test_several_targets_worst_status_wins(self):
        a, b = self.NODES["domain-san"], self.NODES["fqdn-only"]
        code, out, _, _ = run("check", "--json", *TRUST, "--domain", "corp.example",
                              a + ":15222", b + ":15222")
        self.assertEqual(code, 1)
        self.assertEqual([json.loads(l)["ok"] for l in out.splitlines()], [True, False])
        # In text, the reports end with the line scan ends with.
        code, out, _, _ = run("check", *TRUST, "--domain", "corp.example",
                              a + ":15222", b + ":15222")
        self.assertEqual(code, 1)
        self.assertIn("ERROR    domain-san-missing: the XMPP certificate of %s:15222 "
                      "does not name the XMPP domain" % b, out)
        self.assertEqual(out.splitlines()[-1],
                         "corp.example: 1 of 2 endpoints verified, 1 finding")


def s_client_ciphers(addr, version, *args):
    """The ciphers openssl s_client gets a handshake with, one cipher per
    connection (each alone in its ClientHello), for TLS 1.version."""
    flag = {"0": "-tls1", "1": "-tls1_1", "2": "-tls1_2", "3": "-tls1_3"}[version[-1]]
    if version == "1.3":
        names = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                 "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
                 "TLS_AES_128_CCM_8_SHA256"]
    else:
        names = subprocess.run(["openssl", "ciphers", "-s", flag,
                                "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                               capture_output=True, text=True, check=True).stdout.strip().split(":")

    def one(name):
        pick = ["-ciphersuites", name] if version == "1.3" else \
            ["-cipher", name + ":@SECLEVEL=0"]
        p = subprocess.run(["openssl", "s_client", "-connect", addr, flag, *pick, *args],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        return name if p.returncode == 0 else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return {n for n in pool.map(one, names) if n}


class Ciphers(unittest.TestCase):
    """Cipher suites, server order and DH groups, against real nginx: TLS
    1.2 with one cipher suite; and TLS 1.2 with DHE only, a 1024-bit DH
    group and the server's order. Each compared with openssl s_client
    asking the same server one cipher at a time."""

    NET = "127.0.27."

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-ciphers-")
        dh = os.path.join(cls.dir, "dh1024.pem")
        subprocess.run(["openssl", "dhparam", "-out", dh, "1024"], check=True,
                       capture_output=True, timeout=120)
        os.chmod(dh, 0o644)
        # nginx applies @SECLEVEL=0 before it loads the group, so Debian's
        # OpenSSL (level 2 by default) lets it serve a 1024-bit group.
        cls.nginx = Nginx([
            (cls.NET + "1", 15443, "rsa-domain",
             "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;"),
            (cls.NET + "2", 15443, "rsa-domain",
             "ssl_protocols TLSv1.2; ssl_prefer_server_ciphers on; "
             "ssl_ciphers DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"
             "DHE-RSA-AES128-SHA:@SECLEVEL=0; ssl_dhparam %s;" % dh),
            (cls.NET + "3", 15443, "rsa-domain",
             "ssl_protocols TLSv1.2; ssl_ciphers AES128-GCM-SHA256:NULL-SHA256:@SECLEVEL=0;"),
            # The client's order (nginx's default) and many ciphers.
            (cls.NET + "4", 15443, "rsa-domain",
             "ssl_protocols TLSv1.2; ssl_ciphers ALL:@SECLEVEL=0;"),
        ])

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, n):
        return check_json(*TRUST, "--service", "https", "--posture", "--resolve",
                          "cup2.corp.example:15443:%s%s" % (self.NET, n),
                          "cup2.corp.example:15443")

    def test_one_suite_on_tls12(self):
        code, o, err, _ = self.check("1")
        self.assertEqual(code, 0, err)
        p = o["posture"]
        self.assertEqual(p["tls_versions"], {"1.0": False, "1.1": False, "1.2": True,
                                             "1.3": False})
        got = p["ciphers"]["1.2"]
        self.assertEqual([c["name"] for c in got["accepted"]], ["ECDHE-RSA-AES128-GCM-SHA256"])
        self.assertTrue(got["complete"])
        self.assertIsNone(got["server_order"])   # one cipher: no order to see
        self.assertEqual(set(p["ciphers"]), {"1.2"})
        self.assertEqual({c["name"] for c in got["accepted"]},
                         s_client_ciphers(self.NET + "1:15443", "1.2"))
        self.assertEqual([f["code"] for f in p["findings"]], ["no-tls13"])
        self.assertIsNone(p["tls_stream"])

    def test_client_order_in_slices(self):
        # Once the server is seen to follow the client's order, what is
        # left is asked in slices side by side: the same list as one
        # question after another, in the order xmppcv offers (OpenSSL's
        # order of every cipher at level 0), each with its own key.
        code, o, err, _ = self.check("4")
        self.assertEqual(code, 0, err)
        got = o["posture"]["ciphers"]["1.2"]
        self.assertIs(got["server_order"], False)
        self.assertTrue(got["complete"])
        accepted = s_client_ciphers(self.NET + "4:15443", "1.2")
        self.assertGreaterEqual(len(accepted), 12, accepted)
        offered = subprocess.run(["openssl", "ciphers", "-s", "-tls1_2",
                                  "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], capture_output=True,
                                 text=True, check=True).stdout.strip().split(":")
        self.assertEqual([c["name"] for c in got["accepted"]],
                         [n for n in offered if n in accepted])
        for c in got["accepted"]:
            if c["name"].startswith("ECDHE-"):
                self.assertRegex(c["kx"] or "", r"^(X25519|ECDH )", c)
            elif "DH" not in c["name"].split("-")[0]:
                self.assertIsNone(c["kx"], c)
        # The groups too (TLS 1.2: the elliptic ones), in the order offered,
        # each one s_client gets a handshake with alone.
        groups = o["posture"]["groups"]
        self.assertEqual(groups["tls_version"], "1.2")
        self.assertTrue(groups["complete"])
        offered = ["x25519", "secp256r1", "x448", "secp384r1", "secp521r1"]

        def alone(g):
            p = subprocess.run(["openssl", "s_client", "-connect", self.NET + "4:15443",
                                "-tls1_2", "-groups", g], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=30)
            return p.returncode == 0
        self.assertEqual(groups["accepted"], [g for g in offered if alone(g)])
        self.assertGreaterEqual(len(groups["accepted"]), 3, groups)

    def test_weak_dh_and_server_order(self):
        code, o, err, _ = self.check("2")
        # The check's own handshake keeps OpenSSL's security level: the
        # group is too small for it (exit 3), and the posture says why.
        self.assertEqual(code, 3, err)
        self.assertIn("dh key too small", err)
        got = o["posture"]["ciphers"]["1.2"]
        # The server's order, as configured.
        self.assertEqual([c["name"] for c in got["accepted"]],
                         ["DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256",
                          "DHE-RSA-AES128-SHA"])
        self.assertIs(got["server_order"], True)
        self.assertEqual({c["kx"] for c in got["accepted"]}, {"DH 1024"})
        self.assertEqual({c["name"] for c in got["accepted"]},
                         s_client_ciphers(self.NET + "2:15443", "1.2"))
        # s_client reads the same group size.
        p = subprocess.run(["openssl", "s_client", "-connect", self.NET + "2:15443", "-tls1_2",
                            "-cipher", "ALL:@SECLEVEL=0"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        self.assertIn("Server Temp Key: DH, 1024 bits", p.stdout)
        f = {x["code"]: x for x in o["posture"]["findings"]}
        self.assertEqual(f["weak-dh"]["severity"], "warning")
        self.assertIn("1024-bit", f["weak-dh"]["message"])
        self.assertIn("ssl_dhparam", f["weak-dh"]["fix"])
        self.assertNotIn("weak-cipher", f)
        code, out, err, _ = run("check", *TRUST, "--service", "https", "--posture", "--resolve",
                                "cup2.corp.example:15443:%s2" % self.NET,
                                "cup2.corp.example:15443")
        self.assertIn("  TLS 1.2    DHE-RSA-AES256-GCM-SHA384 (DH 1024), "
                      "DHE-RSA-AES128-GCM-SHA256 (DH 1024), DHE-RSA-AES128-SHA (DH 1024); "
                      "the server's order\n", out)
        self.assertIn("WARNING weak-dh: ", out)

    def test_weak_ciphers(self):
        code, o, err, _ = self.check("3")
        got = o["posture"]["ciphers"]["1.2"]["accepted"]
        self.assertEqual({c["name"] for c in got}, {"AES128-GCM-SHA256", "NULL-SHA256"})
        self.assertEqual({c["name"] for c in got},
                         s_client_ciphers(self.NET + "3:15443", "1.2"))
        self.assertEqual({c["name"]: (c["forward_secrecy"], c["kx"]) for c in got},
                         {"AES128-GCM-SHA256": (False, None), "NULL-SHA256": (False, None)})
        f = {x["code"]: x for x in o["posture"]["findings"]}
        self.assertEqual(f["weak-cipher"]["severity"], "error")
        self.assertIn("NULL-SHA256 (TLS 1.2: no encryption (NULL cipher))", f["weak-cipher"]["message"])


class StreamPosture(unittest.TestCase):
    """What real Prosody offers before STARTTLS, three ways configured:
    the default (TLS required, nothing to authenticate with before it),
    c2s_require_encryption = false, and that with
    allow_unencrypted_plain_auth = true."""

    NET = "127.0.22."
    # Any TLS version LuaSec may offer, with every cipher (TLS 1.0 needs
    # security level 0 on Debian's OpenSSL); then some taken away.
    ANY = 'ciphers = "DEFAULT:@SECLEVEL=0"; protocol = "tlsv1+"; options = { "no_sslv3"'
    SETTINGS = {
        "1": "",
        "2": "c2s_require_encryption = false\n",
        "3": "c2s_require_encryption = false\nallow_unencrypted_plain_auth = true\n",
        "4": "ssl = { %s } }\n" % ANY,
        "5": 'ssl = { %s; "no_tlsv1_2"; "no_tlsv1_3" } }\n' % ANY,
        "6": 'ssl = { %s; "no_tlsv1"; "no_tlsv1_1"; "no_tlsv1_3" } }\n' % ANY,
    }

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            for n, extra in cls.SETTINGS.items():
                cls.servers.append(Prosody(cls.NET + n, "domain-san", extra=extra))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def check(self, n, *extra):
        return check_json(*TRUST, "--domain", "corp.example", *extra,
                          "%s%s:15222" % (self.NET, n))

    def test_default_requires_tls(self):
        code, o, err, _ = self.check("1")
        self.assertEqual(code, 0, err)
        self.assertEqual(o["stream"], {"starttls": "required", "mechanisms_before_tls": [],
                                       "findings": []})

    def test_optional_starttls_is_a_warning(self):
        code, o, err, _ = self.check("2")
        # The certificate is fine: the verdict and the exit status stay its.
        self.assertEqual((code, o["verdict"]), (0, "verified"), err)
        st = o["stream"]
        self.assertEqual(st["starttls"], "optional")
        # Prosody offers SCRAM-SHA-1 before TLS, not PLAIN.
        self.assertEqual(st["mechanisms_before_tls"], ["SCRAM-SHA-1"])
        self.assertEqual([(f["code"], f["severity"]) for f in st["findings"]],
                         [("starttls-optional", "warning")])
        self.assertIn("c2s_require_encryption = true", st["findings"][0]["fix"])

    def test_plain_before_tls_is_an_error(self):
        code, o, err, _ = self.check("3")
        st = o["stream"]
        # In the server's order, which Prosody does not keep.
        self.assertEqual(sorted(st["mechanisms_before_tls"]), ["PLAIN", "SCRAM-SHA-1"])
        self.assertEqual([(f["code"], f["severity"]) for f in st["findings"]],
                         [("plaintext-auth", "error"), ("starttls-optional", "warning")])
        self.assertIn("offers PLAIN before TLS", st["findings"][0]["message"])
        self.assertIn("allow_unencrypted_plain_auth = false", st["findings"][0]["fix"])
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example",
                                self.NET + "3:15222")
        line = [x for x in out.splitlines() if x.startswith("  stream     ")]
        self.assertEqual(len(line), 1, out)
        self.assertRegex(line[0], r"^  stream     STARTTLS optional \(not required\); before "
                         r"TLS offered (PLAIN, SCRAM-SHA-1|SCRAM-SHA-1, PLAIN)$")
        self.assertIn("  findings   ERROR plaintext-auth: the server offers PLAIN", out)
        # Monitoring: the error fails the probe and the plugin.
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example", "--format",
                                "nagios", self.NET + "3:15222")
        self.assertEqual(code, 2, out)
        self.assertTrue(out.startswith("XMPPCV CRITICAL - "), out)
        self.assertIn("\nERROR plaintext-auth: ", out)
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example", "--format",
                                "prometheus", self.NET + "3:15222")
        self.assertIn("\nprobe_success 0\n", out)
        self.assertIn('xmppcv_findings{domain="corp.example",code="plaintext-auth",'
                      'severity="error"} 1\n', out)
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example", "--format",
                                "prometheus", self.NET + "1:15222")
        self.assertIn("\nprobe_success 1\n", out)
        self.assertNotIn("plaintext-auth", out)

    def test_ciphers_against_s_client(self):
        """Every version with every cipher LuaSec was given: the ciphers
        each version accepts, the same as s_client finds one by one."""
        code, o, err, _ = self.check("4", "--posture")
        self.assertEqual(code, 0, err)
        for v in ("1.0", "1.1", "1.2", "1.3"):
            got = o["posture"]["ciphers"][v]
            self.assertTrue(got["complete"], v)
            self.assertEqual({c["name"] for c in got["accepted"]},
                             s_client_ciphers(self.NET + "4:15222", v, "-starttls", "xmpp",
                                              "-xmpphost", "corp.example"), v)
            self.assertTrue(all(c["forward_secrecy"] for c in got["accepted"]), v)
        self.assertEqual(o["posture"]["groups"]["tls_version"], "1.3")
        self.assertIn("x25519", o["posture"]["groups"]["accepted"])

    def s_client_versions(self, n):
        """What openssl s_client finds, one version at a time."""
        got = {}
        for v, flag in (("1.0", "-tls1"), ("1.1", "-tls1_1"), ("1.2", "-tls1_2"),
                        ("1.3", "-tls1_3")):
            p = subprocess.run(["openssl", "s_client", "-connect", "%s%s:15222" % (self.NET, n),
                                "-starttls", "xmpp", "-xmpphost", "corp.example", flag,
                                "-cipher", "ALL:@SECLEVEL=0", "-brief"],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            got[v] = p.returncode == 0
        return got

    def test_tls_versions_against_s_client(self):
        # Prosody 0.12 binds logins to the channel with tls-unique only,
        # which TLS 1.3 does not define: over 1.3 it offers no -PLUS.
        cb = ("no-channel-binding", "note")
        want = {"1": ({"1.0": False, "1.1": False, "1.2": True, "1.3": True}, [cb]),
                "4": ({"1.0": True, "1.1": True, "1.2": True, "1.3": True},
                      [("tls-legacy-offered", "warning"), cb]),
                "5": ({"1.0": True, "1.1": True, "1.2": False, "1.3": False},
                      [("tls-legacy-only", "error")]),
                "6": ({"1.0": False, "1.1": False, "1.2": True, "1.3": False},
                      [("no-tls13", "warning")])}
        for n, (versions, findings) in want.items():
            code, o, err, _ = self.check(n, "--posture")
            # The check's own handshake keeps OpenSSL's default security:
            # TLS 1.0 and 1.1 alone give it no certificate (exit 3), and
            # the posture says why.
            self.assertEqual(code, 3 if n == "5" else 0, err)
            got = o["posture"]["tls_versions"]
            self.assertEqual(got, versions, n)
            # The same as s_client, asking the same server.
            self.assertEqual(got, self.s_client_versions(n), n)
            self.assertEqual([(f["code"], f["severity"]) for f in o["posture"]["findings"]],
                             findings, n)
            self.assertEqual(o["posture"]["tls_stream"]["channel_binding"], [], n)
            # The client profiles whose minimum the server refuses, each
            # minimum measured against its real library (cli_clients.py
            # Versions): GIO, Conversations and Cisco Jabber take TLS 1.0.
            self.assertEqual([c["client"] for c in o["posture"]["clients_refused"]],
                             ["libstrophe", "nss", "python-ssl", "qca", "smack", "go",
                              "apple"] if n == "5" else [], n)
            plus = [m for m in o["posture"]["tls_stream"]["mechanisms"] if m.endswith("-PLUS")]
            self.assertEqual(plus, [] if cb in findings else ["SCRAM-SHA-1-PLUS"], n)
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example", "--posture",
                                self.NET + "5:15222")
        self.assertIn("  versions   TLS 1.3 no, 1.2 no, 1.1 yes, 1.0 yes\n", out)
        self.assertIn("ERROR tls-legacy-only: the server accepts only TLS 1.0 and TLS 1.1", out)
        # Monitoring: a certificate that verifies on a server that also
        # takes TLS 1.0 and 1.1 is a warning.
        code, out, err, _ = run("check", *TRUST, "--domain", "corp.example", "--posture",
                                "--format", "nagios", self.NET + "4:15222")
        self.assertEqual(code, 1, out)
        self.assertTrue(out.startswith("XMPPCV WARNING - "), out)
        self.assertIn("\nWARNING tls-legacy-offered: ", out)
        # Asked for, but no connection to ask with.
        code, o, err, _ = check_json(*TRUST, "--domain", "corp.example", "--posture",
                                     "127.0.22.99:15222")
        self.assertEqual((code, o["posture"]), (3, None), err)
        code, o, err, _ = self.check("5")
        self.assertEqual((code, o["error"]["phase"]), (3, "tls"), err)
        self.assertNotIn("posture", o)

    def test_direct_tls_has_no_clear_stream(self):
        code, o, err, _ = check_json(*TRUST, "--domain", "corp.example", "--direct-tls",
                                     "%s3:15223" % self.NET)
        self.assertEqual(code, 0, err)
        self.assertIsNone(o["stream"])


class Peers(unittest.TestCase):
    """Scripted peers: behaviours no packaged server shows."""

    IP = "127.0.20.1"
    port = 16000

    def peer(self, mode, *args):
        Peers.port += 1
        p = Peer(mode, self.IP, Peers.port, *args)
        self.addCleanup(p.stop)
        return "%s:%d" % (self.IP, Peers.port)

    def fails(self, mode, phase, message, *extra, args=(), timeout="3"):
        target = self.peer(mode, *args)
        code, o, err, secs = check_json(*TRUST, "--domain", "corp.example", "--timeout",
                                        timeout, *extra, target)
        self.assertEqual(code, 3, err)
        self.assertEqual(o["error"]["phase"], phase, o["error"])
        self.assertIn(message, o["error"]["message"])
        self.assertIn(message, err)
        return secs

    def test_server_announcing_its_own_domain(self):
        target = self.peer("announce", cert("domain-san.chain.pem"), cert("domain-san.key"))
        host, port = target.split(":")
        code, o, err, _ = check_json(*TRUST, "--resolve", "node1.lab.local:%s:%s" % (port, host),
                                     "node1.lab.local:" + port)
        self.assertEqual(code, 0, err)
        self.assertEqual(o["domain"], "corp.example")
        self.assertEqual(o["discovery"]["source"], "announced")
        self.assertEqual(o["discovery"]["attempts"][0]["from"], "corp.example")
        self.assertEqual(o["tls"]["sni"], "corp.example")

    def counted_peer(self, mode):
        """A peer that logs its events; (target host, port, peer)."""
        Peers.port += 1
        d = tempfile.mkdtemp(prefix="xmppcv-events-")
        self.addCleanup(shutil.rmtree, d, True)
        p = Peer(mode, self.IP, Peers.port, cert("domain-san.chain.pem"),
                 cert("domain-san.key"), events=os.path.join(d, "events"))
        self.addCleanup(p.stop)
        return self.IP, str(Peers.port), p

    def count(self, events, kind):
        return sorted(to for k, to in events if k == kind)

    def discover(self, ip, port, *extra):
        """check of cup1.corp.example (discovery), pinned to the peer."""
        return check_json(*TRUST, *extra, "--resolve",
                          "cup1.corp.example:%s:%s" % (port, ip), "cup1.corp.example:" + port)

    def test_announcing_node_is_handshaken_once(self):
        # Both candidates (the node name and its parent) get a stream and
        # the announced domain; only the first goes on to TLS.
        ip, port, p = self.counted_peer("announce")
        code, o, err, _ = self.discover(ip, port)
        self.assertEqual(code, 0, err)
        self.assertEqual((o["domain"], o["discovery"]["source"]), ("corp.example", "announced"))
        self.assertEqual([(a["to"], a["outcome"]) for a in o["discovery"]["attempts"]],
                         [("cup1.corp.example", "announced")])
        ev = p.events()
        self.assertEqual(self.count(ev, "open"), ["corp.example", "cup1.corp.example"], ev)
        self.assertEqual(self.count(ev, "handshake"), ["cup1.corp.example"], ev)
        self.assertEqual(self.count(ev, "starttls"), ["cup1.corp.example"], ev)
        # The other stream was ended as a client ends one, not dropped.
        self.assertEqual(self.count(ev, "closed"), ["corp.example"], ev)
        self.assertEqual(self.count(ev, "dropped"), [], ev)

    def test_not_served_node_name_then_domain(self):
        ip, port, p = self.counted_peer("domain-only")
        code, o, err, _ = self.discover(ip, port)
        self.assertEqual(code, 0, err)
        self.assertEqual((o["domain"], o["discovery"]["source"]), ("corp.example", "accepted"))
        # Every attempt judged is reported, in the order of preference.
        self.assertEqual([(a["to"], a["outcome"]) for a in o["discovery"]["attempts"]],
                         [("cup1.corp.example", "host-unknown"), ("corp.example", "accepted")])
        self.assertEqual(self.count(p.events(), "handshake"), ["corp.example"])

    def test_preference_order_when_the_first_answers_last(self):
        # The server serves both names and answers the node name late:
        # the node name still wins, and is the only one handshaken.
        ip, port, p = self.counted_peer("every-domain")
        code, o, err, _ = self.discover(ip, port)
        self.assertEqual((code, o["domain"]), (0, "cup1.corp.example"), err)
        self.assertEqual(o["discovery"]["source"], "accepted")
        self.assertEqual([a["to"] for a in o["discovery"]["attempts"]], ["cup1.corp.example"])
        self.assertEqual(o["tls"]["sni"], "cup1.corp.example")
        ev = p.events()
        self.assertEqual(self.count(ev, "handshake"), ["cup1.corp.example"], ev)
        self.assertEqual(self.count(ev, "closed"), ["corp.example"], ev)

    def test_max_attempts_bounds_the_race(self):
        ip, port, p = self.counted_peer("domain-only")
        code, o, err, _ = self.discover(ip, port, "--max-attempts", "1")
        self.assertEqual(code, 3, err)
        self.assertEqual(o["error"]["phase"], "discovery")
        self.assertEqual([a["to"] for a in o["discovery"]["attempts"]], ["cup1.corp.example"])
        ev = p.events()
        self.assertEqual(self.count(ev, "open"), ["cup1.corp.example"], ev)
        self.assertEqual(self.count(ev, "handshake"), [], ev)

    def test_scan_handshakes_each_announcing_node_once(self):
        ip, port, p = self.counted_peer("announce")
        code, out, err, _ = run("scan", *TRUST, "--services", "c2s", "--port", "c2s=" + port,
                             "--clients", "none", "--json", "--resolve",
                             "cup1.corp.example:%s:%s" % (port, ip), "cup1.corp.example")
        # One line per endpoint, then the summary.
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(code, 0, err)
        ep = [e for e in lines[:-1] if e["service"] == "c2s"][0]
        self.assertEqual((ep["domain"], ep["verdict"]), ("corp.example", "verified"), ep)
        ev = p.events()
        self.assertEqual(self.count(ev, "handshake"), ["cup1.corp.example"], ev)
        self.assertEqual(self.count(ev, "closed"), ["corp.example"], ev)

    def test_ipv6_literal_target(self):
        Peers.port += 1
        p = Peer("announce", "::1", Peers.port, cert("domain-san.chain.pem"),
                 cert("domain-san.key"))
        self.addCleanup(p.stop)
        code, o, err, _ = check_json(*TRUST, "--domain", "corp.example",
                                     "[::1]:%d" % Peers.port)
        self.assertEqual(code, 0, err)
        self.assertEqual(o["address"], "[::1]:%d" % Peers.port)
        # SNI is the XMPP domain, never the address connected to.
        self.assertEqual(o["tls"]["sni"], "corp.example")

    def test_announced_domain_with_given_domain_is_reported(self):
        target = self.peer("announce", cert("domain-san.chain.pem"), cert("domain-san.key"))
        code, o, _, _ = check_json(*TRUST, "--domain", "other.example", target)
        self.assertEqual(code, 1)
        self.assertEqual(o["domain"], "other.example")
        self.assertTrue(any("answered as 'corp.example'" in w for w in o["warnings"]))

    def test_missing_from_is_accepted_with_a_warning(self):
        target = self.peer("no-from", cert("domain-san.chain.pem"), cert("domain-san.key"))
        code, o, _, _ = check_json(*TRUST, "--domain", "corp.example", target)
        self.assertEqual(code, 0)
        self.assertTrue(any("no 'from'" in w for w in o["warnings"]))

    def test_silence_times_out(self):
        secs = self.fails("silence", "stream", "timed out after 2 s waiting for the stream header",
                          timeout="2")
        self.assertLess(secs, 10)

    def test_slow_drip_does_not_hold_past_the_budget(self):
        secs = self.fails("drip", "stream", "timed out after 2 s", timeout="2")
        # One phase (the header) is dripped: it ends at its own deadline.
        self.assertLess(secs, 10)

    def test_garbage(self):
        self.fails("garbage", "stream", "not well-formed")

    def test_huge_header_is_refused_with_bounded_memory(self):
        self.fails("huge", "stream", "stream header over the size limit")
        t1, t2 = self.peer("huge"), self.peer("stream-error")
        base = peak_rss("check", *TRUST, "--domain", "corp.example", "--timeout", "3", t2)
        huge = peak_rss("check", *TRUST, "--domain", "corp.example", "--timeout", "3", t1)
        # The peer sends 8 MiB; xmppcv must not hold more than its limits.
        self.assertLess(huge - base, 4096, "peak RSS %d KiB vs %d KiB" % (huge, base))

    def test_doctype_entity_bomb(self):
        self.fails("doctype", "stream", "DOCTYPE")

    def test_stream_error(self):
        self.fails("stream-error", "stream", "policy-violation")

    def test_posture_against_a_server_that_stalls(self):
        """The check's own connection is served; every posture connection
        is accepted and never answered. Each ends at --timeout: the
        versions are not known, nothing is enumerated, and the check
        ends."""
        target = self.peer("announce-once", cert("domain-san.chain.pem"),
                           cert("domain-san.key"))
        code, o, err, secs = check_json(*TRUST, "--domain", "corp.example", "--timeout", "1",
                                        "--posture", target, timeout=30)
        self.assertEqual((code, o["verdict"]), (0, "verified"), err)
        p = o["posture"]
        self.assertEqual(p["tls_versions"], {"1.0": None, "1.1": None, "1.2": None,
                                             "1.3": None})
        self.assertEqual((p["ciphers"], p["groups"], p["findings"]), ({}, None, []))

    def test_posture_reads_the_features_over_tls(self):
        target = self.peer("announce", cert("domain-san.chain.pem"), cert("domain-san.key"))
        code, o, err, _ = check_json(*TRUST, "--domain", "corp.example", "--posture", target)
        self.assertEqual(code, 0, err)
        p = o["posture"]
        self.assertEqual(p["tls_stream"], {"mechanisms": ["SCRAM-SHA-1"],
                                           "channel_binding": [], "compression": [],
                                           "dialback": False})
        # Python's ssl as the server: TLS 1.2 and 1.3, each list complete.
        self.assertEqual((p["tls_versions"]["1.2"], p["tls_versions"]["1.3"]), (True, True))
        self.assertTrue(p["ciphers"]["1.2"]["complete"] and p["ciphers"]["1.3"]["complete"])
        self.assertEqual([f["code"] for f in p["findings"]], ["no-channel-binding"])

    def test_no_starttls(self):
        self.fails("no-starttls", "starttls", "does not offer STARTTLS")
        # What it offered instead is on the report: PLAIN in the clear.
        target = self.peer("no-starttls")
        code, o, err, _ = check_json(*TRUST, "--domain", "corp.example", "--timeout", "3",
                                     target)
        self.assertEqual(code, 3, err)
        st = o["stream"]
        self.assertEqual((st["starttls"], st["mechanisms_before_tls"]), ("none", ["PLAIN"]))
        self.assertEqual([f["code"] for f in st["findings"]], ["plaintext-auth"])

    def test_starttls_failure(self):
        self.fails("failure", "starttls", "<failure/>")

    def test_reset_after_proceed(self):
        self.fails("reset", "tls", "TLS handshake failed")

    def test_https_on_a_direct_tls_port_is_not_xmpp(self):
        self.fails("https", "stream", "no XMPP stream opened over TLS", "--direct-tls",
                   args=(cert("domain-san.chain.pem"), cert("domain-san.key")))


class Dns(unittest.TestCase):
    """SRV lookups through c-ares against a scripted DNS server."""

    @classmethod
    def setUpClass(cls):
        # dead.corp.example's port is known to refuse: bound here, never
        # listening, whatever else runs on this machine.
        cls.dead, cls.dead_port = closed_port("127.0.30.9")
        cls.prosody = Prosody("127.0.30.2", "domain-san")
        cls.dns = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(__file__), "dns.py"), "127.0.30.1",
             "15353", "_xmpp-client._tcp.corp.example=SRV:10:5:15222:cup1.corp.example",
             "_xmpp-client._tcp.corp.example=SRV:0:5:%d:dead.corp.example" % cls.dead_port,
             "dead.corp.example=A:127.0.30.9", "cup1.corp.example=A:127.0.30.2",
             "_xmpp-server._tcp.corp.example=SRV:0:0:0:."],
            stdout=subprocess.PIPE)
        if cls.dns.stdout.readline().strip() != b"ready":
            cls.tearDownClass()
            raise RuntimeError("dns.py did not start")

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "dns", None) is not None:
            stop_pid(cls.dns)
            cls.dns.stdout.close()
        if getattr(cls, "prosody", None) is not None:
            cls.prosody.stop()
        cls.dead.close()

    def test_srv_in_priority_order_with_fallthrough(self):
        code, o, err, _ = check_json(*TRUST, "--dns-server", "127.0.30.1:15353", "corp.example")
        self.assertEqual(code, 0, err)
        recs = o["discovery"]["records"]
        self.assertTrue(any("SRV _xmpp-client._tcp.corp.example: priority 0" in r for r in recs))
        self.assertTrue(any("target cup1.corp.example" in r for r in recs))
        # Priority 0 (dead.corp.example) is tried first and refuses.
        outcomes = [(a["address"], a["outcome"]) for a in o["discovery"]["attempts"]]
        self.assertEqual(outcomes[0], ("127.0.30.9:%d" % self.dead_port, "connect failed"))
        self.assertEqual(outcomes[-1], ("127.0.30.2:15222", "accepted"))
        self.assertEqual(o["address"], "127.0.30.2:15222")

    def test_srv_dot_means_no_service(self):
        code, o, _, _ = check_json(*TRUST, "--service", "s2s", "--dns-server",
                                   "127.0.30.1:15353", "corp.example")
        self.assertEqual(code, 3)
        self.assertEqual(o["error"]["phase"], "dns")
        self.assertIn("no such service", o["error"]["message"])

    def test_no_srv_falls_back_to_a_records(self):
        # No SRV for cup1: its A record, on the default port 5222 (RFC 6120
        # section 3.2.2). The port is held closed for the run, unless a
        # server on this machine (a developer's Prosody) listens on it.
        try:
            held, _ = closed_port("127.0.30.2", 5222)
        except OSError:
            held = None
        try:
            code, o, err, _ = check_json(*TRUST, "--dns-server", "127.0.30.1:15353",
                                         "cup1.corp.example")
        finally:
            if held is not None:
                held.close()
        self.assertTrue(any("using A/AAAA of cup1.corp.example on port 5222" in r
                            for r in o["discovery"]["records"]), o)
        self.assertEqual(o["discovery"]["attempts"][0]["address"], "127.0.30.2:5222")
        if held is None:
            self.skipTest("port 5222 is in use on this machine: the fallback went "
                          "there, but what answers is not this test's")
        self.assertEqual(code, 3, err)
        self.assertEqual(o["error"]["phase"], "connect")
        self.assertEqual(o["discovery"]["attempts"][0]["outcome"], "connect failed")

    def test_unknown_name(self):
        code, o, _, _ = check_json(*TRUST, "--dns-server", "127.0.30.1:15353", "--timeout", "3",
                                   "nowhere.example:5222")
        self.assertEqual(code, 3)
        self.assertEqual(o["error"]["phase"], "dns")


class Options(unittest.TestCase):
    def usage(self, *args, message):
        code, out, err, _ = run("check", *args)
        self.assertEqual(code, 2, err)
        self.assertIn(message, err)

    def test_ip_target_needs_a_domain(self):
        code, o, _, _ = check_json(*TRUST, "127.0.0.1:1")
        self.assertEqual(code, 3)
        self.assertEqual(o["error"]["phase"], "discovery")
        self.assertIn("--domain", " ".join(o["advice"]))

    def test_bad_targets(self):
        self.usage("corp.example:99999", message="bad port")
        self.usage("[::1", message="missing ']'")
        self.usage("corp..example", message="not a valid domain name")

    def test_bad_resolve(self):
        self.usage("--resolve", "cup1:5222", "cup1.corp.example", message="HOST:PORT:ADDRESS")
        self.usage("--resolve", "cup1:5222:nothere", "cup1.corp.example",
                   message="not an IP address")

    def test_https_takes_no_xmpp_options(self):
        self.usage("--service", "https", "--login", "a@corp.example", "corp.example",
                   message="--login does not apply to HTTPS")
        self.usage("--service", "https", "--direct-tls", "corp.example",
                   message="--direct-tls does not apply to HTTPS")

    def test_verify_only_options_and_bad_numbers(self):
        self.usage("--timeout", "0", "corp.example", message="--timeout")
        self.usage("--max-attempts", "x", "corp.example", message="--max-attempts")
        code, _, err, _ = run("verify", "--domain", "d.example", "--direct-tls", cert("domain-san.crt"))
        self.assertEqual(code, 2)
        self.assertIn("does not apply to verify", err)

    def test_no_target(self):
        self.usage(message="no TARGET")


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["ProsodyLive", "Peers", "Dns", "Options"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
