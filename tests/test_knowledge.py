"""What each side knows during a handshake, read from simulated runs."""

import pytest

pytest.importorskip("pandas")

from tcplab.sim.scenarios import run_scenario
from tcplab.viz.knowledge import knowledge_frame

COLS = ["A knows A→B", "A knows B→A", "B knows A→B", "B knows B→A"]


def ticks(row):
    return [c for c in COLS if row[c] == "✓"]


def test_three_segments_teach_both_sides_both_directions():
    k = knowledge_frame(run_scenario("handshake"))
    assert list(k["segment"]) == [
        "A→B SYN seq=x",
        "B→A SYN+ACK seq=y ack=x+1",
        "A→B ACK seq=x+1 ack=y+1",
    ]
    syn, synack, ack = (k.iloc[i] for i in range(3))
    assert ticks(syn) == ["B knows A→B"]  # B heard A, but does not know its reply gets through
    assert ticks(synack) == ["A knows A→B", "A knows B→A", "B knows A→B"]
    assert ticks(ack) == COLS
    assert list(k["both directions known to both"]) == [False, False, True]


def test_two_segments_are_not_enough_even_in_a_simultaneous_open():
    k = knowledge_frame(run_scenario("simultaneous-open"))
    # 6 segments on the wire (facts.md §13): both sides know both directions only after
    # the 4th (the second SYN-ACK); the two ACKs that follow teach nothing new.
    assert list(k["both directions known to both"]) == [False, False, False, True, True, True]


def test_a_lost_segment_teaches_nothing():
    k = knowledge_frame(run_scenario("handshake-lost-ack"))
    # The lost ACK is not a row; B learns B→A only from the re-sent ACK at 1.15 s.
    first_full = k[k["both directions known to both"]].iloc[0]
    assert first_full["arrives"] == pytest.approx(1.15)
    assert first_full["segment"].startswith("A→B ACK")


def test_an_rst_teaches_nothing_and_bad_hosts_are_refused():
    k = knowledge_frame(run_scenario("old-duplicate-syn"))
    assert not any("RST" in s for s in k["segment"])
    with pytest.raises(ValueError, match="two different hosts"):
        knowledge_frame(run_scenario("handshake"), hosts=("A", "A"))
