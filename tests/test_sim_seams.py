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
