"""The soak's verdict on issue 15's goals, from the Sampler's rows."""

RSS_LIMIT_MIB = 32
SLOPE_LIMIT_PCT_PER_HOUR = 1.0
FLAT_SLACK = 2  # fds and threads may end this much above where they began


def flat(values: list[int]) -> bool:
    """No upward trend: the last quarter's peak is not above the first quarter's.

    fds and threads move with the work of the moment (a scrape's socket, a
    window's open debug files, a curl thread); a leak shows as a rising peak.
    """
    q = max(1, len(values) // 4)
    return max(values[-q:]) <= max(values[:q]) + FLAT_SLACK


def slope_per_hour(t: list[float], v: list[float]) -> float:
    """Least-squares slope of v over t (seconds), per hour."""
    n = len(t)
    if n < 2:
        return 0.0
    mt, mv = sum(t) / n, sum(v) / n
    den = sum((a - mt) ** 2 for a in t)
    return 0.0 if den == 0 else 3600.0 * sum((a - mt) * (b - mv) for a, b in zip(t, v)) / den


def goals(rows: list[dict], warmup_s: float, windows, lost_end: float) -> list[tuple[str, bool, str]]:
    after = [r for r in rows if r["t_s"] >= warmup_s] or rows
    t = [r["t_s"] for r in after]
    rss = [r["rss_kb"] / 1024 for r in after]
    mean = sum(rss) / len(rss)
    slope = slope_per_hour(t, rss)
    fds = [r["fds"] for r in after]
    threads = [r["threads"] for r in after]
    return [
        (f"RSS after warm-up at most {RSS_LIMIT_MIB} MiB", max(rss) <= RSS_LIMIT_MIB,
         f"max {max(rss):.1f} MiB, mean {mean:.1f} MiB"),
        (f"RSS slope under {SLOPE_LIMIT_PCT_PER_HOUR}% per hour",
         abs(slope) < mean * SLOPE_LIMIT_PCT_PER_HOUR / 100,
         f"{slope:+.2f} MiB/h ({100 * slope / mean:+.2f}%/h)"),
        ("open fds flat (last quarter's peak within 2 of the first's)", flat(fds),
         f"{min(fds)}..{max(fds)}"),
        ("threads flat (likewise)", flat(threads), f"{min(threads)}..{max(threads)}"),
        ("0 lost samples", lost_end == 0, f"{lost_end:.0f}"),
        ("every window file valid", not windows.invalid and windows.valid > 0,
         f"{windows.valid} valid, {len(windows.invalid)} invalid, {windows.gone} removed by --keep "
         "before their check"),
    ]


def markdown(settings: str, rows, warmup_s, windows, extra: list[str], lost_end) -> tuple[str, bool]:
    checks = goals(rows, warmup_s, windows, lost_end)
    lines = ["# profbufd soak", "", settings, "", "| goal | met | measured |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if ok else 'NO'} | {got} |" for name, ok, got in checks]
    lines += [""] + [f"- {e}" for e in extra] + [""] + [f"- invalid: {w}" for w in windows.invalid]
    return "\n".join(lines) + "\n", all(ok for _, ok, _ in checks)
