"""The ``model`` target: tcplab's Endpoint and Listener driven in simulated time.

Theory of operation
-------------------
:class:`ModelTarget` plays the host at ``192.168.0.1``: a table of file descriptors
(sockets), connections keyed by ``(local port, peer port)`` — each an
:class:`tcplab.endpoint.Endpoint` — and, for a listening socket, a
:class:`tcplab.listener.Listener` that decides admission exactly as Linux's
``tcp_conn_request()`` / ``tcp_check_req()`` do (SYN queue, accept queue, cookies,
``tcp_abort_on_overflow``). A SYN the listener queues gets a passive endpoint whose ISS
is the listener's; a valid cookie ACK rebuilds the connection from the cookie; a segment
for no connection meets a CLOSED endpoint, which answers with an RST from the table.

System calls map to user calls: ``connect`` → active OPEN, ``write`` → SEND,
``shutdown(SHUT_WR)`` → CLOSE (half-close), ``close`` → CLOSE of an orphan (ABORT with
``SO_LINGER`` 0 or unread data, as Linux does), ``accept`` → the listener's accept
queue. Sockets are non-blocking: an empty accept queue or receive buffer is ``EAGAIN``.

Time is simulated: :meth:`ModelTarget.wait_until` fires the endpoints' and listeners'
timers in order, and every segment sent is stamped with the simulated time it left.
Sysctls map onto a :class:`tcplab.timers.TimerPreset` (through
:func:`tcplab.timers.from_sysctl_values`) and :class:`tcplab.listener.ListenerConfig`
fields (:data:`LISTENER_SYSCTLS`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from tcplab import _validate as _v
from tcplab.endpoint import Endpoint
from tcplab.fsm import State
from tcplab.listener import AckVerdict, Listener, ListenerConfig, SynVerdict
from tcplab.script.parser import SYSCTLS, SyscallSpec
from tcplab.script.runner import LOCAL_ADDR, LOCAL_PORT, REMOTE_ADDR, SyscallOutcome
from tcplab.segment import Flags, Segment
from tcplab.seq import MOD
from tcplab.timers import LINUX, SYSCTL_DEFAULTS, TimerPreset, from_sysctl_values

__all__ = ["ACK_DELAY", "LISTENER_SYSCTLS", "ModelTarget"]

#: Linux ACKs a FIN (and, in delayed-ACK mode, data) after about one jiffy rather than
#: at once (facts.md §13, "ACK of a FIN"), so a close right after the peer's FIN puts
#: the ACK on the FIN. The model's endpoints delay pure ACKs by this much.
ACK_DELAY = 0.004

#: The listener's sysctls → :class:`ListenerConfig` fields. The timer sysctls go through
#: :func:`tcplab.timers.from_sysctl_values`, the one sysctl → preset mapping.
LISTENER_SYSCTLS: dict[str, str] = {
    "net.ipv4.tcp_syncookies": "syncookies",
    "net.ipv4.tcp_abort_on_overflow": "abort_on_overflow",
    "net.ipv4.tcp_synack_retries": "synack_retries",
    "net.ipv4.tcp_max_syn_backlog": "max_syn_backlog",
    "net.core.somaxconn": "somaxconn",
}
_TIMER_SYSCTLS = {n for n in SYSCTLS if n.rsplit(".", 1)[1] in SYSCTL_DEFAULTS}
assert set(LISTENER_SYSCTLS) | _TIMER_SYSCTLS == set(SYSCTLS), "a sysctl the model ignores"

_ERRORS = {
    "connection refused": "ECONNREFUSED",
    "connection reset": "ECONNRESET",
    "connection timed out": "ETIMEDOUT",
}


@dataclass
class _Sock:
    kind: str = "new"  # new, listen, conn
    port: int | None = None
    ep: Endpoint | None = None
    listener: Listener | None = None
    linger0: bool = False
    read: int = 0  # bytes of ep.received already read
    timers: TimerPreset | None = None  # per-socket TCP_SYNCNT / TCP_LINGER2
    error_read: bool = False
    shut_wr: bool = False


@dataclass
class _Listen:
    listener: Listener
    port: int
    peers: dict[tuple[str, int], Endpoint] = field(default_factory=dict)


class ModelTarget:
    """tcplab's model as a script target (see the module docstring)."""

    name = "model"

    def __init__(self, *, seed: int = 0) -> None:
        seed = _v.seed(seed, "seed", optional=False)
        self._now = 0.0
        self._rng = random.Random(seed)
        self.seed = seed
        self.timers: TimerPreset = LINUX
        self.config = ListenerConfig()
        self.fds: dict[int, _Sock] = {}
        self.conns: dict[tuple[int, int], Endpoint] = {}
        self.listens: dict[int, _Listen] = {}
        self._out: list[tuple[float, Segment]] = []
        self._next_fd = 3
        self._next_port = 40000

    # --- Target -------------------------------------------------------------------------
    def setup(self, sysctls: dict[str, int]) -> None:
        """Start from the kernel target's sysctls, apply the script's, and derive the
        timer preset and listener config from them."""
        values = {**SYSCTLS, **sysctls}
        timer_values: dict[str, int] = dict(SYSCTL_DEFAULTS)
        timer_values.update({n.rsplit(".", 1)[1]: values[n] for n in _TIMER_SYSCTLS})
        timers = from_sysctl_values(timer_values, name="script", source="script sysctls")
        # Linux's "quick" ACK of a FIN leaves about one jiffy later, not at once (facts.md
        # §13): a close() right after the FIN still puts the ACK on the FIN
        # (close_threeway.pkt). ACK_DELAY models that jiffy for the FIN's ACK too.
        self.timers = timers.with_(fin_quickack=False)
        changes: dict[str, Any] = {f: values[n] for n, f in LISTENER_SYSCTLS.items()}
        changes["abort_on_overflow"] = bool(changes["abort_on_overflow"])
        self.config = replace(self.config, **changes)

    def now(self) -> float:
        return self._now

    def close(self) -> None:
        return None

    def _next_event(self) -> float | None:
        times = [t for ep in self._endpoints() if (t := ep.next_timer()) is not None]
        times += [
            t for lst in self.listens.values() if (t := lst.listener.next_timer()) is not None
        ]
        return min(times) if times else None

    def _endpoints(self) -> list[Endpoint]:
        return list(self.conns.values())

    def _fire(self, t: float) -> None:
        self._now = t
        for lst in self.listens.values():
            for ev in lst.listener.advance(t):
                ep = lst.peers.get(ev.peer)  # type: ignore[call-overload]
                if ev.action == "expire" and ep is not None and ep.state is State.SYN_RECEIVED:
                    self._forget(ep)
        for ep in self._endpoints():
            due = ep.next_timer()
            if due is not None and due <= t + 1e-9:
                self._emit(ep.handle_timer(t))
        self._reap()

    def wait_until(self, t: float) -> None:
        while (nt := self._next_event()) is not None and nt <= t + 1e-9:
            self._fire(max(nt, self._now))
        self._now = max(self._now, t)

    def next_outbound(self, deadline: float) -> tuple[float, Segment] | None:
        while not self._out:
            nt = self._next_event()
            if nt is None or nt > deadline + 1e-9:
                return None
            self._fire(max(nt, self._now))
        return self._out.pop(0)

    def state(self, local_port: int, remote_port: int) -> str:
        ep = self.conns.get((local_port, remote_port))
        return "CLOSED" if ep is None else ep.state.name

    # --- segments -----------------------------------------------------------------------
    def _emit(self, segs: list[Segment]) -> None:
        self._out.extend((self._now, s) for s in segs)

    def _forget(self, ep: Endpoint) -> None:
        for k, v in list(self.conns.items()):
            if v is ep:
                del self.conns[k]

    def _reap(self) -> None:
        for k, ep in list(self.conns.items()):
            if ep.state is State.CLOSED or ep.state is State.LISTEN:
                del self.conns[k]

    def inject(self, seg: Segment) -> None:
        key = (seg.dst_port, seg.src_port)
        ep = self.conns.get(key)
        lst = self.listens.get(seg.dst_port)
        if ep is not None and ep.state is State.TIME_WAIT and lst and _reopens(ep, seg):
            self._forget(ep)  # a new SYN above RCV.NXT takes over the TIME-WAIT 4-tuple
            self._listener_syn(lst, seg, from_time_wait=True)
        elif ep is not None and lst is not None and ep.state is State.SYN_RECEIVED:
            self._embryonic(lst, ep, seg)
        elif ep is not None:
            self._emit(ep.receive(seg, self._now))
        elif lst is not None:
            self._to_listener(lst, seg)
        else:
            self._emit(self._responder(seg).receive(seg, self._now))
        self._reap()

    def _responder(self, seg: Segment) -> Endpoint:
        return Endpoint(
            iss=0,
            name="stack",
            local=(seg.dst_addr, seg.dst_port),
            remote=(seg.src_addr, seg.src_port),
            timers=self.timers,
        )

    def _passive(self, lst: _Listen, seg: Segment, iss: int) -> Endpoint:
        ep = Endpoint(
            iss=iss,
            name="stack",
            local=(LOCAL_ADDR, lst.port),
            remote=None,
            timers=self.timers,
            delayed_ack=ACK_DELAY,
        )
        ep.open(self._now, active=False)
        return ep

    def _listener_syn(self, lst: _Listen, seg: Segment, *, from_time_wait: bool = False) -> None:
        peer = (seg.src_addr, seg.src_port)
        mss = seg.options.mss or 536
        res = lst.listener.on_syn(
            self._now, peer, isn=seg.seq, mss=mss, from_time_wait=from_time_wait
        )
        if res.verdict is SynVerdict.QUEUED and res.iss is not None:
            ep = self._passive(lst, seg, res.iss)
            self._emit(ep.receive(seg, self._now))
            self.conns[(lst.port, seg.src_port)] = ep
            lst.peers[peer] = ep
        elif res.verdict is SynVerdict.COOKIE and res.iss is not None:
            ep = self._passive(lst, seg, res.iss)  # answer, then forget: no state kept
            self._emit(ep.receive(seg, self._now))

    def _to_listener(self, lst: _Listen, seg: Segment) -> None:
        if seg.is_rst:
            return
        if seg.is_syn and not seg.has_ack:
            self._listener_syn(lst, seg)
            return
        peer = (seg.src_addr, seg.src_port)
        if seg.has_ack and not seg.is_syn:
            v = lst.listener.on_ack(self._now, peer, ack=seg.ack, seq=seg.seq)
            if v is AckVerdict.COOKIE_ESTABLISHED:
                self._from_cookie(lst, seg)
                return
            if v is AckVerdict.COOKIE_OVERFLOW:
                return
        self._emit(self._responder(seg).receive(seg, self._now))  # LISTEN: ACK → RST

    def _from_cookie(self, lst: _Listen, seg: Segment) -> None:
        # Rebuild the connection the cookie encodes: as if SYN (seq-1) had been queued.
        ep = self._passive(lst, seg, (seg.ack - 1) % MOD)
        syn = seg.replace(seq=(seg.seq - 1) % MOD, ack=0, flags=Flags.SYN, payload=b"")
        ep.receive(syn, self._now)
        ep.drain()
        self._emit(ep.receive(seg, self._now))
        self.conns[(lst.port, seg.src_port)] = ep
        lst.peers[(seg.src_addr, seg.src_port)] = ep

    def _embryonic(self, lst: _Listen, ep: Endpoint, seg: Segment) -> None:
        """A segment for a request sock (SYN-RECEIVED under a listener)."""
        peer = (seg.src_addr, seg.src_port)
        if seg.is_syn and not seg.has_ack:
            lst.listener.on_syn(self._now, peer, isn=seg.seq)
        elif seg.has_ack and not seg.is_rst and not seg.is_syn:
            v = lst.listener.on_ack(self._now, peer, ack=seg.ack, seq=seg.seq)
            if v is AckVerdict.DROPPED_OVERFLOW:
                return  # Linux drops the ACK; the SYN-ACK timer keeps running
            if v is AckVerdict.RST_OVERFLOW:
                self._emit(self._responder(seg).receive(seg, self._now))
                self._forget(ep)
                return
        self._emit(ep.receive(seg, self._now))

    # --- system calls -------------------------------------------------------------------
    def syscall(self, call: SyscallSpec) -> SyscallOutcome:
        fn = getattr(self, f"_sys_{call.name}")
        out: SyscallOutcome = fn(call)
        self._reap()
        return out

    def _sock(self, call: SyscallSpec) -> _Sock | None:
        try:
            return self.fds.get(int(call.args[0]))
        except (IndexError, ValueError):
            return None

    def _new_fd(self, s: _Sock) -> int:
        fd = self._next_fd
        self._next_fd += 1
        self.fds[fd] = s
        return fd

    def _sys_socket(self, call: SyscallSpec) -> SyscallOutcome:
        return SyscallOutcome(self._new_fd(_Sock()))

    def _sys_fcntl(self, call: SyscallSpec) -> SyscallOutcome:
        return SyscallOutcome(0 if self._sock(call) else -1, None if self._sock(call) else "EBADF")

    def _sys_setsockopt(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        opt, val = call.args[2], call.args[3]
        base = s.timers or self.timers
        if opt == "SO_LINGER":
            s.linger0 = "onoff=1" in val.replace(" ", "") and "linger=0" in val.replace(" ", "")
        elif opt == "TCP_SYNCNT":
            s.timers = base.with_(syn_retries=int(val.strip("[]")))
        elif opt == "TCP_LINGER2":
            s.timers = base.with_(fin_wait_2=float(val.strip("[]")))
        return SyscallOutcome(0)

    def _sys_getsockopt(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        err = s.ep.error if s.ep is not None and not s.error_read else None
        s.error_read = True
        return SyscallOutcome(0, value=_ERRORS.get(err or "", "0"))

    def _sys_bind(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        if any(o.port == LOCAL_PORT and o is not s for o in self.fds.values()):
            return SyscallOutcome(-1, "EADDRINUSE")
        s.port = LOCAL_PORT
        return SyscallOutcome(0)

    def _sys_listen(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        port = s.port or LOCAL_PORT
        cfg = replace(self.config, backlog=int(call.args[1]))
        lst = Listener(cfg, seed=self.seed, local=(LOCAL_ADDR, port))
        s.kind, s.port, s.listener = "listen", port, lst
        self.listens[port] = _Listen(lst, port)
        return SyscallOutcome(0)

    def _sys_connect(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        if s.ep is not None:
            return SyscallOutcome(-1, "EALREADY" if s.ep.state is State.SYN_SENT else "EISCONN")
        if s.port is None:
            s.port, self._next_port = self._next_port, self._next_port + 1
        ep = Endpoint(
            iss=self._rng.randrange(MOD),
            name="stack",
            local=(LOCAL_ADDR, s.port),
            remote=(REMOTE_ADDR, LOCAL_PORT),
            timers=s.timers or self.timers,
            delayed_ack=ACK_DELAY,
        )
        s.kind, s.ep = "conn", ep
        self.conns[(s.port, LOCAL_PORT)] = ep
        self._emit(ep.open(self._now, active=True))
        return SyscallOutcome(-1, "EINPROGRESS")

    def _sys_accept(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None or s.listener is None:
            return SyscallOutcome(-1, "EINVAL" if s else "EBADF")
        child = s.listener.accept(self._now)
        if child is None:
            return SyscallOutcome(-1, "EAGAIN")
        lst = self.listens[s.port or LOCAL_PORT]
        ep = lst.peers.pop(child.peer)  # type: ignore[call-overload]
        return SyscallOutcome(self._new_fd(_Sock("conn", s.port, ep)))

    def _sys_write(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None or s.ep is None:
            return SyscallOutcome(-1, "EBADF" if s is None else "EPIPE")
        n = int(call.args[2])
        if s.ep.state not in (State.ESTABLISHED, State.CLOSE_WAIT):
            return SyscallOutcome(-1, "EPIPE")
        try:
            self._emit(s.ep.send(bytes(n), self._now))
        except ValueError:  # send() after close()/shutdown(): Linux says EPIPE
            return SyscallOutcome(-1, "EPIPE")
        return SyscallOutcome(n)

    def _sys_read(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None or s.ep is None:
            return SyscallOutcome(-1, "EBADF" if s is None else "ENOTCONN")
        avail = len(s.ep.received) - s.read
        if avail > 0:
            n = min(avail, int(call.args[2]))
            s.read += n
            return SyscallOutcome(n)
        if s.ep.error:
            return SyscallOutcome(-1, _ERRORS.get(s.ep.error, "ECONNRESET"))
        return SyscallOutcome(0) if s.ep.eof else SyscallOutcome(-1, "EAGAIN")

    def _sys_shutdown(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None or s.ep is None:
            return SyscallOutcome(-1, "EBADF" if s is None else "ENOTCONN")
        if call.args[1] in ("SHUT_WR", "SHUT_RDWR") and not s.shut_wr:
            s.shut_wr = True  # a second shutdown is a no-op on Linux
            if s.ep.state in (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_RECEIVED):
                self._emit(s.ep.close(self._now))
        return SyscallOutcome(0)

    def _sys_close(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._sock(call)
        if s is None:
            return SyscallOutcome(-1, "EBADF")
        del self.fds[int(call.args[0])]
        if s.listener is not None:
            self._close_listener(s)
        elif s.ep is not None:
            self._close_conn(s, s.ep)
        return SyscallOutcome(0)

    def _close_conn(self, s: _Sock, ep: Endpoint) -> None:
        unread = len(ep.received) > s.read
        if ep.state in (State.CLOSED, State.TIME_WAIT):
            return
        if s.linger0 or unread:  # Linux: close() with SO_LINGER 0 or unread data → reset
            self._emit(ep.abort(self._now))
        elif ep.state in (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RECEIVED):
            self._emit(ep.close(self._now, orphan=True))
        else:
            ep.orphan = True  # already closing (after shutdown): now an orphan

    def _close_listener(self, s: _Sock) -> None:
        lst = self.listens.pop(s.port or LOCAL_PORT)
        for ep in lst.peers.values():  # children not accepted yet are reset
            if ep.state is not State.SYN_RECEIVED:
                self._emit(ep.abort(self._now))
            self._forget(ep)


def _reopens(ep: Endpoint, seg: Segment) -> bool:
    """A SYN that may reuse a TIME-WAIT 4-tuple: no ACK and SEQ above RCV.NXT (RFC 6191 /
    Linux tcp_timewait_state_process() without timestamps)."""
    return (
        seg.is_syn
        and not seg.has_ack
        and ((seg.seq - ep.rcv_nxt) % MOD) < (1 << 31)
        and seg.seq != ep.rcv_nxt
    )
