"""Two processes on one seed meet the same applicants with the same luck: the k-th
applicant of an opening hour arrives from that hour's own stream and draws from a
stream of their own, so a comparison of two models is between the models."""

from __future__ import annotations

import datetime as dt

from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.scenarios.mechanics import ApplicantDraws, Calendars
from onething.scenarios.model import Arrivals, CalendarSpec
from onething.sim.arrivals import applicants


def _crowd(per_day: float) -> dict[str, float]:
    calendar = WorkingCalendar(CalendarSpec(), dt.date(2026, 3, 2))
    arrivals = Arrivals(per_working_day=per_day, hourly_profile={9: 2.0, 10: 1.0, 15: 1.0})
    return dict((name, t) for t, name in applicants(arrivals, calendar, 3, 20))


def test_a_higher_rate_brings_everyone_a_little_earlier_and_a_few_more():
    slow, fast = _crowd(40.0), _crowd(41.0)
    assert len(fast) > len(slow) > 500
    assert set(slow) <= set(fast)  # nobody of the slower crowd goes missing
    assert all(fast[name] <= slow[name] for name in slow)
    assert all(slow[name] - fast[name] < 60 for name in slow)  # within their hour


def test_an_applicants_draws_do_not_depend_on_who_draws_in_between():
    process = Process.of(load_scenario("newborn"), "before")
    calendars = Calendars(process.scenario, 120)
    items = list(process.scenario.items)
    alone, crowded = (ApplicantDraws(process, 11, calendars) for _ in range(2))
    me, other = object(), object()
    alone.arrive(me, (540, 3))
    crowded.arrive(me, (540, 3))
    crowded.arrive(other, (540, 4))
    mine = []
    for item in items:
        crowded.handling(other, item)
        mine.append((crowded.handling(me, item), crowded.processing(me, item)))
        crowded.rework(other, item)
    assert mine == [(alone.handling(me, i), alone.processing(me, i)) for i in items]
    assert len({h for h, _ in mine}) > 1  # and they are draws, not one value


def test_another_seed_or_another_applicant_draws_other_numbers():
    process = Process.of(load_scenario("newborn"), "before")
    calendars = Calendars(process.scenario, 120)
    item = next(iter(process.scenario.items))
    values = set()
    for seed, name in ((11, (540, 3)), (12, (540, 3)), (11, (540, 4))):
        draws, case = ApplicantDraws(process, seed, calendars), object()
        draws.arrive(case, name)
        values.add(draws.processing(case, item))
    assert len(values) == 3


def test_a_long_story_keeps_drawing_its_own_numbers_past_its_first_block():
    """Rework loops can ask for more numbers than an applicant gets at arrival: the
    further ones are theirs too, whoever else arrives or draws in between."""
    process = Process.of(load_scenario("newborn"), "before")
    calendars = Calendars(process.scenario, 120)
    item = next(iter(process.scenario.items))
    alone, crowded = (ApplicantDraws(process, 11, calendars) for _ in range(2))
    me = object()
    alone.arrive(me, (540, 3))
    for k in range(3):
        crowded.arrive(object(), (540, k))
    crowded.arrive(me, (540, 3))
    many = 3 * ApplicantDraws.BLOCK
    mine = []
    for k in range(many):
        other = object()
        crowded.arrive(other, (600, k))
        crowded.rework(other, item)
        mine.append(crowded.rework(me, item))
    assert mine == [alone.rework(me, item) for _ in range(many)]
    assert len(set(mine)) == many
