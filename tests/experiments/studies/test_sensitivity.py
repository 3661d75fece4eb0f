"""The sensitivity study: its arithmetic on a made-up summary and a small real run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from onething.experiments.console import report
from onething.experiments.runner import Outcome, plan, run
from onething.experiments.spec_file import load_spec
from onething.experiments.studies.kind import TIME
from onething.experiments.studies.sensitivity import BASELINE, sensitivity_name
from onething.experiments.studies.sensitivity import swings as sensitivity
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.sim.engine import run_replications
from onething.sim.measures import measures
from tests.experiments.conftest import write

COLUMNS = ["variant", "measure", "mean", "ci95_low", "ci95_high"]


def _run(folder: Path, data: dict, out: str = "out") -> Outcome:
    return run(plan(load_spec(write(folder, data))), folder / out, jobs=2)


def test_sensitivity_sorts_the_parameters_by_swing():
    times = {BASELINE: 8.0, "a=1": 7.5, "a=2": 8.5, "b=0.5": 4.0, "b=2": 16.0, "c=0": 9.0}
    times |= {"c=1": 6.0}
    summary = pd.DataFrame(
        [[v, TIME, t, t - 0.25, t + 0.25] for v, t in times.items()], columns=COLUMNS
    )
    study = sensitivity(summary, [("a", 1, 2), ("b", 0.5, 2), ("c", 0, 1)])
    assert [p["name"] for p in study["parameters"]] == ["b", "c", "a"]
    assert [p["swing"] for p in study["parameters"]] == [12.0, 3.0, 1.0]
    assert study["parameters"][1] == {
        "name": "c",
        "low": 0,
        "high": 1,
        "time_low": 9.0,
        "time_high": 6.0,
        "swing": 3.0,
    }
    assert study["baseline"] == {"time_mean": 8.0, "ci95": [7.75, 8.25]}
    assert sensitivity_name("travel_scale", 0.5) == "travel_scale=0.5"


SENSITIVITY = {
    "name": "sens",
    "kind": "sensitivity",
    "bundle": "newborn",
    "parameters": [
        {"name": "travel_scale", "low": 0.5, "high": 2},
        {"name": "processing_scale", "low": 0.5, "high": 1.5},
        {"name": "arrivals_per_day", "low": 10, "high": 20},
    ],
    "replications": 2,
    "horizon_days": 15,
    "warmup_days": 3,
    "seed": 7,
}


def test_the_sensitivity_baseline_is_a_plain_run_and_the_swings_are_sorted(tmp_path):
    outcome = _run(tmp_path, SENSITIVITY)
    study = outcome.study
    process = Process.of(load_scenario("newborn"), "after")
    expected = measures(process, run_replications(process, 2, 7, 15, 3, jobs=1))
    assert study["baseline"]["time_mean"] == expected["time_working_days"]["mean"]
    swings = [p["swing"] for p in study["parameters"]]
    assert swings == sorted(swings, reverse=True)
    assert study["parameters"][0]["name"] == "processing_scale"
    # high = 20 is the bundle's own rate: that variant is the baseline, shared, not rerun
    rate = next(p for p in study["parameters"] if p["name"] == "arrivals_per_day")
    assert rate["time_high"] == study["baseline"]["time_mean"]
    assert (outcome.computed, outcome.reused) == (12, 2)
    assert (tmp_path / "out" / "tornado.png").stat().st_size > 0
    table = report(outcome)
    assert [row[0] for row in table.rows] == [p["name"] for p in study["parameters"]]
    assert "baseline" in table.notes[0]
