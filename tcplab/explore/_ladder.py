"""A ladder (sequence) diagram of a simulation result as SVG, without matplotlib.

Same picture as :func:`tcplab.viz.ladder.ladder_svg` (A left, B right, time running
down, compressed: every instant a row, long quiet gaps drawn as a labelled break; a lost
segment stops half-way with a red ✗; sequence numbers relative to each side's ISS as
x, y), drawn from ``SimResult.records`` and ``event_records`` directly, so it runs where
pandas and matplotlib do not (the course site's browser runtime).
"""

from __future__ import annotations

import html
import math
from typing import Any

from tcplab.seq import MOD
from tcplab.viz.layout import fmt_gap, time_map

__all__ = ["ladder_svg"]

_COLORS = {"SYN": "#1f77b4", "SYN-ACK": "#1f77b4", "ACK": "#444", "DATA": "#2ca02c",
           "FIN": "#9467bd", "RST": "#d62728"}  # fmt: skip
_ROW = 30.0  # px per compressed time unit
_XA, _XB, _W = 150.0, 510.0, 660.0


def _rel(value: int, iss: int | None, sym: str) -> str:
    if iss is None:
        return str(value)
    d = (value - iss) % MOD
    if d >= 1 << 24:
        return str(value)
    return sym if d == 0 else f"{sym}+{d}"


def _label(r: dict[str, Any], iss: dict[str, tuple[int | None, str]]) -> str:
    s_iss, s_sym = iss.get(r["sender"], (None, "?"))
    d_iss, d_sym = iss.get(r["receiver"], (None, "?"))
    parts = [str(r["flags"]), f"seq={_rel(int(r['seq']), s_iss, s_sym)}"]
    if r.get("ack") is not None:
        parts.append(f"ack={_rel(int(r['ack']), d_iss, d_sym)}")
    if r.get("len"):
        parts.append(f"len={r['len']}")
    return " ".join(parts)


def _t(
    x: float, y: float, s: str, anchor: str = "middle", size: int = 10, color: str = "#222"
) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" class="tcplab-halo">{html.escape(s)}</text>')  # fmt: skip


def ladder_svg(result: Any, *, title: str = "", delay: float = 0.05) -> str:
    """The ladder of a :class:`tcplab.sim.network.SimResult` as one ``<svg>`` string."""
    recs = sorted(result.records, key=lambda r: (r["time"], r["id"]))
    names = list(result.hosts)[:2]
    xs = dict(zip(names, (_XA, _XB), strict=False))
    iss = {
        n: (h.endpoints[0].iss if h.endpoints else None, sym)
        for (n, h), sym in zip(result.hosts.items(), "xy", strict=False)
    }
    timers = [e for e in result.event_records if e["kind"] == "timer" and e["host"] in xs]
    states = [
        e
        for e in result.event_records
        if e["kind"] == "state" and e["host"] in xs and e.get("state_after") is not None
    ]
    times = [r["time"] for r in recs] + [r["arrive"] for r in recs if r["arrive"] is not None]
    times += [e["time"] for e in timers + states]
    ymap, breaks = time_map(times or [0.0], delay)

    def Y(t: float) -> float:
        return 40 + _ROW * ymap[round(t, 9)]

    height = Y(max(times or [0.0])) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W:g} {height:.0f}" '
        'style="max-width:100%;height:auto;font-family:sans-serif" class="tcplab-ladder">'
        "<style>.tcplab-halo{paint-order:stroke;stroke:white;stroke-width:3px}</style>"
        '<rect width="100%" height="100%" fill="white"/>',
        _t(_W / 2, 14, title, size=12),
    ]
    for n, x in xs.items():
        out.append(f'<line x1="{x}" x2="{x}" y1="30" y2="{height - 20:.0f}" stroke="#888"/>')
        out.append(_t(x, 28, n, size=13))
    for yb, g in breaks:
        out.append(_t(_W / 2, 40 + _ROW * yb + 3, f"⋯ {fmt_gap(g)} ⋯", size=9, color="#777"))
    labels: list[str] = []  # drawn last, so no later arrow crosses a label
    for r in recs:
        shapes, text = _arrow(r, xs, Y, _label(r, iss))
        out.extend(shapes)
        labels.append(text)
    out.extend(labels)
    for e in states:  # each state change, written beside its host's line
        left = xs[e["host"]] == _XA
        name = e["state_after"].name.replace("_", "-")
        out.append(
            _t(xs[e["host"]] + (-8 if left else 8), Y(e["time"]) + 4, name,
               "end" if left else "start", 9, "#555")
        )  # fmt: skip
    for e in timers:
        out.append(f'<circle cx="{xs[e["host"]]}" cy="{Y(e["time"]):.1f}" r="4" '
                   'fill="white" stroke="#d62728"><title>'
                   f'{html.escape(str(e["what"]))}</title></circle>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)


def _arrow(r: dict[str, Any], xs: dict[str, float], Y: Any, label: str) -> tuple[list[str], str]:
    x0, x1 = xs.get(r["sender"]), xs.get(r["receiver"])
    if x0 is None or x1 is None:
        return [], ""
    y0 = Y(r["time"])
    lost = r["arrive"] is None
    y1 = Y(r["arrive"]) if not lost else y0 + _ROW * 0.6
    if lost:
        x1 = (x0 + x1) / 2
    color = _COLORS.get(str(r["kind"]), "#444")
    dash = ' stroke-dasharray="5,3"' if r.get("fate") not in ("delivered", "lost") else ""
    out = [f'<line x1="{x0}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{color}" '
           f'stroke-width="1.6"{dash}/>']  # fmt: skip
    if lost:
        out.append(_t(x1, y1 + 5, "✗", size=16, color="#d62728"))
    else:
        d = -1 if x1 < x0 else 1
        turn = f"rotate({_angle(x0, y0, x1, y1):.1f} {x1:.1f} {y1:.1f})"
        out.append(
            f'<path d="M{x1:.1f},{y1:.1f} l{-9 * d},-3.5 l0,7 z" fill="{color}" '
            f'transform="{turn}"/>'
        )
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    return out, _t(xm, ym - 3, label, size=9, color=color)


def _angle(x0: float, y0: float, x1: float, y1: float) -> float:
    ang = math.degrees(math.atan2(y1 - y0, abs(x1 - x0)))
    return ang if x1 >= x0 else -ang
