"""The one core of mechanics: what a department, the platform and an applicant do.

Both engines call this module and nothing else for these rules: the DES (``sim``) on
SimPy's clock, the live services (``services``) and the load harness on a scaled real
clock.  It imports no SimPy, Faust or Kafka.  What lives here, once:

- the randomness of one story (``Draws``): which draw feeds which mechanic, and in what
  order within a mechanic, so that one seed gives one story;
- the window queue (``Windows``): parallel windows, one FIFO queue, opening hours, a
  service begun before closing is finished, queueing across a closing counts open time;
- desk time (``desk_minutes``: handling x the one-form factor, plus a pickup), the
  rework draw (``sent_back``), the back office on the item's department calendar
  (``decide``: its rounds and their deadline, a filing while closed, a waiting period
  and its cutoff, a job's runs, a deadline on the decision), the delivery of a result
  (``in_hand_at``: on the spot, pickup, mail, electronic), the platform's routing (one
  rule, ``waits_for``, read event by event by ``ready_items`` and in closed form by
  ``route_platform``) and the paper transfer between offices (``paper_travels``,
  ``paper_arrives``); online intake (``intake``); what is handed over or fetched is the
  process's own (``Process.handover``, ``Process.fetched``), since the counts read it
  too;
- the per-case and per-place measures (``CaseTime``, ``utilisation`` with what it
  counts, ``measured``, ``within_promise``).
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from heapq import heapreplace
from itertools import repeat
from typing import NamedTuple, Protocol

import numpy as np

from onething.scenarios.calendar import DAY, WorkingCalendar, working_calendar
from onething.scenarios.counts import form_factor
from onething.scenarios.distributions import quantile
from onething.scenarios.journey import taking
from onething.scenarios.levers import MERGED_FORM, SINGLE_WINDOW, Process
from onething.scenarios.model import (
    AROUND_THE_CLOCK,
    Distribution,
    Fixed,
    Item,
    Scenario,
    minutes_of_day,
    unit_minutes,
)

NOT_YET = math.inf
"""When a paper result is in the applicant's hands before they collect it: not yet."""


# --- calendars -----------------------------------------------------------------------


class Calendars:
    """The scenario's working calendar (the single window, the applicant, the measures)
    and each department's own (a funeral home opens at weekends)."""

    def __init__(self, scenario: Scenario, days: int = 400):
        start = scenario.run.start_date
        self.scenario = working_calendar(scenario.calendar, start, days)
        self.departments = {
            key: working_calendar(d.calendar, start, days) if d.calendar else self.scenario
            for key, d in scenario.departments.items()
        }
        self.items = {k: self.departments[i.department] for k, i in scenario.items.items()}

    def place(self, place: str) -> WorkingCalendar:
        """Opening hours of a place where applicants queue."""
        return self.departments.get(place, self.scenario)


# --- randomness ------------------------------------------------------------------------


class Draws(Protocol):
    """The random quantities of one story, each named by what it feeds.

    ``case`` names the applicant; implementations may ignore it (one stream in event
    order, as the DES draws) or key on it (a replay of another engine's draws)."""

    def handling(self, case: object, item: str) -> float: ...
    def pickup(self, case: object) -> float: ...
    def rework(self, case: object, item: str) -> float: ...
    def processing(self, case: object, item: str) -> float: ...
    def processing_when_closed(self, case: object, item: str) -> float: ...
    def mail(self, case: object, item: str) -> float: ...
    def paper_transfer(self, case: object, item: str) -> float: ...
    def travel(self, case: object) -> float: ...
    def rework_delay(self, case: object) -> float: ...
    def take_up(self, case: object, item: str) -> float: ...
    def alternative(self, case: object, item: str) -> float: ...
    def rounds(self, case: object, item: str) -> float: ...
    def waiting_period(self, case: object, item: str) -> float: ...
    def run(self, case: object, item: str) -> float: ...


def when_closed(process: Process, key: str) -> Distribution | None:
    """The item's time for a filing while its department is closed, where it has one and
    no lever changed its processing (``Item.processing_when_closed``)."""
    item = process.item(key)
    if item.processing_when_closed is None or process.processing(key) is not item.processing:
        return None
    return item.processing_when_closed


class _Quantiles:
    """Each purpose's quantile function, so that a draw is a uniform put through it.

    Times are in minutes: working minutes of the scenario's calendar for the applicant's
    own times, of the department's calendar for its back office.  Every draw takes one
    uniform, a fixed time too, so a lever that makes a time random does not shift the
    applicant's later draws."""

    def __init__(self, process: Process, calendars: Calendars):
        s = process.scenario
        per_day = calendars.scenario.minutes_per_day
        self._handling = {k: quantile(i.handling, per_day) for k, i in s.items.items()}
        self._processing = {
            k: quantile(process.processing(k), calendars.items[k].minutes_per_day) for k in s.items
        }
        self._processing_when_closed = {
            k: quantile(closed, calendars.items[k].minutes_per_day)
            for k in s.items
            if (closed := when_closed(process, k)) is not None
        }
        self._waiting_period = {
            k: quantile(i.waiting_period, calendars.items[k].minutes_per_day)
            for k, i in s.items.items()
            if i.waiting_period is not None
        }
        self._pickup = quantile(s.applicants.pickup_handling, per_day)
        self._mail = quantile(s.applicants.mail, per_day)
        self._paper_transfer = quantile(s.levers.paper_transfer, per_day)
        self._travel = quantile(s.applicants.travel, per_day)
        self._rework_delay = quantile(s.applicants.rework_delay, per_day)

    def _uniform(self, case: object) -> float:
        raise NotImplementedError

    def handling(self, case: object, item: str) -> float:
        return self._handling[item](self._uniform(case))

    def pickup(self, case: object) -> float:
        return self._pickup(self._uniform(case))

    def rework(self, case: object, item: str) -> float:
        return self._uniform(case)

    def processing(self, case: object, item: str) -> float:
        return self._processing[item](self._uniform(case))

    def processing_when_closed(self, case: object, item: str) -> float:
        return self._processing_when_closed[item](self._uniform(case))

    def mail(self, case: object, item: str) -> float:
        return self._mail(self._uniform(case))

    def paper_transfer(self, case: object, item: str) -> float:
        return self._paper_transfer(self._uniform(case))

    def travel(self, case: object) -> float:
        return self._travel(self._uniform(case))

    def rework_delay(self, case: object) -> float:
        return self._rework_delay(self._uniform(case))

    def take_up(self, case: object, item: str) -> float:
        """Whether the applicant takes an optional item: a uniform (``journey.Choices``)."""
        return self._uniform(case)

    def alternative(self, case: object, item: str) -> float:
        """Which option of the alternative ``item`` names: a uniform (``Choices``)."""
        return self._uniform(case)

    def rounds(self, case: object, item: str) -> float:
        """How many rounds an item repeating takes: a uniform (``Repeat.count``)."""
        return self._uniform(case)

    def waiting_period(self, case: object, item: str) -> float:
        return self._waiting_period[item](self._uniform(case))

    def run(self, case: object, item: str) -> float:
        """Whether a job's run decides the case (``Item.runs``): a uniform."""
        return self._uniform(case)


class StreamDraws(_Quantiles):
    """Every draw from one seeded generator, in the order the mechanics ask."""

    def __init__(self, process: Process, rng: random.Random, calendars: Calendars):
        super().__init__(process, calendars)
        self.rng = rng
        self._next = rng.random

    def _uniform(self, case: object) -> float:
        return self._next()


class ApplicantDraws(_Quantiles):
    """Every applicant draws from numbers of their own, keyed by the run's seed and the
    applicant's name (``arrive``), in the order the mechanics ask for them.

    Two processes run on one seed then give an applicant the same random numbers (common
    random numbers for each applicant, not only for the arrivals): what differs between
    them is the process, not the luck of whoever happened to draw next in one shared
    stream, so a comparison of two models needs far fewer replications.

    The numbers are counter-based (Philox keyed by the seed): the k-th applicant of an
    hour reads ``BLOCK`` uniforms from counter ``(k * BLOCK / 4, hour, 0, 0)`` on (Philox
    gives four per step), and past them round ``r`` of ``BLOCK`` more from ``(0, hour,
    k, r)``.  Any number can be computed without the others, so blocks are drawn for the
    next applicants of the hour at once (up to ``AHEAD``): seeding a generator per
    applicant cost more than the rest of their story."""

    BLOCK = 32
    """Uniforms an applicant gets at arrival, a multiple of 4: most stories need fewer."""
    AHEAD = 64
    """At most this many applicants' blocks are drawn in one call."""

    def __init__(self, process: Process, seed: int, calendars: Calendars):
        super().__init__(process, calendars)
        self._key = np.array([seed % 2**64, (seed >> 64) % 2**64], dtype=np.uint64)
        self._philox = np.random.Philox(key=self._key)
        self._generator = np.random.Generator(self._philox)
        self._drawn: tuple[int, int, int] = (0, 0, 0)  # hour, first applicant, how many
        self._drawn_values = np.empty(0)
        self._next: dict[object, Callable[[], float]] = {}
        self._names: dict[object, tuple[int, int]] = {}
        self._rounds: dict[object, int] = {}
        self._state = {  # the generator's state, its counter set in place for each jump
            "bit_generator": "Philox",
            "state": {"counter": np.zeros(4, dtype=np.uint64), "key": self._key},
            "buffer": np.zeros(4, dtype=np.uint64),
            "buffer_pos": 4,
            "has_uint32": 0,
            "uinteger": 0,
        }

    def _numbers(self, counter: tuple[int, int, int, int], count: int) -> np.ndarray:
        """``count`` uniforms from ``counter`` on (the generator jumps there)."""
        self._state["state"]["counter"][:] = [c % 2**64 for c in counter]
        self._philox.state = self._state
        return self._generator.random(count)

    def arrive(self, case: object, name: tuple[int, int]) -> None:
        hour, k = name
        block = self.BLOCK
        drawn_hour, first, count = self._drawn
        if not (drawn_hour == hour and first <= k < first + count):
            # applicants of an hour come in order: draw further ahead the more come
            count = min(2 * count, self.AHEAD) if drawn_hour == hour and count else 4
            self._drawn = (hour, k, count)
            self._drawn_values = self._numbers((k * block // 4, hour, 0, 0), count * block)
            first = k
        at = (k - first) * block
        self._next[case] = iter(_doubles(self._drawn_values[at : at + block])).__next__
        self._names[case] = name

    def forget(self, case: object) -> None:
        """The applicant is done: their numbers are dropped (memory follows the cases open)."""
        self._next.pop(case, None)
        self._names.pop(case, None)
        self._rounds.pop(case, None)

    def _uniform(self, case: object) -> float:
        try:
            return self._next[case]()
        except StopIteration:  # a long story (rework): the applicant's next round
            hour, k = self._names[case]
            self._rounds[case] = rounds = self._rounds.get(case, 0) + 1
            numbers = _doubles(self._numbers((0, hour, k, rounds), self.BLOCK))
            self._next[case] = iter(numbers).__next__
            return self._next[case]()


def _doubles(numbers: np.ndarray) -> array[float]:
    """An applicant's numbers as a plain array of doubles: 300 bytes where a list of
    Python floats took 1,300, and a case holds them as long as it is open (thousands of
    cases at once in a busy bundle, whose memory then cost time); each becomes a float
    when it is drawn."""
    doubles = array("d")
    doubles.frombytes(numbers.tobytes())
    return doubles


class NoTime:
    """Every duration zero, the rework draws of the stream it wraps: an infra-only live
    run measures the pipeline alone, with the same events per case."""

    def __init__(self, draws: Draws):
        self.draws = draws

    def rework(self, case: object, item: str) -> float:
        return self.draws.rework(case, item)

    def take_up(self, case: object, item: str) -> float:
        return self.draws.take_up(case, item)

    def alternative(self, case: object, item: str) -> float:
        return self.draws.alternative(case, item)

    def rounds(self, case: object, item: str) -> float:
        return self.draws.rounds(case, item)

    def run(self, case: object, item: str) -> float:
        return self.draws.run(case, item)

    def handling(self, case: object, item: str) -> float:
        return 0.0

    def processing(self, case: object, item: str) -> float:
        return 0.0

    def processing_when_closed(self, case: object, item: str) -> float:
        return 0.0

    def waiting_period(self, case: object, item: str) -> float:
        return 0.0

    def mail(self, case: object, item: str) -> float:
        return 0.0

    def paper_transfer(self, case: object, item: str) -> float:
        return 0.0

    def pickup(self, case: object) -> float:
        return 0.0

    def travel(self, case: object) -> float:
        return 0.0

    def rework_delay(self, case: object) -> float:
        return 0.0


# --- the window queue ----------------------------------------------------------------


class Service(NamedTuple):
    """One applicant at a window: queued from ``queued``, served from ``start`` to
    ``end``; ``waited`` counts queueing in open time only (a tuple: made once per
    visit, it is cheaper than a frozen dataclass)."""

    queued: float
    start: float
    end: float
    waited: float


class Windows:
    """Parallel windows serving one FIFO queue in opening hours.

    A service time is known when the applicant joins the queue, so the start of service
    follows at once (the earliest free window, Kiefer-Wolfowitz): no process per window,
    and the same answer for a SimPy process and a service on a real clock.  Whoever
    arrives while the office is closed joins the queue at the opening; a service begun
    before closing is finished (overtime); an applicant still queueing at closing is
    served when the office opens again, and only open time counts as waiting.
    """

    def __init__(self, count: int, calendar: WorkingCalendar, measured_from: float = 0.0):
        self.count = count
        self.calendar = calendar
        self.measured_from = measured_from
        self.measured_until = math.inf
        self._free = [0.0] * count  # when each window is next free (a heap)
        self._waiting: deque[tuple[float, float]] = deque()  # (queued, granted), FIFO
        self.busy_minutes = 0.0
        self.served = 0
        self.waited_minutes = 0.0

    def serve(self, now: float, minutes: float) -> Service:
        calendar = self.calendar
        queued = calendar.next_open(now)
        free = self._free
        granted = free[0]
        if granted > queued:
            # only open time counts as waiting, also behind someone who held the window
            # over a closing; given the window while closed, one holds it until it opens
            waited = calendar.working_between(queued, granted)
            start = calendar.next_open(granted)
            self._waiting.append((queued, granted))
        else:
            start, waited = queued, 0.0
        end = start + minutes
        heapreplace(free, end)
        if measured(queued, self.measured_from, self.measured_until):
            self.busy_minutes += minutes
            self.served += 1
            self.waited_minutes += waited
        return Service(queued, start, end, waited)

    @property
    def booked_until(self) -> float:
        """When a window is next free: whoever joins the queue now is served then."""
        return self._free[0]

    def queue_length(self, now: float) -> int:
        """Applicants queueing at ``now`` (joined, not yet given a window)."""
        waiting = self._waiting
        while waiting and waiting[0][1] <= now:
            waiting.popleft()
        if not waiting or waiting[-1][0] <= now:
            return len(waiting)
        return bisect_right([q for q, _ in waiting], now)

    def queue_lengths(self, start: float, step: float, until: float) -> list[int]:
        """``queue_length`` at ``start``, ``start + step``, ... up to ``until``, the clock
        at ``until``: a join is recorded when it happens, so once every recorded one has
        its window, nobody queues until ``until`` (most hours of a quiet bundle)."""
        lengths = []
        t = start
        while t <= until:
            lengths.append(self.queue_length(t))
            t += step
            if not self._waiting:
                lengths.extend(repeat(0, int((until - t) // step) + 1 if t <= until else 0))
                break
        return lengths

    @property
    def mean_wait(self) -> float:
        return self.waited_minutes / self.served if self.served else math.nan


# --- the office and the applicant --------------------------------------------------


def _later(calendar: WorkingCalendar, time: Distribution) -> Callable[[float, float], float]:
    """How a time drawn from ``time`` is added to an instant: in the calendar's working
    time, or around the clock when it is in calendar days (``AROUND_THE_CLOCK``)."""
    return _around_the_clock if time.unit == AROUND_THE_CLOCK else calendar.add_working


def _around_the_clock(t: float, minutes: float) -> float:
    return t + minutes


def _deadline(calendar: WorkingCalendar, within: Fixed) -> Callable[[float], float]:
    """A deadline that long after a time: an item's rounds' after its filing
    (``Repeat.within``), its decision's after the opening (``Item.decided_within``)."""
    after, minutes = _later(calendar, within), _fixed_minutes(calendar, within)
    return lambda filed: after(filed, minutes)


def _fixed_minutes(calendar: WorkingCalendar, time: Fixed) -> float:
    """A fixed time in minutes: of ``calendar``'s working days, or of the clock."""
    return time.value * unit_minutes(time.unit, calendar.minutes_per_day)


class _Runs(NamedTuple):
    """An item's job (``Item.runs``): its times of day in minutes, and its share."""

    minutes: tuple[int, ...]
    share: float

    def next_run(self, t: float) -> float:
        """The first run at or after ``t``."""
        day, minute = divmod(t, DAY)
        for at in self.minutes:
            if at >= minute:
                return day * DAY + at
        return (day + 1) * DAY + self.minutes[0]


class _Period(NamedTuple):
    """An item's waiting period (``Item.waiting_period``): how it is added to the
    opening, and for which filings it holds (``Item.waiting_filed_within``)."""

    after: Callable[[float, float], float]
    within: float | None
    """Minutes on the period's clock after the opening within which a filing waits for
    it; None: every filing does."""
    calendar: WorkingCalendar | None
    """The period's working time; None around the clock."""

    def holds(self, opened: float, filed: float) -> bool:
        if self.within is None:
            return True
        if self.calendar is None:
            return filed - opened < self.within
        return self.calendar.working_between(opened, filed) < self.within


def _period(calendar: WorkingCalendar, item: Item) -> _Period | None:
    period = item.waiting_period
    if period is None:
        return None
    within = item.waiting_filed_within
    minutes = None if within is None else _fixed_minutes(calendar, within)
    around = period.unit == AROUND_THE_CLOCK
    return _Period(_later(calendar, period), minutes, None if around else calendar)


class Mechanics:
    """The rules of one process (a scenario with its levers), on its calendars, drawing
    from one source of randomness."""

    def __init__(self, process: Process, calendars: Calendars, draws: Draws):
        self.process = process
        self.calendars = calendars
        self.draws = draws
        order = process.order
        self.delivery = {k: process.delivery(k) for k in order}
        self.rework = {k: process.rework(k) for k in order}
        self._reworkable = frozenset(k for k, p in self.rework.items() if p)
        self.form_factor = form_factor(process)
        self.online = process.online
        self.waits_for = _waits_for(process)
        self._waits_among: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
            process.order: self.waits_for
        }
        self._taking: dict[tuple[str, ...], Process] = {process.order: process}
        self.repeat = {k: process.item(k).repeat for k in order}
        items = calendars.items
        self._deadlines = {
            k: _deadline(items[k], repeat.within)
            for k, repeat in self.repeat.items()
            if repeat is not None and repeat.within is not None
        }
        """Repeated items whose rounds have a deadline (``Repeat.within``): how it is
        added to the filing."""
        self._after_processing = {k: _later(items[k], process.processing(k)) for k in order}
        self._periods = {
            k: period for k in order if (period := _period(items[k], process.item(k))) is not None
        }
        """Items with a waiting period, each with how its period is added."""
        self._decided_within = {
            k: _deadline(items[k], within)
            for k in order
            if (within := process.item(k).decided_within) is not None
        }
        """Items decided no later than a time after the opening (``Item.decided_within``)."""
        self._closed_on = {k: items[k] for k in order if when_closed(process, k) is not None}
        """Items with their own time for a filing while closed, each with its calendar."""
        self._runs = {
            k: _Runs(tuple(minutes_of_day(t) for t in runs.at), runs.share)
            for k in order
            if (runs := process.item(k).runs) is not None
        }
        self._plain = frozenset(
            k
            for k in order
            if self.repeat[k] is None
            and k not in self._periods
            and k not in self._closed_on
            and k not in self._runs
            and k not in self._decided_within
        )
        """Items decided by one draw of their processing: the common case."""

    def desk_minutes(self, case: object, files: Sequence[str], collect: bool) -> float:
        """Window time: each filed item's handling, shortened by one form, then a pickup."""
        total = 0.0
        for key in files:
            total += self.draws.handling(case, key)
        minutes = total * self.form_factor
        return minutes + self.draws.pickup(case) if collect else minutes

    def sent_back(self, case: object, files: Iterable[str]) -> list[str]:
        """Items sent back for missing materials (补正), one draw per item that can be."""
        if self._reworkable.isdisjoint(files):
            return []
        rework = self.rework
        return [k for k in files if rework[k] and self.draws.rework(case, k) < rework[k]]

    def decide(self, case: object, item: str, start: float, opened: float) -> tuple[float, ...]:
        """The back office decides in its department's working time from ``start`` (or
        around the clock, ``AROUND_THE_CLOCK``): when each round ends, the last being the
        decision.  An item that repeats (``Item.repeat``) draws its rounds first, then one
        processing time per round, each round starting when the one before ends, a round
        reaching the rounds' deadline (``Repeat.within``) ending there, the last.  An item
        with a waiting period is decided no earlier than that long after ``opened``, when
        the case opened (drawn last, also where it was filed too late for it to hold).  A
        filing while the department is closed takes its first round from
        ``Item.processing_when_closed`` where the item has one.  A case a job decides
        (``Item.runs``, drawn last) is decided at its next run.  An item decided no later
        than a time after the opening (``Item.decided_within``) is decided then if it is
        still under way, its rounds after it left out."""
        draws, processed = self.draws, self._after_processing[item]
        if item in self._plain:
            return (processed(start, draws.processing(case, item)),)
        repeat = self.repeat[item]
        first = draws.processing_when_closed if self._closed(item, start) else draws.processing
        filed, ends = start, []
        deadline = self._deadlines.get(item)
        limit = deadline(filed) if deadline is not None else math.inf
        for _ in range(1 if repeat is None else repeat.count(draws.rounds(case, item))):
            start = processed(start, (draws.processing if ends else first)(case, item))
            if start >= limit:
                ends.append(limit)
                break
            ends.append(start)
        if (period := self._periods.get(item)) is not None:
            period_over = period.after(opened, draws.waiting_period(case, item))
            if period.holds(opened, filed):
                ends[-1] = max(ends[-1], period_over)
        if (runs := self._runs.get(item)) is not None and draws.run(case, item) < runs.share:
            ends[-1] = runs.next_run(ends[-1])
        if (latest := self._decided_within.get(item)) is not None:
            latest_at = max(filed, latest(opened))
            if ends[-1] > latest_at:
                ends = [*(end for end in ends if end < latest_at), latest_at]
        return tuple(ends)

    def _closed(self, item: str, t: float) -> bool:
        """Whether ``item``, with a time of its own for a filing while closed, is filed
        while its department is closed."""
        calendar = self._closed_on.get(item)
        return calendar is not None and calendar.next_open(t) > t

    def in_hand_at(self, case: object, item: str, decided: float) -> float:
        """When the result reaches the applicant without a visit: electronic and on the
        spot at the decision, mail after the post (department's calendar), paper never
        (``NOT_YET``: it is collected)."""
        mode = self.delivery[item]
        if mode == "mail":
            return self.calendars.items[item].add_working(decided, self.draws.mail(case, item))
        return NOT_YET if mode == "pickup" else decided

    def files_online(self, collect: Sequence[str]) -> bool:
        """Online intake: a filing is uploaded (no queue, no window busy); results to
        collect are still fetched at the window."""
        return self.online and not collect

    def intake(
        self,
        windows: Windows,
        case: object,
        files: Sequence[str],
        collect: Sequence[str],
        now: float,
    ) -> tuple[float, Service]:
        """An applicant files (and collects) at a place from ``now``: the desk minutes and
        the service, at the window's queue or online."""
        if self.files_online(collect):
            minutes = self.desk_minutes(case, files, False)
            return minutes, Service(now, now, now + minutes, 0.0)
        minutes = self.desk_minutes(case, files, bool(collect))
        return minutes, windows.serve(now, minutes)

    def waits_among(self, taken: Sequence[str]) -> Mapping[str, tuple[str, ...]]:
        """``waits_for`` among the items an applicant takes (``journey.taking``: an item
        never waits for one the applicant does not take)."""
        key = tuple(taken)
        waits = self._waits_among.get(key)
        if waits is None:
            waits = self._waits_among[key] = _waits_for(self.taking(key))
        return waits

    def taking(self, taken: Sequence[str]) -> Process:
        """The process of an applicant who takes ``taken`` (``journey.taking``), made once:
        what they hand over and what is fetched for them follow from it."""
        key = tuple(taken)
        process = self._taking.get(key)
        if process is None:
            process = self._taking[key] = taking(self.process, key)
        return process

    def ready_items(
        self,
        decided: Mapping[str, float],
        dispatched: Sequence[str],
        taken: Sequence[str] | None = None,
    ) -> list[str]:
        """What the platform routes now, event by event: every item taken (default: all)
        not yet routed whose predecessors (``waits_for``) are decided."""
        taken = self.process.order if taken is None else taken
        waits_for = self.waits_among(taken)
        return [k for k in taken if k not in dispatched and all(d in decided for d in waits_for[k])]

    def paper_arrives(self, case: object, item: str, now: float) -> float | None:
        """Without data sharing, an item that needs another's result waits for the paper
        to travel between offices (scenario's calendar); None when nothing travels."""
        if not paper_travels(self.process, item):
            return None
        return self.calendars.scenario.add_working(now, self.draws.paper_transfer(case, item))

    def route_platform(
        self,
        case: object,
        filed: float,
        back_office: Callable[[str, float], float],
        transferred: Callable[[str, float, float], None] | None = None,
        taken: Sequence[str] | None = None,
    ) -> None:
        """The platform's routing with no transport delay, from the filing at ``filed``:
        ``back_office(item, start)`` decides each item and returns when;
        ``transferred(item, start, arrives)`` hears of each paper transfer.

        The closed form of ``ready_items`` on the same rule (``waits_for``): an item
        starts once its predecessors are decided, after the paper transfer where offices
        do not share data.  The items taken (default: all) go in dependency order, which
        fixes the order of the draws."""
        taken = self.process.order if taken is None else taken
        waits_for = self.waits_among(taken)
        decided: dict[str, float] = {}
        for key in taken:
            start = max((decided[d] for d in waits_for[key]), default=filed)
            moved = self.paper_arrives(case, key, start)
            if moved is not None:
                if transferred is not None:
                    transferred(key, start, moved)
                start = moved
            decided[key] = back_office(key, start)

    def material_name(self, material: str) -> str:
        if material == MERGED_FORM:
            return MERGED_FORM
        return self.process.scenario.materials[material].name


# --- measures --------------------------------------------------------------------------


class CaseTime(NamedTuple):
    """A finished case's end-to-end time, as every report counts it (a tuple: made once
    per case, it is cheaper than a frozen dataclass)."""

    working_days: float
    calendar_hours: float
    working_minutes: float

    @classmethod
    def of(cls, calendar: WorkingCalendar, arrival: float, done: float) -> CaseTime:
        working = calendar.working_between(arrival, done)
        return cls(working / calendar.minutes_per_day, (done - arrival) / 60, working)


def within_promise(time: CaseTime, promise_working_days: float, minutes_per_day: float) -> bool:
    """Finished within the bundle's promised time (承诺时限), in working time."""
    return time.working_minutes <= promise_working_days * minutes_per_day + 1e-9


def utilisation(busy_minutes: float, windows: int, open_minutes: float) -> float:
    """Offered window work over window capacity: above 1 the windows are saturated."""
    return busy_minutes / (windows * open_minutes) if open_minutes else 0.0


def measured(queued: float, measured_from: float, measured_until: float) -> bool:
    """Window work counts towards a place's utilisation and waits when its applicant
    joined the queue within the measured period (from the warm-up to the last arrival)."""
    return measured_from <= queued < measured_until


def paper_travels(process: Process, item: str) -> bool:
    """The paper-transfer rule: without data sharing, an item that needs another's
    result waits for the paper to travel between offices."""
    return bool(process.item(item).requires) and not process.shares_data


def _waits_for(process: Process) -> dict[str, tuple[str, ...]]:
    """The platform's one ordering rule: with parallel approval an item waits for the
    items it requires; otherwise for every item before it (one at a time, in order)."""
    order = process.order
    if process.parallel:
        return {k: tuple(process.item(k).requires) for k in order}
    return {k: order[:i] for i, k in enumerate(order)}


def place_of(process: Process, item: str) -> str:
    """Where an item is filed: the single window, or its department."""
    return SINGLE_WINDOW if process.integrated else process.item(item).department
