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


def test_every_mistake_is_listed_at_once_each_under_its_field(page, home):
    """A field out of range hides the checks across fields from the loader; the editor
    lists those too, at the first check: the department's windows under its field, the
    unknown department of an item in the list under the YAML."""
    page.goto(page.base + "/editor?from=newborn")
    page.wait_for_selector("#problems li.ok")  # the first check's answer is in
    text = page.input_value("#yaml").replace("department: public_security", "department: nosuch", 1)
    page.fill("#yaml", text)
    page.fill(f'input[data-path="{FIELD}"]', "0")
    page.wait_for_function(
        "f => document.querySelector(`.field-error[data-for='${f}']`).textContent !== ''",
        arg=FIELD,
    )
    assert "greater than 0" in page.inner_text(f'.field-error[data-for="{FIELD}"]')
    listed = page.locator("#problems li").all_inner_texts()
    assert any("items.household_registration.department: unknown department" in x for x in listed)


def test_fields_are_labelled_with_the_scenarios_own_names_in_each_language(page):
    for lang, hospital, arrivals in (
        ("en", "Hospital (with the health commission desk)", "Arrivals per working day"),
        ("zh", "医院", "每工作日到达人数"),
    ):
        page.goto(page.base + f"/editor?from=newborn&lang={lang}")
        labels = page.locator("#editor-form label").all_inner_texts()
        assert hospital in labels and arrivals in labels
        assert not [label for label in labels if "." in label or "_" in label], labels
