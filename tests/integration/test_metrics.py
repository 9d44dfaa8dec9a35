"""The admin listener (ops/admin): /metrics parses as Prometheus text
(promtext.py, a strict parser) and its counters move exactly with the
traffic a test sends; /readyz follows Redis; nothing of it is on the
public HTTP port; it binds loopback unless configured."""
import http.client
import json
import subprocess
import time

import data
import harness
from harness import Group, check, eq, scaled
import promtext
import snms

g = Group("metrics", records=[data.ALL], config={"cache": True})
H = data.ALL["handle"]


def admin(n, path):
    conn = http.client.HTTPConnection("127.0.0.1", n.admin_port,
                                      timeout=scaled(5))
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        conn.close()


def scrape(n):
    st, ctype, body = admin(n, "/metrics")
    eq(st, 200, "GET /metrics")
    check(ctype.startswith("text/plain; version=0.0.4"),
          "Content-Type %r" % ctype)
    try:
        return promtext.parse(body.decode("utf-8"))
    except ValueError as e:
        raise harness.TestFailure("/metrics is not Prometheus text: %s" % e)


def handle(f, transport, opcode, code):
    return promtext.value(f, "idnode_handle_requests_total",
                          transport=transport, opcode=opcode, code=code)


@g.test("/metrics parses; Handle and HTTP counters and latency histograms "
        "move by exactly the requests sent, cache hits too")
def _(n):
    n.wait_redis_links()
    before = scrape(n)
    for _ in range(7):
        eq(n.resolve(H).rc_name, "SUCCESS", "udp resolve")
    for _ in range(3):
        eq(n.resolve("88.123.45/NO-SUCH").rc_name, "HANDLE_NOT_FOUND",
           "udp miss")
    for _ in range(4):
        eq(n.resolve(H, transport="tcp").rc_name, "SUCCESS",
           "tcp resolve")
    for _ in range(5):
        st, _, _ = n.http("GET", "/api/handles/" + H)
        eq(st, 200, "http resolve")
    st, _, _ = n.http("GET", "/api/handles/88.123.45/NO-SUCH")
    eq(st, 404, "http miss")
    after = scrape(n)

    def delta(fn, *a, **kw):
        return fn(after, *a, **kw) - fn(before, *a, **kw)
    eq(delta(handle, "udp", "1", "SUCCESS"), 7, "udp success")
    eq(delta(handle, "udp", "1", "HANDLE_NOT_FOUND"), 3, "udp not found")
    eq(delta(handle, "tcp", "1", "SUCCESS"), 4, "tcp success")
    eq(delta(promtext.value, "idnode_handle_request_duration_seconds_count",
             transport="udp"), 10, "udp latency count")
    eq(delta(promtext.value, "idnode_http_requests_total", code="200"), 5,
       "http 200")
    eq(delta(promtext.value, "idnode_http_requests_total", code="404"), 1,
       "http 404")
    eq(delta(promtext.value, "idnode_http_request_duration_seconds_count"),
       6, "http latency count")
    hits = delta(promtext.value, "idnode_cache_lookups_total", result="hit")
    misses = delta(promtext.value, "idnode_cache_lookups_total",
                   result="miss")
    # 16 resolutions of H, each worker's first a miss; the misses of
    # NO-SUCH also look up its prefix.
    check(hits >= 14, "cache hits %d, want >= 14" % hits)
    check(hits + misses >= 20, "cache lookups %d, want >= 20"
          % (hits + misses))
    check(delta(promtext.value, "idnode_redis_commands_total") >= misses,
          "redis commands for the misses")
    eq(promtext.value(after, "idnode_workers"), 2, "workers")
    eq(promtext.value(after, "idnode_redis_connected_workers"), 2,
       "workers connected to Redis")
    for fam, f in after.items():
        check(f["help"], "%s has no HELP" % fam)
        if f["type"] == "counter":
            check(fam.endswith("_total"), "counter %s lacks _total" % fam)


@g.test("registry writes are counted by action")
def _(n):
    prefix = "88.901"
    e = snms.uscc(901)
    snms.prefix_record(n, prefix, e)
    t = snms.account(n, "metrics-ent", "enterprise", e)
    snms.ok(n, "POST", "/snms/api/v5/template", {
        "prefix": prefix, "version": "m-v1", "items": [
            {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
             "required": True,
             "metadata": {"type": "string", "minLength": 1,
                          "maxLength": 64}}]}, t)
    before = scrape(n)
    for i in range(3):
        snms.ok(n, "POST", "/identityv2/data", {
            "handle": "%s/M-%d" % (prefix, i), "templateVersion": "m-v1",
            "value": [{"index": 2000, "type": "serialNo",
                       "data": {"format": "string", "value": "S%d" % i}}]},
            t)
    snms.fails(n, "POST", "/identityv2/data", {
        "handle": "%s/M-0" % prefix, "templateVersion": "m-v1",
        "value": [{"index": 2000, "type": "serialNo",
                   "data": {"format": "string", "value": "S0"}}]}, t,
        409, -2)
    after = scrape(n)
    eq(promtext.value(after, "idnode_registry_writes_total",
                      action="ident.create") -
       promtext.value(before, "idnode_registry_writes_total",
                      action="ident.create"), 3,
       "ident.create (a refused create is not a write)")


def readyz_until(n, status, seconds):
    """Polls /readyz until it answers `status` or time runs out."""
    deadline = time.monotonic() + scaled(seconds)
    while True:
        st, _, body = admin(n, "/readyz")
        if st == status or time.monotonic() > deadline:
            return st, body
        time.sleep(0.1)


@g.test("/readyz: ready, 503 with details while Redis is down, ready "
        "again after it returns; /healthz stays 200")
def _(n):
    n.wait_redis_links()
    st, _, body = admin(n, "/readyz")
    eq((st, json.loads(body)["ready"]), (200, True), "ready")
    n.stop_redis()
    try:
        st, body = readyz_until(n, 503, 10)
        eq(st, 503, "readyz with Redis down")
        d = json.loads(body)
        eq((d["ready"], d["redis"]["connected_workers"]), (False, 0),
           "details")
        eq(admin(n, "/healthz")[0], 200, "healthz with Redis down")
    finally:
        n.start_redis()
    eq(readyz_until(n, 200, 15)[0], 200, "readyz after Redis returned")


@g.test("the admin routes are not on the public HTTP port; admin_bind "
        "defaults to loopback")
def _(n):
    st, _, _ = n.http("GET", "/metrics")
    eq(st, 404, "/metrics on the public port")
    r = subprocess.run([harness.BUILD + "/idnode", "--check-config", "-v"],
                       capture_output=True, text=True, timeout=scaled(10))
    eq(r.returncode, 0, "check-config -v of the defaults")
    cfg = json.loads(r.stdout.rsplit("configuration OK", 1)[0])
    eq((cfg["admin_bind"], cfg["admin_port"]), ("127.0.0.1", 8001),
       "admin defaults")
