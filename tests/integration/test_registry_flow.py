"""The whole registry path through HTTP with real tokens, nothing
written to Redis by hand: an enterprise applies, a reviewer approves
and a prefix is allocated, the enterprise registers a platform and a
template, the platform registers identifiers, partners resolve them
over UDP, TCP and HTTP, and another enterprise cannot touch them."""
import json

import data
from harness import Group, check, eq
import ents
import snms

NODE_PREFIX = "88.300"
g = Group("registry flow", records=[data.ALL],
          config={"node_prefix": NODE_PREFIX})

TPL = {"prefix": None, "version": "pump-v1", "industryCategory": "C",
       "industrySpecific": "34", "industryTrade": "344",
       "industrySubclass": "3441", "type": 1, "description": "离心泵",
       "items": [
           {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
            "required": True,
            "metadata": {"type": "string", "minLength": 1,
                         "maxLength": 32}},
           {"name": "型号", "idType": "model", "idIndex": 2001,
            "required": True,
            "metadata": {"type": "string", "minLength": 1,
                         "maxLength": 32}},
           {"name": "生产日期", "idType": "mfgDate", "idIndex": 2002,
            "metadata": {"type": "string", "minLength": 10,
                         "maxLength": 10}}]}


def ident(handle, serial, model="CP-200", date=None):
    vals = [{"index": 2000, "type": "serialNo",
             "data": {"format": "string", "value": serial}},
            {"index": 2001, "type": "model",
             "data": {"format": "string", "value": model}}]
    if date:
        vals.append({"index": 2002, "type": "mfgDate",
                     "data": {"format": "string", "value": date}})
    return {"handle": handle, "templateVersion": "pump-v1", "value": vals}


def udp_texts(n, handle, transport="udp"):
    r = n.resolve(handle, transport=transport)
    if r.rcode != 1:
        return r.rcode
    return {v["index"]: (v["type"], v["data"].decode()) for v in r.values}


@g.test("enterprise -> review -> prefix -> platform -> template -> "
        "identifiers -> resolution, with real tokens; another enterprise "
        "is refused everywhere; the audit log has it all")
def _(n):
    op, rev = ents.staff(n)
    e = snms.USCC_EXAMPLE
    t = snms.account(n, "pumpworks", "enterprise", e)
    profile = {"uscc": e, "entNameCn": "福州泵业有限公司", "entAddrCn": "福州市",
               "entIndustry": "C", "entWebSite": "https://pump.example.cn",
               "entDesc": "离心泵", "contactName": "林工",
               "contactPhone": "0591-88880000",
               "contactEmail": "ops@pump.example.cn"}
    # Not yet approved: no prefix, so no template and no identifier.
    snms.ok(n, "POST", ents.APPLY, profile, t)
    snms.fails(n, "POST", ents.REVIEW, {"uscc": e, "action": "approve"}, t,
               403, -3, what="an enterprise reviewing itself")
    ents.review(n, rev, e, "start")
    d = ents.review(n, rev, e, "approve")
    prefix = d["prefix"]
    check(prefix.startswith(NODE_PREFIX + "."), "prefix %r" % prefix)
    q = snms.ok(n, "GET", "/snms/api/prefix/query?prefix=" + prefix,
                token=t)
    eq((q["prefix"], q["status"], q["entNameCn"]),
       (prefix, 1, profile["entNameCn"]), "prefix query")

    plat = snms.ok(n, "POST", "/snms/api/platform",
                   {"name": "MES line 3", "kind": "mes"}, t)
    snms.remember(n, plat["secret"])
    pt = snms.login(n, plat["keyId"], plat["secret"])
    eq(snms.ok(n, "GET", "/identity/whoami", token=pt)["enterprise"], e,
       "the platform acts for its enterprise")

    snms.ok(n, "POST", "/snms/api/v5/template", dict(TPL, prefix=prefix), t)
    items = [ident("%s/PUMP-2026-%06d" % (prefix, i), "SN%d" % i,
                   date="2026-11-%02d" % (1 + i % 28)) for i in range(200)]
    res = snms.ok(n, "POST", "/identityv2/data/batchCreate", items, pt)
    eq([r["code"] for r in res], [1] * 200, "batch codes")

    h = "%s/PUMP-2026-%06d" % (prefix, 17)
    want = {1001: ("TEMPLATE", "pump-v1"), 2000: ("serialNo", "SN17"),
            2001: ("model", "CP-200"), 2002: ("mfgDate", "2026-11-18")}
    eq(udp_texts(n, h), want, "UDP resolution")
    eq(udp_texts(n, h, "tcp"), want, "TCP resolution")
    p = n.idctl("resolve", "--json", h)
    eq(p.returncode, 0, "idctl resolve (stderr %r)" % p.stderr)
    eq({v["index"]: v["data"]["value"] for v in json.loads(p.stdout)
        ["values"]}, {k: v[1] for k, v in want.items()}, "idctl resolve")
    st, j, _, _ = n.http_json("/api/handles/" + h)
    eq((st, len(j["values"])), (200, 4), "HTTP resolution")
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=" + h)
    eq((st, j["status"], j["data"]["templateVersion"]), (200, 1, "pump-v1"),
       "SNMS detail")

    # A second enterprise, approved too, owns nothing of the first's.
    e2, t2, _ = ents.admitted(n)
    before = snms.redis_many(n, [["DUMP", "h:{%s}" % h]])
    snms.fails(n, "POST", "/identityv2/data",
               ident("%s/INTRUDER" % prefix, "X"), t2, 403, -3)
    snms.fails(n, "PUT", "/identityv2/data", ident(h, "X"), t2, 403, -3)
    snms.fails(n, "DELETE", "/identityv2/data", {"handle": h}, t2, 403, -3)
    res = snms.ok(n, "DELETE", "/identityv2/data/batchDelete", [h], t2)
    eq(res[0]["code"], -3, "batch delete in another's prefix")
    snms.fails(n, "PUT", "/snms/api/v5/template", dict(TPL, prefix=prefix),
               t2, 403, -3)
    eq(snms.redis_many(n, [["DUMP", "h:{%s}" % h]]), before,
       "the identifier after the other enterprise's attempts")
    eq(udp_texts(n, "%s/INTRUDER" % prefix), 100, "nothing created")

    # Who did what: the operator's view of the audit log.
    audit = snms.ok(n, "GET", "/snms/api/audit?count=1000", token=op)
    acts = [(x["action"], x["who"], x["result"]) for x in audit["entries"]]
    for want_act in (("ent.apply", "pumpworks", "ok"),
                     ("tpl.create", "pumpworks", "ok"),
                     ("ident.create", plat["keyId"], "ok")):
        check(want_act in acts, "audit lacks %r: %r" % (want_act, acts[:20]))
    eq(sum(1 for a in acts if a[0] == "ident.create" and a[2] == "ok"), 200,
       "one audit entry per identifier")
    check(any(a[1] == "ent%d" % ents._count[0] and a[2] != "ok"
              for a in acts), "the refused attempts are audited")
    # All but the harness's own `idctl import` of the group's records.
    other = [x for x in audit["entries"] if x["addr"] != "127.0.0.1"
             and x["action"] != "ident.import"]
    eq(other, [], "HTTP audit entries without the client's address")
    snms.no_secret_in_log(n)


@g.test("USCC: the domain notes' example is accepted; a wrong check "
        "character, bad length, bad characters are refused with reasons")
def _(n):
    e = snms.uscc(900)
    t = snms.account(n, "uscc-probe", "enterprise", e)
    base = {"entNameCn": "测试", "entAddrCn": "福州", "entIndustry": "C",
            "contactName": "张", "contactPhone": "0591-88880000", "contactEmail": "a@b.c"}
    for code, why in (("91350100M000100Y44", "expected 3"),
                      ("91350100M000100Y4", "18"),
                      ("91350100M000100YI3", "except I, O"),
                      ("", None)):
        snms.fails(n, "POST", ents.APPLY, dict(base, uscc=code), t, 400, -2,
                   what="apply with %r" % code, message=why)
    # A valid code that is not the account's enterprise.
    snms.fails(n, "POST", ents.APPLY,
               dict(base, uscc=snms.USCC_EXAMPLE), t, 403, -3)
    snms.ok(n, "POST", ents.APPLY, dict(base, uscc=e), t)


@g.test("a store that refuses writes (Redis out of memory): 500 status -4, "
        "nothing written; writes work again once it recovers")
def _(n):
    e, t, prefix = ents.admitted(n)
    snms.ok(n, "POST", "/snms/api/v5/template", dict(TPL, prefix=prefix), t)
    h = prefix + "/OOM-1"
    n.redis_cli("CONFIG", "SET", "maxmemory", "1")
    try:
        snms.fails(n, "POST", "/identityv2/data", ident(h, "S"), t, 500, -4)
    finally:
        n.redis_cli("CONFIG", "SET", "maxmemory", "0")
    eq(snms.redis_many(n, [["EXISTS", "h:{%s}" % h]]), [0], "nothing written")
    snms.ok(n, "POST", "/identityv2/data", ident(h, "S"), t)


@g.test("an enterprise running its own node: ent/config marks its prefix "
        "not hosted, and resolving under it answers with a referral to "
        "that node (UDP and TCP 302, HTTP 300); hosting it again ends that")
def _(n):
    e, t, prefix = ents.admitted(n)
    h = prefix + "/VALVE-1"
    eq(n.resolve(h).rcode, 100, "before: not found here")
    snms.ok(n, "POST", "/snms/api/ent/config", {"entPrefixConfig": {
        "entPrefix": prefix, "hdlType": "HS_SITE", "ipType": "4",
        "ip": "127.0.0.9", "tcpPort": "2643", "udpPort": "2643",
        "httpPort": "8080"}}, t)
    for transport in ("udp", "tcp"):
        r = n.resolve(h, transport=transport)
        eq(r.rcode, 302, "%s: SERVICE_REFERRAL" % transport)
        eq([v["type"] for v in r.values], ["HS_SITE"], "%s values" % transport)
        # The server address of the site: 12 zero bytes then 127.0.0.9.
        check(bytes(12) + bytes([127, 0, 0, 9]) in r.values[0]["data"],
              "%s: the enterprise node's address in HS_SITE" % transport)
    st, j, _, _ = n.http_json("/api/handles/" + h)
    eq((st, j["responseCode"]), (300, 302), "HTTP referral")
    snms.ok(n, "POST", "/snms/api/ent/config",
            {"proxyServerId": 1, "entPrefixConfig": {"entPrefix": prefix}}, t)
    eq(n.resolve(h).rcode, 100, "hosted again: not found here")
