"""Every scenario of the library, with its expected outcome asserted."""

import pytest

from tcplab.fsm import State
from tcplab.sim.network import Network, Rule, SimulationLimitError
from tcplab.sim.scenarios import LOSS_POINTS, get_scenario, list_scenarios, run_scenario
from tcplab.sim.trace import (
    data_corrupted,
    is_retransmission,
    retransmissions,
    retransmitted,
    summary,
)

A, B = "A", "B"


def rows(r, **match):
    df = r.trace
    for k, v in match.items():
        df = df[df[k] == v]
    return df


def rtx(r):
    return [
        (round(t, 3), s, k)
        for t, s, k in retransmissions(r.trace)[["time", "sender", "kind"]].itertuples(index=False)
    ]


def test_registry_lists_every_required_scenario():
    names = set(list_scenarios())
    required = {
        "handshake-lost-syn",
        "handshake-lost-synack",
        "handshake-lost-ack",
        "close-lost-fin1",
        "close-lost-ack1",
        "close-lost-fin2",
        "close-lost-ack2",
        "data-on-third-segment",
        "close-three-way",
        "half-close",
        "simultaneous-open",
        "simultaneous-close",
        "old-duplicate-syn",
        "old-duplicate-syn-two-way",
        "timewait-too-short",
        "timewait-old-duplicate-data",
        "rebooted-client",
        "keepalive-dead-peer",
        "connection-refused",
    }
    assert required <= names
    for n in names:
        s = get_scenario(n)
        assert s.description and s.expected


def test_unknown_scenario_and_parameter_are_clear_errors():
    with pytest.raises(ValueError, match="nope"):
        run_scenario("nope")
    with pytest.raises(ValueError, match="colour"):
        run_scenario("handshake", colour="red")


def test_handshake_three_segments_seq_ack_arithmetic():
    r = run_scenario("handshake", client_iss=100, server_iss=300)
    df = r.trace
    assert list(df["flags"]) == ["SYN", "SYN+ACK", "ACK"]
    assert list(df["seq"]) == [100, 300, 101]
    assert list(df["ack"].fillna(-1)) == [-1, 101, 301]
    assert r.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}


def test_lost_syn_client_retransmits_after_1s():
    r = run_scenario("handshake-lost-syn", client_iss=100)
    assert rtx(r) == [(1.0, A, "SYN")]
    assert list(rows(r, kind="SYN")["seq"]) == [100, 100]
    assert r.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}


def test_lost_synack_retransmitted_syn_arrives_first_and_rearms_the_timer():
    # facts.md §13 (Linux 6.18): the retransmitted SYN reaches B just as B's SYN-ACK timer
    # falls due; B answers the SYN and re-arms the request timer (tcp_check_req()): no
    # second SYN-ACK from the timer, no duplicate ACK. 5 segments.
    r = run_scenario("handshake-lost-synack")
    assert list(r.trace["flags"]) == ["SYN", "SYN+ACK", "SYN", "SYN+ACK", "ACK"]
    assert rtx(r) == [(1.0, A, "SYN"), (1.05, B, "SYN-ACK")]
    assert "SYN-ACK again" in rows(r, kind="SYN-ACK").iloc[1]["note"]
    assert r.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}
    # RFC 9293: the duplicate SYN gets an ACK from the sequence check; the timer resends.
    rfc = run_scenario("handshake-lost-synack", timers="rfc")
    assert rfc.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}


def test_lost_third_ack_server_retransmits_synack_client_reacks():
    r = run_scenario("handshake-lost-ack")
    assert rtx(r) == [(1.05, B, "SYN-ACK")]
    last = r.trace.iloc[-1]
    assert (last["sender"], last["kind"], last["dst_state_after"]) == (A, "ACK", "ESTABLISHED")
    # The lost ACK itself is never retransmitted by A.
    assert not any(s == A and k == "ACK" for _, s, k in rtx(r))
    r2 = run_scenario("handshake-lost-ack", client_data=b"hi")
    assert rtx(r2) == []  # the data segment's ACK completed the handshake first
    assert bytes(r2.endpoint(B).received) == b"hi"


@pytest.mark.parametrize(
    ("timers", "sends", "give_up"),
    [
        ("linux", [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], 131),  # facts.md §1, Linux 6.18
        ("linux-pre-6.5", [0, 1, 3, 7, 15, 31, 63], 127),
        ("rfc", [0, 1, 3, 7, 15, 31, 63, 127], 247),  # MUST-23: at least 3 minutes
    ],
)
def test_syn_timeout_timeline(timers, sends, give_up):
    r = run_scenario("syn-timeout", timers=timers)
    assert list(rows(r, kind="SYN")["time"]) == sends
    ev = r.events
    gave_up = ev[(ev["host"] == A) & (ev["state_after"] == "CLOSED") & (ev["kind"] == "state")]
    assert gave_up["time"].iloc[0] == pytest.approx(give_up)
    assert r.errors()[A] == ["connection timed out"]


def test_synack_timeout_expires_at_63s_back_to_listen():
    r = run_scenario("synack-timeout")
    times = list(rows(r, kind="SYN-ACK")["time"])
    assert times == pytest.approx([0.05, 1.05, 3.05, 7.05, 15.05, 31.05])
    ev = r.events
    back = ev[(ev["host"] == B) & (ev["state_after"] == "LISTEN") & (ev["kind"] == "state")]
    assert back["time"].iloc[-1] == pytest.approx(63.05)
    assert r.hosts[B].conns == {}


def test_data_on_third_segment():
    r = run_scenario("data-on-third-segment")
    third = r.trace.iloc[2]
    assert third["sender"] == A and third["payload"] > 0 and third["flags"] == "PSH+ACK"
    assert (r.trace.iloc[0]["payload"], r.trace.iloc[1]["payload"]) == (0, 0)
    assert bytes(r.endpoint(B).received).startswith(b"GET /")


def test_simultaneous_open_six_segments_both_established():
    # facts.md §13: each side ACKs the peer's SYN-ACK (it repeats a SYN already received).
    r = run_scenario("simultaneous-open")
    assert sorted(r.trace["flags"]) == ["ACK", "ACK", "SYN", "SYN", "SYN+ACK", "SYN+ACK"]
    acks = rows(r, kind="ACK")
    assert set(acks["time"]) == {0.1} and set(acks["sender"]) == {A, B}
    assert set(r.trace["dst_state_after"]) >= {"SYN_RECEIVED", "ESTABLISHED"}
    assert r.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}


def test_old_duplicate_syn_three_way_vs_two_way():
    three = run_scenario("old-duplicate-syn")
    assert list(three.trace["flags"]) == ["SYN", "SYN+ACK", "RST"]
    assert three.trace.iloc[2]["seq"] == 91  # RST seq = SEG.ACK of the SYN-ACK
    b3 = three.endpoint(B)
    assert b3.accepted_at is None and b3.state is State.LISTEN and b3.error is None
    two = run_scenario("old-duplicate-syn-two-way")
    b2 = two.endpoint(B)
    assert b2.accepted_at == pytest.approx(0.5)  # the application got a connection
    assert b2.error == "connection reset"
    # Client down: the three-way server gives up at 63 s, the two-way one holds on.
    three_down = run_scenario("old-duplicate-syn", client_up=False)
    assert three_down.endpoint(B).state is State.LISTEN
    two_down = run_scenario("old-duplicate-syn-two-way", client_up=False)
    assert two_down.endpoint(B).state is State.ESTABLISHED


def test_close_four_way_and_time_wait_60s():
    r = run_scenario("close-four-way")
    close = r.trace.iloc[3:]
    assert list(close["flags"]) == ["FIN+ACK", "ACK", "FIN+ACK", "ACK"]
    assert list(close["dst_state_after"]) == ["CLOSE_WAIT", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"]
    ev = r.events
    tw_end = ev[
        (ev["host"] == A) & (ev["state_before"] == "TIME_WAIT") & (ev["state_after"] == "CLOSED")
    ]["time"].iloc[0]
    assert tw_end == pytest.approx(1.6 + 60)
    rfc = run_scenario("close-four-way", timers="rfc")
    ev = rfc.events
    tw_end = ev[
        (ev["host"] == A) & (ev["state_before"] == "TIME_WAIT") & (ev["state_after"] == "CLOSED")
    ]["time"].iloc[0]
    assert tw_end == pytest.approx(1.6 + 240)


def test_three_way_close_merges_ack_and_fin():
    # Linux merges the ACK into the FIN only in delayed-ACK mode, after data (facts.md §13).
    r = run_scenario("close-three-way")
    close = r.trace.iloc[4:]
    assert list(close["flags"]) == ["FIN+ACK", "FIN+ACK", "ACK"]
    assert close.iloc[1]["dst_state_before"] == "FIN_WAIT_1"
    assert close.iloc[1]["dst_state_after"] == "TIME_WAIT"
    assert close.iloc[2]["kind"] == "ACK"  # the last segment is an ACK, not a FIN


@pytest.mark.parametrize(
    ("name", "who", "what"),
    [
        ("close-lost-fin1", A, "FIN"),
        ("close-lost-ack1", A, "FIN"),
        ("close-lost-fin2", B, "FIN"),
        ("close-lost-ack2", B, "FIN"),
    ],
)
def test_close_losses_the_fin_sender_retransmits(name, who, what):
    r = run_scenario(name)
    assert [(s, k) for _, s, k in rtx(r)] == [(who, what)]
    assert not any(k == "ACK" for _, _, k in rtx(r))  # a lost ACK is never retransmitted
    assert r.final_states() == {A: State.CLOSED, B: State.CLOSED}
    assert r.errors() == {A: [], B: []}


def test_lost_final_ack_time_wait_reacks_and_restarts():
    r = run_scenario("close-lost-ack2")
    reack = r.trace.iloc[-1]
    assert reack["sender"] == A and reack["src_state_after"] == "TIME_WAIT"
    assert "restart 2MSL" in reack["note"] and reack["dst_state_after"] == "CLOSED"
    ev = r.events
    tw_end = ev[
        (ev["host"] == A) & (ev["state_before"] == "TIME_WAIT") & (ev["state_after"] == "CLOSED")
    ]["time"].iloc[0]
    assert tw_end == pytest.approx(reack["time"] + 60)


def test_time_wait_cut_short_retransmitted_fin_meets_rst():
    r = run_scenario("timewait-too-short")
    last = r.trace.iloc[-1]
    assert (last["sender"], last["flags"], last["src_state_after"]) == (A, "RST", "CLOSED")
    assert last["dst_state_before"] == "LAST_ACK" and last["dst_state_after"] == "CLOSED"
    assert r.errors()[B] == ["connection reset"]


def test_simultaneous_close_goes_through_closing():
    r = run_scenario("simultaneous-close")
    for host in (A, B):
        path = [s.target for s in r.endpoint(host).history]
        assert path[-4:] == [State.FIN_WAIT_1, State.CLOSING, State.TIME_WAIT, State.CLOSED]
    # Linux 6.18 on the wire: FIN, FIN, ACK, ACK after the handshake — the ACK that moves a
    # side CLOSING → TIME-WAIT is not answered (kernel-findings 11:02).
    for timers in ("linux", "rfc"):
        r = run_scenario("simultaneous-close", timers=timers)
        assert list(r.trace["flags"])[3:] == ["FIN+ACK", "FIN+ACK", "ACK", "ACK"]


def test_half_close_passive_side_keeps_sending():
    r = run_scenario("half-close")
    data_b = rows(r, sender=B, kind="DATA")
    assert len(data_b) == 3 and set(data_b["src_state_after"]) == {"CLOSE_WAIT"}
    assert set(data_b["dst_state_after"]) == {"FIN_WAIT_2"}
    assert bytes(r.endpoint(A).received) == b"reply part 1;reply part 2;reply part 3;"
    assert not data_corrupted(r)


def test_fin_wait_2_orphan_timeout_then_rst():
    r = run_scenario("fin-wait-2-timeout")
    ev = r.events
    gone = ev[
        (ev["host"] == A) & (ev["state_before"] == "FIN_WAIT_2") & (ev["state_after"] == "CLOSED")
    ]["time"].iloc[0]
    assert gone == pytest.approx(1.1 + 60)
    assert r.trace.iloc[-1]["flags"] == "RST" and r.errors()[B] == ["connection reset"]


def test_2msl_reason_b_old_duplicate_corrupts_only_when_time_wait_is_short():
    short = run_scenario("timewait-old-duplicate-data")
    assert data_corrupted(short)
    assert bytes(short.hosts[A].endpoints[1].received) == b"OLD-DATA"
    safe = run_scenario("timewait-old-duplicate-data", time_wait=60)
    assert not data_corrupted(safe)
    assert bytes(safe.hosts[A].endpoints[1].received) == b"NEW-DATA"
    dup = rows(safe, fate="duplicate").iloc[0]
    assert dup["dst_state_before"] == "TIME_WAIT"


def test_rebooted_client_challenge_ack_rst_reconnect():
    r = run_scenario("rebooted-client")
    df = r.trace
    syn = df[(df["time"] == 7.0)].iloc[0]
    assert syn["kind"] == "SYN" and syn["dst_state_after"] == "ESTABLISHED"
    ch = df.iloc[df.index.get_loc(syn.name) + 1]
    assert ch["sender"] == B and "challenge ACK" in ch["note"]
    rst = df.iloc[df.index.get_loc(syn.name) + 2]
    b_old = r.hosts[B].endpoints[0]
    assert rst["flags"] == "RST" and rst["seq"] == ch["ack"] == b_old.rcv_nxt
    assert b_old.state is State.CLOSED and b_old.error == "connection reset"
    # facts.md §13: Linux re-arms the SYN timer at TCP_TIMEOUT_MIN after that RST (9 ms
    # measured on 6.18), not at the next backoff; the RFC preset waits for its RTO.
    assert rtx(r) == [(7.108, A, "SYN")]
    assert r.final_states() == {A: State.ESTABLISHED, B: State.ESTABLISHED}
    assert rtx(run_scenario("rebooted-client", timers="rfc")) == [(8.0, A, "SYN")]


def test_keepalive_finds_a_dead_peer_after_7875s():
    r = run_scenario("keepalive-dead-peer")
    probes = r.trace[r.trace["note"].str.startswith("keepalive probe")]
    last_heard = 1.10
    assert list(probes["time"]) == pytest.approx([last_heard + 7200 + 75 * k for k in range(9)])
    # Linux tcp_send_active_reset(): RST+ACK with ACK = RCV.NXT (facts.md §13).
    last = r.trace.iloc[-1]
    assert last["flags"] == "RST+ACK" and last["ack"] == r.endpoint(A).rcv_nxt
    assert r.trace.iloc[-1]["time"] == pytest.approx(last_heard + 7875)
    assert run_scenario("keepalive-dead-peer", timers="rfc").trace.iloc[-1]["flags"] == "RST"
    assert r.errors()[A] == ["connection timed out"]
    rb = run_scenario("keepalive-dead-peer", peer="rebooted")
    assert rb.errors()[A] == ["connection reset"]


def test_connection_refused():
    r = run_scenario("connection-refused", client_iss=100)
    assert list(r.trace["flags"]) == ["SYN", "RST+ACK"]
    assert r.trace.iloc[1]["ack"] == 101
    assert r.errors()[A] == ["connection refused"]


def test_rst_injection_three_cases():
    r = run_scenario("rst-injection")
    forged = r.trace[r.trace["fate"] == "forged"]
    assert list(forged["dst_state_after"]) == ["ESTABLISHED", "ESTABLISHED", "CLOSED"]
    assert len(r.trace[r.trace["note"].str.contains("challenge ACK")]) == 1


def test_lossy_transfer_is_exact_and_deterministic():
    r1 = run_scenario("lossy-transfer", seed=7)
    r2 = run_scenario("lossy-transfer", seed=7)
    assert (r1.trace["fate"] == "lost").any()
    assert r1.trace.drop(columns=[]).equals(r2.trace)
    assert len(r1.endpoint(B).received) == 20000 and not data_corrupted(r1)
    r3 = run_scenario("lossy-transfer", seed=8)
    assert not r3.trace.equals(r1.trace)


@pytest.mark.parametrize("name", list_scenarios())
def test_every_scenario_is_deterministic(name):
    assert run_scenario(name, seed=3).trace.equals(run_scenario(name, seed=3).trace)
    assert summary(run_scenario(name, seed=3))


@pytest.mark.parametrize("name", ["handshake", "close-four-way", "close-lost-ack2", "half-close"])
def test_scenarios_work_across_the_wrap(name):
    r = run_scenario(name, client_iss=2**32 - 1, server_iss=2**32 - 2)
    assert r.final_states()[A] in (State.ESTABLISHED, State.CLOSED)
    assert r.errors() == {A: [], B: []}
    assert not data_corrupted(r)


def test_max_events_guard_names_itself():
    net = Network(max_events=5)
    a, b = net.add_host("A", "10.0.0.1"), net.add_host("B", "10.0.0.2")
    b.listen(80)
    net.at(0, lambda t: a.connect(t, 40000, b, 80))
    with pytest.raises(SimulationLimitError, match="max_events"):
        net.run()


@pytest.mark.parametrize(
    "kw", [{"delay": -1}, {"loss": 1.5}, {"duplicate": -0.1}, {"reorder": float("nan")}]
)
def test_bad_network_parameters(kw):
    with pytest.raises(ValueError, match=str(next(iter(kw.values()))).replace(".", r"\.")):
        Network(**kw)


def test_rules_validate_and_count():
    with pytest.raises(ValueError, match="SYNN"):
        Rule("drop", "SYNN")
    with pytest.raises(ValueError, match="explode"):
        Rule("explode")
    r = Rule("drop", sender="A", nth=2)
    assert "#2" in r.description


def test_a_crashed_host_keeps_no_connection_state():
    """A crash deletes TCBs without a transition: results must not show them alive."""
    from tcplab.viz.timeline import state_spans

    r = run_scenario("keepalive-dead-peer")
    assert r.final_states()["B"] is State.CLOSED
    lost = r.events[r.events["what"] == "TCB lost in the crash"]
    assert len(lost) == 1 and lost.iloc[0]["state_after"] == "CLOSED"
    spans = state_spans(run_scenario("synack-timeout"))["A"]
    assert spans[-1][2] == "CLOSED" or spans[-1][1] < 1.0  # A's SYN-SENT ends at the crash
    assert all(not (st == "SYN_SENT" and end > 1.0) for _, end, st in spans)


def test_the_pure_retransmission_rule_and_the_trace_agree():
    seen = 0
    for lose in LOSS_POINTS:
        for timers in ("linux", "rfc"):
            r = run_scenario("connection", lose=lose, close=True, timers=timers)
            plain = [(x["time"], x["sender"], x["kind"]) for x in retransmitted(r.records)]
            frame = retransmissions(r.trace)[["time", "sender", "kind"]].itertuples(index=False)
            assert plain == [tuple(f) for f in frame], (lose, timers)
            seen += len(plain)
    assert seen > 0
    assert is_retransmission("retransmission #2 (SYN)")
    assert is_retransmission("retransmitted SYN: SYN-ACK again")
    assert not is_retransmission("challenge ACK") and not is_retransmission(None)
