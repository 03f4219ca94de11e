"""State timelines: how long each side of a simulated connection spends in each state.

One horizontal band per host; each band is cut into the states that host's connection
passed through, read from the simulation's event records. Handshakes last milliseconds and
TIME-WAIT a minute, so the time axis is linear up to ``linear_until`` seconds and
logarithmic after it (matplotlib's ``symlog``).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab import _validate as _v
from tcplab.fsm import State

__all__ = ["STATE_COLORS", "state_spans", "state_timeline"]

STATE_COLORS: dict[str, str] = {
    State.CLOSED.name: "#eeeeee",
    State.LISTEN.name: "#c7e9c0",
    State.SYN_SENT.name: "#9ecae1",
    State.SYN_RECEIVED.name: "#a1d99b",
    State.ESTABLISHED.name: "#fdd0a2",
    State.FIN_WAIT_1.name: "#6baed6",
    State.FIN_WAIT_2.name: "#4292c6",
    State.CLOSE_WAIT.name: "#74c476",
    State.CLOSING.name: "#bcbddc",
    State.LAST_ACK.name: "#41ab5d",
    State.TIME_WAIT.name: "#fb6a4a",
}


def state_spans(result: Any) -> dict[str, list[tuple[float, float, str]]]:
    """Host → [(start, end, state name)] from a :class:`tcplab.sim.network.SimResult`.

    A span ends at the next state change, or at the end of the run.
    """
    result = _v.sim_result(result)
    ev = result.events
    changes = ev[(ev["state_before"] != ev["state_after"]) & ev["state_after"].notna()]
    out: dict[str, list[tuple[float, float, str]]] = {}
    for host, rows in changes.groupby("host", sort=True):
        spans: list[tuple[float, float, str]] = []
        times = list(rows["time"])
        states = list(rows["state_after"])
        for i, (t, st) in enumerate(zip(times, states, strict=True)):
            end = times[i + 1] if i + 1 < len(times) else float(result.end_time)
            if end > t or st != State.CLOSED.name:
                spans.append((float(t), float(end), str(st)))
        out[str(host)] = spans
    return out


def state_timeline(
    scenario: Any = "close-four-way",
    *,
    seed: int = 0,
    title: str | None = None,
    linear_until: float = 1.0,
    ax: Any = None,
    **params: Any,
) -> Figure:
    """Draw each host's states over time for a scenario name or a finished ``SimResult``."""
    ax = _v.axes(ax)
    seed = _v.seed(seed, optional=False)
    if title is not None:
        title = _v.string(title, "title", max_len=200)
    linear_until = _v.number(linear_until, "linear_until", ge=0, le=1e6, what="time in seconds")
    if isinstance(scenario, str):
        from tcplab.sim.scenarios import list_scenarios, run_scenario

        if scenario not in list_scenarios():  # the full list would make a 500-char message
            raise ValueError(
                f"scenario = {_v.short(scenario)}: expected a scenario name "
                "(tcplab.sim.scenarios.list_scenarios()) or a SimResult"
            )

        result = run_scenario(scenario, seed=seed, **params)
        title = title or scenario
    else:
        result = _v.sim_result(scenario, "scenario")
    spans = state_spans(result)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 1.6 + 0.7 * len(spans)))
    else:
        fig = ax.figure
    seen: dict[str, Any] = {}
    for row, (_host, host_spans) in enumerate(spans.items()):
        for start, end, st in host_spans:
            bar = ax.barh(
                row,
                max(end - start, 1e-3),
                left=start,
                height=0.6,
                color=STATE_COLORS.get(st, "#cccccc"),
                edgecolor="#555555",
                linewidth=0.6,
            )
            seen.setdefault(st, bar)
    ax.set_yticks(range(len(spans)), [f"host {h}" for h in spans])
    ax.set_xscale("symlog", linthresh=linear_until)
    ax.set_xlim(0, max(float(result.end_time), linear_until) * 1.05)
    ax.set_xlabel(f"time (s) — linear to {linear_until:g} s, logarithmic after")
    ax.invert_yaxis()
    fig.canvas.draw()  # fixes the symlog transform, so label widths can be measured
    for row, host_spans in enumerate(spans.values()):
        for start, end, st in host_spans:
            (x0, _), (x1, _) = ax.transData.transform([(start, row), (end, row)])
            label = st.replace("_", "-")
            if x1 - x0 > 6.5 * len(label) + 6:  # only where the name fits inside the band
                mid = ax.transData.inverted().transform(((x0 + x1) / 2, 0))[0]
                ax.text(mid, row, label, ha="center", va="center", fontsize=8)
    ax.legend(
        seen.values(),
        [k.replace("_", "-") for k in seen],
        fontsize=7,
        ncol=6,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35),
        frameon=False,
    )
    if title:
        ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)  # the caller displays it; avoid a second copy in notebooks
    return fig
