"""A fresh image built from binder/ runs notebook 00 with the home folder replaced.

Without Docker, as close as this machine allows to what repo2docker and a hub do:

1. a fresh virtual environment (the image's Python) gets ``binder/requirements.txt``;
2. ``binder/postBuild`` runs in a *copy* of the repository, as repo2docker runs it in
   the image's home;
3. that copy is then deleted — a hub that mounts a persistent home over it hides it the
   same way — and notebook 00, copied into a new empty home, is executed with the
   image's own ``jupyter nbconvert`` and kernel.

Packages come from uv's cache when it has them (else from PyPI); apt.txt's graphviz is
the machine's. Skipped with the reason when the environment cannot be built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.mark.slow
def test_an_image_from_binder_runs_notebook_00_with_the_home_replaced(tmp_path: Path) -> None:
    if not os.access(UV, os.X_OK):
        pytest.skip("uv is needed to install binder/requirements.txt quickly (run make env)")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz (binder/apt.txt) is not installed on this machine")
    image = tmp_path / "image"
    venv = subprocess.run([sys.executable, "-m", "venv", str(image)], capture_output=True)
    if venv.returncode != 0:
        pytest.skip(f"cannot create a virtual environment: {venv.stderr.decode()[-300:]}")
    bin_ = image / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=f"{bin_}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg")
    env.pop("JUPYTER_PATH", None)
    install = [UV, "pip", "install", "--python", str(bin_ / "python")]
    _run([*install, "-r", str(ROOT / "binder" / "requirements.txt")], tmp_path, env)

    # repo2docker copies the repository into the image and runs postBuild there.
    repo = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(".git", ".venv", ".tools", "_build", "*.egg-info", "build"),
    )
    _run(["bash", "binder/postBuild"], repo, env)

    # The hub mounts a persistent home: the repository copy is gone; the notebooks are
    # whatever the student has (here: a fresh copy of notebook 00, pulled by nbgitpuller).
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(repo / "notebooks" / "00_welcome.ipynb", home)
    shutil.rmtree(repo)
    env["HOME"] = str(home)
    where = _run([str(bin_ / "python"), "-c", "import tcplab; print(tcplab.__file__)"], home, env)
    assert str(image) in where and "site-packages" in where, where
    nbconvert = [str(bin_ / "jupyter"), "nbconvert", "--to", "notebook", "--execute"]
    _run(
        [*nbconvert, "--inplace", "--ExecutePreprocessor.timeout=120", "00_welcome.ipynb"],
        home,
        env,
    )
    for tool in ("nbgitpuller", "ipykernel", "nbconvert"):
        _run([str(bin_ / "python"), "-c", f"import {tool}"], home, env)
