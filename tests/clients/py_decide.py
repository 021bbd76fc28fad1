#!/usr/bin/python3
"""Two client stacks' certificate decisions, over real STARTTLS with Prosody.

  py_decide.py ssl CAFILE HOST PORT DOMAIN...   Python's ssl (slixmpp, aioxmpp)
  py_decide.py gio CAFILE HOST PORT DOMAIN...   GIO + glib-networking (Gajim, Dino)
  py_decide.py ssl-connect|gio-connect CAFILE HOST PORT DOMAIN...

Run by Debian's /usr/bin/python3, the interpreter those clients run on.
One line per domain: DOMAIN, a tab, and a JSON object {"name": true|false,
"trusted": true|false, "detail": "..."}: whether the name check passed,
whether the chain did, and what the library said.

- ssl: slixmpp's context (create_default_context, check_hostname, the CA
  file), server_hostname = the domain. OpenSSL stops at the first error, so
  each domain takes two handshakes: one that checks the chain alone, and
  one that checks the name alone (the leaf as its own anchor, security
  level 0, no time check) with the same hostname check.
- gio: Gio.TlsClientConnection with server identity NetworkAddress(domain)
  and a TlsFileDatabase of the CA file, as nbxmpp sets them up; the
  accept-certificate signal carries every problem at once.
- ssl-connect, gio-connect: the TLS version each negotiates, set up as
  above (slixmpp's context; nbxmpp's connection with GIO's default
  priority): {"connected": true|false, "version": "TLS 1.2"|null,
  "detail": "..."}.
"""
import json
import socket
import sys

NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
X509_V_FLAG_NO_CHECK_TIME = 0x200000


def starttls_socket(host, port, domain):
    """A TCP connection on which the server has answered <proceed/>."""
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(("<?xml version='1.0'?><stream:stream to='%s' version='1.0' %s>"
               % (domain, NS)).encode())
    data = b""
    while b"</stream:features>" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed before the features: %r" % data[-200:])
        data += chunk
    s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    data = b""
    while b"proceed" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed before proceed")
        data += chunk
    return s


def ssl_handshake(ctx, host, port, domain):
    import ssl
    s = starttls_socket(host, port, domain)
    try:
        t = ctx.wrap_socket(s, server_hostname=domain)
        t.close()
        return True, "ok"
    except ssl.SSLCertVerificationError as e:
        return False, "%d %s" % (e.verify_code, e.verify_message)
    finally:
        s.close()


def decide_ssl(cafile, host, port, domain):
    import ssl
    chain = ssl.create_default_context(cafile=cafile)
    chain.check_hostname = False
    trusted, why_chain = ssl_handshake(chain, host, port, domain)
    # The name alone: the server's own certificate as the only anchor.
    leaf = fetch_leaf(host, port, domain)
    name = ssl.create_default_context(cadata=leaf)
    name.check_hostname = True
    name.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME
    name.set_ciphers("DEFAULT@SECLEVEL=0")
    name_ok, why_name = ssl_handshake(name, host, port, domain)
    if not name_ok and "Hostname mismatch" not in why_name:
        # OpenSSL stopped before the name (a purpose the leaf lacks): the
        # library never decides on the name of such a certificate.
        name_ok = None
    return {"name": name_ok, "trusted": trusted,
            "detail": "; ".join(w for w in (why_chain if not trusted else "",
                                            why_name if not name_ok else "") if w) or "ok"}


def fetch_leaf(host, port, domain):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    s = starttls_socket(host, port, domain)
    try:
        t = ctx.wrap_socket(s, server_hostname=domain)
        der = t.getpeercert(binary_form=True)
        t.close()
        return der
    finally:
        s.close()


def decide_gio(cafile, host, port, domain):
    import gi
    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib
    s = starttls_socket(host, port, domain)
    try:
        gsock = Gio.Socket.new_from_fd(s.fileno())
        conn = gsock.connection_factory_create_connection()
        tls = Gio.TlsClientConnection.new(conn, Gio.NetworkAddress.new(domain, port))
        tls.set_database(Gio.TlsFileDatabase.new(cafile))
        seen = []

        def accept(_conn, _cert, errors):
            seen.append(int(errors))
            return False

        tls.connect("accept-certificate", accept)
        try:
            tls.handshake(None)
            errors = 0
        except GLib.Error as e:
            if not seen:
                raise RuntimeError("%s: handshake failed before any decision: %s"
                                   % (domain, e.message))
            errors = seen[0]
        flags = Gio.TlsCertificateFlags
        names = [n for n in ("UNKNOWN_CA", "BAD_IDENTITY", "NOT_ACTIVATED", "EXPIRED",
                             "REVOKED", "INSECURE", "GENERIC_ERROR")
                 if errors & int(getattr(flags, n))]
        return {"name": not errors & int(flags.BAD_IDENTITY),
                "trusted": not errors & ~int(flags.BAD_IDENTITY),
                "detail": ", ".join(names) or "ok"}
    finally:
        s.detach()


def connect_ssl(cafile, host, port, domain):
    import ssl
    ctx = ssl.create_default_context(cafile=cafile)
    s = starttls_socket(host, port, domain)
    try:
        t = ctx.wrap_socket(s, server_hostname=domain)
        version = t.version().replace("TLSv", "TLS ")
        t.close()
        return {"connected": True, "version": version, "detail": "ok"}
    except ssl.SSLError as e:
        return {"connected": False, "version": None, "detail": str(e)}
    finally:
        s.close()


def connect_gio(cafile, host, port, domain):
    import gi
    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib
    s = starttls_socket(host, port, domain)
    try:
        gsock = Gio.Socket.new_from_fd(s.fileno())
        conn = gsock.connection_factory_create_connection()
        tls = Gio.TlsClientConnection.new(conn, Gio.NetworkAddress.new(domain, port))
        tls.set_database(Gio.TlsFileDatabase.new(cafile))
        try:
            tls.handshake(None)
        except GLib.Error as e:
            return {"connected": False, "version": None, "detail": e.message}
        v = tls.get_protocol_version()
        names = {Gio.TlsProtocolVersion.TLS_1_0: "TLS 1.0",
                 Gio.TlsProtocolVersion.TLS_1_1: "TLS 1.1",
                 Gio.TlsProtocolVersion.TLS_1_2: "TLS 1.2",
                 Gio.TlsProtocolVersion.TLS_1_3: "TLS 1.3"}
        return {"connected": True, "version": names.get(v, str(v)),
                "detail": tls.get_ciphersuite_name() or "ok"}
    finally:
        s.detach()


def main():
    mode, cafile, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    decide = {"ssl": decide_ssl, "gio": decide_gio, "ssl-connect": connect_ssl,
              "gio-connect": connect_gio}[mode]
    for domain in sys.argv[5:]:
        try:
            out = decide(cafile, host, port, domain)
        except (OSError, RuntimeError) as e:
            out = {"error": str(e)}
        print("%s\t%s" % (domain, json.dumps(out)), flush=True)


if __name__ == "__main__":
    main()
