"""Federation (docs/federation.md): a top-level idnode for 88, secondary
nodes A (88.100) and B (88.200) each with its own Redis, and an
enterprise node E for 88.200.9, which B does not host.  A client of A
resolves handles of B and E through the top-level node (UDP, TCP,
HTTP); answers are cached and refetched when their TTL ends; a dead
top-level node or a dead B leaves stale answers for the staleness
window, then SERVER_NOT_RESP; two nodes that name each other as
upstream end with RECURSION_COUNT_TOO_HIGH, not a storm; concurrent
misses wait on one upstream query."""
import atexit
import json
import socket
import struct
import time

import harness
import promtext
from harness import (OPF_DEFAULT, Group, check, eq, expect_rc, resolution,
                     scaled)

OPF_NOREC = OPF_DEFAULT & ~0x10000000
TS = "2025-06-01T08:00:00Z"
UPDATED = 1767225600

g = Group("federation", node=False)


def rec(handle, url, ttl=None):
    v = {"index": 1, "type": "URL", "data": url, "timestamp": TS}
    if ttl is not None:
        v["ttl"] = ttl
    return {"handle": handle, "values": [v]}


def refer(n, prefix, target):
    """pfx:{prefix} on n: served by `target` (an idnode), not hosted."""
    args = ["HSET", "pfx:{%s}" % prefix]
    f = dict(ent="91350100M000100Y43", state=1, proxy=1, ipType=4,
             ip="127.0.0.1", tcpPort=target.handle_port,
             udpPort=target.handle_port, httpPort=target.http_port,
             u=UPDATED)
    for k, v in f.items():
        args += [k, str(v)]
    p = n.redis_cli(*args)
    check(p.returncode == 0 and "ERR" not in p.stdout,
          "HSET failed: %r %r" % (p.stdout, p.stderr))


def metrics(n):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", n.admin_port,
                                      timeout=scaled(5))
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    eq(r.status, 200, "GET /metrics")
    return promtext.parse(body.decode("utf-8"))


def metric(n, name, **labels):
    return promtext.value(metrics(n), name, **labels)


def answered(n, code="SUCCESS", transport="udp"):
    return metric(n, "idnode_handle_requests_total", transport=transport,
                  opcode="1", code=code)


def url_of(r):
    return r.by_index()[1]["data"]


def resolve(n, handle, transport="udp", **kw):
    return n.resolve(handle, transport, **kw)


RECURSIVE = {"recursion": True, "upstream_timeout_ms": 150,
             "upstream_retries": 1, "upstream_stale_s": 8,
             "upstream_negative_ttl_s": 2}


class Topo:
    """The four nodes, started once for the group's tests."""

    def __init__(self):
        self.nodes = []
        self.top = self.node("fed_top", {"role": "top-level",
                                         "node_prefix": "88"})
        up = {"upstream": "127.0.0.1:%d" % self.top.handle_port}
        self.e = self.node("fed_ent", {"node_prefix": "88.200.9"},
                           [rec("88.200.9/E1", "https://ent.example/e1")])
        self.b = self.node("fed_b", dict(up, node_prefix="88.200", **RECURSIVE),
                           [rec("88.200.1/X", "https://b.example/x"),
                            rec("88.200.1/SHORT", "https://b.example/v1",
                                ttl=2),
                            rec("88.200.1/STALE", "https://b.example/s",
                                ttl=2),
                            rec("88.200.1/MANY", "https://b.example/m"),
                            rec("88.200.1/REF", "https://b.example/r"),
                            rec("88.200.1/LATE", "https://b.example/late")])
        self.a = self.node("fed_a", dict(up, node_prefix="88.100",
                                         upstream_ttl_max_s=60, **RECURSIVE),
                           [rec("88.100.1/LOCAL", "https://a.example/l")])
        refer(self.top, "88.200", self.b)
        refer(self.top, "88.100", self.a)
        refer(self.b, "88.200.9", self.e)

    def node(self, name, config, records=None):
        n = harness.Node(name, config=config, records=records)
        self.nodes.append(n)
        n.start()
        return n

    def close(self):
        problems = []
        for n in self.nodes:
            problems += ["%s: %s" % (n.name, p) for p in n.shutdown()]
            if not problems:
                n.cleanup()
        self.nodes = []
        return problems


TOPO = []


def topo():
    if not TOPO:
        TOPO.append(Topo())
        atexit.register(TOPO[0].close)
    return TOPO[0]


@g.test("A resolves a handle hosted on B through the top-level node, over "
        "UDP, TCP and HTTP, with the client's request id")
def _(n):
    t = topo()
    for transport in ("udp", "tcp"):
        r = resolve(t.a, "88.200.1/X", transport)
        expect_rc(r, "SUCCESS")
        eq(r.handle, b"88.200.1/X", "handle")
        eq(url_of(r), b"https://b.example/x", "B's value (%s)" % transport)
    st, j, _, _ = t.a.http_json("/api/handles/88.200.1/X")
    eq((st, j["responseCode"], j["values"][0]["data"]["value"]),
       (200, 1, "https://b.example/x"), "HTTP answer")
    # The handle of a prefix the top-level node does not know: not found.
    r = resolve(t.a, "88.777/NOPE")
    expect_rc(r, "HANDLE_NOT_FOUND")
    st, j, _, _ = t.a.http_json("/api/handles/88.777/NOPE")
    eq((st, j["responseCode"]), (404, 100), "HTTP not found")
    # A's own handles are still its own.
    expect_rc(resolve(t.a, "88.100.1/LOCAL"), "SUCCESS")
    eq(metric(t.top, "idnode_upstream_queries_total", outcome="answer"), 0,
       "the top-level node never recurses")


@g.test("a handle of an enterprise node behind B: A follows the top-level "
        "node's PREFIX_REFERRAL to B and B's site to E; B itself resolves "
        "it for a client asking for recursion, refers one that does not")
def _(n):
    t = topo()
    r = resolve(t.a, "88.200.9/E1")
    expect_rc(r, "SUCCESS")
    eq(url_of(r), b"https://ent.example/e1", "E's value through A")
    check(metric(t.a, "idnode_upstream_queries_total", outcome="referral")
          >= 1, "A followed a referral")
    r = resolve(t.b, "88.200.9/E1", "tcp")
    expect_rc(r, "SUCCESS")
    eq(url_of(r), b"https://ent.example/e1", "E's value through B")
    for node in (t.a, t.b):
        st, j, _, _ = node.http_json("/api/handles/88.200.9/E1")
        eq((st, j["values"][0]["data"]["value"]),
           (200, "https://ent.example/e1"), "HTTP through %s" % node.name)
    r = resolve(t.b, "88.200.9/E1", opflags=OPF_NOREC)
    expect_rc(r, "SERVICE_REFERRAL")
    # The top-level node answers prefix handles itself.
    r = resolve(t.top, "0.NA/88.200")
    expect_rc(r, "SUCCESS")
    eq([v["type"] for v in r.values], ["HS_SITE"], "the site of 88.200")
    r = resolve(t.top, "0.NA/88.200.9")
    expect_rc(r, "PREFIX_REFERRAL")
    eq([v["type"] for v in r.values], ["HS_SITE.PREFIX"],
       "where 88.200's derived prefixes are")


@g.test("without REC, A refers the client: PREFIX_REFERRAL to the "
        "top-level node for an unknown prefix, SERVICE_REFERRAL to the "
        "site once it is known")
def _(n):
    t = topo()
    # One socket: the same worker, which looks up 88.200.1's site for a
    # handle it has not seen (its answer is in no cache yet).
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        expect_rc(t.a.udp_resp(resolution("88.200.1/REF"), sock=s), "SUCCESS")
        r = t.a.udp_resp(resolution("88.200.1/NEVER-ASKED",
                                    opflags=OPF_NOREC), sock=s)
    finally:
        s.close()
    expect_rc(r, "SERVICE_REFERRAL")
    port = struct.pack(">I", t.b.handle_port)
    check(port in r.values[0]["data"], "the referral names B's port")
    r = resolve(t.a, "88.555/X", opflags=OPF_NOREC)
    expect_rc(r, "PREFIX_REFERRAL")
    eq(r.values[0]["type"], "HS_SITE.PREFIX", "type")
    check(struct.pack(">I", t.top.handle_port) in r.values[0]["data"],
          "the referral names the top-level node's port")


@g.test("answers are cached for their TTL, then fetched again")
def _(n):
    t = topo()
    h = "88.200.1/SHORT"
    eq(url_of(resolve(t.a, h)), b"https://b.example/v1", "first answer")
    t.b.import_records([rec(h, "https://b.example/v2", ttl=2)], "v2.jsonl")
    eq(url_of(resolve(t.a, h)), b"https://b.example/v1",
       "within the TTL: the cached answer")
    time.sleep(2.5)
    eq(url_of(resolve(t.a, h)), b"https://b.example/v2",
       "after the TTL: fetched again")


@g.test("concurrent misses for one handle wait on one upstream query")
def _(n):
    t = topo()
    h = "88.200.1/MANY"
    before = answered(t.b)
    socks = []
    for i in range(24):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(scaled(3))
        socks.append((s, resolution(h)))
    for s, data in socks:
        s.sendto(data, t.a.haddr)
    for s, data in socks:
        r = harness.Resp(s.recvfrom(65536)[0])
        expect_rc(r, "SUCCESS")
        s.close()
    asked = answered(t.b) - before
    check(1 <= asked <= 2, "B was asked %d times for 24 misses (2 workers)"
          % asked)
    # The rest waited on a query in flight, or (on a slow machine) came
    # after it ended and found the answer cached.
    coalesced = metric(t.a, "idnode_upstream_coalesced_total")
    hits = metric(t.a, "idnode_upstream_cache_lookups_total", result="hit")
    check(coalesced >= 1 and coalesced + hits >= 22,
          "coalesced %d, cache hits %d" % (coalesced, hits))


@g.test("top-level node killed: cached answers are still served (stale "
        "counted); a new foreign prefix fails with SERVER_NOT_RESP")
def _(n):
    t = topo()
    expect_rc(resolve(t.a, "88.200.1/STALE"), "SUCCESS")
    expect_rc(resolve(t.a, "88.200.1/LATE"), "SUCCESS")
    t.top.stop_idnode()
    expect_rc(resolve(t.a, "88.200.1/X"), "SUCCESS")
    r = resolve(t.a, "88.300/NEW")
    expect_rc(r, "SERVER_NOT_RESP")
    st, j, _, _ = t.a.http_json("/api/handles/88.300/NEW")
    eq((st, j["responseCode"]), (504, 301), "HTTP: gateway timeout")
    check(metric(t.a, "idnode_upstream_server_health",
                 server="127.0.0.1:%d" % t.top.handle_port) < 100,
          "the top-level node's health score fell")


@g.test("B killed: stale answers within the window, SERVER_NOT_RESP after")
def _(n):
    t = topo()
    t.b.stop_idnode()
    stale0 = metric(t.a, "idnode_upstream_stale_total")
    time.sleep(2.5)  # STALE's TTL (2 s) is over
    r = resolve(t.a, "88.200.1/STALE")
    expect_rc(r, "SUCCESS")
    eq(url_of(r), b"https://b.example/s", "the stale answer")
    check(metric(t.a, "idnode_upstream_stale_total") > stale0,
          "stale answers counted")
    time.sleep(8.5)  # the staleness window (8 s) is over
    expect_rc(resolve(t.a, "88.200.1/STALE"), "SERVER_NOT_RESP")
    problems = t.close()
    check(not problems, "nodes: %s" % problems)


@g.test("two nodes naming each other as upstream: RECURSION_COUNT_TOO_HIGH "
        "after a bounded number of queries")
def _(n):
    x = harness.Node("fed_loop_x", config=dict(node_prefix="99.1",
                                               **RECURSIVE))
    y = harness.Node("fed_loop_y", config=dict(node_prefix="99.2",
                                               **RECURSIVE))
    try:
        x.start()
        y.extra_config["upstream"] = "127.0.0.1:%d" % x.handle_port
        y.start()
        x.extra_config["upstream"] = "127.0.0.1:%d" % y.handle_port
        x.write_config()
        x.stop_idnode()
        x.start_idnode()
        t0 = time.monotonic()
        r = resolve(x, "77.1/LOOP")
        expect_rc(r, "RECURSION_COUNT_TOO_HIGH")
        check(time.monotonic() - t0 < scaled(2), "answered quickly")
        sent = sum(metric(m, "idnode_upstream_sent_total", transport=tr)
                   for m in (x, y) for tr in ("udp", "tcp"))
        check(sent <= 8, "%d queries between the two nodes (limit 8 hops)"
              % sent)
    finally:
        problems = x.shutdown() + y.shutdown()
        x.cleanup()
        y.cleanup()
    check(not problems, "nodes: %s" % problems)


def homing(n, opcode, prefix=None, transport="tcp"):
    body = harness.bstr(prefix.encode()) if prefix is not None else b""
    data = harness.request(opcode, body)
    if transport == "udp":
        raw = n.udp(data)
    else:
        sock = n.tcp_connect()
        try:
            sock.sendall(data)
            raw = harness.tcp_read_message(sock)
        finally:
            sock.close()
    return harness.Resp(raw, strict=False)


def homed_list(n):
    r = homing(n, 302)
    expect_rc(r, "SUCCESS")
    c = harness.Cur(r.body)
    return [c.bytes().decode() for _ in range(c.u32())]


@g.test("OC_HOME_NA / OC_UNHOME_NA / OC_LIST_HOMED_NAS: a homed prefix is "
        "answered here, not upstream; only an authorized administrator "
        "(for now: loopback TCP with homing_from_loopback) may change it")
def _(n):
    dead = harness.free_port_pair()  # an upstream nobody listens on
    h = harness.Node("fed_home", config=dict(
        node_prefix="88.400", homing_from_loopback=True,
        upstream="127.0.0.1:%d" % dead, **RECURSIVE))
    closed = harness.Node("fed_home_closed", config=dict(
        node_prefix="88.401"))
    try:
        h.start()
        closed.start()
        eq(homed_list(h), ["0.NA/88.400"], "node_prefix is homed")
        expect_rc(resolve(h, "66.1/X"), "SERVER_NOT_RESP")
        expect_rc(homing(h, 300, "0.NA/66.1", "udp"),
                  "INSUFFICIENT_PERMISSIONS")
        expect_rc(homing(closed, 300, "0.NA/66.1"),
                  "INSUFFICIENT_PERMISSIONS")
        expect_rc(homing(h, 300, "0.NA/bad prefix"), "INVALID_HANDLE")
        expect_rc(homing(h, 300, "0.NA/66.1"), "SUCCESS")
        deadline = time.monotonic() + scaled(3)
        while "0.NA/66.1" not in homed_list(h):
            check(time.monotonic() < deadline, "66.1 not listed in time")
            time.sleep(0.1)
        time.sleep(1.2)  # every worker re-read the list
        expect_rc(resolve(h, "66.1/X"), "HANDLE_NOT_FOUND")
        r = resolve(h, "0.NA/66.1")
        expect_rc(r, "SUCCESS")
        eq(r.values[0]["type"], "HS_SITE", "this node's site for 66.1")
        expect_rc(homing(h, 301, "0.NA/66.1"), "SUCCESS")
        expect_rc(homing(h, 301, "0.NA/88.400"), "OPERATION_NOT_SUPPORTED")
        time.sleep(1.2)
        eq(homed_list(h), ["0.NA/88.400"], "66.1 unhomed")
        expect_rc(resolve(h, "66.1/X"), "SERVER_NOT_RESP")
    finally:
        problems = h.shutdown() + closed.shutdown()
        h.cleanup()
        closed.cleanup()
    check(not problems, "nodes: %s" % problems)
