"""Tables for notebook 5: sequence-number comparisons and wrap times, built from :mod:`tcplab.seq`.

Both functions return pandas DataFrames whose every number comes from a call into
:mod:`tcplab.seq` (``sub``, ``lt``, ``before``, ``wrap_time``, ``cycle_time``); nothing is
typed in by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tcplab import _validate as _v
from tcplab import seq

__all__ = ["LINKS", "MSL", "comparison_table", "human_duration", "wrap_time_table"]

#: RFC 9293 §3.4.2: "For this specification the MSL is taken to be 2 minutes."
MSL = 120.0

#: Link speeds (name, bit/s). The first five are the rows of the classic table (RFC 1185,
#: repeated in RFC 1323/7323); the faster ones are computed the same way.
LINKS: tuple[tuple[str, float], ...] = (
    ("ARPANET", 56e3),
    ("DS1", 1.5e6),
    ("Ethernet", 10e6),
    ("DS3", 45e6),
    ("FDDI", 100e6),
    ("Gigabit Ethernet", 1e9),
    ("10 Gb/s", 10e9),
    ("100 Gb/s", 100e9),
)
_CLASSIC = {"ARPANET", "DS1", "Ethernet", "DS3", "FDDI"}


def human_duration(seconds: float) -> str:
    """``17.18`` → ``"17.2 s"``, ``1718`` → ``"28.6 min"``, ``3.07e5`` → ``"3.6 days"``."""
    seconds = _v.number(seconds, "seconds", ge=0, what="duration in seconds")
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= 2 * size or (unit == "min" and seconds >= 100):
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.3g} s"


def wrap_time_table(links: Sequence[tuple[str, float]] = LINKS) -> pd.DataFrame:
    """RFC 7323's time-to-wrap table, computed: one row per ``(name, bits_per_second)``.

    Columns: ``link``, ``bit/s``, ``bytes/s``, ``T_wrap (s)`` (:func:`tcplab.seq.wrap_time`,
    2^31 bytes), ``T_wrap``, ``cycle (s)`` (:func:`tcplab.seq.cycle_time`, 2^32 bytes),
    ``shorter than MSL`` (T_wrap < 2 min: old duplicates can outlive the sequence space's
    ordering) and ``source`` (classic RFC table row, or computed).
    """
    rows = []
    for name, bps in _v.sequence(links, "links", max_len=1000, item=_link):
        tw = seq.wrap_time(bps)
        rows.append(
            {
                "link": name,
                "bit/s": f"{bps:,.0f}",
                "bytes/s": f"{bps / 8:,.0f}",
                "T_wrap (s)": tw,
                "T_wrap": human_duration(tw),
                "cycle (s)": seq.cycle_time(bps),
                "shorter than MSL": tw < MSL,
                "source": "classic table (RFC 1185/7323)" if name in _CLASSIC else "computed",
            }
        )
    return pd.DataFrame(rows)


def _rfc1982(a: int, b: int) -> str:
    if a == b:
        return "a = b"
    try:
        return "a < b" if seq.lt(a, b) else "a > b"
    except ValueError:
        return "undefined"


def _link(x: object, name: str) -> tuple[str, float]:
    pair = _v.sequence(x, name, min_len=2, max_len=2, what="a (name, bits_per_second) pair")
    return _v.string(pair[0], f"{name} name", max_len=200), _v.number(
        pair[1], f"{name} bits_per_second", gt=0, what="link speed in bit/s"
    )


def _seq_pair(x: object, name: str) -> tuple[int, int]:
    pair = _v.sequence(x, name, min_len=2, max_len=2, what="an (a, b) pair")
    return seq.check(pair[0], f"{name} a"), seq.check(pair[1], f"{name} b")


def comparison_table(pairs: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Plain integer order vs RFC 1982 serial order vs Linux ``before()`` for each ``(a, b)``.

    Columns: ``a``, ``b``, ``b - a (serial)`` (:func:`tcplab.seq.sub`), ``plain a < b``,
    ``RFC 1982`` (``a < b`` / ``a > b`` / ``undefined`` at exactly 2^31 apart),
    ``before(a, b)`` and ``before(b, a)`` (Linux: both True at exactly 2^31).
    """
    rows = [
        {
            "a": a,
            "b": b,
            "b - a (serial)": seq.sub(b, a),
            "plain a < b": a < b,
            "RFC 1982": _rfc1982(a, b),
            "before(a, b)": seq.before(a, b),
            "before(b, a)": seq.before(b, a),
        }
        for a, b in _v.sequence(pairs, "pairs", max_len=10_000, item=_seq_pair)
    ]
    return pd.DataFrame(rows)
