"""Parse the connection-management subset of packetdrill's script syntax.

Theory of operation
-------------------
A script is a list of lines, each ``TIME EVENT``. TIME is absolute (``0``, ``1.5``),
relative to the previous line (``+0``, ``+.1``) or ``*`` (any time). EVENT is one of

* an inbound segment ``< FLAGS SEQ [ack N] [win N] [<options>]`` that the script's peer
  sends to the stack under test, or an outbound one ``>`` the stack must send;
* a system call ``name(args) = RESULT [ERRNO [(text)]]`` made on the stack under test;
* a sysctl in backquotes, ``\\`sysctl -q net.ipv4.tcp_fin_timeout=1\\```;
* tcplab's one addition, ``%state = TIME_WAIT``: the connection's state now.

Sequence numbers follow packetdrill: the peer's numbers are written as they are sent,
the stack's are relative to its ISS (so its SYN is ``0:0(0)`` and the peer acknowledges
``1``). ``<@N`` / ``>@N`` / ``%state@N`` name a second connection by the peer's port
(tcplab's addition; packetdrill scripts have one connection).

Nothing here runs anything: :func:`parse` turns the text into :class:`Script` or raises
:class:`ScriptError` naming the line, the column and what was expected — the first error
stops the parse, so a script with a mistake never half-runs. A trailing comment
``// known-difference[model]: <source>`` marks a line where a target may differ from
the script (a Linux-vs-RFC difference); the runner reports it instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from tcplab import _validate as _v
from tcplab.fsm import State

__all__ = [
    "ERRNOS",
    "SUPPORTED_SYSCALLS",
    "SYSCTLS",
    "Line",
    "PacketSpec",
    "Script",
    "ScriptError",
    "SyscallSpec",
    "parse",
]

#: The sysctls a script may set, with the value the kernel target starts from.
#: Timestamps, SACK and window scaling are off in both targets (the model does not
#: negotiate them the way Linux does), so they are not settable.
SYSCTLS: dict[str, int] = {
    "net.ipv4.tcp_syncookies": 1,
    "net.ipv4.tcp_abort_on_overflow": 0,
    "net.ipv4.tcp_synack_retries": 5,
    "net.ipv4.tcp_syn_retries": 6,
    "net.ipv4.tcp_fin_timeout": 60,
    "net.ipv4.tcp_max_syn_backlog": 128,
    "net.ipv4.tcp_invalid_ratelimit": 500,
    "net.core.somaxconn": 4096,
    "net.ipv4.tcp_syn_linear_timeouts": 4,
}

SUPPORTED_SYSCALLS = (
    "socket",
    "setsockopt",
    "getsockopt",
    "fcntl",
    "bind",
    "listen",
    "connect",
    "accept",
    "write",
    "read",
    "shutdown",
    "close",
)

#: errno names a script may expect (a subset of Linux's, the ones these calls return).
ERRNOS = (
    "EAGAIN",
    "EINPROGRESS",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EPIPE",
    "ENOTCONN",
    "EINVAL",
    "EBADF",
    "EISCONN",
    "EALREADY",
    "EADDRINUSE",
)

_FLAGS_RE = re.compile(r"[SFRP]{0,4}\.?")
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_TIME_RE = re.compile(rf"\*|\+?{_NUM}")


#: Longest script text parse() reads (the corpus scripts are < 3 kB).
_MAX_TEXT = 1_000_000
#: Sequence numbers and windows in a script are relative, within the 2**32 space.
_SEQ_SPACE = 2**32


class ScriptError(ValueError):
    """A script that does not parse: ``line``, ``column`` (1-based) and what was expected."""

    def __init__(self, line: int, column: int, message: str, source: str = "") -> None:
        self.line, self.column, self.message, self.source = line, column, message, source
        where = f"line {line}, column {column}"
        super().__init__(f"{where}: {message}" + (f"\n    {source}" if source else ""))


@dataclass(frozen=True)
class PacketSpec:
    """One ``<`` or ``>`` segment as written (relative numbers, None = not checked)."""

    flags: str  # packetdrill notation: "S", "S.", ".", "F.", "R", "R.", "P."
    start: int
    end: int
    length: int
    ack: int | None = None
    win: int | None = None
    options: tuple[tuple[str, tuple[int, ...]], ...] | None = None  # None: "<...>" / absent

    def __post_init__(self) -> None:
        _v.string(self.flags, "flags", max_len=8, nonempty=True, what="packetdrill flags")
        for name in ("start", "end", "length"):
            _v.integer(getattr(self, name), name, ge=0, le=_SEQ_SPACE)
        for name in ("ack", "win"):
            if getattr(self, name) is not None:
                _v.integer(getattr(self, name), name, ge=0, le=_SEQ_SPACE)
        if self.options is not None:
            _v.instance(self.options, "options", tuple, "a tuple of (name, values) or None")

    def describe(self) -> str:
        """The segment back in script notation."""
        s = f"{self.flags} {self.start}:{self.end}({self.length})"
        if self.ack is not None:
            s += f" ack {self.ack}"
        if self.win is not None:
            s += f" win {self.win}"
        if self.options is not None:
            s += " <" + ",".join(_opt_text(o) for o in self.options) + ">"
        return s


def _opt_text(o: tuple[str, tuple[int, ...]]) -> str:
    name, vals = o
    if name == "TS":
        return f"TS val {vals[0]} ecr {vals[1]}"
    return name if not vals else f"{name} {vals[0]}"


@dataclass(frozen=True)
class SyscallSpec:
    """``name(args) = ret [errno]``; args are strings as written (``...`` = anything)."""

    name: str
    args: tuple[str, ...]
    ret: int | None  # None: "= ..." (any result)
    errno: str | None = None

    def __post_init__(self) -> None:
        _v.string(self.name, "name", max_len=40, nonempty=True, what="a system call name")
        _v.instance(self.args, "args", tuple, "a tuple of str")
        _v.sequence(self.args, "args", max_len=16, item=_v.string)
        if self.ret is not None:
            _v.integer(self.ret, "ret", ge=-1, le=2**31 - 1)
        if self.errno is not None:
            _v.string(self.errno, "errno", max_len=40, nonempty=True, what="an errno name")

    def describe(self) -> str:
        r = "..." if self.ret is None else str(self.ret)
        return f"{self.name}({', '.join(self.args)}) = {r}" + (
            f" {self.errno}" if self.errno else ""
        )


@dataclass(frozen=True)
class Line:
    """One event line of a script."""

    lineno: int
    text: str
    time: float | None  # None for "*"
    relative: bool
    kind: Literal["in", "out", "syscall", "sysctl", "state"]
    packet: PacketSpec | None = None
    syscall: SyscallSpec | None = None
    sysctl: tuple[str, int] | None = None
    state: str | None = None
    port: int | None = None  # the peer's port (``<@N``); None = the default connection
    known: dict[str, str] = field(default_factory=dict)  # target -> source of the difference

    def __post_init__(self) -> None:
        _v.integer(self.lineno, "lineno", ge=0)
        _v.string(self.text, "text")
        if self.time is not None:
            _v.number(self.time, "time", ge=0, what="time in seconds")
        _v.boolean(self.relative, "relative")
        _v.choice(self.kind, "kind", ("in", "out", "syscall", "sysctl", "state"))
        if self.packet is not None:
            _v.instance(self.packet, "packet", PacketSpec, "a PacketSpec or None")
        if self.syscall is not None:
            _v.instance(self.syscall, "syscall", SyscallSpec, "a SyscallSpec or None")
        if self.sysctl is not None:
            _v.instance(self.sysctl, "sysctl", tuple, "a (name, value) tuple or None")
        if self.state is not None:
            _v.string(self.state, "state", max_len=20)
        if self.port is not None:
            _v.integer(self.port, "port", ge=0, le=65535)
        _v.instance(self.known, "known", dict, "a dict of target -> source")


@dataclass(frozen=True)
class Script:
    """A parsed script: its lines, the sysctls it sets, and its name."""

    lines: tuple[Line, ...]
    name: str = "script"
    text: str = ""

    def __post_init__(self) -> None:
        _v.instance(self.lines, "lines", tuple, "a tuple of Line")
        _v.sequence(self.lines, "lines", item=lambda x, n: _v.instance(x, n, Line, "a Line"))
        _v.string(self.name, "name", max_len=200)
        _v.string(self.text, "text", max_len=_MAX_TEXT)

    @property
    def sysctls(self) -> dict[str, int]:
        return {ln.sysctl[0]: ln.sysctl[1] for ln in self.lines if ln.sysctl}

    @property
    def active(self) -> bool:
        """True when the stack under test opens the connection (``connect``, no ``listen``)."""
        calls = {ln.syscall.name for ln in self.lines if ln.syscall}
        return "connect" in calls and "listen" not in calls


# ------------------------------------------------------------------------------- lexing
class _Cursor:
    def __init__(self, text: str, lineno: int, offset: int, source: str) -> None:
        self.text, self.lineno, self.pos, self.source = text, lineno, offset, source

    def error(self, expected: str, at: int | None = None) -> ScriptError:
        pos = self.pos if at is None else at
        while pos < len(self.text) and self.text[pos] in " \t":
            pos += 1  # point at the offending token, not the space before it
        rest = self.text[pos:].strip()
        got = repr(rest.split()[0][:20]) if rest else "the end of the line"
        return ScriptError(self.lineno, pos + 1, f"expected {expected}, got {got}", self.source)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.text)

    def peek(self, s: str) -> bool:
        self.skip_ws()
        return self.text.startswith(s, self.pos)

    def take(self, s: str, expected: str | None = None) -> None:
        if not self.peek(s):
            raise self.error(expected or repr(s))
        self.pos += len(s)

    def match(self, rx: re.Pattern[str], expected: str) -> str:
        self.skip_ws()
        m = rx.match(self.text, self.pos)
        if not m or not m.group(0):
            raise self.error(expected)
        self.pos = m.end()
        return m.group(0)

    def integer(self, expected: str, lo: int = 0, hi: int = 2**32 - 1) -> int:
        start = self.pos
        self.skip_ws()
        start = self.pos
        v = int(self.match(re.compile(r"-?\d+"), expected))
        if not lo <= v <= hi:
            raise ScriptError(
                self.lineno, start + 1, f"{expected} {v} is out of range {lo} … {hi}", self.source
            )
        return v


_COMMENT = re.compile(r"/\*.*?\*/")
_KNOWN = re.compile(r"//\s*known-difference\[([a-z, ]+)\]:\s*(.+)$")


def _strip_comment(raw: str) -> tuple[str, dict[str, str]]:
    known: dict[str, str] = {}
    m = _KNOWN.search(raw)
    if m:
        for target in m.group(1).split(","):
            known[target.strip()] = m.group(2).strip()
    text = _COMMENT.sub(lambda mm: " " * len(mm.group(0)), raw)
    cut = text.find("//")
    if cut >= 0:
        text = text[:cut]
    return text.rstrip(), known


# ------------------------------------------------------------------------------- events
def _options(c: _Cursor) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    c.take("<")
    if c.peek("..."):
        c.take("...")
        c.take(">", "'>' after '<...'")
        return None
    out: list[tuple[str, tuple[int, ...]]] = []
    while True:
        name = c.match(re.compile(r"[A-Za-z]+"), "an option: mss, nop, wscale, sackOK, TS, eol")
        if name == "mss":
            out.append(("mss", (c.integer("an MSS", 1, 65535),)))
        elif name == "wscale":
            out.append(("wscale", (c.integer("a window scale", 0, 14),)))
        elif name in ("nop", "sackOK", "eol"):
            out.append((name, ()))
        elif name == "TS":
            c.take("val", "'val' after TS")
            val = c.integer("a TSval")
            c.take("ecr", "'ecr' after the TSval")
            out.append(("TS", (val, c.integer("a TSecr"))))
        else:
            raise c.error("an option: mss, nop, wscale, sackOK, TS, eol", c.pos - len(name))
        if c.peek(">"):
            c.take(">")
            return tuple(out)
        c.take(",", "',' or '>' in the option list")


def _packet(c: _Cursor) -> PacketSpec:
    c.skip_ws()
    fpos = c.pos
    flags = c.match(_FLAGS_RE, "TCP flags: S, S., ., F., R, R., P.")
    if len(set(flags.rstrip("."))) != len(flags.rstrip(".")):
        raise c.error("TCP flags without repeats", fpos)
    c.skip_ws()
    spos = c.pos
    start = c.integer("a sequence number 'start:end(len)'")
    c.take(":", "':' in 'start:end(len)'")
    end = c.integer("the end sequence number in 'start:end(len)'")
    c.take("(", "'(' in 'start:end(len)'")
    length = c.integer("the length in 'start:end(len)'", 0, 65495)
    c.take(")", "')' in 'start:end(len)'")
    if (end - start) % 2**32 != length:
        raise ScriptError(
            c.lineno, spos + 1, f"end - start = {end - start} but len is {length}", c.source
        )
    ack = win = None
    options = None
    while not c.at_end():
        if c.peek("ack"):
            c.take("ack")
            ack = c.integer("an acknowledgment number after 'ack'")
        elif c.peek("win"):
            c.take("win")
            win = c.integer("a window after 'win'", 0, 65535)
        elif c.peek("<"):
            options = _options(c)
        else:
            raise c.error("'ack N', 'win N', '<options>' or the end of the line")
    if "." in flags and ack is None:
        raise c.error("'ack N': the flags include ACK ('.')")
    if "." not in flags and ack is not None:
        raise ScriptError(c.lineno, fpos + 1, "'ack N' needs the ACK flag '.'", c.source)
    return PacketSpec(flags, start, end, length, ack, win, options)


_ARG = re.compile(r"\.\.\.|\[[^\]]*\]|\{[^}]*\}|\"[^\"]*\"|[A-Za-z0-9_|\-]+")


def _syscall(c: _Cursor) -> SyscallSpec:
    npos = c.pos
    name = c.match(re.compile(r"[a-z_]+"), "a system call, '<', '>' or '%state'")
    if name not in SUPPORTED_SYSCALLS:
        raise c.error("a system call: " + ", ".join(SUPPORTED_SYSCALLS), npos)
    c.take("(", f"'(' after {name}")
    args: list[str] = []
    if not c.peek(")"):
        while True:
            args.append(c.match(_ARG, "an argument (a number, a name, [..], {..} or ...)"))
            if c.peek(")"):
                break
            c.take(",", "',' or ')' in the argument list")
    c.take(")")
    c.take("=", "'= RESULT' after the call")
    ret: int | None
    if c.peek("..."):
        c.take("...")
        ret = None
    else:
        ret = c.integer("the result (a number)", -1, 2**31)
    errno = None
    if ret == -1:
        epos = c.pos
        errno = c.match(re.compile(r"E[A-Z]+"), "an errno name after -1 (EAGAIN, EINPROGRESS …)")
        if errno not in ERRNOS:
            raise c.error("an errno: " + ", ".join(ERRNOS), epos)
        if c.peek("("):  # the errno's text, as packetdrill prints it: not checked
            close = c.text.find(")", c.pos)
            if close < 0:
                raise c.error("')' closing the errno text")
            c.pos = close + 1
    if not c.at_end():
        raise c.error("the end of the line")
    problem = _check_args(name, args)
    if problem:
        raise ScriptError(c.lineno, npos + 1, f"{name}(): {problem}", c.source)
    return SyscallSpec(name, tuple(args), ret, errno)


#: name → (number of arguments, {index: what the argument must be})
_ARGS: dict[str, tuple[int, dict[int, str]]] = {
    "socket": (3, {}),
    "setsockopt": (5, {0: "fd", 2: "option", 3: "value"}),
    "getsockopt": (5, {0: "fd"}),
    "fcntl": (3, {0: "fd"}),
    "bind": (3, {0: "fd"}),
    "listen": (2, {0: "fd", 1: "int"}),
    "connect": (3, {0: "fd"}),
    "accept": (3, {0: "fd"}),
    "write": (3, {0: "fd", 2: "int"}),
    "read": (3, {0: "fd", 2: "int"}),
    "shutdown": (2, {0: "fd", 1: "how"}),
    "close": (1, {0: "fd"}),
}
SOCKOPTS = ("SO_REUSEADDR", "SO_LINGER", "TCP_NODELAY", "TCP_SYNCNT", "TCP_LINGER2")


def _check_args(name: str, args: list[str]) -> str:
    """What is wrong with a call's arguments, or "" (checked before anything runs)."""
    count, kinds = _ARGS[name]
    if len(args) != count:
        return f"expected {count} arguments, got {len(args)}"
    for i, kind in kinds.items():
        a = args[i]
        if kind in ("fd", "int") and not re.fullmatch(r"\d+", a):
            return f"argument {i + 1} must be a number, got {a!r}"
        if kind == "how" and a not in ("SHUT_RD", "SHUT_WR", "SHUT_RDWR"):
            return f"argument 2 must be SHUT_RD, SHUT_WR or SHUT_RDWR, got {a!r}"
        if kind == "option" and a not in SOCKOPTS:
            return f"option must be one of {', '.join(SOCKOPTS)}, got {a!r}"
    if name == "setsockopt":
        val = args[3].replace(" ", "")
        if args[2] == "SO_LINGER":
            if not re.fullmatch(r"\{onoff=[01],linger=\d+\}", val):
                return f"SO_LINGER needs {{onoff=0|1, linger=N}}, got {args[3]!r}"
        elif not re.fullmatch(r"\[\d+\]", val):
            return f"{args[2]} needs a value like [1], got {args[3]!r}"
    return ""


_SYSCTL = re.compile(r"`\s*sysctl\s+(?:-q\s+)?([a-z0-9_.]+)\s*=\s*(-?\d+)\s*`")


def _sysctl(c: _Cursor) -> tuple[str, int]:
    c.skip_ws()
    m = _SYSCTL.match(c.text, c.pos)
    if not m:
        raise c.error("a command `sysctl -q net.ipv4.NAME=VALUE` (only sysctl is supported)")
    if m.group(1) not in SYSCTLS:
        raise c.error("a supported sysctl: " + ", ".join(SYSCTLS), m.start(1))
    c.pos = m.end()
    if not c.at_end():
        raise c.error("the end of the line")
    return m.group(1), int(m.group(2))


# The state names come from the one table's State enum, not a retyped list.
_STATES = tuple(s.name for s in State)


def _port(c: _Cursor) -> int | None:
    if c.text.startswith("@", c.pos):
        c.pos += 1
        return c.integer("a port after '@'", 1, 65535)
    return None


def _line(raw: str, lineno: int) -> Line | None:
    text, known = _strip_comment(raw)
    if not text.strip():
        return None
    c = _Cursor(text, lineno, 0, raw.strip())
    c.skip_ws()
    tpos = c.pos
    tok = c.match(_TIME_RE, "a time: 0, 1.5, +0.1 or *")
    if c.pos < len(text) and text[c.pos] not in " \t":
        raise c.error("a space after the time", tpos)
    time = None if tok == "*" else float(tok.lstrip("+"))
    rel = tok.startswith("+")
    base: dict[str, Any] = dict(
        lineno=lineno, text=raw.strip(), time=time, relative=rel, known=known
    )
    c.skip_ws()
    if c.peek("<") or c.peek(">"):
        d = c.text[c.pos]
        c.pos += 1
        port = _port(c)
        return Line(kind="in" if d == "<" else "out", packet=_packet(c), port=port, **base)
    if c.peek("`"):
        return Line(kind="sysctl", sysctl=_sysctl(c), **base)
    if c.peek("%state"):
        c.take("%state")
        port = _port(c)
        c.take("=", "'=' after %state")
        spos = c.pos
        st = c.match(re.compile(r"[A-Z_0-9]+"), "a state name like TIME_WAIT")
        if st not in _STATES:
            raise c.error("a state: " + ", ".join(_STATES), spos)
        if not c.at_end():
            raise c.error("the end of the line")
        return Line(kind="state", state=st, port=port, **base)
    return Line(kind="syscall", syscall=_syscall(c), **base)


def parse(text: str, name: str = "script") -> Script:
    """Parse a whole script; raise :class:`ScriptError` at the first mistake."""
    text = _v.string(text, "text", max_len=_MAX_TEXT, what="the script text (a str)")
    name = _v.string(name, "name", max_len=200, nonempty=True)
    lines: list[Line] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        ln = _line(raw, n)
        if ln is None:
            continue
        if ln.time is not None and not ln.relative and lines:
            prev = [p.time for p in lines if p.time is not None and not p.relative]
            if prev and ln.time < prev[-1]:
                raise ScriptError(n, 1, f"a time ≥ {prev[-1]:g} (time goes forwards)", raw.strip())
        lines.append(ln)
    if not lines:
        raise ScriptError(1, 1, "at least one event line", "")
    return Script(tuple(lines), name, text)
