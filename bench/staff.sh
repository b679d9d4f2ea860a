#!/usr/bin/env bash
# The staff workspace at STAFF_TIPS tips (default 1,000,000) on SQLite and on PostgreSQL: seeds
# each database set-based (bench/seed.py: routing, case files, history, deadline notices), starts
# a release instance on it (rate limits off), drives each route with wrk (32 connections) and
# prints one markdown row per route and backend (req/s, p50, p99, max). Needs wrk, psql for the
# PostgreSQL half (skipped without a server at $TIPLINE_BENCH_PG) and a release build
# (bench/run.sh builds it; so does `cargo build --release`).
#
#   bench/staff.sh                      # both backends, 10 s a route
#   STAFF_TIPS=100000 BACKENDS=sqlite bench/staff.sh
#   KEEP=/tmp/staff-bench bench/staff.sh  # keep (and reuse) the seeded SQLite database there
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
STAFF_TIPS=${STAFF_TIPS:-1000000}
BACKENDS=${BACKENDS:-sqlite postgres}
PG=${TIPLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/tipline}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release --bin tipline

work=$(mktemp -d)
pids=()
schema="bench_staff_$$"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work" bench/cookied-staff-$$.lua
}
trap cleanup EXIT
printf 'wrk.headers["Cookie"] = os.getenv("COOKIE")\n' | cat - bench/report.lua > bench/cookied-staff-$$.lua

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 600); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
source bench/common.sh
env_of() { # $1 database URL, $2 data dir
  echo "TIPLINE_DATABASE_URL=$1 TIPLINE_DATA_DIR=$2 TIPLINE_CONFIG_DIR=$PWD/config TIPLINE_LOG=warn"
}

rows=()
bench_backend() { # $1 label, $2 database URL, $3 seed target, $4 seed backend
  local label=$1 url=$2 data="${KEEP:-$work}/data-$1" port base
  if [ "$4" = sqlite ] && [ -n "${KEEP:-}" ] && [ -s "$3" ]; then
    echo "reusing $3" >&2
  else
    env $(env_of "$url" "$data") "$BIN" migrate >/dev/null
    python3 bench/seed.py "$4" "$3" "$STAFF_TIPS" >&2
    for u in "coordinator coordinator" "fire.officer officer --department fire"; do
      set -- $u
      echo "bench password 123" | env $(env_of "$url" "$data") "$BIN" user add --username "$1" --role "$2" ${3:+$3 $4} >/dev/null
    done
  fi
  # The background round once before serving: the deadline notices and retention erasures a
  # seeded (or kept) database is owed would otherwise land in a route measured, as changes of
  # the dashboard's figures.
  env $(env_of "$url" "$data") "$BIN" jobs >/dev/null
  port=$(free_port); base="http://127.0.0.1:$port"
  env $(env_of "$url" "$data") TIPLINE_BIND="127.0.0.1:$port" TIPLINE_RATE_LIMITS=off "$BIN" serve >/dev/null 2>&1 &
  local spid=$!
  pids+=("$spid")
  wait_up "$base/healthz"
  cookie_of() { curl -s -o /dev/null -D - -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"bench password 123\"}" "$base/api/v1/staff/session" | sed -n 's/^[Ss]et-[Cc]ookie: \(tipline_staff=[^;]*\).*/\1/p'; }
  local coord officer deep case
  coord=$(cookie_of coordinator); officer=$(cookie_of fire.officer)
  # A cursor 20 pages deep into the officer's queue, and the newest fire case.
  deep=$(curl -s -H "Cookie: $officer" "$base/api/v1/staff/tips?per_page=200&page=5" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')
  case=$(curl -s -H "Cookie: $officer" "$base/api/v1/staff/tips?status=submitted&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["case_number"])')
  wait_idle "$spid"
  one() { # $1 route label, $2 path, $3 cookie
    local out line
    out=$(COOKIE="$3" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s -s bench/cookied-staff-$$.lua "$base$2")
    line=$(grep '^RESULT' <<<"$out"); echo "$label $1: $line" >&2; rows+=("$1, $label|$line")
  }
  one "GET /staff (queue page, coordinator)" "/staff" "$coord"
  one "GET /api/v1/staff/tips (officer of one department)" "/api/v1/staff/tips" "$officer"
  one "GET /api/v1/staff/tips?after= (officer, 1,000 cases deep)" "/api/v1/staff/tips?after=$deep" "$officer"
  one "GET /api/v1/staff/tips?status=verifying (coordinator)" "/api/v1/staff/tips?status=verifying" "$coord"
  one "GET /staff/tips/{case} (case page, officer)" "/staff/tips/$case" "$officer"
  one "GET /api/v1/staff/tips/{case} (officer)" "/api/v1/staff/tips/$case" "$officer"
  one "GET /staff/lists/hazards (first page)" "/staff/lists/hazards" "$coord"
  one "GET /staff/audit (first page)" "/staff/audit" "$coord"
  one "GET /staff/supervision (timeliness, default period)" "/staff/supervision" "$coord"
  one "GET /staff/dashboard (coordinator, 12 weeks)" "/staff/dashboard" "$coord"
}

for b in $BACKENDS; do
  case $b in
    sqlite)
      db=${KEEP:+$KEEP/staff.db}; db=${db:-$work/staff.db}; mkdir -p "$(dirname "$db")"
      bench_backend SQLite "sqlite://$db" "$db" sqlite ;;
    postgres)
      if psql "$PG" -qc "CREATE SCHEMA $schema" >/dev/null 2>&1; then
        sep='?'; [[ "$PG" == *\?* ]] && sep='&'
        url="$PG${sep}options=-csearch_path%3D$schema"
        bench_backend PostgreSQL "$url" "$url" postgres
      else
        echo "no PostgreSQL at $PG: skipped" >&2
      fi ;;
  esac
done

echo "| route ($STAFF_TIPS tips, wrk -t$THREADS -c$CONNS -d$DURATION) | req/s | p50 ms | p99 ms | max ms | errors | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do
  label=${r%%|*}; line=${r#*|}
  get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$line"; }
  echo "| $label | $(get rps) | $(get p50) | $(get p99) | $(get max) | $(get errors) | $(get non2xx) |"
done
