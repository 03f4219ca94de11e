"""The state-machine explorer in JupyterLab: the session of the site, in ipywidgets."""

from __future__ import annotations

import pytest

from tcplab import Event, State
from tcplab._tools import have

pytest.importorskip("ipywidgets")
from tcplab.widgets.state_machine import state_machine_explorer

pytestmark = pytest.mark.skipif(not have("dot"), reason="Graphviz 'dot' is not installed")


def _button(x, label):
    rows = [r for r in x.controls_box.children if hasattr(r, "children")]
    return next(b for r in rows for b in r.children if getattr(b, "description", "") == label)


def test_default_view_is_meaningful_without_a_kernel():
    x = state_machine_explorer()
    diagram, info = x.parts[0].value, x.parts[1].value
    assert "<svg" in diagram and "CLOSED" in info
    assert _button(x, "ACTIVE_OPEN").button_style == "primary"
    assert _button(x, "CLOSE").button_style == ""
    assert "connect() — send a SYN" in x.parts[3].value  # the events in words
    assert x.side_box.children == tuple(x.parts[1:])  # explanation beside the diagram


def test_press_follows_the_table_and_explains_impossible_events():
    x = state_machine_explorer([Event.ACTIVE_OPEN])
    assert x.state is State.SYN_SENT
    step = x.press(Event.RCV_SYN_ACK)
    assert step is not None and step.target is State.ESTABLISHED
    info = lambda: x.parts[1].value  # noqa: E731
    assert "ESTABLISHED" in info() and "ACK" in info()
    assert x.press(Event.TIMEOUT) is None
    assert x.state is State.ESTABLISHED
    assert "not possible in ESTABLISHED" in info() and "CLOSE" in info()
    assert x.press(Event.RCV_ACK) is None  # the ACK of our SYN/FIN: none is outstanding
    assert "normal processing" in info()  # ... while an ordinary ACK changes nothing
    assert x.press(Event.SEND) is not None and "no state change" in info()
    assert "<td>SYN_SENT</td>" in x.parts[2].value


def test_clicking_a_button_and_reset():
    x = state_machine_explorer()
    syn = _button(x, "RCV_SYN")
    _button(x, "PASSIVE_OPEN").click()
    assert x.state is State.LISTEN
    assert syn.button_style == "primary"  # the same buttons follow the state (not rebuilt)
    assert _button(x, "RCV_SYN") is syn
    _button(x, "reset").click()
    assert x.state is State.CLOSED and x.machine.history == []


def test_only_taken_and_arc_set_controls_redraw():
    x = state_machine_explorer(["PASSIVE_OPEN"])
    boxes = [w for r in x.controls_box.children for w in getattr(r, "children", ())]
    only = next(w for w in boxes if getattr(w, "description", "") == "only arcs taken so far")
    arcs = next(w for w in boxes if getattr(w, "description", "") == "arcs")
    only.value = True
    assert "display:none" in x.parts[0].value
    arcs.value = [lab for lab, _ in arcs.options].index("RFC 9293 Figure 5 only")
    assert x.session.arcs == "figure5"
    assert "SYN_SENT / " not in x.parts[0].value  # CLOSED self-loops are not in Figure 5


def test_a_bad_value_is_shown_not_raised():
    x = state_machine_explorer()
    x.change("event", "FLY")
    assert "FLY" in x.error.value and x.state is State.CLOSED
