# What bench/run.sh and bench/staff.sh share (sourced, from the repository's root).

# Waits (a minute at most) until an instance has finished its start-up work: it works out the
# dashboard's figures in the background after a start, seconds at a million tips, which would
# otherwise land in the first route measured. Idle is two seconds in a row under 5% of a core.
wait_idle() { # $1 = pid
  local before after calm=0
  for _ in $(seq 1 120); do
    before=$(awk '{print $14 + $15}' "/proc/$1/stat"); sleep 0.5
    after=$(awk '{print $14 + $15}' "/proc/$1/stat")
    if [ $((after - before)) -le 2 ]; then calm=$((calm + 1)); [ "$calm" -ge 4 ] && return 0; else calm=0; fi
  done
}
