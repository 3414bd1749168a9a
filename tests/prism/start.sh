#!/usr/bin/env bash
# Merges the pinned specs (normalised, as the SDK is generated from them) into one OpenAPI
# document and starts Stoplight Prism in static mock mode on it, in the background on
# 127.0.0.1:${PRISM_PORT:-4010}; waits until it answers. Tests find it through
#   QLIK_TEST_PRISM_URL=http://127.0.0.1:${PRISM_PORT:-4010}
# Run `npm ci` in this directory first. Stop it with: kill "$(cat "$PRISM_PIDFILE")".
# The merged spec is derived from third-party spec text: it goes to a temp dir, never to git.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PRISM_PORT:-4010}"
tmp="${TMPDIR:-/tmp}"
pidfile="${PRISM_PIDFILE:-$tmp/qlik-sdk-prism.pid}"
log="${PRISM_LOG:-$tmp/qlik-sdk-prism.log}"
merged="${PRISM_SPEC:-$tmp/qlik-sdk-merged-spec.json}"
specs="${QLIK_SPECS_DIR:-$root/../shared/qlik-specs/rest}"
if [ ! -x "$here/node_modules/.bin/prism" ]; then
  echo "prism: run 'npm ci' in $here first" >&2
  exit 1
fi
(cd "$root" && cargo run -q -p qlik-codegen --example merge_specs -- "$specs" "$merged" && echo)
# Static mode (no -d): answers from the spec's examples. Prism logs every request; keep it quiet.
nohup "$here/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$port" -v warn "$merged" \
  >"$log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 300); do
  if node -e "fetch('http://127.0.0.1:$port/api/v1/csrf-token').then(()=>process.exit(0)).catch(()=>process.exit(1))" 2>/dev/null; then
    echo "prism ready at http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log, spec $merged)"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "prism exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "prism did not become ready in 150 s" >&2
tail -20 "$log" >&2
exit 1
