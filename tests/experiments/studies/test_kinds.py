"""Every study kind is one module registered once, and the report has findings and
tables for each: staffing names its answer and its path, sensitivity ranks the swings."""

from __future__ import annotations

import pandas as pd

from onething.experiments.report import findings
from onething.experiments.studies import KINDS, sensitivity, staffing
from onething.experiments.studies.kind import TIME
from onething.scenarios.loader import load_scenario

COLUMNS = ["variant", "measure", "mean", "ci95_low", "ci95_high"]


def test_each_kind_is_registered_under_its_spec_kind():
    assert list(KINDS) == ["variants", "lever_attribution", "load_sweep", "staffing", "sensitivity"]
    for name, kind in KINDS.items():
        assert kind.model.model_fields["kind"].annotation.__args__ == (name,)
        assert all("{bundle}" in q for q in kind.question) and all(kind.explanation)


def _staffing_study() -> dict:
    steps = [{"single_window": 1}, {"single_window": 2}, {"single_window": 3}]
    rows = []
    for share, windows, u in zip([0.25, 0.75, 0.9375], steps, [1.5, 0.75, 0.5], strict=True):
        name = staffing.staffing_name(windows)
        rows += [
            [name, "within_promise", share, share - 0.125, share + 0.125],
            [name, TIME, 10.0, 9.0, 11.0],
            [name, "utilisation.single_window", u, u, u],
        ]
    summary = pd.DataFrame(rows, columns=COLUMNS)
    study = {"kind": "staffing", "bundle": "restaurant", "replications": 2}
    study |= {"arrivals_per_day": 18} | staffing.search(summary, steps, 0.9, 10)
    return study, summary


def test_the_staffing_report_names_its_answer_and_its_path():
    study, summary = _staffing_study()
    scenario = load_scenario("restaurant")
    found = findings(study, summary, scenario)
    window = scenario.levers.single_window.name
    assert found[0] == (
        f"Answer: 3 windows at the {window} (3 in all) keep 94 % of cases within the promised "
        "time at 18 arrivals a working day (target 90 %)."
    )
    assert "1 (25 %) → 2 (75 %) → 3 (94 %)" in found[1]
    html = KINDS["staffing"].tables(study, scenario)
    assert html.count("<tr>") == 1 + 3 and f"windows: {window}" in html


def test_the_sensitivity_report_ranks_the_swings():
    times = {"baseline": 8.0, "travel_scale=0.5": 7.5, "travel_scale=2": 8.5}
    times |= {"rework_scale=0.5": 4.0, "rework_scale=2": 16.0}
    summary = pd.DataFrame(
        [[v, TIME, t, t - 0.75, t + 0.75] for v, t in times.items()], columns=COLUMNS
    )
    study = {"kind": "sensitivity", "bundle": "newborn", "replications": 2}
    study |= sensitivity.swings(summary, [("travel_scale", 0.5, 2), ("rework_scale", 0.5, 2)])
    found = findings(study, summary, None)
    assert found[1].startswith("1. rework probability × from 0.5 to 2 swings the mean time by 12")
    assert found[2].startswith("2. travel time × from 0.5 to 2 swings the mean time by 1 ")
    assert found[3].endswith("chance): travel time ×.")
    html = KINDS["sensitivity"].tables(study, None)
    assert html.index("rework probability") < html.index("travel time")


def test_a_study_json_without_the_kinds_fields_gets_the_generic_findings():
    study, summary = _staffing_study()
    del study["path"]
    assert findings(study, summary, None)[0].startswith("Fastest: ")


def test_a_finding_says_when_a_variant_is_saturated_and_what_would_fix_it():
    """Single window alone is slower because its window runs over capacity: the finding
    says so, names the window and the remedy, instead of 'it does not pay' alone."""
    from onething.experiments.studies.lever_attribution import MEASURES, attribute

    times = {"before": 32.0, "single_window": 44.5, "data_sharing": 10.0}
    times["single_window+data_sharing"] = 5.0
    rows = []
    for name, time in times.items():
        rows += [[name, m, time if m == TIME else 1.0, 0.0, 0.0] for m in MEASURES]
        load = 1.42 if name == "single_window" else 0.5
        rows += [[name, "utilisation.single_window", load, 0.0, 0.0]]
        rows += [[name, "unfinished", 3.0 if name == "single_window" else 0.0, 0.0, 0.0]]
    summary = pd.DataFrame(rows, columns=COLUMNS)
    levers = ["single_window", "data_sharing"]
    study = {"kind": "lever_attribution", "bundle": "newborn"} | attribute(summary, levers, levers)
    scenario = load_scenario("newborn")
    window = scenario.levers.single_window.name
    found = findings(study, summary, scenario)
    alone = next(f for f in found if f.startswith("Single window alone"))
    assert "does not pay" in alone
    assert f"the {window} runs at 142 % utilisation (saturated" in alone
    assert "3 cases per run are unfinished" in alone
    assert f"more windows at the {window} would fix it" in alone
    sharing = next(f for f in found if f.startswith("Data sharing alone"))
    assert "saturated" not in sharing
