#!/usr/bin/env python3
"""The README's demo: the same node, before and after one setting.

Starts two Prosody instances on loopback that both serve the XMPP domain
corp.example as node cup1.corp.example: one presents the certificate a
cluster has with "Use Domain Name for XMPP Certificate Subject Alternative
Name" off (it names only the node), the other with the setting on (it names
corp.example too). Runs `xmppcv check` against each, then stops both.

It never prompts (--no-prompt) and ignores any certificates the user
accepted (--no-store), so it always shows what the README promises.

usage: demo.py XMPPCV
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from servers import Prosody, cert  # noqa: E402

XMPPCV = sys.argv[1] if len(sys.argv) > 1 else "build/src/xmppcv"
NODES = [("OFF", "127.0.40.1", "fqdn-only"), ("ON", "127.0.40.2", "domain-san")]


def main():
    servers = []
    summary = []
    try:
        for _, ip, certname in NODES:
            servers.append(Prosody(ip, certname))
        for (setting, ip, _), _srv in zip(NODES, servers):
            # The bundled certificates have fixed dates: pin the time.
            args = ["check", "--no-prompt", "--no-store",
                    "--at", "2026-06-01T00:00:00Z", "--no-system-ca",
                    "--ca-file", cert("root-ca.crt"),
                    "--resolve", "cup1.corp.example:15222:" + ip, "cup1.corp.example:15222"]
            print("== Prosody serving corp.example at %s, SAN-domain setting %s" % (ip, setting))
            print("$ xmppcv " + " ".join(args).replace(cert(""), "fixtures/certs/"))
            sys.stdout.flush()
            code = subprocess.run([XMPPCV, *args]).returncode
            print("(exit status %d)\n" % code)
            o = json.loads(subprocess.run([XMPPCV, *args[:1], "--json", *args[1:]],
                                          capture_output=True, text=True).stdout)
            why = ("%s %s" % (o["identity"]["field"], o["identity"]["value"])
                   if o.get("identity") and o["identity"]["matched"] else
                   (o["advice"][0].split(";")[0] if o.get("advice") else ""))
            summary.append((setting, o["verdict"].replace("-", " ").upper(), code, why))
    finally:
        for s in servers:
            s.stop()
    print("== Same server software, same node, one setting changed:")
    for setting, verdict, code, why in summary:
        print("  SAN-domain setting %-3s  %-12s  exit %d  %s" % (setting, verdict, code, why))
    return 0 if [c for _, _, c, _ in summary] == [1, 0] else 1


if __name__ == "__main__":
    sys.exit(main())
