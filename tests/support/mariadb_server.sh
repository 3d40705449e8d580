#!/usr/bin/env bash
# A private MariaDB server for the tests of <dstream/sql/mariadb.hpp>: its own data
# directory, socket and log under DIR, TCP on 127.0.0.1 only, no systemd, no system files.
#
#   mariadb_server.sh start DIR    first time: creates the data directory, a database
#                                  `dstream_test` and a user `dstream` with a random password;
#                                  starts the server (again on the same port) and prints its URL
#   mariadb_server.sh stop DIR     stops it (SIGTERM: a clean shutdown; SIGKILL after 30 s)
#   mariadb_server.sh url DIR      prints the URL of a server started in DIR
#   mariadb_server.sh run CMD...   runs CMD with DSTREAM_MYSQL_URL and DSTREAM_MYSQL_CONTROL
#                                  set: those of the environment when DSTREAM_MYSQL_URL is set
#                                  already, else a server of its own in a temporary directory,
#                                  stopped and removed when CMD ends (whatever its status)
#
# DSTREAM_MYSQL_CONTROL is "<this script> <verb> DIR" with <verb> left for the caller to fill
# in: a test that must stop and start the server mid-stream runs `$control stop` and
# `$control start` (see tests/sql/mariadb.test.cpp). The server runs as root when started
# by root (`--user=root`), as the calling user otherwise.
set -uo pipefail

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

die() { echo "mariadb_server.sh: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: install mariadb-server (apt-get install mariadb-server)"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# as_root_opts: mariadbd refuses to run as root unless told to.
user_opts() { [ "$(id -u)" -eq 0 ] && echo "--user=root"; }

admin() {
  local dir=$1; shift
  mariadb --no-defaults --protocol=socket --socket="$dir/sock" -uroot "$@"
}

start() {
  local dir=$1
  need mariadbd
  need mariadb-install-db
  mkdir -p "$dir" || die "cannot create $dir"
  dir=$(cd "$dir" && pwd)
  [ ${#dir} -le 90 ] || die "$dir is too long for a Unix socket path; use a shorter directory"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    cat "$dir/url"
    return 0
  fi
  local fresh=0
  if [ ! -d "$dir/data/mysql" ]; then
    fresh=1
    mkdir -p "$dir/tmp"
    # shellcheck disable=SC2046
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve $(user_opts) >"$dir/install.log" 2>&1 ||
      { cat "$dir/install.log" >&2; die "mariadb-install-db failed (log above)"; }
    free_port >"$dir/port"
  fi
  local port
  port=$(cat "$dir/port")
  # shellcheck disable=SC2046
  setsid mariadbd --no-defaults $(user_opts) --datadir="$dir/data" --socket="$dir/sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" --tmpdir="$dir/tmp" \
    --log-error="$dir/error.log" --skip-name-resolve --innodb-buffer-pool-size=64M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/pid"
  local ready=0
  for _ in $(seq 300); do
    if admin "$dir" -e "SELECT 1" >/dev/null 2>&1; then
      ready=1
      break
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$ready" -ne 1 ]; then
    tail -n 20 "$dir/error.log" >&2
    stop "$dir" >/dev/null 2>&1
    die "mariadbd did not accept connections on $dir/sock within 30 s (its log above)"
  fi
  if [ "$fresh" -eq 1 ]; then
    local password
    password="pw-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    admin "$dir" -e "CREATE DATABASE dstream_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      CREATE USER 'dstream'@'127.0.0.1' IDENTIFIED BY '$password';
      GRANT ALL ON dstream_test.* TO 'dstream'@'127.0.0.1';
" ||
      { stop "$dir"; die "cannot create the test database and user"; }
    echo "mysql://dstream:$password@127.0.0.1:$port/dstream_test" >"$dir/url"
  fi
  cat "$dir/url"
}

stop() {
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "mariadb_server.sh: mariadbd ($pid) did not stop within 30 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$dir/pid"
}

run() {
  if [ -n "${DSTREAM_MYSQL_URL:-}" ]; then
    "$@"
    return
  fi
  local dir status
  dir=$(mktemp -d /tmp/dstream-mariadb.XXXXXX) || die "mktemp failed"
  # shellcheck disable=SC2064
  trap "stop '$dir'; rm -rf '$dir'" EXIT
  trap 'exit 130' INT TERM
  DSTREAM_MYSQL_URL=$(start "$dir") || exit 1
  export DSTREAM_MYSQL_URL
  export DSTREAM_MYSQL_CONTROL="$self %s $dir"
  "$@"
  status=$?
  return $status
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: stop DIR"; stop "$2" ;;
  url) [ $# -eq 2 ] || die "usage: url DIR"; cat "$2/url" ;;
  run) shift; [ $# -ge 1 ] || die "usage: run CMD..."; run "$@" ;;
  *) echo "usage: mariadb_server.sh start DIR | stop DIR | url DIR | run CMD..." >&2; exit 2 ;;
esac
