"""Every script of the corpus on both targets: the model and the real Linux kernel.

A target that disagrees with a script fails, except on lines marked
``known-difference[target]`` (a Linux-vs-RFC difference with its source). The kernel
runs in a private network namespace; where that is impossible the kernel half is
skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tcplab.script import corpus, kernel_available, run_script

SCRIPTS = corpus()

#: Scripts where tcplab's model still disagrees with Linux, and why. These are model
#: bugs to fix (not script errors): strict xfail, so a fix shows up as XPASS and the
#: entry must then go.
MODEL_PENDING: dict[str, str] = {}


def _ids(p: Path) -> str:
    return p.stem


@pytest.mark.parametrize("path", SCRIPTS, ids=_ids)
def test_model_passes(path: Path, request: pytest.FixtureRequest) -> None:
    if path.stem in MODEL_PENDING:
        request.applymarker(pytest.mark.xfail(reason=MODEL_PENDING[path.stem], strict=True))
    r = run_script(path, "model")
    assert r.passed, r.report()


def test_the_pending_list_names_real_scripts() -> None:
    assert set(MODEL_PENDING) <= {p.stem for p in SCRIPTS}


@pytest.mark.live
@pytest.mark.parametrize("path", SCRIPTS, ids=_ids)
def test_kernel_passes(path: Path) -> None:
    why = kernel_available()
    if why:
        pytest.skip(f"kernel target unavailable: {why}")
    r = run_script(path, "kernel")
    if not r.passed and r.error is None:
        r = run_script(path, "kernel")  # one retry: real timers on a loaded machine
    assert r.passed, r.report()
    assert not [x for x in r.lines if x.status == "known"], "kernel lines are never 'known'"
