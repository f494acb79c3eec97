"""Pictures of circuits and counts for the page: plain text and SVG.

Gates are laid out in columns: each instruction goes in the first column after the last
one used by any qubit it spans, so independent gates share a column.
"""

from __future__ import annotations

from html import escape

from .parameters import Expression

_CONTROLLED = {
    "cx": "X",
    "CX": "X",
    "cy": "Y",
    "cz": "Z",
    "ch": "H",
    "csx": "SX",
    "crx": "RX",
    "cry": "RY",
    "crz": "RZ",
    "cu1": "P",
    "cp": "P",
    "cu3": "U3",
    "cu": "U",
    "ccx": "X",
    "c3x": "X",
    "c4x": "X",
    "c3sqrtx": "SX",
}
_NUM_CONTROLS = {"ccx": 2, "c3x": 3, "c4x": 4, "c3sqrtx": 3}


def _fmt(p) -> str:
    if isinstance(p, Expression):
        return repr(p)
    import math

    for k in (1, 2, 3, 4, 8):
        for sign in (1, -1):
            if abs(p - sign * math.pi / k) < 1e-12:
                return ("-" if sign < 0 else "") + ("pi" if k == 1 else f"pi/{k}")
    return f"{p:.3g}"


def _label(inst) -> str:
    name = inst.name
    base = _CONTROLLED.get(name, name.upper() if len(name) <= 2 else name)
    if inst.params:
        base += "(" + ",".join(_fmt(p) for p in inst.params) + ")"
    return base


def layout(circuit):
    """[(column, instruction)] with columns packed left."""
    free = [0] * max(1, circuit.num_qubits)
    placed = []
    for inst in circuit.instructions:
        qs = inst.qubits or tuple(range(circuit.num_qubits))
        lo, hi = min(qs), max(qs)
        col = max(free[lo : hi + 1])
        if inst.condition is not None or inst.name == "measure":
            col = max(free)  # classical wires cross everything
        placed.append((col, inst))
        for q in (
            range(circuit.num_qubits)
            if inst.condition is not None or inst.name == "measure"
            else range(lo, hi + 1)
        ):
            free[q] = col + 1
    return placed


def _parts(inst):
    """qubit -> symbol for one instruction."""
    name = inst.name
    if name == "measure":
        return {inst.qubits[0]: "M"}
    if name == "reset":
        return {inst.qubits[0]: "|0>"}
    if name == "barrier":
        return {q: "|" for q in inst.qubits}
    if name == "swap":
        return {inst.qubits[0]: "x", inst.qubits[1]: "x"}
    if name == "cswap":
        return {inst.qubits[0]: "*", inst.qubits[1]: "x", inst.qubits[2]: "x"}
    if name in ("cz",):
        return {q: "*" for q in inst.qubits}
    if name in _CONTROLLED:
        k = _NUM_CONTROLS.get(name, 1)
        out = {q: "*" for q in inst.qubits[:k]}
        out[inst.qubits[-1]] = _label(inst)
        return out
    if len(inst.qubits) == 1:
        return {inst.qubits[0]: _label(inst)}
    return {q: f"{_label(inst)}[{j}]" for j, q in enumerate(inst.qubits)}


def draw_text(circuit) -> str:
    """One line per qubit, e.g. `q0: -H--*-` / `q1: ----X-`."""
    placed = layout(circuit)
    ncols = max((c for c, _ in placed), default=-1) + 1
    cells = [[None] * ncols for _ in range(circuit.num_qubits)]
    spans = [[False] * ncols for _ in range(circuit.num_qubits)]
    for col, inst in placed:
        parts = _parts(inst)
        if inst.condition is not None:
            cond = f"if {inst.condition.register}=={inst.condition.value}"
            for q in parts:
                parts[q] = f"{parts[q]}[{cond}]"
        if inst.name == "measure":
            parts[inst.qubits[0]] = f"M->c{inst.clbits[0]}"
        for q, text in parts.items():
            cells[q][col] = text
        if len(inst.qubits) > 1 and inst.name != "barrier":
            for q in range(min(inst.qubits), max(inst.qubits) + 1):
                if q not in parts:
                    spans[q][col] = True
    widths = [max([len(cells[q][c] or "") for q in range(circuit.num_qubits)] + [1]) for c in range(ncols)]
    names = [f"q{q}: " for q in range(circuit.num_qubits)]
    pad = max(len(s) for s in names)
    lines = []
    for q in range(circuit.num_qubits):
        row = names[q].rjust(pad) + "-"
        for c in range(ncols):
            text = cells[q][c] or ("|" if spans[q][c] else "")
            row += text.center(widths[c], "-") + "-"
        lines.append(row)
    return "\n".join(lines)


def draw_svg(circuit, cell: int = 44) -> str:
    """An SVG picture of the circuit (wires, boxes, control dots, measurement marks)."""
    placed = layout(circuit)
    ncols = max((c for c, _ in placed), default=-1) + 1
    n = circuit.num_qubits
    left = 40
    width = left + (ncols + 1) * cell
    height = (n + 1) * cell
    y = lambda q: (q + 1) * cell  # noqa: E731
    x = lambda c: left + (c + 1) * cell  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for q in range(n):
        out.append(f'<text x="4" y="{y(q) + 4}">q{q}</text>')
        out.append(f'<line x1="{left - 8}" y1="{y(q)}" x2="{width - 8}" y2="{y(q)}" stroke="black"/>')
    for col, inst in placed:
        parts = _parts(inst)
        cx = x(col)
        if len(inst.qubits) > 1 and inst.name != "barrier":
            out.append(
                f'<line x1="{cx}" y1="{y(min(inst.qubits))}" x2="{cx}" y2="{y(max(inst.qubits))}" stroke="black"/>'
            )
        for q, text in parts.items():
            if text == "*":
                out.append(f'<circle cx="{cx}" cy="{y(q)}" r="5" fill="black"/>')
            elif text == "x":
                out.append(
                    f'<path d="M{cx - 6},{y(q) - 6} L{cx + 6},{y(q) + 6} M{cx - 6},{y(q) + 6} '
                    f'L{cx + 6},{y(q) - 6}" stroke="black" stroke-width="2"/>'
                )
            elif text == "|":
                out.append(
                    f'<line x1="{cx}" y1="{y(q) - cell / 2}" x2="{cx}" y2="{y(q) + cell / 2}" '
                    'stroke="gray" stroke-dasharray="4,3"/>'
                )
            else:
                w = max(cell - 8, 8 * len(text))
                fill = "#ffe0b2" if inst.name == "measure" else "#bbdefb"
                out.append(
                    f'<rect x="{cx - w / 2}" y="{y(q) - 14}" width="{w}" height="28" rx="3" '
                    f'fill="{fill}" stroke="black"/>'
                )
                out.append(f'<text x="{cx}" y="{y(q) + 4}" text-anchor="middle">{escape(text)}</text>')
        if inst.condition is not None:
            q = max(inst.qubits)
            out.append(
                f'<text x="{cx}" y="{y(q) + 26}" text-anchor="middle" font-size="10">'
                f"if {escape(inst.condition.register)}=={inst.condition.value}</text>"
            )
    out.append("</svg>")
    return "\n".join(out)


def histogram_svg(counts: dict, width: int = 480, height: int = 240, max_bars: int = 64) -> str:
    """Bar chart of counts (or probabilities), largest `max_bars` outcomes in key order."""
    items = sorted(counts.items(), key=lambda kv: -kv[1])[:max_bars]
    items.sort()
    total = sum(counts.values()) or 1
    top = max((v for _, v in items), default=1) or 1
    margin = 30
    bar = (width - 2 * margin) / max(1, len(items))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" stroke="black"/>',
    ]
    for i, (key, value) in enumerate(items):
        h = (height - 2 * margin) * value / top
        x0 = margin + i * bar
        out.append(
            f'<rect x="{x0 + bar * 0.1:.1f}" y="{height - margin - h:.1f}" width="{bar * 0.8:.1f}" '
            f'height="{h:.1f}" fill="#1976d2"><title>{escape(str(key))}: {value} '
            f"({value / total:.3f})</title></rect>"
        )
        out.append(
            f'<text x="{x0 + bar / 2:.1f}" y="{height - margin + 12}" text-anchor="middle">{escape(str(key))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
