"""The TIME-WAIT sweep explorer: slide TIME-WAIT, the network's lifetime and the reuse
delay; watch the probability that an old duplicate corrupts a new incarnation.

A thin layer over :mod:`tcplab.sim.montecarlo`. The plot (inline SVG in an
``ipywidgets.HTML``, filled at construction) shows the Monte Carlo estimate and the exact
curve against TIME-WAIT length, with the current setting marked and 1·/2·lifetime,
Linux's 60 s and RFC 9293's 240 s drawn as references. Sorted samples are cached per
(lifetime, seed) so a slider move costs one binary search plus drawing;
:meth:`TimeWaitExplorer.set` does what the sliders do.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from tcplab import _validate as _v
from tcplab.sim.montecarlo import p_accept_exact, sample_arrivals
from tcplab.viz._svg import figure_to_svg
from tcplab.widgets._render import LRU

__all__ = ["TimeWaitExplorer", "timewait_explorer"]


class TimeWaitExplorer(W.VBox):  # type: ignore[misc]
    """Sliders → P(old duplicate accepted by the new incarnation) vs TIME-WAIT."""

    def __init__(
        self,
        *,
        time_wait: float = 60.0,
        lifetime: float = 120.0,
        reuse_delay: float = 0.0,
        trials: int = 100_000,
        seed: int = 0,
    ) -> None:
        # Checked before the sliders exist, so bad input fails by name, not as a TraitError;
        # the sliders still clamp in-range numbers to their own bounds.
        time_wait = _v.number(time_wait, "time_wait", what="number of seconds")
        lifetime = _v.number(lifetime, "lifetime", what="number of seconds")
        reuse_delay = _v.number(reuse_delay, "reuse_delay", what="number of seconds")
        self.trials = _v.integer(trials, "trials", ge=1, le=_v.MAX_TRIALS)
        self.seed = _v.seed(seed, optional=False)
        self._samples: dict[float, np.ndarray] = {}
        self._pictures = LRU(128)
        style = {"description_width": "150px"}
        lay = W.Layout(width="520px")
        self.time_wait = W.FloatSlider(
            value=time_wait,
            min=0,
            max=600,
            step=5,
            description="TIME-WAIT (s)",
            style=style,
            layout=lay,
        )
        self.lifetime = W.FloatSlider(
            value=lifetime,
            min=5,
            max=300,
            step=5,
            description="network lifetime (s)",
            style=style,
            layout=lay,
            continuous_update=False,  # each position re-samples 100,000 lifetimes: on release
        )
        self.reuse_delay = W.FloatSlider(
            value=reuse_delay,
            min=0,
            max=600,
            step=5,
            description="reuse after (s)",
            style=style,
            layout=lay,
            continuous_update=False,  # a redraw per position: on release
        )
        # The picture (cached per lifetime/reuse) and, laid over it, the marker of the
        # current TIME-WAIT: a TIME-WAIT move re-sends a few hundred bytes, not the SVG.
        flush = W.Layout(margin="0")
        self.marker = W.HTML(layout=flush)
        self.plot = W.HTML(layout=flush)
        self.info = W.HTML()
        for s in (self.time_wait, self.lifetime, self.reuse_delay):
            s.observe(lambda _c: self.update(), names="value")
        super().__init__(
            [self.time_wait, self.lifetime, self.reuse_delay, self.marker, self.plot, self.info]
        )
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-timewait")
        self.plot.add_class("tcplab-view")
        self.marker.add_class("tcplab-view")
        self.update()

    def _sorted(self, lifetime: float) -> np.ndarray:
        s = self._samples.get(lifetime)
        if s is None:
            s = np.sort(sample_arrivals(lifetime, self.trials, seed=self.seed))
            self._samples[lifetime] = s
        return s

    def probabilities(self, tw: np.ndarray, lifetime: float, reuse: float) -> np.ndarray:
        arr = self._sorted(lifetime)
        start = np.maximum(tw, reuse)
        late = arr.size - np.searchsorted(arr, start, side="right")
        out: np.ndarray = np.asarray(late / arr.size, dtype=float)
        return out

    def set(
        self,
        *,
        time_wait: float | None = None,
        lifetime: float | None = None,
        reuse_delay: float | None = None,
    ) -> None:
        """Move the sliders programmatically (one update)."""
        with self.hold_trait_notifications():
            for slider, v in (
                (self.time_wait, time_wait),
                (self.lifetime, lifetime),
                (self.reuse_delay, reuse_delay),
            ):
                if v is not None:
                    slider.unobserve_all("value")
                    slider.value = v
                    slider.observe(lambda _c: self.update(), names="value")
        self.update()

    # The axes' place in the figure (fractions) and their y range: the marker overlay and
    # the cached background agree on these.
    _AXES = (0.09, 0.15, 0.88, 0.78)
    _YLIM = (-0.03, 1.12)
    _FIGSIZE = (7.0, 3.4)  # inches; drawn at 96 px per inch (1 pt = 4/3 px)

    def _background(self, life: float, reuse: float, xmax: float) -> str:
        """The curves and references for one (lifetime, reuse, x range): drawn once, cached.

        Moving the TIME-WAIT slider only moves the marker (an HTML overlay), so it costs no
        drawing at all; the other sliders redraw here, once per position.
        """
        grid = np.linspace(0, xmax, 120)
        est = self.probabilities(grid, life, reuse)
        exact = np.asarray(p_accept_exact(grid, life, reuse), dtype=float)
        fig = Figure(figsize=self._FIGSIZE)
        ax = fig.add_axes(self._AXES)
        ax.plot(grid, exact, color="#1f77b4", lw=2, label="exact (worst case)")
        ax.plot(
            grid[::4],
            est[::4],
            "o",
            ms=3,
            color="#ff7f0e",
            label=f"Monte Carlo ({self.trials:,} trials)",
        )
        refs = (
            (life, "1·lifetime", "#999", 1.03),
            (2 * life, "2·lifetime", "#2ca02c", 1.03),
            (60, "Linux 60 s", "#9467bd", 0.93),
            (240, "RFC 2·MSL", "#8c564b", 0.93),
        )
        for x, lab, c, y in refs:
            if x <= xmax:
                ax.axvline(x, color=c, ls=":", lw=1)
                ax.text(
                    x,
                    y,
                    lab,
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=c,
                    bbox=dict(fc="white", ec="none", pad=0.5),
                )
        ax.set_xlabel("TIME-WAIT length (s)")
        ax.set_ylabel("P(old duplicate accepted)")
        ax.set_ylim(*self._YLIM)
        ax.set_xlim(0, xmax)
        ax.legend(loc="upper right", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 0.86))
        return figure_to_svg(fig)

    def _marker(self, tw0: float, p_now: float, xmax: float) -> str:
        """A red diamond at (TIME-WAIT, P), in a box of the picture's size laid over it.

        The box sits in a zero-height wrapper just above the picture and has the figure's
        width and aspect ratio, so percentages inside it are figure fractions.
        """
        x0, y0, w, h = self._AXES
        lo, hi = self._YLIM
        left = 100 * (x0 + w * tw0 / xmax)
        top = 100 * (1 - (y0 + h * (p_now - lo) / (hi - lo)))
        width, height = self._FIGSIZE
        return (
            "<div style='position:relative;height:0;z-index:1;pointer-events:none'>"
            f"<div style='position:absolute;top:0;left:0;width:{width * 96:.0f}px;"
            f"max-width:100%;aspect-ratio:{width}/{height}'>"
            f"<div title='TIME-WAIT {tw0:g} s: P = {p_now:.3f}' style='position:absolute;"
            f"left:{left:.2f}%;top:{top:.2f}%;width:12px;height:12px;margin:-6px 0 0 -6px;"
            "background:#d62728;transform:rotate(45deg)'></div></div></div>"
        )

    def update(self) -> None:
        tw0, life, reuse = self.time_wait.value, self.lifetime.value, self.reuse_delay.value
        xmax = float(max(2.6 * life, tw0 * 1.1, 260.0))
        if tw0 * 1.1 > 260.0 and tw0 * 1.1 > 2.6 * life:
            xmax = float(np.ceil(tw0 * 1.1 / 100) * 100)  # steps of 100 s: fewer redraws
        p_now = float(self.probabilities(np.array([tw0]), life, reuse)[0])
        svg = self._pictures.get((life, reuse, xmax), lambda: self._background(life, reuse, xmax))
        if self.plot.value != svg:  # unchanged picture: nothing re-sent to the browser
            self.plot.value = svg
        self.marker.value = self._marker(tw0, p_now, xmax)
        start = max(tw0, reuse)
        verdict = (
            "safe: every old segment has died before the 4-tuple can be reused"
            if start >= 2 * life
            else "UNSAFE: a late duplicate can land in the new incarnation"
        )
        self.info.value = (
            f"<div style='font-family:sans-serif;font-size:13px'>TIME-WAIT {tw0:g} s, "
            f"reuse after {reuse:g} s, network lifetime {life:g} s → "
            f"P ≈ <b>{p_now:.3f}</b> — {verdict}. It reaches 0 at 2 × {life:g} = "
            f"{2 * life:g} s: a segment sent just before the final ACK arrives (≤ 1 "
            f"lifetime) can itself live 1 more lifetime.</div>"
        )


def timewait_explorer(**kw: float) -> TimeWaitExplorer:
    """Build the explorer (default: Linux's 60 s TIME-WAIT against RFC's 120 s MSL)."""
    return TimeWaitExplorer(**kw)  # type: ignore[arg-type]
