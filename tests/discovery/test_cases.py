"""Cases are folded as the log streams: memory follows the cases open at once, even when
the clock goes back (replications of a generic CSV one after another)."""

from __future__ import annotations

import datetime as dt

from onething.discovery.calendar import fit_calendars, observe
from onething.discovery.cases import _SWEEP_EVERY, Reader
from onething.discovery.logs import EPOCH, Event, Skipped

START = (dt.datetime(2026, 3, 2, 9) - EPOCH).total_seconds() / 60


def _stretch(label: str, cases: int) -> list[Event]:
    """Cases of three tasks, one case arriving every 10 minutes of the working day."""
    events = []
    for n in range(cases):
        day, slot = divmod(n, 48)
        t = START + (day // 5 * 7 + day % 5) * 1440 + slot * 10
        for k, task in enumerate(("intake", "review", "approve")):
            events.append(
                Event(f"{label}-{n}", task, "office", t + k * 30, t + k * 30 + 20, "", "")
            )
    return events


def test_the_cases_of_a_stretch_are_closed_once_the_clock_goes_back():
    first, second = _stretch("a", _SWEEP_EVERY // 3), _stretch("b", 400)
    calendars = fit_calendars(*observe(first + second))
    reader = Reader(calendars, Skipped())
    for e in first + second[:-300]:  # past the sweep, which runs in the second stretch
        reader.event(e)
    assert all(key.startswith("b-") for key in reader.open)
    obs = reader.read(second[-300:])
    assert obs.cases == len(first + second) // 3
