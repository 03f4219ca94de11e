"""The state-machine explorer."""

from __future__ import annotations

import pytest

from tcplab import Event, State
from tcplab._tools import have

pytest.importorskip("ipywidgets")
from tcplab.widgets.state_machine import state_machine_explorer

pytestmark = pytest.mark.skipif(not have("dot"), reason="Graphviz 'dot' is not installed")


def test_default_view_is_meaningful_without_a_kernel():
    x = state_machine_explorer()
    assert "<svg" in x.diagram.value and "CLOSED" in x.info.value
    assert x.buttons[Event.ACTIVE_OPEN].button_style == "primary"
    assert x.buttons[Event.CLOSE].button_style == ""


def test_press_follows_the_table_and_explains_illegal_events():
    x = state_machine_explorer([Event.ACTIVE_OPEN])
    assert x.state is State.SYN_SENT
    step = x.press(Event.RCV_SYN_ACK)
    assert step is not None and step.target is State.ESTABLISHED
    assert "ESTABLISHED" in x.info.value and "ACK" in x.info.value
    assert x.press(Event.TIMEOUT) is None
    assert x.state is State.ESTABLISHED
    assert "not possible in ESTABLISHED" in x.info.value and "CLOSE" in x.info.value
    assert x.press(Event.RCV_ACK) is None  # the ACK of our SYN/FIN: none is outstanding
    assert "normal processing" in x.info.value  # ... while an ordinary ACK changes nothing
    assert x.press(Event.SEND) is not None and "no state change" in x.info.value
    assert "<td>SYN_SENT</td>" in x.history.value


def test_clicking_a_button_and_reset():
    x = state_machine_explorer()
    x.buttons[Event.PASSIVE_OPEN].click()
    assert x.state is State.LISTEN
    x.reset_button.click()
    assert x.state is State.CLOSED and x.machine.history == []


def test_only_taken_and_arc_set_controls_redraw():
    x = state_machine_explorer(["PASSIVE_OPEN"])
    x.only_taken.value = True
    assert "display:none" in x.diagram.value
    x.arc_set.value = "figure5"
    assert "SYN_SENT / " not in x.diagram.value  # CLOSED self-loops are not in Figure 5
