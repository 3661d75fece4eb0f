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


_NOTHING = (0.0, 0.0, 0.0, 0.0, None)
"""No period asked about yet."""


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
    always_open = False
    """Open every minute (``AroundTheClock``): working time is clock time."""

    def __init__(self, spec: CalendarSpec, start_date: dt.date, days: int = 400):
        self.start_date = start_date
        self.minutes_per_day = spec.minutes_per_day
        self._periods = spec.periods()
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
        self._days = 0
        self._hit: tuple[float, float, float, float, float | None] = _NOTHING
        self._before_hit = _NOTHING
        """The last two periods asked about (``_period``, ``time_at``): most questions
        fall into the opening the clock is in or the one a back office's decision falls
        in (asked again for the post), so they skip the search."""
        self._extend(days)

    def is_working_day(self, day: int) -> bool:
        date = self.start_date + dt.timedelta(days=day)
        if date in self._extra_on:
            return True
        if date in self._extra_off:
            return False
        if self._official:
            return official_calendar.is_official_working_day(date, self._weekdays)
        return date.weekday() in self._weekdays

    def _extend(self, days: int) -> None:
        total = self.cum[-1] + self.ends[-1] - self.starts[-1] if self.starts else 0.0
        self._hit = self._before_hit = _NOTHING  # the last period may grow, the next come
        stop = self._days + days
        if self._days >= self._limit:  # asked for a day past the known years
            day = self.start_date + dt.timedelta(days=self._days)
            raise BeyondOfficialCalendar(day) if self._official else TooFarAhead(day)
        stop = min(stop, self._limit)
        days = stop - self._days
        for day in range(self._days, stop):
            if not self.is_working_day(day):
                continue
            for a, b in self._periods:
                start, end = day * DAY + a, day * DAY + b
                if self.ends and self.ends[-1] == start:  # 24-hour calendars: one long period
                    self.ends[-1] = end
                else:
                    self.starts.append(start)
                    self.ends.append(end)
                    self.cum.append(total)
                total += b - a
        self._days += days
        self._covered = (self._days - 1) * DAY  # a day's margin for the next opening
        if not self.starts:
            self._extend(days)  # no working day yet: keep looking (validation ensures one)

    def _cover(self, t: float) -> None:
        while t >= self._covered:
            self._extend(max(self._days, 366))

    def _period(self, t: float) -> tuple[float, float, float, float, float | None]:
        """The last period starting at or before ``t``: (start, end, working minutes
        before it, until when this answer holds, the next period's start or None when
        not laid out yet); before the first opening, an empty period at ``t``."""
        hit = self._hit
        if hit[0] <= t < hit[3]:
            return hit
        hit = self._before_hit
        if hit[0] <= t < hit[3]:
            return hit
        if t >= self._covered:
            self._cover(t)
        starts = self.starts
        i = bisect_right(starts, t) - 1
        if i < 0:  # not kept: nothing before the first opening is asked twice
            return (t, t, 0.0, t, starts[0])
        return self._remember(i)

    def _remember(self, i: int) -> tuple[float, float, float, float, float | None]:
        """Period ``i`` as ``_period`` answers, kept as the last asked about."""
        starts = self.starts
        if i + 1 < len(starts):
            hit = (starts[i], self.ends[i], self.cum[i], starts[i + 1], starts[i + 1])
        else:  # the last laid out (a calendar open around the clock has one long period)
            hit = (starts[i], self.ends[i], self.cum[i], self._covered, None)
        self._before_hit, self._hit = self._hit, hit
        return hit

    def working_at(self, t: float) -> float:
        """Working minutes elapsed between the start and ``t``."""
        start, end, before, _, _ = self._period(t)
        return before + (t if t < end else end) - start

    def time_at(self, working: float) -> float:
        """The clock time at which ``working`` working minutes have elapsed."""
        start, end, before, _, _ = self._hit
        if before <= working < before + end - start:
            return start + working - before
        start, end, before, _, _ = self._before_hit
        if before <= working < before + end - start:
            return start + working - before
        while working >= self.cum[-1] + self.ends[-1] - self.starts[-1]:
            self._extend(max(self._days, 366))
        start, _, before, _, _ = self._remember(bisect_right(self.cum, working) - 1)
        return start + working - before

    def add_working(self, t: float, minutes: float) -> float:
        if minutes <= 0:
            return t
        return self.time_at(self.working_at(t) + minutes)

    def working_between(self, t0: float, t1: float) -> float:
        return self.working_at(t1) - self.working_at(t0)

    def next_open(self, t: float) -> float:
        """``t`` itself when open, else the next opening."""
        _, end, _, _, following = self._period(t)
        if t < end:
            return t
        while following is None:
            self._extend(max(self._days, 366))
            _, _, _, _, following = self._period(t)
        return following

    def open_periods(self, day: int) -> list[tuple[float, float]]:
        """Open periods of one day, as clock minutes."""
        if not self.is_working_day(day):
            return []
        return [(day * DAY + a, day * DAY + b) for a, b in self._periods]

    def weekday(self, day: int) -> str:
        return WEEKDAYS[(self.start_date + dt.timedelta(days=day)).weekday()]

    def timestamp(self, t: float) -> dt.datetime:
        return dt.datetime.combine(self.start_date, dt.time()) + dt.timedelta(minutes=t)


class AroundTheClock(WorkingCalendar):
    """A calendar open every minute of every day (a queueing model, a 24-hour hotline):
    working time is clock time, so no question needs the periods' search.  Answers as
    ``WorkingCalendar`` does, and like it refuses a time more than ``MAX_YEARS`` ahead."""

    always_open = True

    def __init__(self, spec: CalendarSpec, start_date: dt.date, days: int = 400):
        super().__init__(spec, start_date, days)
        self._horizon = self._limit * DAY

    def _beyond(self, t: float) -> None:
        day = int(t // DAY)
        if day >= self._limit:
            raise TooFarAhead(self.start_date + dt.timedelta(days=day))

    def working_at(self, t: float) -> float:
        return t if t > 0.0 else 0.0

    def time_at(self, working: float) -> float:
        if working >= self._horizon:
            self._beyond(working)
        return working

    def add_working(self, t: float, minutes: float) -> float:
        if minutes <= 0:
            return t
        end = t + minutes
        if end >= self._horizon:
            self._beyond(end)
        return end

    def working_between(self, t0: float, t1: float) -> float:
        return self.working_at(t1) - self.working_at(t0)

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
    )
    return (AroundTheClock if always_open else WorkingCalendar)(spec, start_date, days)
