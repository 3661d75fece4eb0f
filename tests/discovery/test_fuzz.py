"""Generated logs (CSV and XES: dates from year 1 to 9999, garbage fields, missing or
duplicated columns, deep or huge XML, DTDs): discover either writes a scenario that
loads or prints `file: where: reason` lines with exit 2; never a traceback, never past
10 s, never a file outside the output folder.  `benchmarks/fuzz_logs.py` runs the same
generators over 10,000 inputs per surface."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from benchmarks.fuzz_logs import csv_logs, run_once, xes_logs

FEW = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@FEW
@given(csv_logs())
def test_any_csv_gives_a_scenario_or_one_line_per_problem(case):
    assert run_once("discover-csv", *case) in ("scenario", "refused")


@FEW
@given(xes_logs())
def test_any_xes_gives_a_scenario_or_one_line_per_problem(case):
    assert run_once("discover-xes", *case) in ("scenario", "refused")
