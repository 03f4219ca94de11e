"""The packet-script parser: the accepted subset, and errors that name line and column."""

from __future__ import annotations

import pytest

from tcplab.script import ScriptError, corpus, parse
from tcplab.script.parser import SYSCTLS


def test_a_typical_script_parses_into_its_parts() -> None:
    s = parse(
        "// comment\n"
        "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0  `sysctl -q net.ipv4.tcp_fin_timeout=1`\n"
        "+.1 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7,sackOK,TS val 5 ecr 0>\n"
        "+0  > S. 0:0(0) ack 1 <...>\n"
        "*   <@12346 P. 1:11(10) ack 1 win 100 /* inline */\n"
        "+0  connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
        "+0  %state@12346 = TIME_WAIT\n"
    )
    kinds = [ln.kind for ln in s.lines]
    assert kinds == ["syscall", "sysctl", "in", "out", "in", "syscall", "state"]
    syn = s.lines[2].packet
    assert syn is not None and syn.flags == "S" and syn.win == 65535
    assert syn.options == (
        ("mss", (1460,)),
        ("nop", ()),
        ("wscale", (7,)),
        ("sackOK", ()),
        ("TS", (5, 0)),
    )
    assert s.lines[3].packet is not None and s.lines[3].packet.options is None  # <...>
    assert s.lines[2].time == pytest.approx(0.1) and s.lines[2].relative
    assert s.lines[4].time is None and s.lines[4].port == 12346
    assert s.lines[5].syscall is not None and s.lines[5].syscall.errno == "EINPROGRESS"
    assert s.sysctls == {"net.ipv4.tcp_fin_timeout": 1}
    assert s.lines[6].state == "TIME_WAIT" and s.lines[6].lineno == 8


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("0 socket(..., SOCK_STREAM, 0) = 3\n+0 > S 0:0 ack 1\n", 2, 12, "'(' in 'start:end(len)'"),
        ("0 < S 0:5(0)\n", 1, 7, "end - start = 5 but len is 0"),
        ("0 < X 0:0(0)\n", 1, 5, "TCP flags"),
        ("0 < S. 0:0(0)\n", 1, 14, "'ack N'"),
        ("0 < S 0:0(0) ack 1\n", 1, 5, "needs the ACK flag"),
        ("0 frobnicate(3) = 0\n", 1, 3, "a system call"),
        ("0 close(3)\n", 1, 11, "'= RESULT'"),
        ("0 close(3) = -1 EWHAT\n", 1, 17, "an errno"),
        ("0 `rm -rf /`\n", 1, 3, "only sysctl"),
        ("0 `sysctl net.ipv4.tcp_nope=1`\n", 1, 11, "a supported sysctl"),
        ("x < S 0:0(0)\n", 1, 1, "a time"),
        ("0 < S 0:0(0) <mss 99999>\n", 1, 19, "out of range"),
        ("0 < S 0:0(0) <foo 1>\n", 1, 15, "an option"),
        ("0 %state = SLEEPING\n", 1, 12, "a state"),
        ("1 close(3) = 0\n0 close(4) = 0\n", 2, 1, "time goes forwards"),
        ("// only a comment\n", 1, 1, "at least one event line"),
    ],
)
def test_errors_name_line_column_and_what_was_expected(
    text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(ScriptError) as ei:
        parse(text)
    e = ei.value
    assert (e.line, e.column) == (line, column), str(e)
    assert words in str(e)
    assert str(e).startswith(f"line {line}, column {column}: ")


def test_nothing_runs_when_a_later_line_is_wrong() -> None:
    # The error is on the last line: parse() must fail before anything could run.
    with pytest.raises(ScriptError, match="line 3"):
        parse("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n+0 > Q\n")


def test_known_difference_marker_is_read_per_target() -> None:
    s = parse("0 > R. 1:1(0) ack 1 // known-difference[model]: facts.md §13\n")
    assert s.lines[0].known == {"model": "facts.md §13"}


def test_a_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="script text"):
        parse(b"0 close(3) = 0")  # type: ignore[arg-type]


def test_the_corpus_is_large_and_parses() -> None:
    files = corpus()
    assert len(files) >= 40
    for f in files:
        s = parse(f.read_text(encoding="utf-8"), name=f.stem)
        assert s.lines, f
        assert set(s.sysctls) <= set(SYSCTLS)
        # every script explains itself in a comment first
        assert f.read_text(encoding="utf-8").startswith("//"), f


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("listen(3)", "expected 2 arguments, got 1"),
        ("listen(3, many)", "argument 2 must be a number"),
        ("write(x, ..., 10)", "argument 1 must be a number"),
        ("shutdown(4, SHUT_SIDEWAYS)", "SHUT_RD, SHUT_WR or SHUT_RDWR"),
        ("setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4)", "option must be one of"),
        ("setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [x], 4)", "needs a value like [1]"),
        ("setsockopt(3, SOL_SOCKET, SO_LINGER, [1], 4)", "needs {onoff=0|1, linger=N}"),
    ],
)
def test_bad_call_arguments_are_parse_errors(call: str, words: str) -> None:
    with pytest.raises(ScriptError, match=r"line 1, column 3: ") as ei:
        parse(f"0 {call} = 0\n")
    assert words in str(ei.value)
