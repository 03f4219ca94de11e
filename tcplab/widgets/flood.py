"""SYN-flood defence comparison: attack rate and defences vs. who gets served, and memory.

``flood_explorer()`` draws its default comparison at construction (the static site shows
it); ``.click(i)`` moves to the i-th preset and redraws (used by ``make bench``).
"""

from __future__ import annotations

import functools

import ipywidgets as W
from matplotlib.figure import Figure

from tcplab import _validate as _v
from tcplab.defences import DEFENCES
from tcplab.flood import FloodConfig, simulate_flood
from tcplab.widgets._render import LRU, figure_svg

__all__ = ["FloodExplorer", "flood_explorer"]

# Every defence but filtering, which mostly rescales the attack rate the slider already sets.
_DEFAULT = tuple(name for name in DEFENCES if name != "filtering")
_RATES = (0.0, 100.0, 1000.0, 3000.0, 10000.0, 30000.0)


class FloodExplorer(W.VBox):  # type: ignore[misc]
    """Attack-rate slider + defence selection; bars for served share, memory, options lost."""

    def __init__(self, config: FloodConfig | None = None, precompute: bool = True) -> None:
        # Checked first: a truthy non-bool (a list, -1) would start minutes of precomputing.
        if config is not None:
            _v.instance(config, "config", FloodConfig, "a FloodConfig or None")
        precompute = _v.boolean(precompute, "precompute")
        self.config = config or FloodConfig(
            duration=8.0, legit_rate=25.0, backlog=128, dt=0.002, sample_every=1.0, seed=0
        )
        self.rate = W.SelectionSlider(options=list(_RATES), value=3000.0, description="SYN/s")
        self.defences = W.SelectMultiple(
            options=list(DEFENCES), value=_DEFAULT, rows=9, description="defences"
        )
        self.picture = W.HTML()
        self._runs = LRU(512)
        self._pictures = LRU(64)
        self.rate.observe(lambda _c: self.update(), names="value")
        self.defences.observe(lambda _c: self.update(), names="value")
        super().__init__([W.HBox([self.defences, self.rate]), self.picture])
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-flood")
        self.picture.add_class("tcplab-view")
        if precompute:  # every preset rate for the default defences: slider moves stay fast
            for r in _RATES:
                for n in _DEFAULT:
                    self._summary(n, float(r))
                # ... and its picture, so no background render competes with the first moves
                self._pictures.get((float(r), _DEFAULT), functools.partial(self._plot, r, _DEFAULT))
        self.update()

    def _summary(self, defence: str, rate: float) -> dict[str, float]:
        return self._runs.get(  # type: ignore[no-any-return]
            (defence, rate), lambda: simulate_flood(self.config, defence, attack_rate=rate).summary
        )

    def _plot(self, rate: float, names: tuple[str, ...]) -> str:
        rows = [self._summary(n, rate) for n in names]
        # Margins in inches, not fractions: the title above and the legend below the axes
        # keep their room whatever the number of bars; the notes on the right get 38 %.
        height = 1.55 + 0.3 * len(names)
        fig = Figure(figsize=(7, height))  # not pyplot: also drawn in a thread
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.2, right=0.62, bottom=1.0 / height, top=1 - 0.4 / height)
        y = range(len(names))
        ax.barh(
            y,
            [r["served_fast_share"] for r in rows],
            color="C2",
            label=f"served within {self.config.deadline:g} s",
        )
        ax.barh(
            y,
            [r["options_lost_share"] * r["served_share"] for r in rows],
            color="C1",
            label="served, wscale/SACK lost",
        )
        for i, r in enumerate(rows):
            ax.text(
                1.03,
                i,
                f"{r['memory_peak_bytes'] / 1024:,.0f} KiB peak, "
                f"{r['served_share']:.0%} served eventually",
                va="center",
                fontsize=7,
                transform=ax.get_yaxis_transform(),
            )
        ax.set_yticks(list(y), names, fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.5, 1])
        ax.set_xlabel("share of legitimate clients", fontsize=8)
        ax.legend(
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(-0.25, -0.5 / (height - 1.4)),  # 0.5 in below the axes
            ncol=2,
            frameon=False,
        )
        ax.set_title(
            f"{rate:g} spoofed SYN/s for {self.config.duration:g} s, backlog {self.config.backlog}",
            fontsize=9,
            loc="left",
        )
        return figure_svg(fig)

    def update(self) -> None:
        """Redraw for the current controls (runs and pictures are cached)."""
        rate = float(self.rate.value)
        names = tuple(self.defences.value) or ("none",)
        self.picture.value = self._pictures.get((rate, names), lambda: self._plot(rate, names))
        # The other attack rates for this selection, nearest first: slider moves are instant.
        i = _RATES.index(rate) if rate in _RATES else 0
        near = sorted(_RATES, key=lambda r: abs(_RATES.index(r) - i))
        self._pictures.warm(((r, names), functools.partial(self._plot, r, names)) for r in near)

    def click(self, i: int) -> None:
        """Select the i-th attack rate and redraw once (for benchmarks and tests)."""
        self.rate.value = _RATES[i % len(_RATES)]  # the observer redraws


def flood_explorer(config: FloodConfig | None = None, precompute: bool = True) -> FloodExplorer:
    """The SYN-flood defence explorer (see :class:`FloodExplorer`).

    With ``precompute`` (default) the default defences are simulated and drawn at every
    preset attack rate up front (a second or two), so moving the slider shows a ready
    picture; another selection of defences renders its other rates in the background.
    """
    return FloodExplorer(config, precompute)
