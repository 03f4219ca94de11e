"""Graded exercises: per-student questions and checkers with specific feedback.

Students use three functions::

    from tcplab.check import check, exercise, student_id
    STUDENT_ID = student_id()   # the hub login / the graded student; or student_id("s123")
    exercise("2_ex_1", STUDENT_ID)              # shows the question with *your* numbers
    p = exercise("2_ex_1", STUDENT_ID).params   # those numbers, as a dict
    check("2_ex_1", answer, student_id=STUDENT_ID)   # -> Result, shown as feedback

A :class:`Result` has ``.status`` ("not solved yet", "incorrect" or "correct"),
``.solved`` and ``.message``. ``check`` never raises on a student's answer: an untouched
answer (``None``, ``...`` or a function that raises ``NotImplementedError``) is "not
solved yet"; feedback names the mistake and never prints the expected answer.
``Result.require()`` raises AssertionError unless solved.

The *grade* does not trust the notebook: nbgrader's hidden tests call
``tcplab.check._summative.verify``, which takes the student's identity from the grader
(see :mod:`tcplab.check._summative` and docs/instructors/grading.md).

Parameters are drawn from a :class:`random.Random` seeded with SHA-256 of the label and
the student id, so they are stable across sessions and machines and differ between
students. Expected answers are computed from the library (:mod:`tcplab.fsm`,
:mod:`tcplab.seq`, :mod:`tcplab.check._model`), never typed in.

Adding the exercises of a module (e.g. module 4)
------------------------------------------------
1. Create ``tcplab/check/m4.py``. Each exercise is a subclass of
   :class:`tcplab.check.Spec` decorated with :func:`tcplab.check.register`::

       from tcplab.check import Incorrect, Spec, register

       @register
       class TimeWaitLength(Spec):
           label = "4_ex_1"        # <module>_ex_<n>; module must match the file (m4)
           kind = "compute"        # compute | predict | explain | build
           topic = "TIME-WAIT length on Linux vs RFC"     # for the docs table
           title = "How long does TIME-WAIT last?"       # heading above the question

           def make_params(self, rng):  return {...}      # rng: seeded per student
           def question(self, p):       return "Markdown text using p"
           def _expected(self, p):      return ...        # from the library (private)
           def grade(self, p, answer):
               ...  # raise Incorrect("what is wrong, and why") / NotSolved("...")
               return "praise shown when correct"

   A compute/predict exercise answered with a dict is best a :class:`FieldSpec`: list
   its ``answer_fields`` (:class:`Field`: name, converter, typical :class:`Mistake` s
   with what to say, a fallback hint) and write no ``grade()`` at all, unless it must
   diagnose something no single field can (see ``2_ex_2``: a give-up time judged
   against the student's own send times). One answered with a single
   value or a list is a :class:`ValueSpec` with one ``answer_field`` (a :class:`Field`,
   or a :class:`ListField`: entry converter, whole-list mistakes, per-row hints).

   Helpers: ``as_int``/``as_float``/``as_state``/``as_bool``/``fields`` (parse answers,
   raising the right exception), ``seq_diagnosis`` (off-by-one / wrap feedback),
   ``call_student`` (build exercises), :class:`MultipleChoice` + :class:`Choice`
   (options shuffled per student), ``rubric`` + :class:`Idea` (keyword-checked
   short answers).
2. Nothing else to register: this package imports every ``tcplab.check.m1`` …
   ``m8`` that exists, on first use.
3. Add ``solutions/04_exercises.ipynb`` following the cell pattern in docs/exercises.md,
   run ``make exercises`` (regenerates ``exercises/`` and the table in
   docs/exercises.md), and add the new labels' typical mistakes to tests/test_check.py.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from tcplab import _validate as _v
from tcplab.check._core import (
    KINDS,
    STATUSES,
    Choice,
    Field,
    FieldSpec,
    Idea,
    Incorrect,
    ListField,
    Mistake,
    MultipleChoice,
    NotSolved,
    Result,
    Spec,
    ValueSpec,
    all_specs,
    as_bool,
    as_event,
    as_float,
    as_int,
    as_state,
    call_student,
    check_student_id,
    close_enough,
    fields,
    get_spec,
    grade,
    is_untouched,
    register,
    rubric,
    seq_diagnosis,
    seq_field,
    student_rng,
)
from tcplab.check._summative import student_id, submittable

__all__ = [
    "KINDS",
    "STATUSES",
    "Choice",
    "Exercise",
    "Field",
    "FieldSpec",
    "Idea",
    "Incorrect",
    "ListField",
    "Mistake",
    "MultipleChoice",
    "NotSolved",
    "Result",
    "Spec",
    "ValueSpec",
    "as_bool",
    "as_event",
    "as_float",
    "as_int",
    "as_state",
    "call_student",
    "catalog",
    "catalog_markdown",
    "check",
    "close_enough",
    "exercise",
    "fields",
    "is_untouched",
    "labels",
    "register",
    "rubric",
    "seq_diagnosis",
    "seq_field",
    "student_id",
    "submittable",
]

_LOADED = False


def _load() -> None:
    """Import every ``tcplab.check.m<N>`` that exists (they register their specs)."""
    global _LOADED
    if _LOADED:
        return
    for n in range(1, 10):
        name = f"{__name__}.m{n}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    _LOADED = True


class Exercise:
    """One student's copy of an exercise: the question with their numbers, and a checker."""

    def __init__(self, spec: Spec, student_id: str) -> None:
        self._spec = _v.instance(spec, "spec", Spec, "a Spec (use tcplab.check.exercise(label))")
        self.student_id = check_student_id(student_id)
        self._params = spec.make_params(student_rng(spec.label, student_id))

    @property
    def label(self) -> str:
        return self._spec.label

    @property
    def kind(self) -> str:
        return self._spec.kind

    @property
    def params(self) -> Mapping[str, Any]:
        """This student's numbers (read-only)."""
        return MappingProxyType(self._params)

    @property
    def options(self) -> dict[str, str]:
        """For multiple-choice exercises: letter → option text, in this student's order."""
        if isinstance(self._spec, MultipleChoice):
            return {letter: c.text for letter, c in self._spec.options(self._params)}
        return {}

    @property
    def text(self) -> str:
        """The question as Markdown, with this student's numbers."""
        return self._spec.question(self._params)

    def check(self, answer: Any) -> Result:
        return grade(self._spec, self._params, answer, self.student_id)

    def _repr_markdown_(self) -> str:
        head = (
            f"**{self.label} · {self._spec.title}** *({self.kind}; student id `{self.student_id}`)*"
        )
        return f"{head}\n\n{self.text}"

    def __str__(self) -> str:
        return f"{self.label} · {self._spec.title} ({self.kind})\n\n{self.text}"

    def __repr__(self) -> str:
        return f"<Exercise {self.label} for {self.student_id!r}>"

    def show(self) -> None:
        """Display the question (rich in Jupyter, plain text elsewhere)."""
        try:
            from IPython.display import Markdown, display
        except ImportError:  # plain Python: no IPython installed
            print(self)
            return
        display(Markdown(self._repr_markdown_()))  # type: ignore[no-untyped-call]


def exercise(label: str, student_id: str) -> Exercise:
    """The exercise ``label`` with the numbers of ``student_id``."""
    _load()
    return Exercise(get_spec(label), student_id)


def check(label: str, answer: Any, *, student_id: str) -> Result:
    """Check ``answer`` to exercise ``label`` for ``student_id``; shown as feedback in Jupyter."""
    return exercise(label, student_id).check(answer)


def labels(module: int | None = None) -> list[str]:
    """Every exercise label, in order; only module ``module``'s when given."""
    _load()
    return [s.label for s in all_specs() if module is None or s.module == module]


def catalog() -> list[dict[str, str]]:
    """One row per exercise: label, kind, title, topic (for tables)."""
    _load()
    return [
        {"label": s.label, "kind": s.kind, "title": s.title, "topic": s.topic} for s in all_specs()
    ]


def catalog_markdown() -> str:
    """The exercise table for docs/exercises.md."""
    rows = ["| label | kind | topic |", "|---|---|---|"]
    rows += [f"| `{r['label']}` | {r['kind']} | {r['topic']} |" for r in catalog()]
    return "\n".join(rows) + "\n"
