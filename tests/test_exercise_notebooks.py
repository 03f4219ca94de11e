"""Every solution notebook runs in a fresh kernel and all its checks pass; every exercise
notebook runs too, and all its checks say "not solved yet"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
MIME = "application/vnd.tcplab.check+json"
SOLUTIONS = sorted((ROOT / "solutions").glob("*_exercises.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*_exercises.ipynb"))
CHECK_CALL = re.compile(r'^check\("(\d_ex_\d+)"', re.MULTILINE)


def execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError on any error
    return nb


def verdicts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """label -> status, read from each displayed check Result."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if MIME in data:
                found[data[MIME]["label"]] = data[MIME]["status"]
    return found


def labels_checked(nb: nbformat.NotebookNode) -> set[str]:
    return {
        m for cell in nb.cells if cell.cell_type == "code" for m in CHECK_CALL.findall(cell.source)
    }


def test_there_are_solution_and_exercise_notebooks_for_the_same_modules():
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]
    assert {p.name[:2] for p in SOLUTIONS} >= {"01", "02", "03", "05"}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_notebook_passes_every_check(path):
    nb = execute(path)
    got = verdicts(nb)
    expected_labels = labels_checked(nbformat.read(path, as_version=4))
    assert 3 <= len(expected_labels) <= 5
    assert set(got) == expected_labels, "every check(...) cell must display its result"
    assert all(status == "correct" for status in got.values()), got


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_exercise_notebook_runs_and_reports_not_solved_yet(path):
    nb = execute(path)
    got = verdicts(nb)
    assert set(got) == labels_checked(nb)
    assert got and all(status == "not solved yet" for status in got.values()), got
