"""The ``kernel`` target: the real Linux stack behind a TUN device in a private namespace.

Theory of operation
-------------------
:func:`run_in_namespace` starts ``python -m tcplab.script.kernel`` under
:func:`tcplab.live.netns.private_command` (as root a plain ``unshare --net``, else an
unprivileged user namespace), so each script gets a fresh network namespace that
vanishes with the process: no packetdrill binary, no leftover state, no root needed
where the kernel allows user namespaces. The script travels on stdin and the
:class:`RunResult` comes back as JSON on stdout.

Inside, :class:`KernelTarget` creates (with :class:`tcplab.live.netns.Netns`) TUN
device ``tcplab0`` with the stack's address ``192.168.0.1`` and a route to the peer
``192.0.2.0/24`` through it. Inbound lines are IPv4 packets (encoded by
:mod:`tcplab.pcap`) written to the TUN device; a reader thread stamps every packet the
kernel sends with the time it was read; system calls are made on real non-blocking
sockets; ``%state`` reads ``/proc/net/tcp`` of the namespace.
Timestamps, SACK and window scaling are turned off (the model does not negotiate them
like Linux), and the script's sysctls are written to this namespace only — so a
FIN-WAIT-2 script can shorten ``tcp_fin_timeout`` without touching the machine.
"""

from __future__ import annotations

import contextlib
import errno as _errno
import json
import os
import queue
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from functools import lru_cache
from typing import Any

from tcplab import _validate as _v
from tcplab.live.netns import Netns, netns_available, private_command
from tcplab.pcap import packet_to_segment, segment_to_packet
from tcplab.script.parser import SYSCTLS, Script, SyscallSpec, parse
from tcplab.script.result import RunResult
from tcplab.script.runner import LOCAL_ADDR, LOCAL_PORT, REMOTE_ADDR, SyscallOutcome, run
from tcplab.segment import Segment

__all__ = ["KernelTarget", "run_in_namespace", "unavailable_reason"]

TUN_NAME = "tcplab0"

#: Sysctls set in the private namespace before every script (then the script's own).
BASELINE: dict[str, int] = {
    "net.ipv4.tcp_timestamps": 0,
    "net.ipv4.tcp_sack": 0,
    "net.ipv4.tcp_window_scaling": 0,
    "net.ipv4.tcp_ecn": 0,
    "net.ipv4.tcp_no_metrics_save": 1,
    **SYSCTLS,
}

# /proc/net/tcp state codes (include/net/tcp_states.h) → RFC 9293 names
_PROC_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECEIVED",
    4: "FIN_WAIT_1",
    5: "FIN_WAIT_2",
    6: "TIME_WAIT",
    7: "CLOSED",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "SYN_RECEIVED",
}


#: Set to 1, this takes the rootless user-namespace path even as root (to test it); so
#: does ``TCPLAB_NETNS_USERNS=1`` (see :func:`tcplab.live.netns.needs_user_namespace`).
FORCE_USERNS_ENV = "TCPLAB_SCRIPT_USERNS"


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when the kernel target works here, else one line saying why not."""
    ok, why = netns_available(FORCE_USERNS_ENV, child=True)
    return None if ok else why


def run_in_namespace(script: Script, *, tolerance: float = 0.05, timeout: float = 120) -> RunResult:
    """Run ``script`` on the real kernel in a fresh private network namespace."""
    from tcplab.script.api import TargetUnavailable

    script = _v.instance(script, "script", Script, "a Script (see tcplab.script.load)")
    tolerance = _v.number(tolerance, "tolerance", ge=0, le=_v.MAX_SECONDS, what="number of seconds")
    timeout = _v.number(timeout, "timeout", gt=0, le=_v.MAX_SECONDS, what="number of seconds")

    why = unavailable_reason()
    if why:
        raise TargetUnavailable(why)
    payload = json.dumps({"text": script.text, "name": script.name, "tolerance": tolerance})
    cmd = private_command([sys.executable, "-m", "tcplab.script.kernel"], FORCE_USERNS_ENV)
    try:
        res = subprocess.run(
            cmd, input=payload, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return RunResult("kernel", script.name, error=f"the kernel run took over {timeout:g} s")
    if res.returncode or not res.stdout.strip():
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        return RunResult("kernel", script.name, error=f"the kernel run failed: {last}")
    return RunResult.from_dict(json.loads(res.stdout))


class KernelTarget:
    """The namespace's Linux stack as a script target (runs inside the namespace)."""

    name = "kernel"

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.tun = -1
        self.socks: dict[int, socket.socket] = {}
        self._q: queue.Queue[tuple[float, Segment]] = queue.Queue()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._err_read: set[int] = set()

    # --- set-up ---------------------------------------------------------------------------
    def setup(self, sysctls: dict[str, int]) -> None:
        # This process is the only one in its namespace (started by private_command).
        here = Netns.current()
        for name, value in {**BASELINE, **sysctls}.items():
            here.sysctl(name, value)
        for key in ("all", "default"):  # before the TUN exists: no IPv6 chatter on it
            with contextlib.suppress(OSError):
                here.sysctl(f"net.ipv6.conf.{key}.disable_ipv6", 1)
        self.tun = here.tun(TUN_NAME, f"{LOCAL_ADDR}/24", route="192.0.2.0/24")
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.t0 = time.monotonic()

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            r, _, _ = select.select([self.tun], [], [], 0.05)
            if not r:
                continue
            try:
                pkt = os.read(self.tun, 65535)
            except OSError:
                return
            t = time.monotonic() - self.t0
            seg = packet_to_segment(pkt)
            if seg is not None and seg.dst_addr == REMOTE_ADDR:
                self._q.put((t, seg))

    def close(self) -> None:
        self._stop.set()
        for s in self.socks.values():
            s.close()
        if self._reader is not None:
            self._reader.join(timeout=1)
        if self.tun >= 0:
            os.close(self.tun)

    # --- time and packets ---------------------------------------------------------------
    def now(self) -> float:
        return time.monotonic() - self.t0

    def wait_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            time.sleep(delay)

    def inject(self, seg: Segment) -> None:
        os.write(self.tun, segment_to_packet(seg))

    def next_outbound(self, deadline: float) -> tuple[float, Segment] | None:
        try:
            return self._q.get(timeout=max(0.0, deadline - self.now()))
        except queue.Empty:
            return None

    def state(self, local_port: int, remote_port: int) -> str:
        want = f"{_hex_addr(LOCAL_ADDR, local_port)} {_hex_addr(REMOTE_ADDR, remote_port)}"
        with open("/proc/net/tcp") as f:
            for row in f.read().splitlines()[1:]:
                cols = row.split()
                if f"{cols[1]} {cols[2]}" == want:
                    return _PROC_STATES.get(int(cols[3], 16), cols[3])
        return "CLOSED"

    # --- system calls ---------------------------------------------------------------------
    def syscall(self, call: SyscallSpec) -> SyscallOutcome:
        fn = getattr(self, f"_sys_{call.name}")
        try:
            out: SyscallOutcome = fn(call)
        except OSError as e:
            name = _errno.errorcode.get(e.errno or 0, "EINVAL")
            return SyscallOutcome(-1, "EAGAIN" if name == "EWOULDBLOCK" else name)
        return out

    def _s(self, call: SyscallSpec) -> socket.socket:
        fd = int(call.args[0])
        if fd not in self.socks:
            raise OSError(_errno.EBADF, "bad fd")
        return self.socks[fd]

    def _keep(self, s: socket.socket) -> int:
        s.setblocking(False)
        self.socks[s.fileno()] = s
        return s.fileno()

    def _sys_socket(self, call: SyscallSpec) -> SyscallOutcome:
        return SyscallOutcome(self._keep(socket.socket(socket.AF_INET, socket.SOCK_STREAM)))

    def _sys_fcntl(self, call: SyscallSpec) -> SyscallOutcome:
        self._s(call)
        return SyscallOutcome(0)

    def _sys_setsockopt(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._s(call)
        opt, val = call.args[2], call.args[3].replace(" ", "")
        if opt == "SO_LINGER":
            onoff = int("onoff=1" in val)
            linger = int(val.split("linger=")[1].rstrip("}")) if "linger=" in val else 0
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", onoff, linger))
        elif opt in ("SO_REUSEADDR", "TCP_NODELAY", "TCP_SYNCNT", "TCP_LINGER2"):
            level = socket.SOL_SOCKET if opt.startswith("SO_") else socket.IPPROTO_TCP
            s.setsockopt(level, getattr(socket, opt), int(val.strip("[]")))
        return SyscallOutcome(0)

    def _sys_getsockopt(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._s(call)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return SyscallOutcome(0, value=_errno.errorcode.get(err, "0") if err else "0")

    def _sys_bind(self, call: SyscallSpec) -> SyscallOutcome:
        self._s(call).bind((LOCAL_ADDR, LOCAL_PORT))
        return SyscallOutcome(0)

    def _sys_listen(self, call: SyscallSpec) -> SyscallOutcome:
        self._s(call).listen(int(call.args[1]))
        return SyscallOutcome(0)

    def _sys_connect(self, call: SyscallSpec) -> SyscallOutcome:
        err = self._s(call).connect_ex((REMOTE_ADDR, LOCAL_PORT))
        name = _errno.errorcode.get(err, "EINVAL")
        return SyscallOutcome(0) if err == 0 else SyscallOutcome(-1, name)

    def _sys_accept(self, call: SyscallSpec) -> SyscallOutcome:
        conn, _ = self._s(call).accept()
        return SyscallOutcome(self._keep(conn))

    def _sys_write(self, call: SyscallSpec) -> SyscallOutcome:
        return SyscallOutcome(self._s(call).send(bytes(int(call.args[2]))))

    def _sys_read(self, call: SyscallSpec) -> SyscallOutcome:
        return SyscallOutcome(len(self._s(call).recv(int(call.args[2]))))

    def _sys_shutdown(self, call: SyscallSpec) -> SyscallOutcome:
        how = {"SHUT_RD": socket.SHUT_RD, "SHUT_WR": socket.SHUT_WR, "SHUT_RDWR": socket.SHUT_RDWR}
        self._s(call).shutdown(how[call.args[1]])
        return SyscallOutcome(0)

    def _sys_close(self, call: SyscallSpec) -> SyscallOutcome:
        s = self._s(call)
        del self.socks[int(call.args[0])]
        s.close()
        return SyscallOutcome(0)


def _hex_addr(addr: str, port: int) -> str:
    return f"{struct.unpack('<I', socket.inet_aton(addr))[0]:08X}:{port:04X}"


def _main() -> int:
    req: dict[str, Any] = json.loads(sys.stdin.read())
    script = parse(req["text"], name=req["name"])
    result = run(script, KernelTarget(), tolerance=float(req["tolerance"]))
    json.dump(result.to_dict(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
