"""``python -m tcplab simulate`` — run a scenario and print its ladder.

``--list`` prints the scenario names one per line; ``NAME [--seed N] [--pcap FILE]
[--csv FILE] [--timers linux|linux-pre-6.5|rfc] [--param KEY=VALUE ...]`` runs one, prints a text
ladder and a summary. Unknown names or bad options: a one-line error and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import sys
from typing import Any

from tcplab import _validate as _v

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``simulate``'s options on ``parser``."""
    _require(parser, "parser", argparse.ArgumentParser)
    parser.add_argument("name", nargs="?", help="scenario name (see --list)")
    parser.add_argument("--list", action="store_true", help="print scenario names and exit")
    parser.add_argument(
        "--describe", action="store_true", help="with --list: add each scenario's description"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--timers",
        choices=["linux", "linux-pre-6.5", "rfc"],  # tcplab.timers.PRESETS
        default="linux",
        help="timer preset (default linux: Linux >= 6.5)",
    )
    parser.add_argument("--pcap", metavar="FILE", help="also write the trace as a pcap file")
    parser.add_argument("--csv", metavar="FILE", help="also write the trace as CSV")
    parser.add_argument(
        "--absolute",
        action="store_true",
        help="print absolute sequence numbers instead of x+1, y+1",
    )
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario parameter, e.g. -p time_wait=0.1 (repeatable)",
    )


def _fail(msg: str) -> int:
    print(f"python -m tcplab simulate: error: {msg}", file=sys.stderr)
    return 2


# Run settings with an option of their own: a -p for them would be given twice.
_OWN_OPTIONS = {"seed": "--seed", "timers": "--timers"}


def _parse_params(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param {item!r}: expected KEY=VALUE")
        key, raw = item.split("=", 1)
        if key.strip() in _OWN_OPTIONS:
            option = _OWN_OPTIONS[key.strip()]
            raise ValueError(f"--param {item!r}: {key.strip()} has its own option, use {option}")
        try:
            value: Any = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        if isinstance(value, str) and key in ("client_data",):
            value = value.encode()
        out[key.strip()] = value
    return out


def _require(value: object, name: str, kind: type) -> None:
    if not isinstance(value, kind):
        raise _v.ArgumentTypeError(f"{name} = {_v.short(value)}: expected an {kind.__name__}")


def run(args: argparse.Namespace) -> int:
    """Run ``simulate`` for parsed ``args``; returns the exit status (0, or 2 on bad input)."""
    _require(args, "args", argparse.Namespace)
    from tcplab.sim.scenarios import get_scenario, list_scenarios

    if args.list:
        for name in list_scenarios():
            print(f"{name}\t{get_scenario(name).description}" if args.describe else name)
        return 0
    if not args.name:
        return _fail("give a scenario NAME or --list")
    try:
        scenario = get_scenario(args.name)
        params = _parse_params(args.param)
        result = scenario.run(seed=args.seed, timers=args.timers, **params)
    except (TypeError, ValueError) as exc:  # bad names or values: one line, no traceback
        return _fail(str(exc))
    from tcplab.sim.trace import summary
    from tcplab.viz.ladder import ladder_text

    print(f"{scenario.name}: {scenario.description}")
    print(f"expected: {scenario.expected}\n")
    print(ladder_text(result, relative=not args.absolute))
    print()
    print(summary(result))
    try:
        if args.csv:
            result.trace.to_csv(args.csv, index=False)
            print(f"wrote {args.csv}")
        if args.pcap:
            from tcplab.pcap import write_pcap

            n = write_pcap(result, args.pcap)
            print(f"wrote {args.pcap} ({n} packets)")
    except OSError as exc:
        return _fail(f"cannot write output: {exc}")
    except (TypeError, ValueError) as exc:  # e.g. times a pcap file cannot hold
        return _fail(f"cannot write output: {exc}")
    return 0
