"""Live labs on the local Linux stack vs. the listener model (Linux only)."""

import json
import socket
import sys

import pytest

from tcplab import State
from tcplab.__main__ import main
from tcplab.live import (
    accept_queue_experiment,
    close_wait_experiment,
    live_available,
    stack,
    tcp_state,
    time_wait_experiment,
)

AVAILABLE, REASON = live_available()
live = pytest.mark.skipif(not AVAILABLE, reason=f"live labs unavailable: {REASON}")
pytestmark = pytest.mark.live


@live
@pytest.mark.parametrize("backlog", [0, 1, 4, 16])
def test_kernel_admits_backlog_plus_one_as_the_model_predicts(backlog):
    clients = backlog + 5
    r = accept_queue_experiment(backlog, clients)
    obs, pred = r["observed"], r["predicted"]
    assert obs["ESTABLISHED"] == backlog + 1 == pred["ESTABLISHED"]
    assert obs["SYN_SENT"] == 4 == pred["SYN_SENT"]
    assert obs["accept_queue"] == backlog + 1 == pred["accept_queue"]
    # system-wide counters: at least our 4 dropped SYNs (other traffic may add more)
    assert obs["ListenOverflows"] >= pred["ListenOverflows"] == 4
    assert obs["ListenDrops"] >= 4
    assert r["match"]


@live
def test_sysctls_are_read_from_proc():
    knobs = stack.read_sysctls()
    assert {"somaxconn", "tcp_syncookies", "tcp_abort_on_overflow", "tcp_max_syn_backlog"} <= set(
        knobs
    )
    assert knobs["tcp_syncookies"] in (0, 1, 2)
    assert "ListenOverflows" in stack.read_netstat()


@live
def test_time_wait_after_an_active_close():
    r = time_wait_experiment()
    states = [(s["client"], s["server"]) for s in r["steps"][:2]]
    assert states == [("ESTABLISHED", "ESTABLISHED"), ("FIN_WAIT_2", "CLOSE_WAIT")]
    assert r["time_wait_seen"]
    assert "TIME_WAIT" in r["steps"][2]["proc_net_tcp_client_tuple"]


@live
def test_close_wait_left_by_a_peer_that_never_closes():
    r = close_wait_experiment(hold=0.05)
    assert (r["client"], r["server"]) == ("FIN_WAIT_2", "CLOSE_WAIT")
    assert r["server_read_eof"]
    assert r["proc_net_tcp_server"] == ["CLOSE_WAIT"]


@live
def test_tcp_state_of_a_listener_and_a_fresh_socket():
    with socket.socket() as s:
        assert tcp_state(s) is State.CLOSED  # TCP_CLOSE = 7
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert tcp_state(s) is State.LISTEN


@live
def test_cli_prints_observed_and_predicted_json(capsys):
    assert main(["live", "accept-queue", "--backlog", "2", "--clients", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["observed"]["ESTABLISHED"] == out["predicted"]["ESTABLISHED"] == 3
    assert out["settings"]["backlog"] == 2 and "somaxconn" in out["settings"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--backlog", "-1", "--clients", "3"], "backlog = -1"),
        (["--backlog", "1", "--clients", "100000"], "clients = 100000"),
        (["--backlog", "1", "--clients", "2", "--settle", "0"], "settle = 0"),
    ],
)
def test_cli_bad_input_exits_2(capsys, argv, message):
    assert main(["live", "accept-queue", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_missing_argument_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["live", "accept-queue", "--backlog", "1"])
    assert exc.value.code == 2


def test_unreadable_proc_gives_a_clear_message_and_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(stack, "PROC", tmp_path / "no-proc")
    ok, why = live_available()
    assert not ok and ("cannot read" in why or "need Linux" in why)
    assert main(["live", "accept-queue", "--backlog", "1", "--clients", "2"]) == 2
    assert "cannot run the live labs here" in capsys.readouterr().err


def test_non_linux_is_reported(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert live_available() == (False, "the live labs need Linux (this is darwin)")
