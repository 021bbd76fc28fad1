"""What the latency benchmarks share: the relay (bench/relay.py) as a
child process, and one timed run of a command through it."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from servers import spawn, stop_pid  # noqa: E402


class Relay:
    """bench/relay.py at one_way_ms each way over mappings (LISTEN=UPSTREAM),
    writing its per-connection lines to stats. Stopped by its PID."""

    def __init__(self, one_way_ms, mappings, stats):
        self.stats = stats
        self.one_way = one_way_ms
        self.proc = spawn([sys.executable, os.path.join(ROOT, "bench", "relay.py"),
                           "--up", str(one_way_ms), "--down", str(one_way_ms),
                           "--stats", stats, *mappings],
                          stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        if self.proc.stdout.readline().strip() != b"ready":
            self.stop()
            raise SystemExit("the relay did not start")

    def lines(self):
        try:
            with open(self.stats) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def stop(self):
        stop_pid(self.proc)
        self.proc.stdout.close()


def run(cmd, relay=None):
    """Wall seconds of one run, and the relay's lines for it."""
    before = len(relay.lines()) if relay else 0
    start = time.monotonic()
    code = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    secs = time.monotonic() - start
    if code != 0:
        raise SystemExit("%s exited %d: %s" % (cmd[0], code, " ".join(cmd)))
    lines = []
    if relay:
        # A connection's line comes when both its sides have closed: the
        # client's close reaches the server one way later, and the
        # server's answer takes another. Wait that long, then until the
        # lines stop coming (at most 5 s in all).
        time.sleep(2 * relay.one_way / 1000.0 + 0.05)
        last = None
        for _ in range(100):
            lines = relay.lines()[before:]
            if lines and lines == last:
                break
            last = lines
            time.sleep(0.05)
    return secs, [json.loads(x) for x in lines]
