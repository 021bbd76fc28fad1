#!/usr/bin/env python3
"""Revocation (src/revocation.c) through tests/revcheck.c, against real
servers on 127.0.170.0/24: nginx serving the CRLs of a PKI made with
`openssl ca` (tests/revocation_pki.py), `openssl ocsp` answering OCSP
requests, staples made by `openssl ocsp -respout`, and hostile servers (a
CRL past the size bound, a CRL signed by the wrong key, a server that
accepts and never answers, a redirect loop, a Location with terminal
escapes).

Usage: cli_revocation.py REVCHECK CLASS

Classes: Crl, Ocsp, Hostile, Cache, Live (xmppcv check against
openssl s_server). Each builds its own PKI whose URLs
name its own addresses, so that the classes may run at once.
"""
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402 (a private HOME and XDG directories first)
from revocation_pki import Pki  # noqa: E402

REVCHECK = None
PORT = 8080
DAY = 86400


def revcheck(*args, timeout=60):
    """Run the driver: (the JSON result, seconds taken)."""
    t0 = time.monotonic()
    p = subprocess.run([REVCHECK] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout)
    took = time.monotonic() - t0
    if p.returncode != 0:
        raise AssertionError("revcheck %s: exit %d\n%s%s" % (
            " ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout), took


class NginxFiles(servers.NginxServer):
    """nginx from Debian serving a folder over plain HTTP on ip:port, with
    fixed redirects ({path: Location})."""

    def __init__(self, ip, port, folder, redirects=None):
        super().__init__(prefix="xmppcv-revocation-nginx-")
        self.www = os.path.join(self.dir, "www")
        shutil.copytree(folder, self.www)
        for root, dirs, files in os.walk(self.www):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        moves = "".join("        location = %s { return 302 %s; }\n" % (path, to)
                        for path, to in (redirects or {}).items())
        self.run("""
    types {{ application/pkix-crl crl; text/html html; }}
    default_type application/octet-stream;
    server {{
        listen {ip}:{port};
        root {www};
{moves}    }}""".format(ip=ip, port=port, www=self.www, moves=moves), [(ip, port)])


class Silent:
    """A server that accepts connections and never answers, until stopped
    (a thread of this process; every socket closed on stop). dribble: it
    answers one byte of a header every 0.2 s, and never ends it; hangup:
    it closes each connection at once."""

    def __init__(self, ip, port, dribble=False, hangup=False):
        self.dribble = dribble
        self.hangup = hangup
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.held = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
                if self.hangup:
                    conn.close()
                    continue
                self.held.append(conn)
                if self.dribble:
                    threading.Thread(target=self.trickle, args=(conn,),
                                     daemon=True).start()
            except socket.timeout:
                pass
            except OSError:
                return

    def trickle(self, conn):
        line = b"HTTP/1.0 200 OK\r\nX-Slow: " + b"x" * 1000
        for i in range(len(line)):
            if self.done.wait(0.2):
                return
            try:
                conn.send(line[i:i + 1])
            except OSError:
                return

    def stop(self):
        self.done.set()
        self.thread.join(timeout=5)
        for c in self.held:
            c.close()
        self.sock.close()


class OcspResponder:
    """OCSP over HTTP (RFC 6960 appendix A) on ip:port: each POSTed request
    is answered by `openssl ocsp` in responder mode from the intermediate's
    database (-index, -rsigner, -reqin, -respout). A front of this process
    listens, because `openssl ocsp -port` binds every address and the tests
    listen on loopback only."""

    def __init__(self, ip, port, pki, work):
        responder = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(n, 65536))
                fd, req = tempfile.mkstemp(dir=work, suffix=".req")
                with os.fdopen(fd, "wb") as f:
                    f.write(body)
                out = req + ".resp"
                try:
                    pki.respond(req, out)
                    with open(out, "rb") as f:
                        answer = f.read()
                    responder.requests += 1
                    self.send_response(200)
                    self.send_header("Content-Type", "application/ocsp-response")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except RuntimeError:
                    self.send_error(500)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((ip, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Redirector:
    """HTTP on ip:port that answers every GET with 302 and the Location
    routes[path prefix] gives, sent as raw bytes (a hostile server may put
    anything there)."""

    def __init__(self, ip, port, routes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                for prefix, to in routes.items():
                    if self.path.startswith(prefix):
                        self.send_response(302)
                        self.send_header("Location", to)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((ip, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Base(unittest.TestCase):
    CRL_IP = None        # where the PKI's CRL distribution points point
    OCSP_IP = None       # ... and its AIA OCSP URL
    EXTRA = {}           # more leaves: name -> path on CRL_IP, or a whole URL

    @classmethod
    def setUpClass(cls):
        cls.top = tempfile.mkdtemp(prefix="xmppcv-revocation-")
        os.chmod(cls.top, 0o755)
        base = "http://%s:%d" % (cls.CRL_IP, PORT)
        extra = {n: (u if "://" in u else base + u) for n, u in cls.EXTRA.items()}
        os.makedirs(os.path.join(cls.top, "pki"))
        cls.pki = Pki(os.path.join(cls.top, "pki"), base,
                      "http://%s:%d/" % (cls.OCSP_IP, PORT), extra)
        cls.www = os.path.join(cls.top, "www")
        os.makedirs(cls.www)
        for name in ("root", "int", "int2"):
            shutil.copy(cls.pki.crls[name], os.path.join(cls.www, name + ".crl"))
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        for s in reversed(cls.servers):
            s.stop()
        shutil.rmtree(cls.top, ignore_errors=True)

    def chain(self, leaf):
        return self.pki.leaves[leaf]["chain"]

    def check(self, leaf, *options, timeout=60):
        return revcheck(*options, self.chain(leaf), self.pki.root, timeout=timeout)

    def assertUnknown(self, result, *words):
        self.assertEqual(result["state"], "unknown", result)
        self.assertIsNone(result["source"], result)
        for w in words:
            self.assertIn(w, result["why"], result)


class Crl(Base):
    """CRLs fetched from nginx at the URL in each certificate, and given
    as files: good, revoked (leaf and intermediate), no distribution
    point, fetching off, an expired CRL, a forged one."""
    CRL_IP = "127.0.170.1"
    OCSP_IP = "127.0.170.2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers.append(NginxFiles(cls.CRL_IP, PORT, cls.www))

    def test_good_fetched(self):
        r, _ = self.check("good")
        self.assertEqual(r["state"], "good", r)
        self.assertEqual(r["source"], "crl")
        self.assertEqual(r["depth"], -1)
        self.assertIn("http://127.0.170.1:8080/int.crl", r["why"])
        self.assertIn("http://127.0.170.1:8080/root.crl", r["why"])
        # openssl ca's default_crl_days = 7.
        self.assertAlmostEqual(r["crl_next_update"], time.time() + 7 * DAY,
                               delta=600)
        self.assertTrue(any(n.startswith("CRL http://127.0.170.1:8080/int.crl: fetched")
                            for n in r["notes"]), r["notes"])
        self.assertIsNone(r["staple"])
        self.assertFalse(r["must_staple"])

    def test_revoked_leaf(self):
        r, _ = self.check("revoked")
        self.assertEqual(r["state"], "revoked", r)
        self.assertEqual(r["reason"], "keyCompromise")
        self.assertEqual(r["depth"], 0)
        self.assertEqual(r["source"], "crl")
        self.assertAlmostEqual(r["revoked_at"], self.pki.now.timestamp(), delta=300)
        self.assertIn("says the CRL from http://127.0.170.1:8080/int.crl", r["why"])

    def test_revoked_intermediate(self):
        # X509_V_FLAG_CRL_CHECK_ALL: the root's CRL revokes the intermediate.
        r, _ = self.check("under2")
        self.assertEqual(r["state"], "revoked", r)
        self.assertEqual(r["depth"], 1)
        self.assertEqual(r["reason"], "cACompromise")
        self.assertIn("Revocation Test Revoked Intermediate", r["why"])

    def test_crl_files_without_fetch(self):
        # One DER file, one PEM file; nothing fetched.
        files = ["--crl", self.pki.crls["root"], "--crl",
                 self.pki.crls["int"][:-len(".crl")] + ".crl.pem"]
        r, _ = self.check("good", "--no-fetch", *files)
        self.assertEqual(r["state"], "good", r)
        self.assertIn("file ", r["why"])
        self.assertFalse(any("fetched" in n for n in r["notes"]), r["notes"])
        r, _ = self.check("revoked", "--no-fetch", *files)
        self.assertEqual((r["state"], r["reason"], r["depth"]),
                         ("revoked", "keyCompromise", 0), r)

    def test_no_fetch_is_unknown(self):
        r, _ = self.check("good", "--no-fetch")
        self.assertUnknown(r, "not fetched (fetching is off)")
        self.assertIsNone(r["crl_next_update"])

    def test_no_distribution_point(self):
        r, _ = self.check("nodp")
        self.assertUnknown(r, "names no CRL distribution point")

    def test_expired_crl(self):
        r, _ = self.check("good", "--no-fetch", "--crl", self.pki.crls["int-expired"],
                          "--crl", self.pki.crls["root"])
        self.assertUnknown(r, "int-expired.crl expired on")

    def test_verified_after_next_update(self):
        # The fetched CRLs are current for 7 days: a week and a day on,
        # they are expired, whatever the certificates say.
        at = int(time.time()) + 8 * DAY
        r, _ = self.check("good", "--at", at)
        self.assertUnknown(r, "expired on")

    def test_forged_crl_file(self):
        r, _ = self.check("good", "--no-fetch", "--crl", self.pki.crls["rogue"],
                          "--crl", self.pki.crls["root"])
        self.assertUnknown(r, "does not verify with its key")

    def test_revoked_by_a_crl_of_the_trust_store(self):
        # OpenSSL finds the intermediate's CRL in the store itself; the
        # entry's date and reason are read while it holds the CRL.
        r, _ = self.check("revoked", "--no-fetch", "--crl", self.pki.crls["root"],
                          "--store-crl", self.pki.crls["int"])
        self.assertEqual((r["state"], r["reason"], r["depth"], r["source"]),
                         ("revoked", "keyCompromise", 0, "crl"), r)
        self.assertAlmostEqual(r["revoked_at"], self.pki.now.timestamp(), delta=300)
        self.assertIn("says a CRL of the trust store", r["why"])
        self.assertNotIn("1970", r["why"])

    def test_unreadable_crl_file_is_a_note(self):
        missing = os.path.join(self.top, "no-such.crl")
        r, _ = self.check("good", "--crl", missing)
        self.assertEqual(r["state"], "good", r)
        self.assertTrue(any(missing in n and "cannot read" in n for n in r["notes"]),
                        r["notes"])


class Ocsp(Base):
    """OCSP: the leaf's responder (--ocsp) answered by `openssl ocsp`, and
    staples made by `openssl ocsp -respout`: good, revoked, stale,
    invalid; a must-staple leaf without one."""
    CRL_IP = "127.0.170.11"    # nothing listens: CRL fetches are refused
    OCSP_IP = "127.0.170.12"
    # A leaf whose distribution point is the intermediate's (root.crl).
    EXTRA = {"sharesroot": "/root.crl"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hold, _ = servers.closed_port(cls.CRL_IP, PORT)
        work = os.path.join(cls.top, "ocsp")
        os.makedirs(work)
        cls.responder = OcspResponder(cls.OCSP_IP, PORT, cls.pki, work)
        cls.servers.append(cls.responder)
        s = os.path.join(cls.top, "staples")
        os.makedirs(s)
        cls.staple = {
            "good": cls.pki.ocsp_response("good", os.path.join(s, "good.der")),
            "revoked": cls.pki.ocsp_response("revoked", os.path.join(s, "revoked.der")),
            "muststaple": cls.pki.ocsp_response("muststaple", os.path.join(s, "must.der")),
            # Signed by a responder of the rogue CA, which the
            # intermediate never authorized.
            "rogue": cls.pki.ocsp_response("good", os.path.join(s, "rogue.der"),
                                           signer=cls.pki.rogue_cert,
                                           key=cls.pki.rogue_key),
        }
        cls.staple["garbage"] = os.path.join(s, "garbage.der")
        with open(cls.staple["garbage"], "wb") as f:
            f.write(b"not an OCSP response")
        # A successful OCSPResponse without responseBytes.
        cls.staple["empty"] = os.path.join(s, "empty.der")
        with open(cls.staple["empty"], "wb") as f:
            f.write(b"\x30\x03\x0a\x01\x00")

    @classmethod
    def tearDownClass(cls):
        cls.hold.close()
        super().tearDownClass()

    def root_crl(self):
        return ["--crl", self.pki.crls["root"]]

    def test_responder_good(self):
        before = self.responder.requests
        r, _ = self.check("good", "--ocsp", *self.root_crl())
        self.assertEqual(r["state"], "good", r)
        self.assertEqual(r["source"], "ocsp")
        self.assertIn("by its OCSP responder", r["why"])
        self.assertEqual(self.responder.requests, before + 1)
        # The CRL could not be fetched: a note, not a failure.
        self.assertTrue(any("cannot connect to 127.0.170.11 port 8080" in n
                            for n in r["notes"]), r["notes"])

    def test_responder_revoked(self):
        r, _ = self.check("revoked", "--ocsp", *self.root_crl())
        self.assertEqual((r["state"], r["source"], r["reason"], r["depth"]),
                         ("revoked", "ocsp", "keyCompromise", 0), r)
        self.assertAlmostEqual(r["revoked_at"], self.pki.now.timestamp(), delta=300)

    def test_responder_without_crl_fetching(self):
        # Asking the responder is a permission of its own: no CRL is
        # fetched for it.
        before = self.responder.requests
        r, _ = self.check("good", "--ocsp", "--no-fetch", *self.root_crl())
        self.assertEqual((r["state"], r["source"]), ("good", "ocsp"), r)
        self.assertEqual(self.responder.requests, before + 1)
        self.assertFalse(any("cannot connect to 127.0.170.11" in n for n in r["notes"]),
                         r["notes"])

    def test_responder_not_asked_after_the_deadline(self):
        before = self.responder.requests
        r, _ = self.check("good", "--ocsp", "--no-fetch", "--deadline", 0,
                          *self.root_crl())
        self.assertUnknown(r, "OCSP http://127.0.170.12:8080/: not fetched: no time left")
        self.assertEqual(self.responder.requests, before)

    def test_failed_url_said_for_each_certificate(self):
        # The leaf and the intermediate name the same URL: asked once, and
        # why it failed is said for both.
        r, _ = self.check("sharesroot")
        self.assertUnknown(r)
        refused = "http://127.0.170.11:8080/root.crl: cannot connect to 127.0.170.11 port 8080"
        self.assertIn('"sharesroot.revocation.test": no CRL: ' + refused, r["why"])
        self.assertIn('"Revocation Test Intermediate": no CRL: ' + refused, r["why"])

    def test_staple_good(self):
        r, _ = self.check("good", "--no-fetch", "--staple", self.staple["good"],
                          *self.root_crl())
        self.assertEqual((r["state"], r["source"], r["staple"]),
                         ("good", "ocsp-staple", "good"), r)
        self.assertIn("by the stapled OCSP response", r["why"])

    def test_staple_revoked(self):
        r, _ = self.check("revoked", "--no-fetch", "--staple", self.staple["revoked"],
                          *self.root_crl())
        self.assertEqual((r["state"], r["source"], r["staple"], r["reason"]),
                         ("revoked", "ocsp-staple", "revoked", "keyCompromise"), r)

    def test_staple_stale(self):
        # -ndays 1: two days on, the answer is past its nextUpdate.
        at = int(time.time()) + 2 * DAY
        r, _ = self.check("good", "--no-fetch", "--at", at, "--staple",
                          self.staple["good"], *self.root_crl())
        self.assertEqual(r["staple"], "stale", r)
        self.assertUnknown(r, "stale")

    def test_staple_within_slack(self):
        # Four minutes past nextUpdate is within the five minutes of slack.
        at = int(time.time()) + DAY + 4 * 60
        r, _ = self.check("good", "--no-fetch", "--at", at, "--staple",
                          self.staple["good"], *self.root_crl())
        self.assertEqual(r["staple"], "good", r)

    def test_staple_invalid(self):
        for which, words in (("garbage", "does not parse"),
                             ("empty", "holds no basic OCSP response"),
                             ("rogue", "does not verify")):
            with self.subTest(which=which):
                r, _ = self.check("good", "--no-fetch", "--staple", self.staple[which],
                                  *self.root_crl())
                self.assertEqual(r["staple"], "invalid", r)
                self.assertUnknown(r, words)

    def test_staple_for_another_certificate(self):
        r, _ = self.check("nodp", "--no-fetch", "--staple", self.staple["good"],
                          *self.root_crl())
        self.assertEqual(r["staple"], "invalid", r)
        self.assertUnknown(r, "holds no status for the certificate")

    def test_must_staple_without_staple(self):
        # The CRLs say good; the missing staple still decides (RFC 7633).
        r, _ = self.check("muststaple", "--no-fetch", "--staple-asked",
                          "--crl", self.pki.crls["int"], *self.root_crl())
        self.assertTrue(r["must_staple"])
        self.assertTrue(r["staple_missing"])
        self.assertEqual(r["staple"], "absent")
        self.assertUnknown(r)
        self.assertEqual(r["why"], "must-staple certificate without a stapled OCSP response")

    def test_must_staple_with_staple(self):
        r, _ = self.check("muststaple", "--no-fetch", "--staple",
                          self.staple["muststaple"], *self.root_crl())
        self.assertTrue(r["must_staple"])
        self.assertEqual((r["state"], r["staple"]), ("good", "good"), r)

    def test_staple_not_asked(self):
        r, _ = self.check("muststaple", "--no-fetch", "--crl", self.pki.crls["int"],
                          *self.root_crl())
        self.assertTrue(r["must_staple"])
        self.assertFalse(r["staple_missing"])
        self.assertIsNone(r["staple"])
        self.assertEqual(r["state"], "good", r)


class Hostile(Base):
    """Servers that must not hold a check up or feed it too much: each ends
    quickly in unknown, and says why."""
    CRL_IP = "127.0.170.21"
    OCSP_IP = "127.0.170.22"
    EXTRA = {
        "huge": "/huge.crl",
        "wrongkey": "/wrongkey.crl",
        "loop": "/loop",
        "tohttps": "/to-https",
        "missing": "/missing.crl",
        "garbage": "/garbage.crl",
        "silent": "http://127.0.170.22:8080/int.crl",
        "refused": "http://127.0.170.23:8080/int.crl",
        "dribble": "http://127.0.170.24:8080/int.crl",
        "hangup": "http://127.0.170.25:8080/int.crl",
        "ldap": "ldap://127.0.170.21/cn=crl",
        "escaway": "http://127.0.170.26:8080/esc-away",
        "escloop": "http://127.0.170.26:8080/esc-loop",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 11 MiB: past the 10 MiB bound, beginning as a DER SEQUENCE.
        with open(os.path.join(cls.www, "huge.crl"), "wb") as f:
            f.write(b"\x30\x84\x00\xb0\x00\x00")
            f.write(b"\x00" * (11 << 20))
        shutil.copy(cls.pki.crls["rogue"], os.path.join(cls.www, "wrongkey.crl"))
        with open(os.path.join(cls.www, "garbage.crl"), "w") as f:
            f.write("<html>not a CRL</html>\n")
        base = "http://%s:%d" % (cls.CRL_IP, PORT)
        cls.servers.append(NginxFiles(cls.CRL_IP, PORT, cls.www, {
            "/loop": base + "/loop",
            "/to-https": "https://%s:%d/int.crl" % (cls.CRL_IP, PORT),
        }))
        cls.servers.append(Silent("127.0.170.22", PORT))
        cls.servers.append(Silent("127.0.170.24", PORT, dribble=True))
        cls.servers.append(Silent("127.0.170.25", PORT, hangup=True))
        cls.servers.append(Redirector("127.0.170.26", PORT, {
            "/esc-away": "https://127.0.170.21:8080/\x1b[2J.crl",
            "/esc-loop": "http://127.0.170.26:8080/esc-loop\x1b[2J"}))
        cls.hold, _ = servers.closed_port("127.0.170.23", PORT)

    @classmethod
    def tearDownClass(cls):
        cls.hold.close()
        super().tearDownClass()

    def hostile(self, leaf, *words, limit=5.0, timeout_ms=3000):
        r, took = self.check(leaf, "--timeout", timeout_ms)
        self.assertUnknown(r, *words)
        self.assertLess(took, limit, r)
        return r, took

    def test_huge_crl(self):
        self.hostile("huge", "larger than the limit of 10485760 bytes")

    def test_wrong_key(self):
        self.hostile("wrongkey", "/wrongkey.crl names \"Revocation Test Intermediate\"",
                     "does not verify with its key")

    def test_never_answers(self):
        r, took = self.hostile("silent", "http://127.0.170.22:8080/int.crl",
                               "no complete answer within 1500 ms",
                               limit=4.0, timeout_ms=1500)
        self.assertGreaterEqual(took, 1.4, r)

    def test_hangs_up(self):
        # The request is sent with MSG_NOSIGNAL: a closed peer is an
        # error, never SIGPIPE (the driver would die of it).
        self.hostile("hangup", "http://127.0.170.25:8080/int.crl: the server closed "
                     "the connection before a complete answer")

    def test_redirect_loop(self):
        self.hostile("loop", "more than 3 redirects")

    def test_redirect_to_https(self):
        self.hostile("tohttps", "redirected to https://127.0.170.21:8080/int.crl, "
                     "which is not http://")

    def test_not_found(self):
        self.hostile("missing", "/missing.crl: the server answered with an HTTP error", "404")

    def test_not_a_crl(self):
        self.hostile("garbage", "/garbage.crl: the answer (23 bytes) is not a CRL")

    def test_refused(self):
        self.hostile("refused", "cannot connect to 127.0.170.23 port 8080",
                     "Connection refused")

    def test_not_http(self):
        self.hostile("ldap", "ldap://127.0.170.21/cn=crl: not fetched (only http:// is)")

    def test_redirect_target_escaped(self):
        # The Location is the server's: shown escaped, never as the
        # terminal escape it holds.
        for leaf, words in (("escaway", "redirected to https://127.0.170.21:8080/"
                             "\\x1b[2J.crl, which is not http://"),
                            ("escloop", "more than 3 redirects (the last to "
                             "http://127.0.170.26:8080/esc-loop\\x1b[2J)")):
            with self.subTest(leaf=leaf):
                r, _ = self.hostile(leaf, words)
                self.assertNotIn("\x1b", json.dumps(r, ensure_ascii=False), r)

    def test_deadline_bounds_a_fetch(self):
        # The caller's deadline comes before the fetch's own timeout.
        r, took = self.check("silent", "--timeout", 4000, "--deadline", 1000)
        self.assertUnknown(r, "http://127.0.170.22:8080/int.crl: no complete answer")
        self.assertLess(took, 2.5, r)
        self.assertGreaterEqual(took, 0.9, r)

    def test_no_fetch_after_the_deadline(self):
        r, took = self.check("silent", "--deadline", 0)
        self.assertUnknown(r, "http://127.0.170.22:8080/int.crl: not fetched: no time left")
        # Not the silent server's 5 s (the driver's default timeout),
        # with room for a loaded machine under ASan.
        self.assertLess(took, 2.5, r)

    def test_dribble(self):
        # A byte every 0.2 s: the bound is on the whole fetch, not on
        # each read.
        r, took = self.hostile("dribble", "no complete answer within 1500 ms",
                               limit=4.0, timeout_ms=1500)
        self.assertGreaterEqual(took, 1.4, r)


class Cache(Base):
    """The CRL cache: one file per URL (SHA-256 of the URL), written
    atomically, reused while current, also once the server is gone; a
    cache that cannot be written is a note."""
    CRL_IP = "127.0.170.31"
    OCSP_IP = "127.0.170.32"

    def cache_name(self, path):
        url = "http://%s:%d%s" % (self.CRL_IP, PORT, path)
        return hashlib.sha256(url.encode()).hexdigest() + ".crl"

    def test_reused_when_the_server_is_gone(self):
        cache = os.path.join(self.top, "cache", "xmppcv", "crl")
        nginx = NginxFiles(self.CRL_IP, PORT, self.www)
        try:
            r, _ = self.check("good", "--cache", cache)
            self.assertEqual(r["state"], "good", r)
        finally:
            nginx.stop()
        # Both CRLs, under their names, as served; nothing else left.
        self.assertEqual(sorted(os.listdir(cache)),
                         sorted([self.cache_name("/int.crl"), self.cache_name("/root.crl")]))
        with open(os.path.join(cache, self.cache_name("/int.crl")), "rb") as f, \
                open(self.pki.crls["int"], "rb") as g:
            self.assertEqual(f.read(), g.read())
        self.assertEqual(os.stat(cache).st_mode & 0o777, 0o700)
        # The server is gone: the cache answers.
        r, _ = self.check("good", "--cache", cache)
        self.assertEqual(r["state"], "good", r)
        self.assertIn("the cache of http://127.0.170.31:8080/int.crl", r["why"])
        self.assertIn("CRL http://127.0.170.31:8080/int.crl: from the cache", r["notes"])
        r, _ = self.check("revoked", "--cache", cache, "--no-fetch")
        self.assertEqual((r["state"], r["reason"]), ("revoked", "keyCompromise"), r)
        # Past their nextUpdate the cached CRLs are not used: fetched
        # again, and the server is gone.
        r, _ = self.check("good", "--cache", cache, "--at", int(time.time()) + 8 * DAY)
        self.assertUnknown(r, "cannot connect to 127.0.170.31 port 8080")

    def serve(self, **replace):
        """nginx on CRL_IP serving www with some files replaced:
        {name: path of the file to serve in its place}."""
        www = tempfile.mkdtemp(prefix="www-", dir=self.top)
        for name in os.listdir(self.www):
            shutil.copy(replace.get(name, os.path.join(self.www, name)),
                        os.path.join(www, name))
        return NginxFiles(self.CRL_IP, PORT, www)

    def test_forged_crl_not_cached(self):
        # Plain HTTP: anyone on the path may answer. A CRL that does not
        # verify is not kept, so the next check fetches the real one.
        cache = os.path.join(self.top, "cache-forged")
        nginx = self.serve(**{"int.crl": self.pki.crls["rogue"]})
        try:
            r, _ = self.check("good", "--cache", cache)
        finally:
            nginx.stop()
        self.assertUnknown(r, "does not verify with its key")
        self.assertEqual(os.listdir(cache), [self.cache_name("/root.crl")])
        nginx = self.serve()
        try:
            r, _ = self.check("good", "--cache", cache)
        finally:
            nginx.stop()
        self.assertEqual(r["state"], "good", r)
        self.assertTrue(any(n.startswith("CRL http://127.0.170.31:8080/int.crl: fetched")
                            for n in r["notes"]), r["notes"])

    def test_forged_cache_file_not_used(self):
        # A cached CRL that does not verify is passed over, and fetched.
        cache = os.path.join(self.top, "cache-planted")
        os.makedirs(cache)
        shutil.copy(self.pki.crls["rogue"], os.path.join(cache, self.cache_name("/int.crl")))
        nginx = self.serve()
        try:
            r, _ = self.check("good", "--cache", cache)
        finally:
            nginx.stop()
        self.assertEqual(r["state"], "good", r)
        self.assertTrue(any("int.crl: the cached copy does not verify" in n
                            for n in r["notes"]), r["notes"])
        with open(os.path.join(cache, self.cache_name("/int.crl")), "rb") as f, \
                open(self.pki.crls["int"], "rb") as g:
            self.assertEqual(f.read(), g.read())

    def test_pem_crl_cached_as_der(self):
        cache = os.path.join(self.top, "cache-pem")
        # The PEM that the DER file was made from (revocation_pki.gencrl).
        nginx = self.serve(**{"int.crl": self.pki.crls["int"] + ".pem"})
        try:
            r, _ = self.check("good", "--cache", cache)
        finally:
            nginx.stop()
        self.assertEqual(r["state"], "good", r)
        with open(os.path.join(cache, self.cache_name("/int.crl")), "rb") as f, \
                open(self.pki.crls["int"], "rb") as g:
            self.assertEqual(f.read(), g.read())
        # The server is gone: the cached copy answers.
        r, _ = self.check("revoked", "--cache", cache)
        self.assertEqual((r["state"], r["reason"]), ("revoked", "keyCompromise"), r)
        self.assertIn("the cache of http://127.0.170.31:8080/int.crl", r["why"])

    def test_unwritable_cache_is_a_note(self):
        blocker = os.path.join(self.top, "a-file")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        nginx = NginxFiles(self.CRL_IP, PORT, self.www)
        try:
            r, _ = self.check("good", "--cache", os.path.join(blocker, "crl"))
        finally:
            nginx.stop()
        self.assertEqual(r["state"], "good", r)
        notes = [n for n in r["notes"] if "cannot be written" in n]
        self.assertEqual(len(notes), 1, r["notes"])
        self.assertIn(os.path.join(blocker, "crl"), notes[0])


class SServer:
    """openssl s_server on ip:port presenting a leaf of the PKI and its
    intermediate, with a stapled OCSP response from a file, or none."""

    def __init__(self, ip, port, leaf, staple=None):
        argv = ["openssl", "s_server", "-quiet", "-www", "-accept", "%s:%d" % (ip, port),
                "-cert", leaf["cert"], "-key", leaf["key"], "-cert_chain", leaf["chain"]]
        if staple:
            argv += ["-status_file", staple]
        self.proc = servers.spawn(argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not servers.wait_listening(ip, port, self.proc):
            self.stop()
            raise RuntimeError("s_server did not start on %s:%d" % (ip, port))

    def stop(self):
        servers.stop_pid(self.proc)


class Live(Base):
    """xmppcv check against openssl s_server, each presenting a leaf of the
    PKI: the CRL fetched from nginx at the URL in the certificate, a
    stapled answer (good, revoked, stale), a must-staple leaf without one;
    the verdict, the exit status, the text, JSON and monitoring outputs;
    and verify --crl."""
    CRL_IP = "127.0.170.41"
    OCSP_IP = "127.0.170.42"    # nothing listens
    NET = "127.0.170."
    # (address, leaf, staple)
    SITES = {"good": ("43", "good", "good"), "revoked": ("44", "revoked", None),
             "revoked-staple": ("45", "revoked", "revoked"),
             "muststaple": ("46", "muststaple", None), "nodp": ("48", "nodp", None)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.servers.append(NginxFiles(cls.CRL_IP, PORT, cls.www))
            s = os.path.join(cls.top, "staples")
            os.makedirs(s)
            staple = {
                "good": cls.pki.ocsp_response("good", os.path.join(s, "good.der")),
                "revoked": cls.pki.ocsp_response("revoked", os.path.join(s, "revoked.der")),
            }
            for n, leaf, st in cls.SITES.values():
                cls.servers.append(SServer(cls.NET + n, 8443, cls.pki.leaves[leaf],
                                           staple.get(st)))
        except Exception:
            cls.tearDownClass()
            raise

    def run_check(self, site, *options, env=None):
        n, leaf, _ = self.SITES[site]
        # s_server -www answers GET only: the HEAD / that follows the
        # handshake waits out --timeout, and the report says so.
        p = subprocess.run([os.environ["XMPPCV"], "check", "--service", "https",
                            "--timeout", "1",
                            "--no-system-ca", "--ca-file", self.pki.root, "--no-store",
                            "--resolve", "%s.revocation.test:8443:%s%s" % (leaf, self.NET, n),
                            *options, "%s.revocation.test:8443" % leaf],
                           capture_output=True, text=True, timeout=60, env=env)
        return p

    def json_check(self, site, *options, env=None):
        p = self.run_check(site, "--json", *options, env=env)
        return p.returncode, json.loads(p.stdout), p.stderr

    def own_cache(self):
        """An environment whose CRL cache is empty and this test's own."""
        return dict(os.environ, XDG_CACHE_HOME=tempfile.mkdtemp(prefix="cache-",
                                                                dir=self.top))

    def test_no_fetch_reads_the_cache(self):
        env = self.own_cache()
        code, o, err = self.json_check("good", env=env)
        self.assertEqual((code, o["revocation"]["state"]), (0, "good"), err)
        code, o, err = self.json_check("revoked", "--no-fetch", env=env)
        r = o["revocation"]
        self.assertEqual((code, r["state"], r["source"]), (1, "revoked", "crl"), err)
        self.assertIn("the cache of http://127.0.170.41:8080/int.crl", r["why"])
        # verify --crl reads it too.
        argv = [os.environ["XMPPCV"], "verify", "--json", "--no-system-ca", "--ca-file",
                self.pki.root, "--service", "https", "--domain", "revoked.revocation.test",
                "--crl", self.pki.crls["root"], self.pki.leaves["revoked"]["chain"]]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
        o = json.loads(p.stdout)
        self.assertEqual((p.returncode, o["revocation"]["state"]), (1, "revoked"), p.stderr)

    def test_no_usable_cache_directory(self):
        # HOME and XDG_CACHE_HOME empty (as under env -i HOME=): no cache,
        # and the check goes on.
        env = dict(os.environ, HOME="", XDG_CACHE_HOME="")
        code, o, err = self.json_check("good", env=env)
        self.assertEqual((code, o["verdict"], o["revocation"]["state"]),
                         (0, "verified", "good"), err)

    def test_verify_ocsp_fetches_no_crl(self):
        # verify fetches no CRL; --ocsp asks the responder (nothing
        # listens there), and that is all it does on the network.
        argv = [os.environ["XMPPCV"], "verify", "--json", "--no-system-ca", "--ca-file",
                self.pki.root, "--service", "https", "--domain", "good.revocation.test",
                "--ocsp", self.pki.leaves["good"]["chain"]]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           env=self.own_cache())
        r = json.loads(p.stdout)["revocation"]
        self.assertEqual(r["state"], "unknown", p.stderr)
        self.assertFalse(any(": fetched (" in n for n in r["notes"]), r["notes"])
        self.assertIn("http://127.0.170.41:8080/int.crl: not fetched (fetching is off)",
                      r["why"])
        self.assertIn("OCSP http://127.0.170.42:8080/: cannot connect", r["why"])

    def test_good_from_the_crl_and_the_staple(self):
        code, o, err = self.json_check("good", env=self.own_cache())
        r = o["revocation"]
        self.assertEqual((code, o["verdict"], r["state"], r["staple"]),
                         (0, "verified", "good", "good"), err)
        self.assertIsNotNone(r["crl_next_update"])
        self.assertTrue(any("fetched" in n for n in r["notes"]), r["notes"])

    def test_revoked_by_the_crl_fails_the_verdict(self):
        code, o, err = self.json_check("revoked")
        r = o["revocation"]
        self.assertEqual((code, o["verdict"], r["state"], r["source"], r["reason"]),
                         (1, "not-verified", "revoked", "crl", "keyCompromise"), err)
        self.assertIn("revoked", o["problems"])
        self.assertIn("revocation revoked: ", err)
        p = self.run_check("revoked")
        self.assertIn("  revocation REVOKED (crl): ", p.stdout)

    def test_revoked_by_the_staple_without_fetching(self):
        # An empty cache: --no-fetch reads it, and the staple decides.
        code, o, err = self.json_check("revoked-staple", "--no-fetch",
                                       env=self.own_cache())
        r = o["revocation"]
        self.assertEqual((code, r["state"], r["source"], r["staple"]),
                         (1, "revoked", "ocsp-staple", "revoked"), err)

    def test_stale_staple(self):
        # The staple is good for a day (-ndays 1): two days on, stale.
        at = "@%d" % (int(time.time()) + 2 * DAY)
        env = self.own_cache()
        code, o, err = self.json_check("good", "--no-fetch", "--at", at, env=env)
        r = o["revocation"]
        # Unknown is a note: the verdict stands, unless it is required.
        self.assertEqual((code, o["verdict"], r["state"], r["staple"]),
                         (0, "verified", "unknown", "stale"), err)
        code, o, err = self.json_check("good", "--no-fetch", "--at", at,
                                       "--require-revocation", env=env)
        self.assertEqual((code, o["verdict"], o["revocation"]["fails"]),
                         (1, "not-verified", True), err)

    def test_must_staple_without_a_staple(self):
        code, o, err = self.json_check("muststaple")
        r = o["revocation"]
        self.assertEqual((code, o["verdict"], r["must_staple"], r["staple"]),
                         (1, "not-verified", True, "absent"), err)
        self.assertIn("must-staple", r["why"])

    def test_no_distribution_point(self):
        code, o, err = self.json_check("nodp")
        self.assertEqual((code, o["revocation"]["state"]), (0, "unknown"), err)

    def test_monitoring(self):
        p = self.run_check("revoked", "--format", "prometheus")
        self.assertRegex(p.stdout, r'xmppcv_revocation\{[^}]*state="revoked"\} 1\n')
        self.assertRegex(p.stdout, r'xmppcv_revocation\{[^}]*state="good"\} 0\n')
        self.assertRegex(p.stdout, r"xmppcv_crl_next_update_seconds\{[^}]*\} [0-9]+\n")
        p = self.run_check("revoked", "--format", "nagios")
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("revoked", p.stdout)

    def test_verify_with_a_crl_file(self):
        chain = self.pki.leaves["revoked"]["chain"]
        argv = [os.environ["XMPPCV"], "verify", "--json", "--no-system-ca", "--ca-file",
                self.pki.root, "--service", "https", "--domain", "revoked.revocation.test"]
        o = json.loads(subprocess.run(argv + [chain], capture_output=True, text=True,
                                      timeout=60).stdout)
        # Without a CRL, verify judges no revocation.
        self.assertEqual((o["verdict"], o["revocation"]), ("verified", None))
        p = subprocess.run(argv + ["--crl", self.pki.crls["int"], "--crl",
                                   self.pki.crls["root"], chain],
                           capture_output=True, text=True, timeout=60)
        o = json.loads(p.stdout)
        self.assertEqual((p.returncode, o["verdict"], o["revocation"]["state"]),
                         (1, "not-verified", "revoked"), p.stderr)


if __name__ == "__main__":
    REVCHECK = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or ["Crl", "Ocsp", "Hostile", "Cache", "Live"]
    suite = unittest.TestSuite(unittest.TestLoader().loadTestsFromTestCase(
        globals()[n]) for n in names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
