"""A place in a live run: a department's windows and back office, or the single window,
for one lever set, on the core's mechanics (``scenarios.mechanics``).

Times are simulated minutes; the caller says what time it is.  A service computes when
things happen as soon as it hears of them, and the Faust adapter waits in scaled real
time before it says so, so the same office runs on SimPy's clock with no broker."""

from __future__ import annotations

import re
import secrets
import zlib
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from onething.scenarios.levers import Process, parse_levers
from onething.scenarios.mechanics import (
    ApplicantDraws,
    Calendars,
    Draws,
    Mechanics,
    Service,
    Windows,
)
from onething.scenarios.model import Scenario
from onething.topics.schemas import Clock, Served

DrawsFor = Callable[[Process, Calendars], Draws]
"""Where an office's randomness comes from, in place of the run's seeded numbers (the
drift test replays the DES's)."""

APPLICANTS = "(the applicants)"
"""The part of a live run that draws the applicants' own times (the harness)."""
LIVE_NAMES = -2
"""The hour slot of a live applicant's name (``ApplicantDraws``): the DES's are opening
hours (>= 0) and a replayed trace's -1."""
_NUMBERED = re.compile(r"-(\d{1,18})$")


def applicant_name(case_id: str) -> tuple[int, int]:
    """A live applicant's name for their numbers: the harness numbers its cases
    ``RUN-0``, ``RUN-1``, ... (the run's id differs each run, the number does not); any
    other case id (a plain Kafka client's) is named by its checksum."""
    numbered = _NUMBERED.search(case_id)
    return LIVE_NAMES, int(numbered[1]) if numbered else zlib.crc32(case_id.encode())


def part_seed(seed: int, part: str) -> int:
    """The seed of one part of a live run (a place, the applicants): each draws its own
    numbers for an applicant, since a story's draws are split between processes."""
    entropy = [seed % 2**64, zlib.crc32(part.encode())]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0])


class CaseDraws(ApplicantDraws):
    """``ApplicantDraws`` for a part of a live run, which hears of applicants instead of
    seeing them arrive: an applicant gets their numbers (by ``applicant_name``) when they
    first draw, and the ``KEEP`` applicants who drew last are remembered.  A run's seed
    then gives every applicant the same draws at each place, whatever order the events
    come in."""

    KEEP = 20_000
    """Applicants whose place in their numbers is kept (about 1 KB each): far more than a
    run has open at once."""

    def __init__(self, process: Process, seed: int, calendars: Calendars):
        super().__init__(process, seed, calendars)
        self._known: OrderedDict[object, None] = OrderedDict()

    def _uniform(self, case: object) -> float:
        case_id = str(getattr(case, "case_id", case))  # the harness's case, a service's id
        known = self._known
        if case_id in known:
            known.move_to_end(case_id)
        else:
            known[case_id] = None
            self.arrive(case_id, applicant_name(case_id))
            if len(known) > self.KEEP:
                self.forget(known.popitem(last=False)[0])
        return super()._uniform(case_id)


def seeded(process: Process, calendars: Calendars, seed: int | None, part: str) -> Draws:
    """A part's draws in a run with ``seed``; a run without one (a plain Kafka client's
    applications) draws from a fresh seed."""
    run_seed = secrets.randbits(63) if seed is None else seed
    return CaseDraws(process, part_seed(run_seed, part), calendars)


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
        opened_at: float | None = None,
    ) -> Served:
        """An applicant at the window: the ``served`` event (desk minutes, queueing, what
        was sent back).  Infra-only runs take no time and know no opening hours.  Given
        ``opened_at`` (when the case opened), the event opens the case: it carries that
        and the clock (the single window's, which the platform reads back to record the
        case)."""
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
            clock=clock if opened_at is not None else None,
            opened_at=opened_at,
            hops=hops,
        )

    def decide(
        self, case: str, item: str, start: float, opened: float, infra_only: bool
    ) -> tuple[float, ...]:
        """When each round of the item's back office ends (``Mechanics.decide``); the
        case opened at ``opened``."""
        return (start,) if infra_only else self.mechanics.decide(case, item, start, opened)


class Offices:
    """One office per run a service serves: a run's clock (its origin and speed) and
    its levers (which change windows, back-office times and rework).  The window queue
    is kept in the run's simulated minutes, so a later run on the same services starts
    with free windows, not with the last run's queue in its future."""

    KEEP = 16
    """Runs remembered at once (every application from a plain Kafka client is a run of
    its own): the oldest is forgotten first."""

    def __init__(self, scenario: Scenario, place: str, draws_for: DrawsFor | None = None):
        self.scenario = scenario
        self.place = place
        self.calendars = Calendars(scenario)
        self.draws_for = draws_for
        self._offices: OrderedDict[tuple, Office] = OrderedDict()

    def of(self, clock: Clock) -> Office:
        key = (
            frozenset(clock.levers),
            clock.origin,
            clock.minutes_per_second,
            clock.infra_only,
            clock.seed,
        )
        if key in self._offices:
            self._offices.move_to_end(key)
            return self._offices[key]
        process = Process(self.scenario, parse_levers(key[0]))
        if self.draws_for is None:
            draws = seeded(process, self.calendars, clock.seed, self.place)
        else:
            draws = self.draws_for(process, self.calendars)
        office = self._offices[key] = Office(process, self.place, self.calendars, draws)
        if len(self._offices) > self.KEEP:
            self._offices.popitem(last=False)
        return office
