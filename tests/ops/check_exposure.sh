#!/usr/bin/env bash
# The daemon unit's hardening: `systemd-analyze security --offline=true` must
# rate tools/systemd/wirebookd.service at most MAX (issue 23: <= 2.5; 3.7
# before ProtectClock, ProtectProc, SystemCallFilter and friends). Offline
# mode reads the file itself, so no running systemd or installed unit is needed.
#   check_exposure.sh UNIT_FILE [MAX]
set -euo pipefail
unit=$1 max=${2:-2.5}
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not found (Debian package systemd): exposure not checked"
  exit 77
fi
out=$(timeout 60 systemd-analyze security --offline=true --no-pager "$unit" 2>&1) ||
  { echo "$out"; echo "systemd-analyze security failed"; exit 1; }
# "→ Overall exposure level for wirebookd.service: 1.6 OK"
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n "$score" ]] || { echo "$out"; echo "no 'Overall exposure level' line"; exit 1; }
echo "exposure of $(basename "$unit"): $score (limit $max)"
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
  grep '✗' <<<"$out" || true
  echo "exposure $score is above $max"
  exit 1
fi
