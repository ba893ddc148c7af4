"""Runs one profiler under measurement: the process plumbing of the benchmark.

Stage diagram of one measured run (run.py drives it):

    bench_workload (all CPUs, long-lived) --mark--> [profiler started .. reaped] --mark-->
                                                     |                          |
                                  ProcMonitor polls /proc/PID: VmRSS, BPF fdinfo counters
                                                     |
                                  rusage_exec's wait4: user+sys and ru_maxrss, whole life

The profiler's CPU and peak RSS come from the kernel's own accounting of the
process (wait4, done by tests/programs/rusage_exec, which says why), so start-up
and output are included, as the issue defines it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import parsers


BPF_PROG_TYPE_PERF_EVENT = 7  # include/uapi/linux/bpf.h


def log(msg: str) -> None:
    print(f"bench-overhead: {msg}", file=sys.stderr, flush=True)


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, as the report gives them."""
    return " ".join(f"{v:.2f}" for v in parsers.parse_loadavg(Path("/proc/loadavg").read_text()))


class BenchError(Exception):
    """An expected failure (tool missing, tool failed): reported as one line."""


def read_text(path: Path) -> Optional[str]:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None  # the process is gone, or the fd closed between listdir and read


class SysctlGuard:
    """Sets a sysctl (value given) for the duration of a with-block, or only
    watches it (value None), and puts the old value back on exit, also when the
    benchmark is interrupted. The kernel itself lowers
    kernel.perf_event_max_sample_rate when sampling interrupts run long; the
    benchmark leaves the machine as it found it."""

    def __init__(self, name: str, value: Optional[str] = None, proc_sys: Path = Path("/proc/sys")):
        self.path = proc_sys / name.replace(".", "/")
        self.value = value
        self.old: Optional[str] = None

    def __enter__(self) -> "SysctlGuard":
        self.old = self.path.read_text().strip()
        if self.value is not None and self.old != self.value:
            self.path.write_text(self.value)
        return self

    def changed_to(self) -> Optional[str]:
        """The current value when it differs from what was set or found."""
        now = self.path.read_text().strip()
        return now if now != (self.value if self.value is not None else self.old) else None

    def __exit__(self, *exc) -> None:
        if self.old is not None and self.path.read_text().strip() != self.old:
            self.path.write_text(self.old)


class Workload:
    """bench_workload --marks: a CPU-bound workload that reports its progress on
    request, so throughput is measured over exactly a profiler's lifetime."""

    def __init__(self, binary: Path, threads: int):
        self.proc = subprocess.Popen(
            [str(binary), "--threads", str(threads), "--marks"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        first = self.proc.stdout.readline()
        if not first:
            raise BenchError(f"{binary} exited before it started (exit {self.proc.wait()})")
        self.pid = parsers.parse_pid_line(first)

    def mark(self) -> parsers.Mark:
        try:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise BenchError(f"bench_workload died (exit {self.proc.wait()})")
        return parsers.parse_mark(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.stdout.read()
            self.proc.wait()


class ProcMonitor(threading.Thread):
    """Polls a running process: its VmRSS (every poll) and the run counters of
    the BPF programs it holds fds to (/proc/PID/fdinfo). A program's counters
    start at zero when it is loaded (the benchmark enables bpf_stats before it
    starts the profiler), so the last reading is its total up to that moment;
    run time per sample is a ratio, which a final reading a poll before exit
    does not bias."""

    def __init__(self, pid: int, interval_s: float, proc_root: Path = Path("/proc")):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.proc_root = proc_root
        self.start_time = time.monotonic()
        self.rss_kb: list[tuple[float, int]] = []
        self.hwm_kb: list[tuple[float, int]] = []  # VmHWM: peak RSS of the address space so far
        self.progs: dict[int, parsers.BpfProgStats] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.poll_once()
            self._stop_event.wait(self.interval_s)

    def poll_once(self) -> None:
        base = self.proc_root / str(self.pid)
        status = read_text(base / "status")
        if status is not None:
            now = time.monotonic() - self.start_time
            kb = parsers.parse_vmrss_kb(status)
            hwm = parsers.parse_status_kb(status, "VmHWM")
            if kb is not None:
                self.rss_kb.append((now, kb))
            if hwm is not None:
                self.hwm_kb.append((now, hwm))
        try:
            fds = os.listdir(base / "fdinfo")
        except OSError:
            return
        for fd in fds:
            text = read_text(base / "fdinfo" / fd)
            if text is None or "prog_type" not in text:
                continue
            prog = parsers.parse_fdinfo_prog(text)
            if prog is not None:
                self.progs[prog.prog_id] = prog

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    # Only the sampling programs count: profbufd's process-event programs
    # (tracepoints on exec and exit) run far less often, and far more cheaply,
    # and would dilute the per-sample figure.
    def _sampling(self) -> list[parsers.BpfProgStats]:
        return [p for p in self.progs.values() if p.prog_type == BPF_PROG_TYPE_PERF_EVENT]

    def bpf_runs(self) -> int:
        return sum(p.run_cnt for p in self._sampling())

    def bpf_ns_per_run(self) -> Optional[float]:
        runs = self.bpf_runs()
        if runs == 0:
            return None
        return sum(p.run_time_ns for p in self._sampling()) / runs


@dataclass
class ProfilerRun:
    """What one profiler run cost and captured."""

    name: str
    freq: int
    cpu_s: float  # user + sys over the whole life (wait4)
    maxrss_kb: int
    wall_s: float
    sampling_s: float  # the time it was asked to sample (for the expected count)
    bpf_ns_per_sample: Optional[float]
    captured: int
    lost: int
    expected: int
    slowdown_pct: Optional[float] = None  # lost chains per wall second
    slowdown_cpu_pct: Optional[float] = None  # lost chains per workload CPU-second
    rss_series: list = field(default_factory=list)
    hwm_series: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    """What every measured run needs from the driver."""

    launcher: Path  # tests/programs/rusage_exec
    poll_s: float
    cpus: int


class Target:
    """The profiler process, started by rusage_exec: the benchmark signals it
    directly, and learns its end and its rusage from rusage_exec's report."""

    def __init__(self, pid: int, launcher: subprocess.Popen):
        self.pid = pid
        self.launcher = launcher

    def alive(self) -> bool:
        return self.launcher.poll() is None and Path(f"/proc/{self.pid}").exists()

    def send_signal(self, sig: int) -> None:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass


def _sigint_after(target: Target, attached: Callable[[], bool], duration_s: float, timeout_s: float) -> float:
    """Waits until the profiler says it is attached, lets it sample for
    duration_s, then sends SIGINT (how bpftrace is stopped by hand). Returns
    the sampling time actually given."""
    deadline = time.monotonic() + timeout_s
    while not attached():
        if not target.alive():
            raise BenchError("profiler exited before attaching")
        if time.monotonic() > deadline:
            target.send_signal(signal.SIGKILL)
            raise BenchError("profiler did not attach within the time-out")
        time.sleep(0.02)
    t0 = time.monotonic()
    time.sleep(duration_s)
    target.send_signal(signal.SIGINT)
    return time.monotonic() - t0


def run_measured(
    argv: list[str],
    workdir: Path,
    ctx: RunContext,
    stop: Optional[Callable[[Target], float]] = None,
    timeout_s: float = 600,
) -> dict:
    """Starts argv (through rusage_exec) with stdout/stderr into workdir,
    monitors it, and collects its wait4 usage. `stop`, if given, runs in this
    thread and ends the process (returns the sampling time it gave); otherwise
    the process ends by itself. A process still alive after timeout_s is
    killed and the run fails."""
    rfd, wfd = os.pipe()
    t0 = time.monotonic()
    try:
        with open(workdir / "stdout", "w") as out, open(workdir / "stderr", "w") as err:
            launcher = subprocess.Popen([str(ctx.launcher), "--report-fd", str(wfd), "--", *argv], stdout=out,
                                        stderr=err, stdin=subprocess.DEVNULL, cwd=workdir, pass_fds=(wfd,))
    except OSError as e:
        os.close(rfd)
        raise BenchError(f"cannot run {ctx.launcher}: {e.strerror}") from e
    finally:
        os.close(wfd)
    with os.fdopen(rfd) as report_pipe:
        first = report_pipe.readline()
        if not first:
            launcher.wait()
            tail = (read_text(workdir / "stderr") or "").strip()
            raise BenchError(f"cannot run {argv[0]}: {tail[-200:]}")
        target = Target(parsers.parse_pid_line(first), launcher)
        mon = ProcMonitor(target.pid, ctx.poll_s)
        mon.start()
        fired = threading.Event()

        def kill() -> None:
            fired.set()
            target.send_signal(signal.SIGKILL)

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        sampled = None
        try:
            if stop is not None:
                sampled = stop(target)
            rest = report_pipe.read()  # until rusage_exec exits: the profiler has ended
        finally:
            timer.cancel()
            mon.stop()
            launcher.wait()
    wall = time.monotonic() - t0
    if fired.is_set():
        raise BenchError(f"{Path(argv[0]).name} did not exit within {timeout_s:.0f} s (killed)")
    usage = parsers.parse_rusage_report(first + rest)
    code = os.waitstatus_to_exitcode(usage.wait_status)
    if code != 0:
        tail = (read_text(workdir / "stderr") or "").strip().splitlines()[-3:]
        raise BenchError(f"{Path(argv[0]).name} exited {code}: {' / '.join(tail)}")
    return {"cpu_s": usage.cpu_s, "maxrss_kb": usage.maxrss_kb, "wall_s": wall, "sampled_s": sampled,
            "monitor": mon}
