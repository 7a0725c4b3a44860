#!/usr/bin/env bash
# Memory under a long mixed load (needs wrk and python3): 16 signed-in users view and save
# their profile, one save in three with a new photo, for DURATION seconds against a release
# build; the server's resident memory (VmRSS) is printed every minute.
#
#   benches/load/soak.sh                    # 300 s on SQLite
#   RUNS=3 benches/load/soak.sh             # three runs back to back on one server
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/soak benches/load/soak.sh
#                                           # on PostgreSQL (the database is dropped and made anew)
#
# Target (issue #16): at most 150 MB after 5 minutes, within 10% between minute 3 and 5.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-300}  # seconds per run
RUNS=${RUNS:-1}
USERS=${USERS:-16}
PORT=${PORT:-18081}
WORK=$(mktemp -d)
trap 'if [[ -n ${SERVER:-} ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

# CARGO_FEATURES=postgres builds the PostgreSQL-capable binary for a SQLite run too (one build for both).
FEATURES=(${CARGO_FEATURES:+--features "$CARGO_FEATURES"})
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  FEATURES=(--features postgres)
  base=${DATABASE_URL%/*} name=${DATABASE_URL##*/}
  psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
fi
# BIN=path/to/cuentas measures that binary as it is (no build).
if [[ -z "${BIN:-}" ]]; then
  cargo build --release --quiet "${FEATURES[@]}"
  BIN=${CARGO_TARGET_DIR:-target}/release/cuentas
fi
export CUENTAS_DATA_DIR="$WORK/data" CUENTAS_MEDIA_ROOT="$WORK/media" \
  CUENTAS_BIND="127.0.0.1:$PORT" RUST_LOG=warn
PASSWORD='Tortuga-Verde-Lenta-42'
for i in $(seq 1 "$USERS"); do
  printf '%s\n' "$PASSWORD" | "$BIN" create-admin --email "soak$i@example.com" --username "soak$i" --password-stdin >/dev/null
done
"$BIN" serve &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done

# A 1200×900 photo (PNG, about 0.5 MB; stdlib only).
python3 - "$WORK/photo.png" <<'PY'
import struct, sys, zlib
w, h = 1200, 900
rows = b"".join(b"\0" + bytes((x * 7 + y * 3 + (x * y) % 17) & 255 for x in range(w * 3)) for y in range(h))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
PY

# Each user signs in once: a session cookie and the page's CSRF token.
: > "$WORK/users.lua"
echo "users = {" >> "$WORK/users.lua"
for i in $(seq 1 "$USERS"); do
  JAR="$WORK/jar$i"
  TOKEN=$(curl -fs -c "$JAR" "$BASE/login/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
    --data-urlencode "login=soak$i" --data-urlencode "password=$PASSWORD" "$BASE/login/"
  COOKIE=$(awk '$6 == "cuentas_session" {print $7}' "$JAR")
  PAGE_TOKEN=$(curl -fs -b "$JAR" "$BASE/perfil/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  echo "  {name = \"soak$i\", cookie = \"$COOKIE\", token = \"$PAGE_TOKEN\"}," >> "$WORK/users.lua"
done
echo "}" >> "$WORK/users.lua"

cat > "$WORK/soak.lua" <<LUA
dofile("$WORK/users.lua")
local photo = io.open("$WORK/photo.png", "rb"):read("*a")
local boundary = "soakboundary7MA4YWxkTrZu0gW"
local step, index = 0, 0
local surnames = {"Pérez", "Núñez", "Gómez", "Ortega", "Ríos"}

local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function save(user, with_photo)
  local body = field("csrf_token", user.token) .. field("username", user.name)
    .. field("first_name", "Soak") .. field("last_name", surnames[step % #surnames + 1])
    .. field("email", user.name .. "@example.com") .. field("telefono", "")
    .. field("idioma", "es") .. field("moneda", "MXN") .. field("zona_horaria", "America/Mexico_City")
  if with_photo then
    body = body .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"foto_perfil\"; filename=\"foto.png\"\r\n"
      .. "Content-Type: image/png\r\n\r\n" .. photo .. "\r\n"
  end
  body = body .. "--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/actualizar-perfil/", {
    ["Cookie"] = "cuentas_session=" .. user.cookie,
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
  }, body)
end

-- One wrk thread per user (-t USERS -c USERS), so no user saves twice at once, as in a browser.
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end

function init(args)
  index = tonumber(id)
end

-- view, save, view, save, view, save with a photo: one save in three brings a photo.
request = function()
  step = step + 1
  local user = users[index]
  local kind = step % 6
  if kind == 1 or kind == 3 or kind == 5 then
    return wrk.format("GET", "/perfil/", {["Cookie"] = "cuentas_session=" .. user.cookie})
  end
  return save(user, kind == 0)
end
LUA

rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status"; }
echo "cuentas soak: $(nproc) cores, $USERS users, ${DURATION}s x $RUNS, ${DATABASE_URL:-SQLite}"
echo "RSS at start: $(rss) MB"
for run in $(seq 1 "$RUNS"); do
  wrk -t "$USERS" -c "$USERS" -d "${DURATION}s" --timeout 10s -s "$WORK/soak.lua" "$BASE" > "$WORK/wrk$run.txt" 2>&1 &
  LOAD=$!
  started=$SECONDS minute=0
  while kill -0 "$LOAD" 2>/dev/null; do
    sleep 1
    if (( SECONDS - started >= (minute + 1) * 60 )); then
      minute=$((minute + 1))
      echo "run $run minute $minute: RSS $(rss) MB"
    fi
  done
  wait "$LOAD" || true
  awk '/Requests\/sec|requests in|Non-2xx|Socket errors|Latency / {print "  " $0}' "$WORK/wrk$run.txt"
  echo "run $run end: RSS $(rss) MB; photos stored: $(find "$WORK/media" -name '*.jpg' | wc -l) (one per user expected)"
done
