"""The course's explorers as ipywidgets: the Jupyter face of :mod:`tcplab.explore`.

Each ``<name>_explorer(...)`` builds the explorer's *session* (:mod:`tcplab.explore`,
the code the course site also runs in the reader's browser) and shows it with the one
Jupyter front end, :class:`tcplab.explore.jupyter.SessionWidget`. No TCP rule, number or
picture is computed here: a notebook and the site show the same explorer from the same
code. The default view is drawn at construction, so a notebook rendered without a kernel
(the static site's snapshot) still shows it. Import the submodule you need; this package
imports nothing heavy by itself.
"""
