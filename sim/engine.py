"""The discrete-event engine: one replication of a process, and many over the cores.

Deterministic for a seed: replication k draws from its own generator, spawned from the
run's seed, so results do not depend on how many processes share the work.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from typing import Protocol

import numpy as np
import simpy
from simpy.core import BoundClass, EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT

from onething.scenarios.calendar import DAY
from onething.scenarios.counts import promise_working_days
from onething.scenarios.journey import Journeys
from onething.scenarios.levers import Process
from onething.scenarios.mechanics import (
    ApplicantDraws,
    Calendars,
    CaseTime,
    Mechanics,
    Windows,
    utilisation,
    within_promise,
)
from onething.scenarios.model import MAX_HORIZON_DAYS
from onething.scenarios.official_calendar import BeyondOfficialCalendar
from onething.scenarios.story import applicant, event_detail
from onething.sim.applicant import Case, SimPyPort, StoryRun
from onething.sim.arrivals import Name, applicants
from onething.sim.eventlog import Export, FileRecorder, merge_parts
from onething.sim.overload import overload_at
from onething.sim.statistics import StreamingStat

QUEUE_SAMPLE_MINUTES = 60.0
MAX_CASES = 100_000_000
"""Cases a replication may be asked to run (``count``): more would take days."""
CASE_MEASURES = ("time_working_days", "time_calendar_hours", "wait_minutes", "trips")
MEASURES_BATCH = 4096
"""Finished cases whose measures wait in a list to be added to the statistics at once
(numpy): one append per case, and memory stays flat."""

YOUNG_COLLECTION_THRESHOLD = 20_000
"""Container allocations between two of the garbage collector's youngest collections
while a replication runs (Python's default: 700).

A case's objects (its story, what it holds, its SimPy events) outlive 700 allocations,
so at the default each is scanned in young collections, promoted and scanned again in
full ones: 200,000 heavy-newborn cases spent 8.7 of 49 CPU seconds collecting, and found
68 objects of cyclic garbage in all.  At 20,000 (and at 50,000) collecting took 0.3 s;
at 5,000, 2.9 s.  Garbage without cycles is freed by reference counting as before."""

_collections_lock = threading.Lock()
_rarer_depth = 0
_default_thresholds: tuple[int, ...] = ()


@contextlib.contextmanager
def rarer_young_collections() -> Iterator[None]:
    """Collect garbage less often while a replication runs (``YOUNG_COLLECTION_THRESHOLD``);
    the process's thresholds come back when the last replication running in it ends."""
    global _rarer_depth, _default_thresholds
    with _collections_lock:
        if _rarer_depth == 0:
            _default_thresholds = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *_default_thresholds[1:])
        _rarer_depth += 1
    try:
        yield
    finally:
        with _collections_lock:
            _rarer_depth -= 1
            if _rarer_depth == 0:
                gc.set_threshold(*_default_thresholds)


class DayQueue(simpy.Environment):
    """SimPy's environment with events of a later day set aside in a list per day, moved
    onto the heap when their day begins.

    A case is open for days (back offices, the post) and always has one event waiting,
    so one heap would hold every open case and each step would sift through it; here the
    heap holds today's events.  Events keep their (time, priority, id) key, so they are
    processed in exactly the order of one heap."""

    def __init__(self) -> None:
        super().__init__()
        # SimPy binds ``timeout`` and the like to an environment of its own class only
        # (``BoundClass.bind_early``): bound here, not made again at every call
        for name, attribute in vars(simpy.Environment).items():
            if type(attribute) is BoundClass:
                setattr(self, name, getattr(self, name))
        self._tomorrow = DAY
        """Events at this time or later wait in ``_later`` (the start of a day after now)."""
        self._later: dict[float, list[tuple]] = {}
        self.now = self._now

    now: float = 0.0  # type: ignore[assignment]
    """The clock, a plain attribute where SimPy's is a property: a case reads it a dozen
    times and the property's call was a few per cent of the run.  ``step`` sets it."""

    def step(self) -> None:
        """SimPy's step, setting ``now`` too."""
        try:
            self._now, _, _, event = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        self.now = self._now
        callbacks, event.callbacks = event.callbacks, None
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:  # ``run``'s end: the callbacks after it wait for the next run
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, URGENT - 1)  # first of all at this time, as in SimPy
            raise
        if not event._ok and not hasattr(event, "_defused"):
            raise event._value

    def schedule(self, event: simpy.Event, priority: int = NORMAL, delay: float = 0) -> None:
        at = self._now + delay
        if at >= self._tomorrow and self._now >= self._tomorrow:
            self._tomorrow = (self._now // DAY + 1) * DAY  # days passed with nothing set aside
        if at < self._tomorrow:
            heappush(self._queue, (at, priority, next(self._eid), event))
            return
        day = at // DAY * DAY
        later = self._later.get(day)
        if later is None:
            later = self._later[day] = []
            mover = simpy.Event(self)
            mover._ok, mover._value = True, day
            mover.callbacks.append(self._move)
            heappush(self._queue, (day, URGENT, next(self._eid), mover))
        later.append((at, priority, next(self._eid), event))

    def _move(self, mover: simpy.Event) -> None:
        """A day begins: its events join the heap."""
        day = mover._value
        self._tomorrow = day + DAY
        queue, later = self._queue, self._later.pop(day)
        if len(later) > len(queue):
            queue += later
            heapify(queue)
        else:
            for entry in later:
                heappush(queue, entry)


class Recorder(Protocol):
    """Receives event rows (replication, case, activity, place, start, end, resource,
    detail) and per-case rows; ``sim.eventlog`` has the writers."""

    def wants(self, case_id: int) -> bool: ...

    def event(self, row: tuple) -> None: ...

    def case(self, row: tuple) -> None: ...


@dataclass
class ReplicationResult:
    seed_index: int
    stats: dict[str, StreamingStat]
    within_promise: int
    arrived: int
    unfinished: int
    utilisation: dict[str, float]
    place_wait: dict[str, float]
    queue_length: dict[str, list[int]]
    """Applicants waiting at each place, sampled every ``QUEUE_SAMPLE_MINUTES`` while
    applicants arrive."""

    @property
    def cases(self) -> int:
        return self.stats["trips"].count


@dataclass
class Replication:
    process: Process
    seed: int
    index: int = 0
    horizon_days: int | None = None
    warmup_days: int | None = None
    recorder: Recorder | None = None
    count: int | None = None
    """Cases to measure instead of a horizon: arrivals stop once this many have come
    after the warm-up (those of the warm-up come on top)."""
    drain_days: int = 730
    """After the last arrival, how long cases may take to finish before they count as
    unfinished (an overloaded system never drains)."""
    env: simpy.Environment = field(init=False)

    def __post_init__(self) -> None:
        s = self.process.scenario
        self.horizon_days = self.horizon_days or s.run.horizon_days
        self.warmup_days = s.run.warmup_days if self.warmup_days is None else self.warmup_days
        self.env = DayQueue()
        self.tracing = self.recorder is not None
        calendars = Calendars(s, self.horizon_days + 60)
        self.calendar = calendars.scenario
        self.measured_from = self.warmup_days * DAY
        self.journeys = Journeys(self.process)
        self.draws = ApplicantDraws(self.process, self.seed, calendars)
        self.mechanics = Mechanics(self.process, calendars, self.draws)
        self.promise = promise_working_days(self.process)
        self.desks = {
            place: Windows(self.process.windows(place), calendars.place(place), self.measured_from)
            for place in self.process.places
        }
        self.port = SimPyPort(self)
        self.stats = {name: StreamingStat(integer=name == "trips") for name in CASE_MEASURES}
        self._case_stats = tuple(self.stats.values())  # in CASE_MEASURES order
        self._measures: list[tuple[float, float, float, int]] = []
        self.queue_samples: dict[str, list[int]] = {place: [] for place in self.desks}
        self._next_sample = 0.0
        self._samplers = [
            (self.queue_samples[place].extend, desk.queue_lengths)
            for place, desk in self.desks.items()
        ]
        self.within_promise = 0
        self.arrived = 0
        self.finished = 0
        self._drained: simpy.Event | None = None
        """Triggered once the arrivals are over and the cases finished (or the time to
        drain ran out): the run stops there."""

    def log(
        self,
        case: Case,
        activity: str,
        place: str,
        start: float,
        end: float,
        resource: str = "",
        files: Sequence[str] = (),
        collects: Sequence[str] = (),
        steps: Sequence[str] = (),
    ) -> None:
        if self.recorder is None or not self.recorder.wants(case.id):
            return
        detail = event_detail(self.mechanics, activity, case.handed, files, collects, steps)
        self.recorder.event((self.index, case.id, activity, place, start, end, resource, detail))

    def _arrivals(self) -> simpy.Event:
        """Schedule the applicants one after another: each arrival is one event that starts
        the applicant's story and schedules the next; the event returned is triggered by
        the last arrival."""
        s = self.process.scenario
        env, arrive = self.env, self.draws.arrive
        horizon = self.horizon_days if self.count is None else MAX_HORIZON_DAYS
        crowd = applicants(s.applicants.arrivals, self.calendar, self.seed, horizon)
        if self.count is not None:
            crowd = _until_measured(crowd, self.measured_from, self.count)
        port, journeys, integrated = self.port, self.journeys, self.process.integrated
        over = env.event()
        coming = next(crowd, None)

        def arrivals(_event: simpy.Event | None = None) -> None:
            nonlocal coming
            while coming is not None and coming[0] <= env.now:
                t, name = coming
                self._sample_queues(t)
                self.arrived += 1
                case = Case(self.arrived, t)
                arrive(case, name)
                StoryRun(applicant(port, case, journeys, integrated))
                coming = next(crowd, None)
            if coming is None:
                self._sample_queues(env.now)
                over.succeed()
            else:
                env.timeout(coming[0] - env.now).callbacks.append(arrivals)

        arrivals()
        return over

    def _sample_queues(self, until: float) -> None:
        """Queue lengths every ``QUEUE_SAMPLE_MINUTES`` up to ``until``, read after the
        fact (a queue knows who joined when and when they got a window): no process
        wakes every hour, which in a bundle of few applicants would be most events."""
        t = self._next_sample
        if t > until:
            return
        taken = 0
        for keep, lengths in self._samplers:
            sampled = lengths(t, QUEUE_SAMPLE_MINUTES, until)
            keep(sampled)
            taken = len(sampled)
        self._next_sample = t + taken * QUEUE_SAMPLE_MINUTES

    def _drain_over(self, _event: simpy.Event | None = None) -> None:
        """The arrivals are over and every case finished, or the time to drain ran out."""
        if not self._drained.triggered:
            self._drained.succeed()

    def finish(self, case: Case) -> None:
        self.finished += 1
        if self.finished == self.arrived and self._drained is not None:
            self._drain_over()
        self.draws.forget(case)
        if case.arrival < self.measured_from:
            return
        now = self.env.now
        time = CaseTime.of(self.calendar, case.arrival, now)
        within = within_promise(time, self.promise, self.calendar.minutes_per_day)
        self.within_promise += within
        measures = self._measures
        measures.append((time.working_days, time.calendar_hours, case.wait, case.trips))
        if len(measures) == MEASURES_BATCH:
            self._add_measures()
        if self.recorder is not None:
            days, hours = time.working_days, time.calendar_hours
            self.recorder.case(
                (self.index, case.id, case.arrival, now, days, hours, case.wait, case.trips, within)
            )

    def _add_measures(self) -> None:
        """The finished cases' measures waiting in the batch, into the statistics."""
        if self._measures:
            columns = np.array(self._measures, dtype=float).T  # in CASE_MEASURES order
            for stat, values in zip(self._case_stats, columns, strict=True):
                stat.add_many(values)
            self._measures.clear()

    def run(self) -> ReplicationResult:
        """The replication's result; ``Overloaded`` where the calendar's end was reached
        because a queue booked its windows that far (in a worker too: it pickles)."""
        try:
            with rarer_young_collections():
                return self._run()
        except BeyondOfficialCalendar as exc:
            overloaded = overload_at(self, exc.day)
            if overloaded is None:
                raise
            raise overloaded from None

    def _run(self) -> ReplicationResult:
        env, s = self.env, self.process.scenario
        env.run(until=self._arrivals())
        by_arrivals = self.count is not None or s.applicants.arrivals.trace is not None
        measured_until = env.now if by_arrivals else max(env.now, self.horizon_days * DAY)
        for desk in self.desks.values():
            desk.measured_until = measured_until
        if self.finished < self.arrived:
            self._drained = env.event()
            env.timeout(self.drain_days * DAY).callbacks.append(self._drain_over)
            env.run(until=self._drained)
        self._add_measures()
        open_minutes = self.calendar.working_between(self.measured_from, measured_until)
        return ReplicationResult(
            seed_index=self.index,
            stats=self.stats,
            within_promise=self.within_promise,
            arrived=self.arrived,
            unfinished=self.arrived - self.finished,
            utilisation={
                place: utilisation(desk.busy_minutes, desk.count, open_minutes)
                for place, desk in self.desks.items()
            },
            place_wait={place: desk.mean_wait for place, desk in self.desks.items()},
            queue_length=self.queue_samples,
        )


def _until_measured(
    crowd: Iterator[tuple[float, Name]], measured_from: float, count: int
) -> Iterator[tuple[float, Name]]:
    """The arrivals up to the ``count``-th one at or after ``measured_from``."""
    for arrival in crowd:
        yield arrival
        if arrival[0] >= measured_from:
            count -= 1
            if not count:
                return


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent per-replication seeds from one run seed (numpy's SeedSequence)."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(2, dtype=np.uint64)[0]) for c in children]


def _run_one(
    process: Process,
    seed: int,
    index: int,
    horizon: int | None,
    warmup: int | None,
    export: Export | None,
    count: int | None,
) -> ReplicationResult:
    if export is None:
        return Replication(process, seed, index, horizon, warmup, count=count).run()
    recorder = FileRecorder(export.part(index), process.scenario.run.start_date)
    try:
        return Replication(process, seed, index, horizon, warmup, recorder, count).run()
    finally:
        recorder.close()


def run_replications(
    process: Process,
    replications: int | None = None,
    seed: int | None = None,
    horizon_days: int | None = None,
    warmup_days: int | None = None,
    jobs: int | None = None,
    export: Export | None = None,
    progress: Callable[[int], None] | None = None,
    count: int | None = None,
) -> list[ReplicationResult]:
    """Run replications over ``jobs`` processes (default: every core); results in order.
    With ``count``, each replication measures that many cases instead of a horizon.

    With ``export``, every replication streams its event log and case rows to a part
    file; the parts are joined in replication order at the end.
    """
    s = process.scenario
    n = replications or s.run.replications
    seeds = replication_seeds(s.run.seed if seed is None else seed, n)
    jobs = min(jobs or os.cpu_count() or 1, n)
    args = [(process, seeds[i], i, horizon_days, warmup_days, export, count) for i in range(n)]
    results: list[ReplicationResult | None] = [None] * n
    if jobs == 1:
        for a in args:
            results[a[2]] = _run_one(*a)
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_one, *a): a[2] for a in args}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if progress:
                    progress(1)
    if export is not None:
        parts = [export.part(i) for i in range(n)]
        if export.events is not None:
            merge_parts(export.events, [p.events for p in parts if p.events])
        if export.cases is not None:
            merge_parts(export.cases, [p.cases for p in parts if p.cases])
    return [r for r in results if r is not None]
