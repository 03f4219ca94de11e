"""Sphinx helpers for the tcplab course site.

- ``course-toctree``: a toctree of the documents that exist *now*. Each content line is
  a glob (``/notebooks/*``; ``*`` stays within one folder) or a document name
  (``/simulator``), listed in that order without repeats; ``:exclude:`` names documents
  to leave out (the page itself always is); patterns that match nothing are skipped
  quietly (the course notebooks land one by one), and when nothing
  at all matches, the directive prints the ``:empty:`` text instead of a toctree — so
  ``sphinx-build -W`` keeps passing while the course is being written.
- ``transition-table``: the RFC 9293 transition table, rendered at build time from
  :func:`tcplab.docs_table.transition_table_markdown` — never a hand copy.
- On ``builder-inited`` it stages the site's own copies of require.js, embed-amd.js and
  MathJax (``docs/vendor/stage.py``) so that no page loads anything from a CDN.
- Live explorers (``tcplab_live``): every notebook cell that calls one of the course's
  explorers (``timewait_explorer(...)`` ...) gets a bar above its static widget snapshot
  that says so and offers to run it live; ``_static/tcplab-live.js`` disables the
  snapshot's controls and, on request, runs tcplab's own model in the page with Pyodide.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.directives.other import TocTree
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective


class CourseTocTree(TocTree):
    """A toctree over the documents present at build time, in name order per pattern."""

    option_spec: ClassVar[dict[str, Any]] = {
        **TocTree.option_spec,
        "empty": directives.unchanged,
        "exclude": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        excluded = {self.env.docname, *self.options.get("exclude", "").split()}
        found = sorted(d for d in self.env.found_docs if d not in excluded)
        entries: list[str] = []
        for line in self.content:
            pattern = line.strip().lstrip("/")
            if not pattern:
                continue
            # "*" stays within one folder: "/*" means the top-level pages only.
            depth = pattern.count("/")
            matches = [
                d for d in found if d.count("/") == depth and fnmatch.fnmatchcase(d, pattern)
            ]
            entries.extend("/" + d for d in matches if "/" + d not in entries)
        docs = getattr(self.env, "tcplab_toctree_docs", set())
        docs.add(self.env.docname)
        self.env.tcplab_toctree_docs = docs  # type: ignore[attr-defined]
        if not entries:
            text = self.options.get("empty", "Nothing has been published here yet.")
            para = nodes.paragraph(text=text)
            para["classes"].append("tcplab-empty-toctree")
            return [para]
        self.options.pop("empty", None)
        self.options.pop("glob", None)
        self.content = StringList(entries, source=self.content.source(0))
        return super().run()


class TransitionTable(SphinxDirective):
    """Insert the library's transition table (Markdown, parsed as MyST)."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"no-linux": directives.flag}

    def run(self) -> list[nodes.Node]:
        from tcplab.docs_table import transition_table_markdown

        markdown = transition_table_markdown(linux="no-linux" not in self.options)
        # Rebuild this page when the library's table changes.
        import tcplab.fsm

        self.env.note_dependency(tcplab.fsm.__file__)
        container = nodes.container(classes=["tcplab-transition-table"])
        lines = StringList(markdown.splitlines(), source="tcplab.docs_table")
        self.state.nested_parse(lines, self.content_offset, container)
        return [container]


def _outdated(
    app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    # A notebook that appeared or vanished changes every course-toctree: re-read them.
    if added or removed:
        return sorted(getattr(env, "tcplab_toctree_docs", set()))
    return []


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "tcplab_toctree_docs", set()).discard(docname)


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    mine = getattr(env, "tcplab_toctree_docs", set())
    mine |= getattr(other, "tcplab_toctree_docs", set()) & docnames
    env.tcplab_toctree_docs = mine


def _stage_vendor(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    sys.path.insert(0, str(Path(app.srcdir) / "vendor"))
    try:
        import stage
    finally:
        sys.path.pop(0)
    try:
        stage.stage()
    except stage.StageError as exc:
        raise ExtensionError(str(exc)) from exc


def setup(app: Sphinx) -> dict[str, Any]:
    import tcplab_live

    tcplab_live.setup(app)
    app.add_directive("course-toctree", CourseTocTree)
    app.add_directive("transition-table", TransitionTable)
    app.connect("builder-inited", _stage_vendor)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
