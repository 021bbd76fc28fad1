#!/usr/bin/env python3
"""--login through libstrophe, and the certfail adapter, against Prosody.

Accounts are created with prosodyctl in each server's own config and data
directory. Usage: cli_login.py Login   (XMPPCV, EXAMPLE, FIXTURES from env)
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Prosody, Tmux, cert, on_pty  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
EXAMPLE = os.environ.get("EXAMPLE", "build/examples/strophe-client")
AT = "2026-06-01T00:00:00Z"
TRUST = ["--at", AT, "--no-system-ca", "--ca-file", cert("root-ca.crt")]


def run(cmd, password=None, timeout=60):
    env = dict(os.environ)
    env.pop("XMPPCV_PASSWORD", None)
    if password is not None:
        env["XMPPCV_PASSWORD"] = password
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                       stdin=subprocess.DEVNULL)
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        raise AssertionError("sanitizer report:\n" + p.stderr)
    return p.returncode, p.stdout, p.stderr


class Login(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        users = [("alice", "s3cret")]
        cls.servers = [Prosody("127.0.80.1", "domain-san", users=users),
                       Prosody("127.0.80.2", "xmppaddr-only", users=users),
                       Prosody("127.0.80.3", "fqdn-only", users=users)]

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def login(self, ip, password, *extra):
        code, out, err = run([XMPPCV, "check", "--json", *TRUST, "--domain", "corp.example",
                              "--login", "alice@corp.example", *extra, ip + ":15222"],
                             password)
        return code, (json.loads(out) if out.strip() else None), err

    def test_success_reports_mechanisms_and_bound_jid(self):
        code, o, err = self.login("127.0.80.1", "s3cret")
        self.assertEqual(code, 0, err)
        l = o["login"]
        self.assertTrue(l["ok"])
        self.assertEqual(sorted(l["mechanisms"]), ["PLAIN", "SCRAM-SHA-1"])
        self.assertIn(l["mechanism"], l["mechanisms"])
        self.assertTrue(l["bound_jid"].startswith("alice@corp.example/"))
        self.assertIsNone(l["sasl_condition"])

    def test_wrong_password_names_the_sasl_condition(self):
        code, o, _ = self.login("127.0.80.1", "wrong")
        self.assertEqual(code, 1)
        self.assertFalse(o["login"]["ok"])
        # The certificate verified; the whole check did not succeed.
        self.assertEqual(o["verdict"], "verified")
        self.assertFalse(o["ok"])
        self.assertEqual(o["login"]["sasl_condition"], "not-authorized")
        code, out, _ = run([XMPPCV, "check", *TRUST, "--domain", "corp.example", "--login",
                            "alice@corp.example", "127.0.80.1:15222"], "wrong")
        self.assertIn("authentication failed: SASL <not-authorized/>", out)

    def test_xmppaddr_only_needs_the_adapter(self):
        code, o, err = self.login("127.0.80.2", "s3cret")
        self.assertEqual(code, 0, err)
        self.assertEqual(o["identity"]["field"], "xmppAddr")
        self.assertTrue(o["login"]["ok"])
        base = ["--cafile", cert("root-ca.crt"), "alice@corp.example", "127.0.80.2", "15222"]
        # Plain libstrophe: OpenSSL's host-name check ignores xmppAddr.
        code, out, _ = run([EXAMPLE, "--no-xmppcv", *base], "s3cret")
        self.assertEqual(code, 1, out)
        self.assertIn("no session", out)
        # The same client with xmppcv's adapter logs in.
        code, out, _ = run([EXAMPLE, *base], "s3cret")
        self.assertEqual(code, 0, out)
        self.assertIn("connected as alice@corp.example/", out)

    def test_adapter_refuses_what_xmppcv_does_not_verify(self):
        base = ["--cafile", cert("root-ca.crt"), "alice@corp.example", "127.0.80.3", "15222"]
        code, out, _ = run([EXAMPLE, *base], "s3cret")
        self.assertEqual(code, 1, out)
        # Without the private CA, the chain error is refused as well.
        code, out, _ = run([EXAMPLE, "alice@corp.example", "127.0.80.1", "15222"], "s3cret")
        self.assertEqual(code, 1, out)

    def test_no_login_unless_verified(self):
        code, o, err = self.login("127.0.80.3", "s3cret")
        self.assertEqual(code, 1)
        self.assertNotIn("login", o)
        self.assertIn("not logging in", err)

    def test_jid_must_be_in_the_domain(self):
        code, _, err = run([XMPPCV, "check", *TRUST, "--domain", "corp.example", "--login",
                            "alice@other.example", "127.0.80.1:15222"], "s3cret")
        self.assertEqual(code, 2)
        self.assertIn("user@corp.example", err)

    def test_no_password_without_a_terminal(self):
        code, _, err = run([XMPPCV, "check", *TRUST, "--domain", "corp.example", "--login",
                            "alice@corp.example", "127.0.80.1:15222"])
        self.assertEqual(code, 2)
        self.assertIn("XMPPCV_PASSWORD", err)
        code, _, err = run([XMPPCV, "check", "--password", "x", "corp.example"])
        self.assertEqual(code, 2)

    def test_password_prompt_does_not_echo(self):
        env = {k: v for k, v in os.environ.items() if k != "XMPPCV_PASSWORD"}
        sent = []

        def respond(out):
            if not sent and b"Password for alice@corp.example: " in out:
                sent.append(True)
                return b"s3cret\n"
            return None

        code, text = on_pty([XMPPCV, "check", *TRUST, "--domain", "corp.example", "--login",
                             "alice@corp.example", "127.0.80.1:15222"], respond, env=env)
        self.assertTrue(sent, text)
        self.assertEqual(code, 0, text)
        self.assertNotIn("s3cret", text)
        self.assertIn("LOGGED IN", text)

    def test_ctrl_c_at_the_password_prompt_gives_the_echo_back(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            after = os.path.join(d, "stty")
            cmd = " ".join([XMPPCV, "check", *TRUST, "--domain", "corp.example",
                            "--login", "alice@corp.example", "127.0.80.1:15222"])
            # The terminal's settings once xmppcv is gone; its status.
            t = Tmux(["bash", "-c", "trap : INT; unset XMPPCV_PASSWORD; %s; s=$?; "
                      "stty -a > %s; exit $s" % (cmd, after)])
            self.addCleanup(t.stop)
            t.wait_for("Password for alice@corp.example: ")
            t.tmux(["send-keys", "C-c"])
            self.assertEqual(t.exit_status(), 130)
            with open(after) as f:
                modes = f.read().split()
            self.assertIn("echo", modes)
            self.assertNotIn("-echo", modes)


if __name__ == "__main__":
    suite = unittest.TestLoader().loadTestsFromTestCase(Login)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
