"""The workbench in Chinese on a machine with no Chinese font: every page, a what-if
result, a study, its report and a comparison of the two, at 1280 and 390 px in both
languages, in a Chromium that sees only DejaVu.  Each page's Chinese characters are drawn
in the page's own font and compared with the missing-glyph box; and no page in 中文 shows
an identifier of the code (``single_window``) where a word belongs."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
import yaml

from tests.workbench.conftest import GLYPHS, SHOTS, WIDTHS, fontless_chromium, own_post

IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""snake_case, as the code names levers, places and measures."""
WINDOWS = "departments.hospital.windows"
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?:[ ,;:'’()-]+[A-Za-z]+){2,}")
"""Three English words in a row: a sentence left untranslated."""


def finished(base: str, job: str, ending: str = "done") -> int:
    """Follow a job's events to its end (``ending``); the run's id."""
    with urllib.request.urlopen(f"{base}/api/jobs/{job}/events", timeout=300) as events:
        kind = ""
        for raw in events:
            line = raw.decode().strip()
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind in ("done", "error", "cancelled"):
                event = json.loads(line[6:])
                assert kind == ending and event.get("run_id"), event
                return event["run_id"]
    raise AssertionError(f"job {job} ended without a done event")


@pytest.fixture(scope="module")
def runs(server) -> dict[str, int]:
    """A small what-if and a small study, run by the server as the pages run them, and a
    what-if that fails (overloaded)."""
    status, whatif = own_post(
        server + "/api/whatif",
        {"bundle": "newborn", "replications": 2, "seed": 3, "horizon_days": 10, "warmup_days": 2},
    )
    assert status == 200, whatif
    spec = {
        "name": "tiny_chinese",
        "kind": "variants",
        "bundle": "newborn",
        "replications": 2,
        "horizon_days": 10,
        "warmup_days": 2,
        "seed": 3,
        "variants": [
            {"name": "before", "levers": None},
            {"name": "shared", "levers": ["data_sharing"]},
        ],
    }
    status, study = own_post(server + "/api/study", {"upload": yaml.safe_dump(spec)})
    assert status == 200, study
    status, overloaded = own_post(
        server + "/api/whatif",
        {"bundle": "newborn", "arrivals_per_day": 3000, "replications": 1, "horizon_days": 400},
    )
    assert status == 200, overloaded
    return {
        "whatif": finished(server, whatif["job"]),
        "study": finished(server, study["job"]),
        "failed": finished(server, overloaded["job"], "error"),
    }


def pages(runs: dict[str, int]) -> dict[str, str]:
    w, s = runs["whatif"], runs["study"]
    return {
        "catalog": "/",
        "whatif": "/whatif/newborn",
        "map": "/map/newborn",
        "walk": "/walk/newborn?seed=7",
        "studies": "/studies",
        "editor": "/editor?from=newborn",
        "editor-mistake": "/editor?from=newborn",
        "runs": "/runs",
        "live": "/live",
        "whatif-result": f"/runs/{w}",
        "study-result": f"/runs/{s}",
        "runs-compare": f"/runs/compare?a={w}&b={s}",
        "failed-result": f"/runs/{runs['failed']}",
        "error": "/walk/nosuch",
        "report": f"/runs/{s}/files/report.html",
    }


@pytest.fixture(scope="module")
def crawl(server, runs, tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Every page in both languages through one fontless browser: what its glyph check
    found, the identifiers its Chinese text shows, and a screenshot at each width."""
    found: dict[tuple[str, str], dict] = {}
    shots = SHOTS / "no-cjk-font"
    shots.mkdir(parents=True, exist_ok=True)
    with fontless_chromium(tmp_path_factory.mktemp("fontconfig")) as browser:
        for lang in ("en", "zh"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            for name, path in pages(runs).items():
                if name == "report" and lang == "zh":  # the study's report in Chinese
                    path = path.replace("report.html", "report.zh.html")
                sep = "&" if "?" in path else "?"
                response = tab.goto(f"{server}{path}{sep}lang={lang}")
                tab.wait_for_load_state("load")
                if name == "whatif-result":
                    tab.wait_for_selector("#chart-queue .main-svg")
                if name == "study-result":
                    tab.frame_locator("#study-report").locator("h1").wait_for()
                if name == "editor-mistake":  # after the load-time check, a bad value
                    tab.wait_for_selector("#problems li.ok")
                    tab.fill(f'input[data-path="{WINDOWS}"]', "0")
                    tab.wait_for_function(
                        "f => document.querySelector(`.field-error[data-for='${f}']`)"
                        ".textContent !== ''",
                        arg=WINDOWS,
                    )
                said = tab.evaluate(  # what the page says about a scenario or a study
                    "() => [...document.querySelectorAll('.field-error, #problems li, "
                    "#study-findings, pre.problem')]"
                    ".map(e => e.textContent).join('\\n')"
                )
                glyphs = tab.evaluate(GLYPHS)
                text = tab.evaluate(
                    "() => document.body.innerText + ' ' + [...document.querySelectorAll("
                    "'svg text, option, [title]')].map(e => e.textContent + ' ' + "
                    "(e.getAttribute('title') || '')).join(' ')"
                )
                for width in WIDTHS:
                    tab.set_viewport_size({"width": width, "height": 900})
                    time.sleep(0.1)  # the charts relayout
                    # whole pages in Chinese, the subject here; the first screen in English
                    path = str(shots / f"{name}-{lang}-{width}.png")
                    tab.screenshot(path=path, full_page=lang == "zh")
                tab.set_viewport_size({"width": 1280, "height": 900})
                found[name, lang] = {
                    "status": response.status if response else None,
                    "glyphs": glyphs,
                    "identifiers": sorted(set(IDENTIFIER.findall(text))),
                    "said": said.strip(),
                }
            context.close()
    (shots / "crawl.json").write_text(
        json.dumps(
            {f"{n} {lang}": v for (n, lang), v in found.items()}, ensure_ascii=False, indent=1
        )
    )
    return found


def test_every_page_draws_its_chinese_in_the_bundled_font_with_no_system_font(crawl):
    for (name, lang), page in crawl.items():
        glyphs = page["glyphs"]
        assert glyphs["fontsHidden"], "the browser still finds a system CJK font"
        assert glyphs["boxes"] == [], (name, lang, glyphs)
        if lang == "zh" or name == "report":
            assert glyphs["chars"] > 10, (name, lang, glyphs)  # the check saw Chinese


def test_no_page_in_chinese_shows_an_identifier_of_the_code(crawl):
    shown = {name: p["identifiers"] for (name, lang), p in crawl.items() if lang == "zh"}
    assert {name: ids for name, ids in shown.items() if ids} == {}


def test_the_editor_says_a_mistake_in_the_page_s_language(crawl):
    assert crawl["editor-mistake", "en"]["said"] == (
        f"my_newborn.yaml: {WINDOWS}: Input should be greater than 0"
    )
    assert crawl["editor-mistake", "zh"]["said"] == "部门 › 医院 › 窗口数：须大于 0"


def test_a_study_s_findings_are_in_the_page_s_language(crawl):
    assert "variants (2 replications each)" in crawl["study-result", "en"]["said"]
    said = crawl["study-result", "zh"]["said"]
    assert "2 个方案（每个重复 2 次）" in said
    assert "数据共享" in said  # the lever of a variant, by its name


def test_nothing_said_on_a_chinese_page_is_an_english_sentence(crawl):
    said = {name: p["said"] for (name, lang), p in crawl.items() if lang == "zh"}
    assert {name: text for name, text in said.items() if ENGLISH_SENTENCE.search(text)} == {}


def test_a_run_that_failed_says_why_in_the_page_s_language(crawl):
    assert crawl["failed-result", "en"]["said"].startswith("newborn (before) is overloaded")
    assert crawl["failed-result", "zh"]["said"].startswith("新生儿出生一件事（改革前）超负荷")


def test_a_missing_bundle_is_a_404_in_the_page_s_language(crawl):
    assert crawl["error", "en"]["status"] == 404
    assert crawl["error", "zh"]["status"] == 404
