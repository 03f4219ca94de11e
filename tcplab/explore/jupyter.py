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
from importlib import resources
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


@functools.cache
def view_css() -> str:
    """The style sheet of the views' HTML (``tcplab/explore/view.css``, shared with the site)."""
    return resources.files("tcplab.explore").joinpath("view.css").read_text(encoding="utf-8")


_LABEL = W.Layout(width="90px", min_width="90px")
_WRAP = W.Layout(flex_flow="row wrap", align_items="center")


def _part_html(part: dict[str, Any]) -> str:
    """One view part as HTML: DOT laid out here (in a box that scrolls if it is tall)."""
    if part["kind"] == "dot":
        svg = dot_svg(part["dot"], part.get("style", ""))
        return f"<div class='tcplab-dot' style='overflow:auto;max-height:610px'>{svg}</div>"
    return str(part.get(part["kind"], ""))


def _shape(c: dict[str, Any]) -> dict[str, Any]:
    """A control without its current value (and without which buttons are blue)."""
    out = {k: v for k, v in c.items() if k != "value"}
    if "items" in out:
        out["items"] = [{k: v for k, v in it.items() if k != "primary"} for it in out["items"]]
    return out


class SessionWidget(W.VBox):  # type: ignore[misc]
    """An ipywidgets view of one :class:`tcplab.explore.Session`.

    Controls on top; the view's parts below, those marked ``"area": "side"`` in a column
    to the right of the others (the diagram and its explanation in one view). Hooks for
    the browser test and the benchmarks: the classes ``tcplab-explorer`` and
    ``tcplab-explorer-<name>``, and ``tcplab-view`` on every part.
    """

    def __init__(self, session: Session) -> None:
        self.session = _v.instance(session, "session", Session, "a tcplab.explore Session")
        self.controls_box = W.VBox()
        # Side by side where both fit (400 + 300 px), the side part below in a narrow column.
        self.main_box = W.VBox(layout=W.Layout(flex="3 1 400px", min_width="0"))
        self.side_box = W.VBox(layout=W.Layout(flex="2 1 300px", min_width="0"))
        self.parts_box = W.HBox(
            [self.main_box], layout=W.Layout(align_items="flex-start", flex_flow="row wrap")
        )
        self.error = W.HTML()
        self.parts: list[W.HTML] = []
        self._shape = ""
        self._inputs: list[W.Widget | list[W.Button]] = []
        self._syncing = False
        style = W.HTML(f"<style>{view_css()}</style>", layout=W.Layout(display="none"))
        super().__init__([style, self.controls_box, self.parts_box, self.error])
        self.add_class("tcplab-explorer")
        self.add_class(f"tcplab-explorer-{session.name}")
        self.redraw()

    def change(self, name: str, value: Any) -> None:
        """What a control does: set it on the session, redraw (errors shown, not raised)."""
        if self._syncing:  # a control being set to the session's value, not a user's move
            return
        try:
            self.session.set(name, value)
        except (ValueError, TypeError) as exc:
            self.error.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.error.value = ""
        self.redraw()

    def _buttons(self, c: dict[str, Any]) -> W.Widget:
        row = []
        for it in c["items"]:
            b = W.Button(
                description=it["label"],
                tooltip=it.get("title", ""),
                button_style="primary" if it.get("primary") else "",
                layout=W.Layout(width="auto", min_width="fit-content", margin="1px 2px"),
            )
            b.on_click(lambda _b, v=it["value"], n=c["name"]: self.change(n, v))
            row.append(b)
        self._inputs.append(row)
        return W.HBox([W.Label(c["label"], layout=_LABEL), *row], layout=_WRAP)

    def _choice(self, c: dict[str, Any]) -> W.Widget:
        name = c["name"]
        labels = [(lab, i) for i, (lab, _) in enumerate(c["options"])]
        values = [v for _, v in c["options"]]
        if c["kind"] == "multiselect":
            w = W.SelectMultiple(
                options=labels,
                value=[i for i, v in enumerate(values) if v in c["value"]],
                description=c["label"],
                rows=min(len(labels), 9),
            )
            w.observe(lambda ch: self.change(name, [values[i] for i in ch["new"]]), "value")
            self._inputs.append(w)
            return w
        # Sized to its labels (long ones shown cut, as a select does), so a row of three
        # fits a 688 px notebook column.
        longest = min(max(len(lab) for lab, _ in labels), 30)
        w = W.Dropdown(
            options=labels,
            value=values.index(c["value"]),
            description=c["label"],
            style={"description_width": "initial"},
            layout=W.Layout(width=f"{(longest + len(c['label'])) * 7 + 40}px"),
        )
        w.observe(lambda ch: self.change(name, values[ch["new"]]), "value")
        self._inputs.append(w)
        return w

    def _control(self, c: dict[str, Any]) -> W.Widget:
        kind, name = c["kind"], c["name"]
        if kind == "buttons":
            return self._buttons(c)
        if kind in ("select", "multiselect"):
            return self._choice(c)
        if kind == "slider":
            # Whole-number steps (a backlog, a rate) read as whole numbers.
            whole = all(float(c[k]).is_integer() for k in ("min", "max", "step", "value"))
            w = (W.IntSlider if whole else W.FloatSlider)(
                value=c["value"], min=c["min"], max=c["max"], step=c["step"],
                description=c["label"] + (f" ({c['unit']})" if c["unit"] else ""),
                continuous_update=False, style={"description_width": "150px"},
                layout=W.Layout(width="520px", max_width="100%"),
            )  # fmt: skip
        else:
            w = W.Checkbox(value=c["value"], description=c["label"], indent=False)
        w.observe(lambda ch: self.change(name, ch["new"]), "value")
        self._inputs.append(w)
        return w

    def _controls(self, controls: list[dict[str, Any]]) -> list[W.Widget]:
        # Checkboxes and dropdowns share a row; buttons and sliders take one each.
        self._inputs = []
        rows: list[W.Widget] = []
        small: list[W.Widget] = []
        for c in controls:
            w = self._control(c)
            if c["kind"] in ("checkbox", "select"):
                small.append(w)
                continue
            if small:
                rows.append(W.HBox(small, layout=_WRAP))
                small = []
            rows.append(w)
        if small:
            rows.append(W.HBox(small, layout=_WRAP))
        return rows

    def _sync(self, controls: list[dict[str, Any]]) -> None:
        """Set the existing inputs to the view's values (blue buttons, slider positions)."""
        self._syncing = True
        try:
            for c, w in zip(controls, self._inputs, strict=True):
                if isinstance(w, list):
                    for b, it in zip(w, c["items"], strict=True):
                        b.button_style = "primary" if it.get("primary") else ""
                    continue
                value = c["value"]
                if c["kind"] in ("select", "multiselect"):
                    values = [v for _, v in c["options"]]
                    value = (
                        tuple(i for i, v in enumerate(values) if v in value)
                        if c["kind"] == "multiselect"
                        else values.index(value)
                    )
                if w.value != value:
                    w.value = value
        finally:
            self._syncing = False

    def redraw(self) -> None:
        """Show the session's current view: inputs kept (only their values set) while the
        controls keep their shape, rebuilt when it changes (another phase's loss points)."""
        view = self.session.view()
        shape = json.dumps([_shape(c) for c in view["controls"]])
        if shape != self._shape:
            self._shape = shape
            self.controls_box.children = self._controls(view["controls"])
        else:
            self._sync(view["controls"])
        parts = view["parts"]
        while len(self.parts) < len(parts):
            w = W.HTML(layout=W.Layout(width="100%", margin="0"))
            w.add_class("tcplab-view")
            self.parts.append(w)
        main = [w for w, p in zip(self.parts, parts, strict=False) if p.get("area") != "side"]
        side = [w for w, p in zip(self.parts, parts, strict=False) if p.get("area") == "side"]
        if tuple(main) != self.main_box.children:
            self.main_box.children = main
        if tuple(side) != self.side_box.children:
            self.side_box.children = side
            self.parts_box.children = [self.main_box, self.side_box] if side else [self.main_box]
        for w, part in zip(self.parts, parts, strict=False):
            value = _part_html(part)
            if w.value != value:
                w.value = value


def explorer_widget(name: str, /, *args: Any, **kwargs: Any) -> SessionWidget:
    """The explorer ``name`` (``"timewait"``, ``"state_machine"``, ...) as a widget.

    Arguments are those of the notebook's ``<name>_explorer(...)`` call.
    """
    positional = {f"_{i}": a for i, a in enumerate(args)}
    return SessionWidget(open(name, positional | kwargs))
