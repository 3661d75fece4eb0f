"""A font for matplotlib that draws Chinese as well as Latin text, and never a box.

Importing this module puts the first CJK-capable family in front of
``rcParams["font.sans-serif"]`` (before DejaVu Sans, which has no CJK glyphs), so every
plot drawn afterwards can label bundles, departments and items in both languages.  The
family is an installed one (Debian: ``fonts-wqy-microhei``), else Noto Sans SC from the
required dependency ``pylopdf-fonts-zh-cn`` (a data-only wheel, SIL Open Font License 1.1,
no root needed).  Without either (a broken install), ``english`` strips the Chinese from
every label before a plot is saved and one line says how to get it.

The same Noto Sans SC is what the browser draws Chinese with, whatever the machine has:
the workbench serves the file (``bundled_font``) and the HTML report embeds the few glyphs
it uses (``embedded_face``), so neither depends on a system font.
"""

from __future__ import annotations

import base64
import importlib.util
import io
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

BUNDLED_FAMILY = "Noto Sans SC onething"
"""The family name the pages give the bundled font (not a system family's name, so the
browser never takes a local font of that name instead)."""
CSS_STACK = (
    f'"{BUNDLED_FAMILY}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", '
    '"Source Han Sans SC", "Droid Sans Fallback", "PingFang SC", "Microsoft YaHei", '
    '"DejaVu Sans", sans-serif'
)
"""The same preference as a CSS ``font-family`` value (for the HTML report), after the
font it embeds (``embedded_face``)."""


FONT_PACKAGE = "pylopdf_fonts_zh_cn"
"""The module of the dependency ``pylopdf-fonts-zh-cn``: Noto Sans SC as a file inside it."""
BUNDLED_FILE = "NotoSansSC-Regular.otf"
CJK_RANGES = "U+2E80-2FDF, U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF"
"""The characters the bundled font draws on a page; Latin text keeps the page's own font."""
HINT = (
    "onething: no font with Chinese glyphs: plot labels are in English only; for "
    "bilingual labels: pip install --force-reinstall pylopdf-fonts-zh-cn "
    "(or apt-get install fonts-wqy-microhei)"
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
    """The font files a Python package ships (``pylopdf-fonts-zh-cn``), found without importing
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


def bundled_font() -> Path | None:
    """Noto Sans SC as the dependency ``pylopdf-fonts-zh-cn`` ships it (None: not
    installed)."""
    return next((Path(p) for p in packaged_fonts() if Path(p).name == BUNDLED_FILE), None)


@cache
def _bundled() -> bytes:
    font = bundled_font()
    if font is None:
        raise FileNotFoundError(f"{BUNDLED_FILE}: {HINT}")
    return font.read_bytes()


def embedded_face(text: str) -> str:
    """A CSS ``@font-face`` rule of ``BUNDLED_FAMILY`` whose font, a data URI, is Noto
    Sans SC cut down to the Chinese characters of ``text`` (WOFF2): a page carrying it
    draws its Chinese with no font installed, for some tens of KiB instead of 8 MiB.
    Empty when ``text`` has no Chinese."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = "".join(sorted(set("".join(_CJK.findall(text)))))
    if not wanted:
        return ""
    options = subset.Options()
    options.flavor = "woff2"
    font = TTFont(io.BytesIO(_bundled()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    uri = "data:font/woff2;base64," + base64.b64encode(data.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{BUNDLED_FAMILY}"; src: url({uri}) format("woff2"); '
        f"unicode-range: {CJK_RANGES}; }}"
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
