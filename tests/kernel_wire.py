"""A user-space wire between two namespaces, and traces normalised for comparison.

Theory of operation: host A (10.0.0.1) and host B (10.0.0.2) each live in a private network
namespace with one TUN interface (tcplab.live.netns). :class:`Wire` reads every IPv4
packet either kernel sends, records it (time, sender, the decoded
:class:`~tcplab.segment.Segment`), applies the drop rules and a crashed-host switch, and
writes it to the other TUN after the one-way delay. It can also inject forged segments.
So delay, loss and capture are one piece of test code and need neither netem nor
nftables. :func:`normalise` turns a list of (time, sender, Segment) — from the wire or
from the simulator's records — into comparable rows: direction, flags (PSH dropped),
SEQ/ACK relative to the ISN of the side they count, payload length, option presence;
:func:`compare` checks the rows and the gaps between consecutive segments.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import select
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tcplab.pcap import packet_to_segment, segment_to_packet
from tcplab.segment import Segment

A_ADDR, B_ADDR = "10.0.0.1", "10.0.0.2"
MOD = 1 << 32


def decode(raw: bytes) -> Segment | None:
    """The TCP segment in IPv4 packet ``raw``; None for anything else (tcplab's decoder)."""
    return packet_to_segment(raw)


def realtime() -> None:
    """Give the calling thread a real-time priority where allowed (root): on a busy
    machine the wire's 50 ms must not grow by the scheduler's latency. Every such thread
    blocks in select() or sleep(), so it cannot starve the machine."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))


@dataclass
class Captured:
    time: float
    sender: str
    segment: Segment
    fate: str = "delivered"


@dataclass
class Drop:
    """Drop the ``nth`` … segments of ``kind`` from ``sender`` (as the simulator's Rule):
    ``times`` of them (None = all); ``where(wire, seg)`` narrows the match."""

    sender: str
    kind: str
    times: int | None = 1
    where: Callable[[Wire, Segment], bool] | None = None
    used: int = 0

    def applies(self, wire: Wire, sender: str, seg: Segment) -> bool:
        if sender != self.sender or seg.kind != self.kind:
            return False
        if self.where is not None and not self.where(wire, seg):
            return False
        if self.times is not None and self.used >= self.times:
            return False
        self.used += 1
        return True


@dataclass
class Slow(Drop):
    """Deliver the matching segments ``extra`` seconds late instead of dropping them."""

    extra: float = 0.0


@dataclass
class Replace(Drop):
    """Drop the matching segment and send ``make(segment)`` in its place (recorded as
    forged, sent at the same moment)."""

    make: Callable[[Segment], Segment] = lambda seg: seg


@dataclass
class Wire:
    """The wire between TUN ``fd_a`` (host A) and ``fd_b`` (host B)."""

    fd_a: int
    fd_b: int
    delay: float = 0.05
    drops: list[Drop] = field(default_factory=list)
    slow: list[Slow] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    log: list[Captured] = field(default_factory=list)
    fin_seq: dict[str, int] = field(default_factory=dict)
    snd_nxt: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t0 = time.monotonic()
        self._queue: list[tuple[float, int, int, bytes]] = []
        self._n = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def start(self) -> Wire:
        self.t0 = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def inject(self, seg: Segment, *, sent_at: float, arrive_at: float, fate: str) -> None:
        """Put forged ``seg`` on the wire, recorded as sent at ``sent_at``; it reaches the
        host it is addressed to at ``arrive_at`` (scenario times)."""
        to = self.fd_b if seg.dst_addr == B_ADDR else self.fd_a
        sender = "A" if seg.src_addr == A_ADDR else "B"
        with self._lock:
            self.log.append(Captured(sent_at, sender, seg, fate))
            self._push(self.t0 + arrive_at, to, segment_to_packet(seg))

    def _push(self, due: float, fd: int, raw: bytes) -> None:
        self._n += 1
        heapq.heappush(self._queue, (due, self._n, fd, raw))
        os.write(self._wake_w, b"x")

    def _receive(self, fd: int) -> None:
        try:
            raw = os.read(fd, 65536)
        except OSError:
            return
        seg = decode(raw)
        if seg is None:
            return
        sender = "A" if fd == self.fd_a else "B"
        if sender in self.down:
            return  # a crashed host puts nothing on the wire
        with self._lock:
            self._track(sender, seg)
            fate = "delivered"
            hit = next((d for d in self.drops if d.applies(self, sender, seg)), None)
            if hit is not None:
                fate = "lost"
            elif ("B" if sender == "A" else "A") in self.down:
                fate = "to a crashed host"
            self.log.append(Captured(self.now(), sender, seg, fate))
            if isinstance(hit, Replace):
                forged = hit.make(seg)
                self.log.append(Captured(self.now(), sender, forged, "forged"))
                to = self.fd_b if sender == "A" else self.fd_a
                self._push(time.monotonic() + self.delay, to, segment_to_packet(forged))
            if fate == "delivered":
                extra = sum(r.extra for r in self.slow if r.applies(self, sender, seg))
                to = self.fd_b if sender == "A" else self.fd_a
                self._push(time.monotonic() + self.delay + extra, to, raw)

    def _track(self, sender: str, seg: Segment) -> None:
        if seg.is_fin:
            self.fin_seq[sender] = seg.seq + len(seg.payload)
        if not seg.is_rst:
            self.snd_nxt[sender] = seg.end

    def _loop(self) -> None:
        realtime()
        while not self._stop.is_set():
            with self._lock:
                timeout = max(0.0, self._queue[0][0] - time.monotonic()) if self._queue else 1.0
            ready, _, _ = select.select([self.fd_a, self.fd_b, self._wake_r], [], [], timeout)
            for fd in ready:
                if fd == self._wake_r:
                    os.read(fd, 4096)
                else:
                    self._receive(fd)
            self._flush()

    def _flush(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] > time.monotonic():
                    return
                _, _, fd, raw = heapq.heappop(self._queue)
            if (fd == self.fd_a and "A" in self.down) or (fd == self.fd_b and "B" in self.down):
                continue
            os.write(fd, raw)


# ------------------------------------------------------------------ normalisation
@dataclass(frozen=True)
class Row:
    time: float
    dir: str
    flags: str
    seq: str
    ack: str
    len: int
    opts: str

    def key(self) -> tuple[str, str, str, str, int, str]:
        return (self.dir, self.flags, self.seq, self.ack, self.len, self.opts)

    def __str__(self) -> str:
        return f"{self.time:8.3f} {self.dir} {self.flags:8} seq={self.seq:6} ack={self.ack:6} len={self.len:<5} {self.opts}"


def _relative(value: int, isns: list[int], name: str) -> str:
    """``value`` as ``x+3`` / ``x'+1``: offset from the side's ISN it is closest above."""
    if not isns:
        return str(value)
    best = min(range(len(isns)), key=lambda k: (value - isns[k]) % MOD)
    off = (value - isns[best]) % MOD
    if off > 1 << 30:
        return str(value)
    return f"{name}{chr(39) * best}+{off}"


def _in_order(
    items: Iterable[tuple[float, str, Segment]], tie: float
) -> list[tuple[float, str, Segment]]:
    """Time order; segments sent within ``tie`` seconds of each other (both ends of a
    simultaneous open or close) in a fixed order, A's first, so that which one a
    scheduler happened to send first does not count as a difference."""
    ordered = sorted(items, key=lambda i: i[0])
    out: list[tuple[float, str, Segment]] = []
    group: list[tuple[float, str, Segment]] = []
    for item in ordered:
        if group and item[0] - group[0][0] > tie:
            out += sorted(group, key=lambda i: i[1])
            group = []
        group.append(item)
    return out + sorted(group, key=lambda i: i[1])


def normalise(items: Iterable[tuple[float, str, Segment]], *, tie: float = 0.035) -> list[Row]:
    """Comparable rows for (time, sender, segment) triples, in time order."""
    isns: dict[str, list[int]] = {"A": [], "B": []}
    names = {"A": "x", "B": "y"}
    rows = []
    for t, sender, seg in _in_order(items, tie):
        other = "B" if sender == "A" else "A"
        if seg.is_syn and seg.seq not in isns[sender]:
            isns[sender].append(seg.seq)
        flags = "+".join(n for n in seg.flag_names.split("+") if n != "PSH")
        ack = _relative(seg.ack, isns[other], names[other]) if seg.has_ack else "-"
        opts = "mss" if seg.options.mss is not None else ""
        rows.append(
            Row(
                t,
                f"{sender}>{other}",
                flags,
                _relative(seg.seq, isns[sender], names[sender]),
                ack,
                len(seg.payload),
                opts,
            )
        )
    return rows


def sim_items(result: Any, horizon: float) -> list[tuple[float, str, Segment]]:
    """(time, sender, segment) of every transmission the simulator recorded before
    ``horizon`` (crashed hosts send nothing there either)."""
    return [(r["time"], r["sender"], r["segment"]) for r in result.records if r["time"] < horizon]


def wire_items(wire: Wire, horizon: float) -> list[tuple[float, str, Segment]]:
    return [(c.time, c.sender, c.segment) for c in wire.log if c.time < horizon]


def table(rows: list[Row]) -> str:
    return "\n".join(str(r) for r in rows)


def compare(kernel: list[Row], sim: list[Row], *, rel: float = 0.2, slack: float = 0.07) -> str:
    """ "" if the traces agree (same segments; each gap within ``rel``·gap + ``slack``),
    else a description of the first difference and both traces."""
    problem = ""
    if [r.key() for r in kernel] != [r.key() for r in sim]:
        for i, (k, s) in enumerate(zip(kernel, sim, strict=False)):
            if k.key() != s.key():
                problem = f"segment {i + 1} differs: kernel {k} / sim {s}"
                break
        else:
            problem = f"kernel sent {len(kernel)} segments, the simulator {len(sim)}"
    else:
        for i in range(1, len(sim)):
            gk = kernel[i].time - kernel[i - 1].time
            gs = sim[i].time - sim[i - 1].time
            if abs(gk - gs) > rel * abs(gs) + slack:
                problem = f"gap before segment {i + 1}: kernel {gk:.3f} s, sim {gs:.3f} s"
                break
    if not problem:
        return ""
    return f"{problem}\n--- kernel\n{table(kernel)}\n--- simulator\n{table(sim)}"
