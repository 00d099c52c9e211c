"""Plots as inline SVG, drawn here: the quality report needs no plotting library, no
script from the network and no font beyond the browser's own."""

from __future__ import annotations

from html import escape

# Plot geometry (pixels): wide enough for a province's name beside its bar.
WIDTH, BAR_H, GAP, LABEL_W, PAD = 640, 18, 6, 150, 10
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")


def _empty(title: str) -> str:
    return (f'<svg class="plot" role="img" aria-label="{escape(title)}" width="{WIDTH}" height="40">'
            f'<text x="{PAD}" y="24" class="empty">no data</text></svg>')


def hbar(title: str, data: list[tuple[str, dict[str, float]]], series: list[str]) -> str:
    """Horizontal stacked bars: one bar per label, one colour per series (a legend above)."""
    if not data:
        return _empty(title)
    top = 24
    total = max(sum(parts.values()) for _, parts in data) or 1
    scale = (WIDTH - LABEL_W - 60) / total
    h = top + len(data) * (BAR_H + GAP) + PAD
    out = [f'<svg class="plot" role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{h}" '
           f'viewBox="0 0 {WIDTH} {h}">']
    x = PAD
    for i, s in enumerate(series):
        out.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{x + 14}" y="15" class="legend">{escape(s)}</text>')
        x += 24 + 8 * len(s)
    for row, (label, parts) in enumerate(data):
        y = top + row * (BAR_H + GAP)
        out.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end">{escape(str(label))}</text>')
        x = LABEL_W
        for i, s in enumerate(series):
            v = parts.get(s, 0)
            if v:
                w = max(1.0, v * scale)
                out.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                           f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(f"{label} {s}: {v:g}")}</title></rect>')
                x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + BAR_H - 5}">{sum(parts.values()):g}</text>')
    out.append("</svg>")
    return "".join(out)


def scatter(title: str, points: list[tuple[float, float, str]], xlabel: str, ylabel: str) -> str:
    """Points (x, y, tooltip) with the diagonal y = x drawn for reference."""
    if not points:
        return _empty(title)
    size = 360
    m = max(max(x for x, _, _ in points), max(y for _, y, _ in points)) or 1
    k = (size - 2 * 30) / m
    out = [f'<svg class="plot" role="img" aria-label="{escape(title)}" width="{size}" height="{size}" '
           f'viewBox="0 0 {size} {size}">',
           f'<line x1="30" y1="{size - 30}" x2="{size - 30}" y2="30" stroke="#bbb" stroke-dasharray="4"/>',
           f'<line x1="30" y1="{size - 30}" x2="{size - 30}" y2="{size - 30}" stroke="#333"/>',
           f'<line x1="30" y1="{size - 30}" x2="30" y2="30" stroke="#333"/>',
           f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle">{escape(xlabel)}</text>',
           f'<text x="30" y="{size - 18}" text-anchor="middle">0</text>',
           f'<text x="{size - 30}" y="{size - 18}" text-anchor="middle">{m:g}</text>',
           f'<text x="26" y="34" text-anchor="end">{m:g}</text>',
           f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})" text-anchor="middle">{escape(ylabel)}</text>']
    for x, y, tip in points:
        out.append(f'<circle class="bar" cx="{30 + x * k:.1f}" cy="{size - 30 - y * k:.1f}" r="4" '
                   f'fill="{PALETTE[0]}" fill-opacity="0.6"><title>{escape(tip)}</title></circle>')
    out.append("</svg>")
    return "".join(out)
