#!/usr/bin/env python3
"""Monitoring: `--format nagios|prometheus` and `xmppcv exporter`.

Usage: cli_monitor.py CLASS   (XMPPCV and FIXTURES come from the environment)

Formats: real Prosody nodes serving corp.example (cup1 with the domain in
its certificate, cup2 with a certificate that expires on 2026-06-15, cup3
with the node's FQDN only), nginx as cup1's HTTPS port, and an address
where nothing listens; every format of check and scan, with the exact exit
status and status line, the plugin output checked against the monitoring
plugins guidelines' grammar, the exposition format against promtool.

Exporter: the exporter against the same kind of nodes, scraped by a real
Prometheus whose HTTP API is then asked for the values; hostile and
malformed requests; the concurrency bound and the scrape timeout; SIGTERM;
bad configurations. Every server is started here and stopped by its PID.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import (Exporter, Nginx, Peer, Prometheus, Prosody, cert,  # noqa: E402
                     free_port, stop_pid)

XMPPCV = os.environ.get("XMPPCV", "build/src/xmppcv")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AT = "2026-06-01T00:00:00Z"
TRUST = ["--no-store", "--no-system-ca", "--ca-file", cert("root-ca.crt")]
# notAfter of the fixtures' leaves (2036-01-01) and of cup2's (2026-06-15).
LEAF_END = 2082758400
SOON_END = 1781481600

# The guidelines' performance data: 'label'=value[UOM];[warn];[crit];[min];[max]
PERF = re.compile(r"^(?:'[^'=]+'|[^'= ]+)=(-?[0-9.]+)(s|us|ms|%|B|KB|MB|TB|c)?"
                  r";([0-9.:~@-]*);([0-9.:~@-]*);(-?[0-9.]*);(-?[0-9.]*)$")


def run(*args, timeout=120):
    p = subprocess.run([XMPPCV, *args], capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report for %r:\n%s" % (args, err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def plugin(out):
    """Split plugin output by the guidelines: (status line, {label: perf
    fields}, long text lines). Fails on anything outside the grammar."""
    lines = out.split("\n")
    if lines[-1] != "":
        raise AssertionError("output does not end with a newline: %r" % out)
    first, rest = lines[0], lines[1:-1]
    status, sep, perf = first.partition(" | ")
    if not sep or "|" in status:
        raise AssertionError("no single ' | ' before the perfdata: %r" % first)
    items = {}
    # Labels are quoted when they hold spaces.
    for m in re.finditer(r"('[^']*'|[^' ]+)=\S+", perf):
        item = m.group(0)
        fields = PERF.match(item)
        if fields is None:
            raise AssertionError("perfdata item outside the grammar: %r" % item)
        items[m.group(1).strip("'")] = fields.groups()
    if re.sub(r"('[^']*'|[^' ]+)=\S+", "", perf).strip():
        raise AssertionError("stray text in the perfdata: %r" % perf)
    for line in rest:
        if "|" in line:
            raise AssertionError("'|' in the long text: %r" % line)
    return status, items, rest


def promtool(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("promtool check metrics: %s%s\n%s" % (
            p.stdout.decode(), p.stderr.decode(), text))


def samples(text):
    """{(name, frozenset(labels)): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if m is None:
            raise AssertionError("not a sample line: %r" % line)
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(s, name, **labels):
    key = (name, frozenset(labels.items()))
    if key not in s:
        raise AssertionError("no sample %s%r in %r" % (name, labels, sorted(s)))
    return s[key]


class Nodes:
    """cup1 (domain SAN), cup2 (expires 2026-06-15), cup3 (FQDN only),
    cup4 (nothing listens), nginx as cup1's HTTPS port."""

    NET = None

    @classmethod
    def start_nodes(cls):
        n = cls.NET
        cls.servers = []
        try:
            cls.servers += [
                Prosody(n + "1", "domain-san"),
                Prosody(n + "2", "expiring-soon"),
                Prosody(n + "3", "fqdn-only"),
                Nginx([(n + "1", 18443, "tomcat")]),
            ]
        except Exception:
            cls.stop_nodes()
            raise

    @classmethod
    def stop_nodes(cls):
        for s in reversed(cls.servers):
            s.stop()

    @classmethod
    def pins(cls, port=1):
        return ["cup%d.corp.example:%d:%s%d" % (i, port, cls.NET, i) for i in (1, 2, 3, 4)]


class Formats(unittest.TestCase, Nodes):
    NET = "127.0.140."

    @classmethod
    def setUpClass(cls):
        cls.start_nodes()

    @classmethod
    def tearDownClass(cls):
        cls.stop_nodes()

    def check(self, node, *extra, at=AT):
        pins = []
        for p in self.pins(15222):
            pins += ["--resolve", p]
        return run("check", *TRUST, "--at", at, "--timeout", "3", *pins, *extra,
                   "%s.corp.example:15222" % node)

    def scan(self, *extra, nodes=("cup1", "cup2", "cup3"), at=AT):
        pins = []
        for p in self.pins():
            pins += ["--resolve", p]
        return run("scan", *TRUST, "--at", at, "--timeout", "3", "--domain", "corp.example",
                   "--port", "c2s=15222", "--port", "s2s=15269", "--port", "xmpps=15223",
                   "--port", "https=18443", "--services", "c2s,s2s", *pins, *extra,
                   *["%s.corp.example" % n for n in nodes])

    # Nagios: a verified node, an FQDN-only node, an expiring certificate,
    # an unreachable node, bad input.
    def test_nagios_verified(self):
        code, out, _ = self.check("cup1", "--format", "nagios")
        status, perf, rest = plugin(out)
        self.assertEqual(code, 0, out)
        self.assertEqual(status, "XMPPCV OK - corp.example: 1 of 1 node verified; the first "
                         "certificate expires in 3501 days, on 2036-01-01")
        self.assertEqual(perf["cup1.corp.example:15222 c2s days_left"],
                         ("3501", None, "30:", "14:", "", ""))
        self.assertEqual(perf["verified"], ("1", None, "", "", "0", "1"))
        self.assertEqual(perf["not_verified"], ("0", None, "", "", "0", "1"))
        self.assertEqual(perf["time"][1], "s")
        self.assertEqual(rest, ["cup1.corp.example:15222 c2s (127.0.140.1:15222): verified "
                                "via dnsName corp.example; expires in 3501 days, on 2036-01-01"])

    def test_nagios_fqdn_only_is_critical(self):
        code, out, _ = self.check("cup3", "--format", "nagios")
        status, perf, rest = plugin(out)
        self.assertEqual(code, 2, out)
        self.assertEqual(status, "XMPPCV CRITICAL - corp.example: 0 of 1 node verified; "
                         "cup3.corp.example:15222 c2s: certificate does not name corp.example")
        self.assertEqual(perf["not_verified"][0], "1")
        self.assertIn("not-verified: certificate does not name corp.example", rest[0])

    def test_nagios_expiry_thresholds(self):
        # 14 days left: within --warn-days 30, not below --crit-days 14.
        code, out, _ = self.check("cup2", "--format", "nagios")
        status, perf, _ = plugin(out)
        self.assertEqual(code, 1, out)
        self.assertEqual(status, "XMPPCV WARNING - corp.example: 1 of 1 node verified; "
                         "cup2.corp.example:15222 c2s: certificate expires in 14 days, on "
                         "2026-06-15")
        self.assertEqual(perf["cup2.corp.example:15222 c2s days_left"][:4],
                         ("14", None, "30:", "14:"))
        # 10 days left: below 14, critical; with --crit-days 7 a warning.
        code, out, _ = self.check("cup2", "--format", "nagios", at="2026-06-05T00:00:00Z")
        self.assertEqual(code, 2, out)
        self.assertTrue(out.startswith("XMPPCV CRITICAL - corp.example: 1 of 1 node verified; "
                                       "cup2.corp.example:15222 c2s: certificate expires in "
                                       "10 days"), out)
        code, out, _ = self.check("cup2", "--format", "nagios", "--crit-days", "7",
                                  "--warn-days", "12", at="2026-06-05T00:00:00Z")
        status, perf, _ = plugin(out)
        self.assertEqual(code, 1, out)
        self.assertEqual(perf["cup2.corp.example:15222 c2s days_left"][:4],
                         ("10", None, "12:", "7:"))
        # After notAfter the chain is expired: not verified, critical.
        code, out, _ = self.check("cup2", "--format", "nagios", at="2026-07-01T00:00:00Z")
        self.assertEqual(code, 2, out)
        self.assertIn("0 of 1 node verified", out)

    def test_nagios_unreachable_is_unknown(self):
        code, out, _ = self.check("cup4", "--format", "nagios")
        status, perf, rest = plugin(out)
        self.assertEqual(code, 3, out)
        self.assertEqual(status, "XMPPCV UNKNOWN - cup4.corp.example:15222: 0 of 1 node verified; "
                         "cup4.corp.example:15222 c2s: no certificate: connect: cannot connect "
                         "to 127.0.140.4:15222: Connection refused")
        self.assertEqual(perf["no_certificate"][0], "1")

    def test_nagios_bad_input_is_unknown(self):
        for args, line in [
                (["check", "--format", "nagios", "--bogus", "x"],
                 "XMPPCV UNKNOWN - unknown option '--bogus' for check\n"),
                (["check", "--format=nagios", "--at", "yesterday", "x"],
                 None),
                (["check", "--format", "nagios"],
                 "XMPPCV UNKNOWN - check: no TARGET given: name a server (host, host:port, "
                 "JID or domain)\n"),
                (["scan", "--format", "nagios", "--crit-days", "-1", "corp.example"],
                 "XMPPCV UNKNOWN - --crit-days wants a number of days (0-36500), not '-1'\n"),
                (["check", *TRUST, "--format", "nagios", "cup1.corp.example:0x"], None)]:
            code, out, err = run(*args)
            self.assertEqual(code, 3, (args, out, err))
            self.assertTrue(out.startswith("XMPPCV UNKNOWN - "), (args, out))
            if line:
                self.assertEqual(out, line)
            self.assertNotIn("|", out.split(" | ")[0])

    def test_nagios_scan(self):
        code, out, _ = self.scan("--format", "nagios")
        status, perf, rest = plugin(out)
        self.assertEqual(code, 2, out)
        self.assertEqual(status, "XMPPCV CRITICAL - corp.example: 2 of 3 nodes verified; "
                         "cup3.corp.example c2s: certificate does not name corp.example "
                         "(and 6 more)")
        self.assertEqual(perf["verified"], ("4", None, "", "", "0", "6"))
        self.assertEqual(perf["not_verified"], ("2", None, "", "", "0", "6"))
        self.assertEqual(perf["cup2.corp.example s2s days_left"][0], "14")
        self.assertEqual(perf["cup1.corp.example c2s days_left"][0], "3501")
        self.assertIn("ERROR domain-san-missing: the XMPP certificate of cup3.corp.example "
                      "does not name the XMPP domain", "\n".join(rest))
        self.assertEqual(sum(1 for r in rest if r.startswith("WARNING expiry-soon")), 2)
        # The good nodes alone: the expiring one makes it a warning.
        code, out, _ = self.scan("--format", "nagios", nodes=("cup1", "cup2"))
        self.assertEqual(code, 1, out)
        self.assertTrue(out.startswith("XMPPCV WARNING - corp.example: 2 of 2 nodes verified; "
                                       "cup2.corp.example c2s: certificate expires in 14 days"),
                        out)
        code, out, _ = self.scan("--format", "nagios", nodes=("cup1",))
        self.assertEqual(code, 0, out)
        # A node where nothing listens: no certificate, unknown (the one
        # more are its closed s2s port, named in --services, and its
        # finding, node-unreachable).
        code, out, _ = self.scan("--format", "nagios", nodes=("cup1", "cup4"))
        status, _, rest = plugin(out)
        self.assertEqual(code, 3, out)
        self.assertEqual(status, "XMPPCV UNKNOWN - corp.example: 1 of 2 nodes verified; "
                         "cup4.corp.example c2s: closed: cannot connect to "
                         "127.0.140.4:15222: Connection refused (and 2 more)")

    # Prometheus: valid under promtool, the values right.
    def test_prometheus_check(self):
        code, out, _ = self.check("cup1", "--format", "prometheus")
        self.assertEqual(code, 0, out)
        promtool(out)
        s = samples(out)
        ep = dict(node="cup1.corp.example:15222", service="c2s", domain="corp.example")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), LEAF_END)
        self.assertEqual(value(s, "xmppcv_verified", **ep), 1)
        self.assertEqual(value(s, "xmppcv_verdict", verdict="verified", **ep), 1)
        self.assertEqual(value(s, "xmppcv_verdict", verdict="not-verified", **ep), 0)
        self.assertEqual(value(s, "xmppcv_identity_match", field="dnsName", **ep), 1)
        self.assertEqual(value(s, "xmppcv_identity_match", field="xmppAddr", **ep), 0)
        self.assertEqual(value(s, "xmppcv_cert_not_after_seconds", **ep), LEAF_END)
        self.assertGreaterEqual(value(s, "probe_duration_seconds"), 0)
        for name in ("probe_success", "xmppcv_verified", "xmppcv_findings"):
            self.assertIn("# HELP %s " % name, out)
            self.assertIn("# TYPE %s gauge" % name, out)

    def test_prometheus_scan(self):
        code, out, _ = self.scan("--format", "prometheus")
        self.assertEqual(code, 1, out)
        promtool(out)
        s = samples(out)
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), SOON_END)
        for node, ok in (("cup1", 1), ("cup2", 1), ("cup3", 0)):
            for svc in ("c2s", "s2s"):
                ep = dict(node=node + ".corp.example", service=svc, domain="corp.example")
                self.assertEqual(value(s, "xmppcv_verified", **ep), ok, (node, svc))
                self.assertEqual(value(s, "xmppcv_identity_match", field="dnsName", **ep), ok)
        self.assertEqual(value(s, "xmppcv_cert_not_after_seconds", node="cup2.corp.example",
                               service="c2s", domain="corp.example"), SOON_END)
        self.assertEqual(value(s, "xmppcv_findings", domain="corp.example",
                               code="domain-san-missing", severity="error"), 1)
        self.assertEqual(value(s, "xmppcv_findings", domain="corp.example",
                               code="expiry-soon", severity="warning"), 2)
        code, out, _ = self.scan("--format", "prometheus", nodes=("cup1",))
        self.assertEqual(code, 0, out)
        promtool(out)
        self.assertEqual(value(samples(out), "probe_success"), 1)

    def test_prometheus_unreachable_and_label_escaping(self):
        code, out, _ = self.check("cup4", "--format", "prometheus")
        self.assertEqual(code, 3, out)
        promtool(out)
        s = samples(out)
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertNotIn("probe_ssl_earliest_cert_expiry", out)
        self.assertEqual(value(s, "xmppcv_verdict", node="cup4.corp.example:15222",
                               service="c2s", domain="", verdict="no-certificate"), 1)
        # A target that is not one, with a quote, a backslash and a line
        # feed: reported, its label escaped.
        code, out, _ = run("check", *TRUST, "--format", "prometheus", 'a"b\\c\nd:x')
        self.assertEqual(code, 2, out)
        promtool(out)
        self.assertIn('node="a\\"b\\\\c\\nd:x"', out)

    # --format text and json are the commands' own outputs.
    def test_text_and_json_formats(self):
        code, out, _ = self.check("cup1", "--format", "json")
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)["verdict"], "verified")
        code2, out2, _ = self.check("cup1", "--json")
        self.assertEqual(json.loads(out2)["verdict"], "verified")
        self.assertEqual(sorted(json.loads(out)), sorted(json.loads(out2)))
        code, out, _ = self.check("cup1", "--format", "text")
        self.assertEqual(code, 0)
        self.assertIn("VERIFIED", out)
        code, out, err = run("check", "--format", "xml", "x")
        self.assertEqual(code, 2)
        self.assertIn("--format wants text, json, nagios or prometheus, not 'xml'", err)


class Scraped(unittest.TestCase, Nodes):
    """The exporter, scraped by a real Prometheus."""

    NET = "127.0.141."

    @classmethod
    def setUpClass(cls):
        cls.start_nodes()
        n = cls.NET
        try:
            # A node that accepts and never answers, for the bound and
            # the scrape timeout.
            cls.servers.append(Peer("silence", n + "5", 15222))
            common = {"ca_file": cert("root-ca.crt"), "system_ca": False, "timeout": 10}
            cls.config = {
                "max_probes": 2,
                "targets": {
                    "corp.example": dict(common, domain="corp.example",
                                         nodes=["cup%d.corp.example" % i for i in (1, 2, 3)],
                                         resolve=cls.pins(), services="c2s,s2s",
                                         ports={"c2s": 15222, "s2s": 15269}),
                    "cup1.corp.example:15222": dict(common, domain="corp.example",
                                                    modules=["c2s"],
                                                    resolve=cls.pins(15222)),
                    "cup3.corp.example:15222": dict(common, domain="corp.example",
                                                    modules=["c2s"],
                                                    resolve=cls.pins(15222)),
                    "cup1.corp.example:18443": dict(common, modules=["https"],
                                                    resolve=cls.pins(18443)),
                    "silent.corp.example:15222": dict(
                        common, domain="corp.example", modules=["c2s"],
                        resolve=["silent.corp.example:15222:%s5" % n]),
                }}
            cls.exporter = Exporter(XMPPCV, n + "100", cls.config, ["--verbose"])
            cls.servers.append(cls.exporter)
        except Exception:
            cls.stop_nodes()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.servers.remove(cls.exporter)
        code, log = cls.exporter.stop()
        cls.stop_nodes()
        # SIGTERM ends it with 0, with nothing from the sanitizers.
        if code != 0 or "Sanitizer" in log or "runtime error" in log:
            raise AssertionError("the exporter ended with %s:\n%s" % (code, log))

    def url(self, path):
        return "http://%s:%d%s" % (self.exporter.ip, self.exporter.port, path)

    def get(self, path, headers=None, timeout=30):
        req = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers

    def alive(self):
        self.assertIsNone(self.exporter.proc.poll(), self.exporter.log())
        code, body, _ = self.get("/metrics")
        self.assertEqual(code, 200)
        promtool(body)
        return samples(body)

    def test_probe_answers(self):
        code, body, headers = self.get("/probe?target=cup1.corp.example:15222&module=c2s")
        self.assertEqual(code, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        promtool(body)
        s = samples(body)
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), LEAF_END)
        code, body, _ = self.get("/probe?target=cup1.corp.example:18443&module=https")
        self.assertEqual(code, 200, body)
        self.assertEqual(value(samples(body), "xmppcv_verified", node="cup1.corp.example:18443",
                               service="https", domain="cup1.corp.example"), 1)
        code, body, _ = self.get("/probe?target=corp.example&module=scan")
        promtool(body)
        s = samples(body)
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "xmppcv_findings", domain="corp.example",
                               code="domain-san-missing", severity="error"), 1)

    def test_prometheus_scrapes(self):
        e = "%s:%d" % (self.exporter.ip, self.exporter.port)
        relabel = [{"source_labels": ["__address__"], "target_label": "__param_target"},
                   {"source_labels": ["__param_target"], "target_label": "instance"},
                   {"target_label": "__address__", "replacement": e}]
        prom = Prometheus(self.NET + "90", [
            {"job_name": "xmpp-c2s", "metrics_path": "/probe", "params": {"module": ["c2s"]},
             "scrape_timeout": "5s", "scrape_interval": "5s",
             "static_configs": [{"targets": ["cup1.corp.example:15222",
                                             "cup3.corp.example:15222"]}],
             "relabel_configs": relabel},
            {"job_name": "xmpp-scan", "metrics_path": "/probe", "params": {"module": ["scan"]},
             "scrape_timeout": "5s", "scrape_interval": "5s",
             "static_configs": [{"targets": ["corp.example"]}],
             "relabel_configs": relabel},
            {"job_name": "xmppcv-exporter", "static_configs": [{"targets": [e]}]},
        ])
        try:
            want = {"cup1.corp.example:15222", "cup3.corp.example:15222", "corp.example"}
            seen = {}
            for _ in range(120):
                seen = {m["instance"]: v for m, v in prom.query("probe_success")}
                if set(seen) >= want:
                    break
                time.sleep(0.5)
            self.assertEqual(set(seen), want, prom.log())
            self.assertEqual(seen["cup1.corp.example:15222"], 1)
            self.assertEqual(seen["cup3.corp.example:15222"], 0)
            self.assertEqual(seen["corp.example"], 0)
            expiry = {m["instance"]: v for m, v in prom.query("probe_ssl_earliest_cert_expiry")}
            self.assertEqual(expiry["cup1.corp.example:15222"], LEAF_END)
            self.assertEqual(expiry["cup3.corp.example:15222"], LEAF_END)
            # cup2's certificate is expired by now, and still the earliest.
            self.assertEqual(expiry["corp.example"], SOON_END)
            verified = {(m["node"], m["service"]): v for m, v in
                        prom.query('xmppcv_verified{job="xmpp-scan"}')}
            self.assertEqual(verified[("cup1.corp.example", "c2s")], 1)
            self.assertEqual(verified[("cup3.corp.example", "s2s")], 0)
            # Every scrape of a probe succeeded as a scrape.
            up = {(m["job"], m["instance"]): v for m, v in prom.query("up")}
            self.assertEqual(set(up.values()), {1.0}, up)
            probes = prom.query('sum(xmppcv_exporter_probes_total{module="c2s"})')
            self.assertGreaterEqual(probes[0][1], 2)
        finally:
            prom.stop()
        self.alive()

    def test_concurrent_scans(self):
        # The exporter runs max_probes scans at once, each in its thread:
        # each must see its own scan only.
        import threading
        got = []

        def one():
            got.append(self.get("/probe?target=corp.example&module=scan"))
        for _ in range(3):
            threads = [threading.Thread(target=one) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        self.assertEqual(len(got), 12)
        for code, body, _ in got:
            self.assertEqual(code, 200, body)
            s = samples(body)
            self.assertEqual(value(s, "xmppcv_findings", domain="corp.example",
                                   code="domain-san-missing", severity="error"), 1)
            self.assertEqual(value(s, "xmppcv_verified", node="cup1.corp.example",
                                   service="c2s", domain="corp.example"), 1)
            self.assertEqual(value(s, "xmppcv_verified", node="cup3.corp.example",
                                   service="s2s", domain="corp.example"), 0)
        self.alive()

    def test_not_an_open_proxy(self):
        for path, code, text in [
                ("/probe?target=evil.example:22&module=c2s", 400, "unknown target 'evil.example:22'"),
                ("/probe?module=c2s", 400, "target is missing"),
                ("/probe?target=corp.example&module=ssh", 400, "unknown module 'ssh'"),
                ("/probe?target=cup1.corp.example:15222&module=scan", 400,
                 "module 'scan' is not enabled for target 'cup1.corp.example:15222'"),
                ("/probe?target=%1b%5b31m%00x", 400, "unknown target '?[31m"),
                ("/elsewhere", 404, "not found"),
        ]:
            got, body, _ = self.get(path)
            self.assertEqual(got, code, (path, body))
            self.assertIn(text, body, path)
        self.alive()

    def raw(self, data, source=None, wait=5.0):
        """Send bytes on one connection; whatever comes back within wait."""
        s = socket.socket()
        s.settimeout(wait)
        if source:
            s.bind((source, 0))
        s.connect((self.exporter.ip, self.exporter.port))
        try:
            s.sendall(data)
            out = b""
            end = time.monotonic() + wait
            while time.monotonic() < end:
                try:
                    chunk = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    def test_malformed_and_hostile_requests(self):
        huge = b"GET /probe?target=" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        self.assertTrue(self.raw(huge).startswith(b"HTTP/1.1 414"), "huge query")
        many = b"GET /metrics HTTP/1.1\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n"
        self.assertRegex(self.raw(many)[:12], rb"HTTP/1\.1 4\d\d")
        for junk in [b"GARBAGE\r\n\r\n", b"\x00\x01\x02\xff" * 100 + b"\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nNoColonHere\r\n\r\n",
                     b"GET /probe?target=%zz%&module=%% HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"POST /probe HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nab",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"zz\r\n"]:
            self.raw(junk, wait=2.0)
        self.assertEqual(self.raw(b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n")[:12], b"HTTP/1.1 405")
        # Slow clients from one address hold connections; others are served.
        slow = []
        try:
            for _ in range(40):
                s = socket.socket()
                s.bind((self.NET + "200", 0))
                s.settimeout(5)
                try:
                    s.connect((self.exporter.ip, self.exporter.port))
                    s.sendall(b"GET /probe?target=")
                except OSError:
                    pass
                slow.append(s)
            s = self.alive()
            code, body, _ = self.get("/probe?target=cup1.corp.example:15222&module=c2s")
            self.assertEqual(code, 200)
            self.assertEqual(value(samples(body), "probe_success"), 1)
        finally:
            for s in slow:
                s.close()
        self.alive()

    def test_bound_and_scrape_timeout(self):
        import threading
        hdr = {"X-Prometheus-Scrape-Timeout-Seconds": "3"}
        results = []

        def silent():
            start = time.monotonic()
            results.append((self.get("/probe?target=silent.corp.example:15222&module=c2s",
                                     hdr), time.monotonic() - start))
        # Two probes of the silent node take both slots until their time
        # (3 s less the margin) runs out, well before the 10 s timeout.
        threads = [threading.Thread(target=silent) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        code, body, _ = self.get("/probe?target=cup1.corp.example:15222&module=c2s",
                                 {"X-Prometheus-Scrape-Timeout-Seconds": "1.5"})
        for t in threads:
            t.join(30)
        # No slot before its scrape timeout: a failed probe, with the
        # reason, answered before Prometheus gives up on it.
        self.assertEqual(code, 200, body)
        promtool(body)
        s = samples(body)
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "xmppcv_failure_info", node="cup1.corp.example:15222",
                               service="c2s", domain="",
                               reason="not checked: the probes this exporter runs at once "
                               "were all running until the scrape timeout"), 1)
        for (code, body, _), secs in results:
            self.assertEqual(code, 200)
            s = samples(body)
            self.assertEqual(value(s, "probe_success"), 0)
            self.assertLess(secs, 8, "the scrape timeout was not honoured")
            self.assertEqual(value(s, "xmppcv_verdict", node="silent.corp.example:15222",
                                   service="c2s", domain="corp.example",
                                   verdict="no-certificate"), 1)
            reasons = [k for k in s if k[0] == "xmppcv_failure_info"]
            self.assertEqual(len(reasons), 1, reasons)
            self.assertIn("time", dict(reasons[0][1])["reason"], reasons)
        self.assertGreaterEqual(value(self.alive(), "xmppcv_exporter_probes_refused_total"), 1)
        # Once they ended, the slot is free again.
        code, _, _ = self.get("/probe?target=cup1.corp.example:15222&module=c2s")
        self.assertEqual(code, 200)

    def test_zz_sigterm_stops_cleanly(self):
        # A fresh exporter: this one is stopped mid-probe.
        e = Exporter(XMPPCV, self.NET + "101", self.config)
        try:
            import threading
            got = []
            t = threading.Thread(target=lambda: got.append(urllib.request.urlopen(
                "http://%s:%d/probe?target=silent.corp.example:15222&module=c2s" % (e.ip, e.port),
                timeout=30).status))
            t.start()
            time.sleep(0.5)
            os.kill(e.proc.pid, signal.SIGTERM)
            self.assertEqual(e.proc.wait(timeout=40), 0, e.log())
            t.join(30)
            self.assertEqual(got, [200], "the probe in flight was answered")
            self.assertIn("stopping on SIGTERM", e.log())
            self.assertIn("stopped", e.log())
        finally:
            e.stop()


class Sharded(unittest.TestCase, Nodes):
    """Scale-out as Prometheus users do it: two exporters with the same 40
    targets, one real Prometheus running contrib/prometheus/prometheus.yml
    (hashmod sharding, the targets from a file, the alert rules of
    contrib/prometheus/xmppcv-alerts.yml), and a second one running
    contrib/prometheus/federate.yml against it."""

    NET = "127.0.142."
    GOOD = ["n%02d.corp.example:15222" % i for i in range(32)]      # cup1: verified
    FQDN = ["f%02d.corp.example:15222" % i for i in range(4)]       # cup3: not verified
    SILENT = ["s%02d.corp.example:15222" % i for i in range(4)]     # never answers

    @classmethod
    def setUpClass(cls):
        cls.start_nodes()
        n = cls.NET
        try:
            cls.servers.append(Peer("silence", n + "5", 15222))
            common = {"ca_file": cert("root-ca.crt"), "system_ca": False, "timeout": 10,
                      "domain": "corp.example", "modules": ["c2s"]}
            targets = {}
            for names, ip in ((cls.GOOD, n + "1"), (cls.FQDN, n + "3"), (cls.SILENT, n + "5")):
                for t in names:
                    targets[t] = dict(common, resolve=["%s:%s" % (t, ip)])
            # More slots than silent targets: a good target's probe never
            # waits behind them. That wait, refused at the scrape timeout,
            # is Scraped's test; here it would depend on the scrape schedule.
            config = {"max_probes": len(cls.SILENT) + 2, "targets": targets}
            cls.exporters = [Exporter(XMPPCV, n + "100", config, ["--verbose"]),
                             Exporter(XMPPCV, n + "101", config, ["--verbose"])]
            cls.servers += cls.exporters
        except Exception:
            cls.stop_nodes()
            raise

    @classmethod
    def tearDownClass(cls):
        for e in cls.exporters:
            cls.servers.remove(e)
        logs = [e.stop() for e in cls.exporters]
        cls.stop_nodes()
        for code, log in logs:
            if code != 0 or "Sanitizer" in log or "runtime error" in log:
                raise AssertionError("an exporter ended with %s:\n%s" % (code, log))

    def contrib(self, name):
        with open(os.path.join(ROOT, "contrib", "prometheus", name)) as f:
            return f.read()

    def central(self):
        """prometheus.yml as shipped, with this test's exporters, target
        file, rule file and intervals put in."""
        text = self.contrib("prometheus.yml")
        a, b = ("%s:%d" % (e.ip, e.port) for e in self.exporters)
        for old, new in (("127.0.0.1:9577", a), ("127.0.0.2:9577", b),
                         ("/etc/prometheus/xmpp-targets/*.json", "{dir}/targets.json"),
                         ("/etc/prometheus/xmppcv-alerts.yml", "{dir}/xmppcv-alerts.yml"),
                         ("scrape_interval: 2m", "scrape_interval: 3s"),
                         ("scrape_timeout: 30s", "scrape_timeout: 2s"),
                         ("evaluation_interval: 1m", "evaluation_interval: 1s")):
            self.assertIn(old, text)
            text = text.replace(old, new)
        return text

    def wait_for(self, prom, expr, count, seconds=60):
        got = []
        for _ in range(int(seconds / 0.5)):
            got = prom.query(expr)
            if len(got) >= count:
                break
            time.sleep(0.5)
        return got

    def test_every_target_probed_by_exactly_one_exporter(self):
        everything = self.GOOD + self.FQDN + self.SILENT
        self.assertEqual(len(everything), 40)
        prom = Prometheus(self.NET + "90", None, config_text=self.central(), files={
            "xmppcv-alerts.yml": self.contrib("xmppcv-alerts.yml"),
            "targets.json": json.dumps([{"targets": everything,
                                         "labels": {"__param_module": "c2s"}}])})
        try:
            got = self.wait_for(prom, 'probe_success{job="xmpp-certificates"}', 40)
            seen = {}
            for labels, v in got:
                self.assertEqual(labels["module"], "c2s")
                seen.setdefault(labels["instance"], []).append((labels["exporter"], v))
            self.assertEqual(sorted(seen), sorted(everything), prom.log())
            # One series per target: one exporter each, and both in use.
            self.assertTrue(all(len(v) == 1 for v in seen.values()), seen)
            by_exporter = {}
            for t, [(e, _)] in seen.items():
                by_exporter.setdefault(e, set()).add(t)
            self.assertEqual(len(by_exporter), 2, by_exporter)
            why = {m["instance"]: m["reason"] for m, _ in
                   prom.query('xmppcv_failure_info{job="xmpp-certificates"}')}
            for t in everything:
                self.assertEqual(seen[t][0][1], 1 if t in self.GOOD else 0,
                                 (t, why.get(t)))
            # The exporters' own logs agree: no target probed by both.
            probed = [set(re.findall(r"probe (\S+) c2s: success", e.log()))
                      for e in self.exporters]
            self.assertEqual(probed[0] & probed[1], set())
            addr = ["%s:%d" % (e.ip, e.port) for e in self.exporters]
            for i in (0, 1):
                self.assertTrue(probed[i] <= by_exporter[addr[i]], (i, probed[i]))
            # Each scrape ended within its 2 s timeout, the silent nodes'
            # too: they are up, failed probes saying why.
            up = {m["instance"]: v for m, v in prom.query('up{job="xmpp-certificates"}')}
            self.assertEqual(up, {t: 1.0 for t in everything}, prom.log())
            self.assertEqual(sorted(why), sorted(self.FQDN + self.SILENT))
            for t in self.SILENT:
                self.assertIn("time", why[t])
            # The shipped rules load and judge the real series: the failed
            # probes are pending (for: 10m), nothing else.
            rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
            self.assertEqual(len(rules), 8)
            self.assertTrue(all(r["health"] == "ok" for r in rules), rules)
            pending = self.wait_for(prom, 'ALERTS{alertname="XmppProbeFailed"}', 8)
            self.assertEqual(sorted(m["instance"] for m, _ in pending),
                             sorted(self.FQDN + self.SILENT))
            for quiet in ("XmppcvExporterDown", "XmppProbeNotAnswered"):
                self.assertEqual(prom.query('ALERTS{alertname="%s"}' % quiet), [])
            # A second Prometheus federating the first has every target.
            text = self.contrib("federate.yml").replace(
                "127.0.0.1:9090", "%s:%d" % (prom.ip, prom.port)).replace(
                "scrape_interval: 1m", "scrape_interval: 1s")
            fed = Prometheus(self.NET + "91", None, config_text=text)
            try:
                got = self.wait_for(fed, 'probe_success{job="xmpp-certificates"}', 40)
                self.assertEqual(sorted(m["instance"] for m, _ in got), sorted(everything))
                # Each site's series keep its name.
                self.assertEqual({m["site"] for m, _ in got}, {"site-a"})
            finally:
                fed.stop()
        finally:
            prom.stop()


class Config(unittest.TestCase):
    """Bad configurations stop the exporter at start, naming what is wrong."""

    def start(self, text, *args):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(text)
        try:
            return run("exporter", "--config", f.name, *args, timeout=30)
        finally:
            os.unlink(f.name)

    def test_errors(self):
        ok_target = '"t": {"domain": "corp.example"}'
        for text, msg in [
                ("{", "line 1"),
                ('{"targets": {}}', "targets: wants an object naming at least one target"),
                ('{"targetz": {%s}}' % ok_target, "targetz: unknown key"),
                ('{"targets": {"t": {"domian": "x"}}}', "targets.t.domian: unknown key"),
                ('{"targets": {"t": {"modules": ["c2s", "ftp"]}}}',
                 "targets.t.modules: unknown module 'ftp'"),
                ('{"targets": {"t": {"timeout": "10"}}}',
                 "targets.t.timeout: wants a whole number from 1 to 3600"),
                ('{"targets": {"t": {"ca_file": "/nonexistent/ca.pem"}}}', "targets.t: "),
                ('{"targets": {"t": {"ports": {"smtp": 25}}}}', "unknown service 'smtp'"),
                ('{"max_probes": 0, "targets": {%s}}' % ok_target,
                 "max_probes: wants a whole number from 1 to 1000"),
                ('{"targets": {"t": {}, "t": {}}}', "duplicate"),
        ]:
            code, out, err = self.start(text)
            self.assertEqual(code, 2, (text, err))
            self.assertIn(msg, err, text)
        code, _, err = run("exporter")
        self.assertEqual(code, 2)
        self.assertIn("--config FILE is needed", err)
        code, _, err = run("exporter", "--config", "/nonexistent/exporter.json")
        self.assertEqual(code, 2)
        self.assertIn("/nonexistent/exporter.json: cannot read: No such file", err)
        self.assertEqual(err.count("/nonexistent/exporter.json"), 1, err)
        code, _, err = self.start('{"targets": {%s}}' % ok_target, "--listen", "nowhere")
        self.assertEqual(code, 2)
        self.assertIn("--listen wants a numeric ADDRESS:PORT", err)
        # A port already taken.
        with socket.socket() as s:
            s.bind(("127.0.141.102", 0))
            s.listen(1)
            code, _, err = self.start('{"targets": {%s}}' % ok_target, "--listen",
                                      "127.0.141.102:%d" % s.getsockname()[1])
        self.assertEqual(code, 2)
        self.assertIn("cannot listen on", err)

    def test_alert_rules(self):
        # The shipped rules pass promtool's checks and their unit tests,
        # and the README shows them as shipped.
        d = os.path.join(ROOT, "contrib", "prometheus")
        for argv in (["check", "rules", "xmppcv-alerts.yml"],
                     ["test", "rules", "xmppcv-alerts.test.yml"]):
            p = subprocess.run(["promtool", *argv], cwd=d, capture_output=True, timeout=120)
            self.assertEqual(p.returncode, 0, (argv, p.stdout.decode(), p.stderr.decode()))
        with open(os.path.join(d, "xmppcv-alerts.yml")) as f:
            rules = f.read()
        with open(os.path.join(ROOT, "README.md")) as f:
            self.assertIn(rules[rules.index("groups:"):], f.read())
        # The scrape configurations are valid as shipped (the rule file
        # in place).
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(d, "prometheus.yml")) as f:
                text = f.read().replace("/etc/prometheus/xmppcv-alerts.yml",
                                        os.path.join(d, "xmppcv-alerts.yml"))
            for name, body in (("prometheus.yml", text),
                               ("federate.yml", open(os.path.join(d, "federate.yml")).read())):
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(body)
                p = subprocess.run(["promtool", "check", "config", path],
                                   capture_output=True, timeout=120)
                self.assertEqual(p.returncode, 0, (name, p.stdout.decode(), p.stderr.decode()))

    def test_contrib_files(self):
        # The example configuration loads (its CA file aside), and the
        # systemd unit passes systemd-analyze with the built binary.
        with open(os.path.join(ROOT, "contrib", "exporter.json")) as f:
            example = json.load(f)
        for t in example["targets"].values():
            t.pop("ca_file", None)
        example["listen"] = "127.0.141.103:%d" % free_port("127.0.141.103")
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "exporter.json")
            with open(conf, "w") as f:
                json.dump(example, f)
            p = subprocess.Popen([XMPPCV, "exporter", "--config", conf],
                                 stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            try:
                line = p.stderr.readline().decode()
                self.assertIn("listening on 127.0.141.103", line)
            finally:
                stop_pid(p)
                p.stderr.close()
            self.assertEqual(p.returncode, 0)
            with open(os.path.join(ROOT, "contrib", "xmppcv-exporter.service")) as f:
                unit = f.read()
            self.assertIn("ExecStart=/usr/bin/xmppcv exporter --config "
                          "/etc/xmppcv/exporter.json", unit)
            # The binary and man page as built, not installed.
            unit = unit.replace("/usr/bin/xmppcv", os.path.abspath(XMPPCV))
            unit = unit.replace("Documentation=man:xmppcv(1)\n", "")
            path = os.path.join(d, "xmppcv-exporter.service")
            with open(path, "w") as f:
                f.write(unit)
            p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True,
                               timeout=60)
            msgs = [m for m in p.stderr.decode().splitlines()
                    if "xmppcv-exporter" in m]
            self.assertEqual((p.returncode, msgs), (0, []), p.stderr.decode())


if __name__ == "__main__":
    cls = sys.argv[1]
    suite = unittest.TestLoader().loadTestsFromTestCase(globals()[cls])
    sys.exit(0 if unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful() else 1)
