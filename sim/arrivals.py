"""When applicants arrive: a rate per working day shaped by seasonal, weekday and hourly
profiles (a Poisson process, piecewise constant over each opening hour), or a replayed trace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from math import log
from pathlib import Path

import numpy as np

from onething.scenarios.calendar import DAY, WorkingCalendar
from onething.scenarios.loader import read_trace
from onething.scenarios.model import Arrivals

Name = tuple[int, int]
"""An applicant's name: (the clock minute their opening hour starts, their place in it)."""
TRACE = -1
"""The hour in the name of an applicant of a replayed trace (no opening hour starts there)."""


class ArrivalNumbers:
    """The gaps between arrivals, from numbers of their own keyed by the run's seed, so
    every process of a scenario (before, after, any levers, a model discovered from its
    log) sees the same applicants at the same times: a comparison is between processes,
    not between crowds (common random numbers), and a walk's before and after follow one
    applicant.  Each clock hour has numbers of its own: a rate a little higher puts one
    more arrival into an hour without shifting every later hour's draws.

    Counter-based (Philox, under a key word the applicants' numbers, ``ApplicantDraws``,
    never use): clock hour ``h`` reads ``PER_HOUR`` uniforms from counter ``(h * PER_HOUR
    / 4, 0, 0, 0)`` and past them round ``r`` of ``PER_HOUR`` more from ``(0, h, r, 0)``.
    A day's hours lie side by side, so one call draws them all: seeding a generator for
    every opening hour cost more than a sparse bundle's applicants did."""

    PER_HOUR = 32
    """Uniforms an hour gets in the day's one call, a multiple of 4: a busier hour draws
    more in rounds."""
    KEY = 0x_A5_5A_A5_5A
    """The second key word (the applicants' is the seed's high word: 0 for every seed
    the scenario files and the replications allow)."""

    def __init__(self, seed: int):
        key = np.array([seed % 2**64, self.KEY], dtype=np.uint64)
        self._philox = np.random.Philox(key=key)
        self._generator = np.random.Generator(self._philox)
        self._state = {  # the generator's state, its counter set in place for each jump
            "bit_generator": "Philox",
            "state": {"counter": np.zeros(4, dtype=np.uint64), "key": key},
            "buffer": np.zeros(4, dtype=np.uint64),
            "buffer_pos": 4,
            "has_uint32": 0,
            "uinteger": 0,
        }

    def _uniforms(self, counter: tuple[int, int, int], count: int) -> np.ndarray:
        self._state["state"]["counter"][:3] = counter
        self._philox.state = self._state
        return self._generator.random(count)

    def hours(self, first: int, last: int) -> np.ndarray:
        """The uniforms of the clock hours ``first`` to ``last``, ``PER_HOUR`` each."""
        return self._uniforms(
            (first * self.PER_HOUR // 4, 0, 0), (last - first + 1) * self.PER_HOUR
        )

    def gaps(self, hour: int, uniforms: np.ndarray) -> Iterator[float]:
        """Exponential gaps (mean 1) in clock hour ``hour`` (minute // 60), from its
        ``uniforms`` on."""
        rounds = 0
        while True:
            for u in uniforms.tolist():
                yield -log(1.0 - u)
            rounds += 1
            uniforms = self._uniforms((0, hour, rounds), self.PER_HOUR)


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
    numbers, per_hour = ArrivalNumbers(seed), ArrivalNumbers.PER_HOUR
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
        first = int(pieces[0][0] // 60)
        uniforms = numbers.hours(first, int(pieces[-1][0] // 60))
        for start, end, weight in pieces:
            if weight <= 0:
                continue
            mean_gap = mass / (day_total * weight)  # minutes between arrivals in this piece
            at = (int(start // 60) - first) * per_hour
            gaps = numbers.gaps(int(start // 60), uniforms[at : at + per_hour])
            hour = round(start)
            t, k = start + next(gaps) * mean_gap, 0
            while t < end:
                yield t, (hour, k)
                t, k = t + next(gaps) * mean_gap, k + 1


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
