"""Timer presets (today's Linux, Linux before 6.5, RFC 9293) and the one retransmission rule.

Theory of operation
-------------------
A TCP endpoint runs a handful of timers (RFC 9293 §3.8, RFC 6298): the retransmission
timer (RTO, doubled on each expiry — "exponential backoff"), the TIME-WAIT timer
(2·MSL), Linux's FIN-WAIT-2 timer for orphaned sockets, the delayed-ACK timer and
keepalive. A :class:`TimerPreset` bundles the numbers; :data:`LINUX` (today's kernel),
:data:`LINUX_PRE_6_5` and :data:`RFC` are the three the course compares (sources in
``facts.md`` §1, §6.3 and §13).

Every retransmission schedule in the library comes from **one rule**,
:class:`RetryRule`: after the k-th retransmission the RTO doubles (capped at
``rto_max``) unless k ≤ ``linear`` (Linux ≥ 6.5's ``tcp_syn_linear_timeouts``); at each
expiry the sender gives up instead of retransmitting when it has already sent
``retries`` retransmissions or, if a time ``budget`` is set, when that much time has
passed on the budget's clock (Linux ``retrans_stamp``: the first SYN of a handshake, the
first retransmission of data). :meth:`RetryRule.timeline` turns the rule into
send times and a give-up time; the endpoint steps through the same rule one timeout
at a time (:meth:`RetryRule.next_rto`, :meth:`RetryRule.expired`).

Worked numbers (initial RTO 1 s):

* Linux ≥ 6.5, ``tcp_syn_retries`` = 6, ``tcp_syn_linear_timeouts`` = 4: SYNs at
  0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, ``connect()`` fails at 131 s.
* Linux < 6.5 (or ``tcp_syn_linear_timeouts`` = 0): SYNs at 0, 1, 3, 7, 15, 31, 63 s,
  give up at 127 s.
* ``tcp_synack_retries`` = 5: SYN-ACKs at 0, 1, 3, 7, 15, 31 s, request expires at 63 s.
* RFC 9293 MUST-23: a SYN is retransmitted for at least 3 minutes — here SYNs at
  0, 1, 3, …, 127 s and the give-up at the first timeout after 180 s (247 s).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

__all__ = [
    "LINUX",
    "LINUX_PRE_6_5",
    "PRESETS",
    "RFC",
    "SYSCTL_DEFAULTS",
    "KeepaliveTimeline",
    "RetransmissionTimeline",
    "RetryRule",
    "TimerPreset",
    "from_sysctl_values",
    "keepalive_timeline",
    "linux_model_timeout",
    "preset",
    "retransmission_timeline",
]

#: Tolerance for comparing float times (a timeout due "now" must fire now).
_EPS = 1e-9


def _positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok_type or math.isnan(value) or value == math.inf:
        raise ValueError(f"{name} must be a finite number of seconds; got {value!r:.80}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{name} = {value!r} is out of range: expected {bound} seconds")
    return float(value)


def _count(value: int, name: str, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        raise ValueError(f"{name} = {value!r:.80} is out of range: expected an int 0 … {upper}")
    return value


# --------------------------------------------------------------------------- the rule
def linux_model_timeout(boundary: int, rto_base: float, rto_max: float = 120.0) -> float:
    """Linux's time budget for ``boundary`` retransmissions (tcp_timer.c ``tcp_model_timeout``).

    The time ``boundary`` doubling retransmissions starting at ``rto_base`` would take,
    with the RTO capped at ``rto_max``. Linux gives up when this much time has passed
    since the first retransmitted segment was sent (``retransmits_timed_out``):

    >>> linux_model_timeout(6, 1.0)  # tcp_syn_retries, TCP_TIMEOUT_INIT
    127.0
    >>> round(linux_model_timeout(15, 0.2), 1)  # tcp_retries2, TCP_RTO_MIN: ip-sysctl.rst
    924.6
    """
    _count(boundary, "boundary", 255)
    base = _positive(rto_base, "rto_base")
    cap = _positive(rto_max, "rto_max")
    # ilog2(TCP_RTO_MAX / rto_base): the last doubling that stays under the cap
    thresh = 0
    while base * (1 << (thresh + 1)) <= cap * (1 + _EPS):
        thresh += 1
    if boundary <= thresh:
        return ((1 << (boundary + 1)) - 1) * base
    return ((1 << (thresh + 1)) - 1) * base + (boundary - thresh) * cap


@dataclass(frozen=True)
class RetryRule:
    """How one kind of segment is retransmitted: the backoff and when to give up.

    ``retries``: the most retransmissions (None: no count limit, only the budget).
    ``linear``: the first ``linear`` backoffs keep the RTO instead of doubling it
    (Linux ``tcp_syn_linear_timeouts``, active open only). ``budget``: give up at the
    first expiry at least this many seconds after the budget's clock started (the first
    transmission in :meth:`timeline`), once at least one retransmission was sent (Linux
    ``retransmits_timed_out``; RFC 1122's R2 expressed as a time). At least one of
    ``retries`` and ``budget`` must be set.
    """

    retries: int | None
    initial_rto: float = 1.0
    rto_max: float = 120.0
    linear: int = 0
    budget: float | None = None

    def __post_init__(self) -> None:
        if self.retries is None and self.budget is None:
            raise ValueError(
                "retries = None and budget = None: RetryRule needs retries or budget "
                "(expected at least one set)"
            )
        if self.retries is not None:
            _count(self.retries, "retries", 255)
        _positive(self.initial_rto, "initial_rto")
        _positive(self.rto_max, "rto_max")
        _count(self.linear, "linear", 255)
        if self.budget is not None:
            _positive(self.budget, "budget")

    def next_rto(self, rto: float, done: int) -> float:
        """The RTO to arm after the ``done``-th retransmission (``done`` ≥ 1)."""
        # Linux tcp_retransmit_timer(): total_rto (== done) > linear → double, cap.
        if done <= self.linear:
            return min(rto, self.rto_max)
        return min(rto * 2, self.rto_max)

    def expired(self, done: int, elapsed: float) -> bool:
        """At a timer expiry: give up (True) instead of sending retransmission ``done + 1``?

        ``elapsed`` is the time on the budget's clock (since the first SYN for a
        handshake; since the first retransmission for data, as Linux counts).
        """
        # Linux tcp_write_timeout(): the count test first, then the time test.
        if self.retries is not None and done >= self.retries:
            return True
        return self.budget is not None and done > 0 and elapsed >= self.budget - _EPS

    def timeline(self) -> RetransmissionTimeline:
        """Send times (first at 0) and the give-up time when nothing is ever answered."""
        rto = min(self.initial_rto, self.rto_max)
        t, times, done = 0.0, [0.0], 0
        # Bounded: each loop sends one segment; retries ≤ 255, or the budget is finite and
        # every gap is ≥ min(initial_rto, rto_max) > 0.
        while not self.expired(done, t + rto):
            t += rto
            times.append(t)
            done += 1
            rto = self.next_rto(rto, done)
        return RetransmissionTimeline(tuple(times), t + rto)


@dataclass(frozen=True)
class RetransmissionTimeline:
    """Send times (the first transmission at 0) and the time the sender gives up."""

    send_times: tuple[float, ...]
    give_up: float

    @property
    def gaps(self) -> tuple[float, ...]:
        """The waits between consecutive transmissions (1, 2, 4, … s for old Linux)."""
        t = self.send_times
        return tuple(b - a for a, b in itertools.pairwise(t))

    @property
    def retries(self) -> int:
        """How many retransmissions are sent before giving up."""
        return len(self.send_times) - 1


def retransmission_timeline(
    retries: int,
    initial_rto: float = 1.0,
    rto_max: float = 120.0,
    *,
    linear: int = 0,
    budget: float | None = None,
) -> RetransmissionTimeline:
    """The timeline of :class:`RetryRule` ``(retries, initial_rto, rto_max, linear, budget)``.

    The first transmission is at 0; after the k-th retransmission the RTO doubles
    (capped at ``rto_max``) unless k ≤ ``linear``; after the last retransmission the
    sender waits one more RTO and gives up.

    >>> retransmission_timeline(6).send_times
    (0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0)
    >>> retransmission_timeline(6).give_up, retransmission_timeline(5).give_up
    (127.0, 63.0)
    >>> t = retransmission_timeline(10, linear=4, budget=127.0)  # Linux ≥ 6.5 defaults
    >>> t.send_times[-4:], t.give_up
    ((11.0, 19.0, 35.0, 67.0), 131.0)
    """
    return RetryRule(retries, initial_rto, rto_max, linear, budget).timeline()


# --------------------------------------------------------------------------- presets
@dataclass(frozen=True)
class TimerPreset:
    """The timer numbers of one TCP flavour. All times in seconds.

    ``time_wait`` defaults to 2·``msl``; Linux fixes it at 60 s whatever the MSL
    (``TCP_TIMEWAIT_LEN``). Use :meth:`with_msl` / :meth:`with_` for variants. The
    retransmission schedules come from :meth:`syn_rule`, :meth:`synack_rule` and
    :meth:`data_rule` (one :class:`RetryRule` each).
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
    """Linux ``tcp_syn_retries``: SYN retransmissions of an active open (plus
    ``syn_linear_timeouts``); ignored when ``syn_r2`` is set."""
    syn_linear_timeouts: int = 0
    """Linux ≥ 6.5 ``tcp_syn_linear_timeouts`` (default 4): the first N SYN backoffs stay
    at the initial RTO, and an active open may send N more retransmissions. 0 = the old
    schedule (and Linux < 6.5, which has no such knob)."""
    syn_r2: float | None = None
    """RFC 1122 R2 for a SYN as a time: retransmit until the first timeout at least this
    long after the first SYN (RFC 9293 MUST-23: ≥ 180 s). None: Linux's count rule."""
    synack_retries: int = 5
    data_retries: int = 15
    """Linux ``tcp_retries2`` = 15: turned into a time budget by :meth:`data_rule`."""
    orphan_retries: int = 0
    """Linux ``tcp_orphan_retries``: retransmissions of an orphaned socket's data/FIN
    (0 means 8 while the RTO is below ``rto_max``, tcp_timer.c ``tcp_orphan_retries``)."""
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
    data_r2: float | None = None
    """RFC 1122 R2 for data/FIN as a time (s since the first retransmission); None: Linux's
    budget ``linux_model_timeout(data_retries, rto_min)`` (924.6 s for tcp_retries2 = 15)."""
    rst_ack: bool = True
    """Linux tcp_send_active_reset(): the RST of an abort or a keepalive give-up carries
    ACK = RCV.NXT (``R.``); RFC 9293 §3.10.5: a bare <SEQ=SND.NXT><CTL=RST>."""
    syn_retry_after_rst: float | None = 0.008
    """Linux: after SYN-SENT answers an unacceptable ACK (a challenge ACK from a stale
    connection) with an RST, the SYN timer is re-armed at TCP_TIMEOUT_MIN (2 jiffies; 8 ms
    at HZ = 250, 9 ms measured), if no retransmission was sent yet. None: the next RTO."""
    coalesce_retransmissions: bool = True
    """Linux tcp_retrans_try_collapse(): an RTO retransmission carries the following queued
    segments too, up to one MSS. False: the head segment alone."""
    synack_data: bool = False
    """Text on a SYN-ACK: RFC 9293 §3.10.7.3 keeps it ("continue at the sixth step"); Linux
    drops it unless Fast Open is in use (tcp_rcv_synsent_state_process())."""
    time_wait_ack_all: bool = True
    """Linux tcp_timewait_state_process(): in TIME-WAIT every segment except an RST or a
    bare ACK at RCV.NXT draws an ACK (rate-limited), one with ACK set restarts the timer,
    no challenge ACKs. False: RFC 9293 §3.10.7.4 (RFC 5961 checks; fifth step ACKs and
    restarts for an acceptable segment)."""
    time_wait_reopen: bool = True
    """Linux tcp_timewait_state_process(): a SYN without ACK whose SEQ is after RCV.NXT
    ends TIME-WAIT and opens a new connection from the listener, with ISS = SND.NXT +
    65537 (facts.md §5). False: RFC 9293 answers it with a challenge ACK."""
    fin_quickack: bool = True
    """Linux: with a delayed-ACK endpoint, the ACK of a FIN still leaves at once unless data
    was received first (quick-ACK mode until then; facts.md §13), so a close is four-way
    unless the receiver is in delayed-ACK mode. False: the FIN's ACK is delayed like data's."""
    drop_syn_fin: bool = True
    """Linux tcp_rcv_state_process(): a SYN+FIN reaching LISTEN is discarded. RFC 9293
    §3.10.7.2 opens on the SYN (the FIN would be processed in SYN-RECEIVED)."""
    source: str = field(default="", compare=False)
    """Where the numbers come from, and the kernel version (or RFC) they follow."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """Remarks on how the preset was built (e.g. sysctls that could not be read)."""

    def __post_init__(self) -> None:
        for name in ("initial_rto", "rto_min", "rto_max", "rto_fallback", "msl", "time_wait"):
            _positive(getattr(self, name), name, allow_zero=name == "time_wait")
        _positive(self.invalid_ratelimit, "invalid_ratelimit", allow_zero=True)
        for name in ("keepalive_time", "keepalive_intvl"):
            _positive(getattr(self, name), name)
        if self.fin_wait_2 is not None:
            _positive(self.fin_wait_2, "fin_wait_2")
        for name in ("syn_r2", "data_r2", "syn_retry_after_rst"):
            if getattr(self, name) is not None:
                _positive(getattr(self, name), name)
        _count(self.syn_retries, "syn_retries", 127)
        _count(self.syn_linear_timeouts, "syn_linear_timeouts", 10)
        _count(self.synack_retries, "synack_retries", 255)
        _count(self.data_retries, "data_retries", 255)
        _count(self.orphan_retries, "orphan_retries", 255)
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

    # One rule per kind of retransmitted segment; every schedule in tcplab comes from these.
    def syn_rule(self, *, simultaneous: bool = False) -> RetryRule:
        """SYN of an active open (SYN-SENT): Linux tcp_write_timeout() / RFC MUST-23.

        ``simultaneous``: the SYN-ACK of a simultaneous open (SYN-RECEIVED after an active
        open): Linux counts only ``syn_retries`` there and doubles from the start.
        """
        if self.syn_r2 is not None:
            return RetryRule(None, self.initial_rto, self.rto_max, budget=self.syn_r2)
        linear = 0 if simultaneous else self.syn_linear_timeouts
        # Linux allows syn_retries + syn_linear_timeouts retransmissions, and also gives
        # up once tcp_model_timeout(syn_retries, TCP_TIMEOUT_INIT) has passed; with the
        # defaults both rules stop at the same expiry (131 s).
        return RetryRule(
            self.syn_retries + linear,
            self.initial_rto,
            self.rto_max,
            linear=linear,
            budget=linux_model_timeout(self.syn_retries, self.initial_rto, self.rto_max),
        )

    def synack_rule(self) -> RetryRule:
        """SYN-ACK of a passive open (request socket): Linux reqsk_timer_handler()."""
        if self.syn_r2 is not None:  # MUST-23 speaks of "a SYN segment": SYN-ACK too
            return RetryRule(None, self.initial_rto, self.rto_max, budget=self.syn_r2)
        return RetryRule(self.synack_retries, self.initial_rto, self.rto_max)

    def data_rule(self, rto: float | None = None, *, orphan: bool = False) -> RetryRule:
        """Data or FIN in a synchronized state, starting from ``rto`` (default initial).

        Linux (tcp_write_timeout()) gives up on time, not on a count: once
        ``linux_model_timeout(retries, rto_min)`` has passed since the first
        retransmission, with ``retries`` = ``tcp_retries2`` (924.6 s), or for an orphaned
        socket ``tcp_orphan_retries`` (0 means 8: 102.2 s). The RFC preset uses R2 as a
        time (``data_r2``, RFC 1122 §4.2.3.5: at least 100 s).
        """
        start = rto or self.initial_rto
        if self.data_r2 is not None:
            return RetryRule(None, start, self.rto_max, budget=self.data_r2)
        retries = (self.orphan_retries or 8) if orphan else self.data_retries
        budget = linux_model_timeout(retries, self.rto_min, self.rto_max)
        return RetryRule(None, start, self.rto_max, budget=budget)

    def syn_timeline(self) -> RetransmissionTimeline:
        """When an active open sends SYNs and gives up."""
        return self.syn_rule().timeline()

    def synack_timeline(self) -> RetransmissionTimeline:
        """When a passive open sends SYN-ACKs and expires."""
        return self.synack_rule().timeline()


#: Today's Linux (≥ 6.5, measured on 6.18; facts.md §1, §13): RTO 1 s, SYNs at
#: 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s (tcp_syn_retries 6 + tcp_syn_linear_timeouts 4),
#: connect() fails at 131 s; 5 SYN-ACK retries (63 s); TIME-WAIT 60 s, FIN-WAIT-2 60 s,
#: keepalive 7200 s + 9 × 75 s. MSL kept at the RFC's 2 min for reference — Linux's
#: TIME-WAIT does not use it.
#:
#: 131 s, not the 133 s measured: Linux's rule (tcp_write_timeout()) gives up at the first
#: timer expiry after the 10th retransmission (67 s + RTO 64 s = 131 s; the time test
#: tcp_model_timeout(6, 1 s) = 127 s also first holds at that expiry). The extra ~2 s on
#: the wire is [DERIVED] timer-wheel slack: a 64 s kernel timer sits in a wheel level whose
#: granularity is seconds, and non-exact timers fire at the end of their bucket.
LINUX: Final = TimerPreset(
    name="linux",
    time_wait=60.0,
    syn_linear_timeouts=4,
    source="Linux ≥ 6.5 defaults (include/net/tcp.h, tcp_ipv4.c tcp_sk_init(), tcp_timer.c); "
    "SYN schedule measured on Linux 6.18 (facts.md §1, §13)",
)

#: Linux before 6.5 (commit ccce324dabfe added tcp_syn_linear_timeouts in 6.5), or any
#: later kernel with ``tcp_syn_linear_timeouts = 0``: SYNs at 0, 1, 3, 7, 15, 31, 63 s,
#: give up at 127 s; otherwise as :data:`LINUX`.
LINUX_PRE_6_5: Final = replace(
    LINUX,
    name="linux-pre-6.5",
    syn_linear_timeouts=0,
    source="Linux < 6.5 (no tcp_syn_linear_timeouts): doubling SYN RTO from 1 s (facts.md §1)",
)

#: RFC 9293: MSL = 2 min, TIME-WAIT = 2·MSL = 240 s; RFC 6298's 1 s minimum RTO; no
#: FIN-WAIT-2 timer (RFC 9293 has none); a retransmitted SYN in SYN-RECEIVED gets an ACK.
#: MUST-23 (§3.8.3): a SYN is retransmitted for at least 3 minutes — modelled as R2 = 180 s
#: checked at each timeout, so SYNs at 0, 1, 3, …, 127 s and the give-up at 247 s (the RFC
#: sets only the lower bound; the 127 s of old Linux is *not* the RFC's number).
RFC: Final = TimerPreset(
    name="rfc",
    rto_min=1.0,
    msl=120.0,
    time_wait=240.0,
    fin_wait_2=None,
    syn_r2=180.0,
    data_r2=100.0,
    rst_ack=False,
    syn_retry_after_rst=None,
    coalesce_retransmissions=False,
    synack_data=True,
    time_wait_ack_all=False,
    drop_syn_fin=False,
    fin_quickack=False,
    time_wait_reopen=False,
    invalid_ratelimit=0.0,
    ack_unsent_reply=True,
    resend_synack_on_syn=False,
    source="RFC 9293 (§3.3.2 MSL, §3.8.3 MUST-23) and RFC 6298 (RTO)",
)

PRESETS: Final = {"linux": LINUX, "linux-pre-6.5": LINUX_PRE_6_5, "rfc": RFC}


def preset(name: str | TimerPreset) -> TimerPreset:
    """Look a preset up by name (``"linux"``, ``"linux-pre-6.5"``, ``"rfc"``); presets pass."""
    if isinstance(name, TimerPreset):
        return name
    try:
        return PRESETS[str(name).lower()]
    except KeyError:
        raise ValueError(
            f"unknown timer preset {name!r:.80}: expected one of {', '.join(PRESETS)}"
        ) from None


# --------------------------------------------------------------------------- sysctls
#: The sysctls (``/proc/sys/net/ipv4/<name>``) a preset is built from, with the value
#: assumed when one is missing: Linux's default, except ``tcp_syn_linear_timeouts`` whose
#: absence means a kernel older than 6.5, i.e. the old schedule (0).
SYSCTL_DEFAULTS: Final[Mapping[str, int]] = {
    "tcp_syn_retries": 6,
    "tcp_syn_linear_timeouts": 0,
    "tcp_synack_retries": 5,
    "tcp_retries2": 15,
    "tcp_orphan_retries": 0,
    "tcp_fin_timeout": 60,
    "tcp_keepalive_time": 7200,
    "tcp_keepalive_intvl": 75,
    "tcp_keepalive_probes": 9,
    "tcp_invalid_ratelimit": 500,
}

# sysctl name → (TimerPreset field, scale to seconds/count)
_SYSCTL_FIELDS: Final = {
    "tcp_syn_retries": ("syn_retries", None),
    "tcp_syn_linear_timeouts": ("syn_linear_timeouts", None),
    "tcp_synack_retries": ("synack_retries", None),
    "tcp_retries2": ("data_retries", None),
    "tcp_orphan_retries": ("orphan_retries", None),
    "tcp_fin_timeout": ("fin_wait_2", 1.0),
    "tcp_keepalive_time": ("keepalive_time", 1.0),
    "tcp_keepalive_intvl": ("keepalive_intvl", 1.0),
    "tcp_keepalive_probes": ("keepalive_probes", None),
    "tcp_invalid_ratelimit": ("invalid_ratelimit", 0.001),
}


def _sysctl_int(name: str, raw: object) -> int:
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(text, str):
        try:
            return int(text.split()[0]) if text else _bad_sysctl(name, raw)
        except ValueError:
            return _bad_sysctl(name, raw)
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    return _bad_sysctl(name, raw)


def _bad_sysctl(name: str, raw: object) -> int:
    raise ValueError(f"sysctl {name} = {raw!r:.80}: expected an integer (as in /proc/sys)")


def from_sysctl_values(
    values: Mapping[str, str | int], *, name: str = "kernel", source: str = ""
) -> TimerPreset:
    """A Linux preset from sysctl values (``{"tcp_syn_retries": "6\n", …}``); pure.

    Keys are the names under ``/proc/sys/net/ipv4`` (see :data:`SYSCTL_DEFAULTS`); values
    are ints or the text read from the file. Missing keys take the value of
    :data:`SYSCTL_DEFAULTS`, and the preset's ``notes`` say which. Unknown keys are
    ignored (a live layer may pass more than it needs).

    >>> p = from_sysctl_values({"tcp_syn_retries": "3", "tcp_syn_linear_timeouts": "4"})
    >>> p.syn_timeline().send_times, p.syn_timeline().give_up
    ((0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 11.0), 19.0)
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"values = {values!r:.80}: expected a mapping of sysctl name → value")
    changes: dict[str, object] = {}
    missing = []
    for key, (attr, scale) in _SYSCTL_FIELDS.items():
        if key in values:
            n = _sysctl_int(key, values[key])
        else:
            n = SYSCTL_DEFAULTS[key]
            missing.append(f"{key} (assumed {n})")
        changes[attr] = n if scale is None else n * scale
    notes = (f"not readable, defaults used: {', '.join(missing)}",) if missing else ()
    try:
        return replace(LINUX, name=name, source=source or "sysctl values", notes=notes, **changes)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"sysctl values out of range: {exc}") from None


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
    if not isinstance(p, TimerPreset):
        raise TypeError(f"p = {p!r:.80}: expected a TimerPreset (LINUX, RFC, …)")
    t0 = _positive(last_heard, "last_heard", allow_zero=True) + p.keepalive_time
    probes = tuple(t0 + k * p.keepalive_intvl for k in range(p.keepalive_probes))
    return KeepaliveTimeline(probes, t0 + p.keepalive_probes * p.keepalive_intvl)
