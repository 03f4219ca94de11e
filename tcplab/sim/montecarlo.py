"""Monte Carlo for "why 2·MSL?": how often an old duplicate reaches a new incarnation.

The model (one trial = one closed connection whose 4-tuple is then reused)
--------------------------------------------------------------------------
Time 0 is when the active closer sends the final ACK and enters TIME-WAIT, which lasts
``time_wait`` seconds. Every segment lives at most ``lifetime`` seconds in the network
(the network's real maximum segment lifetime; RFC 9293 *assumes* MSL = 120 s).

1. The final ACK takes ``D_ack ~ U(0, lifetime)`` to reach the peer. Until it arrives,
   the peer may still (re)send a segment of the old connection — a retransmitted FIN or
   data. With ``send_model="last_moment"`` (worst case, the default) that segment leaves
   just as the ACK arrives, ``S = D_ack``; with ``"uniform"`` it leaves at
   ``S ~ U(0, D_ack)``.
2. A delayed duplicate of it survives ``D_dup ~ U(0, lifetime)``, so it arrives at
   ``A = S + D_dup``, anywhere in ``[0, 2·lifetime]``.
3. The 4-tuple is reused (a new incarnation exists) from ``max(time_wait, reuse_delay)``
   on: the closer cannot reuse it while in TIME-WAIT, and the application reconnects
   ``reuse_delay`` seconds after the close at the earliest.
4. The duplicate is *accepted* when it arrives after the new incarnation exists **and**
   its sequence number falls in the new receive window — probability ``p_in_window``
   (1.0 = overlapping sequence spaces, the worst case the course demonstrates; about
   RCV.WND / 2^32 for random ISNs).

So ``P(accepted) = P(A > max(time_wait, reuse_delay)) · p_in_window``, which is 0 for any
TIME-WAIT ≥ 2·lifetime — and, for the last-moment model, exactly 1/2 at TIME-WAIT =
1·lifetime (:func:`p_accept_exact`). That is the argument for 2·MSL, not 1·MSL.

The draws come from one seeded ``random.Random(seed)`` in :func:`arrival_times`, in pure
Python, so the notebook (CPython) and the course site's browser (Pyodide, which has no
numpy) draw exactly the same sample for the same seed; 100,000 draws take ~40 ms.
numpy is imported only by the functions that return arrays (the sweep over many
TIME-WAIT lengths); the closed form :func:`p_arrives_after` is pure Python too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tcplab import _validate as _v

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "SweepResult",
    "arrival_times",
    "p_accept_exact",
    "p_arrives_after",
    "p_old_duplicate_accepted",
    "sample_arrivals",
    "timewait_sweep",
]

_MODELS = ("last_moment", "uniform")


_MAX_SECONDS = 1e9  # ≈ 31.7 years: far beyond any MSL, and squares stay finite
_MAX_POINTS = 100_000  # TIME-WAIT lengths one sweep may evaluate


def _check(value: object, name: str, *, positive: bool = False) -> float:
    if positive:
        return _v.number(value, name, gt=0, le=_MAX_SECONDS, what="number of seconds")
    return _v.number(value, name, ge=0, le=_MAX_SECONDS, what="number of seconds")


def _check_trials(trials: object) -> int:
    return _v.integer(trials, "trials", ge=1, le=_v.MAX_TRIALS, what="a number of trials")


def _check_model(send_model: object) -> str:
    return _v.choice(send_model, "send_model", _MODELS)


def _time_waits(value: object) -> npt.NDArray[np.float64]:
    """TIME-WAIT length(s): one number or an array/sequence of them, finite and ≥ 0."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.size > _MAX_POINTS or not (
            np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)
        ):
            raise ValueError(
                f"time_wait = {_v.short(value)}: expected at most {_MAX_POINTS:,} "
                "numbers of seconds"
            )
        arr = value.astype(float)
        if not np.all(np.isfinite(arr) & (arr >= 0) & (arr <= _MAX_SECONDS)):
            raise ValueError(
                f"time_wait = {_v.short(value)}: expected finite numbers of seconds "
                f"in 0 … {_MAX_SECONDS:g}"
            )
        return arr
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        return np.asarray(_check(value, "time_wait"), dtype=float)
    items = _v.sequence(value, "time_wait", max_len=_MAX_POINTS, item=_check)
    return np.asarray(items, dtype=float)


def arrival_times(
    lifetime: float, trials: int = 100_000, *, seed: int = 0, send_model: str = "last_moment"
) -> list[float]:
    """``trials`` arrival times (s after the final ACK) of an old duplicate, pure Python.

    The one sampler of the model above: ``A = S + D_dup`` with ``D_ack, D_dup ~ U(0,
    lifetime)`` and ``S = D_ack`` (``last_moment``) or ``S ~ U(0, D_ack)`` (``uniform``).
    """
    life = _check(lifetime, "lifetime", positive=True)
    n = _check_trials(trials)
    send_model = _check_model(send_model)
    draw = random.Random(_v.seed(seed, optional=False)).random
    if send_model == "uniform":
        return [life * draw() * draw() + life * draw() for _ in range(n)]
    return [life * draw() + life * draw() for _ in range(n)]


def sample_arrivals(
    lifetime: float, trials: int = 100_000, *, seed: int = 0, send_model: str = "last_moment"
) -> npt.NDArray[np.float64]:
    """:func:`arrival_times` as a numpy array."""
    import numpy as np

    return np.asarray(arrival_times(lifetime, trials, seed=seed, send_model=send_model))


def p_old_duplicate_accepted(
    time_wait: float | npt.ArrayLike,
    lifetime: float = 120.0,
    reuse_delay: float = 0.0,
    *,
    trials: int = 100_000,
    seed: int = 0,
    p_in_window: float = 1.0,
    send_model: str = "last_moment",
) -> float | npt.NDArray[np.float64]:
    """Estimated P(an old duplicate is accepted by the new incarnation).

    ``time_wait`` may be a number (returns a float) or an array of TIME-WAIT lengths
    (returns an array; the same samples serve every length, so the curve is smooth).
    """
    import numpy as np

    p = _v.probability(p_in_window, "p_in_window")
    reuse = _check(reuse_delay, "reuse_delay")
    tw = _time_waits(time_wait)
    arrivals = np.sort(sample_arrivals(lifetime, trials, seed=seed, send_model=send_model))
    start = np.maximum(tw, reuse)
    # arrivals after `start`: one binary search per TIME-WAIT value
    late = arrivals.size - np.searchsorted(arrivals, start, side="right")
    prob = late / arrivals.size * p
    if np.ndim(prob) == 0:
        return float(prob)
    out: npt.NDArray[np.float64] = np.asarray(prob, dtype=float)
    return out


def p_arrives_after(time_wait: float, lifetime: float = 120.0) -> float:
    """P(A > ``time_wait``) for the ``last_moment`` model: A = U1 + U2 is triangular on [0, 2L].

    P(A > t) = 1 − t²/(2L²) for t ≤ L, (2L − t)²/(2L²) for L ≤ t ≤ 2L, 0 beyond. Pure
    Python: the one place this formula is written (:func:`p_accept_exact` maps it at
    ``max(time_wait, reuse_delay)``, the moment the 4-tuple can be reused).
    """
    life = _check(lifetime, "lifetime", positive=True)
    t = min(_check(time_wait, "time_wait"), 2 * life)
    if t <= life:
        return 1 - t * t / (2 * life * life)
    return (2 * life - t) ** 2 / (2 * life * life)


def p_accept_exact(
    time_wait: float | npt.ArrayLike,
    lifetime: float = 120.0,
    reuse_delay: float = 0.0,
    *,
    p_in_window: float = 1.0,
) -> float | npt.NDArray[np.float64]:
    """Closed form of P(accepted) for the ``last_moment`` model (:func:`p_arrives_after`
    at ``max(time_wait, reuse_delay)``, times ``p_in_window``)."""
    import numpy as np

    life = _check(lifetime, "lifetime", positive=True)
    p = _v.probability(p_in_window, "p_in_window")
    reuse = _check(reuse_delay, "reuse_delay")
    tw = _time_waits(time_wait)
    res = np.array([p_arrives_after(max(t, reuse), life) for t in tw.ravel().tolist()]) * p
    if tw.ndim == 0:
        return float(res[0])
    out: npt.NDArray[np.float64] = res.reshape(tw.shape)
    return out


@dataclass(frozen=True)
class SweepResult:
    """A TIME-WAIT sweep: the lengths tried and the estimated / exact probabilities."""

    time_wait: npt.NDArray[np.float64]
    p_estimate: npt.NDArray[np.float64]
    p_exact: npt.NDArray[np.float64] | None
    lifetime: float
    reuse_delay: float
    trials: int

    def to_frame(self):  # type: ignore[no-untyped-def]
        """As a pandas DataFrame (columns time_wait, p_estimate, p_exact)."""
        import numpy as np
        import pandas as pd

        return pd.DataFrame(
            {
                "time_wait": self.time_wait,
                "p_estimate": self.p_estimate,
                "p_exact": self.p_exact if self.p_exact is not None else np.nan,
            }
        )


def timewait_sweep(
    lifetime: float = 120.0,
    reuse_delay: float = 0.0,
    *,
    time_wait: npt.ArrayLike | None = None,
    trials: int = 100_000,
    seed: int = 0,
    p_in_window: float = 1.0,
    send_model: str = "last_moment",
) -> SweepResult:
    """P(accepted) over TIME-WAIT lengths (default: 0 … 2.5·lifetime, 101 points)."""
    import numpy as np

    life = _check(lifetime, "lifetime", positive=True)
    reuse_delay = _check(reuse_delay, "reuse_delay")
    send_model = _check_model(send_model)
    tw = np.linspace(0, 2.5 * life, 101) if time_wait is None else _time_waits(time_wait)
    tw = np.atleast_1d(tw)
    est = np.asarray(
        p_old_duplicate_accepted(
            tw,
            life,
            reuse_delay,
            trials=trials,
            seed=seed,
            p_in_window=p_in_window,
            send_model=send_model,
        ),
        dtype=float,
    )
    exact = (
        np.asarray(p_accept_exact(tw, life, reuse_delay, p_in_window=p_in_window), dtype=float)
        if send_model == "last_moment"
        else None
    )
    return SweepResult(tw, est, exact, life, float(reuse_delay), trials)
