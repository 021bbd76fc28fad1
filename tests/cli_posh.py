#!/usr/bin/env python3
"""POSH (src/posh.c) through tests/poshcheck.c, against nginx from Debian
on 127.0.174.0/24 serving hosted domains' .well-known/posh files over
HTTPS, and hostile servers of this process.

The scenario of RFC 7711: corp.example and its like are hosted by a
provider whose XMPP server presents the provider's certificate
(xmpp.hosting.example, which names none of them). Each hosted domain
publishes, over HTTPS with a certificate of its own, the fingerprints of
that certificate, or a reference to the provider's file. Every
fingerprint a test expects is computed here (hashlib over the DER that
openssl writes), not by xmppcv.

Usage: cli_posh.py POSHCHECK CLASS

Classes: Fetch (match, mismatch, absent, the service's file, the hashes),
Reference (url references, HTTP redirects, loops), Cache (expires),
Hostile (silence, endless answers, non-JSON, oversized, a server that
does not verify), Publish (`xmppcv posh`: its output served by nginx
matches; its errors and exit status).
"""
import base64
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402 (a private HOME and XDG directories first)

POSHCHECK = None
XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
# Each class its own addresses (127.0.174.NET + these), so that the
# classes may run at once.
WEB = 1         # the hosted domains' web server
HOSTING = 2     # the provider's web server (hosting.example)
SILENT = 3      # accepts, never answers
TLS_SILENT = 4  # TLS for the domain, then nothing
ENDLESS = 5     # TLS, then an answer without end
CLOSED = 6      # refuses connections
PORT = 443
WELL_KNOWN = "/.well-known/posh/"

# Hosted domains, one situation each; the web server's certificate names
# them all (and the provider's web server names hosting.example alone).
DOMAINS = ["match.example", "wrong.example", "sha512.example",
           "otherhash.example", "badvalue.example", "none.example",
           "ref.example", "refloop.example", "refhttp.example",
           "ref404.example", "redirect.example", "redirloop.example",
           "cache.example", "nocache.example", "big.example",
           "notjson.example", "array.example", "both.example",
           "published.example", "published2.example", "silent.example",
           "tlssilent.example", "endless.example", "closed.example",
           "wrongcert.example"]


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def openssl(*args):
    p = run(["openssl"] + list(args))
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr))
    return p.stdout


class Pki:
    """A root, and under it: the hosted domains' web certificate, the
    provider's web certificate, the provider's XMPP certificate (what the
    XMPP server presents), and another XMPP certificate (not published)."""

    def __init__(self, top):
        self.top = top
        self.root = self.path("root.pem")
        key = self.path("root.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", self.root, "-days", "60", "-subj", "/CN=POSH Test Root",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.web = self.leaf("web", DOMAINS)
        self.hosting = self.leaf("hosting", ["hosting.example"])
        self.provider = self.leaf("provider", ["xmpp.hosting.example"])
        self.other = self.leaf("other", ["xmpp.elsewhere.example"])
        self.next = self.leaf("next", ["xmpp.hosting.example"])

    def path(self, name):
        return os.path.join(self.top, name)

    def leaf(self, name, dns):
        key, csr, crt = (self.path(name + e) for e in (".key", ".csr", ".pem"))
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % ",".join("DNS:" + d for d in dns))
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", csr, "-subj", "/CN=" + dns[0])
        openssl("x509", "-req", "-in", csr, "-CA", self.root, "-CAkey",
                self.path("root.key"), "-CAcreateserial", "-days", "30",
                "-extfile", ext, "-out", crt)
        os.chmod(key, 0o644)  # nginx's workers read it as nobody
        return {"key": key, "cert": crt}

    @staticmethod
    def fingerprint(cert, hash_name="sha256"):
        """base64 of the hash of the whole DER certificate (RFC 7711)."""
        with open(cert) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        return base64.b64encode(hashlib.new(hash_name, der).digest()).decode()


class Nginx(servers.NginxServer):
    """nginx from Debian: the hosted domains on WEB:443, each its folder
    (root www/$host), with server blocks of their own where a domain
    redirects; the provider on HOSTING:443."""

    def __init__(self, top, pki, www, hosting, redirects, web_ip, hosting_ip):
        super().__init__(folder=os.path.join(top, "nginx"))
        tls = "ssl_certificate %s; ssl_certificate_key %s;" % (
            pki.web["cert"], pki.web["key"])
        blocks = ["""
    types { application/json json; }
    default_type application/octet-stream;
    server {
        listen %s:%d ssl default_server;
        %s
        root %s/$host;
    }""" % (web_ip, PORT, tls, www)]
        for host, (path, to) in redirects.items():
            blocks.append("""
    server {
        listen %s:%d ssl;
        server_name %s;
        %s
        location = %s { return 302 %s; }
    }""" % (web_ip, PORT, host, tls, path, to))
        blocks.append("""
    server {
        listen %s:%d ssl;
        ssl_certificate %s; ssl_certificate_key %s;
        root %s;
    }""" % (hosting_ip, PORT, pki.hosting["cert"], pki.hosting["key"], hosting))
        for ip in (web_ip, hosting_ip):
            try:
                socket.create_connection((ip, PORT), timeout=0.5).close()
            except OSError:
                continue
            raise RuntimeError("something listens on %s:%d already" % (ip, PORT))
        self.run("".join(blocks), [(web_ip, PORT), (hosting_ip, PORT)])


class HostileServer:
    """A server of this process on ip:PORT, until stopped (every socket
    closed): "silent" accepts and never answers; with a context, TLS
    first, then "silent" never answers the request and "endless" answers
    200 without a length, and a body without end."""

    def __init__(self, ip, mode, context=None):
        self.mode = mode
        self.context = context
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, PORT))
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
            except socket.timeout:
                continue
            except OSError:
                return
            self.held.append(conn)
            if self.context is not None:
                threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def talk(self, conn):
        try:
            conn.settimeout(5)
            tls = self.context.wrap_socket(conn, server_side=True)
            self.held.append(tls)
            tls.recv(4096)
            if self.mode == "endless":
                tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
                chunk = b'{"fingerprints": [' + b" " * 8192
                while not self.done.is_set():
                    tls.sendall(chunk)
        except (OSError, ssl.SSLError):
            pass

    def stop(self):
        self.done.set()
        self.thread.join(timeout=5)
        for c in self.held:
            try:
                c.close()
            except OSError:
                pass
        self.sock.close()


class Base(unittest.TestCase):
    NET = None

    @classmethod
    def ip(cls, which):
        return "127.0.174.%d" % (cls.NET + which)

    @classmethod
    def setUpClass(cls):
        cls.top = tempfile.mkdtemp(prefix="xmppcv-posh-")
        os.chmod(cls.top, 0o755)  # nginx's workers run as nobody
        os.makedirs(os.path.join(cls.top, "pki"))
        os.chmod(os.path.join(cls.top, "pki"), 0o755)
        cls.pki = Pki(os.path.join(cls.top, "pki"))
        cls.www = os.path.join(cls.top, "www")
        cls.hosting = os.path.join(cls.top, "hosting")
        cls.pins = ["%s:%d:%s" % (d, PORT, cls.ip(WEB)) for d in DOMAINS] + [
            "hosting.example:%d:%s" % (PORT, cls.ip(HOSTING))]
        # These domains' addresses are the hostile servers'.
        for d, ip in (("silent.example", SILENT), ("tlssilent.example", TLS_SILENT),
                      ("endless.example", ENDLESS), ("closed.example", CLOSED),
                      ("wrongcert.example", HOSTING)):
            cls.pins[DOMAINS.index(d)] = "%s:%d:%s" % (d, PORT, cls.ip(ip))
        fp = cls.pki.fingerprint
        provider = cls.pki.provider["cert"]
        mine = {"sha-256": fp(provider)}
        cls.publish("match.example", "xmpp-client.json",
                    {"fingerprints": [{"sha-256": fp(cls.pki.other["cert"])}, mine],
                     "expires": 86400})
        cls.publish("match.example", "xmpp-server.json",
                    {"fingerprints": [{"sha-256": fp(cls.pki.other["cert"])}],
                     "expires": 86400})
        cls.publish("wrong.example", "xmpp-client.json",
                    {"fingerprints": [{"sha-256": fp(cls.pki.other["cert"]),
                                       "sha-512": fp(cls.pki.other["cert"], "sha512")}],
                     "expires": 86400})
        cls.publish("sha512.example", "xmpp-server.json",
                    {"fingerprints": [{"sha-512": fp(provider, "sha512")}],
                     "expires": 86400})
        cls.publish("otherhash.example", "xmpp-client.json",
                    {"fingerprints": [{"sha-1": fp(provider, "sha1")}], "expires": 86400})
        cls.publish("badvalue.example", "xmpp-client.json",
                    {"fingerprints": [{"sha-256": "not base64!"},
                                      {"sha-256": fp(provider, "sha512")}],
                     "expires": 86400})
        os.makedirs(os.path.join(cls.www, "none.example"))
        # RFC 7711 §3.2: a reference to the provider's file.
        cls.host_file("corp.json", {"fingerprints": [mine], "expires": 600})
        cls.host_file("loop.json", {"url": "https://refloop.example" + WELL_KNOWN +
                                    "xmpp-client.json", "expires": 600})
        cls.publish("ref.example", "xmpp-client.json",
                    {"url": "https://hosting.example/corp.json", "expires": 3600})
        cls.publish("refloop.example", "xmpp-client.json",
                    {"url": "https://hosting.example/loop.json", "expires": 3600})
        cls.publish("refhttp.example", "xmpp-client.json",
                    {"url": "http://hosting.example/corp.json", "expires": 3600})
        cls.publish("ref404.example", "xmpp-client.json",
                    {"url": "https://hosting.example/gone.json", "expires": 3600})
        cls.publish("nocache.example", "xmpp-client.json",
                    {"fingerprints": [mine], "expires": 0})
        cls.publish("array.example", "xmpp-client.json", [mine])
        cls.publish("both.example", "xmpp-client.json",
                    {"fingerprints": [mine], "url": "https://hosting.example/corp.json"})
        # 100 KiB: past the 64 KiB bound, and valid JSON.
        cls.publish("big.example", "xmpp-client.json",
                    {"fingerprints": [mine] * 1800, "expires": 86400})
        path = os.path.join(cls.www, "notjson.example", WELL_KNOWN[1:])
        os.makedirs(path)
        with open(os.path.join(path, "xmpp-client.json"), "w") as f:
            f.write("<html><body>It works!</body></html>\n")
        redirects = {
            "redirect.example": (WELL_KNOWN + "xmpp-client.json",
                                 "https://hosting.example/corp.json"),
            "redirloop.example": (WELL_KNOWN + "xmpp-client.json",
                                  "https://redirloop.example" + WELL_KNOWN +
                                  "xmpp-client.json"),
        }
        for root, dirs, files in os.walk(cls.top):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        cls.servers = []
        try:
            cls.servers.append(Nginx(cls.top, cls.pki, cls.www, cls.hosting,
                                     redirects, cls.ip(WEB), cls.ip(HOSTING)))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in reversed(cls.servers):
            s.stop()
        shutil.rmtree(cls.top, ignore_errors=True)

    @classmethod
    def write(cls, folder, name, doc):
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o755)
        with open(os.path.join(folder, name), "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        os.chmod(os.path.join(folder, name), 0o644)

    @classmethod
    def publish(cls, domain, name, doc):
        cls.write(os.path.join(cls.www, domain, WELL_KNOWN[1:]), name, doc)

    @classmethod
    def host_file(cls, name, doc):
        cls.write(cls.hosting, name, doc)

    def check(self, domain, *options, cert=None, timeout_ms=5000):
        """The driver's JSON result, and the seconds it took."""
        argv = [POSHCHECK, "--timeout", str(timeout_ms)]
        for pin in self.pins:
            argv += ["--resolve", pin]
        argv += [str(o) for o in options]
        argv += [domain, cert or self.pki.provider["cert"], self.pki.root]
        t0 = time.monotonic()
        p = run(argv)
        took = time.monotonic() - t0
        if p.returncode != 0:
            raise AssertionError("poshcheck %s: exit %d\n%s%s" % (
                " ".join(argv), p.returncode, p.stdout, p.stderr))
        return json.loads(p.stdout), took

    def expect(self, r, state, *words):
        self.assertEqual(r["state"], state, r)
        for w in words:
            self.assertIn(w, r["why"], r)

    def url(self, domain, service="xmpp-client"):
        return "https://%s%s%s.json" % (domain, WELL_KNOWN, service)


class Fetch(Base):
    """The hosted domain's own file: the provider's certificate listed,
    not listed, no file, the service's file, the hashes read."""
    NET = 10

    def test_matching_fingerprint(self):
        now = int(time.time())
        r, _ = self.check("match.example", "--at", now)
        self.expect(r, "matched", self.url("match.example"),
                    self.pki.fingerprint(self.pki.provider["cert"]))
        self.assertEqual(r["url"], self.url("match.example"))
        self.assertEqual(r["expires_at"], now + 86400)
        self.assertFalse(r["cached"])

    def test_wrong_fingerprint(self):
        r, _ = self.check("wrong.example")
        self.expect(r, "mismatch", "lists 2 fingerprints, none of them the "
                    "certificate's (sha-256 %s)" % self.pki.fingerprint(
                        self.pki.provider["cert"]))
        self.assertEqual(r["url"], self.url("wrong.example"))

    def test_another_certificate_presented(self):
        # The file lists the provider's certificate; a server presenting
        # another one (a man in the middle's) is not matched.
        r, _ = self.check("match.example", cert=self.pki.next["cert"])
        self.expect(r, "mismatch", "lists 2 fingerprints")

    def test_no_file(self):
        r, _ = self.check("none.example")
        self.expect(r, "absent", self.url("none.example"), "HTTP 404")
        self.assertIsNone(r["url"])

    def test_service_chooses_the_file(self):
        # xmpp-server.json of match.example lists only another certificate.
        r, _ = self.check("match.example", "--service", "s2s")
        self.expect(r, "mismatch", self.url("match.example", "xmpp-server"))
        r, _ = self.check("sha512.example", "--service", "s2s")
        self.expect(r, "matched", self.url("sha512.example", "xmpp-server"))
        r, _ = self.check("sha512.example")
        self.expect(r, "absent", "HTTP 404")

    def test_only_a_hash_not_compared(self):
        r, _ = self.check("otherhash.example")
        self.expect(r, "error", "no sha-256 or sha-512 fingerprint")
        self.assertTrue(any('"sha-1" is not a hash xmppcv compares' in n
                            for n in r["notes"]), r["notes"])

    def test_values_that_are_not_a_hash(self):
        # "not base64!", and a SHA-512 value under "sha-256".
        r, _ = self.check("badvalue.example")
        self.expect(r, "error", "no sha-256 or sha-512 fingerprint")
        bad = [n for n in r["notes"] if "is not the base64 of a sha-256 hash" in n]
        self.assertEqual(len(bad), 2, r["notes"])

    def test_malformed_documents(self):
        r, _ = self.check("array.example")
        self.expect(r, "error", "is not a JSON object")
        r, _ = self.check("both.example")
        self.expect(r, "error", 'has both "fingerprints" and "url"')


class Reference(Base):
    """RFC 7711 §3.2: one "url" reference, to https:// alone; HTTP
    redirects, each verified for its own host."""
    NET = 20

    def test_reference(self):
        now = int(time.time())
        r, _ = self.check("ref.example", "--at", now)
        self.expect(r, "matched", "https://hosting.example/corp.json")
        self.assertEqual(r["url"], "https://hosting.example/corp.json")
        # The earlier of the reference's (3600) and the file's (600).
        self.assertEqual(r["expires_at"], now + 600)
        self.assertIn("%s: refers to https://hosting.example/corp.json" %
                      self.url("ref.example"), r["notes"])

    def test_reference_loop(self):
        r, _ = self.check("refloop.example")
        self.expect(r, "error", "https://hosting.example/loop.json refers again, to "
                    + self.url("refloop.example"), "RFC 7711 §3.2")

    def test_reference_to_http_refused(self):
        r, _ = self.check("refhttp.example")
        self.expect(r, "error", "refers to http://hosting.example/corp.json, which "
                    "is not an https:// URL")
        self.assertFalse(any("hosting.example/corp.json: fetched" in n
                             for n in r["notes"]), r["notes"])

    def test_reference_to_nothing(self):
        # A 404 behind a reference is no absence: the domain said where.
        r, _ = self.check("ref404.example")
        self.expect(r, "error", "refers to https://hosting.example/gone.json",
                    "404")

    def test_http_redirect(self):
        r, _ = self.check("redirect.example")
        self.expect(r, "matched")
        self.assertEqual(r["url"], "https://hosting.example/corp.json")

    def test_redirect_loop(self):
        r, took = self.check("redirloop.example")
        self.expect(r, "error", "more than 3 redirects")
        self.assertLess(took, 5, r)


class Cache(Base):
    """expires (RFC 7711 §3.1): the file is kept for as long, and never
    used after."""
    NET = 30

    def test_expired_cache(self):
        cache = tempfile.mkdtemp(dir=self.top)
        t = int(time.time())
        mine = {"sha-256": self.pki.fingerprint(self.pki.provider["cert"])}
        self.publish("cache.example", "xmpp-client.json",
                     {"fingerprints": [mine], "expires": 60})
        r, _ = self.check("cache.example", "--cache", cache, "--at", t)
        self.expect(r, "matched")
        self.assertFalse(r["cached"])
        self.assertEqual(r["expires_at"], t + 60)
        # The domain moves to another certificate; the cached file still
        # holds for its 60 seconds, and not one more.
        other = {"sha-256": self.pki.fingerprint(self.pki.other["cert"])}
        self.publish("cache.example", "xmpp-client.json",
                     {"fingerprints": [other], "expires": 60})
        r, _ = self.check("cache.example", "--cache", cache, "--at", t + 59)
        self.expect(r, "matched")
        self.assertTrue(r["cached"], r)
        self.assertEqual(r["expires_at"], t + 60)
        r, _ = self.check("cache.example", "--cache", cache, "--at", t + 60)
        self.expect(r, "mismatch")
        self.assertFalse(r["cached"], r)
        self.assertTrue(any("the cached copy expired" in n for n in r["notes"]),
                        r["notes"])
        # ... and the new file is what is cached now.
        r, _ = self.check("cache.example", "--cache", cache, "--at", t + 61)
        self.expect(r, "mismatch")
        self.assertTrue(r["cached"], r)
        # Only whole files: none of the temporary ones (".HEX.json.XXXXXX").
        self.assertEqual(os.listdir(cache), [f for f in os.listdir(cache)
                                             if f.endswith(".json") and f[0] != "."])

    def test_expires_zero_is_not_cached(self):
        cache = tempfile.mkdtemp(dir=self.top)
        r, _ = self.check("nocache.example", "--cache", cache)
        self.expect(r, "matched")
        self.assertIsNone(r["expires_at"])
        self.assertTrue(any('"expires" is 0' in n for n in r["notes"]), r["notes"])
        self.assertEqual(os.listdir(cache), [])
        r, _ = self.check("nocache.example", "--cache", cache)
        self.assertFalse(r["cached"], r)

    def test_reference_cached_for_the_earlier_expires(self):
        cache = tempfile.mkdtemp(dir=self.top)
        t = int(time.time())
        r, _ = self.check("ref.example", "--cache", cache, "--at", t)
        self.expect(r, "matched")
        r, _ = self.check("ref.example", "--cache", cache, "--at", t + 599)
        self.assertTrue(r["cached"], r)
        self.assertEqual(r["url"], "https://hosting.example/corp.json")
        r, _ = self.check("ref.example", "--cache", cache, "--at", t + 600)
        self.assertFalse(r["cached"], r)

    def test_damaged_cache_is_passed_over(self):
        cache = tempfile.mkdtemp(dir=self.top)
        r, _ = self.check("match.example", "--cache", cache)
        (name,) = os.listdir(cache)
        with open(os.path.join(cache, name), "w") as f:
            f.write('{"format": 1, "fingerprints": "no"}')
        r, _ = self.check("match.example", "--cache", cache)
        self.expect(r, "matched")
        self.assertFalse(r["cached"], r)
        self.assertTrue(any("not one xmppcv wrote" in n for n in r["notes"]), r["notes"])


class Hostile(Base):
    """Servers that must not hold a check up or feed it too much: each
    ends in error within the time given, and says why."""
    NET = 40

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hold = None
        try:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cls.pki.web["cert"], cls.pki.web["key"])
            cls.servers.append(HostileServer(cls.ip(SILENT), "silent"))
            cls.servers.append(HostileServer(cls.ip(TLS_SILENT), "silent", ctx))
            cls.servers.append(HostileServer(cls.ip(ENDLESS), "endless", ctx))
            cls.hold, _ = servers.closed_port(cls.ip(CLOSED), PORT)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.hold is not None:
            cls.hold.close()
        super().tearDownClass()

    def hostile(self, domain, *words, limit=5.0, timeout_ms=3000):
        r, took = self.check(domain, timeout_ms=timeout_ms)
        self.expect(r, "error", *words)
        self.assertLess(took, limit, r)
        return r, took

    def test_never_answers(self):
        r, took = self.hostile("silent.example", "no TLS handshake with "
                               "silent.example within 1500 ms", limit=4.0,
                               timeout_ms=1500)
        self.assertGreaterEqual(took, 1.4, r)

    def test_never_answers_after_tls(self):
        r, took = self.hostile("tlssilent.example", "no complete answer within "
                               "1500 ms", limit=4.0, timeout_ms=1500)
        self.assertGreaterEqual(took, 1.4, r)

    def test_answer_without_end(self):
        self.hostile("endless.example", "larger than the limit of 65536 bytes")

    def test_oversized(self):
        self.hostile("big.example", "larger than the limit of 65536 bytes")

    def test_not_json(self):
        self.hostile("notjson.example", self.url("notjson.example"), "is not JSON")

    def test_refused(self):
        self.hostile("closed.example", "cannot connect to closed.example port 443")

    def test_server_certificate_not_for_the_domain(self):
        # The provider's web server answers for wrongcert.example: its
        # certificate names hosting.example alone.
        self.hostile("wrongcert.example", "the certificate of wrongcert.example "
                     "does not verify: hostname mismatch")

    def test_server_certificate_not_trusted(self):
        r, _ = run_untrusted(self)
        self.expect(r, "error", "does not verify: unable to get local issuer")

    def test_server_certificate_expired(self):
        # At a time after the web server's certificate (30 days).
        r, _ = self.check("match.example", "--at", int(time.time()) + 40 * 86400)
        self.expect(r, "error", "does not verify: certificate has expired")


def run_untrusted(test):
    """match.example with anchors that do not hold the web server's root."""
    argv = [POSHCHECK]
    for pin in test.pins:
        argv += ["--resolve", pin]
    argv += ["match.example", test.pki.provider["cert"],
             servers.cert("other-root-ca.crt")]
    p = run(argv)
    test.assertEqual(p.returncode, 0, p.stderr)
    return json.loads(p.stdout), None


class Publish(Base):
    """What `xmppcv posh` prints, served by nginx, matches the certificate;
    its errors have the documented status."""
    NET = 50

    def posh(self, *args):
        return run([XMPPCV, "posh"] + [str(a) for a in args])

    def test_round_trip(self):
        p = self.posh("--expires", 600, self.pki.provider["cert"])
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc, {"fingerprints": [{
            "sha-256": self.pki.fingerprint(self.pki.provider["cert"]),
            "sha-512": self.pki.fingerprint(self.pki.provider["cert"], "sha512")}],
            "expires": 600})
        self.publish("published.example", "xmpp-server.json", p.stdout)
        now = int(time.time())
        r, _ = self.check("published.example", "--service", "s2s", "--at", now)
        self.expect(r, "matched")
        self.assertEqual(r["expires_at"], now + 600)

    def test_two_certificates_and_the_default_expires(self):
        # Today's certificate and the next, published before it is
        # deployed; a chain file publishes its first certificate alone.
        chain = os.path.join(self.top, "chain.pem")
        with open(chain, "w") as f:
            for c in (self.pki.next["cert"], self.pki.root):
                with open(c) as g:
                    f.write(g.read())
        p = self.posh(self.pki.provider["cert"], chain)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("the first certificate of 2", p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["expires"], 86400)
        self.assertEqual(len(doc["fingerprints"]), 2)
        self.publish("published2.example", "xmpp-client.json", p.stdout)
        for cert in (self.pki.provider["cert"], self.pki.next["cert"]):
            r, _ = self.check("published2.example", cert=cert)
            self.expect(r, "matched")
        r, _ = self.check("published2.example", cert=self.pki.other["cert"])
        self.expect(r, "mismatch")

    def test_bad_input(self):
        for args, words in (
                ([], "no certificate given"),
                (["/nonexistent.pem"], "/nonexistent.pem"),
                ([self.pki.provider["key"]], "no certificate"),
                (["--expires", "-1", self.pki.provider["cert"]], "--expires wants"),
                (["--expires", "31536001", self.pki.provider["cert"]], "--expires wants"),
                (["--expires", "soon", self.pki.provider["cert"]], "--expires wants")):
            p = self.posh(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(words, p.stderr, args)
            self.assertEqual(p.stdout, "", args)


class Check(Base):
    """xmppcv check --posh: Prosody serves the hosted domains presenting
    the provider's certificate, which names none of them; the check
    fetches each domain's file from nginx and judges by it."""
    NET = 60
    XMPP = 7    # Prosody

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            prov = cls.pki.provider
            cls.servers.append(servers.ProsodyHosts(cls.ip(cls.XMPP), [
                (d, prov["cert"], prov["key"]) for d in
                ("match.example", "wrong.example", "none.example", "ref.example")]))
        except BaseException:
            cls.tearDownClass()
            raise

    def xmppcv(self, domain, *options):
        argv = [XMPPCV, "check", "--json", "--no-system-ca", "--ca-file", self.pki.root,
                "--no-store", "--timeout", "5", "--resolve",
                "%s:15222:%s" % (domain, self.ip(self.XMPP))]
        for pin in self.pins:
            argv += ["--resolve", pin]
        p = run(argv + list(options) + ["%s:15222" % domain])
        return p.returncode, json.loads(p.stdout), p.stderr

    def test_posh_verifies_the_providers_certificate(self):
        code, o, err = self.xmppcv("match.example", "--posh")
        self.assertEqual((code, o["verdict"], o["verified_by"], o["problems"]),
                         (0, "verified", "posh", []), err)
        self.assertFalse(o["identity"]["matched"])
        self.assertEqual((o["posh"]["state"], o["posh"]["url"]),
                         ("matched", self.url("match.example")))
        # The same through a reference to the provider's file.
        code, o, err = self.xmppcv("ref.example", "--posh")
        self.assertEqual((code, o["verified_by"], o["posh"]["url"]),
                         (0, "posh", "https://hosting.example/corp.json"), err)

    def test_without_posh_it_is_a_mismatch(self):
        code, o, err = self.xmppcv("match.example")
        self.assertEqual((code, o["verdict"], o["problems"]),
                         (1, "not-verified", ["mismatch"]), err)
        self.assertNotIn("posh", o)

    def test_a_wrong_or_absent_file_changes_nothing(self):
        for domain, state in (("wrong.example", "mismatch"), ("none.example", "absent")):
            code, o, err = self.xmppcv(domain, "--posh")
            self.assertEqual((code, o["verdict"], o["posh"]["state"], o["verified_by"]),
                             (1, "not-verified", state, None), (domain, err))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    POSHCHECK = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
