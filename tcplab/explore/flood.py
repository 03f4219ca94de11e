"""The SYN-flood explorer as a session: attack rate and defences → who is served, memory.

:func:`tcplab.flood.simulate_flood` is vectorised with numpy, which the course site's
browser runtime does not have, and re-writing that simulation in pure Python would be a
second implementation of the flood model. So the browser session draws from a
:func:`table` of ``simulate_flood(...).summary`` for every defence at every preset
attack rate, computed by tcplab at *site build time* (``docs/_ext/tcplab_live.py``
ships it as ``_static/live/flood.json``) — the page says so. Where numpy is available
(JupyterLab, the tests) the session simulates on demand instead, with the same config.
"""

from __future__ import annotations

import html
import math
from typing import Any

from tcplab.defences import DEFENCES
from tcplab.explore._base import Session, choice, select, unknown_control
from tcplab.explore._svg import Bar, bar_chart

__all__ = ["DEFAULT", "RATES", "FloodSession", "default_config", "table"]

#: Every defence but filtering, which mostly rescales the attack rate the slider sets.
DEFAULT = tuple(name for name in DEFENCES if name != "filtering")
RATES = (0.0, 100.0, 1000.0, 3000.0, 10000.0, 30000.0)
_CONFIG = {"duration": 8.0, "legit_rate": 25.0, "backlog": 128, "dt": 0.002,
           "sample_every": 1.0, "seed": 0}  # fmt: skip


def default_config() -> dict[str, Any]:
    """The FloodConfig fields the explorer runs with (as in the notebook's widget)."""
    return dict(_CONFIG)


def _plain(summary: dict[str, Any]) -> dict[str, Any]:
    # Strict JSON for the browser: a median of no clients is NaN, which JSON cannot hold.
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in summary.items()
    }


def table(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """``simulate_flood(...).summary`` for every defence × preset rate (needs numpy)."""
    from tcplab.flood import FloodConfig, simulate_flood

    cfg = FloodConfig(**(config or _CONFIG))
    runs = {
        f"{name}@{rate:g}": _plain(simulate_flood(cfg, name, attack_rate=rate).summary)
        for name in DEFENCES
        for rate in RATES
    }
    return {"config": config or _CONFIG, "deadline": cfg.deadline, "runs": runs}


class FloodSession(Session):
    """Attack rate (preset dropdown) and defences (multi-select)."""

    name = "flood"

    def __init__(self, table: dict[str, Any] | None = None, rate: float = 3000.0) -> None:
        self._table = table
        self._runs: dict[str, dict[str, Any]] = dict(table["runs"]) if table else {}
        self.deadline = float(table["deadline"]) if table else 3.0
        self.config = dict(table["config"]) if table else default_config()
        self.rate = float(choice("rate", rate, RATES))
        self.defences: tuple[str, ...] = DEFAULT

    def summary(self, defence: str, rate: float) -> dict[str, Any]:
        """One run's summary: from the build-time table, or simulated now (numpy)."""
        key = f"{defence}@{rate:g}"
        if key not in self._runs:
            if self._table is not None:
                raise ValueError(f"{key!r} is not in the precomputed flood table")
            from tcplab.flood import FloodConfig, simulate_flood

            cfg = FloodConfig(**self.config)
            self.deadline = cfg.deadline
            self._runs[key] = simulate_flood(cfg, defence, attack_rate=rate).summary
        return self._runs[key]

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
        bars = []
        for n in names:
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
        source = (
            "computed by tcplab's flood model when this site was built (numpy is not "
            "available in the browser); choosing a rate or defences here redraws from them"
            if self._table is not None
            else "simulated by tcplab.flood.simulate_flood"
        )
        info = f"<p class='tcplab-muted'>Runs: {html.escape(source)}.</p>"
        return {
            "controls": self.controls(),
            "parts": [{"kind": "svg", "svg": self.plot()}, {"kind": "html", "html": info}],
        }
