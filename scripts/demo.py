#!/usr/bin/env python3
"""The README's demo: the same node, before and after one setting; then
the cluster, where one node was not updated.

Starts two Prosody instances on loopback that both serve the XMPP domain
corp.example as node cup1.corp.example: one presents the certificate a
cluster has with "Use Domain Name for XMPP Certificate Subject Alternative
Name" off (it names only the node), the other with the setting on (it names
corp.example too). Runs `xmppcv check` against each. Then two more nodes
join the one with the setting on: cup2 (updated) and cup3 (not updated, its
certificate names only cup3.corp.example), and `xmppcv scan` checks the
three at once, names cup3 in a domain-san-missing finding, and writes the
trust plan (what to deploy to client computers) into build/demo-plan.
Every server is stopped by its PID at the end.

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
# The cluster: cup1 is the node with the setting on above.
CLUSTER = [("cup1.corp.example", "127.0.40.2", None),
           ("cup2.corp.example", "127.0.40.3", "rsa-domain"),
           ("cup3.corp.example", "127.0.40.4", "tomcat-cup3")]
TRUST = ["--no-store", "--at", "2026-06-01T00:00:00Z", "--no-system-ca",
         "--ca-file", cert("root-ca.crt")]
# Beside the build: replaced by each run.
PLAN = os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(XMPPCV)), "..",
                                    "demo-plan"))


def shown(args):
    return "$ xmppcv " + " ".join(args).replace(cert(""), "fixtures/certs/")


def scan(servers):
    """The cluster after the change; True when cup3 alone is named."""
    for _, ip, certname in CLUSTER:
        if certname:
            servers.append(Prosody(ip, certname))
    pins = []
    for node, ip, _ in CLUSTER:
        pins += ["--resolve", "%s:15222:%s" % (node, ip)]
    # Three client profiles: the seed's client, and two that read dNSName
    # only (what each would do on every node).
    args = ["scan", *TRUST, "--services", "c2s", "--port", "c2s=15222", *pins,
            "--clients", "cisco-jabber,gio,libstrophe", "--trust-plan", PLAN, "--force",
            "--domain", "corp.example", *[n for n, _, _ in CLUSTER]]
    print("== The cluster after the change: cup1 and cup2 were re-signed, cup3 was not")
    print(shown(args))
    sys.stdout.flush()
    code = subprocess.run([XMPPCV, *args]).returncode
    print("(exit status %d)\n" % code)
    with open(os.path.join(PLAN, "plan.json")) as f:
        plan = json.load(f)
    json_args = [a for a in args if a not in ("--trust-plan", PLAN, "--force")]
    out = subprocess.run([XMPPCV, json_args[0], "--json", *json_args[1:]],
                         capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    named = [f["nodes"] for f in lines[-1]["findings"] if f["code"] == "domain-san-missing"]
    # Gajim and Dino (gio) connect silently to the two nodes re-signed.
    gio = {o["node"]: c["verdict"] for o in lines[:-1] for c in o.get("clients", [])
           if c["client"] == "gio"}
    # The plan: the private root to every client; cup3 a fix on the server.
    planned = ([r["subject"] for r in plan["roots"]] == ["CN=Corp Root CA,O=Corp Example"]
               and [(f["node"], f["problem"]) for f in plan["server_fixes"]] ==
               [("cup3.corp.example", "mismatch")] and
               (plan["prompts_before"]["cisco-jabber"], plan["prompts_after"]["cisco-jabber"])
               == (3, 1))
    return (code == 1 and named == [["cup3.corp.example"]] and planned and
            gio == {"cup1.corp.example": "connects", "cup2.corp.example": "connects",
                    "cup3.corp.example": "fails"})


def main():
    servers = []
    summary = []
    try:
        for _, ip, certname in NODES:
            servers.append(Prosody(ip, certname))
        for (setting, ip, _), _srv in zip(NODES, servers):
            # The bundled certificates have fixed dates: pin the time.
            args = ["check", "--no-prompt", *TRUST,
                    "--resolve", "cup1.corp.example:15222:" + ip, "cup1.corp.example:15222"]
            print("== Prosody serving corp.example at %s, SAN-domain setting %s" % (ip, setting))
            print(shown(args))
            sys.stdout.flush()
            code = subprocess.run([XMPPCV, *args]).returncode
            print("(exit status %d)\n" % code)
            o = json.loads(subprocess.run([XMPPCV, *args[:1], "--json", *args[1:]],
                                          capture_output=True, text=True).stdout)
            why = ("%s %s" % (o["identity"]["field"], o["identity"]["value"])
                   if o.get("identity") and o["identity"]["matched"] else
                   (o["advice"][0].split(";")[0] if o.get("advice") else ""))
            summary.append((setting, o["verdict"].replace("-", " ").upper(), code, why))
        cluster_ok = scan(servers)
    finally:
        for s in servers:
            s.stop()
    print("== Same server software, same node, one setting changed:")
    for setting, verdict, code, why in summary:
        print("  SAN-domain setting %-3s  %-12s  exit %d  %s" % (setting, verdict, code, why))
    print("== The scan named the node the setting was not applied to: %s" %
          ("cup3.corp.example" if cluster_ok else "NOT AS EXPECTED"))
    print("== What to deploy to client computers so that nobody is prompted: %s" %
          os.path.join(PLAN, "PLAN.md"))
    return 0 if [c for _, _, c, _ in summary] == [1, 0] and cluster_ok else 1


if __name__ == "__main__":
    sys.exit(main())
