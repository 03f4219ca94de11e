"""The script editor for notebook 09: a text area, a target choice, a Run button, and the
result of each target side by side (the first divergence highlighted) with its ladder.

``script_editor(text)`` returns the widget; it runs once at construction so a static
page shows a result. ``editor.run()`` is what the button calls (tests call it too).
"""

from __future__ import annotations

import html

import ipywidgets as W

from tcplab import _validate as _v
from tcplab.script.api import load, run_script
from tcplab.script.parser import ScriptError
from tcplab.script.result import RunResult, side_by_side_html
from tcplab.widgets._render import figure_svg

__all__ = ["ScriptEditor", "script_editor"]

_CHOICES = ("model", "kernel", "both")


class ScriptEditor(W.VBox):  # type: ignore[misc]
    """Edit a script, pick the targets, run, and read the verdicts."""

    def __init__(self, text: str, *, target: str = "both", ladders: bool = True) -> None:
        text = _v.string(text, "text")
        target = _v.choice(target, "target", _CHOICES)
        ladders = _v.boolean(ladders, "ladders")
        self.text = W.Textarea(value=text, layout=W.Layout(width="100%", height="18em"))
        self.target = W.ToggleButtons(options=list(_CHOICES), value=target)
        self.button = W.Button(description="Run", button_style="primary", icon="play")
        self.result = W.HTML()
        self.ladders = ladders
        self.results: list[RunResult] = []
        self.button.on_click(lambda _b: self.run())
        super().__init__([self.text, W.HBox([self.target, self.button]), self.result])
        self.run()

    def run(self) -> list[RunResult]:
        """Parse and run the text on the chosen targets; show the verdicts."""
        try:
            script = load(self.text.value if "\n" in self.text.value else self.text.value + "\n")
        except ScriptError as e:
            self.results = []
            self.result.value = f"<pre style='color:#b3261e'>{html.escape(str(e))}</pre>"
            return []
        targets = ["model", "kernel"] if self.target.value == "both" else [self.target.value]
        out: list[RunResult] = []
        for t in targets:
            try:
                out.append(run_script(script, t))
            except RuntimeError as e:  # TargetUnavailable: say why in one line
                out.append(RunResult(t, script.name, error=str(e)))
        self.results = out
        parts = [side_by_side_html(out)]
        if self.ladders:
            for r in out:
                if r.error is None and r.packets:
                    parts.append(f"<div><b>{r.target}</b>{figure_svg(r.ladder(width=6.5))}</div>")
        self.result.value = "".join(parts)
        return out


def script_editor(text: str, **kw: object) -> ScriptEditor:
    """A :class:`ScriptEditor` holding ``text``."""
    return ScriptEditor(text, **kw)  # type: ignore[arg-type]
