"""Reassembly: the out-of-order queue and in-order delivery to the application.

Theory of operation
-------------------
RFC 9293 §3.10.7.4 seventh step: text is delivered in sequence order. A segment that
starts beyond RCV.NXT waits in :attr:`Reassembly.ooo` (keyed by its first sequence
number); one that overlaps what was already received is trimmed (:meth:`trim`). After
each delivery :meth:`pop_next` hands out the next waiting segment that reaches
RCV.NXT, trimming or freeing every queued segment that RCV.NXT has overtaken, so the
queue never holds data behind RCV.NXT. :meth:`clear` empties it when the TCB goes away.
"""

from __future__ import annotations

from tcplab import seq as S
from tcplab.endpoint.tcb import MOD
from tcplab.segment import Segment

__all__ = ["Reassembly"]


class Reassembly:
    """Out-of-order segments, the bytes delivered, and whether the FIN arrived."""

    def __init__(self) -> None:
        self.ooo: dict[int, Segment] = {}
        self.received = bytearray()
        self.fin_received = False
        self.eof = False

    @staticmethod
    def trim(seg: Segment, rcv_nxt: int) -> Segment | None:
        """``seg`` without the part before ``rcv_nxt``; None if nothing new is left."""
        if not S.before(seg.seq, rcv_nxt):
            return seg
        cut = (rcv_nxt - seg.seq) % MOD
        if cut >= len(seg.payload) + (1 if seg.is_fin else 0):
            return None
        return seg.replace(seq=rcv_nxt, payload=seg.payload[cut:])

    def hold(self, seg: Segment) -> None:
        """Keep a segment that starts beyond RCV.NXT (a later copy replaces an earlier)."""
        self.ooo[seg.seq] = seg

    def pop_next(self, rcv_nxt: int) -> Segment | None:
        """The queued segment that continues at ``rcv_nxt`` (trimmed), or None.

        Segments wholly behind ``rcv_nxt`` are freed on the way.
        """
        if self.fin_received:
            self.ooo.clear()  # nothing after a FIN is ever delivered
            return None
        for seq in [k for k in self.ooo if not S.after(k, rcv_nxt)]:
            rest = self.trim(self.ooo.pop(seq), rcv_nxt)
            if rest is not None:
                return rest
        return None

    def clear(self) -> None:
        """Forget queued segments (the delivered bytes stay readable)."""
        self.ooo.clear()
