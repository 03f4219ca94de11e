"""The handshake's retry timelines as a picture: when SYNs and SYN-ACKs leave, and when
each side gives up.

The arithmetic is :meth:`tcplab.timers.TimerPreset.syn_timeline` and
:meth:`~tcplab.timers.TimerPreset.synack_timeline`; with ``simulated=True`` the send
times the simulator actually produced (scenarios ``syn-timeout`` and ``synack-timeout``)
are drawn over them as rings, so a reader sees that the model and the simulation agree.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab import _validate as _v
from tcplab.timers import TimerPreset, preset

__all__ = ["retry_plot", "simulated_send_times"]


def simulated_send_times(kind: str, timers: str | TimerPreset = "linux") -> tuple[float, ...]:
    """Send times (first one at 0) of every SYN (``kind="SYN"``, scenario ``syn-timeout``)
    or SYN-ACK (``kind="SYN-ACK"``, scenario ``synack-timeout``) in the simulation."""
    from tcplab.sim.scenarios import run_scenario

    kind = _v.choice(kind, "kind", ("SYN", "SYN-ACK"))
    scenario = {"SYN": "syn-timeout", "SYN-ACK": "synack-timeout"}[kind]
    tr = run_scenario(scenario, timers=preset(timers)).trace
    times = tr.loc[tr["kind"] == kind, "time"].astype(float)
    return tuple(round(float(t - times.min()), 6) for t in times)


def retry_plot(timers: str | TimerPreset = "linux", *, simulated: bool = True) -> Figure:
    """Two rows — the client's SYNs and the server's SYN-ACKs — with each transmission,
    the waits between them, and the give-up time."""
    p = preset(timers)
    simulated = _v.boolean(simulated, "simulated")
    lines = [
        ("client: SYN", p.syn_timeline(), "connect() gives up", "SYN"),
        ("server: SYN-ACK", p.synack_timeline(), "request dropped", "SYN-ACK"),
    ]
    fig, ax = plt.subplots(figsize=(10, 3.0))
    for row, (_name, tl, end_label, kind) in enumerate(lines):
        ax.hlines(row, 0, tl.give_up, color="#999999", lw=1)
        ax.plot(tl.send_times, [row] * len(tl.send_times), "o", color="#1f77b4", ms=7)
        stops = (*tl.send_times, tl.give_up)
        for a, b in itertools.pairwise(stops):
            mid = (a * b) ** 0.5 if a > 0 else b / 2  # the middle on the log-like axis
            ax.text(
                mid,
                row + 0.22,
                f"wait {b - a:g}",
                ha="center",
                va="top",
                fontsize=7,
                color="#555555",
            )
        for t in tl.send_times:
            ax.text(t, row - 0.16, f"{t:g}", ha="center", va="bottom", fontsize=8)
        ax.plot([tl.give_up], [row], "X", color="#d62728", ms=10)
        ax.text(
            tl.give_up * 1.08,
            row,
            f"{end_label} at {tl.give_up:g} s",
            ha="left",
            va="center",
            fontsize=8,
            color="#d62728",
        )
        if simulated:
            sim = simulated_send_times(kind, p)
            ax.plot(sim, [row] * len(sim), "o", mfc="none", mec="#ff7f0e", ms=12, mew=1.5)
    ax.set_yticks(range(len(lines)), [n for n, *_ in lines])
    ax.set_ylim(len(lines) - 0.5, -0.6)
    # Doubling waits look evenly spaced on a base-2 log axis (linear below 1 s).
    ax.set_xscale("symlog", linthresh=1, base=2)
    right = max(tl.give_up for _, tl, _, _ in lines)
    ax.set_xlim(-0.3, right * 3.2)
    ticks = [0, 1, 2, 4, 8, 16, 32, 64, 128]
    ax.set_xticks(
        [t for t in ticks if t <= right * 1.5], [str(t) for t in ticks if t <= right * 1.5]
    )
    ax.set_xlabel("seconds after the first transmission (log scale)")
    title = f"{p.name} timers: initial RTO {p.initial_rto:g} s, doubled on every timeout"
    if simulated:
        title += " (rings: the simulator's send times)"
    ax.set_title(title, fontsize=10)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    plt.close(fig)  # the caller displays it
    return fig
