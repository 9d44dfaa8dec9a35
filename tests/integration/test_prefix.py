"""Prefixes: the SNMS prefix query and page, and enterprise prefix
configuration, hosted or served by the enterprise's own node
(registry/pfx)."""
import time
import urllib.parse

from harness import Group, check, eq
import ents
import snms

NODE = "88.321"
GHR = "工业互联网标识解析国家顶级节点--北京"
g = Group("prefixes", config={"node_prefix": NODE, "ghr_name": GHR})

PQ = "/snms/api/prefix/query?prefix="
PP = "/snms/api/prefix/page"
CFG = "/snms/api/ent/config"
QUERY_FIELDS = ["prefix", "createDate", "ghrName", "status", "entNameCn",
                "entWebSite", "entIndustry", "entAddrCn", "entDesc",
                "proxyState"]
ROW_FIELDS = ["id", "createDate", "updateDate", "entPrefix", "entId", "state",
              "entName", "proxyState"]

_two = {}


def two(n):
    """Two approved enterprises of this node: [(uscc, token, prefix)] x 2."""
    if n.dir not in _two:
        _two[n.dir] = [ents.admitted(n, entNameCn="前缀甲企业"),
                       ents.admitted(n, entNameCn="前缀乙企业")]
    return _two[n.dir]


def site(prefix, **kw):
    c = {"entPrefix": prefix, "hdlType": "HS_SITE"}
    c.update(kw)
    return {"entPrefixConfig": c}


@g.test("prefix query: the domain.md fields; staff read any prefix, an "
        "enterprise and its platforms only their own")
def _(n):
    op, rev = ents.staff(n)
    (e1, t1, p1), (e2, t2, p2) = two(n)
    for who, tok in (("operator", op), ("reviewer", rev), ("owner", t1)):
        d = snms.ok(n, "GET", PQ + p1, token=tok, what="query as " + who)
        eq(sorted(d), sorted(QUERY_FIELDS), "fields as " + who)
        eq((d["prefix"], d["status"], d["proxyState"], d["ghrName"],
            d["entNameCn"], d["entIndustry"], d["entAddrCn"]),
           (p1, 1, 4, GHR, "前缀甲企业", "C", "福州市"), "values as " + who)
        check(d["entWebSite"].startswith("https://"), "entWebSite %r"
              % d["entWebSite"])
    eq(snms.ok(n, "GET", PQ + p1.lower(), token=t1)["prefix"], p1,
       "a lower-case query")
    snms.fails(n, "GET", PQ + p2, None, t1, 403, -3,
               what="another enterprise's prefix", message="another")
    pf = snms.account(n, "pq-plat", "platform", e1)
    snms.ok(n, "GET", PQ + p1, token=pf, what="a platform, own prefix")
    snms.fails(n, "GET", PQ + p2, None, pf, 403, -3,
               what="a platform, another enterprise's prefix")
    snms.fails(n, "GET", PQ + NODE + ".999999", None, op, 404, -2,
               what="unknown prefix")
    for bad in ("", "88..1", "88.1/x", "a" * 65):
        snms.fails(n, "GET", PQ + urllib.parse.quote(bad), None, op, 400, -2,
                   what="prefix %r" % bad)
    snms.fails(n, "GET", "/snms/api/prefix/query", None, op, 400, -2,
               message="prefix is required")
    snms.fails(n, "GET", PQ + p1, None, None, 401, -1, what="no token")


@g.test("prefix page: Spring page of {id,createDate,updateDate,entPrefix,"
        "entId,state,entName,proxyState}; filters; an enterprise sees only "
        "its own")
def _(n):
    op, rev = ents.staff(n)
    (e1, t1, p1), (e2, t2, p2) = two(n)
    d = snms.ok(n, "GET", PP, token=rev)
    rows = {r["entPrefix"]: r for r in d["content"]}
    check(p1 in rows and p2 in rows, "staff page lacks %s or %s: %r"
          % (p1, p2, sorted(rows)))
    r = rows[p1]
    eq(sorted(r), sorted(ROW_FIELDS), "row fields")
    eq((r["entId"], r["state"], r["proxyState"], r["entName"]),
       (e1, 1, 4, "前缀甲企业"), "row values")
    check(isinstance(r["id"], int) and r["id"] > 0, "id %r" % r["id"])
    d = snms.ok(n, "GET", PP, token=t1)
    eq([x["entPrefix"] for x in d["content"]], [p1], "enterprise sees own")
    eq(d["totalElements"], 1, "enterprise total")
    q = "?entName=" + urllib.parse.quote("乙")
    eq([x["entPrefix"] for x in snms.ok(n, "GET", PP + q, token=op)
        ["content"]], [p2], "entName filter")
    eq([x["entPrefix"] for x in snms.ok(n, "GET", PP + q, token=t1)
        ["content"]], [], "entName filter of another enterprise's name")
    q = "?entPrefix=" + p2.lower()
    eq([x["entPrefix"] for x in snms.ok(n, "GET", PP + q, token=op)
        ["content"]], [p2], "entPrefix filter")
    today = time.strftime("%Y-%m-%d")
    for q, want in (("?startDate=" + today, 2),
                    ("?startDate=2000-01-01&endDate=" + today, 2),
                    ("?endDate=2000-01-01%2023:59:59", 0),
                    ("?startDate=2999-01-01", 0)):
        got = snms.ok(n, "GET", PP + q, token=op)["totalElements"]
        check(got >= want if want else got == 0,
              "%s: %d rows, expected %s" % (q, got,
                                            ">= %d" % want if want else 0))
    d = snms.ok(n, "GET", PP + "?pageSize=1&currentPage=2", token=op)
    eq((d["size"], d["number"], d["numberOfElements"], d["first"]),
       (1, 2, 1, False), "page 2 of size 1")
    for q, msg in (("?startDate=2024-02-30", "startDate"),
                   ("?endDate=yesterday", "endDate"),
                   ("?startDate=2024-1-1", "startDate"),
                   ("?pageSize=1001", "pageSize"),
                   ("?currentPage=0", "currentPage"),
                   ("?entPrefix=" + "8" * 65, "longer than 64")):
        snms.fails(n, "GET", PP + q, None, op, 400, -2, what="page " + q,
                   message=msg)
    snms.fails(n, "GET", PP, None, None, 401, -1, what="no token")


@g.test("ent/config not hosted: HS_SITE fields stored for the resolver "
        "(ipType, ip, tcpPort, udpPort, httpPort), proxyState 1; hosted: "
        "proxyState 4 and the site fields gone")
def _(n):
    op, rev = ents.staff(n)
    (e1, t1, p1), _ = two(n)
    key = "pfx:{%s}" % p1
    eq(snms.ok(n, "POST", CFG, site(p1, ipType="4", ip="192.0.2.10",
                                     tcpPort="2641", udpPort=2641,
                                     httpPort=""), t1), True, "v4 answer")
    rec = ents.hash_of(n, key)
    eq({k: rec.get(k) for k in ("proxy", "ipType", "ip", "tcpPort",
                                "udpPort", "httpPort")},
       {"proxy": "1", "ipType": "4", "ip": "192.0.2.10", "tcpPort": "2641",
        "udpPort": "2641", "httpPort": None}, "pfx fields after v4 config")
    eq(rec.get("ent"), e1, "owner kept")
    d = snms.ok(n, "GET", PQ + p1, token=t1)
    eq((d["proxyState"], d.get("ip"), d.get("tcpPort")),
       (1, "192.0.2.10", "2641"), "prefix query shows the site")
    # the SNMS documentation's own example body
    snms.ok(n, "POST", CFG, site(
        p1, ipType=6, ip="2031:0000:1F1F:0000:0000:0100:11A0:ADDF",
        tcpPort="2643", udpPort="", httpPort=""), op,
        what="v6 by the operator")
    rec = ents.hash_of(n, key)
    eq({k: rec.get(k) for k in ("proxy", "ipType", "ip", "tcpPort",
                                "udpPort", "httpPort")},
       {"proxy": "1", "ipType": "6", "ip": "2031:0:1f1f::100:11a0:addf",
        "tcpPort": "2643", "udpPort": None, "httpPort": None},
       "pfx fields after v6 config (old udpPort gone)")
    snms.ok(n, "POST", CFG, {"proxyServerId": 1,
                             "entPrefixConfig": {"entPrefix": p1}}, t1,
            what="hosted")
    rec = ents.hash_of(n, key)
    eq(rec.get("proxy"), "4", "proxy after hosted config")
    for k in ("ipType", "ip", "tcpPort", "udpPort", "httpPort"):
        check(k not in rec, "%s left after hosted config: %r" % (k, rec))
    check("\npfx.config\n" in n.redis_cli("XRANGE", "audit", "-", "+").stdout,
          "no pfx.config in the audit stream")


@g.test("ent/config refusals: bad IP or family, no port, bad ports, "
        "wrong shapes (400); someone else's prefix or a wrong role (403); "
        "unknown prefix (404); disabled prefix (409)")
def _(n):
    op, rev = ents.staff(n)
    (e1, t1, p1), (e2, t2, p2) = two(n)
    before = ents.hash_of(n, "pfx:{%s}" % p1)
    bad = [
        (site(p1, ipType="4", ip="300.1.1.1", tcpPort="1"), "IPv4"),
        (site(p1, ipType="4", ip="2001:db8::1", tcpPort="1"), "IPv4"),
        (site(p1, ipType="6", ip="192.0.2.1", tcpPort="1"), "IPv6"),
        (site(p1, ipType="4", ip="0.0.0.0", tcpPort="1"), "unspecified"),
        (site(p1, ipType="6", ip="::", tcpPort="1"), "unspecified"),
        (site(p1, ipType="4", ip=" 192.0.2.1", tcpPort="1"), "IPv4"),
        (site(p1, ipType="4", ip=7, tcpPort="1"), "IPv4"),
        (site(p1, ipType="5", ip="192.0.2.1", tcpPort="1"), "ipType"),
        (site(p1, ip="192.0.2.1", tcpPort="1"), "ipType"),
        (site(p1, ipType="4", ip="192.0.2.1"), "at least one"),
        (site(p1, ipType="4", ip="192.0.2.1", tcpPort="", udpPort=None),
         "at least one"),
        (site(p1, ipType="4", ip="192.0.2.1", tcpPort="0"), "tcpPort"),
        (site(p1, ipType="4", ip="192.0.2.1", udpPort="65536"), "udpPort"),
        (site(p1, ipType="4", ip="192.0.2.1", httpPort=70000), "httpPort"),
        (site(p1, ipType="4", ip="192.0.2.1", httpPort="80a"), "httpPort"),
        (site(p1, ipType="4", ip="192.0.2.1", httpPort="-1"), "httpPort"),
        (site(p1, ipType="4", ip="192.0.2.1", httpPort=True), "httpPort"),
        (site(p1, hdlType="HS_X", ipType="4", ip="192.0.2.1", tcpPort="1"),
         "HS_SITE"),
        ({"entPrefixConfig": {"entPrefix": p1}}, "proxyServerId"),
        ({"proxyServerId": "x", "entPrefixConfig": {"entPrefix": p1}},
         "proxyServerId"),
        (dict(site(p1, ipType="4", ip="192.0.2.1", tcpPort="1"),
              proxyServerId=1), "not both"),
        ({"proxyServerId": 1}, "entPrefixConfig"),
        ({"proxyServerId": 1, "entPrefixConfig": "x"}, "entPrefixConfig"),
        ({"proxyServerId": 1, "entPrefixConfig": {}}, "entPrefix"),
        ({"proxyServerId": 1, "entPrefixConfig": {"entPrefix": "88..1"}},
         "entPrefix"),
    ]
    for body, msg in bad:
        snms.fails(n, "POST", CFG, body, t1, 400, -2, what="config %r"
                   % (body,), message=msg)
    snms.fails(n, "POST", CFG, '{"entPrefixConfig":', t1, 400, -2,
               message="malformed JSON")
    eq(ents.hash_of(n, "pfx:{%s}" % p1), before, "record after refusals")
    good = site(p2, ipType="4", ip="192.0.2.1", tcpPort="2641")
    snms.fails(n, "POST", CFG, good, t1, 403, -3,
               what="someone else's prefix", message="another enterprise")
    eq(ents.hash_of(n, "pfx:{%s}" % p2).get("proxy"), "4",
       "the other prefix is untouched")
    snms.fails(n, "POST", CFG, good, rev, 403, -3, what="a reviewer")
    pf = snms.account(n, "cfg-plat", "platform", e2)
    snms.fails(n, "POST", CFG, good, pf, 403, -3, what="a platform")
    snms.fails(n, "POST", CFG, good, None, 401, -1, what="no token")
    snms.fails(n, "POST", CFG, site(NODE + ".999999", ipType="4",
                                    ip="192.0.2.1", tcpPort="1"), op, 404,
               -2, what="unknown prefix")
    n.redis_cli("HSET", "pfx:{%s}" % p2, "state", "0")
    try:
        snms.fails(n, "POST", CFG, good, t2, 409, -2,
                   what="a disabled prefix", message="not enabled")
    finally:
        n.redis_cli("HSET", "pfx:{%s}" % p2, "state", "1")
    snms.ok(n, "POST", CFG, good, t2, what="owner, once enabled again")
