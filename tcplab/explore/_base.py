"""The session protocol every explorer follows, and the control descriptions it returns."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from tcplab import _validate as _v

__all__ = [
    "PictureSession",
    "Session",
    "buttons",
    "checkbox",
    "dot_part",
    "html_part",
    "select",
    "slider",
    "svg_part",
]


def select(
    name: str, label: str, options: list[tuple[str, Any]], value: Any, *, multiple: bool = False
) -> dict[str, Any]:
    """A dropdown (or, with ``multiple``, a multi-select list) of ``(label, value)`` pairs."""
    kind = "multiselect" if multiple else "select"
    opts = [[lab, v] for lab, v in options]
    return {"kind": kind, "name": name, "label": label, "options": opts, "value": value}


def slider(
    name: str, label: str, value: float, *, lo: float, hi: float, step: float, unit: str = ""
) -> dict[str, Any]:
    """A numeric slider from ``lo`` to ``hi``."""
    return {
        "kind": "slider",
        "name": name,
        "label": label,
        "value": value,
        "min": lo,
        "max": hi,
        "step": step,
        "unit": unit,
    }


def checkbox(name: str, label: str, value: bool) -> dict[str, Any]:
    """An on/off box."""
    return {"kind": "checkbox", "name": name, "label": label, "value": bool(value)}


def buttons(name: str, label: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A row of buttons; each item is ``{"value", "label", "title", "primary"}``."""
    return {"kind": "buttons", "name": name, "label": label, "items": items}


def svg_part(svg: str) -> dict[str, Any]:
    """A view part drawn by tcplab (an ``<svg>`` string), shown as it is."""
    return {"kind": "svg", "svg": svg}


def html_part(text: str, *, side: bool = False) -> dict[str, Any]:
    """A view part of HTML; ``side`` puts it in the column beside the others."""
    part: dict[str, Any] = {"kind": "html", "html": text}
    if side:
        part["area"] = "side"
    return part


def dot_part(dot: str, style: str = "") -> dict[str, Any]:
    """A view part of DOT text, laid out by the front end's Graphviz, then ``style`` added."""
    return {"kind": "dot", "dot": dot, "style": style}


class Session:
    """One explorer on one page: ``set`` a control, read the ``view``.

    Subclasses implement :meth:`set` and :meth:`view`; both validate their input and
    raise ``ValueError``/``TypeError`` naming the control and the value expected.
    """

    name = "explorer"

    def set(self, control: str, value: Any) -> None:
        """Apply one control change (a click, a slider move)."""
        raise NotImplementedError

    def view(self) -> dict[str, Any]:
        """``{"controls": [...], "parts": [...]}`` for the current values."""
        raise NotImplementedError

    # --- the JSON doors the browser uses ------------------------------------------------
    def view_json(self) -> str:
        """:meth:`view` as JSON text."""
        return json.dumps(self.view(), separators=(",", ":"), allow_nan=False)

    def update_json(self, control: str, value_json: str) -> str:
        """``set(control, json.loads(value_json))`` then :meth:`view_json`."""
        self.set(control, json.loads(value_json))
        return self.view_json()


class PictureSession(Session):
    """A session whose view is one picture and one text, drawn once per setting and kept.

    Subclasses give :meth:`controls`, :meth:`setting` (a hashable key of the current
    control values) and :meth:`draw` (SVG and HTML for the current values). The last
    :attr:`KEEP` settings are kept, so going back to one is instant and memory stays
    bounded however long a reader plays.
    """

    KEEP = 256

    def __init__(self) -> None:
        self._cache: OrderedDict[Hashable, tuple[str, str]] = OrderedDict()

    def controls(self) -> list[dict[str, Any]]:
        """The control descriptions for the current values."""
        raise NotImplementedError

    def setting(self) -> Hashable:
        """What identifies the current picture (the values :meth:`draw` reads)."""
        raise NotImplementedError

    def draw(self) -> tuple[str, str]:
        """(SVG, HTML) for the current values: simulate and draw (called once per setting)."""
        raise NotImplementedError

    def render(self) -> tuple[str, str]:
        """(SVG, HTML) for the current setting, from the cache when it was drawn before."""
        key = self.setting()
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self.draw()
            if len(self._cache) > self.KEEP:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit

    def view(self) -> dict[str, Any]:
        svg, info = self.render()
        return {"controls": self.controls(), "parts": [svg_part(svg), html_part(info)]}


def unknown_control(session: Session, control: str, known: tuple[str, ...]) -> ValueError:
    """The error for a control name a session does not have."""
    return ValueError(
        f"control = {control[:40]!r}: the {session.name} explorer has {', '.join(known)}"
    )


def choice(control: str, value: Any, allowed: tuple[Any, ...] | list[Any]) -> Any:
    """``value`` if it is one of ``allowed``, else a ValueError naming the control."""
    if value not in allowed:
        shown = ", ".join(repr(a) for a in list(allowed)[:8])
        raise ValueError(f"{control} = {_v.short(value)}: expected one of {shown}")
    return value


def number(control: str, value: Any, lo: float, hi: float) -> float:
    """``value`` as a float in ``[lo, hi]``, else a ValueError/TypeError naming the control."""
    return _v.number(value, control, ge=lo, le=hi)
