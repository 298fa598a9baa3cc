#!/usr/bin/env bash
# Builds the wirebook .deb from a configured and built Meson tree (no debhelper):
#   tools/debian/build-deb.sh BUILD_DIR OUT_DIR
# Stages `meson install --destdir`, moves the tree's prefix to /usr (so a test
# tree configured for /usr/local packages the same), adds the packaging files
# from this folder, strips the ELF files as dh_strip would, computes Depends with
# dpkg-shlibdeps and builds with `dpkg-deb --root-owner-group`. Prints the path
# of the .deb on stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "$1" && pwd)"
OUT="$(mkdir -p "$2" && cd "$2" && pwd)"
MULTIARCH="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
ARCH="$(dpkg --print-architecture)"
# Debian's usual variables name the maintainer, as for dch.
MAINTAINER="${DEBFULLNAME:-wirebook maintainers} <${DEBEMAIL:-wirebook@example.com}>"

log() { printf '[package] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# meson_option NAME: a build option's value from the tree's introspection.
meson_option() {
  meson introspect --buildoptions "$BUILD" |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]))' "$1"
}

project_version() {
  meson introspect --projectinfo "$BUILD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'
}

# stage ROOT: install the tree and move its prefix to /usr. Nothing in the
# binaries depends on the prefix (no compiled-in paths; meson drops build
# rpaths on install); only the pkg-config file names it, rewritten below.
stage() {
  local root="$1" prefix staged
  prefix="$(meson_option prefix)"
  staged="$WORK/staged"
  meson install -C "$BUILD" --no-rebuild --quiet --destdir "$staged" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; die "meson install failed"; }
  mkdir -p "$root/usr"
  cp -a "$staged$prefix/." "$root/usr/"
  # The packaged config replaces meson's copies (sysconfdir is /etc for the
  # /usr prefix, <prefix>/etc otherwise).
  rm -rf "$root/usr/etc"
  sed -i "s|^prefix=.*|prefix=/usr|" "$root"/usr/lib/"$MULTIARCH"/pkgconfig/wirebook.pc
  [[ -x "$root/usr/bin/wirebookd" && -x "$root/usr/bin/wirebook" ]] ||
    die "$BUILD did not install wirebookd and wirebook (built with daemon/ and tools/?)"
}

# Units in /lib/systemd/system: Debian 12 ships units there (usrmerge moratorium).
install_units() {
  local root="$1"
  mkdir -p "$root/lib/systemd/system"
  rm -rf "$root/usr/lib/systemd"
  install -m 0644 "$SRC"/tools/systemd/*.service "$root/lib/systemd/system/"
  install -D -m 0644 "$HERE/sysusers.conf" "$root/usr/lib/sysusers.d/wirebook.conf"
  install -D -m 0644 "$HERE/tmpfiles.conf" "$root/usr/lib/tmpfiles.d/wirebook.conf"
}

# The example config: the production one with segments in the unit's
# RuntimeDirectory, where readers in the wirebook group find them.
install_config() {
  local root="$1" conf="$1/etc/wirebook/wirebook.toml"
  mkdir -p "$root/etc/wirebook"
  sed 's|^shm_dir = .*|shm_dir = "/run/wirebook"          # segments in /run/wirebook/prod/ (the unit'"'"'s RuntimeDirectory)|' \
    "$SRC/config/wirebook.toml" >"$conf"
  chmod 0644 "$conf"
  grep -q '^shm_dir = "/run/wirebook"' "$conf" || die "could not set shm_dir in the packaged config"
}

# The Python reader, pure Python: ctypes finds libwirebook_reader.so.1 through
# the ldconfig cache (ctypes.util.find_library), which the ldconfig trigger fills.
install_python() {
  local root="$1" dest="$1/usr/lib/python3/dist-packages/wirebook"
  mkdir -p "$dest"
  install -m 0644 "$SRC"/python/wirebook/*.py "$dest/"
}

install_docs() {
  local root="$1" version="$2" doc="$1/usr/share/doc/wirebook"
  mkdir -p "$doc/examples"
  install -m 0644 "$SRC/README.md" "$doc/README.md"
  install -m 0644 "$SRC/python/README.md" "$doc/README.python.md"
  install -m 0644 "$HERE/copyright" "$doc/copyright"
  install -m 0644 "$SRC/config/demo.toml" "$SRC/examples/c/read_book.c" \
    "$SRC/examples/python/best_bid_ask.py" "$doc/examples/"
  changelog "$version" | gzip -9n >"$doc/changelog.Debian.gz"
  install -D -m 0644 "$HERE/lintian-overrides" "$root/usr/share/lintian/overrides/wirebook"
  chmod 0644 "$doc/changelog.Debian.gz"
  mkdir -p "$root/usr/share/man/man1" "$root/usr/share/man/man8"
  gzip -9n <"$HERE/wirebook.1" >"$root/usr/share/man/man1/wirebook.1.gz"
  gzip -9n <"$HERE/wirebookd.8" >"$root/usr/share/man/man8/wirebookd.8.gz"
  chmod 0644 "$root"/usr/share/man/man*/*.gz
}

changelog() {
  local date
  # The last commit's date: the same tree gives the same package.
  date="$(git -C "$SRC" log -1 --format=%aD 2>/dev/null || date -R)"
  cat <<EOF
wirebook ($1) unstable; urgency=medium

  * Built from the wirebook source tree by tools/dev package.

 -- $MAINTAINER  $date
EOF
}

# As dh_strip: no debug sections in the package (the build tree keeps them).
# strip_elf ROOT
strip_elf() {
  local root="$1" f
  while IFS= read -r -d '' f; do
    if [[ "$(head -c 4 "$f")" == $'\177ELF' ]]; then
      strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
    fi
  done < <(find "$root/usr" -type f \( -perm -u+x -o -name '*.so*' \) -print0)
  # Shared libraries are not programs (Debian policy 8.1, as dh_fixperms).
  find "$root/usr/lib" -type f -name '*.so*' -exec chmod 0644 {} +
}

# Depends from the ELF files' real shared-library needs (dpkg-shlibdeps wants a
# debian/control beside it), plus the interpreters the package's scripts use.
depends() {
  local root="$1" shlibs
  shlibs="$(cd "$WORK/shlibdeps" && dpkg-shlibdeps -O -l"$root/usr/lib/$MULTIARCH" \
    "$root/usr/bin/wirebookd" "$root/usr/bin/wirebook" "$root"/usr/lib/"$MULTIARCH"/libwirebook_reader.so.*.* 2>"$WORK/shlibdeps.log")" ||
    { cat "$WORK/shlibdeps.log" >&2; die "dpkg-shlibdeps failed"; }
  shlibs="${shlibs#shlibs:Depends=}"
  printf '%s, python3\n' "$shlibs"
}

# dpkg-shlibdeps and dpkg-gensymbols want a source package around them.
fake_debian_dir() {
  mkdir -p "$WORK/shlibdeps/debian"
  printf 'Source: wirebook\n\nPackage: wirebook\nArchitecture: any\n' >"$WORK/shlibdeps/debian/control"
  cp "$HERE/symbols" "$WORK/shlibdeps/debian/symbols"
}

# DEBIAN/symbols from the committed baseline: -c1 fails when a symbol is gone.
symbols_file() {
  local root="$1" version="$2"
  (cd "$WORK/shlibdeps" && dpkg-gensymbols -q -c1 -pwirebook -v"$version" -P"$root" \
    -e"$root"/usr/lib/"$MULTIARCH"/libwirebook_reader.so.*.* -O"$root/DEBIAN/symbols") ||
    die "dpkg-gensymbols: the reader library's symbols differ from tools/debian/symbols"
}

control_files() {
  local root="$1" version="$2" size
  mkdir -p "$root/DEBIAN"
  install -m 0755 "$HERE/postinst" "$HERE/prerm" "$HERE/postrm" "$root/DEBIAN/"
  printf '/etc/wirebook/wirebook.toml\n' >"$root/DEBIAN/conffiles"
  printf 'activate-noawait ldconfig\n' >"$root/DEBIAN/triggers"
  printf 'libwirebook_reader 1 wirebook (>= %s)\n' "${version%-*}" >"$root/DEBIAN/shlibs"
  fake_debian_dir
  symbols_file "$root" "$version"
  size="$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
  cat >"$root/DEBIAN/control" <<EOF
Package: wirebook
Version: $version
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $size
Depends: $(depends "$root")
Section: net
Priority: optional
Description: low-latency market-data feed handler with shared-memory order books
 wirebookd keeps exact L2 order books for crypto venues, rebuilt from
 snapshots plus deltas with strict per-venue chain checks, and publishes them
 into lock-free shared memory (/run/wirebook) that local processes in the
 wirebook group read without locks or system calls.
 .
 This package holds the daemon and its systemd unit, the wirebook command
 (dump, status, tail, top, NATS bridge and mirror, replay, simulator), the
 reader library libwirebook_reader.so.1 with its C and C++ headers and
 pkg-config file, and the Python reader package.
 .
 The service is not started on installation: review
 /etc/wirebook/wirebook.toml, then systemctl enable --now wirebookd.
EOF
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root"/DEBIAN/{control,conffiles,triggers,shlibs,symbols,md5sums}
}

main() {
  local version root deb
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/wirebook-deb-XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  version="$(project_version)-1"
  root="$WORK/root"
  umask 0022
  stage "$root"
  install_units "$root"
  install_config "$root"
  install_python "$root"
  install_docs "$root" "$version"
  strip_elf "$root"
  control_files "$root" "$version"
  deb="$OUT/wirebook_${version}_${ARCH}.deb"
  dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >/dev/null
  log "built $deb ($(du -h "$deb" | cut -f1))"
  echo "$deb"
}

main
