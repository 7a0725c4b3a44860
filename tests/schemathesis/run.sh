#!/usr/bin/env bash
# Property-based run of the API's OpenAPI document with Schemathesis (from PyPI): a server
# with a fresh SQLite database in a temporary folder, an admin made with `create-admin`, a
# bearer token from `POST /api/v1/auth/token`; then every operation fuzzed for a bounded
# time. Fails on any 5xx and on any answer the document does not describe (status, media
# type, body schema).
#
# Usage: tests/schemathesis/run.sh [path to the cuentas binary]
#   ST      the `st` command (default: st on PATH); its absence is a failure.
#   ST_MAX_TIME  seconds of fuzzing (default 90).
# The operations that end the token (logout, password change, account deletion) are left
# out: after them every answer would be a 401, and the integration tests cover them.
set -euo pipefail
cd "$(dirname "$0")/../.."

ST="${ST:-st}"
command -v "$ST" >/dev/null || { echo "schemathesis ($ST) is missing" >&2; exit 1; }
BINARY="${1:-${CARGO_TARGET_DIR:-target}/debug/cuentas}"
[ -x "$BINARY" ] || { echo "no cuentas binary at $BINARY (cargo build first)" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export CUENTAS_BIND="127.0.0.1:${PORT}"
export CUENTAS_BASE_URL="http://127.0.0.1:${PORT}/"
export CUENTAS_DATA_DIR="$WORK/data"
export CUENTAS_MEDIA_ROOT="$WORK/media"
export DATABASE_URL="sqlite://$WORK/cuentas.db"
export CUENTAS_SECRET_KEY="schemathesis-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export RUST_LOG=warn

printf '%s\n' 'Cuaderno-Verde-Lago-2026' \
  | "$BINARY" create-admin --email fuzz@example.com --username fuzz --password-stdin
"$BINARY" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

TOKEN=$(curl -fsS -X POST "http://127.0.0.1:${PORT}/api/v1/auth/token" \
  -H 'content-type: application/json' \
  -d '{"login":"fuzz","password":"Cuaderno-Verde-Lago-2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

status=0
"$ST" run "http://127.0.0.1:${PORT}/api/v1/openapi.json" \
  --url "http://127.0.0.1:${PORT}" \
  --header "Authorization: Bearer ${TOKEN}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id logout \
  --exclude-operation-id change_password \
  --exclude-operation-id delete_me \
  --max-time "${ST_MAX_TIME:-90}" \
  --workers 2 \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 50 lines)" >&2
  tail -50 "$WORK/server.log" >&2
fi
exit "$status"
