"""Plots for listen queues and SYN floods (:mod:`tcplab.listener`, :mod:`tcplab.flood`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from tcplab import _validate as _v

__all__ = ["plot_listen_queue", "plot_queue_occupancy", "plot_success_vs_attack"]


def _frame(df: object, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in getattr(df, "columns", ())]
    if type(df).__name__ != "DataFrame" or missing:
        raise _v.ArgumentTypeError(
            f"{name} = {_v.short(df)}: expected a DataFrame with columns {', '.join(columns)}"
        )


def _sample(x: object, name: str) -> dict[str, float]:
    return _v.instance(x, name, dict, "a dict sample from simulate_listen_queue")


def plot_success_vs_attack(
    df: pd.DataFrame, *, metric: str = "served_fast_share", ax: Axes | None = None
) -> Axes:
    """Legitimate success against attack rate, one line per defence.

    ``df`` is :func:`tcplab.flood.sweep_attack_rate` output. ``metric`` is
    ``served_fast_share`` (served within the deadline) or ``served_share`` (eventually).
    """
    ax = _v.axes(ax)
    metric = _v.choice(metric, "metric", ("served_fast_share", "served_share"))
    _frame(df, "df", ("defences", "attack_rate", metric))
    fig = None  # a figure made here is closed before returning: show it with `ax.figure`
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for i, (name, d) in enumerate(df.groupby("defences", sort=False)):
        d = d.sort_values("attack_rate")
        ax.plot(d["attack_rate"], d[metric], marker="o", color=f"C{i}", label=name)
    positive = df.loc[df["attack_rate"] > 0, "attack_rate"]
    ax.set_xscale("symlog", linthresh=float(positive.min()) if len(positive) else 10.0)
    ax.set_xlabel("attack rate (spoofed SYN/s)")
    ax.set_ylabel("legitimate clients served" + (" quickly" if "fast" in metric else ""))
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=8)
    ax.set_title("SYN flood: who still gets in?")
    if fig is not None:
        plt.close(fig)  # so it shows once, via `ax.figure`, not again at cell end
    return ax


def plot_queue_occupancy(result: Any, *, ax: Axes | None = None) -> Axes:
    """SYN queue (attack vs legitimate entries) and accept queue over time for one flood run
    (a :class:`tcplab.flood.FloodResult` or its ``timeseries``)."""
    ax = _v.axes(ax)
    ts = result.timeseries if hasattr(result, "timeseries") else result
    _frame(ts, "result", ("t", "attack_entries", "legit_entries", "accept_queue"))
    fig = None  # a figure made here is closed before returning: show it with `ax.figure`
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.stackplot(
        ts["t"],
        ts["attack_entries"],
        ts["legit_entries"],
        labels=["half-open: attack", "half-open: legitimate"],
        colors=["#d62728", "#2ca02c"],
        alpha=0.7,
    )
    ax.plot(ts["t"], ts["accept_queue"], color="k", lw=1, label="accept queue")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("entries")
    ax.legend(fontsize=8, loc="upper right")
    if fig is not None:
        plt.close(fig)  # so it shows once, via `ax.figure`, not again at cell end
    return ax


def plot_listen_queue(
    samples: Sequence[dict[str, float]] | pd.DataFrame,
    *,
    max_ack_backlog: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """SYN and accept queue over time from :func:`tcplab.listener.simulate_listen_queue`."""
    ax = _v.axes(ax)
    if max_ack_backlog is not None:
        max_ack_backlog = _v.integer(
            max_ack_backlog, "max_ack_backlog", ge=0, le=_v.MAX_BACKLOG, what="a backlog"
        )
    if type(samples).__name__ != "DataFrame":
        samples = list(_v.sequence(samples, "samples", max_len=_v.MAX_ITEMS, item=_sample))
    df = pd.DataFrame(samples)
    _frame(df, "samples", ("t", "syn_queue", "accept_queue"))
    fig = None  # a figure made here is closed before returning: show it with `ax.figure`
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 3.2), layout="constrained")
    ax.step(df["t"], df["syn_queue"], where="post", label="SYN queue (request socks)")
    ax.step(df["t"], df["accept_queue"], where="post", label="accept queue")
    if max_ack_backlog is not None:
        ax.axhline(
            max_ack_backlog + 1, color="grey", ls="--", lw=1, label=f"B+1 = {max_ack_backlog + 1}"
        )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("entries")
    # Beside the axes: the queues run along the top of the plot, where a legend would hide them.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if fig is not None:
        plt.close(fig)  # so it shows once, via `ax.figure`, not again at cell end
    return ax
