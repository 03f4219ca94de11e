"""SYN-flood defence comparison: attack rate and defences vs. who gets served, and memory.

:class:`tcplab.explore.flood.FloodSession` in a
:class:`~tcplab.explore.jupyter.SessionWidget`. ``.click(i)`` moves to the i-th attack
rate and redraws (used by ``make bench``).
"""

from __future__ import annotations

import threading

from tcplab import _validate as _v
from tcplab.explore.flood import RATES, FloodSession
from tcplab.explore.jupyter import SessionWidget
from tcplab.flood import FloodConfig

__all__ = ["FloodExplorer", "flood_explorer"]


class FloodExplorer(SessionWidget):
    """Attack-rate choice + defence selection; bars for served share, memory, options lost."""

    session: FloodSession

    def __init__(self, config: FloodConfig | None = None, precompute: bool = True) -> None:
        # Checked first: a truthy non-bool (a list, -1) must not start minutes of work.
        precompute = _v.boolean(precompute, "precompute")
        super().__init__(FloodSession(config=config))
        self.warming: threading.Thread | None = None
        if precompute:
            # The other attack rates of the shown defences, in the background while the
            # student reads: a later pick finds its runs ready (the session keeps them).
            self.warming = threading.Thread(target=self._warm, daemon=True)
            self.warming.start()

    def _warm(self) -> None:
        while self.session.step():  # the shown defences, nearest rates first
            pass

    def click(self, i: int) -> None:
        """Select the i-th attack rate and redraw once (for benchmarks and tests)."""
        self.change("rate", RATES[i % len(RATES)])


def flood_explorer(config: FloodConfig | None = None, precompute: bool = True) -> FloodExplorer:
    """The SYN-flood defence explorer (see :class:`FloodExplorer`).

    With ``precompute`` (default) the shown defences are simulated at every preset
    attack rate in the background, so a later pick of the rate shows a ready picture.
    """
    return FloodExplorer(config, precompute)
