"""Abuse limits (core/ratelim, resolver/guard): rate limits by client
address on UDP, TCP and HTTP while other addresses are served normally;
connection caps by address; the UDP amplification guard; per-enterprise
write limits and per-prefix registration quotas; their counters in
/metrics.  Loopback addresses other than 127.0.0.1 (127.0.0.2, ...) are
other clients."""
import http.client
import json
import select
import socket
import struct
import threading
import time

import snms
from harness import (Group, Resp, TestFailure, check, eq, resolution,
                     scaled, tcp_read_message)

SMALL = {"handle": "88.901.1/SMALL", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/small",
     "timestamp": 1700000000}]}
# About 4 KB of public values: far above the amplification floor below.
LARGE = {"handle": "88.901.1/LARGE", "values": [
    {"index": 10 + i, "type": "DATA", "data": "v%02d" % i + "x" * 97,
     "timestamp": 1700000000} for i in range(40)]}

RATE, BURST = 200, 50        # Handle UDP and TCP, per address
HTTP_RATE, HTTP_BURST = 100, 30
FLOOD_S = 2.0

g = Group("limits abuse", records=[SMALL, LARGE], config={
    "limit_udp_rate": RATE, "limit_udp_burst": BURST,
    "limit_udp_busy_rate": 5,
    "limit_tcp_rate": RATE, "limit_tcp_burst": BURST,
    "limit_http_rate": HTTP_RATE, "limit_http_burst": HTTP_BURST,
    "limit_registry_rate": 1000, "limit_registry_burst": 1000,
    "limit_trace_rate": 1, "limit_trace_burst": 3,
    "limit_tcp_conns_per_addr": 4, "limit_http_conns_per_addr": 4,
    "udp_amp_factor": 4, "udp_amp_floor": 600, "udp_proven_ttl_s": 600,
})


def expected(elapsed, rate, burst):
    return burst + rate * elapsed


def near(got, want, what):
    """Within 15% (+5) of the token bucket's count: the limit is the
    configured rate, neither looser nor much stricter."""
    tol = 0.15 * want + 5
    check(abs(got - want) <= tol, "%s: %d allowed, expected %.0f +- %.0f"
          % (what, got, want, tol))


class Prober(threading.Thread):
    """Another client (127.0.0.2) asking every 50 ms during a flood: every
    answer must be normal and quick."""

    def __init__(self, ask):
        super().__init__(daemon=True)
        self.ask = ask
        self.stop = threading.Event()
        self.lat = []
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                self.ask()
                self.lat.append(time.monotonic() - t0)
            except Exception as e:  # reported by finish()
                self.errors.append(repr(e))
            time.sleep(0.05)

    def finish(self, what):
        self.stop.set()
        self.join(scaled(10))
        check(not self.errors, "%s: the other client failed: %s"
              % (what, self.errors[:3]))
        check(len(self.lat) >= 10, "%s: the other client asked only %d times"
              % (what, len(self.lat)))
        worst = max(self.lat)
        check(worst < scaled(0.5), "%s: the other client waited %.3f s"
              % (what, worst))


def udp_probe(n, src="127.0.0.2"):
    def ask():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((src, 0))
            s.settimeout(scaled(1))
            s.sendto(resolution(SMALL["handle"]), n.haddr)
            r = Resp(s.recv(65536))
            if r.rcode != 1:
                raise TestFailure("udp answer %s" % r.describe())
        finally:
            s.close()
    return ask


def metric(n, name, labels=""):
    conn = http.client.HTTPConnection("127.0.0.1", n.admin_port,
                                      timeout=scaled(5))
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    want = name + ("{%s}" % labels if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return int(line.split()[-1])
    raise TestFailure("no %s in /metrics" % want)


@g.test("udp: a flood from one address gets the configured rate "
        "(burst + rate x time), a few busy answers, the rest dropped; "
        "127.0.0.2 is served normally meanwhile")
def _(n):
    time.sleep(BURST / RATE + 0.1)  # buckets of earlier tests refill
    dropped0 = metric(n, "idnode_limited_total", 'plane="udp_dropped"')
    probe = Prober(udp_probe(n))
    probe.start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    ok = busy = sent = 0
    first = last = None

    def drain(wait):
        nonlocal ok, busy, last
        while True:
            r, _, _ = select.select([s], [], [], wait)
            if not r:
                return
            wait = 0
            rc = struct.unpack(">I", s.recv(65536)[24:28])[0]
            if rc == 1:
                ok += 1
            else:
                eq(rc, 3, "rcode of a refused request")
                busy += 1
    t0 = time.monotonic()
    while time.monotonic() - t0 < FLOOD_S:
        # 1000 requests a second, five times the limit.
        for _ in range(10):
            s.sendto(resolution(SMALL["handle"], reqid=sent + 1), n.haddr)
            sent += 1
        if first is None:
            first = time.monotonic()
        last = time.monotonic()
        drain(0)
        time.sleep(0.01)
    drain(scaled(0.5))
    s.close()
    probe.finish("udp flood")
    elapsed = last - first
    near(ok, expected(elapsed, RATE, BURST), "udp flood of %d" % sent)
    check(busy <= 5 * elapsed + 5 + 3,
          "%d busy answers: more than limit_udp_busy_rate allows" % busy)
    check(busy >= 1, "no busy answer at all")
    dropped = metric(n, "idnode_limited_total", 'plane="udp_dropped"')
    eq(dropped - dropped0, sent - ok - busy, "datagrams dropped (metric)")


@g.test("tcp: pipelined flood on one connection gets the configured rate, "
        "every request answered (busy, never silence); 127.0.0.2 served")
def _(n):
    time.sleep(BURST / RATE + 0.1)
    other = socket.create_connection(n.haddr, timeout=scaled(2),
                                     source_address=("127.0.0.2", 0))

    def ask():
        other.sendall(resolution(SMALL["handle"]))
        r = Resp(tcp_read_message(other))
        if r.rcode != 1:
            raise TestFailure("tcp answer %s" % r.describe())
    probe = Prober(ask)
    probe.start()
    s = n.tcp_connect()
    answers = {"ok": 0, "busy": 0}

    def reader(count):
        for _ in range(count):
            try:
                r = Resp(tcp_read_message(s))
            except (OSError, AssertionError):
                return  # closed once every answer came
            answers["ok" if r.rcode == 1 else "busy"] += 1
            if r.rcode not in (1, 3):
                answers["bad"] = r.describe()
    sent = 0
    t0 = time.monotonic()
    first = None
    chunks = []
    while time.monotonic() - t0 < FLOOD_S:
        chunks.append(b"".join(resolution(SMALL["handle"], reqid=sent + i + 1)
                               for i in range(10)))
        sent += 10
        if first is None:
            first = time.monotonic()
        s.sendall(chunks[-1])
        last = time.monotonic()
        time.sleep(0.01)
        if sent == 10:
            rt = threading.Thread(target=reader, args=(10 ** 9,), daemon=True)
            rt.start()
    deadline = time.monotonic() + scaled(5)
    while answers["ok"] + answers["busy"] < sent and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    s.close()
    probe.finish("tcp flood")
    other.close()
    check("bad" not in answers, "unexpected answer %s" % answers.get("bad"))
    eq(answers["ok"] + answers["busy"], sent, "answers to %d requests" % sent)
    near(answers["ok"], expected(last - first, RATE, BURST), "tcp flood")


@g.test("http: a flood from one address gets the configured rate, 429 "
        "with Retry-After and a JSON message beyond it; 127.0.0.2 served")
def _(n):
    time.sleep(HTTP_BURST / HTTP_RATE + 0.1)
    path = "/api/handles/" + SMALL["handle"]

    def ask():
        c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                       timeout=scaled(2),
                                       source_address=("127.0.0.2", 0))
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise TestFailure("http status %d" % r.status)
        finally:
            c.close()
    probe = Prober(ask)
    probe.start()
    conn = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                      timeout=scaled(5))
    ok = limited = 0
    t0 = time.monotonic()
    first = last = None
    while time.monotonic() - t0 < FLOOD_S:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        first = first or time.monotonic()
        last = time.monotonic()
        if r.status == 200:
            ok += 1
            continue
        eq(r.status, 429, "status beyond the limit")
        limited += 1
        check(int(r.getheader("Retry-After", "0")) >= 1, "Retry-After")
        check("rate limit" in json.loads(body)["message"], "429 message")
        time.sleep(0.002)
    conn.close()
    probe.finish("http flood")
    check(limited > 0, "never limited (%d allowed)" % ok)
    near(ok, expected(last - first, HTTP_RATE, HTTP_BURST), "http flood")


@g.test("trace: anonymous trace/recall calls have their own small "
        "per-address limit (SNMS envelope, 429); another address is not "
        "affected")
def _(n):
    time.sleep(HTTP_BURST / HTTP_RATE + 0.1)  # the flood above is over
    codes = []
    for i in range(8):
        st, j, raw = snms.call(n, "GET", "/api/trace/88.901.1/NONE-%d" % i)
        codes.append((st, j and j.get("status")))
    refused = [c for c in codes if c == (429, -1)]
    check(len(refused) >= 4, "anonymous traces refused: %r" % codes)
    c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                   timeout=scaled(5),
                                   source_address=("127.0.0.2", 0))
    try:
        c.request("GET", "/api/trace/88.901.1/NONE-x")
        r = c.getresponse()
        r.read()
        check(r.status != 429, "127.0.0.2 trace refused")
    finally:
        c.close()


def tcp_open_resolves(n, src):
    s = socket.create_connection(n.haddr, timeout=scaled(2),
                                 source_address=(src, 0))
    s.sendall(resolution(SMALL["handle"]))
    r = Resp(tcp_read_message(s))
    eq(r.rcode, 1, "resolution on a connection from %s" % src)
    return s


@g.test("tcp: the (cap+1)th connection from one address is closed at "
        "accept while another address connects; closing one frees a place")
def _(n):
    before = metric(n, "idnode_connections_refused_per_address_total",
                    'transport="tcp"')
    time.sleep(0.3)
    held = [tcp_open_resolves(n, "127.0.0.5") for _ in range(4)]
    try:
        extra = socket.create_connection(n.haddr, timeout=scaled(2),
                                         source_address=("127.0.0.5", 0))
        try:
            extra.sendall(resolution(SMALL["handle"]))
            try:
                got = extra.recv(100)
            except ConnectionResetError:
                got = b""
            eq(got, b"", "the 5th connection's answer")
        finally:
            extra.close()
        tcp_open_resolves(n, "127.0.0.6").close()
        held.pop().close()
        time.sleep(scaled(0.3))
        held.append(tcp_open_resolves(n, "127.0.0.5"))
    finally:
        for s in held:
            s.close()
    after = metric(n, "idnode_connections_refused_per_address_total",
                   'transport="tcp"')
    eq(after - before, 1, "refused connections (metric)")


def http_conn(n, src):
    c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                   timeout=scaled(5), source_address=(src, 0))
    c.request("GET", "/api/handles/" + SMALL["handle"])
    r = c.getresponse()
    r.read()
    return c, r


@g.test("http: the (cap+1)th keep-alive connection from one address gets "
        "429 and is closed; another address is served; closing frees")
def _(n):
    held = []
    try:
        for _ in range(4):
            c, r = http_conn(n, "127.0.0.7")
            eq(r.status, 200, "connection within the cap")
            held.append(c)
        c, r = http_conn(n, "127.0.0.7")
        c.close()
        eq(r.status, 429, "the 5th connection")
        eq(r.getheader("Connection"), "close", "Connection header")
        c, r = http_conn(n, "127.0.0.8")
        c.close()
        eq(r.status, 200, "another address")
        held.pop().close()
        time.sleep(scaled(0.3))
        c, r = http_conn(n, "127.0.0.7")
        held.append(c)
        eq(r.status, 200, "after one closed")
    finally:
        for c in held:
            c.close()


def udp_from(n, src, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((src, 0))
        s.settimeout(scaled(1))
        s.sendto(data, n.haddr)
        got = [s.recv(65536)]
        s.settimeout(0.2)
        try:
            while True:
                got.append(s.recv(65536))
        except socket.timeout:
            pass
        return got
    finally:
        s.close()


@g.test("udp amplification: an unproven address gets no datagram larger "
        "than max(floor, factor x request) for a large record (a short "
        "SERVER_BUSY saying use TCP); after a TCP exchange, the full answer")
def _(n):
    req = resolution(LARGE["handle"], reqid=77)
    bound = max(600, 4 * len(req))
    got = udp_from(n, "127.0.0.9", req)
    total = sum(len(d) for d in got)
    check(total <= bound, "unproven: %d bytes in %d datagrams for a %d-byte "
          "request (bound %d)" % (total, len(got), len(req), bound))
    r = Resp(got[0])
    eq(r.rcode, 3, "rcode to an unproven address")
    check("TCP" in (r.message or b"").decode(), "message %r" % r.message)
    # A small record is answered in full: the floor covers it.
    r = Resp(udp_from(n, "127.0.0.9", resolution(SMALL["handle"]))[0])
    eq(r.rcode, 1, "small record over UDP")
    tcp_open_resolves(n, "127.0.0.9").close()
    got = udp_from(n, "127.0.0.9", req)
    check(len(got) > 1, "proven: %d datagram(s)" % len(got))
    check(sum(len(d) for d in got) > 3000, "proven: the whole answer")


@g.test("/metrics counts every limit decision")
def _(n):
    for labels in ('plane="udp"', 'plane="udp_dropped"', 'plane="tcp"',
                   'plane="http"', 'plane="trace"'):
        check(metric(n, "idnode_limited_total", labels) > 0,
              "idnode_limited_total{%s} is 0" % labels)
    for t in ("tcp", "http"):
        check(metric(n, "idnode_connections_refused_per_address_total",
                     'transport="%s"' % t) > 0, "conn refusals %s" % t)
    check(metric(n, "idnode_udp_amplification_refused_total") > 0,
          "amplification refusals")
