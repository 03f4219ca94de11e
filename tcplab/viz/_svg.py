"""SVG output of matplotlib figures that fits the column it is shown in."""

from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.figure import Figure

_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def responsive_svg(svg: str) -> str:
    """Matplotlib's fixed-size ``<svg>`` made to shrink with its column (never to grow).

    Its natural width stays the upper bound, so text keeps its size on a wide screen, and
    a phone or a narrow notebook column shows the whole picture without a scrollbar.
    """
    svg = svg[svg.index("<svg") :]

    def fit(m: re.Match[str]) -> str:
        width_px = float(m.group(2)) * 4 / 3  # 1 pt = 4/3 CSS px
        return f'<svg{m.group(1)} style="width:{width_px:.0f}px;max-width:100%;height:auto"'

    return _SIZE.sub(fit, svg, count=1)


def figure_to_svg(fig: Figure) -> str:
    """``fig`` as a column-fitting ``<svg>``, its text as ``<text>`` elements.

    Text as text, not glyph outlines: about half the bytes and markedly less for the
    browser to lay out on each explorer redraw, and it stays selectable.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return responsive_svg(buf.getvalue())
