"""The endpoint against Linux on the wire (issue 10, facts.md §13) and the RFC preset.

Each test states the Linux behaviour with its source and, where RFC 9293 differs, what
the RFC preset does instead.
"""

import pytest

from tcplab.endpoint import Endpoint
from tcplab.fsm import State
from tcplab.segment import Segment
from tcplab.timers import LINUX, RFC, linux_model_timeout

A_ADDR, B_ADDR = ("10.0.0.1", 40000), ("10.0.0.2", 80)


def pair(timers=LINUX, **kw):
    a = Endpoint(iss=1000, name="A", local=A_ADDR, remote=B_ADDR, timers=timers, **kw)
    b = Endpoint(iss=5000, name="B", local=B_ADDR, remote=None, timers=timers, **kw)
    b.open(0.0, active=False)
    (syn,) = a.open(0.0)
    (synack,) = b.receive(syn, 0.05)
    (ack,) = a.receive(synack, 0.1)
    b.receive(ack, 0.15)
    return a, b


def from_a(a, **kw):
    base = dict(seq=a.snd_nxt, ack=a.rcv_nxt, flags="ACK")
    base.update(kw)
    return Segment(
        **base, src_addr=A_ADDR[0], src_port=A_ADDR[1], dst_addr=B_ADDR[0], dst_port=B_ADDR[1]
    )


def run_timers_until(ep, state_gone, limit=5000.0):
    """Fire ep's timers (nothing delivered) until it leaves ``state_gone``; return times."""
    sent = []
    while ep.state in state_gone:
        t = ep.next_timer()
        assert t is not None and t < limit
        sent += [(t, s) for s in ep.handle_timer(t)]
    return t, sent


# ----------------------------------------------------------------- item 5: time budgets
def test_linux_data_retries_are_a_time_budget_of_924_6_s():
    # tcp_write_timeout(): retransmits_timed_out(sk, tcp_retries2 = 15, 0) — give up at the
    # first expiry 924.6 s or more after the first retransmission (ip-sysctl.rst).
    a, _ = pair()
    a.send(b"x", 1.0)
    gave_up, sent = run_timers_until(a, {State.ESTABLISHED})
    first = sent[0][0]
    budget = linux_model_timeout(15, LINUX.rto_min)
    assert budget == pytest.approx(924.6)
    assert gave_up - first >= budget
    assert sent[-1][0] - first < budget  # the last retransmission was still inside it
    assert a.state is State.CLOSED and a.error == "connection timed out"


def test_rfc_data_r2_is_100_s():
    a, _ = pair(RFC)
    a.send(b"x", 1.0)
    gave_up, sent = run_timers_until(a, {State.ESTABLISHED})
    assert gave_up - sent[0][0] >= 100 > sent[-1][0] - sent[0][0]


@pytest.mark.parametrize(("orphan_retries", "budget"), [(3, 3.0), (0, 102.2)])
def test_orphaned_fin_is_bounded_by_tcp_orphan_retries(orphan_retries, budget):
    # tcp_orphan_retries(): 0 means 8 (while the RTO is below TCP_RTO_MAX); the budget is
    # tcp_model_timeout(retries, TCP_RTO_MIN): 3 → 3.0 s, 8 → 102.2 s.
    a, _ = pair(LINUX.with_(orphan_retries=orphan_retries))
    (fin,) = a.close(1.0, orphan=True)
    assert fin.is_fin
    gave_up, sent = run_timers_until(a, {State.FIN_WAIT_1})
    assert gave_up - sent[0][0] >= budget - 1e-9 > sent[-1][0] - sent[0][0]
    assert all(s.is_fin for _, s in sent)
    assert a.state is State.CLOSED


# ----------------------------------------------------------------- item 7: one ACK
@pytest.mark.parametrize(("timers", "first_len"), [(LINUX, 120), (RFC, 80)])
def test_retransmission_fills_the_hole_with_one_cumulative_ack(timers, first_len):
    # facts.md §13: 80 + 40 bytes, the first lost: Linux's RTO retransmission carries all
    # 120 bytes (tcp_retrans_try_collapse()) and the receiver sends one cumulative ACK.
    a, b = pair(timers)
    (s1,) = a.send(b"x" * 80, 1.0)
    (s2,) = a.send(b"y" * 40, 1.0)
    (dup,) = b.receive(s2, 1.05)  # out of order: a duplicate ACK
    assert dup.ack == s1.seq
    a.receive(dup, 1.1)
    (rtx,) = a.handle_timer(a.next_timer())
    assert len(rtx.payload) == first_len
    replies = b.receive(rtx, a.next_timer() or 2.0)
    assert [(r.flag_names, r.ack) for r in replies] == [("ACK", s2.end)]
    assert bytes(b.received) == b"x" * 80 + b"y" * 40


# ----------------------------------------------------------------- items 8, 10: TIME-WAIT
def to_time_wait(timers):
    a, b = pair(timers)
    (fin,) = a.close(1.0)
    a.receive(b.receive(fin, 1.05)[0], 1.1)
    (fin_b,) = b.close(1.2)
    a.receive(fin_b, 1.25)
    assert a.state is State.TIME_WAIT
    return a, b, fin_b


def from_b(b, **kw):
    base = dict(seq=b.snd_nxt, ack=b.rcv_nxt, flags="ACK")
    base.update(kw)
    return Segment(
        **base, src_addr=B_ADDR[0], src_port=B_ADDR[1], dst_addr=A_ADDR[0], dst_port=A_ADDR[1]
    )


@pytest.mark.parametrize("timers", [LINUX, RFC], ids=["linux", "rfc"])
def test_time_wait_acks_a_fin_ack_at_rcv_nxt_and_restarts(timers):
    # RFC 9293 §3.10.7.4 fifth and eighth steps; Linux tcp_timewait_state_process().
    a, b, _ = to_time_wait(timers)
    (ack,) = a.receive(from_b(b, flags="FIN+ACK"), 5.0)
    assert ack.flag_names == "ACK" and ack.ack == a.rcv_nxt
    assert a.timers_pending()["time_wait"] == pytest.approx(5.0 + a.time_wait_len)


@pytest.mark.parametrize("timers", [LINUX, RFC], ids=["linux", "rfc"])
def test_time_wait_acks_an_in_window_data_segment_and_restarts(timers):
    a, b, _ = to_time_wait(timers)
    (ack,) = a.receive(from_b(b, payload=b"late"), 5.0)
    assert ack.flag_names == "ACK"
    assert a.timers_pending()["time_wait"] == pytest.approx(5.0 + a.time_wait_len)
    assert bytes(a.received) == b""  # text after a FIN is never delivered


def test_linux_time_wait_is_silent_for_a_bare_ack_at_rcv_nxt_but_restarts():
    a, b, _ = to_time_wait(LINUX)
    assert a.receive(from_b(b), 5.0) == []
    assert a.timers_pending()["time_wait"] == pytest.approx(5.0 + 60)


def test_in_window_rst_in_time_wait_linux_drops_rfc_challenges():
    # Linux sends no challenge ACK from TIME-WAIT; RFC 9293 (RFC 5961 §3) does.
    a, b, _ = to_time_wait(LINUX)
    assert a.receive(from_b(b, seq=b.snd_nxt + 10, flags="RST"), 5.0) == []
    assert a.state is State.TIME_WAIT
    a, b, _ = to_time_wait(RFC)
    (ch,) = a.receive(from_b(b, seq=b.snd_nxt + 10, flags="RST"), 5.0)
    assert ch.flag_names == "ACK" and a.state is State.TIME_WAIT


def test_in_window_fin_without_ack_in_time_wait_linux_acks_rfc_drops():
    # Linux: every segment but an RST or a bare ACK is ACKed; RFC 9293 fifth step: "if the
    # ACK bit is off drop the segment and return".
    a, b, _ = to_time_wait(LINUX)
    (ack,) = a.receive(from_b(b, flags="FIN"), 5.0)
    assert ack.flag_names == "ACK"
    a, b, _ = to_time_wait(RFC)
    assert a.receive(from_b(b, flags="FIN"), 5.0) == []


# ----------------------------------------------------------------- item 9: SYN-ACK text
@pytest.mark.parametrize(("timers", "kept"), [(LINUX, b""), (RFC, b"hello")])
def test_text_on_a_synack(timers, kept):
    # RFC 9293 §3.10.7.3: "continue processing at the sixth step" — the text is kept.
    # Linux drops the data of a SYN-ACK without Fast Open; the peer retransmits it.
    a = Endpoint(iss=1000, name="A", local=A_ADDR, remote=B_ADDR, timers=timers)
    (syn,) = a.open(0.0)
    synack = Segment(
        seq=5000, ack=syn.end, flags="SYN+ACK", payload=b"hello", window=65535,
        src_addr=B_ADDR[0], src_port=B_ADDR[1], dst_addr=A_ADDR[0], dst_port=A_ADDR[1],
    )  # fmt: skip
    (ack,) = a.receive(synack, 0.1)
    assert a.state is State.ESTABLISHED
    assert bytes(a.received) == kept
    assert ack.ack == (5001 + len(kept))


# ----------------------------------------------------------------- item 10: SYN+FIN
def test_syn_fin_in_listen_linux_discards_rfc_opens():
    for timers, state, replies in ((LINUX, State.LISTEN, 0), (RFC, State.SYN_RECEIVED, 1)):
        b = Endpoint(iss=5000, name="B", local=B_ADDR, remote=None, timers=timers)
        b.open(0.0, active=False)
        synfin = Segment(
            seq=1000, flags="SYN+FIN",
            src_addr=A_ADDR[0], src_port=A_ADDR[1], dst_addr=B_ADDR[0], dst_port=B_ADDR[1],
        )  # fmt: skip
        assert len(b.receive(synfin, 0.1)) == replies
        assert b.state is state
