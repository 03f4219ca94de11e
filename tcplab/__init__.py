"""tcplab — a course library for TCP connection management.

The pure core (importing it is cheap: no pandas, matplotlib, ipywidgets or graphviz):

- :mod:`tcplab.fsm` — RFC 9293's state machine as a table (:data:`TRANSITIONS`).
- :mod:`tcplab.seq` — 32-bit serial arithmetic and RFC 9293's acceptability tests.

Heavier layers are imported on demand: ``tcplab.viz`` (diagrams), ``tcplab.widgets``
(explorers), ``tcplab.sim`` (simulations), ``tcplab.live`` (the local Linux stack).
"""

from tcplab import seq
from tcplab.fsm import (
    ARCS,
    TRANSITIONS,
    Arc,
    Event,
    InvalidTransition,
    Origin,
    Send,
    State,
    TcpStateMachine,
    Timer,
    Transition,
)

__version__ = "0.1.0"

__all__ = [
    "ARCS",
    "TRANSITIONS",
    "Arc",
    "Event",
    "InvalidTransition",
    "Origin",
    "Send",
    "State",
    "TcpStateMachine",
    "Timer",
    "Transition",
    "__version__",
    "seq",
]
