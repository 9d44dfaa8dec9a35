"""Fault 4 of `make test-faults`: idnode killed (SIGKILL) in the middle of
registration batches, with ops/redis.conf as shipped (AOF, fsync before
every reply).  Afterwards every identifier the node acknowledged is there
with all its values, none anywhere is partial, and a client that resends
the batches it got no answer to (what docs/http-api.md tells it to do)
gets each item written or "already exists", never half of one.  (Redis
killed under load is fault-redis-kill, test_redis.py; idctl import killed
and resumed is the import group, test_import.py.)"""
import os
import signal
import time

import faults
import snms
from harness import Group, check, eq

g = Group("fault-idnode-kill", config={"node_prefix": "88.400"},
          redis_args=[])


@g.test("kill -9 idnode mid-batch and restart it: every acknowledged "
        "identifier is there, whole; none is half-written; unanswered "
        "batches resent are written or 'already exists'")
def _(n):
    t, prefix = faults.setup_writes(n)
    w = faults.Writer(n, t, prefix, "N")
    w.start()
    faults.wait_acks(w, 1000)
    os.kill(n.proc.pid, signal.SIGKILL)
    t_kill = time.monotonic()
    n.proc.wait()
    n.proc = None
    at_kill = len(w.acked)
    time.sleep(0.2)
    n.exit_status = None
    check(n.start_idnode(), "idnode restarts")
    took = time.monotonic() - t_kill
    # Tokens live in Redis: the writer's token still works.
    faults.wait_acks(w, at_kill + 500)
    w.finish()
    check(w.unanswered, "no batch was cut off by the kill: the test did "
          "not hit a batch in flight")
    resent = {}
    for batch in w.unanswered:
        st, j, raw = snms.call(n, "POST", faults.BATCH, batch, t)
        eq((st, j and j.get("status")), (200, 1), "resent batch: %r"
           % raw[:300])
        for it, r in zip(batch, j["data"]):
            key = "1" if r["code"] == 1 else "%s %s" % (r["code"], r["msg"])
            resent[key] = resent.get(key, 0) + 1
            check(r["code"] == 1 or (r["code"] == -2 and
                                     "already exists" in r["msg"]),
                  "resent %s: %r" % (it["handle"], r))
            w.acked.append((it["handle"], int(it["handle"][-6:])))
    checked, lost = faults.verify(n, prefix, w.acked)
    faults.summary("idnode-kill", writers=[w], recovery=took,
                   checked=checked, lost=lost,
                   extra="%d acked before the kill; resent %d unanswered "
                   "batches: %r" % (at_kill, len(w.unanswered), resent))
