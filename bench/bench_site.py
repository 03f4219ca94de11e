"""Site build time (from clean, and a rebuild with nothing changed) and live explorers.

``site_live_first_ms``, ``site_live_click_ms`` (and per explorer), ``site_live_page_mb``
(and gzip): the built site served on 127.0.0.1, driven by Playwright with Debian's
Chromium — see :func:`live_run` (``python -c "from bench.bench_site import live_run;
..."`` measures an existing build).

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
from typing import Any

from bench._jupyterlab import CHROMIUM_ARGS

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
        live = live_run(out / "html")
    n = sum(1 for d in ("notebooks", "exercises", "solutions") for _ in (ROOT / d).glob("*.ipynb"))
    return live | {
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


# --- live explorers (docs/_static/tcplab-live.js + tcplab.explore in Pyodide) ---------------
LIVE_PAGES = {  # one page per explorer: the click benchmark moves its first control
    "state_machine": "notebooks/01_segments_and_states.html",
    "handshake": "notebooks/03_closing.html",
    "timewait": "notebooks/04_time_wait.html",
    "isn": "notebooks/05_sequence_numbers.html",
    "listener": "notebooks/06_listen_queues.html",
    "flood": "notebooks/07_syn_floods.html",
}
# The one list of Chromium flags for this machine kind (bench/_jupyterlab.py), headless here.
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS]
# One click/slider move, timed until the next frame is painted (two rAFs after the event),
# and until the view is complete: an explorer that paints a click at once and finishes its
# simulations in idle time (the flood's, data-pending > 0) is timed to its last run too.
# Slider positions and dropdown options repeat, so later moves may hit a session's cache,
# as a reader's would (the flood explorer also works ahead in idle time, as for a reader).
_CLICK = """async ([n]) => {
  const box = document.querySelector('.tcplab-live');
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const times = [], complete = [];
  for (let i = 0; i < n; i++) {
    const slider = box.querySelector('input[type=range]');
    const t0 = performance.now();
    if (slider) {
      slider.value = String(i % 2 ? slider.min : Number(slider.min) + 5 * (1 + (i % 7)));
      slider.dispatchEvent(new Event('change'));
    } else if (box.querySelector('.tcplab-control-buttons button.tcplab-primary')) {
      box.querySelector('.tcplab-control-buttons button.tcplab-primary').click();
    } else {  // the first single-choice dropdown, to its next option (uncached the first time)
      const sel = box.querySelector('select:not([multiple])');
      sel.selectedIndex = (sel.selectedIndex + 1) % sel.options.length;
      sel.dispatchEvent(new Event('change'));
    }
    await frame();
    times.push(performance.now() - t0);
    while (box.dataset.pending && box.dataset.pending !== '0') await frame();
    complete.push(performance.now() - t0);
  }
  return [times, complete];
}"""


def _serve(root: Path) -> tuple[Any, str]:
    import functools
    import http.server
    import socketserver
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = socketserver.ThreadingTCPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _descendants_cpu_s() -> float:
    """CPU seconds (user + system) used so far by this process's children (the browser)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(d)] = fields
        children.setdefault(int(fields[1]), []).append(int(d))
    total, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        total += int(stats[pid][11]) + int(stats[pid][12])
    return total / tick


def _live_cpu(browser: Any, url: str) -> float:
    """Browser CPU seconds from "Run live" to the first live view (cold cache)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    before = _descendants_cpu_s()
    page.click(".tcplab-run-live")
    page.wait_for_selector(".tcplab-live[data-renders]", timeout=180_000)
    used = _descendants_cpu_s() - before
    context.close()
    return used


def _cold_live_load(browser: Any, url: str) -> tuple[float, int, int, dict[str, int]]:
    """(ms from navigation to the first live view, bytes transferred, gzip bytes, steps).

    ``steps`` are the page script's marks (ms since navigation): ``start`` (the runtime
    is asked for), ``pyodide`` (Python booted), ``tcplab`` (imported), ``drawn``.
    """
    import gzip
    import urllib.request

    context = browser.new_context()  # a fresh profile: cold HTTP cache
    sizes: list[tuple[str, int]] = []
    context.on("requestfinished", lambda r: sizes.append((r.url, r.sizes()["responseBodySize"])))
    page = context.new_page()
    page.goto(url + "#live")
    page.wait_for_selector(".tcplab-live[data-renders]", timeout=180_000)
    first = page.evaluate("window.tcplabLive.timings.firstResponse")
    steps = page.evaluate("window.tcplabLive.timings.steps")
    page.wait_for_load_state("networkidle")
    context.close()
    raw = sum(n for _, n in sizes)
    # What a server that compresses (gzip) would send for the same responses.
    gz = sum(len(gzip.compress(urllib.request.urlopen(u).read(), 6)) for u, _ in sizes)
    return float(first), raw, gz, steps


def live_run(html: Path) -> dict[str, dict[str, object]]:
    """Load and click timings of the live explorers on a built site at ``html``."""
    import statistics

    from playwright.sync_api import sync_playwright

    server, base = _serve(html)
    out: dict[str, dict[str, object]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            loads = [_cold_live_load(browser, base + LIVE_PAGES["timewait"]) for _ in range(3)]
            cpu = statistics.median(
                _live_cpu(browser, base + LIVE_PAGES["timewait"]) for _ in range(2)
            )
            load = os.getloadavg()[0]
            clicks: dict[str, float] = {}
            slowest: dict[str, float] = {}
            done: dict[str, tuple[float, float]] = {}
            for name, path in LIVE_PAGES.items():
                page = browser.new_page()
                page.goto(base + path + "#live")
                page.wait_for_selector(".tcplab-live[data-renders]", timeout=180_000)
                times, complete = page.evaluate(_CLICK, [25])
                clicks[name], slowest[name] = statistics.median(times), max(times)
                done[name] = statistics.median(complete), max(complete)
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    first = statistics.median(x[0] for x in loads)
    mid = sorted(loads, key=lambda x: x[0])[len(loads) // 2][3]  # the median load's marks
    out["site_live_first_ms"] = {
        "value": round(first),
        "unit": "ms",
        "goal": "≤ 5000 ms: page open → first live explorer response (TIME-WAIT page, "
        f"localhost, cold cache, median of 3; load average {load:.1f} on {os.cpu_count()} CPUs)",
    }
    if {"start", "pyodide", "tcplab", "drawn"} <= mid.keys():
        out["site_live_python_boot_ms"] = {
            "value": mid["pyodide"] - mid["start"],
            "unit": "ms",
            "goal": "part of site_live_first_ms: Pyodide start → Python ready (of the median "
            f"load: runtime asked for at {mid['start']} ms, tcplab imported at "
            f"{mid['tcplab']} ms, first view drawn at {mid['drawn']} ms)",
        }
    out["site_live_first_cpu_s"] = {
        "value": round(cpu, 2),
        "unit": "s CPU",
        "goal": "browser CPU time from 'Run live' to the first view (cold cache): the part "
        "of site_live_first_ms a busy machine cannot stretch",
    }
    for name, ms in clicks.items():
        out[f"site_live_click_ms_{name}"] = {
            "value": round(ms, 1),
            "unit": "ms",
            "goal": "≤ 150 ms: median click/slider move → next painted frame "
            f"(slowest of 25, uncached: {slowest[name]:.0f} ms)",
        }
        if done[name][1] > slowest[name] + 1:  # the view finished after the first paint
            out[f"site_live_click_complete_ms_{name}"] = {
                "value": round(done[name][0], 1),
                "unit": "ms",
                "goal": "click → every run of the view made and drawn, median of 25 "
                f"(slowest: {done[name][1]:.0f} ms); the click itself paints at once",
            }
    worst = max(clicks, key=lambda k: clicks[k])
    out["site_live_click_ms"] = {
        "value": round(clicks[worst], 1),
        "unit": "ms",
        "goal": f"≤ 150 ms once loaded (the largest median, {worst}'s)",
    }
    out["site_live_page_mb"] = {
        "value": round(loads[0][1] / 1e6, 2),
        "unit": "MB",
        "goal": "a page with a live explorer, run live, cold, as a server that does not "
        "compress sends it (python -m http.server); the ≤ 15 MB goal is for what a "
        "compressing server sends: site_live_page_gzip_mb",
    }
    out["site_live_page_gzip_mb"] = {
        "value": round(loads[0][2] / 1e6, 2),
        "unit": "MB",
        "goal": "≤ 15 MB cold, the same responses gzip-compressed",
    }
    return out
