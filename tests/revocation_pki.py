"""A PKI for the revocation tests, made with `openssl ca` in a directory.

A root CA, an intermediate under it, a second intermediate the root
revokes (cACompromise), and leaves under the intermediate, each a
situation: good, revoked (keyCompromise, by `openssl ca -revoke` and
`-gencrl`), must-staple (`tlsfeature = status_request`), no distribution
point, and any leaf whose CRL distribution point the caller names (the
hostile servers). An OCSP responder certificate (OCSPSigning, ocsp-nocheck)
signs OCSP answers for the intermediate; a rogue CA of the intermediate's
name and a rogue responder sign what must not verify.

Every CRL distribution point and AIA OCSP URL points at the addresses the
caller gives (127.0.170.x): the servers are started after the PKI exists.
"""
import datetime
import os
import subprocess

CA_CONF = """
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 3650
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid
{sections}
"""

LEAF_EXT = """
[ {name} ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:{name}.revocation.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
{extra}
"""

CA_EXT = """
[ {name} ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:{crl}
"""

OCSP_EXT = """
[ ocsp ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def stamp(t):
    return t.strftime("%Y%m%d%H%M%SZ")


class Pki:
    """Build in `top`. crl_base: "http://IP:PORT" where the CRLs are
    served (root.crl, int.crl, int2.crl); ocsp_url: the leaves' AIA OCSP
    URL; extra_leaves: {name: CRL distribution point URL}."""

    def __init__(self, top, crl_base, ocsp_url, extra_leaves=None):
        self.top = top
        self.crl_base = crl_base
        self.ocsp_url = ocsp_url
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.start = stamp(self.now - datetime.timedelta(days=1))
        extra_leaves = dict(extra_leaves or {})
        self.leaves = {}

        root = self.ca_dir("root", {"int": CA_EXT.format(name="int", crl=crl_base + "/root.crl"),
                                    "int2": CA_EXT.format(name="int2", crl=crl_base + "/root.crl")})
        self.run("openssl", "req", "-x509", "-new", "-key", self.key(root, "ca"),
                 "-subj", "/CN=Revocation Test Root", "-days", "3650",
                 "-set_serial", "1", "-out", os.path.join(root, "ca.pem"),
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                 "-addext", "subjectKeyIdentifier=hash")
        self.root = os.path.join(root, "ca.pem")

        aia = "authorityInfoAccess = OCSP;URI:%s" % ocsp_url
        cdp = "crlDistributionPoints = URI:%s/int.crl" % crl_base
        sections = {
            "good": cdp + "\n" + aia,
            "revoked": cdp + "\n" + aia,
            "muststaple": cdp + "\n" + aia + "\ntlsfeature = status_request",
            "nodp": "",
        }
        for name, url in extra_leaves.items():
            sections[name] = "crlDistributionPoints = URI:%s" % url
        leaf_exts = {n: LEAF_EXT.format(name=n, extra=e) for n, e in sections.items()}
        leaf_exts["ocsp"] = OCSP_EXT
        inter = self.ca_dir("int", leaf_exts)
        self.issue(root, "int", "Revocation Test Intermediate", inter, as_ca=True)
        self.inter = os.path.join(inter, "ca.pem")
        for name in sections:
            self.leaves[name] = self.issue(inter, name, name + ".revocation.test")
        self.ocsp_cert = self.issue(inter, "ocsp", "Revocation Test OCSP Responder")
        self.ocsp_key = os.path.join(inter, "ocsp.key")

        # The second intermediate, revoked by the root, and a leaf under it.
        inter2 = self.ca_dir("int2", {"under2": LEAF_EXT.format(
            name="under2", extra="crlDistributionPoints = URI:%s/int2.crl" % crl_base)})
        self.issue(root, "int2", "Revocation Test Revoked Intermediate", inter2, as_ca=True)
        self.leaves["under2"] = self.issue(inter2, "under2", "under2.revocation.test")

        self.run("openssl", "ca", "-batch", "-config", self.conf(inter),
                 "-revoke", self.leaves["revoked"]["cert"], "-crl_reason", "keyCompromise")
        self.run("openssl", "ca", "-batch", "-config", self.conf(root),
                 "-revoke", os.path.join(inter2, "ca.pem"), "-crl_reason", "cACompromise")
        self.crls = {}
        for ca, name in ((root, "root"), (inter, "int"), (inter2, "int2")):
            self.crls[name] = self.gencrl(ca, name)
        # A CRL of the intermediate's that expired yesterday.
        self.crls["int-expired"] = self.gencrl(
            inter, "int-expired",
            last=stamp(self.now - datetime.timedelta(days=3)),
            next_=stamp(self.now - datetime.timedelta(days=1)))

        # A rogue CA with the intermediate's name and a key of its own: its
        # CRL (nothing revoked) names the right issuer and must not verify.
        rogue = self.ca_dir("rogue", {})
        self.run("openssl", "req", "-x509", "-new", "-key", self.key(rogue, "ca"),
                 "-subj", "/CN=Revocation Test Intermediate", "-days", "3650",
                 "-out", os.path.join(rogue, "ca.pem"),
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.crls["rogue"] = self.gencrl(rogue, "rogue")
        self.rogue_cert = os.path.join(rogue, "ca.pem")
        self.rogue_key = os.path.join(rogue, "ca.key")
        self.inter_dir = inter

    def run(self, *argv):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           cwd=self.top)
        if p.returncode != 0:
            raise RuntimeError("%s failed: %s%s" % (" ".join(argv), p.stdout, p.stderr))
        return p

    def key(self, d, name):
        path = os.path.join(d, name + ".key")
        self.run("openssl", "genpkey", "-algorithm", "EC",
                 "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
        return path

    def conf(self, d):
        return os.path.join(d, "ca.cnf")

    def ca_dir(self, name, sections):
        d = os.path.join(self.top, name)
        os.makedirs(os.path.join(d, "newcerts"))
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(d, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(self.conf(d), "w") as f:
            f.write(CA_CONF.format(dir=d, sections="".join(sections.values())))
        return d

    def issue(self, ca, ext, cn, into=None, as_ca=False):
        """A certificate of ca with extension section ext; for a CA, its
        key and certificate go into the directory `into`."""
        out = into if as_ca else ca
        stem = "ca" if as_ca else ext
        key = self.key(out, stem)
        csr = os.path.join(out, stem + ".csr")
        cert = os.path.join(out, stem + ".pem")
        self.run("openssl", "req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr)
        self.run("openssl", "ca", "-batch", "-config", self.conf(ca), "-extensions", ext,
                 "-startdate", self.start, "-in", csr, "-out", cert, "-notext")
        chain = os.path.join(out, stem + ".chain.pem")
        with open(chain, "w") as f:
            for part in (cert, os.path.join(ca, "ca.pem")):
                with open(part) as g:
                    f.write(g.read())
        return {"cert": cert, "key": key, "chain": chain}

    def gencrl(self, ca, name, last=None, next_=None):
        pem = os.path.join(self.top, name + ".crl.pem")
        argv = ["openssl", "ca", "-batch", "-config", self.conf(ca), "-gencrl",
                "-crlexts", "crl_ext", "-out", pem,
                "-crl_lastupdate", last or stamp(self.now - datetime.timedelta(hours=1))]
        if next_:
            argv += ["-crl_nextupdate", next_]
        self.run(*argv)
        der = os.path.join(self.top, name + ".crl")
        self.run("openssl", "crl", "-in", pem, "-outform", "DER", "-out", der)
        return der

    def ocsp_response(self, leaf, out, signer=None, key=None, ndays=1):
        """An OCSP response for leaf, as `openssl ocsp` answers a request
        from the intermediate's database (-reqin/-respout)."""
        req = out + ".req"
        self.run("openssl", "ocsp", "-issuer", self.inter, "-cert",
                 self.leaves[leaf]["cert"], "-no_nonce", "-reqout", req)
        self.respond(req, out, signer, key, ndays)
        return out

    def respond(self, req, out, signer=None, key=None, ndays=1):
        self.run("openssl", "ocsp", "-index", os.path.join(self.inter_dir, "index.txt"),
                 "-CA", self.inter, "-rsigner", signer or self.ocsp_cert["cert"],
                 "-rkey", key or self.ocsp_key, "-ndays", str(ndays),
                 "-reqin", req, "-respout", out)
