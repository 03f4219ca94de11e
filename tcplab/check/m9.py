"""Module 9 exercises: packet scripts — predict the stack's segments, complete and write
scripts.

Every answer is a script line (or a whole script) in tcplab's packetdrill subset, and
every check *runs* it: the student's lines are put into the exercise's script and run on
tcplab's model (:mod:`tcplab.script`); the whole-script exercise also runs on the real
kernel where a private network namespace is available. Feedback is the first divergence
("line 6: the stack's SYN-ACK is S. 0:0(0) ack 1001 …, your line expects ack 1000"), so
the expected answers are what the model does — nothing is typed in.

In the predict exercises (9_ex_1 … 9_ex_3) the student's own lines are the answer, so
feedback on them names the field that differs ("look at the ack") but never prints the
segment the stack sent. The whole-script exercise (9_ex_4) is a build exercise: the
student writes ``script_for(state, isn)``, which the checker calls under the time limit
for every target state with the peer's ISN drawn for the student (fresh ones when graded),
and there the first divergence is shown in full, as a packet-script tool would show it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from tcplab.check._core import (
    Incorrect,
    NotSolved,
    Spec,
    as_state,
    call_student,
    fields,
    is_untouched,
    register,
)
from tcplab.fsm import State

_PRE = """\
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
"""


def _established(isn: int) -> str:
    return _PRE + (
        f"+0    < S {isn}:{isn}(0) win 65535 <mss 1460>\n"
        f"+0    > S. 0:0(0) ack {isn + 1} <mss 1460>\n"
        f"+.1   < . {isn + 1}:{isn + 1}(0) ack 1 win 65535\n"
        "+0    accept(3, ..., ...) = 4\n"
    )


@lru_cache(maxsize=256)
def _run(text: str, target: str = "model") -> Any:
    from tcplab.script import run_script
    from tcplab.script.parser import parse

    return run_script(parse(text, name="your script"), target)


def _line(answer: Any, what: str, kind: str = ">") -> str:
    """The student's line, checked: a string holding one ``>`` (or ``<``) segment line;
    a missing time becomes ``+0``."""
    if is_untouched(answer):
        raise NotSolved(f"write {what} as a script line, e.g. '+0 {kind} . 1:1(0) ack 1'")
    if not isinstance(answer, str):
        raise Incorrect(f"{what} should be a script line (a str); you gave {type(answer).__name__}")
    text = answer.strip()
    if "\n" in text:
        raise Incorrect(f"{what} should be one line; you gave {text.count(chr(10)) + 1}")
    if text.startswith((">", "<")):
        text = "+0 " + text
    if kind not in text.split(maxsplit=2)[1:2]:
        raise Incorrect(f"{what} should be a '{kind}' line (a segment the stack sends)")
    return text


def _parse_or_explain(text: str, first_own: int) -> None:
    from tcplab.script import ScriptError
    from tcplab.script.parser import parse

    try:
        parse(text)
    except ScriptError as e:
        where = "your line" if e.line >= first_own else f"line {e.line}"
        raise Incorrect(f"{where} does not parse: {e.message}") from None


def _verdict(text: str, own: set[int], target: str = "model", *, show: bool = False) -> None:
    """Run ``text``; raise Incorrect with the first divergence, in the student's terms.

    ``show=False`` (the predict exercises) never prints what the stack sent: that segment
    is the answer. It names the line and the field that differs instead.
    """
    r = _run(text, target)
    if r.error:
        raise Incorrect(f"the {target} could not run the script: {r.error}")
    f = r.first_failure
    if f is None:
        return
    who = f"line {f.lineno}" + (" (yours)" if f.lineno in own else "")
    if f.got.startswith("unexpected "):
        seg = f.got.removeprefix("unexpected ").rsplit(" at t=", 1)[0]
        what = seg if show else "a segment"
        raise Incorrect(
            f"{who}: before this line the stack sends {what}, and no '>' line expects it"
        )
    if f.got.startswith("nothing sent"):
        raise Incorrect(f"{who}: the stack sends nothing here, but the line expects {f.expected}")
    if f.expected.startswith("state "):
        raise Incorrect(f"{who}: the connection is not in {f.expected[6:]} at this point")
    got = f.got.split(" (")[0].replace(" win 65535", "")
    detail = f.got.rsplit(" (", 1)[-1].rstrip(")") if " (" in f.got else ""
    look = f" — look at the {detail.split()[0]}" if detail else ""
    if not show:
        raise Incorrect(f"{who}: the stack sends a different segment from {f.expected}{look}")
    raise Incorrect(f"{who}: the stack sends {got}; the line expects {f.expected}{look}")


@register
class PredictSynAck(Spec):
    label = "9_ex_1"
    kind = "predict"
    topic = "write the '>' line: the SYN-ACK a listener sends to a given SYN"
    title = "Predict the SYN-ACK"

    KEYS = ("synack",)

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"isn": rng.randrange(1000, 4_000_000_000), "mss": rng.choice([536, 1200, 1400])}

    def _script(self, p: Mapping[str, Any], synack: str) -> str:
        x = p["isn"]
        return _PRE + (
            f"+0    < S {x}:{x}(0) win 65535 <mss {p['mss']}>\n"
            f"{synack}\n"
            f"+.1   < . {x + 1}:{x + 1}(0) ack 1 win 65535\n"
            "+0    accept(3, ..., ...) = 4\n"
        )

    def question(self, p: Mapping[str, Any]) -> str:
        body = self._script(p, "?").replace("\n", "\n    ")
        return (
            "A listener gets the SYN below. Write line 5, the segment the stack sends back, "
            "in script notation (the stack's own sequence numbers are relative to its ISS; "
            "its MSS comes from its interface, MTU 1500).\n\n    " + body + "\n"
            'Answer: `answer = {"synack": "+0 > ..."}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, str]:
        return {"synack": f"+0    > S. 0:0(0) ack {p['isn'] + 1} <mss 1460>"}

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: the line is judged by running the script with it against the stack, not by
        # comparing text.
        d = fields(answer, self.KEYS)
        line = _line(d["synack"], "synack")
        text = self._script(p, line)
        _parse_or_explain(text, 5)
        _verdict(text, {5})
        return "right: the SYN-ACK acknowledges ISN + 1 (a SYN consumes one number)."


@register
class CompleteClose(Spec):
    label = "9_ex_2"
    kind = "predict"
    topic = "complete a script: the stack's ACKs and FIN while the peer sends data and closes"
    title = "Complete the close"

    KEYS = ("ack_data", "ack_fin", "fin")

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"n": rng.randrange(10, 1400)}

    def _script(self, p: Mapping[str, Any], a: str, b: str, c: str) -> str:
        e = 1 + p["n"]
        return _established(0) + (
            f"+.1   < P. 1:{e}({p['n']}) ack 1 win 65535\n"
            f"{a}\n"
            f"+0    read(4, ..., 2000) = {p['n']}\n"
            f"+.1   < F. {e}:{e}(0) ack 1 win 65535\n"
            f"{b}\n"
            "+.1   close(4) = 0\n"
            f"{c}\n"
            f"+.1   < . {e + 1}:{e + 1}(0) ack 2 win 65535\n"
            "+0    %state = CLOSED\n"
        )

    def question(self, p: Mapping[str, Any]) -> str:
        body = self._script(p, "(ack_data)", "(ack_fin)", "(fin)").replace("\n", "\n    ")
        return (
            "The peer sends data, then its FIN; the application reads, then closes 100 ms "
            "later. Write the three lines the stack sends (`+0 > …` each).\n\n    "
            + body
            + '\nAnswer: `answer = {"ack_data": "...", "ack_fin": "...", "fin": "..."}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, str]:
        e = 1 + p["n"]
        return {
            "ack_data": f"+0 > . 1:1(0) ack {e}",
            "ack_fin": f"+0 > . 1:1(0) ack {e + 1}",
            "fin": f"+0 > F. 1:1(0) ack {e + 1}",
        }

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: the lines are judged by running the script with them against the stack.
        d = fields(answer, self.KEYS)
        lines = [_line(d[k], k) for k in self.KEYS]
        text = self._script(p, *lines)
        _parse_or_explain(text, 9)
        _verdict(text, {9, 12, 14})
        return (
            "right: each ACK names the next byte expected; the FIN counts one, so the "
            "peer's last ACK acknowledges 2."
        )


_RST_CASES = ("exact", "in_window", "outside")


@register
class PredictRst(Spec):
    label = "9_ex_3"
    kind = "predict"
    topic = "an RST arrives on an ESTABLISHED connection: reset, challenge ACK or nothing"
    title = "What does the stack do with this RST?"

    KEYS = ("reply", "state")

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        case = rng.choice(_RST_CASES)
        seq = {"exact": 1, "in_window": rng.randrange(10, 60_000)}.get(
            case, rng.randrange(70_000, 4_000_000_000)
        )
        return {"case": case, "seq": seq}

    def _script(self, p: Mapping[str, Any], reply: str | None, state: str) -> str:
        own = f"{reply}\n" if reply else ""
        return (
            _established(0)
            + f"+.1   < R {p['seq']}:{p['seq']}(0) win 0\n"
            + own
            + f"+.1   %state = {state}\n"
        )

    def question(self, p: Mapping[str, Any]) -> str:
        body = self._script(p, "(reply)", "(state)").replace("\n", "\n    ")
        return (
            "The connection is ESTABLISHED (the peer's next sequence number is 1; the "
            "stack's receive window is 64 KiB) when this RST arrives. What does the stack "
            "send back — a script line, or `'nothing'` — and what state is it in 100 ms "
            "later? (RFC 5961 §3.2.)\n\n    " + body + "\n"
            'Answer: `answer = {"reply": "+0 > ..." or "nothing", "state": "..."}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        if p["case"] == "in_window":
            return {"reply": "+0 > . 1:1(0) ack 1", "state": State.ESTABLISHED}
        return {
            "reply": "nothing",
            "state": State.CLOSED if p["case"] == "exact" else State.ESTABLISHED,
        }

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: the reply line and state are judged by running the script against the stack.
        d = fields(answer, self.KEYS)
        st = as_state(d["state"], "state").name
        reply = d["reply"]
        line = None
        if not (isinstance(reply, str) and reply.strip().lower() in ("nothing", "none", "")):
            line = _line(reply, "reply")
        text = self._script(p, line, st)
        _parse_or_explain(text, 9)
        own = {9, 10} if line else {9}
        _verdict(text, own)
        return {
            "exact": "right: only an RST exactly at RCV.NXT resets the connection.",
            "in_window": "right: an in-window RST that is not at RCV.NXT may be forged; the "
            "challenge ACK makes a real peer resend it at the exact number.",
            "outside": "right: an RST outside the window is dropped silently.",
        }[p["case"]]


_TARGET_STATES = ("FIN_WAIT_2", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSING")
_ISN_RANGE = (1000, 4_000_000_000)  # the peer's ISN, kept clear of the 2^32 wrap


def _solution_script(state: str, isn: int) -> str:
    """A script that leaves the stack's connection in ``state`` (checked by running it).

    The peer's numbers are written as sent (its SYN is ``isn``, its first byte ``isn + 1``);
    the stack's are relative to its ISS, as in every script.
    """
    a, b = isn + 1, isn + 2
    steps = {
        "FIN_WAIT_2": [
            "+0 shutdown(4, SHUT_WR) = 0",
            f"+0 > F. 1:1(0) ack {a}",
            f"+.1 < . {a}:{a}(0) ack 2 win 65535",
        ],
        "CLOSE_WAIT": [f"+.1 < F. {a}:{a}(0) ack 1 win 65535", f"+0 > . 1:1(0) ack {b}"],
        "LAST_ACK": [
            f"+.1 < F. {a}:{a}(0) ack 1 win 65535",
            f"+0 > . 1:1(0) ack {b}",
            "+.1 close(4) = 0",
            f"+0 > F. 1:1(0) ack {b}",
        ],
        "TIME_WAIT": [
            "+0 close(4) = 0",
            f"+0 > F. 1:1(0) ack {a}",
            f"+.1 < F. {a}:{a}(0) ack 2 win 65535",
            f"+0 > . 2:2(0) ack {b}",
        ],
        "CLOSING": [
            "+0 close(4) = 0",
            f"+0 > F. 1:1(0) ack {a}",
            f"+.05 < F. {a}:{a}(0) ack 1 win 65535",
            f"+0 > . 2:2(0) ack {b}",
        ],
    }[state]
    return _established(isn) + "\n".join(steps) + "\n"


def _judge_script(text: Any, state: str, isn: int, target: str = "model") -> None:
    """Raise Incorrect unless the script ``text`` runs and ends in ``state``."""
    case = f"script_for({state!r}, {isn})"
    if not isinstance(text, str):
        raise Incorrect(f"{case} should return the script text (a str); got {type(text).__name__}")
    n_own = len(text.rstrip("\n").splitlines())
    full = text.rstrip("\n") + f"\n+0 %state = {state}\n"
    try:
        _parse_or_explain(full, 1)
        if ">" not in "".join(ln.split("//")[0] for ln in text.splitlines()):
            raise Incorrect("the script has no '>' line: predict what the stack sends")
        if f"< S {isn}:{isn}(0)" not in " ".join(text.split()):
            raise Incorrect(f"the peer's SYN should carry its ISN: '< S {isn}:{isn}(0) …'")
        _verdict(full, set(range(1, n_own + 1)), target, show=True)
    except Incorrect as e:
        if str(e).startswith(f"line {n_own + 1}:"):
            raise Incorrect(
                f"{case}: the script runs on the {target}, but the stack ends in another state: {e}"
            ) from None
        raise Incorrect(f"{case}: {e}") from None


@register
class WriteScript(Spec):
    label = "9_ex_4"
    kind = "build"
    topic = "write scripts that drive the stack into each closing state (model and kernel)"
    title = "Write a script"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        states = list(_TARGET_STATES)
        rng.shuffle(states)
        return {"cases": [(st, rng.randrange(*_ISN_RANGE)) for st in states]}

    def question(self, p: Mapping[str, Any]) -> str:
        cases = ", ".join(f"`({st!r}, {isn})`" for st, isn in p["cases"])
        return (
            "Write `script_for(state, isn)`: it returns the text of a complete script after "
            "which the stack's connection is in `state` (one of "
            f"{', '.join(_TARGET_STATES)}). Start from a listener (`socket`, `bind`, "
            "`listen`); the peer connects with a SYN whose sequence number is `isn` "
            "(`< S isn:isn(0) …`, written as sent), and every segment the stack sends needs "
            "its `>` line. The checker calls your function for each state — for you with "
            f"{cases} — runs each script on the model (one of them also on the kernel where "
            f"it can) and then checks `%state = <state>`."
        )

    def _expected(self, p: Mapping[str, Any]) -> Callable[[str, int], str]:
        return _solution_script

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: a build exercise — the student's script generator is run against the stack.
        if is_untouched(answer):
            raise NotSolved("write your function script_for(state, isn), then run the cell")
        if not callable(answer):
            raise Incorrect(
                f"pass your function itself (script_for, no parentheses); got "
                f"{type(answer).__name__}"
            )
        scripts = []
        for state, isn in p["cases"]:
            text = call_student(answer, state, isn)
            _judge_script(text, state, isn)
            scripts.append((text, state, isn))
        from tcplab.script import kernel_available

        if kernel_available() is None:
            # A real kernel on a loaded machine can miss a timing window once; a right script
            # passes a second run, a wrong one fails both (the corpus tests retry once too).
            try:
                _judge_script(*scripts[0], target="kernel")
            except Incorrect:
                _judge_script(*scripts[0], target="kernel")
            return f"right: all {len(scripts)} scripts, on the model and on the real kernel."
        return (
            f"right: all {len(scripts)} scripts on the model (the kernel target is not "
            "available here)."
        )
