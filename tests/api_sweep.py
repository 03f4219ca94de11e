"""Engine of the public-API sweep (issue 13): call everything public with bad values.

Every name in every tcplab module's ``__all__`` — functions, constructors, and the public
methods of each class — is called once per (parameter, bad value), with the other required
parameters filled from :data:`GOOD` (good values by parameter name). Each call is judged:

- ``clean``     a TypeError/ValueError whose message names the value, ≤ 300 characters
- ``accepted``  no exception (not a failure: None or 0 can be legitimate; counted only)
- ``raw``       any other exception (AttributeError, KeyError, struct.error, TraitError …)
- ``unnamed``   a TypeError/ValueError whose message does not contain the bad value
- ``long``      a message longer than 300 characters
- ``hang``      still running after :data:`TIMEOUT` seconds
- ``harness``   the sweep itself could not build the call (a missing entry in GOOD/INSTANCES)

Calls run in a worker subprocess per module (``python tests/api_sweep.py --worker MOD``)
with a memory cap and an alarm per call; the parent kills and restarts the worker if a
call is stuck in C code. ``python tests/api_sweep.py`` prints the per-module table.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import importlib
import inspect
import io
import json
import math
import os
import pkgutil
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2.0
"""Seconds of CPU time one call may take (and 5× that in wall-clock time: the machine is shared)."""
MAX_MESSAGE = 300
FAILING = ("raw", "unnamed", "long", "hang", "harness")


class Bogus(enum.Enum):
    """A member of the wrong enum, whose value looks like a real state/event name."""

    LISTEN = "LISTEN"


def bad_values() -> list[tuple[str, Any]]:
    """The battery: (label, value). Built fresh per call so nothing is shared or mutated."""
    import numpy as np

    return [
        ("None", None),
        ("-1", -1),
        ("2**32", 2**32),
        ("2**64", 2**64),
        ("1.5", 1.5),
        ("nan", math.nan),
        ("inf", math.inf),
        ("str", "not-a-value"),
        ("bytes", b"\x00junk"),
        ("[]", []),
        ("huge list", [0] * 10**6),
        ("wrong enum", Bogus.LISTEN),
        ("numpy int", np.int64(-3)),
        ("bool", True),
    ]


def names_value(message: str, value: Any) -> bool:
    """Does ``message`` show the bad value (allowing ~80-char truncation)?"""
    from tcplab._validate import short

    if isinstance(value, enum.Enum):
        return type(value).__name__ in message or repr(value) in message
    forms = {short(value), repr(value), str(value)}
    if isinstance(value, float):
        forms |= {f"{value:g}"}
    if type(value).__module__ == "numpy":
        forms |= {str(value.item())}
    if isinstance(value, list) and value:
        # Naming the offending element ("times[0] = 0: ...") identifies the value too.
        if re.search(r"\[\d+\][^=]{0,20}= ", message):
            return True
        forms = {"[0, 0, 0"}
    return any(f[:30].rstrip(".…") in message for f in forms if f)


# --- good values by parameter name -------------------------------------------------------


def _result() -> Any:
    from tcplab.sim.scenarios import run_scenario

    return run_scenario("handshake", seed=1)


def _endpoint() -> Any:
    from tcplab.endpoint import Endpoint

    return Endpoint(iss=100)


def _segment() -> Any:
    from tcplab.segment import Flags, Segment

    return Segment(seq=1, flags=Flags.SYN)


def _fsm() -> Any:
    from tcplab.fsm import TcpStateMachine

    return TcpStateMachine()


def _keys() -> Any:
    from tcplab.syncookie import SynCookieKeys

    return SynCookieKeys(b"a" * 16, b"b" * 16)


def _opts() -> Any:
    from tcplab.syncookie import CookieOptions

    return CookieOptions()


def _state() -> Any:
    from tcplab.fsm import State

    return State.ESTABLISHED


def _event() -> Any:
    from tcplab.fsm import Event

    return Event.CLOSE


def _arc() -> Any:
    from tcplab.fsm import ARCS

    return ARCS[0]


def _listener() -> Any:
    from tcplab.listener import Listener

    return Listener()


def _flood_config() -> Any:
    from tcplab.flood import FloodConfig

    return FloodConfig(duration=2.0)


def _four_tuple() -> Any:
    from tcplab.isn import FourTuple

    return FourTuple("10.0.0.1", 1000, "10.0.0.2", 80)


def _net() -> Any:
    from tcplab.sim.network import Network

    return Network()


def _timer_preset() -> Any:
    from tcplab.timers import preset

    return preset("linux")


def _spec_cls() -> Any:
    from tcplab.check import Spec

    return Spec


def _sweep_frame() -> Any:
    import pandas as pd

    return pd.DataFrame({"attack_rate": [0.0], "defences": ["none"], "success": [1.0]})


def _syn_rules() -> Any:
    from tcplab.listener import SynRules

    return SynRules(8)


def _syn_verdict() -> Any:
    from tcplab.listener import SynVerdict

    return SynVerdict.COOKIE


def _live_counts() -> Any:
    keys = ("ESTABLISHED", "SYN_SENT", "accept_queue", "ListenOverflows", "ListenDrops")
    return dict.fromkeys(keys, 1)


def _script() -> Any:
    from tcplab.script import load

    return load("handshake_passive.pkt")


def _model_target() -> Any:
    from tcplab.script.model import ModelTarget

    return ModelTarget()


def _flood_sweep_frame() -> Any:
    import pandas as pd

    return pd.DataFrame({"attack_rate": [0.0], "defences": ["none"], "served_fast_share": [1.0]})


def _check_spec() -> Any:
    from tcplab import check

    check.labels()  # loads the registry
    return check._core.get_spec("1_ex_1")


GOOD: dict[str, Callable[[], Any]] = {
    # timers (wt/core): linux_model_timeout, from_sysctl_values
    "boundary": lambda: 6,
    "rto_base": lambda: 1.0,
    "values": lambda: {"tcp_syn_retries": "6"},
    # seq / numbers
    "value": lambda: 1,
    "s": lambda: 1,
    "n": lambda: 1,
    "a": lambda: 1,
    "b": lambda: 2,
    "s1": lambda: 1,
    "s2": lambda: 2,
    "s3": lambda: 3,
    "snd_una": lambda: 1,
    "seg_ack": lambda: 2,
    "snd_nxt": lambda: 3,
    "seg_seq": lambda: 1,
    "seg_len": lambda: 1,
    "rcv_nxt": lambda: 1,
    "rcv_wnd": lambda: 1000,
    "bits_per_second": lambda: 1e9,
    "seq": lambda: 1,
    "iss": lambda: 100,
    "generator": lambda: "linux",  # tcplab.isn: a name from GENERATORS
    "lo": lambda: 32768,
    "hi": lambda: 60999,
    "time_wait": lambda: 60.0,
    "rate": lambda: 10.0,
    "text": lambda: "32768 60999",
    "port_range": lambda: (32768, 60999),
    "tick": lambda: 4e-6,
    "retries": lambda: 5,
    "backlog": lambda: 8,
    "clients": lambda: 4,
    "lifetime": lambda: 30.0,
    "seconds": lambda: 10.0,
    "tsecr": lambda: 12345,
    "ts_now": lambda: 12345,
    "now": lambda: 10.0,
    "mss": lambda: 1460,
    "saddr": lambda: "10.0.0.1",
    "daddr": lambda: "10.0.0.2",
    "sport": lambda: 1000,
    "dport": lambda: 80,
    "sseq": lambda: 1,
    "ack_seq": lambda: 2,
    "count": lambda: 1,
    "c": lambda: 0,
    "keys": _keys,
    "key0": lambda: b"a" * 16,
    "key1": lambda: b"b" * 16,
    "opts": _opts,
    "key": lambda: b"k" * 16,
    "message": lambda: b"hello",
    "spec": lambda: "SYN,ACK",
    # state machine
    "state": _state,
    "event": _event,
    "source": _state,
    "target": _state,
    "arc": _arc,
    "send": lambda: None,
    "timer": lambda: None,
    # objects
    "result": _result,
    "seg": _segment,
    "segment": _segment,
    "o": lambda: None,
    "path": lambda: "sweep.pcap",
    "listener": _listener,
    "config": _flood_config,
    "rates": lambda: [0.0, 100.0],
    "net": _net,
    "name": lambda: "linux",
    "addr": lambda: "10.0.0.9",
    "local": lambda: ("127.0.0.1", 8080),
    "sock": lambda: None,
    "four_tuple": _four_tuple,
    "p": _timer_preset,
    "kind": lambda: "syn",
    "phase": lambda: "handshake",
    "samples": lambda: [],
    "df": _sweep_frame,
    "pairs": lambda: [(1, 2)],
    "trace": lambda: _result().trace,
    "parser": lambda: argparse.ArgumentParser(),
    "args": lambda: argparse.Namespace(),
    "fn": lambda: lambda: None,
    "cls": _spec_cls,
    "label": lambda: "m1.q1",
    "answer": lambda: None,
    "student_id": lambda: "s1",
    "got": lambda: 1.0,
    "want": lambda: 1.0,
    "what": lambda: "x",
    "keys_": lambda: ("a",),
    "ideas": lambda: [],
    "words": lambda: ("a",),
    "missing": lambda: "a",
    "status": lambda: "pass",
    "ok": lambda: True,
    "detail": lambda: "",
    "action": lambda: "drop",
    "data": lambda: b"hello",
    "defences": lambda: ("none",),
    "names": lambda: ("none",),
    "t": lambda: 1.0,
    "at": lambda: 1.0,
    "times": lambda: [0.0, 0.05, 30.0],
    "delay": lambda: 0.05,
    "g": lambda: 1.0,
    # listener / flood (wt/flood)
    "peer": lambda: ("198.51.100.7", 40000),
    "rules": _syn_rules,
    "qlen": lambda: 0,
    "ack_backlog": lambda: 0,
    "max_ack_backlog": lambda: 8,
    "young": lambda: 0,
    "observed": _live_counts,
    "predicted": _live_counts,
    "queued": lambda: 0,
    "rest": _syn_verdict,
    "n_rest": lambda: 0,
    "flood_action": lambda: 0,
    "established": lambda: 0.0,
    "via_cookie": lambda: False,
    "client_isn": lambda: 1,
    "created": lambda: 0.0,
    "expires": lambda: 1.0,
    "time": lambda: 1.0,
    "acked": lambda: False,
    "state_before": _state,
    "state_after": _state,
    # packetdrill-style scripts (tcplab.script)
    "script": _script,
}
"""Good values by parameter name, for required parameters other than the one under test."""

GOOD_FOR: dict[str, dict[str, Callable[[], Any]]] = {
    "tcplab.check.fields": {"keys": lambda: ("a",), "answer": lambda: {"a": 1}},
    "tcplab.check.seq_diagnosis": {"name": lambda: "x"},
    "tcplab.check.rubric": {"text": lambda: "some words"},
    "tcplab.check.Idea": {"name": lambda: "x"},
    "tcplab.check.Choice": {"text": lambda: "an option"},
    "tcplab.check.Result": {"label": lambda: "m1.q1"},
    # a real, registered label: "m1.q1" only names a Result, it is no exercise
    "tcplab.check.check": {"label": lambda: "1_ex_1"},
    "tcplab.check.exercise": {"label": lambda: "1_ex_1"},
    "tcplab.check.Exercise": {"spec": _check_spec},
    "tcplab.doctor.Check": {"name": lambda: "x"},
    "tcplab.sim.network.Host": {"name": lambda: "h"},
    # wt/core: the public seams of the simulator (record_event, mark_state, PassiveOpen)
    "tcplab.sim.network.Network.record_event": {"host": lambda: "A", "kind": lambda: "note"},
    "tcplab.sim.network.Network.mark_state": {"ep": _endpoint},
    "tcplab.sim.network.PassiveOpen": {"kwargs": lambda: {}},
    "tcplab.sim.scenarios.get_scenario": {"name": lambda: "handshake"},
    "tcplab.sim.scenarios.run_scenario": {"name": lambda: "handshake"},
    "tcplab.isn.make_generator": {"name": lambda: "linux"},
    "tcplab.live.netns.namespaces": {"*roles": lambda: ("A",)},
    "tcplab.explore.open": {"name": lambda: "handshake"},
    "tcplab.explore.jupyter.dot_svg": {"dot": lambda: "digraph { a -> b }"},
    "tcplab.explore.jupyter.explorer_widget": {"name": lambda: "timewait"},
    "tcplab.explore.open_json": {"name": lambda: "handshake"},
    "tcplab.viz.retries.simulated_send_times": {"kind": lambda: "SYN"},
    "tcplab.viz.queue_plots.plot_listen_queue": {
        "samples": lambda: [{"t": 0.0, "syn_queue": 0, "accept_queue": 0}]
    },
    "tcplab.viz.queue_plots.plot_success_vs_attack": {"df": _flood_sweep_frame},
    "tcplab.endpoint.core.LogEntry": {"kind": lambda: "user"},
    "tcplab.listener.TimerEvent": {"action": lambda: "retransmit"},
    "tcplab.timers.preset": {"name": lambda: "linux"},
    "tcplab.timers.TimerPreset": {"name": lambda: "custom"},
    "tcplab.ports.parse_port_range": {"text": lambda: "32768 60999"},
    "tcplab.segment.FourTuple": {
        "src_addr": lambda: "10.0.0.1",
        "src_port": lambda: 1000,
        "dst_addr": lambda: "10.0.0.2",
        "dst_port": lambda: 80,
    },
    "tcplab.script.api.run_script": {"source": _script},
    "tcplab.script.api.run_both": {"source": _script},
    "tcplab.script.runner.run": {"target": _model_target},
    "tcplab.script.parser.parse": {"text": lambda: _script().text},
    "tcplab.script.result.RunResult": {"target": lambda: "model", "script": lambda: "x"},
    "tcplab.isn.FourTuple": {
        "local_ip": lambda: "10.0.0.1",
        "local_port": lambda: 1000,
        "remote_ip": lambda: "10.0.0.2",
        "remote_port": lambda: 80,
    },
}
"""Overrides of :data:`GOOD` for one callable (keyed by its public dotted name)."""


def _samples() -> dict[str, Callable[[], Any]]:
    from tcplab import defences, endpoint, flood, syncookie, timers
    from tcplab.fsm import Event, State
    from tcplab.live import stack, walkthrough
    from tcplab.sim import montecarlo, network, scenarios
    from tcplab.viz import ladder

    return {
        "tcplab.defences.Policy": lambda: defences.policy_for("none"),
        "tcplab.endpoint.LogEntry": lambda: endpoint.LogEntry(
            0.0, "user", "OPEN", State.CLOSED, State.SYN_SENT
        ),
        "tcplab.endpoint.core.LogEntry": lambda: endpoint.LogEntry(
            0.0, "user", "OPEN", State.CLOSED, State.SYN_SENT
        ),
        "tcplab.flood.FloodResult": lambda: flood.simulate_flood(_flood_config()),
        "tcplab.live.stack.ProcTcpEntry": lambda: stack.ProcTcpEntry(
            ("127.0.0.1", 8080), ("0.0.0.0", 0), 10, 0, 0
        ),
        "tcplab.live.walkthrough.WalkStep": lambda: walkthrough.WalkStep(
            "connect",
            (Event.ACTIVE_OPEN,),
            (),
            State.SYN_SENT,
            State.SYN_SENT,
            State.LISTEN,
            State.LISTEN,
        ),
        "tcplab.sim.montecarlo.SweepResult": lambda: montecarlo.timewait_sweep(trials=100),
        "tcplab.sim.network.Packet": lambda: network.Packet(
            _segment(), "A", "B", 1, "", State.SYN_SENT
        ),
        "tcplab.sim.network.SimResult": _result,
        "tcplab.sim.result.SimResult": _result,  # SimResult's home since wt/core b5eb72d
        "tcplab.sim.scenarios.Scenario": lambda: scenarios.get_scenario("handshake"),
        "tcplab.syncookie.CheckResult": lambda: syncookie.check_cookie(
            _keys(), "10.0.0.1", "10.0.0.2", 1000, 80, 1, 2, 0.0
        ),
        "tcplab.timers.KeepaliveTimeline": lambda: timers.keepalive_timeline(),
        "tcplab.timers.RetransmissionTimeline": lambda: timers.retransmission_timeline(3),
        "tcplab.viz.ladder.LadderRow": lambda: ladder.ladder_rows(_result())[0],
        **_script_samples(),
    }


def _script_samples() -> dict[str, Callable[[], Any]]:
    """Records of tcplab.script: taken from a real parse and a real model run."""

    def line(kind: str) -> Any:
        return next(ln for ln in _script().lines if ln.kind == kind)

    def run() -> Any:
        from tcplab.script import run_script

        return run_script(_script(), "model")

    return {
        "tcplab.script.parser.Script": _script,
        "tcplab.script.parser.Line": lambda: line("in"),
        "tcplab.script.parser.PacketSpec": lambda: line("in").packet,
        "tcplab.script.parser.SyscallSpec": lambda: line("syscall").syscall,
        "tcplab.script.result.LineResult": lambda: run().lines[0],
        "tcplab.script.result.Packet": lambda: run().packets[0],
        "tcplab.script.runner.SyscallOutcome": lambda: _runner_outcome(),
    }


def _runner_outcome() -> Any:
    from tcplab.script.runner import SyscallOutcome

    return SyscallOutcome(3)


SAMPLES: dict[str, Callable[[], Any]] = {}
"""Record types: a real instance whose field values fill the other required fields."""

INSTANCES: dict[str, Callable[[], Any]] = {
    "tcplab.endpoint.Endpoint": _endpoint,
    "tcplab.fsm.TcpStateMachine": _fsm,
    "tcplab.listener.Listener": _listener,
    "tcplab.segment.Segment": _segment,
    "tcplab.sim.network.Network": _net,
    "tcplab.timers.TimerPreset": _timer_preset,
}
"""How to build a working instance of a class whose methods the sweep calls."""


# --- enumerating the calls ---------------------------------------------------------------


def public_modules() -> list[str]:
    """Every importable tcplab module without a leading underscore in its path."""
    import tcplab

    names = ["tcplab"]
    for info in pkgutil.walk_packages(tcplab.__path__, "tcplab."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


@dataclass(frozen=True)
class Target:
    """One public callable: ``owner`` names the class whose instance a method needs."""

    qualname: str
    get: Callable[[], Callable[..., Any]]
    signature: inspect.Signature
    owner: str | None = None


def _judged_params(sig: inspect.Signature) -> list[inspect.Parameter]:
    kinds = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.VAR_KEYWORD,
    )
    return [p for p in sig.parameters.values() if p.kind in kinds and p.name != "self"]


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _methods(cls: type, qual: str) -> Iterator[Target]:
    if qual not in INSTANCES:
        return
    for name, attr in sorted(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(attr):
            continue
        sig = _signature(attr)
        if sig is None or not _judged_params(sig):
            continue

        def get(name: str = name, qual: str = qual) -> Callable[..., Any]:
            return getattr(INSTANCES[qual](), name)

        yield Target(f"{qual}.{name}", get, sig, owner=qual)


def targets(module_name: str) -> list[Target]:
    """The callables of ``module_name``'s ``__all__`` (and their classes' public methods)."""
    mod = importlib.import_module(module_name)
    found: list[Target] = []
    for name in sorted(getattr(mod, "__all__", ())):
        obj = getattr(mod, name)
        if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
            continue
        if getattr(obj, "_is_protocol", False):
            continue  # a typing.Protocol describes an interface; it cannot be called
        if getattr(obj, "__module__", module_name) != module_name and module_name != "tcplab":
            continue  # re-exported: swept in the module that defines it
        qual = f"{module_name}.{name}"
        if inspect.isclass(obj) and issubclass(obj, enum.Enum):
            sig = inspect.Signature([inspect.Parameter("value", inspect.Parameter.POSITIONAL_ONLY)])
        else:
            sig = _signature(obj)
        if sig is None or not _judged_params(sig):
            continue
        found.append(Target(qual, lambda obj=obj: obj, sig))
        if inspect.isclass(obj):
            found.extend(_methods(obj, qual))
    return found


def calls(module_name: str) -> list[tuple[Target, str, str, Any]]:
    """Every (target, parameter, label, bad value) for one module, in a fixed order."""
    out = []
    for t in targets(module_name):
        for p in _judged_params(t.signature):
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                out.append((t, "**" + p.name, "unknown keyword", "bogus_kw"))
                continue
            for label, value in bad_values():
                # A parameter's own default (None for an optional config) is a good input
                # by definition: calling with it runs the full default computation, which
                # says nothing about bad-input handling.
                if p.default is not inspect.Parameter.empty and value is p.default:
                    continue
                out.append((t, p.name, label, value))
    return out


def _good(qual: str, name: str) -> Any:
    if not SAMPLES:
        SAMPLES.update(_samples())
    if qual in SAMPLES:
        return getattr(SAMPLES[qual](), name)
    table = GOOD_FOR.get(qual, {})
    if name in table:
        return table[name]()
    if qual.rsplit(".", 1)[0] in GOOD_FOR and name in GOOD_FOR[qual.rsplit(".", 1)[0]]:
        return GOOD_FOR[qual.rsplit(".", 1)[0]][name]()
    return GOOD[name]()


def build(
    t: Target, param: str, value: Any
) -> tuple[Callable[..., Any], list[Any], dict[str, Any]]:
    """The callable and arguments for one judged call (KeyError = harness gap)."""
    fn = t.get()
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    star = _star_args(t)
    for p in _judged_params(t.signature):
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            if param == "**" + p.name:
                kwargs["bogus_kw"] = 1
            continue
        # With good *args, the parameters before them must be passed by position too.
        by_position = p.kind is inspect.Parameter.POSITIONAL_ONLY or (
            star is not None and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        if p.name == param:
            arg = value
        elif p.default is inspect.Parameter.empty:
            arg = _good(t.qualname, p.name)
        elif by_position:
            arg = p.default
        else:
            continue
        if by_position:
            args.append(arg)
        else:
            kwargs[p.name] = arg
    return fn, [*args, *(star or ())], kwargs


def _star_args(t: Target) -> tuple[Any, ...] | None:
    """Good values for ``*name`` from GOOD_FOR[qualname]["*name"], where one is given."""
    for p in t.signature.parameters.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            good = GOOD_FOR.get(t.qualname, {}).get("*" + p.name)
            return None if good is None else tuple(good())
    return None


# --- the worker --------------------------------------------------------------------------


class _Hang(BaseException):
    """Raised by the alarm; a BaseException so the code under test cannot swallow it."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def judge(t: Target, param: str, value: Any) -> dict[str, Any]:
    """Run one call and classify it."""
    try:
        fn, args, kwargs = build(t, param, value)
    except Exception as exc:
        return {"verdict": "harness", "detail": f"cannot build call: {type(exc).__name__}: {exc}"}
    signal.setitimer(signal.ITIMER_PROF, TIMEOUT)
    signal.setitimer(signal.ITIMER_REAL, 5 * TIMEOUT)
    try:
        fn(*args, **kwargs)
    except _Hang:
        return {"verdict": "hang", "detail": f"still running after {TIMEOUT} s"}
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        shown = value if not param.startswith("**") else "bogus_kw"
        if "missing" in msg and "required" in msg:
            return {"verdict": "harness", "detail": msg[:200]}
        if len(msg) > MAX_MESSAGE:
            return {"verdict": "long", "detail": f"{len(msg)} chars: {msg[:120]}…"}
        if not names_value(msg, shown):
            return {"verdict": "unnamed", "detail": f"{type(exc).__name__}: {msg[:200]}"}
        return {"verdict": "clean", "detail": msg[:200]}
    except Exception as exc:
        return {
            "verdict": "raw",
            "detail": f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:160]}",
        }
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        with contextlib.suppress(Exception):
            import matplotlib.pyplot as plt

            plt.close("all")
    return {"verdict": "accepted", "detail": ""}


def worker(module_name: str, start: int, out: io.TextIOBase) -> None:
    """Judge the calls of one module from index ``start``, one JSON line per call."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGPROF, _alarm)
    todo = calls(module_name)
    for i in range(start, len(todo)):
        t, param, label, value = todo[i]
        out.write(json.dumps({"start": i}) + "\n")
        out.flush()
        row = judge(t, param, value)
        row.update(i=i, target=t.qualname, param=param, label=label)
        out.write(json.dumps(row) + "\n")
        out.flush()
    out.write(json.dumps({"done": len(todo)}) + "\n")
    out.flush()


def _worker_main(module_name: str, start: int) -> None:
    proto = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the code under test may print, read, or even close fd 1
        os.dup2(devnull, fd)
    cap = 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    worker(module_name, start, proto)


# --- the parent --------------------------------------------------------------------------


def run_module(module_name: str, *, budget: float = 600.0) -> list[dict[str, Any]]:
    """All verdicts for one module; restarts the worker after a call it had to kill."""
    rows: list[dict[str, Any]] = []
    start, deadline = 0, time.monotonic() + budget
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="tcplab-sweep-") as tmp:
        while True:
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                module_name,
                str(start),
            ]
            proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, text=True)
            current, finished, stuck = None, False, False
            assert proc.stdout is not None
            while True:
                # Starting up (imports) can be slow on a loaded machine; one call gets its
                # alarm after TIMEOUT s, so a silence much longer than that is C code stuck.
                wait = 180.0 if current is None else 10 * TIMEOUT + 30
                ready, _, _ = select.select([proc.stdout], [], [], wait)
                if not ready:
                    stuck = True
                    break
                line = proc.stdout.readline()
                if not line:
                    break
                msg = json.loads(line)
                if "start" in msg:
                    current = msg["start"]
                elif "done" in msg:
                    finished = True
                    break
                else:
                    rows.append(msg)
                    current = None
                if time.monotonic() > deadline:
                    break
            proc.kill()
            proc.wait()
            if finished or time.monotonic() > deadline:
                return rows
            if current is None:  # died before or between calls: import error etc.
                rows.append(
                    {
                        "verdict": "harness",
                        "target": module_name,
                        "param": "",
                        "label": "",
                        "detail": f"worker exited {proc.returncode}",
                    }
                )
                return rows
            rows.append(
                _killed_row(module_name, current, "hang" if stuck else "raw", proc.returncode)
            )
            start = current + 1


def _killed_row(module_name: str, i: int, verdict: str, rc: int | None) -> dict[str, Any]:
    t, param, label, _ = calls(module_name)[i]
    why = "stuck (killed)" if verdict == "hang" else f"crashed the interpreter (exit {rc})"
    return {
        "verdict": verdict,
        "i": i,
        "target": t.qualname,
        "param": param,
        "label": label,
        "detail": why,
    }


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    """The per-module summary as a fixed-width text table."""
    cols = ("clean", "accepted", *FAILING)
    lines = [f"{'module':32} {'calls':>6} " + " ".join(f"{c:>8}" for c in cols)]
    total: Counter[str] = Counter()
    for mod, rows in results.items():
        c = Counter(r["verdict"] for r in rows)
        total.update(c)
        lines.append(f"{mod:32} {len(rows):6} " + " ".join(f"{c[k]:8}" for k in cols))
    lines.append(f"{'TOTAL':32} {sum(total.values()):6} " + " ".join(f"{total[k]:8}" for k in cols))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=2, metavar=("MODULE", "START"))
    ap.add_argument("--json", type=Path, help="also write every verdict to this file")
    ap.add_argument("--show", action="store_true", help="list every failing call")
    ap.add_argument("modules", nargs="*")
    ns = ap.parse_args()
    if ns.worker:
        _worker_main(ns.worker[0], int(ns.worker[1]))
        return
    results = {m: run_module(m) for m in (ns.modules or public_modules())}
    print(table(results))
    if ns.show:
        for rows in results.values():
            for r in rows:
                if r["verdict"] in FAILING:
                    print(
                        f"{r['verdict']:8} {r['target']}({r['param']}={r['label']}): {r['detail']}"
                    )
    if ns.json:
        ns.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
