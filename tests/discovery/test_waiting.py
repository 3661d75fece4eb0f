"""An item decided no earlier than a period after its case opened, found in a log
(``discovery.waiting``): where the log shows it, and nowhere else."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from onething.discovery.fit import Reservoir
from onething.discovery.waiting import CLOCK_BETTER_BY, MIN_CASES, waiting_period
from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.model import WEEKDAYS, CalendarSpec
from tests.discovery.test_real_logs import MONDAY, _pm4py_csv, discovered, simulated_decisions

DAY = 480.0  # working minutes a day in the synthetic cases
WALL_DAY = 24 * 60.0
ALWAYS = WorkingCalendar(
    CalendarSpec(hours=[("00:00", "24:00")], weekdays=list(WEEKDAYS), holidays="none"),
    dt.date(2024, 1, 1),
)
"""Open around the clock: working time is the wall clock."""
OFFICE = WorkingCalendar(
    CalendarSpec(hours=[("09:00", "17:00")], holidays="none"), dt.date(2024, 1, 1)
)
"""Monday to Friday, 9 to 5: 480 working minutes a day."""


def _cases(filed: np.ndarray, decided: np.ndarray, opened: np.ndarray | None = None) -> Reservoir:
    """(opened, filed, decided) on the clock; ``filed`` and ``decided`` after ``opened``
    (0 when not given)."""
    opened = np.zeros(filed.size) if opened is None else opened
    cases = Reservoir()
    for o, f, d in zip(opened.tolist(), filed.tolist(), decided.tolist(), strict=True):
        cases.add((o, o + f, o + d))
    return cases


def test_a_decision_that_waits_for_a_period_from_the_opening_is_found_with_both_times():
    rng = np.random.default_rng(1)
    n = 2000
    filed = np.where(rng.random(n) < 0.7, rng.uniform(0, 1, n), rng.uniform(30, 60, n)) * DAY
    period = rng.uniform(31, 52, n) * DAY
    decided = np.maximum(filed + 15 * DAY, period)
    found = waiting_period(_cases(filed, decided), 1, ALWAYS)
    assert found is not None and not found.around_the_clock  # the clocks agree: working
    assert found.within is None  # every filing waits for it
    assert np.median(found.period.values) / DAY == pytest.approx(41.5, abs=1.5)
    assert np.median(found.processing.values) / DAY == pytest.approx(15, abs=0.5)
    assert found.distance * 4 < found.without


def test_a_period_that_holds_only_for_early_filings_is_read_with_its_cutoff():
    """A helpdesk's tickets: where the work ended within a day of the opening, the
    ticket closes on the opening's schedule (31 to 59 days after it, never before 15
    after the work); where it ended 16 days or more after, 15 days after the work,
    whatever that schedule says.  Read as a period for every filing, the late ones
    would close on it too."""
    rng = np.random.default_rng(6)
    n = 3000
    early = rng.random(n) < 0.5
    filed = np.where(early, rng.uniform(0, 1, n), rng.uniform(16, 40, n)) * DAY
    period = rng.choice([31, 33, 44, 46, 59], n) * DAY
    decided = np.where(early, np.maximum(filed + 15 * DAY, period), filed + 15 * DAY)
    found = waiting_period(_cases(filed, decided), 1, ALWAYS)
    assert found is not None and found.within is not None
    assert 0.9 * DAY < found.within < 17 * DAY
    assert np.median(found.processing.values) / DAY == pytest.approx(15)
    assert set(np.round(np.array(found.period.values) / DAY)) <= {31, 33, 44, 46, 59}
    assert found.distance * 20 < found.without


def _office_cases(timer: bool, n: int = 2000) -> tuple[Reservoir, np.ndarray]:
    """Cases opened in office hours on weekdays, the item filed at once or weeks later,
    decided two days after its filing and never before ten days after the opening:
    calendar days (a timer) or working days of ``OFFICE``."""
    rng = np.random.default_rng(5)
    opened = np.array([OFFICE.time_at(w) for w in rng.uniform(0, 200 * DAY, n)])
    filed = np.where(rng.random(n) < 0.6, 0.0, rng.uniform(12, 30, n) * WALL_DAY)
    filed = np.array([OFFICE.next_open(t) for t in opened + filed])
    if timer:
        decided = np.maximum(filed + 2 * WALL_DAY, opened + 10 * WALL_DAY)
    else:
        decided = np.maximum(
            [OFFICE.add_working(t, 2 * DAY) for t in filed],
            [OFFICE.add_working(t, 10 * DAY) for t in opened],
        )
    return _cases(filed - opened, decided - opened, opened), opened


def test_a_timer_of_calendar_days_is_read_around_the_clock():
    cases, _ = _office_cases(timer=True)
    found = waiting_period(cases, 1, OFFICE)
    assert found is not None and found.around_the_clock
    assert found.replayed[True] * CLOCK_BETTER_BY < found.replayed[False]
    assert np.median(found.period.values) / WALL_DAY == pytest.approx(10, abs=0.01)
    assert np.median(found.processing.values) / WALL_DAY == pytest.approx(2, abs=0.01)


def test_a_period_of_working_days_stays_in_working_time():
    cases, _ = _office_cases(timer=False)
    found = waiting_period(cases, 1, OFFICE)
    assert found is not None and not found.around_the_clock
    assert np.median(found.period.values) / DAY == pytest.approx(10, abs=0.01)
    assert np.median(found.processing.values) / DAY == pytest.approx(2, abs=0.01)


def test_a_decision_that_only_follows_its_filing_has_no_waiting_period():
    rng = np.random.default_rng(2)
    n = 2000
    filed = rng.exponential(5, n) * DAY
    decided = filed + rng.lognormal(1, 0.5, n) * DAY
    assert waiting_period(_cases(filed, decided), 1, ALWAYS) is None


def test_too_few_cases_or_instant_decisions_show_no_waiting_period():
    rng = np.random.default_rng(3)
    few = rng.uniform(0, 1, MIN_CASES - 1) * DAY
    assert waiting_period(_cases(few, np.maximum(few, 10 * DAY)), 1, ALWAYS) is None
    zeros = np.zeros(500)
    assert waiting_period(_cases(zeros, zeros), 1, ALWAYS) is None


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
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "tickets.csv", _tickets()))
    by_name = {item.name: item for item in scenario.items.values()}
    close = by_name["Close"]
    assert close.waiting_period is not None and close.waiting_period.unit == "calendar_days"
    assert 9.9 < close.waiting_period.mean_value < 10.1  # ten days after Open
    assert close.processing.unit == "calendar_days"
    assert 1.9 < close.processing.mean_value < 2.1  # two days after Resolve
    assert by_name["Resolve"].waiting_period is None and by_name["Open"].waiting_period is None
    assert "Close: decided no earlier than a period after the case opened" in page
    assert "both times count calendar time" in page
    assert any("Close" in d for d in simulated_decisions(scenario, out))
