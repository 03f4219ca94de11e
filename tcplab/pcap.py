"""Write a simulation trace as a pcap file Wireshark opens: real Ethernet + IPv4 + TCP.

Each transmission in the trace becomes one frame (lost segments too: they were sent;
``include_lost=False`` leaves them out), time-stamped with its send time — or, for
duplicates, old duplicates and forged segments, with the time they appeared at the
receiver. Headers are encoded with dpkt (small, pure Python, enough for encoding):
IPv4 and TCP checksums are computed over the real pseudo-header, and the TCP options the
model carries are encoded — MSS (kind 2), window scale (kind 3) and timestamps (kind 8),
padded with NOPs to a multiple of 4 bytes.
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path
from typing import Any

import dpkt

from tcplab.segment import Options, Segment

__all__ = ["encode_options", "segment_to_frame", "segment_to_packet", "write_pcap"]

EPOCH = 1_700_000_000.0
"""Timestamp of simulated time 0 in the file (2023-11-14), so tools show sane dates."""


def encode_options(o: Options) -> bytes:
    """TCP option bytes for ``o`` (RFC 9293 §3.2, RFC 7323), padded to 4-byte words."""
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


def _mac(addr: str) -> bytes:
    return b"\x02\x00" + socket.inet_aton(addr)  # locally administered, derived from the IP


def segment_to_frame(seg: Segment, *, ip_id: int = 0) -> bytes:
    """An Ethernet II frame carrying :func:`segment_to_packet`."""
    eth = dpkt.ethernet.Ethernet(
        src=_mac(seg.src_addr),
        dst=_mac(seg.dst_addr),
        type=dpkt.ethernet.ETH_TYPE_IP,
        data=segment_to_packet(seg, ip_id=ip_id),
    )
    return bytes(eth)


def _rows(result: Any, include_lost: bool) -> list[tuple[float, Segment]]:
    if hasattr(result, "records"):
        items = []
        for r in result.records:
            if r["fate"] == "lost" and not include_lost:
                continue
            late = r["fate"] in ("duplicate", "old duplicate", "forged")
            t = r["arrive"] if late and r["arrive"] is not None else r["time"]
            items.append((float(t), r["segment"]))
        return items
    return [(float(t), s) for t, s in result]


def write_pcap(result: Any, path: str | Path, *, include_lost: bool = True) -> int:
    """Write ``result`` (a SimResult, or an iterable of ``(time, Segment)``) to ``path``.

    Returns the number of packets written.
    """
    items = sorted(_rows(result, include_lost), key=lambda x: x[0])
    with open(path, "wb") as f:
        w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_EN10MB)
        for k, (t, seg) in enumerate(items):
            w.writepkt(segment_to_frame(seg, ip_id=k + 1), ts=EPOCH + t)
    return len(items)
