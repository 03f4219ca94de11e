"""Losing each handshake/close segment in turn, summarised; the retry timeline picture."""

import pytest

pytest.importorskip("matplotlib")

from tcplab.timers import LINUX
from tcplab.viz.losses import loss_frame, phase_done
from tcplab.viz.retries import retry_plot, simulated_send_times


def test_handshake_losses_say_who_retransmits_and_what_each_side_believes():
    f = loss_frame("handshake")
    assert list(f.index) == ["syn", "synack", "ack3"]
    assert f.loc["syn", "retransmissions"] == "A: SYN at 1 s"
    assert f.loc["syn", "B meanwhile"] == "LISTEN"  # B never knew
    assert "B: SYN-ACK" in f.loc["synack", "retransmissions"]
    # The lost third segment: A believes the connection is open, B is still half-open.
    assert (f.loc["ack3", "A meanwhile"], f.loc["ack3", "B meanwhile"]) == (
        "ESTABLISHED",
        "SYN-RECEIVED",
    )
    assert f.loc["ack3", "retransmissions"].startswith("B: SYN-ACK")  # never A's ACK
    assert list(f["later by (s)"]) == pytest.approx([1.0, 1.0, 1.0])  # one initial RTO each


def test_close_losses_are_repaired_by_the_fin_sender_never_by_an_ack():
    f = loss_frame("close")
    assert list(f.index) == ["fin1", "ack1", "fin2", "ack2"]
    assert f.loc["ack1", "retransmissions"].startswith("A: FIN")
    assert f.loc["ack2", "retransmissions"].startswith("B: FIN")
    assert f.loc["ack2", "A meanwhile"] == "TIME-WAIT"
    assert not f["retransmissions"].str.contains("ACK").any()


def test_rfc_timers_let_the_fin_repair_a_lost_ack():
    f = loss_frame("close", timers="rfc")
    # With a 1 s minimum RTO, B's FIN (carrying the ACK) arrives before A's retry.
    assert f.loc["ack1", "retransmissions"] == "none"


def test_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="phase = 'teardown': expected one of"):
        loss_frame("teardown")
    with pytest.raises(ValueError, match="phase = 'teardown'"):
        phase_done(None, "teardown")


def test_simulated_retries_match_the_timer_arithmetic():
    assert simulated_send_times("SYN") == LINUX.syn_timeline().send_times
    assert simulated_send_times("SYN-ACK") == LINUX.synack_timeline().send_times
    with pytest.raises(ValueError, match="kind = 'FIN': expected one of 'SYN', 'SYN-ACK'"):
        simulated_send_times("FIN")


def test_retry_plot_marks_both_give_ups():
    fig = retry_plot()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "connect() gives up at 131 s" in texts  # Linux ≥ 6.5 (tcp_syn_linear_timeouts)
    assert "request dropped at 63 s" in texts
