"""DNSSEC on loopback for the DANE tests: zones signed with ldns-signzone
(keys from ldns-keygen), served by nsd, and a validating unbound that has
the top zone's key as its trust anchor. Both run in the foreground as
children of the test, each with a configuration of its own in a temporary
directory, and are stopped by PID (servers.stop_pid).

    lab = DnsLab("127.0.173.1", "127.0.173.2")
    lab.zone("corp.example", RECORDS, signed=True)      # children first
    lab.zone("plain.example", RECORDS, signed=False)
    lab.zone("example", RECORDS, signed=True, top=True) # gets their DS
    lab.start()          # lab.resolver: "127.0.173.2:PORT"; lab.anchor
    ...
    lab.stop()
"""
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import servers

SOA = "@ 300 IN SOA ns.example. admin.example. 1 3600 600 86400 300\n"


def dns_query(server, port, name, qtype=6, timeout=0.3):
    """One UDP query (qtype 6: SOA); the answer's RCODE and AD bit, or None
    when nothing answered in time."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(q, (server, port))
            data = s.recv(4096)
        except OSError:
            return None
    if len(data) < 12 or struct.unpack(">H", data[:2])[0] != qid:
        return None
    flags = struct.unpack(">H", data[2:4])[0]
    return flags & 0xF, bool(flags & 0x20)


class DnsLab:
    def __init__(self, nsd_ip, unbound_ip, nsd_port=15353, unbound_port=15354,
                 unbound_extra_ports=()):
        self.dir = tempfile.mkdtemp(prefix="xmppcv-dnssec-")
        os.chmod(self.dir, 0o755)
        self.nsd_ip, self.unbound_ip = nsd_ip, unbound_ip
        self.nsd_port, self.unbound_port = nsd_port, unbound_port
        self.unbound_extra_ports = list(unbound_extra_ports)
        self.zones = []             # (name, file served)
        self.ds = {}                # signed zone -> its KSK's DS record
        self.anchor = None          # file: the top zone's DS
        self.resolver = "%s:%d" % (unbound_ip, unbound_port)
        self.nsd = self.unbound = None

    def run(self, argv):
        return subprocess.run(argv, cwd=self.dir, check=True, timeout=60,
                              capture_output=True, text=True).stdout

    def keygen(self, zone, ksk):
        """ldns-keygen: an ECDSA P-256 key; returns its base name."""
        args = ["ldns-keygen", "-a", "ECDSAP256SHA256"] + (["-k"] if ksk else [])
        return self.run(args + [zone + "."]).strip()

    def zone(self, name, records, signed=True, top=False, expired=False):
        """Write the zone name. (records: zone-file lines relative to it),
        with the DS records of the signed zones below it when top, and sign
        it unless signed is False. expired: signatures that ended in
        2020. Zones below the top one first, so that their DS exist."""
        text = "$ORIGIN %s.\n$TTL 300\n%s@ IN NS ns.example.\n" % (name, SOA)
        text += "".join(line + "\n" for line in records)
        if top:
            for child, _ in self.zones:
                text += "%s. IN NS ns.example.\n%s\n" % (child, self.ds.get(child, ""))
        path = os.path.join(self.dir, name + ".zone")
        with open(path, "w") as f:
            f.write(text)
        served = path
        if signed:
            zsk, ksk = self.keygen(name, False), self.keygen(name, True)
            with open(os.path.join(self.dir, ksk + ".ds")) as f:
                ds = f.read().strip()
            self.ds[name] = ds
            args = ["ldns-signzone", "-o", name + "."]
            if expired:
                args += ["-i", "20190101", "-e", "20200101"]
            self.run(args + [path, zsk, ksk])
            served = path + ".signed"
            if top:
                self.anchor = os.path.join(self.dir, "anchor.ds")
                with open(self.anchor, "w") as f:
                    f.write(ds + "\n")
        self.zones.append((name, served))

    def start(self):
        conf = os.path.join(self.dir, "nsd.conf")
        with open(conf, "w") as f:
            f.write("""server:
  ip-address: %s@%d
  username: ""
  chroot: ""
  zonesdir: "%s"
  pidfile: "%s/nsd.pid"
  database: ""
  zonelistfile: "%s/zone.list"
  xfrdfile: "%s/xfrd.state"
  xfrdir: "%s"
  logfile: "%s/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
""" % (self.nsd_ip, self.nsd_port, self.dir, self.dir, self.dir, self.dir,
                self.dir, self.dir))
            for name, served in self.zones:
                f.write("zone:\n  name: %s.\n  zonefile: \"%s\"\n" % (name, served))
        self.nsd = servers.spawn(["nsd", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        self.wait(self.nsd, self.nsd_ip, self.nsd_port, "example", "nsd")
        conf = os.path.join(self.dir, "unbound.conf")
        top = self.zones[-1][0]
        with open(conf, "w") as f:
            f.write("""server:
  interface: %s@%d
%s  username: ""
  chroot: ""
  directory: "%s"
  pidfile: "%s/unbound.pid"
  logfile: "%s/unbound.log"
  use-syslog: no
  verbosity: 1
  val-log-level: 2
  num-threads: 1
  so-reuseport: no
  do-ip6: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  trust-anchor-file: "%s"
  module-config: "validator iterator"
  # Nothing leaves loopback: the test's zones only.
  local-zone: "." refuse
  local-zone: "%s." transparent
remote-control:
  control-enable: no
stub-zone:
  name: "%s."
  stub-addr: %s@%d
""" % (self.unbound_ip, self.unbound_port,
                "".join("  interface: %s@%d\n" % (self.unbound_ip, p)
                        for p in self.unbound_extra_ports),
                self.dir, self.dir, self.dir, self.anchor, top, top,
                self.nsd_ip, self.nsd_port))
        self.unbound = servers.spawn(["unbound", "-d", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait(self.unbound, self.unbound_ip, self.unbound_port, top, "unbound")

    def wait(self, proc, ip, port, name, what, seconds=15.0):
        end = time.monotonic() + seconds
        for _ in range(int(seconds / 0.1) + 1):
            if proc.poll() is not None:
                break
            if dns_query(ip, port, name) is not None:
                return
            if time.monotonic() > end:
                break
            time.sleep(0.1)
        log = self.log(what)
        self.stop()
        raise RuntimeError("%s did not answer on %s:%d\n%s" % (what, ip, port, log))

    def log(self, what):
        try:
            with open(os.path.join(self.dir, what + ".log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        for proc in (self.unbound, self.nsd):
            if proc is not None:
                servers.stop_pid(proc)
        self.unbound = self.nsd = None
        shutil.rmtree(self.dir, ignore_errors=True)
