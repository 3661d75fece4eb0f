"""What the forms accept, and what they say about the rest (no browser needed)."""

from __future__ import annotations

import pytest

from onething.scenarios.reasons import split_name
from onething.workbench.forms import Invalid, live, whatif
from onething.workbench.view_model import jsonable, scenario_with


def test_a_bilingual_catalog_name_splits_into_english_and_chinese():
    assert split_name("Newborn birth 新生儿出生一件事") == ("Newborn birth", "新生儿出生一件事")
    assert split_name("Hospital (with the health commission desk) 医院") == (
        "Hospital (with the health commission desk)",
        "医院",
    )
    assert split_name("post") == ("post", "post")
    assert split_name("综合窗口") == ("综合窗口", "综合窗口")


def test_blank_fields_take_the_bundle_s_defaults_and_numbers_are_typed():
    w = whatif(
        {"bundle": "newborn", "replications": "3", "seed": "7", "windows": {"hospital": "4"}}
    )
    assert (w.replications, w.seed, w.windows, w.levers, w.arrivals_per_day) == (
        3,
        7,
        {"hospital": 4},
        None,
        None,
    )


def test_an_unchanged_bundle_is_run_by_name_exactly_as_the_cli_runs_it():
    assert scenario_with("newborn", whatif({"bundle": "newborn"})) == "newborn"
    changed = scenario_with("newborn", whatif({"bundle": "newborn", "windows": {"hospital": 5}}))
    assert changed.departments["hospital"].windows == 5


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("replications", "0", "must be at least 1 and at most 10000"),
        ("replications", "2.5", "'2.5' is not a whole number"),
        ("arrivals_per_day", "0", "must be above 0 and at most 1e+06"),
        ("rework_scale", "x", "'x' is not a number"),
        ("bundle", "nowhere", "'nowhere': choose from"),
    ],
)
def test_each_mistake_is_named_against_its_field(field, value, reason):
    with pytest.raises(Invalid) as caught:
        whatif({"bundle": "newborn", field: value})
    assert caught.value.problems[field].startswith(reason)


def test_chaos_that_cannot_be_done_is_refused_before_anything_starts():
    with pytest.raises(Invalid) as caught:
        live({"bundle": "newborn", "chaos": "pause", "bootstrap": "kafka:9092"})
    assert "embedded broker" in caught.value.problems["chaos"]
    with pytest.raises(Invalid) as caught:
        live({"bundle": "newborn", "mode": "before", "chaos": "kill"})
    assert "after" in caught.value.problems["chaos"]


def test_numbers_json_cannot_carry_become_null():
    assert jsonable({"a": [float("nan"), 1.5, float("inf")]}) == {"a": [None, 1.5, None]}
