"""The endpoint's timers as typed fields: one absolute deadline (or None) per timer.

Theory of operation
-------------------
An endpoint runs at most five timers: delayed ACK, retransmission, the orphaned
FIN-WAIT-2 timer, keepalive and TIME-WAIT. :class:`Deadlines` holds one field per
:class:`TimerKind`; :meth:`Deadlines.take_due` hands them out in the fixed order of
:class:`TimerKind` (the order the endpoint fires timers due at the same instant).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum

__all__ = ["Deadlines", "TimerKind"]

#: Tolerance: a timer due within this of ``now`` fires now.
_EPS = 1e-9


class TimerKind(Enum):
    """The endpoint's timers, in the order timers due together are fired."""

    DELACK = "delack"
    RTX = "rtx"
    FIN_WAIT_2 = "fin_wait_2"
    KEEPALIVE = "keepalive"
    TIME_WAIT = "time_wait"

    @classmethod
    def _missing_(cls, value: object) -> TimerKind:
        names = ", ".join(k.value for k in cls)
        raise ValueError(f"TimerKind = {value!r:.80}: expected one of {names}")


@dataclass
class Deadlines:
    """Absolute deadlines (seconds) of the pending timers; None when not armed."""

    delack: float | None = None
    rtx: float | None = None
    fin_wait_2: float | None = None
    keepalive: float | None = None
    time_wait: float | None = None

    def _values(self) -> tuple[float | None, ...]:
        # Spelled out, not dataclasses.fields(): this runs on every simulator step.
        return (self.delack, self.rtx, self.fin_wait_2, self.keepalive, self.time_wait)

    def pending(self) -> dict[str, float]:
        """Armed timers: name → deadline."""
        names = ("delack", "rtx", "fin_wait_2", "keepalive", "time_wait")
        return {n: v for n, v in zip(names, self._values(), strict=True) if v is not None}

    def next(self) -> float | None:
        """The earliest deadline, or None."""
        armed = [v for v in self._values() if v is not None]
        return min(armed) if armed else None

    def clear(self) -> None:
        """Cancel every timer."""
        for f in fields(self):
            setattr(self, f.name, None)

    def take_due(self, kind: TimerKind, now: float) -> bool:
        """If timer ``kind`` is due at ``now``, disarm it and return True."""
        due = getattr(self, kind.value)
        if due is None or due > now + _EPS:
            return False
        setattr(self, kind.value, None)
        return True
