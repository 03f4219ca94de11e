"""Live labs on the local Linux TCP stack (rootless, 127.0.0.1 only).

Start with :func:`live_available` in a notebook; on other systems it says why the labs
cannot run. Command line: ``python -m tcplab live accept-queue --backlog B --clients N``.
"""

from tcplab.live.stack import (
    MAX_CLIENTS,
    LiveResourceError,
    LiveUnavailable,
    ProcTcpEntry,
    accept_queue_experiment,
    close_wait_experiment,
    find_proc_tcp,
    live_available,
    proc_net_tcp,
    read_netstat,
    read_sysctls,
    tcp_state,
    time_wait_experiment,
)

__all__ = [
    "MAX_CLIENTS",
    "LiveResourceError",
    "LiveUnavailable",
    "ProcTcpEntry",
    "accept_queue_experiment",
    "close_wait_experiment",
    "find_proc_tcp",
    "live_available",
    "proc_net_tcp",
    "read_netstat",
    "read_sysctls",
    "tcp_state",
    "time_wait_experiment",
]
