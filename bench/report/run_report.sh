#!/usr/bin/env bash
# The `tools/dev bench` report (README "Bench report"): a generated 200,000-
# frame WOO v2 and Pulse stream, each through
#   - wirebook's full venue pipeline and a bare simdjson walk
#     (`wirebook replay --bench ... --latencies`),
#   - ccxt's own WOO and Deribit order-book handlers, fed the same frames
#     offline (npm package ccxt, installed into BUILD/ccxt),
# then the ratios on stdout and BUILD/bench-report/ (report.md, PNG plots),
# and the idle-strategy rate sweep (bench/idle/idle_sweep.py, idle-sweep.md).
#
# usage: bench/report/run_report.sh BUILD_DIR
# Environment: WIREBOOK_BENCH_SEED (default 19), WIREBOOK_BENCH_FRAMES
# (default 200000), WIREBOOK_CCXT_VERSION (default 4.5.84).
# Exits non-zero only when the wirebook part fails; ccxt not installable
# (no npm, registry unreachable) or failing is reported, not fatal.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "${1:?usage: run_report.sh BUILD_DIR}" && pwd)"
HERE="$ROOT/bench/report"
OUT="$BUILD/bench-report"
SEED="${WIREBOOK_BENCH_SEED:-19}"
FRAMES="${WIREBOOK_BENCH_FRAMES:-200000}"
CCXT_VERSION="${WIREBOOK_CCXT_VERSION:-4.5.84}"
CCXT_DIR="$BUILD/ccxt"
WIREBOOK="$BUILD/tools/wirebook"

say() { printf '[report] %s\n' "$*" >&2; }
# run CMD...: logs the command line into the report, then runs it.
run() {
  printf '%s\n' "$*" | sed "s#$ROOT/##g" >>"$OUT/commands.txt"
  "$@"
}

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/commands.txt"
say "seed $SEED, $FRAMES frames per stream -> $OUT"
run python3 "$HERE/gen_streams.py" --seed "$SEED" --frames "$FRAMES" --out "$OUT/streams"

# The per-frame pass leaves its books in SHM/bench-report-V: their tops are
# checked against the generator's (summarize.py), then removed.
SHM=/dev/shm/wirebook
for venue in woo pulse; do
  say "wirebook replay --bench: $venue"
  run "$WIREBOOK" replay --bench "$OUT/streams/$venue.jsonl" --config "$HERE/$venue.toml" \
    --venue "$venue" --rounds 3 --latencies "$OUT/wirebook-$venue.lat" \
    --instance "bench-report-$venue" --dir "$SHM" | tee "$OUT/wirebook-$venue.txt"
  run "$WIREBOOK" dump --json --depth 1 --dir "$SHM/bench-report-$venue" >"$OUT/wirebook-$venue-tops.jsonl"
  rm -rf "${SHM:?}/bench-report-$venue"
done

# ccxt: installed once per build tree, pinned; any failure only skips this part.
ccxt_status=""
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ccxt_status="node/npm not installed (Debian packages nodejs, npm)"
elif [[ ! -f "$CCXT_DIR/node_modules/ccxt/package.json" ]] ||
  ! grep -q "\"version\": \"$CCXT_VERSION\"" "$CCXT_DIR/node_modules/ccxt/package.json"; then
  say "installing ccxt@$CCXT_VERSION into $CCXT_DIR (npm registry)"
  mkdir -p "$CCXT_DIR"
  if ! (cd "$CCXT_DIR" && timeout 300 npm install --no-audit --no-fund --ignore-scripts \
    --prefix . "ccxt@$CCXT_VERSION") >"$OUT/npm-install.log" 2>&1; then
    ccxt_status="npm install ccxt@$CCXT_VERSION failed (registry unreachable?); see npm-install.log"
  fi
fi
if [[ -z "$ccxt_status" ]]; then
  for venue in woo pulse; do
    say "ccxt: $venue"
    rc=0
    run timeout 600 node "$HERE/ccxt_replay.mjs" --ccxt "$CCXT_DIR" --venue "$venue" \
      --frames "$OUT/streams/$venue.jsonl" --truth "$OUT/streams/truth.json" --rounds 3 \
      --latencies "$OUT/ccxt-$venue.lat" >"$OUT/ccxt-$venue.json" 2>"$OUT/ccxt-$venue.err" || rc=$?
    cat "$OUT/ccxt-$venue.json" >&2
    if ((rc != 0)); then
      ccxt_status+="ccxt $venue run exited $rc (see ccxt-$venue.json, ccxt-$venue.err). "
      [[ -s "$OUT/ccxt-$venue.json" ]] || rm -f "$OUT/ccxt-$venue.json"
    fi
  done
fi
[[ -z "$ccxt_status" ]] || { printf '%s\n' "$ccxt_status" >"$OUT/ccxt-status.txt"; say "ccxt: $ccxt_status"; }

python3 "$HERE/summarize.py" --out "$OUT" --seed "$SEED" --frames "$FRAMES"
if command -v gnuplot >/dev/null; then
  (cd "$OUT" && gnuplot plots.gp) || say "gnuplot failed; the figures are in report.md"
else
  say "gnuplot not installed (Debian gnuplot-nox): no plots; the figures are in report.md"
fi
rm -rf "$OUT/streams"/*.jsonl

# The idle-strategy rate sweep (README "Idle strategies"): simulator and daemon
# pinned to cpus 0 and 1, so it needs two. WIREBOOK_BENCH_SWEEP=0 skips it.
if [[ "${WIREBOOK_BENCH_SWEEP:-1}" != "0" && $(nproc) -ge 2 ]]; then
  say "idle strategies: rate sweep (about 4 minutes)"
  run python3 "$ROOT/bench/idle/idle_sweep.py" --build "$BUILD" --out "$OUT/idle-sweep.md" ||
    say "idle sweep failed; see above"
  [[ -f "$OUT/idle-sweep.md" ]] && { printf '\n## Idle strategies\n\n'; cat "$OUT/idle-sweep.md"; } >>"$OUT/report.md"
fi
say "report: $OUT/report.md"
