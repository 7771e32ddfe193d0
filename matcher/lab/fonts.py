"""A font with Chinese glyphs for matplotlib's figures (中文字体).

Matplotlib draws with DejaVu Sans, which has no CJK glyphs: without a CJK font every Chinese label
is a box. :func:`cjk_family` finds one installed on the machine (nothing is fetched); the figures
list it after DejaVu Sans, and matplotlib's font fallback takes each glyph from the first that has it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from matplotlib import font_manager

from matcher.i18n import _

#: CJK families in order of preference: Simplified Chinese first, then fonts that also cover it.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)


#: File names of those fonts, for fonts installed after matplotlib wrote its font cache.
CJK_FILES = ("NotoSansCJK", "SourceHanSans", "NotoSansSC", "wqy-", "msyh", "simhei", "DroidSansFallback")


@cache
def cjk_family() -> str | None:
    """The first of :data:`CJK_FAMILIES` matplotlib knows, or None when no CJK font is installed.
    Matplotlib's font list is cached when it is first used; a CJK font installed since is added."""
    found = _known(CJK_FAMILIES)
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(part.lower() in Path(path).name.lower() for part in CJK_FILES):
                font_manager.fontManager.addfont(path)
        found = _known(CJK_FAMILIES)
    return found


def _known(families: tuple[str, ...]) -> str | None:
    known = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in families if family in known), None)


def figure_fonts() -> dict[str, Any]:
    """rc settings for figures with Chinese text: DejaVu Sans, then the CJK family if there is one
    (a list of families in ``font.family`` is what matplotlib falls back along, glyph by glyph)."""
    family = cjk_family()
    return {"font.family": ["DejaVu Sans", *([family] if family else [])]}


def font_notice() -> str:
    """What to tell a reader when no CJK font is installed, in the current language."""
    return _(
        "No CJK font is installed, so Chinese labels in the figures show as boxes. Install one "
        "(Debian/Ubuntu: apt-get install fonts-noto-cjk; see matcher/lab/fonts.py for the families looked for) "
        "and run again."
    )
