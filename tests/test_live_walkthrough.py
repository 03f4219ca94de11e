"""The live walkthrough: two state machines predict the kernel at every step (Linux only)."""

import pytest

from tcplab import State
from tcplab.live import live_available

AVAILABLE, REASON = live_available()
pytestmark = [pytest.mark.live, pytest.mark.skipif(not AVAILABLE, reason=REASON)]


def test_every_step_agrees_with_the_kernel():
    from tcplab.live.walkthrough import open_close_walkthrough, walkthrough_frame

    steps = open_close_walkthrough()
    assert [s.client_kernel for s in steps] == [
        State.CLOSED,
        State.ESTABLISHED,
        State.FIN_WAIT_2,
        State.TIME_WAIT,
    ]
    assert [s.server_kernel for s in steps] == [
        State.LISTEN,
        State.ESTABLISHED,
        State.CLOSE_WAIT,
        None,
    ]
    assert all(s.agrees for s in steps), steps
    frame = walkthrough_frame(steps)
    assert frame["agree"].all() and frame.iloc[-1]["server kernel"] == "(gone)"
