"""idctl import --format csv|jsonl against a template: rows checked like
registrations, bad rows in the errors file, refusals before anything is
written, progress, and resuming after kill -9."""
import csv
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
import urllib.parse

import harness
from harness import Group, check, eq, scaled

sys.path.insert(0, os.path.join(harness.TOP, "tests", "data"))
import gen_import  # noqa: E402

P = "88.123.45"
USCC = "91350100M000100Y43"
VER = "equip-v1"
TYPES = [t for _, t, _, _, _, _ in gen_import.ITEMS]
INDEX = {t: i for _, t, i, _, _, _ in gen_import.ITEMS}
SUMMARY = re.compile(r"import: (\d+) records read, (\d+) written, "
                     r"(\d+) rejected")

g = Group("import")


def register(n, prefix=P, state=1, proxy=4, version=VER):
    """The prefix record (registry/pfx.h) and its template, as the
    registry would store them."""
    n.redis_cli("HSET", "pfx:{%s}" % prefix, "ent", USCC, "state",
                str(state), "proxy", str(proxy), "c", str(int(time.time())))
    if version:
        n.redis_cli("SET", "tpl:{%s}:%s" % (prefix, version),
                    json.dumps(gen_import.template(prefix, version),
                               ensure_ascii=False))


def row(handle, **vals):
    return [handle] + [vals.get(t, "") for t in TYPES]


def good(i, prefix=P, **over):
    vals = {"serialNo": "SN%06d" % i, "model": "VMC-850",
            "mfgDate": "2026-03-14", "makerUSCC": USCC}
    vals.update(over)
    return row("%s/T-%06d" % (prefix, i), **vals)


def write_csv(n, name, rows, header=None, newline="\n"):
    path = os.path.join(n.dir, name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator=newline)
        w.writerow(header or ["handle"] + TYPES)
        w.writerows(rows)
    return path


def run(n, path, *extra, fmt="csv", timeout=60):
    return n.idctl("import", "--format", fmt, "--template", VER, *extra,
                   path, timeout=timeout)


def summary(p):
    for marker in harness.SANITIZER_MARKERS:
        check(marker not in p.stderr, "idctl: %s" % p.stderr[-3000:])
    m = SUMMARY.search(p.stderr)
    check(m, "no summary line in %r" % p.stderr[-500:])
    return tuple(int(x) for x in m.groups())


def expect_stored(n, handle, vals, what):
    """The identifier resolves (UDP) to exactly TEMPLATE and `vals`
    (idType -> text), each encoded as an import encodes a string."""
    r = n.resolve(handle)
    eq(r.rc_name, "SUCCESS", "%s: %s" % (what, handle))
    want = {1001: ("TEMPLATE", VER)}
    want.update({INDEX[t]: (t, v) for t, v in vals.items() if v})
    got = r.by_index()
    eq(sorted(got), sorted(want), "%s: %s indexes" % (what, handle))
    for idx, (t, v) in want.items():
        gv = got[idx]
        eq((gv["type"], gv["data"]), (t, v.encode()),
           "%s: %s index %d" % (what, handle, idx))
        eq((gv["ttl_type"], gv["ttl"], gv["perms"], gv["refs"]),
           (0, 86400, harness.PERM_DEFAULT, []),
           "%s: %s index %d ttl/perms/refs" % (what, handle, idx))


def handle_keys(n, prefix=P):
    out = n.redis_cli("--scan", "--pattern", "h:{%s/*" % prefix).stdout
    return set(k[3:-1] for k in out.split())


def vals_of(r):
    return dict(zip(TYPES, r[1:]))


@g.test("csv: every row written; idctl resolve, UDP and the SNMS HTTP "
        "view agree")
def _(n):
    register(n)
    rows = [good(i) for i in range(1, 41)]
    rows[3] = good(4, maintLog='coolant pump "B", serviced',
                   parentLine=P + "/LINE-7")
    rows[4] = good(5, maintLog="two\nlines", model="离心泵 CP-200")
    path = write_csv(n, "ok.csv", rows, newline="\r\n")
    p = run(n, path, "--as", "ops1")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    eq(summary(p), (40, 40, 0), "records read, written, rejected")
    check("\r" not in p.stderr, "progress bar drawn without a terminal")
    check(not os.path.exists(path + ".idctl-resume"),
          "checkpoint left behind by a finished import")
    eq(handle_keys(n), set(r[0] for r in rows), "identifiers stored")
    for r in rows[:6]:
        expect_stored(n, r[0], vals_of(r), "csv")
    meta = n.redis_cli("HGET", "h:{%s}" % rows[0][0], "_m").stdout.strip()
    check(re.fullmatch(r"c=(\d+) u=\1 by=ops1", meta), "_m is %r" % meta)
    h = rows[4][0]
    pc = n.idctl("resolve", h)
    eq(pc.returncode, 0, "idctl resolve (stderr %r)" % pc.stderr)
    for want in ("TEMPLATE", VER, "离心泵 CP-200", "serialNo"):
        check(want in pc.stdout, "idctl resolve lacks %r" % want)
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=" +
                              urllib.parse.quote(h))
    eq((st, j.get("status")), (200, 1), "HTTP detail status")
    eq(j["data"]["templateVersion"], VER, "templateVersion")
    got = {v["index"]: (v["type"], v["data"]["value"])
           for v in j["data"]["value"]}
    eq(got.get(2005), ("maintLog", "two\nlines"), "HTTP maintLog")
    eq(got.get(2001), ("model", "离心泵 CP-200"), "HTTP model")


@g.test("jsonl: SNMS registration lines written like the CSV rows")
def _(n):
    register(n, prefix="88.123.50")
    path = os.path.join(n.dir, "ok.jsonl")
    subprocess.run([sys.executable, gen_import.__file__, "--count", "25",
                    "--prefix", "88.123.50", "--jsonl", path], check=True)
    p = run(n, path, fmt="jsonl")
    eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
    eq(summary(p), (25, 25, 0), "records read, written, rejected")
    rows = list(gen_import.rows(25, "88.123.50", 1))
    eq(handle_keys(n, "88.123.50"), set(r[0] for r in rows), "stored")
    for r in rows[:5]:
        expect_stored(n, r[0], vals_of(r), "jsonl")
    meta = n.redis_cli("HGET", "h:{%s}" % rows[0][0], "_m").stdout.strip()
    check(re.fullmatch(r"c=\d+ u=\d+ by=idctl", meta), "_m is %r" % meta)


@g.test("bad rows: one errors-file line each with its line number; "
        "every other row written; exit 1")
def _(n):
    register(n, prefix="88.123.51")
    q = "88.123.51"
    lines = [
        "handle," + ",".join(TYPES),                                # 1
        ",".join(good(1, q)),                                       # 2
        "88.123.51/B-HANDLE X,SN,M,2026-03-14," + USCC + ",,",      # 3
        ",".join(good(2, "88.123.99")),                             # 4
        "88.123.51/B-REQ,,M,2026-03-14," + USCC + ",,",             # 5
        "88.123.51/B-LEN,SN,M,2026-3-14," + USCC + ",,",            # 6
        "88.123.51/B-FIELDS,SN,M",                                  # 7
        '88.123.51/B-QUOTE,S"N,M,2026-03-14,' + USCC + ",,",        # 8
        "",                                                         # 9
        ",".join(good(3, q)[:6]) + ',"a log\nover two lines"',      # 10-11
        ",".join(good(4, q)),                                       # 12
        '"88.123.51/B-AFTER"x,SN,M,2026-03-14,' + USCC + ",,",      # 13
        ",".join(good(5, q)),                                       # 14
    ]
    path = os.path.join(n.dir, "mixed.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    errs = os.path.join(n.dir, "mixed.errors")
    p = run(n, path, "--errors", errs)
    eq(p.returncode, 1, "exit status with rejected rows (stderr %r)"
       % p.stderr)
    eq(summary(p), (11, 4, 7), "records read, written, rejected")
    with open(errs, encoding="utf-8") as f:
        got = f.read().splitlines()
    nums = []
    for ln in got:
        m = re.match(r"line (\d+): \S", ln)
        check(m, "errors file line %r is not 'line N: reason'" % ln)
        nums.append(int(m.group(1)))
    eq(nums, [3, 4, 5, 6, 7, 8, 13], "errors file line numbers (%r)" % got)
    for num, needle in ((3, "bad handle"), (4, "not under prefix"),
                        (5, "required item serialNo"), (6, "outside 10-10"),
                        (7, "fields, the header has 7"), (8, "quote"),
                        (13, "closing quote")):
        check(needle in got[nums.index(num)],
              "line %d: %r lacks %r" % (num, got[nums.index(num)], needle))
    check(not re.search(r"(?m)^%s:\d+:" % re.escape(path), p.stderr),
          "rejected rows on stderr despite --errors")
    eq(handle_keys(n, q), set(good(i, q)[0] for i in (1, 3, 4, 5)),
       "identifiers stored")
    expect_stored(n, good(3, q)[0],
                  dict(vals_of(good(3, q)), maintLog="a log\nover two lines"),
                  "row after a rejected one")
    eq(handle_keys(n, "88.123.99"), set(), "row of another prefix stored")
    a = n.idctl("audit", "--json", "--action", "ident.import", "--target",
                path)
    entries = json.loads(a.stdout)["entries"]
    eq([(x["who"], x["result"]) for x in entries],
       [("idctl", "written=4 rejected=7")], "the import's audit entry")


@g.test("jsonl bad lines: reason and line in the errors file")
def _(n):
    register(n, prefix="88.123.52")
    ok = {"handle": "88.123.52/J-1", "templateVersion": VER,
          "value": [{"index": 2000 + k, "type": t,
                     "data": {"format": "string", "value": v}}
                    for k, (t, v) in enumerate(zip(
                        TYPES, ["SN1", "M", "2026-03-14", USCC]))]}
    bad_ver = dict(ok, handle="88.123.52/J-2", templateVersion="equip-v9")
    bad_fmt = json.loads(json.dumps(ok))
    bad_fmt["handle"] = "88.123.52/J-3"
    bad_fmt["value"][0]["data"] = {"format": "hex", "value": "00"}
    bad_idx = json.loads(json.dumps(ok))
    bad_idx["handle"] = "88.123.52/J-4"
    bad_idx["value"][0]["index"] = 1001
    lines = [json.dumps(ok), '{"handle": "88.123.52/J-5", "value": [',
             json.dumps(bad_ver), json.dumps(bad_fmt), json.dumps(bad_idx),
             json.dumps(dict(ok, handle="88.123.52/J-6"))]
    path = os.path.join(n.dir, "mixed.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    errs = os.path.join(n.dir, "mixed-jsonl.errors")
    p = run(n, path, "--errors", errs, fmt="jsonl")
    eq(p.returncode, 1, "exit status (stderr %r)" % p.stderr)
    eq(summary(p), (6, 2, 4), "records read, written, rejected")
    got = open(errs).read().splitlines()
    eq([ln.split(":")[0] for ln in got],
       ["line 2", "line 3", "line 4", "line 5"], "errors (%r)" % got)
    for ln, needle in zip(got, ("invalid JSON", "templateVersion is not",
                                "format", "reserved")):
        check(needle in ln, "%r lacks %r" % (ln, needle))
    eq(handle_keys(n, "88.123.52"), {"88.123.52/J-1", "88.123.52/J-6"},
       "identifiers stored")


@g.test("refused before anything is written: unknown column, required "
        "column missing, prefix unregistered, disabled or not hosted, "
        "template missing, bad options")
def _(n):
    register(n, prefix="88.123.53")
    register(n, prefix="88.123.54", state=0)
    register(n, prefix="88.123.55", proxy=1)
    register(n, prefix="88.123.56", version=None)
    for name, header, prefix, extra, needle in (
            ("unknown", ["handle"] + TYPES + ["colour"], "88.123.53", (),
             "column 8 is not an item"),
            ("required", ["handle", "model", "mfgDate", "makerUSCC"],
             "88.123.53", (), "no column for serialNo"),
            ("first", TYPES + ["handle"], "88.123.53", (),
             'first column must be "handle"'),
            ("unregistered", None, "88.123.57", (), "88.123.57 is not "
             "registered"),
            ("disabled", None, "88.123.54", (), "88.123.54 is not enabled"),
            ("hosted", None, "88.123.55", (), "not hosted by this node"),
            ("template", None, "88.123.56", (),
             "template equip-v1 of prefix 88.123.56 not found"),
            ("prefix-option", None, "88.123.53", ("--prefix", "88.123.54"),
             "88.123.54 is not enabled")):
        rows = [good(i, prefix) for i in range(1, 4)]
        path = write_csv(n, "refuse-%s.csv" % name, rows, header)
        p = run(n, path, *extra)
        check(p.returncode != 0, "%s: exit status 0" % name)
        check(needle in p.stderr, "%s: stderr %r lacks %r"
              % (name, p.stderr, needle))
        eq(handle_keys(n, prefix), set(), "%s: identifiers written" % name)
        check(not os.path.exists(path + ".idctl-resume"),
              "%s: checkpoint written" % name)
    path = write_csv(n, "opts.csv", [good(1, "88.123.53")])
    for args, needle in ((["--template", VER, path], "go with --format"),
                         (["--format", "csv", path], "needs --template"),
                         (["--format", "xml", "--template", VER, path],
                          "unknown format"),
                         (["--format", "csv", "--template", VER, "--batch",
                           "0", path], "not a number from 1"),
                         (["--format", "csv", "--template", VER,
                           "--connections", "65", path],
                          "1 to 64 connections"),
                         (["--format", "csv", "--template", VER, "--as",
                           "a b", path], "--as"),
                         (["--format", "csv", "--template", VER, "--resume",
                           "-"], "regular file"),
                         (["--format", "csv", "--template", VER, "--bogus",
                           path], "unknown option")):
        p = n.idctl("import", *args)
        check(p.returncode != 0, "%r: exit status 0" % args)
        check(needle in p.stderr, "%r: stderr %r lacks %r"
              % (args, p.stderr, needle))
    eq(handle_keys(n, "88.123.53"), set(), "identifiers written")


@g.test("the prefix comes from the first record without --prefix; "
        "standard input needs --prefix")
def _(n):
    register(n, prefix="88.123.58")
    rows = [good(i, "88.123.58") for i in range(1, 4)]
    path = write_csv(n, "first.csv", rows)
    data = open(path).read()
    p = n.idctl("import", "--format", "csv", "--template", VER, "-",
                input=data)
    check(p.returncode != 0 and "give --prefix" in p.stderr,
          "stdin without --prefix: %r" % p.stderr)
    p = n.idctl("import", "--format", "csv", "--template", VER, "--prefix",
                "88.123.58", "-", input=data)
    eq((p.returncode, summary(p)), (0, (3, 3, 0)), "stdin with --prefix")
    n.redis_cli("DEL", *["h:{%s}" % r[0] for r in rows])
    p = run(n, path)
    eq((p.returncode, summary(p)), (0, (3, 3, 0)), "file, prefix read")
    eq(handle_keys(n, "88.123.58"), set(r[0] for r in rows), "stored")


@g.test("re-import replaces each record: values left out are gone, "
        "others updated")
def _(n):
    register(n, prefix="88.123.59")
    first = [good(i, "88.123.59", maintLog="log %d" % i,
                  parentLine="88.123.59/LINE-1") for i in range(1, 4)]
    eq(run(n, write_csv(n, "v1.csv", first)).returncode, 0, "first import")
    second = [good(1, "88.123.59", model="NEW"),
              good(2, "88.123.59", maintLog="log 2b")]
    p = run(n, write_csv(n, "v2.csv", second))
    eq((p.returncode, summary(p)), (0, (2, 2, 0)), "second import")
    expect_stored(n, second[0][0], vals_of(second[0]), "replaced")
    expect_stored(n, second[1][0], vals_of(second[1]), "replaced")
    expect_stored(n, first[2][0], vals_of(first[2]), "untouched")


@g.test("on a terminal: a progress bar with rate and ETA")
def _(n):
    register(n, prefix="88.123.60")
    path = os.path.join(n.dir, "tty.csv")
    subprocess.run([sys.executable, gen_import.__file__, "--count", "60000",
                    "--prefix", "88.123.60", "--csv", path], check=True)
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(
            [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path,
             "import", "--format", "csv", "--template", VER, "--batch", "50",
             "--connections", "1", path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=slave)
        os.close(slave)
        slave = None
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        eq(p.wait(timeout=scaled(60)), 0, "exit status")
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    text = out.decode("utf-8", "replace")
    check(re.search(r"\r\[[#.]{30}\] +\d+%  \d+ written  0 rejected  "
                    r"\d+/s  ETA \d+:\d\d", text),
          "no progress bar in %r" % text[-400:])
    m = SUMMARY.search(text)
    check(m and m.groups() == ("60000", "60000", "0"),
          "summary after the bar: %r" % text[-300:])


@g.test("kill -9 mid-import, --resume: every identifier once, right "
        "values, errors once each, counts add up")
def _(n):
    q = "88.123.61"
    register(n, prefix=q)
    total = 300000
    path = os.path.join(n.dir, "big.csv")
    subprocess.run([sys.executable, gen_import.__file__, "--count",
                    str(total), "--prefix", q, "--csv", path], check=True)
    # Every 997th row gets a bad date: rejected, whichever run reads it.
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    bad = set()
    for k in range(997, total + 1, 997):
        cells = lines[k].split(",")
        cells[3] = "2026-1-1"
        lines[k] = ",".join(cells)
        bad.add(k + 1)  # file line number
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    errs = os.path.join(n.dir, "big.errors")
    ckpt = path + ".idctl-resume"
    args = [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path,
            "import", "--format", "csv", "--template", VER, "--errors", errs,
            path]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + scaled(60)
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(ckpt):
            nkeys = int(n.redis_cli("DBSIZE").stdout.split()[0])
            if nkeys > total // 5:
                proc.send_signal(signal.SIGKILL)
                killed_at = nkeys
                break
        time.sleep(0.01)
    proc.wait()
    check(killed_at is not None, "import ended (%s) before it could be "
          "killed" % proc.returncode)
    check(os.path.exists(ckpt), "no checkpoint after kill -9")
    saved = dict(ln.split(" ", 1) for ln in
                 open(ckpt).read().splitlines()[1:])
    check(0 < int(saved["offset"]) < os.path.getsize(path),
          "checkpoint offset %s of %d" % (saved["offset"],
                                          os.path.getsize(path)))
    check(int(saved["written"]) <= len(handle_keys(n, q)),
          "checkpoint claims %s written, Redis has fewer"
          % saved["written"])
    p = n.idctl("import", "--format", "csv", "--template", VER, path)
    check(p.returncode != 0 and "--resume" in p.stderr,
          "restart without --resume: %d %r" % (p.returncode, p.stderr))
    p = n.idctl("import", "--format", "csv", "--template", VER, "--errors",
                errs, "--resume", path, timeout=120)
    eq(p.returncode, 1, "resumed import exit status (stderr %r)" % p.stderr)
    eq(summary(p), (total, total - len(bad), len(bad)),
       "records read, written, rejected over both runs")
    check(re.search(r"; \d+ of them written before resuming", p.stderr),
          "summary does not say it resumed: %r" % p.stderr)
    check(not os.path.exists(ckpt), "checkpoint left after the import")
    rows = list(gen_import.rows(total, q, 1))
    want = set(r[0] for k, r in enumerate(rows) if k + 2 not in bad)
    eq(handle_keys(n, q) == want, True, "stored identifiers are exactly "
       "the good rows (%d stored, %d wanted)" % (len(handle_keys(n, q)),
                                                len(want)))
    nums = [int(re.match(r"line (\d+): ", ln).group(1))
            for ln in open(errs).read().splitlines()]
    check(nums == sorted(bad), "errors file: %d lines for %d bad rows; "
          "repeated %r, missing %r" % (
              len(nums), len(bad),
              sorted(set(x for x in nums if nums.count(x) > 1))[:5],
              sorted(bad - set(nums))[:5]))
    for k in list(range(0, total, total // 40)) + [total - 1]:
        if k + 2 not in bad:
            expect_stored(n, rows[k][0], vals_of(rows[k]), "after resume")


@g.test("Redis dies mid-import: idctl stops with the reason and keeps the "
        "checkpoint; --resume finishes once Redis is back")
def _(n):
    q = "88.123.62"
    register(n, prefix=q)
    total = 200000
    path = os.path.join(n.dir, "dies.csv")
    subprocess.run([sys.executable, gen_import.__file__, "--count",
                    str(total), "--prefix", q, "--csv", path], check=True)
    ckpt = path + ".idctl-resume"
    proc = subprocess.Popen(
        [os.path.join(harness.BUILD, "idctl"), "-c", n.config_path, "import",
         "--format", "csv", "--template", VER, path],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + scaled(60)
    while (time.monotonic() < deadline and proc.poll() is None and
           not os.path.exists(ckpt)):
        time.sleep(0.01)
    check(proc.poll() is None, "import ended before Redis could be killed")
    n.kill_redis()
    try:
        _, err = proc.communicate(timeout=scaled(10))
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("idctl still running 10 s after Redis died")
    n.start_redis()
    eq(proc.returncode, 1, "exit status (stderr %r)" % err)
    check(re.search(r"(?m)^idctl: redis: ", err), "no reason: %r" % err)
    check(os.path.exists(ckpt), "checkpoint gone after a failed import")
    # The tests' Redis keeps no AOF: what was written is gone, the
    # checkpoint is not; the rest of the file is imported.
    register(n, prefix=q)
    p = n.idctl("import", "--format", "csv", "--template", VER, "--resume",
                path, timeout=120)
    eq(p.returncode, 0, "resumed import (stderr %r)" % p.stderr)
    done = summary(p)
    eq((done[0], done[2]), (total, 0), "records read, rejected")
    check(not os.path.exists(ckpt), "checkpoint left after the import")
    rows = list(gen_import.rows(total, q, 1))
    expect_stored(n, rows[-1][0], vals_of(rows[-1]), "after resume")
