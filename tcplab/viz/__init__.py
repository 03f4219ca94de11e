"""Presentation: graphviz state diagrams, ladder diagrams and plots.

Import the submodule you need (``tcplab.viz.state_diagram``, ``tcplab.viz.ladder``, ...);
this package imports nothing heavy by itself.
"""
