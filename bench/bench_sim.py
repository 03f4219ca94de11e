"""Simulator speed: Monte Carlo throughput, explorer updates, scenario and ladder costs.

- ``timewait_mc_trials_per_s`` — 2MSL Monte Carlo trials per second (goal: 100,000 in < 1 s).
- ``explorer_click_ms_handshake`` — median ms for one handshake-explorer update that is
  *not* cached (simulate + draw the ladder as SVG); goal ≤ 100 ms.
- ``explorer_click_ms_handshake_cached`` — the same for a combination seen before.
- ``explorer_slider_ms_timewait`` — median ms for one TIME-WAIT explorer slider move.
- ``scenario_run_ms_median`` — median ms to run one library scenario (no drawing).
- ``ladder_svg_ms`` — median ms to draw one ladder as SVG.
"""

from __future__ import annotations

import statistics
import time
from typing import Any


def _ms(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def run() -> dict[str, dict[str, object]]:
    from tcplab.sim.montecarlo import p_old_duplicate_accepted
    from tcplab.sim.scenarios import LOSS_POINTS, list_scenarios, run_scenario
    from tcplab.viz.ladder import ladder_svg
    from tcplab.widgets.handshake import HandshakeExplorer
    from tcplab.widgets.timewait import TimeWaitExplorer

    # Monte Carlo: best of 5 runs of 1,000,000 trials.
    n = 1_000_000
    best = min(
        _ms(lambda: p_old_duplicate_accepted(120.0, 120.0, trials=n, seed=1)) for _ in range(5)
    )
    mc_rate = n / (best / 1000)

    # Handshake explorer: every (phase, loss, timers) combination once, uncached.
    x = HandshakeExplorer()
    combos = [
        (ph, lose, tm)
        for tm in ("linux", "rfc")
        for ph in ("handshake + close",)
        for lose in LOSS_POINTS
    ]
    combos += [("handshake", lose, "linux") for lose in ("none", "syn", "synack", "ack3")]
    uncached = []
    for ph, lose, tm in combos:
        x.session._cache.clear()  # uncached: simulate and draw
        uncached.append(
            _ms(lambda ph=ph, lose=lose, tm=tm: x.select(phase=ph, lose=lose, timers=tm))
        )
    for ph, lose, tm in combos:  # fill the cache
        x.select(phase=ph, lose=lose, timers=tm)
    cached = [
        _ms(lambda ph=ph, lose=lose, tm=tm: x.select(phase=ph, lose=lose, timers=tm))
        for ph, lose, tm in combos
    ]

    tw = TimeWaitExplorer()
    slider = [_ms(lambda v=v: tw.set(time_wait=float(v))) for v in range(0, 300, 10)]

    runs = [_ms(lambda name=name: run_scenario(name, seed=1)) for name in list_scenarios()]
    res = run_scenario("close-lost-ack2", seed=1)
    svg = [_ms(lambda: ladder_svg(res)) for _ in range(10)]

    return {
        "timewait_mc_trials_per_s": {
            "value": round(mc_rate),
            "unit": "trials/s",
            "goal": "≥ 100,000 trials in < 1 s",
        },
        "explorer_click_ms_handshake": {
            "value": round(statistics.median(uncached), 2),
            "unit": "ms",
            "goal": "≤ 100 ms (median, uncached: simulate + draw)",
        },
        "explorer_click_ms_handshake_cached": {
            "value": round(statistics.median(cached), 3),
            "unit": "ms",
            "goal": "≤ 100 ms",
        },
        "explorer_slider_ms_timewait": {
            "value": round(statistics.median(slider), 2),
            "unit": "ms",
            "goal": "≤ 100 ms",
        },
        "scenario_run_ms_median": {
            "value": round(statistics.median(runs), 2),
            "unit": "ms",
            "goal": "informational",
        },
        "ladder_svg_ms": {
            "value": round(statistics.median(svg), 2),
            "unit": "ms",
            "goal": "informational",
        },
    }


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k:40} {v['value']:>14} {v['unit']}")
