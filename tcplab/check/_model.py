"""Small reference models the checkers compute expected answers from.

Theory of operation
-------------------
The checkers never hard-code an answer: they compute it from :mod:`tcplab.fsm` (states
and segments), :mod:`tcplab.seq` (serial arithmetic) and the few formulas below, each
tied to a line of the fact sheet:

- :func:`retransmit_schedule` — Linux's SYN / SYN-ACK retransmission times: initial RTO
  ``TCP_TIMEOUT_INIT`` = 1 s, doubled after each timeout, capped at ``TCP_RTO_MAX`` =
  120 s (include/net/tcp.h). With ``tcp_syn_retries`` = 6 this gives SYNs at
  0, 1, 3, 7, 15, 31, 63 s and the give-up at 127 s; with ``tcp_synack_retries`` = 5,
  SYN-ACKs at 0, 1, 3, 7, 15, 31 s and expiry at 63 s.
- :func:`run_script` — drive two :class:`~tcplab.fsm.TcpStateMachine` s through a scripted
  exchange (:data:`HANDSHAKE`, :data:`FOUR_WAY_CLOSE`) up to the moment one segment is
  lost, to predict both sides' states then.
- :data:`AWAITING_ACK` — the states in which an endpoint has a SYN or FIN outstanding, so
  its retransmission timer runs; a lost *pure* ACK is never retransmitted by itself.

This module is deliberately tiny and pure; the simulator (``tcplab.sim``/``tcplab.timers``)
models the same timers in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tcplab import _validate as _v
from tcplab.fsm import Event, State, TcpStateMachine

__all__ = [
    "AWAITING_ACK",
    "FOUR_WAY_CLOSE",
    "HANDSHAKE",
    "TCP_RTO_MAX",
    "TCP_TIMEOUT_INIT",
    "Step",
    "retransmit_schedule",
    "retransmitters",
    "run_script",
]

TCP_TIMEOUT_INIT = 1.0
"""Linux's initial RTO in seconds (include/net/tcp.h, "RFC6298 2.1 initial RTO value")."""
TCP_RTO_MAX = 120.0
"""Linux's largest RTO in seconds (include/net/tcp.h)."""

#: States where our SYN or FIN is not yet acknowledged: the retransmission timer runs.
AWAITING_ACK: frozenset[State] = frozenset(
    {State.SYN_SENT, State.SYN_RECEIVED, State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK}
)


def retransmit_schedule(
    retries: int, rto: float = TCP_TIMEOUT_INIT, rto_max: float = TCP_RTO_MAX
) -> tuple[list[float], float]:
    """Send times of the first transmission and ``retries`` retransmissions, and the give-up.

    Each timeout doubles the RTO (capped at ``rto_max``); after the last retransmission the
    sender waits one more (doubled) RTO before giving up.
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an int >= 0; got {retries!r}")
    if not rto > 0 or not rto_max >= rto:
        raise ValueError(f"need 0 < rto <= rto_max; got rto={rto!r}, rto_max={rto_max!r}")
    times = [0.0]
    t, current = 0.0, rto
    for _ in range(retries):
        t += current
        times.append(t)
        current = min(current * 2, rto_max)
    return times, t + current


@dataclass(frozen=True)
class Step:
    """One scripted step: ``side`` ("client"/"server") gets ``event``.

    ``segment`` names the segment whose arrival this step is, so a script can lose it.
    """

    side: str
    event: Event
    segment: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", _v.choice(self.side, "side", ("client", "server")))
        object.__setattr__(self, "event", _v.enum_member(self.event, "event", Event))
        object.__setattr__(self, "segment", _v.string(self.segment, "segment", max_len=100))


def _step(value: object, name: str) -> Step:
    if not isinstance(value, Step):
        raise _v.ArgumentTypeError(f"{name} = {_v.short(value)}: expected a Step")
    return value


def run_script(steps: Sequence[Step], lost: str | None = None) -> dict[str, State]:
    """Both sides' states in ``steps``, or at the moment the ``lost`` segment goes missing.

    With ``lost`` set, the run stops where that segment would have arrived: the snapshot
    "just after the loss, before any timer fires".
    """
    steps = _v.sequence(steps, "steps", max_len=10_000, item=_step)
    if lost is not None and lost not in {s.segment for s in steps}:
        raise ValueError(
            f"segment {lost!r} is not in the script: expected one of "
            f"{[s.segment for s in steps if s.segment]}"
        )
    machines = {"client": TcpStateMachine(), "server": TcpStateMachine()}
    for step in steps:
        if lost is not None and step.segment == lost:
            break
        machines[step.side].handle(step.event)
    return {side: m.state for side, m in machines.items()}


def retransmitters(states: dict[str, State]) -> frozenset[str]:
    """The sides whose retransmission timer runs (a SYN or FIN outstanding)."""
    return frozenset(side for side, st in states.items() if st in AWAITING_ACK)


#: The three-way handshake, segments named as the course names them.
HANDSHAKE: tuple[Step, ...] = (
    Step("server", Event.PASSIVE_OPEN),
    Step("client", Event.ACTIVE_OPEN),
    Step("server", Event.RCV_SYN, segment="SYN"),
    Step("client", Event.RCV_SYN_ACK, segment="SYN-ACK"),
    Step("server", Event.RCV_ACK, segment="ACK"),
)

#: The four-way close of an ESTABLISHED connection, the client closing first. The
#: server's application closes after reading end-of-file.
FOUR_WAY_CLOSE: tuple[Step, ...] = (
    Step("server", Event.PASSIVE_OPEN),
    Step("client", Event.ACTIVE_OPEN),
    Step("server", Event.RCV_SYN),
    Step("client", Event.RCV_SYN_ACK),
    Step("server", Event.RCV_ACK),
    Step("client", Event.CLOSE),
    Step("server", Event.RCV_FIN, segment="FIN-1"),
    Step("client", Event.RCV_ACK, segment="ACK-1"),
    Step("server", Event.CLOSE),
    Step("client", Event.RCV_FIN, segment="FIN-2"),
    Step("server", Event.RCV_ACK, segment="ACK-2"),
)
