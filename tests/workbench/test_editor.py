"""The scenario editor: a mistake is shown next to its field as the CLI would say it,
fixed, saved into the user's folder, and the saved bundle runs from the CLI."""

from __future__ import annotations

from tests.workbench.conftest import no_overflow
from tests.workbench.test_whatif import cli

FIELD = "departments.hospital.windows"


def test_edit_with_a_mistake_fix_save_and_compare_from_the_cli(page, home):
    page.goto(page.base + "/editor?from=newborn")
    page.fill("input[name=name]", "my_bundle")
    page.fill(f'input[data-path="{FIELD}"]', "0")
    error = page.locator(f'.field-error[data-for="{FIELD}"]')
    page.wait_for_function(
        "f => document.querySelector(`.field-error[data-for='${f}']`).textContent !== ''",
        arg=FIELD,
    )
    assert error.inner_text() == f"my_bundle.yaml: {FIELD}: Input should be greater than 0"
    no_overflow(page, "editor-mistake")
    page.fill(f'input[data-path="{FIELD}"]', "3")
    page.wait_for_selector("#problems li.ok")
    assert error.inner_text() == ""
    assert "windows: 3" in page.input_value("#yaml")
    page.click("#save")
    page.wait_for_selector("#saved.ok")
    assert (home / "scenarios" / "my_bundle.yaml").is_file()

    doc = cli(home, "compare", "my_bundle", "--replications", "1", "--horizon-days", "10",
              "--warmup-days", "2", "--no-plots", "--json")  # fmt: skip
    assert doc["scenario"] == "my_bundle"
    assert "hospital" in doc["before"]["utilisation"]
    page.goto(page.base + "/")
    assert page.locator('article[data-bundle="my_bundle"] .own').count() == 1


def test_a_catalog_name_or_a_path_cannot_be_saved_over(page, home):
    page.goto(page.base + "/editor?from=newborn")
    for name in ("newborn", "../escape", "a/b"):
        page.fill("input[name=name]", name)
        page.click("#save")
        page.wait_for_selector("#saved.bad")
        page.evaluate("document.getElementById('saved').className = ''")
    assert not (home / "escape.yaml").exists()
    assert sorted(p.name for p in (home / "scenarios").glob("*")) in ([], ["my_bundle.yaml"])
