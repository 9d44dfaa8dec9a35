"""Helpers of the enterprise, prefix and platform tests: staff accounts,
enterprises that applied or were approved, races."""
import threading

import snms

APPLY = "/snms/api/ent/apply"
REVIEW = "/snms/api/ent/review"
CHANGE = "/snms/api/ent/change"
CANCEL = "/snms/api/ent/cancel"
QUERY = "/snms/api/ent/query?uscc="
PAGE = "/snms/api/ent/page"

_staff = {}
_count = [100]


def staff(n):
    """(operator token, reviewer token), made once per node."""
    if n.dir not in _staff:
        _staff[n.dir] = (snms.account(n, "op", "operator"),
                         snms.account(n, "rev", "reviewer"))
    return _staff[n.dir]


def enterprise(n, **profile):
    """A new enterprise account: (uscc, token, profile to apply with)."""
    _count[0] += 1
    i = _count[0]
    e = snms.uscc(i)
    t = snms.account(n, "ent%d" % i, "enterprise", e)
    body = {"uscc": e, "entNameCn": "企业%d" % i, "entAddrCn": "福州市",
            "entIndustry": "C", "entWebSite": "https://e%d.example.cn" % i,
            "entDesc": "简介", "contactName": "张三",
            "contactPhone": "+86 591-8888-0000",
            "contactEmail": "ops@e%d.example.cn" % i}
    body.update(profile)
    return e, t, body


def review(n, token, e, action, kind=None, reason=None):
    body = {"uscc": e, "action": action}
    if kind:
        body["kind"] = kind
    if reason:
        body["reason"] = reason
    return snms.ok(n, "POST", REVIEW, body, token,
                   what="%s %s of %s" % (action, kind or "apply", e))


def admitted(n, **profile):
    """An approved enterprise: (uscc, token, prefix)."""
    _, rev = staff(n)
    e, t, body = enterprise(n, **profile)
    snms.ok(n, "POST", APPLY, body, t)
    review(n, rev, e, "start")
    d = review(n, rev, e, "approve")
    return e, t, d["prefix"]


def query(n, token, e):
    return snms.ok(n, "GET", QUERY + e, token=token)


def hash_of(n, key):
    out = n.redis_cli("HGETALL", key).stdout.split("\n")
    out = [x for x in out if x != ""]
    return dict(zip(out[0::2], out[1::2]))


def race(fns):
    """Runs the functions at once; returns their results in order."""
    out = [None] * len(fns)
    go = threading.Event()

    def run(i):
        go.wait()
        out[i] = fns[i]()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for th in ts:
        th.start()
    go.set()
    for th in ts:
        th.join(60)
    return out
