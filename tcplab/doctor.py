"""The environment check of notebook 00: what works here, and what to do about the rest.

Each check returns a :class:`Check` (name, ok, detail, fix). Nothing raises: a missing
piece is reported in one line with the exact command to run.
"""

from __future__ import annotations

import html
import importlib
import platform
import sys
from dataclasses import dataclass

from tcplab._tools import have, missing_message

__all__ = ["Check", "check_environment", "environment_report"]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 11)
    return Check(
        "Python ≥ 3.11",
        ok,
        platform.python_version(),
        "" if ok else "install Python 3.11 or newer and run 'make lab' again",
    )


def _module(name: str, purpose: str) -> Check:
    try:
        mod = importlib.import_module(name)
    except ImportError:
        return Check(
            f"{name} ({purpose})",
            False,
            "not importable",
            "run 'make lab' from the repository (it installs the locked environment)",
        )
    return Check(f"{name} ({purpose})", True, getattr(mod, "__version__", "installed"))


def _graphviz() -> Check:
    if not have("dot"):
        return Check("Graphviz 'dot' (diagrams)", False, "not on PATH", missing_message("dot"))
    try:
        from tcplab.viz.state_diagram import state_diagram

        _ = state_diagram().svg  # a real layout: proves dot runs, not just that it exists
    except Exception as exc:  # pragma: no cover - depends on the machine
        return Check(
            "Graphviz 'dot' (diagrams)",
            False,
            f"dot failed: {exc}",
            "reinstall Graphviz ('sudo apt-get install --reinstall graphviz')",
        )
    return Check("Graphviz 'dot' (diagrams)", True, "draws the state diagram")


def _widgets() -> Check:
    try:
        import ipywidgets
    except ImportError:
        return Check(
            "ipywidgets (explorers)",
            False,
            "not importable",
            "run 'make lab' (it installs the locked environment)",
        )
    in_kernel = "ipykernel" in sys.modules
    detail = f"ipywidgets {ipywidgets.__version__}" + ("" if in_kernel else " (no kernel: static)")
    return Check(
        "ipywidgets (explorers)",
        True,
        detail,
        "" if in_kernel else "open the notebooks in JupyterLab ('make lab') to click",
    )


def _live() -> Check:
    try:
        from tcplab.live import live_available
    except ImportError:
        return Check(
            "live labs (Linux TCP stack)",
            False,
            "tcplab.live is not installed",
            "update the repository",
        )
    ok, reason = live_available()
    return Check(
        "live labs (Linux TCP stack)",
        ok,
        reason,
        "" if ok else "the live cells will say what they would show; use Linux for them",
    )


def check_environment() -> list[Check]:
    """Run every check; never raises."""
    return [
        _python(),
        _module("pandas", "tables"),
        _module("matplotlib", "plots"),
        _graphviz(),
        _widgets(),
        _live(),
    ]


_NO = '<b style="color:#b00">NO</b>'


class _Report(list[Check]):
    def _repr_html_(self) -> str:
        rows = "".join(
            # Words, not emoji: an emoji font may be missing, and a box means nothing.
            f"<tr><td>{'ok' if c.ok else _NO}</td>"
            f"<td>{html.escape(c.name)}</td>"
            f"<td>{html.escape(c.detail)}</td><td>{html.escape(c.fix)}</td></tr>"
            for c in self
        )
        return (
            f"<table><tr><th></th><th>what</th><th>found</th><th>what to do</th></tr>{rows}</table>"
        )

    def __str__(self) -> str:
        return "\n".join(
            f"{'ok ' if c.ok else 'NO '} {c.name}: {c.detail}" + (f" -> {c.fix}" if c.fix else "")
            for c in self
        )

    @property
    def all_ok(self) -> bool:
        return all(c.ok for c in self)


def environment_report() -> _Report:
    """The checks as a table (HTML in Jupyter, text elsewhere)."""
    return _Report(check_environment())
