#!/usr/bin/env python3
"""The corpus of certificate shapes on which real client stacks disagree.

Each shape is one server certificate (and the chain the server sends) for
one XMPP domain, made by a private CA with the openssl tool. The shapes
cover every split the client profiles model: which identity fields a
client reads, when it falls back to the CN (and which CN), wildcards, IDN,
the extended key usage, and what makes a chain untrusted.

usage: corpus.py OUTDIR     writes the certificates and OUTDIR/corpus.json

corpus.json: {"ca": "ca.crt", "shapes": [{"name", "domain", "chain", "key",
"about"}...]}. Validity is relative to now, so live clients judge the
corpus at the time they run.
"""
import json
import os
import subprocess
import sys

# How the certificate is issued and sent (the default: by the
# intermediate, leaf + intermediate sent).
INTER, ROOT, SELF, OTHER, LEAF_ONLY = "inter", "root", "self", "other", "leaf-only"


class Shape:
    def __init__(self, name, domain, about, san=(), cn=("node1.{d}",), eku="serverAuth",
                 issuer=INTER, days=(-1, 365), key="ec", md="sha256", ca=False,
                 utf8=False, ku="critical, digitalSignature, keyEncipherment"):
        self.name, self.domain, self.about = name, domain, about
        self.san, self.cn, self.eku, self.issuer = san, cn, eku, issuer
        self.days, self.key, self.md, self.ca, self.utf8, self.ku = days, key, md, ca, utf8, ku


S = Shape
# The shapes. {d} is the domain, {a} the same in A-labels; every domain is a
# VirtualHost of its own.
SHAPES = [
    # -- which fields a client reads
    S("dns-domain", "dns-domain.test", "dNSName names the domain",
      san=["DNS:{d}"]),
    S("dns-node-and-domain", "dns-node-and-domain.test",
      "dNSName for the node and for the domain (the SAN-domain setting on)",
      san=["DNS:node1.{d}", "DNS:{d}"]),
    S("dns-node-only", "dns-node-only.test",
      "dNSName and CN name only the node (the SAN-domain setting off)",
      san=["DNS:node1.{d}"]),
    S("xmppaddr-cn-node", "xmppaddr-cn-node.test",
      "only xmppAddr names the domain; CN is the node", san=["XMPP:{d}"]),
    S("xmppaddr-cn-domain", "xmppaddr-cn-domain.test",
      "xmppAddr and CN name the domain; no dNSName", san=["XMPP:{d}"], cn=("{d}",)),
    S("xmppaddr-no-cn", "xmppaddr-no-cn.test", "only xmppAddr; no CN at all",
      san=["XMPP:{d}"], cn=()),
    S("xmppaddr-other-cn-domain", "xmppaddr-other-cn-domain.test",
      "xmppAddr for another domain; CN names the domain",
      san=["XMPP:other.invalid"], cn=("{d}",)),
    S("srv-client-cn-node", "srv-client-cn-node.test",
      "only SRVName _xmpp-client names the domain", san=["SRV:_xmpp-client.{d}"]),
    S("srv-client-cn-domain", "srv-client-cn-domain.test",
      "SRVName _xmpp-client and CN name the domain",
      san=["SRV:_xmpp-client.{d}"], cn=("{d}",)),
    S("srv-server-cn-node", "srv-server-cn-node.test",
      "only SRVName _xmpp-server names the domain", san=["SRV:_xmpp-server.{d}"]),
    S("srv-server-cn-domain", "srv-server-cn-domain.test",
      "SRVName _xmpp-server and CN name the domain",
      san=["SRV:_xmpp-server.{d}"], cn=("{d}",)),
    S("xmppaddr-and-srv", "xmppaddr-and-srv.test",
      "xmppAddr and both SRVNames; CN is the node",
      san=["XMPP:{d}", "SRV:_xmpp-client.{d}", "SRV:_xmpp-server.{d}"]),
    S("cn-only-domain", "cn-only-domain.test", "no subjectAltName; CN is the domain",
      cn=("{d}",)),
    S("cn-only-node", "cn-only-node.test", "no subjectAltName; CN is the node"),
    S("cn-two-domain-last", "cn-two-domain-last.test",
      "no subjectAltName; two CNs, the domain last", cn=("node1.{d}", "{d}")),
    S("cn-two-domain-first", "cn-two-domain-first.test",
      "no subjectAltName; two CNs, the domain first", cn=("{d}", "node1.{d}")),
    S("dns-other-cn-domain", "dns-other-cn-domain.test",
      "dNSName for the node; CN is the domain", san=["DNS:node1.{d}"], cn=("{d}",)),
    S("uri-cn-domain", "uri-cn-domain.test", "a URI subjectAltName; CN is the domain",
      san=["URI:xmpp:{d}"], cn=("{d}",)),
    S("ip-cn-domain", "ip-cn-domain.test", "an iPAddress subjectAltName; CN is the domain",
      san=["IP:127.0.0.1"], cn=("{d}",)),
    S("email-cn-domain", "email-cn-domain.test",
      "an rfc822Name subjectAltName; CN is the domain",
      san=["email:admin@{d}"], cn=("{d}",)),
    S("dns-upper-case", "dns-upper-case.test", "dNSName in upper case",
      san=["DNS:DNS-UPPER-CASE.TEST"]),
    S("cn-upper-case", "cn-upper-case.test", "no subjectAltName; CN in upper case",
      cn=("CN-UPPER-CASE.TEST",)),
    S("dns-trailing-dot", "dns-trailing-dot.test", "dNSName with a trailing dot",
      san=["DNS:{d}."]),
    # -- wildcards
    S("wild-bare", "wild-bare.test", "*.domain for the bare domain",
      san=["DNS:*.{d}"]),
    S("wild-one-label", "chat.wild-one-label.test", "*.parent for domain = one label more",
      san=["DNS:*.wild-one-label.test"]),
    S("wild-two-labels", "a.b.wild-two-labels.test", "*.parent for two labels more",
      san=["DNS:*.wild-two-labels.test"]),
    S("wild-partial-prefix", "xmpp.wild-partial-prefix.test", "x*.parent (a partial wildcard)",
      san=["DNS:xm*.wild-partial-prefix.test"]),
    S("wild-partial-suffix", "xmpp.wild-partial-suffix.test", "*x.parent (a partial wildcard)",
      san=["DNS:*pp.wild-partial-suffix.test"]),
    S("wild-inner", "chat.wild-inner.test", "a wildcard that is not the leftmost label",
      san=["DNS:chat.*.test"]),
    S("wild-tld", "wild-tld.test", "*.test: a wildcard with one label after it",
      san=["DNS:*.test"]),
    S("wild-cn-only", "chat.wild-cn-only.test", "no subjectAltName; CN *.parent",
      cn=("*.wild-cn-only.test",)),
    S("wild-partial-idn", "xn--bcher-kva.wild-partial-idn.test",
      "a partial wildcard over an IDN (xn--) label", san=["DNS:x*.wild-partial-idn.test"]),
    S("wild-many-stars", "chat.wild-many-stars.test",
      "a leftmost label of sixty stars and an x (hostile: a glob must not "
      "search exponentially)", san=["DNS:" + "*" * 60 + "x.wild-many-stars.test"]),
    S("wild-srv-client", "chat.wild-srv-client.test",
      "SRVName _xmpp-client.*.parent only", san=["SRV:_xmpp-client.*.wild-srv-client.test"]),
    # -- internationalised domains (the domain as users write it: Unicode)
    S("idn-dns-alabel", "bücher-dns.test", "IDN domain; dNSName in A-labels",
      san=["DNS:{a}"]),
    S("idn-cn-ulabel-only", "bücher-cnu.test", "IDN domain; no SAN; CN in Unicode",
      cn=("bücher-cnu.test",), utf8=True),
    S("idn-cn-alabel-only", "bücher-cna.test", "IDN domain; no SAN; CN in A-labels",
      cn=("{a}",)),
    S("idn-xmppaddr-ulabel", "bücher-xmpp.test", "IDN domain; only xmppAddr, in Unicode",
      san=["XMPP:bücher-xmpp.test"], utf8=True),
    # -- key usage and extended key usage
    S("eku-client-dns", "eku-client-dns.test", "EKU clientAuth only; dNSName is the domain",
      san=["DNS:{d}"], eku="clientAuth"),
    S("eku-client-cn", "eku-client-cn.test", "EKU clientAuth only; no SAN; CN is the domain",
      cn=("{d}",), eku="clientAuth"),
    S("eku-none-cn", "eku-none-cn.test", "no EKU; no SAN; CN is the domain",
      cn=("{d}",), eku=None),
    S("eku-none-dns", "eku-none-dns.test", "no EKU; dNSName is the domain",
      san=["DNS:{d}"], eku=None),
    S("ku-certsign-only", "ku-certsign-only.test", "keyUsage keyCertSign only",
      san=["DNS:{d}"], ku="critical, keyCertSign"),
    # -- the chain
    S("self-signed", "self-signed.test", "self-signed, names the domain",
      san=["DNS:{d}"], issuer=SELF),
    S("unknown-ca", "unknown-ca.test", "issued by a CA the client does not trust",
      san=["DNS:{d}"], issuer=OTHER),
    S("missing-intermediate", "missing-intermediate.test",
      "the server does not send the intermediate", san=["DNS:{d}"], issuer=LEAF_ONLY),
    S("root-issued", "root-issued.test", "issued by the root itself",
      san=["DNS:{d}"], issuer=ROOT),
    S("expired", "expired.test", "expired yesterday", san=["DNS:{d}"], days=(-30, -1)),
    S("not-yet-valid", "not-yet-valid.test", "valid in two days", san=["DNS:{d}"],
      days=(2, 30)),
    S("not-yet-valid-soon", "not-yet-valid-soon.test", "valid in twelve hours",
      san=["DNS:{d}"], days=(0.5, 30)),
    S("sha1-signature", "sha1-signature.test", "signed with SHA-1", san=["DNS:{d}"],
      md="sha1"),
    S("rsa-1024", "rsa-1024.test", "an RSA key of 1024 bits", san=["DNS:{d}"],
      key="rsa1024"),
    S("rsa-2048", "rsa-2048.test", "an RSA key of 2048 bits", san=["DNS:{d}"],
      key="rsa2048"),
    S("leaf-is-ca", "leaf-is-ca.test", "the server certificate is a CA (cA TRUE)",
      san=["DNS:{d}"], ca=True),
]


def run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def genkey(path, kind):
    if kind == "rsa1024":
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
            "-out", path)
    elif kind == "rsa2048":
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", path)
    else:
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", path)


REQ = """[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
"""

CA_EXT = """[ext]
basicConstraints = critical, CA:true{pathlen}
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
{aki}
"""


def sign(out, name, subj, key, issuer, ext, days, md="sha256", serial=None, utf8=False):
    """A certificate for key's CSR with subj, signed by issuer (name, or
    None: self-signed), with the extensions of the config text ext."""
    cnf = os.path.join(out, name + ".cnf")
    with open(cnf, "w", encoding="utf-8") as f:
        f.write(REQ + ext)
    csr = os.path.join(out, name + ".csr")
    run("openssl", "req", "-new", "-config", cnf, "-key", key, "-subj", subj,
        *(["-utf8"] if utf8 else []), "-out", csr)
    crt = os.path.join(out, name + ".crt")
    serial = serial or str(int.from_bytes(os.urandom(12), "big"))
    start, end = days
    # openssl ca takes explicit dates, relative ones included.
    db = os.path.join(out, name + ".db")
    open(db, "w").close()
    with open(os.path.join(out, name + ".ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = s\n[s]\ndatabase = %s\nnew_certs_dir = %s\n"
                "default_md = %s\npolicy = p\nunique_subject = no\npreserve = yes\n"
                "email_in_dn = no\ncopy_extensions = none\nserial = %s\n"
                "[p]\norganizationName = optional\ncommonName = optional\n" % (db, out, md, os.path.join(out, name + ".srl")))
    with open(os.path.join(out, name + ".srl"), "w") as f:
        hexa = "%X" % int(serial)
        f.write(("0" if len(hexa) % 2 else "") + hexa + "\n")
    signer = (["-selfsign", "-keyfile", key] if issuer is None else
              ["-cert", os.path.join(out, issuer + ".crt"),
               "-keyfile", os.path.join(out, issuer + ".key")])
    # The subject goes as the CSR has it: openssl ca keeps it (preserve).
    run("openssl", "ca", "-batch", "-config", os.path.join(out, name + ".ca.cnf"),
        *signer, "-in", csr, "-extfile", cnf, "-extensions", "ext", "-notext",
        "-startdate", stamp(start), "-enddate", stamp(end), "-md", md, "-out", crt,
        *(["-utf8"] if utf8 else []))
    for tmp in (".cnf", ".csr", ".db", ".ca.cnf", ".srl", ".db.attr", ".db.old",
                ".srl.old", ".db.attr.old"):
        if os.path.exists(os.path.join(out, name + tmp)):
            os.remove(os.path.join(out, name + tmp))
    return crt


def stamp(days):
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


def san_section(shape):
    """subjectAltName as a section: one name per line, where a comma is
    text (FORMAT:UTF8 says the otherName's text is UTF-8 already)."""
    lines = []
    for i, entry in enumerate(shape.san):
        kind, _, value = entry.partition(":")
        value = expand(value, shape.domain)
        if kind == "XMPP":
            lines.append("otherName.%d = 1.3.6.1.5.5.7.8.5;FORMAT:UTF8,UTF8:%s" % (i, value))
        elif kind == "SRV":
            lines.append("otherName.%d = 1.3.6.1.5.5.7.8.7;IA5STRING:%s" % (i, value))
        else:
            lines.append("%s.%d = %s" % (kind, i, value))
    if not lines:
        return ""
    return "subjectAltName = @san\n[san]\n" + "\n".join(lines) + "\n"


def leaf_ext(shape):
    ext = "[ext]\nbasicConstraints = critical, CA:%s\n" % ("true" if shape.ca else "false")
    if shape.ku:
        ext += "keyUsage = %s\n" % shape.ku
    if shape.eku:
        ext += "extendedKeyUsage = %s\n" % shape.eku
    ext += "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
    return ext + san_section(shape)


def expand(text, domain):
    """{d}: the domain; {a}: its A-label form (IDNA, as a CA encodes it)."""
    return text.replace("{d}", domain).replace("{a}", domain.encode("idna").decode())


def subject(shape):
    cns = "".join("/CN=" + expand(c, shape.domain) for c in shape.cn)
    return "/O=xmppcv client corpus" + cns


def generate(out):
    os.makedirs(out, exist_ok=True)
    for ca in ("root", "other"):
        genkey(os.path.join(out, ca + ".key"), "ec")
        sign(out, ca, "/O=xmppcv client corpus/CN=Corpus %s CA" % ca.title(),
             os.path.join(out, ca + ".key"), None,
             CA_EXT.format(pathlen="", aki=""), (-3650, 3650))
    genkey(os.path.join(out, "inter.key"), "ec")
    sign(out, "inter", "/O=xmppcv client corpus/CN=Corpus Issuing CA",
         os.path.join(out, "inter.key"), "root",
         CA_EXT.format(pathlen=", pathlen:0", aki="authorityKeyIdentifier = keyid"),
         (-3650, 3650))
    keys = {}
    shapes = []
    for shape in SHAPES:
        if shape.key not in keys:
            keys[shape.key] = os.path.join(out, "leaf-%s.key" % shape.key)
            genkey(keys[shape.key], shape.key)
        issuer = {INTER: "inter", LEAF_ONLY: "inter", ROOT: "root", OTHER: "other",
                  SELF: None}[shape.issuer]
        crt = sign(out, shape.name, subject(shape), keys[shape.key], issuer,
                   leaf_ext(shape), shape.days, md=shape.md, utf8=shape.utf8)
        chain = os.path.join(out, shape.name + ".chain.pem")
        with open(chain, "w") as f:
            f.write(open(crt).read())
            if shape.issuer == INTER:
                f.write(open(os.path.join(out, "inter.crt")).read())
        shapes.append({"name": shape.name, "domain": shape.domain, "about": shape.about,
                       "chain": os.path.basename(chain),
                       "key": os.path.basename(keys[shape.key])})
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump({"ca": "root.crt", "shapes": shapes}, f, indent=1, ensure_ascii=False)
    return shapes


if __name__ == "__main__":
    print("%d shapes written to %s" % (len(generate(sys.argv[1])), sys.argv[1]))
