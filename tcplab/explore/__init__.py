"""Browser-safe explorers: control values in, DOT / SVG / HTML out — no widgets, no numpy.

Theory of operation
-------------------
Each course explorer (state machine, handshake/close, TIME-WAIT, ISN, listener, flood)
is a small *session* object here: it holds the current control values, ``set(name,
value)`` changes one (a click, a slider move), and ``view()`` returns what to show, as
plain data::

    {"controls": [Control...],              # what to draw as inputs, with current values
     "parts": [{"kind": "dot", "dot": ..., "style": ...}   # laid out by Graphviz
               | {"kind": "svg", "svg": ...}                # drawn by tcplab
               | {"kind": "html", "html": ...}]}            # text, tables, verdicts

Everything in a view is computed by tcplab's own model with the standard library only
(no numpy, pandas, matplotlib or ipywidgets), so the same code runs in CPython and in
Pyodide on the course site. A front end only draws: the site's ``tcplab-live.js`` turns
``controls`` into HTML inputs, gives ``dot`` to a WebAssembly Graphviz and inserts the
rest; a Jupyter widget can do the same with ``graphviz`` in the kernel.

:func:`open` builds a session from the explorer's name and the keyword arguments the
notebook passed to ``<name>_explorer(...)``; :func:`open_json` / ``Session.update_json``
are the JSON doors the browser uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tcplab import _validate as _v
from tcplab.explore._base import Session

__all__ = ["EXPLORERS", "Session", "open", "open_json"]


def _state_machine(**kw: Any) -> Session:
    from tcplab.explore.state_machine import StateMachineSession

    return StateMachineSession(**kw)


def _handshake(**kw: Any) -> Session:
    from tcplab.explore.handshake import HandshakeSession

    return HandshakeSession(**kw)


def _isn(**kw: Any) -> Session:
    from tcplab.explore.isn import IsnSession

    return IsnSession(**kw)


def _listener(**kw: Any) -> Session:
    from tcplab.explore.listener import ListenerSession

    return ListenerSession(**kw)


def _flood(**kw: Any) -> Session:
    from tcplab.explore.flood import FloodSession

    return FloodSession(**kw)


def _timewait(**kw: Any) -> Session:
    from tcplab.explore.timewait import TimeWaitSession

    return TimeWaitSession(**kw)


#: Explorer name (as in ``<name>_explorer(...)``) → session factory.
EXPLORERS: dict[str, Callable[..., Session]] = {
    "state_machine": _state_machine,
    "handshake": _handshake,
    "timewait": _timewait,
    "isn": _isn,
    "listener": _listener,
    "flood": _flood,
}

# Positional parameters of the notebook-facing ``<name>_explorer`` functions, in order.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "state_machine": ("events",),
    "isn": ("trials", "seed"),
    "flood": (),  # flood_explorer(config, precompute): the site runs the default config
}


def open(name: str, args: dict[str, Any] | None = None) -> Session:
    """A session of explorer ``name`` started like ``<name>_explorer(**args)``.

    ``args`` may hold positional arguments under ``"_0"``, ``"_1"``, ... (as the site's
    build reads them from the notebook cell).
    """
    name = _v.choice(name, "explorer", EXPLORERS)
    if args is not None:
        _v.instance(args, "args", dict, "a dict of keyword arguments, or None")
    kw: dict[str, Any] = {}
    for key, value in (args or {}).items():
        _v.string(key, "args key", max_len=100, nonempty=True)
        if key.startswith("_") and key[1:].isdigit():
            names = _POSITIONAL.get(name, ())
            i = int(key[1:])
            if i >= len(names):
                raise TypeError(f"{name}_explorer takes {len(names)} positional arguments")
            kw[names[i]] = value
        elif not key.startswith("_"):
            kw[key] = value
    return EXPLORERS[name](**kw)


def open_json(name: str, args_json: str = "{}") -> Session:
    """:func:`open` with the arguments as a JSON object (the browser's door)."""
    text = _v.string(args_json, "args_json", what="a str holding a JSON object")
    try:
        args = json.loads(text or "{}")
    except json.JSONDecodeError:
        raise ValueError(f"args_json = {_v.short(text)}: expected a JSON object") from None
    if not isinstance(args, dict):
        raise TypeError(f"args_json = {_v.short(text)}: expected a JSON object")
    return open(name, args)
