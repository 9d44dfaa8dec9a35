#!/usr/bin/env python3
"""Helpers for tests/bench/run.sh (python3, stdlib only).

    bench.py ports N                 N distinct free 127.0.0.1 ports (TCP
                                     and UDP both free), one a line
    bench.py http-status URL         HTTP status of GET URL (000 if none)
    bench.py populate N SIZE         RESP for `redis-cli --pipe`: SET
                                     key:%012d (0..N-1) to SIZE-byte values,
                                     the keys `redis-benchmark -r N` reads
    bench.py redis-csv FILE [TEST]   redis-benchmark --csv -> JSON
                                     {"ops_per_s","p50_ms","p99_ms"} of
                                     the TEST row (default GET)
    bench.py wrk FILE                wrk --latency output -> JSON
                                     {"ops_per_s","p50_ms","p99_ms","errors"}
    bench.py fetch HOST PORT LIST N DOCROOT PATHS
                                     GETs /api/handles/<h> for N handles of
                                     LIST (a fixed sample), stores each body
                                     at DOCROOT/api/handles/<h>, writes the
                                     paths to PATHS
    bench.py result NAME RESULT BASELINE_NAME BASELINE TARGET OUT
                                     one result line (ratio against the
                                     baseline, target as ">=1.5"), printed
                                     and appended to OUT
    bench.py memory BEFORE AFTER STATS IDS SECONDS TARGET OUT
                                     the redis_bytes_per_id line
    bench.py import LOG SECONDS BASELINE TARGET OUT
                                     the import_ids line: identifiers
                                     written (from idctl's summary in LOG)
                                     per second of wall time, against the
                                     redis-benchmark JSON BASELINE
    bench.py register-http PORT ACCOUNTS PREFIX TEMPLATE JSONL BATCH C RES
                                     register_http: an enterprise applies,
                                     is approved, posts TEMPLATE, then C
                                     clients send JSONL as batchCreate
                                     calls of BATCH; JSON result to RES
    bench.py register-result RES TARGET OUT
                                     the register_http line, its ratio to
                                     OUT's import_ids
    bench.py event-setup PORT ACCOUNTS JSONL N PATHS
                                     event_append: logs the enterprise of
                                     ACCOUNTS in (prints its token) and
                                     writes /api/events/<h> for the first
                                     N handles of JSONL to PATHS
    bench.py event-count SOCK PATHS  the events stored for those handles
                                     (XLEN of each ev:{h}, over SOCK)
    bench.py event-result WRK BASELINE STORED TARGET OUT
                                     the event_append line: wrk's rate
                                     against the redis-benchmark XADD
                                     JSON BASELINE; STORED events written
    bench.py trace-tree PREFIX FANOUT LEVELS LIST
                                     RESP for `redis-cli --pipe`: a tree of
                                     identifiers under PREFIX (a batch, then
                                     FANOUT children per node for LEVELS
                                     levels, each child linked to its
                                     parent: fromBatch, then madeOf), their
                                     values, link values and reverse
                                     entries, and the prefix record; the
                                     handles to LIST, root first
    bench.py trace-check PORT ROOT DEPTH NODES
                                     GET /api/trace/ROOT?direction=down&
                                     depth=DEPTH must answer NODES nodes,
                                     none truncated
    bench.py trace-load PORT PATH WARMUP SECONDS OUT
                                     one keep-alive connection sends GET
                                     PATH, reading each answer whole, for
                                     SECONDS after WARMUP; JSON {ops_per_s,
                                     p50_ms, p99_ms, errors, bytes} to OUT
    bench.py trace-result NAME LOAD IDBENCH NODES TARGET OUT
                                     the trace line: LOAD (trace queries,
                                     one connection) against the time
                                     IDBENCH's rate (sequential UDP
                                     resolutions) takes for NODES
    bench.py summary OUT             a table of OUT for humans
    bench.py cpu-busy SECONDS        percentage of CPU time (all cores) not
                                     idle over the next SECONDS, then the
                                     busiest processes (% of one core)
"""
import csv
import http.client
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse


def cmd_ports(n):
    held, ports = [], []
    while len(ports) < int(n):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            u.close()
            continue
        held += [t, u]
        ports.append(port)
    for s in held:
        s.close()
    print("\n".join(str(p) for p in ports))


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait


def proc_ticks():
    """{pid: (name, utime + stime)} of every process."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        out[pid] = (name, int(fields[11]) + int(fields[12]))
    return out


def cmd_cpu_busy(seconds):
    """Prints the busy percentage, then the three busiest processes."""
    import time
    t0, i0 = cpu_times()
    p0 = proc_ticks()
    time.sleep(float(seconds))
    t1, i1 = cpu_times()
    p1 = proc_ticks()
    ncpu = os.cpu_count() or 1
    total = max(1, t1 - t0)
    top = sorted(((ticks - p0[pid][1], name)
                  for pid, (name, ticks) in p1.items() if pid in p0),
                 reverse=True)[:3]
    print(round(100 * (1 - (i1 - i0) / total)),
          " ".join("%s:%d%%" % (name, round(100 * d * ncpu / total))
                   for d, name in top if d > 0))


def cmd_http_status(url):
    u = urllib.parse.urlsplit(url)
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
        c.request("GET", u.path + ("?" + u.query if u.query else ""))
        r = c.getresponse()
        r.read()
        print(r.status)
    except (OSError, http.client.HTTPException):
        print("000")


def cmd_populate(n, size):
    """RESP SET commands; the same value for every key (size matters)."""
    val = ("v" * int(size)).encode()
    out = sys.stdout.buffer
    head = b"*3\r\n$3\r\nSET\r\n$16\r\n"
    tail = b"\r\n$%d\r\n%s\r\n" % (len(val), val)
    buf = []
    for i in range(int(n)):
        buf.append(head + b"key:%012d" % i + tail)
        if len(buf) == 4096:
            out.write(b"".join(buf))
            buf = []
    out.write(b"".join(buf))


def cmd_redis_csv(path, test="GET"):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    for row in rows[1:]:
        # A command given on the command line is named by its whole text.
        if row and (row[0] == test or row[0].startswith(test + " ")):
            r = dict(zip(head, row))
            print(json.dumps({"ops_per_s": float(r["rps"]),
                              "p50_ms": float(r["p50_latency_ms"]),
                              "p99_ms": float(r["p99_latency_ms"])}))
            return
    sys.exit("no %s row in %s" % (test, path))


def wrk_ms(s):
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", s)
    if not m:
        raise ValueError(s)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return float(m.group(1)) * scale


def cmd_wrk(path):
    text = open(path).read()
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rps and p50 and p99):
        sys.exit("cannot parse wrk output in %s" % path)
    errors = 0
    reqs = re.search(r"^\s+(\d+) requests in", text, re.M)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    print(json.dumps({"ops_per_s": float(rps.group(1)),
                      "p50_ms": round(wrk_ms(p50.group(1)), 3),
                      "p99_ms": round(wrk_ms(p99.group(1)), 3),
                      "errors": errors,
                      "requests": int(reqs.group(1)) if reqs else None}))


def cmd_fetch(host, port, listfile, n, docroot, pathsfile):
    handles = [h for h in open(listfile).read().split("\n") if h]
    n = min(int(n), len(handles))
    sample = random.Random(1).sample(handles, n)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    bad = 0
    paths = []
    for h in sample:
        path = "/api/handles/" + urllib.parse.quote(h, safe="/")
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            c.close()
            c = http.client.HTTPConnection(host, int(port), timeout=10)
            bad += 1
            continue
        if r.status != 200:
            bad += 1
            continue
        dest = os.path.join(docroot, path.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(body)
        paths.append(path)
    c.close()
    with open(pathsfile, "w") as f:
        f.write("\n".join(paths) + "\n")
    print("fetched %d of %d handles (%d failed)" % (len(paths), n, bad),
          file=sys.stderr)
    if not paths or bad > n // 100:
        sys.exit(1)


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def hvalue(index, typ, data, perms=0x0E, ref=None):
    """A handle value in wire form (protocol.md §5.1), timestamp fixed."""
    data = data.encode() if isinstance(data, str) else data
    typ = typ.encode()
    v = struct.pack(">IIBIB", index, 1767225600, 0, 86400, perms)
    v += struct.pack(">I", len(typ)) + typ + struct.pack(">I", len(data))
    v += data
    if ref is None:
        return v + struct.pack(">I", 0)
    r = ref.encode()
    return v + struct.pack(">II", 1, len(r)) + r + struct.pack(">I", 0)


def cmd_trace_tree(prefix, fanout, levels, listfile):
    """The downstream tree of trace_down_depth5 (see the usage above)."""
    owner = "91350100M000100Y43"
    out = sys.stdout.buffer
    out.write(resp("HSET", "pfx:{%s}" % prefix, "ent", owner, "state", "1",
                   "proxy", "4", "c", "1767225600"))
    names = []

    def node(h, parent, typ):
        names.append(h)
        f = ["_m", "c=1767225600 by=bench",
             "1001", hvalue(1001, "TEMPLATE", "equip-v1"),
             "1002", hvalue(1002, "OWNER", owner, perms=0x0C),
             "1003", hvalue(1003, "REGISTRANT", "bench", perms=0x0C),
             "2000", hvalue(2000, "serialNo", "SN-" + h.split("/")[1]),
             "2001", hvalue(2001, "model", "KQL-200/315-75")]
        if parent:
            f += ["3000", hvalue(3000, "TRACE." + typ, parent, ref=parent)]
            out.write(resp("SADD", "ln:{%s}" % parent, typ + " " + h))
        out.write(resp("HSET", "h:{%s}" % h, *f))
    root = prefix + "/BATCH-0"
    node(root, None, None)
    level = [root]
    for d in range(int(levels)):
        nxt = []
        for i, parent in enumerate(level):
            for k in range(int(fanout)):
                h = "%s/L%d-%d-%d" % (prefix, d + 1, i, k)
                node(h, parent, "fromBatch" if d == 0 else "madeOf")
                nxt.append(h)
        level = nxt
    with open(listfile, "w") as f:
        f.write("\n".join(names) + "\n")


def cmd_trace_check(port, root, depth, nodes):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    c.request("GET", "/api/trace/%s?direction=down&depth=%s" % (root, depth))
    r = c.getresponse()
    j = json.loads(r.read())
    d = j.get("data") or {}
    got = len(d.get("nodes") or [])
    if r.status != 200 or got != int(nodes) or d.get("truncated"):
        sys.exit("trace of %s: HTTP %d, %d nodes (want %s), truncated %r"
                 % (root, r.status, got, nodes, d.get("truncated")))


def cmd_trace_load(port, path, warmup, seconds, out):
    """Sequential GETs on one connection.  wrk reads 8 KB at a time, which
    for answers of 600 KB costs the 2-core machine more CPU than the
    server's own work; this reads each answer in one go."""
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    lat, errors, size = [], 0, 0
    t0 = time.monotonic()
    start = t0 + float(warmup)
    end = start + float(seconds)
    while True:
        t = time.monotonic()
        if t >= end:
            break
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        done = time.monotonic()
        if t >= start:
            lat.append(done - t)
            size = len(body)
            errors += r.status != 200
    lat.sort()
    n = len(lat)
    json.dump({"ops_per_s": n / sum(lat) if lat else 0.0,
               "p50_ms": round(1000 * lat[n // 2], 3) if n else 0.0,
               "p99_ms": round(1000 * lat[min(n - 1, n * 99 // 100)], 3)
               if n else 0.0,
               "requests": n, "errors": errors, "bytes": size},
              open(out, "w"))


def cmd_trace_result(name, wrk, idbench, nodes, target, out):
    """One trace query against resolving its NODES identifiers one by one:
    ratio = (NODES / sequential resolutions per second) / (1 / trace
    queries per second)."""
    t = json.load(open(wrk))
    b = json.load(open(idbench))
    n = int(nodes)
    one_by_one_ms = 1000.0 * n / b["ops_per_s"] if b["ops_per_s"] else 0.0
    trace_ms = 1000.0 / t["ops_per_s"] if t["ops_per_s"] else 0.0
    ratio = one_by_one_ms / trace_ms if trace_ms else 0.0
    emit({"name": name, "ops_per_s": round(t["ops_per_s"], 1),
          "p50_ms": t["p50_ms"], "p99_ms": t["p99_ms"],
          "baseline": "idbench UDP, one client, %d identifiers one by one"
          % n,
          "baseline_ops_per_s": round(b["ops_per_s"], 1),
          "nodes": n, "trace_ms": round(trace_ms, 2),
          "one_by_one_ms": round(one_by_one_ms, 2),
          "ratio": round(ratio, 3), "target": "ratio " + target,
          "target_met": target_met(ratio, target),
          "baseline_p50_ms": b["p50_ms"], "baseline_p99_ms": b["p99_ms"],
          "errors": t.get("errors", 0) + b.get("errors", 0), "clients": 1,
          "answer_bytes": t.get("bytes"), "duration_s": b.get("duration_s")},
         out)


def target_met(value, target):
    op, num = target[:2], float(target[2:])
    return value >= num if op == ">=" else value <= num


def emit(line, out):
    s = json.dumps(line)
    print(s)
    sys.stdout.flush()
    with open(out, "a") as f:
        f.write(s + "\n")


def cmd_result(name, result, bname, baseline, target, out):
    r = json.load(open(result))
    b = json.load(open(baseline))
    ratio = r["ops_per_s"] / b["ops_per_s"] if b["ops_per_s"] else 0.0
    line = {"name": name,
            "ops_per_s": round(r["ops_per_s"], 1),
            "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "baseline": bname,
            "baseline_ops_per_s": round(b["ops_per_s"], 1),
            "ratio": round(ratio, 3),
            "target": "ratio " + target,
            "target_met": target_met(ratio, target),
            "baseline_p50_ms": b["p50_ms"], "baseline_p99_ms": b["p99_ms"]}
    for k in ("errors", "timeouts", "clients", "duration_s"):
        if k in r:
            line[k] = r[k]
    emit(line, out)


def cmd_memory(before, after, stats, ids, seconds, target, out):
    raw = json.load(open(stats))
    ids = int(ids)
    per_id = (int(after) - int(before)) / ids
    ratio = per_id / raw["raw_bytes_per_id"]
    line = {"name": "redis_bytes_per_id",
            "bytes_per_id": round(per_id, 1),
            "raw_bytes_per_id": raw["raw_bytes_per_id"],
            "ratio": round(ratio, 3), "ids": ids,
            "target": "ratio " + target,
            "target_met": target_met(ratio, target),
            "import_s": round(float(seconds), 2),
            "import_ids_per_s": round(ids / float(seconds), 1)
            if float(seconds) > 0 else None}
    emit(line, out)


def cmd_import(log, seconds, baseline, target, out):
    text = open(log, encoding="utf-8", errors="replace").read()
    m = re.search(r"import: (\d+) records read, (\d+) written, "
                  r"(\d+) rejected", text)
    if not m:
        sys.exit("no idctl summary in %s" % log)
    written, secs = int(m.group(2)), float(seconds)
    b = json.load(open(baseline))
    ops = written / secs if secs > 0 else 0.0
    line = {"name": "import_ids",
            "ops_per_s": round(ops, 1),
            "baseline": "redis-benchmark HSET -P 100",
            "baseline_ops_per_s": round(b["ops_per_s"], 1),
            "ratio": round(ops / b["ops_per_s"], 3) if b["ops_per_s"]
            else 0.0,
            "target": "ops_per_s " + target,
            "target_met": target_met(ops, target),
            "ids": written, "rejected": int(m.group(3)),
            "import_s": round(secs, 2)}
    emit(line, out)


def snms_call(port, method, path, body, token=None):
    """(HTTP status, envelope) of one registry call."""
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    if not isinstance(body, (bytes, type(None))):
        body = json.dumps(body).encode()
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def snms_ok(port, method, path, body, token=None):
    st, j = snms_call(port, method, path, body, token)
    if st != 200 or j.get("status") != 1:
        sys.exit("%s %s: %d %r" % (method, path, st, j))
    return j["data"]


def cmd_register_http(port, accounts, prefix, tplfile, jsonl, batch, conc,
                      out):
    """register_http: the enterprise in `accounts` (lines `name password`:
    enterprise then reviewer) applies for `prefix`, is approved, posts the
    template, then `conc` clients send the SNMS lines of `jsonl` as
    batchCreate calls of `batch` items.  Writes {ops_per_s, ids, errors,
    seconds, calls} to `out`."""
    (ename, epw), (rname, rpw) = [ln.split() for ln in open(accounts)][:2]
    et = snms_ok(port, "POST", "/identity/token",
                 {"username": ename, "password": epw})["token"]
    rt = snms_ok(port, "POST", "/identity/token",
                 {"username": rname, "password": rpw})["token"]
    uscc = snms_ok(port, "GET", "/identity/whoami", None, et)["enterprise"]
    snms_ok(port, "POST", "/snms/api/ent/apply", {
        "uscc": uscc, "entNameCn": "基准测试企业", "entAddrCn": "福州",
        "entIndustry": "C", "contactName": "张三",
        "contactPhone": "0591-88880000", "contactEmail": "b@example.cn",
        "entPrefix": prefix}, et)
    for action in ("start", "approve"):
        snms_ok(port, "POST", "/snms/api/ent/review",
                {"uscc": uscc, "action": action}, rt)
    snms_ok(port, "POST", "/snms/api/v5/template",
            json.load(open(tplfile)), et)
    lines = [ln.strip() for ln in open(jsonl, encoding="utf-8") if ln.strip()]
    batch = int(batch)
    bodies = [("[" + ",".join(lines[i:i + batch]) + "]").encode()
              for i in range(0, len(lines), batch)]
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": 0}

    def client():
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies):
                return
            st, j = snms_call(port, "POST", "/identityv2/data/batchCreate",
                              bodies[i], et)
            ok = sum(1 for r in j.get("data") or [] if r.get("code") == 1) \
                if st == 200 else 0
            with lock:
                state["ok"] += ok
                state["errors"] += batch - ok if st == 200 else batch
    t0 = time.monotonic()
    ts = [threading.Thread(target=client) for _ in range(int(conc))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    json.dump({"ops_per_s": state["ok"] / secs if secs > 0 else 0.0,
               "ids": state["ok"], "errors": state["errors"],
               "seconds": round(secs, 2), "calls": len(bodies),
               "clients": int(conc)}, open(out, "w"))


def cmd_register_result(result, target, out):
    """The register_http line: its rate against import_ids of this run."""
    r = json.load(open(result))
    imp = [json.loads(s) for s in open(out) if '"import_ids"' in s]
    base = imp[-1]["ops_per_s"] if imp else 0.0
    ratio = r["ops_per_s"] / base if base else 0.0
    emit({"name": "register_http", "ops_per_s": round(r["ops_per_s"], 1),
          "baseline": "import_ids (idctl import, same Redis)",
          "baseline_ops_per_s": base, "ratio": round(ratio, 3),
          "target": "ratio " + target,
          "target_met": target_met(ratio, target) and r["errors"] == 0,
          "ids": r["ids"], "errors": r["errors"], "calls": r["calls"],
          "clients": r["clients"], "duration_s": r["seconds"]}, out)


def cmd_event_setup(port, accounts, jsonl, n, paths):
    """Logs the enterprise in (prints the token) and writes the paths."""
    ename, epw = [ln.split() for ln in open(accounts)][0]
    token = snms_ok(port, "POST", "/identity/token",
                    {"username": ename, "password": epw})["token"]
    out = []
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            if len(out) == int(n):
                break
            h = json.loads(line)["handle"]
            out.append("/api/events/" + urllib.parse.quote(h, safe="/"))
    with open(paths, "w") as f:
        f.write("\n".join(out) + "\n")
    print(token)


def resp_read(f):
    """One RESP reply (the integer and bulk replies XLEN gives)."""
    line = f.readline()
    if line[:1] == b":":
        return int(line[1:])
    sys.exit("unexpected Redis reply %r" % line)


def cmd_event_count(sock, paths):
    """Sum of XLEN ev:{h} over the handles of the paths, pipelined."""
    keys = [urllib.parse.unquote(p[len("/api/events/"):])
            for p in open(paths).read().split("\n") if p]
    out = bytearray()
    for h in keys:
        k = ("ev:{%s}" % h).encode()
        out += b"*2\r\n$4\r\nXLEN\r\n$%d\r\n%s\r\n" % (len(k), k)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock)
    s.sendall(bytes(out))
    f = s.makefile("rb")
    print(sum(resp_read(f) for _ in keys))
    s.close()


def cmd_event_result(result, baseline, stored, target, out):
    """The event_append line.  Every request must have been answered
    200 and stored: `stored` (events written during the run) at least
    the requests wrk counted (it does not count those still in flight
    when it stops, which may be stored too)."""
    r = json.load(open(result))
    b = json.load(open(baseline))
    ratio = r["ops_per_s"] / b["ops_per_s"] if b["ops_per_s"] else 0.0
    ok = r["errors"] == 0 and r["requests"] is not None and \
        int(stored) >= r["requests"]
    emit({"name": "event_append", "ops_per_s": round(r["ops_per_s"], 1),
          "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
          "baseline": "redis-benchmark XADD (same fields, same Redis)",
          "baseline_ops_per_s": round(b["ops_per_s"], 1),
          "ratio": round(ratio, 3), "target": "ratio " + target,
          "target_met": target_met(ratio, target) and ok,
          "baseline_p50_ms": b["p50_ms"], "baseline_p99_ms": b["p99_ms"],
          "requests": r["requests"], "stored": int(stored),
          "errors": r["errors"]}, out)


def cmd_summary(out):
    print("%-22s %12s %12s %8s  %-10s %s" % ("benchmark", "ops/s",
                                            "baseline", "ratio", "target",
                                            ""), file=sys.stderr)
    for s in open(out):
        r = json.loads(s)
        if r["name"] == "redis_bytes_per_id":
            print("%-22s %12s %12s %8.3f  %-10s %s" % (
                r["name"], "%.0f B" % r["bytes_per_id"],
                "%.0f B" % r["raw_bytes_per_id"], r["ratio"],
                r["target"][6:], "ok" if r["target_met"] else "MISSED"),
                file=sys.stderr)
        else:
            print("%-22s %12.0f %12.0f %8.3f  %-10s %s" % (
                r["name"], r["ops_per_s"], r["baseline_ops_per_s"],
                r["ratio"], r["target"].replace("ratio ", ""),
                "ok" if r["target_met"] else "MISSED"), file=sys.stderr)


CMDS = {"ports": cmd_ports, "http-status": cmd_http_status,
        "populate": cmd_populate, "redis-csv": cmd_redis_csv,
        "wrk": cmd_wrk, "fetch": cmd_fetch, "result": cmd_result,
        "memory": cmd_memory, "import": cmd_import, "summary": cmd_summary,
        "register-http": cmd_register_http,
        "register-result": cmd_register_result,
        "event-setup": cmd_event_setup, "event-count": cmd_event_count,
        "event-result": cmd_event_result,
        "trace-tree": cmd_trace_tree, "trace-check": cmd_trace_check,
        "trace-load": cmd_trace_load, "trace-result": cmd_trace_result,
        "cpu-busy": cmd_cpu_busy}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    CMDS[sys.argv[1]](*sys.argv[2:])
