"""A bad scenario file is reported as ``FILE: dotted.path.to.field: reason``, never a traceback.

Each bad file is the catalog's newborn bundle with one mistake in it: the dict is edited
and dumped again, or (for YAML syntax and encoding mistakes) the raw text is rewritten.
Every case asserts that exactly one problem is reported, at the exact field the mistake is
in, with a reason that says what is wrong.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
import yaml

from onething.scenarios.errors import FileError
from onething.scenarios.loader import CATALOG, catalog_names, load_scenario

NEWBORN_TEXT = (CATALOG / "newborn.yaml").read_text(encoding="utf-8")
TITLE = "title: Newborn birth 新生儿出生一件事"
TITLE_LINE = NEWBORN_TEXT.splitlines().index(TITLE) + 1
HOLIDAYS = (
    "  holidays: official  # 2026 notice: Qingming 4-6 Apr and Labour Day 1-5 May off,"
    " Sat 9 May worked"
)
HOLIDAYS_LINE = NEWBORN_TEXT.splitlines().index(HOLIDAYS) + 1
TRACE = "arrivals.csv"

Edit = Callable[[dict[str, Any]], None]


_NEWBORN = yaml.safe_load(NEWBORN_TEXT)


def newborn() -> dict[str, Any]:
    return copy.deepcopy(_NEWBORN)


def _node(data: Any, parts: list[str]) -> Any:
    for part in parts:
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def put(dotted: str, value: Any) -> Edit:
    """Set the field at ``dotted`` (list indexes as numbers) to ``value``."""
    *parents, last = dotted.split(".")

    def edit(data: dict[str, Any]) -> None:
        node = _node(data, parents)
        node[int(last) if isinstance(node, list) else last] = value

    return edit


def drop(dotted: str) -> Edit:
    *parents, last = dotted.split(".")

    def edit(data: dict[str, Any]) -> None:
        del _node(data, parents)[last]

    return edit


def edits(*steps: Edit) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for step in steps:
            step(data)

    return edit


def assume(field: str, why: str) -> Edit:
    """Assumption keys are dotted field paths themselves, so they are set directly."""

    def edit(data: dict[str, Any]) -> None:
        data["assumptions"][field] = why

    return edit


def drop_assumption(field: str) -> Edit:
    """Removing a field also removes the assumption about it (else that dangles too)."""

    def edit(data: dict[str, Any]) -> None:
        del data["assumptions"][field]

    return edit


# Arrivals from a trace file instead of a rate.
use_trace = edits(
    drop("applicants.arrivals.per_working_day"),
    drop_assumption("applicants.arrivals.per_working_day"),
    put("applicants.arrivals.trace", TRACE),
)


@dataclass(frozen=True)
class Mistake:
    path: str
    """The exact dotted path the one problem must be reported at."""
    word: str
    """A key word of the reason."""
    edit: Edit | None = None
    text: Callable[[str], str | bytes] | None = None
    """Rewrites newborn.yaml's raw text instead of editing the parsed dict."""
    trace: str | None = None
    """CSV written next to the scenario as arrivals.csv."""
    in_trace: bool = False
    """The problem is reported against the trace file rather than the scenario file."""


def build(mistake: Mistake, folder: Path) -> Path:
    path = folder / "scenario.yaml"
    if mistake.text is not None:
        content = mistake.text(NEWBORN_TEXT)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    else:
        data = newborn()
        if mistake.edit is not None:
            mistake.edit(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if mistake.trace is not None:
        (folder / TRACE).write_text(mistake.trace, encoding="utf-8")
    return path


def reported_file(mistake: Mistake, scenario: Path) -> str:
    return str((scenario.parent / TRACE).resolve()) if mistake.in_trace else str(scenario)


VACC = "items.vaccination_certificate"
HANDLING = f"{VACC}.handling"
GOOD_TRACE = "arrival\n2026-03-02T09:00\n2026-03-02T10:30\n"

MISTAKES = [
    # --- references between parts of the file
    pytest.param(
        Mistake(
            "items.birth_certificate.requires",
            "dependency cycle birth_certificate -> household_registration -> birth_certificate",
            put("items.birth_certificate.requires", ["household_registration"]),
        ),
        id="dependency_cycle_of_two",
    ),
    pytest.param(
        Mistake(
            "items.birth_certificate.requires",
            "dependency cycle birth_certificate -> medical_insurance_enrolment"
            " -> household_registration -> birth_certificate",
            put("items.birth_certificate.requires", ["medical_insurance_enrolment"]),
        ),
        id="dependency_cycle_of_three",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.requires.0",
            "cannot require itself",
            put(f"{VACC}.requires", ["vaccination_certificate"]),
        ),
        id="item_requires_itself",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.department",
            "unknown department 'tax_office'",
            put(f"{VACC}.department", "tax_office"),
        ),
        id="unknown_department",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.requires.0",
            "unknown item 'passport'",
            put(f"{VACC}.requires", ["passport"]),
        ),
        id="unknown_required_item",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.materials.0",
            "unknown material 'passport_photo'",
            put(f"{VACC}.materials", ["passport_photo"]),
        ),
        id="unknown_material",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.materials",
            "twice",
            put(f"{VACC}.materials", ["parents_id", "parents_id"]),
        ),
        id="material_listed_twice",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.form.groups.1",
            "unknown field group 'pets'",
            put(f"{VACC}.form.groups", ["child", "pets"]),
        ),
        id="unknown_field_group",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.result.produces",
            "unknown material 'vaccination_card'",
            put(f"{VACC}.result.produces", "vaccination_card"),
        ),
        id="unknown_produced_material",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.promised",
            "must be positive",
            put(f"{VACC}.promised", {"dist": "fixed", "value": 0}),
        ),
        id="promised_time_of_zero",
    ),
    pytest.param(
        Mistake(
            "published.0.source",
            "unknown source 'wikipedia'",
            put("published.0.source", "wikipedia"),
        ),
        id="published_figure_cites_unknown_source",
    ),
    pytest.param(
        Mistake(
            "assumptions.items.birth_certificate.procesing",
            "not in the file",
            assume("items.birth_certificate.procesing", "a typo of processing"),
        ),
        id="assumption_names_missing_field",
    ),
    pytest.param(
        Mistake(
            "applicants.start",
            "'airport'",
            put("applicants.start", "airport"),
        ),
        id="applicants_start_at_unknown_place",
    ),
    pytest.param(
        Mistake(
            "levers.staffing.police",
            "unknown department",
            put("levers.staffing", {"police": 3}),
        ),
        id="staffing_for_unknown_department",
    ),
    pytest.param(
        Mistake(
            "after",
            "lists a lever twice",
            put("after", ["single_window", "one_form", "single_window"]),
        ),
        id="lever_listed_twice_in_after",
    ),
    pytest.param(
        Mistake(
            "after.1",
            "unknown lever 'teleport' (known: single_window, one_form,",
            put("after", ["single_window", "teleport"]),
        ),
        id="unknown_lever_in_after",
    ),
    pytest.param(
        Mistake(
            "run.warmup_days",
            "shorter than run.horizon_days",
            put("run", {"horizon_days": 10, "warmup_days": 10}),
        ),
        id="warmup_not_shorter_than_horizon",
    ),
    # --- numbers out of range
    pytest.param(
        Mistake(
            "applicants.arrivals.per_working_day",
            "greater than 0",
            put("applicants.arrivals.per_working_day", -3),
        ),
        id="negative_arrival_rate",
    ),
    pytest.param(
        Mistake(
            "departments.hospital.windows", "greater than 0", put("departments.hospital.windows", 0)
        ),
        id="zero_windows",
    ),
    pytest.param(
        Mistake(
            "levers.staffing.hospital", "greater than 0", put("levers.staffing", {"hospital": 0})
        ),
        id="zero_staffed_windows",
    ),
    pytest.param(
        Mistake(f"{VACC}.rework", "less than or equal to 0.95", put(f"{VACC}.rework", 1.0)),
        id="rework_probability_so_high_a_case_never_finishes",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals.hourly_profile.24",
            "less than or equal to 23",
            put("applicants.arrivals.hourly_profile", {9: 1, 24: 1}),
        ),
        id="hour_24_in_hourly_profile",
    ),
    # --- distributions
    pytest.param(
        Mistake(
            HANDLING,
            "'gamma'",
            put("items.vaccination_certificate.handling", {"dist": "gamma", "mean": 3}),
        ),
        id="unknown_distribution_name",
    ),
    pytest.param(
        Mistake(
            f"{HANDLING}.dist",
            "missing",
            put(HANDLING, {"mean": 3}),
        ),
        id="distribution_without_dist",
    ),
    pytest.param(
        Mistake(f"{HANDLING}.sd", "missing", put(HANDLING, {"dist": "lognormal", "mean": 3})),
        id="lognormal_without_sd",
    ),
    pytest.param(
        Mistake(
            HANDLING,
            "low <= mode <= high",
            put(HANDLING, {"dist": "triangular", "low": 10, "mode": 5, "high": 3}),
        ),
        id="triangular_low_above_high",
    ),
    pytest.param(
        Mistake(
            HANDLING,
            "weights has 2 entries but values has 3",
            put(HANDLING, {"dist": "empirical", "values": [1, 2, 3], "weights": [1, 2]}),
        ),
        id="empirical_weights_of_wrong_length",
    ),
    pytest.param(
        Mistake(
            f"{HANDLING}.unit",
            "'working_days'",
            put(HANDLING, {"dist": "fixed", "value": 3, "unit": "days"}),
        ),
        id="unknown_time_unit",
    ),
    # --- shape: missing, wrong type, unknown keys, bad names
    pytest.param(
        Mistake(HANDLING, "required field is missing", drop(HANDLING)),
        id="missing_required_field",
    ),
    pytest.param(
        Mistake("name", "required field is missing", drop("name")),
        id="missing_scenario_name",
    ),
    pytest.param(
        Mistake(
            "departments.hospital.windows",
            "valid integer",
            put("departments.hospital.windows", "two"),
        ),
        id="wrong_type_for_windows",
    ),
    pytest.param(
        Mistake(f"{VACC}.requires", "valid list", put(f"{VACC}.requires", "birth_certificate")),
        id="requires_given_as_a_string",
    ),
    pytest.param(
        Mistake(
            f"{VACC}.reqiures",
            "unknown field (check the spelling)",
            put(f"{VACC}.reqiures", ["birth_certificate"]),
        ),
        id="unknown_extra_key_typo",
    ),
    pytest.param(
        Mistake(f"{VACC}.steps.1", "'inspect'", put(f"{VACC}.steps", ["apply", "stamp"])),
        id="unknown_step_kind",
    ),
    pytest.param(
        Mistake("name", "lowercase", put("name", "New Born")),
        id="scenario_name_with_uppercase_and_space",
    ),
    pytest.param(
        Mistake("items.1", "string", put("items", {1: newborn()["items"]["birth_certificate"]})),
        id="item_key_not_a_string",
    ),
    # --- calendar
    pytest.param(
        Mistake(
            "calendar.hours",
            "'25:00'",
            put("calendar.hours", [["08:30", "12:00"], ["14:00", "25:00"]]),
        ),
        id="time_of_day_25_00",
    ),
    pytest.param(
        Mistake(
            "calendar.hours",
            "'8.30' is not a time of day",
            put("calendar.hours", [["8.30", "12:00"]]),
        ),
        id="time_of_day_not_hh_mm",
    ),
    pytest.param(
        Mistake(
            "calendar.hours", "ends before it starts", put("calendar.hours", [["12:00", "08:30"]])
        ),
        id="period_ending_before_it_starts",
    ),
    pytest.param(
        Mistake(
            "calendar.hours",
            "overlaps the one before",
            put("calendar.hours", [["08:30", "12:00"], ["11:00", "17:30"]]),
        ),
        id="overlapping_periods",
    ),
    pytest.param(
        Mistake(
            "calendar.hours.0",
            "at most 2 items",
            put("calendar.hours", [["08:30", "12:00", "14:00"]]),
        ),
        id="period_with_three_times",
    ),
    pytest.param(
        Mistake("calendar.weekdays", "at least 1 item", put("calendar.weekdays", [])),
        id="empty_weekdays",
    ),
    pytest.param(
        Mistake(
            "calendar",
            "gives hours to sun, which is not among the working weekdays",
            put("calendar.weekday_hours", {"sun": [["09:00", "12:00"]]}),
        ),
        id="hours_for_a_weekday_not_worked",
    ),
    pytest.param(
        Mistake(
            "calendar.hour_rates.13",
            "less than or equal to 1",
            put("calendar.hour_rates", {13: 1.5}),
        ),
        id="a_pace_above_full",
    ),
    pytest.param(
        Mistake(
            "calendar.weekday_hours.sat",
            "overlaps the one before",
            put("calendar.weekday_hours", {"sat": [["09:00", "12:00"], ["11:00", "13:00"]]}),
        ),
        id="overlapping_saturday_periods",
    ),
    pytest.param(
        Mistake("calendar.weekdays.1", "'mon'", put("calendar.weekdays", ["mon", "funday"])),
        id="unknown_weekday_funday",
    ),
    pytest.param(
        Mistake(
            "calendar.extra_holidays.0",
            "valid date",
            put("calendar.extra_holidays", ["2026-02-30"]),
        ),
        id="holiday_that_is_not_a_date",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals",
            "falls inside the season before it",
            put(
                "applicants.arrivals.date_profile",
                [
                    {"start": "2026-03-02", "end": "2026-03-10", "weight": 5},
                    {"start": "2026-03-09", "end": "2026-03-12", "weight": 2},
                ],
            ),
        ),
        id="overlapping_seasons",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals.date_profile.0",
            "end is before start",
            put(
                "applicants.arrivals.date_profile",
                [{"start": "2026-03-10", "end": "2026-03-02", "weight": 5}],
            ),
        ),
        id="season_ending_before_it_starts",
    ),
    pytest.param(
        Mistake(
            "departments.hospital.a\\nb",
            "unknown field",
            put("departments.hospital", {"name": "Hospital", "windows": 2, "a\nb": 1}),
        ),
        id="a_key_with_a_line_break_stays_on_one_line",
    ),
    pytest.param(
        Mistake("calendar.holidays", "extra_holidays", put("calendar.holidays", ["2026-04-06"])),
        id="holidays_typed_by_hand_point_to_extra_holidays",
    ),
    pytest.param(
        Mistake("calendar.holidays", "'official' or 'none'", put("calendar.holidays", "lunar")),
        id="unknown_holiday_calendar",
    ),
    pytest.param(
        Mistake(
            "calendar",
            "in both extra_holidays and extra_workdays",
            edits(
                put("calendar.extra_holidays", ["2026-03-07"]),
                put("calendar.extra_workdays", ["2026-03-07"]),
            ),
        ),
        id="a_day_both_off_and_on",
    ),
    pytest.param(
        Mistake(
            "run.start_date",
            "official working calendar",
            put("run", {"start_date": "2031-03-03"}),
        ),
        id="start_after_the_last_year_the_official_calendar_knows",
    ),
    pytest.param(
        Mistake(
            "run.horizon_days",
            "set calendar.holidays: none",
            put("run", {"start_date": "2026-12-01", "horizon_days": 60}),
        ),
        id="run_reaching_past_the_official_calendar",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals.hourly_profile",
            "no weight in any opening hour",
            put("applicants.arrivals.hourly_profile", {3: 1, 22: 1}),
        ),
        id="hourly_profile_without_weight_in_opening_hours",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals.weekday_profile",
            "no weight on any working weekday",
            put(
                "applicants.arrivals.weekday_profile",
                {d: 0 for d in ("mon", "tue", "wed", "thu", "fri")},
            ),
        ),
        id="weekday_profile_without_weight",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals.weekday_profile.sat",
            "not a working weekday",
            put("applicants.arrivals.weekday_profile", {"mon": 1, "sat": 1}),
        ),
        id="weekday_profile_on_a_closed_day",
    ),
    # --- arrivals: a rate or a trace
    pytest.param(
        Mistake(
            "applicants.arrivals",
            "exactly one of per_working_day or trace",
            put("applicants.arrivals.trace", TRACE),
            trace=GOOD_TRACE,
        ),
        id="both_rate_and_trace",
    ),
    pytest.param(
        Mistake(
            "applicants.arrivals",
            "exactly one of per_working_day or trace",
            edits(
                drop("applicants.arrivals.per_working_day"),
                drop_assumption("applicants.arrivals.per_working_day"),
            ),
        ),
        id="neither_rate_nor_trace",
    ),
    pytest.param(
        Mistake("applicants.arrivals.trace", "no such file", use_trace),
        id="trace_file_missing",
    ),
    pytest.param(
        Mistake(
            "line 3.arrival",
            "cannot read 'not a time' as a time",
            use_trace,
            trace="arrival\n2026-03-02T09:00\nnot a time\n",
            in_trace=True,
        ),
        id="trace_time_unreadable",
    ),
    pytest.param(
        Mistake(
            "line 3.arrival",
            "must be sorted",
            use_trace,
            trace="arrival\n2026-03-02T09:00\n2026-03-02T08:00\n",
            in_trace=True,
        ),
        id="trace_rows_unsorted",
    ),
    pytest.param(
        Mistake(
            "(header)",
            "'arrival' or 'arrival_minutes'",
            use_trace,
            trace="when\n2026-03-02T09:00\n",
            in_trace=True,
        ),
        id="trace_wrong_header",
    ),
    pytest.param(
        Mistake("(rows)", "no arrivals", use_trace, trace="arrival\n", in_trace=True),
        id="trace_without_rows",
    ),
    pytest.param(
        Mistake(
            "line 2.arrival",
            "before the scenario's run.start_date",
            use_trace,
            trace="arrival\n2020-03-02T09:00\n",
            in_trace=True,
        ),
        id="trace_before_start_date",
    ),
    pytest.param(
        Mistake(
            "line 2.arrival_minutes",
            "cannot read 'nan' as a time",
            use_trace,
            trace="arrival_minutes\nnan\n",
            in_trace=True,
        ),
        id="trace_minutes_nan",
    ),
    pytest.param(
        Mistake(
            "line 2.arrival",
            "time zone",
            use_trace,
            trace="arrival\n2026-03-02T09:00+08:00\n",
            in_trace=True,
        ),
        id="trace_time_with_time_zone",
    ),
    # --- the file itself
    pytest.param(
        Mistake("(top)", "expected a mapping", text=lambda _: "- newborn\n- restaurant\n"),
        id="top_level_not_a_mapping",
    ),
    pytest.param(
        Mistake("(top)", "expected a mapping", text=lambda _: ""),
        id="empty_file",
    ),
    pytest.param(
        Mistake(
            f"line {TITLE_LINE}",
            "not valid YAML",
            text=lambda t: t.replace(TITLE, "title: Newborn birth: 新生儿出生一件事"),
        ),
        id="invalid_yaml_syntax_names_the_line",
    ),
    pytest.param(
        Mistake(
            f"line {HOLIDAYS_LINE}",
            "not valid YAML",
            text=lambda t: t.replace(HOLIDAYS, "\t" + HOLIDAYS.strip()),
        ),
        id="yaml_indented_with_a_tab",
    ),
    pytest.param(
        Mistake(
            "line 1",
            "not valid YAML",
            text=lambda _: "name: !!python/object/apply:os.system ['echo hacked']\n",
        ),
        id="yaml_python_tag_is_refused",
    ),
    pytest.param(
        Mistake(
            f"line {HOLIDAYS_LINE + 1}",
            "duplicate key 'holidays'",
            text=lambda t: t.replace(HOLIDAYS, "  holidays: none\n" + HOLIDAYS),
        ),
        id="duplicate_yaml_key",
    ),
    pytest.param(
        Mistake("(file)", "utf-8", text=lambda t: t.encode("gbk")),
        id="file_not_utf8",
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_one_line_naming_file_field_and_reason(
    mistake: Mistake, tmp_path: Path
) -> None:
    path = build(mistake, tmp_path)
    with pytest.raises(FileError) as caught:
        load_scenario(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    prefix = f"{reported_file(mistake, path)}: {mistake.path}: "
    assert lines[0].startswith(prefix), lines[0]
    assert mistake.word in lines[0].removeprefix(prefix), lines[0]


def test_the_unedited_newborn_file_round_trips_cleanly(tmp_path: Path) -> None:
    """Control: the mistakes above are the only thing wrong with their files."""
    scenario = load_scenario(build(Mistake("", ""), tmp_path))
    assert scenario.name == "newborn"


def test_a_good_trace_loads_cleanly(tmp_path: Path) -> None:
    """Control for the trace mistakes: the trace switch itself is valid."""
    scenario = load_scenario(build(Mistake("", "", use_trace, trace=GOOD_TRACE), tmp_path))
    assert scenario.applicants.arrivals.trace == str((tmp_path / TRACE).resolve())


def test_a_missing_scenario_file_is_reported() -> None:
    with pytest.raises(FileError) as caught:
        load_scenario("/nonexistent/scenario.yaml")
    assert str(caught.value) == "/nonexistent/scenario.yaml: (file): no such file"


def _problems(mistake: Mistake, tmp_path: Path) -> list[str]:
    path = build(mistake, tmp_path)
    with pytest.raises(FileError) as caught:
        load_scenario(path)
    prefix = f"{path}: "
    lines = str(caught.value).splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    return [line.removeprefix(prefix) for line in lines]


def test_several_reference_problems_are_all_reported_one_line_each(tmp_path: Path) -> None:
    mistake = Mistake(
        "",
        "",
        edits(
            put(f"{VACC}.department", "tax_office"),
            put("published.0.source", "wikipedia"),
            put("run", {"horizon_days": 10, "warmup_days": 20}),
        ),
    )
    problems = _problems(mistake, tmp_path)
    assert [p.split(": ")[0] for p in problems] == [
        f"{VACC}.department",
        "published.0.source",
        "run.warmup_days",
    ]


def test_several_shape_problems_are_all_reported_one_line_each(tmp_path: Path) -> None:
    mistake = Mistake(
        "",
        "",
        edits(
            put("departments.hospital.windows", 0),
            put(f"{VACC}.rework", 2),
            put("extra_key", 1),
        ),
    )
    problems = _problems(mistake, tmp_path)
    assert sorted(p.split(": ")[0] for p in problems) == sorted(
        ["departments.hospital.windows", f"{VACC}.rework", "extra_key"]
    )


def test_a_bad_trace_does_not_hide_the_scenarios_own_problems(tmp_path: Path) -> None:
    mistake = Mistake(
        "",
        "",
        edits(use_trace, put(f"{VACC}.department", "tax_office")),
        trace="when\n2026-03-02T09:00\n",
    )
    path = build(mistake, tmp_path)
    with pytest.raises(FileError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert f"{path}: {VACC}.department: unknown department 'tax_office'" in message
    assert f"{(tmp_path / TRACE).resolve()}: (header): " in message


@pytest.mark.parametrize("name", catalog_names())
def test_every_catalog_bundle_loads_cleanly(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name


# --- the command line ----------------------------------------------------------------
# Each run spends over a second importing (scipy, pandas), so the module starts them all at
# once and the tests below read their results.

BY_ID = {p.id: p.values[0] for p in MISTAKES}
OPTIONS = {
    "simulate": ["--replications", "1"],
    "compare": ["--no-plots", "--replications", "1"],
    "walk": [],
}
CLI_CASES = [  # (command, mistake): mostly simulate, and compare and walk once each
    ("simulate", "unknown_department"),
    ("simulate", "invalid_yaml_syntax_names_the_line"),
    ("simulate", "trace_wrong_header"),
    ("compare", "dependency_cycle_of_three"),
    ("walk", "file_not_utf8"),
]


@dataclass
class Run:
    process: subprocess.Popen[str]
    scenario: Path | None = None

    @cached_property
    def result(self) -> tuple[int, str, str]:
        """(exit code, stdout, stderr)"""
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out, err


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    def start(args: list[str], folder: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "onething.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
        )

    runs: dict[str, Run] = {}
    for command, case in CLI_CASES:
        folder = tmp_path_factory.mktemp(case)
        path = build(BY_ID[case], folder)
        runs[f"{command} {case}"] = Run(
            start([command, str(path), *OPTIONS[command]], folder), path
        )
    folder = tmp_path_factory.mktemp("cli")
    runs["compare nosuchbundle"] = Run(
        start(["compare", "nosuchbundle", *OPTIONS["compare"]], folder)
    )
    runs["levers bogus"] = Run(
        start(["simulate", "newborn", "--levers", "bogus", *OPTIONS["simulate"]], folder)
    )
    yield runs
    for run in runs.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.parametrize(("command", "case"), CLI_CASES)
def test_a_bad_file_prints_file_field_reason_on_stderr_and_exits_2(
    cli: dict[str, Run], command: str, case: str
) -> None:
    run = cli[f"{command} {case}"]
    code, out, err = run.result
    assert code == 2, err
    assert "Traceback" not in err
    assert out == ""
    mistake = BY_ID[case]
    assert run.scenario is not None
    prefix = f"{reported_file(mistake, run.scenario)}: {mistake.path}: "
    [line] = err.splitlines()
    assert line.startswith(prefix), line
    assert mistake.word in line.removeprefix(prefix)


def test_compare_an_unknown_bundle_exits_2_naming_the_catalog(cli: dict[str, Run]) -> None:
    code, _, err = cli["compare nosuchbundle"].result
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("nosuchbundle: (bundle): not a file and not in the catalog"), err
    for name in catalog_names():
        assert name in err


def test_an_unknown_lever_exits_2(cli: dict[str, Run]) -> None:
    code, _, err = cli["levers bogus"].result
    assert code == 2
    assert "Traceback" not in err
    assert "unknown lever 'bogus'" in err
