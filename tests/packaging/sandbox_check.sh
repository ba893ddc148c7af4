# Sourced by systemd_boot.sh: check_sandbox runs tests/programs/sandbox_probe
# under profbufd-probe.service, a copy of the installed profbufd.service whose
# only changes make it a one-shot of the probe: every sandbox setting is the
# unit's own. The same probe run as root in the container, outside the unit, is
# the control: each probe whose answer is checked must answer differently
# there, or the check could not fail.

# Probe results under the unit, and what root in the container sees instead.
sandbox_expect='process_vm_readv=EPERM ptrace=EPERM write_etc=EROFS write_proc_comm=EROFS stat_dev_tun=ENOENT'
control_expect='process_vm_readv=OK ptrace=ESRCH write_etc=OK write_proc_comm=OK stat_dev_tun=OK'
# Allowed under the unit: bpf(2) and perf_event_open(2) reach the kernel's
# argument checks, and the StateDirectory= is writable.
allowed_expect='bpf=EINVAL perf_event_open=EFAULT write_state_dir=OK'

probe_unit() {
  sed -e 's#^ExecStart=.*#ExecStart=/usr/local/bin/sandbox_probe#' \
    -e 's#^Type=notify#Type=oneshot#' \
    -e '/^ExecReload=/d; /^NotifyAccess=/d; /^Restart=/d; /^RestartSec=/d' \
    -e 's#^\[Service\]#[Service]\nStandardOutput=truncate:/run/sandbox-probe.out#' \
    "$root/lib/systemd/system/profbufd.service" >"$root/etc/systemd/system/profbufd-probe.service"
}

# Every NAME=RESULT word of $1 is a line of file $2; prints the first that is not.
all_lines_in() {
  for want in $1; do
    grep -qx "$want" "$2" || {
      echo "want $want, got $(grep "^${want%%=*}=" "$2")"
      return 1
    }
  done
}

check_sandbox() {
  cp "$probe" "$root/usr/local/bin/sandbox_probe" || return
  probe_unit
  in_container systemctl daemon-reload
  if ! in_container systemctl start profbufd-probe >"$scratch/probe.err" 2>&1; then
    fail "sandbox" "profbufd-probe.service: $(cat "$scratch/probe.err")"
    return
  fi
  in_container cat /run/sandbox-probe.out >"$scratch/probe.out"
  in_container /usr/local/bin/sandbox_probe /tmp >"$scratch/control.out"
  if ! why=$(all_lines_in "$control_expect" "$scratch/control.out"); then
    fail "sandbox: control, root outside the unit" "$why"
  elif ! why=$(all_lines_in "$sandbox_expect $allowed_expect" "$scratch/probe.out"); then
    fail "sandbox: under the unit" "$why"
  elif ! grep -qx "CapEff:.$unit_caps" "$scratch/probe.out" ||
    ! grep -qx 'NoNewPrivs:.1' "$scratch/probe.out"; then
    fail "sandbox: under the unit" "$(grep -E '^(CapEff|NoNewPrivs)' "$scratch/probe.out" | tr '\n' ' ')"
  else
    pass "sandbox: denied under the unit, allowed to root outside it: $sandbox_expect"
    pass "sandbox: allowed under the unit: $allowed_expect, CapEff=$unit_caps"
  fi
}
