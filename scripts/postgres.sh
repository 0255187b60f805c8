#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite and export FOREWARN_TEST_POSTGRES_URL.
#
# Source it (". scripts/postgres.sh"): scripts/test.sh does. It installs PostgreSQL with
# apt-get when no server binaries are present (as root), initialises a cluster in a fresh
# temporary folder, starts it on 127.0.0.1 on the first free port from 55432, and stops it
# when the sourcing shell exits (an EXIT trap). Sourcing it again in the same shell reuses that
# server; a FOREWARN_TEST_POSTGRES_URL set beforehand is respected (nothing is started).
# FOREWARN_PG_KEEP=1 leaves the server running for interactive work (later sourcings reuse it);
# stop it with "bash scripts/postgres.sh stop". Under CI=true any failure is fatal; elsewhere
# the suite goes on and the PostgreSQL tests are skipped.

_fw_pg_state="${TMPDIR:-/tmp}/forewarn-pg.state"

_fw_pg_say() { echo "postgres.sh: $*" >&2; }

_fw_pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  elif command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  fi
}

_fw_pg_install() {
  if [ "$(id -u)" != 0 ]; then
    _fw_pg_say "no PostgreSQL server binaries and not root: install postgresql first"
    return 1
  fi
  _fw_pg_say "installing PostgreSQL with apt-get"
  apt-get update -qq >&2 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql >&2 || return 1
}

# Run a server command as the cluster's owner: the postgres user when we are root.
_fw_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    local runuser
    runuser="$(command -v runuser || ls /usr/sbin/runuser /sbin/runuser 2>/dev/null | head -n 1)"
    "${runuser:-runuser}" -u postgres -- "$@"
  else
    "$@"
  fi
}

_fw_pg_free_port() {
  local port=55432
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
    if [ "$port" -gt 55532 ]; then
      return 1
    fi
  done
  echo "$port"
}

_fw_pg_url() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/postgres"; }

# Reuse a running server: one this shell started, or one kept by FOREWARN_PG_KEEP=1.
_fw_pg_reuse() {
  local dir port bindir
  if [ -n "${_FW_PG_PORT:-}" ] && [ "${FOREWARN_TEST_POSTGRES_URL:-}" = "$(_fw_pg_url "$_FW_PG_PORT")" ]; then
    return 0
  fi
  if [ -n "${FOREWARN_TEST_POSTGRES_URL:-}" ]; then
    _fw_pg_say "using FOREWARN_TEST_POSTGRES_URL as set"
    return 0
  fi
  [ -f "$_fw_pg_state" ] || return 1
  read -r dir port bindir <"$_fw_pg_state" || return 1
  [ -d "$dir" ] && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" || return 1
  export FOREWARN_TEST_POSTGRES_URL
  FOREWARN_TEST_POSTGRES_URL="$(_fw_pg_url "$port")"
  _fw_pg_say "reusing the kept server on port $port"
}

_fw_pg_start() {
  local bindir dir port
  bindir="$(_fw_pg_bindir)"
  if [ -z "$bindir" ]; then
    _fw_pg_install || return 1
    bindir="$(_fw_pg_bindir)"
    [ -n "$bindir" ] || { _fw_pg_say "no pg_ctl after installing postgresql"; return 1; }
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres || return 1
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/forewarn-pg.XXXXXX")" || return 1
  chmod 700 "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir" || return 1
  fi
  port="$(_fw_pg_free_port)" || { _fw_pg_say "no free port in 55432-55532"; return 1; }
  _fw_pg_as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { _fw_pg_say "initdb failed:"; cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1; }
  _fw_pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null ||
    { _fw_pg_say "the server did not start:"; cat "$dir/server.log" >&2; rm -rf "$dir"; return 1; }
  _FW_PG_DIR="$dir" _FW_PG_PORT="$port" _FW_PG_BINDIR="$bindir"
  export FOREWARN_TEST_POSTGRES_URL
  FOREWARN_TEST_POSTGRES_URL="$(_fw_pg_url "$port")"
  _fw_pg_say "$("$bindir/postgres" --version) on 127.0.0.1:$port"
}

# Stop the server in folder $1 (binaries in $2) and remove the folder.
_fw_pg_stop_dir() {
  if [ -d "$1/data" ]; then
    _fw_pg_as_owner "$2/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$1"
}

# Stop the server kept by FOREWARN_PG_KEEP=1.
_fw_pg_stop_kept() {
  local dir port bindir
  [ -f "$_fw_pg_state" ] || return 0
  read -r dir port bindir <"$_fw_pg_state" || return 0
  _fw_pg_stop_dir "$dir" "$bindir"
  rm -f "$_fw_pg_state"
}

if [ "${1:-}" = stop ]; then
  _fw_pg_stop_kept
elif _fw_pg_reuse; then
  :
elif _fw_pg_start; then
  if [ "${FOREWARN_PG_KEEP:-0}" = 1 ]; then
    echo "$_FW_PG_DIR $_FW_PG_PORT $_FW_PG_BINDIR" >"$_fw_pg_state"
  else
    # shellcheck disable=SC2064
    trap "_fw_pg_stop_dir '$_FW_PG_DIR' '$_FW_PG_BINDIR'" EXIT
  fi
elif [ "${CI:-}" = true ]; then
  _fw_pg_say "could not start PostgreSQL and CI=true: failing"
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
else
  _fw_pg_say "could not start PostgreSQL: the PostgreSQL tests will be skipped"
fi
