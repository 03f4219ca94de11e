"""SYN flood against one listener, with the RFC 4987 defences of :mod:`tcplab.defences`.

Theory of operation
-------------------
An attacker sends spoofed SYNs at ``attack_rate`` per second and never completes a
handshake; legitimate clients arrive as a Poisson process, each with its own RTT (log-
normal), send a SYN and retransmit it on Linux's schedule (:mod:`tcplab.timers`: since
Linux 6.5 at 1, 2, 3, 4, 5, 7, 11, ... s, giving up at 131 s; before 6.5 at 1, 3, 7, ...
s, giving up at 127 s; facts.md §1), ACK the SYN-ACK, and wait to be ``accept()`` ed by an
application that accepts ``accept_rate`` connections per second. The listener follows
:mod:`tcplab.listener` (facts.md §2-§3) and admits SYNs through its one rule,
:func:`tcplab.listener.admit_syns`: the SYN queue is full when ``qlen > max_ack_backlog``
(``>=`` before commit 3479c7549fb1: ``synq_full_test``), the accept queue when
``ack_backlog > max_ack_backlog``; request socks
get SYN-ACK timers 1, 2, 4, 8, 16, 32 s with Linux's pruning of old requests when the
queue is more than half full; cookies are stateless; the third ACK finding a full accept
queue is dropped (``tcp_abort_on_overflow=0``: the request stays, its SYN-ACK retransmits,
the client re-ACKs) or reset (``=1``).

**Why it is fast, and how exact it is.** A per-SYN event loop costs microseconds per SYN.
Here the attacker is *aggregated*: time advances in steps of ``dt`` (1 ms by default)
and all attack SYNs of one step form one **cohort** — they arrive together, are admitted
together (as many as fit), and, since their SYN-ACK timers are identical, time out
together. A cohort is one integer count; its timers (1, 3, 7, ... s after admission) are
found through one pointer per retry level into the append-only cohort list, so each
step costs O(1) whatever the SYN rate, and steps with nothing to do are skipped.
Legitimate clients stay individual (a heap of events), because their latencies and
outcomes are the point. Within a step, the attack SYNs that arrive before a legitimate
SYN are drawn binomially from the step's count by the SYN's position in the step, so the
competition for free slots is fair. Every SYN is counted exactly; the only approximation
is that attack arrival *times* are rounded to ``dt`` (timers to the same grid), which is
far below the 1 s granularity of the SYN-ACK timers. ``bench/bench_flood.py`` compares it
with a per-SYN simpy model of the same listener.

Assumptions beyond facts.md (labelled in the output too): the SYN-cache entry size and
the full-TCB size (:data:`tcplab.defences.ENTRY_BYTES`); a SYN cache evicts the oldest
entry when full (per-bucket eviction approximated globally: spoofed sources hash
uniformly over buckets); a client whose ACK is lost to a full accept queue after a cookie
retransmits it with its first data at 1, 2, 4, ... s (the client speaks first); a SYN
proxy answers every SYN statelessly with a cookie of its own (counted in the summary's
``proxy_cookies_sent``; the server's ``cookies_sent`` stays 0) and adds ``proxy_rtt`` to
each real handshake;
without the timestamp option a cookie (or a cookie-based proxy) loses window scaling and
SACK (facts.md §4), and ``legit_timestamps`` of the clients send timestamps.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any, Literal

from tcplab import _validate as v
from tcplab._draws import binomial, poisson, poisson_counts
from tcplab.defences import DEFENCES, ENTRY_BYTES, Policy, parse_defences, policy_for
from tcplab.listener import (
    SynRules,
    SynVerdict,
    _acceptq_full,
    _admit_syns,
    _retries_under_load,
    clamp_backlog,
    client_syn_timeline,
    request_timeouts,
)
from tcplab.timers import RetransmissionTimeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MAX_FLOOD_CLIENTS",
    "MAX_STEPS",
    "FloodConfig",
    "FloodResult",
    "compare_defences",
    "simulate_flood",
    "sweep_attack_rate",
]

OUTCOMES = ("served", "gave_up", "reset", "expired", "not_accepted")
#: Upper bound on ``duration / dt``: the simulated steps of one run.
MAX_STEPS = 10**7
#: Upper bound on ``legit_rate × duration``: legitimate clients are simulated one by one.
MAX_FLOOD_CLIENTS = 200_000


@dataclass(frozen=True)
class FloodConfig:
    """One scenario. Rates per second, times in seconds, sizes in entries."""

    duration: float = 60.0
    """Attack and client arrivals run over [0, duration); then the run drains."""
    attack_rate: float = 2000.0
    legit_rate: float = 20.0
    rtt_median: float = 0.05
    rtt_sigma: float = 0.5
    """Log-normal shape of the RTT distribution (0 = every client has ``rtt_median``)."""
    syn_retries: int = 6
    syn_linear_timeouts: int = 4
    """The clients' ``tcp_syn_linear_timeouts``: 4 on Linux ≥ 6.5, 0 before (facts.md §1)."""
    accept_rate: float = 500.0
    backlog: int = 128
    somaxconn: int = 4096
    max_syn_backlog: int = 1024
    synack_retries: int = 5
    timeout_init: float = 1.0
    rto_max: float = 120.0
    abort_on_overflow: bool = False
    synq_full_test: Literal[">=", ">"] = ">"
    linux_pruning: bool = True
    legit_timestamps: float = 0.5
    """ASSUMPTION: share of clients that send the timestamp option."""
    legit_proven: float = 0.0
    """Share of clients ``tcp_peer_is_proven()`` would vouch for (cookies-off rule)."""
    filter_coverage: float = 0.9
    """ASSUMPTION (filtering): share of spoofed SYNs removed upstream."""
    backlog_factor: int = 16
    short_synack_retries: int = 1
    cache_size: int = 512 * 30
    """ASSUMPTION (syn_cache): 512 buckets × 30 entries."""
    proxy_rtt: float = 0.0005
    """ASSUMPTION (syn_proxy): proxy-to-server round trip added to each handshake."""
    dt: float = 0.001
    sample_every: float = 0.5
    deadline: float = 3.0
    """A client served within this many seconds of arriving counts in ``served_fast_share``."""
    drain: bool = True
    """Run after ``duration`` until every client is served or has failed."""
    seed: int = 0

    def client_syn_timeline(self) -> RetransmissionTimeline:
        """When each client sends its SYNs and gives up (:func:`client_syn_timeline`)."""
        return client_syn_timeline(
            self.syn_retries, self.syn_linear_timeouts, self.timeout_init, self.rto_max
        )

    def __post_init__(self) -> None:
        for name, value in self._checked().items():  # canonical types (numpy ints → int)
            object.__setattr__(self, name, value)
        # bounded before anything is allocated (see MAX_STEPS, MAX_FLOOD_CLIENTS)
        v.work(self.duration / self.dt, "duration / dt", limit=MAX_STEPS, what="steps")
        v.work(self.duration / self.sample_every, "duration / sample_every", what="samples")
        v.work(
            self.legit_rate * self.duration,
            "legit_rate × duration",
            limit=MAX_FLOOD_CLIENTS,
            what="clients",
        )
        v.work(self.attack_rate * self.duration, "attack_rate × duration", limit=10**12)

    def _checked(self) -> dict[str, object]:
        """Every field checked: the rule for each, in one place."""
        out: dict[str, object] = {}
        # upper bounds per field first, so a huge value is named; products are checked after
        for name, top in (("attack_rate", 1e9), ("legit_rate", 1e5), ("accept_rate", 1e9)):
            out[name] = v.number(getattr(self, name), name, ge=0, le=top, what="rate per second")
        for name in ("rtt_median", "rtt_sigma"):
            out[name] = v.number(getattr(self, name), name, ge=0, le=1e3)
        for name in ("proxy_rtt", "deadline"):
            out[name] = v.number(getattr(self, name), name, ge=0, what="seconds")
        for name in ("duration", "sample_every", "timeout_init", "rto_max"):
            out[name] = v.number(getattr(self, name), name, gt=0, le=1e5, what="seconds")
        out["dt"] = v.number(
            self.dt, "dt", gt=0, le=0.1, what="step in seconds (timers are 1 s apart)"
        )
        out["backlog"] = v.integer(self.backlog, "backlog", ge=-(2**31), le=v.MAX_BACKLOG)
        for name in ("somaxconn", "max_syn_backlog"):
            out[name] = v.integer(getattr(self, name), name, ge=0, le=v.MAX_BACKLOG)
        out["cache_size"] = v.integer(self.cache_size, "cache_size", ge=0, le=v.MAX_EVENTS)
        out["syn_retries"] = v.integer(self.syn_retries, "syn_retries", ge=0, le=127)
        out["syn_linear_timeouts"] = v.integer(
            self.syn_linear_timeouts, "syn_linear_timeouts", ge=0, le=10
        )
        for name in ("synack_retries", "short_synack_retries"):
            out[name] = v.integer(getattr(self, name), name, ge=0, le=255)
        out["backlog_factor"] = v.integer(self.backlog_factor, "backlog_factor", ge=1, le=1024)
        for name in ("abort_on_overflow", "linux_pruning", "drain"):
            out[name] = v.boolean(getattr(self, name), name)
        for name in ("legit_timestamps", "legit_proven", "filter_coverage"):
            out[name] = v.probability(getattr(self, name), name)
        out["synq_full_test"] = v.choice(self.synq_full_test, "synq_full_test", (">=", ">"))
        out["seed"] = v.integer(self.seed, "seed", ge=0, le=2**64 - 1)
        return out


@dataclass
class FloodResult:
    """What a run produced: time series, one row per client, counters and a summary.

    The run keeps plain columns (``samples``, ``client_columns``: name → list), which is
    all the summary and the course site's browser need; :attr:`timeseries` and
    :attr:`clients` build pandas DataFrames from them on first use (notebooks, plots).
    """

    config: FloodConfig
    policy: Policy
    samples: dict[str, list[Any]]
    """The queues every ``sample_every`` seconds: ``t``, ``attack_entries``, ...,
    ``syn_queue``, ``memory_bytes`` (the columns of :attr:`timeseries`)."""
    client_columns: dict[str, list[Any]]
    """One entry per client in each column (the columns of :attr:`clients`)."""
    counters: dict[str, int]
    summary: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """The samples as a DataFrame (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.samples)

    @functools.cached_property
    def clients(self) -> pd.DataFrame:
        """One row per legitimate client (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.client_columns)


INF = 1 << 62
"""A step index later than any run reaches."""


class Event(IntEnum):
    """What can happen to a legitimate client (the attacker's SYNs are cohorts, not events).

    An IntEnum because the main loop looks handlers up by kind: int hashing is C-speed.
    """

    SYN_SEND = 0  # the client sends (or resends) its SYN
    SYN_ARRIVES = 1  # the client's SYN reaches the listener
    SYNACK_ARRIVES = 2  # a SYN-ACK reaches the client
    ACK_ARRIVES = 3  # the client's ACK reaches the listener, which holds its request
    COOKIE_ACK_ARRIVES = 4  # the client's ACK to a cookie reaches the listener
    SYNACK_TIMER = 5  # the SYN-ACK timer of the client's request fires
    GIVE_UP = 6  # the client's connect() times out


class ClientState(Enum):
    """A legitimate client's progress."""

    SYN_SENT = "waiting for a SYN-ACK"
    ESTABLISHED = "handshake done in the client's view, not yet in the accept queue"
    QUEUED = "in the accept queue"
    DONE = "served or failed (see its outcome)"


@dataclass(slots=True)
class LegitRequest:
    """A legitimate client's request sock in the SYN queue."""

    admitted: float
    num_timeout: int = 0
    acked: bool = False
    """The ACK was dropped by a full accept queue (``tcp_abort_on_overflow=0``)."""
    version: int = 0
    """Bumped at every re-arm, so a timer event carrying an older version is stale."""


#: The FloodResult counter each admission verdict adds to.
_VERDICT_COUNTER = {
    SynVerdict.COOKIE: "cookies_sent",
    SynVerdict.DROP_SYN_QUEUE_FULL: "dropped_synq_full",
    SynVerdict.DROP_UNPROVEN: "dropped_unproven",
    SynVerdict.DROP_ACCEPT_QUEUE_FULL: "listen_overflows",
}
_EVICTABLE = (SynVerdict.DROP_SYN_QUEUE_FULL, SynVerdict.DROP_UNPROVEN)


@dataclass(frozen=True)
class _Limits:
    """The listener's settings under one defence policy."""

    rules: SynRules
    recycle: bool
    """A SYN the Linux rule would drop evicts the oldest half-open entry instead."""
    retries: int
    sched: tuple[int, ...]
    """Steps after admission at which SYN-ACK timer k fires (the last one expires)."""
    waits: tuple[float, ...]
    """Seconds from timer k to timer k + 1 (:func:`tcplab.listener.request_timeouts`)."""
    prune: bool

    @classmethod
    def of(cls, cfg: FloodConfig, pol: Policy) -> _Limits:
        backlog = max(-(2**31), min(cfg.backlog * pol.backlog_factor, v.MAX_BACKLOG))
        mab = clamp_backlog(backlog, cfg.somaxconn)
        cookies = 2 if pol.always_cookie else 1 if pol.overflow == "cookie" else 0
        rules = SynRules(
            mab,
            cookies,
            cfg.max_syn_backlog * pol.backlog_factor,  # admins raise both together
            cfg.synq_full_test,
            cfg.cache_size if pol.structure == "cache" else None,
        )
        retries = pol.synack_retries if pol.synack_retries is not None else cfg.synack_retries
        waits = request_timeouts(retries, cfg.timeout_init, cfg.rto_max)
        sched = tuple(max(1, round(t / cfg.dt)) for t in itertools.accumulate(waits))
        prune = cfg.linux_pruning and pol.structure == "queue"
        return cls(rules, pol.overflow == "recycle", retries, sched, waits, prune)


class _FloodListener:
    """The attacked listener: cohorts of spoofed requests, legitimate requests, accept queue.

    A cohort is the attack SYNs admitted in one step: ``c_step[i]`` is its step and
    ``c_cnt[i]`` how many of its entries are still held. ``ptr[k]`` is the first cohort
    whose timer k has not fired, so finding due timers never rescans the list.
    """

    def __init__(self, lim: _Limits, ctr: dict[str, int], dt: float) -> None:
        self.lim = lim
        self.ctr = ctr
        self.dt = dt
        self.c_step: list[int] = []
        self.c_cnt: list[int] = []
        self.ptr = [0] * len(lim.sched)
        self.oldest = 0  # first cohort that may still hold entries (for recycling)
        self.q_att = 0
        self.young = 0
        self.lreq: dict[int, LegitRequest] = {}
        self.accq: list[int] = []
        self.acc_head = 0
        self.timer_due = INF  # earliest step at which some cohort timer fires (cached)
        self.n_coh_seen = 0  # cohorts known when timer_due was computed
        self._closed: tuple[int, int, bool, SynVerdict, str] | None = None

    @property
    def qlen(self) -> int:
        return self.q_att + len(self.lreq)

    @property
    def ack_backlog(self) -> int:
        return len(self.accq) - self.acc_head

    def max_retries(self) -> int:
        """SYN-ACK retries left for old requests (Linux's pruning under load)."""
        lim = self.lim
        if not lim.prune:
            return lim.retries
        return _retries_under_load(
            lim.retries, self.q_att + len(self.lreq), self.young, lim.rules.max_ack_backlog
        )

    # --- admission -----------------------------------------------------------------
    def admit(self, n: int, proven: bool, s: int) -> tuple[int, SynVerdict]:
        """Run ``n`` SYNs through :func:`admit_syns` (and recycling); count the refused.

        Returns how many get state and what happened to the others.
        """
        qlen, acc = self.q_att + len(self.lreq), len(self.accq) - self.acc_head
        closed = self._closed  # admit_syns() is pure: a state that admitted nothing
        if closed and closed[0] == qlen and closed[1] == acc and closed[2] is proven:
            self.ctr[closed[4]] += n  # (the flood's steady state: same verdict, no recycling)
            return 0, closed[3]
        queued, verdict, rest, _ = _admit_syns(self.lim.rules, qlen, acc, n, proven, False)
        recycle = self.lim.recycle and verdict in _EVICTABLE
        if not queued and not recycle:
            self._closed = (qlen, acc, proven, verdict, _VERDICT_COUNTER[verdict])
        if rest and recycle:
            extra = self.evict(min(rest, self.lim.rules.full_at), s)
            queued, rest, verdict = queued + extra, rest - extra, SynVerdict.DROP_SYN_QUEUE_FULL
        if rest:
            self.ctr[_VERDICT_COUNTER[verdict]] += rest
        if queued:
            self.ctr["admitted"] += queued
        return queued, verdict

    def attack(self, n: int, s: int) -> None:
        """``n`` spoofed SYNs at step ``s``: the admitted ones join the step's cohort."""
        if n <= 0:
            return
        closed = self._closed  # the steady state of a flood, checked here for speed
        if (
            closed
            and closed[0] == self.q_att + len(self.lreq)
            and closed[1] == len(self.accq) - self.acc_head
            and closed[2] is False
        ):
            self.ctr[closed[4]] += n
            return
        queued, _ = self.admit(n, False, s)
        if queued:
            if self.c_step and self.c_step[-1] == s:
                self.c_cnt[-1] += queued
            else:
                self.c_step.append(s)
                self.c_cnt.append(queued)
            self.q_att += queued
            self.young += queued

    def legit(self, c: int, t: float, proven: bool, s: int) -> SynVerdict:
        """A legitimate client's first (or unanswered) SYN; QUEUED creates its request."""
        queued, verdict = self.admit(1, proven, s)
        if not queued:
            return verdict
        self.lreq[c] = LegitRequest(t)
        self.young += 1
        return SynVerdict.QUEUED

    def evict(self, n: int, s: int) -> int:
        """Evict up to ``n`` oldest half-open entries (attack cohorts or legit requests)."""
        c_step, c_cnt, lreq, dt_first = self.c_step, self.c_cnt, self.lreq, self.lim.sched[0]
        done = 0
        while done < n:
            while self.oldest < len(c_cnt) and c_cnt[self.oldest] == 0:
                self.oldest += 1
            o = self.oldest
            att_s = c_step[o] if o < len(c_cnt) else math.inf
            leg = next(iter(lreq), None)
            if leg is None and att_s == math.inf:
                break
            if leg is not None and lreq[leg].admitted < att_s * self.dt:
                self.drop_request(leg)
                done += 1
                continue
            take = min(n - done, c_cnt[o])
            c_cnt[o] -= take
            self.q_att -= take
            if s - c_step[o] < dt_first:
                self.young -= take
            done += take
        self.ctr["evicted"] += done
        return done

    def drop_request(self, c: int) -> LegitRequest:
        """Remove a legitimate client's request (keeping the young count right)."""
        r = self.lreq.pop(c)
        if r.num_timeout == 0:
            self.young -= 1
        return r

    # --- attack cohorts' SYN-ACK timers ----------------------------------------------
    def next_cohort_timer(self) -> int:
        """The earliest step at which some cohort's timer fires (INF: none)."""
        best, ptr, c_step, c_cnt = INF, self.ptr, self.c_step, self.c_cnt
        n = len(c_cnt)
        for k, off in enumerate(self.lim.sched):
            p = ptr[k]
            while p < n and c_cnt[p] == 0:
                p += 1
            ptr[k] = p
            if p < n and c_step[p] + off < best:
                best = c_step[p] + off
        return best

    def fire_cohort_timers(self, s: int) -> None:
        """Every cohort timer due by step ``s``: the first makes entries old, the last expires."""
        ptr, c_step, c_cnt = self.ptr, self.c_step, self.c_cnt
        for k, off in enumerate(self.lim.sched):
            p, n = ptr[k], len(c_cnt)
            while p < n and c_step[p] + off <= s:
                cnt = c_cnt[p]
                if cnt:
                    if k == 0:
                        self.young -= cnt
                    if k >= self.max_retries():
                        c_cnt[p] = 0
                        self.q_att -= cnt
                        self.ctr["expired"] += cnt
                p += 1
            ptr[k] = p
        self.refresh_timer()

    def refresh_timer(self) -> None:
        self.timer_due = self.next_cohort_timer()
        self.n_coh_seen = len(self.c_cnt)

    # --- the accept queue ------------------------------------------------------------
    def enqueue(self, c: int) -> None:
        self.accq.append(c)

    def accept(self, k: int) -> list[int]:
        """The application accepts the ``k`` oldest children."""
        out = self.accq[self.acc_head : self.acc_head + k]
        self.acc_head += len(out)
        if self.acc_head > 4096:
            del self.accq[: self.acc_head]
            self.acc_head = 0
        return out


class _Flood:
    """One run: the legitimate clients (an event heap) around a :class:`_FloodListener`."""

    def __init__(self, cfg: FloodConfig, pol: Policy) -> None:
        self.cfg, self.pol = cfg, pol
        # one portable generator: the same seed gives the same run with or without numpy
        self.rng = rng = random.Random(cfg.seed)
        self.dt = dt = cfg.dt
        self.n_steps = max(1, round(cfg.duration / dt))
        self.lim = _Limits.of(cfg, pol)
        self.ctr = dict.fromkeys(_COUNTERS, 0)
        self.lst = _FloodListener(self.lim, self.ctr, dt)
        self._attack_arrivals()
        n = self.n_cli = poisson(rng, cfg.legit_rate * cfg.duration) if cfg.legit_rate else 0
        self.arrival = sorted(rng.random() * cfg.duration for _ in range(n))
        extra = cfg.proxy_rtt if pol.proxy else 0.0
        self.rtt = [
            cfg.rtt_median * math.exp(cfg.rtt_sigma * rng.normalvariate(0.0, 1.0)) + extra
            for _ in range(n)
        ]
        self.has_ts = [rng.random() < cfg.legit_timestamps for _ in range(n)]
        self.proven = [rng.random() < cfg.legit_proven for _ in range(n)]
        self.half = [r / 2 for r in self.rtt]
        self.arr = self.arrival
        self.outcome = [""] * n
        self.connected = [math.nan] * n
        self.served_at = [math.nan] * n
        self.syns = [0] * n
        self.via_cookie = [False] * n
        self.cstate = [ClientState.SYN_SENT] * n
        self.unresolved = n
        self.syn = cfg.client_syn_timeline()  # times after the client's arrival
        self.data_waits = request_timeouts(cfg.syn_retries, cfg.timeout_init, cfg.rto_max)
        self.ev: list[tuple[float, int, Event, int, int]] = []  # time, order, kind, client, extra
        self.order = itertools.count()
        for c in range(n):
            self.push(self.arr[c], Event.SYN_SEND, c)
        self.handlers = {
            Event.SYN_SEND: self.on_syn_send,
            Event.SYN_ARRIVES: self.on_syn_arrives,
            Event.SYNACK_ARRIVES: self.on_synack_arrives,
            Event.ACK_ARRIVES: self.on_ack_arrives,
            Event.COOKIE_ACK_ARRIVES: self.on_cookie_ack_arrives,
            Event.SYNACK_TIMER: self.on_synack_timer,
            Event.GIVE_UP: self.on_give_up,
        }
        self.acc_per_step = cfg.accept_rate * dt
        self.acc_burst = max(1.0, self.acc_per_step) + 1.0
        self.sample_steps = max(1, round(cfg.sample_every / dt))
        self.ts_rows: list[tuple[float, int, int, int, int, int]] = []
        # a safety bound past any client's give-up plus a request's lifetime
        self.hard_end = self.n_steps + round((2 * self.syn.give_up + 2 * cfg.rto_max + 130) / dt)

    def _attack_arrivals(self) -> None:
        """Spoofed SYNs per step (Poisson), minus those filtered or absorbed by a proxy.

        Thinning a Poisson stream gives two independent Poisson streams, so the kept SYNs
        are drawn per step at the kept rate and the filtered ones as one total.
        """
        cfg, pol, rng = self.cfg, self.pol, self.rng
        kept_rate = cfg.attack_rate
        filtered = 0
        if pol.proxy or pol.attack_factor < 1:
            kept_rate = 0.0 if pol.proxy else cfg.attack_rate * pol.attack_factor
            filtered = poisson(rng, (cfg.attack_rate - kept_rate) * self.dt * self.n_steps)
        attack = poisson_counts(rng, kept_rate * self.dt, self.n_steps)
        self.attack_steps = [i for i, k in enumerate(attack) if k]
        self.attack_counts = [attack[i] for i in self.attack_steps]
        self.ai = 0  # next index into attack_steps
        self.ctr["syns_attack"] = sum(self.attack_counts) + filtered
        self.ctr["syns_filtered"] = filtered

    # --- legitimate clients ------------------------------------------------------------
    def push(self, t: float, kind: Event, c: int, extra: int = 0) -> None:
        heapq.heappush(self.ev, (t, next(self.order), kind, c, extra))

    def finish(self, c: int, how: str) -> None:
        if self.cstate[c] is not ClientState.DONE:
            self.cstate[c] = ClientState.DONE
            self.outcome[c] = how
            self.unresolved -= 1

    def on_syn_send(self, t: float, c: int, k: int, s: int) -> None:
        """Transmission ``k`` of the client's SYN (``k = 0`` the first)."""
        if self.cstate[c] is not ClientState.SYN_SENT:
            return
        self.syns[c] += 1
        self.push(t + self.half[c], Event.SYN_ARRIVES, c)
        sends = self.syn.send_times
        if k + 1 < len(sends):
            self.push(self.arr[c] + sends[k + 1], Event.SYN_SEND, c, k + 1)
        else:
            self.push(self.arr[c] + self.syn.give_up, Event.GIVE_UP, c)

    def on_syn_arrives(self, t: float, c: int, extra: int, s: int) -> None:
        """``tcp_conn_request()`` for a client's SYN (a duplicate resends the SYN-ACK)."""
        if self.cstate[c] is not ClientState.SYN_SENT:
            return
        self.ctr["syns_legit"] += 1
        if c in self.lst.lreq:
            self.push(t + self.half[c], Event.SYNACK_ARRIVES, c)
            return
        verdict = self.lst.legit(c, t, self.proven[c], s)
        if verdict is SynVerdict.QUEUED:
            self.push(t + self.lim.sched[0] * self.dt, Event.SYNACK_TIMER, c)
            self.push(t + self.half[c], Event.SYNACK_ARRIVES, c)
        elif verdict is SynVerdict.COOKIE:
            self.push(t + self.half[c], Event.SYNACK_ARRIVES, c, 1)

    def on_synack_arrives(self, t: float, c: int, cookie: int, s: int) -> None:
        """The client turns ESTABLISHED at the first SYN-ACK and ACKs every one."""
        if self.cstate[c] is ClientState.SYN_SENT:
            self.cstate[c] = ClientState.ESTABLISHED
            self.connected[c] = t - self.arr[c]
            self.via_cookie[c] = bool(cookie)
        if self.cstate[c] is ClientState.ESTABLISHED:
            kind = Event.COOKIE_ACK_ARRIVES if cookie else Event.ACK_ARRIVES
            self.push(t + self.half[c], kind, c)

    def _overflow(self) -> bool:
        """``tcp_v4_syn_recv_sock()`` with a full accept queue: count it (True = full)."""
        if not _acceptq_full(self.lst.ack_backlog, self.lim.rules.max_ack_backlog):
            return False
        self.ctr["listen_overflows"] += 1
        self.ctr["acks_dropped_overflow"] += 1
        return True

    def on_ack_arrives(self, t: float, c: int, extra: int, s: int) -> None:
        """``tcp_check_req()``: the request becomes a child, or the full accept queue bites."""
        if self.cstate[c] is not ClientState.ESTABLISHED:
            return
        r = self.lst.lreq.get(c)
        if r is None:  # evicted or expired: no request, no cookie for it -> RST
            self.finish(c, "reset")
        elif not self._overflow():
            self.lst.drop_request(c)
            self.cstate[c] = ClientState.QUEUED
            self.lst.enqueue(c)
        elif self.cfg.abort_on_overflow:
            self.lst.drop_request(c)
            self.ctr["embryonic_rsts"] += 1
            self.finish(c, "reset")
        else:
            r.acked = True

    def on_cookie_ack_arrives(self, t: float, c: int, k: int, s: int) -> None:
        """A valid cookie: a child, unless the accept queue is full (then the client's
        first data, carrying the ACK, is retransmitted: ASSUMPTION, module docstring)."""
        if self.cstate[c] is not ClientState.ESTABLISHED:
            return
        if not self._overflow():
            self.cstate[c] = ClientState.QUEUED
            self.lst.enqueue(c)
        elif k >= self.cfg.syn_retries:
            self.finish(c, "not_accepted")
        else:
            self.push(t + self.data_waits[k], Event.COOKIE_ACK_ARRIVES, c, k + 1)

    def on_synack_timer(self, t: float, c: int, version: int, s: int) -> None:
        """``reqsk_timer_handler()`` for a client's request: resend the SYN-ACK or expire."""
        r = self.lst.lreq.get(c)
        if r is None or r.version != version:
            return  # stale: the request is gone or its timer was re-armed
        k = r.num_timeout
        if k >= self.lst.max_retries():
            self.lst.drop_request(c)
            self.ctr["expired"] += 1
            if self.cstate[c] is ClientState.ESTABLISHED:
                self.finish(c, "expired")  # silently dropped; the client finds out later
            return
        if k == 0:
            self.lst.young -= 1
        r.num_timeout = k + 1
        r.version += 1
        self.push(t + self.lim.waits[k + 1], Event.SYNACK_TIMER, c, r.version)
        self.push(t + self.half[c], Event.SYNACK_ARRIVES, c)

    def on_give_up(self, t: float, c: int, extra: int, s: int) -> None:
        if self.cstate[c] is ClientState.SYN_SENT:
            self.finish(c, "gave_up")

    # --- the main loop: jump from one step with work to the next -------------------------
    def run(self) -> None:
        """Steps with work: attack SYNs, cohort timers, client events, accepts, samples.

        Written for speed (local names, rare work in methods): it runs once per step.
        """
        lst, ev, dt, ctr = self.lst, self.ev, self.dt, self.ctr
        accq, attack = lst.accq, lst.attack  # (lists mutated in place)
        steps = [*self.attack_steps, INF]  # (a sentinel: steps[ai] is always valid)
        counts = self.attack_counts
        drain, hard_end = self.cfg.drain, self.hard_end
        soft_end = min(self.n_steps, hard_end)  # without drain (or nobody left): stop here
        per_step, burst = self.acc_per_step, self.acc_burst
        s = ai = next_ns = peak = 0
        tokens = 0.0
        while True:
            stop_at = hard_end if drain and self.unresolved else soft_end
            nxt = self.next_step(s, steps[ai], next_ns, stop_at, tokens)
            if nxt >= stop_at:
                break
            if per_step > 0 and nxt > s:  # tokens accumulate while the loop skips steps
                tokens = min(tokens + (nxt - s) * per_step, burst)
            s = nxt
            if s >= lst.timer_due:
                lst.fire_cohort_timers(s)
            n_att = 0
            if steps[ai] == s:
                n_att = counts[ai]
                ai += 1
            if ev and ev[0][0] < s * dt + dt:
                n_att = self.handle_events(s, n_att)
            if n_att:
                attack(n_att, s)
            if lst.q_att + len(lst.lreq) > peak:
                peak = ctr["peak_syn_queue"] = lst.q_att + len(lst.lreq)
            if tokens >= 1.0 and lst.acc_head < len(accq):
                tokens -= self.application_accepts(s, int(tokens))
            if s >= next_ns:
                next_ns = self.sample(s, next_ns)

    def next_step(self, s: int, attack_step: int, next_ns: int, stop_at: int, tokens: float) -> int:
        """The next step with work at or after ``s``: the earliest of the next attack step,
        cohort timer, client event, accept and sample (a sample only before ``stop_at``)."""
        lst, ev = self.lst, self.ev
        if len(lst.c_cnt) != lst.n_coh_seen and lst.timer_due == INF:
            lst.refresh_timer()  # a first cohort appeared: its timers are the earliest
        nxt = attack_step
        if lst.timer_due < nxt:
            nxt = lst.timer_due
        if ev and int(ev[0][0] / self.dt) < nxt:
            nxt = int(ev[0][0] / self.dt)
        if self.acc_per_step > 0 and lst.acc_head < len(lst.accq):
            nxt = min(nxt, s + self.steps_to_next_accept(tokens))
        if next_ns < nxt and next_ns < stop_at:
            nxt = next_ns
        return nxt if nxt > s else s

    def steps_to_next_accept(self, tokens: float) -> int:
        """Steps until the token bucket holds one accept."""
        if tokens >= 1:
            return 1
        return max(1, math.ceil((1.0 - tokens) / self.acc_per_step))

    def handle_events(self, s: int, n_att: int) -> int:
        """This step's client events, interleaved with the step's ``n_att`` attack SYNs.

        The attack SYNs that arrive before a client's SYN are drawn binomially by the
        SYN's position in the step, so both compete fairly for the free slots. Returns
        the attack SYNs left for the end of the step.
        """
        t0 = s * self.dt
        t1, pos = t0 + self.dt, t0
        ev, cstate, lst, handlers = self.ev, self.cstate, self.lst, self.handlers
        while ev and ev[0][0] < t1:
            t, _, kind, c, extra = heapq.heappop(ev)
            if cstate[c] is ClientState.DONE:
                continue
            if kind is Event.SYN_ARRIVES and n_att and cstate[c] is ClientState.SYN_SENT:
                frac = (t - pos) / (t1 - pos) if t1 > pos else 1.0
                k_before = binomial(self.rng, n_att, min(max(frac, 0.0), 1.0))
                lst.attack(k_before, s)
                n_att -= k_before
                pos = max(pos, t)
            handlers[kind](t if t > t0 else t0, c, extra, s)
        return n_att

    def application_accepts(self, s: int, k: int) -> int:
        """The application accepts up to ``k`` children (``accept_rate``: a token bucket)."""
        t1 = s * self.dt + self.dt  # the end of this step
        taken = self.lst.accept(min(k, self.lst.ack_backlog))
        for c in taken:
            self.served_at[c] = t1 - self.arr[c]
            self.finish(c, "served")
        return len(taken)

    def sample(self, s: int, due: int) -> int:
        """Record the queues at sample step ``due``; return the next sample step."""
        lst = self.lst
        row = (
            due * self.dt,
            lst.q_att,
            len(lst.lreq),
            lst.ack_backlog,
            self.ctr["cookies_sent"],
            self.n_cli - self.unresolved,
        )
        self.ts_rows.append(row)
        return (s // self.sample_steps + 1) * self.sample_steps

    def result(self) -> FloodResult:
        n, proxy = self.n_cli, self.pol.proxy
        outcome = [
            o if st is ClientState.DONE else "pending"
            for o, st in zip(self.outcome, self.cstate, strict=True)
        ]
        entry_bytes = ENTRY_BYTES[self.pol.entry]
        samples = {name: [row[i] for row in self.ts_rows] for i, name in enumerate(_SAMPLES)}
        pairs = zip(samples["attack_entries"], samples["legit_entries"], strict=True)
        samples["syn_queue"] = [a + b for a, b in pairs]
        samples["memory_bytes"] = [q * entry_bytes for q in samples["syn_queue"]]
        lost = [
            "wscale,sack" if (self.via_cookie[c] or proxy) and not self.has_ts[c] else ""
            for c in range(n)
        ]
        clients: dict[str, list[Any]] = {
            "client": list(range(n)),
            "arrival": self.arrival,
            "rtt": self.rtt,
            "outcome": outcome,
            "syns": self.syns,
            "connect_latency": self.connected,
            "served_latency": self.served_at,
            "via_cookie": self.via_cookie,
            "timestamps": self.has_ts,
            "options_lost": lost,
        }
        res = FloodResult(self.cfg, self.pol, samples, clients, self.ctr)
        res.summary = _summary(res, entry_bytes)
        return res


_SAMPLES = ("t", "attack_entries", "legit_entries", "accept_queue", "cookies_sent", "resolved")
_COUNTERS = (
    "syns_attack",
    "syns_filtered",
    "syns_legit",
    "admitted",
    "cookies_sent",
    "dropped_synq_full",
    "dropped_unproven",
    "listen_overflows",
    "evicted",
    "expired",
    "acks_dropped_overflow",
    "embryonic_rsts",
    "peak_syn_queue",
)


def simulate_flood(
    config: FloodConfig | None = None,
    defences: str | Iterable[str] | None = None,
    **overrides: Any,
) -> FloodResult:
    """Run one scenario with a defence combination (names from :data:`tcplab.defences.DEFENCES`).

    Keyword ``overrides`` replace fields of ``config`` (e.g. ``attack_rate=5e4``).
    """
    if config is not None and not isinstance(config, FloodConfig):
        raise TypeError(f"config = {v.short(config)}: expected a FloodConfig or None")
    cfg = config or FloodConfig()
    if overrides:
        unknown = sorted(set(overrides) - set(FloodConfig.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown FloodConfig field(s) {unknown}")
        cfg = FloodConfig(**{**asdict(cfg), **overrides})
    pol = policy_for(
        defences,
        filter_coverage=cfg.filter_coverage,
        backlog_factor=cfg.backlog_factor,
        short_synack_retries=cfg.short_synack_retries,
    )
    run = _Flood(cfg, pol)
    run.run()
    return run.result()


def _quantile(xs: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (pandas' and numpy's default)."""
    xs = sorted(xs)
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs) if xs else 0.0


def _summary(res: FloodResult, entry_bytes: int) -> dict[str, Any]:
    cl, ts, cfg = res.client_columns, res.samples, res.config
    n = len(cl["client"])
    served = [i for i, o in enumerate(cl["outcome"]) if o == "served"]
    failed = sum(o in ("gave_up", "reset", "expired", "not_accepted") for o in cl["outcome"])
    served_lat = [cl["served_latency"][i] for i in served]
    during = [i for i, t in enumerate(ts["t"]) if t < cfg.duration]
    return {
        "defences": res.policy.label,
        "attack_rate": cfg.attack_rate,
        "syns_attack": res.counters["syns_attack"],
        "clients": n,
        "served": len(served),
        "failed": failed,
        "served_share": len(served) / n if n else math.nan,
        "served_fast_share": sum(x <= cfg.deadline for x in served_lat) / n if n else math.nan,
        "connect_latency_median": float(statistics.median(cl["connect_latency"][i] for i in served))
        if served
        else math.nan,
        "served_latency_p95": float(_quantile(served_lat, 0.95)) if served else math.nan,
        "syn_queue_mean": float(_mean([ts["syn_queue"][i] for i in during])),
        "syn_queue_peak": res.counters["peak_syn_queue"],
        "entry_bytes": entry_bytes,
        "memory_peak_bytes": res.counters["peak_syn_queue"] * entry_bytes,
        "memory_mean_bytes": float(_mean([ts["memory_bytes"][i] for i in during])),
        "cookies_sent": res.counters["cookies_sent"],
        # ASSUMPTION (syn_proxy): the proxy answers every SYN it sees with a cookie, the
        # spoofed ones (absorbed) and the clients' (then it opens the server connection)
        "proxy_cookies_sent": res.counters["syns_filtered"] + res.counters["syns_legit"]
        if res.policy.proxy
        else 0,
        "options_lost_share": _mean([cl["options_lost"][i] != "" for i in served]),
    }


def compare_defences(
    defences: Sequence[str | Iterable[str]] = tuple(DEFENCES),
    config: FloodConfig | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """One summary row per defence combination, same scenario and seed for all."""
    import pandas as pd

    names = v.sequence(defences, "defences", min_len=1, max_len=100)
    rows = [simulate_flood(config, d, **overrides).summary for d in names]  # type: ignore[arg-type]
    return pd.DataFrame(rows).set_index("defences")


def sweep_attack_rate(
    rates: Sequence[float],
    defences: Sequence[str | Iterable[str]] = ("none", "bigger_backlog", "hybrid", "syn_cookies"),
    config: FloodConfig | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Legitimate success vs attack rate, one row per (defence, rate): for line plots."""
    import pandas as pd

    checked = v.sequence(
        rates, "rates", min_len=1, max_len=1000, item=lambda r, n: v.number(r, n, ge=0)
    )
    names = v.sequence(defences, "defences", min_len=1, max_len=100)
    rows = []
    for d in names:
        label = "+".join(parse_defences(d))  # type: ignore[arg-type]
        for r in checked:
            s = simulate_flood(config, d, **{**overrides, "attack_rate": r}).summary  # type: ignore[arg-type]
            rows.append({**s, "defences": label})
    return pd.DataFrame(rows)
