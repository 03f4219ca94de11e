"""The handshake/close explorer and the TIME-WAIT sweep explorer in JupyterLab."""

import re

import pytest

pytest.importorskip("ipywidgets")

from tcplab.widgets.handshake import handshake_explorer
from tcplab.widgets.timewait import timewait_explorer


def test_handshake_explorer_default_view_is_filled_at_construction():
    x = handshake_explorer()
    diagram, info = x.parts[0].value, x.parts[1].value
    assert diagram.startswith("<svg")
    assert "B</b> retransmits FIN" in info  # lost final ACK → B resends its FIN
    assert "retransmission timer fired" in info  # ... and says why
    assert "131 s" in info  # the Linux (≥ 6.5) SYN timeline is shown


def test_handshake_explorer_select_updates_and_caches():
    x = handshake_explorer()
    x.select(phase="handshake", lose="synack")
    info = lambda: x.parts[1].value  # noqa: E731
    assert "A</b> retransmits SYN" in info() and "B</b> retransmits SYN-ACK" in info()
    assert "Linux resends at once" in info()  # the SYN-ACK answering the retransmitted SYN
    first = x.parts[0].value
    x.select(lose="none")
    assert "no retransmission" in info() and "nothing lost" in x.parts[0].value
    x.select(lose="synack")
    assert x.parts[0].value == first  # served from the cache
    x.select(timers="rfc")
    assert "TIME-WAIT 240 s" in info()
    x.select(timers="linux-pre-6.5")
    assert "127 s" in info()


def test_handshake_explorer_dropdown_change_triggers_update():
    x = handshake_explorer(phase="handshake", lose="none")
    phase, lose, _timers = x.controls_box.children[0].children
    lose.value = [v for _, v in lose.options][1]  # the second loss point: the SYN
    assert "A</b> retransmits SYN" in x.parts[1].value
    phase.value = 1  # "handshake + close"
    assert len(x.controls_box.children[0].children[1].options) == 8


def test_handshake_explorer_rejects_unknown_choices():
    with pytest.raises(ValueError, match="fin9"):
        handshake_explorer(lose="fin9")


def _p(x):
    return float(re.search(r"P = <b>([0-9.]+)</b>", x.parts[1].value).group(1))


def test_timewait_explorer_marks_the_2msl_boundary():
    x = timewait_explorer(time_wait=120, lifetime=120)
    assert "<svg" in x.parts[0].value and "UNSAFE" in x.parts[1].value
    assert _p(x) == pytest.approx(0.5, abs=0.01)  # 1·lifetime: half the late duplicates land
    x.set(time_wait=240)
    assert "safe" in x.parts[1].value and _p(x) == 0.0
    slider_tw, slider_life, _ = x.controls_box.children
    slider_tw.value = 60
    slider_life.value = 30
    assert _p(x) == 0.0
    x.set(reuse_delay=0, time_wait=0)
    assert _p(x) == 1.0
