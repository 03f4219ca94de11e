"""Ladder layout shared by every ladder drawer (matplotlib in tcplab.viz.ladder, SVG in
tcplab.explore._ladder): pure Python, no plotting library, so the browser can use it too.

Theory of operation
-------------------
A ladder's vertical axis is *compressed time*: each distinct instant gets a row, rows move
down by 0.35–1 of a row depending on the gap since the previous instant (scaled by the
one-way delay), and a gap longer than 20 delays is drawn as a labelled break instead of
empty space — so a 60 s TIME-WAIT and a 50 ms round trip both fit on one screen.
"""

from __future__ import annotations

from collections.abc import Iterable

from tcplab import _validate as _v

__all__ = ["fmt_gap", "time_map"]


def time_map(
    times: Iterable[float], delay: float
) -> tuple[dict[float, float], list[tuple[float, float]]]:
    """Compressed time: instant → y (in rows), and the (y, gap) of each long break."""
    d = max(_v.number(delay, "delay", ge=0, what="a one-way delay in seconds"), 1e-6)
    instants = _v.sequence(
        times, "times", item=lambda t, n: _v.number(t, n, what="a time in seconds")
    )
    ymap: dict[float, float] = {}
    breaks: list[tuple[float, float]] = []
    y, prev = 0.0, None
    for t in sorted({round(t, 9) for t in instants}):
        if prev is not None:
            gap = t - prev
            step = 0.35 + 0.65 * min(1.0, gap / (2 * d))
            if gap > 20 * d:  # a long wait: draw a break, not 20 empty rows
                breaks.append((y + step * 0.5, gap))
                step += 0.5
            y += step
        ymap[t] = y
        prev = t
    return ymap, breaks


def fmt_gap(g: float) -> str:
    """A break's label: "+0.3 s", "+2 min", "+2 h"."""
    g = _v.number(g, "g", ge=0, what="a gap in seconds")
    if g >= 120:
        return f"+{g / 60:.4g} min" if g < 7200 else f"+{g / 3600:.4g} h"
    return f"+{g:.3g} s"
