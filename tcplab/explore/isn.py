"""The ISN explorer as a session: pick generators and a receive window; see ISNs over time
and the odds of one blind spoofed RST.

The generators are :mod:`tcplab.isn`'s own (``make_generator``, ``isn(four_tuple, t)``).
:func:`prediction_errors` is :func:`tcplab.isn.attacker_prediction` without pandas (the
same trials, the same seeded draws, the same errors — ``tests/test_site_live.py`` checks
that), and :func:`rst_odds` the two RST columns of :func:`tcplab.isn.blind_injection`.
"""

from __future__ import annotations

import html
import random
from typing import Any

from tcplab import isn, seq
from tcplab.explore._base import Session, choice, select, unknown_control
from tcplab.explore._svg import Series, line_chart

__all__ = ["WINDOWS", "IsnSession", "prediction_errors", "rst_odds"]

WINDOWS = (1024, 16384, 65535, 1 << 20, 1 << 24)
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def prediction_errors(trials: int = 400, seed: int = 0) -> dict[str, list[int]]:
    """Generator → signed errors (actual − predicted) of the attacker's ISN prediction."""
    if trials < 1:
        raise ValueError(f"trials = {trials!r}: expected at least 1")
    rng = random.Random(seed)  # one stream across generators, as attacker_prediction
    out: dict[str, list[int]] = {}
    for g in isn._generators(isn.GENERATORS, seed):
        tick = isn._tick_of(g)
        errs = out.setdefault(g.name, [])
        for _ in range(trials):
            t0 = rng.uniform(0.0, 3600.0)
            t1 = t0 + rng.uniform(0.0, 10.0)
            seen = g.isn(isn.ATTACKER, t0)
            actual = g.isn(isn.SERVER, t1)
            guess_t1 = t1 + rng.uniform(-1e-3, 1e-3)
            step = 0 if tick is None else int(max(guess_t1 - t0, 0.0) / tick)
            errs.append(seq.sub(actual, (seen + step) % isn.MOD32))
    return out


def rst_odds(generator: str, errors: list[int], rcv_wnd: int) -> tuple[float, float]:
    """(P(RST in window) before RFC 5961, P(RST exact) with it) for one aimed guess.

    When the core computes these odds itself (``tcplab.isn.rst_odds``, on its way from
    another branch) that function is the one used; until then they come, as in
    :func:`tcplab.isn.blind_injection`, from the sampled ``errors``.
    """
    core = getattr(isn, "rst_odds", None)
    if core is not None:
        p_win, p_exact = core(generator, rcv_wnd)
        return float(p_win), float(p_exact)
    n = len(errors)
    in_win = sum(-rcv_wnd / 2 < e <= rcv_wnd / 2 for e in errors) / n
    exact = sum(e == 0 for e in errors) / n
    return max(in_win, rcv_wnd / isn.MOD32), max(exact, 1 / isn.MOD32)


class IsnSession(Session):
    """Generators (multi-select) and RCV.WND (a dropdown of presets)."""

    name = "isn"

    def __init__(self, trials: int = 400, seed: int = 0) -> None:
        self.generators: tuple[str, ...] = isn.GENERATORS
        self.window = 65535
        self.seed = seed
        self.errors = prediction_errors(trials, seed)
        self._times = [i * 6.0 for i in range(60)]
        self._isns = {
            name: {ft: [g.isn(ft, t) for t in self._times] for ft in (isn.SERVER, isn.ATTACKER)}
            for name, g in zip(isn.GENERATORS, isn._generators(isn.GENERATORS, seed), strict=True)
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
            p_win, p_exact = rst_odds(g, self.errors[g], self.window)
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
                {"kind": "svg", "svg": self.plot(gens)},
                {"kind": "html", "html": self.odds_table(gens)},
            ],
        }
