"""Private Linux network namespaces joined by a wire the caller controls.

Theory of operation: :func:`namespaces` creates uniquely named namespaces with
``ip netns add`` and always deletes them again; each is a :class:`Netns`. A thread *enters*
a namespace with ``setns(2)`` (per thread, so several experiments can run side by side),
and everything it creates there — sockets, TUN devices — stays in that namespace after
the thread leaves. :meth:`Netns.tun` makes a point-to-point TUN interface: every IP
packet the namespace's kernel sends to the peer address arrives at the returned file
descriptor, and every packet written to it is received by that kernel. Joining two TUNs
with a user-space loop gives a wire whose delay, losses and capture are the caller's
code, which works on any kernel with TUN (no netem, no nftables needed).

Needs the ``ip`` command and either root (CAP_NET_ADMIN and CAP_SYS_ADMIN), or, for an
ordinary user, unprivileged user namespaces and a TUN device the user may open: then the
work runs in a child process started by :func:`userns_command` (``unshare --user
--map-root-user --net --mount``, with a private ``/run`` for ``ip netns``), where the user
is root over its own namespaces only. :func:`netns_available` says which way works here,
and why neither does.

A child process can also get one private namespace *of its own* that vanishes with it:
:func:`private_command` starts it under ``unshare --net`` as root, else under
:func:`userns_command`; inside, :meth:`Netns.current` is that namespace (its ``tun`` and
``sysctl`` work the same, without ``setns``). The packet-script kernel target runs so.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from tcplab import _validate as _v

__all__ = [
    "Netns",
    "namespaces",
    "needs_user_namespace",
    "netns_available",
    "private_command",
    "userns_command",
]

# Linux's own limits on one command line (MAX_ARG_STRLEN is 32 pages; the count is generous).
_MAX_ARG, _MAX_ARGS = 131072, 10_000
# A namespace name is a file name in /run/netns (NAME_MAX 255): prefix and role stay short.
_MAX_NAME, _MAX_PART = 255, 64
_CLONE_NEWNET = 0x40000000
_TUNSETIFF = 0x400454CA
_IFF_TUN, _IFF_NO_PI = 0x0001, 0x1000


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)


def _probe() -> str:
    """ "" if namespaces with a TUN device can be made here and now, else why not."""
    try:
        with namespaces("probe") as ns:
            os.close(ns["probe"].tun("tcplabprobe", "10.255.0.1", "10.255.0.2"))
    except (OSError, RuntimeError) as exc:
        return f"cannot create a network namespace with a TUN device: {exc}"
    return ""


def needs_user_namespace(*force_env: str) -> bool:
    """True when this process is not root (or ``TCPLAB_NETNS_USERNS=1``, or any of the
    environment variables named in ``force_env`` set to 1, asks for it — to test the
    rootless path as root), so namespace work must run under :func:`userns_command`."""
    names = ("TCPLAB_NETNS_USERNS", *(_v.string(n, "force_env", max_len=200) for n in force_env))
    return os.geteuid() != 0 or any(os.environ.get(name) == "1" for name in names)


def _arg(value: object, name: str) -> str:
    # A path is a fine argument (the program itself often is one); bytes and numbers are not.
    if isinstance(value, os.PathLike):
        return str(_v.path(value, name))
    return _v.string(value, name, max_len=_MAX_ARG, what="a str (one command-line argument)")


def _argv(argv: object) -> list[str]:
    """``argv`` checked: a non-empty list of str (or paths), returned as a list of str."""
    what = "a command as a non-empty list of str"
    return list(_v.sequence(argv, "argv", min_len=1, max_len=_MAX_ARGS, item=_arg, what=what))


def userns_command(argv: list[str]) -> list[str]:
    """``argv`` prefixed so that it runs as root of a fresh user namespace, with its own
    network and mount namespaces and a private ``/run`` (where ``ip netns`` keeps names)."""
    argv = _argv(argv)
    setup = 'mount -t tmpfs tmpfs /run && exec "$@"'
    return [
        "unshare",
        "--user",
        "--map-root-user",
        "--net",
        "--mount",
        "sh",
        "-c",
        setup,
        "sh",
        *argv,
    ]


def private_command(argv: list[str], *force_env: str) -> list[str]:
    """``argv`` prefixed so that it runs in a fresh network namespace of its own, which
    vanishes when it exits: ``unshare --net`` as root, else :func:`userns_command`
    (``force_env`` as for :func:`needs_user_namespace`)."""
    argv = _argv(argv)
    if needs_user_namespace(*force_env):
        return userns_command(argv)
    return ["unshare", "--net", *argv]


def netns_available(*force_env: str, child: bool = False) -> tuple[bool, str]:
    """(True, "") if network namespaces with TUN devices can be created — directly as
    root, or under :func:`userns_command` otherwise; else (False, the reason in one line).

    ``force_env`` as for :func:`needs_user_namespace`; ``child=True`` also asks for what
    :func:`private_command` needs as root (the ``unshare`` command)."""
    child = _v.boolean(child, "child")
    if not sys.platform.startswith("linux"):
        return False, f"network namespaces need Linux (this is {sys.platform})"
    if shutil.which("ip") is None:
        return False, "the 'ip' command (iproute2) is missing"
    if not os.path.exists("/dev/net/tun"):
        return False, "/dev/net/tun is missing (no TUN support)"
    if not needs_user_namespace(*force_env):
        if child and shutil.which("unshare") is None:
            return False, "the 'unshare' command (util-linux) is missing"
        why = _probe()
        return (not why), why
    if shutil.which("unshare") is None:
        return False, "not root, and 'unshare' (util-linux) is missing for a user namespace"
    code = "from tcplab.live.netns import _probe; print(_probe(), end='')"
    try:
        res = subprocess.run(
            userns_command([sys.executable, "-c", code]),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"not root, and no user namespace: {exc}"
    if res.returncode:
        last = (res.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, f"not root, and unprivileged user namespaces are not available: {last}"
    if res.stdout:
        return False, f"not root; in a user namespace: {res.stdout}"
    return True, ""


@dataclass(frozen=True)
class Netns:
    """One named network namespace (``/run/netns/<name>``), or with the name ``""`` the
    one this process is in (:meth:`current`)."""

    name: str

    def __post_init__(self) -> None:
        _v.string(self.name, "name", max_len=_MAX_NAME, what="a namespace name (str)")

    @classmethod
    def current(cls) -> Netns:
        """The namespace the calling process is in, e.g. in a child started by
        :func:`private_command`: no ``setns`` and plain ``ip`` for it."""
        return cls("")

    @property
    def path(self) -> str:
        return f"/run/netns/{self.name}" if self.name else "/proc/self/ns/net"

    def ip(self, *args: str) -> str:
        """Run ``ip -n <name> …``; RuntimeError with ip's message if it fails."""
        cmd = ("ip", "-n", self.name, *args) if self.name else ("ip", *args)
        res = _run(*cmd)
        if res.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {res.stderr.strip()}")
        return res.stdout

    def sysctl(self, key: str, value: int | str) -> None:
        """Set ``net.ipv4.…`` style ``key`` inside this namespace only."""
        path = "/proc/sys/" + key.replace(".", "/")
        with self.entered(), open(path, "w") as f:
            f.write(str(value))

    def read_sysctl(self, key: str) -> str:
        """Read ``key`` as seen inside this namespace."""
        with self.entered(), open("/proc/sys/" + key.replace(".", "/")) as f:
            return f.read().strip()

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Move the *calling thread* into this namespace for the ``with`` block."""
        if not self.name:  # already there
            yield
            return
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(self.path, os.O_RDONLY)
        try:
            if libc.setns(target, _CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns({self.name}): {os.strerror(err)}")
            try:
                yield
            finally:
                libc.setns(own, _CLONE_NEWNET)
        finally:
            os.close(own)
            os.close(target)

    def tun(self, ifname: str, addr: str, peer: str = "", *, route: str = "") -> int:
        """Create TUN ``ifname`` here with ``addr`` (and point-to-point ``peer``, if
        given), bring it and ``lo`` up, route ``route`` (if given) through it, and return
        its file descriptor (raw IPv4 packets, no header)."""
        with self.entered():
            fd = os.open("/dev/net/tun", os.O_RDWR)
            try:
                flags = struct.pack("16sH", ifname.encode(), _IFF_TUN | _IFF_NO_PI)
                fcntl.ioctl(fd, _TUNSETIFF, flags)
            except OSError:
                os.close(fd)
                raise
        self.ip("link", "set", "lo", "up")
        self.ip("addr", "add", addr, *(("peer", peer) if peer else ()), "dev", ifname)
        self.ip("link", "set", ifname, "up")
        if route:
            self.ip("route", "add", route, "dev", ifname)
        return fd


def namespaces(
    *roles: str, prefix: str = "tcplab"
) -> contextlib.AbstractContextManager[dict[str, Netns]]:
    """Create one fresh namespace per role (unique names) and delete them all afterwards.

    The arguments are checked at the call, before any namespace exists.

    >>> with namespaces("A", "B") as ns:                  # doctest: +SKIP
    ...     ns["A"].sysctl("net.ipv4.tcp_syn_retries", 2)
    """
    prefix = _v.string(prefix, "prefix", nonempty=True, max_len=_MAX_PART, what="a name prefix")
    if not roles:
        raise ValueError("namespaces() needs at least one role name, e.g. namespaces('A', 'B')")
    for i, role in enumerate(roles):
        _v.string(role, f"roles[{i}]", nonempty=True, max_len=_MAX_PART, what="a role name")
    return _namespaces(roles, prefix)


@contextlib.contextmanager
def _namespaces(roles: tuple[str, ...], prefix: str) -> Iterator[dict[str, Netns]]:
    tag = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    made: dict[str, Netns] = {}
    try:
        for role in roles:
            ns = Netns(f"{tag}-{role}")
            res = _run("ip", "netns", "add", ns.name)
            if res.returncode:
                raise RuntimeError(f"ip netns add {ns.name}: {res.stderr.strip()}")
            made[role] = ns
        yield made
    finally:
        for ns in made.values():
            _run("ip", "netns", "delete", ns.name)
