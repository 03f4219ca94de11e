"""A hypothesis state machine drives two endpoints over a lossy, duplicating, reordering wire.

Rules: the users' calls (send, close, abort), the wire's choices (deliver any of the first
few segments in flight — reordering — or lose it, or deliver it and keep a duplicate) and
time steps that fire timers. Only the public :class:`tcplab.endpoint.Endpoint` API is used.

Checked after every step: user calls raise only their documented ValueError/TypeError;
``receive`` and ``handle_timer`` never raise; SND.UNA ≤ SND.NXT (serial order); what each
side has received is a prefix of what the other side's user sent; the out-of-order and
retransmission queues stay bounded. At the end of each run the wire is made reliable, both
users close, and within a bounded number of events both endpoints must be CLOSED (or in
the one documented endless wait: FIN-WAIT-2 after a non-orphan close, peer gone) — and on
a connection that completed without RST, abort or error, the data delivered must equal
the data sent, both ways.

The whole run must reach at least 50,000 rule steps (checked at the end).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tcplab import seq
from tcplab.endpoint import Endpoint
from tcplab.fsm import Event, State
from tcplab.timers import LINUX, RFC

A_ADDR, B_ADDR = ("10.0.0.1", 40000), ("10.0.0.2", 80)
MAX_WIRE = 400  # segments in flight; a runaway producer fails the queue check
MAX_END_EVENTS = 20_000  # events the final drain may take before CLOSED is overdue
STEPS = {"count": 0}
MIN_STEPS = 50_000
MAX_EXAMPLES, STEP_COUNT = 700, 100
# Debugging aid: TCPLAB_STATEFUL_PRESETS=LINUX explores one preset only.
PRESETS = [
    {"LINUX": LINUX, "RFC": RFC}[p]
    for p in os.environ.get("TCPLAB_STATEFUL_PRESETS", "LINUX,RFC").split(",")
]


def _ooo(ep: Endpoint) -> dict:
    # Before and after the endpoint refactor the out-of-order queue lives in different places.
    reassembly = getattr(ep, "reassembly", None)
    if reassembly is not None:
        return reassembly.ooo
    return getattr(ep, "_ooo", {})


def _rtx(ep: Endpoint) -> list:
    recovery = getattr(ep, "recovery", None)
    if recovery is not None:
        return recovery.queue
    return getattr(ep, "_rtx", [])


class EndpointPair(RuleBasedStateMachine):
    """A (client, active open) and B (server, passive open) joined by a hostile wire."""

    @initialize(
        iss_a=st.integers(0, seq.MOD - 1),
        iss_b=st.integers(0, seq.MOD - 1),
        timers=st.sampled_from(PRESETS),
        mss=st.sampled_from([536, 1460]),
    )
    def start(self, iss_a, iss_b, timers, mss):
        self.now = 0.0
        self.eps = {
            "A": Endpoint(iss=iss_a, name="A", local=A_ADDR, remote=B_ADDR, timers=timers, mss=mss),
            "B": Endpoint(iss=iss_b, name="B", local=B_ADDR, remote=None, timers=timers, mss=mss),
        }
        self.sent = {"A": bytearray(), "B": bytearray()}
        self.wire: list[tuple[str, object]] = []
        self.rst_seen = False
        self.aborted = False
        self.closed_by_user = {"A": False, "B": False}
        self._emit("B", self.eps["B"].open(self.now, active=False))
        self._emit("A", self.eps["A"].open(self.now, active=True))

    # ------------------------------------------------------------------ plumbing
    def _emit(self, sender: str, segments) -> None:
        dst = "B" if sender == "A" else "A"
        for s in segments:
            self.rst_seen = self.rst_seen or s.is_rst
            self.wire.append((dst, s))

    def _user(self, side: str, call, *args) -> bool:
        """A user call: documented errors (ValueError, TypeError) are fine; others fail."""
        try:
            out = call(*args)
        except (ValueError, TypeError):
            return False
        self._emit(side, out)
        return True

    def _deliver(self, dst: str, segment) -> None:
        self._emit(dst, self.eps[dst].receive(segment, self.now))

    def _fire_timers(self) -> int:
        fired = 0
        for name, ep in self.eps.items():
            while (t := ep.next_timer()) is not None and t <= self.now + 1e-9:
                self._emit(name, ep.handle_timer(self.now))
                fired += 1
                assert fired < 1000, f"{name}: timers keep firing at t={self.now}"
        return fired

    def _advance_to_next_timer(self) -> bool:
        due = [t for ep in self.eps.values() if (t := ep.next_timer()) is not None]
        if not due:
            return False
        self.now = max(self.now, min(due))
        self._fire_timers()
        return True

    # ------------------------------------------------------------------ rules
    @rule(side=st.sampled_from("AB"), data=st.binary(min_size=1, max_size=3000))
    def send(self, side, data):
        STEPS["count"] += 1
        if self._user(side, self.eps[side].send, data, self.now):
            self.sent[side] += data

    @rule(side=st.sampled_from("AB"))
    def close(self, side):
        STEPS["count"] += 1
        if self._user(side, self.eps[side].close, self.now):
            self.closed_by_user[side] = True

    @precondition(lambda self: not self.aborted)
    @rule(side=st.sampled_from("AB"), chance=st.integers(0, 9))
    def abort(self, side, chance):
        STEPS["count"] += 1
        if chance == 0 and self._user(side, self.eps[side].abort, self.now):  # rare
            self.aborted = True

    @precondition(lambda self: bool(self.wire))
    @rule(
        pick=st.integers(0, 3),
        fate=st.sampled_from(["deliver"] * 6 + ["lose", "lose", "duplicate"]),
    )
    def wire_step(self, pick, fate):
        STEPS["count"] += 1
        dst, segment = self.wire.pop(min(pick, len(self.wire) - 1))  # pick > 0: reordering
        if fate == "lose":
            return
        if fate == "duplicate":
            self.wire.append((dst, segment))
        self._deliver(dst, segment)

    @rule(dt=st.sampled_from([0.001, 0.05, 0.2, 1.0, 3.0, 30.0, 61.0]))
    def tick(self, dt):
        STEPS["count"] += 1
        self.now += dt
        self._fire_timers()

    # ------------------------------------------------------------------ invariants
    @invariant()
    def sequence_variables_are_ordered(self):
        for name, ep in self.eps.items():
            assert seq.le(ep.snd_una, ep.snd_nxt), f"{name}: SND.UNA {ep.snd_una} > SND.NXT"

    @invariant()
    def delivered_data_is_a_prefix_of_what_was_sent(self):
        for name, peer in (("A", "B"), ("B", "A")):
            got = bytes(self.eps[name].received)
            assert bytes(self.sent[peer]).startswith(got), (
                f"{name} received {len(got)} bytes that are not a prefix of {peer}'s "
                f"{len(self.sent[peer])} sent bytes"
            )

    @invariant()
    def queues_are_bounded(self):
        assert len(self.wire) <= MAX_WIRE, f"{len(self.wire)} segments in flight"
        for name, ep in self.eps.items():
            # A held segment must still carry something RCV.NXT has not reached.
            behind = [s for s in _ooo(ep).values() if not seq.after(s.end, ep.rcv_nxt)]
            assert not behind, (
                f"{name}: out-of-order queue keeps {len(behind)} segment(s) behind RCV.NXT"
            )
            rtx = _rtx(ep)
            # Each queued segment holds at least one unacknowledged sequence number.
            assert len(rtx) <= ep.in_flight + 1, (
                f"{name}: retransmission queue holds {len(rtx)} segments, "
                f"{ep.in_flight} sequence numbers in flight"
            )
            if ep.state is State.CLOSED:
                assert not _ooo(ep) and not rtx, f"{name}: queues not emptied at CLOSED"

    # ------------------------------------------------------------------ the end
    def _waits_forever(self, name):
        """The one documented end other than CLOSED: FIN-WAIT-2 after a close() that did
        not orphan the socket, with the peer gone (it aborted, or already closed, without
        sending its FIN). RFC 9293 has no FIN-WAIT-2 timer, and Linux times out only
        orphaned sockets (tcp_fin_timeout), so such an endpoint waits for a FIN forever."""
        ep = self.eps[name]
        peer = self.eps["B" if name == "A" else "A"]
        return (
            ep.state is State.FIN_WAIT_2
            and not getattr(ep, "orphan", False)
            and peer.state is State.CLOSED
        )

    def teardown(self):
        if not hasattr(self, "eps"):
            return
        events = 0
        self._drain_reliably(events_budget=MAX_END_EVENTS // 2)
        for name, ep in self.eps.items():
            can_close = ep.state is not State.CLOSED and ep.fsm.can_handle(Event.CLOSE)
            if can_close and self._user(name, ep.close, self.now):
                self.closed_by_user[name] = True
        events += self._drain_reliably(events_budget=MAX_END_EVENTS // 2)
        states = {n: ep.state for n, ep in self.eps.items()}
        assert all(s is State.CLOSED or self._waits_forever(n) for n, s in states.items()), (
            f"not CLOSED after the final drain: {states} at t={self.now:.1f}"
        )
        completed = all(
            State.ESTABLISHED in {t.target for t in ep.history} for ep in self.eps.values()
        )
        clean = not (self.rst_seen or self.aborted) and all(
            ep.error is None for ep in self.eps.values()
        )
        if completed and clean:
            for name, peer in (("A", "B"), ("B", "A")):
                assert bytes(self.eps[name].received) == bytes(self.sent[peer]), (
                    f"{name} got {len(self.eps[name].received)} of {len(self.sent[peer])} bytes"
                )

    def _drain_reliably(self, events_budget: int) -> int:
        """Deliver everything in order and let timers run until nothing is left to do."""
        events = 0
        while True:
            if self.wire:
                dst, segment = self.wire.pop(0)
                self._deliver(dst, segment)
            elif not self._advance_to_next_timer():
                return events
            events += 1
            assert events <= events_budget, (
                f"still busy after {events} events: "
                f"{ {n: ep.state.name for n, ep in self.eps.items()} } t={self.now:.1f}"
            )


def test_endpoint_pairs_survive_a_hostile_wire():
    STEPS["count"] = 0
    run_state_machine_as_test(
        EndpointPair,
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEP_COUNT,
            deadline=None,
            derandomize=True,  # CI runs the same 50,000+ steps every time
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            print_blob=True,
        ),
    )
    print(f"stateful steps: {STEPS['count']}")
    assert STEPS["count"] >= MIN_STEPS, f"only {STEPS['count']} steps ran"
