#!/usr/bin/env python3
"""Client profiles, proven against the real client libraries.

Usage: cli_clients.py CLASS       (XMPPCV, FIXTURES, the harness paths from
                                   the environment)
       cli_clients.py --table     print the measured table (doc/clients.md)

- Differential: a corpus of certificate shapes (tests/clients/corpus.py,
  made fresh by a private CA), served by a real Prosody, one VirtualHost
  each; every client library Debian ships decides on every shape with its
  own code (tests/clients/*_decide.*), and xmppcv's prediction for that
  profile ("name" null or not, "trusted") must equal the library's
  decision, shape by shape. The installed library versions must be the
  ones each profile says it models.
- Modelled: the profiles with no library in Debian against cases taken
  from their source or documentation, each row naming its source.
- Cli: --clients, --require-clients, the summary line, the table, JSON.
- Versions: each real library connects to a default Prosody and to one
  that accepts only old TLS versions, and each profile's minimum TLS
  version must predict whether it does.
Every server is started here and stopped by its PID; every wait is bounded.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "clients"))
import corpus  # noqa: E402
from servers import Prosody, ProsodyHosts, spawn, stop_pid  # noqa: E402

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
IP = "127.0.95.1"
PORT = 15222
DEBIAN_PYTHON = "/usr/bin/python3"

# The Debian packages whose version each profile models, and how much of
# the version its "models" text must name: "full" (Debian revision too,
# where a security update changed behaviour before), "upstream", or
# "minor" (major.minor).
MODELLED_VERSIONS = {
    "libstrophe": [("libstrophe0", "upstream"), ("libssl3", "upstream")],
    "gio": [("glib-networking", "upstream"), ("libgnutls30", "full")],
    "nss": [("libnss3", "full")],
    "python-ssl": [("python3.11", "minor"), ("libssl3", "upstream")],
    "go": [("golang-1.19-go", "upstream")],
    "prosody-s2s": [("prosody", "upstream"), ("lua-sec", "upstream"),
                    ("libssl3", "upstream")],
    "ejabberd-s2s": [("ejabberd", "upstream"), ("erlang-p1-xmpp", "upstream"),
                     ("erlang-p1-tls", "upstream"), ("libssl3", "upstream")],
    "qca": [("libqca-qt5-2", "upstream")],
}
C2S = {"libstrophe", "gio", "nss", "python-ssl", "go", "qca"}


def installed(package):
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                       capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout:
        raise AssertionError("the Debian package %s is not installed (./scripts/"
                             "install-deps test installs it)" % package)
    return p.stdout.split(":", 1)[-1]


def version_form(version, form):
    if form == "full":
        return version
    upstream = version.rsplit("-", 1)[0]
    if form == "minor":
        return ".".join(upstream.split(".")[:2])
    return upstream


def tool(name):
    path = os.environ.get(name)
    if not path or not os.path.exists(path):
        raise AssertionError("%s is not built (%r): the harness needs its "
                             "library's -dev package" % (name, path))
    return path


def parse(out):
    """DOMAIN<TAB>JSON lines into {domain: decision}."""
    got = {}
    for line in out.splitlines():
        if "\t" not in line:
            continue
        domain, rest = line.split("\t", 1)
        got[domain] = json.loads(rest)
    return got


def strophe_parse(out):
    """strophe_decide's lines: "ok" or the certfail errors."""
    got = {}
    for line in out.splitlines():
        domain, _, what = line.partition("\t")
        if what.startswith("tls-failed"):
            got[domain] = {"error": what}
            continue
        errors = [] if what == "ok" else what.split("; ")
        got[domain] = {"name": "hostname mismatch" not in errors,
                       "trusted": not [e for e in errors if e != "hostname mismatch"],
                       "detail": what}
    return got


class Corpus:
    """The corpus and one Prosody serving it, shared by the classes."""
    dir = None
    shapes = None
    prosody = None

    @classmethod
    def start(cls, serve=True, ip=IP):
        if cls.dir is None:
            cls.dir = tempfile.mkdtemp(prefix="xmppcv-corpus-")
            cls.shapes = corpus.generate(cls.dir)
            cls.ca = os.path.join(cls.dir, "root.crt")
        if cls.prosody is None and serve:
            cls.prosody = ProsodyHosts(ip, [(s["domain"], cls.path(s["chain"]),
                                             cls.path(s["key"])) for s in cls.shapes],
                                       c2s=PORT)

    @classmethod
    def stop(cls):
        if cls.prosody is not None:
            cls.prosody.stop()
            cls.prosody = None
        if cls.dir is not None:
            shutil.rmtree(cls.dir, ignore_errors=True)
            cls.dir = None

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    @classmethod
    def domains(cls):
        return [s["domain"] for s in cls.shapes]

    @classmethod
    def pairs(cls):
        return ["%s=%s" % (s["domain"], cls.path(s["chain"])) for s in cls.shapes]


def predictions(service):
    """xmppcv's profiles on every shape: {domain: {client: object}}."""
    out = {}
    for s in Corpus.shapes:
        p = subprocess.run([XMPPCV, "verify", "--json", "--clients", "all",
                            "--service", service, "--no-system-ca", "--ca-file",
                            Corpus.ca, "--domain", s["domain"],
                            Corpus.path(s["chain"])],
                           capture_output=True, text=True, timeout=60)
        if p.returncode not in (0, 1):
            raise AssertionError("xmppcv verify %s: exit %d: %s" % (s["name"], p.returncode,
                                                                     p.stderr))
        o = json.loads(p.stdout)
        out[s["domain"]] = {c["client"]: c for c in o["clients"]}
    return out


def harness_go():
    """Go's harness, built here with the standard library alone."""
    build = os.path.abspath(os.environ.get("GO_BUILD_DIR") or
                            tempfile.mkdtemp(prefix="xmppcv-go-"))
    os.makedirs(build, exist_ok=True)
    exe = os.path.join(build, "go_decide")
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOPATH=os.path.join(build, "gopath"),
               GOCACHE=os.path.join(build, "gocache"), CGO_ENABLED="0")
    p = subprocess.run(["go", "build", "-o", exe, os.path.join(HERE, "clients", "go_decide.go")],
                       capture_output=True, text=True, env=env, timeout=600)
    if p.returncode != 0:
        raise AssertionError("go build: %s" % p.stderr)
    return exe


def run_harness(client):
    """The real library's decision on every shape: {domain: decision}."""
    live = [Corpus.ca, IP, str(PORT), *Corpus.domains()]
    erl_libs = "/usr/lib/erlang/lib:/usr/lib/x86_64-linux-gnu"
    if client == "libstrophe":
        cmd, parser = [tool("STROPHE_DECIDE"), *live], strophe_parse
    elif client in ("python-ssl", "gio"):
        cmd = [DEBIAN_PYTHON, os.path.join(HERE, "clients", "py_decide.py"),
               "ssl" if client == "python-ssl" else "gio", *live]
        parser = parse
    elif client == "nss":
        cmd, parser = [tool("NSS_DECIDE"), Corpus.ca, *Corpus.pairs()], parse
    elif client == "qca":
        cmd, parser = [tool("QCA_DECIDE"), Corpus.ca, *Corpus.pairs()], parse
    elif client == "go":
        cmd, parser = [harness_go(), Corpus.ca, *Corpus.pairs()], parse
    elif client == "prosody-s2s":
        cmd = ["lua5.4", os.path.join(HERE, "clients", "prosody_decide.lua"), *live]
        parser = parse
    elif client == "ejabberd-s2s":
        cmd = ["env", "ERL_LIBS=" + erl_libs, "escript",
               os.path.join(HERE, "clients", "ejabberd_decide.erl"), *live]
        parser = parse
    else:
        raise AssertionError("no harness for %s" % client)
    # The harnesses are oracles, not xmppcv: under the sanitizers, what the
    # libraries they call keep until exit is not a finding of this test.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        stop_pid(proc)
        raise AssertionError("the %s harness did not finish in 300 s" % client)
    got = parser(out.decode("utf-8", "replace"))
    missing = [d for d in Corpus.domains() if d not in got]
    if missing or proc.returncode != 0:
        raise AssertionError("the %s harness decided on %d of %d shapes (exit %d): %s"
                             % (client, len(got), len(Corpus.shapes), proc.returncode,
                                err.decode("utf-8", "replace")[-2000:]))
    errors = {d: v["error"] for d, v in got.items() if "error" in v}
    if errors:
        raise AssertionError("the %s harness could not decide: %r" % (client, errors))
    return got


def has_xmppaddr(shape_name):
    return any(e.startswith("XMPP:") for e in
               next(s for s in corpus.SHAPES if s.name == shape_name).san)


def compare(client, real, predicted):
    """Disagreements between the library and the profile, as lines."""
    bad = []
    for s in Corpus.shapes:
        d = s["domain"]
        r, p = real[d], predicted[d].get(client)
        if p is None:
            bad.append("%s: no prediction" % s["name"])
            continue
        if r["trusted"] != p["trusted"]:
            bad.append("%s: trusted: %s says %s, the profile %s (%s | %s)" % (
                s["name"], client, r["trusted"], p["trusted"], r["detail"], p["why"]))
        # A library that stopped before the name (null) decided nothing;
        # QCA decides for dNSName and CN only (xmppAddr is iris's code).
        if r["name"] is None or (client == "qca" and has_xmppaddr(s["name"])):
            continue
        if r["name"] != (p["name"] is not None):
            bad.append("%s: name: %s says %s, the profile %s (%s | %s)" % (
                s["name"], client, r["name"], p["name"], r["detail"], p["why"]))
    return bad


class Differential(unittest.TestCase):
    """Each profile against its real library, shape by shape."""

    @classmethod
    def setUpClass(cls):
        Corpus.start()
        cls.c2s = predictions("c2s")
        cls.s2s = predictions("s2s")

    @classmethod
    def tearDownClass(cls):
        Corpus.stop()

    def test_the_corpus_covers_the_splits(self):
        self.assertGreaterEqual(len(Corpus.shapes), 40)

    def test_installed_versions_are_the_modelled_ones(self):
        models = {}
        p = subprocess.run([XMPPCV, "clients", "--json"], capture_output=True, text=True)
        for line in p.stdout.splitlines():
            o = json.loads(line)
            models[o["client"]] = o["models"]
        drift = []
        for client, packages in MODELLED_VERSIONS.items():
            for package, form in packages:
                v = version_form(installed(package), form)
                if v not in models[client]:
                    drift.append("%s: %s is %s here; the profile models '%s'" % (
                        client, package, v, models[client]))
        self.assertEqual(drift, [], "a library changed: run the differential test, "
                         "mend the profile where it disagrees, and name the version it "
                         "now models (src/clients/, doc/clients.md)")

    def check(self, client):
        real = run_harness(client)
        predicted = self.c2s if client in C2S else self.s2s
        bad = compare(client, real, predicted)
        self.assertEqual(bad, [], "\n".join(bad))
        Differential.measured[client] = real

    measured = {}

    def test_libstrophe(self):
        self.check("libstrophe")

    def test_gio(self):
        self.check("gio")

    def test_nss(self):
        self.check("nss")

    def test_python_ssl(self):
        self.check("python-ssl")

    def test_go(self):
        self.check("go")

    def test_qca(self):
        self.check("qca")

    def test_prosody_s2s(self):
        self.check("prosody-s2s")

    def test_ejabberd_s2s(self):
        self.check("ejabberd-s2s")


    def test_zz_doc_clients_md_holds_this_table(self):
        # After every library above (tests run in name order).
        if len(Differential.measured) != len(MODELLED_VERSIONS):
            self.skipTest("a library failed above")
        doc = read_doc()
        begin, end = "<!-- measured: begin -->\n", "\n<!-- measured: end -->"
        have = doc[doc.index(begin) + len(begin):doc.index(end)]
        self.assertEqual(have, table(Differential.measured), "doc/clients.md is not what "
                         "the libraries decide now: run tests/cli_clients.py --table and "
                         "put its table there")


# Cases for the profiles whose client Debian does not ship, each taken from
# the client's source or documentation, named in the row: (profile, shape,
# a name satisfies it, its chain decision or None for xmppcv's own, source).
MODELLED = [
    # Conversations, src/main/java/eu/siacs/conversations/crypto/
    # XmppDomainVerifier.java
    ("conversations", "xmppaddr-cn-node", True, True, "parseValidDomains(): xmppAddr, exact"),
    ("conversations", "srv-client-cn-node", True, True, "SRVName _xmpp-client.D, exact"),
    ("conversations", "srv-server-cn-node", False, True, "only _xmpp-client. is read"),
    ("conversations", "dns-other-cn-domain", False, True, "CN only without X, S or D"),
    ("conversations", "uri-cn-domain", True, True, "a URI SAN leaves the CN in use"),
    ("conversations", "cn-only-domain", True, True, "getCommonNames(), no SAN"),
    ("conversations", "wild-two-labels", True, True, "matchDomain(): any depth (d4b98c9af)"),
    ("conversations", "wild-bare", False, True, "matchDomain(): never the domain itself"),
    ("conversations", "wild-partial-prefix", False, True, "partial wildcards are literal"),
    ("conversations", "wild-tld", True, True, "no minimum label count"),
    ("conversations", "idn-dns-alabel", True, True, "IDN.toASCII(domain) (b76b60df5)"),
    ("conversations", "idn-xmppaddr-ulabel", False, True, "xmppAddr is not converted"),
    ("conversations", "eku-client-dns", True, False, "Android's TrustManager: serverAuth"),
    # Smack, smack-java11/.../java7/XmppHostnameVerifier.java
    ("smack", "xmppaddr-cn-node", False, True, "matchDns(): dNSName only"),
    ("smack", "srv-client-cn-node", False, True, "SRVName is not read"),
    ("smack", "xmppaddr-cn-domain", True, True, "the CN when there is no dNSName"),
    ("smack", "cn-two-domain-first", True, True, "LdapName.getRdns(): the first CN"),
    ("smack", "cn-two-domain-last", False, True, "only the first CN is tried"),
    ("smack", "wild-partial-prefix", True, True, "matchWildCards(): a glob per label"),
    ("smack", "wild-partial-suffix", True, True, "matchWildCards(): a glob per label"),
    ("smack", "wild-inner", True, True, "'*' in any label"),
    ("smack", "wild-two-labels", False, True, "matchesPerRfc2818(): equal label counts"),
    ("smack", "wild-tld", True, True, "no minimum label count"),
    # Apple, Security SecPolicyLeafCallbacks.c SecPolicyCheckCertSSLHostname();
    # SecurityTests/ssl-policy-certs/TestDescriptions.txt (numbers)
    ("apple", "cn-only-domain", False, True, "test 3: no SAN, CN not used"),
    ("apple", "dns-other-cn-domain", False, True, "test 2: CN beside a SAN"),
    ("apple", "wild-one-label", True, True, "test 7"),
    ("apple", "wild-bare", False, True, "test 8"),
    ("apple", "wild-two-labels", False, True, "test 9"),
    ("apple", "wild-tld", False, True, "test 10"),
    ("apple", "wild-partial-prefix", False, True, "tests 27, 28"),
    ("apple", "wild-partial-suffix", False, True, "tests 25, 26"),
    ("apple", "wild-inner", False, True, "tests 5, 6"),
    ("apple", "dns-trailing-dot", False, True, "test 23"),
    ("apple", "eku-client-dns", True, False, "test 16: EKU without serverAuth"),
    ("apple", "eku-none-dns", True, True, "test 17: no EKU"),
    ("apple", "sha1-signature", True, False, "HT210176: SHA-2 signatures"),
    ("apple", "rsa-1024", True, False, "HT210176: RSA of 2048 bits or more"),
    # Openfire, SASLAuthentication.verifyCertificate(),
    # SANCertificateIdentityMapping.mapIdentity(), OF-3122
    ("openfire-s2s", "xmppaddr-cn-node", True, True, "mapIdentity(): xmppAddr"),
    ("openfire-s2s", "srv-client-cn-node", True, True, "_xmpp-client. stripped too"),
    ("openfire-s2s", "srv-server-cn-node", True, True, "_xmpp-server. stripped"),
    ("openfire-s2s", "cn-only-domain", False, True, "OF-3122: no CN mapping"),
    ("openfire-s2s", "wild-bare", True, True, "verifyCertificate(): equals the rest"),
    ("openfire-s2s", "wild-two-labels", True, True, "verifyCertificate(): endsWith"),
    ("openfire-s2s", "wild-partial-prefix", False, True, "only a leading '*.'"),
    ("openfire-s2s", "dns-upper-case", False, True, "String.equals: case-sensitive"),
    ("openfire-s2s", "idn-dns-alabel", False, True, "no IDN conversion"),
    # Cisco's guide (cisco-jabber), "Set Up Certificate Verification":
    # "Identifier Fields", "Prevent Identity Mismatch", "Import Root
    # Certificates on Client Computers"
    ("cisco-jabber", "xmppaddr-cn-node", True, True, "xmppAddr is an identifier field"),
    ("cisco-jabber", "srv-client-cn-node", True, True, "srvName is an identifier field"),
    ("cisco-jabber", "cn-only-domain", True, True, "Subject CN is an identifier field"),
    ("cisco-jabber", "wild-cn-only", True, True, "a leftmost '*' in the CN"),
    ("cisco-jabber", "dns-node-only", False, True, "the XMPP domain, not the FQDN"),
]

# The verdicts Cisco's client gives: both failures prompt.
SEED_VERDICTS = [
    ("dns-node-only", "prompts", "mismatch"),
    ("self-signed", "prompts", "untrusted"),
    ("dns-other-cn-domain", "prompts", "cn-uncertain"),
    ("dns-domain", "connects", None),
]


class Modelled(unittest.TestCase):
    """Profiles without a Debian library, against their sources' cases."""

    @classmethod
    def setUpClass(cls):
        Corpus.start(serve=False)
        cls.c2s = predictions("c2s")
        cls.s2s = predictions("s2s")

    @classmethod
    def tearDownClass(cls):
        Corpus.stop()

    def test_cases_from_the_sources(self):
        bad = []
        for client, shape, name, trusted, source in MODELLED:
            d = next(s["domain"] for s in Corpus.shapes if s["name"] == shape)
            p = (self.s2s if client.endswith("-s2s") else self.c2s)[d][client]
            if (p["name"] is not None) != name or p["trusted"] != trusted:
                bad.append("%s %s: name %s trusted %s, the source says %s %s (%s)" % (
                    client, shape, p["name"], p["trusted"], name, trusted, source))
        self.assertEqual(bad, [], "\n".join(bad))

    def test_the_seeds_client_prompts(self):
        for shape, verdict, reason in SEED_VERDICTS:
            with self.subTest(shape):
                d = next(s["domain"] for s in Corpus.shapes if s["name"] == shape)
                p = self.c2s[d]["cisco-jabber"]
                self.assertEqual((p["verdict"], p["reason"]), (verdict, reason), p["why"])
        d = next(s["domain"] for s in Corpus.shapes if s["name"] == "dns-other-cn-domain")
        self.assertIn("uncertain", self.c2s[d]["cisco-jabber"]["why"])


def xmppcv(*args, timeout=60):
    p = subprocess.run([XMPPCV, *args], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        raise AssertionError("sanitizer report:\n" + p.stderr)
    return p.returncode, p.stdout, p.stderr


class Cli(unittest.TestCase):
    """--clients, --require-clients and xmppcv clients, as users meet them."""

    IP = "127.0.96.1"

    @classmethod
    def setUpClass(cls):
        Corpus.start(ip=cls.IP)

    @classmethod
    def tearDownClass(cls):
        Corpus.stop()

    def verify(self, shape, *extra):
        s = next(s for s in Corpus.shapes if s["name"] == shape)
        return xmppcv("verify", "--no-system-ca", "--ca-file", Corpus.ca, "--domain",
                      s["domain"], *extra, Corpus.path(s["chain"]))

    def test_the_summary_line_without_clients(self):
        code, out, _ = self.verify("xmppaddr-cn-node")
        self.assertEqual(code, 0)
        last = out.splitlines()[-1]
        self.assertRegex(last, r"^clients: 7 of 10 client profiles would not connect "
                         r"silently: they ignore xmppAddr \(libstrophe, gio, nss, "
                         r"python-ssl, smack, go, apple\)")
        self.assertIn("add a dNSName subjectAltName xmppaddr-cn-node.test", out)
        self.assertNotIn("what each client stack would do", out)
        # Every profile connects: no line.
        code, out, _ = self.verify("dns-domain")
        self.assertEqual(code, 0)
        self.assertNotIn("clients:", out)

    def test_the_table_and_json_for_the_profiles_named(self):
        code, out, _ = self.verify("xmppaddr-cn-node", "--clients", "gio,cisco-jabber")
        rows = [l.split()[0] for l in out.split("what each client stack would do:\n")[1]
                .split("presented identities:")[0].splitlines()]
        self.assertEqual(rows, ["cisco-jabber", "gio"])   # the library's order
        code, out, _ = self.verify("xmppaddr-cn-node", "--json", "--clients",
                                   "gio,cisco-jabber")
        clients = json.loads(out)["clients"]
        self.assertEqual([(c["client"], c["verdict"], c["name"], c["trusted"])
                          for c in clients],
                         [("cisco-jabber", "connects", "xmppAddr xmppaddr-cn-node.test", True),
                          ("gio", "fails", None, True)])
        self.assertEqual(clients[1]["stands_for"], ["Gajim", "Dino"])
        self.assertEqual(clients[1]["reason"], "ignores-xmppaddr")
        self.assertIn("ignores xmppAddr", clients[1]["why"])

    def test_json_has_every_profile_of_the_service_by_default(self):
        for service, n in (("c2s", 10), ("s2s", 3), ("https", 1)):
            with self.subTest(service):
                code, out, _ = self.verify("dns-domain", "--json", "--service", service)
                self.assertEqual(len(json.loads(out)["clients"]), n)
        code, out, _ = self.verify("dns-domain", "--json", "--clients", "none")
        self.assertEqual(json.loads(out)["clients"], [])
        code, out, _ = self.verify("xmppaddr-cn-node", "--clients", "none")
        self.assertNotIn("clients", out)

    def test_require_clients_makes_a_client_the_bar(self):
        code, out, err = self.verify("xmppaddr-cn-node", "--require-clients", "gio")
        self.assertEqual(code, 1, err)
        first = out.splitlines()[0]
        self.assertIn("NOT VERIFIED", first)
        self.assertIn("gio would fail (a required client)", first)
        code, out, _ = self.verify("xmppaddr-cn-node", "--json", "--require-clients",
                                   "gio,libstrophe")
        o = json.loads(out)
        self.assertEqual((o["verdict"], o["ok"], o["problems"]),
                         ("not-verified", False, ["clients"]))
        self.assertEqual([c["client"] for c in o["clients"] if c["required"]],
                         ["libstrophe", "gio"])
        # A client that takes xmppAddr is met.
        code, out, _ = self.verify("xmppaddr-cn-node", "--require-clients",
                                   "conversations,qca")
        self.assertEqual(code, 0, out)
        code, _, _ = self.verify("dns-domain", "--require-clients", "all")
        self.assertEqual(code, 0)

    def test_usage_errors(self):
        code, _, err = self.verify("dns-domain", "--clients", "gio,pigeon")
        self.assertEqual(code, 2)
        self.assertIn("--clients: no client profile 'pigeon'", err)
        code, _, err = self.verify("dns-domain", "--require-clients", "prosody-s2s")
        self.assertEqual(code, 2)
        self.assertIn("client profile 'prosody-s2s' judges s2s, not c2s", err)
        code, _, _ = self.verify("dns-domain", "--service", "s2s", "--require-clients",
                                 "prosody-s2s")
        self.assertEqual(code, 0)

    def test_the_clients_command(self):
        code, out, _ = xmppcv("clients", "--json")
        self.assertEqual(code, 0)
        profiles = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([p["client"] for p in profiles][:3],
                         ["cisco-jabber", "libstrophe", "gio"])
        self.assertEqual(len(profiles), 13)
        for p in profiles:
            self.assertTrue(p["models"] and p["rules"] and p["stands_for"] and p["services"]
                            and p["trust_store"])
        code, out, _ = xmppcv("clients", "gio")
        self.assertEqual(code, 0)
        self.assertIn("stands for  Gajim, Dino", out)
        self.assertIn("GnuTLS 3.7.9", out)
        code, _, err = xmppcv("clients", "pigeon")
        self.assertEqual(code, 2)
        self.assertIn("no client profile 'pigeon'", err)
        code, out, _ = xmppcv("clients", "--json", "gio,nss", "go")
        self.assertEqual([json.loads(l)["client"] for l in out.splitlines()],
                         ["gio", "nss", "go"])
        # What is echoed is escaped and cut, never raw bytes.
        code, _, err = xmppcv("verify", "--domain", "x", "--clients", "gio\x1b[31m" + "x" * 5000,
                              "x")
        self.assertEqual(code, 2)
        self.assertIn("'gio\\x1b[31mxxx", err)
        self.assertNotIn("\x1b", err)
        self.assertLess(len(err), 300)

    def test_a_hostile_wildcard_is_judged_at_once(self):
        # Sixty stars against a label of fifty letters: a glob that
        # backtracks at every star would take longer than the universe.
        d = "a" * 50 + ".hostile.test"
        shape = corpus.Shape("hostile", d, "", san=["DNS:" + "*" * 60 + "x.hostile.test"],
                             cn=("node1.hostile.test",))
        crt = corpus.sign(Corpus.dir, "hostile", corpus.subject(shape),
                          Corpus.path("leaf-ec.key"), "inter", corpus.leaf_ext(shape),
                          shape.days)
        code, out, err = xmppcv("verify", "--json", "--no-system-ca", "--ca-file", Corpus.ca,
                                "--clients", "smack,qca,cisco-jabber", "--domain", d, crt,
                                timeout=30)
        self.assertEqual(code, 1, err)
        self.assertEqual([c["name"] for c in json.loads(out)["clients"]], [None] * 3)

    def shape_target(self, shape):
        d = next(s["domain"] for s in Corpus.shapes if s["name"] == shape)
        return d, ["--no-system-ca", "--ca-file", Corpus.ca, "--no-store", "--resolve",
                   "%s:%d:%s" % (d, PORT, self.IP)]

    def test_check_with_clients(self):
        d, trust = self.shape_target("xmppaddr-cn-node")
        code, out, err = xmppcv("check", "--json", *trust, "--clients",
                                "cisco-jabber,gio,libstrophe", "%s:%d" % (d, PORT))
        self.assertEqual(code, 0, err)
        o = json.loads(out)
        self.assertEqual({c["client"]: c["verdict"] for c in o["clients"]},
                         {"cisco-jabber": "connects", "gio": "fails",
                          "libstrophe": "prompts"})

    def test_scan_rows_finding_and_monitoring(self):
        d, trust = self.shape_target("xmppaddr-cn-node")
        args = ["--domain", d, "--services", "c2s", "--port", "c2s=%d" % PORT, *trust, d]
        code, out, err = xmppcv("scan", "--clients", "all", *args)
        self.assertEqual(code, 0, out + err)
        self.assertIn("clients (nodes each client stack connects to silently):", out)
        self.assertRegex(out, r"(?m)^  gio +0 of 1 node; not %s$" % re.escape(d))
        self.assertRegex(out, r"(?m)^  cisco-jabber +1 of 1 node$")
        self.assertRegex(out, r"WARNING +client-incompatible: libstrophe, gio, nss, "
                         r"python-ssl, smack, go and apple would not connect silently to %s "
                         r"\(c2s\): they ignore xmppAddr" % re.escape(d))
        code, out, _ = xmppcv("scan", "--json", *args)
        summary = json.loads(out.splitlines()[-1])
        f = [f for f in summary["findings"] if f["code"] == "client-incompatible"]
        self.assertEqual((len(f), f[0]["severity"], f[0]["nodes"]), (1, "warning", [d]))
        code, out, _ = xmppcv("scan", "--require-clients", "gio", *args)
        self.assertEqual(code, 1)
        self.assertIn("ERROR    client-incompatible", out)
        code, out, _ = xmppcv("scan", "--format", "prometheus", *args)
        self.assertRegex(out, r'xmppcv_client_connects\{node="%s",service="c2s",domain="%s",'
                         r'client="gio"\} 0' % (re.escape(d), re.escape(d)))
        self.assertIn('client="conversations"} 1', out)
        code, out, _ = xmppcv("check", "--format", "nagios", *trust, "%s:%d" % (d, PORT))
        self.assertEqual(code, 1, out)    # a warning finding
        self.assertIn("\n  client gio: ignores xmppAddr", out)
        self.assertIn("WARNING client-incompatible", out)


class LegacyHosts(Prosody):
    """ProsodyHosts with more settings: the TLS versions it accepts. Its
    OpenSSL runs at security level 0, so that TLS 1.0 and 1.1 can be
    served at all."""

    def __init__(self, ip, hosts, extra):
        self.ip, self.c2s, self.s2s = ip, PORT, S2S_PORT
        self.dir = tempfile.mkdtemp(prefix="xmppcv-prosody-versions-")
        conf = os.path.join(self.dir, "openssl.cnf")
        with open(conf, "w") as f:
            f.write("openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\n"
                    "system_default = tls\n[tls]\nCipherString = DEFAULT@SECLEVEL=0\n")
        self.start(f"""log = {{ error = "{self.dir}/prosody.log" }}
modules_enabled = {{ "tls"; "saslauth"; "dialback"; "disco"; "posix" }}
c2s_ports = {{ {PORT} }}
s2s_ports = {{ {S2S_PORT} }}
c2s_direct_tls_ports = {{ }}
certificates = "{self.dir}"
""" + extra, hosts, env=dict(os.environ, OPENSSL_CONF=conf))


S2S_PORT = 15269
# Any version LuaSec may offer, at security level 0, then some taken away
# (as tests/cli_check.py StreamPosture configures Prosody).
ANY_TLS = 'ciphers = "DEFAULT:@SECLEVEL=0"; protocol = "tlsv1+"; options = { "no_sslv3"'
# name: (address, extra settings, the versions accepted: TLS 1.x, x = 0..3)
VERSION_SERVERS = {
    "default": ("127.0.171.1", "", (2, 3)),
    "tls1.0-1.1": ("127.0.171.2", 'ssl = { %s; "no_tlsv1_2"; "no_tlsv1_3" } }\n' % ANY_TLS,
                   (0, 1)),
    "tls1.0": ("127.0.171.3", 'ssl = { %s; "no_tlsv1_1"; "no_tlsv1_2"; "no_tlsv1_3" } }\n'
               % ANY_TLS, (0,)),
}
# An ECDSA and an RSA server key: TLS 1.0 and 1.1 sign the handshake
# differently for each (SHA-1, MD5-SHA1).
VERSION_SHAPES = ("dns-domain", "rsa-2048")
# library: (the profiles it stands for, the harness's mode)
VERSION_LIBRARIES = {
    "libstrophe": ("libstrophe",),
    "gio": ("gio",),
    "nss": ("nss",),
    "python-ssl": ("python-ssl",),
    "go": ("go",),
    "qca": ("qca",),
    "prosody-s2s": ("prosody-s2s",),
    "ejabberd-s2s": ("ejabberd-s2s",),
    "jsse": ("smack", "openfire-s2s"),
}


def profile_minimums():
    """{profile: (minimum TLS 1.x, note)} from the profiles themselves."""
    p = subprocess.run([tool("TEST_VERSIONS"), "--minimums"], capture_output=True,
                       text=True, timeout=60)
    out = {}
    for line in p.stdout.splitlines():
        client, minimum, note = line.split("\t")
        out[client] = (int(minimum), note)
    return out


def strophe_connected(out):
    """strophe_decide's lines as connect decisions: a TLS session came up
    ("ok" or certificate errors) or not."""
    return {d: {"connected": not v.get("error"), "version": None,
                "detail": (v.get("error") or v.get("detail")).replace("tls-failed: ", "")}
            for d, v in strophe_parse(out).items()}


def run_connect(library, ip, domains):
    """The library's handshake with ip for each domain: {domain: {
    "connected", "version" (or None), "detail"}}."""
    live = [Corpus.ca, ip, str(PORT), *domains]
    s2s = [Corpus.ca, ip, str(S2S_PORT), *domains]
    parser = parse
    if library == "libstrophe":
        cmd, parser = [tool("STROPHE_DECIDE"), *live], strophe_connected
    elif library in ("python-ssl", "gio"):
        cmd = [DEBIAN_PYTHON, os.path.join(HERE, "clients", "py_decide.py"),
               ("ssl" if library == "python-ssl" else "gio") + "-connect", *live]
    elif library == "nss":
        cmd = [tool("NSS_DECIDE"), "--connect", ip, str(PORT), *domains]
    elif library == "qca":
        cmd = [tool("QCA_DECIDE"), "--connect", *live]
    elif library == "go":
        cmd = [harness_go(), "-connect", *live]
    elif library == "prosody-s2s":
        cmd = ["lua5.4", os.path.join(HERE, "clients", "prosody_decide.lua"), "--connect",
               *s2s]
    elif library == "ejabberd-s2s":
        cmd = ["env", "ERL_LIBS=/usr/lib/erlang/lib:/usr/lib/x86_64-linux-gnu", "escript",
               os.path.join(HERE, "clients", "ejabberd_decide.erl"), "--connect", *s2s]
    elif library == "jsse":
        cmd = ["java", os.path.join(HERE, "clients", "jsse_decide.java"), "--connect", *live]
    else:
        raise AssertionError("no harness for %s" % library)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        stop_pid(proc)
        raise AssertionError("the %s harness did not finish in 300 s" % library)
    got = parser(out.decode("utf-8", "replace"))
    bad = [d for d in domains if d not in got or "error" in got[d]]
    if bad or proc.returncode != 0:
        raise AssertionError("the %s harness (exit %d) with %s: %r\n%s" % (
            library, proc.returncode, ip, {d: got.get(d) for d in bad},
            err.decode("utf-8", "replace")[-2000:]))
    return got


class Versions(unittest.TestCase):
    """The TLS versions each real library negotiates, against each
    profile's minimum: a default Prosody (TLS 1.2 and 1.3, the control),
    one with TLS 1.0 and 1.1 only, one with TLS 1.0 only. A library
    connects exactly when the server accepts a version at or above its
    profile's minimum."""

    measured = {}

    @classmethod
    def setUpClass(cls):
        cls.minimums = profile_minimums()
        cls.servers = []
        try:
            Corpus.start(serve=False)
            cls.domains = [next(s["domain"] for s in Corpus.shapes if s["name"] == n)
                           for n in VERSION_SHAPES]
            hosts = [(s["domain"], Corpus.path(s["chain"]), Corpus.path(s["key"]))
                     for s in Corpus.shapes if s["name"] in VERSION_SHAPES]
            for ip, extra, _ in VERSION_SERVERS.values():
                cls.servers.append(LegacyHosts(ip, hosts, extra))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        Corpus.stop()

    def test_every_profile_names_its_minimum(self):
        self.assertEqual(set(self.minimums), {p for ps in VERSION_LIBRARIES.values()
                                              for p in ps} |
                         {"cisco-jabber", "conversations", "apple"})
        for client, (minimum, note) in self.minimums.items():
            self.assertIn(minimum, (0, 1, 2), client)
            self.assertTrue(note, client)

    def check(self, library):
        bad, cells = [], {}
        for server, (ip, _, accepted) in VERSION_SERVERS.items():
            got = run_connect(library, ip, self.domains)
            for profile in VERSION_LIBRARIES[library]:
                minimum = self.minimums[profile][0]
                predicted = max(accepted) >= minimum
                for d in self.domains:
                    r = got[d]
                    if r["connected"] != predicted:
                        bad.append("%s on %s (%s): connected %s; the profile %s (TLS 1.%d "
                                   "or later) predicts %s: %s" % (
                                       library, server, d, r["connected"], profile, minimum,
                                       predicted, r["detail"]))
                    # What it negotiated is the newest the server takes.
                    if r["connected"] and r["version"] and \
                            r["version"] != "TLS 1.%d" % max(accepted):
                        bad.append("%s on %s (%s): negotiated %s" % (
                            library, server, d, r["version"]))
            first = got[self.domains[0]]
            cells[server] = (first["version"] or "connects") if first["connected"] else \
                "fails: " + first["detail"]
        self.assertEqual(bad, [], "\n".join(bad))
        Versions.measured[library] = cells

    def test_libstrophe(self):
        self.check("libstrophe")

    def test_gio(self):
        self.check("gio")

    def test_nss(self):
        self.check("nss")

    def test_python_ssl(self):
        self.check("python-ssl")

    def test_go(self):
        self.check("go")

    def test_qca(self):
        self.check("qca")

    def test_prosody_s2s(self):
        self.check("prosody-s2s")

    def test_ejabberd_s2s(self):
        self.check("ejabberd-s2s")

    def test_jsse(self):
        if shutil.which("java") is None:
            self.skipTest("no java: Smack's and Openfire's JSSE is not measured")
        self.check("jsse")

    def test_zz_doc_clients_md_holds_this_table(self):
        if set(Versions.measured) != set(VERSION_LIBRARIES) - (
                set() if shutil.which("java") else {"jsse"}):
            self.skipTest("a library failed above")
        doc = read_doc()
        begin, end = "<!-- versions: begin -->\n", "\n<!-- versions: end -->"
        have = doc[doc.index(begin) + len(begin):doc.index(end)]
        self.assertEqual(have, versions_table(Versions.measured, self.minimums),
                         "doc/clients.md is not what the libraries negotiate now: run "
                         "tests/cli_clients.py --versions-table and put its table there")


def versions_table(measured, minimums):
    """What each library did with each server, as a Markdown table."""
    lines = ["| library (profiles) | minimum | " + " | ".join(
        "%s server" % s for s in VERSION_SERVERS) + " |",
             "|---|---|" + "---|" * len(VERSION_SERVERS)]
    for library, profiles in VERSION_LIBRARIES.items():
        if library not in measured:
            continue
        name = library if profiles == (library,) else "%s (%s)" % (library, ", ".join(profiles))
        lines.append("| %s | TLS 1.%d | %s |" % (
            name, minimums[profiles[0]][0],
            " | ".join(measured[library][s].replace("|", "/") for s in VERSION_SERVERS)))
    return "\n".join(lines)


def read_doc():
    with open(os.path.join(os.path.dirname(HERE), "doc", "clients.md"), encoding="utf-8") as f:
        return f.read()


def table(measured):
    """The measured outcomes as a Markdown table: shape by client."""
    clients = [c for c in ("libstrophe", "gio", "nss", "python-ssl", "go", "qca",
                           "prosody-s2s", "ejabberd-s2s") if c in measured]
    lines = ["| shape | " + " | ".join(clients) + " |",
             "|---|" + "---|" * len(clients)]
    for s in Corpus.shapes:
        cells = []
        for c in clients:
            r = measured[c][s["domain"]]
            name = "?" if r["name"] is None else ("name" if r["name"] else "NO NAME")
            cells.append(name + ("" if r["trusted"] else ", UNTRUSTED"))
        lines.append("| %s | %s |" % (s["name"], " | ".join(cells)))
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--versions-table"]:
        suite = unittest.TestLoader().loadTestsFromTestCase(Versions)
        unittest.TextTestRunner(verbosity=1).run(suite)
        print(versions_table(Versions.measured, Versions.minimums))
        sys.exit(0)
    if sys.argv[1:] == ["--table"]:
        Corpus.start()
        try:
            print(table({c: run_harness(c) for c in MODELLED_VERSIONS}))
        finally:
            Corpus.stop()
        sys.exit(0)
    suite = unittest.TestSuite()
    for n in sys.argv[1:] or ["Differential", "Modelled", "Cli"]:
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(globals()[n]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
