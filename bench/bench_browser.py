"""Click → visible change for every explorer, in JupyterLab on real Chromium.

For each explorer kind, the first notebook that shows it is opened in the course's
JupyterLab (started like ``make lab``, see bench/_jupyterlab.py) and run; then ≥ 10 user
actions (button clicks, dropdown picks, slider key presses) are timed in the page, from
the input event to the frame painted after the explorer's view changed. The median is
reported as ``browser_click_ms_<explorer>``. Without Chromium or Playwright the module
reports nothing and says why on stderr.
"""

from __future__ import annotations

import statistics
import sys

from bench import _jupyterlab as jl

CLICKS = 12
GOAL = "≤ 100 ms (median, click → painted change in JupyterLab/Chromium)"


def _measure(lab: jl.Lab, ctx, path: str, seen: set[str]) -> dict[str, dict[str, object]]:
    page = ctx.new_page()
    out: dict[str, dict[str, object]] = {}
    try:
        nb = jl.Notebook(page, lab, path)
        nb.open()
        nb.run_all()
        roots = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .tcplab-explorer")
        for k in range(roots.count()):
            root = roots.nth(k)
            kind = jl.explorer_kind(root)
            if kind in seen:
                continue
            seen.add(kind)
            root.scroll_into_view_if_needed()
            jl.click_ms(page, root, 0)  # warm-up: first-use costs are not the steady feel
            times = [jl.click_ms(page, root, i + 1) for i in range(CLICKS)]
            out[f"browser_click_ms_{kind}"] = {
                "value": round(statistics.median(times), 1),
                "unit": "ms",
                "goal": f"{GOAL}; max {max(times):.0f} ms over {CLICKS}",
            }
    finally:
        page.close()
        jl.shutdown_kernels(lab)
    return out


def run() -> dict[str, dict[str, object]]:
    notebooks = sorted(p.relative_to(jl.ROOT) for p in (jl.ROOT / "notebooks").glob("*.ipynb"))
    results: dict[str, dict[str, object]] = {}
    seen: set[str] = set()
    try:
        with jl.lab_server() as lab, jl.chromium() as ctx:
            for path in notebooks:
                results.update(_measure(lab, ctx, str(path), seen))
    except jl.Unavailable as exc:
        print(f"bench_browser: skipped — {exc}", file=sys.stderr)
    return results
