"""The Jupyter front end of :mod:`tcplab.explore`: one ipywidgets renderer for every session.

``explorer_widget("timewait", time_wait=60)`` shows the same explorer the course site
runs in the browser, driven by the same session object: the control descriptions become
ipywidgets, a change calls ``session.set(name, value)``, and the view's parts are shown
— ``svg``/``html`` as they are, ``dot`` laid out by Graphviz in the kernel (cached per
DOT text) with the view's ``<style>`` inserted, exactly as the site's script does with
Viz.js. No TCP rule and no number lives here.

This module imports ipywidgets and graphviz (only this module: the sessions stay
browser-safe).
"""

from __future__ import annotations

import functools
import html
import json
import subprocess
from typing import Any

import ipywidgets as W

from tcplab import _validate as _v
from tcplab.explore import Session, open

__all__ = ["SessionWidget", "dot_svg", "explorer_widget"]


@functools.lru_cache(maxsize=16)
def _layout(dot: str) -> str:
    from tcplab._tools import have, missing_message

    if not have("dot"):
        return f"<p>{html.escape(missing_message('dot'))}</p>"
    import graphviz

    svg: str = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    head = svg.index(">")
    opening = svg[:head]
    # Scale to the container, like the site's renderer.
    if ' width="' in opening:
        start = opening.index(' width="')
        end = opening.index('"', opening.index(' height="') + 9) + 1
        opening = opening[:start] + ' style="max-width:100%;height:auto"' + opening[end:]
    return opening + svg[head:]


def dot_svg(dot: str, style: str = "") -> str:
    """Lay ``dot`` out once (Graphviz) and insert ``style`` right after ``<svg ...>``."""
    dot = _v.string(dot, "dot", max_len=1_000_000, nonempty=True, what="a str of DOT text")
    style = _v.string(style, "style", max_len=1_000_000)
    try:
        svg = _layout(dot)
    except subprocess.CalledProcessError:
        # Graphviz's own stderr is long and names a temp file; say what was wrong instead.
        raise ValueError(f"dot = {_v.short(dot)}: expected DOT text Graphviz can lay out") from None
    if not style or not svg.startswith("<svg"):
        return svg
    head = svg.index(">") + 1
    return svg[:head] + style + svg[head:]


class SessionWidget(W.VBox):  # type: ignore[misc]
    """An ipywidgets view of one :class:`tcplab.explore.Session`."""

    def __init__(self, session: Session) -> None:
        self.session = _v.instance(session, "session", Session, "a tcplab.explore Session")
        self.controls_box = W.VBox()
        self.parts_box = W.VBox()
        self.error = W.HTML()
        self._spec = ""
        super().__init__([self.controls_box, self.parts_box, self.error])
        self.redraw()

    def change(self, name: str, value: Any) -> None:
        """What a control does: set it on the session, redraw (errors shown, not raised)."""
        try:
            self.session.set(name, value)
        except (ValueError, TypeError) as exc:
            self.error.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.error.value = ""
        self.redraw()

    def _control(self, c: dict[str, Any]) -> W.Widget:
        kind, name = c["kind"], c["name"]
        if kind == "buttons":
            row = []
            for it in c["items"]:
                b = W.Button(
                    description=it["label"],
                    tooltip=it.get("title", ""),
                    button_style="primary" if it.get("primary") else "",
                    layout=W.Layout(width="auto"),
                )
                b.on_click(lambda _b, v=it["value"]: self.change(name, v))
                row.append(b)
            return W.HBox([W.Label(c["label"], layout=W.Layout(width="90px")), *row])
        if kind == "slider":
            w = W.FloatSlider(
                value=c["value"], min=c["min"], max=c["max"], step=c["step"],
                description=c["label"] + (f" ({c['unit']})" if c["unit"] else ""),
                continuous_update=False, style={"description_width": "150px"},
            )  # fmt: skip
        elif kind == "checkbox":
            w = W.Checkbox(value=c["value"], description=c["label"])
        else:
            labels = [(lab, i) for i, (lab, _) in enumerate(c["options"])]
            values = [v for _, v in c["options"]]
            if kind == "multiselect":
                w = W.SelectMultiple(
                    options=labels,
                    value=[i for i, v in enumerate(values) if v in c["value"]],
                    description=c["label"],
                    rows=min(len(labels), 9),
                )
                w.observe(lambda ch: self.change(name, [values[i] for i in ch["new"]]), "value")
                return w
            w = W.Dropdown(options=labels, value=values.index(c["value"]), description=c["label"])
            w.observe(lambda ch: self.change(name, values[ch["new"]]), "value")
            return w
        w.observe(lambda ch: self.change(name, ch["new"]), "value")
        return w

    def redraw(self) -> None:
        """Show the session's current view (controls rebuilt only when they changed)."""
        view = self.session.view()
        spec = json.dumps(view["controls"])
        if spec != self._spec:
            self._spec = spec
            self.controls_box.children = [self._control(c) for c in view["controls"]]
        parts = [
            dot_svg(p["dot"], p.get("style", "")) if p["kind"] == "dot" else p.get(p["kind"], "")
            for p in view["parts"]
        ]
        while len(self.parts_box.children) < len(parts):
            self.parts_box.children = [*self.parts_box.children, W.HTML()]
        for w, value in zip(self.parts_box.children, parts, strict=False):
            w.value = value


def explorer_widget(name: str, /, *args: Any, **kwargs: Any) -> SessionWidget:
    """The explorer ``name`` (``"timewait"``, ``"state_machine"``, ...) as a widget.

    Arguments are those of the notebook's ``<name>_explorer(...)`` call.
    """
    positional = {f"_{i}": a for i, a in enumerate(args)}
    return SessionWidget(open(name, positional | kwargs))
