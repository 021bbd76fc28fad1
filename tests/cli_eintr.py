#!/usr/bin/env python3
"""Interrupted system calls change nothing: checks against a scripted peer
and store writes with SIGALRM every 200 microseconds (tests/eintr.c).

Usage: cli_eintr.py EINTR   (FIXTURES from the environment)

The peer listens on 127.0.161.1 and is stopped by its PID.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Peer, cert  # noqa: E402

EINTR = None


class Eintr(unittest.TestCase):
    def test_checks_and_store_writes_under_signals(self):
        store = tempfile.mkdtemp(prefix="xmppcv-eintr-")
        peer = Peer("announce", "127.0.161.1", 15222, cert("domain-san.chain.pem"),
                    cert("domain-san.key"))
        try:
            p = subprocess.run([EINTR, "200", "127.0.161.1:15222", "corp.example",
                                cert("root-ca.crt"), os.path.join(store, "s"),
                                cert("self-signed.crt")],
                               capture_output=True, text=True, timeout=600)
        finally:
            peer.stop()
            shutil.rmtree(store, ignore_errors=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        m = re.search(r"^200 of 200 checks verified, 200 of 200 store writes, "
                      r"(\d+) signals$", p.stdout, re.M)
        self.assertIsNotNone(m, p.stdout)
        # The signals did land, many per iteration.
        self.assertGreater(int(m.group(1)), 200, p.stdout)


if __name__ == "__main__":
    EINTR = os.path.abspath(sys.argv[1])
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestLoader().loadTestsFromTestCase(Eintr))
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
