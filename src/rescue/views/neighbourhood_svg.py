"""A neighbourhood as a server-rendered SVG: no JavaScript, the same picture for the same data.

The layout is radial and deterministic: the person in the centre, neighbours clockwise from the
top, heaviest first, alternating between two rings when there are many so labels do not collide.
A line's width grows with the tie's weight; ties among neighbours are drawn thin and pale
beneath. Fill says the tier; a dashed grey node is a person outside the reader's countries.

Every text is escaped (labels are usernames: anyone could have chosen them), and the drawing
uses presentation attributes only, no ``style``, so a strict Content-Security-Policy holds.
Each node carries a ``<title>`` (a native tooltip) with its tie's kinds.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from rescue.views.neighbourhood import Neighbour, Neighbourhood

SIZE = 640
LEGEND = 44
LABEL_CHARS = 26
# Fill per tier: a ramp from dark red (most urgent) to grey, distinguishable in greyscale too.
TIER_FILL = {
    "Very High": "#b2182b",
    "High": "#ef8a62",
    "Medium": "#fddbc7",
    "Low": "#d1e5f0",
}
NO_TIER = "#ffffff"
OTHER_FILL = "#bdbdbd"
INK = "#222222"


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _num(x: float) -> str:
    return f"{x:.1f}"


def _positions(count: int) -> list[tuple[float, float]]:
    centre = SIZE / 2
    rings = (SIZE * 0.40,) if count <= 12 else (SIZE * 0.40, SIZE * 0.27)
    places = []
    for i in range(count):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        radius = rings[i % len(rings)]
        places.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    return places


def _tooltip(n: Neighbour) -> str:
    kinds = ", ".join(f"{k.kind} {k.weight}" for k in n.kinds)
    who = n.label if n.tier is None else f"{n.label} ({n.tier})"
    return f"{who}: {n.weight} interactions ({kinds})"


def _node(x: float, y: float, r: float, fill: str, dashed: bool, title: str) -> list[str]:
    dash = ' stroke-dasharray="3 2"' if dashed else ""
    return [
        "<g>",
        f"<title>{escape(title)}</title>",
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{fill}" stroke="{INK}" '
        f'stroke-width="1"{dash}/>',
        "</g>",
    ]


def _label(x: float, y: float, lines: list[str], bold: bool = False) -> list[str]:
    weight = ' font-weight="bold"' if bold else ""
    out = []
    for i, line in enumerate(lines):
        size = 11 if i == 0 else 9
        out.append(
            f'<text x="{_num(x)}" y="{_num(y + i * 11)}" font-size="{size}" '
            f'text-anchor="middle" fill="{INK}"{weight}>{escape(_short(line))}</text>'
        )
    return out


def _legend() -> list[str]:
    items = [*TIER_FILL.items(), ("no tier", NO_TIER), ("another country", OTHER_FILL)]
    out = []
    step = SIZE / len(items)
    for i, (name, fill) in enumerate(items):
        x = 8 + i * step
        y = SIZE + LEGEND / 2
        dash = ' stroke-dasharray="3 2"' if fill == OTHER_FILL else ""
        out.append(
            f'<rect x="{_num(x)}" y="{_num(y - 6)}" width="12" height="12" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1"{dash}/>'
        )
        out.append(
            f'<text x="{_num(x + 16)}" y="{_num(y + 4)}" font-size="10" fill="{INK}">'
            f"{escape(name)}</text>"
        )
    return out


def neighbourhood_svg(hood: Neighbourhood) -> str:
    """An SVG document (also valid inline in HTML) drawing ``hood``."""
    centre = SIZE / 2
    places = _positions(len(hood.neighbours))
    at = {n.key: p for n, p in zip(hood.neighbours, places, strict=True)}
    heaviest = max((n.weight for n in hood.neighbours), default=1)
    title = (
        f"Network neighbourhood of {hood.label}: {len(hood.neighbours)} of {hood.total_ties} ties"
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE + LEGEND}" '
        f'width="{SIZE}" height="{SIZE + LEGEND}" role="img" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{SIZE}" height="{SIZE + LEGEND}" fill="#ffffff"/>',
    ]
    for tie in hood.ties_between:
        (x1, y1), (x2, y2) = at[tie.a], at[tie.b]
        out.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            'stroke="#cccccc" stroke-width="0.8"/>'
        )
    for n, (x, y) in zip(hood.neighbours, places, strict=True):
        width = 1 + 5 * math.log1p(n.weight) / math.log1p(heaviest)
        out.append(
            f'<line x1="{_num(centre)}" y1="{_num(centre)}" x2="{_num(x)}" y2="{_num(y)}" '
            f'stroke="#555555" stroke-width="{_num(width)}" stroke-opacity="0.7"/>'
        )
    for n, (x, y) in zip(hood.neighbours, places, strict=True):
        fill = TIER_FILL.get(n.tier or "", NO_TIER) if n.in_scope else OTHER_FILL
        radius = 6 + 6 * math.log1p(n.weight) / math.log1p(heaviest)
        out += _node(x, y, radius, fill, not n.in_scope, _tooltip(n))
        lines = [n.label] if not n.in_scope else [n.label, n.tier or "no tier"]
        out += _label(x, y + radius + 11, lines)
    out += _node(centre, centre, 16, TIER_FILL.get(hood.tier or "", NO_TIER), False, hood.label)
    out += _label(centre, centre + 30, [hood.label, hood.tier or "no tier"], bold=True)
    out += _legend()
    out.append("</svg>")
    return "\n".join(out)
