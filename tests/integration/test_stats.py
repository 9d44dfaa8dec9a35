"""Usage statistics (core/tally, ops/stats, registry/statapi, idctl
stats): a known mix of resolutions over UDP, TCP and HTTP and of
registrations is counted exactly per prefix, by hour and by day, with its
unique clients and top identifiers; who may read what; bad ranges; a
full table; a failed flush; the flush on SIGTERM and on reload."""
import json
import os
import signal
import socket
import time

import promtext
import snms
from harness import (Group, Resp, TestFailure, check, eq, resolution,
                     scaled)
from test_metrics import scrape

FLUSH_MS = 200
STATS = "/api/stats"
TOP = "/api/stats/top"
TPL = "/snms/api/v5/template"
DATA = "/identityv2/data"

P1, P2, P3, P4 = "88.311.1", "88.311.2", "88.311.3", "88.311.4"


def rec(handle):
    return {"handle": handle, "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/" + handle}]}


RECORDS = [rec(h) for h in (P1 + "/A", P1 + "/B", P2 + "/A", P3 + "/A",
                            P4 + "/A")]

g = Group("stats", config={"stats_flush_ms": FLUSH_MS}, records=RECORDS)


def hour_text(t):
    return time.strftime("%Y-%m-%dT%H", time.gmtime(t))


def day_text(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def avoid_hour_edge(margin=20):
    """Waits past the next UTC hour if it is less than `margin` s away:
    tests that count on one hour's table start well inside one."""
    left = 3600 - time.time() % 3600
    if left < scaled(margin):
        time.sleep(left + 0.5)


def query(path, **params):
    return path + "?" + "&".join("%s=%s" % kv for kv in params.items())


def report(n, token, **params):
    return snms.ok(n, "GET", query(STATS, **params), token=token)


def by_prefix(data):
    """{prefix: (summed figures of its periods, its total)}; checks that
    each total is the sum of its periods (uniqueClients aside)."""
    out = {}
    for p in data["prefixes"]:
        s = {k: 0 for k in ("resolutions", "notFound", "errors",
                            "registrations")}
        for r in p["periods"]:
            for k in s:
                s[k] += r[k]
        for k in s:
            eq(p["total"][k], s[k], "%s total %s vs its periods"
               % (p["prefix"], k))
        out[p["prefix"]] = p["total"]
    return out


def figures(t):
    return {k: t[k] for k in ("resolutions", "notFound", "errors",
                              "registrations", "uniqueClients")}


def wait_report(n, token, want, **params):
    """Polls the report until every prefix of `want` shows these figures,
    then once more after a few flushes (no late or double counts);
    returns the last data."""
    deadline = time.monotonic() + scaled(15)
    got = None
    while time.monotonic() < deadline:
        data = report(n, token, **params)
        got = {p: figures(t) for p, t in by_prefix(data).items() if p in want}
        if got == want:
            time.sleep(scaled(4 * FLUSH_MS / 1000))
            data = report(n, token, **params)
            got = {p: figures(t) for p, t in by_prefix(data).items()
                   if p in want}
            eq(got, want, "figures a few flushes later")
            return data
        time.sleep(0.1)
    raise TestFailure("figures %r: expected %r, got %r" % (params, want, got))


def udp_from(n, source, handle, times=1, **kw):
    """Resolves over UDP from a socket bound to `source`; the codes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((source, 0))
        return [Resp(n.udp(resolution(handle, **kw), sock=s)).rcode
                for _ in range(times)]
    finally:
        s.close()


def template(prefix):
    return {"prefix": prefix, "version": "v1", "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]}


def item(handle):
    return {"handle": handle, "templateVersion": "v1", "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": "SN-" + handle[-4:]}}]}


def owner(n, i, prefix):
    """Enterprise i owning `prefix`: (USCC, token of its user)."""
    e = snms.uscc(300 + i)
    snms.prefix_record(n, prefix, e)
    return e, snms.account(n, "stats-ent-%d" % i, "enterprise", e)


def staff(n):
    if not hasattr(staff, "tokens"):
        staff.tokens = {}
    if n.dir not in staff.tokens:
        staff.tokens[n.dir] = (snms.account(n, "stats-op", "operator"),
                               snms.account(n, "stats-rev", "reviewer"))
    return staff.tokens[n.dir]


@g.test("a mix of UDP, TCP and HTTP resolutions and registrations is "
        "counted exactly per prefix, hourly and daily, with unique "
        "clients, top identifiers and retention")
def _(n):
    op, _ = staff(n)
    e1, t1 = owner(n, 1, P1)
    owner(n, 2, P2)
    snms.ok(n, "POST", TPL, template(P1), t1)
    start = time.time()
    codes = (udp_from(n, "127.0.0.2", P1 + "/A", 2) +
             udp_from(n, "127.0.0.2", P1 + "/NOPE") +
             udp_from(n, "127.0.0.3", P1 + "/A") +
             udp_from(n, "127.0.0.3", P1 + "/B") +
             udp_from(n, "127.0.0.3", P1 + "/NOPE"))
    eq(codes, [1, 1, 100, 1, 1, 100], "UDP answers under " + P1)
    codes = (udp_from(n, "127.0.0.1", P2 + "/A", 2) +
             udp_from(n, "127.0.0.1", P2 + "/A", types=["NO-SUCH-TYPE"]))
    eq(codes, [1, 1, 200], "UDP answers under " + P2)
    codes = [n.resolve(h, transport="tcp").rcode
             for h in (P1 + "/A", P1 + "/A", P2 + "/NOPE")]
    eq(codes, [1, 1, 100], "TCP answers")
    codes = [n.http("GET", "/api/handles/%s/A" % P1)[0],
             n.http("GET", "/identityv2/data/detail?handle=%s/A" % P2)[0],
             n.http("GET", "/api/handles/%s/NOPE" % P2)[0]]
    eq(codes, [200, 200, 404], "HTTP answers")
    snms.ok(n, "POST", DATA, item(P1 + "/NEW1"), t1)
    snms.ok(n, "POST", DATA + "/batchCreate",
            [item(P1 + "/NEW2"), item(P1 + "/NEW3")], t1)
    st, j, _ = snms.call(n, "POST", DATA, item(P1 + "/NEW1"), t1)
    check(st != 200, "a second create of NEW1 is refused (got %d)" % st)
    want = {
        P1: {"resolutions": 9, "notFound": 2, "errors": 0,
             "registrations": 3, "uniqueClients": 3},
        P2: {"resolutions": 6, "notFound": 2, "errors": 1,
             "registrations": 0, "uniqueClients": 1},
    }
    end = time.time() + scaled(20)  # the polls below end before this
    wait_report(n, op, want, granularity="hour", **{
        "from": hour_text(start), "to": hour_text(end)})
    data = wait_report(n, op, want, granularity="day", **{
        "from": day_text(start), "to": day_text(end)})
    mine = [p for p in data["prefixes"] if p["prefix"] == P1][0]
    eq(mine["enterprise"], e1, "owner of " + P1)
    check(all(r["period"] in (day_text(start), day_text(end))
              for r in mine["periods"]), "periods are days: %r"
          % mine["periods"])
    top = snms.ok(n, "GET", query(TOP, day=day_text(start), prefix=P1),
                  token=op)
    eq([(x["handle"], x["resolutions"]) for x in top["identifiers"]],
       [(P1 + "/A", 6), (P1 + "/B", 1)], "top identifiers of " + P1)
    top = snms.ok(n, "GET", query(TOP, day=day_text(start), limit=100),
                  token=op)
    order = [x["handle"] for x in top["identifiers"]
             if x["handle"] in (P1 + "/A", P1 + "/B", P2 + "/A")]
    eq(order, [P1 + "/A", P2 + "/A", P1 + "/B"], "top order over prefixes")
    top = snms.ok(n, "GET", query(TOP, day=day_text(start), limit=1),
                  token=op)
    eq(len(top["identifiers"]), 1, "limit 1")
    # Retention: hours 7 days after they end, days 90 (the defaults).
    day = time.strftime("%Y%m%d", time.gmtime(start))
    hh = time.strftime("%H", time.gmtime(start))
    now = time.time()
    hour_end = start - start % 3600 + 3600
    day_end = start - start % 86400 + 86400
    for key, until in (("st:{%s}:ch:%s" % (day, hh), hour_end + 7 * 86400),
                       ("st:{%s}:uh:%s:%s" % (day, hh, P1),
                        hour_end + 7 * 86400),
                       ("st:{%s}:cd" % day, day_end + 90 * 86400),
                       ("st:{%s}:ud:%s" % (day, P1), day_end + 90 * 86400),
                       ("st:{%s}:top:%s" % (day, P1), day_end + 90 * 86400)):
        ttl = int(n.redis_cli("TTL", key).stdout.strip())
        check(abs(now + ttl - until) < 60, "TTL of %s: %d s, expected it "
              "to expire at %d (%d s)" % (key, ttl, until, until - now))


@g.test("an enterprise reads only its own prefixes (403 -3 for another's "
        "prefix or enterprise, a filtered top list); staff read all; "
        "anonymous 401")
def _(n):
    op, rev = staff(n)
    e3, t3 = owner(n, 3, P3)
    e4, t4 = owner(n, 4, P4)
    start = time.time()
    eq(udp_from(n, "127.0.0.1", P3 + "/A", 2), [1, 1], "resolve P3")
    eq(udp_from(n, "127.0.0.1", P4 + "/A"), [1], "resolve P4")
    eq(udp_from(n, "127.0.0.1", "88_3/X"), [100], "a name for 'other'")
    want = {P3: {"resolutions": 2, "notFound": 0, "errors": 0,
                 "registrations": 0, "uniqueClients": 1},
            P4: {"resolutions": 1, "notFound": 0, "errors": 0,
                 "registrations": 0, "uniqueClients": 1}}
    day = {"from": day_text(start), "to": day_text(start + 30)}
    wait_report(n, op, want, **day)
    seen = by_prefix(report(n, rev, **day))
    check({P3, P4, "other"} <= set(seen), "a reviewer sees every prefix and "
          "'other': %r" % sorted(seen))
    mine = report(n, t3, **day)
    eq(sorted(by_prefix(mine)), [P3], "what enterprise 3 sees")
    eq(figures(mine["total"]), want[P3], "its total")
    eq(sorted(by_prefix(report(n, t3, prefix=P3, **day))), [P3],
       "its own prefix")
    eq(sorted(by_prefix(report(n, t3, enterprise=e3, **day))), [P3],
       "its own enterprise")
    eq(sorted(by_prefix(report(n, op, enterprise=e4, **day))), [P4],
       "an operator filtering by enterprise")
    for path in (query(STATS, prefix=P4), query(STATS, enterprise=e4),
                 query(STATS, prefix="88.311.99"),
                 query(TOP, prefix=P4), query(TOP, enterprise=e4)):
        snms.fails(n, "GET", path, None, t3, 403, -3, what=path)
    top = snms.ok(n, "GET", query(TOP, day=day_text(start)), token=t3)
    eq([(x["handle"], x["resolutions"]) for x in top["identifiers"]],
       [(P3 + "/A", 2)], "enterprise 3's top list")
    top = snms.ok(n, "GET", query(TOP, day=day_text(start)), token=t4)
    eq([x["handle"] for x in top["identifiers"]], [P4 + "/A"],
       "enterprise 4's top list")
    for path in (STATS, TOP):
        snms.fails(n, "GET", path, None, None, 401, -1, what=path)


@g.test("bad ranges and parameters are 400 -2")
def _(n):
    op, _ = staff(n)
    bad = [
        query(STATS, granularity="week"),
        query(STATS, granularity="hour", **{"from": "2026-11-23"}),
        query(STATS, **{"from": "2026-11-23T01"}),
        query(STATS, **{"from": "2026-11-24", "to": "2026-11-23"}),
        query(STATS, granularity="hour",
              **{"from": "2026-11-16T13", "to": "2026-11-23T13"}),
        query(STATS, **{"from": "2026-10-23", "to": "2026-11-23"}),
        query(STATS, to="2026-02-30"),
        query(STATS, prefix="88_1"),
        query(STATS, enterprise="SHORT"),
        query(TOP, day="2026-11-23T14"),
        query(TOP, limit=0),
        query(TOP, limit=101),
        query(TOP, limit="1x"),
    ]
    for path in bad:
        snms.fails(n, "GET", path, None, op, 400, -2, what=path)
    # The largest ranges are fine.
    snms.ok(n, "GET", query(STATS, granularity="hour", **{
        "from": "2026-11-16T14", "to": "2026-11-23T13"}), token=op)
    snms.ok(n, "GET", query(STATS, **{
        "from": "2026-10-24", "to": "2026-11-23"}), token=op)
    snms.ok(n, "GET", query(TOP, limit=100), token=op)


@g.test("idctl stats prints what an operator reads through the API")
def _(n):
    op, _ = staff(n)
    today = day_text(time.time())
    day = {"from": today, "to": today}
    before = figures(by_prefix(report(n, op, prefix=P3, **day))[P3])
    eq(udp_from(n, "127.0.0.1", P3 + "/A"), [1], "resolve P3")
    want = dict(before, resolutions=before["resolutions"] + 1)
    api = wait_report(n, op, {P3: want}, prefix=P3, **day)
    p = n.idctl("stats", "--day", today, "--prefix", P3, "--top", "3",
                "--json")
    eq(p.returncode, 0, "idctl stats --json (stderr %r)" % p.stderr)
    cli = json.loads(p.stdout)
    eq(cli["prefixes"], api["prefixes"], "idctl vs the API")
    eq(cli["total"], api["total"], "idctl vs the API: total")
    eq([x["handle"] for x in cli["top"]["identifiers"]], [P3 + "/A"],
       "idctl --top")
    p = n.idctl("stats", "--day", today, "--prefix", P3, "--top", "3")
    eq(p.returncode, 0, "idctl stats (stderr %r)" % p.stderr)
    rows = [line.split() for line in p.stdout.splitlines()]
    res = want["resolutions"]
    check([today, P3, snms.uscc(303), str(res)] in [r[:4] for r in rows],
          "a row for %s with %d resolutions:\n%s" % (P3, res, p.stdout))
    check(any(r[-1:] == [P3 + "/A"] for r in rows), "the top list:\n"
          + p.stdout)
    for args in (["--day", "2026-11-23", "--hour", "2026-11-23T14"],
                 ["--hour", "2026-11-23"], ["--top", "0"], ["--bogus"]):
        eq(n.idctl("stats", *args).returncode, 2, "idctl stats %r" % args)


@g.test("/metrics counts the flushes and what overflowed the tables")
def _(n):
    f = scrape(n)
    ok = promtext.value(f, "idnode_stats_flushes_total", result="ok")
    check(ok >= 1, "flushes ok: %r" % ok)
    eq(promtext.value(f, "idnode_stats_flushes_total", result="failed"), 0,
       "failed flushes")
    for table in ("prefixes", "identifiers", "clients"):
        eq(promtext.value(f, "idnode_stats_overflow_total", table=table), 0,
           "overflow of " + table)


small = Group("stats overflow", config={
    "workers": 1, "stats_flush_ms": FLUSH_MS, "stats_max_prefixes": 3})


@small.test("a full prefix table counts the rest into 'other' and loses "
            "nothing from the totals")
def _(n):
    op, _ = staff(n)
    avoid_hour_edge()
    start = time.time()
    names = ["88.321.%d/X" % i for i in range(1, 7)]
    for h in names:
        eq(udp_from(n, "127.0.0.1", h, 2), [100, 100], h)
    want = {"88.321.%d" % i: {"resolutions": 2, "notFound": 2, "errors": 0,
                              "registrations": 0, "uniqueClients": 1}
            for i in (1, 2, 3)}
    want["other"] = {"resolutions": 6, "notFound": 6, "errors": 0,
                     "registrations": 0, "uniqueClients": 1}
    data = wait_report(n, op, want, granularity="hour",
                       **{"from": hour_text(start), "to": hour_text(start)})
    eq(sorted(by_prefix(data)), sorted(want), "prefixes listed")
    eq((data["total"]["resolutions"], data["total"]["notFound"]), (12, 12),
       "totals")
    eq(promtext.value(scrape(n), "idnode_stats_overflow_total",
                      table="prefixes"), 6, "overflowed counts")


@small.test("a flush that fails (Redis down) is counted and logged, and "
            "the next ones succeed")
def _(n):
    def value(result):
        return promtext.value(scrape(n), "idnode_stats_flushes_total",
                              result=result)

    failed = value("failed")
    n.stop_redis()
    try:
        codes = udp_from(n, "127.0.0.1", "88.322.1/X", 3)
        check(all(c in (2, 3) for c in codes), "answers without Redis: %r"
              % codes)
        deadline = time.monotonic() + scaled(10)
        while value("failed") == failed and time.monotonic() < deadline:
            time.sleep(0.1)
        check(value("failed") > failed, "a failed flush is counted")
        check("event=stats_flush_failed" in n.stderr_text(),
              "a failed flush is logged")
    finally:
        n.start_redis()
    n.wait_redis_links()
    deadline = time.monotonic() + scaled(10)
    ok = value("ok")
    while time.monotonic() < deadline:
        if udp_from(n, "127.0.0.1", "88.322.2/X") == [100] and \
                value("ok") > ok:
            break
        time.sleep(0.2)
    check(value("ok") > ok, "flushes succeed again")


drain = Group("stats drain", config={"stats_flush_ms": 3600000},
              records=[rec("88.331.1/A")])


@drain.test("SIGTERM flushes what was counted: it is in Redis after a "
            "clean stop")
def _(n):
    avoid_hour_edge(40)
    eq(udp_from(n, "127.0.0.1", "88.331.1/A", 3), [1, 1, 1], "UDP")
    eq(n.http("GET", "/api/handles/88.331.1/NOPE")[0], 404, "HTTP")
    eq(n.redis_cli("--scan", "--pattern", "st:*").stdout.split(), [],
       "nothing flushed before the interval (an hour) ends")
    eq(n.stop_idnode(), [], "a clean stop")
    try:
        p = n.idctl("stats", "--prefix", "88.331.1", "--top", "1", "--json")
        eq(p.returncode, 0, "idctl stats (stderr %r)" % p.stderr)
        j = json.loads(p.stdout)
        eq(figures(j["total"]), {"resolutions": 4, "notFound": 1,
                                 "errors": 0, "registrations": 0,
                                 "uniqueClients": 1}, "flushed at the stop")
        eq([(x["handle"], x["resolutions"]) for x in j["top"]["identifiers"]],
           [("88.331.1/A", 3)], "top identifiers")
    finally:
        n.start_idnode()


@drain.test("SIGHUP applies a new stats_flush_ms at once")
def _(n):
    op, _ = staff(n)
    avoid_hour_edge(40)
    before = by_prefix(report(n, op, prefix="88.331.1")).get("88.331.1", {})
    n.write_config(stats_flush_ms=FLUSH_MS)
    os.kill(n.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + scaled(5)
    while "event=reload result=ok" not in n.stderr_text():
        check(time.monotonic() < deadline, "no reload in the log")
        time.sleep(0.05)
    eq(udp_from(n, "127.0.0.1", "88.331.1/A", 2), [1, 1], "UDP")
    want = {"88.331.1": {"resolutions": before.get("resolutions", 0) + 2,
                         "notFound": before.get("notFound", 0), "errors": 0,
                         "registrations": 0, "uniqueClients": 1}}
    wait_report(n, op, want, prefix="88.331.1")
