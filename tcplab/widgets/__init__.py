"""ipywidgets explorers for the course notebooks.

Each explorer is a function returning an ``ipywidgets`` widget whose picture lives in an
``ipywidgets.HTML`` value (inline SVG or a PNG data URI) filled in *at construction*, so a
notebook rendered without a kernel (the static site) still shows a meaningful default view.
Import the submodule you need; this package imports nothing heavy by itself.
"""
