#!/usr/bin/env bash
# Starts the test OAuth2 server (oauth2-mock-server + Qlik wrapper) in the background on
# 127.0.0.1:${OAUTH_PORT:-18555} and waits until it answers. Tests find it through
#   QLIK_TEST_OAUTH_URL=http://127.0.0.1:${OAUTH_PORT:-18555}
# Run `npm ci` in this directory first. Stop it with: kill "$(cat "$PIDFILE")".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${OAUTH_PORT:-18555}"
pidfile="${OAUTH_PIDFILE:-${TMPDIR:-/tmp}/qlik-sdk-oauth-server.pid}"
log="${OAUTH_LOG:-${TMPDIR:-/tmp}/qlik-sdk-oauth-server.log}"
if [ ! -d "$here/node_modules/oauth2-mock-server" ]; then
  echo "oauth-server: run 'npm ci' in $here first" >&2
  exit 1
fi
PORT="$port" HOST=127.0.0.1 nohup node "$here/server.mjs" >"$log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  if node -e "fetch('http://127.0.0.1:$port/__health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" 2>/dev/null; then
    echo "oauth-server ready at http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "oauth-server exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "oauth-server did not become ready in 10 s" >&2
cat "$log" >&2
exit 1
