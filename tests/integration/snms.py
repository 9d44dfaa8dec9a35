"""An SNMS client for the registry tests: accounts, login and calls that
return (HTTP status, envelope).  Every password and token it handles is
remembered so tests can check none reaches idnode's log."""
import http.client
import json
import os
import secrets
import socket
import subprocess

import harness
from harness import TestFailure, check, eq, scaled

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30,
                28]


def uscc(i):
    """The i-th made-up enterprise code, with a correct check character
    (GB 32100: 31 - sum(weight * value) mod 31)."""
    body = "91350100" + "MA%07d" % i
    s = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - s % 31) % 31]


# The code domain.md §7 works through.
USCC_EXAMPLE = "91350100M000100Y43"

SECRETS = {}


def remember(n, s):
    SECRETS.setdefault(n.dir, set()).add(s)
    return s


def user_add(n, name, role, password, uscc=None):
    """idctl user add; raises unless it succeeds."""
    remember(n, password)
    args = [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path,
            "user", "add", name, "--role", role]
    if uscc:
        args += ["--enterprise", uscc]
    p = subprocess.run(args, capture_output=True, timeout=scaled(30),
                       input=(password + "\n").encode())
    eq(p.returncode, 0, "idctl user add %s: exit status (stderr %r)"
       % (name, p.stderr))


def call(n, method, path, body=None, token=None, headers=None, timeout=20):
    """Returns (HTTP status, parsed envelope or None, raw bytes)."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                      timeout=scaled(timeout))
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        raw = r.read()
        st = r.status
    except socket.timeout:
        raise TestFailure("%s %s: no answer within %.1f s"
                          % (method, path, scaled(timeout)))
    finally:
        conn.close()
    try:
        j = json.loads(raw) if raw else None
    except ValueError:
        raise TestFailure("%s %s: HTTP %d, body is not JSON: %r"
                          % (method, path, st, raw[:300]))
    return st, j, raw


def ok(n, method, path, body=None, token=None, what=None):
    """A call that must succeed (HTTP 200, status 1); returns data."""
    st, j, raw = call(n, method, path, body, token)
    check(st == 200 and isinstance(j, dict) and j.get("status") == 1,
          "%s: expected 200 status 1, got %d %r"
          % (what or "%s %s" % (method, path), st, raw[:500]))
    return j.get("data")


def fails(n, method, path, body, token, http, status, what=None,
          message=None):
    """A call that must fail with this HTTP and SNMS status; returns the
    message."""
    st, j, raw = call(n, method, path, body, token)
    label = what or "%s %s" % (method, path)
    check(isinstance(j, dict) and sorted(j) == ["data", "message", "status"],
          "%s: not an SNMS envelope: %d %r" % (label, st, raw[:300]))
    check((st, j["status"]) == (http, status),
          "%s: expected HTTP %d status %d, got %d %r"
          % (label, http, status, st, raw[:500]))
    if message is not None:
        check(message in (j["message"] or ""),
              "%s: message %r lacks %r" % (label, j["message"], message))
    return j["message"]


def login(n, name, password):
    data = ok(n, "POST", "/identity/token",
              {"username": name, "password": password},
              what="login %s" % name)
    return remember(n, data["token"])


def account(n, name, role, uscc=None):
    """Creates an account with a random password and logs in: the token."""
    pw = "pw-" + secrets.token_hex(8)
    user_add(n, name, role, pw, uscc)
    return login(n, name, pw)


def no_secret_in_log(n):
    log = n.stderr_text()
    for s in sorted(SECRETS.get(n.dir, ())):
        if len(s) >= 6:
            check(s not in log, "a secret (%r) is in idnode's log" % s)


def prefix_record(n, prefix, uscc, state=1, proxy=4):
    """A prefix record as registry/pfx reads it (upper-cased prefix):
    owner USCC, state (1 enabled), proxy (4 hosted here)."""
    r = n.redis_cli("HSET", "pfx:{%s}" % prefix.upper(), "ent", uscc,
                    "state", str(state), "proxy", str(proxy), "c", "1700000000")
    eq(r.returncode, 0, "redis-cli HSET pfx (stderr %r)" % r.stderr)


def _resp_read(f):
    line = f.readline()
    check(line.endswith(b"\r\n"), "RESP: truncated reply %r" % line)
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        return TestFailure("redis error: %r" % rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = f.read(size + 2)
        return data[:-2]
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_resp_read(f) for _ in range(size)]
    raise TestFailure("RESP: unexpected reply %r" % line)


def redis_many(n, commands):
    """Pipelines commands (lists of str/bytes) over the node's Redis
    socket, binary-safe; returns the replies (bytes, int, None, lists)."""
    out = bytearray()
    for cmd in commands:
        out += b"*%d\r\n" % len(cmd)
        for a in cmd:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(scaled(20))
    try:
        s.connect(n.sock_path)
        s.sendall(bytes(out))
        f = s.makefile("rb")
        return [_resp_read(f) for _ in commands]
    finally:
        s.close()


def hgetall(n, key):
    """A hash as {field bytes: value bytes}, binary-safe."""
    r = redis_many(n, [["HGETALL", key]])[0]
    return dict(zip(r[0::2], r[1::2]))
