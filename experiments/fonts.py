"""A font for matplotlib that draws Chinese as well as Latin text, and never a box.

Importing this module puts the first CJK-capable family in front of
``rcParams["font.sans-serif"]`` (before DejaVu Sans, which has no CJK glyphs), so every
plot drawn afterwards can label bundles, departments and items in both languages.  The
family is an installed one (Debian: ``fonts-wqy-microhei``), else Noto Sans SC from the
``cjk`` extra (``pip install "onething[cjk]"``: the PyPI package ``pylopdf-fonts-zh-cn``,
SIL Open Font License 1.1, no root needed).  Without either, ``english`` strips the
Chinese from every label before a plot is saved and one line says how to get it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Sans CJK JP",
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


FONT_PACKAGE = "pylopdf_fonts_zh_cn"
"""The ``cjk`` extra's module: Noto Sans SC as a file inside the package."""
HINT = (
    "onething: no font with Chinese glyphs: plot labels are in English only; for "
    'bilingual labels: pip install "onething[cjk]" (or apt-get install fonts-wqy-microhei)'
)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


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
    for path in [*font_manager.findSystemFonts(), *packaged_fonts()]:
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # a file FreeType cannot read: not ours to fix
    return _first({f.name for f in manager.ttflist})


def packaged_fonts(module: str = FONT_PACKAGE) -> list[str]:
    """The font files a Python package ships (the ``cjk`` extra), found without importing
    it; none when it is not installed."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(
        str(p)
        for folder in spec.submodule_search_locations
        for p in Path(folder).iterdir()
        if p.suffix.lower() in (".otf", ".ttf", ".ttc") and "Sans" in p.name
    )


def english(text: str) -> str:
    """The label without its Chinese (for a machine with no CJK font): "Steps 环节" ->
    "Steps"; a label that is only Chinese is kept, it has nothing else to say."""
    stripped = re.sub(r"\s{2,}", " ", _CJK.sub("", text)).strip()
    return stripped if stripped.strip("():,;-—/") else text


@cache
def hint() -> None:
    """Say once per process why the plots have English labels only."""
    print(HINT, file=sys.stderr)


def fit(fig: object) -> None:
    """Without a CJK font, strip the Chinese from every text of ``fig`` (titles, axis
    labels, legends, tick labels) and say once how to get it; with one, nothing."""
    if cjk_font() is not None:
        return
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter

    changed = False
    for artist in fig.findobj(Text):  # type: ignore[attr-defined]
        text = artist.get_text()
        if _CJK.search(text):
            artist.set_text(english(text))
            changed = True
    for ax in fig.axes:  # type: ignore[attr-defined]
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter) and any(map(_CJK.search, formatter.seq)):
                formatter.seq = [english(t) for t in formatter.seq]
                changed = True
    if changed:
        hint()


def configure() -> str | None:
    """Put the CJK family first in matplotlib's sans-serif list (idempotent)."""
    family = cjk_font()
    if family is not None:
        rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
        matplotlib.rcParams["font.sans-serif"] = [family, *rest]
        matplotlib.rcParams["font.family"] = ["sans-serif"]
    return family


configure()
