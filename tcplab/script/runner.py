"""Run a parsed script against a target: the one place where lines are checked.

Theory of operation
-------------------
A :class:`Target` is a TCP stack seen from outside: it can let time pass, take an
inbound segment, make a system call and hand over the segments it sent, each with the
time it left. The model (:mod:`tcplab.script.model`) and the kernel
(:mod:`tcplab.script.kernel`) implement it; :func:`run` drives either the same way, so
a script means one thing on both.

For each line, in order, the runner computes the line's time (absolute, ``+`` relative
to the previous line — to when the previous ``>`` segment really left —, ``*`` =
whenever), then

* ``>``: takes the next segment the target sent by ``time + tolerance``; it must not
  have left before ``time - tolerance`` and must match flags, sequence range, ACK, and
  window/options where the script gives them;
* anything else: first checks that the target sent nothing unexpected before
  ``time - tolerance``, waits until ``time``, then injects the segment, makes the call
  or reads the state.

Sequence numbers are translated per connection as packetdrill does: the stack's own
numbers are relative to the ISS it chose (learned from its SYN or SYN-ACK), the peer's
are written as sent. The first failing line stops the run (``not run`` after it),
unless it is marked ``known-difference[target]``: then it is reported as ``known``.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field, replace
from typing import Protocol

from tcplab import _validate as _v
from tcplab.script.parser import Line, PacketSpec, Script, SyscallSpec
from tcplab.script.result import LineResult, Packet, RunResult
from tcplab.segment import Flags, Options, Segment
from tcplab.seq import MOD

__all__ = [
    "LOCAL_ADDR",
    "REMOTE_ADDR",
    "SyscallOutcome",
    "Target",
    "flags_text",
    "run",
]

LOCAL_ADDR = "192.168.0.1"  # the stack under test (packetdrill's defaults)
REMOTE_ADDR = "192.0.2.1"  # the script's peer
LOCAL_PORT = 8080  # bind() and connect() use this port: the service's
PASSIVE_PEER_PORT = 12345  # the peer's port when the stack listens
WILDCARD_WAIT = 10.0  # how long a '*' outbound line waits


@dataclass(frozen=True)
class SyscallOutcome:
    """What a system call returned: ``ret`` and, for -1, the errno name."""

    ret: int
    errno: str | None = None
    value: str | None = None  # for getsockopt: the value read (e.g. "ECONNREFUSED")

    def __post_init__(self) -> None:
        _v.integer(self.ret, "ret", ge=-1, le=2**31 - 1)
        if self.errno is not None:
            _v.string(self.errno, "errno", max_len=40, nonempty=True, what="an errno name")
        if self.value is not None:
            _v.string(self.value, "value", max_len=1000)


class Target(Protocol):
    """A TCP stack the runner can drive (see the module docstring)."""

    name: str

    def setup(self, sysctls: dict[str, int]) -> None: ...
    def wait_until(self, t: float) -> None: ...
    def now(self) -> float: ...
    def inject(self, seg: Segment) -> None: ...
    def next_outbound(self, deadline: float) -> tuple[float, Segment] | None: ...
    def syscall(self, call: SyscallSpec) -> SyscallOutcome: ...
    def state(self, local_port: int, remote_port: int) -> str: ...
    def close(self) -> None: ...


#: What :func:`run` needs of a target (checked up front so a wrong object fails clearly).
_TARGET_API: tuple[str, ...] = (
    "name",
    "setup",
    "wait_until",
    "now",
    "inject",
    "next_outbound",
    "syscall",
    "state",
    "close",
)


def flags_text(f: Flags) -> str:
    """packetdrill's notation for a flag set: ``S.``, ``F.``, ``R``, ``.``, ``P.``."""
    f = _v.instance(f, "f", Flags, "a tcplab.segment.Flags value")
    s = "".join(c for fl, c in ((Flags.SYN, "S"), (Flags.FIN, "F"), (Flags.RST, "R")) if f & fl)
    s += "P" if f & Flags.PSH else ""
    return s + ("." if f & Flags.ACK else "")


def _spec_flags(spec: str) -> Flags:
    out = Flags(0)
    for ch, fl in (("S", Flags.SYN), ("F", Flags.FIN), ("R", Flags.RST), ("P", Flags.PSH)):
        if ch in spec:
            out |= fl
    return out | (Flags.ACK if "." in spec else Flags(0))


@dataclass
class _Conn:
    """What the runner knows about one connection (keyed by the peer's port)."""

    peer_port: int
    local_port: int
    local_iss: int | None = None


@dataclass
class _Run:
    script: Script
    target: Target
    tolerance: float
    conns: dict[int, _Conn] = field(default_factory=dict)
    packets: list[Packet] = field(default_factory=list)
    fds: dict[int, int] = field(default_factory=dict)

    def conn(self, port: int | None) -> _Conn:
        default = LOCAL_PORT if self.script.active else PASSIVE_PEER_PORT
        p = default if port is None else port
        if p not in self.conns:
            local = 0 if self.script.active else LOCAL_PORT  # 0: learned from the SYN
            self.conns[p] = _Conn(p, local)
        return self.conns[p]

    # --- outbound ----------------------------------------------------------------------
    def take(self, deadline: float) -> tuple[float, Segment] | None:
        got = self.target.next_outbound(deadline)
        if got is not None:
            self.packets.append(Packet(got[0], "out", got[1]))
        return got

    def relative(self, seg: Segment) -> str:
        """The segment in script notation, the stack's numbers relative to its ISS."""
        c = self._conn_of(seg)
        if seg.is_syn:
            c.local_iss = seg.seq
        iss = c.local_iss or 0
        start = (seg.seq - iss) % MOD
        n = len(seg.payload)
        s = f"{flags_text(seg.flags)} {start}:{(start + n) % MOD}({n})"
        if seg.has_ack:
            s += f" ack {seg.ack}"
        s += f" win {seg.window}"
        if seg.options:
            s += " <" + ",".join(_seg_opts(seg.options)) + ">"
        at = "" if c.peer_port == self.conn(None).peer_port else f"@{c.peer_port} "
        return at + s

    def _conn_of(self, seg: Segment) -> _Conn:
        c = self.conns.get(seg.dst_port) or self.conn(seg.dst_port)
        if c.local_port == 0:
            c.local_port = seg.src_port
        return c

    def match(self, line: Line, seg: Segment) -> str | None:
        """None when ``seg`` matches the ``>`` line, else what differs."""
        spec = line.packet
        assert spec is not None
        c = self.conn(line.port)
        if seg.dst_port != c.peer_port:
            return f"a segment to port {seg.dst_port}, not {c.peer_port}"
        if c.local_port == 0:
            c.local_port = seg.src_port
        if seg.flags != _spec_flags(spec.flags):
            return f"flags {flags_text(seg.flags)}"
        if seg.is_syn:  # a SYN or SYN-ACK names the ISS (a new incarnation may change it)
            c.local_iss = seg.seq
        iss = c.local_iss or 0
        if (seg.seq - iss) % MOD != spec.start % MOD:
            return f"seq {(seg.seq - iss) % MOD}"
        if len(seg.payload) != spec.length:
            return f"len {len(seg.payload)}"
        if spec.ack is not None and seg.ack != spec.ack % MOD:
            return f"ack {seg.ack}"
        if spec.win is not None and seg.window != spec.win:
            return f"win {seg.window}"
        if spec.options is not None and _spec_opts(spec) != _seg_opts(seg.options):
            return f"options <{','.join(_seg_opts(seg.options))}>"
        return None

    def build(self, line: Line) -> Segment:
        spec = line.packet
        assert spec is not None
        c = self.conn(line.port)
        iss = c.local_iss or 0
        o = dict(spec.options or ())
        ts = o.get("TS")
        opts = Options(
            mss=o["mss"][0] if "mss" in o else None,
            wscale=o["wscale"][0] if "wscale" in o else None,
            ts=(ts[0], ts[1]) if ts else None,
        )
        return Segment(
            seq=spec.start % MOD,
            ack=(spec.ack + iss) % MOD if spec.ack is not None else 0,
            flags=_spec_flags(spec.flags),
            window=65535 if spec.win is None else spec.win,
            payload=bytes(spec.length),
            options=opts,
            src_addr=REMOTE_ADDR,
            src_port=c.peer_port,
            dst_addr=LOCAL_ADDR,
            dst_port=c.local_port or LOCAL_PORT,
        )


def _seg_opts(o: Options) -> list[str]:
    out = []
    if o.mss is not None:
        out.append(f"mss {o.mss}")
    if o.wscale is not None:
        out.append(f"wscale {o.wscale}")
    if o.ts is not None:
        out.append(f"TS val {o.ts[0]} ecr {o.ts[1]}")
    return out


def _spec_opts(spec: PacketSpec) -> list[str]:
    # nop/eol are padding and sackOK is off in both targets: compare what carries meaning
    return [_fmt(n, v) for n, v in (spec.options or ()) if n in ("mss", "wscale", "TS")]


def _fmt(n: str, v: tuple[int, ...]) -> str:
    return f"TS val {v[0]} ecr {v[1]}" if n == "TS" else f"{n} {v[0]}"


def _expected_call(call: SyscallSpec) -> str:
    return "..." if call.ret is None else f"{call.ret}" + (f" {call.errno}" if call.errno else "")


def _call(r: _Run, spec: SyscallSpec) -> SyscallOutcome:
    """Make a call with the script's fd numbers mapped to the target's; a call that
    returns a new fd binds the script's number to the target's."""
    call = spec
    if spec.name != "socket" and spec.args and spec.args[0].isdigit():
        real = r.fds.get(int(spec.args[0]), int(spec.args[0]))
        call = replace(spec, args=(str(real), *spec.args[1:]))
    out = r.target.syscall(call)
    new_fd = spec.name in ("socket", "accept") and out.ret >= 0
    if new_fd and spec.ret is not None and spec.ret >= 0:
        r.fds[spec.ret] = out.ret
        out = SyscallOutcome(spec.ret, None, out.value)
    return out


def _do_line(r: _Run, line: Line, t: float) -> tuple[str, str, float]:
    """Run one line at script time ``t``: (expected, got or "" when fine, actual time)."""
    tgt, tol = r.target, r.tolerance
    if line.kind == "out":
        assert line.packet is not None
        exp = line.packet.describe()
        deadline = t + (WILDCARD_WAIT if line.time is None else tol)
        got = r.take(deadline)
        if got is None:
            return exp, f"nothing sent by t={deadline:.3f} s", deadline
        when, seg = got
        if line.time is not None and when < t - tol:
            return exp, f"{r.relative(seg)} sent early, at t={when:.3f} s", when
        diff = r.match(line, seg)
        return exp, ("" if diff is None else f"{r.relative(seg)} ({diff})"), when
    early = r.take(t - tol) if line.time is not None else None
    if early is not None:
        what = f"unexpected {r.relative(early[1])} at t={early[0]:.3f} s"
        return "no segment before this line", what, early[0]
    tgt.wait_until(t)
    if line.kind == "in":
        seg = r.build(line)
        r.packets.append(Packet(tgt.now(), "in", seg))
        tgt.inject(seg)
        return line.packet.describe() if line.packet else "", "", t
    if line.kind == "sysctl":
        return "", "", t  # applied before the run (see run())
    if line.kind == "state":
        c = r.conn(line.port)
        got_state = tgt.state(c.local_port or LOCAL_PORT, c.peer_port)
        return f"state {line.state}", "" if got_state == line.state else f"state {got_state}", t
    assert line.syscall is not None
    out = _call(r, line.syscall)
    exp = _expected_call(line.syscall)
    got_call = f"{out.ret}" + (f" {out.errno}" if out.errno else "")
    ok = line.syscall.ret is None or (
        out.ret == line.syscall.ret and out.errno == line.syscall.errno
    )
    if ok and out.value is not None:
        want = next((a.strip("[]") for a in line.syscall.args[3:4]), "...")
        if want not in ("...", out.value):
            return f"value [{want}]", f"value [{out.value}]", t
    return f"= {exp}", "" if ok else f"= {got_call}", t


def run(script: Script, target: Target, *, tolerance: float = 0.05) -> RunResult:
    """Run ``script`` on ``target`` and return the verdict on every line."""
    script = _v.instance(script, "script", Script, "a Script (see tcplab.script.load)")
    missing = [m for m in _TARGET_API if not hasattr(target, m)]
    if missing:
        raise _v.ArgumentTypeError(
            f"target = {_v.short(target)}: expected a script target (ModelTarget, "
            f"KernelTarget); it lacks {', '.join(missing[:3])}"
        )
    tolerance = _v.number(tolerance, "tolerance", ge=0, le=_v.MAX_SECONDS, what="number of seconds")
    t0 = _time.perf_counter()
    result = RunResult(target.name, script.name)
    r = _Run(script, target, tolerance)
    try:
        target.setup(script.sysctls)
        prev = 0.0
        failed = False
        for line in script.lines:
            if failed:
                result.lines.append(LineResult(line.lineno, line.text, "not run"))
                continue
            t = prev if line.time is None else (prev + line.time if line.relative else line.time)
            try:
                expected, got, actual = _do_line(r, line, t)
            except ValueError as e:  # the target refused the call (e.g. the model's checks)
                expected, got, actual = "the line to run", f"the {target.name} refused: {e}", t
            # after a '>' line, time runs from when the segment really left (its timers do)
            prev = actual if line.time is None or (line.kind == "out" and not got) else t
            if not got:
                result.lines.append(
                    LineResult(line.lineno, line.text, "pass", expected, "", actual)
                )
            elif target.name in line.known:
                note = line.known[target.name]
                result.lines.append(
                    LineResult(line.lineno, line.text, "known", expected, got, actual, note)
                )
            else:
                result.lines.append(
                    LineResult(line.lineno, line.text, "fail", expected, got, actual)
                )
                failed = True
        if not failed:  # anything sent within the tolerance after the last line is unexpected
            extra = r.take(prev + tolerance)
            if extra is not None:
                last = script.lines[-1]
                result.lines.append(
                    LineResult(
                        last.lineno + 1,
                        "(end of script)",
                        "fail",
                        "no more segments",
                        f"{r.relative(extra[1])} at t={extra[0]:.3f} s",
                        extra[0],
                    )
                )
    finally:
        target.close()
    result.packets = sorted(r.packets, key=lambda p: p.time)
    result.elapsed = _time.perf_counter() - t0
    return result
