"""Plots for :mod:`tcplab.isn`: ISNs over time per generator, attacker prediction errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from tcplab import _validate as _v
from tcplab import isn

__all__ = ["generator_color", "plot_isn_over_time", "plot_prediction_error"]


def _frame(df: object, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in getattr(df, "columns", ())]
    if type(df).__name__ != "DataFrame" or missing:
        raise _v.ArgumentTypeError(
            f"df = {_v.short(df)}: expected a DataFrame with columns {', '.join(columns)}"
        )


def plot_isn_over_time(
    df: pd.DataFrame | None = None,
    *,
    generators: Sequence[str] = isn.GENERATORS,
    times: Sequence[float] | None = None,
    ax: Axes | None = None,
    seed: int = 0,
) -> Axes:
    """ISN (0..2^32-1) against time, one panel line per generator and 4-tuple.

    ``df`` is :func:`tcplab.isn.isn_trace` output (computed when omitted). Solid lines
    are the victim's 4-tuple, dashed the attacker's: clock generators put them on top of
    each other, keyed ones apart, random ones nowhere in particular.
    """
    ax = _v.axes(ax)
    if df is None:
        df = isn.isn_trace(generators, times=times, seed=seed)
    _frame(df, ("generator", "tuple", "t", "isn"))
    fig = None  # a figure made here is closed before returning: show it with `ax.figure`
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    styles = ["-", "--", ":", "-."]
    for gen, g in df.groupby("generator", sort=False):
        color = generator_color(str(gen))
        for ti, (_tup, d) in enumerate(g.groupby("tuple", sort=False)):
            ax.plot(
                d["t"],
                d["isn"] / 2**32,
                styles[ti % 4],
                color=color,
                marker="." if gen == "random" else None,
                lw=1.4,
            )
    # One legend entry per generator (its colour) and one per 4-tuple (the line style):
    # short enough to sit beside the axes without being clipped.
    shown = list(dict.fromkeys(df["generator"]))
    handles = [Line2D([], [], color=generator_color(g), lw=2, label=g) for g in shown]
    handles += [
        Line2D([], [], color="#555", ls="-", label="victim's 4-tuple"),
        Line2D([], [], color="#555", ls="--", label="attacker's 4-tuple"),
    ]
    ax.set_xlabel("time (s)")
    ax.set_ylabel("ISN / 2³²")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("ISN over time: solid = victim, dashed = attacker's own connection", fontsize=10)
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if fig is not None:
        plt.close(fig)  # so it shows once, via `ax.figure`, not again at cell end
    return ax


def generator_color(name: str) -> str:
    """One fixed colour per ISN generator, whatever else is shown with it."""
    names = list(isn.GENERATORS)
    i = names.index(name) if name in names else len(names)
    return f"C{i % 10}"


def plot_prediction_error(
    df: pd.DataFrame | None = None, *, ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """|actual − predicted| ISN per generator (log scale), from
    :func:`tcplab.isn.attacker_prediction`."""
    ax = _v.axes(ax)
    if df is None:
        df = isn.attacker_prediction(**kwargs)
    _frame(df, ("generator", "error"))
    fig = None  # a figure made here is closed before returning: show it with `ax.figure`
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3))
    gens = list(dict.fromkeys(df["generator"]))
    data = [df.loc[df["generator"] == g, "error"].abs().add(1).to_numpy() for g in gens]
    ax.boxplot(data, tick_labels=gens, showfliers=False)
    ax.set_yscale("log")
    ax.set_ylabel("|error| + 1 (sequence numbers)")
    ax.set_title("How far off is an attacker who saw its own ISN?")
    if fig is not None:
        plt.close(fig)  # so it shows once, via `ax.figure`, not again at cell end
    return ax
