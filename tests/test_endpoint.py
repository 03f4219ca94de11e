"""The sans-I/O endpoint, driven by hand: segments in, segments out, time passed in."""

import pytest

from tcplab.endpoint import TWO_WAY_ARC, Endpoint
from tcplab.fsm import ARCS, InvalidTransition, State
from tcplab.segment import Segment
from tcplab.timers import LINUX, LINUX_PRE_6_5, RFC

A_ADDR, B_ADDR = ("10.0.0.1", 40000), ("10.0.0.2", 80)
WRAP = 2**32 - 2


def pair(a_iss=WRAP, b_iss=2**32 - 1, **kw):
    a = Endpoint(iss=a_iss, name="A", local=A_ADDR, remote=B_ADDR, **kw)
    b = Endpoint(iss=b_iss, name="B", local=B_ADDR, remote=None, **kw)
    b.open(0.0, active=False)
    return a, b


def handshake(a, b, t=0.0):
    (syn,) = a.open(t)
    (synack,) = b.receive(syn, t + 0.05)
    (ack,) = a.receive(synack, t + 0.1)
    assert b.receive(ack, t + 0.15) == []
    return syn, synack, ack


def test_handshake_across_the_wrap():
    a, b = pair()
    syn, synack, ack = handshake(a, b)
    assert (syn.seq, syn.flag_names) == (WRAP, "SYN")
    assert synack.seq == 2**32 - 1 and synack.ack == 2**32 - 1  # x+1
    assert ack.seq == 2**32 - 1 and ack.ack == 0  # y+1 wraps to 0
    assert a.state is b.state is State.ESTABLISHED
    assert a.snd_una == a.snd_nxt == 2**32 - 1
    assert b.rcv_nxt == 2**32 - 1 and b.snd_nxt == 0


def test_data_and_close_across_the_wrap():
    a, b = pair()
    handshake(a, b)
    (data,) = a.send(b"abcdef", 1.0)
    assert data.seq == 2**32 - 1 and data.end == 5
    (ack,) = b.receive(data, 1.05)
    assert ack.ack == 5
    a.receive(ack, 1.1)
    assert bytes(b.received) == b"abcdef" and a.in_flight == 0
    (fin,) = a.close(2.0)
    assert fin.seq == 5 and fin.is_fin and fin.end == 6
    (fin_ack,) = b.receive(fin, 2.05)
    assert fin_ack.ack == 6 and b.state is State.CLOSE_WAIT
    a.receive(fin_ack, 2.1)
    assert a.state is State.FIN_WAIT_2
    (fin_b,) = b.close(2.5)
    assert fin_b.seq == 0 and fin_b.ack == 6
    (last,) = a.receive(fin_b, 2.55)
    assert last.ack == 1 and a.state is State.TIME_WAIT
    b.receive(last, 2.6)
    assert b.state is State.CLOSED
    assert a.next_timer() == pytest.approx(2.55 + 60)
    a.handle_timer(62.55)
    assert a.state is State.CLOSED


def test_every_state_change_is_a_table_arc():
    a, b = pair()
    handshake(a, b)
    allowed = set(ARCS) | {TWO_WAY_ARC}
    for ep in (a, b):
        for step in ep.history:
            assert step.arc in allowed


def test_rst_exactly_at_rcv_nxt_resets():
    a, b = pair(1000, 5000)
    handshake(a, b)
    out = b.receive(
        Segment(
            seq=b.rcv_nxt,
            flags="RST",
            src_addr="10.0.0.1",
            src_port=40000,
            dst_addr="10.0.0.2",
            dst_port=80,
        ),
        1.0,
    )
    assert out == [] and b.state is State.CLOSED and b.error == "connection reset"


def test_rst_in_window_but_not_exact_gets_a_challenge_ack():
    a, b = pair(1000, 5000)
    handshake(a, b)
    (ch,) = b.receive(
        Segment(
            seq=b.rcv_nxt + 100,
            flags="RST",
            src_addr="10.0.0.1",
            src_port=40000,
            dst_addr="10.0.0.2",
            dst_port=80,
        ),
        1.0,
    )
    assert ch.flag_names == "ACK" and (ch.seq, ch.ack) == (b.snd_nxt, b.rcv_nxt)
    assert b.state is State.ESTABLISHED


def test_rst_outside_the_window_is_dropped_silently():
    a, b = pair(1000, 5000)
    handshake(a, b)
    out = b.receive(
        Segment(
            seq=b.rcv_nxt + 70000,
            flags="RST",
            src_addr="10.0.0.1",
            src_port=40000,
            dst_addr="10.0.0.2",
            dst_port=80,
        ),
        1.0,
    )
    assert out == [] and b.state is State.ESTABLISHED


def test_syn_on_established_gets_challenge_ack_whatever_its_seq():
    a, b = pair(1000, 5000)
    handshake(a, b)
    for seq in (7, b.rcv_nxt, b.rcv_nxt + 10):
        (ch,) = b.receive(
            Segment(
                seq=seq,
                flags="SYN",
                src_addr="10.0.0.1",
                src_port=40000,
                dst_addr="10.0.0.2",
                dst_port=80,
            ),
            1.0 + seq * 1e-9,
        )
        assert (ch.flag_names, ch.seq, ch.ack) == ("ACK", b.snd_nxt, b.rcv_nxt)
        assert b.state is State.ESTABLISHED
        b._last_oow = None  # the Linux rate limit would hide the 2nd and 3rd replies


def test_linux_rate_limits_challenge_acks_rfc_does_not():
    for timers, replies in ((LINUX, 1), (RFC, 3)):
        a, b = pair(1000, 5000, timers=timers)
        handshake(a, b)
        n = 0
        for k in range(3):
            n += len(
                b.receive(
                    Segment(
                        seq=1,
                        flags="SYN",
                        src_addr="10.0.0.1",
                        src_port=40000,
                        dst_addr="10.0.0.2",
                        dst_port=80,
                    ),
                    1.0 + k * 0.1,
                )
            )
        assert n == replies


def test_unacceptable_segment_gets_the_rfc_ack_reply():
    a, b = pair(1000, 5000)
    handshake(a, b)
    old = Segment(
        seq=900,
        flags="ACK",
        ack=b.snd_nxt,
        payload=b"old",
        src_addr="10.0.0.1",
        src_port=40000,
        dst_addr="10.0.0.2",
        dst_port=80,
    )
    (reply,) = b.receive(old, 1.0)
    assert (reply.flag_names, reply.seq, reply.ack) == ("ACK", b.snd_nxt, b.rcv_nxt)
    assert b.received == b""


def test_syn_sent_answers_an_unacceptable_ack_with_rst_seq_seg_ack():
    a, _ = pair(1000, 5000)
    a.open(0.0)
    bogus = Segment(
        seq=777,
        ack=4242,
        flags="ACK",
        src_addr="10.0.0.2",
        src_port=80,
        dst_addr="10.0.0.1",
        dst_port=40000,
    )
    (rst,) = a.receive(bogus, 0.1)
    assert rst.flag_names == "RST" and rst.seq == 4242
    assert a.state is State.SYN_SENT


def test_closed_answers_syn_with_rst_ack_and_ack_with_rst():
    c = Endpoint(iss=0, local=B_ADDR, remote=A_ADDR)
    (r1,) = c.receive(
        Segment(
            seq=1000,
            flags="SYN",
            src_addr="10.0.0.1",
            src_port=40000,
            dst_addr="10.0.0.2",
            dst_port=80,
        ),
        0.0,
    )
    assert (r1.flag_names, r1.seq, r1.ack) == ("RST+ACK", 0, 1001)
    (r2,) = c.receive(
        Segment(
            seq=1,
            ack=99,
            flags="ACK",
            src_addr="10.0.0.1",
            src_port=40000,
            dst_addr="10.0.0.2",
            dst_port=80,
        ),
        0.1,
    )
    assert (r2.flag_names, r2.seq) == ("RST", 99)
    assert (
        c.receive(
            Segment(
                seq=1,
                flags="RST",
                src_addr="10.0.0.1",
                src_port=40000,
                dst_addr="10.0.0.2",
                dst_port=80,
            ),
            0.2,
        )
        == []
    )


@pytest.mark.parametrize(
    ("timers", "give_up"), [(LINUX, 131), (LINUX_PRE_6_5, 127), (RFC, 247)], ids=lambda x: str(x)
)
def test_syn_retransmissions_follow_the_preset_timeline_and_give_up(timers, give_up):
    # The endpoint steps through the same timers.RetryRule as syn_timeline().
    a, _ = pair(1000, 5000, timers=timers)
    a.open(0.0)
    sends = [0.0]
    while a.state is State.SYN_SENT:
        t = a.next_timer()
        out = a.handle_timer(t)
        sends += [t for s in out if s.is_syn]
    assert sends == list(timers.syn_timeline().send_times)
    assert t == timers.syn_timeline().give_up == give_up
    assert a.state is State.CLOSED and a.error == "connection timed out"


def test_synack_retransmissions_follow_the_preset_timeline():
    for timers in (LINUX, LINUX_PRE_6_5, RFC):
        a, b = pair(1000, 5000, timers=timers)
        (syn,) = a.open(0.0)
        b.receive(syn, 0.0)
        sends = [0.0]
        while b.state is State.SYN_RECEIVED:
            t = b.next_timer()
            sends += [t for s in b.handle_timer(t) if s.is_syn]
        assert sends == list(timers.synack_timeline().send_times)
        assert t == timers.synack_timeline().give_up


def test_retransmitted_syn_in_syn_received_linux_resends_synack_rfc_acks():
    for timers, expect in ((LINUX, "SYN+ACK"), (RFC, "ACK")):
        a, b = pair(1000, 5000, timers=timers)
        (syn,) = a.open(0.0)
        b.receive(syn, 0.05)
        (reply,) = b.receive(syn, 1.05)
        assert reply.flag_names == expect
        assert b.state is State.SYN_RECEIVED


def test_time_wait_restarts_on_a_retransmitted_fin():
    a, b = pair(1000, 5000)
    handshake(a, b)
    (fin,) = a.close(1.0)
    a.receive(b.receive(fin, 1.05)[0], 1.1)
    (fin_b,) = b.close(1.2)
    a.receive(fin_b, 1.25)  # the final ACK is "lost": we drop it
    assert a.next_timer() == pytest.approx(61.25)
    (again,) = a.receive(fin_b, 1.6)  # B's retransmission
    assert again.flag_names == "ACK" and again.ack == fin_b.end
    assert a.state is State.TIME_WAIT and a.next_timer() == pytest.approx(61.6)


def test_rfc_time_wait_is_2_msl():
    a, b = pair(1000, 5000, timers=RFC)
    handshake(a, b)
    a.receive(b.receive(a.close(1.0)[0], 1.05)[0], 1.1)
    a.receive(b.close(1.2)[0], 1.25)
    assert a.next_timer() == pytest.approx(1.25 + 240)


def test_delayed_ack_merges_with_fin_three_way_close():
    a, b = pair(1000, 5000, delayed_ack=0.2)
    handshake(a, b)
    (data,) = a.send(b"hi", 0.2)  # data first: B is in delayed-ACK mode (facts.md §13)
    assert b.receive(data, 0.25) == []
    a.receive(b.handle_timer(b.next_timer())[0], 0.5)
    (fin,) = a.close(1.0)
    assert b.receive(fin, 1.05) == []  # the ACK waits
    (fin_ack,) = b.close(1.06)
    assert fin_ack.flag_names == "FIN+ACK" and fin_ack.ack == fin.end
    (last,) = a.receive(fin_ack, 1.11)
    assert a.state is State.TIME_WAIT and last.flag_names == "ACK"
    assert [s.target for s in a.history][-2:] == [State.FIN_WAIT_1, State.TIME_WAIT]


def test_linux_acks_a_fin_at_once_when_nothing_was_received():
    # facts.md §13: no data before the FIN → the ACK leaves at once: a four-way close.
    a, b = pair(1000, 5000, delayed_ack=0.2)
    handshake(a, b)
    (fin,) = a.close(1.0)
    (ack,) = b.receive(fin, 1.05)
    assert ack.flag_names == "ACK" and ack.ack == fin.end
    # The RFC preset lets any ACK wait, the FIN's too.
    a, b = pair(1000, 5000, delayed_ack=0.2, timers=RFC)
    handshake(a, b)
    assert b.receive(a.close(1.0)[0], 1.05) == []


def test_wrong_four_tuple_is_refused():
    a, _b = pair(1000, 5000)
    (syn,) = a.open(0.0)
    with pytest.raises(ValueError, match="wrong 4-tuple"):
        a.receive(syn.replace(dst_port=81), 0.1)


def test_illegal_user_call_raises_and_leaves_state():
    a, b = pair(1000, 5000)
    handshake(a, b)
    a.close(1.0)
    with pytest.raises(ValueError):
        a.send(b"late", 1.1)
    b2 = Endpoint(iss=1, local=B_ADDR, remote=None)
    b2.open(0.0, active=False)
    with pytest.raises(InvalidTransition):
        b2.open(0.1, active=False)
    assert b2.state is State.LISTEN


def test_time_may_not_go_backwards():
    a, _ = pair(1000, 5000)
    a.open(5.0)
    with pytest.raises(ValueError, match="backwards"):
        a.handle_timer(4.0)


def test_bad_parameters_name_the_value():
    with pytest.raises(ValueError, match="4294967296"):
        Endpoint(iss=2**32)
    with pytest.raises(ValueError, match="0.7"):
        Endpoint(iss=1, delayed_ack=0.7)


def test_every_scenario_moves_only_along_table_arcs():
    """Give-ups included: they are the table's USER_TIMEOUT rows, not special cases."""
    from tcplab.sim.scenarios import list_scenarios, run_scenario

    allowed = set(ARCS) | {TWO_WAY_ARC}
    for name in list_scenarios():
        result = run_scenario(name)
        for host in result.hosts.values():
            for ep in host.endpoints:
                for step in ep.history:
                    assert step.arc in allowed, (name, step)


# --------------------------------------------------------------------- the split (issue 15)
def test_an_illegal_user_call_raises_before_anything_is_logged():
    a, _ = pair(1000, 5000)
    before = list(a.log)
    with pytest.raises(InvalidTransition):
        a.send(b"x", 0.0)  # SEND in CLOSED means nothing
    with pytest.raises(InvalidTransition):
        a.close(0.0)
    assert a.log == before and a.drain() == []


def test_transitions_go_through_one_state_machine_method():
    from tcplab.fsm import Event, TcpStateMachine

    m = TcpStateMachine()
    step = m.take(m.arc_for(Event.ACTIVE_OPEN))
    assert m.state is State.SYN_SENT and m.history == [step]
    with pytest.raises(InvalidTransition):
        m.take(TWO_WAY_ARC)  # its source is LISTEN, not SYN-SENT
    with pytest.raises(TypeError, match="Arc"):
        m.take("ACTIVE_OPEN")  # type: ignore[arg-type]


def test_timers_are_typed_fields():
    from tcplab.endpoint.deadlines import Deadlines, TimerKind

    a, _ = pair(1000, 5000)
    a.open(0.0)
    assert isinstance(a.deadlines, Deadlines)
    assert a.deadlines.rtx == 1.0 and a.timers_pending() == {"rtx": 1.0}
    assert [k.value for k in TimerKind] == ["delack", "rtx", "fin_wait_2", "keepalive", "time_wait"]


def test_out_of_order_queue_frees_segments_behind_rcv_nxt():
    # issue 13: one-byte-ahead + in-order rounds used to leave every early segment queued.
    a, b = pair(1000, 5000)
    handshake(a, b)
    base = b.rcv_nxt
    for k in range(200):
        t = 0.2 + k * 0.001
        ahead = Segment(
            seq=(base + 2 * k + 1) % 2**32,
            ack=a.snd_nxt,
            flags="ACK",
            payload=b"y",
            src_addr=A_ADDR[0],
            src_port=A_ADDR[1],
            dst_addr=B_ADDR[0],
            dst_port=B_ADDR[1],
        )
        both = ahead.replace(seq=(base + 2 * k) % 2**32, payload=b"xy")
        b.receive(ahead, t)
        b.receive(both, t)
    assert bytes(b.received) == b"xy" * 200
    assert b.reassembly.ooo == {}


# --------------------------------------------------------------------- robustness (issue 13)
def test_open_after_closed_is_refused_clearly():
    # Chosen: one Endpoint is one TCB; a second open() would reuse its ISS and queues.
    a, b = pair(1000, 5000)
    handshake(a, b)
    a.abort(1.0)
    assert a.state is State.CLOSED
    before = list(a.log)
    with pytest.raises(ValueError, match="create a new Endpoint"):
        a.open(2.0)
    assert a.log == before
    fresh = Endpoint(iss=7, name="A", local=A_ADDR, remote=B_ADDR)
    assert fresh.open(2.0)[0].is_syn  # a never-used endpoint opens as before


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"local": None}, "local = None"),
        ({"remote": (1, 2, 3)}, "remote"),
        ({"time_wait": float("nan")}, "time_wait = nan"),
        ({"time_wait": float("inf")}, "time_wait = inf"),
        ({"time_wait": -1}, "time_wait = -1"),
        ({"rcv_wnd": "x"}, "rcv_wnd = 'x'"),
        ({"keepalive": "yes"}, "keepalive = 'yes'"),
        ({"wscale": 15}, "wscale = 15"),
    ],
)
def test_constructor_rejects_bad_values_naming_them(kw, match):
    with pytest.raises(ValueError, match=match):
        Endpoint(iss=1, **kw)


@pytest.mark.parametrize("now", [float("inf"), float("nan"), -1, "1", None, 10**400])
def test_user_calls_reject_bad_times(now):
    a = Endpoint(iss=1)
    with pytest.raises(ValueError, match="now = "):
        a.open(now)
    assert a.log == [] and a.next_timer() is None


def test_an_illegal_call_names_the_call():
    a = Endpoint(iss=1)
    with pytest.raises(InvalidTransition, match=r"close\(now=1.5"):
        a.close(1.5)


def test_queues_are_bounded_by_what_is_in_flight():
    a, b = pair(1000, 5000)
    handshake(a, b)
    for k in range(300):
        t = 1.0 + k * 0.01
        for seg in a.send(b"z" * 10, t):
            for ack in b.receive(seg, t):
                a.receive(ack, t)
        assert len(a.recovery.queue) <= 1 and a.in_flight == 0
    assert bytes(b.received) == b"z" * 3000
    b.abort(5.0)
    assert b.reassembly.ooo == {} and b.recovery.queue == []


def test_the_send_buffer_is_bounded():
    from tcplab.endpoint.endpoint import MAX_SEND

    a, b = pair(1000, 5000)
    handshake(a, b)
    a.send(b"x" * (MAX_SEND - 10), 1.0)  # most of it waits for the peer's window
    with pytest.raises(ValueError, match="send buffer already holds"):
        a.send(b"y" * 70_000, 1.1)  # more than the 65,535 bytes the window let out
