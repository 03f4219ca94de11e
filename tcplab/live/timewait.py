"""The TIME-WAIT-related knobs of the local Linux stack, read from /proc/sys (read-only).

Used by notebook 4: the ephemeral port range (``ip_local_port_range``, which the course's
fact sheet does not pin down), ``tcp_tw_reuse``, ``tcp_timestamps``, ``tcp_rfc1337``,
``tcp_max_tw_buckets`` and ``tcp_fin_timeout``. Knobs that cannot be read are left out.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tcplab import _validate as _v
from tcplab.ports import parse_port_range

__all__ = ["TIMEWAIT_SYSCTLS", "timewait_sysctls"]

#: name → path under /proc/sys
TIMEWAIT_SYSCTLS = {
    "ip_local_port_range": "net/ipv4/ip_local_port_range",
    "tcp_tw_reuse": "net/ipv4/tcp_tw_reuse",
    "tcp_timestamps": "net/ipv4/tcp_timestamps",
    "tcp_rfc1337": "net/ipv4/tcp_rfc1337",
    "tcp_max_tw_buckets": "net/ipv4/tcp_max_tw_buckets",
    "tcp_fin_timeout": "net/ipv4/tcp_fin_timeout",
}


def timewait_sysctls(root: str | Path = "/proc/sys") -> dict[str, Any]:
    """The knobs that can be read under ``root``: ints, and the port range as ``(lo, hi)``."""
    base = _v.path(root, "root")
    out: dict[str, Any] = {}
    for name, rel in TIMEWAIT_SYSCTLS.items():
        with contextlib.suppress(OSError, ValueError):
            text = (base / rel).read_text()
            out[name] = parse_port_range(text) if name == "ip_local_port_range" else int(text)
    return out
