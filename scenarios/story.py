"""One applicant's story, told once for both engines.

At arrival the applicant decides which items they take (选办 items and alternatives,
``journey.Choices``, from their own draws; a bundle without choices draws nothing), and
the journey of those items (``scenarios.journey``) says where they go; this module says
what they do there, in order: wait until the results a visit needs are in hand, travel, file
(or collect) at the window or online, re-file what is sent back (补正) after gathering
the missing materials on the calendar, wait for a result handed over on the spot, and
finish when the last result is in hand.  It imports no SimPy or Kafka: an engine drives
it through a ``Port``.  The DES (``sim.applicant``) serves windows and back offices at
once from the core; the live applicant (``sim.harness``) sends events to the services
and waits for their answers.  Either way the story is a generator an engine runs as a
process: what it yields is whatever the port's clock and port hand it.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, Protocol

from onething.scenarios.counts import item_steps
from onething.scenarios.journey import Journeys, Visit
from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.mechanics import Mechanics, Service

Story = Generator[Any, Any, None]

GATHER = "sent back (补正): gather missing materials"
HANDING_OVER = ("hand over materials", "file online")
"""Event-log activities in which the applicant hands materials over (or uploads them)."""
PAPER_TRANSFER = "paper transfer for "
"""Event-log activities of the platform's own paper transfers start with this."""


class Clock(Protocol):
    """What the story reads of time: SimPy's environment, or a real-time one."""

    @property
    def now(self) -> float: ...

    def timeout(self, delay: float) -> Any: ...


class Applicant(Protocol):
    """What the story keeps of one applicant (both engines' case records)."""

    trips: int
    wait: float
    rework_rounds: int
    taken: tuple[str, ...]
    """The items this applicant takes, in the process's order."""
    decided: dict[str, float]
    in_hand: dict[str, float]


class Port(Protocol):
    """What an engine gives the story: a clock, the core's mechanics, and the offices."""

    env: Clock
    mechanics: Mechanics
    tracing: bool

    def file(
        self,
        case: Any,
        place: str,
        files: Sequence[str],
        collect: Sequence[str],
        attempt: int,
        held: Sequence[str],
    ) -> Any:
        """Something to yield until the applicant leaves the window; it gives
        ``(service, minutes, sent_back)``."""
        ...

    def filed(self, case: Any, files: Sequence[str], now: float) -> None:
        """A filing is complete (nothing of it sent back): the back office starts."""
        ...

    def results(self, case: Any, items: Sequence[str]) -> Any | None:
        """Something to yield until ``items`` are decided (``case.decided`` and
        ``case.in_hand`` know them), or None when they are."""
        ...

    def completion(self, case: Any) -> Any | None:
        """Something to yield until the platform has decided every item, or None."""
        ...

    def finish(self, case: Any) -> None: ...

    def log(
        self,
        case: Any,
        activity: str,
        place: str,
        start: float,
        end: float,
        resource: str = "",
        files: Sequence[str] = (),
        collects: Sequence[str] = (),
        steps: Sequence[str] = (),
    ) -> None: ...


def applicant(port: Port, case: Applicant, journeys: Journeys, integrated: bool) -> Story:
    """The story of one case; its generator is chosen once, to keep resumptions short.
    The items the applicant takes are drawn here, at arrival, before anything else."""
    choices = journeys.choices
    if choices:
        draws = port.mechanics.draws
        case.taken = choices.taken(
            lambda item: draws.take_up(case, item), lambda name: draws.alternative(case, name)
        )
    else:
        case.taken = journeys.process.order
    journey = journeys.of(case.taken)
    if integrated:
        return _integrated(port, case, journey)
    return _siloed(port, case, journey)


def _siloed(port: Port, case: Applicant, journey: Sequence[Visit]) -> Story:
    """The applicant is the integrator: each visit waits for the results it needs."""
    env = port.env
    decided, in_hand = case.decided, case.in_hand
    for visit in journey:
        awaits = visit.awaits
        if awaits:
            waiting = port.results(case, awaits)
            if waiting is not None:
                yield waiting
            collect, ready = visit.collect, 0.0
            for key in awaits:  # a loop: max() over a generator costs more for a few items
                t = decided[key] if key in collect else in_hand[key]
                if t > ready:
                    ready = t
            now = env.now
            if ready > now:
                yield env.timeout(ready - now)
        yield from _file_and_collect(port, case, visit, visit.place)
        if not visit.file:
            continue
        started = env.now
        port.filed(case, visit.file, started)
        spot = visit.on_the_spot
        if spot:
            waiting = port.results(case, spot)
            if waiting is not None:
                yield waiting
            handed = 0.0
            for key in spot:
                if in_hand[key] > handed:
                    handed = in_hand[key]
            now = env.now
            if handed > now:
                yield env.timeout(handed - now)
                now = env.now
            if port.tracing and now > started:
                port.log(case, "wait for the result on the spot", visit.place, started, now)
    yield from _finish(port, case)


def _integrated(port: Port, case: Applicant, journey: Sequence[Visit]) -> Story:
    """File once at the single window; the platform routes; collect what is on paper."""
    env = port.env
    filing, *collecting = journey
    yield from _file_and_collect(port, case, filing, SINGLE_WINDOW)
    port.filed(case, filing.file, env.now)
    waiting = port.completion(case)
    if waiting is not None:
        yield waiting
    for visit in collecting:
        ready = max(case.decided[k] for k in visit.awaits)
        now = env.now
        if ready > now:
            yield env.timeout(ready - now)
        yield from _file_and_collect(port, case, visit, SINGLE_WINDOW)
    yield from _finish(port, case)


def _finish(port: Port, case: Applicant) -> Story:
    """The case ends when the last result is in the applicant's hands."""
    waiting = port.results(case, case.taken)
    if waiting is not None:
        yield waiting
    last = max(case.in_hand.values())
    now = port.env.now
    if last > now:
        yield port.env.timeout(last - now)
    port.finish(case)


def _file_and_collect(port: Port, case: Applicant, visit: Visit, place: str) -> Story:
    """Travel if the journey says so, file or collect, and re-file whatever is sent back
    after gathering it (working time on the calendar; online again where the filing was
    online, else another trip)."""
    env = port.env
    draws = port.mechanics.draws
    tracing = port.tracing
    trip = visit.trip
    pending, collect = visit.file, visit.collect
    attempt = 0
    held: Sequence[str] = ()
    while True:
        if trip:
            travel = draws.travel(case)
            if travel:  # a zero-length timeout would only cost an event
                started = env.now
                yield env.timeout(travel)
                if tracing:
                    port.log(case, "travel", place, started, env.now)
            elif tracing:
                port.log(case, "travel", place, env.now, env.now)
            case.trips += 1
        service, minutes, sent_back = yield port.file(case, place, pending, collect, attempt, held)
        case.wait += service.waited
        if tracing:
            _log_service(port, case, place, service, minutes, pending, collect)
        if collect:
            now = env.now
            for key in collect:
                case.in_hand[key] = now
        if not sent_back:
            return
        case.rework_rounds += 1
        held = [*held, *(k for k in pending if k not in sent_back)]
        pending, collect, attempt = sent_back, (), attempt + 1
        started = env.now
        delay = (
            port.mechanics.calendars.scenario.add_working(started, draws.rework_delay(case))
            - started
        )
        if delay:  # a zero-length timeout would only cost an event
            yield env.timeout(delay)
        if tracing:
            port.log(case, GATHER, place, started, env.now, files=pending)
        trip = not visit.online


def _log_service(
    port: Port,
    case: Applicant,
    place: str,
    service: Service,
    minutes: float,
    files: Sequence[str],
    collect: Sequence[str],
) -> None:
    if port.mechanics.files_online(collect):
        port.log(case, "file online", place, service.start, service.end, files=files)
        return
    port.log(case, "queue", place, service.queued, service.start)
    activity = "hand over materials" if files else "collect results"
    end = service.end
    port.log(case, activity, place, end - minutes, end, "window", files, collect)


def log_decision(
    port: Port,
    case: Any,
    item: str,
    start: float,
    decided: float,
    arrives: float,
    earlier_rounds: Sequence[float] = (),
) -> None:
    """The back office's part of the event log: the decision (a row per round when the
    item repeats; ``earlier_rounds`` are when the rounds before the last ended) and, by
    mail, the post."""
    mechanics = port.mechanics
    process = mechanics.process
    department = process.item(item).department
    steps = item_steps(process, item)  # the log shows them, as an approval system's
    activity = f"decide {item}"
    for end in earlier_rounds:
        port.log(case, activity, department, start, end, "back office", steps=steps)
        start = end
    port.log(case, activity, department, start, decided, "back office", steps=steps)
    if mechanics.delivery[item] == "mail":
        port.log(case, "result arrives by mail", "post", decided, arrives, collects=[item])


def event_detail(
    mechanics: Mechanics,
    activity: str,
    handed_so_far: list[str],
    files: Sequence[str] = (),
    collects: Sequence[str] = (),
    steps: Sequence[str] = (),
) -> str:
    """An event row's detail: files and the materials they hand over (each material once
    per case, ``handed_so_far`` grows), results, steps."""
    process: Process = mechanics.process
    detail = []
    if files:
        again = ""
        if activity in HANDING_OVER:
            handed = process.handover(files, handed_so_far)
            handed_so_far.extend(handed)
            if not handed:  # a re-filing after 补正 brings back what was sent back for
                handed = [m for m in process.handover(files) if m in handed_so_far]
                again = "again (补正): " if handed else ""
        else:
            handed = process.handover(files)
        names = [mechanics.material_name(m) for m in handed]
        detail.append(f"files {', '.join(files)}; materials: {again}{'; '.join(names) or 'none'}")
    if collects:
        detail.append(f"results: {', '.join(collects)}")
    if steps:
        detail.append(f"steps: {', '.join(steps)}")
    return " | ".join(detail)
