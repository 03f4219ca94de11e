"""Module 2 exercises: the three-way handshake — numbers, retries, losses, why three."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from typing import Any

from tcplab import seq
from tcplab.check._core import (
    Choice,
    Incorrect,
    MultipleChoice,
    NotSolved,
    Spec,
    as_float,
    as_int,
    as_state,
    fields,
    is_untouched,
    register,
    seq_diagnosis,
)
from tcplab.check._model import HANDSHAKE, retransmit_schedule, retransmitters, run_script


@register
class HandshakeNumbers(Spec):
    label = "2_ex_1"
    kind = "compute"
    topic = "SEQ/ACK of the three segments (and data in the third) across the wrap"
    title = "Handshake arithmetic"

    KEYS = ("syn_ack_seq", "syn_ack_ack", "ack_seq", "ack_ack", "server_ack_after_data")

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        data = rng.randint(100, 1460)
        # The client's ISN sits just below 2^32 so its numbers wrap during the exercise.
        client_isn = seq.MOD - rng.randint(1, data)
        return {"client_isn": client_isn, "server_isn": rng.randrange(seq.MOD), "data": data}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            f"A client with ISN `{p['client_isn']}` connects to a server whose ISN is "
            f"`{p['server_isn']}`. The client's third segment (the ACK) already carries "
            f"`{p['data']}` bytes of data, and the server acknowledges them.\n\n"
            "Give, as integers in 0 … 2^32−1:\n\n"
            "- `syn_ack_seq`, `syn_ack_ack` — SEQ and ACK of the server's SYN+ACK;\n"
            "- `ack_seq`, `ack_ack` — SEQ and ACK of the client's third segment;\n"
            "- `server_ack_after_data` — the ACK number the server sends once it has all "
            "of that data.\n\n"
            f"Answer with a dict: `answer = {{{', '.join(repr(k) + ': ...' for k in self.KEYS)}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, int]:
        x, y = p["client_isn"], p["server_isn"]
        return {
            "syn_ack_seq": y,
            "syn_ack_ack": seq.add(x, 1),  # the SYN consumed x
            "ack_seq": seq.add(x, 1),
            "ack_ack": seq.add(y, 1),  # the server's SYN consumed y
            "server_ack_after_data": seq.add(x, 1 + p["data"]),
        }

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        d = fields(answer, self.KEYS)
        want = self._expected(p)
        syn = "a SYN consumes a sequence number, so the next expected number is ISN+1"
        reasons: dict[str, dict[int, str]] = {
            "syn_ack_seq": {1: "the server's SYN+ACK carries its own ISN; nothing is consumed yet"},
            "syn_ack_ack": {-1: syn, 1: "the client's SYN consumes exactly one number"},
            "ack_seq": {-1: "the client's SYN used up its ISN: the next segment starts at ISN+1"},
            "ack_ack": {-1: "the server's SYN consumes a sequence number too"},
            "server_ack_after_data": {
                -1: "the SYN's sequence number comes before the data",
                -p["data"]: "the server acknowledges the data bytes as well",
                1: "a pure ACK consumes nothing, only the data bytes and the SYN do",
            },
        }
        swapped = {"syn_ack_seq": p["client_isn"], "ack_ack": seq.add(p["client_isn"], 1)}
        for key in self.KEYS:
            got = as_int(d[key], key)
            if key in swapped and got == swapped[key] and got != want[key]:
                raise Incorrect(
                    f"{key}: that is built from the client's ISN; this one is the server's"
                )
            if key == "syn_ack_ack" and got == p["server_isn"]:
                raise Incorrect(f"{key}: an ACK number acknowledges the *other* side's numbers")
            seq_diagnosis(got, want[key], key, reasons[key])
        return "x, x+1, y, y+1 — and the data advances ACK by its length, modulo 2^32."


def _schedule_answer(answer: Any, retries: int, what: str) -> tuple[list[float], float]:
    d = fields(answer, ["send_times", "gives_up_at"])
    times = d["send_times"]
    if isinstance(times, str) or not hasattr(times, "__iter__"):
        raise Incorrect("send_times should be a list of times in seconds, e.g. [0, ...]")
    got = [as_float(t, "each send time") for t in times]
    return got, as_float(d["gives_up_at"], "gives_up_at")


def _diagnose_schedule(got: list[float], end: float, retries: int, what: str, knob: str) -> None:
    want, want_end = retransmit_schedule(retries)
    if len(got) == retries:
        raise Incorrect(
            f"you listed {retries} {what}s: {knob} counts *re*transmissions, and the first "
            f"{what} is not one of them"
        )
    if len(got) != len(want):
        raise Incorrect(
            f"you listed {len(got)} {what}s: count the first transmission plus one per retry"
        )
    if got and got[0] != 0:
        raise Incorrect("the first transmission is at t = 0")
    gaps = [b - a for a, b in itertools.pairwise(got)]
    if len(gaps) >= 2 and len(set(gaps)) == 1:
        raise Incorrect(
            "your gaps are all equal: after each timeout the RTO doubles (exponential backoff)"
        )
    if any(abs(g - w) > 1e-6 for g, w in zip(got, want, strict=True)):
        if gaps and abs(gaps[0] - 1) > 1e-6:
            raise Incorrect("the first retransmission comes after the initial RTO of 1 s")
        raise Incorrect(
            f"some {what} times are off: the gap starts at 1 s and doubles after each timeout"
        )
    if abs(end - got[-1]) < 1e-6:
        raise Incorrect(
            f"after the last {what} the sender still waits one more timeout before giving up"
        )
    if gaps and abs(end - (got[-1] + gaps[-1])) < 1e-6:
        raise Incorrect("the final wait doubles too, like every other timeout")
    if abs(end - want_end) > 1e-6:
        raise Incorrect("gives_up_at is off: it is the last send time plus one more doubled RTO")


@register
class SynRetries(Spec):
    label = "2_ex_2"
    kind = "compute"
    topic = "Linux SYN retransmission timeline and connect() timeout (tcp_syn_retries)"
    title = "When does connect() give up?"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"retries": rng.randint(2, 5)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "A client calls `connect()` to a host that never answers (every SYN is lost). "
            f"The administrator has set `net.ipv4.tcp_syn_retries = {p['retries']}`; the "
            "initial RTO is Linux's 1 s, and each timeout doubles it.\n\n"
            "List the times (seconds after the first SYN) at which SYNs are sent, and the "
            "time at which `connect()` fails with a timeout.\n\n"
            'Answer with a dict: `answer = {"send_times": [...], "gives_up_at": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        times, end = retransmit_schedule(p["retries"])
        return {"send_times": times, "gives_up_at": end}

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        got, end = _schedule_answer(answer, p["retries"], "SYN")
        _diagnose_schedule(got, end, p["retries"], "SYN", "tcp_syn_retries")
        return "right. With Linux's default of 6 retries this gives the familiar 127 s."


@register
class SynAckRetries(Spec):
    label = "2_ex_3"
    kind = "compute"
    topic = "SYN-ACK retransmissions and when a half-open request expires (tcp_synack_retries)"
    title = "How long does a half-open request live?"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"retries": rng.randint(2, 4)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "A server receives a SYN, answers with a SYN+ACK, and never hears from the client "
            "again. It runs Linux with `net.ipv4.tcp_synack_retries = "
            f"{p['retries']}`, an initial RTO of 1 s doubled after each timeout, and no "
            "load (no pruning).\n\n"
            "List the times (seconds after the first SYN+ACK) at which SYN+ACKs are sent, "
            "and the time at which the request is dropped from the SYN queue.\n\n"
            'Answer with a dict: `answer = {"send_times": [...], "gives_up_at": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        times, end = retransmit_schedule(p["retries"])
        return {"send_times": times, "gives_up_at": end}

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        got, end = _schedule_answer(answer, p["retries"], "SYN+ACK")
        _diagnose_schedule(got, end, p["retries"], "SYN+ACK", "tcp_synack_retries")
        return (
            "right. Linux's default of 5 retries keeps a half-open request for 63 s — "
            "which is what a SYN flood exploits."
        )


_SIDES = ("client", "server", "both")


@register
class HandshakeLoss(Spec):
    label = "2_ex_4"
    kind = "predict"
    topic = "a lost handshake segment: both sides' states and who retransmits"
    title = "One handshake segment is lost"

    SEGMENTS = ("SYN", "SYN-ACK", "ACK")

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"lost": rng.choice(self.SEGMENTS)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            f"A client opens a connection to a listening server, and the handshake's "
            f"**{p['lost']}** segment is lost (everything before it arrived). Consider the "
            "moment just after the loss, before any timer fires, with no data to send.\n\n"
            "- `client`, `server`: the state each side is in;\n"
            '- `retransmits`: who will retransmit something — `"client"`, `"server"` or '
            '`"both"`.\n\n'
            'Answer with a dict: `answer = {"client": ..., "server": ..., "retransmits": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        states = run_script(HANDSHAKE, lost=p["lost"])
        who = retransmitters(states)
        return {**states, "retransmits": "both" if len(who) == 2 else next(iter(who))}

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        d = fields(answer, ["client", "server", "retransmits"])
        want = self._expected(p)
        client = as_state(d["client"], "client")
        server = as_state(d["server"], "server")
        who = d["retransmits"]
        if is_untouched(who):
            raise NotSolved("retransmits is still ... : fill it in")
        if not isinstance(who, str) or who.strip().lower() not in _SIDES:
            raise Incorrect(f'retransmits should be "client", "server" or "both"; got {who!r}')
        who = who.strip().lower()
        problems = []
        if client is not want["client"]:
            if p["lost"] == "ACK":
                problems.append("client: a side changes state when it *sends* the ACK")
            else:
                problems.append("client: which segments has the client received so far?")
        if server is not want["server"]:
            problems.append("server: which segments has the server received so far?")
        if who != want["retransmits"]:
            if p["lost"] == "ACK" and who in ("client", "both"):
                problems.append(
                    "retransmits: a pure ACK is never retransmitted by itself — nothing tells "
                    "the client it was lost"
                )
            else:
                problems.append(
                    "retransmits: a side retransmits while its own SYN is unacknowledged"
                )
        if problems:
            raise Incorrect("; ".join(problems))
        return "right: whoever still waits for the ACK of its SYN retransmits."


@register
class WhyThree(MultipleChoice):
    label = "2_ex_5"
    kind = "explain"
    topic = "why three segments and not two"
    title = "Why a three-way handshake?"

    prompt = "Why does TCP open a connection with three segments rather than two?"
    choices = (
        Choice(
            "With two, the server would treat every SYN as a new connection — including a "
            "delayed duplicate SYN from an old attempt — and commit resources to it. The "
            "third segment lets the client confirm a current SYN (or reset an old one), so "
            "each side knows the other has its ISN.",
            correct=True,
            why="right: the third segment is the client's confirmation of the server's ISN, "
            "and the protection against old duplicate SYNs.",
        ),
        Choice(
            "The client learns the server's initial sequence number only from the third segment.",
            why="the client learns the server's ISN from the SYN+ACK, the second segment. "
            "Ask instead what the *server* still does not know after two segments.",
        ),
        Choice(
            "The window size can only be sent in a pure ACK, so a third segment is needed "
            "to carry it.",
            why="every segment carries a window field, including the SYN and the SYN+ACK.",
        ),
        Choice(
            "A connection only counts as open once the first data byte has been sent, and "
            "the third segment carries it.",
            why="the third segment may carry data but need not: a pure ACK completes the "
            "handshake.",
        ),
        Choice(
            "Two segments would work just as well; the third is kept only for compatibility "
            "with RFC 793.",
            why="try the old-duplicate-SYN experiment on the two-way variant in the notebook: "
            "the server is left holding a connection nobody asked for.",
        ),
    )
