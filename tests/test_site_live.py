"""Live explorers on the static site.

Two halves:

* ``tcplab.explore`` in CPython: every explorer the notebooks call opens with the
  notebook's own arguments, runs without numpy/pandas/matplotlib/ipywidgets/graphviz
  (as in the browser), answers every control, agrees with the numpy model it stands in
  for, and rejects bad input by name.
* The built site in Chromium (served on 127.0.0.1): every explorer cell says it is a
  static snapshot until "Run live" is pressed; then a control move recomputes with
  tcplab in Pyodide and redraws, and no request leaves the site.

The browser half needs a built site (``make site``; ``tests/test_site.py`` builds one
too); it is skipped, with the reason, when there is none or Chromium/Playwright is
missing.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import inspect
import json
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tcplab.explore as explore

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import tcplab_live  # noqa: E402  (docs/_ext/tcplab_live.py: the build-time half)

sys.path.insert(0, str(ROOT / "docs" / "vendor"))
import pyc  # noqa: E402  (docs/vendor/pyc.py: byte-compiles zips inside Pyodide)
import stage  # noqa: E402  (docs/vendor/stage.py: the locked vendor step)

sys.path.pop(0)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: bench/
from bench._jupyterlab import CHROMIUM_ARGS  # noqa: E402

sys.path.pop(0)

sys.path.pop(0)

HEAVY = ("numpy", "pandas", "matplotlib", "ipywidgets", "graphviz", "scipy", "IPython")
# What the site's Pyodide standard library leaves out (docs/vendor/stage.py): top-level names.
DROPPED_STDLIB = tuple(sorted({d.split("/")[0].removesuffix(".py") for d in stage.STDLIB_DROP}))


def _notebook_calls() -> list[tuple[str, str, dict[str, Any]]]:
    """(notebook, explorer, args) for every explorer call in the course notebooks."""
    calls = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            hit = tcplab_live.find_explorer_call("".join(cell["source"]))
            if hit:
                calls.append((nb.stem, *hit))
    return calls


CALLS = _notebook_calls()


# --------------------------------------------------------------------------- build side
def test_the_build_reads_the_notebooks_explorer_calls() -> None:
    src = (
        "from tcplab.fsm import Event\n"
        "x = 1\n"
        "state_machine_explorer([Event.ACTIVE_OPEN, 'RCV_SYN_ACK'], arcs='main')\n"
    )
    assert tcplab_live.find_explorer_call(src, ("state_machine",)) == (
        "state_machine",
        {"_0": ["ACTIVE_OPEN", "RCV_SYN_ACK"], "arcs": "main"},
    )
    assert tcplab_live.find_explorer_call("timewait_explorer(time_wait=f(3))", ("timewait",)) == (
        "timewait",
        {"_unparsed": True},
    )
    assert tcplab_live.find_explorer_call("plot(x)", ("timewait",)) is None
    assert tcplab_live.find_explorer_call("def (:", ("timewait",)) is None


def test_every_explorer_has_a_live_session_and_the_notebooks_use_them() -> None:
    names = {name for _, name, _ in CALLS}
    if not CALLS:
        pytest.skip("no course notebook calls an explorer yet")
    # Every explorer a notebook calls is one the site can run live ...
    assert names <= set(explore.EXPLORERS)
    # ... and every live session is used by the course.
    assert set(explore.EXPLORERS) <= names, set(explore.EXPLORERS) - names


# --------------------------------------------------------------------------- sessions
@pytest.mark.parametrize(("notebook", "name", "args"), CALLS, ids=[c[0] for c in CALLS])
def test_each_explorer_opens_with_the_notebooks_arguments_and_answers_every_control(
    notebook: str, name: str, args: dict[str, Any]
) -> None:
    session = explore.open_json(name, json.dumps(args))
    view = json.loads(session.view_json())
    assert view["controls"] and view["parts"]
    assert all(p["kind"] in ("dot", "svg", "html") for p in view["parts"])
    for i in range(len(view["controls"])):
        before = session.view_json()
        control = json.loads(before)["controls"][i]  # as it is now (options may change)
        value = _other_value(control)
        after = session.update_json(control["name"], json.dumps(value))
        assert after != before, f"{name}: {control['name']} = {value!r} changed nothing"


def _other_value(control: dict[str, Any]) -> Any:
    """A value of a control that differs from its current one (a legal button)."""
    kind = control["kind"]
    if kind == "buttons":
        items = control["items"]
        return next((it for it in items if it.get("primary")), items[0])["value"]
    if kind == "checkbox":
        return not control["value"]
    if kind == "slider":
        lo, hi, v = control["min"], control["max"], control["value"]
        return hi if v != hi else lo
    values = [v for _, v in control["options"]]
    if kind == "multiselect":
        return values[:1] if control["value"] != values[:1] else values[1:2]
    return next(v for v in values if v != control["value"])


def test_the_sessions_run_without_numpy_pandas_matplotlib_or_widgets() -> None:
    # As in Pyodide on the site: the heavy packages are not importable at all, nor the
    # standard-library modules the site's trimmed python_stdlib.zip leaves out; every
    # control of every explorer is moved once.
    code = f"""
import importlib.abc, json, sys
BLOCKED = {HEAVY + DROPPED_STDLIB!r}
already = {{n for n in sys.modules if n.split(".")[0] in BLOCKED}}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
import tcplab.explore as e
from typing import Any
{inspect.getsource(_other_value)}
calls = json.loads(sys.argv[1])
for name, args in calls:
    s = e.open_json(name, json.dumps(args))
    v = json.loads(s.view_json())
    assert v["parts"], name
    for i in range(len(v["controls"])):
        c = json.loads(s.view_json())["controls"][i]
        s.update_json(c["name"], json.dumps(_other_value(c)))
late = {{n for n in sys.modules if n.split(".")[0] in BLOCKED}} - already
assert not late, late
print("ok", len(calls))
"""
    calls = [(n, a) for _, n, a in CALLS] or [(n, {}) for n in explore.EXPLORERS]
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(calls)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ok")


def test_state_machine_session_draws_the_libraries_own_dot() -> None:
    from tcplab.viz import state_diagram as sd

    s = explore.open("state_machine", {"_0": ["ACTIVE_OPEN", "RCV_SYN_ACK"], "arcs": "main"})
    dot = s.view()["parts"][0]
    assert dot["kind"] == "dot"
    assert dot["dot"].replace(s.prefix, sd.ID_PREFIX) == sd.diagram_source("main")
    assert f"#{s.prefix}n_ESTABLISHED" in dot["style"]
    s.set("event", "RCV_FIN")  # illegal in ESTABLISHED? no: legal, goes to CLOSE_WAIT
    assert "CLOSE_WAIT" in s.view()["parts"][1]["html"]
    s.set("event", "RCV_SYN_ACK")  # no row for it in CLOSE_WAIT
    assert "not possible in CLOSE_WAIT" in s.view()["parts"][1]["html"]
    s.set("reset", True)
    assert "CLOSED" in s.view()["parts"][1]["html"]


def test_timewait_session_uses_the_models_exact_formula_and_a_fair_sample() -> None:
    from tcplab.explore.timewait import TRIALS, p_accept
    from tcplab.sim.montecarlo import p_accept_exact, p_old_duplicate_accepted

    for life in (5.0, 30.0, 120.0, 300.0):
        for reuse in (0.0, 50.0, 400.0):
            for i in range(0, 61):
                tw = i * 10.0
                assert p_accept(tw, life, reuse) == pytest.approx(
                    float(p_accept_exact(tw, life, reuse)), abs=1e-12
                )
    s = explore.open("timewait", {"time_wait": 60, "lifetime": 120})
    for tw in (0.0, 60.0, 120.0, 200.0):
        numpy_estimate = float(p_old_duplicate_accepted(tw, 120.0, trials=100_000))
        assert s.p_monte_carlo(tw, 120.0, 0.0) == pytest.approx(numpy_estimate, abs=0.015)
    html = s.view()["parts"][1]["html"]
    assert "P = <b>0.875</b>" in html and "UNSAFE" in html
    s.set("time_wait", 305)
    html = s.view()["parts"][1]["html"]
    assert "P = <b>0.000</b>" in html and "safe:" in html
    assert f"Monte Carlo ({TRIALS:,} trials)" in s.view()["parts"][0]["svg"]


def test_handshake_session_lists_the_same_retransmissions_as_the_trace() -> None:
    from tcplab.sim.scenarios import LOSS_POINTS, run_scenario
    from tcplab.sim.trace import retransmissions

    s = explore.open("handshake", {"phase": "handshake + close", "lose": "none"})
    for lose in LOSS_POINTS:
        s.set("lose", lose)
        info = s.view()["parts"][1]["html"]
        rtx = retransmissions(run_scenario("connection", lose=lose, close=True).trace)
        assert info.count("retransmits") == len(rtx), lose
    s.set("phase", "handshake")
    assert s.lose == "none"  # "ack2" is no handshake segment


def test_isn_session_reproduces_the_attackers_predictions_and_the_rst_odds() -> None:
    from tcplab import isn
    from tcplab.isn import prediction_errors, rst_odds

    errors = prediction_errors(isn.GENERATORS, trials=300, seed=3)
    frame = isn.attacker_prediction(trials=300, seed=3)
    for g in isn.GENERATORS:
        assert errors[g] == frame.loc[frame["generator"] == g, "error"].tolist(), g
    for wnd in (1024, 65535, 1 << 24):
        odds = isn.blind_injection(rcv_wnd=wnd, trials=300, seed=3).set_index("generator")
        for g in isn.GENERATORS:
            p_win, p_exact = rst_odds(g, wnd)
            assert p_win == pytest.approx(odds.loc[g, "p_rst_in_window"])
            assert p_exact == pytest.approx(odds.loc[g, "p_rst_exact"])


def test_flood_session_runs_the_flood_model_itself() -> None:
    from tcplab.explore.flood import FloodSession, default_config
    from tcplab.flood import FloodConfig, simulate_flood

    cfg = default_config()
    s = FloodSession()
    s.set("defences", ["none", "syn_cookies"])
    before = s.plot()
    s.set("rate", 0.0)
    assert s.plot() != before  # no attack: the undefended listener serves everyone at once
    for name in ("none", "syn_cookies"):
        want = simulate_flood(FloodConfig(**cfg), name, attack_rate=0.0).summary
        assert s.summary(name, 0.0) == want
    assert f"{want['served_share']:.0%} served eventually" in s.plot()
    assert "simulated by tcplab.flood.simulate_flood" in s.view()["parts"][1]["html"]


def test_a_flood_click_paints_at_once_and_fills_in_the_same_runs() -> None:
    from tcplab.explore.flood import RATES, FloodSession

    whole = FloodSession()
    quick = FloodSession()
    quick.runs_per_view = 1  # as the site's page sets it
    view = quick.view()
    assert view["pending"] == len(quick.defences) - 1
    assert view["parts"][0]["svg"].count("simulating…") == view["pending"]
    quick.set("rate", 30000.0)
    assert quick.view()["pending"] == len(quick.defences) - 1  # one new run per view
    steps = 0
    while quick.pending():
        assert quick.step()
        steps += 1
    assert steps == len(quick.defences) - 1  # the click's view made one
    whole.set("rate", 30000.0)
    assert quick.plot() == whole.plot()  # the same complete runs of the model
    while quick.step():  # then it works ahead: every rate for the defences shown
        pass
    assert len(quick._runs) == len(RATES) * len(quick.defences)
    assert quick.view()["pending"] == 0


def test_zips_are_byte_compiled_sourceless_or_beside_the_sources(tmp_path: Path) -> None:
    # docs/vendor/pyc.py runs inside Pyodide on the site; here CPython's own byte code
    # proves the layouts zipimport and the import system read.
    import zipfile

    src = tmp_path / "in.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("pkg/", b"")
        z.writestr("pkg/__init__.py", "from pkg.mod import VALUE\n")
        z.writestr("pkg/mod.py", "VALUE = 6 * 7\n")
        z.writestr("pkg/data.txt", "kept")
        z.writestr("gone/__init__.py", "raise SystemExit\n")
        z.writestr("gone.py", "")
    out = tmp_path / "std.zip"
    counts = pyc.compile_zip(str(src), str(out), mode="sourceless", drop=("gone",))
    assert counts == {"compiled": 2, "kept": 1, "dropped": 2}
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == [
            "pkg/",
            "pkg/__init__.pyc",
            "pkg/data.txt",
            "pkg/mod.pyc",
        ]
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pkg; print(pkg.VALUE, pkg.__file__)"
    )
    proc = subprocess.run([sys.executable, "-c", check, str(out)], capture_output=True, text=True)
    assert proc.stdout.split()[0] == "42", proc.stderr
    assert proc.stdout.split()[1].endswith("pkg/__init__.pyc")
    again = tmp_path / "again.zip"
    pyc.compile_zip(str(src), str(again), mode="sourceless", drop=("gone",))
    assert again.read_bytes() == out.read_bytes()  # reproducible
    whl = tmp_path / "whl.zip"
    pyc.compile_zip(str(src), str(whl), mode="beside", only=("pkg/mod.py",))
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
    assert {"pkg/__init__.py", "pkg/mod.py", "pkg/mod.pyc"} <= names
    assert "pkg/__init__.pyc" not in names  # not in ``only``
    check = "import sys; sys.path.insert(0, sys.argv[1]); import pkg.mod as m; print(m.__file__)"
    proc = subprocess.run([sys.executable, "-c", check, str(whl)], capture_output=True, text=True)
    assert proc.stdout.strip().endswith("pkg/mod.pyc"), proc.stderr  # the byte code is used
    with pytest.raises(ValueError, match="mode"):
        pyc.compile_zip(str(src), str(whl), mode="fast")


def test_the_jupyter_front_end_drives_the_same_sessions() -> None:
    from tcplab.explore.jupyter import explorer_widget

    w = explorer_widget("state_machine", ["ACTIVE_OPEN"])
    row = w.controls_box.children[1]  # the segment buttons
    button = next(b for b in row.children if getattr(b, "description", "") == "RCV_SYN_ACK")
    assert button.button_style == "primary"  # legal in SYN_SENT
    button.click()
    assert "State: <b>ESTABLISHED</b>" in w.parts[1].value
    assert w.session.machine.state.name == "ESTABLISHED"
    t = explorer_widget("timewait", time_wait=60, lifetime=120)
    assert "P = <b>0.875</b>" in t.parts[1].value
    t.controls_box.children[0].value = 305
    assert "P = <b>0.000</b>" in t.parts[1].value
    h = explorer_widget("handshake", phase="handshake", lose="none")
    h.controls_box.children[0].children[1].value = 1  # "lose" (one row with phase, timers): SYN
    assert "retransmits SYN" in h.parts[1].value


@pytest.mark.parametrize(
    ("name", "control", "value", "error"),
    [
        ("timewait", "time_wait", -5, ValueError),
        ("timewait", "time_wait", "60", TypeError),
        ("timewait", "colour", 1, ValueError),
        ("state_machine", "event", "FLY", ValueError),
        ("state_machine", "arcs", "some", ValueError),
        ("handshake", "lose", "everything", ValueError),
    ],
)
def test_bad_control_values_are_refused_by_name(
    name: str, control: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=control):
        explore.open(name).set(control, value)


def test_unknown_explorer_or_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="explorer = 'bogus'"):
        explore.open("bogus")
    with pytest.raises(TypeError, match="args_json"):
        explore.open_json("timewait", "[1, 2]")
    with pytest.raises(TypeError):
        explore.open("timewait", {"_0": 1})


# --------------------------------------------------------------------------- browser
# The one list of Chromium flags for this machine kind (bench/_jupyterlab.py), headless here.
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(student_site: Path) -> Iterator[str]:
    """The built site on 127.0.0.1 (a free port), as a plain static host."""
    assert list((HTML / "_static" / "live").glob("tcplab-*.whl")), "no tcplab wheel on the site"
    handler = functools.partial(_Quiet, directory=str(HTML))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("chromium is not installed (scripts/ensure-tools.sh chromium installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _live_pages() -> list[tuple[str, str]]:
    pages = []
    for f in sorted(HTML.rglob("*.html")):
        text = f.read_text(encoding="utf-8")
        if "_static" in f.parts or 'class="tcplab-live-bar" data-explorer="' not in text:
            continue
        name = text.split('class="tcplab-live-bar" data-explorer="', 1)[1].split('"', 1)[0]
        pages.append((f.relative_to(HTML).as_posix(), name))
    return pages


@pytest.mark.slow
def test_a_page_opened_from_a_file_runs_live_or_says_why_not(
    student_site: Path, browser: Any
) -> None:
    pages = _live_pages()
    assert pages, "no page of the built site has a live explorer"
    page = browser.new_page()
    try:
        page.goto((HTML / pages[0][0]).as_uri())
        page.click(".tcplab-run-live")
        page.wait_for_function(
            "document.querySelector('.tcplab-live[data-renders]') || "
            "/python3 -m http.server/.test(document.querySelector('.tcplab-live-progress')"
            ".textContent)",
            timeout=120_000,
        )
    finally:
        page.close()


def test_the_built_site_serves_the_live_runtime_itself_with_licences(student_site: Path) -> None:
    live = HTML / "_static" / "live"
    assert list(live.glob("tcplab-*.whl")), "the built site has no tcplab wheel"
    vendor = HTML / "_static" / "vendor"
    for name in [
        "pyodide/pyodide.js",
        "pyodide/pyodide.asm.wasm",
        "pyodide/python_stdlib.zip",
        "pyodide/LICENSE.txt",
        "viz/viz-global.js",
        "viz/LICENSE.txt",
    ]:
        assert (vendor / name).is_file(), f"_static/vendor/{name} is not in the built site"
    assert "Mozilla Public License" in (vendor / "pyodide" / "LICENSE.txt").read_text()
    # Pyodide's standard library, byte-compiled by Pyodide and trimmed; an empty lock.
    import zipfile

    with zipfile.ZipFile(vendor / "pyodide" / "python_stdlib.zip") as z:
        names = z.namelist()
    assert "asyncio/__init__.pyc" in names and "typing.pyc" in names
    assert not [n for n in names if n.endswith(".py")]
    with zipfile.ZipFile(vendor / "pyodide" / "python_stdlib.zip") as z:
        header = z.read("typing.pyc")[:8]
    # PEP 552 unchecked-hash byte code (flags 0b01), not this CPython's magic number.
    assert int.from_bytes(header[4:8], "little") == 0b01
    assert header[:4] != importlib.util.MAGIC_NUMBER and header[2:4] == b"\r\n"
    assert not [n for n in names if n.split("/")[0].removesuffix(".pyc") in DROPPED_STDLIB]
    lock = json.loads((vendor / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"] == {} and lock["info"]["python"].startswith("3.14")
    # tcplab's wheel carries byte code for what the explorers import, beside the sources.
    with zipfile.ZipFile(next(live.glob("tcplab-*.whl"))) as z:
        names = z.namelist()
    assert "tcplab/explore/__init__.py" in names
    assert "tcplab/explore/__init__.pyc" in names
    assert "tcplab/live/__init__.pyc" not in names
    config = (live / "config.js").read_text()
    for key in ("wheel", "pyodide", "viz"):
        assert key in config
    assert not (live / "flood.json").exists()  # the flood model runs live, no build table
    # Every explorer cell of the course carries its live bar with the notebook's arguments.
    bars = {(path.split("/")[-1].removesuffix(".html"), n) for path, n in _live_pages()}
    assert bars == {(nb, n) for nb, n, _ in CALLS}


MOVE_A_CONTROL = """(box) => {
  const parts = () => box.querySelector('.tcplab-live-parts').innerHTML;
  const before = parts();
  const primary = box.querySelector('.tcplab-control-buttons button.tcplab-primary');
  const slider = box.querySelector('input[type=range]');
  const select = box.querySelector('select');
  if (primary) primary.click();
  else if (slider) {
    slider.value = String(Number(slider.value) === Number(slider.max) ? slider.min : slider.max);
    slider.dispatchEvent(new Event('change'));
  } else if (select) {
    const i = (select.selectedIndex + 1) % select.options.length;
    for (const o of select.options) o.selected = false;
    select.options[i].selected = true;
    select.dispatchEvent(new Event('change'));
  }
  return {before, after: parts(), error: box.querySelector('.tcplab-live-error').textContent};
}"""


LAZY = """() => {
  const loaded = performance.getEntriesByType('navigation')[0].loadEventStart;
  const early = performance.getEntriesByType('resource').filter(
    r => /pyodide|viz-global|tcplab-.*\\.whl/.test(r.name) && r.startTime < loaded);
  return typeof window.loadPyodide === 'undefined' && window.tcplabLive.timings.start === null
    && early.length === 0;
}"""
REFUSE = """() => {
  try { window.tcplabLive.sessions[0].update_json('time_wait', '-5'); return 'accepted'; }
  catch (e) { return String(e.message); }
}"""
WATCH_PROGRESS = """() => {
  window.tcplabProgressSeen = [];
  const seen = () => document.querySelectorAll('.tcplab-live-progress').forEach(
    p => p.textContent && window.tcplabProgressSeen.push(p.textContent));
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.slow
def test_every_explorer_on_the_site_runs_live_and_nothing_leaves_the_site(
    served_site: str, browser: Any
) -> None:
    pages = _live_pages()
    assert {n for _, n in pages} == set(explore.EXPLORERS), "an explorer has no live page"
    context = browser.new_context()
    requests: list[str] = []
    try:
        for path, name in pages:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            mine: list[str] = []
            page.on("request", lambda r, mine=mine: mine.append(r.url))
            failed: list[str] = []
            page.on(
                "response",
                lambda r, failed=failed: (
                    failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
                ),
            )
            page.goto(served_site + path)
            page.wait_for_load_state("load")
            bar = page.locator(f'.tcplab-live-bar[data-explorer="{name}"]').first
            # Until it runs live, the snapshot says so and its controls are disabled.
            assert "Static snapshot" in bar.inner_text()
            page.wait_for_selector(".tcplab-static .jupyter-widgets", timeout=30_000)
            live_controls = page.eval_on_selector_all(
                ".tcplab-static .jupyter-widgets :is(input, button, select)",
                "els => els.filter(e => !e.disabled).length",
            )
            assert live_controls == 0, f"{path}: snapshot controls still enabled"
            # The runtime loads lazily: nothing of it ran, and nothing of it was fetched
            # before the page had loaded (files may be preloaded afterwards, on intent).
            assert page.evaluate(LAZY), f"{path}: the live runtime started by itself"
            page.evaluate(WATCH_PROGRESS)
            # The pointer resting on "Run live" is intent enough to start Python already.
            bar.locator(".tcplab-run-live").hover()
            page.wait_for_function("window.tcplabLive.timings.start !== null", timeout=10_000)
            bar.locator(".tcplab-run-live").click()
            page.wait_for_selector(
                f'.tcplab-live[data-explorer="{name}"][data-renders]', timeout=120_000
            )
            shown = page.evaluate("window.tcplabProgressSeen")
            assert any("loading Python" in t for t in shown), f"{path}: no progress: {shown}"
            box = page.locator(f'.tcplab-live[data-explorer="{name}"]').first
            moved = box.evaluate(MOVE_A_CONTROL)
            assert not moved["error"], f"{path}: {moved['error']}"
            assert moved["after"] != moved["before"], f"{path}: moving a control changed nothing"
            assert "Live" in bar.inner_text()
            assert not errors, f"{path}: {errors}"
            if name == "timewait":  # a refused value comes back as Python's own error
                refused = page.evaluate(REFUSE)
                assert "ValueError" in refused and "time_wait" in refused, refused
            # Graphviz (Viz.js) is fetched only for an explorer that draws DOT.
            has_dot = "dot" in (bar.get_attribute("data-parts") or "").split()
            assert has_dot == (name == "state_machine"), f"{path}: data-parts wrong"
            if not has_dot:
                assert not any("viz-global.js" in u for u in mine), f"{path}: loaded Viz.js"
            # Preloaded files are the ones Pyodide then uses: nothing is fetched twice.
            for file in ("pyodide.asm.wasm", "python_stdlib.zip", ".whl"):
                got = [u for u in mine if file in u.rsplit("/", 1)[-1]]
                assert len(got) <= 1, f"{path}: {file} requested {len(got)} times"
            # Every file the page asks for is there (the widget manager's fonts included).
            assert not failed, f"{path}: {failed[:5]}"
            requests += mine
            page.close()
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(served_site) and not u.startswith("data:")]
    assert not outside, f"requests left the site: {outside[:5]}"
