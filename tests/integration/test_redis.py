"""Redis failures (faults 1 and 2 of `make test-faults`): every request is still answered within the deadline
(SERVER_BUSY / HTTP 503), and the node recovers by itself."""
import http.client
import json
import os
import signal
import socket
import threading
import time

import data
import faults
from harness import (Group, Resp, check, eq, resolution, scaled,
                     tcp_read_message)

CONFIG = {"cache": False, "request_timeout_ms": 300}
RECORDS = [data.ALL]
H = data.ALL["handle"]


def limit():
    """request_timeout_ms plus a margin for scheduling."""
    return 0.3 + scaled(0.5)


class Stream(threading.Thread):
    """Sends one request at a time over `kind` until stopped, recording
    (t_sent, latency, result); result None means no answer (silence)."""

    def __init__(self, n, kind):
        super().__init__(daemon=True)
        self.n, self.kind = n, kind
        self.stop = threading.Event()
        self.log = []
        self.error = None

    def one(self, i):
        n = self.n
        if self.kind == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                raw = n.udp(resolution(H, reqid=i + 1, indexes=[1]),
                            timeout=2.0, sock=s)
            finally:
                s.close()
            return None if raw is None else Resp(raw).rcode
        if self.kind == "tcp":
            if self.sock is None:
                self.sock = n.tcp_connect()
            self.sock.sendall(resolution(H, reqid=i + 1, indexes=[1]))
            r = Resp(tcp_read_message(self.sock))
            eq(r.reqid, i + 1, "tcp RequestId")
            return r.rcode
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", n.http_port, timeout=scaled(2))
        self.conn.request("GET", "/api/handles/%s?index=1" % H)
        resp = self.conn.getresponse()
        body = json.loads(resp.read())
        return (resp.status, body.get("responseCode"))

    def run(self):
        self.sock = self.conn = None
        i = 0
        try:
            while not self.stop.is_set():
                t0 = time.monotonic()
                try:
                    res = self.one(i)
                except (socket.timeout, TimeoutError):
                    res = None
                self.log.append((t0, time.monotonic() - t0, res))
                i += 1
                time.sleep(0.01)
        except Exception as e:  # noqa: BLE001
            self.error = "%s stream: %r" % (self.kind, e)
        finally:
            if self.sock:
                self.sock.close()
            if self.conn:
                self.conn.close()


OK = {"udp": 1, "tcp": 1, "http": (200, 1)}
BUSY = {"udp": 3, "tcp": 3, "http": (503, 3)}


def start_streams(n):
    ss = [Stream(n, k) for k in ("udp", "tcp", "http")]
    for s in ss:
        s.start()
    return ss


def stop_streams(ss):
    for s in ss:
        s.stop.set()
    for s in ss:
        s.join(scaled(10))
        check(not s.is_alive(), "%s stream hung" % s.kind)
        check(s.error is None, s.error)


def check_outage(ss, t_fail, t_end, grace=0.05):
    """Every request answered in time; those answered before the failure
    succeeded, those sent `grace` seconds after it (requests in flight
    when Redis failed may still succeed) answered SERVER_BUSY / 503."""
    lim = limit()
    for s in ss:
        before = [e for e in s.log if e[0] + e[1] < t_fail - 0.01]
        during = [e for e in s.log if t_fail + grace <= e[0] < t_end]
        check(before, "%s: no requests before the failure" % s.kind)
        check(len(during) >= 3, "%s: only %d requests during the outage"
              % (s.kind, len(during)))
        for t0, dt, res in s.log:
            if t0 >= t_end:
                continue
            check(res is not None, "%s: request at +%.2f s never answered"
                  % (s.kind, t0 - t_fail))
            check(dt <= lim, "%s: answer took %.2f s (limit %.2f), result %r"
                  % (s.kind, dt, lim, res))
            check(res in (OK[s.kind], BUSY[s.kind]), "%s: answer %r"
                  % (s.kind, res))
        for t0, dt, res in before:
            check(res == OK[s.kind], "%s: request at %+.3f s (answered in "
                  "%.3f s, before the failure) got %r; first requests: %r"
                  % (s.kind, t0 - t_fail, dt, res,
                     [(round(a - t_fail, 3), round(b, 3), c)
                      for a, b, c in s.log[:5]]))
        for t0, dt, res in during:
            check(res == BUSY[s.kind], "%s: during the outage (+%.2f s) got "
                  "%r, expected %r" % (s.kind, t0 - t_fail, res,
                                       BUSY[s.kind]))


def wait_recovery(n, seconds):
    """Until fresh UDP, TCP and HTTP clients all get SUCCESS 10 times in a
    row (fresh sockets reach both workers).  Returns seconds taken."""
    t0 = time.monotonic()
    streak, last = 0, None
    i = 0
    while time.monotonic() - t0 < seconds:
        i += 1
        try:
            u = Resp(n.udp(resolution(H, indexes=[1]), timeout=1)).rcode
        except Exception as e:  # noqa: BLE001
            u = repr(e)
        try:
            t = n.tcp_resp(resolution(H, indexes=[1])).rcode
        except Exception as e:  # noqa: BLE001
            t = repr(e)
        try:
            st, _, _ = n.http("GET", "/api/handles/%s?index=1" % H,
                              timeout=2)
        except Exception as e:  # noqa: BLE001
            st = repr(e)
        last = (u, t, st)
        if last == (1, 1, 200):
            streak += 1
            if streak >= 10:
                return time.monotonic() - t0
        else:
            streak = 0
            time.sleep(0.05)
    raise AssertionError("not recovered after %.1f s: last (udp, tcp, http)"
                         " = %r; /healthz %r" % (seconds, last, n.healthz()))


def only_busy(w):
    """A failing store is 503 status -1 for every write, never another
    code a client would act on (401 would make it drop its token)."""
    other = {k: v for k, v in w.codes.items() if k != "write:503/-1"}
    eq(other, {}, "write answers other than 503 status -1")


# Mixed load: resolutions over UDP, TCP and HTTP plus registrations over
# HTTP, with the AOF as shipped (fsync before every reply).
FAULT_CONFIG = dict(CONFIG, node_prefix="88.400")
STATE = {}

gk = Group("fault-redis-kill", config=FAULT_CONFIG, records=RECORDS,
           redis_args=[])


@gk.test("redis SIGKILL under mixed load: every request answered within "
         "the deadline, SERVER_BUSY / 503")
def _(n):
    t, prefix = faults.setup_writes(n)
    w = faults.Writer(n, t, prefix, "K")
    w.start()
    STATE[n.dir] = (w, prefix)
    faults.wait_acks(w, 300)
    ss = start_streams(n)
    try:
        time.sleep(scaled(0.5))
        t_fail = time.monotonic()
        n.kill_redis()
        time.sleep(scaled(1.5))
        t_end = time.monotonic()
    finally:
        stop_streams(ss)
    STATE[n.dir] += (ss,)
    check_outage(ss, t_fail, t_end)


@gk.test("redis restarted on the same socket: node recovers without a "
         "restart; every acknowledged write is there, whole")
def _(n):
    check(n.redis is None, "redis still running (previous test failed?)")
    w, prefix, ss = STATE.pop(n.dir)
    pid = n.proc.pid
    time.sleep(0.5)
    refused = w.refused
    n.start_redis()  # replays the AOF: the records are back
    took = wait_recovery(n, scaled(8))
    eq(n.proc.pid, pid, "idnode pid")
    check(n.alive(), "idnode died")
    eq((n.healthz() or {}).get("pid"), pid, "/healthz pid")
    faults.wait_acks(w, len(w.acked) + 200)
    w.finish()
    check(refused > 0, "no write was refused while Redis was down: the "
          "test did not hit the outage")
    only_busy(w)
    checked, lost = faults.verify(n, prefix, w.acked)
    faults.summary("redis-kill", ss, [w], took, checked, lost)
    if took > 5:
        raise AssertionError("recovery took %.1f s" % took)


gs = Group("fault-redis-stop", config=FAULT_CONFIG, records=RECORDS,
           redis_args=[])


@gs.test("redis SIGSTOP under mixed load: every resolution answered "
         "SERVER_BUSY / 503 within the deadline, writes 503 in 5 s")
def _(n):
    t, prefix = faults.setup_writes(n)
    w = faults.Writer(n, t, prefix, "S")
    w.start()
    faults.wait_acks(w, 300)
    ss = start_streams(n)
    try:
        time.sleep(scaled(0.5))
        t_fail = time.monotonic()
        os.kill(n.redis.pid, signal.SIGSTOP)
        time.sleep(scaled(2.5))
        t_end = time.monotonic()
    finally:
        stop_streams(ss)
    STATE[n.dir] = (w, prefix, ss)
    # Past the registry's 5 s deadline too, until a write times out (the
    # batch in flight at the stop may have been stored just before it,
    # the next one then waits its full 5 s).
    deadline = t_fail + 12 + scaled(2)
    while not w.codes and time.monotonic() < deadline:
        time.sleep(0.05)
    check_outage(ss, t_fail, t_end, grace=0.01)


@gs.test("redis SIGCONT: node recovers by itself; every acknowledged "
         "write is there, whole")
def _(n):
    w, prefix, ss = STATE.pop(n.dir)
    os.kill(n.redis.pid, signal.SIGCONT)
    took = wait_recovery(n, scaled(6))
    faults.wait_acks(w, len(w.acked) + 200)
    w.finish()
    # A batch waits at most the registry's Redis deadline (5 s) plus
    # its own work; a stalled Redis must not hold it longer.
    check(w.slowest < 5 + scaled(3), "a batch took %.1f s" % w.slowest)
    check(w.codes, "no write was refused during the stall")
    only_busy(w)
    checked, lost = faults.verify(n, prefix, w.acked)
    faults.summary("redis-stop", ss, [w], took, checked, lost,
                   extra="slowest batch %.2f s" % w.slowest)
