#!/usr/bin/env bash
# Benchmarks Tipline's routes against a bare actix-web handler, in one run on this machine, and
# writes the figures to BENCHMARKS.md. Needs wrk (apt-get install wrk) and, for the PostgreSQL
# rows, a server at $TIPLINE_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test).
#
#   bench/run.sh            # 10 s a route, 2 threads, 32 connections
#   DURATION=30s bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PG=${TIPLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

cargo build --release --bin tipline --example bench-hello
BIN=target/release/tipline
HELLO=target/release/examples/bench-hello
work=$(mktemp -d)
pids=()
schema="bench_$$"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

start_tipline() { # $1 = database URL; prints the base URL
  local port; port=$(free_port)
  TIPLINE_DATABASE_URL="$1" TIPLINE_BIND="127.0.0.1:$port" TIPLINE_DATA_DIR="$work/data-$port" \
    TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_RATE_LIMITS=off TIPLINE_LOG=warn "$BIN" serve >/dev/null 2>&1 &
  pids+=($!)
  wait_up "http://127.0.0.1:$port/healthz"
  echo "http://127.0.0.1:$port"
}

TIP='{"sector":"fire_safety","street":"jiangtou","address":"江头北路216号负一楼","description":"地下车库消防通道被杂物堵死，消防车进不来。","severity":"general","anonymous":true,"wants_reward":false}'
rows=()
run() { # $1 = label, $2 = URL, $3 = lua script or empty, $4 = body or empty
  local out
  if [ -n "${3:-}" ]; then
    out=$(BODY="${4:-}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/combined-$$.lua "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/report.lua "$2")
  fi
  local line; line=$(grep '^RESULT' <<<"$out")
  echo "$1: $line"
  rows+=("$1|$line")
}
cat bench/post.lua bench/report.lua > bench/combined-$$.lua
trap 'rm -f bench/combined-$$.lua; cleanup' EXIT

port=$(free_port); "$HELLO" "127.0.0.1:$port" & pids+=($!)
wait_up "http://127.0.0.1:$port/"
run 'bare actix-web "hello" (ceiling)' "http://127.0.0.1:$port/"

lite=$(start_tipline "sqlite://$work/bench.db")
run 'GET /report (form page)' "$lite/report"
run 'POST /api/v1/tips, SQLite (synchronous=FULL, durable)' "$lite/api/v1/tips" post "$TIP"
receipt=$(curl -fs -H 'content-type: application/json' -d "$TIP" "$lite/api/v1/tips" | python3 -c 'import json,sys; print(json.load(sys.stdin)["receipt"])')
run 'POST /api/v1/track (argon2id look-up)' "$lite/api/v1/track" post "{\"receipt\":\"$receipt\"}"
tips_sqlite=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/bench.db').execute('select count(*) from tips').fetchone()[0])")

# The staff queue with 10,000 tips: a fresh database, seeded directly, read as the coordinator
# (every tip) and as one department's officer.
QUEUE_TIPS=${QUEUE_TIPS:-10000}
qdb="$work/queue.db"
TIPLINE_DATABASE_URL="sqlite://$qdb" TIPLINE_DATA_DIR="$work/data-queue" TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_LOG=warn "$BIN" migrate >/dev/null
python3 bench/seed_sqlite.py "$qdb" "$QUEUE_TIPS" >/dev/null
for u in "coordinator coordinator" "fire.officer officer --department fire"; do
  set -- $u
  echo "bench password 123" | TIPLINE_DATABASE_URL="sqlite://$qdb" TIPLINE_DATA_DIR="$work/data-queue" TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_LOG=warn "$BIN" user add --username "$1" --role "$2" ${3:+$3 $4} >/dev/null
done
qport=$(free_port)
TIPLINE_DATABASE_URL="sqlite://$qdb" TIPLINE_BIND="127.0.0.1:$qport" TIPLINE_DATA_DIR="$work/data-queue" \
  TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_RATE_LIMITS=off TIPLINE_LOG=warn "$BIN" serve >/dev/null 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$qport/healthz"
cookie_of() { curl -s -o /dev/null -D - -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"bench password 123\"}" "http://127.0.0.1:$qport/api/v1/staff/session" | sed -n 's/^[Ss]et-[Cc]ookie: \(tipline_staff=[^;]*\).*/\1/p'; }
coord_cookie=$(cookie_of coordinator)
officer_cookie=$(cookie_of fire.officer)
printf 'wrk.headers["Cookie"] = os.getenv("COOKIE")\n' > bench/cookie-$$.lua
cat bench/cookie-$$.lua bench/report.lua > bench/cookied-$$.lua
trap 'rm -f bench/combined-$$.lua bench/cookie-$$.lua bench/cookied-$$.lua; cleanup' EXIT
run_cookie() { # $1 label, $2 url, $3 cookie
  local out line
  out=$(COOKIE="$3" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s bench/cookied-$$.lua "$2")
  line=$(grep '^RESULT' <<<"$out"); echo "$1: $line"; rows+=("$1|$line")
}
run_cookie "GET /staff (queue page, coordinator, $QUEUE_TIPS tips)" "http://127.0.0.1:$qport/staff" "$coord_cookie"
run_cookie "GET /api/v1/staff/tips (one department's officer, $QUEUE_TIPS tips)" "http://127.0.0.1:$qport/api/v1/staff/tips" "$officer_cookie"
run_cookie "GET /staff/dashboard (coordinator, default 12 weeks of $QUEUE_TIPS tips over 120 days)" "http://127.0.0.1:$qport/staff/dashboard" "$coord_cookie"
run 'GET /exposures (public list)' "http://127.0.0.1:$qport/exposures"

pg_note="not run (no PostgreSQL at $PG)"
if psql "$PG" -qc "CREATE SCHEMA $schema" >/dev/null 2>&1; then
  sep='?'; [[ "$PG" == *\?* ]] && sep='&'
  pgapp=$(start_tipline "$PG${sep}options=-csearch_path%3D$schema")
  run 'POST /api/v1/tips, PostgreSQL (pool 8)' "$pgapp/api/v1/tips" post "$TIP"
  pg_note="$(psql "$PG" -Atc "SELECT count(*) FROM $schema.tips") tips stored"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
mem=$(free -g | awk '/Mem:/ {print $2 " GiB"}')
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bench/run.sh\` (wrk -t$THREADS -c$CONNS -d$DURATION on loopback, release build, rate limits off;"
  echo "the load tool shares the machine's cores with the server). Re-run it to refresh this file."
  echo
  echo "- when: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- machine: $(nproc) cores ($cpu), $mem memory, $(uname -sr)"
  echo "- tips stored during the SQLite run: $tips_sqlite; PostgreSQL: $pg_note; staff queue: $QUEUE_TIPS seeded tips"
  echo
  echo "| route | req/s | p50 ms | p99 ms | max ms | errors | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  for r in "${rows[@]}"; do
    label=${r%%|*}; line=${r#*|}
    get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$line"; }
    echo "| $label | $(get rps) | $(get p50) | $(get p99) | $(get max) | $(get errors) | $(get non2xx) |"
  done
  echo
  cat bench/NOTES.md
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
