#!/usr/bin/env python3
"""`xmppcv check` against `openssl s_client -starttls xmpp` on one local Prosody.

Both tools run alternately, many times, against the same Prosody on loopback
(the machine is shared and noisy, so only side-by-side ratios mean much).
Prints the median wall time of each, their ratio, and peak RSS.

  bench/check_vs_sclient.py [ROUNDS]   (default 40; needs build/src/xmppcv)

xmppcv runs twice per round: with discovery from the node name and with
--domain (one connection, as s_client with -xmpphost). Discovery opens one
connection per candidate (cup1.corp.example, then corp.example) at once
and judges the answers in candidate order, so it costs one round trip, not
one per candidate: host-unknown on the first, and STARTTLS and the
handshake on the second, concurrently. Both verify the chain against the
same anchor; xmppcv also does the full XMPP identity check.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from servers import Prosody, cert  # noqa: E402

XMPPCV = os.path.join(ROOT, "build", "src", "xmppcv")
IP = "127.0.209.251"


def timed(cmd, rss_file):
    """Wall seconds and peak RSS (KiB) of one run; fails on a bad exit.

    RSS comes from GNU time: wait4() on a child forked from Python would
    report Python's own pages from before exec."""
    start = time.monotonic()
    code = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    secs = time.monotonic() - start
    if code != 0:
        raise SystemExit("%s exited %d" % (cmd[0], code))
    with open(rss_file) as f:
        return secs, int(f.read().split()[-1])


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    server = Prosody(IP, "domain-san")
    anchors = ["--no-system-ca", "--ca-file", cert("root-ca.crt")]
    tools = {
        "xmppcv check (discovery)": [XMPPCV, "check", *anchors, "--resolve",
                                     "cup1.corp.example:15222:" + IP, "cup1.corp.example:15222"],
        "xmppcv check --domain": [XMPPCV, "check", *anchors, "--domain", "corp.example",
                                  IP + ":15222"],
        "openssl s_client": ["openssl", "s_client", "-connect", IP + ":15222", "-starttls",
                             "xmpp", "-xmpphost", "corp.example", "-verify_return_error",
                             "-CAfile", cert("root-ca.crt"), "-verify_hostname",
                             "corp.example", "-brief"],
    }
    results = {k: ([], []) for k in tools}
    rss_file = os.path.join(server.dir, "rss")
    try:
        for _ in range(rounds):
            for name, cmd in tools.items():
                secs, rss = timed(cmd, rss_file)
                results[name][0].append(secs)
                results[name][1].append(rss)
    finally:
        server.stop()
    base = statistics.median(results["openssl s_client"][0])
    print("%d rounds against Prosody on %s, alternating" % (rounds, IP))
    for name, (secs, rss) in results.items():
        m = statistics.median(secs)
        print("  %-26s median %6.1f ms   ratio to s_client %.2f   peak RSS %5d KiB"
              % (name, m * 1000, m / base, max(rss)))


if __name__ == "__main__":
    main()
