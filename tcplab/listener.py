"""A Linux-faithful model of one listening socket: SYN queue, accept queue, cookies, counters.

Theory of operation
-------------------
A Linux listener holds two queues (facts.md §2-§3):

* the **SYN queue**: request socks (``TCP_NEW_SYN_RECV``, about 304 bytes each), one per
  half-open connection, each with its own SYN-ACK retransmission timer; and
* the **accept queue**: children whose handshake completed, waiting for ``accept()``.

Both limits come from ``listen(fd, backlog)``: ``__sys_listen()`` clamps the backlog to
``net.core.somaxconn`` (4096; 128 before Linux 5.4) with an *unsigned* comparison, so a
negative backlog becomes somaxconn; ``inet_listen()`` stores it as ``sk_max_ack_backlog``.

* ``sk_acceptq_is_full()`` (include/net/sock.h) is ``sk_ack_backlog > sk_max_ack_backlog``
  — ``>``, not ``>=`` — so ``listen(fd, B)`` lets **B + 1** finished handshakes wait.
* ``inet_csk_reqsk_queue_is_full()`` (include/net/inet_connection_sock.h) is ``qlen >=
  sk_max_ack_backlog`` in older kernels and ``>`` since commit 3479c7549fb1 (2025; first
  mainline release unconfirmed, probably 6.13): :attr:`ListenerConfig.synq_full_test`.

A SYN goes through ``tcp_conn_request()`` (net/ipv4/tcp_input.c) in this order
(:meth:`Listener.on_syn`):

1. a SYN reopening a TIME-WAIT connection skips the SYN-queue checks
   (:meth:`Listener.enter_time_wait`: ``tcp_timewait_state_process()`` lets a SYN whose
   SEQ is after the old RCV.NXT through, with ISS = old SND.NXT + 65537, and answers an
   older one with an ACK);
2. ``tcp_syncookies == 2`` or SYN queue full → ``tcp_syn_flood_action()``: cookies on
   (``TCPReqQFullDoCookies``++) or drop (``TCPReqQFullDrop``++, ``ListenDrops``++);
3. accept queue full → drop silently (``ListenOverflows``++, ``ListenDrops``++);
4. cookies off (``tcp_syncookies == 0``) and ``max_syn_backlog - qlen < max_syn_backlog >> 2``
   and the peer not proven → drop ("last quarter of backlog is filled with destinations,
   proven to be alive"); the only place ``tcp_max_syn_backlog`` limits anything;
5. cookie: SYN-ACK whose ISS is a :mod:`tcplab.syncookie` cookie, no state kept,
   ``SyncookiesSent``++ and the "recent overflow" stamp set (``tcp_synq_overflow()``);
6. otherwise a request sock is queued and a SYN-ACK sent, with timer ``TCP_TIMEOUT_INIT``.

The third ACK (:meth:`Listener.on_ack`) goes through ``tcp_check_req()``
(net/ipv4/tcp_minisocks.c): with the accept queue full, ``tcp_v4_syn_recv_sock()`` counts
``ListenOverflows`` and ``ListenDrops``; then ``tcp_abort_on_overflow = 0`` drops the ACK
and marks the request ``acked`` (its SYN-ACK keeps being retransmitted, the client already
believes it is ESTABLISHED) and ``= 1`` sends RST (``EmbryonicRsts``++). An ACK with no
request is checked as a cookie if cookies are on and an overflow happened in the last
``TCP_SYNCOOKIE_VALID`` = 120 s (``cookie_v4_check()``); a bad cookie leaves the ACK to
the listener, which answers an ACK in LISTEN with RST (RFC 9293 §3.10.7.2).

SYN-ACK timers (:meth:`Listener.advance`, ``reqsk_timer_handler()``): resend at 1, 3, 7,
15, 31 s and expire at 63 s with ``tcp_synack_retries = 5``; when the SYN queue is more
than half full (``(qlen << 1) > max(8, sk_max_ack_backlog)``) old requests get one retry
fewer per doubling of the "young" count (requests not yet timed out) needed to exceed
qlen, never fewer than 2.

The model is event-driven and sans-I/O: every entry point takes ``now`` (seconds, never
decreasing); nothing reads a clock or touches a socket.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Literal, NamedTuple

from tcplab import _validate as v
from tcplab import seq as sn
from tcplab import syncookie
from tcplab.isn import FourTuple, LinuxIsn
from tcplab.timers import LINUX, RetransmissionTimeline, RetryRule

__all__ = [
    "COUNTERS",
    "COUNTER_MEANINGS",
    "REQUEST_SOCK_BYTES",
    "AckVerdict",
    "Admission",
    "Child",
    "Listener",
    "ListenerConfig",
    "Request",
    "SynRules",
    "SynVerdict",
    "TimerEvent",
    "acceptq_is_full",
    "admit_syns",
    "clamp_backlog",
    "client_syn_timeline",
    "predict_accept_queue",
    "request_timeouts",
    "simulate_listen_queue",
    "synack_retries_under_load",
    "synack_schedule",
    "synq_limit",
]

#: ip-sysctl.rst ``tcp_max_syn_backlog``: "A SYN_RECV request socket consumes about 304 bytes".
REQUEST_SOCK_BYTES = 304

#: The /proc/net/netstat ``TcpExt`` counters the model keeps (names as the kernel prints
#: them), each with when it moves — the one list the notebooks and checkers read.
COUNTER_MEANINGS: dict[str, str] = {
    "ListenOverflows": "the accept queue is full: a SYN dropped, or a third ACK dropped",
    "ListenDrops": "any drop on a listener (accept overflow, SYN-queue drop, ...)",
    "SyncookiesSent": "a SYN-ACK carrying a SYN cookie is sent",
    "SyncookiesRecv": "an ACK with a valid cookie arrives",
    "SyncookiesFailed": "an ACK reaches the cookie check and fails",
    "TCPReqQFullDrop": "SYN queue full with cookies off: the SYN is dropped",
    "TCPReqQFullDoCookies": "SYN queue full (or tcp_syncookies=2) and a cookie is sent",
    "EmbryonicRsts": "a request reset, e.g. tcp_abort_on_overflow=1",
}

#: The counter names alone, in the same order.
COUNTERS: tuple[str, ...] = tuple(COUNTER_MEANINGS)

Peer = Hashable


def _peer(peer: object) -> None:
    """Peers are dict keys: anything hashable (an ``(ip, port)`` pair gets real ISNs)."""
    try:
        hash(peer)
    except TypeError:
        raise TypeError(
            f"peer = {v.short(peer)}: expected a hashable id, e.g. (ip, port)"
        ) from None


def _seqno(value: object, name: str) -> int:
    if type(value) is int and 0 <= value <= 0xFFFFFFFF:  # the common case, checked cheaply
        return value
    return v.integer(value, name, ge=0, le=0xFFFFFFFF, what="a 32-bit sequence number")


def _address(addr: object, name: str) -> tuple[str, int]:
    """An ``(ipv4, port)`` pair."""
    if not (isinstance(addr, tuple) and len(addr) == 2 and isinstance(addr[0], str)):
        raise TypeError(f"{name} = {v.short(addr)}: expected an (IPv4 address, port) pair")
    port = v.integer(addr[1], f"{name}[1]", ge=0, le=65535, what="a port number")
    return (addr[0], port)


def clamp_backlog(backlog: int, somaxconn: int = 4096) -> int:
    """``sk_max_ack_backlog`` after ``listen(fd, backlog)`` (net/socket.c ``__sys_listen()``).

    ``if ((unsigned int)backlog > somaxconn) backlog = somaxconn;`` — unsigned, so a
    negative backlog becomes somaxconn.
    """
    backlog = v.integer(backlog, "backlog", ge=-(2**31), le=v.MAX_BACKLOG)
    somaxconn = v.integer(somaxconn, "somaxconn", ge=0, le=v.MAX_BACKLOG)
    return somaxconn if (backlog & 0xFFFFFFFF) > somaxconn else backlog


def synack_retries_under_load(retries: int, qlen: int, young: int, max_ack_backlog: int) -> int:
    """``reqsk_timer_handler()``: SYN-ACK retries left for old requests under load.

    When the SYN queue is more than half full (``(qlen << 1) > max(8, sk_max_ack_backlog)``)
    old requests get one retry fewer per doubling of the "young" count (requests not yet
    timed out) needed to exceed ``qlen``, never fewer than 2 — "we reserve half of room for
    young embrions; and abort old ones without pity" (net/ipv4/inet_connection_sock.c).
    """
    return _retries_under_load(
        v.integer(retries, "retries", ge=0, le=255),
        v.integer(qlen, "qlen", ge=0, le=v.MAX_BACKLOG),
        v.integer(young, "young", ge=0, le=v.MAX_BACKLOG),
        v.integer(max_ack_backlog, "max_ack_backlog", ge=0, le=v.MAX_BACKLOG),
    )


def _retries_under_load(retries: int, qlen: int, young: int, max_ack_backlog: int) -> int:
    if (qlen << 1) > max(8, max_ack_backlog):
        y = young << 1
        while retries > 2:
            if qlen < y:
                break
            retries -= 1
            y <<= 1
    return retries


def synack_schedule(
    retries: int = 5, timeout_init: float = 1.0, rto_max: float = 120.0
) -> tuple[list[float], float]:
    """SYN-ACK send times and the expiry time of an unanswered request.

    The schedule is :func:`tcplab.timers.retransmission_timeline` (``reqsk_timeout()``
    doubles from ``TCP_TIMEOUT_INIT`` up to ``TCP_RTO_MAX``; no linear phase for SYN-ACKs).

    >>> synack_schedule()
    ([0.0, 1.0, 3.0, 7.0, 15.0, 31.0], 63.0)
    """
    tl = RetryRule(retries, timeout_init, rto_max).timeline()
    return list(tl.send_times), tl.give_up


def request_timeouts(
    retries: int = 5, timeout_init: float = 1.0, rto_max: float = 120.0
) -> tuple[float, ...]:
    """The wait after a request's k-th timeout, k = 0..retries (the last one ends in expiry).

    >>> request_timeouts(3)
    (1.0, 2.0, 4.0, 8.0)
    """
    tl = RetryRule(retries, timeout_init, rto_max).timeline()
    return (*tl.gaps, tl.give_up - tl.send_times[-1])


def client_syn_timeline(
    syn_retries: int = 6,
    syn_linear_timeouts: int = 4,
    timeout_init: float = 1.0,
    rto_max: float = 120.0,
) -> RetransmissionTimeline:
    """When a Linux client sends its SYNs and when ``connect()`` gives up.

    :meth:`tcplab.timers.TimerPreset.syn_rule` of :data:`~tcplab.timers.LINUX` with these
    settings: ``syn_linear_timeouts=4`` is Linux ≥ 6.5 (SYNs at 0, 1, 2, 3, 4, 5, 7, 11,
    19, 35, 67 s, give-up at 131 s), 0 is older kernels (0, 1, 3, ... 63 s, 127 s).

    >>> client_syn_timeline(6, 0).give_up, client_syn_timeline(7, 0).give_up
    (127.0, 247.0)
    """
    v.integer(syn_retries, "syn_retries", ge=0, le=127)
    v.integer(syn_linear_timeouts, "syn_linear_timeouts", ge=0, le=10)
    timeout_init = v.number(timeout_init, "timeout_init", gt=0, le=1e5, what="seconds")
    rto_max = v.number(rto_max, "rto_max", gt=0, le=1e5, what="seconds")
    p = LINUX.with_(
        syn_retries=syn_retries,
        syn_linear_timeouts=syn_linear_timeouts,
        initial_rto=timeout_init,
        rto_max=rto_max,
        rto_min=min(LINUX.rto_min, rto_max),
    )
    return p.syn_timeline()


@dataclass(frozen=True)
class ListenerConfig:
    """The knobs that decide a listener's behaviour (Linux defaults, facts.md §1)."""

    backlog: int = 128
    """The argument to ``listen()``; clamped by :attr:`somaxconn`."""
    somaxconn: int = 4096
    """``net.core.somaxconn``: 4096 since Linux 5.4, 128 before."""
    syncookies: int = 1
    """``net.ipv4.tcp_syncookies``: 0 never, 1 on SYN-queue overflow, 2 always."""
    abort_on_overflow: bool = False
    """``net.ipv4.tcp_abort_on_overflow``."""
    max_syn_backlog: int = 128
    """``net.ipv4.tcp_max_syn_backlog`` (default max(128, ehash_entries / 128))."""
    synack_retries: int = 5
    """``net.ipv4.tcp_synack_retries`` (or the listener's ``TCP_SYNCNT``)."""
    timeout_init: float = 1.0
    """``TCP_TIMEOUT_INIT``: the first SYN-ACK retransmission timeout."""
    rto_max: float = 120.0
    """``TCP_RTO_MAX``."""
    synq_full_test: Literal[">=", ">"] = ">"
    """``inet_csk_reqsk_queue_is_full()``: ``>=`` before commit 3479c7549fb1, ``>`` after."""
    time_wait: float = 60.0
    """How long a closed child stays in TIME-WAIT (Linux ``TCP_TIMEWAIT_LEN``, fixed)."""

    def __post_init__(self) -> None:
        # listen() takes a C int (a negative backlog is legal: it becomes somaxconn)
        fields = {
            "backlog": v.integer(self.backlog, "backlog", ge=-(2**31), le=v.MAX_BACKLOG),
            "somaxconn": v.integer(self.somaxconn, "somaxconn", ge=0, le=v.MAX_BACKLOG),
            "syncookies": v.integer(self.syncookies, "syncookies", ge=0, le=2),
            "abort_on_overflow": v.boolean(self.abort_on_overflow, "abort_on_overflow"),
            "max_syn_backlog": v.integer(
                self.max_syn_backlog, "max_syn_backlog", ge=0, le=v.MAX_BACKLOG
            ),
            "synack_retries": v.integer(self.synack_retries, "synack_retries", ge=0, le=255),
            "timeout_init": v.number(self.timeout_init, "timeout_init", gt=0, what="seconds"),
            "rto_max": v.number(self.rto_max, "rto_max", gt=0, what="seconds"),
            "synq_full_test": v.choice(self.synq_full_test, "synq_full_test", (">=", ">")),
            "time_wait": v.number(self.time_wait, "time_wait", ge=0, what="seconds"),
        }
        for name, value in fields.items():  # canonical types (numpy ints become ints)
            object.__setattr__(self, name, value)

    @functools.cached_property
    def max_ack_backlog(self) -> int:
        """``sk_max_ack_backlog`` = the backlog after the somaxconn clamp."""
        return clamp_backlog(self.backlog, self.somaxconn)

    @property
    def syn_rules(self) -> SynRules:
        """The settings :func:`admit_syns` needs."""
        return SynRules(
            self.max_ack_backlog, self.syncookies, self.max_syn_backlog, self.synq_full_test
        )


class SynVerdict(Enum):
    """What the listener does with a SYN."""

    QUEUED = "request queued, SYN-ACK sent"
    COOKIE = "SYN-ACK with a cookie, no state kept"
    SYNACK_RESENT = "duplicate SYN: SYN-ACK resent, timer reset"
    DROP_SYN_QUEUE_FULL = "dropped: SYN queue full and cookies off"
    DROP_ACCEPT_QUEUE_FULL = "dropped: accept queue full"
    DROP_UNPROVEN = "dropped: last quarter of tcp_max_syn_backlog, peer not proven"
    TIME_WAIT_ACK = "an old SYN meets the peer's TIME-WAIT connection: ACK, no new request"

    @classmethod
    def _missing_(cls, value: object) -> SynVerdict:
        raise ValueError(f"{v.short(value)} is not a {cls.__name__}: expected one of its texts")

    @property
    def answered(self) -> bool:
        """True when a SYN-ACK goes back to the client."""
        return self in (SynVerdict.QUEUED, SynVerdict.COOKIE, SynVerdict.SYNACK_RESENT)


def synq_limit(max_ack_backlog: int, synq_full_test: Literal[">=", ">"] = ">") -> int:
    """The request count at which ``inet_csk_reqsk_queue_is_full()`` says "full".

    ``qlen >= sk_max_ack_backlog`` before commit 3479c7549fb1, ``qlen >
    sk_max_ack_backlog`` since: ``listen(fd, B)`` holds B half-open requests on older
    kernels and B + 1 on newer ones (facts.md §3).
    """
    max_ack_backlog = v.integer(max_ack_backlog, "max_ack_backlog", ge=0, le=v.MAX_BACKLOG)
    return _synq_limit(max_ack_backlog, v.choice(synq_full_test, "synq_full_test", (">=", ">")))


def _synq_limit(max_ack_backlog: int, synq_full_test: str) -> int:
    return max_ack_backlog + 1 if synq_full_test == ">" else max_ack_backlog


def acceptq_is_full(ack_backlog: int, max_ack_backlog: int) -> bool:
    """``sk_acceptq_is_full()``: ``sk_ack_backlog > sk_max_ack_backlog`` — so B + 1 wait."""
    v.integer(ack_backlog, "ack_backlog", ge=0, le=v.MAX_BACKLOG)
    v.integer(max_ack_backlog, "max_ack_backlog", ge=0, le=v.MAX_BACKLOG)
    return _acceptq_full(ack_backlog, max_ack_backlog)


def _acceptq_full(ack_backlog: int, max_ack_backlog: int) -> bool:
    return ack_backlog > max_ack_backlog  # ">", not ">=": see include/net/sock.h


@dataclass(frozen=True)
class SynRules:
    """The listener settings that decide what ``tcp_conn_request()`` does with a SYN.

    ``synq_capacity`` is for SYN stores that are not Linux's request queue (the flood
    model's SYN cache): full at ``qlen >= synq_capacity``, and without Linux's
    last-quarter rule, which belongs to the request queue.
    """

    max_ack_backlog: int
    syncookies: int = 1
    max_syn_backlog: int = 128
    synq_full_test: Literal[">=", ">"] = ">"
    synq_capacity: int | None = None

    def __post_init__(self) -> None:
        v.integer(self.max_ack_backlog, "max_ack_backlog", ge=0, le=v.MAX_BACKLOG)
        v.integer(self.syncookies, "syncookies", ge=0, le=2)
        v.integer(self.max_syn_backlog, "max_syn_backlog", ge=0, le=v.MAX_BACKLOG)
        v.choice(self.synq_full_test, "synq_full_test", (">=", ">"))
        if self.synq_capacity is not None:
            v.integer(self.synq_capacity, "synq_capacity", ge=0, le=v.MAX_BACKLOG)

    @functools.cached_property
    def full_at(self) -> int:
        """The SYN-queue length at which a SYN meets a full SYN queue."""
        if self.synq_capacity is not None:
            return self.synq_capacity
        return _synq_limit(self.max_ack_backlog, self.synq_full_test)

    @functools.cached_property
    def unproven_limit(self) -> int | None:
        """Cookies off: unproven peers are queued only while ``qlen`` is below this."""
        if self.syncookies or self.synq_capacity is not None:
            return None
        msb = self.max_syn_backlog  # drop when msb - qlen < msb >> 2
        return msb - (msb >> 2) + 1


class Admission(NamedTuple):
    """What ``tcp_conn_request()`` does with ``n`` SYNs arriving back to back."""

    queued: int
    """SYNs that got a request sock (and a SYN-ACK), the first ones."""
    rest: SynVerdict
    """What happened to the other ``n - queued`` (all alike: the queue stops growing)."""
    n_rest: int
    flood_action: int
    """SYNs that went through ``tcp_syn_flood_action()`` (``TCPReqQFullDoCookies`` or
    ``TCPReqQFullDrop``), counted even when the accept queue then drops them."""


def admit_syns(
    rules: SynRules,
    qlen: int,
    ack_backlog: int,
    n: int = 1,
    proven: bool = False,
    from_time_wait: bool = False,
) -> Admission:
    """Linux's SYN admission rule (``tcp_conn_request()``), for ``n`` SYNs in a row.

    The one place this rule is written: :meth:`Listener.on_syn` asks it about one SYN,
    the flood model about a whole cohort of spoofed SYNs. Order (facts.md §3): a SYN
    reopening TIME-WAIT skips the SYN-queue checks; ``tcp_syncookies=2`` or a full SYN
    queue → cookie (or drop with cookies off); a full accept queue drops; with cookies
    off the last quarter of ``tcp_max_syn_backlog`` is kept for proven peers.
    """
    if not isinstance(rules, SynRules):
        raise TypeError(f"rules = {v.short(rules)}: expected a SynRules")
    return _admit_syns(
        rules,
        v.integer(qlen, "qlen", ge=0, le=v.MAX_BACKLOG),
        v.integer(ack_backlog, "ack_backlog", ge=0, le=v.MAX_BACKLOG),
        v.integer(n, "n", ge=0, le=v.MAX_EVENTS),
        v.boolean(proven, "proven"),
        v.boolean(from_time_wait, "from_time_wait"),
    )


def _admit_syns(
    rules: SynRules, qlen: int, ack_backlog: int, n: int, proven: bool, from_time_wait: bool
) -> Admission:
    """:func:`admit_syns` for callers whose arguments are already checked (hot paths)."""
    acc_full = _acceptq_full(ack_backlog, rules.max_ack_backlog)
    if from_time_wait:  # "TW buckets are converted to open requests without limitations"
        queued = 0 if acc_full else n
        return Admission(queued, SynVerdict.DROP_ACCEPT_QUEUE_FULL, n - queued, 0)
    full_at = rules.full_at
    if rules.syncookies == 2:
        limit = qlen  # nothing is queued: every SYN is answered with a cookie
    else:
        limit = full_at
        quarter = rules.unproven_limit
        if quarter is not None and not proven:
            limit = min(limit, quarter)
    queued = 0 if acc_full else min(n, max(0, limit - qlen))
    rest = n - queued
    synq_full = rules.syncookies == 2 or qlen + queued >= full_at
    if synq_full and not rules.syncookies:
        verdict = SynVerdict.DROP_SYN_QUEUE_FULL
    elif acc_full:
        verdict = SynVerdict.DROP_ACCEPT_QUEUE_FULL
    elif synq_full:
        verdict = SynVerdict.COOKIE
    else:
        verdict = SynVerdict.DROP_UNPROVEN
    return Admission(queued, verdict, rest, rest if synq_full else 0)


class AckVerdict(Enum):
    """What the listener does with the third segment of the handshake."""

    ESTABLISHED = "child created and put in the accept queue"
    COOKIE_ESTABLISHED = "valid cookie: child created and put in the accept queue"
    DROPPED_OVERFLOW = "accept queue full: ACK dropped, request kept (acked=1)"
    RST_OVERFLOW = "accept queue full with tcp_abort_on_overflow=1: RST, request dropped"
    COOKIE_OVERFLOW = "valid cookie but accept queue full: ACK dropped"
    RST = "no request and no valid cookie (or a wrong ACK number): RST"

    @classmethod
    def _missing_(cls, value: object) -> AckVerdict:
        raise ValueError(f"{v.short(value)} is not an {cls.__name__}: expected one of its texts")


@dataclass
class Request:
    """A request sock in the SYN queue."""

    peer: Peer
    client_isn: int
    iss: int
    mss: int
    created: float
    expires: float
    num_timeout: int = 0
    acked: bool = False
    synacks_sent: int = 1


@dataclass(frozen=True)
class Child:
    """A connection whose handshake completed, waiting in the accept queue."""

    peer: Peer
    established: float
    mss: int
    via_cookie: bool


@dataclass(frozen=True)
class TimerEvent:
    """A SYN-ACK timer firing: ``action`` is ``"synack"`` (resent) or ``"expire"``."""

    time: float
    peer: Peer
    action: Literal["synack", "expire"]
    acked: bool
    """The request had been ACKed while the accept queue was full."""


@dataclass(frozen=True)
class SynResult:
    verdict: SynVerdict
    iss: int | None
    """The ISS in the SYN-ACK (a cookie on the cookie path), None when dropped."""


class Listener:
    """One listening socket, driven by SYNs, ACKs, ``accept()`` calls and time.

    Peers are any hashable id; when they are ``(ip, port)`` pairs the cookies and ISNs
    are the real Linux functions over the 4-tuple. ``seed`` seeds the ISN and cookie keys.
    """

    def __init__(
        self,
        config: ListenerConfig | None = None,
        *,
        seed: int = 0,
        local: tuple[str, int] = ("192.0.2.1", 80),
    ) -> None:
        if config is not None and not isinstance(config, ListenerConfig):
            raise TypeError(f"config = {v.short(config)}: expected a ListenerConfig or None")
        v.integer(seed, "seed", ge=0, le=2**64 - 1)
        self.config = config or ListenerConfig()
        self.local = _address(local, "local")
        self.requests: dict[Peer, Request] = {}
        self.accept_queue: deque[Child] = deque()
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.now = 0.0
        self.last_overflow: float | None = None
        self._young = 0
        self._timers: list[tuple[float, int, Peer]] = []
        self._tick = itertools.count()
        self._isn = LinuxIsn(seed=seed)
        self._keys = syncookie.SynCookieKeys.from_seed(seed)
        self._proven: set[Peer] = set()
        self._time_wait: dict[Peer, tuple[float, int, int]] = {}  # until, rcv_nxt, snd_nxt
        cfg = self.config
        self._rules = cfg.syn_rules
        self._timeouts = request_timeouts(cfg.synack_retries, cfg.timeout_init, cfg.rto_max)

    # --- queue state -------------------------------------------------------------------
    @property
    def max_ack_backlog(self) -> int:
        return self.config.max_ack_backlog

    @property
    def qlen(self) -> int:
        """``reqsk_queue_len()``: request socks in the SYN queue."""
        return len(self.requests)

    @property
    def ack_backlog(self) -> int:
        """``sk_ack_backlog``: children waiting for ``accept()`` (``ss`` Recv-Q)."""
        return len(self.accept_queue)

    @property
    def young(self) -> int:
        """Requests whose SYN-ACK timer has not fired yet."""
        return self._young

    def acceptq_is_full(self) -> bool:
        """``sk_acceptq_is_full()`` (:func:`acceptq_is_full`)."""
        return _acceptq_full(self.ack_backlog, self.max_ack_backlog)

    def synq_is_full(self) -> bool:
        """``inet_csk_reqsk_queue_is_full()`` (:func:`synq_limit`)."""
        return self.qlen >= _synq_limit(self.max_ack_backlog, self.config.synq_full_test)

    def memory_bytes(self) -> int:
        """Memory held by request socks (``REQUEST_SOCK_BYTES`` each)."""
        return self.qlen * REQUEST_SOCK_BYTES

    def recent_overflow(self, now: float) -> bool:
        """``!tcp_synq_no_recent_overflow()``: a cookie was sent within the last 120 s."""
        lo = self.last_overflow
        return lo is not None and lo - 1.0 <= now <= lo + 2 * syncookie.SYNCOOKIE_PERIOD

    def enter_time_wait(self, now: float, peer: Peer, *, rcv_nxt: int, snd_nxt: int) -> None:
        """The connection with ``peer`` closed with this side in TIME-WAIT.

        ``rcv_nxt`` / ``snd_nxt`` are the old connection's; a later SYN from ``peer``
        meets this TIME-WAIT socket first (:meth:`on_syn`).
        """
        self._clock(now)
        _peer(peer)
        _seqno(rcv_nxt, "rcv_nxt")
        _seqno(snd_nxt, "snd_nxt")
        if len(self._time_wait) >= 4096:  # forget the expired ones before growing
            self._time_wait = {p: tw for p, tw in self._time_wait.items() if now < tw[0]}
        self._time_wait[peer] = (now + self.config.time_wait, rcv_nxt, snd_nxt)

    def in_time_wait(self, peer: Peer) -> bool:
        """A TIME-WAIT socket for ``peer`` is still alive."""
        _peer(peer)
        tw = self._time_wait.get(peer)
        return tw is not None and self.now < tw[0]

    def _time_wait_syn(self, peer: Peer, isn: int) -> int | None:
        """``tcp_timewait_state_process()`` for a SYN: the ISS of a reopened connection.

        A SYN whose SEQ is after the old RCV.NXT reopens the connection (RFC 1122's "MAY
        accept a new SYN"; the timestamp variant is not modelled): the TIME-WAIT socket is
        killed and the SYN goes to the listener, skipping the SYN-queue checks, with ISS =
        old SND.NXT + 65537. None: an old duplicate, answered with an ACK.
        """
        _, rcv_nxt, snd_nxt = self._time_wait[peer]
        if not sn.after(isn, rcv_nxt):
            return None
        del self._time_wait[peer]
        return (snd_nxt + 65537) & 0xFFFFFFFF or 1

    def mark_proven(self, peer: Peer) -> None:
        """Record a peer as proven alive (``tcp_peer_is_proven()``, via the metrics cache)."""
        _peer(peer)
        self._proven.add(peer)

    # --- helpers ---------------------------------------------------------------------
    def _clock(self, now: float) -> None:
        self.advance(now)

    def _drop(self, *names: str) -> None:
        for n in names:
            self.counters[n] += 1

    def _tuple(self, peer: Peer) -> FourTuple | None:
        if (
            isinstance(peer, tuple)
            and len(peer) == 2
            and isinstance(peer[0], str)
            and isinstance(peer[1], int)
        ):
            return FourTuple(self.local[0], self.local[1], peer[0], peer[1])
        return None

    def _four_tuple(self, peer: Peer) -> FourTuple:
        ft = self._tuple(peer)
        if ft is None:  # abstract peers: a stable fake tuple from a digest of their repr
            # (never hash(): it changes with PYTHONHASHSEED, and so would the ISNs)
            d = hashlib.blake2b(repr(peer).encode(), digest_size=4).digest()
            ip = f"198.51.{100 + (d[0] & 1)}.{d[1]}"
            ft = FourTuple(self.local[0], self.local[1], ip, 1 + int.from_bytes(d[2:]) % 65535)
        return ft

    def _iss(self, peer: Peer, now: float) -> int:
        return self._isn.isn(self._four_tuple(peer), now)

    def _cookie_args(self, peer: Peer) -> tuple[str, str, int, int]:
        ft = self._four_tuple(peer)
        return (ft.remote_ip, ft.local_ip, ft.remote_port, ft.local_port)

    def _arm(self, req: Request, at: float) -> None:
        req.expires = at
        heapq.heappush(self._timers, (at, next(self._tick), req.peer))

    def _remove(self, peer: Peer) -> Request:
        req = self.requests.pop(peer)
        if req.num_timeout == 0:
            self._young -= 1
        return req

    # --- segments and calls ----------------------------------------------------------
    def on_syn(
        self,
        now: float,
        peer: Peer,
        *,
        isn: int = 0,
        mss: int = 1460,
        proven: bool | None = None,
        from_time_wait: bool = False,
    ) -> SynResult:
        """A SYN from ``peer`` arrives at time ``now`` (``tcp_conn_request()``).

        A peer with a TIME-WAIT socket here (:meth:`enter_time_wait`) is handled by it
        first; ``from_time_wait=True`` says the caller already did that and the SYN
        reopens a connection.
        """
        self._clock(now)
        _peer(peer)
        isn = _seqno(isn, "isn")
        if not (type(mss) is int and 1 <= mss <= 65535):
            mss = v.integer(mss, "mss", ge=1, le=65535, what="an MSS in bytes")
        if proven is not None and proven is not True and proven is not False:
            v.boolean(proven, "proven")
        if from_time_wait is not True and from_time_wait is not False:
            v.boolean(from_time_wait, "from_time_wait")
        cfg = self.config
        tw_iss = None
        if self.in_time_wait(peer):
            tw_iss = self._time_wait_syn(peer, isn)
            if tw_iss is None:
                return SynResult(SynVerdict.TIME_WAIT_ACK, None)
            from_time_wait = True
        req = self.requests.get(peer)
        if req is not None:
            # tcp_check_req(): "Check for pure retransmitted SYN" -> resend, reset the timer.
            req.synacks_sent += 1
            self._arm(req, now + self._timeouts[min(req.num_timeout, len(self._timeouts) - 1)])
            return SynResult(SynVerdict.SYNACK_RESENT, req.iss)
        is_proven = (peer in self._proven) if proven is None else proven
        adm = _admit_syns(self._rules, self.qlen, self.ack_backlog, 1, is_proven, from_time_wait)
        if adm.flood_action:  # tcp_syn_flood_action()
            self._drop("TCPReqQFullDoCookies" if cfg.syncookies else "TCPReqQFullDrop")
        if adm.queued:
            iss = self._iss(peer, now) if tw_iss is None else tw_iss
            req = Request(peer, isn, iss, mss, created=now, expires=now)
            self.requests[peer] = req
            self._young += 1
            self._arm(req, now + self._timeouts[0])
            return SynResult(SynVerdict.QUEUED, iss)
        verdict = adm.rest
        if verdict is SynVerdict.COOKIE:
            sa, da, sp, dp = self._cookie_args(peer)
            iss = syncookie.make_cookie(self._keys, sa, da, sp, dp, isn, mss, now)
            self._drop("SyncookiesSent")
            self.last_overflow = now  # tcp_synq_overflow()
            return SynResult(verdict, iss)
        if verdict is SynVerdict.DROP_ACCEPT_QUEUE_FULL:
            self._drop("ListenOverflows")
        self._drop("ListenDrops")
        return SynResult(verdict, None)

    def on_ack(
        self, now: float, peer: Peer, *, ack: int | None = None, seq: int | None = None
    ) -> AckVerdict:
        """The third segment of the handshake from ``peer`` (``tcp_check_req()``).

        ``ack`` defaults to the right ACK for the peer's request (ISS + 1). A cookie can
        only be checked with explicit ``ack`` and ``seq`` (the client's ISN + 1).
        """
        self._clock(now)
        _peer(peer)
        if ack is not None:
            _seqno(ack, "ack")
        if seq is not None:
            _seqno(seq, "seq")
        req = self.requests.get(peer)
        if req is not None:
            if ack is not None and ack != (req.iss + 1) & 0xFFFFFFFF:
                return AckVerdict.RST  # tcp_check_req() hands it to the listener: RST
            if self.acceptq_is_full():
                self._drop("ListenOverflows", "ListenDrops")
                if self.config.abort_on_overflow:
                    self._remove(peer)
                    self._drop("EmbryonicRsts")
                    return AckVerdict.RST_OVERFLOW
                req.acked = True
                return AckVerdict.DROPPED_OVERFLOW
            self._remove(peer)
            self.accept_queue.append(Child(peer, now, req.mss, via_cookie=False))
            return AckVerdict.ESTABLISHED
        if (
            self.config.syncookies
            and ack is not None
            and seq is not None
            and self.recent_overflow(now)
        ):
            sa, da, sp, dp = self._cookie_args(peer)
            res = syncookie.check_cookie(self._keys, sa, da, sp, dp, seq, ack, now)
            self._drop(res.counter)
            if not res.valid:
                return AckVerdict.RST
            if self.acceptq_is_full():
                self._drop("ListenOverflows", "ListenDrops")
                return AckVerdict.COOKIE_OVERFLOW
            self.accept_queue.append(Child(peer, now, res.mss, via_cookie=True))
            return AckVerdict.COOKIE_ESTABLISHED
        return AckVerdict.RST

    def accept(self, now: float) -> Child | None:
        """``accept()``: the oldest child, or None when the accept queue is empty."""
        self._clock(now)
        return self.accept_queue.popleft() if self.accept_queue else None

    # --- timers -------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        """When the next SYN-ACK timer fires, or None."""
        while self._timers:
            at, _, peer = self._timers[0]
            req = self.requests.get(peer)
            if req is not None and req.expires == at:
                return at
            heapq.heappop(self._timers)  # stale entry (request gone or timer re-armed)
        return None

    def _max_retries(self) -> int:
        return _retries_under_load(
            self.config.synack_retries, self.qlen, self._young, self.max_ack_backlog
        )

    def advance(self, now: float) -> list[TimerEvent]:
        """Fire every SYN-ACK timer due at or before ``now``; return what happened."""
        if not (type(now) is float and self.now <= now < math.inf):  # cheap common case
            now = v.number(now, "now", ge=0, what="time in seconds")
        if now < self.now:
            raise ValueError(
                f"now = {v.short(now)}: expected a time that does not go backwards "
                f"(last {self.now:g} s)"
            )
        events: list[TimerEvent] = []
        while (at := self.next_timer()) is not None and at <= now:
            _, _, peer = heapq.heappop(self._timers)
            req = self.requests[peer]
            self.now = at
            if req.num_timeout >= self._max_retries():  # syn_ack_recalc(): expire
                self._remove(req.peer)
                events.append(TimerEvent(at, req.peer, "expire", req.acked))
                continue
            req.synacks_sent += 1
            if req.num_timeout == 0:
                self._young -= 1
            req.num_timeout += 1
            self._arm(req, at + self._timeouts[req.num_timeout])
            events.append(TimerEvent(at, req.peer, "synack", req.acked))
        self.now = now
        return events


# --- helpers for the live lab and the notebooks ------------------------------------------


def predict_accept_queue(
    backlog: int,
    clients: int,
    *,
    somaxconn: int = 4096,
    syncookies: int = 1,
    abort_on_overflow: bool = False,
    max_syn_backlog: int = 128,
    synq_full_test: Literal[">=", ">"] = ">",
) -> dict[str, int]:
    """What ``listen(fd, backlog)`` + ``clients`` sequential ``connect()`` s show, never accepting.

    Each client's handshake completes before the next SYN (as on loopback), within one
    second (no retransmissions). Returns the client states (``ESTABLISHED``,
    ``SYN_SENT``), the listener's ``accept_queue`` (``ss`` Recv-Q), ``max_ack_backlog``
    (Send-Q) and the counter increments.
    """
    clients = v.integer(clients, "clients", ge=0, le=MAX_PREDICT_CLIENTS)
    lst = Listener(
        ListenerConfig(
            backlog=backlog,
            somaxconn=somaxconn,
            syncookies=syncookies,
            abort_on_overflow=abort_on_overflow,
            max_syn_backlog=max_syn_backlog,
            synq_full_test=synq_full_test,
        )
    )
    est = syn_sent = closed = 0
    t = 0.0
    for i in range(clients):
        t += 1e-4
        peer = ("127.0.0.1", 40000 + i)
        res = lst.on_syn(t, peer, isn=i, proven=True)
        if not res.verdict.answered or res.iss is None:
            syn_sent += 1
            continue
        # loopback: the client gets the SYN-ACK, turns ESTABLISHED, sends the third ACK
        verdict = lst.on_ack(t, peer, ack=(res.iss + 1) & 0xFFFFFFFF, seq=i + 1)
        if verdict in (AckVerdict.RST, AckVerdict.RST_OVERFLOW):
            closed += 1
        else:
            est += 1
    return {
        "ESTABLISHED": est,
        "SYN_SENT": syn_sent,
        "CLOSED": closed,
        "accept_queue": lst.ack_backlog,
        "syn_queue": lst.qlen,
        "max_ack_backlog": lst.max_ack_backlog,
        **{k: n for k, n in lst.counters.items() if n},
    }


#: Upper bound on ``clients`` in :func:`predict_accept_queue` (each one is a handshake).
MAX_PREDICT_CLIENTS = 10**6
#: Upper bound on the clients (and samples) of one :func:`simulate_listen_queue` run.
MAX_QUEUE_CLIENTS = 20_000


def _client_peer(c: int) -> tuple[str, int]:
    """Client ``c`` of a simulation as a real (ip, port) pair: ports 1..60000 per address,
    addresses counted up from 203.0.113.9 into the next /16s (never an invalid port)."""
    n, port = divmod(c, 60000)
    ip = 0xCB007109 + n  # 203.0.113.9 + n
    return (f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}", port + 1)


def _client_index(peer: Peer) -> int:
    """The inverse of :func:`_client_peer`."""
    assert isinstance(peer, tuple)
    a, b, c, d = (int(x) for x in peer[0].split("."))
    n = ((a << 24) | (b << 16) | (c << 8) | d) - 0xCB007109
    return n * 60000 + int(peer[1]) - 1


def simulate_listen_queue(
    config: ListenerConfig | None = None,
    *,
    arrival_rate: float = 50.0,
    accept_rate: float = 40.0,
    duration: float = 30.0,
    rtt: float = 0.02,
    syn_retries: int = 6,
    syn_linear_timeouts: int = 4,
    sample_every: float = 0.25,
    seed: int = 0,
) -> tuple[list[dict[str, float]], list[dict[str, object]]]:
    """Clients arrive (Poisson), connect and are accepted at ``accept_rate`` (Poisson).

    Every client's SYN, retransmitted SYNs (:func:`client_syn_timeline`), ACK and re-ACK
    (on each retransmitted SYN-ACK) go through a :class:`Listener`. Returns ``(samples,
    clients)``: queue lengths every ``sample_every`` s, and one record per client with its
    outcome (``served``, ``reset``, ``gave_up``, ``expired``, ``pending``) and latency.
    Plain lists, so the core needs no pandas.

    Bounds, checked before anything is allocated: ``arrival_rate × duration`` and
    ``duration / sample_every`` at most :data:`MAX_QUEUE_CLIENTS` (20 000: a run of that
    size takes seconds), ``accept_rate × duration`` at most 10⁷.
    """
    # upper bounds per argument first (a huge value is named), then the products
    arrival_rate = v.number(
        arrival_rate, "arrival_rate", ge=0, le=MAX_QUEUE_CLIENTS, what="clients per second"
    )
    accept_rate = v.number(accept_rate, "accept_rate", ge=0, le=1e6, what="accepts per second")
    duration = v.number(duration, "duration", gt=0, le=1e5, what="seconds")
    rtt = v.number(rtt, "rtt", ge=0, le=60, what="seconds")
    sample_every = v.number(sample_every, "sample_every", gt=0, what="seconds")
    v.integer(seed, "seed", ge=0, le=2**64 - 1)
    v.work(
        arrival_rate * duration, "arrival_rate × duration", limit=MAX_QUEUE_CLIENTS, what="clients"
    )
    v.work(
        duration / sample_every, "duration / sample_every", limit=MAX_QUEUE_CLIENTS, what="samples"
    )
    v.work(accept_rate * duration, "accept_rate × duration", what="accept calls")
    lst = Listener(config, seed=seed)
    syn_tl = client_syn_timeline(
        syn_retries, syn_linear_timeouts, lst.config.timeout_init, lst.config.rto_max
    )
    run = _QueueRun(lst, syn_tl, rtt / 2, accept_rate, duration, random.Random(seed))
    run.schedule(arrival_rate, sample_every)
    run.run()
    return run.samples, run.clients


class _QueueRun:
    """One :func:`simulate_listen_queue` run: clients as events around a :class:`Listener`."""

    def __init__(
        self,
        lst: Listener,
        syn_tl: RetransmissionTimeline,
        half: float,
        accept_rate: float,
        duration: float,
        rng: random.Random,
    ) -> None:
        self.lst, self.syn_tl, self.half = lst, syn_tl, half
        self.accept_rate, self.duration, self.rng = accept_rate, duration, rng
        self.ev: list[tuple[float, int, str, int]] = []
        self.order = itertools.count()
        self.clients: list[dict[str, object]] = []
        self.state: list[str] = []
        self.iss: list[int] = []
        self.peers: list[tuple[str, int]] = []
        self.samples: list[dict[str, float]] = []
        self.handlers = {
            "arrive": self.on_arrive,
            "syn": self.on_syn,
            "synack": self.on_synack,
            "ack": self.on_ack,
            "give_up": self.on_give_up,
            "accept": self.on_accept,
            "sample": self.on_sample,
        }

    def push(self, t: float, kind: str, c: int) -> None:
        heapq.heappush(self.ev, (t, next(self.order), kind, c))

    def schedule(self, arrival_rate: float, sample_every: float) -> None:
        """Arrivals (Poisson), the first accept, and the sampling instants."""
        rng, duration = self.rng, self.duration
        t = rng.expovariate(arrival_rate) if arrival_rate > 0 else math.inf
        while t < duration:
            self.push(t, "arrive", len(self.clients))
            self.clients.append(
                {
                    "client": len(self.clients),
                    "arrival": 0.0,
                    "outcome": "pending",
                    "connected": math.nan,
                    "served": math.nan,
                    "syns": 0,
                }
            )
            t += rng.expovariate(arrival_rate)
        self.state = ["new"] * len(self.clients)
        self.iss = [0] * len(self.clients)
        self.peers = [_client_peer(c) for c in range(len(self.clients))]
        if self.accept_rate > 0:
            self.push(rng.expovariate(self.accept_rate), "accept", -1)
        k = 0
        while k * sample_every <= duration:
            self.push(k * sample_every, "sample", -1)
            k += 1

    def run(self) -> None:
        """Events in time order, the listener's own SYN-ACK timers interleaved."""
        ev, lst = self.ev, self.lst
        while ev:
            nt = lst.next_timer()
            if nt is not None and nt <= ev[0][0]:
                self.settle(lst.advance(nt))
                continue
            t, _, kind, c = heapq.heappop(ev)
            if t > self.duration and kind not in ("synack", "ack", "syn"):
                continue
            self.handlers[kind](t, c)

    def settle(self, events: list[TimerEvent]) -> None:
        """SYN-ACK retransmissions reach the client; expiries end established clients."""
        for e in events:
            c = _client_index(e.peer)
            if e.action == "expire" and self.state[c] == "established":
                self.finish(c, "expired")
            elif e.action == "synack":
                self.push(e.time + self.half, "synack", c)

    def finish(self, c: int, outcome: str) -> None:
        self.state[c] = "done"
        self.clients[c]["outcome"] = outcome

    def on_arrive(self, t: float, c: int) -> None:
        self.clients[c]["arrival"] = t
        self.state[c] = "syn_sent"
        for at in self.syn_tl.send_times:
            self.push(t + at + self.half, "syn", c)
        self.push(t + self.syn_tl.give_up, "give_up", c)

    def on_syn(self, t: float, c: int) -> None:
        if self.state[c] != "syn_sent":
            return
        self.clients[c]["syns"] = int(str(self.clients[c]["syns"])) + 1
        res = self.lst.on_syn(t, self.peers[c], isn=c, proven=True)
        if res.verdict.answered and res.iss is not None:
            self.iss[c] = res.iss
            self.push(t + self.half, "synack", c)

    def on_synack(self, t: float, c: int) -> None:
        if self.state[c] not in ("syn_sent", "established"):
            return
        if self.state[c] == "syn_sent":
            self.state[c] = "established"
            self.clients[c]["connected"] = t - float(str(self.clients[c]["arrival"]))
        self.push(t + self.half, "ack", c)

    def on_ack(self, t: float, c: int) -> None:
        if self.state[c] != "established":
            return
        ack = (self.iss[c] + 1) & 0xFFFFFFFF
        verdict = self.lst.on_ack(t, self.peers[c], ack=ack, seq=c + 1)
        if verdict in (AckVerdict.RST, AckVerdict.RST_OVERFLOW):
            self.finish(c, "reset")
        elif verdict in (AckVerdict.ESTABLISHED, AckVerdict.COOKIE_ESTABLISHED):
            self.state[c] = "queued"

    def on_give_up(self, t: float, c: int) -> None:
        if self.state[c] == "syn_sent":
            self.finish(c, "gave_up")

    def on_accept(self, t: float, c: int) -> None:
        child = self.lst.accept(t)
        if child is not None:
            ci = _client_index(child.peer)
            self.finish(ci, "served")
            self.clients[ci]["served"] = t - float(str(self.clients[ci]["arrival"]))
        self.push(t + self.rng.expovariate(self.accept_rate), "accept", -1)

    def on_sample(self, t: float, c: int) -> None:
        lst = self.lst
        row = {"t": t, "syn_queue": lst.qlen, "accept_queue": lst.ack_backlog}
        self.samples.append({**row, **{k: float(n) for k, n in lst.counters.items()}})
