"""Resolution of imported records over UDP, TCP and HTTP."""
import json
import urllib.parse

import data
from harness import (Group, check, compare_json_values, compare_wire_values,
                     eq, expect_rc)

RECORDS = data.STD + data.demo()
g = Group("resolve", records=RECORDS)
PUMP = data.record(RECORDS, "88.123.45/PUMP-2026-000017")


def both(n, handle, **kw):
    return [(t, n.resolve(handle, t, **kw)) for t in ("udp", "tcp")]


def full_check(n, transport):
    for rec in (data.ALL, PUMP, data.CASE):
        r = n.resolve(rec["handle"], transport)
        expect_rc(r, "SUCCESS")
        eq(r.handle, rec["handle"].encode(), "handle in answer")
        compare_wire_values(r.values, rec, "%s %s" % (transport,
                                                      rec["handle"]))


@g.test("udp: every public value returned as imported")
def _(n):
    full_check(n, "udp")


@g.test("tcp: every public value returned as imported")
def _(n):
    full_check(n, "tcp")


@g.test("http: every public value returned as imported")
def _(n):
    for rec in (data.ALL, PUMP):
        path = "/api/handles/" + rec["handle"]
        st, j, _, _ = n.http_json(path)
        eq(st, 200, "HTTP status of " + path)
        eq(j.get("responseCode"), 1, "responseCode")
        eq(j.get("handle"), rec["handle"], "handle")
        compare_json_values(j.get("values"), rec, path)


@g.test("handle echoed as sent; prefix case folded for lookup")
def _(n):
    for sent in ("test.ab/Case-1", "TEST.AB/Case-1", "tEsT.aB/Case-1"):
        for t, r in both(n, sent):
            expect_rc(r, "SUCCESS")
            eq(r.handle, sent.encode(), "%s: handle echoed" % t)
            eq(r.indexes(), [1], "%s: indexes" % t)
    st, j, _, _ = n.http_json("/api/handles/test.ab/Case-1")
    eq((st, j.get("handle")), (200, "test.ab/Case-1"), "http status, handle")


@g.test("indexes filter selects exactly those indexes")
def _(n):
    for t, r in both(n, data.ALL["handle"], indexes=[2, 1001]):
        expect_rc(r, "SUCCESS")
        eq(r.indexes(), [2, 1001], t + " indexes")
    for t, r in both(n, data.ALL["handle"], indexes=[100]):
        eq(r.indexes(), [100], t + " indexes")


@g.test("types filter: exact, case-insensitive, URL does not match URLX")
def _(n):
    h = data.ALL["handle"]
    for types, want in ((["URL"], [1]), (["url"], [1]), (["URLX"], [3]),
                        (["EMAIL", "TEMPLATE"], [2, 1001]),
                        (["HS_ADMIN"], [100])):
        for t, r in both(n, h, types=types):
            expect_rc(r, "SUCCESS")
            eq(r.indexes(), want, "%s types=%r" % (t, types))


@g.test("type prefix/subtype: HS_ matches HS_ADMIN, HS_SITE matches "
        "HS_SITE.PREFIX")
def _(n):
    h = data.ALL["handle"]
    for types, want in ((["HS_"], [4, 100]), (["HS_SITE"], [4]),
                        (["HS_SITE.PREFIX"], [4]), (["hs_site"], [4])):
        for t, r in both(n, h, types=types):
            expect_rc(r, "SUCCESS")
            eq(r.indexes(), want, "%s types=%r" % (t, types))
    for t, r in both(n, h, types=["HS_SITE.PREFIX.X"]):
        expect_rc(r, "VALUES_NOT_FOUND")
    for t, r in both(n, h, types=["HS"]):
        expect_rc(r, "VALUES_NOT_FOUND")


@g.test("index OR type: a value matching either is returned")
def _(n):
    h = data.ALL["handle"]
    for t, r in both(n, h, indexes=[2], types=["URL"]):
        eq(r.indexes(), [1, 2], t)
    for t, r in both(n, h, indexes=[999], types=["TEMPLATE"]):
        eq(r.indexes(), [1001], t)


@g.test("no value matches -> VALUES_NOT_FOUND (200)")
def _(n):
    h = data.ALL["handle"]
    for kw in ({"indexes": [999]}, {"types": ["NOPE"]},
               {"indexes": [998], "types": ["URLXX"]}):
        for t, r in both(n, h, **kw):
            expect_rc(r, "VALUES_NOT_FOUND")
            check(r.values is None, t + ": no values in an error answer")


@g.test("unknown handle -> HANDLE_NOT_FOUND (100)")
def _(n):
    for h in ("88.900.1/NO-SUCH", "99.1/x", "88.123.45/PUMP-2026-000017x"):
        for t, r in both(n, h):
            expect_rc(r, "HANDLE_NOT_FOUND")


@g.test("invalid handles -> INVALID_HANDLE (102)")
def _(n):
    bad = [b"88.1/a b", b"88.1/", b"88..1/x", b"88.1/\xff\xfe",
           b"88.1/" + b"a" * 251, b"", b"/x", b".88/x", b"88./x",
           b"88.1/tab\there", b"88.1/\xc0\xaf"]
    for h in bad:
        for t, r in both(n, h):
            if r.rcode != 102:
                raise AssertionError("%s %r: expected INVALID_HANDLE, got %s"
                                     % (t, h[:40], r.describe()))


@g.test("255-byte handle is valid (HANDLE_NOT_FOUND), 256 bytes invalid")
def _(n):
    h255 = b"88.1/" + b"b" * 250
    eq(len(h255), 255, "length")
    for t, r in both(n, h255):
        expect_rc(r, "HANDLE_NOT_FOUND")
    for t, r in both(n, h255 + b"c"):
        expect_rc(r, "INVALID_HANDLE")


@g.test("prefix-less handle 0 (IDIS keep-alive) -> HANDLE_NOT_FOUND")
def _(n):
    for h in ("0", "88.123.45"):
        for t, r in both(n, h):
            expect_rc(r, "HANDLE_NOT_FOUND")


@g.test("values without PUBLIC_READ never returned on UDP/TCP")
def _(n):
    for t, r in both(n, data.PRIV["handle"]):
        expect_rc(r, "SUCCESS")
        eq(r.indexes(), [1], t + " indexes")
        check(b"SECRET" not in r.raw, t + ": secret bytes in answer")
    for kw in ({"indexes": [7]}, {"indexes": [8, 1001]},
               {"types": ["costPrice"]}, {"types": ["TEMPLATE"]}):
        for t, r in both(n, data.PRIV["handle"], **kw):
            expect_rc(r, "VALUES_NOT_FOUND")
            check(b"SECRET" not in r.raw, t + ": secret bytes in answer")
    for t, r in both(n, data.ONLY_PRIV["handle"]):
        expect_rc(r, "VALUES_NOT_FOUND")
        check(b"SECRET" not in r.raw, t + ": secret bytes in answer")
    for t, r in both(n, PUMP["handle"], indexes=[2010]):
        expect_rc(r, "VALUES_NOT_FOUND")


@g.test("values without PUBLIC_READ never returned on /api/handles or "
        "/identityv2/data/detail")
def _(n):
    paths = []
    for h in (data.PRIV["handle"], data.ONLY_PRIV["handle"]):
        q = urllib.parse.quote(h, safe="")
        paths += ["/api/handles/" + h, "/api/handles/" + h + "?index=7",
                  "/api/handles/" + h + "?type=TEMPLATE",
                  "/identityv2/data/detail?handle=" + q]
    for p in paths:
        st, j, _, body = n.http_json(p)
        check(b"SECRET" not in body, "%s: secret data in answer (HTTP %d): %s"
              % (p, st, body.decode("utf-8", "replace")[:400]))
    st, j, _, _ = n.http_json("/api/handles/" + data.PRIV["handle"])
    eq([v["index"] for v in j.get("values", [])], [1], "PRIV indexes")
    st, j, _, _ = n.http_json("/api/handles/88.123.45/PUMP-2026-000017")
    check(2010 not in [v["index"] for v in j.get("values", [])],
          "costPrice (2010, permissions 1100) returned: %s" % json.dumps(j))
