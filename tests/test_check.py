"""The exercise checkers: right answers pass, typical mistakes get specific feedback,
untouched answers are "not solved yet", parameters are per student, and feedback never
gives the expected answer away."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcplab import seq
from tcplab.check import Result, catalog_markdown, check, exercise, labels
from tcplab.check._core import get_spec, register, student_rng
from tcplab.fsm import Event, Send, State
from tcplab.timers import LINUX, LINUX_PRE_6_5, PRESETS

STUDENTS = ["demo-student", "alice", "bob", "张伟", "s-0042"]
ALL = labels()


def expected(label: str, sid: str) -> Any:
    ex = exercise(label, sid)
    return ex._spec._expected(ex.params)


def params(label: str, sid: str) -> Mapping[str, Any]:
    return exercise(label, sid).params


# --------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------


def test_at_least_thirty_two_exercises_across_modules_1_to_8_with_three_to_five_each():
    assert len(ALL) >= 32
    for module in range(1, 10):
        assert 3 <= len(labels(module)) <= 5, module
    assert all(re.fullmatch(r"[1-9]_ex_[1-9][0-9]*", lab) for lab in ALL)
    assert len(set(ALL)) == len(ALL)


def test_every_kind_is_used():
    kinds = {exercise(lab, "x").kind for lab in ALL}
    assert kinds == {"compute", "predict", "explain", "build"}


def test_unknown_label_and_bad_student_id_are_value_errors():
    with pytest.raises(ValueError, match="label = '9_ex_9': expected an exercise label"):
        exercise("9_ex_9", "alice")
    with pytest.raises(ValueError, match="student_id = .*: expected a non-empty string"):
        exercise("1_ex_1", "")
    with pytest.raises(ValueError, match="student_id"):
        check("1_ex_1", 5, student_id=None)  # type: ignore[arg-type]


def test_register_rejects_bad_labels_and_duplicates():
    from tcplab.check import Spec

    class BadLabel(Spec):
        label = "ex_1"
        kind = "compute"

    with pytest.raises(ValueError, match="must look like"):
        register(BadLabel)

    class Duplicate(Spec):
        label = "1_ex_1"
        kind = "compute"

    with pytest.raises(ValueError, match="already taken"):
        register(Duplicate)


def test_catalog_table_lists_every_label():
    table = catalog_markdown()
    for lab in ALL:
        assert f"`{lab}`" in table


# --------------------------------------------------------------------------------------
# Per-student parameters
# --------------------------------------------------------------------------------------


def test_seed_is_a_stable_hash_not_pythons_salted_hash():
    # Two fresh interpreters with different hash salts must hand out the same numbers.
    code = "from tcplab.check import exercise; print(dict(exercise('2_ex_1', 'alice').params))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": salt},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for salt in ("1", "2")
    }
    assert len(outs) == 1 and "client_isn" in outs.pop()
    assert student_rng("1_ex_1", "alice").random() == student_rng("1_ex_1", "alice").random()
    assert student_rng("1_ex_1", "alice").getrandbits(32) != student_rng(
        "1_ex_1", "bob"
    ).getrandbits(32)
    assert student_rng("1_ex_1", "alice").getrandbits(32) != student_rng(
        "1_ex_2", "alice"
    ).getrandbits(32)


@pytest.mark.parametrize("label", ALL)
def test_same_student_same_numbers(label):
    assert dict(params(label, "alice")) == dict(params(label, "alice"))
    assert exercise(label, "alice").text == exercise(label, "alice").text


@pytest.mark.parametrize("label", [lab for lab in ALL if lab != "3_ex_5"])
def test_different_students_get_different_numbers(label):
    # Small choice sets may collide for two students; across five they must differ.
    seen = {repr(dict(params(label, sid))) for sid in STUDENTS}
    assert len(seen) >= 2, label


def test_params_are_read_only():
    p = params("2_ex_1", "alice")
    with pytest.raises(TypeError):
        p["client_isn"] = 0  # type: ignore[index]


# --------------------------------------------------------------------------------------
# Right answers, untouched answers, display
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ALL)
@pytest.mark.parametrize("sid", STUDENTS)
def test_the_expected_answer_is_correct(label, sid):
    r = check(label, expected(label, sid), student_id=sid)
    assert r.status == "correct", r
    assert r.solved


@pytest.mark.parametrize("label", ALL)
@pytest.mark.parametrize("untouched", [None, ...])
def test_untouched_answer_is_not_solved_yet(label, untouched):
    r = check(label, untouched, student_id="alice")
    assert r.status == "not solved yet"
    assert not r.solved
    with pytest.raises(AssertionError, match="not solved yet"):
        r.require()


def _dict_of_dots(ans: Any) -> Any:
    if isinstance(ans, dict):
        return dict.fromkeys(ans, ...)
    if isinstance(ans, list):
        return [_dict_of_dots(a) for a in ans]
    return ...


@pytest.mark.parametrize("label", ALL)
def test_template_with_every_part_still_dots_is_not_solved_yet(label):
    # What a fresh exercise notebook holds: the answer's shape with ... in every slot.
    ans = _dict_of_dots(expected(label, "alice"))
    assert check(label, ans, student_id="alice").status == "not solved yet"


def test_partly_filled_dict_names_what_is_left():
    exp = expected("2_ex_1", "alice")
    ans = {**exp, "ack_ack": ..., "ack_seq": ...}
    r = check("2_ex_1", ans, student_id="alice")
    assert r.status == "not solved yet"
    assert "ack_seq" in r.message and "ack_ack" in r.message


def test_function_raising_not_implemented_is_not_solved_yet():
    def seq_lt(a, b):
        raise NotImplementedError("your code here")

    r = check("5_ex_1", seq_lt, student_id="alice")
    assert r.status == "not solved yet"
    assert "NotImplementedError" in r.message


def test_wrong_types_are_incorrect_not_crashes():
    for label in ALL:
        for junk in (object(), 3.5, "nonsense", [1, 2], {"x": 1}, True):
            r = check(label, junk, student_id="alice")
            assert r.status in ("incorrect", "not solved yet"), (label, junk, r)
            assert r.message


def test_result_renders_for_jupyter_and_carries_a_machine_readable_verdict():
    r = check("1_ex_1", 12, student_id="alice")
    bundle = r._repr_mimebundle_()
    assert bundle["application/vnd.tcplab.check+json"] == {
        "label": "1_ex_1",
        "status": r.status,
        "solved": r.solved,
    }
    assert bundle["text/plain"].startswith(f"[{r.status}] 1_ex_1:")
    assert "**1_ex_1 — incorrect.**" in bundle["text/markdown"]
    assert "SND.NXT" in bundle["text/markdown"]
    with pytest.raises(ValueError):
        Result("x", "maybe", "")  # type: ignore[arg-type]


def test_feedback_gives_neither_distance_nor_direction_to_the_answer():
    # "too low" / "too high" would let a student bisect the answer in ~32 checks.
    e = expected("1_ex_1", "alice")
    below = check("1_ex_1", (e - 217) % seq.MOD, student_id="alice")
    above = check("1_ex_1", (e + 217) % seq.MOD, student_id="alice")
    assert below.status == above.status == "incorrect"
    assert below.message == above.message
    assert "217" not in below.message
    assert not re.search(r"too (low|high)|higher|lower", below.message)


def test_exercise_shows_the_students_numbers():
    ex = exercise("2_ex_1", "alice")
    md = ex._repr_markdown_()
    assert str(ex.params["client_isn"]) in md and str(ex.params["server_isn"]) in md
    assert "alice" in md
    assert str(ex.params["client_isn"]) in str(ex)


# --------------------------------------------------------------------------------------
# Typical mistakes get specific feedback, and never the answer
# --------------------------------------------------------------------------------------


def _tokens(value: Any) -> set[str]:
    """Strings that would give the expected answer away if they appeared in feedback."""
    out: set[str] = set()
    if isinstance(value, bool) or value is None:
        return out
    if isinstance(value, int):
        if abs(value) >= 100:
            out.add(str(value))
    elif isinstance(value, float):
        if value >= 10:
            out |= {f"{value:.1f}", f"{value:.0f}"}
        else:
            out |= {f"{value:.3f}", f"{value:.2f}"}
    elif isinstance(value, State):
        out.add(value.rfc_name)
    elif isinstance(value, Mapping):
        for v in value.values():
            out |= _tokens(v)
    elif isinstance(value, list | tuple) and value and all(isinstance(v, State) for v in value):
        out.add(" → ".join(s.rfc_name for s in value))
    elif isinstance(value, list | tuple):
        for v in value:
            out |= _tokens(v)
    return out


def _wrong_mc(label: str, sid: str) -> list[tuple[Any, str]]:
    spec = get_spec(label)
    p = params(label, sid)
    return [(letter, c.why[:25]) for letter, c in spec.options(p) if not c.correct]  # type: ignore[attr-defined]


Mistakes = Callable[[Mapping[str, Any], Any], list[tuple[Any, str]]]


def _with(d: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(d)
    out.update(changes)
    return out


def _m_1_1(p, e):
    return [
        ((e - 1) % seq.MOD, "one short"),
        ((e - 2) % seq.MOD, "the SYN and the FIN each consume"),
        ((e + p["pure_acks"]) % seq.MOD, "pure ACKs consume no sequence numbers"),
        (e + seq.MOD, "wrap"),
        (-5, "not a sequence number"),
        ("twelve", "should be a number"),
    ]


def _m_1_2(p, e):
    from tcplab.fsm import TcpStateMachine

    m = TcpStateMachine()
    for name in p["events"][:-1]:
        m.handle(Event[name])
    before = m.state
    out = [] if before is e else [(before.rfc_name, "before the last event")]
    others = [s for s in State if s is not e and s is not before]
    out.append((others[0].name.lower(), ""))
    out.append(("FIN-WAIT-3", "is not a TCP state"))
    return out


def _m_1_3(p, e):
    st = State[p["state"]]
    extra = next(ev for ev in Event if ev not in e)
    fewer = set(e) - {Event.RCV_RST}
    return [
        ({ev.name for ev in e} | {extra.name}, f"{extra.name} mean(s) nothing in {st.rfc_name}"),
        (fewer, "you are missing 1 event(s)"),
        ("CLOSE", "answer with a set"),
    ]


def _m_1_4(p, e):
    wrong_send = [dict(x) for x in e]
    wrong_send[0]["send"] = Send.RST if e[0]["send"] is not Send.RST else Send.ACK
    wrong_state = [dict(x) for x in e]
    wrong_state[1]["state"] = next(s for s in State if s is not e[1]["state"])
    return [
        (wrong_send, "case 1: the segment sent is wrong"),
        (wrong_state, "case 2: the next state is wrong"),
        (e[:1], "list of 2 dicts"),
    ]


def _m_1_5(p, e):
    out = []
    for name, code in e.items():
        if int(code, 16) >= 10:
            out.append((_with(e, **{name: str(int(code, 16))}), "hexadecimal"))
            out.append((_with(e, **{name: int(code, 16)}), "as a string"))
        other = "01" if code != "01" else "02"
        out.append((_with(e, **{name: other}), "that is the code of"))
    return out


def _m_2_1(p, e):
    return [
        (_with(e, syn_ack_ack=p["client_isn"]), "a SYN consumes a sequence number"),
        (_with(e, ack_ack=p["server_isn"]), "the server's SYN consumes a sequence number too"),
        (_with(e, syn_ack_seq=p["client_isn"]), "built from the client's ISN"),
        (_with(e, ack_seq=p["client_isn"]), "used up its ISN"),
        (_with(e, server_ack_after_data=seq.add(p["client_isn"], 1)), "data bytes as well"),
        (_with(e, server_ack_after_data=p["client_isn"] + 1 + p["data"]), "wrap around"),
    ]


def _m_2_2(p, e):
    times, end = e["send_times"], e["gives_up_at"]
    n = len(times)
    return [
        ({"send_times": times[:-1], "gives_up_at": end}, "is not one of them"),
        ({"send_times": times, "gives_up_at": times[-1]}, "one more timeout"),
        (
            {"send_times": times, "gives_up_at": times[-1] + (times[-1] - times[-2])},
            "final wait doubles",
        ),
        (
            {"send_times": [float(i) for i in range(n)], "gives_up_at": float(n)},
            "exponential backoff",
        ),
        ({"send_times": [1.0, *times[1:]], "gives_up_at": end}, "at t = 0"),
    ]


def _m_2_3(p, e):
    # Linear timeouts applied to a SYN+ACK: they belong to an active open's SYN only.
    tl = LINUX.with_(syn_retries=p["retries"]).syn_rule().timeline()
    wrong = {"send_times": list(tl.send_times), "gives_up_at": tl.give_up}
    return [*_m_2_2(p, e), (wrong, "only to the SYN of an active open")]


def _m_2_2_kernel(p, e):
    # The schedule of the *other* kernel: the feedback names the kernel's rule.
    other = "linux-pre-6.5" if p["kernel"] == "linux" else "linux"
    tl = PRESETS[other].with_(syn_retries=p["retries"]).syn_rule().timeline()
    hint = "before 6.5" if p["kernel"] == "linux" else "6.5 and later"
    return [*_m_2_2(p, e), ({"send_times": list(tl.send_times), "gives_up_at": tl.give_up}, hint)]


def _m_2_4(p, e):
    other = {"client": "server", "server": "client", "both": "client"}[e["retransmits"]]
    out = [
        (_with(e, retransmits=other), "retransmits:"),
        (_with(e, retransmits="nobody"), "should be"),
    ]
    if p["lost"] == "ACK":
        out.append((_with(e, retransmits="both"), "a pure ACK is never retransmitted by itself"))
        out.append((_with(e, client="SYN-SENT"), "when it *sends* the ACK"))
    out.append((_with(e, server="CLOSED"), "server: which segments"))
    return out


def _m_3_1(p, e):
    n = p["data"]
    return [
        (_with(e, server_ack=p["client_nxt"]), "a FIN consumes one sequence number"),
        (_with(e, server_fin_seq=p["server_nxt"]), "half-close"),
        (_with(e, last_ack_seq=seq.add(p["client_nxt"], 2)), "consumes nothing"),
        (_with(e, last_ack_ack=seq.add(p["server_nxt"], n)), "a FIN consumes one sequence number"),
        (_with(e, last_ack_ack=p["server_nxt"] + n + 1), "wrap around"),
    ]


def _m_3_2(p, e):
    sc = p["scenario"]
    out = [(e[1:], "start with ESTABLISHED")]
    if sc in ("merged", "simultaneous"):
        bad = [State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.TIME_WAIT, State.CLOSED]
        out.append((bad, "FIN-WAIT-2"))
    if sc == "passive":
        bad = [State.ESTABLISHED, State.CLOSE_WAIT, State.LAST_ACK, State.TIME_WAIT, State.CLOSED]
        out.append((bad, "only the side that sends the last ACK waits"))
    else:
        out.append(([s for s in e if s is not State.TIME_WAIT], "always waits"))
    return out


def _m_3_4(p, e):
    other = "server" if e["retransmits"] == "client" else "client"
    return [
        (_with(e, segment="ACK"), "a lost ACK is never retransmitted by itself"),
        (_with(e, retransmits=other), "whose FIN is still waiting"),
        (_with(e, client="CLOSED"), "client: which closing segments"),
    ]


def _m_3_5(p, e):
    return [
        ("because", "at least one full sentence"),
        (
            "The passive side must wait because the connection is reset otherwise.",
            "RST plays no part",
        ),
        ("Because the passive side could still have more data to send to the peer.", "who decides"),
        (
            "Because the application decides when to call close on its socket later on.",
            "in its own direction",
        ),
        (42, "as a string"),
    ]


def _plain_lt(a, b):
    return a < b


def _lt_no_undefined(a, b):
    return (b - a) % seq.MOD < seq.HALF and a != b


def _lt_crashes(a, b):
    return {}[a]


def _lt_returns_int(a, b):
    return int(seq.lt(a, b)) if (a - b) % seq.MOD != seq.HALF else 0


def _lt_raises_everywhere(a, b):
    raise ValueError("nope")


def _m_5_1(p, e):
    return [
        (_plain_lt, "you compared as plain integers"),
        (_lt_no_undefined, "exactly 2^31 apart"),
        (_lt_crashes, "your function raised KeyError"),
        (_lt_returns_int, "return True or False"),
        (_lt_raises_everywhere, "raised ValueError, but only pairs exactly 2^31 apart"),
        (seq.lt(1, 2), "pass your function itself"),
    ]


def _m_5_2(p, e):
    plain = [get_spec("5_ex_2")._plain(s, n, p["rcv_nxt"], w) for s, n, w in p["segments"]]  # type: ignore[attr-defined]
    zero_flip = list(e)
    zero_flip[-1] = not zero_flip[-1]
    return [
        (plain, "you compared as plain integers"),
        (zero_flip, "zero window"),
        (e[:-1], "list of 7 booleans"),
    ]


def _m_5_3(p, e):
    t = e["wrap_s"]
    return [
        (_with(e, wrap_s=seq.cycle_time(p["bps"])), "you used all 2^32 numbers"),
        (_with(e, wrap_s=t / 8), "bytes, and the speed is in bits"),
        (_with(e, wrap_s=t * 1000), "units"),
        (_with(e, within_msl=not e["within_msl"]), "compare your T_wrap with 120 s"),
        (_with(e, wrap_s=t * 1.5), "off by more than 2 %"),
    ]


def _m_5_4(p, e):
    return [
        (_with(e, rfc_4us_hours=4.55), "4.55 h is the figure RFC 9293 prints"),
        (_with(e, rfc_4us_hours=e["rfc_4us_hours"] * 3600), "convert to hours"),
        (_with(e, linux_64ns_seconds=e["linux_64ns_seconds"] / 2), "not 2^31"),
        (_with(e, your_clock_seconds=e["your_clock_seconds"] * 1000), "check the units"),
    ]


def _m_4_1(p, e):
    ports = e["ports"]
    return [
        (_with(e, ports=ports - 1), "one short"),
        (_with(e, linux_per_s=ports / 240), "the other stack's TIME-WAIT"),
        (_with(e, rfc_per_s=ports / 120), "two MSLs"),
        (_with(e, linux_per_s=ports * 60), "divide the number of ports"),
        (_with(e, target_ok_on_linux=not e["target_ok_on_linux"]), "compare the target"),
    ]


def _m_4_3(p, e):
    other_state = State.CLOSED if e["a_state"] is State.TIME_WAIT else State.TIME_WAIT
    other_reply = "RST" if e["a_replies"] == "ACK" else "ACK"
    reply_hint = "still has its TCB" if e["a_replies"] == "ACK" else "deleted its TCB"
    other_sees = "clean close" if e["b_sees"] == "connection reset" else "connection reset"
    return [
        (_with(e, a_state=other_state), "a_state: compare when the FIN copy arrives"),
        (_with(e, a_replies=other_reply), reply_hint),
        (_with(e, b_sees=other_sees), "b_sees: follow A's reply"),
        (_with(e, a_replies="FIN"), "should be one of"),
    ]


def _m_4_4(p, e):
    other = State.CLOSED if e["state_after"] is State.TIME_WAIT else State.TIME_WAIT
    out = [
        (_with(e, linux_default=1), "reads the wrong way round"),
        (_with(e, state_after=other), "state_after: with this setting"),
        (_with(e, remaining_s=60.0), "restart" if p["rfc1337"] else "has been killed"),
    ]
    if p["rfc1337"]:
        out.append((_with(e, remaining_s=240.0 - p["t"]), "not 2·MSL"))
    return out


def _m_6_1(p, e):
    out = [
        (_with(e, recv_q=e["recv_q"] - 1), "recv_q is one short"),
        (
            _with(
                e,
                client_established=e["client_established"] - 1,
                client_syn_sent=e["client_syn_sent"] + 1,
            ),
            "client_established is one short",
        ),
        (_with(e, listen_overflows=e["listen_overflows"] + 1), "counted once"),
        (_with(e, client_syn_sent=e["client_syn_sent"] + 3), "either ESTABLISHED or"),
    ]
    if p["backlog"] > p["somaxconn"]:
        out.append((_with(e, send_q=p["backlog"]), "clamps the backlog to somaxconn"))
    if p["backlog"] < 0:
        out.append((_with(e, send_q=0), "unsigned"))
    return out


def _m_6_2(p, e):
    other_state = State.CLOSED if e["client_state"] is State.ESTABLISHED else State.ESTABLISHED
    state_hint = "moved on" if e["server_sends"] == "nothing" else "acceptable RST"
    return [
        (_with(e, server_sends="RST" if e["server_sends"] == "nothing" else "nothing"), "decides"),
        (_with(e, client_state=other_state), state_hint),
        (_with(e, request_kept=not e["request_kept"]), "request_kept:"),
        (_with(e, counters=e["counters"] - {"ListenDrops"}), "counter(s) missing"),
        (_with(e, counters=e["counters"] | {"SyncookiesSent"}), "SyncookiesSent does not move"),
        (_with(e, counters={"Overflows"}), "should be one of"),
    ]


def _m_6_3(p, e):
    rows = p["rows"]
    out: list[tuple[Any, str]] = [(e[:3], "list of four ints")]
    as_capacity = [max(0, s - r) for r, s in rows]
    if as_capacity != e:
        out.append((as_capacity, "Send-Q as the number that fits"))
    waiting = [r for r, _ in rows]
    if waiting != e and waiting != as_capacity:
        out.append((waiting, "not bytes"))
    return out


def _admit_no_clamp(q, a, backlog, somaxconn, cookies):
    limit = backlog
    if cookies == 2 or q > limit:
        if not cookies:
            return "drop"
        return "cookie" if a <= limit else "drop"
    return "drop" if a > limit else "queue"


def _admit_none(q, a, backlog, somaxconn, cookies):
    return None


def _m_6_4(p, e):
    return [
        (_admit_no_clamp, "clamp the backlog"),
        (_admit_none, "returned None"),
        ("queue", "pass your function itself"),
    ]


def _synack(retries: int):
    return LINUX.with_(synack_retries=retries).synack_rule().timeline()


def _m_7_1(p, e):
    sends = _synack(p["retries"]).send_times
    return [
        (_with(e, hold_s=sends[-1]), "last SYN-ACK goes out"),
        (_with(e, hold_s=_synack(p["retries"] + 1).give_up), "*re*transmissions"),
        (_with(e, half_open=float(p["rate"])), "how many are alive"),
        (_with(e, memory_bytes=e["memory_bytes"] / 1024), "give bytes"),
    ]


def _m_7_2(p, e):
    from tcplab import syncookie

    out = [
        (list(p["mss"]), "holds an index"),
        ([syncookie.mss_index(m) for m in p["mss"]], "table indices"),
        (e[:5], "list of six ints"),
    ]
    table = syncookie.MSS_TABLE
    nearest = [min(table, key=lambda t: (abs(t - m), -t)) for m in p["mss"]]
    if nearest != e:
        out.append((nearest, "nearest table entry"))
    return out


def _m_7_3(p, e):
    return [
        (_with(e, p_low24=1 / 2**24), "more than one index"),
        (_with(e, p_random_ack=e["p_low24"]), "top 8 bits"),
        (_with(e, p_random_ack=e["p_low24"] / 256), "previous minute"),
        (_with(e, expected_seconds=e["expected_seconds"] / 3600), "give seconds"),
    ]


_MSS = [536, 1300, 1440, 1460]


def _cookie_mss(ack, seq_, count_now, h, *, mask=0xFF, max_age=2, check_index=True, seq_m1=1):
    m = 2**32
    c = ((ack - 1) - h(0, 0) - (seq_ - seq_m1)) % m
    diff = (count_now - (c >> 24)) & mask if mask else count_now - (c >> 24)
    if max_age and diff >= max_age:
        return 0
    idx = (c - h(count_now - diff, 1)) & 0xFFFFFF
    if not check_index:
        return _MSS[idx % 4]
    return _MSS[idx] if idx < 4 else 0


def _m_7_4(p, e):
    return [
        (lambda a, s, n, h: _cookie_mss(a, s, n, h, mask=0), "modulo 256"),
        (lambda a, s, n, h: _cookie_mss(a, s, n, h, max_age=0), "must be rejected"),
        (lambda a, s, n, h: _cookie_mss(a, s, n, h, check_index=False), "0 … 3"),
        (lambda a, s, n, h: _cookie_mss(a, s, n, h, seq_m1=0), "ACK − 1"),
        (lambda a, s, n, h: None, "forget `return`"),
        (lambda a, s, n, h: {}[a], "your function raised KeyError"),
    ]


def _m_8_1(p, e):
    yours = e["yours_s"]
    return [
        (_with(e, linux_default_s=7200 + 10 * 75), "not 10 probes"),
        (_with(e, yours_s=p["time"] + (p["probes"] - 1) * p["intvl"]), "one interval"),
        (_with(e, yours_s=float(p["probes"] * p["intvl"])), "after the idle time"),
        (_with(e, yours_s=yours / 60), "give seconds"),
    ]


def _m_8_2(p, e):
    return [
        (_with(e, server_sends="RST"), "older texts"),
        (_with(e, server_sends="SYN-ACK"), "cannot start a new one"),
        (_with(e, reply_ack=seq.add(p["new_iss"], 1)), "does not acknowledge the new SYN"),
        (_with(e, reply_seq=seq.add(p["snd_nxt"], 1)), "consumes nothing"),
        (_with(e, client_rst_seq=seq.add(p["new_iss"], 1)), "taken from that ACK"),
        (_with(e, server_state=State.ESTABLISHED), "three cases"),
    ]


def _m_8_3(p, e):
    old_rule = ["drop" if w == "drop" else "reset" for w in e]
    all_challenge = ["challenge" if w != "drop" else w for w in e]
    return [
        (old_rule, "the old rule"),
        (all_challenge, "verdicts are wrong"),
        (e[:-1], "list of 7 words"),
        (["maybe"] * len(e), "should be one of"),
    ]


def _m_8_4(p, e):
    out = [
        (_with(e, syn_rst_seq=p["isn"]), "fixed SEQ"),
        (_with(e, syn_rst_ack=p["isn"]), "one short"),
        (_with(e, ack_rst_seq=p["stray_seq"]), "taken from its ACK field"),
        (_with(e, client_state="SYN-SENT"), "accepted RST"),
    ]
    if p["isn"] == seq.MOD - 1:
        out.append((_with(e, syn_rst_ack=p["isn"] + 1), "wrap around"))
    return out


def _m_9_1(p, e):
    x = p["isn"]
    return [
        ({"synack": f"+0 > S. 0:0(0) ack {x} <mss 1460>"}, "look at the ack"),
        ({"synack": f"+0 > S. 0:0(0) ack {x + 1} <mss {p['mss']}>"}, "look at the options"),
        ({"synack": "+0 > S 0:0(0) <mss 1460>"}, "look at the flags"),
        ({"synack": "+0 > S. 0:0 ack 1"}, "does not parse"),
    ]


def _m_9_2(p, e):
    return [
        (_with(e, ack_data=f"+0 > . 1:1(0) ack {p['n']}"), "line 9 (yours)"),
        (_with(e, ack_fin=e["fin"]), "line 12 (yours)"),
        (_with(e, fin="+0 > F. 1:1(0) ack 1"), "line 14 (yours)"),
    ]


def _m_9_3(p, e):
    st = "ESTABLISHED" if p["case"] == "exact" else "CLOSED"
    other = "nothing" if p["case"] == "in_window" else "+0 > . 1:1(0) ack 1"
    return [
        (_with(e, reply=other), "line 9 (yours)"),
        (_with(e, state=st), "the connection is not in"),
    ]


def _m_9_4(p, e):
    def wrong_ack(state, isn):
        return e(state, isn).replace(f"ack {isn + 1} <mss 1460>", f"ack {isn} <mss 1460>")

    def handshake_only(state, isn):
        return "\n".join(e(state, isn).splitlines()[:7])

    def no_out(state, isn):
        return "\n".join(ln for ln in e(state, isn).splitlines() if " > " not in ln)

    def fixed_isn(state, isn):
        return e(state, 1000)

    return [
        (wrong_ack, "line 5 (yours)"),
        (handshake_only, "another state"),
        (no_out, "no '>' line"),
        (fixed_isn, "should carry its ISN"),
        (lambda state, isn: None, "returned None"),
        (e("CLOSE_WAIT", 1000), "pass your function itself"),
    ]


def test_9_ex_4_feedback_shows_the_divergence_and_predict_feedback_hides_it():
    # Writing a whole script, the first divergence is shown as a script tool shows it;
    # predicting a line, the stack's segment is the answer and is never printed.
    e = expected("9_ex_4", "alice")
    r = check(
        "9_ex_4", lambda s, i: e(s, i).replace(f"ack {i + 2}", f"ack {i + 3}"), student_id="alice"
    )
    assert r.status == "incorrect" and "the stack sends" in r.message, r
    p = params("9_ex_1", "alice")
    r = check("9_ex_1", {"synack": "+0 > S. 0:0(0) ack 7 <mss 1460>"}, student_id="alice")
    assert r.status == "incorrect" and "look at the ack" in r.message, r
    assert str(p["isn"] + 1) not in r.message


def test_9_ex_4_is_graded_on_fresh_isns(tmp_path, monkeypatch):
    # A table of the student's own five scripts passes check() but not the hidden test.
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.chdir(_autograde_dir(tmp_path, "alice"))
    e = expected("9_ex_4", "alice")
    table = {state: e(state, isn) for state, isn in params("9_ex_4", "alice")["cases"]}
    assert check("9_ex_4", lambda state, isn: table[state], student_id="alice").solved
    with pytest.raises(AssertionError, match="9_ex_4: incorrect"):
        _summative.verify("9_ex_4", lambda state, isn: table[state], "alice")
    _summative.verify("9_ex_4", e, "alice")


MISTAKES: dict[str, Mistakes] = {
    "1_ex_1": _m_1_1,
    "1_ex_2": _m_1_2,
    "1_ex_3": _m_1_3,
    "1_ex_4": _m_1_4,
    "1_ex_5": _m_1_5,
    "2_ex_1": _m_2_1,
    "2_ex_2": _m_2_2_kernel,
    "2_ex_3": _m_2_3,
    "2_ex_4": _m_2_4,
    "3_ex_1": _m_3_1,
    "3_ex_2": _m_3_2,
    "3_ex_4": _m_3_4,
    "3_ex_5": _m_3_5,
    "5_ex_1": _m_5_1,
    "5_ex_2": _m_5_2,
    "5_ex_3": _m_5_3,
    "5_ex_4": _m_5_4,
    "4_ex_1": _m_4_1,
    "4_ex_3": _m_4_3,
    "4_ex_4": _m_4_4,
    "6_ex_1": _m_6_1,
    "6_ex_2": _m_6_2,
    "6_ex_3": _m_6_3,
    "6_ex_4": _m_6_4,
    "7_ex_1": _m_7_1,
    "7_ex_2": _m_7_2,
    "7_ex_3": _m_7_3,
    "7_ex_4": _m_7_4,
    "8_ex_1": _m_8_1,
    "8_ex_2": _m_8_2,
    "8_ex_3": _m_8_3,
    "8_ex_4": _m_8_4,
    "9_ex_1": _m_9_1,
    "9_ex_2": _m_9_2,
    "9_ex_3": _m_9_3,
    "9_ex_4": _m_9_4,
}
MULTIPLE_CHOICE = {"2_ex_5", "3_ex_3", "4_ex_2", "5_ex_5"}


def test_every_exercise_has_its_typical_mistakes_tested():
    assert set(MISTAKES) | MULTIPLE_CHOICE == set(ALL)


def _cases():
    for label in ALL:
        for sid in STUDENTS[:3]:
            yield label, sid


@pytest.mark.parametrize(("label", "sid"), list(_cases()))
def test_typical_mistakes_get_specific_feedback_without_the_answer(label, sid):
    e = expected(label, sid)
    p = params(label, sid)
    cases = _wrong_mc(label, sid) if label in MULTIPLE_CHOICE else MISTAKES[label](p, e)
    assert cases
    secret = _tokens(e)
    for answer, hint in cases:
        r = check(label, answer, student_id=sid)
        assert r.status == "incorrect", (label, answer, r)
        assert hint in r.message, (label, answer, r.message)
        for tok in secret:
            assert tok not in r.message, (label, tok, r.message)


@pytest.mark.parametrize("label", sorted(MULTIPLE_CHOICE))
def test_multiple_choice_accepts_letter_spellings_and_rejects_others(label):
    letter = expected(label, "alice")
    for spelling in (letter, letter.upper(), f"({letter})", f" {letter} "):
        assert check(label, spelling, student_id="alice").solved
    assert "not one of the options" in check(label, "z", student_id="alice").message
    # Option order is shuffled per student: the right letter is not always the same.
    assert len({expected(label, sid) for sid in [*STUDENTS, "x1", "x2", "x3"]}) >= 2


def test_serial_lt_students_code_is_exercised_across_the_wrap_and_at_half():
    pairs = params("5_ex_1", "alice")["pairs"]
    assert any(a > b and seq.lt(a, b) for a, b in pairs if (a - b) % seq.MOD != seq.HALF)
    assert any((a - b) % seq.MOD == seq.HALF for a, b in pairs)
    assert any(a == b for a, b in pairs)

    def good(a, b):
        d = (b - a) % 2**32
        if d == 2**31:
            raise ValueError("undefined")
        return 0 < d < 2**31

    assert check("5_ex_1", good, student_id="alice").solved


def test_retry_exercises_follow_the_timer_presets_and_name_the_kernel():
    # The numbers of facts.md §1: the checkers use the presets' one rule, nothing else.
    spec = get_spec("2_ex_2")
    new = spec._expected({"kernel": "linux", "retries": 6})
    assert new["send_times"] == [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]
    assert new == {
        "send_times": list(LINUX.syn_timeline().send_times),
        "gives_up_at": LINUX.syn_timeline().give_up,
    }
    old = spec._expected({"kernel": "linux-pre-6.5", "retries": 6})
    assert old == {"send_times": [0, 1, 3, 7, 15, 31, 63], "gives_up_at": 127}
    assert LINUX_PRE_6_5.syn_timeline().give_up == 127
    # With tcp_syn_retries = 3 (facts.md): SYNs at 0, 1, 2, 3, 4, 5, 7, 11 s, ETIMEDOUT ~19 s.
    assert spec._expected({"kernel": "linux", "retries": 3}) == {
        "send_times": [0, 1, 2, 3, 4, 5, 7, 11],
        "gives_up_at": 19,
    }
    synack = get_spec("2_ex_3")._expected({"kernel": "linux", "retries": 5})
    assert synack == {"send_times": [0, 1, 3, 7, 15, 31], "gives_up_at": 63}
    assert synack == get_spec("2_ex_3")._expected({"kernel": "linux-pre-6.5", "retries": 5})
    for label in ("2_ex_2", "2_ex_3"):
        for sid in ("alice", "bob", "carol", "dave", "erin"):
            ex = exercise(label, sid)
            assert ex.params["kernel"] in ("linux", "linux-pre-6.5")
            assert ("6.5 or later" in ex.text) == (ex.params["kernel"] == "linux")
            assert "older than 6.5" in ex.text or "6.5 or later" in ex.text
    # One parametrized class, not two near-identical ones.
    assert type(get_spec("2_ex_2")).__mro__[1] is type(get_spec("2_ex_3")).__mro__[1]


_DECLARED = {
    # dict answers, field by field
    "2_ex_1": "FieldSpec",
    "2_ex_4": "FieldSpec",
    "3_ex_1": "FieldSpec",
    "3_ex_4": "FieldSpec",
    "4_ex_1": "FieldSpec",
    "4_ex_3": "FieldSpec",
    "4_ex_4": "FieldSpec",
    "5_ex_3": "FieldSpec",
    "5_ex_4": "FieldSpec",
    "6_ex_1": "FieldSpec",
    "6_ex_2": "FieldSpec",
    "7_ex_1": "FieldSpec",
    "7_ex_3": "FieldSpec",
    "8_ex_1": "FieldSpec",
    "8_ex_2": "FieldSpec",
    "8_ex_4": "FieldSpec",
    # one value, or a list with one entry per row
    "1_ex_1": "ValueSpec",
    "1_ex_2": "ValueSpec",
    "3_ex_2": "ValueSpec",
    "5_ex_2": "ValueSpec",
    "6_ex_3": "ValueSpec",
    "7_ex_2": "ValueSpec",
    "8_ex_3": "ValueSpec",
}


def test_compute_and_predict_exercises_are_graded_by_declared_fields():
    from tcplab.check import _core

    for label, base in _DECLARED.items():
        spec = get_spec(label)
        owner = next(c for c in type(spec).__mro__ if "grade" in c.__dict__)
        assert owner is getattr(_core, base), (label, owner)
    assert [f.name for f in get_spec("2_ex_1").answer_fields] == [  # type: ignore[attr-defined]
        "syn_ack_seq",
        "syn_ack_ack",
        "ack_seq",
        "ack_ack",
        "server_ack_after_data",
    ]


def test_every_hand_written_grade_says_why():
    import inspect

    from tcplab.check import _core

    declared = (_core.DeclaredSpec, _core.MultipleChoice)
    hand_written = []
    for spec in (get_spec(label) for label in ALL):
        owner = next(c for c in type(spec).__mro__ if "grade" in c.__dict__)
        if owner.__module__.startswith("tcplab.check.m"):
            first = inspect.getsource(owner.grade).splitlines()[1].strip()
            assert first.startswith("# Hand-written: "), (spec.label, first)
            hand_written.append(spec.label)
        else:
            assert issubclass(owner, declared), spec.label
    assert not set(hand_written) & set(_DECLARED)
    assert set(hand_written) | set(_DECLARED) | MULTIPLE_CHOICE == set(ALL)


def test_declared_mistakes_and_list_fields():
    from tcplab.check._core import (
        Field,
        FieldSpec,
        Incorrect,
        ListField,
        Mistake,
        NotSolved,
        ValueSpec,
    )

    with pytest.raises(TypeError, match="exactly one of value= and when="):
        Mistake(say="x")
    with pytest.raises(TypeError, match="exactly one of value= and when="):
        Mistake(lambda p, w: 1, "x", when=lambda p, g, w: True)
    with pytest.raises(TypeError, match="say="):
        Mistake(lambda p, w: 1)

    class Counts(ValueSpec):
        answer_field = ListField(
            "your counts",
            rows=lambda p: [{"n": n} for n in p["ns"]],
            shape="a list of {n} ints",
            mistakes=(Mistake(lambda p, want: [0] * len(want), "nothing is zero here"),),
            entry_mistakes=(Mistake(lambda row, want: want - 1, "one short"),),
            entry_otherwise="count again",
            wrong="#{first} ({k} of {n}, {all}): {hint}",
        )

        def _expected(self, p):
            return [n * 2 for n in p["ns"]]

    spec, p = Counts(), {"ns": [1, 2, 3]}
    assert spec.grade(p, [2, 4, 6]) == "right."
    cases: list[tuple[Any, str]] = [
        ([0, 0, 0], "nothing is zero here"),
        ([2, 3, 7], "#2 (2 of 3, [2, 3]): one short"),
        ([2, 4, 9], "#3 (1 of 3, [3]): count again"),
        ([2, 4], "answer with a list of 3 ints"),
        ("246", "answer with a list of 3 ints"),
        ([2, "x", 6], "each entry should be a number"),
    ]
    for answer, message in cases:
        with pytest.raises(Incorrect) as exc:
            spec.grade(p, answer)
        assert str(exc.value).startswith(message), (answer, str(exc.value))
    with pytest.raises(NotSolved, match="some entries are still"):
        spec.grade(p, [2, ..., 6])

    class Both(FieldSpec):
        answer_fields = (
            Field("a", otherwise=lambda p, want: f": it is {'even' if want % 2 == 0 else 'odd'}"),
            Field("b", mistakes=(Mistake(when=lambda p, got, want: got < 0, say="is negative"),)),
        )
        report = "all"

        def _expected(self, p):
            return {"a": 4, "b": 5}

    class First(Both):
        report = "first"

    with pytest.raises(Incorrect, match=r"^a: it is even; b is negative$"):
        Both().grade({}, {"a": 3, "b": -1})
    with pytest.raises(Incorrect, match=r"^a: it is even$"):
        First().grade({}, {"a": 3, "b": -1})
    with pytest.raises(Incorrect, match=r"^b is negative$"):
        First().grade({}, {"a": 4, "b": -1})


def test_acceptability_segments_cover_table_5():
    p = params("5_ex_2", "bob")
    rows = p["segments"]
    assert any(n == 0 and w == 0 for _, n, w in rows)
    assert any(n > 0 and w == 0 for _, n, w in rows)
    assert any(
        s < p["rcv_nxt"] and seq.segment_acceptable(s, n, p["rcv_nxt"], w) for s, n, w in rows
    )
    ans = expected("5_ex_2", "bob")
    assert True in ans and False in ans


def test_short_answer_rubric_accepts_different_wordings():
    for text in (
        "The ACK goes out at once from the kernel, but the FIN waits until the application "
        "calls close(), since it may still have data to send.",
        "Because of half-close: the server program can keep sending data after receiving the "
        "client's FIN, and only sends its FIN when it finishes and calls shutdown.",
    ):
        assert check("3_ex_5", text, student_id="alice").solved


@settings(max_examples=25)
@given(sid=st.text(min_size=1, max_size=20).filter(str.strip))
def test_any_student_id_gets_solvable_deterministic_exercises(sid):
    for label in ALL:
        assert dict(params(label, sid)) == dict(params(label, sid))
        assert check(label, expected(label, sid), student_id=sid).solved
        assert check(label, ..., student_id=sid).status == "not solved yet"


def test_module_8_answers_agree_with_the_simulator():
    from tcplab.sim.scenarios import run_scenario

    run = run_scenario("rebooted-client", seed=3, new_client_iss=777)
    challenge = next(r for r in run.records if r["note"].startswith("challenge ACK"))
    rst = next(r for r in run.records if r["kind"] == "RST")
    p = {"snd_nxt": challenge["seq"], "rcv_nxt": challenge["ack"], "new_iss": 777}
    want = get_spec("8_ex_2")._expected(p)
    assert (want["server_sends"], want["reply_seq"], want["reply_ack"]) == (
        challenge["kind"],
        challenge["seq"],
        challenge["ack"],
    )
    assert want["client_rst_seq"] == rst["seq"]
    assert want["server_state"] is rst["dst_state_after"]

    refused = run_scenario("connection-refused", seed=1, client_iss=seq.MOD - 1)
    reply = refused.records[-1]
    want = get_spec("8_ex_4")._expected({"isn": seq.MOD - 1, "stray_seq": 1, "stray_ack": 2})
    assert (reply["seq"], reply["ack"]) == (want["syn_rst_seq"], want["syn_rst_ack"])
    assert refused.final_states()["A"] is want["client_state"]


def test_listener_exercises_follow_the_kernel_rules():
    from tcplab.check.m6 import reference_admit

    # backlog 3: the accept queue takes 4 (B + 1); -1 is clamped to somaxconn (unsigned).
    assert reference_admit(0, 3, 3, 4096, 1) == "queue"
    assert reference_admit(0, 4, 3, 4096, 1) == "drop"
    assert reference_admit(4, 0, 3, 4096, 1) == "cookie"
    assert reference_admit(4, 0, 3, 4096, 0) == "drop"
    assert reference_admit(0, 0, 3, 4096, 2) == "cookie"
    assert reference_admit(200, 0, -1, 128, 0) == "drop"
    assert reference_admit(128, 0, -1, 128, 0) == "queue"
    assert expected("6_ex_3", "alice") == [
        max(0, s + 1 - r) for r, s in params("6_ex_3", "alice")["rows"]
    ]


# --------------------------------------------------------------------------------------
# The grade belongs to the submitter (tcplab.check._summative)
# --------------------------------------------------------------------------------------

from tcplab.check import _summative  # noqa: E402
from tcplab.check._core import Incorrect, plain  # noqa: E402


def _autograde_dir(tmp_path, student):
    d = tmp_path / "autograded" / student / "ps1"
    d.mkdir(parents=True)
    return d


def test_identity_comes_from_nbgrader_autograde_not_the_hub_login(tmp_path, monkeypatch):
    monkeypatch.chdir(_autograde_dir(tmp_path, "carol"))
    monkeypatch.setenv("JUPYTERHUB_USER", "the-instructor")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert _summative.grader_identity() == "carol"
    assert _summative.student_id() == "carol"
    assert _summative.student_id("alice") == "alice"  # kept, and then fails the hidden test
    sub = tmp_path / "autograded" / "carol" / "ps1" / "part2"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert _summative.grader_identity() == "carol"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert _summative.student_id() == "the-instructor"  # on a hub: the login
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert _summative.student_id() == "demo-student"
    with pytest.raises(TypeError, match="typed"):
        _summative.student_id(42)  # type: ignore[arg-type]


def test_hidden_test_fails_a_copied_notebook_and_passes_the_owner(tmp_path, monkeypatch):
    alice_answer = expected("2_ex_1", "alice")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.chdir(_autograde_dir(tmp_path, "alice"))
    _summative.verify("2_ex_1", alice_answer, "alice")
    monkeypatch.chdir(_autograde_dir(tmp_path, "bob"))
    with pytest.raises(AssertionError, match="graded for student 'bob'.*STUDENT_ID is 'alice'"):
        _summative.verify("2_ex_1", alice_answer, "alice")
    with pytest.raises(AssertionError, match="2_ex_1: incorrect"):
        _summative.verify("2_ex_1", alice_answer, "bob")  # alice's numbers, bob's id
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match="cannot tell which student"):
        _summative.verify("2_ex_1", alice_answer, "alice")


def test_hidden_test_does_not_use_the_students_check_and_prints_nothing(
    tmp_path, monkeypatch, capsys
):
    import tcplab.check

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.chdir(_autograde_dir(tmp_path, "alice"))
    # A student's `check = lambda *a, **k: ...` lives in their namespace; the hidden test
    # never reads it. Even patching the public function does not change the verdict.
    monkeypatch.setattr(tcplab.check, "check", lambda *a, **k: None)
    with pytest.raises(AssertionError, match="not solved yet"):
        _summative.verify("2_ex_1", dict.fromkeys(expected("2_ex_1", "alice"), ...), "alice")
    _summative.verify("2_ex_1", expected("2_ex_1", "alice"), "alice")
    assert capsys.readouterr() == ("", "")


def test_expected_values_are_not_public_api():
    ex = exercise("2_ex_1", "alice")
    assert not hasattr(ex, "spec") and not hasattr(ex, "expected")
    assert not hasattr(get_spec("2_ex_1"), "expected")


class _RiggedStr(str):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


class _PoliteInt(int):
    pass


def test_answers_are_compared_as_plain_built_in_values():
    assert type(plain(_PoliteInt(5))) is int
    assert plain({"a": [_PoliteInt(1), (2.0,)]}) == {"a": [1, (2.0,)]}
    with pytest.raises(Incorrect, match="changes how it compares"):
        plain(_RiggedStr("x"))

    class Liar:
        def __eq__(self, other):
            return True

    with pytest.raises(Incorrect, match="plain numbers"):
        plain(Liar())
    # A rigged string does not pass a build exercise, nor a multiple-choice one.
    r = check("6_ex_4", lambda *a: _RiggedStr("queue"), student_id="alice")
    assert r.status == "incorrect" and "changes how it compares" in r.message
    assert check("2_ex_5", _RiggedStr("a"), student_id="alice").status == "incorrect"


def _endless(a, b):
    while True:
        pass


def _deep(a, b):
    return _deep(a, b)


def _quit(a, b):
    raise SystemExit(0)


@pytest.mark.parametrize(
    ("fn", "words"),
    [(_endless, "longer than 0.2 s"), (_deep, "recursed without end"), (_quit, "exit()")],
)
def test_build_exercises_survive_loops_recursion_and_exit(monkeypatch, fn, words):
    monkeypatch.setenv("TCPLAB_CALL_TIME_LIMIT", "0.2")
    r = check("5_ex_1", fn, student_id="alice")
    assert r.status == "incorrect" and words in r.message


def test_call_time_limit_is_configurable_and_validated(monkeypatch):
    from tcplab.check._core import call_time_limit

    monkeypatch.delenv("TCPLAB_CALL_TIME_LIMIT", raising=False)
    assert call_time_limit() == 2.0
    monkeypatch.setenv("TCPLAB_CALL_TIME_LIMIT", "-1")
    with pytest.raises(ValueError, match="TCPLAB_CALL_TIME_LIMIT"):
        call_time_limit()


def test_build_exercises_are_graded_on_fresh_inputs(tmp_path, monkeypatch):
    # A lookup table of the student's own cases passes check() but not the hidden test.
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.chdir(_autograde_dir(tmp_path, "alice"))
    from tcplab import seq as _seq

    ex = exercise("5_ex_1", "alice")
    table = {}
    for a, b in ex.params["pairs"]:
        try:
            table[(a, b)] = _seq.lt(a, b)
        except ValueError:
            table[(a, b)] = ValueError

    def memorised(a, b):
        got = table.get((a, b), False)
        if got is ValueError:
            raise ValueError("undefined")
        return got

    assert check("5_ex_1", memorised, student_id="alice").solved
    with pytest.raises(AssertionError, match="5_ex_1: incorrect"):
        _summative.verify("5_ex_1", memorised, "alice")
    _summative.verify("5_ex_1", _seq.lt, "alice")


def test_submittable_fails_only_under_nbgrader_validate(monkeypatch):
    from tcplab.check import submittable

    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)
    assert submittable("2_ex_1", ..., student_id="alice") is None
    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    with pytest.raises(AssertionError, match="not solved yet"):
        submittable("2_ex_1", ..., student_id="alice")
    submittable("2_ex_1", expected("2_ex_1", "alice"), student_id="alice")
