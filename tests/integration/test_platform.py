"""Platforms: the systems an enterprise registers to write on its behalf
(registry/plat): create, list, log in as one, delete (its tokens die)."""
import re

from harness import Group, check, eq
import snms

g = Group("platforms")

PLAT = "/snms/api/platform"
WHOAMI = "/identity/whoami"


def create(n, token, name="ERP 主系统", kind="erp"):
    d = snms.ok(n, "POST", PLAT, {"name": name, "kind": kind}, token,
                what="create platform %r" % name)
    snms.remember(n, d["secret"])
    return d


@g.test("create -> list -> log in as the platform: role platform, its "
        "enterprise's USCC; the secret is shown once and stored only as a "
        "verifier")
def _(n):
    e = snms.uscc(1)
    t = snms.account(n, "pe1", "enterprise", e)
    d = create(n, t)
    check(re.match(r"^pf-[0-9a-f]{16}$", d["keyId"]), "keyId %r" % d["keyId"])
    check(re.match(r"^[0-9a-f]{64}$", d["secret"]), "secret %r" % d["secret"])
    eq((d["name"], d["kind"]), ("ERP 主系统", "erp"), "answer")
    d2 = create(n, t, "MES", "mes")
    lst = snms.ok(n, "GET", PLAT, token=t)
    eq(sorted(x["keyId"] for x in lst), sorted([d["keyId"], d2["keyId"]]),
       "listed once each")
    eq({x["keyId"]: (x["name"], x["kind"]) for x in lst},
       {d["keyId"]: ("ERP 主系统", "erp"), d2["keyId"]: ("MES", "mes")},
       "list contents")
    for x in lst:
        eq(sorted(x), ["created", "keyId", "kind", "name"], "list fields")
        check(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", x["created"]),
              "created %r" % x["created"])
    pt = snms.login(n, d["keyId"], d["secret"])
    eq(snms.ok(n, "GET", WHOAMI, token=pt),
       {"username": d["keyId"], "role": "platform", "enterprise": e},
       "whoami as the platform")
    rec = n.redis_cli("HGETALL", "user:{%s}" % d["keyId"]).stdout
    check(d["secret"] not in rec, "the secret is stored in Redis")
    check("pbkdf2-sha256$" in rec, "no password verifier: %r" % rec)
    members = n.redis_cli("SMEMBERS", "plats:{%s}" % e).stdout.split()
    eq(sorted(members), sorted([d["keyId"], d2["keyId"]]), "plats set")
    snms.no_secret_in_log(n)


@g.test("a platform manages no platforms and no enterprise; staff manage "
        "no platforms; no token is 401")
def _(n):
    e = snms.uscc(2)
    t = snms.account(n, "pe2", "enterprise", e)
    d = create(n, t)
    pt = snms.login(n, d["keyId"], d["secret"])
    rev = snms.account(n, "prev", "reviewer")
    op = snms.account(n, "pop", "operator")
    for tok, who in ((pt, "platform"), (rev, "reviewer"), (op, "operator")):
        snms.fails(n, "POST", PLAT, {"name": "x", "kind": "erp"}, tok, 403,
                   -3, what="%s creates a platform" % who)
        snms.fails(n, "GET", PLAT, None, tok, 403, -3,
                   what="%s lists platforms" % who)
        snms.fails(n, "DELETE", PLAT, {"keyId": d["keyId"]}, tok, 403, -3,
                   what="%s deletes a platform" % who)
    snms.fails(n, "POST", "/snms/api/ent/apply",
               {"uscc": e, "entNameCn": "x"}, pt, 403, -3,
               what="platform applies")
    snms.fails(n, "POST", "/snms/api/ent/review",
               {"uscc": e, "action": "start"}, pt, 403, -3,
               what="platform reviews")
    for method, body in (("POST", {"name": "x", "kind": "erp"}),
                         ("GET", None), ("DELETE", {"keyId": "x"})):
        snms.fails(n, method, PLAT, body, None, 401, -1,
                   what="%s without a token" % method)


@g.test("delete: only the owner; the platform's tokens stop working at "
        "once and it cannot log in again")
def _(n):
    e, e2 = snms.uscc(3), snms.uscc(4)
    t = snms.account(n, "pe3", "enterprise", e)
    t2 = snms.account(n, "pe4", "enterprise", e2)
    d = create(n, t)
    pt = snms.login(n, d["keyId"], d["secret"])
    snms.fails(n, "DELETE", PLAT, {"keyId": d["keyId"]}, t2, 403, -3,
               what="another enterprise deletes it", message="another")
    snms.ok(n, "GET", WHOAMI, token=pt, what="still works after that")
    snms.fails(n, "DELETE", PLAT, {"keyId": "pf-0000000000000000"}, t, 404,
               -2, what="unknown platform")
    snms.fails(n, "DELETE", PLAT, {"keyId": "pe4"}, t, 404, -2,
               what="an enterprise account is no platform")
    snms.fails(n, "DELETE", PLAT, {"keyId": "a b"}, t, 404, -2,
               what="an impossible name")
    for body, msg in (({}, "keyId is required"), ({"keyId": 5}, "string"),
                      ('{"keyId":', "malformed JSON"), ("[]", "object")):
        snms.fails(n, "DELETE", PLAT, body, t, 400, -2,
                   what="delete body %r" % (body,), message=msg)
    eq(snms.ok(n, "DELETE", PLAT, {"keyId": d["keyId"]}, t), True, "delete")
    snms.fails(n, "GET", WHOAMI, None, pt, 401, -1,
               what="the deleted platform's token", message="no longer")
    snms.fails(n, "POST", "/identity/token",
               {"username": d["keyId"], "password": d["secret"]}, None, 401,
               -2, what="log in as the deleted platform")
    eq(snms.ok(n, "GET", PLAT, token=t), [], "list after delete")
    eq(n.redis_cli("SMEMBERS", "plats:{%s}" % e).stdout.strip(), "",
       "plats set after delete")
    snms.fails(n, "DELETE", PLAT, {"keyId": d["keyId"]}, t, 404, -2,
               what="delete twice")
    check("\nplatform.delete\n" in
          n.redis_cli("XRANGE", "audit", "-", "+").stdout,
          "no platform.delete in the audit stream")


@g.test("any deleted account's tokens are refused (the account check of "
        "every registry call)")
def _(n):
    t = snms.account(n, "gone", "operator")
    snms.ok(n, "GET", WHOAMI, token=t)
    n.redis_cli("DEL", "user:{gone}")
    snms.fails(n, "GET", WHOAMI, None, t, 401, -1, message="no longer")


@g.test("bad bodies: unknown kind, missing or oversize name, malformed "
        "JSON; the cap of 64 platforms per enterprise")
def _(n):
    e = snms.uscc(5)
    t = snms.account(n, "pe5", "enterprise", e)
    for body, msg in (({"name": "x", "kind": "crm"}, "kind must be"),
                      ({"name": "x", "kind": "ERP"}, "kind must be"),
                      ({"name": "x"}, "kind is required"),
                      ({"kind": "erp"}, "name is required"),
                      ({"name": "n" * 65, "kind": "erp"}, "longer than 64"),
                      ({"name": 3, "kind": "erp"}, "string"),
                      ('{"name":"x",', "malformed JSON")):
        snms.fails(n, "POST", PLAT, body, t, 400, -2,
                   what="create %r" % (body,), message=msg)
    create(n, t, "名" * 64, "trace")
    # fill the set to the cap with members that have no account
    n.redis_cli("SADD", "plats:{%s}" % e, *["pf-fake%02d" % i
                                             for i in range(63)])
    snms.fails(n, "POST", PLAT, {"name": "one more", "kind": "other"}, t, 409,
               -2, message="at most 64")
    eq([x["name"] for x in snms.ok(n, "GET", PLAT, token=t)], ["名" * 64],
       "members without an account are not listed")
