"""When applicants arrive: a rate per working day shaped by seasonal, weekday and hourly
profiles (a Poisson process, piecewise constant over each opening hour), or a replayed trace."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from onething.scenarios.calendar import DAY, WorkingCalendar
from onething.scenarios.loader import read_trace
from onething.scenarios.model import Arrivals

Name = tuple[int, int]
"""An applicant's name: (the clock minute their opening hour starts, their place in it)."""
TRACE = -1
"""The hour in the name of an applicant of a replayed trace (no opening hour starts there)."""


def arrival_stream(seed: int, piece_start: float) -> random.Random:
    """Arrivals draw from streams of their own, derived from the run's seed: every
    process of a scenario (before, after, any levers, a model discovered from its log)
    then sees the same applicants at the same times, so a comparison is between
    processes, not between crowds (common random numbers), and a walk's before and after
    follow one applicant.  One stream per opening hour: a rate a little higher puts one
    more arrival into an hour without shifting every later hour's draws."""
    return random.Random(f"arrivals-{seed}-{piece_start:.0f}")


def arrival_times(
    arrivals: Arrivals, calendar: WorkingCalendar, seed: int, horizon_days: int
) -> Iterator[float]:
    """Arrival instants in clock minutes, ascending."""
    return (t for t, _ in applicants(arrivals, calendar, seed, horizon_days))


def applicants(
    arrivals: Arrivals, calendar: WorkingCalendar, seed: int, horizon_days: int
) -> Iterator[tuple[float, Name]]:
    """Each arrival instant with the applicant's name for their random numbers: the
    opening hour they arrive in (its first clock minute) and their place in it, so that
    two processes on one seed give the k-th applicant of an hour the same draws even
    where one rate put an extra applicant into an earlier hour.  The k-th applicant of a
    replayed trace is ``(TRACE, k)``."""
    if arrivals.trace is not None:
        for k, t in enumerate(read_trace(Path(arrivals.trace), calendar.start_date)):
            yield t, (TRACE, k)
        return
    assert arrivals.per_working_day is not None
    weekday_weight = _weekday_weights(arrivals, calendar)
    for day in range(horizon_days):
        pieces = _pieces(arrivals, calendar, day)
        if not pieces:
            continue
        # a make-up working day (调休, a Saturday or Sunday) gets an average day's arrivals
        day_weight = weekday_weight.get(calendar.weekday(day), 1.0)
        day_weight *= arrivals.date_weight(calendar.start_date + dt.timedelta(days=day))
        day_total = arrivals.per_working_day * day_weight
        if day_total <= 0:
            continue
        mass = sum(w * (b - a) for a, b, w in pieces)
        for start, end, weight in pieces:
            if weight <= 0:
                continue
            rate = day_total * weight / mass  # arrivals per minute in this piece
            rng = arrival_stream(seed, start)
            hour = round(start)
            t, k = start + rng.expovariate(rate), 0
            while t < end:
                yield t, (hour, k)
                t, k = t + rng.expovariate(rate), k + 1


def _weekday_weights(arrivals: Arrivals, calendar: WorkingCalendar) -> dict[str, float]:
    """Weights scaled so the working weekdays average 1: per_working_day stays the mean."""
    profile = arrivals.weekday_profile or {}
    raw = {d: profile.get(d, 1.0) for d in calendar.weekdays}
    mean = sum(raw.values()) / len(raw)
    return {d: raw[d] / mean for d in calendar.weekdays}


def _pieces(
    arrivals: Arrivals, calendar: WorkingCalendar, day: int
) -> list[tuple[float, float, float]]:
    """The day's open time cut at hour boundaries, each piece with its hourly weight."""
    hourly = arrivals.hourly_profile
    pieces = []
    for a, b in calendar.open_periods(day):
        t = a
        while t < b:
            end = min(b, (t // 60 + 1) * 60)
            hour = int((t - day * DAY) // 60) % 24
            pieces.append((t, end, 1.0 if hourly is None else hourly.get(hour, 0.0)))
            t = end
    return pieces
