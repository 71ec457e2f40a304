#!/usr/bin/env bash
# Runs scrawl-bench against a fresh release server on a temporary database,
# with the per-address limits raised (every client here shares 127.0.0.1),
# and stops it afterwards. Arguments go to scrawl-bench, e.g.:
#   end2end/bench/scrawl-bench.sh all --seconds 10
#   BENCH=target/debug/scrawl-bench end2end/bench/scrawl-bench.sh relay --clients 4 --seconds 2
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH:-target/release/scrawl-bench}
SERVER=${SERVER:-target/release/scrawl}
PORT=${PORT:-$((3600 + RANDOM % 400))}
dir=$(mktemp -d)
# The server and the load generator both hold one socket per connection.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
SCRAWL_ADDR=127.0.0.1:$PORT SCRAWL_DB=$dir/bench.db LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn} \
  SCRAWL_STROKE_RATE=100000 SCRAWL_IP_STROKE_RATE=10000000 SCRAWL_EDIT_RATE=100000 SCRAWL_IP_EDIT_RATE=10000000 \
  SCRAWL_MAX_CONNECTIONS_PER_IP=1000000 SCRAWL_JOINS_PER_IP_PER_MINUTE=10000000 \
  SCRAWL_BOARD_MAX_POINTS=100000000 SCRAWL_BOARD_MAX_STROKES=10000000 \
  "$SERVER" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ -n "${KEEP_LOG:-}" ] && cp "$dir/server.log" "$KEEP_LOG"; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.1
done
"$BENCH" --addr "127.0.0.1:$PORT" --pid "$pid" "$@"
