#!/usr/bin/env bash
# Load benchmark on loopback against a release build (needs wrk: apt-get install wrk).
#
#   benches/load/run.sh            # 10 s per measurement, 32 connections
#   DURATION=30 benches/load/run.sh
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench benches/load/run.sh   # on PostgreSQL
#
# Measures GET /healthz and the authenticated GET /dashboard/, /perfil/, /equipo/ and
# /factura/vista-previa/ at 32 connections, then the dashboard again while 16 connections log in continuously (argon2 on
# every request).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}  # seconds
CONNECTIONS=${CONNECTIONS:-32}
LOGINS=${LOGINS:-16}
PORT=${PORT:-18080}
WORK=$(mktemp -d)
trap 'if [[ -n ${SERVER:-} ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

# CARGO_FEATURES=postgres builds the PostgreSQL-capable binary for a SQLite run too (one build for both).
FEATURES=(${CARGO_FEATURES:+--features "$CARGO_FEATURES"})
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  # A fresh database each time: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench
  FEATURES=(--features postgres)
  base=${DATABASE_URL%/*} name=${DATABASE_URL##*/}
  psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
fi
# BIN=path/to/cuentas measures that binary as it is (no build).
if [[ -z "${BIN:-}" ]]; then
  cargo build --release --quiet "${FEATURES[@]}"
  BIN=${CARGO_TARGET_DIR:-target}/release/cuentas
fi
source benches/load/server.sh
start_server
# Log in once with curl to get a session cookie (and a CSRF token for the login load).
sign_in
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: cuentas_session=$COOKIE" "$BASE/dashboard/")" = 200

# A team of 20 vendedores for the admin pages.
PAGE_TOKEN=$(curl -fs -b "$JAR" "$BASE/perfil/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
for i in $(seq 1 20); do
  curl -fs -b "$JAR" -o /dev/null --data-urlencode "csrf_token=$PAGE_TOKEN" \
    -d "username=vendedor$i" -d "email=vendedor$i@example.com" -d first_name=Vera -d last_name=Nunez \
    "$BASE/equipo/"
done

cat > "$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "cuentas_session=$ANON_COOKIE"
wrk.body = "login=bench&password=$PASSWORD&csrf_token=$TOKEN"
LUA

measure() { # name, then wrk arguments
  local name=$1; shift
  local out
  out=$(wrk -t2 "$@" --latency -d "${DURATION}s" 2>&1)
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-40s %10s req/s   p50 %-9s p99 %s\n' "$name" "$rps" "$p50" "$p99"
  if grep -q "Non-2xx" <<<"$out"; then grep "Non-2xx" <<<"$out"; fi
}

echo "cuentas load benchmark: $(nproc) cores, $CONNECTIONS connections, ${DURATION}s each, ${DATABASE_URL:-SQLite}"
measure "GET /healthz" -c "$CONNECTIONS" "$BASE/healthz"
CSS=$(curl -fs "$BASE/login/" | sed -n 's/.*href="\(\/static\/css\/[^"]*\)".*/\1/p' | head -1)
measure "GET $CSS" -c "$CONNECTIONS" "$BASE$CSS"
measure "GET /dashboard/ (logged in)" -c "$CONNECTIONS" -H "Cookie: cuentas_session=$COOKIE" "$BASE/dashboard/"
measure "GET /perfil/ (admin, two forms)" -c "$CONNECTIONS" -H "Cookie: cuentas_session=$COOKIE" "$BASE/perfil/"
measure "GET /equipo/ (20 vendedores)" -c "$CONNECTIONS" -H "Cookie: cuentas_session=$COOKIE" "$BASE/equipo/"
measure "GET /factura/vista-previa/" -c "$CONNECTIONS" -H "Cookie: cuentas_session=$COOKIE" "$BASE/factura/vista-previa/"
wrk -t1 -c "$LOGINS" -d "$((DURATION + 2))s" -s "$WORK/login.lua" "$BASE/login/" > "$WORK/logins.txt" 2>&1 &
LOAD=$!
sleep 1
measure "GET /dashboard/ during $LOGINS logins" -c "$CONNECTIONS" -H "Cookie: cuentas_session=$COOKIE" "$BASE/dashboard/"
wait "$LOAD"
printf '%-40s %10s req/s\n' "POST /login/ ($LOGINS connections)" "$(awk '/Requests\/sec/ {print $2}' "$WORK/logins.txt")"
