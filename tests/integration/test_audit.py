"""The audit log API (GET /snms/api/audit) and `idctl audit`: paging
newest first, filters, and who may read what.  The entries here are
appended the way registry/audit.c appends them; that real writes append
them is checked by the registry tests."""
import json
import os
import subprocess

import harness
from harness import Group, check, eq, scaled
import snms

g = Group("audit", records=[])

E1, E2 = snms.uscc(11), snms.uscc(12)


def seed(n, count=30):
    """Appends `count` entries; returns their ids, oldest first."""
    ids = []
    for i in range(count):
        ent = E1 if i % 3 == 0 else (E2 if i % 3 == 1 else "-")
        p = n.redis_cli("XADD", "audit", "*", "who", "u%d" % i, "role",
                        "enterprise", "ent", ent, "act",
                        "ident.create" if i % 2 else "tpl.create", "tgt",
                        "88.1.%d/X" % i, "res", "ok", "addr", "127.0.0.1")
        ids.append(p.stdout.strip())
    return ids


def idctl_audit(n, *args):
    p = subprocess.run([os.path.join(harness.BUILD, "idctl"), "-c",
                        n.config_path, "audit"] + list(args),
                       capture_output=True, text=True, timeout=scaled(20))
    return p.returncode, p.stdout, p.stderr


@g.test("operator pages through every entry newest first, without "
        "repeats, following `next`; filters by action and enterprise")
def _(n):
    ids = seed(n)
    op = snms.account(n, "aud-op", "operator")
    got, before = [], None
    for _ in range(10):
        q = "/snms/api/audit?count=7" + ("&before=" + before if before
                                         else "")
        d = snms.ok(n, "GET", q, token=op)
        got += [e["id"] for e in d["entries"]]
        before = d["next"]
        if before is None:
            break
    eq(got, list(reversed(ids)), "ids paged newest first")
    d = snms.ok(n, "GET", "/snms/api/audit?count=100&action=tpl.create",
                token=op)
    eq([e["id"] for e in d["entries"]], list(reversed(ids[0::2])),
       "action filter")
    check(all(e["action"] == "tpl.create" for e in d["entries"]),
          "action filter let others through")
    d = snms.ok(n, "GET", "/snms/api/audit?count=3&enterprise=" + E1,
                token=op)
    eq([e["id"] for e in d["entries"]], list(reversed(ids[0::3]))[:3],
       "enterprise filter, first page")
    e = d["entries"][0]
    eq(sorted(e), ["action", "addr", "enterprise", "id", "result", "role",
                   "target", "time", "who"], "entry fields")
    check(e["time"].endswith("Z") and e["time"][:4].isdigit(),
          "time %r not ISO 8601 UTC" % e["time"])


@g.test("an enterprise reads only its own entries; asking for another's "
        "is 403 -3; a platform may not read the audit log")
def _(n):
    seed(n, 9)
    t = snms.account(n, "aud-e1", "enterprise", E1)
    d = snms.ok(n, "GET", "/snms/api/audit?count=1000", token=t)
    check(d["entries"], "no entries for the enterprise")
    check(all(e["enterprise"] == E1 for e in d["entries"]),
          "an enterprise saw others' entries")
    snms.fails(n, "GET", "/snms/api/audit?enterprise=" + E2, None, t, 403,
               -3)
    p = snms.account(n, "pf-aud", "platform", E1)
    snms.fails(n, "GET", "/snms/api/audit", None, p, 403, -3)
    snms.fails(n, "GET", "/snms/api/audit", None, None, 401, -1)


@g.test("bad paging parameters: 400 -2")
def _(n):
    op = snms.account(n, "aud-op2", "operator")
    for q in ("count=0", "count=1001", "count=x", "before=abc",
              "before=1-2-3", "before=" + "9" * 30):
        snms.fails(n, "GET", "/snms/api/audit?" + q, None, op, 400, -2,
                   what="audit?" + q)


@g.test("idctl audit prints the newest entries, --json the page, and "
        "follows --before")
def _(n):
    n.redis_cli("DEL", "audit")
    ids = seed(n, 5)
    rc, out, err = idctl_audit(n, "--count", "2")
    eq(rc, 0, "idctl audit exit status (stderr %r)" % err)
    lines = out.splitlines()
    eq(len(lines), 3, "two entries and a 'more' line: %r" % out)
    check(lines[0].startswith(ids[4] + " ") and "act=tpl.create" in lines[0]
          and "tgt=88.1.4/X" in lines[0], "first line %r" % lines[0])
    eq(lines[2], "# more: idctl audit --before %s" % ids[3], "more line")
    rc, out, err = idctl_audit(n, "--json", "--before", ids[3])
    eq(rc, 0, "idctl audit --json exit status (stderr %r)" % err)
    page = json.loads(out)
    eq([e["id"] for e in page["entries"]], [ids[2], ids[1], ids[0]],
       "--before page")
    eq(page["next"], None, "next at the end")
    rc, out, err = idctl_audit(n, "--count", "0")
    eq(rc, 2, "--count 0 exit status")
