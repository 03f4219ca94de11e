"""``python -m tcplab script FILE.pkt [--target model|kernel|both]``.

Exit status: 0 when every target run passes, 1 on a mismatch, 2 on a script that does
not parse, a missing file or an unavailable target (one line, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tcplab import _validate as _v

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``script`` subcommand's arguments to ``p``."""
    _v.instance(p, "p", argparse.ArgumentParser, "an argparse.ArgumentParser")
    p.add_argument("file", help="a .pkt script (or the name of one in the corpus)")
    p.add_argument(
        "--target", choices=("model", "kernel", "both"), default="both", help="default: both"
    )
    p.add_argument("--pcap", metavar="PREFIX", help="write PREFIX-<target>.pcap for each run")
    p.add_argument("--ladder", action="store_true", help="print a text ladder of each run")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines")


def run(args: argparse.Namespace) -> int:
    """Run the parsed ``args`` of ``python -m tcplab script``; the exit status."""
    from tcplab.script import ScriptError, TargetUnavailable, load, run_script, side_by_side

    _v.instance(args, "args", argparse.Namespace, "an argparse.Namespace")

    try:
        script = load(Path(args.file) if args.file.endswith(".pkt") else args.file)
    except ScriptError as e:
        print(f"{args.file}: {e}", file=sys.stderr)
        return 2
    except (OSError, TypeError) as e:
        print(f"{args.file}: cannot read the script: {e}", file=sys.stderr)
        return 2
    targets = ["model", "kernel"] if args.target == "both" else [args.target]
    results = []
    for t in targets:
        try:
            results.append(run_script(script, t))
        except TargetUnavailable as e:
            print(f"{t} target unavailable: {e}", file=sys.stderr)
            return 2
    for r in results:
        if r.error:
            print(f"{r.target} target failed to run: {r.error}", file=sys.stderr)
            return 2
    if args.quiet:
        print("\n".join(r.summary() for r in results))
    elif len(results) > 1:
        print(side_by_side(results))
    else:
        print(results[0].report())
    for r in results:
        if args.ladder:
            print(f"\n-- ladder: {r.target} --\n{r.ladder_text()}")
        if args.pcap:
            path = f"{args.pcap}-{r.target}.pcap"
            n = r.write_pcap(path)
            print(f"wrote {n} packets to {path}")
    return 0 if all(r.passed for r in results) else 1
