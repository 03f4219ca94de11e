"""The SYN-flood defences of RFC 4987 §3, by name, and how they combine.

Theory of operation
-------------------
RFC 4987 ("TCP SYN Flooding Attacks and Common Mitigations", §3) lists eight defences
(facts.md §9; the RFC text itself was not available to the authors, so the trade-offs
below are the course's reading, not quotations). Each name here maps onto a knob of the
listener that :mod:`tcplab.flood` simulates:

==================  ======  ==========================================================
name                RFC     what changes in the simulated listener
==================  ======  ==========================================================
``none``            —       Linux listener, ``tcp_syncookies=0``: request socks only
``filtering``       §3.1    a share of the spoofed SYNs never arrives (ingress filtering)
``bigger_backlog``  §3.2    backlog and tcp_max_syn_backlog × ``backlog_factor``
                            (the backlog still clamped by somaxconn)
``short_timer``     §3.3    fewer SYN-ACK retries, so half-open entries expire sooner
``recycle_oldest``  §3.4    a SYN arriving at a full queue evicts the oldest half-open entry
``syn_cache``       §3.5    a separate, bigger table of small entries (evicts the oldest)
``syn_cookies``     §3.6    every SYN answered with a cookie (``tcp_syncookies=2``)
``hybrid``          §3.7    queue first, cookies on overflow (``tcp_syncookies=1``,
                            Linux's default); with ``syn_cache``: cache, then cookies
``syn_proxy``       §3.8    a middlebox completes handshakes; only real clients reach
                            the server, one extra short RTT later
==================  ======  ==========================================================

Names combine (``"filtering+hybrid"`` or a list); combinations that contradict each other
(``syn_cookies`` with a stateful overflow policy, ``recycle_oldest`` with ``hybrid``) are
refused with a ValueError naming the conflict.

Memory per half-open entry (:data:`ENTRY_BYTES`): a Linux request sock is about 304 bytes
(ip-sysctl.rst, facts.md §1); a cookie holds 0. The full-TCB and SYN-cache figures are
**assumptions** of this course (RFC 4987's own figures were not retrieved): a full TCB of
the order of a Linux ``struct tcp_sock`` (~2 KB), a SYN-cache entry of ~160 bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from tcplab import _validate as v

__all__ = [
    "CONFLICTS",
    "DEFENCES",
    "ENTRY_BYTES",
    "Policy",
    "parse_defences",
    "policy_for",
]

#: Bytes held per half-open entry. Only ``request_sock`` (304 B) and ``cookie`` (0) are from
#: facts.md; ``full_tcb`` and ``syn_cache`` are labelled assumptions (see module docstring).
ENTRY_BYTES: dict[str, int] = {
    "full_tcb": 2048,  # ASSUMPTION: order of a Linux struct tcp_sock
    "request_sock": 304,  # ip-sysctl.rst tcp_max_syn_backlog (facts.md §1)
    "syn_cache": 160,  # ASSUMPTION: a compact SYN-cache entry
    "cookie": 0,  # no state at all
}

#: Valid defence names with a one-line description (RFC 4987 section).
DEFENCES: dict[str, str] = {
    "none": "no defence: Linux listener with tcp_syncookies=0",
    "filtering": "RFC 4987 §3.1: ingress filtering removes a share of spoofed SYNs",
    "bigger_backlog": "RFC 4987 §3.2: a bigger listen backlog (clamped by somaxconn)",
    "short_timer": "RFC 4987 §3.3: shorter SYN-RECEIVED timer (fewer SYN-ACK retries)",
    "recycle_oldest": "RFC 4987 §3.4: a new SYN evicts the oldest half-open entry",
    "syn_cache": "RFC 4987 §3.5: bounded SYN cache of small entries",
    "syn_cookies": "RFC 4987 §3.6: always SYN cookies (tcp_syncookies=2)",
    "hybrid": "RFC 4987 §3.7: state first, cookies on overflow (tcp_syncookies=1)",
    "syn_proxy": "RFC 4987 §3.8: a SYN proxy / firewall completes handshakes first",
}

#: Pairs that cannot be combined, with the reason.
CONFLICTS: dict[frozenset[str], str] = {
    frozenset({"syn_cookies", "hybrid"}): "always-cookies leaves no overflow to handle",
    frozenset({"syn_cookies", "recycle_oldest"}): "always-cookies keeps no entries to recycle",
    frozenset({"syn_cookies", "syn_cache"}): "always-cookies never uses the cache",
    frozenset({"recycle_oldest", "hybrid"}): "two different overflow policies",
}


@dataclass(frozen=True)
class Policy:
    """What a set of defences means for the simulated listener."""

    names: tuple[str, ...]
    attack_factor: float = 1.0
    backlog_factor: int = 1
    synack_retries: int | None = None
    structure: Literal["queue", "cache"] = "queue"
    overflow: Literal["drop", "cookie", "recycle"] = "drop"
    always_cookie: bool = False
    proxy: bool = False
    entry: str = "request_sock"

    @property
    def label(self) -> str:
        return "+".join(self.names)


def parse_defences(defences: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise ``"a+b"``, ``"a,b"``, a list, or None (= ``none``) to sorted valid names."""
    if defences is None:
        items: list[str] = []
    elif isinstance(defences, str):
        v.string(defences, "defences", max_len=1000)
        items = [p for part in defences.split("+") for p in part.split(",")]
    else:
        seq = v.sequence(defences, "defences", max_len=len(DEFENCES), what="a list of names")
        items = [v.string(n, f"defences[{i}]", max_len=100) for i, n in enumerate(seq)]
    names = sorted({n.strip().lower().replace("-", "_") for n in items} - {""})
    unknown = [n for n in names if n not in DEFENCES]
    if unknown:
        raise ValueError(
            f"defences = {v.short(defences)}: unknown defence name(s) "
            f"{', '.join(v.short(n) for n in unknown[:5])}: expected any of {', '.join(DEFENCES)}"
        )
    if "none" in names and len(names) > 1:
        raise ValueError(f"'none' cannot be combined with other defences: {names}")
    for pair, why in CONFLICTS.items():
        if pair <= set(names):
            raise ValueError(f"defences {' and '.join(sorted(pair))} conflict: {why}")
    return tuple(names) or ("none",)


def policy_for(
    defences: str | Iterable[str] | None,
    *,
    filter_coverage: float = 0.9,
    backlog_factor: int = 16,
    short_synack_retries: int = 1,
) -> Policy:
    """The :class:`Policy` for a defence combination, with the tunables applied."""
    filter_coverage = v.probability(filter_coverage, "filter_coverage")
    backlog_factor = v.integer(backlog_factor, "backlog_factor", ge=1, le=1024)
    short_synack_retries = v.integer(short_synack_retries, "short_synack_retries", ge=0, le=255)
    names = parse_defences(defences)
    p = Policy(names)
    for n in names:
        if n == "filtering":
            p = replace(p, attack_factor=1.0 - filter_coverage)
        elif n == "bigger_backlog":
            p = replace(p, backlog_factor=backlog_factor)
        elif n == "short_timer":
            p = replace(p, synack_retries=short_synack_retries)
        elif n == "recycle_oldest":
            p = replace(p, overflow="recycle")
        elif n == "syn_cache":
            p = replace(p, structure="cache", entry="syn_cache")
            if p.overflow == "drop":
                p = replace(p, overflow="recycle")  # a full bucket drops its oldest entry
        elif n == "syn_cookies":
            p = replace(p, always_cookie=True, entry="cookie")
        elif n == "hybrid":
            p = replace(p, overflow="cookie")
        elif n == "syn_proxy":
            p = replace(p, proxy=True)
    if "syn_cache" in names and "hybrid" in names:
        p = replace(p, overflow="cookie")
    return p
