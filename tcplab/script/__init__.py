"""Packet scripts: one packetdrill-style script, run on the model and on the real kernel.

``parse(text)`` → :class:`Script`; ``run_script(script, target="model")`` →
:class:`RunResult`; :func:`run_both` runs every available target and
:func:`side_by_side` lines the results up. The corpus ships in ``tcplab/scripts``
(:func:`corpus`). See docs/packet_scripts.md for the syntax.
"""

from __future__ import annotations

from tcplab.script.api import (
    TARGETS,
    TargetUnavailable,
    corpus,
    corpus_dir,
    kernel_available,
    load,
    run_both,
    run_script,
)
from tcplab.script.parser import Script, ScriptError, parse
from tcplab.script.result import LineResult, RunResult, side_by_side, side_by_side_html

__all__ = [
    "TARGETS",
    "LineResult",
    "RunResult",
    "Script",
    "ScriptError",
    "TargetUnavailable",
    "corpus",
    "corpus_dir",
    "kernel_available",
    "load",
    "parse",
    "run_both",
    "run_script",
    "side_by_side",
    "side_by_side_html",
]
