"""Module 8 exercises: when things go wrong — keepalive, a rebooted peer, RSTs, refusals.

Expected answers come from :mod:`tcplab.timers` (``keepalive_timeline``), :mod:`tcplab.fsm`
(which segment a transition sends: challenge ACK, RST) and :mod:`tcplab.seq` (RFC 9293's
acceptability test, serial arithmetic).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from tcplab import seq
from tcplab.check._core import (
    Field,
    FieldSpec,
    ListField,
    Mistake,
    ValueSpec,
    as_float,
    as_state,
    close_enough,
    register,
    seq_diagnosis,
    seq_field,
)
from tcplab.check._words import as_word
from tcplab.fsm import Event, Send, State, TcpStateMachine
from tcplab.timers import LINUX, keepalive_timeline


def _knobs(p: Mapping[str, Any], default: bool) -> tuple[float, float, int]:
    """(idle, interval, probes) of one field: Linux's defaults, or the student's settings."""
    if default:
        return LINUX.keepalive_time, LINUX.keepalive_intvl, LINUX.keepalive_probes
    return float(p["time"]), float(p["intvl"]), int(p["probes"])


def _keepalive_field(name: str, default: bool) -> Field:
    def knobs(p: Mapping[str, Any]) -> tuple[float, float, int]:
        return _knobs(p, default)

    ten_probes = (
        Mistake(
            lambda p, want: knobs(p)[0] + 10 * knobs(p)[1],
            "Linux's default is not 10 probes (some other systems use 10) — look up "
            "tcp_keepalive_probes",
        ),
    )
    return Field(
        name,
        read=as_float,
        same=lambda got, want: close_enough(got, want, 0.001),
        mistakes=(ten_probes if default else ())
        + (
            Mistake(
                lambda p, want: knobs(p)[0] + (knobs(p)[2] - 1) * knobs(p)[1],
                "after the last probe the kernel still waits one interval for an answer "
                "before giving up",
            ),
            Mistake(
                lambda p, want: knobs(p)[2] * knobs(p)[1],
                "the first probe only goes out after the idle time",
            ),
            Mistake(lambda p, want: knobs(p)[0], "the idle time only starts the probing"),
            Mistake(lambda p, want: want / 60, "give seconds"),
            Mistake(lambda p, want: want / 3600, "give seconds"),
        ),
        otherwise="is off: idle time, then one interval per probe",
    )


@register
class KeepaliveDetection(FieldSpec):
    label = "8_ex_1"
    kind = "compute"
    topic = "keepalive: when a dead peer is detected (Linux 7200 s + 9 probes × 75 s)"
    title = "How long until keepalive gives up?"

    answer_fields = (
        _keepalive_field("linux_default_s", default=True),
        _keepalive_field("yours_s", default=False),
    )
    praise = (
        "right: over two hours by default — why applications that care use their own "
        "heartbeats or much smaller keepalive settings."
    )

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        return {
            "time": rng.choice([60, 120, 300, 600, 1800, 3600]),
            "intvl": rng.choice([5, 10, 15, 20, 30, 60]),
            "probes": rng.choice([2, 3, 4, 5, 6, 8]),
        }

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "A connection has keepalive on (SO_KEEPALIVE). At t = 0 the last segment from "
            "the peer arrives; then the peer's host loses power and nothing comes back ever "
            "again. The connection has no data to send. When does the kernel give up and "
            "report the error to the application?\n\n"
            "- `linux_default_s`: with Linux's default `tcp_keepalive_time`, "
            "`tcp_keepalive_intvl` and `tcp_keepalive_probes`;\n"
            f"- `yours_s`: with `TCP_KEEPIDLE` = {p['time']} s, `TCP_KEEPINTVL` = "
            f"{p['intvl']} s and `TCP_KEEPCNT` = {p['probes']} set on the socket.\n\n"
            "In seconds after t = 0. (A popular article says the default sends 10 probes — "
            "check.) Answer with a dict: "
            '`answer = {"linux_default_s": ..., "yours_s": ...}`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, float]:
        idle, intvl, probes = _knobs(p, default=False)
        mine = LINUX.with_(keepalive_time=idle, keepalive_intvl=intvl, keepalive_probes=probes)
        return {
            "linux_default_s": keepalive_timeline(LINUX).give_up,
            "yours_s": keepalive_timeline(mine).give_up,
        }


def _send_name(send: Send) -> str:
    return "ACK" if send in (Send.ACK, Send.CHALLENGE_ACK) else send.value


def _keys(spec: FieldSpec) -> str:
    return ", ".join(repr(f.name) + ": ..." for f in spec.answer_fields)


def _read_reply(value: Any, what: str) -> str:
    return as_word(
        value,
        ("SYN-ACK", "ACK", "RST", "nothing"),
        what,
        {"challenge ACK": "ACK", "SYN ACK": "SYN-ACK", "synack": "SYN-ACK", "none": "nothing"},
    )


_RST_FROM_THAT_ACK = (
    "a SYN-SENT endpoint answers an unacceptable ACK with an RST whose SEQ is taken from "
    "that ACK (RFC 9293 §3.10.7.3)"
)


@register
class RebootedClient(FieldSpec):
    label = "8_ex_2"
    kind = "predict"
    topic = "a rebooted client's SYN meets the old ESTABLISHED connection: challenge ACK, RST"
    title = "The client rebooted"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        while True:
            p = {
                "snd_nxt": rng.randrange(seq.MOD),
                "rcv_nxt": rng.randrange(seq.MOD),
                "new_iss": rng.randrange(seq.MOD),
            }
            if seq.add(p["new_iss"], 1) != p["rcv_nxt"]:
                return p

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "A server has an ESTABLISHED connection with SND.NXT = "
            f"`{p['snd_nxt']}` and RCV.NXT = `{p['rcv_nxt']}`. The client's host crashed "
            "(no FIN, no RST), rebooted, and now connects again from the *same* port: its "
            f"SYN has SEQ = `{p['new_iss']}`. Both follow RFC 9293 with RFC 5961, as Linux "
            "does.\n\n"
            '- `server_sends`: the segment the server answers the SYN with: `"SYN-ACK"`, '
            '`"ACK"`, `"RST"` or `"nothing"`;\n'
            "- `reply_seq`, `reply_ack`: its SEQ and ACK numbers;\n"
            "- `client_rst_seq`: the client, in SYN-SENT, answers that segment with an RST — "
            "its SEQ;\n"
            "- `server_state`: the server's state for the old connection after that RST.\n\n"
            f"Answer with a dict: `answer = {{{_keys(self)}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        server = TcpStateMachine(state=State.ESTABLISHED)
        sent = server.handle(Event.RCV_SYN).send  # RFC 5961 §4: a challenge ACK
        reply_seq, reply_ack = p["snd_nxt"], p["rcv_nxt"]  # <SEQ=SND.NXT><ACK=RCV.NXT>
        # The client in SYN-SENT: SND.UNA = ISS, SND.NXT = ISS + 1; an ACK outside
        # (ISS, ISS+1] is unacceptable and draws <SEQ=SEG.ACK><CTL=RST>.
        assert not seq.ack_acceptable(p["new_iss"], reply_ack, seq.add(p["new_iss"], 1))
        rst_seq = reply_ack
        # The RST sits exactly at the server's RCV.NXT: it resets the old connection.
        assert rst_seq == p["rcv_nxt"]
        server.handle(Event.RCV_RST)
        return {
            "server_sends": _send_name(sent),
            "reply_seq": reply_seq,
            "reply_ack": reply_ack,
            "client_rst_seq": rst_seq,
            "server_state": server.state,
        }

    answer_fields = (
        Field(
            "server_sends",
            read=_read_reply,
            mistakes=(
                Mistake(
                    lambda p, want: "RST",
                    "answering with an RST is what older texts say; a blind attacker could "
                    "use that to kill connections. RFC 5961 answers a SYN in a synchronized "
                    "state differently",
                ),
                Mistake(
                    lambda p, want: "SYN-ACK",
                    "the server still has the old connection for this 4-tuple; it cannot "
                    "start a new one on top of it",
                ),
            ),
            otherwise=": RFC 5961 makes the server answer, not stay silent",
        ),
        seq_field(
            "reply_seq",
            (1, "the challenge ACK is a pure ACK sent at SND.NXT; it consumes nothing itself"),
        ),
        Field(
            "reply_ack",
            mistakes=(
                Mistake(
                    lambda p, want: seq.add(p["new_iss"], 1),
                    "the server does not acknowledge the new SYN — it states what it expects "
                    "on the *old* connection",
                ),
            ),
            diagnose=seq_diagnosis,
        ),
        Field(
            "client_rst_seq",
            mistakes=tuple(
                Mistake(wrong, _RST_FROM_THAT_ACK)
                for wrong in (
                    lambda p, want: p["new_iss"],
                    lambda p, want: seq.add(p["new_iss"], 1),
                    lambda p, want: 0,
                )
            ),
            diagnose=seq_diagnosis,
        ),
        Field(
            "server_state",
            read=as_state,
            otherwise=": compare the RST's SEQ with the server's RCV.NXT — which of RFC "
            "5961's three cases is it?",
        ),
    )
    praise = (
        "right: challenge ACK, then the client's RST lands exactly on RCV.NXT and clears "
        "the stale connection; the client's next SYN retransmission opens a fresh one."
    )


def _rst_rows(rng: random.Random) -> tuple[int, int, list[int]]:
    wnd = rng.choice([8192, 16384, 29200, 65535])
    rcv_nxt = (seq.MOD - rng.randint(1, wnd - 1)) % seq.MOD  # the window spans the wrap
    offsets = [
        0,
        rng.randint(1, wnd - 1),
        rng.randint(1, wnd - 1),
        wnd,  # just past the window
        -1,  # just before RCV.NXT
        -rng.randint(2, 1 << 20),
        wnd + rng.randint(1, 1 << 20),
    ]
    rng.shuffle(offsets)
    return rcv_nxt, wnd, [(rcv_nxt + o) % seq.MOD for o in offsets]


def rst_verdict(seg_seq: int, rcv_nxt: int, rcv_wnd: int) -> str:
    """RFC 5961 §3 / RFC 9293 §3.10.7.4: what an RST with SEQ ``seg_seq`` does."""
    if not seq.segment_acceptable(seg_seq, 0, rcv_nxt, rcv_wnd):
        return "drop"
    return "reset" if seg_seq == rcv_nxt else "challenge"


def _rst_facts(p: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per RST of 8_ex_3: its offset from RCV.NXT (mod 2^32), the window, and whether a
    plain-integer test (no wrap) would put it in the window."""
    lo, wnd = p["rcv_nxt"], p["rcv_wnd"]
    return [{"off": seq.sub(s, lo), "wnd": wnd, "plain_in": lo <= s < lo + wnd} for s in p["seqs"]]


def _obeyed_outside(row: Mapping[str, Any], got: str, want: str) -> bool:
    """An RST outside the window (to be dropped) that the student lets act."""
    return want == "drop" and got != "drop" and (row["off"] < 0 or row["off"] >= row["wnd"])


@register
class RstAcceptance(ValueSpec):
    label = "8_ex_3"
    kind = "compute"
    topic = "RFC 5961 RST handling: exact RCV.NXT resets, in-window → challenge ACK, else drop"
    title = "Which RSTs are obeyed?"

    answer_field = ListField(
        "your verdicts",
        read=lambda value, what: as_word(
            value,
            ("reset", "challenge", "drop"),
            what,
            {"challenge ack": "challenge", "ack": "challenge", "dropped": "drop", "ignore": "drop"},
        ),
        rows=_rst_facts,
        shape="a list of {n} words, one per RST",
        mistakes=(
            Mistake(
                lambda p, want: ["reset" if w != "drop" else "drop" for w in want],
                "that was the old rule (any in-window RST resets); RFC 5961 is stricter, "
                "because a blind attacker only has to land somewhere in the window",
            ),
        ),
        entry_mistakes=(
            Mistake(
                when=lambda row, got, want: (
                    _obeyed_outside(row, got, want)
                    and not row["plain_in"]
                    and row["off"] in (-1, row["wnd"])
                ),
                say="the window is RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND: check both edges",
            ),
            Mistake(when=_obeyed_outside, say="measure each SEQ forward from RCV.NXT, modulo 2^32"),
            Mistake(
                when=lambda row, got, want: want != "drop" and got == "drop",
                say="the window spans the wrap: a small SEG.SEQ can be inside it (modulo 2^32)",
            ),
        ),
        entry_otherwise="only an RST at exactly RCV.NXT resets; elsewhere in the window it is "
        "challenged",
        wrong="{k} of {n} verdicts are wrong (e.g. #{first}). Hint: {hint}",
    )
    praise = "right: only an RST at exactly RCV.NXT resets; a blind attacker must hit it."

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        rcv_nxt, wnd, seqs = _rst_rows(rng)
        return {"rcv_nxt": rcv_nxt, "rcv_wnd": wnd, "seqs": seqs}

    def question(self, p: Mapping[str, Any]) -> str:
        rows = "\n".join(f"| {i} | `{s}` |" for i, s in enumerate(p["seqs"], 1))
        return (
            f"An ESTABLISHED connection has RCV.NXT = `{p['rcv_nxt']}` and RCV.WND = "
            f"{p['rcv_wnd']}. Seven segments with RST set (no data) arrive, with these "
            "SEQ numbers:\n\n| # | SEG.SEQ |\n|---|---|\n"
            f"{rows}\n\n"
            'For each, following RFC 5961 as RFC 9293 and Linux do: does it `"reset"` the '
            'connection, draw a `"challenge"` ACK (and is otherwise ignored), or is it '
            '`"drop"`ped silently? Answer with a list of seven words in this order: '
            '`answer = ["reset", ...]`.'
        )

    def _expected(self, p: Mapping[str, Any]) -> list[str]:
        return [rst_verdict(s, p["rcv_nxt"], p["rcv_wnd"]) for s in p["seqs"]]


_RST_SEQ_FROM_ACK = (
    "when the offending segment has ACK set, the RST's SEQ is taken from its ACK field, "
    "so that the sender finds it acceptable"
)


@register
class ConnectionRefused(FieldSpec):
    label = "8_ex_4"
    kind = "compute"
    topic = "connection refused: the RST a closed port sends, to a SYN and to a stray ACK"
    title = "Nobody listens on that port"

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        isn = seq.MOD - 1 if rng.random() < 0.4 else rng.randrange(seq.MOD)
        return {
            "isn": isn,
            "stray_seq": rng.randrange(seq.MOD),
            "stray_ack": rng.randrange(seq.MOD),
        }

    def question(self, p: Mapping[str, Any]) -> str:
        return (
            "Host B has no listener and no connection on port 81.\n\n"
            f"1. Client A sends B a SYN with SEQ = `{p['isn']}` to port 81. B answers with "
            "an RST (RFC 9293 §3.10.7.1, the CLOSED state). Give `syn_rst_seq` and "
            "`syn_rst_ack`, its SEQ and ACK numbers.\n"
            f"2. A stray segment with ACK set, SEQ = `{p['stray_seq']}` and ACK = "
            f"`{p['stray_ack']}`, no data, reaches the same port. Give `ack_rst_seq`, the SEQ "
            "of B's RST.\n"
            "3. `client_state`: A's state after the first RST arrives.\n\n"
            "Numbers in 0 … 2^32−1. Answer with a dict: "
            f"`answer = {{{_keys(self)}}}`."
        )

    def _expected(self, p: Mapping[str, Any]) -> dict[str, Any]:
        client = TcpStateMachine()
        client.handle(Event.ACTIVE_OPEN)
        client.handle(Event.RCV_RST)  # an RST whose ACK acknowledges the SYN: refused
        return {
            # no ACK on the SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SEG.LEN = 1
            "syn_rst_seq": 0,
            "syn_rst_ack": seq.add(p["isn"], 1),
            # ACK set: <SEQ=SEG.ACK><CTL=RST>
            "ack_rst_seq": p["stray_ack"],
            "client_state": client.state,
        }

    answer_fields = (
        Field(
            "syn_rst_seq",
            otherwise=": B has no TCB, so no sequence numbers of its own; the RST to a "
            "segment without ACK uses a fixed SEQ",
        ),
        seq_field(
            "syn_rst_ack",
            (-1, "the SYN occupies one sequence number: SEG.SEQ + SEG.LEN, and a SYN's LEN is 1"),
        ),
        Field(
            "ack_rst_seq",
            mistakes=(
                Mistake(lambda p, want: p["stray_seq"], _RST_SEQ_FROM_ACK),
                Mistake(lambda p, want: seq.add(p["stray_seq"], 1), _RST_SEQ_FROM_ACK),
                Mistake(lambda p, want: 0, _RST_SEQ_FROM_ACK),
            ),
            diagnose=seq_diagnosis,
        ),
        Field(
            "client_state",
            read=as_state,
            otherwise=": the RST acknowledges A's SYN, so A accepts it: what does an "
            "accepted RST do in SYN-SENT?",
        ),
    )
    praise = "right: connect() fails with 'connection refused' one RTT after the SYN."
