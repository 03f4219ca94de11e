"""Summative grading: who is being graded, and the hidden test that grades them.

Theory of operation
-------------------
The formative :func:`tcplab.check.check` trusts the notebook: it uses the ``STUDENT_ID``
and the ``check`` name the student's namespace holds. The grade must not. So:

- **Identity comes from the grader.** :func:`grader_identity` is the student nbgrader is
  autograding (it runs each submission in ``autograded/<student>/<assignment>/``; the
  environment variable ``NBGRADER_EXECUTION=autograde`` says so), else the hub login
  (``JUPYTERHUB_USER``), else unknown. During autograde the hub login is ignored: it would
  be the *instructor's*.
- :func:`student_id` is what the notebook's setup cell calls: the grader's identity where
  there is one, else the id the student typed, else ``"demo-student"``.
- :func:`verify` is the hidden test (imported inside the test cell, never taken from the
  student's namespace). It fails when the notebook's id differs from the grader's
  identity, recomputes the parameters for the identity, converts the answer to plain
  built-in values (:func:`tcplab.check._core.plain`) and grades it. Build exercises are
  graded on *fresh* inputs drawn from the operating system's randomness, so no table of
  precomputed outputs can pass; each call runs under the time limit of
  :func:`tcplab.check._core.call_student`. It prints nothing (nbgrader would try to read
  a printed value as a partial score) and raises AssertionError with the reason.
- :func:`submittable` is the visible line of each grading cell: under ``nbgrader
  validate`` it fails unless the formative check passes (so an untouched notebook does
  not validate); anywhere else it does nothing.
"""

from __future__ import annotations

import importlib
import os
import random
from pathlib import Path
from typing import Any

from tcplab.check._core import Spec, check_student_id, get_spec, grade, student_rng

__all__ = ["DEMO_ID", "grader_identity", "student_id", "submittable", "verify"]

DEMO_ID = "demo-student"
"""The id used when nobody is known; its numbers are printed on the public site."""


def grader_identity(cwd: Path | None = None, environ: dict[str, str] | None = None) -> str | None:
    """The student being graded (nbgrader autograde), else the hub login, else None."""
    env = os.environ if environ is None else environ
    here = Path.cwd() if cwd is None else cwd
    if env.get("NBGRADER_EXECUTION") == "autograde":
        # nbgrader executes the notebook in autograded/<student>/<assignment>/ (or a
        # folder below it, for notebooks in subfolders of the assignment).
        parts = here.parts
        for i in range(len(parts) - 3, -1, -1):
            if parts[i] == "autograded":
                return parts[i + 1]
        return None
    login = env.get("JUPYTERHUB_USER", "").strip()
    return login or None


def student_id(typed: str | None = None) -> str:
    """The id whose numbers this notebook uses (call it in the setup cell).

    The grader's identity (nbgrader autograde, or your hub login) when there is one,
    otherwise ``typed`` (your student id), otherwise ``"demo-student"``. A typed id that
    differs from the grader's identity is kept — and the hidden test then fails, saying so.
    """
    if typed is not None and not isinstance(typed, str):
        raise TypeError(f"typed must be your student id as a string; got {typed!r}")
    if typed is not None and typed.strip():
        return check_student_id(typed.strip())
    return grader_identity() or DEMO_ID


def _fresh_params(spec: Spec, identity: str) -> dict[str, Any]:
    if spec.kind == "build":
        # Inputs nobody could have seen before grading: not derived from the id.
        return spec.make_params(random.Random(int.from_bytes(os.urandom(16), "big")))
    return spec.make_params(student_rng(spec.label, identity))


def verify(label: str, answer: Any, notebook_id: Any) -> None:
    """The hidden test of exercise ``label``: AssertionError unless ``answer`` is right.

    ``notebook_id`` is the notebook's ``STUDENT_ID``. Prints nothing.
    """
    identity = grader_identity()
    if not isinstance(notebook_id, str) or not notebook_id.strip():
        raise AssertionError(f"{label}: STUDENT_ID is not set (got {notebook_id!r})")
    if identity is None:
        if os.environ.get("NBGRADER_EXECUTION") == "autograde":
            raise AssertionError(
                f"{label}: cannot tell which student is graded (nbgrader should run this "
                "notebook in autograded/<student>/<assignment>/)"
            )
        identity = notebook_id
    if notebook_id != identity:
        raise AssertionError(
            f"{label}: this notebook is graded for student {identity!r} but its STUDENT_ID "
            f"is {notebook_id!r}; a grade belongs to the student who submits the notebook"
        )
    importlib.import_module("tcplab.check")._load()  # registers the exercises
    spec = get_spec(label)
    result = grade(spec, _fresh_params(spec, identity), answer, identity)
    if not result.solved:
        raise AssertionError(f"{label}: {result.status}: {result.message}")


def submittable(label: str, answer: Any, *, student_id: str) -> None:
    """Visible line of a grading cell: under ``nbgrader validate``, fail unless solved."""
    if os.environ.get("NBGRADER_VALIDATING") != "1":
        return
    from tcplab.check import check

    check(label, answer, student_id=student_id).require()
