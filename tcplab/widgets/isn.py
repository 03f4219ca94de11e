"""ISN generator comparison and attack: ISNs over time, and blind-injection odds per window.

:class:`tcplab.explore.isn.IsnSession` in a :class:`~tcplab.explore.jupyter.SessionWidget`.
``.click(i)`` selects the i-th receive-window preset and redraws.
"""

from __future__ import annotations

from tcplab.explore.isn import WINDOWS, IsnSession
from tcplab.explore.jupyter import SessionWidget

__all__ = ["IsnExplorer", "isn_explorer"]


class IsnExplorer(SessionWidget):
    """Generator selection and a receive-window choice."""

    session: IsnSession

    def __init__(self, trials: int = 400, seed: int = 0) -> None:
        super().__init__(IsnSession(trials, seed))

    def click(self, i: int) -> None:
        """Select the i-th receive-window preset (redraws once)."""
        self.change("window", WINDOWS[i % len(WINDOWS)])


def isn_explorer(trials: int = 400, seed: int = 0) -> IsnExplorer:
    """The ISN explorer (see :class:`IsnExplorer`)."""
    return IsnExplorer(trials, seed)
