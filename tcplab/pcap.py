"""Write a simulation trace as a pcap file Wireshark opens: real Ethernet + IPv4 + TCP.

Each transmission in the trace becomes one frame (lost segments too: they were sent;
``include_lost=False`` leaves them out), time-stamped with its send time — or, for
duplicates, old duplicates and forged segments, with the time they appeared at the
receiver. Headers are encoded with dpkt (small, pure Python, enough for encoding):
IPv4 and TCP checksums are computed over the real pseudo-header, and the TCP options the
model carries are encoded — MSS (kind 2), window scale (kind 3) and timestamps (kind 8),
padded with NOPs to a multiple of 4 bytes.

Everything is checked before the file is opened: ``path`` must be a path or a binary
file object (an int would be a file descriptor — ``True`` is stdout), and every time must
fit pcap's unsigned 32-bit seconds field once :data:`EPOCH` is added (≈ 2.59·10⁹ s), so a
bad trace never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import dpkt

from tcplab import _validate as _v
from tcplab.segment import Options, Segment

__all__ = ["encode_options", "segment_to_frame", "segment_to_packet", "write_pcap"]

EPOCH = 1_700_000_000.0
"""Timestamp of simulated time 0 in the file (2023-11-14), so tools show sane dates."""
MAX_TIME = _v.MAX_SECONDS - EPOCH - 1
"""Latest simulated time a record can carry: pcap seconds are an unsigned 32-bit field."""
_MAX_PACKETS = _v.MAX_EVENTS


def _options(o: object) -> Options:
    if not isinstance(o, Options):
        raise _v.ArgumentTypeError(f"o = {_v.short(o)}: expected a tcplab.segment.Options")
    return o


def _segment(seg: object, name: str = "seg") -> Segment:
    if not isinstance(seg, Segment):
        raise _v.ArgumentTypeError(f"{name} = {_v.short(seg)}: expected a tcplab Segment")
    return seg


def encode_options(o: Options) -> bytes:
    """TCP option bytes for ``o`` (RFC 9293 §3.2, RFC 7323), padded to 4-byte words."""
    o = _options(o)
    out = b""
    if o.mss is not None:
        out += struct.pack("!BBH", 2, 4, o.mss)
    if o.wscale is not None:
        out += b"\x01" + struct.pack("!BBB", 3, 3, o.wscale)
    if o.ts is not None:
        out += b"\x01\x01" + struct.pack("!BBII", 8, 10, o.ts[0], o.ts[1])
    while len(out) % 4:
        out += b"\x01"
    return out


def segment_to_packet(seg: Segment, *, ip_id: int = 0, ttl: int = 64) -> bytes:
    """The IPv4 packet (header + TCP header + payload) for ``seg``, checksums filled in."""
    seg = _segment(seg)
    ip_id = _v.integer(ip_id, "ip_id", ge=0, le=2**32 - 1, what="an IP ID (used mod 2^16)")
    ttl = _v.integer(ttl, "ttl", ge=0, le=255, what="a TTL")
    opts = encode_options(seg.options)
    tcp = dpkt.tcp.TCP(
        sport=seg.src_port,
        dport=seg.dst_port,
        seq=seg.seq,
        ack=seg.ack if seg.has_ack else 0,
        flags=int(seg.flags),
        win=seg.window,
        opts=opts,
        data=seg.payload,
    )
    tcp.off = (20 + len(opts)) // 4
    ip = dpkt.ip.IP(
        src=socket.inet_aton(seg.src_addr),
        dst=socket.inet_aton(seg.dst_addr),
        p=dpkt.ip.IP_PROTO_TCP,
        ttl=ttl,
        id=ip_id & 0xFFFF,
        data=tcp,
    )
    ip.len = 20 + len(bytes(tcp))
    return bytes(ip)  # dpkt fills the IPv4 and TCP checksums when they are 0


def decode_options(raw: bytes) -> Options:
    """The MSS, window-scale and timestamp options in TCP option bytes ``raw``.

    The inverse of :func:`encode_options`. Options the course does not model (SACK,
    unknown kinds) and malformed ones are skipped, as a receiver ignores them.
    """
    raw = _v.instance(raw, "raw", bytes, "TCP option bytes")
    mss = wscale = ts = None
    try:
        opts = dpkt.tcp.parse_opts(raw)
    except (dpkt.UnpackError, IndexError, ValueError):
        return Options()
    for kind, data in opts:
        if kind == dpkt.tcp.TCP_OPT_MSS and len(data) == 2:
            mss = int.from_bytes(data, "big") or None
        elif kind == dpkt.tcp.TCP_OPT_WSCALE and len(data) == 1:
            wscale = min(data[0], 14)  # RFC 7323 §2.3: a shift above 14 is used as 14
        elif kind == dpkt.tcp.TCP_OPT_TIMESTAMP and len(data) == 8:
            ts = struct.unpack("!II", data)
    return Options(mss=mss, wscale=wscale, ts=ts)


def packet_to_segment(raw: bytes) -> Segment | None:
    """The :class:`Segment` in IPv4 packet ``raw`` (what a TUN device or a capture gives);
    None for anything that is not IPv4/TCP. The inverse of :func:`segment_to_packet`."""
    raw = _v.instance(raw, "raw", bytes, "an IPv4 packet")
    if len(raw) < 40 or raw[0] >> 4 != 4:
        return None
    try:
        ip = dpkt.ip.IP(raw)
    except (dpkt.UnpackError, IndexError, ValueError):
        return None
    tcp = ip.data
    if not isinstance(tcp, dpkt.tcp.TCP):
        return None
    return Segment(
        seq=tcp.seq,
        ack=tcp.ack,
        flags=tcp.flags & 0x1F,  # FIN SYN RST PSH ACK: the flags the course models
        window=tcp.win,
        payload=bytes(tcp.data),
        options=decode_options(bytes(tcp.opts)),
        src_addr=socket.inet_ntoa(ip.src),
        src_port=tcp.sport,
        dst_addr=socket.inet_ntoa(ip.dst),
        dst_port=tcp.dport,
    )


def _mac(addr: str) -> bytes:
    return b"\x02\x00" + socket.inet_aton(addr)  # locally administered, derived from the IP


def segment_to_frame(seg: Segment, *, ip_id: int = 0) -> bytes:
    """An Ethernet II frame carrying :func:`segment_to_packet`."""
    seg = _segment(seg)
    eth = dpkt.ethernet.Ethernet(
        src=_mac(seg.src_addr),
        dst=_mac(seg.dst_addr),
        type=dpkt.ethernet.ETH_TYPE_IP,
        data=segment_to_packet(seg, ip_id=ip_id),
    )
    return bytes(eth)


def _time(t: object, name: str) -> float:
    return _v.number(t, name, ge=0, le=MAX_TIME, what="time in seconds (pcap: u32 seconds)")


def _rows(result: Any, include_lost: bool) -> list[tuple[float, Segment]]:
    if hasattr(result, "records"):
        records: tuple[Any, ...] = _v.sequence(
            result.records, "result.records", max_len=_MAX_PACKETS
        )
        items = []
        for i, r in enumerate(records):
            if r["fate"] == "lost" and not include_lost:
                continue
            late = r["fate"] in ("duplicate", "old duplicate", "forged")
            t = r["arrive"] if late and r["arrive"] is not None else r["time"]
            seg = _segment(r["segment"], f"result.records[{i}].segment")
            items.append((_time(t, f"result.records[{i}] time"), seg))
        return items
    if isinstance(result, str | bytes) or not hasattr(result, "__iter__"):
        raise _v.ArgumentTypeError(
            f"result = {_v.short(result)}: expected a SimResult or (time, Segment) pairs"
        )
    pairs = _v.sequence(result, "result", max_len=_MAX_PACKETS, item=_pair)
    return list(pairs)


def _pair(item: object, name: str) -> tuple[float, Segment]:
    pair = _v.sequence(item, name, min_len=2, max_len=2, what="a (time, Segment) pair")
    return _time(pair[0], f"{name} time"), _segment(pair[1], f"{name} segment")


@contextlib.contextmanager
def _sink(path: str | os.PathLike[str] | IO[bytes]) -> Iterator[IO[bytes]]:
    # A file object the caller gave stays open (it is theirs); a path is opened and closed.
    if hasattr(path, "write"):
        yield path  # type: ignore[misc]
        return
    with open(path, "wb") as f:
        yield f


def write_pcap(result: Any, path: str | Path | IO[bytes], *, include_lost: bool = True) -> int:
    """Write ``result`` (a SimResult, or an iterable of ``(time, Segment)``) to ``path``.

    ``path`` is a file name or a binary file object open for writing (left open).
    Times must be 0 … :data:`MAX_TIME` s. Returns the number of packets written.
    """
    target = _v.binary_file(path, "path", mode="w")
    include_lost = _v.boolean(include_lost, "include_lost")
    items = sorted(_rows(result, include_lost), key=lambda x: x[0])
    frames = [segment_to_frame(seg, ip_id=k + 1) for k, (_, seg) in enumerate(items)]
    with _sink(target) as f:
        w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_EN10MB)
        for (t, _), frame in zip(items, frames, strict=True):
            w.writepkt(frame, ts=EPOCH + t)
    return len(items)
