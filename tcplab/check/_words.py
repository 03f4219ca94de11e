"""Reading word answers ("RST", "clean close", "drop") for the module 4, 6, 7, 8 checkers.

Theory of operation
-------------------
Many predict exercises ask for one of a few words. :func:`as_word` accepts any spelling
that differs only in case, spaces, hyphens and underscores (``"Challenge-ACK"`` ==
``"challenge ack"``), plus listed synonyms, and returns the canonical word. Anything else is
:class:`~tcplab.check.Incorrect` naming the allowed words; ``...`` is "not solved yet".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tcplab.check._core import Incorrect, NotSolved, is_untouched

__all__ = ["as_word", "as_words"]


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-+]+", " ", text.strip().lower()).strip()


def as_word(
    value: Any, words: Iterable[str], what: str, synonyms: Mapping[str, str] | None = None
) -> str:
    """The canonical word among ``words`` that ``value`` spells; Incorrect otherwise."""
    words = list(words)
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, str):
        key = _norm(value)
        table = {_norm(w): w for w in words}
        table.update({_norm(k): v for k, v in (synonyms or {}).items()})
        if key in table:
            return table[key]
    shown = ", ".join(repr(w) for w in words)
    raise Incorrect(f"{what} should be one of {shown}; you gave {value!r}")


def as_words(
    value: Any, words: Iterable[str], what: str, synonyms: Mapping[str, str] | None = None
) -> set[str]:
    """A set (or list) of words, each read with :func:`as_word`."""
    words = list(words)
    if is_untouched(value):
        raise NotSolved(f"{what} is still ... : fill it in")
    if isinstance(value, str) or not isinstance(value, set | frozenset | list | tuple):
        raise Incorrect(f"{what} should be a set of names, e.g. {{{words[0]!r}}}; got {value!r}")
    return {as_word(v, words, f"each entry of {what}", synonyms) for v in value}
