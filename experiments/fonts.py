"""A font for matplotlib that draws Chinese as well as Latin text (no tofu boxes).

Importing this module puts the first installed CJK-capable family in front of
``rcParams["font.sans-serif"]`` (before DejaVu Sans, which has no CJK glyphs), so every
plot drawn afterwards can label bundles, departments and items in both languages.  On
Debian the family comes from the package ``fonts-wqy-microhei`` (WenQuanYi Micro Hei).
"""

from __future__ import annotations

from functools import cache

import matplotlib
from matplotlib import font_manager

CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "AR PL UMing",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
"""Families known to cover CJK, preferred first (sans-serif, screen-friendly ones)."""

CSS_STACK = (
    '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '
    '"Droid Sans Fallback", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", sans-serif'
)
"""The same preference as a CSS ``font-family`` value (for the HTML report)."""


def _first(names: set[str]) -> str | None:
    return next((family for family in CJK_FAMILIES if family in names), None)


@cache
def cjk_font() -> str | None:
    """The first installed family of ``CJK_FAMILIES``, or None when none is installed.

    matplotlib caches its font list on first use; a font installed later (``apt-get
    install fonts-wqy-microhei`` after the cache was written) is not in it, so the system
    font folders are scanned once more for files the cache does not know."""
    manager = font_manager.fontManager
    family = _first({f.name for f in manager.ttflist})
    if family is not None:
        return family
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # a file FreeType cannot read: not ours to fix
    return _first({f.name for f in manager.ttflist})


def configure() -> str | None:
    """Put the CJK family first in matplotlib's sans-serif list (idempotent)."""
    family = cjk_font()
    if family is not None:
        rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
        matplotlib.rcParams["font.sans-serif"] = [family, *rest]
        matplotlib.rcParams["font.family"] = ["sans-serif"]
    return family


configure()
