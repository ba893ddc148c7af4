"""The `unwind` section of the overhead benchmark: what complete user stacks
cost on code built without frame pointers, as Debian builds its packages.

Workload: `unwind_nofp deep 16` (-O2 -fomit-frame-pointer; about 24 user
frames from the leaf to _start) on every CPU. Profiled at --unwind-freq (999
Hz) in turn, interleaved over --reps, by:

  profbufd --unwind auto   tables built from .eh_frame, walked in BPF
  profbufd --unwind fp     frame pointers only (as bpf_get_stack does)
  perf record -a -g        frame pointers, in the kernel
  perf record -a --call-graph dwarf
                           8 KiB of user stack copied out per sample, unwound
                           later by perf script (its CPU is reported apart)

Per run: profiler CPU (wait4), BPF time per sample (sampling programs only),
total cost (CPU + BPF time x samples), bytes written, and how many of the
workload's samples have a user stack reaching _start, and their median depth.

Then profbufd's peak RSS with 1 and with 16 python3.11 processes running the
same loop: one table for the binary they share, so RSS must not grow with
their number.
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import profilers
import report
import runner
import stacks

WORKLOAD_COMM = "unwind_nofp"
PYTHON = "/usr/bin/python3.11"
PYTHON_LOOP = "x = 0\nwhile True:\n    x = (x * 31 + 7) % 1000003\n"


@dataclass
class UnwindRun:
    run: runner.ProfilerRun
    shape: stacks.StackShape
    output_bytes: int
    post_cpu_s: Optional[float] = None  # perf script, for the DWARF call graph


def _children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _perf_script(data: Path) -> tuple[str, float]:
    t0 = _children_cpu_s()
    out = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,tid,ip,sym,dso", "--no-inline"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise runner.BenchError(f"perf script failed: {out.stderr.strip()[-200:]}")
    return out.stdout, _children_cpu_s() - t0


def _profbufd_result(run: runner.ProfilerRun, workdir: Path, comm: str) -> UnwindRun:
    got = []
    for p in sorted(workdir.glob("profbufd-*.json")):
        got += stacks.profbufd_stacks(p.read_text(), comm)
    pprof = sum(p.stat().st_size for p in workdir.glob("profbufd-*.pb.gz"))
    return UnwindRun(run, stacks.shape(got), pprof)


def _perf_result(run: runner.ProfilerRun, workdir: Path, comm: str) -> UnwindRun:
    data = workdir / "perf.data"
    text, cpu = _perf_script(data)
    return UnwindRun(run, stacks.shape(stacks.perf_script_stacks(text, comm)), data.stat().st_size, cpu)


class Variant:
    def __init__(self, profiler: profilers.Profiler, result: Callable[[runner.ProfilerRun, Path, str], UnwindRun]):
        self.profiler = profiler
        self.result = result


def variants(build: Path) -> list[Variant]:
    pb = build / "profbufd"
    return [
        Variant(profilers.Profbufd(pb, ["--unwind", "auto"], "profbufd-auto", "profbufd --unwind auto"),
                _profbufd_result),
        Variant(profilers.Profbufd(pb, ["--unwind", "fp"], "profbufd-fp", "profbufd --unwind fp"),
                _profbufd_result),
        Variant(profilers.PerfRecord(("-g",), "perf-g", "perf record -a -g"), _perf_result),
        Variant(profilers.PerfRecord(("--call-graph", "dwarf"), "perf-dwarf", "perf record -a --call-graph dwarf"),
                _perf_result),
    ]


class Processes:
    """Copies of one command, one per slot, stopped together."""

    def __init__(self, argv: list[str], count: int):
        self.procs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
                      for _ in range(count)]

    def close(self) -> None:
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def _row(label: str, runs: list[UnwindRun]) -> str:
    med = report.median
    cpu = med(r.run.cpu_s for r in runs)
    bpf = med(r.run.bpf_ns_per_sample for r in runs)
    total = med(report.total_cost_s(r.run) for r in runs)
    post = med(r.post_cpu_s for r in runs)
    out_mb = med(r.output_bytes / 1e6 for r in runs)
    entry = med(r.shape.entry_pct for r in runs)
    depth = med(r.shape.median_depth for r in runs)
    samples = med(r.shape.samples for r in runs)
    return (f"| {label} | {report._fmt(cpu, '.2f', ' s')} | {report._us(bpf)} | {report._fmt(total, '.2f', ' s')} "
            f"| {report._fmt(post, '.1f', ' s')} | {report._fmt(out_mb, '.2f', ' MB')} "
            f"| {report._fmt(entry, '.1f', '%')} | {report._fmt(depth, '.0f')} | {report._fmt(samples, ',.0f')} |")


class UnwindSection:
    def __init__(self, bench):
        self.bench = bench
        self.a = bench.args

    def run(self) -> list[str]:
        a, b = self.a, self.bench
        chosen = [v for v in variants(b.build) if not v.profiler.available()]
        load_start = runner.loadavg()
        results: dict[str, list[UnwindRun]] = {v.profiler.name: [] for v in chosen}
        work = Processes([str(b.program("unwind_nofp")), "deep", "16"], b.cpus)
        try:
            time.sleep(a.settle)
            for rep in range(a.reps):
                for v in chosen:
                    time.sleep(a.settle)
                    workdir = b.workdir(v.profiler.name)
                    run = v.profiler.run(a.unwind_freq, a.seconds, workdir, b.ctx)
                    r = v.result(run, workdir, WORKLOAD_COMM)
                    b.record("unwind", run)
                    results[v.profiler.name].append(r)
                    runner.log(f"unwind rep {rep + 1}/{a.reps}: {v.profiler.name}: cpu {run.cpu_s:.2f} s, "
                               f"bpf {report._us(run.bpf_ns_per_sample)}, entry {report._fmt(r.shape.entry_pct, '.1f')}%, "
                               f"depth {r.shape.median_depth}, {r.output_bytes / 1e6:.2f} MB")
        finally:
            work.close()
        rows = [_row(v.profiler.label, results[v.profiler.name]) for v in chosen]
        return [
            f"## Complete stacks without frame pointers ({a.unwind_freq} Hz)",
            "",
            f"`unwind_nofp deep 16` (-O2 -fomit-frame-pointer, about 24 user frames) on each of the {b.cpus} CPUs, "
            f"cpu-clock, {a.seconds:g} s runs, median of {a.reps}, interleaved. Load average before {load_start}, "
            f"after {runner.loadavg()}.",
            "",
            "| profiler | profiler CPU | BPF time / sample | total cost | perf script CPU | bytes written "
            "| workload samples reaching _start | median user depth | workload samples |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Total cost is profiler CPU plus BPF time over every sample; perf's in-kernel work (frame-pointer walk, "
            "or the 8 KiB stack copy of --call-graph dwarf) is not measurable this way, so its total is its CPU. "
            "perf script CPU is the offline unwinding that --call-graph dwarf needs before its stacks exist "
            "(not included in the total). Bytes written: profbufd's pprof profile (it also writes JSON, used here "
            "to read the stacks), perf's perf.data.",
            "",
        ] + self.rss_lines()

    def rss_lines(self) -> list[str]:
        a, b = self.a, self.bench
        if not Path(PYTHON).is_file():
            return [f"(RSS with shared binaries not measured: {PYTHON} is not installed)", ""]
        pb = profilers.Profbufd(b.build / "profbufd", ["--unwind", "auto"], "profbufd-auto")
        rows = []
        for count in (1, 16):
            work = Processes([PYTHON, "-c", PYTHON_LOOP], count)
            try:
                time.sleep(a.settle)
                workdir = b.workdir(f"rss-{count}")
                run = pb.run(99, a.seconds, workdir, b.ctx)
                r = _profbufd_result(run, workdir, "python3.11")
            finally:
                work.close()
            b.record("unwind-rss", run)
            rows.append(f"| {count} | {run.maxrss_kb / 1024:.1f} MB | {report._fmt(r.shape.entry_pct, '.1f', '%')} "
                        f"| {r.shape.samples:,} |")
        return [
            "### Peak RSS while tables are built, by processes sharing one binary",
            "",
            f"profbufd --unwind auto at 99 Hz for {a.seconds:g} s while N `python3.11` processes run the same "
            "loop (one table per binary, shared by build ID).",
            "",
            "| python3.11 processes | profbufd peak RSS | their samples reaching _start | their samples |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
