"""Working-time arithmetic on the simulation clock (minutes after the start date, 00:00).

Back offices work only in opening hours: "3 working days" filed on a Friday afternoon ends
on a Wednesday afternoon, and by default on China's official calendar (holidays off, make-up
Saturdays and Sundays on).  Open periods are laid out as sorted arrays with the working
minutes before each, so every question is a binary search; the arrays grow on demand.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from onething.scenarios import official_calendar
from onething.scenarios.model import WEEKDAYS, CalendarSpec
from onething.scenarios.official_calendar import BeyondOfficialCalendar

DAY = 24 * 60
MAX_YEARS = 100
"""How far from its start a calendar reaches: past it a duration or an arrival of the
scenario is out of all proportion (and the arrays would eat the memory)."""


class TooFarAhead(ValueError):
    """A run needs a time more than ``MAX_YEARS`` after its start date."""

    def __init__(self, day: dt.date):
        super().__init__(day)  # the day alone, so the error survives a worker process
        self.day = day

    def __str__(self) -> str:
        return (
            f"the run reaches {self.day.isoformat()}, more than {MAX_YEARS} years after "
            "run.start_date: a duration or an arrival in the scenario is too long"
        )


class WorkingCalendar:
    def __init__(self, spec: CalendarSpec, start_date: dt.date, days: int = 400):
        self.start_date = start_date
        self.minutes_per_day = spec.minutes_per_day
        self._periods = [spec.paced(day) for day in WEEKDAYS]
        """Periods of a working day by its weekday (0 Monday), each with its pace; a
        weekday not worked has the usual ones, for a make-up day."""
        self._open = [spec.periods(day) for day in WEEKDAYS]
        self.weekdays = tuple(spec.weekdays)
        self._weekdays = {WEEKDAYS.index(d) for d in spec.weekdays}
        self._official = spec.holidays == "official"
        self._extra_off = set(spec.extra_holidays)
        self._extra_on = set(spec.extra_workdays)
        # days from the start this calendar may lay out (the official one knows fewer)
        self._limit = round(MAX_YEARS * 365.25)
        if self._official:
            self._limit = min(self._limit, (official_calendar.LAST_DAY - start_date).days + 1)
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.cum: list[float] = []  # working minutes before each period
        self.paces: list[float] = []
        self._days = 0
        self._extend(days)

    def is_working_day(self, day: int) -> bool:
        return bool(self._day_periods(day))

    def _day_periods(self, day: int) -> list[tuple[int, int, float]]:
        """Open periods of ``day`` as minutes of its day with their pace, none on a day
        off."""
        date = self.start_date + dt.timedelta(days=day)
        if date in self._extra_on:
            working = True
        elif date in self._extra_off:
            working = False
        elif self._official:
            working = official_calendar.is_official_working_day(date, self._weekdays)
        else:
            working = date.weekday() in self._weekdays
        return self._periods[date.weekday()] if working else []

    def _extend(self, days: int) -> None:
        total = (
            self.cum[-1] + (self.ends[-1] - self.starts[-1]) * self.paces[-1]
            if self.starts
            else 0.0
        )
        stop = self._days + days
        if self._days >= self._limit:  # asked for a day past the known years
            day = self.start_date + dt.timedelta(days=self._days)
            raise BeyondOfficialCalendar(day) if self._official else TooFarAhead(day)
        stop = min(stop, self._limit)
        days = stop - self._days
        for day in range(self._days, stop):
            for a, b, pace in self._day_periods(day):
                start, end = day * DAY + a, day * DAY + b
                if self.ends and self.ends[-1] == start and self.paces[-1] == pace:
                    self.ends[-1] = end  # 24-hour calendars: one long period
                else:
                    self.starts.append(start)
                    self.ends.append(end)
                    self.cum.append(total)
                    self.paces.append(pace)
                total += (b - a) * pace
        self._days += days
        self._covered = (self._days - 1) * DAY  # a day's margin for the next opening
        self._laid_out = total
        """Working minutes of the periods laid out."""
        if not self.starts:
            self._extend(days)  # no working day yet: keep looking (validation ensures one)

    def _cover(self, t: float) -> None:
        while t >= self._covered:
            self._extend(max(self._days, 366))

    def working_at(self, t: float) -> float:
        """Working minutes elapsed between the start and ``t``."""
        if t >= self._covered:
            self._cover(t)
        starts = self.starts
        i = bisect_right(starts, t) - 1
        if i < 0:
            return 0.0
        end = self.ends[i]
        return self.cum[i] + ((t if t < end else end) - starts[i]) * self.paces[i]

    def time_at(self, working: float) -> float:
        """The clock time at which ``working`` working minutes have elapsed."""
        while working >= self._laid_out:
            self._extend(max(self._days, 366))
        cum = self.cum
        i = bisect_right(cum, working) - 1
        return self.starts[i] + (working - cum[i]) / self.paces[i]

    def add_working(self, t: float, minutes: float) -> float:
        if minutes <= 0:
            return t
        return self.time_at(self.working_at(t) + minutes)

    def working_between(self, t0: float, t1: float) -> float:
        return self.working_at(t1) - self.working_at(t0)

    def next_open(self, t: float) -> float:
        """``t`` itself when open, else the next opening."""
        while True:
            if t >= self._covered:
                self._cover(t)
            starts = self.starts
            i = bisect_right(starts, t)  # the first period starting after t
            if i and t < self.ends[i - 1]:
                return t
            if i < len(starts):
                return starts[i]
            self._extend(max(self._days, 366))  # the next opening is not laid out yet

    def open_periods(self, day: int) -> list[tuple[float, float]]:
        """Open periods of one day, as clock minutes."""
        if not self.is_working_day(day):
            return []
        weekday = (self.start_date + dt.timedelta(days=day)).weekday()
        return [(day * DAY + a, day * DAY + b) for a, b in self._open[weekday]]

    def weekday(self, day: int) -> str:
        return WEEKDAYS[(self.start_date + dt.timedelta(days=day)).weekday()]

    def timestamp(self, t: float) -> dt.datetime:
        return dt.datetime.combine(self.start_date, dt.time()) + dt.timedelta(minutes=t)


class AroundTheClock(WorkingCalendar):
    """A calendar open every minute of every day (a queueing model, a 24-hour hotline):
    working time is clock time, so no question needs the periods' search.  Answers as
    ``WorkingCalendar`` does; like it, ``time_at`` and ``add_working`` refuse a result more
    than ``MAX_YEARS`` ahead."""

    def __init__(self, spec: CalendarSpec, start_date: dt.date, days: int = 400):
        super().__init__(spec, start_date, days)
        self._horizon = self._limit * DAY

    def _too_far(self, t: float) -> TooFarAhead:
        return TooFarAhead(self.start_date + dt.timedelta(days=int(t // DAY)))

    def working_at(self, t: float) -> float:
        return t if t > 0.0 else 0.0

    def time_at(self, working: float) -> float:
        if working >= self._horizon:
            raise self._too_far(working)
        return working

    def add_working(self, t: float, minutes: float) -> float:
        if minutes <= 0:
            return t
        end = t + minutes
        if end >= self._horizon:
            raise self._too_far(end)
        return end

    def next_open(self, t: float) -> float:
        return t


def working_calendar(spec: CalendarSpec, start_date: dt.date, days: int = 400) -> WorkingCalendar:
    """The calendar of ``spec``: ``AroundTheClock`` when it never closes (every weekday,
    24 hours, no holidays), else the general one."""
    always_open = (
        spec.minutes_per_day == DAY
        and set(spec.weekdays) == set(WEEKDAYS)
        and spec.holidays == "none"
        and not spec.extra_holidays
        and not spec.weekday_hours
        and not spec.hour_rates
    )
    return (AroundTheClock if always_open else WorkingCalendar)(spec, start_date, days)
