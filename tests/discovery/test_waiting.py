"""An item decided no earlier than a period after its case opened, found in a log
(``discovery.waiting``): where the log shows it, and nowhere else."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from onething.cli import main
from onething.discovery.fit import Reservoir
from onething.discovery.waiting import MIN_CASES, waiting_period
from onething.scenarios.loader import load_scenario
from tests.discovery.test_real_logs import MONDAY, _pm4py_csv

DAY = 480.0  # working minutes a day in the synthetic pairs


def _pairs(filed: np.ndarray, decided: np.ndarray) -> Reservoir:
    pairs = Reservoir()
    for f, d in zip(filed.tolist(), decided.tolist(), strict=True):
        pairs.add((f, d))
    return pairs


def test_a_decision_that_waits_for_a_period_from_the_opening_is_found_with_both_times():
    rng = np.random.default_rng(1)
    n = 2000
    filed = np.where(rng.random(n) < 0.7, rng.uniform(0, 1, n), rng.uniform(30, 60, n)) * DAY
    period = rng.uniform(31, 52, n) * DAY
    decided = np.maximum(filed + 15 * DAY, period)
    found = waiting_period(_pairs(filed, decided), seed=1)
    assert found is not None
    assert np.median(found.period.values) / DAY == pytest.approx(41.5, abs=1.5)
    assert np.median(found.processing.values) / DAY == pytest.approx(15, abs=0.5)
    assert found.distance * 4 < found.without


def test_a_decision_that_only_follows_its_filing_has_no_waiting_period():
    rng = np.random.default_rng(2)
    n = 2000
    filed = rng.exponential(5, n) * DAY
    decided = filed + rng.lognormal(1, 0.5, n) * DAY
    assert waiting_period(_pairs(filed, decided), seed=1) is None


def test_too_few_cases_or_instant_decisions_show_no_waiting_period():
    rng = np.random.default_rng(3)
    few = rng.uniform(0, 1, MIN_CASES - 1) * DAY
    assert waiting_period(_pairs(few, np.maximum(few, 10 * DAY)), seed=1) is None
    zeros = np.zeros(500)
    assert waiting_period(_pairs(zeros, zeros), seed=1) is None


def _tickets(cases: int = 400, seed: int = 4) -> list[tuple[str, str, dt.datetime, str]]:
    """A helpdesk: Open, Resolve (mostly within a day, else 15 to 30 days later), Close
    two days after Resolve but never before ten days after Open; a case every 30 minutes
    of a weekday, events within office hours."""
    rng = random.Random(seed)
    events = []
    for n in range(cases):
        opened = MONDAY + dt.timedelta(days=7 * (n // 80) + (n % 80) // 16, minutes=30 * (n % 16))
        late = rng.random() < 0.3
        resolved = opened + dt.timedelta(
            days=rng.randint(15, 30) if late else 0, minutes=rng.uniform(10, 60)
        )
        closed = max(resolved + dt.timedelta(days=2), opened + dt.timedelta(days=10))
        closed += dt.timedelta(minutes=rng.uniform(1, 5))
        for task, t in (("Open", opened), ("Resolve", resolved), ("Close", closed)):
            events.append((f"t{n}", task, t, rng.choice(["ann", "bob"])))
    return events


def test_discovery_writes_the_waiting_period_it_finds_and_says_so(tmp_path):
    log = _pm4py_csv(tmp_path / "tickets.csv", _tickets())
    out, report = tmp_path / "tickets.yaml", tmp_path / "fit.html"
    assert main(["discover", str(log), "--out", str(out), "--report", str(report)]) == 0
    scenario = load_scenario(out)
    by_name = {item.name: item for item in scenario.items.values()}
    close = by_name["Close"]
    assert close.waiting_period is not None and close.waiting_period.unit == "working_days"
    assert 9 < close.waiting_period.mean_value < 10.5  # ten days, every day worked
    assert 1.8 < close.processing.mean_value < 2.2  # two days after Resolve
    assert by_name["Resolve"].waiting_period is None and by_name["Open"].waiting_period is None
    page = report.read_text(encoding="utf-8")
    assert "Close: decided no earlier than a period after the case opened" in page
    simulated = tmp_path / "sim.csv"
    assert main(["simulate", str(out), "--events", str(simulated), "--replications", "1"]) == 0
