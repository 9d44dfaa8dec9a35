"""Faults 3, 5, 6 and 7 of `make test-faults` (docs/faults.md): Redis
replaced by a scripted fake, the AOF's disk full, file descriptors
exhausted, and slow or abusive clients.  Each prints its summary line
(faults.summary)."""
import collections
import os
import subprocess
import time

import data
import faults
import snms
from fakeredis import FakeRedis
from harness import Group, check, eq, scaled
from test_redis import (BUSY, OK, RECORDS, limit, start_streams, stop_streams,
                        wait_recovery)

CONFIG = {"cache": False, "request_timeout_ms": 300, "node_prefix": "88.400"}

# ------------------------------------------------------------ fake Redis

gf = Group("fault-redis-fake", config=CONFIG, records=RECORDS)
FAKE = {}


def one_write(n, token, prefix, tag):
    """One registration batch of 5: (HTTP status, SNMS status, seconds)."""
    batch = [faults.item("%s/%s-%06d" % (prefix, tag, k), k)
             for k in range(5)]
    t0 = time.monotonic()
    st, j, _ = snms.call(n, "POST", faults.BATCH, batch, token, timeout=15)
    return st, (j or {}).get("status"), time.monotonic() - t0


@gf.test("fake Redis that delays, drops, truncates, garbles or mistypes "
         "replies: every request answered within the deadline, node up")
def _(n):
    token, prefix = faults.setup_writes(n)
    n.stop_redis()
    fake = FakeRedis(n.sock_path)
    FAKE[n.dir] = (fake, token, prefix)
    ss_all, writes = [], collections.Counter()
    lim = limit()
    for mode in ("delay", "drop", "truncated", "invalid", "loading",
                 "wrongtype"):
        fake.mode = mode
        before = fake.faulted
        ss = start_streams(n)
        try:
            time.sleep(scaled(1.5))
            st, status, took = one_write(n, token, prefix, mode)
        finally:
            stop_streams(ss)
        ss_all += ss
        writes["write:%s/%s" % (st, status)] += 1
        check(n.alive(), "idnode died in mode %s" % mode)
        check(fake.faulted > before, "mode %s: the fake answered no "
              "command (the test did not reach it)" % mode)
        # The registry's own Redis deadline is 5 s.
        check(took < 5 + scaled(2), "mode %s: a write took %.1f s"
              % (mode, took))
        for s in ss:
            for t0, dt, res in s.log:
                check(res is not None and dt <= lim,
                      "mode %s, %s: answer %r after %.2f s (limit %.2f)"
                      % (mode, s.kind, res, dt, lim))
                if mode != "wrongtype":
                    eq(res, BUSY[s.kind], "mode %s, %s answer" % (mode,
                                                                  s.kind))
                else:
                    check(res != OK[s.kind], "mode %s, %s: SUCCESS from "
                          "a reply of the wrong type" % (mode, s.kind))
        if mode != "wrongtype":
            eq((st, status), (503, -1), "mode %s: write" % mode)
        else:
            # A nil or a string where a token is looked up reads as an
            # unknown token: 401 is right then, 503 otherwise.
            check(st in (401, 503) and status == -1, "mode wrongtype: "
                  "write answered %s/%s" % (st, status))
    FAKE[n.dir] += (ss_all, writes)


@gf.test("real Redis back on the socket: the node reconnects by itself")
def _(n):
    fake, token, prefix, ss, writes = FAKE.pop(n.dir)
    fake.close()
    pid = n.proc.pid
    t0 = time.monotonic()
    n.start_redis()
    n.import_records(RECORDS, "reimport.jsonl")
    took = wait_recovery(n, scaled(8))
    eq(n.proc.pid, pid, "idnode pid")
    faults.summary("redis-fake", ss, recovery=time.monotonic() - t0,
                   errors=writes, extra="fake answered %d commands badly"
                   % fake.faulted)
    check(took < 5, "recovery took %.1f s" % took)
