"""SNMS identifier writes (registry/ident): create, update, delete and
their batch forms; who may write where; what is stored in Redis; and that
resolution over UDP, TCP and HTTP sees each write at once."""
import json
import re
import time
import urllib.parse

from harness import Cur, Group, check, eq, parse_value
import snms

g = Group("ident api")

DATA = "/identityv2/data"
TPL = "/snms/api/v5/template"
VERSION = "equip-v1"


def template(prefix):
    return {"prefix": prefix, "version": VERSION, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}},
        {"name": "型号", "idType": "model", "idIndex": 2001,
         "metadata": {"type": "string", "minLength": 0, "maxLength": 255}},
        {"name": "旧字段", "idType": "legacy", "idIndex": 2002, "state": 0},
    ]}


def setup(n, i, prefix, name=None):
    """Enterprise i owning `prefix` (hosted, enabled) with template
    equip-v1; returns (USCC, token of its enterprise user)."""
    e = snms.uscc(100 + i)
    snms.prefix_record(n, prefix, e)
    t = snms.account(n, name or "ent-%d" % i, "enterprise", e)
    snms.ok(n, "POST", TPL, template(prefix), t)
    return e, t


def registrant(uscc, account):
    """The values the server adds to say who registered an identifier."""
    return {1002: ("OWNER", uscc), 1003: ("REGISTRANT", account)}


def value(index, typ, text, **extra):
    v = {"index": index, "type": typ,
         "data": {"format": "string", "value": text}}
    v.update(extra)
    return v


def item(handle, serial, model=None, version=VERSION):
    vals = [value(2000, "serialNo", serial)]
    if model is not None:
        vals.append(value(2001, "model", model))
    return {"handle": handle, "templateVersion": version, "value": vals}


def key(handle):
    return "h:{%s}" % handle


def stored_values(n, handle):
    """{index: decoded wire value} and the _m text of a stored record."""
    h = snms.hgetall(n, key(handle))
    meta = h.pop(b"_m", b"").decode()
    vals = {}
    for field, raw in h.items():
        c = Cur(raw)
        v = parse_value(c)
        eq(c.left(), 0, "%s field %r: bytes after the value" % (handle, field))
        eq(field, str(v["index"]).encode(), "%s: field = value index" % handle)
        vals[v["index"]] = v
    return vals, meta


def texts(vals):
    return {i: (v["type"], v["data"].decode()) for i, v in vals.items()}


def udp_texts(n, handle):
    r = n.resolve(handle)
    if r.rcode != 1:
        return r.rcode
    return {v["index"]: (v["type"], v["data"].decode()) for v in r.values}


def http_texts(n, handle):
    st, j, _, _ = n.http_json("/api/handles/" + handle)
    if st != 200:
        return st
    return {v["index"]: (v["type"], v["data"]["value"]) for v in j["values"]}


def idctl_texts(n, handle):
    p = n.idctl("resolve", "--json", handle)
    j = json.loads(p.stdout)
    if p.returncode != 0:
        return j.get("responseCode")
    return {v["index"]: (v["type"], v["data"]["value"]) for v in j["values"]}


def all_views(n, handle):
    """What UDP (idctl), TCP and HTTP resolution answer, and Redis holds."""
    return (idctl_texts(n, handle), udp_texts(n, handle),
            http_texts(n, handle))


def snapshot(n, pattern="h:*"):
    """Every matching key (but the audit stream and the usage statistics,
    which the node flushes on a timer) with its exact contents (DUMP)."""
    keys = sorted(k for k in n.redis_cli("--scan", "--pattern", pattern)
                  .stdout.split("\n")
                  if k and k != "audit" and not k.startswith("st:"))
    return dict(zip(keys, snms.redis_many(n, [["DUMP", k] for k in keys])))


@g.test("create: 200 with the handle; at once resolvable over UDP "
        "(idctl), TCP and HTTP; stored as wire values plus a short _m")
def _(n):
    e, t = setup(n, 1, "88.201.1", name="acme")
    h = "88.201.1/PUMP-0001"
    # Resolved (and the miss cached) before it exists.
    eq(all_views(n, h), (100, 100, 404), "before create")
    before = int(time.time())
    eq(snms.ok(n, "POST", DATA, item(h, "SN-1", "CP-200"), t),
       {"handle": h}, "create data")
    want = {1001: ("TEMPLATE", VERSION), 2000: ("serialNo", "SN-1"),
            2001: ("model", "CP-200")}
    eq(all_views(n, h), (want, want, want), "right after create")
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=" + h)
    eq((st, j["data"]["templateVersion"], j["data"]["prefix"]),
       (200, VERSION, "88.201.1"), "SNMS detail")
    vals, meta = stored_values(n, h)
    eq(texts(vals), {**want, **registrant(e, "acme")}, "stored values")
    for v in vals.values():
        # Who registered it is not public unless the operator says so.
        eq((v["ttl_type"], v["ttl"], v["perms"], v["refs"]),
           (0, 86400, 0x0C if v["index"] in (1002, 1003) else 0x0E, []),
           "index %d ttl, permissions" % v["index"])
        check(before <= v["timestamp"] <= int(time.time()),
              "index %d timestamp %d" % (v["index"], v["timestamp"]))
    m = re.fullmatch(r"c=(\d+) by=acme", meta)
    check(m and before <= int(m.group(1)) <= int(time.time()),
          "_m is %r" % meta)
    # The prefix part of a handle is case-insensitive.
    eq(snms.ok(n, "POST", DATA, item("88.201.1/lower", "SN-2"), t),
       {"handle": "88.201.1/lower"}, "lower-case suffix kept")
    snms.fails(n, "POST", DATA, item("88.201.1/lower", "SN-2"), t, 409, -2,
               message="already exists")


@g.test("update: every value replaced at once (a value left out is "
        "gone), c= kept, u= and by= set; 404 for an unknown handle")
def _(n):
    e, t = setup(n, 2, "88.201.2")
    h = "88.201.2/U-1"
    snms.ok(n, "POST", DATA, item(h, "SN-1", "OLD"), t)
    _, meta0 = stored_values(n, h)
    eq(udp_texts(n, h)[2001], ("model", "OLD"), "cached before update")
    http_texts(n, h)
    time.sleep(1.1)  # so u= differs from c=
    eq(snms.ok(n, "PUT", DATA, item(h, "SN-9"), t), {"handle": h}, "PUT")
    want = {1001: ("TEMPLATE", VERSION), 2000: ("serialNo", "SN-9")}
    eq(all_views(n, h), (want, want, want), "right after update")
    vals, meta = stored_values(n, h)
    eq(texts(vals), {**want, **registrant(e, "ent-2")}, "stored")
    c0 = re.fullmatch(r"c=(\d+) by=ent-2", meta0).group(1)
    m = re.fullmatch(r"c=(\d+) u=(\d+) by=ent-2", meta)
    check(m and m.group(1) == c0 and int(m.group(2)) > int(c0),
          "_m after update: %r (before %r)" % (meta, meta0))
    snms.fails(n, "PUT", DATA, item("88.201.2/NO-SUCH", "SN"), t, 404, -2,
               message="does not exist")
    eq(snms.redis_many(n, [["EXISTS", key("88.201.2/NO-SUCH")]]), [0],
       "an update creates nothing")


@g.test("delete: gone from resolution at once; a second delete is 404")
def _(n):
    _, t = setup(n, 3, "88.201.3")
    h = "88.201.3/D-1"
    snms.ok(n, "POST", DATA, item(h, "SN-1"), t)
    check(isinstance(udp_texts(n, h), dict), "resolvable before delete")
    http_texts(n, h)
    eq(snms.ok(n, "DELETE", DATA, {"handle": h}, t), {"handle": h}, "DELETE")
    eq(all_views(n, h), (100, 100, 404), "right after delete")
    eq(snms.redis_many(n, [["EXISTS", key(h)]]), [0], "key gone")
    snms.fails(n, "DELETE", DATA, {"handle": h}, t, 404, -2,
               message="does not exist")


@g.test("a retried create: identical values -> -2 'already exists' with "
        "data {handle, identical}; other values -> 409; nothing changed")
def _(n):
    _, t = setup(n, 4, "88.201.4")
    h = "88.201.4/R-1"
    snms.ok(n, "POST", DATA, item(h, "SN-1", "M"), t)
    before = snms.hgetall(n, key(h))
    time.sleep(1.1)  # the retry's values carry a later timestamp
    st, j, raw = snms.call(n, "POST", DATA, item(h, "SN-1", "M"), t)
    eq((st, j["status"]), (409, -2), "retry status (%r)" % raw)
    check("already exists" in j["message"], "message %r" % j["message"])
    eq(j["data"], {"handle": h, "identical": True}, "retry data")
    # The same values in another order are the same values.
    body = item(h, "SN-1", "M")
    body["value"].reverse()
    st, j, _ = snms.call(n, "POST", DATA, body, t)
    eq((st, j["data"]), (409, {"handle": h, "identical": True}), "reordered")
    for other in (item(h, "SN-2", "M"), item(h, "SN-1"),
                  item(h, "SN-1", "M2")):
        msg = snms.fails(n, "POST", DATA, other, t, 409, -2,
                         message="exists with different values")
        check("already exists" not in msg, "different values: %r" % msg)
    eq(snms.hgetall(n, key(h)), before, "record after the retries")


def batch_items(prefix, count, bad):
    """count items, those at positions in `bad` (position -> (item,
    reason)) replaced by bad ones."""
    out = []
    for i in range(count):
        if i in bad:
            out.append(bad[i][0])
        else:
            out.append(item("%s/B-%04d" % (prefix, i), "SN-%d" % i,
                            "M-%d" % i))
    return out


@g.test("batchCreate of 2000 with bad items: good ones written whole, bad "
        "ones reported with reasons, nothing partial")
def _(n):
    e, t = setup(n, 5, "88.201.5")
    setup(n, 6, "88.201.6")  # someone else's prefix
    p = "88.201.5"
    bad = {
        7: ({"handle": p + "/B-0007", "templateVersion": VERSION,
             "value": [value(2001, "model", "no serial")]},
            (-2, "required item serialNo")),
        100: ({"handle": p + "/B-0100", "templateVersion": VERSION,
               "value": [value(2000, "serialNo", "S"),
                         value(2005, "colour", "red")]},
              (-2, "not an enabled item")),
        250: (item(p + "/B-0250", "S", "x" * 256),
              (-2, "longer than 255 characters")),
        400: (item("88.201.6/B-0400", "S"),
              (-3, "not registered to your enterprise")),
        555: (item(p + "/B 0555", "S"), (-2, "space")),
        800: ({"handle": p + "/B-0800", "templateVersion": VERSION,
               "value": [value(2000, "serialNo", "S"),
                         value(1001, "TEMPLATE", "forged")]},
              (-2, "reserved")),
        1200: (item(p + "/B-1200", "S", version="no-such"),
               (-2, "does not exist")),
        1500: ({"handle": p + "/B-1500", "templateVersion": VERSION,
                "value": [value(2000, "serialNo", "S"),
                          value(2002, "legacy", "disabled item")]},
               (-2, "not an enabled item")),
        1998: ("not an object", (-2, "an item is an object")),
        # The same handle twice: the second is a retry.
        1999: (item(p + "/B-0000", "SN-0", "M-0"), (-2, "already exists")),
    }
    body = batch_items(p, 2000, bad)
    t0 = time.monotonic()
    data = snms.ok(n, "POST", DATA + "/batchCreate", body, t)
    secs = time.monotonic() - t0
    eq(len(data), 2000, "results")
    for i, r in enumerate(data):
        if i in bad:
            code, reason = bad[i][1]
            check(r["code"] == code and reason in r["msg"],
                  "item %d: expected %d %r, got %r" % (i, code, reason, r))
        else:
            eq(r, {"handle": "%s/B-%04d" % (p, i), "code": 1,
                   "msg": "success"}, "item %d" % i)
    eq(data[555]["handle"], p + "/B 0555", "a bad handle is echoed")
    eq(data[1998]["handle"], None, "no handle to echo")
    keys = set(snapshot(n, "h:{%s/*" % p))
    want = set(key("%s/B-%04d" % (p, i)) for i in range(2000) if i not in bad)
    eq(keys, want, "keys written")
    eq(snms.redis_many(n, [["EXISTS", key("88.201.6/B-0400")]]), [0],
       "nothing in the other enterprise's prefix")
    hl = snms.redis_many(n, [["HLEN", k] for k in sorted(want)])
    eq(set(hl), {6}, "fields of every written identifier (2 values, "
       "TEMPLATE, OWNER, REGISTRANT, _m)")
    public = {1001: ("TEMPLATE", VERSION), 2000: ("serialNo", "SN-1234"),
              2001: ("model", "M-1234")}
    eq(texts(stored_values(n, p + "/B-1234")[0]),
       {**public, **registrant(e, "ent-5")}, "a written identifier")
    eq(udp_texts(n, p + "/B-1234"), public, "resolvable")
    print("# batchCreate of 2000: %.2f s" % secs)


@g.test("batches of 2001 items or none: 400 -2, nothing written")
def _(n):
    _, t = setup(n, 7, "88.201.7")
    for path, body in (
            ("/batchCreate", batch_items("88.201.7", 2001, {})),
            ("/batchUpdate", batch_items("88.201.7", 2001, {})),
            ("/batchDelete", ["88.201.7/B-%04d" % i for i in range(2001)])):
        method = {"/batchCreate": "POST", "/batchUpdate": "PUT",
                  "/batchDelete": "DELETE"}[path]
        snms.fails(n, method, DATA + path, body, t, 400, -2,
                   message="1 to 2000 items")
        snms.fails(n, method, DATA + path, [], t, 400, -2)
    eq(snapshot(n, "h:{88.201.7/*"), {}, "nothing written")


@g.test("batchUpdate and batchDelete: per-item results, good items done, "
        "bad ones untouched")
def _(n):
    _, t = setup(n, 8, "88.201.8")
    setup(n, 9, "88.201.9")
    p = "88.201.8"
    snms.ok(n, "POST", DATA + "/batchCreate",
            [item("%s/X-%d" % (p, i), "S%d" % i) for i in range(4)], t)
    keep = snms.hgetall(n, key(p + "/X-2"))
    data = snms.ok(n, "PUT", DATA + "/batchUpdate", [
        item(p + "/X-0", "NEW0", "m"),
        item(p + "/X-1", "NEW1"),
        item(p + "/X-2", "S", "y" * 300),
        item(p + "/NONE", "S"),
        item("88.201.9/X-0", "S"),
    ], t)
    eq([(r["handle"], r["code"]) for r in data],
       [(p + "/X-0", 1), (p + "/X-1", 1), (p + "/X-2", -2), (p + "/NONE", -2),
        ("88.201.9/X-0", -3)], "update results")
    check("does not exist" in data[3]["msg"], "missing: %r" % data[3])
    eq(texts(stored_values(n, p + "/X-0")[0])[2000], ("serialNo", "NEW0"),
       "X-0 updated")
    eq(udp_texts(n, p + "/X-1")[2000], ("serialNo", "NEW1"), "X-1 resolves")
    eq(snms.hgetall(n, key(p + "/X-2")), keep, "X-2 untouched")
    data = snms.ok(n, "DELETE", DATA + "/batchDelete",
                   [p + "/X-0", p + "/X-3", p + "/NONE", 7, "88.201.9/X-0",
                    p + "/X-0", "bad handle"], t)
    eq([(r["handle"], r["code"]) for r in data],
       [(p + "/X-0", 1), (p + "/X-3", 1), (p + "/NONE", -2), (None, -2),
        ("88.201.9/X-0", -3), (p + "/X-0", -2), ("bad handle", -2)],
       "delete results")
    eq(sorted(snapshot(n, "h:{%s/*" % p)), [key(p + "/X-1"), key(p + "/X-2")],
       "left after batchDelete")
    eq(udp_texts(n, p + "/X-3"), 100, "X-3 no longer resolves")


@g.test("another enterprise's prefix: create, update, delete (single and "
        "batch) denied -3, Redis unchanged")
def _(n):
    _, owner = setup(n, 10, "88.201.10")
    _, other = setup(n, 11, "88.201.11")
    h = "88.201.10/OWNED"
    snms.ok(n, "POST", DATA, item(h, "S", "M"), owner)
    before = snapshot(n, "*")
    for method, path, body in (
            ("POST", DATA, item("88.201.10/NEW", "S")),
            ("POST", DATA, item(h, "S", "M")),
            ("PUT", DATA, item(h, "HIJACKED")),
            ("DELETE", DATA, {"handle": h})):
        snms.fails(n, method, path, body, other, 403, -3,
                   message="not registered to your enterprise")
    for method, path, body in (
            ("POST", "/batchCreate", [item("88.201.10/NEW", "S")]),
            ("PUT", "/batchUpdate", [item(h, "HIJACKED")]),
            ("DELETE", "/batchDelete", [h])):
        data = snms.ok(n, method, DATA + path, body, other)
        eq([r["code"] for r in data], [-3], "%s results" % path)
    after = snapshot(n, "*")
    after.pop("audit", None)
    before.pop("audit", None)
    eq(after, before, "Redis after the attempts")
    # An unregistered prefix is nobody's.
    snms.fails(n, "POST", DATA, item("88.201.99/X", "S"), owner, 403, -3)


@g.test("a platform writes for its enterprise and is recorded as by=<keyId>;"
        " it cannot write another enterprise's prefix")
def _(n):
    e, _ = setup(n, 12, "88.201.12")
    setup(n, 13, "88.201.13")
    pt = snms.account(n, "mes-line-7", "platform", e)
    snms.ok(n, "POST", DATA, item("88.201.12/P-1", "S"), pt)
    vals, meta = stored_values(n, "88.201.12/P-1")
    check(re.fullmatch(r"c=\d+ by=mes-line-7", meta), "_m is %r" % meta)
    eq({i: texts(vals)[i] for i in (1002, 1003)}, registrant(e, "mes-line-7"),
       "OWNER and REGISTRANT values")
    eq(set(udp_texts(n, "88.201.12/P-1")), {1001, 2000},
       "anonymous resolution without publish_registrant")
    snms.ok(n, "PUT", DATA, item("88.201.12/P-1", "S2"), pt)
    _, meta = stored_values(n, "88.201.12/P-1")
    check(re.fullmatch(r"c=\d+ u=\d+ by=mes-line-7", meta), "_m %r" % meta)
    snms.fails(n, "POST", DATA, item("88.201.13/P-1", "S"), pt, 403, -3)


@g.test("operators and reviewers may not write identifiers (403 -3); no "
        "token: 401 -1")
def _(n):
    setup(n, 14, "88.201.14")
    routes = (("POST", DATA, item("88.201.14/S", "S")),
              ("PUT", DATA, item("88.201.14/S", "S")),
              ("DELETE", DATA, {"handle": "88.201.14/S"}),
              ("POST", DATA + "/batchCreate", [item("88.201.14/S", "S")]),
              ("PUT", DATA + "/batchUpdate", [item("88.201.14/S", "S")]),
              ("DELETE", DATA + "/batchDelete", ["88.201.14/S"]))
    for role in ("operator", "reviewer"):
        s = snms.account(n, "staff-" + role, role)
        for method, path, body in routes:
            snms.fails(n, method, path, body, s, 403, -3)
    for method, path, body in routes:
        snms.fails(n, method, path, body, None, 401, -1)
    eq(snapshot(n, "h:{88.201.14/*"), {}, "nothing written")


@g.test("bad input: 400 -2 with the reason (sizes, JSON, body kind, "
        "template), nothing written")
def _(n):
    _, t = setup(n, 15, "88.201.15")
    p = "88.201.15"

    def with_value(v):
        return {"handle": p + "/V", "templateVersion": VERSION,
                "value": [value(2000, "serialNo", "S"), v]}

    cases = [
        ("POST", DATA, "{\"handle\":", "malformed JSON"),
        ("POST", DATA, [item(p + "/A", "S")], "must be a JSON object"),
        ("PUT", DATA, "[]", "must be a JSON object"),
        ("DELETE", DATA, "[\"%s/A\"]" % p, "must be a JSON object"),
        ("POST", DATA + "/batchCreate", item(p + "/A", "S"),
         "must be a JSON array"),
        ("PUT", DATA + "/batchUpdate", {}, "must be a JSON array"),
        ("DELETE", DATA + "/batchDelete", {"handle": p + "/A"},
         "must be a JSON array"),
        ("POST", DATA, with_value(value(2001, "m" * 129, "x")),
         "type is longer than 128 characters"),
        ("POST", DATA, with_value(value(2001, "model", "泵" * 256)),
         "longer than 255 characters"),
        ("POST", DATA, item(p + "/" + "x" * (256 - len(p) - 1), "S"),
         "longer than 255 bytes"),
        ("POST", DATA, item(p + "/A", "S", version="no-such"),
         "template no-such of prefix 88.201.15 does not exist"),
        ("POST", DATA, item(p + "/A", "S", version="v" * 129),
         "longer than 128 characters"),
        ("POST", DATA, with_value(value(1001, "TEMPLATE", "x")), "reserved"),
        ("POST", DATA, with_value(value(2001, "serialNo", "x")),
         "not an enabled item"),
        ("POST", DATA, with_value(value(2000, "serialNo", "x")),
         "given twice"),
        ("POST", DATA, with_value({"index": 2001, "type": "model",
                                   "data": {"format": "hex", "value": "00"}}),
         "only \"string\""),
        ("POST", DATA, with_value({"index": 2001, "type": "model",
                                   "data": "bare"}), "must be an object"),
        ("POST", DATA, with_value({"index": -1, "type": "model",
                                   "data": {"value": "x"}}), "index must be"),
        ("POST", DATA, with_value({"index": 2001, "type": "model",
                                   "data": {"value": "a\u0000b"}}), "NUL"),
        ("POST", DATA, {"handle": p + "/A", "templateVersion": VERSION},
         "value must be an array"),
        ("POST", DATA, {"templateVersion": VERSION, "value": []},
         "handle must be a string"),
        ("POST", DATA, item(p, "S"), "prefix/suffix"),
        ("POST", DATA, item("88..1/A", "S"), "bad handle"),
        ("POST", DATA, item("88.2@1/A", "S"), "dot-separated letters"),
        ("POST", DATA, {"handle": p + "/A", "templateVersion": VERSION,
                        "value": [value(2001, "model", "no serial")]},
         "required item serialNo"),
        ("DELETE", DATA, {}, "handle must be a string"),
    ]
    for method, path, body, msg in cases:
        snms.fails(n, method, path, body, t, 400, -2, message=msg,
                   what="%s %s %.80r" % (method, path, body))
    eq(snapshot(n, "h:{%s*" % p), {}, "nothing written")
    # The limits are in characters: 255 CJK characters are a valid value.
    snms.ok(n, "POST", DATA, with_value(value(2001, "model", "泵" * 255)), t)
    eq(len(udp_texts(n, p + "/V")[2001][1]), 255, "255 characters stored")
    # 255 bytes of handle are fine.
    long_h = p + "/" + "x" * (255 - len(p) - 1)
    snms.ok(n, "POST", DATA, item(long_h, "S"), t)
    check(isinstance(udp_texts(n, long_h), dict), "255-byte handle resolves")


@g.test("a disabled or not-hosted prefix: -2 with the reason")
def _(n):
    e, t = setup(n, 16, "88.201.16")
    for state, proxy, msg in ((0, 4, "not enabled"), (4, 4, "not enabled"),
                              (1, 1, "not hosted")):
        snms.prefix_record(n, "88.201.16", e, state=state, proxy=proxy)
        snms.fails(n, "POST", DATA, item("88.201.16/Z", "S"), t, 409, -2,
                   message=msg)
        data = snms.ok(n, "POST", DATA + "/batchCreate",
                       [item("88.201.16/Z", "S")], t)
        check(data[0]["code"] == -2 and msg in data[0]["msg"],
              "batch: %r" % data)
    eq(snapshot(n, "h:{88.201.16/*"), {}, "nothing written")
    snms.prefix_record(n, "88.201.16", e)
    snms.ok(n, "POST", DATA, item("88.201.16/Z", "S"), t)


@g.test("every item is audited: action, handle, result")
def _(n):
    _, t = setup(n, 17, "88.201.17")
    h = "88.201.17/AU"
    snms.ok(n, "POST", DATA, item(h, "S"), t)
    snms.fails(n, "POST", DATA, item(h, "S2"), t, 409, -2)
    snms.ok(n, "PUT", DATA + "/batchUpdate", [item(h, "S3")], t)
    snms.ok(n, "DELETE", DATA + "/batchDelete", [h, h], t)
    out = n.redis_cli("XRANGE", "audit", "-", "+").stdout.split("\n")
    got = [(out[i + 1], out[i + 5]) for i, line in enumerate(out)
           if line == "act" and i + 5 < len(out) and out[i + 3] == h]
    eq(got, [("ident.create", "ok"),
             ("ident.create", "exists with different values"),
             ("ident.update", "ok"), ("ident.delete", "ok"),
             ("ident.delete", h + " does not exist")], "audit entries")


@g.test("the record is what resolution serves: /identityv2/data/detail "
        "echoes templateVersion and values")
def _(n):
    _, t = setup(n, 18, "88.201.18")
    h = "88.201.18/中文-1"
    snms.ok(n, "POST", DATA, item(h, "序列-1", "型号 A"), t)
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle="
                              + urllib.parse.quote(h))
    eq(st, 200, "detail status")
    got = {v["index"]: (v["type"], v["data"]["value"])
           for v in j["data"]["value"]}
    eq(got, {1001: ("TEMPLATE", VERSION), 2000: ("serialNo", "序列-1"),
             2001: ("model", "型号 A")}, "detail values")


@g.test("after SCRIPT FLUSH (or a Redis restart) writes still work: the "
        "script is sent whole when Redis lacks it")
def _(n):
    _, t = setup(n, 19, "88.201.19")
    p = "88.201.19"
    snms.ok(n, "POST", DATA, item(p + "/F-0", "S"), t)
    n.redis_cli("SCRIPT", "FLUSH")
    data = snms.ok(n, "POST", DATA + "/batchCreate",
                   [item("%s/F-%d" % (p, i), "S") for i in range(1, 4)], t)
    eq([r["code"] for r in data], [1, 1, 1], "batch after SCRIPT FLUSH")
    n.redis_cli("SCRIPT", "FLUSH")
    snms.ok(n, "PUT", DATA, item(p + "/F-0", "S2"), t)
    n.redis_cli("SCRIPT", "FLUSH")
    snms.ok(n, "POST", TPL, dict(template(p), version="v2"), t)
    eq(sorted(snapshot(n, "h:{%s/*" % p)),
       [key("%s/F-%d" % (p, i)) for i in range(4)], "written")


gp = Group("ident api, registrant published",
           config={"publish_registrant": True})


@gp.test("publish_registrant: anyone resolving sees who owns and who "
         "registered an identifier, over UDP, TCP and HTTP")
def _(n):
    e, _ = setup(n, 20, "88.202.1")
    pt = snms.account(n, "erp-1", "platform", e)
    h = "88.202.1/PUB-1"
    snms.ok(n, "POST", DATA, item(h, "S-1"), pt)
    want = {1001: ("TEMPLATE", VERSION), 2000: ("serialNo", "S-1"),
            **registrant(e, "erp-1")}
    eq(all_views(n, h), (want, want, want), "views")
