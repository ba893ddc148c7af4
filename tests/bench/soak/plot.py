"""The soak's figure: an SVG of its samples, drawn without plotting libraries.

Two panels over time: memory (RSS, malloc's bytes in use and kept free, BPF map
memory), and counts (open fds, threads, lost samples).
"""

W, H, PAD = 900, 260, 60
COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]


def _panel(rows, t, series, y0, title, unit):
    """series: [(label, values)]; returns SVG elements for one panel."""
    top = max([max(v) for _, v in series] + [1.0])
    t_max = max(t[-1], 1.0)

    def x(v):
        return PAD + (W - 2 * PAD) * v / t_max

    def y(v):
        return y0 + H - 30 - (H - 60) * v / top

    out = [f'<text x="{PAD}" y="{y0 + 18}" font-size="14">{title}</text>',
           f'<line x1="{PAD}" y1="{y(0)}" x2="{W - PAD}" y2="{y(0)}" stroke="#888"/>',
           f'<line x1="{PAD}" y1="{y(0)}" x2="{PAD}" y2="{y(top)}" stroke="#888"/>']
    for frac in (0.0, 0.5, 1.0):
        out.append(f'<text x="{PAD - 4}" y="{y(top * frac) + 4}" font-size="10" '
                   f'text-anchor="end">{top * frac:.4g}{unit}</text>')
        out.append(f'<text x="{x(t_max * frac)}" y="{y(0) + 14}" font-size="10" '
                   f'text-anchor="middle">{t_max * frac / 60:.0f} min</text>')
    for i, (label, values) in enumerate(series):
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in zip(t, values))
        color = COLORS[i % len(COLORS)]
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/>')
        out.append(f'<text x="{W - PAD - 200}" y="{y0 + 18 + 14 * i}" font-size="12" '
                   f'fill="{color}">{label}</text>')
    return out


def svg(rows: list[dict]) -> str:
    t = [r["t_s"] for r in rows]
    mib = 1 << 20
    memory = [("RSS", [r["rss_kb"] * 1024 / mib for r in rows]),
              ("malloc in use", [r["malloc_in_use"] / mib for r in rows]),
              ("malloc kept free", [r["malloc_free"] / mib for r in rows]),
              ("BPF maps", [r["map_bytes"] / mib for r in rows])]
    counts = [("open fds", [r["fds"] for r in rows]), ("threads", [r["threads"] for r in rows]),
              ("lost samples", [r["lost"] for r in rows])]
    body = _panel(rows, t, memory, 0, "profbufd memory (MiB)", "") + \
        _panel(rows, t, counts, H, "profbufd open fds, threads, lost samples", "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{2 * H}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
            + "".join(body) + "</svg>\n")
