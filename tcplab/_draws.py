"""Seeded random draws in pure Python: Poisson and binomial counts from ``random.Random``.

Theory of operation
-------------------
The flood model must give the same run for the same seed in a notebook (CPython with
numpy) and in the course site's browser (Pyodide, no numpy), so it draws everything from
one ``random.Random(seed)``: one code path everywhere. The standard library has no
Poisson sampler and its ``binomialvariate`` is Python >= 3.12 only, so both are here,
exact and built on ``random()`` and ``gammavariate()`` alone:

- small means: inversion of the CDF (one uniform, a walk over the probabilities);
- large means: the order-statistic recursions (Ahrens & Dieter for Poisson, Devroye for
  the binomial): a Gamma (or Beta) variate tells how many of the events fall below the
  target, which shrinks the problem geometrically until inversion is cheap;
- many draws with one mean (:func:`poisson_counts`, the attack SYNs of each time step): a
  CDF table searched with :func:`bisect.bisect`, so each draw costs one uniform.
"""

from __future__ import annotations

import bisect
import math
import random

__all__ = ["binomial", "poisson", "poisson_counts"]

#: Above this mean (or n·p) a recursion step runs before inversion: inversion walks ~mean terms.
_SMALL = 20.0
#: Largest per-draw mean for which :func:`poisson_counts` tabulates the CDF.
_TABLE_MAX = 500.0  # (exp(-mu) underflows past ~745)


def _poisson_inversion(rng: random.Random, mu: float) -> int:
    u, p, k = rng.random(), math.exp(-mu), 0
    while u > p and p > 0.0:  # (p > 0: float round-off cannot loop forever)
        u -= p
        k += 1
        p *= mu / k
    return k


def poisson(rng: random.Random, mu: float) -> int:
    """One Poisson(``mu``) count (``mu >= 0``), exact: O(log mu) uniforms."""
    k = 0
    while mu > _SMALL:
        # The m-th arrival of a unit-rate Poisson process comes at Gamma(m): if it is past
        # mu, the m-1 earlier arrivals are uniform on [0, x) and Binomial(m-1, mu/x) of
        # them fall in [0, mu); otherwise m arrived and the rest of [0, mu) remains.
        m = int(mu * 0.875)
        x = rng.gammavariate(m, 1.0)
        if x > mu:
            return k + binomial(rng, m - 1, mu / x)
        k += m
        mu -= x
    return k + _poisson_inversion(rng, mu)


def _binomial_inversion(rng: random.Random, n: int, p: float) -> int:
    q = 1.0 - p
    u, f, k = rng.random(), q**n, 0
    ratio = p / q
    while u > f and k < n and f > 0.0:
        u -= f
        k += 1
        f *= (n - k + 1) / k * ratio
    return k


def binomial(rng: random.Random, n: int, p: float) -> int:
    """One Binomial(``n``, ``p``) count, exact: O(log n) uniforms."""
    if p <= 0.0 or n <= 0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:  # count the failures instead: keeps n·p small for the inversion
        return n - binomial(rng, n, 1.0 - p)
    k = 0
    while n * p > _SMALL:
        # The m-th smallest of n uniforms is Beta(m, n + 1 - m): those below it are m - 1
        # uniforms on [0, x); those above, n - m uniforms on (x, 1).
        m = (n + 1) // 2
        a = rng.gammavariate(m, 1.0)
        x = a / (a + rng.gammavariate(n + 1 - m, 1.0))
        if x <= p:
            k += m
            n -= m
            p = (p - x) / (1.0 - x)
        else:
            n = m - 1
            p = p / x
        if p > 0.5:
            return k + n - binomial(rng, n, 1.0 - p)
    return k + _binomial_inversion(rng, n, p)


def poisson_counts(rng: random.Random, mu: float, size: int) -> list[int]:
    """``size`` independent Poisson(``mu``) counts (one per time step of a flood)."""
    if mu <= 0.0:
        return [0] * size
    if mu > _TABLE_MAX:
        return [poisson(rng, mu) for _ in range(size)]
    cdf, p, s, k = [], math.exp(-mu), 0.0, 0
    while s < 1.0 and (k <= mu or p > 1e-17):
        s += p
        cdf.append(s)
        k += 1
        p *= mu / k
    cdf[-1] = 1.0  # the tail past the table (< 1e-16) is folded into its last count
    draw = rng.random
    return [bisect.bisect_right(cdf, draw()) for _ in range(size)]
