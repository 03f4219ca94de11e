"""Experiments on the local Linux TCP stack: real sockets on 127.0.0.1, read back the kernel.

Everything here is rootless, uses only 127.0.0.1, is bounded in time and in the number
of sockets, and closes every socket it opens (``contextlib.ExitStack``), even on error.

What the kernel shows (facts.md §11, §12):

* ``getsockopt(IPPROTO_TCP, TCP_INFO)`` — byte 0 is the socket's ``tcp_states.h`` number
  (1 ESTABLISHED ... 11 CLOSING): :func:`tcp_state`.
* ``/proc/net/tcp`` — one line per socket; ``st`` is the state in hex (06 TIME_WAIT,
  0A LISTEN); for a listener ``rx_queue`` is ``sk_ack_backlog`` (the accept queue):
  :func:`proc_net_tcp`.
* ``/proc/net/netstat`` — the ``TcpExt`` counters (ListenOverflows, ListenDrops,
  Syncookies*, ...). They are **system-wide**: other programs on the machine move them
  too, so the experiments report deltas and say so: :func:`read_netstat`.
* ``/proc/sys/net/...`` — somaxconn, tcp_syncookies, tcp_abort_on_overflow,
  tcp_max_syn_backlog: :func:`read_sysctls`.
"""

from __future__ import annotations

import contextlib
import errno
import resource
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tcplab import _validate as _v
from tcplab.fsm import State
from tcplab.listener import predict_accept_queue

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

LOOPBACK = "127.0.0.1"
#: Upper bound on clients per experiment (file descriptors, and kindness to the machine).
MAX_CLIENTS = 1000
PROC = Path("/proc")
_SYSCTLS = {
    "somaxconn": "sys/net/core/somaxconn",
    "tcp_syncookies": "sys/net/ipv4/tcp_syncookies",
    "tcp_abort_on_overflow": "sys/net/ipv4/tcp_abort_on_overflow",
    "tcp_max_syn_backlog": "sys/net/ipv4/tcp_max_syn_backlog",
    "tcp_synack_retries": "sys/net/ipv4/tcp_synack_retries",
    "tcp_syn_retries": "sys/net/ipv4/tcp_syn_retries",
}


class LiveUnavailable(RuntimeError):
    """The live labs cannot run here (not Linux, or /proc not readable)."""


class LiveResourceError(LiveUnavailable):
    """The machine ran out of something a lab needs: file descriptors or local ports."""


# errno values that mean "out of local ports" / "out of descriptors", not a lab failure.
_NO_PORT = (errno.EADDRNOTAVAIL, errno.EADDRINUSE)
_NO_FD = (errno.EMFILE, errno.ENFILE)
_FD_SPARE = 16  # descriptors besides the sockets: stdio, /proc reads, Python itself


def _fd_check(sockets: int) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and sockets + _FD_SPARE > soft:
        raise LiveResourceError(
            f"this lab opens {sockets} sockets but the file-descriptor limit is {soft} "
            f"(ulimit -n): use at most {max(soft - _FD_SPARE - 1, 0)} clients or raise the limit"
        )


def _socket(stack: contextlib.ExitStack, opened: int) -> socket.socket:
    try:
        return stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    except OSError as exc:
        if exc.errno in _NO_FD:
            raise LiveResourceError(
                f"ran out of file descriptors after {opened} sockets "
                f"({errno.errorcode[exc.errno]}): use fewer clients or raise ulimit -n"
            ) from None
        raise


def live_available() -> tuple[bool, str]:
    """Whether the live labs can run here, and if not, why (one friendly sentence)."""
    if not sys.platform.startswith("linux"):
        return False, f"the live labs need Linux (this is {sys.platform})"
    if not hasattr(socket, "TCP_INFO"):
        return False, "this Python has no socket.TCP_INFO"
    for rel in ("net/tcp", "net/netstat", _SYSCTLS["somaxconn"]):
        path = PROC / rel
        try:
            path.read_text()
        except OSError as exc:
            return False, f"cannot read {path}: {exc.strerror or exc}"
    return True, "Linux with a readable /proc: the live labs can run"


def _require() -> None:
    ok, why = live_available()
    if not ok:
        raise LiveUnavailable(why)


def tcp_state(sock: socket.socket) -> State:
    """The kernel's state for ``sock``: ``TCP_INFO`` byte 0 mapped by ``State.from_linux``."""
    if not isinstance(sock, socket.socket) or sock.type != socket.SOCK_STREAM:
        raise _v.ArgumentTypeError(f"sock = {_v.short(sock)}: expected a TCP socket.socket")
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return State.from_linux(info[0])


def read_sysctls() -> dict[str, int]:
    """The listener-related knobs from /proc/sys."""
    _require()
    out: dict[str, int] = {}
    for name, rel in _SYSCTLS.items():
        with contextlib.suppress(OSError, ValueError):
            out[name] = int((PROC / rel).read_text().split()[0])
    return out


def read_netstat() -> dict[str, int]:
    """The ``TcpExt`` counters of /proc/net/netstat (system-wide)."""
    _require()
    lines = (PROC / "net/netstat").read_text().splitlines()
    for head, vals in zip(lines[::2], lines[1::2], strict=False):
        if head.startswith("TcpExt:"):
            names, values = head.split()[1:], vals.split()[1:]
            return {n: int(v) for n, v in zip(names, values, strict=False)}
    raise LiveUnavailable("no TcpExt line in /proc/net/netstat")


@dataclass(frozen=True)
class ProcTcpEntry:
    """One line of /proc/net/tcp."""

    local: tuple[str, int]
    remote: tuple[str, int]
    number: int
    """The ``st`` column: Linux's state number (0x06 TIME_WAIT, 0x0A LISTEN)."""
    tx_queue: int
    rx_queue: int
    """For LISTEN: ``sk_ack_backlog``, the accept-queue length."""

    @property
    def state(self) -> State:
        return State.from_linux(self.number)


def _addr(hexaddr: str) -> tuple[str, int]:
    ip, port = hexaddr.split(":")
    return socket.inet_ntoa(bytes.fromhex(ip)[::-1]), int(port, 16)


def proc_net_tcp() -> list[ProcTcpEntry]:
    """Every IPv4 TCP socket in /proc/net/tcp (TIME_WAIT and request socks included)."""
    _require()
    out = []
    for line in (PROC / "net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        tx, rx = f[4].split(":")
        out.append(ProcTcpEntry(_addr(f[1]), _addr(f[2]), int(f[3], 16), int(tx, 16), int(rx, 16)))
    return out


def find_proc_tcp(
    local: tuple[str, int], remote: tuple[str, int] | None = None
) -> list[ProcTcpEntry]:
    """The /proc/net/tcp lines for a local address (and optionally a remote one)."""
    local = _endpoint(local, "local")
    remote = None if remote is None else _endpoint(remote, "remote")
    return [
        e for e in proc_net_tcp() if e.local == local and (remote is None or e.remote == remote)
    ]


def _endpoint(value: object, name: str) -> tuple[str, int]:
    pair = _v.sequence(value, name, min_len=2, max_len=2, what="an (ip, port) pair")
    ip = _v.string(pair[0], f"{name} ip", max_len=64, what="an IPv4 address")
    return ip, _v.integer(pair[1], f"{name} port", ge=0, le=65535, what="a port")


def _listener(stack: contextlib.ExitStack, backlog: int) -> socket.socket:
    lsock = _socket(stack, 0)
    try:
        lsock.bind((LOOPBACK, 0))
    except OSError as exc:
        if exc.errno in _NO_PORT:
            raise LiveResourceError(
                f"no free local port on {LOOPBACK} to listen on ({errno.errorcode[exc.errno]}): "
                "the ephemeral port range is exhausted or busy"
            ) from None
        raise
    lsock.listen(backlog)
    return lsock


def _check_counts(backlog: object, clients: object, settle: object) -> tuple[int, int, float]:
    return (
        _v.integer(backlog, "backlog", ge=0, le=_v.MAX_BACKLOG, what="a listen() backlog"),
        _v.integer(clients, "clients", ge=0, le=MAX_CLIENTS, what="a number of clients"),
        _v.number(settle, "settle", gt=0, le=5, what="wait in seconds"),
    )


def _connect_all(
    stack: contextlib.ExitStack, port: int, clients: int
) -> tuple[list[socket.socket], Counter[str]]:
    """Start ``clients`` non-blocking connects; failures for lack of ports are counted."""
    socks: list[socket.socket] = []
    failed: Counter[str] = Counter()
    for k in range(clients):
        c = _socket(stack, k + 1)
        c.setblocking(False)
        rc = c.connect_ex((LOOPBACK, port))  # EINPROGRESS; the handshake runs in the kernel
        if rc in _NO_PORT:
            failed[errno.errorcode[rc]] += 1
        else:
            socks.append(c)
    return socks, failed


def accept_queue_experiment(backlog: int, clients: int, settle: float = 0.3) -> dict[str, Any]:
    """``listen(backlog)`` on 127.0.0.1, ``clients`` non-blocking connects, never accept.

    Waits ``settle`` s (keep it under 1 s: dropped SYNs are retransmitted after 1 s and
    would count again), then reads each client's state (TCP_INFO), the listener's
    accept queue (/proc/net/tcp rx_queue) and the ListenOverflows / ListenDrops deltas.
    Returns ``{"settings", "observed", "predicted", "match"}``; ``predicted`` comes from
    :func:`tcplab.listener.predict_accept_queue` with this machine's sysctls.
    """
    backlog, clients, settle = _check_counts(backlog, clients, settle)
    _require()
    _fd_check(clients + 1)
    knobs = read_sysctls()
    before = read_netstat()
    with contextlib.ExitStack() as stack:
        lsock = _listener(stack, backlog)
        port = lsock.getsockname()[1]
        socks, failed = _connect_all(stack, port, clients)
        time.sleep(settle)
        states = Counter(tcp_state(c).name for c in socks)
        lines = find_proc_tcp((LOOPBACK, port))
        listen_line = next((e for e in lines if e.number == 0x0A), None)
        after = read_netstat()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in ("ListenOverflows", "ListenDrops")}
    # Clients that never got a local port never sent a SYN: the model sees only the others.
    connected = clients - sum(failed.values())
    predicted = predict_accept_queue(
        backlog,
        connected,
        somaxconn=knobs.get("somaxconn", 4096),
        syncookies=knobs.get("tcp_syncookies", 1),
        abort_on_overflow=bool(knobs.get("tcp_abort_on_overflow", 0)),
        max_syn_backlog=knobs.get("tcp_max_syn_backlog", 128),
    )
    observed = {
        "ESTABLISHED": states.get("ESTABLISHED", 0),
        "SYN_SENT": states.get("SYN_SENT", 0),
        "other": {k: v for k, v in states.items() if k not in ("ESTABLISHED", "SYN_SENT")},
        "accept_queue": listen_line.rx_queue if listen_line else None,
        **delta,
    }
    pred = {
        "ESTABLISHED": predicted["ESTABLISHED"],
        "SYN_SENT": predicted["SYN_SENT"],
        "accept_queue": predicted["accept_queue"],
        "ListenOverflows": predicted.get("ListenOverflows", 0),
        "ListenDrops": predicted.get("ListenDrops", 0),
    }
    out: dict[str, Any] = {
        "settings": {"backlog": backlog, "clients": clients, "settle_s": settle, **knobs},
        "observed": observed,
        "predicted": pred,
        "match": all(observed[k] == pred[k] for k in ("ESTABLISHED", "SYN_SENT", "accept_queue")),
        "note": "ListenOverflows/ListenDrops are system-wide deltas: other traffic can add to them",
    }
    if failed:
        out["connect_failed"] = dict(failed)
        out["warning"] = (
            f"{sum(failed.values())} of {clients} clients could not connect: no free local "
            f"port ({', '.join(sorted(failed))}); observed and predicted cover the "
            f"{connected} that did"
        )
    return out


def _pair(stack: contextlib.ExitStack) -> tuple[socket.socket, socket.socket, socket.socket]:
    lsock = _listener(stack, 1)
    try:
        client = stack.enter_context(socket.create_connection(lsock.getsockname(), timeout=2))
    except OSError as exc:
        if exc.errno in _NO_PORT + _NO_FD:
            raise LiveResourceError(
                f"cannot connect to {LOOPBACK}: {errno.errorcode[exc.errno]} "
                "(no free local port, or no file descriptor left)"
            ) from None
        raise
    server, _ = lsock.accept()
    stack.enter_context(server)
    server.settimeout(2)
    return lsock, client, server


def _wait_for(pred: Any, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return bool(pred())


def time_wait_experiment() -> dict[str, Any]:
    """Active close by the client; TIME_WAIT shows for the client's 4-tuple in /proc/net/tcp.

    Steps: connect; client ``shutdown(SHUT_WR)`` (FIN) → client FIN_WAIT_2, server
    CLOSE_WAIT; server ``close()`` → its FIN reaches the client, which enters TIME_WAIT
    (the socket itself now reports CLOSE; the TIME_WAIT mini-socket is in /proc).
    """
    _require()
    steps: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        _, client, server = _pair(stack)
        c_addr, s_addr = client.getsockname(), client.getpeername()
        steps.append(
            {
                "step": "connected",
                "client": tcp_state(client).name,
                "server": tcp_state(server).name,
            }
        )
        client.shutdown(socket.SHUT_WR)
        _wait_for(lambda: tcp_state(client) is State.FIN_WAIT_2)
        steps.append(
            {
                "step": "client shutdown(SHUT_WR)",
                "client": tcp_state(client).name,
                "server": tcp_state(server).name,
            }
        )
        server.close()

        def tw() -> list[ProcTcpEntry]:
            return [e for e in find_proc_tcp(c_addr, s_addr) if e.number == 6]

        _wait_for(lambda: bool(tw()))
        steps.append(
            {
                "step": "server close()",
                "client": tcp_state(client).name,
                "server": "closed by the application",
                "proc_net_tcp_client_tuple": [e.state.name for e in find_proc_tcp(c_addr, s_addr)],
            }
        )
    return {
        "client": list(c_addr),
        "server": list(s_addr),
        "steps": steps,
        "time_wait_seen": bool(tw()),
        # Not measured (that would take a minute): the kernel constant TCP_TIMEWAIT_LEN.
        "linux_time_wait_len_s": 60,
    }


def close_wait_experiment(hold: float = 0.2) -> dict[str, Any]:
    """A peer that never closes: the client closes, the server application does not.

    The server socket sits in CLOSE_WAIT (it got the FIN, the application never calls
    ``close()``), the client's in FIN_WAIT_2. Held for ``hold`` s, then both are closed.
    """
    hold = _v.number(hold, "hold", gt=0, le=5, what="hold time in seconds")
    _require()
    with contextlib.ExitStack() as stack:
        _, client, server = _pair(stack)
        s_local, c_local = server.getsockname(), client.getsockname()
        client.shutdown(socket.SHUT_WR)
        _wait_for(lambda: tcp_state(server) is State.CLOSE_WAIT)
        time.sleep(hold)
        eof = server.recv(1) == b""
        result = {
            "client": tcp_state(client).name,
            "server": tcp_state(server).name,
            "server_read_eof": eof,
            "proc_net_tcp_server": [e.state.name for e in find_proc_tcp(s_local, c_local)],
            "held_s": hold,
        }
    return result
