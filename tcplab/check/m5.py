"""Module 5 exercises: serial arithmetic, acceptability, wrap times, ISN clocks."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from tcplab import seq
from tcplab.check._core import (
    Choice,
    Field,
    FieldSpec,
    Incorrect,
    ListField,
    Mistake,
    MultipleChoice,
    Spec,
    ValueSpec,
    as_bool,
    as_float,
    call_student,
    close_enough,
    register,
)

MSL_S = 120.0
"""RFC 9293 §3.4.2: "the MSL is taken to be 2 minutes"."""


def _pairs(rng: random.Random) -> list[tuple[int, int]]:
    """Test pairs for a serial comparison: random, across the wrap, and every edge."""
    pairs: list[tuple[int, int]] = []
    for _ in range(60):
        pairs.append((rng.randrange(seq.MOD), rng.randrange(seq.MOD)))
    for _ in range(12):
        a = seq.MOD - rng.randint(1, 1 << 16)
        b = rng.randint(0, 1 << 16)
        pairs += [(a, b), (b, a)]
    for _ in range(4):
        a = rng.randrange(seq.MOD)
        for d in (0, 1, seq.HALF - 1, seq.HALF + 1, seq.MOD - 1):
            pairs.append((a, (a + d) % seq.MOD))
        pairs.append((a, (a + seq.HALF) % seq.MOD))  # undefined: must raise
    pairs += [(seq.MOD - 1, 0), (0, seq.MOD - 1), (0, seq.HALF), (seq.HALF, 0)]
    rng.shuffle(pairs)
    return pairs


def _reference_lt(a: int, b: int) -> bool | None:
    """``seq.lt``, with None for the undefined pair (exactly 2^31 apart)."""
    try:
        return seq.lt(a, b)
    except ValueError:
        return None


@register
class BuildSerialLt(Spec):
    label = "5_ex_1"
    kind = "build"
    topic = "implement RFC 1982 serial-number comparison (tested across the wrap)"
    title = "Build: serial-number comparison"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"pairs": _pairs(rng)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "Write `seq_lt(a, b)` for 32-bit sequence numbers (ints in 0 … 2^32−1). Return "
            "True when `a` comes before `b` in serial-number arithmetic (RFC 1982): going "
            "forward from `a` reaches `b` in fewer than 2^31 steps. Return False otherwise "
            "(also when `a == b`). When `a` and `b` are exactly 2^31 apart, the order is "
            "undefined: raise `ValueError`.\n\n"
            f"The checker tries your function on {len(p['pairs'])} pairs chosen for your "
            "student id, including pairs across the wrap and at distance 2^31 ± 1. Do not "
            "call `tcplab.seq` — write the arithmetic yourself."
        )

    def _expected(self, p: Mapping[str, Any]) -> Callable[[int, int], bool]:
        return seq.lt

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: a build exercise — the student's function is run on many pairs, not compared
        # with one value.
        if not callable(answer):
            raise Incorrect(f"pass your function itself (seq_lt, no parentheses); got {answer!r}")
        pairs = [tuple(x) for x in p["pairs"]]
        results: list[tuple[int, int, object, bool | None]] = []
        for a, b in pairs:
            want = _reference_lt(a, b)
            try:
                got: object = call_student(answer, a, b)
            except Incorrect as exc:
                # ValueError is part of the contract (the undefined case): judge it below.
                if not isinstance(exc.__cause__, ValueError):
                    raise
                got = ValueError
            results.append((a, b, got, want))
        for a, b, got, _ in results:
            if got is not ValueError and not isinstance(got, bool):
                raise Incorrect(f"seq_lt({a}, {b}) returned {got!r}: return True or False")
        wrong = [r for r in results if r[2] is not (ValueError if r[3] is None else r[3])]
        if not wrong:
            return f"all {len(results)} pairs right, including across the wrap and at 2^31."
        plain = all(got == (a < b) for a, b, got, want in results if want is not None)
        if plain:
            raise Incorrect(
                "you compared as plain integers: across the wrap, 0 comes right after "
                "2^32−1, so a small number can be *after* a large one"
            )
        a, b, got, want = wrong[0]
        if want is None:
            raise Incorrect(
                f"seq_lt({a}, {b}) returned {got!r}, but these numbers are exactly 2^31 apart: "
                "RFC 1982 leaves their order undefined, so raise ValueError"
            )
        if got is ValueError:
            raise Incorrect(
                f"seq_lt({a}, {b}) raised ValueError, but only pairs exactly 2^31 apart are "
                "undefined"
            )
        if a == b:
            raise Incorrect(f"seq_lt({a}, {a}) returned True: a number is not before itself")
        d = (b - a) % seq.MOD
        side = "forward" if d < seq.HALF else "backward"
        steps = d if d < seq.HALF else seq.MOD - d
        raise Incorrect(
            f"{len(wrong)} of {len(results)} pairs wrong; e.g. seq_lt({a}, {b}) returned "
            f"{got!r}, but {b} is {steps} steps {side} from {a}"
        )


def _segments(rng: random.Random) -> tuple[int, int, list[tuple[int, int, int]]]:
    wnd = rng.choice([4096, 8192, 16384, 65535])
    rcv_nxt = seq.MOD - rng.randint(1, wnd - 1)  # the window spans the wrap
    offs: list[tuple[int, int]] = []
    offs.append((rng.randint(1, wnd - 1), 0))  # pure ACK inside the window (wrapped)
    back = rng.randint(1, 200)
    offs.append((-back, back + rng.randint(1, 100)))  # starts old, ends in the window
    offs.append((-rng.randint(400, 2000), rng.randint(1, 300)))  # entirely old
    offs.append((wnd + rng.randint(0, 500), rng.randint(1, 500)))  # beyond the window
    offs.append((wnd - rng.randint(1, 50), 1000))  # starts in the window, runs past it
    rng.shuffle(offs)
    table = [((rcv_nxt + o) % seq.MOD, n, wnd) for o, n in offs]
    # Two more with a zero window: only a zero-length segment at exactly RCV.NXT passes.
    table.append((rcv_nxt, 0, 0))
    table.append((rcv_nxt, rng.randint(1, 100), 0))
    return rcv_nxt, wnd, table


@register
class SegmentAcceptability(ValueSpec):
    label = "5_ex_2"
    kind = "compute"
    topic = "RFC 9293 §3.4 segment acceptability (Table 5) with a window across the wrap"
    title = "Is this segment acceptable?"

    answer_field = ListField(
        "your verdicts",
        read=as_bool,
        rows=lambda p: [{"len": n, "wnd": w} for _, n, w in p["segments"]],
        shape="a list of {n} booleans, one per segment",
        mistakes=(
            Mistake(
                lambda p, want: [
                    SegmentAcceptability._plain(s, n, p["rcv_nxt"], w) for s, n, w in p["segments"]
                ],
                "you compared as plain integers: across the wrap, RCV.NXT+RCV.WND is past "
                "2^32−1, so a small SEG.SEQ can be inside the window",
            ),
        ),
        entry_mistakes=(
            Mistake(
                when=lambda row, got, want: row["wnd"] == 0,
                say="with a zero window only a zero-length segment at exactly RCV.NXT is "
                "acceptable",
            ),
            Mistake(
                when=lambda row, got, want: row["len"] > 0 and want,
                say="a segment is acceptable when its first *or* its last octet is in the window",
            ),
            Mistake(
                when=lambda row, got, want: row["len"] > 0,
                say="a segment with neither end in the window is not acceptable",
            ),
        ),
        entry_otherwise="a zero-length segment is tested by its SEG.SEQ alone",
        # Which verdicts are wrong is not named: flipping them would give the answer.
        wrong="{k} of {n} verdicts are wrong. Hint: {hint}",
    )
    praise = "right: every test measured forward from RCV.NXT, modulo 2^32."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        rcv_nxt, wnd, table = _segments(rng)
        return {"rcv_nxt": rcv_nxt, "rcv_wnd": wnd, "segments": table}

    def question(self, p: Mapping[str, Any]) -> str:
        rows = "\n".join(
            f"| {i} | `{s}` | {n} | {w} |" for i, (s, n, w) in enumerate(p["segments"], 1)
        )
        return (
            f"A receiver has RCV.NXT = `{p['rcv_nxt']}`. For each segment below (SEG.SEQ, "
            "SEG.LEN, and the receive window RCV.WND at the time it arrives), is it "
            "acceptable by RFC 9293 §3.4's test?\n\n"
            "| # | SEG.SEQ | SEG.LEN | RCV.WND |\n|---|---|---|---|\n"
            f"{rows}\n\n"
            "Answer with a list of booleans in this order: `answer = [True, False, ...]`."
        )

    def _expected(self, p: Mapping[str, Any]) -> list[bool]:
        return [seq.segment_acceptable(s, n, p["rcv_nxt"], w) for s, n, w in p["segments"]]

    @staticmethod
    def _plain(s: int, n: int, rcv_nxt: int, w: int) -> bool:
        # The same test done with plain integers: what a student gets without mod 2^32.
        if n == 0 and w == 0:
            return s == rcv_nxt
        if w == 0:
            return False
        first = rcv_nxt <= s < rcv_nxt + w
        if n == 0:
            return first
        return first or rcv_nxt <= s + n - 1 < rcv_nxt + w


_SPEEDS = (
    ("a 50 Mb/s link", 50e6),
    ("a 155 Mb/s link (OC-3)", 155e6),
    ("a 622 Mb/s link (OC-12)", 622e6),
    ("a 2.5 Gb/s link", 2.5e9),
    ("a 25 Gb/s link", 25e9),
    ("a 40 Gb/s link", 40e9),
    ("a 400 Gb/s link", 400e9),
    ("a 20 Mb/s link", 20e6),
)


def _within(rel: float) -> Callable[[Any, Any], bool]:
    return lambda got, want: close_enough(got, want, rel)


_UNITS = "check the units (ns = 1e-9 s, µs = 1e-6 s)"


@register
class WrapTime(FieldSpec):
    label = "5_ex_3"
    kind = "compute"
    topic = "RFC 7323 time to wrap at a link speed, against the 2-minute MSL"
    title = "How fast do sequence numbers wrap?"

    answer_fields = (
        Field(
            "wrap_s",
            read=as_float,
            same=_within(0.02),
            mistakes=(
                Mistake(
                    lambda p, want: seq.cycle_time(p["bps"]),
                    "you used all 2^32 numbers (RFC 9293's cycle time); T_wrap is about "
                    "2^31 bytes, where comparisons become ambiguous",
                ),
                Mistake(
                    lambda p, want: want / 8,
                    "sequence numbers count bytes, and the speed is in bits",
                ),
                Mistake(
                    lambda p, want: want * 1000,
                    "check your units (seconds, and bit/s not kb/s or Gb/s)",
                ),
                Mistake(
                    lambda p, want: want / 1000,
                    "check your units (seconds, and bit/s not kb/s or Gb/s)",
                ),
                Mistake(lambda p, want: want / 60, "give the time in seconds"),
                Mistake(lambda p, want: want / 3600, "give the time in seconds"),
            ),
            otherwise="is off by more than 2 %: T_wrap = 2^31 bytes ÷ bytes per second",
        ),
        Field("within_msl", read=as_bool, otherwise=": compare your T_wrap with 120 s"),
    )
    praise = "right. At 1 Gb/s T_wrap is about 17 s — far below the MSL, hence PAWS."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        name, bps = rng.choice(_SPEEDS)
        return {"link": name, "bps": bps}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            f"One TCP connection sends at the full speed of {p['link']} "
            f"({p['bps']:.4g} bit/s). Take T_wrap, as the wrap-time table of RFC 7323 does, "
            "to be the time it takes to send 2^31 bytes: after that, serial comparison "
            "would mistake an old segment for a new one.\n\n"
            "- `wrap_s`: T_wrap in seconds (within 2 %);\n"
            "- `within_msl`: is T_wrap shorter than RFC 9293's MSL of 2 minutes, i.e. can an "
            "old duplicate still be in the network when the numbers come round (so "
            "timestamps and PAWS are needed)?\n\n"
            'Answer with a dict: `answer = {"wrap_s": ..., "within_msl": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        t = seq.wrap_time(p["bps"])
        return {"wrap_s": t, "within_msl": t < MSL_S}


def _cycle_field(name: str, *extra: Mistake) -> Field:
    return Field(
        name,
        read=as_float,
        same=_within(0.01),
        mistakes=(
            *extra,
            Mistake(lambda p, want: want / 2, "the counter has 2^32 values, not 2^31"),
            Mistake(lambda p, want: want * 1000, _UNITS),
            Mistake(lambda p, want: want / 1000, _UNITS),
        ),
        otherwise="is off: cycle = 2^32 ticks × tick length"
        + ("" if name.endswith("hours") else ", in seconds"),
    )


_TICKS = (
    (1e-6, "1 µs"),
    (2e-6, "2 µs"),
    (8e-6, "8 µs"),
    (16e-9, "16 ns"),
    (128e-9, "128 ns"),
    (256e-9, "256 ns"),
    (500e-9, "500 ns"),
    (32e-9, "32 ns"),
)


@register
class IsnClockCycles(FieldSpec):
    label = "5_ex_4"
    kind = "compute"
    topic = "ISN clock cycles: the RFC's 4 µs clock (is it 4.55 h?) and Linux's 64 ns tick"
    title = "How long until an ISN clock comes round?"

    answer_fields = (
        _cycle_field(
            "rfc_4us_hours",
            Mistake(
                lambda p, want: 4.55,
                "4.55 h is the figure RFC 9293 prints, not what 2^32 × 4 µs gives — do the "
                "multiplication",
            ),
            Mistake(lambda p, want: want * 3600, "that is in seconds; convert to hours"),
        ),
        _cycle_field("linux_64ns_seconds"),
        _cycle_field("your_clock_seconds"),
    )
    praise = (
        "right. RFC 9293's 4.55 h is exactly 2^14 s (a 3.81 µs tick); Linux's 64 ns clock "
        "comes round in under 5 minutes — the secret hash, not the clock, protects it."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        tick, name = rng.choice(_TICKS)
        return {"tick_s": tick, "tick_name": name}

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            "An ISN clock is a 32-bit counter that goes up by one every tick and wraps at "
            "2^32. How long is a full cycle for\n\n"
            "- `rfc_4us_hours`: the clock of RFC 9293 §3.4.1, one tick every "
            "4 µs — in **hours**;\n"
            "- `linux_64ns_seconds`: Linux's clock (`ktime_get_real_ns() >> 6`, one tick "
            "every 64 ns) — in **seconds**;\n"
            f"- `your_clock_seconds`: a clock ticking every {p['tick_name']} — in **seconds**?\n\n"
            "Compute them yourself (within 1 %), whatever figure you may have read.\n\n"
            f"Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, float]:
        return {
            "rfc_4us_hours": seq.MOD * 4e-6 / 3600,
            "linux_64ns_seconds": seq.MOD * 64e-9,
            "your_clock_seconds": seq.MOD * p["tick_s"],
        }


@register
class IsnRandomVsWrap(MultipleChoice):
    label = "5_ex_5"
    kind = "explain"
    topic = "does a random ISN cause wraparound? (correcting a common claim)"
    title = "Random ISNs and wraparound"

    prompt = (
        "A tutorial claims: *because the ISN is chosen at random, sequence numbers easily "
        "go beyond 2^31−1, and that is why TCP has to worry about wraparound.* Which "
        "statement corrects it?"
    )
    choices = (
        Choice(
            "Wraparound happens whatever the ISN: any connection that sends enough bytes "
            "passes 2^32−1 and continues at 0. TCP compares sequence numbers by their "
            "forward distance (serial arithmetic), which works across the wrap as long as "
            "the numbers compared are less than 2^31 apart.",
            correct=True,
            why="right: the ISN only decides *when* a connection wraps, not *whether*; "
            "serial arithmetic makes the wrap harmless.",
        ),
        Choice(
            "The claim is right: with a fixed ISN of 0 a connection could never wrap.",
            why="a connection starting at 0 wraps too, after 2^32 bytes — a few seconds at "
            "10 Gb/s.",
        ),
        Choice(
            "TCP avoids the problem by always choosing ISNs below 2^31, so sequence "
            "numbers never reach 2^32.",
            why="ISNs use the whole 32-bit space, and any starting point wraps after enough data.",
        ),
        Choice(
            "When a sequence number passes 2^31−1 the connection must be reset and opened again.",
            why="nothing special happens at 2^31−1 or at 2^32−1: numbers simply continue "
            "modulo 2^32.",
        ),
        Choice(
            "Sequence numbers are stored as signed 32-bit integers, so every number above "
            "2^31−1 is negative and compares as smaller.",
            why="Linux's before() casts the *difference* a − b to signed 32 bits, not the "
            "numbers themselves — that is exactly serial arithmetic.",
        ),
    )
