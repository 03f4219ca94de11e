"""The entry points: load a script, run it on a target, list the corpus.

``run_script(script, "model")`` runs in this process; ``"kernel"`` runs in a child
process inside a fresh private network namespace (:mod:`tcplab.script.kernel`) and
raises :class:`TargetUnavailable` with one line saying why when it cannot.
"""

from __future__ import annotations

from pathlib import Path

from tcplab import _validate as _v
from tcplab.script.parser import Script, parse
from tcplab.script.result import RunResult

__all__ = [
    "TARGETS",
    "TargetUnavailable",
    "corpus",
    "corpus_dir",
    "kernel_available",
    "load",
    "run_both",
    "run_script",
]

TARGETS = ("model", "kernel")

#: How far (seconds) an outbound segment may be from its line's time. The model is exact
#: up to rounding; the kernel's timers run on jiffies with slack, on a busy machine.
TOLERANCE = {"model": 0.01, "kernel": 0.1}


class TargetUnavailable(RuntimeError):
    """A target that cannot run here; the message is one line saying why."""


def corpus_dir() -> Path:
    """The folder of scripts that ships with tcplab."""
    return Path(__file__).resolve().parent.parent / "scripts"


def corpus() -> list[Path]:
    """Every ``.pkt`` script of the corpus, sorted by name."""
    return sorted(corpus_dir().glob("*.pkt"))


def load(source: str | Path | Script) -> Script:
    """A parsed script from a Script, a path to a ``.pkt`` file, or script text."""
    if isinstance(source, Script):
        return source
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith(".pkt")
    ):
        p = Path(source)
        if not p.is_file():
            p2 = corpus_dir() / p.name
            if not p2.is_file():
                raise FileNotFoundError(f"script {str(source)!r} not found")
            p = p2
        return parse(p.read_text(encoding="utf-8"), name=p.stem)
    if isinstance(source, str):
        return parse(source)
    raise _v.ArgumentTypeError(
        f"source = {_v.short(source)}: expected script text, a .pkt path or a Script"
    )


def kernel_available() -> str | None:
    """None when the kernel target can run here, else one line saying why not."""
    from tcplab.script.kernel import unavailable_reason

    return unavailable_reason()


def run_script(
    source: str | Path | Script, target: str = "model", *, tolerance: float | None = None
) -> RunResult:
    """Run a script on ``"model"`` or ``"kernel"``."""
    target = _v.choice(target, "target", TARGETS)
    if tolerance is not None:
        tolerance = _v.number(
            tolerance, "tolerance", ge=0, le=_v.MAX_SECONDS, what="number of seconds"
        )
    script = load(source)
    if target == "model":
        from tcplab.script.model import ModelTarget
        from tcplab.script.runner import run

        tol = TOLERANCE[target] if tolerance is None else tolerance
        return run(script, ModelTarget(), tolerance=tol)
    if target == "kernel":
        from tcplab.script.kernel import run_in_namespace

        return run_in_namespace(
            script, tolerance=TOLERANCE[target] if tolerance is None else tolerance
        )
    raise AssertionError(target)  # unreachable: checked by _v.choice above


def run_both(source: str | Path | Script) -> list[RunResult]:
    """Run on the model and, where possible, the kernel (else its result says why)."""
    script = load(source)
    out = [run_script(script, "model")]
    try:
        out.append(run_script(script, "kernel"))
    except TargetUnavailable as e:
        out.append(RunResult("kernel", script.name, error=str(e)))
    return out
