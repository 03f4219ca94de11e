"""Live explorers on the static site: mark the explorer cells, ship tcplab as a wheel.

Theory of operation
-------------------
A notebook cell that calls one of the course's explorers (``timewait_explorer(...)``,
``state_machine_explorer([...])``, see :data:`tcplab.explore.EXPLORERS`) is rendered by
MyST-NB with a *static snapshot* of its widget: the picture is right, but nothing runs
behind the controls. At ``doctree-read`` this module finds those cells, reads the call's
literal arguments with :mod:`ast` (the same arguments the notebook passed) and puts a
small bar above the snapshot: ``<div class="tcplab-live-bar" data-explorer=NAME
data-args=JSON>``. Every other widget output is labelled as a static snapshot by the
page script alone.

``_static/tcplab-live.js`` then disables the snapshot's controls and, when the reader
presses "Run live", loads Pyodide and Viz.js from the site itself
(``_static/vendor/``, staged by ``docs/vendor/stage.py``), puts the tcplab wheel built
here at ``builder-inited`` (``_static/live/``, with byte code from that same Pyodide) on
``sys.path`` as a zip, and asks
:func:`tcplab.explore.open` for the explorer — the model, the numbers, the DOT and the
SVG all come from tcplab; the script only draws.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

REPO = Path(__file__).resolve().parents[2]
WHEEL_DIR = "live"  # under _static/ of the built site
WHEEL_PATH = "/lib"  # the folder of Pyodide's file system the page writes the wheel to


def _literal(node: ast.expr) -> Any:
    """A call argument as JSON-able data; ``Event.X`` (an enum member) becomes ``"X"``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    return ast.literal_eval(node)


def find_explorer_call(
    source: str, names: tuple[str, ...] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """``(name, kwargs)`` of the last ``<name>_explorer(...)`` call in a cell, or None.

    ``names`` limits the search to those explorers (default: any ``*_explorer`` call).
    Positional arguments are returned under the keys ``"_0"``, ``"_1"``, ...; an argument
    that is not a literal makes the whole call come back with ``{"_unparsed": True}`` so
    the live version starts from its defaults and says so.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found: tuple[str, dict[str, Any]] | None = None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
            continue
        func = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        name = func.removesuffix("_explorer")
        if not func.endswith("_explorer") or (names is not None and name not in names):
            continue
        try:
            args = {f"_{i}": _literal(a) for i, a in enumerate(node.args)}
            args |= {k.arg: _literal(k.value) for k in node.keywords if k.arg}
        except (ValueError, TypeError, SyntaxError):
            args = {"_unparsed": True}
        found = (name, args)
    return found


def part_kinds(name: str, args: dict[str, Any]) -> str:
    """The kinds of parts the explorer's first view has (``"dot html"``), from tcplab itself.

    The page loads Graphviz (Viz.js) in parallel with Python only where a ``dot`` part
    will need it; if the session cannot be opened here, assume it does.
    """
    import tcplab.explore

    key = json.dumps([name, args], sort_keys=True)
    if key not in _KINDS:
        try:
            view = tcplab.explore.open(name, args).view()
            _KINDS[key] = " ".join(sorted({p["kind"] for p in view["parts"]}))
        except (ValueError, TypeError):
            _KINDS[key] = "dot"
    return _KINDS[key]


_KINDS: dict[str, str] = {}


def _cell_source(cell: nodes.Element) -> str:
    for child in cell.findall(nodes.literal_block):
        return child.astext()
    return ""


def mark_explorer_cells(app: Sphinx, doctree: nodes.document) -> None:
    """Put a live bar in front of the output of every explorer cell."""
    import tcplab.explore
    from tcplab.explore import EXPLORERS

    # Re-read the page when the list of live explorers changes.
    app.env.note_dependency(tcplab.explore.__file__)
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        hit = find_explorer_call(_cell_source(cell), tuple(EXPLORERS))
        outputs = [c for c in cell.children if c.get("nb_element") == "cell_code_output"]
        if hit is None or not outputs:
            continue
        name, args = hit
        cell["classes"].append("tcplab-explorer-cell")
        data = json.dumps(args, separators=(",", ":"))
        bar = (
            f'<div class="tcplab-live-bar" data-explorer="{name}" '
            f'data-parts="{part_kinds(name, args)}" '
            f"data-args='{data.replace('&', '&amp;').replace(chr(39), '&#39;')}'></div>"
        )
        outputs[0].insert(0, nodes.raw("", bar, format="html"))


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    if not Path(found).is_file():
        raise ExtensionError(
            "tcplab site: 'uv' is needed to build tcplab's wheel for the live explorers; "
            "run 'make env' first."
        )
    return found


_IMPORTED = """
import json, pathlib, sys
import tcplab.explore as e
for name in e.EXPLORERS:
    e.open(name).view()
root = pathlib.Path(e.__file__).parents[2]
print(json.dumps(sorted(pathlib.Path(m.__spec__.origin).relative_to(root).as_posix()
                        for n, m in sys.modules.items() if n.split(".")[0] == "tcplab")))
"""


def _explorer_modules() -> list[str]:
    """The files of tcplab that opening every explorer imports (``tcplab/fsm.py``, ...).

    Found by doing it, in a fresh CPython: a module imported only later (by some control)
    is still in the wheel as source, and Pyodide compiles it when it is needed.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTED], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ExtensionError(f"tcplab site: opening the explorers failed:\n{proc.stderr[-2000:]}")
    return list(json.loads(proc.stdout))


def _with_byte_code(wheel: Path, out: Path) -> None:
    """Copy the wheel, adding ``.pyc`` files compiled by the staged Pyodide beside the sources.

    The page puts the wheel on Pyodide's ``sys.path`` as it is (zipimport); with the byte
    code beside the sources, importing tcplab there compiles nothing (``docs/vendor/pyc.py``).
    """
    sys.path.insert(0, str(REPO / "docs" / "vendor"))
    try:
        import stage
    finally:
        sys.path.pop(0)
    try:
        stage.run_pyc(
            stage.DEST / "pyodide",
            wheel,
            out,
            mode="beside",
            prefix=f"{WHEEL_PATH}/{wheel.name}/",  # where the page puts it (tracebacks)
            only=_explorer_modules(),
        )
    except stage.StageError as exc:
        raise ExtensionError(f"tcplab site: {exc}") from exc


def build_wheel(app: Sphinx) -> None:
    """Build tcplab's wheel into ``_static/live/`` and tell the page script its name."""
    if app.builder.format != "html":
        return
    dest = Path(app.outdir) / "_static" / WHEEL_DIR
    with tempfile.TemporaryDirectory(prefix="tcplab-wheel-") as tmp:
        cmd = [_uv(), "build", "--wheel", "--quiet", "--out-dir", tmp, str(REPO)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("tcplab-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise ExtensionError(f"tcplab site: building the wheel failed:\n{proc.stderr[-2000:]}")
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        _with_byte_code(wheels[0], dest / wheels[0].name)
    # The views' own style sheet, the one JupyterLab's SessionWidget inlines.
    shutil.copy2(REPO / "tcplab" / "explore" / "view.css", dest / "view.css")
    config = {
        "wheel": f"_static/{WHEEL_DIR}/{wheels[0].name}",
        "wheelPath": f"{WHEEL_PATH}/{wheels[0].name}",
        "pyodide": "_static/vendor/pyodide/",
        "viz": "_static/vendor/viz/viz-global.js",
    }
    # A file, not an inline script: pages that did not change are not rewritten.
    (dest / "config.js").write_text(f"window.TCPLAB_LIVE = {json.dumps(config)};\n")


def setup(app: Sphinx) -> None:
    # After tcplab_site's vendor step (priority 500), which stages the Pyodide it uses.
    app.connect("builder-inited", build_wheel, priority=600)
    app.connect("doctree-read", mark_explorer_cells)
    app.add_js_file(f"{WHEEL_DIR}/config.js")
    app.add_js_file("tcplab-live.js", defer="defer")
    app.add_css_file("tcplab-live.css")
    app.add_css_file(f"{WHEEL_DIR}/view.css")
