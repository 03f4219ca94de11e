"""The TIME-WAIT sweep as a session: three sliders → P(old duplicate accepted) + verdict.

The model is :mod:`tcplab.sim.montecarlo`'s (read its docstring): a worst-case old
duplicate arrives at ``A = D_ack + D_dup`` with both delays ``U(0, lifetime)``; the
4-tuple is reused from ``max(time_wait, reuse_delay)`` on. The curve and the verdict use
that module's closed form, :func:`tcplab.sim.montecarlo.p_arrives_after`; the dots are
its Monte Carlo, :func:`tcplab.sim.montecarlo.arrival_times` (pure Python, the same
draws in JupyterLab and in the site's browser), :data:`TRIALS` of them by default so a
lifetime change stays quick in the browser — the legend says how many.
"""

from __future__ import annotations

import bisect
from typing import Any

from tcplab import _validate as _v
from tcplab.explore._base import Session, html_part, number, slider, svg_part, unknown_control
from tcplab.explore._svg import Series, VLine, line_chart
from tcplab.sim.montecarlo import arrival_times, p_arrives_after

__all__ = ["TRIALS", "TimeWaitSession", "p_accept"]

#: Monte Carlo draws per lifetime (~8 ms in CPython, a few times that in the browser).
TRIALS = 20_000
LINUX_TIME_WAIT = 60.0  # TCP_TIMEWAIT_LEN (facts.md)
RFC_TWO_MSL = 240.0  # 2 x MSL, MSL = 2 min (RFC 9293 §3.4.2)
_RANGES = {"time_wait": (0, 600), "lifetime": (5, 300), "reuse_delay": (0, 600)}


def p_accept(time_wait: float, lifetime: float, reuse_delay: float = 0.0) -> float:
    """Exact P(a worst-case old duplicate arrives after the 4-tuple is reused):
    :func:`tcplab.sim.montecarlo.p_arrives_after` at ``max(time_wait, reuse_delay)``."""
    # The tail falls with t, so P(A > max(a, b)) = min(P(A > a), P(A > b)); each argument
    # is checked (and named) by the core.
    return min(p_arrives_after(time_wait, lifetime), p_arrives_after(reuse_delay, lifetime))


class TimeWaitSession(Session):
    """TIME-WAIT, network lifetime and reuse delay sliders (seconds)."""

    name = "timewait"

    def __init__(
        self,
        *,
        time_wait: float = 60.0,
        lifetime: float = 120.0,
        reuse_delay: float = 0.0,
        trials: int = TRIALS,
        seed: int = 0,
    ) -> None:
        self.values = {"time_wait": 0.0, "lifetime": 5.0, "reuse_delay": 0.0}
        self.set("time_wait", time_wait)
        self.set("lifetime", lifetime)
        self.set("reuse_delay", reuse_delay)
        self.trials = _v.integer(trials, "trials", ge=1, le=_v.MAX_TRIALS)
        self.seed = _v.seed(seed, optional=False)
        self._samples: dict[float, list[float]] = {}

    def set(self, control: str, value: Any) -> None:
        if control not in _RANGES:
            raise unknown_control(self, control, tuple(_RANGES))
        lo, hi = _RANGES[control]
        self.values[control] = number(control, value, lo, hi)

    def p_monte_carlo(self, t: float, lifetime: float, reuse: float) -> float:
        """The share of sampled arrivals after ``max(t, reuse)``."""
        arr = self._samples.get(lifetime)
        if arr is None:
            arr = sorted(arrival_times(lifetime, self.trials, seed=self.seed))
            self._samples[lifetime] = arr
        return (len(arr) - bisect.bisect_right(arr, max(t, reuse))) / len(arr)

    def controls(self) -> list[dict[str, Any]]:
        v = self.values
        return [
            slider("time_wait", "TIME-WAIT", v["time_wait"], lo=0, hi=600, step=5, unit="s"),
            slider("lifetime", "network lifetime", v["lifetime"], lo=5, hi=300, step=5, unit="s"),
            slider("reuse_delay", "reuse after", v["reuse_delay"], lo=0, hi=600, step=5, unit="s"),
        ]

    def plot(self) -> str:
        """The sweep: exact curve, Monte Carlo dots, references, the current setting."""
        tw, life, reuse = (self.values[k] for k in ("time_wait", "lifetime", "reuse_delay"))
        end = max(2.6 * life, tw * 1.1, 260.0)
        grid = [end * i / 119 for i in range(120)]
        exact = [p_accept(t, life, reuse) for t in grid]
        dots = grid[::4]
        est = [self.p_monte_carlo(t, life, reuse) for t in dots]
        refs = [
            VLine(life, "1·lifetime", "#777"),
            VLine(2 * life, "2·lifetime", "#2ca02c"),
            VLine(LINUX_TIME_WAIT, "Linux 60 s", "#9467bd", 0.88),
            VLine(RFC_TWO_MSL, "RFC 2·MSL", "#8c564b", 0.88),
        ]
        return line_chart(
            [
                Series(grid, exact, "exact (worst case)", "#1f77b4"),
                Series(dots, est, f"Monte Carlo ({self.trials:,} trials)", "#ff7f0e", "points"),
            ],
            xlim=(0, end),
            ylim=(-0.03, 1.12),
            xlabel="TIME-WAIT length (s)",
            ylabel="P(old duplicate accepted)",
            vlines=refs,
            marker=(tw, p_accept(tw, life, reuse), "#d62728"),
        )

    def verdict(self) -> str:
        """The sentence under the plot (numbers from :func:`p_accept`)."""
        tw, life, reuse = (self.values[k] for k in ("time_wait", "lifetime", "reuse_delay"))
        p = p_accept(tw, life, reuse)
        safe = max(tw, reuse) >= 2 * life
        verdict = (
            "safe: every old segment has died before the 4-tuple can be reused"
            if safe
            else "UNSAFE: a late duplicate can land in the new incarnation"
        )
        return (
            f"<p class='tcplab-verdict'>TIME-WAIT {tw:g} s, reuse after {reuse:g} s, network "
            f"lifetime {life:g} s → P = <b>{p:.3f}</b> (exact; Monte Carlo "
            f"{self.p_monte_carlo(tw, life, reuse):.3f}) — {verdict}. It reaches 0 at "
            f"2 × {life:g} = {2 * life:g} s: a segment sent just before the final ACK "
            f"arrives (≤ 1 lifetime) can itself live 1 more lifetime.</p>"
        )

    def view(self) -> dict[str, Any]:
        return {
            "controls": self.controls(),
            "parts": [
                svg_part(self.plot()),
                html_part(self.verdict()),
            ],
        }
