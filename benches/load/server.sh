# Sourced by the load scripts: a server on loopback with one admin, and that admin's cookie.
# Needs BIN, PORT and WORK (a temporary folder the caller removes).

PASSWORD='Tortuga-Verde-Lenta-42'
BASE="http://127.0.0.1:$PORT"

# Creates the admin `bench` in a fresh database under $WORK, starts `$BIN serve` (its pid in
# SERVER) and waits until /healthz answers.
start_server() {
  export CUENTAS_DATA_DIR="$WORK/data" CUENTAS_MEDIA_ROOT="$WORK/media" \
    CUENTAS_BIND="127.0.0.1:$PORT" RUST_LOG=warn
  printf '%s\n' "$PASSWORD" | "$BIN" create-admin --email bench@example.com --username bench --password-stdin >/dev/null
  "$BIN" serve &
  SERVER=$!
  for _ in $(seq 1 50); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done
}

# Signs `bench` in with curl: COOKIE is the signed-in session cookie, and TOKEN and
# ANON_COOKIE the CSRF token and cookie of the anonymous login page (for a login load).
sign_in() {
  local jar="$WORK/jar"
  TOKEN=$(curl -fs -c "$jar" "$BASE/login/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  ANON_COOKIE=$(awk '$6 == "cuentas_session" {print $7}' "$jar")
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
    --data-urlencode login=bench --data-urlencode "password=$PASSWORD" "$BASE/login/"
  COOKIE=$(awk '$6 == "cuentas_session" {print $7}' "$jar")
  JAR=$jar
}
