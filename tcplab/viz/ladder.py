"""Ladder (sequence) diagrams of a simulation trace: matplotlib, SVG/PNG, and plain text.

Two vertical timelines (A left, B right), time running down. Each segment is an arrow
from the sender's line at its send time to the receiver's line at its arrival time,
labelled like ``SYN seq=x`` or ``SYN+ACK seq=y ack=x+1``: sequence numbers are shown
relative to each side's ISS (x for A's, y for B's; x', y' for a later incarnation), or
absolute with ``relative=False``. A lost segment's arrow stops half-way with a red ✗;
an old duplicate or forged segment is dashed. State changes are written beside each
line, timer expiries are marked with a hollow circle.

Time is drawn *compressed*: each distinct instant gets a row, a transit keeps a visible
slope, and a long quiet gap (a 60 s TIME-WAIT, a 7200 s keepalive wait) is drawn as a
break labelled with its length — so a 127 s SYN timeline and a 50 ms exchange both fit.
"""

from __future__ import annotations

import base64
import io
import textwrap
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab import _validate as _v
from tcplab.seq import MOD
from tcplab.viz._svg import figure_to_svg
from tcplab.viz.layout import fmt_gap, time_map

if TYPE_CHECKING:
    import pandas as pd

    from tcplab.sim.network import SimResult

__all__ = [
    "LadderRow",
    "ladder",
    "ladder_png_data_uri",
    "ladder_rows",
    "ladder_svg",
    "ladder_text",
]

_COLORS = {
    "SYN": "#1f77b4",
    "SYN-ACK": "#1f77b4",
    "ACK": "#444444",
    "DATA": "#2ca02c",
    "FIN": "#9467bd",
    "RST": "#d62728",
}


@dataclass(frozen=True)
class LadderRow:
    """One arrow of the ladder, already labelled."""

    time: float
    arrive: float | None
    sender: str
    receiver: str
    label: str
    kind: str
    fate: str
    note: str
    src_state: str | None
    dst_state: str | None


def _symbols(iss_by_host: dict[str, list[int]]) -> dict[str, list[tuple[int, str]]]:
    base = {0: "x", 1: "y"}
    out: dict[str, list[tuple[int, str]]] = {}
    for i, (host, isses) in enumerate(iss_by_host.items()):
        letter = base.get(i, chr(ord("u") + i))
        seen: list[tuple[int, str]] = []
        for k, iss in enumerate(isses):
            if any(v == iss for v, _ in seen):
                continue
            seen.append((iss, letter + "'" * k))
        out[host] = seen
    return out


def _rel(value: int, candidates: list[tuple[int, str]]) -> str:
    best: tuple[int, str] | None = None
    for iss, sym in candidates:
        d = (value - iss) % MOD
        if d < (1 << 24) and (best is None or d < best[0]):
            best = (d, sym)
    if best is None:
        return str(value)
    d, sym = best
    return sym if d == 0 else f"{sym}+{d}"


def _nice_state(s: Any) -> str | None:
    if s is None or (isinstance(s, float) and s != s):
        return None
    return str(s).replace("_", "-")


def ladder_rows(result: SimResult | pd.DataFrame, *, relative: bool = True) -> list[LadderRow]:
    """The labelled arrows of a result (or of a trace DataFrame), in time order."""
    relative = _v.boolean(relative, "relative")
    df, iss = _trace_and_iss(result)
    syms = _symbols(iss) if relative else {}
    rows: list[LadderRow] = []
    for rec in df.to_dict("records"):
        r: dict[str, Any] = {str(k): v for k, v in rec.items()}
        sender, receiver = str(r["sender"]), str(r["receiver"])
        seq_v = int(r["seq"])
        seq_txt = _rel(seq_v, syms.get(sender, [])) if relative else str(seq_v)
        parts = [str(r["flags"]), f"seq={seq_txt}"]
        ack = r["ack"]
        if ack is not None and not (isinstance(ack, float) and ack != ack) and str(ack) != "<NA>":
            a = int(ack)
            parts.append(f"ack={_rel(a, syms.get(receiver, [])) if relative else a}")
        if r["payload"]:
            parts.append(f"len={r['payload']}")
        arr = r["arrive"]
        arrive = None if arr is None or arr != arr else float(arr)
        rows.append(
            LadderRow(
                float(r["time"]),
                arrive,
                sender,
                receiver,
                " ".join(parts),
                str(r["kind"]),
                str(r["fate"]),
                str(r["note"] or ""),
                _nice_state(r["src_state_after"]),
                _nice_state(r["dst_state_after"]),
            )
        )
    return rows


def _trace_and_iss(result: Any) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    result = _v.sim_result(result, frame_ok=True)
    if hasattr(result, "hosts") and hasattr(result, "records"):
        df = result.trace
        iss = {n: [e.iss for e in h.endpoints] for n, h in result.hosts.items()}
        return df, iss
    df = result
    iss = {k: [v] for k, v in df.attrs.get("iss", {}).items() if v is not None}
    if not iss:  # first SYN from each sender
        for r in df.itertuples(index=False):
            if "SYN" in str(r.flags):
                iss.setdefault(str(r.sender), [int(r.seq)])
    return df, iss


def _events(result: Any) -> list[dict[str, Any]]:
    if hasattr(result, "event_records"):
        ev: list[dict[str, Any]] = result.event_records
        return ev
    return []


def ladder(
    result: SimResult | pd.DataFrame,
    *,
    relative: bool = True,
    hosts: tuple[str, str] | None = None,
    title: str | None = None,
    show_states: bool = True,
    show_timers: bool = True,
    width: float = 8.0,
) -> Figure:
    """Draw the ladder diagram of ``result`` (a SimResult or its trace); returns a Figure.

    ``hosts`` picks the left and right timelines (default: the first two senders).
    """
    if hosts is not None:
        hosts = _v.sequence(hosts, "hosts", min_len=2, max_len=2, item=_v.string)  # type: ignore[assignment]
    if title is not None:
        _v.string(title, "title", max_len=200)
    show_states = _v.boolean(show_states, "show_states")
    show_timers = _v.boolean(show_timers, "show_timers")
    width = _v.number(width, "width", ge=2, le=40, what="figure width in inches")
    rows = ladder_rows(result, relative=relative)
    names = list(hosts) if hosts else []
    for r in rows:
        for n in (r.sender, r.receiver):
            if n not in names:
                names.append(n)
    if hasattr(result, "hosts"):
        for n in result.hosts:
            if n not in names:
                names.append(n)
    names = names[:2] if len(names) >= 2 else [*names, "B"][:2]
    xpos = {names[0]: 0.0, names[1]: 1.0}
    events = [e for e in _events(result) if e["host"] in xpos]
    transits = [r.arrive - r.time for r in rows if r.arrive is not None and r.arrive > r.time]
    delay = sorted(transits)[len(transits) // 2] if transits else 0.05
    times: list[float] = []
    for r in rows:
        times.append(r.time)
        times.append(r.arrive if r.arrive is not None else r.time + delay)
    for e in events:
        if e["kind"] in ("state", "timer", "error", "host"):
            times.append(e["time"])
    if not times:
        times = [0.0]
    ymap, breaks = time_map(times, delay)

    def Y(t: float) -> float:
        return ymap[round(t, 9)]

    height = max(2.5, 0.42 * (max(ymap.values()) + 2) + 1.0)
    # Through pyplot, so Jupyter's inline backend is set up and the figure shows as an
    # image even in a fresh kernel; closed below so it does not show twice. SVG/PNG output
    # skips pyplot (its figure list is global: explorers also render in a thread).
    fig = Figure(figsize=(width, height)) if _OFF_PYPLOT.on else plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.90 if title else 0.93))
    top, bottom = -0.8, max(ymap.values()) + 0.8
    for n, x in xpos.items():
        ax.plot([x, x], [top, bottom], color="#222", lw=1.6, zorder=1)
        ax.text(x, top - 0.15, n, ha="center", va="bottom", fontsize=12, fontweight="bold")
    for yb, gap in breaks:
        for x in xpos.values():
            ax.plot([x - 0.025, x + 0.025], [yb - 0.08, yb + 0.08], color="#222", lw=1.2)
        ax.text(0.5, yb, f"⋯ {fmt_gap(gap)} ⋯", ha="center", va="center", fontsize=8, color="#777")
    shown_times: set[float] = set()
    for r in rows:
        x0 = xpos.get(r.sender)
        x1 = xpos.get(r.receiver)
        if x0 is None or x1 is None:
            continue
        y0 = Y(r.time)
        color = _COLORS.get(r.kind, "#444")
        dashed = r.fate in ("old duplicate", "forged")
        if r.fate == "lost" or r.arrive is None:
            y1 = Y(r.time + delay) if round(r.time + delay, 9) in ymap else y0 + 0.5
            xe, ye = x0 + (x1 - x0) * 0.72, y0 + (y1 - y0) * 0.72
            ax.plot([x0, xe], [y0, ye], color=color, lw=1.4, zorder=2)
            ax.plot([xe], [ye], marker="X", color="#d62728", markersize=11, zorder=3)
            xm, ym = x0 + (x1 - x0) * 0.42, y0 + (y1 - y0) * 0.42
        else:
            y1 = Y(r.arrive)
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops=dict(
                    arrowstyle="-|>",
                    color=color,
                    lw=1.4,
                    linestyle="--" if dashed else "-",
                    shrinkA=0,
                    shrinkB=0,
                ),
                zorder=2,
            )
            xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        label = r.label + ("  (lost)" if r.fate == "lost" else "")
        if r.fate in ("duplicate", "old duplicate", "forged", "reordered", "delayed"):
            label += f"  [{r.fate}]"
        if "retransmission" in r.note:
            label = "↻ " + label
        ax.text(
            xm,
            ym - 0.06,
            label,
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=color,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85),
            zorder=4,
        )
        if r.time not in shown_times:
            shown_times.add(r.time)
            ax.text(
                -0.62, y0, f"{r.time:.6g} s", ha="left", va="center", fontsize=7.5, color="#666"
            )
    if show_states:
        for e in events:
            if e["kind"] != "state" or e["state_after"] is None:
                continue
            x = xpos[e["host"]]
            side = -1 if x == 0 else 1
            ax.text(
                x + side * 0.03,
                Y(e["time"]),
                _nice_state(e["state_after"].name) or "",
                ha="right" if side < 0 else "left",
                va="center",
                fontsize=8,
                color="#000",
                fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.2", fc="#fff6d5", ec="#d9b300", lw=0.6),
                zorder=5,
            )
    if show_timers:
        # Marker colours: timers orange, errors red, host crash/reboot black.
        colors = {
            "timer": ("#ff7f0e", "#b35900"),
            "error": ("#d62728", "#d62728"),
            "host": ("#111111", "#111111"),
        }
        stacked: dict[tuple[str, float], int] = {}  # labels at the same place stack upwards
        for e in events:
            if e["kind"] not in colors:
                continue
            x = xpos[e["host"]]
            side = -1 if x == 0 else 1
            y = Y(e["time"])
            edge, text_color = colors[e["kind"]]
            ax.plot(
                [x],
                [y],
                marker="X" if e["kind"] == "host" else "o",
                mfc=edge if e["kind"] == "host" else "white",
                mec=edge,
                markersize=8 if e["kind"] == "host" else 7,
                zorder=6,
            )
            level = stacked.get((e["host"], y), 0)
            stacked[(e["host"], y)] = level + 1
            what = str(e["what"])
            # Two short lines rather than one cut by the figure's edge.
            what = textwrap.fill(what, 30, max_lines=2, placeholder=" …")
            ax.text(
                x + side * 0.03,
                y + 0.22 + 0.24 * level,
                what,
                ha="right" if side < 0 else "left",
                va="center",
                fontsize=7,
                style="italic",
                fontweight="bold" if e["kind"] == "host" else "normal",
                color=text_color,
                zorder=5,
            )
    ax.set_xlim(-0.64, 1.5)
    ax.set_ylim(bottom, top - 0.6)
    ax.axis("off")
    if title is None and hasattr(result, "meta"):
        title = result.meta.get("scenario")
    if title:
        fig.suptitle(title, fontsize=12, y=0.995)
    plt.close(fig)
    return fig


class _OffPyplot(threading.local):
    on = False


_OFF_PYPLOT = _OffPyplot()


def _figure_only(result: SimResult | pd.DataFrame, **kw: Any) -> Figure:
    """:func:`ladder` without pyplot (safe in any thread; nothing shows at cell end)."""
    _OFF_PYPLOT.on = True
    try:
        return ladder(result, **kw)
    finally:
        _OFF_PYPLOT.on = False


def ladder_svg(result: SimResult | pd.DataFrame, **kw: Any) -> str:
    """The ladder as an SVG document string (for ipywidgets.HTML or a web page)."""
    return figure_to_svg(_figure_only(result, **kw))


def ladder_png_data_uri(result: SimResult | pd.DataFrame, *, dpi: int = 90, **kw: Any) -> str:
    """The ladder as a ``data:image/png;base64,...`` URI."""
    dpi = _v.integer(dpi, "dpi", ge=10, le=600, what="a resolution in dots per inch")
    fig = _figure_only(result, **kw)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def ladder_text(result: SimResult | pd.DataFrame, *, relative: bool = True, width: int = 44) -> str:
    """A plain-text ladder for the terminal (what ``python -m tcplab simulate`` prints)."""
    width = _v.integer(width, "width", ge=20, le=400, what="a width in characters")
    rows = ladder_rows(result, relative=relative)
    _, iss = _trace_and_iss(result)
    names: list[str] = []
    for r in rows:
        for n in (r.sender, r.receiver):
            if n not in names:
                names.append(n)
    if len(names) < 2:
        names = [*names, "A", "B"][:2]
    left, right = names[0], names[1]
    lines = []
    if relative:
        syms = _symbols(iss)
        legend = ", ".join(f"{s} = ISS({h}) = {v}" for h, lst in syms.items() for v, s in lst)
        if legend:
            lines.append(legend)
    lines.append(f"{'time (s)':>10}  {left:<14}{'':{width}}  {right}")
    for r in rows:
        lost = r.fate == "lost" or r.arrive is None
        tag = "" if r.fate in ("delivered", "lost") else f" [{r.fate}]"
        lab = ("↻ " if "retransmission" in r.note else "") + r.label + tag
        body = f" {lab} "
        if r.sender == left:
            arrow = "─" + body.ljust(width - 3, "─") + ("─✗" if lost else "─►")
            ls, rs = r.src_state or "", "" if lost else (r.dst_state or "")
        else:
            arrow = ("✗─" if lost else "◄─") + body.rjust(width - 3, "─") + "─"
            ls, rs = "" if lost else (r.dst_state or ""), r.src_state or ""
        lines.append(f"{r.time:>10.3f}  {ls:<14}{arrow}  {rs}")
    head, seg_lines = lines[: len(lines) - len(rows)], lines[len(lines) - len(rows) :]
    timed = [(r.time, k, ln) for k, (r, ln) in enumerate(zip(rows, seg_lines, strict=True))]
    for e in _events(result):
        if e["kind"] == "error":
            timed.append(
                (e["time"], len(timed), f"{e['time']:>10.3f}  !! {e['host']}: {e['what']}")
            )
    timed.sort(key=lambda x: (x[0], x[1]))
    return "\n".join(head + [ln for _, _, ln in timed])
