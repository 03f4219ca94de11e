"""Notebook 5's tables are computed from tcplab.seq, and match the fact sheet's numbers."""

from __future__ import annotations

import pytest

from tcplab.viz.seq_tables import comparison_table, human_duration, wrap_time_table


def test_wrap_table_reproduces_the_rfc_rows_and_the_fast_links():
    t = wrap_time_table().set_index("link")
    # facts.md §8: Ethernet ~1700 s (~30 min), Gigabit 17 s, 100 Gb/s ~0.17 s, ARPANET 3e5 s
    assert t.loc["Ethernet", "T_wrap (s)"] == pytest.approx(1718, rel=1e-3)
    assert t.loc["Gigabit Ethernet", "T_wrap (s)"] == pytest.approx(17.18, rel=1e-3)
    assert t.loc["100 Gb/s", "T_wrap (s)"] == pytest.approx(0.1718, rel=1e-3)
    assert t.loc["ARPANET", "T_wrap (s)"] == pytest.approx(3.07e5, rel=1e-2)
    # the whole space takes twice as long as the half that ordering can use
    assert t.loc["FDDI", "cycle (s)"] == pytest.approx(2 * t.loc["FDDI", "T_wrap (s)"], rel=1e-2)
    assert list(t["shorter than MSL"]) == [False] * 5 + [True] * 3
    assert t.loc["DS3", "source"].startswith("classic")
    assert t.loc["10 Gb/s", "source"] == "computed"


def test_human_durations_pick_a_readable_unit():
    assert human_duration(17.18) == "17.2 s"
    assert human_duration(1718) == "28.6 min"
    assert human_duration(3.07e5) == "3.6 days"
    assert human_duration(17180) == "4.8 h"
    assert human_duration(0.1718) == "0.172 s"
    with pytest.raises(ValueError, match="duration"):
        human_duration(-1)


def test_comparison_table_shows_the_wrap_and_the_undefined_case():
    t = comparison_table([(5, 10), (2**32 - 5, 10), (0, 2**31), (7, 7)])
    wrap = t.iloc[1]
    assert not wrap["plain a < b"] and wrap["RFC 1982"] == "a < b" and wrap["b - a (serial)"] == 15
    half = t.iloc[2]
    assert half["RFC 1982"] == "undefined"
    assert half["before(a, b)"] and half["before(b, a)"]  # Linux: each is before the other
    assert t.iloc[3]["RFC 1982"] == "a = b"
    assert t.iloc[0]["RFC 1982"] == "a < b" and t.iloc[0]["plain a < b"]
