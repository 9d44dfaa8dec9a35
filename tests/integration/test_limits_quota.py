"""Registry abuse limits: per-prefix registration quotas (the default
quota_per_prefix and an operator's override), enforced in the identifier
write script so concurrent batches never store more than the quota; and
the per-enterprise write rate limit (limit_ent_write_*), which refuses
exactly past the bucket whoever of the enterprise's accounts writes."""
import time

import ents
import snms
from harness import Group, check, eq

DATA = "/identityv2/data"
BATCH = DATA + "/batchCreate"
QUOTA = "/snms/api/prefix/quota"
TPL = "/snms/api/v5/template"
VERSION = "q-v1"
DEFAULT_QUOTA = 25


def setup(n, i, prefix):
    e = snms.uscc(300 + i)
    snms.prefix_record(n, prefix, e)
    t = snms.account(n, "quota-ent-%d" % i, "enterprise", e)
    snms.ok(n, "POST", TPL, {"prefix": prefix, "version": VERSION, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]},
        t)
    return e, t


def item(handle):
    return {"handle": handle, "templateVersion": VERSION, "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": handle}}]}


def stored(n, prefix):
    out = n.redis_cli("--scan", "--pattern", "h:{%s/*" % prefix).stdout
    return len([x for x in out.split("\n") if x])


def metric(n, name):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", n.admin_port, timeout=5)
    try:
        c.request("GET", "/metrics")
        for line in c.getresponse().read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return line
    finally:
        c.close()
    return None


q = Group("limits quota", config={"quota_per_prefix": DEFAULT_QUOTA,
                                  "limit_ent_write_rate": 0})


@q.test("quota: 4 concurrent batches of 10 under a quota of 25 store "
        "exactly 25; the other 15 are refused with a clear message")
def _(n):
    prefix = "88.950.1"
    e, t = setup(n, 1, prefix)
    batches = [[item("%s/B%d-%02d" % (prefix, b, i)) for i in range(10)]
               for b in range(4)]
    outs = ents.race([
        (lambda body=body: snms.call(n, "POST", BATCH, body, t))
        for body in batches])
    ok = refused = 0
    for st, j, raw in outs:
        check(j and isinstance(j.get("data"), list), "batch answer %r"
              % raw[:300])
        for r in j["data"]:
            if r["code"] == 1:
                ok += 1
            else:
                check("quota" in r["msg"], "refusal message %r" % r["msg"])
                refused += 1
    eq((ok, refused), (DEFAULT_QUOTA, 15), "(created, refused)")
    eq(stored(n, prefix), DEFAULT_QUOTA, "identifiers stored")
    d = snms.ok(n, "GET", QUOTA + "?prefix=" + prefix, token=t)
    eq((d["count"], d["max"], d["override"], d["default"]),
       (DEFAULT_QUOTA, DEFAULT_QUOTA, None, DEFAULT_QUOTA), "quota view")
    st, j, raw = snms.call(n, "POST", DATA, item(prefix + "/ONE-MORE"), t)
    eq((st, j["status"]), (403, -2), "single create over quota")
    check("quota" in j["message"], "message %r" % j["message"])
    line = metric(n, "idnode_quota_refused_total")
    check(line and int(line.split()[-1]) >= 16, "metric: %r" % line)


@q.test("quota: an operator's override raises or removes it; enterprises "
        "may not set it; a delete frees a place")
def _(n):
    prefix = "88.950.2"
    e, t = setup(n, 2, prefix)
    op = snms.account(n, "quota-op", "operator")
    body = [item("%s/A-%02d" % (prefix, i)) for i in range(DEFAULT_QUOTA)]
    snms.ok(n, "POST", BATCH, body, t)
    snms.fails(n, "PUT", QUOTA, {"prefix": prefix, "max": 100}, t, 403, -3,
               what="enterprise sets its own quota")
    snms.fails(n, "PUT", QUOTA, {"prefix": prefix, "max": -1}, op, 400, -2,
               what="negative quota")
    snms.ok(n, "PUT", QUOTA, {"prefix": prefix, "max": 27}, op)
    got = [snms.call(n, "POST", DATA, item("%s/X-%d" % (prefix, i)), t)[0]
           for i in range(3)]
    eq(got, [200, 200, 403], "creates under an override of 27")
    snms.ok(n, "DELETE", DATA, {"handle": prefix + "/X-0"}, t)
    eq(snms.call(n, "POST", DATA, item(prefix + "/X-9"), t)[0], 200,
       "a create after a delete")
    snms.ok(n, "PUT", QUOTA, {"prefix": prefix, "max": None}, op)
    d = snms.ok(n, "GET", QUOTA + "?prefix=" + prefix, token=op)
    eq((d["count"], d["max"], d["override"]), (27, DEFAULT_QUOTA, None),
       "back to the default")
    eq(snms.call(n, "POST", DATA, item(prefix + "/X-10"), t)[0], 403,
       "over the default again")
    snms.ok(n, "PUT", QUOTA, {"prefix": prefix, "max": 0}, op)
    eq(snms.call(n, "POST", DATA, item(prefix + "/X-11"), t)[0], 200,
       "max 0: no quota")
    eq(stored(n, prefix), 28, "identifiers stored")


ENT_BURST = 10
w = Group("limits enterprise", config={"limit_ent_write_rate": 1,
                                       "limit_ent_write_burst": ENT_BURST})


@w.test("enterprise write limit: 20 concurrent creates from two accounts "
        "of one enterprise -> the burst passes, the rest 429 status -1 and "
        "not stored; reads and another enterprise are not limited")
def _(n):
    prefix = "88.951.1"
    e, t = setup(n, 3, prefix)
    t2 = snms.account(n, "quota-ent-3b", "enterprise", e)
    other_e, other_t = setup(n, 4, "88.951.2")
    time.sleep(1.2)  # the template write's token is back: a full bucket
    t0 = time.monotonic()
    outs = ents.race([
        (lambda i=i: snms.call(n, "POST", DATA, item("%s/W-%02d" % (prefix, i)),
                               t if i % 2 else t2))
        for i in range(20)])
    elapsed = time.monotonic() - t0
    ok = [o for o in outs if o[0] == 200]
    limited = [o for o in outs if o[0] == 429]
    eq(len(ok) + len(limited), 20, "answers: %r" % [o[0] for o in outs])
    check(ENT_BURST <= len(ok) <= ENT_BURST + int(elapsed) + 1,
          "%d created in %.2f s (burst %d, 1/s)" % (len(ok), elapsed,
                                                     ENT_BURST))
    for st, j, raw in limited:
        eq(j["status"], -1, "status of a limited write")
        check("rate limit" in j["message"], "message %r" % j["message"])
    eq(stored(n, prefix), len(ok), "identifiers stored")
    snms.ok(n, "GET", "/snms/api/prefix/query?prefix=" + prefix, token=t)
    snms.ok(n, "POST", DATA, item("88.951.2/OTHER"), other_t)
    line = metric(n, "idnode_limited_total")
    check(line is not None, "no idnode_limited_total")
