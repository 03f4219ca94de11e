"""Initial sequence numbers (ISN): five generators and what an attacker can do with each.

Theory of operation
-------------------
A TCP endpoint picks an initial send sequence number (ISS) for every new connection.
RFC 9293 §3.4.1 asks for two things at once:

* **monotonicity per 4-tuple** (MUST-8): a 32-bit "clock" that "typically increments at
  least once every roughly 4 microseconds", so that a new incarnation of a connection
  starts above the sequence numbers an old duplicate could carry; and
* **unpredictability across 4-tuples**: the RFC recommends (SHLD-1) ``ISN = M +
  F(localip, localport, remoteip, remoteport, secretkey)`` where M is the clock and F a
  pseudorandom function; what it requires (MUST-9) is only that F "MUST NOT be computable
  from the outside".

This module implements five generators that each satisfy one, both or neither, with
*time passed in* (``now`` in seconds) and secrets/seeds passed in, so a course run is
reproducible:

========================  ==================================  ============  ==============
generator                 ISN                                 per-tuple     unpredictable
                                                              monotone      across tuples
========================  ==================================  ============  ==============
:class:`ConstantIsn`      a fixed value                       no            no
:class:`Rfc793Clock`      4 µs clock M                        yes           no
:class:`Rfc9293Isn`       M + keyed BLAKE2b(4-tuple)          yes           yes
:class:`LinuxIsn`         SipHash(4-tuple) + (ns >> 6)        yes           yes
:class:`RandomIsn`        uniform random                      no            yes
========================  ==================================  ============  ==============

Clock arithmetic the course makes students check (facts.md §5): RFC 9293 says the 4 µs
clock "cycles approximately every 4.55 hours", but 2^32 × 4 µs = 17 180 s ≈ 4.77 h;
4.55 h is exactly 2^14 s, i.e. a 2^-18 s ≈ 3.81 µs tick. Linux's clock ticks every 64 ns
(net/core/secure_seq.c ``seq_scale()``: ``seq + (ktime_get_real_ns() >> 6)``), so it
cycles every 2^32 × 64 ns ≈ 274.9 s (the kernel comment says "period of 274 s").

:func:`siphash24` is a pure-Python SipHash-2-4 (Aumasson & Bernstein), written here and
checked against the reference test vectors; Linux's ``secure_tcp_seq()`` uses
``siphash_3u32(saddr, daddr, sport << 16 | dport, &net_secret)``, which on a
little-endian host hashes the 12 bytes of the three 32-bit words in that order.

The analysis helpers (:func:`isn_trace`, :func:`per_tuple_monotonicity`,
:func:`attacker_prediction`, :func:`blind_injection`) return pandas DataFrames; pandas is
imported inside them so that ``import tcplab.isn`` stays light. The attacker's odds are
*computed* (:func:`guess_probability`), not sampled: a sample of n trials cannot show a
probability below 1/n. For a clock-only generator the attacker's error is
``−floor(Δ + D)`` with Δ the difference of two uniform tick fractions (triangular on
(−1, 1)) and D its timing uncertainty in ticks (uniform); for a keyed or random generator
``F(victim) − F(attacker)`` is, to the attacker, uniform over 2^32; for the constant one
the error is 0.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import math
import random
import secrets
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

from tcplab import _validate as _v
from tcplab import seq

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "GENERATORS",
    "LINUX_TICK",
    "RFC793_TICK",
    "ConstantIsn",
    "FourTuple",
    "IsnGenerator",
    "LinuxIsn",
    "RandomIsn",
    "Rfc793Clock",
    "Rfc9293Isn",
    "attacker_prediction",
    "blind_injection",
    "clock_cycle_seconds",
    "guess_probability",
    "isn_trace",
    "make_generator",
    "per_tuple_monotonicity",
    "prediction_errors",
    "rst_odds",
    "siphash24",
]

MOD32 = 1 << 32
#: RFC 9293 §3.4.1: the ISN clock "increments at least once every roughly 4 microseconds".
RFC793_TICK = 4e-6
#: Linux net/core/secure_seq.c ``seq_scale()``: ``ktime_get_real_ns() >> 6``, one tick per 64 ns.
LINUX_TICK = 64e-9
# Input bounds: a clock tick from 1 ns to 1 h, times up to 10^12 s (≈ 31,700 years), so
# now / tick stays an exactly representable count.
_MIN_TICK, _MAX_TICK, _MAX_NOW = 1e-9, 3600.0, 1e12


class FourTuple(NamedTuple):
    """A connection's identity, from the point of view of the host choosing the ISN."""

    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int

    def key_bytes(self) -> bytes:
        """The 12-byte layout Linux hashes: saddr, daddr, ``sport << 16 | dport``."""
        return _tuple_bytes(self)


def _ip(value: object, name: str) -> bytes:
    text = _v.string(value, name, max_len=64, what="an IPv4 address like '192.0.2.1'")
    try:
        return ipaddress.IPv4Address(text).packed
    except ValueError:
        raise ValueError(
            f"{name} = {_v.short(value)}: bad IPv4 address; expected one like '192.0.2.1'"
        ) from None


def _four_tuple(value: object, name: str = "four_tuple") -> FourTuple:
    """``value`` as a checked :class:`FourTuple` (any 4-item sequence is accepted)."""
    items = _v.sequence(value, name, min_len=4, max_len=4, what="a 4-tuple (ip, port, ip, port)")
    lip, lport, rip, rport = items
    _ip(lip, f"{name}.local_ip")
    _ip(rip, f"{name}.remote_ip")
    lp = _v.integer(lport, f"{name}.local_port", ge=0, le=0xFFFF, what="a port")
    rp = _v.integer(rport, f"{name}.remote_port", ge=0, le=0xFFFF, what="a port")
    return FourTuple(str(lip), lp, str(rip), rp)


def _tuple_bytes(value: object) -> bytes:
    ft = _four_tuple(value)
    a = _ip(ft.local_ip, "local_ip")
    b = _ip(ft.remote_ip, "remote_ip")
    return a + b + struct.pack("<I", (ft.local_port << 16) | ft.remote_port)


# --- SipHash-2-4 -----------------------------------------------------------------------

_M64 = (1 << 64) - 1
_MAX_MESSAGE = 65536  # pure Python: bound the bytes one call may hash (≈ 0.1 s)


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash24(key: bytes, message: bytes) -> int:
    """SipHash-2-4 of ``message`` under a 16-byte ``key``, as a 64-bit integer.

    Pure Python, following the SipHash paper's reference algorithm (2 compression rounds,
    4 finalization rounds). The hash Linux uses for ISNs (secure_seq.c) and SYN cookies
    (syncookies.c).
    """
    key = _v.byte_string(key, "key", length=16)
    message = _v.byte_string(message, "message", max_len=_MAX_MESSAGE)
    k0: int
    k1: int
    k0, k1 = struct.unpack("<QQ", key)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    n = len(message)
    end = n - (n % 8)
    for i in range(0, end, 8):
        (m,) = struct.unpack_from("<Q", message, i)
        v3 ^= m
        rounds(2)
        v0 ^= m
    last = (n & 0xFF) << 56
    for i, byte in enumerate(message[end:]):
        last |= byte << (8 * i)
    v3 ^= last
    rounds(2)
    v0 ^= last
    v2 ^= 0xFF
    rounds(4)
    result: int = v0 ^ v1 ^ v2 ^ v3
    return result


def _secret(secret: bytes | None, seed: int | None, size: int = 16) -> bytes:
    """A key: the one given, or one derived from ``seed`` (reproducible), or a real one."""
    seed = _v.seed(seed)
    if secret is not None:
        return _v.byte_string(secret, "secret", length=size)
    if seed is not None:
        return random.Random(seed).randbytes(size)
    return secrets.token_bytes(size)


def _now(now: object) -> float:
    return _v.number(now, "now", ge=0, le=_MAX_NOW, what="time in seconds")


def _tick(tick: object) -> float:
    return _v.number(tick, "tick", ge=_MIN_TICK, le=_MAX_TICK, what="clock tick in seconds")


def _clock(now: float, tick: float) -> int:
    now = _now(now)
    # Count whole ticks in integer nanoseconds when the tick is a whole number of them
    # (4 µs, 64 ns): Linux computes ``ktime_get_real_ns() >> 6``, and float division would
    # land one tick short at exact multiples (1 s / 64 ns = 15624999.999...).
    tick_ns = round(tick * 1e9)
    if tick_ns > 0 and abs(tick_ns - tick * 1e9) < 1e-6:
        return (round(now * 1e9) // tick_ns) % MOD32
    return int(now / tick) % MOD32


def clock_cycle_seconds(tick: float) -> float:
    """Seconds for a 32-bit ISN clock ticking every ``tick`` s to wrap: 2^32 × tick.

    >>> round(clock_cycle_seconds(RFC793_TICK) / 3600, 2)   # not the RFC's "4.55 hours"
    4.77
    >>> round(clock_cycle_seconds(LINUX_TICK), 1)
    274.9
    """
    return MOD32 * _tick(tick)


# --- generators ---------------------------------------------------------------------------


class IsnGenerator(Protocol):
    """Anything that picks an ISN for a 4-tuple at time ``now`` (seconds)."""

    name: str

    def isn(self, four_tuple: FourTuple, now: float) -> int: ...


@dataclass
class ConstantIsn:
    """Always the same ISN: old duplicates land in new incarnations; trivially spoofable."""

    value: int = 0
    name: str = "constant"

    def __post_init__(self) -> None:
        self.value = seq.check(self.value, "value")
        self.name = _v.string(self.name, "name", max_len=100)

    def isn(self, four_tuple: FourTuple, now: float) -> int:
        _four_tuple(four_tuple)
        _clock(now, 1.0)
        return self.value


@dataclass
class Rfc793Clock:
    """RFC 793's ISN clock alone: M = now / 4 µs mod 2^32, the same for every 4-tuple.

    Monotone per 4-tuple but predictable: anyone who opens a connection learns the clock.
    """

    tick: float = RFC793_TICK
    offset: int = 0
    name: str = "rfc793-clock"

    def __post_init__(self) -> None:
        self.tick = _tick(self.tick)
        self.offset = seq.check(self.offset, "offset")
        self.name = _v.string(self.name, "name", max_len=100)

    def isn(self, four_tuple: FourTuple, now: float) -> int:
        _four_tuple(four_tuple)
        return (_clock(now, self.tick) + self.offset) % MOD32


@dataclass
class Rfc9293Isn:
    """RFC 9293 §3.4.1 (ex RFC 6528): ``ISN = M + F(4-tuple, secretkey)``.

    M is the 4 µs clock; F is keyed BLAKE2b (a standard keyed PRF; RFC 9293 leaves the
    choice of F to "Section 3 of [42]") truncated to 32 bits. The key comes from
    ``secret``, else from ``seed`` (reproducible course runs), else from :mod:`secrets`.
    """

    secret: bytes | None = None
    seed: int | None = None
    tick: float = RFC793_TICK
    name: str = "rfc9293"
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._key = _secret(self.secret, self.seed, 16)
        self.tick = _tick(self.tick)
        self.name = _v.string(self.name, "name", max_len=100)

    def f(self, four_tuple: FourTuple) -> int:
        """The per-tuple offset F(4-tuple, secret)."""
        h = hashlib.blake2b(_tuple_bytes(four_tuple), key=self._key, digest_size=4)
        return int.from_bytes(h.digest(), "little")

    def isn(self, four_tuple: FourTuple, now: float) -> int:
        return (_clock(now, self.tick) + self.f(four_tuple)) % MOD32


@dataclass
class LinuxIsn:
    """Linux ``secure_tcp_seq()``: ``siphash_3u32(saddr, daddr, sport<<16|dport) + ns >> 6``.

    Source: net/core/secure_seq.c (``secure_tcp_seq()``, ``seq_scale()``). The passive
    side hashes with its own address first (tcp_v4_init_seq()), as :class:`FourTuple`
    does. The 64 ns clock wraps every ≈ 274.9 s.
    """

    secret: bytes | None = None
    seed: int | None = None
    tick: float = LINUX_TICK
    name: str = "linux"
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._key = _secret(self.secret, self.seed, 16)
        self.tick = _tick(self.tick)
        self.name = _v.string(self.name, "name", max_len=100)

    def f(self, four_tuple: FourTuple) -> int:
        """The SipHash part, truncated to 32 bits as ``secure_tcp_seq()`` does (u32 return)."""
        return siphash24(self._key, _tuple_bytes(four_tuple)) & 0xFFFFFFFF

    def isn(self, four_tuple: FourTuple, now: float) -> int:
        return (_clock(now, self.tick) + self.f(four_tuple)) % MOD32


@dataclass
class RandomIsn:
    """A fresh uniform random ISN per connection (seeded): unpredictable, not monotone."""

    seed: int | None = None
    name: str = "random"
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.seed = _v.seed(self.seed)
        self.name = _v.string(self.name, "name", max_len=100)
        self._rng = random.Random(self.seed) if self.seed is not None else random.SystemRandom()

    def isn(self, four_tuple: FourTuple, now: float) -> int:
        _four_tuple(four_tuple)
        _clock(now, 1.0)
        return self._rng.getrandbits(32)


#: Generator names accepted by :func:`make_generator`.
GENERATORS: tuple[str, ...] = ("constant", "rfc793-clock", "rfc9293", "linux", "random")


def make_generator(name: str, seed: int | None = 0) -> IsnGenerator:
    """A generator by name (one of :data:`GENERATORS`), seeded for reproducibility."""
    seed = _v.seed(seed)
    if not isinstance(name, str):
        _v.choice(name, "name", GENERATORS)
    if name == "constant":
        return ConstantIsn()
    if name == "rfc793-clock":
        return Rfc793Clock()
    if name == "rfc9293":
        return Rfc9293Isn(seed=seed)
    if name == "linux":
        return LinuxIsn(seed=seed)
    if name == "random":
        return RandomIsn(seed=seed)
    raise ValueError(
        f"unknown ISN generator {_v.short(name)}: expected one of {', '.join(GENERATORS)}"
    )


def _generator(g: object, name: str, seed: int | None) -> IsnGenerator:
    if isinstance(g, str):
        return make_generator(g, seed)
    if not callable(getattr(g, "isn", None)) or not isinstance(getattr(g, "name", None), str):
        raise _v.ArgumentTypeError(
            f"{name} = {_v.short(g)}: expected a generator name ({', '.join(GENERATORS)}) "
            "or an object with .name and .isn(four_tuple, now)"
        )
    return g  # type: ignore[return-value]


def _generators(gens: Iterable[IsnGenerator | str], seed: int | None) -> list[IsnGenerator]:
    seed = _v.seed(seed)
    items = _v.sequence(gens, "generators", min_len=1, max_len=_MAX_GENERATORS)
    return [_generator(g, f"generators[{i}]", seed) for i, g in enumerate(items)]


# --- analysis (pandas imported on demand) --------------------------------------------------

_MAX_GENERATORS = 20
_MAX_ROWS = 10**6  # rows one analysis call may build (pure Python, a dict per row)
_MAX_TIMES = 100_000

SERVER = FourTuple("192.0.2.1", 80, "198.51.100.7", 40000)
"""A server's view of a victim client's connection (documentation addresses, RFC 5737)."""
ATTACKER = FourTuple("192.0.2.1", 80, "203.0.113.66", 50000)
"""The same server's view of an attacker's own connection."""


def isn_trace(
    generators: Sequence[IsnGenerator | str] = GENERATORS,
    four_tuples: Sequence[FourTuple] = (SERVER, ATTACKER),
    times: Sequence[float] | None = None,
    seed: int | None = 0,
) -> pd.DataFrame:
    """ISN of each generator for each 4-tuple at each time (long format).

    Columns: ``generator, tuple, t, isn``. Default times: 50 points over 600 s.
    """
    import pandas as pd

    gens = _generators(generators, seed)
    fts = _v.sequence(four_tuples, "four_tuples", min_len=1, max_len=100, item=_four_tuple)
    if times is None:
        ts: Sequence[float] = [i * 12.0 for i in range(50)]
    else:
        ts = _v.sequence(times, "times", max_len=_MAX_TIMES, item=_time_item)
    _v.work(
        len(gens) * len(fts) * len(ts),
        "generators × four_tuples × times",
        limit=_MAX_ROWS,
        what="rows",
    )
    rows: list[dict[str, object]] = []
    for g in gens:
        for ft in fts:
            label = f"{ft.remote_ip}:{ft.remote_port}"
            rows.extend(
                {"generator": g.name, "tuple": label, "t": t, "isn": g.isn(ft, t)} for t in ts
            )
    return pd.DataFrame(rows)


def per_tuple_monotonicity(
    generators: Sequence[IsnGenerator | str] = GENERATORS,
    four_tuple: FourTuple = SERVER,
    interval: float = 1.0,
    samples: int = 200,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Do successive ISNs of one 4-tuple increase (RFC 1982 order)?

    Samples every ``interval`` s (keep it well under half a clock cycle, 137 s for
    Linux, or the serial comparison becomes meaningless). Columns: ``generator,
    samples, increasing_share, monotone`` (all successive pairs increase).
    """
    import pandas as pd

    interval = _v.number(interval, "interval", gt=0, le=_MAX_TICK, what="interval in seconds")
    samples = _v.integer(samples, "samples", ge=2, le=_MAX_ROWS, what="a number of samples")
    four_tuple = _four_tuple(four_tuple, "four_tuple")
    gens = _generators(generators, seed)
    _v.work(len(gens) * samples, "generators × samples", limit=_MAX_ROWS, what="ISNs")
    if (samples - 1) * interval > _MAX_NOW:
        raise ValueError(
            f"samples × interval = {samples - 1} × {interval:g} s: expected at most {_MAX_NOW:g} s"
        )
    rows: list[dict[str, object]] = []
    for g in gens:
        isns = [g.isn(four_tuple, i * interval) for i in range(samples)]
        ups = sum(seq.before(a, b) for a, b in itertools.pairwise(isns))
        share = ups / (samples - 1)
        rows.append(
            {
                "generator": g.name,
                "samples": samples,
                "increasing_share": share,
                "monotone": ups == samples - 1,
            }
        )
    return pd.DataFrame(rows)


def _time_item(t: object, name: str) -> float:
    return _v.number(t, name, ge=0, le=_MAX_NOW, what="time in seconds")


def _tick_of(g: IsnGenerator) -> float | None:
    tick = getattr(g, "tick", None)
    return float(tick) if isinstance(tick, float) else None


def prediction_errors(
    generators: Sequence[IsnGenerator | str] = GENERATORS,
    victim: FourTuple = SERVER,
    attacker: FourTuple = ATTACKER,
    trials: int = 2000,
    time_uncertainty: float = 1e-3,
    seed: int = 0,
) -> dict[str, list[int]]:
    """Generator name → the signed errors (actual − predicted) of :func:`attacker_prediction`.

    Pure Python (the course site's browser uses it); one seeded stream across generators.
    """
    trials = _v.integer(trials, "trials", ge=1, le=_v.MAX_TRIALS, what="a number of trials")
    time_uncertainty = _v.number(
        time_uncertainty, "time_uncertainty", ge=0, le=_MAX_TICK, what="time in seconds"
    )
    victim, attacker = _four_tuple(victim, "victim"), _four_tuple(attacker, "attacker")
    gens = _generators(generators, _v.seed(seed, optional=False))
    _v.work(len(gens) * trials, "generators × trials", limit=_MAX_ROWS, what="rows")
    rng = random.Random(seed)
    out: dict[str, list[int]] = {}
    for g in gens:
        tick = _tick_of(g)
        errs = out.setdefault(g.name, [])
        for _ in range(trials):
            t0 = rng.uniform(0.0, 3600.0)
            t1 = t0 + rng.uniform(0.0, 10.0)
            seen = g.isn(attacker, t0)
            actual = g.isn(victim, t1)
            guess_t1 = t1 + rng.uniform(-time_uncertainty, time_uncertainty)
            step = 0 if tick is None else int(max(guess_t1 - t0, 0.0) / tick)
            errs.append(seq.sub(actual, (seen + step) % MOD32))
    return out


def attacker_prediction(
    generators: Sequence[IsnGenerator | str] = GENERATORS,
    victim: FourTuple = SERVER,
    attacker: FourTuple = ATTACKER,
    trials: int = 2000,
    time_uncertainty: float = 1e-3,
    seed: int = 0,
) -> pd.DataFrame:
    """What an off-path attacker learns from its *own* connection about a victim's ISN.

    Each trial: the attacker connects to the server at time t0 and reads the server's ISN
    for its own 4-tuple; the victim's connection starts at t1, known to the attacker only
    within ± ``time_uncertainty`` s. The attacker predicts ``ISN_a + (t1' - t0)/tick`` (it
    knows the clock rate, not F). Columns: ``generator, trial, error`` where error is the
    signed serial distance actual − predicted (0 = perfect prediction); the trials are
    :func:`prediction_errors`.
    """
    import pandas as pd

    errors = prediction_errors(generators, victim, attacker, trials, time_uncertainty, seed)
    return pd.DataFrame(
        [
            {"generator": name, "trial": k, "error": e}
            for name, errs in errors.items()
            for k, e in enumerate(errs)
        ],
        columns=["generator", "trial", "error"],
    )


def _triangular_expectation(fn: Callable[[float], float], cuts: Iterable[float]) -> float:
    """E[fn(Δ)] for Δ triangular on (−1, 1) (density 1 − |Δ|), exact when ``fn`` is linear
    between ``cuts``: two-point Gauss–Legendre on every piece integrates the quadratic
    product exactly."""
    points = sorted({-1.0, 0.0, 1.0, *(c for c in cuts if -1.0 < c < 1.0)})
    total = 0.0
    for a, b in itertools.pairwise(points):
        mid, half = (a + b) / 2, (b - a) / 2
        for x in (mid - half / math.sqrt(3), mid + half / math.sqrt(3)):
            total += half * (1 - abs(x)) * fn(x)
    return total


def _clock_error_cdf(s: float, n: float) -> float:
    """P(Δ + D <= s), Δ triangular on (−1, 1), D uniform on [−n, n] (n ticks; 0 = exact)."""
    if n == 0:
        return _triangular_expectation(lambda d: 1.0 if d <= s else 0.0, (s,))
    return _triangular_expectation(
        lambda d: min(1.0, max(0.0, (s - d + n) / (2 * n))), (s - n, s + n)
    )


def guess_probability(
    generator: IsnGenerator | str, lo: int, hi: int, time_uncertainty: float = 1e-3
) -> float:
    """P(lo <= error <= hi) for the attacker of :func:`attacker_prediction`, computed.

    ``error`` is actual − predicted ISN. Constant generator: the error is 0. Clock only
    (:class:`Rfc793Clock`): error = −floor(Δ + D) (see the module docstring), so e.g.
    P(error = 0) = tick / (2·time_uncertainty) = 0.002 for 4 µs and ±1 ms. Keyed or random:
    (hi − lo + 1) / 2^32.

    >>> guess_probability("rfc793-clock", 0, 0)
    0.002
    >>> guess_probability("linux", 0, 0) == 1 / 2**32
    True
    """
    lo = _v.integer(lo, "lo", what="an int (ISN error, low end)")
    hi = _v.integer(hi, "hi", ge=lo, what="an int (ISN error, high end, not below lo)")
    time_uncertainty = _v.number(
        time_uncertainty, "time_uncertainty", ge=0, le=_MAX_TICK, what="time in seconds"
    )
    g = _generator(generator, "generator", 0)
    width = min(hi - lo + 1, MOD32)
    if isinstance(g, ConstantIsn):
        return 1.0 if lo <= 0 <= hi else 0.0
    tick = _tick_of(g)
    if tick is None or hasattr(g, "f"):
        return width / MOD32
    n = time_uncertainty / tick
    # error in [lo, hi]  <=>  -hi <= floor(Δ + D) <= -lo  <=>  -hi <= Δ + D < 1 - lo
    p = _clock_error_cdf(1 - lo, n) - _clock_error_cdf(-hi, n)
    return round(min(1.0, max(0.0, p)), 15)


def rst_odds(
    generator: IsnGenerator | str, rcv_wnd: int = 65535, time_uncertainty: float = 1e-3
) -> tuple[float, float]:
    """(P(RST in window) before RFC 5961, P(RST exactly at RCV.NXT) with RFC 5961) for one
    spoofed RST aimed at the centre of the window around the attacker's prediction.

    >>> rst_odds("rfc793-clock")
    (1.0, 0.002)
    """
    rcv_wnd = _v.integer(rcv_wnd, "rcv_wnd", ge=1, le=MOD32 - 1, what="a window in bytes")
    # A guess at prediction + W/2 lands in [RCV.NXT, RCV.NXT+W) iff -W/2 < error <= W/2.
    half = rcv_wnd // 2
    return (
        guess_probability(generator, half - rcv_wnd + 1, half, time_uncertainty),
        guess_probability(generator, 0, 0, time_uncertainty),
    )


def blind_injection(
    generators: Sequence[IsnGenerator | str] = GENERATORS,
    rcv_wnd: int = 65535,
    trials: int = 2000,
    time_uncertainty: float = 1e-3,
    seed: int = 0,
) -> pd.DataFrame:
    """Odds that one blind spoofed segment, aimed with the best prediction, is accepted.

    RFC 5961 context (facts.md §10): before RFC 5961 an RST anywhere in the receive
    window reset the connection; with RFC 5961 (RFC 9293 §3.10.7.4) only SEQ == RCV.NXT
    resets, an in-window one draws a challenge ACK. Data is accepted in window.

    The attacker aims at the centre of the window around its prediction of RCV.NXT
    (:func:`attacker_prediction`); a guess succeeds when the error puts it in the window
    (or, for the RFC 5961 RST, exactly on RCV.NXT). The probabilities are computed by
    :func:`guess_probability`, not sampled. Spoofed *data* also needs an acceptable ACK
    field, which the attacker predicts the same way (the peer's ISN). Before RFC 5961
    (RFC 793, RFC 9293 §3.10.7.4 fifth step without MAY-12) any ACK not beyond SND.NXT is
    kept — half of all values: the attacker succeeds with the better of a blind value
    (½) and its prediction landing within 2^31. RFC 5961 §5 narrows the range to
    MAX.SND.WND (taken equal to ``rcv_wnd``), so ``p_data_rfc5961 <= p_data`` always: RFC
    5961 never makes injection easier, it only stops helping when the ISN is predictable.

    Columns: ``generator, rcv_wnd, median_abs_error`` (of a sampled
    :func:`attacker_prediction`, to show the size of the error), ``p_rst_in_window``
    (pre-RFC 5961), ``p_rst_exact`` (RFC 5961), ``p_data`` (pre-RFC 5961),
    ``p_data_rfc5961``, ``guesses_for_50pct`` (in-window RSTs for an even chance).
    """
    import numpy as np
    import pandas as pd

    rcv_wnd = _v.integer(rcv_wnd, "rcv_wnd", ge=1, le=MOD32 - 1, what="a window in bytes")
    gens = _generators(generators, seed)
    pred = attacker_prediction(gens, trials=trials, time_uncertainty=time_uncertainty, seed=seed)
    rows: list[dict[str, object]] = []
    for g in gens:
        errs = pred.loc[pred["generator"] == g.name, "error"].to_numpy()

        p_win, p_exact = rst_odds(g, rcv_wnd, time_uncertainty)
        p_ack_old = max(0.5, guess_probability(g, -(1 << 30), 1 << 30, time_uncertainty))
        guesses = math.ceil(math.log(0.5) / math.log1p(-p_win)) if p_win < 1 else 1
        rows.append(
            {
                "generator": g.name,
                "rcv_wnd": rcv_wnd,
                "median_abs_error": float(np.median(np.abs(errs))),
                "p_rst_in_window": p_win,
                "p_rst_exact": p_exact,
                "p_data": p_win * p_ack_old,
                "p_data_rfc5961": p_win * p_win,
                "guesses_for_50pct": guesses,
            }
        )
    return pd.DataFrame(rows)
