"""Sizes that would exhaust memory or run for days, and numbers the calendar or a sampler
cannot hold, are refused with one line naming the field and the limit; so is YAML that
would exhaust the parser."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from onething import api
from onething.cli import main
from onething.scenarios import loader
from onething.scenarios.calendar import TooFarAhead, WorkingCalendar
from onething.scenarios.errors import FileError
from onething.scenarios.loader import load_scenario, resolve
from onething.scenarios.model import CalendarSpec

NEWBORN = yaml.safe_load(resolve("newborn").read_text(encoding="utf-8"))
ITEM = "items.birth_certificate"


def _write(tmp_path: Path, changes: dict[str, Any]) -> Path:
    data = copy.deepcopy(NEWBORN)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _one_problem(path: Path) -> tuple[str, str]:
    with pytest.raises(FileError) as caught:
        load_scenario(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    _, field, reason = lines[0].split(": ", 2)
    return field, reason


def lognormal(mean: float, sd: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean": mean, "sd": sd}


BOUNDS = {
    "a trillion windows": (
        {"levers.single_window.windows": 10**12},
        "levers.single_window.windows",
        "less than or equal to 1000",
    ),
    "a trillion windows in a department": (
        {"departments.hospital.windows": 10**12},
        "departments.hospital.windows",
        "less than or equal to 1000",
    ),
    "a rate a thousand times the limit": (
        {"applicants.arrivals.per_working_day": 1e9},
        "applicants.arrivals.per_working_day",
        "less than or equal to 1000000",
    ),
    "a season that multiplies the rate past the limit": (
        {
            "applicants.arrivals.date_profile": [
                {"start": "2026-03-02", "end": "2026-03-09", "weight": 1e5}
            ]
        },
        "applicants.arrivals",
        "limit is 1e+06",
    ),
    "an hourly weight of 1e308": (
        {"applicants.arrivals.hourly_profile": {9: 1e308}},
        "applicants.arrivals.hourly_profile.9",
        "less than or equal to 1000000",
    ),
    "a start in year 9999": (
        {"run.start_date": dt.date(9999, 12, 31)},
        "run.start_date",
        "less than or equal to 2199-12-31",
    ),
    "a start in year 1": (
        {"run.start_date": dt.date(1, 1, 1), "calendar.holidays": "none"},
        "run.start_date",
        "greater than or equal to 1900-01-01",
    ),
    "a local holiday in year 9999": (
        {"calendar.extra_holidays": [dt.date(9999, 12, 31)]},
        "calendar.extra_holidays.0",
        "2199-12-31",
    ),
    "a warm-up of 10**30 days": (
        {"run.warmup_days": 10**30},
        "run.warmup_days",
        "less than or equal to 7320",
    ),
    "a negative seed": ({"run.seed": -1}, "run.seed", "greater than or equal to 0"),
    "a seed past 64 bits": ({"run.seed": 2**64}, "run.seed", "less than or equal to"),
    "a lognormal sd of 1e200": (
        {f"{ITEM}.handling": lognormal(5, 1e200)},
        f"{ITEM}.handling",
        "over the limit",
    ),
    "a lognormal sd a million times its mean": (
        {f"{ITEM}.handling": lognormal(1e-6, 1)},
        f"{ITEM}.handling",
        "sd is more than 100 times the mean",
    ),
    "a lognormal sd of nan": (
        {f"{ITEM}.handling": lognormal(5, float("nan"))},
        f"{ITEM}.handling.sd",
        "finite number",
    ),
    "an infinite fixed time": (
        {f"{ITEM}.handling": {"dist": "fixed", "value": float("inf")}},
        f"{ITEM}.handling.value",
        "finite number",
    ),
    "a negative exponential mean": (
        {f"{ITEM}.handling": {"dist": "exponential", "mean": -1}},
        f"{ITEM}.handling.mean",
        "greater than 0",
    ),
    "a thousand years of processing": (
        {f"{ITEM}.processing": {"dist": "fixed", "value": 250_000, "unit": "working_days"}},
        f"{ITEM}.processing",
        "value over the limit of 2500 working_days (10 years)",
    ),
    "an empirical distribution of 1,001 values": (
        {f"{ITEM}.handling": {"dist": "empirical", "values": [1.0] * 1001}},
        f"{ITEM}.handling.values",
        "at most 1000",
    ),
    "empirical weights of 1e308": (
        {f"{ITEM}.handling": {"dist": "empirical", "values": [1, 2], "weights": [1e308, 1]}},
        f"{ITEM}.handling.weights.0",
        "less than or equal to 1000000",
    ),
    "10**30 form fields": (
        {f"{ITEM}.form.own_fields": 10**30},
        f"{ITEM}.form.own_fields",
        "less than or equal to 10000",
    ),
    "a name too long for a folder": ({"name": "a" * 300}, "name", "the limit is 64"),
    "a department name of 100,000 characters": (
        {"departments.hospital.name": "x" * 100_000},
        "departments.hospital.name",
        "at most 200 characters",
    ),
}


@pytest.mark.parametrize(("changes", "field", "reason"), BOUNDS.values(), ids=BOUNDS.keys())
def test_a_number_out_of_bounds_is_one_line_at_its_field(tmp_path, changes, field, reason):
    said_field, said = _one_problem(_write(tmp_path, changes))
    assert said_field == field and reason in said, (said_field, said)


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("run", "horizon_days", 100_000), ("run", "replications", 1_000_000)],
)
def test_run_sizes_over_the_limit_are_refused(tmp_path, section, field, value):
    path = _write(tmp_path, {f"{section}.{field}": value})
    with pytest.raises(FileError, match=rf"{section}\.{field}: Input should be less than"):
        load_scenario(path)


def test_a_trace_arrival_past_the_longest_horizon_is_refused_at_its_line(tmp_path):
    path = _write(tmp_path, {"applicants.arrivals": {"trace": "arrivals.csv"}})
    (tmp_path / "arrivals.csv").write_text("arrival_minutes\n10\n1e300\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"arrivals.csv: line 3.arrival_minutes: more than 7320"):
        load_scenario(path)


def test_a_time_a_century_past_the_start_is_a_clear_error_not_a_memory_blow_up():
    calendar = WorkingCalendar(CalendarSpec(holidays="none"), dt.date(2026, 3, 2))
    with pytest.raises(TooFarAhead, match=r"more than 100 years after run.start_date"):
        calendar.add_working(0.0, 1e12)


DEEP = 10_000
YAML = {
    "10,000 nested lists": ("items: " + "[" * DEEP + "]" * DEEP, "nested deeper than 32"),
    "10,000 nested mappings": ("items: " + "{a: " * DEEP + "1" + "}" * DEEP, "nested deeper"),
    "a million open brackets": ("items: " + "[" * 1_000_000, "nested deeper than 32"),
    "a 5,000-digit number": ("name: " + "9" * 5000, "Exceeds the limit (4300 digits)"),
    "a date with month 13": ("name: 2026-13-45", "month must be in 1..12"),
    "a date in year 0": ("name: 0000-01-01", "year 0 is out of range"),
    "a set as a key": ("? !!set {a: null}\n: 1", "a key must be a single value"),
    "aliases of aliases (a billion laughs)": (
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{x}: &{x} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, x in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "name: *h\n",
        "aliases expand it past 50000 values",
    ),
    "an alias inside itself": ("a: &me [*me]", "an alias refers to a collection inside itself"),
    "a Python object tag": ("name: !!python/object:os.system {}", "could not determine"),
}


@pytest.mark.parametrize(("text", "reason"), YAML.values(), ids=YAML.keys())
def test_yaml_that_would_exhaust_the_parser_is_one_line(tmp_path, text, reason):
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    field, said = _one_problem(path)
    assert field.startswith("line ") and reason in said, (field, said)


def test_a_document_of_more_values_than_the_limit_stops_being_parsed_there(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_NODES", 1000)
    path = tmp_path / "scenario.yaml"
    path.write_text("values: [" + "1, " * 2000 + "]", encoding="utf-8")
    assert _one_problem(path) == ("line 1", "not valid YAML: more than 1000 values")


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path, kind):
    path = tmp_path / "scenario.yaml"
    path.mkdir() if kind == "directory" else os.mkfifo(path)
    assert _one_problem(path) == ("(file)", "not a file")


@pytest.mark.parametrize("flag", ["--replications", "--horizon-days", "--warmup-days", "--seed"])
def test_command_line_sizes_over_the_limit_are_usage_errors(capsys, flag):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "newborn", flag, str(2**65)])
    assert exit_.value.code == 2
    assert "over the limit" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"jobs": -1}, "jobs must be a whole number from 1 to 10000, not -1"),
        ({"seed": -5}, "seed must be a whole number from 0 to 18446744073709551615, not -5"),
        ({"horizon_days": 10**9}, "horizon_days must be a whole number from 1 to 7320"),
        (
            {"warmup_days": 70},
            "warmup_days (70) must be shorter than the scenario's run.horizon_days (60)",
        ),
    ],
)
def test_run_options_out_of_range_are_a_run_error_before_anything_runs(options, said):
    with pytest.raises(api.RunError, match=re.escape(said)):
        api.simulate("newborn", options=api.RunOptions(**options))
