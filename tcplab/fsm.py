"""The TCP connection state machine of RFC 9293, as data.

Theory of operation
-------------------
RFC 9293 §3.3.2 describes a connection by eleven states (CLOSED is "fictional": it
stands for "no TCB exists") and Figure 5 draws the arcs between them. This module keeps
those arcs, plus the ones the figure leaves to the text (simultaneous open and close,
RST handling, RFC 5961 challenge ACKs, the TIME-WAIT re-ACK), in **one mapping**,
:data:`TRANSITIONS`, keyed by ``(state, event)``. Each row says where the connection goes,
which segment it sends, what happens to the TIME-WAIT timer, and cites its section.

Everything else is generated from that table: :class:`TcpStateMachine` looks rows up
(it has no per-state code), the state diagram in :mod:`tcplab.viz.state_diagram` draws
them, the docs table renders them, and the tests walk every row and every missing key.

Events are *abstract*: ``RCV_ACK`` means "an ACK that acknowledges our SYN or our FIN",
not any segment with the ACK bit. Deciding which abstract event a concrete segment is
(sequence checks, windows, retransmissions) is the job of :mod:`tcplab.endpoint`.

One row is not enough for ``SYN_RECEIVED`` receiving an RST or a SYN: RFC 9293 sends a
connection that came from a passive OPEN back to LISTEN and one from an active OPEN to
CLOSED. Such keys hold one :class:`Arc` per :class:`Origin`; the machine remembers how
it was opened. Invariant: every key maps to either one unguarded arc or one arc per
origin, never both (checked at import by :func:`_check_table`).

Nothing here does I/O, reads a clock or prints: time-outs arrive as the ``TIMEOUT``
event, delivered by whoever owns the clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

__all__ = [
    "ARCS",
    "SYNCHRONIZED_STATES",
    "TRANSITIONS",
    "Arc",
    "Event",
    "InvalidTransition",
    "Origin",
    "Send",
    "State",
    "TcpStateMachine",
    "Timer",
    "Transition",
    "arcs_from",
    "legal_events",
]


#: Most events one :meth:`TcpStateMachine.run` call applies.
MAX_RUN = 100_000


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Enum(Enum):
    """An Enum whose failed lookup names the value (shortened) and the members."""

    @classmethod
    def _missing_(cls, value: object) -> Enum:
        names = ", ".join(m.name for m in cls)
        raise ValueError(f"{cls.__name__} = {_short(value)}: expected one of {names}")


class State(_Enum):
    """The eleven connection states of RFC 9293 §3.3.2 (CLOSED = no TCB)."""

    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"

    @property
    def rfc_name(self) -> str:
        """The state's name as RFC 9293 spells it (``FIN-WAIT-1``)."""
        return self.value

    @property
    def linux_number(self) -> int | None:
        """Linux's ``TCP_*`` number (include/net/tcp_states.h); None for none (LISTEN is 10)."""
        return _LINUX_NUMBERS.get(self)

    @classmethod
    def from_linux(cls, number: int) -> State:
        """The state for a Linux ``tcp_states.h`` number, as read from ``TCP_INFO`` byte 0.

        Linux has no separate CLOSED/SYN_RECEIVED split for request sockets: 7 is
        ``TCP_CLOSE`` (CLOSED) and 12 (``TCP_NEW_SYN_RECV``) is a request socket, which
        we report as SYN_RECEIVED.
        """
        for state, num in _LINUX_NUMBERS.items():
            if num == number:
                return state
        if number == 12:
            return cls.SYN_RECEIVED
        raise ValueError(f"unknown Linux TCP state number {number!r}: expected 1..12")

    def __str__(self) -> str:
        return self.value


_LINUX_NUMBERS: dict[State, int] = {
    State.ESTABLISHED: 1,
    State.SYN_SENT: 2,
    State.SYN_RECEIVED: 3,
    State.FIN_WAIT_1: 4,
    State.FIN_WAIT_2: 5,
    State.TIME_WAIT: 6,
    State.CLOSED: 7,
    State.CLOSE_WAIT: 8,
    State.LAST_ACK: 9,
    State.LISTEN: 10,
    State.CLOSING: 11,
}

#: RFC 9293 §3.3.2: the states after the handshake, where both sides know both ISNs.
_SYNCHRONIZED: tuple[State, ...] = (  # in diagram order, for the table's loops below
    State.ESTABLISHED,
    State.FIN_WAIT_1,
    State.FIN_WAIT_2,
    State.CLOSE_WAIT,
    State.CLOSING,
    State.LAST_ACK,
    State.TIME_WAIT,
)
SYNCHRONIZED_STATES: frozenset[State] = frozenset(_SYNCHRONIZED)


class Event(_Enum):
    """What can happen to a connection: user calls, arriving segments, the 2MSL timer."""

    # User calls (RFC 9293 §3.9.1)
    PASSIVE_OPEN = "passive OPEN"
    ACTIVE_OPEN = "active OPEN"
    SEND = "SEND"
    CLOSE = "CLOSE"
    ABORT = "ABORT"
    # Arriving segments
    RCV_SYN = "rcv SYN"
    RCV_SYN_ACK = "rcv SYN+ACK"
    RCV_ACK = "rcv ACK"  # an ACK that acknowledges our SYN or our FIN
    RCV_FIN = "rcv FIN"
    RCV_FIN_ACK = "rcv FIN+ACK"  # a FIN whose ACK also covers our own FIN
    RCV_RST = "rcv RST"
    # Timer
    TIMEOUT = "2MSL timeout"
    USER_TIMEOUT = "user timeout"  # RFC 9293 §3.10.8: retransmissions given up

    @property
    def is_user_call(self) -> bool:
        return self in _USER_CALLS

    @property
    def is_segment(self) -> bool:
        return self.name.startswith("RCV_")

    def __str__(self) -> str:
        return self.value


_USER_CALLS = frozenset(
    {Event.PASSIVE_OPEN, Event.ACTIVE_OPEN, Event.SEND, Event.CLOSE, Event.ABORT}
)


class Send(_Enum):
    """The segment a transition emits."""

    NONE = "—"
    SYN = "SYN"
    SYN_ACK = "SYN+ACK"
    ACK = "ACK"
    CHALLENGE_ACK = "challenge ACK"  # RFC 5961: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    FIN = "FIN"
    RST = "RST"
    DATA = "data"

    def __str__(self) -> str:
        return self.value


class Timer(_Enum):
    """What a transition does to the TIME-WAIT (2·MSL) timer."""

    NONE = "—"
    START_2MSL = "start 2MSL"
    RESTART_2MSL = "restart 2MSL"
    STOP_2MSL = "stop 2MSL"

    def __str__(self) -> str:
        return self.value


class Origin(_Enum):
    """How a connection was opened; decides where SYN-RECEIVED returns on RST."""

    PASSIVE = "passive"
    ACTIVE = "active"


@dataclass(frozen=True)
class Arc:
    """One row of the transition table."""

    source: State
    event: Event
    target: State
    send: Send = Send.NONE
    timer: Timer = Timer.NONE
    rfc: str = ""
    """Where RFC 9293 (or the RFC it incorporates) says so, e.g. ``RFC 9293 §3.10.7.3``."""
    note: str = ""
    """Why, in a sentence a student can read."""
    linux: str = ""
    """Where Linux behaves differently, or adds a number the RFC leaves open."""
    origin: Origin | None = None
    """Only for guarded rows: the arc applies to connections opened this way."""
    figure5: bool = False
    """True for the arcs drawn in RFC 9293 Figure 5 itself."""

    @property
    def label(self) -> str:
        """``event / segment sent``, the label the diagram puts on the arc."""
        return f"{self.event.value} / {self.send.value}"

    @property
    def key(self) -> tuple[State, Event]:
        return (self.source, self.event)

    def describe(self) -> str:
        """The row in a few readable lines (for notebooks and the command line)."""
        guard = f" (connection opened by a {self.origin.value} OPEN)" if self.origin else ""
        lines = [
            f"{self.source.name} --{self.event.name}--> {self.target.name}{guard}",
            f"  sends: {self.send.value}    timer: {self.timer.value}",
            f"  why:   {self.note}",
            f"  where: {self.rfc}",
        ]
        if self.linux:
            lines.append(f"  Linux: {self.linux}")
        return "\n".join(lines)


S, E = State, Event
_FIG5 = "RFC 9293 §3.3.2 Fig. 5"
_SEG = "RFC 9293 §3.10.7.4"
_RST = "RFC 9293 §3.10.7.4 (2nd: RST)"
_SYN5961 = "RFC 9293 §3.10.7.4 (4th: SYN) / RFC 5961 §4.2"
_ABORT = "RFC 9293 §3.10.5 (ABORT)"
_USER_TIMEOUT = "RFC 9293 §3.10.8 (USER TIMEOUT)"
_LINUX_TW = (
    "Linux: TIME-WAIT lasts TCP_TIMEWAIT_LEN = 60 s, fixed, not 2·MSL = 240 s "
    "(include/net/tcp.h, net/ipv4/tcp_minisocks.c tcp_time_wait())."
)

#: Every row, in the order the course discusses them.
ARCS: tuple[Arc, ...] = (
    # --- opening -------------------------------------------------------------------
    Arc(
        S.CLOSED,
        E.PASSIVE_OPEN,
        S.LISTEN,
        rfc=_FIG5 + "; §3.10.1",
        figure5=True,
        note="A server creates a TCB and waits for a SYN.",
    ),
    Arc(
        S.CLOSED,
        E.ACTIVE_OPEN,
        S.SYN_SENT,
        Send.SYN,
        rfc=_FIG5 + "; §3.10.1",
        figure5=True,
        note="A client picks its ISS and sends SYN seq=ISS; SND.NXT = ISS+1.",
    ),
    Arc(
        S.LISTEN,
        E.RCV_SYN,
        S.SYN_RECEIVED,
        Send.SYN_ACK,
        rfc=_FIG5 + "; §3.10.7.2",
        figure5=True,
        note="The server records IRS, picks its ISS and answers SYN+ACK seq=ISS ack=IRS+1.",
        linux="Linux keeps a ~304-byte request sock (TCP_NEW_SYN_RECV) in the SYN queue, "
        "not a full socket; with the queue full it may answer with a SYN cookie instead. "
        "A SYN+FIN is discarded in LISTEN (tcp_rcv_state_process()); RFC 9293 opens on "
        "the SYN. A retransmitted SYN re-sends the SYN-ACK and re-arms the request timer.",
    ),
    Arc(
        S.LISTEN,
        E.SEND,
        S.SYN_SENT,
        Send.SYN,
        rfc=_FIG5 + "; §3.10.2",
        figure5=True,
        note="SEND on a listening TCB with a foreign socket turns it into an active open.",
    ),
    Arc(
        S.LISTEN,
        E.CLOSE,
        S.CLOSED,
        rfc=_FIG5 + "; §3.10.4",
        figure5=True,
        note="Closing a listener deletes its TCB; nothing is sent.",
    ),
    Arc(S.LISTEN, E.ABORT, S.CLOSED, rfc=_ABORT, note="Nothing to reset: no peer yet."),
    Arc(
        S.LISTEN,
        E.RCV_ACK,
        S.LISTEN,
        Send.RST,
        rfc="RFC 9293 §3.10.7.2",
        note="Any acknowledgment is bad in LISTEN: answer <SEQ=SEG.ACK><CTL=RST>.",
        linux="With SYN cookies active, Linux first checks whether the ACK carries a valid "
        "cookie (net/ipv4/syncookies.c cookie_v4_check()).",
    ),
    Arc(
        S.LISTEN,
        E.RCV_RST,
        S.LISTEN,
        rfc="RFC 9293 §3.10.7.2",
        note="An RST in LISTEN refers to nothing: ignore it.",
    ),
    Arc(
        S.SYN_SENT,
        E.RCV_SYN_ACK,
        S.ESTABLISHED,
        Send.ACK,
        rfc=_FIG5 + "; §3.10.7.3",
        figure5=True,
        note="Our SYN is acknowledged and we learn IRS: send ACK ack=IRS+1. This ACK may "
        "already carry data.",
        linux="Text on the SYN-ACK: RFC 9293 keeps it ('continue processing at the sixth "
        "step'); Linux drops it unless Fast Open is used, so the peer retransmits it "
        "(tcp_rcv_synsent_state_process()). The presets follow their source.",
    ),
    Arc(
        S.SYN_SENT,
        E.RCV_SYN,
        S.SYN_RECEIVED,
        Send.SYN_ACK,
        rfc=_FIG5 + "; §3.10.7.3",
        figure5=True,
        note="Simultaneous open: both sides sent a SYN. Answer SYN+ACK with our own ISS "
        "again (seq=ISS, ack=IRS+1).",
        linux="On the wire (Linux 6.18) each side then ACKs the peer's SYN-ACK, which "
        "repeats a SYN already received: 6 segments, not Figure 8's 4 (RFC 9293's first "
        "check calls that SYN-ACK unacceptable, so an ACK there too).",
    ),
    Arc(
        S.SYN_SENT,
        E.RCV_RST,
        S.CLOSED,
        rfc="RFC 9293 §3.10.7.3",
        note="An RST whose ACK acknowledges our SYN: 'connection refused'. Nobody listens "
        "on that port.",
        linux="connect() fails with ECONNREFUSED.",
    ),
    Arc(
        S.SYN_SENT,
        E.CLOSE,
        S.CLOSED,
        rfc=_FIG5 + "; §3.10.4",
        figure5=True,
        note="Give up the attempt; delete the TCB.",
    ),
    Arc(
        S.SYN_SENT,
        E.ABORT,
        S.CLOSED,
        rfc=_ABORT,
        note="Give up the attempt; no RST, the peer holds no state for us yet.",
    ),
    Arc(
        S.SYN_SENT,
        E.SEND,
        S.SYN_SENT,
        rfc="RFC 9293 §3.10.2",
        note="Data is queued until the connection is ESTABLISHED.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.RCV_ACK,
        S.ESTABLISHED,
        rfc=_FIG5 + "; §3.10.7.4 (5th: ACK)",
        figure5=True,
        note="The third segment: SND.UNA < SEG.ACK =< SND.NXT. Both sides now know both "
        "ISNs and that both directions work.",
        linux="Linux moves the child socket to the accept queue — unless that queue is "
        "full, when it drops the ACK (tcp_abort_on_overflow=0) or sends RST (=1).",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.RCV_RST,
        S.LISTEN,
        origin=Origin.PASSIVE,
        rfc=_RST + "; Note 1",
        note="Came from a passive OPEN: return to LISTEN; the user need not be informed.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.RCV_RST,
        S.CLOSED,
        origin=Origin.ACTIVE,
        rfc=_RST,
        note="Came from an active OPEN (simultaneous open): 'connection refused'.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.RCV_SYN,
        S.LISTEN,
        origin=Origin.PASSIVE,
        rfc="RFC 9293 §3.10.7.4 (4th: SYN)",
        note="An in-window new SYN in SYN-RECEIVED after a passive OPEN: back to LISTEN. "
        "(A retransmission of the same SYN fails the sequence check first and is answered "
        "with an ACK.)",
        linux="Linux re-sends the SYN+ACK when the client's SYN is a retransmission "
        "(tcp_minisocks.c tcp_check_req()).",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.RCV_SYN,
        S.SYN_RECEIVED,
        Send.CHALLENGE_ACK,
        origin=Origin.ACTIVE,
        rfc=_SYN5961,
        note="After an active OPEN a SYN is handled as in a synchronized state.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.CLOSE,
        S.FIN_WAIT_1,
        Send.FIN,
        rfc=_FIG5 + "; §3.10.4",
        figure5=True,
        note="Closing before the handshake completes still needs a FIN.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.ABORT,
        S.CLOSED,
        Send.RST,
        rfc=_ABORT,
        note="Abort: send RST and forget the connection.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.SEND,
        S.SYN_RECEIVED,
        rfc="RFC 9293 §3.10.2",
        note="Data is queued until the connection is ESTABLISHED.",
    ),
    # --- data --------------------------------------------------------------------------
    Arc(
        S.ESTABLISHED,
        E.SEND,
        S.ESTABLISHED,
        Send.DATA,
        rfc="RFC 9293 §3.10.2",
        note="Send data; each byte consumes one sequence number.",
    ),
    Arc(
        S.CLOSE_WAIT,
        E.SEND,
        S.CLOSE_WAIT,
        Send.DATA,
        rfc="RFC 9293 §3.10.2",
        note="Half-close: the peer has finished sending, but we may still send.",
    ),
    Arc(
        S.ESTABLISHED,
        E.RCV_SYN_ACK,
        S.ESTABLISHED,
        Send.ACK,
        rfc=_SEG + " (1st: seq check)",
        note="A duplicate SYN+ACK: our third ACK was lost and the server retransmitted. "
        "It fails the sequence check and is answered with an ACK — which repairs the loss.",
    ),
    # --- closing ----------------------------------------------------------------------
    Arc(
        S.ESTABLISHED,
        E.CLOSE,
        S.FIN_WAIT_1,
        Send.FIN,
        rfc=_FIG5 + "; §3.10.4",
        figure5=True,
        note="Active close: send FIN seq=SND.NXT. A FIN consumes one sequence number.",
    ),
    Arc(
        S.ESTABLISHED,
        E.RCV_FIN,
        S.CLOSE_WAIT,
        Send.ACK,
        rfc=_FIG5 + "; §3.10.7.4 (8th: FIN)",
        figure5=True,
        note="Passive close: ACK the FIN (ack=FIN seq+1) and tell the application: "
        "end of file. We may still send (half-close).",
    ),
    Arc(
        S.FIN_WAIT_1,
        E.RCV_ACK,
        S.FIN_WAIT_2,
        rfc=_FIG5 + "; §3.10.7.4 (5th: ACK)",
        figure5=True,
        note="Our FIN is acknowledged; now wait for the peer's FIN.",
        linux="An orphaned FIN-WAIT-2 socket (closed by the application) is destroyed "
        "after tcp_fin_timeout = 60 s.",
    ),
    Arc(
        S.FIN_WAIT_1,
        E.RCV_FIN,
        S.CLOSING,
        Send.ACK,
        rfc=_FIG5 + "; §3.10.7.4 (8th: FIN)",
        figure5=True,
        note="Simultaneous close: the peer's FIN arrives before the ACK of ours.",
    ),
    Arc(
        S.FIN_WAIT_1,
        E.RCV_FIN_ACK,
        S.TIME_WAIT,
        Send.ACK,
        Timer.START_2MSL,
        rfc="RFC 9293 §3.10.7.4 (8th: FIN) / Fig. 5 note",
        figure5=False,
        note="The peer's FIN also acknowledges ours (ACK and FIN merged: a three-way "
        "close). Skip FIN-WAIT-2.",
        linux=_LINUX_TW,
    ),
    Arc(
        S.FIN_WAIT_2,
        E.RCV_FIN,
        S.TIME_WAIT,
        Send.ACK,
        Timer.START_2MSL,
        rfc=_FIG5 + "; §3.10.7.4 (8th: FIN)",
        figure5=True,
        note="The last segment of the four-way close is this ACK. Then wait 2·MSL.",
        linux=_LINUX_TW,
    ),
    Arc(
        S.CLOSE_WAIT,
        E.CLOSE,
        S.LAST_ACK,
        Send.FIN,
        rfc=_FIG5 + "; §3.10.4",
        figure5=True,
        note="The application closes too: send our FIN and wait for its ACK.",
    ),
    Arc(
        S.CLOSE_WAIT,
        E.RCV_FIN,
        S.CLOSE_WAIT,
        Send.ACK,
        rfc=_SEG + " (8th: FIN)",
        note="A retransmitted FIN: our ACK was lost. ACK it again.",
    ),
    Arc(
        S.CLOSING,
        E.RCV_ACK,
        S.TIME_WAIT,
        timer=Timer.START_2MSL,
        rfc=_FIG5 + "; §3.10.7.4 (5th: ACK)",
        figure5=True,
        note="Simultaneous close: our FIN is acknowledged.",
        linux=_LINUX_TW,
    ),
    Arc(
        S.CLOSING,
        E.RCV_FIN_ACK,
        S.TIME_WAIT,
        Send.ACK,
        Timer.START_2MSL,
        rfc=_SEG + " (5th, 8th)",
        note="The peer retransmitted its FIN, this time acknowledging ours.",
        linux=_LINUX_TW,
    ),
    Arc(
        S.CLOSING,
        E.RCV_FIN,
        S.CLOSING,
        Send.ACK,
        rfc=_SEG + " (8th: FIN)",
        note="A retransmitted FIN: ACK it again.",
    ),
    Arc(
        S.LAST_ACK,
        E.RCV_ACK,
        S.CLOSED,
        rfc=_FIG5 + "; §3.10.7.4 (5th: ACK)",
        figure5=True,
        note="Our FIN is acknowledged: delete the TCB. The passive closer never waits.",
    ),
    Arc(
        S.LAST_ACK,
        E.RCV_FIN,
        S.LAST_ACK,
        Send.ACK,
        rfc=_SEG + " (8th: FIN)",
        note="A retransmitted FIN: ACK it again.",
    ),
    Arc(
        S.TIME_WAIT,
        E.TIMEOUT,
        S.CLOSED,
        rfc=_FIG5 + "; §3.10.8",
        figure5=True,
        note="2·MSL have passed: every old segment of this connection is gone. Delete the TCB.",
        linux=_LINUX_TW,
    ),
    Arc(
        S.TIME_WAIT,
        E.RCV_FIN,
        S.TIME_WAIT,
        Send.ACK,
        Timer.RESTART_2MSL,
        rfc=_SEG + " (8th: FIN)",
        note="The peer did not get our last ACK and retransmitted its FIN. Only a TCB still "
        "in TIME-WAIT can answer it with the right ACK; restart the 2MSL timer.",
        linux="Linux re-ACKs and reschedules the 60 s timer (tcp_timewait_state_process()). "
        "Rules beside the table: Linux ACKs every segment in TIME-WAIT except an RST or a "
        "bare ACK at RCV.NXT (which only restarts the timer), restarting the timer when "
        "the segment has ACK set; RFC 9293's fifth step ACKs an acceptable segment and "
        "restarts, and drops one without ACK.",
    ),
    Arc(
        S.TIME_WAIT,
        E.RCV_FIN_ACK,
        S.TIME_WAIT,
        Send.ACK,
        Timer.RESTART_2MSL,
        rfc=_SEG + " (8th: FIN)",
        note="The retransmitted FIN from a peer in LAST-ACK (it carries the ACK of our FIN): "
        "ACK it again and restart the 2MSL timer.",
        linux="Linux re-ACKs and reschedules the 60 s timer (tcp_timewait_state_process()).",
    ),
    # --- resets -----------------------------------------------------------------------
    *(
        Arc(
            st,
            E.RCV_RST,
            S.CLOSED,
            timer=Timer.STOP_2MSL if st is S.TIME_WAIT else Timer.NONE,
            rfc=_RST,
            note="An RST with SEQ = RCV.NXT resets the connection ('connection reset'). "
            "In-window but not exact: challenge ACK; outside the window: dropped.",
            linux=(
                "RFC 1337 TIME-WAIT assassination: with tcp_rfc1337=0 (the default) Linux "
                "lets the RST kill TIME-WAIT; =1 ignores it. An RST not at RCV.NXT is "
                "dropped silently: Linux sends no challenge ACK from TIME-WAIT."
                if st is S.TIME_WAIT
                else ""
            ),
        )
        for st in _SYNCHRONIZED
    ),
    # --- ABORT ------------------------------------------------------------------------
    *(
        Arc(
            st,
            E.ABORT,
            S.CLOSED,
            Send.RST,
            rfc=_ABORT,
            note="Abort: send RST, flush queues, delete the TCB.",
            linux="close() with SO_LINGER l_linger=0, or unread data at close(), sends RST "
            "(tcp_need_reset() covers exactly these states). Linux's RST carries ACK = "
            "RCV.NXT (RST+ACK, tcp_send_active_reset()); RFC 9293 §3.10.5's is bare.",
        )
        for st in (S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT)
    ),
    *(
        Arc(
            st,
            E.ABORT,
            S.CLOSED,
            timer=Timer.STOP_2MSL if st is S.TIME_WAIT else Timer.NONE,
            rfc=_ABORT,
            note="Our FIN is already out: RFC 9293 says delete the TCB without an RST.",
        )
        for st in (S.CLOSING, S.LAST_ACK, S.TIME_WAIT)
    ),
    # --- RFC 5961: SYN in a synchronized state ----------------------------------------
    *(
        Arc(
            st,
            E.RCV_SYN,
            st,
            Send.CHALLENGE_ACK,
            rfc=_SYN5961,
            note="A SYN here is answered with a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT> "
            "whatever its sequence number, and dropped. A live peer ignores it; a peer that "
            "rebooted answers with an RST, which clears this stale connection.",
            linux=(
                "Linux may instead accept a new SYN in TIME-WAIT when its SEQ is after RCV.NXT "
                "or its timestamp is newer (RFC 6191 style), reopening with ISN "
                "SND.NXT + 65537 (tcp_timewait_state_process()). The simulator models the "
                "SEQ test for a host with a listener on the port (timers.time_wait_reopen): "
                "TIME-WAIT ends and the listener opens the new connection."
                if st is S.TIME_WAIT
                else "Linux counts it in TCPSYNChallenge (tcp_validate_incoming())."
            ),
        )
        for st in _SYNCHRONIZED
    ),
    # --- RFC 9293 §3.10.8 USER TIMEOUT: the TCP gives up retransmitting ---------------
    # Unlike ABORT these send nothing: the peer is presumed unreachable (Linux too).
    Arc(
        S.SYN_SENT,
        E.USER_TIMEOUT,
        S.CLOSED,
        rfc=_USER_TIMEOUT,
        note="The SYN was never answered: connect() fails with 'connection timed out'. "
        "No RST is sent.",
        linux="Linux ≥ 6.5 (tcp_syn_retries = 6, tcp_syn_linear_timeouts = 4): SYNs at 0, "
        "1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s; give up at 131 s (ETIMEDOUT). Before 6.5: "
        "0, 1, 3, 7, 15, 31, 63 s; give up at 127 s. RFC 9293 MUST-23: at least 3 minutes.",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.USER_TIMEOUT,
        S.LISTEN,
        origin=Origin.PASSIVE,
        rfc=_USER_TIMEOUT,
        note="The SYN+ACK was never acknowledged: the half-open connection is dropped "
        "silently and the listener carries on.",
        linux="tcp_synack_retries = 5: SYN+ACKs at 0, 1, 3, 7, 15, 31 s; the request sock "
        "expires at 63 s (inet_connection_sock.c reqsk_timer_handler()).",
    ),
    Arc(
        S.SYN_RECEIVED,
        E.USER_TIMEOUT,
        S.CLOSED,
        origin=Origin.ACTIVE,
        rfc=_USER_TIMEOUT,
        note="Simultaneous open that never completed: give up, 'connection timed out'.",
    ),
    *(
        Arc(
            st,
            E.USER_TIMEOUT,
            S.CLOSED,
            rfc=_USER_TIMEOUT,
            note="Data or FIN retransmissions exhausted: delete the TCB, "
            "'connection timed out'. No RST.",
            linux="A time budget, not a count: give up at the first timeout 924.6 s or more "
            "after the first retransmission (tcp_model_timeout(tcp_retries2 = 15, 200 ms), "
            "ip-sysctl.rst); an orphaned socket uses tcp_orphan_retries (0 means 8: 102.2 s). "
            "The RFC preset uses R2 = 100 s (RFC 1122 §4.2.3.5).",
        )
        for st in (S.ESTABLISHED, S.FIN_WAIT_1, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK)
    ),
    Arc(
        S.FIN_WAIT_2,
        E.USER_TIMEOUT,
        S.CLOSED,
        rfc=_USER_TIMEOUT + "; RFC 9293 itself has no FIN-WAIT-2 timer",
        note="An orphaned FIN-WAIT-2 connection (the application already closed it) whose "
        "peer never sends its FIN is deleted without sending anything.",
        linux="tcp_fin_timeout = 60 s, for orphaned sockets only (include/net/tcp.h "
        "TCP_FIN_TIMEOUT).",
    ),
    # --- CLOSED: no TCB, every segment but an RST draws an RST ------------------------
    *(
        Arc(
            S.CLOSED,
            ev,
            S.CLOSED,
            Send.RST,
            rfc="RFC 9293 §3.10.7.1",
            note="No TCB: answer with an RST. For a SYN this is 'connection refused'.",
        )
        for ev in (E.RCV_SYN, E.RCV_SYN_ACK, E.RCV_ACK, E.RCV_FIN, E.RCV_FIN_ACK)
    ),
    Arc(
        S.CLOSED,
        E.RCV_RST,
        S.CLOSED,
        rfc="RFC 9293 §3.10.7.1",
        note="An RST to a connection that does not exist is discarded (never answer an RST).",
    ),
)
del S, E


def _build(arcs: tuple[Arc, ...]) -> Mapping[tuple[State, Event], tuple[Arc, ...]]:
    table: dict[tuple[State, Event], list[Arc]] = {}
    for arc in arcs:
        table.setdefault(arc.key, []).append(arc)
    return MappingProxyType({k: tuple(v) for k, v in table.items()})


#: The transition table: ``(state, event) -> arcs``. One arc, or one per :class:`Origin`.
TRANSITIONS: Mapping[tuple[State, Event], tuple[Arc, ...]] = _build(ARCS)


def _check_table() -> None:
    """Refuse to import an inconsistent table (a typo here would mislead a whole class)."""
    for key, arcs in TRANSITIONS.items():
        origins = [a.origin for a in arcs]
        if len(arcs) == 1 and origins[0] is None:
            continue
        if sorted(o.value for o in origins if o is not None) != sorted(o.value for o in Origin):
            raise AssertionError(f"row {key} must have one arc, or one per origin: {origins}")
        if any(not a.rfc for a in arcs):
            raise AssertionError(f"row {key} does not cite its source")
    for arc in ARCS:
        if not arc.rfc:
            raise AssertionError(f"row {arc.key} does not cite its source")


_check_table()


def arcs_from(state: State) -> list[Arc]:
    """Every arc leaving ``state``, in table order."""
    return [a for a in ARCS if a.source is state]


def legal_events(state: State | str) -> list[Event]:
    """The events that mean something in ``state``, in :class:`Event` order."""
    st = _coerce_state(state)
    return [ev for ev in Event if (st, ev) in TRANSITIONS]


class InvalidTransition(ValueError):
    """An event that means nothing in the current state. The state is left unchanged."""

    def __init__(self, state: State, event: Event, *, call: str = "") -> None:
        self.state = state
        self.event = event
        self.legal = legal_events(state)
        legal = ", ".join(ev.name for ev in self.legal) or "none"
        prefix = f"{call}: " if call else ""
        super().__init__(
            f"{prefix}event {event.name} ({event.value}) means nothing in state {state.name}; "
            f"legal events in {state.name}: {legal}"
        )


@dataclass(frozen=True)
class Transition:
    """The record of one applied event: what happened and what to do about it."""

    source: State
    event: Event
    target: State
    send: Send
    timer: Timer
    arc: Arc

    def __str__(self) -> str:
        extra = "" if self.timer is Timer.NONE else f", {self.timer.value}"
        arrow = f"{self.source.name} --{self.event.name}--> {self.target.name}"
        return f"{arrow} [send {self.send}{extra}]"


def _coerce_event(event: Event | str) -> Event:
    if isinstance(event, Event):
        return event
    if isinstance(event, str):
        try:
            return Event[event.strip().upper()]
        except KeyError:
            pass
    names = ", ".join(e.name for e in Event)
    raise ValueError(f"unknown event {_short(event)}: expected one of {names}")


def _coerce_state(state: State | str, name: str = "state") -> State:
    """A :class:`State`, its name (``"SYN_SENT"``) or its value (``"SYN-SENT"``)."""
    if isinstance(state, State):
        return state
    if isinstance(state, str):
        key = state.strip().upper()
        if key in State.__members__:
            return State[key]
        for st in State:
            if st.value == key:
                return st
    names = ", ".join(st.name for st in State)
    raise ValueError(f"{name} = {_short(state)}: expected a State or one of {names}")


@dataclass
class TcpStateMachine:
    """One connection's state, driven by :class:`Event` s through :data:`TRANSITIONS`.

    >>> m = TcpStateMachine()
    >>> m.handle(Event.ACTIVE_OPEN).send
    <Send.SYN: 'SYN'>
    >>> m.state
    <State.SYN_SENT: 'SYN-SENT'>
    """

    state: State = State.CLOSED
    origin: Origin | None = None
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Accept the enum, its name or its value; anything else is refused here, not on use.
        self.state = _coerce_state(self.state)
        if self.origin is not None and not isinstance(self.origin, Origin):
            self.origin = Origin(self.origin)
        if not isinstance(self.history, list):
            raise TypeError(f"history = {_short(self.history)}: expected a list of Transition")

    def arc_for(self, event: Event | str) -> Arc:
        """The arc ``event`` would take now, without taking it.

        Raises :class:`InvalidTransition` when the event means nothing here.
        """
        ev = _coerce_event(event)
        arcs = TRANSITIONS.get((self.state, ev))
        if arcs is None:
            raise InvalidTransition(self.state, ev)
        if len(arcs) == 1:
            return arcs[0]
        origin = self.origin or Origin.PASSIVE
        return next(a for a in arcs if a.origin is origin)

    def can_handle(self, event: Event | str) -> bool:
        """True when ``event`` is legal in the current state."""
        return (self.state, _coerce_event(event)) in TRANSITIONS

    def handle(self, event: Event | str) -> Transition:
        """Apply one event and return the record of the transition taken."""
        return self.take(self.arc_for(event))

    def take(self, arc: Arc) -> Transition:
        """Follow ``arc`` from the current state: the one place state, origin and history
        change. :meth:`handle` picks the arc from the table; a caller with an arc that is
        not in the table (the two-way variant) passes it here."""
        if not isinstance(arc, Arc):
            raise TypeError(f"arc = {arc!r:.80}: expected a tcplab.fsm.Arc")
        if arc.source is not self.state:
            raise InvalidTransition(self.state, arc.event)
        # Remember how the TCB was opened: RFC 9293 sends SYN-RECEIVED back to LISTEN
        # only for a passive OPEN, and SEND on a listener makes it active (§3.10.2).
        if arc.event is Event.PASSIVE_OPEN:
            self.origin = Origin.PASSIVE
        elif arc.event is Event.ACTIVE_OPEN or (
            arc.event is Event.SEND and arc.source is State.LISTEN
        ):
            self.origin = Origin.ACTIVE
        step = Transition(arc.source, arc.event, arc.target, arc.send, arc.timer, arc)
        self.state = arc.target
        if self.state is State.CLOSED:
            self.origin = None
        elif self.state is State.LISTEN:
            self.origin = Origin.PASSIVE
        self.history.append(step)
        return step

    def run(self, events: list[Event | str] | tuple[Event | str, ...]) -> list[Transition]:
        """Apply several events in order; stops at (and raises) the first illegal one."""
        if isinstance(events, str | bytes) or not isinstance(events, list | tuple):
            raise TypeError(f"events = {_short(events)}: expected a list or tuple of events")
        if len(events) > MAX_RUN:
            raise ValueError(f"events = {_short(events)}: expected at most {MAX_RUN} events")
        return [self.handle(ev) for ev in events]

    def legal_events(self) -> list[Event]:
        """The events that mean something in the current state."""
        return legal_events(self.state)

    def reset(self) -> None:
        """Back to CLOSED with no history."""
        self.state = State.CLOSED
        self.origin = None
        self.history.clear()

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.history)
