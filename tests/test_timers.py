"""Timer presets and retransmission timelines (facts.md §1)."""

import pytest

from tcplab.timers import LINUX, RFC, keepalive_timeline, preset, retransmission_timeline


def test_linux_syn_timeline_0_1_3_7_15_31_63_give_up_127():
    t = LINUX.syn_timeline()
    assert t.send_times == (0, 1, 3, 7, 15, 31, 63)
    assert t.gaps == (1, 2, 4, 8, 16, 32)
    assert t.give_up == 127
    assert t.retries == 6


def test_linux_synack_expires_at_63():
    t = LINUX.synack_timeline()
    assert t.send_times == (0, 1, 3, 7, 15, 31)
    assert t.give_up == 63


def test_time_wait_presets():
    assert LINUX.time_wait == 60
    assert RFC.msl == 120 and RFC.time_wait == 240
    assert RFC.with_msl(30).time_wait == 60
    assert LINUX.fin_wait_2 == 60 and RFC.fin_wait_2 is None


def test_keepalive_gives_up_after_7875_s():
    k = keepalive_timeline(LINUX)
    assert k.probe_times[0] == 7200 and len(k.probe_times) == 9
    assert k.probe_times[-1] == 7200 + 8 * 75
    assert k.give_up == 7875


def test_rto_cap_applies():
    t = retransmission_timeline(10, initial_rto=1, rto_max=120)
    assert t.gaps[-1] == 120


@pytest.mark.parametrize(
    "bad",
    [{"initial_rto": -1}, {"time_wait": float("nan")}, {"syn_retries": 200}, {"rto_min": 500}],
)
def test_bad_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        LINUX.with_(**bad)


def test_preset_lookup():
    assert preset("Linux") is LINUX
    with pytest.raises(ValueError, match="bsd"):
        preset("bsd")
