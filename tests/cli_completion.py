#!/usr/bin/env python3
"""Bash completion (completions/xmppcv) against the tool's own --help.

Usage: cli_completion.py   (XMPPCV from the environment)
"""
import os
import re
import subprocess
import sys
import unittest

XMPPCV = os.path.abspath(os.environ.get("XMPPCV", "build/src/xmppcv"))
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "completions", "xmppcv")
COMMANDS = ["check", "scan", "verify", "capture", "replay", "trust", "csr", "clients", "tlsa", "posh",
            "exporter"]
PROFILES = ["apple", "cisco-jabber", "conversations", "ejabberd-s2s", "gio", "go",
            "libstrophe", "nss", "openfire-s2s", "prosody-s2s", "python-ssl", "qca",
            "smack"]


def complete(*words):
    """What bash offers for the last word of `xmppcv WORDS`."""
    script = ("source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_xmppcv\n"
              "printf '%%s\\n' \"${COMPREPLY[@]}\"\n" % (
                  SCRIPT, " ".join("'%s'" % w for w in (XMPPCV,) + words), len(words)))
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return sorted(w for w in out.splitlines() if w)


def options(cmd):
    text = subprocess.run([XMPPCV, cmd, "--help"], capture_output=True, text=True,
                          timeout=30).stdout
    return sorted(set(re.findall(r"(?m)^  (--[a-z][a-z0-9-]*)", text)))


class Completion(unittest.TestCase):
    def test_commands(self):
        self.assertEqual(complete(""), sorted(COMMANDS + ["help", "--help", "--version"]))
        self.assertEqual(complete("ch"), ["check"])
        self.assertEqual(complete("help", ""), sorted(COMMANDS))

    def test_every_option_of_every_command(self):
        for cmd in COMMANDS:
            with self.subTest(cmd):
                offered = complete(cmd, "--")
                self.assertEqual(offered, options(cmd))
                self.assertIn("--help", offered)

    def test_values(self):
        self.assertEqual(complete("check", "--service", ""), ["c2s", "https", "s2s"])
        self.assertEqual(complete("verify", "--service", ""), ["c2s", "https", "s2s"])
        self.assertEqual(complete("verify", "--policy", ""), ["rfc6125", "rfc9525"])
        self.assertEqual(complete("replay", "--at", ""), ["captured", "now"])
        self.assertEqual(complete("check", "--domain", ""), [])
        self.assertEqual(complete("scan", "--services", ""), [])
        self.assertEqual(complete("scan", "--nodes-file", "/nonexistent/x"), [])
        self.assertEqual(complete("trust", ""), ["add", "list", "plan", "remove", "show"])
        self.assertEqual(complete("csr", ""), ["lint", "match"])
        self.assertEqual(complete("csr", "--kind", ""), ["https", "xmpp"])
        self.assertEqual(complete("check", "--format", ""),
                         ["json", "nagios", "prometheus", "text"])
        self.assertEqual(complete("scan", "--format", "n"), ["nagios"])
        self.assertEqual(complete("exporter", "--listen", ""), [])

    def test_client_profiles(self):
        self.assertEqual(complete("verify", "--clients", ""), sorted(PROFILES + ["all", "none"]))
        self.assertEqual(complete("check", "--require-clients", ""), sorted(PROFILES + ["all"]))
        self.assertEqual(complete("scan", "--clients", "g"), ["gio", "go"])
        # After a comma: the next profile, with what came before.
        self.assertEqual(complete("verify", "--clients", "gio,li"), ["gio,libstrophe"])
        self.assertEqual(complete("clients", "pro"), ["prosody-s2s"])

    def test_files_for_file_options(self):
        fixtures = os.path.join(os.environ.get("FIXTURES", "fixtures"), "certs", "root-c")
        self.assertIn(fixtures + "a.crt", complete("verify", "--ca-file", fixtures))
        self.assertIn(fixtures + "a.crt", complete("verify", fixtures))
        self.assertIn(fixtures + "a.crt", complete("exporter", "--config", fixtures))


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestLoader().loadTestsFromTestCase(Completion))
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
