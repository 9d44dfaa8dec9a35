#!/bin/sh
# Runs every test tier and ends with "N passed, N failed".
# usage: tests/run.sh BUILD_DIR   (TIERS="unit fuzz integration" to choose;
# "faults" is the fault-injection subset of integration, docs/faults.md)
B=${1:-build/default}
TIERS=${TIERS:-unit fuzz integration}
OUT=${TEST_OUT:-tests/out}
mkdir -p "$OUT"
pass=0
fail=0

# count_tap NAME LOGFILE STATUS: tallies one TAP stream; a stream whose
# plan is not met, or whose program exited non-zero, counts one failure.
count_tap() {
        p=$(grep -c '^ok ' "$2")
        f=$(grep -c '^not ok ' "$2")
        plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$2" | head -n 1)
        if [ -n "$plan" ] && [ $((p + f)) -ne "$plan" ]; then
                echo "not ok - $1: ran $((p + f)) of $plan tests"
                f=$((f + 1))
        elif [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
                echo "not ok - $1: exited with status $3"
                f=$((f + 1))
        fi
        pass=$((pass + p))
        fail=$((fail + f))
}

run_tap() {
        name=$1
        shift
        log="$OUT/$name.tap"
        "$@" >"$log" 2>&1
        st=$?
        grep -E '^(not ok|ok|#)' "$log" | grep -v '^ok ' || true
        count_tap "$name" "$log" "$st"
}

for tier in $TIERS; do
        echo "== $tier"
        case $tier in
        unit)
                for t in "$B"/tests/test_*; do
                        [ -x "$t" ] || continue
                        CMOCKA_MESSAGE_OUTPUT=TAP run_tap "$(basename "$t")" "$t"
                done
                ;;
        fuzz)
                for t in "$B"/tests/replay_*; do
                        [ -x "$t" ] || continue
                        name=${t##*/replay_}
                        run_tap "replay_$name" "$t" "tests/fuzz/corpus/$name"
                done
                ;;
        integration)
                run_tap integration python3 tests/integration/run.py "$B"
                ;;
        faults)
                run_tap faults python3 tests/integration/run.py "$B" fault-
                ;;
        esac
        echo "   $pass passed, $fail failed so far"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
