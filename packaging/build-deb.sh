#!/bin/sh
# Builds the profbufd Debian package from an already built binary.
#
#   packaging/build-deb.sh VERSION BINARY OUT.deb
#
# Run from the top of the repository (packaging/deb.mk does). Stages the files
# in a debhelper-style tree, build/deb/debian/profbufd, so that dpkg-shlibdeps
# and dpkg-gencontrol work on it unchanged, then packs it with dpkg-deb with
# every file owned by root. Nothing here needs root.
#
# Invariants: the package version is VERSION, and it must equal the newest
# entry of packaging/debian/changelog (so that a version bump cannot ship
# without a changelog entry); Depends comes from the binary's real shared
# libraries (dpkg-shlibdeps), never from a hand-kept list.
set -eu

if [ $# -ne 3 ]; then
  echo "usage: $0 VERSION BINARY OUT.deb" >&2
  exit 2
fi
version=$1
binary=$2
out=$3

fail() {
  echo "profbufd: make deb: $*" >&2
  exit 1
}

[ -x "$binary" ] || fail "$binary: not built (run make first)"
changelog_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
[ "$changelog_version" = "$version" ] ||
  fail "packaging/debian/changelog is at $changelog_version, the Makefile at $version (add a changelog entry: dch -v $version)"

# Reproducible: every timestamp (gzip, dpkg-deb) is the changelog's date.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l packaging/debian/changelog -S Timestamp)
export SOURCE_DATE_EPOCH

work=$(dirname "$out")/deb
root=$work/debian/profbufd
rm -rf "$work"
mkdir -p "$root/DEBIAN" "$root/usr/sbin" "$root/lib/systemd/system" \
  "$root/etc/default" "$root/etc/profbufd" "$root/usr/share/man/man8" \
  "$root/usr/share/doc/profbufd"

# --strip-unneeded keeps the GNU build ID (a note section other than .note),
# so debuginfod and Parca can still match the binary with its debug info.
cp "$binary" "$root/usr/sbin/profbufd"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$root/usr/sbin/profbufd"

cp systemd/profbufd.service "$root/lib/systemd/system/profbufd.service"
cp packaging/default "$root/etc/default/profbufd"
cp packaging/profbufd.conf "$root/etc/profbufd/profbufd.conf"
gzip -9n <packaging/profbufd.8 >"$root/usr/share/man/man8/profbufd.8.gz"
cp packaging/copyright "$root/usr/share/doc/profbufd/copyright"
# The version has no Debian revision, so the package is native, and a native
# package's Debian changelog is installed as changelog.gz (Policy 12.7).
gzip -9n <packaging/debian/changelog >"$root/usr/share/doc/profbufd/changelog.gz"
for script in postinst prerm postrm; do
  cp "packaging/$script" "$root/DEBIAN/$script"
done

# Every file under /etc is a conffile: dpkg keeps the admin's edits on upgrade.
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"

# The umask of whoever runs make must not leak into the package.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/sbin/profbufd" "$root/DEBIAN/postinst" \
  "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' |
  LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"

# dpkg-shlibdeps and dpkg-gencontrol read debian/control and debian/changelog
# relative to the current directory.
cp packaging/debian/control packaging/debian/changelog "$work/debian/"
(
  cd "$work"
  dpkg-shlibdeps -Tdebian/profbufd.substvars debian/profbufd/usr/sbin/profbufd
  dpkg-gencontrol -pprofbufd -Pdebian/profbufd -Tdebian/profbufd.substvars \
    -Vmisc:Depends=
)

dpkg-deb --root-owner-group -Zxz --build "$root" "$out.tmp" >/dev/null
mv "$out.tmp" "$out"
echo "built $out"
