"""The window queue counts only open time as waiting, however the wait crosses a closing."""

from __future__ import annotations

import datetime as dt

import pytest

from onething.scenarios.calendar import DAY, WorkingCalendar
from onething.scenarios.mechanics import Windows
from onething.scenarios.model import CalendarSpec

MONDAY = dt.date(2026, 3, 2)
FRIDAY, NEXT_MONDAY = 4, 7


def at(day: int, hh: int, mm: int = 0) -> float:
    return day * DAY + hh * 60 + mm


@pytest.fixture
def window() -> Windows:
    # one window, 09:00-17:00, Monday to Friday
    spec = CalendarSpec(hours=[("09:00", "17:00")], holidays="none")
    return Windows(1, WorkingCalendar(spec, MONDAY))


def test_an_applicant_given_the_window_while_it_is_closed_starts_at_the_opening(window):
    window.serve(at(FRIDAY, 16, 50), 60)  # overtime until 17:50
    held = window.serve(at(FRIDAY, 16, 55), 30)
    assert (held.start, held.end) == (at(NEXT_MONDAY, 9), at(NEXT_MONDAY, 9, 30))
    assert held.waited == pytest.approx(5)


def test_a_wait_behind_someone_who_held_the_window_over_the_weekend_is_open_time(window):
    window.serve(at(FRIDAY, 16, 50), 60)
    window.serve(at(FRIDAY, 16, 55), 30)  # holds the window from Monday 09:00 to 09:30
    behind = window.serve(at(FRIDAY, 16, 58), 10)
    assert behind.start == at(NEXT_MONDAY, 9, 30)
    assert behind.waited == pytest.approx(2 + 30)  # Friday 16:58-17:00, Monday 09:00-09:30
    assert window.waited_minutes == pytest.approx(5 + 32)


def test_a_wait_within_open_hours_is_the_clock_difference(window):
    window.serve(at(0, 10), 45)
    later = window.serve(at(0, 10, 15), 5)
    assert (later.start, later.waited) == (at(0, 10, 45), pytest.approx(30))


def _served_friday_evening(spec: CalendarSpec) -> Windows:
    window = Windows(1, WorkingCalendar(spec, MONDAY))
    for minute in range(0, 10, 2):
        window.serve(at(FRIDAY, 16, 50 + minute), 30)  # queue into Monday morning
    return window


def test_queue_lengths_over_hours_are_the_lengths_one_hour_at_a_time():
    """The hours after the last queue has its windows are zeros without asking each one;
    the lengths are what asking each hour gives."""
    spec = CalendarSpec(hours=[("09:00", "17:00")], holidays="none")
    one_at_a_time = _served_friday_evening(spec)
    until = at(NEXT_MONDAY + 3, 12)
    hours = [at(FRIDAY, 16) + 60 * k for k in range(int((until - at(FRIDAY, 16)) // 60) + 1)]
    expected = [one_at_a_time.queue_length(t) for t in hours]
    assert max(expected) == 4 and expected[-1] == 0
    at_once = _served_friday_evening(spec)
    assert at_once.queue_lengths(at(FRIDAY, 16), 60, until) == expected
    assert at_once.queue_lengths(until + 60, 60, until) == []
