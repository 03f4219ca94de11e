"""The ISN explorer as a session: pick generators and a receive window; see ISNs over time
and the odds of one blind spoofed RST.

The generators are :mod:`tcplab.isn`'s own (``make_generator``, ``isn(four_tuple, t)``);
the odds are :func:`tcplab.isn.rst_odds`, computed exactly from the attacker's best
prediction (no sampling).
"""

from __future__ import annotations

import html
from typing import Any

from tcplab import _validate as _v
from tcplab import isn
from tcplab.explore._base import Session, choice, html_part, select, svg_part, unknown_control
from tcplab.explore._svg import Series, line_chart

__all__ = ["WINDOWS", "IsnSession"]

WINDOWS = (1024, 16384, 65535, 1 << 20, 1 << 24)
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


class IsnSession(Session):
    """Generators (multi-select) and RCV.WND (a dropdown of presets)."""

    name = "isn"

    def __init__(self, trials: int = 400, seed: int = 0) -> None:
        # ``trials`` is what isn_explorer(trials, seed) has always taken; the odds are exact,
        # so it is checked and kept, not used to sample.
        self.trials = _v.integer(trials, "trials", ge=1, le=_v.MAX_TRIALS)
        self.seed = _v.seed(seed, optional=False)
        self.generators: tuple[str, ...] = isn.GENERATORS
        self.window = 65535
        self._times = [i * 6.0 for i in range(60)]
        self._isns = {}
        for name in isn.GENERATORS:
            g = isn.make_generator(name, self.seed)
            self._isns[name] = {
                ft: [g.isn(ft, t) for t in self._times] for ft in (isn.SERVER, isn.ATTACKER)
            }

    def set(self, control: str, value: Any) -> None:
        if control == "generators":
            if not isinstance(value, list):
                raise TypeError(f"generators = {str(value)[:40]!r}: expected a list of names")
            self.generators = tuple(choice("generators", v, isn.GENERATORS) for v in value)
        elif control == "window":
            self.window = int(choice("window", value, WINDOWS))
        else:
            raise unknown_control(self, control, ("generators", "window"))

    def controls(self) -> list[dict[str, Any]]:
        return [
            select(
                "generators",
                "generators",
                [(g, g) for g in isn.GENERATORS],
                list(self.generators),
                multiple=True,
            ),
            select("window", "RCV.WND", [(f"{w:,}", w) for w in WINDOWS], self.window),
        ]

    def plot(self, gens: tuple[str, ...]) -> str:
        """ISN / 2³² over time: solid = victim's 4-tuple, dashed = the attacker's own."""
        series = []
        for name in gens:
            color = _COLORS[isn.GENERATORS.index(name) % len(_COLORS)]
            for ft, dash, who in ((isn.SERVER, "", "victim"), (isn.ATTACKER, "5,3", "attacker")):
                ys = [v / 2**32 for v in self._isns[name][ft]]
                series.append(Series(self._times, ys, f"{name} ({who})", color, dash=dash))
        return line_chart(
            series,
            xlim=(0, self._times[-1]),
            ylim=(-0.02, 1.02),
            xlabel="time (s)",
            ylabel="ISN / 2³²",
            title="ISN over time: solid = victim, dashed = attacker's own connection",
            size=(760, 330),
            legend_outside=True,
        )

    def odds_table(self, gens: tuple[str, ...]) -> str:
        rows = []
        for g in gens:
            p_win, p_exact = isn.rst_odds(g, self.window)
            rows.append(
                f"<tr><td>{html.escape(g)}</td><td>{p_win:.3g}</td><td>{p_exact:.3g}</td></tr>"
            )
        return (
            "<table class='tcplab-odds'><tr><th>generator</th><th>P(RST in window) — before "
            "RFC 5961</th><th>P(RST exact) — RFC 5961</th></tr>" + "".join(rows) + "</table>"
            f"<p class='tcplab-verdict'>One spoofed RST per guess, aimed with the attacker's "
            f"best prediction, RCV.WND = {self.window:,}.</p>"
        )

    def view(self) -> dict[str, Any]:
        gens = self.generators or ("linux",)
        return {
            "controls": self.controls(),
            "parts": [
                svg_part(self.plot(gens)),
                html_part(self.odds_table(gens)),
            ],
        }
