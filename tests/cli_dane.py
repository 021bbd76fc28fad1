#!/usr/bin/env python3
"""DANE (src/dane.c) through tests/danecheck.c, against real servers on
127.0.173.0/24: nsd serving zones signed with ldns-signzone (one signed
top zone, example., with a signed child, an unsigned child and a child
whose signatures expired in 2020), a validating unbound that has the top
zone's key as its trust anchor (tests/dnssec_zone.py), and Prosody behind
the SRV targets, whose presented chain (read with `openssl s_client`) is
what the driver judges. Expected records are computed by hand here
(`openssl x509`/`pkey` and hashlib), and one case is cross-checked with
GnuTLS's `danetool --check`, side by side. `Tlsa`: the tlsa command.

Usage: cli_dane.py DANECHECK CLASS   (XMPPCV, FIXTURES from the environment)

Classes: Dane, Tlsa.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402 (a private HOME and XDG directories first)
from dnssec_zone import DnsLab  # noqa: E402

DANECHECK = None
XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
NSD_IP, UNBOUND_IP, SILENT_IP, PROSODY_IP = ("127.0.173.1", "127.0.173.2",
                                             "127.0.173.3", "127.0.173.10")
C2S, S2S = 15222, 15269
AT = "1780272000"  # 2026-06-01T00:00:00Z


def der(name, spki=False):
    """A fixture certificate's DER, or its SubjectPublicKeyInfo's, by
    openssl itself."""
    path = servers.cert(name)
    if spki:
        pem = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-pubkey"],
                             check=True, capture_output=True, timeout=30).stdout
        return subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pem,
                              check=True, capture_output=True, timeout=30).stdout
    return subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"],
                          check=True, capture_output=True, timeout=30).stdout


def tlsa(usage, selector, mtype, name):
    """The record data "U S M hex" for fixture certificate name, by hand."""
    data = der(name, spki=selector == 1)
    data = {0: data, 1: hashlib.sha256(data).digest(),
            2: hashlib.sha512(data).digest()}[mtype]
    return "%d %d %d %s" % (usage, selector, mtype, data.hex())


LEAF, CA, ROOT, OTHER = "domain-san.crt", "issuing-ca.crt", "root-ca.crt", "self-signed.crt"

# The XMPP domains under corp.example (signed): each one's c2s SRV record
# names xmpp-NAME.corp.example port C2S, which has these TLSA records; or
# (TARGETS) a name the certificate has, cup1.corp.example, at a port of
# its own, for the name check of usages 0-2 to pass through the target.
TARGETS = {"spkita": 15301, "pkixee": 15302, "pkixta": 15303}
CORP = {
    "ee": [(3, 1, 1, LEAF)],              # DANE-EE; the cert does not name ee.*
    "other": [(3, 1, 1, OTHER)],          # a key the server does not have
    "ta": [(2, 0, 1, CA)],                # DANE-TA; names neither domain nor target
    "notlsa": [],                         # a signed denial of TLSA
    "full": [(3, 0, 0, LEAF)],            # the whole certificate
    "sha512": [(3, 1, 2, LEAF)],
    "spkita": [(2, 1, 2, CA)],
    "pkixee": [(1, 1, 1, LEAF)],          # with anchors: PKIX and the record
    "pkixta": [(0, 0, 1, ROOT)],          # the root, from the anchors
    "unusable": ["3 1 1 abcd", "9 1 1 " + "00" * 32, "3 1 7 00"],
    "mixed": ["3 1 1 abcd", (3, 1, 1, OTHER), (3, 1, 1, LEAF)],
}


def record_text(r):
    return r if isinstance(r, str) else tlsa(*r)


def danecheck(domain, *args, timeout=60):
    """Run the driver against the lab: the JSON result."""
    argv = [DANECHECK, "--resolver", LAB.resolver, "--anchor", LAB.anchor,
            "--at", AT, *args, CHAIN, domain]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("danecheck %s: exit %d: %s" % (domain, p.returncode, p.stderr))
    return json.loads(p.stdout)


LAB = PROSODY = CHAIN = TMP = None


def chain_of(ip, port, host):
    """The chain a server presents over STARTTLS, as openssl s_client
    shows it."""
    p = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (ip, port),
                        "-starttls", "xmpp", "-xmpphost", host, "-showcerts"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                        p.stdout, re.S)
    if not blocks:
        raise RuntimeError("no chain from %s:%d: %s" % (ip, port, p.stderr))
    return "".join(blocks)


def start_lab():
    global LAB, PROSODY, CHAIN, TMP
    TMP = tempfile.mkdtemp(prefix="xmppcv-dane-")
    port53 = can_bind(UNBOUND_IP, 53)
    LAB = DnsLab(NSD_IP, UNBOUND_IP, unbound_extra_ports=[53] if port53 else [])
    LAB.port53 = port53
    corp = ["_xmpp-client._tcp SRV 0 5 %d xmpp.corp.example." % C2S,
            "_xmpp-server._tcp SRV 0 5 %d xmpp.corp.example." % S2S,
            "xmpp A " + PROSODY_IP,
            "_%d._tcp.xmpp TLSA %s" % (C2S, tlsa(3, 1, 1, LEAF)),
            "_%d._tcp.xmpp TLSA %s" % (S2S, tlsa(2, 0, 1, CA)),
            # The SRV target of a zone whose signatures expired.
            "_xmpp-client._tcp.tob SRV 0 5 %d xmpp.expired.example." % C2S]
    for name, records in CORP.items():
        target, port = ("cup1", TARGETS[name]) if name in TARGETS else ("xmpp-" + name, C2S)
        corp += ["_xmpp-client._tcp.%s SRV 0 5 %d %s.corp.example." % (name, port, target),
                 "xmpp-%s A %s" % (name, PROSODY_IP)]
        corp += ["_%d._tcp.%s TLSA %s" % (port, target, record_text(r)) for r in records]
    corp += ["cup1 A " + PROSODY_IP]
    # What `xmppcv tlsa` says to publish, published: the current and the
    # next certificate (another key), as DANE-EE; and DANE-TA.
    for args in ([servers.cert(LEAF), servers.cert("fqdn-only.crt")],
                 ["--usage", "2", "--selector", "0", servers.cert("domain-san.chain.pem")]):
        out = subprocess.run([XMPPCV, "tlsa", "--host", "xmpp-published.corp.example",
                              "--port", "c2s=%d" % C2S, *args], check=True,
                             capture_output=True, text=True, timeout=30).stdout
        corp += [line for line in out.splitlines() if not line.startswith(";")]
    corp += ["_xmpp-client._tcp.published SRV 0 5 %d xmpp-published.corp.example." % C2S]
    LAB.zone("corp.example", corp)
    # Unsigned: its own TLSA, and an s2s SRV record naming the signed
    # target (whose TLSA is secure and matches).
    LAB.zone("plain.example", [
        "_xmpp-client._tcp SRV 0 5 %d xmpp.plain.example." % C2S,
        "_xmpp-server._tcp SRV 0 5 %d xmpp.corp.example." % C2S,
        "xmpp A " + PROSODY_IP,
        "_%d._tcp.xmpp TLSA %s" % (C2S, tlsa(3, 1, 1, LEAF))], signed=False)
    LAB.zone("expired.example", [
        "_xmpp-client._tcp SRV 0 5 %d xmpp.expired.example." % C2S,
        "xmpp A " + PROSODY_IP,
        "_%d._tcp.xmpp TLSA %s" % (C2S, tlsa(3, 1, 1, LEAF))], expired=True)
    LAB.zone("example", ["ns A " + NSD_IP], top=True)
    try:
        LAB.start()
        chain, key = servers.cert("domain-san.chain.pem"), servers.cert("domain-san.key")
        # The domains xmppcv check asks the server for (class Check).
        hosts = ["corp.example", "xmpp.corp.example", "xmpp-other.corp.example",
                 "ee.corp.example", "other.corp.example", "plain.example",
                 "expired.example"]
        PROSODY = servers.ProsodyHosts(PROSODY_IP, [(h, chain, key) for h in hosts],
                                       c2s=C2S, s2s=S2S)
        CHAIN = os.path.join(TMP, "presented.pem")
        with open(CHAIN, "w") as f:
            f.write(chain_of(PROSODY_IP, C2S, "corp.example"))
    except BaseException:
        stop_lab()
        raise


def stop_lab():
    if PROSODY is not None:
        PROSODY.stop()
    if LAB is not None:
        LAB.stop()
    if TMP is not None:
        shutil.rmtree(TMP, ignore_errors=True)


def can_bind(ip, port):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((ip, port))
        return True
    except OSError:
        return False


class Dane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_lab()

    @classmethod
    def tearDownClass(cls):
        stop_lab()

    def check(self, o, state, ok, matched, usable=None, name_checked=None):
        self.assertEqual(o["state"], state, o)
        self.assertEqual(o["ok"], ok, o)
        self.assertEqual(o["matched"], matched, o)
        if usable is not None:
            self.assertEqual(o["usable"], usable, o)
        if name_checked is not None:
            self.assertEqual(o["name_checked"], name_checked, o)

    def test_presented_chain(self):
        # What the driver judges is what Prosody presents: leaf, then CA.
        with open(CHAIN) as f:
            self.assertEqual(f.read().count("BEGIN CERTIFICATE"), 2)

    def test_secure_match_dane_ee(self):
        o = danecheck("corp.example")
        rec = tlsa(3, 1, 1, LEAF)
        self.check(o, "secure", True, rec, usable=True, name_checked=False)
        self.assertEqual(o["records"], [rec])
        self.assertEqual(o["tlsa_name"], "_%d._tcp.xmpp.corp.example" % C2S)
        self.assertEqual(o["matched_depth"], 0)
        # The target given (as a check that connected there would).
        o = danecheck("corp.example", "--host", "xmpp.corp.example", "--port", str(C2S))
        self.check(o, "secure", True, rec)

    def test_secure_match_dane_ta(self):
        o = danecheck("corp.example", "--service", "s2s")
        self.check(o, "secure", True, tlsa(2, 0, 1, CA), usable=True, name_checked=True)
        self.assertEqual(o["matched_depth"], 1)
        self.assertEqual(o["tlsa_name"], "_%d._tcp.xmpp.corp.example" % S2S)

    def test_dane_ee_checks_no_name(self):
        # RFC 7671 §5.1: the certificate names neither ee.corp.example
        # nor xmpp-ee.corp.example; DANE-EE does not ask.
        o = danecheck("ee.corp.example")
        self.check(o, "secure", True, tlsa(3, 1, 1, LEAF), name_checked=False)

    def test_dane_ta_checks_the_name(self):
        # RFC 7673 §4.1: with DANE-TA the certificate must name the
        # domain or the SRV target; the record matches, the name fails.
        o = danecheck("ta.corp.example")
        self.check(o, "secure", False, tlsa(2, 0, 1, CA), usable=True, name_checked=True)
        self.assertIn("names neither ta.corp.example nor xmpp-ta.corp.example", o["why"])

    def test_secure_no_match(self):
        o = danecheck("other.corp.example")
        self.check(o, "secure", False, None, usable=True)
        self.assertEqual(o["records"], [tlsa(3, 1, 1, OTHER)])
        self.assertIn("none of the 1 usable TLSA records", o["why"])

    def test_selectors_and_matching_types(self):
        for domain, rec in (("full", (3, 0, 0, LEAF)), ("sha512", (3, 1, 2, LEAF)),
                            ("spkita", (2, 1, 2, CA))):
            with self.subTest(domain):
                o = danecheck(domain + ".corp.example")
                self.check(o, "secure", True, tlsa(*rec), usable=True)

    def test_pkix_usages_need_the_anchors(self):
        anchors = ["--ca-file", servers.cert(ROOT)]
        o = danecheck("pkixee.corp.example", *anchors)
        self.check(o, "secure", True, tlsa(1, 1, 1, LEAF), name_checked=True)
        # The certificate names the SRV target, not the domain.
        self.assertIn("names the domain pkixee.corp.example or the SRV target "
                      "cup1.corp.example", o["notes"][0])
        o = danecheck("pkixta.corp.example", *anchors)
        self.check(o, "secure", True, tlsa(0, 0, 1, ROOT), name_checked=True)
        self.assertEqual(o["matched_depth"], 2)
        # Without the anchors PKIX fails, and so do PKIX-TA and PKIX-EE.
        o = danecheck("pkixee.corp.example")
        self.check(o, "secure", False, None, usable=True)
        self.assertIn("unable to get local issuer certificate", o["why"])

    def test_records_from_the_tlsa_command(self):
        o = danecheck("published.corp.example")
        self.assertEqual(sorted(o["records"]), sorted([
            tlsa(3, 1, 1, LEAF), tlsa(3, 1, 1, "fqdn-only.crt"), tlsa(2, 0, 1, CA)]))
        self.assertEqual(o["state"], "secure")
        self.assertTrue(o["ok"], o)
        self.assertIn(o["matched"], (tlsa(3, 1, 1, LEAF), tlsa(2, 0, 1, CA)))

    def test_no_tlsa(self):
        o = danecheck("notlsa.corp.example")
        self.check(o, "secure", False, None, usable=False)
        self.assertEqual(o["records"], [])
        self.assertIn("no TLSA records", o["why"])

    def test_unusable_records(self):
        o = danecheck("unusable.corp.example")
        self.check(o, "secure", False, None, usable=False)
        self.assertEqual(len(o["records"]), 3)
        self.assertEqual(len(o["notes"]), 3, o["notes"])
        self.assertIn("none of the 3 TLSA records", o["why"])
        # One usable record that matches among ones that do not.
        o = danecheck("mixed.corp.example")
        self.check(o, "secure", True, tlsa(3, 1, 1, LEAF), usable=True)
        self.assertEqual(len(o["notes"]), 1, o["notes"])

    def test_insecure_zone(self):
        o = danecheck("plain.example")
        self.check(o, "insecure", False, None, usable=False)
        self.assertEqual(o["records"], [tlsa(3, 1, 1, LEAF)])
        self.assertIn("not signed", o["why"])

    def test_insecure_srv_secure_tlsa_does_not_count(self):
        # The target's TLSA answer is secure and matches (the first case),
        # but the SRV answer that led there is not signed: RFC 7673 §3.1.
        o = danecheck("plain.example", "--service", "s2s")
        self.check(o, "insecure", False, None, usable=False)
        self.assertEqual(o["tlsa_name"], "_%d._tcp.xmpp.corp.example" % C2S)
        self.assertEqual(o["records"], [tlsa(3, 1, 1, LEAF)])
        self.assertIn("_xmpp-server._tcp.plain.example is not signed", o["why"])

    def test_target_not_in_srv(self):
        # A host the signed SRV answer does not name is not bound to the
        # domain, whatever its own TLSA records say.
        o = danecheck("corp.example", "--host", "xmpp-ee.corp.example", "--port", str(C2S))
        self.check(o, "insecure", False, None, usable=False)
        self.assertIn("not a target of the signed SRV answer", o["why"])

    def test_bogus_srv(self):
        o = danecheck("expired.example")
        self.check(o, "bogus", False, None, usable=False)
        self.assertIn("signature expired", o["why"])
        self.assertIn("SRV", o["why"])

    def test_bogus_tlsa(self):
        o = danecheck("tob.corp.example")
        self.check(o, "bogus", False, None, usable=False)
        self.assertEqual(o["tlsa_name"], "_%d._tcp.xmpp.expired.example" % C2S)
        self.assertIn("TLSA lookup", o["why"])
        self.assertIn("signature expired", o["why"])

    def test_silent_resolver_is_bounded(self):
        # A resolver that never answers: indeterminate, at the deadline.
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind((SILENT_IP, 0))
        try:
            start = time.monotonic()
            p = subprocess.run([DANECHECK, "--resolver", "%s:%d" % silent.getsockname(),
                                "--anchor", LAB.anchor, "--timeout", "1500", CHAIN,
                                "corp.example"], capture_output=True, text=True, timeout=30)
            took = time.monotonic() - start
        finally:
            silent.close()
        o = json.loads(p.stdout)
        self.assertEqual(o["state"], "indeterminate", o)
        self.assertIn("no answer within 1500 ms", o["why"])
        self.assertLess(took, 3.0)

    def test_bad_input(self):
        for args, message in (
                (["--anchor", "/nonexistent/root.key"], "/nonexistent/root.key"),
                (["--anchor", servers.cert(LEAF)], "trust anchor"),
                (["--resolver", "not an address"], "not an address")):
            with self.subTest(args):
                argv = [DANECHECK, "--resolver", LAB.resolver, "--anchor", LAB.anchor,
                        *args, CHAIN, "corp.example"]
                p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, 2, p.stdout)
                self.assertIn(message, p.stderr)

    def test_danetool_side_by_side(self):
        """GnuTLS's danetool connects (XMPP STARTTLS), looks up the TLSA
        records through libunbound and says whether they match. It takes
        its resolver from /etc/resolv.conf (port 53) and its trust anchor
        from /usr/share/dns/root.key: both are bind-mounted, in a mount
        namespace of its own, over files naming the lab. Where that cannot
        be done, the records are compared with the hand computation."""
        rows = []
        for host, domain in (("xmpp.corp.example", "corp.example"),
                             ("xmpp-other.corp.example", "other.corp.example")):
            ours = danecheck(domain, "--host", host, "--port", str(C2S))
            theirs, how = self.danetool(host)
            if theirs is None:
                theirs, how = self.by_hand(ours), "by hand (%s)" % how
            rows.append((host, ours["ok"], theirs, how))
        print("\n  %-26s %-10s %-10s %s" % ("target", "xmppcv", "oracle", "oracle is"),
              file=sys.stderr)
        for host, ours, theirs, how in rows:
            print("  %-26s %-10s %-10s %s" % (host, "match" if ours else "no match",
                                              "match" if theirs else "no match", how),
                  file=sys.stderr)
        for host, ours, theirs, how in rows:
            self.assertEqual(ours, theirs, host)
        self.assertEqual([r[1] for r in rows], [True, False])

    def danetool(self, host):
        """(matches?, how), or (None, why not) when danetool cannot be
        pointed at the lab here."""
        if not LAB.port53:
            return None, "port 53 of %s cannot be bound" % UNBOUND_IP
        if shutil.which("danetool") is None or shutil.which("unshare") is None:
            return None, "no danetool or unshare"
        resolv = os.path.join(TMP, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver %s\n" % UNBOUND_IP)
        script = ("mount --bind %s /etc/resolv.conf && mount --bind %s "
                  "/usr/share/dns/root.key && exec danetool --check %s --port %d "
                  "--starttls-proto=xmpp --local-dns" % (resolv, LAB.anchor, host, C2S))
        unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
        p = subprocess.run(unshare + ["sh", "-c", script], capture_output=True, text=True,
                           timeout=60)
        if "Verification:" not in p.stdout:
            if "mount" in p.stderr or "unshare" in p.stderr:
                return None, "no mount namespace: " + p.stderr.strip()
            raise AssertionError("danetool: %s%s" % (p.stdout, p.stderr))
        said = re.search(r"Verification: *(.*)", p.stdout).group(1).strip()
        # A verdict on the records, not on the DNS: danetool refuses data
        # that is not DNSSEC-secure before it compares anything.
        self.assertRegex(said, r"^(Certificate matches|Verification failed. The certificate differs)",
                         p.stdout)
        return said.startswith("Certificate matches"), "danetool --check: " + said

    def by_hand(self, ours):
        """Do the records hold the leaf's SPKI SHA-256, as computed here?"""
        return tlsa(3, 1, 1, LEAF) in ours["records"]


class Check(unittest.TestCase):
    """xmppcv check --dane against the same lab: the SRV records and the
    TLSA records through the validating resolver, the chain Prosody
    presents, and what DANE changes in the verdict."""

    @classmethod
    def setUpClass(cls):
        start_lab()

    @classmethod
    def tearDownClass(cls):
        stop_lab()

    def check(self, domain, *extra):
        """Check the domain, or the target the extra arguments end with."""
        argv = [XMPPCV, "check", "--json", "--dane", "--dns-server", LAB.resolver,
                "--dnssec-anchor", LAB.anchor, "--no-system-ca", "--ca-file",
                servers.cert("root-ca.crt"), "--no-store", "--at", "@" + AT, "--timeout", "5",
                *(extra or (domain,))]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return p.returncode, json.loads(p.stdout), p.stderr

    def test_secure_and_matching(self):
        code, o, err = self.check("corp.example")
        self.assertEqual((code, o["verdict"], o["verified_by"]), (0, "verified", None), err)
        d = o["dane"]
        self.assertEqual((d["state"], d["matched"], d["tlsa_name"]),
                         ("secure", tlsa(3, 1, 1, LEAF), "_%d._tcp.xmpp.corp.example" % C2S))
        # The address came from the SRV record, through the same resolver.
        self.assertEqual(o["address"], "%s:%d" % (PROSODY_IP, C2S))

    def test_dane_ee_verifies_what_the_name_does_not(self):
        # The certificate names corp.example, not ee.corp.example: PKIX
        # alone is a mismatch; the secure DANE-EE record vouches for it.
        code, o, err = self.check("ee.corp.example")
        self.assertEqual((code, o["verdict"], o["verified_by"], o["problems"]),
                         (0, "verified", "dane", []), err)
        self.assertFalse(o["identity"]["matched"])
        p = subprocess.run([XMPPCV, "check", "--dane", "--dns-server", LAB.resolver,
                            "--dnssec-anchor", LAB.anchor, "--no-system-ca", "--ca-file",
                            servers.cert("root-ca.crt"), "--no-store", "--at", "@" + AT,
                            "ee.corp.example"], capture_output=True, text=True, timeout=60)
        self.assertIn("VERIFIED BY DANE for XMPP domain ee.corp.example", p.stdout)
        self.assertIn("  dane       secure, matched 3 1 1 ", p.stdout)

    def test_secure_not_matching_is_an_error(self):
        code, o, err = self.check("other.corp.example")
        self.assertEqual((code, o["verdict"], o["dane"]["state"], o["dane"]["matched"]),
                         (1, "not-verified", "secure", None), err)
        self.assertIn("dane", o["problems"])

    def test_insecure_is_a_note(self):
        code, o, err = self.check("plain.example")
        self.assertEqual(o["dane"]["state"], "insecure", err)
        self.assertNotIn("dane", o["problems"])
        self.assertIsNone(o["verified_by"])

    def test_bogus_is_an_error(self):
        # The validating resolver answers SERVFAIL for the bogus SRV
        # record, so the address is pinned to reach the server at all.
        code, o, err = self.check("expired.example", "--resolve",
                                  "expired.example:%d:%s" % (C2S, PROSODY_IP),
                                  "expired.example:%d" % C2S)
        self.assertEqual((o["verdict"], o["dane"]["state"]), ("not-verified", "bogus"), err)
        self.assertIn("dane", o["problems"])

    def test_without_dane_nothing_is_asked(self):
        argv = [XMPPCV, "check", "--json", "--dns-server", LAB.resolver, "--no-system-ca",
                "--ca-file", servers.cert("root-ca.crt"), "--no-store", "--at", "@" + AT,
                "ee.corp.example"]
        o = json.loads(subprocess.run(argv, capture_output=True, text=True,
                                      timeout=60).stdout)
        self.assertNotIn("dane", o)
        self.assertEqual((o["verdict"], o["problems"]), ("not-verified", ["mismatch"]))


class Tlsa(unittest.TestCase):
    def tlsa_cmd(self, *args):
        p = subprocess.run([XMPPCV, "tlsa", *args], capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stdout, p.stderr

    @staticmethod
    def records(out):
        return [line for line in out.splitlines() if line and not line.startswith(";")]

    def test_defaults_are_dane_ee_spki_sha256(self):
        rc, out, err = self.tlsa_cmd(servers.cert("domain-san.chain.pem"))
        self.assertEqual((rc, self.records(out)), (0, [tlsa(3, 1, 1, LEAF)]), err)
        self.assertIn("_PORT._tcp.HOST", out)

    def test_every_parameter(self):
        chain = servers.cert("domain-san.chain.pem")
        for u in range(4):
            for s in range(2):
                for m in range(3):
                    with self.subTest(usage=u, selector=s, type=m):
                        rc, out, err = self.tlsa_cmd("--usage", str(u), "--selector",
                                                     str(s), "--type", str(m), chain)
                        name = CA if u in (0, 2) else LEAF
                        self.assertEqual((rc, self.records(out)),
                                         (0, [tlsa(u, s, m, name)]), err)

    def test_rollover(self):
        rc, out, err = self.tlsa_cmd(servers.cert("domain-san.chain.pem"),
                                     servers.cert("fqdn-only.chain.pem"))
        self.assertEqual((rc, self.records(out)),
                         (0, [tlsa(3, 1, 1, LEAF), tlsa(3, 1, 1, "fqdn-only.crt")]), err)
        self.assertIn("; current certificate", out)
        self.assertIn("; next certificate", out)
        self.assertIn("publish both before", out)
        # The next certificate keeps the key: one record serves both.
        rc, out, err = self.tlsa_cmd(servers.cert("domain-san.chain.pem"),
                                     servers.cert(LEAF))
        self.assertEqual((rc, self.records(out)), (0, [tlsa(3, 1, 1, LEAF)]), err)
        self.assertIn("the same record", out)

    def test_zone_lines(self):
        rc, out, err = self.tlsa_cmd("--host", "xmpp.corp.example", "--service", "s2s",
                                     "--usage", "2", "--selector", "0",
                                     servers.cert("domain-san.chain.pem"))
        self.assertEqual((rc, self.records(out)), (0, [
            "_5269._tcp.xmpp.corp.example. IN TLSA " + tlsa(2, 0, 1, CA)]), err)
        rc, out, err = self.tlsa_cmd("--host", "xmpp.corp.example.", "--port", "c2s=15222",
                                     servers.cert(LEAF))
        self.assertEqual((rc, self.records(out)), (0, [
            "_15222._tcp.xmpp.corp.example. IN TLSA " + tlsa(3, 1, 1, LEAF)]), err)

    def test_bad_input(self):
        key = servers.cert("domain-san.key")
        for args, message in (
                (["/nonexistent/cert.pem"], "/nonexistent/cert.pem"),
                ([key], "no certificate"),
                (["--usage", "4", servers.cert(LEAF)], "--usage wants 0 to 3"),
                (["--selector", "2", servers.cert(LEAF)], "--selector wants 0 or 1"),
                (["--type", "x", servers.cert(LEAF)], "--type wants 0, 1 or 2"),
                (["--usage", "2", servers.cert(LEAF)], "CA certificate"),
                (["--service", "https", servers.cert(LEAF)], "c2s or s2s"),
                (["--port", "c2s=5270", servers.cert(LEAF)], "give --host too"),
                (["--service", "s2s", servers.cert(LEAF)], "give --host too"),
                ([], "want CERT"),
                ([servers.cert(LEAF)] * 3, "want CERT")):
            with self.subTest(args):
                rc, out, err = self.tlsa_cmd(*args)
                self.assertEqual(rc, 2, out + err)
                self.assertIn(message, err)
                self.assertEqual(self.records(out), [])

    def test_help(self):
        rc, out, err = self.tlsa_cmd("--help")
        self.assertEqual(rc, 0)
        for opt in ("--usage", "--selector", "--type", "--host", "--service", "--port"):
            self.assertIn(opt, out)


if __name__ == "__main__":
    DANECHECK = os.path.abspath(sys.argv[1])
    XMPPCV = os.path.abspath(XMPPCV)
    names = sys.argv[2:] or ["Dane", "Check", "Tlsa"]
    suite = unittest.TestSuite(unittest.TestLoader().loadTestsFromTestCase(
        globals()[n]) for n in names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
