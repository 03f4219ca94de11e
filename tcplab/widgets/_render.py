"""Figure → inline SVG for widgets that draw with matplotlib (the packet-script widget)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab.viz._svg import figure_to_svg


def figure_svg(fig: Figure) -> str:
    """The figure as an inline, column-fitting ``<svg>`` string (closed afterwards)."""
    svg = figure_to_svg(fig)
    plt.close(fig)
    return svg
