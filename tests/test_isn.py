"""ISN generators: the clock arithmetic, per-tuple monotonicity and what attackers learn."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcplab import isn, seq
from tcplab.isn import FourTuple

A = FourTuple("10.0.0.1", 80, "10.0.0.2", 40000)
B = FourTuple("10.0.0.1", 80, "10.0.0.3", 40001)


def test_siphash_reference_vectors():
    # SipHash paper, Appendix A: key 00..0f; messages 00..0e (15 bytes) and empty.
    key = bytes(range(16))
    assert isn.siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5
    assert isn.siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert isn.siphash24(key, bytes(range(8))) == 0x93F5F5799A932462


def test_clock_cycles_the_course_quotes():
    # 2^32 x 4 us = 4.77 h, not the RFC's "4.55 hours" (= 2^14 s exactly).
    assert isn.clock_cycle_seconds(isn.RFC793_TICK) / 3600 == pytest.approx(4.772, abs=1e-3)
    assert isn.clock_cycle_seconds(2**-18) == 2**14  # 4.55 h needs a 3.81 us tick
    # Linux: 64 ns tick -> about 274.9 s ("period of 274 s" in secure_seq.c).
    assert isn.clock_cycle_seconds(isn.LINUX_TICK) == pytest.approx(274.88, abs=0.01)


def test_rfc793_clock_counts_4us_ticks_and_ignores_the_tuple():
    g = isn.Rfc793Clock()
    assert g.isn(A, 0.0) == 0
    assert g.isn(A, 1.0) == 250_000
    assert g.isn(A, 1.0) == g.isn(B, 1.0)
    # wraps after 2^32 ticks
    assert g.isn(A, isn.clock_cycle_seconds(isn.RFC793_TICK) + 4e-6 * 10) in (9, 10)


def test_keyed_generators_differ_across_tuples_but_advance_with_the_clock():
    for g in (isn.Rfc9293Isn(seed=1), isn.LinuxIsn(seed=1)):
        assert g.isn(A, 5.0) != g.isn(B, 5.0)
        tick = g.tick
        later = g.isn(A, 5.0 + 1000 * tick)
        assert seq.sub(later, g.isn(A, 5.0)) == pytest.approx(1000, abs=1)


def test_seeded_generators_are_reproducible_and_secrets_are_not_shared():
    assert isn.LinuxIsn(seed=7).isn(A, 1.0) == isn.LinuxIsn(seed=7).isn(A, 1.0)
    assert isn.LinuxIsn(seed=7).isn(A, 1.0) != isn.LinuxIsn(seed=8).isn(A, 1.0)
    assert isn.RandomIsn(seed=3).isn(A, 0) == isn.RandomIsn(seed=3).isn(A, 0)
    # without a seed, a real secret from `secrets`: two generators disagree
    assert isn.Rfc9293Isn().f(A) != isn.Rfc9293Isn().f(A)  # collision odds 2^-32


@given(st.floats(min_value=0, max_value=1e5), st.floats(min_value=1e-3, max_value=100))
def test_linux_isn_is_monotone_per_tuple_within_half_a_cycle(t, dt):
    g = isn.LinuxIsn(seed=0)
    assert seq.before(g.isn(A, t), g.isn(A, t + dt))


def test_monotonicity_table():
    df = isn.per_tuple_monotonicity(seed=0).set_index("generator")
    assert df.loc["rfc793-clock", "monotone"]
    assert df.loc["rfc9293", "monotone"]
    assert df.loc["linux", "monotone"]
    assert not df.loc["constant", "monotone"]
    assert not df.loc["random", "monotone"]
    assert 0.3 < df.loc["random", "increasing_share"] < 0.7


def test_attacker_predicts_clock_isns_but_not_keyed_ones():
    df = isn.attacker_prediction(trials=300, seed=1)
    err = df.assign(abs_err=df["error"].abs()).groupby("generator")["abs_err"].median()
    assert err["constant"] == 0
    # 1 ms timing uncertainty = 250 ticks of 4 us
    assert err["rfc793-clock"] <= 251
    for g in ("rfc9293", "linux", "random"):
        assert err[g] > 10**7  # an error spread over the 32-bit space


def test_blind_injection_odds():
    df = isn.blind_injection(rcv_wnd=65535, trials=300, seed=2).set_index("generator")
    assert df.loc["constant", "p_rst_in_window"] == 1.0
    assert df.loc["rfc793-clock", "p_rst_in_window"] == 1.0
    # RFC 5961: an exact hit is much harder than an in-window one for the clock: the
    # attacker's ±1 ms is ±250 ticks of 4 µs, so exactly one value in 500 (computed, not
    # the 1/trials floor a sample would give)
    assert df.loc["rfc793-clock", "p_rst_exact"] == pytest.approx(0.002)
    for g in ("rfc9293", "linux", "random"):
        assert df.loc[g, "p_rst_in_window"] == pytest.approx(65535 / 2**32)
        assert df.loc[g, "p_rst_exact"] == pytest.approx(1 / 2**32)
        assert df.loc[g, "guesses_for_50pct"] > 40_000


@pytest.mark.parametrize("wnd", [1024, 65535, 1 << 20])
def test_rfc5961_never_makes_injection_easier(wnd):
    df = isn.blind_injection(rcv_wnd=wnd, trials=50, seed=0).set_index("generator")
    assert (df["p_data_rfc5961"] <= df["p_data"]).all(), df
    assert (df["p_rst_exact"] <= df["p_rst_in_window"]).all(), df
    # a predictable ISN: RFC 5961 does not help data injection at all
    assert df.loc["constant", "p_data"] == df.loc["constant", "p_data_rfc5961"] == 1.0


def test_guess_probability_agrees_with_the_sampled_attacker():
    u = 3e-6  # under one tick of uncertainty: the error is -1, 0, 1 or 2
    errs = isn.attacker_prediction(["rfc793-clock"], trials=4000, time_uncertainty=u, seed=4)
    for k in (-1, 0, 1, 2):
        exact = isn.guess_probability("rfc793-clock", k, k, u)
        assert (errs["error"] == k).mean() == pytest.approx(exact, abs=0.03), k
    total = isn.guess_probability("rfc793-clock", -1, 2, u)
    assert total == pytest.approx(1.0)
    assert isn.guess_probability("rfc793-clock", 0, 0, 0.0) == 0.5  # off by one tick or not
    with pytest.raises(ValueError, match=r"hi = 1: expected .* ≥ 3"):
        isn.guess_probability("linux", 3, 1)


def test_bad_input_names_the_value():
    with pytest.raises(ValueError, match="unknown ISN generator 'md5'"):
        isn.make_generator("md5")
    with pytest.raises(ValueError, match="now = -1: expected"):
        isn.Rfc793Clock().isn(A, -1)
    with pytest.raises(ValueError, match="local_port = 70000: expected a port"):
        isn.LinuxIsn(seed=0).isn(FourTuple("10.0.0.1", 70000, "10.0.0.2", 1), 0)
    with pytest.raises(ValueError, match="16 bytes"):
        isn.LinuxIsn(secret=b"short")
    with pytest.raises(ValueError, match="rcv_wnd"):
        isn.blind_injection(rcv_wnd=0)


def test_trace_has_one_row_per_generator_tuple_time():
    df = isn.isn_trace(times=[0.0, 1.0, 2.0])
    assert len(df) == len(isn.GENERATORS) * 2 * 3
    assert set(df.columns) == {"generator", "tuple", "t", "isn"}
    assert df["isn"].between(0, 2**32 - 1).all()


def test_clock_counts_whole_ticks_exactly():
    from tcplab.isn import LINUX_TICK, RFC793_TICK, _clock

    assert _clock(1.0, LINUX_TICK) == 15_625_000  # ns >> 6, as Linux computes it
    assert _clock(1.0, RFC793_TICK) == 250_000
    assert _clock(2**32 * 64e-9, LINUX_TICK) == 0  # one full cycle (~275 s) wraps to 0


@pytest.mark.parametrize(
    ("call", "exc", "named"),
    [
        (lambda: isn.Rfc793Clock(tick=0), ValueError, "tick = 0: expected"),
        (lambda: isn.Rfc793Clock(tick=float("nan")), ValueError, "tick = nan"),
        (lambda: isn.LinuxIsn(secret="k" * 16), TypeError, "secret = 'kkkk"),
        (lambda: isn.Rfc9293Isn(seed="x"), TypeError, "seed = 'x'"),
        (lambda: isn.ConstantIsn(value=2**32), ValueError, "value = 4294967296"),
        (lambda: isn.attacker_prediction(trials=2**32), ValueError, "trials = 4294967296"),
        (lambda: isn.attacker_prediction(trials=1.5), TypeError, "trials = 1.5"),
        (lambda: isn.attacker_prediction(generators=[None]), TypeError, r"generators\[0\] = None"),
        (lambda: isn.isn_trace(times=[float("inf")]), ValueError, r"times\[0\] = inf"),
        (lambda: isn.per_tuple_monotonicity(samples=2**40), ValueError, "samples = 1099"),
        (lambda: isn.siphash24(b"k" * 16, "text"), TypeError, "message = 'text'"),
        (lambda: isn.Rfc793Clock().isn(("1.2.3.4", 1, "5.6.7.8"), 0), ValueError, "4-tuple"),
        (lambda: isn.Rfc793Clock().isn(A, float("inf")), ValueError, "now = inf"),
    ],
)
def test_constructors_and_analyses_check_at_the_boundary(call, exc, named):
    with pytest.raises(exc, match=named):
        call()


def test_numpy_ints_and_plain_tuples_are_accepted():
    gen = isn.LinuxIsn(seed=np.int64(1))
    assert gen.isn(tuple(A), np.float64(1.0)) == isn.LinuxIsn(seed=1).isn(A, 1.0)


def test_attacker_prediction_is_the_pure_prediction_errors_as_a_frame():
    from tcplab.isn import attacker_prediction, prediction_errors

    errors = prediction_errors(trials=50, seed=3)
    df = attacker_prediction(trials=50, seed=3)
    assert list(errors) == list(dict.fromkeys(df["generator"]))
    for name, errs in errors.items():
        assert df.loc[df["generator"] == name, "error"].tolist() == errs
    assert errors["rfc793-clock"] != errors["random"]
    with pytest.raises(ValueError, match="trials"):
        prediction_errors(trials=0)
