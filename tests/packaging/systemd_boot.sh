#!/bin/sh
# The Debian package under a real systemd: boots Debian 12 in systemd-nspawn
# with systemd as PID 1, installs the .deb there with apt-get, and checks the
# service as systemd runs it.
#
#   tests/packaging/systemd_boot.sh BUILD_DIR DEB PROBE
#
# BUILD_DIR/nspawn-root caches the root file system (debootstrap of bookworm
# with systemd, plus the package's dependencies), rebuilt when the package's
# dependencies change. Each run boots a copy of it, without network, so the
# install cannot fetch anything. PROBE is build/tests/programs/sandbox_probe.
#
# Checks, one PASS/FAIL line each:
#   boot        is-system-running says running, with no failed unit
#   install     apt-get install ./profbufd_*.deb starts the service
#   ready       Type=notify: active only after READY=1 (its STATUS= text shown)
#   identity    the main process runs as the DynamicUser, with exactly the
#               unit's capabilities, no_new_privs and a seccomp filter
#   metrics     /metrics answers on 127.0.0.1:6060 in the container
#   reload      systemctl reload re-reads the settings file, same process
#   stop        systemctl stop writes the last window, owned by the
#               DynamicUser, and ends with Result=success
#   sandbox     the unit's sandbox, with ExecStart replaced by PROBE, denies a
#               forbidden system call and forbidden paths that root in the
#               container is allowed (so every probe can fail)
#
# Needs root, systemd-nspawn (systemd-container), debootstrap and kernel BTF;
# without them it skips with the reason, unless CI=true or
# PROFBUFD_REQUIRE_BPF=1, which make a skip a failure.
set -u

build=${1:?usage: systemd_boot.sh BUILD_DIR DEB PROBE}
deb=${2:?usage: systemd_boot.sh BUILD_DIR DEB PROBE}
probe=${3:?usage: systemd_boot.sh BUILD_DIR DEB PROBE}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/nspawn.sh"

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "PASS: systemd: $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL: systemd: $1: $2"
}
finish() {
  echo "systemd boot: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# --- checks -------------------------------------------------------------------

# systemctl show -p NAME --value for the service ($1), property $2.
prop() { in_container systemctl show -p "$2" --value "$1"; }

check_boot() {
  # Until the container's systemd has its private bus socket, systemctl cannot
  # connect; then --wait waits out the boot.
  for _ in $(seq 1 120); do
    state=$(in_container timeout 90 systemctl is-system-running --wait 2>&1)
    case "$state" in *"Failed to connect to bus"*) sleep 0.5 ;; *) break ;; esac
  done
  failed_units=$(in_container systemctl --failed --no-legend --plain 2>&1)
  if [ "$state" = running ] && [ -z "$failed_units" ]; then
    pass "boot: systemd is PID 1 in the container and the system is running"
  else
    fail "boot" "is-system-running: '$state'; failed units: $failed_units"
    return 1
  fi
}

check_install() {
  cp "$deb" "$root/root/"
  name=$(basename "$deb")
  if in_container env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q "/root/$name" >"$scratch/apt.out" 2>&1 &&
    [ "$(prop profbufd ActiveState)" = active ]; then
    pass "install: apt-get install ./$name started profbufd.service"
  else
    fail "install" "$(tail -5 "$scratch/apt.out"); $(in_container journalctl -u profbufd --no-pager -n 5 2>&1)"
    return 1
  fi
}

check_ready() {
  type=$(prop profbufd Type)
  status=$(prop profbufd StatusText)
  started=$(prop profbufd ExecMainStartTimestampMonotonic)
  active=$(prop profbufd ActiveEnterTimestampMonotonic)
  case "$status" in
    "sampling "*" CPUs at 19 Hz"*)
      if [ "$type" = notify ] && [ "$active" -gt "$started" ]; then
        pass "ready: Type=notify, active $(((active - started) / 1000)) ms after exec, status '$status'"
        return
      fi
      ;;
  esac
  fail "ready" "Type=$type StatusText='$status' exec at $started, active at $active"
}

# The main process's /proc status, as "Key value" lines.
main_status() {
  pid=$(prop profbufd MainPID)
  in_container sh -c "grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$pid/status" |
    tr -s '\t' ' '
}

# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_SYSLOG (34), CAP_PERFMON (38),
# CAP_BPF (39), CAP_CHECKPOINT_RESTORE (40): the unit's CapabilityBoundingSet=.
unit_caps=000001c400080004

check_identity() {
  st=$(main_status)
  uid=$(echo "$st" | sed -n 's/^Uid: \([0-9]*\) .*/\1/p')
  # systemd's DynamicUser= range: 61184..65519.
  if [ -n "$uid" ] && [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] &&
    echo "$st" | grep -qx "CapEff: $unit_caps" &&
    echo "$st" | grep -qx "CapBnd: $unit_caps" &&
    echo "$st" | grep -qx "NoNewPrivs: 1" && echo "$st" | grep -qx "Seccomp: 2"; then
    dynamic_uid=$uid
    pass "identity: DynamicUser uid $uid, CapEff=CapBnd=$unit_caps, no_new_privs, seccomp"
  else
    fail "identity" "$(echo "$st" | tr '\n' ';')"
  fi
}

check_metrics() {
  out=$(in_container_net curl -sS -m 10 http://127.0.0.1:6060/metrics 2>&1)
  if echo "$out" | grep -q '^profbufd_samples_total[ {]'; then
    pass "metrics: /metrics served on 127.0.0.1:6060 ($(echo "$out" | grep -c '^profbufd_') profbufd_ lines)"
  else
    fail "metrics" "$(echo "$out" | head -3)"
  fi
}

check_reload() {
  before=$(prop profbufd MainPID)
  in_container sh -c 'echo "frequency = 29" >>/etc/profbufd/profbufd.conf'
  if ! in_container systemctl reload profbufd >"$scratch/reload.out" 2>&1; then
    fail "reload" "$(cat "$scratch/reload.out"); $(in_container journalctl -u profbufd --no-pager -n 3 2>&1)"
    return
  fi
  # ExecReload= returns once the signal is sent; the log line follows.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    line=$(in_container journalctl -u profbufd --no-pager -o cat | grep '^SIGHUP: ' | tail -1)
    [ -n "$line" ] && break
    sleep 0.5
  done
  after=$(prop profbufd MainPID)
  case "$line" in
    *29*)
      if [ "$before" = "$after" ]; then
        pass "reload: systemctl reload re-read the settings in pid $after: '$line'"
        return
      fi
      ;;
  esac
  fail "reload" "main pid $before -> $after; log: '$line'"
}

check_stop() {
  state_dir=$root/var/lib/private/profbufd
  if ! in_container systemctl stop profbufd >"$scratch/stop.out" 2>&1; then
    fail "stop" "$(cat "$scratch/stop.out")"
    return
  fi
  result=$(prop profbufd Result)
  code=$(prop profbufd ExecMainStatus)
  json=$(ls "$state_dir"/profbufd-*.json 2>/dev/null | tail -1)
  pb=$(ls "$state_dir"/profbufd-*.pb.gz 2>/dev/null | tail -1)
  owner=$( [ -n "$json" ] && stat -c %u "$json")
  if [ "$result" = success ] && [ "$code" = 0 ] && [ -n "$json" ] && [ -n "$pb" ] &&
    [ "$owner" = "${dynamic_uid:-}" ] && gzip -t "$pb" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d' "$json" 2>"$scratch/json.err"; then
    pass "stop: Result=success, exit 0, last window $(basename "$json") (+ .pb.gz) owned by uid $owner"
  else
    fail "stop" "Result=$result status=$code files: $(ls -ln "$state_dir" 2>&1 | tr '\n' ';') $(cat "$scratch/json.err" 2>/dev/null)"
  fi
}

. "$here/sandbox_check.sh"

# --- main -----------------------------------------------------------------------

why=$(nspawn_missing)
if [ -n "$why" ]; then
  if [ "${CI:-}" = true ] || [ "${PROFBUFD_REQUIRE_BPF:-}" = 1 ]; then
    fail "setup" "cannot run: $why (CI=true makes this a failure)"
  else
    echo "SKIP: systemd: $why"
  fi
  finish
fi
[ -f "$deb" ] || { fail "setup" "$deb does not exist (run make deb)"; finish; }
[ -x "$probe" ] || { fail "setup" "$probe does not exist (run make testprogs)"; finish; }

if ! cache=$(nspawn_root_cache "$build" "$deb"); then
  fail "setup" "building the root file system: $cache"
  finish
fi
if ! boot_container "$cache" "$build"; then
  fail "setup" "systemd-nspawn did not boot: $(tail -5 "$scratch/nspawn.out" 2>/dev/null)"
  finish
fi
if check_boot && check_install; then
  check_ready
  check_identity
  check_metrics
  check_reload
  check_stop
  check_sandbox
fi
finish
