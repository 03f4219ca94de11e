"""Diagram and explorer speed: `diagram_step_ms`, `explorer_click_ms_state_machine`."""

from __future__ import annotations

import statistics
import time

from tcplab import Event, TcpStateMachine
from tcplab.viz.state_diagram import state_diagram

STORY = [
    Event.ACTIVE_OPEN,
    Event.RCV_SYN_ACK,
    Event.CLOSE,
    Event.RCV_ACK,
    Event.RCV_FIN,
    Event.TIMEOUT,
]


def _diagram_steps(rounds: int = 50) -> list[float]:
    times = []
    for _ in range(rounds):
        m = TcpStateMachine()
        for ev in STORY:
            m.handle(ev)
            t0 = time.perf_counter()
            d = state_diagram(current=m.state, last=m.history[-1], taken=m.history)
            _ = d.svg
            times.append((time.perf_counter() - t0) * 1000)
    return times


def _explorer_clicks(rounds: int = 30) -> list[float]:
    from tcplab.widgets.state_machine import state_machine_explorer

    x = state_machine_explorer()
    times = []
    for _ in range(rounds):
        for ev in STORY:
            # The button a student clicks (rebuilt with each view: find it each time).
            button = next(
                b
                for row in x.controls_box.children
                for b in getattr(row, "children", ())
                if getattr(b, "description", "") == ev.name
            )
            t0 = time.perf_counter()
            button.click()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def run() -> dict[str, dict[str, object]]:
    t0 = time.perf_counter()
    _ = state_diagram().svg  # warm-up: the one Graphviz layout
    first = (time.perf_counter() - t0) * 1000
    steps = _diagram_steps()
    clicks = _explorer_clicks()
    return {
        "diagram_first_render_ms": {
            "value": round(first, 1),
            "unit": "ms",
            "goal": "one Graphviz layout, cached afterwards",
        },
        "diagram_step_ms": {
            "value": round(statistics.median(steps), 3),
            "unit": "ms",
            "goal": "<= 30 ms median after warm-up",
        },
        "explorer_click_ms_state_machine": {
            "value": round(statistics.median(clicks), 3),
            "unit": "ms",
            "goal": "<= 100 ms",
        },
    }
