"""tcplab.seq: RFC 1982 serial arithmetic and RFC 9293 §3.4 tests, across the wrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcplab import seq
from tcplab.seq import HALF, MOD, Seq

MANY = settings(max_examples=10_000, deadline=None)
u32 = st.integers(0, MOD - 1)
near_wrap = st.integers(MOD - 5000, MOD - 1) | st.integers(0, 5000)
sn = u32 | near_wrap
step = st.integers(0, HALF - 1)


def rfc1982_lt(i1: int, i2: int) -> bool:
    """RFC 1982 §3.2, transcribed literally."""
    return i1 != i2 and ((i1 < i2 and i2 - i1 < HALF) or (i1 > i2 and i1 - i2 > HALF))


def rfc1982_gt(i1: int, i2: int) -> bool:
    return i1 != i2 and ((i1 < i2 and i2 - i1 > HALF) or (i1 > i2 and i1 - i2 < HALF))


@MANY
@given(sn, sn)
def test_lt_gt_agree_with_rfc_1982(a, b):
    if abs(a - b) == HALF:
        with pytest.raises(ValueError, match="exactly 2\\^31 apart"):
            seq.lt(a, b)
        return
    assert seq.lt(a, b) == rfc1982_lt(a, b)
    assert seq.gt(a, b) == rfc1982_gt(a, b)
    assert seq.le(a, b) == (a == b or rfc1982_lt(a, b))
    assert seq.ge(a, b) == (a == b or rfc1982_gt(a, b))


@MANY
@given(sn, step)
def test_sub_inverts_add(s, n):
    assert seq.sub(seq.add(s, n), s) == n
    assert seq.add(s, n) == (s + n) % MOD


@MANY
@given(sn, sn)
def test_antisymmetry_except_at_half(a, b):
    if (a - b) % MOD == HALF:
        return
    if a == b:
        assert not seq.lt(a, b) and not seq.gt(a, b)
    else:
        assert seq.lt(a, b) != seq.lt(b, a)
        assert seq.lt(a, b) == seq.gt(b, a)


@MANY
@given(sn, sn)
def test_linux_before_matches_rfc_except_at_half(a, b):
    if (a - b) % MOD == HALF:
        assert seq.before(a, b) and seq.before(b, a)  # Linux: each is before the other
    else:
        assert seq.before(a, b) == rfc1982_lt(a, b)
        assert seq.after(a, b) == rfc1982_gt(a, b)


@MANY
@given(sn, sn)
def test_sub_is_the_signed_distance(a, b):
    d = seq.sub(a, b)
    assert -HALF < d <= HALF
    assert (b + d) % MOD == a


def test_the_wrap_in_numbers():
    top = MOD - 1
    assert seq.add(top, 1) == 0
    assert seq.lt(top, 0) and seq.gt(5, top)
    assert seq.sub(2, top) == 3
    assert seq.before(top, 0)


def test_exactly_half_apart_is_undefined_in_rfc_and_both_ways_in_linux():
    with pytest.raises(ValueError, match="RFC 1982"):
        seq.lt(0, HALF)
    with pytest.raises(ValueError):
        seq.gt(HALF, 0)
    assert seq.before(0, HALF) and seq.before(HALF, 0)
    assert seq.sub(HALF, 0) == HALF


@pytest.mark.parametrize(
    "call,fragment",
    [
        (lambda: seq.add(MOD, 1), "s = 4294967296: expected a 32-bit sequence number in 0 …"),
        (lambda: seq.add(-1, 1), "s = -1: expected"),
        (lambda: seq.add(0, HALF), "2^31−1"),
        (lambda: seq.add(0, -1), "n = -1"),
        (lambda: seq.lt(1.5, 2), "a = 1.5: expected"),
        (lambda: seq.segment_acceptable(0, -1, 0, 10), "seg_len = -1"),
        (lambda: seq.wrap_time(0), "> 0"),
        (lambda: seq.cycle_time(-5), "bits_per_second = -5: expected"),
        (lambda: seq.ack_acceptable(10, 11, 5), "snd_nxt 5"),
    ],
)
def test_bad_input_names_the_value_and_the_range(call, fragment):
    with pytest.raises(ValueError, match=fragment.replace("^", "\\^")):
        call()


def test_ack_acceptable_rfc_9293_3_4():
    una, nxt = MOD - 2, 3  # the window of unacknowledged numbers spans the wrap
    assert not seq.ack_acceptable(una, una, nxt)  # acknowledges nothing new
    assert seq.ack_acceptable(una, MOD - 1, nxt)
    assert seq.ack_acceptable(una, 0, nxt)
    assert seq.ack_acceptable(una, nxt, nxt)
    assert not seq.ack_acceptable(una, 4, nxt)  # acknowledges something never sent


@MANY
@given(sn, st.integers(0, 1 << 20), st.integers(0, 1 << 20), st.integers(0, 1 << 16))
def test_ack_acceptable_is_the_interval(una, sent, off, _):
    nxt = (una + sent) % MOD
    ack = (una + off) % MOD
    assert seq.ack_acceptable(una, ack, nxt) == (0 < off <= sent)


def test_segment_acceptability_table_cases():
    nxt = MOD - 10
    # SEG.LEN = 0, RCV.WND = 0: only exactly RCV.NXT.
    assert seq.segment_acceptable(nxt, 0, nxt, 0)
    assert not seq.segment_acceptable(nxt + 1, 0, nxt, 0)
    # SEG.LEN = 0, RCV.WND > 0: in the window, across the wrap.
    assert seq.segment_acceptable(5, 0, nxt, 100)
    assert not seq.segment_acceptable(90, 0, nxt, 100)
    # SEG.LEN > 0, RCV.WND = 0: never.
    assert not seq.segment_acceptable(nxt, 1, nxt, 0)
    # SEG.LEN > 0, RCV.WND > 0: first or last octet in the window.
    assert seq.segment_acceptable(nxt - 5, 10, nxt, 100)  # old start, new end
    assert not seq.segment_acceptable(nxt - 5, 5, nxt, 100)  # entirely old
    assert seq.segment_acceptable(89, 50, nxt, 100)  # starts in the window (last octet 89)
    assert not seq.segment_acceptable(90, 50, nxt, 100)  # starts right after it


@MANY
@given(sn, st.integers(0, 3000), st.integers(-5000, 5000), st.integers(0, 3000))
def test_segment_acceptable_matches_the_definition(rcv_nxt, wnd, off, seg_len):
    seg_seq = (rcv_nxt + off) % MOD

    def inwin(x):  # RCV.NXT =< x < RCV.NXT+RCV.WND with signed offsets (no wrap issues)
        return 0 <= x < wnd

    if seg_len == 0:
        expect = off == 0 if wnd == 0 else inwin(off)
    else:
        expect = wnd > 0 and (inwin(off) or inwin(off + seg_len - 1))
    assert seq.segment_acceptable(seg_seq, seg_len, rcv_nxt, wnd) == expect


def test_wrap_and_cycle_times_match_the_rfcs():
    # RFC 7323 table (Twrap = 2^31 bytes / B): Ethernet 10 Mb/s ~1700 s, Gigabit ~17 s.
    assert seq.wrap_time(10e6) == pytest.approx(1718, abs=1)
    assert seq.wrap_time(1e9) == pytest.approx(17.18, abs=0.01)
    assert seq.wrap_time(100e9) == pytest.approx(0.1718, abs=1e-3)
    assert seq.wrap_time(56e3) == pytest.approx(3.07e5, rel=0.01)
    # RFC 9293 §3.4.3 uses the whole 2^32: 2 Mb/s -> "4.5 hours", 100 Mb/s -> "5.4 minutes".
    assert seq.cycle_time(2e6) / 3600 == pytest.approx(4.77, abs=0.01)
    assert seq.cycle_time(100e6) / 60 == pytest.approx(5.73, abs=0.01)
    assert seq.cycle_time(1e9) == 2 * seq.wrap_time(1e9)


def test_seq_value_type():
    a = Seq(MOD - 1)
    assert a + 2 == Seq(1)
    assert Seq(5) - a == 6
    assert a - 1 == Seq(MOD - 2)
    assert Seq(1) > a and a < Seq(1) and a <= a and Seq(1) >= a
    assert int(Seq(7)) == 7
    with pytest.raises(ValueError, match="Seq value = 4294967296: expected"):
        Seq(MOD)
    with pytest.raises(TypeError, match="other = 'x'"):
        _ = Seq(1) < "x"
    assert Seq(np.int64(5)).value == 5 and type(Seq(np.int64(5)).value) is int
    with pytest.raises(ValueError):
        _ = Seq(0) < Seq(HALF)
