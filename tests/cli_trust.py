#!/usr/bin/env python3
"""The accept/decline prompt on a real pseudo-terminal, and the store.

Usage: cli_trust.py CLASS   (XMPPCV and FIXTURES come from the environment)
"""
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
from servers import Prosody, cert  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
AT = "2026-06-01T00:00:00Z"
LEAVES = ["domain-san", "fqdn-only", "rsa-domain", "xmppaddr-only", "srvname-only",
          "s2s-srvname", "cn-only", "wildcard-cn", "wildcard-san", "idn", "expired",
          "not-yet-valid", "expiring-soon", "untrusted-root", "client-only",
          "self-signed", "tomcat"]


def sanitizer_free(err):
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report:\n" + err)


def run(*args, env=None, timeout=60):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
    err = p.stderr.decode("utf-8", "replace")
    sanitizer_free(err)
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def on_pty(args, answers, timeout=30):
    """Run xmppcv on a pseudo-terminal. answers: what to type at each
    prompt in turn (None: end of input). Returns (exit, text)."""
    asked = [0]

    def respond(out):
        if out.count(b"[d]ecline: ") <= asked[0]:
            return None
        answer = answers[asked[0]] if asked[0] < len(answers) else None
        asked[0] += 1
        # Ctrl-D at the start of a line is end of input on a tty.
        return b"\x04" if answer is None else answer.encode() + b"\n"

    code, text = servers.on_pty([XMPPCV, *args], respond, timeout)
    sanitizer_free(text)
    return code, text


def store_list(store):
    code, out, err = run("trust", "list", "--json", "--store", store)
    if code != 0:
        raise AssertionError("trust list failed (%d): %s" % (code, err))
    return json.loads(out), err


class Prompt(unittest.TestCase):
    """What a user sees on a terminal, against real Prosody."""

    @classmethod
    def setUpClass(cls):
        cls.servers = [Prosody("127.0.70.1", "self-signed"),
                       Prosody("127.0.70.2", "untrusted-root")]

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()

    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="xmppcv-store-")
        self.addCleanup(shutil.rmtree, self.store, True)

    def args(self, ip="127.0.70.1", *extra):
        return ["check", "--at", AT, "--no-system-ca", "--store", self.store,
                "--domain", "corp.example", *extra, ip + ":15222"]

    def test_accept_saves_and_the_next_run_trusts_without_asking(self):
        code, text = on_pty(self.args(), ["a"])
        self.assertEqual(code, 0, text)
        for shown in ("subject     CN=cup1.corp.example", "issuer ", "valid       2026-01-01",
                      "SHA-256     ", "dnsName corp.example  <- names the XMPP domain",
                      "is self-signed"):
            self.assertIn(shown, text)
        self.assertLess(text.index("SHA-256"), text.index("Accept this certificate"))
        self.assertIn("VERIFIED (accepted certificate)", text)
        listed, _ = store_list(self.store)
        self.assertEqual([c["domains"] for c in listed["certificates"]], [["corp.example"]])
        # Second run: no prompt, trusted because accepted.
        code, text = on_pty(self.args(), [])
        self.assertEqual(code, 0)
        self.assertNotIn("[d]ecline", text)
        self.assertIn("trusted because you accepted this certificate", text)
        code, out, _ = run(*self.args()[:1], "--json", *self.args()[1:])
        self.assertEqual(code, 0)
        self.assertTrue(json.loads(out)["chain"]["accepted"])

    def test_accepted_only_for_its_domain(self):
        self.assertEqual(on_pty(self.args(), ["yes"])[0], 0)
        code, out, _ = run("check", "--json", "--at", AT, "--no-system-ca", "--store",
                           self.store, "--domain", "other.example", "--no-prompt",
                           "127.0.70.1:15222")
        # Prosody does not serve other.example: no certificate at all.
        self.assertEqual(code, 3)
        code, out, _ = run("verify", "--json", "--at", AT, "--no-system-ca", "--domain",
                           "corp.example", cert("self-signed.chain.pem"))
        self.assertEqual(code, 1)  # verify does not use the store

    def test_decline_saves_nothing_and_asks_again(self):
        code, text = on_pty(self.args(), ["d"])
        self.assertEqual(code, 1)
        self.assertIn("Declined: nothing was saved", text)
        self.assertEqual(store_list(self.store)[0]["certificates"], [])
        code, text = on_pty(self.args(), ["no"])
        self.assertEqual(code, 1)
        self.assertIn("[d]ecline", text)

    def test_end_of_input_declines_and_other_answers_ask_again(self):
        code, text = on_pty(self.args(), ["maybe", "", None])
        self.assertEqual(code, 1)
        self.assertEqual(text.count("Please answer accept (a) or decline (d)."), 2)
        self.assertIn("Declined", text)
        self.assertEqual(store_list(self.store)[0]["certificates"], [])

    def test_changed_certificate_shows_old_and_new_fingerprints(self):
        self.assertEqual(on_pty(self.args(), ["a"])[0], 0)
        old = store_list(self.store)[0]["certificates"][0]["sha256"]
        code, text = on_pty(self.args("127.0.70.2"), ["d"])
        self.assertEqual(code, 1)
        self.assertIn("THE CERTIFICATE FOR corp.example HAS CHANGED", text)
        colon = ":".join(old[i:i + 2] for i in range(0, 64, 2)).upper()
        self.assertIn("previously accepted: SHA256 " + colon, text)
        self.assertIn("presented now:       SHA256 ", text)
        self.assertEqual(len(store_list(self.store)[0]["certificates"]), 1)

    def test_no_terminal_fails_closed_with_how_to_trust(self):
        code, out, err = run(*self.args())
        self.assertEqual(code, 1)
        self.assertIn("--ca-file", err)
        self.assertIn("on a terminal", err)
        self.assertEqual(store_list(self.store)[0]["certificates"], [])

    def test_no_prompt_on_a_terminal(self):
        code, text = on_pty(self.args("127.0.70.1", "--no-prompt"), ["a"])
        self.assertEqual(code, 1)
        self.assertNotIn("[d]ecline", text)


class Store(unittest.TestCase):
    """Crash safety, concurrency and damage of the store."""

    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="xmppcv-store-")
        self.addCleanup(shutil.rmtree, self.store, True)

    def add(self, leaf, domain="corp.example", env=None, store=None):
        return run("trust", "add", cert(leaf + ".crt"), "--domain", domain,
                   "--store", store or self.store, env=env)

    def test_add_list_show_remove(self):
        self.assertEqual(self.add("self-signed")[0], 0)
        self.assertEqual(self.add("self-signed", "Other.Example.")[0], 0)
        listed, _ = store_list(self.store)
        self.assertEqual(listed["certificates"][0]["domains"], ["corp.example", "other.example"])
        fp = listed["certificates"][0]["sha256"]
        code, out, _ = run("trust", "show", fp[:10], "--store", self.store)
        self.assertEqual(code, 0)
        self.assertIn("BEGIN CERTIFICATE", out)
        code, _, err = run("trust", "show", "00000000", "--store", self.store)
        self.assertEqual(code, 1)
        self.assertIn("no accepted certificate", err)
        code, _, err = run("trust", "show", "xyz", "--store", self.store)
        self.assertEqual(code, 2)
        self.assertEqual(run("trust", "remove", fp, "--store", self.store)[0], 0)
        self.assertEqual(store_list(self.store)[0]["certificates"], [])
        self.assertEqual(os.listdir(self.store).count(fp + ".pem"), 0)

    def test_store_from_environment(self):
        code, _, _ = run("trust", "add", cert("tomcat.crt"), "--domain", "corp.example",
                         env={"XMPPCV_STORE": self.store})
        self.assertEqual(code, 0)
        self.assertEqual(len(store_list(self.store)[0]["certificates"]), 1)

    def test_killed_at_every_write_step_leaves_a_readable_store(self):
        self.assertEqual(self.add("tomcat")[0], 0)
        points = ["after-pem-fsync", "after-pem-rename", "after-index-fsync",
                  "before-dir-fsync"]
        for i, point in enumerate(points):
            code, _, _ = self.add(LEAVES[i], point + ".example",
                                  env={"XMPPCV_FAULT": "store:" + point})
            self.assertEqual(code, 99, point)
            listed, _ = store_list(self.store)   # readable after every crash
            domains = {d for c in listed["certificates"] for d in c["domains"]}
            self.assertIn("corp.example", domains, point)
        listed, err = store_list(self.store)
        domains = sorted(d for c in listed["certificates"] for d in c["domains"])
        # Before the index is renamed, the acceptance is not there (its
        # files are reported); once renamed, it is.
        self.assertEqual(domains, ["before-dir-fsync.example", "corp.example"])
        self.assertIn("interrupted write", err)
        self.assertIn("not in the index", err)
        # A later writer still works, and keeps everything.
        self.assertEqual(self.add("cn-only", "later.example")[0], 0)
        listed, _ = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 3)

    def test_random_kills_never_corrupt(self):
        rng = random.Random(4)
        completed = set()
        for i in range(40):
            leaf = LEAVES[i % len(LEAVES)]
            p = subprocess.Popen([XMPPCV, "trust", "add", cert(leaf + ".crt"), "--domain",
                                  "d%d.example" % i, "--store", self.store],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, 0.02))
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)
            if p.returncode == 0:
                completed.add("d%d.example" % i)
            listed, _ = store_list(self.store)
            present = {d for c in listed["certificates"] for d in c["domains"]}
            self.assertTrue(completed <= present, (completed - present))

    def test_ten_concurrent_writers_all_land(self):
        procs = [subprocess.Popen([XMPPCV, "trust", "add", cert(leaf + ".crt"), "--domain",
                                   "corp.example", "--store", self.store],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for leaf in LEAVES[:10]]
        for p in procs:
            p.wait(timeout=60)
            sanitizer_free(p.stderr.read().decode())
            p.stderr.close()
            self.assertEqual(p.returncode, 0)
        listed, err = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 10, err)
        self.assertEqual(listed["notes"], [])

    def test_corrupt_index_is_reported_kept_and_moved_aside(self):
        self.assertEqual(self.add("tomcat")[0], 0)
        index = os.path.join(self.store, "index.json")
        with open(index, "w") as f:
            f.write('{"format": "xmppcv-accepted/1", "certificates": {')
        listed, err = store_list(self.store)
        self.assertIn("index.json is damaged", err)
        self.assertIn("going on with the 0 certificates", err)
        self.assertEqual(listed["certificates"], [])
        self.assertEqual(self.add("self-signed")[0], 0)
        aside = glob.glob(os.path.join(self.store, "index.json.damaged-*"))
        self.assertEqual(len(aside), 1)
        with open(aside[0]) as f:
            self.assertIn("certificates", f.read())
        listed, err = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 1)
        self.assertIn("damaged index kept aside", err)

    def test_foreign_and_damaged_files_are_reported_and_kept(self):
        self.assertEqual(self.add("tomcat")[0], 0)
        listed, _ = store_list(self.store)
        fp = listed["certificates"][0]["sha256"]
        with open(os.path.join(self.store, "notes.txt"), "w") as f:
            f.write("mine\n")
        with open(os.path.join(self.store, fp + ".pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        listed, err = store_list(self.store)
        self.assertIn("notes.txt is not part of the store", err)
        self.assertIn(fp + ".pem is damaged", err)
        self.assertEqual(listed["certificates"], [])
        self.assertTrue(os.path.exists(os.path.join(self.store, "notes.txt")))

    def test_full_disk_is_a_clear_error_and_loses_nothing(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        disk = tempfile.mkdtemp(prefix="xmppcv-full-")
        self.addCleanup(shutil.rmtree, disk, True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", disk], capture_output=True)
        store = os.path.join(disk, "store")
        self.assertEqual(self.add("tomcat", store=store)[0], 0)
        fd = os.open(os.path.join(disk, "fill"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(64):   # 256 KiB at most into a 64 KiB disk
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        before = sorted(os.listdir(store))
        code, _, err = self.add("self-signed", store=store)
        self.assertEqual(code, 2)
        self.assertIn("No space left on device", err)
        self.assertIn("unchanged", err)
        self.assertEqual(sorted(os.listdir(store)), before)
        listed, _ = store_list(store)
        self.assertEqual(len(listed["certificates"]), 1)
        code, _, err = run("capture", "--from-file", cert("tomcat.chain.pem"), "--domain",
                           "corp.example", "--out", os.path.join(disk, "case"))
        self.assertEqual(code, 2)
        self.assertIn("No space left on device", err)
        self.assertEqual(sorted(os.listdir(disk)), ["fill", "store"])

    def test_unwritable_store_is_a_clear_error_and_loses_nothing(self):
        self.assertEqual(self.add("tomcat")[0], 0)
        before = sorted(os.listdir(self.store))
        # A path under a regular file can never be created.
        blocked = os.path.join(self.store, "index.json", "sub")
        code, _, err = self.add("self-signed", store=blocked)
        self.assertEqual(code, 2)
        self.assertIn("Not a directory", err)
        # A directory this user may not write: run as nobody when root.
        locked = tempfile.mkdtemp(prefix="xmppcv-ro-")
        self.addCleanup(shutil.rmtree, locked, True)
        shutil.copytree(self.store, os.path.join(locked, "s"))
        os.chmod(locked, 0o755)
        os.chmod(os.path.join(locked, "s"), 0o555)
        exe = os.path.join(locked, "xmppcv")
        shutil.copy(XMPPCV, exe)
        os.chmod(exe, 0o755)
        crt = os.path.join(locked, "leaf.crt")
        shutil.copy(cert("self-signed.crt"), crt)
        os.chmod(crt, 0o644)
        cmd = [exe, "trust", "add", crt, "--domain", "corp.example", "--store",
               os.path.join(locked, "s")]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, timeout=60)
        err = p.stderr.decode()
        sanitizer_free(err)
        self.assertEqual(p.returncode, 2, err)
        self.assertIn("Permission denied", err)
        self.assertEqual(sorted(os.listdir(os.path.join(locked, "s"))), before)
        self.assertEqual(sorted(os.listdir(self.store)), before)


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Prompt", "Store"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
