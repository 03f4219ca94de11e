"""The state-machine explorer: press events, watch the diagram follow.

A thin layer over :class:`tcplab.TcpStateMachine` and
:func:`tcplab.viz.state_diagram.state_diagram`: one button per :class:`tcplab.Event`
(legal ones in blue), the diagram with the current state and the last arc highlighted,
the segment that would be sent, the table row's explanation and sources — and, for an
illegal event, why it is illegal and what would be legal instead. The diagram's layout
is computed once, so a click costs well under a millisecond of drawing.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as W

from tcplab.fsm import Event, InvalidTransition, State, TcpStateMachine, Transition
from tcplab.viz.state_diagram import ArcSet, GraphvizMissing, state_diagram

__all__ = ["StateMachineExplorer", "state_machine_explorer"]


def _panel(title: str, body: str, color: str = "#333") -> str:
    return (
        f'<div style="border-left:4px solid {color};padding:4px 10px;margin:4px 0;'
        f'font-family:sans-serif;font-size:13px"><b>{title}</b><br>{body}</div>'
    )


class StateMachineExplorer(W.VBox):  # type: ignore[misc]
    """An ipywidgets explorer of :data:`tcplab.TRANSITIONS`.

    ``press(event)`` does what clicking the button does (useful in tests and for a
    notebook that wants to pre-play a story); ``machine`` is the underlying
    :class:`TcpStateMachine`.
    """

    def __init__(self, events: Iterable[Event | str] = (), *, arcs: ArcSet = "all") -> None:
        self.machine = TcpStateMachine()
        self._arcs: ArcSet = arcs
        self.diagram = W.HTML(layout=W.Layout(width="100%"))
        self.info = W.HTML()
        self.history = W.HTML()
        self.buttons: dict[Event, W.Button] = {}
        for ev in Event:
            b = W.Button(description=ev.name, tooltip=ev.value, layout=W.Layout(width="auto"))
            b.on_click(lambda _b, ev=ev: self.press(ev))
            self.buttons[ev] = b
        self.reset_button = W.Button(description="reset", icon="undo", button_style="warning")
        self.reset_button.on_click(lambda _b: self.reset())
        self.only_taken = W.Checkbox(value=False, description="only arcs taken so far")
        self.only_taken.observe(lambda _c: self._draw(), names="value")
        self.arc_set = W.Dropdown(
            options=[
                ("every table row", "all"),
                ("RFC 9293 Figure 5 only", "figure5"),
                ("no resets or self-loops", "main"),
            ],
            value=arcs,
            description="arcs",
        )
        self.arc_set.observe(self._on_arc_set, names="value")
        user = [self.buttons[e] for e in Event if e.is_user_call]
        segs = [self.buttons[e] for e in Event if e.is_segment]
        timer = [self.buttons[Event.TIMEOUT], self.buttons[Event.USER_TIMEOUT]]
        controls = W.VBox(
            [
                W.HBox([W.Label("user calls:", layout=W.Layout(width="90px")), *user]),
                W.HBox([W.Label("segments:", layout=W.Layout(width="90px")), *segs]),
                W.HBox(
                    [
                        W.Label("timer:", layout=W.Layout(width="90px")),
                        *timer,
                        self.reset_button,
                        self.only_taken,
                        self.arc_set,
                    ]
                ),
            ]
        )
        super().__init__([controls, W.HBox([self.diagram]), self.info, self.history])
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
        for event in events:
            self.press(event)
        self._draw()

    # --- actions -------------------------------------------------------------------------
    def press(self, event: Event | str) -> Transition | None:
        """Apply ``event`` like a click; returns the transition, or None if illegal."""
        try:
            step = self.machine.handle(event)
        except InvalidTransition as exc:
            legal = ", ".join(e.name for e in exc.legal) or "none"
            self._message = _panel(
                f"{exc.event.name} is illegal in {exc.state.name}",
                f"{html.escape(exc.event.value)} means nothing in this state, so the state "
                f"stays {exc.state.name}. Legal here: {legal}.",
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
        self._message = _panel(f"{step.event.name}", body, "#1f77b4")
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
            self.diagram.value = d.svg
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
            "<table style='font-size:12px'><tr><th>#</th><th>from</th><th>event</th>"
            f"<th>to</th><th>sends</th></tr>{rows}</table>"
            if rows
            else ""
        )

    @property
    def state(self) -> State:
        return self.machine.state


def state_machine_explorer(
    events: Iterable[Event | str] = (), *, arcs: ArcSet = "all"
) -> StateMachineExplorer:
    """Build the explorer, optionally pre-playing ``events`` (shown on a static page)."""
    return StateMachineExplorer(events, arcs=arcs)
