"""This machine's TCP timer sysctls as a :class:`~tcplab.timers.TimerPreset` (read-only).

Theory of operation
-------------------
The arithmetic lives in :func:`tcplab.timers.from_sysctl_values` (pure); this module only
reads ``/proc/sys/net/ipv4/<name>`` for the names in
:data:`tcplab.timers.SYSCTL_DEFAULTS` and the kernel release from
``/proc/sys/kernel/osrelease``. Nothing is ever written. A knob that cannot be read takes
its documented default and the preset's ``notes`` say which — in particular a kernel
without ``tcp_syn_linear_timeouts`` (older than 6.5) gets the old doubling SYN schedule.
"""

from __future__ import annotations

import platform
from pathlib import Path

from tcplab.timers import SYSCTL_DEFAULTS, TimerPreset, from_sysctl_values

__all__ = ["DEFAULT_ROOT", "kernel_preset", "kernel_release", "syn_schedule_line"]

#: Where the TCP sysctls live on Linux.
DEFAULT_ROOT = "/proc/sys/net/ipv4"


def _root_path(root: str | Path, name: str = "root") -> Path:
    if not isinstance(root, str | Path):
        raise TypeError(f"{name} = {root!r:.80}: expected a directory path (str or Path)")
    return Path(root)


def kernel_release(osrelease: str | Path = "/proc/sys/kernel/osrelease") -> str:
    """The running kernel's release (``"6.18.4-…"``); ``platform.release()`` as fallback."""
    path = _root_path(osrelease, "osrelease")
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return text or platform.release()


def kernel_preset(root: str | Path = DEFAULT_ROOT) -> TimerPreset:
    """A preset from the sysctls under ``root`` (read-only; missing knobs noted).

    On a machine without ``/proc`` (not Linux) every knob is missing: the result is the
    Linux < 6.5 default schedule with a note saying nothing could be read.
    """
    base = _root_path(root)
    values: dict[str, str] = {}
    for name in SYSCTL_DEFAULTS:
        try:
            values[name] = (base / name).read_text()
        except OSError:
            continue  # from_sysctl_values() notes the default it used
    release = kernel_release() if str(base) == DEFAULT_ROOT else "unknown"
    return from_sysctl_values(values, name="kernel", source=f"sysctls under {base} ({release})")


def syn_schedule_line(p: TimerPreset | None = None, *, release: str | None = None) -> str:
    """One sentence: which SYN schedule this kernel uses, with its numbers.

    >>> from tcplab.timers import LINUX
    >>> syn_schedule_line(LINUX, release="6.18.0")  # doctest: +NORMALIZE_WHITESPACE
    'Your kernel (6.18.0) uses the linear SYN schedule (tcp_syn_linear_timeouts = 4,
    tcp_syn_retries = 6): SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s; connect()
    gives up at 131 s.'
    """
    p = kernel_preset() if p is None else p
    if not isinstance(p, TimerPreset):
        raise TypeError(f"p = {p!r:.80}: expected a TimerPreset or None")
    rel = kernel_release() if release is None else str(release)
    t = p.syn_timeline()
    times = ", ".join(f"{x:g}" for x in t.send_times)
    kind = "linear" if p.syn_linear_timeouts else "old (doubling, as before Linux 6.5)"
    return (
        f"Your kernel ({rel}) uses the {kind} SYN schedule "
        f"(tcp_syn_linear_timeouts = {p.syn_linear_timeouts}, tcp_syn_retries = "
        f"{p.syn_retries}): SYNs at {times} s; connect() gives up at {t.give_up:g} s."
    )
