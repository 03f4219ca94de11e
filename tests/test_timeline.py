"""State timelines are read from the simulation's own state changes."""

import pytest

pytest.importorskip("matplotlib")
import itertools

from tcplab.sim.scenarios import run_scenario
from tcplab.viz.timeline import state_spans, state_timeline


def test_spans_follow_the_four_way_close():
    spans = state_spans(run_scenario("close-four-way"))
    a = [st for _, _, st in spans["A"]]
    assert a[:2] == ["SYN_SENT", "ESTABLISHED"]
    assert a[-2:] == ["FIN_WAIT_2", "TIME_WAIT"]  # the run ends as TIME-WAIT expires
    (start, end, _) = next(s for s in spans["A"] if s[2] == "TIME_WAIT")
    assert end - start == pytest.approx(60.0)  # Linux's TIME-WAIT
    b = [st for _, _, st in spans["B"]]
    assert "CLOSE_WAIT" in b and "LAST_ACK" in b and "TIME_WAIT" not in b
    for host_spans in spans.values():  # spans tile time without gaps or overlaps
        for (s0, e0, _), (s1, _, _) in itertools.pairwise(host_spans):
            assert e0 == pytest.approx(s1) and s0 <= e0


def test_timeline_draws_one_band_per_host():
    fig = state_timeline("close-four-way")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["host A", "host B"]
    assert any(t.get_text() == "TIME-WAIT" for t in ax.texts)
