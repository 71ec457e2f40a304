#!/usr/bin/env bash
# Relay latency and acked throughput on one board, side by side: one node on
# SQLite, one node on PostgreSQL, and three nodes on PostgreSQL with the
# clients spread over them (each connects to its node directly, as behind a
# load balancer; the board's holder serves them all). Release builds, the
# engines from end2end/cluster/engines.sh. Figures only; nothing is asserted.
#   end2end/bench/cluster-bench.sh [relay arguments, default: --clients 30 --seconds 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${BENCH:-target/release/scrawl-bench}
SERVER=${SERVER:-target/release/scrawl}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--clients 30 --seconds 10)
work=$(mktemp -d /tmp/scrawl-cluster-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  end2end/cluster/engines.sh stop "$work/engines"
  rm -rf "$work"
}
trap cleanup EXIT
end2end/cluster/engines.sh start "$work/engines" >/dev/null
. "$work/engines/env"
base=${SCRAWL_TEST_POSTGRES%/*}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# start PORT DB [NODE_ADDR]: a release server with the per-address limits raised.
start() {
  local port=$1 db=$2 node=${3:-}
  env SCRAWL_ADDR=127.0.0.1:$port SCRAWL_DB=$db ${node:+SCRAWL_NODE_ADDR=$node SCRAWL_TRUST_PROXY=true} \
    LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=warn \
    SCRAWL_STROKE_RATE=100000 SCRAWL_IP_STROKE_RATE=10000000 SCRAWL_EDIT_RATE=100000 SCRAWL_IP_EDIT_RATE=10000000 \
    SCRAWL_MAX_CONNECTIONS_PER_IP=1000000 SCRAWL_JOINS_PER_IP_PER_MINUTE=10000000 \
    "$SERVER" >>"$work/server-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return
    sleep 0.1
  done
  echo "server on $port did not start" >&2
  exit 1
}

stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}

newdb() {
  psql -q "$SCRAWL_TEST_POSTGRES" -c "CREATE DATABASE $1" >/dev/null
  echo "$base/$1"
}

port=$((4100 + RANDOM % 400))
echo "== one node, SQLite"
start "$port" "$work/bench.db"
"$BENCH" --addr "127.0.0.1:$port" --pid "${pids[0]}" relay "${args[@]}"
stop_all

echo "== one node, PostgreSQL"
start "$port" "$(newdb single)"
"$BENCH" --addr "127.0.0.1:$port" --pid "${pids[0]}" relay "${args[@]}"
stop_all

echo "== three nodes, PostgreSQL, clients spread over them"
db=$(newdb cluster)
addrs=()
for i in 0 1 2; do
  p=$((port + 1 + i))
  start "$p" "$db" "127.0.0.1:$p"
  addrs+=("127.0.0.1:$p")
done
"$BENCH" --addr "$(IFS=,; echo "${addrs[*]}")" relay "${args[@]}"
stop_all
