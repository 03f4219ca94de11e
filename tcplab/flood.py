"""SYN flood against one listener, with the RFC 4987 defences of :mod:`tcplab.defences`.

Theory of operation
-------------------
An attacker sends spoofed SYNs at ``attack_rate`` per second and never completes a
handshake; legitimate clients arrive as a Poisson process, each with its own RTT (log-
normal), send a SYN and retransmit it at 1, 3, 7, ... s (``tcp_syn_retries`` = 6, giving
up at 127 s, facts.md §1), ACK the SYN-ACK, and wait to be ``accept()`` ed by an
application that accepts ``accept_rate`` connections per second. The listener follows
:mod:`tcplab.listener` (facts.md §2-§3): the SYN queue is full when ``qlen >
max_ack_backlog``, the accept queue when ``ack_backlog > max_ack_backlog``; request socks
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
proxy answers spoofed SYNs statelessly and adds ``proxy_rtt`` to each real handshake;
without the timestamp option a cookie (or a cookie-based proxy) loses window scaling and
SACK (facts.md §4), and ``legit_timestamps`` of the clients send timestamps.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tcplab.defences import DEFENCES, ENTRY_BYTES, Policy, parse_defences, policy_for
from tcplab.listener import clamp_backlog, synack_retries_under_load

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "FloodConfig",
    "FloodResult",
    "compare_defences",
    "simulate_flood",
    "sweep_attack_rate",
]

OUTCOMES = ("served", "gave_up", "reset", "expired", "not_accepted")


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

    def __post_init__(self) -> None:
        for name in (
            "attack_rate",
            "legit_rate",
            "accept_rate",
            "rtt_median",
            "rtt_sigma",
            "proxy_rtt",
        ):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise ValueError(f"{name}={v!r}: expected a finite number >= 0")
        for name in ("duration", "dt", "sample_every", "timeout_init", "rto_max"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise ValueError(f"{name}={v!r}: expected a finite number > 0")
        for name in (
            "backlog",
            "somaxconn",
            "max_syn_backlog",
            "cache_size",
            "syn_retries",
            "synack_retries",
        ):
            v = getattr(self, name)
            if v < 0:
                raise ValueError(f"{name}={v!r}: expected >= 0")
        for name in ("legit_timestamps", "legit_proven", "filter_coverage"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"{name}={v!r}: expected a share in 0..1")
        if self.dt > 0.1:
            raise ValueError(f"dt={self.dt!r}: expected <= 0.1 s (timers are 1 s apart)")


@dataclass
class FloodResult:
    """What a run produced: time series, one row per client, counters and a summary."""

    config: FloodConfig
    policy: Policy
    timeseries: pd.DataFrame
    clients: pd.DataFrame
    counters: dict[str, int]
    summary: dict[str, Any] = field(default_factory=dict)


def _schedule(retries: int, timeout_init: float, rto_max: float, dt: float) -> list[int]:
    """Steps after admission at which timer k fires (k = 0..retries)."""
    t, out = 0.0, []
    for k in range(retries + 1):
        t += min(timeout_init * (1 << k), rto_max)
        out.append(max(1, round(t / dt)))
    return out


def simulate_flood(
    config: FloodConfig | None = None,
    defences: str | Iterable[str] | None = None,
    **overrides: Any,
) -> FloodResult:
    """Run one scenario with a defence combination (names from :data:`tcplab.defences.DEFENCES`).

    Keyword ``overrides`` replace fields of ``config`` (e.g. ``attack_rate=5e4``).
    """
    import numpy as np
    import pandas as pd

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
    rng = np.random.default_rng(cfg.seed)
    dt = cfg.dt
    n_steps = max(1, round(cfg.duration / dt))

    # --- the listener's limits under this policy ------------------------------------
    max_ack_backlog = clamp_backlog(cfg.backlog * pol.backlog_factor, cfg.somaxconn)
    gt = cfg.synq_full_test == ">"
    if pol.structure == "cache":
        cap = cfg.cache_size
    else:
        cap = max_ack_backlog + 1 if gt else max_ack_backlog
    acc_cap = max_ack_backlog + 1  # sk_acceptq_is_full(): ack_backlog > max_ack_backlog
    cookies_on = pol.overflow == "cookie" or pol.always_cookie
    # cookies off: the last quarter of tcp_max_syn_backlog is kept for proven peers
    msb = cfg.max_syn_backlog * pol.backlog_factor  # admins raise both together
    quarter_rule = pol.structure == "queue" and not cookies_on
    cap_unproven = min(cap, msb - (msb >> 2) + 1) if quarter_rule else cap
    retries = pol.synack_retries if pol.synack_retries is not None else cfg.synack_retries
    sched = _schedule(retries, cfg.timeout_init, cfg.rto_max, dt)
    prune = cfg.linux_pruning and pol.structure == "queue"
    entry_bytes = ENTRY_BYTES[pol.entry]

    # --- arrivals ----------------------------------------------------------------------
    attack_rate = 0.0 if pol.proxy else cfg.attack_rate * pol.attack_factor
    filtered_total = 0
    attack = rng.poisson(cfg.attack_rate * dt, size=n_steps)
    if pol.proxy or pol.attack_factor < 1:
        kept = rng.binomial(attack, attack_rate / cfg.attack_rate) if cfg.attack_rate else attack
        filtered_total = int(attack.sum() - kept.sum())
        attack = kept
    attack_steps = np.flatnonzero(attack)
    attack_counts = attack[attack_steps].tolist()
    attack_steps_l = attack_steps.tolist()
    syns_total_attack = int(attack.sum()) + filtered_total

    n_cli = int(rng.poisson(cfg.legit_rate * cfg.duration)) if cfg.legit_rate > 0 else 0
    arrival = np.sort(rng.uniform(0.0, cfg.duration, size=n_cli))
    rtt = cfg.rtt_median * np.exp(cfg.rtt_sigma * rng.standard_normal(n_cli))
    if pol.proxy:
        rtt = rtt + cfg.proxy_rtt
    has_ts = rng.random(n_cli) < cfg.legit_timestamps
    proven = rng.random(n_cli) < cfg.legit_proven
    half = (rtt / 2).tolist()
    arr = arrival.tolist()
    outcome = [""] * n_cli
    connected = [math.nan] * n_cli
    served_at = [math.nan] * n_cli
    syns = [0] * n_cli
    via_cookie = [False] * n_cli
    cstate = [0] * n_cli  # 0 syn_sent, 1 established (client view), 2 in accept queue, 3 done

    # --- event heap for legitimate clients -------------------------------------------------
    ev: list[tuple[float, int, int, int, int]] = []  # (time, order, kind, client, extra)
    order = itertools.count()
    SYN_SEND, SYN_ARR, SYNACK_ARR, ACK_ARR, LTIMER, GIVE_UP, COOKIE_ACK = range(7)
    push = heapq.heappush
    for c in range(n_cli):
        push(ev, (arr[c], next(order), SYN_SEND, c, 0))

    # --- listener state --------------------------------------------------------------------
    c_step: list[int] = []  # admission step of each attack cohort
    c_cnt: list[int] = []  # entries of that cohort still held
    ptr = [0] * len(sched)  # per timer level: first cohort whose timer has not fired
    oldest = 0  # first cohort that may still hold entries (for recycling)
    q_att = 0
    young = 0
    lreq: dict[int, list[Any]] = {}  # client -> [admit_time, num_timeout, acked, version]
    accq: list[int] = []
    acc_head = 0
    tokens = 0.0
    ctr = dict.fromkeys(
        (
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
        ),
        0,
    )
    ctr["syns_attack"] = syns_total_attack
    ctr["syns_filtered"] = filtered_total
    ts_rows: list[tuple[float, int, int, int, int, int]] = []
    sample_steps = max(1, round(cfg.sample_every / dt))
    next_sample = 0
    unresolved = n_cli
    ai = 0  # index into attack_steps
    acc_per_step = cfg.accept_rate * dt
    acc_burst = max(1.0, acc_per_step) + 1.0

    def max_retries() -> int:
        if not prune:
            return retries
        return synack_retries_under_load(retries, q_att + len(lreq), young, max_ack_backlog)

    def evict(n: int, s: int) -> int:
        """Evict up to n oldest half-open entries (attack cohorts or legit requests)."""
        nonlocal oldest, q_att, young
        done = 0
        while done < n:
            while oldest < len(c_cnt) and c_cnt[oldest] == 0:
                oldest += 1
            att_t = c_step[oldest] * dt if oldest < len(c_cnt) else math.inf
            leg = next(iter(lreq), None)
            leg_t = lreq[leg][0] if leg is not None else math.inf
            if att_t == math.inf and leg_t == math.inf:
                break
            if leg is not None and leg_t < att_t:
                r = lreq.pop(leg)
                if r[1] == 0:
                    young -= 1
                done += 1
                continue
            take = min(n - done, c_cnt[oldest])
            c_cnt[oldest] -= take
            q_att -= take
            if s - c_step[oldest] < sched[0]:
                young -= take
            done += take
        ctr["evicted"] += done
        return done

    def attack_batch(n: int, s: int) -> None:
        nonlocal q_att, young
        if n <= 0:
            return
        qlen = q_att + len(lreq)
        if len(accq) - acc_head >= acc_cap:  # accept queue full: every SYN dropped
            if qlen >= cap and not cookies_on:
                ctr["dropped_synq_full"] += n  # the SYN-queue test comes first
            else:
                ctr["listen_overflows"] += n
            return
        if pol.always_cookie:
            ctr["cookies_sent"] += n
            return
        free = max(0, cap_unproven - qlen)
        admit = min(n, free)
        rest = n - admit
        if rest:
            if pol.overflow == "cookie":
                ctr["cookies_sent"] += rest
            elif pol.overflow == "recycle":
                extra = evict(min(rest, cap), s)
                ctr["dropped_synq_full"] += rest - extra
                admit += extra
            elif qlen + admit >= cap:
                ctr["dropped_synq_full"] += rest
            else:
                ctr["dropped_unproven"] += rest
        if admit:
            if c_step and c_step[-1] == s:
                c_cnt[-1] += admit
            else:
                c_step.append(s)
                c_cnt.append(admit)
            q_att += admit
            young += admit
            ctr["admitted"] += admit

    def legit_syn(c: int, t: float, s: int) -> None:
        """A client's SYN reaches the listener (tcp_conn_request())."""
        nonlocal young
        ctr["syns_legit"] += 1
        r = lreq.get(c)
        if r is not None:  # retransmitted SYN matching a request: resend SYN-ACK
            push(ev, (t + half[c], next(order), SYNACK_ARR, c, 0))
            return
        qlen = q_att + len(lreq)
        cookie = pol.always_cookie
        if not cookie and qlen >= cap:
            if pol.overflow == "cookie":
                cookie = True
            elif pol.overflow == "recycle" and evict(1, s):
                pass
            else:
                ctr["dropped_synq_full"] += 1
                return
        if len(accq) - acc_head >= acc_cap:
            ctr["listen_overflows"] += 1
            return
        if not cookie and quarter_rule and not proven[c] and q_att + len(lreq) >= cap_unproven:
            ctr["dropped_unproven"] += 1
            return
        if cookie:
            ctr["cookies_sent"] += 1
            push(ev, (t + half[c], next(order), SYNACK_ARR, c, 1))
            return
        lreq[c] = [t, 0, False, 0]
        young += 1
        ctr["admitted"] += 1
        push(ev, (t + sched[0] * dt, next(order), LTIMER, c, 0))
        push(ev, (t + half[c], next(order), SYNACK_ARR, c, 0))

    def finish(c: int, how: str) -> None:
        nonlocal unresolved
        if cstate[c] != 3:
            cstate[c] = 3
            outcome[c] = how
            unresolved -= 1

    def handle(kind: int, t: float, c: int, extra: int, s: int) -> None:
        nonlocal young, acc_head
        st = cstate[c]
        if st == 3:
            return
        if kind == SYN_SEND:
            if st != 0:
                return
            k = extra
            syns[c] += 1
            push(ev, (t + half[c], next(order), SYN_ARR, c, 0))
            if k < cfg.syn_retries:
                push(
                    ev,
                    (
                        arr[c] + (2 ** (k + 1) - 1) * cfg.timeout_init,
                        next(order),
                        SYN_SEND,
                        c,
                        k + 1,
                    ),
                )
            else:
                push(
                    ev, (arr[c] + (2 ** (k + 1) - 1) * cfg.timeout_init, next(order), GIVE_UP, c, 0)
                )
        elif kind == SYN_ARR:
            if st == 0:
                legit_syn(c, t, s)
        elif kind == SYNACK_ARR:
            if st == 0:
                cstate[c] = 1
                connected[c] = t - arr[c]
                via_cookie[c] = bool(extra)
            if cstate[c] == 1:
                push(ev, (t + half[c], next(order), COOKIE_ACK if extra else ACK_ARR, c, 0))
        elif kind == ACK_ARR:
            if st != 1:
                return
            r = lreq.get(c)
            if r is None:  # evicted or expired: no request, no cookie for it -> RST
                finish(c, "reset")
                return
            if len(accq) - acc_head >= acc_cap:
                ctr["listen_overflows"] += 1
                ctr["acks_dropped_overflow"] += 1
                if cfg.abort_on_overflow:
                    del lreq[c]
                    if r[1] == 0:
                        young -= 1
                    ctr["embryonic_rsts"] += 1
                    finish(c, "reset")
                else:
                    r[2] = True
                return
            del lreq[c]
            if r[1] == 0:
                young -= 1
            cstate[c] = 2
            accq.append(c)
        elif kind == COOKIE_ACK:
            if st != 1:
                return
            if len(accq) - acc_head >= acc_cap:
                ctr["listen_overflows"] += 1
                ctr["acks_dropped_overflow"] += 1
                if extra >= cfg.syn_retries:
                    finish(c, "not_accepted")
                else:  # ASSUMPTION: the client's data (carrying the ACK) is retransmitted
                    push(
                        ev,
                        (
                            t + (1 << extra) * cfg.timeout_init,
                            next(order),
                            COOKIE_ACK,
                            c,
                            extra + 1,
                        ),
                    )
                return
            cstate[c] = 2
            accq.append(c)
        elif kind == LTIMER:
            r = lreq.get(c)
            if r is None or r[3] != extra:
                return
            k = r[1]
            if k >= max_retries():
                del lreq[c]
                if k == 0:
                    young -= 1
                ctr["expired"] += 1
                if st == 1:
                    finish(c, "expired")  # silently dropped; the client finds out later
                return
            if k == 0:
                young -= 1
            r[1] = k + 1
            r[3] += 1
            push(
                ev,
                (
                    t + min(cfg.timeout_init * (1 << (k + 1)), cfg.rto_max),
                    next(order),
                    LTIMER,
                    c,
                    r[3],
                ),
            )
            push(ev, (t + half[c], next(order), SYNACK_ARR, c, 0))
        elif kind == GIVE_UP and st == 0:
            finish(c, "gave_up")

    # --- main loop: jump from one interesting step to the next -------------------------
    s = 0
    end_attack = n_steps
    hard_end = n_steps + round((2 ** (cfg.syn_retries + 2) + 2 * cfg.rto_max + 130) / dt)
    n_lvl = len(sched)
    n_att_steps = len(attack_steps_l)
    INF = 1 << 62
    timer_due = INF  # earliest step at which some cohort timer fires (cached)
    n_coh_seen = 0  # cohorts known when timer_due was computed

    def next_timer() -> int:
        best = INF
        n = len(c_cnt)
        for k in range(n_lvl):
            p = ptr[k]
            while p < n and c_cnt[p] == 0:
                p += 1
            ptr[k] = p
            if p < n:
                due = c_step[p] + sched[k]
                if due < best:
                    best = due
        return best

    while True:
        # candidates for the next step with work
        if len(c_cnt) != n_coh_seen and timer_due == INF:
            timer_due = next_timer()  # a first cohort appeared: its timers are the earliest
            n_coh_seen = len(c_cnt)
        nxt = attack_steps_l[ai] if ai < n_att_steps else INF
        if timer_due < nxt:
            nxt = timer_due
        if ev:
            e = int(ev[0][0] / dt)
            if e < nxt:
                nxt = e
        if acc_head < len(accq) and acc_per_step > 0:
            need = 1 if tokens >= 1 else max(1, math.ceil((1.0 - tokens) / acc_per_step))
            if s + need < nxt:
                nxt = s + need
        ns = next_sample * sample_steps
        if ns < nxt and (ns < end_attack or (cfg.drain and unresolved)):
            nxt = ns
        if nxt == INF:
            break
        s_new = nxt if nxt > s else s
        if s_new >= hard_end or (s_new >= end_attack and (not cfg.drain or not unresolved)):
            break
        if acc_per_step > 0 and s_new > s:  # tokens accumulate while the loop skips steps
            tokens = min(tokens + (s_new - s) * acc_per_step, acc_burst)
        s = s_new
        t0 = s * dt
        # 1. attack cohorts' SYN-ACK timers due at this step
        if s >= timer_due:
            for k in range(n_lvl):
                p = ptr[k]
                off = sched[k]
                n = len(c_cnt)
                while p < n and c_step[p] + off <= s:
                    cnt = c_cnt[p]
                    if cnt:
                        if k == 0:
                            young -= cnt
                        if k >= max_retries():
                            c_cnt[p] = 0
                            q_att -= cnt
                            ctr["expired"] += cnt
                    p += 1
                ptr[k] = p
            timer_due = next_timer()
            n_coh_seen = len(c_cnt)
        # 2. legitimate events of this step, interleaved with the step's attack SYNs
        n_att = 0
        if ai < len(attack_steps_l) and attack_steps_l[ai] == s:
            n_att = attack_counts[ai]
            ai += 1
        t1 = t0 + dt
        pos = t0
        while ev and ev[0][0] < t1:
            t, _, kind, c, extra = heapq.heappop(ev)
            if kind == SYN_ARR and n_att and cstate[c] == 0:
                frac = (t - pos) / (t1 - pos) if t1 > pos else 1.0
                k_before = int(rng.binomial(n_att, min(max(frac, 0.0), 1.0)))
                attack_batch(k_before, s)
                n_att -= k_before
                pos = max(pos, t)
            handle(kind, max(t, t0), c, extra, s)
        attack_batch(n_att, s)
        qnow = q_att + len(lreq)
        if qnow > ctr["peak_syn_queue"]:
            ctr["peak_syn_queue"] = qnow
        # 3. the application accepts
        if len(accq) > acc_head and tokens >= 1.0:
            k_acc = min(int(tokens), len(accq) - acc_head)
            for c in accq[acc_head : acc_head + k_acc]:
                served_at[c] = t1 - arr[c]
                finish(c, "served")
            acc_head += k_acc
            tokens -= k_acc
            if acc_head > 4096:
                del accq[:acc_head]
                acc_head = 0
        # 4. sample
        if s >= next_sample * sample_steps:
            ts_rows.append(
                (
                    next_sample * sample_steps * dt,
                    q_att,
                    len(lreq),
                    len(accq) - acc_head,
                    ctr["cookies_sent"],
                    n_cli - unresolved,
                )
            )
            next_sample = s // sample_steps + 1

    for c in range(n_cli):  # only reachable with drain=False
        if cstate[c] != 3:
            outcome[c] = "pending"

    ts = pd.DataFrame(
        ts_rows,
        columns=[
            "t",
            "attack_entries",
            "legit_entries",
            "accept_queue",
            "cookies_sent",
            "resolved",
        ],
    )
    ts["syn_queue"] = ts["attack_entries"] + ts["legit_entries"]
    ts["memory_bytes"] = ts["syn_queue"] * entry_bytes
    lost = [
        ("wscale,sack" if (via_cookie[c] or pol.proxy) and not has_ts[c] else "")
        for c in range(n_cli)
    ]
    clients = pd.DataFrame(
        {
            "client": np.arange(n_cli),
            "arrival": arrival,
            "rtt": rtt,
            "outcome": outcome,
            "syns": syns,
            "connect_latency": connected,
            "served_latency": served_at,
            "via_cookie": via_cookie,
            "timestamps": has_ts,
            "options_lost": lost,
        }
    )
    res = FloodResult(cfg, pol, ts, clients, ctr)
    res.summary = _summary(res, entry_bytes)
    return res


def _summary(res: FloodResult, entry_bytes: int) -> dict[str, Any]:
    cl, ts = res.clients, res.timeseries
    n = len(cl)
    served = cl[cl["outcome"] == "served"]
    failed = int(cl["outcome"].isin(["gave_up", "reset", "expired", "not_accepted"]).sum())
    during = ts[ts["t"] < res.config.duration] if len(ts) else ts
    return {
        "defences": res.policy.label,
        "attack_rate": res.config.attack_rate,
        "syns_attack": res.counters["syns_attack"],
        "clients": n,
        "served": len(served),
        "failed": failed,
        "served_share": len(served) / n if n else math.nan,
        "served_fast_share": float((served["served_latency"] <= res.config.deadline).sum() / n)
        if n
        else math.nan,
        "connect_latency_median": float(served["connect_latency"].median())
        if len(served)
        else math.nan,
        "served_latency_p95": float(served["served_latency"].quantile(0.95))
        if len(served)
        else math.nan,
        "syn_queue_mean": float(during["syn_queue"].mean()) if len(during) else 0.0,
        "syn_queue_peak": res.counters["peak_syn_queue"],
        "entry_bytes": entry_bytes,
        "memory_peak_bytes": res.counters["peak_syn_queue"] * entry_bytes,
        "memory_mean_bytes": float(during["memory_bytes"].mean()) if len(during) else 0.0,
        "cookies_sent": res.counters["cookies_sent"],
        "options_lost_share": float((served["options_lost"] != "").mean()) if len(served) else 0.0,
    }


def compare_defences(
    defences: Sequence[str | Iterable[str]] = tuple(DEFENCES),
    config: FloodConfig | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """One summary row per defence combination, same scenario and seed for all."""
    import pandas as pd

    rows = [simulate_flood(config, d, **overrides).summary for d in defences]
    return pd.DataFrame(rows).set_index("defences")


def sweep_attack_rate(
    rates: Sequence[float],
    defences: Sequence[str | Iterable[str]] = ("none", "bigger_backlog", "hybrid", "syn_cookies"),
    config: FloodConfig | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Legitimate success vs attack rate, one row per (defence, rate): for line plots."""
    import pandas as pd

    for r in rates:
        if not r >= 0:
            raise ValueError(f"attack rate {r!r}: expected >= 0")
    rows = []
    for d in defences:
        label = "+".join(parse_defences(d))
        for r in rates:
            s = simulate_flood(config, d, **{**overrides, "attack_rate": float(r)}).summary
            rows.append({**s, "defences": label})
    return pd.DataFrame(rows)
