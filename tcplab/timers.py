"""Timer presets: Linux's defaults and RFC 9293's, and the retransmission timelines.

Theory of operation
-------------------
A TCP endpoint runs a handful of timers (RFC 9293 §3.8, RFC 6298): the retransmission
timer (RTO, doubled on each expiry — "exponential backoff"), the TIME-WAIT timer
(2·MSL), Linux's FIN-WAIT-2 timer for orphaned sockets, the delayed-ACK timer and
keepalive. A :class:`TimerPreset` bundles the numbers; :data:`LINUX` and :data:`RFC`
are the two the course compares (sources in ``facts.md`` §1 and §6.3).

The SYN timeline is pure arithmetic, so it is a function here,
:func:`retransmission_timeline`: with an initial RTO of 1 s and 6 retries (Linux
``tcp_syn_retries``) SYNs leave at 0, 1, 3, 7, 15, 31, 63 s and the attempt gives up
at 127 s; with 5 retries (``tcp_synack_retries``) the last SYN-ACK leaves at 31 s and the
request expires at 63 s. :mod:`tcplab.endpoint` follows the same rule, and the tests
check that both agree.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Final

__all__ = [
    "LINUX",
    "PRESETS",
    "RFC",
    "KeepaliveTimeline",
    "RetransmissionTimeline",
    "TimerPreset",
    "keepalive_timeline",
    "preset",
    "retransmission_timeline",
]


def _positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok_type or math.isnan(value) or value == math.inf:
        raise ValueError(f"{name} must be a finite number of seconds; got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{name} = {value!r} is out of range: expected {bound} seconds")
    return float(value)


def _count(value: int, name: str, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        raise ValueError(f"{name} = {value!r} is out of range: expected an int 0 … {upper}")
    return value


@dataclass(frozen=True)
class TimerPreset:
    """The timer numbers of one TCP flavour. All times in seconds.

    ``time_wait`` defaults to 2·``msl``; Linux fixes it at 60 s whatever the MSL
    (``TCP_TIMEWAIT_LEN``). Use :meth:`with_msl` / :meth:`with_` for variants.
    """

    name: str
    initial_rto: float = 1.0
    """RFC 6298 §2.1 initial RTO; Linux ``TCP_TIMEOUT_INIT`` = 1 s."""
    rto_min: float = 0.2
    """Lower bound on a computed RTO: Linux ``TCP_RTO_MIN`` 200 ms; RFC 6298 §2.4: 1 s."""
    rto_max: float = 120.0
    """Upper bound on the backed-off RTO: Linux ``TCP_RTO_MAX`` = 120 s."""
    rto_fallback: float = 3.0
    """RFC 6298 §5.7 / Linux ``TCP_TIMEOUT_FALLBACK``: RTO for data when the handshake
    was retransmitted and gave no RTT sample."""
    syn_retries: int = 6
    synack_retries: int = 5
    data_retries: int = 15
    """Retransmissions of data or FIN before giving up (Linux ``tcp_retries2`` = 15,
    applied here as a count; Linux turns it into a time budget)."""
    msl: float = 120.0
    time_wait: float = 240.0
    fin_wait_2: float | None = 60.0
    """Orphaned FIN-WAIT-2 lifetime (Linux ``tcp_fin_timeout``); None: wait forever."""
    keepalive_time: float = 7200.0
    keepalive_intvl: float = 75.0
    keepalive_probes: int = 9
    invalid_ratelimit: float = 0.5
    """Linux ``tcp_invalid_ratelimit`` (500 ms): at most one ACK per this interval in reply
    to out-of-window pure ACKs, and one challenge ACK (tcp_oow_rate_limited()). 0: no limit."""
    ack_unsent_reply: bool = False
    """RFC 9293 answers an ACK of data not yet sent with an ACK; Linux drops it silently
    (tcp_ack(): ``after(ack, snd_nxt)``) — which avoids RFC 1337's ACK loop."""
    resend_synack_on_syn: bool = True
    """Linux: a retransmitted SYN reaching SYN-RECEIVED gets the SYN-ACK again
    (tcp_check_req()); plain RFC 9293 answers it with an ACK from the sequence check."""

    def __post_init__(self) -> None:
        for name in ("initial_rto", "rto_min", "rto_max", "rto_fallback", "msl", "time_wait"):
            _positive(getattr(self, name), name, allow_zero=name == "time_wait")
        _positive(self.invalid_ratelimit, "invalid_ratelimit", allow_zero=True)
        for name in ("keepalive_time", "keepalive_intvl"):
            _positive(getattr(self, name), name)
        if self.fin_wait_2 is not None:
            _positive(self.fin_wait_2, "fin_wait_2")
        _count(self.syn_retries, "syn_retries", 127)
        _count(self.synack_retries, "synack_retries", 255)
        _count(self.data_retries, "data_retries", 255)
        _count(self.keepalive_probes, "keepalive_probes", 127)
        if self.rto_min > self.rto_max:
            raise ValueError(f"rto_min {self.rto_min} exceeds rto_max {self.rto_max}")

    def with_msl(self, msl: float) -> TimerPreset:
        """The same preset with another MSL; TIME-WAIT becomes 2·MSL.

        (For a Linux-like fixed TIME-WAIT use ``with_(time_wait=...)`` instead.)
        """
        m = _positive(msl, "msl")
        return replace(self, msl=m, time_wait=2 * m)

    def with_(self, **changes: object) -> TimerPreset:
        """A copy with some numbers changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def syn_timeline(self) -> RetransmissionTimeline:
        """When an active open sends SYNs and gives up."""
        return retransmission_timeline(self.syn_retries, self.initial_rto, self.rto_max)

    def synack_timeline(self) -> RetransmissionTimeline:
        """When a passive open sends SYN-ACKs and expires."""
        return retransmission_timeline(self.synack_retries, self.initial_rto, self.rto_max)


#: Linux defaults (facts.md §1): RTO 1 s doubling, 6 SYN / 5 SYN-ACK retries,
#: TIME-WAIT 60 s, FIN-WAIT-2 60 s, keepalive 7200 s + 9 × 75 s. MSL kept at the RFC's
#: 2 min for reference — Linux's TIME-WAIT does not use it.
LINUX: Final = TimerPreset(name="linux", time_wait=60.0)

#: RFC 9293: MSL = 2 min, TIME-WAIT = 2·MSL = 240 s; RFC 6298's 1 s minimum RTO; no
#: FIN-WAIT-2 timer (RFC 9293 has none); a retransmitted SYN in SYN-RECEIVED gets an ACK.
RFC: Final = TimerPreset(
    name="rfc",
    rto_min=1.0,
    msl=120.0,
    time_wait=240.0,
    fin_wait_2=None,
    invalid_ratelimit=0.0,
    ack_unsent_reply=True,
    resend_synack_on_syn=False,
)

PRESETS: Final = {"linux": LINUX, "rfc": RFC}


def preset(name: str | TimerPreset) -> TimerPreset:
    """Look a preset up by name (``"linux"`` or ``"rfc"``); presets pass through."""
    if isinstance(name, TimerPreset):
        return name
    try:
        return PRESETS[str(name).lower()]
    except KeyError:
        raise ValueError(
            f"unknown timer preset {name!r}: expected one of {', '.join(PRESETS)}"
        ) from None


@dataclass(frozen=True)
class RetransmissionTimeline:
    """Send times (the first transmission at 0) and the time the sender gives up."""

    send_times: tuple[float, ...]
    give_up: float

    @property
    def gaps(self) -> tuple[float, ...]:
        """The waits between consecutive transmissions (1, 2, 4, … s for Linux)."""
        t = self.send_times
        return tuple(b - a for a, b in itertools.pairwise(t))

    @property
    def retries(self) -> int:
        return len(self.send_times) - 1


def retransmission_timeline(
    retries: int, initial_rto: float = 1.0, rto_max: float = 120.0
) -> RetransmissionTimeline:
    """The exponential-backoff timeline for ``retries`` retransmissions.

    The first transmission is at 0; each timeout doubles the RTO (capped at ``rto_max``);
    after the last retransmission the sender waits one more (doubled) RTO and gives up.

    >>> retransmission_timeline(6).send_times
    (0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0)
    >>> retransmission_timeline(6).give_up, retransmission_timeline(5).give_up
    (127.0, 63.0)
    """
    _count(retries, "retries", 255)
    rto = _positive(initial_rto, "initial_rto")
    cap = _positive(rto_max, "rto_max")
    t = 0.0
    times = [0.0]
    for _ in range(retries):
        t += min(rto, cap)
        times.append(t)
        rto *= 2
    return RetransmissionTimeline(tuple(times), t + min(rto, cap))


@dataclass(frozen=True)
class KeepaliveTimeline:
    """Keepalive probes sent into silence after the last segment heard, and the abort."""

    probe_times: tuple[float, ...]
    give_up: float


def keepalive_timeline(p: TimerPreset = LINUX, *, last_heard: float = 0.0) -> KeepaliveTimeline:
    """Probe times and the abort time when the peer never answers.

    Linux: first probe after 7200 s idle, then one every 75 s; after 9 unanswered probes
    the connection is aborted 75 s after the last one (7200 + 9 × 75 = 7875 s).
    """
    t0 = float(last_heard) + p.keepalive_time
    probes = tuple(t0 + k * p.keepalive_intvl for k in range(p.keepalive_probes))
    return KeepaliveTimeline(probes, t0 + p.keepalive_probes * p.keepalive_intvl)
