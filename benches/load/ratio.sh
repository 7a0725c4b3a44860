#!/usr/bin/env bash
# A page's throughput as a share of /healthz's, on one server, measured in turns: on a shared
# 2-core machine two runs of the same binary differ by a fifth, so a ratio of two separate
# runs says little. This one alternates the two requests ROUNDS times (wrk -t2 -c32, DURATION
# seconds each) and prints every pair and the median ratio. Needs wrk (apt-get install wrk).
#
#   BIN=target/release/cuentas benches/load/ratio.sh                 # /perfil/ against /healthz
#   PAGE=/dashboard/ ROUNDS=9 BIN=target/release/cuentas benches/load/ratio.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench BIN=... benches/load/ratio.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PAGE=${PAGE:-/perfil/}
ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-5}
PORT=${PORT:-18090}
BIN=${BIN:?BIN=path/to/a/release/build}
WORK=$(mktemp -d)
trap 'if [[ -n ${SERVER:-} ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  base=${DATABASE_URL%/*} name=${DATABASE_URL##*/}
  psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
fi
source benches/load/server.sh
start_server
sign_in
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")" = 200

rps() { wrk -t2 -c32 -d "${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "$PAGE against /healthz: $ROUNDS rounds of ${DURATION}s each, ${DATABASE_URL:-SQLite}"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  health=$(rps "$BASE/healthz")
  page=$(rps -H "Cookie: cuentas_session=$COOKIE" "$BASE$PAGE")
  ratio=$(awk -v p="$page" -v h="$health" 'BEGIN {printf "%.1f", 100 * p / h}')
  ratios+=("$ratio")
  printf 'round %d: /healthz %10s   %s %10s   %5s%%\n' "$round" "$health" "$PAGE" "$page" "$ratio"
done
printf 'median: %s%%\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
