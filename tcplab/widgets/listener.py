"""Listen-queue explorer: backlog, accept rate and tcp_abort_on_overflow vs. what clients see.

``listener_explorer()`` returns a widget whose picture (inline SVG in an ``HTML`` value) is
drawn at construction, so the static site shows the default case. ``.click(i)`` moves
the controls to the i-th preset and redraws (used by ``make bench``).
"""

from __future__ import annotations

import functools
from collections import Counter

import ipywidgets as W
from matplotlib.figure import Figure

from tcplab.listener import ListenerConfig, simulate_listen_queue
from tcplab.viz.queue_plots import plot_listen_queue
from tcplab.widgets._render import LRU, figure_svg

__all__ = ["ListenerExplorer", "listener_explorer"]

_PRESETS = [
    (8, 30, False),
    (8, 30, True),
    (2, 30, False),
    (32, 30, False),
    (8, 60, False),
    (4, 20, True),
]


class ListenerExplorer(W.VBox):  # type: ignore[misc]
    """Sliders for backlog and accept rate, a checkbox for tcp_abort_on_overflow."""

    def __init__(self, arrival_rate: float = 40.0, duration: float = 8.0, seed: int = 0) -> None:
        self.arrival_rate, self.duration, self.seed = arrival_rate, duration, seed
        self.backlog = W.IntSlider(value=8, min=0, max=64, description="backlog")
        self.accept_rate = W.FloatSlider(
            value=30.0, min=1.0, max=100.0, step=1.0, description="accept/s"
        )
        self.abort = W.Checkbox(value=False, description="tcp_abort_on_overflow=1")
        self.picture = W.HTML()
        self._cache = LRU()
        for w in (self.backlog, self.accept_rate, self.abort):
            w.observe(lambda _change: self.update(), names="value")
        super().__init__([W.HBox([self.backlog, self.accept_rate, self.abort]), self.picture])
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-listener")
        self.picture.add_class("tcplab-view")
        self.update()

    def _render(self, backlog: int, accept: float, abort: bool) -> str:
        cfg = ListenerConfig(backlog=backlog, abort_on_overflow=abort)
        samples, clients = simulate_listen_queue(
            cfg,
            arrival_rate=self.arrival_rate,
            accept_rate=accept,
            duration=self.duration,
            sample_every=0.1,
            seed=self.seed,
        )
        out = Counter(str(c["outcome"]) for c in clients)
        fig = Figure(figsize=(8.0, 3.0))  # not pyplot: the cache renders in a thread too
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.08, right=0.7, bottom=0.16, top=0.9)  # legend on the right
        plot_listen_queue(samples, max_ack_backlog=cfg.max_ack_backlog, ax=ax)
        last = samples[-1]
        ax.set_title(
            f"{self.arrival_rate:g} clients/s, accept {accept:g}/s, "
            f"ListenOverflows={last['ListenOverflows']:.0f}",
            fontsize=9,
        )
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(out.items()))
        return figure_svg(fig) + f"<p style='font-size:small'>clients — {summary}</p>"

    def update(self) -> None:
        """Redraw for the current control values (cached per setting)."""
        key = (self.backlog.value, float(self.accept_rate.value), bool(self.abort.value))
        self.picture.value = self._cache.get(key, lambda: self._render(*key))
        self._cache.warm((k, functools.partial(self._render, *k)) for k in self._neighbours(*key))

    def _neighbours(
        self, backlog: int, accept: float, abort: bool
    ) -> list[tuple[int, float, bool]]:
        """The settings a student is likely to pick next: backlog ±1, ±2, accept ±1, the toggle."""
        b, a = self.backlog, self.accept_rate
        out: list[tuple[int, float, bool]] = []
        for d in (1, -1, 2, -2):
            if b.min <= backlog + d <= b.max:
                out.append((backlog + d, accept, abort))
        for d in (1, -1):
            if a.min <= accept + d * a.step <= a.max:
                out.append((backlog, float(accept + d * a.step), abort))
        return [*out, (backlog, accept, not abort)]

    def click(self, i: int) -> None:
        """Move the controls to preset ``i`` and redraw once (for benchmarks and tests)."""
        b, a, abort = _PRESETS[i % len(_PRESETS)]
        with self.hold_trait_notifications():
            for w in (self.backlog, self.accept_rate, self.abort):
                w.unobserve_all("value")
            self.backlog.value, self.accept_rate.value, self.abort.value = b, a, abort
            for w in (self.backlog, self.accept_rate, self.abort):
                w.observe(lambda _change: self.update(), names="value")
        self.update()


def listener_explorer(**kwargs: float) -> ListenerExplorer:
    """The listen-queue explorer (see :class:`ListenerExplorer`)."""
    return ListenerExplorer(**kwargs)  # type: ignore[arg-type]
