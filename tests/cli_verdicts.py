#!/usr/bin/env python3
"""Verdicts that never hide a problem.

Usage: cli_verdicts.py CLASS   (XMPPCV and FIXTURES come from the environment)

- Strict: one fixture per RFC 5280 / CA/Browser Forum rule, a warning by
  default and a failure with --strict; well-formed chains stay clean.
- Vocabulary: every JSON object carries `verdict`; impossible dates.
- Hints: what stderr says is the actual cause (real Prosody).
- Terminal: accepting on a real terminal (tmux) never turns a mismatch
  into verified; --no-store; a pipe on stdout still prompts.
Every server is started here and stopped by its PID; every wait is bounded.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Prosody, Tmux, cert  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
AT = "2026-06-01T00:00:00Z"


def run(*args, timeout=60, env=None):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def verify_json(chain, anchor="root-ca.crt", *extra, domain="corp.example"):
    code, out, err = run("verify", "--json", "--at", AT, "--no-system-ca", "--ca-file",
                         cert(anchor), "--domain", domain, *extra, cert(chain))
    return code, json.loads(out), err


# Each rule: the fixture that breaks it, its trust anchor, the code, the
# depth of the certificate it names (0: the server's own).
RULES = [
    # RFC 5280 §4.2.1.1, §4.2.1.2: key identifiers
    ("strict-aki-missing", "root-ca.crt", "aki-missing", 0),
    ("strict-aki-no-keyid", "root-ca.crt", "aki-no-keyid", 0),
    ("strict-ca-no-ski", "root-ca.crt", "ski-missing", 1),
    # RFC 5280 §4.2.1.9: basic constraints of CAs
    ("strict-ca-bc-noncrit", "root-ca.crt", "bc-not-critical", 1),
    # RFC 5280 §4.2.1.9, §4.2.1.3, BR §7.1.2.7.8: a server certificate is no CA
    ("strict-leaf-ca", "root-ca.crt", "leaf-ca", 0),
    ("strict-leaf-keycertsign", "root-ca.crt", "leaf-keycertsign", 0),
    # RFC 5280 §4.2.1.6: criticality of subjectAltName against the subject
    ("strict-empty-subject", "root-ca.crt", "empty-subject-san-not-critical", 0),
    ("strict-san-critical", "root-ca.crt", "san-critical", 0),
    # RFC 5280 §4.1.2.2: serial numbers
    ("strict-serial-zero", "root-ca.crt", "serial-zero", 0),
    ("strict-serial-negative", "root-ca.crt", "serial-negative", 0),
    ("strict-serial-long", "root-ca.crt", "serial-too-long", 0),
    # ... of an intermediate: no trust anchor, so still a defect
    ("strict-inter-serial-zero", "root-ca.crt", "serial-zero", 1),
    # RFC 5280 §4.2.2.1: authority information access
    ("strict-aia-malformed", "root-ca.crt", "aia-malformed", 0),
    # BR §7.1.2.7.10: extended key usage
    ("strict-any-eku", "root-ca.crt", "leaf-any-eku", 0),
    # BR §6.1.5, §7.1.3.2: keys and signatures
    ("strict-rsa1024", "root-ca.crt", "rsa-too-small", 0),
    ("strict-dsa", "root-ca.crt", "dsa-key", 0),
    ("strict-ec-curve", "root-ca.crt", "ec-curve", 0),
    ("strict-sha1", "root-ca.crt", "weak-signature", 0),
    ("strict-md5", "root-ca.crt", "weak-signature", 0),
    # RFC 5280 §4.1.2.1, §4.2.1.10: version and name constraints
    ("strict-v1", "root-ca.crt", "leaf-version", 0),
    ("strict-leaf-nc", "root-ca.crt", "leaf-name-constraints", 0),
]

# Defects of the trust anchor's own certificate: RFC 5280 §6.1.1 (d) takes
# an anchor as a name and a key, so they are information (anchor: true),
# never a failure under --strict (the fixture, its anchor, code, depth).
ANCHOR_RULES = [
    # a root whose serial is zero, as Starfield Root Certificate Authority -
    # G2 in Debian's ca-certificates
    ("strict-root-serial-zero", "strict-root-serial-zero-ca.crt", "serial-zero", 1),
    # RFC 5280 §4.2.1.9: a root without basic constraints
    ("strict-ca-no-bc", "strict-root-no-bc-ca.crt", "bc-missing", 1),
    # BR §7.1.2.1: a root with an extended key usage
    ("strict-root-eku", "strict-root-eku-ca.crt", "root-eku", 1),
]

# Chains that must stay free of findings: shaped like public CAs' (an RSA
# and an ECDSA hierarchy), and the project's everyday fixtures.
CLEAN = [
    ("public-leaf-rsa.chain.pem", "public-root-rsa.crt"),
    ("public-leaf-ec.chain.pem", "public-root-ec.crt"),
    ("domain-san.chain.pem", "root-ca.crt"),
    ("rsa-domain.chain.pem", "root-ca.crt"),
    ("xmppaddr-only.chain.pem", "root-ca.crt"),
    ("srvname-only.chain.pem", "root-ca.crt"),
    ("self-signed.chain.pem", "self-signed.crt"),
]


class Strict(unittest.TestCase):
    def test_each_rule_warns_by_default_and_fails_with_strict(self):
        for chain, anchor, code, depth in RULES:
            with self.subTest(chain):
                rc, o, err = verify_json(chain + ".chain.pem", anchor)
                found = [(f["code"], f["depth"]) for f in o["findings"]]
                self.assertIn((code, depth), found)
                self.assertEqual((rc, o["verdict"], o["ok"]), (0, "verified", True), err)
                self.assertEqual(o["problems"], [])
                f = [f for f in o["findings"] if f["code"] == code][0]
                self.assertTrue(f["text"] and f["certificate"])
                self.assertRegex(f["text"], r"RFC 5280|Baseline Requirements")
                rc, o, _ = verify_json(chain + ".chain.pem", anchor, "--strict")
                self.assertEqual((rc, o["verdict"], o["ok"]), (1, "not-verified", False))
                self.assertIn("profile", o["problems"])
                self.assertTrue(o["strict"])

    def test_the_trust_anchors_own_certificate_is_information(self):
        for chain, anchor, code, depth in ANCHOR_RULES:
            with self.subTest(chain):
                for extra in ((), ("--strict",)):
                    rc, o, err = verify_json(chain + ".chain.pem", anchor, *extra)
                    found = [(f["code"], f["depth"], f["anchor"]) for f in o["findings"]]
                    self.assertIn((code, depth, True), found)
                    self.assertEqual((rc, o["verdict"], o["problems"]), (0, "verified", []),
                                     err)
                rc, out, _ = run("verify", "--at", AT, "--no-system-ca", "--ca-file",
                                 cert(anchor), "--domain", "corp.example", "--strict",
                                 cert(chain + ".chain.pem"))
                self.assertEqual(rc, 0, out)
                self.assertIn("the trust anchor's own certificate (information", out)
                self.assertNotIn("profile defects", out)

    def test_openssl_x509_strict_agrees_on_the_serial_zero_root(self):
        # The oracle: OpenSSL's strict verification accepts the chain under
        # a serial-zero root, and refuses none of it for the anchor.
        p = subprocess.run(["openssl", "verify", "-x509_strict", "-attime", "1780272000",
                            "-CAfile", cert("strict-root-serial-zero-ca.crt"),
                            cert("strict-root-serial-zero.crt")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_the_same_defect_below_the_anchor_fails(self):
        # The serial-zero intermediate is no anchor: --strict fails it.
        rc, o, _ = verify_json("strict-inter-serial-zero.chain.pem", "root-ca.crt",
                               "--strict")
        self.assertEqual((rc, o["verdict"]), (1, "not-verified"))
        self.assertIn(("serial-zero", 1, False),
                      [(f["code"], f["depth"], f["anchor"]) for f in o["findings"]])
        # A self-signed server certificate given as its own anchor is still
        # the server's certificate: its defects count.
        rc, o, _ = verify_json("self-signed.chain.pem", "self-signed.crt", "--strict")
        self.assertTrue(all(not f["anchor"] for f in o["findings"]))

    def test_text_names_the_defect_and_the_strict_verdict(self):
        rc, out, _ = run("verify", "--at", AT, "--no-system-ca", "--ca-file",
                         cert("root-ca.crt"), "--domain", "corp.example", "--strict",
                         cert("strict-sha1.chain.pem"))
        self.assertEqual(rc, 1)
        first = out.splitlines()[0]
        self.assertIn("NOT VERIFIED", first)
        self.assertIn("1 profile defect (strict checking)", first)
        self.assertIn("weak-signature:", out)
        self.assertIn("SHA1", out)

    def test_well_formed_chains_have_no_finding(self):
        for chain, anchor in CLEAN:
            with self.subTest(chain):
                for extra in ((), ("--strict",)):
                    rc, o, err = verify_json(chain, anchor, *extra)
                    self.assertEqual(o["findings"], [], chain)
                    self.assertEqual((rc, o["verdict"]), (0, "verified"), err)

    def test_a_root_signature_is_not_judged_but_its_key_is(self):
        # The root's own (self-)signature is never relied upon.
        rc, o, _ = verify_json("public-leaf-rsa.chain.pem", "public-root-rsa.crt")
        self.assertFalse(any(f["depth"] == 2 for f in o["findings"]))


class Vocabulary(unittest.TestCase):
    def test_verify_objects_carry_verdict(self):
        for chain, verdict in (("domain-san.chain.pem", "verified"),
                               ("fqdn-only.chain.pem", "not-verified"),
                               ("expired.chain.pem", "not-verified")):
            rc, o, _ = verify_json(chain)
            self.assertEqual(o["verdict"], verdict)
            self.assertEqual(o["ok"], verdict == "verified")
        rc, o, _ = verify_json("fqdn-only.chain.pem")
        self.assertEqual(o["problems"], ["mismatch"])
        rc, o, _ = verify_json("expired.chain.pem")
        self.assertEqual(o["problems"], ["expired"])
        rc, o, _ = verify_json("self-signed.chain.pem")
        self.assertEqual(o["problems"], ["untrusted"])

    def test_unreadable_input_has_a_null_verdict(self):
        rc, out, _ = run("verify", "--json", "--domain", "corp.example", "/nonexistent/x.pem")
        self.assertEqual(rc, 2)
        o = json.loads(out)
        self.assertIn("verdict", o)
        self.assertIsNone(o["verdict"])
        self.assertEqual(o["error"]["phase"], "input")

    def test_no_certificate_is_a_verdict(self):
        # A port known to be closed: bound, read, closed.
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        rc, out, _ = run("check", "--json", "--no-store", "--timeout", "3", "--domain",
                         "corp.example", "127.0.0.1:%d" % port)
        self.assertEqual(rc, 3)
        o = json.loads(out)
        self.assertEqual((o["verdict"], o["ok"]), ("no-certificate", False))

    def test_impossible_dates_are_refused_with_the_value(self):
        for bad in ("2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01",
                    "2026-06-01T24:00:00Z", "@-9223372036854775808", "2026-6-1"):
            rc, _, err = run("verify", "--at", bad, "--domain", "corp.example",
                             cert("domain-san.chain.pem"))
            self.assertEqual(rc, 2, bad)
            self.assertIn("'%s'" % bad, err)
        rc, _, _ = run("verify", "--at", "2028-02-29", "--no-system-ca", "--ca-file",
                       cert("root-ca.crt"), "--domain", "corp.example",
                       cert("domain-san.chain.pem"))
        self.assertEqual(rc, 0)

    def test_a_missing_intermediate_is_said_once(self):
        rc, o, _ = verify_json("domain-san.crt")
        self.assertEqual(len(o["chain"]["errors"]), 1)
        joined = " ".join(o["advice"])
        self.assertEqual(joined.count("did not send the certificate of"), 1)

    def test_trust_add_of_a_mismatch_says_what_acceptance_does(self):
        store = tempfile.mkdtemp(prefix="xmppcv-store-")
        self.addCleanup(shutil.rmtree, store, True)
        rc, out, err = run("trust", "add", cert("fqdn-only.crt"), "--domain",
                           "corp.example", "--store", store)
        self.assertEqual(rc, 0)
        self.assertIn("does not name corp.example", err)
        self.assertIn("ACCEPTED BY YOU, NOT VERIFIED", err)
        rc, out, err = run("trust", "add", cert("self-signed.crt"), "--domain",
                           "corp.example", "--store", store)
        self.assertEqual(rc, 0)
        self.assertNotIn("does not name", err)


class Live(unittest.TestCase):
    """Real Prosody: hints on stderr, and acceptances on a real terminal."""

    NODES = {"fqdn-only": "127.0.90.1", "self-signed": "127.0.90.2",
             "expired": "127.0.90.3", "domain-san": "127.0.90.4"}

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

    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="xmppcv-store-")
        self.addCleanup(shutil.rmtree, self.store, True)

    def args(self, node, *extra):
        return ["check", "--at", AT, "--no-system-ca", "--ca-file", cert("root-ca.crt"),
                "--store", self.store, "--domain", "corp.example", *extra,
                self.NODES[node] + ":15222"]

    def terminal(self, argv):
        t = Tmux(argv)
        self.addCleanup(t.stop)
        return t

    def accept_on_terminal(self, node):
        t = self.terminal([XMPPCV, *self.args(node)])
        t.wait_for("[d]ecline: ")
        t.type("a")
        return t.exit_status(), t.screen()

    def test_hint_for_a_mismatch_is_the_san_setting_not_the_ca(self):
        rc, _, err = run(*self.args("fqdn-only"))
        self.assertEqual(rc, 1)
        self.assertIn("does not name the XMPP domain corp.example", err)
        self.assertIn("SAN-domain setting", err)
        self.assertNotIn("--ca-file", err)

    def test_hint_for_expiry_is_renewal(self):
        rc, _, err = run(*self.args("expired"))
        self.assertEqual(rc, 1)
        self.assertIn("expired on 2026-03-01", err)
        self.assertIn("renew", err)
        self.assertNotIn("--ca-file", err)

    def test_hint_for_an_untrusted_chain_names_trust_and_the_terminal(self):
        rc, _, err = run(*self.args("self-signed"))
        self.assertEqual(rc, 1)
        self.assertIn("--ca-file", err)
        self.assertIn("on a terminal", err)
        t = self.terminal([XMPPCV, *self.args("self-signed", "--no-prompt")])
        self.assertEqual(t.exit_status(), 1)
        shown = t.screen()
        self.assertIn("without --no-prompt", shown)
        self.assertNotIn("on a terminal", shown)

    def test_accepted_mismatch_stays_not_verified(self):
        code, shown = self.accept_on_terminal("fqdn-only")
        self.assertEqual(code, 1, shown)
        self.assertIn("Accepted: saved to", shown)
        self.assertIn("ACCEPTED BY YOU, NOT VERIFIED", shown)
        # Every later run: no prompt, the mismatch and its advice shown.
        rc, out, err = run(*self.args("fqdn-only"))
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        self.assertIn("ACCEPTED BY YOU, NOT VERIFIED", lines[0])
        self.assertIn("no identity in the certificate names corp.example", lines[0])
        self.assertIn("MISMATCH", lines[1])
        self.assertIn("Use Domain Name for XMPP Certificate Subject Alternative Name", out)
        self.assertIn("you accepted this certificate", err)
        rc, out, _ = run(*self.args("fqdn-only", "--json"))
        o = json.loads(out)
        self.assertEqual((rc, o["verdict"], o["ok"]), (1, "accepted", False))
        self.assertFalse(o["identity"]["matched"])
        self.assertTrue(o["chain"]["accepted"])
        self.assertIn("mismatch", o["problems"])
        # --no-store: as if nothing had ever been accepted.
        rc, out, _ = run(*self.args("fqdn-only", "--json", "--no-store"))
        o = json.loads(out)
        self.assertEqual((rc, o["verdict"]), (1, "not-verified"))
        self.assertFalse(o["chain"]["accepted"])
        # And --no-prompt does not change the verdict either.
        rc, out, _ = run(*self.args("fqdn-only", "--json", "--no-prompt"))
        self.assertEqual((rc, json.loads(out)["verdict"]), (1, "accepted"))

    def test_accepted_self_signed_that_names_the_domain_is_verified(self):
        code, shown = self.accept_on_terminal("self-signed")
        self.assertEqual(code, 0, shown)
        rc, out, _ = run(*self.args("self-signed"))
        self.assertEqual(rc, 0)
        self.assertIn("VERIFIED", out.splitlines()[0])
        self.assertIn("trusted because you accepted this certificate", out)
        rc, out, _ = run(*self.args("self-signed", "--json"))
        o = json.loads(out)
        self.assertEqual((o["verdict"], o["ok"]), ("verified", True))
        self.assertTrue(o["chain"]["trusted"] and o["chain"]["accepted"])
        rc, out, _ = run(*self.args("self-signed", "--json", "--no-store"))
        self.assertEqual((rc, json.loads(out)["verdict"]), (1, "not-verified"))

    def test_a_pipe_on_stdout_still_prompts(self):
        log = os.path.join(self.store, "..", os.path.basename(self.store) + ".log")
        self.addCleanup(lambda: os.path.exists(log) and os.unlink(log))
        t = self.terminal([XMPPCV, *self.args("self-signed"), "|", "tee", log])
        t.wait_for("[d]ecline: ")
        t.type("d")
        self.assertEqual(t.exit_status(), 1)
        with open(log) as f:
            report = f.read()
        # The question went to the terminal; the report to the pipe.
        self.assertNotIn("[d]ecline", report)
        self.assertIn("NOT VERIFIED", report)

    def test_strict_never_prompts(self):
        # Trusted and matching: a client would not ask, whatever --strict says.
        t = self.terminal([XMPPCV, *self.args("domain-san", "--strict")])
        self.assertEqual(t.exit_status(), 0)
        self.assertNotIn("[d]ecline", t.screen())


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Strict", "Vocabulary", "Live"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
