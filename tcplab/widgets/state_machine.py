"""The state-machine explorer: press events, watch the diagram follow.

A thin layer over :class:`tcplab.TcpStateMachine` and
:func:`tcplab.viz.state_diagram.state_diagram`: one button per :class:`tcplab.Event`
(legal ones in blue), the diagram with the current state and the last arc highlighted,
the segment that would be sent, the table row's explanation and sources; a row that keeps
the state says "no state change", and an event the table has no row for in this state is
"not possible here", with what is possible instead. Each abstract event is explained in
words beside the buttons. The diagram's layout is computed once, so a click costs well
under a millisecond of drawing.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import cast, get_args

import ipywidgets as W

from tcplab import _validate as _v
from tcplab.fsm import Event, InvalidTransition, State, TcpStateMachine, Transition
from tcplab.viz.state_diagram import ArcSet, GraphvizMissing, state_diagram

__all__ = ["StateMachineExplorer", "state_machine_explorer"]


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


def _panel(title: str, body: str, color: str = "#333") -> str:
    return (
        f'<div style="border-left:4px solid {color};padding:4px 10px;margin:0 0 6px 0;'
        f'font-family:sans-serif;font-size:13px;line-height:1.4"><b>{title}</b><br>{body}</div>'
    )


def _legend() -> str:
    """The abstract events in words, in the same three groups as the buttons."""
    groups = (
        ("user calls", [e for e in Event if e.is_user_call]),
        ("segments", [e for e in Event if e.is_segment]),
        ("timers", [Event.TIMEOUT, Event.USER_TIMEOUT]),
    )
    rows = "".join(
        f"<div><b>{title}:</b> "
        + " · ".join(f"<code>{e.name}</code> {html.escape(MEANING[e])}" for e in events)
        + "</div>"
        for title, events in groups
    )
    style = "font-family:sans-serif;font-size:12px;line-height:1.35;color:#444"
    return f"<div style='{style}'>{rows}</div>"


def _button(ev: Event) -> W.Button:
    return W.Button(
        description=ev.name,
        tooltip=f"{ev.name}: {MEANING[ev]}",
        layout=W.Layout(width="auto", min_width="fit-content", margin="1px 2px"),
    )


class StateMachineExplorer(W.VBox):  # type: ignore[misc]
    """An ipywidgets explorer of :data:`tcplab.TRANSITIONS`.

    ``press(event)`` does what clicking the button does (useful in tests and for a
    notebook that wants to pre-play a story); ``machine`` is the underlying
    :class:`TcpStateMachine`. Controls sit on top, the diagram left and the explanation
    right, so a click and its explanation are in one view.
    """

    def __init__(self, events: Iterable[Event | str] = (), *, arcs: ArcSet = "main") -> None:
        # Checked before any widget exists, so bad input fails by name, not as a TraitError.
        steps = _v.sequence(
            events, "events", max_len=10_000, item=lambda e, n: _v.enum_member(e, n, Event)
        )
        arcs = cast(ArcSet, _v.choice(arcs, "arcs", get_args(ArcSet)))
        self.machine = TcpStateMachine()
        self._arcs: ArcSet = arcs
        self.diagram = W.HTML(layout=W.Layout(flex="1 1 62%", min_width="0", overflow="hidden"))
        self.info = W.HTML()
        self.history = W.HTML()
        self.buttons: dict[Event, W.Button] = {}
        for ev in Event:
            b = _button(ev)
            b.on_click(lambda _b, ev=ev: self.press(ev))
            self.buttons[ev] = b
        self.reset_button = W.Button(
            description="reset", icon="undo", layout=W.Layout(width="auto", margin="1px 2px")
        )
        self.reset_button.on_click(lambda _b: self.reset())
        self.only_taken = W.Checkbox(
            value=False,
            description="only arcs taken so far",
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.only_taken.observe(lambda _c: self._draw(), names="value")
        self.arc_set = W.Dropdown(
            options=[
                ("no resets or self-loops", "main"),
                ("RFC 9293 Figure 5 only", "figure5"),
                ("every table row", "all"),
            ],
            value=arcs,
            description="arcs",
            layout=W.Layout(width="260px"),
            style={"description_width": "40px"},
        )
        self.arc_set.observe(self._on_arc_set, names="value")
        wrap = W.Layout(flex_flow="row wrap", align_items="center")
        label = W.Layout(width="80px", min_width="80px")

        def row(title: str, items: list[W.Widget]) -> W.HBox:
            return W.HBox([W.Label(title, layout=label), *items], layout=wrap)

        user = [self.buttons[e] for e in Event if e.is_user_call]
        segs = [self.buttons[e] for e in Event if e.is_segment]
        timer = [self.buttons[Event.TIMEOUT], self.buttons[Event.USER_TIMEOUT]]
        controls = W.VBox(
            [
                row("user calls:", user),
                row("segments:", segs),
                row("timers:", [*timer, self.reset_button, self.only_taken, self.arc_set]),
            ]
        )
        side = W.VBox(
            [self.info, self.history, W.HTML(_legend())],
            layout=W.Layout(flex="1 1 38%", min_width="220px", padding="0 0 0 8px"),
        )
        super().__init__(
            [controls, W.HBox([self.diagram, side], layout=W.Layout(align_items="flex-start"))]
        )
        # Hooks for the browser test and bench (tests/test_browser.py): which explorer,
        # and which element shows the result of a click.
        self.add_class("tcplab-explorer")
        self.add_class("tcplab-explorer-state_machine")
        self.diagram.add_class("tcplab-view")
        self._message = _panel(
            "Start",
            "The connection is CLOSED: no TCB exists yet. "
            "Try ACTIVE_OPEN (a client) or PASSIVE_OPEN (a server).",
        )
        for event in steps:
            self.press(event)
        self._draw()

    # --- actions -------------------------------------------------------------------------
    def press(self, event: Event | str) -> Transition | None:
        """Apply ``event`` like a click; returns the transition, or None if not possible here."""
        try:
            step = self.machine.handle(event)
        except InvalidTransition as exc:
            legal = ", ".join(e.name for e in exc.legal) or "none"
            ordinary = _ORDINARY.get(exc.event, "")
            self._message = _panel(
                f"{exc.event.name} is not possible in {exc.state.name}",
                f"{exc.event.name} ({html.escape(MEANING[exc.event])}) has no row for "
                f"{exc.state.name} in the table, so nothing happens: the state stays "
                f"{exc.state.name}. {ordinary} Possible here: {legal}.",
                "#d62728",
            )
            self._draw()
            return None
        arc = step.arc
        body = (
            f"{step.source.name} → <b>{step.target.name}</b>; sends <b>{step.send.value}</b>"
            + (f"; timer: {step.timer.value}" if step.timer.value != "—" else "")
            + f"<br>{html.escape(arc.note)}<br><i>{html.escape(arc.rfc)}</i>"
            + (f"<br><span style='color:#555'>{html.escape(arc.linux)}</span>" if arc.linux else "")
        )
        title = (
            f"{step.event.name}: no state change"
            if step.source is step.target
            else f"{step.event.name}: {step.source.name} → {step.target.name}"
        )
        self._message = _panel(title, body, "#1f77b4")
        self._draw()
        return step

    def reset(self) -> None:
        self.machine.reset()
        self._message = _panel("Reset", "Back to CLOSED.")
        self._draw()

    def _on_arc_set(self, change: dict[str, object]) -> None:
        self._arcs = change["new"]  # type: ignore[assignment]
        self._draw()

    # --- drawing -------------------------------------------------------------------------
    def _draw(self) -> None:
        m = self.machine
        last = m.history[-1] if m.history else None
        d = state_diagram(
            current=m.state,
            last=last,
            taken=m.history,
            only_taken=self.only_taken.value,
            arcs=self._arcs,
        )
        try:
            # A diagram too big to shrink legibly (every table row) scrolls inside its own
            # box, so the controls and the explanation stay in view (≤ 750 px in all).
            self.diagram.value = (
                f"<div style='overflow:auto;max-height:610px;width:100%;min-width:0'>{d.svg}</div>"
            )
        except GraphvizMissing as exc:
            self.diagram.value = f"<p>{html.escape(str(exc))}</p>"
        for ev, b in self.buttons.items():
            b.button_style = "primary" if m.can_handle(ev) else ""
        self.info.value = self._message
        rows = "".join(
            f"<tr><td>{i}</td><td>{t.source.name}</td><td>{t.event.name}</td>"
            f"<td>{t.target.name}</td><td>{t.send.value}</td></tr>"
            for i, t in enumerate(m.history[-8:], start=max(1, len(m.history) - 7))
        )
        self.history.value = (
            "<table style='font-size:12px;line-height:1.2'><tr><th>#</th><th>from</th>"
            f"<th>event</th><th>to</th><th>sends</th></tr>{rows}</table>"
            if rows
            else ""
        )

    @property
    def state(self) -> State:
        return self.machine.state


def state_machine_explorer(
    events: Iterable[Event | str] = (), *, arcs: ArcSet = "main"
) -> StateMachineExplorer:
    """Build the explorer, optionally pre-playing ``events`` (shown on a static page)."""
    return StateMachineExplorer(events, arcs=arcs)
