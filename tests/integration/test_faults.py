"""Faults 3, 5, 6 and 7 of `make test-faults` (docs/faults.md): Redis
replaced by a scripted fake, the AOF's disk full, file descriptors
exhausted, and slow or abusive clients.  Each prints its summary line
(faults.summary)."""
import collections
import http.client
import os
import resource
import socket
import subprocess
import threading
import time

import data
import faults
import snms
from fakeredis import FakeRedis
from harness import (RC_NAME, Group, Resp, check, envelope, eq, resolution, scaled,
                     wait_closed)
from test_redis import (BUSY, OK, RECORDS, limit, start_streams, stop_streams,
                        wait_recovery)

CONFIG = {"cache": False, "request_timeout_ms": 300, "node_prefix": "88.400"}

# ------------------------------------------------------------ fake Redis

gf = Group("fault-redis-fake", config=CONFIG, records=RECORDS)
FAKE = {}


def one_write(n, token, prefix, tag):
    """One registration batch of 5: (HTTP status, SNMS status, seconds)."""
    batch = [faults.item("%s/%s-%06d" % (prefix, tag, k), k)
             for k in range(5)]
    t0 = time.monotonic()
    st, j, _ = snms.call(n, "POST", faults.BATCH, batch, token, timeout=15)
    return st, (j or {}).get("status"), time.monotonic() - t0


@gf.test("fake Redis that delays, drops, truncates, garbles or mistypes "
         "replies: every request answered within the deadline, node up")
def _(n):
    token, prefix = faults.setup_writes(n)
    n.stop_redis()
    fake = FakeRedis(n.sock_path)
    FAKE[n.dir] = (fake, token, prefix)
    ss_all, writes = [], collections.Counter()
    lim = limit()
    for mode in ("delay", "drop", "truncated", "invalid", "loading",
                 "wrongtype"):
        fake.mode = mode
        before = fake.faulted
        ss = start_streams(n)
        try:
            time.sleep(scaled(1.5))
            st, status, took = one_write(n, token, prefix, mode)
        finally:
            stop_streams(ss)
        ss_all += ss
        writes["write:%s/%s" % (st, status)] += 1
        check(n.alive(), "idnode died in mode %s" % mode)
        check(fake.faulted > before, "mode %s: the fake answered no "
              "command (the test did not reach it)" % mode)
        # The registry's own Redis deadline is 5 s.
        check(took < 5 + scaled(2), "mode %s: a write took %.1f s"
              % (mode, took))
        for s in ss:
            for t0, dt, res in s.log:
                check(res is not None and dt <= lim,
                      "mode %s, %s: answer %r after %.2f s (limit %.2f)"
                      % (mode, s.kind, res, dt, lim))
                if mode != "wrongtype":
                    eq(res, BUSY[s.kind], "mode %s, %s answer" % (mode,
                                                                  s.kind))
                else:
                    check(res != OK[s.kind], "mode %s, %s: SUCCESS from "
                          "a reply of the wrong type" % (mode, s.kind))
        if mode != "wrongtype":
            eq((st, status), (503, -1), "mode %s: write" % mode)
        else:
            # A nil or a string where a token is looked up reads as an
            # unknown token: 401 is right then, 503 otherwise.
            check(st in (401, 503) and status == -1, "mode wrongtype: "
                  "write answered %s/%s" % (st, status))
    FAKE[n.dir] += (ss_all, writes)


@gf.test("real Redis back on the socket: the node reconnects by itself")
def _(n):
    state = FAKE.pop(n.dir, None)
    check(state, "the previous test did not start the fake")
    state[0].close()
    check(len(state) == 5, "the previous test did not finish")
    fake, token, prefix, ss, writes = state
    pid = n.proc.pid
    t0 = time.monotonic()
    n.start_redis()
    n.import_records(RECORDS, "reimport.jsonl")
    took = wait_recovery(n, scaled(8))
    eq(n.proc.pid, pid, "idnode pid")
    faults.summary("redis-fake", ss, recovery=time.monotonic() - t0,
                   errors=writes, extra="fake answered %d commands badly"
                   % fake.faulted)
    check(took < 5, "recovery took %.1f s" % took)


# ---------------------------------------------------------- slow clients

IDLE_MS = 1000
gsl = Group("fault-slow-clients", records=[data.ALL],
            config={"tcp_idle_timeout_ms": IDLE_MS})
H = data.ALL["handle"]


class Probe(threading.Thread):
    """A well-behaved client: UDP, TCP and HTTP resolutions in turn, each
    on a fresh socket, until stopped; keeps (kind, latency, ok)."""

    def __init__(self, n):
        super().__init__(daemon=True)
        self.n, self.stop, self.log = n, threading.Event(), []

    def run(self):
        n, i = self.n, 0
        while not self.stop.is_set():
            kind = ("udp", "tcp", "http")[i % 3]
            i += 1
            t0 = time.monotonic()
            try:
                if kind == "http":
                    ok = n.http("GET", "/api/handles/%s?index=1" % H,
                                timeout=3)[0] == 200
                else:
                    ok = n.resolve(H, kind, indexes=[1]).rcode == 1
            except Exception:  # noqa: BLE001
                ok = False
            self.log.append((kind, time.monotonic() - t0, ok))
            time.sleep(0.02)


def trickle(port, payload, seconds, out, key):
    """Sends `payload` one byte a second; out[key] = seconds until the
    node closed the connection, or None if still open after `seconds`."""
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    try:
        for b in payload:
            try:
                s.send(bytes([b]))
            except OSError:
                break
            closed, _ = wait_closed(s, 1.0)
            if closed or time.monotonic() - t0 > seconds:
                break
        closed, _ = wait_closed(s, 0.01)
        out[key] = time.monotonic() - t0 if closed else None
    finally:
        s.close()


def flood(port, head, out, key, total=100 << 20):
    """Sends `head`, then zeros up to `total` bytes as fast as the node
    takes them: out[key] = (bytes sent before it closed, first answer
    bytes, seconds)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(scaled(10))
    sent, t0 = 0, time.monotonic()
    chunk = b"\0" * 65536
    try:
        s.sendall(head)
        while sent < total:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    try:
        got = s.recv(200)
    except OSError:
        got = b""
    out[key] = (sent, got, time.monotonic() - t0)
    s.close()


@gsl.test("connect-and-wait, one byte a second, 100 MB: each closed by "
          "the node's deadlines and limits, others served at once")
def _(n):
    probe = Probe(n)
    probe.start()
    time.sleep(0.3)
    base = [dt for _, dt, _ in probe.log]
    idle = [socket.create_connection(("127.0.0.1", p))
            for p in [n.handle_port] * 10 + [n.http_port] * 10]
    t_idle = time.monotonic()
    out = {}
    req = resolution(H, indexes=[1])
    get = (b"GET /api/handles/%s HTTP/1.1\r\nHost: x\r\nX-Pad: " %
           H.encode() + b"a" * 64)
    ts = [threading.Thread(target=trickle, args=(n.handle_port, req, 6, out,
                                                 "tcp-slow-%d" % i))
          for i in range(5)]
    ts += [threading.Thread(target=trickle, args=(n.http_port, get, 6, out,
                                                  "http-slow-%d" % i))
           for i in range(5)]
    ts.append(threading.Thread(target=flood, args=(
        n.http_port, b"POST /identityv2/data/batchCreate HTTP/1.1\r\n"
        b"Host: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 104857600\r\n\r\n", out, "http-100MB")))
    ts.append(threading.Thread(target=flood, args=(
        n.handle_port, envelope(100 << 20, 5), out, "tcp-100MB")))
    for t in ts:
        t.start()
    idle_closed = []
    for s in idle:
        closed, got = wait_closed(s, max(0.1, t_idle + IDLE_MS / 1000 +
                                         scaled(1.5) - time.monotonic()))
        idle_closed.append(time.monotonic() - t_idle if closed else None)
        s.close()
    for t in ts:
        t.join(scaled(20))
    probe.stop.set()
    probe.join(10)
    lat = sorted(dt for _, dt, _ in probe.log)
    bad = [e for e in probe.log if not e[2]]
    slow_tcp = [out.get("tcp-slow-%d" % i) for i in range(5)]
    slow_http = [out.get("http-slow-%d" % i) for i in range(5)]
    faults.summary(
        "slow-clients", sent={"probes": len(probe.log), "idle conns": 20,
                              "trickling conns": 10, "100 MB senders": 2},
        errors={"probe:failed": len(bad)} if bad else {},
        extra="idle closed after max %.1f s; tcp trickle closed after %s s; "
        "http trickle closed after %s s; http 100MB: %d MB taken, %r; "
        "tcp 100MB: %d KB taken; probe latency p50 %.1f ms max %.1f ms "
        "(before: max %.1f ms)" % (
            max(idle_closed, key=lambda x: x or 99),
            [round(x, 1) if x else x for x in slow_tcp],
            [round(x, 1) if x else x for x in slow_http],
            out["http-100MB"][0] >> 20, out["http-100MB"][1][:12],
            out["tcp-100MB"][0] >> 10, lat[len(lat) // 2] * 1000,
            lat[-1] * 1000, max(base or [0]) * 1000))
    eq(bad, [], "probe requests that failed")
    check(lat[-1] < scaled(0.5), "a probe took %.2f s" % lat[-1])
    check(all(x is not None for x in idle_closed),
          "connections that never sent still open after %.1f s: %r"
          % (IDLE_MS / 1000 + scaled(1.5), idle_closed))
    check(all(x is not None and x < 2 * IDLE_MS / 1000 + scaled(1.5)
              for x in slow_tcp),
          "Handle TCP connections trickling a byte a second: closed after "
          "%r s" % slow_tcp)
    check(all(x is not None and x < 2 * IDLE_MS / 1000 + scaled(1.5)
              for x in slow_http),
          "HTTP connections trickling a byte a second: closed after %r s"
          % slow_http)
    sent, got, _ = out["http-100MB"]
    check(sent < 32 << 20 and got.startswith(b"HTTP/1.1 413"),
          "HTTP 100 MB: %d bytes taken, answer %r" % (sent, got[:40]))
    sent, got, _ = out["tcp-100MB"]
    check(sent < 4 << 20 and len(got) >= 24,
          "Handle 100 MB: %d bytes taken, answer %r" % (sent, got[:40]))
    eq(Resp(got, strict=False).rcode, 4, "Handle 100 MB: answer rcode")
    check(n.alive(), "idnode died")


# ------------------------------------------------ descriptor exhaustion

NOFILE = 256
gfd = Group("fault-fd-exhaustion", records=[data.ALL],
            config={"workers": 1, "tcp_idle_timeout_ms": 60000})


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def limit_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


@gfd.test("descriptors exhausted (RLIMIT_NOFILE %d): UDP and open "
          "connections still answered, no busy loop, accepting again "
          "once connections close" % NOFILE)
def _(n):
    check(not n.stop_idnode(), "idnode stops")
    n.preexec = limit_nofile
    check(n.start_idnode(), "idnode restarts with a low RLIMIT_NOFILE")
    pid = n.proc.pid
    held = n.tcp_connect()
    conn = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                      timeout=scaled(5))
    eq(n.http("GET", "/api/handles/%s?index=1" % H, conn=conn)[0], 200,
       "keep-alive HTTP before")
    flood_socks, t0 = [], time.monotonic()
    sent = collections.Counter()
    try:
        # Until the node stops accepting: the kernel still completes
        # the handshakes (backlog), the node cannot take them.
        while len(flood_socks) < NOFILE + 100:
            flood_socks.append(socket.create_connection(n.haddr, timeout=2))
        deadline = time.monotonic() + scaled(5)
        while ("accept_failed" not in n.stderr_text() and
               time.monotonic() < deadline):
            time.sleep(0.05)
        check("accept_failed" in n.stderr_text(), "the node never failed "
              "to accept: the test did not exhaust its descriptors")
        cpu0, w0 = cpu_seconds(pid), time.monotonic()
        for i in range(20):
            sent["udp"] += 1
            eq(n.resolve(H, "udp", indexes=[1]).rcode, 1, "UDP while "
               "exhausted")
            sent["tcp (open conn)"] += 1
            eq(n.tcp_resp(resolution(H, indexes=[1], reqid=100 + i),
                          sock=held).rcode, 1, "open TCP conn while "
               "exhausted")
            sent["http (open conn)"] += 1
            eq(n.http("GET", "/api/handles/%s?index=1" % H, conn=conn)[0],
               200, "open HTTP conn while exhausted")
            time.sleep(0.1)
        cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - w0)
    finally:
        for s in flood_socks:
            s.close()
    t_free = time.monotonic()
    deadline = t_free + scaled(10)
    while True:
        try:
            r = n.tcp_resp(resolution(H, indexes=[1]))
            if r.rcode == 1:
                break
        except (OSError, AssertionError):
            pass
        check(time.monotonic() < deadline, "not accepting again %.0f s "
              "after the connections closed" % scaled(10))
        time.sleep(0.05)
    took = time.monotonic() - t_free
    eq(n.http("GET", "/api/handles/%s?index=1" % H)[0], 200,
       "a new HTTP connection after")
    held.close()
    conn.close()
    faults.summary("fd-exhaustion", sent=dict(sent, **{
        "flood conns": len(flood_socks)}), recovery=took,
        extra="idnode CPU while exhausted %.0f%% of a core; %d "
        "accept_failed lines" % (cpu * 100,
                                 n.stderr_text().count("accept_failed")))
    check(cpu < 0.5, "idnode used %.0f%% of a core while it could not "
          "accept" % (cpu * 100))


# ------------------------------------------------------------ disk full

gd = Group("fault-disk-full", records=RECORDS, config=CONFIG)
AOF_FS_MB = 8


@gd.test("AOF disk full: Redis stops (appendfsync always), writes 503, "
         "reads answered; restarted it serves reads on the full disk; "
         "writes resume once space is freed; nothing acknowledged lost")
def _(n):
    mnt = os.path.join(n.dir, "aof")
    os.mkdir(mnt)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % AOF_FS_MB,
                        "tmpfs", mnt], capture_output=True, text=True)
    if p.returncode != 0:
        # Containers without CAP_SYS_ADMIN: say so loudly, in the summary
        # line too, rather than pretend.
        faults.summary("disk-full", extra="NOT RUN: mount tmpfs failed: %s"
                       % p.stderr.strip())
        return
    try:
        disk_full(n, mnt)
    finally:
        n.stop_redis()
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def disk_full(n, mnt):
    # Redis moves to the small filesystem, with the AOF as shipped.
    n.stop_redis()
    n.redis_args = ["--dir", mnt]
    n.start_redis()
    n.import_records(RECORDS, "reimport.jsonl")
    token, prefix = faults.setup_writes(n)
    w = faults.Writer(n, token, prefix, "D")
    w.start()
    faults.wait_acks(w, 200)
    # Fill the filesystem: Redis's next append fails with ENOSPC, and
    # with appendfsync always Redis cannot go on without losing an
    # acknowledged write, so it exits (status 1).
    filler = os.path.join(mnt, "filler")
    # Unbuffered: closing a buffered file would flush into the full disk.
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    deadline = time.monotonic() + scaled(15)
    while not w.codes and time.monotonic() < deadline:
        time.sleep(0.05)
    check(w.codes, "no write refused with the disk full")
    ss = start_streams(n)
    try:
        time.sleep(scaled(1))
    finally:
        stop_streams(ss)
    w.finish()
    check(n.redis.wait(scaled(10)) == 1, "redis-server did not exit 1")
    n.redis = None
    lim = limit()
    for s in ss:
        for t0, dt, res in s.log:
            check(dt <= lim and res == BUSY[s.kind], "%s while Redis is "
                  "down: %r after %.2f s" % (s.kind, res, dt))
    # systemd (Restart=on-failure) starts it again on the full disk: it
    # loads the AOF (cutting a torn last command) and serves reads.
    n.start_redis()
    faults.wait_ready(n)
    reads = collections.Counter()
    for h, _ in w.acked[:: max(1, len(w.acked) // 20)]:
        for kind in ("udp", "tcp"):
            rc = n.resolve(h, kind).rcode
            reads["%s:%s" % (kind, RC_NAME.get(rc, rc))] += 1
            eq(rc, 1, "%s resolve %s, disk still full" % (kind, h))
        st = n.http("GET", "/api/handles/%s" % h)[0]
        reads["http:%s" % st] += 1
        eq(st, 200, "HTTP resolve %s, disk still full" % h)
    os.unlink(filler)
    t_free = time.monotonic()
    w2 = faults.Writer(n, token, prefix, "E")
    w2.start()
    faults.wait_acks(w2, 200)
    took = time.monotonic() - t_free
    w2.finish()
    bad = {k: v for k, v in list(w.codes.items()) + list(w2.codes.items())
           if k != "write:503/-1"}
    eq(bad, {}, "writes refused with other than 503 status -1")
    # The AOF on disk holds every acknowledged write: restart Redis from
    # it and re-read them all.
    n.stop_redis()
    n.start_redis()
    checked, lost = faults.verify(n, prefix, w.acked + w2.acked)
    faults.summary("disk-full", ss, [w, w2], recovery=took, checked=checked,
                   lost=lost, sent={"reads (disk full, Redis back)":
                                    sum(reads.values())},
                   extra="reads with Redis back on the full disk %r"
                   % dict(reads))
