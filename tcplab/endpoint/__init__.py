"""A sans-I/O TCP endpoint: one connection's TCB driven by segments, user calls and time.

Theory of operation
-------------------
An :class:`Endpoint` holds RFC 9293's Transmission Control Block (§3.3.1). It has no
sockets and no clock: segments come in through :meth:`Endpoint.receive` with the time
``now``; user calls are :meth:`~Endpoint.open`, :meth:`~Endpoint.send`,
:meth:`~Endpoint.close`, :meth:`~Endpoint.abort`; timers are read with
:meth:`~Endpoint.next_timer` and fired with :meth:`~Endpoint.handle_timer`. Every entry
point returns the segments to transmit (also kept for :meth:`~Endpoint.drain`, with a
note saying why each was sent).

The parts, one module each:

* :mod:`.tcb` — :class:`Tcb`, the sequence variables (ISS, IRS, SND.UNA, SND.NXT,
  SND.WND, RCV.NXT, RCV.WND) and negotiated options, with the acceptability test.
* :mod:`.recovery` — :class:`Recovery`: the retransmission queue, RTT samples (RFC
  6298, Karn), the RTO; backoff and give-up follow :class:`tcplab.timers.RetryRule`.
* :mod:`.reassembly` — :class:`Reassembly`: the out-of-order queue and in-order delivery.
* :mod:`.deadlines` — :class:`Deadlines`: one typed field per timer (:class:`TimerKind`).
* :mod:`.core` — construction, segment building and output, and the one place a state
  change is applied (``TcpStateMachine.handle`` / ``take``) with its timer side effects.
* :mod:`.receive` — the segment classifier / receive path (RFC 9293 §3.10.7).
* :mod:`.endpoint` — user calls and timer expiries.

**State changes go through the table.** The endpoint *classifies* each concrete
segment — sequence and ACK checks with :mod:`tcplab.seq`, RFC 9293 §3.10.7's order of
checks — into an abstract :class:`tcplab.fsm.Event` and calls
``TcpStateMachine.handle(event)``; the arc it gets back says where the connection goes,
which segment to send and what to do with the 2·MSL timer. What the table abstracts
lives in the receive path: acceptability, RFC 5961 challenge ACKs (in-window RST, SYN in
a synchronized state, ACK of unsent data), the RFC's ``<SEQ=SND.NXT><ACK=RCV.NXT>
<CTL=ACK>`` reply to an unacceptable segment, delayed ACK, data and half-close. One
transition is *not* TCP and so not in the table: :data:`TWO_WAY_ARC`, the *two-way
handshake variant* used by the "why not two?" experiment, where the server is
ESTABLISHED as soon as the SYN arrives.

Linux behaviour modelled where RFC 9293 leaves room (facts.md §1, §10, §13): a
retransmitted SYN arriving in SYN-RECEIVED gets the SYN-ACK again; the SYN schedule of
the preset (Linux ≥ 6.5 linear timeouts); TIME-WAIT of the preset (60 s Linux, 2·MSL
RFC); an RST in TIME-WAIT kills it (``tcp_rfc1337 = 0``). Not modelled: congestion
control, SACK, PAWS, urgent data, zero-window probing.
"""

from tcplab.endpoint.core import TWO_WAY_ARC, LogEntry, Outgoing
from tcplab.endpoint.endpoint import Endpoint
from tcplab.endpoint.endpoint import IssChooser as IssChooser

# The public classes present themselves under the package path (reprs, docs, pickles).
for _cls in (Endpoint, LogEntry, Outgoing):
    _cls.__module__ = __name__

# The parts are importable from their modules; the package's public surface stays small.
__all__ = [
    "TWO_WAY_ARC",
    "Endpoint",
    "LogEntry",
    "Outgoing",
]
