"""A straightforward simpy model of the same listener, one process/event per SYN.

Used only by ``bench/bench_flood.py`` (speed reference) and, when simpy is installed, by
``tests/test_flood.py`` (agreement check). Same rules as :mod:`tcplab.flood` for the
``queue`` structure with ``tcp_syncookies`` 0 (``none``), 1 (``hybrid``) or 2
(``syn_cookies``): SYN-queue ``>`` test, accept queue B+1, Linux SYN-ACK timers with
pruning, client SYN retries, re-ACK on retransmitted SYN-ACKs, token-free accept process
(one accept every 1/accept_rate s while the queue is non-empty).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import simpy

from tcplab.flood import FloodConfig
from tcplab.listener import clamp_backlog, request_timeouts


def simulate_flood_simpy(cfg: FloodConfig, syncookies: int = 0) -> dict[str, Any]:
    env = simpy.Environment()
    rng = np.random.default_rng(cfg.seed + 1)
    mab = clamp_backlog(cfg.backlog, cfg.somaxconn)
    cap, acc_cap = mab + 1, mab + 1
    msb = cfg.max_syn_backlog
    cap_unproven = min(cap, msb - (msb >> 2) + 1) if syncookies == 0 else cap
    reqs: dict[Any, list[Any]] = {}  # id -> [num_timeout, legit client or -1]
    st = {"young": 0, "cookies": 0, "syns": 0}
    accq: list[int] = []
    n_cli = int(rng.poisson(cfg.legit_rate * cfg.duration))
    arrival = np.sort(rng.uniform(0, cfg.duration, n_cli)).tolist()
    rtt = (cfg.rtt_median * np.exp(cfg.rtt_sigma * rng.standard_normal(n_cli))).tolist()
    cstate = [0] * n_cli
    outcome = [""] * n_cli

    def max_retries() -> int:
        r, qlen = cfg.synack_retries, len(reqs)
        if (qlen << 1) > max(8, mab):
            y = st["young"] << 1
            while r > 2:
                if qlen < y:
                    break
                r -= 1
                y <<= 1
        return r

    # the schedules come from tcplab.timers (through the same helpers the flood model uses);
    # the admission rule below is written out independently: this is the cross-check
    waits = request_timeouts(cfg.synack_retries, cfg.timeout_init, cfg.rto_max)
    syn_tl = cfg.client_syn_timeline()

    def timer(key: Any, client: int) -> Any:
        k = 0
        while True:
            yield env.timeout(waits[k])
            if key not in reqs:
                return
            if k >= max_retries():
                del reqs[key]
                if k == 0:
                    st["young"] -= 1
                if client >= 0 and cstate[client] == 1:
                    cstate[client], outcome[client] = 3, "expired"
                return
            if k == 0:
                st["young"] -= 1
            k += 1
            reqs[key][0] = k
            if client >= 0:
                env.process(later(rtt[client] / 2, synack, client, False))

    def syn(key: Any, client: int) -> None:
        st["syns"] += 1
        if key in reqs:
            if client >= 0:
                env.process(later(rtt[client] / 2, synack, client, False))
            return
        cookie = syncookies == 2
        if not cookie and len(reqs) >= cap:
            if not syncookies:
                return
            cookie = True
        if len(accq) >= acc_cap:
            return
        if not cookie and syncookies == 0 and len(reqs) >= cap_unproven:
            return
        if cookie:
            st["cookies"] += 1
            if client >= 0:
                env.process(later(rtt[client] / 2, synack, client, True))
            return
        reqs[key] = [0, client]
        st["young"] += 1
        env.process(timer(key, client))
        if client >= 0:
            env.process(later(rtt[client] / 2, synack, client, False))

    def synack(c: int, cookie: bool) -> None:
        if cstate[c] == 0:
            cstate[c] = 1
        if cstate[c] == 1:
            env.process(later(rtt[c] / 2, ack, c, cookie))

    def ack(c: int, cookie: bool) -> None:
        if cstate[c] != 1:
            return
        key = ("c", c)
        if cookie:
            if len(accq) < acc_cap:
                cstate[c] = 2
                accq.append(c)
            return
        r = reqs.get(key)
        if r is None:
            cstate[c], outcome[c] = 3, "reset"
            return
        if len(accq) >= acc_cap:
            return  # tcp_abort_on_overflow=0: wait for the next SYN-ACK
        del reqs[key]
        if r[0] == 0:
            st["young"] -= 1
        cstate[c] = 2
        accq.append(c)

    def later(delay: float, fn: Any, *args: Any) -> Any:
        yield env.timeout(delay)
        fn(*args)

    def attacker() -> Any:
        i = 0
        rate = cfg.attack_rate
        if rate <= 0:
            return
        while True:
            yield env.timeout(rng.exponential(1 / rate))
            if env.now >= cfg.duration:
                return
            i += 1
            syn(i, -1)

    def client(c: int) -> Any:
        yield env.timeout(arrival[c])
        for nxt in (*syn_tl.send_times[1:], syn_tl.give_up):
            if cstate[c] != 0:
                return
            env.process(later(rtt[c] / 2, syn, ("c", c), c))
            yield env.timeout(nxt + arrival[c] - env.now)
        if cstate[c] == 0:
            cstate[c], outcome[c] = 3, "gave_up"

    def app() -> Any:
        while True:
            yield env.timeout(1 / cfg.accept_rate)
            if accq:
                c = accq.pop(0)
                cstate[c], outcome[c] = 3, "served"

    env.process(attacker())
    for c in range(n_cli):
        env.process(client(c))
    env.process(app())
    env.run(until=cfg.duration + syn_tl.give_up + 5)
    served = outcome.count("served")
    return {
        "clients": n_cli,
        "served": served,
        "served_share": served / n_cli if n_cli else math.nan,
        "cookies_sent": st["cookies"],
        "syns": st["syns"],
    }
