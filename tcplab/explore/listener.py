"""The listen-queue explorer as a session: backlog, accept rate, tcp_abort_on_overflow.

A thin layer over :func:`tcplab.listener.simulate_listen_queue` (pure Python already):
the plot is the SYN and accept queues over time (drawn by :mod:`tcplab.explore._svg`,
like :func:`tcplab.viz.queue_plots.plot_listen_queue`), the text what the clients saw.
Each setting is simulated once and cached.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from tcplab.explore._base import (
    PictureSession,
    checkbox,
    number,
    slider,
    unknown_control,
)
from tcplab.explore._svg import Series, line_chart
from tcplab.listener import ListenerConfig, simulate_listen_queue

__all__ = ["ListenerSession"]


class ListenerSession(PictureSession):
    """Sliders for backlog and accept rate, a checkbox for tcp_abort_on_overflow."""

    name = "listener"

    def __init__(self, arrival_rate: float = 40.0, duration: float = 8.0, seed: int = 0) -> None:
        self.arrival_rate = number("arrival_rate", arrival_rate, 0.1, 10_000)
        self.duration = number("duration", duration, 0.1, 600)
        self.seed = seed
        self.backlog, self.accept_rate, self.abort = 8, 30.0, False
        super().__init__()

    def set(self, control: str, value: Any) -> None:
        if control == "backlog":
            self.backlog = int(number("backlog", value, 0, 64))
        elif control == "accept_rate":
            self.accept_rate = number("accept_rate", value, 1, 100)
        elif control == "abort":
            if not isinstance(value, bool):
                raise TypeError(f"abort = {str(value)[:40]!r}: expected true or false")
            self.abort = value
        else:
            raise unknown_control(self, control, ("backlog", "accept_rate", "abort"))

    def controls(self) -> list[dict[str, Any]]:
        return [
            slider("backlog", "backlog", self.backlog, lo=0, hi=64, step=1),
            slider("accept_rate", "accept/s", self.accept_rate, lo=1, hi=100, step=1),
            checkbox("abort", "tcp_abort_on_overflow=1", self.abort),
        ]

    def setting(self) -> tuple[int, float, bool]:
        return (self.backlog, self.accept_rate, self.abort)

    def draw(self) -> tuple[str, str]:
        """(plot SVG, clients' outcome HTML): the listen queue simulated and drawn."""
        cfg = ListenerConfig(backlog=self.backlog, abort_on_overflow=self.abort)
        samples, clients = simulate_listen_queue(
            cfg,
            arrival_rate=self.arrival_rate,
            accept_rate=self.accept_rate,
            duration=self.duration,
            sample_every=0.1,
            seed=self.seed,
        )
        t = [s["t"] for s in samples]
        syn = [float(s["syn_queue"]) for s in samples]
        acc = [float(s["accept_queue"]) for s in samples]
        limit = float(cfg.max_ack_backlog + 1)
        top = max([*syn, *acc, limit]) * 1.15 + 1
        svg = line_chart(
            [
                Series(t, syn, "SYN queue (request socks)", "#1f77b4", "step"),
                Series(t, acc, "accept queue", "#ff7f0e", "step"),
                Series([0, self.duration], [limit, limit], f"B+1 = {limit:g}", "#888", width=1),
            ],
            xlim=(0, self.duration),
            ylim=(0, top),
            xlabel="time (s)",
            ylabel="entries",
            size=(760, 300),
            legend_outside=True,
            title=(
                f"{self.arrival_rate:g} clients/s, accept {self.accept_rate:g}/s, "
                f"ListenOverflows={samples[-1]['ListenOverflows']:.0f}"
            ),
        )
        out = Counter(str(c["outcome"]) for c in clients)
        summary = ", ".join(f"{html.escape(k)}: {v}" for k, v in sorted(out.items()))
        info = f"<p class='tcplab-verdict'>clients — {summary}</p>"
        return svg, info
