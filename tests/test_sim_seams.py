"""Simulator seams (issue 15 item 4): modules and classes meet through public names only."""

import ast
from pathlib import Path

import tcplab.sim.network as network
import tcplab.sim.trace as trace

SIM = Path(network.__file__).parent


def _imports(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
        elif isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
    return mods


def test_network_and_trace_do_not_import_each_other():
    assert "tcplab.sim.trace" not in _imports(SIM / "network.py")
    assert "tcplab.sim.network" not in _imports(SIM / "trace.py")
    from tcplab.sim.network import SimResult  # still importable from its old home
    from tcplab.sim.result import SimResult as R

    assert SimResult is R


def _private_uses(cls: type, other: str) -> list[str]:
    """``<other>._x`` or ``self.<other>._x`` attribute reads inside the methods of ``cls``."""
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            base = ast.unparse(node.value)
            if base in {f"self.{other}", other} and not node.attr.startswith("__"):
                found.append(f"{base}.{node.attr}")
    return found


def test_host_and_network_do_not_touch_each_others_private_members():
    assert _private_uses(network.Host, "net") == []
    assert _private_uses(network.Network, "host") == []
    assert _private_uses(network.Network, "dst") == []


def test_the_two_listeners_say_how_they_differ():
    from tcplab.listener import Listener

    assert "Listener" not in {n for n in dir(network) if not n.startswith("__")}
    assert Listener.__module__ == "tcplab.listener"  # the Linux SYN/accept-queue model
    assert "template" in (network.PassiveOpen.__doc__ or "")
    assert trace.segments_frame  # the trace views still work on a SimResult


def _server_in_time_wait(timers: str):
    from tcplab.sim.network import Network
    from tcplab.timers import preset

    net = Network(delay=0.05, seed=1, timers=preset(timers))
    a, b = net.add_host("A", "10.0.0.1"), net.add_host("B", "10.0.0.2")
    b.listen(80, iss=5000)
    b.on_established = lambda ep, t: None
    net.at(0.0, lambda t: a.connect(t, 40000, b, 80, iss=1000))
    net.at(0.5, lambda t: b.endpoint().close(t))  # the server closes first: B → TIME-WAIT
    a.on_eof = lambda ep, t: ep.close(t)
    return net, a, b


def test_linux_new_syn_reopens_time_wait_with_isn_snd_nxt_plus_65537():
    # facts.md §5 / tcp_timewait_state_process(): SEQ after RCV.NXT → new connection,
    # ISN = tw_snd_nxt + 65535 + 2.
    from tcplab.fsm import State

    net, a, b = _server_in_time_wait("linux")
    net.at(5.0, lambda t: a.connect(t, 40000, b, 80, iss=900_000))
    r = net.run(until=20.0)
    old, new = b.endpoints[0], b.endpoints[-1]
    assert old.history[-1].target is State.CLOSED and old.history[-2].target is State.TIME_WAIT
    assert new is not old and new.iss == (old.snd_nxt + 65537) % 2**32
    assert r.final_states()["B"] is State.ESTABLISHED
    synack = r.trace[(r.trace["sender"] == "B") & (r.trace["time"] > 5)].iloc[0]
    assert synack["flags"] == "SYN+ACK"


def test_rfc_new_syn_in_time_wait_gets_a_challenge_ack():
    net, a, b = _server_in_time_wait("rfc")
    net.at(5.0, lambda t: a.connect(t, 40000, b, 80, iss=900_000))
    r = net.run(until=20.0)
    reply = r.trace[(r.trace["sender"] == "B") & (r.trace["time"] > 5)].iloc[0]
    assert reply["flags"] == "ACK" and "challenge" in reply["note"]


def test_an_old_syn_does_not_reopen_time_wait():
    from tcplab.fsm import State

    net, _, b = _server_in_time_wait("linux")
    net.run(until=4.0)
    old = b.endpoints[0]
    assert old.state is State.TIME_WAIT
    stale = _syn(seq=(old.rcv_nxt - 10) % 2**32)
    assert old.time_wait_reopen_iss(stale, 4.5) is None and old.state is State.TIME_WAIT


def _syn(seq: int):
    from tcplab.segment import Segment

    return Segment(
        seq=seq, flags="SYN", src_addr="10.0.0.1", src_port=40000, dst_addr="10.0.0.2",
        dst_port=80,
    )  # fmt: skip


def test_the_cli_offers_every_timer_preset():
    import argparse

    from tcplab.sim.cli import add_arguments
    from tcplab.timers import PRESETS

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    for name in PRESETS:
        assert parser.parse_args(["syn-timeout", "--timers", name]).timers == name
