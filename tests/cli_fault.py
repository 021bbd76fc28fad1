#!/usr/bin/env python3
"""Allocation failures on every path a user runs: verify, check against a
scripted peer, capture, replay, trust add, trust plan.

Usage: cli_fault.py FAULT_RUN   (FIXTURES from the environment)

FAULT_RUN (tests/fault) runs each command in one process, then again with
its first allocation failing, then its second, ... to its last: every run
must end as without the failure or with "out of memory" and exit 4, never
a crash, another verdict or another message; the store must stay sound;
LeakSanitizer checks for leaks when each harness process ends. The
scripted peers run on 127.0.160.1 and .2, an nginx on .3; each is stopped
by its PID.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Nginx, Peer, cert  # noqa: E402

FAULT_RUN = None
FIXTURES = os.environ.get("FIXTURES", "fixtures")
AT = "2026-06-01T00:00:00Z"
TRUST = ["--no-system-ca", "--ca-file", cert("root-ca.crt")]
PEER = "127.0.160.1"
PLAIN_PEER = "127.0.160.2"     # features with PLAIN and no STARTTLS
# TLS 1.2 alone, ten ciphers, the client's order: the posture asks it in
# slices.
CLIENT_ORDER = "127.0.160.3"


class Fault(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-fault-")
        cls.peer = Peer("announce", PEER, 15222, cert("domain-san.chain.pem"),
                        cert("domain-san.key"))
        cls.plain = cls.nginx = None
        try:
            cls.plain = Peer("no-starttls", PLAIN_PEER, 15222)
            cls.nginx = Nginx([(CLIENT_ORDER, 15443, "rsa-domain",
                                "ssl_protocols TLSv1.2; ssl_ciphers "
                                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA256:"
                                "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:"
                                "ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:"
                                "AES128-SHA:@SECLEVEL=0;")])
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in (cls.peer, cls.plain, cls.nginx):
            if s is not None:
                s.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def harness(self, *args, options=(), base_exit=None):
        env = dict(os.environ, XMPPCV_STORE=os.path.join(self.dir, "no-store"))
        if base_exit is not None:
            # The run without failures goes where the test means it to.
            p = subprocess.run([FAULT_RUN, "--only", "1", "--", *args], capture_output=True,
                               text=True, timeout=120, env=env)
            self.assertIn("without failures: exit %d\n" % base_exit, p.stdout,
                          p.stdout[-3000:] + p.stderr[-3000:])
        p = subprocess.run([FAULT_RUN, *options, "--", *args], capture_output=True,
                           text=True, timeout=600, env=env)
        summary = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        print(summary, flush=True)
        self.assertEqual(p.returncode, 0, p.stdout[-6000:] + p.stderr[-6000:])
        self.assertNotIn("Sanitizer", p.stderr)
        # It did fail allocations, and found the path's end.
        self.assertRegex(summary, r": [1-9][0-9]* allocations, [1-9][0-9]* failed")
        return summary

    def test_verify(self):
        self.harness("verify", *TRUST, "--at", AT, "--domain", "corp.example",
                     cert("domain-san.chain.pem"))

    def test_verify_not_verified(self):
        self.harness("verify", *TRUST, "--at", AT, "--json", "--domain", "corp.example",
                     cert("fqdn-only.chain.pem"))

    def test_check(self):
        self.harness("check", *TRUST, "--at", AT, "--no-store", "--timeout", "10",
                     "--domain", "corp.example", PEER + ":15222")

    def test_check_discovery(self):
        self.harness("check", *TRUST, "--at", AT, "--no-store", "--timeout", "10",
                     "--resolve", "cup1.corp.example:15222:" + PEER,
                     "cup1.corp.example:15222")

    def test_check_posture(self):
        # The stream's report, the posture's connections (versions,
        # ciphers, groups, order), their findings, and their JSON.
        # Some 40 handshakes, 97,000 allocations: every 307th, not each (hours).
        self.harness("check", *TRUST, "--at", AT, "--no-store", "--timeout", "10",
                     "--posture", "--json", "--domain", "corp.example", PEER + ":15222",
                     options=["--every", "307"])

    def test_check_posture_in_slices(self):
        # A server of the client's order: the ciphers and groups left
        # after the order question are cut into slices, asked side by
        # side, and put back in the order offered. 70,000 allocations.
        self.harness("check", *TRUST, "--at", AT, "--no-store", "--timeout", "10",
                     "--posture", "--json", "--service", "https", "--resolve",
                     "cup2.corp.example:15443:" + CLIENT_ORDER, "cup2.corp.example:15443",
                     options=["--every", "97"], base_exit=0)

    def test_check_plain_before_tls(self):
        # JSON, not the plugin output, whose time= differs between runs.
        self.harness("check", *TRUST, "--at", AT, "--no-store", "--timeout", "10",
                     "--json", "--domain", "corp.example", PLAIN_PEER + ":15222")

    def test_capture(self):
        out = os.path.join(self.dir, "case")
        self.harness("capture", PEER + ":15222", "--domain", "corp.example", *TRUST,
                     "--at", AT, "--out", out, options=["--fresh", out])

    def test_replay(self):
        self.harness("replay", "--no-system-ca",
                     os.path.join(FIXTURES, "captures", "expiring-soon"))

    def test_trust_add(self):
        store = os.path.join(self.dir, "store")
        self.harness("trust", "add", cert("self-signed.crt"), "--domain", "corp.example",
                     "--store", store, options=["--fresh", store, "--store", store])

    def test_trust_add_mismatch(self):
        # The acceptance comes with a warning on standard error, which a
        # run that absorbs a failure must print as well.
        store = os.path.join(self.dir, "store-mismatch")
        self.harness("trust", "add", cert("fqdn-only.crt"), "--domain",
                     "corp.example", "--store", store,
                     options=["--fresh", store, "--store", store])

    def test_trust_plan(self):
        # A saved scan, written here: a chain to a private root, a
        # self-signed certificate, a name mismatch and a chain without
        # its intermediate; a small clients' store keeps the runs few.
        def pem(name):
            with open(cert(name)) as f:
                return {"pem": f.read()}
        lines = [("cup1", "c2s", "corp.example", True,
                  ["domain-san.crt", "issuing-ca.crt", "root-ca.crt"]),
                 ("cup2", "c2s", "corp.example", True, ["self-signed-cup2.crt"]),
                 ("cup2", "https", "cup2.corp.example", True,
                  ["self-signed-tomcat-cup2.crt"]),
                 ("cup3", "c2s", "corp.example", False,
                  ["tomcat-cup3.crt", "issuing-ca.crt", "root-ca.crt"]),
                 ("cup3", "https", "cup3.corp.example", True, ["plan-no-inter-cup3.crt"])]
        saved = os.path.join(self.dir, "scan.json")
        with open(saved, "w") as f:
            for node, service, name, matched, chain in lines:
                f.write(json.dumps({"node": node, "service": service, "expected_name": name,
                                    "verdict": "verified" if matched else "not-verified",
                                    "identity": {"matched": matched},
                                    "chain": {"built": [pem(c) for c in chain]}}) + "\n")
        top = os.path.join(self.dir, "plans")
        plan = os.path.join(top, "plan")
        args = ["trust", "plan", "--from", saved, "--at", AT, "--system-store",
                cert("other-root-ca.crt"), plan]
        # Without failures, the input makes a plan (exit 0), so that the
        # runs with failures go all the way through writing it.
        p = subprocess.run([FAULT_RUN, "--fresh", top, "--only", "1", "--", *args],
                           capture_output=True, text=True, timeout=120)
        self.assertIn("without failures: exit 0\n", p.stdout, p.stdout + p.stderr)
        self.assertIn("trust plan written to", p.stdout)
        self.harness(*args, options=["--fresh", top])


if __name__ == "__main__":
    FAULT_RUN = os.path.abspath(sys.argv[1])
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestLoader().loadTestsFromTestCase(Fault))
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
