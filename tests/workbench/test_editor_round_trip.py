"""The editor changes what the form changed and nothing else: comments, order, quoting
and layout of the scenario file stay as the planner wrote them."""

from __future__ import annotations

import difflib

import pytest
import yaml

from onething.scenarios.loader import catalog_names, resolve
from onething.workbench import editor


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


@pytest.mark.parametrize("bundle", sorted(catalog_names()))
def test_a_form_change_rewrites_only_its_own_lines(bundle):
    text = resolve(bundle).read_text(encoding="utf-8")
    fields = editor.form_fields(yaml.safe_load(text))
    windows = [path for path in fields if path.endswith(".windows")]
    changed = editor.apply_fields(text, {windows[0]: "7", "title": "Mine # not a comment"})
    assert len(_changed_lines(text, changed)) == 4  # two lines out, two in
    data = yaml.safe_load(changed)
    department = windows[0].split(".")[1]
    assert data["departments"][department]["windows"] == 7
    assert data["title"] == "Mine # not a comment"


def test_comments_and_order_survive_an_edit_and_a_save_name():
    text = resolve("newborn").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if "#" in line]
    edited = editor.with_name(
        editor.apply_fields(text, {"applicants.arrivals.per_working_day": "25"}), "my_newborn"
    )
    assert [line for line in edited.splitlines() if "#" in line] == comments
    assert list(yaml.safe_load(edited)) == list(yaml.safe_load(text))  # the keys' order
    assert sorted(_changed_lines(text, edited)) == [
        "+    per_working_day: 25",
        "+name: my_newborn",
        "-    per_working_day: 20",
        "-name: newborn",
    ]


def test_a_form_that_agrees_with_the_file_leaves_it_byte_for_byte():
    text = resolve("restaurant").read_text(encoding="utf-8")
    assert editor.apply_fields(text, editor.form_fields(yaml.safe_load(text))) == text


@pytest.mark.parametrize(
    "typed, read",
    [("2.0", 2.0), ("abc", "abc"), ("", None), ("1e3", "1e3"), (".nan", "nan"), ("[1, 2]", [1, 2])],
)
def test_a_typed_value_is_written_as_yaml_reads_it(typed, read):
    text = resolve("newborn").read_text(encoding="utf-8")
    changed = editor.apply_fields(text, {"departments.hospital.windows": typed})
    value = yaml.safe_load(changed)["departments"]["hospital"]["windows"]
    assert (str(value) if read == "nan" else value) == read
