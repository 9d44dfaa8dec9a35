"""SNMS metadata templates over HTTP (registry/tplapi): create, read,
list, incremental PUT, delete, who may do each, and every refusal."""
import copy
import json
import threading

from harness import Group, check, eq
import snms

g = Group("template api")

V5 = "/snms/api/v5/template"
V3 = "/snms/api/v3/template"


def template(prefix, version, items=None):
    return {
        "prefix": prefix, "version": version,
        "industryCategory": "C", "industrySpecific": "34",
        "industryTrade": "344", "industrySubclass": "3441",
        "type": 1, "description": "centrifugal pumps",
        "items": items or [
            {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
             "required": True, "state": 1,
             "metadata": {"type": "string", "minLength": 1,
                          "maxLength": 64}},
            {"name": "型号", "idType": "model", "idIndex": 2001,
             "required": False, "state": 1,
             "metadata": {"type": "string", "minLength": 0,
                          "maxLength": 255}},
        ]}


def enterprise(n, i, prefix, role="enterprise"):
    """An enterprise owning `prefix` and a logged-in account of it."""
    e = snms.uscc(i)
    snms.prefix_record(n, prefix, e)
    return e, snms.account(n, "ent%d-%s" % (i, role), role, e)


def get(n, token, prefix, version=None, path=V5):
    q = "?prefix=" + prefix + ("&version=" + version if version else "")
    return snms.ok(n, "GET", path + q, token=token)


def stored(n, prefix, version):
    return n.redis_cli("GET", "tpl:{%s}:%s" % (prefix, version)).stdout


def items_by_index(t):
    return {it["idIndex"]: it for it in t["items"]}


@g.test("POST creates (data true), GET returns it, GET without version "
        "lists the prefix's templates in version order")
def _(n):
    _, t = enterprise(n, 1, "88.101.1")
    for v in ("b-2", "a-1"):
        eq(snms.ok(n, "POST", V5, template("88.101.1", v), t), True,
           "POST %s data" % v)
    got = get(n, t, "88.101.1", "a-1")
    want = template("88.101.1", "a-1")
    for k in ("prefix", "version", "industryCategory", "industrySubclass",
              "type", "description"):
        eq(got[k], want[k], "GET %s" % k)
    eq(items_by_index(got), items_by_index(want), "GET items")
    lst = get(n, t, "88.101.1")
    eq([x["version"] for x in lst], ["a-1", "b-2"], "list versions")
    eq(lst[0], got, "listed template = GET")
    eq(sorted(n.redis_cli("SMEMBERS", "tpls:{88.101.1}").stdout.split()),
       ["a-1", "b-2"], "tpls set")
    check(json.loads(stored(n, "88.101.1", "a-1")) == got,
          "tpl:{P}:VER holds the template's JSON")
    # An empty listing is an empty array.
    _, t2 = enterprise(n, 2, "88.101.2")
    eq(get(n, t2, "88.101.2"), [], "list of a prefix without templates")


@g.test("a lower-case prefix is the same prefix (stored upper-cased)")
def _(n):
    _, t = enterprise(n, 3, "88.101.AB")
    snms.ok(n, "POST", V5, template("88.101.ab", "v1"), t)
    eq(get(n, t, "88.101.ab", "v1")["prefix"], "88.101.AB", "prefix")
    check(stored(n, "88.101.AB", "v1"), "stored under the upper-case key")
    snms.fails(n, "POST", V5, template("88.101.Ab", "v1"), t, 409, -2,
               message="already exists")


@g.test("PUT is incremental: a matched (idIndex, idType) item is updated, "
        "new ones added, none deleted; data true")
def _(n):
    _, t = enterprise(n, 4, "88.101.4")
    snms.ok(n, "POST", V5, template("88.101.4", "v1"), t)
    upd = template("88.101.4", "v1", items=[
        {"name": "型号(新)", "idType": "model", "idIndex": 2001,
         "required": True, "state": 0,
         "metadata": {"type": "string", "minLength": 2, "maxLength": 32}},
        {"name": "颜色", "idType": "colour", "idIndex": 2002},
    ])
    upd["description"] = "pumps, revised"
    eq(snms.ok(n, "PUT", V5, upd, t), True, "PUT data")
    got = get(n, t, "88.101.4", "v1")
    items = items_by_index(got)
    eq(sorted(items), [2000, 2001, 2002], "item indexes after PUT")
    eq(items[2000], template("88.101.4", "v1")["items"][0],
       "an item the PUT did not name is unchanged")
    eq((items[2001]["name"], items[2001]["required"], items[2001]["state"],
        items[2001]["metadata"]["maxLength"]),
       ("型号(新)", True, 0, 32), "matched item updated (disabled)")
    eq(items[2002]["idType"], "colour", "new item added")
    eq(got["description"], "pumps, revised", "description")
    # A PUT naming only one old item deletes nothing.
    snms.ok(n, "PUT", V5, template("88.101.4", "v1", items=[
        template("88.101.4", "v1")["items"][0]]), t)
    eq(sorted(items_by_index(get(n, t, "88.101.4", "v1"))), [2000, 2001, 2002],
       "items after a PUT of one item")


@g.test("a refused PUT leaves the template unchanged")
def _(n):
    _, t = enterprise(n, 5, "88.101.5")
    snms.ok(n, "POST", V5, template("88.101.5", "v1"), t)
    before = stored(n, "88.101.5", "v1")
    base = template("88.101.5", "v1")
    bad = [
        # an idType already used at another index
        ([{"name": "x", "idType": "model", "idIndex": 2009}], 400,
         "used by another item"),
        # a name already used
        ([{"name": "型号", "idType": "other", "idIndex": 2010}], 400,
         "used by another item"),
        ([{"name": "y", "idType": "y", "idIndex": 1999}], 400,
         "from 2000"),
        ([{"name": "z", "idType": "z", "idIndex": 2011,
           "metadata": {"type": "number"}}], 400, "only \"string\""),
    ]
    for items, http, msg in bad:
        body = copy.deepcopy(base)
        body["items"] = base["items"] + items
        snms.fails(n, "PUT", V5, body, t, http, -2, message=msg)
        eq(stored(n, "88.101.5", "v1"), before, "after a refused PUT")
    snms.fails(n, "PUT", V5, template("88.101.5", "nope"), t, 404, -2,
               message="does not exist")
    eq(n.redis_cli("EXISTS", "tpl:{88.101.5}:nope").stdout.strip(), "0",
       "a PUT of an unknown version creates nothing")


@g.test("concurrent PUTs adding different items: none is lost")
def _(n):
    _, t = enterprise(n, 6, "88.101.6")
    snms.ok(n, "POST", V5, template("88.101.6", "v1"), t)
    errors = []

    def worker(w):
        try:
            for k in range(5):
                i = 4000 + 10 * w + k
                snms.ok(n, "PUT", V5, template("88.101.6", "v1", items=[
                    {"name": "n%d" % i, "idType": "t%d" % i,
                     "idIndex": i}]), t)
        except Exception as ex:  # reported below
            errors.append(ex)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(not errors, "a PUT failed: %s" % (errors[:1],))
    got = sorted(items_by_index(get(n, t, "88.101.6", "v1")))
    want = sorted([2000, 2001] + [4000 + 10 * w + k for w in range(8)
                                  for k in range(5)])
    eq(got, want, "items after 40 concurrent PUTs")


@g.test("DELETE {prefix, version}: gone from GET, the list and Redis; a "
        "second DELETE is 404")
def _(n):
    _, t = enterprise(n, 7, "88.101.7")
    snms.ok(n, "POST", V5, template("88.101.7", "v1"), t)
    snms.ok(n, "POST", V5, template("88.101.7", "v2"), t)
    eq(snms.ok(n, "DELETE", V5, {"prefix": "88.101.7", "version": "v1"}, t),
       True, "DELETE data")
    snms.fails(n, "GET", V5 + "?prefix=88.101.7&version=v1", None, t, 404,
               -2, message="does not exist")
    eq([x["version"] for x in get(n, t, "88.101.7")], ["v2"], "list")
    eq(n.redis_cli("SMEMBERS", "tpls:{88.101.7}").stdout.split(), ["v2"],
       "tpls set")
    snms.fails(n, "DELETE", V5, {"prefix": "88.101.7", "version": "v1"}, t,
               404, -2)
    # A version with a NUL would name another template in C.
    snms.fails(n, "DELETE", V5, '{"prefix":"88.101.7","version":"v2\\u0000x"}',
               t, 400, -2)
    eq(get(n, t, "88.101.7")[0]["version"], "v2", "v2 still there")


@g.test("v3 serves GET, POST, DELETE with the same handlers; no PUT")
def _(n):
    _, t = enterprise(n, 8, "88.101.8")
    eq(snms.ok(n, "POST", V3, template("88.101.8", "v3"), t), True, "POST")
    eq(get(n, t, "88.101.8", "v3", path=V3)["version"], "v3", "GET v3")
    eq(get(n, t, "88.101.8", "v3")["version"], "v3", "GET through v5")
    st, _, raw = snms.call(n, "PUT", V3, template("88.101.8", "v3"), t)
    eq(st, 405, "PUT v3 (%r)" % raw)
    snms.ok(n, "DELETE", V3, {"prefix": "88.101.8", "version": "v3"}, t)
    eq(get(n, t, "88.101.8", path=V3), [], "list after DELETE")


@g.test("create on an existing version: 409 -2, nothing changed")
def _(n):
    _, t = enterprise(n, 9, "88.101.9")
    snms.ok(n, "POST", V5, template("88.101.9", "v1"), t)
    before = stored(n, "88.101.9", "v1")
    other = template("88.101.9", "v1", items=[
        {"name": "a", "idType": "a", "idIndex": 2000}])
    snms.fails(n, "POST", V5, other, t, 409, -2, message="already exists")
    eq(stored(n, "88.101.9", "v1"), before, "template after refused POST")


@g.test("another enterprise: 403 -3 for GET, POST, PUT, DELETE, nothing "
        "changed; staff read any prefix but write none")
def _(n):
    _, owner = enterprise(n, 10, "88.101.10")
    _, other = enterprise(n, 11, "88.101.11")
    snms.ok(n, "POST", V5, template("88.101.10", "v1"), owner)
    before = stored(n, "88.101.10", "v1")
    body = template("88.101.10", "v1", items=[
        {"name": "x", "idType": "x", "idIndex": 2100}])
    for method, path, b in (
            ("GET", V5 + "?prefix=88.101.10&version=v1", None),
            ("GET", V5 + "?prefix=88.101.10", None),
            ("POST", V5, template("88.101.10", "v2")),
            ("PUT", V5, body),
            ("DELETE", V5, {"prefix": "88.101.10", "version": "v1"})):
        snms.fails(n, method, path, b, other, 403, -3,
                   message="not registered to your enterprise")
    eq(stored(n, "88.101.10", "v1"), before, "template after refusals")
    eq(n.redis_cli("EXISTS", "tpl:{88.101.10}:v2").stdout.strip(), "0",
       "no v2 created")
    # A prefix nobody registered is nobody's.
    snms.fails(n, "POST", V5, template("88.101.99", "v1"), owner, 403, -3)
    for role in ("operator", "reviewer"):
        s = snms.account(n, "staff-" + role, role)
        eq(get(n, s, "88.101.10", "v1")["version"], "v1", role + " GET")
        eq(len(get(n, s, "88.101.10")), 1, role + " list")
        snms.fails(n, "POST", V5, template("88.101.10", "v9"), s, 403, -3)
        snms.fails(n, "PUT", V5, body, s, 403, -3)
        snms.fails(n, "DELETE", V5, {"prefix": "88.101.10", "version": "v1"},
                   s, 403, -3)
    eq(stored(n, "88.101.10", "v1"), before, "template after staff")


@g.test("a platform of the owner writes its enterprise's templates")
def _(n):
    e, _ = enterprise(n, 12, "88.101.12")
    p = snms.account(n, "erp-12", "platform", e)
    eq(snms.ok(n, "POST", V5, template("88.101.12", "v1"), p), True, "POST")
    snms.ok(n, "PUT", V5, template("88.101.12", "v1", items=[
        {"name": "x", "idType": "x", "idIndex": 2100}]), p)
    eq(len(get(n, p, "88.101.12", "v1")["items"]), 3, "items")
    snms.ok(n, "DELETE", V5, {"prefix": "88.101.12", "version": "v1"}, p)


@g.test("bad requests: 400 -2 with the reason; no token: 401 -1")
def _(n):
    _, t = enterprise(n, 13, "88.101.13")
    long_prefix = "88." + "1" * 62
    cases = [
        ("GET", V5, None, "prefix is required"),
        ("GET", V5 + "?prefix=" + long_prefix, None, "at most 64"),
        ("GET", V5 + "?prefix=88..1", None, "dot-separated"),
        ("GET", V5 + "?prefix=88.101.13&version=" + "v" * 129, None,
         "longer than 128"),
        ("POST", V5, "{not json", "malformed JSON"),
        ("POST", V5, "[1,2]", "must be a JSON object"),
        ("PUT", V5, "[]", "must be a JSON object"),
        ("DELETE", V5, "[{}]", "must be a JSON object"),
        ("POST", V5, {"prefix": "88.101.13"}, "version is required"),
        ("POST", V5, dict(template("88.101.13", "v" * 129)),
         "longer than 128"),
        ("POST", V5, dict(template("88.101.13", "v1"), items=[]), "items"),
        ("DELETE", V5, {"prefix": "88.101.13"}, "version is required"),
        ("DELETE", V5, {"version": "v1"}, "prefix is required"),
        ("DELETE", V5, {"prefix": 5, "version": "v1"}, "prefix is required"),
    ]
    for method, path, body, msg in cases:
        snms.fails(n, method, path, body, t, 400, -2, message=msg,
                   what="%s %s %.60r" % (method, path[:60], body))
    eq(n.redis_cli("KEYS", "tpl*{88.101.13}*").stdout.split(), [],
       "nothing stored")
    for method, body in (("GET", None), ("POST", template("88.101.13", "v")),
                         ("PUT", template("88.101.13", "v")),
                         ("DELETE", {"prefix": "88.101.13", "version": "v"})):
        snms.fails(n, method, V5 + ("?prefix=88.101.13" if body is None
                                    else ""), body, None, 401, -1)


@g.test("a prefix holds at most 64 templates: the 65th is 409 -2")
def _(n):
    _, t = enterprise(n, 14, "88.101.14")
    for i in range(64):
        snms.ok(n, "POST", V5, template("88.101.14", "v%02d" % i), t)
    snms.fails(n, "POST", V5, template("88.101.14", "v64"), t, 409, -2,
               message="already has 64 templates")
    eq(len(get(n, t, "88.101.14")), 64, "listed")


@g.test("every write is in the audit stream with its result")
def _(n):
    _, t = enterprise(n, 15, "88.101.15")
    snms.ok(n, "POST", V5, template("88.101.15", "v1"), t)
    snms.fails(n, "POST", V5, template("88.101.15", "v1"), t, 409, -2)
    snms.ok(n, "PUT", V5, template("88.101.15", "v1"), t)
    snms.ok(n, "DELETE", V5, {"prefix": "88.101.15", "version": "v1"}, t)
    out = n.redis_cli("XRANGE", "audit", "-", "+").stdout.split("\n")
    got = [(out[i + 1], out[i + 5]) for i, line in enumerate(out)
           if line == "act" and i + 5 < len(out)
           and out[i + 3] == "88.101.15:v1"]
    eq(got, [("tpl.create", "ok"), ("tpl.create", "refused"),
             ("tpl.update", "ok"), ("tpl.delete", "ok")], "audit entries")
