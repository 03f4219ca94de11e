"""The handshake/close explorer and the TIME-WAIT sweep explorer."""

import re

import pytest

pytest.importorskip("ipywidgets")

from tcplab.widgets.handshake import handshake_explorer
from tcplab.widgets.timewait import timewait_explorer


def test_handshake_explorer_default_view_is_filled_at_construction():
    x = handshake_explorer()
    assert x.diagram.value.startswith("<svg")
    assert "B</b> retransmits FIN" in x.info.value  # lost final ACK → B resends its FIN
    assert "131 s" in x.info.value  # the Linux (≥ 6.5) SYN timeline is shown


def test_handshake_explorer_select_updates_and_caches():
    x = handshake_explorer()
    x.select(phase="handshake", lose="synack")
    assert "A</b> retransmits SYN" in x.info.value and "B</b> retransmits SYN-ACK" in x.info.value
    first = x.diagram.value
    x.select(lose="none")
    assert "no retransmission" in x.info.value
    x.select(lose="synack")
    assert x.diagram.value == first  # served from the cache
    x.select(timers="rfc")
    assert "TIME-WAIT 240 s" in x.info.value


def test_handshake_explorer_dropdown_change_triggers_update():
    x = handshake_explorer(phase="handshake", lose="none")
    x.lose.value = "syn"
    assert "A</b> retransmits SYN" in x.info.value
    x.phase.value = "handshake + close"
    assert len(x.lose.options) == 8


def test_handshake_explorer_rejects_unknown_choices():
    with pytest.raises(ValueError, match="fin9"):
        handshake_explorer(lose="fin9")


def test_timewait_explorer_marks_the_2msl_boundary():
    x = timewait_explorer(time_wait=120, lifetime=120)
    assert "<svg" in x.plot.value and "rotate(45deg)" in x.marker.value  # picture + marker
    assert "UNSAFE" in x.info.value
    p = float(re.search(r"P ≈ <b>([0-9.]+)</b>", x.info.value).group(1))
    assert p == pytest.approx(0.5, abs=0.01)  # 1·lifetime: half the late duplicates land
    x.set(time_wait=240)
    assert "safe" in x.info.value and "0.000" in x.info.value
    x.time_wait.value = 60
    x.lifetime.value = 30
    assert "P ≈ <b>0.000</b>" in x.info.value
    x.set(reuse_delay=0, time_wait=0)
    assert "P ≈ <b>1.000</b>" in x.info.value
