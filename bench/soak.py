#!/usr/bin/env python3
"""Soak: 10,000 checks in one process against the scripted hostile peers.

  bench/soak.py [N]   (default 10000; needs build/bench/soak)

Starts one scripted peer (tests/peer.py) per behaviour on loopback: a
server that announces the domain and presents a chain, garbage, a
multi-megabyte header, a DOCTYPE bomb, a stream error, no STARTTLS, a
STARTTLS failure, a reset after <proceed/>, a header without 'from'; then
build/bench/soak runs N checks through the library API, in turn against
each, with one configuration for the whole run. The resident set size
after every thousand checks should stay flat: the first and last
thousand's are compared. Every peer is stopped by its PID.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from servers import Peer, cert  # noqa: E402

SOAK = os.path.join(ROOT, "build", "bench", "soak")
NET = "127.0.60."
MODES = [("announce", True), ("garbage", False), ("huge", False), ("doctype", False),
         ("stream-error", False), ("no-starttls", False), ("failure", False),
         ("reset", False), ("no-from", True)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    peers, targets = [], []
    try:
        for i, (mode, tls) in enumerate(MODES, 1):
            args = [cert("domain-san.chain.pem"), cert("domain-san.key")] if tls else []
            peers.append(Peer(mode, NET + str(i), 15222, *args))
            targets.append("%s%d:15222" % (NET, i))
        p = subprocess.run([SOAK, str(n), cert("root-ca.crt"), "corp.example", *targets],
                           capture_output=True, text=True, timeout=3600)
    finally:
        for peer in peers:
            peer.stop()
    if p.returncode != 0:
        raise SystemExit("soak exited %d: %s" % (p.returncode, p.stderr))
    print(p.stdout, end="")
    rows = [line.split() for line in p.stdout.splitlines() if line[:1].isspace() or
            line[:1].isdigit()]
    first, last = int(rows[0][1]), int(rows[-1][1])
    print("rss: first thousand %d KiB, last thousand %d KiB, last/first %.3f" % (
        first, last, last / first))


if __name__ == "__main__":
    main()
