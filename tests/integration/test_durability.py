"""Acknowledged writes survive crashes (ops/redis.conf as shipped: AOF,
fsync before every reply).  Clients register identifiers through HTTP
batches while Redis, then idnode, is killed with SIGKILL and restarted;
afterwards every identifier the node acknowledged is there with all its
values, and no identifier anywhere is partial."""
import os
import signal
import threading
import time

from harness import Group, check, eq, scaled
import ents
import snms

g = Group("durability", config={"node_prefix": "88.400"}, redis_args=[])

TPL = {"version": "d-v1", "items": [
    {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
     "required": True,
     "metadata": {"type": "string", "minLength": 1, "maxLength": 32}},
    {"name": "批次", "idType": "lot", "idIndex": 2001, "required": True,
     "metadata": {"type": "string", "minLength": 1, "maxLength": 32}}]}
FIELDS = 6  # 2000, 2001, 1001 TEMPLATE, 1002 OWNER, 1003 REGISTRANT, _m


def item(h, i):
    return {"handle": h, "templateVersion": "d-v1", "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": "SN-%d" % i}},
        {"index": 2001, "type": "lot",
         "data": {"format": "string", "value": "LOT-%d" % (i // 100)}}]}


class Writer(threading.Thread):
    """Sends batches of 50 creates until stopped; keeps what was
    acknowledged (code 1) and counts refusals."""

    def __init__(self, n, token, prefix, tag):
        super().__init__(daemon=True)
        self.n, self.token, self.prefix, self.tag = n, token, prefix, tag
        self.acked, self.refused, self.stop = [], 0, threading.Event()
        self.error = None

    def run(self):
        i = 0
        try:
            while not self.stop.is_set():
                batch = [item("%s/%s-%06d" % (self.prefix, self.tag, i + k),
                              i + k) for k in range(50)]
                i += 50
                try:
                    st, j, _ = snms.call(self.n, "POST",
                                         "/identityv2/data/batchCreate",
                                         batch, self.token, timeout=10)
                except (OSError, Exception):  # noqa: BLE001 node down
                    self.refused += 50
                    time.sleep(0.05)
                    continue
                if st == 200 and j["status"] == 1:
                    for r in j["data"]:
                        if r["code"] == 1:
                            self.acked.append((r["handle"],
                                               int(r["handle"][-6:])))
                        else:
                            self.refused += 1
                else:
                    self.refused += 50
                    time.sleep(0.05)
        except Exception as e:  # noqa: BLE001
            self.error = e


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


def verify(n, prefix, acked):
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
    # The values, not just the keys, of a sample of them.
    for h, i in acked[::max(1, len(acked) // 50)]:
        r = n.resolve(h)
        eq(r.rcode, 1, "resolve %s" % h)
        got = {v["index"]: v["data"].decode() for v in r.values}
        eq((got.get(2000), got.get(2001)),
           ("SN-%d" % i, "LOT-%d" % (i // 100)), "values of %s" % h)


def setup(n):
    wait_ready(n)
    e, t, prefix = ents.admitted(n)
    snms.ok(n, "POST", "/snms/api/v5/template", dict(TPL, prefix=prefix), t)
    return t, prefix


def wait_acks(w, count, timeout=30):
    deadline = time.monotonic() + scaled(timeout)
    while len(w.acked) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    check(len(w.acked) >= count, "only %d acknowledged writes in time"
          % len(w.acked))


@g.test("kill -9 Redis under registration load and restart it: every "
        "acknowledged identifier is there, whole")
def _(n):
    t, prefix = setup(n)
    w = Writer(n, t, prefix, "R")
    w.start()
    wait_acks(w, 1000)
    n.kill_redis()
    at_kill = len(w.acked)
    time.sleep(0.3)
    n.start_redis()  # replays the AOF
    wait_acks(w, at_kill + 500)
    w.stop.set()
    w.join(scaled(30))
    check(w.error is None, "writer failed: %r" % w.error)
    check(w.refused > 0, "no write was refused while Redis was down: the "
          "test did not hit the outage")
    print("# %d acknowledged (%d before the kill), %d refused"
          % (len(w.acked), at_kill, w.refused))
    verify(n, prefix, w.acked)


@g.test("kill -9 idnode mid-batch and restart it: every acknowledged "
        "identifier is there, whole; none is half-written")
def _(n):
    t, prefix = setup(n)
    w = Writer(n, t, prefix, "N")
    w.start()
    wait_acks(w, 1000)
    os.kill(n.proc.pid, signal.SIGKILL)
    n.proc.wait()
    n.proc = None
    at_kill = len(w.acked)
    time.sleep(0.2)
    n.exit_status = None
    check(n.start_idnode(), "idnode restarts")
    # Tokens live in Redis: the writer's token still works.
    wait_acks(w, at_kill + 500)
    w.stop.set()
    w.join(scaled(30))
    check(w.error is None, "writer failed: %r" % w.error)
    print("# %d acknowledged (%d before the kill), %d refused"
          % (len(w.acked), at_kill, w.refused))
    verify(n, prefix, w.acked)
