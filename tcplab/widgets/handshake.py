"""The handshake/close explorer: pick a phase and the segment to lose, see the ladder.

:class:`tcplab.explore.handshake.HandshakeSession` in a
:class:`~tcplab.explore.jupyter.SessionWidget`: dropdowns for the phase, the lost
segment and the timers; the ladder, who retransmits when and why, and the preset's
schedules. :meth:`HandshakeExplorer.select` does what the dropdowns do.
"""

from __future__ import annotations

from tcplab.explore.handshake import HandshakeSession
from tcplab.explore.jupyter import SessionWidget

__all__ = ["HandshakeExplorer", "handshake_explorer"]


class HandshakeExplorer(SessionWidget):
    """Dropdowns (phase, lost segment, timers) → ladder diagram + who retransmits when."""

    session: HandshakeSession

    def __init__(
        self,
        *,
        phase: str = "handshake + close",
        lose: str = "ack2",
        timers: str = "linux",
        seed: int = 0,
    ) -> None:
        super().__init__(HandshakeSession(phase=phase, lose=lose, timers=timers, seed=seed))

    def select(
        self, *, phase: str | None = None, lose: str | None = None, timers: str | None = None
    ) -> None:
        """Set the dropdowns programmatically (one redraw, like a click)."""
        for name, value in (("phase", phase), ("lose", lose), ("timers", timers)):
            if value is not None:
                self.session.set(name, value)
        self.redraw()


def handshake_explorer(
    *, phase: str = "handshake + close", lose: str = "ack2", timers: str = "linux", seed: int = 0
) -> HandshakeExplorer:
    """Build the explorer (default view: the lost final ACK of the close)."""
    return HandshakeExplorer(phase=phase, lose=lose, timers=timers, seed=seed)
