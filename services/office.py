"""A place in a live run: a department's windows and back office, or the single window,
for one lever set, on the core's mechanics (``scenarios.mechanics``).

Times are simulated minutes; the caller says what time it is.  A service computes when
things happen as soon as it hears of them, and the Faust adapter waits in scaled real
time before it says so, so the same office runs on SimPy's clock with no broker."""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable

from onething.scenarios.levers import Process, parse_levers
from onething.scenarios.mechanics import Calendars, Draws, Mechanics, Service, StreamDraws, Windows
from onething.scenarios.model import Scenario
from onething.topics.schemas import Clock, Served

DrawsFor = Callable[[Process, Calendars], Draws]
"""Where an office's randomness comes from (the drift test replays the DES's)."""


def own_stream(process: Process, calendars: Calendars) -> Draws:
    return StreamDraws(process, random.Random(), calendars)


class Office:
    """Windows and back office of one place under one lever set."""

    def __init__(self, process: Process, place: str, calendars: Calendars, draws: Draws):
        self.process = process
        self.place = place
        self.mechanics = Mechanics(process, calendars, draws)
        self.windows = Windows(process.windows(place), calendars.place(place))

    def window(
        self,
        case: str,
        file: list[str],
        collect: list[str],
        attempt: int,
        now: float,
        clock: Clock,
        hops: list,
        can_be_sent_back: bool = True,
        opens_case: bool = False,
    ) -> Served:
        """An applicant at the window: the ``served`` event (desk minutes, queueing, what
        was sent back).  Infra-only runs take no time and know no opening hours.  With
        ``opens_case`` the event carries the clock (the single window's, which the
        platform reads back to record the case)."""
        mechanics = self.mechanics
        if clock.infra_only:
            minutes, service = 0.0, Service(now, now, now, 0.0)
        else:
            minutes, service = mechanics.intake(self.windows, case, file, collect, now)
        return Served(
            case_id=case,
            place=self.place,
            file=file,
            collect=collect,
            sent_back=mechanics.sent_back(case, file) if can_be_sent_back else [],
            attempt=attempt,
            queue_minutes=service.waited,
            service_minutes=minutes,
            served_at=service.end,
            online=mechanics.files_online(collect),
            clock=clock if opens_case else None,
            hops=hops,
        )

    def decide(self, case: str, item: str, start: float, infra_only: bool) -> tuple[float, ...]:
        """When each round of the item's back office ends (``Mechanics.decide``)."""
        return (start,) if infra_only else self.mechanics.decide(case, item, start)


class Offices:
    """One office per run a service serves: a run's clock (its origin and speed) and
    its levers (which change windows, back-office times and rework).  The window queue
    is kept in the run's simulated minutes, so a later run on the same services starts
    with free windows, not with the last run's queue in its future."""

    KEEP = 16
    """Runs remembered at once (every application from a plain Kafka client is a run of
    its own): the oldest is forgotten first."""

    def __init__(self, scenario: Scenario, place: str, draws_for: DrawsFor = own_stream):
        self.scenario = scenario
        self.place = place
        self.calendars = Calendars(scenario)
        self.draws_for = draws_for
        self._offices: OrderedDict[tuple, Office] = OrderedDict()

    def of(self, clock: Clock) -> Office:
        key = (frozenset(clock.levers), clock.origin, clock.minutes_per_second, clock.infra_only)
        if key in self._offices:
            self._offices.move_to_end(key)
            return self._offices[key]
        process = Process(self.scenario, parse_levers(key[0]))
        draws = self.draws_for(process, self.calendars)
        office = self._offices[key] = Office(process, self.place, self.calendars, draws)
        if len(self._offices) > self.KEEP:
            self._offices.popitem(last=False)
        return office
