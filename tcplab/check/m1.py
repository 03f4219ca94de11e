"""Module 1 exercises: segments, sequence-number consumption and the state machine."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from tcplab import seq
from tcplab.check._core import (
    Field,
    Incorrect,
    Mistake,
    NotSolved,
    Spec,
    ValueSpec,
    as_event,
    as_state,
    fields,
    is_untouched,
    register,
    seq_field,
)
from tcplab.fsm import ARCS, TRANSITIONS, Event, Send, State, TcpStateMachine, legal_events


@register
class ConsumedNumbers(ValueSpec):
    label = "1_ex_1"
    kind = "compute"
    topic = "which segments consume sequence numbers (SYN, data, FIN; not pure ACKs)"
    title = "Counting sequence numbers"

    answer_field = seq_field(
        "your SND.NXT",
        (
            lambda p: -p["sizes"][-1],
            "every data byte consumes a sequence number; one segment is missing",
        ),
        (-1, "a SYN and a FIN each consume one sequence number; one of them is missing"),
        (-2, "the SYN and the FIN each consume one sequence number, like a byte of data"),
        (
            lambda p: p["pure_acks"],
            "pure ACKs consume no sequence numbers: only SYN, FIN and data bytes do",
        ),
        *(
            (
                lambda p, d=d: p["pure_acks"] + d,
                "pure ACKs consume no sequence numbers, and check the SYN and FIN",
            )
            for d in (-1, 1)
        ),
        show_offsets=True,  # the student knows the sizes and the ACK count anyway
    )
    praise = "SYN, data and FIN consume sequence numbers; pure ACKs don't."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        sizes = [rng.randint(10, 1460) for _ in range(rng.randint(2, 3))]
        # Start near the top of the space so the count wraps past 2^32 − 1.
        iss = seq.MOD - rng.randint(1, sum(sizes))
        return {"iss": iss, "sizes": sizes, "pure_acks": rng.randint(1, 3)}

    def question(self, p: Mapping[str, Any]) -> str:
        sizes = ", ".join(str(n) for n in p["sizes"])
        return (
            f"A client picks ISS = `{p['iss']}` and sends, in order: a SYN; after the "
            f"handshake, data segments of {sizes} bytes; {p['pure_acks']} pure ACK(s) "
            "(no data) for data the server sent; and finally a FIN.\n\n"
            "What is the client's SND.NXT after the FIN is sent, i.e. the sequence number "
            "its next byte would carry? Give an integer in 0 … 2^32−1 as `answer`."
        )

    def _expected(self, p: Mapping[str, Any]) -> int:
        total = 1 + sum(p["sizes"]) + 1  # SYN + data + FIN; pure ACKs consume nothing
        return seq.add(p["iss"], total)


def _random_walk(rng: random.Random, length: int) -> list[Event]:
    """A path of legal events from CLOSED, preferring arcs that change state."""
    m = TcpStateMachine()
    events: list[Event] = []
    for _ in range(length):
        arcs = [a for a in ARCS if a.source is m.state and a.origin in (None, m.origin)]
        moving = [a for a in arcs if a.target is not a.source]
        pool = moving if moving and rng.random() < 0.85 else arcs
        # ABORT and RST end the story early; keep them rare.
        calm = [a for a in pool if a.event not in (Event.ABORT, Event.RCV_RST)]
        arc = rng.choice(calm if calm and rng.random() < 0.9 else pool)
        events.append(arc.event)
        m.handle(arc.event)
    return events


def _run(events: list[Event]) -> list[State]:
    m = TcpStateMachine()
    return [State.CLOSED, *(m.handle(e).target for e in events)]


def _story(p: Mapping[str, Any]) -> list[State]:
    """The states of 1_ex_2's path, CLOSED first."""
    return _run([Event[n] for n in p["events"]])


def _earlier(p: Mapping[str, Any], got: State) -> int:
    """How many of the events had happened when the path was last in ``got`` (-1: never)."""
    path = _story(p)
    return max((i for i in range(len(path) - 2) if path[i] is got), default=-1)


@register
class StateAfterEvents(ValueSpec):
    label = "1_ex_2"
    kind = "predict"
    topic = "the state after a sequence of events (RFC 9293 state machine)"
    title = "Where does the connection end up?"

    answer_field = Field(
        "your state",
        read=as_state,
        mistakes=(
            Mistake(
                lambda p, want: _story(p)[-2],
                lambda p, got, want: (
                    "that is where the connection is before the last event; apply "
                    f"{p['events'][-1]} too"
                ),
            ),
            Mistake(
                when=lambda p, got, want: _earlier(p, got) >= 0,
                say=lambda p, got, want: (
                    f"the connection is in that state after {_earlier(p, got)} of the "
                    f"{len(p['events'])} events; follow the remaining events through the "
                    "transition table"
                ),
            ),
        ),
        otherwise="the connection never passes through that state on this path; go event by "
        "event and look up each (state, event) row",
    )
    praise = "right — you can check any path with TcpStateMachine().run(events)."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        for _ in range(50):
            events = _random_walk(rng, rng.randint(5, 7))
            path = _run(events)
            # Prefer stories that do not end where they started.
            if path[-1] is not State.CLOSED and path[-1] is not path[-2]:
                break
        return {"events": [e.name for e in events]}

    def question(self, p: Mapping[str, Any]) -> str:
        steps = "\n".join(f"{i}. `{n}` ({Event[n].value})" for i, n in enumerate(p["events"], 1))
        return (
            "A connection starts in CLOSED and then these events happen, in order:\n\n"
            f"{steps}\n\n"
            "(`RCV_ACK` means an ACK that acknowledges our SYN or our FIN; `RCV_FIN_ACK` a FIN "
            "whose ACK also covers our FIN.) Which state is the connection in at the end? "
            'Answer with a `State` or its name, e.g. `answer = "LISTEN"`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> State:
        return _story(p)[-1]


@register
class LegalEvents(Spec):
    label = "1_ex_3"
    kind = "predict"
    topic = "which events are legal in a state (the transition table's rows)"
    title = "What can happen in this state?"

    _STATES = (
        State.LISTEN,
        State.SYN_SENT,
        State.SYN_RECEIVED,
        State.FIN_WAIT_1,
        State.FIN_WAIT_2,
        State.CLOSE_WAIT,
        State.CLOSING,
        State.LAST_ACK,
        State.TIME_WAIT,
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"state": rng.choice(self._STATES).name}

    def question(self, p: Mapping[str, Any]) -> str:
        st = State[p["state"]]
        names = ", ".join(f"`{e.name}`" for e in Event)
        return (
            f"A connection is in **{st.rfc_name}**. Which events have a row in tcplab's "
            "transition table for this state (i.e. mean something there)? The events are "
            f"{names}.\n\nAnswer with a set of `Event`s or of their names, e.g. "
            '`answer = {"CLOSE", "RCV_RST"}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> frozenset[Event]:
        return frozenset(legal_events(State[p["state"]]))

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: one message names the extra events and, per kind (user call, segment,
        # timer), the missing ones — two set differences at once, not one hint.
        if isinstance(answer, str | bytes) or not hasattr(answer, "__iter__"):
            raise Incorrect(f"answer with a set of events, e.g. {{'CLOSE'}}; you gave {answer!r}")
        items = list(answer)
        if not items:
            raise Incorrect("the set is empty: every state has some legal events")
        got = {as_event(x, "each event") for x in items}
        want = self._expected(p)
        st = State[p["state"]]
        extra = sorted((e for e in got - want), key=lambda e: e.name)
        missing = want - got
        if not extra and not missing:
            return "right: that is exactly the set fsm.legal_events() returns."
        parts = []
        if extra:
            parts.append(f"{', '.join(e.name for e in extra)} mean(s) nothing in {st.rfc_name}")
        if missing:
            hints = []
            if any(e.is_user_call for e in missing):
                hints.append("the user can still call something here")
            if any(e.is_segment for e in missing):
                hints.append(
                    "think about every kind of segment that can arrive, including RST and SYN"
                )
            if Event.TIMEOUT in missing:
                hints.append("a timer can fire here")
            parts.append(f"you are missing {len(missing)} event(s) ({'; '.join(hints)})")
        raise Incorrect("; ".join(parts))


_SEND_NAMES = {
    "NONE": Send.NONE,
    "NOTHING": Send.NONE,
    "—": Send.NONE,
    "-": Send.NONE,
    "": Send.NONE,
    "SYN": Send.SYN,
    "SYN_ACK": Send.SYN_ACK,
    "SYN+ACK": Send.SYN_ACK,
    "SYNACK": Send.SYN_ACK,
    "ACK": Send.ACK,
    "CHALLENGE_ACK": Send.CHALLENGE_ACK,
    "CHALLENGE ACK": Send.CHALLENGE_ACK,
    "FIN": Send.FIN,
    "RST": Send.RST,
    "DATA": Send.DATA,
}


def _as_send(value: Any) -> Send:
    if is_untouched(value):
        raise NotSolved("the segment is still ... : fill it in")
    if isinstance(value, Send):
        return value
    if isinstance(value, str):
        key = value.strip().upper().replace("-", "_")
        if key in _SEND_NAMES:
            return _SEND_NAMES[key]
        if key.replace("_", " ") in _SEND_NAMES:
            return _SEND_NAMES[key.replace("_", " ")]
    raise Incorrect(
        f"{value!r} is not a segment kind; use one of {', '.join(s.name for s in Send)}"
    )


_INTERESTING = tuple(
    a
    for a in ARCS
    if a.origin is None
    and a.source is not State.CLOSED
    and a.event not in (Event.ABORT, Event.SEND)
    and len(TRANSITIONS[a.key]) == 1
)


@register
class SegmentSent(Spec):
    label = "1_ex_4"
    kind = "predict"
    topic = "next state and the segment sent for a (state, event) pair"
    title = "What does TCP send?"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        arcs = rng.sample(_INTERESTING, 2)
        return {"cases": [[a.source.name, a.event.name] for a in arcs]}

    def question(self, p: Mapping[str, Any]) -> str:
        lines = [
            f"{i}. in **{State[s].rfc_name}**, event `{e}` ({Event[e].value})"
            for i, (s, e) in enumerate(p["cases"], 1)
        ]
        return (
            "For each case, give the state the connection moves to and the segment TCP "
            "sends (one of `NONE`, `SYN`, `SYN_ACK`, `ACK`, `CHALLENGE_ACK`, `FIN`, `RST`, "
            "`DATA`):\n\n" + "\n".join(lines) + "\n\n"
            "Answer with a list of dicts in the same order: "
            '`answer = [{"state": ..., "send": ...}, {"state": ..., "send": ...}]` '
            '(states as `State`s or names like `"SYN-SENT"`, segments as `Send`s or names).'
        )

    def _expected(self, p: Mapping[str, Any]) -> list[dict[str, Any]]:
        out = []
        for s, e in p["cases"]:
            (arc,) = TRANSITIONS[(State[s], Event[e])]
            out.append({"state": arc.target, "send": arc.send})
        return out

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: a list of (state, segment) cases, each judged on both parts, every wrong
        # part named with a why for that pair of segments.
        if not isinstance(answer, list | tuple) or len(answer) != len(p["cases"]):
            raise Incorrect(f"answer with a list of {len(p['cases'])} dicts, one per case")
        problems = []
        for i, (a, want) in enumerate(zip(answer, self._expected(p), strict=True), 1):
            d = fields(a, ["state", "send"], f"case {i}")
            st = as_state(d["state"], f"case {i} state")
            send = _as_send(d["send"])
            if st is not want["state"]:
                problems.append(f"case {i}: the next state is wrong")
            if send is not want["send"]:
                why = ""
                if send is Send.RST and want["send"] is Send.CHALLENGE_ACK:
                    why = " (RFC 5961 replaced that answer in synchronized states)"
                elif send is Send.ACK and want["send"] is Send.NONE:
                    why = " (an ACK is never acknowledged: that would loop forever)"
                elif send is Send.NONE and want["send"] is Send.ACK:
                    why = " (a FIN consumes a sequence number and must be acknowledged)"
                problems.append(f"case {i}: the segment sent is wrong{why}")
        if problems:
            raise Incorrect("; ".join(problems))
        return "right; each row's `note` in fsm.TRANSITIONS says why."


@register
class ProcNetTcpCode(Spec):
    label = "1_ex_5"
    kind = "predict"
    topic = "what the kernel shows: the state column of /proc/net/tcp"
    title = "Reading /proc/net/tcp"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        letter_state = rng.choice([State.LISTEN, State.CLOSING])
        other = rng.choice([s for s in State if s not in (State.LISTEN, State.CLOSING)])
        states = [letter_state.name, other.name]
        rng.shuffle(states)
        return {"states": states}

    def question(self, p: Mapping[str, Any]) -> str:
        names = " and ".join(f"**{State[s].rfc_name}**" for s in p["states"])
        keys = ", ".join(f'"{State[s].rfc_name}": ...' for s in p["states"])
        return (
            "`/proc/net/tcp` prints each socket's state in its `st` column as Linux's "
            "`TCP_*` number from include/net/tcp_states.h. What does that column show for "
            f"a socket in {names}? Write exactly what the file shows (two characters).\n\n"
            f"Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, str]:
        out = {}
        for s in p["states"]:
            num = State[s].linux_number
            assert num is not None
            out[State[s].rfc_name] = f"{num:02X}"
        return out

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: the dict's keys are this student's states (drawn per student) and a code is
        # read as hex text; answer_fields are fixed per class.
        want = self._expected(p)
        d = fields(answer, list(want))
        codes = {State[s].linux_number: State[s] for s in State.__members__}
        for name, w in want.items():
            g = d[name]
            if isinstance(g, int) and not isinstance(g, bool):
                raise Incorrect(
                    f"{name}: give the two characters the file shows as a string, e.g. '01'"
                )
            if not isinstance(g, str):
                raise Incorrect(f"{name}: give a string such as '01'; you gave {g!r}")
            text = g.strip().upper()
            if text == w:
                continue
            try:
                as_number = int(text, 16)
            except ValueError:
                raise Incorrect(f"{name}: {g!r} is not a hexadecimal number") from None
            if text.isdigit() and int(text) == int(w, 16) >= 10:
                raise Incorrect(
                    f"{name}: the number is right but the file prints it in hexadecimal "
                    "(%02X), not decimal"
                )
            if as_number == int(w, 16):
                raise Incorrect(f"{name}: print it with two hexadecimal digits, as %02X does")
            other = codes.get(as_number)
            if other is not None:
                raise Incorrect(f"{name}: that is the code of {other.rfc_name}")
            raise Incorrect(f"{name}: no TCP state has that code; see include/net/tcp_states.h")
        return "right — Linux numbers ESTABLISHED 1 … CLOSING 11 and prints them in hex."
