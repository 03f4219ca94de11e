"""The endpoint's user calls (RFC 9293 §3.10.1–5) and timer expiries.

Theory of operation
-------------------
:class:`Endpoint` adds to the receive path (:mod:`.receive`) what the application and
the clock do: OPEN, SEND, CLOSE, ABORT, and the five timers of
:class:`~.deadlines.TimerKind`. A user call is checked against the transition table
*before* anything is logged or sent, so an illegal call leaves no trace. Timer
give-ups (SYN / SYN-ACK / data retries exhausted, the orphaned FIN-WAIT-2 timeout) are
the table's ``USER_TIMEOUT`` rows (§3.10.8): silent, unlike ABORT. The retransmission
backoff and give-up are :class:`tcplab.timers.RetryRule`'s, through
:class:`~.recovery.Recovery`.
"""

from __future__ import annotations

from collections.abc import Callable

from tcplab import _validate as V
from tcplab.endpoint.deadlines import TimerKind
from tcplab.endpoint.receive import ReceivePath
from tcplab.endpoint.tcb import MOD
from tcplab.fsm import SYNCHRONIZED_STATES, Event, Origin, Send, State
from tcplab.segment import Flags, FourTuple, Segment
from tcplab.timers import RetryRule

__all__ = ["MAX_SEND", "Endpoint", "IssChooser"]

#: Most bytes one send() call queues, and most unsent bytes the send buffer holds (16 MiB).
MAX_SEND = 1 << 24


class Endpoint(ReceivePath):
    """One TCP connection endpoint (a TCB) — see :mod:`tcplab.endpoint`.

    ``iss`` is the initial send sequence number (pick it with :mod:`tcplab.isn` or pass a
    number). ``local`` and ``remote`` are ``(address, port)``; ``remote`` may be None for a
    passive open (it is learned from the SYN). ``delayed_ack`` > 0 delays pure ACKs of
    data/FIN by that many seconds (an ACK is sent at once for every second segment), so
    that an ACK can ride on the FIN: a three-way close. ``keepalive`` enables probes
    after ``timers.keepalive_time`` of silence. ``two_way`` selects the non-TCP two-way
    handshake variant (see :data:`TWO_WAY_ARC`). ``time_wait`` overrides the preset's
    TIME-WAIT length (0 … 86400 s).
    """

    # ------------------------------------------------------------------ user calls
    def open(self, now: float, *, active: bool = True) -> list[Segment]:
        """OPEN (RFC 9293 §3.10.1): active sends SYN seq=ISS; passive enters LISTEN."""
        self._set_now(now)
        active = V.boolean(active, "active")
        event = Event.ACTIVE_OPEN if active else Event.PASSIVE_OPEN
        self._check_call(event, f"open(active={active})")  # raises before anything is logged
        if self.history:
            # One Endpoint = one TCB = one connection: reusing it would carry the old ISS,
            # queues and FIN state into the new connection (issue 13). Make a new one.
            raise ValueError(
                f"open(active={active}) on endpoint {self.name!r}: its connection is over "
                f"(CLOSED after {len(self.history)} transitions); create a new Endpoint, "
                "with a fresh ISS, for a new connection"
            )
        if active and self.remote is None:
            raise ValueError("an active open needs a remote (address, port)")
        mark = len(self._out)
        self._last_heard = self._now
        self._log("user", "active OPEN" if active else "passive OPEN")
        step = self._handle(event)
        if active:
            assert step.send is Send.SYN
            self._send_syn()
        return self._sent_since(mark)

    def send(self, data: bytes | str, now: float) -> list[Segment]:
        """SEND (RFC 9293 §3.10.2): queue data; it leaves once the connection allows."""
        self._set_now(now)
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, bytes | bytearray) or not data:
            raise V.ArgumentTypeError(f"data = {V.short(data)}: expected non-empty bytes or str")
        if len(data) > MAX_SEND:
            raise ValueError(f"data = {len(data)} bytes: expected at most {MAX_SEND} per send()")
        if len(self._send_buffer) + len(data) > MAX_SEND:
            # A real socket would block (or EAGAIN) until the peer's window drains it.
            raise ValueError(
                f"data = {len(data)} bytes: the send buffer already holds "
                f"{len(self._send_buffer)} unsent bytes; at most {MAX_SEND} may wait"
            )
        if self._fin_queued:
            raise ValueError(f"send() after close(): the connection is closing ({self.state.name})")
        arc = self._check_call(Event.SEND, f"send({V.short(bytes(data), 30)}, now={now!r})")
        opens = arc.send is Send.SYN
        if opens and self.remote is None:
            raise ValueError("SEND on a listening endpoint needs a remote (address, port)")
        mark = len(self._out)
        self._log("user", f"SEND {len(data)} bytes")
        if opens:
            self._handle(Event.SEND, "SEND on a listener: active open")
            self._send_syn()
        else:
            self._handle(Event.SEND)
        self._send_buffer += data
        self.sent_data += data
        self._push()
        return self._sent_since(mark)

    def close(self, now: float, *, orphan: bool = False) -> list[Segment]:
        """CLOSE (RFC 9293 §3.10.4): "I have no more to send" — a FIN after queued data.

        ``orphan=True`` models Linux ``close()`` (the application lets go of the socket):
        an orphaned FIN-WAIT-2 connection is deleted after ``timers.fin_wait_2``. The
        default is a half-close (``shutdown(SHUT_WR)``): we can still receive.
        """
        self._set_now(now)
        orphan = V.boolean(orphan, "orphan")
        self._check_call(Event.CLOSE, f"close(now={now!r}, orphan={orphan})")
        mark = len(self._out)
        self._log("user", "CLOSE" + (" (orphan)" if orphan else ""))
        before = self.state
        step = self._handle(Event.CLOSE)
        self.orphan = self.orphan or orphan
        if step.send is Send.FIN:
            self._fin_queued = True
            self._push()
        elif before is State.SYN_SENT:
            self.deadlines.clear()
            self.recovery.clear()
        return self._sent_since(mark)

    def abort(self, now: float) -> list[Segment]:
        """ABORT (RFC 9293 §3.10.5): RST <SEQ=SND.NXT> where the table says so; drop all."""
        self._set_now(now)
        self._check_call(Event.ABORT, f"abort(now={now!r})")
        mark = len(self._out)
        self._log("user", "ABORT")
        step = self._handle(Event.ABORT)
        if step.send is Send.RST:
            self._send_active_reset("ABORT: RST")
        self.deadlines.clear()
        self.recovery.clear()
        return self._sent_since(mark)

    # ------------------------------------------------------------------ timers
    def next_timer(self) -> float | None:
        """The earliest pending timer deadline (absolute seconds), or None."""
        return self.deadlines.next()

    def timers_pending(self) -> dict[str, float]:
        """Every pending timer: name → deadline (rtx, delack, time_wait, fin_wait_2, keepalive)."""
        return self.deadlines.pending()

    def handle_timer(self, now: float) -> list[Segment]:
        """Fire every timer due at ``now``; return the segments to send."""
        self._set_now(now)
        mark = len(self._out)
        fire: dict[TimerKind, Callable[[], None]] = {
            TimerKind.DELACK: self._on_delack,
            TimerKind.RTX: self._on_rtx,
            TimerKind.FIN_WAIT_2: self._on_fin_wait_2,
            TimerKind.KEEPALIVE: self._on_keepalive,
            TimerKind.TIME_WAIT: self._on_time_wait,
        }
        for kind in TimerKind:  # the enum's order is the firing order
            if self.deadlines.take_due(kind, self._now):
                fire[kind]()
        return self._sent_since(mark)

    def _send_active_reset(self, note: str) -> None:
        # Linux tcp_send_active_reset() sets ACK (RCV.NXT); RFC 9293 §3.10.5 a bare RST.
        ack = self.tcb.rcv_nxt if self.timers.rst_ack else None
        self._send_rst(self.tcb.snd_nxt, ack=ack, note=note + ("+ACK" if ack is not None else ""))

    def _on_delack(self) -> None:
        if self._ack_pending and self.state in SYNCHRONIZED_STATES:
            self._log("timer", "delayed-ACK timer")
            self._send_ack("delayed ACK")

    def _retry_rule(self) -> RetryRule:
        t = self.timers
        if self.state is State.SYN_SENT:
            return t.syn_rule()
        if self.state is State.SYN_RECEIVED:
            if self.origin is Origin.PASSIVE:
                return t.synack_rule()
            return t.syn_rule(simultaneous=True)
        return t.data_rule(orphan=self.orphan)

    def _on_rtx(self) -> None:
        rec = self.recovery
        if not rec.queue:
            return
        handshake = self.state in (State.SYN_SENT, State.SYN_RECEIVED)
        expired = rec.on_timeout(self._retry_rule(), self._now, handshake=handshake)
        if expired is None:
            self._give_up(f"retransmission timer: {rec.retries} retries exhausted")
            return
        if self.timers.coalesce_retransmissions:
            rec.coalesced_head(max(1, min(self.mss, self.tcb.peer_mss)))
        head = rec.queue[0]
        if head.has_ack:
            head = head.replace(
                ack=self.tcb.rcv_nxt,
                options=self._options(head.is_syn, head.is_syn and head.has_ack),
            )
            rec.queue[0] = head
        self._log(
            "timer", f"RTO {expired:g} s expired: retransmit {head.kind} (retry {rec.retries})"
        )
        self._emit(head, f"retransmission #{rec.retries} ({head.kind})")
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
            self.deadlines.keepalive = self._now + t.keepalive_time
            return
        if self._probes_out >= t.keepalive_probes:
            self._log("timer", f"keepalive: {self._probes_out} probes unanswered")
            step = self._handle(Event.ABORT, "keepalive gave up")
            if step.send is Send.RST:
                self._send_active_reset("keepalive gave up: RST")
            self.error = "connection timed out"
            self._log("error", "connection timed out (keepalive)")
            return
        self._probes_out += 1
        self._log("timer", f"keepalive probe {self._probes_out}")
        probe = self._segment(Flags.ACK, (self.tcb.snd_una - 1) % MOD, self.tcb.rcv_nxt)
        self._emit(probe, f"keepalive probe {self._probes_out}")
        self.deadlines.keepalive = self._now + t.keepalive_intvl

    def _on_time_wait(self) -> None:
        if self.state is State.TIME_WAIT:
            self._log("timer", f"TIME-WAIT timer ({self.time_wait_len:g} s) expired")
            self._handle(Event.TIMEOUT)

    def __repr__(self) -> str:
        t = self.tcb
        return (
            f"Endpoint({self.name!r}, {self.state.name}, iss={t.iss}, snd_una={t.snd_una},"
            f" snd_nxt={t.snd_nxt}, rcv_nxt={t.rcv_nxt})"
        )


#: Signature of an ISS chooser (``now``, 4-tuple) → ISS, used by listeners in the simulator.
IssChooser = Callable[[float, FourTuple], int]
