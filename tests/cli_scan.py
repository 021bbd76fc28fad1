#!/usr/bin/env python3
"""`xmppcv scan` against a cluster of real servers on loopback.

Usage: cli_scan.py CLASS   (XMPPCV and FIXTURES come from the environment)

Cluster: Prosody on three nodes serving corp.example (two with the domain
in the XMPP certificate, one with the node's FQDN only; s2s on two), nginx
as each node's HTTPS port (one node's certificate names another node), a
node serving another domain, a silent node, a node with nothing listening,
and dnsmasq with the domain's SRV records. Mixed: a node still
self-signed, with the same CN on its XMPP and HTTPS certificates, and a
certificate about to expire. Every server is started here and stopped by
its PID; every wait is bounded.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Dnsmasq, Nginx, Peer, Prosody, ProsodyHosts, cert  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
AT = "2026-06-01T00:00:00Z"
TRUST = ["--no-store", "--no-system-ca", "--ca-file", cert("root-ca.crt"), "--at", AT]
PORTS = ["--port", "c2s=15222", "--port", "s2s=15269", "--port", "xmpps=15223",
         "--port", "https=18443"]


def run(*args, timeout=120):
    start = time.monotonic()
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err, time.monotonic() - start


def scan_json(*args, **kw):
    code, out, err, secs = run("scan", "--json", *args, **kw)
    lines = [json.loads(line) for line in out.splitlines()]
    return code, lines[:-1], lines[-1], err, secs


def by(endpoints, node, service):
    found = [e for e in endpoints if e["node"] == node and e["service"] == service]
    if len(found) != 1:
        raise AssertionError("%s %s: %d endpoints" % (node, service, len(found)))
    return found[0]


def codes(summary):
    return {(f["code"], tuple(f["nodes"])) for f in summary["findings"]}


def matrix(text):
    """The matrix of a text report: {node: {service: cell}}."""
    lines = text.splitlines()
    head = lines[0]
    cols = [(m.start(), m.group()) for m in re.finditer(r"\S+", head)][1:]
    rows = {}
    for line in lines[1:]:
        if not line.startswith("cup"):
            break
        cells = {}
        for i, (start, name) in enumerate(cols):
            end = cols[i + 1][0] if i + 1 < len(cols) else len(line)
            cells[name] = line[start:end].strip()
        rows[line.split()[0]] = cells
    return rows


class Cluster(unittest.TestCase):
    NET = "127.0.120."
    NODES = ["cup%d.corp.example" % i for i in range(1, 7)]

    @classmethod
    def setUpClass(cls):
        n = cls.NET
        cls.servers = []
        try:
            cls.servers += [
                Prosody(n + "1", "domain-san"),
                Prosody(n + "2", "domain-san"),
                Prosody(n + "3", "fqdn-only", s2s=None),
                Prosody(n + "6", "domain-san", domain="other.example"),
                # cup2's HTTPS certificate is cup1's, copied.
                Nginx([(n + "1", 18443, "tomcat"), (n + "2", 18443, "tomcat"),
                       (n + "3", 18443, "tomcat-cup3"), (n + "6", 18443, "tomcat-cup3")]),
                Dnsmasq(n + "53", 15353, srv=[
                    ("_xmpp-client._tcp.corp.example", "cup1.corp.example", 15222, 0, 5),
                    ("_xmpp-client._tcp.corp.example", "cup2.corp.example", 15222, 0, 5),
                    ("_xmpp-client._tcp.corp.example", "cup3.corp.example", 15222, 0, 5),
                    ("_xmpp-server._tcp.corp.example", "cup1.corp.example", 15269, 0, 5),
                    ("_xmpp-server._tcp.corp.example", "cup2.corp.example", 15269, 0, 5),
                    ("_xmpps-client._tcp.corp.example", "cup1.corp.example", 15223, 0, 5)],
                    hosts=[("cup%d.corp.example" % i, n + str(i)) for i in (1, 2, 3)]),
            ]
            # cup4 accepts and never answers; nothing listens on cup5.
            cls.servers += [Peer("silence", n + "4", port) for port in (15222, 15269, 18443)]
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def given(self, *extra, timeout="3"):
        pins = []
        for i, node in enumerate(self.NODES, 1):
            pins += ["--resolve", "%s:15222:%s%d" % (node, self.NET, i)]
        return (*TRUST, *PORTS, *pins, "--timeout", timeout, "--domain", "corp.example",
                *extra, *self.NODES)

    def test_matrix_findings_and_last_line(self):
        code, out, err, _ = run("scan", *self.given())
        self.assertEqual(code, 1, err)
        m = matrix(out)
        self.assertEqual(list(m), self.NODES)
        self.assertEqual(m["cup1.corp.example"],
                         {"c2s": "VERIFIED", "s2s": "VERIFIED", "https": "VERIFIED"})
        self.assertEqual(m["cup2.corp.example"]["https"], "NOT VERIFIED (mismatch)")
        self.assertEqual(m["cup3.corp.example"],
                         {"c2s": "NOT VERIFIED (mismatch)", "s2s": "closed",
                          "https": "VERIFIED"})
        self.assertEqual(m["cup4.corp.example"],
                         {"c2s": "NO CERT (stream)", "s2s": "NO CERT (stream)",
                          "https": "NO CERT (tls)"})
        self.assertEqual(set(m["cup5.corp.example"].values()), {"closed"})
        self.assertEqual(m["cup6.corp.example"]["c2s"], "NO CERT (discovery)")
        self.assertIn("ERROR    domain-san-missing: the XMPP certificate of "
                      "cup3.corp.example does not name the XMPP domain", out)
        self.assertIn("Use Domain Name for XMPP Certificate Subject Alternative Name", out)
        self.assertEqual(out.splitlines()[-1],
                         "corp.example: 6 of 18 endpoints verified, 6 findings")
        self.assertNotIn("\r", out + err)

    def test_json_endpoint_by_endpoint(self):
        code, eps, summary, err, _ = scan_json(*self.given())
        self.assertEqual(code, 1, err)
        self.assertEqual(len(eps), 18)
        e = by(eps, "cup1.corp.example", "c2s")
        self.assertEqual((e["verdict"], e["ok"], e["domain"], e["expected_name"], e["port"],
                          e["address"], e["required"]),
                         ("verified", True, "corp.example", "corp.example", 15222,
                          "127.0.120.1:15222", True))
        self.assertEqual(e["identity"]["field"], "dnsName")
        self.assertTrue(e["chain"]["trusted"])
        self.assertRegex(e["sha256"], r"^[0-9a-f]{64}$")
        self.assertEqual(e["not_after"], "2036-01-01T00:00:00Z")
        self.assertEqual(e["days_left"], 3501)
        e = by(eps, "cup2.corp.example", "https")
        self.assertEqual((e["verdict"], e["expected_name"], e["problems"], e["domain"]),
                         ("not-verified", "cup2.corp.example", ["mismatch"], None))
        self.assertEqual(e["tls"]["http"], "HTTP/1.1 200 OK")
        e = by(eps, "cup3.corp.example", "s2s")
        self.assertEqual((e["verdict"], e["required"], e["error"]["phase"]),
                         ("closed", False, "connect"))
        e = by(eps, "cup4.corp.example", "c2s")
        self.assertEqual((e["verdict"], e["error"]["phase"]), ("no-certificate", "stream"))
        self.assertIn("timed out after 3 s", e["error"]["message"])
        e = by(eps, "cup5.corp.example", "https")
        self.assertEqual((e["verdict"], e["required"]), ("closed", True))
        e = by(eps, "cup6.corp.example", "c2s")
        self.assertEqual((e["verdict"], e["error"]["phase"]), ("no-certificate", "discovery"))
        s = summary["summary"]
        self.assertEqual((s["domain"], s["nodes"], s["endpoints"], s["verified"],
                          s["accepted"], s["not_verified"], s["no_certificate"], s["closed"]),
                         ("corp.example", 6, 18, 6, 0, 3, 5, 4))
        self.assertEqual(codes(summary), {
            ("domain-san-missing", ("cup3.corp.example",)),
            ("domain-differs", ("cup6.corp.example",)),
            ("https-name-mismatch", ("cup2.corp.example",)),
            ("https-name-mismatch", ("cup6.corp.example",)),
            ("node-unreachable", ("cup4.corp.example",)),
            ("node-unreachable", ("cup5.corp.example",))})
        for f in summary["findings"]:
            self.assertEqual(f["severity"], "error")
            self.assertTrue(f["message"])
        mismatch = [f for f in summary["findings"] if f["code"] == "https-name-mismatch"
                    and f["nodes"] == ["cup2.corp.example"]][0]
        self.assertIn("it names cup1.corp.example", mismatch["message"])

    def test_a_silent_node_costs_one_timeout_in_parallel(self):
        # Three silent ports of one node, 5 s each: the whole scan still
        # ends within one timeout (and a margin), not 15 s.
        code, _, _, secs = run("scan", *self.given(timeout="5"))
        self.assertEqual(code, 1)
        self.assertLess(secs, 5 + 3, "the scan took %.1f s" % secs)
        self.assertGreaterEqual(secs, 5)

    def test_parallel_bounds_connections_but_not_the_verdicts(self):
        code, eps, summary, _, _ = scan_json(*self.given("--parallel", "1"))
        self.assertEqual(code, 1)
        self.assertEqual(summary["summary"]["verified"], 6)

    def test_nodes_from_the_domains_srv_records(self):
        code, eps, summary, err, _ = scan_json(*TRUST, "--port", "https=18443", "--timeout",
                                                "3", "--dns-server", self.NET + "53:15353",
                                                "corp.example")
        self.assertEqual(code, 1, err)
        self.assertEqual(sorted({e["node"] for e in eps}), self.NODES[:3])
        # Ports come from the records; xmpps only where a record has it.
        self.assertEqual(by(eps, "cup1.corp.example", "xmpps")["verdict"], "verified")
        self.assertEqual(by(eps, "cup1.corp.example", "s2s")["port"], 15269)
        self.assertFalse([e for e in eps if e["service"] == "xmpps"
                          and e["node"] != "cup1.corp.example"])
        # cup3 has no _xmpp-server record: its closed default port is a note.
        e = by(eps, "cup3.corp.example", "s2s")
        self.assertEqual((e["port"], e["verdict"], e["required"]), (5269, "closed", False))
        self.assertEqual(summary["summary"]["domain"], "corp.example")
        self.assertIn(("domain-san-missing", ("cup3.corp.example",)), codes(summary))

    def test_services_and_ports(self):
        code, eps, _, _, _ = scan_json(*self.given("--services", "c2s,https"))
        self.assertEqual({e["service"] for e in eps}, {"c2s", "https"})
        self.assertEqual(len(eps), 12)

    def test_named_services_are_required(self):
        # cup3 has no s2s port. Named in --services, its closed port is a
        # failure; left to the default, a note (the SRV test above).
        pins = ["--resolve", "cup1.corp.example:1:%s1" % self.NET,
                "--resolve", "cup3.corp.example:1:%s3" % self.NET]
        code, eps, summary, err, _ = scan_json(*TRUST, *PORTS, *pins, "--timeout", "3",
                                                "--domain", "corp.example", "--services",
                                                "c2s,s2s", "cup1.corp.example",
                                                "cup3.corp.example")
        e = by(eps, "cup3.corp.example", "s2s")
        self.assertEqual((e["verdict"], e["required"]), ("closed", True))
        self.assertTrue(by(eps, "cup1.corp.example", "s2s")["required"])
        self.assertEqual(code, 1, err)

    def test_learned_domains_without_domain(self):
        pins = ["--resolve", "cup1.corp.example:15222:%s1" % self.NET,
                "--resolve", "cup3.corp.example:15222:%s3" % self.NET]
        code, eps, summary, err, _ = scan_json(*TRUST, *PORTS, *pins, "--services", "c2s",
                                                "cup1.corp.example", "cup3.corp.example")
        self.assertEqual(code, 1, err)
        self.assertEqual({e["domain"] for e in eps}, {"corp.example"})
        self.assertEqual(summary["summary"]["domain"], "corp.example")

    def test_learned_domain_serves_every_xmpp_service(self):
        # The node's domain is learned on c2s (Prosody refuses the node
        # name, accepts corp.example); s2s starts once the race has its
        # winner, with that domain.
        pins = ["--resolve", "cup1.corp.example:15222:%s1" % self.NET,
                "--resolve", "cup1.corp.example:15269:%s1" % self.NET]
        code, eps, summary, err, _ = scan_json(*TRUST, *PORTS, *pins, "--services",
                                                "c2s,s2s", "cup1.corp.example")
        self.assertEqual(code, 0, err)
        for svc in ("c2s", "s2s"):
            e = by(eps, "cup1.corp.example", svc)
            self.assertEqual((e["domain"], e["verdict"]), ("corp.example", "verified"), e)
        self.assertEqual(summary["summary"]["domain"], "corp.example")

    def test_usage(self):
        code, _, err, _ = run("scan")
        self.assertEqual(code, 2)
        self.assertIn("name the XMPP domain", err)
        for bad, message in ((["--services", "smtp"], "unknown service 'smtp'"),
                             (["--port", "https"], "SERVICE=PORT"),
                             (["--port", "imap=993"], "unknown service 'imap'"),
                             (["--parallel", "0"], "--parallel")):
            code, _, err, _ = run("scan", *bad, "corp.example")
            self.assertEqual(code, 2, bad)
            self.assertIn(message, err)


class Posture(unittest.TestCase):
    """scan --posture: each endpoint's TLS versions in its cell, in JSON,
    and as findings across nodes. cup1 is Prosody's default (TLS 1.2 and
    1.3), cup2 a Prosody that speaks only TLS 1.0 and 1.1, cup3 a Prosody
    without TLS 1.3; the HTTPS ports are nginx's defaults, which in
    Debian 12's nginx 1.22 leave out TLS 1.3 (its ssl_protocols default
    gained TLSv1.3 in 1.23.4)."""
    NET = "127.0.122."
    NODES = ["cup1.corp.example", "cup2.corp.example", "cup3.corp.example"]
    ANY = 'ciphers = "DEFAULT:@SECLEVEL=0"; protocol = "tlsv1+"; options = { "no_sslv3"'

    @classmethod
    def setUpClass(cls):
        n = cls.NET
        cls.servers = []
        try:
            cls.servers += [
                Prosody(n + "1", "domain-san"),
                Prosody(n + "2", "domain-san", extra='ssl = { %s; "no_tlsv1_2"; '
                        '"no_tlsv1_3" } }\n' % cls.ANY),
                Prosody(n + "3", "domain-san", extra='ssl = { %s; "no_tlsv1"; '
                        '"no_tlsv1_1"; "no_tlsv1_3" } }\n' % cls.ANY),
                Nginx([(n + "1", 18443, "tomcat"), (n + "2", 18443, "tomcat"),
                       (n + "3", 18443, "tomcat")]),
            ]
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def given(self, *extra):
        pins = []
        for i, node in enumerate(self.NODES, 1):
            pins += ["--resolve", "%s:15222:%s%d" % (node, self.NET, i)]
        return (*TRUST, *PORTS, *pins, "--services", "c2s,s2s,https", "--domain",
                "corp.example", *extra, *self.NODES)

    def test_versions_in_the_cells_and_findings(self):
        code, out, err, _ = run("scan", "--posture", *self.given())
        m = matrix(out)
        self.assertEqual(m["cup1.corp.example"],
                         {"c2s": "VERIFIED [1.3 1.2]", "s2s": "VERIFIED [1.3 1.2]",
                          "https": "VERIFIED [1.2]"})
        # The scan's own handshake keeps OpenSSL's security: no
        # certificate from cup2, and the cell says why.
        self.assertEqual(m["cup2.corp.example"]["c2s"], "NO CERT (tls) [1.1 1.0]")
        self.assertEqual(m["cup3.corp.example"]["c2s"], "VERIFIED [1.2]")
        self.assertIn("ERROR    tls-legacy-only: these endpoints accept only TLS 1.0 "
                      "or 1.1", out)
        code, eps, summary, err, _ = scan_json("--posture", *self.given())
        f = {x["code"]: x for x in summary["findings"]}
        self.assertEqual((f["tls-legacy-only"]["nodes"], f["tls-legacy-only"]["services"]),
                         (["cup2.corp.example"], ["c2s", "s2s"]))
        self.assertEqual((set(f["no-tls13"]["nodes"]), set(f["no-tls13"]["services"])),
                         (set(self.NODES), {"c2s", "s2s", "https"}))
        self.assertNotIn("tls-legacy-offered", f)
        # Each endpoint the same as check --posture asking it alone.
        for node, i in (("cup1.corp.example", "1"), ("cup2.corp.example", "2"),
                        ("cup3.corp.example", "3")):
            e = by(eps, node, "c2s")
            p = subprocess.run([XMPPCV, "check", "--json", "--posture", *TRUST, "--domain",
                                "corp.example", "%s%s:15222" % (self.NET, i)],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(e["tls_versions"],
                             json.loads(p.stdout)["posture"]["tls_versions"], node)
        # Without --posture: no versions, no such findings.
        code, eps, summary, err, _ = scan_json(*self.given())
        self.assertNotIn("tls_versions", eps[0])
        self.assertNotIn("tls-legacy-only", [x["code"] for x in summary["findings"]])


class ClientAuth(unittest.TestCase):
    """The s2s certificates' purpose across nodes: cup1 presents a
    dual-purpose certificate (fixture domain-san), cup2 one made here
    without clientAuth, as public CAs issue them from 2026."""
    NET = "127.0.123."
    NODES = ["cup1.corp.example", "cup2.corp.example"]

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-scan-eku-")
        key, csr, crt = (os.path.join(cls.dir, n) for n in ("s.key", "s.csr", "s.crt"))
        ext = os.path.join(cls.dir, "s.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:corp.example,DNS:cup2.corp.example\n"
                    "extendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-subj",
                        "/CN=cup2.corp.example", "-out", csr], check=True,
                       capture_output=True, timeout=60)
        subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", cert("issuing-ca.crt"),
                        "-CAkey", cert("issuing-ca.key"), "-CAserial",
                        os.path.join(cls.dir, "serial"), "-CAcreateserial", "-days", "3650",
                        "-extfile", ext, "-out", crt], check=True, capture_output=True,
                       timeout=60)
        cls.chain = os.path.join(cls.dir, "s.chain.pem")
        with open(cls.chain, "w") as f:
            f.write(open(crt).read() + open(cert("issuing-ca.crt")).read())
        os.chmod(cls.dir, 0o755)
        cls.servers = []
        try:
            cls.servers += [
                Prosody(cls.NET + "1", "domain-san"),
                ProsodyHosts(cls.NET + "2", [("corp.example", cls.chain, key)]),
            ]
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_nodes_that_differ_and_the_notice(self):
        pins = []
        for i, node in enumerate(self.NODES, 1):
            pins += ["--resolve", "%s:15269:%s%d" % (node, self.NET, i)]
        code, eps, summary, err, _ = scan_json(*TRUST, *PORTS, *pins, "--services", "s2s",
                                               "--domain", "corp.example", *self.NODES)
        f = {x["code"]: x for x in summary["findings"]}
        self.assertEqual((f["s2s-clientauth-differs"]["nodes"],
                          f["s2s-clientauth-differs"]["services"]),
                         (["cup2.corp.example"], ["s2s"]), summary)
        self.assertIn("while those of cup1.corp.example have it",
                      f["s2s-clientauth-differs"]["message"])
        # Each endpoint's own notice, the same as verify's on the file.
        n = [x["code"] for x in by(eps, "cup2.corp.example", "s2s")["notices"]]
        self.assertEqual(n, ["s2s-no-clientauth"])
        self.assertEqual(by(eps, "cup1.corp.example", "s2s")["notices"], [])
        files = [a for a in TRUST if a != "--no-store"]
        code, out, err, _ = run("verify", "--json", *files, "--service", "s2s", "--domain",
                                "corp.example", self.chain)
        o = json.loads(out)
        self.assertEqual([x["code"] for x in o["notices"]], ["s2s-no-clientauth"])
        self.assertIn("ejabberd 23.01 refuses it", o["notices"][0]["text"])
        # Not for clients: c2s has no such notice.
        code, out, err, _ = run("verify", "--json", *files, "--domain", "corp.example",
                                self.chain)
        self.assertEqual(json.loads(out)["notices"], [])


class Mixed(unittest.TestCase):
    NET = "127.0.121."

    @classmethod
    def setUpClass(cls):
        n = cls.NET
        cls.servers = []
        try:
            cls.servers += [
                Prosody(n + "1", "expiring-soon"),
                Prosody(n + "2", "self-signed-cup2"),
                Nginx([(n + "1", 18443, "tomcat"), (n + "2", 18443, "self-signed-tomcat-cup2")]),
            ]
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def test_self_signed_same_cn_mixed_issuers_and_expiry(self):
        pins = ["--resolve", "cup1.corp.example:15222:%s1" % self.NET,
                "--resolve", "cup2.corp.example:15222:%s2" % self.NET]
        code, eps, summary, err, _ = scan_json(*TRUST, *PORTS, *pins, "--domain",
                                                "corp.example", "cup1.corp.example",
                                                "cup2.corp.example")
        self.assertEqual(code, 1, err)
        found = codes(summary)
        self.assertIn(("self-signed-same-cn", ("cup2.corp.example",)), found)
        self.assertIn(("expiry-soon", ("cup1.corp.example",)), found)
        issuers = [f for f in summary["findings"] if f["code"] == "issuer-differs"]
        self.assertEqual(sorted(f["services"][0] for f in issuers), ["c2s", "https", "s2s"])
        for f in issuers:
            self.assertEqual(f["severity"], "warning")
            self.assertEqual(f["nodes"], ["cup1.corp.example", "cup2.corp.example"])
        e = by(eps, "cup2.corp.example", "c2s")
        self.assertEqual((e["verdict"], e["problems"]), ("not-verified", ["untrusted"]))
        expiring = [f for f in summary["findings"] if f["code"] == "expiry-soon"][0]
        self.assertIn("expires in 14 days", expiring["message"])


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Cluster", "Mixed"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
