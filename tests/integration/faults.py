"""Shared parts of the fault-injection suite (`make test-faults`: every
group named "fault-..."): a registration writer that remembers what the
node acknowledged, the check that every acknowledged identifier is there
and whole, and the one summary line each fault prints.

The summary line, read by docs/faults.md and by whoever watches CI:
  # FAULT <name>: sent <n> (<kind> <n>, ...); errors {<kind>:<code>: n};
  #   recovery <s> s; acked writes checked <n> lost <n>
"""
import collections
import threading
import time

from harness import RC_NAME, check, eq, scaled
import ents
import snms

# The registration template the writers fill in.
TPL = {"version": "d-v1", "items": [
    {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
     "required": True,
     "metadata": {"type": "string", "minLength": 1, "maxLength": 32}},
    {"name": "批次", "idType": "lot", "idIndex": 2001, "required": True,
     "metadata": {"type": "string", "minLength": 1, "maxLength": 32}}]}
FIELDS = 6  # 2000, 2001, 1001 TEMPLATE, 1002 OWNER, 1003 REGISTRANT, _m
BATCH = "/identityv2/data/batchCreate"


def item(h, i):
    return {"handle": h, "templateVersion": "d-v1", "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": "SN-%d" % i}},
        {"index": 2001, "type": "lot",
         "data": {"format": "string", "value": "LOT-%d" % (i // 100)}}]}


def code_of(res):
    """A stream's result as an error code name (None = no answer)."""
    if res is None:
        return "no-answer"
    if isinstance(res, tuple):
        return "%s/%s" % res
    return RC_NAME.get(res, str(res))


class Writer(threading.Thread):
    """Sends batches of `size` creates until stopped; keeps what was
    acknowledged (code 1), counts every answer by HTTP status / SNMS
    status, and the longest a batch took."""

    def __init__(self, n, token, prefix, tag, size=50, timeout=10):
        super().__init__(daemon=True)
        self.n, self.token, self.prefix, self.tag = n, token, prefix, tag
        self.size, self.timeout = size, timeout
        self.acked, self.refused, self.stop = [], 0, threading.Event()
        self.codes = collections.Counter()
        self.batches, self.slowest = 0, 0.0
        self.unanswered = []  # batches sent that got no answer at all
        self.error = None

    def run(self):
        i = 0
        try:
            while not self.stop.is_set():
                batch = [item("%s/%s-%06d" % (self.prefix, self.tag, i + k),
                              i + k) for k in range(self.size)]
                i += self.size
                t0 = time.monotonic()
                try:
                    st, j, _ = snms.call(self.n, "POST", BATCH, batch,
                                         self.token, timeout=self.timeout)
                except Exception:  # noqa: BLE001 node down, no answer
                    st, j = None, None
                    self.unanswered.append(batch)
                self.batches += 1
                self.slowest = max(self.slowest, time.monotonic() - t0)
                if st == 200 and j["status"] == 1:
                    for r in j["data"]:
                        if r["code"] == 1:
                            self.acked.append((r["handle"],
                                               int(r["handle"][-6:])))
                        else:
                            self.refused += 1
                            self.codes["write:item-%s" % r["code"]] += 1
                    continue
                self.refused += self.size
                self.codes["write:%s" % (
                    "no-answer" if st is None else "%d/%s" % (
                        st, j.get("status") if isinstance(j, dict) else "-"))
                ] += 1
                time.sleep(0.05)
        except Exception as e:  # noqa: BLE001
            self.error = e

    def finish(self):
        self.stop.set()
        self.join(scaled(30))
        check(not self.is_alive(), "writer hung")
        check(self.error is None, "writer failed: %r" % self.error)


def setup_writes(n):
    """An admitted enterprise with the template: (token, prefix)."""
    wait_ready(n)
    _, t, prefix = ents.admitted(n)
    snms.ok(n, "POST", "/snms/api/v5/template", dict(TPL, prefix=prefix), t)
    return t, prefix


def wait_ready(n, timeout=20):
    """Until every worker's Redis link is back (after a Redis restart the
    async connections retry with a backoff of up to 2 s, and Redis
    answers LOADING while it replays the AOF): ten /readyz in a row."""
    deadline = time.monotonic() + scaled(timeout)
    good = 0
    while good < 10 and time.monotonic() < deadline:
        try:
            st, _, _ = n.http("GET", "/readyz", timeout=2)
        except OSError:
            st = 0
        good = good + 1 if st == 200 else 0
        time.sleep(0.02 if st == 200 else 0.1)
    check(good >= 10, "node not ready again within %.0f s" % scaled(timeout))


def wait_acks(w, count, timeout=30):
    deadline = time.monotonic() + scaled(timeout)
    while len(w.acked) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    check(len(w.acked) >= count, "only %d acknowledged writes in time"
          % len(w.acked))


def verify(n, prefix, acked):
    """Every identifier under `prefix` is whole (refused ones absent or
    whole), every acknowledged one is there with its values.  Returns
    (checked, lost); raises if any is lost or partial."""
    wait_ready(n)
    keys = [k for k in n.redis_cli("--scan", "--pattern",
                                   "h:{%s/*" % prefix).stdout.split() if k]
    lens = snms.redis_many(n, [["HLEN", k] for k in keys])
    partial = [k for k, ln in zip(keys, lens) if ln != FIELDS]
    eq(partial, [], "identifiers with other than %d fields" % FIELDS)
    have = set(keys)
    lost = [h for h, _ in acked if "h:{%s}" % h not in have]
    eq(lost[:10], [], "acknowledged identifiers lost (%d of %d)"
       % (len(lost), len(acked)))
    # The values, not just the keys: all of them, over HTTP in pipelined
    # HGETs (cheap), and a sample resolved over the Handle protocol.
    vals = snms.redis_many(n, [["HMGET", "h:{%s}" % h, "2000", "2001"]
                               for h, _ in acked])
    for (h, i), v in zip(acked, vals):
        check(v and all(v), "%s: values missing: %r" % (h, v))
    for h, i in acked[::max(1, len(acked) // 50)]:
        r = n.resolve(h)
        eq(r.rcode, 1, "resolve %s" % h)
        got = {v["index"]: v["data"].decode() for v in r.values}
        eq((got.get(2000), got.get(2001)),
           ("SN-%d" % i, "LOT-%d" % (i // 100)), "values of %s" % h)
    return len(acked), len(lost)


def summary(name, streams=(), writers=(), recovery=None, checked=None,
            lost=None, sent=None, errors=None, extra=None):
    """Prints the fault's summary line (TAP diagnostics)."""
    counts = collections.Counter()
    errs = collections.Counter(errors or {})
    for s in streams:
        counts[s.kind] += len(s.log)
        for _, _, res in s.log:
            c = code_of(res)
            if c not in ("SUCCESS", "200/1"):
                errs["%s:%s" % (s.kind, c)] += 1
    for w in writers:
        counts["write batches"] += w.batches
        errs.update(w.codes)
    counts.update(sent or {})
    total = sum(counts.values())
    parts = ["FAULT %s: sent %d (%s)" % (
        name, total, ", ".join("%s %d" % kv for kv in sorted(counts.items())))]
    parts.append("errors {%s}" % ", ".join(
        "%s: %d" % kv for kv in sorted(errs.items())))
    parts.append("recovery %s" % ("-" if recovery is None
                                  else "%.2f s" % recovery))
    parts.append("acked writes checked %s lost %s" % (
        "-" if checked is None else checked, "-" if lost is None else lost))
    if extra:
        parts.append(extra)
    print("# " + "; ".join(parts))
