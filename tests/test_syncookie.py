"""SYN cookies: Linux's layout, round trips, rejections and the timestamp trick."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcplab import syncookie as sc

KEYS = sc.SynCookieKeys.from_seed(42)
CLIENT, SERVER = ("198.51.100.7", 40000), ("192.0.2.1", 80)

ips = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ports = st.integers(0, 65535)
u32 = st.integers(0, 2**32 - 1)


def cookie(isn, mss, now, keys=KEYS):
    return sc.make_cookie(keys, CLIENT[0], SERVER[0], CLIENT[1], SERVER[1], isn, mss, now)


def check(iss, client_isn, now, keys=KEYS, client=CLIENT):
    # the third segment: SEQ = client ISN + 1, ACK = server ISS + 1
    return sc.check_cookie(
        keys,
        client[0],
        SERVER[0],
        client[1],
        SERVER[1],
        (client_isn + 1) % 2**32,
        (iss + 1) % 2**32,
        now,
    )


def test_mss_table_largest_entry_not_above_client_mss():
    assert sc.MSS_TABLE == (536, 1300, 1440, 1460)
    assert [sc.mss_index(m) for m in (100, 536, 1299, 1300, 1452, 1459, 1460, 9000)] == [
        0,
        0,
        0,
        1,
        2,
        2,
        3,
        3,
    ]


@given(ips, ips, ports, ports, u32, st.integers(1, 65535), st.floats(0, 1e8), st.floats(0, 1))
def test_round_trip_within_the_same_or_next_minute(sa, da, sp, dp, isn, mss, now, later):
    iss = sc.make_cookie(KEYS, sa, da, sp, dp, isn, mss, now)
    # valid at least until the end of the next minute
    t2 = now + later * (sc.SYNCOOKIE_PERIOD - now % sc.SYNCOOKIE_PERIOD)
    r = sc.check_cookie(KEYS, sa, da, sp, dp, (isn + 1) % 2**32, (iss + 1) % 2**32, t2)
    assert r.valid and r.reason is sc.Reason.OK
    assert r.mss == sc.MSS_TABLE[sc.mss_index(mss)]
    assert r.counter == "SyncookiesRecv"


@given(u32, st.floats(0, 1e7))
def test_expired_after_two_counter_ticks(isn, now):
    iss = cookie(isn, 1460, now)
    start = (now // 60) * 60
    assert check(iss, isn, start + 119.999).valid
    r = check(iss, isn, start + 120.0)
    assert not r.valid and r.reason is sc.Reason.EXPIRED and r.mss == 0
    assert r.counter == "SyncookiesFailed"


@given(u32, st.integers(1, 2**32 - 1))
def test_forged_ack_rejected(isn, delta):
    iss = cookie(isn, 1460, 1000.0)
    forged = (iss + delta) % 2**32
    r = check(forged, isn, 1000.0)
    # any change of the ISS either breaks the counter or the MSS index; only changes in
    # the low 2 bits can still land on another valid index (0..3).
    if r.valid:
        assert ((forged & 0xFFFFFF) != (iss & 0xFFFFFF) and delta < 4) or delta > 2**32 - 4
    else:
        assert r.reason in (sc.Reason.EXPIRED, sc.Reason.BAD_MSS_INDEX)


def test_wrong_four_tuple_wrong_isn_or_wrong_keys_rejected():
    iss = cookie(12345, 1460, 500.0)
    assert check(iss, 12345, 500.0).valid
    assert not check(iss, 12345, 500.0, client=("198.51.100.8", 40000)).valid
    assert not check(iss, 12345, 500.0, client=("198.51.100.7", 40001)).valid
    # the client ISN enters linearly: SEQ off by one shifts the MSS index by one (3 -> 2)
    assert check(iss, 12346, 500.0).mss == 1440
    assert not check(iss, 12345 + 10, 500.0).valid
    assert not check(iss, 12345, 500.0, keys=sc.SynCookieKeys.from_seed(43)).valid


def test_counter_wraps_after_256_minutes_but_hash_still_rejects():
    iss = cookie(777, 1460, 60.0)
    r = check(iss, 777, 60.0 + 256 * 60)
    assert r.diff == 0 and not r.valid and r.reason is sc.Reason.BAD_MSS_INDEX


def test_random_acks_rarely_pass():
    assert sc.random_ack_pass_probability(counter_known=True) == 4 / 2**24
    assert sc.random_ack_pass_probability() == pytest.approx(2**-29)
    rng = random.Random(1)
    results = [check(rng.getrandbits(32), 5, 3000.0) for _ in range(3000)]
    assert not any(r.valid for r in results)
    # about 2/256 of random ACKs get past the counter test
    share = sum(r.reason is sc.Reason.BAD_MSS_INDEX for r in results) / len(results)
    assert 0.002 < share < 0.02


@given(st.integers(0, 14) | st.none(), st.booleans(), st.booleans(), u32)
def test_timestamp_trick_round_trip(wscale, sack, ecn, ts_now):
    opts = sc.CookieOptions(wscale=wscale, sack=sack, ecn=ecn)
    tsval = sc.encode_timestamp(ts_now, opts)
    assert tsval <= ts_now or ts_now < 64  # never from the future (except at the wrap)
    back = sc.decode_timestamp(tsval)
    assert back is not None
    assert (back.wscale, back.sack, back.ecn) == (wscale, sack, ecn)


def test_decode_rejects_options_disabled_locally():
    tsval = sc.encode_timestamp(10_000, sc.CookieOptions(wscale=7, sack=True))
    assert sc.decode_timestamp(tsval, local_sack=False) is None
    assert sc.decode_timestamp(tsval, local_wscale=False) is None
    assert sc.decode_timestamp(tsval, local_ts=False) is None


def test_what_is_lost_without_timestamps():
    kept, lost = sc.options_after_cookie(sc.CookieOptions(1460, 7, True, False, False))
    assert lost == ["wscale", "sack"] and kept.wscale is None and not kept.sack
    kept, lost = sc.options_after_cookie(sc.CookieOptions(1452, 7, True, True, True))
    assert lost == ["mss"] and kept.mss == 1440 and kept.wscale == 7 and kept.sack
    _, lost = sc.options_after_cookie(sc.CookieOptions(1000, None, False, False, True))
    assert lost == ["mss"]  # 1000 becomes 536


def test_bad_input():
    with pytest.raises(ValueError, match="16 bytes"):
        sc.SynCookieKeys(b"x", b"y" * 16)
    with pytest.raises(ValueError, match="sport = 70000: expected a port"):
        sc.make_cookie(KEYS, "1.2.3.4", "5.6.7.8", 70000, 80, 0, 1460, 0)
    with pytest.raises(ValueError, match="bad IPv4 address"):
        sc.make_cookie(KEYS, "1.2.3", "5.6.7.8", 1, 80, 0, 1460, 0)
    with pytest.raises(ValueError, match="mss = 0: expected an MSS"):
        sc.mss_index(0)
    with pytest.raises(ValueError, match="wscale = 15: expected a shift in 0 … 14"):
        sc.CookieOptions(wscale=15)


def test_decoded_timestamp_does_not_pretend_to_know_the_mss():
    from tcplab.syncookie import CookieOptions, decode_timestamp, encode_timestamp

    opts = decode_timestamp(encode_timestamp(123_456_789, CookieOptions(wscale=7, sack=True)))
    assert opts is not None and opts.mss is None and opts.wscale == 7 and opts.sack


@pytest.mark.parametrize(
    ("call", "exc", "named"),
    [
        (lambda: sc.SynCookieKeys("k" * 16, b"y" * 16), TypeError, "key0 = 'kkk"),
        (lambda: sc.cookie_time(float("nan")), ValueError, "now = nan"),
        (lambda: sc.mss_index(1.5), TypeError, "mss = 1.5"),
        (
            lambda: sc.make_cookie(None, "1.2.3.4", "5.6.7.8", 1, 80, 0, 1460, 0),
            TypeError,
            "keys = None",
        ),
        (
            lambda: sc.make_cookie(KEYS, None, "5.6.7.8", 1, 80, 0, 1460, 0),
            TypeError,
            "saddr = None",
        ),
        (lambda: sc.encode_timestamp(1, None), TypeError, "opts = None"),
        (lambda: sc.decode_timestamp(2**32), ValueError, "tsecr = 4294967296"),
        (lambda: sc.CookieOptions(sack="yes"), TypeError, "sack = 'yes'"),
        (lambda: sc.SynCookieKeys.from_seed("x"), TypeError, "seed = 'x'"),
    ],
)
def test_bad_types_are_named(call, exc, named):
    with pytest.raises(exc, match=named):
        call()
