"""Working-time arithmetic: opening hours, lunch breaks, weekends and holidays."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from onething.scenarios.calendar import (
    DAY,
    AroundTheClock,
    TooFarAhead,
    WorkingCalendar,
    working_calendar,
)
from onething.scenarios.model import CalendarSpec

MONDAY = dt.date(2026, 3, 2)


def at(day: int, hh: int, mm: int = 0) -> float:
    return day * DAY + hh * 60 + mm


def office_spec() -> CalendarSpec:
    # 08:30-12:00 and 14:00-17:30, Monday to Friday; Wednesday 2026-03-04 a local holiday
    return CalendarSpec(holidays="none", extra_holidays=[dt.date(2026, 3, 4)])


@pytest.fixture
def office() -> WorkingCalendar:
    return WorkingCalendar(office_spec(), MONDAY)


def test_a_working_day_is_the_opening_minutes(office):
    assert office.minutes_per_day == 420


def test_work_stops_for_lunch(office):
    assert office.add_working(at(0, 11, 30), 60) == at(0, 14, 30)


def test_work_skips_holidays_and_weekends(office):
    # Tuesday 17:00 + 1 h: Wednesday is a holiday, so Thursday 09:00
    assert office.add_working(at(1, 17), 60) == at(3, 9)
    # Friday 17:00 + 1 h: Monday 09:00
    assert office.add_working(at(4, 17), 60) == at(7, 9)


def test_three_working_days_filed_on_friday_afternoon_end_on_wednesday(office):
    assert office.add_working(at(4, 15), 3 * 420) == at(9, 15)


def test_a_weekday_with_hours_of_its_own_opens_only_then():
    # Monday to Saturday 09:00-21:00, Saturday 09:00-17:00; Sunday 8 March a make-up day
    spec = CalendarSpec(
        hours=[("09:00", "21:00")],
        weekdays=["mon", "tue", "wed", "thu", "fri", "sat"],
        weekday_hours={"sat": [("09:00", "17:00")]},
        holidays="none",
        extra_workdays=[dt.date(2026, 3, 8)],
    )
    calendar = WorkingCalendar(spec, MONDAY)
    assert calendar.minutes_per_day == 720  # a working day is a usual one
    assert calendar.open_periods(5) == [(at(5, 9), at(5, 17))]
    assert calendar.open_periods(6) == [(at(6, 9), at(6, 21))]  # the usual hours
    assert calendar.add_working(at(5, 16), 120) == at(6, 10)
    assert calendar.working_between(at(4, 0), at(7, 0)) == 720 + 480 + 720
    assert calendar.next_open(at(5, 18)) == at(6, 9)


def test_working_time_passes_at_each_hours_pace():
    # 09:00-17:00, the lunch hour at half pace: a working day is 450 minutes
    spec = CalendarSpec(hours=[("09:00", "17:00")], hour_rates={13: 0.5}, holidays="none")
    calendar = WorkingCalendar(spec, MONDAY)
    assert calendar.minutes_per_day == 450
    assert calendar.working_between(at(0, 13), at(0, 14)) == 30
    assert calendar.add_working(at(0, 12, 30), 60) == at(0, 14)
    assert calendar.add_working(at(0, 16), 450) == at(1, 16)
    assert calendar.open_periods(0) == [(at(0, 9), at(0, 17))]  # opening hours unchanged
    assert type(working_calendar(spec, MONDAY)) is WorkingCalendar


def test_closed_offices_open_at_the_next_period(office):
    assert office.next_open(at(0, 12, 30)) == at(0, 14)
    assert office.next_open(at(5, 10)) == at(7, 8, 30)  # Saturday
    assert office.next_open(at(0, 9)) == at(0, 9)


def test_working_minutes_between_two_instants(office):
    assert office.working_between(at(0, 8), at(1, 8)) == 420
    assert office.working_between(at(1, 12), at(3, 8, 30)) == 210 + 0  # holiday in between


def test_always_open_calendar_is_plain_clock_time():
    always = WorkingCalendar(
        CalendarSpec(
            hours=[("00:00", "24:00")],
            weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            holidays="none",
        ),
        MONDAY,
    )
    assert always.add_working(100.0, 5 * DAY) == 100.0 + 5 * DAY
    assert always.working_between(0, 800 * DAY) == 800 * DAY  # grows past its first year


def around_the_clock_spec(**changes) -> CalendarSpec:
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return CalendarSpec(
        **{"hours": [("00:00", "24:00")], "weekdays": every_day, "holidays": "none", **changes}
    )


def test_an_around_the_clock_calendar_answers_as_the_general_one():
    spec = around_the_clock_spec(hours=[("00:00", "10:00"), ("10:00", "24:00")])
    fast, general = working_calendar(spec, MONDAY), WorkingCalendar(spec, MONDAY)
    assert isinstance(fast, AroundTheClock) and not isinstance(general, AroundTheClock)
    rng = random.Random(5)
    for _ in range(2000):
        t, u = rng.uniform(0, 900 * DAY), rng.uniform(0, 900 * DAY)
        minutes = rng.choice([0.0, -1.0, rng.expovariate(1 / 300)])
        assert fast.next_open(t) == general.next_open(t)
        assert fast.working_at(t) == general.working_at(t)
        assert fast.time_at(t) == general.time_at(t)
        assert fast.add_working(t, minutes) == pytest.approx(general.add_working(t, minutes))
        assert fast.working_between(t, u) == pytest.approx(general.working_between(t, u))


def test_an_around_the_clock_calendar_refuses_a_time_a_century_ahead():
    calendar = working_calendar(around_the_clock_spec(), MONDAY)
    century = 101 * 366 * DAY
    for ask in (lambda: calendar.add_working(0.0, century), lambda: calendar.time_at(century)):
        with pytest.raises(TooFarAhead, match="more than 100 years"):
            ask()


def test_a_calendar_that_closes_at_all_is_the_general_one():
    closing = [
        {"hours": [("00:00", "23:59")]},
        {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"]},
        {"holidays": "official"},
        {"extra_holidays": [dt.date(2026, 3, 4)]},
    ]
    for changes in closing:
        assert not isinstance(
            working_calendar(around_the_clock_spec(**changes), MONDAY), AroundTheClock
        )


# --- China's official calendar, the default --------------------------------------------

LABOUR_DAY_MONDAY = 60  # 2026-05-01 is day 60 after Monday 2026-03-02


def official(**changes) -> WorkingCalendar:
    return WorkingCalendar(CalendarSpec(**changes), MONDAY)


def test_the_default_calendar_is_the_state_councils():
    office = official()
    days = {MONDAY + dt.timedelta(days=d): office.is_working_day(d) for d in range(120)}
    # 2026 notice: Qingming Mon 6 Apr and Labour Day 1-5 May off, Saturday 9 May worked
    assert days[dt.date(2026, 4, 6)] is False
    assert [days[dt.date(2026, 5, d)] for d in range(1, 6)] == [False] * 5
    assert days[dt.date(2026, 5, 9)] is True
    assert days[dt.date(2026, 5, 10)] is False  # an ordinary Sunday


def test_work_filed_before_labour_day_resumes_after_it():
    office = official()
    # Thursday 30 April 17:00 + 1 h: 1-5 May off, so Wednesday 6 May 09:00
    assert office.add_working(at(LABOUR_DAY_MONDAY - 1, 17), 60) == at(LABOUR_DAY_MONDAY + 5, 9)


def test_the_make_up_saturday_is_a_full_working_day():
    office = official()
    saturday = LABOUR_DAY_MONDAY + 8  # 2026-05-09
    assert office.open_periods(saturday) == [
        (at(saturday, 8, 30), at(saturday, 12)),
        (at(saturday, 14), at(saturday, 17, 30)),
    ]


def test_local_changes_go_on_top_of_the_official_calendar():
    office = official(extra_holidays=[dt.date(2026, 3, 3)], extra_workdays=[dt.date(2026, 5, 2)])
    assert not office.is_working_day(1)
    assert office.is_working_day(LABOUR_DAY_MONDAY + 1)


def test_a_run_past_the_last_known_year_stops_with_a_clear_error():
    from onething.scenarios.official_calendar import LAST_DAY, BeyondOfficialCalendar

    office = official()
    office.add_working(0.0, 100 * 420)  # inside the known year: fine
    with pytest.raises(BeyondOfficialCalendar) as error:
        office.add_working(0.0, 400 * 420)
    message = str(error.value)
    assert f"covers 2004-{LAST_DAY.year}" in message
    assert f"needs {LAST_DAY + dt.timedelta(days=1)}" in message
    assert "calendar.holidays: none" in message


def test_without_the_official_calendar_any_year_runs():
    office = official(holidays="none")
    assert office.add_working(0.0, 400 * 420) > 365 * DAY


def test_answers_do_not_depend_on_what_was_asked_before(office):
    """The calendar lays its periods out as questions reach further: asked in any order,
    across closings, weekends and the growth of its arrays, it answers as a fresh one does."""
    rng = random.Random(4)
    times = [rng.uniform(-60, 500 * DAY) for _ in range(100)] + [at(0, 12), at(0, 14)]
    for t in times:
        fresh = WorkingCalendar(office_spec(), MONDAY, days=1)
        expected = (fresh.working_at(t), fresh.next_open(t), fresh.add_working(t, 30))
        assert (office.working_at(t), office.next_open(t), office.add_working(t, 30)) == expected
