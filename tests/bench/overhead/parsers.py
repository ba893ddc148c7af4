"""Parsers for what the overhead benchmark reads from the tools it runs.

Every function takes text (never a path), so test_parsers.py feeds them captured
output from the real tools (tests/fixtures/bench-overhead/). A parser returns
None, or raises ValueError with the reason, when its input is not what the tool
prints: a benchmark that silently reads zero would publish a wrong table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class BpfProgStats:
    """Counters of one loaded BPF program (kernel.bpf_stats_enabled=1)."""

    prog_id: int
    prog_type: int
    run_time_ns: int
    run_cnt: int


def parse_fdinfo_prog(text: str) -> Optional[BpfProgStats]:
    """Reads /proc/PID/fdinfo/FD text. Returns the program's counters when the
    fd is a BPF program, None for anything else.

    BPF link fds print a prog_id too, but no prog_type or run counters, so the
    presence of prog_type is what tells a program fd from a link fd.
    """
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    if "prog_type" not in fields or "prog_id" not in fields:
        return None
    if "run_time_ns" not in fields or "run_cnt" not in fields:
        raise ValueError("BPF program fdinfo without run_time_ns/run_cnt (kernel older than 5.1?)")
    return BpfProgStats(
        prog_id=int(fields["prog_id"]),
        prog_type=int(fields["prog_type"]),
        run_time_ns=int(fields["run_time_ns"]),
        run_cnt=int(fields["run_cnt"]),
    )


def parse_vmrss_kb(status_text: str) -> Optional[int]:
    """VmRSS of /proc/PID/status in KiB; None when absent (a zombie has none)."""
    return parse_status_kb(status_text, "VmRSS")


def parse_status_kb(status_text: str, name: str) -> Optional[int]:
    """A 'Name:   N kB' field of /proc/PID/status (VmRSS, VmHWM, ...)."""
    m = re.search(rf"^{re.escape(name)}:\s+(\d+)\s+kB$", status_text, re.MULTILINE)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Mark:
    """One answer of bench_workload --marks: completed chains at a time, and the
    CPU time the workload had used by then."""

    t_ns: int
    iterations: int
    cpu_ns: int


def parse_mark(line: str) -> Mark:
    m = re.fullmatch(r"mark (\d+) (\d+) (\d+)\s*", line)
    if not m:
        raise ValueError(f"bench_workload: expected 'mark <ns> <iterations> <cpu ns>', got {line!r}")
    return Mark(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def throughput(a: Mark, b: Mark) -> float:
    """Chains per wall-clock second between two marks."""
    if b.t_ns <= a.t_ns or b.iterations < a.iterations:
        raise ValueError(f"marks out of order: {a} then {b}")
    return (b.iterations - a.iterations) * 1e9 / (b.t_ns - a.t_ns)


def throughput_per_cpu(a: Mark, b: Mark) -> float:
    """Chains per CPU-second the workload ran between two marks."""
    if b.cpu_ns <= a.cpu_ns or b.iterations < a.iterations:
        raise ValueError(f"marks out of order: {a} then {b}")
    return (b.iterations - a.iterations) * 1e9 / (b.cpu_ns - a.cpu_ns)


def parse_pid_line(line: str) -> int:
    """First line of bench_workload and churn: 'pid <pid> ...'."""
    m = re.match(r"pid (\d+)\b", line)
    if not m:
        raise ValueError(f"expected 'pid <pid>', got {line!r}")
    return int(m.group(1))


@dataclass(frozen=True)
class SampleCount:
    """Samples a profiler recorded, and those it says it lost."""

    captured: int
    lost: int


def parse_profbufd_json(text: str) -> SampleCount:
    """profbufd's JSON profile (schema_version 1 or 2). Captured samples are
    the sampler's own: the samples in the profile minus the idle samples
    profbufd adds from /proc/stat; lost is every reason in lost_samples.
    Version 2 counts lost samples in totals[0]; version 1's total_samples
    did not."""
    doc = json.loads(text)
    if doc.get("schema") != "profbufd/profile":
        raise ValueError(f"not a profbufd profile (schema {doc.get('schema')!r})")
    md = doc["metadata"]
    lost = sum(int(v) for v in md.get("lost_samples", {}).values())
    if doc.get("schema_version", 1) >= 2:
        idle = int(md.get("details", {}).get("idle_accounted_samples", 0))
        captured = int(md["totals"][0]) - lost - idle
    else:
        captured = int(md["total_samples"]) - int(md.get("idle_accounted_samples", 0))
    return SampleCount(captured, lost)


def parse_profbufd_duration_s(text: str) -> float:
    return int(json.loads(text)["metadata"]["duration_ns"]) / 1e9


def parse_perf_stats(text: str, event: str = "cpu-clock") -> SampleCount:
    """`perf report --stats` output, read from the block of the sampled event
    ('cpu-clock stats:'): SAMPLE events are the samples in the file, and
    LOST_SAMPLES events the samples perf knows it lost (its ring overran or the
    kernel dropped them); perf adds up the lost counts per event there, so the
    number is samples, not records. No LOST_SAMPLES line means nothing lost."""
    block = perf_event_block(text, event)
    if block is None:
        raise ValueError(f"perf report --stats: no '{event} stats:' block")
    m = re.search(r"^\s*SAMPLE events:\s+(\d+)", block, re.MULTILINE)
    captured = int(m.group(1)) if m else 0
    lm = re.search(r"^\s*LOST_SAMPLES events:\s+(\d+)", block, re.MULTILINE)
    return SampleCount(captured, int(lm.group(1)) if lm else 0)


def perf_event_block(text: str, event: str) -> Optional[str]:
    """Lines after '<event> stats:' up to the next '<name> stats:' header."""
    out = None
    for line in text.splitlines():
        if re.match(r"^\S.*stats:\s*$", line):
            if out is not None:
                break
            if line.strip() == f"{event} stats:":
                out = []
            continue
        if out is not None:
            out.append(line)
    return None if out is None else "\n".join(out)


def parse_bpftrace_json(text: str) -> SampleCount:
    """bpftrace -f json output of `@[kstack, ustack] = count()`: one JSON
    object per line; the map's values are the per-stack counts.

    Two map entries can print the same key (the map is keyed by stack ids and
    pid, the text by symbols), and bpftrace writes both: a JSON object with a
    repeated name. A plain json.loads keeps only the last of them, so counts
    are summed over every (name, value) pair as written."""
    total = None
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        counts: list[int] = []

        def keep_pairs(pairs):
            # Innermost objects first: the map's entries are the pairs whose
            # values are plain integers.
            counts.extend(v for _, v in pairs if isinstance(v, int) and not isinstance(v, bool))
            return dict(pairs)

        obj = json.loads(line, object_pairs_hook=keep_pairs)
        if obj.get("type") == "map":
            total = (total or 0) + sum(counts)
    if total is None:
        raise ValueError("bpftrace: no map in the output (did it exit before printing?)")
    # In-kernel map aggregation has no drop counter to read.
    return SampleCount(total, 0)


def bpftrace_attached(text: str) -> bool:
    """True once bpftrace has reported its probes attached."""
    return '"attached_probes"' in text or re.search(r"^Attaching \d+ probe", text, re.MULTILINE) is not None


@dataclass(frozen=True)
class Rusage:
    """rusage_exec's report on the command it ran (wait4)."""

    pid: int
    wait_status: int
    cpu_s: float  # user + sys
    maxrss_kb: int


def parse_rusage_report(text: str) -> Rusage:
    """Both lines of tests/programs/rusage_exec's report:
    'pid <pid>' then 'status <s> utime_us <n> stime_us <n> maxrss_kb <n>'."""
    pid = parse_pid_line(text)
    m = re.search(r"^status (-?\d+) utime_us (\d+) stime_us (\d+) maxrss_kb (\d+)$", text, re.MULTILINE)
    if not m:
        raise ValueError(f"rusage_exec: no status line in {text!r}")
    return Rusage(pid, int(m.group(1)), (int(m.group(2)) + int(m.group(3))) / 1e6, int(m.group(4)))


def irq_time_accounting(kernel_config: str) -> bool:
    """Whether the kernel (its .config text) charges interrupt time apart from
    the interrupted task. Without it, the sampling interrupt and the BPF
    program in it count as the workload's own CPU time."""
    return re.search(r"^CONFIG_IRQ_TIME_ACCOUNTING=y$", kernel_config, re.MULTILINE) is not None


def parse_loadavg(text: str) -> tuple[float, float, float]:
    parts = text.split()
    if len(parts) < 3:
        raise ValueError(f"/proc/loadavg: {text!r}")
    return float(parts[0]), float(parts[1]), float(parts[2])


def parse_churn_summary(text: str) -> Optional[dict]:
    """churn's last line: 'spawned N failed N seconds S rate R'."""
    m = re.search(r"^spawned (\d+) failed (\d+) seconds ([\d.]+) rate ([\d.]+)$", text, re.MULTILINE)
    if not m:
        return None
    return {
        "spawned": int(m.group(1)),
        "failed": int(m.group(2)),
        "seconds": float(m.group(3)),
        "rate": float(m.group(4)),
    }
