"""Write docs/_static/fonts/tcplab-cjk.woff: the CJK characters the course uses, and no more.

The site must show the glossary's Chinese on a machine without a CJK font, without
fetching one from the network. This subsets Noto Sans CJK SC (SIL Open Font License 1.1,
Debian's fonts-noto-cjk, installed by `scripts/ensure-tools.sh cjk-font`) to the CJK
characters found in docs/ and notebooks/ (a few hundred glyphs: tens of KiB instead of
tens of MiB). Run it again after adding Chinese text; tests/test_fonts.py fails until then.

    .venv/bin/python scripts/cjk_font.py
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_static" / "fonts" / "tcplab-cjk.woff"
SOURCE = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = "Noto Sans CJK SC"  # simplified Chinese glyph forms, as the glossary uses
# CJK punctuation, Hiragana/Katakana, CJK ideographs, compatibility ideographs, full-width forms.
RANGES = ((0x3000, 0x30FF), (0x3400, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))


def is_cjk(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in RANGES)


def course_text_files() -> list[pathlib.Path]:
    skip = {"_build", "vendor", ".ipynb_checkpoints"}
    files = [*ROOT.joinpath("docs").rglob("*.md"), *ROOT.joinpath("notebooks").glob("*.ipynb")]
    return sorted(p for p in files if not skip & set(p.parts))


def cjk_characters() -> str:
    chars = {c for p in course_text_files() for c in p.read_text(encoding="utf-8") if is_cjk(c)}
    return "".join(sorted(chars))


def main() -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    if not SOURCE.exists():
        print(f"cjk_font: {SOURCE} is missing — run `scripts/ensure-tools.sh cjk-font`")
        return 1
    faces = TTCollection(str(SOURCE)).fonts
    font = next(f for f in faces if f["name"].getDebugName(1) == FACE)
    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; every browser reads it
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    chars = cjk_characters()
    sub.populate(text=chars)
    sub.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff"
    font.save(str(OUT))
    print(f"cjk_font: {len(chars)} characters → {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} B)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
