"""A deterministic discrete-event network joining sans-I/O endpoints.

Theory of operation
-------------------
:class:`Network` owns the only clock. It keeps a heap of future events — a segment
arriving, an endpoint's timer falling due, a scripted user action — ordered by
``(time, timers last, insertion order)``, so equal times resolve the same way on every
run, and a segment arriving exactly when a timer is due is handled first (a kernel timer
fires at or after its deadline). Each
:class:`Host` has an address, listeners (a passive OPEN template per port) and a table
of connections keyed by the 4-tuple; a SYN to a listening port creates a new
:class:`tcplab.endpoint.Endpoint` (as Linux forks a request socket from a listener), a
segment for no connection meets a CLOSED responder (which answers with an RST through
the transition table), and a crashed host answers nothing.

The channel between hosts delays every segment by ``delay`` seconds; :class:`Rule` s
drop, delay or duplicate chosen segments ("the 2nd segment from A", "every SYN-ACK",
"the ACK sent from TIME-WAIT"); random loss, duplication and reordering draw from one
``random.Random(seed)`` in a fixed order. :meth:`Network.inject` delivers an arbitrary
(old duplicate) segment at a chosen time. Same seed, same script → the same trace.

A run that would not end is stopped by ``max_events`` with
:class:`SimulationLimitError`, whose message names the guard.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tcplab import _validate as V
from tcplab.endpoint import Endpoint, Outgoing
from tcplab.fsm import State
from tcplab.segment import FourTuple, Segment
from tcplab.sim.result import SimResult
from tcplab.timers import LINUX, TimerPreset, preset

__all__ = [
    "Host",
    "Network",
    "Packet",
    "PassiveOpen",
    "Rule",
    "SimResult",
    "SimulationLimitError",
]

FATES = ("delivered", "lost", "duplicate", "reordered", "delayed", "old duplicate")


class SimulationLimitError(RuntimeError):
    """The simulation hit a guard (``max_events``) — it would probably never end."""


def _nonneg(value: float, name: str) -> float:
    return V.number(value, name, ge=0, what="a time in seconds")


def _rate(value: float, name: str) -> float:
    return V.probability(value, name)


@dataclass(frozen=True)
class Packet:
    """What a :class:`Rule` sees: one transmission on the channel."""

    segment: Segment
    sender: str
    receiver: str
    index: int
    """1-based count of segments this sender has transmitted so far (this one included)."""
    note: str
    sender_state: State
    """The sender's state right after producing the segment (e.g. TIME_WAIT for the final ACK)."""


_KINDS = ("SYN", "SYN-ACK", "ACK", "FIN", "DATA", "RST", "ANY")


@dataclass
class Rule:
    """Drop, delay or duplicate the segments that match.

    ``kind`` is one of SYN, SYN-ACK, ACK (a pure ACK), FIN, DATA, RST or ANY; ``sender`` a
    host name; ``nth`` the n-th *matching* segment from ``sender`` (1-based); ``where`` any
    extra predicate on the :class:`Packet`. ``times`` is how many segments the rule acts
    on (None = every one). ``extra`` is the added delay for ``delay`` / ``duplicate``
    (the duplicate copy arrives ``extra`` seconds after the original).

    >>> Rule("drop", kind="SYN-ACK")              # the first SYN-ACK
    >>> Rule("drop", kind="SYN", times=None)      # every SYN
    >>> Rule("drop", sender="A", nth=2)           # the 2nd segment from A
    """

    action: str
    kind: str = "ANY"
    sender: str | None = None
    nth: int | None = None
    times: int | None = 1
    where: Callable[[Packet], bool] | None = None
    extra: float = 0.0
    description: str = ""
    used: int = field(default=0, init=False)
    _seen: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or self.action not in ("drop", "delay", "duplicate"):
            raise ValueError(
                f"unknown rule action {V.short(self.action, 40)}: expected drop, delay or duplicate"
            )
        if not isinstance(self.kind, str):
            raise V.ArgumentTypeError(f"kind = {V.short(self.kind)}: expected one of {_KINDS}")
        k = self.kind.upper().replace("SYNACK", "SYN-ACK").replace("SYN+ACK", "SYN-ACK")
        if k not in _KINDS:
            raise ValueError(
                f"unknown segment kind {V.short(self.kind, 40)}: expected one of {_KINDS}"
            )
        self.kind = k
        if self.nth is not None:
            self.nth = V.integer(self.nth, "nth", ge=1, what="a count (1, 2, 3, …)")
        if self.times is not None:
            self.times = V.integer(self.times, "times", ge=1, what="a count ≥ 1 or None")
        self.extra = _nonneg(self.extra, "extra delay")
        if not self.description:
            what = self.kind if self.kind != "ANY" else "segment"
            who = f" from {self.sender}" if self.sender else ""
            nth = f" #{self.nth}" if self.nth else ""
            self.description = f"{self.action} {what}{nth}{who}"

    def _kind_matches(self, seg: Segment) -> bool:
        if self.kind == "ANY":
            return True
        if self.kind == "FIN":
            return seg.is_fin and not seg.is_rst
        return seg.kind == self.kind

    def applies(self, p: Packet) -> bool:
        """True (and counted) when this rule acts on packet ``p``."""
        if self.times is not None and self.used >= self.times:
            return False
        if self.sender is not None and p.sender != self.sender:
            return False
        if not self._kind_matches(p.segment):
            return False
        if self.where is not None and not self.where(p):
            return False
        self._seen += 1
        if self.nth is not None and self._seen != self.nth:
            return False
        self.used += 1
        return True


@dataclass
class PassiveOpen:
    """A passive OPEN on one port: the settings each arriving SYN's new connection gets.

    Only a template — not :class:`tcplab.listener.Listener`, which models Linux's SYN and
    accept queues; here every SYN simply forks an :class:`~tcplab.endpoint.Endpoint`.
    """

    iss: int | Callable[[float, FourTuple], int] | None
    kwargs: dict[str, Any]


class Host:
    """A machine on the simulated network: listeners, connections, up or crashed."""

    def __init__(self, net: Network, name: str, addr: str) -> None:
        if not isinstance(net, Network):
            raise V.ArgumentTypeError(f"net = {V.short(net)}: expected the Network (add_host())")
        V.string(name, "name", max_len=100, nonempty=True)
        Segment(seq=0, src_addr=addr)  # validates the address
        self.net = net
        self.name = name
        self.addr = addr
        self.up = True
        self.listeners: dict[int, PassiveOpen] = {}
        self.conns: dict[FourTuple, Endpoint] = {}
        self.endpoints: list[Endpoint] = []
        """Every connection endpoint this host ever had, in creation order."""
        self.responders: list[Endpoint] = []
        self.on_eof: Callable[[Endpoint, float], None] | None = None
        self.on_established: Callable[[Endpoint, float], None] | None = None
        self._iss_rng = random.Random(f"{net.seed}-iss-{name}")
        self._notified_eof: set[int] = set()
        self._notified_est: set[int] = set()
        self._spawned: set[int] = set()

    def _choose_iss(
        self, chooser: int | Callable[[float, FourTuple], int] | None, now: float, ft: FourTuple
    ) -> int:
        if chooser is None:
            return self._iss_rng.randrange(1 << 32)
        if callable(chooser):
            return chooser(now, ft)
        return chooser

    def listen(
        self,
        port: int,
        *,
        iss: int | Callable[[float, FourTuple], int] | None = None,
        **endpoint_kwargs: Any,
    ) -> None:
        """Passive OPEN on ``port``: each SYN creates a connection with these settings.

        ``iss``: a number, a function ``(now, four_tuple) -> ISS`` or None (seeded random).
        """
        Segment(seq=0, src_port=port)
        endpoint_kwargs.setdefault("timers", self.net.timers)
        self.listeners[port] = PassiveOpen(iss, endpoint_kwargs)

    def unlisten(self, port: int) -> None:
        self.listeners.pop(port, None)

    def connect(
        self,
        now: float,
        local_port: int,
        remote: Host | tuple[str, int],
        remote_port: int | None = None,
        *,
        iss: int | Callable[[float, FourTuple], int] | None = None,
        **endpoint_kwargs: Any,
    ) -> Endpoint:
        """Active OPEN from ``local_port`` to ``remote`` (a Host + port, or (addr, port)).

        Refuses (ValueError) when a TCB for the same 4-tuple still exists here — for
        example in TIME-WAIT (Linux's connect() fails with EADDRNOTAVAIL/EADDRINUSE then).
        """
        if isinstance(remote, Host):
            if remote_port is None:
                raise ValueError("connect() to a Host needs remote_port")
            raddr: tuple[str, int] = (remote.addr, remote_port)
        else:
            raddr = (remote[0], remote[1])
        ft = FourTuple(self.addr, local_port, raddr[0], raddr[1])
        old = self.conns.get(ft)
        if old is not None and old.state is not State.CLOSED:
            raise ValueError(
                f"{self.name}: 4-tuple {tuple(ft)} is still in use (state {old.state.name})"
            )
        endpoint_kwargs.setdefault("timers", self.net.timers)
        ep = Endpoint(
            iss=self._choose_iss(iss, now, ft),
            name=self.name,
            local=(self.addr, local_port),
            remote=raddr,
            **endpoint_kwargs,
        )
        self.conns[ft] = ep
        self.endpoints.append(ep)
        self.net.mark_state(ep, State.CLOSED)
        ep.open(now, active=True)
        return ep

    def open_passive(
        self,
        now: float,
        local_port: int,
        remote: tuple[str, int],
        *,
        iss: int,
        **endpoint_kwargs: Any,
    ) -> Endpoint:
        """A TCB in LISTEN bound to one remote 4-tuple (RFC 9293's fully specified passive
        OPEN) — used for simultaneous open without a listener."""
        ft = FourTuple(self.addr, local_port, remote[0], remote[1])
        endpoint_kwargs.setdefault("timers", self.net.timers)
        ep = Endpoint(
            iss=iss, name=self.name, local=(self.addr, local_port), remote=remote, **endpoint_kwargs
        )
        self.conns[ft] = ep
        self.endpoints.append(ep)
        self.net.mark_state(ep, State.CLOSED)
        ep.open(now, active=False)
        return ep

    def endpoint(self, local_port: int | None = None, index: int = -1) -> Endpoint:
        """The most recent (``index=-1``) connection endpoint, optionally on one local port."""
        eps = [e for e in self.endpoints if local_port is None or e.local[1] == local_port]
        if not eps:
            raise LookupError(f"host {self.name} has no connection on port {local_port}")
        return eps[index]

    def crash(self, now: float) -> None:
        """Power off: every TCB is lost silently; arriving segments are dropped."""
        self.up = False
        self.net.record_event(now, self.name, "host", "crash: all connection state lost")
        # The connections do not move through the state machine (nothing is sent, no
        # event happens to them): their TCBs are simply gone, i.e. CLOSED. Record that so
        # traces, timelines and final states do not show a dead host as ESTABLISHED.
        for ep in self.endpoints:
            if ep.state is not State.CLOSED and not ep.lost:
                ep.lost = True
                self.net.record_event(
                    now,
                    self.name,
                    "state",
                    "TCB lost in the crash",
                    ep.local[1],
                    ep.state,
                    State.CLOSED,
                )
        self.conns.clear()

    def reboot(self, now: float, *, keep_listeners: bool = True) -> None:
        """Power back on with no connections (listeners kept unless told otherwise)."""
        self.up = True
        self.conns.clear()
        if not keep_listeners:
            self.listeners.clear()
        self.net.record_event(now, self.name, "host", "reboot: up again, no connections")

    def deliver(self, seg: Segment, now: float) -> tuple[Endpoint, State, State]:
        """Hand an arriving segment to its connection, a new one forked from a passive
        OPEN, or a CLOSED responder; returns (endpoint, state before, state after)."""
        ft = FourTuple(seg.dst_addr, seg.dst_port, seg.src_addr, seg.src_port)
        ep = self.conns.get(ft)
        reopen_iss = None
        if ep is not None and ep.state is State.TIME_WAIT and seg.dst_port in self.listeners:
            reopen_iss = ep.time_wait_reopen_iss(seg, now)  # Linux: a new SYN ends TIME-WAIT
        if ep is not None and ep.state is State.CLOSED:
            ep = None
        if ep is None:
            lst = self.listeners.get(seg.dst_port)
            if lst is not None and seg.is_syn and not seg.has_ack and not seg.is_rst:
                iss = self._choose_iss(lst.iss, now, ft) if reopen_iss is None else reopen_iss
                ep = Endpoint(
                    iss=iss,
                    name=self.name,
                    local=(self.addr, seg.dst_port),
                    remote=None,
                    **lst.kwargs,
                )
                ep.open(now, active=False)
                ep.drain()
                self.conns[ft] = ep
                self.endpoints.append(ep)
                self._spawned.add(id(ep))
                self.net.mark_state(ep, State.LISTEN)
            else:
                ep = Endpoint(
                    iss=0,
                    name=self.name,
                    local=(self.addr, seg.dst_port),
                    remote=(seg.src_addr, seg.src_port),
                    timers=self.net.timers,
                )
                self.responders.append(ep)
                self.net.mark_state(ep, State.CLOSED)
        before = ep.state
        ep.receive(seg, now)
        return ep, before, ep.state

    def notify_application(self, now: float) -> None:
        """Run ``on_eof`` / ``on_established`` once for each connection that got there."""
        for ep in list(self.conns.values()):
            k = id(ep)
            if ep.eof and k not in self._notified_eof:
                self._notified_eof.add(k)
                if self.on_eof is not None:
                    self.on_eof(ep, now)
            if ep.accepted_at is not None and k not in self._notified_est:
                self._notified_est.add(k)
                if self.on_established is not None:
                    self.on_established(ep, now)

    def reap(self) -> None:
        """Forget connections that have no TCB any more."""
        # CLOSED means "no TCB"; a connection a listener spawned that went back to
        # LISTEN (RST in SYN-RECEIVED, SYN-ACK retries exhausted) is gone too.
        for ft, ep in list(self.conns.items()):
            if ep.state is State.CLOSED or (ep.state is State.LISTEN and id(ep) in self._spawned):
                del self.conns[ft]


class Network:
    """The simulated network; see the module docstring.

    ``delay``: one-way delay (s). ``loss``, ``duplicate``, ``reorder``: probabilities for
    each transmission; a reordered segment is held ``reorder_delay`` extra seconds
    (default 2 × delay). ``seed`` seeds every random choice (and default ISNs).
    """

    def __init__(
        self,
        *,
        delay: float = 0.05,
        loss: float = 0.0,
        duplicate: float = 0.0,
        reorder: float = 0.0,
        reorder_delay: float | None = None,
        seed: int = 0,
        timers: TimerPreset | str = LINUX,
        max_events: int = 100_000,
    ) -> None:
        self.delay = _nonneg(delay, "delay")
        self.loss = _rate(loss, "loss")
        self.duplicate = _rate(duplicate, "duplicate")
        self.reorder = _rate(reorder, "reorder")
        self.reorder_delay = _nonneg(
            2 * self.delay if reorder_delay is None else reorder_delay, "reorder_delay"
        )
        seed = V.integer(seed, "seed", what="an int seed")
        max_events = V.integer(max_events, "max_events", ge=1, le=V.MAX_EVENTS)
        self.seed = seed
        self.timers = preset(timers)  # a TimerPreset or its name ("linux", "rfc", …)
        self.max_events = max_events
        self.rng = random.Random(seed)
        self.hosts: dict[str, Host] = {}
        self.rules: list[Rule] = []
        self.now = 0.0
        self._heap: list[tuple[float, int, int, str, Any]] = []
        self._order = itertools.count()
        self._records: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._sent_count: dict[str, int] = {}
        self._timer_at: dict[int, float] = {}
        self._before: dict[int, State] = {}
        self._log_seen: dict[int, int] = {}
        self._eps: dict[int, tuple[Host, Endpoint]] = {}
        self.peers: dict[int, Endpoint] = {}
        """id(endpoint) → the peer endpoint of the same incarnation (learned from SYNs)."""

    # ------------------------------------------------------------------ set-up
    def add_host(self, name: str, addr: str) -> Host:
        V.string(name, "name", max_len=100, nonempty=True)
        if name in self.hosts:
            raise ValueError(f"host name {name!r} is already taken")
        if any(h.addr == addr for h in self.hosts.values()):
            raise ValueError(f"address {addr!r} is already taken")
        h = Host(self, name, addr)
        self.hosts[name] = h
        return h

    def add_rule(self, rule: Rule) -> Rule:
        self.rules.append(rule)
        return rule

    def drop(self, kind: str = "ANY", **kw: Any) -> Rule:
        """Shortcut: ``net.drop("SYN-ACK")``, ``net.drop(sender="A", nth=2)``."""
        return self.add_rule(Rule("drop", kind, **kw))

    def _push(self, t: float, kind: str, data: Any) -> None:
        # At equal times arrivals and actions come before timers: a kernel timer fires at
        # or after its deadline (jiffies, timer-wheel slack), a segment is handled when it
        # arrives — so a retransmitted SYN reaching a listener just as its SYN-ACK timer
        # falls due is seen first, as on the wire (facts.md §13, lost SYN-ACK).
        prio = 1 if kind == "timer" else 0
        heapq.heappush(self._heap, (t, prio, next(self._order), kind, data))

    def at(self, t: float, action: Callable[[float], object], label: str = "") -> None:
        """Run ``action(now)`` at time ``t`` (a user call, a crash, ...)."""
        _nonneg(t, "action time")
        self._push(float(t), "action", (action, label))

    def inject(
        self,
        at: float,
        segment: Segment,
        *,
        sent_at: float | None = None,
        note: str = "old duplicate",
        fate: str = "old duplicate",
    ) -> None:
        """Deliver ``segment`` at time ``at`` as a delayed old duplicate from its source
        (``fate`` labels it in the trace: "old duplicate", "forged", ...)."""
        _nonneg(at, "injection time")
        sent = at - self.delay if sent_at is None else _nonneg(sent_at, "sent_at")
        if sent > at:
            raise ValueError(f"sent_at {sent_at} is after the arrival time {at}")
        self._push(float(at), "inject", (segment, max(sent, 0.0), note, fate))

    # ------------------------------------------------------------------ running
    def _host_by_addr(self, addr: str) -> Host | None:
        for h in self.hosts.values():
            if h.addr == addr:
                return h
        return None

    def mark_state(self, ep: Endpoint, state: State) -> None:
        """Record ``ep``'s state as the "before" of the next segments it sends."""
        self._before[id(ep)] = state

    def record_event(
        self,
        now: float,
        host: str,
        kind: str,
        what: str,
        port: int | None = None,
        before: State | None = None,
        after: State | None = None,
    ) -> None:
        self._events.append(
            dict(
                time=now,
                host=host,
                port=port,
                kind=kind,
                what=what,
                state_before=before,
                state_after=after,
            )
        )

    def _all_endpoints(self) -> list[tuple[Host, Endpoint]]:
        out = []
        for h in self.hosts.values():
            for ep in h.endpoints:
                out.append((h, ep))
            for ep in h.responders:
                out.append((h, ep))
        return out

    def _record(
        self,
        now: float,
        host: Host | _Ghost,
        out: Outgoing,
        before: State,
        after: State,
        *,
        fate: str = "",
        arrive: float | None = None,
    ) -> dict[str, Any]:
        seg = out.segment
        dst = self._host_by_addr(seg.dst_addr)
        row: dict[str, Any] = dict(
            id=len(self._records),
            time=now,
            arrive=arrive,
            sender=host.name,
            receiver=dst.name if dst else seg.dst_addr,
            sport=seg.src_port,
            dport=seg.dst_port,
            flags=seg.flag_names,
            kind=seg.kind,
            seq=seg.seq,
            ack=seg.ack if seg.has_ack else None,
            len=len(seg.payload),
            window=seg.window,
            fate=fate,
            note=out.note,
            src_state_before=before,
            src_state_after=after,
            dst_state_before=None,
            dst_state_after=None,
            segment=seg,
        )
        self._records.append(row)
        return row

    def _transmit(
        self,
        now: float,
        host: Host,
        out: Outgoing,
        before: State,
        after: State,
        ep: Endpoint | None = None,
    ) -> None:
        seg = out.segment
        dst = self._host_by_addr(seg.dst_addr)
        n = self._sent_count.get(host.name, 0) + 1
        self._sent_count[host.name] = n
        pkt = Packet(seg, host.name, dst.name if dst else seg.dst_addr, n, out.note, after)
        # Always draw three numbers, so one rule never shifts the random stream.
        r_loss, r_dup, r_reo = self.rng.random(), self.rng.random(), self.rng.random()
        row = self._record(now, host, out, before, after)
        row["src_ep"] = ep
        for rule in self.rules:
            if rule.applies(pkt):
                row["note"] = (row["note"] + "; " if row["note"] else "") + rule.description
                if rule.action == "drop":
                    row["fate"] = "lost"
                    return
                if rule.action == "delay":
                    row["fate"] = "delayed"
                    self._schedule_arrival(row, now + self.delay + rule.extra)
                    return
                # duplicate: the original goes normally, a copy arrives `extra` later
                self._schedule_arrival(row, now + self.delay)
                dup = self._record(
                    now, host, Outgoing(seg, "duplicate"), before, after, fate="duplicate"
                )
                dup["src_ep"] = ep
                self._schedule_arrival(dup, now + self.delay + rule.extra)
                return
        if dst is None:
            row["fate"] = "lost"
            row["note"] = (row["note"] + "; " if row["note"] else "") + "no route"
            return
        if r_loss < self.loss:
            row["fate"] = "lost"
            return
        if r_reo < self.reorder:
            row["fate"] = "reordered"
            self._schedule_arrival(row, now + self.delay + self.reorder_delay)
        else:
            self._schedule_arrival(row, now + self.delay)
        if r_dup < self.duplicate:
            dup = self._record(
                now, host, Outgoing(seg, "duplicate"), before, after, fate="duplicate"
            )
            dup["src_ep"] = ep
            self._schedule_arrival(dup, now + self.delay + self.reorder_delay / 2)

    def _schedule_arrival(self, row: dict[str, Any], t: float) -> None:
        row["arrive"] = t
        self._push(t, "deliver", row["id"])

    def _flush(self, now: float) -> None:
        """Send what every endpoint produced, log new endpoint entries, reschedule timers."""
        for host, ep in self._all_endpoints():
            k = id(ep)
            before = self._before.get(k, ep.state)
            for out in ep.drain():
                self._transmit(now, host, out, before, ep.state, ep)
            seen = self._log_seen.get(k, 0)  # absolute count; the log may drop old entries
            for entry in ep.log[max(0, seen - ep.log_dropped) :]:
                if entry.kind == "data":
                    continue
                self.record_event(
                    entry.time,
                    host.name,
                    entry.kind,
                    entry.what,
                    ep.local[1],
                    entry.state_before,
                    entry.state_after,
                )
            self._log_seen[k] = ep.log_dropped + len(ep.log)
            self._before[k] = ep.state
        for host in self.hosts.values():
            host.notify_application(now)
            # Callbacks may have produced segments: send them too.
            for ep in list(host.conns.values()):
                k = id(ep)
                before = self._before.get(k, ep.state)
                for out in ep.drain():
                    self._transmit(now, host, out, before, ep.state, ep)
                self._before[k] = ep.state
            host.reap()
            for ep in host.conns.values():
                d = ep.next_timer()
                if d is not None and self._timer_at.get(id(ep)) != d:
                    self._timer_at[id(ep)] = d
                    self._eps[id(ep)] = (host, ep)
                    self._push(max(d, now), "timer", id(ep))

    def run(self, until: float | None = None) -> SimResult:
        """Process events until none are left (or until time ``until``)."""
        if until is not None:
            _nonneg(until, "until")
        processed = 0
        self._flush(self.now)
        while self._heap:
            t, _, _, kind, data = self._heap[0]
            if until is not None and t > until:
                break
            heapq.heappop(self._heap)
            processed += 1
            if processed > self.max_events:
                raise SimulationLimitError(
                    f"simulation stopped by the max_events guard: more than {self.max_events} "
                    f"events by t = {t:g} s (raise Network(max_events=...) or use run(until=...))"
                )
            self.now = t
            if kind == "action":
                action, label = data
                if label:
                    self.record_event(t, "-", "action", label)
                action(t)
            elif kind == "deliver":
                self._arrive(t, self._records[data])
            elif kind == "inject":
                seg, sent, note, fate = data
                src = self._host_by_addr(seg.src_addr)
                row = self._record(
                    sent,
                    src or _Ghost(seg.src_addr),
                    Outgoing(seg, note),
                    State.CLOSED,
                    State.CLOSED,
                    fate=fate,
                    arrive=t,
                )
                row["src_state_before"] = row["src_state_after"] = None
                self._arrive(t, row)
            elif kind == "timer":
                host, ep = self._eps[data]
                if self._timer_at.get(data) == t:
                    del self._timer_at[data]
                d = ep.next_timer()
                if d is not None and d <= t + 1e-9 and ep in host.conns.values():
                    ep.handle_timer(t)
            self._flush(t)
        end = self.now if until is None else max(self.now, until)
        return SimResult(self._records, self._events, self.hosts, end, self.seed, peers=self.peers)

    def _arrive(self, t: float, row: dict[str, Any]) -> None:
        seg: Segment = row["segment"]
        dst = self._host_by_addr(seg.dst_addr)
        if dst is None or not dst.up:
            row["fate"] = "lost"
            row["note"] = (row["note"] + "; " if row["note"] else "") + "host down"
            return
        if not row["fate"]:
            row["fate"] = "delivered"
        ep, before, after = dst.deliver(seg, t)
        self._before.setdefault(id(ep), before)
        self._before[id(ep)] = before
        row["dst_state_before"] = before
        row["dst_state_after"] = after
        src_ep = row.get("src_ep")
        if seg.is_syn and src_ep is not None and ep.irs == seg.seq:
            self.peers[id(ep)] = src_ep  # the endpoint whose SYN this one accepted


@dataclass
class _Ghost:
    """Stands in as the sender of an injected segment from an unknown address."""

    name: str
