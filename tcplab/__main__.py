"""``python -m tcplab`` — the command line for instructors and scripts.

Subcommands live with the layer they drive and are imported only when used, so
``python -m tcplab --help`` stays fast:

- ``simulate`` → :mod:`tcplab.sim.cli`
- ``live`` → :mod:`tcplab.live.cli`
- ``table`` → prints the transition table (Markdown)

Bad usage and bad values exit with status 2 and one line on stderr; Ctrl-C exits with
130 and one line (the labs close their sockets on the way out).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module holding `add_arguments(parser)` and `run(args) -> int`, help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("tcplab.sim.cli", "run a connection scenario and print its ladder"),
    "live": ("tcplab.live.cli", "experiments on the local Linux TCP stack (127.0.0.1 only)"),
    "table": ("tcplab.docs_table", "print the state transition table as Markdown"),
}


class _Parser(argparse.ArgumentParser):
    # argparse already exits with status 2 on bad usage; keep the message one clear line.
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m tcplab", description="tcplab command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            mod = importlib.import_module(module)
        except ImportError:  # a layer that is not installed yet: keep the rest usable
            continue
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        parser.error(f"the '{args.command}' command is not available in this installation")
    try:
        return int(run(args))
    except KeyboardInterrupt:  # cleanup already ran in the `with` blocks being unwound
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
