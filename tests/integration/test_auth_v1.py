"""SNMS "密文传输" login (domain.md §2.A): POST /identity/token/v1 with
password = sha256hex(sha256hex(plain) + "yyyy-MM-dd"), the node holding
sha256hex(plain) sealed with its key file (secret_key_file) as pw1."""
import atexit
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

import harness
from harness import Group, check, eq, scaled
from test_auth import (SECRETS, WRONG, hgetall, http_call, logout, must_add,
                       secret, user_key)

PATH_V1 = "/identity/token/v1"
KEYDIR = tempfile.mkdtemp(prefix="idnode-keys-", dir="/tmp")
atexit.register(shutil.rmtree, KEYDIR, True)


def write_key(name, content, mode=0o600):
    path = os.path.join(KEYDIR, name)
    with open(path, "wb") as f:
        f.write(content)
    os.chmod(path, mode)
    return path


KEY = write_key("node.key", os.urandom(32).hex().encode() + b"\n")
PLAIN = "v1-Pass-" + os.urandom(6).hex()


def utc_today():
    """Today's UTC date, away from midnight (so the node agrees on it)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    midnight = (now + datetime.timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    if (midnight - now).total_seconds() < 5:
        time.sleep((midnight - now).total_seconds() + 0.5)
        now = datetime.datetime.now(datetime.timezone.utc)
    return now.date()


def inner(plain):
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def digest(plain, day):
    """domain.md §2.A, computed here from the formula."""
    return hashlib.sha256((inner(plain) + day.strftime("%Y-%m-%d"))
                          .encode("ascii")).hexdigest()


def login_v1(n, user, password):
    secret(n, password)
    body = json.dumps({"username": user, "password": password})
    return http_call(n, "POST", path=PATH_V1, body=body.encode(),
                     headers={"Content-Type": "application/json"})


def v1_ok(n, user, password, what):
    st, j, raw, _ = login_v1(n, user, password)
    eq(st, 200, "%s: HTTP status (body %r)" % (what, raw))
    eq((j["status"], j["message"]), (1, "success"), what + ": envelope")
    tok = j["data"]["token"]
    check(len(tok) == 64 and int(tok, 16) >= 0, what + ": token")
    eq(j["data"]["expiresIn"], 86400, what + ": expiresIn")
    return secret(n, tok)


def v1_wrong(n, user, password, what):
    st, j, raw, _ = login_v1(n, user, password)
    eq((st, j), (401, WRONG), what + " (body %r)" % raw)


g = Group("auth v1", config={"secret_key_file": KEY})


@g.test("idnode --routes lists POST /identity/token/v1")
def _(n):
    p = subprocess.run([os.path.join(harness.BUILD, "idnode"), "--routes"],
                       capture_output=True, text=True, timeout=scaled(10))
    check("POST /identity/token/v1" in p.stdout.splitlines(),
          "routes: %r" % p.stdout)


@g.test("today's digest logs in; the token is a normal token; pw1 is "
        "sealed, not the password's hash")
def _(n):
    must_add(n, "alice", "operator", PLAIN)
    h = hgetall(n, user_key("alice"))
    check(h.get("pw1", "").startswith("gcm1$"), "pw1 stored: %r" % h)
    for s in (PLAIN, inner(PLAIN)):
        check(s not in h["pw1"], "pw1 holds the password or its hash")
    secret(n, h["pw1"])
    tok = v1_ok(n, "alice", digest(PLAIN, utc_today()), "today")
    st, j, _, _ = logout(n, tok)
    eq((st, j["status"]), (200, 1), "the v1 token revokes like any other")


@g.test("yesterday's and tomorrow's digests are accepted; two days off, "
        "a wrong digest, the plain password and upper-case hex are not")
def _(n):
    must_add(n, "bob", "operator", PLAIN)
    today = utc_today()
    day = datetime.timedelta(days=1)
    v1_ok(n, "bob", digest(PLAIN, today - day), "yesterday")
    v1_ok(n, "bob", digest(PLAIN, today + day), "tomorrow")
    for d, what in ((digest(PLAIN, today - 2 * day), "two days ago"),
                    (digest(PLAIN, today + 2 * day), "in two days"),
                    (digest(PLAIN + "x", today), "wrong password's digest"),
                    (PLAIN, "plain password"),
                    (digest(PLAIN, today).upper(), "upper-case hex"),
                    (inner(PLAIN), "sha256hex(plain) alone")):
        v1_wrong(n, "bob", d, what)


@g.test("unknown user and user without pw1: the same answer as a wrong "
        "digest")
def _(n):
    must_add(n, "carol", "operator", PLAIN)
    good = digest(PLAIN, utc_today())
    v1_wrong(n, "nosuchuser", good, "unknown user")
    n.redis_cli("HDEL", user_key("carol"), "pw1")
    v1_wrong(n, "carol", good, "user without pw1")
    # The plain login still works for that account.
    st, j, _, _ = http_call(n, "POST", body=json.dumps(
        {"username": "carol", "password": PLAIN}).encode(),
        headers={"Content-Type": "application/json"})
    eq((st, j["status"]), (200, 1), "plain /identity/token for carol")
    secret(n, j["data"]["token"])


@g.test("idctl user passwd gives an account made without pw1 a v1 "
        "login, and the old password's digest stops working")
def _(n):
    must_add(n, "frida", "operator", PLAIN)
    n.redis_cli("HDEL", user_key("frida"), "pw1")  # as if made before the key
    v1_wrong(n, "frida", digest(PLAIN, utc_today()), "before passwd")
    new = PLAIN + "-2"
    secret(n, new)
    p = subprocess.run([os.path.join(harness.BUILD, "idctl"), "-c",
                        n.config_path, "user", "passwd", "frida"],
                       input=(new + "\n").encode(), capture_output=True,
                       timeout=scaled(30))
    eq(p.returncode, 0, "idctl user passwd (stderr %r)" % p.stderr)
    v1_ok(n, "frida", digest(new, utc_today()), "new password, v1")
    v1_wrong(n, "frida", digest(PLAIN, utc_today()), "old password, v1")


@g.test("pw1 is bound to its account and to every bit: copied or changed "
        "it is refused (and logged)")
def _(n):
    must_add(n, "dave", "operator", PLAIN)
    must_add(n, "erin", "operator", PLAIN + "-erin")
    dave = hgetall(n, user_key("dave"))["pw1"]
    erin = hgetall(n, user_key("erin"))["pw1"]
    secret(n, dave)
    secret(n, erin)
    n.redis_cli("HSET", user_key("erin"), "pw1", dave)
    v1_wrong(n, "erin", digest(PLAIN, utc_today()), "dave's pw1 on erin")
    v1_wrong(n, "erin", digest(PLAIN + "-erin", utc_today()),
             "erin with dave's pw1")
    flipped = erin[:-3] + ("A" if erin[-3] != "A" else "B") + erin[-2:]
    n.redis_cli("HSET", user_key("erin"), "pw1", flipped)
    v1_wrong(n, "erin", digest(PLAIN + "-erin", utc_today()), "changed pw1")
    check("event=login_pw1_unusable user=erin" in n.stderr_text(),
          "an unusable pw1 is logged")
    v1_ok(n, "dave", digest(PLAIN, utc_today()), "dave unaffected")


@g.test("malformed bodies: 400 as on /identity/token")
def _(n):
    for body in (b"", b"{", b"[]", b'{"username":"a"}',
                 json.dumps({"username": "a", "password": "p" * 65}).encode(),
                 json.dumps({"username": "a", "password": 5}).encode()):
        st, j, raw, _ = http_call(n, "POST", path=PATH_V1, body=body,
                                  headers={"Content-Type":
                                           "application/json"})
        eq((st, j["status"], j["data"]), (400, -2, None),
           "body %r: %r" % (body, raw))


@g.test("no password, hash, digest, pw1 or token in the log")
def _(n):
    must_add(n, "frank", "operator", PLAIN)
    v1_ok(n, "frank", digest(PLAIN, utc_today()), "frank")
    secret(n, inner(PLAIN))
    log = n.stderr_text()
    check("event=login" in log, "logins are logged at all")
    for s in sorted(SECRETS.get(n.dir, ())):
        check(len(s) < 6 or s not in log,
              "a secret (%r...) is in idnode's log" % s[:8])


# -------------------------------------------------------- without a key

off = Group("auth v1 off")


@off.test("no secret_key_file: v1 answers 400 -2 naming it; accounts get "
          "no pw1")
def _(n):
    must_add(n, "gina", "operator", PLAIN)
    check("pw1" not in hgetall(n, user_key("gina")), "no pw1 without a key")
    st, j, raw, _ = login_v1(n, "gina", digest(PLAIN, utc_today()))
    eq((st, j["status"], j["data"]), (400, -2, None), "v1 disabled: %r" % raw)
    check("secret_key_file" in j["message"], "message: %r" % j["message"])


# ------------------------------------------------------ key file checks

files = Group("auth v1 key file", node=False)


def run_idnode(*args):
    return subprocess.run([os.path.join(harness.BUILD, "idnode")] +
                          list(args), capture_output=True, text=True,
                          timeout=scaled(10), stdin=subprocess.DEVNULL)


def config_with(key, name):
    path = os.path.join(KEYDIR, name + ".json")
    with open(path, "w") as f:
        json.dump({"secret_key_file": key, "handle_bind": "127.0.0.1",
                   "http_bind": "127.0.0.1", "workers": 1,
                   "handle_port": harness.free_port_pair(),
                   "http_port": harness.free_tcp_port(), "admin_port": 0,
                   "redis_socket": os.path.join(KEYDIR, "none.sock")}, f)
    return path


@files.test("a key file that group or others can read: idnode and idctl "
            "refuse to start")
def _(n):
    for mode in (0o644, 0o640, 0o604, 0o660, 0o700):
        key = write_key("k%o" % mode, os.urandom(32).hex().encode(), mode)
        cfg = config_with(key, "k%o" % mode)
        for args in (("-c", cfg), ("-c", cfg, "--check-config")):
            p = run_idnode(*args)
            eq(p.returncode, 1, "idnode %s with mode %o: exit status "
               "(stderr %r)" % (" ".join(args[2:]), mode, p.stderr))
            check("0600" in p.stderr and "secret_key_file" in p.stderr,
                  "mode %o: stderr says why: %r" % (mode, p.stderr))
        p = subprocess.run([os.path.join(harness.BUILD, "idctl"), "-c", cfg,
                            "user", "add", "x", "--role", "operator"],
                           capture_output=True, text=True, input="pw\n",
                           timeout=scaled(10))
        eq(p.returncode, 1, "idctl user add with mode %o" % mode)
        check("0600" in p.stderr, "idctl stderr: %r" % p.stderr)


@files.test("key forms: 64 hex digits (newline optional) or 32 bytes, mode "
            "0600 or 0400; anything else refused")
def _(n):
    good = [(os.urandom(32).hex().encode(), 0o600),
            (os.urandom(32).hex().upper().encode() + b"\n", 0o400),
            (os.urandom(32), 0o600)]
    bad = [os.urandom(31), os.urandom(33), b"", os.urandom(32).hex().encode()
           + b"\n\n", b"zz" + os.urandom(31).hex().encode(),
           os.urandom(32).hex().encode()[:63]]
    for i, (content, mode) in enumerate(good):
        cfg = config_with(write_key("good%d" % i, content, mode), "g%d" % i)
        p = run_idnode("-c", cfg, "--check-config")
        eq((p.returncode, p.stdout.strip()), (0, "configuration OK"),
           "good key %d (stderr %r)" % (i, p.stderr))
    for i, content in enumerate(bad):
        cfg = config_with(write_key("bad%d" % i, content), "b%d" % i)
        p = run_idnode("-c", cfg, "--check-config")
        eq(p.returncode, 1, "bad key %d accepted" % i)
        check("32 bytes or 64 hex digits" in p.stderr, "stderr %r" % p.stderr)
    p = run_idnode("-c", config_with(os.path.join(KEYDIR, "missing"), "m"),
                   "--check-config")
    eq(p.returncode, 1, "missing key file")
