#!/usr/bin/env bash
# The whole deployment on loopback, checked through the proxy: a fresh PostgreSQL database,
# the S3 stand-in (moto), two cuentas instances on them, and nginx with a self-signed
# certificate in front (TLS, HTTP/2). One line per check; the first failure stops it. Everything
# it starts or makes goes when it ends.
#
#   deploy/smoke.sh                      # after `cargo build --features postgres`
#
# Needs: psql and a PostgreSQL server (SMOKE_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres),
# nginx, openssl, curl, python3 with moto[server]. CUENTAS_BIN names the binary (default: the
# debug build in CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BIN=${CUENTAS_BIN:-${CARGO_TARGET_DIR:-target}/debug/cuentas}
PG_ADMIN_URL=${SMOKE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
WORK=$(mktemp -d)
DB="cuentas_smoke_$$"
PIDS=()

cleanup() {
  exec 3>&- 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ok() { printf 'ok    %s\n' "$1"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  [ -n "${SMOKE_DEBUG:-}" ] && { find "$WORK/a" "$WORK/b" -maxdepth 2; cat "$WORK/headers"; }
  for log in "$WORK"/*.log; do [ -s "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  exit 1
}
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS COMMAND...: retries the command until it succeeds
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

[ -x "$BIN" ] || fail "no binary at $BIN (cargo build --features postgres)"
for tool in psql openssl curl "$NGINX"; do command -v "$tool" >/dev/null || fail "missing $tool"; done

# --- PostgreSQL: a database of its own --------------------------------------------------
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null || fail "cannot create a PostgreSQL database"
DATABASE_URL="${PG_ADMIN_URL%/*}/$DB"
ok "PostgreSQL database $DB created"

# --- the S3 stand-in (it stops when fd 3 closes) -----------------------------------------
S3_PORT=$(free_port)
mkfifo "$WORK/s3.in"
"$PYTHON" tests/support/s3_stand_in.py "$S3_PORT" <"$WORK/s3.in" >"$WORK/s3.out" 2>"$WORK/s3.log" &
PIDS+=($!)
exec 3>"$WORK/s3.in"
wait_for 30 grep -q ready "$WORK/s3.out" || fail "the S3 stand-in did not start (pip install 'moto[server]')"
ok "S3 stand-in on 127.0.0.1:$S3_PORT"

# --- two instances -------------------------------------------------------------------
HTTPS_PORT=$(free_port)
BASE="https://localhost:$HTTPS_PORT"
export DATABASE_URL CUENTAS_SECRET_KEY
CUENTAS_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
common_env=(
  CUENTAS_BASE_URL="$BASE/"
  CUENTAS_TRUSTED_PROXIES=127.0.0.1
  CUENTAS_MEDIA_URL=s3://cuentas-test/smoke
  CUENTAS_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  RUST_LOG="${SMOKE_RUST_LOG:-warn}"
)
env "${common_env[@]}" CUENTAS_DATA_DIR="$WORK/a" "$BIN" migrate >/dev/null || fail "migrate"
declare -A PORT
for name in a b; do
  PORT[$name]=$(free_port)
  env "${common_env[@]}" CUENTAS_DATA_DIR="$WORK/$name" CUENTAS_BIND="127.0.0.1:${PORT[$name]}" \
    "$BIN" serve >"$WORK/instance-$name.log" 2>&1 &
  PIDS+=($!)
done
for name in a b; do
  wait_for 30 curl -fs "http://127.0.0.1:${PORT[$name]}/readyz" || fail "instance $name is not ready"
done
ok "instances a (:${PORT[a]}) and b (:${PORT[b]}) ready on PostgreSQL and S3"

# --- nginx with a self-signed certificate ----------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl"
mkdir -p "$WORK/nginx"
# The site's proxy settings (deploy/nginx-cuentas.conf); only here: a header that picks an
# instance, so a check can go through a and then b.
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream cuentas { server 127.0.0.1:${PORT[a]}; server 127.0.0.1:${PORT[b]}; keepalive 8; }
  upstream cuentas_a { server 127.0.0.1:${PORT[a]}; }
  upstream cuentas_b { server 127.0.0.1:${PORT[b]}; }
  map \$http_x_smoke_instance \$backend { default cuentas; a cuentas_a; b cuentas_b; }
  server {
    listen 127.0.0.1:$HTTPS_PORT ssl http2;
    server_name localhost;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    client_max_body_size 6m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_request_buffering off;
    location / { proxy_pass http://\$backend; }
  }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx-stdout.log" 2>&1 &
PIDS+=($!)
wait_for 15 curl -kfs "$BASE/healthz" || fail "nginx does not answer on $BASE"
ok "nginx on $BASE in front of both"

# --- helpers: a cookie jar per browser; the body and headers of the last answer ------------
# call JAR [curl options…] URL  → prints the status
call() {
  local jar=$1; shift
  curl -sk -b "$WORK/$jar.jar" -c "$WORK/$jar.jar" -o "$WORK/body" -D "$WORK/headers" \
    -w '%{http_code}' "$@"
}
token() { { grep -o 'name="csrf_token" value="[^"]*"' "$WORK/body" || true; } | head -1 | sed 's/.*value="//; s/"$//'; }
location() { { grep -i '^location:' "$WORK/headers" || true; } | tr -d '\r' | sed 's/^[Ll]ocation: *//'; }
mail_files() { find "$WORK/a/outbox" "$WORK/b/outbox" -name '*.eml' 2>/dev/null || true; }
mails() { mail_files | wc -l; }
PASSWORD='Tortuga-Verde-42'
NEW_PASSWORD='Lagarto-Azul-58'

# --- cookies and HSTS --------------------------------------------------------------------
version=$(curl -sk -o /dev/null -w '%{http_version}' "$BASE/login/")
[ "$version" = 2 ] || fail "HTTP/2 through nginx (got $version)"
call one "$BASE/login/" >/dev/null
grep -qi '^strict-transport-security: max-age=' "$WORK/headers" || fail "HSTS header"
cookie=$(grep -i '^set-cookie: __Host-cuentas_session=' "$WORK/headers" || true)
[ -n "$cookie" ] || fail "the session cookie is __Host-cuentas_session"
grep -qi 'secure' <<<"$cookie" && grep -qi 'httponly' <<<"$cookie" && grep -qi 'path=/' <<<"$cookie" \
  || fail "the session cookie is Secure, HttpOnly, Path=/: $cookie"
ok "HTTP/2, HSTS, and a __Host- session cookie that is Secure and HttpOnly"

# --- sign-up → confirmation link from the outbox → login ----------------------------------
call one "$BASE/registro/" >/dev/null
status=$(call one "$BASE/registro/" --data-urlencode "csrf_token=$(token)" \
  --data-urlencode username=ana --data-urlencode email=ana@example.com \
  --data-urlencode "password1=$PASSWORD" --data-urlencode "password2=$PASSWORD")
[ "$status" = 303 ] || fail "sign-up answered $status"
has_mail() { [ "$(mails)" -ge 1 ]; }
wait_for 20 has_mail || fail "no confirmation mail in either outbox"
mail=$(mail_files | head -1)
link=$(sed -e ':a' -e '/=\r\?$/{N;s/=\r\?\n//;ba}' "$mail" | sed 's/=3D/=/g' \
  | grep -o "$BASE/verificar-email/[A-Za-z0-9_-]*/" | head -1 || true)
[ -n "$link" ] || fail "no confirmation link in $mail"
call one "$link" >/dev/null
status=$(call one "$link" --data-urlencode "csrf_token=$(token)")
[ "$status" = 303 ] || fail "confirming the address answered $status"
call one "$BASE/login/" >/dev/null
status=$(call one "$BASE/login/" --data-urlencode "csrf_token=$(token)" \
  --data-urlencode login=ana --data-urlencode "password=$PASSWORD")
[ "$status" = 303 ] && [ "$(location)" = /dashboard/ ] || fail "login answered $status $(location)"
ok "sign-up, the confirmation link from the outbox, then login"

# --- one mail per event with two workers ----------------------------------------------------
sleep 3
[ "$(mails)" = 1 ] || fail "one mail for one sign-up, found $(mails)"
ok "one mail for the sign-up although two workers run"

# --- a photo uploaded through a is served by b ------------------------------------------------
"$PYTHON" - "$WORK/photo.png" <<'EOF'
import struct, sys, zlib
width = height = 64
raw = b"".join(b"\x00" + bytes([200, 80, 40]) * width for _ in range(height))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
call one -H 'X-Smoke-Instance: a' "$BASE/perfil/" >/dev/null
status=$(call one -H 'X-Smoke-Instance: a' "$BASE/actualizar-perfil/" -F "csrf_token=$(token)" \
  -F username=ana -F first_name=Ana -F last_name=Pérez -F email=ana@example.com -F telefono= \
  -F idioma=es -F moneda=USD -F zona_horaria=UTC -F "foto_perfil=@$WORK/photo.png;type=image/png")
[ "$status" = 303 ] || fail "the photo upload through a answered $status"
call one -H 'X-Smoke-Instance: b' "$BASE/perfil/" >/dev/null
photo=$(grep -o 'src="/media/fotos_perfil/[A-Za-z0-9_-]*\.jpg"' "$WORK/body" | head -1 | sed 's/src="//; s/"$//' || true)
[ -n "$photo" ] || fail "the profile page through b shows no photo"
status=$(call one -H 'X-Smoke-Instance: b' "$BASE$photo")
[ "$status" = 200 ] && grep -qi '^content-type: image/jpeg' "$WORK/headers" \
  || fail "b serves the photo a stored: $status"
ok "a photo uploaded through a is served by b (from the bucket)"

# --- a password change on a ends the session held on b -----------------------------------------
call two "$BASE/login/" >/dev/null
status=$(call two "$BASE/login/" --data-urlencode "csrf_token=$(token)" \
  --data-urlencode login=ana --data-urlencode "password=$PASSWORD")
[ "$status" = 303 ] || fail "second login answered $status"
[ "$(call one -H 'X-Smoke-Instance: b' "$BASE/dashboard/")" = 200 ] || fail "the first session works on b"
call two -H 'X-Smoke-Instance: a' "$BASE/cambiar-password/" >/dev/null
status=$(call two -H 'X-Smoke-Instance: a' "$BASE/cambiar-password/" --data-urlencode "csrf_token=$(token)" \
  --data-urlencode "old_password=$PASSWORD" --data-urlencode "new_password1=$NEW_PASSWORD" \
  --data-urlencode "new_password2=$NEW_PASSWORD")
[ "$status" = 303 ] || fail "the password change on a answered $status"
status=$(call one -H 'X-Smoke-Instance: b' "$BASE/dashboard/")
[ "$status" = 303 ] && [[ "$(location)" == /login/* ]] || fail "the session on b outlived the change: $status"
ok "a password change on a ends the session held on b"

# --- five failed logins from one forwarded client do not block another -----------------------
attempt() { # attempt FORWARDED_FOR → status of a wrong-password login
  call "guess-$1" "$BASE/login/" -H "X-Forwarded-For: $1" >/dev/null
  call "guess-$1" "$BASE/login/" -H "X-Forwarded-For: $1" --data-urlencode "csrf_token=$(token)" \
    --data-urlencode login=ana --data-urlencode password=Equivocada-1
}
for _ in 1 2 3 4 5; do
  [ "$(attempt 203.0.113.7)" != 429 ] || fail "refused before five failures"
done
[ "$(attempt 203.0.113.7)" = 429 ] || fail "the sixth try from 203.0.113.7 is refused"
[ "$(attempt 198.51.100.9)" != 429 ] || fail "another client was blocked too"
ok "five failed logins from one forwarded client do not block another"

echo "smoke: all checks passed"
