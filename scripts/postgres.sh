#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL: installs Debian's `postgresql` if it is absent
# (as root, with apt-get), makes a private cluster in a temporary directory (as an unprivileged
# user: initdb refuses root), starts it on a free loopback port, exports
# OUTPOST_TEST_POSTGRES=postgres://outpost@127.0.0.1:PORT/postgres for the command, and removes the
# cluster when the command ends, whatever its result. Exits with the command's status.
#
#   scripts/postgres.sh cargo test -p outpost-ledger
set -euo pipefail

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! bin=$(find_bin); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: PostgreSQL is not installed; run as root, or: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "installing Debian's postgresql (apt-get)…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
  bin=$(find_bin)
fi

# initdb and postgres refuse to run as root: the cluster belongs to an unprivileged user.
run_as=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id -u "$owner" >/dev/null 2>&1 || owner=nobody
  run_as=(runuser -u "$owner" --)
fi

cluster=$(mktemp -d /tmp/outpost-pg.XXXXXX)
chmod 755 "$cluster"
mkdir "$cluster/data" "$cluster/socket"
chown -R "$owner" "$cluster" 2>/dev/null || true
cleanup() {
  "${run_as[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${run_as[@]}" "$bin/initdb" -D "$cluster/data" -U outpost --auth=trust -E UTF8 --no-locale >"$cluster/initdb.log" 2>&1 ||
  { cat "$cluster/initdb.log" >&2; exit 1; }
# Throwaway: durability off for speed (fsync=off), enough connections for parallel tests.
"${run_as[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
  start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }

export OUTPOST_TEST_POSTGRES="postgres://outpost@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL at $OUTPOST_TEST_POSTGRES ($cluster)" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
