#!/usr/bin/env python3
"""`xmppcv csr lint` and `csr match` on the fixture CSRs (fixtures/csr).

Usage: cli_csr.py CLASS   (XMPPCV and FIXTURES come from the environment)

- Lint: one row per rule: its fixture, the exact findings it must give
  (a dropped rule fails its row), and the words that name the problem;
  the clean CSRs give none; the JSON fields one by one; text order.
- Across: the findings across CSRs given together, each from its set.
- Match: an issued certificate against its CSR: faithful, a dropped
  domain, another key, HTTPS; then the verification with trust options.
- Malformed: unreadable and foreign files (exit 2, named), usage errors.
Issued certificates expire, so every match pins --at.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
FIXTURES = os.environ.get("FIXTURES", "fixtures")
CSR = os.path.join(FIXTURES, "csr")
AT = "2026-06-01T00:00:00Z"
DOMAIN = ("--domain", "corp.example")
NODES = ("--nodes", "cup1.corp.example,cup2.corp.example", "--nodes", "cup3.corp.example")


def csr(name):
    return os.path.join(CSR, name)


def run(*args, timeout=60):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    # Under the sanitizer build a report must fail the test whatever the
    # exit status happens to be.
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    if p.returncode < 0:
        raise AssertionError("xmppcv killed by signal %d for %r" % (-p.returncode, args))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def lint_json(*args):
    """Exit status, the per-CSR objects, the summary object, stderr."""
    rc, out, err = run("csr", "lint", "--json", *args)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines and "summary" in lines[-1], out
    return rc, lines[:-1], lines[-1], err


def codes(findings):
    return sorted(f["code"] for f in findings)


def match_json(*args):
    rc, out, err = run("csr", "match", "--json", "--at", AT, "--no-system-ca", *args)
    return rc, (json.loads(out) if out.strip() else None), err


ANCHOR = ("--ca-file", os.path.join(FIXTURES, "certs", "root-ca.crt"))

# One row per rule: fixture, options, the findings it must give (exactly),
# the severity of the first, words its text must hold.
RULES = [
    # The seed: CAs take Base64 (PEM) CSRs only; say how to convert.
    ("not-base64-der.csr", DOMAIN, ["not-base64"], "error", "openssl req -inform DER"),
    ("not-base64-utf16.csr", DOMAIN, ["not-base64"], "error", "iconv -f UTF-16 -t ASCII"),
    ("private-key-present.csr", DOMAIN, ["private-key-present"], "error", "private key"),
    # The CSR's own signature (edited after signing).
    ("bad-signature.csr", DOMAIN, ["bad-signature"], "error", "does not verify"),
    # BR 6.1.5, 6.1.6: RSA size and exponent; DSA; curves; the servers' maximum.
    ("weak-key-rsa1024.csr", DOMAIN, ["weak-key"], "error", "1024 bits"),
    ("weak-key-rsa2052.csr", DOMAIN, ["weak-key"], "error", "not a multiple of 8"),
    ("weak-key-exponent-3.csr", DOMAIN, ["weak-key"], "error", "exponent 3 is small"),
    ("weak-key-exponent-even.csr", DOMAIN, ["bad-signature", "weak-key"], "error",
     "exponent 65538 is even"),
    ("weak-key-dsa.csr", DOMAIN, ["weak-key"], "error", "DSA"),
    ("weak-key-secp256k1.csr", DOMAIN, ["weak-key"], "error", "secp256k1"),
    ("key-too-large.csr", DOMAIN, ["key-too-large"], "warning", "8192 bits"),
    # MD5 and SHA-1 signatures.
    ("weak-hash-sha1.csr", DOMAIN, ["weak-hash"], "error", "SHA1"),
    ("weak-hash-md5.csr", DOMAIN, ["weak-hash"], "error", "MD5"),
    # The seed: @&! in the Organization, OU or other fields.
    ("forbidden-char.csr", DOMAIN, ["forbidden-char"], "error", "O \"Corp & Partners!\" has '&' and '!'"),
    ("forbidden-char-email.csr", DOMAIN, ["forbidden-char"], "error", "emailAddress"),
    ("non-ascii.csr", DOMAIN, ["non-ascii", "non-ascii"], "warning", "Zürich"),
    # CA/Browser Forum ballot SC47.
    ("ou-present.csr", DOMAIN, ["ou-present"], "warning", "OU \"IM and Presence\""),
    # The seed: FQDNs, not IP addresses.
    ("cn-not-fqdn.csr", DOMAIN, ["cn-not-fqdn"], "error", "\"cup1\""),
    ("cn-ip.csr", DOMAIN, ["cn-ip"], "error", "10.0.0.5"),
    ("san-ip.csr", DOMAIN, ["san-ip"], "warning", "10.0.0.5"),
    ("san-not-fqdn.csr", DOMAIN, ["san-not-fqdn"], "error", "\"cup1\""),
    ("no-san.csr", DOMAIN, ["no-san"], "error", "cup1.corp.example, corp.example"),
    ("cn-not-in-san.csr", DOMAIN, ["cn-not-in-san"], "warning", "cup1.corp.example"),
    # The seed: XMPP certificates must name the XMPP domain.
    ("domain-missing.csr", DOMAIN, ["domain-missing"], "error",
     "Use Domain Name for XMPP Certificate Subject Alternative Name"),
    ("othername-only.csr", DOMAIN, ["domain-missing", "othername-dropped-by-public-ca"], "error",
     "corp.example"),
    # Without --domain, the domain an xmppAddr names is the one checked.
    ("othername-only.csr", (), ["domain-missing", "othername-dropped-by-public-ca"], "error",
     "corp.example"),
    ("xmpp-clean.csr", (), ["domain-not-checked"], "warning", "not checked"),
    ("multi-san-missing.csr", DOMAIN + NODES, ["node-missing"], "error", "cup3.corp.example"),
    ("wildcard.csr", DOMAIN, ["wildcard"], "warning", "*.corp.example"),
]

CLEAN = [
    ("xmpp-clean.csr", ("--kind", "xmpp") + DOMAIN),
    ("xmpp-clean-cup2.csr", DOMAIN),
    ("xmpp-clean-p384.csr", DOMAIN),
    ("multi-san.csr", DOMAIN + NODES),
    ("match-cup1.csr", DOMAIN),
    ("https-clean.csr", ("--kind", "https")),
    ("https-clean-cup2.csr", ("--kind", "https", "--domain", "cup2.corp.example")),
]


def spki_sha256(path):
    pub = subprocess.run(["openssl", "req", "-in", path, "-pubkey", "-noout"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()


class Lint(unittest.TestCase):
    def test_each_rule_gives_exactly_its_findings(self):
        for name, args, want, severity, words in RULES:
            with self.subTest(name, args=args):
                rc, objs, summary, err = lint_json(*args, csr(name))
                self.assertEqual(len(objs), 1, err)
                o = objs[0]
                self.assertEqual(codes(o["findings"]), sorted(want))
                self.assertEqual(o["findings"][0]["severity"], severity)
                self.assertIn(words, " ".join(f["text"] for f in o["findings"]))
                errors = any(f["severity"] == "error" for f in o["findings"])
                self.assertEqual(rc, 1 if errors else 0)
                self.assertEqual(o["ok"], not errors)
                self.assertEqual(summary["summary"]["ok"], not errors)
                for f in o["findings"]:
                    self.assertEqual(f["files"], [csr(name)])
                    self.assertTrue(f["field"])

    def test_clean_csrs_have_no_finding(self):
        for name, args in CLEAN:
            with self.subTest(name):
                rc, objs, summary, err = lint_json(*args, csr(name))
                self.assertEqual((rc, objs[0]["findings"], objs[0]["ok"]), (0, [], True), err)
                self.assertEqual(summary["findings"], [])
                s = summary["summary"]
                self.assertEqual((s["errors"], s["warnings"], s["notes"], s["ok"]),
                                 (0, 0, 0, True))

    def test_a_csr_asking_for_client_auth_gets_a_note(self):
        """Public CAs no longer issue clientAuth (2026): a CSR that asks
        for it is told so; one that does not is not."""
        top = tempfile.mkdtemp(prefix="xmppcv-csr-eku-")
        try:
            made = {}
            for eku in ("serverAuth,clientAuth", "serverAuth"):
                path = os.path.join(top, eku.replace(",", "-") + ".csr")
                subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                                os.path.join(top, "k.pem"), "-subj",
                                "/CN=cup1.corp.example", "-addext",
                                "subjectAltName=DNS:cup1.corp.example,DNS:corp.example",
                                "-addext", "extendedKeyUsage=" + eku, "-out", path],
                               check=True, capture_output=True, timeout=60)
                made[eku] = path
            rc, objs, summary, err = lint_json("--domain", "corp.example",
                                               made["serverAuth,clientAuth"])
            f = [x for x in objs[0]["findings"] if x["code"] == "client-auth-not-issued"]
            self.assertEqual([(x["severity"], x["field"]) for x in f],
                             [("note", "extendedKeyUsage")], objs[0]["findings"])
            self.assertIn("ejabberd 23.01 refuses", f[0]["text"])
            rc, objs, summary, err = lint_json("--domain", "corp.example",
                                               made["serverAuth"])
            self.assertNotIn("client-auth-not-issued", codes(objs[0]["findings"]))
        finally:
            shutil.rmtree(top, ignore_errors=True)

    def test_errors_come_before_warnings(self):
        rc, objs, _, _ = lint_json(*DOMAIN, csr("weak-key-exponent-even.csr"))
        rc, objs2, _, _ = lint_json(*DOMAIN, csr("othername-only.csr"))
        for o in objs + objs2:
            sev = [f["severity"] for f in o["findings"]]
            self.assertEqual(sev, sorted(sev, key=["error", "warning", "note"].index))

    def test_findings_name_field_and_value(self):
        rc, objs, _, _ = lint_json(*DOMAIN, csr("forbidden-char.csr"))
        f = objs[0]["findings"][0]
        self.assertEqual(f["field"], "subject O")
        rc, objs, _, _ = lint_json(*DOMAIN, csr("non-ascii.csr"))
        self.assertEqual([f["field"] for f in objs[0]["findings"]], ["subject ST", "subject L"])
        rc, objs, _, _ = lint_json(*DOMAIN, csr("san-ip.csr"))
        self.assertEqual(objs[0]["findings"][0]["field"], "subjectAltName")

    def test_json_fields(self):
        path = csr("xmpp-clean.csr")
        rc, objs, summary, _ = lint_json(*DOMAIN, path)
        o = objs[0]
        self.assertEqual(list(o), ["file", "kind", "encoding", "subject", "key", "key_sha256",
                                   "signature", "signature_valid", "sans", "domain",
                                   "domain_source", "findings", "ok"])
        self.assertEqual(o["file"], path)
        self.assertEqual(o["kind"], "xmpp")
        self.assertEqual(o["encoding"], "pem")
        self.assertEqual(o["subject"], "CN=cup1.corp.example,O=Corp Example,L=San Jose,"
                                       "ST=California,C=US")
        self.assertEqual(o["key"], "RSA 2048")
        self.assertEqual(o["key_sha256"], spki_sha256(path))
        self.assertEqual(o["signature"], "sha256WithRSAEncryption")
        self.assertIs(o["signature_valid"], True)
        self.assertEqual(o["sans"], [
            {"field": "dnsName", "value": "cup1.corp.example", "valid": True},
            {"field": "dnsName", "value": "corp.example", "valid": True}])
        self.assertEqual((o["domain"], o["domain_source"]), ("corp.example", "given"))
        self.assertEqual((o["findings"], o["ok"]), ([], True))
        self.assertEqual(list(summary), ["summary", "findings"])
        self.assertEqual(summary["summary"], {
            "kind": "xmpp", "domain": "corp.example", "nodes": [], "csrs": 1,
            "unreadable": [], "errors": 0, "warnings": 0, "notes": 0, "ok": True})
        # A finding: code, severity, field, files, text.
        rc, objs, _, _ = lint_json(*DOMAIN, csr("domain-missing.csr"))
        f = objs[0]["findings"][0]
        self.assertEqual(list(f), ["code", "severity", "field", "files", "text"])
        self.assertEqual((f["code"], f["severity"], f["field"], f["files"]),
                         ("domain-missing", "error", "subjectAltName", [csr("domain-missing.csr")]))

    def test_encodings_and_names_in_json(self):
        rc, objs, _, _ = lint_json(*DOMAIN, csr("not-base64-der.csr"), csr("not-base64-utf16.csr"),
                                   csr("othername-only.csr"), csr("bad-signature.csr"))
        self.assertEqual([o["encoding"] for o in objs], ["der", "pem-utf16", "pem", "pem"])
        self.assertEqual([o["signature_valid"] for o in objs], [True, True, True, False])
        self.assertEqual([(s["field"], s["value"]) for s in objs[2]["sans"]], [
            ("dnsName", "cup1.corp.example"), ("xmppAddr", "corp.example"),
            ("srvName", "_xmpp-client.corp.example")])
        rc, objs, _, _ = lint_json(csr("othername-only.csr"))
        self.assertEqual((objs[0]["domain"], objs[0]["domain_source"]), ("corp.example", "xmppAddr"))
        rc, objs, _, _ = lint_json(csr("xmpp-clean.csr"))
        self.assertEqual((objs[0]["domain"], objs[0]["domain_source"]), (None, None))

    def test_text_findings_first_one_line_each_then_contents(self):
        path = csr("othername-only.csr")
        rc, out, _ = run("csr", "lint", *DOMAIN, path)
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        self.assertEqual(lines[0], path + ": NOT READY TO SUBMIT: 1 error, 1 warning")
        self.assertTrue(lines[1].startswith("  error    domain-missing: the XMPP domain "
                                            "corp.example is in no dNSName"))
        self.assertTrue(lines[2].startswith("  warning  othername-dropped-by-public-ca: "))
        self.assertEqual([line.split()[0] for line in lines[3:9]],
                         ["kind", "encoding", "subject", "key", "signature", "names"])
        self.assertEqual(lines[8].split(), ["names", "dnsName", "cup1.corp.example"])
        self.assertEqual(lines[9].split(), ["xmppAddr", "corp.example"])
        self.assertEqual(lines[10].split(), ["srvName", "_xmpp-client.corp.example"])
        self.assertEqual(lines[-1], "1 CSR: NOT READY TO SUBMIT: 1 error, 1 warning in all")

    def test_text_of_a_clean_csr_and_a_warning(self):
        rc, out, _ = run("csr", "lint", *DOMAIN, csr("xmpp-clean.csr"))
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[0], csr("xmpp-clean.csr") + ": READY TO SUBMIT")
        self.assertEqual(out.splitlines()[1],
                         "  kind       xmpp, for the XMPP domain corp.example (given)")
        self.assertEqual(out.splitlines()[-1], "1 CSR: READY TO SUBMIT")
        rc, out, _ = run("csr", "lint", *DOMAIN, csr("ou-present.csr"))
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[0], csr("ou-present.csr") + ": READY TO SUBMIT (1 warning)")
        self.assertEqual(out.splitlines()[-1], "1 CSR: READY TO SUBMIT (1 warning in all)")

    def test_forbid_chooses_the_characters(self):
        rc, objs, _, _ = lint_json(*DOMAIN, "--forbid", "", csr("forbidden-char.csr"))
        self.assertEqual((rc, objs[0]["findings"]), (0, []))
        rc, objs, _, _ = lint_json(*DOMAIN, "--forbid", "J", csr("xmpp-clean.csr"))
        self.assertEqual((rc, codes(objs[0]["findings"])), (1, ["forbidden-char"]))
        self.assertEqual(objs[0]["findings"][0]["field"], "subject L")
        self.assertIn("'J'", objs[0]["findings"][0]["text"])

    def test_rsa_bits_options(self):
        rc, objs, _, _ = lint_json(*DOMAIN, "--min-rsa-bits", "3072", csr("xmpp-clean.csr"))
        self.assertEqual((rc, codes(objs[0]["findings"])), (1, ["weak-key"]))
        self.assertIn("at least 3072", objs[0]["findings"][0]["text"])
        rc, objs, _, _ = lint_json(*DOMAIN, "--max-rsa-bits", "8192", csr("key-too-large.csr"))
        self.assertEqual((rc, objs[0]["findings"]), (0, []))
        rc, objs, _, _ = lint_json(*DOMAIN, "--max-rsa-bits", "2048", "--min-rsa-bits", "1024",
                                   csr("weak-key-rsa1024.csr"))
        self.assertEqual((rc, objs[0]["findings"]), (0, []))

    def test_https_kind(self):
        # No XMPP domain for an HTTPS CSR; --domain is the node there.
        rc, objs, _, _ = lint_json("--kind", "https", csr("https-clean.csr"))
        self.assertEqual((rc, objs[0]["findings"], objs[0]["kind"]), (0, [], "https"))
        rc, objs, summary, _ = lint_json("--kind", "https", "--domain", "cup2.corp.example",
                                         csr("https-clean.csr"))
        self.assertEqual((rc, codes(objs[0]["findings"])), (1, ["node-missing"]))
        self.assertEqual(summary["summary"]["nodes"], ["cup2.corp.example"])
        # The XMPP CSR's extra name does not matter to HTTPS.
        rc, objs, _, _ = lint_json("--kind", "https", csr("xmpp-clean.csr"))
        self.assertEqual(objs[0]["findings"], [])

    def test_nodes_are_names_normalised(self):
        rc, objs, summary, _ = lint_json(*DOMAIN, "--nodes", "CUP1.corp.example.,,cup2.corp.example",
                                         csr("multi-san.csr"))
        self.assertEqual((rc, objs[0]["findings"]), (0, []))
        self.assertEqual(summary["summary"]["nodes"], ["cup1.corp.example", "cup2.corp.example"])


class Across(unittest.TestCase):
    def test_shared_key(self):
        a, b = csr("https-clean.csr"), csr("set-shared-key-cup2.csr")
        rc, objs, summary, _ = lint_json("--kind", "https", a, b)
        self.assertEqual(rc, 1)
        self.assertEqual([o["findings"] for o in objs], [[], []])
        self.assertEqual(codes(summary["findings"]), ["shared-key"])
        f = summary["findings"][0]
        self.assertEqual((f["severity"], f["field"], f["files"]), ("error", "key", [a, b]))
        self.assertEqual(objs[0]["key_sha256"], objs[1]["key_sha256"])
        self.assertIn(objs[0]["key_sha256"][:16], f["text"])
        self.assertFalse(summary["summary"]["ok"])

    def test_inconsistent_subject(self):
        a, b = csr("https-clean.csr"), csr("set-inconsistent-cup2.csr")
        rc, objs, summary, _ = lint_json("--kind", "https", a, b)
        self.assertEqual(rc, 1)
        self.assertEqual(codes(summary["findings"]), ["inconsistent-subject"] * 2)
        self.assertEqual([f["field"] for f in summary["findings"]], ["subject O", "subject L"])
        o = summary["findings"][0]
        self.assertEqual((o["severity"], o["files"]), ("error", [a, b]))
        self.assertIn('"Corp Example" in %s, "Corp Example Inc" in %s' % (a, b), o["text"])
        self.assertEqual(summary["summary"]["errors"], 2)

    def test_duplicate_fqdn_of_one_node(self):
        # The seed's example: the HTTP and XMPP CSRs of one node.
        a, b = csr("xmpp-clean.csr"), csr("https-clean.csr")
        rc, objs, summary, _ = lint_json("--kind", "https", a, b)
        self.assertEqual(rc, 0)
        self.assertEqual(codes(summary["findings"]), ["duplicate-fqdn"])
        f = summary["findings"][0]
        self.assertEqual((f["severity"], f["files"]), ("warning", [a, b]))
        self.assertTrue(f["text"].startswith("cup1.corp.example is asked for by"))
        self.assertTrue(summary["summary"]["ok"])

    def test_duplicate_fqdn_of_the_domain(self):
        a, b = csr("xmpp-clean.csr"), csr("xmpp-clean-cup2.csr")
        rc, objs, summary, _ = lint_json(*DOMAIN, a, b)
        self.assertEqual(rc, 0)
        self.assertEqual(codes(summary["findings"]), ["duplicate-fqdn"])
        self.assertIn("corp.example, the XMPP domain", summary["findings"][0]["text"])
        self.assertIn("multi-server SAN", summary["findings"][0]["text"])

    def test_a_clean_set_has_no_finding(self):
        rc, objs, summary, _ = lint_json("--kind", "https", csr("https-clean.csr"),
                                         csr("https-clean-cup2.csr"))
        self.assertEqual(rc, 0)
        self.assertEqual([o["findings"] for o in objs] + [summary["findings"]], [[], [], []])
        self.assertEqual(summary["summary"]["csrs"], 2)

    def test_totals_count_every_csr_and_across(self):
        rc, objs, summary, _ = lint_json(*DOMAIN, csr("domain-missing.csr"), csr("ou-present.csr"),
                                         csr("xmpp-clean.csr"))
        s = summary["summary"]
        # domain-missing; ou-present; duplicate cup1 (three CSRs) and corp.example.
        self.assertEqual((s["csrs"], s["errors"], s["warnings"], s["ok"]), (3, 1, 3, False))
        self.assertEqual(rc, 1)

    def test_text_across_comes_last(self):
        rc, out, _ = run("csr", "lint", "--kind", "https", csr("https-clean.csr"),
                         csr("set-shared-key-cup2.csr"))
        lines = out.splitlines()
        self.assertEqual(lines[-3], "across the 2 CSRs:")
        self.assertTrue(lines[-2].startswith("  error    shared-key: "))
        self.assertEqual(lines[-1], "2 CSRs: NOT READY TO SUBMIT: 1 error in all")


class Match(unittest.TestCase):
    def test_faithful_certificate_is_ready(self):
        cert = csr("issued-faithful.chain.pem")
        rc, o, err = match_json(*ANCHOR, csr("match-cup1.csr"), cert)
        self.assertEqual(rc, 0, err)
        self.assertEqual((o["ok"], o["verdict"], o["findings"]), (True, "verified", []))
        self.assertEqual((o["file"], o["certificate"]), (csr("match-cup1.csr"), cert))
        self.assertEqual((o["domain"], o["domain_source"], o["service"]),
                         ("corp.example", "xmppAddr", "c2s"))
        self.assertTrue(o["identity"]["matched"])
        self.assertTrue(o["chain"]["trusted"])
        for key in ("subject", "key", "key_sha256", "sans", "problems", "profile_findings",
                    "warnings", "advice"):
            self.assertIn(key, o)
        self.assertEqual(len(o["sans"]), 3)

    def test_dropped_domain_is_named(self):
        rc, o, _ = match_json(*ANCHOR, csr("match-cup1.csr"), csr("issued-domain-dropped.chain.pem"))
        self.assertEqual(rc, 1)
        self.assertEqual([(f["code"], f["severity"]) for f in o["findings"]], [
            ("san-dropped", "error"), ("san-dropped", "error"), ("subject-changed", "note")])
        self.assertIn("dnsName corp.example", o["findings"][0]["text"])
        self.assertIn("XMPP domain", o["findings"][0]["text"])
        self.assertIn("xmppAddr corp.example", o["findings"][1]["text"])
        self.assertIn("L=San Jose", o["findings"][2]["text"])
        self.assertEqual((o["ok"], o["verdict"], o["problems"]), (False, "not-verified", ["mismatch"]))

    def test_another_key_is_a_mismatch_even_when_it_verifies(self):
        rc, o, _ = match_json(*ANCHOR, csr("match-cup1.csr"), csr("issued-other-key.chain.pem"))
        self.assertEqual(rc, 1)
        self.assertEqual(codes(o["findings"]), ["key-mismatch"])
        self.assertEqual(o["findings"][0]["field"], "key")
        self.assertEqual((o["verdict"], o["ok"]), ("verified", False))

    def test_https_verifies_for_the_node(self):
        rc, o, err = match_json(*ANCHOR, "--kind", "https", csr("https-clean.csr"),
                                csr("issued-tomcat.chain.pem"))
        self.assertEqual(rc, 0, err)
        self.assertEqual((o["service"], o["domain"], o["domain_source"], o["kind"]),
                         ("https", "cup1.corp.example", "cn", "https"))

    def test_domain_given_and_domain_unknown(self):
        rc, o, _ = match_json(*ANCHOR, *DOMAIN, csr("match-cup1.csr"), csr("issued-faithful.chain.pem"))
        self.assertEqual((rc, o["domain_source"]), (0, "given"))
        rc, o, _ = match_json(*ANCHOR, "--domain", "other.example", csr("match-cup1.csr"),
                              csr("issued-faithful.chain.pem"))
        self.assertEqual((rc, o["verdict"]), (1, "not-verified"))
        # Nothing in this CSR says which XMPP domain it is for.
        rc, o, err = match_json(*ANCHOR, csr("domain-missing.csr"), csr("issued-tomcat.chain.pem"))
        self.assertEqual(rc, 2)
        self.assertIn("does not say which XMPP domain", err)
        self.assertIn("--domain", err)

    def test_trust_options_apply(self):
        rc, o, _ = match_json(csr("match-cup1.csr"), csr("issued-faithful.chain.pem"))
        self.assertEqual((rc, o["verdict"], o["problems"], o["findings"]),
                         (1, "not-verified", ["untrusted"], []))
        rc, out, err = run("csr", "match", "--json", "--at", "2040-01-01", "--no-system-ca",
                           *ANCHOR, csr("match-cup1.csr"), csr("issued-faithful.chain.pem"))
        self.assertEqual((rc, json.loads(out)["problems"]), (1, ["expired"]))

    def test_text_verdict_findings_then_csr_then_certificate(self):
        rc, out, _ = run("csr", "match", "--at", AT, "--no-system-ca", *ANCHOR,
                         csr("match-cup1.csr"), csr("issued-domain-dropped.chain.pem"))
        self.assertEqual(rc, 1)
        lines = out.splitlines()
        self.assertEqual(lines[0], "%s -> %s: NOT READY TO UPLOAD: 2 errors; the certificate is "
                         "NOT VERIFIED for XMPP domain corp.example" % (
                             csr("match-cup1.csr"), csr("issued-domain-dropped.chain.pem")))
        self.assertTrue(lines[1].startswith("  error    san-dropped: the CA dropped the dnsName"))
        self.assertTrue(lines[3].startswith("  note     subject-changed: "))
        self.assertEqual(lines[4], "  domain     corp.example (from the CSR's xmppAddr)")
        self.assertEqual(lines[5], "the CSR, %s:" % csr("match-cup1.csr"))
        i = lines.index("the certificate:")
        self.assertTrue(lines[i + 1].startswith(csr("issued-domain-dropped.chain.pem") +
                                                ": NOT VERIFIED"))
        rc, out, _ = run("csr", "match", "--at", AT, "--no-system-ca", *ANCHOR,
                         csr("match-cup1.csr"), csr("issued-faithful.chain.pem"))
        self.assertTrue(out.splitlines()[0].endswith(
            ": READY TO UPLOAD (the certificate verifies for corp.example)"))


class Malformed(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="xmppcv-csr-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def read(self, name):
        with open(csr(name), "rb") as f:
            return f.read()

    def test_each_foreign_file_is_named_with_what_it_holds(self):
        der_cert = subprocess.run(["openssl", "x509", "-in",
                                   os.path.join(FIXTURES, "certs", "domain-san.crt"),
                                   "-outform", "DER"], capture_output=True, check=True).stdout
        pem = self.read("xmpp-clean.csr")
        der = self.read("not-base64-der.csr")
        cases = [
            ("empty.csr", b"", "empty file"),
            ("cert.csr", open(os.path.join(FIXTURES, "certs", "domain-san.crt"), "rb").read(),
             "holds a certificate, not a certificate signing request"),
            ("cert.der", der_cert, "holds a DER certificate"),
            ("key.csr", self.read("xmpp-clean.key"), "holds a private key but no"),
            ("two.csr", pem + self.read("https-clean.csr"), "holds 2 certificate signing requests"),
            ("garbage.csr", b"hello, world\n" * 10, "neither PEM"),
            ("truncated.der", der[:200], "truncated DER"),
            ("truncated.csr", b"\n".join(pem.split(b"\n")[:5]), "truncated or damaged"),
            ("trailing.der", der + b"junk", "4 stray bytes"),
            ("utf16-text.csr", b"\xff\xfeh\x00i\x00", "UTF-16 text without a -----BEGIN"),
            ("utf16-odd.csr", b"\xff\xfeh\x00i", "odd number of bytes"),
            ("huge.csr", b"-" * (1 << 20) + b"x", "too large"),
        ]
        for name, data, words in cases:
            with self.subTest(name):
                path = self.write(name, data)
                rc, objs, summary, err = lint_json(*DOMAIN, path)
                self.assertEqual(rc, 2)
                self.assertIn(path + ": ", err)
                self.assertIn(words, err)
                self.assertEqual(objs[0]["file"], path)
                self.assertEqual(objs[0]["error"]["phase"], "input")
                self.assertIn(words, objs[0]["error"]["message"])
                self.assertEqual(summary["summary"]["unreadable"][0]["file"], path)
                self.assertFalse(summary["summary"]["ok"])
        rc, objs, summary, err = lint_json(*DOMAIN, os.path.join(self.dir, "missing.csr"))
        self.assertEqual(rc, 2)
        self.assertIn("missing.csr: cannot read", err)

    def test_an_unreadable_file_does_not_stop_the_others(self):
        bad = self.write("empty.csr", b"")
        rc, objs, summary, err = lint_json(*DOMAIN, csr("domain-missing.csr"), bad,
                                           csr("xmpp-clean.csr"))
        self.assertEqual(rc, 2)
        self.assertEqual([o["file"] for o in objs], [csr("domain-missing.csr"), bad,
                                                     csr("xmpp-clean.csr")])
        self.assertEqual(codes(objs[0]["findings"]), ["domain-missing"])
        self.assertEqual(summary["summary"]["csrs"], 2)
        rc, out, err = run("csr", "lint", *DOMAIN, bad, csr("xmpp-clean.csr"))
        self.assertEqual(rc, 2)
        self.assertIn("READY TO SUBMIT", out)
        self.assertEqual(out.splitlines()[-1],
                         "1 CSR and 1 unreadable file: NOT READY TO SUBMIT")

    def test_match_names_the_unreadable_file(self):
        empty = self.write("empty.pem", b"")
        rc, o, err = match_json(csr("match-cup1.csr"), empty)
        self.assertEqual((rc, o["file"], o["verdict"]), (2, empty, None))
        self.assertIn(empty + ": empty file", err)
        rc, o, err = match_json(empty, csr("issued-faithful.chain.pem"))
        self.assertEqual((rc, o["file"]), (2, empty))

    def test_usage_errors(self):
        for args, words in [
            (("csr",), "say lint"),
            (("csr", "sign", "x"), "unknown subcommand 'sign'"),
            (("csr", "lint"), "no CSR given"),
            (("csr", "match", csr("match-cup1.csr")), "give the CSR and the certificate"),
            (("csr", "lint", "--kind", "tomcat", csr("xmpp-clean.csr")), "use xmpp"),
            (("csr", "lint", "--ca-file", "x", csr("xmpp-clean.csr")),
             "'--ca-file' does not apply to csr lint"),
            (("csr", "lint", "--at", AT, csr("xmpp-clean.csr")), "'--at' does not apply"),
            (("csr", "match", "--nodes", "a.b", "x", "y"), "'--nodes' does not apply to csr match"),
            (("csr", "lint", "--nodes", "10.0.0.5", csr("xmpp-clean.csr")), "IP address"),
            (("csr", "lint", "--nodes", "cup1", csr("xmpp-clean.csr")), "not fully qualified"),
            (("csr", "lint", "--nodes", "cup 1.corp.example", csr("xmpp-clean.csr")),
             "not a valid domain name"),
            (("csr", "lint", "--domain", "10.0.0.5", csr("xmpp-clean.csr")), "IP"),
            (("csr", "lint", "--min-rsa-bits", "4096", "--max-rsa-bits", "2048",
              csr("xmpp-clean.csr")), "larger than the largest"),
            (("csr", "lint", "--min-rsa-bits", "big", csr("xmpp-clean.csr")), "--min-rsa-bits"),
            (("csr", "lint", "--forbid", "\u00e9", csr("xmpp-clean.csr")), "printable ASCII"),
            (("verify", "--kind", "xmpp", "x"), "does not apply to verify"),
        ]:
            with self.subTest(args):
                rc, out, err = run(*args)
                self.assertEqual(rc, 2, err)
                self.assertIn(words, err)
        rc, out, _ = run("csr", "--help")
        self.assertEqual(rc, 0)
        for opt in ("--kind", "--nodes", "--min-rsa-bits", "--max-rsa-bits", "--forbid",
                    "--ca-file", "--json"):
            self.assertIn(opt, out)
        rc, out, _ = run("--help")
        self.assertIn("xmppcv csr lint", out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: cli_csr.py CLASS")
    suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[1], sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
