"""The working calendar a log shows: opening periods, working weekdays and holidays.

Read in a first pass over the log, because every working-time duration of the second
pass (back-office decisions, mail, rework) is measured on it.  Evidence is where work
can only happen in opening hours: the start of a window service, the end of a back-office
decision.  Minutes of the day with such evidence, joined across gaps shorter than
``GAP_MINUTES``, rounded out to ``GRID_MINUTES``, are the opening periods; a weekday is
worked when work is seen on at least half of its dates; a date on a worked weekday
within the observed span with no event at all, where its neighbours on both sides were
busy enough that an empty day is no accident, is a holiday.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from onething.discovery.logs import EPOCH, Event
from onething.discovery.pools import Pools
from onething.discovery.vocabulary import DECIDE, WINDOW_SERVICES, is_onething
from onething.scenarios.model import WEEKDAYS, CalendarSpec, clock_time, minutes_of_day

DAY = 24 * 60
GAP_MINUTES = 45
GRID_MINUTES = 15
HOLIDAY_EVIDENCE = 5
NEIGHBOURS = 5
"""An empty working weekday is a holiday when the ``NEIGHBOURS`` active working days on
each side saw ``HOLIDAY_EVIDENCE`` events a day or more."""
HOLE_DAYS = 21
"""An empty stretch longer than three weeks is a hole in the log (an export in parts),
not a holiday: the longest, the Spring Festival, is about a week."""
OUT_OF_HOURS = 0.01
"""The share of evidence on the least-used quarter hours that does not open them: a rare
event at night (a batch job, a late fix) does not stretch the opening hours."""
RARE_WORK = 0.1
"""A resource pool's weekday with less than this share of its usual worked weekday's events
is not worked, however many of its dates saw one (BPIC 2012's staff: a few events on most
Sundays, 1 % of a weekday's)."""
COMMON_WORK = 0.25
"""A weekday whose events are at least this share of a working weekday's is worked, even
if not on half of its dates (weekend shifts taken in turns)."""
FULL_PACE = 0.95
"""A pool's hour whose evidence per open minute is this share of its busiest hour's or
more works at full pace; below, at that share (``CalendarSpec.hour_rates``)."""
DAY_RESOLUTION = 0.99
"""A log whose times are this share at midnight or more has dates, not times of day."""
MIN_EVIDENCE = 300
"""Below this many observations a department keeps the bundle's calendar."""


_DATES: dict[int, dt.date] = {}


def date_of(minute: float) -> dt.date:
    day = int(minute // DAY)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = (EPOCH + dt.timedelta(days=day)).date()
    return date


@dataclass
class CalendarEvidence:
    minutes: Counter[int] = field(default_factory=Counter)
    dates: Counter[dt.date] = field(default_factory=Counter)
    """Evidence per date."""
    weekday_minutes: list[Counter[int]] = field(
        default_factory=lambda: [Counter() for _ in WEEKDAYS]
    )
    """``minutes`` per weekday (0 Monday)."""

    def add(self, t: float, end: bool = False) -> None:
        """Work at ``t``.  An end on a whole minute is left out: a decision ending at
        12:00:00 may have ended at the close, or (its seconds rounded away) just after
        the opening, and says nothing sure of either minute."""
        if end and t == math.floor(t):
            return
        minute, date = math.floor(t) % DAY, date_of(t)
        self.minutes[minute] += 1
        self.dates[date] += 1
        self.weekday_minutes[date.weekday()][minute] += 1

    @property
    def observations(self) -> int:
        return sum(self.minutes.values())


@dataclass
class Activity:
    """Events per date, and how many of their times fell on midnight."""

    dates: Counter[dt.date] = field(default_factory=Counter)
    stamps: int = 0
    midnight: int = 0
    tasks: dict[str, CalendarEvidence] = field(
        default_factory=lambda: defaultdict(CalendarEvidence)
    )
    """The evidence of opening hours per task, for departments made of tasks (``pools``)."""
    arrivals: CalendarEvidence = field(default_factory=CalendarEvidence)
    """When cases arrived (their first events), in a log of workflow tasks only."""
    ends: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    """Per workflow task, its events' ends per minute of the day (``runs.job_runs``)."""

    @property
    def day_resolution(self) -> bool:
        return self.stamps > 0 and self.midnight >= DAY_RESOLUTION * self.stamps


@dataclass
class Calendars:
    """The bundle's calendar and the departments whose own hours or weekdays differ."""

    bundle: CalendarSpec
    departments: dict[str, CalendarSpec]
    observations: dict[str, int]
    first_date: dt.date
    last_date: dt.date
    day_resolution: bool = False
    trimmed: float = 0.0
    """The share of the evidence left out of the opening hours (``OUT_OF_HOURS``)."""

    def of(self, department: str) -> CalendarSpec:
        return self.departments.get(department, self.bundle)


def observe(events: Iterable[Event]) -> tuple[dict[str, CalendarEvidence], Activity]:
    """Evidence of opening hours per department (key '' for all), and how many event
    starts and ends each date saw."""
    evidence: dict[str, CalendarEvidence] = defaultdict(CalendarEvidence)
    activity = Activity()
    active = activity.dates
    arrived: dict[str, float] = {}
    own_vocabulary = False
    for e in events:
        if e.start < arrived.get(e.case, math.inf):
            arrived[e.case] = e.start
        active[date_of(e.start)] += 1
        active[date_of(e.end)] += 1
        activity.stamps += 2
        activity.midnight += (e.start % DAY == 0) + (e.end % DAY == 0)
        if is_onething(e.activity):
            own_vocabulary = True
            if e.activity in WINDOW_SERVICES:
                points = ((e.start, False),)
            elif e.activity.startswith(DECIDE) and e.end > e.start:
                points = ((e.end, True),)
            else:
                points = ()
        else:  # a workflow task: worked on from start to end
            points = ((e.start, False), (e.end, True)) if e.end > e.start else ((e.start, False),)
            activity.ends[e.activity][math.floor(e.end) % DAY] += 1
        task = activity.tasks[e.activity]
        for t, end in points:
            evidence[e.department].add(t, end)
            evidence[""].add(t, end)
            task.add(t, end)
    if not own_vocabulary:  # onething's own cases arrive at its windows, or travel to them
        for t in arrived.values():
            activity.arrivals.add(t)
    return evidence, activity


def pooled(evidence: dict[str, CalendarEvidence], activity: Activity, pools: Pools) -> None:
    """Make ``evidence`` per department that of ``pools``' departments, from the tasks'."""
    for name in [k for k in evidence if k]:
        del evidence[name]
    for task, department in pools.department.items():
        own, pool = activity.tasks.get(task), evidence[department]
        if own is not None:
            pool.minutes.update(own.minutes)
            pool.dates.update(own.dates)
            for mine, theirs in zip(pool.weekday_minutes, own.weekday_minutes, strict=True):
                mine.update(theirs)


def _trimmed(minutes: Counter[int]) -> tuple[Counter[int], float]:
    """The minutes of the day without the least-used quarter hours that hold no more
    than ``OUT_OF_HOURS`` of the evidence between them, and the share left out."""
    slots: Counter[int] = Counter()
    for m, n in minutes.items():
        slots[m // GRID_MINUTES] += n
    total, dropped, out = sum(slots.values()), 0, set()
    for slot, n in sorted(slots.items(), key=lambda x: (x[1], x[0])):
        if dropped + n > OUT_OF_HOURS * total:
            break
        dropped += n
        out.add(slot)
    kept = Counter({m: n for m, n in minutes.items() if m // GRID_MINUTES not in out})
    return kept, dropped / total if total else 0.0


def _periods(minutes: Counter[int]) -> list[tuple[str, str]]:
    seen = sorted(minutes)
    periods: list[list[int]] = []
    for m in seen:
        if periods and m - periods[-1][1] < GAP_MINUTES:
            periods[-1][1] = m
        else:
            periods.append([m, m])
    out = []
    for a, b in periods:
        start = a // GRID_MINUTES * GRID_MINUTES
        end = min(DAY, -(-(b + 1) // GRID_MINUTES) * GRID_MINUTES)
        out.append((clock_time(start), clock_time(end)))
    return out


def _open_minutes(periods: list[tuple[str, str]]) -> set[int]:
    return {m for a, b in periods for m in range(minutes_of_day(a), minutes_of_day(b))}


def _weekday_hours(
    ev: CalendarEvidence, days: list[str], usual: list[tuple[str, str]]
) -> dict[str, list[tuple[str, str]]]:
    """Worked weekdays whose own evidence (``MIN_EVIDENCE`` or more) opens an hour or more
    apart from the ``usual`` periods (a Saturday that closes at five)."""
    usual_open, own = _open_minutes(usual), {}
    for day in days:
        minutes = ev.weekday_minutes[WEEKDAYS.index(day)]
        if sum(minutes.values()) < MIN_EVIDENCE:
            continue
        periods = _periods(_trimmed(minutes)[0])
        if len(_open_minutes(periods) ^ usual_open) >= 60:
            own[day] = periods
    return own


def _weekdays(
    dates: set[dt.date], first: dt.date, last: dt.date, active: Counter[dt.date] | None = None
) -> list[str]:
    """Weekdays worked on at least half of their dates from ``first`` to ``last``
    (counted, not walked: the span may be long), and those whose events are common
    (``COMMON_WORK`` of a worked weekday's on average)."""
    span = (last - first).days + 1
    offered = [span // 7 + ((d - first.weekday()) % 7 < span % 7) for d in range(7)]
    worked = Counter(day.weekday() for day in dates)
    days = {d for d in range(7) if offered[d] and worked[d] * 2 >= offered[d]}
    if active and days:
        volume = _by_weekday(active)
        usual = sum(volume[d] for d in days) / len(days)
        days |= {d for d in range(7) if offered[d] and volume[d] >= COMMON_WORK * usual}
    return [WEEKDAYS[d] for d in sorted(days)]


def _by_weekday(dates: Counter[dt.date]) -> Counter[int]:
    """Events per weekday (0 Monday) from events per date."""
    volume: Counter[int] = Counter()
    for day, n in dates.items():
        volume[day.weekday()] += n
    return volume


def _not_rare(days: list[str], dates: Counter[dt.date]) -> list[str]:
    """``days`` without those whose events are ``RARE_WORK`` of the usual or fewer."""
    volume = _by_weekday(dates)
    usual = sum(volume[WEEKDAYS.index(d)] for d in days) / len(days)
    return [d for d in days if volume[WEEKDAYS.index(d)] > RARE_WORK * usual]


def _hour_rates(minutes: Counter[int], periods: list[tuple[str, str]]) -> dict[int, float]:
    """The pace of each hour open at least half of it: its evidence per open minute
    against the busiest hour's (a lunch hour when half the staff is away)."""
    opened = _open_minutes(periods)
    per_hour: dict[int, float] = {}
    for hour in range(24):
        open_minutes = [m for m in range(hour * 60, hour * 60 + 60) if m in opened]
        if len(open_minutes) >= 30:
            per_hour[hour] = sum(minutes[m] for m in open_minutes) / len(open_minutes)
    top = max(per_hour.values(), default=0.0)
    if top <= 0:
        return {}
    return {
        hour: max(0.05, round(n / top, 2)) for hour, n in per_hour.items() if n < FULL_PACE * top
    }


def _busy_days(days: list[dt.date], weekdays: list[str], dates: Counter[dt.date]) -> list[dt.date]:
    """``days`` (make-up days) that saw more than ``RARE_WORK`` of the events of a usual
    worked date: a few events on a Sunday are someone's overtime, not a day the pool opens
    with every window."""
    working = {WEEKDAYS.index(d) for d in weekdays}
    usual = [n for day, n in dates.items() if day.weekday() in working]
    if not usual:
        return days
    enough = RARE_WORK * sum(usual) / len(usual)
    return [day for day in days if dates[day] > enough]


def _exceptions(
    weekdays: list[str], active: Counter[dt.date]
) -> tuple[list[dt.date], list[dt.date]]:
    """Holidays and make-up working days (调休: a day off by weekday with events) between
    the log's first and last date.  A holiday is a working weekday with no event where
    events were expected: the ``NEIGHBOURS`` active working days on each side saw
    ``HOLIDAY_EVIDENCE`` events a day or more on average (a Poisson day that busy is empty
    by chance less than once in a hundred).  At the log's end, where the last cases drain,
    or in a quiet office, an empty day is no sign of a holiday; nor is a stretch of more
    than ``HOLE_DAYS`` without events, a hole in the log.  Every empty day between two
    neighbouring active working days has the same neighbours, so the work grows with
    the dates that saw events, never with the span."""
    working = {WEEKDAYS.index(d) for d in weekdays}
    busy = sorted(day for day in active if day.weekday() in working)
    workdays = sorted(day for day in active if day.weekday() not in working)
    counts = [active[day] for day in busy]
    holidays = []
    for k in range(1, len(busy)):
        gap = (busy[k] - busy[k - 1]).days
        if gap < 2 or gap > HOLE_DAYS:
            continue
        before, after = counts[max(0, k - NEIGHBOURS) : k], counts[k : k + NEIGHBOURS]
        if min(sum(before) / len(before), sum(after) / len(after)) < HOLIDAY_EVIDENCE:
            continue
        for n in range(1, gap):
            day = busy[k - 1] + dt.timedelta(days=n)
            if day.weekday() in working and day not in active:
                holidays.append(day)
    return holidays, workdays


def fit_calendars(
    evidence: dict[str, CalendarEvidence], activity: Activity, pools: bool = False
) -> Calendars:
    """The calendars of the log; a log of dates only (``DAY_RESOLUTION``) works the whole
    day, its times of day being unknown.  The bundle's hours, when its applicants
    arrive, also hold the hours in which a workflow log's cases arrive, trimmed on their
    own: BPIC 2012's loan applications come day and night (3.5 % between midnight and
    six), a share of every event too small to open the night on its own.  A department
    keeps a calendar of its own where it works on days the bundle rests (a funeral home),
    and for ``pools`` (departments that are resource pools) wherever its days or hours
    differ."""
    active = activity.dates
    everything = evidence.get("")
    if activity.day_resolution:
        everything = CalendarEvidence(Counter({0: 1, DAY - 1: 1}), Counter(active))
    if everything is None or not everything.minutes:
        raise ValueError("no event shows when work happens")
    first, last = min(everything.dates), max(everything.dates)
    weekdays = _weekdays(everything.dates, first, last, active) or list(WEEKDAYS[:5])
    minutes, trimmed = (
        (everything.minutes, 0.0) if activity.day_resolution else _trimmed(everything.minutes)
    )
    if not activity.day_resolution:  # cases arrive when they arrive, staff or not
        minutes = minutes + _trimmed(activity.arrivals.minutes)[0]
    # exceptions over every date with an event (the evidence's dates are among them): a
    # result mailed on a make-up Saturday after the last decision shows it was worked
    holidays, workdays = _exceptions(weekdays, active)
    bundle = CalendarSpec(
        hours=_periods(minutes) if not activity.day_resolution else [("00:00", "24:00")],
        weekdays=weekdays,
        holidays="none",  # what the log shows, not a calendar it may not follow
        extra_holidays=holidays,
        extra_workdays=workdays,
    )
    departments = {}
    for name, ev in evidence.items():
        if not name or ev.observations < MIN_EVIDENCE or activity.day_resolution:
            continue
        own_days = _weekdays(ev.dates, first, last) or weekdays
        if pools:  # a pool's days are its own: the system's events fall on every Sunday
            own_days = _not_rare(own_days, ev.dates) or own_days
            own_off, own_on = _exceptions(own_days, ev.dates)
            own_on = _busy_days(own_on, own_days, ev.dates)
        else:
            own_off, own_on = _exceptions(own_days, active)
        kept = _trimmed(ev.minutes)[0]
        hours = _periods(kept)
        own = CalendarSpec(
            hours=hours,
            weekdays=own_days,
            weekday_hours=_weekday_hours(ev, own_days, hours),
            hour_rates=_hour_rates(kept, hours) if pools else {},
            holidays="none",
            extra_holidays=own_off,
            extra_workdays=own_on,
        )
        rests_less = bool(set(own_days) - set(weekdays))  # a funeral home
        differs = (own.weekdays, own.hours, own.weekday_hours, own.hour_rates) != (
            bundle.weekdays,
            bundle.hours,
            bundle.weekday_hours,
            bundle.hour_rates,
        )
        if rests_less or (pools and differs):
            departments[name] = own
    observations = {name: ev.observations for name, ev in evidence.items()}
    return Calendars(
        bundle, departments, observations, first, last, activity.day_resolution, trimmed
    )
