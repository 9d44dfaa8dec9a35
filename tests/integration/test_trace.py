"""Trace links (registry/link; docs/trace.md): links stored as handle
values with a reverse index, the owner-only link routes, and identifier
updates that keep links."""
import socket
import time
import urllib.parse

import harness
from harness import Cur, Group, check, eq, parse_value, scaled
import ents
import snms

NODE = "88.555"
g = Group("trace", config={"node_prefix": NODE})

DATA = "/identityv2/data"
TPL = "/snms/api/v5/template"
LN = "/api/links/"
VERSION = "part-v1"


def template(prefix):
    return {"prefix": prefix, "version": VERSION, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]}


def value(index, typ, text):
    return {"index": index, "type": typ,
            "data": {"format": "string", "value": text}}


def item(handle, serial):
    return {"handle": handle, "templateVersion": VERSION,
            "value": [value(2000, "serialNo", serial)]}


def owner(n):
    """An approved enterprise with the template: (uscc, token, prefix)."""
    e, t, p = ents.admitted(n)
    snms.ok(n, "POST", TPL, template(p), t)
    return e, t, p


def create(n, tok, prefix, *names):
    """Creates prefix/NAME for each name (serial "SN-NAME"); the handles."""
    hs = [prefix + "/" + x for x in names]
    d = snms.ok(n, "POST", DATA + "/batchCreate",
                [item(h, "SN-" + h.split("/")[1]) for h in hs], tok)
    eq([x["code"] for x in d], [1] * len(hs), "created %r" % (names,))
    return hs


def link(n, tok, src, *pairs):
    """Adds links (type, target) to src; returns the answer's data."""
    return snms.ok(n, "POST", LN + src,
                   {"links": [{"type": t, "target": b} for t, b in pairs]},
                   tok, what="links of " + src)


def trace(n, h, token=None, **q):
    path = TR + h + ("?" + urllib.parse.urlencode(q) if q else "")
    return snms.ok(n, "GET", path, token=token)


def shape(d):
    """({handle: depth}, {(from, to, type)}) of a trace answer."""
    return ({x["handle"]: x["depth"] for x in d["nodes"]},
            {(e["from"], e["to"], e["type"]) for e in d["edges"]})


def by_handle(d):
    return {x["handle"]: x for x in d["nodes"]}


def indexes(node):
    return sorted(v["index"] for v in node["values"])


def raw_values(n, h):
    """{index: decoded wire value} of h's hash."""
    out = {}
    for f, raw in snms.hgetall(n, "h:{%s}" % h).items():
        if f.startswith(b"_"):
            continue
        c = Cur(raw)
        v = parse_value(c)
        eq(c.left(), 0, "%s field %r: bytes after the value" % (h, f))
        out[v["index"]] = v
    return out


def members(n, key):
    return sorted(x for x in n.redis_cli("SMEMBERS", key).stdout.split("\n")
                  if x)


def audit_results(n, action):
    op, _ = ents.staff(n)
    d = snms.ok(n, "GET", "/snms/api/audit?count=100&action=" + action,
                token=op)
    return [(e["target"], e["result"]) for e in d["entries"]]


@g.test("links: stored as TRACE values at 3000+ with a reference and a "
        "reverse entry; idempotent; listed in and out; removed value first")
def _(n):
    e, t, p = owner(n)
    a, b, c = create(n, t, p, "PUMP-1", "MOTOR-1", "LOT-1")
    d = link(n, t, a, ("madeOf", b), ("fromBatch", c), ("madeOf", b))
    eq(d, {"handle": a, "added": 2, "links": 2}, "first add")
    eq(link(n, t, a, ("madeOf", b))["added"], 0, "adding again")
    vals = raw_values(n, a)
    eq(sorted(vals), [1001, 1002, 1003, 2000, 3000, 3001], "stored indexes")
    for i, (typ, target) in ((3000, ("TRACE.madeOf", b)),
                             (3001, ("TRACE.fromBatch", c))):
        v = vals[i]
        eq((v["type"], v["data"].decode(), v["refs"], v["perms"],
            v["ttl_type"], v["ttl"]),
           (typ, target, [(target, 0)], 0x0E, 0, 86400), "value %d" % i)
        check(abs(v["timestamp"] - time.time()) < 60, "timestamp now")
    eq(members(n, "ln:{%s}" % b), ["madeOf " + a], "reverse entry of B")
    eq(members(n, "ln:{%s}" % c), ["fromBatch " + a], "reverse entry of C")
    d = snms.ok(n, "GET", LN + a)
    eq(d, {"handle": a, "out": [{"type": "madeOf", "target": b},
                                {"type": "fromBatch", "target": c}],
           "in": [], "inTruncated": False}, "links of A, anonymous")
    eq(snms.ok(n, "GET", LN + b.replace("/", "%2F"), token=t)["in"],
       [{"type": "madeOf", "source": a}], "links into B")
    snms.ok(n, "DELETE", LN + a + "?type=madeOf&target=" + b, token=t)
    eq(sorted(raw_values(n, a)), [1001, 1002, 1003, 2000, 3001],
       "value removed")
    eq(members(n, "ln:{%s}" % b), [], "reverse entry removed")
    snms.fails(n, "DELETE", LN + a + "?type=madeOf&target=" + b, None, t,
               404, -2, message="no madeOf link")
    # The freed index is taken again.
    link(n, t, a, ("partOf", b))
    eq(raw_values(n, a)[3000]["type"], "TRACE.partOf", "index reused")
    eq(audit_results(n, "link.add")[:2], [(a, "ok"), (a, "ok")],
       "audited adds")
    eq(audit_results(n, "link.remove")[:1], [(a, "ok")], "audited remove")


@g.test("links: refusals with the reason (type, target, self, size, "
        "missing identifier, another enterprise's, anonymous)")
def _(n):
    e, t, p = owner(n)
    _, t2, p2 = owner(n)
    a, b = create(n, t, p, "A", "B")
    cases = [
        ({"links": [{"type": "madeFrom", "target": b}]}, "links[0]: type"),
        ({"links": [{"type": "madeOf", "target": "nope"}]},
         "links[0]: target"),
        ({"links": [{"type": "madeOf", "target": b},
                    {"type": "madeOf", "target": "88.1/a b"}]},
         "links[1]: target"),
        ({"links": [{"type": "madeOf", "target": a}]}, "itself"),
        ({"links": []}, "links must be"),
        ({"links": {"type": "madeOf"}}, "links must be"),
        ({}, "links must be"),
        ({"links": [{"type": "madeOf", "target": "%s/T%d" % (p, i)}
                    for i in range(1001)]}, "links must be"),
    ]
    for body, msg in cases:
        snms.fails(n, "POST", LN + a, body, t, 400, -2, message=msg,
                   what="POST %s" % str(body)[:60])
    ok = {"links": [{"type": "madeOf", "target": b}]}
    snms.fails(n, "POST", LN + p + "/MISSING", ok, t, 404, -2,
               message="does not exist")
    snms.fails(n, "POST", LN + "88.999.9/X", ok, t, 404, -2,
               message="not registered")
    snms.fails(n, "POST", LN + a, ok, t2, 403, -3, message="another")
    snms.fails(n, "DELETE", LN + a + "?type=madeOf&target=" + b, None, t2,
               403, -3)
    snms.fails(n, "POST", LN + a, ok, None, 401, -1)
    snms.fails(n, "DELETE", LN + a + "?type=madeOf&target=" + b, None, None,
               401, -1)
    snms.fails(n, "DELETE", LN + a + "?type=bad&target=" + b, None, t, 400,
               -2, message="type")
    snms.fails(n, "DELETE", LN + a + "?type=madeOf", None, t, 400, -2,
               message="target")
    snms.fails(n, "GET", LN + "nope", None, None, 400, -2)
    snms.fails(n, "GET", LN + p + "/NEVER", None, None, 404, -2)
    eq(sorted(raw_values(n, a)), [1001, 1002, 1003, 2000], "nothing stored")
    eq(members(n, "ln:{%s}" % b), [], "no reverse entry")
    # 1000 links fit, the 1001st does not; a call adding too many adds
    # none.
    many = [("madeOf", "%s/T%04d" % (p, i)) for i in range(999)]
    eq(link(n, t, a, *many)["links"], 999, "999 links")
    snms.fails(n, "POST", LN + a, {"links": [
        {"type": "madeOf", "target": p + "/X1"},
        {"type": "madeOf", "target": p + "/X2"}]}, t, 409, -2,
        message="more than 1000")
    eq(len(raw_values(n, a)), 4 + 999, "none of the two added")
    eq(link(n, t, a, ("madeOf", p + "/X1"))["links"], 1000, "the 1000th")
    snms.fails(n, "POST", LN + a, {"links": [
        {"type": "madeOf", "target": p + "/X2"}]}, t, 409, -2,
        message="holds 1000 links")


@g.test("links are handle values: UDP, TCP and HTTP resolution show them, "
        "type filter TRACE. selects them")
def _(n):
    e, t, p = owner(n)
    a, b, c = create(n, t, p, "R-A", "R-B", "R-C")
    link(n, t, a, ("madeOf", b), ("shippedIn", c))
    for transport in ("udp", "tcp"):
        r = n.resolve(a, transport, types=["TRACE."])
        eq(r.rcode, 1, transport + " rcode")
        eq([(v["index"], v["type"], v["data"].decode(), v["refs"])
            for v in sorted(r.values, key=lambda v: v["index"])],
           [(3000, "TRACE.madeOf", b, [(b, 0)]),
            (3001, "TRACE.shippedIn", c, [(c, 0)])], transport + " links")
        eq(n.resolve(a, transport).indexes(), [1001, 2000, 3000, 3001],
           transport + ": every public value")
    st, j, _, _ = n.http_json("/api/handles/%s?type=TRACE." % a)
    eq(st, 200, "HTTP status")
    eq([(v["index"], v["type"], v["data"], v.get("references"))
        for v in j["values"]],
       [(3000, "TRACE.madeOf", {"format": "string", "value": b},
         [{"handle": b, "index": 0}]),
        (3001, "TRACE.shippedIn", {"format": "string", "value": c},
         [{"handle": c, "index": 0}])], "HTTP links")


@g.test("identifier updates keep links (and the lifecycle field); "
        "creates, updates and templates cannot write link values")
def _(n):
    e, t, p = owner(n)
    a, b = create(n, t, p, "U-A", "U-B")
    link(n, t, a, ("madeOf", b))
    # registry/event keeps _lc ("STAGE HOLDER") in the hash; set by hand.
    n.redis_cli("HSET", "h:{%s}" % a, "_lc", "delivery -")
    before = raw_values(n, a)[3000]
    snms.ok(n, "PUT", DATA, item(a, "SN-NEW"), t)
    vals = raw_values(n, a)
    eq(vals[2000]["data"], b"SN-NEW", "value updated")
    eq(vals[3000], before, "link kept")
    eq(n.redis_cli("HGET", "h:{%s}" % a, "_lc").stdout.strip(),
       "delivery -", "lifecycle field kept")
    d = snms.ok(n, "PUT", DATA + "/batchUpdate", [item(a, "SN-3")], t)
    eq(d[0]["code"], 1, "batch update")
    eq(raw_values(n, a)[3000], before, "link kept by a batch update")
    eq(snms.ok(n, "GET", LN + a)["out"], [{"type": "madeOf", "target": b}],
       "links after the updates")
    # A create retried after links were added: the same identifier.
    st, j, _ = snms.call(n, "POST", DATA, item(a, "SN-3"), t)
    eq((st, j["data"]), (409, {"handle": a, "identical": True}),
       "create again after links")
    bad = item(p + "/U-C", "SN")
    bad["value"].append(value(3000, "TRACE.madeOf", b))
    snms.fails(n, "POST", DATA, bad, t, 400, -2, message="trace links")
    bad = item(a, "SN")
    bad["value"].append(value(2500, "TRACE.partOf", b))
    snms.fails(n, "PUT", DATA, bad, t, 400, -2, message="trace links")
    for it in ({"name": "x", "idType": "TRACE.madeOf", "idIndex": 2001},
               {"name": "x", "idType": "trace.x", "idIndex": 2001},
               {"name": "x", "idType": "part", "idIndex": 3500}):
        tp = template(p)
        tp["version"] = "bad-v1"
        tp["items"].append(it)
        snms.fails(n, "POST", TPL, tp, t, 400, -2, message="trace links",
                   what="template item %r" % it)
