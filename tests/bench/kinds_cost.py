#!/usr/bin/env python3
"""What the block, mutex and threadcreate kinds cost, beside the peer a user
would pick instead: `sudo make bench-kinds` (root).

For each kind, its dense workload (tests/programs/switch_storm.c: a
context-switch storm; lock_storm.c: four threads on one mutex;
threadcreate_workload --forks 0: threads created and joined one after
another) runs alone, under `profbufd --profiles cpu`, under
`--profiles cpu,<kind>` (and, for block and mutex, with the minimum at 0), and
under perf record on the tracepoint of equal coverage (and bpftrace for the
mutex kind, where it runs). The configurations run interleaved, --rounds
times; the table gives min-max over the rounds of:

- the workload's throughput;
- the kind's BPF programs' ns/run and runs (kernel.bpf_stats_enabled=1 for the
  run, put back after), diffed over the workload's run;
- the profiler's CPU time (utime+stime from /proc/PID/stat) over the workload's
  run (perf's whole life too: it writes and reads its file at the end);
- what the profiler lost: profbufd's *lost* counters of /metrics, diffed;
  perf's LOST records and LOST_SAMPLES (perf report --stats).

Printed, and written to build/bench-kinds.md. A benchmark, not a test: no
figure is judged, but a configuration that does not start fails the run.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ports import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent / "overhead"))
import parsers  # noqa: E402  (tests/bench/overhead: fdinfo and perf --stats parsers)
from runner import SysctlGuard, read_text  # noqa: E402

CHILDREN = []  # every process started, killed on the way out
THREADS = 20000  # threadcreate_workload's loop: ~2.5 s alone here

# The programs of each kind (bpf/<kind>.bpf.c), by the names bpftool shows.
PROGRAMS = {"block": ("on_switch", "on_sys_exit"), "mutex": ("on_sys_enter", "on_sys_exit"),
            "threadcreate": ("on_fork",)}
MIN_FLAG = {"block": "--block-min", "mutex": "--mutex-min"}


class BenchError(Exception):
    """A configuration that could not run: the run fails with this line."""


def fail(msg):
    sys.exit(f"kinds_cost.py: {msg}")


def spawn(argv, **kw):
    try:
        p = subprocess.Popen(argv, **kw)
    except OSError as e:
        raise BenchError(f"cannot run {argv[0]}: {e.strerror}") from e
    CHILDREN.append(p)
    return p


def kill_children():
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
            p.wait()


def cpu_s(pid):
    """utime+stime of a live process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- workloads: each runs once, between probe.begin() and probe.end() ---------

def timed_storm(argv, pattern, probe):
    """switch_storm and lock_storm: run their seconds, print '<N> <unit>/s'."""
    probe.begin()
    p = spawn(argv, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate()
    probe.end()
    m = re.search(pattern, out)
    if p.returncode != 0 or not m:
        raise BenchError(f"{Path(argv[0]).name} exited {p.returncode}: {out.strip()!r}")
    return float(m.group(1))


def thread_loop(build, probe):
    """threadcreate_workload: one round of THREADS creations; threads/s."""
    p = spawn([f"{build}/tests/programs/threadcreate_workload", "--threads", str(THREADS),
               "--forks", "0", "--seconds", "30"], stdout=subprocess.PIPE, text=True)
    try:
        if not p.stdout.readline().startswith("pid "):
            raise BenchError("threadcreate_workload did not start")
        probe.begin()
        p.send_signal(signal.SIGUSR1)
        words = p.stdout.readline().split()
        probe.end()
    finally:
        p.kill()
        p.wait()
    if len(words) != 5 or words[0] != "created":
        raise BenchError(f"threadcreate_workload: {' '.join(words)!r}")
    return int(words[1]) * 1e9 / int(words[4])


def run_workload(kind, build, seconds, probe):
    prog = f"{build}/tests/programs"
    if kind == "block":
        return timed_storm([f"{prog}/switch_storm", str(seconds)], r"(\d+) round trips/s", probe)
    if kind == "mutex":
        return timed_storm([f"{prog}/lock_storm", str(seconds), "4"], r"(\d+) locks/s", probe)
    return thread_loop(build, probe)


UNITS = {"block": "round trips/s", "mutex": "locks/s", "threadcreate": "threads/s"}


class NoProbe:
    """The workload alone: nothing to read."""

    def begin(self):
        pass

    def end(self):
        pass

    def figures(self):
        return {}


# --- profbufd ------------------------------------------------------------------

def wait_for_line(proc, path, word, what, timeout=60):
    """Polls a process's log file until a line holds `word`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = Path(path).read_text(errors="replace")
        if word in text:
            return
        if proc.poll() is not None:
            raise BenchError(f"{what} exited {proc.returncode}: {text.strip()[-300:]!r}")
        time.sleep(0.1)
    raise BenchError(f"{what} did not start within {timeout} s")


def loss_counters(port):
    """profbufd's *lost* counters (ringbuf losses included) and *too_short*
    ones (dropped by design, below the minimum), by series; stack_unavailable
    is a kept sample, not a lost one."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"(profbufd_\w*(?:lost|too_short)\w*(?:\{[^}]*\})?) (\S+)$", line)
        if m and "stack_unavailable" not in m.group(1):
            out[m.group(1)] = float(m.group(2))
    return out


def prog_counters(pid, names):
    """run_time_ns and run_cnt, summed by name, of the programs named `names`
    that process `pid` holds (bpftool shows no pids here: its ids come from
    the process's fdinfo). A kind loaded but not linked adds zero."""
    fdinfo = Path(f"/proc/{pid}/fdinfo")
    ids = set()
    for fd in os.listdir(fdinfo):
        text = read_text(fdinfo / fd) or ""  # None: the fd closed since the listing
        prog = parsers.parse_fdinfo_prog(text) if "prog_type" in text else None
        if prog is not None:
            ids.add(prog.prog_id)
    shown = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True,
                           check=True).stdout
    out = {n: [0, 0] for n in names}
    for p in json.loads(shown):
        if p["id"] in ids and p.get("name") in out:
            out[p["name"]][0] += p.get("run_time_ns", 0)
            out[p["name"]][1] += p.get("run_cnt", 0)
    return out


class Profbufd:
    """One daemon, with its figures read at the workload's start and end."""

    def __init__(self, build, profiles, extra, kind):
        self.port, self.names = free_port(), PROGRAMS[kind] if kind in profiles else ()
        self.dir = tempfile.mkdtemp(prefix="bench-kinds.")
        argv = [f"{build}/profbufd", "--profiles", profiles, "--output", self.dir,
                "--http-listen", f"127.0.0.1:{self.port}"] + extra
        self.log = f"{self.dir}/stderr"
        with open(self.log, "w") as err:
            self.proc = spawn(argv, stdout=subprocess.DEVNULL, stderr=err)
        wait_for_line(self.proc, self.log, "sampling", "profbufd " + " ".join(argv[1:]))
        time.sleep(1)  # past start-up's own work (symbols, threads already asleep)

    def snapshot(self):
        if self.proc.poll() is not None:
            raise BenchError(f"profbufd exited {self.proc.returncode} during the run")
        return (cpu_s(self.proc.pid), loss_counters(self.port),
                prog_counters(self.proc.pid, self.names))

    def begin(self):
        self.before = self.snapshot()

    def end(self):
        self.after = self.snapshot()

    def figures(self):
        (c0, l0, p0), (c1, l1, p1) = self.before, self.after
        diff = {k: v - l0.get(k, 0) for k, v in l1.items()}
        lost = {k: v for k, v in diff.items() if v and "lost" in k}
        short = sum(v for k, v in diff.items() if "too_short" in k)
        progs = {n: (p1[n][0] - p0[n][0], p1[n][1] - p0[n][1]) for n in self.names}
        return {"cpu": c1 - c0, "lost": lost, "short": short, "progs": progs}

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- peers ---------------------------------------------------------------------

# futex(2) ops that wait, as the mutex kind's (bpf/mutex.bpf.c), each with
# and without FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME (256): perf's
# filter lists them; bpftrace masks the flags (its 0.17 fails to load the
# program of the 20-term list on this kernel).
FUTEX_WAITS = [op | flags for op in (0, 6, 9, 11, 13) for flags in (0, 128, 256, 384)]
PERF_FUTEX_FILTER = " || ".join(f"op == {op}" for op in FUTEX_WAITS)
BPFTRACE_MUTEX = """
tracepoint:syscalls:sys_enter_futex /%s/ { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_futex /@start[tid]/ {
  if (nsecs - @start[tid] >= 10000) { @waits[ustack] = count(); }
  delete(@start[tid]);
}
""" % " || ".join(f"(args->op & 127) == {op}" for op in (0, 6, 9, 11, 13))  # flags masked

PERF_EVENTS = {"block": ["-e", "sched:sched_switch"],
               "mutex": ["-e", "syscalls:sys_enter_futex", "--filter", PERF_FUTEX_FILTER],
               "threadcreate": ["-e", "sched:sched_process_fork"]}


class Peer:
    """perf record or bpftrace, system-wide, stopped by SIGINT as by hand."""

    def __init__(self, argv, ready=None):
        self.dir = tempfile.mkdtemp(prefix="bench-kinds.")
        self.log = f"{self.dir}/stderr"
        with open(self.log, "w") as err:
            self.proc = spawn(argv, stdout=err, stderr=subprocess.STDOUT, cwd=self.dir)
        if ready:
            wait_for_line(self.proc, self.log, ready, Path(argv[0]).name)
        time.sleep(2)  # perf says nothing when its events are open: give it time
        if self.proc.poll() is not None:
            raise BenchError(f"{argv[0]} exited {self.proc.returncode}: "
                             f"{Path(self.log).read_text().strip()[-300:]!r}")

    def begin(self):
        self.cpu0 = cpu_s(self.proc.pid)

    def end(self):
        self.cpu1 = cpu_s(self.proc.pid)

    def stop(self):
        """Returns the CPU seconds of its whole life (wait4), the end's
        writing and symbolizing included."""
        self.proc.send_signal(signal.SIGINT)
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_utime + usage.ru_stime

    def figures(self):
        return {"cpu": self.cpu1 - self.cpu0}

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def perf_lost(data):
    """LOST records (perf's ring overran) and LOST_SAMPLES, and the samples,
    from perf report --stats."""
    r = subprocess.run(["perf", "report", "--stats", "-i", data], capture_output=True, text=True)
    text = r.stdout + r.stderr
    agg = parsers.perf_event_block(text, "Aggregated")
    if agg is None:
        raise BenchError(f"perf report --stats: {text.strip()[-300:]!r}")
    get = lambda name: int((re.search(rf"^\s*{name} events:\s+(\d+)", agg, re.M) or [0, 0])[1])
    chunks = re.search(r"lost (\d+) chunks", text)
    return {"samples": get("SAMPLE"), "LOST records": get("LOST"),
            "LOST_SAMPLES": get("LOST_SAMPLES"), "warned chunks": int(chunks[1]) if chunks else 0}


def perf_peer(kind):
    return Peer(["perf", "record", "-q", "-g", "-a", "-o", "perf.data"] + PERF_EVENTS[kind])


def bpftrace_peer():
    return Peer(["bpftrace", "-e", BPFTRACE_MUTEX], ready="Attaching")


# --- configurations ------------------------------------------------------------

def stop_profbufd(d):
    d.stop()
    return {}


def stop_perf(p):
    try:
        life = p.stop()
        return {"life": life, "perf": perf_lost(f"{p.dir}/perf.data")}
    finally:
        p.cleanup()


def stop_bpftrace(p):
    try:
        life = p.stop()
        m = re.search(r"Lost (\d+) events", Path(p.log).read_text(errors="replace"))
        return {"life": life, "bpftrace_lost": int(m[1]) if m else 0}
    finally:
        p.cleanup()


def configurations(kind, build, bpftrace):
    """(label, start, finish) of each configuration of a kind."""
    d = lambda profiles, extra=(): (lambda: Profbufd(build, profiles, list(extra), kind))
    out = [("workload alone", NoProbe, lambda _: {}),
           ("profbufd --profiles cpu", d("cpu"), stop_profbufd),
           (f"profbufd --profiles cpu,{kind}", d(f"cpu,{kind}"), stop_profbufd)]
    if kind in MIN_FLAG:
        out.append((f"profbufd --profiles cpu,{kind} {MIN_FLAG[kind]} 0",
                    d(f"cpu,{kind}", [MIN_FLAG[kind], "0"]), stop_profbufd))
    event = PERF_EVENTS[kind][1] + (" (wait ops)" if kind == "mutex" else "")
    out.append((f"perf record -e {event} -g -a", lambda: perf_peer(kind), stop_perf))
    if kind == "mutex" and bpftrace:
        out.append(("bpftrace futex waits ≥ 10 µs, ustack", bpftrace_peer, stop_bpftrace))
    return out


def run_config(kind, build, seconds, start, finish):
    probe = start()
    try:
        tput = run_workload(kind, build, seconds, probe)
        fig = probe.figures()
    finally:
        extra = finish(probe)
    return dict(fig, tput=tput, **extra)


def bpftrace_usable():
    """(True, None) when bpftrace runs the mutex peer's script here, else
    (False, why)."""
    if not shutil.which("bpftrace"):
        return False, "bpftrace is not installed (apt-get install bpftrace)"
    try:
        r = subprocess.run(["bpftrace", "-e", BPFTRACE_MUTEX + "interval:s:1 { exit(); }"],
                           capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False, "bpftrace did not finish a 1 s trial run in 120 s"
    if r.returncode != 0:
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        return False, f"bpftrace exited {r.returncode}: {lines[-1] if lines else ''}"
    return True, None


# --- the table -----------------------------------------------------------------

def span(values, fmt="{:,.0f}"):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else \
        f"{fmt.format(lo)}–{fmt.format(hi)}"


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def progs_cell(runs):
    if not runs[0].get("progs"):
        return "—"
    cells = []
    for name in runs[0]["progs"]:
        ns = [r["progs"][name][0] / r["progs"][name][1] for r in runs if r["progs"][name][1]]
        cnt = [r["progs"][name][1] for r in runs]
        cells.append(f"`{name}` {span(ns) if ns else '—'} ns ({span(cnt)} runs)")
    return "<br>".join(cells)


def cpu_cell(runs):
    if "cpu" not in runs[0]:
        return "—"
    cell = span([r["cpu"] for r in runs], "{:.2f}")
    if "life" in runs[0]:
        cell += f" (whole life {span([r['life'] for r in runs], '{:.2f}')})"
    return cell


def lost_cell(runs):
    r0 = runs[0]
    if "perf" in r0:
        p = lambda k: span([r["perf"][k] for r in runs])
        return (f"LOST records {p('LOST records')}, LOST_SAMPLES {p('LOST_SAMPLES')} "
                f"(of {p('samples')} samples)")
    if "bpftrace_lost" in r0:
        return f"{span([r['bpftrace_lost'] for r in runs])} (in-kernel map: no drop counter)"
    if "lost" not in r0:
        return "—"
    series = sorted({k for r in runs for k in r["lost"]})
    total = span([sum(r["lost"].values()) for r in runs])
    names = ", ".join(re.sub(r"^profbufd_|_total", "", s) for s in series)
    short = [r["short"] for r in runs]
    return total + (f" ({names})" if names else "") + \
        (f"; {span(short)} below the minimum, dropped by design" if any(short) else "")


def kind_table(kind, results, seconds, rounds):
    workload = {"block": "tests/programs/switch_storm", "mutex": "tests/programs/lock_storm 4",
                "threadcreate": f"tests/programs/threadcreate_workload --threads {THREADS} "
                                "--forks 0"}[kind]
    alone = median(results["workload alone"][i]["tput"] for i in range(rounds)) \
        if "workload alone" in results else None
    lines = [f"### {kind}: `{workload}`, {rounds} rounds" +
             ("" if kind == "threadcreate" else f" of {seconds} s"), "",
             f"| configuration | {UNITS[kind]} | vs alone (medians) | the kind's BPF programs: "
             "ns/run (runs) | profiler CPU s | lost in the run |",
             "|---|---|---|---|---|---|"]
    for label, runs in results.items():
        tputs = [r["tput"] for r in runs]
        vs = "—" if label == "workload alone" else f"{(median(tputs) / alone - 1) * 100:+.0f}%"
        lines.append(f"| {label} | {span(tputs)} | {vs} | {progs_cell(runs)} | "
                     f"{cpu_cell(runs)} | {lost_cell(runs)} |")
    return "\n".join(lines)


def notes(bpftrace_why, load):
    out = ["", "Notes:", "",
           f"- {os.cpu_count()} CPUs, kernel {os.uname().release}; load average {load[0]} at the "
           f"start, {load[1]} at the end. `kernel.bpf_stats_enabled=1` during the run (it adds "
           "two clock reads to every program run). Ranges are min–max over the rounds.",
           "- BPF figures are diffed over the workload's run; profbufd's CPU is its own "
           "process's (its programs run in the workload's context, as perf's stack captures "
           "do), over the same run. profbufd runs at its defaults (99 Hz, --http-listen).",
           "- profbufd's lost: its `*lost*` counters of /metrics diffed over the run "
           "(`lost_samples{ringbuf_full}` is the shared ring, every kind's records; "
           "`stack_unavailable` is not counted: the sample is kept).",
           "- perf's lost: `perf report --stats`, LOST records (its ring overran; each may "
           "stand for many events) and LOST_SAMPLES.",
           "- The mutex kind walks a stack only for waits of at least `--mutex-min` (10 µs); "
           "perf cannot filter by a wait's length, so it records every wait's entry "
           "(`--filter` on the wait ops) with its stack.",
           "- bcc's `offcputime` (block's usual peer) cannot run here: this kernel has no "
           "kprobes (it attaches to `finish_task_switch`) and no kernel headers for bcc.",
           "- bpftrace: " + ("ran the mutex peer (`tracepoint:syscalls:sys_{enter,exit}_futex`, "
                             "`@[ustack]` for waits of ≥ 10 µs)." if bpftrace_why is None
                             else f"not run: {bpftrace_why}.")]
    return "\n".join(out)


def measure(a, kinds, bpftrace):
    results = {k: {} for k in kinds}
    for rnd in range(a.rounds):
        for kind in kinds:
            for label, start, finish in configurations(kind, a.build, bpftrace):
                print(f"kinds_cost: round {rnd + 1}/{a.rounds}: {kind}: {label}",
                      file=sys.stderr, flush=True)
                try:
                    r = run_config(kind, a.build, a.seconds, start, finish)
                except BenchError as e:
                    fail(f"{kind}: {label}: {e}")
                results[kind].setdefault(label, []).append(r)
    return results


def on_signal(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=5, help="each storm's run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--kinds", default="block,mutex,threadcreate")
    a = ap.parse_args()
    if os.geteuid() != 0:
        fail("needs root (sudo make bench-kinds)")
    for tool in ("perf", "bpftool"):
        if not shutil.which(tool):
            fail(f"{tool} is not installed (make deps)")
    for sig in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a shell's & job ignores it
        signal.signal(sig, on_signal)
    kinds = a.kinds.split(",")
    bpftrace, why = bpftrace_usable() if "mutex" in kinds else (False, "mutex not measured")
    load0 = open("/proc/loadavg").read().split()[0]
    try:
        with SysctlGuard("kernel.bpf_stats_enabled", "1"):
            results = measure(a, kinds, bpftrace)
    finally:
        kill_children()
    load1 = open("/proc/loadavg").read().split()[0]
    text = "\n\n".join(kind_table(k, results[k], a.seconds, a.rounds) for k in kinds)
    text += "\n" + notes(why, (load0, load1)) + "\n"
    Path(a.build, "bench-kinds.md").write_text(text)
    print(text)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        kill_children()
        fail("interrupted")
