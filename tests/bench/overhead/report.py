"""Turns measured runs into the Markdown tables of the benchmark report.

Pure functions over runner.ProfilerRun values, so test_report.py checks the
arithmetic (medians, total cost, ratios, the bounded-RSS verdict) on made-up
runs without running anything.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from runner import ProfilerRun

# libbpf-tools `profile` is not packaged by Debian 12; the measured
# figures on this machine (10 s, 2 CPUs) are the bar it sets. Fields:
# (Hz, profiler CPU s, BPF ns per sample, slowdown %, peak RSS MB).
LIBBPF_TOOLS_REFERENCE = [
    (99, 0.09, 3700.0, 0.7, 13),
    (999, 0.09, 1900.0, 2.5, 13),
]
REFERENCE_SECONDS = 10.0


def median(values: Iterable[float]) -> Optional[float]:
    vs = [v for v in values if v is not None]
    return statistics.median(vs) if vs else None


def total_cost_s(run: ProfilerRun) -> Optional[float]:
    """Userspace CPU plus the BPF program's time over every sample it handled
    (captured or lost: the program ran for both). perf has no BPF program; its
    kernel-side work is not measurable this way, so its total is its CPU."""
    if run.bpf_ns_per_sample is None:
        return run.cpu_s
    return run.cpu_s + run.bpf_ns_per_sample * (run.captured + run.lost) / 1e9


@dataclass
class Summary:
    """Median over repetitions of one (profiler, Hz) cell."""

    name: str
    label: str
    freq: int
    reps: int
    cpu_s: Optional[float]
    bpf_ns: Optional[float]
    slowdown_pct: Optional[float]
    slowdown_cpu_pct: Optional[float]
    maxrss_mb: Optional[float]
    captured: Optional[float]
    expected: Optional[float]
    lost_total: int
    total_cost_s: Optional[float]
    reference: bool = False


def summarize(name: str, label: str, freq: int, runs: Sequence[ProfilerRun]) -> Summary:
    return Summary(
        name=name, label=label, freq=freq, reps=len(runs),
        cpu_s=median(r.cpu_s for r in runs),
        bpf_ns=median(r.bpf_ns_per_sample for r in runs),
        slowdown_pct=median(r.slowdown_pct for r in runs),
        slowdown_cpu_pct=median(r.slowdown_cpu_pct for r in runs),
        maxrss_mb=median(r.maxrss_kb / 1024 for r in runs),
        captured=median(r.captured for r in runs),
        expected=median(r.expected for r in runs),
        lost_total=sum(r.lost for r in runs),
        total_cost_s=median(total_cost_s(r) for r in runs),
    )


def reference_summaries(duration_s: float) -> list[Summary]:
    """The libbpf-tools rows of the issue. Their total cost is only comparable
    to runs of the same length, so it is left out for other durations."""
    out = []
    for freq, cpu, bpf_ns, slow, rss in LIBBPF_TOOLS_REFERENCE:
        same_length = abs(duration_s - REFERENCE_SECONDS) < 1e-9
        samples = freq * 2 * REFERENCE_SECONDS
        out.append(Summary(
            name="libbpf-tools", label="libbpf-tools profile (issue's figures, not run here)", freq=freq,
            reps=0, cpu_s=cpu, bpf_ns=bpf_ns, slowdown_pct=slow, slowdown_cpu_pct=None, maxrss_mb=rss, captured=None,
            expected=None, lost_total=0,
            total_cost_s=cpu + bpf_ns * samples / 1e9 if same_length else None, reference=True))
    return out


def _fmt(v: Optional[float], fmt: str, unit: str = "") -> str:
    return "n/a" if v is None else f"{v:{fmt}}{unit}"


def _ratio(peer: Optional[float], base: Optional[float]) -> str:
    if peer is None or base is None or base <= 0:
        return "n/a"
    return f"{peer / base:.1f}×"


def _us(ns: Optional[float]) -> str:
    return "n/a" if ns is None else f"{ns / 1000:.2f} µs"


def comparison_table(summaries: Sequence[Summary]) -> str:
    """The issue's table, plus samples, lost, total cost and ratios against
    profbufd at the same frequency (peer / profbufd: above 1× means profbufd
    is cheaper)."""
    base = {s.freq: s for s in summaries if s.name == "profbufd"}
    lines = [
        "| profiler | Hz | profiler CPU (user+sys, whole run) | BPF run time / sample | workload slowdown "
        "| slowdown per workload CPU-s | peak RSS | samples captured / expected | lost | total cost (CPU + BPF) "
        "| vs profbufd: total cost | vs profbufd: CPU | vs profbufd: RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        b = base.get(s.freq)
        is_base = s.name == "profbufd"
        samples = "n/a" if s.captured is None else (
            f"{s.captured:,.0f} / {s.expected:,.0f} ({100 * s.captured / s.expected:.1f}%)" if s.expected else
            f"{s.captured:,.0f} / n/a")
        lines.append("| " + " | ".join([
            s.label, str(s.freq), _fmt(s.cpu_s, ".2f", " s"), _us(s.bpf_ns),
            _fmt(s.slowdown_pct, ".1f", "%"), _fmt(s.slowdown_cpu_pct, ".1f", "%"),
            _fmt(s.maxrss_mb, ".0f", " MB"), samples,
            "n/a" if s.reference else f"{s.lost_total:,}", _fmt(s.total_cost_s, ".3f", " s"),
            "1.0×" if is_base else _ratio(s.total_cost_s, b and b.total_cost_s),
            "1.0×" if is_base else _ratio(s.cpu_s, b and b.cpu_s),
            "1.0×" if is_base else _ratio(s.maxrss_mb, b and b.maxrss_mb),
        ]) + " |")
    return "\n".join(lines)


@dataclass
class RssVerdict:
    min_kb: int
    max_kb: int
    last_kb: int
    first_window_max_kb: int
    last_window_max_kb: int
    bounded: bool


def rss_verdict(series: Sequence[tuple[float, int]], window_s: float = 10.0,
                growth: float = 1.2, slack_kb: int = 2048) -> Optional[RssVerdict]:
    """RSS is called bounded when the highest reading of the last window_s
    seconds is at most `growth` times the highest of the first window_s seconds
    plus slack_kb: start-up (kernel symbols, first maps) is allowed, steady
    growth under churn is not."""
    if not series:
        return None
    t_end = series[-1][0]
    first = [kb for t, kb in series if t <= series[0][0] + window_s]
    last = [kb for t, kb in series if t >= t_end - window_s]
    values = [kb for _, kb in series]
    fmax, lmax = max(first), max(last)
    return RssVerdict(min(values), max(values), values[-1], fmax, lmax, lmax <= fmax * growth + slack_kb)


def rss_timeline(series: Sequence[tuple[float, int]], step_s: float = 5.0) -> str:
    """One reading every step_s seconds, as 't=5s 12.3 MB, ...'."""
    out = []
    next_t = 0.0
    for t, kb in series:
        if t + 1e-9 >= next_t:
            out.append(f"{t:.0f}s {kb / 1024:.1f}")
            next_t += step_s
            while next_t <= t:
                next_t += step_s
    return ", ".join(out) + " (MB)"


def peak_origin(hwm_series: Sequence[tuple[float, int]], maxrss_kb: int, early_s: float = 2.0) -> Optional[str]:
    """When the process's high-water mark (VmHWM) was already within 5% of its
    final peak in the first early_s seconds, the peak belongs to start-up, not
    to the steady state: says so, with the time. None otherwise."""
    if maxrss_kb <= 0:
        return None
    reached = [(t, kb) for t, kb in hwm_series if t <= early_s and kb >= 0.95 * maxrss_kb]
    if not reached:
        return None
    t, kb = reached[0]
    return f"the peak is reached during start-up: VmHWM was {kb / 1024:.1f} MB at t={t:.1f} s"


def mb(kb: Optional[float]) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"
