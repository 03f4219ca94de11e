"""The scenario library: every experiment of modules 2, 3, 4 and 8 as a named, seeded run.

Each :class:`Scenario` has a name, a one-line description, the expected outcome in
words, default parameters and a builder that scripts a :class:`~tcplab.sim.network.Network`.
Client **A** is 10.0.0.1:40000, server **B** is 10.0.0.2:80; the one-way delay is 50 ms
unless ``delay=`` says otherwise; timers are Linux's unless ``timers="rfc"``.

>>> from tcplab.sim.scenarios import list_scenarios, run_scenario
>>> "close-lost-ack2" in list_scenarios()
True
>>> r = run_scenario("handshake-lost-syn", seed=1)
>>> r.final_states()["B"].name
'ESTABLISHED'

Parameters every scenario accepts: ``delay``, ``timers`` (``"linux"``, ``"rfc"`` or a
:class:`~tcplab.timers.TimerPreset`), ``client_iss``, ``server_iss`` (None = seeded
random), ``loss`` (random loss probability) and ``until``. Others are listed per scenario
in ``get_scenario(name).params``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tcplab import _validate as V
from tcplab.endpoint import Endpoint
from tcplab.fsm import State
from tcplab.segment import Flags, Segment
from tcplab.sim.network import Host, Network, Packet, Rule, SimResult
from tcplab.timers import TimerPreset, preset

__all__ = [
    "LOSS_POINTS",
    "Scenario",
    "get_scenario",
    "list_scenarios",
    "run_scenario",
    "scenario_table",
]

A_ADDR, B_ADDR = "10.0.0.1", "10.0.0.2"
A_PORT, B_PORT = 40000, 80

COMMON: dict[str, Any] = {
    "delay": 0.05,
    "timers": "linux",
    "client_iss": None,
    "server_iss": None,
    "loss": 0.0,
    "until": None,
}


@dataclass(frozen=True)
class Scenario:
    """One named experiment."""

    name: str
    description: str
    expected: str
    build: Callable[..., tuple[Network, float | None]]
    params: dict[str, Any] = field(default_factory=dict)
    modules: tuple[int, ...] = ()

    def run(self, seed: int = 0, **params: Any) -> SimResult:
        """Run with ``seed`` and parameter overrides; see :func:`run_scenario`."""
        allowed = {**COMMON, **self.params}
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {', '.join(unknown)} for scenario {self.name!r}: "
                f"expected some of {', '.join(sorted(allowed))}"
            )
        p = {**allowed, **params}
        until = p.pop("until")
        net, default_until = self.build(seed=seed, **p)
        result = net.run(until=until if until is not None else default_until)
        result.meta.update(
            scenario=self.name,
            description=self.description,
            expected=self.expected,
            params={**p, "until": until},
        )
        return result


_REGISTRY: dict[str, Scenario] = {}


_Builder = TypeVar("_Builder", bound=Callable[..., tuple[Network, float | None]])


def _register(
    name: str, description: str, expected: str, modules: tuple[int, ...], **params: Any
) -> Callable[[_Builder], _Builder]:
    def deco(fn: _Builder) -> _Builder:
        _REGISTRY[name] = Scenario(name, description, expected, fn, dict(params), modules)
        return fn

    return deco


def list_scenarios() -> list[str]:
    """Every scenario name, in the order the course meets them."""
    return list(_REGISTRY)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; ValueError listing the names if there is none."""
    if not isinstance(name, str):
        raise V.ArgumentTypeError(f"name = {V.short(name)}: expected a scenario name (a str)")
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(
            f"unknown scenario {V.short(name, 40)}: {hint}expected one of the "
            f"{len(_REGISTRY)} names of list_scenarios()"
        ) from None


def run_scenario(name: str, seed: int = 0, **params: Any) -> SimResult:
    """Run scenario ``name`` with ``seed`` and parameter overrides; returns a SimResult
    (``.trace``, ``.events``, ``.final_states()``, ``.errors()``, ``.meta``)."""
    return get_scenario(name).run(seed=seed, **params)


def scenario_table() -> list[tuple[str, str, str]]:
    """(name, description, expected outcome) for every scenario."""
    return [(s.name, s.description, s.expected) for s in _REGISTRY.values()]


# ---------------------------------------------------------------------------- helpers
def _pair(
    seed: int, delay: float, timers: str | TimerPreset, loss: float
) -> tuple[Network, Host, Host]:
    net = Network(delay=delay, seed=seed, timers=preset(timers), loss=loss)
    return net, net.add_host("A", A_ADDR), net.add_host("B", B_ADDR)


def _connect(net: Network, a: Host, b: Host, t: float, iss: int | None, **kw: Any) -> None:
    net.at(t, lambda now: a.connect(now, A_PORT, b, B_PORT, iss=iss, **kw))


def _ep(host: Host) -> Endpoint:
    return host.endpoint()


def _close_on_eof(net: Network, host: Host, after: float, *, orphan: bool = False) -> None:
    def on_eof(ep: Endpoint, now: float) -> None:
        def do(t: float) -> None:
            if ep.fsm.can_handle("CLOSE") and ep.state is State.CLOSE_WAIT:
                ep.close(t, orphan=orphan)

        if after <= 0:
            do(now)
        else:
            net.at(now + after, do)

    host.on_eof = on_eof


#: The segments of a connection's life that the loss scenarios can drop.
LOSS_POINTS: dict[str, tuple[str, Callable[[], Rule]]] = {
    "none": ("nothing lost", lambda: Rule("drop", "ANY", where=lambda p: False)),
    "syn": ("the SYN (1st handshake segment)", lambda: Rule("drop", "SYN", sender="A")),
    "synack": ("the SYN-ACK (2nd)", lambda: Rule("drop", "SYN-ACK", sender="B")),
    "ack3": ("the ACK (3rd)", lambda: Rule("drop", "ACK", sender="A", nth=1)),
    "fin1": ("A's FIN (1st close segment)", lambda: Rule("drop", "FIN", sender="A")),
    "ack1": (
        "B's ACK of that FIN (2nd)",
        lambda: Rule("drop", "ACK", sender="B", where=lambda p: p.note == "ACK of FIN"),
    ),
    "fin2": ("B's FIN (3rd)", lambda: Rule("drop", "FIN", sender="B")),
    "ack2": (
        "the final ACK (4th), sent from TIME-WAIT",
        lambda: Rule("drop", "ACK", sender="A", where=lambda p: p.sender_state is State.TIME_WAIT),
    ),
}


def _lifecycle(
    *,
    seed: int,
    delay: float,
    timers: str | TimerPreset,
    client_iss: int | None,
    server_iss: int | None,
    loss: float,
    lose: str = "none",
    close: bool = True,
    close_at: float = 1.0,
    server_close_after: float = 0.5,
    time_wait: float | None = None,
    client_data: bytes = b"",
    server_delayed_ack: float = 0.0,
    lose_times: int | None = 1,
) -> tuple[Network, float | None]:
    if lose not in LOSS_POINTS:
        raise ValueError(f"unknown loss point {lose!r}: expected one of {', '.join(LOSS_POINTS)}")
    net, a, b = _pair(seed, delay, timers, loss)
    rule = LOSS_POINTS[lose][1]()
    rule.times = lose_times
    net.add_rule(rule)
    b.listen(B_PORT, iss=server_iss, delayed_ack=server_delayed_ack)
    kw: dict[str, Any] = {} if time_wait is None else {"time_wait": time_wait}
    _connect(net, a, b, 0.0, client_iss, **kw)
    if client_data:
        net.at(0.0, lambda t: _ep(a).send(client_data, t))
    if close:
        _close_on_eof(net, b, server_close_after)
        net.at(close_at, lambda t: _ep(a).close(t))
    return net, None


@_register(
    "connection",
    "A whole connection — handshake, then A closes at 1 s and B 0.5 s after end-of-file — "
    "with one chosen segment lost (lose = none, syn, synack, ack3, fin1, ack1, fin2, ack2).",
    "The side that sent the lost SYN, SYN-ACK or FIN retransmits it after its RTO; a lost "
    "ACK is repaired by the retransmission it provokes, never resent by itself.",
    (2, 3),
    lose="none",
    close=True,
)
def _connection(
    *, lose: str = "none", close: bool = True, **p: Any
) -> tuple[Network, float | None]:
    return _lifecycle(lose=lose, close=close, **p)


# ---------------------------------------------------------------------------- handshake
@_register(
    "handshake",
    "The three-way handshake: SYN seq=x; SYN-ACK seq=y ack=x+1; ACK ack=y+1.",
    "Both sides ESTABLISHED after 3 segments (1.5 RTT); no retransmissions.",
    (2,),
)
def _handshake(**p: Any) -> tuple[Network, float | None]:
    return _lifecycle(close=False, **p)


@_register(
    "handshake-lost-syn",
    "The client's first SYN is lost.",
    "A retransmits the SYN (same seq=x) after its 1 s initial RTO; B sees only that one; "
    "both ESTABLISHED at ≈1.15 s. B never knew.",
    (2,),
    losses=1,
)
def _hs_lost_syn(*, losses: int = 1, **p: Any) -> tuple[Network, float | None]:
    return _lifecycle(lose="syn", close=False, lose_times=losses, **p)


@_register(
    "handshake-lost-synack",
    "The server's SYN-ACK is lost.",
    "A's SYN retransmission (1 s) reaches B in SYN-RECEIVED just as B's SYN-ACK timer "
    "falls due; Linux answers the SYN with the SYN-ACK again and re-arms the timer, so "
    "no second SYN-ACK follows: SYN, SYN-ACK (lost), SYN, SYN-ACK, ACK (as on Linux 6.18). "
    "With timers='rfc' the SYN draws an ACK and B's timer resends. Both ESTABLISHED.",
    (2,),
)
def _hs_lost_synack(**p: Any) -> tuple[Network, float | None]:
    return _lifecycle(lose="synack", close=False, **p)


@_register(
    "handshake-lost-ack",
    "The third segment (A's ACK) is lost.",
    "A is ESTABLISHED, B stays in SYN-RECEIVED until its SYN-ACK timer (1 s) retransmits "
    "the SYN-ACK; A answers with an ACK and B becomes ESTABLISHED. A lost ACK is never "
    "retransmitted by itself. (With client_data, A's data segment carries the ACK and "
    "completes the handshake first.)",
    (2,),
    client_data=b"",
)
def _hs_lost_ack(*, client_data: bytes = b"", **p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(lose="ack3", close=False, **p)
    if client_data:
        a = net.hosts["A"]
        net.at(0.5, lambda t: _ep(a).send(client_data, t))
    return net, until


@_register(
    "syn-timeout",
    "Nobody answers: every SYN is lost (server unreachable, SYNs filtered).",
    "Linux ≥ 6.5: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s (tcp_syn_retries 6 + "
    "tcp_syn_linear_timeouts 4); A gives up at 131 s (timers=linux-pre-6.5: SYNs at 0, 1, "
    "3, 7, 15, 31, 63 s, 127 s): CLOSED, 'connection timed out'. Nothing is sent when it "
    "gives up.",
    (2,),
)
def _syn_timeout(**p: Any) -> tuple[Network, float | None]:
    return _lifecycle(lose="syn", close=False, lose_times=None, **p)


@_register(
    "synack-timeout",
    "The client vanishes right after its SYN (host crash): the server's SYN-ACKs go unanswered.",
    "B retransmits the SYN-ACK 5 times (Linux: at 1, 3, 7, 15, 31 s after the first) and "
    "drops the half-open request at 63 s, silently; the listener carries on.",
    (2, 7),
)
def _synack_timeout(**p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    a = net.hosts["A"]
    net.at(0.01, a.crash, "A crashes")
    return net, until


@_register(
    "data-on-third-segment",
    "A queues a request before the handshake completes.",
    "The third segment is an ACK that carries the data (len > 0); B delivers it on "
    "becoming ESTABLISHED. The SYN and SYN-ACK carry none.",
    (2,),
    client_data=b"GET / HTTP/1.0\r\n\r\n",
)
def _data_third(
    *, client_data: bytes = b"GET / HTTP/1.0\r\n\r\n", **p: Any
) -> tuple[Network, float | None]:
    return _lifecycle(close=False, client_data=client_data, **p)


@_register(
    "simultaneous-open",
    "A and B each do an active OPEN to the other at the same moment (fixed ports).",
    "Each receives a SYN in SYN-SENT → SYN-RECEIVED and sends SYN-ACK; each SYN-ACK "
    "acknowledges the other's SYN → both ESTABLISHED; each side then ACKs the peer's "
    "SYN-ACK (it repeats a SYN already received). Six segments, one connection (Linux "
    "6.18 on the wire; RFC 9293 Figure 8 draws four).",
    (2,),
)
def _simultaneous_open(
    *,
    seed: int,
    delay: float,
    timers: str | TimerPreset,
    client_iss: int | None,
    server_iss: int | None,
    loss: float,
) -> tuple[Network, float | None]:
    net, a, b = _pair(seed, delay, timers, loss)
    net.at(0.0, lambda t: a.connect(t, A_PORT, b, B_PORT, iss=client_iss))
    net.at(0.0, lambda t: b.connect(t, B_PORT, a, A_PORT, iss=server_iss))
    return net, None


@_register(
    "old-duplicate-syn",
    "A delayed old SYN from a long-gone connection attempt reaches B (handshake='three-way'"
    " or 'two-way').",
    "Three-way: B answers SYN-ACK, A (no such connection) answers RST, B goes back to "
    "LISTEN — no connection was ever handed to B's application. Two-way variant: B is "
    "ESTABLISHED at once, its application has accepted a connection nobody wanted, "
    "which A's RST then resets (or, with client_up=False, which B holds indefinitely).",
    (2,),
    handshake="three-way",
    client_up=True,
)
def _old_dup_syn(
    *,
    seed: int,
    delay: float,
    timers: str | TimerPreset,
    client_iss: int | None,
    server_iss: int | None,
    loss: float,
    handshake: str = "three-way",
    client_up: bool = True,
) -> tuple[Network, float | None]:
    if handshake not in ("three-way", "two-way"):
        raise ValueError(f"handshake = {handshake!r}: expected 'three-way' or 'two-way'")
    net, a, b = _pair(seed, delay, timers, loss)
    b.listen(B_PORT, iss=server_iss, two_way=handshake == "two-way")
    old_iss = 90 if client_iss is None else client_iss
    old = Segment(
        seq=old_iss,
        flags=Flags.SYN,
        src_addr=A_ADDR,
        src_port=A_PORT,
        dst_addr=B_ADDR,
        dst_port=B_PORT,
    )
    if not client_up:
        net.at(0.0, a.crash, "A is down")
    net.inject(0.5, old, sent_at=0.0, note="old duplicate SYN")
    return net, (None if client_up else 200.0)


def _old_dup_syn_two_way(**p: Any) -> tuple[Network, float | None]:
    return _old_dup_syn(handshake="two-way", **p)


_REGISTRY["old-duplicate-syn-two-way"] = Scenario(
    "old-duplicate-syn-two-way",
    "The same old duplicate SYN against a two-way handshake variant (NOT TCP).",
    _REGISTRY["old-duplicate-syn"].expected,
    _old_dup_syn_two_way,
    {"client_up": True},
    (2,),
)


# ---------------------------------------------------------------------------- closing
@_register(
    "close-four-way",
    "A closes first; B ACKs at once, its application closes 0.5 s later.",
    "FIN (A, FIN-WAIT-1) → ACK (B, CLOSE-WAIT; A FIN-WAIT-2) → FIN (B, LAST-ACK) → ACK "
    "(A, TIME-WAIT). B is CLOSED on that ACK; A leaves TIME-WAIT 60 s later (Linux; "
    "2·MSL = 240 s with timers='rfc').",
    (3,),
    server_close_after=0.5,
)
def _close4(*, server_close_after: float = 0.5, **p: Any) -> tuple[Network, float | None]:
    return _lifecycle(server_close_after=server_close_after, **p)


@_register(
    "close-three-way",
    "A sends a request first, so B is in delayed-ACK mode (Linux: ~40 ms after data has "
    "been received); A closes at 1 s and B's application closes 10 ms after end-of-file.",
    "B's ACK of the FIN waits and rides on B's FIN: FIN, FIN+ACK, ACK. A goes FIN-WAIT-1 → "
    "TIME-WAIT directly (no FIN-WAIT-2). Linux does this only after receiving data: with "
    "nothing received it ACKs a FIN at once (a four-way close, facts.md §13).",
    (3,),
    server_delayed_ack=0.04,
    server_close_after=0.01,
    client_data=b"GET /\r\n",
)
def _close3(
    *,
    server_delayed_ack: float = 0.04,
    server_close_after: float = 0.01,
    client_data: bytes = b"GET /\r\n",
    **p: Any,
) -> tuple[Network, float | None]:
    return _lifecycle(
        server_delayed_ack=server_delayed_ack,
        server_close_after=server_close_after,
        client_data=client_data,
        **p,
    )


def _close_loss(lose: str) -> Callable[..., tuple[Network, float | None]]:
    def build(**p: Any) -> tuple[Network, float | None]:
        return _lifecycle(lose=lose, **p)

    return build


for _name, _lose, _desc, _exp in (
    (
        "close-lost-fin1",
        "fin1",
        "A's FIN is lost.",
        "A (FIN-WAIT-1) retransmits its FIN after its RTO; B never saw the first one; the "
        "close then completes normally.",
    ),
    (
        "close-lost-ack1",
        "ack1",
        "B's ACK of A's FIN is lost.",
        "A, still in FIN-WAIT-1, retransmits the FIN; B (CLOSE-WAIT) ACKs it again. The lost "
        "ACK is not retransmitted by itself.",
    ),
    (
        "close-lost-fin2",
        "fin2",
        "B's FIN is lost.",
        "B (LAST-ACK) retransmits its FIN after its RTO; A waits in FIN-WAIT-2 meanwhile, "
        "then ACKs and enters TIME-WAIT.",
    ),
    (
        "close-lost-ack2",
        "ack2",
        "The final ACK is lost — 2MSL reason (a).",
        "B (LAST-ACK) retransmits its FIN; A, still in TIME-WAIT, ACKs it again and restarts "
        "its TIME-WAIT timer. B closes cleanly. Only a TCB in TIME-WAIT can answer that FIN.",
    ),
):
    _REGISTRY[_name] = Scenario(
        _name, _desc, _exp, _close_loss(_lose), {"server_close_after": 0.5}, (3, 4)
    )


@_register(
    "timewait-too-short",
    "2MSL reason (a) without TIME-WAIT: the final ACK is lost and A's TIME-WAIT is cut to 0.1 s.",
    "B retransmits its FIN, which now finds no TCB at A: A answers RST, and B's "
    "application gets 'connection reset' instead of a clean close.",
    (4,),
    time_wait=0.1,
    server_close_after=0.5,
)
def _tw_short(
    *, time_wait: float = 0.1, server_close_after: float = 0.5, **p: Any
) -> tuple[Network, float | None]:
    return _lifecycle(lose="ack2", time_wait=time_wait, server_close_after=server_close_after, **p)


@_register(
    "simultaneous-close",
    "A and B close at the same moment.",
    "Both FINs cross: each side goes FIN-WAIT-1 → CLOSING on the peer's FIN, → TIME-WAIT "
    "on the ACK of its own. Both sides end in TIME-WAIT.",
    (3,),
)
def _simultaneous_close(**p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    a, b = net.hosts["A"], net.hosts["B"]
    net.at(1.0, lambda t: _ep(a).close(t))
    net.at(1.0, lambda t: _ep(b).close(t))
    return net, until


@_register(
    "half-close",
    "A sends a request and closes its direction; B keeps sending its reply for 1.5 s.",
    "A is in FIN-WAIT-2 while B (CLOSE-WAIT) sends 3 chunks; A receives and ACKs them all, "
    "then B closes. Why the close needs four segments: B's ACK and FIN are separate.",
    (3,),
    chunks=3,
)
def _half_close(*, chunks: int = 3, **p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    a, b = net.hosts["A"], net.hosts["B"]
    net.at(0.5, lambda t: _ep(a).send(b"request", t))
    net.at(0.6, lambda t: _ep(a).close(t))

    def part(k: int) -> Callable[[float], object]:
        return lambda t: _ep(b).send(f"reply part {k + 1};".encode(), t)

    for k in range(chunks):
        net.at(1.0 + 0.5 * k, part(k))
    net.at(1.0 + 0.5 * chunks, lambda t: _ep(b).close(t))
    return net, until


@_register(
    "fin-wait-2-timeout",
    "A closes (close(): orphaned) while B's application never closes.",
    "A waits in FIN-WAIT-2 for 60 s (Linux tcp_fin_timeout) and is deleted silently. When "
    "B finally closes (t = 100 s) its FIN meets no TCB: RST, B sees 'connection reset'.",
    (3,),
    server_close_at=100.0,
)
def _fw2(*, server_close_at: float = 100.0, **p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    a, b = net.hosts["A"], net.hosts["B"]
    net.at(1.0, lambda t: _ep(a).close(t, orphan=True))
    net.at(server_close_at, lambda t: _ep(b).close(t))
    return net, until


# ---------------------------------------------------------------------------- TIME-WAIT (b)
@_register(
    "timewait-old-duplicate-data",
    "2MSL reason (b): a duplicate of B's data wanders 20 s in the network; A reuses the same "
    "4-tuple as soon as TIME-WAIT allows, and both incarnations use the same ISNs.",
    "With TIME-WAIT 5 s (too short) the new incarnation exists when the old duplicate "
    "arrives: it sits exactly at RCV.NXT and is accepted — A's application reads the OLD "
    "bytes, the real new data is then dropped as a duplicate: corrupted. With time_wait ≥ "
    "the duplicate's lifetime (e.g. 60 s) it meets TIME-WAIT and is discarded (TIME-WAIT "
    "ACKs it; B, now CLOSED, answers that ACK with an RST, which — Linux default "
    "tcp_rfc1337 = 0 — ends TIME-WAIT early: RFC 1337's 'assassination').",
    (4,),
    time_wait=5.0,
    dup_delay=20.0,
    reconnect_at=10.0,
    reply_delay=12.0,
)
def _tw_old_data(
    *,
    seed: int,
    delay: float,
    timers: str | TimerPreset,
    client_iss: int | None,
    server_iss: int | None,
    loss: float,
    time_wait: float = 5.0,
    dup_delay: float = 20.0,
    reconnect_at: float = 10.0,
    reply_delay: float = 12.0,
) -> tuple[Network, float | None]:
    net, a, b = _pair(seed, delay, timers, loss)
    x = 1000 if client_iss is None else client_iss
    y = 5000 if server_iss is None else server_iss
    b.listen(B_PORT, iss=y)  # the same ISS for every incarnation: sequence spaces overlap
    net.add_rule(
        Rule(
            "duplicate",
            "DATA",
            sender="B",
            extra=dup_delay,
            description=f"a copy wanders {dup_delay:g} s",
        )
    )
    incarnation = {"n": 0}

    def on_est(ep: Endpoint, now: float) -> None:
        incarnation["n"] += 1
        msg = b"OLD-DATA" if incarnation["n"] == 1 else b"NEW-DATA"
        wait = 0.5 if incarnation["n"] == 1 else reply_delay
        net.at(now + wait, lambda t: ep.send(msg, t) if ep.state is State.ESTABLISHED else None)

    b.on_established = on_est
    _close_on_eof(net, b, 0.01)
    net.at(0.0, lambda t: a.connect(t, A_PORT, b, B_PORT, iss=x, time_wait=time_wait))
    net.at(1.5, lambda t: _ep(a).close(t))

    def reconnect(t: float) -> None:
        old = a.conns.get(_ep(a).four_tuple)  # type: ignore[arg-type]
        if old is not None and old.state is not State.CLOSED:
            # connect() would fail (4-tuple in TIME-WAIT): try again when it ends.
            due = old.next_timer()
            net.at(max(t, due if due is not None else t) + 0.001, reconnect)
            return
        a.connect(t, A_PORT, b, B_PORT, iss=x, time_wait=time_wait)

    net.at(reconnect_at, reconnect)
    return net, None


# ---------------------------------------------------------------------------- things go wrong
@_register(
    "connection-refused",
    "A connects to a port where nothing listens.",
    "B has no TCB and no listener: it answers the SYN with <SEQ=0><ACK=x+1><CTL=RST,ACK>; "
    "A (SYN-SENT) accepts the RST and reports 'connection refused'.",
    (8,),
)
def _refused(
    *,
    seed: int,
    delay: float,
    timers: str | TimerPreset,
    client_iss: int | None,
    server_iss: int | None,
    loss: float,
) -> tuple[Network, float | None]:
    net, a, b = _pair(seed, delay, timers, loss)
    _connect(net, a, b, 0.0, client_iss)
    return net, None


@_register(
    "rebooted-client",
    "A crashes (no FIN, no RST), reboots and reconnects from the same port with a new ISS; "
    "B still has the old connection ESTABLISHED.",
    "A's SYN hits the ESTABLISHED TCB: B sends a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>; "
    "A (SYN-SENT) finds the ACK unacceptable and sends RST seq=SEG.ACK, which is exactly "
    "B's RCV.NXT: B resets the old connection. Linux re-sends A's SYN at TCP_TIMEOUT_MIN "
    "(8 ms after its RST; timers='rfc': at the next RTO, 1 s) and it opens a fresh "
    "connection.",
    (8,),
    new_client_iss=None,
)
def _rebooted(*, new_client_iss: int | None = None, **p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    a, b = net.hosts["A"], net.hosts["B"]
    net.at(0.5, lambda t: _ep(a).send(b"hello", t))
    net.at(5.0, a.crash, "A crashes")
    net.at(6.0, lambda t: a.reboot(t), "A reboots")
    net.at(7.0, lambda t: a.connect(t, A_PORT, b, B_PORT, iss=new_client_iss))
    return net, until


@_register(
    "keepalive-dead-peer",
    "A has keepalive on; B's host crashes at t = 10 s (peer='down') or crashes and "
    "reboots (peer='rebooted').",
    "peer='down': after 7200 s of silence A sends 9 probes 75 s apart, hears nothing and "
    "aborts 75 s after the last one (7875 s after the last segment heard): RST+ACK "
    "(Linux; a bare RST with timers='rfc'), "
    "'connection timed out'. peer='rebooted': the first probe meets no TCB and draws an "
    "RST at RCV.NXT: 'connection reset'.",
    (8,),
    peer="down",
)
def _keepalive(*, peer: str = "down", **p: Any) -> tuple[Network, float | None]:
    if peer not in ("down", "rebooted"):
        raise ValueError(f"peer = {peer!r}: expected 'down' or 'rebooted'")
    seed, delay, timers, loss = p["seed"], p["delay"], p["timers"], p["loss"]
    net, a, b = _pair(seed, delay, timers, loss)
    b.listen(B_PORT, iss=p["server_iss"])
    _connect(net, a, b, 0.0, p["client_iss"], keepalive=True)
    net.at(1.0, lambda t: _ep(a).send(b"ping", t))
    net.at(10.0, b.crash, "B crashes")
    if peer == "rebooted":
        net.at(60.0, lambda t: b.reboot(t), "B reboots")
    return net, None


@_register(
    "rst-injection",
    "Three forged RSTs reach B on an ESTABLISHED connection: out of window, in window, "
    "and exactly at RCV.NXT (RFC 5961 §3).",
    "Out of window: dropped silently. In window but not exact: B sends a challenge ACK and "
    "stays ESTABLISHED. Exactly RCV.NXT: B resets ('connection reset').",
    (8,),
)
def _rst_injection(**p: Any) -> tuple[Network, float | None]:
    net, until = _lifecycle(close=False, **p)
    b = net.hosts["B"]

    def forge(offset: int) -> Callable[[float], None]:
        def go(t: float) -> None:
            ep = _ep(b)
            seg = Segment(
                seq=(ep.rcv_nxt + offset) % (1 << 32),
                flags=Flags.RST,
                src_addr=A_ADDR,
                src_port=A_PORT,
                dst_addr=B_ADDR,
                dst_port=B_PORT,
            )
            net.inject(
                t + 0.05, seg, sent_at=t, note=f"forged RST (RCV.NXT{offset:+d})", fate="forged"
            )

        return go

    net.at(1.0, forge(1 << 20), "attacker: RST far outside the window")
    net.at(2.0, forge(1000), "attacker: RST inside the window")
    net.at(3.0, forge(0), "attacker: RST at exactly RCV.NXT")
    return net, until


@_register(
    "lossy-transfer",
    "A sends 20 kB over a channel that loses 10 % of segments at random (seeded).",
    "Every byte arrives exactly once and in order despite the losses; which segments are "
    "lost — and so the retransmissions — depend only on the seed.",
    (3,),
    size=20000,
    loss=0.1,
)
def _lossy(*, size: int = 20000, **p: Any) -> tuple[Network, float | None]:
    net, _ = _lifecycle(close=False, **p)
    a = net.hosts["A"]
    payload = bytes((i * 7) % 251 for i in range(size))
    net.at(0.5, lambda t: _ep(a).send(payload, t))
    return net, 600.0


def _unused(p: Packet) -> bool:  # pragma: no cover - keeps Packet imported for users' rules
    return p.index > 0
