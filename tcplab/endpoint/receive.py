"""The receive path: classify each arriving segment and act on it (RFC 9293 §3.10.7).

Theory of operation
-------------------
:meth:`ReceivePath.receive` dispatches on the state: CLOSED (§3.10.7.1), LISTEN
(§3.10.7.2), SYN-SENT (§3.10.7.3) and "otherwise" (§3.10.7.4, in the RFC's order of
checks: sequence number, RST, SYN, ACK, text, FIN). Each check *classifies* the
concrete segment — sequence and ACK tests with :mod:`tcplab.seq` — into a
:class:`~tcplab.fsm.Event` for the transition table, or into one of the replies the
table abstracts (RFC 5961 challenge ACKs, the ``<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>``
answer to an unacceptable segment, RSTs). Text goes through the
:class:`~.reassembly.Reassembly` part.
"""

from __future__ import annotations

from tcplab import _validate as V
from tcplab import seq as S
from tcplab.endpoint.core import TWO_WAY_ARC, EndpointCore, Outgoing
from tcplab.endpoint.tcb import add
from tcplab.fsm import SYNCHRONIZED_STATES, Event, Origin, Send, State, Timer
from tcplab.segment import Flags, Segment

__all__ = ["ReceivePath"]


def _event_for_closed(seg: Segment) -> Event:
    if seg.is_rst:
        return Event.RCV_RST
    if seg.is_syn:
        return Event.RCV_SYN_ACK if seg.has_ack else Event.RCV_SYN
    if seg.is_fin:
        return Event.RCV_FIN
    return Event.RCV_ACK


class ReceivePath(EndpointCore):
    """Segment arrival: RFC 9293 §3.10.7 (see the module docstring)."""

    def receive(self, segment: Segment, now: float) -> list[Segment]:
        """Process one arriving segment (RFC 9293 §3.10.7); return the segments to send."""
        self._set_now(now)
        if not isinstance(segment, Segment):
            raise ValueError(f"receive() needs a Segment; got {segment!r:.80}")
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
                self.deadlines.keepalive = self._now + self.timers.keepalive_time
        self._push()
        return self._sent_since(mark)

    def time_wait_reopen_iss(self, segment: Segment, now: float) -> int | None:
        """Linux: may ``segment`` (a SYN) reopen this 4-tuple from TIME-WAIT?

        If the preset allows it (``timers.time_wait_reopen``) and the SYN has no ACK and a
        SEQ after RCV.NXT, TIME-WAIT ends here (the TCB is deleted) and the ISS the new
        connection must use is returned: SND.NXT + 65535 + 2, never 0
        (tcp_timewait_state_process()). Otherwise None and nothing changes. The caller —
        the host's listener — then opens the new connection.
        """
        self._set_now(now)
        if not isinstance(segment, Segment):
            raise V.ArgumentTypeError(f"segment = {V.short(segment)}: expected a Segment")
        seg, tcb = segment, self.tcb
        fresh = seg.is_syn and not seg.has_ack and not seg.is_rst
        if not (self.state is State.TIME_WAIT and self.timers.time_wait_reopen and fresh):
            return None
        if not S.after(seg.seq, tcb.rcv_nxt):
            return None  # an old duplicate SYN: TIME-WAIT ACKs it instead
        self._handle(Event.TIMEOUT, "a new SYN (SEQ after RCV.NXT) reopened the 4-tuple")
        self._log("note", "TIME-WAIT ended early by a new SYN (Linux)")
        return add(tcb.snd_nxt, 65535 + 2) or 1

    # ------------------------------------------------------------ CLOSED, LISTEN, SYN-SENT
    def _rcv_closed(self, seg: Segment) -> None:
        # RFC 9293 §3.10.7.1: no TCB. Never answer an RST; otherwise RST.
        step = self._handle(_event_for_closed(seg))
        if step.send is Send.RST:
            if seg.has_ack:
                self._send_rst(seg.ack, note="no connection: RST")
            else:
                self._send_rst(0, ack=seg.end, note="no connection: RST")

    def _learn_syn(self, seg: Segment) -> None:
        self.tcb.learn_syn(seg, wscale=self.wscale, timestamps=self.timestamps)

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
        if seg.is_fin and self.timers.drop_syn_fin:
            self._log("note", "SYN+FIN in LISTEN: discarded (Linux)")
            return
        self.remote = (seg.src_addr, seg.src_port)
        self._learn_syn(seg)
        self.tcb.start_send()
        self.recovery.restart()
        synack = self._segment(Flags.SYN | Flags.ACK, self.tcb.iss, self.tcb.rcv_nxt)
        if self.two_way:
            self._apply_arc(TWO_WAY_ARC, "two-way variant: committed on the SYN alone")
            self.tcb.snd_una = self.tcb.snd_nxt  # nobody will acknowledge it
            self._emit(synack, "SYN-ACK (two-way variant)")
            return
        step = self._handle(Event.RCV_SYN)
        assert step.send is Send.SYN_ACK
        self._queue_and_send(synack, "SYN-ACK")

    def _rcv_syn_sent(self, seg: Segment) -> None:
        # RFC 9293 §3.10.7.3, in its order: ACK, RST, (security), SYN.
        tcb = self.tcb
        ack_ok = False
        if seg.has_ack:
            if not S.ack_acceptable(tcb.snd_una, seg.ack, tcb.snd_nxt):
                if not seg.is_rst:
                    self._send_rst(seg.ack, note="unacceptable ACK in SYN-SENT: RST seq=SEG.ACK")
                    self._syn_soon_after_rst()
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
            tcb.ts_ok = self.timestamps and seg.options.ts is not None
            if seg.payload:
                self._synack_text(seg)
            mark = len(self._out)
            self._push()  # queued data rides on the ACK of the SYN-ACK
            if len(self._out) > mark:
                first = self._out[mark]
                self._out[mark] = Outgoing(first.segment, "data on the third segment")
            elif not self.two_way:
                self._send_ack("ACK (third segment)")
            return
        # Simultaneous open: answer SYN-ACK with our own ISS again.
        self._handle(Event.RCV_SYN, "simultaneous open")
        self.recovery.clear()
        self.recovery.restart()
        synack = self._segment(Flags.SYN | Flags.ACK, tcb.iss, tcb.rcv_nxt)
        self.recovery.on_send(synack, self._now)
        self._emit(synack, "SYN-ACK (simultaneous open)")
        self._start_rtx(restart=True)

    # ------------------------------------------------------------ §3.10.7.4 "otherwise"
    def _rcv_other(self, seg: Segment) -> None:
        """SYN-RECEIVED and the synchronized states: RFC 9293 §3.10.7.4."""
        in_time_wait = self.state is State.TIME_WAIT  # before this segment, not because of it
        if in_time_wait and self.timers.time_wait_ack_all:
            self._rcv_time_wait_linux(seg)
            return
        # first: sequence number; second: RST (RFC 5961 §3 three cases)
        if seg.is_rst:
            self._rcv_rst(seg)
            return
        # fourth: SYN (handled before the sequence check where Linux does)
        if seg.is_syn:
            self._rcv_syn_synchronized(seg)
            return
        if not self.tcb.acceptable(seg):
            self._rcv_unacceptable(seg)
            return
        # fifth: ACK
        if not seg.has_ack:
            return
        if not self._rcv_ack(seg):
            return
        if in_time_wait:  # the ACK that moved CLOSING → TIME-WAIT is not answered
            self._time_wait_reply(seg)
            return
        if self.tcb.ts_ok and seg.options.ts is not None:
            self.tcb.ts_recent = seg.options.ts[0]
        # seventh: segment text; eighth: FIN
        self._take_text(seg)

    def _rcv_rst(self, seg: Segment) -> None:
        st = self.state
        if not self.tcb.acceptable(seg):
            self._log("note", f"RST seq={seg.seq} outside the window: dropped")
            return
        if seg.seq != self.tcb.rcv_nxt:
            self._challenge_ack("RST in window, not at RCV.NXT")
            return
        passive_syn_rcvd = st is State.SYN_RECEIVED and self.origin is Origin.PASSIVE
        self._handle(Event.RCV_RST)
        if st is State.TIME_WAIT:
            self._log("note", "RST in TIME-WAIT: TIME-WAIT ended early (RFC 1337)")
        elif not passive_syn_rcvd:
            self.error = "connection refused" if st is State.SYN_RECEIVED else "connection reset"
            self._log("error", self.error)

    def _rcv_unacceptable(self, seg: Segment) -> None:
        if seg.is_fin and self.reassembly.fin_received and seg.end == self.tcb.rcv_nxt:
            self._retransmitted_fin(seg)
            return
        if seg.seg_len == 0 and self._rate_limited():
            return  # Linux limits replies to out-of-window pure ACKs (ACK loops)
        self._send_ack("unacceptable segment: ACK")

    def _rcv_ack(self, seg: Segment) -> bool:
        """The fifth check; False when the segment is finished with (dropped or closed)."""
        st, tcb = self.state, self.tcb
        if st is State.SYN_RECEIVED:
            if not S.ack_acceptable(tcb.snd_una, seg.ack, tcb.snd_nxt):
                self._send_rst(seg.ack, note="unacceptable ACK in SYN-RECEIVED: RST")
                return False
            self._ack_advances(seg.ack)
            self._handle(Event.RCV_ACK)
            tcb.update_window(seg)
            return True
        if S.after(seg.ack, tcb.snd_nxt):
            if self.timers.ack_unsent_reply:  # RFC 9293 5th step; Linux just drops it
                self._send_ack("ACK of data not yet sent: ACK")
            else:
                self._log("note", f"ACK {seg.ack} of data not yet sent: dropped")
            return False
        lower = (tcb.snd_una - tcb.max_snd_wnd) % S.MOD
        if S.before(seg.ack, lower):
            self._send_ack("ACK too old (RFC 5961 §5): ACK")
            return False
        fin_was_acked = self._our_fin_acked()
        self._ack_advances(seg.ack)
        tcb.update_window(seg)
        if self._our_fin_acked() and not fin_was_acked:
            fin_in_order = seg.is_fin and add(seg.seq, len(seg.payload)) == tcb.rcv_nxt
            if st is State.FIN_WAIT_1 and fin_in_order:
                pass  # FIN+ACK: handled below as RCV_FIN_ACK (three-way close)
            elif st in (State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK):
                self._handle(Event.RCV_ACK, "our FIN is acknowledged")
                if self.state is State.CLOSED:
                    return False
        return True

    def _syn_again_in_syn_received(self, seg: Segment) -> bool:
        """The peer's SYN again in SYN-RECEIVED (SEG.SEQ = IRS); True when answered."""
        tcb, passive = self.tcb, self.origin is Origin.PASSIVE
        if passive and not seg.has_ack:
            if not (self.timers.resend_synack_on_syn and self.recovery.queue):
                return False
            if self._rate_limited():
                return True
            head = self.recovery.queue[0].replace(ack=tcb.rcv_nxt)
            self._emit(head, "retransmitted SYN: SYN-ACK again (Linux)")
            # tcp_check_req(): the request timer is re-armed, so no SYN-ACK follows at once.
            self._start_rtx(restart=True)
            return True
        if passive or not seg.has_ack or not S.ack_acceptable(tcb.snd_una, seg.ack, tcb.snd_nxt):
            return False
        # Simultaneous open (RFC 9293 Figure 8): the peer's SYN-ACK acknowledges ours.
        self._ack_advances(seg.ack)
        self._handle(Event.RCV_ACK, "simultaneous open: our SYN is acknowledged")
        tcb.update_window(seg)
        # The SYN-ACK repeats a SYN already received: Linux ACKs it as a duplicate (and by
        # RFC 9293's first check it is unacceptable, so an ACK too) — 6 segments in all.
        self._send_ack("ACK of the peer's SYN-ACK (simultaneous open)")
        return True

    def _rcv_syn_synchronized(self, seg: Segment) -> None:
        st, tcb = self.state, self.tcb
        passive = self.origin is Origin.PASSIVE
        if st is State.SYN_RECEIVED and seg.seq == tcb.irs and self._syn_again_in_syn_received(seg):
            return
        if st is State.SYN_RECEIVED and passive and not tcb.acceptable(seg):
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
        tcb = self.tcb
        if seg.has_ack and S.ack_acceptable(tcb.snd_una, seg.ack, tcb.snd_nxt):
            self._ack_advances(seg.ack)
        covers_ours = self._our_fin_acked()
        event = Event.RCV_FIN
        if covers_ours and self.fsm.can_handle(Event.RCV_FIN_ACK):
            event = Event.RCV_FIN_ACK
        elif covers_ours and self.state is State.LAST_ACK:
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

    # ------------------------------------------------------------ text and FIN
    def _take_text(self, seg: Segment) -> None:
        data_ok = self.state in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2)
        if not (seg.payload or seg.is_fin):
            return
        if not data_ok and not seg.is_fin:
            return  # RFC: text after a FIN "should not occur"; ignore it
        rx, rcv_nxt = self.reassembly, self.tcb.rcv_nxt
        if S.after(seg.seq, rcv_nxt):
            rx.hold(seg)  # out of order: keep it, ACK what we have now
            self._send_ack("out of order: duplicate ACK")
            return
        rest = rx.trim(seg, rcv_nxt)  # overlap with what we have: trim it
        if rest is None:
            self._send_ack("duplicate: ACK")
            return
        fin_before = rx.fin_received
        owed = self._deliver(rest)
        filled = False
        while (nxt := rx.pop_next(self.tcb.rcv_nxt)) is not None:
            owed = self._deliver(nxt) or owed
            filled = True
        if not owed or (rx.fin_received and not fin_before):
            return  # nothing to ACK, or the FIN's ACK acknowledges the data too
        if filled:  # RFC 5681 §4.2 (Linux too): ACK at once when a hole is filled
            self._send_ack("ACK of data (hole filled: one cumulative ACK)")
        else:
            self._ack_now_or_later("ACK of data")

    def _deliver(self, seg: Segment) -> bool:
        """Deliver in-order text (and a FIN); True when the data still needs an ACK."""
        st, tcb, rx = self.state, self.tcb, self.reassembly
        owed = False
        if seg.payload and st in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2):
            n = min(len(seg.payload), tcb.rcv_wnd)
            rx.received += seg.payload[:n]
            tcb.rcv_nxt = add(tcb.rcv_nxt, n)
            self._log("data", f"delivered {n} bytes to the application")
            owed = not seg.is_fin
        if not seg.is_fin or rx.fin_received:
            return owed
        tcb.rcv_nxt = add(tcb.rcv_nxt, 1)
        rx.fin_received = True
        rx.eof = True
        self._log("data", "end of file (FIN received)")
        if st is State.FIN_WAIT_1 and self._our_fin_acked():
            step = self._handle(Event.RCV_FIN_ACK, "FIN+ACK: FIN and the ACK of ours")
        else:
            step = self._handle(Event.RCV_FIN)
        if step.send is Send.ACK:
            # Linux: quick ACK of a FIN unless data came first (delayed-ACK mode); only then
            # can the ACK wait and ride on our FIN (a three-way close). facts.md §13.
            delayable = bool(rx.received) or not self.timers.fin_quickack
            if step.target is State.CLOSE_WAIT and delayable:
                self._ack_now_or_later("ACK of FIN")
            else:
                self._send_ack("ACK of FIN")
        return False

    # ------------------------------------------------------------ Linux / RFC differences
    def _syn_soon_after_rst(self) -> None:
        """Linux: the SYN follows its RST to a stale connection's ACK at TCP_TIMEOUT_MIN."""
        delay, rec = self.timers.syn_retry_after_rst, self.recovery
        if delay is not None and rec.retries == 0 and rec.queue:
            self.deadlines.rtx = self._now + delay
            self._log("note", f"SYN timer re-armed at {delay * 1000:g} ms after the RST (Linux)")

    def _synack_text(self, seg: Segment) -> None:
        """Text on a SYN-ACK: kept by RFC 9293 (sixth step on), dropped by Linux."""
        tcb, rx = self.tcb, self.reassembly
        if not self.timers.synack_data:
            self._log("note", f"SYN-ACK carried {len(seg.payload)} bytes: dropped (Linux)")
            return
        n = min(len(seg.payload), tcb.rcv_wnd)
        rx.received += seg.payload[:n]
        tcb.rcv_nxt = add(tcb.rcv_nxt, n)
        self._log("data", f"delivered {n} bytes carried by the SYN-ACK")

    def _restart_time_wait(self, why: str) -> None:
        self.deadlines.time_wait = self._now + self.time_wait_len
        self._log("note", f"{why}: 2MSL timer restarted")

    def _time_wait_reply(self, seg: Segment) -> None:
        """RFC 9293 §3.10.7.4 fifth and eighth steps in TIME-WAIT: ACK it and restart."""
        if seg.is_fin:
            self._handle(Event.RCV_FIN, "FIN in TIME-WAIT")  # table: ACK, restart 2MSL
            self._send_ack("FIN in TIME-WAIT: ACK again, restart 2MSL")
            return
        self._restart_time_wait("segment in TIME-WAIT (RFC 9293 fifth step)")
        self._send_ack("TIME-WAIT: ACK (RFC 9293 fifth step)")

    def _rcv_time_wait_linux(self, seg: Segment) -> None:
        """Linux tcp_timewait_state_process(): ACK everything but an RST or a bare ACK."""
        tcb = self.tcb
        if seg.is_rst:
            if seg.seq == tcb.rcv_nxt:
                self._handle(Event.RCV_RST, "RST at RCV.NXT")
                self._log("note", "RST in TIME-WAIT: TIME-WAIT ended early (RFC 1337)")
            else:
                self._log("note", f"RST seq={seg.seq} in TIME-WAIT: dropped (no challenge ACK)")
            return
        if seg.seq == tcb.rcv_nxt and seg.seg_len == 0:
            self._restart_time_wait("bare ACK at RCV.NXT in TIME-WAIT")
            return
        if seg.is_fin and seg.end == tcb.rcv_nxt:
            self._retransmitted_fin(seg)  # the table's ACK + restart 2MSL
            return
        if seg.has_ack:
            self._restart_time_wait("segment in TIME-WAIT")
        if not self._rate_limited():
            self._send_ack("TIME-WAIT: ACK (Linux)")
