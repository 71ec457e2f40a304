#!/usr/bin/env bash
# Starts (or stops) the real engines a scrawl cluster runs on, as plain
# processes in one folder on loopback ports: PostgreSQL (nginx is started
# by tests/cluster.rs itself). No systemd; nothing outlives `stop`.
# Installs the Debian packages if missing.
#   end2end/cluster/engines.sh start DIR   # writes DIR/env (its URL, port)
#   end2end/cluster/engines.sh stop DIR
#   end2end/cluster/engines.sh pg-stop|pg-start DIR   # an outage
set -euo pipefail
action=$1
dir=$(realpath -m "$2")
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

install_missing() {
  local missing=()
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/postgres" ] || missing+=(postgresql)
  command -v nginx >/dev/null || missing+=(nginx)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
}

# PostgreSQL refuses to run as root: it runs as the package's `postgres` user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  install_missing
  mkdir -p "$dir"
  local pg_port
  pg_port=$(free_port)

  mkdir -p "$dir/pg"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pg"
  as_pg "$PG_BIN/initdb" -D "$dir/pg/data" -U scrawl --auth=trust -E UTF8 >"$dir/pg/initdb.log"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir/pg -c fsync=on" >/dev/null

  cat >"$dir/env" <<ENV
PG_PORT=$pg_port
SCRAWL_TEST_POSTGRES=postgres://scrawl@127.0.0.1:$pg_port/postgres
ENV
  echo "postgres on 127.0.0.1:$pg_port ($dir)"
}

stop() {
  [ -d "$dir/pg/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  return 0
}

# PostgreSQL alone, for the outage test: stopped, then started again on
# the same port and data.
pg_stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null
}

pg_start() {
  local pg_port
  pg_port=$(sed -n 's/^PG_PORT=//p' "$dir/env")
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir/pg" >/dev/null
}

case $action in
  start) start ;;
  stop) stop ;;
  pg-stop) pg_stop ;;
  pg-start) pg_start ;;
  *) echo "usage: $0 start|stop|pg-stop|pg-start DIR" >&2; exit 2 ;;
esac
