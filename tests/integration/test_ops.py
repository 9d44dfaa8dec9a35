"""Operations: --check-config, SIGHUP reload, SIGTERM shutdown."""
import http.client
import os
import re
import signal
import subprocess
import time

import data
import harness
from harness import Group, check, eq, resolution, scaled

g = Group("ops", records=[data.ALL])
H = data.ALL["handle"]


def check_config(n, text, name):
    path = os.path.join(n.dir, name)
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([os.path.join(harness.BUILD, "idnode"),
                        "--check-config", "-c", path],
                       capture_output=True, text=True, timeout=scaled(10))
    return path, p


def serving(n, what):
    for t in ("udp", "tcp"):
        r = n.resolve(H, t, indexes=[1])
        if r.rcode != 1:
            raise AssertionError("%s: %s %s" % (what, t, r.describe()))
    st, _, _ = n.http("GET", "/api/handles/%s?index=1" % H)
    eq(st, 200, what + ": HTTP status")


def wait_log(n, pattern, seconds, after=0):
    deadline = time.monotonic() + scaled(seconds)
    while time.monotonic() < deadline:
        if re.search(pattern, n.stderr_text()[after:]):
            return True
        time.sleep(0.05)
    return False


@g.test("--check-config on a valid file prints 'configuration OK', exit 0")
def _(n):
    with open(n.config_path) as f:
        text = f.read()
    path, p = check_config(n, text, "valid.json")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    check("configuration OK" in p.stdout, "stdout %r" % p.stdout)


@g.test("--check-config: unknown key on line 3 -> exit 1, file:3:COL and "
        "the key")
def _(n):
    text = '{\n  "workers": 2,\n  "no_such_key": 1,\n  "http_port": 8000\n}\n'
    path, p = check_config(n, text, "unknown.json")
    eq(p.returncode, 1, "exit status")
    check(re.search(re.escape(path) + r":3:\d+", p.stderr),
          "stderr does not name %s:3:COL: %r" % (path, p.stderr))
    check("no_such_key" in p.stderr, "key not named: %r" % p.stderr)
    check("configuration OK" not in p.stdout, "stdout says OK")


@g.test("--check-config: wrong type, out of range, bad JSON -> exit 1")
def _(n):
    for name, text, key, line in (
            ("type.json", '{\n  "workers": "two"\n}\n', "workers", 2),
            ("bool.json", '{"cache": 1}', "cache", 1),
            ("range.json", '{\n\n  "handle_port": 70000}', "handle_port", 3),
            ("level.json", '{"log_level": "loud"}', "log_level", 1),
            ("json.json", '{\n  "workers": 2,\n}\n', None, 3)):
        path, p = check_config(n, text, name)
        eq(p.returncode, 1, "%s exit status (stderr %r)" % (name, p.stderr))
        check(re.search(re.escape(path) + r":%d:\d+" % line, p.stderr),
              "%s: stderr does not name line %d: %r" % (name, line, p.stderr))
        if key:
            check(key in p.stderr, "%s: key not named: %r" % (name, p.stderr))


@g.test("SIGHUP with a changed log_level: same pid, keeps serving, new level "
        "in effect")
def _(n):
    pid = n.proc.pid
    tcp = n.tcp_connect()
    hc = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                    timeout=scaled(5))
    try:
        n.tcp_resp(resolution(H, reqid=1), sock=tcp)
        n.http_json("/healthz", conn=hc)
        mark = len(n.stderr_text())
        n.write_config(log_level="debug")
        n.proc.send_signal(signal.SIGHUP)
        serving(n, "right after SIGHUP")
        check(wait_log(n, r"event=reload result=ok", 3, mark),
              "no 'reload result=ok' in the log")
        eq(n.proc.pid, pid, "pid")
        check(n.alive(), "idnode exited")
        r = n.tcp_resp(resolution(H, reqid=2, indexes=[1]), sock=tcp)
        eq((r.reqid, r.rcode), (2, 1), "TCP connection opened before SIGHUP")
        st, j, _, _ = n.http_json("/healthz", conn=hc)
        eq(j.get("pid"), pid, "/healthz pid on the old HTTP connection")
        # debug level: a closed TCP connection is now logged.
        s = n.tcp_connect()
        n.tcp_resp(resolution(H, reqid=3), sock=s)
        s.close()
        check(wait_log(n, r"level=debug", 3, mark),
              "no debug lines after reloading with log_level debug")
        serving(n, "after reload")
    finally:
        tcp.close()
        hc.close()
        n.write_config()


@g.test("SIGHUP with an invalid config: keeps serving on the old one")
def _(n):
    pid = n.proc.pid
    mark = len(n.stderr_text())
    with open(n.config_path, "w") as f:
        f.write('{"workers": 2, "log_level": 7}\n')
    try:
        n.proc.send_signal(signal.SIGHUP)
        serving(n, "right after SIGHUP")
        check(wait_log(n, r"event=reload result=failed", 3, mark),
              "no 'reload result=failed' in the log")
        eq(n.proc.pid, pid, "pid")
        check(n.alive(), "idnode exited")
        serving(n, "after the failed reload")
    finally:
        n.write_config()


@g.test("SIGTERM with open connections -> exit status 0 in < 3 s")
def _(n):
    tcp = n.tcp_connect()
    hc = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                    timeout=scaled(5))
    try:
        n.tcp_resp(resolution(H, reqid=1), sock=tcp)
        n.http_json("/healthz", conn=hc)
        t0 = time.monotonic()
        n.proc.send_signal(signal.SIGTERM)
        try:
            st = n.proc.wait(timeout=scaled(3))
        except subprocess.TimeoutExpired:
            raise AssertionError("still running %.1f s after SIGTERM"
                                 % scaled(3))
        dt = time.monotonic() - t0
        eq(st, 0, "exit status")
        check(dt < scaled(3), "exit took %.1f s" % dt)
        check(re.search(r"event=stopped", n.stderr_text()),
              "no 'stopped' log line")
    finally:
        tcp.close()
        hc.close()


gd = Group("drain", records=[data.ALL],
           config={"request_timeout_ms": 3000, "cache": False})


@gd.test("SIGTERM drains: a request waiting on Redis gets its real answer, "
         "then exit 0")
def _(n):
    import socket
    from harness import Resp
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(scaled(5))
    try:
        os.kill(n.redis.pid, signal.SIGSTOP)
        try:
            u.sendto(resolution(H, indexes=[1], reqid=77), n.haddr)
            time.sleep(scaled(0.3))  # the request now waits on Redis
            n.proc.send_signal(signal.SIGTERM)
            time.sleep(scaled(0.3))
            check(n.proc.poll() is None, "exited with a request in flight")
        finally:
            os.kill(n.redis.pid, signal.SIGCONT)
        r = Resp(u.recv(65536))
        eq((r.reqid, r.rcode), (77, 1), "answer of the drained request")
        eq(n.proc.wait(timeout=scaled(5)), 0, "exit status after draining")
        check(re.search(r"event=shutdown drained_workers=2 of=2",
                        n.stderr_text()), "no drained log line")
    finally:
        u.close()


gr = Group("readyz", records=[data.ALL])


def readyz_poll(n, until, seconds):
    """Fresh-connection GET /readyz until until(status, json) holds for
    answers from both workers; returns the answers seen per worker."""
    seen = {}
    t0 = time.monotonic()
    while time.monotonic() - t0 < scaled(seconds):
        st, j = n.http_json("/readyz")[:2]
        if until(st, j):
            seen[j["worker"]] = (st, j)
        if len(seen) == 2:
            return seen
        time.sleep(0.02)
    raise AssertionError("after %.1f s only workers %r answered as expected"
                         % (scaled(seconds), sorted(seen)))


@gr.test("/readyz: 200 while Redis answers, 503 with details while it is "
         "down, 200 again after")
def _(n):
    readyz_poll(n, lambda st, j: st == 200 and j["ready"] and j["redis"], 3)
    n.kill_redis()
    seen = readyz_poll(n, lambda st, j: st == 503, 3)
    for st, j in seen.values():
        eq((j["ready"], j["redis"], j["listeners"]), (False, False, True),
           "readyz body while Redis is down")
    st, j = n.http_json("/healthz")[:2]
    eq(st, 200, "/healthz stays 200 (the process is alive)")
    n.start_redis()
    readyz_poll(n, lambda st, j: st == 200 and j["ready"], 8)
