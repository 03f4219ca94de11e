"""The handshake/close explorer as a session: phase, lost segment, timers → ladder + text.

A thin layer over :func:`tcplab.sim.scenarios.run_scenario` (scenario ``connection``),
the same simulation the notebook's widget runs; the ladder is drawn by
:mod:`tcplab.explore._ladder` (no matplotlib) and the text from the result's records.
Every combination is simulated once and cached.
"""

from __future__ import annotations

import html
from typing import Any

from tcplab.explore._base import PictureSession, choice, select, unknown_control
from tcplab.explore._ladder import ladder_svg
from tcplab.sim.scenarios import LOSS_POINTS, run_scenario
from tcplab.sim.trace import retransmitted
from tcplab.timers import PRESETS, preset

__all__ = ["PHASES", "HandshakeSession", "timeline_html"]

PHASES = {"handshake": ("none", "syn", "synack", "ack3"), "handshake + close": tuple(LOSS_POINTS)}
_TIMERS = tuple(PRESETS)


def _why(note: str) -> str:
    """A retransmission's reason in words (the trace's note says which mechanism sent it)."""
    if "retransmitted SYN" in note:
        return "in answer to the retransmitted SYN (Linux resends at once)"
    return "its retransmission timer fired"


def timeline_html(timers: str) -> str:
    """The preset's schedules in words: every number comes from tcplab.timers."""
    p = preset(timers)
    syn, synack = p.syn_timeline(), p.synack_timeline()

    def fmt(ts: tuple[float, ...]) -> str:
        return ", ".join(f"{t:g}" for t in ts)

    return (
        f"<b>{html.escape(p.name)} timers</b>: SYN sent at {fmt(syn.send_times)} s, connect() "
        f"gives up at {syn.give_up:g} s; SYN-ACKs at {fmt(synack.send_times)} s (counted from "
        f"the first), request dropped at {synack.give_up:g} s; TIME-WAIT {p.time_wait:g} s."
        f"<br><span style='color:#666'>Source: {html.escape(p.source)}</span>"
    )


class HandshakeSession(PictureSession):
    """Dropdowns: phase (handshake / + close), the segment to lose, Linux or RFC timers."""

    name = "handshake"

    def __init__(
        self,
        *,
        phase: str = "handshake + close",
        lose: str = "ack2",
        timers: str = "linux",
        seed: int = 0,
    ) -> None:
        self.phase = choice("phase", phase, tuple(PHASES))
        self.lose = choice("lose", lose, PHASES[phase])
        self.timers = choice("timers", timers, _TIMERS)
        self.seed = seed
        super().__init__()

    def set(self, control: str, value: Any) -> None:
        if control == "phase":
            self.phase = choice("phase", value, tuple(PHASES))
            if self.lose not in PHASES[self.phase]:
                self.lose = "none"
        elif control == "lose":
            self.lose = choice("lose", value, PHASES[self.phase])
        elif control == "timers":
            self.timers = choice("timers", value, _TIMERS)
        else:
            raise unknown_control(self, control, ("phase", "lose", "timers"))

    def controls(self) -> list[dict[str, Any]]:
        loses = [(f"{k}: {LOSS_POINTS[k][0]}", k) for k in PHASES[self.phase]]
        return [
            select("phase", "phase", [(p, p) for p in PHASES], self.phase),
            select("lose", "lose", loses, self.lose),
            select("timers", "timers", [(t, t) for t in _TIMERS], self.timers),
        ]

    def setting(self) -> tuple[str, str, str]:
        return (self.phase, self.lose, self.timers)

    def draw(self) -> tuple[str, str]:
        """(ladder SVG, info HTML): the scenario simulated and drawn."""
        result = run_scenario(
            "connection",
            seed=self.seed,
            lose=self.lose,
            timers=self.timers,
            close=self.phase != "handshake",
        )
        what = "nothing lost" if self.lose == "none" else f"lose {LOSS_POINTS[self.lose][0]}"
        svg = ladder_svg(result, title=f"{self.phase}: {what}")
        items = "".join(
            f"<li>t = {r['time']:g} s: <b>{html.escape(str(r['sender']))}</b> retransmits "
            f"{html.escape(str(r['kind']))} — {_why(str(r['note']))} "
            f"({html.escape(str(r['fate']))})</li>"
            for r in retransmitted(result.records)
        )
        states = ", ".join(f"{k}: {v.name}" for k, v in result.final_states().items())
        errs = "; ".join(f"{k}: {', '.join(v)}" for k, v in result.errors().items() if v)
        info = (
            f"<ul>{items or '<li>no retransmission</li>'}</ul><p class='tcplab-verdict'>"
            f"Final states: {states}."
            + (f" Errors: {html.escape(errs)}." if errs else "")
            + f"</p><p>{timeline_html(self.timers)}</p>"
        )
        return svg, info
