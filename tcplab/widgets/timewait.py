"""The TIME-WAIT sweep explorer: slide TIME-WAIT, the network's lifetime and the reuse
delay; watch the probability that an old duplicate corrupts a new incarnation.

:class:`tcplab.explore.timewait.TimeWaitSession` in a
:class:`~tcplab.explore.jupyter.SessionWidget`: the exact curve and the Monte Carlo dots
of :mod:`tcplab.sim.montecarlo` against TIME-WAIT length, with references and a verdict.
:meth:`TimeWaitExplorer.set` does what the sliders do.
"""

from __future__ import annotations

from tcplab.explore.jupyter import SessionWidget
from tcplab.explore.timewait import TRIALS, TimeWaitSession

__all__ = ["TimeWaitExplorer", "timewait_explorer"]


class TimeWaitExplorer(SessionWidget):
    """Sliders → P(old duplicate accepted by the new incarnation) vs TIME-WAIT."""

    session: TimeWaitSession

    def __init__(
        self,
        *,
        time_wait: float = 60.0,
        lifetime: float = 120.0,
        reuse_delay: float = 0.0,
        trials: int = TRIALS,
        seed: int = 0,
    ) -> None:
        super().__init__(
            TimeWaitSession(
                time_wait=time_wait,
                lifetime=lifetime,
                reuse_delay=reuse_delay,
                trials=trials,
                seed=seed,
            )
        )

    def set(
        self,
        *,
        time_wait: float | None = None,
        lifetime: float | None = None,
        reuse_delay: float | None = None,
    ) -> None:
        """Move the sliders programmatically (one redraw)."""
        for name, value in (
            ("time_wait", time_wait),
            ("lifetime", lifetime),
            ("reuse_delay", reuse_delay),
        ):
            if value is not None:
                self.session.set(name, value)
        self.redraw()


def timewait_explorer(
    *,
    time_wait: float = 60.0,
    lifetime: float = 120.0,
    reuse_delay: float = 0.0,
    trials: int = TRIALS,
    seed: int = 0,
) -> TimeWaitExplorer:
    """The TIME-WAIT explorer (see :class:`TimeWaitExplorer`)."""
    return TimeWaitExplorer(
        time_wait=time_wait, lifetime=lifetime, reuse_delay=reuse_delay, trials=trials, seed=seed
    )
