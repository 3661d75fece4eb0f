"""The notebook API returns pandas tables a planner can work with."""

from __future__ import annotations

import re

import pytest

import onething

QUICK = onething.RunOptions(replications=2, horizon_days=20, warmup_days=2, jobs=1)


@pytest.fixture(scope="module")
def comparison() -> onething.Comparison:
    return onething.compare("newborn", options=QUICK)


def test_compare_changes_have_the_reductions_in_order(comparison):
    table = comparison.changes()
    assert list(table.index[:4]) == ["steps", "materials", "trips", "form_fields"]
    assert table.loc["steps", "change_pct"] == pytest.approx(100 * (3 - 16) / 16)
    assert "utilisation.single_window" in table.index
    assert table.loc["time_working_days", "unit"] == "working days"


def test_compare_table_is_tidy_with_intervals_quantiles_and_units(comparison):
    table = comparison.table()
    assert list(table.columns) == [
        "process",
        "measure",
        "mean",
        "ci95_low",
        "ci95_high",
        "p50",
        "p90",
        "unit",
    ]
    assert list(dict.fromkeys(table["process"])) == ["before", "after"]
    time = table.set_index(["process", "measure"]).loc[("after", "time_working_days")]
    assert time["ci95_low"] <= time["mean"] <= time["ci95_high"]
    assert 0 < time["p50"] <= time["p90"] and time["unit"] == "working days"
    assert not {"cases", "replications", "levers"} & set(table["measure"])  # bookkeeping apart
    assert comparison.before.bookkeeping["replications"] == 2
    assert (table["ci95_low"].dropna() >= 0).all()  # nothing measured here can be negative


def test_reprs_stay_short(comparison):
    for thing in (comparison, comparison.before, comparison.before.replications):
        assert len(repr(thing)) < 400, repr(thing)[:100]
    assert repr(comparison.before.replications) == "<2 replications>"
    assert repr(comparison.scenario).startswith("Scenario(newborn: ")
    walk = onething.walk("newborn", "after")
    assert repr(walk).startswith("Walk(newborn, ") and len(repr(walk)) < 200


def test_walk_steps_are_timestamps():
    import pandas as pd

    walk = onething.walk("newborn", "after")
    table = walk.table()
    assert isinstance(table.loc[0, "start"], pd.Timestamp)
    assert (table["end"] >= table["start"]).all()


def test_a_scenario_with_changes_is_a_validated_copy():
    s = onething.load("newborn")
    busy = onething.with_changes(s, {"applicants.arrivals.per_working_day": 200})
    assert busy.applicants.arrivals.per_working_day == 200
    assert s.applicants.arrivals.per_working_day == 20  # the original is untouched
    assert busy.items == s.items
    with pytest.raises(onething.FileError) as error:
        onething.with_changes(s, {"applicants.arrivals.per_working_day": -1})
    assert str(error.value) == (
        "newborn (with_changes): applicants.arrivals.per_working_day: "
        "Input should be greater than 0"
    )
    with pytest.raises(onething.FileError, match="per_workin_day: unknown field"):
        onething.with_changes(s, {"applicants.arrivals.per_workin_day": 3})
    with pytest.raises(onething.FileError, match="arrivalz: no such section"):
        onething.with_changes(s, {"applicants.arrivalz.per_working_day": 3})


def test_the_public_types_come_from_onething():
    for name in ("Export", "Result", "Comparison", "Walk", "Scenario", "RunOptions"):
        assert name in onething.__all__ and getattr(onething, name).__doc__
    for function in (onething.load, onething.simulate, onething.compare, onething.walk):
        assert function.__doc__


def test_simulate_with_levers_gives_a_tidy_table():
    result = onething.simulate("restaurant", levers=["one_form"], options=QUICK)
    table = result.table()
    assert table.loc["form_fields", "mean"] == 58
    row = table.loc["time_working_days"]
    assert row["ci95_low"] <= row["mean"] <= row["ci95_high"]


def test_an_export_takes_str_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export = onething.Export("events.csv", "cases.parquet")
    onething.simulate("restaurant", options=onething.RunOptions(replications=1, export=export))
    assert (tmp_path / "events.csv").stat().st_size and (tmp_path / "cases.parquet").exists()


def test_overload_past_the_calendar_is_told_as_overload_with_the_queue_that_grew():
    """200 a day against the hospital's 2 windows: the queue books them past the official
    calendar's end, which is the symptom; the error names the cause and its growth."""
    crowd = onething.with_changes(
        onething.load("newborn"), {"applicants.arrivals.per_working_day": 200}
    )
    with pytest.raises(onething.Overloaded) as caught:
        onething.simulate(crowd, "before", options=onething.RunOptions(replications=2, jobs=2))
    overload = caught.value
    assert overload.arrived > 10 * overload.finished
    hospital = next(q for q in overload.queues if q.place == "hospital")
    assert hospital.queueing > 1000 and hospital.capacity_per_day < 100
    said = str(overload)
    assert said.startswith("newborn (before) is overloaded: ")
    assert "applicants arrive a working day" in said and f"{hospital.queueing:,} queueing" in said
    assert "end of the official working calendar" in said and "Upgrade" not in said


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"count": 0}, "count must be a whole number from 1 to"),
        ({"count": 10, "horizon_days": 30}, "give count (cases) or horizon_days, not both"),
    ],
)
def test_a_count_of_no_cases_or_with_a_horizon_too_is_a_run_error(options, said):
    from onething.api import RunError, RunOptions

    with pytest.raises(RunError, match=re.escape(said)):
        onething.simulate("newborn", options=RunOptions(**options))
