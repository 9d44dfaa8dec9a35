"""Enterprises: application, review workflow, prefix allocation on
approval, change and cancellation requests, query and paging
(registry/ent, registry/review)."""
import re
import urllib.parse

from harness import Group, check, eq
import ents
from ents import APPLY, REVIEW, CHANGE, CANCEL, QUERY, PAGE
import snms

NODE = "88.123"
GHR = "工业互联网标识解析国家顶级节点--北京"
g = Group("enterprises", config={"node_prefix": NODE, "ghr_name": GHR})

staff, enterprise, review = ents.staff, ents.enterprise, ents.review
admitted, query, hash_of, race = (ents.admitted, ents.query, ents.hash_of,
                                  ents.race)


@g.test("apply -> start -> approve with real tokens: the enterprise is "
        "approved and gets <node_prefix>.<n>, hosted and enabled")
def _(n):
    op, rev = staff(n)
    e, t, body = enterprise(n)
    d = snms.ok(n, "POST", APPLY, body, t)
    eq(d, {"uscc": e, "state": "submitted"}, "apply answer")
    q = query(n, t, e)
    eq(q["state"], "submitted", "state after apply")
    for k in ("entNameCn", "entAddrCn", "entIndustry", "entWebSite",
              "entDesc", "contactName", "contactPhone", "contactEmail"):
        eq(q[k], body[k], "query " + k)
    check(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", q["createDate"]),
          "createDate %r is not yyyy-MM-dd HH:mm:ss" % q["createDate"])
    eq(review(n, rev, e, "start")["state"], "reviewing", "after start")
    d = review(n, op, e, "approve")
    eq(d["state"], "approved", "after approve")
    p = d["prefix"]
    check(re.match(r"^88\.123\.\d+$", p), "prefix %r not under %s" % (p, NODE))
    q = query(n, rev, e)
    eq((q["state"], q["prefix"]), ("approved", p), "query after approval")
    rec = hash_of(n, "pfx:{%s}" % p)
    eq((rec.get("ent"), rec.get("state"), rec.get("proxy")), (e, "1", "4"),
       "pfx record (ent, state 启用, proxy 已托管)")
    check(rec.get("c") and rec.get("u") and rec.get("id"),
          "pfx record lacks c/u/id: %r" % rec)
    eq(p.rsplit(".", 1)[1], rec["id"], "a generated prefix ends in its id")
    score = n.redis_cli("ZSCORE", "idx:pfx", p).stdout.strip()
    eq(score, rec["c"], "idx:pfx score = created time")
    pq = snms.ok(n, "GET", "/snms/api/prefix/query?prefix=" + p, token=t)
    eq((pq["prefix"], pq["status"], pq["entNameCn"], pq["ghrName"]),
       (p, 1, body["entNameCn"], GHR), "prefix query after approval")
    audit = n.redis_cli("XRANGE", "audit", "-", "+").stdout
    for act in ("ent.apply", "ent.apply.start", "ent.apply.approve",
                "pfx.create"):
        check("\n%s\n" % act in audit, "no %s in the audit stream" % act)
    snms.no_secret_in_log(n)


@g.test("USCC: the worked example 91350100M000100Y43 is accepted; a wrong "
        "check character is refused naming the expected one")
def _(n):
    e = snms.USCC_EXAMPLE
    t = snms.account(n, "fz-example", "enterprise", e)
    snms.ok(n, "POST", APPLY, {"uscc": e, "entNameCn": "例子"}, t)
    eq(query(n, t, e)["uscc"], e, "stored uscc")
    for bad, msg in (("91350100M000100Y44", "expected 3"),
                     ("91350100M000100Y4Z", "uscc"),
                     ("91350100M000100Y4", "18 characters"),
                     ("91350100M00O100Y43", "only digits"),
                     ("", "uscc is required")):
        snms.fails(n, "POST", APPLY, {"uscc": bad, "entNameCn": "例子"}, t,
                   400, -2, what="apply with uscc %r" % bad, message=msg)
    snms.fails(n, "GET", QUERY + "91350100M000100Y44", None, t, 400, -2,
               message="expected 3")
    # lower case is the same code
    eq(query(n, t, e.lower())["uscc"], e, "query by lower-case uscc")


@g.test("no token: 401 status -1 on every enterprise route")
def _(n):
    for method, path, body in (("POST", APPLY, {}), ("POST", REVIEW, {}),
                               ("POST", CHANGE, {}), ("POST", CANCEL, {}),
                               ("GET", QUERY + snms.uscc(1), None),
                               ("GET", PAGE, None)):
        snms.fails(n, method, path, body, None, 401, -1,
                   what="%s %s without a token" % (method, path))


@g.test("roles: a reviewer cannot apply, an enterprise cannot review or "
        "page, a platform cannot apply, change or cancel; an enterprise "
        "reads only its own record")
def _(n):
    op, rev = staff(n)
    e, t, body = enterprise(n)
    snms.fails(n, "POST", APPLY, body, rev, 403, -3, what="reviewer applies")
    snms.fails(n, "POST", APPLY, body, op, 403, -3, what="operator applies")
    snms.ok(n, "POST", APPLY, body, t)
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "start"}, t, 403, -3,
               what="enterprise reviews itself")
    snms.fails(n, "GET", PAGE, None, t, 403, -3, what="enterprise pages")
    pf = snms.account(n, "plat-ent-%s" % e, "platform", e)
    for path in (APPLY, CHANGE, CANCEL):
        snms.fails(n, "POST", path, body, pf, 403, -3,
                   what="platform %s" % path)
    e2, t2, body2 = enterprise(n)
    snms.fails(n, "POST", APPLY, body, t2, 403, -3,
               what="apply for another enterprise's uscc",
               message="own enterprise")
    snms.fails(n, "GET", QUERY + e, None, t2, 403, -3,
               what="query another enterprise")
    eq(query(n, pf, e)["uscc"], e, "a platform reads its enterprise")
    snms.fails(n, "GET", QUERY + e2, None, t2, 404, -2,
               what="query own enterprise before applying")


@g.test("review workflow: every invalid transition is 409 -2 with the "
        "reason; bad review bodies are 400; an unknown enterprise is 404")
def _(n):
    op, rev = staff(n)
    e, t, body = enterprise(n)
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "start"}, rev, 404,
               -2, what="review before any application")
    snms.ok(n, "POST", APPLY, body, t)
    for action in ("approve", "reject"):
        snms.fails(n, "POST", REVIEW,
                   {"uscc": e, "action": action, "reason": "r"}, rev, 409,
                   -2, what="%s a submitted application" % action,
                   message="start the review first")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "start",
                                   "kind": "change"}, rev, 409, -2,
               message="no pending change request")
    review(n, rev, e, "start")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "start"}, rev, 409,
               -2, what="start twice", message="reviewing, not submitted")
    snms.fails(n, "POST", APPLY, body, t, 409, -2,
               what="resubmit while under review")
    for bad, msg in (({"uscc": e, "action": "reject"}, "reason"),
                     ({"uscc": e, "action": "ok"}, "action must be"),
                     ({"uscc": e, "action": "start", "kind": "x"},
                      "kind must be"),
                     ({"uscc": e}, "action is required"),
                     ({"action": "start"}, "uscc is required"),
                     ({"uscc": e, "action": 1}, "must be a string"),
                     ({"uscc": e, "action": "reject",
                       "reason": "x" * 257}, "longer than 256")):
        snms.fails(n, "POST", REVIEW, bad, rev, 400, -2,
                   what="review body %r" % (bad,), message=msg)
    d = review(n, rev, e, "reject", reason="营业执照不清晰")
    eq(d["state"], "rejected", "after reject")
    q = query(n, t, e)
    eq((q["state"], q["reason"]), ("rejected", "营业执照不清晰"),
       "rejection and its reason")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "start"}, rev, 409,
               -2, what="start a rejected application")
    # resubmission after rejection; the old reason goes
    body["entDesc"] = "补充材料"
    snms.ok(n, "POST", APPLY, body, t)
    q = query(n, t, e)
    eq((q["state"], q["reason"], q["entDesc"]),
       ("submitted", None, "补充材料"), "after resubmission")
    review(n, rev, e, "start")
    review(n, rev, e, "approve")
    snms.fails(n, "POST", APPLY, body, t, 409, -2,
               what="apply once approved", message="change request")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "approve"}, rev, 409,
               -2, what="approve twice")


@g.test("two reviewers deciding one application at once: exactly one "
        "wins, the other gets 409")
def _(n):
    op, rev = staff(n)
    for i in range(6):
        e, t, body = enterprise(n)
        snms.ok(n, "POST", APPLY, body, t)
        review(n, rev, e, "start")
        res = race([
            lambda: snms.call(n, "POST", REVIEW,
                              {"uscc": e, "action": "approve"}, op),
            lambda: snms.call(n, "POST", REVIEW,
                              {"uscc": e, "action": "reject",
                               "reason": "no"}, rev)])
        codes = sorted(st for st, _, _ in res)
        eq(codes, [200, 409], "round %d: HTTP statuses of approve vs "
           "reject (%r)" % (i, [r[2] for r in res]))
        st = query(n, rev, e)["state"]
        winner = "approved" if res[0][0] == 200 else "rejected"
        eq(st, winner, "round %d: the state is the winner's" % i)
        owned = [p for p in n.redis_cli("ZRANGE", "idx:pfx", "0", "-1")
                 .stdout.split() if hash_of(n, "pfx:{%s}" % p)
                 .get("ent") == e]
        eq(len(owned), 1 if winner == "approved" else 0,
           "round %d: prefixes of the enterprise" % i)


@g.test("concurrent approvals of different enterprises get different "
        "prefixes")
def _(n):
    op, rev = staff(n)
    ents = []
    for i in range(8):
        e, t, body = enterprise(n)
        snms.ok(n, "POST", APPLY, body, t)
        review(n, rev, e, "start")
        ents.append(e)
    res = race([(lambda e=e: snms.call(n, "POST", REVIEW,
                                       {"uscc": e, "action": "approve"},
                                       rev if i % 2 else op))
                for i, e in enumerate(ents)])
    prefixes = []
    for (st, j, raw), e in zip(res, ents):
        eq(st, 200, "approval of %s (%r)" % (e, raw))
        prefixes.append(j["data"]["prefix"])
        eq(hash_of(n, "pfx:{%s}" % prefixes[-1]).get("ent"), e,
           "owner of %s" % prefixes[-1])
    eq(len(set(prefixes)), len(prefixes), "distinct prefixes %r" % prefixes)


@g.test("a requested prefix: allocated when free; refused at apply when "
        "taken, outside node_prefix or malformed; approval refused if "
        "taken meanwhile; generated numbers skip taken prefixes")
def _(n):
    op, rev = staff(n)
    seq = int(n.redis_cli("GET", "seq:pfx").stdout.strip() or 0)
    # the next two numbers: one for the requested prefix's id, then the
    # generated one, which must skip the prefix taken by the request
    want = "%s.%d" % (NODE, seq + 2)
    e, t, p = admitted(n, entPrefix=want.lower())
    eq(p, want, "the requested prefix (normalised)")
    e2, t2, p2 = admitted(n)
    eq(p2, "%s.%d" % (NODE, seq + 3), "generated prefix skips %s" % want)
    e3, t3, body3 = enterprise(n, entPrefix=want)
    snms.fails(n, "POST", APPLY, body3, t3, 409, -2,
               what="apply for a taken prefix", message="already taken")
    for bad, msg in (("88.999.5", "under this node's prefix"),
                     ("88.123", "under this node's prefix"),
                     ("88.123..5", "dot-separated"),
                     ("88.123.5/x", "dot-separated"),
                     ("88.123." + "9" * 60, "longer than 64")):
        body3["entPrefix"] = bad
        snms.fails(n, "POST", APPLY, body3, t3, 400, -2,
                   what="entPrefix %r" % bad, message=msg)
    # the longest prefix there is (64 characters) works the same way
    longest = NODE + "." + "9" * (64 - len(NODE) - 1)
    eq(admitted(n, entPrefix=longest)[2], longest, "a 64-character prefix")
    body3["entPrefix"] = longest
    snms.fails(n, "POST", APPLY, body3, t3, 409, -2,
               what="apply for a taken 64-character prefix",
               message="already taken")
    # two applications ask for one free prefix: the second approval fails
    free = "%s.77777" % NODE
    e4, t4, body4 = enterprise(n, entPrefix=free)
    e5, t5, body5 = enterprise(n, entPrefix=free)
    snms.ok(n, "POST", APPLY, body4, t4)
    snms.ok(n, "POST", APPLY, body5, t5)
    review(n, rev, e4, "start")
    review(n, rev, e5, "start")
    eq(review(n, rev, e4, "approve")["prefix"], free, "first approval")
    snms.fails(n, "POST", REVIEW, {"uscc": e5, "action": "approve"}, rev,
               409, -2, what="second approval of the same prefix",
               message="already taken")
    eq(query(n, rev, e5)["state"], "reviewing",
       "the refused approval changed nothing")


@g.test("a reviewer's prefix: approval allocates it over the requested "
        "one; refused when taken, outside node_prefix or not an approval "
        "of an application")
def _(n):
    _, rev = staff(n)
    e, t, body = enterprise(n, entPrefix="%s.4040" % NODE)
    snms.ok(n, "POST", APPLY, body, t)
    review(n, rev, e, "start")
    for bad, msg in (("88.999.5", "under this node's prefix"),
                     ("88.123..5", "dot-separated"),
                     (5, "prefix must be a string")):
        snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "approve",
                                       "prefix": bad}, rev, 400, -2,
                   what="prefix %r" % (bad,), message=msg)
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "reject",
                                   "reason": "x", "prefix": NODE + ".7"},
               rev, 400, -2, what="a prefix on a rejection",
               message="only for approving an application")
    _, _, taken = admitted(n)
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "approve",
                                   "prefix": taken}, rev, 409, -2,
               what="a taken prefix", message="already taken; choose another")
    eq(query(n, rev, e)["state"], "reviewing", "refusals changed nothing")
    d = snms.ok(n, "POST", REVIEW, {"uscc": e, "action": "approve",
                                    "prefix": "%s.chosen" % NODE}, rev)
    eq(d["prefix"], "%s.CHOSEN" % NODE, "the reviewer's prefix, normalised")
    eq(query(n, rev, e)["prefix"], d["prefix"], "the enterprise's prefix")
    eq(hash_of(n, "pfx:{%s}" % d["prefix"]).get("ent"), e, "pfx owner")
    eq(n.redis_cli("EXISTS", "pfx:{%s.4040}" % NODE).stdout.strip(), "0",
       "the requested prefix was not allocated")


@g.test("change requests: submitted, reviewed, applied on approval; "
        "rejected with a reason; refused before approval")
def _(n):
    op, rev = staff(n)
    e, t, body = enterprise(n)
    snms.ok(n, "POST", APPLY, body, t)
    snms.fails(n, "POST", CHANGE, {"entAddrCn": "厦门"}, t, 409, -2,
               what="change before approval", message="resubmit")
    review(n, rev, e, "start")
    review(n, rev, e, "approve")
    snms.fails(n, "POST", CHANGE, {}, t, 400, -2, what="empty change",
               message="at least one")
    snms.fails(n, "POST", CHANGE, {"entPrefix": "88.123.9"}, t, 400, -2,
               what="change the prefix", message="entPrefix cannot")
    snms.fails(n, "POST", CHANGE, {"entNameCn": ""}, t, 400, -2,
               what="clear the name")
    snms.fails(n, "POST", CHANGE, {"uscc": snms.uscc(3), "entDesc": "x"}, t,
               403, -3, what="change another enterprise")
    snms.ok(n, "POST", CHANGE, {"entAddrCn": "厦门", "entWebSite": ""}, t)
    q = query(n, t, e)
    eq(q["request"]["kind"], "change", "pending request kind")
    eq(q["request"]["changes"], {"entAddrCn": "厦门", "entWebSite": ""},
       "pending changes")
    eq(q["entAddrCn"], body["entAddrCn"], "profile unchanged while pending")
    # a resubmitted change replaces the pending one
    snms.ok(n, "POST", CHANGE, {"entAddrCn": "泉州", "entWebSite": ""}, t)
    snms.fails(n, "POST", CANCEL, {}, t, 409, -2,
               what="cancel while a change is pending",
               message="change request is pending")
    review(n, rev, e, "start", kind="change")
    snms.fails(n, "POST", CHANGE, {"entDesc": "y"}, t, 409, -2,
               what="change while under review", message="under review")
    review(n, op, e, "approve", kind="change")
    q = query(n, t, e)
    eq((q["entAddrCn"], q["entWebSite"], q["request"], q["state"]),
       ("泉州", None, None, "approved"), "after the change is approved")
    snms.ok(n, "POST", CHANGE, {"entDesc": "新简介"}, t)
    review(n, rev, e, "start", kind="change")
    review(n, rev, e, "reject", kind="change", reason="不符合")
    q = query(n, t, e)
    eq((q["entDesc"], q["request"], q["requestReason"]),
       (body["entDesc"], None, "不符合"), "after the change is rejected")


@g.test("cancellation: on approval the enterprise is cancelled and its "
        "prefix disabled (state 0)")
def _(n):
    op, rev = staff(n)
    e, t, p = admitted(n)
    snms.fails(n, "POST", CANCEL, {"reason": "x" * 257}, t, 400, -2,
               message="longer than 256")
    snms.ok(n, "POST", CANCEL, {"reason": "停业"}, t)
    q = query(n, t, e)
    eq((q["request"]["kind"], q["request"]["note"]), ("cancel", "停业"),
       "pending cancellation")
    review(n, rev, e, "start", kind="cancel")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "approve",
                                   "kind": "change"}, rev, 409, -2,
               what="approve a change that is not pending")
    review(n, op, e, "approve", kind="cancel")
    eq(query(n, t, e)["state"], "cancelled", "state after cancellation")
    eq(hash_of(n, "pfx:{%s}" % p).get("state"), "0", "prefix state 停用")
    eq(snms.ok(n, "GET", "/snms/api/prefix/query?prefix=" + p,
               token=rev)["status"], 0, "prefix query status")
    for path, b in ((CHANGE, {"entDesc": "x"}), (CANCEL, {}),
                    (APPLY, {"uscc": e, "entNameCn": "x"})):
        snms.fails(n, "POST", path, b, t, 409, -2,
                   what="%s after cancellation" % path)


@g.test("field limits and checks: oversize, wrong types, bad industry, "
        "phone, e-mail; malformed JSON and non-object bodies")
def _(n):
    e, t, body = enterprise(n)
    ok_name = "名" * 128
    cases = [("entNameCn", "名" * 129, "longer than 128"),
             ("entNameCn", None, "entNameCn is required"),
             ("entNameCn", 5, "must be a string"),
             ("entNameCn", "a\nb", "control character"),
             ("entAddrCn", "址" * 257, "longer than 256"),
             ("entDesc", "d" * 1001, "longer than 1000"),
             ("entWebSite", "w" * 256, "longer than 255"),
             ("entWebSite", "http://a b", "spaces"),
             ("entIndustry", "U", "A-T"),
             ("entIndustry", "c", "A-T"),
             ("entIndustry", "AB", "longer than 1"),
             ("contactName", "n" * 65, "longer than 64"),
             ("contactPhone", "call me", "digits"),
             ("contactPhone", "1" * 33, "longer than 32"),
             ("contactEmail", "ops.example.cn", "e-mail"),
             ("contactEmail", "a@b@c.cn", "e-mail"),
             ("contactEmail", "a@" + "b" * 130 + ".cn", "longer than 128")]
    for field, value, msg in cases:
        b = dict(body)
        if value is None:
            del b[field]
        else:
            b[field] = value
        snms.fails(n, "POST", APPLY, b, t, 400, -2,
                   what="%s=%r" % (field, value), message=msg)
    body["entNameCn"] = ok_name
    snms.ok(n, "POST", APPLY, body, t, what="a 128-character name")
    eq(query(n, t, e)["entNameCn"], ok_name, "stored name")
    for raw, msg in (('{"uscc": ', "malformed JSON"),
                     ('{"a":1,"a":2}', "malformed JSON"),
                     ("[1]", "JSON object"), ('"x"', "JSON")):
        snms.fails(n, "POST", APPLY, raw, t, 400, -2, what="body %r" % raw,
                   message=msg)
        snms.fails(n, "POST", REVIEW, raw, staff(n)[1], 400, -2,
                   what="review body %r" % raw, message=msg)


@g.test("paging: Spring page fields, currentPage/pageSize, filters by "
        "state and entName, bad parameters 400")
def _(n):
    op, rev = staff(n)
    tag = "翻页测试"
    made = []
    for i in range(5):
        e, t, body = enterprise(n, entNameCn="%s%d" % (tag, i))
        snms.ok(n, "POST", APPLY, body, t)
        made.append(e)
    review(n, rev, made[0], "start")
    base = PAGE + "?entName=" + urllib.parse.quote(tag)
    d = snms.ok(n, "GET", base + "&pageSize=2", token=rev)
    eq({k: d[k] for k in ("first", "last", "totalPages", "totalElements",
                          "number", "size", "numberOfElements")},
       {"first": True, "last": False, "totalPages": 3, "totalElements": 5,
        "number": 1, "size": 2, "numberOfElements": 2}, "page 1 of 2")
    seen = [r["uscc"] for r in d["content"]]
    d3 = snms.ok(n, "GET", base + "&pageSize=2&currentPage=3", token=op)
    eq((d3["last"], d3["first"], d3["numberOfElements"]), (True, False, 1),
       "page 3")
    d2 = snms.ok(n, "GET", base + "&pageSize=2&currentPage=2", token=op)
    seen += [r["uscc"] for r in d2["content"] + d3["content"]]
    eq(seen, made, "pages in creation order, each row once")
    row = d["content"][0]
    eq(sorted(row), sorted(["uscc", "entNameCn", "state", "prefix",
                            "createDate", "updateDate", "request"]),
       "row fields")
    d = snms.ok(n, "GET", base + "&state=reviewing", token=rev)
    eq([r["uscc"] for r in d["content"]], made[:1], "state filter")
    d = snms.ok(n, "GET", base + "3", token=rev)
    eq([r["uscc"] for r in d["content"]], made[3:4], "name filter")
    d = snms.ok(n, "GET", base + "&currentPage=9", token=rev)
    eq((d["content"], d["totalElements"]), ([], 5), "a page past the end")
    d = snms.ok(n, "GET", base + "&currentPage=&pageSize=", token=rev)
    eq((d["number"], d["size"]), (1, 10), "empty parameters are defaults")
    for q, msg in (("pageSize=0", "pageSize"), ("pageSize=1001", "pageSize"),
                   ("pageSize=abc", "pageSize"), ("currentPage=-1",
                                                  "currentPage"),
                   ("state=approvedx", "state must be")):
        snms.fails(n, "GET", PAGE + "?" + q, None, rev, 400, -2,
                   what="page ?" + q, message=msg)
    d = snms.ok(n, "GET", PAGE + "?pageSize=1000", token=rev)
    check(d["totalElements"] >= 5, "all enterprises: %r" % d["totalElements"])


gn = Group("enterprises without node_prefix")


@gn.test("approval without node_prefix: refused unless the application "
         "names its prefix")
def _(n):
    rev = snms.account(n, "rev", "reviewer")
    e = snms.uscc(1)
    t = snms.account(n, "e1", "enterprise", e)
    snms.ok(n, "POST", APPLY, {"uscc": e, "entNameCn": "无前缀"}, t)
    review(n, rev, e, "start")
    snms.fails(n, "POST", REVIEW, {"uscc": e, "action": "approve"}, rev, 409,
               -2, message="node_prefix")
    eq(n.redis_cli("KEYS", "pfx:*").stdout.strip(), "", "no prefix made")
    e2 = snms.uscc(2)
    t2 = snms.account(n, "e2", "enterprise", e2)
    snms.ok(n, "POST", APPLY, {"uscc": e2, "entNameCn": "有前缀",
                               "entPrefix": "88.5.1"}, t2)
    review(n, rev, e2, "start")
    eq(review(n, rev, e2, "approve")["prefix"], "88.5.1", "asked prefix")
    eq(query(n, t2, e2)["prefix"], "88.5.1", "query")
