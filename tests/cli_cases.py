#!/usr/bin/env python3
"""capture and replay: the corpus, regressions, broken cases, live capture.

Usage: cli_cases.py CLASS   (XMPPCV and FIXTURES come from the environment)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Prosody, cert  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
FIXTURES = os.environ.get("FIXTURES", "fixtures")
CORPUS = os.path.join(FIXTURES, "captures")
AT = "2026-06-01T00:00:00Z"


def run(*args, timeout=120):
    p = subprocess.run([XMPPCV, *args], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        raise AssertionError("sanitizer report:\n" + p.stderr)
    return p.returncode, p.stdout, p.stderr


class Replay(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="xmppcv-cases-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def copy(self, *names):
        for n in names:
            shutil.copytree(os.path.join(CORPUS, n), os.path.join(self.dir, n))
        return self.dir

    def edit(self, name, change):
        path = os.path.join(self.dir, name, "case.json")
        with open(path) as f:
            o = json.load(f)
        change(o)
        with open(path, "w") as f:
            json.dump(o, f)

    def test_corpus_covers_the_situations_and_replays_unchanged(self):
        cases = sorted(os.listdir(CORPUS))
        for needed in ("san-domain-on", "san-domain-off-fqdn-only", "private-ca-not-imported",
                       "self-signed", "wildcard-cn-node-https", "xmppaddr-only",
                       "srvname-only-c2s", "expired", "missing-intermediate",
                       "live-san-domain-off", "live-san-domain-on"):
            self.assertIn(needed, cases)
        code, out, err = run("replay", CORPUS)
        self.assertEqual(code, 0, out + err)
        self.assertIn("%d cases: %d same, 0 changed, 0 unreadable" % (len(cases), len(cases)),
                      out)

    def test_tap(self):
        code, out, _ = run("replay", "--tap", CORPUS)
        lines = out.splitlines()
        self.assertEqual(code, 0)
        self.assertEqual(lines[0], "TAP version 13")
        n = len(os.listdir(CORPUS))
        self.assertEqual(lines[1], "1..%d" % n)
        self.assertEqual(sum(l.startswith("ok ") for l in lines), n)

    def test_a_regression_is_reported_plainly(self):
        d = self.copy("san-domain-on", "xmppaddr-only")
        # Swap the chain for the node-only certificate: was ok via dnsName.
        shutil.copy(cert("fqdn-only.chain.pem"), os.path.join(d, "san-domain-on", "chain.pem"))
        code, out, _ = run("replay", d)
        self.assertEqual(code, 1)
        self.assertIn("CHANGED  %s/san-domain-on: was ok via dnsName corp.example; "
                      "now not ok: mismatch, chain trusted" % d, out)
        self.assertIn("same     %s/xmppaddr-only" % d, out)
        code, out, _ = run("replay", "--tap", d)
        self.assertEqual(code, 1)
        self.assertIn("not ok 1 - %s/san-domain-on: was ok via dnsName" % d, out)

    def test_an_improvement_is_a_change_too(self):
        d = self.copy("san-domain-off-fqdn-only")
        self.edit("san-domain-off-fqdn-only",
                  lambda o: o["verdict"].update(ok=True, matched_field="dnsName",
                                                matched_value="corp.example"))
        code, out, _ = run("replay", d)
        self.assertEqual(code, 1)
        self.assertIn("now not ok: mismatch", out)

    def test_cases_do_not_expire_unless_asked(self):
        d = self.copy("expiring-soon")
        self.assertEqual(run("replay", d)[0], 0)
        code, out, _ = run("replay", "--at", "now", d)
        self.assertEqual(code, 1)
        self.assertIn("expired on 2026-06-15", out)
        self.assertEqual(run("replay", "--at", "2026-06-10", d)[0], 0)

    def test_policy_change(self):
        d = self.copy("cn-only-fallback")
        self.assertEqual(run("replay", d)[0], 0)
        code, out, _ = run("replay", "--policy", "rfc9525", d)
        self.assertEqual(code, 1)
        self.assertIn("was ok via cn corp.example; now not ok: mismatch", out)

    def test_case_anchors_and_replay_trust_options(self):
        d = self.copy("private-ca-not-imported", "san-domain-on")
        self.assertFalse(os.path.exists(os.path.join(d, "private-ca-not-imported",
                                                     "anchors.pem")))
        self.assertTrue(os.path.exists(os.path.join(d, "san-domain-on", "anchors.pem")))
        self.assertEqual(run("replay", d)[0], 0)
        # Giving the private root to every case changes the one without it.
        code, out, _ = run("replay", "--ca-file", cert("root-ca.crt"), d)
        self.assertEqual(code, 1)
        self.assertIn("private-ca-not-imported: was not ok", out)

    def test_unreadable_cases_are_named(self):
        d = self.copy("san-domain-on", "expired", "self-signed")
        with open(os.path.join(d, "expired", "case.json"), "w") as f:
            f.write("{not json")
        os.unlink(os.path.join(d, "self-signed", "chain.pem"))
        code, out, err = run("replay", d)
        self.assertEqual(code, 2)
        self.assertIn("unreadable case %s/expired" % d, err)
        self.assertIn("unreadable case %s/self-signed" % d, err)
        self.assertIn("1 same, 0 changed, 2 unreadable", out)

    def test_no_cases(self):
        code, _, err = run("replay", self.dir)
        self.assertEqual(code, 2)
        self.assertIn("no case", err)
        code, _, err = run("replay")
        self.assertEqual(code, 2)


class Capture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = [Prosody("127.0.100.1", "fqdn-only"), Prosody("127.0.100.2", "domain-san")]

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="xmppcv-capture-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def capture(self, ip, name, *extra):
        out = os.path.join(self.dir, name)
        return out, run("capture", "--at", AT, "--no-system-ca", "--ca-file",
                        cert("root-ca.crt"), "--resolve", "cup1.corp.example:15222:" + ip,
                        *extra, "cup1.corp.example:15222", "--out", out)

    def test_live_capture_records_what_was_learned_and_replays(self):
        out, (code, stdout, err) = self.capture("127.0.100.2", "on")
        self.assertEqual(code, 0, err)
        self.assertIn("ok via dnsName corp.example", stdout)
        with open(os.path.join(out, "case.json")) as f:
            o = json.load(f)
        self.assertEqual((o["target"], o["address"], o["domain"], o["domain_source"]),
                         ("cup1.corp.example:15222", "127.0.100.2:15222", "corp.example",
                          "accepted"))
        self.assertEqual((o["service"], o["captured"], o["system_ca"]), ("c2s", AT, False))
        self.assertEqual(o["verdict"]["matched_field"], "dnsName")
        self.assertTrue(o["xmppcv"])
        with open(os.path.join(out, "chain.pem")) as f:
            self.assertEqual(f.read().count("BEGIN CERTIFICATE"), 2)
        self.assertEqual(run("replay", self.dir)[0], 0)

    def test_a_failing_server_is_captured_with_its_verdict(self):
        out, (code, stdout, _) = self.capture("127.0.100.1", "off")
        self.assertEqual(code, 0)
        with open(os.path.join(out, "case.json")) as f:
            v = json.load(f)["verdict"]
        self.assertEqual((v["ok"], v["chain_trusted"], v["matched_field"]), (False, True, None))
        self.assertEqual(run("replay", self.dir)[0], 0)

    def test_never_overwrites(self):
        out, (code, _, _) = self.capture("127.0.100.2", "same")
        self.assertEqual(code, 0)
        with open(os.path.join(out, "case.json")) as f:
            before = f.read()
        _, (code, _, err) = self.capture("127.0.100.1", "same")
        self.assertEqual(code, 2)
        self.assertIn("already exists", err)
        with open(os.path.join(out, "case.json")) as f:
            self.assertEqual(f.read(), before)

    def test_no_certificate_writes_nothing(self):
        out = os.path.join(self.dir, "none")
        code, _, err = run("capture", "--timeout", "2", "127.0.100.9:15222", "--domain",
                           "corp.example", "--out", out)
        self.assertEqual(code, 3)
        self.assertFalse(os.path.exists(out))
        self.assertEqual([n for n in os.listdir(self.dir)], [])

    def test_the_case_directory_parents_are_made(self):
        out = os.path.join(self.dir, "cases", "cluster-a", "cup1")
        code, stdout, err = run("capture", "--from-file", cert("domain-san.chain.pem"),
                                "--domain", "corp.example", "--at", AT, "--out", out)
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.isfile(os.path.join(out, "case.json")))
        # The case directory itself is still never overwritten.
        code, _, err = run("capture", "--from-file", cert("domain-san.chain.pem"),
                           "--domain", "corp.example", "--at", AT, "--out", out)
        self.assertEqual(code, 2)
        self.assertIn("already exists", err)

    def test_hand_made_case(self):
        out = os.path.join(self.dir, "hand")
        code, stdout, _ = run("capture", "--from-file", cert("xmppaddr-only.chain.pem"),
                              "--domain", "corp.example", "--at", AT, "--no-system-ca",
                              "--ca-file", cert("root-ca.crt"), "--out", out)
        self.assertEqual(code, 0)
        self.assertIn("ok via xmppAddr corp.example", stdout)
        self.assertEqual(run("replay", self.dir)[0], 0)
        code, _, err = run("capture", "--from-file", cert("xmppaddr-only.chain.pem"),
                           "--out", out + "2")
        self.assertEqual(code, 2)
        self.assertIn("--domain is required", err)
        code, _, err = run("capture", "corp.example")
        self.assertEqual(code, 2)
        self.assertIn("--out", err)


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Replay", "Capture"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
