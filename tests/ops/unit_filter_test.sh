#!/usr/bin/env bash
# wirebookd under the system-call filter of tools/systemd/wirebookd.service
# (no running systemd needed): the simulator's WOO venue, a venue thread pinned
# to CPU 0 (and SCHED_FIFO when root may use it). Passes when every book goes
# LIVE, the pinning (and SCHED_FIFO) succeeded, and the segments are group
# readable (0640). Usage:
#   unit_filter_test.sh UNIT_FILE WIREBOOKD WIREBOOK FILTER_PY
set -euo pipefail
unit=$1 wirebookd=$2 wirebook=$3 filter=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wirebook-unit-filter-XXXXXX")
sim_pid= daemon_pid=

cleanup() {
  local p
  for p in $daemon_pid $sim_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$tmp/daemon.log" ]] && tail -20 "$tmp/daemon.log"; exit 1; }

# The filter itself can be loaded here? (exit 77: no libseccomp/systemd-analyze)
rc=0
python3 "$filter" "$unit" -- true 2>/dev/null || rc=$?
[[ $rc -eq 77 ]] && { python3 "$filter" "$unit" -- true; exit 77; }
[[ $rc -eq 0 ]] || fail "cannot run under the unit's filter (exit $rc)"

start_sim() {
  "$wirebook" sim --rate 50 --venue woo --ws-port woo=0 --wss-port woo=-1 >"$tmp/sim.out" 2>"$tmp/sim.err" &
  sim_pid=$!
  local i
  for i in $(seq 1 100); do
    grep -q '^WIREBOOK_SIM_READY' "$tmp/sim.out" && break
    kill -0 "$sim_pid" 2>/dev/null || fail "simulator exited: $(cat "$tmp/sim.err")"
    sleep 0.1
  done
  url=$(sed -n 's/^WIREBOOK_SIM woo \(ws:[^ ]*\).*/\1/p' "$tmp/sim.out")
  [[ -n "$url" ]] || fail "simulator gave no woo URL"
}

# SCHED_FIFO needs CAP_SYS_NICE (root here, the capability under the unit).
write_config() {
  rt=""
  [[ $(id -u) -eq 0 ]] && rt="rt_priority = 10"
  cat >"$tmp/filter.toml" <<EOF
[daemon]
instance = "filter"
shm_dir = "$tmp/shm"
shm_mode = "0640"
stats_interval_s = 1

[[venue]]
name = "woo"
kind = "woo"
url = "$url"
symbols = ["SPOT_BTC_USDT", "PERP_BTC_USDT"]
depth = 20
cpu = 0
$rt
EOF
}

wait_live() {
  local i
  for i in $(seq 1 200); do
    "$wirebook" status --dir "$tmp/shm/filter" >/dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || fail "wirebookd exited under the filter"
    sleep 0.1
  done
  "$wirebook" status --dir "$tmp/shm/filter" || true
  fail "books not LIVE within 20 s under the filter"
}

start_sim
write_config
python3 "$filter" "$unit" -- "$wirebookd" --config "$tmp/filter.toml" 2>"$tmp/daemon.log" &
daemon_pid=$!
# wait_log TEXT: venue-thread messages reach the log through a cold thread.
wait_log() {
  local i
  for i in $(seq 1 100); do
    grep -q "$1" "$tmp/daemon.log" && return 0
    sleep 0.1
  done
  return 1
}

wait_live
wait_log "pinned to cpu 0" || fail "venue thread not pinned under the filter"
if [[ -n "$rt" ]]; then wait_log "SCHED_FIFO priority 10" || fail "SCHED_FIFO refused under the filter"; fi
mode=$(stat -c '%a' "$tmp"/shm/filter/* | sort -u | tr '\n' ' ')
[[ "$mode" == "640 " ]] || fail "segment modes are '$mode', want 640 (group readable)"
grep -i "Operation not permitted\|Bad system call" "$tmp/daemon.log" && fail "a refused system call was logged"
echo "wirebookd under the unit's SystemCallFilter: books LIVE, pinned${rt:+, SCHED_FIFO}, segments 0640"
