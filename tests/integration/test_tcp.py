"""TCP connections: pipelining, reuse, idle timeout, half-close."""
import socket
import time

import data
from harness import (Group, Resp, check, eq, expect_rc, padded_request,
                     resolution, scaled, tcp_read_message, wait_closed)

g = Group("tcp", records=[data.ALL, data.BIG],
          config={"tcp_idle_timeout_ms": 1000, "cache": False})
H = data.ALL["handle"]
IDX = [v["index"] for v in data.ALL["values"] if "permissions" not in v]


def pipelined(count, base):
    """count requests with distinct ids; returns (bytes, {rid: expect})."""
    reqs, want = [], {}
    for i in range(count):
        rid = base + i
        if i % 3 == 2:
            reqs.append(resolution("88.900.1/MISSING-%d" % i, reqid=rid))
            want[rid] = (100, None)
        else:
            idx = IDX[i % len(IDX)]
            reqs.append(resolution(H, indexes=[idx], reqid=rid))
            want[rid] = (1, [idx])
    return b"".join(reqs), want


def read_answers(s, want):
    got = {}
    for _ in range(len(want)):
        r = Resp(tcp_read_message(s))
        check(r.reqid in want, "answer with unknown RequestId %d" % r.reqid)
        check(r.reqid not in got, "two answers for RequestId %d" % r.reqid)
        got[r.reqid] = r
        rc, idx = want[r.reqid]
        eq(r.rcode, rc, "rcode of RequestId %d" % r.reqid)
        if idx is not None:
            eq(r.indexes(), idx, "values of RequestId %d" % r.reqid)
    return got


def all_answered(n, count, base):
    """Sends count pipelined requests in one send(); checks every answer."""
    buf, want = pipelined(count, base)
    s = n.tcp_connect()
    try:
        s.sendall(buf)
        read_answers(s, want)
    finally:
        s.close()


@g.test("20 pipelined requests in one send() all answered, matched by "
        "RequestId")
def _(n):
    all_answered(n, 20, 1000)


@g.test("300 sequential requests on one connection")
def _(n):
    s = n.tcp_connect()
    try:
        for i in range(300):
            idx = IDX[i % len(IDX)]
            r = n.tcp_resp(resolution(H, indexes=[idx], reqid=5000 + i),
                           sock=s)
            eq((r.reqid, r.rcode, r.indexes()), (5000 + i, 1, [idx]),
               "answer %d" % i)
    finally:
        s.close()


@g.test("200 pipelined requests (over max_inflight_per_conn) all answered")
def _(n):
    all_answered(n, 200, 20000)


@g.test("half-closed connection (SHUT_WR after a request) still answered")
def _(n):
    s = n.tcp_connect()
    try:
        s.sendall(resolution(H, reqid=77, indexes=[1]))
        s.shutdown(socket.SHUT_WR)
        r = Resp(tcp_read_message(s))
        eq((r.reqid, r.rcode, r.indexes()), (77, 1, [1]), "answer")
        closed, extra = wait_closed(s, scaled(3))
        check(closed, "server did not close after answering a half-closed "
              "connection")
        eq(extra, b"", "bytes after the answer")
    finally:
        s.close()


@g.test("half-close after 200 pipelined requests: every one answered")
def _(n):
    buf, want = pipelined(200, 40000)
    s = n.tcp_connect()
    try:
        s.sendall(buf)
        s.shutdown(socket.SHUT_WR)
        read_answers(s, want)
        closed, extra = wait_closed(s, scaled(3))
        check(closed, "server did not close")
    finally:
        s.close()


@g.test("idle connection closed after tcp_idle_timeout_ms (1000)")
def _(n):
    s = n.tcp_connect()
    try:
        r = n.tcp_resp(resolution(H, reqid=5, indexes=[1]), sock=s)
        expect_rc(r, "SUCCESS")
        t0 = time.monotonic()
        closed, extra = wait_closed(s, 1.0 + scaled(3))
        dt = time.monotonic() - t0
        check(closed, "idle connection still open after %.1f s" % dt)
        eq(extra, b"", "bytes before close")
        check(dt >= 0.8, "closed after only %.2f s (timeout is 1 s)" % dt)
    finally:
        s.close()
    s = n.tcp_connect()  # never sent anything
    try:
        closed, _ = wait_closed(s, 1.0 + scaled(3))
        check(closed, "silent connection never closed")
    finally:
        s.close()


@g.test("a connection in use is not closed as idle")
def _(n):
    s = n.tcp_connect()
    try:
        for i in range(6):
            r = n.tcp_resp(resolution(H, reqid=600 + i, indexes=[2]), sock=s)
            eq((r.reqid, r.rcode), (600 + i, 1), "answer %d" % i)
            time.sleep(0.4)
    finally:
        s.close()


@g.test("a request written a few bytes at a time is answered")
def _(n):
    s = n.tcp_connect()
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for rid in (900, 901):
            req = resolution(H, reqid=rid, indexes=[2])
            for i in range(0, len(req), 7):
                s.sendall(req[i:i + 7])
                time.sleep(0.002)
            r = Resp(tcp_read_message(s))
            eq((r.reqid, r.rcode, r.indexes()), (rid, 1, [2]), "answer")
    finally:
        s.close()


@g.test("MessageLength = max_message_bytes (65536) answered; one more byte "
        "-> PROTOCOL_ERROR and close")
def _(n):
    s = n.tcp_connect()
    try:
        for rid, size in ((301, 60000), (302, 65536)):
            s.sendall(padded_request(H, rid, size))
            r = Resp(tcp_read_message(s))
            eq((r.reqid, r.rcode, r.indexes()), (rid, 1, [1]),
               "answer to a %d-byte message" % size)
        s.sendall(padded_request(H, 303, 65537))
        r = Resp(tcp_read_message(s))
        eq((r.reqid, r.rcode), (303, 4), "answer to a 65537-byte message")
        closed, _ = wait_closed(s, scaled(3))
        check(closed, "connection not closed")
    finally:
        s.close()


@g.test("50 concurrent connections each answered")
def _(n):
    socks = [n.tcp_connect() for _ in range(50)]
    try:
        for i, s in enumerate(socks):
            s.sendall(resolution(H, reqid=3000 + i, indexes=[1]))
        for i, s in enumerate(socks):
            r = Resp(tcp_read_message(s))
            eq((r.reqid, r.rcode), (3000 + i, 1), "connection %d" % i)
    finally:
        for s in socks:
            s.close()


@g.test("a slow reader with answers still in the kernel is not idle")
def _(n):
    # A 4 KiB receive window keeps most of two ~8 KB answers unacknowledged
    # in the server's kernel buffer while our own buffer is already empty.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(scaled(5))
    s.connect(n.haddr)
    try:
        big = data.BIG["handle"]
        s.sendall(resolution(big, reqid=1) + resolution(big, reqid=2))
        time.sleep(scaled(2.5))  # idle limit is 1 s
        for _ in range(2):
            eq(Resp(tcp_read_message(s)).rcode, 1, "slow answer")
        s.sendall(resolution(H, indexes=[IDX[0]], reqid=3))
        r = Resp(tcp_read_message(s))
        eq((r.reqid, r.rcode), (3, 1), "connection still open after")
    finally:
        s.close()
