"""Speed of the SYN-flood simulator and of the queue explorers.

- ``flood_syn_per_s``: a flood of 1,000,000 SYNs (100,000 SYN/s for 10 s against the
  Linux-default listener, tcp_syncookies=1, 50 clients/s) — SYNs simulated per second of
  wall time; goal: 1M SYNs in <= 2 s on this 2-core machine. ``flood_1M_syn_s`` reports
  the seconds, and ``flood_1M_syn_slow_flood_s`` the same count spread over 60 s against
  a listener without cookies (more cohorts and timer work per SYN).
- ``flood_vs_simpy``: the same 1M-SYN scenario run by bench/flood_simpy.py (one simpy
  event per SYN) — wall-time ratio; goal >= 20x. ``flood_vs_simpy_none`` repeats it with
  tcp_syncookies=0.
- ``explorer_click_ms_listener`` / ``_flood`` / ``_isn``: median ms per widget update,
  with the picture caches emptied before each click (a real redraw; the listener explorer
  also re-runs its simulation, the flood explorer uses the runs it precomputed).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from tcplab.flood import FloodConfig, simulate_flood

SCENARIO = FloodConfig(duration=10.0, attack_rate=100_000.0, legit_rate=50.0, seed=1)
SLOW = FloodConfig(duration=60.0, attack_rate=1_000_000 / 60, legit_rate=50.0, seed=1)


def _best(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run() -> dict[str, dict[str, Any]]:
    from bench.flood_simpy import simulate_flood_simpy

    simulate_flood(FloodConfig(duration=1.0), "hybrid")  # warm up imports
    t_fast, res = _best(lambda: simulate_flood(SCENARIO, "hybrid"))
    syns = res.counters["syns_attack"] + res.counters["syns_legit"]
    t_slow, res_slow = _best(lambda: simulate_flood(SLOW, "none"))
    slow_syns = res_slow.counters["syns_attack"] + res_slow.counters["syns_legit"]
    t_simpy, _ = _best(lambda: simulate_flood_simpy(SCENARIO, 1), repeat=1)
    t_none, _ = _best(lambda: simulate_flood(SCENARIO, "none"))
    t_simpy_none, _ = _best(lambda: simulate_flood_simpy(SCENARIO, 0), repeat=1)

    from tcplab.widgets.flood import flood_explorer
    from tcplab.widgets.isn import isn_explorer
    from tcplab.widgets.listener import listener_explorer

    out: dict[str, dict[str, Any]] = {
        "flood_syn_per_s": {
            "value": round(syns / t_fast),
            "unit": "SYN/s",
            "goal": ">= 500,000 SYN/s (1M SYNs in <= 2 s)",
        },
        "flood_1M_syn_s": {
            "value": round(t_fast * 1e6 / syns, 3),
            "unit": "s",
            "goal": "<= 2 s (100k SYN/s x 10 s, tcp_syncookies=1)",
        },
        "flood_1M_syn_slow_flood_s": {
            "value": round(t_slow * 1e6 / slow_syns, 3),
            "unit": "s",
            "goal": "<= 2 s (16.7k SYN/s x 60 s, no cookies)",
        },
        "flood_vs_simpy": {
            "value": round(t_simpy / t_fast, 1),
            "unit": "x",
            "goal": ">= 20x (same 1M-SYN scenario, simpy per-SYN model)",
        },
        "flood_vs_simpy_none": {
            "value": round(t_simpy_none / t_none, 1),
            "unit": "x",
            "goal": ">= 20x (same, tcp_syncookies=0)",
        },
    }
    explorers = (("listener", listener_explorer), ("flood", flood_explorer), ("isn", isn_explorer))
    for name, make in explorers:
        w = make()
        if getattr(w, "warming", None) is not None:
            w.warming.join()  # the flood explorer's runs, precomputed at construction by design
        times = []
        for i in range(12):
            # measure a real redraw: drop the listener's cached simulations and pictures
            getattr(w.session, "_cache", {}).clear()
            t0 = time.perf_counter()
            w.click(i)
            times.append((time.perf_counter() - t0) * 1000)
        out[f"explorer_click_ms_{name}"] = {
            "value": round(statistics.median(times), 1),
            "unit": "ms",
            "goal": "<= 100 ms median",
        }
    return out
