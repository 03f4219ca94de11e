"""Stage the browser scripts the static site serves itself (no CDN when a page is viewed).

Theory of operation
-------------------
Five npm packages are needed in the browser: ``requirejs`` (the AMD loader),
``@jupyter-widgets/html-manager`` (``embed-amd.js``, which renders the stored widget
state), ``mathjax`` (math in the notebooks' Markdown), and for the live explorers
``pyodide`` (CPython in WebAssembly, which runs tcplab's own model in the page) and
``@viz-js/viz`` (Graphviz in WebAssembly, which lays out the state diagram's DOT).
The live runtime is loaded only when a reader asks for it. Their exact versions and
sha512 integrity hashes are locked in ``docs/vendor/package-lock.json`` (made by
``npm install --package-lock-only`` from ``package.json``).

This step fetches only those tarballs with the ordinary npm client
(``npm pack NAME@VERSION`` — no 130-package ``node_modules`` tree), checks each
tarball's sha512 against the lock itself, and copies the few files the site needs,
with their licences, into ``docs/_static/vendor/`` (git-ignored; Sphinx copies it to
``_build/html/_static/vendor/``). npm keeps its own cache (``~/.npm``), so after the
first fetch a rebuild from clean works offline: each tarball is taken from that cache
first (``npm pack --offline``), and only then from the registry, with npm's retries off
and a budget of :data:`PACK_BUDGET` seconds in all — so without a network a build stops
within a minute, with one line naming the package to fetch once. A stamp file records
the lock's hash: when it matches and the files are there, nothing is done.

Two files of Pyodide are rewritten on the way (see :data:`STDLIB_DROP`): its
``python_stdlib.zip`` is byte-compiled by that Pyodide itself under Node.js
(``pyc.cjs`` runs ``pyc.py`` inside it — Node comes with npm) and trimmed of modules a
web page never imports, which cuts a cold start in the browser by more than a second;
and its package lock keeps only its header, since the site loads no Pyodide packages.

Run it by hand with ``python docs/vendor/stage.py``; the Sphinx build calls
:func:`stage` itself (``docs/_ext/tcplab_site.py``), so ``make site`` needs no extra step.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent
LOCK = HERE / "package-lock.json"
LICENSES = HERE / "licenses"
DEST = DOCS / "_static" / "vendor"
STAMP = DEST / ".stamp"

# What the site takes from each tarball: (path inside the tarball, path under DEST).
# A path ending in "/" copies a directory tree.
FILES: dict[str, list[tuple[str, str]]] = {
    "requirejs": [("package/require.js", "require.js")],
    "@jupyter-widgets/html-manager": [
        ("package/dist/embed-amd.js", "embed-amd.js"),
        # Notices of the third-party code bundled into embed-amd.js (jQuery, lumino, ...).
        ("package/dist/embed.js.LICENSE.txt", "embed-amd.js.LICENSE.txt"),
        # The Font Awesome 5 webfonts its widget CSS names; embed-amd.js asks for them beside
        # its AMD module, which docs/_static/tcplab-require.js places here.
        ("package/dist/1551f4f60c37af51121f.woff2", "html-manager/1551f4f60c37af51121f.woff2"),
        ("package/dist/7a3337626410ca2f4071.woff2", "html-manager/7a3337626410ca2f4071.woff2"),
        ("package/dist/d878b0a6a1144760244f.woff2", "html-manager/d878b0a6a1144760244f.woff2"),
    ],
    "mathjax": [
        ("package/LICENSE", "mathjax/LICENSE"),
        ("package/es5/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
        # Loaded on demand by tex-mml-chtml.js, relative to its own URL.
        ("package/es5/output/chtml/fonts/woff-v2/", "mathjax/output/chtml/fonts/woff-v2/"),
        ("package/es5/input/tex/extensions/", "mathjax/input/tex/extensions/"),
        ("package/es5/ui/", "mathjax/ui/"),
        ("package/es5/a11y/", "mathjax/a11y/"),
    ],
    # The live explorers' runtime (docs/_static/tcplab-live.js loads it lazily): the
    # classic-script loader, the Emscripten module, CPython + its standard library.
    # No package wheels: tcplab's model needs none beyond the standard library.
    "pyodide": [
        ("package/pyodide.js", "pyodide/pyodide.js"),
        ("package/pyodide.asm.mjs", "pyodide/pyodide.asm.mjs"),
        ("package/pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
        ("package/python_stdlib.zip", "pyodide/python_stdlib.zip"),
        ("package/pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ],
    # Graphviz as WebAssembly inside one classic script (global ``Viz``).
    "@viz-js/viz": [("package/dist/viz-global.js", "viz/viz-global.js")],
}
# The site's python_stdlib.zip is Pyodide's, byte-compiled by Pyodide itself (pyc.py) and
# without what a pure-Python TCP model in a web page never imports: mail, XML, HTTP
# servers, test and debugging tools, the REPL, processes, databases, archives,
# command-line parsers, pickling, and all text codecs but the Unicode/Latin-1 family
# (tcplab's explorers run with these modules blocked in tests/test_site_live.py, and
# Pyodide boots with the result before it is staged). Names are paths inside the zip; a
# package drops its whole folder.
STDLIB_DROP = (
    "_pyrepl", "email", "xml", "xmlrpc", "http", "wsgiref", "mailbox", "imaplib",
    "smtplib", "poplib", "ftplib", "netrc", "socketserver", "unittest",
    "doctest", "pdb", "bdb", "pydoc", "pydoc_data", "trace", "profile", "cProfile",
    "pstats", "tabnanny", "pyclbr", "modulefinder", "pickletools", "multiprocessing",
    "sqlite3", "dbm", "ctypes", "tomllib", "plistlib", "wave", "_pyio", "idlelib",
    "turtle", "turtledemo", "tkinter", "curses", "venv", "ensurepip", "lib2to3",
    "zipapp", "compileall", "this", "antigravity", "__hello__", "__phello__",
    "tarfile", "argparse", "optparse", "getopt", "configparser", "pickle", "_compat_pickle",
    "shelve",
)  # fmt: skip
ENCODINGS_KEPT = (
    "__init__", "aliases", "ascii", "charmap", "latin_1", "cp437", "utf_8", "utf_8_sig",
    "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7",
    "raw_unicode_escape", "unicode_escape", "idna", "punycode",
)  # fmt: skip
STDLIB_PREFIX = "/lib/python314.zip/"  # where Pyodide mounts it (tracebacks name it)
# Licence texts the tarballs themselves do not ship (committed in docs/vendor/licenses/).
EXTRA_LICENSES = {
    "requirejs-LICENSE.txt": "require.js.LICENSE.txt",
    "html-manager-LICENSE.txt": "embed-amd.js.BSD-3-Clause.txt",
    "fontawesome-free-5-fonts.txt": "html-manager/FONTS-LICENSE.txt",
    "pyodide-MPL-2.0.txt": "pyodide/LICENSE.txt",
    "viz-js-LICENSE.txt": "viz/LICENSE.txt",
}


class StageError(RuntimeError):
    """The vendored scripts could not be staged (npm missing, offline, hash mismatch)."""


def _lock_digest() -> str:
    recipe = repr((FILES, STDLIB_DROP, ENCODINGS_KEPT)).encode()
    compiler = (HERE / "pyc.py").read_bytes() + (HERE / "pyc.cjs").read_bytes()
    return hashlib.sha256(LOCK.read_bytes() + recipe + compiler).hexdigest()


def locked_packages() -> dict[str, tuple[str, str]]:
    """``{name: (version, integrity)}`` for the packages in :data:`FILES`, from the lock."""
    lock = json.loads(LOCK.read_text())
    out = {}
    for name in FILES:
        entry = lock["packages"].get(f"node_modules/{name}")
        if entry is None:
            raise StageError(f"{name!r} is not in {LOCK}; run 'npm install --package-lock-only'")
        out[name] = (entry["version"], entry["integrity"])
    return out


def _check_integrity(tarball: Path, integrity: str) -> None:
    algo, _, want = integrity.partition("-")
    if algo != "sha512":
        raise StageError(f"unsupported integrity {integrity!r} in {LOCK}; expected sha512-...")
    got = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if got != want:
        raise StageError(f"{tarball.name}: sha512 {got} does not match the lock's {want}")


def _npm_pack(specs: list[str], into: Path) -> list[Path]:
    npm = shutil.which("npm")
    if npm is None:
        raise StageError(
            "npm is needed once to fetch the site's browser scripts (require.js, "
            "embed-amd.js, MathJax, Pyodide, Viz.js) from the npm registry: install Node.js/npm "
            "('apt-get install npm' on Debian), then run 'make site' again."
        )
    return _pack_all(npm, specs, into)


PACK_BUDGET = 45.0
"""Seconds all npm work may take: without a network, ``make site`` stops within a minute."""
# Without these npm retries an unreachable registry for about ten minutes.
ONLINE_FLAGS = ["--fetch-retries=0", "--fetch-timeout=15000"]


def _pack_all(npm: str, specs: list[str], into: Path) -> list[Path]:
    """Each tarball from npm's cache (offline), else from the registry, within the budget."""
    deadline = time.monotonic() + PACK_BUDGET
    tarballs = []
    for spec in specs:
        tarball, why = _pack_one(npm, spec, into, ["--offline"], deadline)
        if tarball is None:
            tarball, why = _pack_one(npm, spec, into, ONLINE_FLAGS, deadline)
        if tarball is None:
            raise StageError(
                f"cannot fetch {spec}: it is not in npm's cache and the registry failed "
                f"({why}); run 'python docs/vendor/stage.py' once with network access, then "
                "'make site' works offline"
            )
        tarballs.append(tarball)
    return tarballs


def _pack_one(
    npm: str, spec: str, into: Path, flags: list[str], deadline: float
) -> tuple[Path | None, str]:
    left = deadline - time.monotonic()
    if left <= 0:
        return None, "out of time"
    cmd = [npm, "pack", spec, "--json", "--pack-destination", str(into), *flags]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, cwd=into, check=False, timeout=left
        )
    except subprocess.TimeoutExpired:
        return None, f"no answer within {PACK_BUDGET:g} s"
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.splitlines() if x.strip()]
        return None, (lines[0] if lines else f"npm exit status {proc.returncode}")[:160]
    return into / json.loads(proc.stdout)[0]["filename"], ""


def _extract(tarball: Path, wanted: list[tuple[str, str]], dest: Path) -> None:
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
        for src, dst in wanted:
            hits = [
                m
                for m in members
                if m.isfile() and (m.name.startswith(src) if src.endswith("/") else m.name == src)
            ]
            if not hits:
                raise StageError(f"{tarball.name} has no {src!r}")
            for m in hits:
                target = dest / (dst + m.name[len(src) :] if src.endswith("/") else dst)
                target.parent.mkdir(parents=True, exist_ok=True)
                fh = tar.extractfile(m)
                assert fh is not None  # m.isfile()
                target.write_bytes(fh.read())


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise StageError(
            "Node.js is needed to byte-compile Pyodide's standard library for the site "
            "(it comes with npm: 'apt-get install npm' on Debian), then run 'make site' again."
        )
    return node


def run_pyc(pyodide: Path, src: Path, dst: Path, **options: object) -> str:
    """Byte-compile the zip ``src`` into ``dst`` with the Pyodide in ``pyodide`` (pyc.cjs).

    ``options`` are :func:`pyc.compile_zip`'s keyword arguments.
    """
    cmd = [_node(), str(HERE / "pyc.cjs"), str(pyodide), str(src), str(dst), json.dumps(options)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise StageError(f"byte-compiling {src.name} with Pyodide failed: {proc.stderr[-800:]}")
    return proc.stdout.strip()


def stdlib_drop(names: list[str]) -> list[str]:
    """What to leave out of Pyodide's stdlib zip, given the zip's entry names."""
    codecs = [n for n in names if n.startswith("encodings/") and n.count("/") == 1]
    unused = [n for n in codecs if n.endswith(".py") and n[10:-3] not in ENCODINGS_KEPT]
    return [*STDLIB_DROP, *sorted(unused)]


def _compile_stdlib(pyodide: Path) -> None:
    """Replace the staged ``python_stdlib.zip`` by its byte-compiled, trimmed copy."""
    import zipfile

    stdlib = pyodide / "python_stdlib.zip"
    with zipfile.ZipFile(stdlib) as z:
        names = z.namelist()
    out = stdlib.with_name("python_stdlib.pyc.zip")
    run_pyc(pyodide, stdlib, out, mode="sourceless", prefix=STDLIB_PREFIX, drop=stdlib_drop(names))
    out.replace(stdlib)


def _empty_lock(lock: Path) -> None:
    """Keep the lock file's ``info`` but list no packages: the site loads none (Pyodide
    reads the file at start-up; 356 entries for packages it does not ship are 114 KB)."""
    info = json.loads(lock.read_text())["info"]
    lock.write_text(json.dumps({"info": info, "packages": {}}) + "\n")


def is_staged() -> bool:
    """True when DEST holds the files for the current lock."""
    return STAMP.is_file() and STAMP.read_text().strip() == _lock_digest()


def stage(*, force: bool = False, quiet: bool = False) -> Path:
    """Make sure DEST holds the locked scripts and licences; return DEST."""
    if not force and is_staged():
        return DEST
    packages = locked_packages()
    specs = [f"{name}@{version}" for name, (version, _) in packages.items()]
    if not quiet:
        print(f"tcplab site: staging {', '.join(specs)} into {DEST}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="tcplab-vendor-") as tmp:
        tarballs = _npm_pack(specs, Path(tmp))
        staging = Path(tmp) / "out"
        for (name, (_, integrity)), tarball in zip(packages.items(), tarballs, strict=True):
            _check_integrity(tarball, integrity)
            _extract(tarball, FILES[name], staging)
        _compile_stdlib(staging / "pyodide")
        _empty_lock(staging / "pyodide" / "pyodide-lock.json")
        for src, dst in EXTRA_LICENSES.items():
            shutil.copyfile(LICENSES / src, staging / dst)
        (staging / ".stamp").write_text(_lock_digest() + "\n")
        if DEST.exists():
            shutil.rmtree(DEST)
        DEST.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, DEST)
    return DEST


if __name__ == "__main__":
    try:
        where = stage(force="--force" in sys.argv[1:])
    except StageError as exc:
        print(f"tcplab site: {exc}", file=sys.stderr)
        sys.exit(1)
    print(where)
    sys.exit(0 if os.path.isdir(where) else 1)
