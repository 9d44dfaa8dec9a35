"""The idctl command-line client against a running node."""
import json
import os
import re

import data
from harness import Group, check, compare_json_values, eq

RECORDS = [data.ALL] + data.demo()
g = Group("idctl", records=RECORDS)
H = data.ALL["handle"]
PUBLIC = sorted(v["index"] for v in data.ALL["values"]
                if "permissions" not in v)


def printed_indexes(out):
    return sorted(int(ln.split()[0]) for ln in out.splitlines() if ln.strip())


@g.test("resolve: exit 0 and every value printed")
def _(n):
    for extra in ([], ["--tcp"]):
        p = n.idctl("resolve", *extra, H)
        eq(p.returncode, 0, "%r exit status (stderr %r)" % (extra, p.stderr))
        eq(printed_indexes(p.stdout), PUBLIC, "%r printed indexes" % extra)
        for want in ("https://example.com/all", "ops@example.com",
                     "tmpl-2.3", "离心泵 CP-200"):
            check(want in p.stdout, "%r: %r not printed" % (extra, want))
        check("SECRET" not in p.stdout, "non-public value printed")


@g.test("resolve: errors exit non-zero with the response-code name on "
        "stderr")
def _(n):
    for args, name in ((["88.900.1/NO-SUCH"], "HANDLE_NOT_FOUND"),
                       (["--tcp", "88.900.1/NO-SUCH"], "HANDLE_NOT_FOUND"),
                       (["88..1/x"], "INVALID_HANDLE"),
                       (["--index", "999", H], "VALUES_NOT_FOUND"),
                       (["--tcp", "--type", "NOPE", H], "VALUES_NOT_FOUND")):
        p = n.idctl("resolve", *args)
        check(p.returncode != 0, "%r: exit status 0" % args)
        check(name in p.stderr, "%r: %s not on stderr: %r"
              % (args, name, p.stderr))
        eq(p.stdout, "", "%r stdout" % args)


@g.test("resolve --json: REST-shaped JSON")
def _(n):
    for extra in ([], ["--tcp"]):
        p = n.idctl("resolve", "--json", *extra, H)
        eq(p.returncode, 0, "exit status (stderr %r)" % p.stderr)
        j = json.loads(p.stdout)
        eq((j.get("responseCode"), j.get("handle")), (1, H),
           "responseCode, handle")
        compare_json_values(j.get("values"), data.ALL, "idctl --json")
    pump = data.record(RECORDS, "88.123.46/MOTOR-7781")
    p = n.idctl("resolve", "--json", pump["handle"])
    compare_json_values(json.loads(p.stdout)["values"], pump, "demo motor")


@g.test("resolve --json on an error: still valid JSON")
def _(n):
    for h in ("88.900.1/NO-SUCH", '88.900.1/quote"back\\slash'):
        p = n.idctl("resolve", "--json", h)
        check(p.returncode != 0, "%r: exit status 0" % h)
        try:
            j = json.loads(p.stdout)
        except ValueError:
            raise AssertionError("%r: stdout is not JSON: %r" % (h, p.stdout))
        eq((j.get("responseCode"), j.get("handle")), (100, h),
           "responseCode, handle")


@g.test("resolve --tcp, --type, --index select values")
def _(n):
    for args, want in ((["--type", "URL"], [1]),
                       (["--tcp", "--type", "URL", "--index", "2"], [1, 2]),
                       (["--type", "HS_"], [4, 100]),
                       (["--tcp", "--index", "1001", "--index", "5"],
                        [5, 1001]),
                       (["--type", "EMAIL", "--type", "TEMPLATE"],
                        [2, 1001])):
        p = n.idctl("resolve", *args, H)
        eq(p.returncode, 0, "%r exit status (stderr %r)" % (args, p.stderr))
        eq(printed_indexes(p.stdout), want, "%r printed indexes" % args)


@g.test("import: bad lines reported as file:LINE:, good lines imported, "
        "exit non-zero")
def _(n):
    def good(i):
        return json.dumps({"handle": "88.900.2/GOOD-%d" % i, "values": [
            {"index": 1, "type": "URL", "data": "https://g/%d" % i}]})
    lines = [
        good(1),                                                     # 1
        '{"handle": "88.900.2/BAD-JSON", "values": [',               # 2
        good(2),                                                     # 3
        json.dumps({"handle": "88..2/BAD-HANDLE", "values": [
            {"index": 1, "type": "URL", "data": "x"}]}),             # 4
        json.dumps({"handle": "88.900.2/BAD-DUP", "values": [
            {"index": 1, "type": "URL", "data": "x"},
            {"index": 1, "type": "EMAIL", "data": "y"}]}),           # 5
        json.dumps({"handle": "88.900.2/BAD-FMT", "values": [
            {"index": 1, "type": "URL",
             "data": {"format": "rot13", "value": "k"}}]}),          # 6
        good(3),                                                     # 7
    ]
    path = os.path.join(n.dir, "mixed.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = n.idctl("import", path)
    check(p.returncode != 0, "exit status 0 with bad lines")
    for ln in (2, 4, 5, 6):
        check(re.search(r"(?m)^%s:%d: " % (re.escape(path), ln), p.stderr),
              "line %d not reported as %s:%d: in %r" % (ln, path, ln,
                                                        p.stderr))
    for ln in (1, 3, 7):
        check(not re.search(r"(?m)^%s:%d:" % (re.escape(path), ln),
                            p.stderr), "good line %d reported" % ln)
    for i in (1, 2, 3):
        r = n.resolve("88.900.2/GOOD-%d" % i)
        eq((r.rcode, r.values and r.values[0]["data"]),
           (1, b"https://g/%d" % i), "GOOD-%d" % i)
    for h in ("88.900.2/BAD-JSON", "88.900.2/BAD-DUP", "88.900.2/BAD-FMT"):
        eq(n.resolve(h).rcode, 100, h + " rcode")


@g.test("resolve with no server answering: non-zero exit, no hang")
def _(n):
    p = n.idctl("resolve", "--server", "127.0.0.1:1", H, timeout=30)
    check(p.returncode != 0, "exit status 0")
    p = n.idctl("resolve", "--tcp", "--server", "127.0.0.1:1", H)
    check(p.returncode != 0, "exit status 0 (tcp)")
