"""Every course notebook runs top to bottom in a fresh kernel, and is committed clean."""

from __future__ import annotations

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALL_COMMITTED = sorted(
    p for d in ("notebooks", "exercises", "solutions") for p in (ROOT / d).glob("*.ipynb")
)


def execute(path: pathlib.Path):
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def test_the_course_has_its_ten_notebooks_in_order():
    names = [p.stem for p in NOTEBOOKS]
    assert [n[:2] for n in names] == [f"{i:02d}" for i in range(len(names))]
    assert len(names) == 10, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path):
    nb = execute(path)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    # No raw tracebacks printed to stderr either (missing tools get one friendly line).
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                assert "Traceback" not in o["text"], o["text"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_goals_and_ends_with_a_recap(path):
    cells = json.loads(path.read_text())["cells"]
    first = "".join(cells[0]["source"])
    last_md = "".join(next(c for c in reversed(cells) if c["cell_type"] == "markdown")["source"])
    assert "you will be able to" in first.lower(), path.name
    assert "recap" in last_md.lower(), path.name


@pytest.mark.parametrize("path", ALL_COMMITTED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_without_outputs(path):
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


@pytest.mark.parametrize("path", ALL_COMMITTED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_markdown_is_not_accidentally_indented(path):
    """Indented prose renders as a code block: a sign of a dedent slip in a generator."""
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        if "```" in text:
            continue
        bad = [line for line in text.splitlines() if line.startswith(" " * 8) and line.strip()]
        assert not bad, f"{path.name}: {bad[:2]}"
