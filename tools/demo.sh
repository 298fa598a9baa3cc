#!/usr/bin/env bash
# wirebook demo: the venue simulator plus wirebookd with config/demo.toml, live books
# on screen. Started by `tools/dev demo [--seconds N]` after it has built <build-dir>.
#
#   tools/demo.sh <build-dir>               until Ctrl-C
#   tools/demo.sh <build-dir> --seconds N   stop after N s, print a per-venue summary;
#                                           exit 0 only if every configured book went LIVE
#
# Venue kinds this wirebookd build does not implement (`wirebookd --kinds`) are
# disabled in a temporary copy of demo.toml, with a note; the simulator serves only
# the venues that remain.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: $0 <build-dir> [--seconds N]" >&2; exit 2; }
(($# >= 1)) || usage
BUILD="$(cd "$1" && pwd)"; shift
RUN_SECONDS=0
while (($#)); do
  case "$1" in
    --seconds) RUN_SECONDS="${2:?--seconds needs a value}"; shift 2 ;;
    --seconds=*) RUN_SECONDS="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) echo "demo: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$RUN_SECONDS" =~ ^[0-9]+$ ]] || { echo "demo: --seconds wants a whole number" >&2; exit 2; }

WB="$BUILD/tools/wirebook"
WBD="$BUILD/daemon/wirebookd"
for b in "$WB" "$WBD"; do [[ -x "$b" ]] || { echo "demo: $b not built" >&2; exit 2; }; done

TMP="$(mktemp -d /tmp/wirebook-demo.XXXXXX)"
SIM_PID=""
DAEMON_PID=""
say() { printf '[demo] %s\n' "$*" >&2; }

stop_pid() {  # stop_pid PID SECONDS: TERM, wait, then KILL
  local pid="$1" budget="$2" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < budget * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  say "pid $pid did not stop in ${budget}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$DAEMON_PID" 3
  stop_pid "$SIM_PID" 3
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- config: demo.toml minus the kinds this build lacks ------------------------
KINDS="$("$WBD" --kinds)"
CONFIG="$TMP/demo.toml"
awk -v kinds="$KINDS" '
  BEGIN { n = split(kinds, k, /, */); for (i = 1; i <= n; i++) have[k[i]] = 1 }
  { print }
  /^kind *= *"/ {
    kind = $0; sub(/^kind *= *"/, "", kind); sub(/".*/, "", kind)
    if (!(kind in have)) {
      print "enabled = false  # demo.sh: kind not implemented in this wirebookd build"
      printf "[demo] note: venue kind \"%s\" is not implemented in this build (have: %s); skipping it\n", kind, kinds > "/dev/stderr"
    }
  }' "$ROOT/config/demo.toml" >"$CONFIG"
"$WBD" --check --config "$CONFIG" >"$TMP/check.txt" || { cat "$TMP/check.txt" >&2; exit 2; }
INSTANCE="$(sed -n 's/^instance *= *"\(.*\)".*/\1/p' "$CONFIG" | head -1)"
SHM_DIR="$(sed -n 's/^shm_dir *= *"\(.*\)".*/\1/p' "$CONFIG" | head -1)"
DIR="${SHM_DIR:-/dev/shm/wirebook}/$INSTANCE"

# --- simulator: one ws:// port per enabled venue, as demo.toml expects -----------
SIM_ARGS=(sim --rate 50)
has_kind() { [[ ",${KINDS// /}," == *",$1,"* ]]; }
if has_kind woo; then SIM_ARGS+=(--venue woo --ws-port woo=18081 --wss-port woo=-1); fi
if has_kind pulse; then SIM_ARGS+=(--venue pulse --ws-port pulse=18082 --wss-port pulse=-1); fi
if has_kind o2; then SIM_ARGS+=(--venue o2 --ws-port o2=18083 --wss-port o2=-1); fi
if has_kind oxfun; then SIM_ARGS+=(--venue oxfun --ws-port oxfun=18084 --wss-port oxfun=-1); fi
if has_kind ocx; then
  # The OCX user stream behind a key (demo.toml's WIREBOOK_DEMO_OCX_KEY), with a
  # fill and a position every 200 book events.
  SIM_ARGS+=(--venue ocx --ws-port ocx=18085 --wss-port ocx=-1
    --set ocx.api_key=sim-ocx-key --set ocx.user_every=200)
fi
# The simulator's default OX.FUN credentials, referenced by demo.toml.
export WIREBOOK_DEMO_OXFUN_KEY=sim-key WIREBOOK_DEMO_OXFUN_SECRET=sim-secret
export WIREBOOK_DEMO_OCX_KEY=sim-ocx-key
say "simulator: wirebook ${SIM_ARGS[*]}"
"$WB" "${SIM_ARGS[@]}" >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for ((i = 0; i < 100; i++)); do
  grep -q '^WIREBOOK_SIM_READY' "$TMP/sim.out" 2>/dev/null && break
  kill -0 "$SIM_PID" 2>/dev/null || { say "simulator exited:"; cat "$TMP/sim.err" >&2; exit 1; }
  sleep 0.1
done
grep -q '^WIREBOOK_SIM_READY' "$TMP/sim.out" || { say "simulator not ready after 10 s"; exit 1; }
grep '^WIREBOOK_SIM ' "$TMP/sim.out" | sed 's/^/[demo]   /' >&2

# --- daemon -----------------------------------------------------------------------
say "daemon: wirebookd --config $CONFIG (log: $TMP/wirebookd.log)"
"$WBD" --config "$CONFIG" 2>"$TMP/wirebookd.log" &
DAEMON_PID=$!

declare -A EVER_LIVE=()
note_live() {  # records every book seen LIVE; prints nothing
  local line venue symbol
  while IFS= read -r line; do
    [[ "$line" == *'"status":"live"'* ]] || continue
    venue="${line#*\"venue\":\"}"; venue="${venue%%\"*}"
    symbol="${line#*\"symbol\":\"}"; symbol="${symbol%%\"*}"
    EVER_LIVE["$venue/$symbol"]=1
  done < <("$WB" dump --json --dir "$DIR" --depth 1 2>/dev/null || true)
}

start=$SECONDS
while :; do
  kill -0 "$DAEMON_PID" 2>/dev/null || { say "wirebookd exited:"; tail -20 "$TMP/wirebookd.log" >&2; DAEMON_PID=""; exit 1; }
  note_live
  if [[ -t 1 ]]; then printf '\033[H\033[2J'; fi
  echo "wirebook demo — instance '$INSTANCE' ($DIR), $((SECONDS - start)) s$( ((RUN_SECONDS > 0)) && echo " of $RUN_SECONDS" || echo ", Ctrl-C to stop")"
  "$WB" dump --dir "$DIR" --depth 5 2>&1 || true
  echo "--- wirebookd log (last lines)"
  tail -4 "$TMP/wirebookd.log"
  if ((RUN_SECONDS > 0 && SECONDS - start >= RUN_SECONDS)); then break; fi
  sleep 1
done

# --- summary ------------------------------------------------------------------------
note_live
STATE_JSON="$("$WB" dump --json --dir "$DIR" --depth 1 2>/dev/null || true)"
stop_pid "$DAEMON_PID" 3
wait "$DAEMON_PID" 2>/dev/null && DAEMON_RC=0 || DAEMON_RC=$?
DAEMON_PID=""
echo
echo "=== summary after $((SECONDS - start)) s (wirebookd exit $DAEMON_RC)"
printf '%-8s %-28s %-12s %10s %6s %8s %10s\n' venue "state at stop" "books LIVE" frames gaps resyncs reconnects
all_live=1
mapfile -t VENUES < <("$WB" dump --dir "$DIR" --depth 0 2>/dev/null | sed -n 's/^== \([^ ]*\) .*/\1/p')
for venue in "${VENUES[@]}"; do
  total=0 live=0
  declare -A states=()
  while IFS= read -r line; do
    [[ "$line" == *"\"venue\":\"$venue\""* ]] || continue
    symbol="${line#*\"symbol\":\"}"; symbol="${symbol%%\"*}"
    st="${line#*\"status\":\"}"; st="${st%%\"*}"
    states[$st]=$(( ${states[$st]:-0} + 1 ))
    total=$((total + 1))
    [[ -n "${EVER_LIVE[$venue/$symbol]:-}" ]] && live=$((live + 1))
  done <<<"$STATE_JSON"
  state=""
  for st in "${!states[@]}"; do state+="${state:+,}$st=${states[$st]}"; done
  unset states
  final="$(grep " final $venue: " "$TMP/wirebookd.log" | tail -1 || true)"
  field() { local v; v="$(grep -o " $1=[0-9]*" <<<"$final" | head -1)"; echo "${v#*=}"; }
  printf '%-8s %-28s %-12s %10s %6s %8s %10s\n' "$venue" "${state:-?}" "$live/$total ever" \
    "$(field frames)" "$(field gaps)" "$(field resyncs)" "$(field reconnects)"
  ((total > 0 && live == total)) || all_live=0
done
((${#VENUES[@]} > 0)) || all_live=0
if ((all_live && DAEMON_RC == 0)); then
  echo "demo: OK — every configured book went LIVE"
  exit 0
fi
echo "demo: FAILED — not every configured book went LIVE (or wirebookd failed); log:"
tail -30 "$TMP/wirebookd.log"
exit 1
