"""Loss recovery: the retransmission queue, RTT samples, the RTO and its backoff.

Theory of operation
-------------------
:class:`Recovery` keeps what RFC 6298 and RFC 9293 §3.8.1 need to retransmit: the
queue of segments sent but not acknowledged (in sequence order), one RTT probe at a
time (Karn's rule: never time a retransmitted segment), SRTT/RTTVAR and the current
RTO. The backoff and the give-up decision are :class:`tcplab.timers.RetryRule`'s —
the one schedule of the library — applied one expiry at a time by :meth:`on_timeout`.
The endpoint owns the timer itself (:class:`~tcplab.endpoint.deadlines.Deadlines`).
"""

from __future__ import annotations

from tcplab import seq as S
from tcplab.endpoint.tcb import MOD
from tcplab.segment import Flags, Segment
from tcplab.timers import RetryRule, TimerPreset

__all__ = ["Recovery"]


class Recovery:
    """Retransmission queue, RTT estimator (RFC 6298) and backoff state of one TCB."""

    def __init__(self, timers: TimerPreset) -> None:
        if not isinstance(timers, TimerPreset):
            raise TypeError(f"timers = {timers!r:.80}: expected a tcplab.timers.TimerPreset")
        self.timers = timers
        self.queue: list[Segment] = []
        """Sent, not fully acknowledged, in sequence order (bounded by SND.NXT − SND.UNA)."""
        self.rto = timers.initial_rto
        self.retries = 0
        """Retransmissions of the queue head since it was last acknowledged."""
        self.since = 0.0
        """The clock of the rule's time budget (Linux ``retrans_stamp``): the first SYN of
        a handshake, the first retransmission of data."""
        self.handshake_retransmitted = False
        self.rtt_probe: tuple[int, float] | None = None
        self.srtt: float | None = None
        self.rttvar: float | None = None

    def restart(self) -> None:
        """A fresh SYN or SYN-ACK: initial RTO, no retries counted."""
        self.rto = self.timers.initial_rto
        self.retries = 0

    def clear(self) -> None:
        """Nothing left to retransmit (CLOSED, LISTEN, abort)."""
        self.queue.clear()
        self.rtt_probe = None

    def on_send(self, seg: Segment, now: float) -> None:
        """A segment that consumes sequence space left: keep it; time it if none is timed."""
        if seg.is_syn and not self.queue:
            self.since = now  # Linux retrans_stamp: tcp_connect() stamps the first SYN
        self.queue.append(seg)
        if self.rtt_probe is None and seg.seg_len:
            self.rtt_probe = (seg.end, now)

    def on_ack(self, ack: int, now: float) -> None:
        """An acceptable SEG.ACK: sample the RTT, trim the queue, reset the backoff."""
        if self.rtt_probe is not None and not S.after(self.rtt_probe[0], ack):
            self._sample(now - self.rtt_probe[1])
            self.rtt_probe = None
        while self.queue and not S.after(self.queue[0].end, ack):
            self.queue.pop(0)
        if self.queue:  # partially acknowledged head: keep only the unacknowledged part
            head = self.queue[0]
            if S.before(head.seq, ack) and head.payload:
                cut = (ack - head.seq) % MOD
                self.queue[0] = head.replace(seq=ack, payload=head.payload[cut:])
        self.retries = 0
        self.rto = self.current_rto()

    def current_rto(self) -> float:
        """RFC 6298 §2: SRTT + 4·RTTVAR within [rto_min, rto_max]; §5.7 fallback 3 s."""
        t = self.timers
        if self.srtt is None or self.rttvar is None:
            return t.rto_fallback if self.handshake_retransmitted else t.initial_rto
        return min(t.rto_max, max(t.rto_min, self.srtt + 4 * self.rttvar))

    def _sample(self, r: float) -> None:
        # RFC 6298 §2.2–2.3 (alpha = 1/8, beta = 1/4).
        if self.srtt is None or self.rttvar is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r

    def coalesced_head(self, mss: int) -> Segment:
        """The head merged with the queued segments that follow it, up to ``mss`` bytes
        (Linux tcp_retrans_try_collapse(): one segment where the first send needed two).
        The queue then holds the merged segment alone in their place."""
        head = self.queue[0]
        if head.is_syn:
            return head
        n = 1
        payload = head.payload
        flags = head.flags
        while n < len(self.queue) and not (flags & Flags.FIN):
            nxt = self.queue[n]
            contiguous = nxt.seq == (head.seq + len(payload)) % MOD
            if not contiguous or len(payload) + len(nxt.payload) > mss:
                break
            payload += nxt.payload
            flags |= nxt.flags
            n += 1
        if n == 1:
            return head
        merged = head.replace(payload=payload, flags=flags)
        self.queue[:n] = [merged]
        return merged

    def on_timeout(self, rule: RetryRule, now: float, *, handshake: bool) -> float | None:
        """The retransmission timer fired at ``now``.

        Returns None when ``rule`` says give up; otherwise counts the retransmission,
        backs the RTO off and returns the RTO that just expired (for the log).
        """
        if self.retries == 0 and not handshake:
            # Linux retrans_stamp for data: the first retransmission, i.e. now.
            self.since = now
        if rule.expired(self.retries, now - self.since):
            return None
        expired = self.rto
        self.retries += 1
        self.rtt_probe = None  # Karn: never time a retransmitted segment
        self.handshake_retransmitted = self.handshake_retransmitted or handshake
        self.rto = rule.next_rto(self.rto, self.retries)
        return expired
