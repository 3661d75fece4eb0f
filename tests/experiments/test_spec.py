"""A bad experiment spec is reported as ``FILE: path.to.field: reason`` before anything
runs, like a bad scenario file: one problem, at the exact field, saying what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import onething.experiments as experiments
from onething.experiments.spec_file import load_spec
from onething.experiments.studies import lever_attribution
from onething.experiments.studies.lever_attribution import AttributionSpec
from onething.experiments.studies.sensitivity import SensitivitySpec
from onething.experiments.studies.staffing import StaffingSpec
from onething.scenarios.errors import FileError

SHIPPED = Path(experiments.__file__).parent


def variants(*items: dict[str, Any]) -> dict[str, Any]:
    return {"name": "study", "kind": "variants", "bundle": "newborn", "variants": list(items)}


BASE = variants({"name": "before"}, {"name": "after", "levers": ["single_window"]})
STAFFING = {"name": "study", "kind": "staffing", "bundle": "newborn", "arrivals_per_day": 30}
SENSITIVITY = {
    "name": "study",
    "kind": "sensitivity",
    "bundle": "newborn",
    "parameters": [{"name": "rework_scale", "low": 0.5, "high": 2}],
}

CASES = {
    "missing kind": ({"name": "study", "bundle": "newborn"}, "kind", "required field"),
    "unknown kind": ({**BASE, "kind": "sweep"}, "kind", "unknown kind 'sweep'"),
    "misspelt field": ({**BASE, "replication": 3}, "replication", "unknown field"),
    "too many replications": ({**BASE, "replications": 10_001}, "replications", "10000"),
    "name not an identifier": ({**BASE, "name": "My Study"}, "name", "lowercase letters"),
    "unknown bundle": ({**BASE, "bundle": "wedding"}, "bundle", "unknown bundle 'wedding'"),
    "missing scenario file": ({**BASE, "bundle": "nope.yaml"}, "bundle", "no such scenario"),
    "unknown lever": (
        variants({"name": "a", "levers": ["one_form"]}, {"name": "b", "levers": ["teleport"]}),
        "variants.1.levers.0",
        "unknown lever 'teleport'",
    ),
    "unknown department in windows": (
        variants({"name": "a", "overrides": {"windows": {"tax_office": 2}}}),
        "variants.0.overrides.windows.tax_office",
        "unknown department",
    ),
    "zero windows": (
        variants({"name": "a", "overrides": {"windows": {"hospital": 0}}}),
        "variants.0.overrides.windows.hospital",
        "greater than 0",
    ),
    "misspelt override": (
        variants({"name": "a", "overrides": {"arrivals_per_hour": 3}}),
        "variants.0.overrides.arrivals_per_hour",
        "unknown field",
    ),
    "variant named twice": (
        variants({"name": "a"}, {"name": "a", "levers": ["one_form"]}),
        "variants.1.name",
        "named twice",
    ),
    "a kind that is not a name": ({**BASE, "kind": {"a": 1}}, "kind", "unknown kind"),
    "a negative seed": ({**BASE, "seed": -1}, "seed", "greater than or equal to 0"),
    "a warm-up of 10**30 days": ({**BASE, "warmup_days": 10**30}, "warmup_days", "7320"),
    "a trillion windows": (
        variants({"name": "a", "overrides": {"windows": {"hospital": 10**12}}}),
        "variants.0.overrides.windows.hospital",
        "less than or equal to 1000",
    ),
    "an infinite rate": (
        {"name": "study", "kind": "load_sweep", "bundle": "newborn", "rates": [float("inf")]},
        "rates.0",
        "finite number",
    ),
    "warm-up longer than the horizon": (
        {**BASE, "horizon_days": 10, "warmup_days": 10},
        "warmup_days",
        "shorter",
    ),
    "order missing a lever": (
        {
            "name": "study",
            "kind": "lever_attribution",
            "bundle": "newborn",
            "levers": ["one_form", "data_sharing"],
            "order": ["one_form"],
        },
        "order",
        "each of one_form, data_sharing once",
    ),
    "negative rate": (
        {"name": "study", "kind": "load_sweep", "bundle": "newborn", "rates": [10, -5]},
        "rates.1",
        "greater than 0",
    ),
    "rates in a variants spec": ({**BASE, "rates": [10]}, "rates", "unknown field"),
    "target above 1": (
        {**STAFFING, "target_within_promise": 1.5},
        "target_within_promise",
        "less than or equal to 1",
    ),
    "staffing without a load": (
        {k: v for k, v in STAFFING.items() if k != "arrivals_per_day"},
        "arrivals_per_day",
        "required",
    ),
    "unknown place": (
        {**STAFFING, "places": ["single_window", "tax_office"]},
        "places.1",
        "unknown place 'tax_office'",
    ),
    "a place the process does not queue at": (
        {**STAFFING, "places": ["hospital"]},
        "places.0",
        "does not queue at 'hospital'",
    ),
    "zero max windows": ({**STAFFING, "max_windows": 0}, "max_windows", "greater than 0"),
    "unknown parameter": (
        {**SENSITIVITY, "parameters": [{"name": "weather_scale", "low": 0.5, "high": 2}]},
        "parameters.0.name",
        "rework_scale",
    ),
    "low above high": (
        {**SENSITIVITY, "parameters": [{"name": "travel_scale", "low": 2, "high": 0.5}]},
        "parameters.0.low",
        "above high",
    ),
    "zero arrivals": (
        {**SENSITIVITY, "parameters": [{"name": "arrivals_per_day", "low": 0, "high": 5}]},
        "parameters.0",
        "arrivals per day",
    ),
    "parameter twice": (
        {
            **SENSITIVITY,
            "parameters": [
                {"name": "travel_scale", "low": 0.5, "high": 2},
                {"name": "travel_scale", "low": 1, "high": 3},
            ],
        },
        "parameters.1.name",
        "listed twice",
    ),
}


@pytest.mark.parametrize("data, path, reason", CASES.values(), ids=CASES.keys())
def test_a_bad_spec_names_the_field_and_the_reason(write_spec, data, path, reason):
    file = write_spec(data)
    with pytest.raises(FileError) as caught:
        load_spec(file)
    assert len(caught.value.problems) == 1, str(caught.value)
    assert str(caught.value).startswith(f"{file}: {path}: ")
    assert reason in caught.value.problems[0].reason


def test_a_spec_that_is_not_a_mapping_is_reported(tmp_path):
    file = tmp_path / "spec.yaml"
    file.write_text("- just\n- a list\n")
    with pytest.raises(FileError, match=r"spec.yaml: \(top\): expected a mapping"):
        load_spec(file)


def test_a_scenario_file_is_found_next_to_the_spec(write_spec, tmp_path):
    from onething.scenarios.loader import CATALOG

    (tmp_path / "mine.yaml").write_text((CATALOG / "newborn.yaml").read_text("utf-8"), "utf-8")
    experiment = load_spec(write_spec({**BASE, "bundle": "mine.yaml"}))
    assert experiment.scenario.name == "newborn"


def test_a_saved_bundle_is_found_by_its_name_as_the_readme_says(write_spec, tmp_path, monkeypatch):
    from onething.scenarios.loader import CATALOG

    monkeypatch.setenv("ONETHING_HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "scenarios").mkdir(parents=True)
    text = (CATALOG / "newborn.yaml").read_text("utf-8").replace("name: newborn", "name: mine")
    (tmp_path / "home" / "scenarios" / "mine.yaml").write_text(text, "utf-8")
    assert load_spec(write_spec({**BASE, "bundle": "mine"})).scenario.name == "mine"


def test_files_within_keeps_a_spec_to_the_files_of_its_own_folder(write_spec, tmp_path):
    outside = tmp_path.parent / "outside.yaml"
    for bundle in (str(outside), "../outside.yaml"):
        with pytest.raises(FileError, match="name a catalog or saved bundle"):
            load_spec(write_spec({**BASE, "bundle": bundle}), files_within=tmp_path)


def test_attribution_defaults_to_the_bundles_after_levers_and_run_settings(write_spec):
    spec = {"name": "study", "kind": "lever_attribution", "bundle": "newborn"}
    experiment = load_spec(write_spec(spec))
    assert isinstance(experiment.spec, AttributionSpec)
    assert lever_attribution.levers(experiment) == list(experiment.scenario.after)
    assert lever_attribution.order(experiment) == lever_attribution.levers(experiment)
    assert experiment.spec.replications == 5
    assert experiment.horizon_days == experiment.scenario.run.horizon_days
    assert experiment.seed == experiment.scenario.run.seed


def test_the_shipped_specs_load():
    shipped = (
        "newborn_levers",
        "newborn_load",
        "restaurant_staffing",
        "newborn_sensitivity",
        "retirement_levers",
        "school_enrolment_load",
    )
    for name in shipped:
        assert load_spec(SHIPPED / f"{name}.yaml").spec.name == name


def test_staffing_and_sensitivity_defaults(write_spec):
    staffing = load_spec(write_spec(STAFFING)).spec
    assert isinstance(staffing, StaffingSpec)
    assert (staffing.mode, staffing.target_within_promise, staffing.max_windows) == (
        "after",
        0.9,
        10,
    )
    assert staffing.places is None
    sensitivity = load_spec(write_spec(SENSITIVITY)).spec
    assert isinstance(sensitivity, SensitivitySpec) and sensitivity.mode == "after"
