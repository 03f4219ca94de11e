"""SYN-flood simulation: invariants, defence ordering, bad input, agreement with simpy."""

import pathlib
import sys

import pytest

from tcplab import defences as dfn
from tcplab.flood import FloodConfig, compare_defences, simulate_flood, sweep_attack_rate

SMALL = FloodConfig(duration=10.0, attack_rate=3000.0, legit_rate=30.0, backlog=64, seed=4)
ALL = tuple(n for n in dfn.DEFENCES)


@pytest.fixture(scope="module")
def table():
    return compare_defences(ALL, SMALL)


@pytest.mark.parametrize("defence", ALL)
def test_every_client_counted_once_and_resolved(defence):
    r = simulate_flood(SMALL, defence)
    cl = r.clients
    assert cl["client"].is_unique
    assert set(cl["outcome"]) <= {"served", "gave_up", "reset", "expired", "not_accepted"}
    s = r.summary
    assert s["served"] + s["failed"] == s["clients"] == len(cl)  # drain resolves everyone
    assert (r.timeseries[["attack_entries", "legit_entries", "accept_queue"]] >= 0).all().all()
    assert (r.timeseries["memory_bytes"] >= 0).all()
    # never more SYN-queue entries than the structure holds, never more than B+1 waiting
    assert r.counters["peak_syn_queue"] <= max(SMALL.cache_size, 16 * SMALL.backlog + 1)
    assert (r.timeseries["accept_queue"] <= 16 * SMALL.backlog + 1).all()
    served = cl[cl["outcome"] == "served"]
    assert (served["served_latency"] >= served["connect_latency"]).all()


def test_attack_syns_are_all_accounted_for():
    r = simulate_flood(SMALL, "none")
    c = r.counters
    handled = (
        c["admitted"]
        + c["cookies_sent"]
        + c["dropped_synq_full"]
        + c["dropped_unproven"]
        + c["listen_overflows"]
        + c["syns_filtered"]
    )
    assert handled == c["syns_attack"] + c["syns_legit"]


def test_defences_ordering_sanity(table):
    fast = table["served_fast_share"]
    # a flood fills a 65-entry queue: without a defence few clients get in quickly
    assert fast["none"] < 0.2
    # stateless or big-table defences serve (nearly) everyone at once
    for d in ("syn_cookies", "hybrid", "syn_cache", "syn_proxy"):
        assert fast[d] > 0.95, d
    # cookies hold no state; a request sock costs 304 B (facts), a cache entry is smaller
    assert table.loc["syn_cookies", "memory_peak_bytes"] == 0
    assert table.loc["none", "entry_bytes"] == 304
    assert table.loc["syn_cache", "entry_bytes"] < 304
    # only cookies lose options (clients without timestamps lose wscale and SACK)
    assert table.loc["none", "options_lost_share"] == 0
    assert 0.3 < table.loc["syn_cookies", "options_lost_share"] < 0.7


def test_recycling_fails_when_the_flood_outruns_the_handshake():
    # RFC 4987 §3.4: recycling works only while handshakes finish faster than the flood
    # recycles entries: 65 entries at 3000 SYN/s last ~22 ms, less than most RTTs.
    r = simulate_flood(SMALL, "recycle_oldest", rtt_median=0.1)
    assert r.summary["served_share"] < 0.2
    slow = simulate_flood(SMALL, "recycle_oldest", attack_rate=100.0, rtt_median=0.02)
    assert slow.summary["served_share"] > 0.9


def test_no_attack_everyone_is_served_quickly():
    r = simulate_flood(SMALL, "none", attack_rate=0.0)
    assert r.summary["served_share"] == 1.0
    assert r.summary["served_fast_share"] > 0.99


def test_abort_on_overflow_resets_when_the_application_is_slow():
    r = simulate_flood(
        SMALL,
        "none",
        attack_rate=0.0,
        legit_rate=100.0,
        accept_rate=20.0,
        backlog=4,
        abort_on_overflow=True,
    )
    assert (r.clients["outcome"] == "reset").sum() > 0
    assert r.counters["embryonic_rsts"] > 0


def test_seeded_runs_are_reproducible():
    a = simulate_flood(SMALL, "hybrid").summary
    b = simulate_flood(SMALL, "hybrid").summary
    assert a == b


def test_sweep_has_one_row_per_defence_and_rate():
    df = sweep_attack_rate([0, 2000], ["none", "hybrid"], SMALL)
    assert len(df) == 4 and set(df["defences"]) == {"none", "hybrid"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"attack_rate": -1.0}, "attack_rate = -1.0: expected"),
        ({"backlog": -(2**40)}, "backlog = -1099511627776: expected"),
        ({"backlog": "x"}, "backlog = 'x': expected an int"),
        ({"duration": 0.0}, "duration = 0.0: expected"),
        ({"duration": float("nan")}, "duration = nan"),
        ({"legit_timestamps": 2.0}, "legit_timestamps = 2.0: expected"),
        ({"drain": "yes"}, "drain = 'yes': expected True or False"),
        ({"synq_full_test": "=>"}, "synq_full_test = '=>'"),
        ({"duration": 1e6}, "duration = 1000000.0: expected"),
        ({"duration": 2e4}, "duration / dt = 20000000.0 steps: expected at most"),
        ({"legit_rate": 1e5}, "legit_rate × duration = 6000000.0 clients: expected at most"),
    ],
)
def test_bad_config_is_refused_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):  # (TypeErrors here are ValueErrors too)
        FloodConfig(**kwargs)


def test_the_syn_proxy_answers_with_its_own_cookies():
    table = compare_defences(("syn_proxy", "hybrid", "none"), SMALL)
    proxy = table.loc["syn_proxy"]
    assert proxy["cookies_sent"] == 0  # the server behind the proxy sends none
    assert proxy["proxy_cookies_sent"] >= proxy["syns_attack"] > 0  # the proxy answers all
    assert table.loc["hybrid", "proxy_cookies_sent"] == table.loc["none", "proxy_cookies_sent"] == 0


def test_bad_arguments_of_the_helpers():
    with pytest.raises(TypeError, match="config = 'big': expected a FloodConfig"):
        simulate_flood("big")
    with pytest.raises(ValueError, match=r"rates\[1\] = -5"):
        sweep_attack_rate([1, -5], ["none"], SMALL)
    with pytest.raises(TypeError, match=r"defences\[0\] = 3"):
        simulate_flood(SMALL, [3])


def test_unknown_and_conflicting_defences():
    with pytest.raises(ValueError, match="unknown defence name.*'tarpit'.*expected any of"):
        simulate_flood(SMALL, "tarpit")
    with pytest.raises(ValueError, match="conflict"):
        simulate_flood(SMALL, "syn_cookies+hybrid")
    with pytest.raises(ValueError, match="unknown FloodConfig field"):
        simulate_flood(SMALL, "none", attack_rat=3)
    assert dfn.parse_defences("hybrid + filtering") == ("filtering", "hybrid")


def test_agrees_with_the_per_syn_simpy_model():
    pytest.importorskip("simpy", reason="simpy is in the bench dependency group")
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from bench.flood_simpy import simulate_flood_simpy

    cfg = FloodConfig(duration=10.0, attack_rate=4000.0, legit_rate=40.0, backlog=64, seed=2)
    for name, mode in (("hybrid", 1), ("syn_cookies", 2)):
        ours = simulate_flood(cfg, name).summary
        ref = simulate_flood_simpy(cfg, mode)
        assert ours["cookies_sent"] == pytest.approx(ref["cookies_sent"], rel=0.03)
        assert ours["served_share"] == pytest.approx(ref["served_share"], abs=0.03)
