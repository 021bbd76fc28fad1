#!/usr/bin/env python3
"""A scripted DNS server on loopback UDP for SRV and A lookups.

usage: dns.py IP PORT NAME=TYPE:VALUE...
  _xmpp-client._tcp.corp.example=SRV:0:5:15222:cup1.corp.example
  cup1.corp.example=A:127.0.10.1
Unknown names get NXDOMAIN. Prints "ready"; stop it by its PID.
"""
import socket
import struct
import sys
import time

TYPES = {"A": 1, "SRV": 33, "AAAA": 28}


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def parse_qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += n + 1
    return ".".join(labels).lower(), off + 1


def main():
    ip, port = sys.argv[1], int(sys.argv[2])
    records = {}
    for spec in sys.argv[3:]:
        name, value = spec.split("=", 1)
        rtype, data = value.split(":", 1)
        records.setdefault((name.lower(), TYPES[rtype]), []).append(data)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, port))
    sock.settimeout(1.0)
    print("ready", flush=True)
    end = time.monotonic() + 600
    while time.monotonic() < end:
        try:
            msg, addr = sock.recvfrom(512)
        except socket.timeout:
            continue
        if len(msg) < 12:
            continue
        qid = msg[:2]
        qname, off = parse_qname(msg, 12)
        qtype = struct.unpack(">H", msg[off:off + 2])[0]
        question = msg[12:off + 4]
        answers = b""
        found = records.get((qname, qtype), [])
        known = any(k[0] == qname for k in records)
        for data in found:
            if qtype == 1:
                rdata = socket.inet_aton(data)
            elif qtype == 28:
                rdata = socket.inet_pton(socket.AF_INET6, data)
            else:
                prio, weight, p, target = data.split(":")
                rdata = struct.pack(">HHH", int(prio), int(weight), int(p)) + name_wire(target)
            answers += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata
        rcode = 0 if (found or known) else 3
        flags = 0x8180 | rcode
        header = qid + struct.pack(">HHHHH", flags, 1, len(found), 0, 0)
        sock.sendto(header + question + answers, addr)


if __name__ == "__main__":
    main()
