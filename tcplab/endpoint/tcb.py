"""The Transmission Control Block: RFC 9293 §3.3.1's sequence variables and options.

Theory of operation
-------------------
:class:`Tcb` is plain data plus the few rules that only read and write it: the
acceptability test of an arriving segment (§3.10.7.4 first check), what a SYN teaches
(IRS, RCV.NXT, MSS, window scale, timestamps; §3.10.7.2/3) and the send-window update.
It knows nothing about states, timers or queues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from tcplab import seq as S
from tcplab.segment import Segment

__all__ = ["Tcb"]

MOD: Final = S.MOD


def add(a: int, n: int) -> int:
    """Sequence-number addition modulo 2³²."""
    return (a + n) % MOD


@dataclass
class Tcb:
    """Send and receive sequence variables (RFC 9293 §3.3.1) and negotiated options."""

    iss: int
    rcv_wnd: int
    snd_una: int = field(init=False)
    snd_nxt: int = field(init=False)
    irs: int | None = None
    snd_wnd: int = 0
    max_snd_wnd: int = 0
    rcv_nxt: int = 0
    snd_wscale: int = 0
    """Shift applied to the peer's window field."""
    rcv_wscale: int = 0
    """Shift we apply to our window field."""
    ts_ok: bool = False
    ts_recent: int = 0
    peer_mss: int = 536
    """RFC 9293 §3.7.1 default when the option is absent."""
    snd_wscale_offered: int | None = None
    peer_ts: bool = False

    def __post_init__(self) -> None:
        self.snd_una = self.iss
        self.snd_nxt = self.iss

    @property
    def in_flight(self) -> int:
        """Sequence numbers sent but not acknowledged (SND.NXT − SND.UNA)."""
        return (self.snd_nxt - self.snd_una) % MOD

    def start_send(self) -> None:
        """A SYN (or SYN-ACK) goes out: SND.UNA = ISS, SND.NXT = ISS + 1."""
        self.snd_una = self.iss
        self.snd_nxt = add(self.iss, 1)

    def acceptable(self, seg: Segment) -> bool:
        """RFC 9293 §3.10.7.4 first check (the four cases of the receive window)."""
        return S.segment_acceptable(seg.seq, seg.seg_len, self.rcv_nxt, self.rcv_wnd)

    def learn_syn(self, seg: Segment, *, wscale: int | None, timestamps: bool) -> None:
        """What the peer's SYN says: IRS, RCV.NXT, MSS, window scale, timestamps, window."""
        self.irs = seg.seq
        self.rcv_nxt = add(seg.seq, 1)
        o = seg.options
        if o.mss is not None:
            self.peer_mss = o.mss
        self.snd_wscale_offered = o.wscale
        if o.wscale is not None and wscale is not None:
            self.snd_wscale, self.rcv_wscale = o.wscale, wscale
        self.peer_ts = o.ts is not None
        if o.ts is not None and timestamps:
            self.ts_ok = True
            self.ts_recent = o.ts[0]
        self.snd_wnd = seg.window  # never scaled in a SYN (RFC 7323 §2.2)
        self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)

    def update_window(self, seg: Segment) -> None:
        """SND.WND from an acceptable ACK (scaled by the peer's shift)."""
        self.snd_wnd = seg.window << self.snd_wscale
        self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
