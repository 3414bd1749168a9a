#!/usr/bin/env bash
# Instructions per get_my_user call, counted by callgrind (repeatable whatever the machine's
# load): the driver runs M1 and then M2 calls against the harness's fake tenant, and
# (I(M2) - I(M1)) / (M2 - M1) is the cost of one call. BENCHMARKS.md, "Telemetry cost per
# request" (issue 22 item 5).
#
#   per_request.sh TAG BINARY          # BINARY reads the harness's BENCH_* variables
#   MODE=seq|conc (default conc: batches of 16)   M1=1000 M2=2000
#   XENV="BENCH_RATE_LIMIT=off BENCH_MIDDLEWARE=1"  (extra environment for the driver)
#   BENCH_DIR=/work/bench-run (a copy of ../shared/bench after `bash setup.sh`)
# Writes $OUT/TAG.M.out (callgrind files; OUT default /tmp/qlik-callgrind) and prints the
# per-call figure. pieces.py reads the files for the per-piece table.
set -euo pipefail
TAG=$1; CMD=$(realpath "$2")
M1=${M1:-1000}; M2=${M2:-2000}
PORT=${PORT:-18391}
BENCH_DIR=${BENCH_DIR:-/work/bench-run}
OUT=${OUT:-/tmp/qlik-callgrind}
mkdir -p "$OUT"
HOST=http://127.0.0.1:$PORT
if ! curl -sf "$HOST/_bench/stats" >/dev/null; then
  "$BENCH_DIR/.venv/bin/python" "$BENCH_DIR/fake_tenant.py" --port "$PORT" --workers 2 \
    --items 100 >"$OUT/server.log" 2>&1 &
  echo $! >"$OUT/server.pid"   # stop it with: kill "$(cat $OUT/server.pid)"
  for _ in $(seq 100); do curl -sf "$HOST/_bench/stats" >/dev/null && break; sleep 0.1; done
fi
TOKEN=$(curl -sf -X POST -H 'content-type: application/x-www-form-urlencoded' \
  -d "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret" \
  "$HOST/oauth/token" | jq -r .access_token)
export NO_PROXY=127.0.0.1 BENCH_HOST=$HOST BENCH_CLIENT_ID=bench-client \
  BENCH_CLIENT_SECRET=bench-secret BENCH_SEQ_N=0 BENCH_CONC=16 BENCH_PAGE_LIMIT=100 \
  BENCH_WARMUP=20 BENCH_EXPECT_ITEMS=100 BENCH_TOKEN=$TOKEN
for m in $M1 $M2; do
  if [ "${MODE:-conc}" = seq ]; then n="BENCH_SEQ_N=$m BENCH_CONC_M=0"; else n="BENCH_CONC_M=$m"; fi
  # shellcheck disable=SC2086
  env $n ${XENV:-} valgrind --tool=callgrind --callgrind-out-file="$OUT/$TAG.$m.out" "$CMD" \
    >"$OUT/$TAG.$m.stdout" 2>"$OUT/$TAG.$m.err"
done
total() { grep '^summary:' "$1" | awk '{print $2}'; }
a=$(total "$OUT/$TAG.$M1.out"); b=$(total "$OUT/$TAG.$M2.out")
echo "$TAG: $a $b instructions; per call $(( (b - a) / (M2 - M1) ))"
