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
GENCHAINS = os.environ.get("GENCHAINS", "build/bench/genchains")
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

    def test_a_capture_time_outside_the_years_0000_to_9999_is_refused(self):
        d = self.copy("san-domain-on", "expired")
        for t in ("@-9223372036854775808", "@253402300800", "@-62167219201"):
            self.edit("expired", lambda o: o.update(captured=t))
            code, out, err = run("replay", d)
            self.assertEqual(code, 2, t)
            self.assertIn("unreadable case %s/expired: %s/expired/case.json: captured: "
                          "invalid time '%s'" % (d, d, t), err)
            self.assertIn("between the years 0000 and 9999", err)
            self.assertIn("1 same, 0 changed, 1 unreadable", out)
        # The last second is a time: every certificate is then expired,
        # and said so, not taken for damaged.
        self.edit("expired", lambda o: o.update(captured="2026-06-01T00:00:00Z"))
        self.edit("san-domain-on", lambda o: o.update(captured="@253402300799"))
        code, out, _ = run("replay", d)
        self.assertEqual(code, 1)
        self.assertIn("same     %s/expired" % d, out)
        self.assertIn("CHANGED  %s/san-domain-on: was ok via dnsName corp.example; "
                      "now not ok: matched via dnsName corp.example, chain untrusted: "
                      "\"Corp Root CA\" expired on 2040-01-01T00:00:00Z (checked as at "
                      "9999-12-31T23:59:59Z)" % d, out)

    def test_a_match_recorded_by_half_is_unreadable(self):
        d = self.copy("san-domain-on", "san-domain-off-fqdn-only")
        self.edit("san-domain-off-fqdn-only",
                  lambda o: o["verdict"].update(matched_field="dnsName"))
        self.edit("san-domain-on", lambda o: o["verdict"].pop("matched_value"))
        code, out, err = run("replay", d)
        self.assertEqual(code, 2)
        self.assertIn("%s/san-domain-off-fqdn-only/case.json: verdict.matched_field is recorded "
                      "without verdict.matched_value" % d, err)
        self.assertIn("%s/san-domain-on/case.json: verdict.matched_field is recorded "
                      "without verdict.matched_value" % d, err)
        self.assertNotIn("(null)", out + err)
        self.assertIn("0 same, 0 changed, 2 unreadable", out)
        self.edit("san-domain-on", lambda o: o["verdict"].update(matched_field=None,
                                                                 matched_value="corp.example"))
        code, _, err = run("replay", d)
        self.assertIn("verdict.matched_value is recorded without verdict.matched_field", err)
        self.edit("san-domain-on", lambda o: o["verdict"].update(matched_field=7))
        code, _, err = run("replay", d)
        self.assertIn("verdict.matched_field is neither a string nor null", err)

    def test_no_cases(self):
        code, _, err = run("replay", self.dir)
        self.assertEqual(code, 2)
        self.assertIn("no case", err)
        code, _, err = run("replay")
        self.assertEqual(code, 2)


class Jobs(unittest.TestCase):
    """replay --jobs N writes what one thread writes, byte for byte, and exits alike."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-jobs-")
        # A fleet of 1,100 generated cases (more than the 1,024 the pool
        # keeps ahead of the writer) under the generator's own root.
        subprocess.run([GENCHAINS, os.path.join(cls.dir, "gen"), "1100", "corp.example",
                        "cases"], check=True, capture_output=True, timeout=300)
        cls.root = os.path.join(cls.dir, "gen", "root.pem")
        cls.fleet = os.path.join(cls.dir, "gen", "cases")
        cls.mixed = os.path.join(cls.dir, "mixed")
        cls.make_mixed()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    @classmethod
    def make_mixed(cls):
        """300 generated cases with the corpus between them (each case
        with its own anchors), regressions, improvements and every way a
        case can be unreadable, at fixed places."""
        os.mkdir(cls.mixed)
        corpus = sorted(os.listdir(CORPUS))
        for i in range(300):
            name = "%05d" % i
            dst = os.path.join(cls.mixed, name)
            shutil.copytree(os.path.join(cls.fleet, name), dst)
            if i % 10 == 3:
                shutil.copytree(os.path.join(CORPUS, corpus[(i // 10) % len(corpus)]),
                                dst + "-corpus")
            case_json = os.path.join(dst, "case.json")
            with open(case_json) as f:
                o = json.load(f)
            kind = i % 37
            if kind == 5:        # a regression: another server's chain
                shutil.copy(cert("fqdn-only.chain.pem"), os.path.join(dst, "chain.pem"))
            elif kind == 7:      # an improvement is a change too
                o["verdict"].update(ok=False, chain_trusted=False)
            elif kind == 11:
                with open(case_json, "w") as f:
                    f.write("{not json")
                continue
            elif kind == 13:
                os.unlink(os.path.join(dst, "chain.pem"))
            elif kind == 17:
                with open(os.path.join(dst, "chain.pem"), "r+") as f:
                    f.truncate(300)
            elif kind == 19:
                o["captured"] = "@-9223372036854775808"
            elif kind == 23:
                o["verdict"].pop("matched_value")
            elif kind == 29:
                with open(os.path.join(dst, "anchors.pem"), "w") as f:
                    f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            elif kind == 31:     # anchors of its own: another configuration
                shutil.copy(cls.root, os.path.join(dst, "anchors.pem"))
            with open(case_json, "w") as f:
                json.dump(o, f)

    def same(self, *args):
        first = None
        for jobs in ("1", "2", "3", "8"):
            p = subprocess.run([XMPPCV, "replay", "--jobs", jobs, *args], capture_output=True,
                               timeout=300, stdin=subprocess.DEVNULL)
            if b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr:
                raise AssertionError(p.stderr.decode())
            got = (p.returncode, p.stdout, p.stderr)
            if first is None:
                first = got
            else:
                self.assertEqual(got[0], first[0], "exit status, --jobs %s" % jobs)
                self.assertEqual(got[1].decode().splitlines(), first[1].decode().splitlines(),
                                 "stdout, --jobs %s" % jobs)
                self.assertEqual(got[2].decode().splitlines(), first[2].decode().splitlines(),
                                 "stderr, --jobs %s" % jobs)
                self.assertEqual(got, first, "--jobs %s" % jobs)
        return first[0], first[1].decode(), first[2].decode()

    def test_corpus(self):
        # (--at now is left out: two runs may fall in different seconds.)
        for extra in ([], ["--tap"], ["--at", "2037-01-01T00:00:00Z"], ["--policy", "rfc9525"],
                      ["--strict"]):
            code, out, _ = self.same(*extra, CORPUS)
            if not extra:
                self.assertEqual(code, 0)
                self.assertIn("%d cases: %d same" % (len(os.listdir(CORPUS)),
                                                       len(os.listdir(CORPUS))), out)

    def test_generated_fleet(self):
        code, out, _ = self.same("--no-system-ca", "--ca-file", self.root, self.fleet)
        self.assertEqual(code, 0)
        self.assertIn("1100 cases: 1100 same, 0 changed, 0 unreadable", out)
        # Under another root every case changes.
        code, out, _ = self.same("--tap", "--no-system-ca", "--ca-file", cert("root-ca.crt"),
                                 self.fleet)
        self.assertEqual(code, 1)
        self.assertIn("# 0 same, 1100 changed, 0 unreadable", out)

    def test_regressions_and_unreadable_cases(self):
        code, out, err = self.same("--no-system-ca", "--ca-file", self.root, self.mixed)
        self.assertEqual(code, 2)
        self.assertRegex(out, r"330 cases: \d+ same, \d+ changed, \d+ unreadable")
        for what in ("cannot read", "chain.pem: cannot read: No such file",
                     "PEM block 1 is truncated or damaged", "captured: invalid time",
                     "verdict.matched_field is recorded without",
                     "anchors.pem: certificate 1 does not parse"):
            self.assertIn(what, err)
        self.assertIn("CHANGED  %s/00005: was ok via dnsName corp.example; now not ok: "
                      "mismatch, chain untrusted" % self.mixed, out)
        for extra in (["--tap"], ["--at", "2037-01-01T00:00:00Z", "--tap"],
                      ["--policy", "rfc9525"]):
            self.same("--no-system-ca", "--ca-file", self.root, *extra, self.mixed)

    def test_notes_come_before_the_first_case_that_needs_them(self):
        with tempfile.TemporaryDirectory() as anchors:
            shutil.copy(self.root, anchors)
            with open(os.path.join(anchors, "README"), "w") as f:
                f.write("the generator's root\n")
            code, out, err = self.same("--no-system-ca", "--ca-path", anchors, self.mixed)
            self.assertEqual(code, 2)
            # One configuration per set of case anchors, each announced.
            self.assertGreater(err.count("xmppcv: note: skipped %s/README" % anchors), 2)

    def test_a_configuration_that_cannot_be_made_stops_at_the_first_readable_case(self):
        code, out, err = self.same("--tap", "--ca-file", "/nonexistent/ca.pem", self.mixed)
        self.assertEqual(code, 2)
        self.assertIn("xmppcv: --ca-file /nonexistent/ca.pem: cannot read", err)
        self.assertNotIn("# ", out)


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
    for n in sys.argv[1:] or ["Replay", "Capture", "Jobs"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
