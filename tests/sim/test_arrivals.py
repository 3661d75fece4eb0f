"""Arrivals follow the calendar and the profiles: seasonal peaks, make-up working days."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from onething.scenarios.calendar import DAY, WorkingCalendar
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import Arrivals, CalendarSpec
from onething.sim.arrivals import arrival_times


def _per_date(arrivals: Arrivals, start: dt.date, days: int) -> Counter[dt.date]:
    calendar = WorkingCalendar(CalendarSpec(), start)
    times = arrival_times(arrivals, calendar, 1, days)
    return Counter(start + dt.timedelta(days=int(t // DAY)) for t in times)


def test_the_start_of_term_window_brings_its_weight_times_the_ordinary_load():
    scenario = load_scenario("school_enrolment")
    arrivals = scenario.applicants.arrivals.model_copy(update={"per_working_day": 40.0})
    counts = _per_date(arrivals, scenario.run.start_date, scenario.run.horizon_days)
    window = [dt.date(2026, 8, d) for d in range(3, 8)]
    ordinary = [dt.date(2026, 7, d) for d in (20, 21, 22, 23, 24, 27, 28, 29, 30, 31)]
    peak = sum(counts[d] for d in window) / len(window)
    usual = sum(counts[d] for d in ordinary) / len(ordinary)
    assert 20 < peak / usual < 31  # weight 25, Poisson noise


def test_a_make_up_saturday_gets_an_ordinary_days_arrivals():
    arrivals = Arrivals(per_working_day=50.0)
    counts = _per_date(arrivals, dt.date(2026, 5, 4), 7)
    assert counts[dt.date(2026, 5, 9)] > 25  # Saturday 9 May 2026 is worked (调休)
    assert counts[dt.date(2026, 5, 5)] == 0  # Labour Day holiday
    assert counts[dt.date(2026, 5, 10)] == 0  # an ordinary Sunday


def test_a_load_sweeps_rate_keeps_the_start_of_term_season():
    from onething.experiments.spec import Overrides
    from onething.experiments.variants import apply_overrides

    scenario = load_scenario("school_enrolment")
    swept = apply_overrides(scenario, Overrides(arrivals_per_day=12.0)).applicants.arrivals
    assert swept.per_working_day == 12.0
    assert swept.date_weight(dt.date(2026, 8, 5)) == 25
    assert swept.date_weight(dt.date(2026, 7, 22)) == 1.0
