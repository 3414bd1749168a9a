#!/usr/bin/env bash
# Starts the test forward proxy (the npm package `proxy` + a request log, server.mjs) in the
# background on 127.0.0.1:${PROXY_PORT:-18556} and waits until it answers. Tests find it through
#   QLIK_TEST_PROXY_URL=http://127.0.0.1:${PROXY_PORT:-18556}
# Run `npm ci` in this directory first. Stop it with: kill "$(cat "$PIDFILE")".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${PROXY_PORT:-18556}"
pidfile="${PROXY_PIDFILE:-${TMPDIR:-/tmp}/qlik-sdk-http-proxy.pid}"
log="${PROXY_STDOUT:-${TMPDIR:-/tmp}/qlik-sdk-http-proxy.log}"
if [ ! -d "$here/node_modules/proxy" ]; then
  echo "http-proxy: run 'npm ci' in $here first" >&2
  exit 1
fi
PORT="$port" nohup node "$here/server.mjs" >"$log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  if node -e "fetch('http://127.0.0.1:$port/__health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" 2>/dev/null; then
    echo "http-proxy ready at http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "http-proxy exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "http-proxy did not become ready in 10 s" >&2
cat "$log" >&2
exit 1
