"""Graceful restart: a new idnode started beside the running one (same
config, SO_REUSEPORT) takes the traffic while the old one drains on
SIGTERM and exits 0; a load generator running through the swap over
UDP, TCP and HTTP sees no failed request.

The load generator behaves as real clients do: a UDP request is resent
after 0.5 s without an answer (the protocol's clients retry), and an
idempotent request whose connection closed before any byte of the
answer is sent again once on a new connection (RFC 9110 §9.2.2).  Both
are counted and reported; a failure is a request that still has no
right answer after that, or any wrong answer."""
import http.client
import os
import socket
import subprocess
import threading
import time

import data
import harness
from harness import (Group, Resp, check, eq, resolution, scaled,
                     tcp_read_message)

g = Group("restart", records=[data.ALL])
H = data.ALL["handle"]
MIGRATE = "/proc/sys/net/ipv4/tcp_migrate_req"


class Load(threading.Thread):
    def __init__(self, n, kind):
        super().__init__(daemon=True)
        self.n, self.kind = n, kind
        self.stop = threading.Event()
        self.ok = self.retries = 0
        self.failures = []
        self.conn = None

    def udp(self, i):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for attempt in range(4):
                if attempt:
                    self.retries += 1
                raw = self.n.udp(resolution(H, reqid=i), timeout=0.5, sock=s)
                if raw is not None:
                    return Resp(raw).rc_name
            return "no answer"
        finally:
            s.close()

    def tcp(self, i):
        for attempt in range(2):
            if attempt:
                self.retries += 1
            try:
                with socket.create_connection(self.n.haddr,
                                              timeout=scaled(3)) as s:
                    s.sendall(resolution(H, reqid=i))
                    return Resp(tcp_read_message(s)).rc_name
            except (ConnectionError, harness.TestFailure, EOFError) as e:
                last = "tcp: %r" % e
        return last

    def http(self, i):
        for attempt in range(2):
            if attempt:
                self.retries += 1
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.n.http_port, timeout=scaled(3))
            try:
                self.conn.request("GET", "/api/handles/" + H)
                r = self.conn.getresponse()
                r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return "HTTP %d" % r.status
            except (ConnectionError, http.client.RemoteDisconnected,
                    http.client.BadStatusLine) as e:
                last = "http: %r" % e
                self.conn.close()
                self.conn = None
        return last

    def run(self):
        want = {"udp": "SUCCESS", "tcp": "SUCCESS", "http": "HTTP 200"}
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                got = getattr(self, self.kind)(i)
            except Exception as e:  # any other error is a failure too
                got = repr(e)
            if got == want[self.kind]:
                self.ok += 1
            else:
                self.failures.append("%s: %s" % (self.kind, got))


def start_second(n):
    """A second idnode on the same config file (ports and Redis)."""
    log = open(os.path.join(n.dir, "second.log"), "wb")
    p = subprocess.Popen([os.path.join(harness.BUILD, "idnode"), "-c",
                          n.config_path], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + scaled(10)
    while time.monotonic() < deadline:
        text = open(os.path.join(n.dir, "second.log"), "rb").read()
        if text.count(b"event=redis_tracking state=on") >= 2:
            return p, log
        check(p.poll() is None, "second idnode exited: %r" % text[-2000:])
        time.sleep(0.05)
    p.kill()
    raise harness.TestFailure("second idnode did not get ready")


@g.test("swap under load: new instance beside the old, SIGTERM to the "
        "old; zero failed requests over UDP, TCP and HTTP")
def _(n):
    try:
        old_migrate = open(MIGRATE).read().strip()
        with open(MIGRATE, "w") as f:
            f.write("1")
    except OSError as e:
        raise harness.TestFailure(
            "cannot set %s (needed so a closed listener hands its queued "
            "connections to the new instance): %s" % (MIGRATE, e))
    n.wait_redis_links()
    loads = [Load(n, k) for k in ("udp", "udp", "tcp", "http", "http")]
    second = None
    try:
        for ld in loads:
            ld.start()
        time.sleep(scaled(1))
        second, log = start_second(n)
        time.sleep(scaled(0.5))
        old = n.proc
        old.send_signal(15)
        eq(old.wait(timeout=scaled(10)), 0, "old instance exit status")
        n.exit_status = 0
        n.proc = None
        before = sum(ld.ok for ld in loads)
        time.sleep(scaled(1.5))
        after = sum(ld.ok for ld in loads)
    finally:
        for ld in loads:
            ld.stop.set()
        for ld in loads:
            ld.join(scaled(10))
        with open(MIGRATE, "w") as f:
            f.write(old_migrate)
    try:
        failures = [f for ld in loads for f in ld.failures]
        total = sum(ld.ok for ld in loads)
        print("# swap: %d requests answered, %d retries, %d failed"
              % (total, sum(ld.retries for ld in loads), len(failures)))
        eq(failures[:10], [], "failed requests (%d)" % len(failures))
        check(after - before > 50, "the new instance served %d requests "
              "after the old one exited" % (after - before))
        for ld in loads:
            check(ld.ok > 20, "%s load made only %d requests"
                  % (ld.kind, ld.ok))
    finally:
        second.send_signal(15)
        eq(second.wait(timeout=scaled(10)), 0, "new instance exit status")
        log.close()
