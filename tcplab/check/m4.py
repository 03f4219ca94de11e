"""Module 4 exercises: TIME-WAIT — its length, port exhaustion, why 2·MSL, cutting it short.

Expected answers come from :mod:`tcplab.timers` (Linux's fixed 60 s TIME-WAIT, RFC 9293's
2·MSL), :mod:`tcplab.fsm` (what an RST does in TIME-WAIT) and the simulator's scenario
``timewait-too-short`` (:mod:`tcplab.sim.scenarios`, imported on first use).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from tcplab.check._core import (
    Choice,
    Field,
    FieldSpec,
    Mistake,
    MultipleChoice,
    as_bool,
    as_float,
    as_state,
    close_enough,
    register,
)
from tcplab.check._words import as_word
from tcplab.fsm import Event, State, TcpStateMachine
from tcplab.timers import LINUX, RFC

_RANGES = (
    (32768, 60999),
    (1024, 65535),
    (49152, 65535),
    (10000, 65000),
    (20000, 40000),
    (40000, 59999),
    (15000, 44999),
)


def _ports(p: Mapping[str, Any]) -> int:
    return int(p["hi"]) - int(p["lo"]) + 1


def _rate_field(name: str, tw: float, other: float, *extra: Mistake) -> Field:
    """Connections per second = ports ÷ TIME-WAIT, with the typical slips."""
    return Field(
        name,
        read=as_float,
        same=lambda got, want: close_enough(got, want, 0.01),
        mistakes=(
            Mistake(
                lambda p, want: _ports(p) / other,
                "that is the other stack's TIME-WAIT; Linux fixes it at TCP_TIMEWAIT_LEN, "
                "the RFC uses 2·MSL",
            ),
            *extra,
            Mistake(
                lambda p, want: _ports(p) * tw,
                "divide the number of ports by the TIME-WAIT length",
            ),
            Mistake(lambda p, want: want * 60, "give a rate per second, not per minute"),
        ),
        otherwise="is off: every connection holds its port for one TIME-WAIT after it closes",
    )


@register
class PortExhaustion(FieldSpec):
    label = "4_ex_1"
    kind = "compute"
    topic = "TIME-WAIT length (Linux 60 s vs RFC 2·MSL) and client port exhaustion"
    title = "How many connections per second before the ports run out?"

    answer_fields = (
        Field(
            "ports",
            mistakes=(
                Mistake(
                    lambda p, want: want - 1, "is one short: both ends of the range are usable"
                ),
            ),
            otherwise=": count the port numbers from the low end to the high end",
        ),
        _rate_field("linux_per_s", LINUX.time_wait, RFC.time_wait),
        _rate_field(
            "rfc_per_s",
            RFC.time_wait,
            LINUX.time_wait,
            Mistake(lambda p, want: _ports(p) / RFC.msl, "TIME-WAIT lasts two MSLs, not one"),
        ),
        Field(
            "target_ok_on_linux",
            read=as_bool,
            otherwise=": compare the target rate with your linux_per_s",
        ),
    )
    praise = (
        "right: ports ÷ TIME-WAIT. A client that needs more opens connections to several "
        "server ports/addresses, lets the server close first, or relies on timestamps "
        "(tcp_tw_reuse)."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        lo, hi = rng.choice(_RANGES)
        return {"lo": lo, "hi": hi, "target": rng.choice([200, 300, 500, 800, 1000, 1500, 2000])}

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            "A client opens many short connections, one after another, to **one** server "
            "address and port, and always closes first (so the client's side of every "
            "connection goes through TIME-WAIT). Its local ports come from the range "
            f"`{p['lo']}`–`{p['hi']}` (both ends included). A 4-tuple cannot be reused "
            "while its previous connection is still in TIME-WAIT, and `tcp_tw_reuse` does "
            "not help here (its default, 2, only applies to loopback traffic).\n\n"
            "- `ports`: how many local ports the range holds;\n"
            "- `linux_per_s`: the highest rate of new connections (per second) the client "
            "can sustain on Linux;\n"
            "- `rfc_per_s`: the same for a stack whose TIME-WAIT lasts 2·MSL with RFC 9293's "
            "MSL;\n"
            f"- `target_ok_on_linux`: can the Linux client sustain {p['target']} new "
            "connections per second? (True/False)\n\n"
            f"Rates within 1 %. Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        ports = _ports(p)
        linux = ports / LINUX.time_wait  # each port is busy for one TIME-WAIT
        return {
            "ports": ports,
            "linux_per_s": linux,
            "rfc_per_s": ports / RFC.time_wait,
            "target_ok_on_linux": p["target"] <= linux,
        }


@register
class WhyTwoMsl(MultipleChoice):
    label = "4_ex_2"
    kind = "explain"
    topic = "which reason for TIME-WAIT needs 2·MSL, and why (correcting a common claim)"
    title = "Why 2·MSL and not 1·MSL?"

    prompt = (
        "TIME-WAIT has two reasons: (a) if the final ACK is lost, the peer retransmits its "
        "FIN, and only an endpoint still in TIME-WAIT can answer it with an ACK; (b) old "
        "duplicate segments of the connection must be gone before a new connection with the "
        "same 4-tuple can receive them. A tutorial claims: *reason (b) needs only 1·MSL, "
        "because every segment dies within one MSL; the factor 2 comes from reason (a), "
        "the final ACK's trip plus the retransmitted FIN's trip.* Which statement is right?"
    )
    choices = (
        Choice(
            "The claim is wrong about (b). The peer can still send segments of the old "
            "connection (a retransmitted FIN, say) until the final ACK reaches it, up to one "
            "MSL after the ACK left; a copy of such a segment can then survive one more MSL. "
            "So old segments may still arrive up to 2·MSL after TIME-WAIT starts.",
            correct=True,
            why="right: segments leave the peer up to one MSL after the final ACK was sent, "
            "and live up to one MSL more. At 1·MSL a worst-case duplicate is still in flight.",
        ),
        Choice(
            "The claim is right: every segment of the old connection was sent before the "
            "final ACK, so one MSL after it the network is clean.",
            why="not every segment was sent before the final ACK: until that ACK arrives, the "
            "peer keeps (re)sending — and that can be up to one MSL after it left.",
        ),
        Choice(
            "The claim is right, and Linux shows it: its 60 s TIME-WAIT is one MSL.",
            why="Linux's TCP_TIMEWAIT_LEN is a fixed engineering choice, not derived from an "
            "MSL; RFC 9293's MSL is 2 minutes, so 60 s is not one MSL either.",
        ),
        Choice(
            "Reason (b) needs no waiting at all: ISNs are chosen so that an old segment can "
            "never fall into the new connection's window.",
            why="good ISNs make that unlikely, not impossible — the course's simulation "
            "reuses a 4-tuple too early and the old data is accepted.",
        ),
        Choice(
            "Both reasons need only 1·MSL; the factor 2 is a safety margin for clocks that "
            "run at different speeds.",
            why="the factor 2 is not a clock margin: trace when the peer's last segment can "
            "leave and how long it can live.",
        ),
    )


def _tw_runs(p: Mapping[str, Any], time_wait: float) -> Any:
    from tcplab.sim.scenarios import run_scenario  # the simulator: loaded only when needed

    return run_scenario(
        "timewait-too-short",
        seed=p["seed"],
        time_wait=time_wait,
        delay=p["delay"],
        timers=p["timers"],
    )


def _fin_gap(result: Any) -> float:
    """Seconds from A entering TIME-WAIT (its lost ACK) to B's retransmitted FIN reaching A."""
    lost = next(r for r in result.records if r["fate"] == "lost")
    fin = next(
        r
        for r in result.records
        if r["sender"] == "B" and r["kind"] == "FIN" and r["note"].startswith("retransmission")
    )
    return float(fin["arrive"] - lost["time"])


@register
class TimeWaitCutShort(FieldSpec):
    label = "4_ex_3"
    kind = "predict"
    topic = "the final ACK is lost: what the peer sees with and without TIME-WAIT"
    title = "The final ACK is lost"

    answer_fields = (
        Field(
            "a_state",
            read=as_state,
            otherwise=": compare when the FIN copy arrives with how long A waits after "
            "sending its final ACK",
        ),
        Field(
            "a_replies",
            read=lambda value, what: as_word(
                value, ("ACK", "RST", "nothing"), what, {"none": "nothing"}
            ),
            otherwise=lambda p, want: (
                ": A still has its TCB, so it recognises the FIN as a retransmission and "
                "answers it as the lost segment would have"
                if want == "ACK"  # only a TCB in TIME-WAIT answers with an ACK
                else ": A has deleted its TCB; a segment for a connection that does not "
                "exist gets no ACK"
            ),
        ),
        Field(
            "b_sees",
            read=lambda value, what: as_word(
                value,
                ("clean close", "connection reset"),
                what,
                {
                    "reset": "connection reset",
                    "ECONNRESET": "connection reset",
                    "close": "clean close",
                },
            ),
            otherwise=": follow A's reply to B, in LAST-ACK, and what it does there",
        ),
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        timers = rng.choice(["linux", "rfc"])
        p: dict[str, Any] = {
            "seed": rng.randrange(1000),
            "delay": rng.choice([0.01, 0.02, 0.05, 0.1]),
            "timers": timers,
        }
        full = (LINUX if timers == "linux" else RFC).time_wait
        gap = _fin_gap(_tw_runs(p, full))
        short = rng.random() < 0.5
        p["gap"] = round(gap, 3)
        p["time_wait"] = round(gap * rng.uniform(0.2, 0.6), 3) if short else full
        return p

    def question(self, p: Mapping[str, Any]) -> str:
        stack = "Linux's" if p["timers"] == "linux" else "RFC 9293's"
        return (
            "Client A closes a connection first; server B answers with its own FIN; A "
            "acknowledges it and enters TIME-WAIT — but that final ACK is lost. B, in "
            "LAST-ACK, retransmits its FIN when its retransmission timer expires (timers "
            f"are {stack}); the copy reaches A **{p['gap']} s** after A entered TIME-WAIT. "
            f"A's TIME-WAIT lasts **{p['time_wait']} s** in this run.\n\n"
            "- `a_state`: A's state when the retransmitted FIN arrives;\n"
            '- `a_replies`: what A sends in reply: `"ACK"`, `"RST"` or `"nothing"`;\n'
            '- `b_sees`: what B\'s application gets: `"clean close"` or '
            '`"connection reset"`.\n\n'
            'Answer with a dict: `answer = {"a_state": ..., "a_replies": ..., "b_sees": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        r = _tw_runs(p, p["time_wait"])
        fin = next(
            x
            for x in r.records
            if x["sender"] == "B" and x["kind"] == "FIN" and x["note"].startswith("retrans")
        )
        reply = next((x for x in r.records if x["id"] > fin["id"] and x["sender"] == "A"), None)
        errors = r.errors()["B"]
        return {
            "a_state": fin["dst_state_before"],
            "a_replies": "nothing" if reply is None else reply["kind"],
            "b_sees": "connection reset" if "connection reset" in errors else "clean close",
        }

    def praise_for(self, p: Mapping[str, Any], want: Any) -> str:
        if want["a_state"] is State.TIME_WAIT:
            return "right: this is reason (a) — only a TCB in TIME-WAIT can give B its ACK."
        return "right: without TIME-WAIT the FIN meets no TCB and B's close ends in an error."


@register
class TimeWaitAssassination(FieldSpec):
    label = "4_ex_4"
    kind = "predict"
    topic = "an RST in TIME-WAIT: tcp_rfc1337 and TIME-WAIT assassination on Linux"
    title = "An RST arrives in TIME-WAIT"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"rfc1337": rng.choice([0, 1]), "t": rng.randint(2, int(LINUX.time_wait) - 2)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "A Linux host is in TIME-WAIT (it lasts 60 s there). "
            f"**{p['t']} s** into it, a segment with RST set and SEQ exactly equal to "
            "RCV.NXT arrives (for instance, the peer's answer to an ACK that TIME-WAIT sent "
            "for an old duplicate). RFC 1337 calls what may happen next *TIME-WAIT "
            f"assassination*. On this host `net.ipv4.tcp_rfc1337 = {p['rfc1337']}`.\n\n"
            "- `linux_default`: the default value of `net.ipv4.tcp_rfc1337` (an int);\n"
            "- `state_after`: this host's state for the connection right after the RST;\n"
            "- `remaining_s`: for how many more seconds the 4-tuple stays in TIME-WAIT "
            "(0 if it is gone).\n\n"
            'Answer with a dict: `answer = {"linux_default": ..., "state_after": ..., '
            '"remaining_s": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        if p["rfc1337"]:
            # tcp_rfc1337 = 1: tcp_timewait_state_process() ignores the RST.
            after = State.TIME_WAIT
        else:
            m = TcpStateMachine(state=State.TIME_WAIT)
            after = m.handle(Event.RCV_RST).target  # RFC 9293 Note 3: RST → CLOSED
        remaining = LINUX.time_wait - p["t"] if after is State.TIME_WAIT else 0.0
        return {"linux_default": 0, "state_after": after, "remaining_s": remaining}

    answer_fields = (
        Field(
            "linux_default",
            otherwise=": the knob's documentation reads the wrong way round; the default is "
            "the value under which Linux does *not* apply the RFC's fix",
        ),
        Field(
            "state_after",
            read=as_state,
            otherwise=lambda p, want: (
                ": with this setting Linux follows the RFC's fix: what does it say to do "
                "with such an RST?"
                if p["rfc1337"]
                else ": with this setting Linux does what an acceptable RST does in any "
                "synchronized state"
            ),
        ),
        Field(
            "remaining_s",
            read=as_float,
            same=lambda got, want: close_enough(got, want, 0.01) or (want == 0 and abs(got) < 1e-6),
            mistakes=(
                Mistake(
                    lambda p, want: LINUX.time_wait if want else None,
                    "the RST does not restart the timer",
                ),
                Mistake(
                    lambda p, want: RFC.time_wait - p["t"] if want else None,
                    "this is Linux, whose wait is not 2·MSL",
                ),
            ),
            otherwise=lambda p, want: (
                ": subtract the time already spent waiting"
                if p["rfc1337"]
                else ": a wait that has been killed has no time left"
            ),
        ),
    )
    praise = (
        "right: with the default 0 an RST at RCV.NXT ends TIME-WAIT early — the "
        "protection against old duplicates goes with it."
    )
