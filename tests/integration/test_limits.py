"""Answers beyond what one transport can carry: the client must still get
an answer (never silence)."""
import time

import data
from harness import (Group, Resp, check, compare_wire_values, eq, resolution,
                     scaled, tcp_read_message)

# ~50 KB of values: more than 64 UDP fragments (31,488 message bytes).
HUGE = {"handle": "88.900.1/HUGE", "values": [
    {"index": i + 1, "type": "T", "data": "y" * 100, "timestamp": data.TS}
    for i in range(400)]}
# ~360 KB: more than the largest Handle message (262,144 bytes).
OVER = {"handle": "88.900.1/OVER", "values": [
    {"index": i + 1, "type": "T", "data": "z" * 60000, "timestamp": data.TS}
    for i in range(6)]}

g = Group("limits", records=[HUGE, OVER, data.ALL, data.BIG])


@g.test("udp: answer needing more than 64 fragments is still answered "
        "(all fragments, or an error)")
def _(n):
    raw, dgrams = n.udp(resolution(HUGE["handle"]), want_fragments=True)
    check(raw is not None, "no answer at all (%d datagrams received) for a "
          "%d-value handle" % (len(dgrams), len(HUGE["values"])))
    r = Resp(raw)
    if r.rcode == 1:
        compare_wire_values(r.values, HUGE, "udp")
    else:
        check(r.rcode >= 2 and r.message is not None, "answer %s"
              % r.describe())
    r = n.tcp_resp(resolution(HUGE["handle"]))
    eq(r.rcode, 1, "tcp rcode")
    compare_wire_values(r.values, HUGE, "tcp")


@g.test("udp: answer over the maximum message size -> an error answer, "
        "not silence")
def _(n):
    raw = n.udp(resolution(OVER["handle"], reqid=9))
    check(raw is not None, "no answer")
    r = Resp(raw)
    check(r.rcode >= 2, "answer %s" % r.describe())


@g.test("tcp: answer over the maximum message size -> an error answer, "
        "connection still usable")
def _(n):
    s = n.tcp_connect(timeout=3)
    try:
        r = n.tcp_resp(resolution(OVER["handle"], reqid=10), sock=s)
        eq(r.reqid, 10, "tcp RequestId")
        check(r.rcode >= 2, "tcp: answer %s" % r.describe())
        # The connection is still usable afterwards.
        r = n.tcp_resp(resolution(data.ALL["handle"], reqid=11,
                                  indexes=[1]), sock=s)
        eq((r.reqid, r.rcode), (11, 1), "next answer on the connection")
    finally:
        s.close()
    st, _, _ = n.http("GET", "/api/handles/" + OVER["handle"])
    eq(st, 200, "http status")


@g.test("tcp: 300 pipelined large answers to a slow reader all arrive intact")
def _(n):
    big = data.BIG["handle"]
    reqs = b"".join(resolution(big, reqid=70000 + i) for i in range(300))
    s = n.tcp_connect()
    try:
        s.sendall(reqs)
        t0 = time.monotonic()
        time.sleep(scaled(0.3))  # the server's send buffer fills up
        seen = set()
        for i in range(300):
            if i % 30 == 0:
                time.sleep(0.02)
            try:
                r = Resp(tcp_read_message(s))
            except AssertionError as e:
                raise AssertionError("answer %d of 300, %.1f s after the "
                                     "requests: %s"
                                     % (i, time.monotonic() - t0, e))
            check(r.reqid not in seen, "duplicate RequestId %d" % r.reqid)
            seen.add(r.reqid)
            eq((r.rcode, len(r.values)), (1, 60), "answer %d" % r.reqid)
        eq(seen, set(range(70000, 70300)), "RequestIds")
        r = n.tcp_resp(resolution(data.ALL["handle"], reqid=5, indexes=[1]),
                       sock=s)
        eq((r.reqid, r.rcode), (5, 1), "answer after the burst")
    finally:
        s.close()


@g.test("filters: 64 indexes or types accepted, 65 refused (PROTOCOL_ERROR "
        "on UDP, 400 on HTTP)")
def _(n):
    h = data.ALL["handle"]
    ok = Resp(n.udp(resolution(h, indexes=list(range(1, 65)), reqid=1)))
    eq(ok.rcode, 1, "64 indexes")
    ok = Resp(n.udp(resolution(h, types=["T%d" % i for i in range(63)] +
                               ["URL"], reqid=2)))
    eq(ok.rcode, 1, "64 types")
    bad = Resp(n.udp(resolution(h, indexes=list(range(1, 66)), reqid=3)))
    eq((bad.reqid, bad.rcode), (3, 4), "65 indexes")
    bad = Resp(n.udp(resolution(h, types=["T%d" % i for i in range(65)],
                                reqid=4)))
    eq((bad.reqid, bad.rcode), (4, 4), "65 types")
    q = "&".join("index=%d" % i for i in range(1, 65))
    eq(n.http("GET", "/api/handles/%s?%s" % (h, q))[0], 200, "64 on HTTP")
    eq(n.http("GET", "/api/handles/%s?%s&index=65" % (h, q))[0], 400,
       "65 on HTTP")


gc = Group("connection cap", records=[data.ALL],
           config={"workers": 1, "max_connections": 3})


@gc.test("max_connections: the connection past the cap is closed at once; "
         "a slot freed is usable again")
def _(n):
    h = data.ALL["handle"]
    held = [n.tcp_connect() for _ in range(3)]
    try:
        for i, s in enumerate(held):
            eq(n.tcp_resp(resolution(h, indexes=[1], reqid=10 + i),
                          sock=s).rcode, 1, "connection %d" % i)
        extra = n.tcp_connect()
        try:
            try:
                extra.sendall(resolution(h, indexes=[1], reqid=20))
                got = extra.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                got = b""
            eq(got, b"", "answer on the connection past the cap")
        finally:
            extra.close()
        held.pop().close()
        time.sleep(scaled(0.2))  # let the server see the close
        s = n.tcp_connect()
        held.append(s)
        eq(n.tcp_resp(resolution(h, indexes=[1], reqid=30), sock=s).rcode,
           1, "a new connection after one closed")
    finally:
        for s in held:
            s.close()
