"""The transition table rendered as Markdown, for the docs and ``python -m tcplab table``.

Generated from :data:`tcplab.fsm.ARCS` — never edit a copy of the table by hand.
"""

from __future__ import annotations

import argparse

from tcplab.fsm import ARCS, Arc


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def transition_table_markdown(arcs: tuple[Arc, ...] = ARCS, *, linux: bool = True) -> str:
    """One Markdown row per arc: from, event, to, segment sent, timer, source, notes."""
    head = ["from", "event", "to", "sends", "timer", "source", "why"]
    if linux:
        head.append("Linux")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a in arcs:
        event = a.event.name + (f" ({a.origin.value} open)" if a.origin else "")
        row = [a.source.name, event, a.target.name, a.send.value, a.timer.value, a.rfc, a.note]
        if linux:
            row.append(a.linux)
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-linux", action="store_true", help="omit the Linux column")


def run(args: argparse.Namespace) -> int:
    print(transition_table_markdown(linux=not args.no_linux), end="")
    return 0


def transition_frame(arcs: tuple[Arc, ...] = ARCS):  # type: ignore[no-untyped-def]
    """The table as a pandas DataFrame (one row per arc), for notebooks."""
    import pandas as pd

    return pd.DataFrame(
        {
            "from": [a.source.name for a in arcs],
            "event": [a.event.name + (f" ({a.origin.value})" if a.origin else "") for a in arcs],
            "to": [a.target.name for a in arcs],
            "sends": [a.send.value for a in arcs],
            "timer": [a.timer.value for a in arcs],
            "source": [a.rfc for a in arcs],
            "why": [a.note for a in arcs],
            "Linux": [a.linux for a in arcs],
            "in Figure 5": [a.figure5 for a in arcs],
        }
    )
