#!/bin/sh
# Runs libFuzzer targets for a while each and summarises them.
# usage: tests/fuzz/run.sh SECONDS build/fuzz/fuzz_a build/fuzz/fuzz_b ...
#
# The corpus in the tree (tests/fuzz/corpus/NAME) is never written while
# fuzzing: libFuzzer works on a copy in build/fuzz/work/NAME (kept between
# runs) and reads the tree corpus as extra seeds.  Afterwards the inputs
# that add coverage are merged back into tests/fuzz/corpus/NAME, so the
# corpora grow by what is new rather than by everything libFuzzer tried.
# Set FUZZ_MERGE=0 to leave the tree untouched.
#
# Prints one line per target, "NAME: execs=N cov=N crashes=N", and exits
# non-zero if any target crashed (crash, leak, timeout or OOM; the
# reproducer is under build/fuzz/artifacts/NAME/).
secs=${1:?usage: tests/fuzz/run.sh SECONDS FUZZER...}
shift
[ $# -gt 0 ] || {
        echo "usage: tests/fuzz/run.sh SECONDS FUZZER..." >&2
        exit 2
}
root=$(pwd)
merge=${FUZZ_MERGE:-1}
summary=""
failed=0

# The word list is expanded once, so the "set --" below cannot change it.
for bin in "$@"; do
        name=$(basename "$bin")
        seeds="$root/tests/fuzz/corpus/$name"
        work="$root/build/fuzz/work/$name"
        arts="$root/build/fuzz/artifacts/$name"
        log="$root/build/fuzz/$name.log"
        mkdir -p "$work" "$arts"
        before=$(find "$arts" -type f | wc -l)

        echo "== $name (${secs}s)"
        set -- -max_total_time="$secs" -print_final_stats=1 \
                -artifact_prefix="$arts/" "$work"
        if [ -d "$seeds" ]; then
                # The working corpus starts from (and reads) the tree's.
                cp -p "$seeds"/* "$work"/ 2>/dev/null
                set -- "$@" "$seeds"
        fi
        "$bin" "$@" >"$log" 2>&1
        st=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
                tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
        crashes=$(($(find "$arts" -type f | wc -l) - before))
        if [ "$st" -ne 0 ] && [ "$crashes" -eq 0 ]; then
                crashes=1
        fi
        if [ "$crashes" -ne 0 ]; then
                failed=1
                grep -E '^(==[0-9]+==|SUMMARY|.*runtime error)' "$log" |
                        head -n 20
                echo "   log: $log"
                echo "   reproducers: $arts/"
        elif [ "$merge" != 0 ]; then
                mkdir -p "$seeds"
                "$bin" -merge=1 "$seeds" "$work" >>"$log" 2>&1 ||
                        echo "   merge into $seeds failed (see $log)"
        fi
        line="$name: execs=${execs:-0} cov=${cov:-0} crashes=$crashes"
        summary="$summary$line
"
done

printf '%s' "$summary"
exit "$failed"
