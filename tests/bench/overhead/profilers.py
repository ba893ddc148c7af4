"""The profilers the benchmark compares, each as: how to start it for F Hz and
D seconds on every CPU, how it stops, and how to count the samples it captured.

All of them sample the software cpu-clock event (the only one a VM without a
virtual PMU has), on every CPU, with kernel and user stacks.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Optional

import parsers
import runner


def _ms(seconds: float) -> str:
    return f"{int(round(seconds * 1000))}ms"


class Profiler:
    name = ""
    label = ""  # as in the table

    def available(self) -> Optional[str]:
        """None when runnable, else why not."""
        raise NotImplementedError

    def run(self, freq: int, duration_s: float, workdir: Path, ctx: runner.RunContext) -> runner.ProfilerRun:
        raise NotImplementedError


class Profbufd(Profiler):
    name = "profbufd"
    label = "profbufd"

    def __init__(self, binary: Path, extra_args: Optional[list[str]] = None, name: Optional[str] = None,
                 label: Optional[str] = None):
        self.binary = binary
        self.extra_args = extra_args or []
        self.name = name or self.name
        self.label = label or self.label

    def available(self) -> Optional[str]:
        return None if self.binary.is_file() else f"{self.binary} is not built (make {self.binary})"

    def argv(self, freq: int, duration_s: float, workdir: Path) -> list[str]:
        # Default formats (pprof,json): the cost of a real run, output included.
        return [str(self.binary.resolve()), "--duration", _ms(duration_s), "--frequency", str(freq),
                "--output", str(workdir)] + self.extra_args

    def run(self, freq, duration_s, workdir, ctx):
        r = runner.run_measured(self.argv(freq, duration_s, workdir), workdir, ctx,
                                timeout_s=duration_s + 120)
        return self.finish(freq, workdir, r, ctx.cpus)

    def finish(self, freq, workdir, r, cpus) -> runner.ProfilerRun:
        profiles = sorted(workdir.glob("profbufd-*.json"))
        if not profiles:
            raise runner.BenchError(f"profbufd wrote no JSON profile into {workdir}")
        captured = lost = 0
        sampled_s = 0.0
        for p in profiles:
            text = p.read_text()
            count = parsers.parse_profbufd_json(text)
            captured += count.captured
            lost += count.lost
            sampled_s += parsers.parse_profbufd_duration_s(text)
        mon = r["monitor"]
        return runner.ProfilerRun(
            name=self.name, freq=freq, cpu_s=r["cpu_s"], maxrss_kb=r["maxrss_kb"], wall_s=r["wall_s"],
            sampling_s=sampled_s, bpf_ns_per_sample=mon.bpf_ns_per_run(), captured=captured, lost=lost,
            expected=round(freq * cpus * sampled_s), rss_series=mon.rss_kb, hwm_series=mon.hwm_kb,
            extra={"profiles": len(profiles), "bpf_runs": mon.bpf_runs()})


class PerfRecord(Profiler):
    name = "perf"
    label = "perf record -a -g"

    def __init__(self, call_graph: tuple[str, ...] = ("-g",), name: Optional[str] = None,
                 label: Optional[str] = None):
        self.call_graph = list(call_graph)
        self.name = name or self.name
        self.label = label or self.label

    def available(self) -> Optional[str]:
        if shutil.which("perf") is None:
            return "perf is not installed (apt-get install linux-perf)"
        return None

    def run(self, freq, duration_s, workdir, ctx):
        data = workdir / "perf.data"
        argv = ["perf", "record", "-a", *self.call_graph, "-F", str(freq), "-e", "cpu-clock", "-o", str(data),
                "--", "sleep", f"{duration_s:g}"]
        r = runner.run_measured(argv, workdir, ctx, timeout_s=duration_s + 120)
        # Reading the file back is not part of perf record's cost.
        stats = subprocess.run(["perf", "report", "-i", str(data), "--stats"], capture_output=True, text=True)
        if stats.returncode != 0:
            raise runner.BenchError(f"perf report --stats failed: {stats.stderr.strip()[-200:]}")
        count = parsers.parse_perf_stats(stats.stdout)
        mon = r["monitor"]
        return runner.ProfilerRun(
            name=self.name, freq=freq, cpu_s=r["cpu_s"], maxrss_kb=r["maxrss_kb"], wall_s=r["wall_s"],
            sampling_s=duration_s, bpf_ns_per_sample=None, captured=count.captured, lost=count.lost,
            expected=round(freq * ctx.cpus * duration_s), rss_series=mon.rss_kb, hwm_series=mon.hwm_kb)


class Bpftrace(Profiler):
    name = "bpftrace"
    label = "bpftrace profile:hz (kstack, ustack counts)"

    def available(self) -> Optional[str]:
        if shutil.which("bpftrace") is None:
            return "bpftrace is not installed (apt-get install bpftrace)"
        return None

    def run(self, freq, duration_s, workdir, ctx):
        program = f"profile:hz:{freq} {{ @[kstack, ustack] = count(); }}"
        out = workdir / "stdout"

        def stop(target) -> float:
            return runner._sigint_after(
                target, lambda: parsers.bpftrace_attached(runner.read_text(out) or ""), duration_s, timeout_s=120)

        r = runner.run_measured(["bpftrace", "-f", "json", "-e", program], workdir, ctx, stop=stop,
                                timeout_s=duration_s + 180)
        count = parsers.parse_bpftrace_json(out.read_text())
        mon = r["monitor"]
        sampled = r["sampled_s"]
        return runner.ProfilerRun(
            name=self.name, freq=freq, cpu_s=r["cpu_s"], maxrss_kb=r["maxrss_kb"], wall_s=r["wall_s"],
            sampling_s=sampled, bpf_ns_per_sample=mon.bpf_ns_per_run(), captured=count.captured,
            lost=count.lost, expected=round(freq * ctx.cpus * sampled), rss_series=mon.rss_kb, hwm_series=mon.hwm_kb,
            extra={"bpf_runs": mon.bpf_runs()})
