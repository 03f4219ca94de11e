"""Module 3 exercises: closing — FIN arithmetic, close variants, losses, half-close."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tcplab import seq
from tcplab.check._core import (
    Choice,
    Field,
    FieldSpec,
    Idea,
    Incorrect,
    Mistake,
    MultipleChoice,
    NotSolved,
    Spec,
    ValueSpec,
    as_state,
    is_untouched,
    register,
    rubric,
    seq_field,
)
from tcplab.check._model import FOUR_WAY_CLOSE, retransmitters, run_script
from tcplab.check._words import as_word
from tcplab.fsm import Event, State, TcpStateMachine

_FIN = "a FIN consumes one sequence number, like a byte of data"


def _minus_data(extra: int = 0) -> Callable[[Mapping[str, Any]], int]:
    return lambda p: -p["data"] - extra


@register
class CloseNumbers(FieldSpec):
    label = "3_ex_1"
    kind = "compute"
    topic = "SEQ/ACK of a four-way close with data sent during the half-close"
    title = "Close arithmetic, with a half-close"

    answer_fields = (
        seq_field("server_ack", (-1, _FIN), (1, "the client's FIN consumes exactly one number")),
        seq_field(
            "server_fin_seq",
            (
                _minus_data(),
                "the server sent data after its ACK (the half-close): those bytes come "
                "before its FIN",
            ),
            (1, "the FIN's SEQ is the number it consumes, the next unused one"),
        ),
        seq_field(
            "last_ack_seq",
            (-1, "the client's FIN used up its number; the next segment starts after it"),
            (1, "the final ACK carries no data and no FIN, so it consumes nothing"),
        ),
        seq_field(
            "last_ack_ack",
            (-1, _FIN),
            (_minus_data(1), "the client acknowledges the half-close data and the server's FIN"),
            (_minus_data(), "the client acknowledges the half-close data too"),
        ),
    )
    praise = "right: each FIN consumes one number, the final ACK none, all modulo 2^32."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        data = rng.randint(50, 4000)
        client_nxt = seq.MOD - 1 if rng.random() < 0.5 else rng.randrange(seq.MOD)
        server_nxt = seq.MOD - rng.randint(1, data)  # its data runs across the wrap
        return {"client_nxt": client_nxt, "server_nxt": server_nxt, "data": data}

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            "A connection is ESTABLISHED and idle. The client's SND.NXT is "
            f"`{p['client_nxt']}`, the server's SND.NXT is `{p['server_nxt']}`. The client "
            "closes: it sends a FIN. The server acknowledges it at once, then sends "
            f"`{p['data']}` more bytes of data (the client still receives — a half-close), "
            "then closes too. The client acknowledges everything.\n\n"
            "Give, as integers in 0 … 2^32−1:\n\n"
            "- `server_ack` — the ACK number of the server's first reply;\n"
            "- `server_fin_seq` — the SEQ of the server's FIN;\n"
            "- `last_ack_seq`, `last_ack_ack` — SEQ and ACK of the client's final ACK.\n\n"
            f"Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, int]:
        c, s, n = p["client_nxt"], p["server_nxt"], p["data"]
        return {
            "server_ack": seq.add(c, 1),  # the client's FIN consumed c
            "server_fin_seq": seq.add(s, n),  # the data came first
            "last_ack_seq": seq.add(c, 1),  # a pure ACK consumes nothing
            "last_ack_ack": seq.add(s, n + 1),  # the server's FIN consumed one
        }


_SCENARIOS: dict[str, tuple[str, tuple[Event, ...]]] = {
    "four-way": (
        "You close first. The peer's ACK of your FIN arrives; a while later the peer's FIN "
        "arrives; eventually your timer expires.",
        (Event.CLOSE, Event.RCV_ACK, Event.RCV_FIN, Event.TIMEOUT),
    ),
    "merged": (
        "You close first. The peer had nothing left to send, so its reply is a single "
        "segment with FIN set whose ACK covers your FIN; eventually your timer expires.",
        (Event.CLOSE, Event.RCV_FIN_ACK, Event.TIMEOUT),
    ),
    "simultaneous": (
        "You and the peer close at the same moment: the peer's FIN (which does not yet "
        "acknowledge yours) arrives before any ACK of your FIN; then the ACK of your FIN "
        "arrives; eventually your timer expires.",
        (Event.CLOSE, Event.RCV_FIN, Event.RCV_ACK, Event.TIMEOUT),
    ),
    "passive": (
        "The peer closes first: its FIN arrives. Your application reads end-of-file, "
        "finishes, and closes; then the ACK of your FIN arrives.",
        (Event.RCV_FIN, Event.CLOSE, Event.RCV_ACK),
    ),
}


def _path(events: tuple[Event, ...]) -> list[State]:
    m = TcpStateMachine(state=State.ESTABLISHED)
    return [State.ESTABLISHED, *(t.target for t in m.run(list(events)))]


def _as_states(value: Any, what: str) -> list[State]:
    """A list of states, each read with :func:`as_state`."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise Incorrect("answer with a list of states, from ESTABLISHED to CLOSED")
    if any(is_untouched(a) for a in value):
        raise NotSolved("some states in your list are still ...")
    return [as_state(a, "each state") for a in value]


def _in_scenario(*scenarios: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda p: p["scenario"] in scenarios


_CLOSES_FIRST = _in_scenario("four-way", "merged", "simultaneous")
_PASSIVE = _in_scenario("passive")


@register
class ClosePath(ValueSpec):
    label = "3_ex_2"
    kind = "predict"
    topic = "states of a close: four-way, merged FIN+ACK, simultaneous, passive"
    title = "Which states does the close pass through?"

    answer_field = Field(
        "your states",
        read=_as_states,
        mistakes=(
            Mistake(
                when=lambda p, got, want: (
                    not got or got[0] is not State.ESTABLISHED or got[-1] is not State.CLOSED
                ),
                say="the list should start with ESTABLISHED and end with CLOSED",
            ),
            Mistake(
                when=lambda p, got, want: _in_scenario("merged")(p) and State.FIN_WAIT_2 in got,
                say="FIN-WAIT-2 means 'my FIN is acknowledged, the peer's FIN has not come "
                "yet'; here both arrive in one segment",
            ),
            Mistake(
                when=lambda p, got, want: (
                    _in_scenario("simultaneous")(p) and State.FIN_WAIT_2 in got
                ),
                say="the peer's FIN arrived while your own FIN was still unacknowledged: that "
                "is not FIN-WAIT-2, there is a state for exactly this case",
            ),
            Mistake(
                when=lambda p, got, want: _CLOSES_FIRST(p) and State.TIME_WAIT not in got,
                say="the side that closes first always waits before deleting its TCB",
            ),
            Mistake(
                when=lambda p, got, want: _PASSIVE(p) and State.TIME_WAIT in got,
                say="only the side that sends the last ACK waits; the passive closer doesn't",
            ),
            Mistake(
                when=lambda p, got, want: (
                    _PASSIVE(p) and any(s.name.startswith("FIN_WAIT") for s in got)
                ),
                say="FIN-WAIT states belong to the side that closes first",
            ),
            Mistake(
                when=lambda p, got, want: len(got) != len(want),
                say=lambda p, got, want: (
                    f"your list has {len(got)} states; count one per event plus the start"
                ),
            ),
        ),
        otherwise="some states are out of place; follow the events one by one",
    )
    praise = "right — every arc you used is a row of fsm.TRANSITIONS."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"scenario": rng.choice(sorted(_SCENARIOS))}

    def question(self, p: Mapping[str, Any]) -> str:
        story, _ = _SCENARIOS[p["scenario"]]
        return (
            f"Your side of a connection is ESTABLISHED. {story}\n\n"
            "List every state your side is in, from ESTABLISHED to CLOSED inclusive, in "
            'order: `answer = ["ESTABLISHED", ..., "CLOSED"]`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> list[State]:
        return _path(_SCENARIOS[p["scenario"]][1])


@register
class ThreeWayCloseLastSegment(MultipleChoice):
    label = "3_ex_3"
    kind = "explain"
    topic = "the last segment of a three-way close: what it is, and why"
    title = "The three-way close"

    prompt = (
        "When the passive side has nothing left to send, a close can take three segments "
        "instead of four: FIN, then FIN+ACK, then a third segment. What is the third "
        "segment, and why?"
    )
    choices = (
        Choice(
            "A pure ACK from the side that closed first: it acknowledges the peer's FIN, "
            "which consumes a sequence number and so must be acknowledged.",
            correct=True,
            why="right: the merge saves one segment on the passive side; the last segment is "
            "still the active closer's ACK, after which it enters TIME-WAIT.",
        ),
        Choice(
            "A second FIN from the side that closed first, confirming the close.",
            why="that side's FIN was the first segment, and each side sends one FIN. A FIN "
            "needs an acknowledgment; an ACK needs none.",
        ),
        Choice(
            "An RST, since a three-way close is an abort.",
            why="an RST aborts without any FIN exchange; the three-way close is an orderly "
            "close, only shorter.",
        ),
        Choice(
            "Nothing needs to follow the FIN+ACK; the third segment is optional.",
            why="the FIN inside the FIN+ACK consumes a sequence number: if nobody "
            "acknowledges it, its sender retransmits it until it gives up.",
        ),
        Choice(
            "A FIN+ACK from the side that closed first, so that both sides have sent one.",
            why="the side that closed first already sent its FIN in the first segment; "
            "sending FIN again would start a loop of acknowledgments.",
        ),
    )


@register
class CloseLoss(FieldSpec):
    label = "3_ex_4"
    kind = "predict"
    topic = "a lost segment in the four-way close: states, who retransmits what"
    title = "One closing segment is lost"

    SEGMENTS = ("FIN-1", "ACK-1", "FIN-2", "ACK-2")
    _NAMES: ClassVar[dict[str, str]] = {
        "FIN-1": "the client's FIN",
        "ACK-1": "the server's ACK of that FIN",
        "FIN-2": "the server's FIN",
        "ACK-2": "the client's final ACK",
    }

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"lost": rng.choice(self.SEGMENTS)}

    answer_fields = (
        *(
            Field(
                side,
                read=as_state,
                otherwise=f": which closing segments has the {side} sent and received?",
            )
            for side in ("client", "server")
        ),
        Field(
            "retransmits",
            read=lambda value, what: as_word(value, ("client", "server"), what),
            otherwise=": whose FIN is still waiting for its acknowledgment?",
        ),
        Field(
            "segment",
            read=lambda value, what: as_word(value, ("FIN", "ACK"), what),
            otherwise=": a lost ACK is never retransmitted by itself; the timer that runs "
            "belongs to a segment that consumed a sequence number",
        ),
    )
    report = "all"  # the four parts are independent: name every wrong one
    praise = "right: the FIN's sender retransmits; the other side just ACKs the copy."

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "An ESTABLISHED connection is closed with four segments: the client's FIN "
            "(FIN-1), the server's ACK (ACK-1), the server's FIN (FIN-2, sent once its "
            "application has closed) and the client's final ACK (ACK-2). This time "
            f"**{p['lost']}** — {self._NAMES[p['lost']]} — is lost; everything before it "
            "arrived. Consider the moment just after the loss, before any timer fires.\n\n"
            "- `client`, `server`: each side's state;\n"
            '- `retransmits`: `"client"` or `"server"` — whose timer will resend something;\n'
            '- `segment`: what that side resends, `"FIN"` or `"ACK"`.\n\n'
            'Answer with a dict: `answer = {"client": ..., "server": ..., "retransmits": ..., '
            '"segment": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        states = run_script(FOUR_WAY_CLOSE, lost=p["lost"])
        (who,) = retransmitters(states)
        # The retransmission timer only runs for unacknowledged SYN/FIN (and data).
        return {**states, "retransmits": who, "segment": "FIN"}


@register
class WhyHalfClose(Spec):
    label = "3_ex_5"
    kind = "explain"
    topic = "why the passive side's ACK and FIN are separate (half-close)"
    title = "Why four segments to close?"

    IDEAS = (
        Idea(
            "data",
            (
                r"still (send|sending|transmit|write|writing|have|has)",
                r"more data",
                r"data (left|remaining|to send|pending|queued|in flight)",
                r"(keep|continue)s? (to )?send",
                r"not (yet )?(done|finished)",
                r"half.?clos",
                r"unsent",
                r"one direction",
            ),
            "Say what the passive side may still do in its own direction after the peer's FIN.",
        ),
        Idea(
            "application",
            (
                r"applica",
                r"\bapp\b",
                r"program",
                r"process",
                r"close\(\)",
                r"shutdown",
                r"\buser\b",
                r"calls? close",
                r"server code",
            ),
            "Say who decides when the passive side's FIN is sent (the ACK is sent by TCP at "
            "once; the FIN is not).",
        ),
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "In the four-way close, the passive side answers the peer's FIN with an ACK and "
            "sends its own FIN separately, later. In one or two sentences: why are they not "
            'always sent together? Answer as a string: `answer = "..."`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> str:
        return (
            "The ACK is sent by TCP as soon as the FIN arrives, but the FIN only when the "
            "passive side's application has finished sending and calls close(): until then "
            "it may still send data (half-close)."
        )

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: an explanation, checked by a keyword rubric, not a value.
        rubric(
            answer,
            self.IDEAS,
            wrong={
                r"\brst\b|reset": "RST plays no part in an orderly close.",
                r"fin (is|are) (an? )?ack": "a FIN and an ACK are different flags.",
            },
        )
        return (
            "right: the ACK is TCP's business and goes at once; the FIN waits for the "
            "application, which may still be sending (half-close)."
        )
