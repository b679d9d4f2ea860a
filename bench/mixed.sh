#!/usr/bin/env bash
# Mixed load on one fresh instance for MIXED (default 600s): public pages, report forms with a
# photo, receipt look-ups and staff pages, all at once; samples the instance's resident memory
# (VmRSS, peak VmHWM) every SAMPLE seconds (default 30). Point 4 of issue 14. bench/run.sh calls
# it on the million-tip SQLite database that bench/staff.sh seeded (KEEP), where the staff
# accounts `coordinator` and `fire.officer` have the password "bench password 123".
#
#   DB=/tmp/s1m/staff.db DATA=/tmp/s1m/data-SQLite MIXED=180s bench/mixed.sh
#   BIN=/tmp/tipline-mimalloc DB=… DATA=… bench/mixed.sh     # another build (allocator)
#
# Prints `ROW label|RESULT …` for each load and `RSS label|now|peak` for each sample (MB), which
# bench/run.sh turns into tables; the instance is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
MIXED=${MIXED:-600s}
SAMPLE=${SAMPLE:-30}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/tipline}
: "${DB:?DB: the SQLite database file}" "${DATA:?DATA: its data folder (keys)}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
secs=${MIXED%s}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); base="http://127.0.0.1:$port"
TIPLINE_DATABASE_URL="sqlite://$DB" TIPLINE_BIND="127.0.0.1:$port" TIPLINE_DATA_DIR="$DATA" \
  TIPLINE_CONFIG_DIR="$PWD/config" TIPLINE_RATE_LIMITS=off TIPLINE_LOG=warn "$BIN" serve >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 1 600); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
rss() { # $1 label
  local now peak
  now=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  peak=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  echo "RSS $1|$now|$peak"
}
rss 'started (fresh instance, 1,000,000-tip database)'
cookie=$(curl -s -o /dev/null -D - -H 'content-type: application/json' \
  -d '{"username":"coordinator","password":"bench password 123"}' "$base/api/v1/staff/session" |
  sed -n 's/^[Ss]et-[Cc]ookie: \(tipline_staff=[^;]*\).*/\1/p')
case=$(curl -s -H "Cookie: $cookie" "$base/api/v1/staff/tips?per_page=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["case_number"])')
TIP='{"sector":"fire_safety","street":"jiangtou","address":"江头北路216号负一楼","description":"地下车库消防通道被杂物堵死，消防车进不来。","severity":"general","anonymous":true,"wants_reward":false}'
receipt=$(curl -fs -H 'content-type: application/json' -d "$TIP" "$base/api/v1/tips" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["receipt"])')
cat bench/rotate.lua bench/report.lua > "$work/rotate.lua"
cat bench/report-form.lua bench/report.lua > "$work/form.lua"
cat bench/post.lua bench/report.lua > "$work/post.lua"
w() { wrk -t1 --timeout 10s -d"$MIXED" "$@"; }
PATHS="/ /report /track /stats /exposures /report?lang=en /stats?lang=en" \
  w -c8 -s "$work/rotate.lua" "$base" >"$work/pages" & loads=($!)
PHOTO="$PWD/tests/fixtures/cam.jpg" w -c4 -s "$work/form.lua" "$base/report" >"$work/forms" & loads+=($!)
BODY="{\"receipt\":\"$receipt\"}" w -c2 -s "$work/post.lua" "$base/api/v1/track" >"$work/track" & loads+=($!)
COOKIE="$cookie" PATHS="/staff /api/v1/staff/tips /staff/tips/$case /api/v1/staff/tips?status=verifying /staff/lists/hazards" \
  w -c4 -s "$work/rotate.lua" "$base" >"$work/staff" & loads+=($!)
for ((t = SAMPLE; t < secs; t += SAMPLE)); do
  sleep "$SAMPLE"
  rss "after ${t} s of mixed load"
done
wait "${loads[@]}"
rss "after ${secs} s of mixed load (the end)"
sleep 10
rss 'ten seconds later, idle'
row() { echo "ROW $1|$(grep '^RESULT' "$work/$2" || echo 'RESULT rps=0 p50=0 p99=0 max=0 errors=0 non2xx=0')"; }
row "mixed: public pages in turn (8 connections, br)" pages
row "mixed: POST /report with a 25 KB photo (4 connections)" forms
row "mixed: POST /api/v1/track look-ups (2 connections)" track
row "mixed: staff queue, lists and a case page in turn (coordinator, 4 connections)" staff
