"""Every page of the workbench opens in Chromium, in English and Chinese, without
overflowing at 1280 and 390 px, and asks nothing of any other origin."""

from __future__ import annotations

import pytest

from onething.scenarios.loader import catalog_names, load_scenario
from tests.workbench.conftest import no_overflow


def test_the_catalog_lists_every_bundle_with_its_published_figures_and_sources(page):
    page.goto(page.base + "/")
    shipped = page.eval_on_selector_all(
        "article.bundle:not(:has(.own))", "cards => cards.map(c => c.dataset.bundle)"
    )
    assert shipped == catalog_names()  # and the user's own after them, marked as such
    newborn = page.locator('article[data-bundle="newborn"]')
    assert "Newborn birth" in newborn.locator("h2").inner_text()
    figures = newborn.locator("table.published").inner_text()
    assert "32 → 5" in figures  # time, Qinghai: 32 -> at most 5 working days
    assert "qinghai" in figures
    departments = newborn.inner_text()
    for d in load_scenario("newborn").departments.values():
        assert d.name.split(" ")[0] in departments
    no_overflow(page, "catalog")


def test_the_language_switch_shows_the_catalog_s_chinese_names(page):
    page.goto(page.base + "/lang/zh?next=/")
    newborn = page.locator('article[data-bundle="newborn"]')
    assert newborn.locator("h2").inner_text().startswith("新生儿出生一件事")
    assert "公安户籍" in newborn.inner_text()
    assert page.locator("nav").inner_text().count("走流程") == 1
    no_overflow(page, "catalog-zh")
    page.goto(page.base + "/lang/en?next=/")
    assert "Newborn birth" in page.locator('article[data-bundle="newborn"] h2').inner_text()


@pytest.mark.parametrize(
    "path, name",
    [
        ("/map/newborn", "map"),
        ("/walk/newborn?seed=7", "walk"),
        ("/studies", "studies"),
        ("/editor?from=newborn", "editor"),
        ("/live", "live"),
        ("/runs", "runs"),
        ("/whatif/restaurant", "whatif-form"),
        ("/lang/zh?next=/map/restaurant", "map-zh"),
        ("/lang/zh?next=/walk/newborn", "walk-zh"),
        ("/lang/zh?next=/live", "live-zh"),
    ],
)
def test_each_page_fits_at_1280_and_390_px(page, path, name):
    response = page.goto(page.base + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    no_overflow(page, name)


def test_the_walk_tells_one_applicants_story_before_and_after(page):
    response = page.goto(page.base + "/walk/newborn?seed=7")
    assert response is not None and response.ok
    before = page.locator('section.walk[data-mode="before"] p.summary').inner_text()
    after = page.locator('section.walk[data-mode="after"] p.summary').inner_text()
    # the same applicant (#N), arriving at the same time, in both halves of the story
    assert before.split(" → ")[0] == after.split(" → ")[0]
    assert page.locator('section.walk[data-mode="after"] li').count() > 0
