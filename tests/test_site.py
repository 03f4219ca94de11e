"""The static course site: it builds with warnings as errors, every internal link
resolves, nothing is loaded from outside the machine, and — in a real browser — the
state-machine page shows its diagram, a plot and a statically rendered widget.

The site is built once per test session into docs/_build/html (the same place as
``make site``), with ``-E`` so every page is re-read and any warning resurfaces; executed
notebooks come from jupyter-cache, so a second run does not re-execute them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
INSTRUCTOR_HTML = DOCS / "_build" / "instructor"
STATE_PAGE = "notebooks/01_segments_and_states"
EXTERNAL_SCHEMES = ("http", "https", "mailto", "ftp", "data", "javascript", "tel")

sys.path.insert(0, str(DOCS / "vendor"))
import stage  # noqa: E402  (docs/vendor/stage.py: the locked vendor step)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: bench/
from bench._jupyterlab import CHROMIUM_ARGS  # noqa: E402

sys.path.pop(0)

sys.path.pop(0)


# --------------------------------------------------------------------------- helpers
class _Collect(HTMLParser):
    """Every link-ish attribute and every id of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in ("href", "src") or (name == "srcset" and tag in ("img", "source")):
                self.links.append((tag, name, value))


def _parse(path: Path) -> _Collect:
    p = _Collect()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _html_files() -> list[Path]:
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)


def _present(folder: str, pattern: str) -> list[str]:
    return sorted(p.stem for p in (ROOT / folder).glob(pattern))


# --------------------------------------------------------------------------- the build
@pytest.fixture(scope="module")
def site(student_site: Path) -> Path:
    """The student site, as ``make site`` builds it (built once per run: conftest.py)."""
    return student_site


@pytest.fixture(scope="module")
def instructor_site(instructor_site_build: Path) -> Path:
    """The instructor site, as ``make site-instructor`` builds it."""
    return instructor_site_build


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors_and_has_every_page(site: Path) -> None:
    for page in [
        "index",
        "glossary",
        "facts",
        "transitions",
        "exercises-index",
        "instructors/index",
        "instructors/running_a_lab",
        "instructors/live_labs",
        "instructors/deployment",
    ]:
        assert (site / f"{page}.html").is_file(), f"missing page {page}.html"
    # Whatever course material exists right now has a page, in the right section.
    for folder, pattern in [
        ("notebooks", "[0-9][0-9]_*.ipynb"),
        ("exercises", "*.ipynb"),
    ]:
        for stem in _present(folder, pattern):
            assert (site / folder / f"{stem}.html").is_file(), f"no page for {folder}/{stem}"
    index = (site / "index.html").read_text(encoding="utf-8")
    notebooks = _present("notebooks", "[0-9][0-9]_*.ipynb")
    positions = [index.find(f"notebooks/{stem}.html") for stem in notebooks]
    assert all(p >= 0 for p in positions), "a course notebook is missing from the landing page"
    assert positions == sorted(positions), "course notebooks are not listed in order"
    # Solutions are for instructors: never linked from the students' exercises page.
    # (The site-wide navigation lists the instructor section; the page's own text must not.)
    page = (site / "exercises-index.html").read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    assert "exercises/" in article or not _present("exercises", "*.ipynb")
    assert "solutions/" not in article


def _solution_fragments() -> list[str]:
    """Distinctive lines of every solution region, and the markers of hidden tests."""
    fragments = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if "BEGIN SOLUTION" in line:
                    inside = True
                elif "END SOLUTION" in line:
                    inside = False
                elif inside and len(line.strip()) >= 30 and not line.strip().startswith("#"):
                    fragments.append(line.strip())
    # Lines that also occur in public material (an import a course notebook uses too) are
    # not solution text.
    public = "\n".join(
        p.read_text(encoding="utf-8")
        for pattern in ("notebooks/*.ipynb", "exercises/*.ipynb", "docs/*.md", "tcplab/**/*.py")
        for p in ROOT.glob(pattern)
    )
    kept = [f for f in fragments if f not in public and json.dumps(f)[1:-1] not in public]
    return ["BEGIN SOLUTION", "HIDDEN TESTS", "from tcplab.check._summative import", *kept]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _readable(path: Path) -> str:
    """What a file says: an HTML page's text (tags dropped), else its bytes as text."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".html":
        p = _Text()
        p.feed(raw)
        return "".join(p.parts)
    return raw


@pytest.mark.slow
def test_no_solution_or_hidden_test_reaches_the_student_site(site: Path) -> None:
    fragments = _solution_fragments()
    assert len(fragments) > 40
    files = [
        p
        for p in site.rglob("*")
        if p.is_file() and "vendor" not in p.parts and p.suffix not in {".png", ".svg", ".woff2"}
    ]
    # Pages, _sources, the pickled doctrees and the search index are all searched.
    assert any(p.suffix == ".doctree" for p in files) and (site / "searchindex.js").is_file()
    leaks = [
        f"{p.relative_to(site)}: {frag[:60]!r}"
        for p in files
        for text in [_readable(p)]
        for frag in fragments
        if frag in text
    ]
    assert not leaks, leaks[:10]
    assert not (site / "solutions").exists() and not (site / "_sources" / "solutions").exists()
    assert not (site / "instructors" / "grading.html").exists()
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert "solutions/" not in index and "instructors/grading" not in index


@pytest.mark.slow
def test_the_instructor_site_adds_the_solutions_and_grading(instructor_site: Path) -> None:
    for stem in _present("solutions", "*.ipynb"):
        page = instructor_site / "solutions" / f"{stem}.html"
        assert page.is_file(), f"no instructor page for solutions/{stem}"
    # The leak detector of the student-site test does see solutions where they are.
    page = _readable(instructor_site / "solutions" / "02_exercises.html")
    assert sum(fragment in page for fragment in _solution_fragments()) > 5
    grading = instructor_site / "instructors" / "grading.html"
    assert "autograde" in _readable(grading)
    index = _readable(instructor_site / "instructors" / "index.html")
    assert "instructor build of this site" in index
    assert instructor_site != HTML


@pytest.mark.slow
def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    broken: list[str] = []
    ids: dict[Path, set[str]] = {}
    files = _html_files()
    assert len(files) >= 10
    for page in files:
        for tag, attr, value in _parse(page).links:
            targets = (
                [v.strip().split()[0] for v in value.split(",")] if attr == "srcset" else [value]
            )
            for target in targets:
                parts = urlsplit(target)
                if parts.scheme in EXTERNAL_SCHEMES or target.startswith("//"):
                    continue
                assert not parts.scheme, f"{page}: unexpected URL scheme in {target!r}"
                dest = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
                if dest.is_dir():
                    dest = dest / "index.html"
                if not dest.exists():
                    broken.append(f"{page.relative_to(site)}: <{tag} {attr}={target!r}> -> missing")
                    continue
                if parts.fragment and dest.suffix == ".html":
                    if dest not in ids:
                        ids[dest] = _parse(dest).ids
                    if unquote(parts.fragment) not in ids[dest]:
                        broken.append(f"{page.relative_to(site)}: {target!r} -> no such anchor")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


@pytest.mark.slow
def test_no_page_loads_a_script_style_image_or_font_from_the_network(site: Path) -> None:
    offenders = []
    for page in _html_files():
        for tag, attr, value in _parse(page).links:
            if tag == "a":  # a link the reader may follow, not something the page loads
                continue
            if urlsplit(value).scheme in ("http", "https") or value.startswith("//"):
                offenders.append(f"{page.relative_to(site)}: <{tag} {attr}={value!r}>")
    # CSS shipped with the site must not pull fonts or imports from the network either.
    for css in site.rglob("*.css"):
        for url in re.findall(
            r"url\(\s*['\"]?(https?:[^)'\"]+)", css.read_text("utf-8", "replace")
        ):
            offenders.append(f"{css.relative_to(site)}: url({url})")
    assert not offenders, "remote assets:\n" + "\n".join(offenders[:50])


@pytest.mark.slow
def test_widget_scripts_and_mathjax_are_served_by_the_site_with_licences(site: Path) -> None:
    vendor = site / "_static" / "vendor"
    for name in [
        "require.js",
        "require.js.LICENSE.txt",
        "embed-amd.js",
        "embed-amd.js.BSD-3-Clause.txt",
        "embed-amd.js.LICENSE.txt",
        "html-manager/1551f4f60c37af51121f.woff2",  # the widget CSS's Font Awesome 5 fonts
        "html-manager/FONTS-LICENSE.txt",
        "mathjax/tex-mml-chtml.js",
        "mathjax/LICENSE",
    ]:
        assert (vendor / name).is_file(), f"_static/vendor/{name} is not in the built site"
    assert "RequireJS 2.3.7" in (vendor / "require.js").read_text(encoding="utf-8")[:300]
    pages_with_widgets = [
        p
        for p in _html_files()
        if "application/vnd.jupyter.widget-state+json" in p.read_text("utf-8")
    ]
    for page in pages_with_widgets:
        text = page.read_text(encoding="utf-8")
        assert re.search(r'<script[^>]*src="[./]*_static/vendor/require\.js', text), page
        assert re.search(
            r'data-jupyter-widgets-cdn=""[^>]*src="[./]*_static/vendor/embed-amd', text
        ) or re.search(
            r'src="[./]*_static/vendor/embed-amd\.js[^"]*"[^>]*data-jupyter-widgets-cdn=""', text
        ), f"{page}: embed-amd.js is not the site's own copy with the CDN switched off"


@pytest.mark.slow
def test_the_transition_table_page_is_generated_from_the_library(site: Path) -> None:
    from tcplab.docs_table import transition_table_markdown
    from tcplab.fsm import ARCS

    text = (site / "transitions.html").read_text(encoding="utf-8")
    body = text[text.find('class="tcplab-transition-table') :]
    rows = body[: body.find("</table>")].count("<tr")
    assert rows == len(ARCS) + 1  # a header row plus one row per arc
    # Spot-check that each arc's note text made it through Markdown rendering.
    md_rows = transition_table_markdown().splitlines()[2:]
    assert len(md_rows) == len(ARCS)


@pytest.mark.slow
def test_the_glossary_is_bilingual_and_covers_the_seed_terms(site: Path) -> None:
    text = (site / "glossary.html").read_text(encoding="utf-8")
    for zh in [
        "三次握手",
        "四次挥手",
        "半连接队列",
        "全连接队列",
        "序列号回绕",
        "半关闭",
        "TIME_WAIT",
    ]:
        assert zh in text, f"glossary lacks {zh}"
    rows = re.findall(r"<tr[^>]*>\s*<td", text)
    assert len(rows) >= 40, f"the glossary has only {len(rows)} entries"
    cjk_rows = [
        r for r in re.findall(r"<tr.*?</tr>", text, re.S) if re.search(r"[\u4e00-\u9fff]", r)
    ]
    assert len(cjk_rows) >= 40, "every entry needs its Chinese term"


# --------------------------------------------------------------------------- Binder
def test_binder_requirements_are_in_sync_with_the_lock() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import binder_requirements
    finally:
        sys.path.pop(0)
    try:
        expected = binder_requirements.render()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    actual = (ROOT / "binder" / "requirements.txt").read_text()
    assert actual == expected, (
        "binder/requirements.txt is stale: python scripts/binder_requirements.py"
    )
    pins = {line.split("==")[0] for line in actual.splitlines() if "==" in line}
    assert {"numpy", "pandas", "matplotlib", "ipywidgets", "graphviz", "dpkt"} <= pins
    # What an image not built by repo2docker needs to run notebooks, and the git-pull link.
    assert {"ipykernel", "nbconvert", "nbgitpuller"} <= pins
    assert (ROOT / "binder" / "apt.txt").read_text().split() == ["graphviz"]
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post
    # Never editable: a hub that mounts persistent homes hides the source tree.
    assert " -e " not in post and "--editable" not in post


# --------------------------------------------------------------------------- vendoring
def test_the_vendor_step_rejects_a_tarball_that_does_not_match_the_lock(tmp_path: Path) -> None:
    tarball = tmp_path / "requirejs-2.3.7.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        member = tmp_path / "require.js"
        member.write_text("/* not the real thing */")
        tar.add(member, arcname="package/require.js")
    _, integrity = stage.locked_packages()["requirejs"]
    with pytest.raises(stage.StageError, match="does not match the lock"):
        stage._check_integrity(tarball, integrity)
    good = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    stage._check_integrity(tarball, good)  # and accepts a matching one


def test_the_vendor_step_stops_within_a_minute_without_a_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    # An empty npm cache and a registry nobody answers: a clean checkout with no network.
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "cache"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    specs = [f"{n}@{v}" for n, (v, _) in stage.locked_packages().items()]
    start = time.monotonic()
    with pytest.raises(stage.StageError) as err:
        stage._pack_all(npm, specs, tmp_path)
    assert time.monotonic() - start < 60
    message = str(err.value)
    assert "\n" not in message and specs[0] in message and "once with network" in message


def test_the_lock_pins_exactly_the_versions_the_site_was_designed_for() -> None:
    versions = {name: v for name, (v, _) in stage.locked_packages().items()}
    assert versions == {
        "requirejs": "2.3.7",
        "@jupyter-widgets/html-manager": "1.0.15",
        "mathjax": "3.2.2",
        "pyodide": "314.0.6",
        "@viz-js/viz": "3.31.0",
    }
    package = json.loads((DOCS / "vendor" / "package.json").read_text())
    assert package["dependencies"] == versions


# --------------------------------------------------------------------------- browser
# The one list of Chromium flags for this machine kind (bench/_jupyterlab.py), headless here.
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (scripts/ensure-tools.sh chromium installs it)")


def _browse(page: Path, tmp: Path) -> tuple[str, list[str]]:
    """Load ``page`` headless; return its DOM after scripts ran and the URLs it requested.

    Chromium's own background requests (update checks, time service) have no page
    origin ("not an origin") and are left out; every other network request in the
    net log came from the page.
    """
    netlog = tmp / "net.json"
    profile = tmp / "profile"
    cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    cmd += ["--virtual-time-budget=10000", "--window-size=1200,900"]
    cmd += [f"--log-net-log={netlog}", "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout.strip():
        pytest.skip(f"headless chromium could not run here: {proc.stderr.strip()[-500:]}")
    log = json.loads(netlog.read_text())
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if (
            types.get(event["type"]) == "URL_REQUEST_START_JOB"
            and "url" in params
            and params.get("initiator") != "not an origin"
        ):
            urls.append(params["url"])
    return proc.stdout, urls


def test_the_browser_check_can_see_a_page_reaching_for_a_cdn(tmp_path: Path) -> None:
    # The detector must be able to fail: a page that loads from a CDN is caught.
    page = tmp_path / "cdn.html"
    page.write_text(
        '<html><body><script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.7/require.js">'
        '</script><img src="http://198.51.100.7/x.png"><p id="ok">ok</p></body></html>'
    )
    dom, urls = _browse(page, tmp_path)
    assert 'id="ok"' in dom
    assert any("cdn.jsdelivr.net" in u for u in urls), urls
    assert any("198.51.100.7" in u for u in urls), urls


class _Dom(HTMLParser):
    """What is visible in the rendered state-machine page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.imgs: list[str] = []
        self.widget_views = 0  # rendered widget views (lumino widgets in the DOM)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "img" and a.get("src"):
            self.imgs.append(a["src"] or "")
        if "jupyter-widgets" in classes and "lm-Widget" in classes:
            self.widget_views += 1


def _svgs_in_html_widgets(dom: str) -> int:
    """How many rendered HTML widgets hold an inline <svg> (the explorer's picture)."""
    count = 0
    for chunk in dom.split('class="widget-html-content"')[1:]:
        # The widget's own content ends where the next widget view begins.
        if "<svg" in chunk.split('class="lm-Widget')[0]:
            count += 1
    return count


def test_the_state_machine_page_renders_its_diagram_plot_and_widget_offline(
    site: Path, tmp_path: Path
) -> None:
    if not (ROOT / "notebooks" / f"{Path(STATE_PAGE).name}.ipynb").exists():
        pytest.skip(f"{STATE_PAGE}.ipynb (module 1) has not been written yet")
    page = site / f"{STATE_PAGE}.html"
    assert page.is_file()
    dom_text, urls = _browse(page, tmp_path)
    dom = _Dom()
    dom.feed(dom_text)
    svgs = [s for s in dom.imgs if s.split("?")[0].endswith(".svg") and "_images/" in s]
    pngs = [s for s in dom.imgs if s.split("?")[0].endswith(".png") and "_images/" in s]
    assert svgs or "<svg" in dom_text, "no state diagram (SVG) on the page"
    assert pngs, "no plot (img) on the page"
    assert dom.widget_views > 0, "no widget was rendered from the stored widget state"
    assert _svgs_in_html_widgets(dom_text) > 0, (
        "the explorer's picture (an HTML widget with inline SVG) is not there"
    )
    # Everything the page asked for came from this machine.
    outside = [u for u in urls if urlsplit(u).scheme not in ("file", "data", "blob")]
    assert not outside, f"the page made requests outside the machine: {outside}"
