"""What each side of a handshake *knows* after each segment, read from a simulation.

A segment that arrives tells its receiver that the path from the sender works (the
sender can send, the receiver can receive). A segment that also acknowledges the
receiver's own SYN tells it the reverse path works too: its SYN got through, and the
peer could receive it. The three-way handshake is the shortest exchange after which
*both* sides know *both* directions work; :func:`knowledge_frame` shows that step by
step for any simulated run (normal, lossy, simultaneous open).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tcplab import _validate as _v
from tcplab import seq
from tcplab.viz.ladder import ladder_rows

__all__ = ["knowledge_frame"]


def _is_na(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def knowledge_frame(result: Any, hosts: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """One row per segment that *arrived* (in arrival order), with what each host knows.

    Columns: ``arrives`` (s), ``segment`` (``A→B SYN seq=x`` with relative numbers),
    then four ✓ columns ``"A knows A→B"`` … ``"B knows B→A"`` (that direction works), and
    ``both directions known to both`` (bool). Lost segments teach nothing and are left
    out; an RST teaches nothing either (it says "no such connection").
    """
    result = _v.sim_result(result)
    a, b = _v.sequence(hosts, "hosts", min_len=2, max_len=2, item=_v.string)
    if a == b:
        raise ValueError(f"hosts = {_v.short(hosts)}: expected two different hosts")
    hosts = (a, b)
    trace = result.trace
    labels = ladder_rows(result)
    if len(labels) != len(trace):  # pragma: no cover - both come from the same records
        raise ValueError("trace and ladder rows disagree")
    known = {(h, d): False for h in hosts for d in ((a, b), (b, a))}
    iss: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    recs = list(zip(trace.to_dict("records"), labels, strict=True))
    # ISS of each host = SEQ of the SYNs it sends (the latest one counts).
    events = sorted(
        [(float(r["time"]), 0, r, lab) for r, lab in recs]
        + [(float(r["arrive"]), 1, r, lab) for r, lab in recs if not _is_na(r["arrive"])],
        key=lambda e: (e[0], e[1]),
    )
    for t, kind, r, lab in events:
        sender, receiver = str(r["sender"]), str(r["receiver"])
        flags = str(r["flags"])
        if kind == 0:
            if "SYN" in flags and sender in hosts:
                iss[sender] = int(r["seq"])
            continue
        if sender not in hosts or receiver not in hosts or "RST" in flags:
            continue
        known[(receiver, (sender, receiver))] = True
        ack = r["ack"]
        mine = iss.get(receiver)
        if "ACK" in flags and not _is_na(ack) and mine is not None and seq.after(int(ack), mine):
            known[(receiver, (receiver, sender))] = True
        row: dict[str, Any] = {"arrives": t, "segment": f"{sender}→{receiver} {lab.label}"}
        for h in hosts:
            for d in ((a, b), (b, a)):
                row[f"{h} knows {d[0]}→{d[1]}"] = "✓" if known[(h, d)] else ""
        row["both directions known to both"] = all(known.values())
        rows.append(row)
    cols = ["arrives", "segment"] + [
        f"{h} knows {d[0]}→{d[1]}" for h in hosts for d in ((a, b), (b, a))
    ]
    return pd.DataFrame(rows, columns=[*cols, "both directions known to both"])
