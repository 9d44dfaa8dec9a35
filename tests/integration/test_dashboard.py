"""The operator dashboard (ops/web, served at /ops/ on the admin listener
only) in a real headless Chromium: login through its form, live charts
from /metrics while UDP, TCP and HTTP resolutions run in a thread, an
application approved and another rejected through its buttons (checked
through the API), the audit panel, a screenshot kept under
tests/out/dashboard/.  Without a browser: /ops/ is 404 on the public
port; the admin's login and registry routes are the public ones."""
import json
import os
import threading
import time

import data
import ents
import harness
import promtext
import snms
import webdriver
from harness import Group, check, eq, scaled

g = Group("dashboard", records=[data.ALL],
          config={"cache": True, "node_prefix": "88.321",
                  "stats_flush_ms": 200})
H = data.ALL["handle"]
WEB = os.path.join(harness.TOP, "ops", "web")
STATE = {}

# What the page shows, read from its DOM and its state (window.dash).
DOM = """
const q = (s) => Array.from(document.querySelectorAll(s));
const pts = window.dash ? window.dash.points : [];
const last = pts[pts.length - 1] || {};
const c = document.getElementById('charts').getBoundingClientRect();
return {
  login: !document.getElementById('login').hidden,
  dash: !document.getElementById('dash').hidden,
  status: document.getElementById('status').textContent,
  state: document.getElementById('status').dataset.state,
  points: pts.length,
  rates: pts.slice(-5).map((p) => [p.udp, p.tcp, p.http]),
  last: last,
  ready: document.getElementById('h-ready').textContent,
  workers: document.getElementById('h-workers').textContent,
  redis: document.getElementById('h-redis').textContent,
  version: document.getElementById('h-version').textContent,
  queue: q('#queue tbody tr').map((tr) => tr.dataset.uscc),
  audit: q('#audit tbody tr').map((tr) => [tr.dataset.action,
                                          tr.dataset.target]),
  totals: window.dash ? window.dash.totals : {},
  charts: [c.left, c.top, c.width, c.height],
};
"""


class Admin:
    """The admin listener as snms.call sees a node (its http_port)."""

    def __init__(self, n):
        self.http_port = n.admin_port


def admin_get(n, path):
    st, hdrs, body = harness.Node.http(Admin(n), "GET", path)
    return st, hdrs, body


def shipped():
    """{url path below /ops/: bytes} of every file under ops/web/."""
    out = {}
    for d, _, names in os.walk(WEB):
        for name in names:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out["/ops/" + os.path.relpath(p, WEB)] = f.read()
    return out


class Traffic:
    """Resolutions over UDP, TCP and HTTP, continuously, in a thread."""

    def __init__(self, n):
        self.n = n
        self.stop = threading.Event()
        self.errors = []
        self.sent = 0
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop.is_set():
            try:
                eq(self.n.resolve(H).rc_name, "SUCCESS", "udp")
                eq(self.n.resolve(H, transport="tcp").rc_name, "SUCCESS",
                   "tcp")
                eq(self.n.http("GET", "/api/handles/" + H)[0], 200, "http")
                self.sent += 3
            except Exception as e:  # reported by the test, not lost
                self.errors.append(repr(e))
                return
            time.sleep(0.01)

    def end(self):
        self.stop.set()
        self.th.join(scaled(10))
        check(not self.errors, "demo traffic failed: %r" % self.errors[:3])
        check(self.sent > 0, "no demo traffic was sent")


def console_clean(b):
    """No console error but the 401 of the wrong password tried once."""
    bad = [m for m in b.console() if m["level"] == "SEVERE" and not (
        "/identity/token" in m["message"] and "401" in m["message"] and
        not STATE.get("wrong-login-seen"))]
    STATE["wrong-login-seen"] = True
    check(not bad, "browser console errors: %r" % bad)


def applied(n):
    """An enterprise whose application waits (state submitted)."""
    e, t, body = ents.enterprise(n)
    snms.ok(n, "POST", ents.APPLY, body, t)
    return e


def ent_state(n, e):
    op, _ = ents.staff(n)
    return ents.query(n, op, e)["state"]


@g.test("/ops/ is served, every file of ops/web, only on the admin "
        "listener: 404 on the public port")
def _(n):
    files = shipped()
    check("/ops/index.html" in files and "/ops/app.js" in files,
          "ops/web has the page: %r" % sorted(files))
    for path, want in sorted(files.items()):
        st, hdrs, body = admin_get(n, path)
        eq(st, 200, "admin GET %s" % path)
        eq(body, want, "bytes of %s" % path)
        check("default-src 'self'" in hdrs.get("Content-Security-Policy", ""),
              "CSP on %s" % path)
        st, _, _ = n.http("GET", path)
        eq(st, 404, "public GET %s" % path)
    st, _, body = admin_get(n, "/ops/")
    eq((st, body), (200, files["/ops/index.html"]), "admin GET /ops/")
    st, hdrs, _ = admin_get(n, "/ops")
    eq((st, hdrs.get("Location")), (301, "/ops/"), "admin GET /ops")
    for path in ("/ops/", "/ops"):
        eq(n.http("GET", path)[0], 404, "public GET %s" % path)
    eq(admin_get(n, "/ops/no-such.js")[0], 404, "a file not shipped")
    # The public pages stay public only.
    eq(admin_get(n, "/trace/")[0], 404, "admin GET /trace/")


@g.test("the admin's registry routes refuse without a token like the "
        "public ones; a login there is a login of the node")
def _(n):
    a = Admin(n)
    e = applied(n)
    for port in (n, a):
        snms.fails(port, "GET", ents.PAGE, None, None, 401, -1)
        snms.fails(port, "GET", "/snms/api/audit", None, None, 401, -1)
        snms.fails(port, "POST", ents.REVIEW, {"uscc": e, "action": "start"},
                   None, 401, -1)
        snms.fails(port, "POST", ents.REVIEW, {"uscc": e, "action": "start"},
                   "not-a-token", 401, -1)
    eq(ent_state(n, e), "submitted", "nothing was reviewed")
    snms.user_add(n, "dash-op", "operator", "dash-op-pw")
    tok = snms.ok(a, "POST", "/identity/token",
                  {"username": "dash-op", "password": "dash-op-pw"})["token"]
    snms.remember(n, tok)
    page = snms.ok(n, "GET", ents.PAGE + "?state=submitted", token=tok)
    check(e in [x["uscc"] for x in page["content"]],
          "the admin's token works on the public port: %r" % page)
    snms.fails(a, "POST", "/identity/token",
               {"username": "dash-op", "password": "wrong"}, None, 401, -2)


@g.test("logged in through the form, the page draws live charts from "
        "/metrics while UDP/TCP/HTTP traffic runs, and shows health")
def _(n):
    n.wait_redis_links()
    snms.user_add(n, "dash-browser", "operator", "dash-browser-pw")
    STATE["waiting"] = applied(n)
    STATE["to-reject"] = applied(n)
    traffic = Traffic(n)
    try:
        b = webdriver.shared()
        b.go("http://127.0.0.1:%d/ops/" % n.admin_port)
        d = b.wait("return !document.getElementById('login').hidden;",
                   "the login form")
        b.type("#user", "dash-browser")
        b.type("#password", "wrong-password")
        b.click('#login-form button[type="submit"]')
        d = b.wait("const s = document.getElementById('status');"
                   "return s.dataset.state === 'error' && s.textContent;",
                   "the refused login to be shown")
        check("refused" in d, "status after a wrong password: %r" % d)
        b.type("#password", "dash-browser-pw")
        b.click('#login-form button[type="submit"]')
        b.wait("return !document.getElementById('dash').hidden;",
               "the dashboard after login")
        b.wait("const p = window.dash.points;"
               "return p.length >= 4 && p.slice(-3).every((x) =>"
               " x.udp > 0 && x.tcp > 0 && x.http > 0 && x.p99 > 0);",
               "four chart points with traffic on every plane", 40)
        d = b.js(DOM)
    finally:
        traffic.end()
    check(not d["login"] and d["dash"], "logged in: %r" % d["status"])
    check(d["last"]["p50"] <= d["last"]["p99"], "p50 <= p99: %r" % d["last"])
    check(d["last"]["hit"] is not None and 0 <= d["last"]["hit"] <= 1,
          "cache hit ratio %r" % d["last"])
    check(d["last"]["hit"] > 0.5, "the same handle again and again hits "
          "the cache: %r" % d["last"])
    eq(d["ready"], "yes", "health: ready")
    n_workers = promtext.value(promtext.parse(admin_get(n, "/metrics")[2]
                                              .decode()), "idnode_workers")
    eq(d["workers"], str(int(n_workers)), "health: workers")
    eq(d["redis"], "%d of %d" % (n_workers, n_workers), "health: redis")
    eq(d["version"], json.loads(admin_get(n, "/healthz")[2])["version"],
       "health: version")
    check(STATE["waiting"] in d["queue"] and STATE["to-reject"] in d["queue"],
          "the waiting applications are queued: %r" % d["queue"])
    prefix = H.split("/")[0].upper()
    top = b.wait("refreshPrefixes();"
                 "const r = Array.from(document.querySelectorAll("
                 "'#prefixes tbody tr')).map((tr) => Array.from("
                 "tr.children).map((td) => td.textContent));"
                 "return r.length && r[0][0] === '%s' && +r[0][1] > 0 && r;"
                 % prefix, "the traffic's prefix on top of the prefixes",
                 20)
    check(int(top[0][1]) >= 20, "top prefix resolutions: %r" % top[0])
    STATE["png"] = b.screenshot()
    STATE["charts"] = d["charts"]
    console_clean(b)


@g.test("Approve and Reject (with its reason) decide the applications "
        "through the review API; the audit panel and the totals show it")
def _(n):
    e, r = STATE.get("waiting"), STATE.get("to-reject")
    check(e and r, "no waiting application (the login test failed)")
    b = webdriver.shared()
    before = b.js("return window.dash.totals['ent.apply.approve'] || 0;")
    # The page re-renders the queue every 10 s; a row replaced between
    # finding its input and typing into it would lose the text.  Stop
    # the timer: the buttons refresh the queue and the audit themselves.
    b.js("clearInterval(window.dash.timer); window.dash.timer = null;")
    b.click('#queue tr[data-uscc="%s"] button' % e)
    b.wait("return !document.querySelector("
           "'#queue tr[data-uscc=\"' + arguments[0] + '\"]');",
           "the approved application to leave the queue", 20, e)
    eq(ent_state(n, e), "approved", "state of %s after Approve" % e)
    b.wait("return Array.from(document.querySelectorAll('#audit tbody tr'))"
           ".some((tr) => tr.dataset.action === 'ent.apply.approve' &&"
           " tr.dataset.target === arguments[0]);",
           "the approval in the audit panel", 20, e)
    # Reject without a reason: refused on the page, nothing sent.
    reject = '#queue tr[data-uscc="%s"] button:last-of-type' % r
    b.click(reject)
    d = b.js(DOM)
    eq(d["state"], "error", "a reject without reason (%r)" % d["status"])
    eq(ent_state(n, r), "submitted", "nothing decided without a reason")
    b.type('#queue tr[data-uscc="%s"] input.reason' % r, "名称不符")
    b.click(reject)
    b.wait("return !document.querySelector("
           "'#queue tr[data-uscc=\"' + arguments[0] + '\"]');",
           "the rejected application to leave the queue", 20, r)
    q = ents.query(n, ents.staff(n)[0], r)
    eq(q["state"], "rejected", "state of %s after Reject" % r)
    # The approval is a registry write the admin made: /metrics counts it.
    b.wait("poll(); return (window.dash.totals['ent.apply.approve'] || 0)"
           " >= arguments[0] + 1;", "the approval in the totals", 20, before)
    console_clean(b)


@g.test("the screenshot is 1280x800 and its chart area is drawn "
        "(several distinct colours)")
def _(n):
    png = STATE.get("png")
    check(png, "no screenshot (the chart test failed)")
    path = os.path.join(webdriver.out_dir("dashboard"), "dashboard-%s.png"
                        % os.path.basename(harness.BUILD.rstrip("/")))
    with open(path, "wb") as f:
        f.write(png)
    w, h, rows = webdriver.png_decode(png)
    eq((w, h), (1280, 800), "screenshot size (%s)" % path)
    x, y, cw, ch = [int(v) for v in STATE["charts"]]
    check(cw > 600 and ch > 100 and y + ch <= h,
          "chart panel %r in the viewport" % STATE["charts"])
    colours, inked = set(), 0
    for yy in range(y, y + ch):
        for px in rows[yy][x:x + cw]:
            colours.add(px)
            if px != rows[y][x]:
                inked += 1
    check(len(colours) >= 8, "chart area has %d colours (%s)"
          % (len(colours), path))
    check(inked > cw * ch // 50, "chart area mostly blank: %d inked pixels "
          "(%s)" % (inked, path))


@g.test("a token the node no longer knows sends the page back to its "
        "login form, saying why")
def _(n):
    b = webdriver.shared()
    try:
        b.js("sessionStorage.setItem('idnode.ops.token', 'forgotten');")
        b.go("http://127.0.0.1:%d/ops/" % n.admin_port)
        d = b.wait("const s = document.getElementById('status');"
                   "return !document.getElementById('login').hidden &&"
                   " s.dataset.state === 'error' && s.textContent;",
                   "the login form again")
        check("Logged out" in d, "status %r" % d)
        check(not b.js("return sessionStorage.getItem('idnode.ops.token');"),
              "the token is forgotten")
    finally:
        webdriver.close_shared()
