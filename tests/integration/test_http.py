"""The HTTP front end: /api/handles, /identityv2/data/detail, routing."""
import http.client
import json
import re
import subprocess
import urllib.parse

import data
from harness import Group, check, compare_json_values, eq, scaled

UNI = {"handle": "88.900.1/泵-1", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/泵",
     "timestamp": data.TS}]}
RECORDS = [data.ALL, data.PRIV, UNI] + data.demo()
g = Group("http", records=RECORDS)
H = data.ALL["handle"]


def curl(*args, timeout=10):
    return subprocess.run(["curl", "-sS"] + list(args), capture_output=True,
                          timeout=scaled(timeout))


def url(n, path):
    return "http://127.0.0.1:%d%s" % (n.http_port, path)


def indexes(j):
    return sorted(v["index"] for v in j.get("values", []))


@g.test("/api/handles/{h}: JSON shape (curl)")
def _(n):
    p = curl("-i", url(n, "/api/handles/" + H))
    eq(p.returncode, 0, "curl exit status (%r)" % p.stderr)
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 200"), "status line %r" % head[:40])
    check(re.search(rb"(?im)^content-type: *application/json", head),
          "Content-Type not application/json: %r" % head)
    j = json.loads(body)
    eq(list(j.keys())[:3], ["responseCode", "handle", "values"], "keys")
    eq((j["responseCode"], j["handle"]), (1, H), "responseCode, handle")
    for v in j["values"]:
        for k in ("index", "type", "data", "ttl", "timestamp"):
            check(k in v, "value %r lacks %s" % (v, k))
        check(set(v["data"]) == {"format", "value"},
              "data is not {format,value}: %r" % v["data"])
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v["timestamp"]),
              "timestamp %r not ISO-8601 Z" % v["timestamp"])
    compare_json_values(j["values"], data.ALL, "values")


@g.test("/api/handles: ?type= and ?index= filters, repeated and combined")
def _(n):
    base = "/api/handles/" + H
    for q, want in (("type=URL", [1]), ("type=url", [1]),
                    ("index=2", [2]), ("type=URL&type=EMAIL", [1, 2]),
                    ("index=1&index=1001", [1, 1001]),
                    ("type=URL&index=2", [1, 2]), ("type=HS_", [4, 100]),
                    ("type=HS_SITE", [4]), ("index=2&pretty", [2])):
        st, j, _, _ = n.http_json(base + "?" + q)
        eq(st, 200, "status for ?" + q)
        eq(indexes(j), want, "indexes for ?" + q)
    st, j, _, _ = n.http_json(base + "?index=999")
    eq((st, j.get("responseCode"), j.get("values")), (200, 200, []),
       "no match: status, responseCode, values")
    st, j, _, _ = n.http_json(base + "?index=abc")
    eq(st, 400, "status for ?index=abc")


@g.test("/api/handles: ?pretty gives indented output")
def _(n):
    st, _, plain = n.http("GET", "/api/handles/" + H)
    for q in ("?pretty", "?pretty=true", "?pretty=yes"):
        st, _, body = n.http("GET", "/api/handles/" + H + q)
        eq(st, 200, "status " + q)
        check(b"\n  " in body, "%s output not indented: %r" % (q, body[:80]))
        eq(json.loads(body), json.loads(plain), "pretty vs plain content")
    check(b"\n  " not in plain.strip(), "plain output is indented")


@g.test("/api/handles: percent-encoded handle")
def _(n):
    for path, handle in (
            ("/api/handles/88.900.1%2FALL", "88.900.1/ALL"),
            ("/api/handles/88.123.45%2FPUMP-2026-000017",
             "88.123.45/PUMP-2026-000017"),
            ("/api/handles/%38%38.900.1/ALL", "88.900.1/ALL"),
            ("/api/handles/" + urllib.parse.quote(UNI["handle"]),
             UNI["handle"])):
        st, j, _, _ = n.http_json(path)
        eq((st, j.get("responseCode"), j.get("handle")), (200, 1, handle),
           path)
    st, j, _, _ = n.http_json("/api/handles/" +
                              urllib.parse.quote(UNI["handle"]))
    compare_json_values(j["values"], UNI, "unicode handle")


@g.test("/api/handles: unknown handle -> 404, responseCode 100")
def _(n):
    for h in ("88.900.1/NO-SUCH", "88.123.45/NO-SUCH-PUMP", "0"):
        st, j, _, _ = n.http_json("/api/handles/" + h)
        eq((st, j.get("responseCode")), (404, 100), h)
        check(isinstance(j.get("message"), str), "no message: %r" % j)


@g.test("/api/handles: invalid handle -> 400, responseCode 102")
def _(n):
    for p in ("88..1/x", "88.1/", "88.1/a%20b", "88.1/%FF", "/x",
              "88.1/" + "a" * 251, ""):
        st, j, _, _ = n.http_json("/api/handles/" + p)
        eq((st, j.get("responseCode")), (400, 102), repr(p))


@g.test("/api/handles: binary data as base64, HS_ADMIN as format admin")
def _(n):
    st, j, _, _ = n.http_json("/api/handles/" + H + "?index=5&index=100")
    vals = {v["index"]: v for v in j["values"]}
    eq(vals[5]["data"], {"format": "base64", "value": "AP8Q/g=="}, "index 5")
    eq(vals[100]["data"], {"format": "admin", "value": {
        "handle": "0.NA/88.900.1", "index": 200,
        "permissions": "011111110011"}}, "index 100")
    st, j, _, _ = n.http_json(
        "/api/handles/88.123.45/PUMP-2026-000019?index=3")
    eq(j["values"][0]["data"], {"format": "base64", "value": "iVBORw0KGgo="},
       "demo QR value")


@g.test("/identityv2/data/detail: SNMS shape with templateVersion")
def _(n):
    q = urllib.parse.quote(H, safe="")
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=" + q)
    eq(st, 200, "status")
    eq((j.get("status"), type(j.get("message"))), (1, str), "status, message")
    d = j.get("data") or {}
    eq((d.get("prefix"), d.get("handle"), d.get("templateVersion")),
       ("88.900.1", H, "tmpl-2.3"), "prefix, handle, templateVersion")
    compare_json_values(d.get("value"), data.ALL, "value[]")
    st, j, _, _ = n.http_json(
        "/identityv2/data/detail?handle=88.123.48/HEAT-B7-2025-0912")
    eq((st, j["data"]["templateVersion"], j["data"]["prefix"]),
       (200, "batch-1.0", "88.123.48"), "demo handle")


@g.test("/identityv2/data/detail: unknown -> 404 status -2; no handle -> "
        "400")
def _(n):
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=88.1%2Fnope")
    eq((st, j.get("status")), (404, -2), "unknown handle")
    check("message" in j, "no message: %r" % j)
    for q in ("", "?", "?handlex=88.1/x", "?foo=1"):
        st, j, _, _ = n.http_json("/identityv2/data/detail" + q)
        eq(st, 400, "status for %r" % q)
        eq(j.get("status"), -2, "SNMS status for %r" % q)


@g.test("unknown path -> 404 JSON")
def _(n):
    for p in ("/", "/nope", "/api/handle/88.900.1/ALL", "/api",
              "/identityv2/data/detailx?handle=88.900.1/ALL", "/healthzz"):
        st, j, hdrs, _ = n.http_json(p)
        eq(st, 404, "status for " + p)
        check("json" in hdrs.get("Content-Type", ""),
              "%s: Content-Type %r" % (p, hdrs.get("Content-Type")))


@g.test("POST/PUT/DELETE to a GET route -> 405")
def _(n):
    for m in ("POST", "PUT", "DELETE"):
        for p in ("/api/handles/" + H, "/identityv2/data/detail?handle=x",
                  "/healthz"):
            st, _, _ = n.http(m, p, headers={"Content-Length": "0"})
            eq(st, 405, "%s %s" % (m, p))
    p = curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
             "-d", "{}", url(n, "/api/handles/" + H))
    eq(p.stdout, b"405", "curl POST status")


@g.test("keep-alive: curl reuses one connection for two URLs")
def _(n):
    p = curl("-v", "-o", "/dev/null", "-o", "/dev/null",
             url(n, "/api/handles/" + H),
             url(n, "/identityv2/data/detail?handle=" + H))
    eq(p.returncode, 0, "curl exit status")
    err = p.stderr.decode("utf-8", "replace")
    check(re.search(r"Re-using existing connection|Reusing existing",
                    err), "curl did not reuse the connection:\n" + err[-800:])


@g.test("keep-alive: 100 requests on one http.client connection")
def _(n):
    conn = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                      timeout=scaled(5))
    try:
        conn.connect()
        first = conn.sock
        for i in range(100):
            path = ("/api/handles/" + H + "?index=1" if i % 2 else
                    "/identityv2/data/detail?handle=" + H)
            st, j, _, _ = n.http_json(path, conn=conn)
            eq(st, 200, "request %d status" % i)
            check(conn.sock is first, "request %d: connection replaced" % i)
    finally:
        conn.close()


@g.test("/healthz reports ok and this pid")
def _(n):
    st, j, _, _ = n.http_json("/healthz")
    eq((st, j.get("status"), j.get("pid")), (200, "ok", n.proc.pid),
       "status, body status, pid")
    eq(j.get("redis"), True, "redis")


@g.test("HEAD: headers with the GET body's Content-Length, no body; the "
        "kept-alive connection stays in step")
def _(n):
    import socket

    def clen(head):
        m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        check(m is not None, "no Content-Length in %r" % head[:80])
        return int(m.group(1))

    for path in ["/api/handles/%s" % H, "/healthz",
                 "/api/handles/88.900.1/NO-SUCH"]:
        st = n.http("GET", path)[0]
        s = socket.create_connection(("127.0.0.1", n.http_port),
                                     timeout=scaled(5))
        try:
            # HEAD then GET of the same path, pipelined on one connection
            # (so one worker answers both: /healthz names its worker).
            req = "%s %s HTTP/1.1\r\nHost: t\r\n\r\n"
            s.sendall((req % ("HEAD", path) + req % ("GET", path)).encode())
            buf = b""
            while True:
                parts = buf.split(b"\r\n\r\n", 2)
                if len(parts) == 3 and len(parts[2]) >= clen(parts[1]):
                    break
                chunk = s.recv(65536)
                check(chunk, "connection closed after %r" % buf[-80:])
                buf += chunk
        finally:
            s.close()
        head, get_head, get_body = buf.split(b"\r\n\r\n", 2)
        check(head.startswith(b"HTTP/1.1 %d" % st), "HEAD status line %r"
              % head[:40])
        check(get_head.startswith(b"HTTP/1.1 %d" % st),
              "after HEAD %s the next bytes are %r, not the GET response"
              % (path, get_head[:40]))
        eq(clen(head), clen(get_head), "HEAD Content-Length of %s" % path)
        eq(len(get_body), clen(get_head), "GET body length after HEAD")
