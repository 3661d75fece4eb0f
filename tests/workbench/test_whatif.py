"""What-if in the browser: levers switched, a run with progress, and numbers equal to
``onething compare --json`` for the same inputs and seed; then the run is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.workbench.conftest import STATUS, no_overflow, own_post

RUN = {"replications": "2", "seed": "7", "horizon_days": "15", "warmup_days": "3"}
LEVERS = ["single_window", "data_sharing", "parallel_approval", "e_certificate"]


def cli(home, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "onething.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "ONETHING_HOME": str(home)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_numbers_on_the_page_equal_compare_json_for_the_same_inputs(page, home):
    page.goto(page.base + "/whatif/newborn")
    page.uncheck('input[name=lever][value="one_form"]')  # the bundle's after, less one lever
    for name, value in RUN.items():
        page.fill(f"input[name={name}]", value)
    page.click("#run")
    page.wait_for_selector('td[data-key="after.time_working_days.mean"]', timeout=240_000)
    cells = page.eval_on_selector_all(
        "td[data-key]", "tds => tds.map(td => [td.dataset.key, JSON.parse(td.dataset.value)])"
    )
    expected = cli(
        home,
        "compare",
        "newborn",
        "--levers",
        ",".join(LEVERS),
        "--replications",
        "2",
        "--seed",
        "7",
        "--horizon-days",
        "15",
        "--warmup-days",
        "3",
        "--no-plots",
        "--json",
    )
    assert sorted(expected["after"]["levers"]) == sorted(LEVERS)
    assert len(cells) > 20
    for key, value in cells:
        mode, measure, *part = key.split(".")
        want = expected[mode][measure]
        for p in part:
            want = want[p]
        assert value == want, key
    shown = page.inner_text('td[data-key="before.steps"]')
    assert shown == str(expected["before"]["steps"])
    assert page.locator(".bottleneck").inner_text().count("Bottleneck") == 2
    for chart in ("four", "ecdf", "utilisation", "queue"):
        assert page.locator(f"#chart-{chart} .main-svg").count() > 0, chart
    no_overflow(page, "whatif")

    page.goto(page.base + "/runs")
    assert page.locator("tr[data-run]").count() >= 1
    page.click("tr[data-run] >> nth=0 >> text=Open")
    page.wait_for_selector('td[data-key="after.trips"]')
    assert page.inner_text('td[data-key="after.trips"]') == str(expected["after"]["trips"])
    no_overflow(page, "run")


def test_a_mistaken_input_is_named_next_to_its_field_and_nothing_runs(page):
    page.goto(page.base + "/whatif/newborn")
    page.fill("input[name=replications]", "0")
    page.fill("input[name=rework_scale]", "-1")
    page.click("#run")
    error = page.locator('.field-error[data-for="replications"]')
    error.wait_for()
    assert "at least 1" in error.inner_text()
    assert "at least 0" in page.inner_text('.field-error[data-for="rework_scale"]')
    assert page.is_enabled("#run")


def test_a_run_can_be_cancelled_and_two_runs_compared_side_by_side(page):
    page.goto(page.base + "/whatif/newborn")
    page.fill("input[name=replications]", "500")
    page.click("#run")
    page.wait_for_function("() => document.getElementById('cancel').disabled === false")
    page.click("#cancel")
    page.wait_for_function(f"() => {STATUS} === 'cancelled'")
    for name, value in {"replications": "1", "horizon_days": "10", "warmup_days": "2"}.items():
        page.fill(f"input[name={name}]", value)
    for seed in ("1", "2"):
        page.fill("input[name=seed]", seed)
        page.click("#run")
        page.wait_for_function(f"() => {STATUS}.startsWith('done')")
    page.goto(page.base + "/runs")
    assert "cancelled" in page.inner_text("table.runs")
    page.click("text=Compare A vs B")
    page.wait_for_selector("table.ab")
    seeds = page.eval_on_selector_all("table.ab-inputs tr", "rows => rows.map(r => r.innerText)")
    assert "Seed\t1\t2" in seeds  # A: the earlier run, B: the later
    assert "%" in page.inner_text("table.ab")  # the change between the two runs
    no_overflow(page, "runs-compare")


def test_a_run_over_the_cap_shows_queued_until_its_turn(page):
    ahead = [
        own_post(page.base + "/api/whatif", {"bundle": "newborn", "replications": 500})[1]
        for _ in range(os.cpu_count() or 1)  # the default cap: every core busy
    ]
    page.goto(page.base + "/whatif/newborn")
    for name, value in {"replications": "1", "horizon_days": "10", "warmup_days": "2"}.items():
        page.fill(f"input[name={name}]", value)
    page.click("#run")
    page.wait_for_function(f"() => {STATUS}.startsWith('queued: ')")
    for job in ahead:
        assert own_post(page.base + f"/api/jobs/{job['job']}/cancel", {})[1]["cancelled"]
    page.wait_for_function(f"() => {STATUS}.startsWith('done')", timeout=120_000)
