# What bench/run.sh and bench/staff.sh share (sourced, from the repository's root).

# Waits (a minute at most) until an instance has finished its start-up work: it works out the
# dashboard's figures in the background after a start, seconds at a million tips, which would
# otherwise land in the first route measured. Idle is two seconds in a row under 5% of a core,
# the instance and the PostgreSQL server's processes together (on PostgreSQL the reading is
# the database's work while the instance waits for it).
cpu_ticks() { # the user and system clock ticks of the processes given and of PostgreSQL's
  local p s=0
  for p in "$@" $(pgrep -x postgres 2>/dev/null); do
    [ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$s"
}
wait_idle() { # $1 = pid
  local before after calm=0
  for _ in $(seq 1 120); do
    before=$(cpu_ticks "$1"); sleep 0.5; after=$(cpu_ticks "$1")
    if [ $((after - before)) -le 2 ]; then calm=$((calm + 1)); [ "$calm" -ge 4 ] && return 0; else calm=0; fi
  done
}
