"""The machinery behind :mod:`tcplab.check`: specs, the registry, results, answer parsing.

Theory of operation
-------------------
An exercise is a :class:`Spec` subclass registered under a label ``<module>_ex_<n>``.
A spec has four parts, all pure functions of a parameter dict:

- :meth:`Spec.make_params` draws the student's numbers from a :class:`random.Random`
  seeded by :func:`student_rng` (SHA-256 of label + student id, never Python's salted
  ``hash()``), so the same student always gets the same numbers and two students
  almost always different ones;
- :meth:`Spec.question` renders the question text (Markdown) with those numbers;
- :meth:`Spec._expected` (not public API) computes the reference answer *from the library*
  (:mod:`tcplab.fsm`, :mod:`tcplab.seq`, :mod:`tcplab.check._model`);
- :meth:`Spec.grade` compares an answer with it and explains what is wrong. It signals
  "incorrect" by raising :class:`Incorrect` and "not solved yet" by raising
  :class:`NotSolved`; returning a string means "correct" (the string is the praise).

Most compute/predict specs write no ``grade()``: they *declare* the answer. A
:class:`FieldSpec` (a dict answer) lists :class:`Field` s, a :class:`ValueSpec` (one value,
or a :class:`ListField` with one entry per row of the question) has one; a field names its
converter, its typical :class:`Mistake` s (a wrong value computed from the parameters, or a
test for a family of them) with what to say, and a last-resort hint. The expected value
always comes from ``_expected``; hand-written ``grade()`` is left for what no field can
judge (build exercises, rubrics, values judged against each other).

:func:`grade` wraps all of that into a :class:`Result` and never lets an exception out:
an untouched answer (``None``, ``...``, a function raising ``NotImplementedError``)
becomes "not solved yet", anything unreadable becomes "incorrect" with a reason.
Feedback never contains the expected answer: it names the mistake, not the number.
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import random
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Literal

from tcplab import _validate as _v
from tcplab import seq
from tcplab.fsm import Event, State

__all__ = [
    "KINDS",
    "STATUSES",
    "DeclaredSpec",
    "Field",
    "FieldSpec",
    "Incorrect",
    "ListField",
    "Mistake",
    "NotSolved",
    "Result",
    "Spec",
    "ValueSpec",
    "all_specs",
    "call_student",
    "call_time_limit",
    "get_spec",
    "grade",
    "is_untouched",
    "plain",
    "register",
    "student_rng",
]

Status = Literal["not solved yet", "incorrect", "correct"]
STATUSES: tuple[str, ...] = ("not solved yet", "incorrect", "correct")
KINDS: tuple[str, ...] = ("compute", "predict", "explain", "build")
LABEL_RE = re.compile(r"^([1-9])_ex_([1-9][0-9]*)$")
MIME_TYPE = "application/vnd.tcplab.check+json"


class NotSolved(Exception):
    """Raised by a grader: the answer (or part of it) has not been filled in yet."""


class Incorrect(Exception):
    """Raised by a grader: the answer is wrong; the message says what is wrong and why."""


def is_untouched(answer: object) -> bool:
    """True for the placeholders a fresh exercise notebook leaves: ``None`` and ``...``."""
    return answer is None or answer is Ellipsis


CALL_TIME_LIMIT_ENV = "TCPLAB_CALL_TIME_LIMIT"
"""Environment variable: seconds one call of a student's function may take (default 2)."""
DEFAULT_CALL_TIME_LIMIT = 2.0


class _TimeUp(BaseException):
    # A BaseException, so a student's ``except Exception:`` cannot swallow the time limit.
    pass


def call_time_limit() -> float:
    """Seconds one call of a student's function may take: ``$TCPLAB_CALL_TIME_LIMIT`` or 2."""
    raw = os.environ.get(CALL_TIME_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_CALL_TIME_LIMIT
    try:
        limit = float(raw)
    except ValueError:
        limit = math.nan
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"{CALL_TIME_LIMIT_ENV} must be a positive number of seconds; got {raw!r}")
    return limit


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeUp` in the main thread after ``seconds`` (no-op elsewhere)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:  # e.g. Windows, or a checker run from a worker thread
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_student(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a student's function under a time limit; return its result as plain values.

    ``NotImplementedError`` or an empty body (the exercise stub) means "not written yet";
    returning ``None`` otherwise (a missing ``return``) is incorrect. Any other exception,
    a call that runs longer than :func:`call_time_limit`, endless recursion and
    ``sys.exit()`` become :class:`Incorrect` naming the input: a
    crash on a valid input is a wrong answer, not a checker failure.
    """
    limit = call_time_limit()
    shown = _shorten(", ".join(repr(a) for a in args))
    try:
        with _time_limit(limit):
            got = fn(*args)
    except _TimeUp:
        raise Incorrect(
            f"your function took longer than {limit:g} s when called with ({shown}): "
            "look for a loop that never ends"
        ) from None
    except NotImplementedError as exc:
        raise NotSolved(
            "your function still raises NotImplementedError: replace that line with your code"
        ) from exc
    except RecursionError as exc:
        raise Incorrect(
            f"your function recursed without end when called with ({shown}) (RecursionError)"
        ) from exc
    except SystemExit as exc:
        raise Incorrect(
            f"your function called exit() when called with ({shown}); return a value instead"
        ) from exc
    except Exception as exc:
        raise Incorrect(
            f"your function raised {type(exc).__name__}: {exc} when called with ({shown})"
        ) from exc
    if got is None and _is_empty(fn):
        raise NotSolved("your function is still empty (# YOUR ANSWER HERE): write its body")
    if got is None:
        raise Incorrect(
            f"your function returned None when called with ({shown}): write its body "
            "(did you forget `return`?)"
        )
    return plain(got, "your function's result")


def _empty_function() -> None:
    """A docstring and nothing else: the bytecode of an untouched exercise stub."""


def _is_empty(fn: object) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_code == _empty_function.__code__.co_code


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PLAIN_TYPES: tuple[type, ...] = (bool, int, float, str)
_COMPARISON = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__")


def plain(value: Any, what: str = "your answer") -> Any:
    """``value`` rebuilt from plain built-in types, so comparing it cannot be rigged.

    Subclasses of int/float/str are converted with ``int()``/``float()``/``str()`` — or
    rejected as :class:`Incorrect` when they redefine comparison; containers are rebuilt
    as dict/list/tuple/set; numpy scalars become Python numbers; tcplab's own enums and
    functions (build exercises) pass as they are. Anything else is Incorrect.
    """
    kind = type(value)
    if value is None or value is Ellipsis or kind in _PLAIN_TYPES:
        return value
    if isinstance(value, Enum):
        if kind.__module__.startswith("tcplab."):
            return value
        raise Incorrect(f"{what} is a {kind.__name__}; use tcplab's own names or plain text")
    for base in _PLAIN_TYPES:
        if isinstance(value, base):
            if any(getattr(kind, m) is not getattr(base, m) for m in _COMPARISON):
                raise Incorrect(
                    f"{what} is a {kind.__name__}, a {base.__name__} that changes how it "
                    f"compares; answer with a plain {base.__name__}"
                )
            return base(value)
    if isinstance(value, Mapping):
        return {plain(k, what): plain(v, f"{what}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [plain(v, f"each entry of {what}") for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, set | frozenset):
        items = [plain(v, f"each entry of {what}") for v in value]
        return set(items) if isinstance(value, set) else frozenset(items)
    if kind.__module__ == "numpy" and hasattr(value, "item"):
        return plain(value.item(), what)
    if callable(value) and not any(hasattr(kind, m) and m in kind.__dict__ for m in _COMPARISON):
        return value
    raise Incorrect(
        f"{what} is a {kind.__name__}; answer with plain numbers, text, True/False, lists and dicts"
    )


@dataclass(frozen=True)
class Result:
    """The outcome of one check. ``solved`` is True only for status "correct"."""

    label: str
    status: Status
    message: str
    student_id: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")

    @property
    def solved(self) -> bool:
        return self.status == "correct"

    def require(self) -> Result:
        """Raise AssertionError unless solved (for nbgrader test cells); return self."""
        if not self.solved:
            raise AssertionError(f"{self.label}: {self.status}: {self.message}")
        return self

    def __str__(self) -> str:
        return f"[{self.status}] {self.label}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✅", "incorrect": "❌", "not solved yet": "⏳"}[self.status]
        return f"{icon} **{self.label} — {self.status}.** {_md_escape(self.message)}"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        # The JSON part lets tests read the verdict from an executed notebook.
        return {
            "text/plain": str(self),
            "text/markdown": self._repr_markdown_(),
            MIME_TYPE: {"label": self.label, "status": self.status, "solved": self.solved},
        }


def _md_escape(text: str) -> str:
    # Messages are plain text; keep '*' and '_' in them (e.g. snd_nxt) from turning into
    # emphasis in the notebook.
    return html.escape(text, quote=False).replace("*", r"\*").replace("_", r"\_")


def student_rng(label: str, student_id: str) -> random.Random:
    """A generator seeded by SHA-256 of ``label`` and ``student_id`` (stable across runs)."""
    check_student_id(student_id)
    digest = hashlib.sha256(f"tcplab/{label}/{student_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def check_student_id(student_id: object) -> str:
    what = "a non-empty string (set STUDENT_ID at the top of the notebook)"
    student_id = _v.string(student_id, "student_id", what=what)
    if not student_id.strip():
        raise ValueError(f"student_id = {_v.short(student_id)}: expected {what}")
    return student_id


class Spec:
    """One exercise. Subclass, set the class attributes, implement the four methods."""

    label: ClassVar[str]
    kind: ClassVar[str]
    topic: ClassVar[str]
    """A few words for the catalogue table (docs/exercises.md)."""
    title: ClassVar[str]
    """The heading shown above the question."""

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        raise NotImplementedError

    def question(self, p: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _expected(self, p: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        """Return praise if ``answer`` is right; raise Incorrect / NotSolved otherwise."""
        raise NotImplementedError

    @property
    def module(self) -> int:
        m = LABEL_RE.match(self.label)
        assert m is not None
        return int(m.group(1))

    @property
    def number(self) -> int:
        m = LABEL_RE.match(self.label)
        assert m is not None
        return int(m.group(2))


_REGISTRY: dict[str, Spec] = {}


def register(cls: type[Spec]) -> type[Spec]:
    """Class decorator: validate a spec's label/kind and add an instance to the registry."""
    label = getattr(cls, "label", None)
    if not isinstance(label, str) or not LABEL_RE.match(label):
        raise ValueError(f"{cls.__name__}: label {label!r} must look like '<1-9>_ex_<n>'")
    if cls.kind not in KINDS:
        raise ValueError(f"{cls.__name__}: kind {cls.kind!r} must be one of {KINDS}")
    module_file = cls.__module__.rsplit(".", 1)[-1]
    if module_file.startswith("m") and module_file[1:].isdigit() and module_file[1:] != label[0]:
        raise ValueError(
            f"{label} is defined in {cls.__module__}: put it in tcplab.check.m{label[0]}"
        )
    existing = _REGISTRY.get(label)
    if existing is not None and type(existing).__qualname__ != cls.__qualname__:
        raise ValueError(f"exercise label {label} is already taken by {type(existing).__name__}")
    _REGISTRY[label] = cls()
    return cls


def _sort_key(label: str) -> tuple[int, int]:
    m = LABEL_RE.match(label)
    assert m is not None
    return int(m.group(1)), int(m.group(2))


def all_specs() -> list[Spec]:
    """Every registered spec, ordered by module then number."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY, key=_sort_key)]


def get_spec(label: str) -> Spec:
    """The registered spec of ``label`` (a clear ValueError/TypeError for anything else)."""
    known = sorted(_REGISTRY, key=_sort_key)
    # Name the range, not all ~50 labels: the message stays short whatever the catalogue.
    expected = f"an exercise label, {known[0]} … {known[-1]}" if known else "an exercise label"
    label = _v.string(label, "label", max_len=40, what=expected)
    if label not in _REGISTRY:
        raise ValueError(
            f"label = {_v.short(label)}: expected {expected} (tcplab.check.labels() lists them)"
        )
    return _REGISTRY[label]


def grade(spec: Spec, params: Mapping[str, Any], answer: Any, student_id: str) -> Result:
    """Run ``spec.grade`` and turn every outcome into a :class:`Result` (never raises)."""
    label = spec.label
    if is_untouched(answer):
        return Result(
            label,
            "not solved yet",
            "replace the ... with your answer, then run the cell again.",
            student_id,
        )
    try:
        praise = spec.grade(params, plain(answer))
    except NotSolved as exc:
        return Result(label, "not solved yet", str(exc), student_id)
    except Incorrect as exc:
        return Result(label, "incorrect", str(exc), student_id)
    except Exception as exc:  # a malformed answer must not crash the student's notebook
        return Result(
            label,
            "incorrect",
            f"could not read your answer ({type(exc).__name__}: {exc}). "
            "Check its type against the question.",
            student_id,
        )
    return Result(label, "correct", praise or "well done.", student_id)


# --------------------------------------------------------------------------------------
# Answer parsing helpers shared by the graders
# --------------------------------------------------------------------------------------


def as_int(value: Any, what: str) -> int:
    """Read an integer answer (int, integral float, numpy int, digit string)."""
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, bool):
        raise Incorrect(f"{what} should be a number, not {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise Incorrect(f"{what} should be a whole number; you gave {value!r}")
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "").replace(",", "")
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text)
        raise Incorrect(f"{what} should be a number; you gave the text {value!r}")
    try:
        import operator

        return operator.index(value)
    except TypeError:
        raise Incorrect(f"{what} should be a whole number; you gave {value!r}") from None


def as_float(value: Any, what: str) -> float:
    """Read a real-number answer."""
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, bool):
        raise Incorrect(f"{what} should be a number, not {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise Incorrect(f"{what} should be a number; you gave {value!r}") from None
    if not math.isfinite(x):
        raise Incorrect(f"{what} should be a finite number; you gave {value!r}")
    return x


def as_bool(value: Any, what: str) -> bool:
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "false", "no"}:
        return value.strip().lower() in {"true", "yes"}
    raise Incorrect(f"{what} should be True or False; you gave {value!r}")


def _norm_name(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().upper())


def as_state(value: Any, what: str) -> State:
    """Read a state: a :class:`State`, or its name in any spelling (``"fin-wait-1"``)."""
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, State):
        return value
    if isinstance(value, str):
        key = (
            _norm_name(value)
            .replace("SYN_RCVD", "SYN_RECEIVED")
            .replace("SYN_RECV", "SYN_RECEIVED")
        )
        key = key.replace("FIN_WAIT1", "FIN_WAIT_1").replace("FIN_WAIT2", "FIN_WAIT_2")
        if key in State.__members__:
            return State[key]
    raise Incorrect(
        f"{what}: {value!r} is not a TCP state; `[s.rfc_name for s in State]` lists the "
        "eleven names (from tcplab.fsm import State)"
    )


def as_event(value: Any, what: str) -> Event:
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, Event):
        return value
    if isinstance(value, str):
        key = _norm_name(value)
        if key in Event.__members__:
            return Event[key]
        for ev in Event:
            if _norm_name(ev.value) == key:
                return ev
    names = ", ".join(e.name for e in Event)
    raise Incorrect(f"{what}: {value!r} is not an event; use one of {names}")


def fields(answer: Any, keys: Iterable[str], what: str = "your answer") -> dict[str, Any]:
    """Check a dict answer has exactly ``keys``; untouched values → NotSolved."""
    keys = list(keys)
    if not isinstance(answer, Mapping):
        raise Incorrect(
            f"{what} should be a dict with the keys {keys}; you gave {type(answer).__name__}"
        )
    missing = [k for k in keys if k not in answer]
    if missing:
        raise Incorrect(f"{what} is missing the key(s) {missing}; expected the keys {keys}")
    extra = [k for k in answer if k not in keys]
    if extra:
        raise Incorrect(f"{what} has unexpected key(s) {extra}; expected the keys {keys}")
    todo = [k for k in keys if is_untouched(answer[k])]
    if todo and len(todo) < len(keys):
        raise NotSolved(f"fill in {', '.join(todo)} (still ...)")
    if todo:
        raise NotSolved("replace the ... values with your answers, then run the cell again.")
    return dict(answer)


def seq_diagnosis(got: int, want: int, name: str, reasons: Mapping[int, str] | None = None) -> None:
    """Raise :class:`Incorrect` explaining how sequence number ``got`` differs from ``want``.

    ``reasons`` maps a signed offset (got − want, modulo 2^32) to the reason for that
    typical mistake, e.g. ``{-1: "a SYN consumes a sequence number"}``. Never names ``want``.
    """
    if got == want:
        return
    if got >= seq.MOD and got % seq.MOD == want:
        raise Incorrect(
            f"{name} is past 2^32−1: sequence numbers are 32 bits and wrap around, so reduce "
            "modulo 2^32"
        )
    if got < 0 or got >= seq.MOD:
        raise Incorrect(f"{name} = {got} is not a sequence number: it must be in 0 … 2^32−1")
    off = seq.sub(got, want)
    reasons = reasons or {}
    if off in reasons:
        raise Incorrect(f"{name} is {_offset_words(off)}: {reasons[off]}")
    # Neither magnitude nor direction: "too low" / "too high" would let a student find the
    # number by bisection in ~32 tries. Only the typical mistakes above get specific words.
    raise Incorrect(
        f"{name} is not right: recount what each segment consumes "
        "(SYN and FIN one each, data one per byte, a pure ACK nothing)"
    )


Params = Mapping[str, Any]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer to one field, and what to say when a student gives it.

    Give either ``value(p, want)``, the wrong value computed from the parameters and the
    right value (None where this mistake cannot arise for these parameters), or
    ``when(p, got, want)``, a test for a whole family of wrong values (any earlier state
    on the path, a set with names that do not belong). ``say`` is the hint: a string, or
    ``say(p, got, want)`` where it names part of the student's own answer.
    """

    value: Callable[[Params, Any], Any] | None = None
    say: str | Callable[[Params, Any, Any], str] = ""
    when: Callable[[Params, Any, Any], bool] | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.when is None):
            raise TypeError("Mistake: give exactly one of value= and when=")
        if not self.say:
            raise TypeError("Mistake: say= (what to tell the student) is required")

    def matches(self, p: Params, got: Any, want: Any, same: Callable[[Any, Any], bool]) -> bool:
        """True when a wrong ``got`` is this mistake."""
        if self.when is not None:
            return bool(self.when(p, got, want))
        assert self.value is not None
        wrong = self.value(p, want)
        # None: this mistake cannot happen with these parameters.
        return wrong is not None and wrong != want and same(got, wrong)

    def words(self, p: Params, got: Any, want: Any) -> str:
        return self.say(p, got, want) if callable(self.say) else self.say


def _named(name: str, text: str, named: bool = True) -> str:
    """``name`` and a hint as one sentence: "x: hint", "x is one short: hint".

    ``named=False`` (the field is the whole answer) drops the name where the hint is a
    sentence of its own; a hint that starts "is …" keeps it as its subject.
    """
    if text.startswith("is "):
        return f"{name} {text}"
    if text.startswith(":"):
        return name + text if named else text[1:].strip()
    return f"{name}: {text}" if named else text


@dataclass(frozen=True)
class Field:
    """One part of an answer: how to read it, its typical mistakes, what else to say.

    ``read(raw, name)`` converts the raw value (:func:`as_int`, :func:`as_float`,
    :func:`as_state`, …), raising :class:`Incorrect` / :class:`NotSolved`; ``same``
    compares with the right value (e.g. :func:`close_enough` for floats);
    ``diagnose(got, want, name)`` runs when no listed mistake matched and may raise a more
    specific :class:`Incorrect` (e.g. :func:`seq_diagnosis`); ``otherwise`` is the last
    resort, a hint that names no value and no direction (a string, or
    ``otherwise(p, want)`` when the hint depends on the case).
    """

    name: str
    read: Callable[[Any, str], Any] = as_int
    mistakes: tuple[Mistake, ...] = ()
    same: Callable[[Any, Any], bool] = lambda got, want: got == want
    diagnose: Callable[[Any, Any, str], None] | None = None
    otherwise: str | Callable[[Params, Any], str] = (
        "is not right: work it out again from the question"
    )

    def take(self, p: Params, raw: Any) -> Any:
        """The student's raw answer for this field, converted (or Incorrect/NotSolved)."""
        return self.read(raw, self.name)

    def problem(self, p: Params, got: Any, want: Any, *, named: bool = True) -> str | None:
        """None when ``got`` is right, else the most specific feedback for it.

        ``named``: start the feedback with the field's name (False where the field is the
        whole answer).
        """
        if self.same(got, want):
            return None
        for m in self.mistakes:
            if m.matches(p, got, want, self.same):
                return _named(self.name, m.words(p, got, want), named)
        if self.diagnose is not None:
            try:
                self.diagnose(got, want, self.name)
            except Incorrect as exc:
                return str(exc)
        hint = self.otherwise(p, want) if callable(self.otherwise) else self.otherwise
        return _named(self.name, hint, named)


@dataclass(frozen=True)
class ListField(Field):
    """An answer that is a list with one entry per row of the question (verdicts, counts).

    ``read`` converts each entry; ``rows(p)`` gives one mapping per row, which is what
    the entry hints look at; ``shape`` says what the list should be (``{n}`` = its
    length). ``mistakes`` are wrong *whole lists*: one wrong rule applied throughout
    (plain integers instead of modulo 2^32). Otherwise the first wrong entry is judged
    against its row by ``entry_mistakes`` (``when(row, got, want)`` or ``value(row,
    want)``), else ``entry_otherwise``, and ``wrong`` words the summary from ``{k}`` wrong
    of ``{n}``, ``{first}`` (the first wrong entry, from 1), ``{all}`` (every wrong one)
    and ``{hint}``. Name wrong entries only where that does not give the answer away (never
    for True/False verdicts: the student would just flip them).
    """

    rows: Callable[[Params], Sequence[Mapping[str, Any]]] = lambda p: ()
    shape: str = "a list of {n} entries, one per row"
    entry_mistakes: tuple[Mistake, ...] = ()
    entry_otherwise: str = "work those out again from the question"
    wrong: str = "{k} of {n} entries are wrong. Hint: {hint}"

    def take(self, p: Params, raw: Any) -> list[Any]:
        n = len(self.rows(p))
        if isinstance(raw, str) or not isinstance(raw, list | tuple) or len(raw) != n:
            raise Incorrect("answer with " + self.shape.format(n=n))
        if any(is_untouched(a) for a in raw):
            raise NotSolved("some entries are still ...")
        return [self.read(a, "each entry") for a in raw]

    def problem(self, p: Params, got: Any, want: Any, *, named: bool = True) -> str | None:
        if self.same(got, want):
            return None
        for m in self.mistakes:
            if m.matches(p, got, want, self.same):
                return _named(self.name, m.words(p, got, want), named)
        rows = self.rows(p)
        wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        i = wrong[0]
        row, g, w = rows[i], got[i], want[i]
        hint = next(
            (m.words(row, g, w) for m in self.entry_mistakes if m.matches(row, g, w, _equal)),
            self.entry_otherwise,
        )
        summary = self.wrong.format(
            k=len(wrong), n=len(got), first=i + 1, all=[j + 1 for j in wrong], hint=hint
        )
        return _named(self.name, summary, named)


def _equal(got: Any, want: Any) -> bool:
    return bool(got == want)


def seq_field(
    name: str,
    *mistakes: tuple[int | Callable[[Mapping[str, Any]], int], str] | Mistake,
    show_offsets: bool = False,
) -> Field:
    """A sequence-number field: typical off-by-N mistakes, then :func:`seq_diagnosis`.

    Each mistake is ``(offset, say)``: the wrong value is the right one plus ``offset``
    (modulo 2^32); ``offset`` may be a function of the parameters (e.g. minus the data
    length). Such an offset is put in words ("is 2 too high: …") only with
    ``show_offsets`` — where the student's own numbers make it no secret. A
    :class:`Mistake` is taken as it is (a wrong value that is no offset, e.g. the other
    side's ISN); mistakes are tried in the order given.
    """

    def wrong(off: int | Callable[[Mapping[str, Any]], int]) -> Callable[..., int]:
        return lambda p, want: (want + (off(p) if callable(off) else off)) % seq.MOD

    def words(
        off: int | Callable[[Mapping[str, Any]], int], say: str
    ) -> str | Callable[[Params, Any, Any], str]:
        # "one short: …" as seq_diagnosis says it; an offset that depends on the
        # parameters (the data length) would give the number away, so no words then.
        if not callable(off):
            return f"is {_offset_words(off)}: {say}"
        if show_offsets:
            return lambda p, got, want: f"is {_offset_words(off(p))}: {say}"
        return say

    return Field(
        name,
        mistakes=tuple(
            m if isinstance(m, Mistake) else Mistake(wrong(m[0]), words(*m)) for m in mistakes
        ),
        diagnose=seq_diagnosis,
    )


class DeclaredSpec(Spec):
    """A compute/predict exercise graded from declared :class:`Field` s (no ``grade()``)."""

    praise: ClassVar[str] = "right."

    def praise_for(self, p: Params, want: Any) -> str:
        """What to say when the answer is right (override where it depends on the case)."""
        return self.praise


class ValueSpec(DeclaredSpec):
    """A compute/predict exercise answered with one value (a state, a list of verdicts).

    Subclasses set :data:`answer_field` (a :class:`Field`, or a :class:`ListField`), whose
    ``name`` is how conversion errors refer to the answer ("your state"); feedback on a
    wrong value repeats it only as the subject of a hint that starts "is …".
    """

    answer_field: ClassVar[Field]

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        f = self.answer_field
        got = f.take(p, answer)
        want = self._expected(p)
        problem = f.problem(p, got, want, named=False)
        if problem is not None:
            raise Incorrect(problem)
        return self.praise_for(p, want)


class FieldSpec(DeclaredSpec):
    """A compute/predict exercise answered with a dict, graded field by field.

    Subclasses list :data:`answer_fields` (in the order feedback should be given) and
    :meth:`_expected` returns a dict with the same keys; ``praise`` is shown when all are
    right. ``report = "all"`` names every wrong field at once (where they are independent
    and few), ``"first"`` only the first. Override :meth:`grade` only to diagnose what
    single fields cannot (e.g. two values swapped).
    """

    answer_fields: ClassVar[tuple[Field, ...]]
    report: ClassVar[Literal["first", "all"]] = "first"

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        got = self.read_fields(p, answer)
        want = self._expected(p)
        problems = []
        for f in self.answer_fields:
            problem = f.problem(p, got[f.name], want[f.name])
            if problem is not None:
                problems.append(problem)
                if self.report == "first":
                    break
        if problems:
            raise Incorrect("; ".join(problems))
        return self.praise_for(p, want)

    def read_fields(self, p: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        d = fields(answer, self.keys())
        return {f.name: f.take(p, d[f.name]) for f in self.answer_fields}

    @classmethod
    def keys(cls) -> list[str]:
        """The answer's keys, in the order of :data:`answer_fields`."""
        return [f.name for f in cls.answer_fields]


def _offset_words(off: int) -> str:
    if off == -1:
        return "one short"
    if off == 1:
        return "one too many"
    return f"{abs(off)} too {'low' if off < 0 else 'high'}"


def close_enough(got: float, want: float, rel: float = 0.02) -> bool:
    return math.isclose(got, want, rel_tol=rel)


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question; ``why`` is the feedback when chosen."""

    text: str
    correct: bool = False
    why: str = ""


class MultipleChoice(Spec):
    """Base class for multiple-choice specs: options shuffled per student, letters a, b, …

    Subclasses set ``prompt`` and ``choices``; the student answers with a letter.
    """

    prompt: ClassVar[str]
    choices: ClassVar[tuple[Choice, ...]]

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        order = list(range(len(self.choices)))
        rng.shuffle(order)
        return {"order": order}

    def options(self, p: Mapping[str, Any]) -> list[tuple[str, Choice]]:
        return [(chr(ord("a") + i), self.choices[j]) for i, j in enumerate(p["order"])]

    def question(self, p: Mapping[str, Any]) -> str:
        lines = [self.prompt, ""]
        lines += [f"- **({letter})** {c.text}" for letter, c in self.options(p)]
        lines += ["", 'Answer with the letter of the one correct option, e.g. `answer = "a"`.']
        return "\n".join(lines)

    def _expected(self, p: Mapping[str, Any]) -> str:
        return next(letter for letter, c in self.options(p) if c.correct)

    def grade(self, p: Mapping[str, Any], answer: Any) -> str:
        if not isinstance(answer, str):
            raise Incorrect(f'answer with a letter as a string, e.g. "a"; you gave {answer!r}')
        letter = answer.strip().strip("()").lower()
        opts = dict(self.options(p))
        if letter not in opts:
            raise Incorrect(f"{answer!r} is not one of the options {', '.join(opts)}")
        chosen = opts[letter]
        if not chosen.correct:
            raise Incorrect(chosen.why or "that option is not right; read the question again")
        return chosen.why or "right."


@dataclass(frozen=True)
class Idea:
    """One idea a short answer must contain: any of ``words`` (regexes) shows it."""

    name: str
    words: tuple[str, ...]
    missing: str
    """Feedback when the idea is absent; says what to think about, not the answer."""


def rubric(text: Any, ideas: Iterable[Idea], wrong: Mapping[str, str] | None = None) -> None:
    """Keyword rubric for short answers: every idea must appear; ``wrong`` patterns fail."""
    if not isinstance(text, str):
        raise Incorrect(f"write your explanation as a string; you gave {type(text).__name__}")
    if len(text.split()) < 5:
        raise Incorrect("write at least one full sentence (five words or more)")
    low = text.lower()
    for pattern, why in (wrong or {}).items():
        if re.search(pattern, low):
            raise Incorrect(why)
    absent = [i for i in ideas if not any(re.search(w, low) for w in i.words)]
    if absent:
        raise Incorrect(" ".join(i.missing for i in absent))
