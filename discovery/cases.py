"""What the cases of a log show, gathered in one streaming pass.

Each open case keeps a few numbers (its arrival, when each item was filed and decided);
a case is closed once the log's clock (the latest start read, set back when the log
starts over, as at a new replication) has passed its last known time by
``CLOSE_AFTER_DAYS``, or once the clock has gone back and the case was not touched
since (the next replication of a log without a replication column), and its story is
then folded into counters and samples.  Memory grows with the cases open at once, never
with the length of the log.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from onething.discovery.calendar import DAY, Calendars, date_of
from onething.discovery.fit import Reservoir, Sample
from onething.discovery.logs import EPOCH, Event, Skipped
from onething.discovery.runs import before, in_run
from onething.discovery.vocabulary import (
    DECIDE,
    MAIL,
    ON_THE_SPOT,
    ONLINE,
    PAPER,
    REWORK,
    SINGLE_WINDOW,
    TRAVEL,
    WINDOW_SERVICES,
    files,
    is_onething,
    results,
    steps,
)
from onething.discovery.waiting import WaitingPeriod, waiting_period
from onething.scenarios.calendar import WorkingCalendar

CLOSE_AFTER_DAYS = 30
FOLD_AFTER_DAYS = 2
_SWEEP_EVERY = 20_000
PICKUP = "(pickup)"
"""The feature of a window service that hands results over (``applicants.pickup_handling``)."""
SNAP_MINUTES = 1.0
"""A complete-only event logged this close before the end of a task's round under way is
that round's outcome (BPIC 2012 logs a loan's approval seconds before the validation
round closes, an offer sent back as the call-back round closes): it is read as just
after the round, so the round is its dependency and not work done in parallel."""
JUST_AFTER = 1e-3
"""Minutes after its round that a snapped event ends: later, so the round comes first."""

MAX_SPANS_BY_SET = 20_000
"""(task, set of items) pairs whose spans are kept (``Observations.spans_by_set``): a log
of ever new sets keeps the first ones, the frequent sets being seen early."""

RETURN_SHARE = 0.5
RETURN_CASES = 30
RETURN_MINUTES = 1.0
"""A task is returned to when, in at least ``RETURN_SHARE`` of the cases doing it more
than once (``RETURN_CASES`` or more), another task lies between two of its rounds, a
minute or more after the first ended and before the last began: BPIC 2012's offer sent
again during the calls about the first, the helpdesk's ticket taken in charge again
after a wait.  Its later rounds are then an item of their own (``AGAIN``), whose
dependencies are found like any item's; rounds one after another (a validation in
several sittings) stay one repeated item."""
AGAIN = " (again)"
"""Appended to a returned task's name for the item of its later rounds; the scenario
names that item as the task."""
BY_JOB = " (by its job)"
"""Appended to a task's name for its rounds a job decided (``Item.runs``): a job's
decision (a timeout's cancellation) ends a case otherwise than a person's, and the
cases it ends have their own story before it (``_by_job``)."""

Task = tuple[float, float, str, str, str, bool]
"""A workflow task's start, end, activity, department, resource, and whether its start
was logged."""


@dataclass(slots=True)
class Spans:
    """Cases, their rounds and their spans (working minutes from first filing to last
    decision) of one task in one set of items."""

    cases: int = 0
    minutes: float = 0.0
    rounds: Counter[int] = field(default_factory=Counter)

    def add(self, rounds: int, minutes: float) -> None:
        self.cases += 1
        self.minutes += minutes
        self.rounds[rounds] += 1

    def merge(self, other: Spans) -> None:
        self.cases += other.cases
        self.minutes += other.minutes
        self.rounds.update(other.rounds)


@dataclass(slots=True)
class _Case:
    arrival: float
    last: float
    first: tuple[str, str] = ("", "")
    """(activity, department) of the earliest event."""
    filed: dict[str, float] = field(default_factory=dict)
    decided: dict[str, float] = field(default_factory=dict)
    mailed: set[str] = field(default_factory=set)
    collected: set[str] = field(default_factory=set)
    spot: list[tuple[float, float]] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    """(start, end, activity, department, resource, start logged)."""
    seen: set[int] = field(default_factory=set)
    stretch: int = 0
    """The stretch of the log (see ``Reader.stretch``) that last touched it."""


@dataclass
class Observations:
    """Everything fitted later, as counters and bounded samples."""

    calendars: Calendars
    cases: int = 0
    onething: int = 0
    """Events in onething's own vocabulary (the rest are workflow tasks)."""
    arrivals_by_date: Counter[dt.date] = field(default_factory=Counter)
    arrivals_by_hour: Counter[int] = field(default_factory=Counter)
    first_arrival: float = float("inf")
    last_arrival: float = float("-inf")
    start_places: Counter[str] = field(default_factory=Counter)
    departments: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    first_seen: dict[str, int] = field(default_factory=dict)
    offset: dict[str, Sample] = field(default_factory=dict)
    processing: dict[str, Sample] = field(default_factory=dict)
    by_filing: dict[tuple[str, bool], Sample] = field(default_factory=dict)
    """Per item and whether it was filed while its department was closed, its processing
    (as ``processing``): a night's backlog taken in turn after the opening."""
    work: dict[str, Sample] = field(default_factory=dict)
    """Per task, its working time from its start (logged, or for a complete-only task
    estimated: when its resource finished its previous task or the case its previous
    event, whichever is later) to its end."""
    estimated: Counter[str] = field(default_factory=Counter)
    """Per task, the starts estimated (complete-only events)."""
    returned: Counter[str] = field(default_factory=Counter)
    """Per task, the cases doing it more than once in which another task lies between
    two of its rounds (``RETURN_SHARE``)."""
    again_of: dict[str, str] = field(default_factory=dict)
    """The item of a returned task's later rounds -> the task (``AGAIN``)."""
    job_of: dict[str, str] = field(default_factory=dict)
    """The item of a task's rounds its job decided -> the task (``BY_JOB``)."""
    cut: dict[str, Sample] = field(default_factory=dict)
    """Per repeated task, the minutes around the clock from its filing to a job's
    decision that ended its last round (``Reader._cut``): a deadline on its rounds."""
    cut_gap: dict[str, float] = field(default_factory=dict)
    """Per task in ``cut``, the longest time between two runs of those jobs."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Per task, its complete-only events read as another task's round's outcome
    (``SNAP_MINUTES``)."""
    travel: Sample = field(default_factory=lambda: Sample(1))
    mail: Sample = field(default_factory=lambda: Sample(2))
    rework_delay: Sample = field(default_factory=lambda: Sample(3))
    paper: Sample = field(default_factory=lambda: Sample(4))
    services: dict[tuple[tuple[str, ...], bool], Sample] = field(default_factory=dict)
    gram: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Sums of products of the features of window services (least squares, streamed)."""
    moment: Counter[str] = field(default_factory=Counter)
    filings: Counter[str] = field(default_factory=Counter)
    sent_back: Counter[str] = field(default_factory=Counter)
    concurrency: dict[tuple[str, str], Counter[int]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    """(run, place) -> +1/-1 at the minutes window services start and end, for the
    minutes not yet folded into ``busy``."""
    busy: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(run, place) -> [services at the folded minute, most at once so far]."""
    runs: set[str] = field(default_factory=set)
    delivery: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    together: Counter[tuple[str, str]] = field(default_factory=Counter)
    precedes: Counter[tuple[str, str]] = field(default_factory=Counter)
    overlaps: Counter[tuple[str, str]] = field(default_factory=Counter)
    presence: Counter[str] = field(default_factory=Counter)
    item_sets: Counter[frozenset[str]] = field(default_factory=Counter)
    """The cases holding each set of items."""
    paper_items: set[str] = field(default_factory=set)
    online: bool = False
    places: set[str] = field(default_factory=set)
    repeats: Counter[str] = field(default_factory=Counter)
    """Per task, the rounds beyond the first (all cases)."""
    repeat_cases: Counter[str] = field(default_factory=Counter)
    """Per task, the cases that did it more than once."""
    rounds: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    """Per task, the cases that did it 1, 2, 3 ... times."""
    spans_by_set: dict[tuple[str, frozenset[str]], Spans] = field(default_factory=dict)
    """Per task and set of items of the cases holding it, the cases' rounds and time from
    first filing to last decision: a variant's own time (at most ``MAX_SPANS_BY_SET``)."""
    since_opening: dict[str, Reservoir] = field(default_factory=dict)
    """Per task, (opened, filed, decided) on its department's calendar's clock, in the
    cases that did it once."""
    job_runs: dict[str, list[int]] = field(default_factory=dict)
    """Per task, the minutes of the day a job decides it at (``runs.job_runs``)."""
    job_cases: Counter[str] = field(default_factory=Counter)
    """Per task, the cases its job decided (their decision in a run's minutes)."""
    waiting: dict[str, WaitingPeriod] = field(default_factory=dict)
    """Per task, the waiting period those cases show (``waiting.waiting_period``)."""
    steps: dict[str, Counter[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(Counter))
    """Per item, the steps its decisions list (onething's own logs name them)."""

    def sample(self, table: dict, key: object, seed: int = 0) -> Sample:
        if key not in table:
            table[key] = Sample(seed + len(table))
        return table[key]

    @property
    def integrated(self) -> bool:
        return SINGLE_WINDOW in self.places

    def items(self) -> list[str]:
        """Items in the order they are filed (mean time after arrival, then first seen)."""
        return sorted(
            self.processing,
            key=lambda k: (round(self.offset[k].mean, 3), self.first_seen.get(k, 0)),
        )

    def department(self, item: str) -> str:
        return self.departments[item].most_common(1)[0][0]


class Reader:
    """Folds a stream of events into ``Observations``."""

    def __init__(
        self,
        calendars: Calendars,
        skipped: Skipped,
        completions: dict[str, array] | None = None,
        runs: dict[str, list[int]] | None = None,
        returns: frozenset[str] = frozenset(),
    ):
        self.obs = Observations(calendars)
        self.obs.job_runs = dict(runs or {})  # its own: the again items join it below
        self.returns = returns
        """Returned tasks (``RETURN_SHARE``) whose later rounds are read as an item of
        their own."""
        for task in returns:
            self.obs.again_of[task + AGAIN] = task
            if task in self.obs.job_runs:
                self.obs.job_runs[task + AGAIN] = self.obs.job_runs[task]
        for task, runs in list(self.obs.job_runs.items()):
            self.obs.job_of[task + BY_JOB] = self.obs.again_of.get(task, task)
            self.obs.job_runs[task + BY_JOB] = runs
        self._due = random.Random(0)
        """Where in the time between a job's runs a case it decided was due."""
        self.completions = completions or {}
        """Resource -> its completion times, sorted: when a complete-only task's
        resource was free to begin it."""
        self.skipped = skipped
        origin = dt.datetime.combine(calendars.first_date, dt.time())
        self.origin = (origin - EPOCH).total_seconds() / 60.0
        days = (calendars.last_date - calendars.first_date).days + 400
        self.bundle = WorkingCalendar(calendars.bundle, calendars.first_date, days)
        self._calendars = {
            d: WorkingCalendar(spec, calendars.first_date, days)
            for d, spec in calendars.departments.items()
        }
        self.open: dict[str, _Case] = {}
        self.now = float("-inf")
        self.run_now: dict[str, float] = {}
        self.stretch = 0
        """Times the clock went back: each starts a stretch (a replication of a log
        without a replication column, a log exported in parts, or sorted by case)."""
        self._count = 0

    def calendar(self, department: str) -> WorkingCalendar:
        return self._calendars.get(department, self.bundle)

    def working(self, department: str, start: float, end: float) -> float:
        return self.calendar(department).working_between(start - self.origin, end - self.origin)

    def read(self, events: Iterable[Event]) -> Observations:
        for e in events:
            self.event(e)
        for key in list(self.open):
            self._close(key)
        obs = self.obs
        for n, (task, cases) in enumerate(obs.since_opening.items()):
            calendar = self.calendar(obs.department(task))
            if (found := waiting_period(cases, n, calendar)) is not None:
                obs.waiting[task] = found
        return obs

    def event(self, e: Event) -> None:
        case = self.open.pop(e.case, None)
        if case is None:
            case = _Case(e.start, e.end, (e.activity, e.department))
        self.open[e.case] = case  # most recently touched last
        signature = hash(e)
        if signature in case.seen:
            self.skipped.add("duplicated event", self._count + 1)
            return
        case.seen.add(signature)
        self._count += 1
        self.obs.runs.add(e.run)
        if e.start < case.arrival:
            case.arrival, case.first = e.start, (e.activity, e.department)
        case.last = max(case.last, e.end)
        if e.run not in self.run_now and self.run_now:
            # a simulated log holds its runs one after another: the last one is done
            for key in list(self.open):
                if key != e.case:
                    self._close(key)
        if e.start > self.run_now.get(e.run, float("-inf")):
            self.run_now[e.run] = e.start
        if e.start < self.now - CLOSE_AFTER_DAYS * DAY:
            self.now = e.start  # the clock went back: the next replication, or an unsorted log
            self.stretch += 1
        else:
            self.now = max(self.now, e.start)
        case.stretch = self.stretch
        if is_onething(e.activity):
            self.obs.onething += 1
            self._onething(case, e)
        else:
            case.tasks.append((e.start, e.end, e.activity, e.department, e.resource, e.timed))
        if self._count % _SWEEP_EVERY == 0:
            self._sweep()

    def _sweep(self) -> None:
        """Close the cases the clock has passed by ``CLOSE_AFTER_DAYS``, and those not
        touched since it last went back: their stretch of the log is over, and their
        times, ahead of the clock, would keep them open to the end."""
        horizon = self.now - CLOSE_AFTER_DAYS * DAY
        for key in [
            k for k, c in self.open.items() if c.last < horizon or c.stretch < self.stretch
        ]:
            self._close(key)
        for key in self.obs.concurrency:
            fold(self.obs, key, self.run_now.get(key[0], self.now) - FOLD_AFTER_DAYS * DAY)

    def free(self, resource: str, end: float) -> float:
        """When ``resource`` finished its previous task before ``end`` (-inf if unknown)."""
        completions = self.completions.get(resource) if resource else None
        at = bisect_left(completions, end) if completions else 0
        return completions[at - 1] if at else float("-inf")

    def _onething(self, case: _Case, e: Event) -> None:
        obs = self.obs
        a = e.activity
        if a.startswith(DECIDE):
            item = a.removeprefix(DECIDE)
            obs.departments[item][e.department] += 1
            obs.first_seen.setdefault(item, len(obs.first_seen))
            case.filed[item], case.decided[item] = e.start, e.end
            self._processing(
                item, e.department, e.start, self.working(e.department, e.start, e.end)
            )
            if listed := steps(e.detail):
                obs.steps[item][listed] += 1
        elif a in WINDOW_SERVICES or a == ONLINE:
            place = e.department
            obs.online |= a == ONLINE
            obs.places.add(place)
            filed, collected = files(e.detail), results(e.detail)
            case.collected.update(collected)
            for item in filed:
                obs.filings[item] += 1
                obs.first_seen.setdefault(item, len(obs.first_seen))
            self._service(tuple(sorted(filed)), bool(collected), e.end - e.start)
            if a != ONLINE:
                start, end = int(e.start), int(e.end)
                obs.concurrency[(e.run, place)][start] += 1
                obs.concurrency[(e.run, place)][end] -= 1
        elif a == TRAVEL:
            obs.travel.add(e.end - e.start)
        elif a == MAIL:
            case.mailed.update(results(e.detail))
            item = next(iter(results(e.detail)), "")
            department = obs.department(item) if item in obs.departments else ""
            obs.mail.add(self.working(department, e.start, e.end))
        elif a == REWORK:
            for item in files(e.detail):
                obs.sent_back[item] += 1
            obs.rework_delay.add(self.working("", e.start, e.end))
        elif a.startswith(PAPER):
            obs.paper_items.add(a.removeprefix(PAPER))
            obs.paper.add(self.working("", e.start, e.end))
        elif a == ON_THE_SPOT:
            case.spot.append((e.start, e.end))

    def _done(self, task: str, filed: float, decided: dict[str, float]) -> float:
        """When the back office was done with ``task``: its decision, or where a job's run
        decided it, a time drawn evenly between the run before and the decision (when it
        fell due is not logged), not before its filing."""
        runs, end = self.obs.job_runs.get(task), decided[task]
        run = None if not runs else in_run(math.floor(end) % DAY, runs)
        if run is None:
            return end
        self.obs.job_cases[task] += 1
        return max(filed, end - self._due.random() * before(run, runs))

    def _processing(
        self, item: str, department: str, filed: float, minutes: float, rounds: int = 1
    ) -> None:
        """A back-office time per round, ``rounds`` times, also by whether it was filed
        while closed."""
        obs = self.obs
        at = filed - self.origin
        closed = self.calendar(department).next_open(at) > at
        every, by_filing = (
            obs.sample(obs.processing, item, 100),
            obs.sample(obs.by_filing, (item, closed), 150),
        )
        for _ in range(rounds):
            every.add(minutes)
            by_filing.add(minutes)

    def _service(self, filed: tuple[str, ...], collect: bool, minutes: float) -> None:
        obs = self.obs
        obs.sample(obs.services, (filed, collect), 1000).add(minutes)
        features = [*filed, *([PICKUP] if collect else [])]
        for f in features:
            obs.moment[f] += minutes
            for g in features:
                obs.gram[(f, g)] += 1

    def _close(self, key: str) -> None:
        case = self.open.pop(key)
        obs = self.obs
        obs.cases += 1
        obs.arrivals_by_date[date_of(case.arrival)] += 1
        obs.arrivals_by_hour[int(case.arrival % DAY) // 60] += 1
        obs.first_arrival = min(obs.first_arrival, case.arrival)
        obs.last_arrival = max(obs.last_arrival, case.arrival)
        activity, department = case.first
        obs.start_places["home" if activity == TRAVEL else department] += 1
        if case.tasks:
            self._tasks(case)
        self._story(case)

    def _story(self, case: _Case) -> None:
        obs = self.obs
        items = list(case.filed)
        obs.item_sets[frozenset(items)] += 1
        for item in items:
            obs.presence[item] += 1
            obs.sample(obs.offset, item, 500).add(case.filed[item] - case.arrival)
            filed, decided = case.filed[item], case.decided[item]
            evidence = (
                "mail"
                if item in case.mailed
                else "pickup"
                if item in case.collected
                else "instant"
                if decided <= filed + 1e-6
                else "on_the_spot"
                if any(s <= filed + 0.05 and t >= decided - 0.05 for s, t in case.spot)
                else "electronic"
            )
            obs.delivery[item][evidence] += 1
        for a in items:
            for b in items:
                if a == b:
                    continue
                obs.together[(a, b)] += 1
                fa, da, fb, db = case.filed[a], case.decided[a], case.filed[b], case.decided[b]
                # b filed once a was decided, and later than a (a workflow task is
                # filed when the one before it ends, so an instant first task and
                # the next are filed at once: then b must end later)
                later = db > da + 1e-6 if case.tasks else fb > fa + 1e-6
                obs.precedes[(a, b)] += fb >= da - 1e-6 and later
                obs.overlaps[(a, b)] += fb < da - 1e-6 and fa < db - 1e-6

    def _tasks(self, case: _Case) -> None:
        """A workflow task is an item decided in the back office: from when it could
        start (the end of the latest task that ended before it began, or the case's
        arrival) to its end.  A task done again in the same case (a loop) is one item
        from its first filing to its last decision, its rounds counted (the scenario's
        repeat) and each given an equal share of that span, not read as sent back (补正),
        which a workflow log does not show; a task returned to after other work
        (``returns``) is two, its first round and its later ones."""
        obs = self.obs
        tasks = _snapped(case.tasks, obs.outcomes)
        for task in _returned(tasks):
            obs.returned[task] += 1
        if self.returns:
            tasks = _again(tasks, self.returns)
        if self.obs.job_runs:
            tasks = _by_job(tasks, self.obs.job_runs)
        ends: list[float] = []
        done: Counter[str] = Counter()
        where: dict[str, str] = {}
        for start, end, activity, department, resource, timed in tasks:
            obs.departments[activity][department] += 1
            obs.first_seen.setdefault(activity, len(obs.first_seen))
            ready = max((t for t in ends if t <= start + 1e-6), default=case.arrival)
            done[activity] += 1
            if activity in case.filed:
                obs.repeats[activity] += 1
            else:
                obs.filings[activity] += 1
                case.filed[activity] = ready
            case.decided[activity] = end
            where[activity] = department
            if not timed:
                start = max(ready, self.free(resource, end))
                obs.estimated[activity] += 1
            obs.sample(obs.work, activity, 200).add(self.working(department, start, end))
            ends.append(end)
        self._cut(tasks, case.filed, done)
        items = frozenset(case.filed)
        for activity, rounds in done.items():
            obs.repeat_cases[activity] += rounds > 1
            obs.rounds[activity][rounds] += 1
            department, filed = where[activity], case.filed[activity]
            span = self.working(department, filed, self._done(activity, filed, case.decided))
            spans = obs.spans_by_set.get((activity, items))
            if spans is None and len(obs.spans_by_set) < MAX_SPANS_BY_SET:
                spans = obs.spans_by_set[(activity, items)] = Spans()
            if spans is not None:
                spans.add(rounds, span)
            # the model's rounds follow one another: each takes its share of the span,
            # one observation per round, so that rounds times the mean is the mean span
            self._processing(activity, department, filed, span / rounds, rounds)
            if rounds == 1:
                since = obs.since_opening.get(activity)
                if since is None:
                    since = obs.since_opening[activity] = Reservoir(700 + len(obs.since_opening))
                since.add(
                    (
                        case.arrival - self.origin,
                        filed - self.origin,
                        case.decided[activity] - self.origin,
                    )
                )

    def _cut(self, tasks: list[Task], filed: dict[str, float], done: Counter[str]) -> None:
        """Each repeated task whose last round ended with a job's decision (a minute or
        less apart), with the time from its filing to that decision."""
        obs = self.obs
        jobs = [(end, activity) for _, end, activity, *_ in tasks if activity in obs.job_of]
        if not jobs:
            return
        last: dict[str, float] = {}
        for _, end, activity, *_ in tasks:
            last[activity] = max(end, last.get(activity, end))
        for activity, end in last.items():
            if done[activity] < 2 or activity in obs.job_of:
                continue
            decided = [(j, job) for j, job in jobs if abs(j - end) <= RETURN_MINUTES]
            if decided:
                at, job = max(decided)
                obs.sample(obs.cut, activity, 800).add(at - filed[activity])
                runs = obs.job_runs[job]
                gap = max(before(run, runs) for run in runs)
                obs.cut_gap[activity] = max(gap, obs.cut_gap.get(activity, 0.0))


def returned_tasks(obs: Observations) -> frozenset[str]:
    """The tasks returned to after other work (``RETURN_SHARE``)."""
    return frozenset(
        task
        for task, cases in obs.returned.items()
        if cases >= max(RETURN_CASES, RETURN_SHARE * obs.repeat_cases[task])
    )


def _returned(tasks: list[Task]) -> list[str]:
    """The tasks of one case with another task between two of their rounds."""
    rounds: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        rounds[task[2]].append(task)
    out = []
    for activity, own in rounds.items():
        if len(own) < 2:
            continue
        after, before = own[0][1] + RETURN_MINUTES, own[-1][0] - RETURN_MINUTES
        if any(t[2] != activity and t[0] >= after and t[1] <= before for t in tasks):
            out.append(activity)
    return out


def _again(tasks: list[Task], returns: frozenset[str]) -> list[Task]:
    """``tasks`` with the later rounds of the returned ones named as their own item."""
    seen: set[str] = set()
    out = []
    for task in tasks:
        activity = task[2]
        if activity in returns and activity in seen:
            task = (task[0], task[1], activity + AGAIN, *task[3:])
        seen.add(activity)
        out.append(task)
    return out


def _by_job(tasks: list[Task], runs: dict[str, list[int]]) -> list[Task]:
    """``tasks`` with the rounds a job decided (their end in one of its runs) named as
    their own item (``BY_JOB``)."""
    out = []
    for task in tasks:
        own = runs.get(task[2])
        if own is not None and in_run(math.floor(task[1]) % DAY, own) is not None:
            task = (task[0], task[1], task[2] + BY_JOB, *task[3:])
        out.append(task)
    return out


def _snapped(tasks: list[Task], outcomes: Counter[str]) -> list[Task]:
    """``tasks`` in order, a complete-only event ending ``SNAP_MINUTES`` or less before
    the end of a timed round under way moved to just after that round (``JUST_AFTER``),
    and counted in ``outcomes``."""
    rounds = [(start, end) for start, end, *_, timed in tasks if timed and end > start]
    out = []
    for task in tasks:
        start, end, *rest, timed = task
        if not timed:
            closes = [e for s, e in rounds if s < end <= e <= end + SNAP_MINUTES]
            if closes:
                start = end = max(closes) + JUST_AFTER
                outcomes[task[2]] += 1
        out.append((start, end, *rest, timed))
    return sorted(out)


def least_squares(obs: Observations) -> dict[str, float]:
    """Mean window minutes per item (and per handing-over of results), non-negative, from
    the streamed normal equations of every window service."""
    from scipy.optimize import nnls

    names = sorted({f for f, _ in obs.gram})
    if not names:
        return {}
    index = {n: i for i, n in enumerate(names)}
    gram = np.zeros((len(names), len(names)))
    for (f, g), v in obs.gram.items():
        gram[index[f], index[g]] = v
    moment = np.array([obs.moment[n] for n in names])
    solution, _ = nnls(gram, moment)
    return dict(zip(names, solution.tolist(), strict=True))


def fold(obs: Observations, key: tuple[str, str], before: float) -> None:
    """Fold the +1/-1 of the minutes before ``before`` into the running count and peak,
    and forget them: window services are logged within hours of happening, so memory
    stays with the last days of the log, not its whole span."""
    deltas = obs.concurrency[key]
    state = obs.busy.setdefault(key, [0, 0])
    for minute in sorted(m for m in deltas if m < before):
        state[0] += deltas.pop(minute)
        state[1] = max(state[1], state[0])


def max_concurrency(obs: Observations, place: str) -> int:
    """Most window services at once at a place, in any one run."""
    peak = 0
    for key in obs.concurrency:
        if key[1] == place:
            fold(obs, key, float("inf"))
            peak = max(peak, obs.busy[key][1])
    return peak
