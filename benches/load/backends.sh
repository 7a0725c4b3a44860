#!/usr/bin/env bash
# A page on PostgreSQL as a share of the same page on SQLite: two servers of one binary, one
# per backend, measured in turns (wrk -t2 -c32, DURATION seconds each, ROUNDS times; see
# ratio.sh for why turns) while the other waits. Prints every pair and the median ratio.
# Needs wrk and a PostgreSQL server; the database is dropped and made anew.
#
#   BIN=target/release/cuentas benches/load/backends.sh
#   DATABASE_URL='postgres://postgres@127.0.0.1:5432/bench?sslmode=prefer' BIN=... benches/load/backends.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PAGE=${PAGE:-/perfil/}
ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-5}
BIN=${BIN:?BIN=path/to/a/release/build with --features postgres}
PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench}
ROOT=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$ROOT"' EXIT

database=${PG_URL##*/} && database=${database%%\?*}
psql -q "${PG_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS \"$database\"" \
  -c "CREATE DATABASE \"$database\""

# Starts a server on PORT with DATABASE_URL (unset: SQLite) and signs in; BASE and COOKIE.
launch() {
  WORK="$ROOT/$PORT"
  mkdir -p "$WORK"
  source benches/load/server.sh
  start_server
  PIDS+=("$SERVER")
  sign_in
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")" = 200
}
PORT=18091 && unset DATABASE_URL && launch
SQLITE=("$BASE$PAGE" -H "Cookie: cuentas_session=$COOKIE")
PORT=18092 && export DATABASE_URL=$PG_URL && launch
POSTGRES=("$BASE$PAGE" -H "Cookie: cuentas_session=$COOKIE")

rps() { wrk -t2 -c32 -d "${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "$PAGE on PostgreSQL ($PG_URL) against SQLite: $ROUNDS rounds of ${DURATION}s each"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  sqlite=$(rps "${SQLITE[@]}")
  postgres=$(rps "${POSTGRES[@]}")
  ratio=$(awk -v p="$postgres" -v s="$sqlite" 'BEGIN {printf "%.1f", 100 * p / s}')
  ratios+=("$ratio")
  printf 'round %d: SQLite %10s   PostgreSQL %10s   %5s%%\n' "$round" "$sqlite" "$postgres" "$ratio"
done
printf 'median: %s%%\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
