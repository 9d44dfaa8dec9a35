"""Trace links and trace queries (registry/link, registry/trace,
registry/twalk, registry/hclient; docs/trace.md): links stored as handle
values with a reverse index, the owner-only link routes, identifier
updates that keep links, and breadth-first traces up and down, across a
second idnode, with permissions, cycles, stale reverse entries, limits
and recall."""
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
TR = "/api/trace/"
RC = "/api/recall/"
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
    # An event sets the lifecycle state _lc ("STAGE HOLDER") in the hash.
    snms.ok(n, "POST", "/api/events/" + a, {"stage": "delivery"}, t)
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


def chain(n):
    """PUMP madeOf MOTOR, HOUSING; MOTOR madeOf COIL; COIL fromBatch CU;
    HOUSING producedBy PRESS; SEAL partOf PUMP; PUMP partOf SYSTEM;
    SYSTEM shippedIn PALLET.  Returns (token, {name: handle})."""
    if n.dir in _chain:
        return _chain[n.dir]
    e, t, p = owner(n)
    names = ["PUMP", "MOTOR", "HOUSING", "COIL", "CU", "PRESS", "SEAL",
             "SYSTEM", "PALLET"]
    h = dict(zip(names, create(n, t, p, *names)))
    link(n, t, h["PUMP"], ("madeOf", h["MOTOR"]), ("madeOf", h["HOUSING"]),
         ("partOf", h["SYSTEM"]))
    link(n, t, h["MOTOR"], ("madeOf", h["COIL"]))
    link(n, t, h["COIL"], ("fromBatch", h["CU"]))
    link(n, t, h["HOUSING"], ("producedBy", h["PRESS"]))
    link(n, t, h["SEAL"], ("partOf", h["PUMP"]))
    link(n, t, h["SYSTEM"], ("shippedIn", h["PALLET"]))
    _chain[n.dir] = (e, t, p, h)
    return _chain[n.dir]


_chain = {}


@g.test("trace up, down and both: exact nodes, depths and edges at each "
        "depth; truncated says depth; types filter; limit")
def _(n):
    e, t, p, h = chain(n)
    P, M, HO, CO, CU, PR, SE, SY, PA = (
        h[x] for x in ("PUMP", "MOTOR", "HOUSING", "COIL", "CU", "PRESS",
                       "SEAL", "SYSTEM", "PALLET"))
    up1 = {P: 0, M: 1, HO: 1, SE: 1}
    up1e = {(P, M, "madeOf"), (P, HO, "madeOf"), (SE, P, "partOf")}
    cases = [
        (dict(direction="up", depth=1), up1, up1e, "depth"),
        (dict(direction="up", depth=2), dict(up1, **{CO: 2, PR: 2}),
         up1e | {(M, CO, "madeOf"), (HO, PR, "producedBy")}, "depth"),
        (dict(direction="up", depth=3),
         dict(up1, **{CO: 2, PR: 2, CU: 3}),
         up1e | {(M, CO, "madeOf"), (HO, PR, "producedBy"),
                 (CO, CU, "fromBatch")}, None),
        (dict(direction="down", depth=1), {P: 0, SY: 1},
         {(P, SY, "partOf")}, "depth"),
        (dict(direction="down", depth=5), {P: 0, SY: 1, PA: 2},
         {(P, SY, "partOf"), (SY, PA, "shippedIn")}, None),
        (dict(depth=1), dict(up1, **{SY: 1}), up1e | {(P, SY, "partOf")},
         "depth"),
        (dict(direction="up", depth=3, types="madeOf"),
         {P: 0, M: 1, HO: 1, CO: 2},
         {(P, M, "madeOf"), (P, HO, "madeOf"), (M, CO, "madeOf")}, None),
        (dict(direction="both", depth=2, types="partOf,shippedIn"),
         {P: 0, SE: 1, SY: 1, PA: 2},
         {(SE, P, "partOf"), (P, SY, "partOf"), (SY, PA, "shippedIn")},
         None),
    ]
    for q, nodes, edges, trunc in cases:
        d = trace(n, P, **q)
        eq(shape(d), (nodes, edges), "trace %r" % q)
        eq(len(d["nodes"]), len(nodes), "each node once %r" % q)
        eq(d["truncated"], trunc, "truncated %r" % q)
        eq((d["root"], d["direction"], d["depth"]),
           (P, q.get("direction", "both"), q["depth"]), "echo %r" % q)
        check(isinstance(d["elapsedMs"], int), "elapsedMs")
        eq([x["depth"] for x in d["nodes"]],
           sorted(x["depth"] for x in d["nodes"]), "breadth-first order")
    d = trace(n, P)
    eq(d["depth"], 3, "default depth")
    eq(len(d["nodes"]), 9, "default: both ways, depth 3: all nine")
    d = trace(n, P, direction="up", depth=3, limit=3)
    eq((len(d["nodes"]), d["truncated"]), (3, "limit"), "limit 3")
    eq(d["nodes"][0]["handle"], P, "the root first")
    node = by_handle(trace(n, P, depth=1))[P]
    eq((node["status"], node["node"], node["owner"]), ("ok", "local", e),
       "root status, node, owner")
    eq([(v["index"], v["type"], v["data"]) for v in node["values"]],
       [(1001, "TEMPLATE", {"format": "string", "value": VERSION}),
        (2000, "serialNo", {"format": "string", "value": "SN-PUMP"})],
       "anonymous: public values, no link values")
    st, j, _, _ = n.http_json("/api/handles/" + P)
    eq(node["values"], [v for v in j["values"] if v["index"] < 3000],
       "values in the shape of GET /api/handles")
    for q, msg in ((dict(depth=0), "depth"), (dict(depth=11), "depth"),
                   (dict(depth="x"), "depth"), (dict(direction="sideways"),
                                                "direction"),
                   (dict(types="madeOf,nope"), "types"),
                   (dict(types=""), "types"), (dict(limit=0), "limit"),
                   (dict(limit=5001), "limit")):
        snms.fails(n, "GET", TR + P + "?" + urllib.parse.urlencode(q), None,
                   None, 400, -2, message=msg, what="trace %r" % q)
    snms.fails(n, "GET", TR + p + "/NONE", None, None, 404, -2,
               message="does not exist")
    snms.fails(n, "GET", TR + "88.999.1/X", None, None, 404, -2,
               message="not registered")
    snms.fails(n, "GET", TR + "bad", None, None, 400, -2)


@g.test("a wide level: 300 identifiers reached from one (forward links) "
        "and 150 reaching one (reverse entries), limits counted")
def _(n):
    e, t, p = owner(n)
    names = ["W-%03d" % i for i in range(300)]
    lot, sink = create(n, t, p, "W-LOT", "W-SINK")
    hs = create(n, t, p, *names)
    link(n, t, lot, *[("recycledInto", h) for h in hs])
    for h in hs[:150]:
        link(n, t, h, ("partOf", sink))
    d = trace(n, lot, direction="down", depth=2)
    nodes, edges = shape(d)
    eq(nodes, dict({lot: 0, sink: 2}, **{h: 1 for h in hs}), "nodes")
    eq(len(edges), 450, "edges")
    eq(d["truncated"], None, "truncated")
    d = trace(n, sink, direction="up", depth=2)
    eq(shape(d)[0], dict({sink: 0, lot: 2}, **{h: 1 for h in hs[:150]}),
       "up from the sink: its parts, then the lot")
    d = trace(n, lot, direction="down", depth=2, limit=120)
    eq((len(d["nodes"]), d["truncated"]), (120, "limit"), "limit 120")
    d = snms.ok(n, "GET", RC + lot)
    eq((d["count"], d["truncated"]), (301, None), "recall of the lot")


@g.test("both is the root's upstream plus its downstream: a sibling made "
        "of the same part is not in it")
def _(n):
    e, t, p = owner(n)
    pump, sibling, motor, pallet = create(n, t, p, "BO-PUMP", "BO-SIB",
                                          "BO-MOTOR", "BO-PLT")
    link(n, t, pump, ("madeOf", motor), ("shippedIn", pallet))
    link(n, t, sibling, ("madeOf", motor))
    d = trace(n, pump, direction="both", depth=3)
    eq(shape(d)[0], {pump: 0, motor: 1, pallet: 1}, "nodes of both")
    # The motor's downstream still holds both pumps and the pallet.
    d = trace(n, motor, direction="down", depth=3)
    eq(shape(d)[0], {motor: 0, pump: 1, sibling: 1, pallet: 2},
       "motor's downstream")


@g.test("a cycle (A madeOf B, B madeOf A) ends, each node once")
def _(n):
    e, t, p = owner(n)
    a, b = create(n, t, p, "CY-A", "CY-B")
    link(n, t, a, ("madeOf", b))
    link(n, t, b, ("madeOf", a))
    for direction in ("up", "down", "both"):
        d = trace(n, a, direction=direction, depth=10)
        eq(shape(d), ({a: 0, b: 1}, {(a, b, "madeOf"), (b, a, "madeOf")}),
           direction)
        eq(d["truncated"], None, direction + ": nothing left")


@g.test("a reverse entry without its link value (as a crash leaves it) "
        "is ignored by traces and link lists")
def _(n):
    e, t, p = owner(n)
    a, b, ghost = create(n, t, p, "ST-A", "ST-B", "ST-GHOST")
    link(n, t, b, ("partOf", a))
    n.redis_cli("SADD", "ln:{%s}" % a, "partOf " + ghost,
                "partOf %s/NOBODY" % p, "madeOf " + ghost, "junk")
    d = trace(n, a, depth=3)
    eq(shape(d), ({a: 0, b: 1}, {(b, a, "partOf")}), "stale entries ignored")
    eq(d["truncated"], None, "truncated")
    eq(snms.ok(n, "GET", LN + a)["in"], [{"type": "partOf", "source": b}],
       "link list")
    # A stale entry of a node in the middle, naming a real identifier
    # that is reached another way later: it appears once, at its depth.
    c = create(n, t, p, "ST-C")[0]
    link(n, t, ghost, ("partOf", c))
    link(n, t, c, ("partOf", b))
    d = trace(n, a, direction="up", depth=3)
    eq(shape(d), ({a: 0, b: 1, c: 2, ghost: 3},
                  {(b, a, "partOf"), (c, b, "partOf"),
                   (ghost, c, "partOf")}), "reached the real way")


def far_records(prefix):
    """The identifiers the second node serves: FM madeOf FC and FBIG; FBIG
    has a value too large for a UDP answer."""
    ts = "2025-06-01T08:00:00Z"

    def rec(name, values):
        return {"handle": "%s/%s" % (prefix, name), "values": values}

    def lnk(i, typ, target):
        return {"index": i, "type": "TRACE." + typ, "data": target,
                "timestamp": ts,
                "references": [{"handle": target, "index": 0}]}
    return [
        rec("FM", [{"index": 2000, "type": "serialNo", "data": "FAR-M",
                    "timestamp": ts},
                   lnk(3000, "madeOf", prefix + "/FC"),
                   lnk(3001, "madeOf", prefix + "/FBIG")]),
        rec("FC", [{"index": 2000, "type": "serialNo", "data": "FAR-C",
                    "timestamp": ts},
                   {"index": 2001, "type": "secret", "data": "hidden",
                    "permissions": "1100", "timestamp": ts}]),
        rec("FBIG", [{"index": 2000, "type": "blob", "data": "x" * 40000,
                      "timestamp": ts}]),
    ]


def not_hosted(n, tok, prefix, ip, tcp, udp):
    snms.ok(n, "POST", "/snms/api/ent/config", {"entPrefixConfig": {
        "entPrefix": prefix, "hdlType": "HS_SITE", "ipType": "4", "ip": ip,
        "tcpPort": str(tcp), "udpPort": str(udp)}}, tok)


@g.test("a link to an identifier on a second idnode: resolved there (UDP, "
        "TCP for an answer too large) and followed through its own links")
def _(n):
    e, t, p = owner(n)
    e2, t2, p2 = ents.admitted(n)
    far = harness.Node("trace_far", records=far_records(p2))
    try:
        far.start()
        not_hosted(n, t2, p2, "127.0.0.1", far.handle_port, far.handle_port)
        a = create(n, t, p, "LOCAL-PUMP")[0]
        fm, fc, fb = (p2 + "/" + x for x in ("FM", "FC", "FBIG"))
        link(n, t, a, ("madeOf", fm))
        d = trace(n, a, direction="up", depth=3)
        eq(shape(d), ({a: 0, fm: 1, fc: 2, fb: 2},
                      {(a, fm, "madeOf"), (fm, fc, "madeOf"),
                       (fm, fb, "madeOf")}), "nodes and edges")
        eq(d["truncated"], None, "truncated")
        nodes = by_handle(d)
        where = "127.0.0.1:%d" % far.handle_port
        for h in (fm, fc, fb):
            eq((nodes[h]["status"], nodes[h]["node"], nodes[h]["owner"]),
               ("ok", where, e2), h)
        eq([(v["index"], v["data"]["value"]) for v in nodes[fm]["values"]],
           [(2000, "FAR-M")], "the far motor's values, no links")
        eq([(v["index"], v["data"]["value"]) for v in nodes[fc]["values"]],
           [(2000, "FAR-C")], "public values only")
        eq([len(v["data"]["value"]) for v in nodes[fb]["values"]], [40000],
           "the big value, over TCP")
        # The reverse index here knows who links to the far motor.
        eq(snms.ok(n, "GET", LN + fm)["in"],
           [{"type": "madeOf", "source": a}], "links into a far identifier")
        d = trace(n, fm, direction="down", depth=2)
        eq(shape(d), ({fm: 0, a: 1}, {(a, fm, "madeOf")}),
           "down from the far motor: the local pump")
        snms.fails(n, "GET", TR + p2 + "/NOT-THERE", None, None, 404, -2,
                   message="does not exist")
    finally:
        problems = far.shutdown()
        far.cleanup()
    check(not problems, "second node: %s" % problems)


@g.test("a node that does not answer is unreachable; the rest of the "
        "graph still comes back within the deadline")
def _(n):
    e, t, p = owner(n)
    _, t2, p2 = ents.admitted(n)
    _, t3, p3 = ents.admitted(n)
    closed = harness.free_port_pair()
    not_hosted(n, t2, p2, "127.0.0.1", closed, closed)
    # A UDP port that takes datagrams and never answers, no TCP.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        not_hosted(n, t3, p3, "127.0.0.1", harness.free_tcp_port(), port)
        root, l1, l2 = create(n, t, p, "UR-ROOT", "UR-L1", "UR-L2")
        gone, mute = p2 + "/GONE", p3 + "/MUTE"
        link(n, t, root, ("madeOf", gone), ("madeOf", mute), ("madeOf", l1))
        link(n, t, l1, ("madeOf", l2))
        t0 = time.monotonic()
        d = trace(n, root, direction="up", depth=3)
        took = time.monotonic() - t0
        eq(shape(d), ({root: 0, gone: 1, mute: 1, l1: 1, l2: 2},
                      {(root, gone, "madeOf"), (root, mute, "madeOf"),
                       (root, l1, "madeOf"), (l1, l2, "madeOf")}), "graph")
        nodes = by_handle(d)
        eq((nodes[gone]["status"], nodes[gone]["node"]),
           ("unreachable", "127.0.0.1:%d" % closed), "refused")
        eq((nodes[mute]["status"], nodes[mute]["node"]),
           ("unreachable", "127.0.0.1:%d" % port), "silent")
        check("values" not in nodes[gone], "no values when unreachable")
        eq(d["truncated"], None, "truncated")
        check(took < scaled(2.0), "answered in %.2f s, deadline 2 s" % took)
        check(d["elapsedMs"] >= 900, "waited for the silent node: %d ms"
              % d["elapsedMs"])
    finally:
        silent.close()
    # A prefix registered nowhere here: its node is unknown.
    link(n, t, l2, ("madeOf", "88.999.3/NOWHERE"))
    d = trace(n, l2, direction="up", depth=1)
    eq(by_handle(d)["88.999.3/NOWHERE"]["status"], "unknown", "unknown")
    eq(by_handle(d)["88.999.3/NOWHERE"]["node"], None, "no node")


@g.test("values the owner did not publish (1002 OWNER, 1003 REGISTRANT) "
        "are shown to the owner and read grantees only")
def _(n):
    e, t, p, h = chain(n)
    partner, tp, _ = ents.admitted(n)
    other, to, _ = ents.admitted(n)
    P, M = h["PUMP"], h["MOTOR"]
    snms.ok(n, "POST", "/api/grants/" + P,
            {"grantee": partner, "scopes": ["read"]}, t)
    snms.ok(n, "POST", "/api/grants/" + P,
            {"grantee": other, "scopes": ["event"]}, t)
    op, _ = ents.staff(n)
    views = [(None, [1001, 2000], [1001, 2000]),
             (t, [1001, 1002, 1003, 2000], [1001, 1002, 1003, 2000]),
             (tp, [1001, 1002, 1003, 2000], [1001, 2000]),
             (to, [1001, 2000], [1001, 2000]),
             (op, [1001, 2000], [1001, 2000])]
    for tok, pump, motor in views:
        nodes = by_handle(trace(n, P, token=tok, direction="up", depth=1))
        eq((indexes(nodes[P]), indexes(nodes[M])), (pump, motor),
           "values seen by %s" % (tok and tok[:6]))
    owner_vals = {v["index"]: v for v in by_handle(
        trace(n, P, token=t, depth=1))[P]["values"]}
    eq(owner_vals[1002]["data"]["value"], e, "OWNER is the USCC")
    eq(owner_vals[1002]["permissions"], "1100", "not public")
    # A grant on the prefix covers every identifier under it.
    snms.ok(n, "POST", "/api/grants/" + p,
            {"grantee": other, "scopes": ["read"]}, t)
    nodes = by_handle(trace(n, P, token=to, direction="up", depth=1))
    eq((indexes(nodes[P]), indexes(nodes[M])),
       ([1001, 1002, 1003, 2000], [1001, 1002, 1003, 2000]), "prefix grant")
    snms.fails(n, "GET", TR + P, None, "not-a-token", 401, -1)


@g.test("recall of a batch: three levels of products with holders and "
        "latest stages")
def _(n):
    e, t, p = owner(n)
    batch, l1a, l1b, pa, pb, pc, m = create(
        n, t, p, "BATCH", "LOT-A", "LOT-B", "PROD-A", "PROD-B", "PROD-C",
        "MACHINE")
    link(n, t, l1a, ("fromBatch", batch))
    link(n, t, l1b, ("fromBatch", batch))
    link(n, t, pa, ("madeOf", l1a))
    link(n, t, pb, ("madeOf", l1a))
    link(n, t, pc, ("madeOf", l1b))
    link(n, t, pa, ("partOf", m))
    customer = snms.uscc(777)
    snms.ok(n, "POST", "/api/events/" + pa,
            {"stage": "delivery", "holder": customer}, t)
    snms.ok(n, "POST", "/api/events/" + pb, {"stage": "fault"}, t)
    snms.ok(n, "POST", "/api/events/" + pb, {"stage": "maintenance"}, t)
    d = snms.ok(n, "GET", RC + batch)
    got = {x["handle"]: (x["depth"], x["holder"], x["status"], x["owner"],
                         x["resolution"]) for x in d["products"]}
    eq(got, {l1a: (1, e, None, e, "ok"), l1b: (1, e, None, e, "ok"),
             pa: (2, customer, "delivery", e, "ok"),
             pb: (2, e, "maintenance", e, "ok"),
             pc: (2, e, None, e, "ok"),
             m: (3, e, None, e, "ok")}, "products")
    eq((d["root"], d["count"], d["truncated"]), (batch, 6, None), "summary")
    eq([x["depth"] for x in d["products"]], [1, 1, 2, 2, 2, 3], "order")
    eq(snms.ok(n, "GET", RC + pa)["products"],
       [{"handle": m, "depth": 1, "holder": e, "status": None, "owner": e,
         "resolution": "ok"}], "recall of a product")
    snms.fails(n, "GET", RC + p + "/NONE", None, None, 404, -2)
