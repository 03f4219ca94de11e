"""exercises/ is generated from solutions/ and must stay in sync; markers must balance;
solution notebooks follow the cell pattern nbgrader and the checkers rely on."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_exercises.py"
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def _load_script():
    spec = importlib.util.spec_from_file_location("make_exercises", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_exercises"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


mx = _load_script()


def test_exercises_are_up_to_date_with_solutions():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------------------
# The transformation, on synthetic cells
# --------------------------------------------------------------------------------------


def test_top_level_solution_becomes_a_comment_and_hidden_tests_vanish():
    src = (
        "answer = ...\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n"
        'check("1_ex_1", answer, student_id=STUDENT_ID)\n'
        "### BEGIN HIDDEN TESTS\nassert answer == 42\n### END HIDDEN TESTS"
    )
    out = mx.strip_source(src, "code", "t")
    assert out == 'answer = ...\n# YOUR ANSWER HERE\ncheck("1_ex_1", answer, student_id=STUDENT_ID)'


def test_solution_inside_a_function_becomes_raise_not_implemented_at_its_indent():
    src = "def f(a):\n    ### BEGIN SOLUTION\n    return a + 1\n    ### END SOLUTION\n"
    assert mx.strip_source(src, "code", "t") == ("def f(a):\n    # YOUR ANSWER HERE")


def test_markdown_solution_becomes_placeholder_text():
    src = "Explain:\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"
    assert mx.strip_source(src, "markdown", "t") == "Explain:\n\nYOUR ANSWER HERE"


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n", "line 1: BEGIN SOLUTION is never closed"),
        ("x = 1\n### END SOLUTION\n", "line 2: END SOLUTION without a BEGIN SOLUTION"),
        (
            "### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION",
            "line 2: BEGIN HIDDEN TESTS inside the BEGIN SOLUTION of line 1",
        ),
        (
            "### BEGIN SOLUTION\nx = 1\n### END HIDDEN TESTS",
            "line 3: END HIDDEN TESTS closes the BEGIN SOLUTION of line 1",
        ),
    ],
)
def test_unbalanced_markers_are_errors_naming_the_line(src, message):
    with pytest.raises(mx.MarkerError, match=message):
        mx.strip_source(src, "code", "nb, cell 3")


def _synthetic(answer_src: str) -> nbformat.NotebookNode:
    cell = new_code_cell(answer_src)
    cell.outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cell.execution_count = 7
    return new_notebook(cells=[new_markdown_cell("# t"), cell])


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--solutions",
            str(tmp_path / "solutions"),
            "--exercises",
            str(tmp_path / "exercises"),
            "--docs",
            str(tmp_path / "none.md"),
            *extra,
        ],
        capture_output=True,
        text=True,
    )


def test_generator_strips_outputs_and_check_mode_detects_staleness(tmp_path):
    (tmp_path / "solutions").mkdir()
    nb = _synthetic("x = ...\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nx")
    nb.cells[1].outputs = []
    nb.cells[1].execution_count = None
    nbformat.write(nb, tmp_path / "solutions" / "09_exercises.ipynb")

    first = _run(tmp_path, "--check")
    assert first.returncode == 1 and "09_exercises.ipynb is out of date" in first.stderr
    assert "make exercises" in first.stderr

    assert _run(tmp_path).returncode == 0
    out = nbformat.read(tmp_path / "exercises" / "09_exercises.ipynb", as_version=4)
    assert out.cells[1].source == "x = ...\n# YOUR ANSWER HERE\nx"
    assert _run(tmp_path, "--check").returncode == 0

    # Editing the solution makes exercises/ stale again; a leftover notebook is reported.
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "exercises" / "08_exercises.ipynb")
    stale = _run(tmp_path, "--check")
    assert stale.returncode == 1 and "08_exercises.ipynb has no solution notebook" in stale.stderr


def test_check_mode_rejects_unbalanced_markers_and_outputs_in_solutions(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(
        _synthetic("### BEGIN SOLUTION\nx = 1\n"), tmp_path / "solutions" / "01_exercises.ipynb"
    )
    proc = _run(tmp_path, "--check")
    assert proc.returncode == 1
    assert (
        "solutions/01_exercises.ipynb, cell 1, line 1: BEGIN SOLUTION is never closed"
        in proc.stderr
    )
    assert "cell 1 has outputs" in proc.stderr
    assert not (tmp_path / "exercises").exists()


# --------------------------------------------------------------------------------------
# The committed solution notebooks follow the pattern
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_notebook_follows_the_cell_pattern(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # The id comes from the grader / hub login unless the student types one.
    assert "STUDENT_ID = student_id()" in code[0].source
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "nbgrader grade_ids must be unique"
    module = int(path.name[:2])
    answer_cells = [c for c in code if "### BEGIN SOLUTION" in c.source]
    assert 3 <= len(answer_cells) <= 5
    for cell in code:
        meta = cell.metadata.get("nbgrader", {})
        assert not cell.outputs and cell.execution_count is None
        if "### BEGIN SOLUTION" in cell.source:
            assert meta.get("solution") is True and meta.get("grade") is False
            last = cell.source.rstrip().splitlines()[-1]
            assert last.startswith(f'check("{module}_ex_'), "an answer cell ends with check(...)"
            assert last.endswith("student_id=STUDENT_ID)")
        if "### BEGIN HIDDEN TESTS" in cell.source:
            assert meta.get("grade") is True and meta.get("solution") is False
            assert meta.get("locked") is True and meta.get("points", 0) > 0
            # The summative test is imported inside the hidden region, never taken from
            # the student's namespace, and ends in a statement (no output to score).
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
            assert "from tcplab.check._summative import verify" in hidden
            assert re.search(r'^verify\("\d_ex_\d+", .+, STUDENT_ID\)$', hidden, re.M)
            assert "check(" not in hidden
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert "submittable(" in visible, "so that nbgrader validate fails when unsolved"
