"""Course execution time: ``course_exec_s`` and ``slowest_notebook_s``.

Every notebook in notebooks/ and solutions/ is executed top to bottom in a fresh kernel,
one after the other, exactly as the tests and the site do (nbclient, widget state stored).
"""

from __future__ import annotations

import pathlib
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _execute(path: pathlib.Path) -> float:
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return time.perf_counter() - t0


def run() -> dict[str, dict[str, object]]:
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    paths += sorted((ROOT / "solutions").glob("*.ipynb"))
    times = {f"{p.parent.name}/{p.name}": _execute(p) for p in paths}
    slowest = max(times, key=lambda k: times[k])
    return {
        "course_exec_s": {
            "value": round(sum(times.values()), 1),
            "unit": "s",
            "goal": f"≤ 60 s for all {len(times)} notebooks + solutions, fresh kernel each",
        },
        "slowest_notebook_s": {
            "value": round(times[slowest], 1),
            "unit": "s",
            "goal": f"≤ 10 s each (slowest: {slowest})",
        },
    }
