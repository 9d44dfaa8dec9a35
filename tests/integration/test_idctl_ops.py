"""idctl for operators: health and top against the admin listener, and
enterprise / prefix commands through the node's own SNMS API (the
registry's rules, its audit) as a staff account."""
import http.client
import json
import os
import pty
import re
import select
import signal
import subprocess
import threading
import time

import data
import ents
import harness
from harness import Group, check, eq, scaled
import snms

NODE = "88.123"
g = Group("idctl ops", records=[data.ALL],
          config={"node_prefix": NODE, "ghr_name": "GHR", "cache": True})
H = data.ALL["handle"]
PASSWORD = "pw-review-7f3a"
REV = "ops-rev"  # ents.staff has "rev"


def other_config(n, name, **over):
    """A config file for this node with some keys changed."""
    path = os.path.join(n.dir, name)
    with open(path, "w") as f:
        json.dump(n.config(**over), f)
    return path


def idctl_with(path, *args, timeout=20, input=None, env=None):
    return subprocess.run(
        [os.path.join(harness.BUILD, "idctl"), "-c", path] + list(args),
        capture_output=True, text=True, timeout=scaled(timeout), input=input,
        env=env)


def no_token_env():
    env = dict(os.environ)
    env.pop("IDNODE_TOKEN", None)
    return env


def as_reviewer(n, *args, password=PASSWORD, env=None):
    """idctl logged in as the reviewer: with --user and the password on
    standard input, or with the token in `env` (IDNODE_TOKEN)."""
    if env is not None:
        return subprocess.run(
            [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path] +
            list(args), capture_output=True, text=True, timeout=scaled(20),
            env=env)
    return n.idctl(*args, "--user", REV, input=password + "\n")


def reviewer(n):
    """The reviewer account idctl logs in as, made once."""
    if not getattr(n, "_rev", None):
        snms.user_add(n, REV, "reviewer", PASSWORD)
        n._rev = True


def applied(n, **profile):
    """A new enterprise that applied through the API: (uscc, token)."""
    e, t, body = ents.enterprise(n, **profile)
    snms.ok(n, "POST", ents.APPLY, body, t)
    return e, t


def tokens(n):
    out = n.redis_cli("--scan", "--pattern", "tok:*").stdout.split()
    return len(out)


class Load:
    """Sends UDP resolutions one after the other (and, if asked, other
    traffic) on a thread until stopped; counts what it sent."""

    def __init__(self, n, extra=None):
        self.n, self.extra = n, extra
        self.count, self.stop = 0, threading.Event()
        self.errors = []
        self.th = threading.Thread(target=self.run)

    def run(self):
        while not self.stop.is_set():
            try:
                eq(self.n.resolve(H).rc_name, "SUCCESS", "load resolution")
                self.count += 1
                if self.extra:
                    self.extra()
            except Exception as e:  # reported by the test
                self.errors.append(e)
                return

    def __enter__(self):
        self.t0 = time.monotonic()
        self.th.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.th.join(scaled(10))
        self.rate = self.count / (time.monotonic() - self.t0)
        check(not self.errors, "load: %r" % self.errors[:1])


# ------------------------------------------------------------ health

@g.test("health: a ready node exits 0 with version, pid, workers and "
        "Redis; --json is both raw answers")
def _(n):
    p = n.idctl("health")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    conn = http.client.HTTPConnection("127.0.0.1", n.admin_port,
                                      timeout=scaled(5))
    conn.request("GET", "/healthz")
    j = json.loads(conn.getresponse().read())
    conn.close()
    check(re.search(r"idnode %s  pid %d  up \d\d:\d\d:\d\d"
                    % (re.escape(j["version"]), n.proc.pid), p.stdout),
          "first line: %r" % p.stdout)
    check("workers 2  answered 2/2  Redis connected 2/2" in p.stdout,
          "workers line: %r" % p.stdout)
    eq(p.stdout.splitlines()[-1], "ready", "verdict")
    p = n.idctl("health", "--json")
    eq(p.returncode, 0, "--json exit status")
    j = json.loads(p.stdout)
    eq((j["healthz"]["status"], j["healthz"]["pid"]), ("ok", n.proc.pid),
       "healthz")
    eq((j["readyz"]["ready"], j["readyz"]["redis"]),
       (True, {"connected_workers": 2, "workers": 2}), "readyz")


@g.test("health: nothing at the admin address exits 2 with the reason; "
        "so does a config without an admin listener")
def _(n):
    port = harness.free_tcp_port(avoid=(n.handle_port, n.http_port,
                                        n.admin_port))
    p = idctl_with(other_config(n, "nobody.json", admin_port=port), "health")
    eq(p.returncode, 2, "exit status (stdout %r)" % p.stdout)
    check("cannot connect to 127.0.0.1:%d" % port in p.stderr,
          "stderr %r" % p.stderr)
    p = idctl_with(other_config(n, "off.json", admin_port=0), "health")
    eq(p.returncode, 2, "admin_port 0: exit status")
    check("admin listener is off" in p.stderr, "stderr %r" % p.stderr)
    p = idctl_with(other_config(n, "nobody.json", admin_port=port),
                   "top", "--once", "--interval", "0.1")
    eq(p.returncode, 1, "top --once without a node: exit status")
    check("cannot connect" in p.stderr, "top stderr %r" % p.stderr)
    eq(n.idctl("top", "--interval", "0").returncode, 2, "--interval 0")


# --------------------------------------------------------------- top

@g.test("top --once --json: UDP, HTTP and registry-write rates of the "
        "interval match the traffic sent; earlier TCP traffic is not "
        "counted; percentiles are ordered and plausible")
def _(n):
    for _ in range(50):
        eq(n.resolve(H, transport="tcp").rc_name, "SUCCESS", "tcp before")
    e, t, body = ents.enterprise(n)

    def extra():
        st, _, _ = n.http("GET", "/api/handles/88.900.1/NOPE")
        eq(st, 404, "HTTP miss")
        snms.ok(n, "POST", ents.APPLY, body, t)

    with Load(n, extra) as load:
        p = n.idctl("top", "--once", "--json", "--interval", "2")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    f = json.loads(p.stdout)
    udp, tcp, web = (f["planes"][k] for k in ("udp", "tcp", "http"))
    check(1.5 <= f["interval_s"] < scaled(6), "interval %r" % f["interval_s"])
    check(0.4 * load.rate <= udp["rps"] <= 2.5 * load.rate,
          "udp %.1f/s, but the test sent %.1f/s" % (udp["rps"], load.rate))
    check(abs(udp["codes"]["ok"] - udp["rps"]) < 1e-6 and
          udp["codes"]["notfound"] == 0, "udp codes %r" % udp["codes"])
    eq((tcp["rps"], tcp["p99_ms"]), (0, None),
       "tcp: the 50 resolutions before the interval are not in it")
    check(0.4 * load.rate <= web["codes"]["notfound"] <= 2.5 * load.rate,
          "http 404s %r at %.1f/s sent" % (web["codes"], load.rate))
    check(udp["p50_ms"] <= udp["p90_ms"] <= udp["p99_ms"] < 1000 and
          udp["p50_ms"] > 0, "udp percentiles %r" % udp)
    check(f["registry_writes_per_s"]["by_action"].get("ent.apply", 0) > 0,
          "registry writes %r" % f["registry_writes_per_s"])
    check(0 < f["cache"]["hit_ratio"] <= 1, "cache %r" % f["cache"])
    eq((f["workers"], f["redis_connected_workers"]), (2, 2), "workers")


@g.test("top --once: one text frame, no screen control, a UDP line with "
        "the rate and TCP at 0")
def _(n):
    with Load(n) as load:
        p = n.idctl("top", "--once", "--interval", "1")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    check("\033" not in p.stdout, "escape sequences in --once output")
    rows = {}
    for ln in p.stdout.splitlines():
        if ln.split() and ln.split()[0] in ("udp", "tcp", "http"):
            rows.setdefault(ln.split()[0], ln.split())
    eq(sorted(rows), ["http", "tcp", "udp"], "plane rows in %r" % p.stdout)
    check(float(rows["udp"][1]) > 0.4 * load.rate,
          "udp row %r at %.1f/s sent" % (rows["udp"], load.rate))
    eq(rows["tcp"][1:], ["0.0"] * 6 + ["-"] * 3, "tcp row")
    check(max(len(ln) for ln in p.stdout.splitlines()) <= 80,
          "a line over 80 columns:\n" + p.stdout)


def drain(fd):
    """What is left to read on a pty whose process has exited."""
    out = b""
    while select.select([fd], [], [], 0.1)[0]:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
    return out


def live_top(n, stop):
    """idctl top on a terminal until `stop(pid, fd)`; (exit status,
    everything it wrote)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(os.path.join(harness.BUILD, "idctl"),
                 ["idctl", "-c", n.config_path, "top", "--interval", "0.2"])
    out = b""
    deadline = time.monotonic() + scaled(10)
    try:
        while time.monotonic() < deadline and out.count(b"\nudp ") < 2:
            if select.select([fd], [], [], 0.2)[0]:
                out += os.read(fd, 65536)
        check(out.count(b"\nudp ") >= 2, "no two frames: %r" % out[-500:])
        stop(pid, fd)
        deadline = time.monotonic() + scaled(5)
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                out += drain(fd)
                break
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise harness.TestFailure("idctl top did not exit")
        return os.waitstatus_to_exitcode(status), out
    finally:
        os.close(fd)


@g.test("top on a terminal: frames after clear-screen and home; q quits, "
        "so does Ctrl-C (SIGINT), exit 0 with the cursor shown again")
def _(n):
    for name, stop in (("q", lambda pid, fd: os.write(fd, b"q")),
                       ("SIGINT", lambda pid, fd: os.kill(pid, signal.SIGINT))):
        st, out = live_top(n, stop)
        eq(st, 0, "%s: exit status" % name)
        check(b"\033[H\033[2J" in out, "%s: no clear-screen" % name)
        check(out.rstrip().endswith(b"\033[?25h"),
              "%s: cursor not shown again at the end: %r" % (name, out[-80:]))


# ------------------------------------------------- enterprise, prefix

@g.test("enterprise list/show/approve, prefix show/list: an application "
        "approved by a reviewer through the API gets a prefix; audited "
        "as the reviewer; the login token is logged out")
def _(n):
    reviewer(n)
    e, t = applied(n)
    before = tokens(n)
    p = as_reviewer(n, "enterprise", "list", "--state", "submitted")
    eq(p.returncode, 0, "list exit status (stderr %r)" % p.stderr)
    row = [ln for ln in p.stdout.splitlines() if ln.startswith(e)]
    eq(len(row), 1, "list row of %s in %r" % (e, p.stdout))
    check(re.match(r"%s +submitted +- +- +\d{4}-" % e, row[0]),
          "row %r" % row[0])
    check(p.stdout.splitlines()[0].split() ==
          ["USCC", "STATE", "PREFIX", "REQUEST", "CREATED", "NAME"],
          "header %r" % p.stdout.splitlines()[0])
    p = as_reviewer(n, "enterprise", "show", e)
    eq(p.returncode, 0, "show exit status")
    check(re.search(r"^state: +submitted$", p.stdout, re.M),
          "show: %r" % p.stdout)
    p = as_reviewer(n, "enterprise", "approve", e)
    eq(p.returncode, 0, "approve exit status (stderr %r)" % p.stderr)
    m = re.match(r"%s: application approved, prefix (88\.123\.\d+)$" % e,
                 p.stdout.strip())
    check(m, "approve said %r" % p.stdout)
    prefix = m.group(1)
    q = ents.query(n, t, e)
    eq((q["state"], q["prefix"]), ("approved", prefix), "the API's record")
    p = as_reviewer(n, "prefix", "show", prefix)
    eq(p.returncode, 0, "prefix show exit status (stderr %r)" % p.stderr)
    for want in (r"^prefix: +%s$" % re.escape(prefix), r"^status: +enabled$",
                 r"^proxyState: +hosted$", r"^entNameCn: +企业\d+$"):
        check(re.search(want, p.stdout, re.M),
              "prefix show lacks %r: %r" % (want, p.stdout))
    p = as_reviewer(n, "prefix", "list", "--size", "1000")
    check(re.search(r"^%s +enabled +hosted +%s " % (re.escape(prefix), e),
                    p.stdout, re.M), "prefix list: %r" % p.stdout)
    p = n.idctl("audit", "--who", REV, "--target", e, "--json")
    acts = {(x["action"], x["role"], x["addr"])
            for x in json.loads(p.stdout)["entries"]}
    for act in ("ent.apply.start", "ent.apply.approve"):
        check((act, "reviewer", "127.0.0.1") in acts,
              "no %s of %s by %s through the API in the audit: %r"
              % (act, e, REV, acts))
    eq(tokens(n), before, "tokens left behind by idctl logins")


@g.test("enterprise approve --prefix with IDNODE_TOKEN; --kind change; "
        "reject --reason; --json outputs parse")
def _(n):
    reviewer(n)
    tok = snms.login(n, REV, PASSWORD)
    env = dict(os.environ, IDNODE_TOKEN=tok)
    e, t = applied(n)
    p = as_reviewer(n, "enterprise", "approve", e, "--prefix",
                    NODE + ".ops7", "--json", env=env)
    eq(p.returncode, 0, "approve exit status (stderr %r)" % p.stderr)
    d = json.loads(p.stdout)
    eq((d["uscc"], d["state"], d["prefix"]), (e, "approved", NODE + ".OPS7"),
       "approve --json")
    p = as_reviewer(n, "prefix", "show", NODE + ".ops7", "--json", env=env)
    eq((json.loads(p.stdout)["prefix"], json.loads(p.stdout)["status"]),
       (NODE + ".OPS7", 1), "prefix show --json")
    e2, t2 = applied(n)
    eq(as_reviewer(n, "enterprise", "reject", e2, env=env).returncode, 2,
       "reject without --reason")
    eq(ents.query(n, t2, e2)["state"], "submitted",
       "a refused command changed nothing")
    p = as_reviewer(n, "enterprise", "reject", e2, "--reason", "执照不清晰",
                    env=env)
    eq(p.returncode, 0, "reject exit status (stderr %r)" % p.stderr)
    eq(p.stdout.strip(), "%s: application rejected" % e2, "reject said")
    q = ents.query(n, t2, e2)
    eq((q["state"], q["reason"]), ("rejected", "执照不清晰"), "after reject")
    # A change request of an approved enterprise: --kind change.
    snms.ok(n, "POST", ents.CHANGE, {"entAddrCn": "厦门市"}, t)
    p = as_reviewer(n, "enterprise", "approve", e, "--kind", "change",
                    env=env)
    eq((p.returncode, p.stdout.strip()),
       (0, "%s: change request approved" % e), "approve --kind change")
    q = ents.query(n, t, e)
    eq((q["entAddrCn"], q["request"]), ("厦门市", None), "after the change")
    for args in (("enterprise", "list"), ("enterprise", "show", e2),
                 ("prefix", "list")):
        p = as_reviewer(n, *args, "--json", env=env)
        eq(p.returncode, 0, "%r --json exit status" % (args,))
        j = json.loads(p.stdout)
        check(isinstance(j, dict), "%r --json: %r" % (args, j))
    eq(j["totalElements"] >= 1 and isinstance(j["content"], list), True,
       "prefix list --json is the API's page")


@g.test("refusals print the API's message and exit 1: wrong password, an "
        "enterprise account approving (403), a taken prefix; no credentials "
        "is a usage error")
def _(n):
    reviewer(n)
    e, t = applied(n)
    p = as_reviewer(n, "enterprise", "list", password="not-the-password")
    eq(p.returncode, 1, "wrong password: exit status")
    check("wrong username or password" in p.stderr, "stderr %r" % p.stderr)
    # The enterprise's own account, through the same API.
    pw = "pw-ent-" + e[-4:]
    snms.user_add(n, "own" + e[-6:], "enterprise", pw, e)
    st, j, _ = snms.call(n, "POST", ents.REVIEW,
                         {"uscc": e, "action": "start"},
                         snms.login(n, "own" + e[-6:], pw))
    eq((st, j["status"]), (403, -3), "the API refuses the enterprise")
    p = n.idctl("enterprise", "approve", e, "--user", "own" + e[-6:],
                input=pw + "\n")
    eq(p.returncode, 1, "enterprise approving: exit status")
    check(j["message"] in p.stderr and "403" in p.stderr,
          "stderr %r lacks the API's %r" % (p.stderr, j["message"]))
    eq(ents.query(n, t, e)["state"], "submitted", "still submitted")
    _, _, taken = ents.admitted(n)
    p = as_reviewer(n, "enterprise", "approve", e, "--prefix", taken)
    eq(p.returncode, 1, "a taken prefix: exit status")
    check("already taken" in p.stderr, "stderr %r" % p.stderr)
    p = subprocess.run([os.path.join(harness.BUILD, "idctl"), "-c",
                        n.config_path, "enterprise", "list"],
                       capture_output=True, text=True, env=no_token_env(),
                       timeout=scaled(20))
    eq(p.returncode, 2, "no credentials: exit status")
    check("IDNODE_TOKEN" in p.stderr, "stderr %r" % p.stderr)
    port = harness.free_tcp_port(avoid=(n.handle_port, n.http_port,
                                        n.admin_port))
    p = idctl_with(other_config(n, "nohttp.json", http_port=port),
                   "enterprise", "list", "--user", REV,
                   input=PASSWORD + "\n")
    eq(p.returncode, 1, "no HTTP listener: exit status")
    check("cannot connect" in p.stderr, "stderr %r" % p.stderr)


# Last: it stops Redis.
@g.test("health: not ready once Redis is gone (exit 1, says why), ready "
        "again when it is back")
def _(n):
    n.stop_redis()
    deadline = time.monotonic() + scaled(10)
    while time.monotonic() < deadline:
        p = n.idctl("health")
        if p.returncode != 0:
            break
        time.sleep(0.1)
    eq(p.returncode, 1, "exit status without Redis (stdout %r, stderr %r)"
       % (p.stdout, p.stderr))
    check("not ready: 2 of 2 workers have no Redis connection" in p.stdout,
          "stdout %r" % p.stdout)
    j = json.loads(n.idctl("health", "--json").stdout)
    eq((j["readyz"]["ready"], j["readyz"]["redis"]["connected_workers"]),
       (False, 0), "readyz")
    n.start_redis()
    deadline = time.monotonic() + scaled(15)
    while time.monotonic() < deadline and n.idctl("health").returncode != 0:
        time.sleep(0.2)
    eq(n.idctl("health").returncode, 0, "ready again after Redis is back")
