#!/usr/bin/env python3
"""scripts/install-deps as a newcomer meets it, with stand-ins for dpkg-query
and id: a user who is not root, on a machine without sudo, is told what
to install and how, not "sudo: not found".
"""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "install-deps")


def stubs(d, installed=()):
    """A PATH of stand-ins: dpkg-query knows only `installed`; id says uid
    1000; there is no sudo and no apt-get."""
    def write(name, body):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(p, 0o755)
    write("dpkg-query", 'case " %s " in *" $3 "*) echo "install ok installed";; '
          '*) exit 1;; esac\n' % " ".join(installed))
    write("id", "echo 1000\n")
    for tool in ("grep", "cat"):
        os.symlink("/bin/" + tool, os.path.join(d, tool))


class InstallDeps(unittest.TestCase):
    def run_script(self, profile, installed=()):
        with tempfile.TemporaryDirectory() as d:
            stubs(d, installed)
            return subprocess.run(["/bin/sh", SCRIPT, profile], capture_output=True,
                                  text=True, timeout=30, env={"PATH": d})

    def test_no_root_no_sudo_says_what_to_install(self):
        p = self.run_script("demo")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("sudo is not installed", p.stderr)
        self.assertIn("apt-get install -y --no-install-recommends", p.stderr)
        self.assertIn("prosody", p.stderr)
        self.assertNotIn("not found", p.stderr)

    def test_the_demo_needs_no_compiler_of_its_own_or_sanitizers(self):
        demo = self.run_script("demo").stderr
        self.assertNotIn("clang", demo)
        self.assertNotIn("libclang-rt", demo)
        self.assertIn("clang", self.run_script("test").stderr)

    def test_nothing_missing_is_quiet_success(self):
        every = ("build-essential pkg-config meson ninja-build python3 openssl ca-certificates "
                 "libssl-dev "
                 "libexpat1-dev libstrophe-dev libc-ares-dev libidn2-dev libjansson-dev "
                 "libcmocka-dev libmicrohttpd-dev scdoc libunbound-dev dns-root-data "
                 "prosody").split()
        p = self.run_script("demo", every)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("all packages present", p.stdout)


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestLoader().loadTestsFromTestCase(InstallDeps))
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
