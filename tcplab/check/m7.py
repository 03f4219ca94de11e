"""Module 7 exercises: SYN floods — how long and how much a flood holds, SYN cookies.

Expected answers come from :mod:`tcplab.listener` (SYN-ACK schedule, request-sock size)
and :mod:`tcplab.syncookie` (the Linux cookie: MSS table, validation, forgery odds).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from tcplab import syncookie
from tcplab.check._core import (
    Field,
    FieldSpec,
    Incorrect,
    ListField,
    Mistake,
    Spec,
    ValueSpec,
    as_float,
    as_int,
    call_student,
    close_enough,
    register,
)
from tcplab.listener import REQUEST_SOCK_BYTES, synack_schedule


def _pct(rel: float) -> Callable[[Any, Any], bool]:
    return lambda got, want: close_enough(got, want, rel)


_COUNT_AGAIN = "count again — tcp_synack_retries counts the *re*transmissions"


@register
class FloodHoldAndMemory(FieldSpec):
    label = "7_ex_1"
    kind = "compute"
    topic = "how long a spoofed SYN holds a request sock (SYN-ACK retries), and flood memory"
    title = "What a SYN flood holds"

    answer_fields = (
        Field(
            "hold_s",
            read=as_float,
            same=_pct(0.01),
            mistakes=(
                Mistake(
                    lambda p, want: synack_schedule(p["retries"])[0][-1],
                    "that is when the last SYN-ACK goes out; the request waits one more "
                    "(doubled) timeout for an answer before it is dropped",
                ),
                Mistake(lambda p, want: synack_schedule(p["retries"] + 1)[1], _COUNT_AGAIN),
                Mistake(lambda p, want: synack_schedule(max(0, p["retries"] - 1))[1], _COUNT_AGAIN),
            ),
            otherwise=": add up the timeouts 1, 2, 4, … s — one per SYN-ACK sent, including "
            "the wait after the last one",
        ),
        Field(
            "half_open",
            read=as_float,
            same=_pct(0.01),
            otherwise=": each second brings new requests and each lives hold_s seconds — "
            "how many are alive at once?",
        ),
        Field(
            "memory_bytes",
            read=as_float,
            same=_pct(0.01),
            mistakes=(
                Mistake(lambda p, want: want / 1024, "give bytes, not KiB or MiB"),
                Mistake(lambda p, want: want / 1024**2, "give bytes, not KiB or MiB"),
            ),
            otherwise=": request socks × bytes per request sock",
        ),
    )
    praise = (
        "right: small per entry, but rate × hold time adds up — and a real backlog fills "
        "long before that, which is why cookies exist."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {
            "retries": rng.choice([1, 2, 3, 4, 5, 5, 6, 7]),
            "rate": rng.choice([500, 1000, 2000, 5000, 10000, 20000, 50000]),
        }

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            f"An attacker sends {p['rate']} spoofed SYNs per second to a Linux listener; "
            "nobody ever answers its SYN-ACKs. The server has "
            f"`net.ipv4.tcp_synack_retries = {p['retries']}` (the default is 5) and keeps a "
            "request sock of about 304 bytes for each half-open connection. Assume the SYN "
            "queue is big enough to take every SYN, and ignore Linux's early pruning of old "
            "requests when the queue is half full.\n\n"
            "- `hold_s`: how many seconds after its SYN arrived a request sock is freed "
            "(the SYN-ACK timer starts at 1 s and doubles);\n"
            "- `half_open`: how many request socks exist once the flood has run longer than "
            "that (steady state);\n"
            "- `memory_bytes`: the memory they take.\n\n"
            f"Within 1 %. Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, float]:
        _, hold = synack_schedule(p["retries"])
        half_open = p["rate"] * hold  # Little's law: arrival rate × time in the system
        return {
            "hold_s": hold,
            "half_open": half_open,
            "memory_bytes": half_open * REQUEST_SOCK_BYTES,
        }


_CLIENT_MSS = (
    1460,
    1452,
    1440,
    1400,
    1380,
    1360,
    1320,
    1300,
    1280,
    1240,
    1220,
    1200,
    1024,
    960,
    536,
    8960,
    9000,
    4312,
    65483,
)


@register
class CookieMss(ValueSpec):
    label = "7_ex_2"
    kind = "compute"
    topic = "the MSS a SYN cookie can carry: Linux's 4-entry table (536, 1300, 1440, 1460)"
    title = "Which MSS survives a SYN cookie?"

    answer_field = ListField(
        "your answer",
        read=as_int,
        rows=lambda p: [{"mss": m} for m in p["mss"]],
        shape="a list of six ints, one per client",
        mistakes=(
            Mistake(
                lambda p, want: list(p["mss"]),
                "the server cannot remember the exact MSS: the cookie holds an index",
            ),
            Mistake(
                lambda p, want: [syncookie.mss_index(m) for m in p["mss"]],
                "those are table indices; give the MSS values they stand for",
            ),
            Mistake(
                lambda p, want: [
                    min(syncookie.MSS_TABLE, key=lambda t: (abs(t - m), -t)) for m in p["mss"]
                ],
                "you took the nearest table entry; the server must never send segments "
                "bigger than the client allowed",
            ),
            Mistake(
                when=lambda p, got, want: any(g not in syncookie.MSS_TABLE for g in got),
                say="every answer must be one of the four table values",
            ),
        ),
        entry_otherwise="the largest table entry not above the MSS",
        wrong="client(s) {all} are wrong: {hint}",
    )
    praise = "right: the largest table entry not above the client's MSS — never more."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"mss": rng.sample(_CLIENT_MSS, 6)}

    def question(self, p: Mapping[str, Any]) -> str:
        shown = ", ".join(str(m) for m in p["mss"])
        return (
            "A Linux server under a SYN flood answers every SYN with a cookie. A cookie has "
            "room for only 2 bits of MSS: an index into the table {536, 1300, 1440, 1460}. "
            f"Six clients announce these MSS values in their SYNs: {shown}.\n\n"
            "For each client, in order, which MSS will the server use once the cookie comes "
            "back in the third segment? Answer with a list of six ints: "
            "`answer = [..., ...]`."
        )

    def _expected(self, p: Mapping[str, Any]) -> list[int]:
        return [syncookie.MSS_TABLE[syncookie.mss_index(m)] for m in p["mss"]]


def _odds(p: Mapping[str, Any]) -> dict[str, float]:
    p_all = syncookie.random_ack_pass_probability(counter_known=False)
    return {
        "p_low24": syncookie.random_ack_pass_probability(counter_known=True),
        "p_random_ack": p_all,
        "expected_seconds": 1 / (p_all * p["rate"]),  # geometric: mean 1/p guesses
    }


def _odds_field(name: str, *mistakes: Mistake, otherwise: str) -> Field:
    return Field(
        name, read=as_float, same=_pct(0.02), mistakes=mistakes, otherwise=": " + otherwise
    )


_MORE_THAN_ONE = "more than one index value is accepted"


@register
class ForgedAckOdds(FieldSpec):
    label = "7_ex_3"
    kind = "compute"
    topic = "the odds that a forged ACK passes the SYN-cookie check, and the time to succeed"
    title = "Guessing a SYN cookie"

    answer_fields = (
        _odds_field(
            "p_low24",
            Mistake(lambda p, want: 1 / 2**24, _MORE_THAN_ONE),
            Mistake(lambda p, want: 1 / 2**32, _MORE_THAN_ONE),
            Mistake(lambda p, want: 4 / 2**32, "only the low 24 bits carry the index"),
            otherwise="accepted values ÷ all values of a 24-bit field",
        ),
        _odds_field(
            "p_random_ack",
            Mistake(
                lambda p, want: _odds(p)["p_low24"],
                "the top 8 bits must also decode to an acceptable counter",
            ),
            Mistake(
                lambda p, want: _odds(p)["p_low24"] / 256,
                "a cookie from the previous minute is accepted too",
            ),
            otherwise="multiply the chances of the two independent checks",
        ),
        _odds_field(
            "expected_seconds",
            Mistake(lambda p, want: want / 3600, "give seconds"),
            Mistake(lambda p, want: want / 60, "give seconds"),
            Mistake(
                lambda p, want: 1 / (_odds(p)["p_low24"] * p["rate"]),
                "use the probability of passing both checks",
            ),
            otherwise="on average 1/p guesses are needed; divide by the rate",
        ),
    )
    praise = (
        "right — and each success only opens one connection to the attacker's own "
        "(spoofed) address, whose replies it never sees."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"rate": rng.choice([10_000, 50_000, 100_000, 250_000, 1_000_000, 2_000_000])}

    def question(self, p: Mapping[str, Any]) -> str:
        keys = ", ".join(repr(f.name) + ": ..." for f in self.answer_fields)
        return (
            "Linux checks a returning cookie (ACK − 1) by subtracting its secret hashes: the "
            "top 8 bits must then give a minute counter that is current or one minute old, "
            "and the low 24 bits an MSS index 0…3. An attacker who never saw the SYN-ACK "
            "sends ACKs with random 32-bit ACK numbers, hoping one opens a connection. "
            "Treat the hash outputs as uniformly random.\n\n"
            "- `p_low24`: the probability that the low 24 bits of one random guess decode "
            "to a valid MSS index;\n"
            "- `p_random_ack`: the probability that one random ACK passes both checks;\n"
            f"- `expected_seconds`: at {p['rate']} forged ACKs per second, the expected "
            "time until the first success.\n\n"
            f"Within 2 %. Answer with a dict: `answer = {{{keys}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, float]:
        return _odds(p)


_ADDRS = ("198.51.100.23", "203.0.113.77", "192.0.2.200", "100.64.3.9")


def _cookie_cases(rng: random.Random) -> dict[str, Any]:
    """Cases for the cookie check: one 4-tuple, seeded keys, ACKs of every kind."""
    seed = rng.randrange(1 << 30)
    tup = (rng.choice(_ADDRS), "192.0.2.1", rng.randint(1024, 65535), rng.choice([80, 443]))
    cases: list[tuple[str, int, int, int]] = []
    for kind in (
        "now",
        "now",
        "now",
        "previous",
        "previous",
        "expired",
        "expired",
        "forged",
        "forged",
        "forged",
        "counter_wrap",
        "counter_wrap_old",
        "seq_off",
        "isn_wrap",
    ):
        count_now = rng.randint(12, 250)  # below 256: only the wrap cases test the mod
        if kind.startswith("counter_wrap"):
            count_now = 256 * rng.randint(1, 30)  # the 8-bit counter field wraps here
        made = {
            "now": count_now,
            "previous": count_now - 1,
            "expired": count_now - rng.randint(2, 9),
            "forged": count_now,
            "counter_wrap": count_now - 1,
            "counter_wrap_old": count_now - 2,
            "seq_off": count_now,
            "isn_wrap": count_now,
        }[kind]
        isn = (1 << 32) - 1 if kind == "isn_wrap" else rng.randrange(1 << 32)
        mss = rng.choice(_CLIENT_MSS)
        keys = syncookie.SynCookieKeys.from_seed(seed)
        sa, da, sp, dp = tup
        at = made * syncookie.SYNCOOKIE_PERIOD + rng.uniform(0, 59)
        cookie = syncookie.make_cookie(keys, sa, da, sp, dp, isn, mss, at)
        ack = (cookie + 1) % (1 << 32)
        seq_ = (isn + 1) % (1 << 32)
        if kind == "forged":
            ack = rng.randrange(1 << 32)
        if kind == "seq_off":
            seq_ = (seq_ + rng.randint(5, 1000)) % (1 << 32)
        cases.append((kind, ack, seq_, count_now))
    rng.shuffle(cases)
    return {"seed": seed, "tuple": tup, "cases": cases}


def _hash_for(p: Mapping[str, Any]) -> Callable[[int, int], int]:
    keys = syncookie.SynCookieKeys.from_seed(p["seed"])
    sa, da, sp, dp = p["tuple"]

    def h(count: int, c: int) -> int:
        """cookie_hash of this connection: siphash(4-tuple, count) with key c, as u32."""
        return syncookie.cookie_hash(keys, sa, da, sp, dp, count, c)

    return h


def _reference(p: Mapping[str, Any], ack: int, seq_: int, count_now: int) -> int:
    keys = syncookie.SynCookieKeys.from_seed(p["seed"])
    sa, da, sp, dp = p["tuple"]
    now = count_now * syncookie.SYNCOOKIE_PERIOD + 1.0  # inside minute count_now
    return syncookie.check_cookie(keys, sa, da, sp, dp, seq_, ack, now).mss


_HINTS = {
    "now": "a cookie made this minute was rejected or decoded to the wrong MSS: the cookie "
    "is ACK − 1, the client's ISN is SEQ − 1, and all arithmetic is modulo 2^32",
    "previous": "a cookie from the previous minute must pass: find how many minutes old it is "
    "from its top 8 bits, and use H1 with the counter it was made with",
    "expired": "a cookie two or more minutes old must be rejected (MAX_SYNCOOKIE_AGE = 2)",
    "forged": "a random ACK passed: only MSS indices 0 … 3 exist",
    "counter_wrap": "the counter field is only 8 bits: compute the age modulo 256",
    "counter_wrap_old": "the counter field is only 8 bits: compute the age modulo 256",
    "seq_off": "an ACK whose SEQ does not match the SYN was judged wrongly: use SEQ − 1 "
    "exactly as given; the decoded index then falls outside 0 … 3, which must fail",
    "isn_wrap": "the client's ISN was 2^32 − 1: SEQ − 1 must wrap modulo 2^32",
}


@register
class BuildCookieCheck(Spec):
    label = "7_ex_4"
    kind = "build"
    topic = "implement Linux's SYN-cookie check (check_tcp_syn_cookie + MSS table)"
    title = "Build: check a SYN cookie"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return _cookie_cases(rng)

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "Write `cookie_mss(ack, seq, count_now, h)` — Linux's check of the third "
            "segment of a handshake answered with a SYN cookie. `ack` and `seq` are that "
            "segment's ACK and SEQ fields, `count_now` the current minute counter, and "
            "`h(count, c)` returns the 32-bit hash of this connection's 4-tuple and `count` "
            "under secret key `c` (0 or 1). The server made the cookie as\n\n"
            "```\ncookie = h(0, 0) + isn + (count << 24) + ((h(count, 1) + mssind) & 0xFFFFFF)"
            "   (mod 2^32)\n```\n\n"
            "where `isn` is the client's ISN, `count` the minute counter then, and `mssind` "
            "the index into `MSS = [536, 1300, 1440, 1460]`. Return the MSS the cookie "
            "encodes, or 0 when the check fails: it fails when the cookie is two or more "
            "minutes old (its top 8 bits hold the counter, modulo 256) or when the decoded "
            "index is not 0…3.\n\n"
            f"The checker runs your function on {len(p['cases'])} ACKs chosen for your id "
            "(valid, a minute old, expired, forged, …) and compares with `tcplab.syncookie`. "
            "Do not call `tcplab.syncookie` yourself."
        )

    def _expected(self, p: Mapping[str, Any]) -> Callable[[int, int, int, Callable[..., int]], int]:
        def cookie_mss(ack: int, seq_: int, count_now: int, h: Callable[..., int]) -> int:
            return _reference(p, ack, seq_, count_now)

        return cookie_mss

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: a build exercise — the student's function is run on many cookies.
        if not callable(answer):
            raise Incorrect(
                f"pass your function itself (cookie_mss, no parentheses); got {answer!r}"
            )
        h = _hash_for(p)
        wrong: list[str] = []
        for kind, ack, seq_, count_now in p["cases"]:
            got = call_student(answer, ack, seq_, count_now, h)
            if isinstance(got, bool) or not isinstance(got, int):
                raise Incorrect(
                    f"cookie_mss returned {got!r}: return an int (an MSS from the table, or 0)"
                )
            if got != _reference(p, ack, seq_, count_now):
                wrong.append(kind)
        if not wrong:
            return (
                f"all {len(p['cases'])} ACKs judged right — no state was kept, yet the "
                "server recovered the MSS and proved the client saw its SYN-ACK."
            )
        order = (
            "now",
            "isn_wrap",
            "previous",
            "counter_wrap",
            "expired",
            "counter_wrap_old",
            "forged",
            "seq_off",
        )
        first = next((k for k in order if k in wrong), wrong[0])
        raise Incorrect(f"{len(wrong)} of {len(p['cases'])} ACKs judged wrongly. {_HINTS[first]}")
