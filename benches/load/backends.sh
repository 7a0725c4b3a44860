#!/usr/bin/env bash
# A page on PostgreSQL as a share of the same page on SQLite: two servers of one binary, one
# per backend, measured in turns (wrk -t2 -c32, DURATION seconds each, ROUNDS times, the
# order swapped every round; see ratio.sh for why turns) while the other waits. Prints every
# pair and the median ratio. Needs wrk, curl and psql, and a PostgreSQL server where the
# database of BENCH_DATABASE_URL (default: bench on 127.0.0.1) may be dropped and made anew.
#
#   BIN=target/release/cuentas benches/load/backends.sh
#   BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/bench?sslmode=prefer' BIN=... benches/load/backends.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PAGE=${PAGE:-/perfil/}
ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-5}
BIN=${BIN:?BIN=path/to/a/release/build with --features postgres}
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench}
ROOT=$(mktemp -d)
PIDS=()
cleanup() {
  if ((${#PIDS[@]})); then
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
  fi
  rm -rf "$ROOT"
}
trap cleanup EXIT

# postgres://user@host:port/NAME?query: the database is made anew through the server's
# `postgres` database, with the same query.
without_query=${PG_URL%%\?*}
query=${PG_URL#"$without_query"}
database=${without_query##*/}
psql -q "${without_query%/*}/postgres$query" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$database\""

# Starts a server on PORT with DATABASE_URL and signs in; BASE and COOKIE.
launch() {
  WORK="$ROOT/$PORT"
  mkdir -p "$WORK"
  source benches/load/server.sh
  start_server
  PIDS+=("$SERVER")
  sign_in
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")" = 200
}
# SQLite named outright: a DATABASE_URL in ./.env would otherwise be read instead.
PORT=18091 && export DATABASE_URL="$ROOT/sqlite.sqlite3" && launch
SQLITE=(-H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")
PORT=18092 && export DATABASE_URL=$PG_URL && launch
POSTGRES=(-H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")

rps() { wrk -t2 -c32 -d "${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "$PAGE on PostgreSQL (database $database) against SQLite: $ROUNDS rounds of ${DURATION}s each"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then
    sqlite=$(rps "${SQLITE[@]}")
    postgres=$(rps "${POSTGRES[@]}")
  else
    postgres=$(rps "${POSTGRES[@]}")
    sqlite=$(rps "${SQLITE[@]}")
  fi
  ratio=$(awk -v p="$postgres" -v s="$sqlite" 'BEGIN {printf "%.1f", 100 * p / s}')
  ratios+=("$ratio")
  printf 'round %d: SQLite %10s   PostgreSQL %10s   %5s%%\n' "$round" "$sqlite" "$postgres" "$ratio"
done
printf 'median: %s%%\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
