# Sourced by systemd_boot.sh: a Debian 12 root file system, cached under the
# build directory, booted with systemd as PID 1 in systemd-nspawn.
#
#   nspawn_missing                  why the container cannot run here, or ""
#   nspawn_root_cache BUILD DEB     prints the cached root, (re)building it
#   boot_container CACHE BUILD      boots a copy; sets root, scratch, container_pid
#   in_container CMD...             runs CMD in all the container's namespaces
#   in_container_net CMD...         runs the host's CMD in its network only

nspawn_missing() {
  [ "$(id -u)" = 0 ] || { echo "not root (run: sudo make test)"; return; }
  [ -r /sys/kernel/btf/vmlinux ] || { echo "kernel has no BTF (/sys/kernel/btf/vmlinux)"; return; }
  for tool in systemd-nspawn debootstrap nsenter curl; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "$tool is missing (make deps installs systemd-container, debootstrap)"
      return
    }
  done
}

# The first Debian mirror in apt's sources, else deb.debian.org.
debian_mirror() {
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n 's#^URIs:[[:space:]]*\(http[^[:space:]]*/debian\)/*$#\1#p' | head -1)
  [ -n "$m" ] || m=$(sed -n 's#^deb[[:space:]]\+\(http[^[:space:]]*/debian\)/*[[:space:]]\+bookworm[[:space:]].*#\1#p' \
    /etc/apt/sources.list 2>/dev/null | head -1)
  echo "${m:-http://deb.debian.org/debian}"
}

# The package names in the .deb's Depends: and Recommends:, first alternatives,
# without versions, one line.
deb_dependencies() {
  dpkg-deb -f "$1" Depends Recommends | sed 's/^[A-Za-z-]*://' | tr ',' '\n' |
    sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' | sort -u | tr '\n' ' '
}

# Builds BUILD/nspawn-root/root unless its stamp matches: the root is
# debootstrap's minbase of bookworm with systemd and dbus, and the package's
# dependencies installed, so that the test installs the .deb offline.
nspawn_root_cache() {
  cache=$1/nspawn-root
  deps=$(deb_dependencies "$2")
  key="bookworm minbase systemd,systemd-sysv,dbus; $deps"
  if [ -d "$cache/root" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$key" ]; then
    echo "$cache/root"
    return 0
  fi
  rm -rf "$cache" "$cache.tmp" && mkdir -p "$cache.tmp" || return 1
  log=$1/nspawn-root.log
  mirror=$(debian_mirror)
  if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm \
    "$cache.tmp/root" "$mirror" >"$log" 2>&1; then
    echo "debootstrap from $mirror failed: $(tail -3 "$log" | tr '\n' ' ') (log: $log)"
    return 1
  fi
  # shellcheck disable=SC2086 # $deps is a list of package names
  if ! chroot "$cache.tmp/root" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $deps && apt-get clean" >>"$log" 2>&1; then
    echo "installing $deps in the root failed: $(tail -3 "$log" | tr '\n' ' ') (log: $log)"
    return 1
  fi
  echo "$key" >"$cache.tmp/stamp"
  mv "$cache.tmp" "$cache" && echo "$cache/root"
}

# Stops the container (SIGTERM makes nspawn shut systemd down) and removes the copy.
stop_container() {
  if [ -n "${nspawn_pid:-}" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null
    for _ in $(seq 1 40); do
      kill -0 "$nspawn_pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$nspawn_pid" 2>/dev/null
    wait "$nspawn_pid" 2>/dev/null
  fi
  [ -n "${scratch:-}" ] && rm -rf "$scratch"
}

# Boots a copy of the cached root ($1) in a scratch directory under $2, with
# nspawn's own seccomp filter letting bpf and perf_event_open through and all
# capabilities kept, as a profiler's host needs; no network but loopback.
boot_container() {
  scratch=$(mktemp -d "$2/nspawn-run.XXXXXX") || return 1
  trap stop_container EXIT
  trap 'exit 130' INT TERM
  root=$scratch/root
  cp -a "$1" "$root" || return 1
  systemd-nspawn -q --register=no --keep-unit --private-network \
    --capability=all --system-call-filter='bpf perf_event_open' \
    -D "$root" -b --console=pipe </dev/null >"$scratch/nspawn.out" 2>&1 &
  nspawn_pid=$!
  for _ in $(seq 1 100); do
    container_pid=$(pgrep -P "$nspawn_pid" -x systemd | head -1)
    [ -n "$container_pid" ] && return 0
    kill -0 "$nspawn_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

in_container() { nsenter -t "$container_pid" -a "$@"; }
in_container_net() { nsenter -t "$container_pid" -n "$@"; }
