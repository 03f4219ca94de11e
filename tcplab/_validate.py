"""Argument checks shared by the whole library: one rule, one place.

Theory of operation
-------------------
Every public function and constructor checks its arguments *at the boundary* — before any
loop, allocation or side effect — with one of the small functions here. Each takes the value
and the parameter's name, returns the value in its canonical form (``int``, ``float``, the
enum member, ``bytes``, a ``tuple``) and otherwise raises:

- :class:`ArgumentTypeError` (a :class:`TypeError`) when the value has the wrong type;
- :class:`ValueError` when the type is right but the value is out of range.

:class:`ArgumentTypeError` also derives from :class:`ValueError`, so callers (and tests)
written when every bad argument raised ``ValueError`` keep working, while new code can
catch ``TypeError``. The message always has the same shape::

    <name> = <value shortened to ~80 chars>: expected <what>

so that a user sees which parameter, what they passed and what would have worked, and a
3 MB list never ends up echoed in a traceback (:func:`short`).

Numbers: ``bool`` is never a number here (``True`` as a port is a bug, not 1). Integers
accept anything with ``__index__`` (numpy integers) and come back as ``int``; floats accept
any real number (numpy floats too) and come back as ``float``; NaN is always rejected and
±inf unless ``allow_inf=True``.

Upper bounds: integers that drive loops or allocations have documented ceilings below
(:data:`MAX_TRIALS`, :data:`MAX_EVENTS`, :data:`MAX_PAYLOAD`, :data:`MAX_BACKLOG`,
:data:`MAX_ITEMS`). :func:`work` checks a product such as rate × duration against
:data:`MAX_EVENTS` *before* anything is allocated.
"""

from __future__ import annotations

import io
import math
import numbers
import operator
import os
import reprlib
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import IO, Any, Final, Literal, NoReturn, TypeVar, overload

__all__ = [
    "MAX_BACKLOG",
    "MAX_EVENTS",
    "MAX_ITEMS",
    "MAX_PAYLOAD",
    "MAX_SECONDS",
    "MAX_TRIALS",
    "ArgumentTypeError",
    "axes",
    "binary_file",
    "boolean",
    "byte_string",
    "choice",
    "enum_member",
    "instance",
    "integer",
    "missing_member",
    "number",
    "path",
    "probability",
    "seed",
    "sequence",
    "short",
    "sim_result",
    "string",
    "work",
]

MAX_TRIALS: Final = 10**6
"""Most Monte-Carlo trials one call may run (course runs use ≤ 200,000)."""
MAX_EVENTS: Final = 10**7
"""Most simulated events (e.g. arrivals = rate × duration) one call may generate."""
MAX_PAYLOAD: Final = 65495
"""Largest TCP payload in one IPv4 packet: 65535 − 20 (IP header) − 20 (TCP header)."""
MAX_BACKLOG: Final = 2**31 - 1
"""Largest ``listen()`` backlog: the kernel takes a C ``int`` (INT_MAX)."""
MAX_ITEMS: Final = 10**6
"""Default cap on the length of a list argument (steps, peers, rates, …)."""
MAX_SECONDS: Final = 2**32 - 1
"""Latest time a pcap record can hold: its seconds field is an unsigned 32-bit int."""

_E = TypeVar("_E", bound=Enum)
_T = TypeVar("_T")

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlong = 40
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6
_SHORT: Final = 80


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type. A ``TypeError``; also a ``ValueError`` for old callers."""


def short(value: object, limit: int = _SHORT) -> str:
    """``repr(value)``, shortened to at most ``limit`` characters (never raises)."""
    try:
        text = _repr.repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _fail(name: str, value: object, expected: str, *, wrong_type: bool) -> NoReturn:
    msg = f"{name} = {short(value)}: expected {expected}"
    if wrong_type:
        raise ArgumentTypeError(msg)
    raise ValueError(msg)


def _range_text(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> str:
    def fmt(x: float) -> str:
        return f"{x:g}" if isinstance(x, float) else str(x)

    if ge is not None and le is not None and gt is None and lt is None:
        return f"in {fmt(ge)} … {fmt(le)}"
    parts = []
    if ge is not None:
        parts.append(f"≥ {fmt(ge)}")
    if gt is not None:
        parts.append(f"> {fmt(gt)}")
    if le is not None:
        parts.append(f"≤ {fmt(le)}")
    if lt is not None:
        parts.append(f"< {fmt(lt)}")
    return " and ".join(parts)


def _in_range(
    v: float, ge: float | None, gt: float | None, le: float | None, lt: float | None
) -> bool:
    return (
        (ge is None or v >= ge)
        and (gt is None or v > gt)
        and (le is None or v <= le)
        and (lt is None or v < lt)
    )


def integer(
    value: object,
    name: str,
    *,
    ge: int | None = None,
    gt: int | None = None,
    le: int | None = None,
    lt: int | None = None,
    what: str = "an int",
) -> int:
    """``value`` as an ``int`` within the given bounds; numpy integers accepted, bools not.

    ``what`` names the kind of thing in the message ("a port number", "a number of trials").
    """
    if type(value) is int:  # the common case first: this sits on hot paths
        v = value
    elif isinstance(value, bool | float | str | bytes) or value is None:
        _fail(name, value, _int_expected(what, ge, gt, le, lt), wrong_type=True)
    else:
        try:
            v = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            _fail(name, value, _int_expected(what, ge, gt, le, lt), wrong_type=True)
    if not _in_range(v, ge, gt, le, lt):
        _fail(name, value, _int_expected(what, ge, gt, le, lt), wrong_type=False)
    return v


def _int_expected(what: str, ge: int | None, gt: int | None, le: int | None, lt: int | None) -> str:
    bounds = _range_text(ge, gt, le, lt)
    return f"{what} {bounds}" if bounds else what


def number(
    value: object,
    name: str,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    allow_inf: bool = False,
    what: str = "a number",
) -> float:
    """``value`` as a finite ``float`` within the given bounds (NaN never; ±inf if allowed).

    Any real number is accepted (int, float, numpy scalars, fractions); bools and strings are
    not: ``"3"`` is a type error, not 3.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, value, _num_expected(what, allow_inf, ge, gt, le, lt), wrong_type=True)
    try:
        v = float(value)
    except (OverflowError, ValueError):  # e.g. a 10**400 int
        _fail(name, value, _num_expected(what, allow_inf, ge, gt, le, lt), wrong_type=False)
    if math.isnan(v) or (math.isinf(v) and not allow_inf) or not _in_range(v, ge, gt, le, lt):
        _fail(name, value, _num_expected(what, allow_inf, ge, gt, le, lt), wrong_type=False)
    return v


def _num_expected(
    what: str,
    allow_inf: bool,
    ge: float | None,
    gt: float | None,
    le: float | None,
    lt: float | None,
) -> str:
    bounds = _range_text(ge, gt, le, lt)
    finite = "" if allow_inf else "finite "
    return f"a {finite}{what.removeprefix('a ')}" + (f" {bounds}" if bounds else "")


def probability(value: object, name: str) -> float:
    """``value`` as a float in 0 … 1."""
    return number(value, name, ge=0, le=1, what="probability")


@overload
def seed(value: object, name: str = ..., *, optional: Literal[False]) -> int: ...


@overload
def seed(value: object, name: str = ..., *, optional: bool = ...) -> int | None: ...


def seed(value: object, name: str = "seed", *, optional: bool = True) -> int | None:
    """A random seed: an int in 0 … 2^64−1 (or None when ``optional``).

    Only ints: a seed drives per-student and per-peer values, which must be the same in
    every process, so nothing whose meaning could depend on ``hash()`` is accepted.
    """
    if value is None and optional:
        return None
    what = "an int seed" + (" or None" if optional else "")
    return integer(value, name, ge=0, le=2**64 - 1, what=what)


def instance(value: object, name: str, kind: type[_T] | tuple[type, ...], what: str) -> _T:
    """``value`` if it is an instance of ``kind`` (a type error naming ``what`` otherwise)."""
    if not isinstance(value, kind):
        _fail(name, value, what, wrong_type=True)
    return value  # type: ignore[return-value]


def sim_result(value: object, name: str = "result", *, frame_ok: bool = False) -> Any:
    """A :class:`tcplab.sim.network.SimResult` (or, with ``frame_ok``, its trace DataFrame).

    Imports lazily: only code that already works on results pays for the import.
    """
    from tcplab.sim.network import SimResult

    if isinstance(value, SimResult):
        return value
    if frame_ok and type(value).__name__ == "DataFrame":
        return value
    what = "a SimResult (from run_scenario)" + (" or its .trace DataFrame" if frame_ok else "")
    _fail(name, value, what, wrong_type=True)


def axes(value: object, name: str = "ax") -> Any:
    """None or a matplotlib ``Axes`` to draw into."""
    if value is None:
        return None
    from matplotlib.axes import Axes

    return instance(value, name, Axes, "None or a matplotlib Axes")


def boolean(value: object, name: str) -> bool:
    """``value`` if it is a bool (numpy bools accepted); 0/1, "yes" and None are rejected."""
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    _fail(name, value, "True or False", wrong_type=True)


def string(
    value: object, name: str, *, max_len: int = 10_000, nonempty: bool = False, what: str = "a str"
) -> str:
    """``value`` if it is a ``str`` of at most ``max_len`` characters (non-empty if asked)."""
    if not isinstance(value, str):
        _fail(name, value, what, wrong_type=True)
    if len(value) > max_len:
        _fail(name, value, f"{what} of at most {max_len} characters", wrong_type=False)
    if nonempty and not value.strip():
        _fail(name, value, f"a non-empty {what.removeprefix('a ')}", wrong_type=False)
    return value


def choice(value: object, name: str, options: Iterable[str]) -> str:
    """``value`` if it is one of the string ``options`` (exact match)."""
    opts = tuple(options)
    expected = "one of " + ", ".join(repr(o) for o in opts)
    if not isinstance(value, str):
        _fail(name, value, expected, wrong_type=True)
    if value not in opts:
        _fail(name, value, expected, wrong_type=False)
    return value


def _norm(text: str) -> str:
    return text.strip().upper().replace("-", "_").replace(" ", "_")


def enum_member(value: object, name: str, enum: type[_E]) -> _E:
    """The member of ``enum`` that ``value`` names: the member itself, or its name or value.

    Names and string values match case-insensitively with ``-``, ``_`` and spaces alike:
    ``State.LISTEN``, ``"LISTEN"``, ``"listen"``, ``"SYN-SENT"`` and ``"syn_sent"`` all work.
    A member of a *different* enum is a type error, not a lookalike.
    """
    if isinstance(value, enum):
        return value
    names = ", ".join(m.name for m in enum)
    article = "an" if enum.__name__[:1].upper() in "AEIOU" else "a"
    expected = f"{article} {enum.__name__} or one of its names ({names})"
    if not isinstance(value, str):
        _fail(name, value, expected, wrong_type=True)
    key = _norm(value)
    for member in enum:
        if _norm(member.name) == key or (
            isinstance(member.value, str) and _norm(member.value) == key
        ):
            return member
    _fail(name, value, expected, wrong_type=False)


def missing_member(enum: type[_E], value: object) -> _E:
    """For an Enum's ``_missing_``: the member ``value`` names (see :func:`enum_member`), else
    a short ValueError. Python's own message echoes the whole value (3 MB for a big list).

    Use it as::

        @classmethod
        def _missing_(cls, value: object) -> State:
            return _v.missing_member(cls, value)
    """
    try:
        name = f"{enum.__name__} value"
        if isinstance(value, str):
            return enum_member(value, name, enum)
        enum_member(value, name, enum)  # raises: value is no name and no member
    except ValueError as exc:  # ArgumentTypeError included: Enum() raises ValueError
        exc.__suppress_context__ = True  # hide Enum's own, unshortened, message
        raise exc from None
    raise AssertionError  # unreachable: enum_member accepts only members and names


def byte_string(
    value: object, name: str, *, length: int | None = None, max_len: int = MAX_PAYLOAD
) -> bytes:
    """``value`` as ``bytes`` (bytearray/memoryview accepted), of exactly ``length`` if given."""
    want = f"{length} bytes" if length is not None else f"bytes (at most {max_len})"
    if not isinstance(value, bytes | bytearray | memoryview):
        _fail(name, value, want, wrong_type=True)
    data = bytes(value)
    if (length is not None and len(data) != length) or len(data) > max_len:
        _fail(name, value, f"{want}; got {len(data)} bytes", wrong_type=False)
    return data


def path(value: object, name: str) -> Path:
    """``value`` as a :class:`pathlib.Path`: a non-empty ``str`` or an ``os.PathLike``."""
    if isinstance(value, str):
        if not value or len(value) > 4096:
            _fail(name, value, "a non-empty path of at most 4096 characters", wrong_type=False)
        return Path(value)
    if isinstance(value, os.PathLike) and isinstance(os.fspath(value), str):
        return Path(value)
    _fail(name, value, "a path (str or pathlib.Path)", wrong_type=True)


def binary_file(value: object, name: str, *, mode: str = "w") -> str | os.PathLike[str] | IO[bytes]:
    """A path (``str`` or ``os.PathLike``) or a binary file object open for ``mode`` "w"/"r".

    Integers (file descriptors — ``True`` is fd 1, stdout!), bytes and text-mode files are
    rejected, so the caller never writes into, or closes, a descriptor the user did not mean.
    """
    method = "write" if mode == "w" else "read"
    expected = f"a path or a binary file object with .{method}()"
    if isinstance(value, str):
        if not value:
            _fail(name, value, "a non-empty path", wrong_type=False)
        return value
    if isinstance(value, os.PathLike):
        return value
    if not callable(getattr(value, method, None)):
        _fail(name, value, expected, wrong_type=True)
    file_mode = getattr(value, "mode", "b")
    if isinstance(value, io.TextIOBase) or (isinstance(file_mode, str) and "b" not in file_mode):
        _fail(name, value, f"{expected} (open it with mode '{mode}b')", wrong_type=True)
    return value  # type: ignore[return-value]


@overload
def sequence(
    value: object,
    name: str,
    *,
    max_len: int = ...,
    min_len: int = ...,
    item: None = None,
    what: str = ...,
) -> tuple[object, ...]: ...


@overload
def sequence(
    value: object,
    name: str,
    *,
    max_len: int = ...,
    min_len: int = ...,
    item: Callable[[Any, str], _T],
    what: str = ...,
) -> tuple[_T, ...]: ...


def sequence(
    value: object,
    name: str,
    *,
    max_len: int = MAX_ITEMS,
    min_len: int = 0,
    item: Callable[[Any, str], _T] | None = None,
    what: str = "a list",
) -> tuple[_T, ...] | tuple[object, ...]:
    """``value`` as a tuple of ``min_len`` … ``max_len`` items, each checked by ``item``.

    Any iterable except ``str``/``bytes``/mappings is accepted; iterators are read at most
    ``max_len + 1`` items deep, so an endless generator is rejected, not followed. ``item``
    is called as ``item(element, f"{name}[{i}]")`` and its result kept.
    """
    count = f"exactly {max_len}" if min_len == max_len else f"{min_len} … {max_len}"
    expected = f"{what} of {count} items"
    if isinstance(value, str | bytes | bytearray | dict) or not isinstance(value, Iterable):
        _fail(name, value, expected, wrong_type=True)
    if isinstance(value, Sequence | set | frozenset) and len(value) > max_len:
        _fail(name, value, f"{expected}; got {len(value)}", wrong_type=False)
    items: list[object] = []
    for element in value:
        items.append(element)
        if len(items) > max_len:
            _fail(name, value, expected, wrong_type=False)
    if len(items) < min_len:
        _fail(name, value, f"{expected}; got {len(items)}", wrong_type=False)
    if item is None:
        return tuple(items)
    return tuple(item(x, f"{name}[{i}]") for i, x in enumerate(items))


def work(amount: float, name: str, *, limit: int = MAX_EVENTS, what: str = "events") -> int:
    """Check a derived amount of work (e.g. ``rate * duration`` arrivals) against ``limit``.

    ``name`` describes how it was computed ("arrival_rate × duration"); raised *before* the
    caller allocates anything. Returns the amount rounded up to an ``int``.
    """
    if not math.isfinite(amount) or amount > limit:
        raise ValueError(f"{name} = {short(amount)} {what}: expected at most {limit:,} per call")
    return max(0, math.ceil(amount))
