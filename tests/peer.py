#!/usr/bin/env python3
"""Scripted XMPP peers for behaviours no packaged server shows.

usage: peer.py MODE IP PORT [CHAIN KEY]
Prints "ready" once listening; serves each connection in a thread; every
connection is bounded in time (30 s) and bytes. Stop it by its PID.

Modes:
  announce        announces from='corp.example' whatever 'to' says (Cisco
                  IM and Presence), then STARTTLS with CHAIN/KEY
  silence         accepts and never sends a byte
  drip            sends a stream header one byte per second
  garbage         sends random bytes
  huge            sends a stream header with a multi-megabyte attribute
  doctype         sends a DOCTYPE with an entity bomb
  stream-error    header, then <policy-violation/>
  no-starttls     header and features without STARTTLS
  failure         answers STARTTLS with <failure/>
  reset           answers STARTTLS with <proceed/>, then resets the connection
  reset-header    sends its stream header, then resets the connection
  close-features  header and features, then closes (FIN) before STARTTLS
  close-proceed   answers STARTTLS with <proceed/>, then closes (FIN)
  reset-handshake sends half of its first TLS flight (CHAIN/KEY), then resets
  close-tls       completes the TLS handshake (CHAIN/KEY), then resets
  slow-announce   as announce, after 0.3 s of silence
  close-direct-tls  direct TLS with CHAIN/KEY; resets once the handshake is done
  close-auth      STARTTLS, TLS and features with SASL PLAIN (CHAIN/KEY);
                  resets the connection when the client authenticates
  close-sasl      STARTTLS, TLS and features with SASL PLAIN (CHAIN/KEY),
                  then closes (FIN) at once: libstrophe writes twice into it
  no-from         accepts without a 'from' in its header, then STARTTLS
  https           direct TLS with CHAIN/KEY, then answers like an HTTPS server
  domain-only     serves corp.example alone: <host-unknown/> for any other
                  'to', else STARTTLS with CHAIN/KEY
  every-domain    serves every 'to' (from= the same), STARTTLS with
                  CHAIN/KEY; a 'to' of three or more labels (a node name)
                  is answered 0.3 s late, so the answers arrive in the
                  opposite order of discovery's preference

With PEER_EVENTS=FILE in its environment, a peer appends one line per
event to FILE: "open TO" (a stream header came), "starttls TO", "handshake
TO" (a TLS handshake completed), "closed TO" (the client closed the
stream with </stream:stream> before STARTTLS) and "dropped TO" (the
connection ended before STARTTLS without that). Tests count the peer's TLS handshakes from it.
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

NS = ("xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'")
TLS_FEATURES = ("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                "<required/></starttls></stream:features>")
AFTER_TLS_FEATURES = ("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                      "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>")
LIMIT = 30.0


def read_until(conn, marker, deadline, have=b""):
    data = have
    while marker not in data and time.monotonic() < deadline and len(data) < 65536:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = conn.recv(4096)
        except (socket.timeout, OSError):
            return data
        if not chunk:
            return data
        data += chunk
    return data


EVENTS_LOCK = threading.Lock()


def event(kind, to):
    path = os.environ.get("PEER_EVENTS")
    if path:
        with EVENTS_LOCK, open(path, "a") as f:
            f.write("%s %s\n" % (kind, to))


def stream_to(data):
    """The 'to' of the client's stream header, or '?'."""
    for q in ("'", '"'):
        i = data.find(b" to=" + q.encode())
        if i >= 0:
            j = data.find(q.encode(), i + 5)
            return data[i + 5:j].decode(errors="replace")
    return "?"


def header(frm="corp.example"):
    f = " from='%s'" % frm if frm else ""
    return ("<?xml version='1.0'?><stream:stream %s%s id='peer' version='1.0'>" % (NS, f)).encode()


def hold(conn, deadline):
    """Keep the connection open until the client closes or time is up."""
    while time.monotonic() < deadline:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if not conn.recv(4096):
                return
        except socket.timeout:
            return
        except OSError:
            return


def starttls(conn, deadline, chain, key, frm="corp.example", mode=None):
    data = read_until(conn, b"version=", deadline)
    to = stream_to(data)
    event("open", to)
    if mode == "domain-only" and to != "corp.example":
        conn.sendall(header() + b"<stream:error><host-unknown "
                     b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                     b"</stream:error></stream:stream>")
        hold(conn, deadline)
        return
    if mode == "every-domain":
        frm = to
        if to.count(".") >= 2:
            time.sleep(0.3)
    conn.sendall(header(frm) + TLS_FEATURES.encode())
    first = data
    data = read_until(conn, b"<starttls", deadline)
    if b"<starttls" not in data:
        # Ended as a client ends a stream, or just dropped. The end tag
        # may have come with the header, in the first read.
        event("closed" if b"</stream:stream>" in first + data else "dropped", to)
        return
    event("starttls", to)
    conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    conn.settimeout(max(0.05, deadline - time.monotonic()))
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        return
    event("handshake", to)
    # As a server does: features over TLS, to a client that opens the
    # stream again (RFC 6120 §5.4.3.3); check --posture reads them.
    try:
        if b"version=" in read_until(tls, b"version=", deadline):
            tls.sendall(header(frm) + AFTER_TLS_FEATURES.encode())
    except (ssl.SSLError, OSError):
        return
    hold(tls, deadline)


def rst(conn):
    """Close with a TCP reset (SO_LINGER 0), not a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def to_proceed(conn, deadline):
    read_until(conn, b"version=", deadline)
    conn.sendall(header() + TLS_FEATURES.encode())
    read_until(conn, b"<starttls", deadline)
    conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def half_flight(conn, deadline, chain, key):
    """Read the ClientHello, answer with half of the server's first flight,
    then reset: a handshake cut in the middle."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    while time.monotonic() < deadline:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = conn.recv(16384)
        if not chunk:
            return
        inc.write(chunk)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        flight = out.read()
        if flight:
            conn.sendall(flight[:len(flight) // 2])
            rst(conn)
            return


def after_tls(conn, deadline, chain, key, then):
    """STARTTLS and a full handshake; then(tls) says what follows."""
    to_proceed(conn, deadline)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    conn.settimeout(max(0.05, deadline - time.monotonic()))
    tls = ctx.wrap_socket(conn, server_side=True)
    then(tls)


def sasl(tls, deadline, at_auth):
    """Features with SASL PLAIN; then reset at <auth/>, or close at once."""
    read_until(tls, b"version=", deadline)
    tls.sendall(header() + b"<stream:features><mechanisms "
                b"xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                b"</mechanism></mechanisms></stream:features>")
    if at_auth:
        read_until(tls, b"<auth", deadline)
        rst(tls)
    else:
        tls.close()


def serve(mode, conn, args):
    deadline = time.monotonic() + LIMIT
    try:
        if mode == "announce":
            starttls(conn, deadline, *args)
        elif mode == "slow-announce":
            time.sleep(0.3)
            starttls(conn, deadline, *args)
        elif mode == "no-from":
            starttls(conn, deadline, *args, frm=None)
        elif mode in ("domain-only", "every-domain"):
            starttls(conn, deadline, *args, mode=mode)
        elif mode == "silence":
            hold(conn, deadline)
        elif mode == "drip":
            for b in header():
                if time.monotonic() > deadline:
                    break
                conn.sendall(bytes([b]))
                time.sleep(1.0)
        elif mode == "garbage":
            read_until(conn, b"version=", deadline)
            conn.sendall(os.urandom(4096))
            hold(conn, deadline)
        elif mode == "huge":
            read_until(conn, b"version=", deadline)
            conn.sendall(b"<?xml version='1.0'?><stream:stream " + NS.encode() + b" from='")
            sent = 0
            while sent < 8 << 20 and time.monotonic() < deadline:
                conn.sendall(b"a" * 65536)
                sent += 65536
            hold(conn, deadline)
        elif mode == "doctype":
            read_until(conn, b"version=", deadline)
            bomb = "<!ENTITY lol0 'lol'>" + "".join(
                "<!ENTITY lol%d '%s'>" % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
            conn.sendall(("<?xml version='1.0'?><!DOCTYPE stream [%s]>"
                          "<stream:stream %s from='&lol9;'>" % (bomb, NS)).encode())
            hold(conn, deadline)
        elif mode == "stream-error":
            read_until(conn, b"version=", deadline)
            conn.sendall(header() + b"<stream:error><policy-violation "
                         b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
                         b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'>go away</text>"
                         b"</stream:error></stream:stream>")
            hold(conn, deadline)
        elif mode == "no-starttls":
            read_until(conn, b"version=", deadline)
            conn.sendall(header() + b"<stream:features><mechanisms "
                         b"xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
                         b"</mechanism></mechanisms></stream:features>")
            hold(conn, deadline)
        elif mode == "failure":
            read_until(conn, b"version=", deadline)
            conn.sendall(header() + TLS_FEATURES.encode())
            read_until(conn, b"<starttls", deadline)
            conn.sendall(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")
            hold(conn, deadline)
        elif mode == "reset":
            read_until(conn, b"version=", deadline)
            conn.sendall(header() + TLS_FEATURES.encode())
            read_until(conn, b"<starttls", deadline)
            conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            time.sleep(0.1)
            # SO_LINGER 0: close with a TCP reset.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "reset-header":
            read_until(conn, b"version=", deadline)
            conn.sendall(header())
            rst(conn)
        elif mode == "close-features":
            read_until(conn, b"version=", deadline)
            conn.sendall(header() + TLS_FEATURES.encode())
        elif mode == "close-proceed":
            to_proceed(conn, deadline)
        elif mode == "reset-handshake":
            to_proceed(conn, deadline)
            half_flight(conn, deadline, *args)
        elif mode == "close-tls":
            after_tls(conn, deadline, *args, then=rst)
        elif mode == "close-direct-tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*args)
            conn.settimeout(max(0.05, deadline - time.monotonic()))
            rst(ctx.wrap_socket(conn, server_side=True))
        elif mode == "close-auth":
            after_tls(conn, deadline, *args,
                      then=lambda tls: sasl(tls, deadline, True))
        elif mode == "close-sasl":
            after_tls(conn, deadline, *args,
                      then=lambda tls: sasl(tls, deadline, False))
        elif mode == "https":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*args)
            tls = ctx.wrap_socket(conn, server_side=True)
            read_until(tls, b">", deadline)
            tls.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            tls.close()
            return
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    mode, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    srv = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(16)
    print("ready", flush=True)
    # Bounded: a peer lives at most ten minutes even if nobody stops it.
    srv.settimeout(1.0)
    end = time.monotonic() + 600
    while time.monotonic() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        accepted = globals().setdefault("ACCEPTED", [0])
        accepted[0] += 1
        # announce-once: the first connection is served, the others held
        # silent (a server that stalls every later handshake).
        now = "silence" if mode == "announce-once" and accepted[0] > 1 else \
            "announce" if mode == "announce-once" else mode
        threading.Thread(target=serve, args=(now, conn, args), daemon=True).start()


if __name__ == "__main__":
    main()
