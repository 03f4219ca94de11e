"""Real nbgrader, end to end, on a temporary course: the grade belongs to the submitter.

One assignment (module 5: a build exercise, three computes and a multiple choice; and
module 9: three predicted script lines and a build exercise that writes scripts) goes
through the whole pipeline — generate_assignment from solutions/, release, fetch and
submit by four students, collect, autograde — and the scores are asserted:

- ``alice`` submits the solutions: full marks;
- ``bob`` gets two exercises of module 5 wrong: exactly the other three points there,
  full marks in module 9;
- ``carol`` submits the notebook as released: 0, and ``nbgrader validate`` on it does not
  say "Success";
- ``dave`` submits alice's notebook with alice's id typed in: 0 on every exercise.

The other notebooks are only generated (cheap): their student versions must equal
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
ALSO_GRADED = "09_exercises"  # module 9: script lines, and scripts run on model and kernel
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
    for name in (GRADED, ALSO_GRADED):
        shutil.copy(ROOT / "solutions" / f"{name}.ipynb", course / "source" / "ps5")
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


def _submission(student: str, released: Path) -> nbformat.NotebookNode | None:
    """What ``student`` hands in for one released notebook (None: as released)."""
    solution = ROOT / "solutions" / released.name
    if student == "carol":
        return None
    nb = _solved(released, solution)
    if student == "bob":
        for label in WRONG:
            if released.stem == GRADED:
                cell = _answer_cell(nb, label)
                cell.source = cell.source.replace("check(", "answer = {}\ncheck(", 1)
    elif student == "dave":  # dave hands in alice's notebook, alice's id typed in
        _set_id(nb, "alice")
    return nb


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory) -> dict:
    nbgrader("release_assignment", "ps5", "--force", cwd=course)
    homes = tmp_path_factory.mktemp("homes")
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
        for name in (GRADED, ALSO_GRADED):
            mine = home / "ps5" / f"{name}.ipynb"
            nb = _submission(student, course / "release" / "ps5" / f"{name}.ipynb")
            if student == "carol" and name == GRADED:
                validate_untouched = subprocess.run(
                    [sys.executable, "-m", "nbgrader", "validate", str(mine)],
                    cwd=home,
                    env=_env(student),
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            if nb is not None:
                nbformat.write(nb, mine)
        nbgrader("submit", "ps5", "--course", "tcplab", f"--student={student}", cwd=home)
    # All four "students" are one OS user here, so collect's owner check would only warn.
    nbgrader("collect", "ps5", "--CollectApp.check_owner=False", cwd=course)
    proc = nbgrader("autograde", "ps5", "--create", "--force", cwd=course)
    return {"log": proc.stdout + proc.stderr, "validate": validate_untouched, "course": course}


def _scores(course: Path, notebook: str = GRADED) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("alice", "bob", "carol", "dave"):
            nb = gb.find_submission_notebook(notebook, "ps5", student)
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

    # Module 9 (scripts run by the hidden tests): right, untouched, copied.
    nine = _scores(course, ALSO_GRADED)
    assert set(nine["alice"]) == {f"9_ex_{i}" for i in range(1, 5)}
    for student, want in (("alice", 1), ("bob", 1), ("carol", 0), ("dave", 0)):
        assert all(v == want for v in nine[student].values()), (student, nine[student])
