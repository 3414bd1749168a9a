#!/usr/bin/env bash
# QIX hypercube read, three clients against one stand-in engine (issue 13 item 5):
#   qlik-sdk (Rust, benches/harness/src/qix_read.rs), enigma.js 2.15 (enigma.mjs) and
#   @qlik/api 2.19 openAppSession (qlik_api.mjs).
# Starts the stand-in engine (release build) once with ORDERS orders, then each client in turn,
# ROUNDS times, each in a fresh engine session (its own identity). Every client reads
# OrderId x Sum(Amount) x Count(OrderId) (ORDERS rows x 3 columns) in pages of at most
# PAGE_CELLS cells (whole rows), with the next page requested while one is read, and fails on
# a short read. Prints one table (median round per client) after the per-round rows.
#   ORDERS=100000 ROUNDS=3 PAGE_CELLS=10000 benches/qix/run.sh
# Needs: cargo, node >= 18, npm, /usr/bin/time (apt: time), python3.
set -euo pipefail
cd "$(dirname "$0")"
ORDERS=${ORDERS:-100000}
ROUNDS=${ROUNDS:-3}
PAGE_CELLS=${PAGE_CELLS:-10000}
NICE=${NICE:-}   # e.g. NICE="nice -n 19" on a shared machine
ROOT=$(cd ../.. && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

[ -x /usr/bin/time ] || { echo "run.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -f node_modules/enigma.js/package.json ] && [ -f node_modules/@qlik/api/package.json ] \
  || npm ci --no-audit --no-fund --silent
(cd "$ROOT" && CARGO_INCREMENTAL=0 $NICE cargo build --release --quiet \
  -p qlik-sdk-testkit --bin qlik-standin -p qlik-sdk-bench --features qlik-sdk-bench/qix --bin qix_read)

work=$(mktemp -d)
# The test kit's stand-in tenant serving the engine on its port (`--orders` turns it on).
"$TARGET/release/qlik-standin" --port 0 --orders "$ORDERS" >"$work/engine.out" 2>&1 &
engine=$!
trap 'kill $engine 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^engine app: ' "$work/engine.out" && break; sleep 0.1; done
host=$(head -1 "$work/engine.out")
app=$(sed -n 's/^engine app: //p' "$work/engine.out")
key=$(sed -n 's/^api key: //p' "$work/engine.out")
[ -n "$key" ] || { echo "the stand-in engine did not start:" >&2; cat "$work/engine.out" >&2; exit 1; }

echo "# QIX hypercube read: $ORDERS rows x 3 columns, pages of <= $PAGE_CELLS cells, $ROUNDS rounds"
echo "# $(date -u +%FT%TZ)  $(uname -m)  $(nproc) cores  node $(node --version)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
# User + system CPU seconds of the stand-in engine so far (/proc/PID/stat fields 14 and 15).
engine_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$engine/stat"; }
run() { # name, identity, command...
  local name=$1 id=$2; shift 2
  local e0; e0=$(engine_cpu)
  /usr/bin/time -f '{"proc_user_s": %U, "proc_sys_s": %S, "proc_max_rss_kb": %M}' -o "$work/time" \
    "$@" --host "$host" --app "$app" --key "$key" --identity "$id" --rows "$ORDERS" \
    --page-cells "$PAGE_CELLS" >"$work/out" || { echo "$name failed:" >&2; cat "$work/out" >&2; exit 1; }
  local e1; e1=$(engine_cpu)
  python3 -c 'import json,sys; a=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); a.update(json.load(open(sys.argv[2]))); a["engine_cpu_s"]=round(float(sys.argv[4])-float(sys.argv[3]),3); print(json.dumps(a))' \
    "$work/out" "$work/time" "$e0" "$e1" | tee -a "$work/rows.jsonl"
}
for r in $(seq "$ROUNDS"); do
  run rust "rust-$r" "$TARGET/release/qix_read"
  run enigma "enigma-$r" node enigma.mjs
  run qlik-api "qlik-api-$r" node qlik_api.mjs
done
python3 - "$work/rows.jsonl" "$ORDERS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
expected = int(sys.argv[2]) * 3
checks = {round(r["check"], 2) for r in rows}
assert all(r["cells"] == expected for r in rows), "a client read a different number of cells"
assert len(checks) == 1, f"the clients read different data (sum checks {checks})"
print(f"\nAll {len(rows)} runs read {expected} cells; Sum(Amount) check {checks.pop()} in every run.")
print("Median round per client (by cells/s). wall/CPU: the paged read only (after the cube is computed);"
      " process CPU: the whole client process (start-up, connect, compute wait, read); RSS: the highest peak of the client process over the rounds;"
      " engine CPU: the stand-in's CPU over the whole client run (cube compute included).\n")
print("| client | cells read | pages | wall s | cells/s | client CPU s | CPU µs/cell | process CPU s | peak RSS MB | engine CPU s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in dict.fromkeys(r["client"] for r in rows):
    rs = sorted((r for r in rows if r["client"] == c), key=lambda r: r["cells"] / r["wall_s"])
    m = rs[len(rs) // 2]
    print(f'| {c} | {m["cells"]:,} | {m["pages"]} | {m["wall_s"]:.3f} | {m["cells"] / m["wall_s"]:,.0f} | {m["cpu_s"]:.3f}'
          f' | {m["cpu_s"] * 1e6 / m["cells"]:.2f} | {m["proc_user_s"] + m["proc_sys_s"]:.2f}'
          f' | {max(r["proc_max_rss_kb"] for r in rs) / 1024:.1f} | {m["engine_cpu_s"]:.2f} |')
PY
