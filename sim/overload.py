"""Overload told as overload: a queue that grows without bound books the windows past the
end of the official working calendar, which then stops the run for want of next year's
holidays.  The real cause is the queue, so that is what the error says, with the growth
that shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from onething.scenarios.official_calendar import LAST_DAY


@dataclass(frozen=True)
class QueueAt:
    """One place's queue when the run stopped."""

    place: str
    name: str
    windows: int
    queueing: int
    capacity_per_day: float | None
    """Applicants its windows serve at most in a working day, at the mean desk time seen
    since the warm-up (None when no one was measured there yet)."""

    def __str__(self) -> str:
        windows = f"{self.windows} window{'s' * (self.windows != 1)}"
        serve = (
            f" serving at most {self.capacity_per_day:,.0f} a working day"
            if self.capacity_per_day is not None
            else ""
        )
        return f"{self.name}, {windows}{serve}, has {self.queueing:,} queueing"


class Overloaded(ValueError):
    """More applicants arrive than the windows can serve: the queue grew until the windows
    were booked past the end of the official calendar (``LAST_DAY``)."""

    def __init__(
        self,
        scenario: str,
        process: str,
        day: dt.date,
        elapsed_days: float,
        arrived: int,
        finished: int,
        arrivals_per_day: float,
        queues: tuple[QueueAt, ...],
    ):
        super().__init__(
            scenario, process, day, elapsed_days, arrived, finished, arrivals_per_day, queues
        )  # every field, so the error survives a worker process
        self.scenario, self.process, self.day = scenario, process, day
        self.elapsed_days, self.arrived, self.finished = elapsed_days, arrived, finished
        self.arrivals_per_day, self.queues = arrivals_per_day, queues

    def __str__(self) -> str:
        return (
            f"{self.scenario} ({self.process}) is overloaded: {self.arrivals_per_day:,.0f} "
            f"applicants arrive a working day; by {self.day.isoformat()} (day "
            f"{self.elapsed_days:.0f}) {self.arrived:,} had arrived and {self.finished:,} "
            f"finished, and {'; '.join(map(str, self.queues))}: its windows are booked to "
            f"{LAST_DAY.isoformat()}, the end of the official working calendar. Lower "
            "applicants.arrivals.per_working_day or add windows there"
        )


def overload_at(r: Any, day: dt.date) -> Overloaded | None:
    """Why the replication ``r`` (a ``sim.engine.Replication``, which calls this when it
    reaches ``day`` beyond the official calendar) got there, if a queue booked its windows
    that far; None when something else needs next year's calendar."""
    calendar, now = r.calendar, r.env.now
    last = (day - calendar.start_date).days - 1  # the calendar covers up to this day
    beyond = last * 24 * 60
    per_day = calendar.minutes_per_day
    queues = tuple(
        QueueAt(
            place,
            r.process.place_name(place),
            desk.count,
            desk.queue_length(now),
            desk.count * per_day * desk.served / desk.busy_minutes if desk.busy_minutes else None,
        )
        for place, desk in r.desks.items()
        if desk.booked_until >= beyond
    )
    if not queues:
        return None  # something else needs next year: the calendar's own error stands
    elapsed = calendar.working_between(0, now) / per_day
    return Overloaded(
        r.process.scenario.name,
        r.process.label,
        calendar.timestamp(now).date(),
        now / (24 * 60),
        r.arrived,
        r.finished,
        r.arrived / elapsed if elapsed else float(r.arrived),
        queues,
    )
