"""A TCP segment as a value: the header fields connection management needs.

Theory of operation
-------------------
RFC 9293 §3.1 defines the header; this module keeps the fields that matter for opening,
running and closing a connection: the 4-tuple (addresses and ports), SEQ, ACK, the
control bits SYN/ACK/FIN/RST/PSH, the window, the payload and the options that the
handshake negotiates (MSS, window scale, timestamps — RFC 9293 §3.2 and RFC 7323).

A :class:`Segment` is immutable and checked when it is built: a sequence number outside
0 … 2^32−1, a port outside 0 … 65535 or an unknown flag raise :class:`ValueError`
naming the value. ``seg_len`` is RFC 9293's SEG.LEN: the payload length plus one for a
SYN and one for a FIN, because each of those consumes a sequence number (§3.4).

Nothing here does I/O; :mod:`tcplab.pcap` turns segments into real packets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import IntFlag
from typing import NamedTuple

from tcplab import seq as _seq

__all__ = [
    "Flags",
    "FourTuple",
    "Options",
    "Segment",
    "parse_flags",
]


class Flags(IntFlag):
    """TCP control bits, with their values in the header's flags byte (RFC 9293 §3.1)."""

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10


_FLAG_ORDER = (Flags.SYN, Flags.FIN, Flags.RST, Flags.PSH, Flags.ACK)
_NO_FLAGS = Flags(0)
_ALL_FLAGS = Flags.FIN | Flags.SYN | Flags.RST | Flags.PSH | Flags.ACK


def parse_flags(spec: Flags | int | str | Iterable[str]) -> Flags:
    """Flags from ``Flags``, an int bit mask, ``"SYN+ACK"`` / ``"SYN|ACK"`` / ``"SYN,ACK"``
    or an iterable of names. Case-insensitive; ``""`` means no flags.

    >>> parse_flags("syn+ack") == Flags.SYN | Flags.ACK
    True
    """
    if isinstance(spec, Flags):
        return spec
    if isinstance(spec, bool):
        raise ValueError(f"flags must be names like 'SYN+ACK' or a bit mask; got {spec!r}")
    if isinstance(spec, int):
        if spec & ~int(_ALL_FLAGS) or spec < 0:
            raise ValueError(
                f"unknown flag bits in {spec:#x}: expected a combination of "
                "FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10"
            )
        return Flags(spec)
    if isinstance(spec, str):
        names = [n for n in spec.replace("|", "+").replace(",", "+").split("+")]
        names = [n.strip() for n in names if n.strip()]
    else:
        names = [str(n).strip() for n in spec]
    out = Flags(0)
    for name in names:
        try:
            out |= Flags[name.upper()]
        except KeyError:
            raise ValueError(
                f"unknown TCP flag {name!r}: expected SYN, ACK, FIN, RST or PSH"
            ) from None
    return out


class FourTuple(NamedTuple):
    """(source address, source port, destination address, destination port)."""

    src_addr: str
    src_port: int
    dst_addr: str
    dst_port: int

    def reversed(self) -> FourTuple:
        """The same connection seen from the other end."""
        return FourTuple(self.dst_addr, self.dst_port, self.src_addr, self.src_port)


def _check_port(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ValueError(f"{name} {value!r} is out of range: expected a port 0 … 65535")


def _check_addr(value: str, name: str) -> None:
    try:
        ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, ValueError, TypeError):
        raise ValueError(
            f"{name} {value!r} is not an IPv4 address: expected dotted quad like '10.0.0.1'"
        ) from None


@dataclass(frozen=True)
class Options:
    """TCP options carried by a segment (None = absent).

    ``mss`` (RFC 9293 §3.7.1, SYN only), ``wscale`` (RFC 7323 §2, shift 0 … 14, SYN only),
    ``ts`` = (TSval, TSecr) (RFC 7323 §3).
    """

    mss: int | None = None
    wscale: int | None = None
    ts: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.mss is not None and (
            isinstance(self.mss, bool) or not isinstance(self.mss, int) or not 0 < self.mss < 65536
        ):
            raise ValueError(f"MSS option {self.mss!r} is out of range: expected 1 … 65535")
        if self.wscale is not None and (
            isinstance(self.wscale, bool)
            or not isinstance(self.wscale, int)
            or not 0 <= self.wscale <= 14
        ):
            raise ValueError(
                f"window scale option {self.wscale!r} is out of range: RFC 7323 allows 0 … 14"
            )
        if self.ts is not None:
            if len(self.ts) != 2:
                raise ValueError(f"timestamps option {self.ts!r}: expected (TSval, TSecr)")
            for v, n in zip(self.ts, ("TSval", "TSecr"), strict=True):
                _seq.check(v, n)

    def __bool__(self) -> bool:
        return self.mss is not None or self.wscale is not None or self.ts is not None


@dataclass(frozen=True, kw_only=True)
class Segment:
    """One TCP segment. Build with keywords; ``flags`` may be a string like ``"SYN+ACK"``.

    ``payload`` may be bytes or an int (that many zero bytes). ``ack`` is meaningful only
    with the ACK flag, as on the wire.

    >>> s = Segment(seq=2**32 - 1, flags="SYN")
    >>> s.seg_len, s.end
    (1, 0)
    """

    seq: int
    ack: int = 0
    flags: Flags = _NO_FLAGS
    window: int = 65535
    payload: bytes = b""
    options: Options = field(default_factory=Options)
    src_addr: str = "10.0.0.1"
    src_port: int = 40000
    dst_addr: str = "10.0.0.2"
    dst_port: int = 80

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", parse_flags(self.flags))
        _seq.check(self.seq, "SEQ")
        _seq.check(self.ack, "ACK")
        win = self.window
        if isinstance(win, bool) or not isinstance(win, int) or not 0 <= win <= 65535:
            raise ValueError(f"window {win!r} is out of range: expected 0 … 65535 (16 bits)")
        if isinstance(self.payload, int) and not isinstance(self.payload, bool):
            if self.payload < 0:
                raise ValueError(f"payload length {self.payload} is negative: expected ≥ 0")
            object.__setattr__(self, "payload", bytes(self.payload))
        elif isinstance(self.payload, bytearray | memoryview):
            object.__setattr__(self, "payload", bytes(self.payload))
        elif not isinstance(self.payload, bytes):
            raise ValueError(f"payload must be bytes or a length; got {self.payload!r}")
        if len(self.payload) > 65495:
            raise ValueError(f"payload of {len(self.payload)} bytes does not fit one IPv4 packet")
        if not isinstance(self.options, Options):
            raise ValueError(f"options must be a tcplab.segment.Options; got {self.options!r}")
        _check_port(self.src_port, "source port")
        _check_port(self.dst_port, "destination port")
        _check_addr(self.src_addr, "source address")
        _check_addr(self.dst_addr, "destination address")

    # --- RFC 9293 quantities ------------------------------------------------------------
    @property
    def seg_len(self) -> int:
        """SEG.LEN: payload bytes, plus 1 for SYN, plus 1 for FIN."""
        return len(self.payload) + (1 if self.is_syn else 0) + (1 if self.is_fin else 0)

    @property
    def end(self) -> int:
        """SEG.SEQ + SEG.LEN (mod 2^32): the sequence number after this segment."""
        return (self.seq + self.seg_len) % _seq.MOD

    @property
    def is_syn(self) -> bool:
        return bool(self.flags & Flags.SYN)

    @property
    def is_fin(self) -> bool:
        return bool(self.flags & Flags.FIN)

    @property
    def is_rst(self) -> bool:
        return bool(self.flags & Flags.RST)

    @property
    def has_ack(self) -> bool:
        return bool(self.flags & Flags.ACK)

    @property
    def four_tuple(self) -> FourTuple:
        return FourTuple(self.src_addr, self.src_port, self.dst_addr, self.dst_port)

    @property
    def flag_names(self) -> str:
        """``"SYN+ACK"``, ``"FIN+ACK"``, ``"ACK"``, ``"RST"``; ``"-"`` for none."""
        names = [f.name for f in _FLAG_ORDER if self.flags & f and f.name]
        return "+".join(names) if names else "-"

    @property
    def kind(self) -> str:
        """A short name for ladders and drop rules: SYN, SYN-ACK, FIN, RST, DATA or ACK."""
        if self.is_rst:
            return "RST"
        if self.is_syn:
            return "SYN-ACK" if self.has_ack else "SYN"
        if self.is_fin:
            return "FIN"
        if self.payload:
            return "DATA"
        return "ACK" if self.has_ack else "-"

    def describe(self) -> str:
        """``"SYN+ACK seq=300 ack=101 len=0"``: one line for logs and the terminal ladder."""
        parts = [self.flag_names, f"seq={self.seq}"]
        if self.has_ack:
            parts.append(f"ack={self.ack}")
        if self.payload:
            parts.append(f"len={len(self.payload)}")
        return " ".join(parts)

    def replace(self, **changes: object) -> Segment:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.describe()
