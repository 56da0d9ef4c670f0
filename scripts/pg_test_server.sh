#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL server for the store tests.
#
#   scripts/pg_test_server.sh start   # prints the SQLAlchemy URL on standard output
#   scripts/pg_test_server.sh stop
#
# Use it as: export PIPEWARDEN_TEST_PG_URL="$(scripts/pg_test_server.sh start)"
# Runs initdb/pg_ctl as the postgres user (they refuse root) in a temp directory that
# user owns. PG_TEST_PORT (default 54329) and PG_TEST_DIR choose port and directory.
set -euo pipefail

PORT="${PG_TEST_PORT:-54329}"
DIR="${PG_TEST_DIR:-/tmp/pipewarden-pg-${PORT}}"
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/postgres"

find_bin() {
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    if [[ -x "${candidate}/pg_ctl" ]]; then
      echo "${candidate}"
      return
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  echo "PostgreSQL is not installed. Install it with: apt-get install -y postgresql" >&2
  exit 2
}

as_postgres() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin="$(find_bin)"
  if [[ -f "${DIR}/data/postmaster.pid" ]] && as_postgres "${bin}/pg_ctl" -D "${DIR}/data" status >/dev/null 2>&1; then
    echo "${URL}"
    return
  fi
  if [[ ! -c /dev/null ]]; then  # initdb runs its checks with "> /dev/null" as postgres
    echo "/dev/null is not the null device ($(ls -l /dev/null)); initdb needs it." \
      "Restore it with: rm -f /dev/null && mknod -m 666 /dev/null c 1 3" >&2
    exit 1
  fi
  rm -rf "${DIR}"
  mkdir -p "${DIR}"
  if [[ "$(id -u)" == "0" ]]; then
    chown postgres: "${DIR}"
  fi
  as_postgres "${bin}/initdb" -D "${DIR}/data" -A trust -U postgres --no-sync >"${DIR}/initdb.log" 2>&1 \
    || { cat "${DIR}/initdb.log" >&2; exit 1; }
  as_postgres "${bin}/pg_ctl" -D "${DIR}/data" -l "${DIR}/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p ${PORT} -c unix_socket_directories=${DIR} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "${DIR}/server.log" >&2; exit 1; }
  echo "${URL}"
}

stop() {
  local bin
  bin="$(find_bin)"
  if [[ -d "${DIR}/data" ]]; then
    as_postgres "${bin}/pg_ctl" -D "${DIR}/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "${DIR}"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
