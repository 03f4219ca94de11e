"""The outcome of a simulation run: records, hosts and the views built on them.

Theory of operation
-------------------
:class:`SimResult` is plain data handed back by :meth:`tcplab.sim.network.Network.run`:
the segment records, the event records, the hosts (with every endpoint they had), the end
time and the seed. Its ``trace`` and ``events`` DataFrames are built on first use by
:mod:`tcplab.sim.trace` (imported lazily, so ``import tcplab`` stays light). It lives in its
own module so that the network and the trace views depend on it and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tcplab import _validate as V
from tcplab.endpoint import Endpoint
from tcplab.fsm import State

if TYPE_CHECKING:
    import pandas as pd

    from tcplab.sim.network import Host

__all__ = ["SimResult", "check_result"]


@dataclass
class SimResult:
    """The outcome of :meth:`Network.run`: raw records plus handy views.

    ``trace`` (segments) and ``events`` (user calls, timers, state changes, errors) are
    pandas DataFrames built on first use (see :mod:`tcplab.sim.trace`).
    """

    records: list[dict[str, Any]]
    event_records: list[dict[str, Any]]
    hosts: dict[str, Host]
    end_time: float
    seed: int
    peers: dict[int, Endpoint] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def trace(self) -> pd.DataFrame:
        from tcplab.sim.trace import segments_frame

        return segments_frame(self)

    @property
    def events(self) -> pd.DataFrame:
        from tcplab.sim.trace import events_frame

        return events_frame(self)

    def endpoint(self, host: str, index: int = -1) -> Endpoint:
        return self.hosts[host].endpoint(index=index)

    def final_states(self) -> dict[str, State]:
        """Each host's most recent connection's final state (CLOSED if it never had one)."""
        out: dict[str, State] = {}
        for name, h in self.hosts.items():
            last = h.endpoints[-1] if h.endpoints else None
            out[name] = State.CLOSED if last is None or last.lost else last.state
        return out

    def errors(self) -> dict[str, list[str]]:
        """Errors each host's connections reported to their applications."""
        return {n: [e.error for e in h.endpoints if e.error] for n, h in self.hosts.items()}


def check_result(value: object, name: str = "result") -> SimResult:
    """``value`` if it is a :class:`SimResult`; otherwise a TypeError naming it."""
    name = V.string(name, "name", max_len=80)
    if not isinstance(value, SimResult):
        raise V.ArgumentTypeError(
            f"{name} = {V.short(value)}: expected a SimResult (from run_scenario or Network.run)"
        )
    return value
