"""The handshake/close explorer: pick a phase and the segment to lose, see the ladder.

A thin layer over :func:`tcplab.sim.scenarios.run_scenario` (scenario ``connection``)
and :func:`tcplab.viz.ladder.ladder_svg`. The picture is an inline SVG in an
``ipywidgets.HTML`` filled at construction (so a static page shows the default: the
lost final ACK). Every (phase, loss, timers) combination is simulated and drawn once
and cached; :meth:`HandshakeExplorer.select` does what the dropdowns do, so tests and
the benchmark can time one update.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as W

from tcplab import _validate as _v
from tcplab.explore.handshake import timeline_html
from tcplab.sim.scenarios import LOSS_POINTS, run_scenario
from tcplab.sim.trace import retransmissions
from tcplab.timers import PRESETS
from tcplab.viz.ladder import ladder_svg
from tcplab.widgets._render import LRU

__all__ = ["HandshakeExplorer", "handshake_explorer"]

_PHASES = {"handshake": ("none", "syn", "synack", "ack3"), "handshake + close": tuple(LOSS_POINTS)}


def _why(note: str) -> str:
    """A retransmission's reason in words (the trace's note says which mechanism sent it)."""
    if "retransmitted SYN" in note:
        return "in answer to the retransmitted SYN (Linux resends at once)"
    return "its retransmission timer fired"


class HandshakeExplorer(W.VBox):  # type: ignore[misc]
    """Dropdowns (phase, lost segment, timers) → ladder diagram + who retransmits when."""

    def __init__(
        self,
        *,
        phase: str = "handshake + close",
        lose: str = "ack2",
        timers: str = "linux",
        seed: int = 0,
    ) -> None:
        # Checked before the dropdowns exist, so bad input fails by name, not as a TraitError.
        phase = _v.choice(phase, "phase", _PHASES)
        lose = _v.choice(lose, "lose", _PHASES[phase])
        timers = _v.choice(timers, "timers", PRESETS)
        self.seed = seed
        self._cache = LRU(256)  # every (phase, lose, timers): 3 x 16 at most
        narrow = {"description_width": "42px"}
        self.phase = W.Dropdown(
            options=list(_PHASES),
            value=phase,
            description="phase",
            style=narrow,
            layout=W.Layout(width="210px"),
        )
        self.lose = W.Dropdown(
            options=self._lose_options(phase),
            value=lose,
            description="lose",
            style=narrow,
            layout=W.Layout(width="290px"),
        )
        self.timers = W.Dropdown(
            options=list(PRESETS),
            value=timers,
            description="timers",
            style=narrow,
            layout=W.Layout(width="170px"),
        )
        # No margin: width 100% plus the default 2 px margins overflowed the column by 4 px.
        self.diagram = W.HTML(layout=W.Layout(width="100%", margin="0"))
        self.info = W.HTML()
        self.phase.observe(self._on_phase, names="value")
        self.lose.observe(lambda _c: self.update(), names="value")
        self.timers.observe(lambda _c: self.update(), names="value")
        # 210 + 290 + 170 px (+ margins) fit a 688 px notebook column; narrower ones wrap.
        controls = W.HBox(
            [self.phase, self.lose, self.timers], layout=W.Layout(flex_flow="row wrap")
        )
        super().__init__([controls, self.diagram, self.info])
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-handshake")
        self.diagram.add_class("tcplab-view")
        self.update()

    @staticmethod
    def _lose_options(phase: str) -> list[tuple[str, str]]:
        return [(f"{k}: {LOSS_POINTS[k][0]}", k) for k in _PHASES[phase]]

    def _on_phase(self, change: dict[str, object]) -> None:
        phase = str(change["new"])
        keep = self.lose.value if self.lose.value in _PHASES[phase] else "none"
        with self.lose.hold_trait_notifications():
            self.lose.options = self._lose_options(phase)
            self.lose.value = keep
        self.update()

    def select(
        self, *, phase: str | None = None, lose: str | None = None, timers: str | None = None
    ) -> None:
        """Set the dropdowns programmatically (one update, like a click)."""
        with self.hold_trait_notifications():
            if phase is not None and phase != self.phase.value:
                self.phase.unobserve_all("value")
                self.phase.value = phase
                self.lose.options = self._lose_options(phase)
                self.phase.observe(self._on_phase, names="value")
            if lose is not None or timers is not None:
                self.lose.unobserve_all("value")
                self.timers.unobserve_all("value")
                if lose is not None:
                    self.lose.value = lose
                if timers is not None:
                    self.timers.value = timers
                self.lose.observe(lambda _c: self.update(), names="value")
                self.timers.observe(lambda _c: self.update(), names="value")
        self.update()

    def render(self, phase: str, lose: str, timers: str) -> tuple[str, str]:
        """(SVG, info HTML) for one combination — simulated and drawn once, then cached."""
        return self._cache.get(  # type: ignore[no-any-return]
            (phase, lose, timers), functools.partial(self._render, phase, lose, timers)
        )

    def _render(self, phase: str, lose: str, timers: str) -> tuple[str, str]:
        result = run_scenario(
            "connection", seed=self.seed, lose=lose, timers=timers, close=phase != "handshake"
        )
        what = "nothing lost" if lose == "none" else f"lose {LOSS_POINTS[lose][0]}"
        svg = ladder_svg(result, title=f"{phase}: {what}")
        rtx = retransmissions(result.trace)
        items = (
            "".join(
                f"<li>t = {r.time:g} s: <b>{html.escape(str(r.sender))}</b> retransmits "
                f"{html.escape(str(r.kind))} — {_why(str(r.note))} "
                f"({html.escape(str(r.fate))})</li>"
                for r in rtx.itertuples()
            )
            or "<li>no retransmission</li>"
        )
        states = ", ".join(f"{k}: {v.name}" for k, v in result.final_states().items())
        errs = "; ".join(f"{k}: {', '.join(v)}" for k, v in result.errors().items() if v)
        info = (
            f"<div style='font-family:sans-serif;font-size:13px'><ul>{items}</ul>"
            f"Final states: {states}."
            + (f" Errors: {html.escape(errs)}." if errs else "")
            + f"<br>{timeline_html(timers)}</div>"
        )
        return svg, info

    def update(self) -> None:
        """Redraw for the current dropdown values."""
        phase, timers = self.phase.value, self.timers.value
        svg, info = self.render(phase, self.lose.value, timers)
        self.diagram.value = svg
        # The other losses of this phase, drawn in the background: the next pick is ready.
        keys = [(phase, k, timers) for k in _PHASES[phase]]
        self._cache.warm((k, functools.partial(self._render, *k)) for k in keys)
        self.info.value = info


def handshake_explorer(**kw: object) -> HandshakeExplorer:
    """Build the explorer (default view: the lost final ACK of the close)."""
    return HandshakeExplorer(**kw)  # type: ignore[arg-type]
