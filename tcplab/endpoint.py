"""A sans-I/O TCP endpoint: one connection's TCB driven by segments, user calls and time.

Theory of operation
-------------------
An :class:`Endpoint` holds RFC 9293's Transmission Control Block (§3.3.1): ISS, IRS,
SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND and the retransmission queue. It has no
sockets and no clock: segments come in through :meth:`Endpoint.receive` with the time
``now``; user calls are :meth:`open`, :meth:`send`, :meth:`close`, :meth:`abort`;
timers are read with :meth:`next_timer` and fired with :meth:`handle_timer`. Every
entry point returns the segments to transmit (also kept for :meth:`drain`, with a
note saying why each was sent).

**State changes go through the table.** The endpoint *classifies* each concrete
segment — sequence and ACK checks with :mod:`tcplab.seq`, RFC 9293 §3.10.7's order of
checks — into an abstract :class:`tcplab.fsm.Event` and calls
``TcpStateMachine.handle(event)``; the arc it gets back says where the connection goes,
which segment to send and what to do with the 2·MSL timer. What the table abstracts
lives here: acceptability, RFC 5961 challenge ACKs (in-window RST, SYN in a synchronized
state, ACK of unsent data), the RFC's ``<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`` reply to an
unacceptable segment, retransmission with exponential backoff, delayed ACK, data and
half-close.

Timer give-ups (SYN or SYN-ACK retries exhausted, data retries exhausted, the orphaned
FIN-WAIT-2 timeout) are the table's ``USER_TIMEOUT`` rows (RFC 9293 §3.10.8): silent,
unlike a user's ABORT. One transition is *not* TCP and so not in the table:
:data:`TWO_WAY_ARC`, the *two-way handshake variant* used by the "why not two?"
experiment, where the server is ESTABLISHED as soon as the SYN arrives.

Linux behaviour modelled where RFC 9293 leaves room (facts.md §1, §10): a retransmitted
SYN arriving in SYN-RECEIVED gets the SYN-ACK again; RTO 1 s doubling with the Linux
retry counts; TIME-WAIT of the preset (60 s Linux, 2·MSL RFC); an RST in TIME-WAIT kills
it (``tcp_rfc1337 = 0``). Not modelled: congestion control, SACK, PAWS, urgent data,
zero-window probing, challenge-ACK rate limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tcplab import seq as S
from tcplab.fsm import (
    SYNCHRONIZED_STATES,
    Arc,
    Event,
    Origin,
    Send,
    State,
    TcpStateMachine,
    Timer,
    Transition,
)
from tcplab.segment import Flags, FourTuple, Options, Segment
from tcplab.timers import LINUX, RetryRule, TimerPreset

__all__ = [
    "TWO_WAY_ARC",
    "Endpoint",
    "LogEntry",
    "Outgoing",
]

MOD: Final = S.MOD

#: The two-way handshake variant (NOT TCP): LISTEN + SYN → ESTABLISHED at once.
TWO_WAY_ARC: Final = Arc(
    State.LISTEN,
    Event.RCV_SYN,
    State.ESTABLISHED,
    Send.SYN_ACK,
    rfc="variant for the 'why not two-way?' experiment (RFC 9293 §3.5 explains why not)",
    note="A two-way handshake: the server commits on the SYN alone and cannot tell a "
    "fresh SYN from an old duplicate.",
)


@dataclass(frozen=True)
class Outgoing:
    """A segment the endpoint wants transmitted, and why (for traces and ladders)."""

    segment: Segment
    note: str = ""


@dataclass(frozen=True)
class LogEntry:
    """One thing that happened to the endpoint (user call, timer, state change, error)."""

    time: float
    kind: str  # "user", "timer", "state", "error", "data", "note"
    what: str
    state_before: State
    state_after: State


def _add(a: int, n: int) -> int:
    return (a + n) % MOD


class Endpoint:
    """One TCP connection endpoint (a TCB) — see the module docstring.

    ``iss`` is the initial send sequence number (pick it with :mod:`tcplab.isn` or pass a
    number). ``local`` and ``remote`` are ``(address, port)``; ``remote`` may be None for a
    passive open (it is learned from the SYN). ``delayed_ack`` > 0 delays pure ACKs of
    data/FIN by that many seconds (an ACK is sent at once for every second segment), so
    that an ACK can ride on the FIN: a three-way close. ``keepalive`` enables probes
    after ``timers.keepalive_time`` of silence. ``two_way`` selects the non-TCP two-way
    handshake variant (see :data:`TWO_WAY_ARC`).
    """

    def __init__(
        self,
        *,
        iss: int,
        name: str = "A",
        local: tuple[str, int] = ("10.0.0.1", 40000),
        remote: tuple[str, int] | None = ("10.0.0.2", 80),
        timers: TimerPreset = LINUX,
        rcv_wnd: int = 65535,
        mss: int = 1460,
        wscale: int | None = None,
        timestamps: bool = False,
        delayed_ack: float = 0.0,
        keepalive: bool = False,
        two_way: bool = False,
        time_wait: float | None = None,
    ) -> None:
        self.iss = S.check(iss, "ISS")
        if not isinstance(timers, TimerPreset):
            raise ValueError(f"timers must be a TimerPreset (LINUX, RFC); got {timers!r}")
        for value, label, hi in ((rcv_wnd, "rcv_wnd", (1 << 30) - 1), (mss, "mss", 65535)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= hi:
                raise ValueError(f"{label} = {value!r} is out of range: expected 1 … {hi}")
        if not isinstance(delayed_ack, int | float) or not 0 <= delayed_ack < 0.5:
            raise ValueError(
                f"delayed_ack = {delayed_ack!r} is out of range: expected 0 ≤ delay < 0.5 s "
                "(RFC 9293 §3.8.6.3: an ACK MUST NOT be delayed 0.5 s or more)"
            )
        if time_wait is not None and (not isinstance(time_wait, int | float) or time_wait < 0):
            raise ValueError(f"time_wait = {time_wait!r} is out of range: expected ≥ 0 seconds")
        self.name = name
        self.local = (local[0], local[1])
        self.remote: tuple[str, int] | None = None if remote is None else (remote[0], remote[1])
        # Validate addresses and ports once, through the segment type.
        Segment(seq=0, src_addr=local[0], src_port=local[1])
        if remote is not None:
            Segment(seq=0, dst_addr=remote[0], dst_port=remote[1])
        self.timers = timers
        self.time_wait_len = float(timers.time_wait if time_wait is None else time_wait)
        self.mss = mss
        self.wscale = wscale
        self.timestamps = timestamps
        self.delayed_ack = float(delayed_ack)
        self.keepalive = keepalive
        self.two_way = two_way

        self.fsm = TcpStateMachine()
        # --- the TCB (RFC 9293 §3.3.1) ---
        self.irs: int | None = None
        self.snd_una = self.iss
        self.snd_nxt = self.iss
        self.snd_wnd = 0
        self.max_snd_wnd = 0
        self.rcv_nxt = 0
        self.rcv_wnd = rcv_wnd
        self.snd_wscale = 0  # shift applied to the peer's window field
        self.rcv_wscale = 0  # shift we apply to our window field
        self.ts_ok = False
        self.ts_recent = 0
        self.peer_mss = 536  # RFC 9293 §3.7.1 default when the option is absent
        self.snd_wscale_offered: int | None = None
        self._peer_ts = False
        # --- queues ---
        self._send_buffer = bytearray()
        self._rtx: list[Segment] = []  # sent, not fully acknowledged, in sequence order
        self._fin_queued = False
        self._fin_seq: int | None = None
        self._fin_received = False
        self._ooo: dict[int, Segment] = {}
        self.received = bytearray()
        self.sent_data = bytearray()
        self.eof = False
        self.orphan = False
        self.error: str | None = None
        #: Set by the simulator when the host crashed: the TCB vanished without a transition.
        self.lost = False
        self.accepted_at: float | None = None
        # --- timers (absolute deadlines) ---
        self._deadline: dict[str, float] = {}
        self._rto = timers.initial_rto
        self._retries = 0
        self._rtx_since = 0.0
        self._handshake_retransmitted = False
        self._rtt_probe: tuple[int, float] | None = None
        self.srtt: float | None = None
        self.rttvar: float | None = None
        self._ack_pending = 0
        self._last_heard = 0.0
        self._probes_out = 0
        self._last_oow: float | None = None
        self._now = 0.0
        # --- output ---
        self._out: list[Outgoing] = []
        self.log: list[LogEntry] = []

    # ------------------------------------------------------------------ properties
    @property
    def state(self) -> State:
        return self.fsm.state

    @property
    def origin(self) -> Origin | None:
        return self.fsm.origin

    @property
    def four_tuple(self) -> FourTuple | None:
        """(local address, local port, remote address, remote port); None before known."""
        if self.remote is None:
            return None
        return FourTuple(self.local[0], self.local[1], self.remote[0], self.remote[1])

    @property
    def history(self) -> list[Transition]:
        return self.fsm.history

    @property
    def in_flight(self) -> int:
        """Sequence numbers sent but not acknowledged (SND.NXT − SND.UNA)."""
        return (self.snd_nxt - self.snd_una) % MOD

    def drain(self) -> list[Outgoing]:
        """Every segment produced since the last drain, with its note; clears the queue."""
        out, self._out = self._out, []
        return out

    # ------------------------------------------------------------------ helpers
    def _set_now(self, now: float) -> None:
        if not isinstance(now, int | float) or isinstance(now, bool) or now != now:
            raise ValueError(f"now must be a time in seconds; got {now!r}")
        if now < self._now - 1e-12:
            raise ValueError(f"time went backwards: now = {now} < previous {self._now}")
        self._now = float(now)

    def _log(self, kind: str, what: str, before: State | None = None) -> None:
        b = self.state if before is None else before
        self.log.append(LogEntry(self._now, kind, what, b, self.state))

    def _handle(self, event: Event, why: str = "") -> Transition:
        before = self.state
        step = self.fsm.handle(event)
        self._after_transition(step.arc, before, why)
        return step

    def _apply_arc(self, arc: Arc, why: str) -> Transition:
        """Apply an arc that is not in the table (only the two-way variant's)."""
        before = self.fsm.state
        step = Transition(arc.source, arc.event, arc.target, arc.send, arc.timer, arc)
        self.fsm.state = arc.target
        if arc.target is State.CLOSED:
            self.fsm.origin = None
        self.fsm.history.append(step)
        self._after_transition(arc, before, why)
        return step

    def _after_transition(self, arc: Arc, before: State, why: str) -> None:
        if arc.source is not arc.target:
            self._log(
                "state", f"{before.name} → {arc.target.name}" + (f": {why}" if why else ""), before
            )
        if arc.timer in (Timer.START_2MSL, Timer.RESTART_2MSL):
            self._deadline["time_wait"] = self._now + self.time_wait_len
            for k in ("rtx", "fin_wait_2", "keepalive", "delack"):
                self._deadline.pop(k, None)
        elif arc.timer is Timer.STOP_2MSL:
            self._deadline.pop("time_wait", None)
        entering_fw2 = arc.target is State.FIN_WAIT_2 and before is not State.FIN_WAIT_2
        if entering_fw2 and self.orphan and self.timers.fin_wait_2 is not None:
            self._deadline["fin_wait_2"] = self._now + self.timers.fin_wait_2
        if arc.target in (State.CLOSED, State.LISTEN) and before not in (
            State.CLOSED,
            State.LISTEN,
        ):
            self._deadline.clear()
            self._rtx.clear()
            self._send_buffer.clear()
            self._ack_pending = 0
        if arc.target is State.ESTABLISHED and before is not State.ESTABLISHED:
            self.accepted_at = self._now
            if self.keepalive:
                self._deadline["keepalive"] = self._last_heard + self.timers.keepalive_time

    def _window_field(self, syn: bool) -> int:
        shift = 0 if syn else self.rcv_wscale
        return min(self.rcv_wnd >> shift, 65535)

    def _options(self, syn: bool, synack: bool) -> Options:
        ts = (int(self._now * 1000) % MOD, self.ts_recent) if self._ts_on(syn, synack) else None
        if not syn:
            return Options(ts=ts)
        wscale = self.wscale
        if synack and self.snd_wscale_offered is None:
            wscale = None
        return Options(mss=self.mss, wscale=wscale, ts=ts)

    def _ts_on(self, syn: bool, synack: bool) -> bool:
        if not self.timestamps:
            return False
        if syn and not synack:
            return True
        if synack:
            return self._peer_ts
        return self.ts_ok

    def _segment(
        self, flags: Flags, seq: int, ack: int | None = None, payload: bytes = b""
    ) -> Segment:
        syn = bool(flags & Flags.SYN)
        if self.remote is None:  # pragma: no cover - guarded by callers
            raise ValueError("no remote address yet")
        return Segment(
            seq=seq,
            ack=0 if ack is None else ack,
            flags=flags,
            window=self._window_field(syn),
            payload=payload,
            options=self._options(syn, syn and bool(flags & Flags.ACK)),
            src_addr=self.local[0],
            src_port=self.local[1],
            dst_addr=self.remote[0],
            dst_port=self.remote[1],
        )

    def _emit(self, seg: Segment, note: str = "") -> Segment:
        self._out.append(Outgoing(seg, note))
        if seg.has_ack and not seg.is_rst:
            self._ack_pending = 0
            self._deadline.pop("delack", None)
        return seg

    def _send_ack(self, note: str = "") -> None:
        self._emit(self._segment(Flags.ACK, self.snd_nxt, self.rcv_nxt), note)

    def _send_rst(self, seq: int, ack: int | None = None, note: str = "") -> None:
        if self.remote is None:  # pragma: no cover
            return
        flags = Flags.RST | (Flags.ACK if ack is not None else Flags(0))
        seg = Segment(
            seq=seq,
            ack=0 if ack is None else ack,
            flags=flags,
            window=0,
            src_addr=self.local[0],
            src_port=self.local[1],
            dst_addr=self.remote[0],
            dst_port=self.remote[1],
        )
        self._emit(seg, note)

    def _start_rtx(self, restart: bool = False) -> None:
        if restart or "rtx" not in self._deadline:
            self._deadline["rtx"] = self._now + self._rto

    def _queue_and_send(self, seg: Segment, note: str = "") -> None:
        """Send a segment that consumes sequence space and keep it for retransmission."""
        self._rtx.append(seg)
        if self._rtt_probe is None and seg.seg_len:
            self._rtt_probe = (seg.end, self._now)
        self._emit(seg, note)
        self._start_rtx()

    def _current_rto(self) -> float:
        t = self.timers
        if self.srtt is None or self.rttvar is None:
            if self._handshake_retransmitted:
                return t.rto_fallback
            return t.initial_rto
        return min(t.rto_max, max(t.rto_min, self.srtt + 4 * self.rttvar))

    def _rtt_sample(self, r: float) -> None:
        # RFC 6298 §2.2–2.3 (alpha = 1/8, beta = 1/4).
        if self.srtt is None or self.rttvar is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r

    def _send_syn(self) -> None:
        self.snd_una = self.iss
        self.snd_nxt = _add(self.iss, 1)
        self._rto = self.timers.initial_rto
        self._retries = 0
        self._queue_and_send(self._segment(Flags.SYN, self.iss), "SYN")

    # ------------------------------------------------------------------ user calls
    def open(self, now: float, *, active: bool = True) -> list[Segment]:
        """OPEN (RFC 9293 §3.10.1): active sends SYN seq=ISS; passive enters LISTEN."""
        self._set_now(now)
        mark = len(self._out)
        self._last_heard = self._now
        if active:
            if self.remote is None:
                raise ValueError("an active open needs a remote (address, port)")
            self._log("user", "active OPEN")
            step = self._handle(Event.ACTIVE_OPEN)
            assert step.send is Send.SYN
            self._send_syn()
        else:
            self._log("user", "passive OPEN")
            self._handle(Event.PASSIVE_OPEN)
        return [o.segment for o in self._out[mark:]]

    def send(self, data: bytes | str, now: float) -> list[Segment]:
        """SEND (RFC 9293 §3.10.2): queue data; it leaves once the connection allows."""
        self._set_now(now)
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, bytes | bytearray) or not data:
            raise ValueError(f"send() needs non-empty bytes; got {data!r}")
        mark = len(self._out)
        self._log("user", f"SEND {len(data)} bytes")
        if self._fin_queued:
            raise ValueError(f"send() after close(): the connection is closing ({self.state.name})")
        if self.fsm.can_handle(Event.SEND) and self.fsm.arc_for(Event.SEND).send is Send.SYN:
            if self.remote is None:
                raise ValueError("SEND on a listening endpoint needs a remote (address, port)")
            self._handle(Event.SEND, "SEND on a listener: active open")
            self._send_syn()
        else:
            self._handle(Event.SEND)
        self._send_buffer += data
        self.sent_data += data
        self._push(now)
        return [o.segment for o in self._out[mark:]]

    def close(self, now: float, *, orphan: bool = False) -> list[Segment]:
        """CLOSE (RFC 9293 §3.10.4): "I have no more to send" — a FIN after queued data.

        ``orphan=True`` models Linux ``close()`` (the application lets go of the socket):
        an orphaned FIN-WAIT-2 connection is deleted after ``timers.fin_wait_2``. The
        default is a half-close (``shutdown(SHUT_WR)``): we can still receive.
        """
        self._set_now(now)
        mark = len(self._out)
        self._log("user", "CLOSE" + (" (orphan)" if orphan else ""))
        before = self.state
        step = self._handle(Event.CLOSE)
        self.orphan = self.orphan or orphan
        if step.send is Send.FIN:
            self._fin_queued = True
            self._push(now)
        elif before is State.SYN_SENT:
            self._deadline.clear()
            self._rtx.clear()
        return [o.segment for o in self._out[mark:]]

    def abort(self, now: float) -> list[Segment]:
        """ABORT (RFC 9293 §3.10.5): RST <SEQ=SND.NXT> where the table says so; drop all."""
        self._set_now(now)
        mark = len(self._out)
        self._log("user", "ABORT")
        step = self._handle(Event.ABORT)
        if step.send is Send.RST:
            self._send_rst(self.snd_nxt, note="ABORT: RST")
        self._deadline.clear()
        self._rtx.clear()
        return [o.segment for o in self._out[mark:]]

    # ------------------------------------------------------------------ sending
    def _push(self, now: float) -> None:
        """Send queued data (window permitting) and then a queued FIN."""
        if self.state not in (
            State.ESTABLISHED,
            State.CLOSE_WAIT,
            State.FIN_WAIT_1,
            State.LAST_ACK,
        ):
            return
        limit = max(1, min(self.mss, self.peer_mss))
        while self._send_buffer:
            window_left = self.snd_wnd - self.in_flight
            if window_left <= 0:
                break  # zero-window probing is not modelled
            n = min(limit, window_left, len(self._send_buffer))
            chunk = bytes(self._send_buffer[:n])
            del self._send_buffer[:n]
            flags = Flags.ACK | (Flags.PSH if not self._send_buffer else Flags(0))
            seg = self._segment(flags, self.snd_nxt, self.rcv_nxt, chunk)
            self.snd_nxt = _add(self.snd_nxt, n)
            self._queue_and_send(seg, "data")
        if self._fin_queued and self._fin_seq is None and not self._send_buffer:
            self._fin_seq = self.snd_nxt
            seg = self._segment(Flags.FIN | Flags.ACK, self.snd_nxt, self.rcv_nxt)
            self.snd_nxt = _add(self.snd_nxt, 1)
            self._queue_and_send(seg, "FIN")

    def _ack_now_or_later(self, note: str) -> None:
        if self.delayed_ack <= 0:
            self._send_ack(note)
            return
        self._ack_pending += 1
        if self._ack_pending >= 2:  # RFC 9293 §3.8.6.3: ACK at least every 2nd segment
            self._send_ack(note)
        else:
            self._deadline.setdefault("delack", self._now + self.delayed_ack)

    # ------------------------------------------------------------------ receiving
    def receive(self, segment: Segment, now: float) -> list[Segment]:
        """Process one arriving segment (RFC 9293 §3.10.7); return the segments to send."""
        self._set_now(now)
        if not isinstance(segment, Segment):
            raise ValueError(f"receive() needs a Segment; got {segment!r}")
        seg = segment
        if (seg.dst_addr, seg.dst_port) != self.local or (
            self.remote is not None
            and self.state is not State.LISTEN
            and (seg.src_addr, seg.src_port) != self.remote
        ):
            raise ValueError(
                f"segment for the wrong 4-tuple: {tuple(seg.four_tuple)} does not match "
                f"this endpoint (local {self.local}, remote {self.remote})"
            )
        mark = len(self._out)
        if self.remote is None:
            self.remote = (seg.src_addr, seg.src_port)
        st = self.state
        if st is State.CLOSED:
            self._rcv_closed(seg)
        elif st is State.LISTEN:
            self._rcv_listen(seg)
        elif st is State.SYN_SENT:
            self._rcv_syn_sent(seg)
        else:
            self._rcv_other(seg)
        if self.state in SYNCHRONIZED_STATES:
            self._last_heard = self._now
            self._probes_out = 0
            if self.keepalive and self.state is State.ESTABLISHED:
                self._deadline["keepalive"] = self._now + self.timers.keepalive_time
        self._push(now)
        return [o.segment for o in self._out[mark:]]

    @staticmethod
    def _event_for_closed(seg: Segment) -> Event:
        if seg.is_rst:
            return Event.RCV_RST
        if seg.is_syn:
            return Event.RCV_SYN_ACK if seg.has_ack else Event.RCV_SYN
        if seg.is_fin:
            return Event.RCV_FIN
        return Event.RCV_ACK

    def _rcv_closed(self, seg: Segment) -> None:
        # RFC 9293 §3.10.7.1: no TCB. Never answer an RST; otherwise RST.
        step = self._handle(self._event_for_closed(seg))
        if step.send is Send.RST:
            if seg.has_ack:
                self._send_rst(seg.ack, note="no connection: RST")
            else:
                self._send_rst(0, ack=seg.end, note="no connection: RST")

    def _learn_syn(self, seg: Segment) -> None:
        self.irs = seg.seq
        self.rcv_nxt = _add(seg.seq, 1)
        o = seg.options
        if o.mss is not None:
            self.peer_mss = o.mss
        self.snd_wscale_offered = o.wscale
        if o.wscale is not None and self.wscale is not None:
            self.snd_wscale, self.rcv_wscale = o.wscale, self.wscale
        self._peer_ts = o.ts is not None
        if o.ts is not None and self.timestamps:
            self.ts_ok = True
            self.ts_recent = o.ts[0]
        self.snd_wnd = seg.window  # never scaled in a SYN (RFC 7323 §2.2)
        self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)

    def _rcv_listen(self, seg: Segment) -> None:
        # RFC 9293 §3.10.7.2: RST ignored; any ACK draws an RST; a SYN opens.
        if seg.is_rst:
            self._handle(Event.RCV_RST)
            return
        if seg.has_ack:
            step = self._handle(Event.RCV_ACK)
            if step.send is Send.RST:
                self._send_rst(seg.ack, note="ACK in LISTEN: RST")
            return
        if not seg.is_syn:
            return  # "Any other control or text-bearing segment ... drop it"
        self.remote = (seg.src_addr, seg.src_port)
        self._learn_syn(seg)
        self.snd_una = self.iss
        self.snd_nxt = _add(self.iss, 1)
        self._rto = self.timers.initial_rto
        self._retries = 0
        synack = self._segment(Flags.SYN | Flags.ACK, self.iss, self.rcv_nxt)
        if self.two_way:
            self._apply_arc(TWO_WAY_ARC, "two-way variant: committed on the SYN alone")
            self.snd_una = self.snd_nxt  # nobody will acknowledge it: nothing to retransmit
            self._emit(synack, "SYN-ACK (two-way variant)")
            return
        step = self._handle(Event.RCV_SYN)
        assert step.send is Send.SYN_ACK
        self._queue_and_send(synack, "SYN-ACK")

    def _rcv_syn_sent(self, seg: Segment) -> None:
        # RFC 9293 §3.10.7.3, in its order: ACK, RST, (security), SYN.
        ack_ok = False
        if seg.has_ack:
            if not S.ack_acceptable(self.snd_una, seg.ack, self.snd_nxt):
                if not seg.is_rst:
                    self._send_rst(seg.ack, note="unacceptable ACK in SYN-SENT: RST seq=SEG.ACK")
                return
            ack_ok = True
        if seg.is_rst:
            if ack_ok:
                self._handle(Event.RCV_RST, "connection refused")
                self.error = "connection refused"
                self._log("error", "connection refused")
            return
        if not seg.is_syn:
            return
        self._learn_syn(seg)
        if ack_ok:
            self._ack_advances(seg.ack)
            self._handle(Event.RCV_SYN_ACK)
            self.ts_ok = self.timestamps and seg.options.ts is not None
            mark = len(self._out)
            self._push(self._now)  # queued data rides on the ACK of the SYN-ACK
            if len(self._out) > mark:
                first = self._out[mark]
                self._out[mark] = Outgoing(first.segment, "data on the third segment")
            elif not self.two_way:
                self._send_ack("ACK (third segment)")
        else:
            # Simultaneous open: answer SYN-ACK with our own ISS again.
            self._handle(Event.RCV_SYN, "simultaneous open")
            self._rtx.clear()
            self._retries = 0
            self._rto = self.timers.initial_rto
            synack = self._segment(Flags.SYN | Flags.ACK, self.iss, self.rcv_nxt)
            self._rtx.append(synack)
            self._emit(synack, "SYN-ACK (simultaneous open)")
            self._start_rtx(restart=True)

    def _acceptable(self, seg: Segment) -> bool:
        return S.segment_acceptable(seg.seq, seg.seg_len, self.rcv_nxt, self.rcv_wnd)

    def _ack_advances(self, ack: int) -> bool:
        """Process an acceptable SEG.ACK (SND.UNA < SEG.ACK =< SND.NXT): trim the queue."""
        if not S.ack_acceptable(self.snd_una, ack, self.snd_nxt):
            return False
        self.snd_una = ack
        if self._rtt_probe is not None and not S.after(self._rtt_probe[0], ack):
            self._rtt_sample(self._now - self._rtt_probe[1])
            self._rtt_probe = None
        while self._rtx and not S.after(self._rtx[0].end, ack):
            self._rtx.pop(0)
        if self._rtx:  # partially acknowledged head: keep only the unacknowledged part
            head = self._rtx[0]
            if S.before(head.seq, ack) and head.payload:
                cut = (ack - head.seq) % MOD
                self._rtx[0] = head.replace(seq=ack, payload=head.payload[cut:])
        self._retries = 0
        self._rto = self._current_rto()
        if self.snd_una == self.snd_nxt:
            self._deadline.pop("rtx", None)
        else:
            self._start_rtx(restart=True)
        return True

    def _our_fin_acked(self) -> bool:
        return self._fin_seq is not None and self.snd_una == self.snd_nxt

    def _rate_limited(self) -> bool:
        """Linux tcp_oow_rate_limited(): one out-of-window reply per invalid_ratelimit."""
        gap = self.timers.invalid_ratelimit
        if gap <= 0:
            return False
        if self._last_oow is not None and self._now - self._last_oow < gap:
            self._log("note", f"reply suppressed (rate limit {gap:g} s)")
            return True
        self._last_oow = self._now
        return False

    def _challenge_ack(self, why: str) -> None:
        if not self._rate_limited():
            self._send_ack(f"challenge ACK ({why})")

    def _rcv_other(self, seg: Segment) -> None:
        """SYN-RECEIVED and the synchronized states: RFC 9293 §3.10.7.4."""
        st = self.state
        # --- first: sequence number; second: RST (RFC 5961 §3 three cases) -------------
        if seg.is_rst:
            if not self._acceptable(seg):
                self._log("note", f"RST seq={seg.seq} outside the window: dropped")
                return
            if seg.seq == self.rcv_nxt:
                passive_syn_rcvd = st is State.SYN_RECEIVED and self.origin is Origin.PASSIVE
                self._handle(Event.RCV_RST)
                if st is State.TIME_WAIT:
                    self._log("note", "RST in TIME-WAIT: TIME-WAIT ended early (RFC 1337)")
                elif not passive_syn_rcvd:
                    self.error = (
                        "connection refused" if st is State.SYN_RECEIVED else "connection reset"
                    )
                    self._log("error", self.error)
                return
            self._challenge_ack("RST in window, not at RCV.NXT")
            return
        # --- fourth: SYN (handled before the sequence check where Linux does) ---------
        if seg.is_syn:
            self._rcv_syn_synchronized(seg)
            return
        if not self._acceptable(seg):
            if seg.is_fin and self._fin_received and seg.end == self.rcv_nxt:
                self._retransmitted_fin(seg)
                return
            if seg.seg_len == 0 and self._rate_limited():
                return  # Linux limits replies to out-of-window pure ACKs (ACK loops)
            self._send_ack("unacceptable segment: ACK")
            return
        # --- fifth: ACK -------------------------------------------------------------------
        if not seg.has_ack:
            return
        if st is State.SYN_RECEIVED:
            if not S.ack_acceptable(self.snd_una, seg.ack, self.snd_nxt):
                self._send_rst(seg.ack, note="unacceptable ACK in SYN-RECEIVED: RST")
                return
            self._ack_advances(seg.ack)
            self._handle(Event.RCV_ACK)
            self.snd_wnd = seg.window << self.snd_wscale
            self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
        else:
            if S.after(seg.ack, self.snd_nxt):
                if self.timers.ack_unsent_reply:  # RFC 9293 5th step; Linux just drops it
                    self._send_ack("ACK of data not yet sent: ACK")
                else:
                    self._log("note", f"ACK {seg.ack} of data not yet sent: dropped")
                return
            lower = (self.snd_una - self.max_snd_wnd) % MOD
            if S.before(seg.ack, lower):
                self._send_ack("ACK too old (RFC 5961 §5): ACK")
                return
            fin_was_acked = self._our_fin_acked()
            self._ack_advances(seg.ack)
            self.snd_wnd = seg.window << self.snd_wscale
            self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
            if self._our_fin_acked() and not fin_was_acked:
                fin_in_order = seg.is_fin and _add(seg.seq, len(seg.payload)) == self.rcv_nxt
                if st is State.FIN_WAIT_1 and fin_in_order:
                    pass  # FIN+ACK: handled below as RCV_FIN_ACK (three-way close)
                elif st in (State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK):
                    self._handle(Event.RCV_ACK, "our FIN is acknowledged")
                    if self.state is State.CLOSED:
                        return
        if self.ts_ok and seg.options.ts is not None:
            self.ts_recent = seg.options.ts[0]
        # --- seventh: segment text; eighth: FIN ---------------------------------------
        self._take_text(seg)

    def _rcv_syn_synchronized(self, seg: Segment) -> None:
        st = self.state
        passive = self.origin is Origin.PASSIVE
        if (
            st is State.SYN_RECEIVED
            and passive
            and not seg.has_ack
            and seg.seq == self.irs
            and self.timers.resend_synack_on_syn
            and self._rtx
        ):
            self._emit(
                self._rtx[0].replace(ack=self.rcv_nxt), "retransmitted SYN: SYN-ACK again (Linux)"
            )
            return
        if (
            st is State.SYN_RECEIVED
            and not passive
            and seg.has_ack
            and seg.seq == self.irs
            and S.ack_acceptable(self.snd_una, seg.ack, self.snd_nxt)
        ):
            # Simultaneous open (RFC 9293 Figure 8): the peer's SYN-ACK acknowledges ours.
            self._ack_advances(seg.ack)
            self._handle(Event.RCV_ACK, "simultaneous open: our SYN is acknowledged")
            self.snd_wnd = seg.window << self.snd_wscale
            self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
            return
        if st is State.SYN_RECEIVED and passive and not self._acceptable(seg):
            self._send_ack("unacceptable segment: ACK")  # RFC 9293 first check
            return
        if st is State.ESTABLISHED and seg.has_ack:
            step = self._handle(Event.RCV_SYN_ACK)
            if step.send is Send.ACK:
                self._send_ack("duplicate SYN-ACK: ACK again")
            return
        step = self._handle(Event.RCV_SYN)
        if step.send is Send.CHALLENGE_ACK:
            self._challenge_ack("SYN in a synchronized state")
        elif step.target is State.LISTEN:
            self._log("note", "new SYN in SYN-RECEIVED: back to LISTEN")

    def _retransmitted_fin(self, seg: Segment) -> None:
        if seg.has_ack and S.ack_acceptable(self.snd_una, seg.ack, self.snd_nxt):
            self._ack_advances(seg.ack)
        st = self.state
        covers_ours = self._our_fin_acked()
        event = Event.RCV_FIN
        if covers_ours and self.fsm.can_handle(Event.RCV_FIN_ACK):
            event = Event.RCV_FIN_ACK
        elif covers_ours and st is State.LAST_ACK:
            event = Event.RCV_ACK
        if not self.fsm.can_handle(event):
            self._send_ack("unacceptable segment: ACK")
            return
        step = self._handle(event, "retransmitted FIN")
        if step.send is Send.ACK:
            why = "retransmitted FIN: ACK again"
            if step.timer is Timer.RESTART_2MSL:
                why += ", restart 2MSL"
            self._send_ack(why)

    def _take_text(self, seg: Segment) -> None:
        st = self.state
        data_ok = st in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2)
        if not (seg.payload or seg.is_fin):
            return
        if not data_ok and not seg.is_fin:
            return  # RFC: text after a FIN "should not occur"; ignore it
        if seg.seq != self.rcv_nxt:
            if S.before(seg.seq, self.rcv_nxt):
                cut = (self.rcv_nxt - seg.seq) % MOD  # overlap with what we have: trim it
                if cut >= len(seg.payload) + (1 if seg.is_fin else 0):
                    self._send_ack("duplicate: ACK")
                    return
                seg = seg.replace(seq=self.rcv_nxt, payload=seg.payload[cut:])
            else:
                self._ooo[seg.seq] = seg  # out of order: keep it, ACK what we have now
                self._send_ack("out of order: duplicate ACK")
                return
        self._deliver(seg)
        while self.rcv_nxt in self._ooo and not self._fin_received:
            self._deliver(self._ooo.pop(self.rcv_nxt))

    def _deliver(self, seg: Segment) -> None:
        st = self.state
        if seg.payload and st in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2):
            n = min(len(seg.payload), self.rcv_wnd)
            self.received += seg.payload[:n]
            self.rcv_nxt = _add(self.rcv_nxt, n)
            self._log("data", f"delivered {n} bytes to the application")
            if not seg.is_fin:
                self._ack_now_or_later("ACK of data")
        if not seg.is_fin or self._fin_received:
            return
        self.rcv_nxt = _add(self.rcv_nxt, 1)
        self._fin_received = True
        self.eof = True
        self._log("data", "end of file (FIN received)")
        if st is State.FIN_WAIT_1 and self._our_fin_acked():
            step = self._handle(Event.RCV_FIN_ACK, "FIN+ACK: FIN and the ACK of ours")
        else:
            step = self._handle(Event.RCV_FIN)
        if step.send is Send.ACK:
            if step.target is State.CLOSE_WAIT:
                self._ack_now_or_later("ACK of FIN")
            else:
                self._send_ack("ACK of FIN")

    # ------------------------------------------------------------------ timers
    def next_timer(self) -> float | None:
        """The earliest pending timer deadline (absolute seconds), or None."""
        return min(self._deadline.values()) if self._deadline else None

    def timers_pending(self) -> dict[str, float]:
        """Every pending timer: name → deadline (rtx, delack, time_wait, fin_wait_2, keepalive)."""
        return dict(self._deadline)

    def handle_timer(self, now: float) -> list[Segment]:
        """Fire every timer due at ``now``; return the segments to send."""
        self._set_now(now)
        mark = len(self._out)
        for name in ("delack", "rtx", "fin_wait_2", "keepalive", "time_wait"):
            due = self._deadline.get(name)
            if due is None or due > self._now + 1e-9:
                continue
            del self._deadline[name]
            getattr(self, f"_on_{name}")()
        return [o.segment for o in self._out[mark:]]

    def _on_delack(self) -> None:
        if self._ack_pending and self.state in SYNCHRONIZED_STATES:
            self._log("timer", "delayed-ACK timer")
            self._send_ack("delayed ACK")

    def _retry_rule(self) -> RetryRule:
        t = self.timers
        if self.state is State.SYN_SENT:
            return t.syn_rule()
        if self.state is State.SYN_RECEIVED:
            return (
                t.synack_rule() if self.origin is Origin.PASSIVE else t.syn_rule(simultaneous=True)
            )
        return t.data_rule()

    def _on_rtx(self) -> None:
        if not self._rtx:
            return
        rule = self._retry_rule()  # timers.RetryRule: the one backoff/give-up rule
        if self._retries == 0:  # the head went out one RTO ago: the clock of the budget
            self._rtx_since = self._now - self._rto
        if rule.expired(self._retries, self._now - self._rtx_since):
            self._give_up(f"retransmission timer: {self._retries} retries exhausted")
            return
        self._retries += 1
        self._rtt_probe = None  # Karn: never time a retransmitted segment
        if self.state in (State.SYN_SENT, State.SYN_RECEIVED):
            self._handshake_retransmitted = True
        head = self._rtx[0]
        if head.has_ack:
            head = head.replace(
                ack=self.rcv_nxt, options=self._options(head.is_syn, head.is_syn and head.has_ack)
            )
            self._rtx[0] = head
        self._log(
            "timer", f"RTO {self._rto:g} s expired: retransmit {head.kind} (retry {self._retries})"
        )
        self._emit(head, f"retransmission #{self._retries} ({head.kind})")
        self._rto = rule.next_rto(self._rto, self._retries)
        self._start_rtx(restart=True)

    def _give_up(self, why: str) -> None:
        # The table's USER_TIMEOUT rows (RFC 9293 §3.10.8): silent, unlike ABORT.
        if not self.fsm.can_handle(Event.USER_TIMEOUT):  # pragma: no cover - no retransmit
            return
        before = self.state
        step = self._handle(Event.USER_TIMEOUT, why)
        if not (before is State.SYN_RECEIVED and step.target is State.LISTEN):
            self.error = "connection timed out"
            self._log("error", "connection timed out")

    def _on_fin_wait_2(self) -> None:
        if self.state is State.FIN_WAIT_2:
            self._log("timer", "FIN-WAIT-2 timer expired (tcp_fin_timeout)")
            self._handle(Event.USER_TIMEOUT, "orphaned FIN-WAIT-2 timed out")

    def _on_keepalive(self) -> None:
        if self.state is not State.ESTABLISHED or not self.keepalive:
            return
        t = self.timers
        if self.in_flight and self._probes_out == 0:  # data outstanding: the RTO watches it
            self._deadline["keepalive"] = self._now + t.keepalive_time
            return
        if self._probes_out >= t.keepalive_probes:
            self._log("timer", f"keepalive: {self._probes_out} probes unanswered")
            step = self._handle(Event.ABORT, "keepalive gave up")
            if step.send is Send.RST:
                self._send_rst(self.snd_nxt, note="keepalive gave up: RST")
            self.error = "connection timed out"
            self._log("error", "connection timed out (keepalive)")
            return
        self._probes_out += 1
        self._log("timer", f"keepalive probe {self._probes_out}")
        probe = self._segment(Flags.ACK, (self.snd_una - 1) % MOD, self.rcv_nxt)
        self._emit(probe, f"keepalive probe {self._probes_out}")
        self._deadline["keepalive"] = self._now + t.keepalive_intvl

    def _on_time_wait(self) -> None:
        if self.state is State.TIME_WAIT:
            self._log("timer", f"TIME-WAIT timer ({self.time_wait_len:g} s) expired")
            self._handle(Event.TIMEOUT)

    def __repr__(self) -> str:
        return (
            f"Endpoint({self.name!r}, {self.state.name}, iss={self.iss}, snd_una={self.snd_una},"
            f" snd_nxt={self.snd_nxt}, rcv_nxt={self.rcv_nxt})"
        )


#: Signature of an ISS chooser (``now``, 4-tuple) → ISS, used by listeners in the simulator.
IssChooser = Callable[[float, FourTuple], int]
