"""What a script run produced: per-line verdicts, the packets, and views of both.

Theory of operation
-------------------
A :class:`RunResult` is plain data (it crosses a process boundary as JSON when the
kernel target runs in its own network namespace): one :class:`LineResult` per script
line — ``"pass"``, ``"fail"``, ``"known"`` (a marked Linux-vs-RFC difference) or
``"not run"`` (after the first failure, as packetdrill stops) — with what the script
expected and what the target did, plus every packet seen on the wire with its time and
direction. :func:`side_by_side` lines two runs up and highlights the first line where
they disagree; :meth:`RunResult.ladder_frame` feeds :mod:`tcplab.viz.ladder`, and
:meth:`RunResult.write_pcap` writes the packets with :mod:`tcplab.pcap`.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tcplab import _validate as _v
from tcplab.segment import Options, Segment

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LineResult", "Packet", "RunResult", "side_by_side", "side_by_side_html"]

STACK, PEER = "stack", "peer"


#: The verdicts a script line can get.
STATUSES = ("pass", "fail", "known", "not run")


@dataclass(frozen=True)
class LineResult:
    """The verdict on one script line."""

    lineno: int
    text: str
    status: str  # "pass", "fail", "known", "not run"
    expected: str = ""
    got: str = ""
    time: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _v.integer(self.lineno, "lineno", ge=0)
        _v.choice(self.status, "status", STATUSES)
        for name in ("text", "expected", "got", "note"):
            _v.string(getattr(self, name), name)
        if self.time is not None:
            _v.number(self.time, "time", ge=0, what="time in seconds")

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "known")


@dataclass(frozen=True)
class Packet:
    """A segment on the wire: ``direction`` is ``"in"`` (to the stack) or ``"out"``."""

    time: float
    direction: str
    segment: Segment

    def __post_init__(self) -> None:
        _v.number(self.time, "time", ge=0, what="time in seconds")
        _v.choice(self.direction, "direction", ("in", "out"))
        _v.instance(self.segment, "segment", Segment, "a tcplab.segment.Segment")

    def to_dict(self) -> dict[str, Any]:
        s = self.segment
        d = {k: getattr(s, k) for k in ("seq", "ack", "window", "src_addr", "src_port")}
        d.update(dst_addr=s.dst_addr, dst_port=s.dst_port, flags=int(s.flags))
        d.update(payload=len(s.payload), options=asdict(s.options))
        return {"time": self.time, "direction": self.direction, "segment": d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Packet:
        s = dict(d["segment"])
        o = s.pop("options")
        ts = tuple(o["ts"]) if o.get("ts") else None
        seg = Segment(options=Options(mss=o.get("mss"), wscale=o.get("wscale"), ts=ts), **s)
        return cls(float(d["time"]), str(d["direction"]), seg)


@dataclass
class RunResult:
    """One target's run of one script."""

    target: str
    script: str
    lines: list[LineResult] = field(default_factory=list)
    packets: list[Packet] = field(default_factory=list)
    error: str | None = None  # the target could not run at all (one line)
    elapsed: float = 0.0  # wall-clock seconds the run took

    def __post_init__(self) -> None:
        _v.string(self.target, "target", max_len=100, nonempty=True)
        _v.string(self.script, "script", max_len=1000)
        _v.instance(self.lines, "lines", list, "a list of LineResult")
        _v.instance(self.packets, "packets", list, "a list of Packet")
        if self.error is not None:
            _v.string(self.error, "error")
        _v.number(self.elapsed, "elapsed", ge=0, what="number of seconds")

    @property
    def passed(self) -> bool:
        return self.error is None and all(r.ok for r in self.lines)

    @property
    def first_failure(self) -> LineResult | None:
        return next((r for r in self.lines if r.status == "fail"), None)

    def summary(self) -> str:
        """One line: ``model: pass (12 lines)`` or ``kernel: line 6: expected … got …``."""
        if self.error:
            return f"{self.target}: not run — {self.error}"
        f = self.first_failure
        if f is None:
            known = sum(r.status == "known" for r in self.lines)
            extra = f", {known} known difference(s)" if known else ""
            return f"{self.target}: pass ({len(self.lines)} lines{extra})"
        return f"{self.target}: line {f.lineno}: expected {f.expected}, got {f.got}"

    def report(self) -> str:
        """Every line with its verdict, expected vs got where they differ."""
        out = [f"== {self.target} ==" + (f" ({self.error})" if self.error else "")]
        for r in self.lines:
            mark = {"pass": "ok ", "fail": "FAIL", "known": "known", "not run": " -- "}
            out.append(f"{mark[r.status]:>5} {r.lineno:3d}  {r.text}")
            if r.status in ("fail", "known"):
                out.append(f"{'':11}expected {r.expected}")
                out.append(f"{'':11}got      {r.got}" + (f"  [{r.note}]" if r.note else ""))
        out.append(self.summary())
        return "\n".join(out)

    # --- serialisation (the kernel run comes back from another process) ------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "script": self.script,
            "lines": [asdict(r) for r in self.lines],
            "packets": [p.to_dict() for p in self.packets],
            "error": self.error,
            "elapsed": self.elapsed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunResult:
        return cls(
            d["target"],
            d["script"],
            [LineResult(**r) for r in d["lines"]],
            [Packet.from_dict(p) for p in d["packets"]],
            d.get("error"),
            float(d.get("elapsed", 0.0)),
        )

    # --- views --------------------------------------------------------------------------
    def ladder_frame(self) -> pd.DataFrame:
        """The packets as a trace :func:`tcplab.viz.ladder.ladder` draws (peer left)."""
        import pandas as pd

        rows = []
        prev = -1.0
        for p in sorted(self.packets, key=lambda q: q.time):
            s = p.segment
            snd, rcv = (PEER, STACK) if p.direction == "in" else (STACK, PEER)
            # The script's times have no transit (the model answers in the same instant):
            # give each arrow 1 ms of its own so a segment and its answer do not overlap.
            t = round(max(p.time, prev + 0.001), 4)
            prev = t
            rows.append(
                dict(
                    time=t,
                    arrive=t + 0.0005,
                    sender=snd,
                    receiver=rcv,
                    flags=s.flag_names,
                    kind=s.kind,
                    seq=s.seq,
                    ack=s.ack if s.has_ack else None,
                    payload=len(s.payload),
                    fate="delivered",
                    note="",
                    src_state_after=None,
                    dst_state_after=None,
                )
            )
        cols = ["time", "arrive", "sender", "receiver", "flags", "kind", "seq", "ack", "payload"]
        cols += ["fate", "note", "src_state_after", "dst_state_after"]
        df = pd.DataFrame(rows, columns=cols)
        iss: dict[str, int | None] = {PEER: None, STACK: None}
        for p in self.packets:
            who = PEER if p.direction == "in" else STACK
            if p.segment.is_syn and iss[who] is None:
                iss[who] = p.segment.seq
        df.attrs["iss"] = iss
        return df

    def ladder(self, **kw: Any) -> Any:
        """A matplotlib Figure: the ladder diagram of this run."""
        from tcplab.viz.ladder import ladder

        kw.setdefault("title", f"{self.script} on the {self.target}")
        return ladder(self.ladder_frame(), hosts=(PEER, STACK), **kw)

    def ladder_text(self) -> str:
        from tcplab.viz.ladder import ladder_text

        return ladder_text(self.ladder_frame())

    def write_pcap(self, path: str | Path) -> int:
        """Write this run's packets to ``path`` (Wireshark opens it); returns the count."""
        from tcplab.pcap import write_pcap

        return write_pcap([(p.time, p.segment) for p in self.packets], path)


def _code(text: str) -> str:
    """A script line without its comment (the table has no room for it)."""
    return text.split("//", 1)[0].rstrip() or text


def _cell(r: LineResult | None) -> str:
    if r is None:
        return "-"
    if r.status in ("fail", "known"):
        return f"{r.status.upper()}: got {r.got}"
    return r.status


def _divergence(runs: list[RunResult]) -> int | None:
    """The first line number where some run does not pass."""
    nums = sorted({r.lineno for run in runs for r in run.lines})
    for n in nums:
        for run in runs:
            r = next((x for x in run.lines if x.lineno == n), None)
            if r is not None and r.status == "fail":
                return n
    return None


def _runs(runs: object) -> list[RunResult]:
    """``runs`` checked: a non-empty list of RunResult."""
    checked = _v.sequence(
        runs,
        "runs",
        min_len=1,
        max_len=100,
        item=lambda r, n: _v.instance(r, n, RunResult, "a RunResult"),
        what="a non-empty list of RunResult",
    )
    return list(checked)


def side_by_side(runs: list[RunResult]) -> str:
    """The script's lines with each target's verdict in a column; ``>>`` marks the first
    divergence."""
    runs = _runs(runs)
    runs = [r for r in runs if r.error is None] + [r for r in runs if r.error is not None]
    base = max(runs, key=lambda r: len(r.lines))
    first = _divergence(runs)
    w = max([len(_code(x.text)) for x in base.lines] + [20])
    head = f"   {'line':>4}  {'script':<{w}}  " + "  ".join(f"{r.target:<28}" for r in runs)
    out = [head]
    for x in base.lines:
        cells = []
        for run in runs:
            r = next((y for y in run.lines if y.lineno == x.lineno), None)
            cells.append(f"{(run.error and 'not run') or _cell(r):<28}")
        mark = ">> " if x.lineno == first else "   "
        out.append(f"{mark}{x.lineno:>4}  {_code(x.text):<{w}}  " + "  ".join(cells))
    for run in runs:
        out.append(run.summary())
    return "\n".join(out)


def side_by_side_html(runs: list[RunResult]) -> str:
    """The same table as HTML, the first divergence highlighted (for notebooks)."""
    runs = _runs(runs)
    base = max(runs, key=lambda r: len(r.lines))
    first = _divergence(runs)
    colour = {"pass": "#e6f4ea", "fail": "#fce8e6", "known": "#fff4ce", "not run": "#f1f3f4"}
    th = "".join(f"<th>{html.escape(r.target)}</th>" for r in runs)
    rows = [f"<tr><th>line</th><th>script</th>{th}</tr>"]
    for x in base.lines:
        tds = []
        for run in runs:
            r = next((y for y in run.lines if y.lineno == x.lineno), None)
            status = "not run" if run.error or r is None else r.status
            text = "not run" if run.error else _cell(r)
            if r is not None and r.status == "fail":
                text = f"expected {html.escape(r.expected)}<br>got {html.escape(r.got)}"
            elif r is not None and r.status == "known":
                note = f"<small>{html.escape(r.note)}</small>"
                text = f"known difference: got {html.escape(r.got)}<br>{note}"
            tds.append(f'<td style="background:{colour[status]}">{text}</td>')
        style = ' style="outline:3px solid #d93025"' if x.lineno == first else ""
        rows.append(
            f"<tr{style}><td>{x.lineno}</td><td><code>{html.escape(_code(x.text))}</code></td>"
            + "".join(tds)
            + "</tr>"
        )
    notes = "".join(f"<li>{html.escape(r.summary())}</li>" for r in runs)
    return f'<table class="tcplab-script">{"".join(rows)}</table><ul>{notes}</ul>'
