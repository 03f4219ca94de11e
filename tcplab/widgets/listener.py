"""Listen-queue explorer: backlog, accept rate and tcp_abort_on_overflow vs. what clients see.

:class:`tcplab.explore.listener.ListenerSession` in a
:class:`~tcplab.explore.jupyter.SessionWidget`. ``.click(i)`` moves the controls to the
i-th preset and redraws (used by ``make bench``).
"""

from __future__ import annotations

from tcplab.explore.jupyter import SessionWidget
from tcplab.explore.listener import ListenerSession

__all__ = ["ListenerExplorer", "listener_explorer"]

_PRESETS = [
    (8, 30.0, False),
    (8, 30.0, True),
    (2, 30.0, False),
    (32, 30.0, False),
    (8, 60.0, False),
    (4, 20.0, True),
]


class ListenerExplorer(SessionWidget):
    """Sliders for backlog and accept rate, a checkbox for tcp_abort_on_overflow."""

    session: ListenerSession

    def __init__(self, arrival_rate: float = 40.0, duration: float = 8.0, seed: int = 0) -> None:
        super().__init__(ListenerSession(arrival_rate, duration, seed))

    def click(self, i: int) -> None:
        """Move the controls to preset ``i`` and redraw once (for benchmarks and tests)."""
        backlog, accept, abort = _PRESETS[i % len(_PRESETS)]
        for name, value in (("backlog", backlog), ("accept_rate", accept), ("abort", abort)):
            self.session.set(name, value)
        self.redraw()


def listener_explorer(
    arrival_rate: float = 40.0, duration: float = 8.0, seed: int = 0
) -> ListenerExplorer:
    """The listen-queue explorer (see :class:`ListenerExplorer`)."""
    return ListenerExplorer(arrival_rate, duration, seed)
