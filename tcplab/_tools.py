"""Friendly checks for optional system tools (Graphviz's ``dot``, ``tshark``, ...).

A missing tool gets one clear line naming what to install — never a traceback in a
notebook. Kept free of heavy imports.
"""

from __future__ import annotations

import shutil
import sys

INSTALL_HINTS: dict[str, str] = {
    "dot": (
        "Graphviz's 'dot' is not installed, so diagrams cannot be drawn: run 'make lab' "
        "(it installs it), or 'sudo apt-get install graphviz' (Debian/Ubuntu), "
        "'brew install graphviz' (macOS), 'sudo dnf install graphviz' (Fedora)."
    ),
    "tshark": (
        "Wireshark's 'tshark' is not installed: 'sudo apt-get install tshark' "
        "(Debian/Ubuntu) or 'brew install wireshark' (macOS)."
    ),
    "chromium": "Chromium is not installed: 'sudo apt-get install chromium'.",
}


def have(tool: str) -> bool:
    """True when ``tool`` is on PATH."""
    return shutil.which(tool) is not None


def missing_message(tool: str) -> str:
    """The one line to show when ``tool`` is missing."""
    return "tcplab: " + INSTALL_HINTS.get(tool, f"'{tool}' is not installed.")


def warn_missing(tool: str) -> None:
    """Print the one-line install hint for ``tool`` to stderr (notebooks show it)."""
    print(missing_message(tool), file=sys.stderr)
