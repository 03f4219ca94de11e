"""Timer presets and retransmission timelines (facts.md §1)."""

import pytest

from tcplab.timers import (
    LINUX,
    LINUX_PRE_6_5,
    PRESETS,
    RFC,
    RetryRule,
    from_sysctl_values,
    keepalive_timeline,
    linux_model_timeout,
    preset,
    retransmission_timeline,
)


def test_linux_syn_timeline_is_linear_then_doubling_and_gives_up_at_131():
    # facts.md §1: measured on 6.18 (tcp_syn_retries 6, tcp_syn_linear_timeouts 4).
    t = LINUX.syn_timeline()
    assert t.send_times == (0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67)
    assert t.gaps == (1, 1, 1, 1, 1, 2, 4, 8, 16, 32)
    assert t.retries == 6 + 4
    # tcp_write_timeout(): give up at the expiry after the 10th retransmission, 67 + 64 s.
    assert t.give_up == 131


def test_linux_pre_6_5_syn_timeline_0_1_3_7_15_31_63_give_up_127():
    t = LINUX_PRE_6_5.syn_timeline()
    assert t.send_times == (0, 1, 3, 7, 15, 31, 63)
    assert t.gaps == (1, 2, 4, 8, 16, 32)
    assert t.give_up == 127
    assert t.retries == 6


def test_syn_retries_3_with_linear_timeouts_gives_up_at_19():
    # facts.md §1: "With tcp_syn_retries=3: SYNs at 0, 1, 2, 3, 4, 5, 7, 11 s, ETIMEDOUT ~19 s"
    t = LINUX.with_(syn_retries=3).syn_timeline()
    assert t.send_times == (0, 1, 2, 3, 4, 5, 7, 11)
    assert t.give_up == 19


def test_time_budget_can_stop_before_the_count():
    # syn_retries 1 + 4 linear would allow 5 retransmissions, but tcp_model_timeout(1, 1 s)
    # = 3 s has passed at the third expiry: Linux gives up there.
    t = LINUX.with_(syn_retries=1).syn_timeline()
    assert t.send_times == (0, 1, 2) and t.give_up == 3


def test_the_rto_cap_holds_for_seven_syn_retries():
    # The inline copies elsewhere dropped the cap: 255 s. With the cap: 127 + 120 = 247 s.
    assert LINUX_PRE_6_5.with_(syn_retries=7).syn_timeline().give_up == 247
    t = LINUX.with_(syn_retries=7).syn_timeline()
    assert t.send_times[-1] == 131 and t.give_up == 131 + 120


def test_rfc_preset_retransmits_the_syn_for_at_least_three_minutes():
    # RFC 9293 §3.8.3 MUST-23; not Linux's 127 s.
    t = RFC.syn_timeline()
    assert t.give_up >= 180
    assert t.send_times == (0, 1, 3, 7, 15, 31, 63, 127)
    assert t.give_up == 247
    assert RFC.synack_timeline().give_up >= 180


def test_model_timeout_matches_the_kernel_documentation():
    assert linux_model_timeout(6, 1.0) == 127
    assert linux_model_timeout(15, 0.2) == pytest.approx(924.6)  # ip-sysctl.rst tcp_retries2
    assert linux_model_timeout(8, 1.0) == 127 + 2 * 120


def test_rule_steps_agree_with_its_timeline():
    rule = LINUX.syn_rule()
    rto, t, done, times = rule.initial_rto, 0.0, 0, [0.0]
    while not rule.expired(done, t + rto):
        t += rto
        done += 1
        times.append(t)
        rto = rule.next_rto(rto, done)
    assert tuple(times) == rule.timeline().send_times


def test_rule_needs_a_limit():
    with pytest.raises(ValueError, match="retries or budget"):
        RetryRule(None)


def test_presets_document_their_source():
    assert set(PRESETS) == {"linux", "linux-pre-6.5", "rfc"}
    assert "6.5" in LINUX.source and "6.5" in LINUX_PRE_6_5.source
    assert "MUST-23" in RFC.source
    assert preset("linux-pre-6.5") is LINUX_PRE_6_5


def test_from_sysctl_values_reads_text_and_notes_missing_knobs():
    p = from_sysctl_values({"tcp_syn_retries": "6\n", "tcp_syn_linear_timeouts": 4})
    assert p.syn_timeline() == LINUX.syn_timeline()
    assert "tcp_synack_retries (assumed 5)" in p.notes[0]
    old = from_sysctl_values({"tcp_syn_retries": "6"})  # a kernel before 6.5: no knob
    assert old.syn_timeline() == LINUX_PRE_6_5.syn_timeline()
    assert "tcp_syn_linear_timeouts (assumed 0)" in old.notes[0]
    full = from_sysctl_values({"tcp_fin_timeout": "30", "tcp_invalid_ratelimit": "250"})
    assert full.fin_wait_2 == 30 and full.invalid_ratelimit == 0.25


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"tcp_syn_retries": "x"}, "tcp_syn_retries"),
        ({"tcp_syn_retries": ""}, "tcp_syn_retries"),
        ({"tcp_syn_retries": "500"}, "syn_retries"),
        ({"tcp_fin_timeout": None}, "tcp_fin_timeout"),
    ],
)
def test_from_sysctl_values_refuses_bad_values(values, match):
    with pytest.raises(ValueError, match=match):
        from_sysctl_values(values)


def test_from_sysctl_values_needs_a_mapping():
    with pytest.raises(TypeError, match="mapping"):
        from_sysctl_values([("tcp_syn_retries", 6)])  # type: ignore[arg-type]


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
    assert preset("RFC") is RFC
    assert preset("Linux") is LINUX
    with pytest.raises(ValueError, match="bsd"):
        preset("bsd")
