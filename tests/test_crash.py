"""A dead process still says goodbye (FIN, or RST if data was lost); a dead host says nothing."""

import pytest

from tcplab.fsm import State
from tcplab.sim.crash import crash_summary, run_crash


def segments_from(result, host):
    tr = result.trace
    return list(tr.loc[(tr["sender"] == host) & (tr["time"] >= 2.0), "flags"])


def test_a_dead_process_closes_like_close_and_the_peer_sees_end_of_file():
    r = run_crash("process")
    assert segments_from(r, "A")[0] == "FIN+ACK"
    assert r.errors() == {"A": [], "B": []}
    assert r.endpoint("B").state is State.CLOSED


def test_unread_data_turns_the_goodbye_into_a_reset():
    r = run_crash("process-unread")
    assert segments_from(r, "A") == ["RST+ACK"]  # Linux: tcp_send_active_reset() sets ACK
    assert r.errors()["B"] == ["connection reset"]
    assert segments_from(run_crash("process-unread", timers="rfc"), "A") == ["RST"]


def test_a_dead_host_sends_nothing_and_the_peer_learns_only_by_sending():
    silent = run_crash("host", server_sends_at=None)
    assert segments_from(silent, "A") == [] and segments_from(silent, "B") == []
    assert silent.endpoint("B").state is State.ESTABLISHED  # after 120 s: still believes
    talking = run_crash("host")
    tr = talking.trace
    assert (tr.loc[tr["sender"] == "B", "fate"].iloc[-1]) == "lost"
    assert talking.errors()["B"] == ["connection timed out"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown crash kind 'power'"):
        run_crash("power")
    with pytest.raises(ValueError, match="crash_at"):
        run_crash("host", crash_at=0.1)


def test_the_summary_says_when_and_how_b_finds_out():
    proc = crash_summary(run_crash("process"))
    assert proc["A sends after the crash"].startswith("FIN")
    assert proc["B notices at (s)"] == pytest.approx(2.05)  # one one-way delay later
    assert proc["B's state then"] == "CLOSE-WAIT"
    unread = crash_summary(run_crash("process-unread"))
    assert (unread["B's state then"], unread["B's error"]) == ("CLOSED", "connection reset")
    silent = crash_summary(run_crash("host", server_sends_at=None))
    assert silent["A sends after the crash"] == "nothing"
    assert silent["B notices at (s)"] is None and silent["B at the end"] == "ESTABLISHED"
    talking = crash_summary(run_crash("host"))
    assert talking["B's error"] == "connection timed out" and talking["B notices at (s)"] > 900
