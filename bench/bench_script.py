"""Packet scripts: the time one corpus script takes on each target.

- ``script_model_ms`` — median over the corpus of the wall-clock ms one script takes on
  the model (best of 3 runs each). Simulated time costs nothing.
- ``script_kernel_ms`` — median over the corpus of the wall-clock ms one script takes on
  the real kernel, each in a fresh private network namespace (one run each). It includes
  the script's own waiting (a 1 s retransmission takes 1 s) and the namespace start-up.
- ``script_kernel_overhead_ms`` — the same minus the script's own duration (its last
  line's time): what a kernel run costs beyond the waiting.
- ``script_corpus_size`` — the number of scripts in the corpus.
"""

from __future__ import annotations

import statistics
from typing import Any


def run() -> dict[str, dict[str, Any]]:
    from tcplab.script import corpus, kernel_available, load, run_script

    files = corpus()
    model_ms = []
    for f in files:
        script = load(f)
        model_ms.append(min(run_script(script, "model").elapsed for _ in range(3)) * 1000)
    out: dict[str, dict[str, Any]] = {
        "script_corpus_size": {"value": len(files), "unit": "scripts", "goal": "≥ 40"},
        "script_model_ms": {
            "value": round(statistics.median(model_ms), 2),
            "unit": "ms",
            "goal": "median per script; well under a second (instant in the editor)",
        },
    }
    why = kernel_available()
    if why:
        print(f"bench_script: kernel target skipped: {why}")
        return out
    kernel_ms, overhead_ms = [], []
    for f in files:
        r = run_script(load(f), "kernel")
        kernel_ms.append(r.elapsed * 1000)
        end = max((x.time for x in r.lines if x.time is not None), default=0.0)
        overhead_ms.append((r.elapsed - end) * 1000)
    out["script_kernel_ms"] = {
        "value": round(statistics.median(kernel_ms), 1),
        "unit": "ms",
        "goal": "median per script, incl. the script's own waiting; a few seconds at most",
    }
    out["script_kernel_overhead_ms"] = {
        "value": round(statistics.median(overhead_ms), 1),
        "unit": "ms",
        "goal": "median namespace + process start-up per script; < 1000 ms",
    }
    return out
