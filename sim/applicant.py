"""The DES's port for the applicant's story (``scenarios.story``), on SimPy's clock.

Windows are the core's queue (``Windows``): the start of service is known when the
applicant joins the queue, so a window visit is one timeout.  Back offices are delays in
working time with no queue of their own (as many clerks as files), so when an item is
filed its decision time is known at once: it is computed, not simulated, which keeps a
case to a few dozen events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import simpy

from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.mechanics import Mechanics, Windows
from onething.scenarios.story import PAPER_TRANSFER, Story, log_decision


class Case:
    """One applicant: when each item is decided and when its result is in their hands."""

    __slots__ = (
        "id",
        "arrival",
        "trips",
        "wait",
        "decided",
        "in_hand",
        "rework_rounds",
        "handed",
        "taken",
    )

    def __init__(self, case_id: int, arrival: float):
        self.id = case_id
        self.arrival = arrival
        self.trips = 0
        self.wait = 0.0
        self.decided: dict[str, float] = {}
        self.in_hand: dict[str, float] = {}
        self.rework_rounds = 0
        self.handed: list[str] = []
        """Materials handed over so far (kept when the case is traced)."""
        self.taken: tuple[str, ...] = ()
        """The items the applicant takes (the story draws them at arrival)."""


class StoryRun:
    """Runs a story on SimPy's calendar as a ``simpy.Process`` would, resuming it when
    what it yields is processed, but without the process's own events to start and to
    end it: a case then costs one event per wait and nothing more.  (A class, not a
    closure: a closure that schedules itself is a reference cycle, which only the
    cyclic garbage collector frees, at a cost that grows with the cases in flight.)"""

    __slots__ = ("_send",)

    def __init__(self, story: Story):
        self._send = story.send
        try:
            story.send(None).callbacks.append(self._resume)
        except StopIteration:
            return

    def _resume(self, event: simpy.Event) -> None:
        try:
            self._send(event._value).callbacks.append(self._resume)
        except StopIteration:
            return


class Run(Protocol):
    """What the port reads of its replication (``sim.engine.Replication``)."""

    env: simpy.Environment
    process: Process
    mechanics: Mechanics
    desks: dict[str, Windows]
    tracing: bool

    log: Callable[..., None]
    """Writes an event row (``scenarios.story.Port.log``)."""

    def finish(self, case: Case) -> None: ...


class SimPyPort:
    """Windows served and back offices decided at once by the core; time on SimPy."""

    def __init__(self, run: Run):
        self.env = run.env
        self.mechanics = run.mechanics
        self.tracing = run.tracing
        self.integrated = run.process.integrated
        self.desks = run.desks
        self.log = run.log
        self.finish = run.finish

    def file(
        self,
        case: Case,
        place: str,
        files: Sequence[str],
        collect: Sequence[str],
        attempt: int,
        held: Sequence[str],
    ) -> simpy.Timeout:
        now = self.env.now
        mechanics = self.mechanics
        minutes, service = mechanics.intake(self.desks[place], case, files, collect, now)
        outcome = (service, minutes, mechanics.sent_back(case, files))
        return self.env.timeout(service.end - now, outcome)

    def filed(self, case: Case, files: Sequence[str], now: float) -> None:
        if self.integrated:
            self.mechanics.route_platform(
                case, now, self._back_office_of(case), self._transferred_of(case), files
            )
            return
        for key in files:
            self._back_office(case, key, now)

    def results(self, case: Case, items: Sequence[str]) -> None:
        """Decided at filing: nothing to wait for."""
        return None

    def completion(self, case: Case) -> None:
        return None

    def _back_office(self, case: Case, key: str, start: float) -> float:
        """Decide one item from ``start``; the result reaches the applicant as the levers
        say (the core's ``decide`` and ``in_hand_at``)."""
        mechanics = self.mechanics
        rounds = mechanics.decide(case, key, start, case.arrival)
        decided = case.decided[key] = rounds[-1]
        arrives = case.in_hand[key] = mechanics.in_hand_at(case, key, decided)
        if self.tracing:
            log_decision(self, case, key, start, decided, arrives, rounds[:-1])
        return decided

    def _back_office_of(self, case: Case) -> Any:
        def back_office(key: str, start: float) -> float:
            return self._back_office(case, key, start)

        return back_office

    def _transferred_of(self, case: Case) -> Any:
        if not self.tracing:
            return None

        def transferred(key: str, start: float, moved: float) -> None:
            self.log(case, f"{PAPER_TRANSFER}{key}", SINGLE_WINDOW, start, moved)

        return transferred
