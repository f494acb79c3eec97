"""Small SVG charts for the stats (bars, a calendar heatmap, lines, a concept map).

Plain strings, no dependencies; every text is escaped (concept names come from users).
Colours use CSS classes plus inline fills so the charts look right without a stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def bars(
    values: list[float],
    labels: list[str],
    title: str,
    *,
    series2: list[float] | None = None,
    height: int = 160,
    bar: int = 14,
    fill: str = "#4f7cff",
    fill2: str = "#f0a030",
    top: float | None = None,
    percent: bool = False,
    empty: str = "No data yet",
) -> str:
    """A bar chart (two bars per slot when series2 is given). The axis is labelled with the
    top value (a whole count, or a percentage when `percent`); with nothing to draw (no
    values, or all zero) the chart says `empty` instead."""
    slots = max(len(values), 1)
    per = bar * (2 if series2 is not None else 1) + 6
    width = max(40 + slots * per, 360)  # an empty or short chart is not blown up by the page
    nothing = not any(v for v in (*values, *(series2 or [])) if v is not None)
    if top is None:  # counts: the axis tops at the largest, at least 1
        top = max([1, *(v for v in (*values, *(series2 or [])) if v is not None)])
    plot = height - 30
    body = [f'<text x="4" y="12" {FONT}>{escape(title)}</text>']
    if nothing:
        body.append(
            f'<text class="empty" x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" {FONT} '
            f'fill="#666">{escape(empty)}</text>'
        )
    for i, value in enumerate(values):
        x = 36 + i * per
        for k, (v, colour) in enumerate(
            ((value, fill), *(((series2[i], fill2),) if series2 is not None else ()))
        ):
            h = 0 if top <= 0 or v is None else plot * max(v, 0) / top
            body.append(
                f'<rect class="bar s{k}" x="{x + k * bar}" y="{height - 14 - h:.1f}" width="{bar - 1}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(labels[i])}: {_number(v, percent)}</title></rect>'
            )
        if len(values) <= 40 and (i % max(1, len(values) // 10) == 0):
            body.append(f'<text x="{x}" y="{height - 2}" {FONT}>{escape(labels[i])}</text>')
    if not nothing:
        body.append(
            f'<text class="axis" x="2" y="{height - 14 - plot + 10}" {FONT}>{_number(top, percent)}</text>'
        )
    return _svg(width, height, body, title)


def _number(value, percent: bool) -> str:
    """An axis or tooltip value as people read it: 12, 2.5, 90%; a missing value as —."""
    if value is None:
        return "—"
    if percent:
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def calendar(counts: list[int], first_weekday: int, labels: list[str], title: str, cell: int = 11) -> str:
    """Columns are weeks, rows weekdays (Monday on top); darker = more reviews."""
    top = max(counts, default=0) or 1
    weeks = (first_weekday + len(counts) + 6) // 7
    body = [f'<text x="4" y="12" {FONT}>{escape(title)}</text>']
    for i, count in enumerate(counts):
        slot = first_weekday + i
        level = 0 if count == 0 else 1 + min(3, int(4 * count / (top + 1)))
        colour = ("#ebedf0", "#c6d8ff", "#8fb0ff", "#4f7cff", "#1f3fbf")[level]
        body.append(
            f'<rect class="day l{level}" x="{4 + (slot // 7) * cell}" y="{18 + (slot % 7) * cell}" '
            f'width="{cell - 2}" height="{cell - 2}" fill="{colour}">'
            f"<title>{escape(labels[i])}: {count}</title></rect>"
        )
    return _svg(8 + weeks * cell, 24 + 7 * cell, body, title)


def lines(
    xs: Sequence[float],
    ys: Sequence[float],
    title: str,
    *,
    points: Sequence[tuple[float, float, str]] = (),
    width: int = 360,
    height: int = 180,
    y_max: float = 1.0,
    x_label: str = "days",
) -> str:
    """A line y(x) in [0, y_max] with optional marked points (x, y, tooltip)."""
    x_max = max([*xs, *(p[0] for p in points), 1e-9])
    plot_w, plot_h = width - 50, height - 40

    def px(x, y):
        return 40 + plot_w * x / x_max, 20 + plot_h * (1 - y / y_max)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{px(x, y)[0]:.1f},{px(x, y)[1]:.1f}" for i, (x, y) in enumerate(zip(xs, ys))
    )
    body = [
        f'<text x="4" y="12" {FONT}>{escape(title)}</text>',
        f'<path class="curve" d="{path}" fill="none" stroke="#4f7cff" stroke-width="2"/>',
        f'<text x="40" y="{height - 4}" {FONT}>0</text>',
        f'<text x="{width - 60}" y="{height - 4}" {FONT}>{x_max:.0f} {escape(x_label)}</text>',
        f'<text x="4" y="24" {FONT}>{y_max:.0%}</text>',
    ]
    for x, y, tip in points:
        cx, cy = px(x, y)
        body.append(
            f'<circle class="point" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#f0a030"><title>{escape(tip)}</title></circle>'
        )
    return _svg(width, height, body, title)


# Concept map colours: status reads from the fill (a legend names them), mastery from its depth.
LOCKED, NOT_STARTED, LEARNING, MASTERED = "locked", "not started", "learning", "mastered"
STATUS_STYLE = {  # fill, stroke, dash
    LOCKED: ("#eceef2", "#b8bcc6", "3,2"),
    NOT_STARTED: ("#ffffff", "#4f7cff", ""),
    LEARNING: ("#c6d8ff", "#4f7cff", ""),
    MASTERED: ("#7ccf9c", "#2f9e5a", ""),
}


def concept_fill(status: str, mastery: float) -> str:
    """The fill of a concept: fixed per status, except `learning`, which deepens from light to
    mid blue as mastery grows (never red: a concept being learned is not failing)."""
    if status != LEARNING:
        return STATUS_STYLE[status][0]
    m = max(0.0, min(1.0, mastery))
    light, deep = (226, 234, 255), (143, 176, 255)
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * m) for a, b in zip(light, deep))


def concept_status(unlocked: bool, reviewed: int, mastered: bool) -> str:
    if mastered:
        return MASTERED
    if not unlocked:
        return LOCKED
    return LEARNING if reviewed else NOT_STARTED


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _legend(x: int, y: int) -> list[str]:
    out = []
    for status in (NOT_STARTED, LEARNING, MASTERED, LOCKED):
        fill, stroke, dash = STATUS_STYLE[status]
        fill = concept_fill(status, 0.5)
        out.append(
            f'<g class="legend" data-status="{status}"><rect x="{x}" y="{y}" width="14" height="10" rx="3" '
            f'fill="{fill}" stroke="{stroke}"{_dash(dash)}/>'
            f'<text x="{x + 18}" y="{y + 9}" {FONT}>{status}</text></g>'
        )
        x += 28 + 6 * len(status)
    return out


def concept_map(nodes: list[dict], edges: list[tuple[int, int]], title: str) -> str:
    """Nodes {name, x, y, mastery, status, key}; edges (from, to) index pairs (a requires b).
    A legend under the title names the colours; nodes start at y >= 10 (room for it)."""
    width = max(max([n["x"] for n in nodes], default=0) + 160, 400)
    height = max([n["y"] for n in nodes], default=0) + 70
    body = [f'<text x="4" y="12" {FONT}>{escape(title)}</text>', *_legend(4, 20)]
    shift = 20  # below the legend
    for a, b in edges:
        na, nb = nodes[a], nodes[b]
        body.append(
            f'<line class="requires" x1="{nb["x"] + 60}" y1="{nb["y"] + 30 + shift}" x2="{na["x"] + 60}" '
            f'y2="{na["y"] + 30 + shift}" stroke="#999" stroke-width="1"/>'
        )
    for n in nodes:
        _, stroke, dash = STATUS_STYLE[n["status"]]
        colour = "#6b7080" if n["status"] == LOCKED else "#1d2330"
        body.append(
            f'<g class="concept" data-key="{escape(n["key"])}" data-status="{n["status"]}">'
            f'<rect x="{n["x"]}" y="{n["y"] + 20 + shift}" width="120" height="20" rx="6" '
            f'fill="{concept_fill(n["status"], n["mastery"])}" stroke="{stroke}"'
            f"{_dash(dash)}/>"
            f'<text x="{n["x"] + 4}" y="{n["y"] + 34 + shift}" {FONT} fill="{colour}">{escape(n["name"][:20])}</text>'
            f"<title>{escape(n['name'])}: {n['status']}, mastery {n['mastery']:.0%}</title></g>"
        )
    if not nodes:
        body.append(
            f'<text class="empty" x="200" y="60" text-anchor="middle" {FONT} fill="#666">No concepts yet</text>'
        )
    return _svg(width, height, body, title)
