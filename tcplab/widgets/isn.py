"""ISN generator comparison and attack: ISNs over time, and blind-injection odds per window.

``isn_explorer()`` draws its default view at construction; ``.click(i)`` selects the i-th
receive-window preset and redraws. The attacker's prediction errors are computed once at
construction (seeded), so moving the window slider only recomputes the odds.
"""

from __future__ import annotations

import html

import ipywidgets as W
from matplotlib.figure import Figure

from tcplab import isn
from tcplab.viz.isn_plots import plot_isn_over_time
from tcplab.widgets._render import LRU, figure_svg

__all__ = ["IsnExplorer", "isn_explorer"]

_WINDOWS = (1024, 16384, 65535, 1 << 20, 1 << 24)


class IsnExplorer(W.VBox):  # type: ignore[misc]
    """Generator selection and a receive-window slider."""

    def __init__(self, trials: int = 400, seed: int = 0) -> None:
        self.generators = W.SelectMultiple(
            options=list(isn.GENERATORS),
            value=tuple(isn.GENERATORS),
            rows=5,
            description="generators",
        )
        self.window = W.SelectionSlider(options=list(_WINDOWS), value=65535, description="RCV.WND")
        self.picture = W.HTML()
        self.table = W.HTML()
        self._errors = isn.attacker_prediction(trials=trials, seed=seed)
        self._trace = isn.isn_trace(times=[i * 6.0 for i in range(60)], seed=seed)
        self._cache = LRU()
        self.generators.observe(lambda _c: self.update(), names="value")
        self.window.observe(lambda _c: self.update(), names="value")
        super().__init__([W.HBox([self.generators, self.window]), self.picture, self.table])
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-isn")
        self.picture.add_class("tcplab-view")
        self.table.add_class("tcplab-view")
        self.update()

    def _plot(self, gens: tuple[str, ...]) -> str:
        fig = Figure(figsize=(8, 3.2), layout="constrained")  # room for the legend
        ax = fig.add_subplot()
        plot_isn_over_time(self._trace[self._trace["generator"].isin(gens)], ax=ax)
        return figure_svg(fig)

    def _odds(self, gens: tuple[str, ...], wnd: int) -> str:
        rows = []
        for g in gens:
            p_win, p_exact = isn.rst_odds(g, wnd)  # computed, not sampled
            rows.append(
                f"<tr><td>{html.escape(g)}</td><td>{p_win:.3g}</td><td>{p_exact:.3g}</td></tr>"
            )
        return (
            "<table><tr><th>generator</th><th>P(RST in window) — before RFC 5961</th>"
            "<th>P(RST exact) — RFC 5961</th></tr>" + "".join(rows) + "</table>"
            f"<p style='font-size:small'>One spoofed RST per guess, aimed with the "
            f"attacker's best prediction, RCV.WND = {wnd}.</p>"
        )

    def update(self) -> None:
        """Redraw for the current selection (plots cached per generator set)."""
        gens = tuple(self.generators.value) or ("linux",)
        self.picture.value = self._cache.get(gens, lambda: self._plot(gens))
        self.table.value = self._odds(gens, int(self.window.value))

    def click(self, i: int) -> None:
        """Select the i-th receive-window preset (redraws once)."""
        self.window.value = _WINDOWS[i % len(_WINDOWS)]


def isn_explorer(trials: int = 400, seed: int = 0) -> IsnExplorer:
    """The ISN explorer (see :class:`IsnExplorer`)."""
    return IsnExplorer(trials, seed)
