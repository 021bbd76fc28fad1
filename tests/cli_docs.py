#!/usr/bin/env python3
"""Every command and option reaches every place a user looks: its --help
(the option table), the man page, the README. Completion reads --help
itself (cli_completion.py).

Usage: cli_docs.py   (XMPPCV from the environment)
"""
import json
import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")


def read(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return f.read()


def commands():
    text = subprocess.run([XMPPCV, "--help"], capture_output=True, text=True,
                          timeout=30).stdout
    return re.findall(r"(?m)^  ([a-z]+)  ", text)


def options(cmd):
    text = subprocess.run([XMPPCV, cmd, "--help"], capture_output=True, text=True,
                          timeout=30).stdout
    return sorted(set(re.findall(r"(?m)^  (--[a-z][a-z0-9-]*)", text)) - {"--help"})


class Docs(unittest.TestCase):
    def test_every_command_is_documented(self):
        man, readme = read("doc", "xmppcv.1.scd"), read("README.md")
        self.assertGreaterEqual(len(commands()), 5)
        for cmd in commands():
            with self.subTest(cmd):
                self.assertTrue("*xmppcv %s*" % cmd in man, "man page")
                self.assertTrue("xmppcv %s" % cmd in readme, "README")

    def test_every_client_profile_is_documented(self):
        man, readme = read("doc", "xmppcv.1.scd"), read("README.md")
        clients = read("doc", "clients.md")
        out = subprocess.run([XMPPCV, "clients", "--json"], capture_output=True, text=True,
                             timeout=30).stdout
        ids = [json.loads(line)["client"] for line in out.splitlines()]
        self.assertGreaterEqual(len(ids), 13)
        for cid in ids:
            with self.subTest(cid):
                self.assertIn("*%s* (" % cid, man, "man page, CLIENT PROFILES")
                self.assertIn("`%s`" % cid, readme, "README")
                self.assertIn(cid, clients, "doc/clients.md")

    def test_every_option_is_documented(self):
        man, readme = read("doc", "xmppcv.1.scd"), read("README.md")
        for cmd in commands():
            for opt in options(cmd):
                with self.subTest(cmd=cmd, option=opt):
                    self.assertTrue("*%s*" % opt in man, "man page")
                    self.assertTrue("`%s" % opt in readme, "README")


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestLoader().loadTestsFromTestCase(Docs))
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
