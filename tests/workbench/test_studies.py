"""A small study from the browser: progress, the findings, the report inline, and its
results to download."""

from __future__ import annotations

import re

import yaml

from tests.workbench.conftest import no_overflow

SPEC = {
    "name": "tiny_ui",
    "kind": "variants",
    "bundle": "newborn",
    "replications": 2,
    "horizon_days": 15,
    "warmup_days": 3,
    "seed": 7,
    "variants": [
        {"name": "before", "levers": None},
        {"name": "shared", "levers": ["data_sharing"]},
    ],
}


def test_an_uploaded_spec_runs_and_shows_findings_report_and_downloads(page):
    page.goto(page.base + "/studies")
    page.fill("textarea[name=upload_text]", yaml.safe_dump(SPEC, sort_keys=False))
    page.click("#run")
    page.wait_for_selector("#study-findings table.findings", timeout=240_000)
    findings = page.inner_text("#study-findings")
    assert "shared" in findings and "before" in findings
    frame = page.frame_locator("#study-report")
    frame.locator("h1").first.wait_for()
    link = page.get_attribute("#study-files a >> nth=0", "href")
    response = page.request.get(page.base + link)
    assert response.ok and b"variant" in response.body()
    no_overflow(page, "studies-done")
    # the run's page in 中文 shows and offers the report in Chinese; both were written
    run = re.search(r"#(\d+)", page.inner_text("#status")).group(1)
    page.goto(f"{page.base}/runs/{run}?lang=zh")
    assert page.get_attribute("#study-report", "src") == f"/runs/{run}/files/report.zh.html"
    frame = page.frame_locator("#study-report")
    assert "方案比较" in frame.locator("h1").first.inner_text()
    assert frame.locator("html").get_attribute("lang") == "zh-CN"
    links = page.locator("#study-files a").evaluate_all("links => links.map(a => a.href)")
    assert f"{page.base}/runs/{run}/files/report.zh.html?download=1" in links, links
    english = page.request.get(f"{page.base}/runs/{run}/files/report.html")
    assert english.ok and b'<html lang="en">' in english.body()


def test_a_wrong_spec_is_named_and_nothing_runs(page):
    page.goto(page.base + "/studies")
    page.fill("textarea[name=upload_text]", "name: bad\nkind: variants\nbundle: nowhere\n")
    page.click("#run")
    error = page.locator('.field-error[data-for="spec"]')
    error.wait_for()
    assert "upload: bundle" in error.inner_text() or "upload:" in error.inner_text()
