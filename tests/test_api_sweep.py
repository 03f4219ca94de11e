"""Issue 13's sweep: every public callable, called with bad values, answers clearly.

The calls are generated from every module's ``__all__`` (and the public methods of the
classes in tests/api_sweep.py's INSTANCES), so a new function is covered the day it is
exported. One test per module; each fails on any raw exception (AttributeError, KeyError,
struct.error, TraitError, ...), any call still running after 2 s of CPU, any TypeError/
ValueError whose message does not show the bad value, any message over 300 characters,
and any call the sweep could not build (add a good value to GOOD/GOOD_FOR/SAMPLES).

Run ``python tests/api_sweep.py --show [MODULE ...]`` for the per-module table.
"""

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_sweep  # a helper next to this file, not a package module

pytestmark = pytest.mark.slow


def _failures(rows):
    return [r for r in rows if r["verdict"] in api_sweep.FAILING]


@pytest.mark.parametrize("module", api_sweep.public_modules())
def test_public_api_rejects_bad_values_clearly(module):
    rows = api_sweep.run_module(module)
    counts = Counter(r["verdict"] for r in rows)
    bad = _failures(rows)
    lines = [
        f"{r['verdict']:8} {r['target']}({r['param']}={r['label']}): {r['detail'][:160]}"
        for r in bad[:40]
    ]
    summary = ", ".join(f"{k} {counts[k]}" for k in ("clean", "accepted", *api_sweep.FAILING))
    assert not bad, f"{module}: {len(rows)} calls: {summary}\n" + "\n".join(lines)


def test_the_sweep_itself_catches_each_kind_of_failure():
    """The judge: a raw exception, an unnamed value, a long message, a hang are all caught."""
    import time

    def raw(x):
        return x.nope

    def unnamed(x):
        raise ValueError("bad input")

    def long(x):
        raise ValueError(f"{x!r} " + "x" * 400)

    def hang(x):
        while True:
            time.sleep(0)

    def clean(x):
        raise TypeError(f"x = {x!r}: expected an int")

    import inspect
    import signal

    signal.signal(signal.SIGALRM, api_sweep._alarm)
    signal.signal(signal.SIGPROF, api_sweep._alarm)
    try:
        for fn, want in ((raw, "raw"), (unnamed, "unnamed"), (long, "long"), (clean, "clean")):
            t = api_sweep.Target(fn.__name__, lambda fn=fn: fn, inspect.signature(fn))
            assert api_sweep.judge(t, "x", -1)["verdict"] == want
        t = api_sweep.Target("hang", lambda: hang, inspect.signature(hang))
        assert api_sweep.judge(t, "x", -1)["verdict"] == "hang"
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)


def test_every_public_module_is_swept():
    mods = api_sweep.public_modules()
    for name in ("tcplab.seq", "tcplab.endpoint", "tcplab.pcap", "tcplab.viz.ladder"):
        assert name in mods
    assert sum(len(api_sweep.calls(m)) for m in ("tcplab.seq", "tcplab.segment")) > 500
