"""Working-time arithmetic: opening hours, lunch breaks, weekends and holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from onething.scenarios.calendar import DAY, WorkingCalendar
from onething.scenarios.model import CalendarSpec

MONDAY = dt.date(2026, 3, 2)


def at(day: int, hh: int, mm: int = 0) -> float:
    return day * DAY + hh * 60 + mm


@pytest.fixture
def office() -> WorkingCalendar:
    # 08:30-12:00 and 14:00-17:30, Monday to Friday; Wednesday 2026-03-04 a holiday
    return WorkingCalendar(CalendarSpec(holidays=[dt.date(2026, 3, 4)]), MONDAY)


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
            hours=[("00:00", "24:00")], weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        ),
        MONDAY,
    )
    assert always.add_working(100.0, 5 * DAY) == 100.0 + 5 * DAY
    assert always.working_between(0, 800 * DAY) == 800 * DAY  # grows past its first year
