"""Shared helpers for the queue/ISN explorers: figure → inline SVG, a small result cache."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab.viz._svg import responsive_svg


def figure_svg(fig: Figure) -> str:
    """The figure as an inline, column-fitting ``<svg>`` string (closed afterwards)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return responsive_svg(buf.getvalue())


class LRU:
    """A tiny bounded cache: slider positions seen before re-render instantly."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._d: OrderedDict[Hashable, Any] = OrderedDict()

    def clear(self) -> None:
        self._d.clear()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]
        value = make()
        self._d[key] = value
        if len(self._d) > self.size:
            self._d.popitem(last=False)
        return value
