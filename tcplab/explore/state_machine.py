"""The state-machine explorer as a session: press events, get the diagram's DOT + style.

A thin layer over :class:`tcplab.TcpStateMachine` and
:func:`tcplab.viz.state_diagram.state_diagram`. The view carries the diagram as DOT (the
very text ``state_diagram(...).source`` gives Graphviz in the notebook) plus the
highlighting ``<style>`` block for the current state, the last arc and the arcs taken —
so a front end lays the DOT out once per arc set and only swaps the style per click.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable
from typing import Any

from tcplab import _validate as _v
from tcplab.explore._base import (
    Session,
    buttons,
    checkbox,
    choice,
    dot_part,
    html_part,
    select,
    unknown_control,
)
from tcplab.fsm import Event, InvalidTransition, State, TcpStateMachine, Transition
from tcplab.viz import state_diagram as sd

__all__ = ["MEANING", "StateMachineSession", "legend_html"]

_ARC_SETS = [
    ("no resets or self-loops", "main"),
    ("RFC 9293 Figure 5 only", "figure5"),
    ("every table row", "all"),
]
_ids = itertools.count(1)

# What each abstract event of the table stands for: shown beside the buttons and in the
# message when an event is not possible. Words only; which event is possible where comes
# from tcplab.fsm.TRANSITIONS alone.
MEANING: dict[Event, str] = {
    Event.PASSIVE_OPEN: "listen() — wait for a client",
    Event.ACTIVE_OPEN: "connect() — send a SYN",
    Event.SEND: "send() — data",
    Event.CLOSE: "close()/shutdown() — send our FIN",
    Event.ABORT: "abort — send RST, drop everything",
    Event.RCV_SYN: "a SYN arrives",
    Event.RCV_SYN_ACK: "a SYN+ACK arrives",
    Event.RCV_ACK: "the ACK of our SYN or of our FIN",
    Event.RCV_FIN: "the peer's FIN",
    Event.RCV_FIN_ACK: "the peer's FIN, acknowledging our FIN too",
    Event.RCV_RST: "an RST arrives",
    Event.TIMEOUT: "the 2·MSL TIME-WAIT timer expires",
    Event.USER_TIMEOUT: "retransmissions give up",
}
# Why an ordinary segment of that kind changes nothing where the abstract event has no row.
_ORDINARY = {
    Event.RCV_ACK: "An ordinary ACK (of data, or a duplicate) is normal processing in any "
    "synchronized state, RFC 9293 §3.10.7.4: it moves SND.UNA, not the state.",
    Event.RCV_FIN_ACK: "A FIN whose ACK covers only data is RCV_FIN.",
}
_GROUPS = (
    ("user calls", tuple(e for e in Event if e.is_user_call)),
    ("segments", tuple(e for e in Event if e.is_segment)),
    ("timers", (Event.TIMEOUT, Event.USER_TIMEOUT)),
)


def _panel(title: str, body: str, color: str = "#333") -> str:
    return (
        f'<div class="tcplab-panel" style="border-left:4px solid {color}">'
        f"<b>{title}</b><br>{body}</div>"
    )


def legend_html() -> str:
    """The abstract events in words, in the same three groups as the buttons."""
    rows = "".join(
        f"<div><b>{title}:</b> "
        + " · ".join(f"<code>{e.name}</code> {html.escape(MEANING[e])}" for e in events)
        + "</div>"
        for title, events in _GROUPS
    )
    return f"<div class='tcplab-legend'>{rows}</div>"


class StateMachineSession(Session):
    """Buttons for every :class:`Event`, a reset, the arc set and "only arcs taken"."""

    name = "state_machine"

    def __init__(self, events: Iterable[Event | str] = (), *, arcs: str = "main") -> None:
        # Checked up front, so a bad list fails by name before any event is applied.
        steps = _v.sequence(
            events, "events", max_len=10_000, item=lambda e, n: _v.enum_member(e, n, Event)
        )
        self.machine = TcpStateMachine()
        self.arcs = choice("arcs", arcs, [v for _, v in _ARC_SETS])
        self.only_taken = False
        # Unique element ids per session, so several diagrams can share one page.
        self.prefix = f"tcplabsdlive{next(_ids)}_"
        self.message = _panel(
            "Start",
            "The connection is CLOSED: no TCB exists yet. "
            "Try ACTIVE_OPEN (a client) or PASSIVE_OPEN (a server).",
        )
        for event in steps:
            self.press(event)

    def press(self, event: Event | str) -> Transition | None:
        """Apply ``event`` like a click: the transition, or None (explained) if not possible.

        A row that keeps the state says "no state change"; an event the table has no row
        for in this state is "not possible here", with what is possible instead.
        """
        try:
            step = self.machine.handle(event)
        except InvalidTransition as exc:
            legal = ", ".join(e.name for e in exc.legal) or "none"
            self.message = _panel(
                f"{exc.event.name} is not possible in {exc.state.name}",
                f"{exc.event.name} ({html.escape(MEANING[exc.event])}) has no row for "
                f"{exc.state.name} in the table, so nothing happens: the state stays "
                f"{exc.state.name}. {_ORDINARY.get(exc.event, '')}".rstrip()
                + f" Possible here: {legal}.",
                "#d62728",
            )
            return None
        arc = step.arc
        body = (
            f"{step.source.name} → <b>{step.target.name}</b>; sends <b>{step.send.value}</b>"
            + (f"; timer: {step.timer.value}" if step.timer.value != "—" else "")
            + f"<br>{html.escape(arc.note)}<br><i>{html.escape(arc.rfc)}</i>"
            + (
                f"<br><span class='tcplab-muted'>{html.escape(arc.linux)}</span>"
                if arc.linux
                else ""
            )
        )
        title = (
            f"{step.event.name}: no state change"
            if step.source is step.target
            else f"{step.event.name}: {step.source.name} → {step.target.name}"
        )
        self.message = _panel(title, body, "#1f77b4")
        return step

    @property
    def state(self) -> State:
        """The machine's current state."""
        return self.machine.state

    def set(self, control: str, value: Any) -> None:
        if control == "event":
            self.press(choice("event", value, [e.name for e in Event]))
        elif control == "reset":
            self.machine.reset()
            self.message = _panel("Reset", "Back to CLOSED.")
        elif control == "arcs":
            self.arcs = choice("arcs", value, [v for _, v in _ARC_SETS])
        elif control == "only_taken":
            self.only_taken = bool(choice("only_taken", value, (True, False)))
        else:
            raise unknown_control(self, control, ("event", "reset", "arcs", "only_taken"))

    def _buttons(self, label: str, events: list[Event]) -> dict[str, Any]:
        m = self.machine
        items = [
            {
                "value": e.name,
                "label": e.name,
                "title": f"{e.name}: {MEANING[e]}",
                "primary": m.can_handle(e),
            }
            for e in events
        ]
        return buttons("event", label, items)

    def controls(self) -> list[dict[str, Any]]:
        """The control panel: three rows of event buttons, then reset and display options."""
        return [
            *(self._buttons(title, list(events)) for title, events in _GROUPS),
            buttons("reset", "", [{"value": True, "label": "reset", "title": "back to CLOSED"}]),
            checkbox("only_taken", "only arcs taken so far", self.only_taken),
            select("arcs", "arcs", list(_ARC_SETS), self.arcs),
        ]

    def diagram(self) -> dict[str, Any]:
        """The DOT (ids prefixed for this session) and the highlighting style block."""
        m = self.machine
        d = sd.state_diagram(
            current=m.state,
            last=m.history[-1] if m.history else None,
            taken=m.history,
            only_taken=self.only_taken,
            arcs=self.arcs,
        )
        # StateDiagram.svg does the same two steps around Graphviz's output; here the
        # front end runs Graphviz, so it gets the DOT and the style separately.
        dot = d.source.replace(sd.ID_PREFIX, self.prefix)
        return dot_part(dot, d.style(self.prefix))

    def history_html(self) -> str:
        """The last eight transitions as a table."""
        hist = self.machine.history
        rows = "".join(
            f"<tr><td>{i}</td><td>{t.source.name}</td><td>{t.event.name}</td>"
            f"<td>{t.target.name}</td><td>{t.send.value}</td></tr>"
            for i, t in enumerate(hist[-8:], start=max(1, len(hist) - 7))
        )
        if not rows:
            return ""
        return (
            "<table class='tcplab-history'><tr><th>#</th><th>from</th><th>event</th>"
            f"<th>to</th><th>sends</th></tr>{rows}</table>"
        )

    def view(self) -> dict[str, Any]:
        state = f"<p class='tcplab-verdict'>State: <b>{self.machine.state.name}</b></p>"
        return {
            "controls": self.controls(),
            "parts": [
                self.diagram(),
                html_part(state + self.message, side=True),
                html_part(self.history_html(), side=True),
                html_part(legend_html(), side=True),
            ],
        }
