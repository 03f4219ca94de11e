"""Small SVG charts written by tcplab itself (no matplotlib): line/point plots and bars.

Only what the explorers need: linear axes with "nice" ticks, line and point series,
labelled vertical reference lines, one highlighted marker, horizontal bars. Output is
one ``<svg>`` string that scales to its container (``viewBox``) and is deterministic.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Bar", "Series", "VLine", "bar_chart", "line_chart", "nice_ticks"]

_FONT = "font-family:sans-serif"


@dataclass(frozen=True)
class Series:
    """One data series: ``kind`` "line", "step" or "points"."""

    x: Sequence[float]
    y: Sequence[float]
    label: str = ""
    color: str = "#1f77b4"
    kind: str = "line"
    width: float = 2.0
    dash: str = ""  # an SVG stroke-dasharray, e.g. "5,3"


@dataclass(frozen=True)
class VLine:
    """A dotted vertical reference line with a label near the top."""

    x: float
    label: str
    color: str = "#999"
    y_frac: float = 0.97  # label height, as a fraction of the plot


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: stacked ``parts`` ((value, colour), ...) and a note on the right."""

    label: str
    parts: tuple[tuple[float, str], ...]
    note: str = ""


@dataclass
class _Frame:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x0: float
    x1: float
    y0: float
    y1: float
    out: list[str] = field(default_factory=list)

    def px(self, x: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (x - self.x0) / span * (self.width - self.left - self.right)

    def py(self, y: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return (
            self.height
            - self.bottom
            - (y - self.y0) / span * (self.height - self.top - self.bottom)
        )


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.3g}"


def _text(x: float, y: float, s: str, *, anchor: str = "middle", size: int = 11, **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
        f"{extra}>{html.escape(s)}</text>"
    )


def _axes(f: _Frame, xlabel: str, ylabel: str) -> None:
    o = f.out
    o.append(
        f'<rect x="{f.left}" y="{f.top}" width="{f.width - f.left - f.right}" '
        f'height="{f.height - f.top - f.bottom}" fill="none" stroke="#444"/>'
    )
    for t in nice_ticks(f.x0, f.x1):
        x = f.px(t)
        o.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{f.height - f.bottom}" '
            f'y2="{f.height - f.bottom + 4}" stroke="#444"/>'
        )
        o.append(_text(x, f.height - f.bottom + 16, _fmt(t)))
    for t in nice_ticks(f.y0, f.y1, 5):
        y = f.py(t)
        o.append(f'<line x1="{f.left - 4}" x2="{f.left}" y1="{y:.1f}" y2="{y:.1f}" stroke="#444"/>')
        o.append(_text(f.left - 7, y + 4, _fmt(t), anchor="end"))
    o.append(_text((f.left + f.width - f.right) / 2, f.height - 6, xlabel, size=12))
    cy = (f.top + f.height - f.bottom) / 2
    o.append(_text(14, cy, ylabel, size=12, transform=f"rotate(-90 14 {cy:.1f})"))


def _series(f: _Frame, s: Series) -> str:
    pts = [(f.px(x), f.py(y)) for x, y in zip(s.x, s.y, strict=True)]
    if s.kind == "points":
        return "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{s.color}"/>' for x, y in pts
        )
    if s.kind == "step":  # the value holds until the next sample
        if not pts:
            return ""
        d = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}" + "".join(f" H{x:.1f} V{y:.1f}" for x, y in pts[1:])
    else:
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    return f'<path d="{d}" fill="none" stroke="{s.color}" stroke-width="{s.width}"{dash}/>'


def _legend(f: _Frame, series: Sequence[Series], outside: bool) -> None:
    # Inside: at a third of the height, clear of the reference lines' labels at the top.
    y = f.top + 14 + (0 if outside else (f.height - f.top - f.bottom) / 3)
    x = f.width - f.right - 8
    if outside:  # a column right of the plot, text left-aligned
        x = f.width - f.right + 30
    for s in series:
        if not s.label:
            continue
        if outside:
            f.out.append(
                f'<line x1="{x - 24:.1f}" x2="{x - 6:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{s.color}" stroke-width="{s.width}"'
                + (f' stroke-dasharray="{s.dash}"/>' if s.dash else "/>")
                + _text(x, y, s.label, anchor="start", size=10)
            )
            y += 14
            continue
        mark = (
            f'<circle cx="{x - 8:.1f}" cy="{y - 4:.1f}" r="3" fill="{s.color}"/>'
            if s.kind == "points"
            else f'<line x1="{x - 16:.1f}" x2="{x:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{s.color}" stroke-width="{s.width}"/>'
        )
        f.out.append(mark + _text(x - 20, y, s.label, anchor="end"))
        y += 15


def _open(f: _Frame, title: str) -> None:
    f.out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.width:g} {f.height:g}" '
        f'style="max-width:100%;height:auto;{_FONT}" class="tcplab-chart">'
        f'<rect width="100%" height="100%" fill="white"/>'
    )
    if title:
        f.out.append(_text(f.width / 2, 14, title, size=12))


def line_chart(
    series: Sequence[Series],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    vlines: Sequence[VLine] = (),
    marker: tuple[float, float, str] | None = None,
    size: tuple[float, float] = (640, 300),
    legend_outside: bool = False,
) -> str:
    """A line/point chart as one SVG string (legend top right, or right of the plot)."""
    right = 190 if legend_outside else 12
    f = _Frame(size[0], size[1], 58, right, 24 if title else 10, 40, *xlim, *ylim)
    _open(f, title)
    _axes(f, xlabel, ylabel)
    for v in vlines:
        if xlim[0] <= v.x <= xlim[1]:
            x = f.px(v.x)
            f.out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{f.top}" y2="{f.height - f.bottom}" '
                f'stroke="{v.color}" stroke-dasharray="2,3"/>'
            )
            y = f.top + (1 - v.y_frac) * (f.height - f.top - f.bottom) + 10
            f.out.append(_text(x, y, v.label, size=9, fill=v.color))
    f.out.extend(_series(f, s) for s in series)
    if marker is not None:
        mx, my = f.px(marker[0]), f.py(marker[1])
        f.out.append(
            f'<rect x="{mx - 5:.1f}" y="{my - 5:.1f}" width="10" height="10" fill="{marker[2]}" '
            f'transform="rotate(45 {mx:.1f} {my:.1f})" class="tcplab-marker"/>'
        )
    _legend(f, series, legend_outside)
    f.out.append("</svg>")
    return "".join(f.out)


def bar_chart(
    bars: Sequence[Bar],
    *,
    xlabel: str = "",
    title: str = "",
    legend: Sequence[tuple[str, str]] = (),
    width: float = 680,
) -> str:
    """Horizontal stacked bars on a 0…1 axis, one row per :class:`Bar`, notes on the right."""
    row = 24
    height = 60 + row * len(bars) + (16 if legend else 0)
    top = 26 + (16 if legend else 0)
    f = _Frame(width, height, 150, 230, top, 34, 0.0, 1.0, 0.0, float(len(bars)))
    _open(f, title)
    for i, (lab, color) in enumerate(legend):
        x = f.left + i * 190
        f.out.append(f'<rect x="{x}" y="{top - 24}" width="12" height="10" fill="{color}"/>')
        f.out.append(_text(x + 16, top - 15, lab, anchor="start", size=10))
    for i, b in enumerate(bars):
        y = f.top + i * row + 4
        x = f.left
        for value, color in b.parts:
            w = max(0.0, min(1.0, value)) * (f.px(1) - f.px(0))
            f.out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 8}" fill="{color}"/>'
            )
        f.out.append(_text(f.left - 6, y + row / 2, b.label, anchor="end", size=11))
        f.out.append(_text(f.px(1) + 6, y + row / 2, b.note, anchor="start", size=10))
    base = f.top + row * len(bars) + 2
    f.out.append(f'<line x1="{f.left}" x2="{f.px(1):.1f}" y1="{base}" y2="{base}" stroke="#444"/>')
    for t in (0, 0.25, 0.5, 0.75, 1):
        f.out.append(_text(f.px(t), base + 14, f"{t:.0%}", size=10))
    f.out.append(_text((f.left + f.px(1)) / 2, base + 30, xlabel, size=11))
    f.out.append("</svg>")
    return "".join(f.out)
