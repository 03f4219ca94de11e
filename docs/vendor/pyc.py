"""Byte-compile a zip of Python sources with the interpreter that will import it.

Theory of operation
-------------------
Pyodide's ``python_stdlib.zip`` holds only ``.py`` files, and a zip is read-only, so in the
browser every module the live explorers import (``typing``, ``dataclasses``, ``asyncio``
...) is compiled from source on every page load — about a second of a cold start.
``docs/vendor/pyc.cjs`` boots the staged Pyodide under Node.js and runs this file *inside
it*, so the byte code comes from the very interpreter (CPython 3.14 in WebAssembly) the
page runs, with its magic number. No other Python 3.14 is needed.

:func:`compile_zip` rewrites a zip:

* ``mode="sourceless"`` (the standard library): ``a/b.py`` becomes ``a/b.pyc`` next to
  where it was (zipimport looks there first), and entries under ``drop`` are left out;
* ``mode="beside"`` (tcplab's wheel, which the page puts on ``sys.path`` as it is — a
  pure wheel is an importable zip, so nothing is unpacked): sources stay (tracebacks
  show them) and ``a/b.pyc`` is added beside ``a/b.py``, where zipimport looks first.

The byte code is *unchecked-hash* (PEP 552): it is used without looking at the source's
time stamp, so the output is reproducible (fixed entry dates, sorted names) and a
stale check never falls back to compiling.
"""

from __future__ import annotations

import py_compile
import tempfile
import zipfile
from pathlib import Path

MODES = ("sourceless", "beside")
EPOCH = (1980, 1, 1, 0, 0, 0)


def _dropped(name: str, drop: tuple[str, ...]) -> bool:
    """True when ``name`` is a dropped module or lies in a dropped package."""
    return any(name == d or name.startswith(d + "/") or name == d + ".py" for d in drop)


def _byte_code(source: bytes, shown_as: str, tmp: Path) -> bytes:
    src, out = tmp / "m.py", tmp / "m.pyc"
    src.write_bytes(source)
    py_compile.compile(
        str(src),
        cfile=str(out),
        dfile=shown_as,
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return out.read_bytes()


def compile_zip(
    src: str,
    dst: str,
    *,
    mode: str,
    prefix: str = "",
    drop: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Write ``dst``: ``src`` with its ``.py`` entries byte-compiled (see the module doc).

    ``prefix`` is the folder the zip's names appear under at run time (for tracebacks);
    ``only`` (``"beside"`` mode) limits the compiling to those entries — byte code is
    ~3x the size of zipped source, so a wheel ships it only for what the page imports.
    Returns counts: ``compiled``, ``kept`` (other entries) and ``dropped``.
    """
    if mode not in MODES:
        raise ValueError(f"mode = {mode!r}: expected one of {', '.join(MODES)}")
    if only is not None and mode != "beside":
        raise ValueError("only: a standard library is compiled whole (mode='sourceless')")
    counts = {"compiled": 0, "kept": 0, "dropped": 0}
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
        tempfile.TemporaryDirectory() as tmp,
    ):
        out: dict[str, bytes] = {}
        for info in zin.infolist():
            name = info.filename
            if _dropped(name, drop):
                counts["dropped"] += 1
                continue
            if info.is_dir():  # kept: zipimport finds namespace packages by them
                out[name] = b""
                continue
            data = zin.read(info)
            if not name.endswith(".py") or (only is not None and name not in only):
                out[name] = data
                counts["kept"] += 1
                continue
            code = _byte_code(data, prefix + name, Path(tmp))
            counts["compiled"] += 1
            out[name + "c"] = code
            if mode == "beside":
                out[name] = data
        for name in sorted(out):
            entry = zipfile.ZipInfo(name, EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, out[name], compresslevel=9)
    return counts
