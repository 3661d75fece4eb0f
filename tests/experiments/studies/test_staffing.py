"""The staffing search: its arithmetic on made-up summaries, and small real runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from onething.experiments.console import report
from onething.experiments.runner import Outcome, plan, run
from onething.experiments.spec_file import load_spec
from onething.experiments.studies.kind import TIME
from onething.experiments.studies.staffing import next_staffing, staffing_name
from onething.experiments.studies.staffing import search as staffing
from tests.experiments.conftest import write

COLUMNS = ["variant", "measure", "mean", "ci95_low", "ci95_high"]


def test_the_next_step_adds_a_window_at_the_busiest_place_below_the_cap():
    windows = {"a": 1, "b": 3, "c": 1}
    assert next_staffing(windows, {"a": 0.5, "b": 1.4, "c": 0.9}, 5) == {"a": 1, "b": 4, "c": 1}
    assert next_staffing(windows, {"a": 0.5, "b": 1.4, "c": 0.9}, 3) == {"a": 1, "b": 3, "c": 2}
    assert next_staffing({"a": 3, "b": 3}, {"a": 2.0, "b": 1.0}, 3) is None


def _staffing_summary(shares: list[float], steps: list[dict[str, int]]) -> pd.DataFrame:
    rows = []
    for share, windows in zip(shares, steps, strict=True):
        name = staffing_name(windows)
        rows += [
            [name, "within_promise", share, share - 0.125, share + 0.125],
            [name, TIME, 10.0, 9.0, 11.0],
            *([name, f"utilisation.{p}", 2.0 / n, 0.0, 0.0] for p, n in windows.items()),
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_the_answer_is_the_first_step_that_meets_the_target():
    steps = [{"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 2, "b": 2}, {"a": 3, "b": 2}]
    study = staffing(_staffing_summary([0.25, 0.5, 0.875, 0.96875], steps), steps, 0.8, 5)
    assert study["answer"] == {"a": 2, "b": 2} and study["answer_step"] == 2
    assert study["reached"] and study["next"] is None
    assert [p["within_promise"] for p in study["path"]] == [0.25, 0.5, 0.875, 0.96875]
    assert study["path"][0]["ci95"] == [0.125, 0.375]
    assert study["path"][2]["total_windows"] == 4
    assert "4 windows (a=2,b=2)" in study["message"]


def test_an_unmet_target_asks_for_the_next_step_or_says_the_cap_is_reached():
    steps = [{"a": 1}, {"a": 2}]
    going = staffing(_staffing_summary([0.25, 0.5], steps), steps, 0.9, 3)
    assert going["answer"] is None and going["next"] == {"a": 3}
    capped = staffing(_staffing_summary([0.25, 0.5], steps), steps, 0.9, 2)
    assert capped["next"] is None and not capped["reached"]
    assert capped["message"] == (
        "target 90% not reached with up to 2 windows per place: the best is 50.0% at a=2"
    )


STAFFING = {
    "name": "staff",
    "kind": "staffing",
    "bundle": "restaurant",
    "arrivals_per_day": 25,
    "replications": 2,
    "horizon_days": 25,
    "warmup_days": 3,
    "seed": 7,
}


def _run(folder: Path, data: dict, out: str = "out") -> Outcome:
    return run(plan(load_spec(write(folder, data))), folder / out, jobs=2)


def test_the_search_adds_single_windows_until_the_target_is_met(tmp_path):
    outcome = _run(tmp_path, STAFFING)
    study = outcome.study
    assert [p["windows"] for p in study["path"]] == [
        {"single_window": 1},
        {"single_window": 2},
        {"single_window": 3},
    ]
    shares = [p["within_promise"] for p in study["path"]]
    assert shares[-1] >= 0.9 > max(shares[:-1])
    assert study["answer"] == {"single_window": 3} and study["reached"]
    assert (outcome.computed, outcome.reused) == (6, 0)
    assert len(outcome.results[outcome.results.measure == TIME]) == 6
    assert (tmp_path / "out" / "staffing.png").stat().st_size > 0
    table = report(outcome)
    assert table.notes[0].startswith("answer: 3 windows (single_window=3)")
    # a re-run walks the same path from the cache
    again = _run(tmp_path, STAFFING)
    assert (again.computed, again.reused) == (0, 6) and again.study == study


def test_the_search_stops_at_max_windows_and_says_so(tmp_path):
    outcome = _run(tmp_path, {**STAFFING, "max_windows": 2})
    study = outcome.study
    assert len(study["path"]) == 2 and study["answer"] is None and not study["reached"]
    assert study["message"].startswith("target 90% not reached with up to 2 windows per place")
    assert report(outcome).notes[0].startswith("no answer: target 90% not reached")


def test_the_search_staffs_the_departments_of_the_siloed_process(tmp_path):
    spec = {**STAFFING, "mode": "before", "arrivals_per_day": 8, "max_windows": 2}
    spec["places"] = ["market_regulation", "fire_rescue"]
    study = _run(tmp_path, spec).study
    first = study["path"][0]
    assert first["windows"] == {"market_regulation": 1, "fire_rescue": 1}
    for step, following in zip(study["path"], study["path"][1:], strict=False):
        grown = [p for p in step["windows"] if following["windows"][p] > step["windows"][p]]
        busiest = max(
            (p for p in step["windows"] if step["windows"][p] < 2),
            key=lambda p: step["utilisation"][p],
        )
        assert grown == [busiest]
    assert len(study["path"]) <= 3  # 1 + 2 places x (2 - 1) windows


# --- sensitivity ---------------------------------------------------------------------
