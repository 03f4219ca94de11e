"""Module 6 exercises: listen queues — backlog+1, abort_on_overflow, ss, an admission policy.

Expected answers come from :mod:`tcplab.listener`, the Linux-faithful model of one
listening socket (``predict_accept_queue`` and :class:`~tcplab.listener.Listener`).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from tcplab.check._core import (
    Field,
    FieldSpec,
    Incorrect,
    ListField,
    Mistake,
    Spec,
    ValueSpec,
    as_bool,
    as_int,
    as_state,
    call_student,
    register,
)
from tcplab.check._words import as_word, as_words
from tcplab.fsm import Event, State, TcpStateMachine
from tcplab.listener import (
    COUNTERS,
    AckVerdict,
    Child,
    Listener,
    ListenerConfig,
    Request,
    SynVerdict,
    clamp_backlog,
    predict_accept_queue,
)


@register
class BacklogPlusOne(FieldSpec):
    label = "6_ex_1"
    kind = "predict"
    topic = "listen(backlog) with clients never accepted: backlog+1, somaxconn clamp, ss, counters"
    title = "Nobody calls accept()"

    answer_fields = (
        # send_q first: a wrong backlog in force explains the other numbers.
        Field(
            "send_q",
            mistakes=(
                Mistake(
                    lambda p, want: p["backlog"] if p["backlog"] > p["somaxconn"] else None,
                    "listen() clamps the backlog to somaxconn",
                ),
                Mistake(
                    when=lambda p, got, want: p["backlog"] < 0,
                    say="the kernel compares the backlog with somaxconn as an *unsigned* "
                    "number — what does a negative int become?",
                ),
            ),
            otherwise=": for a listener, Send-Q is the backlog in force (after the clamp)",
        ),
        *(
            Field(
                key,
                mistakes=(
                    Mistake(
                        lambda p, want: want - 1,
                        "is one short: the accept queue counts as full only when it holds "
                        "*more* than the backlog (sk_acceptq_is_full() tests >)",
                    ),
                ),
                otherwise=": a completed handshake waits in the accept queue until accept(); "
                "how many fit, given the backlog in force?",
            )
            for key in ("recv_q", "client_established")
        ),
        # Judged after client_established: then only the sum can be wrong.
        Field(
            "client_syn_sent", otherwise=": every client is either ESTABLISHED or still in SYN-SENT"
        ),
        Field(
            "listen_overflows",
            otherwise=": each SYN that finds the accept queue full is dropped and counted once "
            "(no retransmissions yet)",
        ),
    )
    praise = (
        "right: backlog B lets B+1 handshakes wait; the rest of the SYNs are dropped "
        "silently, so those clients sit in SYN-SENT and retry."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        somaxconn = rng.choice([4096, 128])
        kind = rng.choice(["small", "small", "above", "negative"])
        if kind == "small":
            backlog = rng.randint(0, 12)
        elif kind == "above":
            somaxconn = 128  # keeps the numbers small: an old kernel's limit
            backlog = rng.choice([200, 511, 1024])
        else:
            backlog = -1
        limit = clamp_backlog(backlog, somaxconn)
        clients = limit + 1 + rng.randint(2, 9)
        return {"backlog": backlog, "somaxconn": somaxconn, "clients": clients}

    def question(self, p: Mapping[str, Any]) -> str:
        era = "(as since Linux 5.4)" if p["somaxconn"] == 4096 else "(as before Linux 5.4)"
        return (
            f"A server calls `listen(fd, {p['backlog']})` on a Linux host with "
            f"`net.core.somaxconn = {p['somaxconn']}` {era}, and then never calls `accept()`. "
            f"{p['clients']} clients on the same host connect one after another (each "
            "handshake finishes before the next client starts). SYN cookies are on (the "
            "default) but the SYN queue never fills. Consider the first second, before any "
            "SYN is retransmitted.\n\n"
            "- `send_q`, `recv_q`: the Send-Q and Recv-Q that `ss -lnt` shows for the "
            "listening socket;\n"
            "- `client_established`: how many clients are ESTABLISHED;\n"
            "- `client_syn_sent`: how many are still in SYN-SENT;\n"
            "- `listen_overflows`: by how much `TcpExtListenOverflows` has gone up.\n\n"
            f"Answer with a dict: `answer = {{{_dots(self.keys())}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, int]:
        r = predict_accept_queue(p["backlog"], p["clients"], somaxconn=p["somaxconn"])
        return {
            "client_established": r["ESTABLISHED"],
            "client_syn_sent": r["SYN_SENT"],
            "recv_q": r["accept_queue"],
            "send_q": r["max_ack_backlog"],
            "listen_overflows": r.get("ListenOverflows", 0),
        }


def _dots(keys: list[str]) -> str:
    return ", ".join(repr(k) + ": ..." for k in keys)


def _third_ack_run(p: Mapping[str, Any]) -> tuple[AckVerdict, dict[str, int], bool]:
    """A request waits in the SYN queue while B+1 others fill the accept queue; then its ACK."""
    lst = Listener(ListenerConfig(backlog=p["backlog"], abort_on_overflow=bool(p["abort"])))
    late = ("198.51.100.7", 50000)
    lst.on_syn(0.0, late, proven=True)
    for i in range(lst.max_ack_backlog + 1):
        peer = ("198.51.100.8", 40000 + i)
        lst.on_syn(0.001, peer, proven=True)
        lst.on_ack(0.001, peer)
    before = dict(lst.counters)
    verdict = lst.on_ack(0.002, late)
    moved = {k: lst.counters[k] - before[k] for k in COUNTERS if lst.counters[k] != before[k]}
    return verdict, moved, late in lst.requests


@register
class ThirdAckOverflow(FieldSpec):
    label = "6_ex_2"
    kind = "predict"
    topic = "the third ACK meets a full accept queue: tcp_abort_on_overflow 0 vs 1, counters"
    title = "The third ACK meets a full accept queue"

    answer_fields = (
        Field(
            "server_sends",
            read=lambda value, what: as_word(
                value, ("nothing", "RST"), what, {"none": "nothing", "drop": "nothing"}
            ),
            otherwise=": tcp_abort_on_overflow decides between keeping quiet and resetting — "
            "which value does what?",
        ),
        Field(
            "client_state",
            read=as_state,
            otherwise=lambda p, want: (
                ": the client moved on when it *sent* its ACK; nothing it receives afterwards "
                "changes that here"
                if want is State.ESTABLISHED  # the server sent nothing
                else ": what does an acceptable RST do to a connection?"
            ),
        ),
        Field(
            "request_kept",
            read=as_bool,
            otherwise=": with this setting, does the kernel give the handshake another chance "
            "(SYN-ACK retransmissions) or throw the request away?",
        ),
        Field(
            "counters",
            read=lambda value, what: as_words(
                value, COUNTERS, what, {f"TcpExt{c}": c for c in COUNTERS}
            ),
            mistakes=(
                Mistake(
                    when=lambda p, got, want: bool(got - want),
                    say=lambda p, got, want: (
                        f"{', '.join(sorted(got - want))} does not move here — which counters "
                        "belong to the SYN queue or to cookies?"
                    ),
                ),
                Mistake(
                    when=lambda p, got, want: got < want,
                    say=lambda p, got, want: (
                        f"{len(want - got)} counter(s) missing — an accept-queue overflow is "
                        "counted as an overflow *and* as a drop"
                        + (
                            ", and a reset of a request has its own"
                            if "EmbryonicRsts" in want
                            else ""
                        )
                    ),
                ),
            ),
        ),
    )

    def praise_for(self, p: Mapping[str, Any], want: Any) -> str:
        if want["server_sends"] == "RST":
            return "right: abort_on_overflow=1 resets at once — the client learns, but loses."
        return (
            "right: with the default 0 the ACK is dropped and the request marked acked; the "
            "server keeps resending SYN-ACKs and the connection completes when room appears."
        )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"backlog": rng.randint(1, 64), "abort": rng.choice([0, 1])}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            f"A Linux listener has backlog {p['backlog']} and an application that has stopped "
            "calling `accept()`. A client's SYN arrived while there was still room: it got a "
            "SYN-ACK and its request waits in the SYN queue. Meanwhile other handshakes have "
            "filled the accept queue. Now the client's third segment (the ACK) arrives. "
            f"`net.ipv4.tcp_abort_on_overflow = {p['abort']}`.\n\n"
            '- `server_sends`: what the server sends back at once: `"nothing"` or `"RST"`;\n'
            "- `client_state`: the client's state once that reply (if any) has arrived;\n"
            "- `request_kept`: is the request still in the server's SYN queue? (True/False)\n"
            "- `counters`: the set of `/proc/net/netstat` `TcpExt` counters that go up, by "
            'their kernel names, e.g. `{"ListenDrops"}`.\n\n'
            'Answer with a dict: `answer = {"server_sends": ..., "client_state": ..., '
            '"request_kept": ..., "counters": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        verdict, moved, kept = _third_ack_run(p)
        rst = verdict is AckVerdict.RST_OVERFLOW
        client = TcpStateMachine(state=State.ESTABLISHED)  # it sent its ACK: ESTABLISHED
        if rst:
            client.handle(Event.RCV_RST)
        return {
            "server_sends": "RST" if rst else "nothing",
            "client_state": client.state,
            "request_kept": kept,
            "counters": set(moved),
        }


def _room(recv_q: int, send_q: int) -> int:
    """How many more handshakes complete before the accept queue drops one (the model)."""
    lst = Listener(ListenerConfig(backlog=send_q))
    lst.accept_queue = deque(_children(recv_q))
    n = 0
    # A SYN is dropped, and a third ACK refused, exactly when acceptq_is_full().
    while not lst.acceptq_is_full():
        lst.accept_queue.append(Child(("203.0.113.5", 20000 + n), 0.0, 1460, via_cookie=False))
        n += 1
    return n


def _children(n: int) -> list[Child]:
    return [Child(("198.51.100.9", 1024 + i), 0.0, 1460, via_cookie=False) for i in range(n)]


@register
class ReadingSs(ValueSpec):
    label = "6_ex_3"
    kind = "compute"
    topic = "reading `ss -lnt` Recv-Q/Send-Q for a listener: room left in the accept queue"
    title = "Reading `ss -lnt`"

    answer_field = ListField(
        "your answer",
        read=as_int,
        rows=lambda p: [{"recv_q": r, "send_q": s} for r, s in p["rows"]],
        shape="a list of four ints, one per listening socket",
        mistakes=(
            Mistake(
                lambda p, want: [max(0, s - r) for r, s in p["rows"]],
                "you treated Send-Q as the number that fits; the kernel's test is "
                "'full when the queue holds more than the backlog'",
            ),
            *(
                Mistake(
                    wrong,
                    "for a listener, Recv-Q is how many connections wait for accept() and "
                    "Send-Q is the backlog — not bytes",
                )
                for wrong in (
                    lambda p, want: [max(0, r - s) for r, s in p["rows"]],
                    lambda p, want: [r for r, _ in p["rows"]],
                )
            ),
        ),
        entry_otherwise="room = backlog + 1 − waiting, never below 0",
        wrong="socket(s) {all} are wrong: {hint}",
    )
    praise = "right: Recv-Q is the accept queue, Send-Q the backlog, and B+1 fit."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        rows = []
        for _ in range(4):
            send_q = rng.choice([0, 1, 5, 10, 50, 128, 511, 4096])
            kind = rng.choice(["full", "edge", "some", "empty"])
            recv_q = {
                "full": send_q + 1,
                "edge": send_q,
                "some": rng.randint(0, max(0, send_q - 1)),
                "empty": 0,
            }[kind]
            rows.append((recv_q, send_q))
        rows[rng.randrange(4)] = (rows[0][1] + 1, rows[0][1])  # at least one full queue
        return {"rows": rows}

    def question(self, p: Mapping[str, Any]) -> str:
        lines = "\n".join(
            f"LISTEN {r:<7} {s:<7} 0.0.0.0:{8000 + i:<14} 0.0.0.0:*"
            for i, (r, s) in enumerate(p["rows"])
        )
        return (
            "`ss -lnt` on a Linux host shows four listening sockets:\n\n"
            "```\nState  Recv-Q  Send-Q  Local Address:Port   Peer Address:Port\n"
            f"{lines}\n```\n\n"
            "For each, in this order: how many more handshakes can complete (and wait for "
            "`accept()`) before the next one is dropped, if the application accepts nothing "
            "in the meantime? Answer with a list of four ints: `answer = [..., ..., ..., ...]`."
        )

    def _expected(self, p: Mapping[str, Any]) -> list[int]:
        return [_room(r, s) for r, s in p["rows"]]


def _admit_cases(rng: random.Random) -> list[tuple[int, int, int, int, int]]:
    """(qlen, ack_backlog, backlog, somaxconn, syncookies), edges first, then random."""
    cases: list[tuple[int, int, int, int, int]] = []
    for _ in range(40):
        somaxconn = rng.choice([128, 4096, 16])
        backlog = rng.choice([0, 1, 3, 8, 100, 200, 5000, -1, rng.randint(0, 300)])
        limit = clamp_backlog(backlog, somaxconn)
        cookies = rng.choice([0, 1, 1, 2])
        q = rng.choice([0, limit - 1, limit, limit + 1, rng.randint(0, limit + 1)])
        a = rng.choice([0, limit - 1, limit, limit + 1, rng.randint(0, limit + 1)])
        cases.append((max(0, q), max(0, a), backlog, somaxconn, cookies))
    rng.shuffle(cases)
    return cases


_ANSWERS = {
    SynVerdict.QUEUED: "queue",
    SynVerdict.COOKIE: "cookie",
    SynVerdict.DROP_SYN_QUEUE_FULL: "drop",
    SynVerdict.DROP_ACCEPT_QUEUE_FULL: "drop",
    SynVerdict.DROP_UNPROVEN: "drop",
}


def reference_admit(qlen: int, ack_backlog: int, backlog: int, somaxconn: int, cookies: int) -> str:
    """What :class:`~tcplab.listener.Listener` does with one more SYN in that state."""
    lst = Listener(ListenerConfig(backlog=backlog, somaxconn=somaxconn, syncookies=cookies))
    lst.requests = {
        ("198.51.100.1", 10000 + i): Request(("198.51.100.1", 10000 + i), 0, 0, 1460, 0.0, 1.0)
        for i in range(qlen)
    }
    lst.accept_queue = deque(_children(ack_backlog))
    return _ANSWERS[lst.on_syn(0.0, ("203.0.113.1", 4242), proven=True).verdict]


@register
class BuildAdmission(Spec):
    label = "6_ex_4"
    kind = "build"
    topic = "implement Linux's admission decision for a SYN (queue, cookie or drop)"
    title = "Build: what does the listener do with this SYN?"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {"cases": _admit_cases(rng)}

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "Write `admit_syn(qlen, accept_waiting, backlog, somaxconn, syncookies)` that "
            'returns `"queue"`, `"cookie"` or `"drop"`: what a current Linux listener does '
            "with one more SYN, given\n\n"
            "- `qlen`: request socks in its SYN queue;\n"
            "- `accept_waiting`: finished handshakes waiting for `accept()`;\n"
            "- `backlog`: the int passed to `listen()`; `somaxconn`: `net.core.somaxconn`;\n"
            "- `syncookies`: `net.ipv4.tcp_syncookies` (0, 1 or 2).\n\n"
            "Follow the kernel: clamp the backlog as `listen()` does (the comparison is "
            "unsigned); the SYN queue is full when `qlen` is *greater than* that limit (the "
            "test since 2025); the accept queue is full when `accept_waiting` is greater "
            "than it; `tcp_syncookies` 2 means always cookies, 1 cookies only when the SYN "
            "queue is full, 0 never; a SYN that finds the accept queue full is dropped "
            "whatever the cookie setting. Every peer is proven alive, so the "
            "`tcp_max_syn_backlog` rule never applies.\n\n"
            f"The checker compares your function with `tcplab.listener` on {len(p['cases'])} "
            "states chosen for your id. Do not call `tcplab.listener` yourself."
        )

    def _expected(self, p: Mapping[str, Any]) -> Callable[..., str]:
        return reference_admit

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        # Hand-written: a build exercise — the student's function is run on many listener states.
        if not callable(answer):
            raise Incorrect(
                f"pass your function itself (admit_syn, no parentheses); got {answer!r}"
            )
        wrong = []
        for case in p["cases"]:
            want = reference_admit(*case)
            got = call_student(answer, *case)
            if not isinstance(got, str) or got not in ("queue", "cookie", "drop"):
                raise Incorrect(
                    f"admit_syn{tuple(case)} returned {got!r}: return 'queue', 'cookie' or 'drop'"
                )
            if got != want:
                wrong.append((case, got, want))
        if not wrong:
            return f"all {len(p['cases'])} states right — this is tcp_conn_request()'s order."
        (q, a, b, smc, ck), got, want = wrong[0]
        limit = clamp_backlog(b, smc)
        if all(c[2] < 0 or c[2] > c[3] for c, _, _ in wrong):
            hint = "clamp the backlog like listen() does: an unsigned comparison with somaxconn"
        elif a > limit and got != "drop":
            hint = "a SYN that finds the accept queue full is dropped, cookie or not"
        elif a == limit and got == "drop":
            hint = "the accept queue is full only when it holds *more* than the limit"
        elif q in (limit, limit + 1):
            hint = "the SYN queue is full when qlen is greater than the limit (not equal)"
        elif ck == 2:
            hint = "tcp_syncookies = 2 answers every SYN with a cookie"
        else:
            hint = "check each rule and the order: cookie decision first, then the accept queue"
        raise Incorrect(
            f"{len(wrong)} of {len(p['cases'])} states wrong; e.g. admit_syn({q}, {a}, {b}, "
            f"{smc}, {ck}) returned {got!r}. Hint: {hint}"
        )
