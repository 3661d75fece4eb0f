"""``onething report RESULTS_DIR``: CJK plot labels, a self-contained HTML page that a real
browser (Debian's ``chromium``, headless) renders with every image loaded and no text
overflowing."""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml

import onething.experiments as experiments
from onething.cli import main
from onething.experiments import fonts
from onething.scenarios.loader import load_scenario
from tests.experiments.conftest import QUICK

SPEC = {
    "name": "tiny_report",
    "kind": "lever_attribution",
    "bundle": "newborn",
    "levers": ["data_sharing", "e_certificate"],
    **QUICK,
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
    "--virtual-time-budget=5000",
]


def test_matplotlib_draws_chinese_without_missing_glyphs():
    import matplotlib.pyplot as plt

    assert fonts.cjk_font() is not None, (
        "no CJK font installed: apt-get install fonts-wqy-microhei (WenQuanYi Micro Hei)"
    )
    fonts.configure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes an error
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(["出生医学证明", "户口登记", "社保卡"], [3, -1.5, 2])
        ax.set_title("新生儿出生 newborn: 综合窗口 −12.6 days")
        ax.set_xlabel("环节 steps / 材料 materials / 跑动 trips")
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)


def test_without_a_cjk_font_the_glyph_check_would_fail():
    """The check above is not vacuous: DejaVu Sans alone lacks the glyphs."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("新生儿", fontfamily="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A tiny lever attribution run through the CLI, then its report."""
    from tests.experiments.conftest import write

    folder = tmp_path_factory.mktemp("report")
    spec = write(folder, SPEC)
    out = folder / "out"
    assert main(["experiment", "run", str(spec), "--out", str(out), "--jobs", "2"]) == 0
    assert main(["report", str(out)]) == 0
    return out


def test_the_report_is_self_contained_and_tells_the_scenario(results: Path, capsys):
    page = (results / "report.html").read_text(encoding="utf-8")
    pngs = sorted(results.glob("*.png"))
    assert pngs, "the study drew no plot"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    sources = re.findall(r"""<img[^>]*\ssrc="([^"]*)\"""", page)
    assert len(sources) == len(pngs)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in page and "@import" not in page
    assert "Which lever buys how much for newborn?" in page
    scenario = load_scenario("newborn")
    for key in scenario.sources:
        assert f"<b>{key}</b>" in page
    for path in scenario.assumptions:
        assert f"<code>{path}</code>" in page
    assert "新生儿出生一件事" in page and "WenQuanYi Micro Hei" in page
    # the glyphs of its Chinese, and those only: Noto Sans SC cut to some tens of KiB
    face = re.search(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", page)
    assert face and len(face.group(1)) < 200_000
    assert "Data sharing alone cuts end-to-end time by" in page
    assert "Time, mean (working days)" in page and "[" in page  # means with CIs


def visible(page: str) -> str:
    """The text a reader sees in a report's body: no script, style, image or font data."""
    body = page[page.index("<body") :]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", body)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def quoted_removed(page: str) -> str:
    """The page without the scenario file's own prose, quoted as written (``lang="en"``)."""
    return re.sub(r'<(\w+)[^>]*\slang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)


def test_the_chinese_report_says_everything_in_chinese(results: Path):
    """``--lang zh``: every heading, measure, lever, variant, unit, finding and name in
    Chinese, no identifier of the code; the scenario file's English prose (its sources and
    assumptions) is quoted as written, marked as English; the embedded font has every
    Chinese character the page shows."""
    from fontTools.ttLib import TTFont

    from tests.workbench.test_chinese import ENGLISH_SENTENCE, IDENTIFIER

    assert main(["report", str(results), "--lang", "zh"]) == 0
    page = (results / "report.zh.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    text = visible(page)
    assert IDENTIFIER.findall(text) == []
    assert ENGLISH_SENTENCE.findall(visible(quoted_removed(page))) == []
    for said in (
        "举措贡献分解：新生儿出生一件事",
        "新生儿出生一件事：每项改革举措各带来多少改进？",
        "仅实施数据共享，办理时间缩短",
        "办理时间均值（工作日）",
        "利用率：医院",
        "数据共享+<wbr>电子证照",
        "事项 › 户口登记 › 补正概率",
    ):
        assert said in page, said
    assert "出生医学证明" in text and "Birth medical certificate" not in text
    assert len(re.findall(r"<img ", page)) == len(list(results.glob("*.png")))
    face = re.search(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", page)
    font = TTFont(io.BytesIO(base64.b64decode(face.group(1))))
    drawn = set(font.getBestCmap())
    chinese = {ord(c) for c in text if re.match(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", c)}
    assert chinese and chinese <= drawn, sorted(chr(c) for c in chinese - drawn)
    # the English report is the English one still
    english = (results / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Data sharing alone cuts end-to-end time by" in english


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "the browser test needs Debian's chromium: apt-get install -y chromium "
            "fonts-wqy-microhei"
        )
    return chromium


def _probe(page: Path, profile: Path) -> dict[str, str]:
    """The attributes the report's inline check wrote on <body> in headless Chromium."""
    base = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run(
        [*base, "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))


def test_the_report_renders_in_headless_chromium(results: Path, tmp_path: Path):
    url = (results / "report.html").resolve().as_uri()
    shot = tmp_path / "shot.png"
    base = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run(
        [*base, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
    )

    from PIL import Image

    assert shot.is_file() and shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is None or len(colours) > 50, "the screenshot is (nearly) one colour"
    attributes = _probe(results / "report.html", tmp_path / "profile")
    n = len(list(results.glob("*.png")))
    assert attributes.get("data-images-loaded") == f"{n}/{n}", attributes
    assert attributes.get("data-overflow") == "0", attributes

    # The overflow probe is not vacuous: a box too narrow for its text is caught, and so
    # is a table wider than the page.
    broken = tmp_path / "broken.html"
    page = (results / "report.html").read_text(encoding="utf-8")
    squeezed = '<p style="width:80px;white-space:nowrap;overflow:hidden">新生儿出生 newborn</p>'
    broken.write_text(page.replace("</main>", squeezed + "</main>"), encoding="utf-8")
    assert _probe(broken, tmp_path / "profile")["data-overflow"] == "1"
    cells = "".join(f"<td>{i} 000 000 000</td>" for i in range(40))
    wide = f'<div class="scroll"><table><tr>{cells}</tr></table></div>'
    broken.write_text(page.replace("</main>", wide + "</main>"), encoding="utf-8")
    assert _probe(broken, tmp_path / "profile")["data-overflow"] == "1"


SHIPPED = sorted(Path(experiments.__file__).parent.glob("*.yaml"))


@pytest.fixture(scope="module")
def fontless(tmp_path_factory):
    """One Chromium with no CJK font of the system for every shipped report."""
    from tests.workbench.conftest import fontless_chromium

    with fontless_chromium(tmp_path_factory.mktemp("fontconfig")) as browser:
        yield browser


@pytest.mark.parametrize("spec", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_spec_gives_a_report_that_fits_1280_px(spec: Path, tmp_path: Path, fontless):
    """Each study kind's tables and findings, on a small run of the shipped spec, in
    English and Chinese: every image loads, nothing is wider than the page, no raw
    quantile column leaks in, and its Chinese is drawn, not boxes, by a browser with no
    CJK font (the embedded subset); the Chinese report shows no code identifier and no
    English sentence but the scenario file's quoted prose."""
    from tests.experiments.conftest import write
    from tests.workbench.conftest import GLYPHS, SHOTS, WIDTHS
    from tests.workbench.test_chinese import ENGLISH_SENTENCE, IDENTIFIER

    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    small = write(tmp_path, {**data, **QUICK, "horizon_days": 20})
    out = tmp_path / "out"
    assert main(["experiment", "run", str(small), "--out", str(out), "--jobs", "2"]) == 0
    assert main(["report", str(out)]) == 0
    assert main(["report", str(out), "--lang", "zh"]) == 0
    chinese = (out / "report.zh.html").read_text(encoding="utf-8")
    assert IDENTIFIER.findall(visible(quoted_removed(chinese))) == []
    assert ENGLISH_SENTENCE.findall(visible(quoted_removed(chinese))) == []
    for name, lang in (("report.html", "en"), ("report.zh.html", "zh")):
        page = (out / name).read_text(encoding="utf-8")
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
        assert not re.search(r"\bq\d\d\b|\.q\d\d", text)
        assert '<ul class="findings">' in page and "Fastest:" not in page  # the kind's own
        attributes = _probe(out / name, tmp_path / "profile")
        n = len(list(out.glob("*.png")))
        assert attributes.get("data-images-loaded") == f"{n}/{n}", attributes
        assert attributes.get("data-overflow") == "0", attributes
        tab = fontless.new_page()
        tab.goto((out / name).resolve().as_uri())
        glyphs = tab.evaluate(GLYPHS)
        assert glyphs["fontsHidden"] and glyphs["chars"] > 5 and glyphs["boxes"] == [], glyphs
        (SHOTS / "no-cjk-font").mkdir(parents=True, exist_ok=True)
        suffix = "" if lang == "en" else "-zh"
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            shot = SHOTS / "no-cjk-font" / f"report-{spec.stem}{suffix}-{width}.png"
            tab.screenshot(path=str(shot))
        tab.close()


def test_report_on_a_missing_or_foreign_folder_exits_2(tmp_path: Path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{tmp_path / 'nope'}: (folder): no such results folder"
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "spec.yaml: missing" in err


def test_an_unloadable_bundle_still_gives_a_report(results: Path, tmp_path: Path):
    from onething.experiments.report import write_report

    copy = tmp_path / "copy"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("cache", "report.html"))
    spec = copy / "spec.yaml"
    spec.write_text(
        spec.read_text().replace("bundle: newborn", "bundle: elsewhere/custom.yaml"),
        encoding="utf-8",
    )
    page = write_report(copy).read_text(encoding="utf-8")
    assert "The scenario could not be loaded" in page
    assert "custom.yaml" in page
    assert "Data sharing alone cuts" in page  # the findings come from study.json


def test_a_damaged_study_json_still_gives_the_tables(results: Path, tmp_path: Path):
    """study.json nested 100,000 deep (a damaged or hostile copy) is read as no findings."""
    from onething.experiments.report import write_report

    copy = tmp_path / "copy"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("cache", "report.html"))
    (copy / "study.json").write_text("[" * 100_000, encoding="utf-8")
    page = write_report(copy).read_text(encoding="utf-8")
    assert "Data sharing alone cuts" not in page
    assert "<table" in page


def test_an_unknown_study_kind_gets_the_generic_summary(tmp_path: Path):
    """Kinds added later (staffing, sensitivity...) still get a page: the means with their
    intervals and the fastest/slowest variant."""
    from onething.experiments.report import write_report

    (tmp_path / "spec.yaml").write_text(
        "name: future\nkind: staffing\nbundle: newborn\nreplications: 2\n", encoding="utf-8"
    )
    (tmp_path / "summary.csv").write_text(
        "variant,measure,mean,ci95_low,ci95_high\n"
        "w=2,time_working_days.mean,9.5,9.0,10.0\n"
        "w=3,time_working_days.mean,6.25,6.0,6.5\n"
        "w=3,utilisation.single_window,0.7,0.65,0.75\n",
        encoding="utf-8",
    )
    (tmp_path / "study.json").write_text('{"kind": "staffing", "odd": [1, 2]}', encoding="utf-8")
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "How many windows does newborn need" in page
    assert "Fastest: w=3, 6.25 working days" in page
    assert "9.5 [9, 10]" in page and "70 % [65 %, 75 %]" in page
    assert "Utilisation: Comprehensive window 综合窗口" in page


def test_the_report_draws_the_plots_again_from_the_saved_results(results: Path, tmp_path: Path):
    """A report made after installing a font (or upgrading) has the current plots."""
    from onething.experiments.report import write_report

    copy = tmp_path / "copy"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("cache", "report.html"))
    for png in copy.glob("*.png"):
        png.write_bytes(b"stale")
    write_report(copy)
    names = sorted(p.name for p in copy.glob("*.png"))
    assert names == ["time_ecdf.png", "waterfall.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in copy.glob("*.png"))


def test_an_interval_never_has_its_top_below_its_mean():
    """A utilisation is offered work over capacity (142 % on an overloaded place): its
    interval keeps its top; a share of cases stops at 100 %."""
    from onething.experiments.present import estimate

    assert estimate(1.42, 1.34, 1.50, share=True) == "142 % [134 %, 150 %]"
    assert estimate(0.98, 0.95, 1.02, share=True, of_cases=True) == "98 % [95 %, 100 %]"
    assert estimate(13.0, 12.9, 13.1) == "13 [12.9, 13.1]"
