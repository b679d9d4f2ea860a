#!/usr/bin/env bash
# Benchmarks Tipline's routes against a bare actix-web handler, in one run on this machine, and
# writes the figures to BENCHMARKS.md: every row of issue 14. Needs wrk (apt-get install wrk)
# and, for the PostgreSQL rows, a server at $TIPLINE_BENCH_PG (default
# postgres://postgres@127.0.0.1:5432/test).
#
#   bench/run.sh            # 10 s a route, 2 threads, 32 connections, 10 minutes of mixed load
#   DURATION=30s MIXED=180s bench/run.sh
#   SYSTEM_ALLOC=1 bench/run.sh      # the same built with the system allocator (the default
#                                    # build's is mimalloc; this one is --no-default-features)
#   BIN=/tmp/tipline-system SYSTEM_ALLOC=1 bench/run.sh   # a binary built before (and its label)
#   HELLO=/tmp/bench-hello BIN=… bench/run.sh   # and the ceiling's too (nothing is built)
#   KEEP=/tmp/s1m bench/run.sh       # keep (and reuse) the million-tip SQLite database there
#   STAFF_TIPS=100000 BACKENDS=sqlite bench/run.sh   # passed on to bench/staff.sh
#
# In order: the bare handler (the ceiling); the public pages on a fresh SQLite instance, asked
# as a browser asks them (Accept-Encoding: gzip, deflate, br); submissions; the public pages
# while 32 clients submit tips; look-ups; the staff workspace at STAFF_TIPS tips on both
# databases (bench/staff.sh, which seeds them); the staff queue while 32 clients submit tips and
# MIXED of mixed load (bench/mixed.sh) on that SQLite database; submissions on PostgreSQL. The
# RSS of the instances is sampled after each phase. Servers listen on ports the system picks
# (never a fixed one), and every process started here is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PG=${TIPLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

SYSTEM_ALLOC=${SYSTEM_ALLOC:-}
ALLOCATOR=mimalloc; FLAGS=(); ASKED=""
if [ "$SYSTEM_ALLOC" = 1 ]; then ALLOCATOR=system; FLAGS=(--no-default-features); ASKED="SYSTEM_ALLOC=1 "; fi
if [ -n "${BIN:-}" ]; then
  # A binary built before (e.g. kept aside per allocator): only the ceiling is built here,
  # unless HELLO names one built before too.
  [ -n "${HELLO:-}" ] || cargo build --release --example bench-hello
else
  cargo build --release --bin tipline --example bench-hello "${FLAGS[@]}"
  BIN=${CARGO_TARGET_DIR:-target}/release/tipline
fi
HELLO=${HELLO:-${CARGO_TARGET_DIR:-target}/release/examples/bench-hello}
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

# Sets $base (the URL) and $pid. Not called in a command substitution: that would run it in a
# subshell, whose pids+=() the cleanup trap never sees (the servers used to outlive the script).
start_tipline() { # $1 = database URL
  local port; port=$(free_port)
  TIPLINE_DATABASE_URL="$1" TIPLINE_BIND="127.0.0.1:$port" TIPLINE_DATA_DIR="$work/data-$port" \
    TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_RATE_LIMITS=off TIPLINE_LOG=warn "$BIN" serve >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_up "http://127.0.0.1:$port/healthz"
  base="http://127.0.0.1:$port"
}
source bench/common.sh
rss=()
sample_rss() { # $1 = label: the resident and peak memory of the SQLite instance now
  local now peak
  now=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$lite_pid/status")
  peak=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$lite_pid/status")
  echo "RSS $1: $now MB (peak $peak MB)"
  rss+=("$1|$now|$peak")
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
  record "$1" "$out"
}
record() { # $1 = label, $2 = wrk's output
  local line; line=$(grep '^RESULT' <<<"$2")
  echo "$1: $line"
  rows+=("$1|$line")
}
BROWSER='Accept-Encoding: gzip, deflate, br'
page() { # $1 = label, $2 = URL: a public page as a browser asks for it
  record "$1" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "$BROWSER" -s bench/report.lua "$2")"
}
cat bench/post.lua bench/report.lua > bench/combined-$$.lua
trap 'rm -f bench/combined-$$.lua; cleanup' EXIT

port=$(free_port); "$HELLO" "127.0.0.1:$port" & pids+=("$!")
wait_up "http://127.0.0.1:$port/"
run 'bare actix-web "hello" (ceiling)' "http://127.0.0.1:$port/"

start_tipline "sqlite://$work/bench.db"
lite=$base lite_pid=$pid
sample_rss 'started'
for p in / /report /track /stats /exposures; do
  page "GET $p (public page, br)" "$lite$p"
done
run 'GET /report (public page, no compression asked)' "$lite/report"
sample_rss 'after the public pages'
run 'POST /api/v1/tips, SQLite (synchronous=FULL, durable)' "$lite/api/v1/tips" post "$TIP"
sample_rss 'after 32 clients submitting'
# Point 3: public pages while 32 clients submit tips (argon2-bound): readers on 8 connections.
for p in / /report /track /stats /exposures; do
  BODY="$TIP" wrk -t1 -c32 -d"$DURATION" -s bench/combined-$$.lua "$lite/api/v1/tips" >"$work/submitters.out" &
  subs=$!
  sleep 1
  record "GET $p (8 readers) while 32 clients POST /api/v1/tips" \
    "$(wrk -t1 -c8 -d"$(( ${DURATION%s} - 2 ))s" -H "$BROWSER" -s bench/report.lua "$lite$p")"
  wait "$subs"
  record "  ↳ the 32 submitters meanwhile" "$(cat "$work/submitters.out")"
done
receipt=$(curl -fs -H 'content-type: application/json' -d "$TIP" "$lite/api/v1/tips" | python3 -c 'import json,sys; print(json.load(sys.stdin)["receipt"])')
run 'POST /api/v1/track (argon2id look-up)' "$lite/api/v1/track" post "{\"receipt\":\"$receipt\"}"
sample_rss 'after 32 concurrent look-ups'
curl -fs "$lite/metrics" | grep -E '^tipline_(hash_gate_wait_seconds_(sum|count)|db_pool_wait_seconds_(sum|count))' || true
sleep 5
sample_rss 'five seconds later, idle'
tips_sqlite=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/bench.db').execute('select count(*) from tips').fetchone()[0])")

# The staff workspace at a million tips on SQLite and PostgreSQL: bench/staff.sh seeds both and
# prints its rows, which join this table. The SQLite database stays in $keep for the rows after.
keep=${KEEP:-$work/staff}
mkdir -p "$keep"
STAFF_TIPS=${STAFF_TIPS:-1000000}
staff_out=$(KEEP="$keep" STAFF_TIPS="$STAFF_TIPS" DURATION="$DURATION" CONNS="$CONNS" THREADS="$THREADS" BIN="$BIN" bash bench/staff.sh)
echo "$staff_out"
while IFS= read -r line; do
  [[ "$line" == '| GET'* || "$line" == '| POST'* ]] || continue
  IFS='|' read -r _ label rps p50 p99 max errors non2xx _ <<<"$line"
  trim() { sed 's/^ *//; s/ *$//' <<<"$1"; }
  rows+=("$(trim "$label")|RESULT rps=$(trim "$rps") p50=$(trim "$p50") p99=$(trim "$p99") max=$(trim "$max") errors=$(trim "$errors") non2xx=$(trim "$non2xx")")
done <<<"$staff_out"

# Point 3 for the staff: the queue page (8 readers, the coordinator) while 32 clients submit
# tips, on the million-tip SQLite database.
qport=$(free_port)
TIPLINE_DATABASE_URL="sqlite://$keep/staff.db" TIPLINE_BIND="127.0.0.1:$qport" TIPLINE_DATA_DIR="$keep/data-SQLite" \
  TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_RATE_LIMITS=off TIPLINE_LOG=warn "$BIN" serve >/dev/null 2>&1 &
qpid=$!
pids+=("$qpid")
wait_up "http://127.0.0.1:$qport/healthz"
wait_idle "$qpid"
coord_cookie=$(curl -s -o /dev/null -D - -H 'content-type: application/json' -d '{"username":"coordinator","password":"bench password 123"}' "http://127.0.0.1:$qport/api/v1/staff/session" | sed -n 's/^[Ss]et-[Cc]ookie: \(tipline_staff=[^;]*\).*/\1/p')
printf 'wrk.headers["Cookie"] = os.getenv("COOKIE")\n' > bench/cookie-$$.lua
cat bench/cookie-$$.lua bench/report.lua > bench/cookied-$$.lua
trap 'rm -f bench/combined-$$.lua bench/cookie-$$.lua bench/cookied-$$.lua; cleanup' EXIT
BODY="$TIP" wrk -t1 -c32 -d"$DURATION" -s bench/combined-$$.lua "http://127.0.0.1:$qport/api/v1/tips" >"$work/submitters.out" &
subs=$!
sleep 1
record "GET /staff (queue page, coordinator, $STAFF_TIPS tips; 8 readers) while 32 clients POST /api/v1/tips" \
  "$(COOKIE="$coord_cookie" wrk -t1 -c8 -d"$(( ${DURATION%s} - 2 ))s" --timeout 10s -s bench/cookied-$$.lua "http://127.0.0.1:$qport/staff")"
wait "$subs"
record "  ↳ the 32 submitters meanwhile" "$(cat "$work/submitters.out")"
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true

# Point 4: MIXED of mixed load on a fresh instance on the same database, its RSS sampled.
MIXED=${MIXED:-600s}
mixed=()
while IFS= read -r line; do
  case $line in
    'ROW '*) rows+=("${line#ROW }") ;;
    'RSS '*) mixed+=("${line#RSS }") ;;
  esac
  echo "$line"
done < <(MIXED="$MIXED" BIN="$BIN" DB="$keep/staff.db" DATA="$keep/data-SQLite" bash bench/mixed.sh)

pg_note="not run (no PostgreSQL at $PG)"
if psql "$PG" -qc "CREATE SCHEMA $schema" >/dev/null 2>&1; then
  sep='?'; [[ "$PG" == *\?* ]] && sep='&'
  start_tipline "$PG${sep}options=-csearch_path%3D$schema"
  pgapp=$base
  run 'POST /api/v1/tips, PostgreSQL (pool 8)' "$pgapp/api/v1/tips" post "$TIP"
  pg_note="$(psql "$PG" -Atc "SELECT count(*) FROM $schema.tips") tips stored"
fi

# Point 1's second half: Lighthouse (mobile) on the public pages, where Chromium and npm are here.
lighthouse=$(BIN="$BIN" bash bench/lighthouse.sh 2>"$work/lighthouse.err") ||
  lighthouse="not run: $(tail -n1 "$work/lighthouse.err")"

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
  echo "- tips stored during the SQLite run: $tips_sqlite; PostgreSQL: $pg_note; staff workspace: $STAFF_TIPS seeded tips (bench/staff.sh)"
  echo "- load average when the run ended: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared with other builds)"
  echo
  echo "- allocator: $ALLOCATOR; command: \`${ASKED}DURATION=$DURATION MIXED=$MIXED STAFF_TIPS=$STAFF_TIPS bash bench/run.sh\`"
  echo
  echo "| route | req/s | of the ceiling | p50 ms | p99 ms | max ms | errors | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  ceiling=""
  for r in "${rows[@]}"; do
    label=${r%%|*}; line=${r#*|}
    get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$line"; }
    rps=$(get rps); ceiling=${ceiling:-$rps}
    ratio=$(python3 -c "print(f'{100*$rps/$ceiling:.1f}%')")
    echo "| $label | $rps | $ratio | $(get p50) | $(get p99) | $(get max) | $(get errors) | $(get non2xx) |"
  done
  echo
  echo "Resident memory of the SQLite instance (VmRSS, and the peak VmHWM), sampled after each phase:"
  echo
  echo "| after | RSS MB | peak MB |"
  echo "| --- | ---: | ---: |"
  for r in "${rss[@]}"; do IFS='|' read -r l now peak <<<"$r"; echo "| $l | $now | $peak |"; done
  echo
  echo "Resident memory during $MIXED of mixed load (bench/mixed.sh: public pages, report forms with a"
  echo "photo, look-ups and staff pages at once) on the $STAFF_TIPS-tip SQLite database, a fresh instance:"
  echo
  echo "| after | RSS MB | peak MB |"
  echo "| --- | ---: | ---: |"
  for r in "${mixed[@]}"; do IFS='|' read -r l now peak <<<"$r"; echo "| $l | $now | $peak |"; done
  echo
  echo "Lighthouse (mobile, simulated throttling) on the public pages of a demo instance (bench/lighthouse.sh):"
  echo
  echo "$lighthouse"
  echo
  cat bench/NOTES.md
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
