"""Story-style tests of the RFC 9293 state machine, generated from the table itself."""

from __future__ import annotations

from collections import deque

import pytest

import tcplab
from tcplab import (
    ARCS,
    TRANSITIONS,
    Event,
    InvalidTransition,
    Origin,
    Send,
    State,
    TcpStateMachine,
    Timer,
)
from tcplab.fsm import SYNCHRONIZED_STATES, legal_events

E, S = Event, State


def path_to(state: State, origin: Origin | None = None) -> list[Event]:
    """Shortest event sequence from CLOSED reaching ``state`` (with ``origin`` if given)."""
    start = TcpStateMachine()
    queue: deque[tuple[State, Origin | None, list[Event]]] = deque([(start.state, None, [])])
    seen = set()
    while queue:
        st, org, events = queue.popleft()
        if st is state and (origin is None or org is origin):
            return events
        if (st, org) in seen:
            continue
        seen.add((st, org))
        for ev in Event:
            m = TcpStateMachine(state=st, origin=org)
            if m.can_handle(ev):
                m.handle(ev)
                queue.append((m.state, m.origin, [*events, ev]))
    raise AssertionError(f"{state} ({origin}) is unreachable from CLOSED")


def machine_in(state: State, origin: Origin | None = None) -> TcpStateMachine:
    m = TcpStateMachine()
    m.run(path_to(state, origin))
    assert m.state is state
    return m


# --- the public contract --------------------------------------------------------------


def test_public_names_are_importable_from_tcplab():
    assert {s.name for s in State} == {
        "CLOSED",
        "LISTEN",
        "SYN_SENT",
        "SYN_RECEIVED",
        "ESTABLISHED",
        "FIN_WAIT_1",
        "FIN_WAIT_2",
        "CLOSE_WAIT",
        "CLOSING",
        "LAST_ACK",
        "TIME_WAIT",
    }
    assert {e.name for e in Event} >= {
        "PASSIVE_OPEN",
        "ACTIVE_OPEN",
        "SEND",
        "CLOSE",
        "ABORT",
        "RCV_SYN",
        "RCV_SYN_ACK",
        "RCV_ACK",
        "RCV_FIN",
        "RCV_FIN_ACK",
        "RCV_RST",
        "TIMEOUT",
    }
    assert issubclass(tcplab.InvalidTransition, ValueError)
    assert TcpStateMachine().state is State.CLOSED


def test_import_tcplab_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, tcplab; heavy = [m for m in ('pandas', 'matplotlib', 'ipywidgets', "
        "'graphviz', 'numpy', 'nbformat') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_row_cites_rfc_9293_or_the_rfc_it_incorporates():
    for arc in ARCS:
        assert arc.rfc.startswith("RFC "), arc
        assert arc.note, arc


# --- every arc, as a story --------------------------------------------------------------


@pytest.mark.parametrize("arc", ARCS, ids=lambda a: f"{a.source.name}-{a.event.name}-{a.origin}")
def test_every_arc(arc):
    m = machine_in(arc.source, arc.origin)
    before = len(m.history)
    step = m.handle(arc.event)
    assert (step.source, step.event, step.target) == (arc.source, arc.event, arc.target)
    assert step.send is arc.send and step.timer is arc.timer
    assert m.state is arc.target
    assert m.history[-1] == step and len(m.history) == before + 1


ILLEGAL = [(st, ev) for st in State for ev in Event if (st, ev) not in TRANSITIONS]


@pytest.mark.parametrize("state,event", ILLEGAL, ids=lambda x: x.name)
def test_every_illegal_event_raises_and_leaves_the_state(state, event):
    m = machine_in(state)
    history = list(m.history)
    with pytest.raises(InvalidTransition) as info:
        m.handle(event)
    assert m.state is state and m.history == history
    msg = str(info.value)
    assert state.name in msg and event.name in msg
    for legal in legal_events(state):
        assert legal.name in msg
    assert info.value.legal == legal_events(state)


def test_there_are_illegal_events_in_every_state():
    for state in State:
        assert any((state, ev) not in TRANSITIONS for ev in Event), state


def test_every_state_reachable_and_can_return_to_closed():
    for state in State:
        m = machine_in(state)
        # From here, some sequence of legal events leads back to CLOSED.
        frontier, seen = [m.state], set()
        while frontier:
            st = frontier.pop()
            if st in seen:
                continue
            seen.add(st)
            frontier += [a.target for a in ARCS if a.source is st]
        assert State.CLOSED in seen, state


def test_required_rows_exist():
    """The rows issue #2 names explicitly."""
    want = {
        (S.SYN_SENT, E.RCV_SYN): S.SYN_RECEIVED,
        (S.FIN_WAIT_1, E.RCV_FIN): S.CLOSING,
        (S.FIN_WAIT_1, E.RCV_FIN_ACK): S.TIME_WAIT,
        (S.TIME_WAIT, E.RCV_FIN): S.TIME_WAIT,
        (S.TIME_WAIT, E.TIMEOUT): S.CLOSED,
        (S.LISTEN, E.CLOSE): S.CLOSED,
        (S.SYN_SENT, E.CLOSE): S.CLOSED,
        (S.LISTEN, E.SEND): S.SYN_SENT,
    }
    for key, target in want.items():
        (arc,) = TRANSITIONS[key]
        assert arc.target is target, key
    for st in SYNCHRONIZED_STATES:
        assert TRANSITIONS[(st, E.RCV_RST)][0].target is S.CLOSED
        assert TRANSITIONS[(st, E.RCV_SYN)][0].target is st
        assert TRANSITIONS[(st, E.RCV_SYN)][0].send is Send.CHALLENGE_ACK
        assert TRANSITIONS[(st, E.ABORT)][0].target is S.CLOSED
    rst = {a.origin: a.target for a in TRANSITIONS[(S.SYN_RECEIVED, E.RCV_RST)]}
    assert rst == {Origin.PASSIVE: S.LISTEN, Origin.ACTIVE: S.CLOSED}
    tw = TRANSITIONS[(S.TIME_WAIT, E.RCV_FIN)][0]
    assert tw.send is Send.ACK and tw.timer is Timer.RESTART_2MSL


def test_linux_differences_are_noted():
    assert "60 s" in TRANSITIONS[(S.TIME_WAIT, E.TIMEOUT)][0].linux
    assert "240 s" in TRANSITIONS[(S.TIME_WAIT, E.TIMEOUT)][0].linux
    assert "SYN" in TRANSITIONS[(S.TIME_WAIT, E.RCV_SYN)][0].linux


# --- stories a student can retell ---------------------------------------------------------


def test_client_side_of_a_whole_connection():
    c = TcpStateMachine()
    sends = [
        c.handle(ev).send
        for ev in (E.ACTIVE_OPEN, E.RCV_SYN_ACK, E.CLOSE, E.RCV_ACK, E.RCV_FIN, E.TIMEOUT)
    ]
    assert sends == [Send.SYN, Send.ACK, Send.FIN, Send.NONE, Send.ACK, Send.NONE]
    assert [t.target for t in c.history] == [
        S.SYN_SENT,
        S.ESTABLISHED,
        S.FIN_WAIT_1,
        S.FIN_WAIT_2,
        S.TIME_WAIT,
        S.CLOSED,
    ]
    assert c.history[4].timer is Timer.START_2MSL


def test_server_side_of_a_whole_connection():
    s = TcpStateMachine()
    s.run([E.PASSIVE_OPEN, E.RCV_SYN, E.RCV_ACK])
    assert s.state is S.ESTABLISHED
    assert s.handle(E.RCV_FIN).send is Send.ACK and s.state is S.CLOSE_WAIT
    assert s.handle(E.SEND).send is Send.DATA  # half-close: the server may still send
    assert s.handle(E.CLOSE).send is Send.FIN and s.state is S.LAST_ACK
    s.handle(E.RCV_ACK)
    assert s.state is S.CLOSED  # the passive closer never waits in TIME-WAIT


def test_three_way_close_skips_fin_wait_2():
    c = machine_in(S.ESTABLISHED)
    c.run([E.CLOSE, E.RCV_FIN_ACK])
    assert c.state is S.TIME_WAIT


def test_simultaneous_open_and_close():
    a, b = TcpStateMachine(), TcpStateMachine()
    a.handle(E.ACTIVE_OPEN)
    b.handle(E.ACTIVE_OPEN)
    assert a.handle(E.RCV_SYN).send is Send.SYN_ACK and a.state is S.SYN_RECEIVED
    b.handle(E.RCV_SYN)
    a.handle(E.RCV_ACK)
    b.handle(E.RCV_ACK)
    assert a.state is b.state is S.ESTABLISHED
    a.handle(E.CLOSE)
    b.handle(E.CLOSE)
    a.handle(E.RCV_FIN)
    b.handle(E.RCV_FIN)
    assert a.state is b.state is S.CLOSING
    a.handle(E.RCV_ACK)
    assert a.state is S.TIME_WAIT  # both sides wait: both closed actively


def test_reset_in_syn_received_depends_on_how_the_tcb_was_opened():
    server = machine_in(S.SYN_RECEIVED, Origin.PASSIVE)
    server.handle(E.RCV_RST)
    assert server.state is S.LISTEN
    client = machine_in(S.SYN_RECEIVED, Origin.ACTIVE)
    client.handle(E.RCV_RST)
    assert client.state is S.CLOSED


def test_listener_turned_active_by_send_resets_to_closed():
    m = TcpStateMachine()
    m.run([E.PASSIVE_OPEN, E.SEND, E.RCV_SYN])  # SEND on a listener makes it active
    assert m.state is S.SYN_RECEIVED and m.origin is Origin.ACTIVE
    m.handle(E.RCV_RST)
    assert m.state is S.CLOSED


def test_lost_last_ack_story():
    """TIME-WAIT answers the retransmitted FIN and restarts its timer."""
    c = machine_in(S.TIME_WAIT)
    step = c.handle(E.RCV_FIN_ACK)
    assert (step.target, step.send, step.timer) == (S.TIME_WAIT, Send.ACK, Timer.RESTART_2MSL)


def test_syn_on_established_gets_a_challenge_ack_not_a_reset():
    m = machine_in(S.ESTABLISHED)
    step = m.handle(E.RCV_SYN)
    assert step.send is Send.CHALLENGE_ACK and m.state is S.ESTABLISHED


def test_closed_answers_segments_with_rst_but_never_an_rst():
    m = TcpStateMachine()
    assert m.handle(E.RCV_SYN).send is Send.RST
    assert m.handle(E.RCV_RST).send is Send.NONE


def test_events_may_be_given_by_name_and_bad_names_are_explained():
    m = TcpStateMachine()
    m.handle("active_open")
    assert m.state is S.SYN_SENT
    with pytest.raises(ValueError, match="unknown event 'FLY'.*expected one of"):
        m.handle("FLY")


def test_linux_state_numbers_round_trip():
    for st in State:
        assert State.from_linux(st.linux_number) is st
    assert State.from_linux(12) is S.SYN_RECEIVED
    with pytest.raises(ValueError, match="99"):
        State.from_linux(99)


def test_reset_clears_history():
    m = machine_in(S.ESTABLISHED)
    m.reset()
    assert m.state is S.CLOSED and m.history == [] and m.origin is None


def test_user_timeout_gives_up_silently():
    """RFC 9293 §3.10.8: retransmissions given up; no RST, unlike ABORT."""
    c = machine_in(S.SYN_SENT)
    step = c.handle(E.USER_TIMEOUT)
    assert (step.target, step.send) == (S.CLOSED, Send.NONE)
    assert "131 s" in step.arc.linux and "127 s" in step.arc.linux  # ≥ 6.5 and before
    server = machine_in(S.SYN_RECEIVED, Origin.PASSIVE)
    assert server.handle(E.USER_TIMEOUT).target is S.LISTEN  # the listener carries on
    assert "63 s" in TRANSITIONS[(S.SYN_RECEIVED, E.USER_TIMEOUT)][0].linux
    fw2 = TRANSITIONS[(S.FIN_WAIT_2, E.USER_TIMEOUT)][0]
    assert fw2.target is S.CLOSED and "tcp_fin_timeout" in fw2.linux
    for st in (S.CLOSED, S.LISTEN, S.TIME_WAIT):
        assert (st, E.USER_TIMEOUT) not in TRANSITIONS
