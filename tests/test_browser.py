"""The course as a student sees it: JupyterLab (started like `make lab`) in real Chromium.

For every notebook in notebooks/ and one exercise notebook: Run All from the Run menu,
then read the page. No traceback; no figure shown as `<Figure size …>` text; every cell
that draws a picture shows one; every widget view rendered; in each explorer one user
action changes what is shown; the exercise's check cell says "not solved yet". A
screenshot of each notebook goes to build/screens/ for a reviewer.
Skips with the reason where Chromium or Playwright is missing.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the driver lives beside the benchmark that shares it

from bench import _jupyterlab as jl  # noqa: E402

SCREENS = ROOT / "build" / "screens"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXERCISE = ROOT / "exercises" / "01_exercises.ipynb"
PAGES = [*NOTEBOOKS, EXERCISE]

pytestmark = pytest.mark.slow


def _picture_functions() -> set[str]:
    """Names of the tcplab.viz functions whose result displays as a picture."""
    import tcplab.viz

    names = set()
    for info in pkgutil.iter_modules(tcplab.viz.__path__):
        mod = importlib.import_module(f"tcplab.viz.{info.name}")
        for name, fn in vars(mod).items():
            if inspect.isfunction(fn) and fn.__module__ == mod.__name__ and name[0] != "_":
                ret = str(inspect.signature(fn).return_annotation)
                if ret in ("Figure", "StateDiagram") or name.endswith("_diagram"):
                    names.add(name)
    return names


PICTURE_CALL = re.compile(rf"^(?:{'|'.join(sorted(_picture_functions()))})\(|^(?:fig|\w+\.figure)$")
NOT_RENDERED = re.compile(r"Loading widget|\b[VH]Box\(|<Figure size|<Axes|<matplotlib\.")


def _last_line(source: str) -> str:
    lines = [x for x in source.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    return lines[-1].strip() if lines else ""


@pytest.fixture(scope="module")
def session():
    """One JupyterLab and one Chromium for every notebook."""
    try:
        with jl.lab_server() as lab, jl.chromium() as ctx:
            yield lab, ctx
    except jl.Unavailable as exc:
        pytest.skip(str(exc))


def _problems(cells: list[dict]) -> list[str]:
    out = []
    for c in cells:
        where = f"cell {c['index']} ({_last_line(c['source'])[:60]!r})"
        if c["tracebacks"]:
            out.append(f"{where}: error {c['tracebacks'][0][-300:]!r}")
        bad = NOT_RENDERED.search(c["text"])
        if bad:
            out.append(f"{where}: shows {bad.group(0)!r} instead of a picture or widget")
        if c["broken_images"]:
            out.append(f"{where}: {c['broken_images']} image(s) failed to load")
        if PICTURE_CALL.search(_last_line(c["source"])) and not c["images"]:
            out.append(f"{where}: draws a picture, but no image is shown")
        if c["widget_views"] and not c["text"].strip() and not c["images"]:
            out.append(f"{where}: widget view is empty")
        if c["prompt"].strip() in ("[ ]:", "[*]:"):
            out.append(f"{where}: did not run ({c['prompt'].strip()})")
    return out


# Measured in the 1400 x 1000 window: controls, diagram and explanation in one view.
MAX_HEIGHT = {"state_machine": 750}
_LAYOUT = """(root) => ({
  height: root.getBoundingClientRect().height,
  overflow: root.scrollWidth - root.clientWidth,
  cut: [...root.querySelectorAll('button, select, label, .widget-label')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
    .map(e => e.innerText || e.value || e.tagName),
})"""


_ROW_AT_688 = """(root) => {
  const old = root.style.width;
  root.style.width = '688px';
  const tops = [...root.querySelectorAll('select')].map(e => Math.round(e.getBoundingClientRect().top));
  root.style.width = old;
  return tops;
}"""


def _layout_problems(root, kind: str) -> list[str]:
    got = root.evaluate(_LAYOUT)
    out = [f"label cut off: {t!r}" for t in got["cut"]]
    if got["overflow"] > 1:
        out.append(f"{got['overflow']} px wider than its column (sideways scrollbar)")
    if got["height"] > MAX_HEIGHT.get(kind, 10_000):
        out.append(f"{got['height']:.0f} px tall (at most {MAX_HEIGHT[kind]}: one view)")
    if kind == "handshake":  # its three dropdowns share one row in a 688 px column
        tops = root.evaluate(_ROW_AT_688)
        if len(set(tops)) != 1:
            out.append(f"controls do not fit one row of a 688 px column (tops {tops})")
    return out


def _check_page(lab, ctx, path: pathlib.Path) -> list[str]:
    """Run one notebook in the browser; what a student would find wrong with it."""
    before = path.stat().st_mtime_ns
    page = ctx.new_page()
    try:
        nb = jl.Notebook(page, lab, str(path.relative_to(ROOT)))
        nb.open()
        nb.run_all()
        cells = nb.outputs()
        problems = _problems(cells)
        # One user action per explorer must change what it shows.
        roots = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .tcplab-explorer")
        for k in range(roots.count()):
            root = roots.nth(k)
            root.scroll_into_view_if_needed()
            kind = jl.explorer_kind(root)
            problems += [f"explorer {kind}: {p}" for p in _layout_problems(root, kind)]
            try:
                jl.click_ms(page, root)
            except Exception as exc:  # a timeout: nothing changed on screen
                problems.append(f"explorer {kind}: an action changed nothing ({exc!s:.200})")
            root.screenshot(path=str(SCREENS / f"{path.parent.name}-{path.stem}-{kind}-{k}.png"))
        nb.screenshot(SCREENS / f"{path.parent.name}-{path.stem}.png")
    finally:
        page.close()
        jl.shutdown_kernels(lab)
    if path.stat().st_mtime_ns != before:
        problems.append("the browser run wrote the notebook file")
    if not any(c["prompt"].strip().startswith("[1]") for c in cells):
        problems.append("no cell ran")
    if path == EXERCISE:
        checks = [c for c in cells if "check(" in _last_line(c["source"])]
        if not checks or "not solved yet" not in checks[0]["text"]:
            problems.append(f"the first check cell does not say 'not solved yet': {checks[:1]}")
    return problems


def test_every_notebook_in_the_browser(session):
    """One test for all pages, so one JupyterLab serves them even under pytest-xdist."""
    lab, ctx = session
    found = {}
    for path in PAGES:
        try:
            problems = _check_page(lab, ctx, path)
        except Exception as exc:  # a page that cannot be driven is a finding, not a crash
            problems = [f"could not run it in the browser: {exc!s:.300}"]
        if problems:
            found[f"{path.parent.name}/{path.name}"] = problems
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_the_browser_test_sees_every_notebook():
    """A notebook added to notebooks/ (e.g. 09_...) is picked up without editing this file."""
    on_disk = {p.name for p in (ROOT / "notebooks").iterdir() if p.suffix == ".ipynb"}
    assert on_disk == {p.name for p in NOTEBOOKS} and EXERCISE.exists()
