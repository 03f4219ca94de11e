"""What the peer sees when a process dies and when a whole host dies.

Three runs on the same connection (A = 10.0.0.1:40000 → B = 10.0.0.2:80; B sends A a
7-byte greeting at 0.5 s; A "crashes" at ``crash_at``):

``"process"``
    A's process dies after reading everything. The kernel closes the socket for it —
    exactly like ``close()``: a FIN, and the orphaned socket finishes the close on its
    own. B sees an ordinary end-of-file and closes too.
``"process-unread"``
    A's process dies with received data it never read. Linux's ``tcp_close()`` then
    sends an RST instead of a FIN (data was lost, so the peer must not believe in a
    clean close): B's application gets "connection reset".
``"host"``
    A's machine loses power. Nothing is sent at all; B's TCB stays ESTABLISHED. B finds
    out only if it sends (``server_sends_at``): its retransmissions go unanswered until
    it gives up. If B never sends, nothing ever tells it — the job of keepalive
    (module 8).

The process cases are not a new protocol mechanism: they are the CLOSE and ABORT calls
of RFC 9293 §3.10.4/§3.10.5, made by the kernel on behalf of a dead process.
"""

from __future__ import annotations

from typing import Any

from tcplab import _validate as V
from tcplab.endpoint import Endpoint
from tcplab.sim.network import Network
from tcplab.sim.result import SimResult, check_result
from tcplab.timers import TimerPreset, preset

__all__ = ["CRASH_KINDS", "crash_summary", "run_crash"]

#: kind → one-line description.
CRASH_KINDS: dict[str, str] = {
    "process": "A's process dies, nothing unread: the kernel closes the socket (FIN)",
    "process-unread": "A's process dies with unread data: the kernel aborts (RST)",
    "host": "A's host dies: nothing is sent; B learns only by sending",
}


def run_crash(
    kind: str = "process",
    *,
    seed: int = 0,
    delay: float = 0.05,
    timers: str | TimerPreset = "linux",
    crash_at: float = 2.0,
    server_sends_at: float | None = 5.0,
    until: float | None = None,
) -> SimResult:
    """Simulate one kind of crash (see :data:`CRASH_KINDS`) and return the SimResult.

    ``server_sends_at`` (host crash only): when B's application sends 5 more bytes
    (None: B stays silent, and the run stops at ``until``, default 120 s).
    """
    if not isinstance(kind, str) or kind not in CRASH_KINDS:
        raise ValueError(
            f"unknown crash kind {V.short(kind, 40)}: expected one of {', '.join(CRASH_KINDS)}"
        )
    V.number(crash_at, "crash_at", gt=0.5, what="a time in seconds (after B's greeting)")
    # B greets at 0.5 s: the handshake (1.5 one-way delays) must be over by then.
    V.number(delay, "delay", ge=0, le=0.3, what="a one-way delay in seconds")
    net = Network(delay=delay, seed=seed, timers=preset(timers))
    a, b = net.add_host("A", "10.0.0.1"), net.add_host("B", "10.0.0.2")
    b.listen(80)
    net.at(0.0, lambda t: a.connect(t, 40000, b, 80))
    net.at(0.5, lambda t: b.endpoint().send(b"welcome", t))
    if kind == "process":
        net.at(crash_at, lambda t: a.endpoint().close(t, orphan=True), "A's process dies")

        def answer_eof(ep: Endpoint, t: float) -> None:  # B's application closes on EOF
            ep.close(t)

        b.on_eof = answer_eof
    elif kind == "process-unread":
        net.at(crash_at, lambda t: a.endpoint().abort(t), "A's process dies (data unread)")
    else:
        net.at(crash_at, a.crash, "A's host dies")
        if server_sends_at is not None:
            net.at(server_sends_at, lambda t: b.endpoint().send(b"still", t))
    if until is None and kind == "host" and server_sends_at is None:
        until = 120.0
    result = net.run(until=until)
    result.meta.update(scenario=f"crash:{kind}", description=CRASH_KINDS[kind])
    return result


def crash_summary(result: SimResult, crash_at: float = 2.0) -> dict[str, Any]:
    """What the peer saw in a :func:`run_crash` result: the segments A's side sent from
    ``crash_at`` on, when B's connection first changed state after that (None: never, within
    the run), B's state then and at the end, and B's errors."""
    result = check_result(result)
    crash_at = V.number(crash_at, "crash_at", ge=0, what="a time in seconds")
    tr, ev = result.trace, result.events
    after = tr[(tr["sender"] == "A") & (tr["time"] >= crash_at)]
    b = ev[(ev["host"] == "B") & (ev["kind"] == "state") & (ev["time"] >= crash_at)]
    first = b.iloc[0] if len(b) else None
    return {
        "A sends after the crash": ", ".join(after["flags"]) or "nothing",
        "B notices at (s)": None if first is None else float(first["time"]),
        "B's state then": None if first is None else str(first["state_after"]).replace("_", "-"),
        "B at the end": result.endpoint("B").state.name.replace("_", "-"),
        "B's error": ", ".join(result.errors()["B"]) or "none",
        "run length (s)": float(result.end_time),
    }
