#!/usr/bin/env bash
# Transfer benchmark (issue 20 item 8; BENCHMARKS.md "Large files"): a file goes up (tus) and
# down (Range-resumable) through the stand-in tenant (qlik-standin, test kit) on loopback, by the
# SDK (benches/harness transfer_bench) and by curl doing the same transfer, one after the other
# in one run. Both are timed the same way: wall clock from outside, process start included, each
# command under /usr/bin/time (which gives the peak RSS).
#   up:   SDK = tus POST + one PATCH per chunk (the SDK's default sizing, 16 MiB growing to
#         128 MiB, unless BENCH_CHUNK fixes a size), one process;
#         curl = the same tus POST, then the whole file in one streamed PATCH (-T), two processes.
#   down: both GET /api/v1/temp-contents/{id} of the content the SDK uploaded, to a file on the
#         same disk. The SDK writes `<file>.part` and renames it, twice: durable (the default:
#         synced to disk as it grows and before the rename), then `durable(false)` (no sync,
#         as curl). curl only writes; curl + `sync FILE` is printed too.
# sha256: up = the copy the stand-in stored; down = the file written. Then a kill -9 of an SDK
# upload at about half way (the stand-in is throttled to size/4 bytes per second for that run
# only, so that "half way" can be hit at every size) and the same command again, which resumes
# from its state file: bytes re-sent = bytes the stand-in received over both runs - size.
#
#   SIZES="104857600 2147483648" benches/transfer/run.sh      (sizes in bytes)
# Environment: SIZES; PROFILE=release|dev (default release); BENCH_DIR (where the files go,
# default $TMPDIR or /tmp: the source, the stand-in's copy and the downloaded copy of the
# largest size are on disk at once, 3x the size); BENCH_CHUNK (the SDK's chunk size in bytes,
# fixed; default `auto`: the SDK's own sizing, whose largest chunk is 128 MiB).
# Prints the table rows of BENCHMARKS.md and the kill -9 figures; exits non-zero if a sha256
# differs or the resume re-sent more than one chunk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SIZES="${SIZES:-104857600 2147483648}"
PROFILE="${PROFILE:-release}"
CHUNK="${BENCH_CHUNK:-auto}"
export BENCH_CHUNK="$CHUNK"
# One chunk, for the kill -9 check: the fixed size, or the largest chunk of the default sizing.
if [ "$CHUNK" = auto ]; then ONE_CHUNK=134217728; else ONE_CHUNK="$CHUNK"; fi
case "$PROFILE" in
  release) T="${CARGO_TARGET_DIR:-target}/release"; PFLAG=(--release) ;;
  dev) T="${CARGO_TARGET_DIR:-target}/debug"; PFLAG=() ;;
  *) echo "PROFILE must be release or dev" >&2; exit 2 ;;
esac
mkdir -p "${BENCH_DIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/qlik-transfer-bench.XXXXXX")"
KEY=bench-key
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
cargo build "${PFLAG[@]}" -q -p qlik-sdk-testkit --bin qlik-standin
cargo build "${PFLAG[@]}" -q -p qlik-sdk-bench --bin transfer_bench
mkdir -p "$WORK/data"
"$T/qlik-standin" --data-dir "$WORK/data" --port-file "$WORK/port" --api-key "$KEY" >"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { echo "qlik-standin did not start:" >&2; cat "$WORK/standin.log" >&2; exit 1; }
HOST="http://127.0.0.1:$(cat "$WORK/port")"
export BENCH_HOST="$HOST" BENCH_KEY="$KEY"
AUTH="Authorization: Bearer $KEY"
FAIL=0
now() { date +%s.%N; }
py() { python3 -c "$@"; }
received() { curl -sf "$HOST/__standin/stats" | py 'import json,sys; print(sum(json.load(sys.stdin)["bytes_received"].values()))'; }
field() { py 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { if [ "$1" = "$2" ]; then echo yes; else echo NO; fi; }
# timed <name> <command...>: runs the command under /usr/bin/time; sets SECS (wall clock from
# here) and RSS_MB (peak RSS of the command). Every timed step starts after a `sync` (not timed),
# so that none pays for writing back what an earlier step left in the page cache (the stand-in's
# copy of an upload, an earlier download).
timed() {
  local name="$1" t0 t1 rss; shift
  sync
  t0="$(now)"
  /usr/bin/time -f '%M' -o "$WORK/$name.time" "$@"
  t1="$(now)"
  SECS="$(py "print($t1 - $t0)")"
  read -r rss <"$WORK/$name.time"
  RSS_MB="$(py "print(f'{$rss / 1024:.1f}')")"
}
mibs() { py "print(f'{$1 / $2 / 1048576:.0f}')"; }
ratio() { py "print(f'{$2 / $1:.2f}x')"; }
echo "profile $PROFILE, SDK chunk $CHUNK (one chunk: at most $ONE_CHUNK bytes), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| size | direction | SDK MiB/s | curl MiB/s | SDK / curl | SDK peak RSS MB | curl peak RSS MB | sha256 equal (SDK, curl) |\n|---|---|---|---|---|---|---|---|\n'
for size in $SIZES; do
  f="$WORK/in.bin"
  head -c "$size" /dev/urandom >"$f"
  sum="$(sha "$f")"
  # --- up: curl first (its stored copy is checked and removed before the SDK's is made) ---
  sync
  t0="$(now)"
  /usr/bin/time -f '%M' -o "$WORK/curl-post.time" curl -sf -D "$WORK/post.headers" -o /dev/null -X POST \
    -H "$AUTH" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" "$HOST/api/v1/temp-contents/files"
  loc="$(tr -d '\r' <"$WORK/post.headers" | awk 'tolower($1)=="location:" {print $2}')"
  /usr/bin/time -f '%M' -o "$WORK/curl-up.time" curl -sf -o /dev/null -X PATCH -T "$f" -H "$AUTH" -H 'Expect:' \
    -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' "$HOST$loc"
  curl_up="$(py "print($(now) - $t0)")"
  curl_up_rss="$(py "print(f'{$(cat "$WORK/curl-up.time") / 1024:.1f}')")"
  curl_id="${loc##*/}"
  curl_up_ok="$(same "$(sha "$WORK/data/tus-$curl_id")" "$sum")"
  rm -f "$WORK/data/tus-$curl_id"
  # --- up: the SDK ---
  timed sdk-up "$T/transfer_bench" up "$f" "$WORK/state.json" >"$WORK/up.json"
  sdk_up="$SECS" sdk_up_rss="$RSS_MB"
  id="$(field "$WORK/up.json" id)"
  sdk_up_ok="$(same "$(sha "$WORK/data/tus-$id")" "$sum")"
  # --- down: the SDK, then curl, the same content ---
  timed sdk-down "$T/transfer_bench" down "$id" "$WORK/out-sdk" >"$WORK/down.json"
  sdk_down="$SECS" sdk_down_rss="$RSS_MB"
  sdk_down_ok="$(same "$(sha "$WORK/out-sdk")" "$sum")"
  rm -f "$WORK/out-sdk"
  BENCH_DURABLE=0 timed sdk-down-fast "$T/transfer_bench" down "$id" "$WORK/out-sdk" >"$WORK/down-fast.json"
  sdk_fast="$SECS" sdk_fast_rss="$RSS_MB"
  sdk_fast_ok="$(same "$(sha "$WORK/out-sdk")" "$sum")"
  rm -f "$WORK/out-sdk"
  timed curl-down curl -sf -o "$WORK/out-curl" -H "$AUTH" "$HOST/api/v1/temp-contents/$id"
  curl_down="$SECS" curl_down_rss="$RSS_MB"
  t0="$(now)"; sync "$WORK/out-curl"; curl_sync="$(py "print($(now) - $t0)")"
  curl_down_ok="$(same "$(sha "$WORK/out-curl")" "$sum")"
  rm -f "$WORK/out-curl" "$WORK/data/tus-$id"
  echo "| $size | up (tus) | $(mibs "$size" "$sdk_up") | $(mibs "$size" "$curl_up") | $(ratio "$sdk_up" "$curl_up") | $sdk_up_rss | $curl_up_rss | $sdk_up_ok, $curl_up_ok |"
  echo "| $size | down (Range), durable(false) | $(mibs "$size" "$sdk_fast") | $(mibs "$size" "$curl_down") | $(ratio "$sdk_fast" "$curl_down") | $sdk_fast_rss | $curl_down_rss | $sdk_fast_ok, $curl_down_ok |"
  echo "| $size | down (Range), durable (default) vs curl + sync FILE | $(mibs "$size" "$sdk_down") | $(mibs "$size" "$(py "print($curl_down + $curl_sync)")") | $(ratio "$sdk_down" "$(py "print($curl_down + $curl_sync)")") | $sdk_down_rss | $curl_down_rss | $sdk_down_ok, $curl_down_ok |"
  echo "  (down, durable, vs curl without sync: $(ratio "$sdk_down" "$curl_down"); curl's sync FILE took $(py "print(f'{$curl_sync:.2f}')") s)"
  echo "  (SDK's own timing: up $(field "$WORK/up.json" secs) s, down $(field "$WORK/down.json" secs) s, $(field "$WORK/down-fast.json" secs) s without sync; load now: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  # --- kill -9 at about half way, then the same command again (resumes from the state file) ---
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"Throttle\": {\"bytes_per_second\": $((size / 4))}}" "$HOST/__standin/faults"
  before="$(received)"
  "$T/transfer_bench" up "$f" "$WORK/state2.json" >"$WORK/killed.json" 2>&1 &
  pid=$!
  while [ $(( $(received) - before )) -lt $((size / 2)) ] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  if ! kill -9 "$pid" 2>/dev/null; then echo "the upload ended before the kill: $(cat "$WORK/killed.json")" >&2; FAIL=1; fi
  wait "$pid" 2>/dev/null || true
  at_kill=$(( $(received) - before ))
  curl -sf -o /dev/null -X DELETE "$HOST/__standin/faults"
  timed resume "$T/transfer_bench" up "$f" "$WORK/state2.json" >"$WORK/resume.json"
  total=$(( $(received) - before ))
  rid="$(field "$WORK/resume.json" id)"
  resume_ok="$(same "$(sha "$WORK/data/tus-$rid")" "$sum")"
  resent=$((total - size))
  [ "$resent" -le "$ONE_CHUNK" ] || FAIL=1
  from="$(field "$WORK/resume.json" resumed_from)" sent="$(field "$WORK/resume.json" bytes_sent)"
  echo "kill -9 at $at_kill of $size bytes ($(py "print(f'{100 * $at_kill / $size:.0f}')") %); the restart resumed from $from and sent $sent bytes, $((sent - (size - from))) more than the server lacked (peak RSS $RSS_MB MB); the stand-in received $total bytes in all: $resent bytes received twice (one chunk: at most $ONE_CHUNK); sha256 equal: $resume_ok"
  [ $((sent - (size - from))) -le "$ONE_CHUNK" ] || FAIL=1
  for ok in "$curl_up_ok" "$sdk_up_ok" "$sdk_down_ok" "$sdk_fast_ok" "$curl_down_ok" "$resume_ok"; do [ "$ok" = yes ] || FAIL=1; done
  rm -f "$f" "$WORK"/data/tus-* "$WORK"/state*.json
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$FAIL"
