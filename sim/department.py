"""A place where applicants queue: a department's windows, or the single window."""

from __future__ import annotations

import simpy

from onething.sim.calendar import WorkingCalendar


class Desk:
    """Parallel windows serving one queue in opening hours.

    The applicant process does the queueing (``sim.applicant``): a service begun before
    closing is finished (overtime); applicants still queueing at closing are served when
    the office opens again.
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
        self.served = 0
        self.waited_minutes = 0.0

    def record(self, arrived: float, waited: float, minutes: float) -> None:
        """Count one service for utilisation and waiting, inside the measured window."""
        if self.measured_from <= arrived < self.measured_until:
            self.busy_minutes += minutes
            self.served += 1
            self.waited_minutes += waited

    @property
    def mean_wait(self) -> float:
        return self.waited_minutes / self.served if self.served else float("nan")
