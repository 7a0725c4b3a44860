#!/usr/bin/env bash
# The API's figures on loopback against a release build (needs wrk: apt-get install wrk):
# GET /healthz and GET /api/v1/me with a bearer token, in the same run, same settings.
#
#   benches/load/api.sh            # wrk -t2 -c32 -d10s each
#   DURATION=30 benches/load/api.sh
#   BIN=target/release/cuentas benches/load/api.sh   # measure that binary as it is (no build)
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}  # seconds
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18081}
WORK=$(mktemp -d)
trap 'if [[ -n ${SERVER:-} ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

if [[ -z "${BIN:-}" ]]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/cuentas
fi
source benches/load/server.sh
start_server

ACCESS=$(curl -fsS -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"login\":\"bench\",\"password\":\"$PASSWORD\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ACCESS" "$BASE/api/v1/me")" = 200

measure() {
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")
  local rps p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-28s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
}

measure "GET /healthz" "$BASE/healthz"
measure "GET /api/v1/me (bearer)" -H "Authorization: Bearer $ACCESS" "$BASE/api/v1/me"
