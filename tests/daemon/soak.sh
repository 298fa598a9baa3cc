#!/usr/bin/env bash
# Memory soak (issue 5; not part of `meson test`): wirebookd fed by `wirebook sim`
# at a high event rate; samples wirebookd's resident memory every 5 s and checks
# that, after the warm-up, it stays within ±2 % of its value at the end of the warm-up.
#
#   tests/daemon/soak.sh <build-dir> [--rate 20000] [--seconds 300] [--warmup 60]
#
# Prints the achieved frame rate (from wirebookd's final stats line) next to the RSS
# figures: on a loaded machine the simulator may not reach the requested rate.
set -euo pipefail
(($# >= 1)) || { echo "usage: $0 <build-dir> [--rate R] [--seconds S] [--warmup W]" >&2; exit 2; }
BUILD="$(cd "$1" && pwd)"; shift
RATE=20000 RUN=300 WARMUP=60
while (($#)); do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --seconds) RUN="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    *) echo "soak: unknown argument $1" >&2; exit 2 ;;
  esac
done
TMP="$(mktemp -d /tmp/wirebook-soak.XXXXXX)"
SIM_PID="" DAEMON_PID=""
cleanup() {
  for p in $DAEMON_PID $SIM_PID; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in $DAEMON_PID $SIM_PID; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BUILD/tools/wirebook" sim --venue woo --rate "$RATE" --ws-port woo=0 \
  --wss-port woo=-1 >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for ((i = 0; i < 150; i++)); do grep -q WIREBOOK_SIM_READY "$TMP/sim.out" && break; sleep 0.1; done
URL="$(awk '$1 == "WIREBOOK_SIM" && $2 == "woo" && $3 ~ /^ws:/ { print $3 }' "$TMP/sim.out")"
[[ -n "$URL" ]] || { echo "soak: simulator did not start" >&2; cat "$TMP/sim.err" >&2; exit 1; }
# The simulator's default WOO instruments (tools/sim/README.md).
cat >"$TMP/soak.toml" <<TOML
[daemon]
instance = "soak"
shm_dir = "$TMP/shm"
stats_interval_s = 10
[[venue]]
name = "woo"
kind = "woo"
url = "$URL"
symbols = ["SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT", "PERP_ETH_USDT", "SPOT_WOO_USDT", "PERP_DOGE_USDT"]
depth = 50
TOML
"$BUILD/daemon/wirebookd" --config "$TMP/soak.toml" 2>"$TMP/wirebookd.log" &
DAEMON_PID=$!

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
echo "soak: rate $RATE/s requested, ${RUN}s run, ${WARMUP}s warm-up; sampling VmRSS every 5 s"
base="" min="" max=""
for ((t = 5; t <= RUN; t += 5)); do
  sleep 5
  kill -0 "$DAEMON_PID" 2>/dev/null || { echo "soak: wirebookd died" >&2; tail "$TMP/wirebookd.log" >&2; exit 1; }
  r="$(rss_kb)"
  if ((t == WARMUP)); then base=$r min=$r max=$r; fi
  if [[ -n "$base" ]]; then ((r < min)) && min=$r; ((r > max)) && max=$r; fi
  printf 't=%4ds rss=%s kB%s\n' "$t" "$r" "$( [[ -n "$base" ]] && echo " (base $base)" )"
done
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true; DAEMON_PID=""
final="$(grep ' final woo: ' "$TMP/wirebookd.log" | tail -1)"
frames="$(grep -o ' frames=[0-9]*' <<<"$final" | head -1 | cut -d= -f2)"
echo "soak: $final"
echo "soak: achieved $((frames / RUN)) frames/s on average"
[[ -n "$base" ]] || { echo "soak: run shorter than the warm-up; no verdict"; exit 1; }
lo=$((base * 98 / 100)) hi=$((base * 102 / 100))
echo "soak: RSS after warm-up: base $base kB, min $min kB, max $max kB (allowed $lo..$hi)"
if ((min >= lo && max <= hi)); then echo "soak: PASS"; exit 0; fi
echo "soak: FAIL"; exit 1
