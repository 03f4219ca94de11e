"""The listener model against hand-worked cases from facts.md §2-§3."""

import pytest

from tcplab.listener import (
    AckVerdict,
    Listener,
    ListenerConfig,
    SynVerdict,
    clamp_backlog,
    predict_accept_queue,
    simulate_listen_queue,
    synack_schedule,
)


def peer(i):
    return ("198.51.100.7", 40000 + i)


def handshake(lst, t, i):
    res = lst.on_syn(t, peer(i), isn=i)
    if not res.verdict.answered:
        return res.verdict
    return lst.on_ack(t, peer(i), ack=(res.iss + 1) % 2**32, seq=i + 1)


def test_listen_clamps_backlog_unsigned():
    assert clamp_backlog(10) == 10
    assert clamp_backlog(5000) == 4096
    assert clamp_backlog(5000, somaxconn=128) == 128  # before Linux 5.4
    assert clamp_backlog(-1) == 4096  # (unsigned)-1 > somaxconn


@pytest.mark.parametrize("backlog", [0, 1, 2, 5, 128])
def test_accept_queue_admits_backlog_plus_one(backlog):
    # sk_acceptq_is_full() is `>`: B+1 finished handshakes wait; the next SYN is dropped.
    lst = Listener(ListenerConfig(backlog=backlog))
    verdicts = [handshake(lst, 0.001 * i, i) for i in range(backlog + 3)]
    assert verdicts[: backlog + 1] == [AckVerdict.ESTABLISHED] * (backlog + 1)
    assert verdicts[backlog + 1 :] == [SynVerdict.DROP_ACCEPT_QUEUE_FULL] * 2
    assert lst.ack_backlog == backlog + 1
    assert lst.counters["ListenOverflows"] == 2
    assert lst.counters["ListenDrops"] == 2


def test_prediction_helper_matches_the_toolchain_observation():
    p = predict_accept_queue(3, 8)
    assert (p["ESTABLISHED"], p["SYN_SENT"], p["accept_queue"]) == (4, 4, 4)
    assert p["ListenOverflows"] == 4
    assert predict_accept_queue(10_000, 2, somaxconn=128)["max_ack_backlog"] == 128


def test_backlog_zero_before_and_after_commit_3479c7549fb1():
    # Before: SYN queue "full" at qlen >= 0, so with cookies off every SYN was dropped.
    old = predict_accept_queue(0, 3, syncookies=0, synq_full_test=">=")
    assert old["ESTABLISHED"] == 0 and old["TCPReqQFullDrop"] == 3
    # With cookies the first client gets through on a cookie.
    cook = predict_accept_queue(0, 3, syncookies=1, synq_full_test=">=")
    assert cook["ESTABLISHED"] == 1 and cook["SyncookiesRecv"] == 1
    assert predict_accept_queue(0, 3, syncookies=0)["ESTABLISHED"] == 1


def fill_for_overflow(lst):
    """backlog 1: requests a, b; a completes; c queued; b completes -> accept queue 2 > 1."""
    for i in (1, 2):
        assert lst.on_syn(0.0, peer(i), isn=i).verdict is SynVerdict.QUEUED
    assert lst.on_ack(0.01, peer(1)) is AckVerdict.ESTABLISHED
    assert lst.on_syn(0.01, peer(3), isn=3).verdict is SynVerdict.QUEUED
    assert lst.on_ack(0.02, peer(2)) is AckVerdict.ESTABLISHED
    assert lst.acceptq_is_full()


def test_third_ack_with_full_accept_queue_default_drops_and_retransmits():
    lst = Listener(ListenerConfig(backlog=1))
    fill_for_overflow(lst)
    v = lst.on_ack(0.03, peer(3))
    assert v is AckVerdict.DROPPED_OVERFLOW  # client thinks ESTABLISHED, server dropped ACK
    assert lst.requests[peer(3)].acked
    assert lst.counters["ListenOverflows"] == 1 and lst.counters["ListenDrops"] == 1
    assert lst.counters["EmbryonicRsts"] == 0
    # the SYN-ACK keeps being retransmitted (at 1.01 s); the app accepts; the re-ACK completes
    ev = lst.advance(1.5)
    assert [(e.peer, e.action, e.acked) for e in ev] == [(peer(3), "synack", True)]
    assert lst.accept(1.6).peer == peer(1)
    assert lst.on_ack(1.61, peer(3)) is AckVerdict.ESTABLISHED


def test_third_ack_with_full_accept_queue_abort_on_overflow_sends_rst():
    lst = Listener(ListenerConfig(backlog=1, abort_on_overflow=True))
    fill_for_overflow(lst)
    assert lst.on_ack(0.03, peer(3)) is AckVerdict.RST_OVERFLOW
    assert peer(3) not in lst.requests
    assert lst.counters["EmbryonicRsts"] == 1
    assert lst.counters["ListenOverflows"] == 1


def test_synack_schedule_and_expiry_at_63_s():
    assert synack_schedule() == ([0.0, 1.0, 3.0, 7.0, 15.0, 31.0], 63.0)
    lst = Listener(ListenerConfig(backlog=128))
    lst.on_syn(0.0, peer(0))
    events = lst.advance(100.0)
    assert [(e.time, e.action) for e in events] == [
        (1.0, "synack"),
        (3.0, "synack"),
        (7.0, "synack"),
        (15.0, "synack"),
        (31.0, "synack"),
        (63.0, "expire"),
    ]
    assert lst.qlen == 0


def test_retransmitted_syn_resends_synack_and_resets_timer():
    lst = Listener()
    lst.on_syn(0.0, peer(0))
    lst.advance(1.0)  # first retransmission, num_timeout = 1
    r = lst.on_syn(1.5, peer(0))
    assert r.verdict is SynVerdict.SYNACK_RESENT
    assert lst.next_timer() == pytest.approx(1.5 + 2.0)  # TCP_TIMEOUT_INIT << num_timeout


def test_pruning_old_requests_when_more_than_half_full():
    # 16 requests at t=0, backlog 16: at t=1 most are still young (young<<1 > qlen), but
    # after the first round nobody is young: retries drop to 2, so expiry at 7 s, not 63 s
    lst2 = Listener(ListenerConfig(backlog=16))
    for i in range(16):
        lst2.on_syn(0.0, peer(i))
    ev = lst2.advance(10.0)
    assert {e.time for e in ev if e.action == "expire"} == {7.0}
    # and with the queue at most half full, the default 63 s holds
    lst3 = Listener(ListenerConfig(backlog=16))
    for i in range(8):
        lst3.on_syn(0.0, peer(i))
    assert {e.time for e in lst3.advance(100.0) if e.action == "expire"} == {63.0}


def test_syn_queue_full_cookies_off_drops_and_counts():
    lst = Listener(ListenerConfig(backlog=2, syncookies=0, max_syn_backlog=1024))
    verdicts = [lst.on_syn(0.0, peer(i)).verdict for i in range(5)]
    # `>` test: qlen 0,1,2 admitted (2 > 2 is false), then full
    assert verdicts == [SynVerdict.QUEUED] * 3 + [SynVerdict.DROP_SYN_QUEUE_FULL] * 2
    assert lst.counters["TCPReqQFullDrop"] == 2 and lst.counters["ListenDrops"] == 2


def test_syn_queue_full_cookies_on_sends_cookies_that_validate():
    lst = Listener(ListenerConfig(backlog=1, syncookies=1))
    lst.on_syn(0.0, peer(0))
    lst.on_syn(0.0, peer(1))
    r = lst.on_syn(0.0, peer(2), isn=99, mss=1400)
    assert r.verdict is SynVerdict.COOKIE and peer(2) not in lst.requests
    assert lst.counters["TCPReqQFullDoCookies"] == 1 and lst.counters["SyncookiesSent"] == 1
    v = lst.on_ack(0.1, peer(2), ack=(r.iss + 1) % 2**32, seq=100)
    assert v is AckVerdict.COOKIE_ESTABLISHED
    assert lst.accept_queue[-1].mss == 1300  # largest table entry <= 1400
    assert lst.counters["SyncookiesRecv"] == 1
    # a forged ACK from another client: cookie check fails, RST
    assert lst.on_ack(0.2, peer(3), ack=12345, seq=1) is AckVerdict.RST
    assert lst.counters["SyncookiesFailed"] == 1


def test_cookie_acks_only_checked_within_120_s_of_an_overflow():
    lst = Listener(ListenerConfig(backlog=0, syncookies=2))
    r = lst.on_syn(0.0, peer(0), isn=5)
    assert r.verdict is SynVerdict.COOKIE  # syncookies=2: always
    assert lst.counters["TCPReqQFullDoCookies"] == 1
    assert lst.on_ack(121.0, peer(0), ack=(r.iss + 1) % 2**32, seq=6) is AckVerdict.RST
    assert lst.counters["SyncookiesFailed"] == 0  # never reached the cookie check


def test_last_quarter_of_max_syn_backlog_reserved_for_proven_peers():
    lst = Listener(ListenerConfig(backlog=1000, syncookies=0, max_syn_backlog=16))
    got = [lst.on_syn(0.0, peer(i)).verdict for i in range(16)]
    # 16 - qlen < 4 once qlen reaches 13: unproven SYNs dropped from then on
    assert got.count(SynVerdict.QUEUED) == 13
    assert got[13:] == [SynVerdict.DROP_UNPROVEN] * 3
    assert lst.on_syn(0.0, peer(99), proven=True).verdict is SynVerdict.QUEUED
    # with cookies on, the rule does not apply
    lst2 = Listener(ListenerConfig(backlog=1000, syncookies=1, max_syn_backlog=16))
    assert all(lst2.on_syn(0.0, peer(i)).verdict is SynVerdict.QUEUED for i in range(16))


def test_wrong_ack_number_draws_rst_and_keeps_request():
    lst = Listener()
    r = lst.on_syn(0.0, peer(0))
    assert lst.on_ack(0.0, peer(0), ack=(r.iss + 5) % 2**32) is AckVerdict.RST
    assert peer(0) in lst.requests


def test_bad_input():
    with pytest.raises(ValueError, match="syncookies = 3: expected"):
        ListenerConfig(syncookies=3)
    with pytest.raises(ValueError, match="somaxconn = -1: expected"):
        ListenerConfig(somaxconn=-1)
    with pytest.raises(TypeError, match="backlog = 'x': expected an int"):
        ListenerConfig(backlog="x")  # rejected at construction, not on first use
    with pytest.raises(TypeError, match="abort_on_overflow = 1: expected True or False"):
        ListenerConfig(abort_on_overflow=1)
    with pytest.raises(ValueError, match="clients = -2"):
        predict_accept_queue(5, -2)
    lst = Listener()
    lst.on_syn(5.0, peer(0))
    with pytest.raises(ValueError, match="now = 4.0: expected a time that does not go backwards"):
        lst.on_syn(4.0, peer(1))
    with pytest.raises(ValueError, match="now = nan"):
        lst.advance(float("nan"))
    with pytest.raises(TypeError, match=r"peer = \[1\]: expected a hashable id"):
        lst.on_syn(6.0, [1])
    with pytest.raises(ValueError, match="isn = 4294967296"):
        lst.on_syn(6.0, peer(2), isn=2**32)
    with pytest.raises(ValueError, match="arrival_rate = -1"):
        simulate_listen_queue(arrival_rate=-1)


def test_big_listen_queue_runs_are_refused_up_front_not_after_seconds():
    # refused by the bound on arrival_rate × duration, before any client is simulated
    with pytest.raises(
        ValueError, match="arrival_rate × duration = 90000.0 clients: expected at most"
    ):
        simulate_listen_queue(arrival_rate=3000, duration=30)
    with pytest.raises(ValueError, match="arrival_rate = 4294967296"):
        simulate_listen_queue(arrival_rate=2**32)
    # the clients' addresses stay valid past 65 535 of them
    from tcplab.listener import _client_index, _client_peer

    for c in (0, 59_999, 60_000, 65_535, 123_456):
        ip, port = _client_peer(c)
        assert 1 <= port <= 65535 and _client_index((ip, port)) == c


def test_abstract_peers_get_isns_that_do_not_depend_on_the_hash_seed():
    import os
    import subprocess
    import sys

    code = (
        "from tcplab.listener import Listener;"
        "l = Listener(seed=3); print(l.on_syn(1.0, 'client-7').iss, l.on_syn(1.0, ('x', 'y')).iss)"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "12345")
    }
    assert len(outs) == 1, outs


def test_listen_queue_simulation_accounts_for_every_client():
    samples, clients = simulate_listen_queue(
        ListenerConfig(backlog=4), arrival_rate=80, accept_rate=40, duration=10, seed=3
    )
    outcomes = {c["outcome"] for c in clients}
    assert outcomes <= {"served", "reset", "gave_up", "expired", "pending"}
    served = [c for c in clients if c["outcome"] == "served"]
    assert served and all(c["served"] >= c["connected"] >= 0 for c in served)
    assert all(s["accept_queue"] <= 5 for s in samples)  # never more than B+1
    assert samples[-1]["ListenOverflows"] > 0  # overloaded: 80/s in, 40/s out


def test_synack_retries_under_load_hand_worked():
    from tcplab.listener import synack_retries_under_load

    # at most half full (qlen*2 <= max(8, backlog)): the full 5 retries
    assert synack_retries_under_load(5, qlen=4, young=0, max_ack_backlog=8) == 5
    # 100 requests in a queue of 128, none young: 5 -> 2 (never fewer than 2)
    assert synack_retries_under_load(5, qlen=100, young=0, max_ack_backlog=128) == 2
    # enough young requests (young*2 > qlen) keep every retry
    assert synack_retries_under_load(5, qlen=100, young=60, max_ack_backlog=128) == 5
    # young*2 = 60 <= 100 < young*4 = 120: one retry fewer
    assert synack_retries_under_load(5, qlen=100, young=30, max_ack_backlog=128) == 4
