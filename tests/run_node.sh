#!/bin/sh
# make run: a private Redis and idnode with the demo data, in the
# foreground until SIGINT/SIGTERM, then everything it started is stopped.
# Honours IDNODE_RUN_DIR (./run), IDNODE_HANDLE_PORT (2641),
# IDNODE_HTTP_PORT (8000), IDNODE_ADMIN_PORT (8001), IDNODE_DEMO_HEATS
# (40: the size of the demo supply chain, tests/data/supply_chain.py).
set -u
B=${1:-build/default}
TOP=$(pwd)
RUN=${IDNODE_RUN_DIR:-./run}
HPORT=${IDNODE_HANDLE_PORT:-2641}
WPORT=${IDNODE_HTTP_PORT:-8000}
APORT=${IDNODE_ADMIN_PORT:-8001}
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
SOCK="$RUN/redis.sock"
redis_pid=""
node_pid=""

stop() {
        trap - INT TERM EXIT
        [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null &&
                wait "$node_pid" 2>/dev/null
        if [ -n "$redis_pid" ]; then
                redis-cli -s "$SOCK" shutdown >/dev/null 2>&1 ||
                        kill -TERM "$redis_pid" 2>/dev/null
                wait "$redis_pid" 2>/dev/null
        fi
        echo "stopped (data kept in $RUN)"
        exit 0
}
trap stop INT TERM EXIT

if redis-cli -s "$SOCK" ping >/dev/null 2>&1; then
        echo "a Redis is already serving $SOCK (another make run?)" >&2
        trap - EXIT
        exit 1
fi
redis-server "$TOP/ops/redis.conf" --dir "$RUN" --unixsocket "$SOCK" \
        --logfile "$RUN/redis.log" &
redis_pid=$!
i=0
until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 100 ] && { echo "redis did not start; see $RUN/redis.log" >&2; exit 1; }
        sleep 0.1
done

# The node key (secret_key_file): it seals what the v1 login checks.
KEY="$RUN/node.key"
if [ ! -s "$KEY" ]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$KEY") ||
                exit 1
        [ -s "$RUN/demo-accounts.txt" ] &&
                echo "note: the demo accounts predate $KEY, so they cannot" \
                        "use /identity/token/v1; remove $RUN to remake them" >&2
fi
chmod 600 "$KEY"

cat >"$RUN/idnode.json" <<JSON
{
  "handle_bind": "127.0.0.1",
  "handle_port": $HPORT,
  "http_bind": "127.0.0.1",
  "http_port": $WPORT,
  "admin_bind": "127.0.0.1",
  "admin_port": $APORT,
  "redis_socket": "$SOCK",
  "site_address": "127.0.0.1",
  "secret_key_file": "$KEY",
  "node_prefix": "88.123",
  "log_file": "$RUN/idnode.log"
}
JSON
"$B/idctl" -c "$RUN/idnode.json" import "$TOP/tests/data/demo.jsonl" || exit 1

# Demo accounts: random passwords made on the first run, kept (mode 600)
# beside the data so later runs print the same ones.
ACCOUNTS="$RUN/demo-accounts.txt"
if [ ! -s "$ACCOUNTS" ]; then
        umask 077
        : >"$ACCOUNTS"
        for spec in "operator operator" "reviewer reviewer" \
                "pumpworks enterprise 91350100M000100Y43"; do
                set -- $spec
                pw=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
                printf '%s\n' "$pw" | "$B/idctl" -c "$RUN/idnode.json" \
                        user add "$1" --role "$2" ${3:+--enterprise "$3"} \
                        >/dev/null || exit 1
                echo "$1 $2 $pw" >>"$ACCOUNTS"
        done
fi
"$B/idnode" -c "$RUN/idnode.json" &
node_pid=$!
i=0
until curl -sf "http://127.0.0.1:$WPORT/healthz" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$node_pid" 2>/dev/null; then
                echo "idnode did not start; see $RUN/idnode.log" >&2
                tail -n 5 "$RUN/idnode.log" >&2
                exit 1
        fi
        sleep 0.1
done

sh "$TOP/tests/data/demo_registry.sh" "$RUN" "$WPORT" "$ACCOUNTS" || exit 1
PFX=$(awk '$1 == "prefix" {print $2}' "$RUN/demo-registry.txt")
PLAT=$(awk '$1 == "platform" {print $2}' "$RUN/demo-registry.txt")
PLATPW=$(awk '$1 == "platform" {print $3}' "$RUN/demo-registry.txt")

# The demo supply chain, made once through the API by its enterprises.
SC="$RUN/supply-chain.txt"
if [ ! -s "$SC" ]; then
        echo "making the demo supply chain (tests/data/supply_chain.py)..."
        python3 "$TOP/tests/data/supply_chain.py" \
                --url "http://127.0.0.1:$WPORT" --idctl "$B/idctl" \
                --config "$RUN/idnode.json" --out "$SC" \
                --heats "${IDNODE_DEMO_HEATS:-40}" \
                --reviewer $(awk '$2 == "reviewer" {print $1, $3; exit}' \
                        "$ACCOUNTS") ||
                { echo "the supply chain failed; remove $RUN to start" \
                        "afresh" >&2; exit 1; }
fi
sc() { awk -v k="$1" '$1 == k {print $2; exit}' "$SC"; }
PUMP=$(sc pump)
HEAT=$(sc heat)
HOLDER=$(awk -v k="$(sc holder)" '$1 == "account" && $2 == k {print $3, $4}' \
        "$SC")

cat <<MSG

idnode is running (Handle UDP/TCP 127.0.0.1:$HPORT, HTTP 127.0.0.1:$WPORT,
admin 127.0.0.1:$APORT).
Logs: $RUN/idnode.log   Config: $RUN/idnode.json   Redis: $SOCK

Try, in another terminal:
  $B/idctl -c $RUN/idnode.json resolve 88.123.45/PUMP-2026-000017
  $B/idctl -c $RUN/idnode.json resolve --tcp --type URL --index 2000 88.123.45/PUMP-2026-000017
  $B/idctl -c $RUN/idnode.json resolve --json 88.123.46/MOTOR-7781
  curl 'http://127.0.0.1:$WPORT/api/handles/88.123.45/PUMP-2026-000017?pretty'
  curl 'http://127.0.0.1:$WPORT/api/handles/88.123.45/PUMP-2026-000017?type=URL&index=2000'
  curl 'http://127.0.0.1:$WPORT/identityv2/data/detail?handle=88.123.48/HEAT-B7-2025-0912'
  curl -i 'http://127.0.0.1:$WPORT/api/handles/88.123.45/NO-SUCH-PUMP'
  curl -X POST -d '{"username":"$(awk 'NR==1{print $1}' "$ACCOUNTS")","password":"$(awk 'NR==1{print $3}' "$ACCOUNTS")"}' http://127.0.0.1:$WPORT/identity/token
  # v1 ("密文传输"): the password as sha256hex(sha256hex(plain) + UTC date)
  d=\$(printf %s '$(awk 'NR==1{print $3}' "$ACCOUNTS")' | sha256sum | cut -c1-64)
  curl -d "{\"username\":\"$(awk 'NR==1{print $1}' "$ACCOUNTS")\",\"password\":\"\$(printf %s%s \$d \$(date -u +%F) | sha256sum | cut -c1-64)\"}" http://127.0.0.1:$WPORT/identity/token/v1

The registry (SNMS API): pumpworks applied, the reviewer approved it and
it got prefix $PFX; it defined template pump-v1 and a platform
($PLAT) registered $PFX/CP200-2026-000001..3:
  $B/idctl -c $RUN/idnode.json resolve $PFX/CP200-2026-000001
  T=\$(curl -s -d '{"username":"$PLAT","password":"$PLATPW"}' http://127.0.0.1:$WPORT/identity/token | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
  curl -H "Authorization: Bearer \$T" -d '{"handle":"$PFX/CP200-2026-000004","templateVersion":"pump-v1","value":[{"index":2000,"type":"serialNo","data":{"format":"string","value":"SN20264"}},{"index":2001,"type":"model","data":{"format":"string","value":"CP-200"}}]}' http://127.0.0.1:$WPORT/identityv2/data
  curl 'http://127.0.0.1:$WPORT/api/handles/$PFX/CP200-2026-000004?pretty'
  $B/idctl -c $RUN/idnode.json audit --count 5

The supply chain: a steel mill, motor and bearing makers, a pump maker,
a distributor, two end users, a maintenance contractor and a recycler
($(sed -n 's/^counts //p' "$SC")):
  open http://127.0.0.1:$WPORT/trace/#/$PUMP
  curl 'http://127.0.0.1:$WPORT/api/trace/$PUMP?direction=up&depth=3'
  curl 'http://127.0.0.1:$WPORT/api/recall/$HEAT'
  curl 'http://127.0.0.1:$WPORT/api/events/$PUMP'
  # the pump's holder sees more (paste the token into the page):
  curl -d '{"username":"${HOLDER% *}","password":"${HOLDER#* }"}' http://127.0.0.1:$WPORT/identity/token
Its enterprises, prefixes and accounts are in $SC.

Operators (admin listener, loopback only):
  curl -s http://127.0.0.1:$APORT/metrics | grep idnode_registry_writes_total
  curl http://127.0.0.1:$APORT/readyz

Demo accounts (name role password; also in $ACCOUNTS):
$(sed 's/^/  /' "$ACCOUNTS")

Press Ctrl-C to stop.
MSG
wait "$node_pid"
node_pid=""
echo "idnode exited; see $RUN/idnode.log" >&2
stop
