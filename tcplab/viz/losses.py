"""One table for "lose each segment of the handshake or the close, in turn".

For every loss point of :data:`tcplab.sim.scenarios.LOSS_POINTS` in a phase, the
``connection`` scenario is run with that one segment dropped, and the run is summarised
in one row: each side's state while the loss goes unrepaired (what it *believes*), who
retransmits what and when, and how much later than a loss-free run the phase is over.
The rows are read from the simulation's own trace and events, never written by hand.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tcplab import _validate as _v
from tcplab.sim.scenarios import LOSS_POINTS, run_scenario
from tcplab.sim.trace import retransmissions
from tcplab.viz.timeline import state_spans

__all__ = ["PHASE_POINTS", "loss_frame", "phase_done"]

#: The loss points of each phase, in the order the segments are sent.
PHASE_POINTS: dict[str, tuple[str, ...]] = {
    "handshake": ("syn", "synack", "ack3"),
    "close": ("fin1", "ack1", "fin2", "ack2"),
}


def _state_at(spans: list[tuple[float, float, str]], t: float, before: str) -> str:
    """The state at ``t``; ``before`` if the host had no TCB for this connection yet."""
    if not spans or t < spans[0][0]:
        return before
    for start, end, st in spans:
        if start <= t < end:
            return st.replace("_", "-")
    return spans[-1][2].replace("_", "-")


def phase_done(result: Any, phase: str) -> float:
    """When ``phase`` is over: both sides ESTABLISHED (handshake), or the passive closer B
    CLOSED (close — A's TIME-WAIT then runs on its fixed clock)."""
    phase = _v.choice(phase, "phase", tuple(PHASE_POINTS))
    result = _v.sim_result(result)
    ev = result.events
    st = ev[ev["kind"] == "state"]
    if phase == "handshake":
        est = st[st["state_after"] == "ESTABLISHED"].groupby("host")["time"].min()
        if len(est) < 2:
            return float("nan")
        return float(est.max())
    done = st[(st["host"] == "B") & (st["state_before"] == "LAST_ACK")]
    return float(done["time"].min()) if len(done) else float("nan")


def loss_frame(phase: str = "handshake", *, timers: str = "linux", seed: int = 0) -> pd.DataFrame:
    """One row per lost segment of ``phase`` ("handshake" or "close").

    Columns: ``lost`` (which segment), ``A meanwhile`` / ``B meanwhile`` (each side's
    state when the lost segment should have arrived — what each one believes while the
    loss is unrepaired; B is the listener, LISTEN, before a SYN reaches it),
    ``retransmissions`` ("A: SYN at 1 s"),
    ``done at (s)`` (see :func:`phase_done`), ``later by (s)`` (compared with the same
    run without loss) and ``segments`` (sent, the lost one included).
    """
    phase = _v.choice(phase, "phase", tuple(PHASE_POINTS))
    timers = _v.choice(timers, "timers", ("linux", "rfc"))
    seed = _v.seed(seed, optional=False)
    close = phase == "close"
    base = phase_done(run_scenario("connection", seed=seed, timers=timers, close=close), phase)
    rows: list[dict[str, Any]] = []
    for point in PHASE_POINTS[phase]:
        r = run_scenario("connection", seed=seed, timers=timers, lose=point, close=close)
        rtx = retransmissions(r.trace)
        spans = state_spans(r)
        tr = r.trace
        lost = tr[tr["fate"] == "lost"]
        t = float(lost["time"].min()) + float(r.meta["params"]["delay"]) + 1e-9
        done = phase_done(r, phase)
        rows.append(
            {
                "lost": LOSS_POINTS[point][0],
                "A meanwhile": _state_at(spans.get("A", []), t, "CLOSED"),
                "B meanwhile": _state_at(spans.get("B", []), t, "LISTEN"),
                "retransmissions": "; ".join(
                    f"{x.sender}: {x.kind} at {x.time:g} s" for x in rtx.itertuples()
                )
                or "none",
                "done at (s)": round(done, 3),
                "later by (s)": round(done - base, 3),
                "segments": len(tr),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(PHASE_POINTS[phase], name="lose"))
