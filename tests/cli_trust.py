#!/usr/bin/env python3
"""The accept/decline prompt on a real pseudo-terminal, and the store.

Usage: cli_trust.py CLASS   (XMPPCV and FIXTURES come from the environment)
"""
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
from servers import Prosody, cert, copy_tool  # noqa: E402

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


def snapshot(store):
    """Every file of a store with its bytes: "unchanged" means equal."""
    out = {}
    for name in sorted(os.listdir(store)):
        with open(os.path.join(store, name), "rb") as f:
            out[name] = f.read()
    return out


def store_notes(err):
    """The store's notes on stderr, one per line."""
    return [line for line in err.splitlines() if line.startswith("xmppcv: store: ")]


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
        # What each crash leaves, as a reader reports it (each writer
        # first removes what the one before it left).
        points = [("after-pem-fsync", ["is left over from an interrupted write"]),
                  ("after-pem-rename", ["is not in the index (left over"]),
                  ("after-index-fsync", ["is left over from an interrupted write",
                                         "is not in the index (left over"]),
                  ("before-dir-fsync", [])]
        for i, (point, notes) in enumerate(points):
            code, _, _ = self.add(LEAVES[i], point + ".example",
                                  env={"XMPPCV_FAULT": "store:" + point})
            self.assertEqual(code, 99, point)
            listed, _ = store_list(self.store)   # readable after every crash
            domains = {d for c in listed["certificates"] for d in c["domains"]}
            self.assertIn("corp.example", domains, point)
            self.assertEqual(len(listed["notes"]), len(notes), (point, listed["notes"]))
            for note in notes:
                self.assertTrue(any(note in n for n in listed["notes"]), (point, note))
        listed, err = store_list(self.store)
        domains = sorted(d for c in listed["certificates"] for d in c["domains"])
        # Before the index is renamed, the acceptance is not there; once
        # renamed, it is.
        self.assertEqual(domains, ["before-dir-fsync.example", "corp.example"])
        # A later writer still works, and keeps everything.
        self.assertEqual(self.add("cn-only", "later.example")[0], 0)
        listed, _ = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 3)
        self.assertEqual(listed["notes"], [])

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
        code, _, err = self.add("self-signed")
        self.assertEqual(code, 0, err)
        aside = glob.glob(os.path.join(self.store, "index.json.damaged-*"))
        self.assertEqual(len(aside), 1)
        # The writer says where it put the damaged index.
        self.assertIn("xmppcv: store: moved the damaged index aside to %s (nothing deleted); "
                      "its acceptances must be given again\n" % aside[0], err)
        with open(aside[0]) as f:
            self.assertIn("certificates", f.read())
        listed, err = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 1)
        self.assertIn("damaged index kept aside", err)
        # The damaged index may name the certificate files it leaves
        # unindexed: while it is kept aside, no writer removes them.
        tomcat = self.fingerprint("tomcat") + ".pem"
        self.assertIn("%s/%s is not in the index; ignored, and kept while a damaged index is "
                      "kept aside" % (self.store, tomcat), err)
        code, _, err = self.add("cn-only")
        self.assertEqual(code, 0, err)
        self.assertNotIn("removed", err)
        self.assertTrue(os.path.exists(os.path.join(self.store, tomcat)))

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
        exe = copy_tool(XMPPCV, locked)
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


    # -- Read errors are errors; damage is content that does not parse. --

    def limited(self, limit, *args):
        """xmppcv under a real `ulimit -n limit`."""
        p = subprocess.run(["sh", "-c", 'ulimit -n "$0" && exec "$@"', str(limit), XMPPCV,
                            *args], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        err = p.stderr.decode("utf-8", "replace")
        sanitizer_free(err)
        return p.returncode, p.stdout.decode("utf-8", "replace"), err

    def test_a_read_error_is_an_error_and_changes_nothing(self):
        for leaf in ("tomcat", "self-signed", "cn-only"):
            self.assertEqual(self.add(leaf, "d.example")[0], 0)
        before = snapshot(self.store)
        # A reader out of file descriptors says so; it never lists fewer.
        for limit in range(4, 12):
            code, out, err = self.limited(limit, "trust", "list", "--json", "--store",
                                          self.store)
            if code == 0:
                self.assertEqual(len(json.loads(out)["certificates"]), 3, limit)
                self.assertEqual(json.loads(out)["notes"], [], limit)
                break
            self.assertEqual(code, 2, (limit, err))
            self.assertIn("Too many open files", err, limit)
            self.assertEqual(store_notes(err), [], limit)
        self.assertEqual(code, 0, err)
        # A writer out of them, wherever the limit hits, changes nothing.
        failures = 0
        for limit in range(4, 32):
            code, out, err = self.limited(limit, "trust", "add", cert("idn.crt"), "--domain",
                                          "d9.example", "--store", self.store)
            if code == 0:
                break
            self.assertEqual(code, 2, (limit, err))
            self.assertIn("Too many open files", err, limit)
            self.assertEqual(store_notes(err), [], limit)
            self.assertEqual(snapshot(self.store), before, limit)
            listed, err = store_list(self.store)
            self.assertEqual(len(listed["certificates"]), 3, limit)
            self.assertEqual(listed["notes"], [], limit)
            failures += 1
        self.assertGreater(failures, 0)   # ulimit -n 4 is never enough
        self.assertEqual(code, 0, err)
        listed, _ = store_list(self.store)
        self.assertEqual(sorted(d for c in listed["certificates"] for d in c["domains"]),
                         ["d.example"] * 3 + ["d9.example"])
        self.assertEqual(listed["notes"], [])

    def test_a_damaged_index_that_cannot_be_moved_aside_is_never_overwritten(self):
        if os.geteuid() != 0:
            self.skipTest("giving the index to another user needs root")
        base = tempfile.mkdtemp(prefix="xmppcv-sticky-")
        self.addCleanup(shutil.rmtree, base, True)
        os.chmod(base, 0o755)
        store = os.path.join(base, "s")
        self.assertEqual(self.add("tomcat", store=store)[0], 0)
        with open(os.path.join(store, "index.json"), "w") as f:
            f.write('{"format": "xmppcv-accepted/1", "certificates": {')
        for name in os.listdir(store):
            os.chmod(os.path.join(store, name), 0o666)
        # World-writable and sticky, like /tmp: another user may create
        # files here but not rename root's index.
        os.chmod(store, 0o1777)
        exe = copy_tool(XMPPCV, base)
        crt = os.path.join(base, "leaf.crt")
        shutil.copy(cert("self-signed.crt"), crt)
        os.chmod(crt, 0o644)
        before = snapshot(store)
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            exe, "trust", "add", crt, "--domain", "corp.example", "--store",
                            store], capture_output=True, timeout=60)
        err = p.stderr.decode()
        sanitizer_free(err)
        self.assertEqual(p.returncode, 2, err)
        self.assertIn("cannot move the damaged index %s/index.json aside" % store, err)
        self.assertIn("Operation not permitted; nothing was changed", err)
        self.assertEqual(snapshot(store), before)

    # -- Decisions under the lock --

    def test_two_removes_of_one_certificate_one_removes_one_finds_nothing(self):
        fp = None
        for _ in range(12):
            store = tempfile.mkdtemp(prefix="xmppcv-store-")
            self.addCleanup(shutil.rmtree, store, True)
            self.assertEqual(self.add("tomcat", store=store)[0], 0)
            if fp is None:
                fp = store_list(store)[0]["certificates"][0]["sha256"]
            procs = [subprocess.Popen([XMPPCV, "trust", "remove", which, "--store", store],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      stdin=subprocess.DEVNULL)
                     for which in (fp, fp[:12])]
            results = []
            for p in procs:
                out, err = p.communicate(timeout=60)
                sanitizer_free(err.decode())
                results.append((p.returncode, out.decode(), err.decode()))
            self.assertEqual(sorted(r[0] for r in results), [0, 1], results)
            for code, out, err in results:
                if code == 0:
                    self.assertEqual((out, err), ("removed %s from %s\n" % (fp, store), ""))
                else:
                    self.assertEqual(out, "")
                    self.assertEqual(store_notes(err), [], err)
                    self.assertIn("no accepted certificate", err)
            self.assertEqual(store_list(store)[0]["certificates"], [])
            self.assertEqual(sorted(os.listdir(store)), [".lock", "index.json"])

    def test_readers_never_see_a_write_in_progress(self):
        adds, done = 200, threading.Event()
        reads, false_notes = [0], []

        def reader():
            for _ in range(5000):   # bounded; ends with the writers
                if done.is_set():
                    return
                code, out, err = run("trust", "list", "--json", "--store", self.store)
                if code != 0:
                    false_notes.append("exit %d: %s" % (code, err))
                    continue
                false_notes.extend(json.loads(out)["notes"] + store_notes(err))
                reads[0] += 1

        def writer(i):
            return self.add(LEAVES[i % len(LEAVES)], "d%d.example" % i)

        t = threading.Thread(target=reader)
        t.start()
        try:
            import concurrent.futures
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                results = list(pool.map(writer, range(adds)))
        finally:
            done.set()
            t.join(timeout=120)
        self.assertFalse(t.is_alive())
        self.assertEqual([r[0] for r in results], [0] * adds)
        self.assertEqual([n for r in results for n in store_notes(r[2])], [])
        self.assertEqual(false_notes, [])
        self.assertGreater(reads[0], 10)
        listed, err = store_list(self.store)
        self.assertEqual(sorted(d for c in listed["certificates"] for d in c["domains"]),
                         sorted("d%d.example" % i for i in range(adds)))
        self.assertEqual(listed["notes"], [])

    # -- Leftovers --

    def fingerprint(self, leaf):
        code, out, _ = run("verify", "--json", "--at", AT, "--no-system-ca", "--domain",
                           "corp.example", cert(leaf + ".crt"))
        return json.loads(out)["chain"]["certs"][0]["sha256"]

    def test_leftovers_of_killed_writers_are_removed_once(self):
        self.assertEqual(self.add("tomcat")[0], 0)
        # Each writer removes what the one before it left, so the three
        # are killed in stores of their own, and what they left is
        # gathered here.
        for leaf, point in (("domain-san", "after-pem-fsync"), ("fqdn-only", "after-pem-rename"),
                            ("rsa-domain", "after-index-fsync")):
            other = tempfile.mkdtemp(prefix="xmppcv-store-")
            self.addCleanup(shutil.rmtree, other, True)
            code, _, _ = self.add(leaf, "killed.example", store=other,
                                  env={"XMPPCV_FAULT": "store:" + point})
            self.assertEqual(code, 99, point)
            for name in os.listdir(other):
                if name not in (".lock", "index.json"):
                    os.rename(os.path.join(other, name), os.path.join(self.store, name))
        with open(os.path.join(self.store, "notes.tmp.1"), "w") as f:
            f.write("mine\n")   # not a name xmppcv writes: never removed
        temps = sorted(n for n in os.listdir(self.store) if re.search(r"\.tmp\.\d+$", n) and
                       n != "notes.tmp.1")
        self.assertEqual([re.sub(r"\d+$", "", n) for n in temps],
                         [self.fingerprint("domain-san") + ".pem.tmp.", "index.json.tmp."])
        # Killed after their certificate file was renamed into place.
        unindexed = [self.fingerprint(leaf) + ".pem" for leaf in ("fqdn-only", "rsa-domain")]
        # Readers report them, and remove nothing.
        before = snapshot(self.store)
        listed, err = store_list(self.store)
        self.assertEqual(len(listed["certificates"]), 1)
        self.assertEqual(len(listed["notes"]), 5, listed["notes"])
        for name in temps:
            self.assertIn("%s/%s is left over from an interrupted write; ignored, and removed "
                          "by the next change to the store" % (self.store, name), listed["notes"])
        for name in unindexed:
            self.assertIn("%s/%s is not in the index (left over from an interrupted write); "
                          "ignored, and removed by the next change to the store"
                          % (self.store, name), listed["notes"])
        self.assertIn("%s/notes.tmp.1 is not part of the store; ignored and kept" % self.store,
                      listed["notes"])
        self.assertEqual(snapshot(self.store), before)
        # The next writer removes them, and says so once.
        code, _, err = self.add("cn-only", "later.example")
        self.assertEqual(code, 0, err)
        removed = [n for n in store_notes(err) if n.startswith("xmppcv: store: removed")]
        self.assertEqual(removed, ["xmppcv: store: removed 4 files left over from interrupted "
                                   "writes: %s" % ", ".join(sorted(temps + unindexed))], err)
        self.assertEqual(sorted(os.listdir(self.store)),
                         sorted([".lock", "index.json", "notes.tmp.1",
                                 self.fingerprint("tomcat") + ".pem",
                                 self.fingerprint("cn-only") + ".pem"]))
        listed, _ = store_list(self.store)
        self.assertEqual(listed["notes"], ["%s/notes.tmp.1 is not part of the store; ignored "
                                           "and kept" % self.store])
        self.assertEqual(len(listed["certificates"]), 2)
        code, _, err = self.add("cn-only", "again.example")
        self.assertEqual(code, 0, err)
        self.assertNotIn("removed", err)

    # -- Messages say what happened --

    def small_disk(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        disk = tempfile.mkdtemp(prefix="xmppcv-full-")
        self.addCleanup(shutil.rmtree, disk, True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", disk], capture_output=True)
        return disk

    def test_disk_full_after_the_certificate_file_says_what_happened(self):
        disk = self.small_disk()
        store = os.path.join(disk, "store")
        self.assertEqual(self.add("tomcat", store=store)[0], 0)
        fd = os.open(os.path.join(disk, "fill"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for _ in range(64):   # 256 KiB at most into a 64 KiB disk
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        # One page free: the certificate file fits, the index does not.
        size = os.fstat(fd).st_size
        os.ftruncate(fd, ((size + 4095) // 4096 - 1) * 4096)
        os.close(fd)
        before = snapshot(store)
        code, _, err = self.add("self-signed", store=store)
        self.assertEqual(code, 2)
        self.assertIn("cannot write index.json in the store %s: No space left on device; "
                      "the store is unchanged" % store, err)
        self.assertEqual(snapshot(store), before)
        listed, _ = store_list(store)
        self.assertEqual(len(listed["certificates"]), 1)
        self.assertEqual(listed["notes"], [])

    # -- Durability --

    def test_writes_are_durable_in_order(self):
        if subprocess.run(["strace", "-o", "/dev/null", "true"],
                          capture_output=True).returncode != 0:
            self.skipTest("strace cannot trace here")
        store = os.path.join(self.store, "a", "b")
        log = self.store + ".strace"
        self.addCleanup(lambda: os.path.exists(log) and os.unlink(log))

        # LeakSanitizer cannot run under ptrace; the other tests check leaks.
        env = dict(os.environ, ASAN_OPTIONS=":".join(
            filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"])))

        def traced(*args):
            p = subprocess.run(["strace", "-f", "-qq", "-y", "-o", log, "-e",
                                "trace=mkdir,mkdirat,rename,renameat,renameat2,fsync,"
                                "fdatasync,unlink,unlinkat", XMPPCV, *args],
                               capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                               env=env)
            sanitizer_free(p.stderr.decode())
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            calls = []
            with open(log) as f:
                for line in f:
                    m = re.match(r'\d+\s+(\w+)\((.*)\)\s+= (-?\d+)', line)
                    if m and m.group(3) == "0":
                        paths = re.findall(r'"([^"]*)"|<([^>]*)>', m.group(2))
                        calls.append((m.group(1).rstrip("at"),
                                      [a or b for a, b in paths]))
            return calls

        calls = traced("trust", "add", cert("tomcat.crt"), "--domain", "corp.example",
                       "--store", store)
        renames = [i for i, (c, _) in enumerate(calls) if c.startswith("rename")]
        made = [(i, a[-1]) for i, (c, a) in enumerate(calls) if c == "mkdir"]
        self.assertEqual([d for _, d in made], [os.path.join(self.store, "a"), store])
        for i, d in made:
            # The new directory's name is durable in its parent before any
            # file in it is renamed into place.
            syncs = [j for j, (c, a) in enumerate(calls)
                     if c in ("fsync", "fdatasync") and a == [os.path.dirname(d)]]
            self.assertTrue(any(i < j < renames[0] for j in syncs), (d, calls))
        names = [calls[i][1][-1] for i in renames]
        fp = self.fingerprint("tomcat")
        self.assertEqual(names, [os.path.join(store, fp + ".pem"),
                                 os.path.join(store, "index.json")])

        def dir_synced(after, before=None):
            return any(c in ("fsync", "fdatasync") and a == [store]
                       for c, a in calls[after + 1:before])
        # The certificate's name is durable before the index names it.
        self.assertTrue(dir_synced(renames[0], renames[1]), calls)
        self.assertTrue(dir_synced(renames[1]), calls)
        # Removing: the index no longer names it before its file goes.
        calls = traced("trust", "remove", fp, "--store", store)
        renames = [i for i, (c, _) in enumerate(calls) if c.startswith("rename")]
        unlinks = [i for i, (c, a) in enumerate(calls)
                   if c == "unlink" and a[-1].endswith(fp + ".pem")]
        self.assertEqual(len(renames), 1)
        self.assertEqual(len(unlinks), 1)
        self.assertTrue(dir_synced(renames[0], unlinks[0]), calls)
        self.assertTrue(dir_synced(unlinks[0]), calls)

    # -- The environment --

    def test_the_store_is_where_the_environment_given_says(self):
        home = tempfile.mkdtemp(prefix="xmppcv-home-")
        self.addCleanup(shutil.rmtree, home, True)
        base = {k: v for k, v in os.environ.items()
                if k not in ("XMPPCV_STORE", "XDG_DATA_HOME", "HOME")}

        def add_with(**env):
            p = subprocess.run([XMPPCV, "trust", "add", cert("tomcat.crt"), "--domain",
                                "corp.example"], capture_output=True, timeout=60,
                               stdin=subprocess.DEVNULL, env=dict(base, **env))
            sanitizer_free(p.stderr.decode())
            return p.returncode, p.stdout.decode(), p.stderr.decode()

        fp = self.fingerprint("tomcat")
        for env, where in (({"HOME": home}, ".local/share/xmppcv/accepted"),
                           ({"HOME": home, "XDG_DATA_HOME": "relative"},
                            ".local/share/xmppcv/accepted"),
                           ({"HOME": home, "XDG_DATA_HOME": home + "/xdg"},
                            "xdg/xmppcv/accepted"),
                           ({"HOME": home, "XDG_DATA_HOME": home + "/xdg",
                             "XMPPCV_STORE": home + "/env"}, "env")):
            code, out, err = add_with(**env)
            self.assertEqual(code, 0, err)
            self.assertIn("in %s/%s;" % (home, where), out)
            self.assertTrue(os.path.exists(os.path.join(home, where, fp + ".pem")), env)
        code, _, err = add_with()
        self.assertEqual(code, 2)
        self.assertIn("no store directory", err)


if __name__ == "__main__":
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Prompt", "Store"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
