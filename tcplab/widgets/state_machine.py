"""The state-machine explorer: press events, watch the diagram follow.

:class:`tcplab.explore.state_machine.StateMachineSession` in a
:class:`~tcplab.explore.jupyter.SessionWidget`: one button per :class:`tcplab.Event`
(possible ones in blue), the diagram with the current state and the last arc
highlighted, the table row's explanation and sources beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from tcplab.explore.jupyter import SessionWidget
from tcplab.explore.state_machine import StateMachineSession
from tcplab.fsm import Event, State, TcpStateMachine, Transition

__all__ = ["StateMachineExplorer", "state_machine_explorer"]


class StateMachineExplorer(SessionWidget):
    """The explorer of :data:`tcplab.TRANSITIONS`; ``press``/``reset`` do what clicks do."""

    session: StateMachineSession

    def __init__(self, events: Iterable[Event | str] = (), *, arcs: str = "main") -> None:
        super().__init__(StateMachineSession(events, arcs=arcs))

    def press(self, event: Event | str) -> Transition | None:
        """Apply ``event`` like a click; the transition, or None if not possible here."""
        step = self.session.press(event)
        self.redraw()
        return step

    def reset(self) -> None:
        """Back to CLOSED, like the reset button."""
        self.change("reset", True)

    @property
    def machine(self) -> TcpStateMachine:
        return self.session.machine

    @property
    def state(self) -> State:
        return self.session.machine.state


def state_machine_explorer(
    events: Iterable[Event | str] = (), *, arcs: str = "main"
) -> StateMachineExplorer:
    """Build the explorer, optionally pre-playing ``events`` (shown on a static page)."""
    return StateMachineExplorer(events, arcs=arcs)
