#!/usr/bin/env python3
"""Peers that hang up at every phase: a closed or reset connection is an
error with its documented exit status and a message, never a death by
SIGPIPE (exit 141, nothing printed).

Usage: cli_hangups.py CLASS   (XMPPCV and FIXTURES come from the environment)
Each case runs ROUNDS times: a failure that shows once in four runs cannot
pass 50 of them. Every peer is stopped by its PID; every wait is bounded.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Exporter, Peer, cert, free_port, stop_pid  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
AT = "2026-06-01T00:00:00Z"
TRUST = ["--no-system-ca", "--ca-file", cert("root-ca.crt"), "--at", AT, "--no-store"]
CHAIN = (cert("domain-san.chain.pem"), cert("domain-san.key"))
ROUNDS = 50
# One network per class: meson runs the classes at once.
NETS = {"Check": "127.0.23.", "Scan": "127.0.24.", "Login": "127.0.25.",
        "ExporterAnswer": "127.0.26."}


def run(*args, env=None, timeout=60):
    """Run xmppcv; (exit status, stdout, stderr). A signal is a failure."""
    p = subprocess.Popen([XMPPCV, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_pid(p)
        raise AssertionError("xmppcv did not finish within %d s: %r" % (timeout, args))
    err = err.decode("utf-8", "replace")
    if p.returncode < 0:
        raise AssertionError("xmppcv killed by signal %d (%r)" % (-p.returncode, args))
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    return p.returncode, out.decode("utf-8", "replace"), err


class Base(unittest.TestCase):
    host = 0

    def net(self):
        return NETS[type(self).__name__]

    def peer(self, mode, *args):
        Base.host += 1
        ip = self.net() + str(Base.host)
        p = Peer(mode, ip, 15222, *args)
        self.addCleanup(p.stop)
        return ip

    def rounds(self, args, code, phases, message, env=None):
        """Run xmppcv ROUNDS times; every run must exit with code and, for
        exit 3, name one of phases and say message."""
        seen = set()
        for i in range(ROUNDS):
            got, out, err = run(*args, env=env)
            self.assertEqual(got, code, "run %d of %d: %s" % (i + 1, ROUNDS, err))
            if code == 3:
                o = json.loads(out)
                self.assertIn(o["error"]["phase"], phases, o["error"])
                self.assertIn(message, o["error"]["message"])
                self.assertIn("no certificate", err)
                seen.add(o["error"]["phase"])
        return seen


class Check(Base):
    """`check` against a peer that hangs up in each phase."""

    def check(self, ip, *extra):
        return ["check", "--json", *TRUST, "--domain", "corp.example", "--timeout", "3",
                *extra, "%s:15222" % ip]

    def test_reset_after_the_stream_header(self):
        ip = self.peer("reset-header")
        self.rounds(self.check(ip), 3, {"stream"}, "")

    def test_close_before_starttls(self):
        # xmppcv writes <starttls/> to a peer that has gone.
        ip = self.peer("close-features")
        self.rounds(self.check(ip), 3, {"starttls", "stream"}, "")

    def test_close_after_proceed(self):
        # The case that died of SIGPIPE in four runs of five.
        ip = self.peer("close-proceed")
        self.rounds(self.check(ip), 3, {"tls"}, "TLS handshake failed")

    def test_reset_after_proceed(self):
        ip = self.peer("reset")
        self.rounds(self.check(ip), 3, {"tls"}, "TLS handshake failed")

    def test_reset_in_the_middle_of_the_handshake(self):
        ip = self.peer("reset-handshake", *CHAIN)
        self.rounds(self.check(ip), 3, {"tls"}, "TLS handshake failed")

    def test_reset_after_the_handshake(self):
        # STARTTLS: the certificate was obtained before the reset, and it
        # verifies.
        ip = self.peer("close-tls", *CHAIN)
        self.rounds(self.check(ip), 0, set(), "")

    def test_direct_tls_reset_after_the_handshake(self):
        # Direct TLS: xmppcv writes its stream header over TLS to a peer
        # that has reset; no XMPP stream is a failure (XEP-0368).
        ip = self.peer("close-direct-tls", *CHAIN)
        self.rounds(self.check(ip, "--direct-tls"), 3, {"stream"},
                    "no XMPP stream opened over TLS")

    def test_https_reset_after_the_handshake(self):
        # HTTPS: xmppcv writes HEAD / to a peer that has reset. The
        # certificate was obtained and verifies; the missing answer is a
        # warning of the report.
        ip = self.peer("close-direct-tls", *CHAIN)
        args = ["check", "--json", *TRUST, "--service", "https", "--timeout", "3",
                "--resolve", "cup1.corp.example:15222:" + ip, "cup1.corp.example:15222"]
        for i in range(ROUNDS):
            code, out, err = run(*args)
            self.assertEqual(code, 0, "run %d of %d: %s" % (i + 1, ROUNDS, err))
            self.assertTrue(any("no HTTP server answered over TLS" in w
                                for w in json.loads(out)["warnings"]), out)


class Scan(Base):
    """One node that hangs up does not cost the administrator the matrix."""

    def scan(self, *nodes, json_out=True):
        return run("scan", *(["--json"] if json_out else []), *TRUST, "--domain",
                   "corp.example", "--services", "c2s", "--port", "c2s=15222",
                   "--timeout", "3", *nodes)

    def test_a_node_that_closes_after_proceed(self):
        good = self.peer("announce", *CHAIN)
        bad = self.peer("close-proceed")
        for i in range(ROUNDS):
            # An unreachable node is an error finding: exit 1 (README, scan).
            code, out, err = self.scan(good, bad)
            self.assertEqual(code, 1, "run %d: %s" % (i + 1, err))
            lines = [json.loads(l) for l in out.splitlines() if l.strip()]
            cells = {o["node"]: o for o in lines if "node" in o}
            self.assertEqual(cells[good]["verdict"], "verified")
            self.assertEqual(cells[bad]["verdict"], "no-certificate")
            self.assertEqual(cells[bad]["error"]["phase"], "tls")
            self.assertEqual(lines[-1]["summary"]["no_certificate"], 1)
            self.assertEqual([f["nodes"] for f in lines[-1]["findings"]
                              if f["code"] == "node-unreachable"], [[bad]])

    def test_text_matrix_names_the_node(self):
        good = self.peer("announce", *CHAIN)
        bad = self.peer("reset-handshake", *CHAIN)
        code, out, err = self.scan(good, bad, json_out=False)
        self.assertEqual(code, 1, err)
        row = [l for l in out.splitlines() if l.startswith(bad)]
        self.assertEqual(len(row), 1, out)
        self.assertIn("NO CERT (tls)", row[0])


class Login(Base):
    """`--login`: libstrophe writes to a server that reset the connection;
    the library blocks SIGPIPE in its own thread for that, and leaves the
    program's handling of it as it was."""

    def logins(self, mode):
        """ROUNDS checks with --login against a peer in mode: verified, then
        the login fails, exit 1 with the reason, every time."""
        ip = self.peer(mode, *CHAIN)
        env = dict(os.environ, XMPPCV_PASSWORD="secret")
        args = ["check", *TRUST, "--domain", "corp.example", "--timeout", "3",
                "--login", "alice@corp.example", "%s:15222" % ip]
        for i in range(ROUNDS):
            code, out, err = run(*args, env=env)
            self.assertEqual(code, 1, "run %d: %s%s" % (i + 1, out, err))
            self.assertIn("login", (out + err).lower())

    def test_reset_when_authenticating(self):
        self.logins("close-auth")

    def test_close_after_the_features(self):
        # libstrophe answers the features with <auth/> into a closed
        # connection, then writes its close: the second write meets EPIPE.
        # Without the guard this killed the process every time.
        self.logins("close-sasl")

    def test_the_program_keeps_its_sigpipe_handling(self):
        for mode in ("close-auth", "close-sasl"):
            self.embedded(mode)

    def embedded(self, mode):
        ip = self.peer(mode, *CHAIN)
        p = subprocess.run([os.environ["SIGPIPE_PROBE"], str(ROUNDS), "%s:15222" % ip,
                            "corp.example", cert("root-ca.crt"), "alice@corp.example"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("%d of %d logins attempted and refused" % (ROUNDS, ROUNDS), p.stdout)


class ExporterAnswer(Base):
    """The exporter answers a scraper that has gone away, and lives on."""

    def test_scraper_resets_before_the_answer(self):
        slow = self.peer("slow-announce", *CHAIN)
        Base.host += 1
        config = {"targets": {"corp.example": {
            "domain": "corp.example", "modules": ["c2s"], "ca_file": cert("root-ca.crt"),
            "system_ca": False, "timeout": 5,
            "resolve": ["corp.example:15222:" + slow]}}}
        e = Exporter(XMPPCV, self.net() + str(Base.host), config)
        try:
            path = "/probe?target=corp.example&module=c2s"
            for _ in range(ROUNDS):
                s = socket.create_connection((e.ip, e.port), timeout=5)
                s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
                # Gone before the probe (0.3 s at least) ends: a reset.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            # Every probe it started has answered into a reset by now.
            time.sleep(1.0)
            self.assertIsNone(e.proc.poll(), e.log())
            with urllib.request.urlopen("http://%s:%d%s" % (e.ip, e.port, path),
                                        timeout=30) as r:
                self.assertEqual(r.status, 200)
                self.assertIn("probe_success 1", r.read().decode())
        finally:
            code, log = e.stop()
        self.assertEqual(code, 0, log)
        self.assertNotIn("Sanitizer", log)


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Check", "Scan", "Login", "ExporterAnswer"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
