"""One SYN admission rule and one retry schedule, shared by the listener and the flood.

``listener.admit_syns`` is the only place Linux's ``tcp_conn_request()`` order is written;
these tests pin :class:`~tcplab.listener.Listener`, the flood model's listener and the
batch form of the rule to each other, and every SYN / SYN-ACK schedule to
:mod:`tcplab.timers`.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcplab import timers
from tcplab.defences import policy_for
from tcplab.flood import FloodConfig, _Flood, _FloodListener, _Limits, simulate_flood
from tcplab.listener import (
    AckVerdict,
    Listener,
    ListenerConfig,
    SynRules,
    SynVerdict,
    admit_syns,
    client_syn_timeline,
    simulate_listen_queue,
    synack_schedule,
    synq_limit,
)

rules_st = st.builds(
    SynRules,
    max_ack_backlog=st.integers(0, 40),
    syncookies=st.sampled_from([0, 1, 2]),
    max_syn_backlog=st.integers(0, 64),
    synq_full_test=st.sampled_from([">=", ">"]),
    synq_capacity=st.one_of(st.none(), st.integers(0, 40)),
)


@settings(max_examples=400, deadline=None)
@given(
    rules=rules_st,
    qlen=st.integers(0, 80),
    ack_backlog=st.integers(0, 45),
    n=st.integers(1, 120),
    proven=st.booleans(),
    tw=st.booleans(),
)
def test_a_batch_is_the_same_as_one_syn_at_a_time(rules, qlen, ack_backlog, n, proven, tw):
    batch = admit_syns(rules, qlen, ack_backlog, n, proven, tw)
    q, queued, others, flood = qlen, 0, [], 0
    for _ in range(n):
        one = admit_syns(rules, q, ack_backlog, 1, proven, tw)
        flood += one.flood_action
        if one.queued:
            q, queued = q + 1, queued + 1
        else:
            others.append(one.rest)
    assert batch.queued == queued and batch.n_rest == len(others) == n - queued
    assert set(others) <= {batch.rest}
    assert batch.flood_action == flood


def test_syn_queue_limit_before_and_since_commit_3479c7549fb1():
    assert synq_limit(128, ">=") == 128  # older kernels: listen(fd, 128) holds 128
    assert synq_limit(128, ">") == 129  # since commit 3479c7549fb1: 129
    for test, held in ((">=", 4), (">", 5)):
        lst = Listener(ListenerConfig(backlog=4, syncookies=0, synq_full_test=test))
        got = [lst.on_syn(0.0, ("198.51.100.2", 1000 + i)).verdict for i in range(8)]
        assert got.count(SynVerdict.QUEUED) == held == lst.qlen
        assert got[held:] == [SynVerdict.DROP_SYN_QUEUE_FULL] * (8 - held)


CONFIGS = [
    ListenerConfig(backlog=8, syncookies=0, max_syn_backlog=1024),
    ListenerConfig(backlog=8, syncookies=0, max_syn_backlog=8),  # the last-quarter rule
    ListenerConfig(backlog=8, syncookies=1),
    ListenerConfig(backlog=8, syncookies=2),
    ListenerConfig(backlog=8, syncookies=0, synq_full_test=">="),
    ListenerConfig(backlog=0, syncookies=1, synq_full_test=">="),
]
POLICY = {0: "none", 1: "hybrid", 2: "syn_cookies"}


@pytest.mark.parametrize("cfg", CONFIGS, ids=repr)
@pytest.mark.parametrize("waiting", [0, 3, 9])
def test_flood_listener_and_listener_admit_the_same(cfg, waiting):
    """The same burst of spoofed SYNs, behind ``waiting`` finished handshakes."""
    fcfg = FloodConfig(
        backlog=cfg.backlog,
        max_syn_backlog=cfg.max_syn_backlog,
        synq_full_test=cfg.synq_full_test,
        backlog_factor=1,
    )
    lim = _Limits.of(fcfg, policy_for(POLICY[cfg.syncookies]))
    assert lim.rules == cfg.syn_rules
    ctr: dict[str, int] = dict.fromkeys(
        ("admitted", "cookies_sent", "dropped_synq_full", "dropped_unproven", "listen_overflows"),
        0,
    )
    ctr["evicted"] = 0
    flood = _FloodListener(lim, ctr, 0.001)
    lst = Listener(cfg)
    waiting = min(waiting, cfg.max_ack_backlog + 1)
    for i in range(waiting):  # children waiting in both accept queues
        p = ("192.0.2.9", 2000 + i)
        r = lst.on_syn(0.0, p, proven=True)
        if r.verdict is SynVerdict.QUEUED:
            assert lst.on_ack(0.0, p) is AckVerdict.ESTABLISHED
        else:  # a cookie: complete it the cookie way
            assert lst.on_ack(0.0, p, ack=(r.iss + 1) % 2**32, seq=1).name.endswith("ESTABLISHED")
        flood.enqueue(-1 - i)
    verdicts = [
        lst.on_syn(0.001, ("203.0.113.5", 3000 + i), proven=False).verdict for i in range(30)
    ]
    flood.attack(30, 1)
    assert flood.q_att == verdicts.count(SynVerdict.QUEUED) == ctr["admitted"]
    assert ctr["cookies_sent"] == verdicts.count(SynVerdict.COOKIE)
    assert ctr["dropped_synq_full"] == verdicts.count(SynVerdict.DROP_SYN_QUEUE_FULL)
    assert ctr["dropped_unproven"] == verdicts.count(SynVerdict.DROP_UNPROVEN)
    assert ctr["listen_overflows"] == verdicts.count(SynVerdict.DROP_ACCEPT_QUEUE_FULL)


def test_time_wait_reopen_skips_the_syn_queue_checks():
    lst = Listener(ListenerConfig(backlog=1, syncookies=0))
    for i in range(2):
        lst.on_syn(0.0, ("198.51.100.3", 1000 + i))
    assert lst.on_syn(0.0, ("198.51.100.3", 1002)).verdict is SynVerdict.DROP_SYN_QUEUE_FULL
    r = lst.on_syn(0.0, ("198.51.100.3", 1003), from_time_wait=True)
    assert r.verdict is SynVerdict.QUEUED and lst.qlen == 3


# --- one retry schedule ---------------------------------------------------------------


@pytest.mark.parametrize("retries", [1, 5, 7, 9])
def test_listener_synack_timers_follow_the_timers_rule(retries):
    want = timers.RetryRule(retries).timeline()
    assert synack_schedule(retries) == (list(want.send_times), want.give_up)
    lst = Listener(ListenerConfig(synack_retries=retries, backlog=1000))
    lst.on_syn(0.0, ("198.51.100.4", 5))
    ev = lst.advance(10_000.0)
    assert tuple(e.time for e in ev if e.action == "synack") == want.send_times[1:]
    assert [e.time for e in ev if e.action == "expire"] == [want.give_up]
    if retries == 7:  # the 120 s cap: 1+2+...+64 = 127, then min(128, 120) = 120
        assert want.give_up == 247.0


@pytest.mark.parametrize("retries", [1, 5, 7])
def test_flood_cohort_timers_follow_the_timers_rule(retries):
    cfg = FloodConfig(synack_retries=retries)
    lim = _Limits.of(cfg, policy_for("none"))
    want = timers.RetryRule(retries).timeline()
    times = (*want.send_times[1:], want.give_up)
    assert lim.sched == tuple(round(t / cfg.dt) for t in times)


@pytest.mark.parametrize("syn_retries, linear", [(6, 4), (6, 0), (7, 0), (7, 4), (2, 4)])
def test_clients_follow_the_timers_syn_rule_everywhere(syn_retries, linear):
    want = timers.LINUX.with_(syn_retries=syn_retries, syn_linear_timeouts=linear).syn_timeline()
    assert client_syn_timeline(syn_retries, linear) == want
    cfg = FloodConfig(syn_retries=syn_retries, syn_linear_timeouts=linear, duration=2.0)
    assert _Flood(cfg, policy_for("none")).syn == want
    # a listener that never answers: every client sends every SYN of the schedule, gives up
    never = ListenerConfig(backlog=0, syncookies=0, synq_full_test=">=")
    _, clients = simulate_listen_queue(
        never, arrival_rate=0.1, duration=600, syn_retries=syn_retries, syn_linear_timeouts=linear
    )
    done = [c for c in clients if c["arrival"] + want.give_up < 600]  # the run stops at 600 s
    assert len(done) > 10 and {c["outcome"] for c in done} == {"gave_up"}
    assert {c["syns"] for c in done} == {len(want.send_times)}
    late = [c for c in clients if c["arrival"] + want.give_up > 600.01]
    assert {c["outcome"] for c in late} <= {"pending"}
    res = FloodConfig(
        syn_retries=syn_retries,
        syn_linear_timeouts=linear,
        duration=2.0,
        attack_rate=0.0,
        legit_rate=5.0,
        backlog=0,
        synq_full_test=">=",
    )
    r = simulate_flood(res, "none")
    assert set(r.clients["outcome"]) == {"gave_up"}
    assert set(r.clients["syns"]) == {len(want.send_times)}


def test_syn_retries_7_gives_up_at_the_same_time_everywhere():
    old = timers.LINUX_PRE_6_5.with_(syn_retries=7).syn_timeline()
    assert old.give_up == 247.0  # capped: not 255
    assert client_syn_timeline(7, 0).give_up == 247.0
    assert _Flood(FloodConfig(syn_retries=7, syn_linear_timeouts=0), policy_for("none")).syn == old


def test_a_newer_syn_reopens_a_time_wait_connection_past_a_full_syn_queue():
    lst = Listener(ListenerConfig(backlog=1, syncookies=0))
    old = ("198.51.100.8", 4321)
    lst.enter_time_wait(0.0, old, rcv_nxt=2**32 - 5, snd_nxt=5000)
    for i in range(2):  # fill the SYN queue: a fresh SYN would be dropped
        lst.on_syn(0.1, ("198.51.100.8", 1000 + i))
    assert lst.on_syn(0.1, ("198.51.100.9", 1)).verdict is SynVerdict.DROP_SYN_QUEUE_FULL
    # an old duplicate (SEQ not after RCV.NXT) is ACKed by TIME-WAIT, nothing queued
    assert lst.on_syn(0.2, old, isn=2**32 - 100).verdict is SynVerdict.TIME_WAIT_ACK
    assert lst.in_time_wait(old) and old not in lst.requests
    r = lst.on_syn(0.3, old, isn=10)  # after 2^32 - 5, modulo 2^32
    assert r.verdict is SynVerdict.QUEUED and r.iss == 5000 + 65537
    assert not lst.in_time_wait(old) and lst.qlen == 3
    assert lst.on_ack(0.4, old) is AckVerdict.ESTABLISHED


def test_time_wait_ends_after_60_s_and_the_syn_is_a_fresh_one():
    lst = Listener(ListenerConfig(backlog=8))
    old = ("198.51.100.8", 4321)
    lst.enter_time_wait(0.0, old, rcv_nxt=1000, snd_nxt=5000)
    assert lst.on_syn(59.9, old, isn=10).verdict is SynVerdict.TIME_WAIT_ACK
    r = lst.on_syn(60.0, old, isn=10)
    assert r.verdict is SynVerdict.QUEUED and r.iss != 5000 + 65537
