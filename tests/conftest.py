"""Shared test configuration."""

import matplotlib
from hypothesis import settings

# The seq properties ask for >= 10,000 examples; keep the default profile for the rest.
settings.register_profile("default", deadline=None)
settings.load_profile("default")
# This process draws off-screen. Set here, not through MPLBACKEND: kernels started by the tests
# (nbclient, JupyterLab) must choose Jupyter's inline backend, as a student's kernel does.
matplotlib.use("Agg")


# --------------------------------------------------------------------------- the site
# The student site is built ONCE per test run and shared by every test (and every xdist
# worker) that reads it: test_site.py checks its pages, test_site_live.py serves it to
# Chromium. A file lock in the run's shared temp folder makes the first worker build and the
# others wait, so no test reads a half-written site or depends on which file ran first.
import fcntl  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

_ROOT = Path(__file__).resolve().parents[1]
_DOCS = _ROOT / "docs"


def build_site(out: Path, *tags: str) -> Path:
    """sphinx-build -W of the course site into ``out`` (``make site``'s command)."""
    sys.path.insert(0, str(_DOCS / "vendor"))
    try:
        import stage  # docs/vendor/stage.py: the locked vendor step
    finally:
        sys.path.pop(0)
    if not stage.is_staged() and shutil.which("npm") is None:
        pytest.skip(
            "npm is missing, and it is needed once to fetch the site's locked browser scripts "
            "(docs/vendor/package-lock.json): install Node.js/npm ('apt-get install npm')"
        )
    env = dict(os.environ, MPLBACKEND="Agg")  # conf.py must cope with the Makefile's Agg
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q"]
    for tag in tags:
        cmd += ["-t", tag]
    cmd += ["-b", "html", str(_DOCS), str(out)]
    proc = subprocess.run(cmd, cwd=_ROOT, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(
            f"sphinx-build -W failed ({proc.returncode}):\n{proc.stderr[-6000:]}", pytrace=False
        )
    return out


def _built_once(tmp_path_factory: pytest.TempPathFactory, key: str, out: Path, *tags: str) -> Path:
    # One folder per test run: under xdist every worker's basetemp sits in the run's own
    # folder; without xdist basetemp is that folder (its parent is shared by every run).
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    done = shared / f"{key}.built"
    with open(shared / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait here
        if not done.exists():
            build_site(out, *tags)
            done.write_text(str(out))
    return out


@pytest.fixture(scope="session")
def student_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The student site, as ``make site`` builds it (docs/_build/html), built once per run."""
    return _built_once(tmp_path_factory, "student-site", _DOCS / "_build" / "html")


@pytest.fixture(scope="session")
def instructor_site_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The instructor site (``make site-instructor``), built once per run."""
    return _built_once(
        tmp_path_factory, "instructor-site", _DOCS / "_build" / "instructor", "instructor"
    )
