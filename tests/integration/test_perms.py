"""Data permissions on every read path (resolver/rperm, resolver/web,
registry/grant, registry/trace; docs/trace.md "Who sees what"): the
same caller sees the same values over UDP, TCP, HTTP and the trace API;
tokens on resolution are checked, never ignored; grants and their
revocation take effect on the next request."""
import os
import secrets
import subprocess
import urllib.parse

import data
import harness
from harness import Group, check, eq
import ents
import snms

g = Group("perms", config={"node_prefix": "88.321"})

DATA = "/identityv2/data"
TPL = "/snms/api/v5/template"
GR = "/api/grants/"
HD = "/api/handles/"
VERSION = "perm-v1"
PUBLIC = [1001, 2000]
ALL = [1001, 1002, 1003, 2000]


def owner(n):
    """An approved enterprise with a template and one identifier (1002
    OWNER and 1003 REGISTRANT are not public): (uscc, token, prefix,
    handle)."""
    e, t, p = ents.admitted(n)
    snms.ok(n, "POST", TPL, {"prefix": p, "version": VERSION, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]},
        t)
    h = p + "/PUMP-" + secrets.token_hex(3).upper()
    d = snms.ok(n, "POST", DATA + "/batchCreate", [
        {"handle": h, "templateVersion": VERSION,
         "value": [{"index": 2000, "type": "serialNo",
                    "data": {"format": "string", "value": "SN-1"}}]}], t)
    eq(d[0]["code"], 1, "created")
    return e, t, p, h


def http_view(n, h, token=None, query=""):
    """(HTTP status, sorted indexes or the body) of GET /api/handles."""
    st, j, raw = snms.call(n, "GET", HD + h + query, token=token)
    if st == 200:
        return st, sorted(v["index"] for v in j["values"])
    return st, j


def snms_view(n, h, token=None):
    st, j, _ = snms.call(n, "GET", DATA + "/detail?handle=" +
                         urllib.parse.quote(h, safe=""), token=token)
    eq(st, 200, "SNMS detail of %s" % h)
    return sorted(v["index"] for v in j["data"]["value"])


def trace_view(n, h, token=None):
    d = snms.ok(n, "GET", "/api/trace/" + h + "?depth=1", token=token)
    node = [x for x in d["nodes"] if x["handle"] == h][0]
    return sorted(v["index"] for v in node["values"])


def handle_view(n, h, transport):
    r = n.resolve(h, transport=transport)
    eq(r.rc_name, "SUCCESS", "%s resolution of %s" % (transport, h))
    return sorted(v["index"] for v in r.values)


@g.test("anonymous callers read public values on UDP, TCP and HTTP; the "
        "owner's token reads everything over HTTP")
def _(n):
    e, t, p, h = owner(n)
    for tr in ("udp", "tcp"):
        eq(handle_view(n, h, tr), PUBLIC, "anonymous over " + tr)
    eq(http_view(n, h), (200, PUBLIC), "anonymous over HTTP")
    eq(snms_view(n, h), PUBLIC, "anonymous, SNMS shape")
    # Unchanged for anonymous callers: a private index is simply absent.
    st, j, _ = snms.call(n, "GET", HD + h + "?index=1002")
    eq((st, j["responseCode"], j["values"]), (200, 200, []),
       "anonymous asking for 1002")
    eq(http_view(n, h, t), (200, ALL), "owner over HTTP")
    eq(snms_view(n, h, t), ALL, "owner, SNMS shape")
    st, j, _ = snms.call(n, "GET", HD + h + "?index=1002", token=t)
    eq((st, [v["data"]["value"] for v in j["values"]]), (200, [e]),
       "owner asking for 1002")
    # The owner's answer did not leak into the shared cache: anonymous
    # callers after it still read the public values only.
    eq(http_view(n, h), (200, PUBLIC), "anonymous after the owner")
    eq(handle_view(n, h, "udp"), PUBLIC, "UDP after the owner")


@g.test("read grants on the identifier and on its prefix show the "
        "restricted values; another enterprise gets 403 for them; "
        "revocation holds on the next request")
def _(n):
    e, t, p, h = owner(n)
    pid, tid, _ = ents.admitted(n)
    ppx, tpx, _ = ents.admitted(n)
    other, to, _ = ents.admitted(n)
    snms.ok(n, "POST", GR + h, {"grantee": pid, "scopes": ["read"]}, t)
    snms.ok(n, "POST", GR + p, {"grantee": ppx, "scopes": ["read"]}, t)
    snms.ok(n, "POST", GR + h, {"grantee": other, "scopes": ["event"]}, t)
    eq(http_view(n, h, tid), (200, ALL), "grant on the identifier")
    eq(http_view(n, h, tpx), (200, ALL), "grant on the prefix")
    eq(snms_view(n, h, tpx), ALL, "grant on the prefix, SNMS shape")
    eq(http_view(n, h, to), (200, PUBLIC), "an event grant reads nothing")
    for q in ("?index=1002", "?type=OWNER", "?index=2000&index=1003"):
        st, j = http_view(n, h, to, q)
        eq((st, j["responseCode"]), (403, 401), "other enterprise " + q)
        check("not public" in j["message"], "message %r" % j["message"])
    st, j, _ = snms.call(n, "GET", DATA + "/detail?index=1002&handle=" + h,
                         token=to)
    eq((st, j["status"]), (403, -3), "SNMS shape refuses with -3")
    eq(http_view(n, h, to, "?index=2000"), (200, [2000]), "public index")
    # Revocation is read on the next request: no decision is cached.
    snms.ok(n, "DELETE", GR + h + "?grantee=" + pid, token=t)
    eq(http_view(n, h, tid), (200, PUBLIC), "identifier grant revoked")
    snms.ok(n, "DELETE", GR + p + "?grantee=" + ppx, token=t)
    eq(http_view(n, h, tpx), (200, PUBLIC), "prefix grant revoked")
    st, j = http_view(n, h, tpx, "?index=1003")
    eq(st, 403, "revoked grantee asking for 1003")


@g.test("a token on resolution is checked: malformed, unknown, logged out "
        "and deleted-account tokens get 401, never an anonymous answer")
def _(n):
    e, t, p, h = owner(n)
    cases = [("Bearer " + "0" * 64, "unknown or expired"),
             ("Bearer abc", "malformed"),
             ("Basic dXNlcjpwdw==", "malformed"),
             ("Bearer " + t.upper(), "malformed")]
    for hdr, msg in cases:
        for path in (HD + h, DATA + "/detail?handle=" + h):
            st, j, _ = snms.call(n, "GET", path,
                                 headers={"Authorization": hdr})
            eq(st, 401, "%r on %s" % (hdr[:20], path))
            check(msg in j["message"], "message %r lacks %r"
                  % (j["message"], msg))
    st, hdrs, _ = n.http("GET", HD + h,
                         headers={"Authorization": "Bearer " + "1" * 64})
    eq((st, hdrs.get("WWW-Authenticate")), (401, "Bearer"), "challenge")
    st, j, _ = snms.call(n, "GET", HD + h, token="f" * 64)
    eq((st, j["responseCode"]), (401, 402), "Handle.Net shape code")
    snms.ok(n, "DELETE", "/identity/token", token=t)
    st, j, _ = snms.call(n, "GET", HD + h, token=t)
    eq(st, 401, "a logged-out token")
    op, _ = ents.staff(n)
    eq(http_view(n, h, op), (200, PUBLIC), "staff read public values")
    eq(http_view(n, h, op, "?index=1002")[0], 403, "staff asking for 1002")


@g.test("trace and resolution agree: each caller sees the same values of "
        "an identifier through /api/handles and /api/trace")
def _(n):
    e, t, p, h = owner(n)
    pid, tid, _ = ents.admitted(n)
    ppx, tpx, _ = ents.admitted(n)
    other, to, _ = ents.admitted(n)
    snms.ok(n, "POST", GR + h, {"grantee": pid, "scopes": ["read"]}, t)
    snms.ok(n, "POST", GR + p, {"grantee": ppx, "scopes": ["read"]}, t)
    op, _ = ents.staff(n)
    callers = [("anonymous", None, PUBLIC), ("owner", t, ALL),
               ("identifier grantee", tid, ALL),
               ("prefix grantee", tpx, ALL), ("other", to, PUBLIC),
               ("operator", op, PUBLIC)]
    for who, tok, want in callers:
        eq((http_view(n, h, tok), trace_view(n, h, tok)), ((200, want), want),
           "%s: resolution and trace" % who)
    snms.ok(n, "DELETE", GR + h + "?grantee=" + pid, token=t)
    eq((http_view(n, h, tid), trace_view(n, h, tid)),
       ((200, PUBLIC), PUBLIC), "after the revocation")


def shared_template(p, version, ents):
    return {"prefix": p, "version": version, "enterprises": ents, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}},
        {"name": "批次", "idType": "batchNo", "idIndex": 2001,
         "publicRead": False,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]}


def register(n, tok, h, version, tprefix=None):
    """batchCreate of one item: its result {code, message, ...}."""
    item = {"handle": h, "templateVersion": version,
            "value": [{"index": 2000, "type": "serialNo",
                       "data": {"format": "string", "value": "SN-9"}},
                      {"index": 2001, "type": "batchNo",
                       "data": {"format": "string", "value": "LOT-7"}}]}
    if tprefix:
        item["templatePrefix"] = tprefix
    st, j, raw = snms.call(n, "POST", DATA + "/batchCreate", [item], tok)
    check(j is not None and isinstance(j.get("data"), list),
          "batchCreate answer %r" % raw[:300])
    return j["data"][0]


@g.test("a template shared with listed enterprises: they view it and "
        "register against it, others cannot; PUT narrows the list")
def _(n):
    a, ta, pa = ents.admitted(n)
    b, tb, pb = ents.admitted(n)
    c, tc, pc = ents.admitted(n)
    snms.ok(n, "POST", TPL, shared_template(pa, "shared-v1", [b.lower()]), ta)
    got = snms.ok(n, "GET", TPL + "?prefix=%s&version=shared-v1" % pa,
                  token=tb)
    eq((got["enterprises"], got["items"][1]["publicRead"]), ([b], False),
       "the listed enterprise reads it, list and item flag kept")
    eq([x["version"] for x in snms.ok(n, "GET", TPL + "?prefix=" + pa,
                                      token=tb)], ["shared-v1"], "B's list")
    snms.fails(n, "GET", TPL + "?prefix=%s&version=shared-v1" % pa, None, tc,
               403, -3, message="not shared")
    snms.fails(n, "GET", TPL + "?prefix=" + pa, None, tc, 403, -3,
               message="shares no template")
    r = register(n, tb, pb + "/B-1", "shared-v1", pa)
    eq(r["code"], 1, "B registers against A's template: %r" % r)
    r = register(n, tc, pc + "/C-1", "shared-v1", pa)
    eq(r["code"], -3, "C may not: %r" % r)
    check("not shared" in r["msg"], "message %r" % r["msg"])
    # PUT with a list replaces it: B loses the template.
    snms.ok(n, "PUT", TPL, shared_template(pa, "shared-v1", []), ta)
    r = register(n, tb, pb + "/B-2", "shared-v1", pa)
    eq(r["code"], -3, "B after the PUT: %r" % r)
    snms.fails(n, "GET", TPL + "?prefix=%s&version=shared-v1" % pa, None, tb,
               403, -3)
    # The owner itself still uses it for its own prefix.
    eq(register(n, ta, pa + "/A-1", "shared-v1")["code"], 1, "owner")
    snms.fails(n, "POST", TPL, shared_template(pa, "bad", ["not-a-uscc"]),
               ta, 400, -2, message="enterprises[0]")


@g.test("an item marked publicRead false: its values are stored without "
        "PUBLIC_READ, so only the owner and read grantees resolve them")
def _(n):
    a, ta, pa = ents.admitted(n)
    g2, tg, _ = ents.admitted(n)
    snms.ok(n, "POST", TPL, shared_template(pa, "np-v1", []), ta)
    h = pa + "/NP-1"
    eq(register(n, ta, h, "np-v1")["code"], 1, "registered")
    for tr in ("udp", "tcp"):
        eq(handle_view(n, h, tr), PUBLIC, "anonymous over " + tr)
    eq(http_view(n, h), (200, PUBLIC), "anonymous over HTTP")
    st, j, _ = snms.call(n, "GET", HD + h + "?index=2001", token=ta)
    eq((st, [(v["data"]["value"], v["permissions"]) for v in j["values"]]),
       (200, [("LOT-7", "1100")]), "owner reads 2001, stored not public")
    eq(http_view(n, h, tg, "?index=2001")[0], 403, "another enterprise")
    snms.ok(n, "POST", GR + h, {"grantee": g2, "scopes": ["read"]}, ta)
    eq(http_view(n, h, tg), (200, [1001, 1002, 1003, 2000, 2001]),
       "a read grantee")
    eq(trace_view(n, h, tg), [1001, 1002, 1003, 2000, 2001],
       "the same through the trace API")


# ------------------------------------------------------------ secrets

s = Group("secrets", config={"node_prefix": "88.322",
                             "access_log_sample": 1})


def redis_everything(n):
    """Every key and value in the node's Redis, as one text."""
    out = []
    keys = n.redis_cli("--scan").stdout.split()
    readers = {"string": ("GET",), "hash": ("HGETALL",),
               "set": ("SMEMBERS",), "zset": ("ZRANGE", "0", "-1"),
               "list": ("LRANGE", "0", "-1"), "stream": ("XRANGE", "-", "+")}
    for k in keys:
        t = n.redis_cli("TYPE", k).stdout.strip()
        if t in readers:
            cmd = readers[t]
            # Values are binary (wire-encoded handle values): as bytes.
            r = subprocess.run(["redis-cli", "-s", n.sock_path, cmd[0], k] +
                               list(cmd[1:]), capture_output=True,
                               timeout=30)
            out.append(k + " " + r.stdout.decode("latin-1"))
    return "\n".join(out)


@s.test("registrations, good and bad logins, platforms, revocations and "
        "resolutions with tokens leave no secret in the log, the access "
        "log, the audit stream or Redis")
def _(n):
    e, t, p, h = owner(n)
    partner, tp, _ = ents.admitted(n)
    snms.ok(n, "POST", GR + h, {"grantee": partner, "scopes": ["read"]}, t)
    # Logins that fail: a wrong password of a real account, an unknown one.
    wrong = snms.remember(n, "wrong-" + secrets.token_hex(8))
    for name in ("ent101", "nobody-" + secrets.token_hex(2)):
        st, j, _ = snms.call(n, "POST", "/identity/token",
                             {"username": name, "password": wrong})
        eq(st, 401, "bad login of %s" % name)
    # A platform: its secret is shown once; it logs in with it.
    d = snms.ok(n, "POST", "/snms/api/platform",
                {"name": "ERP", "kind": "erp"}, t)
    snms.remember(n, d["secret"])
    pt = snms.login(n, d["keyId"], d["secret"])
    eq(http_view(n, h, pt), (200, ALL), "the platform resolves as its owner")
    eq(http_view(n, h, tp), (200, ALL), "the grantee resolves")
    forged = snms.remember(n, secrets.token_hex(32))
    eq(http_view(n, h, forged)[0], 401, "a forged token")
    snms.fails(n, "GET", "/identity/whoami", None, forged, 401, -1)
    # Revocations: one token, then every token of the partner's account.
    snms.ok(n, "DELETE", "/identity/token", token=pt)
    snms.ok(n, "DELETE", "/identity/token?all=true", token=tp)
    eq(http_view(n, h, tp)[0], 401, "after logout everywhere")
    eq(http_view(n, h, pt)[0], 401, "after logout")
    audit = n.redis_cli("XRANGE", "audit", "-", "+").stdout
    log = n.stderr_text()
    store = redis_everything(n)
    # The places searched are the right ones: what is not secret is there.
    check("event=access" in log and "/api/handles/" in log,
          "the access log is in the log")
    check("user=ent101" in log and "result=denied" in log,
          "logins are logged")
    check("platform.create" in audit and partner in audit,
          "the audit stream holds the calls")
    check(d["keyId"] in store, "Redis holds the platform's account")
    found = [(where, sec[:8]) for sec in snms.SECRETS.get(n.dir, ())
             for where, text in (("log", log), ("audit", audit),
                                 ("redis", store))
             if len(sec) >= 6 and sec in text]
    eq(found, [], "secrets found")
    check(len(snms.SECRETS[n.dir]) >= 8, "secrets checked: %d"
          % len(snms.SECRETS[n.dir]))


r = Group("redis password", node=False)


@r.test("redis_password: a config file holding it is refused unless it "
        "is 0600; then idnode, its registry threads and idctl "
        "authenticate to a Redis with requirepass; the password is never "
        "logged")
def _(_n):
    pw = "redis-" + secrets.token_hex(12)
    n = harness.Node("redis_password", config={"redis_password": pw},
                     redis_args=["--appendonly", "no", "--requirepass", pw])
    old = os.environ.get("REDISCLI_AUTH")
    os.environ["REDISCLI_AUTH"] = pw  # for the harness's redis-cli
    ok = False
    try:
        n.pick_ports()
        n.start_redis()
        for mode in (0o644, 0o640):
            os.chmod(n.config_path, mode)
            check(not n.start_idnode(final=False), "started with mode %o"
                  % mode)
            check(n.exit_status not in (0, None), "exit status")
            err = n.stderr_text()
            check("redis_password, a secret" in err and
                  "mode %o" % mode in err, "the reason: %r" % err[-400:])
        os.chmod(n.config_path, 0o600)
        check(n.start_idnode(final=True), "started with mode 600")
        eq(n.healthz().get("redis"), True, "the workers' pool authenticated")
        n.import_records([data.ALL])  # idctl import: the store writer
        eq(n.resolve(data.ALL["handle"]).rc_name, "SUCCESS", "imported")
        tok = snms.account(n, "ops1", "operator")  # idctl, then a login
        st, j, _ = snms.call(n, "GET", "/identity/whoami", token=tok)
        eq((st, j["data"]["role"]), (200, "operator"), "registry thread")
        eq(snms.call(n, "GET", HD + "88.1/NONE", token=tok)[0], 404,
           "resolution with a token (the resolver's pool)")
        check(pw not in n.stderr_text(), "the password is in the log")
        eq(n.stop_idnode(), [], "clean stop")
        ok = True
    finally:
        n.shutdown()
        if old is None:
            del os.environ["REDISCLI_AUTH"]
        else:
            os.environ["REDISCLI_AUTH"] = old
        if ok:
            n.cleanup()
