"""Logs: one key=value event per line to a file that SIGHUP reopens
(logrotate moves it away first), and a sampled access log of the hot
path that never carries a client's raw bytes or a query string."""
import os
import re
import signal
import time

import data
from harness import Group, check, eq, scaled

LINE = re.compile(r'ts=\S+ level=(debug|info|warn|error) event=\w+'
                  r'( \w+=("([^"\\]|\\x[0-9a-f]{2})*"|\S+))*')

g = Group("logs", records=[data.ALL],
          config={"workers": 1, "access_log_sample": 1})
H = data.ALL["handle"]


def use_log_file(n, path, **over):
    n.stop_idnode()
    n.write_config(log_file=path, **over)
    check(n.start_idnode(), "idnode restart with log_file")
    n.wait_redis_links()


def lines(path):
    with open(path, encoding="utf-8") as f:
        out = f.read().split("\n")
    eq(out[-1], "", "log ends with a newline")
    for ln in out[:-1]:
        check(LINE.fullmatch(ln), "not one key=value event: %r" % ln)
    return out[:-1]


def access(path):
    """Access lines, but the harness's own /healthz probes."""
    return [ln for ln in lines(path) if " event=access " in ln and
            'path="/healthz"' not in ln]


@g.test("access_log_sample=1: one line per answer on each plane; client "
        "bytes escaped, no query string")
def _(n):
    log = os.path.join(n.dir, "node.log")
    use_log_file(n, log)
    eq(n.resolve(H).rc_name, "SUCCESS", "udp")
    eq(n.resolve(H, transport="tcp").rc_name, "SUCCESS", "tcp")
    eq(n.resolve('88.123.45/"x\ny').rc_name, "INVALID_HANDLE", "bad name")
    st, _, _ = n.http("GET", "/api/handles/" + H + "?token=SECRET42")
    eq(st, 200, "http")
    n.http("GET", "/api/handles/88.1/%22q%0Ainjected=1")
    time.sleep(scaled(0.3))
    got = access(log)
    eq(len(got), 5, "access lines:\n" + "\n".join(got))
    check('plane=udp' in got[0] and 'handle="%s"' % H in got[0] and
          "rc=SUCCESS" in got[0], got[0])
    check("plane=tcp" in got[1], got[1])
    check('handle="88.123.45/\\x22x\\x0ay"' in got[2], got[2])
    check('plane=http' in got[3] and 'status=200' in got[3] and
          'path="/api/handles/%s"' % H in got[3], got[3])
    text = open(log).read()
    check("SECRET42" not in text, "a query string reached the log")
    check(all(ln.startswith("ts=") for ln in text.split("\n")[:-1]),
          "a client's newline split a log line")


@g.test("access_log_sample=10 logs one answer in ten; 0 logs none; a "
        "reload changes it")
def _(n):
    log = os.path.join(n.dir, "sample.log")
    use_log_file(n, log, access_log_sample=10)
    for _ in range(50):
        n.resolve(H)
    for _ in range(20):
        n.http("GET", "/api/handles/" + H)
    time.sleep(scaled(0.3))
    eq(len(access(log)), 7, "sampled lines")
    n.write_config(log_file=log, access_log_sample=0)
    n.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + scaled(5)
    while "event=reload result=ok" not in open(log).read():
        check(time.monotonic() < deadline, "no reload logged")
        time.sleep(0.05)
    for _ in range(30):
        n.resolve(H)
    time.sleep(scaled(0.3))
    eq(len(access(log)), 7, "no access lines after access_log_sample=0")


@g.test("SIGHUP reopens the log file: after logrotate moved it, new "
        "lines go to a new file and the old one keeps the old lines")
def _(n):
    log = os.path.join(n.dir, "rot.log")
    use_log_file(n, log)
    n.resolve(H)
    time.sleep(scaled(0.2))
    os.rename(log, log + ".1")
    n.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + scaled(5)
    while not os.path.exists(log):
        check(time.monotonic() < deadline, "log file not recreated")
        time.sleep(0.05)
    n.resolve(H)
    time.sleep(scaled(0.3))
    new = lines(log)
    check(any("event=reload" in ln for ln in new), "reload not in new file")
    eq(len(access(log)), 1, "the access line after the reopen")
    eq(len(access(log + ".1")), 1,
       "access line before the move stays in the old file")
