"""The state machine predicts the Linux kernel: real sockets on 127.0.0.1 (Linux only).

:func:`tcplab.live.walkthrough.open_close_walkthrough` drives two
:class:`tcplab.TcpStateMachine` s with the events two real sockets go through (a normal
open, then an active close by the client) and reads the kernel's states back after each
step: ``TCP_INFO`` byte 0, and /proc/net/tcp for the TIME_WAIT mini-socket.
"""

import pytest

from tcplab import Event, State
from tcplab.live import live_available

AVAILABLE, REASON = live_available()
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not AVAILABLE, reason=f"live check needs Linux: {REASON}"),
]


def test_open_and_active_close_follow_the_table():
    from tcplab.live.walkthrough import open_close_walkthrough, walkthrough_frame

    steps = open_close_walkthrough()
    # listen(): the server is LISTEN, the client has no TCB yet.
    assert steps[0].server_kernel is State.LISTEN
    # connect()/accept(): SYN, SYN+ACK, ACK.
    assert steps[1].client_events == (Event.ACTIVE_OPEN, Event.RCV_SYN_ACK)
    assert steps[1].server_events == (Event.RCV_SYN, Event.RCV_ACK)
    assert steps[1].client_kernel is steps[1].server_kernel is State.ESTABLISHED
    # client shutdown(SHUT_WR): its FIN is ACKed -> FIN_WAIT_2; the server is CLOSE_WAIT.
    assert (steps[2].client_kernel, steps[2].server_kernel) == (
        State.FIN_WAIT_2,
        State.CLOSE_WAIT,
    )
    # server close(): TIME_WAIT for the client's 4-tuple; nothing left of the server's.
    assert steps[3].client_kernel is State.TIME_WAIT
    assert steps[3].server_kernel is None and steps[3].server_predicted is State.CLOSED
    # and at every step the two machines predicted exactly what the kernel shows
    for step in steps:
        assert step.client_predicted is step.client_kernel, step
        assert step.server_predicted is (step.server_kernel or State.CLOSED), step
    frame = walkthrough_frame(steps)
    assert frame["agree"].all() and frame.iloc[-1]["server kernel"] == "(gone)"
