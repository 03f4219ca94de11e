"""The state machine predicts the Linux kernel: real sockets on 127.0.0.1 (Linux only).

Two :class:`tcplab.TcpStateMachine` s are driven with the events the real sockets go
through; at each step the states read from the kernel (``TCP_INFO`` byte 0, and
/proc/net/tcp for TIME_WAIT) must be the ones the machines predict.
"""

import contextlib
import socket
import time

import pytest

from tcplab import Event, State, TcpStateMachine
from tcplab.live import find_proc_tcp, live_available, tcp_state

AVAILABLE, REASON = live_available()
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not AVAILABLE, reason=f"live check needs Linux: {REASON}"),
]


def wait_until(pred, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not pred() and time.monotonic() < deadline:
        time.sleep(0.005)
    return pred()


def test_open_and_active_close_follow_the_table():
    client_m, server_m = TcpStateMachine(), TcpStateMachine()
    with contextlib.ExitStack() as stack:
        lsock = stack.enter_context(socket.socket())
        lsock.bind(("127.0.0.1", 0))
        server_m.handle(Event.PASSIVE_OPEN)
        lsock.listen(1)
        assert tcp_state(lsock) is server_m.state is State.LISTEN

        # three-way handshake: SYN, SYN+ACK, ACK
        client = stack.enter_context(socket.create_connection(lsock.getsockname(), timeout=2))
        client_m.handle(Event.ACTIVE_OPEN)
        server_m.handle(Event.RCV_SYN)
        assert server_m.state is State.SYN_RECEIVED
        client_m.handle(Event.RCV_SYN_ACK)
        server_m.handle(Event.RCV_ACK)
        server, _ = lsock.accept()
        stack.enter_context(server)
        assert tcp_state(client) is client_m.state is State.ESTABLISHED
        assert tcp_state(server) is server_m.state is State.ESTABLISHED

        # active close by the client: FIN, ACK of the FIN
        client.shutdown(socket.SHUT_WR)
        client_m.handle(Event.CLOSE)
        assert client_m.state is State.FIN_WAIT_1
        server_m.handle(Event.RCV_FIN)
        client_m.handle(Event.RCV_ACK)
        assert wait_until(lambda: tcp_state(client) is State.FIN_WAIT_2)
        assert tcp_state(client) is client_m.state is State.FIN_WAIT_2
        assert tcp_state(server) is server_m.state is State.CLOSE_WAIT

        # the server closes: its FIN; the client answers ACK and enters TIME_WAIT
        c_addr, s_addr = client.getsockname(), client.getpeername()
        server.close()
        server_m.handle(Event.CLOSE)
        assert server_m.state is State.LAST_ACK
        client_m.handle(Event.RCV_FIN)
        server_m.handle(Event.RCV_ACK)
        assert client_m.state is State.TIME_WAIT and server_m.state is State.CLOSED

        def tw_states():
            return [e.state for e in find_proc_tcp(c_addr, s_addr)]

        assert wait_until(lambda: State.TIME_WAIT in tw_states())
        assert tw_states() == [client_m.state]
        # the client's own socket reports TCP_CLOSE: the TIME_WAIT mini-socket took over
        assert tcp_state(client) is State.CLOSED
        # and the server's side is gone: nothing left for its 4-tuple
        assert wait_until(lambda: not find_proc_tcp(s_addr, c_addr))
