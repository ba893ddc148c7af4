"""How complete the user stacks of one workload are, as each profiler wrote
them: the share of its samples whose user stack reaches the program's entry
(or a thread's start), and the median user depth.

Sources: profbufd's JSON profile (frames of kind "user", outermost last) and
`perf script -F comm,tid,ip,sym --no-inline` (one sample per block: a header
line, then one line per frame, leaf first, blank line between samples).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Optional

# The outermost frames of a complete user stack: a process's entry, or the
# start of a thread (clone3 calls start_thread, which calls the thread's
# function).
ENTRY_FUNCTIONS = frozenset({"_start", "__libc_start_main", "__libc_start_call_main",
                             "__libc_start_main_impl", "clone3", "__clone3", "start_thread", "__clone"})
ENTRY_WINDOW = 3  # the entry must be among the outermost frames


@dataclass(frozen=True)
class StackShape:
    samples: int
    reach_entry: int
    median_depth: Optional[float]

    @property
    def entry_pct(self) -> Optional[float]:
        return 100.0 * self.reach_entry / self.samples if self.samples else None


def reaches_entry(functions: list[str]) -> bool:
    """functions: one user stack, leaf first."""
    return any(f in ENTRY_FUNCTIONS for f in functions[-ENTRY_WINDOW:])


def shape(stacks: Iterable[tuple[list[str], int]]) -> StackShape:
    """stacks: (user functions leaf first, sample count)."""
    total = entry = 0
    depths: list[tuple[int, int]] = []
    for functions, n in stacks:
        total += n
        entry += n if reaches_entry(functions) else 0
        depths.append((len(functions), n))
    return StackShape(total, entry, _weighted_median(depths))


def _weighted_median(values: list[tuple[int, int]]) -> Optional[float]:
    if not values:
        return None
    expanded = sorted(values)
    half = sum(n for _, n in expanded) / 2
    seen = 0
    for v, n in expanded:
        seen += n
        if seen >= half:
            return float(v)
    return float(expanded[-1][0])


def profbufd_stacks(text: str, comm: str) -> list[tuple[list[str], int]]:
    """User stacks of the samples whose comm label is `comm`."""
    doc = json.loads(text)
    out = []
    for s in doc["stacks"]:
        if s.get("labels", {}).get("comm") != comm:
            continue
        functions = [f.get("function") or "" for f in s["frames"] if f.get("kind") == "user"]
        out.append((functions, int(s["values"][0])))
    return out


def perf_script_stacks(text: str, comm: str) -> list[tuple[list[str], int]]:
    """User stacks of the samples of `comm` in perf script output. Kernel
    frames ([kernel.kallsyms]) are dropped; an unresolved frame counts, as
    [unknown]."""
    out = []
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines or lines[0].split(maxsplit=1)[0] != comm:
            continue
        functions = []
        for ln in lines[1:]:
            parts = ln.split(maxsplit=1)
            if len(parts) < 2 or "[kernel.kallsyms]" in ln:
                continue
            sym = parts[1].rsplit(" (", 1)[0].split("+0x", 1)[0].split("@@", 1)[0]
            functions.append(sym)
        out.append((functions, 1))
    return out
