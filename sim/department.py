"""A place where applicants queue: a department's windows, or the single window."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.calendar import WorkingCalendar
from sim.statistics import StreamingStat


class Desk:
    """Parallel windows serving one queue in opening hours.

    A service begun before closing is finished (overtime); applicants still queueing at
    closing are served when the office opens again.
    """

    def __init__(
        self,
        env: simpy.Environment,
        place: str,
        windows: int,
        calendar: WorkingCalendar,
        measured_from: float,
    ):
        self.env = env
        self.place = place
        self.windows = windows
        self.calendar = calendar
        self.measured_from = measured_from
        self.measured_until = float("inf")
        self.resource = simpy.Resource(env, capacity=windows)
        self.busy_minutes = 0.0
        self.wait = StreamingStat()

    def serve(self, minutes: float) -> Generator[Any, Any, float]:
        """Queue, then be served for ``minutes``; returns the minutes spent queueing."""
        env = self.env
        opens = self.calendar.next_open(env.now)
        if opens > env.now:
            yield env.timeout(opens - env.now)
        arrived = env.now
        with self.resource.request() as request:
            yield request
            waited = env.now - arrived
            opens = self.calendar.next_open(env.now)
            if opens > env.now:  # the office closed while this applicant queued
                yield env.timeout(opens - env.now)
                waited = self.calendar.working_between(arrived, env.now)
            if self.measured_from <= arrived < self.measured_until:
                self.busy_minutes += minutes
                self.wait.add(waited)
            yield env.timeout(minutes)
        return waited
