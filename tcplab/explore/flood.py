"""The SYN-flood explorer as a session: attack rate and defences → who is served, memory.

Each choice runs :func:`tcplab.flood.simulate_flood` itself — in JupyterLab and in the
course site's browser alike (the flood model is pure Python: no numpy, no pandas) — with
the notebook widget's short scenario, and keeps the runs it has made (one per defence and
rate: a choice seen before costs nothing).

A new rate needs one run per defence shown, ~20-60 ms each. So that a click paints at
once in the browser, a front end may set :attr:`FloodSession.runs_per_view`: ``view()``
then makes at most that many new runs and draws the others as "simulating…"; each
:meth:`FloodSession.step` (called when the page is idle) makes one more — first those the
view still lacks, then, ahead of the reader, the other rates for the defences shown.
Every number drawn is still a complete run of the model; only *when* it is made changes.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from tcplab import _validate as _v
from tcplab.defences import DEFENCES
from tcplab.explore._base import Session, choice, html_part, select, svg_part, unknown_control
from tcplab.explore._svg import Bar, bar_chart
from tcplab.flood import FloodConfig, simulate_flood

__all__ = ["DEFAULT", "RATES", "FloodSession", "default_config"]

#: Every defence but filtering, which mostly rescales the attack rate the slider sets.
DEFAULT = tuple(name for name in DEFENCES if name != "filtering")
RATES = (0.0, 100.0, 1000.0, 3000.0, 10000.0, 30000.0)
_CONFIG = {"duration": 8.0, "legit_rate": 25.0, "backlog": 128, "dt": 0.002,
           "sample_every": 1.0, "seed": 0}  # fmt: skip


def default_config() -> dict[str, Any]:
    """The FloodConfig fields the explorer runs with (as in the notebook's widget)."""
    return dict(_CONFIG)


class FloodSession(Session):
    """Attack rate (preset dropdown) and defences (multi-select)."""

    name = "flood"

    #: At most this many new simulations per :meth:`view` (None: all it needs).
    runs_per_view: int | None = None

    def __init__(self, rate: float = 3000.0, *, config: FloodConfig | None = None) -> None:
        self._runs: dict[str, dict[str, Any]] = {}
        self.config = default_config()
        if config is not None:  # a notebook's own scenario (flood_explorer(config))
            _v.instance(config, "config", FloodConfig, "a FloodConfig or None")
            self.config = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
        self.deadline = FloodConfig(**self.config).deadline
        self.rate = float(choice("rate", rate, RATES))
        self.defences: tuple[str, ...] = DEFAULT

    @staticmethod
    def _key(defence: str, rate: float) -> str:
        return f"{defence}@{rate:g}"

    def summary(self, defence: str, rate: float) -> dict[str, Any]:
        """One run's summary (simulated on first use, then kept)."""
        key = self._key(defence, rate)
        if key not in self._runs:
            cfg = FloodConfig(**self.config)
            self._runs[key] = simulate_flood(cfg, defence, attack_rate=rate).summary
        return self._runs[key]

    def _missing(self, rate: float) -> list[str]:
        return [n for n in self.defences or ("none",) if self._key(n, rate) not in self._runs]

    def pending(self) -> int:
        """How many runs the current view still lacks (drawn as "simulating…")."""
        return len(self._missing(self.rate))

    def step(self) -> bool:
        """Make one missing run (the view's first, then other rates'); False when none is left."""
        here = RATES.index(self.rate)
        by_distance = sorted(RATES, key=lambda r: abs(RATES.index(r) - here))
        for rate in by_distance:
            missing = self._missing(rate)
            if missing:
                self.summary(missing[0], rate)
                return True
        return False

    def set(self, control: str, value: Any) -> None:
        if control == "rate":
            self.rate = float(choice("rate", value, RATES))
        elif control == "defences":
            if not isinstance(value, list):
                raise TypeError(f"defences = {str(value)[:40]!r}: expected a list of names")
            self.defences = tuple(choice("defences", v, tuple(DEFENCES)) for v in value)
        else:
            raise unknown_control(self, control, ("rate", "defences"))

    def controls(self) -> list[dict[str, Any]]:
        return [
            select("rate", "SYN/s", [(f"{r:,.0f}", r) for r in RATES], self.rate),
            select(
                "defences",
                "defences",
                [(n, n) for n in DEFENCES],
                list(self.defences),
                multiple=True,
            ),
        ]

    def plot(self) -> str:
        names = self.defences or ("none",)
        budget = self.runs_per_view
        bars = []
        for n in names:
            if self._key(n, self.rate) not in self._runs:
                if budget is not None and budget <= 0:
                    bars.append(Bar(n, (), "simulating…"))
                    continue
                budget = None if budget is None else budget - 1
            r = self.summary(n, self.rate)
            lost = r["options_lost_share"] * r["served_share"]
            note = (
                f"{r['memory_peak_bytes'] / 1024:,.0f} KiB peak, "
                f"{r['served_share']:.0%} served eventually"
            )
            bars.append(Bar(n, ((r["served_fast_share"], "#2ca02c"), (lost, "#ff7f0e")), note))
        c = self.config
        return bar_chart(
            bars,
            xlabel="share of legitimate clients",
            title=(
                f"{self.rate:,.0f} spoofed SYN/s for {c['duration']:g} s, backlog {c['backlog']}"
            ),
            legend=(
                (f"served within {self.deadline:g} s", "#2ca02c"),
                ("served, wscale/SACK lost", "#ff7f0e"),
            ),
        )

    def view(self) -> dict[str, Any]:
        c = self.config
        source = (
            f"simulated by tcplab.flood.simulate_flood (duration {c['duration']:g} s, "
            f"{c['legit_rate']:g} clients/s, step {c['dt'] * 1000:g} ms, seed {c['seed']})"
        )
        info = f"<p class='tcplab-muted'>Runs: {html.escape(source)}.</p>"
        return {
            "controls": self.controls(),
            "parts": [svg_part(self.plot()), html_part(info)],
            "pending": self.pending(),
        }
