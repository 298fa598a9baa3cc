#!/bin/bash
# Installs the build into a temporary DESTDIR, builds examples/c/read_book.c and
# a header-only C++ reader against the *installed* pkg-config file `wirebook`,
# then reads a book published by shm_demo_writer. Usage:
#   install_example.sh BUILD_DIR SOURCE_DIR DEMO_WRITER
set -euo pipefail
build=$1 src=$2 demo=$3
tmp=$(mktemp -d /tmp/wirebook-install-test-XXXXXX)
writer_pid=
cleanup() {
  if [ -n "$writer_pid" ]; then kill "$writer_pid" 2>/dev/null || true; wait "$writer_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Only the reader's files: its own install tag plus pkg-config (tagged devel by meson).
meson install -C "$build" --no-rebuild --destdir "$tmp/root" --tags wirebook-reader,devel >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/root" -name wirebook.pc -print -quit)
[ -n "$pc" ] || { echo "wirebook.pc not installed"; cat "$tmp/install.log"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR="$tmp/root"
export PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH   # nothing from the system's pkg-config dirs
libdir="$tmp/root$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=libdir wirebook)"
flags=$(pkg-config --cflags --libs wirebook)
echo "pkg-config wirebook: $flags"
[ -f "$libdir/libwirebook_reader.so" ] || { echo "libwirebook_reader.so missing in $libdir"; exit 1; }

# A sanitizer build installs an instrumented library; its users must link the
# runtime too (GCC's library names libasan, clang's leaves the runtime to the executable).
san=()
if nm -D --undefined-only "$libdir/libwirebook_reader.so" | grep -q '__asan_init'; then
  san=(-fsanitize=address,undefined)
fi
"${CC:-cc}" -std=c11 -Wall -Wextra -Wpedantic -Werror "${san[@]}" "$src/examples/c/read_book.c" $flags \
  -Wl,-rpath,"$libdir" -o "$tmp/read_book"
cat >"$tmp/hdr_only.cpp" <<'CPP'
#include <wirebook/reader.hpp>
int main(int argc, char** argv) {
  wirebook::shm::VenueReader r;
  if (argc < 2 || wirebook::shm::VenueReader::open(argv[1], "demo", r) != wirebook::shm::OpenError::ok) return 2;
  wirebook::shm::Bbo b;
  return r.read_bbo(r.find("SPOT_BTC_USDT"), b) == wirebook::shm::ReadResult::ok && b.bid.px == 5674915 ? 0 : 1;
}
CPP
"${CXX:-c++}" -std=c++20 -Wall -Wextra -Wpedantic -Werror "${san[@]}" "$tmp/hdr_only.cpp" $(pkg-config --cflags wirebook) -o "$tmp/hdr_only"

inst="$tmp/shm/inst"
"$demo" "$inst" &
writer_pid=$!
for _ in $(seq 1 3000); do
  [ -e "$inst/ready" ] && break
  kill -0 "$writer_pid" 2>/dev/null || { echo "demo writer exited"; exit 1; }
  sleep 0.01
done
[ -e "$inst/ready" ] || { echo "demo writer not ready after 30 s"; exit 1; }

out=$("$tmp/read_book" "$inst" demo SPOT_BTC_USDT 3)
echo "$out"
grep -q "writer alive status live trusted" <<<"$out"
grep -q "best bid 56749.15 best ask 56749.2" <<<"$out"
grep -q "bid  0  56749.15 x 1.03895025" <<<"$out"
grep -q "ask  1  56750 x 0.12345678" <<<"$out"
"$tmp/hdr_only" "$inst"
# Clear errors for a missing venue.
if "$tmp/read_book" "$inst" nope X 2>"$tmp/err"; then echo "expected failure"; exit 1; fi
grep -q "segment not found" "$tmp/err"
echo "installed example OK"
