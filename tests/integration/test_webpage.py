"""The partner trace page (www/trace) in a real headless Chromium, against
a node loaded with a small supply chain made by tests/data/supply_chain.py
through the API: values, lifecycle timeline and trace graph rendered as
the API answers them; a click on a node opens it; a token shows granted
data; errors are shown.  A screenshot is kept under tests/out/webpage/."""
import json
import os
import subprocess
import urllib.parse

import harness
import snms
import webdriver
from harness import Group, check, eq, scaled

g = Group("web page", config={"node_prefix": "88.321"})

STATE = {}
STAGES_CN = {"design": "研发设计", "production": "生产制造",
             "installation": "安装调试", "delivery": "交付使用",
             "warning": "状态预警", "fault": "故障诊断",
             "maintenance": "维修保养", "recycling": "回收"}
UPSTREAM = {"madeOf", "fromBatch", "producedBy"}

# What the page shows, read from its DOM.
DOM = """
const q = (s) => Array.from(document.querySelectorAll(s));
const svg = document.querySelector('#graph-box svg');
const r = svg ? svg.getBoundingClientRect() : null;
return {
  state: document.getElementById('status').dataset.state,
  status: document.getElementById('status').textContent,
  hash: location.hash,
  input: document.getElementById('handle').value,
  values: q('#values tbody tr').map((tr) => ({
      index: +tr.cells[0].textContent, type: tr.cells[1].textContent,
      value: tr.cells[2].textContent,
      restricted: tr.classList.contains('restricted')})),
  events: q('#timeline > li').map((li) => ({
      id: li.dataset.id, stage: li.dataset.stage,
      label: li.querySelector('.stage').textContent,
      open: li.classList.contains('open')})),
  count: document.getElementById('timeline').dataset.count,
  nodes: q('#graph-box g.node').map((n) => ({
      handle: n.dataset.handle, col: +n.dataset.col,
      cls: n.getAttribute('class')})),
  edges: q('#graph-box g.edge').map((e) => ({
      from: e.dataset.from, to: e.dataset.to, type: e.dataset.type,
      label: e.querySelector('text').textContent})),
  graph: r ? [r.left, r.top, r.width, r.height] : null,
  width: innerWidth, height: innerHeight,
};
"""


def page_url(n, handle):
    return "http://127.0.0.1:%d/trace/#/%s" % (n.http_port, handle)


def api(n, path, token=None):
    h = {"Authorization": "Bearer " + token} if token else {}
    st, _, body = n.http("GET", path, headers=h, timeout=20)
    eq(st, 200, "GET %s: %r" % (path, body[:300]))
    return json.loads(body)


def wait_shown(b, handle):
    """Waits until the page has rendered `handle`; its DOM summary."""
    b.wait("const s = document.getElementById('status');"
           "return s.dataset.state !== 'loading' &&"
           " document.getElementById('handle').value === arguments[0] &&"
           " s.dataset.state;", "the page to render %s" % handle, 20, handle)
    return b.js(DOM)


def supply_chain(n):
    """The generator at its smallest size (2 heats: 40 pumps), once."""
    if "sc" in STATE:
        return STATE["sc"]
    pw = "rev-pw-web"
    snms.user_add(n, "web-reviewer", "reviewer", pw)
    out = os.path.join(n.dir, "supply-chain.txt")
    p = subprocess.run(
        ["python3", os.path.join(harness.TOP, "tests", "data",
                                 "supply_chain.py"),
         "--url", "http://127.0.0.1:%d" % n.http_port,
         "--idctl", os.path.join(harness.BUILD, "idctl"),
         "--config", n.config_path, "--reviewer", "web-reviewer", pw,
         "--out", out, "--heats", "2", "--threads", "4"],
        capture_output=True, text=True, timeout=scaled(120))
    eq(p.returncode, 0, "supply_chain.py (stderr %r)" % p.stderr[-1500:])
    sc = {}
    with open(out) as f:
        for line in f:
            k, _, rest = line.rstrip("\n").partition(" ")
            sc.setdefault(k, []).append(rest.split(" "))
    STATE["sc"] = sc
    return sc


def expected_columns(trace):
    """Upstream nodes (left of the root) and downstream ones (right), by
    the link types of the edges touching the root."""
    root = trace["root"]
    up, down = set(), set()
    for e in trace["edges"]:
        if e["from"] == root:
            (up if e["type"] in UPSTREAM else down).add(e["to"])
        elif e["to"] == root:
            (down if e["type"] in UPSTREAM else up).add(e["from"])
    return up, down


@g.test("a pump's page shows its values, its lifecycle (Chinese stage "
        "names, open warnings) and its trace graph as the API answers")
def _(n):
    sc = supply_chain(n)
    pump = sc["pump"][0][0]
    b = webdriver.shared()
    b.go(page_url(n, pump))
    d = wait_shown(b, pump)
    eq(d["state"], "ready", "page state (status %r)" % d["status"])
    eq((d["width"], d["height"]), (1280, 800), "viewport")
    p = urllib.parse.quote(pump, safe="/")
    values = api(n, "/api/handles/" + p)["values"]
    eq(sorted((v["index"], v["type"]) for v in d["values"]),
       sorted((v["index"], v["type"]) for v in values), "values table rows")
    check(any(v["type"] == "model" and v["value"] == "CP-200"
              for v in d["values"]), "pump model shown: %r" % d["values"])
    check(not any(v["restricted"] for v in d["values"]),
          "anonymous: nothing restricted shown")
    events = api(n, "/api/events/%s?limit=1000" % p)["data"]["events"]
    life = api(n, "/api/lifecycle/" + p)["data"]
    check(len(events) >= 6, "the shown pump has a full life: %r"
          % [e["stage"] for e in events])
    eq(d["count"], str(len(events)), "timeline count")
    eq(sorted(e["id"] for e in d["events"]), sorted(e["id"] for e in events),
       "timeline events")
    for e in d["events"]:
        check(STAGES_CN[e["stage"]] in e["label"] and e["stage"] in e["label"],
              "stage label %r" % e["label"])
    eq(sorted(e["id"] for e in d["events"] if e["open"]),
       sorted(e["id"] for e in life["openWarnings"]), "open warnings marked")
    trace = {"root": pump, "nodes": [], "edges": []}
    for way in ("up", "down"):
        t = api(n, "/api/trace/%s?direction=%s&depth=3" % (p, way))["data"]
        eq(t["truncated"], None, "the %s trace is complete" % way)
        trace["nodes"] += [x for x in t["nodes"] if x["handle"] != pump or
                           way == "up"]
        trace["edges"] += t["edges"]
    eq(sorted(x["handle"] for x in d["nodes"]),
       sorted(x["handle"] for x in trace["nodes"]), "graph nodes")
    eq(sorted((e["from"], e["to"], e["type"]) for e in d["edges"]),
       sorted((e["from"], e["to"], e["type"]) for e in trace["edges"]),
       "graph edges")
    check(all(e["label"] == e["type"] for e in d["edges"]), "edge labels")
    cols = {x["handle"]: x["col"] for x in d["nodes"]}
    eq(cols[pump], 0, "the pump is in the middle column")
    check("root" in [x for x in d["nodes"] if x["handle"] == pump][0]["cls"],
          "the pump is drawn as the root")
    up, down = expected_columns(trace)
    check(up and down, "the pump has upstream and downstream neighbours: "
          "%r %r" % (up, down))
    for h in up:
        eq(cols[h], -1, "upstream neighbour %s" % h)
    for h in down:
        eq(cols[h], 1, "downstream neighbour %s" % h)
    check(min(cols.values()) <= -2, "the heat batches two columns left")
    STATE["motor"] = [h for h in up if "/YE3-" in h][0]
    STATE["graph"] = d["graph"]
    STATE["png"] = b.screenshot()
    # A pump whose warning is still open: marked so on its timeline.
    warned = sc["warned"][0][0]
    b.go(page_url(n, warned))
    d = wait_shown(b, warned)
    life = api(n, "/api/lifecycle/" + urllib.parse.quote(warned, safe="/"))
    want = sorted(e["id"] for e in life["data"]["openWarnings"])
    check(want, "the warned pump has an open warning: %r" % life)
    eq(sorted(e["id"] for e in d["events"] if e["open"]), want,
       "open warnings marked")
    bad = [m for m in b.console() if m["level"] == "SEVERE"]
    check(not bad, "browser console errors: %r" % bad)


@g.test("the screenshot is 1280x800 and its graph area is drawn "
        "(several distinct colours)")
def _(n):
    png = STATE.get("png")
    check(png, "no screenshot (the first test failed)")
    path = os.path.join(webdriver.out_dir("webpage"), "trace-%s.png"
                        % os.path.basename(harness.BUILD.rstrip("/")))
    with open(path, "wb") as f:
        f.write(png)
    w, h, rows = webdriver.png_decode(png)
    eq((w, h), (1280, 800), "screenshot size (%s)" % path)
    x, y, gw, gh = [int(v) for v in STATE["graph"]]
    check(gw > 400 and gh > 100 and y < h, "graph box %r" % STATE["graph"])
    colours, inked = set(), 0
    for yy in range(max(0, y), min(h, y + gh)):
        for px in rows[yy][max(0, x):min(w, x + gw)]:
            colours.add(px)
            if px != rows[max(0, y)][max(0, x)]:
                inked += 1
    check(len(colours) >= 8, "graph area has %d colours (%s)"
          % (len(colours), path))
    check(inked > gw * gh // 50, "graph area mostly blank: %d inked pixels "
          "(%s)" % (inked, path))


@g.test("clicking a node opens that identifier (URL hash, input, graph "
        "centred on it)")
def _(n):
    motor = STATE.get("motor")
    check(motor, "no motor found by the first test")
    b = webdriver.shared()
    pump = STATE["sc"]["pump"][0][0]
    b.go(page_url(n, pump))
    wait_shown(b, pump)
    b.click('#graph-box g.node[data-handle="%s"]' % motor)
    d = wait_shown(b, motor)
    eq(d["state"], "ready", "state after the click (%r)" % d["status"])
    eq(urllib.parse.unquote(d["hash"]), "#/" + motor, "URL hash")
    root = [x for x in d["nodes"] if x["col"] == 0]
    eq([x["handle"] for x in root], [motor], "the motor in the middle")
    check(any(x["col"] < 0 for x in d["nodes"]),
          "the motor's heat batch upstream")
    check(any(x["col"] > 0 for x in d["nodes"]), "the pump downstream")
    check(d["values"] and d["events"], "the motor's values and events")
    b.js("history.back();")
    eq(wait_shown(b, pump)["state"], "ready", "back to the pump")


@g.test("a token held by the pump's user shows what it is granted: "
        "restricted values and non-public events, marked; forget it again")
def _(n):
    sc = STATE.get("sc")
    check(sc, "no supply chain (the first test failed)")
    pump = sc["pump"][0][0]
    user = sc["holder"][0][0]
    acct = [a for a in sc["account"] if a[0] == user][0]
    tok = snms.login(n, acct[1], acct[2])
    p = urllib.parse.quote(pump, safe="/")
    anon = api(n, "/api/events/%s?limit=1000" % p)["data"]["events"]
    granted = api(n, "/api/events/%s?limit=1000" % p, tok)["data"]["events"]
    check(len(granted) > len(anon), "the holder sees more events (%d vs %d)"
          % (len(granted), len(anon)))
    b = webdriver.shared()
    b.go(page_url(n, pump))
    wait_shown(b, pump)
    b.type("#token", tok)
    b.click('#auth button[type="submit"]')
    d = b.wait("const s = document.getElementById('status');"
               "const c = document.getElementById('timeline').dataset.count;"
               "return s.dataset.state === 'ready' && c === arguments[0];",
               "the granted timeline", 20, str(len(granted)))
    d = b.js(DOM)
    restricted = [v for v in d["values"] if v["restricted"]]
    check(any(v["type"] == "OWNER" for v in restricted),
          "OWNER shown as restricted: %r" % d["values"])
    eq(b.js("return document.getElementById('token').value;"), "",
       "the token field is emptied")
    check(b.js("return Object.values(sessionStorage).includes(arguments[0])",
               tok), "the token is kept in sessionStorage")
    b.click("#forget")
    b.wait("return document.getElementById('timeline').dataset.count === "
           "arguments[0] && !document.querySelector('tr.restricted');",
           "the anonymous view again", 20, str(len(anon)))
    check(not b.js("return Object.values(sessionStorage).includes("
                   "arguments[0])", tok), "the token is forgotten")


@g.test("an unknown identifier and an unreachable node are reported "
        "plainly")
def _(n):
    b = webdriver.shared()
    try:
        missing = "88.321.99/NO-SUCH-PUMP"
        b.go(page_url(n, missing))
        d = wait_shown(b, missing)
        eq(d["state"], "error", "state for %s" % missing)
        check("404" in d["status"] and missing in d["status"],
              "status says 404: %r" % d["status"])
        # The node goes away: the page says so instead of hanging.
        eq(n.stop_idnode(), [], "idnode stopped cleanly")
        pump = STATE["sc"]["pump"][0][0]
        b.js("document.getElementById('handle').value = arguments[0];"
             "document.querySelector('#lookup button').click();", pump)
        d = wait_shown(b, pump)
        eq(d["state"], "error", "state with the node down")
        check("did not answer" in d["status"], "status: %r" % d["status"])
    finally:
        webdriver.close_shared()
        if not n.alive():
            n.start_idnode()
