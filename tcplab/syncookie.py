"""SYN cookies, exactly as Linux lays them out (net/ipv4/syncookies.c).

Theory of operation
-------------------
When a listener's SYN queue is full (or always, with ``tcp_syncookies=2``), Linux answers
a SYN without keeping any state: the SYN-ACK's sequence number (the server's ISS) *is*
the state. The client echoes it back as ``ACK - 1`` in the third segment, and the server
rebuilds what it needs from it. Layout (facts.md §4; ``secure_tcp_syn_cookie()``)::

    cookie = H0(saddr, daddr, sport, dport, 0)         key 0, count field 0
           + sseq                                       the client's ISN
           + (count << COOKIEBITS)                      minute counter, top 8 bits
           + ((H1(saddr, daddr, sport, dport, count) + mssind) & COOKIEMASK)   key 1

with ``COOKIEBITS = 24``, ``H_c = siphash_4u32(saddr, daddr, sport << 16 | dport, count,
&syncookie_secret[c])`` truncated to 32 bits, ``count = jiffies / (60 * HZ)`` (one tick a
minute, :func:`cookie_time`) and ``mssind`` the index into ``msstab = {536, 1300, 1440,
1460}`` of the largest entry ≤ the client's MSS (anything below 1300 becomes 536).

Validation (``check_tcp_syn_cookie()``, ``__cookie_v4_check()``) takes ``cookie = ACK - 1``
and ``sseq = SEQ - 1``, subtracts ``H0 + sseq``, computes ``diff = (count_now - (cookie >>
24)) & 0xFF``, rejects ``diff >= MAX_SYNCOOKIE_AGE`` (= 2: the current and previous minute
only), recovers ``mssind = (cookie - H1(count_now - diff)) & COOKIEMASK`` and accepts only
``mssind < 4``. Linux counts success in ``SyncookiesRecv``, failure in ``SyncookiesFailed``.

The client's ISN enters the cookie *linearly*: an ACK whose SEQ is off by k decodes to
``mssind - k``, so it still passes when that lands in 0..3 (with another MSS) — a
consequence of the formula, shown in the tests.

Addresses and ports are those of the client's segments: ``saddr``/``sport`` = the client.
All functions take the time ``now`` in seconds; keys come in as :class:`SynCookieKeys`.

What a cookie cannot carry (tcp_input.c ``tcp_conn_request()``: ``if (want_cookie &&
!tmp_opt.saw_tstamp) tcp_clear_options(&tmp_opt)``): without the timestamp option, window
scaling and SACK are lost, ECN is off and the MSS is cut to one of four values. With
timestamps, ``cookie_init_timestamp()`` hides the options in the low 6 bits of the
SYN-ACK's TSval (bits 0-3 window scale, 0xF = none; bit 4 SACK; bit 5 ECN), and
``cookie_timestamp_decode()`` reads them back from the ACK's TSecr
(:func:`encode_timestamp`, :func:`decode_timestamp`, :func:`options_after_cookie`).
"""

from __future__ import annotations

import ipaddress
import random
import secrets
import struct
from dataclasses import dataclass
from enum import Enum

from tcplab import _validate as _v
from tcplab.isn import siphash24

__all__ = [
    "COOKIEBITS",
    "COOKIEMASK",
    "MAX_SYNCOOKIE_AGE",
    "MSS_TABLE",
    "SYNCOOKIE_PERIOD",
    "TSBITS",
    "CheckResult",
    "CookieOptions",
    "Reason",
    "SynCookieKeys",
    "check_cookie",
    "cookie_hash",
    "cookie_time",
    "decode_timestamp",
    "encode_timestamp",
    "make_cookie",
    "mss_index",
    "options_after_cookie",
    "random_ack_pass_probability",
]

#: ``#define COOKIEBITS 24`` — "Upper bits store count".
COOKIEBITS = 24
COOKIEMASK = (1 << COOKIEBITS) - 1
#: ``MAX_SYNCOOKIE_AGE 2``: a cookie is valid for the current and the previous minute.
MAX_SYNCOOKIE_AGE = 2
#: ``TCP_SYNCOOKIE_PERIOD = 60 * HZ``: the counter advances once a minute.
SYNCOOKIE_PERIOD = 60.0
#: ``msstab[]`` in net/ipv4/syncookies.c (1440 also covers 1452, PPPoE).
MSS_TABLE: tuple[int, ...] = (536, 1300, 1440, 1460)
#: ``TSBITS 6``: option bits hidden in the low bits of the SYN-ACK's TSval.
TSBITS = 6
_TS_WSCALE_MASK = 0xF
_TS_SACK = 1 << 4
_TS_ECN = 1 << 5
_M32 = 0xFFFFFFFF


@dataclass(frozen=True)
class SynCookieKeys:
    """``syncookie_secret[2]``: two 128-bit SipHash keys."""

    key0: bytes
    key1: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "key0", _v.byte_string(self.key0, "key0", length=16))
        object.__setattr__(self, "key1", _v.byte_string(self.key1, "key1", length=16))

    @classmethod
    def from_seed(cls, seed: int) -> SynCookieKeys:
        """Reproducible keys for a course run."""
        rng = random.Random(_v.seed(seed, optional=False))
        return cls(rng.randbytes(16), rng.randbytes(16))

    @classmethod
    def generate(cls) -> SynCookieKeys:
        """Real secret keys (``net_get_random_once`` in the kernel)."""
        return cls(secrets.token_bytes(16), secrets.token_bytes(16))


def _ip(addr: object, name: str) -> bytes:
    text = _v.string(addr, name, max_len=64, what="an IPv4 address like '192.0.2.1'")
    try:
        return ipaddress.IPv4Address(text).packed
    except ValueError:
        raise ValueError(
            f"{name} = {_v.short(addr)}: bad IPv4 address; expected one like '192.0.2.1'"
        ) from None


def _port(p: object, name: str) -> int:
    return _v.integer(p, name, ge=0, le=0xFFFF, what="a port")


def _u32(x: object, name: str) -> int:
    return _v.integer(x, name, ge=0, le=_M32, what="a 32-bit value")


def _keys(keys: object) -> SynCookieKeys:
    if not isinstance(keys, SynCookieKeys):
        raise _v.ArgumentTypeError(f"keys = {_v.short(keys)}: expected a SynCookieKeys")
    return keys


def _opts(opts: object) -> CookieOptions:
    if not isinstance(opts, CookieOptions):
        raise _v.ArgumentTypeError(f"opts = {_v.short(opts)}: expected a CookieOptions")
    return opts


def cookie_hash(
    keys: SynCookieKeys, saddr: str, daddr: str, sport: int, dport: int, count: int, c: int
) -> int:
    """``cookie_hash()``: ``siphash_4u32(saddr, daddr, sport<<16|dport, count, &key[c])``, u32."""
    keys = _keys(keys)
    # The kernel passes a u32: counts are taken mod 2^32 (count - diff may go below 0).
    count = _v.integer(count, "count", ge=-(2**63), le=2**64 - 1, what="a minute counter") & _M32
    c = _v.integer(c, "c", ge=0, le=1, what="a key index")
    ports = (_port(sport, "sport") << 16) | _port(dport, "dport")
    msg = _ip(saddr, "saddr") + _ip(daddr, "daddr") + struct.pack("<II", ports, count)
    return siphash24(keys.key1 if c else keys.key0, msg) & _M32


def cookie_time(now: float) -> int:
    """``tcp_cookie_time()``: the minute counter, ``now // 60 s``."""
    now = _v.number(now, "now", ge=0, le=1e15, what="time in seconds")
    return int(now // SYNCOOKIE_PERIOD) & _M32


def mss_index(mss: int) -> int:
    """Index of the largest ``MSS_TABLE`` entry ≤ ``mss`` (0, i.e. 536, below 1300)."""
    mss = _v.integer(mss, "mss", ge=1, le=65535, what="an MSS")
    # for (mssind = ARRAY_SIZE(msstab) - 1; mssind; mssind--) if (mss >= msstab[mssind]) break;
    for i in range(len(MSS_TABLE) - 1, 0, -1):
        if mss >= MSS_TABLE[i]:
            return i
    return 0


def make_cookie(
    keys: SynCookieKeys,
    saddr: str,
    daddr: str,
    sport: int,
    dport: int,
    sseq: int,
    mss: int,
    now: float,
) -> int:
    """The server's ISS for a SYN answered with a cookie (``secure_tcp_syn_cookie()``).

    ``saddr``/``sport`` are the client's, ``sseq`` the client's ISN (the SYN's SEQ).
    """
    sseq = _u32(sseq, "sseq")
    mssind = mss_index(mss)
    count = cookie_time(now)
    h0 = cookie_hash(keys, saddr, daddr, sport, dport, 0, 0)
    h1 = cookie_hash(keys, saddr, daddr, sport, dport, count, 1)
    return (h0 + sseq + (count << COOKIEBITS) + ((h1 + mssind) & COOKIEMASK)) & _M32


class Reason(Enum):
    """Why a cookie check ended as it did."""

    OK = "ok"
    EXPIRED = "counter too old (diff >= MAX_SYNCOOKIE_AGE)"
    BAD_MSS_INDEX = "decoded MSS index not in 0..3 (forged or wrong 4-tuple)"

    @classmethod
    def _missing_(cls, value: object) -> Reason:
        return _v.missing_member(cls, value)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_cookie`. ``mss`` is 0 on failure, as in the kernel."""

    mss: int
    reason: Reason
    diff: int
    """``(count_now - cookie_count) & 0xFF``: minutes since the cookie was made (mod 256)."""
    mss_index: int

    @property
    def valid(self) -> bool:
        return self.mss != 0

    @property
    def counter(self) -> str:
        """The Linux counter this check bumps."""
        return "SyncookiesRecv" if self.valid else "SyncookiesFailed"


def check_cookie(
    keys: SynCookieKeys,
    saddr: str,
    daddr: str,
    sport: int,
    dport: int,
    seq: int,
    ack_seq: int,
    now: float,
) -> CheckResult:
    """Validate the third segment: ``seq``/``ack_seq`` are the ACK's SEQ and ACK fields.

    ``check_tcp_syn_cookie(ack_seq - 1, ..., seq - 1)`` then ``__cookie_v4_check()``.
    """
    keys = _keys(keys)
    keys = _keys(keys)
    cookie = (_u32(ack_seq, "ack_seq") - 1) & _M32
    sseq = (_u32(seq, "seq") - 1) & _M32
    count = cookie_time(now)
    cookie = (cookie - (cookie_hash(keys, saddr, daddr, sport, dport, 0, 0) + sseq)) & _M32
    diff = (count - (cookie >> COOKIEBITS)) & (_M32 >> COOKIEBITS)
    if diff >= MAX_SYNCOOKIE_AGE:
        return CheckResult(0, Reason.EXPIRED, diff, -1)
    h1 = cookie_hash(keys, saddr, daddr, sport, dport, (count - diff) & _M32, 1)
    mssind = (cookie - h1) & COOKIEMASK
    if mssind < len(MSS_TABLE):
        return CheckResult(MSS_TABLE[mssind], Reason.OK, diff, mssind)
    return CheckResult(0, Reason.BAD_MSS_INDEX, diff, mssind)


def random_ack_pass_probability(counter_known: bool = False) -> float:
    """Odds that one ACK with a random ACK field passes :func:`check_cookie`.

    The top 8 bits must give ``diff`` in {0, 1} (2/256, unless the attacker knows the
    counter) and the low 24 bits must decode to 0..3 (4/2^24, facts.md §4 [DERIVED];
    this ignores any weakness in SipHash).
    """
    counter_known = _v.boolean(counter_known, "counter_known")
    p_mss = len(MSS_TABLE) / (1 << COOKIEBITS)
    return p_mss if counter_known else p_mss * MAX_SYNCOOKIE_AGE / 256


# --- options and the timestamp trick ---------------------------------------------------


@dataclass(frozen=True)
class CookieOptions:
    """The SYN options a server would like to remember."""

    mss: int | None = 1460
    """The client's MSS; None where it is unknown (a decoded timestamp does not carry it)."""
    wscale: int | None = 7
    """Window-scale shift the client offered (0..14), None = no option."""
    sack: bool = True
    ecn: bool = False
    timestamps: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: store the canonical values once
        if self.wscale is not None:
            set_(self, "wscale", _v.integer(self.wscale, "wscale", ge=0, le=14, what="a shift"))
        if self.mss is not None:
            set_(self, "mss", _v.integer(self.mss, "mss", ge=1, le=65535, what="an MSS"))
        for flag in ("sack", "ecn", "timestamps"):
            set_(self, flag, _v.boolean(getattr(self, flag), flag))


def encode_timestamp(ts_now: int, opts: CookieOptions) -> int:
    """``cookie_init_timestamp()``: a SYN-ACK TSval ≤ ``ts_now`` whose low 6 bits hold options.

    ``ts_now`` is the TCP timestamp clock (1 ms per tick, ``TCP_TS_HZ``), u32.
    """
    ts_now = _u32(ts_now, "ts_now")
    opts = _opts(opts)
    options = opts.wscale if opts.wscale is not None else _TS_WSCALE_MASK
    if opts.sack:
        options |= _TS_SACK
    if opts.ecn:
        options |= _TS_ECN
    ts = ((ts_now >> TSBITS) << TSBITS) | options
    if ts > ts_now:  # never announce a timestamp from the future
        ts -= 1 << TSBITS
    return ts & _M32


def decode_timestamp(
    tsecr: int, *, local_sack: bool = True, local_wscale: bool = True, local_ts: bool = True
) -> CookieOptions | None:
    """``cookie_timestamp_decode()``: options recovered from the ACK's TSecr.

    Returns None when the kernel rejects the ACK: timestamps off locally, or SACK / window
    scaling echoed back although disabled locally. The MSS is not in the timestamp (it
    comes from the cookie): the result's ``mss`` is None.
    """
    tsecr = _u32(tsecr, "tsecr")
    local_sack = _v.boolean(local_sack, "local_sack")
    local_wscale = _v.boolean(local_wscale, "local_wscale")
    local_ts = _v.boolean(local_ts, "local_ts")
    if not local_ts:
        return None
    sack = bool(tsecr & _TS_SACK)
    if sack and not local_sack:
        return None
    ws = tsecr & _TS_WSCALE_MASK
    if ws == _TS_WSCALE_MASK:
        return CookieOptions(mss=None, wscale=None, sack=sack, ecn=bool(tsecr & _TS_ECN))
    if not local_wscale:
        return None
    return CookieOptions(mss=None, wscale=min(ws, 14), sack=sack, ecn=bool(tsecr & _TS_ECN))


def options_after_cookie(opts: CookieOptions) -> tuple[CookieOptions, list[str]]:
    """What the server knows of the client's SYN options after a cookie round trip.

    Returns the surviving options and a list of what was lost: ``"mss"`` (rounded down to
    the table, or *up* to 536 below 1300), ``"wscale"``, ``"sack"``, ``"ecn"``.
    """
    opts = _opts(opts)
    if opts.mss is None:
        raise ValueError(f"opts = {_v.short(opts)}: expected the client's MSS, got mss=None")
    mss = MSS_TABLE[mss_index(opts.mss)]
    lost = ["mss"] if mss != opts.mss else []
    if opts.timestamps:
        return CookieOptions(mss, opts.wscale, opts.sack, opts.ecn, True), lost
    lost += [
        name
        for name, had in (
            ("wscale", opts.wscale is not None),
            ("sack", opts.sack),
            ("ecn", opts.ecn),
        )
        if had
    ]
    return CookieOptions(mss, None, False, False, False), lost
