"""Live: the state machine's predictions next to the kernel's states, step by step.

Two real sockets on 127.0.0.1 go through a normal open and an active close while two
:class:`tcplab.TcpStateMachine` s are driven with the events those sockets see. After each
step the kernel's states are read back (``TCP_INFO`` byte 0; /proc/net/tcp for the
TIME_WAIT mini-socket, because the client's own socket reports CLOSE once the kernel has
handed TIME_WAIT to a lighter structure). Bounded: a few sockets, ≤ 2 s per wait.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from tcplab import _validate as _v
from tcplab.fsm import Event, State, TcpStateMachine
from tcplab.live.stack import _listener, _require, find_proc_tcp, tcp_state

__all__ = ["WalkStep", "open_close_walkthrough", "walkthrough_frame"]


@dataclass(frozen=True)
class WalkStep:
    """One step: what the program did, and both sides' predicted and observed states."""

    action: str
    client_events: tuple[Event, ...]
    server_events: tuple[Event, ...]
    client_predicted: State
    client_kernel: State
    server_predicted: State
    server_kernel: State | None  # None: the server's TCB is gone (nothing in /proc)

    @property
    def agrees(self) -> bool:
        server_ok = (self.server_kernel or State.CLOSED) is self.server_predicted
        return self.client_kernel is self.client_predicted and server_ok


def _wait_for(pred: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not pred() and time.monotonic() < deadline:
        time.sleep(0.005)
    return pred()


def open_close_walkthrough() -> list[WalkStep]:
    """Run the open / active-close story on real sockets; return one row per step.

    Raises :class:`tcplab.live.LiveUnavailable` (with the reason) off Linux.
    """
    _require()
    client_m, server_m = TcpStateMachine(), TcpStateMachine()
    steps: list[WalkStep] = []

    def record(
        action: str,
        c_ev: tuple[Event, ...],
        s_ev: tuple[Event, ...],
        client_kernel: State,
        server_kernel: State | None,
    ) -> None:
        steps.append(
            WalkStep(
                action, c_ev, s_ev, client_m.state, client_kernel, server_m.state, server_kernel
            )
        )

    with contextlib.ExitStack() as stack:
        lsock = _listener(stack, 1)  # out of ports or descriptors: LiveResourceError
        server_m.handle(Event.PASSIVE_OPEN)
        record("server: listen()", (), (Event.PASSIVE_OPEN,), client_m.state, tcp_state(lsock))

        client = stack.enter_context(socket.create_connection(lsock.getsockname(), timeout=2))
        c_ev: tuple[Event, ...] = (Event.ACTIVE_OPEN, Event.RCV_SYN_ACK)
        s_ev: tuple[Event, ...] = (Event.RCV_SYN, Event.RCV_ACK)
        client_m.run(list(c_ev))
        server_m.run(list(s_ev))
        server, _ = lsock.accept()
        stack.enter_context(server)
        record(
            "client: connect(); server: accept()", c_ev, s_ev, tcp_state(client), tcp_state(server)
        )

        client.shutdown(socket.SHUT_WR)  # the client's FIN; the server's kernel ACKs it
        c_ev, s_ev = (Event.CLOSE, Event.RCV_ACK), (Event.RCV_FIN,)
        client_m.run(list(c_ev))
        server_m.run(list(s_ev))
        _wait_for(lambda: tcp_state(client) is State.FIN_WAIT_2)
        record("client: shutdown(SHUT_WR)", c_ev, s_ev, tcp_state(client), tcp_state(server))

        c_addr, s_addr = client.getsockname(), client.getpeername()
        server.close()  # the server's FIN; the client's ACK completes the close
        c_ev, s_ev = (Event.RCV_FIN,), (Event.CLOSE, Event.RCV_ACK)
        client_m.run(list(c_ev))
        server_m.run(list(s_ev))

        def client_tuple() -> list[State]:
            return [e.state for e in find_proc_tcp(c_addr, s_addr)]

        _wait_for(lambda: State.TIME_WAIT in client_tuple())
        _wait_for(lambda: not find_proc_tcp(s_addr, c_addr))
        server_left = find_proc_tcp(s_addr, c_addr)
        seen = client_tuple()
        record(
            "server: close()",
            c_ev,
            s_ev,
            seen[0] if seen else tcp_state(client),
            server_left[0].state if server_left else None,
        )
    return steps


def _step(value: object, name: str) -> WalkStep:
    if not isinstance(value, WalkStep):
        raise _v.ArgumentTypeError(f"{name} = {_v.short(value)}: expected a WalkStep")
    return value


def _steps(steps: object) -> list[WalkStep]:
    return list(_v.sequence(steps, "steps", max_len=1000, item=_step, what="a list of WalkStep"))


def walkthrough_frame(steps: list[WalkStep] | None = None):  # type: ignore[no-untyped-def]
    """The walkthrough as a pandas DataFrame (runs it when ``steps`` is None)."""
    import pandas as pd

    rows = open_close_walkthrough() if steps is None else _steps(steps)
    return pd.DataFrame(
        {
            "what the programs did": [s.action for s in rows],
            "client events": [", ".join(e.name for e in s.client_events) for s in rows],
            "client predicted": [s.client_predicted.name for s in rows],
            "client kernel": [s.client_kernel.name for s in rows],
            "server events": [", ".join(e.name for e in s.server_events) for s in rows],
            "server predicted": [s.server_predicted.name for s in rows],
            "server kernel": [s.server_kernel.name if s.server_kernel else "(gone)" for s in rows],
            "agree": [s.agrees for s in rows],
        }
    )
