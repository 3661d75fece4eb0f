"""The live dashboard: a short run on the embedded broker updates the page while it runs
and ends with a clean reconciliation; meanwhile a simulation runs too, and other pages
keep loading (the work is in worker processes, not on the request path)."""

from __future__ import annotations

from tests.workbench.conftest import STATUS, no_overflow

UPDATES = "Number((document.getElementById('updates') || {dataset: {}}).dataset.count || 0)"


def test_a_live_run_updates_and_reconciles_while_other_pages_load(page, browser, server):
    page.goto(page.base + "/live")
    page.fill("input[name=duration_days]", "3")
    page.fill("input[name=speedup]", "500")
    page.click("#run")
    seen = page.wait_for_function(
        f"() => {UPDATES} >= 3 && {{running: document.getElementById('run').disabled}}",
        timeout=240_000,
    ).json_value()
    assert seen["running"], page.inner_text("#status")  # three updates while it runs

    simulation = browser.new_page()  # and a long simulation at the same time
    simulation.goto(server + "/whatif/newborn")
    simulation.fill("input[name=replications]", "400")
    simulation.click("#run")
    simulation.wait_for_function("() => document.getElementById('cancel').disabled === false")
    other = browser.new_page()
    for path in ("/", "/map/newborn", "/runs", "/studies", "/editor?from=newborn"):
        response = other.goto(server + path)
        assert response is not None and response.ok, path
    assert page.is_disabled("#run"), page.inner_text("#status")  # the live run goes on
    assert simulation.is_enabled("#cancel"), "the simulation should still be running"
    simulation.click("#cancel")
    simulation.wait_for_function(f"() => {STATUS} === 'cancelled'")
    other.close()
    simulation.close()

    verdict = page.locator("#reconciliation-verdict")
    verdict.wait_for(timeout=240_000)
    assert page.evaluate(UPDATES) >= 3
    assert verdict.get_attribute("class") == "ok", verdict.inner_text()
    table = page.inner_text("table.reconciliation")
    assert "missing\t0" in table and "completed twice\t0" in table
    states = page.eval_on_selector_all("tr[data-service] td", "tds => tds.map(t => t.textContent)")
    assert states and set(states) == {"up"}
    assert "DES" in page.inner_text("#agreement")
    assert int(page.inner_text('[data-stat="completed"]').replace(",", "")) > 0
    no_overflow(page, "live-run")
