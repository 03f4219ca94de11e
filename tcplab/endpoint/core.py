"""The endpoint's common core: construction, output, transitions and sending.

Theory of operation
-------------------
:class:`EndpointCore` owns the parts of one connection — the :class:`~.tcb.Tcb`, the
:class:`~.recovery.Recovery` and :class:`~.reassembly.Reassembly` parts, the typed
:class:`~.deadlines.Deadlines` and the :class:`~tcplab.fsm.TcpStateMachine` — and the
helpers both the receive path (:mod:`.receive`) and the user calls (:mod:`.endpoint`)
need: building and emitting segments, the log, and :meth:`EndpointCore._handle`, the
one place a state change is applied (through ``TcpStateMachine.handle``/``take``) and
its timer side effects done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from tcplab import _validate as V
from tcplab import seq as S
from tcplab.endpoint.deadlines import Deadlines
from tcplab.endpoint.reassembly import Reassembly
from tcplab.endpoint.recovery import Recovery
from tcplab.endpoint.tcb import MOD, Tcb, add
from tcplab.fsm import (
    Arc,
    Event,
    InvalidTransition,
    Origin,
    Send,
    State,
    TcpStateMachine,
    Timer,
    Transition,
)
from tcplab.segment import Flags, FourTuple, Options, Segment
from tcplab.timers import LINUX, TimerPreset

__all__ = ["TWO_WAY_ARC", "EndpointCore", "LogEntry", "Outgoing"]

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

#: Segments kept for :meth:`EndpointCore.drain` when nobody drains (the oldest go first).
MAX_UNDRAINED: Final = 10_000
#: Log entries kept per endpoint (the oldest go first).
MAX_LOG: Final = 100_000
#: Upper bound on the 2·MSL / TIME-WAIT length an endpoint accepts (one day).
MAX_TIME_WAIT: Final = 86400.0


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


class _TcbField:
    """Expose a :class:`Tcb` field as an endpoint attribute (public API kept stable)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: EndpointCore | None, owner: type | None = None) -> Any:
        return self if obj is None else getattr(obj.tcb, self.name)

    def __set__(self, obj: EndpointCore, value: Any) -> None:
        setattr(obj.tcb, self.name, value)


def _address(value: object, name: str) -> tuple[str, int]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise V.ArgumentTypeError(f"{name} = {V.short(value)}: expected an (address, port) pair")
    # Validate address and port once, through the segment type.
    Segment(seq=0, src_addr=value[0], src_port=value[1])
    return (value[0], value[1])


def _check_options(rcv_wnd: int, mss: int, delayed_ack: float, time_wait: float | None) -> None:
    V.integer(rcv_wnd, "rcv_wnd", ge=1, le=(1 << 30) - 1, what="a window in bytes")
    V.integer(mss, "mss", ge=1, le=65535, what="a segment size in bytes")
    # RFC 9293 §3.8.6.3: an ACK MUST NOT be delayed 0.5 s or more.
    V.number(delayed_ack, "delayed_ack", ge=0, lt=0.5, what="a delay in seconds (RFC: < 0.5 s)")
    if time_wait is not None:
        V.number(time_wait, "time_wait", ge=0, le=MAX_TIME_WAIT, what="a time in seconds")


class EndpointCore:
    """State shared by the receive path and the user calls (see the module docstring)."""

    iss = _TcbField()
    irs = _TcbField()
    snd_una = _TcbField()
    snd_nxt = _TcbField()
    snd_wnd = _TcbField()
    max_snd_wnd = _TcbField()
    rcv_nxt = _TcbField()
    rcv_wnd = _TcbField()
    snd_wscale = _TcbField()
    rcv_wscale = _TcbField()
    ts_ok = _TcbField()
    ts_recent = _TcbField()
    peer_mss = _TcbField()
    snd_wscale_offered = _TcbField()

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
        iss = S.check(iss, "ISS")
        if not isinstance(timers, TimerPreset):
            raise V.ArgumentTypeError(
                f"timers = {V.short(timers)}: expected a TimerPreset (LINUX, RFC, …)"
            )
        V.string(name, "name", max_len=200)
        keepalive = V.boolean(keepalive, "keepalive")
        two_way = V.boolean(two_way, "two_way")
        timestamps = V.boolean(timestamps, "timestamps")
        if wscale is not None:
            wscale = V.integer(wscale, "wscale", ge=0, le=14, what="a window-scale shift")
        _check_options(rcv_wnd, mss, delayed_ack, time_wait)
        self.name = name
        self.local = _address(local, "local")
        self.remote: tuple[str, int] | None = None if remote is None else _address(remote, "remote")
        self.timers = timers
        self.time_wait_len = float(timers.time_wait if time_wait is None else time_wait)
        self.mss = mss
        self.wscale = wscale
        self.timestamps = timestamps
        self.delayed_ack = float(delayed_ack)
        self.keepalive = keepalive
        self.two_way = two_way
        self.fsm = TcpStateMachine()
        self.tcb = Tcb(iss=iss, rcv_wnd=rcv_wnd)
        self.recovery = Recovery(timers)
        self.reassembly = Reassembly()
        self.deadlines = Deadlines()
        self._send_buffer = bytearray()
        self._fin_queued = False
        self._fin_seq: int | None = None
        self.sent_data = bytearray()
        self.orphan = False
        self.error: str | None = None
        #: Set by the simulator when the host crashed: the TCB vanished without a transition.
        self.lost = False
        self.accepted_at: float | None = None
        self._ack_pending = 0
        self._last_heard = 0.0
        self._probes_out = 0
        self._last_oow: float | None = None
        self._now = 0.0
        self._out: list[Outgoing] = []
        self.log: list[LogEntry] = []
        #: How many of the oldest log entries were dropped (absolute index = dropped + i).
        self.log_dropped = 0

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
        return self.tcb.in_flight

    @property
    def received(self) -> bytearray:
        """The bytes delivered to the application, in order."""
        return self.reassembly.received

    @property
    def eof(self) -> bool:
        """True once the peer's FIN has been delivered."""
        return self.reassembly.eof

    @property
    def srtt(self) -> float | None:
        return self.recovery.srtt

    @property
    def rttvar(self) -> float | None:
        return self.recovery.rttvar

    def drain(self) -> list[Outgoing]:
        """Every segment produced since the last drain, with its note; clears the queue."""
        out, self._out = self._out, []
        return out

    # ------------------------------------------------------------------ helpers
    def _set_now(self, now: float) -> None:
        if type(now) is float and 0.0 <= now < math.inf:  # fast path (NaN fails)
            t = now
        else:
            t = V.number(now, "now", ge=0, what="a time in seconds")
        # Bounded memory: keep the newest undrained segments and log entries only.
        if len(self._out) > MAX_UNDRAINED:
            del self._out[:-MAX_UNDRAINED]
        if len(self.log) > MAX_LOG:
            self.log_dropped += len(self.log) - MAX_LOG
            del self.log[:-MAX_LOG]
        if t < self._now - 1e-12:
            raise ValueError(f"now = {V.short(now)}: time went backwards (previous {self._now})")
        self._now = t

    def _check_call(self, event: Event, call: str) -> Arc:
        """The arc a user call would take; raises, naming the call, when it is illegal."""
        try:
            return self.fsm.arc_for(event)
        except InvalidTransition as exc:
            raise InvalidTransition(exc.state, exc.event, call=call) from None

    def _sent_since(self, mark: int) -> list[Segment]:
        return [o.segment for o in self._out[mark:]]

    def _log(self, kind: str, what: str, before: State | None = None) -> None:
        b = self.state if before is None else before
        self.log.append(LogEntry(self._now, kind, what, b, self.state))

    def _handle(self, event: Event, why: str = "") -> Transition:
        """Take ``event`` through the table and do the arc's side effects."""
        before = self.state
        step = self.fsm.handle(event)
        self._after_transition(step.arc, before, why)
        return step

    def _apply_arc(self, arc: Arc, why: str) -> Transition:
        """Apply an arc that is not in the table (only the two-way variant's)."""
        before = self.state
        step = self.fsm.take(arc)
        self._after_transition(arc, before, why)
        return step

    def _after_transition(self, arc: Arc, before: State, why: str) -> None:
        if arc.source is not arc.target:
            self._log(
                "state", f"{before.name} → {arc.target.name}" + (f": {why}" if why else ""), before
            )
        d = self.deadlines
        if arc.timer in (Timer.START_2MSL, Timer.RESTART_2MSL):
            d.clear()  # Figure 5 note 2: "turn off other timers"
            d.time_wait = self._now + self.time_wait_len
        elif arc.timer is Timer.STOP_2MSL:
            d.time_wait = None
        entering_fw2 = arc.target is State.FIN_WAIT_2 and before is not State.FIN_WAIT_2
        if entering_fw2 and self.orphan and self.timers.fin_wait_2 is not None:
            d.fin_wait_2 = self._now + self.timers.fin_wait_2
        gone = (State.CLOSED, State.LISTEN)
        if arc.target in gone and before not in gone:
            d.clear()
            self.recovery.clear()
            self.reassembly.clear()
            self._send_buffer.clear()
            self._ack_pending = 0
        if arc.target is State.ESTABLISHED and before is not State.ESTABLISHED:
            self.accepted_at = self._now
            if self.keepalive:
                d.keepalive = self._last_heard + self.timers.keepalive_time

    # ------------------------------------------------------------------ building segments
    def _window_field(self, syn: bool) -> int:
        shift = 0 if syn else self.tcb.rcv_wscale
        return min(self.tcb.rcv_wnd >> shift, 65535)

    def _options(self, syn: bool, synack: bool) -> Options:
        ts = (int(self._now * 1000) % MOD, self.tcb.ts_recent) if self._ts_on(syn, synack) else None
        if not syn:
            return Options(ts=ts)
        wscale = self.wscale
        if synack and self.tcb.snd_wscale_offered is None:
            wscale = None
        return Options(mss=self.mss, wscale=wscale, ts=ts)

    def _ts_on(self, syn: bool, synack: bool) -> bool:
        if not self.timestamps:
            return False
        if syn and not synack:
            return True
        if synack:
            return self.tcb.peer_ts
        return self.tcb.ts_ok

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

    # ------------------------------------------------------------------ output
    def _emit(self, seg: Segment, note: str = "") -> Segment:
        self._out.append(Outgoing(seg, note))
        if seg.has_ack and not seg.is_rst:
            self._ack_pending = 0
            self.deadlines.delack = None
        return seg

    def _send_ack(self, note: str = "") -> None:
        self._emit(self._segment(Flags.ACK, self.tcb.snd_nxt, self.tcb.rcv_nxt), note)

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

    def _ack_now_or_later(self, note: str) -> None:
        if self.delayed_ack <= 0:
            self._send_ack(note)
            return
        self._ack_pending += 1
        if self._ack_pending >= 2:  # RFC 9293 §3.8.6.3: ACK at least every 2nd segment
            self._send_ack(note)
        elif self.deadlines.delack is None:
            self.deadlines.delack = self._now + self.delayed_ack

    # ------------------------------------------------------------------ retransmission
    def _start_rtx(self, restart: bool = False) -> None:
        if restart or self.deadlines.rtx is None:
            self.deadlines.rtx = self._now + self.recovery.rto

    def _queue_and_send(self, seg: Segment, note: str = "") -> None:
        """Send a segment that consumes sequence space and keep it for retransmission."""
        self.recovery.on_send(seg, self._now)
        self._emit(seg, note)
        self._start_rtx()

    def _send_syn(self) -> None:
        self.tcb.start_send()
        self.recovery.restart()
        self._queue_and_send(self._segment(Flags.SYN, self.tcb.iss), "SYN")

    def _ack_advances(self, ack: int) -> bool:
        """Process an acceptable SEG.ACK (SND.UNA < SEG.ACK =< SND.NXT): trim the queue."""
        tcb = self.tcb
        if not S.ack_acceptable(tcb.snd_una, ack, tcb.snd_nxt):
            return False
        tcb.snd_una = ack
        self.recovery.on_ack(ack, self._now)
        if tcb.snd_una == tcb.snd_nxt:
            self.deadlines.rtx = None
        else:
            self._start_rtx(restart=True)
        return True

    def _our_fin_acked(self) -> bool:
        return self._fin_seq is not None and self.tcb.snd_una == self.tcb.snd_nxt

    # ------------------------------------------------------------------ sending data
    def _push(self) -> None:
        """Send queued data (window permitting) and then a queued FIN."""
        if self.state not in (
            State.ESTABLISHED,
            State.CLOSE_WAIT,
            State.FIN_WAIT_1,
            State.LAST_ACK,
        ):
            return
        tcb = self.tcb
        limit = max(1, min(self.mss, tcb.peer_mss))
        while self._send_buffer:
            window_left = tcb.snd_wnd - tcb.in_flight
            if window_left <= 0:
                break  # zero-window probing is not modelled
            n = min(limit, window_left, len(self._send_buffer))
            chunk = bytes(self._send_buffer[:n])
            del self._send_buffer[:n]
            flags = Flags.ACK | (Flags.PSH if not self._send_buffer else Flags(0))
            seg = self._segment(flags, tcb.snd_nxt, tcb.rcv_nxt, chunk)
            tcb.snd_nxt = add(tcb.snd_nxt, n)
            self._queue_and_send(seg, "data")
        if self._fin_queued and self._fin_seq is None and not self._send_buffer:
            self._fin_seq = tcb.snd_nxt
            seg = self._segment(Flags.FIN | Flags.ACK, tcb.snd_nxt, tcb.rcv_nxt)
            tcb.snd_nxt = add(tcb.snd_nxt, 1)
            self._queue_and_send(seg, "FIN")

    # ------------------------------------------------------------------ rate limits
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
