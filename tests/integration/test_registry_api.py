"""The registry's call path (registry/api): bearer tokens, roles, the
SNMS envelope, malformed requests, and a busy or missing store."""
import json

import data
from harness import Group, check, eq
import snms

g = Group("registry api", records=[data.ALL])


@g.test("GET /identity/whoami with a token: the account, role and "
        "enterprise it runs as")
def _(n):
    t = snms.account(n, "ops1", "operator")
    eq(snms.ok(n, "GET", "/identity/whoami", token=t),
       {"username": "ops1", "role": "operator"}, "operator whoami")
    e = snms.uscc(1)
    t = snms.account(n, "ent1", "enterprise", e)
    eq(snms.ok(n, "GET", "/identity/whoami", token=t),
       {"username": "ent1", "role": "enterprise", "enterprise": e},
       "enterprise whoami")
    snms.no_secret_in_log(n)


@g.test("no token, a malformed header, a forged token and a revoked "
        "token: 401 status -1, each with its reason")
def _(n):
    snms.fails(n, "GET", "/identity/whoami", None, None, 401, -1,
               message="not logged in")
    for bad in ("Basic abc", "Bearer short", "Bearer " + "G" * 64,
                "Bearer " + "A" * 64, "Token " + "a" * 64):
        st, j, raw = snms.call(n, "GET", "/identity/whoami",
                               headers={"Authorization": bad})
        check((st, j and j.get("status")) == (401, -1),
              "header %r: expected 401 -1, got %d %r" % (bad, st, raw))
    snms.fails(n, "GET", "/identity/whoami", None, "f" * 64, 401, -1,
               message="unknown or expired token")
    t = snms.account(n, "ops2", "operator")
    snms.ok(n, "GET", "/identity/whoami", token=t)
    snms.ok(n, "DELETE", "/identity/token", token=t)
    snms.fails(n, "GET", "/identity/whoami", None, t, 401, -1,
               message="unknown or expired token")


@g.test("a token whose 24 h have passed (Redis expired the key): 401")
def _(n):
    t = snms.account(n, "ops3", "operator")
    keys = [k for k in n.redis_cli("--scan", "--pattern", "tok:*")
            .stdout.split() if k]
    check(keys, "no tok:* key after login")
    for k in keys:
        n.redis_cli("PEXPIRE", k, "1")
    import time
    time.sleep(0.05)
    snms.fails(n, "GET", "/identity/whoami", None, t, 401, -1)


@g.test("a registry route with the wrong method: 405; an unknown path "
        "under it: 404")
def _(n):
    st, j, raw = snms.call(n, "POST", "/identity/whoami", body={})
    eq(st, 405, "POST /identity/whoami (body %r)" % raw)
    st, j, raw = snms.call(n, "GET", "/identity/whoamiX")
    eq(st, 404, "GET /identity/whoamiX (body %r)" % raw)


@g.test("DELETE /identity/token?all=true logs the account out everywhere: "
        "every token it had is refused, other accounts keep theirs, a new "
        "login works")
def _(n):
    pw = "pw-everywhere-1"
    snms.user_add(n, "roamer", "operator", pw)
    t1, t2 = snms.login(n, "roamer", pw), snms.login(n, "roamer", pw)
    other = snms.account(n, "bystander", "operator")
    snms.ok(n, "GET", "/identity/whoami", token=t2)
    snms.ok(n, "DELETE", "/identity/token?all=true", token=t1)
    for t in (t1, t2):
        snms.fails(n, "GET", "/identity/whoami", None, t, 401, -1)
    snms.fails(n, "GET", "/identity/whoami", None, t2, 401, -1,
               message="revoked")
    snms.ok(n, "GET", "/identity/whoami", token=other)
    t3 = snms.login(n, "roamer", pw)
    eq(snms.ok(n, "GET", "/identity/whoami", token=t3)["username"], "roamer",
       "a login after logging out everywhere")
    # A revoked token cannot log out everywhere again.
    snms.fails(n, "DELETE", "/identity/token?all=true", None, t1, 401, -1)


@g.test("a token stored before session generations (name role ent) is "
        "still accepted until its account logs out everywhere")
def _(n):
    import hashlib
    snms.user_add(n, "legacy", "operator", "pw-legacy-1")
    tok = "ab" * 32
    k = "tok:" + hashlib.sha256(tok.encode()).hexdigest()
    n.redis_cli("SET", k, "legacy operator -", "EX", "600")
    eq(snms.ok(n, "GET", "/identity/whoami", token=tok)["username"],
       "legacy", "old-format token")
    t = snms.login(n, "legacy", "pw-legacy-1")
    snms.ok(n, "DELETE", "/identity/token?all=1", token=t)
    snms.fails(n, "GET", "/identity/whoami", None, tok, 401, -1)


@g.test("idctl user passwd: the new password works, the old one and every "
        "token issued before are refused; an unknown user is an error")
def _(n):
    import os
    import subprocess
    import harness
    snms.user_add(n, "forgetful", "enterprise", "pw-old-pass-1", snms.uscc(3))
    t = snms.login(n, "forgetful", "pw-old-pass-1")

    def passwd(name, pw):
        snms.remember(n, pw)
        return subprocess.run(
            [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path,
             "user", "passwd", name], input=(pw + "\n").encode(),
            capture_output=True, timeout=harness.scaled(30))
    p = passwd("forgetful", "pw-new-pass-2")
    eq(p.returncode, 0, "idctl user passwd (stderr %r)" % p.stderr)
    snms.fails(n, "GET", "/identity/whoami", None, t, 401, -1,
               message="revoked")
    snms.fails(n, "POST", "/identity/token",
               {"username": "forgetful", "password": "pw-old-pass-1"}, None,
               401, -2)
    t2 = snms.login(n, "forgetful", "pw-new-pass-2")
    eq(snms.ok(n, "GET", "/identity/whoami", token=t2)["enterprise"],
       snms.uscc(3), "role and enterprise kept")
    p = passwd("nobody-here", "pw-whatever-3")
    eq(p.returncode, 1, "passwd of an unknown user: exit status")
    check(b"no such user nobody-here" in p.stderr, "stderr %r" % p.stderr)
    eq(n.redis_cli("EXISTS", "user:{nobody-here}").stdout.strip(), "0",
       "passwd creates no account")
    snms.no_secret_in_log(n)
