#!/bin/sh
# Tests of the systemd unit and the Debian package, with the real tools.
#
#   tests/packaging/run.sh [BUILD_DIR [VERSION]]     (defaults: build, the Makefile's)
#
# Needs BUILD_DIR/profbufd_<VERSION>_<arch>.deb (make deb). Checks:
#   unit      systemd-analyze verify is clean; systemd-analyze security
#             --offline=true scores at most 3.0; a broken copy of the unit is
#             rejected (so the verify check can fail at all)
#   package   control fields, file list, conffiles, stripped binary with its
#             build ID, lintian without errors (warnings are printed)
#   install   dpkg --root into a scratch chroot: the installed profbufd
#             --version, the maintainer scripts (enable but no start in a
#             chroot; restart on upgrade under systemd; stop on remove; purge
#             deletes the profiles), conffile kept across upgrade
#
# Prints one line per check and last "packaging: N passed, N failed"; exits 1 if
# any failed. The install checks need root (dpkg chroots into the scratch tree
# to run the maintainer scripts); without root they are skipped with the
# reason, unless CI=true or PROFBUFD_REQUIRE_BPF=1, which turn a skip into a
# failure, as for the end-to-end tests.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${1:-build}
version=${2:-$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)}
arch=$(dpkg --print-architecture)
deb=$build/profbufd_${version}_${arch}.deb
unit=systemd/profbufd.service
max_exposure=3.0

passed=0
failed=0
scratch=$(mktemp -d /tmp/profbufd-packaging.XXXXXX) || exit 1
trap 'rm -rf "$scratch"' EXIT

pass() {
  passed=$((passed + 1))
  echo "PASS: $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1: $2"
}
# A check that cannot run here: a failure in CI, a skip elsewhere.
skip() {
  if [ "${CI:-}" = true ] || [ "${PROFBUFD_REQUIRE_BPF:-}" = 1 ]; then
    fail "$1" "cannot run: $2 (CI=true makes this a failure)"
  else
    echo "SKIP: $1: $2"
  fi
}
need_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || return 1
  done
}

# --- the unit -------------------------------------------------------------------

# verify checks that ExecStart's binary exists and that the man page in
# Documentation= is found, so it runs on a copy whose ExecStart names the
# binary as the package installs it, with MANPATH at the package's man pages.
# $1: the unit, $2: the installed tree (usr/sbin/profbufd, usr/share/man).
# Clean means exit status 0 and nothing printed.
verify_unit() {
  mkdir -p "$scratch/verify"
  sed "s#^ExecStart=/usr/sbin/profbufd #ExecStart=$2/usr/sbin/profbufd #" "$1" \
    >"$scratch/verify/profbufd.service"
  (cd "$scratch/verify" &&
    MANPATH="$2/usr/share/man" systemd-analyze verify ./profbufd.service) \
    >"$scratch/verify.out" 2>&1
  status=$?
  [ $status -eq 0 ] && [ ! -s "$scratch/verify.out" ]
}

check_unit() {
  if ! need_tools systemd-analyze; then
    fail "unit" "systemd-analyze is missing (package systemd)"
    return
  fi
  # The installed tree comes from the package itself, so that verify sees the
  # files as installed; it does not need root.
  tree=$scratch/extracted
  if ! dpkg-deb -x "$deb" "$tree" 2>"$scratch/x.err"; then
    fail "unit: verify" "dpkg-deb -x $deb: $(cat "$scratch/x.err")"
  elif verify_unit "$unit" "$tree"; then
    pass "unit: systemd-analyze verify $unit is clean"
  else
    fail "unit: systemd-analyze verify $unit" "$(cat "$scratch/verify.out")"
  fi

  # Negative control: the same check must reject a unit with an unknown key and
  # a binary that does not exist, else the check above proves nothing.
  sed -e 's#^ExecStart=/usr/sbin/profbufd #ExecStart=/usr/sbin/profbufd-missing #' \
    -e 's#^Restart=on-failure#Restart=on-failure\nRestartt=always#' "$unit" \
    >"$scratch/broken.service"
  if [ -d "$tree" ] && ! verify_unit "$scratch/broken.service" "$tree"; then
    pass "unit: systemd-analyze verify rejects a broken copy"
  else
    fail "unit: systemd-analyze verify" "accepted a unit with a missing binary and an unknown key"
  fi

  systemd-analyze security --offline=true "$unit" >"$scratch/security.out" 2>&1
  status=$?
  score=$(sed -n 's/.*Overall exposure level for profbufd.service: \([0-9.]*\).*/\1/p' \
    "$scratch/security.out")
  if [ $status -ne 0 ] || [ -z "$score" ]; then
    fail "unit: systemd-analyze security" "exit $status: $(cat "$scratch/security.out")"
  elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
    pass "unit: systemd-analyze security --offline=true: exposure $score (at most $max_exposure)"
  else
    grep '✗' "$scratch/security.out"
    fail "unit: systemd-analyze security" "exposure $score is above $max_exposure"
  fi

  # The ambient set is what the daemon gets; the bounding set is the ceiling.
  # They must be the same list, or one of them grants or withholds by mistake.
  bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort)
  ambient=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr ' ' '\n' | sort)
  if [ -n "$bounding" ] && [ "$bounding" = "$ambient" ]; then
    pass "unit: ambient capabilities equal the bounding set"
  else
    fail "unit: capabilities" "CapabilityBoundingSet ($(echo "$bounding" | tr '\n' ' ')) differs from AmbientCapabilities ($(echo "$ambient" | tr '\n' ' '))"
  fi

  # Admins override the defaults through PROFBUFD_OPTS: it must come last, as
  # the last occurrence of a flag wins.
  # shellcheck disable=SC2016 # a literal $PROFBUFD_OPTS, expanded by systemd
  if grep -q '^ExecStart=/usr/sbin/profbufd .* \$PROFBUFD_OPTS$' "$unit" &&
    grep -q '^EnvironmentFile=-/etc/default/profbufd$' "$unit"; then
    pass "unit: ExecStart ends with \$PROFBUFD_OPTS from /etc/default/profbufd"
  else
    fail "unit: ExecStart" "must be /usr/sbin/profbufd ... \$PROFBUFD_OPTS, with EnvironmentFile=-/etc/default/profbufd"
  fi

  # systemctl reload: SIGHUP re-reads the --config file the unit names; the
  # shell's kill, as /bin/kill is not on a minimal Debian (systemd_boot.sh
  # reloads the unit under a real systemd).
  # shellcheck disable=SC2016 # literal ${PROFBUFD_CONFIG} and $$MAINPID, for systemd
  if grep -q "^ExecReload=/bin/sh -c 'kill -HUP \\\$\\\$MAINPID'\$" "$unit" &&
    grep -q '^ExecStart=/usr/sbin/profbufd .* --config \${PROFBUFD_CONFIG} ' "$unit" &&
    grep -q '^Environment=PROFBUFD_CONFIG=/etc/profbufd/profbufd.conf$' "$unit"; then
    pass "unit: ExecReload sends SIGHUP; --config is \$PROFBUFD_CONFIG (default /etc/profbufd/profbufd.conf)"
  else
    fail "unit: reload" "needs ExecReload=/bin/sh -c 'kill -HUP \$\$MAINPID' and --config \${PROFBUFD_CONFIG} with a default"
  fi
}

# The unit's capabilities must be enough: the packaged profbufd, run as an
# unprivileged uid (as DynamicUser= does) with exactly the unit's ambient
# capabilities and the packaged --config file, profiles the machine and
# symbolizes kernel frames (which needs CAP_SYSLOG for /proc/kallsyms). Needs
# root and a kernel with BTF.
check_capabilities() {
  if [ "$(id -u)" != 0 ]; then
    skip "unit: capabilities suffice" "setting capabilities for another uid needs root"
    return
  fi
  if [ ! -r /sys/kernel/btf/vmlinux ]; then
    skip "unit: capabilities suffice" "this kernel has no BTF (/sys/kernel/btf/vmlinux)"
    return
  fi
  if ! need_tools setpriv; then
    fail "unit: capabilities suffice" "setpriv is missing (package util-linux)"
    return
  fi
  # CAP_BPF CAP_PERFMON -> +bpf,+perfmon, the form setpriv takes.
  caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr 'A-Z ' 'a-z\n' |
    sed -n 's/^cap_/+/p' | paste -s -d, -)
  out=$scratch/caps-out
  mkdir -p "$out"
  chown 65534:65534 "$out"
  setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
    "$scratch/extracted/usr/sbin/profbufd" --duration 2s --format json --output "$out" \
    --config "$scratch/extracted/etc/profbufd/profbufd.conf" >"$scratch/caps.log" 2>&1
  status=$?
  if [ $status -ne 0 ]; then
    fail "unit: capabilities suffice" "profbufd with only $caps exited $status: $(cat "$scratch/caps.log")"
  elif ! cat "$out"/*.json | grep -q '"kind":"kernel","resolved":true'; then
    fail "unit: capabilities suffice" "with only $caps no kernel frame was symbolized"
  else
    pass "unit: profbufd as uid 65534 with only $caps profiles and symbolizes kernel frames"
  fi
}

# --- the package file -----------------------------------------------------------

check_package() {
  field() { dpkg-deb -f "$deb" "$1"; }
  if [ "$(field Package)" = profbufd ] && [ "$(field Version)" = "$version" ] &&
    [ "$(field Architecture)" = "$arch" ]; then
    pass "package: profbufd $version $arch"
  else
    fail "package: control" "got $(field Package) $(field Version) $(field Architecture)"
  fi

  # dpkg-shlibdeps computed Depends from the binary's libraries: at least libc
  # and libbpf must be there, each with a version.
  depends=$(field Depends)
  if echo "$depends" | grep -q 'libc6 (>= ' && echo "$depends" | grep -q 'libbpf1 (>= '; then
    pass "package: Depends from the shared libraries: $depends"
  else
    fail "package: Depends" "no versioned libc6 and libbpf1 in: $depends"
  fi

  dpkg-deb -c "$deb" | awk '{ print $1, $NF }' >"$scratch/contents"
  missing=
  for want in '-rwxr-xr-x ./usr/sbin/profbufd' \
    '-rw-r--r-- ./lib/systemd/system/profbufd.service' \
    '-rw-r--r-- ./usr/share/man/man8/profbufd.8.gz' \
    '-rw-r--r-- ./etc/default/profbufd' \
    '-rw-r--r-- ./etc/profbufd/profbufd.conf' \
    '-rw-r--r-- ./usr/share/doc/profbufd/copyright' \
    '-rw-r--r-- ./usr/share/doc/profbufd/changelog.gz'; do
    grep -qxF -- "$want" "$scratch/contents" || missing="$missing [$want]"
  done
  if [ -z "$missing" ]; then
    pass "package: binary, unit, man page, defaults, settings file, copyright, changelog"
  else
    fail "package: contents" "missing$missing"
  fi
  if dpkg-deb -c "$deb" | awk '{ print $2 }' | grep -vqx root/root; then
    fail "package: ownership" "files not owned by root/root"
  else
    pass "package: every file owned by root/root"
  fi

  mkdir -p "$scratch/control"
  dpkg-deb -e "$deb" "$scratch/control"
  conffiles=$(printf '%s\n' /etc/default/profbufd /etc/profbufd/profbufd.conf)
  if [ "$(cat "$scratch/control/conffiles" 2>/dev/null)" = "$conffiles" ]; then
    pass "package: /etc/default/profbufd and /etc/profbufd/profbufd.conf are conffiles"
  else
    fail "package: conffiles" "expected $conffiles, got: $(cat "$scratch/control/conffiles" 2>&1)"
  fi

  mkdir -p "$scratch/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$scratch/x" ./usr/sbin/profbufd
  sections=$(readelf -SW "$scratch/x/usr/sbin/profbufd")
  if echo "$sections" | grep -q ' \.symtab ' || echo "$sections" | grep -q ' \.debug_'; then
    fail "package: binary" "not stripped"
  elif ! echo "$sections" | grep -q ' \.note\.gnu\.build-id '; then
    fail "package: binary" "the GNU build ID note was stripped"
  else
    pass "package: binary stripped, build ID kept"
  fi

  # The man page must render without groff warnings (lintian checks the same).
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$scratch/x" ./usr/share/man/man8/profbufd.8.gz
  if need_tools man; then
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
      "$scratch/x/usr/share/man/man8/profbufd.8.gz" 2>&1 >/dev/null)
    if [ -z "$warnings" ]; then
      pass "package: profbufd(8) renders without warnings"
    else
      fail "package: profbufd(8)" "$warnings"
    fi
  else
    skip "package: profbufd(8)" "man is missing (package man-db)"
  fi

  if ! need_tools lintian; then
    fail "package: lintian" "lintian is missing (make deps installs it)"
    return
  fi
  # --fail-on error: the exit status says whether there is an error; the
  # warnings are printed for the release note.
  lintian --fail-on error "$deb" >"$scratch/lintian.out" 2>&1
  status=$?
  grep -v 'running with root privileges is not recommended' "$scratch/lintian.out" |
    sed 's/^/  lintian: /'
  if [ $status -eq 0 ] && ! grep -q '^E: ' "$scratch/lintian.out"; then
    pass "package: lintian reports no errors ($(grep -c '^W: ' "$scratch/lintian.out") warnings)"
  else
    fail "package: lintian" "exit $status, $(grep -c '^E: ' "$scratch/lintian.out") errors"
  fi
}

# --- installing it ----------------------------------------------------------------

# A scratch root in which dpkg can run the maintainer scripts: a shell, rm, their
# libraries, an empty dpkg database, and logging stand-ins for
# deb-systemd-helper, deb-systemd-invoke and systemctl, which record how the
# scripts called them (the real ones would act on this machine's systemd).
make_root() {
  root=$1
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" \
    "$root/usr/bin" "$root/tmp"
  : >"$root/var/lib/dpkg/status"
  # The scripts redirect to /dev/null, as every chroot allows.
  mkdir -p "$root/dev"
  mknod -m 0666 "$root/dev/null" c 1 3 || return 1
  for program in /bin/sh /bin/rm; do
    real=$(readlink -f "$program")
    mkdir -p "$root$(dirname "$program")" "$root$(dirname "$real")"
    cp "$real" "$root$program"
    # Every library the program loads, the dynamic loader included.
    for lib in $(ldd "$real" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }'); do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
  for stub in deb-systemd-helper deb-systemd-invoke systemctl; do
    printf '#!/bin/sh\necho "%s $*" >>/stub.log\nexit 0\n' "$stub" >"$root/usr/bin/$stub"
    chmod 0755 "$root/usr/bin/$stub"
  done
}

# dpkg on the scratch root; the host's other packages are not there, so
# dependencies are not checked.
rdpkg() {
  dpkg --root="$root" --force-depends --log=/dev/null "$@" >"$scratch/dpkg.out" 2>&1 ||
    { cat "$scratch/dpkg.out"; return 1; }
}
stub_log_has() { grep -qxF "$1" "$root/stub.log"; }

check_install() {
  if [ "$(id -u)" != 0 ]; then
    skip "install" "dpkg --root runs the maintainer scripts in a chroot, which needs root"
    return
  fi
  root=$scratch/root
  if ! make_root "$root"; then
    fail "install" "could not build the scratch root $root"
    return
  fi

  # 1. First install in a chroot: no /run/systemd/system.
  if ! rdpkg -i "$deb"; then
    fail "install: dpkg --root -i" "$(cat "$scratch/dpkg.out")"
    return
  fi
  installed=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status} ${Version}' profbufd)
  if [ "$installed" = "installed $version" ]; then
    pass "install: dpkg --root -i: profbufd $version installed, postinst succeeded"
  else
    fail "install: dpkg status" "got '$installed'"
  fi

  got=$("$root/usr/sbin/profbufd" --version 2>&1)
  if [ "$got" = "profbufd $version" ]; then
    pass "install: installed profbufd --version prints '$got'"
  else
    fail "install: installed profbufd --version" "got '$got', want 'profbufd $version'"
  fi

  if stub_log_has "deb-systemd-helper enable profbufd.service" &&
    ! grep -q '^deb-systemd-invoke\|^systemctl' "$root/stub.log"; then
    pass "install: postinst enables the unit and starts nothing in a chroot"
  else
    fail "install: postinst in a chroot" "calls: $(tr '\n' ';' <"$root/stub.log")"
  fi

  # 2. Upgrade (same version again) on a booted systemd, with an edited
  # conffile: the edit is kept, the service restarted onto the new binary.
  mkdir -p "$root/run/systemd/system"
  echo 'PROFBUFD_OPTS="--frequency 49"' >"$root/etc/default/profbufd"
  : >"$root/stub.log"
  if ! rdpkg --force-confold -i "$deb"; then
    fail "install: upgrade" "$(cat "$scratch/dpkg.out")"
  else
    if stub_log_has "deb-systemd-invoke restart profbufd.service" &&
      stub_log_has "systemctl --system daemon-reload"; then
      pass "install: upgrade under systemd reloads and restarts the service"
    else
      fail "install: upgrade under systemd" "calls: $(tr '\n' ';' <"$root/stub.log")"
    fi
    if [ "$(cat "$root/etc/default/profbufd")" = 'PROFBUFD_OPTS="--frequency 49"' ]; then
      pass "install: an edited /etc/default/profbufd survives the upgrade"
    else
      fail "install: conffile" "the admin's /etc/default/profbufd was replaced"
    fi
  fi

  # 3. Remove: stopped, masked, the conffile stays.
  : >"$root/stub.log"
  if ! rdpkg -r profbufd; then
    fail "install: remove" "$(cat "$scratch/dpkg.out")"
  elif stub_log_has "deb-systemd-invoke stop profbufd.service" &&
    stub_log_has "deb-systemd-helper mask profbufd.service" &&
    [ ! -e "$root/usr/sbin/profbufd" ] && [ -f "$root/etc/default/profbufd" ]; then
    pass "install: remove stops and masks the service, keeps the conffile"
  else
    fail "install: remove" "calls: $(tr '\n' ';' <"$root/stub.log")"
  fi

  # 4. Purge: the profiles (DynamicUser= layout) and the conffile go too.
  mkdir -p "$root/var/lib/private/profbufd"
  : >"$root/var/lib/private/profbufd/profbufd-20260101T000000.000Z.pb.gz"
  ln -s private/profbufd "$root/var/lib/profbufd"
  : >"$root/stub.log"
  if ! rdpkg -P profbufd; then
    fail "install: purge" "$(cat "$scratch/dpkg.out")"
  elif stub_log_has "deb-systemd-helper purge profbufd.service" &&
    [ ! -e "$root/var/lib/private/profbufd" ] && [ ! -L "$root/var/lib/profbufd" ] &&
    [ ! -e "$root/etc/default/profbufd" ]; then
    pass "install: purge deletes the profiles, the conffile and the unit's state"
  else
    fail "install: purge" "calls: $(tr '\n' ';' <"$root/stub.log"); left: $(ls -d "$root"/var/lib/profbufd "$root"/var/lib/private/profbufd "$root"/etc/default/profbufd 2>/dev/null)"
  fi
}

# ---------------------------------------------------------------------------------

if ! need_tools dpkg dpkg-deb readelf; then
  fail "setup" "dpkg, dpkg-deb or readelf is missing"
elif [ ! -f "$deb" ]; then
  fail "setup" "$deb does not exist (run make deb)"
else
  check_unit
  check_capabilities
  check_package
  check_install
fi

echo "packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
