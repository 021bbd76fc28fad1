#!/usr/bin/env python3
"""A TCP relay that adds network latency, for the latency benchmarks.

usage: relay.py [--up MS] [--down MS] [--stats FILE] LISTEN=UPSTREAM...

LISTEN and UPSTREAM are ADDRESS:PORT (IPv4). Every byte the client sends
reaches the upstream server MS (--up) later, and every byte back reaches
the client --down MS later, in order; a half-close (FIN) travels the same
way, after the bytes before it, and the other direction stays open.

The client's connect() returns at once on loopback, where over a network
it would take a round trip (SYN, SYN-ACK). So the relay holds what the
client sends until up + down after the accept, as a real handshake would
have, then delays it by --up like anything else.

Prints "ready" once listening, then runs until stopped (SIGTERM). With
--stats, each finished connection appends a JSON line to FILE:
  {"listen": ..., "opened": t, "closed": t, "client_flights": n,
   "client_tls_flights": n, "server_flights": n, "round_trips": n,
   "up": bytes, "down": bytes}
A flight is a run of bytes in one direction with none in the other in
between (a TLS flight: one that starts with a TLS record); round_trips counts the TCP handshake and each client flight that
a server flight answered: the waits a client on a real network sits
through on this connection.
"""
import argparse
import asyncio
import collections
import json
import signal
import socket
import sys
import time


CLOSE = object()    # queued after a side's last bytes when it went away


class Stats:
    def __init__(self, listen):
        self.listen = listen
        self.opened = time.time()
        self.flights = {True: 0, False: 0}    # True: from the client
        self.bytes = {True: 0, False: 0}
        self.tls_flights = 0                    # client flights of TLS records
        self.answered = 0
        self.last = None

    def saw(self, from_client, data):
        self.bytes[from_client] += len(data)
        if from_client != self.last:
            self.flights[from_client] += 1
            # A TLS record starts with its type (20 to 23), then 3; XML
            # starts with '<'.
            if from_client and len(data) >= 2 and 20 <= data[0] <= 23 and data[1] == 3:
                self.tls_flights += 1
            if not from_client and self.last is True:
                self.answered += 1
            self.last = from_client

    def line(self):
        return json.dumps({"listen": self.listen, "opened": self.opened,
                           "closed": time.time(),
                           "client_flights": self.flights[True],
                           "client_tls_flights": self.tls_flights,
                           "server_flights": self.flights[False],
                           "round_trips": 1 + self.answered,
                           "up": self.bytes[True], "down": self.bytes[False]})


class Pipe:
    """One client connection and its upstream connection."""

    def __init__(self, relay, listen, upstream):
        self.relay = relay
        self.loop = relay.loop
        self.stats = Stats(listen)
        self.upstream = upstream
        self.ends = {True: None, False: None}    # the transport each side writes to
        self.pending = []                        # for the upstream, before it is connected
        self.due = {True: 0.0, False: 0.0}       # the last delivery time, each way
        self.queues = {True: collections.deque(), False: collections.deque()}
        self.closed = {True: False, False: False}
        self.done = False
        # Nothing the client sends can leave before a real handshake ends.
        self.hold = self.loop.time() + relay.up + relay.down

    def deliver(self, from_client, what):
        """Queue bytes (or None: EOF) from one side for the other, due after
        the delay; each direction drains its own queue in order (timers
        due at the same time may run in any order)."""
        now = self.loop.time()
        if from_client:
            at = max(now, self.hold) + self.relay.up
        else:
            at = now + self.relay.down
        at = self.due[from_client] = max(at, self.due[from_client])
        queue = self.queues[from_client]
        queue.append((at, what))
        if len(queue) == 1:
            self.loop.call_at(at, self.drain, from_client)

    def drain(self, from_client):
        queue = self.queues[from_client]
        now = self.loop.time()
        while queue and queue[0][0] <= now:
            _, what = queue.popleft()
            self.put(from_client, what)
        if queue:
            self.loop.call_at(queue[0][0], self.drain, from_client)

    def put(self, from_client, what):
        dest = self.ends[not from_client]
        if dest is None:
            self.pending.append((from_client, what))
            return
        if dest.is_closing():
            return
        if what is CLOSE:
            dest.close()
        elif what is None:
            try:
                if dest.can_write_eof():
                    dest.write_eof()
            except OSError:
                dest.close()           # the other side is gone already
            self.closed[from_client] = True
            self.maybe_finish()
        else:
            dest.write(what)

    def connected_upstream(self, transport):
        self.ends[False] = transport
        for from_client, what in self.pending:
            self.put(from_client, what)
        self.pending = []

    def lost(self, from_client):
        """A side went away (reset or full close): the other goes too."""
        self.closed[from_client] = True
        self.closed[not from_client] = True
        other = self.ends[not from_client]
        if other is not None and not other.is_closing():
            # After what this side sent before it went: a close queued
            # behind the bytes.
            self.deliver(from_client, CLOSE)
        self.maybe_finish()

    def maybe_finish(self):
        if self.done or not (self.closed[True] and self.closed[False]):
            return
        self.done = True
        # Each side closes once what is queued for it has gone.
        for from_client in (True, False):
            self.deliver(from_client, CLOSE)
        self.relay.finished(self.stats)


class Side(asyncio.Protocol):
    def __init__(self, pipe, from_client):
        self.pipe = pipe
        self.from_client = from_client

    def connection_made(self, transport):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.from_client:
            self.pipe.ends[True] = transport
        else:
            self.pipe.connected_upstream(transport)

    def data_received(self, data):
        self.pipe.stats.saw(self.from_client, data)
        self.pipe.deliver(self.from_client, data)

    def eof_received(self):
        self.pipe.deliver(self.from_client, None)
        return True    # keep the other direction open

    def connection_lost(self, exc):
        self.pipe.lost(self.from_client)


class Relay:
    def __init__(self, up_ms, down_ms, stats_file):
        self.up, self.down = up_ms / 1000.0, down_ms / 1000.0
        self.stats_file = stats_file
        self.loop = None

    def finished(self, stats):
        if self.stats_file:
            with open(self.stats_file, "a") as f:
                f.write(stats.line() + "\n")

    async def serve(self, mappings):
        self.loop = asyncio.get_running_loop()
        servers = []
        for listen, upstream in mappings:
            host, port = listen.rsplit(":", 1)
            uhost, uport = upstream.rsplit(":", 1)

            def accept(listen=listen, uhost=uhost, uport=int(uport)):
                pipe = Pipe(self, listen, (uhost, uport))
                self.loop.create_task(self.connect(pipe))
                return Side(pipe, True)
            servers.append(await self.loop.create_server(accept, host, int(port),
                                                         reuse_address=True, backlog=512))
        print("ready", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        for s in servers:
            s.close()

    async def connect(self, pipe):
        try:
            await self.loop.create_connection(lambda: Side(pipe, False), *pipe.upstream)
        except OSError:
            # Refused upstream: the client sees its connection closed.
            if pipe.ends[True] is not None:
                pipe.ends[True].close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--up", type=float, default=0.0, help="client to server delay, ms")
    ap.add_argument("--down", type=float, default=0.0, help="server to client delay, ms")
    ap.add_argument("--stats", help="append a JSON line per connection here")
    ap.add_argument("map", nargs="+", help="LISTEN=UPSTREAM, each ADDRESS:PORT")
    a = ap.parse_args()
    mappings = [m.split("=", 1) for m in a.map]
    if any(len(m) != 2 for m in mappings):
        sys.exit("relay.py: each mapping is LISTEN=UPSTREAM")
    asyncio.run(Relay(a.up, a.down, a.stats).serve(mappings))


if __name__ == "__main__":
    main()
