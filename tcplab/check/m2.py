"""Module 2 exercises: the three-way handshake — numbers, retries, losses, why three."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tcplab import seq
from tcplab.check._core import (
    Choice,
    Field,
    FieldSpec,
    Incorrect,
    Mistake,
    MultipleChoice,
    Spec,
    as_float,
    as_state,
    fields,
    register,
    seq_field,
)
from tcplab.check._model import HANDSHAKE, retransmitters, run_script
from tcplab.check._words import as_word
from tcplab.timers import PRESETS, RetransmissionTimeline, RetryRule, TimerPreset

_SYN_CONSUMES = "a SYN consumes a sequence number, so the next expected number is ISN+1"
# The server's numbers built from the client's ISN (x, or x+1 as if the SYN were the server's).
_FROM_CLIENT_ISN = tuple(
    Mistake(wrong, "that is built from the client's ISN; this one is the server's")
    for wrong in (
        lambda p, want: p["client_isn"],
        lambda p, want: seq.add(p["client_isn"], 1),
    )
)


@register
class HandshakeNumbers(FieldSpec):
    label = "2_ex_1"
    kind = "compute"
    topic = "SEQ/ACK of the three segments (and data in the third) across the wrap"
    title = "Handshake arithmetic"

    answer_fields = (
        seq_field(
            "syn_ack_seq",
            *_FROM_CLIENT_ISN,
            (1, "the server's SYN+ACK carries its own ISN; nothing is consumed yet"),
        ),
        seq_field(
            "syn_ack_ack",
            Mistake(
                lambda p, want: p["server_isn"],
                "an ACK number acknowledges the *other* side's numbers",
            ),
            (-1, _SYN_CONSUMES),
            (1, "the client's SYN consumes exactly one number"),
        ),
        seq_field(
            "ack_seq", (-1, "the client's SYN used up its ISN: the next segment starts at ISN+1")
        ),
        seq_field(
            "ack_ack",
            *_FROM_CLIENT_ISN,
            (-1, "the server's SYN consumes a sequence number too"),
        ),
        seq_field(
            "server_ack_after_data",
            (lambda p: -p["data"], "the server acknowledges the data bytes as well"),
            (-1, "the SYN's sequence number comes before the data"),
            (1, "a pure ACK consumes nothing, only the data bytes and the SYN do"),
        ),
    )
    praise = "x, x+1, y, y+1 — and the data advances ACK by its length, modulo 2^32."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        data = rng.randint(100, 1460)
        # The client's ISN sits just below 2^32 so its numbers wrap during the exercise.
        client_isn = seq.MOD - rng.randint(1, data)
        return {"client_isn": client_isn, "server_isn": rng.randrange(seq.MOD), "data": data}

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            f"A client with ISN `{p['client_isn']}` connects to a server whose ISN is "
            f"`{p['server_isn']}`. The client's third segment (the ACK) already carries "
            f"`{p['data']}` bytes of data, and the server acknowledges them.\n\n"
            "Give, as integers in 0 … 2^32−1:\n\n"
            "- `syn_ack_seq`, `syn_ack_ack` — SEQ and ACK of the server's SYN+ACK;\n"
            "- `ack_seq`, `ack_ack` — SEQ and ACK of the client's third segment;\n"
            "- `server_ack_after_data` — the ACK number the server sends once it has all "
            "of that data.\n\n"
            f"Answer with a dict: `answer = {{{keys}}}`."
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


class RetryTimeline(Spec):
    """One retransmission timeline exercise, parametrized by the segment that is retried.

    The kernel the student's numbers assume is drawn per student (today's Linux, with
    linear SYN timeouts, or Linux before 6.5) and named in the question; the expected
    times come from the timer presets' one retransmission rule (:mod:`tcplab.timers`).
    """

    kind = "compute"
    segment: ClassVar[str]
    who: ClassVar[str]
    knob: ClassVar[str]
    retries_range: ClassVar[tuple[int, int]]
    setting: ClassVar[str]
    ends: ClassVar[str]
    praise: ClassVar[str]

    def rule(self, preset: TimerPreset, retries: int) -> RetryRule:
        raise NotImplementedError

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"kernel": rng.choice(_KERNELS), "retries": rng.randint(*self.retries_range)}

    def timeline(self, p: Mapping[str, Any]) -> RetransmissionTimeline:
        return self.rule(PRESETS[p["kernel"]], p["retries"]).timeline()

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            f"{self.setting} {self.who} runs **{_KERNEL_WORDS[p['kernel']]}**, with "
            f"`net.ipv4.{self.knob} = {p['retries']}` and the initial RTO of 1 s.\n\n"
            f"{_KERNEL_RULES[p['kernel']]}\n\n"
            f"List the times (seconds after the first {self.segment}) at which "
            f"{self.segment}s are sent, and the time at which {self.ends}.\n\n"
            'Answer with a dict: `answer = {"send_times": [...], "gives_up_at": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        tl = self.timeline(p)
        return {"send_times": list(tl.send_times), "gives_up_at": tl.give_up}

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: gives_up_at is judged against the student's own send times (last send + one
        # more, doubled, timeout) and the gaps between them.
        d = fields(answer, ["send_times", "gives_up_at"])
        times = d["send_times"]
        if isinstance(times, str) or not isinstance(times, list | tuple):
            raise Incorrect("send_times should be a list of times in seconds, e.g. [0, ...]")
        got = [as_float(t, "each send time") for t in times]
        self._diagnose(p, got, as_float(d["gives_up_at"], "gives_up_at"))
        return self.praise

    def confusions(self, p: Mapping[str, Any]) -> list[tuple[RetransmissionTimeline, str]]:
        """Schedules a student may compute by applying the wrong rule, and what to say."""
        other = next(k for k in _KERNELS if k != p["kernel"])
        return [(self.rule(PRESETS[other], p["retries"]).timeline(), _WRONG_KERNEL[p["kernel"]])]

    def _diagnose(self, p: Mapping[str, Any], got: list[float], end: float) -> None:
        tl, seg, n = self.timeline(p), self.segment, p["retries"]
        want = list(tl.send_times)
        if _close(got, want) and abs(end - tl.give_up) < 1e-6:
            return
        for wrong, say in self.confusions(p):
            if list(wrong.send_times) != want and _close(got, list(wrong.send_times)):
                raise Incorrect(say)
        if len(got) == len(want) - 1:
            raise Incorrect(
                f"you listed {len(got)} {seg}s: {self.knob} counts *re*transmissions, and "
                f"the first {seg} is not one of them"
            )
        if len(got) != len(want):
            raise Incorrect(
                f"you listed {len(got)} {seg}s: count the first transmission plus one per "
                f"retransmission ({self.knob} = {n}; read the rules for this kernel again)"
            )
        if got and got[0] != 0:
            raise Incorrect("the first transmission is at t = 0")
        gaps = [b - a for a, b in itertools.pairwise(got)]
        if len(gaps) >= 2 and len(set(gaps)) == 1:
            raise Incorrect(
                "your gaps are all equal: apart from any linear timeouts, each timeout "
                "doubles the RTO (exponential backoff)"
            )
        if not _close(got, want):
            raise Incorrect(f"some {seg} times are off: check each gap against the rules above")
        if abs(end - got[-1]) < 1e-6:
            raise Incorrect(
                f"after the last {seg} the sender still waits one more timeout before giving up"
            )
        if gaps and abs(end - (got[-1] + gaps[-1])) < 1e-6:
            raise Incorrect("the final wait doubles too, like the timeouts before it")
        raise Incorrect("gives_up_at is off: it is the last send time plus one more timeout")


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True))


_KERNELS = ("linux", "linux-pre-6.5")
_KERNEL_WORDS = {
    "linux": "Linux 6.5 or later (today's kernels)",
    "linux-pre-6.5": "a Linux kernel older than 6.5",
}
_KERNEL_RULES = {
    "linux": (
        "Since Linux 6.5, `net.ipv4.tcp_syn_linear_timeouts = 4`: for the SYN of an active "
        "open (`connect()`), the first 4 timeouts keep the RTO at its initial value, and "
        "the kernel allows `tcp_syn_retries + tcp_syn_linear_timeouts` retransmissions. "
        "After the linear ones, every timeout doubles the RTO. A SYN+ACK (passive open) "
        "is not affected: its RTO doubles from the first timeout, and "
        "`tcp_synack_retries` counts its retransmissions."
    ),
    "linux-pre-6.5": (
        "Before Linux 6.5 there is no `tcp_syn_linear_timeouts`: every timeout doubles the "
        "RTO, for the SYN of an active open and for a SYN+ACK alike, and "
        "`tcp_syn_retries` / `tcp_synack_retries` count the retransmissions."
    ),
}
_WRONG_KERNEL = {
    "linux": (
        "that is the schedule of Linux before 6.5; this kernel has tcp_syn_linear_timeouts "
        "= 4 (the question says which kernel your numbers assume)"
    ),
    "linux-pre-6.5": (
        "that is today's Linux (6.5 and later), with linear SYN timeouts; this kernel is "
        "older and doubles the RTO at every timeout"
    ),
}


@register
class SynRetries(RetryTimeline):
    label = "2_ex_2"
    topic = "Linux SYN retransmission timeline and connect() timeout, before and since 6.5"
    title = "When does connect() give up?"
    segment = "SYN"
    who = "The client"
    knob = "tcp_syn_retries"
    retries_range = (3, 6)  # ≥ 3: there Linux's count and time limits give the same end
    setting = "A client calls `connect()` to a host that never answers (every SYN is lost)."
    ends = "`connect()` fails with a timeout"
    praise = (
        "right. With the defaults (6 retries) today's Linux gives up at 131 s and Linux "
        "before 6.5 at 127 s — both sooner than RFC 9293's MUST-23 (at least 3 minutes)."
    )

    def rule(self, preset: TimerPreset, retries: int) -> RetryRule:
        return preset.with_(syn_retries=retries).syn_rule()


@register
class SynAckRetries(RetryTimeline):
    label = "2_ex_3"
    topic = "SYN-ACK retransmissions and when a half-open request expires (tcp_synack_retries)"
    title = "How long does a half-open request live?"
    segment = "SYN+ACK"
    who = "The server"
    knob = "tcp_synack_retries"
    retries_range = (2, 5)
    setting = (
        "A server receives a SYN, answers with a SYN+ACK, and never hears from the client "
        "again; it is under no load (no pruning of the SYN queue)."
    )
    ends = "the request is dropped from the SYN queue"
    praise = (
        "right. Linux's default of 5 retries keeps a half-open request for 63 s, on every "
        "kernel version — which is what a SYN flood exploits."
    )

    def rule(self, preset: TimerPreset, retries: int) -> RetryRule:
        return preset.with_(synack_retries=retries).synack_rule()

    def confusions(self, p: Mapping[str, Any]) -> list[tuple[RetransmissionTimeline, str]]:
        linear = PRESETS["linux"].with_(syn_retries=p["retries"]).syn_rule().timeline()
        return [
            (
                linear,
                "tcp_syn_linear_timeouts applies only to the SYN of an active open "
                "(connect()); a SYN+ACK's RTO doubles from the first timeout",
            )
        ]


_SIDES = ("client", "server", "both")


_PURE_ACK = "a pure ACK is never retransmitted by itself — nothing tells the client it was lost"


def _if_ack_lost(side: str) -> Callable[[Mapping[str, Any], Any], str | None]:
    """The wrong answer ``side`` — a mistake only when the lost segment is the ACK."""
    return lambda p, want: side if p["lost"] == "ACK" else None


@register
class HandshakeLoss(FieldSpec):
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

    answer_fields = (
        Field(
            "client",
            read=as_state,
            otherwise=lambda p, want: (
                ": a side changes state when it *sends* the ACK"
                if p["lost"] == "ACK"
                else ": which segments has the client received so far?"
            ),
        ),
        Field(
            "server",
            read=as_state,
            otherwise=": which segments has the server received so far?",
        ),
        Field(
            "retransmits",
            read=lambda value, what: as_word(value, _SIDES, what),
            mistakes=tuple(Mistake(_if_ack_lost(side), _PURE_ACK) for side in ("client", "both")),
            otherwise=": a side retransmits while its own SYN is unacknowledged",
        ),
    )
    praise = "right: whoever still waits for the ACK of its SYN retransmits."


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
