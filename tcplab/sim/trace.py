"""Traces of a simulation as pandas DataFrames, and summary helpers.

The **segment trace** (:func:`segments_frame`) has one row per transmission:

========================  ==========================================================
column                    meaning
========================  ==========================================================
``id``                    transmission number (order of sending)
``time``, ``arrive``      send time, arrival time (NaN when lost) — seconds
``sender``, ``receiver``  host names
``sport``, ``dport``      ports
``flags``, ``kind``       ``SYN+ACK`` …; SYN, SYN-ACK, ACK, FIN, DATA or RST
``seq``, ``ack``          absolute sequence numbers (``ack`` is <NA> without the ACK flag)
``payload``, ``window``   payload bytes (SEG.LEN minus 1 for a SYN or FIN), window field
``fate``                  delivered, lost, duplicate, reordered, delayed, old duplicate
``note``                  why it was sent (``retransmission #1 (SYN)``, ``challenge ACK`` …)
``src_state_before/after``  the sender's state before / after the event that sent it
``dst_state_before/after``  the receiver's state before / after processing it
========================  ==========================================================

The **event table** (:func:`events_frame`) lists user calls, timer expiries, state changes
and errors per host. Summary helpers answer the questions the course asks: who
retransmitted what and when (:func:`retransmissions`; the rule itself,
:func:`is_retransmission`, and :func:`retransmitted` over plain segment records are pure
Python, without pandas, for the course site's browser), the final states
(:func:`final_states`), what each application received (:func:`bytes_delivered`) and a
one-paragraph :func:`summary`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tcplab import _validate as V
from tcplab.fsm import State

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from tcplab.sim.result import SimResult

__all__ = [
    "SEGMENT_COLUMNS",
    "bytes_delivered",
    "data_corrupted",
    "events_frame",
    "final_states",
    "is_retransmission",
    "retransmissions",
    "retransmitted",
    "segments_frame",
    "summary",
]

SEGMENT_COLUMNS = [
    "id",
    "time",
    "arrive",
    "sender",
    "receiver",
    "sport",
    "dport",
    "flags",
    "kind",
    "seq",
    "ack",
    "payload",
    "window",
    "fate",
    "note",
    "src_state_before",
    "src_state_after",
    "dst_state_before",
    "dst_state_after",
]


def _check_result(result: object) -> SimResult:
    from tcplab.sim.result import check_result  # at call time: keeps this module light

    return check_result(result)


def _state_name(s: State | None) -> str | None:
    return None if s is None else s.name


def segments_frame(result: SimResult) -> pd.DataFrame:
    """The segment trace of ``result`` (columns :data:`SEGMENT_COLUMNS`), sorted by time."""
    import pandas as pd

    result = _check_result(result)
    rows: list[dict[str, Any]] = []
    for r in result.records:
        row = {c: r.get(c) for c in SEGMENT_COLUMNS}
        # "payload", not "len": SEG.LEN counts SYN and FIN too (RFC 9293 §3.4); this is bytes.
        row["payload"] = r.get("len")
        for c in ("src_state_before", "src_state_after", "dst_state_before", "dst_state_after"):
            row[c] = _state_name(row[c])
        rows.append(row)
    df = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    if len(df):
        df = df.sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    df["ack"] = df["ack"].astype("Int64")
    df["seq"] = df["seq"].astype("int64")
    df["arrive"] = df["arrive"].astype("float64")
    df.attrs["iss"] = {
        name: (h.endpoints[0].iss if h.endpoints else None) for name, h in result.hosts.items()
    }
    df.attrs["seed"] = result.seed
    return df


def events_frame(result: SimResult) -> pd.DataFrame:
    """User calls, timers, state changes and errors: time, host, port, kind, what, states."""
    import pandas as pd

    result = _check_result(result)
    cols = ["time", "host", "port", "kind", "what", "state_before", "state_after"]
    rows = []
    for e in result.event_records:
        row = {c: e.get(c) for c in cols}
        row["state_before"] = _state_name(row["state_before"])
        row["state_after"] = _state_name(row["state_after"])
        rows.append(row)
    df = pd.DataFrame(rows, columns=cols)
    if len(df):
        df = df.sort_values("time", kind="stable").reset_index(drop=True)
    return df


def is_retransmission(note: object) -> bool:
    """Whether a segment with this ``note`` is a retransmission (the one place of the rule).

    Timer retransmissions ("retransmission #n") and Linux's immediate SYN-ACK resend when
    a retransmitted SYN arrives ("retransmitted SYN: SYN-ACK again"); no note, no.
    """
    return isinstance(note, str) and ("retransmission #" in note or "retransmitted SYN" in note)


def _record(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not {"time", "id"} <= set(value):
        raise V.ArgumentTypeError(
            f"{name} = {V.short(value)}: expected a segment record (a dict from "
            "SimResult.records, with 'time', 'id' and 'note')"
        )
    return value


def retransmitted(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The segment records (``SimResult.records``) that are retransmissions, in order sent."""
    rows = V.sequence(records, "records", max_len=V.MAX_EVENTS, item=_record, what="records")
    return sorted(
        (r for r in rows if is_retransmission(r.get("note"))),
        key=lambda r: (r["time"], r["id"]),
    )


def retransmissions(trace: pd.DataFrame) -> pd.DataFrame:
    """Rows of the trace that are retransmissions (:func:`is_retransmission` of the note)."""
    import pandas as pd

    cols = ["time", "sender", "kind", "seq", "ack", "note", "fate"]
    if not isinstance(trace, pd.DataFrame) or not set(cols) <= set(trace.columns):
        raise V.ArgumentTypeError(
            f"trace = {V.short(trace)}: expected a segment trace DataFrame (result.trace)"
        )
    mask = [is_retransmission(n) for n in trace["note"]]
    return trace.loc[mask, cols]


def final_states(result: SimResult) -> dict[str, str]:
    """Host name → state name of its most recent connection."""
    result = _check_result(result)
    return {k: v.name for k, v in result.final_states().items()}


def bytes_delivered(result: SimResult) -> dict[str, bytes]:
    """Host name → all bytes its connections delivered to the application, in order."""
    result = _check_result(result)
    return {n: b"".join(bytes(e.received) for e in h.endpoints) for n, h in result.hosts.items()}


def data_corrupted(result: SimResult) -> bool:
    """True when some connection delivered bytes its peer never sent on *that* connection.

    The peer is the endpoint of the same incarnation (the one whose SYN this endpoint
    accepted, recorded by the network); bytes from an old incarnation or a forger count
    as corruption.
    """
    result = _check_result(result)
    for h in result.hosts.values():
        for ep in h.endpoints:
            if not ep.received:
                continue
            peer = result.peers.get(id(ep))
            sent = bytes(peer.sent_data) if peer is not None else b""
            if not sent.startswith(bytes(ep.received)):
                return True
    return False


def summary(result: SimResult) -> str:
    """A few lines: segments sent/lost, retransmissions, final states, errors, bytes."""
    result = _check_result(result)
    df = result.trace
    lines = [
        f"{len(df)} segments, {int((df['fate'] == 'lost').sum())} lost, "
        f"simulated {result.end_time:g} s (seed {result.seed})"
    ]
    rtx = retransmissions(df)
    for _, r in rtx.iterrows():
        lines.append(f"  t={r['time']:g} s: {r['sender']} retransmits {r['kind']} ({r['fate']})")
    errs = result.errors()
    for name, state in final_states(result).items():
        e = ", ".join(errs.get(name, [])) or "no error"
        got = len(bytes_delivered(result)[name])
        lines.append(f"  {name}: final state {state}; {e}; {got} bytes delivered to the app")
    if data_corrupted(result):
        lines.append("  DATA CORRUPTED: an application received bytes from another incarnation")
    return "\n".join(lines)
