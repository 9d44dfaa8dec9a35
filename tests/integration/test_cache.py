"""The resolver cache (on by default) and invalidation through Redis
client tracking: writes are visible at once on every front end.

Each check reuses one UDP socket, one TCP connection and one HTTP
connection, so it talks to the same worker (and the same cache) before
and after the write."""
import http.client
import os
import signal
import socket

import data
from harness import Group, check, eq, resolution, scaled

g = Group("cache", records=[data.ALL])


def rec(handle, url):
    return {"handle": handle, "values": [
        {"index": 1, "type": "URL", "data": url, "timestamp": data.TS},
        {"index": 2, "type": "EMAIL", "data": "x@example.com"}]}


class Clients:
    def __init__(self, n):
        self.n = n
        self.u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.t = n.tcp_connect()
        self.h = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                            timeout=scaled(5))
        self.rid = 100

    def close(self):
        self.u.close()
        self.t.close()
        self.h.close()

    def get(self, handle):
        """{transport: (rcode, url or None)} from all three front ends."""
        out = {}
        self.rid += 1
        r = self.n.udp_resp(resolution(handle, reqid=self.rid, indexes=[1]),
                            sock=self.u)
        out["udp"] = (r.rcode, r.values[0]["data"].decode()
                      if r.values else None)
        r = self.n.tcp_resp(resolution(handle, reqid=self.rid, indexes=[1]),
                            sock=self.t)
        out["tcp"] = (r.rcode, r.values[0]["data"].decode()
                      if r.values else None)
        st, j, _, _ = self.n.http_json("/api/handles/%s?index=1" % handle,
                                       conn=self.h)
        out["http"] = (j.get("responseCode"),
                       j["values"][0]["data"]["value"]
                       if j.get("values") else None)
        return out

    def expect(self, handle, rc, url, what):
        got = self.get(handle)
        for t, v in got.items():
            eq(v, (rc, url), "%s: %s (responseCode, URL)" % (what, t))


@g.test("cache in use: cached answers served while Redis is paused")
def _(n):
    h = "88.900.1/CACHE-0"
    n.import_records([rec(h, "https://v/0")], "c0.jsonl")
    c = Clients(n)
    try:
        c.expect(h, 1, "https://v/0", "fill")
        c.expect(h, 1, "https://v/0", "cached")
        os.kill(n.redis.pid, signal.SIGSTOP)
        try:
            c.expect(h, 1, "https://v/0", "redis paused")
        finally:
            os.kill(n.redis.pid, signal.SIGCONT)
    finally:
        c.close()


@g.test("re-import with a changed value: new value at once on UDP, TCP, "
        "HTTP")
def _(n):
    h = "88.900.1/CACHE-1"
    n.import_records([rec(h, "https://v/1")], "c1.jsonl")
    c = Clients(n)
    try:
        c.expect(h, 1, "https://v/1", "before")
        c.expect(h, 1, "https://v/1", "before (cached)")
        for i in range(2, 6):
            new = "https://v/%d" % i
            n.import_records([rec(h, new)], "c%d.jsonl" % i)
            c.expect(h, 1, new, "after re-import %d" % i)
            c.expect(h, 1, new, "after re-import %d, again" % i)
    finally:
        c.close()


@g.test("DEL of the handle key in Redis -> HANDLE_NOT_FOUND at once")
def _(n):
    h = "88.900.1/CACHE-2"
    n.import_records([rec(h, "https://v/del")], "c-del.jsonl")
    c = Clients(n)
    try:
        c.expect(h, 1, "https://v/del", "before")
        c.expect(h, 1, "https://v/del", "before (cached)")
        p = n.redis_cli("DEL", "h:{%s}" % h)
        eq(p.stdout.strip(), "1", "redis-cli DEL reply")
        c.expect(h, 100, None, "after DEL")
    finally:
        c.close()


@g.test("a not-found handle that is then imported is visible at once")
def _(n):
    h = "88.900.1/CACHE-3"
    c = Clients(n)
    try:
        c.expect(h, 100, None, "before import")
        c.expect(h, 100, None, "before import (negative cache)")
        n.import_records([rec(h, "https://v/new")], "c-new.jsonl")
        c.expect(h, 1, "https://v/new", "after import")
    finally:
        c.close()


@g.test("HSET of one value by another writer is visible at once")
def _(n):
    h = "88.900.1/CACHE-4"
    n.import_records([rec(h, "https://v/a"), rec(h + "b", "https://v/b")],
                     "c4.jsonl")
    c = Clients(n)
    try:
        c.expect(h, 1, "https://v/a", "before")
        c.expect(h, 1, "https://v/a", "before (cached)")
        # Copy the encoded value of the other handle over index 1.
        hset_copy(n, "h:{%sb}" % h, "h:{%s}" % h)
        c.expect(h, 1, "https://v/b", "after HSET")
    finally:
        c.close()


def hset_copy(n, src, dst):
    """Copies field 1 from src to dst inside Redis (binary-safe)."""
    p = n.redis_cli("EVAL",
                    "return redis.call('HSET', KEYS[2], '1', "
                    "redis.call('HGET', KEYS[1], '1'))",
                    "2", src, dst)
    check(p.returncode == 0 and "ERR" not in p.stdout,
          "EVAL failed: %r %r" % (p.stdout, p.stderr))
