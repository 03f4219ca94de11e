"""Real nbgrader, end to end, on a temporary course: the grade belongs to the submitter.

One assignment (module 5: a build exercise, three computes and a multiple choice) goes
through the whole pipeline — generate_assignment from solutions/, release, fetch and
submit by four students, collect, autograde — and the scores are asserted:

- ``alice`` submits the solutions: full marks;
- ``bob`` gets two exercises wrong: exactly the other three points;
- ``carol`` submits the notebook as released: 0, and ``nbgrader validate`` on it does not
  say "Success";
- ``dave`` submits alice's notebook with alice's id typed in: 0 on every exercise.

The other seven notebooks are only generated (cheap): their student versions must equal
exercises/, which scripts/make_exercises.py writes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="nbgrader is in the 'grade' dependency group")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "instructors" / "nbgrader_config.py"
GRADED = "05_exercises"
WRONG = {"5_ex_3", "5_ex_4"}  # bob's mistakes


def nbgrader(*args: str, cwd: Path, user: str = "instructor") -> subprocess.CompletedProcess:
    env = _env(user)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _env(user: str) -> dict[str, str]:
    # nbgrader's exchange names the student after the OS user (getpass reads $USER);
    # it also runs `alembic` from PATH, so the venv's bin comes first.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = dict(os.environ, USER=user, LOGNAME=user, PATH=path, PYTHONWARNINGS="ignore")
    env.pop("JUPYTERHUB_USER", None)
    return env


def _answer_cell(nb, label: str):
    return next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{label}_answer"
    )


def _set_id(nb, typed: str) -> None:
    setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
    setup.source = setup.source.replace("STUDENT_ID = student_id()", f'STUDENT_ID = "{typed}"')


def _solved(released: Path, solution: Path) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in from the solution."""
    nb = nbformat.read(released, as_version=4)
    sol = nbformat.read(solution, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in sol.cells}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_answer"):
            lines = by_id[gid].source.splitlines()
            cell.source = "\n".join(x for x in lines if "### BEGIN" not in x and "### END" not in x)
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("nbgrader")
    course = base / "course"
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    (course / "source" / "ps5").mkdir(parents=True)
    (course / "source" / "all").mkdir(parents=True)
    config = CONFIG.read_text() + (
        f"\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.root = {str(course)!r}\n"
    )
    (course / "nbgrader_config.py").write_text(config)
    shutil.copy(ROOT / "solutions" / f"{GRADED}.ipynb", course / "source" / "ps5")
    for nb in (ROOT / "solutions").glob("*_exercises.ipynb"):
        shutil.copy(nb, course / "source" / "all")
    nbgrader("generate_assignment", "ps5", "--force", cwd=course)
    nbgrader("generate_assignment", "all", "--force", cwd=course)
    return course


def test_the_released_student_version_is_the_exercises_notebook(course):
    for ours in sorted((ROOT / "exercises").glob("*_exercises.ipynb")):
        theirs = nbformat.read(course / "release" / "all" / ours.name, as_version=4)
        mine = nbformat.read(ours, as_version=4)
        assert [(c.cell_type, c.source.rstrip()) for c in theirs.cells] == [
            (c.cell_type, c.source.rstrip()) for c in mine.cells
        ], ours.name
        assert "NotImplementedError()" not in json.dumps([c.source for c in theirs.cells])
        assert "HIDDEN TESTS" not in json.dumps([c.source for c in theirs.cells])


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory) -> dict:
    nbgrader("release_assignment", "ps5", "--force", cwd=course)
    homes = tmp_path_factory.mktemp("homes")
    released = course / "release" / "ps5" / f"{GRADED}.ipynb"
    solution = ROOT / "solutions" / f"{GRADED}.ipynb"
    validate_untouched = None
    for student in ("alice", "bob", "carol", "dave"):
        home = homes / student
        home.mkdir()
        # A student image needs only where the exchange is (docs/instructors/deployment.md).
        exchange = (course.parent / "exchange").as_posix()
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {exchange!r}\n"
        )
        nbgrader("fetch_assignment", "ps5", "--course", "tcplab", cwd=home)
        mine = home / "ps5" / f"{GRADED}.ipynb"
        if student == "alice":
            nb = _solved(released, solution)
        elif student == "bob":
            nb = _solved(released, solution)
            for label in WRONG:
                cell = _answer_cell(nb, label)
                cell.source = cell.source.replace("check(", "answer = {}\ncheck(", 1)
        elif student == "carol":
            validate_untouched = subprocess.run(
                [sys.executable, "-m", "nbgrader", "validate", str(mine)],
                cwd=home,
                env=_env(student),
                capture_output=True,
                text=True,
                timeout=300,
            )
            nb = None
        else:  # dave hands in alice's notebook, alice's id typed in
            nb = _solved(released, solution)
            _set_id(nb, "alice")
        if nb is not None:
            nbformat.write(nb, mine)
        nbgrader("submit", "ps5", "--course", "tcplab", f"--student={student}", cwd=home)
    # All four "students" are one OS user here, so collect's owner check would only warn.
    nbgrader("collect", "ps5", "--CollectApp.check_owner=False", cwd=course)
    proc = nbgrader("autograde", "ps5", "--create", "--force", cwd=course)
    return {"log": proc.stdout + proc.stderr, "validate": validate_untouched, "course": course}


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("alice", "bob", "carol", "dave"):
            nb = gb.find_submission_notebook(GRADED, "ps5", student)
            out[student] = {g.name: g.score for g in nb.grades}
    return out


def test_four_submissions_score_as_their_authors_deserve(graded):
    # One test for the whole pipeline, so that pytest-xdist never runs it twice.
    scores = _scores(graded["course"])
    labels = set(scores["alice"])
    assert len(labels) == 5
    assert all(v == 1 for v in scores["alice"].values()), scores["alice"]
    assert {k for k, v in scores["bob"].items() if v == 0} == WRONG, scores["bob"]
    assert sum(scores["bob"].values()) == 5 - len(WRONG)
    assert all(v == 0 for v in scores["carol"].values()), scores["carol"]
    assert all(v == 0 for v in scores["dave"].values()), scores["dave"]

    # Hidden tests print nothing (nbgrader would try to read output as a score), and a
    # copied notebook fails saying why.
    assert "cannot be converted to a float" not in graded["log"]
    course = graded["course"]
    dave = nbformat.read(course / "autograded" / "dave" / "ps5" / f"{GRADED}.ipynb", 4)
    alice = nbformat.read(course / "autograded" / "alice" / "ps5" / f"{GRADED}.ipynb", 4)
    for cell in alice.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            assert cell.outputs == [], cell.source
    errors = [
        o["evalue"]
        for c in dave.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert len(errors) == 5
    assert all("graded for student 'dave'" in e and "'alice'" in e for e in errors), errors

    # nbgrader validate on the untouched notebook does not say "Success".
    proc = graded["validate"]
    assert "Success" not in proc.stdout + proc.stderr
    assert "not solved yet" in proc.stdout + proc.stderr
