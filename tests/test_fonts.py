"""The site serves a CJK font subset that covers every Chinese character the course uses."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FONT = ROOT / "docs" / "_static" / "fonts" / "tcplab-cjk.woff"


def _script():
    spec = importlib.util.spec_from_file_location("cjk_font", ROOT / "scripts" / "cjk_font.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_served_font_has_every_cjk_character_of_the_course():
    ttlib = pytest.importorskip("fontTools.ttLib")
    chars = _script().cjk_characters()
    assert "中" in chars and "握" in chars  # the glossary is among the files read
    cmap = ttlib.TTFont(FONT).getBestCmap()
    missing = "".join(c for c in chars if ord(c) not in cmap)
    assert not missing, f"run `.venv/bin/python scripts/cjk_font.py`: no glyph for {missing}"


def test_the_stylesheet_loads_it_for_cjk_only_and_the_licence_ships_with_it():
    css = (ROOT / "docs" / "_static" / "tcplab.css").read_text()
    assert 'url("fonts/tcplab-cjk.woff")' in css and "unicode-range" in css
    assert '"tcplab CJK"' in css.split("--pst-font-family-base-system:")[1]
    assert "SIL OPEN FONT LICENSE" in (FONT.parent / "LICENSE-OFL.txt").read_text()
    assert FONT.stat().st_size < 200_000  # a subset, not the 16 MiB font
