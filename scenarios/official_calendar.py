"""China's official working calendar: the days the State Council's annual holiday notices
(国务院办公厅关于部分节假日安排的通知) take off, and the weekend days they make working days
(调休).  Promised limits (承诺时限) count 工作日 on this calendar.

The dates come from the ``chinesecalendar`` package, which follows each notice.  It was
chosen over ``holidays`` (whose China calendar agrees day for day on 2024-2026) because it
knows where its data ends: ``holidays`` computes a year that has no notice yet from rules,
without its make-up days, so a run into that year would be silently wrong.  A run past the
last year the package knows stops with :class:`BeyondOfficialCalendar`.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

import chinese_calendar

HOLIDAYS: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
"""Days off, weekends included where the notice names them."""
WORKDAYS: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
"""Weekend days the notices make working days (调休)."""
FIRST_DAY = dt.date(min(HOLIDAYS).year, 1, 1)
LAST_DAY = dt.date(max(HOLIDAYS).year, 12, 31)
SOURCE = f"chinesecalendar {version('chinesecalendar')}"


class BeyondOfficialCalendar(ValueError):
    """A run needs a day the official calendar does not know yet."""

    def __init__(self, day: dt.date):
        super().__init__(day)  # the day alone, so the error survives a worker process
        self.day = day

    def __str__(self) -> str:
        return beyond_message(self.day)


def beyond_message(day: dt.date) -> str:
    return (
        f"the official working calendar ({SOURCE}) covers {FIRST_DAY.year}-{LAST_DAY.year}; "
        f"this run needs {day.isoformat()}. Upgrade chinesecalendar once the State Council's "
        f"notice for {day.year} is out, or set calendar.holidays: none and list that year's "
        "holidays and make-up days under calendar.extra_holidays and calendar.extra_workdays"
    )


def known(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def is_official_working_day(day: dt.date, weekdays: set[int]) -> bool:
    """A day the notices make a working day, else an office weekday that is no holiday.

    ``weekdays`` (0 = Monday) lets a hall that also opens on Saturdays keep them; the
    notices' holidays close it all the same.
    """
    if not known(day):
        raise BeyondOfficialCalendar(day)
    if day in WORKDAYS:
        return True
    return day.weekday() in weekdays and day not in HOLIDAYS
