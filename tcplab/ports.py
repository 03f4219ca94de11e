"""Ephemeral ports and TIME-WAIT: how many short connections a client can open.

Theory of operation
-------------------
A connection is named by its 4-tuple (local address and port, remote address and port).
A client that keeps connecting to *one* server address and port can vary only its own
port, which the kernel picks from the ephemeral range (Linux:
``net.ipv4.ip_local_port_range``). The side that closes first keeps the 4-tuple in
TIME-WAIT for the whole TIME-WAIT length; meanwhile ``connect()`` cannot reuse that local
port towards the same server (unless ``tcp_tw_reuse`` allows it, facts.md §10).

So each short connection occupies one port for about one TIME-WAIT after it closes. By
Little's law a client opening ``rate`` connections per second holds ``rate × TIME-WAIT``
ports in TIME-WAIT, and the range runs out when that exceeds its size: the sustainable
rate is ``ports / TIME-WAIT``. (The connection's own lifetime adds to the occupancy; for
short connections it is negligible next to 60 s or 240 s, and it is left out here.)

Pure arithmetic: no sockets, no /proc (reading the live range is
:func:`tcplab.live.timewait.timewait_sysctls`' job).
"""

from __future__ import annotations

from dataclasses import dataclass

from tcplab import _validate as _v

__all__ = ["PortBudget", "parse_port_range", "port_budget", "port_count", "ports_in_time_wait"]

_PORT_MAX = 65535


def _port(value: object, name: str) -> int:
    return _v.integer(value, name, ge=1, le=_PORT_MAX, what="a port number")


def _seconds(value: object, name: str) -> float:
    return _v.number(value, name, gt=0, what="number of seconds")


def port_count(lo: int, hi: int) -> int:
    """How many ports the range ``lo … hi`` holds (both ends included)."""
    low, high = _port(lo, "lo"), _port(hi, "hi")
    if low > high:
        raise ValueError(f"port range lo = {low}, hi = {high}: expected lo ≤ hi")
    return high - low + 1


def parse_port_range(text: str) -> tuple[int, int]:
    """Parse ``"32768\\t60999\\n"`` (the format of /proc/sys/net/ipv4/ip_local_port_range)."""
    parts = _v.string(text, "text", max_len=100, what="text like '32768 60999'").split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(
            f"text = {_v.short(text)}: expected two port numbers such as '32768 60999'"
        )
    lo, hi = int(parts[0]), int(parts[1])
    port_count(lo, hi)  # validates
    return lo, hi


def ports_in_time_wait(rate: float, time_wait: float) -> float:
    """Ports held in TIME-WAIT in steady state at ``rate`` new connections per second."""
    r = _v.number(rate, "rate", ge=0, what="number of connections/s")
    return r * _seconds(time_wait, "time_wait")


@dataclass(frozen=True)
class PortBudget:
    """One client's port budget towards one server address and port."""

    lo: int
    hi: int
    time_wait: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lo", _port(self.lo, "lo"))
        object.__setattr__(self, "hi", _port(self.hi, "hi"))
        port_count(self.lo, self.hi)
        object.__setattr__(self, "time_wait", _seconds(self.time_wait, "time_wait"))

    @property
    def ports(self) -> int:
        """Ports in the ephemeral range."""
        return port_count(self.lo, self.hi)

    @property
    def max_rate(self) -> float:
        """Highest sustainable rate of new connections per second: ports / TIME-WAIT."""
        return self.ports / self.time_wait

    def sustains(self, rate: float) -> bool:
        """Whether ``rate`` connections/s fit: the ports in TIME-WAIT stay within the range."""
        return ports_in_time_wait(rate, self.time_wait) <= self.ports

    def row(self, rate: float | None = None) -> dict[str, float | int | bool | str]:
        """The budget as one table row (optionally judged against ``rate``)."""
        out: dict[str, float | int | bool | str] = {
            "port range": f"{self.lo}–{self.hi}",
            "ports": self.ports,
            "TIME-WAIT (s)": self.time_wait,
            "max new connections/s": round(self.max_rate, 1),
        }
        if rate is not None:
            rate = _v.number(rate, "rate", ge=0, what="number of connections/s")
            out[f"ports in TIME-WAIT at {rate:g}/s"] = ports_in_time_wait(rate, self.time_wait)
            out[f"{rate:g}/s sustainable?"] = self.sustains(rate)
        return out


def port_budget(port_range: tuple[int, int], time_wait: float) -> PortBudget:
    """A validated :class:`PortBudget` for ``port_range = (lo, hi)`` and a TIME-WAIT length."""
    lo, hi = _v.sequence(port_range, "port_range", min_len=2, max_len=2, what="a pair (lo, hi)")
    port_count(lo, hi)  # type: ignore[arg-type]  # checked there
    return PortBudget(lo, hi, _seconds(time_wait, "time_wait"))  # type: ignore[arg-type]
