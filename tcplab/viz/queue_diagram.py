"""The two listen queues as a Graphviz picture, optionally filled from a live :class:`Listener`.

Where each SYN and third ACK goes in ``tcp_conn_request()`` / ``tcp_check_req()``
(facts.md §2-§3): into the SYN queue (request socks), onto the cookie path, into the
accept queue, or dropped — with the counter each drop moves. Given a
:class:`tcplab.listener.Listener`, the boxes show its current queue lengths and limits
and the drop edges its counters, so a notebook can draw "the listener right now".
"""

from __future__ import annotations

from typing import Any

from tcplab import _validate as _v
from tcplab._tools import have, warn_missing
from tcplab.listener import Listener, ListenerConfig

__all__ = ["listen_queues_diagram", "listen_queues_source"]


def _limits(listener: Listener | None, config: ListenerConfig) -> dict[str, str]:
    b = config.max_ack_backlog
    synq_limit = b + 1 if config.synq_full_test == ">" else b
    if listener is None:
        return {"synq": f"holds up to {synq_limit}", "accq": f"holds up to B+1 = {b + 1}"}
    return {
        "synq": f"{listener.qlen} of {synq_limit}",
        "accq": f"{listener.ack_backlog} of B+1 = {b + 1}",
    }


def listen_queues_source(
    listener: Listener | None = None, config: ListenerConfig | None = None
) -> str:
    """DOT source of the diagram (see :func:`listen_queues_diagram`)."""
    if listener is not None:
        _v.instance(listener, "listener", Listener, "None or a tcplab.listener.Listener")
    if config is not None:
        _v.instance(config, "config", ListenerConfig, "None or a ListenerConfig")
    cfg = listener.config if listener is not None else (config or ListenerConfig())
    lim = _limits(listener, cfg)
    ctr = listener.counters if listener is not None else None

    def count(*names: str) -> str:
        if ctr is None:
            return "\\n".join(names)
        return "\\n".join(f"{n} = {ctr[n]}" for n in names)

    ack_full = (
        "3rd ACK dropped, request kept\\n(tcp_abort_on_overflow=0:\\nSYN-ACK retransmits)"
        if not cfg.abort_on_overflow
        else "RST to the client\\n(tcp_abort_on_overflow=1)\\n" + count("EmbryonicRsts")
    )
    synq_full = (
        "SYN dropped\\n(tcp_syncookies=0)\\n" + count("TCPReqQFullDrop")
        if cfg.syncookies == 0
        else "SYN cookie: SYN-ACK,\\nno state kept\\n" + count("SyncookiesSent")
    )
    cookie_edge = (
        ""
        if cfg.syncookies == 0
        else '  synqfull -> accq [label="ACK with a valid cookie", style=dashed];\n'
    )
    backlog = f"listen(fd, {cfg.backlog}) → B = {cfg.max_ack_backlog} (somaxconn {cfg.somaxconn})"
    return f"""digraph listen_queues {{
  rankdir=LR; nodesep=0.35; ranksep=0.5;
  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", fillcolor=white];
  edge [fontname="Helvetica", fontsize=9];
  label="{backlog}"; labelloc=t; fontname="Helvetica"; fontsize=11;
  client [label="client\\nsends SYN", fillcolor="#e8f0fe"];
  synq [label="SYN queue\\nrequest socks, SYN-RECEIVED\\n{lim["synq"]}",
        fillcolor="#fff4e0"];
  accq [label="accept queue\\nESTABLISHED, not yet accepted\\n{lim["accq"]}",
        fillcolor="#e6f4ea"];
  app [label="application\\ncalls accept()", fillcolor="#e8f0fe"];
  synqfull [label="{synq_full}", fillcolor="#fdecea"];
  accfull [label="SYN dropped silently\\n{count("ListenOverflows", "ListenDrops")}",
           fillcolor="#fdecea"];
  ackfull [label="{ack_full}", fillcolor="#fdecea"];
  client -> synq [label="SYN → SYN-ACK"];
  synq -> accq [label="3rd ACK"];
  accq -> app [label="accept()"];
  client -> synqfull [label="SYN queue full", color="#c5221f", fontcolor="#c5221f"];
  client -> accfull [label="accept queue full", color="#c5221f", fontcolor="#c5221f"];
  synq -> ackfull [label="3rd ACK, accept\\nqueue full", color="#c5221f", fontcolor="#c5221f"];
{cookie_edge}}}
"""


def listen_queues_diagram(
    listener: Listener | None = None, config: ListenerConfig | None = None
) -> Any:
    """A ``graphviz.Source`` of the listener's two queues (displays itself in Jupyter).

    Without Graphviz's ``dot`` it prints the one-line install hint and returns None.
    """
    src = listen_queues_source(listener, config)
    if not have("dot"):
        warn_missing("dot")
        return None
    import graphviz

    return graphviz.Source(src)
