"""Sphinx configuration for the tcplab course site (``make site``).

Sphinx + MyST-NB + sphinx-book-theme, all offline. The notebooks, exercises and
solutions are reached through committed symlinks (``docs/notebooks -> ../notebooks``,
...), so nothing is duplicated in git and new notebooks appear as they land.
Notebooks are executed by MyST-NB through jupyter-cache (``docs/_build/.jupyter_cache``):
a notebook is re-run only when its code changes. nbclient stores the widget state in the
executed notebook's metadata and jupyter-cache merges it back, so widgets render
statically with the site's own require.js / embed-amd.js (no CDN at view time).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

# The Makefile exports MPLBACKEND=Agg for tests; in the kernels that execute the notebooks
# that would swallow every figure (Agg draws nothing into the output). Use the inline
# backend, as Jupyter does, so plots become images on the page.
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

project = "tcplab"
author = "the tcplab authors"
copyright = "the tcplab authors; MIT licence"
language = "en"

extensions = ["myst_nb", "tcplab_site"]

exclude_patterns = [
    "_build",
    "vendor",
    "**/.ipynb_checkpoints",
    "Thumbs.db",
    ".DS_Store",
    "README.md",
]

# --- two sites: students' (default) and instructors' (sphinx-build -t instructor) --------
# The student site (`make site`) never *reads* the solutions or the grading page, so no
# page, _sources file, doctree or search-index entry of theirs exists to leak. The
# instructor site (`make site-instructor`, its own output folder) reads everything.
INSTRUCTOR_ONLY = ["solutions", "solutions/**", "instructors/grading.md"]
INSTRUCTOR = tags.has("instructor")  # type: ignore[name-defined]  # noqa: F821 (Sphinx)
if not INSTRUCTOR:
    exclude_patterns += INSTRUCTOR_ONLY

# --- MyST ---------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist", "attrs_inline"]
myst_heading_anchors = 3

# Warnings are errors (-W), minus two that only concern how outputs are *parsed*:
# - MyST-NB parses every mime type of an output bundle before choosing one, so a bundle
#   such as tcplab.check's (text/markdown + text/plain + application/vnd.tcplab.check+json)
#   warns about the private JSON type even though Markdown is shown. An output with no
#   displayable type at all still fails the build ("mystnb.mime_priority").
# - Markdown *outputs* (an exercise's question) are fragments whose headings may start
#   at H2; that is not a structure error of the page.
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

# --- notebook execution ---------------------------------------------------------------
nb_execution_mode = "cache"
nb_execution_timeout = 120  # seconds per cell; finite so a hung cell fails the build
nb_execution_raise_on_error = True  # an exception in a notebook is a build error
nb_execution_show_tb = True
# Everything is executed, exercises included: an untouched exercise runs cleanly and its
# checks report "not solved yet", so the site shows each question (for the notebook's
# default student id) as a student first sees it.
nb_merge_streams = True

# The widget manager and its AMD loader are served by the site itself; an empty CDN
# attribute keeps embed-amd.js from fetching widget modules from jsdelivr.
nb_ipywidgets_js = {
    "vendor/require.js": {},
    # Where embed-amd.js's module (and so its fonts) lives: the site's copy, not beside the page.
    "tcplab-require.js": {},
    "vendor/embed-amd.js": {
        "data-jupyter-widgets-cdn": "",
        "data-jupyter-widgets-cdn-only": "false",
    },
}

# --- math: MathJax 3 from the site, never the CDN default -------------------------------
mathjax_path = "vendor/mathjax/tex-mml-chtml.js"

# --- HTML ------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "tcplab — TCP connection management"
html_static_path = ["_static"]
html_css_files = ["tcplab.css"]
html_favicon = "_static/favicon.svg"  # a page asks for one; without it, /favicon.ico 404s
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = True  # the theme's download button links to _sources/
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "launch_buttons": {},
    "navigation_with_keys": False,
}
