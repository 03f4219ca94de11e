"""Drive the course's real JupyterLab in the system Chromium (Playwright), for tests and bench.

Theory of operation: :func:`lab_server` starts JupyterLab exactly as ``make lab`` does
(``scripts/lab.sh``, same environment) on a free port with a random token, plus three
options that keep a test run from touching the user's state: a private settings directory
(autosave off, so Run All never writes outputs into committed notebooks), a private
workspaces directory, and ``--no-browser``. :func:`chromium` opens Debian's Chromium through
Playwright's ``executable_path`` (no browser download) with a fresh profile.
:class:`Notebook` opens one notebook, runs all cells from the Run menu, waits for the
kernel, and reads what a student would see from the DOM.

Every function says why it is unavailable by raising :class:`Unavailable`; the test turns
that into a skip with the reason, the benchmark into a missing entry.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "scripts" / "lab.sh"
CHROMIUM = pathlib.Path("/usr/bin/chromium")
# Flags that work in a container without a GPU, a sandbox or a network beyond localhost.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Autosave off: Run All must never write outputs into a committed notebook.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # Keep every cell in the DOM, so the checks see the whole notebook.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


class Unavailable(RuntimeError):
    """Chromium, Playwright or JupyterLab cannot run here (the message says why)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    url: str
    token: str
    proc: subprocess.Popen[bytes]
    log: pathlib.Path

    def link(self, path: str) -> str:
        """The notebook in a workspace of its own, reset: no tabs from an earlier page."""
        name = "t" + secrets.token_hex(4)
        return f"{self.url}/lab/workspaces/{name}/tree/{path}?reset&token={self.token}"


def _write_settings(where: pathlib.Path) -> None:
    for rel, body in SETTINGS.items():
        f = where / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(body))


def _wait_up(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise Unavailable(f"JupyterLab exited: {lab.log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise Unavailable(f"JupyterLab did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def lab_server(timeout: float = 60) -> Iterator[Lab]:
    """JupyterLab started by ``scripts/lab.sh`` (the ``make lab`` command) on a free port."""
    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        raise Unavailable("no .venv with JupyterLab: run `make env`")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tcplab-browser-lab-"))
    _write_settings(tmp / "settings")
    token, port = secrets.token_hex(16), free_port()
    args = [
        str(LAUNCHER),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
    ]
    log = tmp / "lab.log"
    with log.open("wb") as out:
        env = dict(os.environ, PORT=str(port))
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, proc, log)
    try:
        _wait_up(lab, timeout)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright browser context on Debian's Chromium with a fresh profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise Unavailable("Playwright is not installed (dependency group 'browser')") from None
    if not CHROMIUM.exists():
        raise Unavailable("no /usr/bin/chromium (scripts/ensure-tools.sh chromium installs it)")
    profile = tempfile.mkdtemp(prefix="tcplab-browser-profile-")
    try:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height},
            )
            try:
                yield ctx
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# What a student sees, read from the DOM in one round trip: per code cell its source, prompt,
# output text, tracebacks (JupyterLab renders errors with the stderr MIME type), pictures
# larger than an icon, widget views, and images that failed to load.
_READ_OUTPUTS = """() => {
  const big = e => { const r = e.getBoundingClientRect(); return r.width > 40 && r.height > 40; };
  const cells = [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-CodeCell')];
  return cells.map((c, i) => {
    const out = c.querySelector('.jp-OutputArea');
    const all = sel => out ? [...out.querySelectorAll(sel)] : [];
    const stderr = all('[data-mime-type="application/vnd.jupyter.stderr"]');
    return {
      index: i,
      source: (c.querySelector('.jp-InputArea .cm-content') || {}).innerText || '',
      prompt: (c.querySelector('.jp-InputPrompt') || {}).innerText || '',
      text: out ? out.innerText : '',
      tracebacks: stderr.map(e => e.innerText).filter(t => t.includes('Traceback')),
      images: all('img, svg').filter(big).length,
      broken_images: all('img').filter(e => e.complete && e.naturalWidth === 0).length,
      widget_views: all('[data-mime-type="application/vnd.jupyter.widget-view+json"]').length,
      explorers: all('.tcplab-explorer').length,
    };
  });
}"""


class Notebook:
    """One notebook open in JupyterLab, run from the Run menu."""

    def __init__(self, page: Any, lab: Lab, path: str) -> None:
        self.page, self.lab, self.path = page, lab, path

    def open(self, timeout: float = 60) -> None:
        self.page.goto(self.lab.link(self.path))
        self.page.wait_for_selector(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=timeout * 1000
        )
        self.wait_idle(timeout)

    def kernel_status(self) -> str:
        """The server's view of the kernel: "idle", "busy", "starting" or "" (none yet)."""
        try:
            with urllib.request.urlopen(
                f"{self.lab.url}/api/kernels?token={self.lab.token}", timeout=5
            ) as r:
                kernels = [k for k in json.load(r) if k.get("connections", 0) > 0]
        except OSError:  # the server answers 500 while a kernel is being shut down
            return "busy"
        states = {str(k.get("execution_state", "")) for k in kernels}
        return "busy" if states - {"idle"} else ("idle" if states else "")

    def wait_idle(self, timeout: float) -> None:
        """Until the kernel is connected and idle, and no cell waits to run ([*])."""
        deadline = time.monotonic() + timeout
        calm = 0
        while time.monotonic() < deadline:
            busy = self.page.evaluate(
                """() => [...document.querySelectorAll(
                     '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')]
                     .some(p => p.innerText.includes('*'))"""
            )
            calm = calm + 1 if not busy and self.kernel_status() == "idle" else 0
            if calm >= 3:
                return
            time.sleep(0.25)
        raise TimeoutError(f"{self.path}: kernel still busy after {timeout:.0f} s")

    def run_all(self, timeout: float = 240) -> None:
        page = self.page
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        page.wait_for_timeout(500)
        self.wait_idle(timeout)

    def outputs(self) -> list[dict[str, Any]]:
        return list(self.page.evaluate(_READ_OUTPUTS))

    def screenshot(self, path: pathlib.Path) -> None:
        """The whole notebook in one picture: a tall viewport for the moment of the shot."""
        page = self.page
        size = page.viewport_size
        page.evaluate(  # from the top of the notebook, not wherever Run All left it
            """() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) *')
                 .forEach(e => { if (e.scrollTop) e.scrollTop = 0; })"""
        )
        extra = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll(
                 '.jp-NotebookPanel:not(.lm-mod-hidden) *')]
                 .map(e => e.scrollHeight - e.clientHeight))"""
        )
        tall = min(size["height"] + int(extra) + 50, 16000)
        page.set_viewport_size({"width": size["width"], "height": tall})
        page.wait_for_timeout(400)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        page.set_viewport_size(size)


# --------------------------------------------------------------------------- explorers
# Arm a timer on one explorer: the first input event (capture phase) starts it, the first
# change inside a `.tcplab-view` element after it, plus one animation frame (painted), stops it.
_ARM = """(root) => {
  const t = {start: null, painted: null};
  window.__tcplabClick = t;
  const mark = () => { if (t.start === null) t.start = performance.now(); };
  for (const ev of ['mousedown', 'keydown', 'change']) document.addEventListener(ev, mark, true);
  const obs = new MutationObserver(() => {
    if (t.start === null || t.painted !== null) return;
    obs.disconnect();
    requestAnimationFrame(() => { t.painted = performance.now(); });
  });
  for (const v of root.querySelectorAll('.tcplab-view'))
    obs.observe(v, {childList: true, subtree: true, characterData: true, attributes: true});
  t.cleanup = () => {
    obs.disconnect();
    for (const ev of ['mousedown', 'keydown', 'change'])
      document.removeEventListener(ev, mark, true);
  };
}"""


def explorer_kind(root: Any) -> str:
    classes = str(root.get_attribute("class") or "").split()
    return next(
        c.removeprefix("tcplab-explorer-") for c in classes if c.startswith("tcplab-explorer-")
    )


def _act(page: Any, root: Any, kind: str, i: int) -> None:
    """The i-th user action on an explorer: a button click, a dropdown pick or a slider key."""
    if kind == "state_machine":
        label = "ACTIVE_OPEN" if i % 2 == 0 else "reset"
        root.locator("button", has_text=label).first.click()
    elif kind == "handshake":
        select = root.locator("select").nth(1)  # the "lose" dropdown
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        current = select.input_value()
        choices = [v for v in values if v != current]
        select.select_option(choices[i % len(choices)])
    elif root.locator(".noUi-handle").count():  # a slider: arrow keys on its handle,
        handle = root.locator(".noUi-handle").first  # two steps right then two left, ...
        handle.focus()
        page.keyboard.press("ArrowRight" if (i // 2) % 2 == 0 else "ArrowLeft")
    else:  # the first dropdown: another of its options
        select = root.locator("select:not([multiple])").first
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        current = select.input_value()
        choices = [v for v in values if v != current]
        select.select_option(choices[i % len(choices)])


def click_ms(page: Any, root: Any, i: int = 0, timeout: float = 10) -> float:
    """Milliseconds from the i-th action on ``root`` to a painted change of its view."""
    root.evaluate(_ARM)
    try:
        _act(page, root, explorer_kind(root), i)
        page.wait_for_function(
            "() => window.__tcplabClick.painted !== null", timeout=timeout * 1000
        )
        return float(
            page.evaluate("() => window.__tcplabClick.painted - window.__tcplabClick.start")
        )
    finally:
        page.evaluate("() => window.__tcplabClick.cleanup()")


def shutdown_kernels(lab: Lab) -> None:
    """Stop every kernel of the server (one notebook's kernel at a time stays in memory)."""
    base = f"{lab.url}/api/kernels"
    try:
        with urllib.request.urlopen(f"{base}?token={lab.token}", timeout=5) as r:
            kernels = json.load(r)
    except OSError:
        return
    for k in kernels:
        req = urllib.request.Request(f"{base}/{k['id']}?token={lab.token}", method="DELETE")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(req, timeout=10).close()
