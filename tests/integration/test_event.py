"""Lifecycle events (registry/event, docs/trace.md): appending, listing
with filters and paging, the lifecycle summary (corrections, open
warnings), who may append and who sees what, custom stages from the
identifier's template, every refusal, the per-identifier cap, the audit
log, the lifecycle state `_lc` on the identifier (kept by updates, never
resolved as a value) and events surviving an idnode restart."""
import datetime
import urllib.parse

from harness import Group, check, eq
import ents
import snms

CAP = 12
g = Group("lifecycle events", config={"node_prefix": "88.778",
                                      "event_max_per_handle": CAP})

EV = "/api/events/"
LC = "/api/lifecycle/"
GR = "/api/grants/"
TPL = "/snms/api/v5/template"
DATA = "/identityv2/data"


def template(prefix, version="v1", stages=None):
    t = {"prefix": prefix, "version": version, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]}
    if stages is not None:
        t["stages"] = stages
    return t


def item(h, serial, version="v1"):
    return {"handle": h, "templateVersion": version, "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": serial}}]}


def owner(n, stages=None):
    """An approved enterprise with template v1: (uscc, token, prefix)."""
    e, t, p = ents.admitted(n)
    snms.ok(n, "POST", TPL, template(p, stages=stages), t)
    return e, t, p


def ident(n, t, p, suffix, version="v1"):
    h = p + "/" + suffix
    snms.ok(n, "POST", DATA, item(h, "SN-" + suffix, version), t)
    return h


def at(day, hour=10):
    return "2024-03-%02dT%02d:00:00Z" % (day, hour)


def add(n, h, body, t):
    return snms.ok(n, "POST", EV + h, body, t)


def listing(n, h, query="", t=None):
    return snms.ok(n, "GET", EV + h + query, token=t)


def summary(n, h, t=None):
    return snms.ok(n, "GET", LC + h, token=t)


def lc(n, h):
    v = snms.hgetall(n, "h:{%s}" % h).get(b"_lc")
    return None if v is None else v.decode()


@g.test("append: the stored event is answered, listed in recording order, "
        "kept in ev:{H}, and _lc holds the latest stage and holder")
def _(n):
    e, t, p = owner(n)
    holder = snms.uscc(9001)
    h = ident(n, t, p, "PUMP-1")
    eq(lc(n, h), None, "no lifecycle state before any event")
    a = add(n, h, {"stage": "production", "time": at(1),
                   "location": "福州 plant 2, line 3",
                   "attrs": {"batch": "B-7", "hours": 12.5, "ok": True,
                             "count": 3}}, t)
    eq(sorted(a), sorted(["id", "stage", "time", "recorded", "enterprise",
                          "by", "location", "holder", "attrs", "corrects",
                          "closes", "public"]), "members")
    eq((a["stage"], a["time"], a["enterprise"], a["location"], a["holder"],
        a["attrs"], a["corrects"], a["closes"], a["public"]),
       ("production", at(1), e, "福州 plant 2, line 3", None,
        {"batch": "B-7", "hours": 12.5, "ok": True, "count": 3}, None, [],
        True), "stored event")
    check(a["by"].startswith("ent"), "by is the account: %r" % a["by"])
    ms = int(a["id"].split("-")[0])
    rec = datetime.datetime.fromisoformat(a["recorded"].replace("Z",
                                                                 "+00:00"))
    eq(int(rec.timestamp() * 1000), ms, "recorded is the id's time")
    eq(lc(n, h), "production -", "_lc with no holder yet")
    b = add(n, h, {"stage": "delivery", "holder": holder.lower(),
                   "time": "2024-03-02T18:00:00+08:00"}, t)
    eq((b["holder"], b["time"]), (holder, "2024-03-02T10:00:00Z"),
       "holder upper-cased, time in UTC")
    eq(lc(n, h), "delivery " + holder, "_lc names the holder")
    c = add(n, h, {"stage": "maintenance", "public": False}, t)
    eq(lc(n, h), "maintenance " + holder, "the holder carries over")
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    ct = datetime.datetime.fromisoformat(c["time"].replace("Z", "+00:00"))
    check(abs(ct.timestamp() - now) < 120, "default time is now: %r"
          % c["time"])
    d = listing(n, h, t=t)
    eq([x["id"] for x in d["events"]], [a["id"], b["id"], c["id"]],
       "recording order")
    eq(d["events"][0], a, "listed as answered")
    eq((d["handle"], d["next"]), (h, None), "handle, no next")
    eq(n.redis_cli("XLEN", "ev:{%s}" % h).stdout.strip(), "3", "XLEN")
    # Percent-encoded and lower-case prefix name the same identifier.
    d = listing(n, p.lower() + "%2F" + "PUMP-1", t=t)
    eq(len(d["events"]), 3, "percent-encoded path")


@g.test("list: stage and time filters, limit, paging with next and after")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "LIST-1")
    stages = ["design", "production", "warning", "fault", "maintenance",
              "warning", "delivery", "recycling"]
    ids = [add(n, h, {"stage": s, "time": at(i + 1)}, t)["id"]
           for i, s in enumerate(stages)]
    d = listing(n, h, "?stage=warning,fault", t)
    eq([x["id"] for x in d["events"]], [ids[2], ids[3], ids[5]],
       "stage filter")
    d = listing(n, h, "?from=" + urllib.parse.quote(at(3)) + "&to="
                + urllib.parse.quote("2024-03-05T18:00:00+08:00"), t)
    eq([x["id"] for x in d["events"]], ids[2:5], "from/to on time")
    got, q = [], "?limit=3"
    for _ in range(5):
        d = listing(n, h, q, t)
        got += [x["id"] for x in d["events"]]
        if d["next"] is None:
            break
        check(len(d["events"]) == 3, "a full page before next")
        q = "?limit=3&after=" + d["next"]
    eq(got, ids, "paged with next")
    d = listing(n, h, "?limit=4", t)
    eq(d["next"], ids[3], "next is the last id of a full page")
    d = listing(n, h, "?limit=8", t)
    eq(d["next"], None, "no next when the page holds the last event")
    d = listing(n, h, "?stage=warning&limit=1&after=" + ids[2], t)
    eq([x["id"] for x in d["events"]], [ids[5]], "after with a filter")
    for q, word in [("?limit=0", "limit"), ("?limit=1001", "limit"),
                    ("?limit=x", "limit"), ("?stage=Warning", "stage"),
                    ("?stage=a,,b", "stage"), ("?from=2024-03-01", "from"),
                    ("?to=yesterday", "to"), ("?after=12", "after")]:
        snms.fails(n, "GET", EV + h + q, None, t, 400, -2, message=word)


@g.test("corrections: a correction of a missing event is refused; the "
        "summary shows the correction instead of the corrected event")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "CORR-1")
    a = add(n, h, {"stage": "production", "time": at(1),
                   "location": "wrong line"}, t)
    add(n, h, {"stage": "delivery", "time": at(2)}, t)
    snms.fails(n, "POST", EV + h, {"stage": "production",
                                   "corrects": "1-0"}, t, 400, -2,
               message="corrects")
    snms.fails(n, "POST", EV + h, {"stage": "production",
                                   "corrects": "1-x"}, t, 400, -2,
               message="corrects")
    c = add(n, h, {"stage": "production", "time": at(1),
                   "location": "line 3", "corrects": a["id"]}, t)
    eq(c["corrects"], a["id"], "corrects stored")
    s = summary(n, h, t)
    eq(s["stages"]["production"], c, "the correction stands for it")
    eq((s["events"], s["corrections"], s["status"], s["partial"]),
       (3, 1, "production", False), "counts and status")
    eq(len(listing(n, h, t=t)["events"]), 3, "the listing keeps both")
    # A second correction of the same event replaces the first.
    c2 = add(n, h, {"stage": "production", "location": "line 4",
                    "corrects": a["id"]}, t)
    s = summary(n, h, t)
    eq((s["stages"]["production"]["id"], s["corrections"], s["events"]),
       (c2["id"], 2, 4), "the latest correction stands")
    # What closed a warning closes its correction; a warning corrected
    # into another stage is no warning any more.
    w = add(n, h, {"stage": "warning", "attrs": {"t": 90}}, t)
    f = add(n, h, {"stage": "fault"}, t)
    add(n, h, {"stage": "maintenance", "closes": [w["id"]]}, t)
    w2 = add(n, h, {"stage": "warning", "attrs": {"t": 95},
                    "corrects": w["id"]}, t)
    add(n, h, {"stage": "installation", "corrects": f["id"]}, t)
    s = summary(n, h, t)
    eq((s["openWarnings"], s["stages"]["warning"]["id"], s["status"]),
       ([], w2["id"], "installation"), "closure carried to the correction")
    check("fault" not in s["stages"], "the corrected fault is gone: %r"
          % sorted(s["stages"]))


@g.test("closes and open warnings: by id, by a maintenance without "
        "closes; a closed event must exist and be a warning or fault")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "WARN-1")
    w1 = add(n, h, {"stage": "warning", "attrs": {"code": "T-1"}}, t)
    f1 = add(n, h, {"stage": "fault"}, t)
    w2 = add(n, h, {"stage": "warning"}, t)
    s = summary(n, h, t)
    eq([x["id"] for x in s["openWarnings"]], [w1["id"], f1["id"], w2["id"]],
       "all open")
    add(n, h, {"stage": "maintenance", "closes": [w1["id"]]}, t)
    eq([x["id"] for x in summary(n, h, t)["openWarnings"]],
       [f1["id"], w2["id"]], "closed by id")
    d = add(n, h, {"stage": "delivery"}, t)
    snms.fails(n, "POST", EV + h, {"stage": "maintenance",
                                   "closes": [d["id"]]}, t, 400, -2,
               message="not a warning")
    snms.fails(n, "POST", EV + h, {"stage": "maintenance",
                                   "closes": [f1["id"], "5-0"]}, t, 400, -2,
               message="closes")
    eq([x["id"] for x in summary(n, h, t)["openWarnings"]],
       [f1["id"], w2["id"]], "refused closes closed nothing")
    add(n, h, {"stage": "maintenance"}, t)
    w3 = add(n, h, {"stage": "warning"}, t)
    s = summary(n, h, t)
    eq([x["id"] for x in s["openWarnings"]], [w3["id"]],
       "a maintenance without closes closes all before it")
    eq((s["status"], s["stages"]["warning"]["id"]), ("warning", w3["id"]),
       "status and last warning")


@g.test("append rights: another enterprise 403 -3 until the owner grants "
        "event on the identifier or its prefix; anonymous 401; staff 403")
def _(n):
    _, t, p = owner(n)
    partner, pt, _ = ents.admitted(n)
    h1, h2 = ident(n, t, p, "G-1"), ident(n, t, p, "G-2")
    body = {"stage": "maintenance", "location": "site"}
    snms.fails(n, "POST", EV + h1, body, pt, 403, -3)
    snms.fails(n, "POST", EV + h1, body, None, 401, -1)
    op, _ = ents.staff(n)
    snms.fails(n, "POST", EV + h1, body, op, 403, -3)
    snms.ok(n, "POST", GR + h1, {"grantee": partner, "scopes": ["event"]}, t)
    ev = add(n, h1, body, pt)
    eq(ev["enterprise"], partner, "the grantee recorded it")
    snms.fails(n, "POST", EV + h2, body, pt, 403, -3)
    snms.ok(n, "POST", GR + p, {"grantee": partner, "scopes": ["event"]}, t)
    add(n, h2, body, pt)
    snms.ok(n, "POST", GR + p, {"grantee": partner, "scopes": ["read"]}, t)
    snms.fails(n, "POST", EV + h2, body, pt, 403, -3,
               what="a read grant does not let append")
    eq(len(listing(n, h2, t=t)["events"]), 1, "one event on h2")


@g.test("visibility: events that are not public are hidden from anonymous "
        "callers and event-only grantees, shown to the owner and read "
        "grantees, in listings and summaries")
def _(n):
    _, t, p = owner(n)
    reader, rt, _ = ents.admitted(n)
    writer, wt, _ = ents.admitted(n)
    h = ident(n, t, p, "VIS-1")
    snms.ok(n, "POST", GR + h, {"grantee": reader, "scopes": ["read"]}, t)
    snms.ok(n, "POST", GR + p, {"grantee": writer, "scopes": ["event"]}, t)
    pub = add(n, h, {"stage": "production"}, t)
    hid = add(n, h, {"stage": "fault", "public": False,
                     "holder": snms.uscc(9002)}, wt)
    eq(hid["public"], False, "stored not public")
    for who, tok in [("anonymous", None), ("event grantee", wt)]:
        d = listing(n, h, t=tok)
        eq([x["id"] for x in d["events"]], [pub["id"]], who + " list")
        s = summary(n, h, tok)
        eq((s["events"], sorted(s["stages"]), s["openWarnings"],
            s["holder"], s["status"]),
           (1, ["production"], [], None, "production"), who + " summary")
    for who, tok in [("owner", t), ("read grantee", rt)]:
        d = listing(n, h, t=tok)
        eq([x["id"] for x in d["events"]], [pub["id"], hid["id"]],
           who + " list")
        s = summary(n, h, tok)
        eq(([x["id"] for x in s["openWarnings"]], s["holder"]),
           ([hid["id"]], snms.uscc(9002)), who + " summary")
    snms.fails(n, "GET", EV + h, None, "0" * 64, 401, -1,
               what="a bad token is refused, not ignored")


@g.test("custom stages: a template's stages are accepted for identifiers "
        "of that template only; GET returns them; PUT adds, never removes")
def _(n):
    _, t, p = owner(n, stages=[{"code": "calibration", "name": "校准"}])
    snms.ok(n, "POST", TPL, template(p, "v2"), t)
    a, b = ident(n, t, p, "CAL-1"), ident(n, t, p, "CAL-2", "v2")
    ev = add(n, a, {"stage": "calibration"}, t)
    eq(ev["stage"], "calibration", "custom stage on a v1 identifier")
    snms.fails(n, "POST", EV + b, {"stage": "calibration"}, t, 400, -2,
               message="stage calibration")
    snms.fails(n, "POST", EV + a, {"stage": "painting"}, t, 400, -2,
               message="stage painting")
    got = snms.ok(n, "GET", TPL + "?prefix=%s&version=v1" % p, token=t)
    eq(got["stages"], [{"code": "calibration", "name": "校准"}], "GET")
    snms.ok(n, "PUT", TPL, template(p, stages=[
        {"code": "painting", "name": "喷漆"}]), t)
    snms.ok(n, "PUT", TPL, template(p), t)
    got = snms.ok(n, "GET", TPL + "?prefix=%s&version=v1" % p, token=t)
    eq([s["code"] for s in got["stages"]], ["calibration", "painting"],
       "PUT added one, removed none")
    add(n, a, {"stage": "painting"}, t)
    eq(summary(n, a, t)["status"], "painting", "custom stage in summary")
    for stages, word in [([{"code": "fault", "name": "x"}], "built-in"),
                         ([{"code": "Cal", "name": "x"}], "code"),
                         ([{"code": "c1", "name": ""}], "name"),
                         ([{"code": "c1", "name": "x"},
                           {"code": "c1", "name": "y"}], "used by"),
                         ([{"code": "c%d" % i, "name": "x"}
                           for i in range(33)], "at most 32")]:
        snms.fails(n, "POST", TPL, template(p, "v9", stages), t, 400, -2,
                   message=word)


@g.test("bad bodies: each field refused with 400 -2 naming it; nothing "
        "stored")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "BAD-1")
    future = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    bad = [
        ({}, "stage"), ({"stage": 3}, "stage"), ({"stage": "Maint"}, "stage"),
        ({"stage": "x" * 33}, "stage"), ({"stage": "made-up"}, "stage"),
        ({"stage": "design", "time": "2024-03-01 10:00:00"}, "time"),
        ({"stage": "design", "time": "2024-02-30T10:00:00Z"}, "time"),
        ({"stage": "design", "time": "1969-12-31T23:59:59Z"}, "time"),
        ({"stage": "design", "time": future}, "time"),
        ({"stage": "design", "location": "x" * 256}, "location"),
        ({"stage": "design", "location": "a\nb"}, "location"),
        ({"stage": "design", "holder": "91350100M000100Y44"}, "holder"),
        ({"stage": "design", "holder": 5}, "holder"),
        ({"stage": "design", "attrs": []}, "attrs"),
        ({"stage": "design", "attrs": {"k": None}}, "attrs.k"),
        ({"stage": "design", "attrs": {"k": {"x": 1}}}, "attrs.k"),
        ({"stage": "design", "attrs": {"k": "x" * 1025}}, "attrs.k"),
        ({"stage": "design", "attrs": {"k" * 65: 1}}, "attrs"),
        ({"stage": "design", "attrs": {"k%d" % i: i for i in range(65)}},
         "attrs"),
        ({"stage": "design", "corrects": 7}, "corrects"),
        ({"stage": "design", "closes": "1-0"}, "closes"),
        ({"stage": "design", "closes": ["1-0", "1-0"]}, "closes[1]"),
        ({"stage": "design", "closes": ["%d-0" % i for i in range(65)]},
         "closes"),
        ({"stage": "design", "public": "no"}, "public"),
        ({"stage": "design", "colour": "red"}, "colour"),
    ]
    for body, word in bad:
        snms.fails(n, "POST", EV + h, body, t, 400, -2, message=word,
                   what="body %.80r" % (body,))
    snms.fails(n, "POST", EV + h, "[1]", t, 400, -2)
    # Limits are inclusive.
    add(n, h, {"stage": "design", "location": "é" * 255,
               "attrs": {"k" * 64: "é" * 1024}}, t)
    add(n, h, {"stage": "design", "attrs": {"k%d" % i: i
                                            for i in range(64)}}, t)
    eq(n.redis_cli("XLEN", "ev:{%s}" % h).stdout.strip(), "2",
       "only the good ones stored")


@g.test("unknown identifiers and prefixes: 404 on every route; a bad "
        "path 400")
def _(n):
    _, t, p = owner(n)
    for path in [p + "/NOPE", "88.999.1/X"]:
        snms.fails(n, "POST", EV + path, {"stage": "design"}, t, 404, -2)
        snms.fails(n, "GET", EV + path, None, None, 404, -2)
        snms.fails(n, "GET", LC + path, None, t, 404, -2)
    snms.fails(n, "POST", EV + "no-slash", {"stage": "design"}, t, 400, -2)
    snms.fails(n, "GET", LC + p, None, t, 400, -2, what="a bare prefix")
    eq(n.redis_cli("EXISTS", "ev:{%s/NOPE}" % p).stdout.strip(), "0",
       "no stream made")


@g.test("the per-identifier cap (event_max_per_handle) refuses with 409")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "CAP-1")
    for i in range(CAP):
        add(n, h, {"stage": "maintenance"}, t)
    snms.fails(n, "POST", EV + h, {"stage": "maintenance"}, t, 409, -2,
               message="event_max_per_handle")
    eq(n.redis_cli("XLEN", "ev:{%s}" % h).stdout.strip(), str(CAP), "XLEN")


@g.test("audit: event.append entries for appends and refusals")
def _(n):
    e, t, p = owner(n)
    h = ident(n, t, p, "AUD-1")
    add(n, h, {"stage": "design"}, t)
    snms.fails(n, "POST", EV + h, {"stage": "nope"}, t, 400, -2)
    rows = snms.redis_many(n, [["XRANGE", "audit", "-", "+"]])[0]
    got = []
    for _, f in rows:
        f = dict(zip(f[0::2], f[1::2]))
        if f.get(b"act") == b"event.append" and f[b"tgt"] == h.encode():
            got.append((f[b"ent"].decode(), f[b"res"].decode()))
    eq(len(got), 2, "two entries: %r" % got)
    eq(got[0], (e, "ok"), "the append")
    check(got[1][1].startswith("stage nope"), "the refusal: %r" % got[1][1])


@g.test("_lc: an identifier update keeps it; resolution (UDP, HTTP, SNMS "
        "detail) never shows it")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "UPD-1")
    add(n, h, {"stage": "delivery", "holder": snms.uscc(9003)}, t)
    want = "delivery " + snms.uscc(9003)
    eq(lc(n, h), want, "_lc before")
    snms.ok(n, "PUT", DATA, item(h, "SN-2"), t)
    eq(lc(n, h), want, "_lc after PUT /identityv2/data")
    check(b"SN-2" in snms.hgetall(n, "h:{%s}" % h).get(b"2000", b""),
          "values rewritten")
    r = n.resolve(h)
    eq(sorted(v["index"] for v in r.values), [1001, 2000], "UDP values")
    st, j, _, _ = n.http_json("/api/handles/" + h)
    eq(sorted(v["index"] for v in j["values"]), [1001, 2000], "HTTP values")
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle="
                              + urllib.parse.quote(h))
    eq(sorted(v["index"] for v in j["data"]["value"]), [1001, 2000],
       "SNMS detail values")
    add(n, h, {"stage": "maintenance"}, t)
    eq(lc(n, h), "maintenance " + snms.uscc(9003), "the holder carries on")


@g.test("events are in Redis: still listed after idnode restarts")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "RST-1")
    ids = [add(n, h, {"stage": s}, t)["id"]
           for s in ("production", "delivery")]
    problems = n.stop_idnode()
    eq(problems, [], "clean stop")
    n.start_idnode()
    eq([x["id"] for x in listing(n, h)["events"]], ids, "after restart")
    eq(summary(n, h)["status"], "delivery", "summary after restart")


gl = Group("lifecycle events, long history", config={"node_prefix": "88.779"})


@gl.test("a long history: a listing scans a bounded number of entries "
         "and hands back next; a summary reads the latest 10000 and says "
         "partial")
def _(n):
    _, t, p = owner(n)
    h = ident(n, t, p, "LONG-1")
    key = "ev:{%s}" % h
    total = 25000
    cmds = [["XADD", key, "*", "s", "production", "t", str(1700000000000 + i),
             "e", snms.uscc(1), "b", "bulk"] for i in range(total - 1)]
    for i in range(0, len(cmds), 5000):
        snms.redis_many(n, cmds[i:i + 5000])
    last = add(n, h, {"stage": "fault", "public": False}, t)
    first = listing(n, h, "?stage=fault", t)
    eq(first["events"], [], "nothing in the first 20000 entries")
    check(first["next"] is not None, "next to go on from")
    second = listing(n, h, "?stage=fault&after=" + first["next"], t)
    eq(([x["id"] for x in second["events"]], second["next"]),
       ([last["id"]], None), "found on the next call")
    s = summary(n, h, t)
    eq((s["events"], s["partial"], s["status"],
        [x["id"] for x in s["openWarnings"]]),
       (10000, True, "fault", [last["id"]]), "owner summary")
    s = summary(n, h)
    eq((s["events"], s["partial"], s["status"], s["openWarnings"]),
       (9999, True, "production", []), "anonymous summary")
    d = listing(n, h, "?limit=1000")
    eq((len(d["events"]), d["next"] is not None), (1000, True), "a full page")
