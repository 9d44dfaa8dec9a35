#!/bin/sh
# make run, first start only: takes the demo enterprise through the
# registry API as its users would (apply, review, template, platform,
# identifiers) and records what it made in $RUN/demo-registry.txt.
# Usage: demo_registry.sh RUN_DIR HTTP_PORT ACCOUNTS_FILE
set -u
RUN=$1
URL=http://127.0.0.1:$2
ACCOUNTS=$3
OUT="$RUN/demo-registry.txt"
[ -s "$OUT" ] && exit 0

say() { echo "demo registry: $*" >&2; }
# call METHOD PATH TOKEN [BODY]: prints the answer, fails unless status 1.
call() {
        ans=$(curl -s -X "$1" -H "Authorization: Bearer $3" \
                ${4:+-d "$4"} "$URL$2") || { say "$1 $2: no answer"; exit 1; }
        case $ans in
        *'"status":1,'*) printf '%s\n' "$ans" ;;
        *) say "$1 $2: $ans"; exit 1 ;;
        esac
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
login() {
        pw=$(awk -v u="$1" '$1 == u {print $3}' "$ACCOUNTS")
        curl -s -d "{\"username\":\"$1\",\"password\":\"$pw\"}" \
                "$URL/identity/token" | field token
}

ENT=91350100M000100Y43
ET=$(login pumpworks)
RT=$(login reviewer)
[ -n "$ET" ] && [ -n "$RT" ] || { say "cannot log in the demo accounts"; exit 1; }

call POST /snms/api/ent/apply "$ET" "{\"uscc\":\"$ENT\",
  \"entNameCn\":\"福州示例泵业有限公司\",\"entAddrCn\":\"福州市鼓楼区\",
  \"entIndustry\":\"C\",\"entWebSite\":\"https://pump.example.cn\",
  \"entDesc\":\"离心泵制造\",\"contactName\":\"林工\",
  \"contactPhone\":\"0591-88880000\",\"contactEmail\":\"ops@pump.example.cn\"}" \
        >/dev/null
call POST /snms/api/ent/review "$RT" "{\"uscc\":\"$ENT\",\"action\":\"start\"}" \
        >/dev/null
PFX=$(call POST /snms/api/ent/review "$RT" \
        "{\"uscc\":\"$ENT\",\"action\":\"approve\"}" | field prefix)
[ -n "$PFX" ] || { say "approval gave no prefix"; exit 1; }
call POST /snms/api/v5/template "$ET" "{\"prefix\":\"$PFX\",
  \"version\":\"pump-v1\",\"industryCategory\":\"C\",\"type\":1,
  \"description\":\"centrifugal pump\",\"items\":[
  {\"name\":\"序列号\",\"idType\":\"serialNo\",\"idIndex\":2000,\"required\":true,
   \"metadata\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":32}},
  {\"name\":\"型号\",\"idType\":\"model\",\"idIndex\":2001,\"required\":true,
   \"metadata\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":32}},
  {\"name\":\"生产日期\",\"idType\":\"mfgDate\",\"idIndex\":2002,
   \"metadata\":{\"type\":\"string\",\"minLength\":10,\"maxLength\":10}}]}" \
        >/dev/null
P=$(call POST /snms/api/platform "$ET" '{"name":"MES line 1","kind":"mes"}')
KEY=$(printf '%s' "$P" | field keyId)
SECRET=$(printf '%s' "$P" | field secret)
PT=$(curl -s -d "{\"username\":\"$KEY\",\"password\":\"$SECRET\"}" \
        "$URL/identity/token" | field token)
items=""
for i in 1 2 3; do
        items="$items${items:+,}{\"handle\":\"$PFX/CP200-2026-00000$i\",
  \"templateVersion\":\"pump-v1\",\"value\":[
  {\"index\":2000,\"type\":\"serialNo\",\"data\":{\"format\":\"string\",\"value\":\"SN2026$i\"}},
  {\"index\":2001,\"type\":\"model\",\"data\":{\"format\":\"string\",\"value\":\"CP-200\"}},
  {\"index\":2002,\"type\":\"mfgDate\",\"data\":{\"format\":\"string\",\"value\":\"2026-11-0$i\"}}]}"
done
call POST /identityv2/data/batchCreate "$PT" "[$items]" >/dev/null
umask 077
printf 'prefix %s\nplatform %s %s\n' "$PFX" "$KEY" "$SECRET" >"$OUT"
