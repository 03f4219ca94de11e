"""A TCP segment as a value: the header fields connection management needs.

Theory of operation
-------------------
RFC 9293 §3.1 defines the header; this module keeps the fields that matter for opening,
running and closing a connection: the 4-tuple (addresses and ports), SEQ, ACK, the
control bits SYN/ACK/FIN/RST/PSH, the window, the payload and the options that the
handshake negotiates (MSS, window scale, timestamps — RFC 9293 §3.2 and RFC 7323).

A :class:`Segment` is immutable and checked when it is built: a sequence number outside
0 … 2^32−1, a port outside 0 … 65535, a payload longer than one IPv4 packet
(:data:`tcplab._validate.MAX_PAYLOAD`, checked before any bytes are made) or an unknown
flag raise :class:`ValueError` (:class:`TypeError` for a wrong type) naming the value.
``seg_len`` is RFC 9293's SEG.LEN: the payload length plus one for a SYN and one for a
FIN, because each of those consumes a sequence number (§3.4).

Nothing here does I/O; :mod:`tcplab.pcap` turns segments into real packets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import IntFlag
from typing import NamedTuple, cast

from tcplab import _validate as _v
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

    @classmethod
    def _missing_(cls, value: object) -> Flags:
        # Ints keep IntFlag's meaning (any bit mask); anything else gets a short message.
        if isinstance(value, int) and not isinstance(value, bool):
            return cast(Flags, super()._missing_(value))
        return _v.missing_member(cls, value)


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
    if isinstance(spec, str):
        names = [n.strip() for n in spec.replace("|", "+").replace(",", "+").split("+")]
        return _flags_from_names([n for n in names if n], spec)
    if isinstance(spec, bool | float) or spec is None or isinstance(spec, bytes | bytearray):
        raise _v.ArgumentTypeError(
            f"flags = {_v.short(spec)}: expected names like 'SYN+ACK', a Flags or a bit mask"
        )
    if hasattr(spec, "__index__"):
        mask = _v.integer(spec, "flags", ge=0, what="a flags bit mask")
        if mask & ~int(_ALL_FLAGS):
            raise ValueError(
                f"flags = {mask} ({mask:#x}): unknown flag bits; expected a combination of "
                "FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10"
            )
        return Flags(mask)
    given = _v.sequence(spec, "flags", max_len=len(_FLAG_ORDER), item=_v.string, what="flag names")
    return _flags_from_names([str(n).strip() for n in given], spec)


def _flags_from_names(names: list[str], spec: object) -> Flags:
    out = Flags(0)
    for name in names:
        try:
            out |= Flags[name.upper()]
        except KeyError:
            raise ValueError(
                f"flags = {_v.short(spec)}: unknown TCP flag {_v.short(name)}; "
                "expected SYN, ACK, FIN, RST or PSH"
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


def _check_port(value: object, name: str) -> int:
    return _v.integer(value, name, ge=0, le=65535, what="a port")


def _check_addr(value: object, name: str) -> str:
    text = _v.string(value, name, max_len=64, what="an IPv4 address like '10.0.0.1'")
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        raise ValueError(
            f"{name} = {_v.short(value)}: expected an IPv4 address like '10.0.0.1'"
        ) from None
    return text


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
        if self.mss is not None:
            mss = _v.integer(self.mss, "mss", ge=1, le=65535, what="an MSS option")
            object.__setattr__(self, "mss", mss)
        if self.wscale is not None:
            ws = _v.integer(self.wscale, "wscale", ge=0, le=14, what="a window scale (RFC 7323)")
            object.__setattr__(self, "wscale", ws)
        if self.ts is not None:
            pair = _v.sequence(self.ts, "ts", min_len=2, max_len=2, what="(TSval, TSecr)")
            ts = (_seq.check(pair[0], "TSval"), _seq.check(pair[1], "TSecr"))
            object.__setattr__(self, "ts", ts)

    def __bool__(self) -> bool:
        return self.mss is not None or self.wscale is not None or self.ts is not None


def _payload(payload: object) -> bytes:
    # A length is checked against one packet's worth *before* the zero bytes are made.
    if isinstance(payload, bytes | bytearray | memoryview):
        return _v.byte_string(payload, "payload", max_len=_v.MAX_PAYLOAD)
    if isinstance(payload, bool) or not hasattr(payload, "__index__"):
        raise _v.ArgumentTypeError(
            f"payload = {_v.short(payload)}: expected bytes or a length 0 … {_v.MAX_PAYLOAD}"
        )
    n = _v.integer(payload, "payload", ge=0, le=_v.MAX_PAYLOAD, what="a payload length")
    return bytes(n)


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
        set_ = object.__setattr__  # frozen: canonical values are stored once, here
        set_(self, "flags", parse_flags(self.flags))
        set_(self, "seq", _seq.check(self.seq, "seq"))
        set_(self, "ack", _seq.check(self.ack, "ack"))
        set_(self, "window", _v.integer(self.window, "window", ge=0, le=65535, what="a window"))
        set_(self, "payload", _payload(self.payload))
        if not isinstance(self.options, Options):
            raise _v.ArgumentTypeError(
                f"options = {_v.short(self.options)}: expected a tcplab.segment.Options"
            )
        set_(self, "src_port", _check_port(self.src_port, "src_port"))
        set_(self, "dst_port", _check_port(self.dst_port, "dst_port"))
        _check_addr(self.src_addr, "src_addr")
        _check_addr(self.dst_addr, "dst_addr")

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
