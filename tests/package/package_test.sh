#!/usr/bin/env bash
# The Debian package end to end, on this machine: builds the .deb from the
# already built test tree (tools/dev package --build-dir), installs it with
# dpkg, checks the packaged config, the units, the C example built against the
# installed pkg-config file and the Python package under the system python3
# (both reading a segment of the tree's demo writer), then purges it and checks
# that none of its files remain. Usage:
#   package_test.sh BUILD_DIR SOURCE_DIR DEMO_WRITER
# Needs root (or passwordless sudo): otherwise it exits 77 (skipped). Refuses
# to run when wirebook is already installed by other means: it would remove it.
set -euo pipefail
build=$1 src=$2 demo=$3
PKG=wirebook
LOCK=/tmp/wirebook-package-test.lock
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wirebook-package-test-XXXXXX")
installed_by_us=0
writer_pid=

say() { printf '[package-test] %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

# as_root CMD...: root directly, or sudo that asks for no password.
SUDO=()
pick_root() {
  if [[ $(id -u) -eq 0 ]]; then return 0; fi
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); return 0; fi
  say "SKIP: installing a .deb needs root or passwordless sudo (running as $(id -un))"
  exit 77
}
as_root() { "${SUDO[@]}" "$@"; }

# Always leave the machine as found: purge what we installed, stop the writer.
cleanup() {
  local rc=$?
  if [[ -n "$writer_pid" ]]; then kill "$writer_pid" 2>/dev/null || true; wait "$writer_pid" 2>/dev/null || true; fi
  local status
  status=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true)
  if ((installed_by_us)) && [[ -n "$status" && "$status" != *not-installed* ]]; then
    say "cleanup: purging $PKG"
    as_root timeout 120 dpkg --purge "$PKG" >/dev/null 2>&1 || say "cleanup: dpkg --purge $PKG failed"
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # meson's timeout: still purge (the EXIT trap)

# Files a foreign install (meson install, an older .deb) would have: the
# purge at the end would delete them, so stop before touching anything.
refuse_foreign_install() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true)
  if [[ -n "$status" && "$status" != *not-installed* ]]; then
    fail "package $PKG is already on this machine ($status); this test installs and purges it. Remove it first (dpkg --purge $PKG) or run the test elsewhere"
  fi
  local f
  for f in /usr/bin/wirebookd /usr/bin/wirebook /etc/wirebook /usr/include/wirebook \
    /usr/lib/python3/dist-packages/wirebook /lib/systemd/system/wirebookd.service \
    /usr/lib/systemd/system/wirebookd.service; do
    [[ -e "$f" ]] && fail "$f exists (installed by other means than this test); refusing to install over it and purge it"
  done
  return 0
}

build_deb() {
  say "building the .deb from $build"
  timeout 180 "$src/tools/dev" package --build-dir "$build" --out "$tmp/out" >"$tmp/deb-path" ||
    fail "tools/dev package --build-dir $build failed"
  deb=$(tail -1 "$tmp/deb-path")
  [[ -f "$deb" ]] || fail "no .deb at '$deb'"
  dpkg-deb --info "$deb" | sed -n 's/^ \(Version\|Depends\|Installed-Size\):/  \1:/p'
}

install_deb() {
  say "dpkg -i $(basename "$deb")"
  installed_by_us=1
  as_root env DEBIAN_FRONTEND=noninteractive timeout 120 dpkg -i "$deb" >"$tmp/dpkg-i.log" 2>&1 ||
    { cat "$tmp/dpkg-i.log"; fail "dpkg -i failed (missing dependencies? see above)"; }
  dpkg-query -L "$PKG" | sort >"$tmp/files"
  say "$(wc -l <"$tmp/files") paths installed"
}

check_user_and_dirs() {
  getent passwd wirebook >/dev/null || fail "postinst did not create the wirebook user"
  getent group wirebook >/dev/null || fail "postinst did not create the wirebook group"
  [[ " $(id -nG wirebook-reader 2>/dev/null) " == *" wirebook "* ]] ||
    fail "postinst did not create wirebook-reader in group wirebook (the bridge unit's user)"
  if command -v systemd-tmpfiles >/dev/null; then
    [[ "$(stat -c '%a %U %G' /run/wirebook)" == "750 wirebook wirebook" ]] ||
      fail "/run/wirebook is $(stat -c '%a %U %G' /run/wirebook 2>&1), want 750 wirebook wirebook"
  fi
}

check_config() {
  say "wirebookd --check on the packaged config (as the wirebook user)"
  as_root timeout 30 setpriv --reuid=wirebook --regid=wirebook --clear-groups \
    /usr/bin/wirebookd --check --config /etc/wirebook/wirebook.toml >"$tmp/check.log" 2>&1 ||
    { cat "$tmp/check.log"; fail "wirebookd --check refused /etc/wirebook/wirebook.toml"; }
  grep -q '^shm_dir = "/run/wirebook"' /etc/wirebook/wirebook.toml || fail "packaged shm_dir is not /run/wirebook"
  grep -qx /etc/wirebook/wirebook.toml /var/lib/dpkg/info/$PKG.conffiles || fail "wirebook.toml is not a conffile"
}

# systemd-analyze verify needs no running systemd; it checks the units'
# syntax and that ExecStart= binaries exist.
check_units() {
  command -v systemd-analyze >/dev/null || { say "systemd-analyze missing (package systemd): units not verified"; return 0; }
  local unit
  for unit in wirebookd.service wirebook-bridge@main.service wirebook-mirror@main.service; do
    say "systemd-analyze verify $unit"
    timeout 60 systemd-analyze verify "/lib/systemd/system/${unit/@main/@}:$unit" >"$tmp/verify.log" 2>&1 ||
      { cat "$tmp/verify.log"; fail "systemd-analyze verify $unit"; }
    if grep -i "wirebook" "$tmp/verify.log"; then fail "systemd-analyze verify complained about $unit"; fi
    sed 's/^/  (verify, other units) /' "$tmp/verify.log"
  done
}

start_demo_writer() {
  inst="$tmp/shm/inst"
  "$demo" "$inst" &
  writer_pid=$!
  local i
  for i in $(seq 1 300); do
    [[ -e "$inst/ready" ]] && return 0
    kill -0 "$writer_pid" 2>/dev/null || fail "demo writer exited"
    sleep 0.1
  done
  fail "demo writer not ready after 30 s"
}

# The C example against the installed wirebook.pc only (no build-tree paths),
# run against the demo writer's segment: the system's libwirebook_reader.so.1.
check_c_example() {
  say "C example against the installed pkg-config file"
  local flags
  [[ "$(pkg-config --variable=prefix wirebook)" == /usr ]] ||
    fail "pkg-config finds a wirebook.pc outside the package"
  flags=$(pkg-config --cflags --libs wirebook)
  cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$src/examples/c/read_book.c" $flags -o "$tmp/read_book" ||
    fail "examples/c/read_book.c does not build against the package"
  # /lib is /usr/lib on a merged-/usr system; either is the packaged copy.
  # Captured first: with pipefail, grep -q closing the pipe early fails ldd.
  local libs
  libs=$(ldd "$tmp/read_book")
  grep -Eq "libwirebook_reader.so.1 => (/usr)?/lib/[^ ]*libwirebook_reader.so.1 " <<<"$libs" ||
    { echo "$libs"; fail "read_book does not load the packaged library"; }
  local out
  out=$("$tmp/read_book" "$inst" demo SPOT_BTC_USDT 2) || fail "read_book failed: $out"
  grep -q "best bid 56749.15 best ask 56749.2" <<<"$out" || { echo "$out"; fail "read_book read a wrong book"; }
}

# The system interpreter with a clean environment (no PYTHONPATH, no
# WIREBOOK_READER_LIB, not in the source tree): only the packaged copy counts.
check_python() {
  say "Python package with /usr/bin/python3"
  local out
  out=$(cd / && env -i PATH=/usr/bin:/bin /usr/bin/python3 -c '
import sys, wirebook
assert wirebook.__file__.startswith("/usr/lib/python3/dist-packages/"), wirebook.__file__
print(wirebook.library()._name)
' 2>&1) || fail "import wirebook: $out"
  [[ "$out" == libwirebook_reader.so.1 || "$out" == /usr/lib/* ]] || fail "python loaded '$out'"
  out=$(cd / && env -i PATH=/usr/bin:/bin /usr/bin/python3 -B "$src/examples/python/best_bid_ask.py" \
    "$inst" demo SPOT_BTC_USDT 2>&1) || fail "examples/python/best_bid_ask.py: $out"
  [[ "$out" == "bid 56749.15 x 1.03895025 ask 56749.2"* ]] || fail "python read '$out'"
  # Root's import above may leave bytecode; prerm must take it away.
  as_root env -i PATH=/usr/bin:/bin /usr/bin/python3 -c 'import wirebook' >/dev/null
}

purge_and_check() {
  say "dpkg --purge $PKG"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 120 dpkg --purge "$PKG" >"$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log"; fail "dpkg --purge failed"; }
  installed_by_us=0
  if grep -i "warning" "$tmp/purge.log"; then fail "dpkg --purge warned"; fi
  local p left=0
  while IFS= read -r p; do
    [[ -d "$p" ]] && continue  # shared directories (/usr/bin, /lib -> usr/lib) stay
    if [[ -e "$p" || -L "$p" ]]; then say "left behind: $p"; left=1; fi
  done <"$tmp/files"
  for p in /etc/wirebook /run/wirebook /usr/include/wirebook /usr/share/doc/wirebook \
    /usr/lib/python3/dist-packages/wirebook; do
    if [[ -e "$p" ]]; then say "left behind: $p"; left=1; fi
  done
  ((left == 0)) || fail "files remain after purge"
  # The user and group stay by design (postrm: ids must not be reused).
  say "purged; user wirebook kept: $(getent passwd wirebook >/dev/null && echo yes || echo no)"
}

# A sanitizer tree's library wants its compiler's runtime in every user: not a
# package anyone installs.
skip_sanitized_tree() {
  local san
  san=$(meson introspect --buildoptions "$build" |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"))')
  if [[ "$san" != none ]]; then
    say "SKIP: $build is a sanitizer build (b_sanitize=$san); the package test runs on the plain test tree"
    exit 77
  fi
}

main() {
  # The system's view only: meson test points LD_LIBRARY_PATH at the build tree.
  unset LD_LIBRARY_PATH PKG_CONFIG_PATH PYTHONPATH WIREBOOK_READER_LIB
  skip_sanitized_tree
  pick_root
  # Two runs at once (two trees on one host) would purge each other's install.
  exec 9>"$LOCK"
  flock -w 240 9 || fail "another package test holds $LOCK"
  refuse_foreign_install
  build_deb
  install_deb
  check_user_and_dirs
  check_config
  check_units
  start_demo_writer
  check_c_example
  check_python
  purge_and_check
  say "OK"
}

main
