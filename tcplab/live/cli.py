"""``python -m tcplab live ...``: live experiments on the local Linux stack, JSON out.

``accept-queue --backlog B --clients N`` prints the kernel's observed counts per state
next to the listener model's prediction. ``time-wait`` and ``close-wait`` print the
states seen along an active close and with a peer that never closes. Exit status 0 on
success, 1 when the kernel disagrees with the model, 2 on bad input or when the labs
cannot run here (not Linux, /proc unreadable, out of file descriptors or local ports).
Ctrl-C exits with 130 after the sockets are closed (see :mod:`tcplab.__main__`).
"""

from __future__ import annotations

import argparse
import json
import sys

from tcplab.live.stack import (
    MAX_CLIENTS,
    LiveResourceError,
    LiveUnavailable,
    accept_queue_experiment,
    close_wait_experiment,
    time_wait_experiment,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``live`` sub-subcommands on ``parser``."""
    sub = parser.add_subparsers(dest="experiment", required=True, parser_class=type(parser))
    aq = sub.add_parser("accept-queue", help="listen(B), N clients, never accept()")
    aq.add_argument("--backlog", type=int, required=True, help="the listen() backlog, >= 0")
    aq.add_argument(
        "--clients", type=int, required=True, help=f"clients to connect, 0..{MAX_CLIENTS}"
    )
    aq.add_argument(
        "--settle", type=float, default=0.3, help="seconds to wait before reading (< 1 s)"
    )
    sub.add_parser("time-wait", help="active close: watch TIME_WAIT appear")
    cw = sub.add_parser("close-wait", help="a peer that never closes: CLOSE_WAIT")
    cw.add_argument("--hold", type=float, default=0.2, help="seconds to hold CLOSE_WAIT")


def run(args: argparse.Namespace) -> int:
    """Run the chosen experiment and print its JSON result."""
    try:
        if args.experiment == "accept-queue":
            result = accept_queue_experiment(args.backlog, args.clients, args.settle)
            status = 0 if result["match"] else 1
        elif args.experiment == "time-wait":
            result = time_wait_experiment()
            status = 0 if result["time_wait_seen"] else 1
        else:
            result = close_wait_experiment(args.hold)
            status = 0 if result["server"] == "CLOSE_WAIT" else 1
    except (TypeError, ValueError) as exc:
        print(f"tcplab live: bad input: {exc}", file=sys.stderr)
        return 2
    except LiveResourceError as exc:
        print(f"tcplab live: {exc}", file=sys.stderr)
        return 2
    except LiveUnavailable as exc:
        print(f"tcplab live: cannot run the live labs here: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the kernel refused something the lab needs: say what, briefly
        print(f"tcplab live: the lab failed: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    if "warning" in result:
        print(f"tcplab live: warning: {result['warning']}", file=sys.stderr)
    return status
