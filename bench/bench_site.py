"""Site build time: from clean, and a rebuild with nothing changed.

Builds into a temporary directory (its own doctrees and jupyter-cache), so the
measurement neither uses nor disturbs ``docs/_build``. "From clean" includes staging the
vendored browser scripts again (``npm pack`` from npm's local cache) and executing every
notebook; the cached rebuild is the same ``sphinx-build`` run a second time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _build(out: Path) -> float:
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ))
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"site build failed:\n{proc.stderr[-4000:]}")
    return elapsed


def run() -> dict[str, dict[str, object]]:
    sys.path.insert(0, str(DOCS / "vendor"))
    try:
        import stage
    finally:
        sys.path.pop(0)
    with tempfile.TemporaryDirectory(prefix="tcplab-site-bench-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        stage.stage(force=True, quiet=True)
        clean = time.perf_counter() - t0 + _build(out)
        cached = _build(out)
    n = sum(1 for d in ("notebooks", "exercises", "solutions") for _ in (ROOT / d).glob("*.ipynb"))
    return {
        "site_clean_s": {
            "value": round(clean, 2),
            "unit": "s",
            "goal": f"<= 180 s from clean ({n} notebooks executed)",
        },
        "site_cached_s": {
            "value": round(cached, 2),
            "unit": "s",
            "goal": "<= 30 s, rebuild with no change",
        },
    }
