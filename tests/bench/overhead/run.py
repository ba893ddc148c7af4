#!/usr/bin/env python3
"""End-to-end overhead benchmark of profbufd against perf record and bpftrace.

    sudo tests/bench/overhead/run.py [--quick] [--build build] [--reps 3] [--seconds 10] ...
    sudo make bench-overhead [BENCH_OVERHEAD_ARGS=--quick]

Sections (each can be chosen with --sections):
  compare  bench_workload on every CPU; first unprofiled, then under profbufd,
           perf record -a -g and bpftrace at each --freqs, --reps times, each run
           --seconds long, interleaved so slow drifts of the machine's load hit
           every profiler alike. Per run: profiler CPU (user+sys, whole life,
           wait4), BPF run time per sample (kernel.bpf_stats_enabled, fdinfo
           counters of the profiler's programs), workload slowdown (throughput
           over the profiler's whole life against the unprofiled median),
           samples captured / expected / lost, peak RSS (ru_maxrss). Medians.
  maxfreq  the highest frequency (999, 1999, 4999, 9999, ... up to
           kernel.perf_event_max_sample_rate) at which profbufd loses nothing.
  steady   profbufd for --long-seconds at 99 Hz on the busy machine: peak RSS
           (target 20 MB).
  churn    profbufd for --long-seconds at 99 Hz with --interval 5s while
           tests/programs/churn starts short-lived processes: RSS every second,
           bounded or not.
  unwind   code without frame pointers (unwind_nofp deep 16 on every CPU) at
           --unwind-freq: profbufd --unwind auto and fp, perf record -g and
           --call-graph dwarf: CPU, BPF time per sample, bytes written, share
           of stacks reaching _start; profbufd's peak RSS with 1 and 16
           python3.11 processes (unwind_section.py).

Writes the report (Markdown) to <build>/bench-overhead.md and every raw run to
<build>/bench-overhead.json, and prints the report. Needs root. Numbers from a
shared machine are noisy; the report carries the load average.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import parsers
import profilers
import report
import runner
import unwind_section
from runner import loadavg, log

SECTIONS = ("compare", "maxfreq", "steady", "churn", "unwind")
MAXFREQ_CANDIDATES = (999, 1999, 4999, 9999, 19999, 49999, 99999)


def kernel_config() -> Optional[str]:
    """The running kernel's .config, from /proc/config.gz or /boot."""
    try:
        return gzip.decompress(Path("/proc/config.gz").read_bytes()).decode(errors="replace")
    except OSError:
        pass
    try:
        return Path(f"/boot/config-{platform.release()}").read_text(errors="replace")
    except OSError:
        return None


def irq_note() -> str:
    config = kernel_config()
    if config is None:
        return "(whether this kernel charges interrupt time to the interrupted task is unknown: no kernel config)"
    if parsers.irq_time_accounting(config):
        return ("(this kernel has CONFIG_IRQ_TIME_ACCOUNTING, so interrupt time, where the samplers run, is NOT "
                "in the workload's CPU time: this column then shows only indirect costs)")
    return "(charged to the interrupted task: this kernel has no CONFIG_IRQ_TIME_ACCOUNTING)"


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.build = Path(args.build).resolve()
        self.cpus = os.cpu_count() or 1
        self.tmp = Path(tempfile.mkdtemp(prefix="profbufd-bench-"))
        self.raw: dict = {"config": {k: v for k, v in vars(args).items()}, "runs": []}
        self.md: list[str] = []
        self.run_no = 0
        self.ctx = runner.RunContext(launcher=self.program("rusage_exec"), poll_s=args.poll, cpus=self.cpus)

    def workdir(self, tag: str) -> Path:
        self.run_no += 1
        d = self.tmp / f"{self.run_no:03d}-{tag}"
        d.mkdir()
        return d

    def program(self, name: str) -> Path:
        p = self.build / "tests" / "programs" / name
        if not p.is_file():
            raise runner.BenchError(f"{p} is not built (make {p})")
        return p.resolve()  # profilers run with their own working directory

    def record(self, section: str, run: runner.ProfilerRun) -> None:
        d = asdict(run)
        d["section"] = section
        self.raw["runs"].append(d)

    # --- compare -------------------------------------------------------------------
    def compare(self) -> None:
        a = self.args
        peers = [profilers.Profbufd(self.build / "profbufd"), profilers.PerfRecord(), profilers.Bpftrace()]
        chosen = [p for p in peers if p.name in a.profilers]
        skipped = {p.name: why for p in chosen if (why := p.available())}
        for name, why in skipped.items():
            log(f"skipping {name}: {why}")
        chosen = [p for p in chosen if p.name not in skipped]
        load_start = loadavg()
        work = runner.Workload(self.program("bench_workload"), self.cpus)
        baselines: list[float] = []  # chains per wall second, unprofiled
        baselines_cpu: list[float] = []  # chains per workload CPU-second, unprofiled
        results: dict[tuple[str, int], list[runner.ProfilerRun]] = {}
        throughputs: dict[int, tuple[float, float]] = {}
        try:
            time.sleep(a.settle)  # let the workload reach its steady state
            for rep in range(a.reps):
                m0 = work.mark()
                time.sleep(a.seconds)
                m1 = work.mark()
                baselines.append(parsers.throughput(m0, m1))
                baselines_cpu.append(parsers.throughput_per_cpu(m0, m1))
                log(f"rep {rep + 1}/{a.reps}: unprofiled {baselines[-1]:,.0f} chains/s")
                for freq in a.freqs:
                    for p in chosen:
                        time.sleep(a.settle)
                        m0 = work.mark()
                        run = p.run(freq, a.seconds, self.workdir(f"{p.name}-{freq}"), self.ctx)
                        m1 = work.mark()
                        tput = parsers.throughput(m0, m1)
                        throughputs[id(run)] = (tput, parsers.throughput_per_cpu(m0, m1))
                        results.setdefault((p.name, freq), []).append(run)
                        log(f"rep {rep + 1}/{a.reps}: {p.name} {freq} Hz: cpu {run.cpu_s:.3f} s, "
                            f"rss {run.maxrss_kb / 1024:.1f} MB, {run.captured}/{run.expected} samples, "
                            f"lost {run.lost}, {tput:,.0f} chains/s")
        finally:
            work.close()
        base = report.median(baselines)
        base_cpu = report.median(baselines_cpu)
        for runs in results.values():
            for r in runs:
                tput, tput_cpu = throughputs[id(r)]
                r.slowdown_pct = 100.0 * (1.0 - tput / base)
                r.slowdown_cpu_pct = 100.0 * (1.0 - tput_cpu / base_cpu)
                self.record("compare", r)
        summaries = []
        for freq in a.freqs:
            for p in chosen:
                summaries.append(report.summarize(p.name, p.label, freq, results[(p.name, freq)]))
        summaries += [s for s in report.reference_summaries(a.seconds) if s.freq in a.freqs]
        spread = (max(baselines) - min(baselines)) / base * 100 if len(baselines) > 1 else None
        spread_cpu = (max(baselines_cpu) - min(baselines_cpu)) / base_cpu * 100 if len(baselines_cpu) > 1 else None
        self.raw["baselines"] = baselines
        self.raw["baselines_cpu"] = baselines_cpu
        self.md += [
            "## Profiler overhead, side by side",
            "",
            f"{self.cpus} CPUs busy with `bench_workload --threads {self.cpus}`, cpu-clock, {a.seconds:g} s runs, "
            f"median of {a.reps}. Unprofiled throughput {base:,.0f} chains/s, {base_cpu:,.0f} chains per "
            "workload CPU-second"
            + (f" (spread of the unprofiled runs {spread:.1f}% and {spread_cpu:.1f}%)" if spread is not None
               else "")
            + f". Load average before {load_start}, after {loadavg()}.",
            "",
            report.comparison_table(summaries),
            "",
            "Profiler CPU is user+sys of the profiler process over its whole life (wait4), start-up and output "
            "included; BPF time is charged to the sampled tasks and shows in the slowdown, and is added to the "
            "profiler's CPU in *total cost* (per-sample time × samples handled). perf has no BPF program: its "
            "in-kernel stack walks are not measurable this way, so its total cost is its CPU alone. Slowdown is "
            "the workload's lost throughput (chains per wall second) over the profiler's whole life against the "
            "unprofiled median; on a shared machine it moves with everyone else's load. Slowdown per workload "
            "CPU-second counts chains per CPU-second the workload actually ran: it does not depend on others' load, "
            f"and still includes the sampling interrupt and the BPF program {irq_note()}, but not the profiler "
            "process's own CPU, shown on its own. "
            "Ratios are peer / profbufd at the same frequency: above 1× means profbufd is cheaper."
            + (f" Not run: {', '.join(f'{n} ({w})' for n, w in skipped.items())}." if skipped else ""),
            "",
        ]

    # --- maxfreq -------------------------------------------------------------------
    def maxfreq(self) -> None:
        a = self.args
        pb = profilers.Profbufd(self.build / "profbufd")
        rows = []
        best = None  # highest frequency with nothing lost
        best_complete = None  # ... and the kernel delivering at least 99% of the samples asked for
        with runner.SysctlGuard("kernel.perf_event_max_sample_rate") as rate_guard:
            limit = int(rate_guard.old)
            work = runner.Workload(self.program("bench_workload"), self.cpus)
            try:
                time.sleep(a.settle)
                for freq in [f for f in MAXFREQ_CANDIDATES if f <= min(limit, a.maxfreq_limit)]:
                    run = pb.run(freq, a.maxfreq_seconds, self.workdir(f"maxfreq-{freq}"), self.ctx)
                    self.record("maxfreq", run)
                    log(f"maxfreq {freq} Hz: {run.captured}/{run.expected} samples, lost {run.lost}, "
                        f"cpu {run.cpu_s:.2f} s")
                    rows.append(f"| {freq} | {run.captured:,} / {run.expected:,} "
                                f"({100 * run.captured / max(run.expected, 1):.1f}%) | {run.lost:,} "
                                f"| {run.cpu_s:.2f} s | {report._us(run.bpf_ns_per_sample)} "
                                f"| {run.maxrss_kb / 1024:.0f} MB |")
                    if run.lost > 0:
                        break
                    best = freq
                    if run.captured >= 0.99 * run.expected:
                        best_complete = freq
            finally:
                work.close()
            lowered = rate_guard.changed_to()
        self.md += [
            "## Highest frequency without loss",
            "",
            f"profbufd, {a.maxfreq_seconds:g} s per frequency on {self.cpus} busy CPUs; stops at the first "
            f"frequency that loses samples (kernel.perf_event_max_sample_rate = {limit}). Load average {loadavg()}.",
            "",
            "| Hz | samples captured / expected | lost | profiler CPU | BPF run time / sample | peak RSS |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"**Highest frequency with zero lost samples: {best if best else 'none of those tried'}"
            f"{' Hz' if best else ''}.** Highest with zero lost and at least 99% of the expected samples "
            f"delivered by the kernel (above it the kernel throttles the sampling interrupt and samples are "
            f"never taken, which no profiler can count as lost): "
            f"{f'{best_complete} Hz' if best_complete else 'none of those tried'}."
            + (f" The kernel lowered kernel.perf_event_max_sample_rate to {lowered} during the run "
               f"(restored to {limit})." if lowered else ""),
            "",
        ]

    # --- steady and churn ----------------------------------------------------------
    def long_run(self, churn: bool) -> None:
        a = self.args
        seconds = a.long_seconds
        tag = "churn" if churn else "steady"
        pb = profilers.Profbufd(self.build / "profbufd",
                                ["--interval", a.churn_interval] if churn else [])
        load_start = loadavg()
        churn_proc = work = None
        churn_out = self.tmp / "churn.out"
        if churn:
            with open(churn_out, "w") as out:
                churn_proc = subprocess.Popen(
                    [str(self.program("churn")), "--rate", str(a.churn_rate), "--burn-ms", str(a.churn_burn_ms),
                     "--seconds", str(seconds + 2 * a.settle + 5)], stdout=out, stdin=subprocess.DEVNULL)
        else:
            work = runner.Workload(self.program("bench_workload"), self.cpus)
        try:
            time.sleep(a.settle)
            run = pb.run(99, seconds, self.workdir(tag), self.ctx)
        finally:
            if work:
                work.close()
            if churn_proc:
                churn_proc.terminate()  # churn stops spawning, reaps, prints its summary
                churn_proc.wait()
        self.record(tag, run)
        # Bounded-ness is the churn question. A steady run has one window that
        # grows until it is written at exit, so there only the peak is judged.
        verdict = report.rss_verdict(run.rss_series) if churn else None
        log(f"{tag}: peak RSS {run.maxrss_kb / 1024:.1f} MB, {run.captured}/{run.expected} samples, lost {run.lost}")
        common = [
            f"- peak RSS (ru_maxrss): **{run.maxrss_kb / 1024:.1f} MB**"
            + ("" if churn else f" (target ≤ 20 MB: {'met' if run.maxrss_kb <= 20 * 1024 else 'NOT met'})"),
            (f"- samples captured: {run.captured:,} (of {run.expected:,} if every CPU were busy all the time: "
             "the cpu-clock event does not fire on an idle CPU)" if churn else
             f"- samples captured / expected: {run.captured:,} / {run.expected:,}")
            + f"; lost: {run.lost:,}; profiler CPU {run.cpu_s:.2f} s; profiles written: {run.extra.get('profiles')}",
        ]
        origin = report.peak_origin(run.hwm_series, run.maxrss_kb)
        if origin:
            common.append(f"- {origin}, while RSS later settles lower (below)")
        if not churn and run.rss_series:
            kbs = [kb for _, kb in run.rss_series]
            common.append(f"- VmRSS every second: max {report.mb(max(kbs))}, last {report.mb(kbs[-1])}; over time: "
                          f"{report.rss_timeline(run.rss_series)}")
        if verdict:
            common += [
                f"- VmRSS every second: min {report.mb(verdict.min_kb)}, max {report.mb(verdict.max_kb)}, "
                f"last {report.mb(verdict.last_kb)}; max of the first 10 s {report.mb(verdict.first_window_max_kb)}, "
                f"of the last 10 s {report.mb(verdict.last_window_max_kb)}: "
                f"**{'bounded' if verdict.bounded else 'NOT bounded'}** "
                "(bounded: last-10 s max ≤ first-10 s max × 1.2 + 2 MB)",
                f"- over time: {report.rss_timeline(run.rss_series)}",
            ]
        if churn:
            summary = parsers.parse_churn_summary(churn_out.read_text()) or {}
            self.raw["churn"] = summary
            title = f"## Memory under process churn ({seconds:g} s at 99 Hz, --interval {a.churn_interval})"
            intro = (f"`churn --rate {a.churn_rate} --burn-ms {a.churn_burn_ms}`: each child re-executes the "
                     f"binary (fresh PIE layout) and burns {a.churn_burn_ms} ms of CPU. Started "
                     f"{summary.get('spawned', 'n/a')} processes ({summary.get('rate', 0):.0f}/s).")
        else:
            title = f"## Memory in a steady run ({seconds:g} s at 99 Hz, one window)"
            intro = f"`bench_workload --threads {self.cpus}` keeps every CPU busy."
        self.md += [title, "", intro + f" Load average before {load_start}, after {loadavg()}.", "", *common, ""]

    def header(self) -> list[str]:
        a = self.args
        return [
            "# profbufd end-to-end overhead benchmark",
            "",
            f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, host {platform.node()}, kernel {platform.release()}, "
            f"{self.cpus} CPUs. Command: `{' '.join(sys.argv)}`"
            + (" (quick mode: figures only check the script)" if a.quick else "") + ".",
            "",
        ]


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="build directory (profbufd, tests/programs)")
    ap.add_argument("--output", help="report path (default <build>/bench-overhead.md)")
    ap.add_argument("--quick", action="store_true", help="short runs, one repetition: checks the script")
    ap.add_argument("--sections", default=",".join(SECTIONS), help=f"comma list of {', '.join(SECTIONS)}")
    ap.add_argument("--profilers", default="profbufd,perf,bpftrace")
    ap.add_argument("--freqs", default="99,999")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--seconds", type=float, help="length of each compared run (default 10)")
    ap.add_argument("--long-seconds", type=float, help="steady and churn runs (default 60)")
    ap.add_argument("--maxfreq-seconds", type=float, help="each maxfreq run (default 10)")
    ap.add_argument("--unwind-freq", type=int, default=999, help="frequency of the unwind section")
    ap.add_argument("--maxfreq-limit", type=int, default=MAXFREQ_CANDIDATES[-1])
    ap.add_argument("--churn-rate", type=float, default=250)
    ap.add_argument("--churn-burn-ms", type=float, default=2)
    ap.add_argument("--churn-interval", help="profbufd --interval under churn (default 5s)")
    ap.add_argument("--poll", type=float, default=1.0, help="seconds between /proc readings of the profiler")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds of pause before each run")
    ap.add_argument("--keep-tmp", action="store_true", help="keep every profiler's output")
    a = ap.parse_args(argv)
    quick = a.quick
    a.reps = a.reps or (1 if quick else 3)
    a.seconds = a.seconds or (2.0 if quick else 10.0)
    a.long_seconds = a.long_seconds or (12.0 if quick else 60.0)
    a.maxfreq_seconds = a.maxfreq_seconds or (2.0 if quick else 10.0)
    a.churn_interval = a.churn_interval or ("2s" if quick else "5s")
    if quick and a.maxfreq_limit == MAXFREQ_CANDIDATES[-1]:
        a.maxfreq_limit = 4999
    a.freqs = [int(f) for f in a.freqs.split(",") if f]
    a.profilers = [p for p in a.profilers.split(",") if p]
    a.sections = [s for s in a.sections.split(",") if s]
    bad = [s for s in a.sections if s not in SECTIONS]
    if bad or a.reps < 1 or a.seconds <= 0:
        ap.error(f"bad --sections {bad}" if bad else "--reps and --seconds must be positive")
    return a


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    if os.geteuid() != 0:
        print("bench-overhead: needs root: it loads BPF programs and sets kernel.bpf_stats_enabled "
              "(run: sudo make bench-overhead)", file=sys.stderr)
        return 3
    # make, CI and timeout(1) stop jobs with SIGTERM: unwind as for Ctrl-C, so
    # the sysctls are restored and the profilers' outputs removed.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    bench = Bench(a)
    out = Path(a.output) if a.output else bench.build / "bench-overhead.md"
    try:
        with runner.SysctlGuard("kernel.bpf_stats_enabled", "1"):
            for section in a.sections:
                log(f"section {section}")
                if section == "compare":
                    bench.compare()
                elif section == "maxfreq":
                    bench.maxfreq()
                elif section == "unwind":
                    bench.md += unwind_section.UnwindSection(bench).run()
                else:
                    bench.long_run(churn=section == "churn")
    except runner.BenchError as e:
        print(f"bench-overhead: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench-overhead: interrupted (kernel.bpf_stats_enabled restored)", file=sys.stderr)
        return 130
    finally:
        if a.keep_tmp:
            log(f"raw outputs kept in {bench.tmp}")
        else:
            shutil.rmtree(bench.tmp, ignore_errors=True)
    text = "\n".join(bench.header() + bench.md)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(bench.raw, indent=1, default=str))
    print(text)
    log(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
