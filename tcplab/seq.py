"""32-bit sequence-number arithmetic: RFC 1982 serial numbers and RFC 9293's tests.

Theory of operation
-------------------
TCP numbers every byte (and the SYN and FIN flags) with a 32-bit sequence number that
wraps from 2^32−1 back to 0. Plain integer comparison breaks at the wrap, so TCP uses
*serial number arithmetic* (RFC 1982, SERIAL_BITS = 32): ``a`` is "less than" ``b`` when
going forward from ``a`` reaches ``b`` in fewer than 2^31 steps. The comparison is
defined only for numbers less than 2^31 apart; at exactly 2^31 RFC 1982 calls the result
undefined. :func:`lt` and friends raise there, while :func:`before`/:func:`after` copy
Linux (``(s32)(a - b) < 0``), which answers "yes" both ways round — a useful contrast.

On top of that sit RFC 9293 §3.4's tests: is an ACK acceptable (:func:`ack_acceptable`),
does a segment fall in the receive window (:func:`segment_acceptable`, the four-case
table), and the two speed figures: :func:`wrap_time` (RFC 7323: time to send 2^31 bytes,
the point where comparisons go ambiguous) and :func:`cycle_time` (RFC 9293 §3.4.3: time
to use all 2^32 numbers).

All functions are pure, take and return plain ``int`` s (numpy integers are accepted),
and raise :class:`ValueError` (a :class:`TypeError` for a wrong type) naming the bad
value and the valid range, via :mod:`tcplab._validate`. :class:`Seq` is a small value type on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tcplab import _validate as _v

__all__ = [
    "HALF",
    "MOD",
    "Seq",
    "ack_acceptable",
    "add",
    "after",
    "before",
    "between",
    "check",
    "cycle_time",
    "ge",
    "gt",
    "le",
    "lt",
    "segment_acceptable",
    "sub",
    "wrap_time",
]

MOD: Final = 1 << 32
"""2^32: the size of the sequence space."""
HALF: Final = 1 << 31
"""2^31: the largest distance serial arithmetic can order (exclusive)."""
_MAX_ADD: Final = HALF - 1


def check(value: object, name: str = "sequence number") -> int:
    """``value`` as an ``int`` if it is a valid 32-bit sequence number (0 … 2^32−1).

    Raises :class:`TypeError` for a non-integer and :class:`ValueError` out of range.
    """
    return _v.integer(value, name, ge=0, le=MOD - 1, what="a 32-bit sequence number")


def _distance(value: object, name: str) -> int:
    # Lengths, windows and increments: what serial arithmetic can order (< 2^31).
    return _v.integer(value, name, ge=0, le=_MAX_ADD, what="a distance below 2^31")


def add(s: int, n: int) -> int:
    """RFC 1982 §3.1 serial addition: ``(s + n) mod 2^32`` for 0 ≤ n ≤ 2^31−1."""
    s = check(s, "s")
    n = _v.integer(n, "n", ge=0, le=_MAX_ADD, what="an increment (RFC 1982 §3.1: 0 … 2^31−1)")
    return (s + n) % MOD


def sub(a: int, b: int) -> int:
    """Signed distance ``a − b`` going forward from ``b``, in (−2^31, 2^31].

    ``sub(add(s, n), s) == n``. At exactly 2^31 apart the result is +2^31 (by convention:
    the distance is ambiguous there; see :func:`lt`).
    """
    d = (check(a, "a") - check(b, "b")) % MOD
    return d - MOD if d > HALF else d


def _undefined(a: int, b: int) -> ValueError:
    return ValueError(
        f"{a} and {b} are exactly 2^31 apart: RFC 1982 §3.2 leaves their order undefined "
        "(neither is less than the other). Linux's before()/after() answer 'yes' both ways."
    )


def lt(a: int, b: int) -> bool:
    """RFC 1982 §3.2: ``a < b`` in serial arithmetic. Raises at exactly 2^31 apart."""
    d = (check(a, "a") - check(b, "b")) % MOD  # how far b is *behind* a
    if d == HALF:
        raise _undefined(a, b)
    return d > HALF


def gt(a: int, b: int) -> bool:
    """RFC 1982 §3.2: ``a > b``. Raises at exactly 2^31 apart."""
    return lt(b, a)


def le(a: int, b: int) -> bool:
    """``a == b or a < b`` (RFC 9293's "=<", modulo 2^32)."""
    return check(a, "a") == check(b, "b") or lt(a, b)


def ge(a: int, b: int) -> bool:
    """``a == b or a > b``."""
    return check(a, "a") == check(b, "b") or gt(a, b)


def _s32(x: int) -> int:
    x %= MOD
    return x - MOD if x >= HALF else x


def before(a: int, b: int) -> bool:
    """Linux ``before(a, b)``: ``(s32)(a - b) < 0`` (include/net/tcp.h).

    Unlike :func:`lt` it never raises: at exactly 2^31 apart it says that *each* number
    is before the other, because ``(s32)0x80000000`` is negative.
    """
    return _s32(check(a, "a") - check(b, "b")) < 0


def after(a: int, b: int) -> bool:
    """Linux ``after(a, b)``, defined as ``before(b, a)``."""
    return before(b, a)


def between(s1: int, s2: int, s3: int) -> bool:
    """Linux ``between(s1, s2, s3)``: is s2 =< s1 =< s3 going forward from s2?"""
    s1, s2, s3 = check(s1, "s1"), check(s2, "s2"), check(s3, "s3")
    return (s3 - s2) % MOD >= (s1 - s2) % MOD


def ack_acceptable(snd_una: int, seg_ack: int, snd_nxt: int) -> bool:
    """RFC 9293 §3.4: an ACK is acceptable when SND.UNA < SEG.ACK =< SND.NXT.

    Computed as forward distances from SND.UNA, so it is exact even across the wrap
    and never hits the undefined case (the window SND.UNA … SND.NXT is < 2^31).
    """
    snd_una, seg_ack = check(snd_una, "snd_una"), check(seg_ack, "seg_ack")
    snd_nxt = check(snd_nxt, "snd_nxt")
    d_ack = (seg_ack - snd_una) % MOD
    d_nxt = (snd_nxt - snd_una) % MOD
    if d_nxt >= HALF:
        raise ValueError(
            f"snd_nxt {snd_nxt} is not ahead of snd_una {snd_una} by less than 2^31: "
            "expected SND.UNA =< SND.NXT"
        )
    return 0 < d_ack <= d_nxt


def _in_window(x: int, rcv_nxt: int, rcv_wnd: int) -> bool:
    # RCV.NXT =< x < RCV.NXT + RCV.WND, measured forward from RCV.NXT.
    return (x - rcv_nxt) % MOD < rcv_wnd


def segment_acceptable(seg_seq: int, seg_len: int, rcv_nxt: int, rcv_wnd: int) -> bool:
    """RFC 9293 §3.4 Table 5 ("Segment Acceptability Tests").

    ========  ========  =====================================================
    SEG.LEN   RCV.WND   test
    ========  ========  =====================================================
    0         0         SEG.SEQ = RCV.NXT
    0         >0        RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
    >0        0         not acceptable
    >0        >0        the first *or* the last octet falls in the window
    ========  ========  =====================================================

    SEG.LEN counts SYN and FIN as one each.
    """
    seg_seq, rcv_nxt = check(seg_seq, "seg_seq"), check(rcv_nxt, "rcv_nxt")
    seg_len, rcv_wnd = _distance(seg_len, "seg_len"), _distance(rcv_wnd, "rcv_wnd")
    if seg_len == 0 and rcv_wnd == 0:
        return seg_seq == rcv_nxt
    if seg_len == 0:
        return _in_window(seg_seq, rcv_nxt, rcv_wnd)
    if rcv_wnd == 0:
        return False
    last = (seg_seq + seg_len - 1) % MOD
    return _in_window(seg_seq, rcv_nxt, rcv_wnd) or _in_window(last, rcv_nxt, rcv_wnd)


def _rate(bits_per_second: float) -> float:
    return _v.number(bits_per_second, "bits_per_second", gt=0, what="link speed in bit/s")


def wrap_time(bits_per_second: float) -> float:
    """RFC 7323's T_wrap: seconds to send 2^31 bytes at ``bits_per_second``.

    After that long, a sequence number is more than 2^31 ahead of an old one, so serial
    comparison would call a segment that old *new*: an old duplicate still in the network
    could be accepted. 1 Gb/s → about 17 s; that is why PAWS (timestamps) exists.
    """
    return HALF * 8 / _rate(bits_per_second)


def cycle_time(bits_per_second: float) -> float:
    """RFC 9293 §3.4.3: seconds to use up all 2^32 sequence numbers.

    2 Mb/s → about 4.8 h (the RFC says "4.5 hours"); 100 Mb/s → about 5.7 min ("5.4").
    """
    return MOD * 8 / _rate(bits_per_second)


@dataclass(frozen=True, order=False)
class Seq:
    """A sequence number with serial-arithmetic operators.

    ``Seq(2**32 - 1) + 2 == Seq(1)``; ``Seq(5) - Seq(2**32 - 1) == 6``;
    ``Seq(1) > Seq(2**32 - 1)``. Comparing numbers exactly 2^31 apart raises ValueError.
    """

    value: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check(self.value, "Seq value"))

    def __add__(self, n: int) -> Seq:
        return Seq(add(self.value, n))

    def __sub__(self, other: Seq | int) -> int | Seq:
        if isinstance(other, Seq):
            return sub(self.value, other.value)
        return Seq((self.value - _distance(other, "subtrahend")) % MOD)

    def __lt__(self, other: Seq) -> bool:
        return lt(self.value, _other(other))

    def __le__(self, other: Seq) -> bool:
        return le(self.value, _other(other))

    def __gt__(self, other: Seq) -> bool:
        return gt(self.value, _other(other))

    def __ge__(self, other: Seq) -> bool:
        return ge(self.value, _other(other))

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Seq({self.value})"


def _other(other: object) -> int:
    # Comparisons take a Seq or a plain sequence number (Seq has __index__).
    return check(other, "other")
