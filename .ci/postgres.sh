#!/usr/bin/env bash
# Sourced by .ci/run: starts a throwaway PostgreSQL cluster for the chain
# module's Postgres tests and exports LOYALTY_CHAIN_PG_DSN. PostgreSQL is
# installed from Debian's packages when its binaries are missing; the
# cluster lives in a temporary directory, runs as a non-root user on a
# loopback port and a private unix socket, and is stopped (and removed) by
# stop_postgres, which .ci/run traps on exit. Any failure is fatal: CI
# never skips the Postgres tests.

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

start_postgres() {
  local bin
  if ! bin=$(pg_bindir); then
    echo "PostgreSQL not found: installing it from Debian's packages"
    if [ "$(id -u)" -ne 0 ]; then
      echo "PostgreSQL is missing and this user cannot apt-get install it" >&2; return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bindir) || { echo "PostgreSQL installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin" >&2; return 1; }
  fi
  PG_TMP=$(mktemp -d /tmp/loyalty-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: the package's postgres user, or nobody.
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$PG_TMP"
    run=(runuser -u "$user" --)
  fi
  PG_RUN=("${run[@]}")
  PG_BIN=$bin
  "${run[@]}" "$bin/initdb" -D "$PG_TMP/data" -U chain -A trust --no-sync -E UTF8 >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  local try
  for try in 1 2 3 4 5; do # a random loopback port; another on a clash
    PG_PORT=$(( 20000 + RANDOM % 20000 ))
    if "${run[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off -c max_connections=100" start >/dev/null; then
      break
    fi
    if [ "$try" -eq 5 ]; then cat "$PG_TMP/server.log" >&2; return 1; fi
  done
  export LOYALTY_CHAIN_PG_DSN="postgres://chain@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_TMP)"
}

stop_postgres() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=
}
