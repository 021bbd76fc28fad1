#!/usr/bin/env python3
"""`xmppcv check --as`: xmppcv as the initiating server, against real
receiving servers from Debian that require authenticated s2s.

Usage: cli_federation.py CLASS...   (XMPPCV and FIXTURES from the environment)
       cli_federation.py --table    print the measured rows (doc/federation.md)

Prosody (s2s_secure_auth = true) and ejabberd (mod_s2s_dialback left out)
serve corp.example with the fixture chain and trust the fixtures' root CA
for their peers. xmppcv connects as peer.example presenting a certificate
made at setup by the fixtures' issuing CA: serverAuth only (what public
CAs issue from 2026), serverAuth and clientAuth (what they issued before),
one naming another domain, and none. The outcome each server gives is
asserted whole, and doc/federation.md must hold the same rows.

Every server is started here and stopped by its PID; every wait is bounded.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_check import TRUST, check_json, run  # noqa: E402
from servers import Ejabberd, Prosody, cert, closed_port  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(os.path.dirname(HERE), "doc", "federation.md")
DOMAIN, PEER = "corp.example", "peer.example"

# The initiating server's certificates: (name, extendedKeyUsage, dNSName).
# Let's Encrypt's shape: an EC key, digitalSignature only.
PEER_CERTS = (
    ("serverAuth-only", "serverAuth", PEER),
    ("dual", "serverAuth, clientAuth", PEER),
    ("wrong-name", "serverAuth, clientAuth", "other.example"),
)


def make_peer_certs(folder):
    """Issue PEER_CERTS with the fixtures' issuing CA into folder (its
    serial file too: nothing is written next to the fixtures). Returns
    {name: (chain, key)}; each chain is the leaf and the issuing CA."""
    serial = os.path.join(folder, "issuing-ca.srl")
    with open(serial, "w") as f:
        f.write("%032x\n" % int.from_bytes(os.urandom(15), "big"))
    out = {}
    for name, eku, dns in PEER_CERTS:
        key, csr, crt, ext = (os.path.join(folder, name + s)
                              for s in (".key", ".csr", ".crt", ".cnf"))
        chain = os.path.join(folder, name + ".chain.pem")
        with open(ext, "w") as f:
            f.write("[ext]\nbasicConstraints = critical, CA:false\n"
                    "keyUsage = critical, digitalSignature\n"
                    "extendedKeyUsage = %s\nsubjectAltName = DNS:%s\n" % (eku, dns))
        for argv in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", key],
                     ["req", "-new", "-key", key, "-subj", "/O=Peer Example/CN=" + dns,
                      "-out", csr],
                     ["x509", "-req", "-in", csr, "-CA", cert("issuing-ca.crt"),
                      "-CAkey", cert("issuing-ca.key"), "-CAserial", serial, "-days", "30",
                      "-sha256", "-extfile", ext, "-extensions", "ext", "-out", crt]):
            subprocess.run(["openssl", *argv], check=True, timeout=30,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(chain, "w") as f:
            for part in (crt, cert("issuing-ca.crt")):
                with open(part) as p:
                    f.write(p.read())
        out[name] = (chain, key)
    return out


def package_version(package):
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                          capture_output=True, text=True, check=True, timeout=30).stdout


def row(server, config, certificate, auth):
    """One row of doc/federation.md's measured table: server, version,
    configuration, the certificate presented, whether the server asked for
    a client certificate, the SASL mechanisms offered over TLS, what
    EXTERNAL gave (or how the stream ended before any), dialback offered."""
    if auth["offered"] is None:
        offered, external = "none: no features", "not reached"
    else:
        offered, external = ", ".join(auth["offered"]) or "none", auth["external"]
    if auth["condition"] or auth["text"]:
        said = "<%s/> %s" % (auth["condition"], auth["text"] or "")
    elif auth["error"]:
        said = auth["error"]
    else:
        said = ""
    return "| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        *server.split(" ", 1), config, certificate,
        "yes" if auth["client_cert_requested"] else "no", offered, external,
        "`%s`" % said.strip() if said else "-", "yes" if auth["dialback"] else "no")


class Receiving:
    """The cases, run against the receiving server a subclass starts.

    EXPECT: certificate -> the whole s2s_auth object measured, and the
    exit status of check."""

    SERVER = None    # "Prosody 0.12.3-1+deb12u1": doc/federation.md's first column
    CONFIG = None    # the second: what the configuration requires
    EXPECT = {}

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-federation-")
        cls.certs = make_peer_certs(cls.dir)
        cls.rows = {}
        try:
            cls.server = cls.start()
        except Exception:
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def target(self):
        return "%s:%d" % (self.server.ip, self.server.s2s)

    def base(self):
        return check_json(*TRUST, "--service", "s2s", "--domain", DOMAIN, self.target())

    def auth(self, certificate):
        args = [*TRUST, "--service", "s2s", "--domain", DOMAIN, "--as", PEER]
        if certificate != "none":
            chain, key = self.certs[certificate]
            args += ["--client-cert", chain, "--client-key", key]
        code, o, err, _ = check_json(*args, self.target())
        self.assertIn("s2s_auth", o, err)
        self.rows[certificate] = row(self.SERVER, self.CONFIG, certificate, o["s2s_auth"])
        return code, o, err

    def measured(self, certificate):
        code, o, err = self.auth(certificate)
        want_code, want = self.EXPECT[certificate]
        self.assertEqual(o["s2s_auth"], want, err + "\n" + self.server.log())
        self.assertEqual(code, want_code, err)
        return o

    def test_serverauth_only(self):
        self.measured("serverAuth-only")

    def test_dual_purpose(self):
        self.measured("dual")

    def test_no_certificate(self):
        self.measured("none")

    def test_certificate_naming_another_domain(self):
        self.measured("wrong-name")

    def test_receiving_servers_certificate_judged_alike(self):
        """Acting as a peer changes nothing in the check of the receiving
        server's own certificate: the same verdict, chain, name and exit
        status as without --as, whatever the peer's certificate does."""
        code0, o0, err0, _ = self.base()
        self.assertEqual(code0, 0, err0)
        self.assertEqual(o0["verdict"], "verified")
        self.assertNotIn("s2s_auth", o0)
        for certificate in ("serverAuth-only", "dual", "wrong-name", "none"):
            code, o, err = self.auth(certificate)
            with self.subTest(certificate=certificate):
                self.assertEqual(code, code0, err)
                for field in ("verdict", "ok", "domain", "identity", "chain"):
                    self.assertEqual(o[field], o0[field], field)

    def test_version_is_the_one_measured(self):
        self.assertEqual(self.SERVER.split(" ", 1)[1], package_version(self.PACKAGE),
                         "another version is installed: measure it again "
                         "(cli_federation.py --table) and update EXPECT and "
                         "doc/federation.md")

    def test_zz_doc_federation_md_holds_these_rows(self):
        """doc/federation.md states what this run measured, row for row."""
        for certificate in ("serverAuth-only", "dual", "none", "wrong-name"):
            if certificate not in self.rows:
                self.auth(certificate)
        with open(DOC, encoding="utf-8") as f:
            doc = f.read()
        begin, end = "<!-- measured: begin -->\n", "\n<!-- measured: end -->"
        self.assertIn(begin, doc)
        table = doc[doc.index(begin) + len(begin):doc.index(end)].splitlines()
        have = [line for line in table
                if line.startswith("| %s | %s | %s |" % (*self.SERVER.split(" ", 1),
                                                         self.CONFIG))]
        want = [self.rows[c] for c in ("serverAuth-only", "dual", "none", "wrong-name")]
        self.assertEqual(have, want, "doc/federation.md is not what %s does now" % self.SERVER)


def auth(client_cert_requested, offered, external, dialback, condition=None, text=None,
         client_cert=True, error=None):
    """An s2s_auth object as check --json gives it, for peer.example."""
    return {"as": PEER, "client_cert": client_cert,
            "client_cert_requested": client_cert_requested, "tls": True,
            "offered": offered, "external": external, "condition": condition,
            "text": text, "dialback": dialback, "error": error}


class ProsodyReceiving(Receiving, unittest.TestCase):
    """Prosody from Debian requiring authenticated s2s: s2s_secure_auth =
    true, mod_dialback loaded, peers' chains checked against the root CA.

    Measured: Prosody asks every peer for a certificate and checks it
    before it sends any stream features; it does not look at the extended
    key usage. A peer it cannot authenticate gets a stream error, not a
    SASL failure; one it can is offered EXTERNAL and dialback."""

    IP = "127.0.176.2"
    PACKAGE = "prosody"
    SERVER = "Prosody 0.12.3-1+deb12u1"
    CONFIG = "s2s_secure_auth = true"
    EXPECT = {
        "serverAuth-only": (0, auth(True, ["EXTERNAL"], "success", True)),
        "dual": (0, auth(True, ["EXTERNAL"], "success", True)),
        "none": (0, auth(True, None, None, False, client_cert=False, error=(
            "the server ended the stream over TLS with <not-authorized/>: "
            "Your server's certificate could not be validated"))),
        # Refused before any feature, for the certificate presented:
        # reported as EXTERNAL's failure would be, with the stream's
        # condition and text.
        "wrong-name": (0, auth(True, None, "failure", False, "not-authorized",
                               "Your server's certificate is not valid for this name",
                               error=("the server ended the stream over TLS with "
                                      "<not-authorized/>: Your server's certificate "
                                      "is not valid for this name"))),
    }

    @classmethod
    def start(cls):
        return Prosody(cls.IP, "domain-san", extra='s2s_secure_auth = true\n'
                       'ssl = { cafile = "%s" }\n' % os.path.abspath(cert("root-ca.crt")))


class EjabberdReceiving(Receiving, unittest.TestCase):
    """ejabberd from Debian requiring authenticated s2s: no
    mod_s2s_dialback, STARTTLS required, peers' chains checked against
    the root CA (s2s_cafile).

    Measured: ejabberd 23.01 (fast_tls 1.1.16) asks for a certificate,
    offers EXTERNAL to every peer, and checks the certificate for the TLS
    client purpose: a serverAuth-only certificate fails as OpenSSL's
    "unsupported certificate purpose". That is what the fast_tls fix of
    ejabberd 25.08 changes (not measured here)."""

    IP = "127.0.176.1"
    PACKAGE = "ejabberd"
    SERVER = "ejabberd 23.01-1"
    CONFIG = "no mod_s2s_dialback"
    MODULES = ("mod_disco: {}",)
    EXPECT = {
        "serverAuth-only": (0, auth(True, ["EXTERNAL"], "failure", False,
                                    "not-authorized", "unsupported certificate purpose")),
        "dual": (0, auth(True, ["EXTERNAL"], "success", False)),
        "none": (0, auth(True, ["EXTERNAL"], "not-tried", False, client_cert=False)),
        "wrong-name": (0, auth(True, ["EXTERNAL"], "failure", False,
                               "not-authorized", "Certificate host name mismatch")),
    }

    @classmethod
    def start(cls):
        return Ejabberd(cls.IP, "domain-san", modules=cls.MODULES)

    # Bad input, against a live server: read before any connection, and
    # the check made no verdict (see Usage for no server at all).
    def bad_input(self, cc, key, message):
        args = [*TRUST, "--service", "s2s", "--domain", DOMAIN, "--as", PEER,
                "--client-cert", cc] + (["--client-key", key] if key else [])
        code, out, err, _ = run("check", *args, self.target())
        self.assertEqual(code, 2, (out, err))
        self.assertEqual(err, "xmppcv: %s\n" % message)
        self.assertEqual(out, "")
        code, o, err, _ = check_json(*args, self.target())
        self.assertEqual(code, 2, err)
        self.assertEqual(o["error"], {"phase": "input", "message": message})
        self.assertIsNone(o["verdict"])

    def test_client_cert_that_is_not_a_certificate(self):
        chain, key = self.certs["dual"]
        self.bad_input(key, key, key + ": not a PEM certificate chain")
        junk = os.path.join(self.dir, "junk.pem")
        with open(junk, "w") as f:
            f.write("not a certificate\n")
        self.bad_input(junk, key, junk + ": not a PEM certificate chain")
        missing = os.path.join(self.dir, "missing.pem")
        self.bad_input(missing, key, "cannot read the client certificate %s: No such file "
                       "or directory" % missing)

    def test_client_key_missing_or_not_a_key(self):
        chain, key = self.certs["dual"]
        self.bad_input(chain, None, chain + ": not a PEM private key")
        self.bad_input(chain, chain, chain + ": not a PEM private key")

    def test_client_key_of_another_certificate(self):
        """OpenSSL 3 refuses a key of another certificate as it loads it:
        xmppcv says so, not that the key cannot be read."""
        chain, _ = self.certs["dual"]
        _, other = self.certs["serverAuth-only"]
        self.bad_input(chain, other, "%s: the key does not belong to the certificate %s"
                       % (other, chain))


class EjabberdDialback(Receiving, unittest.TestCase):
    """The same ejabberd with mod_s2s_dialback: EXTERNAL decides alike and
    dialback (XEP-0220) is offered besides, the way a serverAuth-only peer
    can still federate with it."""

    IP = "127.0.176.3"
    PACKAGE = "ejabberd"
    SERVER = EjabberdReceiving.SERVER
    CONFIG = "mod_s2s_dialback"
    MODULES = ("mod_disco: {}", "mod_s2s_dialback: {}")
    EXPECT = {
        name: (code, dict(want, dialback=True))
        for name, (code, want) in EjabberdReceiving.EXPECT.items()
    }

    @classmethod
    def start(cls):
        return Ejabberd(cls.IP, "domain-san", modules=cls.MODULES)


class Usage(unittest.TestCase):
    """What --as and --client-cert refuse before connecting (exit 2); the
    target is a port that refuses connections."""

    @classmethod
    def setUpClass(cls):
        cls.held, port = closed_port("127.0.176.9")
        cls.target = "127.0.176.9:%d" % port
        cls.dir = tempfile.mkdtemp(prefix="xmppcv-federation-usage-")
        cls.certs = make_peer_certs(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.held.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def usage(self, *args, message):
        code, out, err, _ = run("check", *args, self.target)
        self.assertEqual(code, 2, (out, err))
        self.assertIn(message, err)
        self.assertEqual(out, "")
        return err

    def test_client_cert_without_as(self):
        chain, key = self.certs["dual"]
        self.usage("--service", "s2s", "--domain", DOMAIN, "--client-cert", chain,
                   "--client-key", key, message="check --client-cert: name the server it is for with --as NAME")
        self.usage("--service", "s2s", "--domain", DOMAIN, "--client-key", key,
                   message="check --client-key: name the server it is for with --as NAME")

    def test_as_with_c2s(self):
        for service in (["--service", "c2s"], ["--service", "https"], []):
            self.usage(*service, "--domain", DOMAIN, "--as", PEER,
                       message="check --as is for federation: add --service s2s")

    def test_as_with_from(self):
        self.usage("--service", "s2s", "--domain", DOMAIN, "--as", PEER, "--from", PEER,
                   message="check: --as NAME is the name sent as 'from'; leave out --from")

    def test_client_cert_read_before_connecting(self):
        """A --client-cert that is not a certificate is bad input (exit 2)
        before any connection: with no server answering, too."""
        _, key = self.certs["dual"]
        self.usage("--service", "s2s", "--domain", DOMAIN, "--as", PEER,
                   "--client-cert", key, "--client-key", key,
                   message=key + ": not a PEM certificate chain")


def print_table():
    for cls in (ProsodyReceiving, EjabberdReceiving, EjabberdDialback):
        cls.setUpClass()
        try:
            case = cls("test_serverauth_only")
            for certificate in ("serverAuth-only", "dual", "none", "wrong-name"):
                code, o, err = case.auth(certificate)
                print(cls.rows[certificate])
                print("   exit %d: %r" % (code, o["s2s_auth"]), file=sys.stderr)
        finally:
            cls.tearDownClass()


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:
        print_table()
        sys.exit(0)
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["ProsodyReceiving", "EjabberdReceiving",
                                 "EjabberdDialback", "Usage"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
