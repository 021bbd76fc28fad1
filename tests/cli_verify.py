#!/usr/bin/env python3
"""`xmppcv verify` through the command line, on the fixture certificates.

Every case pins --at, because committed fixture certificates expire.
Usage: cli_verify.py CLASS  (XMPPCV and FIXTURES come from the environment).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
CERTS = os.path.join(os.environ.get("FIXTURES", "fixtures"), "certs")
AT = "2026-06-01T00:00:00Z"


def cert(name):
    return os.path.join(CERTS, name)


def run(*args, timeout=30, env=None):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    err = p.stderr.decode("utf-8", "replace")
    # Under the sanitizer build a report must fail the test whatever the
    # exit status happens to be.
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    if p.returncode < 0:
        raise AssertionError("xmppcv killed by signal %d for %r" % (-p.returncode, args))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def verify(*files, domain="corp.example", extra=(), anchors=("root-ca.crt",)):
    args = ["verify", "--json", "--at", AT, "--no-system-ca", "--domain", domain]
    for a in anchors:
        args += ["--ca-file", cert(a)]
    args += list(extra) + [cert(f) if not os.path.isabs(f) else f for f in files]
    rc, out, err = run(*args)
    objs = [json.loads(line) for line in out.splitlines() if line.strip()]
    return rc, objs, err


class Verdicts(unittest.TestCase):
    """The situations from the deployment guide, one chain each."""

    def check(self, chain, rc, field=None, value=None, **kw):
        code, objs, err = verify(chain, **kw)
        self.assertEqual(code, rc, err)
        self.assertEqual(len(objs), 1)
        o = objs[0]
        self.assertEqual(o["ok"], rc == 0)
        if field is not None:
            self.assertTrue(o["identity"]["matched"])
            self.assertEqual(o["identity"]["field"], field)
        if value is not None:
            self.assertEqual(o["identity"]["value"], value)
        return o

    def test_domain_san_verifies_by_dnsname(self):
        o = self.check("domain-san.chain.pem", 0, "dnsName", "corp.example")
        self.assertTrue(o["chain"]["trusted"])
        self.assertEqual(len(o["chain"]["certs"]), 2)
        self.assertEqual(len(o["chain"]["built"]), 3)

    def test_fqdn_only_is_a_mismatch_with_the_san_domain_advice(self):
        o = self.check("fqdn-only.chain.pem", 1)
        self.assertFalse(o["identity"]["matched"])
        self.assertIsNone(o["identity"]["field"])
        self.assertTrue(o["chain"]["trusted"])
        advice = " ".join(o["advice"])
        self.assertIn("names only cup1.corp.example", advice)
        self.assertIn("Use Domain Name for XMPP Certificate Subject Alternative Name", advice)

    def test_fqdn_only_text_says_mismatch_first(self):
        rc, out, _ = run("verify", "--at", AT, "--no-system-ca", "--ca-file",
                         cert("root-ca.crt"), "--domain", "corp.example",
                         cert("fqdn-only.chain.pem"))
        self.assertEqual(rc, 1)
        first = out.splitlines()[0]
        self.assertIn("NOT VERIFIED", first)
        self.assertIn("MISMATCH", out.splitlines()[1])

    def test_rsa_key_is_described(self):
        o = self.check("rsa-domain.chain.pem", 0, "dnsName")
        self.assertEqual(o["chain"]["certs"][0]["key"], "RSA 2048")
        self.assertEqual(o["chain"]["certs"][0]["signature"], "ecdsa-with-SHA256")

    def test_xmppaddr_only(self):
        self.check("xmppaddr-only.chain.pem", 0, "xmppAddr", "corp.example")

    def test_srvname_only_c2s_and_not_s2s(self):
        self.check("srvname-only.chain.pem", 0, "srvName", "_xmpp-client.corp.example")
        self.check("srvname-only.chain.pem", 1, extra=["--service", "s2s"])

    def test_s2s_srvname(self):
        o = self.check("s2s-srvname.chain.pem", 0, "srvName", extra=["--service", "s2s"])
        self.assertEqual(o["service"], "s2s")
        o = self.check("s2s-srvname.chain.pem", 1)
        self.assertIn("server-to-server", " ".join(o["advice"]))

    def test_cn_only_is_a_warned_fallback_and_rfc9525_refuses_it(self):
        o = self.check("cn-only.chain.pem", 0, "cn", "corp.example")
        self.assertTrue(any("RFC 9525" in w for w in o["warnings"]))
        o = self.check("cn-only.chain.pem", 1, extra=["--policy", "rfc9525"])
        self.assertEqual(o["identity"]["policy"], "rfc9525")
        self.assertIn("never uses", " ".join(o["advice"]))

    def test_wildcard_cn(self):
        self.check("wildcard-cn.chain.pem", 1)
        self.check("wildcard-cn.chain.pem", 0, "cn", "*.corp.example",
                   domain="cup1.corp.example", extra=["--service", "https"])

    def test_wildcard_san_does_not_cover_the_domain(self):
        o = self.check("wildcard-san.chain.pem", 1)
        self.assertIn("*.corp.example covers", " ".join(o["advice"]))
        self.check("wildcard-san.chain.pem", 0, "dnsName", domain="cup9.corp.example")

    def test_idn_domain(self):
        o = self.check("idn.chain.pem", 0, "xmppAddr", "bücher.example", domain="BÜCHER.example.")
        self.assertEqual(o["domain"], "xn--bcher-kva.example")

    def test_expired(self):
        o = self.check("expired.chain.pem", 1)
        self.assertFalse(o["chain"]["trusted"])
        self.assertIn("expired on 2026-03-01", o["chain"]["error"])
        self.assertEqual(o["chain"]["error_depth"], 0)
        self.assertIn("renew", " ".join(o["advice"]))
        # Before it expired, the same chain verified.
        code, objs, _ = verify("expired.chain.pem", extra=["--at", "2026-02-01"])
        self.assertEqual(code, 0)

    def test_not_yet_valid(self):
        o = self.check("not-yet-valid.chain.pem", 1)
        self.assertIn("not valid before 2027-01-01", o["chain"]["error"])

    def test_expiring_soon_warns_within_warn_days(self):
        o = self.check("expiring-soon.chain.pem", 0)
        self.assertTrue(any("expires in 14 days" in w for w in o["warnings"]))
        o = self.check("expiring-soon.chain.pem", 0, extra=["--warn-days", "7"])
        self.assertFalse(any("expires" in w for w in o["warnings"]))

    def test_untrusted_root(self):
        o = self.check("untrusted-root.chain.pem", 1)
        self.assertIn("Other Root CA", o["chain"]["error"])
        self.assertIn("missing", o["chain"]["error"])
        self.check("untrusted-root.chain.pem", 0, "dnsName",
                   anchors=("root-ca.crt", "other-root-ca.crt"))

    def test_private_root_not_imported(self):
        o = self.check("domain-san.chain.pem", 1, anchors=())
        self.assertIn("the root CA CN=Corp Root CA", o["chain"]["error"])
        self.assertIn("not among the trust anchors", o["chain"]["error"])
        self.assertEqual(o["chain"]["error_depth"], 1)
        self.assertIn("Trusted Root Certification Authorities", " ".join(o["advice"]))

    def test_client_only_certificate_is_not_for_servers(self):
        o = self.check("client-only.chain.pem", 1)
        self.assertIn("not valid for a TLS server", o["chain"]["error"])

    def test_self_signed(self):
        o = self.check("self-signed.chain.pem", 1)
        self.assertIn("self-signed", o["chain"]["error"])
        self.assertIn("self-signed", " ".join(o["advice"]))
        self.check("self-signed.chain.pem", 0, "dnsName", anchors=("self-signed.crt",))

    def test_missing_intermediate_is_named(self):
        o = self.check("domain-san.crt", 1)
        self.assertIn("Corp Issuing CA", o["chain"]["error"])
        self.assertIn("did not send", o["chain"]["error"])
        self.assertIn("did not send the certificate of CN=Corp Issuing CA", " ".join(o["advice"]))

    def test_leaf_alone_with_its_intermediate_among_the_anchors(self):
        # The server sends its certificate alone; the intermediate is
        # given with the root. Verified, with the path through it, and
        # the same for a second such leaf in the same process.
        code, objs, err = verify("domain-san.crt", "tomcat-cup3.crt", "domain-san.crt",
                                 anchors=("root-ca.crt", "issuing-ca.crt"))
        self.assertEqual(code, 1, err)   # tomcat-cup3 names only its node
        self.assertEqual([o["verdict"] for o in objs],
                         ["verified", "not-verified", "verified"])
        for o in objs:
            self.assertTrue(o["chain"]["trusted"])
            self.assertEqual([c["subject"] for c in o["chain"]["built"]][1:],
                             ["CN=Corp Issuing CA,O=Corp Example",
                              "CN=Corp Root CA,O=Corp Example"])

    def test_leaf_not_first_is_warned(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "reversed.pem")
            with open(p, "w") as f:
                f.write(open(cert("issuing-ca.crt")).read() + open(cert("domain-san.crt")).read())
            code, objs, _ = verify(p)
            self.assertEqual(code, 1)
            self.assertTrue(any("first certificate" in w for w in objs[0]["warnings"]))

    def test_tomcat_https_by_name_and_by_address(self):
        self.check("tomcat.chain.pem", 0, "dnsName", domain="cup1.corp.example",
                   extra=["--service", "https"])
        self.check("tomcat.chain.pem", 0, "ipAddress", "127.0.0.2", domain="127.0.0.2",
                   extra=["--service", "https"])
        o = self.check("tomcat.chain.pem", 1, domain="127.0.0.2")
        self.assertIn("IP address", " ".join(o["advice"]))

    def test_der_input(self):
        with tempfile.TemporaryDirectory() as d:
            der = os.path.join(d, "self.der")
            subprocess.run(["openssl", "x509", "-in", cert("self-signed.crt"),
                            "-outform", "DER", "-out", der], check=True)
            self.check(der, 0, "dnsName", anchors=("self-signed.crt",))


class Json(unittest.TestCase):
    def test_contract_fields(self):
        code, objs, _ = verify("domain-san.chain.pem", "fqdn-only.chain.pem")
        self.assertEqual(code, 1)
        self.assertEqual(len(objs), 2)
        for o in objs:
            for k in ("file", "domain", "service", "ok", "identity", "chain", "warnings", "advice"):
                self.assertIn(k, o)
            for k in ("matched", "field", "value", "policy", "presented"):
                self.assertIn(k, o["identity"])
            for p in o["identity"]["presented"]:
                self.assertEqual({"field", "value", "valid"} - set(p), set())
            for k in ("trusted", "error", "certs"):
                self.assertIn(k, o["chain"])
            for c in o["chain"]["certs"]:
                for k in ("subject", "issuer", "not_before", "not_after", "sha256", "key", "signature"):
                    self.assertIn(k, c)
                self.assertRegex(c["sha256"], "^[0-9a-f]{64}$")
        self.assertEqual([o["ok"] for o in objs], [True, False])
        self.assertEqual(objs[0]["domain"], "corp.example")

    def test_sha256_matches_openssl(self):
        _, objs, _ = verify("domain-san.chain.pem")
        p = subprocess.run(["openssl", "x509", "-in", cert("domain-san.crt"), "-noout",
                            "-fingerprint", "-sha256"], capture_output=True, text=True, check=True)
        fp = p.stdout.strip().split("=", 1)[1].replace(":", "").lower()
        self.assertEqual(objs[0]["chain"]["certs"][0]["sha256"], fp)

    def test_built_chain_carries_each_pem(self):
        _, objs, _ = verify("domain-san.chain.pem")
        built = objs[0]["chain"]["built"]
        self.assertEqual([c["subject"] for c in built],
                         ["CN=cup1.corp.example,O=Corp Example",
                          "CN=Corp Issuing CA,O=Corp Example",
                          "CN=Corp Root CA,O=Corp Example"])
        with open(cert("root-ca.crt")) as f:
            self.assertEqual(built[2]["pem"], f.read())
        for c in objs[0]["chain"]["certs"]:
            self.assertNotIn("pem", c)

    def test_every_presented_identity_is_listed(self):
        _, objs, _ = verify("s2s-srvname.chain.pem", extra=["--service", "s2s"])
        got = [(p["field"], p["value"]) for p in objs[0]["identity"]["presented"]]
        self.assertEqual(got, [("srvName", "_xmpp-server.corp.example"),
                               ("dnsName", "cup1.corp.example"),
                               ("cn", "cup1.corp.example")])


class Bundles(unittest.TestCase):
    """--ca-file takes a CA bundle of any size (Debian's holds ~140
    certificates), where a chain file is refused above 64."""

    def bundle(self, d, n):
        """A PEM file of n certificates: root-ca's, repeated."""
        path = os.path.join(d, "bundle-%d.pem" % n)
        with open(cert("root-ca.crt")) as f, open(path, "w") as out:
            out.write(f.read() * n)
        return path

    def test_a_large_bundle_is_a_trust_anchor_file(self):
        with tempfile.TemporaryDirectory() as d:
            big = self.bundle(d, 300)
            code, out, err = run("verify", "--at", AT, "--no-system-ca", "--ca-file", big,
                                 "--domain", "corp.example", cert("domain-san.chain.pem"))
            self.assertEqual(code, 0, err)
            code, out, err = run("verify", "--at", AT, "--no-system-ca", "--ca-path", d,
                                 "--domain", "corp.example", cert("domain-san.chain.pem"))
            self.assertEqual(code, 0, err)
            # Read as a chain, the same file is refused.
            code, out, err = run("verify", "--at", AT, "--no-system-ca", "--ca-file", big,
                                 "--domain", "corp.example", big)
            self.assertEqual(code, 2)
            self.assertIn("more than 64 certificates; that is not a chain a server presents",
                          err)
            # A capture keeps a large bundle as its anchors, and replays.
            case = os.path.join(d, "case")
            code, out, err = run("capture", "--from-file", cert("domain-san.chain.pem"),
                                 "--domain", "corp.example", "--no-system-ca", "--ca-file",
                                 big, "--at", AT, "--out", case)
            self.assertEqual(code, 0, err)
            code, out, err = run("replay", "--no-system-ca", case)
            self.assertEqual(code, 0, err + out)

    def test_system_bundle(self):
        if not os.path.exists("/etc/ssl/certs/ca-certificates.crt"):
            self.skipTest("no /etc/ssl/certs/ca-certificates.crt")
        code, out, err = run("verify", "--at", AT, "--no-system-ca", "--ca-file",
                             "/etc/ssl/certs/ca-certificates.crt", "--ca-file",
                             cert("root-ca.crt"), "--domain", "corp.example",
                             cert("domain-san.chain.pem"))
        self.assertEqual(code, 0, err)


class Malformed(unittest.TestCase):
    """Bad input: a clear message naming the file, exit 2, never a crash."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.pem = open(cert("domain-san.crt")).read()
        self.der = subprocess.run(["openssl", "x509", "-in", cert("domain-san.crt"),
                                   "-outform", "DER"], capture_output=True, check=True).stdout

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, data):
        p = os.path.join(self.dir, name)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p

    def bad(self, path, message):
        code, objs, err = verify(path)
        self.assertEqual(code, 2, err)
        self.assertIn(os.path.basename(path), err)
        self.assertIn(message, err)
        self.assertEqual(len(objs), 1)
        self.assertEqual(objs[0]["error"]["phase"], "input")
        self.assertIn(message, objs[0]["error"]["message"])

    def test_empty(self):
        self.bad(self.write("empty.pem", b""), "empty file")

    def test_missing(self):
        self.bad(os.path.join(self.dir, "nope.pem"), "cannot read")

    def test_directory(self):
        os.mkdir(os.path.join(self.dir, "adir"))
        self.bad(os.path.join(self.dir, "adir"), "is a directory")

    def test_not_pem_or_der(self):
        self.bad(self.write("notes.txt", "hello, this is not a certificate\n"), "neither PEM")

    def test_truncated_pem(self):
        self.bad(self.write("cut.pem", self.pem[: len(self.pem) // 2]), "truncated or damaged")

    def test_truncated_der(self):
        self.bad(self.write("cut.der", self.der[:200]), "truncated DER")

    def test_pem_that_does_not_parse(self):
        body = "-----BEGIN CERTIFICATE-----\nTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu\n-----END CERTIFICATE-----\n"
        self.bad(self.write("junk.pem", body), "does not parse")

    def test_der_with_trailing_bytes(self):
        self.bad(self.write("extra.der", self.der + b"\x00\x01"), "stray bytes")

    def test_key_only(self):
        key = open(cert("domain-san.key")).read()
        self.bad(self.write("key.pem", key), "no certificate")

    def test_key_beside_certificate_is_ignored_with_a_note(self):
        key = open(cert("domain-san.key")).read()
        p = self.write("both.pem", key + open(cert("domain-san.chain.pem")).read())
        code, objs, err = verify(p)
        self.assertEqual(code, 0, err)
        self.assertIn("keep private keys out", err)

    def test_bad_file_does_not_hide_good_ones(self):
        bad = self.write("empty.pem", b"")
        code, objs, err = verify("domain-san.chain.pem", bad, "fqdn-only.chain.pem")
        self.assertEqual(code, 2)
        self.assertEqual(len(objs), 3)
        self.assertEqual([o.get("ok") for o in objs], [True, False, False])
        self.assertIn("error", objs[1])

    def test_random_corruption_never_crashes(self):
        rng = random.Random(6120)
        for i in range(150):
            data = bytearray(self.der if i % 2 else self.pem.encode())
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            p = self.write("fuzz%d" % i, bytes(data))
            code, _, err = verify(p)
            self.assertIn(code, (1, 2), "case %d: exit %d: %s" % (i, code, err))
            self.assertNotIn("Sanitizer", err)


class Options(unittest.TestCase):
    def usage(self, *args, message):
        code, out, err = run(*args)
        self.assertEqual(code, 2, err)
        self.assertIn(message, err)

    def test_unknown_option(self):
        self.usage("verify", "--frobnicate", cert("domain-san.chain.pem"), message="unknown option '--frobnicate'")

    def test_unknown_command(self):
        self.usage("inspect", message="unknown command 'inspect'")

    def test_option_before_command(self):
        self.usage("--bogus", message="unknown option '--bogus' (a command comes first)")

    def test_short_help(self):
        # -h is --help, for every command.
        for command in ("verify", "check", "scan", "trust"):
            code, out, err = run(command, "-h")
            self.assertEqual(code, 0, err)
            self.assertTrue(out.startswith("usage: xmppcv " + command + " "), out)

    def test_no_command(self):
        self.usage(message="no command")

    def test_domain_required(self):
        self.usage("verify", cert("domain-san.chain.pem"), message="--domain is required")

    def test_file_required(self):
        self.usage("verify", "--domain", "corp.example", message="no FILE")

    def test_missing_value(self):
        self.usage("verify", cert("domain-san.chain.pem"), "--domain", message="needs a value")

    def test_bad_time(self):
        self.usage("verify", "--at", "yesterday", "--domain", "d.example", cert("domain-san.chain.pem"),
                   message="invalid time")

    def test_times_outside_the_years_0000_to_9999_are_refused(self):
        # strtoll takes these; a signed overflow once made every
        # certificate look damaged.
        for t in ("@-9223372036854775808", "@9223372036854775807", "@-62167219201",
                  "@253402300800"):
            code, _, err = run("verify", "--at", t, "--domain", "corp.example",
                               cert("domain-san.chain.pem"))
            self.assertEqual(code, 2, t)
            self.assertIn("--at: invalid time '%s'" % t, err)
            self.assertIn("between the years 0000 and 9999", err)

    def test_the_first_and_last_second_are_times(self):
        for t, shown in (("@-62167219200", "0000-01-01T00:00:00Z"),
                         ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
                         ("@253402300799", "9999-12-31T23:59:59Z"),
                         ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z")):
            code, out, err = run("verify", "--at", t, "--no-system-ca", "--ca-file",
                                 cert("root-ca.crt"), "--domain", "corp.example",
                                 cert("domain-san.chain.pem"))
            self.assertEqual(code, 1, err)
            # Out of every certificate's validity, named as such: no
            # certificate is taken for damaged.
            self.assertIn("as at %s)" % shown, out)
            self.assertIn("(checked as at %s)" % shown, out)
            self.assertNotIn("format error", out)

    def test_bad_service_and_policy(self):
        self.usage("verify", "--service", "smtp", "--domain", "d.example", cert("domain-san.chain.pem"),
                   message="unknown service 'smtp'")
        self.usage("verify", "--policy", "lax", "--domain", "d.example", cert("domain-san.chain.pem"),
                   message="unknown policy 'lax'")

    def test_bad_warn_days(self):
        self.usage("verify", "--warn-days", "soon", "--domain", "d.example", cert("domain-san.chain.pem"),
                   message="--warn-days")

    def test_bad_ca_file(self):
        self.usage("verify", "--ca-file", "/nonexistent/ca.pem", "--domain", "corp.example",
                   cert("domain-san.chain.pem"), message="--ca-file /nonexistent/ca.pem")
        self.usage("verify", "--ca-file", cert("conf/root-ca.cnf"), "--domain", "corp.example",
                   cert("domain-san.chain.pem"), message="neither PEM")

    def test_invalid_domain(self):
        code, objs, err = verify("domain-san.chain.pem", domain="corp..example")
        self.assertEqual(code, 2)
        self.assertIn("not a valid domain name", err)

    def test_standard_input(self):
        with open(cert("domain-san.chain.pem"), "rb") as f:
            chain = f.read()
        p = subprocess.run([XMPPCV, "verify", "--json", "--at", AT, "--no-system-ca",
                            "--ca-file", cert("root-ca.crt"), "--domain", "corp.example",
                            "-"], input=chain, capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        o = json.loads(p.stdout)
        self.assertEqual((o["file"], o["verdict"]), ("-", "verified"))
        p = subprocess.run([XMPPCV, "verify", "--domain", "corp.example", "-"],
                           input=b"", capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"standard input: empty", p.stderr)

    def test_help_and_version(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("xmppcv verify", out)
        code, out, _ = run("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^xmppcv \d+\.\d+\.\d+")


class Jobs(unittest.TestCase):
    """--jobs N writes what one thread writes, byte for byte, and exits alike."""

    def same(self, *args):
        first = None
        for jobs in ("1", "2", "3", "8"):
            p = subprocess.run([XMPPCV, "verify", "--jobs", jobs, *args], capture_output=True,
                               timeout=120)
            got = (p.returncode, p.stdout, p.stderr)
            if b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr:
                raise AssertionError(p.stderr.decode())
            if first is None:
                first = got
            else:
                self.assertEqual(got, first, "--jobs %s" % jobs)
        return first

    def files(self, d):
        """Every fixture chain, a few twice, and broken and missing files among them."""
        names = sorted(n for n in os.listdir(CERTS) if n.endswith((".pem", ".crt")))
        files = [cert(n) for n in names] + [cert("domain-san.chain.pem")] * 3
        with open(os.path.join(d, "empty.pem"), "w"):
            pass
        with open(os.path.join(d, "key.pem"), "w") as f, open(cert("domain-san.key")) as k, \
                open(cert("domain-san.chain.pem")) as c:
            f.write(k.read() + c.read())
        files[5:5] = [os.path.join(d, "empty.pem"), os.path.join(d, "missing.pem")]
        files[20:20] = [os.path.join(d, "key.pem"), CERTS]
        return files

    def test_text_and_json_as_one_thread(self):
        with tempfile.TemporaryDirectory() as d:
            files = self.files(d)
            for extra in ([], ["--json"], ["--strict", "--json"], ["--policy", "rfc9525"]):
                code, out, err = self.same("--at", AT, "--no-system-ca", "--ca-file",
                                           cert("root-ca.crt"), "--domain", "corp.example",
                                           *extra, *files)
                self.assertEqual(code, 2)
                self.assertIn(b"empty.pem: empty file", err)
                self.assertIn(b"ignored a PRIVATE KEY block", err)
                if "--json" in extra:
                    self.assertEqual(len(out.splitlines()), len(files))

    def test_many_files(self):
        # More files than the pool keeps ahead of the writer (1024).
        files = [cert("domain-san.chain.pem"), cert("fqdn-only.chain.pem"),
                 cert("expired.chain.pem")] * 400
        code, out, _ = self.same("--json", "--at", AT, "--no-system-ca", "--ca-file",
                                 cert("root-ca.crt"), "--domain", "corp.example", *files)
        self.assertEqual(code, 1)
        verdicts = [json.loads(line)["verdict"] for line in out.splitlines()]
        self.assertEqual(verdicts, ["verified", "not-verified", "not-verified"] * 400)

    def test_a_failing_configuration_stops_before_any_file(self):
        code, out, err = self.same("--ca-file", "/nonexistent/ca.pem", "--domain",
                                   "corp.example", cert("domain-san.chain.pem"),
                                   cert("fqdn-only.chain.pem"))
        self.assertEqual((code, out), (2, b""))

    def test_bad_jobs(self):
        for bad in ("0", "-1", "many", "100000"):
            code, _, err = run("verify", "--jobs", bad, "--domain", "corp.example",
                               cert("domain-san.chain.pem"))
            self.assertEqual(code, 2)
            self.assertIn("--jobs wants a number of threads", err)


class Trust(unittest.TestCase):
    def test_ca_path_loads_certificates_and_notes_other_files(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(cert("root-ca.crt"), d)
            with open(os.path.join(d, "README"), "w") as f:
                f.write("anchors for corp.example\n")
            code, objs, err = verify("domain-san.chain.pem", anchors=(), extra=["--ca-path", d])
            self.assertEqual(code, 0, err)
            self.assertIn("skipped", err)
            self.assertIn("README", err)

    def test_ca_path_without_certificates_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            code, _, err = verify("domain-san.chain.pem", anchors=(), extra=["--ca-path", d])
            self.assertEqual(code, 2)
            self.assertIn("no certificate file", err)

    def test_several_ca_files(self):
        code, objs, _ = verify("untrusted-root.chain.pem", "domain-san.chain.pem",
                               anchors=("root-ca.crt", "other-root-ca.crt"))
        self.assertEqual(code, 0)
        self.assertEqual(len(objs), 2)

    def test_system_anchors_are_used_unless_disabled(self):
        # OpenSSL's default store honours SSL_CERT_FILE; point it at the
        # private root to stand in for an operating system that trusts it.
        env = {"SSL_CERT_FILE": cert("root-ca.crt"), "SSL_CERT_DIR": "/nonexistent"}
        base = ["verify", "--at", AT, "--domain", "corp.example", cert("domain-san.chain.pem")]
        self.assertEqual(run(*base, env=env)[0], 0)
        code, out, _ = run(*base, "--no-system-ca", env=env)
        self.assertEqual(code, 1)
        self.assertIn("NOT TRUSTED", out)

    def test_no_anchors_at_all(self):
        code, objs, _ = verify("domain-san.chain.pem", anchors=())
        self.assertEqual(code, 1)
        self.assertFalse(objs[0]["chain"]["trusted"])


if __name__ == "__main__":
    names = sys.argv[1:] or None
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for n in names or ["Verdicts", "Json", "Malformed", "Options", "Trust"]:
        suite.addTests(loader.loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
