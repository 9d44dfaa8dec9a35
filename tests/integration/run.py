#!/usr/bin/env python3
"""idnode integration tests: python3 tests/integration/run.py BUILD_DIR [FILTER...]

Prints TAP ("1..N", then "ok i - name" / "not ok i - name" with "# "
diagnostics) and exits 0 iff every selected test passed.  A FILTER keeps
the tests whose name contains it.  IDNODE_TEST_SLOW scales every wait
(default 3 for build/address, else 1); IDNODE_TEST_KEEP=1 keeps temp dirs.
"""
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

TIMES = []
MODULES = [
    "test_codec", "test_resolve", "test_protocol", "test_garbage",
    "test_big", "test_limits", "test_tcp", "test_http", "test_cache", "test_redis",
    "test_ops", "test_idctl",
]


def diag(lines):
    for line in str(lines).rstrip().splitlines():
        print("# " + line)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    harness.set_build(argv[1])
    filters = argv[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    found = sorted(f[:-3] for f in os.listdir(here)
                   if f.startswith("test_") and f.endswith(".py"))
    for m in [m for m in MODULES if m in found] + \
            [m for m in found if m not in MODULES]:
        __import__(m)
    plan = []
    for g in harness.Group.all:
        tests = [(n, fn) for n, fn in g.tests
                 if not filters or any(f in n for f in filters)]
        if tests:
            plan.append((g, tests))
    total = sum(len(t) for _, t in plan)
    print("1..%d" % total)
    print("# build %s, wait factor %.1f" % (harness.BUILD, harness.SLOW))
    sys.stdout.flush()
    num = 0
    failed = 0
    t0 = time.monotonic()
    for g, tests in plan:
        results = run_group(g, tests)
        for name, ok, msgs in results:
            num += 1
            print("%s %d - %s" % ("ok" if ok else "not ok", num, name))
            if not ok:
                failed += 1
            for m in msgs:
                diag(m)
        sys.stdout.flush()
    print("# groups: " + ", ".join(TIMES))
    print("# %d tests, %d failed, %.1f s" % (total, failed,
                                             time.monotonic() - t0))
    return 1 if failed else 0


def run_group(g, tests):
    """Runs one group's tests on a fresh node; returns [(name, ok, msgs)]."""
    results = []
    node = None
    t0 = time.monotonic()
    if g.node:
        node = harness.Node(g.name.replace(" ", "_"), g.config, g.records,
                            g.redis_args)
        try:
            node.start()
        except Exception as e:  # noqa: BLE001
            msg = "group setup failed: %s" % e
            problems = node.shutdown()
            out = [(n, False, [msg] + problems) for n, _ in tests]
            out[-1][2].append("kept %s" % node.dir)
            return out
    try:
        for name, fn in tests:
            t1 = time.monotonic()
            try:
                fn(node)
                results.append([name, True, []])
            except AssertionError as e:
                results.append([name, False, [str(e) or repr(e)]])
            except Exception:  # noqa: BLE001
                results.append([name, False, [traceback.format_exc()]])
            dt = time.monotonic() - t1
            if dt > 5:
                results[-1][2].append("took %.1f s" % dt)
    finally:
        # Even on KeyboardInterrupt: never leave redis or idnode behind.
        problems = node.shutdown() if node else []
    if node:
        if problems:
            results[-1][1] = False
            results[-1][2].extend(problems)
        if all(r[1] for r in results) and not os.environ.get(
                "IDNODE_TEST_KEEP"):
            node.cleanup()
        else:
            if any(not r[1] for r in results):
                results[-1][2].append("idnode stderr (tail):\n"
                                      + node.stderr_tail(15))
            results[-1][2].append("kept %s" % node.dir)
    TIMES.append("%s %.1fs" % (g.name, time.monotonic() - t0))
    return [tuple(r) for r in results]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
