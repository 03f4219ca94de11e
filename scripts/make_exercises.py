"""Generate exercises/NN_exercises.ipynb from solutions/ (the single source).

Usage::

    python scripts/make_exercises.py           # (re)write exercises/ and the docs table
    python scripts/make_exercises.py --check   # exit 1 if anything is out of date

What it does to each solution notebook, cell by cell (nbgrader's markers):

- ``### BEGIN SOLUTION`` … ``### END SOLUTION`` is replaced by the comment
  ``# YOUR ANSWER HERE`` at the marker's indentation (in Markdown cells "YOUR ANSWER
  HERE"). That is exactly what nbgrader's ``generate_assignment`` writes with the course's
  ``ClearSolutions.code_stub`` (docs/instructors/nbgrader_config.py), so the two student
  versions agree (tests/test_nbgrader.py). A comment runs anywhere: at top level the cell
  still reaches its ``check(...)`` ("not solved yet"); in a function body after the
  docstring the function returns None, which its check reports.
- ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` is removed.
- Outputs and execution counts are dropped.

It also refreshes the exercise table in docs/exercises.md (between the
``<!-- exercise-table:start -->`` / ``<!-- exercise-table:end -->`` comments) from
``tcplab.check.catalog_markdown()``.

An unbalanced, nested or mismatched marker is an error naming the notebook, the cell and
the line. ``--check`` also fails when a solution notebook carries outputs.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NAME_RE = re.compile(r"^\d\d_exercises\.ipynb$")
MARKER_RE = re.compile(
    r"^(?P<indent>\s*)#*\s*(?P<what>BEGIN|END) (?P<kind>SOLUTION|HIDDEN TESTS)\s*$"
)
CODE_STUB = "# YOUR ANSWER HERE"
MARKDOWN_STUB = "YOUR ANSWER HERE"
TABLE_START = "<!-- exercise-table:start -->"
TABLE_END = "<!-- exercise-table:end -->"


class MarkerError(ValueError):
    """A BEGIN/END marker without its partner, nested, or of the wrong kind."""


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def strip_source(source: str, cell_type: str, where: str) -> str:
    """Return ``source`` with solution regions stubbed and hidden-test regions removed."""
    out: list[str] = []
    open_kind: str | None = None
    open_line = 0
    for n, line in enumerate(source.split("\n"), 1):
        m = MARKER_RE.match(line)
        if m is None:
            if open_kind is None:
                out.append(line)
            continue
        what, kind, indent = m.group("what"), m.group("kind"), m.group("indent")
        if what == "BEGIN":
            if open_kind is not None:
                raise MarkerError(
                    f"{where}, line {n}: BEGIN {kind} inside the BEGIN {open_kind} of line "
                    f"{open_line} (regions cannot nest)"
                )
            open_kind, open_line = kind, n
            if kind == "SOLUTION":
                out.append(indent + (MARKDOWN_STUB if cell_type == "markdown" else CODE_STUB))
        else:
            if open_kind is None:
                raise MarkerError(f"{where}, line {n}: END {kind} without a BEGIN {kind}")
            if kind != open_kind:
                raise MarkerError(
                    f"{where}, line {n}: END {kind} closes the BEGIN {open_kind} of line "
                    f"{open_line}"
                )
            open_kind = None
    if open_kind is not None:
        raise MarkerError(f"{where}, line {open_line}: BEGIN {open_kind} is never closed")
    # A removed hidden-test region can leave blank lines at the end of a cell.
    return "\n".join(out).rstrip("\n")


def make_exercise(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The student version of one solution notebook."""
    nb = copy.deepcopy(solution)
    for i, cell in enumerate(nb.cells):
        cell.source = strip_source(cell.source, cell.cell_type, f"{name}, cell {i}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def solution_problems(solution: nbformat.NotebookNode, name: str) -> list[Problem]:
    """Things wrong with a committed solution notebook itself (outputs left in)."""
    problems = []
    for i, cell in enumerate(solution.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(
                Problem(
                    f"solutions/{name}",
                    f"cell {i} has outputs or an execution count; commit notebooks without "
                    "outputs (clear them, or run `jupyter nbconvert --clear-output`)",
                )
            )
    return problems


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def docs_with_table(text: str) -> str:
    """``text`` of docs/exercises.md with its exercise table regenerated."""
    from tcplab.check import catalog_markdown

    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise MarkerError(f"docs/exercises.md needs the lines {TABLE_START} and {TABLE_END}")
    return text[: start + len(TABLE_START)] + "\n\n" + catalog_markdown() + "\n" + text[end:]


def plan(solutions: Path, exercises: Path) -> tuple[dict[Path, str], list[Problem]]:
    """What exercises/ should contain, and problems found on the way."""
    wanted: dict[Path, str] = {}
    problems: list[Problem] = []
    for path in sorted(solutions.glob("*.ipynb")):
        if not NAME_RE.match(path.name):
            problems.append(Problem(str(path), "name should be NN_exercises.ipynb (NN = 01…08)"))
            continue
        nb = nbformat.read(path, as_version=4)
        problems += solution_problems(nb, path.name)
        try:
            wanted[exercises / path.name] = render(make_exercise(nb, f"solutions/{path.name}"))
        except MarkerError as exc:
            problems.append(Problem(f"solutions/{path.name}", str(exc)))
    return wanted, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "exercises.md")
    args = parser.parse_args(argv)

    wanted, problems = plan(args.solutions, args.exercises)
    if problems:
        for p in problems:
            print(f"make_exercises: {p}", file=sys.stderr)
        return 1

    docs_new: str | None = None
    if args.docs.exists():
        try:
            docs_new = docs_with_table(args.docs.read_text(encoding="utf-8"))
        except MarkerError as exc:
            print(f"make_exercises: {exc}", file=sys.stderr)
            return 1

    existing = {p for p in args.exercises.glob("*.ipynb")} if args.exercises.exists() else set()
    stale = sorted(p for p in existing if p not in wanted)
    changed = sorted(
        p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    )
    docs_changed = docs_new is not None and args.docs.read_text(encoding="utf-8") != docs_new

    if args.check:
        if not (stale or changed or docs_changed):
            print(f"make_exercises: {len(wanted)} exercise notebook(s) up to date")
            return 0
        for p in changed:
            print(
                f"make_exercises: {p.relative_to(args.exercises.parent)} is out of date "
                "with solutions/",
                file=sys.stderr,
            )
        for p in stale:
            print(
                f"make_exercises: {p.relative_to(args.exercises.parent)} has no solution notebook",
                file=sys.stderr,
            )
        if docs_changed:
            print(
                f"make_exercises: the exercise table in {args.docs.name} is out of date",
                file=sys.stderr,
            )
        print("make_exercises: run `make exercises` and commit the result", file=sys.stderr)
        return 1

    args.exercises.mkdir(parents=True, exist_ok=True)
    for p in changed:
        p.write_text(wanted[p], encoding="utf-8")
    for p in stale:
        p.unlink()
    if docs_changed and docs_new is not None:
        args.docs.write_text(docs_new, encoding="utf-8")
    print(
        f"make_exercises: wrote {len(changed)}, removed {len(stale)}, "
        f"{len(wanted) - len(changed)} unchanged"
        + ("; updated the docs table" if docs_changed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
