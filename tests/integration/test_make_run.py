"""`make run` as a new user meets it (tests/run_node.sh): it starts Redis
and idnode, walks the demo enterprise through the registry, builds the
demo supply chain, and the commands it prints work; Ctrl-C stops
everything."""
import http.client
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import harness
import webdriver
from harness import Group, check, eq, scaled

g = Group("make run", node=False)


def printed_commands(text, start):
    return [ln.strip() for ln in text.splitlines()
            if ln.strip().startswith(start)]


def supply_chain(text, wport):
    """The supply chain's printed page and queries answer about it."""
    page = printed_commands(text, "open http://")
    eq(len(page), 1, "printed page URL")
    url = page[0].split(" ", 1)[1]
    base = "http://127.0.0.1:%d/trace/#/" % wport
    check(url.startswith(base), "page URL %r" % url)
    pump = url[len(base):]
    c = http.client.HTTPConnection("127.0.0.1", wport, timeout=scaled(10))
    c.request("GET", "/trace/")
    r = c.getresponse()
    body = r.read()
    c.close()
    check(r.status == 200 and b"app.js" in body, "the page: %d" % r.status)
    queries = {}
    for line in printed_commands(text, "curl 'http://"):
        for route in ("/api/trace/", "/api/recall/", "/api/events/"):
            if route in line:
                queries[route] = line
    eq(sorted(queries), ["/api/events/", "/api/recall/", "/api/trace/"],
       "printed supply chain queries")
    out = {}
    for route, line in queries.items():
        r = subprocess.run(shlex.split(line), capture_output=True,
                           text=True, timeout=scaled(20))
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = {}
        eq(j.get("status"), 1, "%s: %r %r" % (line, r.stdout[:300],
                                             r.stderr[:300]))
        out[route] = j["data"]
    trace = out["/api/trace/"]
    eq(trace["root"], pump, "the trace is the page's pump")
    check(len(trace["nodes"]) > 5 and trace["edges"],
          "the pump's trace: %r" % trace["nodes"][:3])
    check(len(out["/api/events/"]["events"]) >= 5, "the pump's events")
    recall = out["/api/recall/"]
    check(pump in [p["handle"] for p in recall["products"]],
          "the heat's recall reaches the pump: %r" % recall["count"])
    # The printed URL in a browser, as a partner opens it.
    b = webdriver.Browser()
    try:
        b.go(url)
        st = b.wait("const s = document.getElementById('status');"
                    "return s.dataset.state !== 'loading' &&"
                    " s.dataset.state !== 'idle' && s.dataset.state;",
                    "the printed page to render")
        eq(st, "ready", "the printed page")
        shown = b.js("return Array.from(document.querySelectorAll("
                     "'#graph-box g.node.root')).map((n) => n.dataset.handle)"
                     ".concat([document.querySelectorAll("
                     "'#graph-box g.node').length]);")
        eq(shown[0], pump, "the page's graph is centred on the pump")
        check(shown[1] > 5, "the page's graph: %d nodes" % shown[1])
    finally:
        b.close()


@g.test("demo registry and supply chain made through the API; the "
        "printed idctl and curl lines resolve, register, audit and trace, "
        "the page is served; Ctrl-C stops")
def _(n):
    d = tempfile.mkdtemp(prefix="idnode-makerun-")
    hport = harness.free_port_pair()
    wport = harness.free_tcp_port(avoid=(hport,))
    aport = harness.free_tcp_port(avoid=(hport, wport))
    env = dict(os.environ, IDNODE_RUN_DIR=os.path.join(d, "run"),
               IDNODE_HANDLE_PORT=str(hport), IDNODE_HTTP_PORT=str(wport),
               IDNODE_ADMIN_PORT=str(aport))
    out = open(os.path.join(d, "out.txt"), "w+")
    p = subprocess.Popen(["sh", "tests/run_node.sh", harness.BUILD],
                         cwd=harness.TOP, env=env, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + scaled(150)
        text = ""
        while "Press Ctrl-C" not in text and time.monotonic() < deadline:
            check(p.poll() is None, "make run exited early:\n" + text)
            time.sleep(0.2)
            out.seek(0)
            text = out.read()
        check("Press Ctrl-C" in text, "make run never got ready:\n" + text)
        idctl = [c for c in printed_commands(text, harness.BUILD + "/idctl")
                 if "CP200-2026-000001" in c]
        eq(len(idctl), 1, "printed idctl line for the registered pump")
        r = subprocess.run(shlex.split(idctl[0]), capture_output=True,
                           text=True, timeout=scaled(20), cwd=harness.TOP)
        eq(r.returncode, 0, "%s (stderr %r)" % (idctl[0], r.stderr))
        check("SN20261" in r.stdout, "resolved values: %r" % r.stdout)
        # The token line and the create line run in one shell, as a user
        # pastes them.
        lines = [ln for ln in text.splitlines()
                 if ln.strip().startswith(("T=$(", "curl -H"))]
        eq(len(lines), 2, "token and create lines")
        r = subprocess.run(["sh", "-c", "\n".join(lines)],
                           capture_output=True, text=True,
                           timeout=scaled(20))
        check('"status":1' in r.stdout, "printed create: %r %r"
              % (r.stdout, r.stderr))
        prefix = text.split("got prefix ")[1].split(";")[0]
        c = http.client.HTTPConnection("127.0.0.1", wport,
                                       timeout=scaled(10))
        c.request("GET", "/api/handles/%s/CP200-2026-000004" % prefix)
        r = c.getresponse()
        body = r.read()
        c.close()
        eq(r.status, 200, "the identifier the printed curl made: %r" % body)
        audit = [c for c in printed_commands(text, harness.BUILD + "/idctl")
                 if " audit " in c]
        r = subprocess.run(shlex.split(audit[0]), capture_output=True,
                           text=True, timeout=scaled(20), cwd=harness.TOP)
        check("act=ident.create" in r.stdout, "audit: %r" % r.stdout)
        supply_chain(text, wport)
    finally:
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=scaled(20))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        out.close()
    out_text = open(os.path.join(d, "out.txt")).read()
    check("stopped" in out_text, "no 'stopped' after Ctrl-C:\n" + out_text)
    sock = os.path.join(d, "run", "redis.sock")
    r = subprocess.run(["redis-cli", "-s", sock, "ping"],
                       capture_output=True, text=True)
    check("PONG" not in r.stdout, "Redis still running after Ctrl-C")
    shutil.rmtree(d, ignore_errors=True)
